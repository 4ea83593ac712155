/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the window says when a live run fails: a refused key, a storm of
 * 429s, a model the server does not have, against an in-process server
 * (tests/fake-server.c) that answers exactly so. The failed run is marked
 * with its error; everything else stays as it was. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "fake-server.h"
#include "gui-test-util.h"
#include "mt-new-run-dialog.h"
#include "mt-sweep-dialog.h"
#include "mt-timeline-private.h"
#include "mt-trace-row.h"
#include "mt-window-private.h"

#define WAIT_SECONDS 30

typedef GuiTestCondition Condition;

static void
wait_for (Condition   condition,
          gpointer    data,
          const char *what)
{
  gui_test_wait_for (condition, data, WAIT_SECONDS, what);
}

static gboolean
has_server (gpointer data)
{
  return mt_live_session_has_server (data);
}

static gboolean
nothing_running (gpointer data)
{
  return mt_live_session_get_n_running (data) == 0;
}

static gboolean
nothing_running_but_trunk (gpointer data)
{
  return mt_live_session_get_n_running (data) == 1;
}

/* Completions fail with this status; 0 lets them through. */
static void
status_script (const FakeRequest *request,
               FakeReply         *reply,
               gpointer           user_data)
{
  guint status = GPOINTER_TO_UINT (user_data);

  if (status != 0)
    {
      reply->end = FAKE_END_STATUS;
      reply->status = status;
      return;
    }

  fake_reply_add_tokens (reply, "Let", " me", " think", ".", "</think>", "\n\n", "42", NULL);
  reply->finish_reason = "stop";
}

typedef struct
{
  FakeServer    *server;
  MtWindow      *window;
  MtLiveSession *live;
  MtLab         *lab;
  MtTrace       *recorded;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *entry = NULL;
  g_autoptr(MtTrace) recorded = mt_trace_new ("recorded");

  fixture->server = fake_server_new ();
  fixture->server->script = status_script;

  entry = g_strdup_printf ("Fake|%s|qwen3-8b|completions||", fixture->server->url);
  g_settings_set_strv (settings, "servers", (const char * const[]) { entry, NULL });

  /* A finished trace that must come through every failure untouched. */
  fixture->lab = mt_lab_new ();
  mt_trace_set_reasoning (recorded, "Recorded earlier.");
  mt_trace_set_answer (recorded, "42");
  mt_trace_set_finish_reason (recorded, MT_FINISH_STOP);
  g_assert_true (mt_lab_add_trace (fixture->lab, recorded));
  fixture->recorded = recorded;

  fixture->window = mt_window_new (NULL);
  gtk_window_present (GTK_WINDOW (fixture->window));
  _mt_window_set_lab (fixture->window, fixture->lab, "Errors");
  fixture->live = _mt_window_get_live_session (fixture->window);
  wait_for (has_server, fixture->live, "the saved server");
  /* A storm of 429s ends after two tries, quickly. */
  mt_live_session_set_retries (fixture->live, 2, 10);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Gone already when the test closed it. */
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&fixture->lab);
  g_clear_pointer (&fixture->server, fake_server_free);
}

static MtTrace *
run_failing (Fixture *fixture,
             guint    status)
{
  g_autoptr(MtProblem) problem = mt_problem_new ("p1");
  g_autoptr(GError) error = NULL;
  MtTrace *trace;

  fixture->server->script_data = GUINT_TO_POINTER (status);
  mt_problem_set_prompt (problem, "What is 6 times 7?");
  trace = mt_live_session_run (fixture->live, problem, MT_INTERRUPT_CUSTOM, &error);
  g_assert_no_error (error);
  g_assert_nonnull (trace);
  wait_for (nothing_running, fixture->live, "the run to end");

  return trace;
}

static void
assert_failed (Fixture    *fixture,
               MtTrace    *trace,
               int         code,
               const char *said)
{
  const GError *error = mt_live_session_get_error (fixture->live, trace);
  const char *toast = _mt_window_get_last_toast (fixture->window);

  g_assert_error ((GError *)error, MT_CLIENT_ERROR, code);
  /* The run is marked with its error. */
  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_ERROR);
  g_assert_nonnull (strstr (mt_trace_get_split_note (trace), "stopped by an error"));
  /* The window says what happened and what to do. */
  g_assert_nonnull (toast);
  g_assert_nonnull (strstr (toast, said));
  /* Everything else is as it was. */
  g_assert_cmpint (mt_trace_get_finish_reason (fixture->recorded), ==, MT_FINISH_STOP);
  g_assert_cmpstr (mt_trace_get_reasoning (fixture->recorded), ==, "Recorded earlier.");
}

static void
test_errors_unauthorized (Fixture       *fixture,
                          gconstpointer  data)
{
  MtTrace *trace = run_failing (fixture, 401);

  assert_failed (fixture, trace, MT_CLIENT_ERROR_UNAUTHORIZED,
                 "refused the API key: enter the right key in Preferences");
}

static void
test_errors_rate_limited (Fixture       *fixture,
                          gconstpointer  data)
{
  MtTrace *trace = run_failing (fixture, 429);

  assert_failed (fixture, trace, MT_CLIENT_ERROR_RATE_LIMITED, "run fewer at once");
  g_assert_cmpuint (fixture->server->requests->len, ==, 2);
}

static void
test_errors_wrong_model (Fixture       *fixture,
                         gconstpointer  data)
{
  MtTrace *trace = run_failing (fixture, 404);

  assert_failed (fixture, trace, MT_CLIENT_ERROR_NOT_FOUND,
                 "has no model “qwen3-8b”: pick one of its models in Preferences");
}

static MtNewRunDialog *
find_new_run_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (MT_IS_NEW_RUN_DIALOG (item) && gtk_widget_get_visible (GTK_WIDGET (item)))
        return MT_NEW_RUN_DIALOG (item);
    }

  return NULL;
}

