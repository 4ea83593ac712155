/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "mt-compare.h"
#include "mt-core.h"
#include "mt-test-util.h"

/* The texts of @spans in @text, joined by "|". */
static char *
join_spans (const char   *text,
            const GArray *spans)
{
  GString *joined = g_string_new (NULL);

  for (guint i = 0; i < spans->len; i++)
    {
      const MtTextSpan *span = &g_array_index (spans, MtTextSpan, i);

      if (i > 0)
        g_string_append_c (joined, '|');
      g_string_append_len (joined, text + span->start, span->end - span->start);
    }

  return g_string_free (joined, FALSE);
}

static void
test_split_words (void)
{
  g_autoptr(GArray) words = g_array_new (FALSE, FALSE, sizeof (MtTextSpan));
  const char *text = "  x=4. Ещё  раз\n\\frac{1}{2}";
  g_autofree char *joined = NULL;

  mt_split_words (text, -1, words);
  joined = join_spans (text, words);
  g_assert_cmpstr (joined, ==, "x|=|4|.|Ещё|раз|\\|frac|{|1|}|{|2|}");

  /* Invalid UTF-8 is not skipped: each bad byte is a word. */
  g_array_set_size (words, 0);
  mt_split_words ("a\xff" "b", -1, words);
  g_assert_cmpuint (words->len, ==, 3);

  g_array_set_size (words, 0);
  mt_split_words ("", -1, words);
  g_assert_cmpuint (words->len, ==, 0);
}

static void
test_diff_basic (void)
{
  const char *a = "The answer is 42, so we stop here.";
  const char *b = "The answer is 41, so we stop right here.";
  g_autofree char *removed = NULL;
  g_autofree char *inserted = NULL;
  MtWordDiff diff;

  mt_diff_words (a, -1, b, -1, 0, &diff);
  removed = join_spans (a, diff.removed);
  inserted = join_spans (b, diff.inserted);
  g_assert_cmpstr (removed, ==, "42");
  g_assert_cmpstr (inserted, ==, "41|right");
  g_assert_true (diff.complete);
  g_assert_cmpuint (diff.n_words_a, ==, 10);
  g_assert_cmpuint (diff.n_words_b, ==, 11);
  g_assert_cmpuint (diff.n_common, ==, 9);
  mt_word_diff_clear (&diff);

  /* Adjacent changed words merge into one span with the blanks between. */
  mt_diff_words ("keep one two three keep", -1, "keep four keep", -1, 0, &diff);
  g_assert_cmpuint (diff.removed->len, ==, 1);
  g_assert_cmpuint (g_array_index (diff.removed, MtTextSpan, 0).start, ==, 5);
  g_assert_cmpuint (g_array_index (diff.removed, MtTextSpan, 0).end, ==, 18);
  g_assert_cmpuint (diff.inserted->len, ==, 1);
  mt_word_diff_clear (&diff);

  /* Blanks alone are no difference. */
  mt_diff_words ("a  b\n\nc", -1, "a b c", -1, 0, &diff);
  g_assert_cmpuint (diff.removed->len, ==, 0);
  g_assert_cmpuint (diff.inserted->len, ==, 0);
  g_assert_cmpuint (diff.n_common, ==, 3);
  mt_word_diff_clear (&diff);
}

static void
test_diff_edges (void)
{
  MtWordDiff diff;

  mt_diff_words ("", -1, "", -1, 0, &diff);
  g_assert_true (diff.complete);
  g_assert_cmpuint (diff.removed->len, ==, 0);
  g_assert_cmpuint (diff.inserted->len, ==, 0);
  mt_word_diff_clear (&diff);

  mt_diff_words ("", -1, "all new", -1, 0, &diff);
  g_assert_cmpuint (diff.removed->len, ==, 0);
  g_assert_cmpuint (diff.inserted->len, ==, 1);
  g_assert_cmpuint (g_array_index (diff.inserted, MtTextSpan, 0).end, ==, 7);
  mt_word_diff_clear (&diff);

  mt_diff_words ("gone", -1, NULL, 0, 0, &diff);
  g_assert_cmpuint (diff.removed->len, ==, 1);
  g_assert_cmpuint (diff.inserted->len, ==, 0);
  mt_word_diff_clear (&diff);

  /* Reordered words: the common subsequence is as long as it can be. */
  mt_diff_words ("a b c d e", -1, "b c d e a", -1, 0, &diff);
  g_assert_cmpuint (diff.n_common, ==, 4);
  g_assert_true (diff.complete);
  mt_word_diff_clear (&diff);
}

