/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Counting a big JSON Lines file (`info`) splits it across two threads and
 * merges the halves. With the threshold lowered to a byte, small files take
 * that path: its report must be the one a single pass gives, wherever the
 * split falls. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "mt-core.h"
#include "mt-import-private.h"
#include "mt-test-util.h"

#define DEFAULT_THRESHOLD (16 * 1024 * 1024)

static MtLoadReport *
count_file (const char *path,
            gsize       threshold)
{
  MtLoadReport *report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;

  _mt_import_set_parallel_count_threshold (threshold);
  mt_import_file (NULL, path, NULL, report, NULL, &error);
  _mt_import_set_parallel_count_threshold (DEFAULT_THRESHOLD);
  if (error != NULL)
    mt_load_report_add_issue (report, 0, 0, MT_FORMAT_ERROR_SYNTAX, "%s", error->message);

  return report;
}

static char *
describe_report (const MtLoadReport *report)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s: %u problems, %u traces, %u branches, %u skipped\n",
                          report->format, report->n_problems, report->n_traces,
                          report->n_branches, report->n_skipped);
  for (guint i = 0; i < report->issues->len; i++)
    {
      g_autofree char *issue = mt_load_issue_to_string (report,
                                                        g_ptr_array_index (report->issues, i));

      g_string_append_printf (text, "%s\n", issue);
    }

  return g_string_free (text, FALSE);
}

/* Counts @path in one pass and split in two; the reports must match. */
static void
assert_same_counts (const char *path)
{
  g_autoptr(MtLoadReport) single = count_file (path, G_MAXSIZE);
  g_autoptr(MtLoadReport) split = count_file (path, 1);
  g_autofree char *single_text = describe_report (single);
  g_autofree char *split_text = describe_report (split);

  g_assert_cmpstr (split_text, ==, single_text);
}

#define PAPER(id, output) \
  "{\"id\": \"" id "\", \"problem\": \"Sum of the angles of a hexagon?\", " \
  "\"answer\": \"720\", \"metadata\": [{\"total_reasoning_length\": 3}, {}], " \
  "\"formatted_input_prompt\": [\"Q: sum? A:\", \"Q: sum? A: <think>\\nSix sides.\"], " \
  "\"output\": [" output ", \"4 * 180 = 720.\\n</think>\\n\\n720\"]}"
/* A problem without an id: it is named after its record's number. */
#define NO_ID "{\"question\": \"Five?\", \"answer\": \"Count.\\n#### 5\"}"
#define PAPER_OUTPUT "\"<think>\\nSix sides.\\n</think>\\n\\n720\""

/* Problems of three shapes, repeated across the file, traces that share
 * problems of the other half, traces of the same id, a line that is not
 * JSON and one that is not an object; records of the paper's output (a
 * problem, its oracle and a branch in one line) repeated, one of them
 * first as a record that fails after making its problem; problems
 * without ids (these two found by fuzz-import). */
static const char *const mixed_lines[] = {
  PAPER ("pp1", PAPER_OUTPUT),
  PAPER ("pp2", "[\"not a string\"]"),
  NO_ID,
  "{\"id\": \"g1\", \"question\": \"Two plus two?\", \"answer\": \"Add.\\n#### 4\"}",
  "{\"id\": \"t1\", \"problem_id\": \"g1\", \"problem\": \"Two plus two?\", \"reasoning\": \"2+2\", \"answer\": \"4\"}",
  "{\"id\": \"i1\", \"prompt\": \"Say hi.\", \"answer\": \"hi\", \"grader\": \"text\"}",
  "{\"id\": \"t2\", \"problem_id\": \"i1\", \"problem\": \"Say hi.\", \"reasoning\": \"greet\", \"answer\": \"hi\"}",
  "{\"id\": \"g2\", \"question\": \"Three plus one?\", \"answer\": \"Add.\\n#### 4\"}",
  "{not json at all",
  "{\"id\": \"t1\", \"problem_id\": \"g2\", \"problem\": \"Three plus one?\", \"reasoning\": \"3+1\", \"answer\": \"4\"}",
  "[1, 2, 3]",
  "{\"id\": \"g1\", \"question\": \"Two plus two again?\", \"answer\": \"Add.\\n#### 4\"}",
  "{\"id\": \"t3\", \"problem_id\": \"g1\", \"problem\": \"Two plus two?\", \"reasoning\": \"four\", \"answer\": \"4\"}",
  "",
  "{\"id\": \"i1\", \"prompt\": \"Say hi again.\", \"answer\": \"hi\", \"grader\": \"text\"}",
  "{\"id\": \"t4\", \"problem_id\": \"i2\", \"problem\": \"Say bye.\", \"reasoning\": \"part\", \"answer\": \"bye\"}",
  "{\"id\": \"m1\", \"unique_id\": \"m1\", \"problem\": \"1/2 + 1/2?\", \"solution\": \"1\", \"answer\": \"1\"}",
  "{\"id\": \"t5\", \"problem_id\": \"i2\", \"problem\": \"Say bye.\", \"reasoning\": \"bye\", \"answer\": \"bye\"}",
  "{\"id\": \"g2\", \"question\": \"Three plus one, again?\", \"answer\": \"Add.\\n#### 4\"}",
  PAPER ("pp2", PAPER_OUTPUT),
  NO_ID,
  PAPER ("pp1", PAPER_OUTPUT),
  NO_ID,
};

