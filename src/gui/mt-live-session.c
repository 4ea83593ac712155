/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "mt-live-session.h"
#include "mt-secrets.h"

/* How often the streamed text reaches the traces the window shows, in ms.
 * The window repaints on its frame clock, so this only bounds the delay. */
#define VIEW_FLUSH_INTERVAL 50

/* How often a streaming trace is snapshotted to the lab file, in ms, by
 * the window and by its sweeps' runners: a crash loses this much of a
 * stream, plus however late a busy main loop gets to it. Half of the
 * second users are promised leaves room for that (the kill loop measured
 * 1.17 s at a whole second). */
#define SNAPSHOT_MS 500
#define SNAPSHOT_BUDGET_US 2000

/* How often a sweep's progress is read, in ms. */
#define SWEEP_TICK_INTERVAL 250

/* ------------------------------------------------------------------------ */
/* MtServerConfig                                                           */
/* ------------------------------------------------------------------------ */

G_DEFINE_BOXED_TYPE (MtServerConfig, mt_server_config, mt_server_config_copy,
                     mt_server_config_free)

MtServerConfig *
mt_server_config_new (void)
{
  MtServerConfig *self = g_new0 (MtServerConfig, 1);

  self->mode = MT_COMPLETION_MODE_COMPLETIONS;
  self->max_tokens = -1;
  return self;
}

MtServerConfig *
mt_server_config_copy (const MtServerConfig *self)
{
  MtServerConfig *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = mt_server_config_new ();
  copy->name = g_strdup (self->name);
  copy->url = g_strdup (self->url);
  copy->model = g_strdup (self->model);
  copy->mode = self->mode;
  copy->family = g_strdup (self->family);
  copy->max_tokens = self->max_tokens;
  return copy;
}

void
mt_server_config_free (MtServerConfig *self)
{
  if (self == NULL)
    return;

  g_free (self->name);
  g_free (self->url);
  g_free (self->model);
  g_free (self->family);
  g_free (self);
}

MtServerConfig *
mt_server_config_parse (const char  *entry,
                        GError     **error)
{
  g_autoptr(MtServerConfig) self = NULL;
  g_auto(GStrv) fields = NULL;
  guint n_fields;

  g_return_val_if_fail (entry != NULL, NULL);

  fields = g_strsplit (entry, "|", -1);
  n_fields = g_strv_length (fields);
  if (n_fields < 4 || n_fields > 6)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Saved server “%s” is not “name|url|model|mode”: remove it in Preferences and add it again"),
                   entry);
      return NULL;
    }

  self = mt_server_config_new ();
  self->name = g_strdup (fields[0]);
  self->url = g_strdup (fields[1]);
  self->model = g_strdup (fields[2]);

  if (g_str_equal (fields[3], "chat"))
    self->mode = MT_COMPLETION_MODE_CHAT;
  else if (g_str_equal (fields[3], "completions") || fields[3][0] == '\0')
    self->mode = MT_COMPLETION_MODE_COMPLETIONS;
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Saved server “%s” has the unknown mode “%s”: choose completions or chat in Preferences"),
                   fields[0], fields[3]);
      return NULL;
    }

  if (n_fields > 4 && fields[4][0] != '\0')
    self->family = g_strdup (fields[4]);

  if (n_fields > 5 && fields[5][0] != '\0')
    {
      guint64 max_tokens;

      if (!g_ascii_string_to_unsigned (fields[5], 10, 1, G_MAXINT32, &max_tokens, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Saved server “%s” has the token limit “%s”, which is not a whole number from 1 up"),
                       fields[0], fields[5]);
          return NULL;
        }
      self->max_tokens = (gint64)max_tokens;
    }

  if (self->url[0] == '\0' || self->model[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Saved server “%s” lacks a URL or a model: edit it in Preferences"),
                   fields[0]);
      return NULL;
    }

  return g_steal_pointer (&self);
}

static gboolean
check_field (const char  *value,
             const char  *missing,
             const char  *has_bar,
             GError     **error)
{
  if (missing != NULL && (value == NULL || *value == '\0'))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, missing);
      return FALSE;
    }

  if (value != NULL && strchr (value, '|') != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, has_bar);
      return FALSE;
    }

  return TRUE;
}

char *
mt_server_config_to_string (const MtServerConfig  *self,
                            GError               **error)
{
  g_autofree char *max_tokens = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (!check_field (self->name, _("Give the server a name"),
                    _("The server’s name cannot contain “|”"), error)
      || !check_field (self->url, _("Enter the server’s URL"),
                       _("The server’s URL cannot contain “|”"), error)
      || !check_field (self->model, _("Pick a model"),
                       _("The model’s name cannot contain “|”"), error)
      || !check_field (self->family, NULL,
                       _("The family’s name cannot contain “|”"), error))
    return NULL;

  if (self->max_tokens > 0)
    max_tokens = g_strdup_printf ("%" G_GINT64_FORMAT, self->max_tokens);

  return g_strdup_printf ("%s|%s|%s|%s|%s|%s", self->name, self->url, self->model,
                          self->mode == MT_COMPLETION_MODE_CHAT ? "chat" : "completions",
                          self->family != NULL ? self->family : "",
                          max_tokens != NULL ? max_tokens : "");
}

GPtrArray *
mt_server_config_load_all (GSettings *settings)
{
  g_auto(GStrv) entries = NULL;
  GPtrArray *servers;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  servers = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_server_config_free);
  entries = g_settings_get_strv (settings, "servers");
  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      MtServerConfig *config = mt_server_config_parse (entries[i], &error);

      if (config != NULL)
        g_ptr_array_add (servers, config);
      else
        g_warning ("%s", error->message);
    }

  return servers;
}

/* ------------------------------------------------------------------------ */
/* MtLiveSession                                                            */
/* ------------------------------------------------------------------------ */

typedef struct
{
  MtLiveSession *session;   /* unowned: the session outlives its runs */
  MtRunner      *runner;
  MtTrace       *trace;
  GCancellable  *cancellable;
  GError        *error;
  gboolean       running;
  gboolean       dirty;
} LiveRun;

struct _MtLiveSession
{
  GObject          parent_instance;

  MtLab           *lab;
  MtLabWriter     *writer;
  char            *lab_file;
  MtServerConfig  *server;
  MtFamily        *family;
  MtClient        *client;
  MtRunner        *runner;
  guint            max_attempts;
  guint            retry_delay;

  /* Every saved server, and the API keys the keyring had for them (URL ->
   * key), for sweeps over several. */
  GPtrArray       *servers;
  GHashTable      *api_keys;
  GCancellable    *keys_cancellable;

  /* MtTrace -> LiveRun, finished ones included, for their errors. */
  GHashTable      *runs;
  /* The run being started: its trace arrives with MtRunner::started. */
  LiveRun         *starting;
  guint            n_running;

  /* The sweep: its settings, kept to resume it with a new MtSweep. */
  MtSweep         *sweep;
  GCancellable    *sweep_cancellable;
  MtLiveSweepState sweep_state;
  GError          *sweep_error;
  GPtrArray       *sweep_problems;
  GPtrArray       *sweep_servers;
  GArray          *sweep_positions;
  GArray          *sweep_kinds;
  guint            sweep_samples;
  guint            sweep_concurrency;
  guint            sweep_tick_id;
  gboolean         sweep_resume_pending;
  MtSweepProgress  sweep_progress;

