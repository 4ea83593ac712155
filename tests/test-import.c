/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "mt-core.h"
#include "mt-test-util.h"

#define TRACES_MARKYX "traces/markyx316_LLM-Reasoning-Trace-Topology"
#define TRACES_JESSE "traces/JesseRWeigel_thinking-traces"

static char *
fixture_path (const char *name)
{
  return g_build_filename (g_getenv ("MT_TEST_DATA"), name, NULL);
}

static char *
write_temp (const char *contents,
            gssize      len)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("mt-import-XXXXXX.jsonl", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
  return path;
}

/* Imports @path into @lab (or only counts, when @lab is NULL), asserting the
 * file as a whole was usable. */
static MtLoadReport *
import_ok (MtLab      *lab,
           const char *path)
{
  g_autoptr(GError) error = NULL;
  MtLoadReport *report = mt_load_report_new (path);

  g_assert_true (mt_import_file (lab, path, NULL, report, NULL, &error));
  g_assert_no_error (error);
  return report;
}

static const MtLoadIssue *
issue_at (const MtLoadReport *report,
          guint               index)
{
  g_assert_cmpuint (index, <, report->issues->len);
  return g_ptr_array_index (report->issues, index);
}

static void
test_shared_traces (gconstpointer data)
{
  const char *relative = data;
  g_autofree char *path = mt_test_shared_path (relative);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(MtLoadReport) counted = NULL;
  guint expected = strstr (relative, "qwen3-8b") ? 200 : 20;

  if (path == NULL)
    {
      g_test_skip ("MT_SHARED_DATA is not set or lacks the file");
      return;
    }

  report = import_ok (lab, path);
  g_assert_cmpstr (report->format, ==, "traces");
  g_assert_cmpuint (report->n_traces, ==, expected);
  g_assert_cmpuint (report->n_skipped, ==, 0);
  g_assert_cmpuint (report->issues->len, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (lab)), ==, expected);

  /* Counting without building objects (what `info` does) agrees. */
  counted = import_ok (NULL, path);
  g_assert_cmpuint (counted->n_traces, ==, report->n_traces);
  g_assert_cmpuint (counted->n_problems, ==, report->n_problems);
  g_assert_cmpuint (counted->n_skipped, ==, 0);
  g_assert_cmpstr (counted->format, ==, report->format);
}

/* Every trace's reasoning and answer agree with the file's own split
 * (reasoning_trace / answer_text) wherever that split is right. */
static void
test_markyx_split_matches (gconstpointer data)
{
  const char *relative = data;
  g_autofree char *path = mt_test_shared_path (relative);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  guint matched = 0;

  if (path == NULL)
    {
      g_test_skip ("MT_SHARED_DATA is not set or lacks the file");
      return;
    }

  report = import_ok (lab, path);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(MtTrace) trace = g_list_model_get_item (mt_lab_get_traces (lab), i);
      g_autofree char *reasoning = NULL;
      g_autofree char *answer = NULL;
      JsonObject *row;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      row = json_node_get_object (json_parser_get_root (parser));

      g_assert_cmpstr (mt_trace_get_problem_id (trace), ==, json_object_get_string_member (row, "item_id"));
      g_assert_cmpstr (mt_trace_get_model (trace), ==, json_object_get_string_member (row, "model_name"));
      g_assert_nonnull (mt_trace_get_problem (trace));
      g_assert_cmpstr (mt_problem_get_answer (mt_trace_get_problem (trace)), ==,
                       json_object_get_string_member (row, "ground_truth"));
      g_assert_cmpint (mt_trace_get_usage_completion_tokens (trace), ==,
                       json_object_get_int_member (row, "total_generated_tokens"));

      reasoning = g_strstrip (g_strdup (json_object_get_string_member (row, "reasoning_trace")));
      answer = g_strstrip (g_strdup (json_object_get_string_member (row, "answer_text")));

      if (reasoning[0] == '\0' && strstr (json_object_get_string_member (row, "full_response"),
                                          "</think>") == NULL)
        {
          /* Cut at the token cap inside the thinking block: the file calls it
           * all answer, but it is all reasoning and never finished. */
          g_assert_cmpstr (mt_trace_get_answer (trace), ==, "");
          g_assert_cmpuint (strlen (mt_trace_get_reasoning (trace)), >, 1000);
          g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_LENGTH);
          continue;
        }

      g_assert_cmpstr (mt_trace_get_reasoning (trace), ==, reasoning);
      g_assert_cmpstr (mt_trace_get_answer (trace), ==, answer);
      g_assert_nonnull (mt_trace_get_split_note (trace));
      matched++;
    }

  g_test_message ("%s: %u of 20 splits equal the file's own", relative, matched);
  g_assert_cmpuint (matched, >=, 19);
}

