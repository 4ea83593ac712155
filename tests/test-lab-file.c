/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "mt-core.h"

#define HEADER_V1 "{\"midthought\":\"lab\",\"version\":1,\"created\":\"2025-01-01T00:00:00Z\"," \
                  "\"generator\":\"Midthought 0.1.0\"}"

/* ------------------------------------------------------------------------ */
/* Fixture: a scratch folder per test                                        */
/* ------------------------------------------------------------------------ */

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("mt-lab-file-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static char *
path_in (Fixture    *fixture,
         const char *name)
{
  return g_build_filename (fixture->dir, name, NULL);
}

static void
write_file (const char *path,
            const char *contents,
            gssize      len)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

static char *
read_file (const char *path,
           gsize      *len)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, len, &error);
  g_assert_no_error (error);
  return contents;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* The names in @dir, sorted and joined with spaces: hidden ones included,
 * so a leftover temporary file shows up. */
static char *
list_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (" ", (char **) names->pdata);
}

static MtLab *
load_lab (const char    *path,
          MtLoadReport **report_out)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (mt_lab_file_load (lab, path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (report->format, ==, "lab");

  for (guint i = 0; i < report->issues->len; i++)
    {
      MtLoadIssue *issue = g_ptr_array_index (report->issues, i);
      g_autofree char *text = mt_load_issue_to_string (report, issue);

      g_test_message ("issue: %s", text);
    }

  if (report_out != NULL)
    *report_out = g_steal_pointer (&report);
  return g_steal_pointer (&lab);
}

static MtLoadIssue *
issue_at_line (MtLoadReport *report,
               guint         line)
{
  for (guint i = 0; i < report->issues->len; i++)
    {
      MtLoadIssue *issue = g_ptr_array_index (report->issues, i);

      if (issue->line == line)
        return issue;
    }

  return NULL;
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

/* ------------------------------------------------------------------------ */
/* A lab with every field set                                                */
/* ------------------------------------------------------------------------ */

/* Stream-like spans: a token starts at 0 and at every space. */
static MtTokenSpans *
word_spans (MtTokenSource  source,
            const char    *text)
{
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (guint32));
  gsize len = strlen (text);

  for (gsize i = 0; i < len; i++)
    {
      if (i == 0 || text[i] == ' ')
        {
          guint32 start = (guint32) i;

          g_array_append_val (starts, start);
        }
    }

  return mt_token_spans_new (source, (guint32 *) (gpointer) starts->data, starts->len,
                             (guint32) len);
}

static void
set_texts (MtTrace       *trace,
           const char    *reasoning,
           const char    *answer,
           MtTokenSource  source)
{
  g_autoptr(MtTokenSpans) reasoning_spans = NULL;
  g_autoptr(MtTokenSpans) answer_spans = NULL;

  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_answer (trace, answer);
  if (source == MT_TOKEN_SOURCE_APPROX)
    return;

  reasoning_spans = word_spans (source, reasoning);
  answer_spans = word_spans (source, answer);
  mt_trace_set_reasoning_spans (trace, reasoning_spans);
  mt_trace_set_answer_spans (trace, answer_spans);
}

static MtLab *
build_full_lab (void)
{
  MtLab *lab = mt_lab_new ();
  g_autoptr(MtProblem) p1 = mt_problem_new ("p1");
  g_autoptr(MtProblem) p2 = mt_problem_new ("p2");
  g_autoptr(MtTrace) t1 = mt_trace_new ("t1");
  g_autoptr(MtTrace) t2 = mt_trace_new ("t2");
  g_autoptr(MtTrace) t3 = mt_trace_new ("t3");
  g_autoptr(MtInterrupt) i1 = mt_interrupt_new (MT_INTERRUPT_UPDATE, 3, 0.3);
  g_autoptr(MtInterrupt) i2 = mt_interrupt_new (MT_INTERRUPT_HARD, 0, NAN);
  g_autoptr(MtBranch) b1 = NULL;
  g_autoptr(MtBranch) b2 = NULL;
  g_autoptr(MtTokenSpans) tokenizer_spans = NULL;
  const char *accept[] = { "7", "seven", NULL };
  MtSampling sampling;

  mt_problem_set_source (p1, "gsm8k");
  mt_problem_set_domain (p1, MT_DOMAIN_MATH);
  mt_problem_set_prompt (p1, "Tom has 3 \"apples\"\nand buys 4.\tHow many?");
  mt_problem_set_answer (p1, "7");
  mt_problem_set_update (p1, "Tom ate one.");
  mt_problem_set_update_answer (p1, "6");
  mt_problem_set_grader (p1, "numeric");
  mt_problem_set_accept (p1, accept);

  mt_trace_set_problem_id (t1, "p1");
  mt_trace_set_model (t1, "qwen3-8b");
  mt_trace_set_family (t1, "qwen3");
  mt_trace_set_prompt (t1, "<|im_start|>user\nTom has 3 apples…<|im_end|>");
  set_texts (t1, "Let me think. Tom has 3 \"apples\" — plus 4\nmakes 7 ✓ \\o/",
             "The answer is 7.", MT_TOKEN_SOURCE_STREAM);
  mt_trace_set_finish_reason (t1, MT_FINISH_STOP);
  mt_trace_set_split (t1, MT_THINK_STYLE_TAGS, "split at </think>");
  sampling.temperature = 0.6;
  sampling.top_p = 0.95;
  sampling.top_k = 20;
  sampling.max_tokens = 32768;
  sampling.seed = 1234567890123;
  mt_trace_set_sampling (t1, &sampling);
  mt_trace_set_usage (t1, 30, 120, 100);
  mt_trace_set_created (t1, G_GINT64_CONSTANT (1700000000123456));

  /* t2 has nothing but its id. */

  mt_trace_set_problem_id (t3, "p2");
  mt_trace_set_reasoning (t3, "one two three");
  mt_trace_set_answer (t3, "four");
  tokenizer_spans = word_spans (MT_TOKEN_SOURCE_TOKENIZER, "one two three");
  mt_trace_set_reasoning_spans (t3, tokenizer_spans);
  mt_trace_set_usage (t3, -1, 9, -1);
  mt_sampling_init (&sampling);
  sampling.seed = 7;
  mt_trace_set_sampling (t3, &sampling);

  mt_interrupt_set_role (i1, MT_INTERRUPT_ROLE_USER);
  mt_interrupt_set_text (i1, "Wait — Tom ate one apple.\n");
  mt_interrupt_set_update (i1, "Tom ate one apple.");
  b1 = mt_branch_new ("b1", "t1", i1);
  mt_trace_set_problem_id (MT_TRACE (b1), "p1");
  mt_trace_set_model (MT_TRACE (b1), "qwen3-8b");
  set_texts (MT_TRACE (b1), "So 7 minus 1 is 6.", "6", MT_TOKEN_SOURCE_STREAM);
  mt_trace_set_finish_reason (MT_TRACE (b1), MT_FINISH_LENGTH);
  mt_trace_set_created (MT_TRACE (b1), G_GINT64_CONSTANT (1700000001000001));

  b2 = mt_branch_new ("b2", "b1", i2);
  mt_trace_set_problem_id (MT_TRACE (b2), "p1");
  set_texts (MT_TRACE (b2), "Done.", "", MT_TOKEN_SOURCE_APPROX);
  mt_trace_set_finish_reason (MT_TRACE (b2), MT_FINISH_CANCELLED);

  g_assert_true (mt_lab_add_problem (lab, p1));
  g_assert_true (mt_lab_add_problem (lab, p2));
  g_assert_true (mt_lab_add_trace (lab, t1));
  g_assert_true (mt_lab_add_trace (lab, t2));
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (b1)));
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (b2)));
  g_assert_true (mt_lab_add_trace (lab, t3));

  return lab;
}

static void
assert_same_double (double a,
                    double b)
{
  if (isnan (a))
    g_assert_true (isnan (b));
  else
    g_assert_cmpfloat (a, ==, b);
}

static void
assert_problems_equal (MtProblem *a,
                       MtProblem *b)
{
  const char * const *accept_a = mt_problem_get_accept (a);
  const char * const *accept_b = mt_problem_get_accept (b);

  g_assert_cmpstr (mt_problem_get_id (a), ==, mt_problem_get_id (b));
  g_assert_cmpstr (mt_problem_get_source (a), ==, mt_problem_get_source (b));
  g_assert_cmpint (mt_problem_get_domain (a), ==, mt_problem_get_domain (b));
  g_assert_cmpstr (mt_problem_get_prompt (a), ==, mt_problem_get_prompt (b));
  g_assert_cmpstr (mt_problem_get_answer (a), ==, mt_problem_get_answer (b));
  g_assert_cmpstr (mt_problem_get_update (a), ==, mt_problem_get_update (b));
  g_assert_cmpstr (mt_problem_get_update_answer (a), ==, mt_problem_get_update_answer (b));
  g_assert_cmpstr (mt_problem_get_grader (a), ==, mt_problem_get_grader (b));
  if (accept_a == NULL)
    g_assert_null (accept_b);
  else
    g_assert_true (g_strv_equal ((const char **) accept_a, (const char **) accept_b));
}

static void
assert_spans_equal (MtTokenSpans *original,
                    MtTokenSpans *loaded)
{
  guint n_tokens = mt_token_spans_get_n_tokens (original);

  /* Approximate spans are not written; the loaded trace estimates its own. */
  if (mt_token_spans_get_source (original) == MT_TOKEN_SOURCE_APPROX)
    {
      g_assert_cmpint (mt_token_spans_get_source (loaded), ==, MT_TOKEN_SOURCE_APPROX);
      return;
    }

  g_assert_cmpint (mt_token_spans_get_source (loaded), ==, mt_token_spans_get_source (original));
  g_assert_cmpuint (mt_token_spans_get_n_tokens (loaded), ==, n_tokens);
  g_assert_cmpuint (mt_token_spans_get_text_length (loaded), ==,
                    mt_token_spans_get_text_length (original));
  for (guint i = 0; i < n_tokens; i++)
    {
      guint32 start_a, start_b, len_a, len_b;

      mt_token_spans_get_span (original, i, &start_a, &len_a);
      mt_token_spans_get_span (loaded, i, &start_b, &len_b);
      g_assert_cmpuint (start_a, ==, start_b);
      g_assert_cmpuint (len_a, ==, len_b);
    }
}