  guint            tick_id;
  gint64           tick_time;
  /* Traces whose snapshot is due, written a few per turn of the main
   * loop rather than all in the tick's. */
  GQueue           snapshots;
  guint            snapshots_id;
  guint64          n_deltas;
  double           tokens_per_second;
};

enum {
  PROP_0,
  PROP_LAB,
  PROP_N_RUNNING,
  PROP_TOKENS_PER_SECOND,
  PROP_HAS_SERVER,
  N_PROPS
};

enum {
  RUN_STARTED,
  RUN_CHANGED,
  RUN_FINISHED,
  SWEEP_CHANGED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (MtLiveSession, mt_live_session, G_TYPE_OBJECT)

static void mt_live_session_forget_sweep_settings (MtLiveSession *self);

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
live_run_free (LiveRun *run)
{
  if (run->trace != NULL)
    g_signal_handlers_disconnect_by_data (run->trace, run);
  g_clear_object (&run->runner);
  g_clear_object (&run->trace);
  g_clear_object (&run->cancellable);
  g_clear_error (&run->error);
  g_free (run);
}

static void
mt_live_session_write (MtLiveSession *self,
                       MtTrace       *trace,
                       gboolean       partial)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (self->writer == NULL)
    return;

  ok = partial ? mt_lab_writer_append_partial (self->writer, trace, &error)
               : mt_lab_writer_append_trace (self->writer, trace, &error);
  /* A lost snapshot only widens what a crash could cut; a lost final
   * record is worth a warning. */
  if (!ok && partial)
    g_debug ("Could not write a snapshot of %s: %s", mt_trace_get_id (trace), error->message);
  else if (!ok)
    g_warning ("Could not write %s to %s: %s", mt_trace_get_id (trace), self->lab_file,
               error->message);
}

static void
mt_live_session_update_rate (MtLiveSession *self)
{
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - self->tick_time) / (double)G_USEC_PER_SEC;
  double rate = seconds > 0 ? self->n_deltas / seconds : 0;

  self->tick_time = now;
  self->n_deltas = 0;

  if (self->n_running == 0)
    rate = 0;

  if (rate != self->tokens_per_second)
    {
      self->tokens_per_second = rate;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKENS_PER_SECOND]);
    }
}

/* Writes due snapshots until a turn's share of the main loop is spent.
 * Each serializes all of its run's text so far: 64 streams written in the
 * tick's one turn stalled the window for up to 140 ms. */
static gboolean
mt_live_session_snapshots_cb (gpointer user_data)
{
  MtLiveSession *self = user_data;
  gint64 start = g_get_monotonic_time ();

  while (!g_queue_is_empty (&self->snapshots) &&
         g_get_monotonic_time () - start < SNAPSHOT_BUDGET_US)
    {
      g_autoptr(MtTrace) trace = g_queue_pop_head (&self->snapshots);
      LiveRun *run = g_hash_table_lookup (self->runs, trace);

      /* Ended meanwhile: its final record is written. */
      if (run != NULL && run->running)
        mt_live_session_write (self, trace, TRUE);
    }

  if (!g_queue_is_empty (&self->snapshots))
    return G_SOURCE_CONTINUE;

  self->snapshots_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
mt_live_session_tick_cb (gpointer user_data)
{
  MtLiveSession *self = user_data;
  GHashTableIter iter;
  LiveRun *run;

  mt_live_session_update_rate (self);

  g_hash_table_iter_init (&iter, self->runs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&run))
    if (run->running && run->dirty)
      {
        run->dirty = FALSE;
        g_queue_push_tail (&self->snapshots, g_object_ref (run->trace));
      }
  if (!g_queue_is_empty (&self->snapshots) && self->snapshots_id == 0)
    self->snapshots_id = g_idle_add_full (G_PRIORITY_DEFAULT, mt_live_session_snapshots_cb,
                                          self, NULL);

  if (self->n_running == 0)
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
mt_live_session_set_n_running (MtLiveSession *self,
                               guint          n_running)
{
  if (self->n_running == n_running)
    return;

  self->n_running = n_running;
  if (n_running > 0 && self->tick_id == 0)
    {
      self->tick_time = g_get_monotonic_time ();
      self->n_deltas = 0;
      self->tick_id = g_timeout_add (SNAPSHOT_MS, mt_live_session_tick_cb, self);
    }
  else if (n_running == 0)
    {
      g_clear_handle_id (&self->tick_id, g_source_remove);
      mt_live_session_update_rate (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RUNNING]);
}

static void
trace_text_changed_cb (MtTrace    *trace,
                       GParamSpec *pspec,
                       LiveRun    *run)
{
  run->dirty = TRUE;
  g_signal_emit (run->session, signals[RUN_CHANGED], 0, trace);
}

static void
runner_started_cb (MtLiveSession *self,
                   MtTrace       *trace,
                   MtRunner      *runner)
{
  LiveRun *run = self->starting;

  /* Runs only start from this session, one at a time. */
  g_assert (run != NULL);

  self->starting = NULL;
  run->trace = g_object_ref (trace);
  run->running = TRUE;
  g_hash_table_replace (self->runs, trace, run);
  g_signal_connect (trace, "notify::reasoning", G_CALLBACK (trace_text_changed_cb), run);
  g_signal_connect (trace, "notify::answer", G_CALLBACK (trace_text_changed_cb), run);

  mt_live_session_write (self, trace, TRUE);
  mt_live_session_set_n_running (self, self->n_running + 1);
  g_signal_emit (self, signals[RUN_STARTED], 0, trace);
}

static void
runner_delta_cb (MtLiveSession *self,
                 MtTrace       *trace,
                 guint          kind,
                 const char    *text,
                 MtRunner      *runner)
{
  self->n_deltas++;
}

/* Whether this run's result may still be handed to the session. */
typedef struct
{
  MtLiveSession *session;
  LiveRun       *run;
} RunCall;

static void
mt_live_session_finish_run (MtLiveSession *self,
                            LiveRun       *run,
                            MtTrace       *trace,
                            GError        *error)
{
  if (run->trace == NULL)
    {
      /* It failed before it started: nothing streamed, nothing to keep. */
      g_signal_emit (self, signals[RUN_FINISHED], 0, NULL, error);
      live_run_free (run);
      return;
    }

  run->running = FALSE;
  g_clear_error (&run->error);
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    run->error = g_error_copy (error);

  mt_live_session_write (self, run->trace, FALSE);
  mt_live_session_set_n_running (self, self->n_running - 1);
  g_signal_emit (self, signals[RUN_FINISHED], 0, run->trace, run->error);
}

static void
run_oracle_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  RunCall *call = user_data;
  g_autoptr(MtLiveSession) self = call->session;
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(GError) error = NULL;

  mt_runner_run_oracle_finish (MT_RUNNER (object), result, &trace, &error);
  mt_live_session_finish_run (self, call->run, trace, error);
  g_free (call);
}

