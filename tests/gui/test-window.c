/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <adwaita.h>

#include "gui-test-util.h"
#include "mt-lab-loader.h"
#include "mt-preferences-window.h"
#include "mt-timeline-private.h"
#include "mt-trace-row.h"
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

static gboolean
saved_cb (gpointer data)
{
  return !_mt_window_is_saving (MT_WINDOW (data));
}

static gboolean
destroyed_cb (gpointer data)
{
  return *(gboolean *)data;
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

typedef gboolean (*ConditionFunc) (gpointer data);

/* Spins the main loop until @condition holds, failing after a generous
 * bound rather than hanging. */
static void
wait_until (ConditionFunc condition,
            gpointer      data)
{
  gboolean timed_out = FALSE;
  guint timeout_id;

  timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);
  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (timeout_id);
}

static gboolean
judged_cb (gpointer data)
{
  return !_mt_window_get_judging (data);
}

static gboolean
filtered_cb (gpointer data)
{
  return _mt_window_get_filter_pending (data) == 0;
}

static char *
words (const char *lead,
       guint       n)
{
  GString *str = g_string_new (lead);

  for (guint i = 0; i < n; i++)
    g_string_append (str, " step");

  return g_string_free (str, FALSE);
}

static void
add_problem (MtLab      *lab,
             const char *id,
             const char *answer)
{
  g_autoptr(MtProblem) problem = mt_problem_new (id);

  mt_problem_set_domain (problem, MT_DOMAIN_MATH);
  mt_problem_set_prompt (problem, "What is the answer?");
  mt_problem_set_answer (problem, answer);
  g_assert_true (mt_lab_add_problem (lab, problem));
}

static void
add_graded (MtLab      *lab,
            const char *id,
            const char *problem_id,
            const char *model,
            const char *reasoning,
            const char *answer)
{
  g_autoptr(MtTrace) trace = mt_trace_new (id);

  mt_trace_set_problem_id (trace, problem_id);
  mt_trace_set_model (trace, model);
  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_answer (trace, answer);
  mt_trace_set_finish_reason (trace, MT_FINISH_STOP);
  g_assert_true (mt_lab_add_trace (lab, trace));
}

/* Graded traces of two models and a speedup branch that panics: it drops
 * the oracle's long reasoning and answers wrongly where the oracle was
 * right. */
static MtLab *
create_graded_lab (void)
{
  MtLab *lab = mt_lab_new ();
  g_autofree char *long_reasoning = words ("Start", 2000);
  g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (MT_INTERRUPT_SPEEDUP, 100, 0.05);
  g_autoptr(MtBranch) branch = mt_branch_new ("oracle-speedup", "oracle", interrupt);

  add_problem (lab, "p42", "42");
  add_problem (lab, "p7", "7");
  add_graded (lab, "oracle", "p42", "qwen3-8b", long_reasoning, "\\boxed{42}");
  add_graded (lab, "short-right", "p7", "qwen3-8b", "3 + 4 = 7.", "\\boxed{7}");
  add_graded (lab, "wrong", "p7", "deepseek-reasoner", "3 + 5 = 8, I think, step step step.",
              "\\boxed{8}");
  add_graded (lab, "open", "no-such-problem", "deepseek-reasoner", "Hmm.", "whatever");

  mt_trace_set_problem_id (MT_TRACE (branch), "p42");
  mt_trace_set_model (MT_TRACE (branch), "qwen3-8b");
  mt_trace_set_reasoning (MT_TRACE (branch), "Quick.");
  mt_trace_set_answer (MT_TRACE (branch), "\\boxed{41}");
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (branch)));

  return lab;
}

static guint
count_visible (MtWindow *window)
{
  wait_until (filtered_cb, window);
  return g_list_model_get_n_items (_mt_window_get_visible_traces (window));
}

static const char *
visible_id (MtWindow *window,
            guint     position)
{
  g_autoptr(MtTrace) trace = g_list_model_get_item (_mt_window_get_visible_traces (window),
                                                    position);

  g_assert_nonnull (trace);
  return mt_trace_get_id (trace);
}

