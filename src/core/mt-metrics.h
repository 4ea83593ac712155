/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "mt-diagnosis.h"
#include "mt-enums.h"
#include "mt-grade.h"
#include "mt-markers.h"

G_BEGIN_DECLS

/* The bootstrap behind every accuracy interval: fixed, so the same lab
 * always gives the same bands. */
#define MT_METRICS_BOOTSTRAP_RESAMPLES 1000
#define MT_METRICS_BOOTSTRAP_SEED      2510117
/* Slices of the normalized reasoning position for marker density. */
#define MT_METRICS_DEFAULT_BINS        20

/* One model's uninterrupted runs. Accuracy is Pass@1 over the traces with
 * a ground truth ("graded"); one without a findable answer counts as
 * wrong. Token counts are the recorded spans' or the approximate
 * tokenizer's (mt_trace_get_n_reasoning_tokens()). Means are NAN over no
 * traces. */
typedef struct
{
  const char   *model;
  guint         traces;        /* not branches */
  guint         branches;
  guint         graded;
  guint         correct;
  double        accuracy;
  double        reasoning_tokens_mean;
  double        answer_tokens_mean;
  double        reasoning_chars_mean;
  double        answer_chars_mean;
  const guint  *markers;       /* per lexicon category, counted in the category's scope */
  const double *density;       /* n_categories x n_bins: markers per trace in each slice of
                                * the reasoning, every category */
} MtModelMetrics;

/* The branches of one model made by one kind of interrupt at one position.
 * Ratios to the oracle are ratios of sums over the branches (so a short
 * oracle does not dominate), except leakage_ratio_mean, the mean of each
 * branch's own answer ratio as the leakage diagnosis measures it. T is the
 * oracle's reasoning length, from recorded usage when there is one, and k
 * where the interrupt cut it. */
typedef struct
{
  const char      *model;
  MtInterruptKind  kind;
  double           x;                  /* the interrupt's fraction X, rounded to 0.01 */
  guint            n;
  guint            graded;
  guint            correct;
  double           accuracy;           /* A_i(X) */
  double           ci_low;             /* bootstrap 95% interval of A_i(X); */
  double           ci_high;            /* NAN in partial results */
  double           oracle_accuracy;    /* over these branches' oracles */
  double           length_tokens_mean; /* L_i(X): the branch's reasoning + answer */
  double           length_chars_mean;
  double           length_ratio;       /* L / (T - k + the oracle's answer), tokens */
  double           answer_ratio;       /* answer / the oracle's answer, tokens */
  double           compute_ratio;      /* (k + L) / (T + the oracle's answer), tokens */
  double           panic_rate;         /* among branches where each could be judged; */
  double           doubt_rate;         /* NAN where none could */
  double           leakage_rate;
  double           leakage_ratio_mean;
  const guint     *markers;            /* per lexicon category, counted in its scope */
  const double    *density;            /* n_categories x n_bins: markers per branch in each
                                        * slice of the branch's own reasoning */
} MtInterruptMetrics;

/* One diagnosed branch, as the charts need it to filter by dataset, to draw
 * distributions and to lead from a point back to the branches behind it.
 * Branches come in the order of the lab. */
typedef struct
{
  const char         *id;
  const char         *model;
  const char         *dataset;              /* the problem's source, or NULL */
  const char         *oracle_id;            /* NULL when the oracle is not in the lab */
  MtInterruptKind     kind;
  double              x;                    /* rounded to 0.01, as in its group */
  guint               interrupt;            /* index of its MtInterruptMetrics */
  MtVerdict           verdict;
  MtVerdict           oracle_verdict;       /* MT_VERDICT_UNGRADED without an oracle */
  MtDiagnosisVerdict  leakage;
  MtDiagnosisVerdict  panic;
  MtDiagnosisVerdict  doubt;
  guint               length_tokens;        /* reasoning + answer after the interrupt */
  guint64             length_chars;
  guint               answer_tokens;
  guint               oracle_answer_tokens;
  guint               oracle_rest_tokens;   /* T - k + the oracle's answer; 0 without one */
  double              leakage_ratio;        /* the leakage diagnosis's answer ratio, or NAN */
} MtBranchMetrics;

/* How well one model withstands one kind of interrupt: the area under
 * A_i(X) / A_oracle over X in [0, 1] (see mt_interruptibility_score()).
 * 1 means interrupting costs nothing anywhere. */
typedef struct
{
  const char      *model;
  MtInterruptKind  kind;
  guint            n_positions;
  double           oracle_accuracy;    /* over the oracles of all these branches */
  double           interruptibility;   /* NAN when the oracle accuracy is 0 or unknown */
} MtInterruptibility;

#define MT_TYPE_METRICS (mt_metrics_get_type ())

G_DECLARE_FINAL_TYPE (MtMetrics, mt_metrics, MT, METRICS, GObject)

/* The result of mt_analysis_run(): immutable once handed out. Models come
 * in the order their first trace appears in the lab; interrupts by model,
 * kind and X; scores by model and kind. */
MtMarkerLexicon          *mt_metrics_get_lexicon       (MtMetrics     *self);
guint                     mt_metrics_get_n_bins        (MtMetrics     *self);
/* FALSE for the partial results of a progress report. */
gboolean                  mt_metrics_is_complete       (MtMetrics     *self);
guint                     mt_metrics_get_n_analysed    (MtMetrics     *self);
guint                     mt_metrics_get_n_traces      (MtMetrics     *self);
guint                     mt_metrics_get_n_models      (MtMetrics     *self);
const MtModelMetrics     *mt_metrics_get_model         (MtMetrics     *self,
                                                        guint          index);
/* The metrics of @model, or NULL. */
const MtModelMetrics     *mt_metrics_lookup_model      (MtMetrics     *self,
                                                        const char    *model);
guint                     mt_metrics_get_n_interrupts  (MtMetrics     *self);
const MtInterruptMetrics *mt_metrics_get_interrupt     (MtMetrics     *self,
                                                        guint          index);
guint                     mt_metrics_get_n_branches    (MtMetrics     *self);
const MtBranchMetrics    *mt_metrics_get_branch        (MtMetrics     *self,
                                                        guint          index);
guint                     mt_metrics_get_n_scores      (MtMetrics     *self);
const MtInterruptibility *mt_metrics_get_score         (MtMetrics     *self,
                                                        guint          index);
/* Everything as one JSON object, NAN as null. */
JsonNode                 *mt_metrics_to_json           (MtMetrics     *self);

/* The percentile bootstrap of an accuracy: @resamples resamples of the @n
 * outcomes with replacement, drawn from a GRand seeded with @seed; @low and
 * @high are the nearest-rank 2.5th and 97.5th percentiles of the resampled
 * accuracies (ranks ceil(0.025 B) and ceil(0.975 B)). NAN for n = 0. */
void                      mt_bootstrap_accuracy        (guint          correct,
                                                        guint          n,
                                                        guint          resamples,
                                                        guint32        seed,
                                                        double        *low,
                                                        double        *high);

/* The area under the curve through (x[i], y[i]) over [0, 1] by the
 * trapezoid rule. The curve is extended flat from the first measured X
 * down to 0 and from the last up to 1, so a sweep at the paper's
 * X = 0.1 ... 0.9 still covers the whole range and one point gives its own
 * height. Points are sorted by X; those outside [0, 1] or with a NAN
 * height are left out. NAN when no point is left. */
double                    mt_interruptibility_score    (const double  *x,
                                                        const double  *y,
                                                        guint          n);

G_END_DECLS