/* The bound: beyond it the common head and tail stay exact and the middle
 * is changed as a whole; within it the diff is minimal. */
static void
test_diff_bound (void)
{
  g_autoptr(GString) a = g_string_new ("same start ");
  g_autoptr(GString) b = g_string_new ("same start ");
  MtWordDiff diff;

  for (guint i = 0; i < 30; i++)
    {
      g_string_append_printf (a, "a%u ", i);
      g_string_append_printf (b, "b%u ", i);
    }
  g_string_append (a, "same end");
  g_string_append (b, "same end");

  mt_diff_words (a->str, -1, b->str, -1, 10, &diff);
  g_assert_false (diff.complete);
  g_assert_cmpuint (diff.removed->len, ==, 1);
  g_assert_cmpuint (g_array_index (diff.removed, MtTextSpan, 0).start, ==, strlen ("same start "));
  g_assert_cmpuint (diff.n_common, ==, 4);
  mt_word_diff_clear (&diff);

  mt_diff_words (a->str, -1, b->str, -1, 60, &diff);
  g_assert_true (diff.complete);
  g_assert_cmpuint (diff.n_common, ==, 4);
  mt_word_diff_clear (&diff);
}

/* Long texts that differ in one word in the middle diff fast and exactly:
 * the common head and tail are stripped before the search. */
static void
test_diff_long (void)
{
  g_autofree char *head = mt_test_words ("start", 20000);
  g_autofree char *a = g_strconcat (head, " alpha ", head, NULL);
  g_autofree char *b = g_strconcat (head, " beta ", head, NULL);
  g_autofree char *removed = NULL;
  MtWordDiff diff;

  mt_diff_words (a, -1, b, -1, 0, &diff);
  g_assert_true (diff.complete);
  removed = join_spans (a, diff.removed);
  g_assert_cmpstr (removed, ==, "alpha");
  g_assert_cmpuint (diff.n_common, ==, 2 * 20001);
  mt_word_diff_clear (&diff);
}

/* Comparison */

static void
set_texts (MtTrace    *trace,
           const char *reasoning,
           const char *answer)
{
  g_autoptr(MtTokenSpans) reasoning_spans = mt_test_word_spans (reasoning);
  g_autoptr(MtTokenSpans) answer_spans = mt_test_word_spans (answer);

  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_answer (trace, answer);
  mt_trace_set_reasoning_spans (trace, reasoning_spans);
  mt_trace_set_answer_spans (trace, answer_spans);
}

static MtBranch *
add_branch (MtLab           *lab,
            const char      *id,
            const char      *parent_id,
            MtInterruptKind  kind,
            guint            token_index,
            const char      *text,
            const char      *reasoning,
            const char      *answer)
{
  MtTrace *parent = mt_lab_lookup_trace (lab, parent_id);
  guint n = mt_trace_get_n_reasoning_tokens (parent);
  g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (kind, token_index,
                                                       (double)token_index / n);
  g_autoptr(MtBranch) branch = mt_branch_new (id, parent_id, interrupt);

  mt_interrupt_set_text (interrupt, text);
  mt_trace_set_problem_id (MT_TRACE (branch), "p");
  set_texts (MT_TRACE (branch), reasoning, answer);
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (branch)));
  return branch;
}

/* An oracle of 20 reasoning words that answers 7, and three branches:
 * hard at word 6 that leaks, speedup at word 6 that panics, hard at
 * word 10 that is right. */
static MtLab *
create_lab (void)
{
  MtLab *lab = mt_lab_new ();
  g_autoptr(MtProblem) problem = mt_problem_new ("p");
  g_autoptr(MtTrace) oracle = mt_trace_new ("o");

  mt_problem_set_domain (problem, MT_DOMAIN_MATH);
  mt_problem_set_answer (problem, "7");
  g_assert_true (mt_lab_add_problem (lab, problem));

  mt_trace_set_problem_id (oracle, "p");
  set_texts (oracle,
             "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19",
             "So \\boxed{7}");
  g_assert_true (mt_lab_add_trace (lab, oracle));

  add_branch (lab, "o/late", "o", MT_INTERRUPT_HARD, 10, " STOP. ", "", "It is \\boxed{7}");
  add_branch (lab, "o/leak", "o", MT_INTERRUPT_HARD, 6, " STOP. ", "",
              "Wait, let me check. Hmm, actually I think it is \\boxed{8} done now");
  add_branch (lab, "o/panic", "o", MT_INTERRUPT_SPEEDUP, 6, " HURRY. ", "", "\\boxed{9}");
  return lab;
}

static const MtCompareColumn *
column_at (const MtComparison *comparison,
           guint               i)
{
  return g_ptr_array_index (comparison->columns, i);
}

