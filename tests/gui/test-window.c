/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include <adwaita.h>

#include "mt-lab-loader.h"
#include "mt-timeline-private.h"
#include "mt-window-private.h"

#define WAIT_SECONDS 20

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the main loop until @window has finished loading. */
static void
wait_for_load (MtWindow *window)
{
  gboolean timed_out = FALSE;
  guint timeout_id;

  timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);
  while (mt_window_get_loading (window) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (timeout_id);
}

/* Lets pending redraws, resizes and idles run. */
static void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static MtWindow *
create_window (void)
{
  MtWindow *window = mt_window_new (NULL);

  gtk_window_present (GTK_WINDOW (window));
  drain_main_loop ();

  return window;
}

static void
add_trace (MtLab          *lab,
           const char     *id,
           const char     *problem_id,
           const char     *model,
           const char     *prompt,
           const char     *reasoning,
           const char     *answer,
           MtFinishReason  reason)
{
  g_autoptr(MtTrace) trace = mt_trace_new (id);

  mt_trace_set_problem_id (trace, problem_id);
  mt_trace_set_model (trace, model);
  mt_trace_set_prompt (trace, prompt);
  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_answer (trace, answer);
  mt_trace_set_finish_reason (trace, reason);
  mt_trace_set_split (trace, MT_THINK_STYLE_FIELD, "reasoning came in its own field");
  g_assert_true (mt_lab_add_trace (lab, trace));
}

static MtLab *
create_lab (void)
{
  MtLab *lab = mt_lab_new ();

  add_trace (lab, "t1", "gsm8k-17", "qwen3-8b",
             "A farmer has 17 apples and gives away 5. How many are left?",
             "17 - 5 = 12 apples.", "12", MT_FINISH_STOP);
  add_trace (lab, "t2", "math500-3", "deepseek-reasoner",
             "Compute 3/8 times 1/7.",
             "3/56. Wait, the user provided an update, but the original problem said 3/8.",
             "\\frac{3}{56}", MT_FINISH_STOP);
  add_trace (lab, "t3", "aime24-7", "qwen3-8b",
             "Find the remainder when 2^10 is divided by 1000.",
             "2^10 = 1024, so the remainder is 24. ÉTÉ is folded too.",
             "24", MT_FINISH_LENGTH);

  return lab;
}

static guint
count_matches (MtWindow   *window,
               const char *text)
{
  gtk_editable_set_text (_mt_window_get_search_entry (window), text);

  /* GtkSearchEntry waits a moment before it says the text changed. */
  for (guint i = 0; i < 30; i++)
    {
      g_usleep (10 * 1000);
      drain_main_loop ();
    }

  return g_list_model_get_n_items (_mt_window_get_visible_traces (window));
}

