/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "gui-test-util.h"
#include "mt-compare-view-private.h"
#include "mt-window-private.h"

#define WAIT_SECONDS 20
#define VIEW_WINDOW_TITLE "mt-compare-test"
#define LAB_WINDOW_TITLE "mt-compare-lab-test"
#define MARKUP "<span foreground=\"red\">red</span> & <b>bold</b>"

/* Helpers */

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

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Turns the main loop until @condition holds, for WAIT_SECONDS at most:
 * text views measure their lines over many frames. */
static gboolean
wait_for (gboolean (*condition) (gpointer data),
          gpointer   data)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);

  while (!condition (data) && !timed_out)
    {
      g_usleep (5 * 1000);
      drain_main_loop ();
    }
  if (!timed_out)
    g_source_remove (timeout_id);

  return condition (data);
}

typedef struct
{
  gboolean done;
  int      status;
} ChildState;

static void
child_exited_cb (GPid     pid,
                 int      status,
                 gpointer user_data)
{
  ChildState *state = user_data;

  state->status = status;
  state->done = TRUE;
  g_spawn_close_pid (pid);
}

static gboolean
have_xdotool (void)
{
  g_autofree char *path = g_find_program_in_path ("xdotool");

  return path != NULL && g_getenv ("DISPLAY") != NULL;
}

/* Presses @keys (xdotool names) with the keyboard focus in the window
 * called @title, while the main loop turns. */
static void
press_keys (const char *title,
            const char *keys)
{
  g_autofree char *pattern = g_strdup_printf ("^%s$", title);
  g_auto(GStrv) names = g_strsplit (keys, " ", -1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *head[] = {
    "xdotool", "search", "--sync", "--onlyvisible", "--name", pattern,
    "windowfocus", "--sync", "key", "--delay", "40",
  };
  ChildState state = { FALSE, -1 };
  gboolean timed_out = FALSE;
  guint timeout_id;
  GPid pid;

  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, (char *)head[i]);
  for (guint i = 0; names[i] != NULL; i++)
    g_ptr_array_add (argv, names[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_async (NULL, (char **)argv->pdata, NULL,
                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH,
                 NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  g_child_watch_add (pid, child_exited_cb, &state);
  timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);
  while (!state.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);
  g_spawn_check_wait_status (state.status, &error);
  g_assert_no_error (error);

  run_frames ();
}

/* Reasoning of @n short sentences. */
static char *
make_reasoning (guint n)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (text, "Step %u adds the next term to the sum.", i);
      g_string_append (text, i % 4 == 3 ? "\n\n" : " ");
    }

  return g_string_free (text, FALSE);
}

static MtBranch *
add_branch (MtLab           *lab,
            const char      *id,
            MtTrace         *parent,
            MtInterruptKind  kind,
            double           fraction,
            const char      *text,
            const char      *reasoning,
            const char      *answer)
{
  guint n = mt_trace_get_n_reasoning_tokens (parent);
  guint index = (guint)round (fraction * n);
  g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (kind, index, (double)index / n);
  g_autoptr(MtBranch) branch = mt_branch_new (id, mt_trace_get_id (parent), interrupt);

  mt_interrupt_set_text (interrupt, text);
  mt_trace_set_problem_id (MT_TRACE (branch), mt_trace_get_problem_id (parent));
  mt_trace_set_model (MT_TRACE (branch), mt_trace_get_model (parent));
  mt_trace_set_reasoning (MT_TRACE (branch), reasoning);
  mt_trace_set_answer (MT_TRACE (branch), answer);
  mt_trace_set_finish_reason (MT_TRACE (branch), MT_FINISH_STOP);
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (branch)));
  g_assert_true (mt_branch_get_parent (branch) == parent);

  return branch;
}

/* An oracle that answers 7 and three branches at X = 0.3: a hard
 * interrupt whose answer leaks reasoning, a speed-up that panics and an
 * update that the model doubts. @n_sentences sets the length. */
static MtLab *
create_lab (guint n_sentences)
{
  MtLab *lab = mt_lab_new ();
  g_autoptr(MtProblem) problem = mt_problem_new ("sum");
  g_autoptr(MtTrace) oracle = mt_trace_new ("sum/oracle");
  g_autofree char *reasoning = make_reasoning (n_sentences);
  g_autofree char *doubt = make_reasoning (n_sentences / 2);
  g_autofree char *doubt_reasoning = NULL;

  mt_problem_set_domain (problem, MT_DOMAIN_MATH);
  mt_problem_set_prompt (problem, "Add the numbers from 1 to 3, then add 1.");
  mt_problem_set_answer (problem, "7");
  mt_problem_set_update_answer (problem, "7");
  g_assert_true (mt_lab_add_problem (lab, problem));

  mt_trace_set_problem_id (oracle, "sum");
  mt_trace_set_model (oracle, "qwen3-8b");
  mt_trace_set_prompt (oracle, "Add the numbers from 1 to 3, then add 1.");
  mt_trace_set_reasoning (oracle, reasoning);
  mt_trace_set_answer (oracle, "The sum is 6, plus 1 is \\boxed{7}.");
  mt_trace_set_finish_reason (oracle, MT_FINISH_STOP);
  g_assert_true (mt_lab_add_trace (lab, oracle));

  add_branch (lab, "sum/hard", oracle, MT_INTERRUPT_HARD, 0.3,
              "\n\nI have to give the solution now.\n</think>\n\n", "",
              "Wait, let me check the sum again. Hmm, actually I think step 3 was wrong. "
              "Let me redo it: 1 + 2 = 3, and 3 + 3 = 6. Hold on, then plus 1. "
              "Alternatively the last term doubles, so \\boxed{8}.");
  add_branch (lab, "sum/speedup", oracle, MT_INTERRUPT_SPEEDUP, 0.3,
              "\n\nI will complete my reasoning promptly.\n\n", "Done.", "\\boxed{9}");
  doubt_reasoning = g_strconcat ("Wait, the user provided an update, but the original problem "
                                 "says something else. This seems to be a typo. ", doubt, NULL);
  add_branch (lab, "sum/update", oracle, MT_INTERRUPT_UPDATE, 0.3,
              "\n\n<update>Add 1 at the end.</update>\n\n", doubt_reasoning,
              "The original problem gives \\boxed{6}.");

  return lab;
}

