/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "mt-lab-loader.h"

/* Issue messages come from the file; keep toasts to one readable line. */
#define MAX_ISSUE_CHARS 80
/* Traces per batch when a single file is read in batches: the first batch
 * lists at once, and each later one is a single items-changed. */
#define LOAD_BATCH_SIZE 2000

typedef struct
{
  GPtrArray *problems;
  GPtrArray *traces;
} LoadBatch;

typedef struct
{
  GPtrArray             *files;
  /* Batched loading: the lab lives on the main thread; the worker queues
   * batches and one idle at a time adds them, in order. */
  MtLab                 *lab;
  MtLabLoadProgressFunc  progress;
  gpointer               progress_data;
  GDestroyNotify         progress_data_free;
  GMainContext          *context;
  GMutex                 mutex;
  GQueue                 pending;   /* LoadBatch */
  gboolean               idle_queued;
  guint                  n_delivered;
} LoadData;

static void
load_batch_free (LoadBatch *batch)
{
  g_clear_pointer (&batch->problems, g_ptr_array_unref);
  g_clear_pointer (&batch->traces, g_ptr_array_unref);
  g_free (batch);
}

static void
load_data_free (LoadData *data)
{
  g_clear_pointer (&data->files, g_ptr_array_unref);
  g_clear_object (&data->lab);
  if (data->progress_data_free != NULL)
    g_clear_pointer (&data->progress_data, data->progress_data_free);
  g_clear_pointer (&data->context, g_main_context_unref);
  g_queue_clear_full (&data->pending, (GDestroyNotify)load_batch_free);
  g_mutex_clear (&data->mutex);
  g_free (data);
}

/* On the main thread: adds the queued batches to the lab: the first alone,
 * so that it is listed before the load finishes whatever the timing, then
 * all that are waiting, or all with @all. Returns whether batches are
 * left. */
static gboolean
load_data_deliver (LoadData     *data,
                   GCancellable *cancellable,
                   gboolean      all)
{
  GQueue batches = G_QUEUE_INIT;
  gboolean added = FALSE;
  gboolean more;
  LoadBatch *batch;

  g_mutex_lock (&data->mutex);
  /* After the first batch, whatever piled up goes in together: one
   * items-changed rather than one per batch. */
  if (all || data->n_delivered > 0)
    {
      batches = data->pending;
      g_queue_init (&data->pending);
    }
  else if ((batch = g_queue_pop_head (&data->pending)))
    {
      g_queue_push_tail (&batches, batch);
    }
  more = !g_queue_is_empty (&data->pending);
  data->idle_queued = more;
  g_mutex_unlock (&data->mutex);

  if (!g_queue_is_empty (&batches) && !g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr(GPtrArray) problems = g_ptr_array_new ();
      g_autoptr(GPtrArray) traces = g_ptr_array_new ();
      g_autoptr(GPtrArray) rejected = g_ptr_array_new_with_free_func (g_object_unref);

      for (GList *l = batches.head; l != NULL; l = l->next)
        {
          batch = l->data;
          g_ptr_array_extend (problems, batch->problems, NULL, NULL);
          g_ptr_array_extend (traces, batch->traces, NULL, NULL);
        }
      mt_lab_add_all (data->lab, problems, traces, rejected);
      /* One file into a fresh lab: its ids are unique already. */
      g_warn_if_fail (rejected->len == 0);
      data->n_delivered++;
      added = TRUE;
    }
  g_queue_clear_full (&batches, (GDestroyNotify)load_batch_free);

  if (added && data->progress != NULL)
    data->progress (data->lab, data->progress_data);

  return more;
}

static gboolean
load_data_deliver_idle (gpointer user_data)
{
  GTask *task = user_data;

  if (load_data_deliver (g_task_get_task_data (task), g_task_get_cancellable (task), FALSE))
    return G_SOURCE_CONTINUE;

  return G_SOURCE_REMOVE;
}

