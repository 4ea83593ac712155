/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "mt-cli.h"
#include "mt-core.h"

#define MARKYX "traces/markyx316_LLM-Reasoning-Trace-Topology/"
#define JESSE  "traces/JesseRWeigel_thinking-traces/"

/* midthought-cli (MT_CLI) with @args; returns its exit status. */
static int
run_cli (GPtrArray  *args,
         char      **out,
         char      **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, (char *) g_getenv ("MT_CLI"));
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (args, i));
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  return WEXITSTATUS (wait_status);
}

/* The shared data files, or NULL (and the test skipped) when absent. */
static GPtrArray *
shared_files (const char *first,
              ...)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *root = g_getenv ("MT_SHARED_DATA");
  va_list args;

  va_start (args, first);
  for (const char *name = first; name != NULL; name = va_arg (args, const char *))
    {
      char *path = root ? g_build_filename (root, name, NULL) : NULL;

      if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_free (path);
          va_end (args);
          g_test_skip ("MT_SHARED_DATA is not set or lacks the files");
          return NULL;
        }
      g_ptr_array_add (paths, path);
    }
  va_end (args);

  return g_steal_pointer (&paths);
}

static GPtrArray *
command (const char *name,
         const char *option,
         GPtrArray  *files)
{
  GPtrArray *args = g_ptr_array_new ();

  g_ptr_array_add (args, (char *) name);
  if (option != NULL)
    g_ptr_array_add (args, (char *) option);
  for (guint i = 0; files != NULL && i < files->len; i++)
    g_ptr_array_add (args, g_ptr_array_index (files, i));
  return args;
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  return root;
}

typedef struct
{
  guint    traces;
  guint    graded;
  guint    correct;
  guint64  reasoning_tokens;
} Expected;

/* What the grader and the tokenizer say, in this process, per model. */
static GHashTable *
expected_per_model (GPtrArray *files)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  GHashTable *models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GListModel *traces = mt_lab_get_traces (lab);

  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr(MtLoadReport) report = mt_load_report_new (g_ptr_array_index (files, i));

      g_assert_true (mt_import_file (lab, g_ptr_array_index (files, i), NULL, report, NULL, NULL));
    }
  mt_lab_link (lab);

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      Expected *expected = g_hash_table_lookup (models, mt_trace_get_model (trace));
      MtGrade grade;

      if (expected == NULL)
        {
          expected = g_new0 (Expected, 1);
          g_hash_table_insert (models, g_strdup (mt_trace_get_model (trace)), expected);
        }

      mt_grade_trace (trace, &grade);
      expected->traces++;
      expected->graded += grade.verdict != MT_VERDICT_UNGRADED;
      expected->correct += grade.verdict == MT_VERDICT_CORRECT;
      expected->reasoning_tokens += mt_trace_get_n_reasoning_tokens (trace);
      mt_grade_clear (&grade);
    }

  return models;
}

static void
check_models (JsonObject *root,
              GHashTable *expected,
              guint       n_models,
              guint       graded)
{
  JsonArray *models = json_object_get_array_member (root, "models");

  g_assert_cmpuint (json_array_get_length (models), ==, n_models);
  g_assert_cmpuint (g_hash_table_size (expected), ==, n_models);

  for (guint i = 0; i < n_models; i++)
    {
      JsonObject *model = json_array_get_object_element (models, i);
      const Expected *want = g_hash_table_lookup (expected,
                                                  json_object_get_string_member (model, "model"));
      JsonObject *markers = json_object_get_object_member (model, "markers");
      gint64 correct = json_object_get_int_member (model, "correct");

      g_assert_nonnull (want);
      g_assert_cmpint (json_object_get_int_member (model, "traces"), ==, want->traces);
      g_assert_cmpint (json_object_get_int_member (model, "graded"), ==, graded);
      g_assert_cmpint (json_object_get_int_member (model, "graded"), ==, want->graded);
      /* Whatever the grader decides, stats counts exactly its verdicts. */
      g_assert_cmpint (correct, ==, want->correct);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (model, "accuracy"),
                                      (double) correct / graded, 1e-9);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (model,
                                                                     "reasoning_tokens_mean"),
                                      (double) want->reasoning_tokens / want->traces, 1e-6);
      g_assert_cmpfloat (json_object_get_double_member (model, "answer_tokens_mean"), >, 0);
      g_assert_true (json_object_has_member (markers, "hesitation"));
      g_assert_true (json_object_has_member (markers, "update-doubt"));
      g_assert_true (json_object_has_member (markers, "leakage"));
      /* Reasoning models hesitate. */
      g_assert_cmpint (json_object_get_int_member (markers, "hesitation"), >, 0);
    }
}