static void
assert_traces_equal (MtTrace *a,
                     MtTrace *b)
{
  const MtSampling *sa = mt_trace_get_sampling (a);
  const MtSampling *sb = mt_trace_get_sampling (b);

  g_assert_true (G_OBJECT_TYPE (a) == G_OBJECT_TYPE (b));
  g_assert_cmpstr (mt_trace_get_id (a), ==, mt_trace_get_id (b));
  g_assert_cmpstr (mt_trace_get_problem_id (a), ==, mt_trace_get_problem_id (b));
  g_assert_cmpstr (mt_trace_get_model (a), ==, mt_trace_get_model (b));
  g_assert_cmpstr (mt_trace_get_family (a), ==, mt_trace_get_family (b));
  g_assert_cmpstr (mt_trace_get_prompt (a), ==, mt_trace_get_prompt (b));
  g_assert_cmpstr (mt_trace_get_reasoning (a), ==, mt_trace_get_reasoning (b));
  g_assert_cmpstr (mt_trace_get_answer (a), ==, mt_trace_get_answer (b));
  g_assert_cmpint (mt_trace_get_finish_reason (a), ==, mt_trace_get_finish_reason (b));
  g_assert_cmpint (mt_trace_get_split_style (a), ==, mt_trace_get_split_style (b));
  g_assert_cmpstr (mt_trace_get_split_note (a), ==, mt_trace_get_split_note (b));
  assert_same_double (sa->temperature, sb->temperature);
  assert_same_double (sa->top_p, sb->top_p);
  g_assert_cmpint (sa->top_k, ==, sb->top_k);
  g_assert_cmpint (sa->max_tokens, ==, sb->max_tokens);
  g_assert_cmpint (sa->seed, ==, sb->seed);
  g_assert_cmpint (mt_trace_get_usage_prompt_tokens (a), ==, mt_trace_get_usage_prompt_tokens (b));
  g_assert_cmpint (mt_trace_get_usage_completion_tokens (a), ==,
                   mt_trace_get_usage_completion_tokens (b));
  g_assert_cmpint (mt_trace_get_usage_reasoning_tokens (a), ==,
                   mt_trace_get_usage_reasoning_tokens (b));
  g_assert_cmpint (mt_trace_get_created (a), ==, mt_trace_get_created (b));
  assert_spans_equal (mt_trace_get_reasoning_spans (a), mt_trace_get_reasoning_spans (b));
  assert_spans_equal (mt_trace_get_answer_spans (a), mt_trace_get_answer_spans (b));

  if (MT_IS_BRANCH (a))
    {
      MtInterrupt *ia = mt_branch_get_interrupt (MT_BRANCH (a));
      MtInterrupt *ib = mt_branch_get_interrupt (MT_BRANCH (b));

      g_assert_cmpstr (mt_branch_get_parent_id (MT_BRANCH (a)), ==,
                       mt_branch_get_parent_id (MT_BRANCH (b)));
      g_assert_cmpint (mt_interrupt_get_kind (ia), ==, mt_interrupt_get_kind (ib));
      g_assert_cmpint (mt_interrupt_get_role (ia), ==, mt_interrupt_get_role (ib));
      g_assert_cmpuint (mt_interrupt_get_token_index (ia), ==, mt_interrupt_get_token_index (ib));
      assert_same_double (mt_interrupt_get_fraction (ia), mt_interrupt_get_fraction (ib));
      g_assert_cmpstr (mt_interrupt_get_text (ia), ==, mt_interrupt_get_text (ib));
      g_assert_cmpstr (mt_interrupt_get_update (ia), ==, mt_interrupt_get_update (ib));
    }
}

/* Same items in the same order, every field equal, links resolved inside
 * @loaded. */
static void
assert_labs_equal (MtLab *original,
                   MtLab *loaded)
{
  GListModel *problems = mt_lab_get_problems (original);
  GListModel *traces = mt_lab_get_traces (original);

  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_problems (loaded)), ==,
                    g_list_model_get_n_items (problems));
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (loaded)), ==,
                    g_list_model_get_n_items (traces));
  g_assert_cmpuint (mt_lab_get_n_branches (loaded), ==, mt_lab_get_n_branches (original));

  for (guint i = 0; i < g_list_model_get_n_items (problems); i++)
    {
      g_autoptr(MtProblem) a = g_list_model_get_item (problems, i);
      g_autoptr(MtProblem) b = g_list_model_get_item (mt_lab_get_problems (loaded), i);

      assert_problems_equal (a, b);
    }

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) a = g_list_model_get_item (traces, i);
      g_autoptr(MtTrace) b = g_list_model_get_item (mt_lab_get_traces (loaded), i);
      const char *problem_id = mt_trace_get_problem_id (b);

      assert_traces_equal (a, b);
      g_assert_true (mt_trace_get_problem (b) == mt_lab_lookup_problem (loaded, problem_id));
      if (problem_id != NULL)
        g_assert_nonnull (mt_trace_get_problem (b));
      if (MT_IS_BRANCH (b))
        {
          MtTrace *parent = mt_branch_get_parent (MT_BRANCH (b));

          g_assert_nonnull (parent);
          g_assert_true (parent == mt_lab_lookup_trace (loaded,
                                                        mt_branch_get_parent_id (MT_BRANCH (b))));
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Round trip and serialization                                              */
/* ------------------------------------------------------------------------ */

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(MtLab) lab = build_full_lab ();
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *path = path_in (fixture, "round.mtlab");
  g_autofree char *contents = NULL;
  g_autofree char *listing = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *header;

  g_assert_true (mt_lab_file_save (lab, path, NULL, &error));
  g_assert_no_error (error);

  contents = read_file (path, NULL);
  g_test_message ("saved:\n%s", contents);
  g_assert_true (g_str_has_suffix (contents, "\n"));
  g_assert_cmpuint (count_lines (contents), ==, 1 + 2 + 5);

  lines = g_strsplit (contents, "\n", -1);
  g_assert_true (json_parser_load_from_data (parser, lines[0], -1, NULL));
  header = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (header, "midthought"), ==, "lab");
  g_assert_cmpint (json_object_get_int_member (header, "version"), ==, MT_LAB_FILE_VERSION);
  g_assert_cmpstr (json_object_get_string_member (header, "generator"), ==,
                   "Midthought " PACKAGE_VERSION);
  g_assert_nonnull (json_object_get_string_member (header, "created"));

  /* b2 (approximate spans only) and t2 write no token lists. */
  g_assert_null (strstr (lines[4], "\"tokens\""));
  g_assert_null (strstr (lines[6], "\"tokens\""));
  g_assert_nonnull (strstr (lines[3], "\"tokens\":{\"source\":\"stream\""));

  loaded = load_lab (path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  g_assert_cmpuint (report->n_problems, ==, 2);
  g_assert_cmpuint (report->n_traces, ==, 3);
  g_assert_cmpuint (report->n_branches, ==, 2);
  g_assert_cmpuint (report->n_skipped, ==, 0);
  assert_labs_equal (lab, loaded);

  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "round.mtlab");
}

static void
test_serialize_minimal (void)
{
  g_autoptr(MtProblem) problem = mt_problem_new ("p");
  g_autoptr(MtTrace) trace = mt_trace_new ("t");
  g_autofree char *problem_line = mt_lab_file_serialize_problem (problem);
  g_autofree char *trace_line = mt_lab_file_serialize_trace (trace);

  g_assert_cmpstr (problem_line, ==, "{\"type\":\"problem\",\"id\":\"p\",\"domain\":\"other\"}");
  g_assert_cmpstr (trace_line, ==,
                   "{\"type\":\"trace\",\"id\":\"t\",\"finish_reason\":\"unknown\"}");
}

static void
test_serialize_known_fields_only (void)
{
  g_autoptr(MtTrace) trace = mt_trace_new ("t");
  g_autofree char *line = NULL;
  MtSampling sampling;

  mt_sampling_init (&sampling);
  sampling.temperature = 0.5;
  sampling.max_tokens = 100;
  mt_trace_set_sampling (trace, &sampling);
  mt_trace_set_usage (trace, -1, 42, -1);
  line = mt_lab_file_serialize_trace (trace);
  g_test_message ("%s", line);

  g_assert_nonnull (strstr (line, "\"sampling\":{\"temperature\":0.5,\"max_tokens\":100}"));
  g_assert_nonnull (strstr (line, "\"usage\":{\"completion_tokens\":42}"));
  g_assert_null (strstr (line, "created"));
  g_assert_null (strstr (line, "split"));
}

static void
test_serialize_one_line (void)
{
  g_autoptr(MtTrace) trace = mt_trace_new ("t");
  g_autoptr(MtTokenSpans) spans = NULL;
  g_autofree char *line = NULL;

  /* Newlines and control characters are escaped; bytes that are not UTF-8
   * are repaired (the spans over them can no longer be trusted). */
  mt_trace_set_reasoning (trace, "line one\nline two\r\n\x01 and \xff\xfe bytes");
  spans = word_spans (MT_TOKEN_SOURCE_STREAM, mt_trace_get_reasoning (trace));
  mt_trace_set_reasoning_spans (trace, spans);
  line = mt_lab_file_serialize_trace (trace);
  g_test_message ("%s", line);

  g_assert_null (strchr (line, '\n'));
  g_assert_null (strchr (line, '\r'));
  g_assert_true (g_utf8_validate (line, -1, NULL));
  g_assert_null (strstr (line, "\"tokens\""));
}

static void
test_serialize_mixed_span_sources (void)
{
  g_autoptr(MtTrace) trace = mt_trace_new ("t");
  g_autoptr(MtTokenSpans) reasoning = NULL;
  g_autoptr(MtTokenSpans) answer = NULL;
  g_autofree char *line = NULL;

  mt_trace_set_reasoning (trace, "a b");
  mt_trace_set_answer (trace, "c d e");
  reasoning = word_spans (MT_TOKEN_SOURCE_STREAM, "a b");
  answer = word_spans (MT_TOKEN_SOURCE_TOKENIZER, "c d e");
  mt_trace_set_reasoning_spans (trace, reasoning);
  mt_trace_set_answer_spans (trace, answer);
  line = mt_lab_file_serialize_trace (trace);
  g_test_message ("%s", line);

  g_assert_nonnull (strstr (line, "\"tokens\":{\"source\":\"stream\","
                                  "\"answer_source\":\"tokenizer\","
                                  "\"reasoning\":[0,1],\"answer\":[0,1,3]}"));
}