/* In the worker: queues a batch for the main thread. */
static void
load_data_queue_batch (GPtrArray *problems,
                       GPtrArray *traces,
                       gpointer   user_data)
{
  GTask *task = user_data;
  LoadData *data = g_task_get_task_data (task);
  LoadBatch *batch = g_new0 (LoadBatch, 1);
  gboolean schedule;

  batch->problems = g_ptr_array_ref (problems);
  batch->traces = g_ptr_array_ref (traces);

  g_mutex_lock (&data->mutex);
  g_queue_push_tail (&data->pending, batch);
  schedule = !data->idle_queued;
  data->idle_queued = TRUE;
  g_mutex_unlock (&data->mutex);

  /* An idle on the main context, never g_main_context_invoke(): that runs
   * the function right here when no thread holds the context. */
  if (schedule)
    {
      g_autoptr(GSource) source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, load_data_deliver_idle, g_object_ref (task), g_object_unref);
      g_source_set_static_name (source, "[midthought] loaded batch");
      g_source_attach (source, data->context);
    }
}

static void
mt_load_failure_free (MtLoadFailure *failure)
{
  g_clear_object (&failure->file);
  g_clear_error (&failure->error);
  g_free (failure);
}

void
mt_lab_load_free (MtLabLoad *load)
{
  if (load == NULL)
    return;

  g_clear_object (&load->lab);
  g_clear_pointer (&load->reports, g_ptr_array_unref);
  g_clear_pointer (&load->failures, g_ptr_array_unref);
  g_free (load);
}

static void
mt_lab_load_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(MtLabLoad) load = g_new0 (MtLabLoad, 1);
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(GError) error = NULL;

  load->reports = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_load_report_free);
  load->failures = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_load_failure_free);

  for (guint i = 0; i < data->files->len; i++)
    {
      GFile *file = g_ptr_array_index (data->files, i);
      g_autofree char *path = g_file_get_path (file);
      g_autoptr(MtLoadReport) report = NULL;
      g_autoptr(GError) file_error = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      if (path == NULL)
        {
          g_set_error_literal (&file_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only files on this computer can be opened"));
        }
      else
        {
          gboolean ok;

          report = mt_load_report_new (path);
          if (data->lab != NULL)
            ok = mt_import_file_batched (path, NULL, LOAD_BATCH_SIZE, load_data_queue_batch, task,
                                         report, cancellable, &file_error);
          else
            ok = mt_import_file (lab, path, NULL, report, cancellable, &file_error);
          if (ok)
            {
              g_ptr_array_add (load->reports, g_steal_pointer (&report));
              continue;
            }
        }

      if (g_error_matches (file_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&file_error));
          return;
        }
      else
        {
          MtLoadFailure *failure = g_new0 (MtLoadFailure, 1);

          failure->file = g_object_ref (file);
          failure->error = g_steal_pointer (&file_error);
          g_ptr_array_add (load->failures, failure);
        }
    }

  /* Batched: the main thread's lab gets linked and handed over when the
   * load is finished. */
  if (load->reports->len > 0 && data->lab == NULL)
    {
      mt_lab_link (lab);

      /* Token counts are estimated on first use, each trace's when its row
       * is first shown (a few kilobytes each) or by the grading worker on
       * its own copy: estimating spans for every trace here would hold
       * back the list for seconds on a big file and keep four bytes per
       * token of every trace in memory. */
      load->lab = g_steal_pointer (&lab);
    }

  g_task_return_pointer (task, g_steal_pointer (&load), (GDestroyNotify)mt_lab_load_free);
}

void
mt_lab_load_async (GFile               **files,
                   guint                 n_files,
                   GCancellable         *cancellable,
                   GAsyncReadyCallback   callback,
                   gpointer              user_data)
{
  mt_lab_load_async_full (files, n_files, NULL, NULL, NULL, cancellable, callback, user_data);
}