static void
run_branch_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  RunCall *call = user_data;
  g_autoptr(MtLiveSession) self = call->session;
  g_autoptr(MtBranch) branch = NULL;
  g_autoptr(GError) error = NULL;

  mt_runner_run_branch_finish (MT_RUNNER (object), result, &branch, &error);
  mt_live_session_finish_run (self, call->run, MT_TRACE (branch), error);
  g_free (call);
}

static void
mt_live_session_dispose (GObject *object)
{
  MtLiveSession *self = (MtLiveSession *)object;

  /* The runs hold a reference to the session until they end. */
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->snapshots_id, g_source_remove);
  g_queue_clear_full (&self->snapshots, g_object_unref);
  g_clear_handle_id (&self->sweep_tick_id, g_source_remove);
  if (self->sweep_cancellable != NULL)
    g_cancellable_cancel (self->sweep_cancellable);
  g_clear_object (&self->sweep_cancellable);
  g_clear_object (&self->sweep);
  g_clear_pointer (&self->sweep_problems, g_ptr_array_unref);
  g_clear_pointer (&self->sweep_servers, g_ptr_array_unref);
  g_clear_pointer (&self->sweep_positions, g_array_unref);
  g_clear_pointer (&self->sweep_kinds, g_array_unref);
  if (self->keys_cancellable != NULL)
    g_cancellable_cancel (self->keys_cancellable);
  g_clear_object (&self->keys_cancellable);
  g_clear_pointer (&self->servers, g_ptr_array_unref);
  g_clear_pointer (&self->api_keys, g_hash_table_unref);
  if (self->runner != NULL)
    g_signal_handlers_disconnect_by_data (self->runner, self);
  g_clear_object (&self->runner);
  g_clear_object (&self->client);
  g_clear_object (&self->family);
  g_clear_object (&self->lab);
  if (self->writer != NULL)
    mt_lab_writer_close (self->writer, NULL);
  g_clear_object (&self->writer);
  g_clear_pointer (&self->runs, g_hash_table_unref);

  G_OBJECT_CLASS (mt_live_session_parent_class)->dispose (object);
}

static void
mt_live_session_finalize (GObject *object)
{
  MtLiveSession *self = (MtLiveSession *)object;

  g_clear_pointer (&self->server, mt_server_config_free);
  g_clear_pointer (&self->lab_file, g_free);
  g_clear_error (&self->sweep_error);

  G_OBJECT_CLASS (mt_live_session_parent_class)->finalize (object);
}

static void
mt_live_session_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  MtLiveSession *self = MT_LIVE_SESSION (object);

  switch (prop_id)
    {
    case PROP_LAB:
      g_value_set_object (value, self->lab);
      break;

    case PROP_N_RUNNING:
      g_value_set_uint (value, self->n_running);
      break;

    case PROP_TOKENS_PER_SECOND:
      g_value_set_double (value, self->tokens_per_second);
      break;

    case PROP_HAS_SERVER:
      g_value_set_boolean (value, self->runner != NULL);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_live_session_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  MtLiveSession *self = MT_LIVE_SESSION (object);

  switch (prop_id)
    {
    case PROP_LAB:
      mt_live_session_set_lab (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_live_session_class_init (MtLiveSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = mt_live_session_dispose;
  object_class->finalize = mt_live_session_finalize;
  object_class->get_property = mt_live_session_get_property;
  object_class->set_property = mt_live_session_set_property;

  properties[PROP_LAB] =
    g_param_spec_object ("lab", NULL, NULL, MT_TYPE_LAB,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_RUNNING] =
    g_param_spec_uint ("n-running", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  properties[PROP_TOKENS_PER_SECOND] =
    g_param_spec_double ("tokens-per-second", NULL, NULL, 0, G_MAXDOUBLE, 0, read_only);
  properties[PROP_HAS_SERVER] =
    g_param_spec_boolean ("has-server", NULL, NULL, FALSE, read_only);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MtLiveSession::run-started:
   * @trace: the new trace or branch, in the lab, still empty
   */
  signals[RUN_STARTED] =
    g_signal_new ("run-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, MT_TYPE_TRACE);

  /**
   * MtLiveSession::run-changed:
   * @trace: a streaming trace whose text grew
   *
   * At most every VIEW_FLUSH_INTERVAL ms per run: views repaint on their
   * next frame.
   */
  signals[RUN_CHANGED] =
    g_signal_new ("run-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, MT_TYPE_TRACE);

  /**
   * MtLiveSession::run-finished:
   * @trace: (nullable): the run's trace; %NULL when it failed to start
   * @error: (nullable): why it failed; %NULL when it ended normally or
   *   was stopped
   */
  /**
   * MtLiveSession::sweep-changed:
   *
   * The sweep made progress or changed state.
   */
  signals[SWEEP_CHANGED] =
    g_signal_new ("sweep-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  signals[RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, MT_TYPE_TRACE,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
mt_live_session_init (MtLiveSession *self)
{
  self->runs = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)live_run_free);
  self->api_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->max_attempts = MT_CLIENT_DEFAULT_MAX_ATTEMPTS;
  self->retry_delay = MT_CLIENT_DEFAULT_RETRY_DELAY;
}

MtLiveSession *
mt_live_session_new (void)
{
  return g_object_new (MT_TYPE_LIVE_SESSION, NULL);
}

MtLab *
mt_live_session_get_lab (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);

  return self->lab;
}

void
mt_live_session_set_lab (MtLiveSession *self,
                         MtLab         *lab)
{
  g_return_if_fail (MT_IS_LIVE_SESSION (self));
  g_return_if_fail (!lab || MT_IS_LAB (lab));

  if (!g_set_object (&self->lab, lab))
    return;

  if (self->runner != NULL)
    mt_runner_set_lab (self->runner, lab);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAB]);
}

gboolean
mt_live_session_set_lab_file (MtLiveSession  *self,
                              const char     *path,
                              GError        **error)
{
  g_autoptr(MtLabWriter) writer = NULL;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), FALSE);

  if (g_strcmp0 (path, self->lab_file) == 0)
    return TRUE;

  if (path != NULL && !(writer = mt_lab_writer_open (path, error)))
    return FALSE;

  if (self->writer != NULL)
    mt_lab_writer_close (self->writer, NULL);
  g_set_object (&self->writer, writer);
  g_free (self->lab_file);
  self->lab_file = g_strdup (path);
  return TRUE;
}

const char *
mt_live_session_get_lab_file (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);

  return self->lab_file;
}

