/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Live runs from the window against the real engine (tests/live): start a
 * run, interrupt it at the head, stop one, lose the server mid-stream.
 * test-live.sh starts the engine and sets MT_LIVE_URL; without it every
 * case skips. */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "gui-test-util.h"
#include "mt-new-run-dialog.h"
#include "mt-preferences-window.h"
#include "mt-sweep-dialog.h"
#include "mt-timeline-private.h"
#include "mt-window-private.h"

/* Generous: the tiny model runs on one thread of a loaded machine. */
#define WAIT_SECONDS 120

typedef GuiTestCondition Condition;

static void
wait_for (Condition   condition,
          gpointer    data,
          const char *what)
{
  gui_test_wait_for (condition, data, WAIT_SECONDS, what);
}

static void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static const char *
live_url (void)
{
  return g_getenv ("MT_LIVE_URL");
}

static MtWindow *
create_window_for (const char *url,
                   guint       max_tokens);

static MtWindow *
create_live_window (guint max_tokens)
{
  return create_window_for (live_url (), max_tokens);
}

static MtWindow *
create_window_for (const char *url,
                   guint       max_tokens)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *entry = NULL;
  g_autoptr(MtLab) lab = mt_lab_new ();
  MtWindow *window;

  entry = g_strdup_printf ("Engine|%s|tiny-random|completions|deepseek-r1|%u", url,
                           max_tokens);
  g_settings_set_strv (settings, "servers", (const char * const[]) { entry, NULL });

  window = mt_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  _mt_window_set_lab (window, lab, "Live");
  drain_main_loop ();

  return window;
}

static gboolean
has_server (gpointer data)
{
  return mt_live_session_has_server (_mt_window_get_live_session (data));
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

/* Starts a run the way a user does: the header's New Run, a typed
 * problem, Start. Returns the trace the window now shows. */
static MtTrace *
start_run_from_window (MtWindow        *window,
                       const char      *prompt,
                       MtInterruptKind  scenario)
{
  MtLiveSession *live = _mt_window_get_live_session (window);
  MtNewRunDialog *dialog;
  guint before = mt_live_session_get_n_running (live);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new-run", NULL));
  drain_main_loop ();
  dialog = find_new_run_dialog ();
  g_assert_nonnull (dialog);

  mt_new_run_dialog_set_typed (dialog, prompt, "42");
  mt_new_run_dialog_set_scenario (dialog, scenario);
  g_assert_true (mt_new_run_dialog_get_can_start (dialog));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "dialog.start", NULL));

  /* The dialog closed and the new run is what the window shows. No main
   * loop turns here: a stream keeps it busy, and a short run would end. */
  g_assert_null (find_new_run_dialog ());
  g_assert_cmpuint (mt_live_session_get_n_running (live), ==, before + 1);
  g_assert_nonnull (mt_timeline_get_trace (_mt_window_get_timeline (window)));
  g_assert_true (mt_live_session_is_running (live,
                                             mt_timeline_get_trace (_mt_window_get_timeline (window))));

  return mt_timeline_get_trace (_mt_window_get_timeline (window));
}

typedef struct
{
  MtWindow *window;
  MtTrace  *trace;
  guint     n_tokens;
} TokenWait;

/* The trace has streamed @n_tokens, and the window shows them. */
static gboolean
has_tokens_on_screen (gpointer data)
{
  TokenWait *wait = data;
  MtTimeline *timeline = _mt_window_get_timeline (wait->window);

  return mt_trace_get_n_reasoning_tokens (wait->trace) >= wait->n_tokens
         && mt_timeline_get_trace (timeline) == wait->trace
         && mt_timeline_get_n_reasoning_tokens (timeline) >= wait->n_tokens;
}

static gboolean
has_tokens (gpointer data)
{
  TokenWait *wait = data;

  return mt_trace_get_n_reasoning_tokens (wait->trace) >= wait->n_tokens;
}

typedef struct
{
  MtLiveSession *live;
  MtTrace       *trace;
} RunWait;

static gboolean
run_ended (gpointer data)
{
  RunWait *wait = data;

  return !mt_live_session_is_running (wait->live, wait->trace)
         && mt_trace_get_finish_reason (wait->trace) != MT_FINISH_UNKNOWN;
}