/* A branch that fails is marked; its trunk is not. */
static void
test_errors_branch (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reasoning = NULL;
  MtNewRunDialog *dialog;
  MtTrace *trunk;
  MtBranch *branch;

  /* The trunk, started from the window, so that the window shows it. */
  fixture->server->script_data = GUINT_TO_POINTER (0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.new-run", NULL));
  dialog = find_new_run_dialog ();
  g_assert_nonnull (dialog);
  mt_new_run_dialog_set_typed (dialog, "What is 6 times 7?", "42");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL));
  trunk = mt_timeline_get_trace (_mt_window_get_timeline (fixture->window));
  g_assert_nonnull (trunk);
  g_assert_true (mt_live_session_is_running (fixture->live, trunk));
  wait_for (nothing_running, fixture->live, "the trunk to end");

  g_assert_null (mt_live_session_get_error (fixture->live, trunk));
  g_assert_cmpint (mt_trace_get_finish_reason (trunk), ==, MT_FINISH_STOP);
  g_assert_null (_mt_window_get_last_toast (fixture->window));
  reasoning = g_strdup (mt_trace_get_reasoning (trunk));

  fixture->server->script_data = GUINT_TO_POINTER (401);
  branch = mt_live_session_interrupt (fixture->live, trunk, MT_INTERRUPT_HARD, 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (branch);
  wait_for (nothing_running, fixture->live, "the branch to end");

  assert_failed (fixture, MT_TRACE (branch), MT_CLIENT_ERROR_UNAUTHORIZED, "refused the API key");
  g_assert_null (mt_live_session_get_error (fixture->live, trunk));
  g_assert_cmpint (mt_trace_get_finish_reason (trunk), ==, MT_FINISH_STOP);
  g_assert_cmpstr (mt_trace_get_reasoning (trunk), ==, reasoning);

  /* The marker's popover runs an interrupt at the marker's token. */
  fixture->server->script_data = GUINT_TO_POINTER (0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.interrupt-at",
                                             "(su)", "speedup", 1));
  wait_for (nothing_running, fixture->live, "the marker's branch to end");
  {
    GListModel *traces = mt_lab_get_traces (fixture->lab);
    g_autoptr(MtTrace) last = g_list_model_get_item (traces, g_list_model_get_n_items (traces) - 1);

    g_assert_true (MT_IS_BRANCH (last));
    g_assert_true (mt_branch_get_parent (MT_BRANCH (last)) == trunk);
    g_assert_cmpint (mt_interrupt_get_kind (mt_branch_get_interrupt (MT_BRANCH (last))), ==,
                     MT_INTERRUPT_SPEEDUP);
    g_assert_cmpuint (mt_interrupt_get_token_index (mt_branch_get_interrupt (MT_BRANCH (last))),
                      ==, 1);
    g_assert_cmpint (mt_trace_get_finish_reason (last), ==, MT_FINISH_STOP);
  }

  /* An update needs its text: said before anything is sent. */
  g_assert_null (mt_live_session_interrupt (fixture->live, trunk, MT_INTERRUPT_UPDATE, 2, "",
                                            &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* The trunk thinks "tok0 " to "tok79 " and then holds the stream open;
 * a branch (its prompt has the trunk's text) ends at once. */
static void
streaming_script (const FakeRequest *request,
                  FakeReply         *reply,
                  gpointer           user_data)
{
  if (request->prompt != NULL && strstr (request->prompt, "tok0 ") != NULL)
    {
      fake_reply_add_tokens (reply, "Done", ".", "</think>", "\n\n", "42", NULL);
      reply->finish_reason = "stop";
      return;
    }

  g_ptr_array_add (reply->tokens, g_strdup ("<think>"));
  for (guint i = 0; i < 80; i++)
    g_ptr_array_add (reply->tokens, g_strdup_printf ("tok%u ", i));
  reply->end = FAKE_END_HANG;
}

typedef struct
{
  MtTimeline *timeline;
  MtTrace    *trace;
  guint       n_tokens;
} StreamWait;

/* The trace streamed @n_tokens and the timeline shows them. */
static gboolean
timeline_has_tokens (gpointer data)
{
  StreamWait *wait = data;

  return mt_trace_get_n_reasoning_tokens (wait->trace) >= wait->n_tokens
         && mt_timeline_get_trace (wait->timeline) == wait->trace
         && mt_timeline_get_n_reasoning_tokens (wait->timeline) >= wait->n_tokens;
}

static gboolean
has_button (gpointer data)
{
  return gui_test_find_button (data, mt_timeline_get_kind_label (MT_INTERRUPT_HARD)) != NULL;
}

/* Dragging the marker onto a trace that still streams and choosing Run in
 * its popover interrupts at the marker's token, not at the head. */
static void
test_drag_onto_streaming (Fixture       *fixture,
                          gconstpointer  data)
{
  MtTimeline *timeline = _mt_window_get_timeline (fixture->window);
  MtNewRunDialog *dialog;
  MtTrace *trunk;
  MtBranch *branch = NULL;
  MtInterrupt *interrupt;
  const MtTimelineLayout *layout;
  StreamWait wait;
  GtkWidget *button;
  GListModel *traces;
  const char *prompt;
  guint marker;

  fixture->server->script = streaming_script;
  fixture->server->interval = 10;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.new-run", NULL));
  dialog = find_new_run_dialog ();
  g_assert_nonnull (dialog);
  mt_new_run_dialog_set_typed (dialog, "What is 6 times 7?", "42");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL));
  trunk = mt_timeline_get_trace (timeline);
  g_assert_nonnull (trunk);

  /* Drag the marker onto token 10 while the trace grows. */
  wait = (StreamWait) { timeline, trunk, 30 };
  wait_for (timeline_has_tokens, &wait, "30 tokens on the timeline");
  g_assert_true (mt_live_session_is_running (fixture->live, trunk));
  layout = _mt_timeline_get_layout (timeline);
  _mt_timeline_drag_marker_to (timeline,
                               _mt_timeline_layout_token_to_x (layout,
                                                               _mt_timeline_get_data (timeline)->origin
                                                               + 10.5),
                               FALSE);
  marker = mt_timeline_get_marker_position (timeline);
  g_assert_cmpuint (marker, >=, 9);
  g_assert_cmpuint (marker, <=, 11);

  /* The trace goes on growing; the marker stays on its token. */
  wait.n_tokens = 50;
  wait_for (timeline_has_tokens, &wait, "50 tokens on the timeline");
  g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==, marker);

  /* The popover, while it still streams, and Run. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.activate-marker",
                                             NULL));
  wait_for (has_button, timeline, "the popover's Run buttons");
  wait.n_tokens = 70;
  wait_for (timeline_has_tokens, &wait, "70 tokens on the timeline");
  g_assert_true (mt_live_session_is_running (fixture->live, trunk));
  button = gui_test_find_button (GTK_WIDGET (timeline), mt_timeline_get_kind_label (MT_INTERRUPT_HARD));
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");

  traces = mt_lab_get_traces (fixture->lab);
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) item = g_list_model_get_item (traces, i);

      if (MT_IS_BRANCH (item) && mt_branch_get_parent (MT_BRANCH (item)) == trunk)
        branch = MT_BRANCH (item);
    }
  g_assert_nonnull (branch);
  interrupt = mt_branch_get_interrupt (branch);
  g_assert_cmpint (mt_interrupt_get_kind (interrupt), ==, MT_INTERRUPT_HARD);
  g_assert_cmpuint (mt_interrupt_get_token_index (interrupt), ==, marker);
  /* The parent's text is cut at the marker: its last token goes out, the
   * next does not, nor anything up to the head. */
  prompt = mt_trace_get_prompt (MT_TRACE (branch));
  {
    g_autofree char *last = g_strdup_printf ("tok%u ", marker - 1);
    g_autofree char *next = g_strdup_printf ("tok%u ", marker);

    g_assert_nonnull (strstr (prompt, last));
    g_assert_null (strstr (prompt, next));
    g_assert_null (strstr (prompt, "tok69 "));
  }
  wait_for (nothing_running_but_trunk, fixture->live, "the branch to end");
  g_assert_cmpint (mt_trace_get_finish_reason (MT_TRACE (branch)), ==, MT_FINISH_STOP);
  /* The trunk streams on beside it. */
  g_assert_true (mt_live_session_is_running (fixture->live, trunk));
  mt_live_session_stop_all (fixture->live);
  wait_for (nothing_running, fixture->live, "the trunk to stop");
}

