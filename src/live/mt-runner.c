/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "mt-runner.h"

struct _MtRunner
{
  GObject           parent_instance;

  MtClient         *client;
  MtFamily         *family;
  char             *model;
  MtLab            *lab;
  MtLabWriter      *writer;
  MtSampling        sampling;
  MtCompletionMode  mode;
  guint             flush_interval;
  /* Runs started, to give each its own phase of the flush interval. */
  guint             n_runs_started;
};

G_DEFINE_FINAL_TYPE (MtRunner, mt_runner, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_FAMILY,
  PROP_MODEL,
  PROP_MODE,
  PROP_LAB,
  PROP_WRITER,
  PROP_FLUSH_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  STARTED,
  DELTA,
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One run: the trace it fills and the text streamed so far. */
typedef struct
{
  MtTrace             *trace;
  MtCompletionRequest *request;
  MtClient            *client;
  /* How to split the streamed text: whether it starts inside the thinking
   * block the prompt left open. */
  MtThinkFlags         think_flags;
  GString             *text[MT_DELTA_N_KINDS];
  GArray              *starts[MT_DELTA_N_KINDS];
  GArray              *arrivals[MT_DELTA_N_KINDS]; /* gint64, monotonic µs */
  gint64               start_time;                 /* when the request went out */
  GSource             *flush_source;
  gint64               flush_period;               /* µs */
  gboolean             dirty;
} Run;

static void
run_free (gpointer data)
{
  Run *run = data;

  if (run->flush_source != NULL)
    {
      g_source_destroy (run->flush_source);
      g_clear_pointer (&run->flush_source, g_source_unref);
    }
  g_clear_object (&run->trace);
  g_clear_object (&run->client);
  g_clear_pointer (&run->request, mt_completion_request_free);
  for (guint i = 0; i < MT_DELTA_N_KINDS; i++)
    {
      if (run->text[i] != NULL)
        g_string_free (run->text[i], TRUE);
      g_clear_pointer (&run->starts[i], g_array_unref);
      g_clear_pointer (&run->arrivals[i], g_array_unref);
    }
  g_free (run);
}

void
mt_run_options_init (MtRunOptions *options)
{
  g_return_if_fail (options != NULL);

  options->id = NULL;
  options->seed = -1;
  options->max_tokens = -1;
}

/* ------------------------------------------------------------------------ */
/* Object                                                                    */
/* ------------------------------------------------------------------------ */

static void
mt_runner_dispose (GObject *object)
{
  MtRunner *self = (MtRunner *)object;

  g_clear_object (&self->client);
  g_clear_object (&self->family);
  g_clear_object (&self->lab);
  g_clear_object (&self->writer);

  G_OBJECT_CLASS (mt_runner_parent_class)->dispose (object);
}

static void
mt_runner_finalize (GObject *object)
{
  MtRunner *self = (MtRunner *)object;

  g_clear_pointer (&self->model, g_free);

  G_OBJECT_CLASS (mt_runner_parent_class)->finalize (object);
}

static void
mt_runner_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  MtRunner *self = MT_RUNNER (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;

    case PROP_FAMILY:
      g_value_set_object (value, self->family);
      break;

    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;

    case PROP_MODE:
      g_value_set_uint (value, self->mode);
      break;

    case PROP_LAB:
      g_value_set_object (value, self->lab);
      break;

    case PROP_WRITER:
      g_value_set_object (value, self->writer);
      break;

    case PROP_FLUSH_INTERVAL:
      g_value_set_uint (value, self->flush_interval);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_runner_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  MtRunner *self = MT_RUNNER (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;

    case PROP_FAMILY:
      self->family = g_value_dup_object (value);
      break;

    case PROP_MODEL:
      self->model = g_value_dup_string (value);
      break;

    case PROP_MODE:
      mt_runner_set_mode (self, g_value_get_uint (value));
      break;

    case PROP_LAB:
      mt_runner_set_lab (self, g_value_get_object (value));
      break;

    case PROP_WRITER:
      mt_runner_set_writer (self, g_value_get_object (value));
      break;

    case PROP_FLUSH_INTERVAL:
      mt_runner_set_flush_interval (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_runner_constructed (GObject *object)
{
  MtRunner *self = (MtRunner *)object;

  G_OBJECT_CLASS (mt_runner_parent_class)->constructed (object);

  g_assert (self->family != NULL);
  self->sampling = *mt_family_get_sampling (self->family);
}

static void
mt_runner_class_init (MtRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = mt_runner_dispose;
  object_class->finalize = mt_runner_finalize;
  object_class->get_property = mt_runner_get_property;
  object_class->set_property = mt_runner_set_property;
  object_class->constructed = mt_runner_constructed;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, MT_TYPE_CLIENT, construct);
  properties[PROP_FAMILY] =
    g_param_spec_object ("family", NULL, NULL, MT_TYPE_FAMILY, construct);
  properties[PROP_MODEL] =
    g_param_spec_string ("model", NULL, NULL, NULL, construct);
  properties[PROP_MODE] =
    g_param_spec_uint ("mode", NULL, NULL,
                       MT_COMPLETION_MODE_COMPLETIONS, MT_COMPLETION_MODE_CHAT,
                       MT_COMPLETION_MODE_COMPLETIONS, flags);
  properties[PROP_LAB] =
    g_param_spec_object ("lab", NULL, NULL, MT_TYPE_LAB, flags);
  properties[PROP_WRITER] =
    g_param_spec_object ("writer", NULL, NULL, MT_TYPE_LAB_WRITER, flags);
  properties[PROP_FLUSH_INTERVAL] =
    g_param_spec_uint ("flush-interval", NULL, NULL, 1, G_MAXUINT,
                       MT_RUNNER_DEFAULT_FLUSH_INTERVAL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MtRunner::started:
   * @trace: the run's trace, already in the lab, still empty
   */
  signals[STARTED] =
    g_signal_new ("started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, MT_TYPE_TRACE);

  /**
   * MtRunner::delta:
   * @trace: the run's trace
   * @kind: an #MtDeltaKind
   * @text: the text that arrived
   *
   * Emitted for every piece of text as it arrives. The trace's own text is
   * brought up to date at each flush, and at the end.
   */
  signals[DELTA] =
    g_signal_new ("delta", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, MT_TYPE_TRACE, G_TYPE_UINT,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * MtRunner::finished:
   * @trace: the run's trace, with its finish reason
   *
   * Emitted when a run ends, however it ends, after its last record was
   * written.
   */
  signals[FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, MT_TYPE_TRACE);
}

static void
mt_runner_init (MtRunner *self)
{
  self->flush_interval = MT_RUNNER_DEFAULT_FLUSH_INTERVAL;
  mt_sampling_init (&self->sampling);
}

/**
 * mt_runner_new:
 * @client: the server to run on
 * @family: how to write prompts for @model
 * @model: the model name as the server knows it
 *
 * Returns: (transfer full): a new runner
 */
MtRunner *
mt_runner_new (MtClient   *client,
               MtFamily   *family,
               const char *model)
{
  g_return_val_if_fail (MT_IS_CLIENT (client), NULL);
  g_return_val_if_fail (MT_IS_FAMILY (family), NULL);
  g_return_val_if_fail (model != NULL, NULL);

  return g_object_new (MT_TYPE_RUNNER,
                       "client", client,
                       "family", family,
                       "model", model,
                       NULL);
}

MtClient *
mt_runner_get_client (MtRunner *self)
{
  g_return_val_if_fail (MT_IS_RUNNER (self), NULL);
  return self->client;
}

MtFamily *
mt_runner_get_family (MtRunner *self)
{
  g_return_val_if_fail (MT_IS_RUNNER (self), NULL);
  return self->family;
}

const char *
mt_runner_get_model (MtRunner *self)
{
  g_return_val_if_fail (MT_IS_RUNNER (self), NULL);
  return self->model;
}

MtCompletionMode
mt_runner_get_mode (MtRunner *self)
{
  g_return_val_if_fail (MT_IS_RUNNER (self), MT_COMPLETION_MODE_COMPLETIONS);
  return self->mode;
}

void
mt_runner_set_mode (MtRunner         *self,
                    MtCompletionMode  mode)
{
  g_return_if_fail (MT_IS_RUNNER (self));
  g_return_if_fail (mode <= MT_COMPLETION_MODE_CHAT);

  if (self->mode == mode)
    return;

  self->mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

MtLab *
mt_runner_get_lab (MtRunner *self)
{
  g_return_val_if_fail (MT_IS_RUNNER (self), NULL);
  return self->lab;
}

void
mt_runner_set_lab (MtRunner *self,
                   MtLab    *lab)
{
  g_return_if_fail (MT_IS_RUNNER (self));
  g_return_if_fail (!lab || MT_IS_LAB (lab));

  if (g_set_object (&self->lab, lab))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAB]);
}

MtLabWriter *
mt_runner_get_writer (MtRunner *self)
{
  g_return_val_if_fail (MT_IS_RUNNER (self), NULL);
  return self->writer;
}

void
mt_runner_set_writer (MtRunner    *self,
                      MtLabWriter *writer)
{
  g_return_if_fail (MT_IS_RUNNER (self));
  g_return_if_fail (!writer || MT_IS_LAB_WRITER (writer));

  if (g_set_object (&self->writer, writer))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WRITER]);
}

guint
mt_runner_get_flush_interval (MtRunner *self)
{
  g_return_val_if_fail (MT_IS_RUNNER (self), 0);
  return self->flush_interval;
}

/**
 * mt_runner_set_flush_interval:
 * @self: a runner
 * @flush_interval: in milliseconds, at least 1
 *
 * Applies to runs started afterwards.
 */
void
mt_runner_set_flush_interval (MtRunner *self,
                              guint     flush_interval)
{
  g_return_if_fail (MT_IS_RUNNER (self));
  g_return_if_fail (flush_interval > 0);

  if (self->flush_interval == flush_interval)
    return;

  self->flush_interval = flush_interval;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLUSH_INTERVAL]);
}

const MtSampling *
mt_runner_get_sampling (MtRunner *self)
{
  g_return_val_if_fail (MT_IS_RUNNER (self), NULL);
  return &self->sampling;
}

void
mt_runner_set_sampling (MtRunner         *self,
                        const MtSampling *sampling)
{
  g_return_if_fail (MT_IS_RUNNER (self));
  g_return_if_fail (sampling != NULL);

  self->sampling = *sampling;
}

/* ------------------------------------------------------------------------ */
/* From streamed text to a trace                                             */
/* ------------------------------------------------------------------------ */

/* Which tokens of a stream overlap bytes [@begin, @end) of its text: the
 * first is the one holding @begin; returns how many, 0 for none. */
static guint
find_slice (const guint32 *starts,
            guint          n_starts,
            gsize          begin,
            gsize          end,
            guint         *first)
{
  guint n = 1;

  *first = 0;
  if (begin >= end || n_starts == 0 || end - begin > G_MAXUINT32)
    return 0;

  while (*first + 1 < n_starts && starts[*first + 1] <= begin)
    (*first)++;
  while (*first + n < n_starts && starts[*first + n] < end)
    n++;

  return n;
}

/* The tokens of a stream that overlap bytes [@begin, @end) of its text, as
 * spans over that range alone; the first may begin before @begin (a tag
 * and a word in one token) and is cut there. */
static MtTokenSpans *
slice_spans (const guint32 *starts,
             guint          n_starts,
             gsize          begin,
             gsize          end)
{
  g_autoptr(GArray) sliced = NULL;
  guint first;
  guint32 zero = 0;

  if (find_slice (starts, n_starts, begin, end, &first) == 0)
    return NULL;

  sliced = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_val (sliced, zero);
  for (guint i = first + 1; i < n_starts && starts[i] < end; i++)
    {
      guint32 start = (guint32) (starts[i] - begin);

      g_array_append_val (sliced, start);
    }

  return mt_token_spans_new (MT_TOKEN_SOURCE_STREAM, (const guint32 *) (gpointer) sliced->data,
                             sliced->len, (guint32) (end - begin));
}

/* Where @part, a piece the splitter cut out of @text and trimmed, lies in
 * it at or after @from; -1 when it is not one piece of @text (several
 * thinking blocks joined), and then its tokens are left to the estimate. */
static gssize
find_piece (const char *text,
            gsize       len,
            gsize       from,
            const char *part)
{
  gsize part_len = strlen (part);
  const char *found;

  if (part_len == 0 || from > len)
    return -1;

  found = g_strstr_len (text + from, len - from, part);
  return found != NULL ? found - text : -1;
}

/* Appends when the tokens of that slice arrived, in whole milliseconds
 * after @start_time: finer would only record the network's jitter. */
static void
slice_times (const guint32 *starts,
             const gint64  *arrivals,
             guint          n_starts,
             gsize          begin,
             gsize          end,
             gint64         start_time,
             GArray        *times)
{
  guint first;
  guint n = find_slice (starts, n_starts, begin, end, &first);

  for (guint i = first; i < first + n; i++)
    {
      double ms = floor ((double) (arrivals[i] - start_time) / 1000.0);

      ms = MAX (ms, 0.0);
      g_array_append_val (times, ms);
    }
}

static void
set_text_and_spans (MtTrace       *trace,
                    const char    *reasoning,
                    MtTokenSpans  *reasoning_spans,
                    const char    *answer,
                    MtTokenSpans  *answer_spans)
{
  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_reasoning_spans (trace, reasoning_spans);
  mt_trace_set_answer (trace, answer);
  mt_trace_set_answer_spans (trace, answer_spans);
}

/* Fills @run's trace from the streamed text of each kind and its token
 * starts. A server that streams reasoning apart (chat) has done the split;
 * otherwise the content is split at the family's tags. @extra_note (an
 * error) is added to the split's note. */
static void
apply_text (Run           *run,
            const char    *texts[MT_DELTA_N_KINDS],
            const guint32 *starts[MT_DELTA_N_KINDS],
            const gint64  *arrivals[MT_DELTA_N_KINDS],
            const guint    n_starts[MT_DELTA_N_KINDS],
            gint64         start_time,
            const char    *extra_note)
{
  const char *content = texts[MT_DELTA_CONTENT];
  gsize content_len = strlen (content);
  g_autoptr(MtTokenSpans) reasoning_spans = NULL;
  g_autoptr(MtTokenSpans) answer_spans = NULL;
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *note = NULL;
  gboolean timed;
  MtThinkStyle style;

  if (texts[MT_DELTA_REASONING][0] != '\0')
    {
      const char *reasoning = texts[MT_DELTA_REASONING];

      reasoning_spans = slice_spans (starts[MT_DELTA_REASONING], n_starts[MT_DELTA_REASONING],
                                     0, strlen (reasoning));
      answer_spans = slice_spans (starts[MT_DELTA_CONTENT], n_starts[MT_DELTA_CONTENT],
                                  0, content_len);
      set_text_and_spans (run->trace, reasoning, reasoning_spans, content, answer_spans);
      slice_times (starts[MT_DELTA_REASONING], arrivals[MT_DELTA_REASONING],
                   n_starts[MT_DELTA_REASONING], 0, strlen (reasoning), start_time, times);
      slice_times (starts[MT_DELTA_CONTENT], arrivals[MT_DELTA_CONTENT],
                   n_starts[MT_DELTA_CONTENT], 0, content_len, start_time, times);
      timed = TRUE;
      note = g_strdup (_("reasoning and answer as the server streamed them apart"));
      style = MT_THINK_STYLE_FIELD;
    }
  else
    {
      g_autoptr(MtThinkSplit) split = mt_think_split (content, content_len, run->think_flags);
      gssize reasoning_at = find_piece (content, content_len, 0, split->reasoning);
      gsize answer_from = reasoning_at >= 0 ? reasoning_at + strlen (split->reasoning) : 0;
      gssize answer_at = find_piece (content, content_len, answer_from, split->answer);

      if (reasoning_at >= 0)
        reasoning_spans = slice_spans (starts[MT_DELTA_CONTENT], n_starts[MT_DELTA_CONTENT],
                                       reasoning_at, reasoning_at + strlen (split->reasoning));
      if (answer_at >= 0)
        answer_spans = slice_spans (starts[MT_DELTA_CONTENT], n_starts[MT_DELTA_CONTENT],
                                    answer_at, answer_at + strlen (split->answer));
      set_text_and_spans (run->trace, split->reasoning, reasoning_spans,
                          split->answer, answer_spans);
      /* Times go with streamed tokens only, not with an estimate. */
      timed = (reasoning_at >= 0 || *split->reasoning == '\0') &&
              (answer_at >= 0 || *split->answer == '\0');
      if (timed && reasoning_at >= 0)
        slice_times (starts[MT_DELTA_CONTENT], arrivals[MT_DELTA_CONTENT],
                     n_starts[MT_DELTA_CONTENT], reasoning_at,
                     reasoning_at + strlen (split->reasoning), start_time, times);
      if (timed && answer_at >= 0)
        slice_times (starts[MT_DELTA_CONTENT], arrivals[MT_DELTA_CONTENT],
                     n_starts[MT_DELTA_CONTENT], answer_at,
                     answer_at + strlen (split->answer), start_time, times);
      note = g_steal_pointer (&split->note);
      style = split->style;
    }

  if (extra_note != NULL)
    {
      char *joined = g_strconcat (note, "; ", extra_note, NULL);

      g_free (note);
      note = joined;
    }
  mt_trace_set_split (run->trace, style, note);

  /* A server that interleaves reasoning and content deltas gives times
   * that go back and forth in this order: then there are none to keep. */
  if (timed && times->len > 0 &&
      times->len == mt_trace_get_n_reasoning_tokens (run->trace) +
                    mt_trace_get_n_answer_tokens (run->trace) &&
      mt_token_times_validate ((const double *) (gpointer) times->data, times->len, NULL))
    {
      g_autoptr(MtTokenTimes) token_times =
        mt_token_times_new ((const double *) (gpointer) times->data, times->len);

      mt_trace_set_token_times (run->trace, token_times);
    }
}

static void
apply_streamed (Run *run)
{
  const char *texts[MT_DELTA_N_KINDS];
  const guint32 *starts[MT_DELTA_N_KINDS];
  const gint64 *arrivals[MT_DELTA_N_KINDS];
  guint n_starts[MT_DELTA_N_KINDS];

  for (guint i = 0; i < MT_DELTA_N_KINDS; i++)
    {
      texts[i] = run->text[i]->str;
      starts[i] = (const guint32 *) (gpointer) run->starts[i]->data;
      arrivals[i] = (const gint64 *) (gpointer) run->arrivals[i]->data;
      n_starts[i] = run->starts[i]->len;
    }

  apply_text (run, texts, starts, arrivals, n_starts, run->start_time, NULL);
}

static void
apply_completion (Run          *run,
                  MtCompletion *completion,
                  const char   *extra_note)
{
  g_autofree guint32 *reasoning_starts = NULL;
  g_autofree guint32 *content_starts = NULL;
  const char *texts[MT_DELTA_N_KINDS];
  const guint32 *starts[MT_DELTA_N_KINDS];
  const gint64 *arrivals[MT_DELTA_N_KINDS];
  guint n_starts[MT_DELTA_N_KINDS];

  for (guint i = 0; i < MT_DELTA_N_KINDS; i++)
    {
      g_autoptr(MtTokenSpans) spans = mt_completion_dup_spans (completion, i);
      guint n = mt_token_spans_get_n_tokens (spans);
      guint32 *copy = g_new (guint32, MAX (n, 1));

      for (guint t = 0; t < n; t++)
        mt_token_spans_get_span (spans, t, &copy[t], NULL);

      if (i == MT_DELTA_REASONING)
        reasoning_starts = copy;
      else
        content_starts = copy;
      texts[i] = mt_completion_get_text (completion, i);
      starts[i] = copy;
      arrivals[i] = mt_completion_get_arrival_times (completion, i, NULL);
      n_starts[i] = n;
    }

  apply_text (run, texts, starts, arrivals, n_starts,
              mt_completion_get_start_time (completion), extra_note);
}

/* ------------------------------------------------------------------------ */
/* Running                                                                   */
/* ------------------------------------------------------------------------ */

static void
write_snapshot (MtRunner *self,
                Run      *run)
{
  g_autoptr(GError) error = NULL;

  if (self->writer == NULL)
    return;

  /* The final record is what matters; a lost snapshot only widens the
   * window a crash could cut, and the next flush tries again. */
  if (!mt_lab_writer_append_partial (self->writer, run->trace, &error))
    g_debug ("Could not write a snapshot of %s: %s", mt_trace_get_id (run->trace),
             error->message);
}

/* A source that runs at the ready time its callback sets: unlike a
 * timeout, whose next expiration counts from when it was dispatched, it
 * keeps each run's phase, so that runs spread over the interval stay
 * spread even after the main loop was late for several of them. */
static gboolean
flush_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs flush_source_funcs = {
  NULL, NULL, flush_source_dispatch, NULL, NULL, NULL,
};

static gboolean
run_flush_cb (gpointer user_data)
{
  GTask *task = user_data;
  MtRunner *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  gint64 now = g_source_get_time (run->flush_source);
  gint64 next = g_source_get_ready_time (run->flush_source) + run->flush_period;

  /* Late by more than a period: the next one in this run's phase. */
  if (next <= now)
    next += ((now - next) / run->flush_period + 1) * run->flush_period;
  g_source_set_ready_time (run->flush_source, next);

  if (run->dirty)
    {
      run->dirty = FALSE;
      apply_streamed (run);
      write_snapshot (self, run);
    }

  return G_SOURCE_CONTINUE;
}

/* Runs started together would all flush in the same turn of the main
 * loop, each serializing all its text so far: 64 streams made a turn of
 * tens of milliseconds every second. Each run starts at its own phase of
 * the interval instead, the golden ratio's multiples spreading any number
 * of them evenly, and keeps it. */
static void
run_start_flushing (MtRunner *self,
                    GTask    *task,
                    Run      *run)
{
  double phase = fmod (++self->n_runs_started * 0.6180339887498949, 1.0);

  run->flush_period = (gint64) self->flush_interval * 1000;
  run->flush_source = g_source_new (&flush_source_funcs, sizeof (GSource));
  g_source_set_static_name (run->flush_source, "[midthought] runner flush");
  g_source_set_callback (run->flush_source, run_flush_cb, task, NULL);
  g_source_set_ready_time (run->flush_source,
                           g_get_monotonic_time () + (gint64) (phase * run->flush_period) + 1);
  g_source_attach (run->flush_source, g_task_get_context (task));
}

static void
run_delta_cb (MtDeltaKind  kind,
              const char  *text,
              gint64       arrival_time,
              gpointer     user_data)
{
  GTask *task = user_data;
  MtRunner *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  guint32 start;

  if (*text == '\0' || kind >= MT_DELTA_N_KINDS)
    return;

  start = (guint32) run->text[kind]->len;
  g_string_append (run->text[kind], text);
  g_array_append_val (run->starts[kind], start);
  g_array_append_val (run->arrivals[kind], arrival_time);
  run->dirty = TRUE;

  g_signal_emit (self, signals[DELTA], 0, run->trace, (guint) kind, text);
}

static void
run_complete_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) write_error = NULL;
  MtRunner *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  g_autofree char *error_note = NULL;
  gboolean ok;

  ok = mt_client_complete_finish (MT_CLIENT (object), result, &completion, &error);

  if (run->flush_source != NULL)
    {
      g_source_destroy (run->flush_source);
      g_clear_pointer (&run->flush_source, g_source_unref);
    }

  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    error_note = g_strdup_printf (_("stopped by an error: %s"), error->message);

  if (completion != NULL)
    {
      apply_completion (run, completion, error_note);
      mt_trace_set_usage (run->trace,
                          mt_completion_get_usage_prompt_tokens (completion),
                          mt_completion_get_usage_completion_tokens (completion),
                          mt_completion_get_usage_reasoning_tokens (completion));
    }
  else
    {
      /* Nothing arrived, or the client kept nothing: what the deltas gave
       * is all there is. */
      run->dirty = FALSE;
      apply_streamed (run);
      if (error_note != NULL)
        {
          const char *note = mt_trace_get_split_note (run->trace);
          g_autofree char *joined = g_strconcat (note != NULL ? note : "",
                                                 note != NULL ? "; " : "", error_note, NULL);

          mt_trace_set_split (run->trace, mt_trace_get_split_style (run->trace), joined);
        }
    }

  if (ok)
    mt_trace_set_finish_reason (run->trace, completion != NULL
                                              ? mt_completion_get_finish_reason (completion)
                                              : MT_FINISH_UNKNOWN);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    mt_trace_set_finish_reason (run->trace, MT_FINISH_CANCELLED);
  else
    mt_trace_set_finish_reason (run->trace, MT_FINISH_ERROR);

  /* A finish reason the server did not name would read as "still
   * streaming" to the next load: it ended, so it stopped. */
  if (mt_trace_get_finish_reason (run->trace) == MT_FINISH_UNKNOWN)
    mt_trace_set_finish_reason (run->trace, MT_FINISH_STOP);

  if (self->writer != NULL &&
      !mt_lab_writer_append_trace (self->writer, run->trace, &write_error) &&
      ok)
    {
      ok = FALSE;
      g_clear_error (&error);
      error = g_steal_pointer (&write_error);
    }

  g_signal_emit (self, signals[FINISHED], 0, run->trace);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static char *