static gboolean
nothing_running (gpointer data)
{
  return mt_live_session_get_n_running (data) == 0;
}

static char *
transcript_text (MtWindow *window)
{
  GtkTextBuffer *buffer = _mt_window_get_transcript (window);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* The transcript holds everything @trace has streamed, final text
 * included. */
static gboolean
transcript_shows_all (gpointer data)
{
  RunWait *wait = data;
  MtWindow *window = g_object_get_data (G_OBJECT (wait->live), "test-window");
  g_autofree char *text = transcript_text (window);
  const char *reasoning = mt_trace_get_reasoning (wait->trace);

  return reasoning != NULL && strstr (text, reasoning) != NULL;
}

/* The first branch of @parent of the given kind (any kind for -1). */
static MtBranch *
find_branch_of_kind (MtLab   *lab,
                     MtTrace *parent,
                     int      kind)
{
  GListModel *traces = mt_lab_get_traces (lab);

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) item = g_list_model_get_item (traces, i);

      if (MT_IS_BRANCH (item)
          && g_strcmp0 (mt_branch_get_parent_id (MT_BRANCH (item)), mt_trace_get_id (parent)) == 0
          && (kind < 0 || (int) mt_interrupt_get_kind (mt_branch_get_interrupt (MT_BRANCH (item))) == kind))
        return MT_BRANCH (item);
    }

  return NULL;
}

static MtBranch *
find_branch (MtLab   *lab,
             MtTrace *parent)
{
  return find_branch_of_kind (lab, parent, -1);
}

static gboolean
has_hard_button (gpointer data)
{
  return gui_test_find_button (data, mt_timeline_get_kind_label (MT_INTERRUPT_HARD)) != NULL;
}

typedef struct
{
  MtWindow *window;
  guint     n_forks;
} ForkWait;

static gboolean
has_forks (gpointer data)
{
  ForkWait *wait = data;
  const MtTimelineData *timeline_data = _mt_timeline_get_data (_mt_window_get_timeline (wait->window));

  return timeline_data->forks != NULL && timeline_data->forks->len >= wait->n_forks;
}

/* A picture of the window for the README, when asked for. */
static void
save_screenshot (MtWindow *window)
{
  const char *path = g_getenv ("MT_LIVE_SCREENSHOT");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkWidget *content;
  int width, height;

  if (path == NULL || *path == '\0')
    return;

  /* The window's content: a paintable of the toplevel itself is empty. */
  content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (window));
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

