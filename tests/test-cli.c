/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "mt-core.h"
#include "mt-test-util.h"

/* Runs midthought-cli (MT_CLI) with @argv, returning its exit status. */
static int
run_cli (const char * const  *args,
         char               **out,
         char               **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, (char *) g_getenv ("MT_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                out, err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  return WEXITSTATUS (wait_status);
}

static JsonObject *
file_entry (JsonNode *root,
            guint     index)
{
  JsonArray *files = json_object_get_array_member (json_node_get_object (root), "files");

  return json_array_get_object_element (files, index);
}

/* The figures the foundation issue asks for, through the real binary. */
static void
test_info_json_shared (void)
{
  static const struct {
    const char *file;
    gint64      traces;
  } expected[] = {
    { "traces/markyx316_LLM-Reasoning-Trace-Topology/math500_deepseek_r1.jsonl", 20 },
    { "traces/markyx316_LLM-Reasoning-Trace-Topology/pilot_math500_qwen7b.jsonl", 20 },
    { "traces/markyx316_LLM-Reasoning-Trace-Topology/pilot_math500_llama8b.jsonl", 20 },
    { "traces/JesseRWeigel_thinking-traces/qwen3-8b__think-on.jsonl", 200 },
    { "traces/JesseRWeigel_thinking-traces/qwen3-8b__think-off.jsonl", 200 },
  };
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (args, g_strdup ("info"));
  g_ptr_array_add (args, g_strdup ("--json"));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      char *path = mt_test_shared_path (expected[i].file);

      if (path == NULL)
        {
          g_test_skip ("MT_SHARED_DATA is not set or lacks the files");
          return;
        }
      g_ptr_array_add (args, path);
    }
  g_ptr_array_add (args, NULL);

  g_assert_cmpint (run_cli ((const char * const *) args->pdata, &out, &err), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      JsonObject *entry = file_entry (json_parser_get_root (parser), i);

      g_assert_cmpstr (json_object_get_string_member (entry, "path"), ==,
                       g_ptr_array_index (args, i + 2));
      g_assert_cmpstr (json_object_get_string_member (entry, "format"), ==, "traces");
      g_assert_cmpint (json_object_get_int_member (entry, "traces"), ==, expected[i].traces);
      g_assert_cmpint (json_object_get_int_member (entry, "branches"), ==, 0);
      g_assert_cmpint (json_object_get_int_member (entry, "skipped"), ==, 0);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (entry, "errors")), ==, 0);
    }
}

static void
test_info_bad_input (void)
{
  g_autofree char *mixed = g_build_filename (g_getenv ("MT_TEST_DATA"), "generic-mixed.jsonl", NULL);
  const char *args[] = { "info", "--json", mixed, "/nonexistent/x.jsonl", NULL };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  JsonObject *entry;
  JsonArray *errors;

  /* Bad input: status 1, and the good records are still counted. */
  g_assert_cmpint (run_cli (args, &out, &err), ==, 1);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);

  entry = file_entry (json_parser_get_root (parser), 0);
  g_assert_cmpint (json_object_get_int_member (entry, "traces"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (entry, "skipped"), ==, 3);
  errors = json_object_get_array_member (entry, "errors");
  g_assert_cmpuint (json_array_get_length (errors), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (errors, 1), "line"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (errors, 1), "message"),
                   ==, "expected a string for \"reasoning\", found a number");

  entry = file_entry (json_parser_get_root (parser), 1);
  errors = json_object_get_array_member (entry, "errors");
  g_assert_cmpuint (json_array_get_length (errors), ==, 1);
  g_assert_nonnull (strstr (json_object_get_string_member (json_array_get_object_element (errors, 0),
                                                           "message"),
                            "/nonexistent/x.jsonl"));
}

static void
test_usage_errors (void)
{
  const char *no_command[] = { NULL };
  const char *unknown[] = { "frobnicate", NULL };
  const char *info_no_file[] = { "info", NULL };
  const char *import_no_output[] = { "import", "x.jsonl", NULL };
  const char *bad_map[] = { "import", "x.jsonl", "-o", "/tmp/x.mtlab", "--map", "nonsense", NULL };
  g_autofree char *err = NULL;

  g_assert_cmpint (run_cli (no_command, NULL, NULL), ==, 2);
  g_assert_cmpint (run_cli (unknown, NULL, NULL), ==, 2);
  g_assert_cmpint (run_cli (info_no_file, NULL, NULL), ==, 2);
  g_assert_cmpint (run_cli (import_no_output, NULL, NULL), ==, 2);
  g_assert_cmpint (run_cli (bad_map, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "NAME=FIELD"));
}

/* import joins traces to a problem set and writes a lab that loads back. */
static void
test_import_with_problems (void)
{
  g_autofree char *traces =
    mt_test_shared_path ("traces/JesseRWeigel_thinking-traces/qwen3-8b__think-on.jsonl");
  g_autofree char *items = mt_test_shared_path ("traces/JesseRWeigel_thinking-traces/items.json");
  g_autofree char *dir = g_dir_make_tmp ("mt-cli-XXXXXX", NULL);
  g_autofree char *lab_path = g_build_filename (dir, "out.mtlab", NULL);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtTrace) first = NULL;
  const char *args[] = { "import", traces, "--problems", items, "-o", lab_path, NULL };

  if (traces == NULL || items == NULL)
    {
      g_test_skip ("MT_SHARED_DATA is not set or lacks the files");
      return;
    }

  g_assert_cmpint (run_cli (args, NULL, NULL), ==, 0);

  report = mt_load_report_new (lab_path);
  g_assert_true (mt_lab_file_load (lab, lab_path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_problems (lab)), ==, 200);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (lab)), ==, 200);
  first = g_list_model_get_item (mt_lab_get_traces (lab), 0);
  g_assert_nonnull (mt_trace_get_problem (first));
  g_assert_cmpstr (mt_problem_get_answer (mt_trace_get_problem (first)), ==, "670");

  g_remove (lab_path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/info/json-shared", test_info_json_shared);
  g_test_add_func ("/cli/info/bad-input", test_info_bad_input);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/import/with-problems", test_import_with_problems);

  return g_test_run ();
}