gboolean
mt_live_session_set_server (MtLiveSession         *self,
                            const MtServerConfig  *config,
                            const char            *api_key,
                            GError               **error)
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(MtClient) client = NULL;
  g_autoptr(MtFamily) family = NULL;
  g_autoptr(MtRunner) runner = NULL;
  gboolean had_server;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), FALSE);

  had_server = self->runner != NULL;

  if (config != NULL)
    {
      if (!(endpoint = mt_endpoint_new (config->url, error)))
        return FALSE;

      if (config->family != NULL)
        family = mt_family_lookup (config->family);
      else
        family = mt_family_detect (config->model);
      if (family == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("There is no model family “%s”: choose one in Preferences"),
                       config->family != NULL ? config->family : config->model);
          return FALSE;
        }

      client = mt_client_new (endpoint);
      mt_client_set_api_key (client, api_key);
      mt_client_set_max_attempts (client, self->max_attempts);
      mt_client_set_retry_delay (client, self->retry_delay);

      runner = mt_runner_new (client, family, config->model);
      mt_runner_set_mode (runner, config->mode);
      mt_runner_set_lab (runner, self->lab);
      mt_runner_set_flush_interval (runner, VIEW_FLUSH_INTERVAL);
      g_signal_connect_object (runner, "started", G_CALLBACK (runner_started_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (runner, "delta", G_CALLBACK (runner_delta_cb), self,
                               G_CONNECT_SWAPPED);
    }

  if (self->runner != NULL)
    g_signal_handlers_disconnect_by_func (self->runner, runner_started_cb, self);
  g_set_object (&self->runner, runner);
  g_set_object (&self->client, client);
  g_set_object (&self->family, family);
  g_clear_pointer (&self->server, mt_server_config_free);
  if (config != NULL)
    {
      self->server = mt_server_config_copy (config);
      g_hash_table_replace (self->api_keys, g_strdup (config->url), g_strdup (api_key));
    }

  if (had_server != (self->runner != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_SERVER]);

  return TRUE;
}

const MtServerConfig *
mt_live_session_get_server (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);

  return self->server;
}

typedef struct
{
  MtLiveSession *session;
  char          *url;
} KeyLookup;

static void
lookup_key_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  KeyLookup *lookup = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = mt_secrets_lookup_finish (result, &error);

  /* Without a keyring the server is used without a key, as the window
   * does with its first server. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ;
  else if (lookup->session->api_keys == NULL)
    ;
  else
    {
      if (error != NULL)
        g_debug ("No API key for %s from the keyring: %s", lookup->url, error->message);
      g_hash_table_replace (lookup->session->api_keys, g_steal_pointer (&lookup->url),
                            g_steal_pointer (&key));
    }

  g_object_unref (lookup->session);
  g_free (lookup->url);
  g_free (lookup);
}

void
mt_live_session_set_servers (MtLiveSession *self,
                             GPtrArray     *servers)
{
  g_return_if_fail (MT_IS_LIVE_SESSION (self));

  if (self->keys_cancellable != NULL)
    g_cancellable_cancel (self->keys_cancellable);
  g_clear_object (&self->keys_cancellable);
  g_clear_pointer (&self->servers, g_ptr_array_unref);
  self->servers = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_server_config_free);
  if (servers == NULL)
    return;

  self->keys_cancellable = g_cancellable_new ();
  for (guint i = 0; i < servers->len; i++)
    {
      const MtServerConfig *config = g_ptr_array_index (servers, i);
      KeyLookup *lookup = g_new0 (KeyLookup, 1);

      g_ptr_array_add (self->servers, mt_server_config_copy (config));
      lookup->session = g_object_ref (self);
      lookup->url = g_strdup (config->url);
      mt_secrets_lookup_async (config->url, self->keys_cancellable, lookup_key_cb, lookup);
    }
}

GPtrArray *
mt_live_session_get_servers (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);

  if (self->servers == NULL)
    self->servers = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_server_config_free);
  return self->servers;
}

MtFamily *
mt_live_session_get_family (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);

  return self->family;
}

/* The runner new runs start on (NULL without a server), for whoever needs
 * its per-token "delta" signal: the live benchmark measures from it. */
MtRunner *
mt_live_session_get_runner (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);

  return self->runner;
}

gboolean
mt_live_session_has_server (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), FALSE);

  return self->runner != NULL;
}

void
mt_live_session_set_retries (MtLiveSession *self,
                             guint          max_attempts,
                             guint          retry_delay)
{
  g_return_if_fail (MT_IS_LIVE_SESSION (self));
  g_return_if_fail (max_attempts > 0);

  self->max_attempts = max_attempts;
  self->retry_delay = retry_delay;
  if (self->client != NULL)
    {
      mt_client_set_max_attempts (self->client, max_attempts);
      mt_client_set_retry_delay (self->client, retry_delay);
    }
}

static gboolean
mt_live_session_check_ready (MtLiveSession  *self,
                             GError        **error)
{
  /* The lab file has one writer at a time, and a sweep holds it. */
  if (self->lab_file != NULL && self->writer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("A sweep is writing to the lab file: pause it to run by hand"));
      return FALSE;
    }

  if (self->runner == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("No server is set up: add one in Preferences"));
      return FALSE;
    }

  if (self->lab == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("Open or create a lab first: runs are recorded in it"));
      return FALSE;
    }

  return TRUE;
}

static LiveRun *
mt_live_session_begin_run (MtLiveSession *self)
{
  LiveRun *run = g_new0 (LiveRun, 1);

  run->session = self;
  run->runner = g_object_ref (self->runner);
  run->cancellable = g_cancellable_new ();
  self->starting = run;
  return run;
}

static RunCall *
run_call_new (MtLiveSession *self,
              LiveRun       *run)
{
  RunCall *call = g_new0 (RunCall, 1);

  call->session = g_object_ref (self);
  call->run = run;
  return call;
}

MtTrace *
mt_live_session_run (MtLiveSession    *self,
                     MtProblem        *problem,
                     MtInterruptKind   scenario,
                     GError          **error)
{
  MtRunOptions options;
  LiveRun *run;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);
  g_return_val_if_fail (MT_IS_PROBLEM (problem), NULL);
  g_return_val_if_fail (scenario <= MT_INTERRUPT_CUSTOM, NULL);

  if (!mt_live_session_check_ready (self, error))
    return NULL;

  if (mt_problem_get_prompt (problem) == NULL || *mt_problem_get_prompt (problem) == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The problem has no text: type the problem to send"));
      return NULL;
    }

  if (mt_lab_lookup_problem (self->lab, mt_problem_get_id (problem)) == NULL)
    {
      g_autoptr(GError) write_error = NULL;

      mt_lab_add_problem (self->lab, problem);
      if (self->writer != NULL
          && !mt_lab_writer_append_problem (self->writer, problem, &write_error))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&write_error),
                                      _("Could not write to the lab file: "));
          return NULL;
        }
    }

  mt_run_options_init (&options);
  options.max_tokens = self->server->max_tokens;

  run = mt_live_session_begin_run (self);
  mt_runner_run_oracle_async (self->runner, problem, scenario, &options, run->cancellable,
                              run_oracle_cb, run_call_new (self, run));
  self->starting = NULL;

  /* Anything that fails before the stream starts reports through the
   * callback, and no trace is made. */
  return run->trace;
}