static void
test_jesse_fields_and_join (void)
{
  g_autofree char *traces_path = mt_test_shared_path (TRACES_JESSE "/qwen3-8b__think-on.jsonl");
  g_autofree char *items_path = mt_test_shared_path (TRACES_JESSE "/items.json");
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) items = NULL;
  g_autoptr(MtLoadReport) traces = NULL;
  g_autoptr(MtTrace) first = NULL;
  guint n_length = 0, n_linked = 0;
  MtProblem *problem;

  if (traces_path == NULL || items_path == NULL)
    {
      g_test_skip ("MT_SHARED_DATA is not set or lacks the files");
      return;
    }

  /* Traces first, problems later: linking still joins them by id. */
  traces = import_ok (lab, traces_path);
  items = import_ok (lab, items_path);
  g_assert_cmpstr (items->format, ==, "problems/items");
  g_assert_cmpuint (items->n_problems, ==, 200);

  first = g_list_model_get_item (mt_lab_get_traces (lab), 0);
  g_assert_cmpint (mt_trace_get_split_style (first), ==, MT_THINK_STYLE_FIELD);
  g_assert_true (g_str_has_prefix (mt_trace_get_reasoning (first), "Okay, let's see."));
  g_assert_true (g_str_has_suffix (mt_trace_get_answer (first), "Answer: 670"));
  g_assert_cmpint (mt_trace_get_usage_completion_tokens (first), ==, 592);
  g_assert_cmpfloat (mt_trace_get_sampling (first)->temperature, ==, 0.0);
  g_assert_cmpint (mt_trace_get_sampling (first)->max_tokens, ==, 4096);

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (mt_lab_get_traces (lab), i);

      if (mt_trace_get_finish_reason (trace) == MT_FINISH_LENGTH)
        n_length++;
      if (mt_trace_get_problem (trace) != NULL)
        n_linked++;
    }
  g_assert_cmpuint (n_length, ==, 11);
  g_assert_cmpuint (n_linked, ==, 200);

  problem = mt_lab_lookup_problem (lab, "recall-07");
  g_assert_nonnull (problem);
  g_assert_cmpstr (mt_problem_get_answer (problem), ==, "Brasilia");
  g_assert_cmpstr (mt_problem_get_accept (problem)[0], ==, "Brasília");
  g_assert_cmpstr (mt_problem_get_grader (problem), ==, "text");

  /* A choice question accepts its option's synonyms. */
  problem = mt_lab_lookup_problem (lab, "overthink-08");
  g_assert_cmpstr (mt_problem_get_answer (problem), ==, "feathers");
  g_assert_true (g_strv_contains (mt_problem_get_accept (problem), "feather"));
  g_assert_false (g_strv_contains (mt_problem_get_accept (problem), "lead"));
}

static void
test_think_off_has_no_reasoning (void)
{
  g_autofree char *path = mt_test_shared_path (TRACES_JESSE "/qwen3-8b__think-off.jsonl");
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(MtTrace) first = NULL;

  if (path == NULL)
    {
      g_test_skip ("MT_SHARED_DATA is not set or lacks the file");
      return;
    }

  report = import_ok (lab, path);
  first = g_list_model_get_item (mt_lab_get_traces (lab), 0);
  g_assert_cmpstr (mt_trace_get_reasoning (first), ==, "");
  g_assert_true (g_str_has_suffix (mt_trace_get_answer (first), "**Answer: 670**"));
}

