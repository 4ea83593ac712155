/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-branch.h"
#include "mt-grade.h"
#include "mt-markers.h"

G_BEGIN_DECLS

/* The paper's failure modes, each judged on one branch against its oracle:
 * the root of its parent chain, the uninterrupted run. */
typedef enum
{
  MT_DIAGNOSIS_NOT_APPLICABLE,  /* the wrong kind of interrupt, or nothing to judge by */
  MT_DIAGNOSIS_NO,
  MT_DIAGNOSIS_YES,
} MtDiagnosisVerdict;

/* What counts as each failure. The defaults follow the paper; the GUI binds
 * these to GSettings. */
typedef struct
{
  /* Leakage: the answer is at least this many times the oracle's answer,
   * in tokens (default 2.0) ... */
  double leakage_min_ratio;
  /* ... or holds at least this many leakage markers (default 3). */
  guint  leakage_min_markers;
  /* Panic: reasoning after the interrupt is at most this fraction of the
   * oracle's remaining reasoning T - k (default 0.01, the paper's 1%). */
  double panic_max_fraction;
  /* Self-doubt: at least this many update-doubt markers after the update
   * (default 1). */
  guint  doubt_min_markers;
} MtDiagnosisThresholds;

/* Reasoning leakage, for hard and force-answer interrupts: the model keeps
 * thinking inside its answer. */
typedef struct
{
  MtDiagnosisVerdict  verdict;
  char               *explanation;
  guint               answer_tokens;
  guint               oracle_answer_tokens;
  guint64             answer_chars;
  guint64             oracle_answer_chars;
  double              token_ratio;   /* NAN when the oracle has no answer */
  double              char_ratio;
  guint               n_markers;
  GArray             *markers;       /* MtMarkerMatch: leakage markers in the branch's answer */
} MtLeakageDiagnosis;

/* Panic, for speedup interrupts: the model drops its reasoning and answers
 * wrongly where the oracle was right. */
typedef struct
{
  MtDiagnosisVerdict  verdict;
  char               *explanation;
  guint               oracle_reasoning_tokens;  /* T */
  gboolean            oracle_tokens_recorded;   /* T from recorded usage, not counted */
  guint               interrupt_token;          /* k, in the oracle's reasoning */
  guint               reasoning_after;          /* the branch's reasoning tokens */
  double              fraction;                 /* reasoning_after / (T - k); NAN when T <= k */
  MtVerdict           branch_verdict;
  MtVerdict           oracle_verdict;
} MtPanicDiagnosis;

/* Self-doubt, for update interrupts: the model distrusts the update and
 * sticks to the old problem or gets it wrong. */
typedef struct
{
  MtDiagnosisVerdict  verdict;
  char               *explanation;
  guint               n_markers;
  GArray             *reasoning_markers;  /* MtMarkerMatch: update-doubt in the reasoning */
  GArray             *answer_markers;     /* ... and in the answer */
  char               *answer;             /* the branch's extracted answer, or NULL */
  char               *pre_update_answer;  /* the oracle's, or NULL */
  gboolean            same_as_pre_update;
  MtVerdict           branch_verdict;
} MtDoubtDiagnosis;

typedef struct
{
  MtLeakageDiagnosis leakage;
  MtPanicDiagnosis   panic;
  MtDoubtDiagnosis   doubt;
} MtDiagnoses;

void         mt_diagnosis_thresholds_init       (MtDiagnosisThresholds       *thresholds);

/* The oracle of @branch (the first trace up its parent chain that is not a
 * branch) and, in @interrupt_token, where in the oracle's reasoning the
 * branch's prefix ends: the interrupts' token indices summed along the
 * chain, since each indexes its parent's own continuation. NULL while a
 * parent is not linked. */
MtTrace     *mt_diagnosis_find_oracle           (MtBranch                    *branch,
                                                 guint                       *interrupt_token);

/* Judges @branch on all three failure modes. Each comes back with its
 * verdict, its evidence and a one-line explanation, even when it does not
 * apply. @lexicon and @thresholds may be NULL for the defaults. Uses the
 * traces' token spans (estimating and caching them when none were
 * recorded), so call it from the thread that owns the lab. */
void         mt_diagnose_branch                 (MtBranch                    *branch,
                                                 MtMarkerLexicon             *lexicon,
                                                 const MtDiagnosisThresholds *thresholds,
                                                 MtDiagnoses                 *diagnoses);
void         mt_diagnoses_clear                 (MtDiagnoses                 *diagnoses);

const char  *mt_diagnosis_verdict_to_string     (MtDiagnosisVerdict           verdict);

/* Which failure mode applies to which interrupt kind. */
gboolean     mt_interrupt_kind_may_leak         (MtInterruptKind              kind);
gboolean     mt_interrupt_kind_may_panic        (MtInterruptKind              kind);
gboolean     mt_interrupt_kind_may_doubt        (MtInterruptKind              kind);

G_END_DECLS
