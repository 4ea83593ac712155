/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "mt-analysis-private.h"
#include "mt-analysis.h"

/* Traces per unit of work: small enough to balance two cores over a lab of
 * a few hundred traces, large enough that the pool's locking is noise. */
#define CHUNK_SIZE 32

typedef struct
{
  MtAnalysisItem        *items;
  guint                  n_items;
  GPtrArray             *traces;           /* what each item reads: the lab's or copies */
  GPtrArray             *reasoning_spans;  /* recorded spans, or NULL, per item */
  GPtrArray             *answer_spans;
  MtMarkerLexicon       *lexicon;
  MtDiagnosisThresholds  thresholds;
  guint                  n_bins;
  guint                  n_threads;
  gint64                 progress_interval;  /* microseconds */
  GCancellable          *cancellable;

  /* Workers report finished chunks here; only the thread that runs the
   * analysis marks items ready and reads their facts. */
  GMutex                 mutex;
  GCond                  cond;
  guint                  n_chunks;
  guint                  n_chunks_done;
  gboolean              *chunk_done;
  gboolean              *chunk_seen;

  GTask                 *task;             /* not owned; NULL when synchronous */
  MtAnalysisProgressFunc progress;
  gpointer               progress_data;
} Run;

void
mt_analysis_options_init (MtAnalysisOptions *options)
{
  g_return_if_fail (options != NULL);

  options->lexicon = NULL;
  mt_diagnosis_thresholds_init (&options->thresholds);
  options->n_bins = MT_METRICS_DEFAULT_BINS;
  options->n_threads = 0;
  options->progress_interval = 100;
}