static MtCompareView *
create_view_window (MtLab      *lab,
                    GtkWidget **window)
{
  MtCompareView *view = MT_COMPARE_VIEW (mt_compare_view_new ());

  *window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (*window), VIEW_WINDOW_TITLE);
  gtk_window_set_default_size (GTK_WINDOW (*window), 1200, 700);
  gtk_window_set_child (GTK_WINDOW (*window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (*window));
  mt_compare_view_set_trace (view, lab, mt_lab_lookup_trace (lab, "sum/oracle"));
  run_frames ();

  return view;
}

static guint
order_length (const int *order)
{
  guint n = 0;

  while (order[n] >= 0)
    n++;
  return n;
}

static char *
buffer_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* Whether the text @needle in @view carries tag @name at its first
 * character. */
static gboolean
text_has_tag (GtkTextView *view,
              const char  *needle,
              const char  *name)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), name);
  GtkTextIter start, match_start, match_end;

  g_assert_nonnull (tag);
  gtk_text_buffer_get_start_iter (buffer, &start);
  g_assert_true (gtk_text_iter_forward_search (&start, needle, 0, &match_start, &match_end,
                                               NULL));
  return gtk_text_iter_has_tag (&match_start, tag);
}

static const char *
column_id (MtCompareView *view,
           guint          column)
{
  const MtComparison *comparison = _mt_compare_view_get_comparison (view);
  const MtCompareColumn *data = g_ptr_array_index (comparison->columns, column);

  return mt_trace_get_id (data->trace);
}

static void
activate (MtCompareView *view,
          const char    *action,
          guint          column)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), action, "s",
                                             column_id (view, column)));
  run_frames ();
}