MtBranch *
mt_live_session_interrupt (MtLiveSession    *self,
                           MtTrace          *parent,
                           MtInterruptKind   kind,
                           guint             token_index,
                           const char       *text,
                           GError          **error)
{
  MtRenderPosition position = { MT_POSITION_TOKEN, NAN, token_index, FALSE };
  MtRunOptions options;
  LiveRun *run;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);
  g_return_val_if_fail (MT_IS_TRACE (parent), NULL);

  if (!mt_live_session_check_ready (self, error))
    return NULL;

  if ((kind == MT_INTERRUPT_UPDATE || kind == MT_INTERRUPT_GUIDED_UPDATE
       || kind == MT_INTERRUPT_UPDATE_SPEEDUP || kind == MT_INTERRUPT_CUSTOM)
      && (text == NULL || *text == '\0'))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           kind == MT_INTERRUPT_CUSTOM
                             ? _("Type the words of the interrupt first")
                             : _("Type the update to send first"));
      return NULL;
    }

  mt_run_options_init (&options);
  options.max_tokens = self->server->max_tokens;

  run = mt_live_session_begin_run (self);
  mt_runner_run_branch_async (self->runner, parent, kind, MT_INTERRUPT_ROLE_ASSISTANT,
                              &position, text, &options, run->cancellable,
                              run_branch_cb, run_call_new (self, run));
  self->starting = NULL;

  return run->trace != NULL ? MT_BRANCH (run->trace) : NULL;
}

static LiveRun *
lookup_run (MtLiveSession *self,
            MtTrace       *trace)
{
  return trace != NULL ? g_hash_table_lookup (self->runs, trace) : NULL;
}

gboolean
mt_live_session_is_running (MtLiveSession *self,
                            MtTrace       *trace)
{
  LiveRun *run;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), FALSE);

  run = lookup_run (self, trace);
  return run != NULL && run->running;
}

const GError *
mt_live_session_get_error (MtLiveSession *self,
                           MtTrace       *trace)
{
  LiveRun *run;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);

  run = lookup_run (self, trace);
  return run != NULL ? run->error : NULL;
}

void
mt_live_session_stop (MtLiveSession *self,
                      MtTrace       *trace)
{
  LiveRun *run;

  g_return_if_fail (MT_IS_LIVE_SESSION (self));

  if ((run = lookup_run (self, trace)) != NULL && run->running)
    g_cancellable_cancel (run->cancellable);
}

void
mt_live_session_stop_all (MtLiveSession *self)
{
  GHashTableIter iter;
  LiveRun *run;

  g_return_if_fail (MT_IS_LIVE_SESSION (self));

  g_hash_table_iter_init (&iter, self->runs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&run))
    if (run->running)
      g_cancellable_cancel (run->cancellable);
}

guint
mt_live_session_get_n_running (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), 0);

  return self->n_running;
}

double
mt_live_session_get_tokens_per_second (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), 0);

  return self->tokens_per_second;
}

/* Brings what the sweep started into the session's lab, so the window
 * shows it as it arrives. */
static void
mt_live_session_merge_sweep (MtLiveSession *self,
                             MtSweep       *sweep)
{
  MtLab *sweep_lab = mt_sweep_get_lab (sweep);
  GListModel *problems;
  GListModel *traces;

  if (self->lab == NULL || sweep_lab == NULL)
    return;

  problems = mt_lab_get_problems (sweep_lab);
  for (guint i = 0; i < g_list_model_get_n_items (problems); i++)
    {
      g_autoptr(MtProblem) problem = g_list_model_get_item (problems, i);

      if (mt_lab_lookup_problem (self->lab, mt_problem_get_id (problem)) == NULL)
        mt_lab_add_problem (self->lab, problem);
    }

  /* A redone item (cancelled by a pause, or failed) comes back with the id
   * of its old record, and takes its place: the lab file keeps the last
   * record of an id too. A sweep given up for another one only adds what
   * it finished. */
  traces = mt_lab_get_traces (sweep_lab);
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      MtTrace *known = mt_lab_lookup_trace (self->lab, mt_trace_get_id (trace));

      if (known == NULL)
        mt_lab_add_trace (self->lab, trace);
      else if (known != trace && sweep == self->sweep)
        mt_lab_replace_trace (self->lab, trace);

      /* A branch of an oracle finished before a pause forks from the copy
       * the sweep read back from the file: it continues the window's. */
      if (MT_IS_BRANCH (trace))
        {
          MtBranch *branch = MT_BRANCH (trace);
          MtTrace *parent = mt_lab_lookup_trace (self->lab, mt_branch_get_parent_id (branch));

          if (parent != NULL && parent != trace && mt_branch_get_parent (branch) != parent)
            mt_branch_set_parent (branch, parent);
        }
    }
}

static gboolean
mt_live_session_sweep_tick_cb (gpointer user_data)
{
  MtLiveSession *self = user_data;

  if (self->sweep != NULL)
    {
      mt_sweep_get_progress (self->sweep, &self->sweep_progress);
      mt_live_session_merge_sweep (self, self->sweep);
    }
  g_signal_emit (self, signals[SWEEP_CHANGED], 0);

  return G_SOURCE_CONTINUE;
}

static gboolean mt_live_session_run_sweep (MtLiveSession  *self,
                                           GError        **error);

static void
mt_live_session_sweep_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(MtLiveSession) self = user_data;
  g_autoptr(GError) error = NULL;
  MtSweep *sweep = MT_SWEEP (object);

  mt_sweep_run_finish (sweep, result, &error);
  mt_sweep_get_progress (sweep, &self->sweep_progress);
  mt_live_session_merge_sweep (self, sweep);

  /* The sweep let go of the lab file: runs by hand write to it again. */
  if (self->lab_file != NULL && self->writer == NULL)
    {
      g_autoptr(GError) open_error = NULL;

      self->writer = mt_lab_writer_open (self->lab_file, &open_error);
      if (self->writer == NULL)
        g_warning ("Could not open %s again after the sweep: %s", self->lab_file,
                   open_error->message);
    }

  /* A sweep that was cancelled and replaced reports nothing. */
  if (sweep != self->sweep)
    return;

  g_clear_handle_id (&self->sweep_tick_id, g_source_remove);
  g_clear_object (&self->sweep_cancellable);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autoptr(GError) resume_error = NULL;

      if (self->sweep_resume_pending)
        {
          /* Resumed before the pause had let go of the file. */
          self->sweep_resume_pending = FALSE;
          if (mt_live_session_run_sweep (self, &resume_error))
            return;
          self->sweep_state = MT_LIVE_SWEEP_FAILED;
          g_clear_error (&self->sweep_error);
          self->sweep_error = g_steal_pointer (&resume_error);
        }
      else if (self->sweep_state != MT_LIVE_SWEEP_PAUSED)
        {
          /* Paused stays paused; a cancel already forgot the sweep. */
          self->sweep_state = MT_LIVE_SWEEP_NONE;
        }
    }
  else if (error != NULL)
    {
      self->sweep_state = MT_LIVE_SWEEP_FAILED;
      g_clear_error (&self->sweep_error);
      self->sweep_error = g_steal_pointer (&error);
    }
  else
    {
      self->sweep_state = MT_LIVE_SWEEP_DONE;
      mt_live_session_forget_sweep_settings (self);
    }

  g_signal_emit (self, signals[SWEEP_CHANGED], 0);
}

/* The settings of a sweep that has not finished sit next to its lab file,
 * so that reopening the lab can resume it. */
#define SWEEP_GROUP "Sweep"