/* The three MATH-500 files: three models, 20 traces each, all graded. */
static void
test_stats_markyx (void)
{
  g_autoptr(GPtrArray) files = shared_files (MARKYX "math500_deepseek_r1.jsonl",
                                             MARKYX "pilot_math500_qwen7b.jsonl",
                                             MARKYX "pilot_math500_llama8b.jsonl", NULL);
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GHashTable) expected = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;
  JsonObject *object;

  if (files == NULL)
    return;

  args = command ("stats", "--json", files);
  g_assert_cmpint (run_cli (args, &out, NULL), ==, 0);
  root = parse (out);
  object = json_node_get_object (root);

  expected = expected_per_model (files);
  check_models (object, expected, 3, 20);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "interrupts")),
                    ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "scores")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (object, "models"),
                                                    0), "model"), ==, "deepseek-reasoner");
}

/* Traces join the problems of another file: all 200 graded. */
static void
test_stats_items (void)
{
  g_autoptr(GPtrArray) files = shared_files (JESSE "qwen3-8b__think-on.jsonl",
                                             JESSE "items.json", NULL);
  g_autoptr(GPtrArray) alone = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GHashTable) expected = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) alone_root = NULL;
  g_autofree char *out = NULL;
  g_autofree char *alone_out = NULL;
  JsonObject *model;

  if (files == NULL)
    return;

  args = command ("stats", "--json", files);
  g_assert_cmpint (run_cli (args, &out, NULL), ==, 0);
  root = parse (out);
  expected = expected_per_model (files);
  check_models (json_node_get_object (root), expected, 1, 200);

  /* Without the problems nothing can be graded. */
  alone = g_ptr_array_new ();
  g_ptr_array_add (alone, g_ptr_array_index (files, 0));
  g_clear_pointer (&args, g_ptr_array_unref);
  args = command ("stats", "--json", alone);
  g_assert_cmpint (run_cli (args, &alone_out, NULL), ==, 0);
  alone_root = parse (alone_out);
  model = json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (alone_root), "models"), 0);
  g_assert_cmpint (json_object_get_int_member (model, "traces"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (model, "graded"), ==, 0);
  g_assert_true (json_object_get_null_member (model, "accuracy"));
}

static guint
count_lines (char **lines,
             guint  from)
{
  guint n = 0;

  while (lines[from + n] != NULL && lines[from + n][0] != '\0')
    n++;
  return n;
}

static int
find_line (char       **lines,
           const char  *line)
{
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_equal (lines[i], line))
      return i;
  return -1;
}

/* One section per table, each a "# name" line, a header and its rows. */
static void
test_stats_csv (void)
{
  g_autoptr(GPtrArray) files = shared_files (MARKYX "math500_deepseek_r1.jsonl",
                                             MARKYX "pilot_math500_qwen7b.jsonl",
                                             MARKYX "pilot_math500_llama8b.jsonl", NULL);
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) header = NULL;
  int models, interrupts, scores;

  if (files == NULL)
    return;

  args = command ("stats", "--csv", files);
  g_assert_cmpint (run_cli (args, &out, NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);

  models = find_line (lines, "# models");
  interrupts = find_line (lines, "# interrupts");
  scores = find_line (lines, "# scores");
  g_assert_cmpint (models, ==, 0);
  g_assert_cmpint (interrupts, >, models);
  g_assert_cmpint (scores, >, interrupts);

  /* Header and three models, each row as wide as the header. */
  g_assert_cmpuint (count_lines (lines, models + 1), ==, 4);
  header = g_strsplit (lines[models + 1], ",", -1);
  g_assert_cmpstr (header[0], ==, "model");
  g_assert_true (g_strv_contains ((const char * const *) header, "accuracy"));
  g_assert_true (g_strv_contains ((const char * const *) header, "markers.hesitation"));
  for (guint r = 2; r <= 4; r++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[models + r], ",", -1);

      g_assert_cmpuint (g_strv_length (fields), ==, g_strv_length (header));
      g_assert_cmpstr (fields[3], ==, "20");
    }

  /* No branches: headers only. */
  g_assert_cmpuint (count_lines (lines, interrupts + 1), ==, 1);
  g_assert_true (g_str_has_prefix (lines[interrupts + 1], "model,kind,x,n,"));
  g_assert_cmpuint (count_lines (lines, scores + 1), ==, 1);
}

