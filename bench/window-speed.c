/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window with a big file: how long until the sidebar lists traces,
 * how long a search and a verdict filter take to settle, how long every
 * verdict takes to arrive, and the longest the main loop went without
 * turning meanwhile (a 5 ms heartbeat measures the gaps); then a save of
 * the lab as the window did it before (the core's save on the main
 * thread, one stall as long as the save) and as it does now (in a worker
 * thread, the window turning meanwhile).
 * Usage: mt-bench-window FILE SEARCH   (run under a display) */
#include "config.h"

#include <locale.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "mt-lab-file.h"
#include "mt-window-private.h"

#define HEARTBEAT_MS 5

static gint64 last_beat;
static gint64 longest_gap;

static gboolean
heartbeat_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (last_beat != 0)
    longest_gap = MAX (longest_gap, now - last_beat);
  last_beat = now;

  return G_SOURCE_CONTINUE;
}

static void
reset_gaps (void)
{
  last_beat = 0;
  longest_gap = 0;
}

typedef gboolean (*Condition) (MtWindow *window);

static gboolean
loaded (MtWindow *window)
{
  return !mt_window_get_loading (window);
}

/* The sidebar has something to list: the first batch of a big file. */
static gboolean
listed (MtWindow *window)
{
  return !mt_window_get_loading (window)
         || (mt_window_get_lab (window) != NULL
             && g_list_model_get_n_items (mt_lab_get_traces (mt_window_get_lab (window))) > 0);
}

static gboolean
settled (MtWindow *window)
{
  return _mt_window_get_filter_pending (window) == 0;
}

static gboolean
saved (MtWindow *window)
{
  return !_mt_window_is_saving (window);
}

static gboolean
judged (MtWindow *window)
{
  return !_mt_window_get_judging (window);
}

/* Seconds until @condition holds. */
static double
wait_for (MtWindow  *window,
          Condition  condition)
{
  gint64 start = g_get_monotonic_time ();

  reset_gaps ();
  while (!condition (window))
    g_main_context_iteration (NULL, TRUE);

  return (g_get_monotonic_time () - start) / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *save_path = NULL;
  g_autofree char *backup = NULL;
  MtWindow *window;
  gint64 start;
  GtkEditable *entry;
  double seconds;
  guint n_traces;

  if (argc != 3)
    {
      g_printerr ("Usage: %s FILE SEARCH\n", argv[0]);
      return 2;
    }

  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "");
  gtk_init ();
  adw_init ();

  window = mt_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_timeout_add (HEARTBEAT_MS, heartbeat_cb, NULL);

  file = g_file_new_for_commandline_arg (argv[1]);
  mt_window_open (window, file);
  seconds = wait_for (window, listed);
  if (mt_window_get_lab (window) != NULL)
    g_print ("open %s: first %u traces listed after %.2f s while loading; "
             "longest main-loop gap %.0f ms\n", argv[1],
             g_list_model_get_n_items (mt_lab_get_traces (mt_window_get_lab (window))),
             seconds, longest_gap / 1000.0);
  seconds += wait_for (window, loaded);
  if (mt_window_get_lab (window) == NULL)
    {
      g_printerr ("%s: nothing could be loaded (%s)\n", argv[1],
                  _mt_window_get_last_toast (window));
      return 1;
    }
  n_traces = g_list_model_get_n_items (mt_lab_get_traces (mt_window_get_lab (window)));
  g_print ("open %s: %u traces listed after %.2f s; longest main-loop gap %.0f ms\n",
           argv[1], n_traces, seconds, longest_gap / 1000.0);

  seconds = wait_for (window, settled);
  g_print ("first list shown: %.2f s more; longest gap %.0f ms\n",
           seconds, longest_gap / 1000.0);

  seconds = wait_for (window, judged);
  g_print ("every verdict in: %.2f s more; longest gap %.0f ms\n",
           seconds, longest_gap / 1000.0);

  entry = _mt_window_get_search_entry (window);
  gtk_editable_set_text (entry, argv[2]);
  /* The entry reports a change after its own short delay. */
  while (_mt_window_get_filter_pending (window) == 0)
    g_main_context_iteration (NULL, TRUE);
  seconds = wait_for (window, settled);
  g_print ("search \"%s\": %u matches after %.2f s filtering; longest gap %.0f ms\n",
           argv[2], g_list_model_get_n_items (_mt_window_get_visible_traces (window)),
           seconds, longest_gap / 1000.0);

  gtk_editable_set_text (entry, "");
  while (_mt_window_get_filter_pending (window) == 0)
    g_main_context_iteration (NULL, TRUE);
  wait_for (window, settled);

  _mt_window_set_verdict_filter (window, MT_WINDOW_VERDICT_INCORRECT);
  seconds = wait_for (window, settled);
  g_print ("filter incorrect: %u traces after %.2f s; longest gap %.0f ms\n",
           g_list_model_get_n_items (_mt_window_get_visible_traces (window)),
           seconds, longest_gap / 1000.0);

  /* Saving: before, the core's save ran on the main thread. */
  save_path = g_strconcat (argv[1], ".saved.mtlab", NULL);
  backup = g_strconcat (save_path, "~", NULL);
  start = g_get_monotonic_time ();
  if (!mt_lab_file_save (mt_window_get_lab (window), save_path, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_print ("save on the main thread (before): %.2f s, the main loop stalled all of it\n",
           seconds);

  _mt_window_save_begin (window, save_path);
  seconds = wait_for (window, saved);
  g_print ("save in the window (now): done after %.2f s; longest main-loop gap %.0f ms (%s)\n",
           seconds, longest_gap / 1000.0,
           _mt_window_get_modified (window) ? _mt_window_get_last_toast (window) : "saved");

  g_unlink (save_path);
  g_unlink (backup);
  gtk_window_destroy (GTK_WINDOW (window));

  return 0;
}