static void
test_window_welcome (void)
{
  MtWindow *window = create_window ();

  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_assert_cmpstr (_mt_window_get_page (window), ==, "welcome");
  g_assert_true (mt_window_is_empty (window));
  g_assert_false (mt_window_get_loading (window));
  g_assert_null (mt_window_get_lab (window));
  g_assert_null (_mt_window_get_last_toast (window));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_search (void)
{
  MtWindow *window = create_window ();
  g_autoptr(MtLab) lab = create_lab ();
  g_autofree char *transcript = NULL;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  _mt_window_set_lab (window, lab, "handmade.mtlab");
  drain_main_loop ();

  g_assert_cmpstr (_mt_window_get_page (window), ==, "lab");
  g_assert_true (mt_window_get_lab (window) == lab);
  g_assert_false (mt_window_is_empty (window));
  g_assert_cmpuint (count_matches (window, ""), ==, 3);

  /* The first trace is selected and shown under its headings. */
  buffer = _mt_window_get_transcript (window);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  transcript = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_nonnull (strstr (transcript, "Reasoning\n17 - 5 = 12 apples."));
  g_assert_nonnull (strstr (transcript, "Answer\n12"));

  /* Prompt, reasoning and answer are searched, ignoring case. */
  g_assert_cmpuint (count_matches (window, "APPLES"), ==, 1);
  g_assert_cmpuint (count_matches (window, "the user provided an UPDATE"), ==, 1);
  g_assert_cmpuint (count_matches (window, "\\frac"), ==, 1);
  g_assert_cmpuint (count_matches (window, "remainder"), ==, 1);
  g_assert_cmpuint (count_matches (window, "été"), ==, 1);
  g_assert_cmpuint (count_matches (window, "qwen3"), ==, 2);
  g_assert_cmpuint (count_matches (window, "no trace says this"), ==, 0);
  g_assert_cmpuint (count_matches (window, ""), ==, 3);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_open_missing (void)
{
  MtWindow *window = create_window ();
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/missing.jsonl");

  mt_window_open (window, file);
  g_assert_true (mt_window_get_loading (window));
  g_assert_cmpstr (_mt_window_get_page (window), ==, "loading");

  wait_for_load (window);

  g_assert_cmpstr (_mt_window_get_page (window), ==, "welcome");
  g_assert_null (mt_window_get_lab (window));
  g_assert_nonnull (_mt_window_get_last_toast (window));
  g_assert_true (g_str_has_prefix (_mt_window_get_last_toast (window),
                                   "Could not open “missing.jsonl”: "));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_cancel (void)
{
  MtWindow *window = create_window ();
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "traces.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  mt_window_open (window, file);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-load", NULL));
  wait_for_load (window);

  g_assert_cmpstr (_mt_window_get_page (window), ==, "welcome");
  g_assert_null (mt_window_get_lab (window));
  g_assert_null (_mt_window_get_last_toast (window));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_open_fixture (void)
{
  MtWindow *window = create_window ();
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "traces.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  const char *toast;

  mt_window_open (window, file);
  wait_for_load (window);
  drain_main_loop ();

  g_assert_cmpstr (_mt_window_get_page (window), ==, "lab");

  /* The first trace's "Let me double-check" is a hesitation marker: the
   * timeline shows it as a tick. */
  g_assert_cmpuint (_mt_timeline_get_n_marks (_mt_window_get_timeline (window)), >=, 1);
  g_assert_nonnull (mt_window_get_lab (window));
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (mt_window_get_lab (window))),
                    ==, 3);
  g_assert_cmpuint (count_matches (window, ""), ==, 3);
  g_assert_cmpuint (count_matches (window, "APPLES"), ==, 1);
  g_assert_cmpuint (count_matches (window, "deepseek"), ==, 1);
  g_assert_cmpuint (count_matches (window, "qwen3-8b"), ==, 2);
  g_assert_cmpuint (count_matches (window, "nothing like this"), ==, 0);

  /* Every line of the fixture is good: nothing to warn about. */
  toast = _mt_window_get_last_toast (window);
  g_assert_true (toast == NULL || !g_str_has_prefix (toast, "Could not open"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_size_remembered (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  MtWindow *window;
  int width, height;

  window = create_window ();
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 480);
  drain_main_loop ();
  gtk_window_close (GTK_WINDOW (window));

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 640);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 480);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  /* The next window opens at the size the last one closed at. */
  window = mt_window_new (NULL);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 640);
  g_assert_cmpint (height, ==, 480);
  gtk_window_destroy (GTK_WINDOW (window));

  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
}

static GtkDropTarget *
find_drop_target (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }

  return NULL;
}

static void
test_window_drop (void)
{
  MtWindow *window = create_window ();
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/dropped.jsonl");
  g_autoptr(GSList) list = g_slist_prepend (NULL, file);
  g_auto(GValue) value = G_VALUE_INIT;
  GtkDropTarget *target;
  gboolean accepted = FALSE;

  target = find_drop_target (GTK_WIDGET (window));
  g_assert_nonnull (target);
  g_assert_true (g_type_is_a (GDK_TYPE_FILE_LIST, gtk_drop_target_get_gtypes (target, NULL)[0]));

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (list));
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_assert_true (accepted);
  g_assert_true (mt_window_get_loading (window));

  wait_for_load (window);
  g_assert_nonnull (_mt_window_get_last_toast (window));
  g_assert_true (g_str_has_prefix (_mt_window_get_last_toast (window),
                                   "Could not open “dropped.jsonl”: "));

  gtk_window_destroy (GTK_WINDOW (window));
}

