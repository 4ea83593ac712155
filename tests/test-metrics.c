/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "mt-core.h"
#include "mt-test-util.h"

#define EPSILON 1e-9

static void
add_problem (MtLab      *lab,
             const char *id,
             const char *answer)
{
  g_autoptr(MtProblem) problem = mt_problem_new (id);

  mt_problem_set_domain (problem, MT_DOMAIN_MATH);
  mt_problem_set_answer (problem, answer);
  g_assert_true (mt_lab_add_problem (lab, problem));
}

/* Takes ownership of @reasoning and @answer. */
static void
add_trace (MtLab           *lab,
           const char      *id,
           const char      *problem_id,
           const char      *parent_id,
           MtInterruptKind  kind,
           guint            token_index,
           double           fraction,
           char            *reasoning,
           char            *answer)
{
  g_autoptr(MtTokenSpans) reasoning_spans = mt_test_word_spans (reasoning);
  g_autoptr(MtTokenSpans) answer_spans = mt_test_word_spans (answer);
  g_autoptr(MtTrace) trace = NULL;

  if (parent_id != NULL)
    {
      g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (kind, token_index, fraction);

      trace = MT_TRACE (mt_branch_new (id, parent_id, interrupt));
    }
  else
    trace = mt_trace_new (id);

  mt_trace_set_model (trace, "m");
  mt_trace_set_problem_id (trace, problem_id);
  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_answer (trace, answer);
  mt_trace_set_reasoning_spans (trace, reasoning_spans);
  mt_trace_set_answer_spans (trace, answer_spans);
  g_assert_true (mt_lab_add_trace (lab, trace));

  g_free (reasoning);
  g_free (answer);
}

/* Four oracles and five branches whose every figure is worked out by hand
 * in the tests below. */
static MtLab *
hand_built_lab (void)
{
  MtLab *lab = mt_lab_new ();

  add_problem (lab, "p1", "42");
  add_problem (lab, "p2", "42");
  add_problem (lab, "p3", "7");
  add_problem (lab, "p4", NULL);

  /* Oracles: T = 100, 100, 200, 50 tokens; answers 10, 10, 20, 1. */
  add_trace (lab, "o1", "p1", NULL, 0, 0, 0, mt_test_words ("Hmm", 99), mt_test_words ("\\boxed{42}", 9));
  add_trace (lab, "o2", "p2", NULL, 0, 0, 0, mt_test_words ("Okay", 99), mt_test_words ("\\boxed{42}", 9));
  add_trace (lab, "o3", "p3", NULL, 0, 0, 0, mt_test_words ("Okay", 199), mt_test_words ("\\boxed{8}", 19));
  add_trace (lab, "o4", "p4", NULL, 0, 0, 0, mt_test_words ("Okay", 49), g_strdup ("\\boxed{1}"));

  /* Hard at X = 0.3 (k = 30): 20 tokens right, 5 tokens wrong. */
  add_trace (lab, "b1", "p1", "o1", MT_INTERRUPT_HARD, 30, 0.3, g_strdup (""),
             mt_test_words ("\\boxed{42}", 19));
  add_trace (lab, "b2", "p2", "o2", MT_INTERRUPT_HARD, 30, 0.2996, g_strdup (""),
             mt_test_words ("\\boxed{41}", 4));
  /* Hard at X = 0.7 (k = 70): 10 tokens right. */
  add_trace (lab, "b3", "p1", "o1", MT_INTERRUPT_HARD, 70, 0.7, g_strdup (""),
             mt_test_words ("\\boxed{42}", 9));
  /* Speedup at X = 0.5 (k = 50): a panic, and 40 tokens of reasoning to a right answer. */
  add_trace (lab, "b4", "p1", "o1", MT_INTERRUPT_SPEEDUP, 50, 0.5, g_strdup (""),
             g_strdup ("\\boxed{0}"));
  add_trace (lab, "b5", "p2", "o2", MT_INTERRUPT_SPEEDUP, 50, 0.5, mt_test_words ("Wait", 39),
             g_strdup ("\\boxed{42}"));

  return lab;
}