static MtTraceRow *
find_row (GtkWidget *widget,
          MtTrace   *trace)
{
  if (MT_IS_TRACE_ROW (widget) && mt_trace_row_get_trace (MT_TRACE_ROW (widget)) == trace)
    return MT_TRACE_ROW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      MtTraceRow *found = find_row (child, trace);

      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  MtWindow   *window;
  MtTrace    *trace;
  const char *text;
} RowWait;

static gboolean
row_says (gpointer data)
{
  RowWait *wait = data;
  MtTraceRow *row = find_row (GTK_WIDGET (wait->window), wait->trace);

  return row != NULL && g_strcmp0 (mt_trace_row_get_tokens_text (row), wait->text) == 0;
}

/* The sidebar's row of a trace that streams counts its tokens as they
 * arrive, not only when it is bound again. */
static void
test_row_counts_streaming (Fixture       *fixture,
                           gconstpointer  data)
{
  MtTimeline *timeline = _mt_window_get_timeline (fixture->window);
  MtNewRunDialog *dialog;
  MtTrace *trunk;
  StreamWait wait;
  RowWait row_wait;

  fixture->server->script = streaming_script;
  fixture->server->interval = 10;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.new-run", NULL));
  dialog = find_new_run_dialog ();
  g_assert_nonnull (dialog);
  mt_new_run_dialog_set_typed (dialog, "What is 6 times 7?", "42");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL));
  trunk = mt_timeline_get_trace (timeline);
  g_assert_nonnull (trunk);

  /* All 80 tokens while it still streams (the server holds the stream
   * open): its row was bound long before. */
  wait = (StreamWait) { timeline, trunk, 80 };
  wait_for (timeline_has_tokens, &wait, "80 tokens on the timeline");
  row_wait = (RowWait) { fixture->window, trunk, "80 + 0 tokens" };
  wait_for (row_says, &row_wait, "the row to count 80 tokens");
  g_assert_true (mt_live_session_is_running (fixture->live, trunk));

  mt_live_session_stop_all (fixture->live);
  wait_for (nothing_running, fixture->live, "the run to stop");
}

static gboolean
not_loading (gpointer data)
{
  return !mt_window_get_loading (data);
}

/* Runs in a lab opened from its file are appended to that file. */
static void
test_lab_file_gets_runs (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtLab) saved = mt_lab_new ();
  g_autoptr(MtLab) reloaded = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(MtProblem) problem = mt_problem_new ("p1");
  g_autofree char *dir = g_dir_make_tmp ("mt-test-live-errors-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "opened.mtlab", NULL);
  MtTrace *trace;
  MtTrace *written;

  g_assert_no_error (error);
  mt_problem_set_prompt (problem, "What is 6 times 7?");
  g_assert_true (mt_lab_add_problem (saved, problem));
  g_assert_true (mt_lab_file_save (saved, path, NULL, &error));
  g_assert_no_error (error);

  file = g_file_new_for_path (path);
  mt_window_open (fixture->window, file);
  wait_for (not_loading, fixture->window, "the lab to load");
  g_assert_cmpstr (mt_live_session_get_lab_file (fixture->live), ==, path);

  trace = mt_live_session_run (fixture->live,
                               mt_lab_lookup_problem (mt_window_get_lab (fixture->window), "p1"),
                               MT_INTERRUPT_HARD, &error);
  g_assert_no_error (error);
  wait_for (nothing_running, fixture->live, "the run to end");

  report = mt_load_report_new (path);
  g_assert_true (mt_lab_file_load (reloaded, path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_skipped, ==, 0);
  written = mt_lab_lookup_trace (reloaded, mt_trace_get_id (trace));
  g_assert_nonnull (written);
  g_assert_cmpint (mt_trace_get_finish_reason (written), ==, MT_FINISH_STOP);
  g_assert_cmpstr (mt_trace_get_reasoning (written), ==, mt_trace_get_reasoning (trace));
  /* The scenario's system prompt went out with it. */
  g_assert_nonnull (strstr (mt_trace_get_prompt (written), mt_interrupt_system_hard));

  mt_live_session_set_lab_file (fixture->live, NULL, NULL);
  g_unlink (path);
  g_rmdir (dir);
}

static MtSweepDialog *
find_sweep_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (MT_IS_SWEEP_DIALOG (item) && gtk_widget_get_visible (GTK_WIDGET (item)))
        return MT_SWEEP_DIALOG (item);
    }

  return NULL;
}

static gboolean
sweep_ended (gpointer data)
{
  MtLiveSweepState state = mt_live_session_get_sweep_state (data);

  return state == MT_LIVE_SWEEP_DONE || state == MT_LIVE_SWEEP_FAILED;
}

typedef struct
{
  MtLiveSession *live;
  guint          n_done;
} SweepWait;

static gboolean
sweep_paused_with (gpointer data)
{
  SweepWait *wait = data;
  MtSweepProgress progress;

  return mt_live_session_get_sweep_progress (wait->live, &progress)
         && mt_live_session_get_sweep_state (wait->live) == MT_LIVE_SWEEP_PAUSED
         && progress.n_done >= wait->n_done;
}

static gboolean
sweep_done_at_least (gpointer data)
{
  SweepWait *wait = data;
  MtSweepProgress progress;

  return mt_live_session_get_sweep_progress (wait->live, &progress)
         && progress.n_done >= wait->n_done;
}

/* How many finished branch records @path holds, and whether any id has
 * two. */
static guint
count_finished_branches (const char *path,
                         gboolean   *twice)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GListModel *traces;
  guint n = 0;

  g_assert_true (mt_lab_file_load (lab, path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_skipped, ==, 0);
  traces = mt_lab_get_traces (lab);
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      if (MT_IS_BRANCH (trace) && mt_trace_get_finish_reason (trace) == MT_FINISH_STOP)
        n++;
    }

  /* A record without "partial" is final: one per id. */
  *twice = FALSE;
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *id_at = strstr (lines[i], "\"id\":\"");
      const char *end;
      char *id;

      if (id_at == NULL || strstr (lines[i], "\"partial\":true") != NULL
          || strstr (lines[i], "\"type\":\"problem\"") != NULL)
        continue;
      id_at += strlen ("\"id\":\"");
      end = strchr (id_at, '"');
      id = g_strndup (id_at, end - id_at);
      if (!g_hash_table_add (finished, id))
        *twice = TRUE;
    }

  return n;
}

