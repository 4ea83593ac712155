/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "mt-cli.h"
#include "mt-core.h"

int
mt_cli_usage_error (GOptionContext *context,
                    const char     *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  fprintf (stderr, "midthought-cli: %s\n\n%s", message, help);
  return MT_CLI_EXIT_USAGE;
}

static void
print_report (const MtLoadReport *report)
{
  printf ("%s: %s, %u problems, %u traces, %u branches, %u skipped\n",
          report->path, report->format ? report->format : "unknown",
          report->n_problems, report->n_traces, report->n_branches, report->n_skipped);

  for (guint i = 0; i < report->issues->len; i++)
    {
      g_autofree char *text = mt_load_issue_to_string (report, g_ptr_array_index (report->issues, i));

      printf ("  %s\n", text);
    }
}

static void
add_report_json (JsonBuilder        *builder,
                 const MtLoadReport *report,
                 const GError       *error)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, report->path);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, report->format ? report->format : "unknown");
  json_builder_set_member_name (builder, "problems");
  json_builder_add_int_value (builder, report->n_problems);
  json_builder_set_member_name (builder, "traces");
  json_builder_add_int_value (builder, report->n_traces);
  json_builder_set_member_name (builder, "branches");
  json_builder_add_int_value (builder, report->n_branches);
  json_builder_set_member_name (builder, "skipped");
  json_builder_add_int_value (builder, report->n_skipped);
  json_builder_set_member_name (builder, "errors");
  json_builder_begin_array (builder);

  for (guint i = 0; i < report->issues->len; i++)
    {
      const MtLoadIssue *issue = g_ptr_array_index (report->issues, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "line");
      json_builder_add_int_value (builder, issue->line);
      json_builder_set_member_name (builder, "column");
      json_builder_add_int_value (builder, issue->column);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, issue->message);
      json_builder_end_object (builder);
    }

  /* An error about the whole file has no line. */
  if (error != NULL)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "line");
      json_builder_add_int_value (builder, 0);
      json_builder_set_member_name (builder, "column");
      json_builder_add_int_value (builder, 0);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, error->message);
      json_builder_end_object (builder);
    }

  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

int
mt_cli_info (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean as_json = FALSE;
  int status = MT_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print JSON", NULL },
    { NULL }
  };

  context = g_option_context_new ("FILE... — what each trace, problem or lab file holds");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return mt_cli_usage_error (context, error->message);
  if (argc < 2)
    return mt_cli_usage_error (context, "info needs at least one FILE");

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "files");
  json_builder_begin_array (builder);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(MtLoadReport) report = mt_load_report_new (argv[i]);
      g_autoptr(GError) file_error = NULL;

      if (!mt_import_file (NULL, argv[i], NULL, report, NULL, &file_error))
        status = MT_CLI_EXIT_BAD_INPUT;
      else if (report->n_skipped > 0 || report->issues->len > 0)
        status = MT_CLI_EXIT_BAD_INPUT;

      if (as_json)
        add_report_json (builder, report, file_error);
      else
        {
          if (file_error != NULL)
            fprintf (stderr, "%s\n", file_error->message);
          print_report (report);
        }
    }

  json_builder_end_array (builder);
  json_builder_end_object (builder);

  if (as_json)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      g_autofree char *text = NULL;

      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, TRUE);
      text = json_generator_to_data (generator, NULL);
      printf ("%s\n", text);
    }

  return status;
}

int
mt_cli_import (int    argc,
               char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtFieldMap) map = mt_field_map_new ();
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_auto(GStrv) problem_files = NULL;
  g_auto(GStrv) maps = NULL;
  g_autofree char *output = NULL;
  int status = MT_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The lab file to write", "OUT.mtlab" },
    { "problems", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &problem_files,
      "A problem set to join traces to by id (repeatable)", "FILE" },
    { "map", 0, 0, G_OPTION_ARG_STRING_ARRAY, &maps,
      "Name the field that holds NAME (id, problem, truth, reasoning, completion, answer, model, "
      "source), e.g. reasoning=thinking (repeatable)", "NAME=FIELD" },
    { NULL }
  };

  context = g_option_context_new ("FILE... — read traces and problems into a lab file");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return mt_cli_usage_error (context, error->message);
  if (output == NULL)
    return mt_cli_usage_error (context, "import needs an output file: -o OUT.mtlab");
  if (argc < 2 && problem_files == NULL)
    return mt_cli_usage_error (context, "import needs at least one FILE");

  for (guint i = 0; maps != NULL && maps[i] != NULL; i++)
    if (!mt_field_map_add (map, maps[i], &error))
      return mt_cli_usage_error (context, error->message);

  /* Problems first, so traces find them by id as they arrive. */
  for (guint pass = 0; pass < 2; pass++)
    {
      char **files = pass == 0 ? problem_files : argv + 1;
      guint n_files = pass == 0 ? (problem_files ? g_strv_length (problem_files) : 0) : (guint) argc - 1;

      for (guint i = 0; i < n_files; i++)
        {
          g_autoptr(MtLoadReport) report = mt_load_report_new (files[i]);
          g_autoptr(GError) file_error = NULL;

          if (!mt_import_file (lab, files[i], map, report, NULL, &file_error))
            {
              fprintf (stderr, "%s\n", file_error->message);
              status = MT_CLI_EXIT_BAD_INPUT;
            }
          else if (report->issues->len > 0)
            status = MT_CLI_EXIT_BAD_INPUT;

          for (guint j = 0; j < report->issues->len; j++)
            {
              g_autofree char *text =
                mt_load_issue_to_string (report, g_ptr_array_index (report->issues, j));

              fprintf (stderr, "%s\n", text);
            }
        }
    }

  mt_lab_link (lab);

  if (!mt_lab_file_save (lab, output, NULL, &error))
    {
      fprintf (stderr, "midthought-cli: %s\n", error->message);
      return MT_CLI_EXIT_BAD_INPUT;
    }

  fprintf (stderr, "%s: %u problems, %u traces (%u branches)\n", output,
           g_list_model_get_n_items (mt_lab_get_problems (lab)),
           g_list_model_get_n_items (mt_lab_get_traces (lab)) - mt_lab_get_n_branches (lab),
           mt_lab_get_n_branches (lab));

  return status;
}

/* Reads every file into one lab, so traces find problems given in other
 * files; problems go to stderr. Returns the exit status so far. */
int
mt_cli_load_files (MtLab  *lab,
                   char  **files,
                   int     n_files)
{
  int status = MT_CLI_EXIT_OK;

  for (int i = 0; i < n_files; i++)
    {
      g_autoptr(MtLoadReport) report = mt_load_report_new (files[i]);
      g_autoptr(GError) error = NULL;

      if (!mt_import_file (lab, files[i], NULL, report, NULL, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          status = MT_CLI_EXIT_BAD_INPUT;
        }
      else if (report->issues->len > 0)
        status = MT_CLI_EXIT_BAD_INPUT;

      for (guint j = 0; j < report->issues->len; j++)
        {
          g_autofree char *text = mt_load_issue_to_string (report,
                                                           g_ptr_array_index (report->issues, j));

          fprintf (stderr, "%s\n", text);
        }
    }

  mt_lab_link (lab);
  return status;
}