static void
test_live_run_and_interrupt (void)
{
  g_autofree char *lab_path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *shown = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtLab) reloaded = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  MtWindow *window;
  MtLiveSession *live;
  MtTrace *trace;
  MtBranch *branch;
  MtInterrupt *interrupt;
  const MtTimelineFork *fork;
  MtTrace *reloaded_trace;
  MtTimeline *timeline;
  MtBranch *hard;
  guint target;
  guint marker;
  guint head;
  TokenWait tokens;
  RunWait run;
  ForkWait forks;

  if (live_url () == NULL)
    {
      g_test_skip ("MT_LIVE_URL is not set: run through test-live.sh");
      return;
    }

  /* Long enough that the trunk still streams when the branch starts: the
   * engine's default seed makes the same tokens every time, with no end
   * of text among the first 600. */
  window = create_live_window (600);
  live = _mt_window_get_live_session (window);
  wait_for (has_server, window, "the saved server");

  dir = g_dir_make_tmp ("mt-test-live-XXXXXX", &error);
  g_assert_no_error (error);
  lab_path = g_build_filename (dir, "live.mtlab", NULL);
  g_assert_true (mt_live_session_set_lab_file (live, lab_path, &error));
  g_assert_no_error (error);

  trace = start_run_from_window (window, "What is 12 + 30?", MT_INTERRUPT_SPEEDUP);

  /* Tokens reach the timeline and the transcript as they arrive. */
  tokens = (TokenWait) { window, trace, 50 };
  wait_for (has_tokens_on_screen, &tokens, "50 streamed tokens on the timeline");
  g_assert_true (mt_live_session_is_running (live, trace));
  /* The transcript holds what the timeline shows: they are refreshed
   * together, on one frame. */
  shown = transcript_text (window);
  for (guint i = 0; i < mt_timeline_get_n_segments (_mt_window_get_timeline (window)); i++)
    {
      const char *text;
      gsize n_bytes;
      g_autofree char *part = NULL;

      if (mt_timeline_get_segment (_mt_window_get_timeline (window), i, &text, &n_bytes, NULL)
          != MT_TIMELINE_SEGMENT_REASONING)
        continue;
      g_assert_cmpuint (n_bytes, >, 0);
      part = g_strndup (text, n_bytes);
      g_assert_nonnull (strstr (shown, part));
    }

  /* Interrupt with speed-up at the head. */
  head = mt_trace_get_n_reasoning_tokens (trace);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.interrupt-run", "s",
                                             "speedup"));
  branch = find_branch (mt_window_get_lab (window), trace);
  g_assert_nonnull (branch);
  g_assert_true (mt_branch_get_parent (branch) == trace);
  g_assert_true (mt_live_session_is_running (live, MT_TRACE (branch)));
  interrupt = mt_branch_get_interrupt (branch);
  g_assert_cmpint (mt_interrupt_get_kind (interrupt), ==, MT_INTERRUPT_SPEEDUP);
  g_assert_cmpuint (mt_interrupt_get_token_index (interrupt), ==, head);
  g_assert_nonnull (strstr (mt_interrupt_get_text (interrupt), mt_interrupt_text_speedup));
  g_assert_true (g_str_has_suffix (mt_trace_get_prompt (MT_TRACE (branch)),
                                   mt_interrupt_get_text (interrupt))
                 || strstr (mt_trace_get_prompt (MT_TRACE (branch)),
                            mt_interrupt_text_speedup) != NULL);

  /* The window stays on the trunk and shows the branch as a fork at the
   * head. */
  forks = (ForkWait) { window, 1 };
  wait_for (has_forks, &forks, "the fork on the timeline");
  g_assert_true (mt_timeline_get_trace (_mt_window_get_timeline (window)) == trace);
  fork = &g_array_index (_mt_timeline_get_data (_mt_window_get_timeline (window))->forks,
                         MtTimelineFork, 0);
  g_assert_cmpint (fork->kind, ==, MT_INTERRUPT_SPEEDUP);
  g_assert_cmpuint (fork->token_index, ==, head);

  /* Both stream at once. */
  tokens = (TokenWait) { window, MT_TRACE (branch), 1 };
  wait_for (has_tokens, &tokens, "the branch's first tokens");
  if (g_getenv ("MT_LIVE_SCREENSHOT") != NULL)
    {
      /* A picture with some of the branch in it. */
      run = (RunWait) { live, MT_TRACE (branch) };
      while (mt_trace_get_n_reasoning_tokens (MT_TRACE (branch))
             + mt_trace_get_n_answer_tokens (MT_TRACE (branch)) < 40
             && !run_ended (&run))
        g_main_context_iteration (NULL, TRUE);
      save_screenshot (window);
    }

  run = (RunWait) { live, MT_TRACE (branch) };
  wait_for (run_ended, &run, "the branch to finish");
  g_assert_cmpint (mt_trace_get_finish_reason (MT_TRACE (branch)), !=, MT_FINISH_ERROR);
  g_assert_cmpint (mt_trace_get_finish_reason (MT_TRACE (branch)), !=, MT_FINISH_CANCELLED);
  g_assert_null (mt_live_session_get_error (live, MT_TRACE (branch)));
  g_assert_cmpuint (mt_trace_get_n_reasoning_tokens (MT_TRACE (branch))
                    + mt_trace_get_n_answer_tokens (MT_TRACE (branch)), >, 0);

  wait_for (nothing_running, live, "the trunk to finish");
  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_LENGTH);

  /* Drag the marker onto the finished trunk at 30% of its reasoning and
   * run a hard interrupt from the marker's popover. */
  timeline = _mt_window_get_timeline (window);
  g_assert_true (mt_timeline_get_trace (timeline) == trace);
  target = mt_trace_get_n_reasoning_tokens (trace) * 3 / 10;
  _mt_timeline_drag_marker_to (timeline,
                               _mt_timeline_layout_token_to_x (_mt_timeline_get_layout (timeline),
                                                               _mt_timeline_get_data (timeline)->origin
                                                               + target + 0.5),
                               FALSE);
  marker = mt_timeline_get_marker_position (timeline);
  /* Within a pixel's worth of tokens of where it was dropped. */
  g_assert_cmpuint (marker + 3, >=, target);
  g_assert_cmpuint (marker, <=, target + 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.activate-marker",
                                             NULL));
  wait_for (has_hard_button, timeline, "the popover's Run buttons");
  g_signal_emit_by_name (gui_test_find_button (GTK_WIDGET (timeline),
                                               mt_timeline_get_kind_label (MT_INTERRUPT_HARD)),
                         "clicked");
  hard = find_branch_of_kind (mt_window_get_lab (window), trace, MT_INTERRUPT_HARD);
  g_assert_nonnull (hard);
  g_assert_true (mt_branch_get_parent (hard) == trace);
  interrupt = mt_branch_get_interrupt (hard);
  g_assert_cmpuint (mt_interrupt_get_token_index (interrupt), ==, marker);
  g_assert_nonnull (strstr (mt_trace_get_prompt (MT_TRACE (hard)), mt_interrupt_text_hard));
  run = (RunWait) { live, MT_TRACE (hard) };
  wait_for (run_ended, &run, "the hard branch to finish");
  g_assert_cmpint (mt_trace_get_finish_reason (MT_TRACE (hard)), !=, MT_FINISH_ERROR);
  g_assert_cmpint (mt_trace_get_finish_reason (MT_TRACE (hard)), !=, MT_FINISH_CANCELLED);
  g_assert_null (mt_live_session_get_error (live, MT_TRACE (hard)));

  /* Everything is in the lab file, finished. */
  reloaded = mt_lab_new ();
  report = mt_load_report_new (lab_path);
  g_assert_true (mt_lab_file_load (reloaded, lab_path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_skipped, ==, 0);
  reloaded_trace = mt_lab_lookup_trace (reloaded, mt_trace_get_id (trace));
  g_assert_nonnull (reloaded_trace);
  g_assert_cmpstr (mt_trace_get_reasoning (reloaded_trace), ==, mt_trace_get_reasoning (trace));
  g_assert_cmpint (mt_trace_get_finish_reason (reloaded_trace), ==, MT_FINISH_LENGTH);
  g_assert_nonnull (mt_lab_lookup_trace (reloaded, mt_trace_get_id (MT_TRACE (branch))));
  g_assert_nonnull (mt_lab_lookup_trace (reloaded, mt_trace_get_id (MT_TRACE (hard))));
  g_assert_nonnull (mt_lab_lookup_problem (reloaded, mt_trace_get_problem_id (trace)));

  gtk_window_destroy (GTK_WINDOW (window));
  drain_main_loop ();
  g_unlink (lab_path);
  g_rmdir (dir);
}