/* The text of @column's section @i. */
static char *
section_text (const MtCompareColumn *column,
              guint                  i)
{
  const MtCompareSection *section = &g_array_index (column->sections, MtCompareSection, i);

  return g_strndup (column->text + section->start, section->end - section->start);
}

static void
test_comparison_columns (void)
{
  g_autoptr(MtLab) lab = create_lab ();
  MtTrace *oracle = mt_lab_lookup_trace (lab, "o");
  g_autoptr(MtComparison) comparison = mt_comparison_new (lab, oracle, NULL, NULL);
  const MtCompareColumn *base, *leak, *panic, *late;
  g_autofree char *inherited = NULL;
  g_autofree char *interrupt = NULL;
  g_autofree char *base_reasoning = NULL;

  g_assert_cmpuint (comparison->columns->len, ==, 4);
  g_assert_true (comparison->oracle == oracle);
  /* Aligned at the earliest interrupt: six words in common. */
  g_assert_cmpuint (comparison->divergence, ==, 6);
  g_assert_cmpuint (comparison->prefix_tokens, ==, 6);
  g_assert_cmpstr (comparison->prefix, ==, "w0 w1 w2 w3 w4 w5 ");

  base = column_at (comparison, 0);
  leak = column_at (comparison, 1);
  panic = column_at (comparison, 2);
  late = column_at (comparison, 3);
  g_assert_true (base->trace == oracle);
  g_assert_null (base->branch);
  g_assert_cmpstr (mt_trace_get_id (leak->trace), ==, "o/leak");
  g_assert_cmpstr (mt_trace_get_id (panic->trace), ==, "o/panic");
  g_assert_cmpstr (mt_trace_get_id (late->trace), ==, "o/late");

  /* The base from the divergence on: 14 reasoning and 2 answer tokens. */
  base_reasoning = section_text (base, 0);
  g_assert_true (g_str_has_prefix (base_reasoning, "w6 w7"));
  g_assert_cmpuint (base->tokens_after, ==, 16);
  g_assert_cmpfloat_with_epsilon (base->answer_ratio, 1.0, 1e-9);
  g_assert_cmpint (base->grade.verdict, ==, MT_VERDICT_CORRECT);
  g_assert_cmpint (base->diagnoses.leakage.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);

  /* The late branch inherits the base's words 6..9 before its interrupt. */
  g_assert_cmpuint (late->sections->len, ==, 4);
  inherited = section_text (late, 0);
  interrupt = section_text (late, 1);
  g_assert_cmpstr (inherited, ==, "w6 w7 w8 w9 ");
  g_assert_cmpstr (interrupt, ==, " STOP. ");
  g_assert_cmpint (g_array_index (late->sections, MtCompareSection, 3).part, ==,
                   MT_COMPARE_PART_ANSWER);
  g_assert_cmpuint (late->token_index, ==, 10);
  g_assert_cmpfloat_with_epsilon (late->fraction, 0.5, 1e-9);
  g_assert_cmpint (late->grade.verdict, ==, MT_VERDICT_CORRECT);
  g_assert_cmpint (late->diagnoses.leakage.verdict, ==, MT_DIAGNOSIS_NO);

  /* The leaking branch: a long answer, wrong, with its cues as evidence in
   * the answer. */
  g_assert_cmpuint (leak->answer_tokens, ==, 13);
  g_assert_cmpuint (leak->tokens_after, ==, 13);
  g_assert_cmpfloat_with_epsilon (leak->answer_ratio, 6.5, 1e-9);
  g_assert_cmpint (leak->grade.verdict, ==, MT_VERDICT_WRONG);
  g_assert_cmpint (leak->diagnoses.leakage.verdict, ==, MT_DIAGNOSIS_YES);
  g_assert_cmpuint (leak->evidence->len, ==, leak->diagnoses.leakage.n_markers);
  g_assert_cmpuint (leak->evidence->len, >=, 3);
  for (guint i = 0; i < leak->evidence->len; i++)
    {
      const MtCompareEvidence *evidence = &g_array_index (leak->evidence, MtCompareEvidence, i);
      const MtCompareSection *answer = &g_array_index (leak->sections, MtCompareSection, 3);

      g_assert_cmpint (evidence->kind, ==, MT_COMPARE_EVIDENCE_LEAKAGE);
      g_assert_cmpuint (evidence->start, >=, answer->start);
      g_assert_cmpuint (evidence->end, <=, answer->end);
    }
  g_assert_cmpint (g_ascii_strncasecmp (leak->text + g_array_index (leak->evidence,
                                                                     MtCompareEvidence, 0).start,
                                        "wait", 4), ==, 0);

  /* The speedup branch gave up its reasoning and got it wrong. */
  g_assert_cmpint (panic->diagnoses.panic.verdict, ==, MT_DIAGNOSIS_YES);
  g_assert_cmpint (panic->grade.verdict, ==, MT_VERDICT_WRONG);
}