static char *
save_problems_lab (guint n_problems)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-test-live-sweep-XXXXXX", &error);
  char *path = g_build_filename (dir, "sweep.mtlab", NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < n_problems; i++)
    {
      g_autofree char *id = g_strdup_printf ("gsm-%u", i + 1);
      g_autofree char *prompt = g_strdup_printf ("What is %u plus %u?", i, i + 1);
      g_autoptr(MtProblem) problem = mt_problem_new (id);

      mt_problem_set_prompt (problem, prompt);
      mt_problem_set_answer (problem, "1");
      g_assert_true (mt_lab_add_problem (lab, problem));
    }
  g_assert_true (mt_lab_file_save (lab, path, NULL, &error));
  g_assert_no_error (error);
  return path;
}

static void
remove_lab (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *backup = g_strconcat (path, "~", NULL);

  g_unlink (path);
  g_unlink (backup);
  g_rmdir (dir);
}

static void
open_lab (Fixture    *fixture,
          const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  mt_window_open (fixture->window, file);
  wait_for (not_loading, fixture->window, "the lab to load");
  /* Why the window would not write to it, when it would not. */
  if (g_strcmp0 (mt_live_session_get_lab_file (fixture->live), path) != 0)
    g_test_message ("last toast: %s", _mt_window_get_last_toast (fixture->window));
  g_assert_cmpstr (mt_live_session_get_lab_file (fixture->live), ==, path);
}

/* 3 problems x 2 positions x 2 kinds from the dialog: all 12 branches
 * land in the lab file, and in the window's lab. */
static void
test_sweep_from_dialog (Fixture       *fixture,
                        gconstpointer  data)
{
  const MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP };
  g_autofree char *path = save_problems_lab (3);
  MtSweepProgress progress;
  MtSweepDialog *dialog;
  gboolean twice;
  guint n_branches = 0;
  GListModel *traces;

  fixture->server->script_data = GUINT_TO_POINTER (0);
  open_lab (fixture, path);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.sweep", NULL));
  dialog = find_sweep_dialog ();
  g_assert_nonnull (dialog);
  mt_sweep_dialog_set_plan (dialog, "0.3, 0.7", kinds, G_N_ELEMENTS (kinds), 1, 2);
  g_signal_emit_by_name (dialog, "start");
  g_assert_null (find_sweep_dialog ());
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_RUNNING);

  wait_for (sweep_ended, fixture->live, "the sweep to end");
  g_assert_no_error ((GError *)mt_live_session_get_sweep_error (fixture->live));
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_DONE);
  g_assert_true (mt_live_session_get_sweep_progress (fixture->live, &progress));
  g_assert_cmpuint (progress.n_total, ==, 15);
  g_assert_cmpuint (progress.n_done, ==, 15);
  g_assert_cmpuint (progress.n_failed, ==, 0);

  g_assert_cmpuint (count_finished_branches (path, &twice), ==, 12);
  g_assert_false (twice);

  /* The window's lab shows them too. */
  traces = mt_lab_get_traces (mt_window_get_lab (fixture->window));
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      n_branches += MT_IS_BRANCH (trace);
    }
  g_assert_cmpuint (n_branches, ==, 12);

  mt_live_session_set_lab_file (fixture->live, NULL, NULL);
  remove_lab (path);
}

/* A picture of @window's content, when MT_SWEEP_SCREENSHOT names a file. */
static void
save_screenshot (GtkWindow *window)
{
  const char *path = g_getenv ("MT_SWEEP_SCREENSHOT");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkWidget *content;
  int width, height;

  if (path == NULL || *path == '\0')
    return;

  /* Laid out and painted once first. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  content = adw_window_get_content (ADW_WINDOW (window));
  width = gtk_widget_get_width (content);
  height = gtk_widget_get_height (content);
  paintable = gtk_widget_paintable_new (content);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static gboolean
has_two_servers (gpointer data)
{
  return mt_live_session_get_servers (data)->len == 2;
}

static gboolean
filter_settled (gpointer data)
{
  return _mt_window_get_filter_pending (data) == 0;
}

/* The problems the sidebar's filter leaves, on two servers at once: only
 * their work keys run, and the requests go round-robin over both. */
static void
test_sweep_filtered_servers (Fixture       *fixture,
                             gconstpointer  data)
{
  const MtInterruptKind kinds[] = { MT_INTERRUPT_HARD };
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(FakeServer) second = fake_server_new ();
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) servers = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-test-live-sweep-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "filtered.mtlab", NULL);
  g_autofree char *entry = NULL;
  g_autofree char *other = NULL;
  g_autofree char *contents = NULL;
  MtSweepDialog *dialog;
  MtSweepProgress progress;
  GPtrArray *problems;
  gboolean twice;

  g_assert_no_error (error);
  fixture->server->script_data = GUINT_TO_POINTER (0);
  second->script = status_script;
  second->script_data = GUINT_TO_POINTER (0);

  /* Three problems, one recorded trace each; the filter keeps two. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("gsm-%u", i + 1);
      g_autofree char *trace_id = g_strdup_printf ("recorded-%u", i + 1);
      g_autofree char *prompt = g_strdup_printf ("What is %u plus %u?", i, i + 1);
      g_autoptr(MtProblem) problem = mt_problem_new (id);
      g_autoptr(MtTrace) trace = mt_trace_new (trace_id);

      mt_problem_set_prompt (problem, prompt);
      mt_problem_set_answer (problem, "1");
      g_assert_true (mt_lab_add_problem (lab, problem));
      mt_trace_set_problem_id (trace, id);
      mt_trace_set_model (trace, i < 2 ? "kept" : "left-out");
      mt_trace_set_reasoning (trace, "Recorded earlier.");
      mt_trace_set_answer (trace, "1");
      mt_trace_set_finish_reason (trace, MT_FINISH_STOP);
      g_assert_true (mt_lab_add_trace (lab, trace));
    }
  g_assert_true (mt_lab_file_save (lab, path, NULL, &error));
  g_assert_no_error (error);

  entry = g_strdup_printf ("Fake|%s|qwen3-8b|completions||", fixture->server->url);
  other = g_strdup_printf ("Second|%s|qwen3-8b|completions||", second->url);
  g_settings_set_strv (settings, "servers", (const char * const[]) { entry, other, NULL });
  wait_for (has_two_servers, fixture->live, "both saved servers");
  open_lab (fixture, path);
  g_assert_true (_mt_window_set_model_filter (fixture->window, "kept"));
  wait_for (filter_settled, fixture->window, "the sidebar's filter");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.sweep", NULL));
  dialog = find_sweep_dialog ();
  g_assert_nonnull (dialog);
  mt_sweep_dialog_set_plan (dialog, "0.5", kinds, G_N_ELEMENTS (kinds), 1, 2);
  /* All by default; the filtered set has the two problems. */
  g_assert_cmpint (mt_sweep_dialog_get_scope (dialog), ==, MT_SWEEP_SCOPE_ALL);
  g_assert_cmpuint (mt_sweep_dialog_get_problems (dialog)->len, ==, 3);
  mt_sweep_dialog_set_scope (dialog, MT_SWEEP_SCOPE_FILTERED);
  problems = mt_sweep_dialog_get_problems (dialog);
  g_assert_cmpuint (problems->len, ==, 2);
  g_assert_cmpstr (mt_problem_get_id (g_ptr_array_index (problems, 0)), ==, "gsm-1");
  g_assert_cmpstr (mt_problem_get_id (g_ptr_array_index (problems, 1)), ==, "gsm-2");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (dialog)), ==, "Sweep of 2 Problems");
  /* The selected trace's problem, one. */
  mt_sweep_dialog_set_scope (dialog, MT_SWEEP_SCOPE_SELECTED);
  g_assert_cmpuint (mt_sweep_dialog_get_problems (dialog)->len, ==, 1);
  mt_sweep_dialog_set_scope (dialog, MT_SWEEP_SCOPE_FILTERED);

  /* No server chosen: Start says why it cannot. */
  mt_sweep_dialog_set_server_active (dialog, 0, FALSE);
  g_assert_cmpstr (mt_sweep_dialog_get_start_problem (dialog), ==, "Choose at least one server");
  g_signal_emit_by_name (dialog, "start");
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_NONE);
  mt_sweep_dialog_set_server_active (dialog, 0, TRUE);
  mt_sweep_dialog_set_server_active (dialog, 1, TRUE);
  g_assert_null (mt_sweep_dialog_get_start_problem (dialog));
  servers = mt_sweep_dialog_get_servers (dialog);
  g_assert_cmpuint (servers->len, ==, 2);
  save_screenshot (GTK_WINDOW (dialog));

  g_signal_emit_by_name (dialog, "start");
  g_assert_null (find_sweep_dialog ());
  g_assert_cmpuint (mt_live_session_get_sweep_servers (fixture->live)->len, ==, 2);
  wait_for (sweep_ended, fixture->live, "the sweep to end");
  g_assert_no_error ((GError *)mt_live_session_get_sweep_error (fixture->live));
  g_assert_true (mt_live_session_get_sweep_progress (fixture->live, &progress));
  /* Two oracles and two branches. */
  g_assert_cmpuint (progress.n_total, ==, 4);
  g_assert_cmpuint (progress.n_done, ==, 4);
  g_assert_cmpuint (count_finished_branches (path, &twice), ==, 2);
  g_assert_false (twice);

  /* Both servers got requests, and none was about the third problem. */
  g_assert_cmpuint (fixture->server->requests->len, >, 0);
  g_assert_cmpuint (second->requests->len, >, 0);
  g_assert_cmpuint (fixture->server->requests->len + second->requests->len, ==, 4);
  for (guint s = 0; s < 2; s++)
    {
      GPtrArray *requests = s == 0 ? fixture->server->requests : second->requests;

      for (guint i = 0; i < requests->len; i++)
        {
          const FakeRequest *request = g_ptr_array_index (requests, i);

          g_assert_null (strstr (request->prompt, "What is 2 plus 3?"));
        }
    }
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, ":gsm-3:"));
  g_assert_nonnull (strstr (contents, ":gsm-1:"));
  g_assert_nonnull (strstr (contents, ":gsm-2:"));

  mt_live_session_set_lab_file (fixture->live, NULL, NULL);
  remove_lab (path);
}

