/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "mt-cli.h"
#include "mt-core.h"

/* Width of the answer and truth columns of `grade` before they are cut. */
#define GRADE_COLUMN_WIDTH 40

/* An aligned text table: text columns to the left, numbers to the right. */
typedef struct
{
  GPtrArray *headers;
  GArray    *numeric;   /* gboolean per column */
  GPtrArray *rows;      /* of GPtrArray of char* */
} Table;

static Table *
table_new (void)
{
  Table *table = g_new0 (Table, 1);

  table->headers = g_ptr_array_new_with_free_func (g_free);
  table->numeric = g_array_new (FALSE, FALSE, sizeof (gboolean));
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  return table;
}

static void
table_free (Table *table)
{
  g_ptr_array_unref (table->headers);
  g_array_unref (table->numeric);
  g_ptr_array_unref (table->rows);
  g_free (table);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Table, table_free)

static void
table_add_column (Table      *table,
                  const char *header,
                  gboolean    numeric)
{
  g_ptr_array_add (table->headers, g_strdup (header));
  g_array_append_val (table->numeric, numeric);
}

static GPtrArray *
table_add_row (Table *table)
{
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (table->rows, row);
  return row;
}

static void
print_cell (const char *text,
            guint       width,
            gboolean    right)
{
  guint length = g_utf8_strlen (text, -1);
  int pad = width > length ? (int) (width - length) : 0;

  if (right)
    printf ("%*s%s", pad, "", text);
  else
    printf ("%s%*s", text, pad, "");
}

static void
table_print (Table *table)
{
  guint n_columns = table->headers->len;
  g_autofree guint *widths = g_new0 (guint, n_columns);

  for (guint c = 0; c < n_columns; c++)
    widths[c] = g_utf8_strlen (g_ptr_array_index (table->headers, c), -1);
  for (guint r = 0; r < table->rows->len; r++)
    {
      GPtrArray *row = g_ptr_array_index (table->rows, r);

      for (guint c = 0; c < n_columns; c++)
        widths[c] = MAX (widths[c], g_utf8_strlen (g_ptr_array_index (row, c), -1));
    }

  for (guint r = 0; r <= table->rows->len; r++)
    {
      GPtrArray *row = r == 0 ? table->headers : g_ptr_array_index (table->rows, r - 1);

      printf ("  ");
      for (guint c = 0; c < n_columns; c++)
        {
          gboolean numeric = g_array_index (table->numeric, gboolean, c);

          if (c > 0)
            printf ("  ");
          /* No trailing blanks after a last column of text. */
          print_cell (g_ptr_array_index (row, c),
                      c + 1 == n_columns && !numeric ? 0 : widths[c], numeric);
        }
      printf ("\n");
    }
}

static char *
format_number (double      value,
               const char *format)
{
  if (isnan (value) || isinf (value))
    return g_strdup ("-");
  return g_strdup_printf (format, value);
}

static char *
format_interval (double low,
                 double high)
{
  if (isnan (low) || isnan (high))
    return g_strdup ("-");
  return g_strdup_printf ("%.3f-%.3f", low, high);
}