static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (MT_IS_TRACE_ROW (widget))
    g_ptr_array_add (rows, widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

/* The verdict label of the row that shows @id. */
static const char *
row_verdict (MtWindow   *window,
             const char *id)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect_rows (GTK_WIDGET (window), rows);
  for (guint i = 0; i < rows->len; i++)
    {
      MtTraceRow *row = g_ptr_array_index (rows, i);
      MtTrace *trace = mt_trace_row_get_trace (row);

      if (trace != NULL && g_strcmp0 (mt_trace_get_id (trace), id) == 0)
        return mt_trace_row_get_verdict_text (row);
    }

  return NULL;
}

typedef struct
{
  GtkWidget *widget;
  int        normal;
} FontWatch;

static gboolean
font_grew_cb (gpointer data)
{
  FontWatch *watch = data;
  const PangoFontDescription *font;

  font = pango_context_get_font_description (gtk_widget_get_pango_context (watch->widget));
  return pango_font_description_get_size (font) > 3 * watch->normal / 2;
}

typedef struct
{
  MtWindow   *window;
  const char *id;
  const char *verdict;
} RowWatch;

static gboolean
row_verdict_cb (gpointer data)
{
  RowWatch *watch = data;

  return g_strcmp0 (row_verdict (watch->window, watch->id), watch->verdict) == 0;
}

/* Rows are made when the list is laid out, on a frame: wait for the one
 * showing @id to say @verdict. */
static void
wait_for_row_verdict (MtWindow   *window,
                      const char *id,
                      const char *verdict)
{
  RowWatch watch = { window, id, verdict };

  wait_until (row_verdict_cb, &watch);
  g_assert_cmpstr (row_verdict (window, id), ==, verdict);
}

typedef struct
{
  MtWindow *window;
  MtTrace  *branch;
  gboolean  panic;
} PanicWatch;

static gboolean
panic_judged_cb (gpointer data)
{
  PanicWatch *watch = data;
  const MtTraceJudgement *judgement = _mt_window_lookup_judgement (watch->window, watch->branch);

  return judgement != NULL && !!(judgement->failures & MT_TRACE_FAILURE_PANIC) == watch->panic;
}

/* The spin button of the preferences row titled @title. */
static GtkSpinButton *
find_row_spin (GtkWidget  *widget,
               const char *title)
{
  if (ADW_IS_ACTION_ROW (widget) &&
      g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0)
    {
      GtkWidget *activatable = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (widget));

      g_assert_true (GTK_IS_SPIN_BUTTON (activatable));
      return GTK_SPIN_BUTTON (activatable);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkSpinButton *spin = find_row_spin (child, title);

      if (spin != NULL)
        return spin;
    }

  return NULL;
}

/* The diagnosis thresholds chosen in Preferences re-judge the sidebar at
 * once, and Reset brings the defaults back. */
static void
test_window_thresholds (void)
{
  MtWindow *window = create_window ();
  g_autoptr(MtLab) lab = create_graded_lab ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  PanicWatch watch = { window, mt_lab_lookup_trace (lab, "oracle-speedup"), TRUE };
  MtPreferencesWindow *preferences;
  GtkSpinButton *spin;

  _mt_window_set_lab (window, lab, "graded.mtlab");
  wait_until (panic_judged_cb, &watch);
  drain_main_loop ();
  wait_for_row_verdict (window, "oracle-speedup", "Wrong · Panic");

  preferences = mt_preferences_window_new (GTK_WINDOW (window), settings);
  gtk_window_present (GTK_WINDOW (preferences));
  drain_main_loop ();
  spin = find_row_spin (GTK_WIDGET (preferences), "Panic Reasoning Fraction");
  g_assert_nonnull (spin);
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (spin), 0.01, 1e-9);
  g_assert_nonnull (find_row_spin (GTK_WIDGET (preferences), "Leakage Length Ratio"));
  g_assert_nonnull (find_row_spin (GTK_WIDGET (preferences), "Self-Doubt Markers"));

  /* The branch reasoned about 0.1% of what the oracle still had to go: a
   * fraction of 0 no longer calls that panic. */
  gtk_spin_button_set_value (spin, 0.0);
  g_assert_cmpfloat (g_settings_get_double (settings, "panic-ratio"), ==, 0.0);
  watch.panic = FALSE;
  wait_until (panic_judged_cb, &watch);
  wait_until (judged_cb, window);
  drain_main_loop ();
  wait_for_row_verdict (window, "oracle-speedup", "Wrong");

  /* Marker counts are unsigned keys behind a spin button. */
  gtk_spin_button_set_value (find_row_spin (GTK_WIDGET (preferences), "Self-Doubt Markers"), 4);
  g_assert_cmpuint (g_settings_get_uint (settings, "doubt-markers"), ==, 4);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preferences),
                                             "prefs.reset-thresholds", NULL));
  g_assert_cmpfloat (g_settings_get_double (settings, "panic-ratio"), ==, 0.01);
  g_assert_cmpuint (g_settings_get_uint (settings, "doubt-markers"), ==, 1);
  drain_main_loop ();
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (spin), 0.01, 1e-9);
  watch.panic = TRUE;
  wait_until (panic_judged_cb, &watch);
  wait_until (judged_cb, window);
  drain_main_loop ();
  wait_for_row_verdict (window, "oracle-speedup", "Wrong · Panic");

  gtk_window_destroy (GTK_WINDOW (preferences));
  gtk_window_destroy (GTK_WINDOW (window));
  drain_main_loop ();
}