/* ------------------------------------------------------------------------ */
/* Arrival times                                                             */
/* ------------------------------------------------------------------------ */

static MtTrace *
timed_trace (const char   *id,
             const double *times_ms,
             guint         n_times)
{
  MtTrace *trace = mt_trace_new (id);
  g_autoptr(MtTokenSpans) reasoning = NULL;
  g_autoptr(MtTokenSpans) answer = NULL;
  g_autoptr(MtTokenTimes) times = NULL;

  mt_trace_set_reasoning (trace, "one two three");
  mt_trace_set_answer (trace, "four five");
  reasoning = word_spans (MT_TOKEN_SOURCE_STREAM, "one two three");
  answer = word_spans (MT_TOKEN_SOURCE_STREAM, "four five");
  mt_trace_set_reasoning_spans (trace, reasoning);
  mt_trace_set_answer_spans (trace, answer);
  if (times_ms != NULL)
    {
      times = mt_token_times_new (times_ms, n_times);
      mt_trace_set_token_times (trace, times);
    }

  return trace;
}

static void
test_times_round_trip (Fixture       *fixture,
                       gconstpointer  data)
{
  /* Two tokens in one read, a long pause, a fractional time. */
  static const double times_ms[] = { 0, 12, 12, 480.5, 2000 };
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtTrace) trace = timed_trace ("t", times_ms, G_N_ELEMENTS (times_ms));
  g_autoptr(MtTrace) untimed = timed_trace ("u", NULL, 0);
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "times.mtlab");
  g_autofree char *line = mt_lab_file_serialize_trace (trace);
  g_autofree char *untimed_line = mt_lab_file_serialize_trace (untimed);
  MtTokenTimes *times;

  g_test_message ("%s", line);
  g_assert_nonnull (strstr (line, "\"times_ms\":[0,12,12,480.5,2000]"));
  g_assert_null (strstr (untimed_line, "times_ms"));

  mt_lab_add_trace (lab, trace);
  mt_lab_add_trace (lab, untimed);
  g_assert_true (mt_lab_file_save (lab, path, NULL, &error));
  g_assert_no_error (error);

  loaded = load_lab (path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  times = mt_trace_get_token_times (mt_lab_lookup_trace (loaded, "t"));
  g_assert_nonnull (times);
  g_assert_cmpuint (mt_token_times_get_n_tokens (times), ==, G_N_ELEMENTS (times_ms));
  for (guint i = 0; i < G_N_ELEMENTS (times_ms); i++)
    g_assert_cmpfloat (mt_token_times_get (times, i), ==, times_ms[i]);
  g_assert_null (mt_trace_get_token_times (mt_lab_lookup_trace (loaded, "u")));

  /* Editing a text makes the times meaningless: they go with the spans. */
  mt_trace_set_answer (trace, "four five six");
  g_assert_null (mt_trace_get_token_times (trace));
}

typedef struct
{
  const char *times;   /* the member's value as written in the file */
  const char *message; /* the issue reported */
} BadTimes;

static const BadTimes bad_times[] = {
  { "[0,1,2,3]", "\"times_ms\" has 4 times for 5 tokens; "
                 "the trace is loaded without arrival times" },
  { "[0,1,2,3,4,5]", "\"times_ms\" has 6 times for 5 tokens; "
                     "the trace is loaded without arrival times" },
  { "[0,10,5,20,30]", "\"times_ms\": token 2 arrived before the token ahead of it; "
                      "the trace is loaded without arrival times" },
  { "[-1,10,15,20,30]", "\"times_ms\": the time of token 0 is not a non-negative number; "
                        "the trace is loaded without arrival times" },
  { "[0,10,15,1e999,30]", "\"times_ms\": the time of token 3 is not a non-negative number; "
                          "the trace is loaded without arrival times" },
  { "[0,10,\"15\",20,30]", "expected an array of numbers for \"times_ms\"; "
                            "the trace is loaded without arrival times" },
  { "{\"reasoning\":[0]}", "expected an array of numbers for \"times_ms\"; "
                            "the trace is loaded without arrival times" },
};

static void
test_times_rejected (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "bad-times.mtlab");
  g_autoptr(GString) contents = g_string_new (HEADER_V1 "\n");
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad_times); i++)
    g_string_append_printf (contents,
                            "{\"type\":\"trace\",\"id\":\"t%u\",\"reasoning\":\"one two three\","
                            "\"answer\":\"four five\",\"tokens\":{\"source\":\"stream\","
                            "\"reasoning\":[0,3,7],\"answer\":[0,4]},\"times_ms\":%s}\n",
                            i, bad_times[i].times);
  /* A file from before arrival times were kept. */
  g_string_append (contents, "{\"type\":\"trace\",\"id\":\"old\",\"reasoning\":\"one two\","
                             "\"tokens\":{\"source\":\"stream\",\"reasoning\":[0,3]}}\n");
  write_file (path, contents->str, (gssize) contents->len);

  lab = load_lab (path, &report);
  g_assert_cmpuint (report->issues->len, ==, G_N_ELEMENTS (bad_times));
  g_assert_cmpuint (report->n_traces, ==, G_N_ELEMENTS (bad_times) + 1);
  g_assert_cmpuint (report->n_skipped, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (bad_times); i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", i);
      MtLoadIssue *issue = issue_at_line (report, i + 2);
      MtTrace *trace = mt_lab_lookup_trace (lab, id);

      g_assert_nonnull (issue);
      g_assert_cmpint (issue->code, ==, MT_FORMAT_ERROR_TYPE);
      g_assert_cmpstr (issue->message, ==, bad_times[i].message);
      /* The trace itself, with its exact tokens, is all there. */
      g_assert_nonnull (trace);
      g_assert_cmpstr (mt_trace_get_answer (trace), ==, "four five");
      g_assert_cmpint (mt_token_spans_get_source (mt_trace_get_reasoning_spans (trace)), ==,
                       MT_TOKEN_SOURCE_STREAM);
      g_assert_null (mt_trace_get_token_times (trace));
    }

  g_assert_nonnull (mt_lab_lookup_trace (lab, "old"));
  g_assert_null (mt_trace_get_token_times (mt_lab_lookup_trace (lab, "old")));
  g_assert_null (issue_at_line (report, G_N_ELEMENTS (bad_times) + 2));
}

static void
test_times_validate (void)
{
  static const double good[] = { 0, 0, 3.5, 3.5, 90 };
  static const double back[] = { 0, 5, 4 };
  g_autoptr(MtTokenTimes) times = mt_token_times_new (good, G_N_ELEMENTS (good));
  guint bad = G_MAXUINT;

  g_assert_true (mt_token_times_validate (good, G_N_ELEMENTS (good), &bad));
  g_assert_cmpuint (bad, ==, G_MAXUINT);
  g_assert_false (mt_token_times_validate (back, G_N_ELEMENTS (back), &bad));
  g_assert_cmpuint (bad, ==, 2);

  /* How many tokens had arrived by a time: ties count as arrived. */
  g_assert_cmpuint (mt_token_times_count_before (times, -1), ==, 0);
  g_assert_cmpuint (mt_token_times_count_before (times, 0), ==, 2);
  g_assert_cmpuint (mt_token_times_count_before (times, 3.4), ==, 2);
  g_assert_cmpuint (mt_token_times_count_before (times, 3.5), ==, 4);
  g_assert_cmpuint (mt_token_times_count_before (times, 1000), ==, 5);
}

static void
test_fixture_file (void)
{
  const char *data_dir = g_getenv ("MT_TEST_DATA");
  g_autofree char *path = NULL;
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(MtProblem) problem = NULL;
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(MtTrace) branch = NULL;
  MtTokenSpans *spans;
  const char *accept[] = { "7", "seven", NULL };
  guint32 start, length;

  if (data_dir != NULL)
    path = g_build_filename (data_dir, "lab", "small.mtlab", NULL);
  else
    path = g_test_build_filename (G_TEST_DIST, "data", "lab", "small.mtlab", NULL);

  lab = load_lab (path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  g_assert_cmpuint (report->n_problems, ==, 1);
  g_assert_cmpuint (report->n_traces, ==, 1);
  g_assert_cmpuint (report->n_branches, ==, 1);

  problem = g_list_model_get_item (mt_lab_get_problems (lab), 0);
  g_assert_cmpstr (mt_problem_get_id (problem), ==, "gsm8k-17");
  g_assert_cmpint (mt_problem_get_domain (problem), ==, MT_DOMAIN_MATH);
  g_assert_true (g_strv_equal ((const char **) mt_problem_get_accept (problem), accept));

  trace = g_list_model_get_item (mt_lab_get_traces (lab), 0);
  g_assert_true (mt_trace_get_problem (trace) == problem);
  g_assert_cmpfloat (mt_trace_get_sampling (trace)->temperature, ==, 0.6);
  g_assert_cmpint (mt_trace_get_sampling (trace)->seed, ==, 42);
  g_assert_cmpint (mt_trace_get_sampling (trace)->top_k, ==, -1);
  g_assert_cmpint (mt_trace_get_usage_reasoning_tokens (trace), ==, 8);
  g_assert_cmpint (mt_trace_get_created (trace), ==, G_GINT64_CONSTANT (1736935262345678));
  g_assert_cmpint (mt_trace_get_split_style (trace), ==, MT_THINK_STYLE_TAGS);
  spans = mt_trace_get_reasoning_spans (trace);
  g_assert_cmpint (mt_token_spans_get_source (spans), ==, MT_TOKEN_SOURCE_STREAM);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (spans), ==, 5);
  mt_token_spans_get_span (spans, 4, &start, &length);
  g_assert_cmpuint (start, ==, 11);
  g_assert_cmpuint (length, ==, 3);

  branch = g_list_model_get_item (mt_lab_get_traces (lab), 1);
  g_assert_true (MT_IS_BRANCH (branch));
  g_assert_true (mt_branch_get_parent (MT_BRANCH (branch)) == trace);
  g_assert_cmpint (mt_interrupt_get_kind (mt_branch_get_interrupt (MT_BRANCH (branch))), ==,
                   MT_INTERRUPT_UPDATE);
  g_assert_cmpint (mt_interrupt_get_role (mt_branch_get_interrupt (MT_BRANCH (branch))), ==,
                   MT_INTERRUPT_ROLE_USER);
}

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */
/* ------------------------------------------------------------------------ */