static void
assert_order (MtCompareView *view,
              const int     *expected,
              guint          n_expected)
{
  g_autofree int *order = _mt_compare_view_get_order (view);

  g_assert_cmpuint (order_length (order), ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpint (order[i], ==, expected[i]);
}

/* Tests */

static void
test_compare_columns (void)
{
  g_autoptr(MtLab) lab = create_lab (60);
  GtkWidget *window;
  MtCompareView *view = create_view_window (lab, &window);
  const MtComparison *comparison = _mt_compare_view_get_comparison (view);
  MtTrace *oracle = mt_lab_lookup_trace (lab, "sum/oracle");
  MtBranch *hard = MT_BRANCH (mt_lab_lookup_trace (lab, "sum/hard"));
  guint k = mt_interrupt_get_token_index (mt_branch_get_interrupt (hard));
  const char *reasoning = mt_trace_get_reasoning (oracle);
  MtTokenSpans *spans = mt_trace_get_reasoning_spans (oracle);
  g_autofree char *label = NULL;
  g_autofree char *base_text = NULL;
  guint32 start, length;
  double top = -1;

  g_assert_nonnull (comparison);
  g_assert_true (mt_compare_view_get_base (view) == oracle);
  assert_order (view, (int[]) { 0, 1, 2, 3 }, 4);

  /* Aligned at the divergence point: the shared text is folded away and
   * every column starts where the branches part. */
  g_assert_cmpuint (comparison->divergence, ==, k);
  label = g_strdup_printf ("%u tokens in common — expand", k);
  g_assert_cmpstr (gtk_button_get_label (_mt_compare_view_get_prefix_button (view)), ==, label);

  mt_token_spans_get_span (spans, k, &start, &length);
  base_text = buffer_text (_mt_compare_view_get_text_view (view, 0));
  g_assert_true (g_str_has_prefix (base_text, "Reasoning\n"));
  g_assert_true (strncmp (base_text + strlen ("Reasoning\n"), reasoning + start, 40) == 0);

  for (guint i = 0; i < 4; i++)
    {
      GtkWidget *text_view = GTK_WIDGET (_mt_compare_view_get_text_view (view, i));
      graphene_point_t point;

      g_assert_true (gtk_widget_get_mapped (_mt_compare_view_get_column (view, i)));
      g_assert_true (gtk_widget_compute_point (text_view, GTK_WIDGET (view),
                                               &GRAPHENE_POINT_INIT (0, 0), &point));
      if (i == 0)
        top = point.y;
      else
        g_assert_cmpfloat (fabs (point.y - top), <, 0.5);

      if (i > 0)
        {
          g_autofree char *text = buffer_text (GTK_TEXT_VIEW (text_view));
          const MtCompareColumn *data = g_ptr_array_index (comparison->columns, i);

          /* Interrupted at the divergence point, nothing is inherited. */
          g_assert_true (g_str_has_prefix (text, "Interrupt\n"));
          g_assert_cmpuint (data->token_index, ==, k);
        }
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_compare_chips (void)
{
  g_autoptr(MtLab) lab = create_lab (60);
  GtkWidget *window;
  MtCompareView *view = create_view_window (lab, &window);
  const MtComparison *comparison = _mt_compare_view_get_comparison (view);
  const char *verdicts[] = { "ungraded", "correct", "wrong", "ungradable" };
  GtkTextView *hard_text;
  gboolean seen_yes = FALSE;

  for (guint i = 0; i < comparison->columns->len; i++)
    {
      const MtCompareColumn *data = g_ptr_array_index (comparison->columns, i);
      g_auto(GStrv) chips = _mt_compare_view_get_chips (view, i);
      g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
      MtGrade grade;

      /* The core's own verdicts, computed afresh. */
      mt_grade_trace (data->trace, &grade);
      g_ptr_array_add (expected, g_strdup_printf ("verdict:%s", verdicts[grade.verdict]));
      mt_grade_clear (&grade);

      if (data->branch != NULL)
        {
          const char *names[] = { "leakage", "panic", "doubt" };
          MtDiagnosisVerdict modes[3];
          MtDiagnoses diagnoses;

          mt_diagnose_branch (data->branch, NULL, NULL, &diagnoses);
          modes[0] = diagnoses.leakage.verdict;
          modes[1] = diagnoses.panic.verdict;
          modes[2] = diagnoses.doubt.verdict;
          for (guint m = 0; m < 3; m++)
            if (modes[m] != MT_DIAGNOSIS_NOT_APPLICABLE)
              {
                g_ptr_array_add (expected,
                                 g_strdup_printf ("%s:%s", names[m],
                                                  modes[m] == MT_DIAGNOSIS_YES ? "yes" : "no"));
                seen_yes |= modes[m] == MT_DIAGNOSIS_YES;
              }
          mt_diagnoses_clear (&diagnoses);
        }

      g_assert_cmpuint (g_strv_length (chips), ==, expected->len);
      for (guint j = 0; j < expected->len; j++)
        g_assert_cmpstr (chips[j], ==, g_ptr_array_index (expected, j));
    }

  /* The lab was made to fail: the chips are not all "no". */
  g_assert_true (seen_yes);
  {
    g_auto(GStrv) base = _mt_compare_view_get_chips (view, 0);
    g_auto(GStrv) hard = _mt_compare_view_get_chips (view, 1);
    g_auto(GStrv) speedup = _mt_compare_view_get_chips (view, 2);

    g_assert_cmpstr (base[0], ==, "verdict:correct");
    g_assert_true (g_strv_contains ((const char * const *)hard, "leakage:yes"));
    g_assert_true (g_strv_contains ((const char * const *)hard, "verdict:wrong"));
    g_assert_true (g_strv_contains ((const char * const *)speedup, "panic:yes"));
  }

  /* Evidence is highlighted where it is in the text, and only there. */
  hard_text = _mt_compare_view_get_text_view (view, 1);
  g_assert_true (text_has_tag (hard_text, "Wait, let me", "leakage"));
  g_assert_false (text_has_tag (hard_text, "redo", "leakage"));
  g_assert_true (text_has_tag (_mt_compare_view_get_text_view (view, 3), "typo", "doubt"));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The text view inside the view's revealer: the folded prefix. */
static GtkWidget *
find_text_in_revealer (GtkWidget *widget)
{
  if (GTK_IS_REVEALER (widget))
    {
      GtkWidget *child = gtk_revealer_get_child (GTK_REVEALER (widget));

      child = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (child));
      return GTK_IS_TEXT_VIEW (child) ? child : NULL;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_text_in_revealer (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
test_compare_prefix (void)
{
  g_autoptr(MtLab) lab = create_lab (60);
  GtkWidget *window;
  MtCompareView *view = create_view_window (lab, &window);
  const MtComparison *comparison = _mt_compare_view_get_comparison (view);
  GtkButton *button = _mt_compare_view_get_prefix_button (view);
  GtkWidget *prefix_view;
  g_autofree char *text = NULL;

  g_assert_false (_mt_compare_view_get_prefix_expanded (view));
  g_assert_true (g_str_has_suffix (gtk_button_get_label (button), "in common — expand"));

  g_signal_emit_by_name (button, "clicked");
  run_frames ();
  g_assert_true (_mt_compare_view_get_prefix_expanded (view));
  g_assert_true (g_str_has_suffix (gtk_button_get_label (button), "in common — collapse"));

  /* Expanded, the shared text is there in full and on screen. */
  prefix_view = find_text_in_revealer (GTK_WIDGET (view));
  g_assert_true (GTK_IS_TEXT_VIEW (prefix_view));
  text = buffer_text (GTK_TEXT_VIEW (prefix_view));
  g_assert_cmpstr (text, ==, comparison->prefix);
  g_assert_true (gtk_widget_get_mapped (prefix_view));

  g_signal_emit_by_name (button, "clicked");
  run_frames ();
  g_assert_false (_mt_compare_view_get_prefix_expanded (view));
  g_assert_true (g_str_has_suffix (gtk_button_get_label (button), "in common — expand"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
scroller_at_end (gpointer data)
{
  GtkAdjustment *adjustment = data;

  return gtk_adjustment_get_value (adjustment) > 0
         && gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment)
            >= gtk_adjustment_get_upper (adjustment) - 1;
}

static void
test_compare_manage (void)
{
  g_autoptr(MtLab) lab = create_lab (60);
  GtkWidget *window;
  MtCompareView *view = create_view_window (lab, &window);
  GtkWidget *pinned = _mt_compare_view_get_column (view, 3);
  GtkWidget *scroller = gtk_widget_get_ancestor (_mt_compare_view_get_column (view, 0),
                                                 GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *hadjustment;
  graphene_point_t point;

  /* Hide, and show again. */
  activate (view, "compare.hide-column", 2);
  assert_order (view, (int[]) { 0, 1, 3 }, 3);
  g_assert_false (gtk_widget_get_mapped (_mt_compare_view_get_column (view, 2)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "compare.show-hidden", NULL));
  run_frames ();
  assert_order (view, (int[]) { 0, 1, 2, 3 }, 4);
  g_assert_true (gtk_widget_get_mapped (_mt_compare_view_get_column (view, 2)));

  /* Reorder; moving past the end does nothing. */
  activate (view, "compare.move-right", 1);
  assert_order (view, (int[]) { 0, 2, 1, 3 }, 4);
  activate (view, "compare.move-left", 0);
  assert_order (view, (int[]) { 0, 2, 1, 3 }, 4);
  activate (view, "compare.move-right", 3);
  assert_order (view, (int[]) { 0, 2, 1, 3 }, 4);

  /* A pinned column goes first and stays put when the others scroll
   * sideways. */
  activate (view, "compare.pin-column", 3);
  assert_order (view, (int[]) { 3, 0, 2, 1 }, 4);
  g_assert_false (gtk_widget_is_ancestor (pinned, scroller));
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  run_frames ();
  hadjustment = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (scroller));
  g_assert_cmpfloat (gtk_adjustment_get_upper (hadjustment), >,
                     gtk_adjustment_get_page_size (hadjustment));
  gtk_adjustment_set_value (hadjustment, gtk_adjustment_get_upper (hadjustment));
  g_assert_true (wait_for (scroller_at_end, hadjustment));
  run_frames ();
  g_assert_true (gtk_widget_compute_point (pinned, GTK_WIDGET (view),
                                           &GRAPHENE_POINT_INIT (0, 0), &point));
  g_assert_cmpfloat (fabs (point.x), <, 0.5);
  /* Pinned, it keeps a column's width rather than taking the room the
   * others scroll in. */
  g_assert_cmpint (gtk_widget_get_width (pinned), ==,
                   gtk_widget_get_width (_mt_compare_view_get_column (view, 1)));
  g_assert_true (gtk_widget_compute_point (_mt_compare_view_get_column (view, 0),
                                           GTK_WIDGET (view),
                                           &GRAPHENE_POINT_INIT (0, 0), &point));
  g_assert_cmpfloat (point.x, <, 0);

  /* Unpinned, it goes back to its place in the order. */
  activate (view, "compare.pin-column", 3);
  assert_order (view, (int[]) { 0, 2, 1, 3 }, 4);
  g_assert_true (gtk_widget_is_ancestor (pinned, scroller));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_compare_keyboard (void)
{
  g_autoptr(MtLab) lab = NULL;
  GtkWidget *window;
  MtCompareView *view;

  if (!have_xdotool ())
    {
      g_test_skip ("xdotool and an X display are needed for real key presses");
      return;
    }

  lab = create_lab (60);
  view = create_view_window (lab, &window);
  gtk_widget_grab_focus (GTK_WIDGET (_mt_compare_view_get_text_view (view, 0)));
  run_frames ();
  g_assert_cmpint (_mt_compare_view_get_focus_column (view), ==, 0);

  press_keys (VIEW_WINDOW_TITLE, "alt+Right");
  g_assert_cmpint (_mt_compare_view_get_focus_column (view), ==, 1);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (_mt_compare_view_get_text_view (view, 1))));

  press_keys (VIEW_WINDOW_TITLE, "alt+Right alt+Right");
  g_assert_cmpint (_mt_compare_view_get_focus_column (view), ==, 3);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (_mt_compare_view_get_text_view (view, 3))));

  /* The text views' own Ctrl+Page Up does not get in the way. */
  press_keys (VIEW_WINDOW_TITLE, "ctrl+Prior ctrl+Prior");
  g_assert_cmpint (_mt_compare_view_get_focus_column (view), ==, 1);
  press_keys (VIEW_WINDOW_TITLE, "ctrl+Next ctrl+Next ctrl+Next");
  g_assert_cmpint (_mt_compare_view_get_focus_column (view), ==, 3);
  press_keys (VIEW_WINDOW_TITLE, "alt+Left");
  g_assert_cmpint (_mt_compare_view_get_focus_column (view), ==, 2);

  /* Alt+Shift moves the focused column, which keeps the focus. */
  press_keys (VIEW_WINDOW_TITLE, "alt+shift+Left");
  assert_order (view, (int[]) { 0, 2, 1, 3 }, 4);
  g_assert_cmpint (_mt_compare_view_get_focus_column (view), ==, 2);
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (_mt_compare_view_get_text_view (view, 2))));

  /* Navigation follows the order on screen and skips hidden columns. */
  activate (view, "compare.hide-column", 1);
  press_keys (VIEW_WINDOW_TITLE, "alt+Right");
  g_assert_cmpint (_mt_compare_view_get_focus_column (view), ==, 3);

  gtk_window_destroy (GTK_WINDOW (window));
}

typedef struct
{
  MtCompareView *view;
  guint          leader;
  double         relative;
} ScrollState;

static GtkAdjustment *
vadjustment_of (MtCompareView *view,
                guint          column)
{
  GtkTextView *text_view = _mt_compare_view_get_text_view (view, column);

  return gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (text_view));
}

static double
relative_of (MtCompareView *view,
             guint          column)
{
  GtkTextView *text_view = _mt_compare_view_get_text_view (view, column);
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (text_view));

  return mt_compare_relative_position (gtk_adjustment_get_value (adjustment),
                                       gtk_adjustment_get_upper (adjustment),
                                       gtk_adjustment_get_page_size (adjustment));
}

static gboolean
columns_at (gpointer data)
{
  ScrollState *state = data;
  guint n_scrollable = 0;

  /* A column shorter than its window has nowhere to go. */
  for (guint i = 0; i < 4; i++)
    {
      GtkTextView *text_view = _mt_compare_view_get_text_view (state->view, i);
      GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (text_view));

      if (gtk_adjustment_get_upper (adjustment) <= gtk_adjustment_get_page_size (adjustment))
        continue;
      n_scrollable++;
      if (fabs (relative_of (state->view, i) - relative_of (state->view, state->leader)) > 0.01)
        return FALSE;
    }

  /* The leader keeps its place in pixels as its lines are measured, so its
   * relative place may drift a little from where it was put. */
  return n_scrollable >= 2
         && fabs (relative_of (state->view, state->leader) - state->relative) <= 0.05;
}