static void
test_window_filters (void)
{
  MtWindow *window = create_window ();
  g_autoptr(MtLab) lab = create_graded_lab ();
  MtTrace *branch = mt_lab_lookup_trace (lab, "oracle-speedup");

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 900);
  _mt_window_set_lab (window, lab, "graded.mtlab");
  wait_until (judged_cb, window);
  drain_main_loop ();

  /* Verdicts and the branch's panic came from the worker to the rows. */
  g_assert_cmpint (_mt_window_lookup_judgement (window, branch)->verdict, ==, MT_VERDICT_WRONG);
  g_assert_true (_mt_window_lookup_judgement (window, branch)->failures & MT_TRACE_FAILURE_PANIC);
  g_assert_cmpstr (row_verdict (window, "oracle"), ==, "Correct");
  g_assert_cmpstr (row_verdict (window, "wrong"), ==, "Wrong");
  g_assert_cmpstr (row_verdict (window, "open"), ==, "Ungraded");
  g_assert_cmpstr (row_verdict (window, "oracle-speedup"), ==, "Wrong · Panic");
  g_assert_cmpuint (count_visible (window), ==, 5);

  g_assert_true (_mt_window_set_model_filter (window, "deepseek-reasoner"));
  g_assert_cmpuint (count_visible (window), ==, 2);
  g_assert_false (_mt_window_set_model_filter (window, "no-such-model"));
  g_assert_true (_mt_window_set_model_filter (window, NULL));
  g_assert_cmpuint (count_visible (window), ==, 5);

  _mt_window_set_verdict_filter (window, MT_WINDOW_VERDICT_CORRECT);
  g_assert_cmpuint (count_visible (window), ==, 2);
  _mt_window_set_verdict_filter (window, MT_WINDOW_VERDICT_INCORRECT);
  g_assert_cmpuint (count_visible (window), ==, 2);
  _mt_window_set_verdict_filter (window, MT_WINDOW_VERDICT_UNGRADED);
  g_assert_cmpuint (count_visible (window), ==, 1);
  g_assert_cmpstr (visible_id (window, 0), ==, "open");
  _mt_window_set_verdict_filter (window, MT_WINDOW_VERDICT_ANY);

  _mt_window_set_failure_filter (window, MT_WINDOW_FAILURE_PANIC);
  g_assert_cmpuint (count_visible (window), ==, 1);
  g_assert_cmpstr (visible_id (window, 0), ==, "oracle-speedup");
  _mt_window_set_failure_filter (window, MT_WINDOW_FAILURE_LEAKAGE);
  g_assert_cmpuint (count_visible (window), ==, 0);

  /* Filters combine with the search; Show All clears them, not it. */
  _mt_window_set_failure_filter (window, MT_WINDOW_FAILURE_ANY);
  _mt_window_set_verdict_filter (window, MT_WINDOW_VERDICT_INCORRECT);
  g_assert_cmpuint (count_matches (window, "step"), ==, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.reset-filters", NULL));
  g_assert_cmpuint (count_visible (window), ==, 2);
  g_assert_cmpuint (count_matches (window, ""), ==, 5);

  /* Sorts are stable: ties keep file order. */
  _mt_window_set_sort (window, MT_WINDOW_SORT_REASONING);
  g_assert_cmpuint (count_visible (window), ==, 5);
  g_assert_cmpstr (visible_id (window, 0), ==, "oracle");
  g_assert_cmpstr (visible_id (window, 1), ==, "wrong");
  _mt_window_set_sort (window, MT_WINDOW_SORT_MODEL);
  g_assert_cmpuint (count_visible (window), ==, 5);
  g_assert_cmpstr (visible_id (window, 0), ==, "wrong");
  g_assert_cmpstr (visible_id (window, 1), ==, "open");
  g_assert_cmpstr (visible_id (window, 2), ==, "oracle");
  _mt_window_set_sort (window, MT_WINDOW_SORT_VERDICT);
  g_assert_cmpuint (count_visible (window), ==, 5);
  g_assert_cmpstr (visible_id (window, 0), ==, "oracle");
  g_assert_cmpstr (visible_id (window, 1), ==, "short-right");
  g_assert_cmpstr (visible_id (window, 4), ==, "open");
  _mt_window_set_sort (window, MT_WINDOW_SORT_FILE);
  g_assert_cmpuint (count_visible (window), ==, 5);
  g_assert_cmpstr (visible_id (window, 4), ==, "oracle-speedup");

  /* The replay button and the timeline play and pause together; the
   * presentation toggle enlarges the transcript. */
  {
    MtTimeline *timeline = _mt_window_get_timeline (window);
    GtkWidget *transcript = GTK_WIDGET (_mt_window_get_transcript_view (window));
    const PangoFontDescription *font;
    int normal;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.play", NULL));
    g_assert_true (_mt_window_get_replay_active (window));
    mt_timeline_set_playing (timeline, FALSE);
    g_assert_false (_mt_window_get_replay_active (window));

    font = pango_context_get_font_description (gtk_widget_get_pango_context (transcript));
    normal = pango_font_description_get_size (font);
    _mt_window_set_presentation (window, TRUE);
    g_assert_true (gtk_widget_has_css_class (transcript, "presentation"));
    /* The style is applied with the next frame. */
    wait_until (font_grew_cb, &(FontWatch) { transcript, normal });
    _mt_window_set_presentation (window, FALSE);
    g_assert_false (gtk_widget_has_css_class (transcript, "presentation"));
  }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A trace added later (as a live run does) is graded too, and the lab
 * counts as changed. */
static void
test_window_judge_added (void)
{
  MtWindow *window = create_window ();
  g_autoptr(MtLab) lab = create_graded_lab ();

  _mt_window_set_lab (window, lab, "graded.mtlab");
  wait_until (judged_cb, window);
  g_assert_false (_mt_window_get_modified (window));

  add_graded (lab, "late", "p7", "new-model", "7.", "\\boxed{7}");
  g_assert_true (_mt_window_get_modified (window));
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "graded.mtlab"));
  g_assert_true (g_str_has_prefix (gtk_window_get_title (GTK_WINDOW (window)), "•"));
  wait_until (judged_cb, window);
  g_assert_cmpint (_mt_window_lookup_judgement (window, mt_lab_lookup_trace (lab, "late"))->verdict,
                   ==, MT_VERDICT_CORRECT);
  g_assert_true (_mt_window_set_model_filter (window, "new-model"));
  g_assert_cmpuint (count_visible (window), ==, 1);

  /* Saying no to the question keeps the window and the work. */
  gtk_window_close (GTK_WINDOW (window));
  drain_main_loop ();
  g_assert_nonnull (_mt_window_get_close_dialog (window));
  adw_message_dialog_response (_mt_window_get_close_dialog (window), "cancel");
  drain_main_loop ();
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (mt_window_get_lab (window) == lab);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
window_destroyed_cb (gpointer  data,
                     GObject  *where)
{
  *(gboolean *)data = TRUE;
}