static MtLabLoad *
create_load (void)
{
  MtLabLoad *load = g_new0 (MtLabLoad, 1);

  load->lab = create_lab ();
  load->reports = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_load_report_free);
  load->failures = g_ptr_array_new ();

  return load;
}

static void
test_loader_describe (void)
{
  g_autoptr(MtLabLoad) load = create_load ();
  MtLoadReport *report = mt_load_report_new ("/tmp/traces.jsonl");
  g_autofree char *clean = NULL;
  g_autofree char *skipped = NULL;
  g_autofree char *long_skipped = NULL;
  g_autofree char *failed = NULL;
  g_autofree char *long_message = NULL;
  MtLoadReport *second;
  MtLoadFailure failure = { 0 };

  g_ptr_array_add (load->reports, report);
  clean = mt_lab_load_describe_skipped (load);
  g_assert_null (clean);

  report->n_skipped = 2;
  mt_load_report_add_issue (report, 12, 5, MT_FORMAT_ERROR_TYPE,
                            "expected a string for \"reasoning\"");
  mt_load_report_add_issue (report, 40, 1, MT_FORMAT_ERROR_SYNTAX, "malformed JSON");
  skipped = mt_lab_load_describe_skipped (load);
  g_assert_cmpstr (skipped, ==,
                   "Loaded 3 traces; 2 lines skipped "
                   "(first: line 12: expected a string for \"reasoning\")");

  /* Counts add up over files; the first issue of the first file wins, and
   * a long message is cut to keep the toast readable. */
  long_message = g_strnfill (200, 'x');
  second = mt_load_report_new ("/tmp/more.jsonl");
  second->n_skipped = 1;
  mt_load_report_add_issue (second, 0, 0, MT_FORMAT_ERROR_TORN, "%s", long_message);
  g_ptr_array_insert (load->reports, 0, second);
  long_skipped = mt_lab_load_describe_skipped (load);
  g_assert_true (g_str_has_prefix (long_skipped, "Loaded 3 traces; 3 lines skipped (first: xxx"));
  g_assert_true (g_str_has_suffix (long_skipped, "x…)"));
  g_assert_cmpuint (g_utf8_strlen (long_skipped, -1), <, 150);

  failure.file = g_file_new_for_path ("/nonexistent/a b.jsonl");
  g_set_error_literal (&failure.error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_EMPTY,
                       "nothing in the file");
  failed = mt_load_failure_describe (&failure);
  g_assert_cmpstr (failed, ==, "Could not open “a b.jsonl”: nothing in the file");
  g_clear_object (&failure.file);
  g_clear_error (&failure.error);
}

int
main (int   argc,
      char *argv[])
{
  /* The assertions compare English messages. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "");

  g_test_init (&argc, &argv, NULL);

  /* The harness points XDG_DATA_HOME at an empty place for recent files. */
  g_mkdir_with_parents (g_get_user_data_dir (), 0700);

  gtk_init ();
  adw_init ();

  g_test_add_func ("/gui/loader/describe", test_loader_describe);
  g_test_add_func ("/gui/window/welcome", test_window_welcome);
  g_test_add_func ("/gui/window/search", test_window_search);
  g_test_add_func ("/gui/window/open-missing", test_window_open_missing);
  g_test_add_func ("/gui/window/cancel", test_window_cancel);
  g_test_add_func ("/gui/window/open-fixture", test_window_open_fixture);
  g_test_add_func ("/gui/window/size-remembered", test_window_size_remembered);
  g_test_add_func ("/gui/window/drop", test_window_drop);

  return g_test_run ();
}