make_id (MtRunner   *self,
         const char *prefix)
{
  g_autofree char *uuid = NULL;

  if (self->lab != NULL)
    return mt_lab_make_id (self->lab, prefix);

  uuid = g_uuid_string_random ();
  return g_strdup_printf ("%s-%s", prefix, uuid);
}

/* Fills the trace's common fields, adds it to the lab, writes its first
 * snapshot and sends the request. Takes @task. */
static void
start_run (MtRunner     *self,
           GTask        *task,
           Run          *run,
           GCancellable *cancellable)
{
  MtCompletionRequest *request = run->request;

  mt_trace_set_model (run->trace, self->model);
  mt_trace_set_family (run->trace, mt_family_get_name (self->family));
  mt_trace_set_sampling (run->trace, &request->sampling);
  mt_trace_set_created (run->trace, g_get_real_time ());

  for (guint i = 0; i < MT_DELTA_N_KINDS; i++)
    {
      run->text[i] = g_string_new (NULL);
      run->starts[i] = g_array_new (FALSE, FALSE, sizeof (guint32));
      run->arrivals[i] = g_array_new (FALSE, FALSE, sizeof (gint64));
    }

  if (self->lab != NULL && !mt_lab_add_trace (self->lab, run->trace))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                               _("The lab already has a trace “%s”"), mt_trace_get_id (run->trace));
      /* Not this run's trace to hand back: it never ran. */
      g_clear_object (&run->trace);
      g_object_unref (task);
      return;
    }

  write_snapshot (self, run);
  g_signal_emit (self, signals[STARTED], 0, run->trace);

  run_start_flushing (self, task, run);

  /* Snapshots time tokens from here; the final record from the moment the
   * client sent its last attempt. */
  run->start_time = g_get_monotonic_time ();
  mt_client_complete_async (run->client, request, cancellable, run_delta_cb, task,
                            run_complete_cb, task);
}