static void
test_window_close_unsaved (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "closing.mtlab", NULL);
  g_autoptr(MtLab) lab = create_graded_lab ();
  g_autoptr(MtLab) reread = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;
  MtWindow *window = create_window ();
  gboolean destroyed = FALSE;

  _mt_window_set_lab (window, lab, "closing.mtlab");
  g_assert_true (_mt_window_save_to (window, path));
  g_object_weak_ref (G_OBJECT (window), window_destroyed_cb, &destroyed);

  /* Nothing changed: closing asks nothing. */
  add_graded (lab, "late", "p7", "qwen3-8b", "7.", "\\boxed{7}");
  g_assert_true (_mt_window_get_modified (window));

  /* "Save" in the question writes the lab file, then closes. */
  gtk_window_close (GTK_WINDOW (window));
  drain_main_loop ();
  g_assert_false (destroyed);
  g_assert_nonnull (_mt_window_get_close_dialog (window));
  adw_message_dialog_response (_mt_window_get_close_dialog (window), "save");
  /* The file is written in a worker thread; the window waits for it. */
  g_assert_true (_mt_window_is_saving (window));
  drain_main_loop ();
  wait_until (destroyed_cb, &destroyed);

  g_assert_true (mt_lab_file_load (reread, path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (mt_lab_lookup_trace (reread, "late"));

  /* "Discard" closes without writing. */
  window = create_window ();
  destroyed = FALSE;
  g_object_weak_ref (G_OBJECT (window), window_destroyed_cb, &destroyed);
  _mt_window_set_lab (window, lab, "closing.mtlab");
  add_graded (lab, "later", "p7", "qwen3-8b", "7.", "\\boxed{7}");
  gtk_window_close (GTK_WINDOW (window));
  drain_main_loop ();
  g_assert_false (destroyed);
  adw_message_dialog_response (_mt_window_get_close_dialog (window), "discard");
  drain_main_loop ();
  g_assert_true (destroyed);

  g_clear_object (&reread);
  reread = mt_lab_new ();
  g_assert_true (mt_lab_file_load (reread, path, report, NULL, &error));
  g_assert_null (mt_lab_lookup_trace (reread, "later"));

  g_unlink (path);
  g_autofree char *backup = g_strconcat (path, "~", NULL);
  g_unlink (backup);
  g_rmdir (dir);
}

static void
test_window_save_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "saved.mtlab", NULL);
  g_autofree char *backup = g_strconcat (path, "~", NULL);
  g_autoptr(MtLab) lab = create_graded_lab ();
  g_autoptr(GFile) file = g_file_new_for_path (path);
  MtWindow *window = create_window ();
  MtWindow *again;
  MtLab *loaded;

  /* An imported lab has no lab file yet: Save has to ask where. */
  _mt_window_set_lab (window, lab, "graded.jsonl");
  g_assert_null (_mt_window_get_lab_path (window));
  add_graded (lab, "late", "p7", "qwen3-8b", "7.", "\\boxed{7}");
  g_assert_true (_mt_window_get_modified (window));

  g_assert_true (_mt_window_save_to (window, path));
  g_assert_false (_mt_window_get_modified (window));
  g_assert_cmpstr (_mt_window_get_lab_path (window), ==, path);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "saved.mtlab");
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* Save writes again where it saved; the old file becomes the backup. */
  add_graded (lab, "later", "p7", "qwen3-8b", "7.", "\\boxed{7}");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.save", NULL));
  wait_until (saved_cb, window);
  g_assert_false (_mt_window_get_modified (window));
  g_assert_true (g_file_test (backup, G_FILE_TEST_IS_REGULAR));
  gtk_window_destroy (GTK_WINDOW (window));

  /* What was saved opens as the same lab, saved to itself from then on. */
  again = create_window ();
  mt_window_open (again, file);
  wait_for_load (again);
  loaded = mt_window_get_lab (again);
  g_assert_nonnull (loaded);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (loaded)), ==, 7);
  g_assert_true (MT_IS_BRANCH (mt_lab_lookup_trace (loaded, "oracle-speedup")));
  g_assert_cmpstr (mt_trace_get_answer (mt_lab_lookup_trace (loaded, "wrong")), ==, "\\boxed{8}");
  g_assert_cmpstr (_mt_window_get_lab_path (again), ==, path);
  g_assert_false (_mt_window_get_modified (again));
  gtk_window_destroy (GTK_WINDOW (again));

  g_unlink (path);
  g_unlink (backup);
  g_rmdir (dir);
}