static void
scroll_column (MtCompareView *view,
               guint          column,
               double         relative)
{
  GtkTextView *text_view = _mt_compare_view_get_text_view (view, column);
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (text_view));

  double upper = gtk_adjustment_get_upper (adjustment);
  double page = gtk_adjustment_get_page_size (adjustment);

  gtk_adjustment_set_value (adjustment, mt_compare_absolute_position (relative, upper, page));
}

static void
test_compare_scroll (void)
{
  g_autoptr(MtLab) lab = create_lab (600);
  GtkWidget *window;
  MtCompareView *view = create_view_window (lab, &window);
  ScrollState state = { view, 0, 1.0 };
  double base_upper, update_upper;

  /* The columns differ in length, so the same place is a different
   * offset in each: the hard branch is short, the base long. */
  base_upper = gtk_adjustment_get_upper (vadjustment_of (view, 0));
  update_upper = gtk_adjustment_get_upper (vadjustment_of (view, 3));
  g_assert_cmpfloat (base_upper, !=, update_upper);

  scroll_column (view, 0, 1.0);
  g_assert_true (wait_for (columns_at, &state));

  state.leader = 3;
  state.relative = 0.5;
  scroll_column (view, 3, 0.5);
  g_assert_true (wait_for (columns_at, &state));
  g_assert_cmpfloat (fabs (relative_of (view, 0) - 0.5), <=, 0.05);

  /* A hidden column does not follow; shown again, it catches up. */
  activate (view, "compare.hide-column", 2);
  state.leader = 0;
  state.relative = 0.25;
  scroll_column (view, 0, 0.25);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "compare.show-hidden", NULL));
  g_assert_true (wait_for (columns_at, &state));

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
no_markup_in_labels (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget) && gtk_label_get_use_markup (GTK_LABEL (widget)))
    return FALSE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (!no_markup_in_labels (child))
      return FALSE;

  return TRUE;
}