static void
test_problem_sets (void)
{
  static const struct {
    const char *file;
    const char *format;
    guint       n;
    const char *first_id;
    const char *first_answer;
  } sets[] = {
    { "problems/math500_test.jsonl", "problems/math500", 500,
      "test/precalculus/807.json", "\\left( 3, \\frac{\\pi}{2} \\right)" },
    { "problems/aime24_test.jsonl", "problems/aime", 30, "60", "204" },
    { "problems/aime24_qwq.jsonl", "problems/generic", 30, "aime24_qwq-1", "204" },
    { "problems/aime25.jsonl", "problems/generic", 30, "aime25-1", "70" },
    { "problems/gsm8k_test.jsonl", "problems/gsm8k", 1319, "gsm8k_test-1", "18" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autofree char *path = mt_test_shared_path (sets[i].file);
      g_autoptr(MtLab) lab = mt_lab_new ();
      g_autoptr(MtLoadReport) report = NULL;
      g_autoptr(MtProblem) first = NULL;

      if (path == NULL)
        {
          g_test_skip ("MT_SHARED_DATA is not set or lacks the files");
          return;
        }

      report = import_ok (lab, path);
      g_assert_cmpstr (report->format, ==, sets[i].format);
      g_assert_cmpuint (report->n_problems, ==, sets[i].n);
      g_assert_cmpuint (report->n_skipped, ==, 0);
      g_assert_cmpuint (report->n_traces, ==, 0);

      first = g_list_model_get_item (mt_lab_get_problems (lab), 0);
      g_assert_cmpstr (mt_problem_get_id (first), ==, sets[i].first_id);
      g_assert_cmpstr (mt_problem_get_answer (first), ==, sets[i].first_answer);
      g_assert_nonnull (mt_problem_get_prompt (first));
      g_assert_cmpint (mt_problem_get_domain (first), ==, MT_DOMAIN_MATH);
    }
}

static void
test_update_benchmark (void)
{
  const char *row =
    "{\"id\": \"u1\", \"source\": \"gsm8k\", \"original_problem\": \"Tom has 3 apples and buys 4.\","
    " \"original_answer\": \"7\", \"revised_problem\": \"Tom has 3 apples and buys 5.\","
    " \"update\": \"Sorry, he buys 4, not 5.\"}\n";
  g_autofree char *path = write_temp (row, -1);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = import_ok (lab, path);
  MtProblem *problem = mt_lab_lookup_problem (lab, "u1");

  g_assert_cmpstr (report->format, ==, "problems/update-interrupt");
  g_assert_nonnull (problem);
  /* The model first solves the revised problem; the update restores the
   * original, whose answer is the truth after the update. */
  g_assert_cmpstr (mt_problem_get_prompt (problem), ==, "Tom has 3 apples and buys 5.");
  g_assert_cmpstr (mt_problem_get_update (problem), ==, "Sorry, he buys 4, not 5.");
  g_assert_cmpstr (mt_problem_get_update_answer (problem), ==, "7");
  g_remove (path);
}

static void
test_paper_output (void)
{
  g_autofree char *path = fixture_path ("paper-output.jsonl");
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = import_ok (lab, path);
  MtTrace *oracle = mt_lab_lookup_trace (lab, "paper-output:0");
  MtTrace *hard = mt_lab_lookup_trace (lab, "paper-output:0/1");
  MtTrace *speedup = mt_lab_lookup_trace (lab, "paper-output:1/1");
  MtInterrupt *interrupt;

  g_assert_cmpstr (report->format, ==, "paper");
  g_assert_cmpuint (report->n_problems, ==, 2);
  g_assert_cmpuint (report->n_traces, ==, 2);
  g_assert_cmpuint (report->n_branches, ==, 2);
  g_assert_cmpuint (report->issues->len, ==, 0);

  g_assert_nonnull (oracle);
  g_assert_false (MT_IS_BRANCH (oracle));
  g_assert_true (g_str_has_prefix (mt_trace_get_reasoning (oracle), "Okay, so I need"));
  g_assert_true (g_str_has_prefix (mt_trace_get_answer (oracle), "Janet sells 9 eggs"));
  /* The decoded end-of-turn token is not part of the answer. */
  g_assert_true (g_str_has_suffix (mt_trace_get_answer (oracle), "dollars per day."));
  g_assert_cmpint (mt_trace_get_finish_reason (oracle), ==, MT_FINISH_STOP);
  g_assert_cmpint (mt_trace_get_usage_reasoning_tokens (oracle), ==, 98);
  g_assert_true (g_str_has_prefix (mt_trace_get_prompt (oracle), "<|im_start|>system\n"));

  g_assert_true (MT_IS_BRANCH (hard));
  g_assert_true (mt_branch_get_parent (MT_BRANCH (hard)) == oracle);
  interrupt = mt_branch_get_interrupt (MT_BRANCH (hard));
  g_assert_cmpint (mt_interrupt_get_kind (interrupt), ==, MT_INTERRUPT_HARD);
  g_assert_true (g_str_has_prefix (mt_interrupt_get_text (interrupt),
                                   "\n\nI received a request from the user to provide an answer "
                                   "right now."));
  g_assert_cmpfloat (mt_interrupt_get_fraction (interrupt), >, 0.1);
  g_assert_cmpfloat (mt_interrupt_get_fraction (interrupt), <, 0.4);
  /* The hard interrupt closed the thinking block: the continuation is answer. */
  g_assert_cmpstr (mt_trace_get_reasoning (hard), ==, "");
  g_assert_true (strstr (mt_trace_get_answer (hard), "\\boxed{26}") != NULL);

  g_assert_true (MT_IS_BRANCH (speedup));
  interrupt = mt_branch_get_interrupt (MT_BRANCH (speedup));
  g_assert_cmpint (mt_interrupt_get_kind (interrupt), ==, MT_INTERRUPT_SPEEDUP);
  /* After a speedup the model keeps thinking, then answers. */
  g_assert_cmpstr (mt_trace_get_reasoning (speedup), ==, "For n = 6, (6 - 2) * 180 = 720.");
  g_assert_true (g_str_has_prefix (mt_trace_get_answer (speedup), "The sum is"));
  g_assert_nonnull (mt_trace_get_problem (speedup));
  g_assert_cmpstr (mt_problem_get_answer (mt_trace_get_problem (speedup)), ==, "720");
}

static void
test_chat_completion (void)
{
  g_autofree char *path = fixture_path ("chat-completion.json");
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = import_ok (lab, path);
  g_autoptr(MtTrace) trace = NULL;

  g_assert_cmpstr (report->format, ==, "chat-completion");
  g_assert_cmpuint (report->n_traces, ==, 1);

  trace = g_list_model_get_item (mt_lab_get_traces (lab), 0);
  g_assert_cmpstr (mt_trace_get_model (trace), ==, "deepseek-reasoner");
  g_assert_true (g_str_has_prefix (mt_trace_get_reasoning (trace), "The user asks for 17 * 3."));
  g_assert_cmpstr (mt_trace_get_answer (trace), ==, "17 × 3 = **51**");
  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_STOP);
  g_assert_cmpint (mt_trace_get_usage_prompt_tokens (trace), ==, 12);
  g_assert_cmpint (mt_trace_get_usage_completion_tokens (trace), ==, 48);
  g_assert_cmpint (mt_trace_get_usage_reasoning_tokens (trace), ==, 36);
  g_assert_cmpint (mt_trace_get_created (trace), ==, G_GINT64_CONSTANT (1767225600) * G_USEC_PER_SEC);
}