static void
test_writer_append (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MtLab) lab = build_full_lab ();
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "live.mtlab");
  g_autofree char *contents = NULL;
  GListModel *problems = mt_lab_get_problems (lab);
  GListModel *traces = mt_lab_get_traces (lab);
  guint n_traces = g_list_model_get_n_items (traces);

  writer = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (writer);

  contents = read_file (path, NULL);
  g_assert_true (g_str_has_prefix (contents, "{\"midthought\":\"lab\",\"version\":1,"));
  g_assert_cmpuint (count_lines (contents), ==, 1);
  g_clear_pointer (&contents, g_free);

  for (guint i = 0; i < g_list_model_get_n_items (problems); i++)
    {
      g_autoptr(MtProblem) problem = g_list_model_get_item (problems, i);

      g_assert_true (mt_lab_writer_append_problem (writer, problem, &error));
      g_assert_no_error (error);
    }

  /* All traces but the last, which a second session appends. */
  for (guint i = 0; i + 1 < n_traces; i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      g_assert_true (mt_lab_writer_append_trace (writer, trace, &error));
      g_assert_no_error (error);

      /* Each append is in the file as soon as it returns. */
      contents = read_file (path, NULL);
      g_assert_cmpuint (count_lines (contents), ==, 1 + 2 + i + 1);
      g_clear_pointer (&contents, g_free);
    }

  g_assert_true (mt_lab_writer_close (writer, &error));
  g_assert_no_error (error);
  g_clear_object (&writer);

  writer = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);
  {
    g_autoptr(MtTrace) last = g_list_model_get_item (traces, n_traces - 1);

    g_assert_true (mt_lab_writer_append_trace (writer, last, &error));
    g_assert_no_error (error);
  }
  g_assert_true (mt_lab_writer_close (writer, &error));
  g_assert_no_error (error);

  contents = read_file (path, NULL);
  g_assert_cmpuint (count_lines (contents), ==, 1 + 2 + n_traces);

  loaded = load_lab (path, NULL);
  assert_labs_equal (lab, loaded);
}

static void
test_writer_closed (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(MtProblem) problem = mt_problem_new ("p");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "closed.mtlab");

  writer = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (mt_lab_writer_close (writer, &error));
  g_assert_true (mt_lab_writer_close (writer, &error));
  g_assert_no_error (error);

  g_assert_false (mt_lab_writer_append_problem (writer, problem, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE);
}

static void
test_writer_second_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(MtLabWriter) first = NULL;
  g_autoptr(MtLabWriter) second = NULL;
  g_autoptr(MtLabWriter) third = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "busy.mtlab");

  first = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);

  second = mt_lab_writer_open (path, &error);
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE);
  g_assert_null (second);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_assert_true (mt_lab_writer_close (first, &error));
  third = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (third);
}

/* /dev/full fails every write with ENOSPC: the honest way to see a disk
 * full error without root. */
static void
test_writer_dev_full (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "full.mtlab");
  struct stat st;

  if (stat ("/dev/full", &st) != 0 || !S_ISCHR (st.st_mode))
    {
      g_test_skip ("no /dev/full here");
      return;
    }

  g_assert_cmpint (symlink ("/dev/full", path), ==, 0);

  writer = mt_lab_writer_open (path, &error);
  g_assert_null (writer);
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "full.mtlab"));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOSPC)));

  /* The file was not ours to remove. */
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_SYMLINK));
}

/* RLIMIT_FSIZE makes the kernel write a record only in part and then fail
 * with EFBIG: the same thing a disk filling up mid-record does. Run in a
 * child so the limit stays there. */
static void
test_writer_short_write (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(MtProblem) p1 = mt_problem_new ("p1");
  g_autoptr(MtProblem) p2 = mt_problem_new ("p2");
  g_autoptr(MtTrace) big = mt_trace_new ("big");
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *probe = NULL;
  g_autofree char *reasoning = NULL;
  g_autofree char *filler = NULL;
  struct rlimit limit, saved;
  struct stat st;
  goffset size;
  gssize n;
  int fd;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, 0);
      g_test_trap_assert_passed ();
      return;
    }

  path = path_in (fixture, "limited.mtlab");
  probe = path_in (fixture, "probe");
  signal (SIGXFSZ, SIG_IGN);

  writer = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (mt_lab_writer_append_problem (writer, p1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat (path, &st), ==, 0);
  size = st.st_size;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limit = saved;
  limit.rlim_cur = (rlim_t) size + 100;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);

  /* Check that this kernel does cut a write short at the limit, so the
   * append below really leaves half a line to clean up. */
  fd = g_open (probe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (fd, >=, 0);
  filler = g_strnfill ((gsize) size + 200, 'x');
  n = write (fd, filler, (gsize) size + 200);
  g_assert_cmpint (n, ==, size + 100);
  g_assert_cmpint (write (fd, "x", 1), ==, -1);
  g_assert_cmpint (errno, ==, EFBIG);
  close (fd);

  reasoning = g_strnfill (10000, 'r');
  mt_trace_set_reasoning (big, reasoning);
  g_assert_false (mt_lab_writer_append_trace (writer, big, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "limited.mtlab"));
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));
  g_clear_error (&error);

  /* Cut back to the last whole record... */
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, size);

  /* ...so the next one starts on a line of its own. */
  g_assert_true (mt_lab_writer_append_problem (writer, p2, &error));
  g_assert_no_error (error);
  g_assert_true (mt_lab_writer_close (writer, &error));
  g_assert_no_error (error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);

  loaded = load_lab (path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  g_assert_cmpuint (report->n_problems, ==, 2);
  g_assert_cmpuint (report->n_traces, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Torn lines                                                                */
/* ------------------------------------------------------------------------ */

#define GOOD_PROBLEM "{\"type\":\"problem\",\"id\":\"p1\",\"prompt\":\"2+2?\"}"
#define GOOD_TRACE "{\"type\":\"trace\",\"id\":\"t1\",\"problem_id\":\"p1\",\"answer\":\"4\"}"

static void
test_torn_last_line (Fixture       *fixture,
                     gconstpointer  data)
{
  /* Cut inside a string, and inside a multi-byte character. */
  const char *torn[] = {
    "{\"type\":\"trace\",\"id\":\"t9\",\"reasoning\":\"cut sh",
    "{\"type\":\"trace\",\"id\":\"t9\",\"reasoning\":\"caf\xc3",
  };

  for (guint i = 0; i < G_N_ELEMENTS (torn); i++)
    {
      g_autofree char *path = path_in (fixture, "torn.mtlab");
      g_autofree char *contents = g_strconcat (HEADER_V1 "\n" GOOD_PROBLEM "\n" GOOD_TRACE "\n",
                                               torn[i], NULL);
      g_autoptr(MtLab) lab = NULL;
      g_autoptr(MtLoadReport) report = NULL;
      MtLoadIssue *issue;

      write_file (path, contents, -1);
      lab = load_lab (path, &report);

      g_assert_cmpuint (report->n_problems, ==, 1);
      g_assert_cmpuint (report->n_traces, ==, 1);
      g_assert_cmpuint (report->n_skipped, ==, 1);
      g_assert_cmpuint (report->issues->len, ==, 1);
      issue = g_ptr_array_index (report->issues, 0);
      g_assert_cmpuint (issue->line, ==, 4);
      g_assert_cmpint (issue->code, ==, MT_FORMAT_ERROR_TORN);
      g_assert_nonnull (mt_lab_lookup_trace (lab, "t1"));
      g_assert_null (mt_lab_lookup_trace (lab, "t9"));
    }
}

/* After a crash the writer carries on: the torn line is closed off and the
 * next record starts on a line of its own. */
static void
test_torn_writer_continues (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "torn.mtlab");
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(MtProblem) p2 = mt_problem_new ("p2");
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  MtLoadIssue *issue;

  write_file (path, HEADER_V1 "\n" GOOD_PROBLEM "\n" GOOD_TRACE "\n{\"type\":\"trace\",\"id", -1);

  writer = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (mt_lab_writer_append_problem (writer, p2, &error));
  g_assert_no_error (error);
  g_assert_true (mt_lab_writer_close (writer, &error));

  lab = load_lab (path, &report);
  g_assert_cmpuint (report->n_problems, ==, 2);
  g_assert_cmpuint (report->n_traces, ==, 1);
  g_assert_cmpuint (report->n_skipped, ==, 1);
  g_assert_cmpuint (report->issues->len, ==, 1);
  issue = g_ptr_array_index (report->issues, 0);
  g_assert_cmpuint (issue->line, ==, 4);
  g_assert_cmpint (issue->code, ==, MT_FORMAT_ERROR_SYNTAX);
  g_assert_nonnull (mt_lab_lookup_problem (lab, "p2"));
}

/* A whole record that merely lacks its newline (edited by hand) is fine,
 * and the writer does not glue the next record onto it. */
static void
test_unterminated_complete_line (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "edited.mtlab");
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(MtProblem) p2 = mt_problem_new ("p2");
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLab) again = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(MtLoadReport) report_again = NULL;
  g_autoptr(GError) error = NULL;

  write_file (path, HEADER_V1 "\n" GOOD_PROBLEM, -1);
  lab = load_lab (path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  g_assert_cmpuint (report->n_problems, ==, 1);

  writer = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (mt_lab_writer_append_problem (writer, p2, &error));
  g_assert_true (mt_lab_writer_close (writer, &error));

  again = load_lab (path, &report_again);
  g_assert_cmpuint (report_again->issues->len, ==, 0);
  g_assert_cmpuint (report_again->n_problems, ==, 2);
}