static char *
sweep_settings_path (MtLiveSession *self)
{
  return self->lab_file != NULL ? g_strconcat (self->lab_file, ".sweep", NULL) : NULL;
}

static void
mt_live_session_save_sweep_settings (MtLiveSession *self)
{
  g_autofree char *path = sweep_settings_path (self);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GPtrArray) kinds = g_ptr_array_new ();
  g_autoptr(GPtrArray) urls = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    return;

  for (guint i = 0; self->sweep_servers != NULL && i < self->sweep_servers->len; i++)
    g_ptr_array_add (urls, ((MtServerConfig *) g_ptr_array_index (self->sweep_servers, i))->url);
  if (urls->len > 0)
    g_key_file_set_string_list (file, SWEEP_GROUP, "servers", (const char * const *) urls->pdata,
                                urls->len);

  for (guint i = 0; i < self->sweep_problems->len; i++)
    g_ptr_array_add (ids, (gpointer) mt_problem_get_id (g_ptr_array_index (self->sweep_problems, i)));
  for (guint i = 0; i < self->sweep_kinds->len; i++)
    g_ptr_array_add (kinds, (gpointer) mt_interrupt_kind_to_string (
                       g_array_index (self->sweep_kinds, MtInterruptKind, i)));

  g_key_file_set_string_list (file, SWEEP_GROUP, "problems", (const char * const *) ids->pdata,
                              ids->len);
  g_key_file_set_double_list (file, SWEEP_GROUP, "positions",
                              (double *)(gpointer) self->sweep_positions->data,
                              self->sweep_positions->len);
  g_key_file_set_string_list (file, SWEEP_GROUP, "kinds", (const char * const *) kinds->pdata,
                              kinds->len);
  g_key_file_set_integer (file, SWEEP_GROUP, "samples", (int) self->sweep_samples);
  g_key_file_set_integer (file, SWEEP_GROUP, "concurrency", (int) self->sweep_concurrency);

  if (!g_key_file_save_to_file (file, path, &error))
    g_warning ("The sweep cannot be resumed after the window closes: %s", error->message);
}

static void
mt_live_session_forget_sweep_settings (MtLiveSession *self)
{
  g_autofree char *path = sweep_settings_path (self);

  if (path != NULL && g_unlink (path) != 0 && errno != ENOENT)
    g_warning ("Could not remove %s: %s", path, g_strerror (errno));
}

/* Runs of this session in flight, and the sweep's. */
static gboolean
mt_live_session_is_streaming (MtLiveSession *self,
                              MtTrace       *trace)
{
  MtLab *sweep_lab;

  if (mt_live_session_is_running (self, trace))
    return TRUE;

  if (self->sweep == NULL || self->sweep_cancellable == NULL
      || mt_trace_get_finish_reason (trace) != MT_FINISH_UNKNOWN)
    return FALSE;

  sweep_lab = mt_sweep_get_lab (self->sweep);
  return sweep_lab != NULL
         && mt_lab_lookup_trace (sweep_lab, mt_trace_get_id (trace)) == trace;
}

MtLab *
mt_live_session_dup_lab_to_save (MtLiveSession *self,
                                 MtLab         *lab)
{
  g_autoptr(MtLab) finished = NULL;
  GListModel *problems;
  GListModel *traces;
  gboolean streaming = FALSE;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);
  g_return_val_if_fail (MT_IS_LAB (lab), NULL);

  traces = mt_lab_get_traces (lab);
  for (guint i = 0; i < g_list_model_get_n_items (traces) && !streaming; i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      streaming = mt_live_session_is_streaming (self, trace);
    }
  if (!streaming)
    return g_object_ref (lab);

  /* The same problems and traces, less the streaming ones; adding them
   * to a second lab only links what is not linked yet. */
  finished = mt_lab_new ();
  problems = mt_lab_get_problems (lab);
  for (guint i = 0; i < g_list_model_get_n_items (problems); i++)
    {
      g_autoptr(MtProblem) problem = g_list_model_get_item (problems, i);

      mt_lab_add_problem (finished, problem);
    }
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      if (!mt_live_session_is_streaming (self, trace))
        mt_lab_add_trace (finished, trace);
    }

  return g_steal_pointer (&finished);
}

gboolean
mt_live_session_move_lab_file (MtLiveSession  *self,
                               const char     *path,
                               GError        **error)
{
  g_autoptr(MtLabWriter) writer = NULL;
  gboolean has_settings;
  gboolean sweep_holds_file;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* The same path too: saving put a new file in place of the one the
   * writers have open (which is now the backup, "@path~"). */

  /* A sweep in flight writes the file itself: it hands it back first. */
  sweep_holds_file = self->sweep_cancellable != NULL;
  if (!sweep_holds_file && !(writer = mt_lab_writer_open (path, error)))
    return FALSE;

  /* The settings of an unfinished sweep go with it. */
  has_settings = mt_live_session_has_saved_sweep (self);
  if (has_settings)
    mt_live_session_forget_sweep_settings (self);

  if (self->writer != NULL)
    mt_lab_writer_close (self->writer, NULL);
  g_clear_object (&self->writer);
  self->writer = g_steal_pointer (&writer);
  g_free (self->lab_file);
  self->lab_file = g_strdup (path);

  if (has_settings && self->sweep_problems != NULL)
    mt_live_session_save_sweep_settings (self);

  /* What the runs in flight have so far, until they write it again. */
  if (self->writer != NULL)
    {
      GHashTableIter iter;
      LiveRun *run;

      g_hash_table_iter_init (&iter, self->runs);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&run))
        if (run->running && run->trace != NULL)
          mt_live_session_write (self, run->trace, TRUE);
    }

  /* A running sweep stops, and goes on in the new file as soon as it has
   * let go of the old one: what the new file holds finished is not run
   * again. */
  if (self->sweep_state == MT_LIVE_SWEEP_RUNNING && sweep_holds_file)
    {
      self->sweep_resume_pending = TRUE;
      g_cancellable_cancel (self->sweep_cancellable);
    }

  return TRUE;
}

gboolean
mt_live_session_has_saved_sweep (MtLiveSession *self)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), FALSE);

  path = sweep_settings_path (self);
  return path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