/* Human output: an aligned table, every line of it as wide as its header. */
static void
test_stats_human (void)
{
  g_autoptr(GPtrArray) files = shared_files (MARKYX "math500_deepseek_r1.jsonl",
                                             MARKYX "pilot_math500_qwen7b.jsonl",
                                             MARKYX "pilot_math500_llama8b.jsonl", NULL);
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  glong width;

  if (files == NULL)
    return;

  args = command ("stats", NULL, files);
  g_assert_cmpint (run_cli (args, &out, NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);

  g_assert_true (g_str_has_prefix (lines[0], "Models"));
  g_assert_nonnull (strstr (lines[1], "model"));
  g_assert_nonnull (strstr (lines[1], "accuracy"));
  g_assert_nonnull (strstr (lines[2], "deepseek-reasoner"));
  width = g_utf8_strlen (lines[1], -1);
  for (guint r = 2; r <= 4; r++)
    g_assert_cmpint (g_utf8_strlen (lines[r], -1), ==, width);
  g_assert_nonnull (strstr (out, "Interrupts: none"));
}

/* The paper's output: a hard and a speedup branch, each with its figures. */
static void
test_stats_paper (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("MT_TEST_DATA"), "paper-output.jsonl", NULL);
  g_autoptr(GPtrArray) files = g_ptr_array_new ();
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;
  g_autofree char *human = NULL;
  JsonArray *interrupts, *scores;
  static const char *keys[] = {
    "model", "kind", "x", "n", "accuracy", "ci", "length_tokens_mean", "length_chars_mean",
    "length_ratio", "answer_ratio", "compute_ratio", "panic_rate", "doubt_rate",
    "leakage_ratio_mean", "markers",
  };

  g_ptr_array_add (files, path);
  args = command ("stats", "--json", files);
  g_assert_cmpint (run_cli (args, &out, NULL), ==, 0);
  root = parse (out);

  interrupts = json_object_get_array_member (json_node_get_object (root), "interrupts");
  g_assert_cmpuint (json_array_get_length (interrupts), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *interrupt = json_array_get_object_element (interrupts, i);

      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        g_assert_true (json_object_has_member (interrupt, keys[k]));
      g_assert_cmpint (json_object_get_int_member (interrupt, "n"), ==, 1);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (interrupt, "ci")),
                        ==, 2);
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (interrupts, 0),
                                                  "kind"), ==, "hard");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (interrupts, 1),
                                                  "kind"), ==, "speedup");
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (interrupts, 1),
                                                    "panic_rate"), ==, 0.0);

  scores = json_object_get_array_member (json_node_get_object (root), "scores");
  g_assert_cmpuint (json_array_get_length (scores), ==, 2);
  g_assert_true (json_object_has_member (json_array_get_object_element (scores, 0),
                                         "interruptibility"));

  g_clear_pointer (&args, g_ptr_array_unref);
  args = command ("stats", NULL, files);
  g_assert_cmpint (run_cli (args, &human, NULL), ==, 0);
  g_assert_nonnull (strstr (human, "Interruptibility"));
  g_assert_nonnull (strstr (human, "speedup"));
}

static void
test_stats_usage (void)
{
  g_autoptr(GPtrArray) both = command ("stats", "--json", NULL);
  g_autoptr(GPtrArray) none = command ("stats", NULL, NULL);
  g_autoptr(GPtrArray) missing = command ("stats", "--json", NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (both, "--csv");
  g_ptr_array_add (both, "x.jsonl");
  g_assert_cmpint (run_cli (both, NULL, NULL), ==, 2);
  g_assert_cmpint (run_cli (none, NULL, NULL), ==, 2);

  /* A file that cannot be read: status 1, and the stats of what could. */
  g_ptr_array_add (missing, "/nonexistent/x.jsonl");
  g_assert_cmpint (run_cli (missing, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent/x.jsonl"));
  root = parse (out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (root), "models")), ==, 0);
}

/* A category of the user's own shows up in every table. */
static void
test_stats_user_category (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("MT_TEST_DATA"), "paper-output.jsonl", NULL);
  g_autofree char *config = g_dir_make_tmp ("mt-stats-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (config, "midthought", "markers", NULL);
  g_autofree char *category = g_build_filename (dir, "eggs.json", NULL);
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *out = NULL;
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { g_getenv ("MT_CLI"), "stats", "--json", path, NULL };
  JsonObject *model;
  int wait_status;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (category, "{\"category\": \"eggs\", \"label\": \"Eggs\", \"shape\": "
                                 "\"circle\", \"phrases\": [\"eggs\"]}", -1, &error);
  g_assert_no_error (error);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config, TRUE);

  g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                &wait_status, &error);
  g_assert_no_error (error);
  root = parse (out);
  model = json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (root), "models"), 0);
  /* "16 eggs", "eggs a day", "13 eggs" ... in reasoning and answer alike. */
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (model, "markers"),
                                               "eggs"), >, 0);

  g_remove (category);
  g_rmdir (dir);
  g_rmdir (parent);
  g_rmdir (config);
}