static MtCompletionRequest *
new_request (MtRunner           *self,
             const MtRunOptions *options)
{
  MtCompletionRequest *request = mt_completion_request_new (self->mode, self->model);
  const char *end_of_answer = mt_family_get_end_of_answer (self->family);

  request->sampling = self->sampling;
  if (options->seed >= 0)
    request->sampling.seed = options->seed;
  if (options->max_tokens >= 0)
    request->sampling.max_tokens = options->max_tokens;

  /* Servers stop at the end-of-turn token anyway; saying so also covers
   * one that treats it as text. */
  if (self->mode == MT_COMPLETION_MODE_COMPLETIONS && end_of_answer != NULL &&
      *end_of_answer != '\0')
    {
      const char *stop[] = { end_of_answer, NULL };

      request->stop = g_strdupv ((char **) stop);
    }

  return request;
}

static void
add_chat_messages (MtRunner            *self,
                   MtCompletionRequest *request,
                   const char          *system,
                   MtProblem           *problem)
{
  g_autofree char *user = mt_family_format_problem (self->family,
                                                    mt_problem_get_domain (problem),
                                                    mt_problem_get_prompt (problem));

  if (system != NULL && *system != '\0')
    mt_completion_request_add_message (request, "system", system);
  mt_completion_request_add_message (request, "user", user);
}

