/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pango markup in a trace is text, everywhere the window shows it: a lab
 * whose problem, reasoning, answer, model, ids, split note and even file
 * name hold <span foreground="red"> and "&amp; <b>" is opened in a real
 * window, and every label, title, the transcript, the compare view and the
 * toasts must show those characters as written. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include <adwaita.h>

#include "mt-compare-view.h"
#include "mt-timeline-lane.h"
#include "mt-timeline-private.h"
#include "mt-timeline-segments-lane.h"
#include "mt-window-private.h"

#define WAIT_SECONDS 30
/* Markup that would turn red, and markup that would not even parse. */
#define RED "<span foreground=\"red\">x</span>"
#define BROKEN "&amp; <b>"
#define PROBLEM_ID "problem " RED " " BROKEN
#define TRACE_ID "trace " RED " " BROKEN
#define BRANCH_ID "branch " RED " " BROKEN
#define MODEL "model " RED " " BROKEN
#define PROMPT "Prompt " RED " " BROKEN " What is 6 times 7?"
#define REASONING "Reasoning " RED " " BROKEN " Six sevens are forty-two. "
#define ANSWER "Answer " RED " " BROKEN " \\boxed{42}"
#define SPLIT_NOTE "split note " RED " " BROKEN
/* File names cannot hold the "/" of "</span>". */
#define OPEN_RED "<span foreground=\"red\">"
#define FILE_NAME "lab " OPEN_RED "x " BROKEN ".mtlab"
#define MISSING_NAME "gone " OPEN_RED "x " BROKEN ".jsonl"

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Lets the frame clock lay out and paint a few frames. */
static void
run_frames (void)
{
  for (guint i = 0; i < 20; i++)
    {
      g_usleep (10 * 1000);
      drain_main_loop ();
    }
}

static void
wait_for_load (MtWindow *window)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);

  while (mt_window_get_loading (window) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (timeout_id);
  run_frames ();
}

static char *
write_lab (const char *dir)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtProblem) problem = mt_problem_new (PROBLEM_ID);
  g_autoptr(MtTrace) trace = mt_trace_new (TRACE_ID);
  g_autoptr(MtInterrupt) interrupt = NULL;
  g_autoptr(MtBranch) branch = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) reasoning = g_string_new (NULL);
  char *path = g_build_filename (dir, FILE_NAME, NULL);

  mt_problem_set_domain (problem, MT_DOMAIN_MATH);
  mt_problem_set_prompt (problem, PROMPT);
  mt_problem_set_answer (problem, "42");
  g_assert_true (mt_lab_add_problem (lab, problem));

  for (guint i = 0; i < 8; i++)
    g_string_append (reasoning, REASONING);
  mt_trace_set_problem_id (trace, PROBLEM_ID);
  mt_trace_set_model (trace, MODEL);
  mt_trace_set_prompt (trace, PROMPT);
  mt_trace_set_reasoning (trace, reasoning->str);
  mt_trace_set_answer (trace, ANSWER);
  mt_trace_set_finish_reason (trace, MT_FINISH_STOP);
  mt_trace_set_split (trace, MT_THINK_STYLE_FIELD, SPLIT_NOTE);
  g_assert_true (mt_lab_add_trace (lab, trace));

  interrupt = mt_interrupt_new (MT_INTERRUPT_CUSTOM, 10,
                                10.0 / mt_trace_get_n_reasoning_tokens (trace));
  mt_interrupt_set_text (interrupt, "Interrupt " RED " " BROKEN);
  branch = mt_branch_new (BRANCH_ID, TRACE_ID, interrupt);
  mt_trace_set_problem_id (MT_TRACE (branch), PROBLEM_ID);
  mt_trace_set_model (MT_TRACE (branch), MODEL);
  mt_trace_set_reasoning (MT_TRACE (branch), REASONING);
  mt_trace_set_answer (MT_TRACE (branch), ANSWER);
  mt_trace_set_finish_reason (MT_TRACE (branch), MT_FINISH_STOP);
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (branch)));

  mt_lab_file_save (lab, path, NULL, &error);
  g_assert_no_error (error);
  return path;
}

typedef struct
{
  GString   *texts;     /* every label's text as shown, one per line */
  GPtrArray *injected;  /* labels that parsed trace text as markup */
} Walk;

/* A label that parses markup must have had the trace's text escaped:
 * what it shows then still holds the characters as written. */
static void
check_label (GtkLabel *label,
             Walk     *walk)
{
  const char *source = gtk_label_get_label (label);
  const char *shown = gtk_label_get_text (label);

  if (shown != NULL && shown[0] != '\0')
    g_string_append_printf (walk->texts, "%s\n", shown);

  if (gtk_label_get_use_markup (label) && source != NULL
      && (strstr (source, OPEN_RED) != NULL || strstr (source, BROKEN) != NULL))
    g_ptr_array_add (walk->injected, g_strdup (source));
}

static void
walk_widgets (GtkWidget *widget,
              Walk      *walk)
{
  if (GTK_IS_LABEL (widget))
    check_label (GTK_LABEL (widget), walk);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    walk_widgets (child, walk);
}

/* Walks @root and fails on any label that took trace text for markup;
 * returns every label's text. */
static char *
shown_texts (GtkWidget *root)
{
  Walk walk = { g_string_new (NULL), g_ptr_array_new_with_free_func (g_free) };

  walk_widgets (root, &walk);
  for (guint i = 0; i < walk.injected->len; i++)
    g_test_message ("parsed as markup: %s", (char *) g_ptr_array_index (walk.injected, i));
  g_assert_cmpuint (walk.injected->len, ==, 0);
  g_ptr_array_unref (walk.injected);

  return g_string_free (walk.texts, FALSE);
}

