/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-diagnosis.h"
#include "mt-markers.h"
#include "mt-metrics.h"

G_BEGIN_DECLS

/* What the analysis needs to know about one trace, computed once (in a
 * worker thread for the whole lab, or on demand for one branch) so that
 * diagnoses and metrics never touch the texts again. */
typedef struct
{
  guint      reasoning_tokens;
  guint      answer_tokens;
  guint64    reasoning_chars;
  guint64    answer_chars;
  gint64     usage_reasoning;     /* recorded, or -1 */
  MtVerdict  verdict;
  char      *extracted;           /* the extracted final answer, or NULL */
  guint      n_categories;
  guint      n_bins;
  guint     *reasoning_counts;    /* per category */
  guint     *answer_counts;       /* per category */
  guint     *density;             /* n_categories x n_bins over the reasoning */
} MtTraceFacts;

/* Fills @facts from @trace's texts. @reasoning_spans and @answer_spans may
 * be NULL: tokens are then counted with the approximate tokenizer (the same
 * count mt_trace_get_n_reasoning_tokens() gives) without building spans,
 * and markers are placed by byte. Every match is appended to
 * @reasoning_matches and @answer_matches when they are given. Touches
 * nothing shared: safe in a worker as long as the trace is not changed. */
void     _mt_trace_facts_compute    (MtTraceFacts                *facts,
                                     MtTrace                     *trace,
                                     MtMarkerLexicon             *lexicon,
                                     MtTokenSpans                *reasoning_spans,
                                     MtTokenSpans                *answer_spans,
                                     guint                        n_bins,
                                     GArray                      *reasoning_matches,
                                     GArray                      *answer_matches);
void     _mt_trace_facts_clear      (MtTraceFacts                *facts);

/* The oracle's reasoning length T: the recorded usage when there is one
 * (the model's own count), else the counted tokens. */
guint    _mt_trace_facts_get_oracle_tokens (const MtTraceFacts *oracle,
                                            gboolean           *recorded);

/* The judgement behind mt_diagnose_branch(), on facts alone. @oracle may be
 * NULL; @grader names how answers compare (the problem's grader, or NULL).
 * Evidence arrays are left NULL. */
void     _mt_diagnose               (MtInterruptKind              kind,
                                     guint                        interrupt_token,
                                     const MtTraceFacts          *branch,
                                     const MtTraceFacts          *oracle,
                                     MtMarkerLexicon             *lexicon,
                                     const char                  *grader,
                                     const MtDiagnosisThresholds *thresholds,
                                     MtDiagnoses                 *diagnoses);

/* One trace as the metrics see it: its facts, where it sits in the forest
 * and, for a branch, its diagnoses. Indices point into the same array. */
typedef struct
{
  MtTrace            *trace;
  gboolean            is_branch;
  MtInterruptKind     kind;
  double              fraction;
  int                 oracle;          /* index of the oracle, -1 when unknown */
  guint               interrupt_token; /* k in the oracle's reasoning */
  MtTraceFacts        facts;
  gboolean            ready;           /* facts computed */
  gboolean            diagnosed;
  MtDiagnosisVerdict  leakage;
  MtDiagnosisVerdict  panic;
  MtDiagnosisVerdict  doubt;
  double              leakage_ratio;
} MtAnalysisItem;

/* Builds the metrics over the ready items of @items (diagnosing the
 * branches whose oracle is ready, once). @complete adds the bootstrap
 * intervals, which cost too much to redo for every progress report. */
MtMetrics *_mt_metrics_build        (MtAnalysisItem              *items,
                                     guint                        n_items,
                                     MtMarkerLexicon             *lexicon,
                                     const MtDiagnosisThresholds *thresholds,
                                     guint                        n_bins,
                                     gboolean                     complete);

G_END_DECLS