/* Save As during a sweep: the sweep goes on in the new file, its settings
 * move next to it, and the new file ends with every branch exactly once. */
static void
test_sweep_save_as (Fixture       *fixture,
                    gconstpointer  data)
{
  const double positions[] = { 0.3, 0.7 };
  const MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP };
  g_autofree char *path = save_problems_lab (3);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *new_path = g_build_filename (dir, "renamed.mtlab", NULL);
  g_autofree char *old_settings = g_strconcat (path, ".sweep", NULL);
  g_autofree char *new_settings = g_strconcat (new_path, ".sweep", NULL);
  g_autofree char *new_backup = g_strconcat (new_path, "~", NULL);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  MtSweepProgress progress;
  GListModel *lab_problems;
  SweepWait wait;
  gboolean twice;

  fixture->server->script_data = GUINT_TO_POINTER (0);
  /* Slow enough that the sweep is under way when the lab is saved. */
  fixture->server->interval = 15;
  open_lab (fixture, path);
  lab_problems = mt_lab_get_problems (mt_window_get_lab (fixture->window));
  for (guint i = 0; i < g_list_model_get_n_items (lab_problems); i++)
    g_ptr_array_add (problems, g_list_model_get_item (lab_problems, i));

  g_assert_true (mt_live_session_start_sweep (fixture->live, problems, positions, 2, kinds, 2, 1,
                                              1, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (old_settings, G_FILE_TEST_EXISTS));
  wait = (SweepWait) { fixture->live, 4 };
  wait_for (sweep_done_at_least, &wait, "4 items of the sweep");
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_RUNNING);

  g_assert_true (_mt_window_save_to (fixture->window, new_path));
  g_assert_cmpstr (mt_live_session_get_lab_file (fixture->live), ==, new_path);
  g_assert_false (g_file_test (old_settings, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (new_settings, G_FILE_TEST_EXISTS));
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_RUNNING);

  wait_for (sweep_ended, fixture->live, "the sweep to end");
  g_assert_no_error ((GError *)mt_live_session_get_sweep_error (fixture->live));
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_DONE);
  g_assert_true (mt_live_session_get_sweep_progress (fixture->live, &progress));
  g_assert_cmpuint (progress.n_done, ==, progress.n_total);
  g_assert_cmpuint (count_finished_branches (new_path, &twice), ==, 12);
  g_assert_false (twice);
  /* Finished: nothing left to resume. */
  g_assert_false (g_file_test (new_settings, G_FILE_TEST_EXISTS));

  mt_live_session_set_lab_file (fixture->live, NULL, NULL);
  g_unlink (new_path);
  g_unlink (new_backup);
  remove_lab (path);
}

/* Save As after a sweep paused: its settings move with the lab, and
 * resuming finishes it in the new file. */