static void
test_live_stop_keeps_text (void)
{
  g_autofree char *text = NULL;
  MtWindow *window;
  MtLiveSession *live;
  MtTrace *trace;
  TokenWait tokens;
  RunWait run;

  if (live_url () == NULL)
    {
      g_test_skip ("MT_LIVE_URL is not set: run through test-live.sh");
      return;
    }

  window = create_live_window (1500);
  live = _mt_window_get_live_session (window);
  wait_for (has_server, window, "the saved server");

  trace = start_run_from_window (window, "Count to one hundred.", MT_INTERRUPT_CUSTOM);
  tokens = (TokenWait) { window, trace, 10 };
  wait_for (has_tokens_on_screen, &tokens, "10 streamed tokens");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop-run", NULL));
  run = (RunWait) { live, trace };
  wait_for (run_ended, &run, "the stopped run to end");

  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_CANCELLED);
  g_assert_cmpuint (mt_trace_get_n_reasoning_tokens (trace), >=, 10);
  g_assert_null (mt_live_session_get_error (live, trace));
  /* Stopping is no failure: nothing to warn about. */
  g_assert_null (_mt_window_get_last_toast (window));
  /* The window shows what arrived. */
  g_object_set_data (G_OBJECT (live), "test-window", window);
  wait_for (transcript_shows_all, &run, "the transcript to show what arrived");
  text = transcript_text (window);
  g_assert_nonnull (strstr (text, mt_trace_get_reasoning (trace)));

  gtk_window_destroy (GTK_WINDOW (window));
  drain_main_loop ();
}