void
mt_lab_load_async_full (GFile               **files,
                        guint                 n_files,
                        MtLabLoadProgressFunc progress,
                        gpointer              progress_data,
                        GDestroyNotify        progress_data_free,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (files != NULL || n_files == 0);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (LoadData, 1);
  data->files = g_ptr_array_new_full (n_files, g_object_unref);
  for (guint i = 0; i < n_files; i++)
    g_ptr_array_add (data->files, g_object_ref (files[i]));
  g_mutex_init (&data->mutex);
  g_queue_init (&data->pending);
  data->context = g_main_context_ref_thread_default ();
  data->progress = progress;
  data->progress_data = progress_data;
  data->progress_data_free = progress_data_free;
  /* Ids of one file are unique within it; several files need the worker's
   * lab to tell clashing ids apart, so they load in one go. */
  if (progress != NULL && n_files == 1)
    data->lab = mt_lab_new ();

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_lab_load_async);
  g_task_set_name (task, "[midthought] load lab");
  g_task_set_task_data (task, data, (GDestroyNotify)load_data_free);
  g_task_run_in_thread (task, mt_lab_load_worker);
}

MtLabLoad *
mt_lab_load_finish (GAsyncResult  *result,
                    GError       **error)
{
  LoadData *data;
  MtLabLoad *load;

  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mt_lab_load_async, NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (!(load = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;

  if (data->lab != NULL && load->reports->len > 0)
    {
      /* Batches the idle has not added yet come first. */
      load_data_deliver (data, g_task_get_cancellable (G_TASK (result)), TRUE);
      mt_lab_link (data->lab);
      load->lab = g_object_ref (data->lab);
    }

  return load;
}

static char *
describe_file (GFile *file)
{
  g_autoptr(GFileInfo) info = NULL;

  /* The display name is what the file chooser showed; fall back to the
   * base name for files that are already gone. */
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME,
                            G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info != NULL)
    return g_strdup (g_file_info_get_display_name (info));

  return g_file_get_basename (file);
}

char *
mt_load_failure_describe (const MtLoadFailure *failure)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (failure != NULL, NULL);

  name = describe_file (failure->file);

  /* Translators: the first %s is a file name, the second why it failed */
  return g_strdup_printf (_("Could not open “%s”: %s"), name,
                          failure->error != NULL ? failure->error->message : _("Unknown error"));
}

static char *
shorten (const char *text)
{
  g_autofree char *head = NULL;

  if (g_utf8_strlen (text, -1) <= MAX_ISSUE_CHARS)
    return g_strdup (text);

  head = g_utf8_substring (text, 0, MAX_ISSUE_CHARS - 1);
  return g_strconcat (head, "…", NULL);
}

char *
mt_lab_load_describe_skipped (const MtLabLoad *load)
{
  const MtLoadIssue *first = NULL;
  g_autofree char *loaded = NULL;
  g_autofree char *skipped = NULL;
  g_autofree char *where = NULL;
  g_autofree char *message = NULL;
  guint n_skipped = 0;
  guint n_traces;

  g_return_val_if_fail (load != NULL, NULL);

  for (guint i = 0; i < load->reports->len; i++)
    {
      const MtLoadReport *report = g_ptr_array_index (load->reports, i);

      n_skipped += report->n_skipped;
      if (first == NULL && report->issues != NULL && report->issues->len > 0)
        first = g_ptr_array_index (report->issues, 0);
    }

  if (n_skipped == 0)
    return NULL;

  n_traces = load->lab != NULL ? g_list_model_get_n_items (mt_lab_get_traces (load->lab)) : 0;
  loaded = g_strdup_printf (ngettext ("Loaded %u trace", "Loaded %u traces", n_traces),
                            n_traces);
  skipped = g_strdup_printf (ngettext ("%u line skipped", "%u lines skipped", n_skipped),
                             n_skipped);

  if (first == NULL)
    /* Translators: "Loaded 5 traces; 2 lines skipped" */
    return g_strdup_printf (C_("load summary", "%s; %s"), loaded, skipped);

  message = shorten (first->message != NULL ? first->message : "");
  if (first->line > 0)
    /* Translators: where a problem in a file is, then what it is */
    where = g_strdup_printf (_("line %u: %s"), first->line, message);
  else
    where = g_steal_pointer (&message);

  /* Translators: "Loaded 5 traces; 2 lines skipped (first: line 12: …)" */
  return g_strdup_printf (C_("load summary", "%s; %s (first: %s)"), loaded, skipped, where);
}