static void
print_human (MtMetrics *metrics)
{
  MtMarkerLexicon *lexicon = mt_metrics_get_lexicon (metrics);
  guint n_categories = mt_marker_lexicon_get_n_categories (lexicon);
  g_autoptr(Table) models = table_new ();
  g_autoptr(Table) interrupts = table_new ();
  g_autoptr(Table) scores = table_new ();
  static const char *model_headers[] = {
    "traces", "branches", "graded", "correct", "accuracy", "reasoning tok", "answer tok",
  };
  static const char *interrupt_headers[] = {
    "X", "n", "accuracy", "95% CI", "oracle acc", "length tok", "length ratio", "answer ratio",
    "compute ratio", "panic", "doubt", "leakage", "leak ratio",
  };

  table_add_column (models, "model", FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (model_headers); i++)
    table_add_column (models, model_headers[i], TRUE);
  for (guint c = 0; c < n_categories; c++)
    table_add_column (models, mt_marker_lexicon_get_id (lexicon, c), TRUE);

  for (guint i = 0; i < mt_metrics_get_n_models (metrics); i++)
    {
      const MtModelMetrics *model = mt_metrics_get_model (metrics, i);
      GPtrArray *row = table_add_row (models);

      g_ptr_array_add (row, g_strdup (model->model));
      g_ptr_array_add (row, g_strdup_printf ("%u", model->traces));
      g_ptr_array_add (row, g_strdup_printf ("%u", model->branches));
      g_ptr_array_add (row, g_strdup_printf ("%u", model->graded));
      g_ptr_array_add (row, g_strdup_printf ("%u", model->correct));
      g_ptr_array_add (row, format_number (model->accuracy, "%.3f"));
      g_ptr_array_add (row, format_number (model->reasoning_tokens_mean, "%.1f"));
      g_ptr_array_add (row, format_number (model->answer_tokens_mean, "%.1f"));
      for (guint c = 0; c < n_categories; c++)
        g_ptr_array_add (row, g_strdup_printf ("%u", model->markers[c]));
    }

  printf ("Models (accuracy over graded traces; tokens are means per trace)\n");
  table_print (models);

  if (mt_metrics_get_n_interrupts (metrics) == 0)
    {
      printf ("\nInterrupts: none (no branches in these files)\n");
      return;
    }

  table_add_column (interrupts, "model", FALSE);
  table_add_column (interrupts, "kind", FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (interrupt_headers); i++)
    table_add_column (interrupts, interrupt_headers[i], TRUE);

  for (guint i = 0; i < mt_metrics_get_n_interrupts (metrics); i++)
    {
      const MtInterruptMetrics *interrupt = mt_metrics_get_interrupt (metrics, i);
      GPtrArray *row = table_add_row (interrupts);

      g_ptr_array_add (row, g_strdup (interrupt->model));
      g_ptr_array_add (row, g_strdup (mt_interrupt_kind_to_string (interrupt->kind)));
      g_ptr_array_add (row, g_strdup_printf ("%.2f", interrupt->x));
      g_ptr_array_add (row, g_strdup_printf ("%u", interrupt->n));
      g_ptr_array_add (row, format_number (interrupt->accuracy, "%.3f"));
      g_ptr_array_add (row, format_interval (interrupt->ci_low, interrupt->ci_high));
      g_ptr_array_add (row, format_number (interrupt->oracle_accuracy, "%.3f"));
      g_ptr_array_add (row, format_number (interrupt->length_tokens_mean, "%.1f"));
      g_ptr_array_add (row, format_number (interrupt->length_ratio, "%.2f"));
      g_ptr_array_add (row, format_number (interrupt->answer_ratio, "%.2f"));
      g_ptr_array_add (row, format_number (interrupt->compute_ratio, "%.2f"));
      g_ptr_array_add (row, format_number (interrupt->panic_rate, "%.3f"));
      g_ptr_array_add (row, format_number (interrupt->doubt_rate, "%.3f"));
      g_ptr_array_add (row, format_number (interrupt->leakage_rate, "%.3f"));
      g_ptr_array_add (row, format_number (interrupt->leakage_ratio_mean, "%.2f"));
    }

  printf ("\nInterrupts (by model, kind and position X; ratios are to the oracle)\n");
  table_print (interrupts);

  table_add_column (scores, "model", FALSE);
  table_add_column (scores, "kind", FALSE);
  table_add_column (scores, "positions", TRUE);
  table_add_column (scores, "oracle acc", TRUE);
  table_add_column (scores, "interruptibility", TRUE);

  for (guint i = 0; i < mt_metrics_get_n_scores (metrics); i++)
    {
      const MtInterruptibility *score = mt_metrics_get_score (metrics, i);
      GPtrArray *row = table_add_row (scores);

      g_ptr_array_add (row, g_strdup (score->model));
      g_ptr_array_add (row, g_strdup (mt_interrupt_kind_to_string (score->kind)));
      g_ptr_array_add (row, g_strdup_printf ("%u", score->n_positions));
      g_ptr_array_add (row, format_number (score->oracle_accuracy, "%.3f"));
      g_ptr_array_add (row, format_number (score->interruptibility, "%.3f"));
    }

  printf ("\nInterruptibility (area under accuracy / oracle accuracy over X)\n");
  table_print (scores);
}