static void
test_comparison_nested (void)
{
  g_autoptr(MtLab) lab = create_lab ();
  MtTrace *oracle = mt_lab_lookup_trace (lab, "o");
  MtTrace *late = mt_lab_lookup_trace (lab, "o/late");
  g_autoptr(GPtrArray) bases = NULL;
  g_autoptr(MtComparison) comparison = NULL;
  g_autoptr(MtComparison) empty = NULL;
  g_autofree char *expected = NULL;

  set_texts (late, "r0 r1 r2 r3", "It is \\boxed{7}");
  add_branch (lab, "o/late/again", "o/late", MT_INTERRUPT_SPEEDUP, 2, " AGAIN. ", "x",
              "\\boxed{7}");

  bases = mt_compare_list_bases (lab, oracle);
  g_assert_cmpuint (bases->len, ==, 2);
  g_assert_true (g_ptr_array_index (bases, 0) == oracle);
  g_assert_true (g_ptr_array_index (bases, 1) == late);

  /* The nested comparison's prefix is the whole context before the
   * second interrupt. */
  comparison = mt_comparison_new (lab, late, NULL, NULL);
  g_assert_true (comparison->oracle == oracle);
  g_assert_cmpuint (comparison->columns->len, ==, 2);
  g_assert_cmpuint (comparison->divergence, ==, 2);
  expected = g_strconcat ("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 ", " STOP. ", "r0 r1 ", NULL);
  g_assert_cmpstr (comparison->prefix, ==, expected);
  g_assert_cmpuint (comparison->prefix_tokens, ==,
                    10 + mt_count_tokens_approx (" STOP. ", -1) + 2);
  g_assert_cmpuint (column_at (comparison, 0)->n_branches, ==, 1);

  /* A run with no branches is a single column with nothing in common. */
  empty = mt_comparison_new (lab, mt_lab_lookup_trace (lab, "o/leak"), NULL, NULL);
  g_assert_cmpuint (empty->columns->len, ==, 1);
  g_assert_cmpuint (empty->prefix_tokens, >, 0);
  g_assert_cmpuint (empty->divergence, ==, 0);
}

static void
test_comparison_diff (void)
{
  g_autoptr(MtLab) lab = create_lab ();
  g_autoptr(MtComparison) comparison = mt_comparison_new (lab, mt_lab_lookup_trace (lab, "o"),
                                                          NULL, NULL);
  const MtCompareColumn *base = column_at (comparison, 0);
  const MtCompareColumn *late = column_at (comparison, 3);
  g_autofree char *inserted = NULL;
  MtWordDiff diff;

  mt_compare_columns_diff (base, late, &diff);
  inserted = join_spans (late->text, diff.inserted);
  /* The inherited words match the base's; the interrupt and the new
   * answer words do not. */
  g_assert_cmpstr (inserted, ==, "STOP. \nIt is");
  mt_word_diff_clear (&diff);
}

static void
test_relative_position (void)
{
  g_assert_cmpfloat_with_epsilon (mt_compare_relative_position (50, 300, 100), 0.25, 1e-9);
  g_assert_cmpfloat (mt_compare_relative_position (10, 100, 100), ==, 0);
  g_assert_cmpfloat (mt_compare_relative_position (500, 300, 100), ==, 1);
  g_assert_cmpfloat_with_epsilon (mt_compare_absolute_position (0.25, 900, 100), 200, 1e-9);
  g_assert_cmpfloat (mt_compare_absolute_position (0.5, 50, 100), ==, 0);
  g_assert_cmpfloat (mt_compare_absolute_position (2, 300, 100), ==, 200);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/diff/split-words", test_split_words);
  g_test_add_func ("/diff/basic", test_diff_basic);
  g_test_add_func ("/diff/edges", test_diff_edges);
  g_test_add_func ("/diff/bound", test_diff_bound);
  g_test_add_func ("/diff/long", test_diff_long);
  g_test_add_func ("/compare/columns", test_comparison_columns);
  g_test_add_func ("/compare/nested", test_comparison_nested);
  g_test_add_func ("/compare/diff", test_comparison_diff);
  g_test_add_func ("/compare/relative-position", test_relative_position);

  return g_test_run ();
}