void
mt_runner_run_oracle_async (MtRunner            *self,
                            MtProblem           *problem,
                            MtInterruptKind      scenario,
                            const MtRunOptions  *options,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *id = NULL;
  g_autofree char *prompt = NULL;
  MtRunOptions defaults;
  const char *system;
  Run *run;

  g_return_if_fail (MT_IS_RUNNER (self));
  g_return_if_fail (MT_IS_PROBLEM (problem));
  g_return_if_fail (scenario <= MT_INTERRUPT_CUSTOM);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  if (options == NULL)
    {
      mt_run_options_init (&defaults);
      options = &defaults;
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_runner_run_oracle_async);
  /* A run that ended before the cancel reports how it ended; its record
   * says so too. */
  g_task_set_check_cancellable (task, FALSE);

  if (mt_problem_get_prompt (problem) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Problem “%s” has no text to send"), mt_problem_get_id (problem));
      return;
    }

  system = mt_interrupt_system_prompt (scenario, MT_INTERRUPT_ROLE_ASSISTANT);
  prompt = mt_family_format_prompt (self->family, system, mt_problem_get_prompt (problem),
                                    mt_problem_get_domain (problem), NULL);
  id = options->id != NULL ? g_strdup (options->id) : make_id (self, "oracle");

  run = g_new0 (Run, 1);
  g_task_set_task_data (task, run, run_free);
  run->client = g_object_ref (self->client);
  run->trace = mt_trace_new (id);
  run->request = new_request (self, options);
  run->think_flags = mt_family_prompt_opens_thinking (self->family, prompt)
                       ? MT_THINK_FLAGS_STARTS_INSIDE : MT_THINK_FLAGS_NONE;

  if (self->mode == MT_COMPLETION_MODE_CHAT)
    add_chat_messages (self, run->request, system, problem);
  else
    run->request->prompt = g_strdup (prompt);

  mt_trace_set_problem_id (run->trace, mt_problem_get_id (problem));
  mt_trace_set_problem (run->trace, problem);
  /* In chat mode the server applies its own template; the family's
   * rendering of the same turns stands for it. */
  mt_trace_set_prompt (run->trace, prompt);

  start_run (self, g_steal_pointer (&task), run, cancellable);
}

