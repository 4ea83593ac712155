/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading a big file lists its traces before the whole file is read. */
#include "config.h"

#include <locale.h>

#include <glib/gstdio.h>

#include <adwaita.h>

#include "mt-lab-loader.h"
#include "mt-window-private.h"

#define WAIT_SECONDS 60
/* More than two of the loader's batches (2000 traces each). */
#define N_TRACES 4500

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_until_set (gboolean *flag)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (timeout_id);
}

static char *
write_big_file (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("mt-loader-XXXXXX.jsonl", &path, &error);

  g_assert_no_error (error);
  close (fd);
  for (guint i = 0; i < N_TRACES; i++)
    g_string_append_printf (text, "{\"id\":\"t%u\",\"problem\":\"p%u\",\"model\":\"m%u\","
                            "\"prompt\":\"What is %u + 1?\",\"reasoning\":\"%u plus one is "
                            "%u. Let me check.\",\"answer\":\"%u\"}\n",
                            i, i, i % 3, i, i, i + 1, i + 1);
  g_file_set_contents (path, text->str, text->len, &error);
  g_assert_no_error (error);

  return path;
}

typedef struct
{
  MtLab     *lab;          /* what progress was given */
  guint      n_calls;
  guint      first_n_traces;
  gboolean   finished_at_first;
  gboolean   finished;
  MtLabLoad *load;
} Progress;

static void
progress_cb (MtLab    *lab,
             gpointer  user_data)
{
  Progress *progress = user_data;

  if (progress->n_calls++ == 0)
    {
      progress->lab = g_object_ref (lab);
      progress->first_n_traces = g_list_model_get_n_items (mt_lab_get_traces (lab));
      progress->finished_at_first = progress->finished;
    }
  g_assert_true (progress->lab == lab);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Progress *progress = user_data;
  g_autoptr(GError) error = NULL;

  progress->load = mt_lab_load_finish (result, &error);
  g_assert_no_error (error);
  progress->finished = TRUE;
}

static void
test_loader_batches (void)
{
  g_autofree char *path = write_big_file ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  Progress progress = { 0 };
  const MtLoadReport *report;

  mt_lab_load_async_full (&file, 1, progress_cb, &progress, NULL, NULL, load_cb, &progress);
  wait_until_set (&progress.finished);

  /* The first batch was in the lab, alone, before the load finished; the
   * lab handed over at the end is that lab, with everything. */
  g_assert_cmpuint (progress.n_calls, >=, 1);
  g_assert_false (progress.finished_at_first);
  g_assert_cmpuint (progress.first_n_traces, >, 0);
  g_assert_cmpuint (progress.first_n_traces, <, N_TRACES);
  g_assert_nonnull (progress.load);
  g_assert_true (progress.load->lab == progress.lab);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (progress.lab)), ==, N_TRACES);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_problems (progress.lab)), ==, N_TRACES);

  /* The report is the one file's, as in one go. */
  g_assert_cmpuint (progress.load->reports->len, ==, 1);
  report = g_ptr_array_index (progress.load->reports, 0);
  g_assert_cmpuint (report->n_traces, ==, N_TRACES);
  g_assert_cmpuint (report->n_skipped, ==, 0);

  g_clear_object (&progress.lab);
  g_clear_pointer (&progress.load, mt_lab_load_free);
  g_unlink (path);
}

typedef struct
{
  gboolean loading;
  guint    n_traces;
  gboolean seen;
} Listed;

static void
window_lab_cb (MtWindow   *window,
               GParamSpec *pspec,
               Listed     *listed)
{
  MtLab *lab = mt_window_get_lab (window);

  if (lab == NULL || listed->seen)
    return;

  listed->seen = TRUE;
  listed->loading = mt_window_get_loading (window);
  listed->n_traces = g_list_model_get_n_items (mt_lab_get_traces (lab));
}

static void
test_window_lists_while_loading (void)
{
  g_autofree char *path = write_big_file ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  MtWindow *window = mt_window_new (NULL);
  Listed listed = { 0 };
  gboolean timed_out = FALSE;
  guint timeout_id;

  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (window, "notify::lab", G_CALLBACK (window_lab_cb), &listed);
  mt_window_open (window, file);

  timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);
  while (mt_window_get_loading (window) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);

  /* The sidebar had the first batch, and the lab page, while loading. */
  g_assert_true (listed.seen);
  g_assert_true (listed.loading);
  g_assert_cmpuint (listed.n_traces, >, 0);
  g_assert_cmpuint (listed.n_traces, <, N_TRACES);

  /* Then everything, and nothing to save yet. */
  g_assert_cmpstr (_mt_window_get_page (window), ==, "lab");
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (mt_window_get_lab (window))),
                    ==, N_TRACES);
  g_assert_false (_mt_window_get_modified (window));

  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (path);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "");

  g_test_init (&argc, &argv, NULL);
  g_mkdir_with_parents (g_get_user_data_dir (), 0700);

  gtk_init ();
  adw_init ();

  g_test_add_func ("/gui/loader/batches", test_loader_batches);
  g_test_add_func ("/gui/loader/window-lists-while-loading", test_window_lists_while_loading);

  return g_test_run ();
}