static void
test_sweep_save_as_paused (Fixture       *fixture,
                           gconstpointer  data)
{
  const double positions[] = { 0.3, 0.7 };
  const MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP };
  g_autofree char *path = save_problems_lab (3);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *new_path = g_build_filename (dir, "renamed.mtlab", NULL);
  g_autofree char *old_settings = g_strconcat (path, ".sweep", NULL);
  g_autofree char *new_settings = g_strconcat (new_path, ".sweep", NULL);
  g_autofree char *new_backup = g_strconcat (new_path, "~", NULL);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  GListModel *lab_problems;
  SweepWait wait;
  gboolean twice;

  fixture->server->script_data = GUINT_TO_POINTER (0);
  fixture->server->interval = 15;
  open_lab (fixture, path);
  lab_problems = mt_lab_get_problems (mt_window_get_lab (fixture->window));
  for (guint i = 0; i < g_list_model_get_n_items (lab_problems); i++)
    g_ptr_array_add (problems, g_list_model_get_item (lab_problems, i));

  g_assert_true (mt_live_session_start_sweep (fixture->live, problems, positions, 2, kinds, 2, 1,
                                              1, NULL, &error));
  g_assert_no_error (error);
  wait = (SweepWait) { fixture->live, 4 };
  wait_for (sweep_done_at_least, &wait, "4 items of the sweep");
  mt_live_session_pause_sweep (fixture->live);
  wait_for (sweep_paused_with, &wait, "the pause");

  g_assert_true (_mt_window_save_to (fixture->window, new_path));
  g_assert_cmpstr (mt_live_session_get_lab_file (fixture->live), ==, new_path);
  g_assert_false (g_file_test (old_settings, G_FILE_TEST_EXISTS));
  g_assert_true (mt_live_session_has_saved_sweep (fixture->live));
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_PAUSED);

  g_assert_true (mt_live_session_resume_sweep (fixture->live, &error));
  g_assert_no_error (error);
  wait_for (sweep_ended, fixture->live, "the sweep to end");
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_DONE);
  g_assert_cmpuint (count_finished_branches (new_path, &twice), ==, 12);
  g_assert_false (twice);
  g_assert_false (g_file_test (new_settings, G_FILE_TEST_EXISTS));

  mt_live_session_set_lab_file (fixture->live, NULL, NULL);
  g_unlink (new_path);
  g_unlink (new_backup);
  remove_lab (path);
}

/* Save while a run streams: the file saved has the run (a snapshot, then
 * how it ended), not only the backup of the file it replaced. */
static void
test_save_while_streaming (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *path = save_problems_lab (1);
  g_autofree char *backup = g_strconcat (path, "~", NULL);
  g_autoptr(MtLab) reloaded = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  MtTimeline *timeline = _mt_window_get_timeline (fixture->window);
  MtTrace *trace;
  MtTrace *written;
  StreamWait wait;

  fixture->server->script = streaming_script;
  fixture->server->interval = 10;
  open_lab (fixture, path);

  trace = mt_live_session_run (fixture->live,
                               mt_lab_lookup_problem (mt_window_get_lab (fixture->window), "gsm-1"),
                               MT_INTERRUPT_CUSTOM, &error);
  g_assert_no_error (error);
  g_assert_nonnull (trace);
  mt_timeline_set_trace (timeline, trace);
  wait = (StreamWait) { timeline, trace, 20 };
  wait_for (timeline_has_tokens, &wait, "20 streamed tokens");

  g_assert_true (_mt_window_save_to (fixture->window, path));
  g_assert_true (mt_live_session_is_running (fixture->live, trace));
  wait.n_tokens = 80;
  wait_for (timeline_has_tokens, &wait, "all 80 tokens");
  mt_live_session_stop (fixture->live, trace);
  wait_for (nothing_running, fixture->live, "the run to stop");

  report = mt_load_report_new (path);
  g_assert_true (mt_lab_file_load (reloaded, path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_skipped, ==, 0);
  written = mt_lab_lookup_trace (reloaded, mt_trace_get_id (trace));
  g_assert_nonnull (written);
  g_assert_cmpint (mt_trace_get_finish_reason (written), ==, MT_FINISH_CANCELLED);
  g_assert_cmpstr (mt_trace_get_reasoning (written), ==, mt_trace_get_reasoning (trace));

  mt_live_session_set_lab_file (fixture->live, NULL, NULL);
  g_unlink (backup);
  remove_lab (path);
}

/* Pause keeps what finished; resume does only the rest. */
static void
test_sweep_pause_resume (Fixture       *fixture,
                         gconstpointer  data)
{
  const double positions[] = { 0.3, 0.7 };
  const MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP };
  g_autofree char *path = save_problems_lab (3);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  GListModel *lab_problems;
  SweepWait wait;
  gboolean twice;
  guint requests_before;

  fixture->server->script_data = GUINT_TO_POINTER (0);
  /* Slow enough to pause in the middle. */
  fixture->server->interval = 20;
  open_lab (fixture, path);
  lab_problems = mt_lab_get_problems (mt_window_get_lab (fixture->window));
  for (guint i = 0; i < g_list_model_get_n_items (lab_problems); i++)
    g_ptr_array_add (problems, g_list_model_get_item (lab_problems, i));

  g_assert_true (mt_live_session_start_sweep (fixture->live, problems, positions, 2, kinds, 2, 1,
                                              1, NULL, &error));
  g_assert_no_error (error);
  wait = (SweepWait) { fixture->live, 4 };
  wait_for (sweep_done_at_least, &wait, "4 items done");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.sweep-pause",
                                             NULL));
  wait_for (sweep_paused_with, &wait, "the pause");
  requests_before = fixture->server->requests->len;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.sweep-resume",
                                             NULL));
  wait_for (sweep_ended, fixture->live, "the resumed sweep to end");
  g_assert_no_error ((GError *)mt_live_session_get_sweep_error (fixture->live));
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_DONE);
  g_assert_cmpuint (count_finished_branches (path, &twice), ==, 12);
  g_assert_false (twice);
  /* Only what was left: 15 items in all, some done before the pause. */
  g_assert_cmpuint (fixture->server->requests->len - requests_before, <=, 15 - 4);

  mt_live_session_set_lab_file (fixture->live, NULL, NULL);
  remove_lab (path);
}

/* A trace of @lab that a pause cut short, or an error ended. */
static MtTrace *
find_cut_short (MtLab *lab)
{
  GListModel *traces = mt_lab_get_traces (lab);

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      MtFinishReason finish = mt_trace_get_finish_reason (trace);

      if (finish == MT_FINISH_CANCELLED || finish == MT_FINISH_ERROR)
        return trace;
    }

  return NULL;
}

typedef struct
{
  MtLiveSession *live;
  MtLab         *lab;
  guint          n_done;
} StreamingWait;

/* Some items done, and one in the window's lab still streaming. */
static gboolean
sweep_streaming_after (gpointer data)
{
  StreamingWait *wait = data;
  GListModel *traces = mt_lab_get_traces (wait->lab);
  MtSweepProgress progress;

  if (!mt_live_session_get_sweep_progress (wait->live, &progress) || progress.n_done < wait->n_done)
    return FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      if (mt_trace_get_finish_reason (trace) == MT_FINISH_UNKNOWN)
        return TRUE;
    }

  return FALSE;
}

static gboolean
nothing_streams (gpointer data)
{
  GListModel *traces = mt_lab_get_traces (data);

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      if (mt_trace_get_finish_reason (trace) == MT_FINISH_UNKNOWN)
        return FALSE;
    }

  return TRUE;
}

static GtkListView *
find_trace_list (GtkWidget  *widget,
                 GListModel *visible)
{
  if (GTK_IS_LIST_VIEW (widget))
    {
      GtkSelectionModel *model = gtk_list_view_get_model (GTK_LIST_VIEW (widget));

      if (GTK_IS_SINGLE_SELECTION (model)
          && gtk_single_selection_get_model (GTK_SINGLE_SELECTION (model)) == visible)
        return GTK_LIST_VIEW (widget);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkListView *found = find_trace_list (child, visible);

      if (found != NULL)
        return found;
    }

  return NULL;
}