static void
test_live_server_gone (void)
{
  const char *pid_text = g_getenv ("MT_LIVE_SERVER_PID");
  MtWindow *window;
  MtLiveSession *live;
  MtTrace *trace;
  MtTrace *other;
  g_autofree char *kept = NULL;
  const GError *error;
  TokenWait tokens;
  RunWait run;
  guint64 pid;

  if (live_url () == NULL || pid_text == NULL
      || !g_ascii_string_to_unsigned (pid_text, 10, 1, G_MAXINT, &pid, NULL))
    {
      g_test_skip ("MT_LIVE_URL or MT_LIVE_SERVER_PID is not set: run through test-live.sh");
      return;
    }

  window = create_live_window (1500);
  live = _mt_window_get_live_session (window);
  wait_for (has_server, window, "the saved server");
  /* Quick retries: the server is not coming back. */
  mt_live_session_set_retries (live, 2, 50);

  /* A finished trace in the same lab must come through untouched. */
  other = mt_trace_new ("recorded");
  mt_trace_set_reasoning (other, "Recorded earlier.");
  mt_trace_set_answer (other, "42");
  mt_trace_set_finish_reason (other, MT_FINISH_STOP);
  g_assert_true (mt_lab_add_trace (mt_window_get_lab (window), other));
  g_object_unref (other);

  trace = start_run_from_window (window, "Count to one hundred.", MT_INTERRUPT_CUSTOM);
  tokens = (TokenWait) { window, trace, 10 };
  wait_for (has_tokens_on_screen, &tokens, "10 streamed tokens");

  /* The server goes away mid-stream. */
  g_assert_cmpint (kill ((pid_t)pid, SIGKILL), ==, 0);

  run = (RunWait) { live, trace };
  wait_for (run_ended, &run, "the run to fail");

  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_ERROR);
  error = mt_live_session_get_error (live, trace);
  g_assert_nonnull (error);
  g_assert_true (g_error_matches (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_STREAM_DROPPED)
                 || g_error_matches (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_CONNECT));
  /* What arrived is kept, and the run says why it stopped. */
  g_assert_cmpuint (mt_trace_get_n_reasoning_tokens (trace), >=, 10);
  g_assert_nonnull (strstr (mt_trace_get_split_note (trace), "stopped by an error"));
  /* The user is told what happened and what to do. */
  g_assert_nonnull (_mt_window_get_last_toast (window));
  g_assert_nonnull (strstr (_mt_window_get_last_toast (window), live_url ()));
  g_assert_nonnull (strstr (_mt_window_get_last_toast (window), "kept"));
  /* The window still shows the text that arrived. */
  g_object_set_data (G_OBJECT (live), "test-window", window);
  wait_for (transcript_shows_all, &run, "the transcript to show what arrived");
  kept = transcript_text (window);
  g_assert_nonnull (strstr (kept, mt_trace_get_reasoning (trace)));
  other = mt_lab_lookup_trace (mt_window_get_lab (window), "recorded");
  g_assert_cmpint (mt_trace_get_finish_reason (other), ==, MT_FINISH_STOP);
  g_assert_cmpstr (mt_trace_get_reasoning (other), ==, "Recorded earlier.");

  gtk_window_destroy (GTK_WINDOW (window));
  drain_main_loop ();
}

/* ------------------------------------------------------------------------ */
/* Sweeps from the dialog                                                   */
/* ------------------------------------------------------------------------ */