static void
run_free (Run *run)
{
  for (guint i = 0; i < run->n_items; i++)
    _mt_trace_facts_clear (&run->items[i].facts);
  g_free (run->items);
  g_ptr_array_unref (run->traces);
  g_ptr_array_unref (run->reasoning_spans);
  g_ptr_array_unref (run->answer_spans);
  g_clear_object (&run->lexicon);
  g_clear_object (&run->cancellable);
  g_mutex_clear (&run->mutex);
  g_cond_clear (&run->cond);
  g_free (run->chunk_done);
  g_free (run->chunk_seen);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

/* A detached copy for a background run: nothing the worker reads can be
 * freed or rewritten by the thread that owns the lab. */
static MtTrace *
copy_trace (MtTrace *trace)
{
  MtTrace *copy;

  if (MT_IS_BRANCH (trace))
    copy = MT_TRACE (mt_branch_new (mt_trace_get_id (trace),
                                    mt_branch_get_parent_id (MT_BRANCH (trace)),
                                    mt_branch_get_interrupt (MT_BRANCH (trace))));
  else
    copy = mt_trace_new (mt_trace_get_id (trace));

  mt_trace_set_model (copy, mt_trace_get_model (trace));
  mt_trace_set_problem_id (copy, mt_trace_get_problem_id (trace));
  mt_trace_set_problem (copy, mt_trace_get_problem (trace));
  mt_trace_set_reasoning (copy, mt_trace_get_reasoning (trace));
  mt_trace_set_answer (copy, mt_trace_get_answer (trace));
  mt_trace_set_finish_reason (copy, mt_trace_get_finish_reason (trace));
  mt_trace_set_usage (copy, mt_trace_get_usage_prompt_tokens (trace),
                      mt_trace_get_usage_completion_tokens (trace),
                      mt_trace_get_usage_reasoning_tokens (trace));
  return copy;
}

static gpointer
ref_spans (MtTokenSpans *spans)
{
  return spans ? mt_token_spans_ref (spans) : NULL;
}

static void
unref_spans (gpointer spans)
{
  if (spans != NULL)
    mt_token_spans_unref (spans);
}

static Run *
run_new (MtLab                   *lab,
         const MtAnalysisOptions *options,
         GCancellable            *cancellable,
         gboolean                 copy)
{
  GListModel *traces = mt_lab_get_traces (lab);
  g_autoptr(GHashTable) index = g_hash_table_new (NULL, NULL);
  MtAnalysisOptions defaults;
  Run *run = g_new0 (Run, 1);

  if (options == NULL)
    {
      mt_analysis_options_init (&defaults);
      options = &defaults;
    }

  run->n_items = g_list_model_get_n_items (traces);
  run->items = g_new0 (MtAnalysisItem, run->n_items);
  run->traces = g_ptr_array_new_full (run->n_items, g_object_unref);
  run->reasoning_spans = g_ptr_array_new_full (run->n_items, unref_spans);
  run->answer_spans = g_ptr_array_new_full (run->n_items, unref_spans);
  run->lexicon = options->lexicon ? g_object_ref (options->lexicon)
                                  : mt_marker_lexicon_new_default (NULL);
  run->thresholds = options->thresholds;
  run->n_bins = options->n_bins;
  run->n_threads = options->n_threads ? options->n_threads
                                      : (guint) CLAMP (g_get_num_processors (), 1, 8);
  run->progress_interval = options->progress_interval * G_TIME_SPAN_MILLISECOND;
  run->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  g_mutex_init (&run->mutex);
  g_cond_init (&run->cond);
  run->n_chunks = (run->n_items + CHUNK_SIZE - 1) / CHUNK_SIZE;
  run->chunk_done = g_new0 (gboolean, run->n_chunks);
  run->chunk_seen = g_new0 (gboolean, run->n_chunks);

  for (guint i = 0; i < run->n_items; i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      MtAnalysisItem *item = &run->items[i];

      g_hash_table_insert (index, trace, GUINT_TO_POINTER (i + 1));
      g_ptr_array_add (run->traces, copy ? copy_trace (trace) : g_object_ref (trace));
      /* Only spans already there: estimating them here would cache an
       * estimate on every trace of the lab, and counting is cheaper. */
      g_ptr_array_add (run->reasoning_spans, ref_spans (mt_trace_peek_reasoning_spans (trace)));
      g_ptr_array_add (run->answer_spans, ref_spans (mt_trace_peek_answer_spans (trace)));

      item->trace = g_ptr_array_index (run->traces, i);
      item->oracle = -1;
      item->leakage_ratio = NAN;
      if (MT_IS_BRANCH (trace))
        {
          MtInterrupt *interrupt = mt_branch_get_interrupt (MT_BRANCH (trace));

          item->is_branch = TRUE;
          item->kind = mt_interrupt_get_kind (interrupt);
          item->fraction = mt_interrupt_get_fraction (interrupt);
        }
    }

  /* Oracles by index, once every trace has one. */
  for (guint i = 0; i < run->n_items; i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      MtTrace *oracle;
      guint k = 0;

      if (!MT_IS_BRANCH (trace))
        continue;
      oracle = mt_diagnosis_find_oracle (MT_BRANCH (trace), &k);
      run->items[i].interrupt_token = k;
      if (oracle != NULL)
        run->items[i].oracle = (int) GPOINTER_TO_UINT (g_hash_table_lookup (index, oracle)) - 1;
    }

  return run;
}

static void
compute_chunk (Run   *run,
               guint  chunk)
{
  guint end = MIN (run->n_items, (chunk + 1) * CHUNK_SIZE);

  for (guint i = chunk * CHUNK_SIZE; i < end; i++)
    {
      if (g_cancellable_is_cancelled (run->cancellable))
        break;
      _mt_trace_facts_compute (&run->items[i].facts, g_ptr_array_index (run->traces, i),
                               run->lexicon, g_ptr_array_index (run->reasoning_spans, i),
                               g_ptr_array_index (run->answer_spans, i), run->n_bins, NULL, NULL);
    }

  g_mutex_lock (&run->mutex);
  run->chunk_done[chunk] = TRUE;
  run->n_chunks_done++;
  g_cond_signal (&run->cond);
  g_mutex_unlock (&run->mutex);
}

static void
pool_func (gpointer data,
           gpointer user_data)
{
  compute_chunk (user_data, GPOINTER_TO_UINT (data) - 1);
}

/* Under the mutex: hands finished chunks' facts to this thread. */
static void
collect_done (Run *run)
{
  for (guint c = 0; c < run->n_chunks; c++)
    if (run->chunk_done[c] && !run->chunk_seen[c])
      {
        guint end = MIN (run->n_items, (c + 1) * CHUNK_SIZE);

        run->chunk_seen[c] = TRUE;
        for (guint i = c * CHUNK_SIZE; i < end; i++)
          run->items[i].ready = run->items[i].facts.reasoning_counts != NULL;
      }
}

typedef struct
{
  GTask     *task;
  Run       *run;
  MtMetrics *metrics;
} Progress;

static void
progress_free (Progress *progress)
{
  g_object_unref (progress->task);
  g_object_unref (progress->metrics);
  g_free (progress);
}

static gboolean
deliver_progress (gpointer data)
{
  Progress *progress = data;

  /* A report overtaken by the result is stale. */
  if (!g_task_get_completed (progress->task))
    progress->run->progress (progress->metrics, progress->run->progress_data);
  return G_SOURCE_REMOVE;
}

static void
report_progress (Run *run)
{
  Progress *progress;

  if (run->task == NULL || run->progress == NULL)
    return;

  progress = g_new0 (Progress, 1);
  progress->task = g_object_ref (run->task);
  progress->run = run;
  progress->metrics = _mt_metrics_build (run->items, run->n_items, run->lexicon,
                                         &run->thresholds, run->n_bins, FALSE);
  g_main_context_invoke_full (g_task_get_context (run->task), G_PRIORITY_DEFAULT,
                              deliver_progress, progress, (GDestroyNotify) progress_free);
}

static MtMetrics *
run_execute (Run     *run,
             GError **error)
{
  gint64 next_report = g_get_monotonic_time () + run->progress_interval;

  if (run->n_threads <= 1 || run->n_chunks <= 1)
    {
      for (guint c = 0; c < run->n_chunks; c++)
        {
          compute_chunk (run, c);
          g_mutex_lock (&run->mutex);
          collect_done (run);
          g_mutex_unlock (&run->mutex);
          if (g_get_monotonic_time () >= next_report)
            {
              report_progress (run);
              next_report = g_get_monotonic_time () + run->progress_interval;
            }
        }
    }
  else
    {
      GThreadPool *pool = g_thread_pool_new (pool_func, run, run->n_threads, FALSE, NULL);

      for (guint c = 0; c < run->n_chunks; c++)
        g_thread_pool_push (pool, GUINT_TO_POINTER (c + 1), NULL);

      g_mutex_lock (&run->mutex);
      while (run->n_chunks_done < run->n_chunks)
        if (!g_cond_wait_until (&run->cond, &run->mutex, next_report))
          {
            collect_done (run);
            g_mutex_unlock (&run->mutex);
            report_progress (run);
            next_report = g_get_monotonic_time () + run->progress_interval;
            g_mutex_lock (&run->mutex);
          }
      collect_done (run);
      g_mutex_unlock (&run->mutex);

      g_thread_pool_free (pool, FALSE, TRUE);
    }

  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return NULL;

  return _mt_metrics_build (run->items, run->n_items, run->lexicon, &run->thresholds,
                            run->n_bins, TRUE);
}

MtMetrics *
mt_analysis_run (MtLab                    *lab,
                 const MtAnalysisOptions  *options,
                 GCancellable             *cancellable,
                 GError                  **error)
{
  g_autoptr(Run) run = NULL;

  g_return_val_if_fail (MT_IS_LAB (lab), NULL);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  run = run_new (lab, options, cancellable, FALSE);
  return run_execute (run, error);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Run *run = task_data;
  GError *error = NULL;
  MtMetrics *metrics;

  run->task = task;
  metrics = run_execute (run, &error);
  if (metrics == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, metrics, g_object_unref);
}

void
mt_analysis_run_async (MtLab                   *lab,
                       const MtAnalysisOptions *options,
                       GCancellable            *cancellable,
                       MtAnalysisProgressFunc   progress,
                       gpointer                 progress_data,
                       GAsyncReadyCallback      callback,
                       gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  Run *run;

  g_return_if_fail (MT_IS_LAB (lab));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (lab, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_analysis_run_async);
  g_task_set_name (task, "[midthought] analysis");

  run = run_new (lab, options, cancellable, TRUE);
  run->progress = progress;
  run->progress_data = progress_data;
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  g_task_run_in_thread (task, run_thread);
}

MtMetrics *
mt_analysis_run_finish (MtLab         *lab,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (MT_IS_LAB (lab), NULL);
  g_return_val_if_fail (g_task_is_valid (result, lab), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mt_analysis_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