/* RFC 4180: quote a field holding a separator, a quote or a line break. */
static void
print_csv_field (const char *text,
                 gboolean    first)
{
  if (!first)
    putchar (',');
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      fputs (text, stdout);
      return;
    }
  putchar ('"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        putchar ('"');
      putchar (*p);
    }
  putchar ('"');
}

static void
print_csv_number (double value)
{
  putchar (',');
  if (!isnan (value) && !isinf (value))
    printf ("%.6g", value);
}

static void
print_csv_markers_header (MtMarkerLexicon *lexicon)
{
  for (guint c = 0; c < mt_marker_lexicon_get_n_categories (lexicon); c++)
    {
      g_autofree char *name = g_strconcat ("markers.", mt_marker_lexicon_get_id (lexicon, c), NULL);

      print_csv_field (name, FALSE);
    }
  putchar ('\n');
}

static void
print_csv_markers (MtMarkerLexicon *lexicon,
                   const guint     *markers)
{
  for (guint c = 0; c < mt_marker_lexicon_get_n_categories (lexicon); c++)
    printf (",%u", markers[c]);
  putchar ('\n');
}

/* One section per table, each a "# name" line, a header and its rows. */
static void
print_csv (MtMetrics *metrics)
{
  MtMarkerLexicon *lexicon = mt_metrics_get_lexicon (metrics);

  printf ("# models\n");
  printf ("model,traces,branches,graded,correct,accuracy,reasoning_tokens_mean,"
          "answer_tokens_mean,reasoning_chars_mean,answer_chars_mean");
  print_csv_markers_header (lexicon);
  for (guint i = 0; i < mt_metrics_get_n_models (metrics); i++)
    {
      const MtModelMetrics *model = mt_metrics_get_model (metrics, i);

      print_csv_field (model->model, TRUE);
      printf (",%u,%u,%u,%u", model->traces, model->branches, model->graded, model->correct);
      print_csv_number (model->accuracy);
      print_csv_number (model->reasoning_tokens_mean);
      print_csv_number (model->answer_tokens_mean);
      print_csv_number (model->reasoning_chars_mean);
      print_csv_number (model->answer_chars_mean);
      print_csv_markers (lexicon, model->markers);
    }

  printf ("\n# interrupts\n");
  printf ("model,kind,x,n,graded,correct,accuracy,ci_low,ci_high,oracle_accuracy,"
          "length_tokens_mean,length_chars_mean,length_ratio,answer_ratio,compute_ratio,"
          "panic_rate,doubt_rate,leakage_rate,leakage_ratio_mean");
  print_csv_markers_header (lexicon);
  for (guint i = 0; i < mt_metrics_get_n_interrupts (metrics); i++)
    {
      const MtInterruptMetrics *interrupt = mt_metrics_get_interrupt (metrics, i);

      print_csv_field (interrupt->model, TRUE);
      print_csv_field (mt_interrupt_kind_to_string (interrupt->kind), FALSE);
      printf (",%.2f,%u,%u,%u", interrupt->x, interrupt->n, interrupt->graded, interrupt->correct);
      print_csv_number (interrupt->accuracy);
      print_csv_number (interrupt->ci_low);
      print_csv_number (interrupt->ci_high);
      print_csv_number (interrupt->oracle_accuracy);
      print_csv_number (interrupt->length_tokens_mean);
      print_csv_number (interrupt->length_chars_mean);
      print_csv_number (interrupt->length_ratio);
      print_csv_number (interrupt->answer_ratio);
      print_csv_number (interrupt->compute_ratio);
      print_csv_number (interrupt->panic_rate);
      print_csv_number (interrupt->doubt_rate);
      print_csv_number (interrupt->leakage_rate);
      print_csv_number (interrupt->leakage_ratio_mean);
      print_csv_markers (lexicon, interrupt->markers);
    }

  printf ("\n# scores\n");
  printf ("model,kind,positions,oracle_accuracy,interruptibility\n");
  for (guint i = 0; i < mt_metrics_get_n_scores (metrics); i++)
    {
      const MtInterruptibility *score = mt_metrics_get_score (metrics, i);

      print_csv_field (score->model, TRUE);
      print_csv_field (mt_interrupt_kind_to_string (score->kind), FALSE);
      printf (",%u", score->n_positions);
      print_csv_number (score->oracle_accuracy);
      print_csv_number (score->interruptibility);
      putchar ('\n');
    }
}

