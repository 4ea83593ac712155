/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Live runs in the window: N concurrent streams from a fast local server
 * (bench/stream-server.py), one of them shown in the timeline and the
 * transcript. Measures, with a 1 ms heartbeat and the window's frame clock:
 *
 * - the longest the main loop went without turning (the heartbeat's
 *   longest gap) and the longest time between two frame clock ticks;
 * - for the shown stream, the time from a token's arrival (the runner's
 *   "delta", called by the client as the chunk is parsed) to the end of
 *   the first frame that paints it.
 *
 * The same is measured, in the same run, for the idle window and for the
 * same streams through a live session no window listens to (the baseline:
 * streaming, parsing and storing alone). Both sessions write their runs to
 * a lab file in a temporary directory, as the window does.
 *
 * Usage: mt-bench-live URL N_STREAMS   (run under a display) */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "mt-window-private.h"

#define HEARTBEAT_MS 1
#define IDLE_SECONDS 2
#define TIMEOUT_SECONDS 600

typedef struct
{
  gboolean  measuring;
  gint64    last_beat;
  gint64    last_frame;
  GArray   *gaps;       /* heartbeat gaps, µs */
  GArray   *frames;     /* frame clock intervals, µs */
  GArray   *latencies;  /* token arrival to painted, µs */
  guint64   n_tokens;
  gint64    cpu_start;    /* µs of CPU, user and system, at the start */
  gint64    wall_start;

  /* The shown stream: arrival times of tokens not in its trace yet, and
   * of tokens in its trace but not painted yet. */
  MtTrace  *watched;
  GArray   *unflushed;
  GArray   *flushed;
} Stats;

static Stats stats;

/* This process's CPU time, all threads, in µs. */
static gint64
cpu_time (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC
         + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (stats.measuring && stats.last_beat != 0)
    {
      gint64 gap = now - stats.last_beat;

      g_array_append_val (stats.gaps, gap);
    }
  stats.last_beat = now;

  return G_SOURCE_CONTINUE;
}

/* Keeps the frame clock running in every phase, and times it. */
static gboolean
frame_tick_cb (GtkWidget     *widget,
               GdkFrameClock *frame_clock,
               gpointer       user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (stats.measuring && stats.last_frame != 0)
    {
      gint64 interval = now - stats.last_frame;

      g_array_append_val (stats.frames, interval);
    }
  stats.last_frame = now;

  return G_SOURCE_CONTINUE;
}

/* The frame is painted: every token already in the shown trace is on
 * screen. The frame clock runs its phases in one go, so nothing can reach
 * the trace between the window's refresh and this. */
static void
after_paint_cb (GdkFrameClock *frame_clock,
                gpointer       user_data)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < stats.flushed->len; i++)
    {
      gint64 latency = now - g_array_index (stats.flushed, gint64, i);

      g_array_append_val (stats.latencies, latency);
    }
  g_array_set_size (stats.flushed, 0);
}

static void
delta_cb (MtRunner   *runner,
          MtTrace    *trace,
          guint       kind,
          const char *text,
          gpointer    user_data)
{
  if (!stats.measuring)
    return;

  stats.n_tokens++;
  if (trace == stats.watched)
    {
      gint64 now = g_get_monotonic_time ();

      g_array_append_val (stats.unflushed, now);
    }
}

/* The runner brings the trace up to date with everything that arrived. */
static void
watched_changed_cb (MtTrace    *trace,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  g_array_append_vals (stats.flushed, stats.unflushed->data, stats.unflushed->len);
  g_array_set_size (stats.unflushed, 0);
}

static void
start_measuring (void)
{
  g_array_set_size (stats.gaps, 0);
  g_array_set_size (stats.frames, 0);
  g_array_set_size (stats.latencies, 0);
  g_array_set_size (stats.unflushed, 0);
  g_array_set_size (stats.flushed, 0);
  stats.n_tokens = 0;
  stats.last_beat = 0;
  stats.last_frame = 0;
  stats.cpu_start = cpu_time ();
  stats.wall_start = g_get_monotonic_time ();
  stats.measuring = TRUE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *)a;
  gint64 y = *(const gint64 *)b;

  return (x > y) - (x < y);
}