/* ------------------------------------------------------------------------ */
/* Files that are refused                                                    */
/* ------------------------------------------------------------------------ */

static void
test_newer_version (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *contents =
    "{\"midthought\":\"lab\",\"version\":3,\"created\":\"2031-01-01T00:00:00Z\"}\n"
    "{\"type\":\"hologram\",\"id\":\"h1\"}\n";
  g_autofree char *path = path_in (fixture, "x.mtlab");
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  g_autofree char *listing = NULL;
  gsize len;

  write_file (path, contents, -1);

  g_assert_false (mt_lab_file_load (lab, path, report, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_NEWER_VERSION);
  g_assert_cmpstr (error->message, ==,
                   "“x.mtlab” was written by a newer Midthought (lab format 3; this version "
                   "reads up to 1). Update Midthought to open it.");
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_problems (lab)), ==, 0);
  g_clear_error (&error);

  writer = mt_lab_writer_open (path, &error);
  g_assert_null (writer);
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_NEWER_VERSION);

  after = read_file (path, &len);
  g_assert_cmpmem (after, len, contents, strlen (contents));
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "x.mtlab");
}

static void
test_not_a_lab (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *long_line = g_strnfill (10000, 'a');
  const char *cases[] = {
    "hello world\n",
    "{\"traces\":[]}\n",
    "{\"midthought\":\"notes\",\"version\":1}\n",
    "{\"midthought\":\"lab\"}\n",
    "{\"midthought\":\"lab\",\"version\":\"1\"}\n",
    "{\"midthought\":\"lab\",\"version\":0}\n",
    "\n" HEADER_V1 "\n",
    long_line,
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = path_in (fixture, "other.txt");
      g_autoptr(MtLab) lab = mt_lab_new ();
      g_autoptr(MtLabWriter) writer = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *after = NULL;
      gsize len;

      write_file (path, cases[i], -1);

      g_assert_false (mt_lab_file_load (lab, path, NULL, NULL, &error));
      g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_UNKNOWN_FORMAT);
      g_test_message ("%s", error->message);
      g_clear_error (&error);

      writer = mt_lab_writer_open (path, &error);
      g_assert_null (writer);
      g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_UNKNOWN_FORMAT);

      after = read_file (path, &len);
      g_assert_cmpmem (after, len, cases[i], strlen (cases[i]));
    }
}