static gboolean
run_finish (MtRunner      *self,
            GAsyncResult  *result,
            gpointer       source_tag,
            MtTrace      **trace,
            GError       **error)
{
  Run *run = g_task_get_task_data (G_TASK (result));

  g_assert (g_task_get_source_tag (G_TASK (result)) == source_tag);

  if (trace != NULL)
    *trace = run != NULL && run->trace != NULL ? g_object_ref (run->trace) : NULL;

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
mt_runner_run_oracle_finish (MtRunner      *self,
                             GAsyncResult  *result,
                             MtTrace      **trace,
                             GError       **error)
{
  g_return_val_if_fail (MT_IS_RUNNER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mt_runner_run_oracle_async,
                        FALSE);

  return run_finish (self, result, mt_runner_run_oracle_async, trace, error);
}

/* Whether the injected text leaves the thinking block closed: it closes it
 * after it last opened it (hard, force-answer, NoThinking, the user-turn
 * forms), so what follows is an answer unless the model opens a new one. */
static gboolean
closes_thinking (MtFamily   *family,
                 const char *injected)
{
  const char *open = mt_family_get_think_open (family);
  const char *close = mt_family_get_think_close (family);
  const char *last_open = NULL;
  const char *last_close = NULL;

  for (const char *p = injected; open != NULL && *open != '\0' && (p = strstr (p, open)) != NULL;
       p++)
    last_open = p;
  for (const char *p = injected; close != NULL && *close != '\0' && (p = strstr (p, close)) != NULL;
       p++)
    last_close = p;

  return last_close != NULL && (last_open == NULL || last_close > last_open);
}

static MtProblem *
find_problem (MtRunner *self,
              MtTrace  *trace)
{
  MtProblem *problem = mt_trace_get_problem (trace);

  if (problem == NULL && self->lab != NULL && mt_trace_get_problem_id (trace) != NULL)
    problem = mt_lab_lookup_problem (self->lab, mt_trace_get_problem_id (trace));

  return problem;
}

void
mt_runner_run_branch_async (MtRunner               *self,
                            MtTrace                *parent,
                            MtInterruptKind         kind,
                            MtInterruptRole         role,
                            const MtRenderPosition *position,
                            const char             *text,
                            const MtRunOptions     *options,
                            GCancellable           *cancellable,
                            GAsyncReadyCallback     callback,
                            gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(MtRendered) rendered = NULL;
  g_autoptr(MtInterrupt) interrupt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  MtRenderInput input = { 0, };
  MtRunOptions defaults;
  MtProblem *problem;
  MtDomain domain;
  MtBranch *branch;
  Run *run;

  g_return_if_fail (MT_IS_RUNNER (self));
  g_return_if_fail (MT_IS_TRACE (parent));
  g_return_if_fail (kind <= MT_INTERRUPT_CUSTOM);
  g_return_if_fail (role <= MT_INTERRUPT_ROLE_USER);
  g_return_if_fail (position != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  if (options == NULL)
    {
      mt_run_options_init (&defaults);
      options = &defaults;
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_runner_run_branch_async);
  /* A run that ended before the cancel reports how it ended; its record
   * says so too. */
  g_task_set_check_cancellable (task, FALSE);

  problem = find_problem (self, parent);
  domain = problem != NULL ? mt_problem_get_domain (problem) : MT_DOMAIN_OTHER;

  if (self->mode == MT_COMPLETION_MODE_CHAT && role == MT_INTERRUPT_ROLE_USER)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("An interrupt in the user's voice needs completions mode: chat "
                                 "mode can only continue the assistant's own turn"));
      return;
    }

  input.reasoning = mt_trace_get_reasoning (parent) != NULL ? mt_trace_get_reasoning (parent) : "";
  input.spans = mt_trace_peek_reasoning_spans (parent);
  input.position = *position;
  input.problem = problem != NULL ? mt_problem_get_prompt (problem) : NULL;
  /* The paper continues the oracle's own prompt. Chat mode sends the
   * turns again instead, so the prompt is rebuilt from them. */
  if (self->mode == MT_COMPLETION_MODE_COMPLETIONS)
    input.oracle_prompt = mt_trace_get_prompt (parent);

  if (input.oracle_prompt == NULL && input.problem == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Trace “%s” has neither its prompt nor a problem to rebuild it "
                                 "from"), mt_trace_get_id (parent));
      return;
    }

  rendered = mt_render_interrupt (self->family, &input, kind, role, text, domain, &error);
  if (rendered == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  interrupt = mt_rendered_create_interrupt (rendered, kind == MT_INTERRUPT_UPDATE ||
                                                     kind == MT_INTERRUPT_GUIDED_UPDATE ||
                                                     kind == MT_INTERRUPT_UPDATE_SPEEDUP
                                                       ? text : NULL);
  id = options->id != NULL ? g_strdup (options->id) : make_id (self, "branch");
  branch = mt_branch_new (id, mt_trace_get_id (parent), interrupt);
  mt_branch_set_parent (branch, parent);

  run = g_new0 (Run, 1);
  g_task_set_task_data (task, run, run_free);
  run->client = g_object_ref (self->client);
  run->trace = MT_TRACE (branch);
  run->request = new_request (self, options);
  run->think_flags = closes_thinking (self->family, rendered->injected)
                       ? MT_THINK_FLAGS_NONE : MT_THINK_FLAGS_STARTS_INSIDE;

  /* s1 budget forcing: the model is stopped where it would close its
   * thinking, so that the caller can force another round. */
  if (kind == MT_INTERRUPT_BUDGET_WAIT)
    {
      const char *end = mt_family_get_end_of_thinking (self->family);
      guint n = run->request->stop != NULL ? g_strv_length (run->request->stop) : 0;

      run->request->stop = g_renew (char *, run->request->stop, n + 2);
      run->request->stop[n] = g_strdup (end);
      run->request->stop[n + 1] = NULL;
    }

  if (self->mode == MT_COMPLETION_MODE_CHAT)
    {
      add_chat_messages (self, run->request, mt_interrupt_system_prompt (kind, role), problem);
      run->request->prefill = g_strdup (rendered->prompt + rendered->prompt_end);
    }
  else
    run->request->prompt = g_strdup (rendered->prompt);

  mt_trace_set_problem_id (run->trace, mt_trace_get_problem_id (parent));
  if (problem != NULL)
    mt_trace_set_problem (run->trace, problem);
  mt_trace_set_prompt (run->trace, rendered->prompt);

  start_run (self, g_steal_pointer (&task), run, cancellable);
}

gboolean
mt_runner_run_branch_finish (MtRunner      *self,
                             GAsyncResult  *result,
                             MtBranch     **branch,
                             GError       **error)
{
  g_return_val_if_fail (MT_IS_RUNNER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mt_runner_run_branch_async,
                        FALSE);

  return run_finish (self, result, mt_runner_run_branch_async, (MtTrace **) branch, error);
}