static void
test_compare_markup (void)
{
  g_autoptr(MtLab) lab = create_lab (60);
  MtTrace *oracle = mt_lab_lookup_trace (lab, "sum/oracle");
  GtkWidget *window;
  MtCompareView *view;
  g_autofree char *text = NULL;
  g_auto(GStrv) chips = NULL;

  add_branch (lab, "sum/" MARKUP, oracle, MT_INTERRUPT_CUSTOM, 0.3, "<b>" MARKUP "</b>",
              MARKUP, "The answer is " MARKUP);
  view = create_view_window (lab, &window);
  g_assert_cmpuint (_mt_compare_view_get_comparison (view)->columns->len, ==, 5);

  /* Shown as written, not as markup. */
  for (guint i = 1; i < 5; i++)
    if (g_str_has_suffix (column_id (view, i), MARKUP))
      {
        text = buffer_text (_mt_compare_view_get_text_view (view, i));
        chips = _mt_compare_view_get_chips (view, i);
      }
  g_assert_nonnull (text);
  g_assert_nonnull (strstr (text, "<b>" MARKUP "</b>"));
  g_assert_nonnull (strstr (text, "The answer is " MARKUP));
  g_assert_nonnull (chips);
  for (guint i = 0; i < 5; i++)
    g_assert_true (no_markup_in_labels (_mt_compare_view_get_column (view, i)));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_compare_diff (void)
{
  g_autoptr(MtLab) lab = create_lab (60);
  GtkWidget *window;
  MtCompareView *view;
  GtkTextView *base, *hard, *speedup, *late;
  GtkCheckButton *checks[3] = { NULL, };

  /* A branch interrupted later shares the base's text up to its interrupt. */
  add_branch (lab, "sum/late", mt_lab_lookup_trace (lab, "sum/oracle"), MT_INTERRUPT_HARD, 0.6,
              "\n\nI have to answer now.\n</think>\n\n", "", "\\boxed{7}");
  view = create_view_window (lab, &window);
  g_assert_cmpstr (column_id (view, 4), ==, "sum/late");
  base = _mt_compare_view_get_text_view (view, 0);
  hard = _mt_compare_view_get_text_view (view, 1);
  speedup = _mt_compare_view_get_text_view (view, 2);
  late = _mt_compare_view_get_text_view (view, 4);

  /* Nothing is marked until two columns are chosen. */
  g_assert_false (text_has_tag (hard, "redo", "diff"));

  /* By the check buttons in the headers, as a user would. */
  for (guint i = 0; i < 3; i++)
    {
      GtkWidget *header = gtk_widget_get_first_child (_mt_compare_view_get_column (view, i));

      for (GtkWidget *child = gtk_widget_get_first_child (header);
           child != NULL;
           child = gtk_widget_get_next_sibling (child))
        if (GTK_IS_CHECK_BUTTON (child))
          checks[i] = GTK_CHECK_BUTTON (child);
      g_assert_nonnull (checks[i]);
    }

  gtk_check_button_set_active (checks[0], TRUE);
  g_assert_false (text_has_tag (hard, "redo", "diff"));
  gtk_check_button_set_active (checks[1], TRUE);
  run_frames ();
  /* Each side marks what the other lacks. */
  g_assert_true (text_has_tag (hard, "redo", "diff"));
  g_assert_true (text_has_tag (base, "Step 50 adds", "diff"));

  /* A third choice replaces the oldest. */
  gtk_check_button_set_active (checks[2], TRUE);
  run_frames ();
  g_assert_false (gtk_check_button_get_active (checks[0]));
  g_assert_true (gtk_check_button_get_active (checks[1]));
  g_assert_false (text_has_tag (base, "Step 50 adds", "diff"));
  g_assert_true (text_has_tag (speedup, "Done", "diff"));
  g_assert_true (text_has_tag (hard, "redo", "diff"));

  /* What two columns share is not marked: the late branch's text up to
   * its interrupt is the base's. */
  _mt_compare_view_set_diff_columns (view, 0, 4);
  g_assert_false (gtk_check_button_get_active (checks[1]));
  g_assert_false (text_has_tag (base, "Step 25 adds", "diff"));
  g_assert_false (text_has_tag (late, "Step 25 adds", "diff"));
  g_assert_true (text_has_tag (base, "Step 50 adds", "diff"));
  g_assert_true (text_has_tag (late, "I have to answer now", "diff"));

  /* A difference that runs from the inherited text into the interrupt
   * marks both, but not the heading between them. */
  _mt_compare_view_set_diff_columns (view, 1, 4);
  g_assert_true (text_has_tag (late, "Step 25 adds", "diff"));
  g_assert_true (text_has_tag (late, "I have to answer now", "diff"));
  g_assert_false (text_has_tag (late, "Interrupt\n", "diff"));

  _mt_compare_view_set_diff_columns (view, -1, -1);
  g_assert_false (text_has_tag (base, "Step 50 adds", "diff"));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_compare_nested (void)
{
  g_autoptr(MtLab) lab = create_lab (60);
  MtTrace *update = mt_lab_lookup_trace (lab, "sum/update");
  GtkWidget *window;
  MtCompareView *view;

  add_branch (lab, "sum/update/hard", update, MT_INTERRUPT_HARD, 0.5,
              "\n\nI have to answer now.\n</think>\n\n", "", "\\boxed{7}");
  view = create_view_window (lab, &window);

  /* The update branch's own branch is one click away, from its header. */
  {
    GtkWidget *header = gtk_widget_get_first_child (_mt_compare_view_get_column (view, 3));
    GtkWidget *nested = NULL;

    g_assert_cmpstr (column_id (view, 3), ==, "sum/update");
    for (GtkWidget *child = gtk_widget_get_first_child (header);
         child != NULL;
         child = gtk_widget_get_next_sibling (child))
      if (gtk_widget_has_css_class (child, "compare-nested"))
        nested = child;
    g_assert_nonnull (nested);
    g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (nested)), ==, "Compare its 1 branch");
    g_signal_emit_by_name (nested, "clicked");
    run_frames ();
  }
  g_assert_true (mt_compare_view_get_base (view) == update);
  g_assert_cmpuint (_mt_compare_view_get_comparison (view)->columns->len, ==, 2);
  /* Its prefix runs through the update into the update branch's reasoning. */
  g_assert_nonnull (strstr (_mt_compare_view_get_comparison (view)->prefix,
                            "<update>Add 1 at the end.</update>"));
  g_assert_nonnull (strstr (_mt_compare_view_get_comparison (view)->prefix,
                            "This seems to be a typo."));

  /* Showing a branch with no branches shows it beside its siblings. */
  mt_compare_view_set_trace (view, lab, mt_lab_lookup_trace (lab, "sum/hard"));
  run_frames ();
  g_assert_true (mt_compare_view_get_base (view) == mt_lab_lookup_trace (lab, "sum/oracle"));
  g_assert_cmpuint (_mt_compare_view_get_comparison (view)->columns->len, ==, 4);

  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
has_five_columns (gpointer data)
{
  const MtComparison *comparison = _mt_compare_view_get_comparison (data);

  return comparison != NULL && comparison->columns->len == 5;
}

/* A branch that arrives while the view is open (a sweep or a live run)
 * shows up, and the columns keep the places the user gave them. */
static void
test_compare_live (void)
{
  g_autoptr(MtLab) lab = create_lab (60);
  GtkWidget *window;
  MtCompareView *view = create_view_window (lab, &window);
  g_auto(GStrv) chips = NULL;

  activate (view, "compare.pin-column", 3);
  activate (view, "compare.hide-column", 2);
  activate (view, "compare.move-left", 1);
  assert_order (view, (int[]) { 3, 1, 0 }, 3);
  _mt_compare_view_set_diff_columns (view, 0, 3);

  add_branch (lab, "sum/zzz-late", mt_lab_lookup_trace (lab, "sum/oracle"), MT_INTERRUPT_HARD,
              0.9, "\n\nAnswer now.\n</think>\n\n", "", "\\boxed{7}");
  g_assert_true (wait_for (has_five_columns, view));
  run_frames ();

  g_assert_cmpstr (column_id (view, 4), ==, "sum/zzz-late");
  assert_order (view, (int[]) { 3, 1, 0, 4 }, 4);
  g_assert_false (gtk_widget_get_mapped (_mt_compare_view_get_column (view, 2)));
  chips = _mt_compare_view_get_chips (view, 4);
  g_assert_cmpstr (chips[0], ==, "verdict:correct");
  /* The words compared are still marked: step 50 is the base's alone. */
  g_assert_true (text_has_tag (_mt_compare_view_get_text_view (view, 0), "50 adds", "diff"));

  gtk_window_destroy (GTK_WINDOW (window));
}

typedef struct
{
  MtCompareView *view;
  const char    *id;
  const char    *needle;
} ColumnText;

/* Whether the column of the trace @id shows @needle. */
static gboolean
column_shows (gpointer data)
{
  ColumnText *wanted = data;
  const MtComparison *comparison = _mt_compare_view_get_comparison (wanted->view);
  g_autofree char *text = NULL;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  guint i;

  if (comparison == NULL)
    return FALSE;
  for (i = 0; i < comparison->columns->len; i++)
    if (g_strcmp0 (column_id (wanted->view, i), wanted->id) == 0)
      break;
  if (i == comparison->columns->len)
    return FALSE;

  buffer = gtk_text_view_get_buffer (_mt_compare_view_get_text_view (wanted->view, i));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);

  return strstr (text, wanted->needle) != NULL;
}