static MtMetrics *
analyse (MtLab *lab)
{
  g_autoptr(GError) error = NULL;
  MtMetrics *metrics = mt_analysis_run (lab, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (metrics);
  return metrics;
}

static void
test_models (void)
{
  g_autoptr(MtLab) lab = hand_built_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  MtMarkerLexicon *lexicon = mt_metrics_get_lexicon (metrics);
  int hesitation = mt_marker_lexicon_find_category (lexicon, MT_MARKER_HESITATION);
  guint n_bins = mt_metrics_get_n_bins (metrics);
  const MtModelMetrics *model;

  g_assert_true (mt_metrics_is_complete (metrics));
  g_assert_cmpuint (mt_metrics_get_n_traces (metrics), ==, 9);
  g_assert_cmpuint (mt_metrics_get_n_analysed (metrics), ==, 9);
  g_assert_cmpuint (mt_metrics_get_n_models (metrics), ==, 1);
  g_assert_cmpuint (n_bins, ==, MT_METRICS_DEFAULT_BINS);

  model = mt_metrics_get_model (metrics, 0);
  g_assert_true (mt_metrics_lookup_model (metrics, "m") == model);
  g_assert_null (mt_metrics_lookup_model (metrics, "other"));
  g_assert_cmpstr (model->model, ==, "m");
  g_assert_cmpuint (model->traces, ==, 4);
  g_assert_cmpuint (model->branches, ==, 5);
  /* o4 has no truth; o3 is wrong. */
  g_assert_cmpuint (model->graded, ==, 3);
  g_assert_cmpuint (model->correct, ==, 2);
  g_assert_cmpfloat_with_epsilon (model->accuracy, 2.0 / 3.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (model->reasoning_tokens_mean, (100 + 100 + 200 + 50) / 4.0,
                                  EPSILON);
  g_assert_cmpfloat_with_epsilon (model->answer_tokens_mean, (10 + 10 + 20 + 1) / 4.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (model->reasoning_chars_mean, (201 + 202 + 402 + 102) / 4.0,
                                  EPSILON);
  g_assert_cmpfloat_with_epsilon (model->answer_chars_mean, (28 + 28 + 47 + 9) / 4.0, EPSILON);

  /* One "Hmm", at token 0 of o1: the first slice, a quarter per trace. */
  g_assert_cmpint (hesitation, >=, 0);
  g_assert_cmpuint (model->markers[hesitation], ==, 1);
  g_assert_cmpfloat_with_epsilon (model->density[hesitation * n_bins], 0.25, EPSILON);
  for (guint b = 1; b < n_bins; b++)
    g_assert_cmpfloat (model->density[hesitation * n_bins + b], ==, 0.0);
}

static void
test_interrupts (void)
{
  g_autoptr(MtLab) lab = hand_built_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  int hesitation = mt_marker_lexicon_find_category (mt_metrics_get_lexicon (metrics),
                                                    MT_MARKER_HESITATION);
  const MtInterruptMetrics *g;

  g_assert_cmpuint (mt_metrics_get_n_interrupts (metrics), ==, 3);

  /* Hard, X = 0.30 (0.2996 rounds into it). */
  g = mt_metrics_get_interrupt (metrics, 0);
  g_assert_cmpstr (g->model, ==, "m");
  g_assert_cmpint (g->kind, ==, MT_INTERRUPT_HARD);
  g_assert_cmpfloat_with_epsilon (g->x, 0.30, EPSILON);
  g_assert_cmpuint (g->n, ==, 2);
  g_assert_cmpuint (g->graded, ==, 2);
  g_assert_cmpuint (g->correct, ==, 1);
  g_assert_cmpfloat_with_epsilon (g->accuracy, 0.5, EPSILON);
  /* Resamples of one right and one wrong: a quarter all wrong, a quarter all right. */
  g_assert_cmpfloat (g->ci_low, ==, 0.0);
  g_assert_cmpfloat (g->ci_high, ==, 1.0);
  g_assert_cmpfloat_with_epsilon (g->oracle_accuracy, 1.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->length_tokens_mean, (20 + 5) / 2.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->length_chars_mean, (48 + 18) / 2.0, EPSILON);
  /* (20 + 5) / ((100 - 30 + 10) + (100 - 30 + 10)) */
  g_assert_cmpfloat_with_epsilon (g->length_ratio, 25.0 / 160.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->answer_ratio, 25.0 / 20.0, EPSILON);
  /* ((30 + 20) + (30 + 5)) / ((100 + 10) + (100 + 10)) */
  g_assert_cmpfloat_with_epsilon (g->compute_ratio, 85.0 / 220.0, EPSILON);
  /* b1's answer is twice the oracle's: leakage; b2's half: none. */
  g_assert_cmpfloat_with_epsilon (g->leakage_rate, 0.5, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->leakage_ratio_mean, (2.0 + 0.5) / 2, EPSILON);
  g_assert_true (isnan (g->panic_rate));
  g_assert_true (isnan (g->doubt_rate));
  g_assert_cmpuint (g->markers[hesitation], ==, 0);

  /* Hard, X = 0.70: one right answer. */
  g = mt_metrics_get_interrupt (metrics, 1);
  g_assert_cmpint (g->kind, ==, MT_INTERRUPT_HARD);
  g_assert_cmpfloat_with_epsilon (g->x, 0.70, EPSILON);
  g_assert_cmpuint (g->n, ==, 1);
  g_assert_cmpfloat_with_epsilon (g->accuracy, 1.0, EPSILON);
  g_assert_cmpfloat (g->ci_low, ==, 1.0);
  g_assert_cmpfloat (g->ci_high, ==, 1.0);
  g_assert_cmpfloat_with_epsilon (g->length_ratio, 10.0 / 40.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->compute_ratio, 80.0 / 110.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->leakage_rate, 0.0, EPSILON);

  /* Speedup, X = 0.50: b4 panics, b5 keeps reasoning (and hesitates once). */
  g = mt_metrics_get_interrupt (metrics, 2);
  g_assert_cmpint (g->kind, ==, MT_INTERRUPT_SPEEDUP);
  g_assert_cmpfloat_with_epsilon (g->x, 0.50, EPSILON);
  g_assert_cmpuint (g->n, ==, 2);
  g_assert_cmpfloat_with_epsilon (g->accuracy, 0.5, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->length_tokens_mean, (1 + 41) / 2.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->length_ratio, 42.0 / 120.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->answer_ratio, 2.0 / 20.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->compute_ratio, 142.0 / 220.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (g->panic_rate, 0.5, EPSILON);
  g_assert_true (isnan (g->leakage_rate));
  g_assert_true (isnan (g->leakage_ratio_mean));
  g_assert_cmpuint (g->markers[hesitation], ==, 1);
}

/* Every diagnosed branch as a record of its own, pointing at its group,
 * and each group's marker density over the branches' own reasoning. */
static void
test_branches (void)
{
  g_autoptr(MtLab) lab = hand_built_lab ();
  g_autoptr(MtMetrics) metrics = NULL;
  const MtBranchMetrics *b;
  const MtInterruptMetrics *speedup;
  guint n_bins;
  int hesitation;

  mt_problem_set_source (mt_lab_lookup_problem (lab, "p1"), "math500");
  metrics = analyse (lab);
  n_bins = mt_metrics_get_n_bins (metrics);
  hesitation = mt_marker_lexicon_find_category (mt_metrics_get_lexicon (metrics),
                                                MT_MARKER_HESITATION);

  g_assert_cmpuint (mt_metrics_get_n_branches (metrics), ==, 5);

  b = mt_metrics_get_branch (metrics, 0);
  g_assert_cmpstr (b->id, ==, "b1");
  g_assert_cmpstr (b->model, ==, "m");
  g_assert_cmpstr (b->dataset, ==, "math500");
  g_assert_cmpstr (b->oracle_id, ==, "o1");
  g_assert_cmpint (b->kind, ==, MT_INTERRUPT_HARD);
  g_assert_cmpfloat_with_epsilon (b->x, 0.30, EPSILON);
  g_assert_cmpuint (b->interrupt, ==, 0);
  g_assert_cmpint (b->verdict, ==, MT_VERDICT_CORRECT);
  g_assert_cmpint (b->oracle_verdict, ==, MT_VERDICT_CORRECT);
  g_assert_cmpint (b->leakage, ==, MT_DIAGNOSIS_YES);
  g_assert_cmpint (b->panic, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  g_assert_cmpuint (b->length_tokens, ==, 20);
  g_assert_cmpuint (b->length_chars, ==, 48);
  g_assert_cmpuint (b->answer_tokens, ==, 20);
  g_assert_cmpuint (b->oracle_answer_tokens, ==, 10);
  g_assert_cmpuint (b->oracle_rest_tokens, ==, 100 - 30 + 10);
  g_assert_cmpfloat_with_epsilon (b->leakage_ratio, 2.0, EPSILON);

  /* p2 has no source; 0.2996 is in the X = 0.30 group. */
  b = mt_metrics_get_branch (metrics, 1);
  g_assert_cmpstr (b->id, ==, "b2");
  g_assert_null (b->dataset);
  g_assert_cmpuint (b->interrupt, ==, 0);
  g_assert_cmpint (b->verdict, ==, MT_VERDICT_WRONG);

  b = mt_metrics_get_branch (metrics, 2);
  g_assert_cmpstr (b->id, ==, "b3");
  g_assert_cmpuint (b->interrupt, ==, 1);

  b = mt_metrics_get_branch (metrics, 3);
  g_assert_cmpstr (b->id, ==, "b4");
  g_assert_cmpuint (b->interrupt, ==, 2);
  g_assert_cmpint (b->panic, ==, MT_DIAGNOSIS_YES);
  g_assert_cmpint (b->leakage, ==, MT_DIAGNOSIS_NOT_APPLICABLE);
  g_assert_true (isnan (b->leakage_ratio));

  /* b5's one "Wait" opens its reasoning: half a marker per branch of the
   * group in the first slice, nothing elsewhere. */
  speedup = mt_metrics_get_interrupt (metrics, 2);
  g_assert_cmpfloat_with_epsilon (speedup->density[hesitation * n_bins], 0.5, EPSILON);
  for (guint i = 1; i < n_bins; i++)
    g_assert_cmpfloat (speedup->density[hesitation * n_bins + i], ==, 0.0);
  g_assert_cmpfloat (mt_metrics_get_interrupt (metrics, 0)->density[hesitation * n_bins], ==, 0.0);
}

static void
test_scores (void)
{
  g_autoptr(MtLab) lab = hand_built_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  const MtInterruptibility *score;

  g_assert_cmpuint (mt_metrics_get_n_scores (metrics), ==, 2);

  /* (0.3, 0.5) and (0.7, 1.0), flat to the ends:
   * 0.3 * 0.5 + 0.4 * (0.5 + 1.0) / 2 + 0.3 * 1.0 = 0.75 */
  score = mt_metrics_get_score (metrics, 0);
  g_assert_cmpstr (score->model, ==, "m");
  g_assert_cmpint (score->kind, ==, MT_INTERRUPT_HARD);
  g_assert_cmpuint (score->n_positions, ==, 2);
  g_assert_cmpfloat_with_epsilon (score->oracle_accuracy, 1.0, EPSILON);
  g_assert_cmpfloat_with_epsilon (score->interruptibility, 0.75, EPSILON);

  /* One point: its own height. */
  score = mt_metrics_get_score (metrics, 1);
  g_assert_cmpint (score->kind, ==, MT_INTERRUPT_SPEEDUP);
  g_assert_cmpuint (score->n_positions, ==, 1);
  g_assert_cmpfloat_with_epsilon (score->interruptibility, 0.5, EPSILON);
}

static void
test_trapezoid (void)
{
  const double x[] = { 0.7, 0.3, 1.5, 0.5 };
  const double y[] = { 1.0, 0.5, 9.0, NAN };
  const double ends_x[] = { 0.0, 1.0 };
  const double ends_y[] = { 1.0, 0.0 };
  const double paper_x[] = { 0.1, 0.3, 0.5, 0.7, 0.9 };
  const double paper_y[] = { 0.2, 0.4, 0.6, 0.8, 1.0 };

  g_assert_true (isnan (mt_interruptibility_score (NULL, NULL, 0)));
  g_assert_cmpfloat_with_epsilon (mt_interruptibility_score (x, y, 1), 1.0, EPSILON);
  /* Unsorted, one X past 1 and one NAN height left out: 0.75 as above. */
  g_assert_cmpfloat_with_epsilon (mt_interruptibility_score (x, y, 4), 0.75, EPSILON);
  g_assert_cmpfloat_with_epsilon (mt_interruptibility_score (ends_x, ends_y, 2), 0.5, EPSILON);
  /* 0.1 * 0.2 + 0.8 * 0.6 (the trapezoids of a straight line) + 0.1 * 1.0 */
  g_assert_cmpfloat_with_epsilon (mt_interruptibility_score (paper_x, paper_y, 5),
                                  0.02 + 0.48 + 0.1, EPSILON);
}

static void
test_bootstrap (void)
{
  double low, high, low2, high2;

  mt_bootstrap_accuracy (0, 0, 1000, 1, &low, &high);
  g_assert_true (isnan (low) && isnan (high));

  mt_bootstrap_accuracy (7, 7, 1000, 1, &low, &high);
  g_assert_cmpfloat (low, ==, 1.0);
  g_assert_cmpfloat (high, ==, 1.0);
  mt_bootstrap_accuracy (0, 7, 1000, 1, &low, &high);
  g_assert_cmpfloat (low, ==, 0.0);
  g_assert_cmpfloat (high, ==, 0.0);

  /* 50 of 100: the normal approximation says 0.5 +- 0.098. */
  mt_bootstrap_accuracy (50, 100, MT_METRICS_BOOTSTRAP_RESAMPLES, MT_METRICS_BOOTSTRAP_SEED,
                         &low, &high);
  g_assert_cmpfloat (low, >=, 0.38);
  g_assert_cmpfloat (low, <=, 0.42);
  g_assert_cmpfloat (high, >=, 0.58);
  g_assert_cmpfloat (high, <=, 0.62);

  /* Deterministic: the same seed, the same interval, every time. */
  mt_bootstrap_accuracy (50, 100, MT_METRICS_BOOTSTRAP_RESAMPLES, MT_METRICS_BOOTSTRAP_SEED,
                         &low2, &high2);
  g_assert_cmpfloat (low, ==, low2);
  g_assert_cmpfloat (high, ==, high2);

  /* Skewed: 90 of 100 stays inside [0, 1] around 0.9. */
  mt_bootstrap_accuracy (90, 100, 1000, 7, &low, &high);
  g_assert_cmpfloat (low, <, 0.9);
  g_assert_cmpfloat (high, >, 0.9);
  g_assert_cmpfloat (high, <=, 1.0);
}

static char *
metrics_json (MtMetrics *metrics)
{
  g_autoptr(JsonNode) root = mt_metrics_to_json (metrics);

  return json_to_string (root, FALSE);
}

/* Bootstrap and all: the same lab gives the same bytes. */
static void
test_deterministic (void)
{
  g_autoptr(MtLab) lab = hand_built_lab ();
  g_autoptr(MtMetrics) first = analyse (lab);
  g_autoptr(MtMetrics) second = analyse (lab);
  g_autofree char *a = metrics_json (first);
  g_autofree char *b = metrics_json (second);
  MtAnalysisOptions options;
  g_autoptr(MtMetrics) single = NULL;
  g_autofree char *c = NULL;

  g_assert_cmpstr (a, ==, b);

  /* One thread or several: the same result. */
  mt_analysis_options_init (&options);
  options.n_threads = 1;
  single = mt_analysis_run (lab, &options, NULL, NULL);
  c = metrics_json (single);
  g_assert_cmpstr (a, ==, c);
}

static void
test_json (void)
{
  g_autoptr(MtLab) lab = hand_built_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(JsonNode) root = mt_metrics_to_json (metrics);
  JsonObject *object = json_node_get_object (root);
  JsonObject *model, *interrupt, *score;
  JsonArray *ci;

  g_assert_true (json_object_get_boolean_member (object, "complete"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "categories")),
                    ==, 3);

  model = json_array_get_object_element (json_object_get_array_member (object, "models"), 0);
  g_assert_cmpstr (json_object_get_string_member (model, "model"), ==, "m");
  g_assert_cmpint (json_object_get_int_member (model, "traces"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (model, "graded"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (model, "correct"), ==, 2);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (model, "accuracy"), 2.0 / 3.0,
                                  EPSILON);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (model, "reasoning_tokens_mean"),
                                  112.5, EPSILON);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (model, "answer_tokens_mean"),
                                  10.25, EPSILON);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (model, "markers"),
                                               "hesitation"), ==, 1);
  g_assert_true (json_object_has_member (json_object_get_object_member (model, "markers"),
                                         "update-doubt"));

  interrupt = json_array_get_object_element (json_object_get_array_member (object, "interrupts"),
                                             0);
  g_assert_cmpstr (json_object_get_string_member (interrupt, "kind"), ==, "hard");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (interrupt, "x"), 0.3, EPSILON);
  g_assert_cmpint (json_object_get_int_member (interrupt, "n"), ==, 2);
  ci = json_object_get_array_member (interrupt, "ci");
  g_assert_cmpuint (json_array_get_length (ci), ==, 2);
  g_assert_cmpfloat (json_array_get_double_element (ci, 1), ==, 1.0);
  /* Not judged for hard interrupts: null, not 0. */
  g_assert_true (json_object_get_null_member (interrupt, "panic_rate"));
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (interrupt, "length_ratio"),
                                  25.0 / 160.0, EPSILON);

  score = json_array_get_object_element (json_object_get_array_member (object, "scores"), 0);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (score, "interruptibility"), 0.75,
                                  EPSILON);
}

