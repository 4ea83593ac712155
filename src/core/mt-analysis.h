/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-diagnosis.h"
#include "mt-lab.h"
#include "mt-markers.h"
#include "mt-metrics.h"

G_BEGIN_DECLS

typedef struct
{
  MtMarkerLexicon       *lexicon;     /* NULL: built-ins and the user's categories */
  MtDiagnosisThresholds  thresholds;
  guint                  n_bins;      /* marker density slices (MT_METRICS_DEFAULT_BINS) */
  guint                  n_threads;   /* 0: one per processor, at most 8 */
  guint                  progress_interval;  /* milliseconds between progress reports (100) */
} MtAnalysisOptions;

/* Called on the main context every progress_interval with the metrics over
 * the traces analysed so far (without bootstrap intervals). */
typedef void (*MtAnalysisProgressFunc) (MtMetrics *partial,
                                        gpointer   user_data);

void       mt_analysis_options_init (MtAnalysisOptions        *options);

/* Grades, scans and diagnoses every trace of @lab and gathers the paper's
 * metrics. Traces are spread over worker threads; blocks until done. The
 * caller must keep every other thread off the lab's traces meanwhile (the
 * command line's case); @options may be NULL for the defaults. */
MtMetrics *mt_analysis_run          (MtLab                    *lab,
                                     const MtAnalysisOptions  *options,
                                     GCancellable             *cancellable,
                                     GError                  **error);

/* The same in the background, over a snapshot: the traces present now are
 * copied (texts, recorded token spans, interrupts; problems are shared) on
 * the calling thread, so the lab may change meanwhile, at the cost of
 * holding the texts twice until the run ends. @progress (may be NULL) and
 * @callback run on the thread-default main context of the caller; no
 * progress report comes after @callback. */
void       mt_analysis_run_async    (MtLab                    *lab,
                                     const MtAnalysisOptions  *options,
                                     GCancellable             *cancellable,
                                     MtAnalysisProgressFunc    progress,
                                     gpointer                  progress_data,
                                     GAsyncReadyCallback       callback,
                                     gpointer                  user_data);
MtMetrics *mt_analysis_run_finish   (MtLab                    *lab,
                                     GAsyncResult             *result,
                                     GError                  **error);

G_END_DECLS