typedef struct
{
  MtWindow *window;
  MtLab    *lab;
  MtTrace  *trace;
  char     *id;
} ShownWait;

static gboolean
shows_trace (gpointer data)
{
  ShownWait *wait = data;

  return mt_timeline_get_trace (_mt_window_get_timeline (wait->window)) == wait->trace;
}

static gboolean
lists_trace (gpointer data)
{
  ShownWait *wait = data;
  GListModel *visible = _mt_window_get_visible_traces (wait->window);

  if (_mt_window_get_filter_pending (wait->window) > 0)
    return FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (visible); i++)
    {
      g_autoptr(MtTrace) item = g_list_model_get_item (visible, i);

      if (item == wait->trace)
        return TRUE;
    }

  return FALSE;
}

/* The window shows the trace the lab now has under the id, in the
 * timeline and in a sidebar row, and no row is left of the old one. */
static gboolean
shows_redone (gpointer data)
{
  ShownWait *wait = data;
  MtTrace *current = mt_lab_lookup_trace (wait->lab, wait->id);

  return current != NULL && current != wait->trace
         && mt_timeline_get_trace (_mt_window_get_timeline (wait->window)) == current
         && find_row (GTK_WIDGET (wait->window), current) != NULL
         && find_row (GTK_WIDGET (wait->window), wait->trace) == NULL;
}

/* Items a pause cut short run again on resume, under their old ids: in
 * the window, each takes the place of its cancelled copy (as reopening
 * the lab file would show), in the sidebar and the timeline too. */
static void
test_sweep_redone_replaced (Fixture       *fixture,
                            gconstpointer  data)
{
  const double positions[] = { 0.3, 0.7 };
  const MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP };
  g_autofree char *path = save_problems_lab (3);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(MtTrace) cut_short = NULL;
  g_autofree char *cut_id = NULL;
  GListModel *lab_problems;
  GListModel *visible;
  GListModel *traces;
  GtkListView *list;
  GtkSelectionModel *selection;
  StreamingWait streaming;
  ShownWait shown;
  MtLab *lab;
  guint position = G_MAXUINT;
  guint n_branches = 0;
  gboolean twice;

  fixture->server->script_data = GUINT_TO_POINTER (0);
  /* Slow enough to pause with items in flight. */
  fixture->server->interval = 20;
  open_lab (fixture, path);
  lab = mt_window_get_lab (fixture->window);
  lab_problems = mt_lab_get_problems (lab);
  for (guint i = 0; i < g_list_model_get_n_items (lab_problems); i++)
    g_ptr_array_add (problems, g_list_model_get_item (lab_problems, i));

  g_assert_true (mt_live_session_start_sweep (fixture->live, problems, positions, 2, kinds, 2, 1,
                                              2, NULL, &error));
  g_assert_no_error (error);
  /* Paused while an item streams; an item that got its last token just
   * before the pause finishes instead, so pause again until one is cut
   * short. */
  for (guint attempt = 0; attempt < 5 && cut_short == NULL; attempt++)
    {
      streaming = (StreamingWait) { fixture->live, lab, 3 };
      if (attempt > 0)
        g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window),
                                                   "win.sweep-resume", NULL));
      wait_for (sweep_streaming_after, &streaming, "3 items done and one streaming in the window");
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.sweep-pause",
                                                 NULL));
      wait_for (nothing_streams, lab, "the items in flight to stop");
      if ((cut_short = find_cut_short (lab)) != NULL)
        g_object_ref (cut_short);
    }
  g_assert_nonnull (cut_short);
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_PAUSED);

  /* The window shows the one cut short, selected. */
  cut_id = g_strdup (mt_trace_get_id (cut_short));
  visible = _mt_window_get_visible_traces (fixture->window);
  shown = (ShownWait) { fixture->window, lab, cut_short, cut_id };
  wait_for (lists_trace, &shown, "the cut-short trace listed");
  for (guint i = 0; i < g_list_model_get_n_items (visible); i++)
    {
      g_autoptr(MtTrace) item = g_list_model_get_item (visible, i);

      if (item == cut_short)
        position = i;
    }
  g_assert_cmpuint (position, !=, G_MAXUINT);
  list = find_trace_list (GTK_WIDGET (fixture->window), visible);
  g_assert_nonnull (list);
  gtk_widget_activate_action (GTK_WIDGET (list), "list.scroll-to-item", "u", position);
  selection = gtk_list_view_get_model (list);
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (selection), position);
  wait_for (shows_trace, &shown, "the cut-short trace shown");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.sweep-resume",
                                             NULL));
  wait_for (sweep_ended, fixture->live, "the resumed sweep to end");
  g_assert_no_error ((GError *)mt_live_session_get_sweep_error (fixture->live));
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_DONE);
  g_assert_cmpuint (count_finished_branches (path, &twice), ==, 12);
  g_assert_false (twice);

  /* Each id once, finished, without an error mark; branches continue the
   * trace the lab has under their parent's id. */
  traces = mt_lab_get_traces (lab);
  g_assert_cmpuint (g_list_model_get_n_items (traces), ==, 15);
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      const char *note = mt_trace_get_split_note (trace);

      g_assert_true (g_hash_table_add (ids, (gpointer) mt_trace_get_id (trace)));
      g_assert_true (mt_lab_lookup_trace (lab, mt_trace_get_id (trace)) == trace);
      g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_STOP);
      g_assert_true (note == NULL || strstr (note, "stopped by an error") == NULL);
      g_assert_null (mt_live_session_get_error (fixture->live, trace));
      g_assert_false (trace == cut_short);
      if (MT_IS_BRANCH (trace))
        {
          MtBranch *branch = MT_BRANCH (trace);

          n_branches++;
          g_assert_nonnull (mt_branch_get_parent (branch));
          g_assert_true (mt_branch_get_parent (branch)
                         == mt_lab_lookup_trace (lab, mt_branch_get_parent_id (branch)));
        }
    }
  g_assert_cmpuint (n_branches, ==, 12);
  g_assert_cmpuint (mt_lab_get_n_branches (lab), ==, 12);

  /* The window followed the redone trace: timeline, selection and row. */
  wait_for (shows_redone, &shown, "the redone trace shown in its row");
  g_assert_true (gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (selection))
                 == mt_lab_lookup_trace (lab, cut_id));

  mt_live_session_set_lab_file (fixture->live, NULL, NULL);
  remove_lab (path);
}

static gboolean
window_gone (gpointer data)
{
  return *(GtkWidget **)data == NULL;
}

/* Gone, or asking about unsaved changes first. */
static gboolean
window_gone_or_asking (gpointer data)
{
  GtkWidget *window = *(GtkWidget **)data;

  return window == NULL || _mt_window_get_close_dialog (MT_WINDOW (window)) != NULL;
}

/* Closing the window during a sweep asks first: Cancel keeps the sweep
 * running, "Stop the Sweep and Close" stops it and closes, and what it
 * finished stays in the lab file; reopening the lab offers to resume. */