/* A bad field anywhere in a response skips the whole response, once. */
static void
test_chat_completion_bad_usage (void)
{
  const char *rows =
    "{\"id\": \"r1\", \"model\": \"m\", \"choices\": [{\"message\": {\"content\": \"a\"}}],"
    " \"usage\": {\"prompt_tokens\": \"twelve\"}}\n"
    "{\"id\": \"r2\", \"model\": \"m\", \"choices\": [{\"message\": {\"content\": \"b\"}},"
    " {\"message\": {\"content\": 5}}]}\n"
    "{\"id\": \"r3\", \"model\": \"m\", \"choices\": [{\"message\": {\"content\": \"c\"}}]}\n";
  g_autofree char *path = write_temp (rows, -1);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = import_ok (lab, path);
  g_autoptr(MtLoadReport) counted = import_ok (NULL, path);

  g_assert_cmpuint (report->n_traces, ==, 1);
  g_assert_cmpuint (report->n_skipped, ==, 2);
  g_assert_cmpuint (report->issues->len, ==, 2);
  g_assert_cmpuint (issue_at (report, 0)->line, ==, 1);
  g_assert_cmpstr (issue_at (report, 0)->message, ==,
                   "expected a whole number for \"prompt_tokens\", found a string");
  g_assert_cmpuint (issue_at (report, 1)->line, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (lab)), ==, 1);
  g_assert_nonnull (mt_lab_lookup_trace (lab, "r3:0"));
  g_assert_cmpuint (counted->n_traces, ==, 1);
  g_assert_cmpuint (counted->n_skipped, ==, 2);
  g_remove (path);
}

static void
test_mixed_good_and_bad (void)
{
  g_autofree char *path = fixture_path ("generic-mixed.jsonl");
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = import_ok (lab, path);
  MtTrace *harmony;

  /* Every good record loads; every bad one is named by line. */
  g_assert_cmpuint (report->n_traces, ==, 3);
  g_assert_cmpuint (report->n_skipped, ==, 3);
  g_assert_cmpuint (report->issues->len, ==, 3);

  g_assert_cmpuint (issue_at (report, 0)->line, ==, 2);
  g_assert_cmpuint (issue_at (report, 0)->column, >, 1);
  g_assert_cmpint (issue_at (report, 0)->code, ==, MT_FORMAT_ERROR_SYNTAX);
  g_assert_cmpuint (issue_at (report, 1)->line, ==, 3);
  g_assert_cmpint (issue_at (report, 1)->code, ==, MT_FORMAT_ERROR_TYPE);
  g_assert_cmpstr (issue_at (report, 1)->message, ==,
                   "expected a string for \"reasoning\", found a number");
  g_assert_cmpuint (issue_at (report, 2)->line, ==, 6);
  g_assert_cmpint (issue_at (report, 2)->code, ==, MT_FORMAT_ERROR_MISSING);

  g_assert_nonnull (mt_lab_lookup_trace (lab, "generic-mixed:g1"));
  g_assert_cmpstr (mt_trace_get_reasoning (mt_lab_lookup_trace (lab, "generic-mixed:g1")), ==,
                   "2+2 is 4.");
  harmony = mt_lab_lookup_trace (lab, "generic-mixed:g6");
  g_assert_nonnull (harmony);
  g_assert_cmpint (mt_trace_get_split_style (harmony), ==, MT_THINK_STYLE_HARMONY);
  g_assert_cmpstr (mt_trace_get_reasoning (harmony), ==, "6+6=12");
  g_assert_cmpstr (mt_trace_get_answer (harmony), ==, "12");
}

static void
test_field_map (void)
{
  const char *rows =
    "{\"qid\": \"a\", \"scratch\": \"thinking here\", \"final\": \"42\", \"model\": \"m\"}\n"
    "{\"qid\": \"b\", \"scratch\": \"more thinking\", \"final\": \"7\", \"model\": \"m\"}\n";
  g_autofree char *path = write_temp (rows, -1);
  g_autoptr(MtFieldMap) map = mt_field_map_new ();
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(MtTrace) trace = NULL;

  g_assert_true (mt_field_map_add (map, "reasoning=scratch", &error));
  g_assert_true (mt_field_map_add (map, "answer=final", &error));
  g_assert_true (mt_field_map_add (map, "id=qid", &error));
  g_assert_false (mt_field_map_add (map, "bogus=x", &error));
  g_assert_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  g_clear_error (&error);
  g_assert_false (mt_field_map_add (map, "reasoning", &error));
  g_clear_error (&error);

  g_assert_true (mt_import_file (lab, path, map, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_traces, ==, 2);
  trace = g_list_model_get_item (mt_lab_get_traces (lab), 0);
  g_assert_cmpstr (mt_trace_get_reasoning (trace), ==, "thinking here");
  g_assert_cmpstr (mt_trace_get_answer (trace), ==, "42");
  g_assert_cmpstr (mt_trace_get_problem_id (trace), ==, "a");
  g_remove (path);
}

static void
assert_file_error (const char    *path,
                   MtFormatError  code)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;

  g_assert_false (mt_import_file (lab, path, NULL, report, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, (int) code);
  g_test_message ("%s", error->message);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (lab)), ==, 0);
}