typedef struct
{
  GArray    *judgements;
  GPtrArray *search_texts;
} JudgeResult;

static void
judge_result_free (JudgeResult *result)
{
  g_clear_pointer (&result->judgements, g_array_unref);
  g_clear_pointer (&result->search_texts, g_ptr_array_unref);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JudgeResult, judge_result_free)

char *
mt_trace_dup_search_text (MtTrace *trace)
{
  g_autoptr(GString) str = NULL;
  const char *parts[5];
  MtProblem *problem;

  g_return_val_if_fail (MT_IS_TRACE (trace), NULL);

  problem = mt_trace_get_problem (trace);
  parts[0] = mt_trace_get_model (trace);
  parts[1] = mt_trace_get_problem_id (trace);
  parts[2] = mt_trace_get_prompt (trace) != NULL ? mt_trace_get_prompt (trace)
             : problem != NULL ? mt_problem_get_prompt (problem) : NULL;
  parts[3] = mt_trace_get_reasoning (trace);
  parts[4] = mt_trace_get_answer (trace);

  str = g_string_new (mt_trace_get_id (trace));
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      /* A newline keeps a match from spanning two fields. */
      g_string_append_c (str, '\n');
      if (parts[i] != NULL)
        g_string_append (str, parts[i]);
    }

  return g_utf8_casefold (str->str, str->len);
}

typedef struct
{
  GPtrArray       *copies;   /* MtTrace: a detached copy of each trace given */
  GHashTable      *all;      /* original -> copy, parents too: branches hold
                              * their parents weakly */
  MtMarkerLexicon *lexicon;
  MtDiagnosisThresholds thresholds;
} JudgeData;

static void
judge_data_free (JudgeData *data)
{
  g_clear_pointer (&data->copies, g_ptr_array_unref);
  g_clear_pointer (&data->all, g_hash_table_unref);
  g_clear_object (&data->lexicon);
  g_free (data);
}

/* A copy that shares nothing the lab's thread may free or rewrite: texts
 * are duplicated, recorded token spans are immutable and shared, and a
 * branch's parent chain is copied too (once per job, through @copies) so
 * its diagnosis can find the oracle. */
static MtTrace *
copy_trace (MtTrace    *trace,
            GHashTable *copies)
{
  MtTrace *copy;

  if ((copy = g_hash_table_lookup (copies, trace)))
    return copy;

  if (MT_IS_BRANCH (trace))
    {
      MtTrace *parent = mt_branch_get_parent (MT_BRANCH (trace));

      copy = MT_TRACE (mt_branch_new (mt_trace_get_id (trace),
                                      mt_branch_get_parent_id (MT_BRANCH (trace)),
                                      mt_branch_get_interrupt (MT_BRANCH (trace))));
      if (parent != NULL)
        mt_branch_set_parent (MT_BRANCH (copy), copy_trace (parent, copies));
    }
  else
    {
      copy = mt_trace_new (mt_trace_get_id (trace));
    }

  mt_trace_set_model (copy, mt_trace_get_model (trace));
  mt_trace_set_problem_id (copy, mt_trace_get_problem_id (trace));
  mt_trace_set_problem (copy, mt_trace_get_problem (trace));
  mt_trace_set_prompt (copy, mt_trace_get_prompt (trace));
  mt_trace_set_reasoning (copy, mt_trace_get_reasoning (trace));
  mt_trace_set_answer (copy, mt_trace_get_answer (trace));
  mt_trace_set_finish_reason (copy, mt_trace_get_finish_reason (trace));
  mt_trace_set_usage (copy, mt_trace_get_usage_prompt_tokens (trace),
                      mt_trace_get_usage_completion_tokens (trace),
                      mt_trace_get_usage_reasoning_tokens (trace));
  /* Only spans already there: estimating them here would do the worker's
   * job on the calling thread. */
  if (mt_trace_peek_reasoning_spans (trace) != NULL)
    mt_trace_set_reasoning_spans (copy, mt_trace_peek_reasoning_spans (trace));
  if (mt_trace_peek_answer_spans (trace) != NULL)
    mt_trace_set_answer_spans (copy, mt_trace_peek_answer_spans (trace));

  g_hash_table_insert (copies, trace, copy);

  return copy;
}