/* A branch already in a column that is still streaming (a live run, a
 * sweep) shows its text as it grows, and its verdict once it ends. */
static void
test_compare_streaming (void)
{
  g_autoptr(MtLab) lab = create_lab (60);
  GtkWidget *window;
  MtCompareView *view = create_view_window (lab, &window);
  MtTrace *oracle = mt_lab_lookup_trace (lab, "sum/oracle");
  MtBranch *branch;
  ColumnText wanted = { view, "sum/zzz-streaming", NULL };
  g_auto(GStrv) chips = NULL;

  branch = add_branch (lab, "sum/zzz-streaming", oracle, MT_INTERRUPT_SPEEDUP, 0.5,
                       "\n\nHurry up.\n", "First words", "");
  /* What the runner does while the stream goes on. */
  mt_trace_set_finish_reason (MT_TRACE (branch), MT_FINISH_UNKNOWN);
  g_assert_true (wait_for (has_five_columns, view));
  wanted.needle = "First words";
  g_assert_true (wait_for (column_shows, &wanted));

  mt_trace_set_reasoning (MT_TRACE (branch), "First words, then a second thought arrives");
  wanted.needle = "second thought arrives";
  g_assert_true (wait_for (column_shows, &wanted));
  g_assert_cmpuint (_mt_compare_view_get_comparison (view)->columns->len, ==, 5);

  mt_trace_set_answer (MT_TRACE (branch), "So \\boxed{7}");
  mt_trace_set_finish_reason (MT_TRACE (branch), MT_FINISH_STOP);
  wanted.needle = "boxed{7}";
  g_assert_true (wait_for (column_shows, &wanted));
  run_frames ();
  g_assert_cmpstr (column_id (view, 4), ==, "sum/zzz-streaming");
  chips = _mt_compare_view_get_chips (view, 4);
  g_assert_cmpstr (chips[0], ==, "verdict:correct");

  gtk_window_destroy (GTK_WINDOW (window));
}