static void
print_json (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  printf ("%s\n", text);
}

int
mt_cli_stats (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtMetrics) metrics = NULL;
  g_autoptr(GPtrArray) lexicon_errors = NULL;
  g_autoptr(MtMarkerLexicon) lexicon = NULL;
  MtAnalysisOptions options;
  gboolean as_json = FALSE;
  gboolean as_csv = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print JSON", NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &as_csv, "Print CSV, one section per table", NULL },
    { NULL }
  };

  context = g_option_context_new ("FILE... — accuracy, lengths, markers and failure modes");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Every FILE (lab files, trace files, problem sets) is read into one lab, so\n"
    "traces are graded against problems given in another file, e.g.\n"
    "  midthought-cli stats qwen3-8b__think-on.jsonl items.json\n"
    "Marker categories of your own go in $XDG_CONFIG_HOME/midthought/markers/.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return mt_cli_usage_error (context, error->message);
  if (as_json && as_csv)
    return mt_cli_usage_error (context, "--json and --csv cannot be used together");
  if (argc < 2)
    return mt_cli_usage_error (context, "stats needs at least one FILE");

  status = mt_cli_load_files (lab, argv + 1, argc - 1);

  /* A broken category file of the user's is worth a word, not a failure. */
  lexicon_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  lexicon = mt_marker_lexicon_new_default (lexicon_errors);
  for (guint i = 0; i < lexicon_errors->len; i++)
    fprintf (stderr, "midthought-cli: skipped a marker category: %s\n",
             ((GError *) g_ptr_array_index (lexicon_errors, i))->message);

  mt_analysis_options_init (&options);
  options.lexicon = lexicon;
  metrics = mt_analysis_run (lab, &options, NULL, &error);
  if (metrics == NULL)
    {
      fprintf (stderr, "midthought-cli: %s\n", error->message);
      return MT_CLI_EXIT_BAD_INPUT;
    }

  if (as_json)
    {
      g_autoptr(JsonNode) root = mt_metrics_to_json (metrics);

      print_json (root);
    }
  else if (as_csv)
    print_csv (metrics);
  else
    print_human (metrics);

  return status;
}

/* The truth mt_grade_trace() compares with, as written in the problem. */
static const char *
trace_truth (MtTrace *trace)
{
  MtProblem *problem = mt_trace_get_problem (trace);
  MtInterrupt *interrupt;

  if (problem == NULL)
    return NULL;
  interrupt = MT_IS_BRANCH (trace) ? mt_branch_get_interrupt (MT_BRANCH (trace)) : NULL;
  if (interrupt != NULL && mt_interrupt_kind_may_doubt (mt_interrupt_get_kind (interrupt)) &&
      mt_problem_get_update_answer (problem) != NULL)
    return mt_problem_get_update_answer (problem);
  return mt_problem_get_answer (problem);
}