/* A lab of @n plain traces, each with one "Wait". */
static MtLab *
plain_lab (guint n)
{
  MtLab *lab = mt_lab_new ();

  add_problem (lab, "p", "42");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", i);

      add_trace (lab, id, "p", NULL, 0, 0, 0, mt_test_words ("Wait", 20), g_strdup ("\\boxed{42}"));
    }
  return lab;
}

typedef struct
{
  GMainLoop *loop;
  MtMetrics *metrics;
  GError    *error;
  guint      n_progress;
  guint      last_analysed;
  gboolean   finished;
} Waiter;

static void
progress_cb (MtMetrics *partial,
             gpointer   user_data)
{
  Waiter *waiter = user_data;

  g_assert_false (waiter->finished);
  g_assert_false (mt_metrics_is_complete (partial));
  g_assert_cmpuint (mt_metrics_get_n_analysed (partial), >=, waiter->last_analysed);
  g_assert_cmpuint (mt_metrics_get_n_analysed (partial), <=, mt_metrics_get_n_traces (partial));
  waiter->last_analysed = mt_metrics_get_n_analysed (partial);
  waiter->n_progress++;
}

static void
finished_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Waiter *waiter = user_data;

  waiter->metrics = mt_analysis_run_finish (MT_LAB (source), result, &waiter->error);
  waiter->finished = TRUE;
  g_main_loop_quit (waiter->loop);
}