static void
test_bad_files (void)
{
  g_autofree char *empty = write_temp ("", 0);
  g_autofree char *blank = write_temp ("\n\n  \n", -1);
  g_autofree char *dir = g_dir_make_tmp ("mt-import-XXXXXX", NULL);
  g_autofree char *garbage_bytes = g_malloc (4096);
  g_autofree char *garbage = NULL;

  for (guint i = 0; i < 4096; i++)
    garbage_bytes[i] = (char) (g_test_rand_int () & 0xff);
  garbage_bytes[0] = '\x7f';
  garbage = write_temp (garbage_bytes, 4096);

  assert_file_error (empty, MT_FORMAT_ERROR_EMPTY);
  assert_file_error (blank, MT_FORMAT_ERROR_EMPTY);
  assert_file_error (dir, MT_FORMAT_ERROR_IO);
  assert_file_error ("/nonexistent/traces.jsonl", MT_FORMAT_ERROR_IO);
  assert_file_error (garbage, MT_FORMAT_ERROR_UNKNOWN_FORMAT);

  g_remove (empty);
  g_remove (blank);
  g_remove (garbage);
  g_rmdir (dir);
}

static void
test_invalid_utf8_line (void)
{
  const char rows[] =
    "{\"id\": \"a\", \"model\": \"m\", \"completion\": \"<think>ok</think>fine\"}\n"
    "{\"id\": \"b\", \"model\": \"m\", \"completion\": \"bad \xff\xfe bytes\"}\n"
    "{\"id\": \"c\", \"model\": \"m\", \"completion\": \"<think>ok</think>also fine\"}\n";
  g_autofree char *path = write_temp (rows, sizeof rows - 1);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = import_ok (lab, path);

  g_assert_cmpuint (report->n_traces, ==, 2);
  g_assert_cmpuint (report->n_skipped, ==, 1);
  g_assert_cmpuint (issue_at (report, 0)->line, ==, 2);
  g_assert_cmpint (issue_at (report, 0)->code, ==, MT_FORMAT_ERROR_ENCODING);
  /* The first bad byte, counted from 1. */
  g_assert_cmpuint (issue_at (report, 0)->column, ==, 46);
  g_remove (path);
}

static void
test_torn_last_line (void)
{
  const char *rows =
    "{\"id\": \"a\", \"model\": \"m\", \"completion\": \"<think>ok</think>fine\"}\n"
    "{\"id\": \"b\", \"model\": \"m\", \"completion\": \"<think>cut he";
  g_autofree char *path = write_temp (rows, -1);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = import_ok (lab, path);

  g_assert_cmpuint (report->n_traces, ==, 1);
  g_assert_cmpuint (report->n_skipped, ==, 1);
  g_assert_cmpuint (issue_at (report, 0)->line, ==, 2);
  g_assert_cmpint (issue_at (report, 0)->code, ==, MT_FORMAT_ERROR_TORN);
  g_remove (path);
}

/* A 50 MB line: loaded when it is valid, reported (not a crash) when not. */
static void
test_huge_line (void)
{
  gsize reasoning_len = 50 * 1024 * 1024;
  GString *rows = g_string_sized_new (reasoning_len * 2 + 256);
  g_autofree char *path = NULL;
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(MtTrace) trace = NULL;

  g_string_append (rows, "{\"id\": \"big\", \"model\": \"m\", \"completion\": \"<think>");
  for (gsize i = 0; i < reasoning_len / 8; i++)
    g_string_append (rows, "Wait... ");
  g_string_append (rows, "</think>done\"}\n");
  /* The same again with the closing quote and brace missing. */
  g_string_append (rows, "{\"id\": \"broken\", \"model\": \"m\", \"completion\": \"");
  for (gsize i = 0; i < reasoning_len / 8; i++)
    g_string_append (rows, "Hmm, so ");
  g_string_append_c (rows, '\n');

  path = write_temp (rows->str, rows->len);
  g_string_free (rows, TRUE);

  report = import_ok (lab, path);
  g_assert_cmpuint (report->n_traces, ==, 1);
  g_assert_cmpuint (report->n_skipped, ==, 1);
  g_assert_cmpuint (issue_at (report, 0)->line, ==, 2);
  trace = g_list_model_get_item (mt_lab_get_traces (lab), 0);
  g_assert_cmpuint (strlen (mt_trace_get_reasoning (trace)), ==, reasoning_len - 1);
  g_assert_cmpstr (mt_trace_get_answer (trace), ==, "done");
  g_remove (path);
}

static void
test_reimport_gets_unique_ids (void)
{
  g_autofree char *path = fixture_path ("generic-mixed.jsonl");
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) first = import_ok (lab, path);
  g_autoptr(MtLoadReport) second = import_ok (lab, path);

  /* The same traces twice are two sets of traces: nothing is dropped. */
  g_assert_cmpuint (first->n_traces, ==, 3);
  g_assert_cmpuint (second->n_traces, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (lab)), ==, 6);
  g_assert_nonnull (mt_lab_lookup_trace (lab, "generic-mixed:g1#2"));
}