static gboolean
not_loading (gpointer data)
{
  return !mt_window_get_loading (data);
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
sweep_has_done (gpointer data)
{
  SweepWait *wait = data;
  MtSweepProgress progress;

  return mt_live_session_get_sweep_progress (wait->live, &progress)
         && progress.n_done >= wait->n_done;
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

/* A lab file with three problems, opened in @window. */
static char *
open_problems_lab (MtWindow *window)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-test-live-sweep-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, "sweep.mtlab", NULL);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("sum-%u", i + 1);
      g_autofree char *prompt = g_strdup_printf ("What is %u plus %u?", i + 2, i + 3);
      g_autofree char *answer = g_strdup_printf ("%u", 2 * i + 5);
      g_autoptr(MtProblem) problem = mt_problem_new (id);

      mt_problem_set_prompt (problem, prompt);
      mt_problem_set_answer (problem, answer);
      g_assert_true (mt_lab_add_problem (lab, problem));
    }
  g_assert_true (mt_lab_file_save (lab, path, NULL, &error));
  g_assert_no_error (error);

  file = g_file_new_for_path (path);
  mt_window_open (window, file);
  wait_for (not_loading, window, "the lab to load");
  g_assert_cmpstr (mt_live_session_get_lab_file (_mt_window_get_live_session (window)), ==, path);
  return path;
}

static void
remove_lab (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *backup = g_strconcat (path, "~", NULL);
  g_autofree char *sweep = g_strconcat (path, ".sweep", NULL);

  g_unlink (path);
  g_unlink (backup);
  g_unlink (sweep);
  g_rmdir (dir);
}

/* Starts a sweep of the lab's problems x 2 positions x 2 kinds from the
 * dialog, as a user does. */
static void
start_sweep_from_dialog (MtWindow *window)
{
  const MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP };
  MtSweepDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.sweep", NULL));
  dialog = find_sweep_dialog ();
  g_assert_nonnull (dialog);
  mt_sweep_dialog_set_plan (dialog, "0.3, 0.7", kinds, G_N_ELEMENTS (kinds), 1, 2);
  g_assert_cmpuint (mt_sweep_dialog_get_problems (dialog)->len, ==, 3);
  g_assert_null (mt_sweep_dialog_get_start_problem (dialog));
  g_signal_emit_by_name (dialog, "start");
  g_assert_null (find_sweep_dialog ());
  g_assert_cmpint (mt_live_session_get_sweep_state (_mt_window_get_live_session (window)), ==,
                   MT_LIVE_SWEEP_RUNNING);
}

/* The branch records of @path that finished (no error, not stopped), by
 * id; fails when an id has two final records. */
static GHashTable *
finished_branches (const char *path)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;
  GHashTable *finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GListModel *traces;

  g_assert_true (mt_lab_file_load (lab, path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_skipped, ==, 0);
  traces = mt_lab_get_traces (lab);
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      MtFinishReason reason = mt_trace_get_finish_reason (trace);

      if (MT_IS_BRANCH (trace)
          && (reason == MT_FINISH_STOP || reason == MT_FINISH_LENGTH))
        g_assert_true (g_hash_table_add (finished, g_strdup (mt_trace_get_id (trace))));
    }

  return finished;
}

/* 3 problems x 2 positions x 2 kinds from the dialog against the engine:
 * all 12 branches land in the lab file. */
static void
test_live_sweep_from_dialog (void)
{
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) finished = NULL;
  MtSweepProgress progress;
  MtWindow *window;
  MtLiveSession *live;

  if (live_url () == NULL)
    {
      g_test_skip ("MT_LIVE_URL is not set: run through test-live.sh");
      return;
    }

  /* Tiny token limits: 15 requests in seconds on one thread. */
  window = create_live_window (24);
  live = _mt_window_get_live_session (window);
  wait_for (has_server, window, "the saved server");
  path = open_problems_lab (window);

  start_sweep_from_dialog (window);
  wait_for (sweep_ended, live, "the sweep to end");
  g_assert_no_error ((GError *)mt_live_session_get_sweep_error (live));
  g_assert_cmpint (mt_live_session_get_sweep_state (live), ==, MT_LIVE_SWEEP_DONE);
  g_assert_true (mt_live_session_get_sweep_progress (live, &progress));
  g_assert_cmpuint (progress.n_total, ==, 15);
  g_assert_cmpuint (progress.n_done, ==, 15);
  g_assert_cmpuint (progress.n_failed, ==, 0);

  finished = finished_branches (path);
  g_assert_cmpuint (g_hash_table_size (finished), ==, 12);
  g_assert_null (_mt_window_get_last_toast (window));

  gtk_window_destroy (GTK_WINDOW (window));
  drain_main_loop ();
  remove_lab (path);
}