static void
mt_traces_judge_worker (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  JudgeData *data = task_data;
  g_autoptr(JudgeResult) result = g_new0 (JudgeResult, 1);
  GArray *judgements;

  judgements = g_array_sized_new (FALSE, TRUE, sizeof (MtTraceJudgement), data->copies->len);
  result->judgements = judgements;
  result->search_texts = g_ptr_array_new_full (data->copies->len, g_free);

  for (guint i = 0; i < data->copies->len; i++)
    {
      MtTrace *trace = g_ptr_array_index (data->copies, i);
      MtTraceJudgement judgement = { 0, };
      MtGrade grade;

      if (i % 64 == 0 && g_task_return_error_if_cancelled (task))
        return;

      /* Folding every text is the slow part of a first search: done here,
       * the search on the main thread only looks for the words. */
      g_ptr_array_add (result->search_texts, mt_trace_dup_search_text (trace));

      mt_grade_trace (trace, &grade);
      judgement.verdict = grade.verdict;
      mt_grade_clear (&grade);
      judgement.reasoning_tokens = mt_trace_get_n_reasoning_tokens (trace);
      judgement.answer_tokens = mt_trace_get_n_answer_tokens (trace);

      if (MT_IS_BRANCH (trace) && mt_branch_get_interrupt (MT_BRANCH (trace)) != NULL)
        {
          MtDiagnoses diagnoses;

          mt_diagnose_branch (MT_BRANCH (trace), data->lexicon, &data->thresholds, &diagnoses);
          if (diagnoses.leakage.verdict == MT_DIAGNOSIS_YES)
            judgement.failures |= MT_TRACE_FAILURE_LEAKAGE;
          if (diagnoses.panic.verdict == MT_DIAGNOSIS_YES)
            judgement.failures |= MT_TRACE_FAILURE_PANIC;
          if (diagnoses.doubt.verdict == MT_DIAGNOSIS_YES)
            judgement.failures |= MT_TRACE_FAILURE_DOUBT;
          mt_diagnoses_clear (&diagnoses);
        }

      g_array_append_val (judgements, judgement);
    }

  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify)judge_result_free);
}

void
mt_traces_judge_async (MtTrace * const      *traces,
                       guint                 n_traces,
                       MtMarkerLexicon      *lexicon,
                       const MtDiagnosisThresholds *thresholds,
                       GCancellable         *cancellable,
                       GAsyncReadyCallback   callback,
                       gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  JudgeData *data;

  g_return_if_fail (traces != NULL || n_traces == 0);
  g_return_if_fail (!lexicon || MT_IS_MARKER_LEXICON (lexicon));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (JudgeData, 1);
  data->all = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  data->copies = g_ptr_array_new_full (n_traces, g_object_unref);
  for (guint i = 0; i < n_traces; i++)
    g_ptr_array_add (data->copies, g_object_ref (copy_trace (traces[i], data->all)));
  data->lexicon = lexicon != NULL ? g_object_ref (lexicon) : NULL;
  if (thresholds != NULL)
    data->thresholds = *thresholds;
  else
    mt_diagnosis_thresholds_init (&data->thresholds);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_traces_judge_async);
  g_task_set_name (task, "[midthought] judge traces");
  g_task_set_task_data (task, data, (GDestroyNotify)judge_data_free);
  g_task_run_in_thread (task, mt_traces_judge_worker);
}

GArray *
mt_traces_judge_finish (GAsyncResult  *result,
                        GPtrArray    **search_texts,
                        GError       **error)
{
  g_autoptr(JudgeResult) judged = NULL;

  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mt_traces_judge_async, NULL);

  if (!(judged = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;

  if (search_texts != NULL)
    *search_texts = g_steal_pointer (&judged->search_texts);

  return g_steal_pointer (&judged->judgements);
}
