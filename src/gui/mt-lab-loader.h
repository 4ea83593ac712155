/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-core.h"

G_BEGIN_DECLS

/* One file that could not be used at all. */
typedef struct
{
  GFile  *file;
  GError *error;
} MtLoadFailure;

/* What loading a set of files into one fresh lab gave. */
typedef struct
{
  MtLab     *lab;       /* NULL when no file could be used */
  GPtrArray *reports;   /* of MtLoadReport, one per file that loaded */
  GPtrArray *failures;  /* of MtLoadFailure, in the order given */
} MtLabLoad;

void       mt_lab_load_free             (MtLabLoad            *load);
/* Imports every one of @files into a new MtLab in a worker thread. The lab
 * is only handed to the caller once the worker is done with it, so it is
 * safe to use on the main thread from @callback on. */
void       mt_lab_load_async            (GFile               **files,
                                         guint                 n_files,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
/* Called on the main thread each time a batch of traces was added to
 * @lab, the lab that mt_lab_load_finish() will hand over. */
typedef void (*MtLabLoadProgressFunc) (MtLab    *lab,
                                       gpointer  user_data);

/* As mt_lab_load_async(), but a single file is read in batches: the lab is
 * made on the calling thread and batches are added to it there (the first
 * alone, then whatever arrived meanwhile, one items-changed each), then
 * @progress is called, so that the traces can be listed long before a big
 * file is read. Batches stop coming once
 * @cancellable is cancelled. Branches are joined to parents that came in a
 * later batch when the load finishes. Several files load as with
 * mt_lab_load_async(). */
void       mt_lab_load_async_full       (GFile               **files,
                                         guint                 n_files,
                                         MtLabLoadProgressFunc progress,
                                         gpointer              progress_data,
                                         GDestroyNotify        progress_data_free,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
/* Fails only when cancelled; files that could not be read are listed in
 * the result's failures. */
MtLabLoad *mt_lab_load_finish           (GAsyncResult         *result,
                                         GError              **error);
/* "Could not open “x”: reason" */
char      *mt_load_failure_describe     (const MtLoadFailure  *failure);
/* "Loaded N traces; M lines skipped (first: line 12: …)", or NULL when
 * nothing was skipped. */
char      *mt_lab_load_describe_skipped (const MtLabLoad      *load);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtLabLoad, mt_lab_load_free)

/* The paper's failure modes found in a branch (see mt-diagnosis.h). */
typedef enum
{
  MT_TRACE_FAILURE_LEAKAGE = 1 << 0,
  MT_TRACE_FAILURE_PANIC   = 1 << 1,
  MT_TRACE_FAILURE_DOUBT   = 1 << 2,
} MtTraceFailures;

/* What the sidebar shows and filters by, for one trace. */
typedef struct
{
  MtVerdict       verdict;
  MtTraceFailures failures;
  guint           reasoning_tokens;
  guint           answer_tokens;
} MtTraceJudgement;

/* Grades every one of @traces and diagnoses the branches among them in a
 * worker thread. Detached copies of the traces (and of the parents a
 * branch is judged against) are made here, on the calling thread, so the
 * lab may change meanwhile. @lexicon may be NULL for the built-in one,
 * @thresholds NULL for the defaults. */
void       mt_traces_judge_async        (MtTrace * const      *traces,
                                         guint                 n_traces,
                                         MtMarkerLexicon      *lexicon,
                                         const MtDiagnosisThresholds *thresholds,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
/* An array of MtTraceJudgement, one per trace in the order given; with
 * @search_texts, also what mt_trace_dup_search_text() gives for each. */
GArray    *mt_traces_judge_finish       (GAsyncResult         *result,
                                         GPtrArray           **search_texts,
                                         GError              **error);
/* Id, model, problem, prompt, reasoning and answer, case-folded, one per
 * line so that a match never spans two of them: what search looks in. */
char      *mt_trace_dup_search_text     (MtTrace              *trace);

G_END_DECLS