static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static MtWindow *
create_lab_window (MtLab *lab)
{
  MtWindow *window = mt_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  _mt_window_set_lab (window, lab, LAB_WINDOW_TITLE);
  run_frames ();

  return window;
}

static void
test_compare_window (void)
{
  g_autoptr(MtLab) lab = create_lab (60);
  MtWindow *window = create_lab_window (lab);
  MtTimeline *timeline = _mt_window_get_timeline (window);
  MtCompareView *view = MT_COMPARE_VIEW (find_widget (GTK_WIDGET (window),
                                                      MT_TYPE_COMPARE_VIEW));

  g_assert_nonnull (view);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (timeline)));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (view)));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare", NULL));
  run_frames ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (view)));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (timeline)));
  g_assert_true (mt_compare_view_get_base (view) == mt_timeline_get_trace (timeline));
  g_assert_cmpuint (_mt_compare_view_get_comparison (view)->columns->len, ==, 4);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare", NULL));
  run_frames ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (timeline)));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (view)));

  /* And by its shortcut, as listed in the shortcuts window. */
  if (have_xdotool ())
    {
      press_keys (LAB_WINDOW_TITLE, "ctrl+b");
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (view)));
      press_keys (LAB_WINDOW_TITLE, "ctrl+b");
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (timeline)));
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The compare view in the window, on a real trace (DeepSeek API model
 * deepseek-reasoner, MATH-500 item 0) with three branches written for the
 * test. Saved to $MT_SCREENSHOT_DIR/compare.png when that is set. */