/* The engine is killed mid-sweep: the window says so, and every branch
 * that finished before is kept in the lab file. */
static void
test_live_sweep_engine_gone (void)
{
  const char *url = g_getenv ("MT_LIVE_SWEEP_URL");
  const char *pid_text = g_getenv ("MT_LIVE_SWEEP_SERVER_PID");
  g_autoptr(GHashTable) finished = NULL;
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *path = NULL;
  const GError *error;
  const char *toast;
  MtSweepProgress progress;
  MtWindow *window;
  MtLiveSession *live;
  GListModel *traces;
  SweepWait wait;
  guint64 pid;

  if (url == NULL || pid_text == NULL
      || !g_ascii_string_to_unsigned (pid_text, 10, 1, G_MAXINT, &pid, NULL))
    {
      g_test_skip ("MT_LIVE_SWEEP_URL or MT_LIVE_SWEEP_SERVER_PID is not set: run through test-live.sh");
      return;
    }

  /* Long enough that most of the sweep is still ahead when the engine
   * goes. */
  window = create_window_for (url, 160);
  live = _mt_window_get_live_session (window);
  wait_for (has_server, window, "the saved server");
  /* Quick retries: the engine is not coming back. */
  mt_live_session_set_retries (live, 2, 50);
  path = open_problems_lab (window);

  start_sweep_from_dialog (window);
  wait = (SweepWait) { live, 4 };
  wait_for (sweep_has_done, &wait, "4 items of the sweep");
  g_assert_cmpint (mt_live_session_get_sweep_state (live), ==, MT_LIVE_SWEEP_RUNNING);

  /* What the window has seen finish so far. */
  traces = mt_lab_get_traces (mt_window_get_lab (window));
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      MtFinishReason reason = mt_trace_get_finish_reason (trace);

      if (MT_IS_BRANCH (trace) && (reason == MT_FINISH_STOP || reason == MT_FINISH_LENGTH))
        g_ptr_array_add (before, g_strdup (mt_trace_get_id (trace)));
    }

  g_assert_cmpint (kill ((pid_t)pid, SIGKILL), ==, 0);
  wait_for (sweep_ended, live, "the sweep to stop");

  /* It stopped, and says why and what to do. */
  g_assert_cmpint (mt_live_session_get_sweep_state (live), ==, MT_LIVE_SWEEP_FAILED);
  error = mt_live_session_get_sweep_error (live);
  g_assert_nonnull (error);
  g_assert_true (g_error_matches (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_CONNECT)
                 || g_error_matches (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_STREAM_DROPPED));
  toast = _mt_window_get_last_toast (window);
  g_assert_nonnull (toast);
  g_assert_nonnull (strstr (toast, url));
  g_assert_true (strstr (toast, "cannot be reached") != NULL
                 || strstr (toast, "stopped streaming") != NULL);
  g_assert_true (mt_live_session_get_sweep_progress (live, &progress));
  g_assert_cmpuint (progress.n_done, >=, 4);
  g_assert_cmpuint (progress.n_done, <, progress.n_total);

  /* Every branch that had finished is in the lab file, finished. */
  finished = finished_branches (path);
  for (guint i = 0; i < before->len; i++)
    g_assert_true (g_hash_table_contains (finished, g_ptr_array_index (before, i)));
  g_assert_cmpuint (g_hash_table_size (finished), >=, before->len);
  /* Reopening the lab offers to resume it. */
  g_assert_true (mt_live_session_has_saved_sweep (live));

  mt_live_session_cancel_sweep (live);
  gtk_window_destroy (GTK_WINDOW (window));
  drain_main_loop ();
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

  g_test_add_func ("/live/run-and-interrupt", test_live_run_and_interrupt);
  g_test_add_func ("/live/stop-keeps-text", test_live_stop_keeps_text);
  g_test_add_func ("/live/sweep-from-dialog", test_live_sweep_from_dialog);
  /* Kills the second engine. */
  g_test_add_func ("/live/sweep-engine-gone", test_live_sweep_engine_gone);
  /* Last: it kills the engine. */
  g_test_add_func ("/live/server-gone", test_live_server_gone);

  return g_test_run ();
}