static void
assert_save_fails (const char *path)
{
  g_autoptr(MtLab) lab = create_graded_lab ();
  MtWindow *window = create_window ();
  const char *toast;

  _mt_window_set_lab (window, lab, "graded.jsonl");
  add_graded (lab, "late", "p7", "qwen3-8b", "7.", "\\boxed{7}");
  g_assert_false (_mt_window_save_to (window, path));

  toast = _mt_window_get_last_toast (window);
  g_assert_nonnull (toast);
  g_assert_true (g_str_has_prefix (toast, "Could not save “lab.mtlab”: "));
  g_assert_nonnull (strstr (toast, "Nothing was lost"));
  g_assert_true (_mt_window_get_modified (window));
  g_assert_null (_mt_window_get_lab_path (window));
  g_assert_true (mt_window_get_lab (window) == lab);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Saving where nothing can be written says so and loses nothing. */
static void
test_window_save_error (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-window-XXXXXX", NULL);
  g_autofree char *locked = g_build_filename (dir, "locked", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain-file", NULL);
  g_autofree char *in_locked = g_build_filename (locked, "lab.mtlab", NULL);
  g_autofree char *in_file = g_build_filename (plain, "lab.mtlab", NULL);

  /* A folder without write permission (root writes there anyway) ... */
  g_assert_cmpint (g_mkdir (locked, 0500), ==, 0);
  if (access (locked, W_OK) != 0)
    assert_save_fails (in_locked);

  /* ... and a "folder" that is a file, which stops everyone. */
  g_assert_true (g_file_set_contents (plain, "", 0, NULL));
  assert_save_fails (in_file);

  g_unlink (plain);
  g_rmdir (locked);
  g_rmdir (dir);
}

/* A close that waits for "Save" stays open when the save fails. */
static void
test_window_close_save_fails (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-window-XXXXXX", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *path = g_build_filename (sub, "lab.mtlab", NULL);
  g_autofree char *backup = g_strconcat (path, "~", NULL);
  g_autoptr(MtLab) lab = create_graded_lab ();
  MtWindow *window = create_window ();
  gboolean destroyed = FALSE;
  const char *toast;

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  _mt_window_set_lab (window, lab, "lab.mtlab");
  g_assert_true (_mt_window_save_to (window, path));
  g_object_weak_ref (G_OBJECT (window), window_destroyed_cb, &destroyed);

  /* The folder becomes a file: nobody can write there now, root neither. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_unlink (backup);
  g_assert_cmpint (g_rmdir (sub), ==, 0);
  g_assert_true (g_file_set_contents (sub, "", 0, NULL));

  add_graded (lab, "late", "p7", "qwen3-8b", "7.", "\\boxed{7}");
  gtk_window_close (GTK_WINDOW (window));
  drain_main_loop ();
  adw_message_dialog_response (_mt_window_get_close_dialog (window), "save");
  wait_until (saved_cb, window);
  drain_main_loop ();

  g_assert_false (destroyed);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_true (_mt_window_get_modified (window));
  toast = _mt_window_get_last_toast (window);
  g_assert_nonnull (toast);
  g_assert_true (g_str_has_prefix (toast, "Could not save “lab.mtlab”: "));
  g_assert_false (_mt_window_is_saving (window));

  g_object_weak_unref (G_OBJECT (window), window_destroyed_cb, &destroyed);
  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (sub);
  g_rmdir (dir);
}

static gboolean
count_iteration_cb (gpointer data)
{
  MtWindow *window = g_object_get_data (G_OBJECT (data), "window");
  guint *counts = g_object_get_data (G_OBJECT (data), "counts");

  counts[0]++;
  if (_mt_window_is_saving (window))
    counts[1]++;

  return G_SOURCE_CONTINUE;
}

/* Runs once, in the first turn of the loop, ahead of anything else. */
static gboolean
first_iteration_cb (gpointer data)
{
  MtWindow *window = g_object_get_data (G_OBJECT (data), "window");
  guint *counts = g_object_get_data (G_OBJECT (data), "counts");

  counts[2] = _mt_window_is_saving (window);

  return G_SOURCE_REMOVE;
}

/* Saving a big lab leaves the main loop running: the window draws, takes
 * input and goes on changing the lab while the file is written. */
static void
test_window_save_big_responsive (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mt-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "big.mtlab", NULL);
  g_autofree char *other = g_build_filename (dir, "other.mtlab", NULL);
  g_autofree char *reasoning = words ("Step", 20000);
  g_autoptr(MtLab) lab = create_graded_lab ();
  g_autoptr(MtLab) reread = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GObject) counter = g_object_new (G_TYPE_OBJECT, NULL);
  guint counts[3] = { 0, 0, 0 };
  MtWindow *window = create_window ();
  guint source_id;

  /* A few tens of megabytes of reasoning. */
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *id = g_strdup_printf ("big-%u", i);

      add_graded (lab, id, "p42", "qwen3-8b", reasoning, "\\boxed{42}");
    }
  _mt_window_set_lab (window, lab, "big.jsonl");
  add_graded (lab, "late", "p7", "qwen3-8b", "7.", "\\boxed{7}");
  g_assert_true (_mt_window_get_modified (window));

  g_object_set_data (counter, "window", window);
  g_object_set_data (counter, "counts", counts);
  /* Ahead of the save's own completion in the first turn of the loop,
   * which has to come while the file is being written; then every turn
   * (at the priority of the completion, which it cannot hold up). */
  g_idle_add_full (G_PRIORITY_HIGH, first_iteration_cb, counter, NULL);
  source_id = g_idle_add_full (G_PRIORITY_DEFAULT, count_iteration_cb, counter, NULL);

  _mt_window_save_begin (window, path);
  /* Started, not done: the writing is off the main thread. */
  g_assert_true (_mt_window_is_saving (window));
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (window)), "saving"));

  /* A second save meanwhile is refused, and says so. */
  _mt_window_save_begin (window, other);
  g_assert_nonnull (strstr (_mt_window_get_last_toast (window), "being saved"));

  /* A change made while the file is written is not in it. */
  add_graded (lab, "during", "p7", "qwen3-8b", "7.", "\\boxed{7}");

  wait_until (saved_cb, window);
  g_source_remove (source_id);
  g_test_message ("main-loop iterations while saving: %u", counts[1]);
  g_assert_cmpuint (counts[2], ==, TRUE);

  g_assert_cmpstr (_mt_window_get_lab_path (window), ==, path);
  g_assert_true (_mt_window_get_modified (window));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "• big.mtlab");
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));

  g_assert_true (mt_lab_file_load (reread, path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (mt_lab_lookup_trace (reread, "big-199"));
  g_assert_cmpstr (mt_trace_get_reasoning (mt_lab_lookup_trace (reread, "big-0")), ==, reasoning);
  g_assert_null (mt_lab_lookup_trace (reread, "during"));

  /* Saving again takes the change along. */
  g_assert_true (_mt_window_save_to (window, path));
  g_assert_false (_mt_window_get_modified (window));

  gtk_window_destroy (GTK_WINDOW (window));
  g_autofree char *backup = g_strconcat (path, "~", NULL);
  g_unlink (backup);
  g_unlink (path);
  g_rmdir (dir);
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

static GtkListView *
find_list_view (GtkWidget *widget)
{
  if (GTK_IS_LIST_VIEW (widget))
    return GTK_LIST_VIEW (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkListView *found = find_list_view (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The timeline shows its trace on screen: only then is there a place to
 * drag the marker to. */
static gboolean
timeline_laid_out_cb (gpointer data)
{
  MtTimeline *timeline = data;

  return gtk_widget_get_mapped (GTK_WIDGET (timeline))
         && gtk_widget_get_width (GTK_WIDGET (timeline)) > 0
         && _mt_timeline_get_layout (timeline)->plot_width > 0
         && _mt_timeline_get_layout (timeline)->view.last > _mt_timeline_get_layout (timeline)->view.first;
}

/* Selects the sidebar's row of the trace answering @problem_id, as a click
 * on it does. */
static void
select_problem (MtWindow   *window,
                const char *problem_id)
{
  GtkSelectionModel *model = gtk_list_view_get_model (find_list_view (GTK_WIDGET (window)));

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (g_strcmp0 (mt_trace_get_problem_id (trace), problem_id) == 0)
        {
          g_assert_true (gtk_selection_model_select_item (model, i, TRUE));
          return;
        }
    }
  g_assert_not_reached ();
}

/* A real trace in the window (DeepSeek API model deepseek-reasoner,
 * MATH-500 item 6, three "wait"s) with its markers, and the interrupt marker dragged to
 * 30% of the reasoning: its label says so. The picture goes to
 * $MT_SCREENSHOT_DIR/math.png when that is set (the README's). */
static void
test_window_screenshot (void)
{
  const char *shared = g_getenv ("MT_SHARED_DATA");
  const char *dir = g_getenv ("MT_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  MtTimeline *timeline;
  MtTrace *trace;
  MtWindow *window;
  guint n_reasoning;
  guint target;

  if (shared != NULL)
    path = g_build_filename (shared, "traces", "markyx316_LLM-Reasoning-Trace-Topology",
                             "math500_deepseek_r1.jsonl", NULL);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("MT_SHARED_DATA has no math500_deepseek_r1.jsonl");
      return;
    }

  window = mt_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  file = g_file_new_for_path (path);
  mt_window_open (window, file);
  wait_for_load (window);
  wait_until (judged_cb, window);
  drain_main_loop ();

  select_problem (window, "math500_0006");
  drain_main_loop ();
  timeline = _mt_window_get_timeline (window);
  trace = mt_timeline_get_trace (timeline);
  g_assert_nonnull (trace);
  g_assert_cmpstr (mt_trace_get_problem_id (trace), ==, "math500_0006");
  g_assert_cmpuint (_mt_timeline_get_n_marks (timeline), >=, 1);
  wait_until (timeline_laid_out_cb, timeline);

  /* The boundary before token 30% of the reasoning, as a drag leaves it. */
  n_reasoning = _mt_timeline_get_data (timeline)->n_reasoning;
  target = (guint) (0.3 * n_reasoning + 0.5);
  _mt_timeline_drag_marker_to (timeline,
                               _mt_timeline_layout_token_to_x (_mt_timeline_get_layout (timeline),
                                                               _mt_timeline_get_data (timeline)->origin
                                                               + target),
                               FALSE);
  g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==, target);
  expected = g_strdup_printf ("%u · %.1f%%", target, 100.0 * target / n_reasoning);
  g_assert_cmpstr (mt_timeline_marker_get_label (_mt_timeline_get_marker (timeline)), ==, expected);
  g_assert_cmpfloat (fabs (100.0 * target / n_reasoning - 30.0), <, 0.5);
  drain_main_loop ();

  texture = gui_test_render (GTK_WIDGET (window));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, gtk_widget_get_width (GTK_WIDGET (window)));
  if (dir != NULL)
    {
      g_autofree char *png = g_build_filename (dir, "math.png", NULL);

      g_assert_true (gdk_texture_save_to_png (texture, png));
    }

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

  /* Above the window's minimum size, which the header's buttons set: a
   * smaller size would be widened when the window is configured. */
  window = create_window ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  drain_main_loop ();
  gtk_window_close (GTK_WINDOW (window));

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1000);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 700);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  /* The next window opens at the size the last one closed at. */
  window = mt_window_new (NULL);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 1000);
  g_assert_cmpint (height, ==, 700);
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
  g_autoptr(GtkCssProvider) provider = NULL;

  /* The assertions compare English messages. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "");

  g_test_init (&argc, &argv, NULL);

  /* The harness points XDG_DATA_HOME at an empty place for recent files. */
  g_mkdir_with_parents (g_get_user_data_dir (), 0700);

  gtk_init ();
  adw_init ();

  /* Without an application nothing loads the app's style sheet. */
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/midthought/Midthought/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add_func ("/gui/loader/describe", test_loader_describe);
  g_test_add_func ("/gui/window/welcome", test_window_welcome);
  g_test_add_func ("/gui/window/search", test_window_search);
  g_test_add_func ("/gui/window/open-missing", test_window_open_missing);
  g_test_add_func ("/gui/window/cancel", test_window_cancel);
  g_test_add_func ("/gui/window/open-fixture", test_window_open_fixture);
  g_test_add_func ("/gui/window/size-remembered", test_window_size_remembered);
  g_test_add_func ("/gui/window/drop", test_window_drop);
  g_test_add_func ("/gui/window/filters", test_window_filters);
  g_test_add_func ("/gui/window/thresholds", test_window_thresholds);
  g_test_add_func ("/gui/window/screenshot", test_window_screenshot);
  g_test_add_func ("/gui/window/judge-added", test_window_judge_added);
  g_test_add_func ("/gui/window/save-round-trip", test_window_save_round_trip);
  g_test_add_func ("/gui/window/save-error", test_window_save_error);
  g_test_add_func ("/gui/window/close-unsaved", test_window_close_unsaved);
  g_test_add_func ("/gui/window/close-save-fails", test_window_close_save_fails);
  g_test_add_func ("/gui/window/save-big-responsive", test_window_save_big_responsive);

  return g_test_run ();
}