static void
test_empty_and_missing (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *empty = path_in (fixture, "empty.mtlab");
  g_autofree char *missing = path_in (fixture, "missing.mtlab");
  g_autofree char *nowhere = g_build_filename (fixture->dir, "no", "such.mtlab", NULL);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLab) reloaded = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(GError) error = NULL;

  write_file (empty, "", 0);
  g_assert_false (mt_lab_file_load (lab, empty, NULL, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_EMPTY);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_assert_false (mt_lab_file_load (lab, missing, NULL, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  g_assert_false (mt_lab_file_load (lab, fixture->dir, NULL, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  writer = mt_lab_writer_open (nowhere, &error);
  g_assert_null (writer);
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE);
  g_clear_error (&error);

  /* An empty file is a fine place to start a run. */
  writer = mt_lab_writer_open (empty, &error);
  g_assert_no_error (error);
  g_assert_true (mt_lab_writer_close (writer, &error));
  reloaded = load_lab (empty, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  g_assert_cmpuint (report->n_problems + report->n_traces + report->n_branches, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Bad records among good ones                                               */
/* ------------------------------------------------------------------------ */

typedef struct
{
  const char    *text;
  MtFormatError  code;      /* when the line has an issue */
  gboolean       issue;
  gboolean       skipped;
  const char    *message;   /* expected exactly, when not NULL */
} MixedLine;

static const MixedLine mixed[] = {
  { HEADER_V1 },
  { "{\"type\":\"problem\",\"id\":\"p1\",\"domain\":\"math\",\"prompt\":\"2+2?\"}" },
  { "{\"type\":\"trace\",\"id\":\"t1\",\"problem_id\":\"p1\",\"reasoning\":42}",
    MT_FORMAT_ERROR_TYPE, TRUE, TRUE, "expected a string for \"reasoning\"" },
  { "{\"type\":\"trace\",\"id\":\"t2\",\"problem_id\":\"p1\",\"reasoning\":\"ok\","
    "\"from_the_future\":{\"x\":[1,2]}}" },
  { "{\"type\":\"trace\",\"id\":\"t3\",\"reasoning\":\"unterminated}",
    MT_FORMAT_ERROR_SYNTAX, TRUE, TRUE },
  { "{\"type\":\"gizmo\",\"id\":\"g1\"}",
    MT_FORMAT_ERROR_UNKNOWN_FORMAT, TRUE, TRUE, "unknown record type \"gizmo\"" },
  { "{\"type\":\"problem\",\"id\":\"p1\"}",
    MT_FORMAT_ERROR_DUPLICATE, TRUE, TRUE },
  { "" },
  { "{\"type\":\"branch\",\"id\":\"b1\",\"parent_id\":\"t2\","
    "\"interrupt\":{\"kind\":\"hard\",\"token_index\":1}}" },
  { "{\"type\":\"branch\",\"id\":\"b2\",\"parent_id\":\"t2\"}",
    MT_FORMAT_ERROR_MISSING, TRUE, TRUE, "missing \"interrupt\"" },
  { "{\"type\":\"trace\",\"id\":\"t4\",\"finish_reason\":\"exploded\"}",
    MT_FORMAT_ERROR_TYPE, TRUE, TRUE, "unknown value \"exploded\" for \"finish_reason\"" },
  { "{\"type\":\"trace\",\"id\":\"t5\",\"model\":\"\xff\xfe\"}",
    MT_FORMAT_ERROR_ENCODING, TRUE, TRUE },
  { "[1,2,3]",
    MT_FORMAT_ERROR_TYPE, TRUE, TRUE, "expected a JSON object" },
  { "{\"type\":\"trace\",\"id\":\"t6\",\"sampling\":{\"temperature\":\"hot\"}}",
    MT_FORMAT_ERROR_TYPE, TRUE, TRUE, "expected a number for \"sampling.temperature\"" },
  { "{\"type\":\"trace\",\"id\":\"t7\",\"reasoning\":\"short\","
    "\"tokens\":{\"source\":\"stream\",\"reasoning\":[0,99]}}",
    MT_FORMAT_ERROR_TYPE, TRUE, FALSE },
  { "{\"type\":\"problem\",\"id\":\"p2\"}{\"type\":\"problem\",\"id\":\"p3\"}",
    MT_FORMAT_ERROR_SYNTAX, TRUE, TRUE },
  { "{\"type\":\"trace\",\"id\":\"t2\"}",
    MT_FORMAT_ERROR_DUPLICATE, TRUE, TRUE, "trace id \"t2\" is already taken" },
  { "{\"type\":\"trace\",\"id\":\"t8\",\"created\":\"yesterday\"}",
    MT_FORMAT_ERROR_TYPE, TRUE, TRUE },
  { "{\"type\":\"trace\",\"id\":\"t9\",\"usage\":{\"prompt_tokens\":-5}}",
    MT_FORMAT_ERROR_TYPE, TRUE, TRUE },
  { "{\"id\":\"t10\"}",
    MT_FORMAT_ERROR_MISSING, TRUE, TRUE, "missing \"type\"" },
  { "{\"type\":\"trace\",\"id\":\"\"}",
    MT_FORMAT_ERROR_TYPE, TRUE, TRUE },
  { "{\"type\":\"branch\",\"id\":\"b3\",\"parent_id\":\"b1\","
    "\"interrupt\":{\"kind\":\"hard\",\"token_index\":-1}}",
    MT_FORMAT_ERROR_TYPE, TRUE, TRUE },
  { "{\"type\":\"trace\",\"id\":\"t11\",\"problem_id\":\"p1\",\"created\":null}\r" },
};

static void
test_bad_records (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "mixed.mtlab");
  g_autoptr(GString) contents = g_string_new (NULL);
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  guint n_issues = 0, n_skipped = 0;
  MtLoadIssue *issue;

  for (guint i = 0; i < G_N_ELEMENTS (mixed); i++)
    {
      g_string_append (contents, mixed[i].text);
      g_string_append_c (contents, '\n');
      n_issues += mixed[i].issue;
      n_skipped += mixed[i].skipped;
    }
  write_file (path, contents->str, (gssize) contents->len);

  lab = load_lab (path, &report);
  g_assert_cmpuint (report->issues->len, ==, n_issues);
  g_assert_cmpuint (report->n_skipped, ==, n_skipped);

  for (guint i = 0; i < G_N_ELEMENTS (mixed); i++)
    {
      issue = issue_at_line (report, i + 1);
      if (!mixed[i].issue)
        {
          g_assert_null (issue);
          continue;
        }

      g_assert_nonnull (issue);
      g_assert_cmpint (issue->code, ==, mixed[i].code);
      if (mixed[i].message != NULL)
        g_assert_cmpstr (issue->message, ==, mixed[i].message);
    }

  for (guint i = 1; i < report->issues->len; i++)
    {
      MtLoadIssue *a = g_ptr_array_index (report->issues, i - 1);
      MtLoadIssue *b = g_ptr_array_index (report->issues, i);

      g_assert_cmpuint (a->line, <, b->line);
    }

  /* Columns where there is one to give. */
  issue = issue_at_line (report, 5);
  g_assert_cmpuint (issue->column, >, 0);
  issue = issue_at_line (report, 12);
  g_assert_cmpuint (issue->column, ==, strchr (mixed[11].text, '\xff') - mixed[11].text + 1);
  issue = issue_at_line (report, 16);
  g_assert_cmpuint (issue->column, ==, strlen ("{\"type\":\"problem\",\"id\":\"p2\"}") + 1);

  {
    g_autofree char *text = mt_load_issue_to_string (report, issue_at_line (report, 3));

    g_assert_true (g_str_has_suffix (text, "mixed.mtlab:3: expected a string for \"reasoning\""));
  }

  g_assert_cmpuint (report->n_problems, ==, 1);
  g_assert_cmpuint (report->n_traces, ==, 3);
  g_assert_cmpuint (report->n_branches, ==, 1);
  g_assert_nonnull (mt_lab_lookup_problem (lab, "p1"));
  g_assert_nonnull (mt_lab_lookup_trace (lab, "t2"));
  g_assert_nonnull (mt_lab_lookup_trace (lab, "t7"));
  g_assert_nonnull (mt_lab_lookup_trace (lab, "t11"));
  g_assert_true (mt_branch_get_parent (MT_BRANCH (mt_lab_lookup_trace (lab, "b1"))) ==
                 mt_lab_lookup_trace (lab, "t2"));

  /* t7 kept its text; its bad token starts were replaced by an estimate. */
  g_assert_cmpint (mt_token_spans_get_source (
                     mt_trace_get_reasoning_spans (mt_lab_lookup_trace (lab, "t7"))), ==,
                   MT_TOKEN_SOURCE_APPROX);
}

static void
test_duplicates_against_lab (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *path = NULL;
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) first = NULL;
  g_autoptr(MtLoadReport) second = NULL;
  g_autoptr(GError) error = NULL;

  path = path_in (fixture, "twice.mtlab");
  write_file (path, HEADER_V1 "\n" GOOD_PROBLEM "\n" GOOD_TRACE "\n", -1);

  lab = load_lab (path, &first);
  second = mt_load_report_new (path);
  g_assert_true (mt_lab_file_load (lab, path, second, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (second->n_problems + second->n_traces, ==, 0);
  g_assert_cmpuint (second->n_skipped, ==, 2);
  g_assert_cmpuint (second->issues->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      MtLoadIssue *issue = g_ptr_array_index (second->issues, i);

      g_assert_cmpint (issue->code, ==, MT_FORMAT_ERROR_DUPLICATE);
      g_assert_cmpuint (issue->line, ==, i + 2);
    }
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (lab)), ==, 1);
}

/* Two labs joined with cat: the second header is no record. One from a
 * newer version is reported where it stands. */
static void
test_concatenated (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "joined.mtlab");
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  MtLoadIssue *issue;

  write_file (path,
              HEADER_V1 "\n" GOOD_PROBLEM "\n"
              HEADER_V1 "\n" GOOD_TRACE "\n"
              "{\"midthought\":\"lab\",\"version\":2}\n"
              "{\"type\":\"problem\",\"id\":\"p2\"}\n",
              -1);

  lab = load_lab (path, &report);
  g_assert_cmpuint (report->n_problems, ==, 2);
  g_assert_cmpuint (report->n_traces, ==, 1);
  g_assert_cmpuint (report->issues->len, ==, 1);
  issue = g_ptr_array_index (report->issues, 0);
  g_assert_cmpuint (issue->line, ==, 5);
  g_assert_cmpint (issue->code, ==, MT_FORMAT_ERROR_NEWER_VERSION);
}

static void
test_branch_cycle (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "cycle.mtlab");
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;

  write_file (path,
              HEADER_V1 "\n"
              "{\"type\":\"branch\",\"id\":\"a\",\"parent_id\":\"b\","
              "\"interrupt\":{\"kind\":\"hard\",\"token_index\":0}}\n"
              GOOD_TRACE "\n"
              "{\"type\":\"branch\",\"id\":\"b\",\"parent_id\":\"a\","
              "\"interrupt\":{\"kind\":\"hard\",\"token_index\":0}}\n"
              "{\"type\":\"branch\",\"id\":\"c\",\"parent_id\":\"c\","
              "\"interrupt\":{\"kind\":\"hard\",\"token_index\":0}}\n"
              "{\"type\":\"trace\",\"id\":\"t2\",\"reasoning\":\"\\u00e9\"}\n",
              -1);

  lab = load_lab (path, &report);
  g_assert_cmpuint (report->n_skipped, ==, 3);
  g_assert_cmpuint (report->issues->len, ==, 3);
  g_assert_cmpuint (((MtLoadIssue *) g_ptr_array_index (report->issues, 0))->line, ==, 2);
  g_assert_cmpuint (((MtLoadIssue *) g_ptr_array_index (report->issues, 1))->line, ==, 4);
  g_assert_cmpuint (((MtLoadIssue *) g_ptr_array_index (report->issues, 2))->line, ==, 5);
  g_assert_cmpuint (report->n_traces, ==, 2);
  g_assert_cmpuint (report->n_branches, ==, 0);
  g_assert_null (mt_lab_lookup_trace (lab, "a"));
}

static void
count_changes (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_one_items_changed (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(MtLab) original = build_full_lab ();
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "batch.mtlab");
  guint problem_changes = 0, trace_changes = 0;

  g_assert_true (mt_lab_file_save (original, path, NULL, &error));
  g_signal_connect (mt_lab_get_problems (lab), "items-changed",
                    G_CALLBACK (count_changes), &problem_changes);
  g_signal_connect (mt_lab_get_traces (lab), "items-changed",
                    G_CALLBACK (count_changes), &trace_changes);

  g_assert_true (mt_lab_file_load (lab, path, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problem_changes, ==, 1);
  g_assert_cmpuint (trace_changes, ==, 1);
}

static void
test_load_cancelled (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(MtLab) original = build_full_lab ();
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "cancel.mtlab");

  g_assert_true (mt_lab_file_save (original, path, NULL, &error));
  g_cancellable_cancel (cancellable);

  g_assert_false (mt_lab_file_load (lab, path, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (lab)), ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Save As                                                                   */
/* ------------------------------------------------------------------------ */

static MtLab *
lab_with_problem (const char *id)
{
  MtLab *lab = mt_lab_new ();
  g_autoptr(MtProblem) problem = mt_problem_new (id);

  mt_lab_add_problem (lab, problem);
  return lab;
}

static void
save_async_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

static GAsyncResult *
wait_for_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

/* The async save writes what the lab held when it was called, even when
 * the lab changes before the thread is done; failures come back as the
 * synchronous save reports them, with nothing left behind. */
static void
test_save_async (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(MtLab) lab = build_full_lab ();
  g_autoptr(MtLab) reference = build_full_lab ();
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(MtProblem) late = mt_problem_new ("late");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "async.mtlab");
  g_autofree char *same = path_in (fixture, "sync.mtlab");
  g_autofree char *blocker = path_in (fixture, "file");
  g_autofree char *inside = g_build_filename (blocker, "x.mtlab", NULL);
  g_autofree char *listing = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_sync = NULL;
  gsize len, len_sync;

  mt_lab_file_save_async (lab, path, NULL, save_async_done_cb, &result);
  mt_lab_add_problem (lab, late);
  g_assert_true (mt_lab_file_save_finish (lab, wait_for_result (&result), &error));
  g_assert_no_error (error);

  loaded = load_lab (path, NULL);
  g_assert_null (mt_lab_lookup_problem (loaded, "late"));
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (loaded)), ==,
                    g_list_model_get_n_items (mt_lab_get_traces (reference)));

  /* Line for line what the synchronous save writes, but for the header's
   * time of creation. */
  g_assert_true (mt_lab_file_save (reference, same, NULL, &error));
  text = read_file (path, &len);
  text_sync = read_file (same, &len_sync);
  g_assert_cmpstr (strchr (text, '\n'), ==, strchr (text_sync, '\n'));

  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  g_clear_object (&result);
  mt_lab_file_save_async (lab, inside, NULL, save_async_done_cb, &result);
  g_assert_false (mt_lab_file_save_finish (lab, wait_for_result (&result), &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE);
  g_assert_nonnull (strstr (error->message, "x.mtlab"));

  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "async.mtlab file sync.mtlab");
}

static void
test_save_backup (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(MtLab) a = lab_with_problem ("a");
  g_autoptr(MtLab) b = lab_with_problem ("b");
  g_autoptr(MtLab) c = lab_with_problem ("c");
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "x.mtlab");
  g_autofree char *backup = path_in (fixture, "x.mtlab~");
  g_autofree char *saved_a = NULL;
  g_autofree char *saved_b = NULL;
  g_autofree char *old = NULL;
  g_autofree char *listing = NULL;
  gsize len_a, len_b, len;

  g_assert_true (mt_lab_file_save (a, path, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));
  saved_a = read_file (path, &len_a);

  g_assert_true (mt_lab_file_save (b, path, NULL, &error));
  g_assert_no_error (error);
  old = read_file (backup, &len);
  g_assert_cmpmem (old, len, saved_a, len_a);
  saved_b = read_file (path, &len_b);
  loaded = load_lab (path, NULL);
  g_assert_nonnull (mt_lab_lookup_problem (loaded, "b"));

  /* The next save replaces the old backup. */
  g_clear_pointer (&old, g_free);
  g_assert_true (mt_lab_file_save (c, path, NULL, &error));
  g_assert_no_error (error);
  old = read_file (backup, &len);
  g_assert_cmpmem (old, len, saved_b, len_b);

  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "x.mtlab x.mtlab~");
}

static void
test_save_keeps_mode (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(MtLab) lab = lab_with_problem ("a");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "private.mtlab");
  struct stat st;

  write_file (path, HEADER_V1 "\n", -1);
  g_assert_cmpint (g_chmod (path, 0640), ==, 0);

  g_assert_true (mt_lab_file_save (lab, path, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0640);
}

static void
test_save_missing_dir (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(MtLab) lab = build_full_lab ();
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = path_in (fixture, "nope");
  g_autofree char *path = g_build_filename (missing, "x.mtlab", NULL);
  g_autofree char *listing = NULL;

  g_assert_false (mt_lab_file_save (lab, path, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "x.mtlab"));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));

  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "");
}

static void
test_save_over_folder (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(MtLab) lab = lab_with_problem ("a");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "folder.mtlab");
  g_autofree char *listing = NULL;

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  g_assert_false (mt_lab_file_save (lab, path, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "folder.mtlab");
}

static void
test_save_cancelled (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(MtLab) lab = build_full_lab ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "keep.mtlab");
  g_autofree char *after = NULL;
  g_autofree char *listing = NULL;
  gsize len;

  write_file (path, HEADER_V1 "\n" GOOD_PROBLEM "\n", -1);
  g_cancellable_cancel (cancellable);

  g_assert_false (mt_lab_file_save (lab, path, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  after = read_file (path, &len);
  g_assert_cmpmem (after, len, HEADER_V1 "\n" GOOD_PROBLEM "\n",
                   strlen (HEADER_V1 "\n" GOOD_PROBLEM "\n"));
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "keep.mtlab");
}