static void
assert_same_string (const char *a,
                    const char *b)
{
  /* The lab file leaves unset fields out; an empty string may come back unset. */
  g_assert_cmpstr (a ? a : "", ==, b ? b : "");
}

static void
assert_same_trace (MtTrace *a,
                   MtTrace *b)
{
  const MtSampling *sa = mt_trace_get_sampling (a);
  const MtSampling *sb = mt_trace_get_sampling (b);

  g_assert_cmpstr (mt_trace_get_id (a), ==, mt_trace_get_id (b));
  g_assert_true (G_OBJECT_TYPE (a) == G_OBJECT_TYPE (b));
  assert_same_string (mt_trace_get_problem_id (a), mt_trace_get_problem_id (b));
  assert_same_string (mt_trace_get_model (a), mt_trace_get_model (b));
  assert_same_string (mt_trace_get_prompt (a), mt_trace_get_prompt (b));
  assert_same_string (mt_trace_get_reasoning (a), mt_trace_get_reasoning (b));
  assert_same_string (mt_trace_get_answer (a), mt_trace_get_answer (b));
  assert_same_string (mt_trace_get_split_note (a), mt_trace_get_split_note (b));
  g_assert_cmpint (mt_trace_get_split_style (a), ==, mt_trace_get_split_style (b));
  g_assert_cmpint (mt_trace_get_finish_reason (a), ==, mt_trace_get_finish_reason (b));
  g_assert_cmpint (mt_trace_get_usage_prompt_tokens (a), ==, mt_trace_get_usage_prompt_tokens (b));
  g_assert_cmpint (mt_trace_get_usage_completion_tokens (a), ==,
                   mt_trace_get_usage_completion_tokens (b));
  g_assert_cmpint (mt_trace_get_usage_reasoning_tokens (a), ==,
                   mt_trace_get_usage_reasoning_tokens (b));
  g_assert_cmpint (mt_trace_get_created (a), ==, mt_trace_get_created (b));
  g_assert_true (sa->temperature == sb->temperature || (isnan (sa->temperature) && isnan (sb->temperature)));
  g_assert_true (sa->top_p == sb->top_p || (isnan (sa->top_p) && isnan (sb->top_p)));
  g_assert_cmpint (sa->top_k, ==, sb->top_k);
  g_assert_cmpint (sa->max_tokens, ==, sb->max_tokens);
  g_assert_cmpint (sa->seed, ==, sb->seed);
  g_assert_cmpuint (mt_trace_get_n_reasoning_tokens (a), ==, mt_trace_get_n_reasoning_tokens (b));
  g_assert_true ((mt_trace_get_problem (a) == NULL) == (mt_trace_get_problem (b) == NULL));

  if (MT_IS_BRANCH (a))
    {
      MtInterrupt *ia = mt_branch_get_interrupt (MT_BRANCH (a));
      MtInterrupt *ib = mt_branch_get_interrupt (MT_BRANCH (b));

      g_assert_cmpstr (mt_branch_get_parent_id (MT_BRANCH (a)), ==, mt_branch_get_parent_id (MT_BRANCH (b)));
      g_assert_nonnull (mt_branch_get_parent (MT_BRANCH (b)));
      g_assert_cmpint (mt_interrupt_get_kind (ia), ==, mt_interrupt_get_kind (ib));
      g_assert_cmpint (mt_interrupt_get_role (ia), ==, mt_interrupt_get_role (ib));
      g_assert_cmpuint (mt_interrupt_get_token_index (ia), ==, mt_interrupt_get_token_index (ib));
      g_assert_cmpfloat (mt_interrupt_get_fraction (ia), ==, mt_interrupt_get_fraction (ib));
      assert_same_string (mt_interrupt_get_text (ia), mt_interrupt_get_text (ib));
      assert_same_string (mt_interrupt_get_update (ia), mt_interrupt_get_update (ib));
    }
}

static void
assert_same_problem (MtProblem *a,
                     MtProblem *b)
{
  const char * const *accept_a = mt_problem_get_accept (a);
  const char * const *accept_b = mt_problem_get_accept (b);

  g_assert_cmpstr (mt_problem_get_id (a), ==, mt_problem_get_id (b));
  assert_same_string (mt_problem_get_source (a), mt_problem_get_source (b));
  assert_same_string (mt_problem_get_prompt (a), mt_problem_get_prompt (b));
  assert_same_string (mt_problem_get_answer (a), mt_problem_get_answer (b));
  assert_same_string (mt_problem_get_update (a), mt_problem_get_update (b));
  assert_same_string (mt_problem_get_update_answer (a), mt_problem_get_update_answer (b));
  assert_same_string (mt_problem_get_grader (a), mt_problem_get_grader (b));
  g_assert_cmpint (mt_problem_get_domain (a), ==, mt_problem_get_domain (b));
  g_assert_cmpuint (accept_a ? g_strv_length ((char **) accept_a) : 0, ==,
                    accept_b ? g_strv_length ((char **) accept_b) : 0);
  for (guint i = 0; accept_a != NULL && accept_a[i] != NULL; i++)
    g_assert_cmpstr (accept_a[i], ==, accept_b[i]);
}