/* Every prefix of the mixed file, with and without a torn last line, so
 * that the split falls between every pair of lines. */
static void
test_parallel_count_mixed (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-test-import-parallel-XXXXXX", &error);
  g_autofree char *path = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "mixed.jsonl", NULL);

  for (guint n = 1; n <= G_N_ELEMENTS (mixed_lines); n++)
    for (guint torn = 0; torn < 2; torn++)
      {
        g_autoptr(GString) contents = g_string_new (NULL);

        for (guint i = 0; i < n; i++)
          g_string_append_printf (contents, "%s\n", mixed_lines[i]);
        if (torn)
          g_string_append (contents, "{\"id\": \"t9\", \"reasoning\": \"cut sh");
        g_assert_true (g_file_set_contents (path, contents->str, contents->len, NULL));
        g_test_message ("%u lines%s", n, torn ? " and a torn one" : "");
        assert_same_counts (path);
      }

  g_unlink (path);
  g_rmdir (dir);
}

/* Problem sets of one shape in one half and another in the other: the
 * format named is the one a single pass names. */
static void
test_parallel_count_shapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-test-import-parallel-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(GString) contents = g_string_new (NULL);

  g_assert_no_error (error);
  path = g_build_filename (dir, "shapes.jsonl", NULL);
  for (guint i = 0; i < 8; i++)
    g_string_append_printf (contents, "{\"id\": \"g%u\", \"question\": \"%u + 1?\", "
                            "\"answer\": \"Add.\\n#### %u\"}\n", i, i, i + 1);
  for (guint i = 0; i < 8; i++)
    g_string_append_printf (contents, "{\"id\": \"i%u\", \"prompt\": \"%u + 1?\", "
                            "\"answer\": \"%u\", \"grader\": \"numeric\"}\n", i, i, i + 1);
  g_assert_true (g_file_set_contents (path, contents->str, contents->len, NULL));
  assert_same_counts (path);

  g_unlink (path);
  g_rmdir (dir);
}

/* The shared traces, split in two. */
static void
test_parallel_count_shared (void)
{
  const char *files[] = {
    "traces/markyx316_LLM-Reasoning-Trace-Topology/math500_deepseek_r1.jsonl",
    "traces/markyx316_LLM-Reasoning-Trace-Topology/pilot_math500_qwen7b.jsonl",
    "traces/JesseRWeigel_thinking-traces/qwen3-8b__think-on.jsonl",
  };
  guint n_counted = 0;

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = mt_test_shared_path (files[i]);

      if (path == NULL)
        continue;
      assert_same_counts (path);
      n_counted++;
    }

  if (n_counted == 0)
    g_test_skip ("MT_SHARED_DATA is not set or lacks the traces");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/import/parallel-count/mixed", test_parallel_count_mixed);
  g_test_add_func ("/import/parallel-count/shapes", test_parallel_count_shapes);
  g_test_add_func ("/import/parallel-count/shared", test_parallel_count_shared);

  return g_test_run ();
}
