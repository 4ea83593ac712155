/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "mt-window-private.h"

/* The sidebar with 100,000 traces: searching and filtering must leave the
 * main loop running while the list is worked through a slice at a time. */
#define N_TRACES 100000
/* Every NEEDLE_EVERY-th trace mentions the needle; every WRONG_EVERY-th
 * answers wrongly. */
#define NEEDLE_EVERY 7
#define WRONG_EVERY 3
/* Generous: CI runs two test programs at once on two cores. */
#define WAIT_SECONDS 240

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static char *
write_big_file (const char *dir)
{
  g_autoptr(GString) text = g_string_sized_new (N_TRACES * 200);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, "big.jsonl", NULL);

  for (guint i = 0; i < N_TRACES; i++)
    {
      /* Far off when wrong: math answers compare with a relative tolerance. */
      guint answer = i % WRONG_EVERY == 0 ? 3 * i + 1 : 2 * i;

      g_string_append_printf (text,
                              "{\"id\":\"t%06u\",\"question\":\"What is %u plus %u?\","
                              "\"answer\":\"%u\",\"model\":\"model-%u\","
                              "\"reasoning\":\"Adding %u and %u gives %u.%s\","
                              "\"content\":\"\\\\boxed{%u}\"}\n",
                              i, i, i, 2 * i, i % 4, i, i, answer,
                              i % NEEDLE_EVERY == 0 ? " Like a needle in a haystack." : "",
                              answer);
    }

  g_file_set_contents (path, text->str, text->len, &error);
  g_assert_no_error (error);

  return path;
}

typedef struct
{
  MtWindow *window;
  guint     expected;
} Wanted;

static gboolean
loaded_cb (gpointer data)
{
  return !mt_window_get_loading (((Wanted *)data)->window);
}

static gboolean
judged_cb (gpointer data)
{
  return !_mt_window_get_judging (((Wanted *)data)->window);
}

static gboolean
settled_cb (gpointer data)
{
  Wanted *wanted = data;

  return _mt_window_get_filter_pending (wanted->window) == 0
         && g_list_model_get_n_items (_mt_window_get_visible_traces (wanted->window))
            == wanted->expected;
}

/* Spins the main loop until @condition holds, and says how many of the
 * iterations on the way ran while the sidebar still had items to look at. */
static guint
iterate_until (GSourceFunc  condition,
               Wanted      *wanted)
{
  gboolean timed_out = FALSE;
  guint timeout_id;
  guint while_pending = 0;
  guint last_pending = G_MAXUINT;

  timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);
  while (!condition (wanted) && !timed_out)
    {
      guint pending;

      g_main_context_iteration (NULL, TRUE);

      /* The main loop came back with work left: it was not blocked by it. */
      pending = _mt_window_get_filter_pending (wanted->window);
      if (pending > 0)
        {
          while_pending++;
          if (pending < last_pending)
            last_pending = pending;
        }
    }

  g_assert_false (timed_out);
  g_source_remove (timeout_id);

  return while_pending;
}

static void
test_sidebar_big (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-sidebar-big-XXXXXX", NULL);
  g_autofree char *path = write_big_file (dir);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  MtWindow *window = mt_window_new (NULL);
  GtkEditable *entry = _mt_window_get_search_entry (window);
  Wanted wanted = { window, N_TRACES };
  guint n_needles = (N_TRACES + NEEDLE_EVERY - 1) / NEEDLE_EVERY;
  guint n_wrong = (N_TRACES + WRONG_EVERY - 1) / WRONG_EVERY;
  guint n_both = (N_TRACES + NEEDLE_EVERY * WRONG_EVERY - 1) / (NEEDLE_EVERY * WRONG_EVERY);
  guint while_pending;

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  mt_window_open (window, file);
  iterate_until (loaded_cb, &wanted);
  g_assert_cmpstr (_mt_window_get_page (window), ==, "lab");
  iterate_until (settled_cb, &wanted);

  /* Typing filters a slice per main-loop iteration, not all at once. */
  gtk_editable_set_text (entry, "NEEDLE");
  wanted.expected = n_needles;
  while_pending = iterate_until (settled_cb, &wanted);
  g_assert_cmpuint (while_pending, >=, 2);

  /* Clearing it brings everything back, again a slice at a time. */
  gtk_editable_set_text (entry, "");
  wanted.expected = N_TRACES;
  iterate_until (settled_cb, &wanted);

  /* Verdicts come from the worker for every trace; the filter on them
   * is incremental too, and combines with the search. */
  iterate_until (judged_cb, &wanted);
  _mt_window_set_verdict_filter (window, MT_WINDOW_VERDICT_INCORRECT);
  wanted.expected = n_wrong;
  while_pending = iterate_until (settled_cb, &wanted);
  g_assert_cmpuint (while_pending, >=, 2);

  gtk_editable_set_text (entry, "haystack");
  wanted.expected = n_both;
  iterate_until (settled_cb, &wanted);

  g_assert_true (_mt_window_set_model_filter (window, "model-1"));
  /* i = 1 (mod 4), 0 (mod 7) and 0 (mod 3): i = 21 (mod 84). */
  wanted.expected = (N_TRACES - 21 + 83) / 84;
  iterate_until (settled_cb, &wanted);

  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "");

  g_test_init (&argc, &argv, NULL);
  /* The harness points XDG_DATA_HOME at an empty place for recent files. */
  g_mkdir_with_parents (g_get_user_data_dir (), 0700);

  gtk_init ();
  adw_init ();

  g_test_add_func ("/gui/sidebar/big", test_sidebar_big);

  return g_test_run ();
}