/* The @q quantile of @values, in milliseconds; 0 when empty. */
static double
quantile_ms (GArray *values,
             double  q)
{
  g_autoptr(GArray) sorted = NULL;
  guint index;

  if (values->len == 0)
    return 0.0;

  sorted = g_array_copy (values);
  g_array_sort (sorted, compare_gint64);
  index = MIN ((guint)(q * sorted->len), sorted->len - 1);

  return g_array_index (sorted, gint64, index) / 1000.0;
}

static void
report (const char *phase,
        double      seconds)
{
  gint64 cpu = cpu_time () - stats.cpu_start;
  gint64 wall = g_get_monotonic_time () - stats.wall_start;

  stats.measuring = FALSE;
  g_print ("%s:\n", phase);
  /* Stalls longer than the work done explain are waits: for the CPU, the
   * X server, the renderer. */
  g_print ("  CPU of this process: %.2f s in %.2f s (%.0f%%)\n",
           cpu / 1e6, wall / 1e6, 100.0 * cpu / wall);
  if (stats.n_tokens > 0)
    g_print ("  %" G_GUINT64_FORMAT " tokens in %.2f s = %.0f tokens/s\n",
             stats.n_tokens, seconds, stats.n_tokens / seconds);
  g_print ("  main-loop stall (1 ms heartbeat gap): worst %.1f ms, p99 %.1f ms, median %.1f ms\n",
           quantile_ms (stats.gaps, 1.0), quantile_ms (stats.gaps, 0.99),
           quantile_ms (stats.gaps, 0.5));
  g_print ("  frame clock interval: worst %.1f ms, p99 %.1f ms, median %.1f ms (%u frames)\n",
           quantile_ms (stats.frames, 1.0), quantile_ms (stats.frames, 0.99),
           quantile_ms (stats.frames, 0.5), stats.frames->len);
  if (stats.latencies->len > 0)
    g_print ("  shown stream, token arrival to painted: median %.1f ms, p99 %.1f ms, "
             "worst %.1f ms (%u tokens)\n",
             quantile_ms (stats.latencies, 0.5), quantile_ms (stats.latencies, 0.99),
             quantile_ms (stats.latencies, 1.0), stats.latencies->len);
}