static void
test_save_through_symlink (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(MtLab) a = lab_with_problem ("a");
  g_autoptr(MtLab) b = lab_with_problem ("b");
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *real = path_in (fixture, "real.mtlab");
  g_autofree char *link = path_in (fixture, "link.mtlab");
  g_autofree char *real_backup = path_in (fixture, "real.mtlab~");
  g_autofree char *saved_a = NULL;
  g_autofree char *old = NULL;
  g_autofree char *listing = NULL;
  gsize len_a, len;

  g_assert_true (mt_lab_file_save (a, real, NULL, &error));
  saved_a = read_file (real, &len_a);
  g_assert_cmpint (symlink ("real.mtlab", link), ==, 0);

  g_assert_true (mt_lab_file_save (b, link, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  loaded = load_lab (real, NULL);
  g_assert_nonnull (mt_lab_lookup_problem (loaded, "b"));
  old = read_file (real_backup, &len);
  g_assert_cmpmem (old, len, saved_a, len_a);
  listing = list_dir (fixture->dir);
  g_assert_cmpstr (listing, ==, "link.mtlab real.mtlab real.mtlab~");
}

static void
test_save_empty_lab (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = path_in (fixture, "empty.mtlab");
  g_autofree char *contents = NULL;

  g_assert_true (mt_lab_file_save (lab, path, NULL, &error));
  g_assert_no_error (error);
  contents = read_file (path, NULL);
  g_assert_cmpuint (count_lines (contents), ==, 1);

  loaded = load_lab (path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Partial records: traces appended as they stream                           */
/* ------------------------------------------------------------------------ */

static MtTrace *
streaming_trace (const char *id,
                 const char *reasoning)
{
  MtTrace *trace = mt_trace_new (id);

  mt_trace_set_problem_id (trace, "p1");
  set_texts (trace, reasoning, "", MT_TOKEN_SOURCE_STREAM);
  mt_trace_set_split (trace, MT_THINK_STYLE_MISSING_OPENER, "no tags");
  return trace;
}

static void
append (MtLabWriter *writer,
        MtTrace     *trace,
        gboolean     partial)
{
  g_autoptr(GError) error = NULL;

  if (partial)
    g_assert_true (mt_lab_writer_append_partial (writer, trace, &error));
  else
    g_assert_true (mt_lab_writer_append_trace (writer, trace, &error));
  g_assert_no_error (error);
}

static void
test_partial_serialize (void)
{
  g_autoptr(MtTrace) trace = mt_trace_new ("t");
  g_autofree char *finished = NULL;
  g_autofree char *cancelled = NULL;
  g_autofree char *failed = NULL;

  mt_trace_set_finish_reason (trace, MT_FINISH_STOP);
  finished = mt_lab_file_serialize_trace (trace);
  g_assert_null (strstr (finished, "partial"));

  /* A stopped run may be redone, so it is as replaceable as a snapshot. */
  mt_trace_set_finish_reason (trace, MT_FINISH_CANCELLED);
  cancelled = mt_lab_file_serialize_trace (trace);
  g_assert_cmpstr (cancelled, ==,
                   "{\"type\":\"trace\",\"id\":\"t\",\"finish_reason\":\"cancelled\","
                   "\"partial\":true}");
  mt_trace_set_finish_reason (trace, MT_FINISH_ERROR);
  failed = mt_lab_file_serialize_trace (trace);
  g_assert_nonnull (strstr (failed, "\"partial\":true"));
}

/* Snapshots of a growing trace, then its finished record: one trace, the
 * last text, in the place of the first snapshot. */
static void
test_partial_replaced (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "stream.mtlab");
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(MtTrace) t1 = streaming_trace ("t1", "one");
  g_autoptr(MtTrace) t2 = streaming_trace ("t2", "other");
  g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (MT_INTERRUPT_HARD, 1, 0.5);
  g_autoptr(MtBranch) b1 = mt_branch_new ("b1", "t1", interrupt);
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  MtTrace *loaded;

  writer = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);

  append (writer, t1, TRUE);
  append (writer, t2, FALSE);
  set_texts (t1, "one two", "", MT_TOKEN_SOURCE_STREAM);
  append (writer, t1, TRUE);
  set_texts (MT_TRACE (b1), "x", "", MT_TOKEN_SOURCE_STREAM);
  append (writer, MT_TRACE (b1), TRUE);
  set_texts (t1, "one two three", "four", MT_TOKEN_SOURCE_STREAM);
  mt_trace_set_finish_reason (t1, MT_FINISH_STOP);
  append (writer, t1, FALSE);
  set_texts (MT_TRACE (b1), "x y", "z", MT_TOKEN_SOURCE_STREAM);
  mt_trace_set_finish_reason (MT_TRACE (b1), MT_FINISH_LENGTH);
  append (writer, MT_TRACE (b1), FALSE);
  g_assert_true (mt_lab_writer_close (writer, &error));

  contents = read_file (path, NULL);
  g_assert_cmpuint (count_lines (contents), ==, 7);

  lab = load_lab (path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  g_assert_cmpuint (report->n_skipped, ==, 0);
  g_assert_cmpuint (report->n_traces, ==, 2);
  g_assert_cmpuint (report->n_branches, ==, 1);

  loaded = mt_lab_lookup_trace (lab, "t1");
  g_assert_nonnull (loaded);
  g_assert_cmpstr (mt_trace_get_reasoning (loaded), ==, "one two three");
  g_assert_cmpstr (mt_trace_get_answer (loaded), ==, "four");
  g_assert_cmpint (mt_trace_get_finish_reason (loaded), ==, MT_FINISH_STOP);
  g_assert_cmpstr (mt_trace_get_split_note (loaded), ==, "no tags");
  g_assert_cmpuint (mt_token_spans_get_n_tokens (mt_trace_get_reasoning_spans (loaded)), ==, 3);
  g_assert_cmpint (mt_token_spans_get_source (mt_trace_get_reasoning_spans (loaded)), ==,
                   MT_TOKEN_SOURCE_STREAM);

  /* t1 stays where its first snapshot was; the branch found its parent. */
  {
    g_autoptr(MtTrace) first = g_list_model_get_item (mt_lab_get_traces (lab), 0);
    g_autoptr(MtTrace) branch = g_list_model_get_item (mt_lab_get_traces (lab), 2);

    g_assert_true (first == loaded);
    g_assert_true (MT_IS_BRANCH (branch));
    g_assert_cmpstr (mt_trace_get_answer (branch), ==, "z");
    g_assert_true (mt_branch_get_parent (MT_BRANCH (branch)) == loaded);
  }
}

/* kill -9 in the middle of a stream: the last snapshot loads, cancelled and
 * marked as cut off; a torn snapshot after it costs only itself. */
static void
test_partial_cut_off (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "killed.mtlab");
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(MtTrace) t1 = streaming_trace ("t1", "one");
  g_autoptr(MtTrace) t2 = mt_trace_new ("t2");
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *torn = NULL;
  g_autofree char *line = NULL;
  MtTrace *loaded;
  int fd;

  mt_trace_set_split (t2, MT_THINK_STYLE_NONE, NULL);

  writer = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);
  append (writer, t1, TRUE);
  set_texts (t1, "one two", "", MT_TOKEN_SOURCE_STREAM);
  append (writer, t1, TRUE);
  append (writer, t2, TRUE);
  g_assert_true (mt_lab_writer_close (writer, &error));

  /* Half of a third snapshot of t1, as a write cut short would leave it. */
  set_texts (t1, "one two three", "", MT_TOKEN_SOURCE_STREAM);
  line = mt_lab_file_serialize_trace (t1);
  torn = g_strndup (line, strlen (line) / 2);
  fd = g_open (path, O_WRONLY | O_APPEND, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, torn, strlen (torn)), ==, (gssize) strlen (torn));
  close (fd);

  lab = load_lab (path, &report);
  g_assert_cmpuint (report->n_traces, ==, 2);
  g_assert_cmpuint (report->n_skipped, ==, 1);
  g_assert_cmpuint (report->issues->len, ==, 1);
  g_assert_cmpint (((MtLoadIssue *) g_ptr_array_index (report->issues, 0))->code, ==,
                   MT_FORMAT_ERROR_TORN);

  loaded = mt_lab_lookup_trace (lab, "t1");
  g_assert_cmpstr (mt_trace_get_reasoning (loaded), ==, "one two");
  g_assert_cmpint (mt_trace_get_finish_reason (loaded), ==, MT_FINISH_CANCELLED);
  g_assert_cmpstr (mt_trace_get_split_note (loaded), ==, "no tags; " MT_LAB_FILE_CUT_OFF_NOTE);
  g_assert_cmpstr (mt_trace_get_split_note (mt_lab_lookup_trace (lab, "t2")), ==,
                   MT_LAB_FILE_CUT_OFF_NOTE);
}

/* A finished record is final: repeating its id is still a duplicate, and a
 * branch cannot replace a trace. */