static void
wait_for (Waiter *waiter)
{
  waiter->loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (waiter->loop);
  g_clear_pointer (&waiter->loop, g_main_loop_unref);
  /* Anything already queued runs now and must be dropped. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* In a thread, with partial results on the main context. */
static void
test_async (void)
{
  g_autoptr(MtLab) lab = plain_lab (100);
  g_autoptr(MtMetrics) sync = analyse (lab);
  g_autofree char *expected = metrics_json (sync);
  g_autofree char *got = NULL;
  MtAnalysisOptions options;
  Waiter waiter = { 0 };

  /* One thread and no pause between reports: one per chunk of traces. */
  mt_analysis_options_init (&options);
  options.n_threads = 1;
  options.progress_interval = 0;
  mt_analysis_run_async (lab, &options, NULL, progress_cb, &waiter, finished_cb, &waiter);
  wait_for (&waiter);

  g_assert_no_error (waiter.error);
  g_assert_cmpuint (waiter.n_progress, >=, 2);
  g_assert_cmpuint (waiter.last_analysed, ==, 100);
  g_assert_true (mt_metrics_is_complete (waiter.metrics));
  got = metrics_json (waiter.metrics);
  g_assert_cmpstr (got, ==, expected);
  g_clear_object (&waiter.metrics);

  /* Several threads, default reports. */
  memset (&waiter, 0, sizeof waiter);
  mt_analysis_run_async (lab, NULL, NULL, progress_cb, &waiter, finished_cb, &waiter);
  wait_for (&waiter);
  g_assert_no_error (waiter.error);
  g_clear_pointer (&got, g_free);
  got = metrics_json (waiter.metrics);
  g_assert_cmpstr (got, ==, expected);
  g_clear_object (&waiter.metrics);
}

/* The run sees the lab as it was when it started. */
static void
test_async_snapshot (void)
{
  g_autoptr(MtLab) lab = plain_lab (40);
  g_autoptr(MtMetrics) before = analyse (lab);
  g_autofree char *expected = metrics_json (before);
  g_autofree char *got = NULL;
  g_autoptr(MtTrace) first = g_list_model_get_item (mt_lab_get_traces (lab), 0);
  g_autoptr(MtTrace) late = mt_trace_new ("late");
  Waiter waiter = { 0 };

  mt_analysis_run_async (lab, NULL, NULL, NULL, NULL, finished_cb, &waiter);
  mt_trace_set_reasoning (first, "Hmm, hmm, hmm. Actually, wait.");
  mt_trace_set_answer (first, NULL);
  mt_trace_set_model (late, "late");
  mt_lab_add_trace (lab, late);
  wait_for (&waiter);

  g_assert_no_error (waiter.error);
  g_assert_cmpuint (mt_metrics_get_n_traces (waiter.metrics), ==, 40);
  g_assert_null (mt_metrics_lookup_model (waiter.metrics, "late"));
  got = metrics_json (waiter.metrics);
  g_assert_cmpstr (got, ==, expected);
  g_clear_object (&waiter.metrics);
}

static void
test_async_cancel (void)
{
  g_autoptr(MtLab) lab = plain_lab (200);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Waiter waiter = { 0 };

  g_cancellable_cancel (cancellable);
  mt_analysis_run_async (lab, NULL, cancellable, progress_cb, &waiter, finished_cb, &waiter);
  wait_for (&waiter);

  g_assert_error (waiter.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (waiter.metrics);
  g_clear_error (&waiter.error);

  /* The same for the blocking call. */
  g_assert_null (mt_analysis_run (lab, NULL, cancellable, &waiter.error));
  g_assert_error (waiter.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&waiter.error);
}

static void
test_empty_lab (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtMetrics) metrics = analyse (lab);

  g_assert_cmpuint (mt_metrics_get_n_models (metrics), ==, 0);
  g_assert_cmpuint (mt_metrics_get_n_interrupts (metrics), ==, 0);
  g_assert_cmpuint (mt_metrics_get_n_scores (metrics), ==, 0);
}

/* Smoke test on the paper's own output: an oracle and a branch per record. */
static void
test_paper_fixture (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("MT_TEST_DATA"), "paper-output.jsonl", NULL);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(MtMetrics) metrics = NULL;
  const MtInterruptMetrics *hard, *speedup;

  g_assert_true (mt_import_file (lab, path, NULL, report, NULL, NULL));
  metrics = analyse (lab);

  g_assert_cmpuint (mt_metrics_get_n_models (metrics), ==, 1);
  g_assert_cmpuint (mt_metrics_get_model (metrics, 0)->traces, ==, 2);
  g_assert_cmpuint (mt_metrics_get_model (metrics, 0)->branches, ==, 2);
  g_assert_cmpuint (mt_metrics_get_n_interrupts (metrics), ==, 2);
  g_assert_cmpuint (mt_metrics_get_n_scores (metrics), ==, 2);

  hard = mt_metrics_get_interrupt (metrics, 0);
  speedup = mt_metrics_get_interrupt (metrics, 1);
  g_assert_cmpint (hard->kind, ==, MT_INTERRUPT_HARD);
  g_assert_cmpint (speedup->kind, ==, MT_INTERRUPT_SPEEDUP);
  g_assert_cmpuint (hard->n, ==, 1);
  g_assert_cmpuint (speedup->n, ==, 1);
  g_assert_cmpfloat (hard->x, >, 0.0);
  g_assert_cmpfloat (hard->x, <, 1.0);
  g_assert_cmpfloat (hard->length_ratio, >, 0.0);
  g_assert_cmpfloat (hard->compute_ratio, <, 1.0);
  g_assert_cmpfloat (hard->leakage_rate, ==, 0.0);
  g_assert_true (isnan (hard->panic_rate));
  g_assert_cmpfloat (speedup->panic_rate, ==, 0.0);
  g_assert_true (isnan (speedup->leakage_rate));
  /* Accuracies agree with the grader's verdict on each branch. */
  for (guint i = 0; i < 2; i++)
    {
      const MtInterruptMetrics *g = mt_metrics_get_interrupt (metrics, i);

      g_assert_cmpuint (g->graded, ==, 1);
      g_assert_cmpfloat (g->accuracy, ==, g->correct);
      g_assert_cmpfloat (g->ci_low, ==, g->accuracy);
      g_assert_cmpfloat (g->ci_high, ==, g->accuracy);
    }
}

int
main (int   argc,
      char *argv[])
{
  /* Only the built-in marker categories, whatever the user has. */
  g_setenv ("XDG_CONFIG_HOME", "/nonexistent/midthought-test", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metrics/models", test_models);
  g_test_add_func ("/metrics/interrupts", test_interrupts);
  g_test_add_func ("/metrics/branches", test_branches);
  g_test_add_func ("/metrics/scores", test_scores);
  g_test_add_func ("/metrics/trapezoid", test_trapezoid);
  g_test_add_func ("/metrics/bootstrap", test_bootstrap);
  g_test_add_func ("/metrics/deterministic", test_deterministic);
  g_test_add_func ("/metrics/json", test_json);
  g_test_add_func ("/metrics/async", test_async);
  g_test_add_func ("/metrics/async-snapshot", test_async_snapshot);
  g_test_add_func ("/metrics/async-cancel", test_async_cancel);
  g_test_add_func ("/metrics/empty-lab", test_empty_lab);
  g_test_add_func ("/metrics/paper-fixture", test_paper_fixture);

  return g_test_run ();
}