/* Import every kind of file, save as a lab, load it back: the same model. */
static void
test_round_trip (void)
{
  const char *relative[] = {
    TRACES_MARKYX "/math500_deepseek_r1.jsonl",
    TRACES_MARKYX "/pilot_math500_qwen7b.jsonl",
    TRACES_JESSE "/qwen3-8b__think-on.jsonl",
    TRACES_JESSE "/items.json",
    "problems/aime24_test.jsonl",
  };
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLab) loaded = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-round-trip-XXXXXX", NULL);
  g_autofree char *lab_path = g_build_filename (dir, "lab.mtlab", NULL);
  g_autofree char *backup = g_strconcat (lab_path, "~", NULL);
  const char *fixtures[] = { "paper-output.jsonl", "chat-completion.json", "generic-mixed.jsonl" };
  GListModel *a, *b;

  for (guint i = 0; i < G_N_ELEMENTS (relative); i++)
    {
      g_autofree char *path = mt_test_shared_path (relative[i]);
      g_autoptr(MtLoadReport) r = NULL;

      if (path == NULL)
        {
          g_test_skip ("MT_SHARED_DATA is not set or lacks the files");
          return;
        }
      r = import_ok (lab, path);
    }
  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      g_autofree char *path = fixture_path (fixtures[i]);
      g_autoptr(MtLoadReport) r = import_ok (lab, path);

      g_assert_nonnull (r);
    }

  g_assert_true (mt_lab_file_save (lab, lab_path, NULL, &error));
  g_assert_no_error (error);

  report = mt_load_report_new (lab_path);
  g_assert_true (mt_import_file (loaded, lab_path, NULL, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (report->format, ==, "lab");
  g_assert_cmpuint (report->issues->len, ==, 0);

  a = mt_lab_get_problems (lab);
  b = mt_lab_get_problems (loaded);
  g_assert_cmpuint (g_list_model_get_n_items (a), ==, g_list_model_get_n_items (b));
  for (guint i = 0; i < g_list_model_get_n_items (a); i++)
    {
      g_autoptr(MtProblem) pa = g_list_model_get_item (a, i);
      g_autoptr(MtProblem) pb = g_list_model_get_item (b, i);

      assert_same_problem (pa, pb);
    }

  a = mt_lab_get_traces (lab);
  b = mt_lab_get_traces (loaded);
  g_assert_cmpuint (g_list_model_get_n_items (a), ==, g_list_model_get_n_items (b));
  g_assert_cmpuint (mt_lab_get_n_branches (loaded), ==, 2);
  for (guint i = 0; i < g_list_model_get_n_items (a); i++)
    {
      g_autoptr(MtTrace) ta = g_list_model_get_item (a, i);
      g_autoptr(MtTrace) tb = g_list_model_get_item (b, i);

      assert_same_trace (ta, tb);
    }

  g_remove (lab_path);
  g_remove (backup);
  g_rmdir (dir);
}

typedef struct
{
  MtLab *lab;
  guint  n_batches;
  guint  max_traces;
} Batches;

static void
collect_batch (GPtrArray *problems,
               GPtrArray *traces,
               gpointer   user_data)
{
  Batches *batches = user_data;
  g_autoptr(GPtrArray) rejected = g_ptr_array_new_with_free_func (g_object_unref);

  batches->n_batches++;
  batches->max_traces = MAX (batches->max_traces, traces->len);
  mt_lab_add_all (batches->lab, problems, traces, rejected);
  g_assert_cmpuint (rejected->len, ==, 0);
}

/* Imports @path in batches of @batch_size into a fresh lab and checks that
 * the lab and the report are the ones a one-shot import gives; returns how
 * many batches came. */
static guint
assert_batched_equals_one_shot (const char *path,
                                guint       batch_size)
{
  g_autoptr(MtLab) one_shot = mt_lab_new ();
  g_autoptr(MtLoadReport) expected = import_ok (one_shot, path);
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(GError) error = NULL;
  Batches batches = { lab, 0, 0 };
  GListModel *want, *got;

  g_assert_true (mt_import_file_batched (path, NULL, batch_size, collect_batch, &batches,
                                         report, NULL, &error));
  g_assert_no_error (error);
  mt_lab_link (lab);

  g_assert_cmpstr (report->format, ==, expected->format);
  g_assert_cmpuint (report->n_traces, ==, expected->n_traces);
  g_assert_cmpuint (report->n_branches, ==, expected->n_branches);
  g_assert_cmpuint (report->n_problems, ==, expected->n_problems);
  g_assert_cmpuint (report->n_skipped, ==, expected->n_skipped);
  g_assert_cmpuint (report->issues->len, ==, expected->issues->len);

  /* The same traces in the same order, joined to the same problems and
   * parents. */
  want = mt_lab_get_traces (one_shot);
  got = mt_lab_get_traces (lab);
  g_assert_cmpuint (g_list_model_get_n_items (got), ==, g_list_model_get_n_items (want));
  for (guint i = 0; i < g_list_model_get_n_items (want); i++)
    {
      g_autoptr(MtTrace) a = g_list_model_get_item (want, i);
      g_autoptr(MtTrace) b = g_list_model_get_item (got, i);

      g_assert_cmpstr (mt_trace_get_id (b), ==, mt_trace_get_id (a));
      g_assert_cmpstr (mt_trace_get_reasoning (b), ==, mt_trace_get_reasoning (a));
      g_assert_cmpstr (mt_trace_get_answer (b), ==, mt_trace_get_answer (a));
      g_assert_cmpint (mt_trace_get_problem (b) != NULL, ==, mt_trace_get_problem (a) != NULL);
      if (MT_IS_BRANCH (a))
        g_assert_cmpstr (mt_trace_get_id (mt_branch_get_parent (MT_BRANCH (b))), ==,
                         mt_trace_get_id (mt_branch_get_parent (MT_BRANCH (a))));
    }
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_problems (lab)), ==,
                    g_list_model_get_n_items (mt_lab_get_problems (one_shot)));

  return batches.n_batches;
}