static void
wait_until (gint64 deadline)
{
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

/* Seconds until @live has nothing running. */
static double
wait_for_streams (MtLiveSession *live)
{
  gint64 start = g_get_monotonic_time ();

  while (mt_live_session_get_n_running (live) > 0)
    {
      if (g_get_monotonic_time () - start > TIMEOUT_SECONDS * G_USEC_PER_SEC)
        {
          g_printerr ("the streams did not end within %d s\n", TIMEOUT_SECONDS);
          exit (1);
        }
      g_main_context_iteration (NULL, TRUE);
    }

  return (g_get_monotonic_time () - start) / 1e6;
}

/* Starts @n_streams oracle runs on @live; returns the first trace. */
static MtTrace *
start_streams (MtLiveSession *live,
               guint          n_streams)
{
  MtTrace *first = NULL;

  g_signal_connect (mt_live_session_get_runner (live), "delta", G_CALLBACK (delta_cb), NULL);
  for (guint i = 0; i < n_streams; i++)
    {
      g_autofree char *id = g_strdup_printf ("bench-%u", i);
      g_autoptr(MtProblem) problem = mt_problem_new (id);
      g_autoptr(GError) error = NULL;
      MtTrace *trace;

      mt_problem_set_prompt (problem, "What is 6 times 7?");
      trace = mt_live_session_run (live, problem, MT_INTERRUPT_CUSTOM, &error);
      if (trace == NULL)
        {
          g_printerr ("could not start a stream: %s\n", error->message);
          exit (1);
        }
      if (first == NULL)
        first = trace;
    }

  return first;
}

static void
check_finished (MtLiveSession *live,
                MtLab         *lab)
{
  GListModel *traces = mt_lab_get_traces (lab);

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      const GError *error = mt_live_session_get_error (live, trace);

      if (error != NULL)
        {
          g_printerr ("stream %s failed: %s\n", mt_trace_get_id (trace), error->message);
          exit (1);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(MtServerConfig) config = mt_server_config_new ();
  g_autoptr(MtLiveSession) bare = NULL;
  g_autoptr(MtLab) bare_lab = NULL;
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bare_phase = NULL;
  g_autofree char *window_phase = NULL;
  g_autofree char *tmp_dir = NULL;
  g_autofree char *bare_file = NULL;
  g_autofree char *window_file = NULL;
  MtLiveSession *live;
  MtWindow *window;
  MtTrace *shown;
  guint n_streams;
  gint64 start;
  double seconds;

  if (argc != 3 || (n_streams = (guint) g_ascii_strtoull (argv[2], NULL, 10)) == 0)
    {
      g_printerr ("Usage: %s URL N_STREAMS\n", argv[0]);
      return 2;
    }

  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "");
  gtk_init ();
  adw_init ();

  config->name = g_strdup ("bench");
  config->url = g_strdup (argv[1]);
  config->model = g_strdup ("bench");
  config->mode = MT_COMPLETION_MODE_COMPLETIONS;
  config->family = g_strdup ("deepseek-r1");
  config->max_tokens = -1;

  stats.gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  stats.frames = g_array_new (FALSE, FALSE, sizeof (gint64));
  stats.latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  stats.unflushed = g_array_new (FALSE, FALSE, sizeof (gint64));
  stats.flushed = g_array_new (FALSE, FALSE, sizeof (gint64));

  window = mt_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  lab = mt_lab_new ();
  _mt_window_set_lab (window, lab, "Bench");
  gtk_window_present (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  gtk_widget_add_tick_callback (GTK_WIDGET (window), frame_tick_cb, NULL, NULL);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (after_paint_cb), NULL);
  g_timeout_add (HEARTBEAT_MS, heartbeat_cb, NULL);

  /* The idle window. */
  start_measuring ();
  wait_until (g_get_monotonic_time () + IDLE_SECONDS * G_USEC_PER_SEC);
  report ("idle window, 2 s", IDLE_SECONDS);

  /* The baseline: the same streams through a session no window shows. */
  bare = mt_live_session_new ();
  bare_lab = mt_lab_new ();
  mt_live_session_set_lab (bare, bare_lab);
  /* Written to a lab file as the window does: each run's snapshots and
   * its final record. */
  if (!(tmp_dir = g_dir_make_tmp ("mt-bench-live-XXXXXX", &error)))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  bare_file = g_build_filename (tmp_dir, "bare.mtlab", NULL);
  window_file = g_build_filename (tmp_dir, "window.mtlab", NULL);
  if (!mt_live_session_set_lab_file (bare, bare_file, &error) ||
      !mt_live_session_set_server (bare, config, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  start = g_get_monotonic_time ();
  start_streams (bare, n_streams);
  g_print ("starting %u streams without a window: %.1f ms in one go\n", n_streams,
           (g_get_monotonic_time () - start) / 1000.0);
  /* Measured from the first turn after they started: starting them is
   * one piece of work, timed above. */
  start_measuring ();
  seconds = wait_for_streams (bare);
  bare_phase = g_strdup_printf ("%u streams, no window (baseline)", n_streams);
  report (bare_phase, seconds);
  check_finished (bare, bare_lab);

  /* The window's own session, one stream shown as it grows. */
  live = _mt_window_get_live_session (window);
  if (!mt_live_session_set_lab_file (live, window_file, &error) ||
      !mt_live_session_set_server (live, config, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  start = g_get_monotonic_time ();
  shown = start_streams (live, n_streams);
  g_print ("starting %u streams in the window: %.1f ms in one go\n", n_streams,
           (g_get_monotonic_time () - start) / 1000.0);
  start_measuring ();
  stats.watched = shown;
  g_signal_connect (shown, "notify::reasoning", G_CALLBACK (watched_changed_cb), NULL);
  g_signal_connect (shown, "notify::answer", G_CALLBACK (watched_changed_cb), NULL);
  mt_timeline_set_trace (_mt_window_get_timeline (window), shown);
  seconds = wait_for_streams (live);
  /* The last tokens reach the screen on the next frame. */
  while (stats.flushed->len > 0 || stats.unflushed->len > 0)
    g_main_context_iteration (NULL, TRUE);
  window_phase = g_strdup_printf ("%u streams in the window, one shown", n_streams);
  report (window_phase, seconds);
  check_finished (live, lab);
  g_print ("shown stream: %zu characters of reasoning\n", strlen (mt_trace_get_reasoning (shown)));

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  mt_live_session_set_lab_file (bare, NULL, NULL);
  g_unlink (bare_file);
  g_unlink (window_file);
  g_rmdir (tmp_dir);

  return 0;
}