static void
test_sweep_close (Fixture       *fixture,
                  gconstpointer  data)
{
  const double positions[] = { 0.3, 0.7 };
  const MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP };
  g_autofree char *path = save_problems_lab (3);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(MtLiveSession) live = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *lab_problems;
  AdwMessageDialog *dialog;
  GtkWidget *window;
  MtSweepProgress progress;
  SweepWait wait;
  gboolean twice;
  guint n_finished;
  guint requests_before;

  fixture->server->script_data = GUINT_TO_POINTER (0);
  /* Slow enough to close in the middle. */
  fixture->server->interval = 20;
  open_lab (fixture, path);
  lab_problems = mt_lab_get_problems (mt_window_get_lab (fixture->window));
  for (guint i = 0; i < g_list_model_get_n_items (lab_problems); i++)
    g_ptr_array_add (problems, g_list_model_get_item (lab_problems, i));

  g_assert_true (mt_live_session_start_sweep (fixture->live, problems, positions, 2, kinds, 2, 1,
                                              1, NULL, &error));
  g_assert_no_error (error);
  wait = (SweepWait) { fixture->live, 2 };
  wait_for (sweep_done_at_least, &wait, "2 items done");

  /* Cancel: nothing stops. */
  gtk_window_close (GTK_WINDOW (fixture->window));
  dialog = _mt_window_get_close_dialog (fixture->window);
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Stop the Sweep?");
  g_assert_true (adw_message_dialog_has_response (dialog, "stop"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (fixture->window)));
  adw_message_dialog_response (dialog, "cancel");
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_RUNNING);
  /* A problem is its oracle, then its branches: past the first problem. */
  wait = (SweepWait) { fixture->live, 7 };
  wait_for (sweep_done_at_least, &wait, "7 items after Cancel");

  /* Stop the Sweep and Close. */
  live = g_object_ref (fixture->live);
  window = GTK_WIDGET (fixture->window);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&window);
  gtk_window_close (GTK_WINDOW (fixture->window));
  dialog = _mt_window_get_close_dialog (fixture->window);
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "stop");
  wait_for (window_gone_or_asking, &window, "the window to close");
  /* The sweep's records are in the lab file; the window's own changes
   * are another question. */
  if (window != NULL)
    {
      dialog = _mt_window_get_close_dialog (MT_WINDOW (window));
      adw_message_dialog_response (dialog, "discard");
      wait_for (window_gone, &window, "the window to close");
    }
  fixture->window = NULL;

  g_assert_cmpint (mt_live_session_get_sweep_state (live), ==, MT_LIVE_SWEEP_PAUSED);
  g_assert_cmpuint (mt_live_session_get_n_running (live), ==, 0);
  g_assert_true (mt_live_session_get_sweep_progress (live, &progress));
  g_assert_cmpuint (progress.n_done, >=, 7);
  g_assert_cmpuint (progress.n_done, <, progress.n_total);
  n_finished = count_finished_branches (path, &twice);
  g_assert_cmpuint (n_finished, >=, 4);
  g_assert_cmpuint (n_finished, <, 12);
  g_assert_false (twice);
  mt_live_session_set_lab_file (live, NULL, NULL);

  /* Reopening the lab offers to resume it; Resume runs what is left, with
   * the same settings. */
  fixture->window = mt_window_new (NULL);
  gtk_window_present (GTK_WINDOW (fixture->window));
  fixture->live = _mt_window_get_live_session (fixture->window);
  wait_for (has_server, fixture->live, "the saved server");
  requests_before = fixture->server->requests->len;
  open_lab (fixture, path);
  g_assert_true (mt_live_session_has_saved_sweep (fixture->live));
  g_assert_cmpstr (_mt_window_get_last_toast (fixture->window), ==,
                   "A sweep in this lab did not finish");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window),
                                             "win.sweep-resume-saved", NULL));
  wait_for (sweep_ended, fixture->live, "the resumed sweep to end");
  g_assert_no_error ((GError *)mt_live_session_get_sweep_error (fixture->live));
  g_assert_cmpint (mt_live_session_get_sweep_state (fixture->live), ==, MT_LIVE_SWEEP_DONE);
  g_assert_cmpuint (count_finished_branches (path, &twice), ==, 12);
  g_assert_false (twice);
  g_assert_cmpuint (fixture->server->requests->len - requests_before, <=, 15 - 7);
  /* Finished: nothing is offered any more. */
  g_assert_false (mt_live_session_has_saved_sweep (fixture->live));

  mt_live_session_set_lab_file (fixture->live, NULL, NULL);
  remove_lab (path);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  gui_test_let_gizmo_warning_pass ();
  adw_init ();

  g_test_add ("/live-errors/unauthorized", Fixture, NULL, fixture_set_up,
              test_errors_unauthorized, fixture_tear_down);
  g_test_add ("/live-errors/rate-limited", Fixture, NULL, fixture_set_up,
              test_errors_rate_limited, fixture_tear_down);
  g_test_add ("/live-errors/wrong-model", Fixture, NULL, fixture_set_up,
              test_errors_wrong_model, fixture_tear_down);
  g_test_add ("/live-errors/branch", Fixture, NULL, fixture_set_up,
              test_errors_branch, fixture_tear_down);

  g_test_add ("/live-errors/drag-onto-streaming", Fixture, NULL, fixture_set_up,
              test_drag_onto_streaming, fixture_tear_down);
  g_test_add ("/live-errors/row-counts", Fixture, NULL, fixture_set_up,
              test_row_counts_streaming, fixture_tear_down);
  g_test_add ("/live-errors/lab-file", Fixture, NULL, fixture_set_up,
              test_lab_file_gets_runs, fixture_tear_down);
  g_test_add ("/live-sweep/from-dialog", Fixture, NULL, fixture_set_up,
              test_sweep_from_dialog, fixture_tear_down);
  g_test_add ("/live-sweep/filtered-servers", Fixture, NULL, fixture_set_up,
              test_sweep_filtered_servers, fixture_tear_down);
  g_test_add ("/live-sweep/save-as", Fixture, NULL, fixture_set_up,
              test_sweep_save_as, fixture_tear_down);
  g_test_add ("/live-sweep/save-as-paused", Fixture, NULL, fixture_set_up,
              test_sweep_save_as_paused, fixture_tear_down);
  g_test_add ("/live-errors/save-while-streaming", Fixture, NULL, fixture_set_up,
              test_save_while_streaming, fixture_tear_down);
  g_test_add ("/live-sweep/pause-resume", Fixture, NULL, fixture_set_up,
              test_sweep_pause_resume, fixture_tear_down);
  g_test_add ("/live-sweep/redone-replaced", Fixture, NULL, fixture_set_up,
              test_sweep_redone_replaced, fixture_tear_down);
  g_test_add ("/live-sweep/close", Fixture, NULL, fixture_set_up,
              test_sweep_close, fixture_tear_down);

  return g_test_run ();
}
