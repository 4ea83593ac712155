/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "mt-core.h"
#include "mt-test-util.h"

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

static MtTrace *
add_oracle (MtLab      *lab,
            const char *id,
            const char *problem_id,
            const char *reasoning,
            const char *answer)
{
  g_autoptr(MtTrace) trace = mt_trace_new (id);

  mt_trace_set_model (trace, "m");
  mt_trace_set_problem_id (trace, problem_id);
  set_texts (trace, reasoning, answer);
  g_assert_true (mt_lab_add_trace (lab, trace));
  return trace;
}

static MtBranch *
add_branch (MtLab           *lab,
            const char      *id,
            const char      *parent_id,
            MtInterruptKind  kind,
            guint            token_index,
            const char      *reasoning,
            const char      *answer)
{
  g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (kind, token_index, 0.5);
  g_autoptr(MtBranch) branch = mt_branch_new (id, parent_id, interrupt);
  MtTrace *parent = mt_lab_lookup_trace (lab, parent_id);

  mt_trace_set_model (MT_TRACE (branch), "m");
  mt_trace_set_problem_id (MT_TRACE (branch), mt_trace_get_problem_id (parent));
  set_texts (MT_TRACE (branch), reasoning, answer);
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (branch)));
  g_assert_true (mt_branch_get_parent (branch) == parent);
  return branch;
}

static void
add_problem (MtLab      *lab,
             const char *id,
             const char *answer,
             const char *update_answer)
{
  g_autoptr(MtProblem) problem = mt_problem_new (id);

  mt_problem_set_domain (problem, MT_DOMAIN_MATH);
  mt_problem_set_answer (problem, answer);
  mt_problem_set_update_answer (problem, update_answer);
  g_assert_true (mt_lab_add_problem (lab, problem));
}

static void
diagnose (MtBranch                    *branch,
          const MtDiagnosisThresholds *thresholds,
          MtDiagnoses                 *diagnoses)
{
  g_autoptr(MtMarkerLexicon) lexicon = mt_marker_lexicon_new_default (NULL);

  mt_diagnose_branch (branch, lexicon, thresholds, diagnoses);
  g_assert_nonnull (diagnoses->leakage.explanation);
  g_assert_nonnull (diagnoses->panic.explanation);
  g_assert_nonnull (diagnoses->doubt.explanation);
  g_assert_null (strchr (diagnoses->leakage.explanation, '\n'));
  g_assert_null (strchr (diagnoses->panic.explanation, '\n'));
  g_assert_null (strchr (diagnoses->doubt.explanation, '\n'));
}

static void
test_thresholds (void)
{
  MtDiagnosisThresholds thresholds;

  mt_diagnosis_thresholds_init (&thresholds);
  g_assert_cmpfloat (thresholds.leakage_min_ratio, ==, 2.0);
  g_assert_cmpuint (thresholds.leakage_min_markers, ==, 3);
  g_assert_cmpfloat (thresholds.panic_max_fraction, ==, 0.01);
  g_assert_cmpuint (thresholds.doubt_min_markers, ==, 1);

  g_assert_true (mt_interrupt_kind_may_leak (MT_INTERRUPT_HARD));
  g_assert_true (mt_interrupt_kind_may_leak (MT_INTERRUPT_FORCE_ANSWER));
  g_assert_false (mt_interrupt_kind_may_leak (MT_INTERRUPT_SPEEDUP));
  g_assert_true (mt_interrupt_kind_may_panic (MT_INTERRUPT_SPEEDUP));
  g_assert_false (mt_interrupt_kind_may_panic (MT_INTERRUPT_HARD));
  g_assert_true (mt_interrupt_kind_may_doubt (MT_INTERRUPT_UPDATE));
  g_assert_true (mt_interrupt_kind_may_doubt (MT_INTERRUPT_GUIDED_UPDATE));
  g_assert_false (mt_interrupt_kind_may_doubt (MT_INTERRUPT_SPEEDUP));

  g_assert_cmpstr (mt_diagnosis_verdict_to_string (MT_DIAGNOSIS_YES), ==, "yes");
  g_assert_cmpstr (mt_diagnosis_verdict_to_string (MT_DIAGNOSIS_NO), ==, "no");
  g_assert_cmpstr (mt_diagnosis_verdict_to_string (MT_DIAGNOSIS_NOT_APPLICABLE), ==,
                   "not-applicable");
}