gboolean
mt_live_session_resume_saved_sweep (MtLiveSession  *self,
                                    GError        **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) kinds = g_array_new (FALSE, FALSE, sizeof (MtInterruptKind));
  g_autoptr(GPtrArray) servers = g_ptr_array_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) ids = NULL;
  g_auto(GStrv) urls = NULL;
  g_auto(GStrv) kind_names = NULL;
  g_autofree double *positions = NULL;
  gsize n_positions = 0;
  int samples;
  int concurrency;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), FALSE);

  path = sweep_settings_path (self);
  if (path == NULL || self->lab == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("There is no unfinished sweep to resume in this lab"));
      return FALSE;
    }

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error)
      || !(ids = g_key_file_get_string_list (file, SWEEP_GROUP, "problems", NULL, &local_error))
      || !(positions = g_key_file_get_double_list (file, SWEEP_GROUP, "positions", &n_positions,
                                                   &local_error))
      || !(kind_names = g_key_file_get_string_list (file, SWEEP_GROUP, "kinds", NULL,
                                                    &local_error)))
    {
      /* Translators: %s is the file and %s why it cannot be read */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The unfinished sweep's settings in %s cannot be read: %s"), path,
                   local_error->message);
      return FALSE;
    }
  samples = g_key_file_get_integer (file, SWEEP_GROUP, "samples", NULL);
  concurrency = g_key_file_get_integer (file, SWEEP_GROUP, "concurrency", NULL);

  /* The servers it ran on that are still saved; none left: the current. */
  urls = g_key_file_get_string_list (file, SWEEP_GROUP, "servers", NULL, NULL);
  for (guint i = 0; urls != NULL && urls[i] != NULL; i++)
    for (guint j = 0; self->servers != NULL && j < self->servers->len; j++)
      {
        MtServerConfig *config = g_ptr_array_index (self->servers, j);

        if (g_strcmp0 (config->url, urls[i]) == 0)
          {
            g_ptr_array_add (servers, config);
            break;
          }
      }

  for (guint i = 0; ids[i] != NULL; i++)
    {
      MtProblem *problem = mt_lab_lookup_problem (self->lab, ids[i]);

      if (problem == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("The unfinished sweep's problem “%s” is no longer in the lab"), ids[i]);
          return FALSE;
        }
      g_ptr_array_add (problems, g_object_ref (problem));
    }
  for (guint i = 0; kind_names[i] != NULL; i++)
    {
      MtInterruptKind kind;

      if (!mt_interrupt_kind_from_string (kind_names[i], &kind))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The unfinished sweep's settings in %s cannot be read: %s"), path,
                       kind_names[i]);
          return FALSE;
        }
      g_array_append_val (kinds, kind);
    }

  return mt_live_session_start_sweep (self, problems, positions, (guint) n_positions,
                                      (const MtInterruptKind *)(gpointer) kinds->data, kinds->len,
                                      (guint) MAX (samples, 1), (guint) MAX (concurrency, 1),
                                      servers, error);
}

static MtFamily *
mt_live_session_server_family (const MtServerConfig  *config,
                               GError               **error)
{
  MtFamily *family;

  if (config->family != NULL)
    family = mt_family_lookup (config->family);
  else
    family = mt_family_detect (config->model);
  if (family == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("There is no model family “%s”: choose one in Preferences"),
                 config->family != NULL ? config->family : config->model);
  return family;
}

/* The client of one server of a sweep (the current server's is shared):
 * requests go round-robin over them. */
static MtClient *
mt_live_session_new_sweep_client (MtLiveSession         *self,
                                  const MtServerConfig  *config,
                                  GError               **error)
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  MtClient *client;

  if (self->server != NULL && g_strcmp0 (config->url, self->server->url) == 0)
    return g_object_ref (self->client);

  if (!(endpoint = mt_endpoint_new (config->url, error)))
    return NULL;

  client = mt_client_new (endpoint);
  mt_client_set_api_key (client, g_hash_table_lookup (self->api_keys, config->url));
  mt_client_set_max_attempts (client, self->max_attempts);
  mt_client_set_retry_delay (client, self->retry_delay);
  return client;
}

static gboolean
mt_live_session_run_sweep (MtLiveSession  *self,
                           GError        **error)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(MtSweep) sweep = NULL;
  g_autoptr(MtFamily) family = NULL;
  const MtServerConfig *first;

  if (self->runner == NULL || self->lab == NULL)
    return mt_live_session_check_ready (self, error);

  if (self->lab_file == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("A sweep writes into a lab file: open one, or save this lab first"));
      return FALSE;
    }

  first = self->server;
  family = g_object_ref (self->family);
  if (self->sweep_servers != NULL && self->sweep_servers->len > 0)
    {
      first = g_ptr_array_index (self->sweep_servers, 0);
      if (!(family = mt_live_session_server_family (first, error)))
        return FALSE;
      for (guint i = 0; i < self->sweep_servers->len; i++)
        {
          const MtServerConfig *config = g_ptr_array_index (self->sweep_servers, i);
          g_autoptr(MtClient) client = mt_live_session_new_sweep_client (self, config, error);

          if (client == NULL)
            return FALSE;
          if (g_strcmp0 (config->model, first->model) != 0)
            {
              /* Translators: a server's name and model, then the first server's model */
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("“%s” serves “%s”, not “%s”: a sweep sends every request to one model, so choose servers that serve the same one"),
                           config->name, config->model, first->model);
              return FALSE;
            }
          g_ptr_array_add (clients, g_steal_pointer (&client));
        }
    }
  else
    g_ptr_array_add (clients, g_object_ref (self->client));

  sweep = mt_sweep_new (clients, family, first->model);
  mt_sweep_set_mode (sweep, first->mode);
  mt_sweep_set_max_tokens (sweep, first->max_tokens);
  mt_sweep_set_problems (sweep, self->sweep_problems);
  mt_sweep_set_positions (sweep, (const double *)(gpointer)self->sweep_positions->data,
                          self->sweep_positions->len);
  mt_sweep_set_kinds (sweep, (const MtInterruptKind *)(gpointer)self->sweep_kinds->data,
                      self->sweep_kinds->len);
  mt_sweep_set_samples (sweep, self->sweep_samples);
  mt_sweep_set_concurrency (sweep, self->sweep_concurrency);
  mt_sweep_set_flush_interval (sweep, SNAPSHOT_MS);

  if (self->n_running > 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("Runs are still streaming into the lab file: stop them or let them end first"));
      return FALSE;
    }

  /* The sweep writes the lab file itself; it has one writer at a time. */
  if (self->writer != NULL)
    {
      mt_lab_writer_close (self->writer, NULL);
      g_clear_object (&self->writer);
    }

  g_set_object (&self->sweep, sweep);
  g_clear_object (&self->sweep_cancellable);
  self->sweep_cancellable = g_cancellable_new ();
  self->sweep_state = MT_LIVE_SWEEP_RUNNING;
  g_clear_error (&self->sweep_error);
  memset (&self->sweep_progress, 0, sizeof self->sweep_progress);
  self->sweep_progress.eta = -1;

  mt_sweep_run_async (sweep, self->lab_file, self->sweep_cancellable, mt_live_session_sweep_cb,
                      g_object_ref (self));
  if (self->sweep_tick_id == 0)
    self->sweep_tick_id = g_timeout_add (SWEEP_TICK_INTERVAL, mt_live_session_sweep_tick_cb,
                                         self);
  g_signal_emit (self, signals[SWEEP_CHANGED], 0);
  return TRUE;
}