/* One line, at most GRADE_COLUMN_WIDTH characters, for the table. */
static char *
shorten (const char *text)
{
  g_autoptr(GString) line = g_string_new (NULL);
  guint n = 0;

  if (text == NULL)
    return g_strdup ("-");

  for (const char *p = text; *p && n < GRADE_COLUMN_WIDTH; p = g_utf8_next_char (p), n++)
    {
      if (*p == '\n' || *p == '\r' || *p == '\t')
        g_string_append_c (line, ' ');
      else
        g_string_append_len (line, p, g_utf8_next_char (p) - p);
    }
  if (g_utf8_strlen (text, -1) > GRADE_COLUMN_WIDTH)
    g_string_append (line, "…");
  return g_string_free (g_steal_pointer (&line), FALSE);
}

int
mt_cli_grade_files (int    argc,
                    char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(Table) table = table_new ();
  GListModel *traces;
  guint counts[MT_VERDICT_UNGRADABLE + 1] = { 0 };
  gboolean as_json = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print JSON", NULL },
    { NULL }
  };

  context = g_option_context_new ("FILE... — grade every trace again and show each verdict");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return mt_cli_usage_error (context, error->message);
  if (argc < 2)
    return mt_cli_usage_error (context, "grade needs at least one FILE");

  status = mt_cli_load_files (lab, argv + 1, argc - 1);
  traces = mt_lab_get_traces (lab);

  table_add_column (table, "trace", FALSE);
  table_add_column (table, "model", FALSE);
  table_add_column (table, "verdict", FALSE);
  table_add_column (table, "answer", FALSE);
  table_add_column (table, "truth", FALSE);
  table_add_column (table, "rule", FALSE);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "traces");
  json_builder_begin_array (builder);

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      const char *model = mt_trace_get_model (trace);
      const char *truth = trace_truth (trace);
      const char *rule;
      MtGrade grade;

      mt_grade_trace (trace, &grade);
      counts[MIN (grade.verdict, MT_VERDICT_UNGRADABLE)]++;
      rule = mt_extract_rule_to_string (grade.extraction.rule);

      if (as_json)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, mt_trace_get_id (trace));
          json_builder_set_member_name (builder, "model");
          json_builder_add_string_value (builder, model);
          json_builder_set_member_name (builder, "verdict");
          json_builder_add_string_value (builder, mt_verdict_to_string (grade.verdict));
          json_builder_set_member_name (builder, "answer");
          json_builder_add_string_value (builder, grade.extraction.text);
          json_builder_set_member_name (builder, "truth");
          json_builder_add_string_value (builder, truth);
          json_builder_set_member_name (builder, "rule");
          json_builder_add_string_value (builder, rule);
          json_builder_set_member_name (builder, "grader");
          json_builder_add_string_value (builder, grade.grader);
          json_builder_set_member_name (builder, "reason");
          json_builder_add_string_value (builder, grade.reason);
          json_builder_end_object (builder);
        }
      else
        {
          GPtrArray *row = table_add_row (table);

          g_ptr_array_add (row, g_strdup (mt_trace_get_id (trace)));
          g_ptr_array_add (row, g_strdup (model ? model : "-"));
          g_ptr_array_add (row, g_strdup (mt_verdict_to_string (grade.verdict)));
          g_ptr_array_add (row, shorten (grade.extraction.text));
          g_ptr_array_add (row, shorten (truth));
          g_ptr_array_add (row, g_strdup (rule));
        }

      mt_grade_clear (&grade);
    }

  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "summary");
  json_builder_begin_object (builder);
  for (MtVerdict v = MT_VERDICT_UNGRADED; v <= MT_VERDICT_UNGRADABLE; v++)
    {
      json_builder_set_member_name (builder, mt_verdict_to_string (v));
      json_builder_add_int_value (builder, counts[v]);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  if (as_json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);

      print_json (root);
    }
  else
    {
      table_print (table);
      printf ("\n%u traces: %u correct, %u wrong, %u ungradable, %u ungraded\n",
              g_list_model_get_n_items (traces), counts[MT_VERDICT_CORRECT],
              counts[MT_VERDICT_WRONG], counts[MT_VERDICT_UNGRADABLE],
              counts[MT_VERDICT_UNGRADED]);
    }

  return status;
}