/* The oracle's answer is 4 tokens; hard branches answer at length. */
static void
test_leakage (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autofree char *reasoning = mt_test_words ("Let", 99);
  g_autofree char *long_answer = mt_test_words ("So \\boxed{42}", 8);
  MtDiagnosisThresholds thresholds;
  MtDiagnoses d;
  MtBranch *branch;
  MtMarkerMatch *match;

  add_problem (lab, "p", "42", NULL);
  add_oracle (lab, "o", "p", reasoning, "The answer: \\boxed{42} .");

  /* 10 tokens against 4: 2.5 times, no markers. */
  branch = add_branch (lab, "long", "o", MT_INTERRUPT_HARD, 30, "", long_answer);
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.leakage.verdict, ==, MT_DIAGNOSIS_YES);
  g_assert_cmpuint (d.leakage.answer_tokens, ==, 10);
  g_assert_cmpuint (d.leakage.oracle_answer_tokens, ==, 4);
  g_assert_cmpfloat_with_epsilon (d.leakage.token_ratio, 2.5, 1e-9);
  g_assert_cmpuint (d.leakage.answer_chars, ==, strlen (long_answer));
  g_assert_cmpuint (d.leakage.oracle_answer_chars, ==, 24);
  g_assert_cmpfloat_with_epsilon (d.leakage.char_ratio, strlen (long_answer) / 24.0, 1e-9);
  g_assert_cmpuint (d.leakage.n_markers, ==, 0);
  g_assert_cmpuint (d.leakage.markers->len, ==, 0);
  g_assert_nonnull (strstr (d.leakage.explanation, "2.5"));
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  g_assert_cmpint (d.doubt.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  mt_diagnoses_clear (&d);

  /* A stricter ratio clears it. */
  mt_diagnosis_thresholds_init (&thresholds);
  thresholds.leakage_min_ratio = 3.0;
  diagnose (branch, &thresholds, &d);
  g_assert_cmpint (d.leakage.verdict, ==, MT_DIAGNOSIS_NO);
  mt_diagnoses_clear (&d);

  /* Short, but three reasoning cues in the answer: "Wait", "let me", "Hmm". */
  branch = add_branch (lab, "cues", "o", MT_INTERRUPT_FORCE_ANSWER, 30, "",
                       "Wait, let me see. Hmm \\boxed{42}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.leakage.verdict, ==, MT_DIAGNOSIS_YES);
  g_assert_cmpfloat_with_epsilon (d.leakage.token_ratio, 1.5, 1e-9);
  g_assert_cmpuint (d.leakage.n_markers, ==, 3);
  g_assert_cmpuint (d.leakage.markers->len, ==, 3);
  match = &g_array_index (d.leakage.markers, MtMarkerMatch, 0);
  g_assert_cmpuint (match->start, ==, 0);
  g_assert_cmpuint (match->end, ==, 4);
  g_assert_cmpuint (match->token, ==, 0);
  match = &g_array_index (d.leakage.markers, MtMarkerMatch, 1);
  g_assert_cmpuint (match->start, ==, 6);
  g_assert_cmpuint (match->token, ==, 1);
  match = &g_array_index (d.leakage.markers, MtMarkerMatch, 2);
  g_assert_cmpuint (match->start, ==, 18);
  g_assert_cmpuint (match->token, ==, 4);
  mt_diagnoses_clear (&d);

  /* Two cues and a short answer: no leakage. */
  branch = add_branch (lab, "two", "o", MT_INTERRUPT_HARD, 30, "", "Hmm, wait: \\boxed{42}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.leakage.verdict, ==, MT_DIAGNOSIS_NO);
  g_assert_cmpuint (d.leakage.n_markers, ==, 2);
  mt_diagnoses_clear (&d);

  /* Not a hard interrupt: not applicable, whatever the answer. */
  branch = add_branch (lab, "soft", "o", MT_INTERRUPT_SPEEDUP, 30, "", long_answer);
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.leakage.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  g_assert_nonnull (strstr (d.leakage.explanation, "speedup"));
  mt_diagnoses_clear (&d);
}

/* The oracle reasons for 200 tokens; speedups cut in at k = 100. */
static void
test_panic (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autofree char *reasoning = mt_test_words ("Start", 199);
  g_autofree char *two = mt_test_words ("Fine", 1);
  MtTrace *recorded;
  MtDiagnoses d;
  MtBranch *branch;
  guint k = 0;

  add_problem (lab, "p", "42", NULL);
  add_problem (lab, "hard", "7", NULL);
  add_problem (lab, "open", NULL, NULL);
  add_oracle (lab, "o", "p", reasoning, "\\boxed{42}");
  add_oracle (lab, "o-wrong", "hard", reasoning, "\\boxed{8}");
  add_oracle (lab, "o-open", "open", reasoning, "\\boxed{1}");

  /* 1 token = 1% of the 100 left, and wrong where the oracle was right. */
  branch = add_branch (lab, "panic", "o", MT_INTERRUPT_SPEEDUP, 100, "Quick.", "\\boxed{41}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_YES);
  g_assert_cmpuint (d.panic.oracle_reasoning_tokens, ==, 200);
  g_assert_false (d.panic.oracle_tokens_recorded);
  g_assert_cmpuint (d.panic.interrupt_token, ==, 100);
  g_assert_cmpuint (d.panic.reasoning_after, ==, 1);
  g_assert_cmpfloat_with_epsilon (d.panic.fraction, 0.01, 1e-12);
  g_assert_cmpint (d.panic.branch_verdict, ==, MT_VERDICT_WRONG);
  g_assert_cmpint (d.panic.oracle_verdict, ==, MT_VERDICT_CORRECT);
  g_assert_nonnull (strstr (d.panic.explanation, "1.0%"));
  g_assert_cmpint (d.leakage.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  mt_diagnoses_clear (&d);

  /* 2 tokens is more than 1%: it kept reasoning. */
  branch = add_branch (lab, "kept", "o", MT_INTERRUPT_SPEEDUP, 100, two, "\\boxed{41}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NO);
  g_assert_cmpfloat_with_epsilon (d.panic.fraction, 0.02, 1e-12);
  mt_diagnoses_clear (&d);

  /* Cut short but right. */
  branch = add_branch (lab, "right", "o", MT_INTERRUPT_SPEEDUP, 100, "", "\\boxed{42}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NO);
  g_assert_cmpuint (d.panic.reasoning_after, ==, 0);
  mt_diagnoses_clear (&d);

  /* Cut short and wrong, but so was the oracle. */
  branch = add_branch (lab, "both", "o-wrong", MT_INTERRUPT_SPEEDUP, 100, "", "\\boxed{9}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NO);
  g_assert_cmpint (d.panic.oracle_verdict, ==, MT_VERDICT_WRONG);
  mt_diagnoses_clear (&d);

  /* No answer at all counts as wrong. */
  branch = add_branch (lab, "silent", "o", MT_INTERRUPT_SPEEDUP, 100, "", "");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_YES);
  mt_diagnoses_clear (&d);

  /* No ground truth: nothing to judge. */
  branch = add_branch (lab, "open-b", "o-open", MT_INTERRUPT_SPEEDUP, 100, "", "\\boxed{2}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  mt_diagnoses_clear (&d);

  /* A hard interrupt is not judged for panic. */
  branch = add_branch (lab, "hard-b", "o", MT_INTERRUPT_HARD, 100, "", "\\boxed{41}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  mt_diagnoses_clear (&d);

  /* Recorded usage wins for T: 1000 - 100 = 900 left, so 9 tokens is 1%. */
  recorded = add_oracle (lab, "o-usage", "p", reasoning, "\\boxed{42}");
  mt_trace_set_usage (recorded, -1, -1, 1000);
  {
    g_autofree char *nine = mt_test_words ("Go", 8);
    g_autofree char *ten = mt_test_words ("Go", 9);

    branch = add_branch (lab, "nine", "o-usage", MT_INTERRUPT_SPEEDUP, 100, nine, "\\boxed{0}");
    diagnose (branch, NULL, &d);
    g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_YES);
    g_assert_cmpuint (d.panic.oracle_reasoning_tokens, ==, 1000);
    g_assert_true (d.panic.oracle_tokens_recorded);
    mt_diagnoses_clear (&d);

    branch = add_branch (lab, "ten", "o-usage", MT_INTERRUPT_SPEEDUP, 100, ten, "\\boxed{0}");
    diagnose (branch, NULL, &d);
    g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NO);
    mt_diagnoses_clear (&d);
  }

  /* A branch of a branch: its k is counted from the oracle, 100 + 90. */
  branch = add_branch (lab, "nested", "kept", MT_INTERRUPT_SPEEDUP, 90, "", "\\boxed{41}");
  g_assert_true (mt_diagnosis_find_oracle (branch, &k) == mt_lab_lookup_trace (lab, "o"));
  g_assert_cmpuint (k, ==, 190);
  diagnose (branch, NULL, &d);
  g_assert_cmpuint (d.panic.interrupt_token, ==, 190);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_YES);
  mt_diagnoses_clear (&d);

  /* An interrupt at the very end leaves nothing to abandon. */
  branch = add_branch (lab, "end", "o", MT_INTERRUPT_SPEEDUP, 200, "", "\\boxed{41}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NO);
  g_assert_true (isnan (d.panic.fraction));
  mt_diagnoses_clear (&d);
}

/* Before the update the answer is 10; after it, 42. */
static void
test_doubt (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autofree char *reasoning = mt_test_words ("Compute", 49);
  const char *doubting = "Wait, the user provided an update, but the original problem says 10. "
                         "This must be a typo.";
  MtDiagnosisThresholds thresholds;
  MtDiagnoses d;
  MtBranch *branch;

  add_problem (lab, "p", "10", "42");
  add_oracle (lab, "o", "p", reasoning, "\\boxed{10}");

  /* Doubts, and sticks to the pre-update answer. */
  branch = add_branch (lab, "stuck", "o", MT_INTERRUPT_UPDATE, 25, doubting, "\\boxed{10}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.doubt.verdict, ==, MT_DIAGNOSIS_YES);
  g_assert_cmpuint (d.doubt.n_markers, ==, 3);
  g_assert_cmpuint (d.doubt.reasoning_markers->len, ==, 3);
  g_assert_cmpuint (d.doubt.answer_markers->len, ==, 0);
  g_assert_cmpuint (g_array_index (d.doubt.reasoning_markers, MtMarkerMatch, 0).start, ==, 6);
  g_assert_cmpuint (g_array_index (d.doubt.reasoning_markers, MtMarkerMatch, 0).token, ==, 1);
  g_assert_cmpstr (d.doubt.answer, ==, "10");
  g_assert_cmpstr (d.doubt.pre_update_answer, ==, "10");
  g_assert_true (d.doubt.same_as_pre_update);
  /* Graded against the answer after the update. */
  g_assert_cmpint (d.doubt.branch_verdict, ==, MT_VERDICT_WRONG);
  g_assert_cmpint (d.leakage.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  mt_diagnoses_clear (&d);

  /* A stricter threshold than the markers found. */
  mt_diagnosis_thresholds_init (&thresholds);
  thresholds.doubt_min_markers = 4;
  diagnose (branch, &thresholds, &d);
  g_assert_cmpint (d.doubt.verdict, ==, MT_DIAGNOSIS_NO);
  mt_diagnoses_clear (&d);

  /* Doubts and degrades to a third answer. */
  branch = add_branch (lab, "lost", "o", MT_INTERRUPT_GUIDED_UPDATE, 25, doubting, "\\boxed{7}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.doubt.verdict, ==, MT_DIAGNOSIS_YES);
  g_assert_false (d.doubt.same_as_pre_update);
  mt_diagnoses_clear (&d);

  /* Doubts but gets the updated answer right. */
  branch = add_branch (lab, "recovered", "o", MT_INTERRUPT_UPDATE, 25, doubting, "\\boxed{42}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.doubt.verdict, ==, MT_DIAGNOSIS_NO);
  g_assert_cmpint (d.doubt.branch_verdict, ==, MT_VERDICT_CORRECT);
  mt_diagnoses_clear (&d);

  /* Sticks to the old answer without a word of doubt. */
  branch = add_branch (lab, "quiet", "o", MT_INTERRUPT_UPDATE, 25, "Fine, recompute.",
                       "\\boxed{10}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.doubt.verdict, ==, MT_DIAGNOSIS_NO);
  g_assert_cmpuint (d.doubt.n_markers, ==, 0);
  mt_diagnoses_clear (&d);

  /* Doubt voiced in the answer counts too. */
  branch = add_branch (lab, "in-answer", "o", MT_INTERRUPT_UPDATE, 25, "Fine.",
                       "That update seems to be a mistake: \\boxed{10}");
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.doubt.verdict, ==, MT_DIAGNOSIS_YES);
  g_assert_cmpuint (d.doubt.answer_markers->len, ==, 1);
  g_assert_cmpuint (g_array_index (d.doubt.answer_markers, MtMarkerMatch, 0).start, ==, 12);
  mt_diagnoses_clear (&d);

  /* Not an update. */
  branch = add_branch (lab, "hard", "o", MT_INTERRUPT_HARD, 25, "", doubting);
  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.doubt.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  mt_diagnoses_clear (&d);
}

/* A branch whose parent never arrived has no oracle to compare with. */
static void
test_orphan (void)
{
  g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (MT_INTERRUPT_HARD, 5, 0.5);
  g_autoptr(MtBranch) branch = mt_branch_new ("b", "missing", interrupt);
  MtDiagnoses d;
  guint k = 77;

  set_texts (MT_TRACE (branch), "", "Wait, let me think. Hmm.");
  g_assert_null (mt_diagnosis_find_oracle (branch, &k));
  g_assert_cmpuint (k, ==, 77);

  diagnose (branch, NULL, &d);
  g_assert_cmpint (d.leakage.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  g_assert_cmpint (d.doubt.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  g_assert_cmpuint (d.leakage.n_markers, ==, 3);
  mt_diagnoses_clear (&d);
}

/* The paper's own output format: one hard and one speedup branch. */
static void
test_paper_fixture (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("MT_TEST_DATA"), "paper-output.jsonl", NULL);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;
  GListModel *traces = mt_lab_get_traces (lab);
  guint n_hard = 0, n_speedup = 0;

  g_assert_true (mt_import_file (lab, path, NULL, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mt_lab_get_n_branches (lab), ==, 2);

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      MtInterruptKind kind;
      MtDiagnoses d;
      guint k = 0;

      if (!MT_IS_BRANCH (trace))
        continue;

      kind = mt_interrupt_get_kind (mt_branch_get_interrupt (MT_BRANCH (trace)));
      g_assert_nonnull (mt_diagnosis_find_oracle (MT_BRANCH (trace), &k));
      g_assert_cmpuint (k, >, 0);
      diagnose (MT_BRANCH (trace), NULL, &d);

      if (kind == MT_INTERRUPT_HARD)
        {
          /* "she makes $\boxed{26}$": short, no cues, but wrong. */
          n_hard++;
          g_assert_cmpint (d.leakage.verdict, ==, MT_DIAGNOSIS_NO);
          g_assert_cmpfloat (d.leakage.token_ratio, <, 2.0);
          g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
        }
      else
        {
          /* Sped up to a one-line check and still right. */
          n_speedup++;
          g_assert_cmpint (kind, ==, MT_INTERRUPT_SPEEDUP);
          g_assert_cmpint (d.panic.verdict, ==, MT_DIAGNOSIS_NO);
          g_assert_cmpint (d.panic.branch_verdict, ==, MT_VERDICT_CORRECT);
          g_assert_cmpint (d.panic.oracle_verdict, ==, MT_VERDICT_CORRECT);
          /* T is the paper's recorded total_reasoning_length. */
          g_assert_true (d.panic.oracle_tokens_recorded);
          g_assert_cmpuint (d.panic.oracle_reasoning_tokens, ==, 71);
          g_assert_cmpint (d.leakage.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
        }
      g_assert_cmpint (d.doubt.verdict, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
      mt_diagnoses_clear (&d);
    }

  g_assert_cmpuint (n_hard, ==, 1);
  g_assert_cmpuint (n_speedup, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  /* Only the built-in marker categories, whatever the user has. */
  g_setenv ("XDG_CONFIG_HOME", "/nonexistent/midthought-test", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/diagnosis/thresholds", test_thresholds);
  g_test_add_func ("/diagnosis/leakage", test_leakage);
  g_test_add_func ("/diagnosis/panic", test_panic);
  g_test_add_func ("/diagnosis/self-doubt", test_doubt);
  g_test_add_func ("/diagnosis/orphan", test_orphan);
  g_test_add_func ("/diagnosis/paper-fixture", test_paper_fixture);

  return g_test_run ();
}