static void
test_batched (void)
{
  g_autofree char *shared = mt_test_shared_path (TRACES_MARKYX "/math500_deepseek_r1.jsonl");
  g_autofree char *paper = fixture_path ("paper-output.jsonl");
  g_autofree char *mixed = fixture_path ("generic-mixed.jsonl");
  g_autofree char *dir = g_dir_make_tmp ("mt-batched-XXXXXX", NULL);
  g_autofree char *lab_path = g_build_filename (dir, "lab.jsonl", NULL);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  guint n_traces;

  /* 20 traces in batches of 3: seven batches, in order. */
  g_assert_cmpuint (assert_batched_equals_one_shot (shared, 3), ==, 7);
  /* Branches and parents, and bad lines skipped as in one shot. */
  g_assert_cmpuint (assert_batched_equals_one_shot (paper, 1), >, 1);
  g_assert_cmpuint (assert_batched_equals_one_shot (mixed, 2), >, 1);

  /* A lab file comes whole, as one batch. */
  report = import_ok (lab, shared);
  n_traces = g_list_model_get_n_items (mt_lab_get_traces (lab));
  g_assert_true (mt_lab_file_save (lab, lab_path, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (assert_batched_equals_one_shot (lab_path, 3), ==, 1);
  g_assert_cmpuint (n_traces, ==, 20);

  /* A file that cannot be used fails as it does in one shot, with nothing
   * handed out. */
  {
    g_autofree char *bad = write_temp ("not json\nstill not\n", -1);
    g_autoptr(MtLoadReport) bad_report = mt_load_report_new (bad);
    g_autoptr(MtLab) empty = mt_lab_new ();
    Batches batches = { empty, 0, 0 };

    g_assert_false (mt_import_file_batched (bad, NULL, 3, collect_batch, &batches, bad_report,
                                            NULL, &error));
    g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_UNKNOWN_FORMAT);
    g_assert_cmpuint (batches.n_batches, ==, 0);
    g_unlink (bad);
  }

  g_unlink (lab_path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  static const char *trace_files[] = {
    TRACES_MARKYX "/math500_deepseek_r1.jsonl",
    TRACES_MARKYX "/pilot_math500_qwen7b.jsonl",
    TRACES_MARKYX "/pilot_math500_llama8b.jsonl",
    TRACES_JESSE "/qwen3-8b__think-on.jsonl",
    TRACES_JESSE "/qwen3-8b__think-off.jsonl",
  };

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (trace_files); i++)
    {
      g_autofree char *name = g_path_get_basename (trace_files[i]);
      g_autofree char *test_path = g_strdup_printf ("/import/shared/%s", name);

      g_test_add_data_func (test_path, trace_files[i], test_shared_traces);
      if (i < 3)
        {
          g_autofree char *split_path = g_strdup_printf ("/import/split/%s", name);

          g_test_add_data_func (split_path, trace_files[i], test_markyx_split_matches);
        }
    }

  g_test_add_func ("/import/jesse/fields-and-join", test_jesse_fields_and_join);
  g_test_add_func ("/import/jesse/think-off", test_think_off_has_no_reasoning);
  g_test_add_func ("/import/problems/sets", test_problem_sets);
  g_test_add_func ("/import/problems/update-benchmark", test_update_benchmark);
  g_test_add_func ("/import/paper", test_paper_output);
  g_test_add_func ("/import/chat-completion", test_chat_completion);
  g_test_add_func ("/import/bad/chat-completion", test_chat_completion_bad_usage);
  g_test_add_func ("/import/field-map", test_field_map);
  g_test_add_func ("/import/bad/mixed", test_mixed_good_and_bad);
  g_test_add_func ("/import/bad/files", test_bad_files);
  g_test_add_func ("/import/bad/invalid-utf8", test_invalid_utf8_line);
  g_test_add_func ("/import/bad/torn-last-line", test_torn_last_line);
  g_test_add_func ("/import/bad/huge-line", test_huge_line);
  g_test_add_func ("/import/reimport", test_reimport_gets_unique_ids);
  g_test_add_func ("/import/round-trip", test_round_trip);
  g_test_add_func ("/import/batched", test_batched);

  return g_test_run ();
}