static void
test_compare_screenshot (void)
{
  const char *shared = g_getenv ("MT_SHARED_DATA");
  const char *dir = g_getenv ("MT_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  MtLoadReport *report = NULL;
  MtWindow *window;
  MtTrace *oracle;

  if (shared != NULL)
    path = g_build_filename (shared, "traces", "markyx316_LLM-Reasoning-Trace-Topology",
                             "math500_deepseek_r1.jsonl", NULL);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("MT_SHARED_DATA has no math500_deepseek_r1.jsonl");
      return;
    }

  report = mt_load_report_new (path);
  g_assert_true (mt_import_file (lab, path, NULL, report, NULL, &error));
  g_assert_no_error (error);
  mt_load_report_free (report);
  oracle = g_list_model_get_item (mt_lab_get_traces (lab), 0);
  g_object_unref (oracle);

  add_branch (lab, "b/hard", oracle, MT_INTERRUPT_HARD, 0.3,
              "\n\nI received a request from the user to provide an answer right now. "
              "Considering the limited time by the user, I have to give the solution based on "
              "the thinking directly now.\n</think>\n\n", "",
              "Wait, let me double-check the angle. Hmm, actually with x = 0 and y = 3 the point "
              "is on the positive y-axis, so θ = π/2. Let me verify r: r = 3. "
              "So the answer is \\boxed{(3, \\frac{\\pi}{2})}.");
  add_branch (lab, "b/speedup", oracle, MT_INTERRUPT_SPEEDUP, 0.3,
              "\n\nI received a request from the user to provide an answer as soon as possible. "
              "Considering the limited time by the user, I will complete my reasoning promptly "
              "and deliver the solution without delay.\n\n", "So (3, π).\n",
              "\\boxed{(3, \\pi)}");
  add_branch (lab, "b/update", oracle, MT_INTERRUPT_UPDATE, 0.3,
              "\n\n<update>The point is (0, -3) instead.</update>\n\n",
              "Wait, the user provided an update, but the original problem says (0,3). "
              "This seems to be a typo, so I will keep (0,3): r = 3 and θ = π/2.",
              "\\boxed{(3, \\frac{\\pi}{2})}");

  window = mt_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  _mt_window_set_lab (window, lab, "math500_deepseek_r1.jsonl");
  run_frames ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare", NULL));
  run_frames ();
  run_frames ();

  texture = gui_test_render (GTK_WIDGET (window));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, gtk_widget_get_width (GTK_WIDGET (window)));
  g_assert_cmpint (gdk_texture_get_height (texture), ==,
                   gtk_widget_get_height (GTK_WIDGET (window)));

  if (dir != NULL)
    {
      g_autofree char *file = g_build_filename (dir, "compare.png", NULL);

      g_assert_true (gdk_texture_save_to_png (texture, file));
    }

  gtk_window_destroy (GTK_WINDOW (window));
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
  g_mkdir_with_parents (g_get_user_data_dir (), 0700);

  gtk_init ();
  adw_init ();

  /* Without an application nothing loads the style sheet. */
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/midthought/Midthought/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add_func ("/gui/compare/columns", test_compare_columns);
  g_test_add_func ("/gui/compare/chips", test_compare_chips);
  g_test_add_func ("/gui/compare/prefix", test_compare_prefix);
  g_test_add_func ("/gui/compare/manage", test_compare_manage);
  g_test_add_func ("/gui/compare/keyboard", test_compare_keyboard);
  g_test_add_func ("/gui/compare/scroll", test_compare_scroll);
  g_test_add_func ("/gui/compare/markup", test_compare_markup);
  g_test_add_func ("/gui/compare/diff", test_compare_diff);
  g_test_add_func ("/gui/compare/nested", test_compare_nested);
  g_test_add_func ("/gui/compare/live", test_compare_live);
  g_test_add_func ("/gui/compare/streaming", test_compare_streaming);
  g_test_add_func ("/gui/compare/window", test_compare_window);
  g_test_add_func ("/gui/compare/screenshot", test_compare_screenshot);

  return g_test_run ();
}