gboolean
mt_live_session_start_sweep (MtLiveSession          *self,
                             GPtrArray              *problems,
                             const double           *positions,
                             guint                   n_positions,
                             const MtInterruptKind  *kinds,
                             guint                   n_kinds,
                             guint                   samples,
                             guint                   concurrency,
                             GPtrArray              *servers,
                             GError                **error)
{
  GPtrArray *chosen;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), FALSE);
  g_return_val_if_fail (problems != NULL, FALSE);

  if (self->sweep_state == MT_LIVE_SWEEP_RUNNING || self->sweep_state == MT_LIVE_SWEEP_PAUSED)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("A sweep is already under way: cancel it first"));
      return FALSE;
    }

  if (problems->len == 0 || n_positions == 0 || n_kinds == 0 || samples == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("A sweep needs at least one problem, position, kind and sample"));
      return FALSE;
    }

  g_clear_pointer (&self->sweep_problems, g_ptr_array_unref);
  self->sweep_problems = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < problems->len; i++)
    g_ptr_array_add (self->sweep_problems, g_object_ref (g_ptr_array_index (problems, i)));
  g_clear_pointer (&self->sweep_positions, g_array_unref);
  self->sweep_positions = g_array_new (FALSE, FALSE, sizeof (double));
  g_array_append_vals (self->sweep_positions, positions, n_positions);
  g_clear_pointer (&self->sweep_kinds, g_array_unref);
  self->sweep_kinds = g_array_new (FALSE, FALSE, sizeof (MtInterruptKind));
  g_array_append_vals (self->sweep_kinds, kinds, n_kinds);
  self->sweep_samples = samples;
  self->sweep_concurrency = MAX (concurrency, 1);
  /* @servers may be the sweep's own, from mt_live_session_get_sweep_servers(). */
  chosen = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_server_config_free);
  for (guint i = 0; servers != NULL && i < servers->len; i++)
    g_ptr_array_add (chosen, mt_server_config_copy (g_ptr_array_index (servers, i)));
  g_clear_pointer (&self->sweep_servers, g_ptr_array_unref);
  self->sweep_servers = chosen;

  if (!mt_live_session_run_sweep (self, error))
    return FALSE;
  mt_live_session_save_sweep_settings (self);
  return TRUE;
}

void
mt_live_session_pause_sweep (MtLiveSession *self)
{
  g_return_if_fail (MT_IS_LIVE_SESSION (self));

  if (self->sweep_state != MT_LIVE_SWEEP_RUNNING)
    return;

  self->sweep_state = MT_LIVE_SWEEP_PAUSED;
  g_cancellable_cancel (self->sweep_cancellable);
  g_signal_emit (self, signals[SWEEP_CHANGED], 0);
}

gboolean
mt_live_session_resume_sweep (MtLiveSession  *self,
                              GError        **error)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), FALSE);

  if (self->sweep_state != MT_LIVE_SWEEP_PAUSED && self->sweep_state != MT_LIVE_SWEEP_FAILED)
    return TRUE;

  /* The paused run is still handing back its requests: go on when it is
   * done. */
  if (self->sweep_cancellable != NULL)
    {
      self->sweep_resume_pending = TRUE;
      self->sweep_state = MT_LIVE_SWEEP_RUNNING;
      g_signal_emit (self, signals[SWEEP_CHANGED], 0);
      return TRUE;
    }

  /* The new sweep skips every item the file already holds finished. */
  return mt_live_session_run_sweep (self, error);
}

void
mt_live_session_cancel_sweep (MtLiveSession *self)
{
  g_return_if_fail (MT_IS_LIVE_SESSION (self));

  if (self->sweep_cancellable != NULL)
    g_cancellable_cancel (self->sweep_cancellable);
  g_clear_handle_id (&self->sweep_tick_id, g_source_remove);
  g_clear_object (&self->sweep);
  self->sweep_resume_pending = FALSE;
  self->sweep_state = MT_LIVE_SWEEP_NONE;
  mt_live_session_forget_sweep_settings (self);
  g_signal_emit (self, signals[SWEEP_CHANGED], 0);
}

GPtrArray *
mt_live_session_get_sweep_servers (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);

  return self->sweep_state != MT_LIVE_SWEEP_NONE ? self->sweep_servers : NULL;
}

MtLiveSweepState
mt_live_session_get_sweep_state (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), MT_LIVE_SWEEP_NONE);

  return self->sweep_state;
}

gboolean
mt_live_session_get_sweep_progress (MtLiveSession   *self,
                                    MtSweepProgress *progress)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), FALSE);
  g_return_val_if_fail (progress != NULL, FALSE);

  if (self->sweep_state == MT_LIVE_SWEEP_NONE)
    return FALSE;

  *progress = self->sweep_progress;
  return TRUE;
}

const GError *
mt_live_session_get_sweep_error (MtLiveSession *self)
{
  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);

  return self->sweep_error;
}

char *
mt_live_describe_error (const GError *error,
                        const char   *url,
                        const char   *model)
{
  g_return_val_if_fail (error != NULL, NULL);

  url = url != NULL ? url : "";
  model = model != NULL ? model : "";

  if (error->domain != MT_CLIENT_ERROR)
    return g_strdup (error->message);

  switch ((MtClientError)error->code)
    {
    case MT_CLIENT_ERROR_CONNECT:
    case MT_CLIENT_ERROR_DNS:
      return g_strdup_printf (_("The server at %s cannot be reached: start it, or check its URL in Preferences"),
                              url);
    case MT_CLIENT_ERROR_TLS:
      return g_strdup_printf (_("The secure connection to %s failed (%s): check the URL and the server’s certificate"),
                              url, error->message);
    case MT_CLIENT_ERROR_UNAUTHORIZED:
      return g_strdup_printf (_("The server at %s refused the API key: enter the right key in Preferences"),
                              url);
    case MT_CLIENT_ERROR_NOT_FOUND:
      return g_strdup_printf (_("The server at %s has no model “%s”: pick one of its models in Preferences"),
                              url, model);
    case MT_CLIENT_ERROR_RATE_LIMITED:
      return g_strdup (_("The server kept turning requests away (too many requests): run fewer at once, or try again later"));
    case MT_CLIENT_ERROR_STREAM_DROPPED:
      return g_strdup_printf (_("The server at %s stopped streaming mid-run: check that it is still running"),
                              url);
    case MT_CLIENT_ERROR_INVALID_URL:
      return g_strdup_printf (_("“%s” is not a server URL: enter one like http://127.0.0.1:8080/v1 in Preferences"),
                              url);
    case MT_CLIENT_ERROR_SERVER:
    case MT_CLIENT_ERROR_HTTP:
    case MT_CLIENT_ERROR_MALFORMED_EVENT:
    case MT_CLIENT_ERROR_EVENT_TOO_LARGE:
    case MT_CLIENT_ERROR_INVALID_UTF8:
    default:
      /* Translators: %s is the error as the server or the client gave it */
      return g_strdup_printf (_("The server failed: %s"), error->message);
    }
}

char *
mt_live_session_describe_error (MtLiveSession *self,
                                const GError  *error)
{
  g_autofree char *what = NULL;

  g_return_val_if_fail (MT_IS_LIVE_SESSION (self), NULL);
  g_return_val_if_fail (error != NULL, NULL);

  what = mt_live_describe_error (error,
                                 self->server != NULL ? self->server->url : NULL,
                                 self->server != NULL ? self->server->model : NULL);
  if (error->domain != MT_CLIENT_ERROR)
    return g_steal_pointer (&what);

  /* Translators: %s says what went wrong and what to do */
  return g_strdup_printf (_("%s. The text that arrived is kept."), what);
}