static void
test_grade_files (void)
{
  g_autoptr(GPtrArray) files = shared_files (MARKYX "math500_deepseek_r1.jsonl", NULL);
  g_autofree char *dir = g_dir_make_tmp ("mt-grade-XXXXXX", NULL);
  g_autofree char *output = g_build_filename (dir, "out.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GHashTable) expected = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *traces;
  JsonObject *summary, *first;
  const Expected *want;

  if (files == NULL)
    return;

  args = command ("grade", "--json", files);
  g_ptr_array_add (args, NULL);
  args->len--;
  /* The child's stdout goes to a file: it must not mix with the TAP stream. */
  if (g_test_subprocess ())
    {
      g_assert_nonnull (freopen (g_getenv ("MT_GRADE_OUTPUT"), "w", stdout));
      exit (mt_cli_grade_files (args->len, (char **) args->pdata));
    }

  g_setenv ("MT_GRADE_OUTPUT", output, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_assert_true (g_file_get_contents (output, &text, NULL, NULL));
  root = parse (text);

  expected = expected_per_model (files);
  want = g_hash_table_lookup (expected, "deepseek-reasoner");
  traces = json_object_get_array_member (json_node_get_object (root), "traces");
  g_assert_cmpuint (json_array_get_length (traces), ==, 20);
  first = json_array_get_object_element (traces, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "id"), ==,
                   "math500_deepseek_r1:math500_0000");
  g_assert_cmpstr (json_object_get_string_member (first, "model"), ==, "deepseek-reasoner");
  g_assert_cmpstr (json_object_get_string_member (first, "truth"), ==,
                   "\\left( 3, \\frac{\\pi}{2} \\right)");
  g_assert_true (json_object_has_member (first, "verdict"));
  g_assert_true (json_object_has_member (first, "answer"));
  g_assert_true (json_object_has_member (first, "rule"));

  summary = json_object_get_object_member (json_node_get_object (root), "summary");
  g_assert_cmpint (json_object_get_int_member (summary, "correct"), ==, want->correct);
  g_assert_cmpint (json_object_get_int_member (summary, "correct") +
                   json_object_get_int_member (summary, "wrong") +
                   json_object_get_int_member (summary, "ungradable"), ==, 20);
  g_assert_cmpint (json_object_get_int_member (summary, "ungraded"), ==, 0);

  g_remove (output);
  g_rmdir (dir);
}

static void
test_grade_files_human (void)
{
  g_autoptr(GPtrArray) files = shared_files (MARKYX "math500_deepseek_r1.jsonl", NULL);
  g_autoptr(GPtrArray) args = NULL;

  if (files == NULL)
    return;

  args = command ("grade", NULL, files);
  g_ptr_array_add (args, NULL);
  args->len--;
  if (g_test_subprocess ())
    exit (mt_cli_grade_files (args->len, (char **) args->pdata));

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*trace*model*verdict*answer*truth*rule*");
  g_test_trap_assert_stdout ("*math500_deepseek_r1:math500_0000*deepseek-reasoner*");
  g_test_trap_assert_stdout ("*20 traces: * correct, * wrong, * ungradable, 0 ungraded*");
}

int
main (int   argc,
      char *argv[])
{
  /* Only the built-in marker categories, whatever the user has. */
  g_setenv ("XDG_CONFIG_HOME", "/nonexistent/midthought-test", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/stats/markyx", test_stats_markyx);
  g_test_add_func ("/cli/stats/items", test_stats_items);
  g_test_add_func ("/cli/stats/csv", test_stats_csv);
  g_test_add_func ("/cli/stats/human", test_stats_human);
  g_test_add_func ("/cli/stats/paper", test_stats_paper);
  g_test_add_func ("/cli/stats/usage", test_stats_usage);
  g_test_add_func ("/cli/stats/user-category", test_stats_user_category);
  g_test_add_func ("/cli/grade-files/json", test_grade_files);
  g_test_add_func ("/cli/grade-files/human", test_grade_files_human);

  return g_test_run ();
}