static gboolean
has_line (const char *texts,
          const char *line)
{
  g_autofree char *needle = g_strconcat ("\n", line, "\n", NULL);
  g_autofree char *haystack = g_strconcat ("\n", texts, NULL);

  return strstr (haystack, needle) != NULL;
}

static char *
buffer_text (GtkTextBuffer *buffer)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_test_message ("“%s” is not in:\n%s", needle, haystack);
  g_assert_nonnull (strstr (haystack, needle));
}

/* The text of every text view under @widget. */
static void
collect_buffers (GtkWidget *widget,
                 GString   *texts)
{
  if (GTK_IS_TEXT_VIEW (widget))
    {
      g_autofree char *text = buffer_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget)));

      g_string_append_printf (texts, "%s\n", text);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_buffers (child, texts);
}

static void
find_compare_views (GtkWidget *widget,
                    GPtrArray *views)
{
  if (MT_IS_COMPARE_VIEW (widget))
    g_ptr_array_add (views, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_compare_views (child, views);
}

static GtkWidget *
find_segments_lane (GtkWidget *widget)
{
  if (MT_IS_TIMELINE_SEGMENTS_LANE (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *lane = find_segments_lane (child);

      if (lane != NULL)
        return lane;
    }

  return NULL;
}

/* The tooltips of the timeline's bar, token by token across the view.
 * The timeline hands them to gtk_tooltip_set_text(), which shows text as
 * it is; what matters is that the trace's characters reach it raw. */
static char *
timeline_tooltips (MtTimeline *timeline)
{
  const MtTimelineLayout *layout = _mt_timeline_get_layout (timeline);
  GtkWidget *lane = find_segments_lane (GTK_WIDGET (timeline));
  GString *tooltips = g_string_new (NULL);
  double y = layout->bar_band.origin.y + layout->bar_band.size.height / 2;

  g_assert_nonnull (lane);
  for (double token = ceil (layout->view.first); token < layout->view.last; token++)
    {
      double x = _mt_timeline_layout_token_to_x (layout, token + 0.5);
      g_autofree char *text = mt_timeline_lane_describe (MT_TIMELINE_LANE (lane), x, y);

      if (text != NULL)
        g_string_append_printf (tooltips, "%s\n", text);
    }

  return g_string_free (tooltips, FALSE);
}

static void
test_markup_window (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-test-markup-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *texts = NULL;
  g_autofree char *transcript = NULL;
  g_autofree char *backup = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GPtrArray) views = g_ptr_array_new ();
  MtWindow *window;

  g_assert_no_error (error);
  path = write_lab (dir);
  backup = g_strconcat (path, "~", NULL);
  file = g_file_new_for_path (path);

  window = mt_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  mt_window_open (window, file);
  wait_for_load (window);
  g_assert_nonnull (mt_window_get_lab (window));

  /* The window is titled after the file, as written. */
  assert_contains (gtk_window_get_title (GTK_WINDOW (window)), FILE_NAME);

  /* The first trace is selected: the sidebar's rows, the page's title and
   * subtitle, the split note. */
  texts = shown_texts (GTK_WIDGET (window));
  g_assert_true (has_line (texts, MODEL));
  g_assert_true (has_line (texts, PROBLEM_ID));
  assert_contains (texts, SPLIT_NOTE);
  assert_contains (texts, FILE_NAME);

  /* The transcript: prompt, reasoning and answer. */
  transcript = buffer_text (_mt_window_get_transcript (window));
  assert_contains (transcript, PROMPT);
  assert_contains (transcript, REASONING);
  assert_contains (transcript, ANSWER);

  /* The timeline's tooltips carry the characters as written. */
  {
    g_autofree char *tooltips = timeline_tooltips (_mt_window_get_timeline (window));

    /* Token by token: " <", "span", " foreground", "=\"", ... */
    assert_contains (tooltips, "“ <”\n");
    assert_contains (tooltips, "“\">”\n");
    assert_contains (tooltips, "“</”\n");
    assert_contains (tooltips, "“ &”\n");
  }

  /* The compare view of the trace and its branch. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare", NULL));
  run_frames ();
  find_compare_views (GTK_WIDGET (window), views);
  g_assert_cmpuint (views->len, ==, 1);
  g_clear_pointer (&texts, g_free);
  texts = shown_texts (GTK_WIDGET (window));
  {
    g_autoptr(GString) columns = g_string_new (NULL);

    collect_buffers (g_ptr_array_index (views, 0), columns);
    assert_contains (columns->str, REASONING);
    assert_contains (columns->str, ANSWER);
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare", NULL));
  run_frames ();

  /* A file named with markup that cannot be opened: the toast names it
   * as written. */
  {
    g_autofree char *missing = g_build_filename (dir, MISSING_NAME, NULL);
    g_autoptr(GFile) missing_file = g_file_new_for_path (missing);

    mt_window_open (window, missing_file);
    wait_for_load (window);
    assert_contains (_mt_window_get_last_toast (window), MISSING_NAME);
    g_clear_pointer (&texts, g_free);
    texts = shown_texts (GTK_WIDGET (window));
    assert_contains (texts, "Could not open “" MISSING_NAME "”");
  }

  gtk_window_destroy (GTK_WINDOW (window));
  drain_main_loop ();
  g_unlink (path);
  g_unlink (backup);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/markup/window", test_markup_window);

  return g_test_run ();
}
