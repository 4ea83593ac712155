/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's side of gui-kill-loop.sh: opens a lab in a real MtWindow and
 * sweeps it against a server, the way a user does. If the lab holds an
 * unfinished sweep (a window was killed during it), the window's "Resume"
 * offer is taken; otherwise a sweep is started from the sweep dialog. It
 * exits 0 once the sweep is done, 1 if it fails, and is meant to be killed
 * at any moment before that.
 *
 *     gui-sweep URL LAB
 *
 * URL is the server's base URL ending in /v1, serving the model "fake".
 * The sweep: every problem of the lab, X = 0.3 and 0.7, hard interrupts,
 * one sample, three at a time. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>

#include "mt-sweep-dialog.h"
#include "mt-window-private.h"

/* Generous: the sanitized build on a loaded machine is slow, and the
 * script kills the window long before this anyway. */
#define WAIT_SECONDS 600

typedef gboolean (*Condition) (gpointer data);

static guint n_warnings;

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for (Condition   condition,
          gpointer    data,
          const char *what)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    {
      g_printerr ("gui-sweep: timed out waiting for %s\n", what);
      exit (1);
    }
  g_source_remove (timeout_id);
}

static gboolean
has_server (gpointer data)
{
  return mt_live_session_has_server (data);
}

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

/* Warnings are counted and make the final run fail, except GTK 4.8's
 * benign "snapshot GtkGizmo without a current allocation" (see
 * tests/gui/gui-test-util.c). */
static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (fields[i].length >= 0)
        continue;
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }

  if ((log_level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL)) != 0
      && !(g_strcmp0 (domain, "Gtk") == 0
           && message != NULL
           && strstr (message, "Trying to snapshot GtkGizmo") != NULL))
    n_warnings++;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

int
main (int   argc,
      char *argv[])
{
  const MtInterruptKind kinds[] = { MT_INTERRUPT_HARD };
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *entry = NULL;
  const GError *sweep_error;
  MtLiveSession *live;
  MtWindow *window;

  setlocale (LC_ALL, "C.UTF-8");
  if (argc != 3)
    {
      g_printerr ("Usage: gui-sweep URL LAB\n");
      return 2;
    }
  g_log_set_writer_func (log_writer, NULL, NULL);
  /* Named, as the application names itself, for the recent files list. */
  g_set_prgname ("midthought");
  g_set_application_name ("Midthought");
  adw_init ();

  settings = g_settings_new (APP_ID);
  entry = g_strdup_printf ("Fake|%s|fake|completions|qwen3|", argv[1]);
  g_settings_set_strv (settings, "servers", (const char * const[]) { entry, NULL });

  window = mt_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  live = _mt_window_get_live_session (window);
  wait_for (has_server, live, "the saved server");

  file = g_file_new_for_path (argv[2]);
  mt_window_open (window, file);
  wait_for (not_loading, window, "the lab to load");
  if (g_strcmp0 (mt_live_session_get_lab_file (live), argv[2]) != 0)
    {
      g_printerr ("gui-sweep: the window did not open %s\n", argv[2]);
      return 1;
    }

  if (mt_live_session_has_saved_sweep (live))
    {
      /* What the "A sweep in this lab did not finish" toast offers. */
      if (!gtk_widget_activate_action (GTK_WIDGET (window), "win.sweep-resume-saved", NULL))
        {
          g_printerr ("gui-sweep: the window has no win.sweep-resume-saved\n");
          return 1;
        }
      g_printerr ("gui-sweep: resuming the saved sweep\n");
    }
  else
    {
      MtSweepDialog *dialog;

      if (!gtk_widget_activate_action (GTK_WIDGET (window), "win.sweep", NULL)
          || (dialog = find_sweep_dialog ()) == NULL)
        {
          g_printerr ("gui-sweep: the sweep dialog did not open\n");
          return 1;
        }
      mt_sweep_dialog_set_plan (dialog, "0.3, 0.7", kinds, G_N_ELEMENTS (kinds), 1, 3);
      g_signal_emit_by_name (dialog, "start");
      g_printerr ("gui-sweep: started a sweep from the dialog\n");
    }

  wait_for (sweep_ended, live, "the sweep to end");
  sweep_error = mt_live_session_get_sweep_error (live);
  if (mt_live_session_get_sweep_state (live) != MT_LIVE_SWEEP_DONE || sweep_error != NULL)
    {
      g_printerr ("gui-sweep: the sweep failed: %s\n",
                  sweep_error != NULL ? sweep_error->message : "no error given");
      return 1;
    }
  if (mt_live_session_has_saved_sweep (live))
    {
      g_printerr ("gui-sweep: the sweep is done but still offered for resuming\n");
      return 1;
    }
  if (n_warnings > 0)
    {
      g_printerr ("gui-sweep: %u warnings\n", n_warnings);
      return 1;
    }

  return 0;
}