static void
test_partial_duplicates (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "dup.mtlab");
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;

  write_file (path,
              HEADER_V1 "\n"
              "{\"type\":\"trace\",\"id\":\"t1\",\"answer\":\"4\",\"finish_reason\":\"stop\"}\n"
              "{\"type\":\"trace\",\"id\":\"t1\",\"answer\":\"5\",\"partial\":true}\n"
              "{\"type\":\"trace\",\"id\":\"t2\",\"answer\":\"a\",\"partial\":true}\n"
              "{\"type\":\"branch\",\"id\":\"t2\",\"parent_id\":\"t1\","
              "\"interrupt\":{\"kind\":\"hard\",\"token_index\":0}}\n"
              "{\"type\":\"trace\",\"id\":\"t3\",\"partial\":\"yes\"}\n",
              -1);

  lab = load_lab (path, &report);
  g_assert_cmpuint (report->n_traces, ==, 2);
  g_assert_cmpuint (report->n_branches, ==, 0);
  g_assert_cmpuint (report->n_skipped, ==, 3);
  g_assert_cmpint (issue_at_line (report, 3)->code, ==, MT_FORMAT_ERROR_DUPLICATE);
  g_assert_cmpint (issue_at_line (report, 5)->code, ==, MT_FORMAT_ERROR_DUPLICATE);
  g_assert_cmpint (issue_at_line (report, 6)->code, ==, MT_FORMAT_ERROR_TYPE);
  g_assert_cmpstr (issue_at_line (report, 6)->message, ==,
                   "expected true or false for \"partial\"");
  g_assert_cmpstr (mt_trace_get_answer (mt_lab_lookup_trace (lab, "t1")), ==, "4");
  g_assert_cmpstr (mt_trace_get_answer (mt_lab_lookup_trace (lab, "t2")), ==, "a");
  g_assert_cmpint (mt_trace_get_finish_reason (mt_lab_lookup_trace (lab, "t2")), ==,
                   MT_FINISH_CANCELLED);
}

/* A run stopped by a cancel or an error can be redone under its own id; a
 * failed redo loads as it was written, without the cut-off note. */
static void
test_partial_redone (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "redo.mtlab");
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(MtTrace) t1 = streaming_trace ("t1", "one");
  g_autoptr(MtTrace) t2 = streaming_trace ("t2", "two");
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;

  writer = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);
  mt_trace_set_finish_reason (t1, MT_FINISH_CANCELLED);
  append (writer, t1, FALSE);
  mt_trace_set_finish_reason (t2, MT_FINISH_ERROR);
  mt_trace_set_split (t2, MT_THINK_STYLE_NONE, "error: the server went away");
  append (writer, t2, FALSE);

  set_texts (t1, "one again", "1", MT_TOKEN_SOURCE_STREAM);
  mt_trace_set_finish_reason (t1, MT_FINISH_STOP);
  append (writer, t1, FALSE);
  g_assert_true (mt_lab_writer_close (writer, &error));

  lab = load_lab (path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  g_assert_cmpuint (report->n_traces, ==, 2);
  g_assert_cmpstr (mt_trace_get_reasoning (mt_lab_lookup_trace (lab, "t1")), ==, "one again");
  g_assert_cmpint (mt_trace_get_finish_reason (mt_lab_lookup_trace (lab, "t1")), ==,
                   MT_FINISH_STOP);
  g_assert_cmpint (mt_trace_get_finish_reason (mt_lab_lookup_trace (lab, "t2")), ==,
                   MT_FINISH_ERROR);
  g_assert_cmpstr (mt_trace_get_split_note (mt_lab_lookup_trace (lab, "t2")), ==,
                   "error: the server went away");
}

/* Save As keeps one record per id, and a stopped run stays redoable. */
static void
test_partial_save_compacts (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "stream.mtlab");
  g_autofree char *copy = path_in (fixture, "copy.mtlab");
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(MtTrace) t1 = streaming_trace ("t1", "a");
  g_autoptr(MtTrace) t2 = streaming_trace ("t2", "b");
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLab) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  writer = mt_lab_writer_open (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *text = g_strnfill (i + 1, 'a');

      set_texts (t1, text, "", MT_TOKEN_SOURCE_STREAM);
      append (writer, t1, TRUE);
      append (writer, t2, TRUE);
    }
  mt_trace_set_finish_reason (t1, MT_FINISH_LENGTH);
  append (writer, t1, FALSE);
  mt_trace_set_finish_reason (t2, MT_FINISH_CANCELLED);
  append (writer, t2, FALSE);
  g_assert_true (mt_lab_writer_close (writer, &error));

  lab = load_lab (path, NULL);
  g_assert_true (mt_lab_file_save (lab, copy, NULL, &error));
  g_assert_no_error (error);

  contents = read_file (copy, NULL);
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_nonnull (strstr (lines[1], "\"id\":\"t1\""));
  g_assert_null (strstr (lines[1], "partial"));
  g_assert_nonnull (strstr (lines[2], "\"id\":\"t2\""));
  g_assert_nonnull (strstr (lines[2], "\"partial\":true"));
  g_assert_cmpstr (lines[3], ==, "");

  again = load_lab (copy, NULL);
  assert_traces_equal (mt_lab_lookup_trace (lab, "t1"), mt_lab_lookup_trace (again, "t1"));
  assert_traces_equal (mt_lab_lookup_trace (lab, "t2"), mt_lab_lookup_trace (again, "t2"));
}

/* A real kill -9 of a process that streams: every finished record before
 * the kill loads, and the trace being streamed keeps its last snapshot. */
static void
test_partial_sigkill (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *path = path_in (fixture, "sigkill.mtlab");
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  GListModel *traces;
  int ready[2];
  char byte;
  pid_t pid;
  int status;

  g_assert_cmpint (pipe (ready), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autoptr(MtLabWriter) writer = NULL;

      close (ready[0]);
      writer = mt_lab_writer_open (path, NULL);
      if (writer == NULL)
        _exit (1);

      /* Finished traces t0, t1, ... each streamed in ten snapshots; the
       * parent is told once three have finished. */
      for (guint i = 0;; i++)
        {
          g_autofree char *id = g_strdup_printf ("t%u", i);
          g_autoptr(MtTrace) trace = streaming_trace (id, "w");
          g_autoptr(GString) text = g_string_new ("w");

          for (guint j = 0; j < 10; j++)
            {
              g_string_append (text, " w");
              set_texts (trace, text->str, "", MT_TOKEN_SOURCE_STREAM);
              if (!mt_lab_writer_append_partial (writer, trace, NULL))
                _exit (1);
            }
          mt_trace_set_finish_reason (trace, MT_FINISH_STOP);
          if (!mt_lab_writer_append_trace (writer, trace, NULL))
            _exit (1);
          if (i == 2 && write (ready[1], "x", 1) != 1)
            _exit (1);
        }
    }

  close (ready[1]);
  g_assert_cmpint (read (ready[0], &byte, 1), ==, 1);
  close (ready[0]);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));

  lab = load_lab (path, &report);
  traces = mt_lab_get_traces (lab);
  g_test_message ("%u traces after the kill", g_list_model_get_n_items (traces));
  g_assert_cmpuint (g_list_model_get_n_items (traces), >=, 3);
  /* Only the very last line can be torn. */
  g_assert_cmpuint (report->n_skipped, <=, 1);

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      g_autofree char *id = g_strdup_printf ("t%u", i);
      gboolean last = i + 1 == g_list_model_get_n_items (traces);

      g_assert_cmpstr (mt_trace_get_id (trace), ==, id);
      if (!last)
        {
          g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_STOP);
          g_assert_cmpuint (strlen (mt_trace_get_reasoning (trace)), ==, 21);
        }
      else if (mt_trace_get_finish_reason (trace) != MT_FINISH_STOP)
        {
          g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_CANCELLED);
          g_assert_nonnull (strstr (mt_trace_get_split_note (trace), MT_LAB_FILE_CUT_OFF_NOTE));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/lab-file/round-trip", test_round_trip);
  g_test_add_func ("/lab-file/serialize/minimal", test_serialize_minimal);
  g_test_add_func ("/lab-file/serialize/known-fields-only", test_serialize_known_fields_only);
  g_test_add_func ("/lab-file/serialize/one-line", test_serialize_one_line);
  g_test_add_func ("/lab-file/serialize/mixed-span-sources", test_serialize_mixed_span_sources);
  g_test_add_func ("/lab-file/load/fixture", test_fixture_file);
  ADD ("/lab-file/times/round-trip", test_times_round_trip);
  ADD ("/lab-file/times/rejected", test_times_rejected);
  g_test_add_func ("/lab-file/times/validate", test_times_validate);
  ADD ("/lab-file/load/bad-records", test_bad_records);
  ADD ("/lab-file/load/duplicates-against-lab", test_duplicates_against_lab);
  ADD ("/lab-file/load/concatenated", test_concatenated);
  ADD ("/lab-file/load/branch-cycle", test_branch_cycle);
  ADD ("/lab-file/load/one-items-changed", test_one_items_changed);
  ADD ("/lab-file/load/cancelled", test_load_cancelled);
  ADD ("/lab-file/torn/last-line", test_torn_last_line);
  ADD ("/lab-file/torn/writer-continues", test_torn_writer_continues);
  ADD ("/lab-file/torn/unterminated-complete-line", test_unterminated_complete_line);
  ADD ("/lab-file/refuse/newer-version", test_newer_version);
  ADD ("/lab-file/refuse/not-a-lab", test_not_a_lab);
  ADD ("/lab-file/refuse/empty-and-missing", test_empty_and_missing);
  ADD ("/lab-file/writer/append", test_writer_append);
  ADD ("/lab-file/writer/closed", test_writer_closed);
  ADD ("/lab-file/writer/second-refused", test_writer_second_refused);
  ADD ("/lab-file/writer/dev-full", test_writer_dev_full);
  ADD ("/lab-file/writer/short-write", test_writer_short_write);
  ADD ("/lab-file/save/backup", test_save_backup);
  ADD ("/lab-file/save/async", test_save_async);
  ADD ("/lab-file/save/keeps-mode", test_save_keeps_mode);
  ADD ("/lab-file/save/missing-dir", test_save_missing_dir);
  ADD ("/lab-file/save/over-folder", test_save_over_folder);
  ADD ("/lab-file/save/cancelled", test_save_cancelled);
  ADD ("/lab-file/save/through-symlink", test_save_through_symlink);
  ADD ("/lab-file/save/empty-lab", test_save_empty_lab);
  g_test_add_func ("/lab-file/partial/serialize", test_partial_serialize);
  ADD ("/lab-file/partial/replaced", test_partial_replaced);
  ADD ("/lab-file/partial/cut-off", test_partial_cut_off);
  ADD ("/lab-file/partial/duplicates", test_partial_duplicates);
  ADD ("/lab-file/partial/redone", test_partial_redone);
  ADD ("/lab-file/partial/save-compacts", test_partial_save_compacts);
  ADD ("/lab-file/partial/sigkill", test_partial_sigkill);

#undef ADD

  return g_test_run ();
}
