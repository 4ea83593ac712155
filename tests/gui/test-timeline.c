/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "mt-timeline-lane.h"
#include "mt-timeline-private.h"
#include "mt-window-private.h"

#define WAIT_SECONDS 20
#define TIMELINE_WINDOW_TITLE "mt-timeline-test"
#define LAB_WINDOW_TITLE "mt-timeline-lab-test"

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

/* Runs a helper (xdotool, the drag script) while the main loop turns, so
 * that the widgets see the X events it makes as they happen. */
static void
run_helper (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  ChildState state = { FALSE, -1 };
  gboolean timed_out = FALSE;
  guint timeout_id;
  GPid pid;

  g_spawn_async (NULL, (char **)argv, NULL,
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

static gboolean
have_xdotool (void)
{
  g_autofree char *path = g_find_program_in_path ("xdotool");

  return path != NULL && g_getenv ("DISPLAY") != NULL;
}

/* Presses @keys (xdotool names) with the keyboard focus in the window
 * called @title. */
static void
press_keys (const char *title,
            const char *keys)
{
  g_autofree char *pattern = g_strdup_printf ("^%s$", title);
  g_auto(GStrv) names = g_strsplit (keys, " ", -1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *head[] = {
    "xdotool", "search", "--sync", "--onlyvisible", "--name", pattern,
    "windowfocus", "--sync", "key", "--delay", "40",
  };

  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, (char *)head[i]);
  for (guint i = 0; names[i] != NULL; i++)
    g_ptr_array_add (argv, names[i]);
  g_ptr_array_add (argv, NULL);

  run_helper ((const char * const *)argv->pdata);
}

/* Where timeline point (@x, @y) is in its X window. */
static void
timeline_to_surface (MtTimeline *timeline,
                     double      x,
                     double      y,
                     int        *surface_x,
                     int        *surface_y)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (timeline));
  graphene_point_t point;
  double dx, dy;

  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (timeline), GTK_WIDGET (native),
                                           &GRAPHENE_POINT_INIT (x, y), &point));
  gtk_native_get_surface_transform (native, &dx, &dy);
  *surface_x = (int)round (point.x + dx);
  *surface_y = (int)round (point.y + dy);
}

static double
surface_to_timeline_x (MtTimeline *timeline,
                       int         surface_x)
{
  int origin_x, origin_y;

  timeline_to_surface (timeline, 0, 0, &origin_x, &origin_y);

  return surface_x - origin_x;
}

/* Reasoning of @n_sentences short sentences, with a paragraph break now
 * and then, so that every kind of sentence end occurs. */
static char *
make_reasoning (guint n_sentences)
{
  GString *text = g_string_new (NULL);
  const char *ends[] = { ". ", "? ", "! " };

  for (guint i = 0; i < n_sentences; i++)
    {
      g_string_append_printf (text, "Step %u checks the sum once more", i);
      if (i % 5 == 4)
        g_string_append (text, ".\n\n");
      else
        g_string_append (text, ends[i % G_N_ELEMENTS (ends)]);
    }

  return g_string_free (text, FALSE);
}

/* Reasoning as models write it when they work through arithmetic: many
 * short paragraphs, which a text view finds hard to estimate. */
static char *
make_paragraphs (guint n_paragraphs)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_paragraphs; i++)
    {
      if (i % 3 == 0)
        g_string_append_printf (text, "\\(%u \\cdot 4 = %u\\)\n\n", i, 4 * i);
      else
        g_string_append_printf (text, "Wait, so step %u gives %u again, which matches.\n\n", i, i);
    }

  return g_string_free (text, FALSE);
}

static MtTrace *
create_trace (const char *id,
              const char *prompt,
              const char *reasoning,
              const char *answer)
{
  MtTrace *trace = mt_trace_new (id);

  mt_trace_set_problem_id (trace, id);
  mt_trace_set_model (trace, "qwen3-8b");
  mt_trace_set_prompt (trace, prompt);
  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_answer (trace, answer);
  mt_trace_set_finish_reason (trace, MT_FINISH_STOP);

  return trace;
}

static MtBranch *
create_branch (const char      *id,
               MtTrace         *parent,
               MtInterruptKind  kind,
               double           fraction)
{
  guint n = mt_trace_get_n_reasoning_tokens (parent);
  guint index = (guint)round (fraction * n);
  g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (kind, index, (double)index / n);
  MtBranch *branch;

  mt_interrupt_set_text (interrupt, "\n\nI must answer now.\n</think>\n\n");
  branch = mt_branch_new (id, mt_trace_get_id (parent), interrupt);
  mt_trace_set_reasoning (MT_TRACE (branch), "");
  mt_trace_set_answer (MT_TRACE (branch), "The sum is 42.");
  mt_branch_set_parent (branch, parent);

  return branch;
}

static GtkWidget *
create_timeline_window (MtTimeline **timeline,
                        int          width)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  *timeline = MT_TIMELINE (mt_timeline_new ());
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (*timeline));
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_set_title (GTK_WINDOW (window), TIMELINE_WINDOW_TITLE);
  gtk_window_set_default_size (GTK_WINDOW (window), width, 260);
  gtk_window_present (GTK_WINDOW (window));
  run_frames ();

  return window;
}

static void
lookup_color (GtkWidget  *widget,
              const char *name,
              GdkRGBA    *color)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  g_assert_true (gtk_style_context_lookup_color (context, name, color));
}

/* Rendered pixels of @widget, as a GdkTexture downloads them: B, G, R, A
 * bytes in memory on little-endian machines, premultiplied. */
typedef struct
{
  guchar *data;
  int     width;
  int     height;
  gsize   stride;
} Pixels;

static void
pixels_free (Pixels *pixels)
{
  g_free (pixels->data);
  g_free (pixels);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pixels, pixels_free)

static Pixels *
render_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer;
  Pixels *pixels = g_new0 (Pixels, 1);

  pixels->width = gtk_widget_get_width (widget);
  pixels->height = gtk_widget_get_height (widget);
  g_assert_cmpint (pixels->width, >, 0);
  g_assert_cmpint (pixels->height, >, 0);

  gdk_paintable_snapshot (paintable, snapshot, pixels->width, pixels->height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                        &GRAPHENE_RECT_INIT (0, 0, pixels->width,
                                                             pixels->height));
  pixels->stride = gdk_texture_get_width (texture) * 4;
  pixels->data = g_malloc (pixels->stride * gdk_texture_get_height (texture));
  gdk_texture_download (texture, pixels->data, pixels->stride);

  return pixels;
}

static gboolean
pixel_matches (const Pixels  *pixels,
               int            x,
               int            y,
               const GdkRGBA *color,
               int            tolerance)
{
  const guchar *p;
  guint32 value;
  int r, g, b;

  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (x, <, pixels->width);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (y, <, pixels->height);

  p = pixels->data + y * pixels->stride + x * 4;
  memcpy (&value, p, sizeof value);
  r = (value >> 16) & 0xff;
  g = (value >> 8) & 0xff;
  b = value & 0xff;

  return abs (r - (int)round (color->red * 255)) <= tolerance
         && abs (g - (int)round (color->green * 255)) <= tolerance
         && abs (b - (int)round (color->blue * 255)) <= tolerance;
}

/* How many pixels of row @y around @x (within @radius) have @color. */
static int
count_in_row (const Pixels  *pixels,
              int            x,
              int            y,
              int            radius,
              const GdkRGBA *color)
{
  int n = 0;

  for (int i = x - radius; i <= x + radius; i++)
    n += pixel_matches (pixels, i, y, color, 48);

  return n;
}

/* Data */

static void
test_data_segments (void)
{
  g_autoptr(MtTrace) trace = create_trace ("t", "What is 2 + 2?",
                                           "Two plus two is four. Let me check. Yes, four.",
                                           "4");
  g_autoptr(MtBranch) branch = create_branch ("t/1", trace, MT_INTERRUPT_HARD, 0.5);
  MtTimelineData *data = mt_timeline_data_new (MT_TRACE (trace));
  guint n_prompt = mt_count_tokens_approx ("What is 2 + 2?", -1);
  guint n_reasoning = mt_trace_get_n_reasoning_tokens (trace);
  guint kept = mt_interrupt_get_token_index (mt_branch_get_interrupt (branch));
  const MtTimelineSegment *segment;
  guint32 start;

  g_assert_cmpuint (data->segments->len, ==, 3);
  g_assert_cmpint (g_array_index (data->segments, MtTimelineSegment, 0).kind, ==,
                   MT_TIMELINE_SEGMENT_PROMPT);
  g_assert_cmpint (g_array_index (data->segments, MtTimelineSegment, 1).kind, ==,
                   MT_TIMELINE_SEGMENT_REASONING);
  g_assert_cmpint (g_array_index (data->segments, MtTimelineSegment, 2).kind, ==,
                   MT_TIMELINE_SEGMENT_ANSWER);
  g_assert_cmpuint (data->origin, ==, n_prompt);
  g_assert_cmpuint (data->n_reasoning, ==, n_reasoning);
  g_assert_cmpuint (data->n_tokens, ==, n_prompt + n_reasoning
                                        + mt_trace_get_n_answer_tokens (trace));
  g_assert_cmpuint (mt_timeline_data_find_segment (data, 0), ==, 0);
  g_assert_cmpuint (mt_timeline_data_find_segment (data, n_prompt), ==, 1);
  g_assert_cmpuint (mt_timeline_data_find_segment (data, data->n_tokens - 1), ==, 2);
  g_assert_cmpuint (mt_timeline_data_find_segment (data, data->n_tokens), ==, G_MAXUINT);

  mt_timeline_data_set_branches (data, &branch, 1);
  g_assert_cmpuint (data->forks->len, ==, 1);
  g_assert_cmpuint (g_array_index (data->forks, MtTimelineFork, 0).token_index, ==, kept);
  mt_timeline_data_free (data);

  /* A branch shows what it was given: the parent's prompt and kept
   * reasoning, the injected text, then its own continuation. */
  data = mt_timeline_data_new (MT_TRACE (branch));
  g_assert_cmpuint (data->segments->len, ==, 5);
  segment = &g_array_index (data->segments, MtTimelineSegment, 1);
  g_assert_cmpint (segment->kind, ==, MT_TIMELINE_SEGMENT_REASONING);
  g_assert_true (segment->inherited);
  g_assert_cmpuint (segment->n_tokens, ==, kept);
  mt_token_spans_get_span (mt_trace_get_reasoning_spans (trace), kept, &start, NULL);
  g_assert_cmpuint (segment->n_bytes, ==, start);
  g_assert_cmpint (g_array_index (data->segments, MtTimelineSegment, 2).kind, ==,
                   MT_TIMELINE_SEGMENT_INTERRUPT);
  g_assert_cmpuint (data->reasoning_segment, ==, 3);
  g_assert_cmpuint (data->n_reasoning, ==, 0);
  g_assert_cmpuint (data->origin, ==,
                    n_prompt + kept
                    + g_array_index (data->segments, MtTimelineSegment, 2).n_tokens);
  mt_timeline_data_free (data);
}

static void
test_data_sentences (void)
{
  const char *text = "One two. Three four? Five six! Seven\n\nEight nine.";
  g_autoptr(MtTrace) trace = create_trace ("s", NULL, text, "ok");
  g_autoptr(GArray) ends = mt_timeline_find_sentence_ends (text, strlen (text));
  MtTokenSpans *spans = mt_trace_get_reasoning_spans (trace);
  MtTimelineData *data;
  guint n;

  g_assert_cmpuint (ends->len, ==, 4);
  g_assert_cmpuint (g_array_index (ends, guint32, 0), ==, strstr (text, "Three") - text);
  g_assert_cmpuint (g_array_index (ends, guint32, 1), ==, strstr (text, "Five") - text);
  g_assert_cmpuint (g_array_index (ends, guint32, 2), ==, strstr (text, "Seven") - text);
  g_assert_cmpuint (g_array_index (ends, guint32, 3), ==, strstr (text, "Eight") - text);

  data = mt_timeline_data_new (trace);
  n = data->n_reasoning;

  /* The start, each sentence end, and the end. */
  g_assert_cmpuint (data->sentences->len, ==, 6);
  g_assert_cmpuint (g_array_index (data->sentences, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (data->sentences, guint, 5), ==, n);

  /* Each boundary is the token that starts the next sentence, with or
   * without the space before it. */
  for (guint i = 1; i < 5; i++)
    {
      guint boundary = g_array_index (data->sentences, guint, i);
      guint32 end = g_array_index (ends, guint32, i - 1);
      guint32 start;

      mt_token_spans_get_span (spans, boundary, &start, NULL);
      g_assert_true (start == end || start + 1 == end);
    }

  for (guint i = 0; i + 1 < data->sentences->len; i++)
    {
      guint a = g_array_index (data->sentences, guint, i);
      guint b = g_array_index (data->sentences, guint, i + 1);

      g_assert_cmpuint (mt_timeline_data_snap_sentence (data, a + 0.4 * (b - a)), ==, a);
      g_assert_cmpuint (mt_timeline_data_snap_sentence (data, a + 0.6 * (b - a)), ==, b);
      g_assert_cmpuint (mt_timeline_data_step_sentence (data, a, 1), ==, b);
      g_assert_cmpuint (mt_timeline_data_step_sentence (data, b, -1), ==, a);
      if (b - a > 1)
        g_assert_cmpuint (mt_timeline_data_step_sentence (data, a + 1, -1), ==, a);
    }

  g_assert_cmpuint (mt_timeline_data_step_sentence (data, n, 1), ==, n);
  g_assert_cmpuint (mt_timeline_data_step_sentence (data, 0, -1), ==, 0);
  g_assert_cmpuint (mt_timeline_data_snap_sentence (data, -5), ==, 0);
  g_assert_cmpuint (mt_timeline_data_snap_sentence (data, n + 5.0), ==, n);

  mt_timeline_data_free (data);
}

static void
test_data_binning (void)
{
  const guint n = 1000000;
  const guint n_columns = 800;
  g_autofree guint32 *counts = g_new (guint32, n);
  g_autofree guint32 *cumulative = NULL;
  g_autofree float *columns = g_new (float, n_columns);
  double total = 0;
  double first, last;

  for (guint i = 0; i < n; i++)
    counts[i] = (i % 7 == 0) + (i % 1000 == 0 ? 5 : 0);
  cumulative = mt_timeline_cumulate (counts, n);

  /* 1,250 tokens a column: every column is exact. */
  mt_timeline_bin (cumulative, n, 0, n, n_columns, columns);
  for (guint c = 0; c < n_columns; c++)
    {
      guint32 expected = 0;

      for (guint i = c * 1250; i < (c + 1) * 1250; i++)
        expected += counts[i];
      g_assert_cmpfloat (columns[c], ==, expected);
      total += columns[c];
    }
  g_assert_cmpfloat (total, ==, cumulative[n]);

  /* A zoomed window cut mid-token still adds up. */
  first = 123456.5;
  last = first + 8000.25;
  mt_timeline_bin (cumulative, n, first, last, n_columns, columns);
  total = 0;
  for (guint c = 0; c < n_columns; c++)
    {
      g_assert_cmpfloat (columns[c], >=, 0);
      total += columns[c];
    }
  g_assert_cmpfloat_with_epsilon (total,
                                  mt_timeline_cumulative_at (cumulative, n, last)
                                  - mt_timeline_cumulative_at (cumulative, n, first),
                                  1e-2);
  /* Binning reads the cumulative counts at column edges only, so a frame
   * costs O(width); its speed is a benchmark matter, not a test's. */
}

static void
test_data_zoom (void)
{
  MtTimelineRange range = { 0, 1000 };

  mt_timeline_range_zoom (&range, 2, 500, 10, 1000);
  g_assert_cmpfloat (range.first, ==, 250);
  g_assert_cmpfloat (range.last, ==, 750);

  /* The anchor stays where it was on screen. */
  mt_timeline_range_zoom (&range, 2, 250, 10, 1000);
  g_assert_cmpfloat (range.first, ==, 250);
  g_assert_cmpfloat (range.last, ==, 500);
  mt_timeline_range_zoom (&range, 2, 437.5, 10, 1000);
  g_assert_cmpfloat_with_epsilon ((437.5 - range.first) / (range.last - range.first), 0.75, 1e-9);
  g_assert_cmpfloat_with_epsilon (range.last - range.first, 125, 1e-9);

  /* Never narrower than the minimum, never wider than everything. */
  mt_timeline_range_zoom (&range, 1000, 400, 10, 1000);
  g_assert_cmpfloat_with_epsilon (range.last - range.first, 10, 1e-9);
  mt_timeline_range_zoom (&range, 0.0001, 400, 10, 1000);
  g_assert_cmpfloat (range.first, ==, 0);
  g_assert_cmpfloat (range.last, ==, 1000);

  /* Zooming out near an end slides back inside. */
  range = (MtTimelineRange) { 900, 1000 };
  mt_timeline_range_zoom (&range, 0.5, 990, 10, 1000);
  g_assert_cmpfloat (range.last, ==, 1000);
  g_assert_cmpfloat_with_epsilon (range.first, 800, 1e-9);

  range = (MtTimelineRange) { 0, 500 };
  mt_timeline_range_pan (&range, -100, 1000);
  g_assert_cmpfloat (range.first, ==, 0);
  g_assert_cmpfloat (range.last, ==, 500);
  mt_timeline_range_pan (&range, 800, 1000);
  g_assert_cmpfloat (range.first, ==, 500);
  g_assert_cmpfloat (range.last, ==, 1000);
}

/* Widget */

static void
test_widget_zoom (void)
{
  g_autofree char *reasoning = make_reasoning (200);
  g_autoptr(MtTrace) trace = create_trace ("z", "Add the numbers.", reasoning, "42");
  MtTimeline *timeline;
  GtkWidget *window = create_timeline_window (&timeline, 840);
  const MtTimelineLayout *layout = _mt_timeline_get_layout (timeline);
  guint n_tokens;
  double first, last, span, marker_x;
  double min_span;

  mt_timeline_set_trace (timeline, trace);
  run_frames ();
  n_tokens = mt_timeline_get_n_tokens (timeline);
  g_assert_cmpuint (n_tokens, >, 1000);

  mt_timeline_get_visible_range (timeline, &first, &last);
  g_assert_cmpfloat (first, ==, 0);
  g_assert_cmpfloat (last, ==, n_tokens);
  g_assert_cmpfloat (layout->plot_width, ==, 840 - 32);

  /* Zooming in halves the window and keeps the marker in place. */
  marker_x = _mt_timeline_layout_token_to_x (layout, _mt_timeline_get_data (timeline)->origin
                                                     + mt_timeline_get_marker_position (timeline));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.zoom-in", NULL));
  mt_timeline_get_visible_range (timeline, &first, &last);
  g_assert_cmpfloat_with_epsilon (last - first, n_tokens / 2.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (_mt_timeline_layout_token_to_x (
                                    layout, _mt_timeline_get_data (timeline)->origin
                                            + mt_timeline_get_marker_position (timeline)),
                                  marker_x, 1e-6);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.zoom-out", NULL));
  mt_timeline_get_visible_range (timeline, &first, &last);
  g_assert_cmpfloat_with_epsilon (first, 0, 1e-6);
  g_assert_cmpfloat_with_epsilon (last, n_tokens, 1e-6);

  /* All the way in stops at a few dozen pixels a token. */
  for (guint i = 0; i < 30; i++)
    gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.zoom-in", NULL);
  mt_timeline_get_visible_range (timeline, &first, &last);
  span = last - first;
  min_span = MAX (8.0, layout->plot_width / 64.0);
  g_assert_cmpfloat_with_epsilon (span, min_span, 1e-6);
  g_assert_cmpfloat (first, >=, 0);
  g_assert_cmpfloat (last, <=, n_tokens);
  run_frames ();

  /* ...and all the way out at the whole trace. */
  for (guint i = 0; i < 30; i++)
    gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.zoom-out", NULL);
  mt_timeline_get_visible_range (timeline, &first, &last);
  g_assert_cmpfloat (first, ==, 0);
  g_assert_cmpfloat (last, ==, n_tokens);

  mt_timeline_zoom (timeline, 4, 0);
  mt_timeline_get_visible_range (timeline, &first, &last);
  g_assert_cmpfloat (first, ==, 0);
  g_assert_cmpfloat_with_epsilon (last, n_tokens / 4.0, 1e-6);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.zoom-reset", NULL));
  mt_timeline_get_visible_range (timeline, &first, &last);
  g_assert_cmpfloat (last - first, ==, n_tokens);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
interrupt_activated_cb (MtTimeline *timeline,
                        guint       token_index,
                        double      fraction,
                        gpointer    user_data)
{
  double *received = user_data;

  received[0] = token_index;
  received[1] = fraction;
}

static void
assert_slider_value (MtTimelineMarker *marker,
                     guint             position,
                     guint             n_tokens)
{
  g_autofree char *value_text = NULL;
  g_autofree char *index = g_strdup_printf ("%u", position);
  char *failure;

  /* GTK's test accessibility backend records what a screen reader
   * would be told. */
  failure = gtk_test_accessible_check_property (GTK_ACCESSIBLE (marker),
                                                GTK_ACCESSIBLE_PROPERTY_VALUE_NOW,
                                                (double)position);
  g_assert_null (failure);
  failure = gtk_test_accessible_check_property (GTK_ACCESSIBLE (marker),
                                                GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0);
  g_assert_null (failure);
  failure = gtk_test_accessible_check_property (GTK_ACCESSIBLE (marker),
                                                GTK_ACCESSIBLE_PROPERTY_VALUE_MAX,
                                                (double)n_tokens);
  g_assert_null (failure);

  /* Numbers of four digits or fewer carry no separator. */
  if (position < 10000 && n_tokens < 10000)
    {
      value_text = g_strdup_printf ("Token %u of %u, X %.1f%%", position, n_tokens,
                                    n_tokens > 0 ? 100.0 * position / n_tokens : 0.0);
      failure = gtk_test_accessible_check_property (GTK_ACCESSIBLE (marker),
                                                    GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT,
                                                    value_text);
      g_assert_null (failure);
    }

  g_assert_true (g_str_has_prefix (mt_timeline_marker_get_label (marker), index));
}

static void
test_widget_keyboard (void)
{
  g_autofree char *reasoning = make_reasoning (60);
  g_autoptr(MtTrace) trace = create_trace ("k", "Add the numbers.", reasoning, "42");
  MtTimeline *timeline;
  GtkWidget *window = create_timeline_window (&timeline, 840);
  MtTimelineMarker *marker = _mt_timeline_get_marker (timeline);
  const MtTimelineData *data;
  double received[2] = { -1, -1 };
  double first, last;
  guint n, start, previous;

  if (!have_xdotool ())
    {
      gtk_window_destroy (GTK_WINDOW (window));
      g_test_skip ("xdotool and an X display are needed for real key presses");
      return;
    }

  mt_timeline_set_trace (timeline, trace);
  g_signal_connect (timeline, "interrupt-activated", G_CALLBACK (interrupt_activated_cb),
                    received);
  run_frames ();
  data = _mt_timeline_get_data (timeline);
  n = mt_timeline_get_n_reasoning_tokens (timeline);

  g_assert_true (gtk_test_accessible_has_role (GTK_ACCESSIBLE (marker),
                                               GTK_ACCESSIBLE_ROLE_SLIDER));
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (marker)));
  start = mt_timeline_get_marker_position (timeline);
  g_assert_cmpuint (start, ==, n / 2);
  assert_slider_value (marker, start, n);

  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (marker)));

  press_keys (TIMELINE_WINDOW_TITLE, "Right Right");
  g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==, start + 2);
  assert_slider_value (marker, start + 2, n);

  press_keys (TIMELINE_WINDOW_TITLE, "Left");
  g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==, start + 1);
  assert_slider_value (marker, start + 1, n);

  /* Shift moves by sentences. */
  press_keys (TIMELINE_WINDOW_TITLE, "shift+Right");
  g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==,
                    mt_timeline_data_step_sentence (data, start + 1, 1));
  previous = mt_timeline_get_marker_position (timeline);
  press_keys (TIMELINE_WINDOW_TITLE, "shift+Left");
  g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==,
                    mt_timeline_data_step_sentence (data, previous, -1));

  press_keys (TIMELINE_WINDOW_TITLE, "End");
  g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==, n);
  assert_slider_value (marker, n, n);
  press_keys (TIMELINE_WINDOW_TITLE, "Home");
  g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==, 0);
  assert_slider_value (marker, 0, n);

  /* + and - zoom from the keyboard too. */
  press_keys (TIMELINE_WINDOW_TITLE, "plus");
  mt_timeline_get_visible_range (timeline, &first, &last);
  g_assert_cmpfloat_with_epsilon (last - first, mt_timeline_get_n_tokens (timeline) / 2.0, 1e-6);
  press_keys (TIMELINE_WINDOW_TITLE, "minus");
  mt_timeline_get_visible_range (timeline, &first, &last);
  g_assert_cmpfloat_with_epsilon (last - first, mt_timeline_get_n_tokens (timeline), 1e-6);

  /* Keys move the view along with the marker. */
  mt_timeline_zoom (timeline, 8, 0);
  press_keys (TIMELINE_WINDOW_TITLE, "End");
  mt_timeline_get_visible_range (timeline, &first, &last);
  g_assert_cmpfloat (first, <=, data->origin + n);
  g_assert_cmpfloat (last, >=, data->origin + n);

  press_keys (TIMELINE_WINDOW_TITLE, "Home Right Right Right Return");
  g_assert_cmpfloat (received[0], ==, 3);
  g_assert_cmpfloat_with_epsilon (received[1], 3.0 / n, 1e-12);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The right-most column of the forks band with anything but the
 * background in it. */
static int
forks_ink_end (MtTimeline *timeline)
{
  const MtTimelineLayout *layout = _mt_timeline_get_layout (timeline);
  g_autoptr(Pixels) pixels = render_widget (GTK_WIDGET (timeline));
  int top = (int)ceil (layout->forks_band.origin.y);
  int bottom = (int)floor (layout->forks_band.origin.y + layout->forks_band.size.height);
  GdkRGBA background;

  lookup_color (GTK_WIDGET (timeline), "view_bg_color", &background);
  for (int x = pixels->width - 1; x >= 0; x--)
    for (int y = top; y < MIN (bottom, pixels->height); y++)
      if (!pixel_matches (pixels, x, y, &background, 24))
        return x;

  return -1;
}

static void
test_widget_fork_verdict (void)
{
  g_autofree char *reasoning = make_reasoning (40);
  g_autoptr(MtTrace) trace = create_trace ("v", "Add the numbers.", reasoning, "42");
  g_autoptr(MtBranch) branch = create_branch ("v/1", trace, MT_INTERRUPT_HARD, 0.3);
  g_autofree char *plain = NULL;
  g_autofree char *judged = NULL;
  MtTimeline *timeline;
  GtkWidget *window = create_timeline_window (&timeline, 840);
  int plain_end, judged_end;

  mt_timeline_set_trace (timeline, trace);
  mt_timeline_set_branches (timeline, &branch, 1);
  run_frames ();

  /* Until the caller knows how the branch did, only kind and X. */
  plain = _mt_timeline_dup_fork_label (timeline, 0);
  g_assert_cmpstr (plain, ==, "Hard interrupt · 30%");
  plain_end = forks_ink_end (timeline);
  g_assert_cmpint (plain_end, >, 0);

  mt_timeline_set_branch_verdict (timeline, branch, "Wrong · Leakage");
  run_frames ();
  judged = _mt_timeline_dup_fork_label (timeline, 0);
  g_assert_cmpstr (judged, ==, "Hard interrupt · 30% · Wrong · Leakage");
  /* The longer label is drawn: ink reaches further right. */
  judged_end = forks_ink_end (timeline);
  g_assert_cmpint (judged_end, >, plain_end + 20);

  mt_timeline_set_branch_verdict (timeline, branch, NULL);
  run_frames ();
  g_assert_cmpint (forks_ink_end (timeline), ==, plain_end);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* How many pixels of the marker's colour the column of the marker line
 * has inside the bar. */
static int
marker_line_pixels (MtTimeline *timeline)
{
  const MtTimelineLayout *layout = _mt_timeline_get_layout (timeline);
  const MtTimelineData *data = _mt_timeline_get_data (timeline);
  g_autoptr(Pixels) pixels = render_widget (GTK_WIDGET (timeline));
  int x = (int)round (_mt_timeline_layout_token_to_x (layout, data->origin
                                                        + mt_timeline_get_marker_position (timeline)));
  int top = (int)ceil (layout->bar_band.origin.y) + 2;
  int bottom = (int)floor (layout->bar_band.origin.y + layout->bar_band.size.height) - 2;
  GdkRGBA color;
  int n = 0;

  lookup_color (GTK_WIDGET (timeline), "timeline_marker_color", &color);
  for (int y = top; y < bottom; y++)
    /* The colour is translucent: it shows a little of the halo under it. */
    n += pixel_matches (pixels, x, y, &color, 72) || pixel_matches (pixels, x - 1, y, &color, 72);

  return n;
}

static void
test_widget_remove_marker (void)
{
  g_autofree char *reasoning = make_reasoning (60);
  g_autoptr(MtTrace) trace = create_trace ("r", "Add the numbers.", reasoning, "42");
  MtTimeline *timeline;
  GtkWidget *window = create_timeline_window (&timeline, 840);
  MtTimelineMarker *marker = _mt_timeline_get_marker (timeline);
  double received[2] = { -1, -1 };
  guint start;

  if (!have_xdotool ())
    {
      gtk_window_destroy (GTK_WINDOW (window));
      g_test_skip ("xdotool and an X display are needed for real key presses");
      return;
    }

  mt_timeline_set_trace (timeline, trace);
  g_signal_connect (timeline, "interrupt-activated", G_CALLBACK (interrupt_activated_cb),
                    received);
  run_frames ();
  start = mt_timeline_get_marker_position (timeline);
  g_assert_true (mt_timeline_get_marker_placed (timeline));
  g_assert_cmpint (marker_line_pixels (timeline), >, 10);

  /* Delete takes the marker away: no line, no handle, nothing to move. */
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (marker)));
  press_keys (TIMELINE_WINDOW_TITLE, "Delete");
  g_assert_false (mt_timeline_get_marker_placed (timeline));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (marker)));
  g_assert_cmpint (marker_line_pixels (timeline), ==, 0);
  press_keys (TIMELINE_WINDOW_TITLE, "Right Right");
  g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==, start);

  /* The timeline kept the focus: Enter puts the marker back where it
   * was, without asking to interrupt yet; the next Enter does. */
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (timeline)));
  press_keys (TIMELINE_WINDOW_TITLE, "Return");
  g_assert_true (mt_timeline_get_marker_placed (timeline));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (marker)));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (marker)));
  g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==, start);
  g_assert_cmpint (marker_line_pixels (timeline), >, 10);
  g_assert_cmpfloat (received[0], ==, -1);
  press_keys (TIMELINE_WINDOW_TITLE, "Right Return");
  g_assert_cmpfloat (received[0], ==, start + 1);

  /* Pressing on the reasoning places a removed marker there. */
  mt_timeline_remove_marker (timeline);
  g_assert_false (mt_timeline_get_marker_placed (timeline));
  mt_timeline_set_marker_position (timeline, 5);
  g_assert_true (mt_timeline_get_marker_placed (timeline));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_widget_replay (void)
{
  g_autofree char *reasoning = make_reasoning (60);
  g_autoptr(MtTrace) trace = create_trace ("p", "Add the numbers.", reasoning, "42");
  MtTimelineMark marks[] = { { 0, 30, MT_TIMELINE_SHAPE_CIRCLE }, { 1, 80, MT_TIMELINE_SHAPE_SQUARE } };
  MtTimeline *timeline;
  GtkWidget *window = create_timeline_window (&timeline, 840);
  const MtTimelineData *data;
  const MtTimelineLayout *layout;
  g_autoptr(Pixels) pixels = NULL;
  GdkRGBA color;
  int x, n;

  mt_timeline_set_trace (timeline, trace);
  mt_timeline_set_markers (timeline, marks, G_N_ELEMENTS (marks));
  run_frames ();
  data = _mt_timeline_get_data (timeline);
  g_assert_cmpfloat (mt_timeline_get_playhead (timeline), <, 0);

  /* Playing starts at the reasoning and goes speed tokens a second. */
  mt_timeline_set_playback_speed (timeline, 10);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.play", NULL));
  g_assert_true (mt_timeline_get_playing (timeline));
  g_assert_cmpfloat (mt_timeline_get_playhead (timeline), ==, data->origin);
  _mt_timeline_advance_playhead (timeline, 1.0);
  g_assert_cmpfloat_with_epsilon (mt_timeline_get_playhead (timeline), data->origin + 10, 1e-9);

  /* It pauses by itself at the first marker it reaches. */
  _mt_timeline_advance_playhead (timeline, 10.0);
  g_assert_false (mt_timeline_get_playing (timeline));
  g_assert_cmpfloat (mt_timeline_get_playhead (timeline), ==, data->origin + 30);
  _mt_timeline_advance_playhead (timeline, 1.0);
  g_assert_cmpfloat (mt_timeline_get_playhead (timeline), ==, data->origin + 30);

  /* ] doubles the speed; playing on reaches the next marker. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.playback-speed",
                                             "d", 2.0));
  g_assert_cmpfloat (mt_timeline_get_playback_speed (timeline), ==, 20);
  mt_timeline_set_playing (timeline, TRUE);
  _mt_timeline_advance_playhead (timeline, 1.0);
  g_assert_cmpfloat_with_epsilon (mt_timeline_get_playhead (timeline), data->origin + 50, 1e-9);
  _mt_timeline_advance_playhead (timeline, 100.0);
  g_assert_cmpfloat (mt_timeline_get_playhead (timeline), ==, data->origin + 80);
  g_assert_false (mt_timeline_get_playing (timeline));

  /* The playhead is drawn where it is, in its own colour. */
  run_frames ();
  layout = _mt_timeline_get_layout (timeline);
  pixels = render_widget (GTK_WIDGET (timeline));
  lookup_color (GTK_WIDGET (timeline), "timeline_playhead_color", &color);
  x = (int)round (_mt_timeline_layout_token_to_x (layout, data->origin + 80));
  n = 0;
  for (int y = (int)layout->bar_band.origin.y + 2;
       y < (int)(layout->bar_band.origin.y + layout->bar_band.size.height) - 2; y++)
    n += pixel_matches (pixels, x, y, &color, 48);
  g_assert_cmpint (n, >, 5);

  /* To the end it stops there; playing again starts over. */
  mt_timeline_set_markers (timeline, NULL, 0);
  mt_timeline_set_playing (timeline, TRUE);
  _mt_timeline_advance_playhead (timeline, 1e6);
  g_assert_cmpfloat (mt_timeline_get_playhead (timeline), ==, mt_timeline_get_n_tokens (timeline));
  g_assert_false (mt_timeline_get_playing (timeline));
  mt_timeline_set_playing (timeline, TRUE);
  g_assert_cmpfloat (mt_timeline_get_playhead (timeline), ==, data->origin);

  /* A new trace stops the replay. */
  mt_timeline_set_trace (timeline, NULL);
  g_assert_false (mt_timeline_get_playing (timeline));
  g_assert_cmpfloat (mt_timeline_get_playhead (timeline), <, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_widget_snap (void)
{
  g_autofree char *reasoning = make_reasoning (40);
  g_autoptr(MtTrace) trace = create_trace ("s", NULL, reasoning, "42");
  MtTimeline *timeline;
  GtkWidget *window = create_timeline_window (&timeline, 840);
  const MtTimelineLayout *layout = _mt_timeline_get_layout (timeline);
  const MtTimelineData *data;
  double x;
  guint position;
  gboolean is_boundary = FALSE;

  mt_timeline_set_trace (timeline, trace);
  run_frames ();
  data = _mt_timeline_get_data (timeline);

  /* A third of the way through sentence 10 snaps back to its start, two
   * thirds of the way on to the next one. */
  for (guint i = 1; i + 2 < data->sentences->len; i++)
    {
      guint a = g_array_index (data->sentences, guint, i);
      guint b = g_array_index (data->sentences, guint, i + 1);

      x = _mt_timeline_layout_token_to_x (layout, data->origin + a + (b - a) / 3.0);
      _mt_timeline_drag_marker_to (timeline, x, TRUE);
      g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==, a);

      x = _mt_timeline_layout_token_to_x (layout, data->origin + a + 2 * (b - a) / 3.0);
      _mt_timeline_drag_marker_to (timeline, x, TRUE);
      g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==, b);

      /* Without Shift it lands on the token under the pointer. */
      _mt_timeline_drag_marker_to (timeline, x, FALSE);
      g_assert_cmpuint (mt_timeline_get_marker_position (timeline), ==,
                        (guint)round (a + 2 * (b - a) / 3.0));
    }

  /* With the real pointer and Shift held. */
  if (have_xdotool ())
    {
      g_autofree char *script = g_test_build_filename (G_TEST_DIST, "drag-marker.sh", NULL);
      g_autofree char *sx0 = NULL, *sy0 = NULL, *sx1 = NULL, *sy1 = NULL;
      int x0, y0, x1, y1;
      double y = layout->bar_band.origin.y + layout->bar_band.size.height / 2;

      timeline_to_surface (timeline, layout->plot_x + layout->plot_width * 0.2, y, &x0, &y0);
      timeline_to_surface (timeline, layout->plot_x + layout->plot_width * 0.63, y, &x1, &y1);
      sx0 = g_strdup_printf ("%d", x0);
      sy0 = g_strdup_printf ("%d", y0);
      sx1 = g_strdup_printf ("%d", x1);
      sy1 = g_strdup_printf ("%d", y1);
      run_helper ((const char *[]) { script, TIMELINE_WINDOW_TITLE, sx0, sy0, sx1, sy1, "shift",
                                     NULL });

      position = mt_timeline_get_marker_position (timeline);
      for (guint i = 0; i < data->sentences->len; i++)
        is_boundary |= g_array_index (data->sentences, guint, i) == position;
      g_assert_true (is_boundary);
      g_assert_cmpuint (position, ==,
                        mt_timeline_data_snap_sentence (
                          data, _mt_timeline_layout_x_to_token (
                                  layout, surface_to_timeline_x (timeline, x1)) - data->origin));
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_widget_pixels (void)
{
  g_autofree char *reasoning = make_reasoning (80);
  g_autoptr(MtTrace) trace = create_trace ("p", "Add all the numbers from the list below, please.",
                                           reasoning, "The sum is 42, as the steps show.");
  MtTimeline *timeline;
  GtkWidget *window = create_timeline_window (&timeline, 840);
  const MtTimelineLayout *layout = _mt_timeline_get_layout (timeline);
  const MtTimelineData *data;
  g_autoptr(Pixels) pixels = NULL;
  g_autoptr(Pixels) dark = NULL;
  MtTimelineMark marks[2];
  GdkRGBA reasoning_color, triangle_color, square_color, prompt_color, dark_prompt_color;
  int x0, x1, marker, bar_y, triangle_y, square_y, x;
  int matching = 0, checked = 0;
  guint triangle_token, square_token;

  mt_timeline_set_trace (timeline, trace);
  data = _mt_timeline_get_data (timeline);
  triangle_token = data->n_reasoning / 4;
  square_token = data->n_reasoning * 3 / 4;
  marks[0] = (MtTimelineMark) { 0, triangle_token, MT_TIMELINE_SHAPE_TRIANGLE };
  marks[1] = (MtTimelineMark) { 1, square_token, MT_TIMELINE_SHAPE_SQUARE };
  mt_timeline_set_markers (timeline, marks, G_N_ELEMENTS (marks));
  run_frames ();

  lookup_color (GTK_WIDGET (timeline), "timeline_reasoning_color", &reasoning_color);
  lookup_color (GTK_WIDGET (timeline), "timeline_mark_0_color", &triangle_color);
  lookup_color (GTK_WIDGET (timeline), "timeline_mark_1_color", &square_color);
  lookup_color (GTK_WIDGET (timeline), "timeline_prompt_color", &prompt_color);

  pixels = render_widget (GTK_WIDGET (timeline));

  /* The reasoning colour fills exactly the reasoning's range of the bar,
   * on a row above the label and the sentence ticks. */
  x0 = (int)ceil (_mt_timeline_layout_token_to_x (layout, data->origin));
  x1 = (int)floor (_mt_timeline_layout_token_to_x (layout, data->origin + data->n_reasoning));
  marker = (int)round (_mt_timeline_layout_token_to_x (
                         layout, data->origin + mt_timeline_get_marker_position (timeline)));
  bar_y = (int)layout->bar_band.origin.y + 3;
  g_assert_cmpint (x1 - x0, >, 300);

  for (x = x0 + 2; x <= x1 - 2; x++)
    {
      if (abs (x - marker) <= 3)
        continue;
      checked++;
      matching += pixel_matches (pixels, x, bar_y, &reasoning_color, 6);
    }
  g_assert_cmpint (matching, ==, checked);

  for (x = (int)layout->plot_x + 2; x < x0 - 2; x++)
    {
      g_assert_false (pixel_matches (pixels, x, bar_y, &reasoning_color, 6));
      g_assert_true (pixel_matches (pixels, x, bar_y, &prompt_color, 6));
    }
  for (x = x1 + 3; x < (int)(layout->plot_x + layout->plot_width) - 2; x++)
    g_assert_false (pixel_matches (pixels, x, bar_y, &reasoning_color, 6));

  /* The triangle: narrow at the top, wide at the bottom, at its token, in
   * the first row of marks; the square in the second. */
  g_assert_cmpuint (data->n_mark_rows, ==, 2);
  triangle_y = (int)_mt_timeline_layout_mark_row_y (layout, 0);
  square_y = (int)_mt_timeline_layout_mark_row_y (layout, 1);
  x = (int)round (_mt_timeline_layout_token_to_x (layout, data->origin + triangle_token + 0.5));
  g_assert_true (pixel_matches (pixels, x, triangle_y + 1, &triangle_color, 48));
  g_assert_cmpint (count_in_row (pixels, x, triangle_y - 2, 8, &triangle_color) + 3, <,
                   count_in_row (pixels, x, triangle_y + 2, 8, &triangle_color));
  g_assert_cmpint (count_in_row (pixels, x, square_y, 8, &square_color), ==, 0);

  /* The square, as wide at the top as at the bottom. */
  x = (int)round (_mt_timeline_layout_token_to_x (layout, data->origin + square_token + 0.5));
  g_assert_true (pixel_matches (pixels, x, square_y, &square_color, 48));
  g_assert_cmpint (abs (count_in_row (pixels, x, square_y - 2, 8, &square_color)
                        - count_in_row (pixels, x, square_y + 2, 8, &square_color)), <=, 1);
  g_assert_cmpint (count_in_row (pixels, x, triangle_y, 8, &triangle_color), ==, 0);

  /* The dark style changes the colours, and the cached scene follows. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  run_frames ();
  lookup_color (GTK_WIDGET (timeline), "timeline_prompt_color", &dark_prompt_color);
  g_assert_false (gdk_rgba_equal (&prompt_color, &dark_prompt_color));
  dark = render_widget (GTK_WIDGET (timeline));
  x = (int)layout->plot_x + 4;
  g_assert_true (pixel_matches (dark, x, bar_y, &dark_prompt_color, 6));
  g_assert_false (pixel_matches (dark, x, bar_y, &prompt_color, 6));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The wall-clock axis: reasoning streams for a few seconds, the server
 * stalls, then the answer comes slowly. On the clock the answer starts
 * where its first token arrived; on the token axis it is a sliver at the
 * end. */
static void
test_widget_clock (void)
{
  g_autofree char *reasoning = make_reasoning (40);
  g_autoptr(MtTrace) trace = create_trace ("c", "Add the numbers.", reasoning,
                                           "The sum is 42, as the steps above show.");
  g_autoptr(MtTrace) untimed = create_trace ("u", "Add the numbers.", reasoning, "42");
  g_autoptr(MtTokenTimes) times = NULL;
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  MtTimeline *timeline;
  GtkWidget *window = create_timeline_window (&timeline, 840);
  const MtTimelineLayout *layout = _mt_timeline_get_layout (timeline);
  const MtTimelineData *data;
  g_autoptr(Pixels) pixels = NULL;
  g_autoptr(Pixels) token_pixels = NULL;
  GdkRGBA reasoning_color, answer_color, mark_color;
  guint n_reasoning = mt_trace_get_n_reasoning_tokens (trace);
  guint n_answer = mt_trace_get_n_answer_tokens (trace);
  /* Away from the interrupt marker, which starts in the middle. */
  guint mark_token = n_reasoning / 4;
  MtTimelineMark mark = { 0, mark_token, MT_TIMELINE_SHAPE_SQUARE };
  double end_ms, answer_x, mark_x, plot_right;
  int bar_y, mark_y;
  g_autofree char *tooltip = NULL;
  GtkWidget *child;

  /* Reasoning: one token every 25 ms from 1 s; answer: one every 0.5 s
   * from 20 s on. */
  for (guint i = 0; i < n_reasoning; i++)
    {
      double t = 1000 + 25.0 * i;

      g_array_append_val (ms, t);
    }
  for (guint i = 0; i < n_answer; i++)
    {
      double t = 20000 + 500.0 * i;

      g_array_append_val (ms, t);
    }
  end_ms = g_array_index (ms, double, ms->len - 1);
  times = mt_token_times_new ((const double *) (gpointer) ms->data, ms->len);
  mt_trace_set_token_times (trace, times);

  /* Without times there is nothing to switch to. */
  mt_timeline_set_trace (timeline, untimed);
  g_assert_false (mt_timeline_has_clock (timeline));
  gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.axis-clock", NULL);
  g_assert_false (mt_timeline_get_axis_clock (timeline));

  mt_timeline_set_trace (timeline, trace);
  g_assert_true (mt_timeline_has_clock (timeline));
  mt_timeline_set_markers (timeline, &mark, 1);
  run_frames ();
  data = _mt_timeline_get_data (timeline);
  lookup_color (GTK_WIDGET (timeline), "timeline_reasoning_color", &reasoning_color);
  lookup_color (GTK_WIDGET (timeline), "timeline_answer_color", &answer_color);
  lookup_color (GTK_WIDGET (timeline), "timeline_mark_0_color", &mark_color);

  plot_right = layout->plot_x + layout->plot_width;
  answer_x = layout->plot_x + layout->plot_width * 20000 / end_ms;
  mark_x = layout->plot_x + layout->plot_width * (1000 + 25.0 * mark_token) / end_ms;
  bar_y = (int)layout->bar_band.origin.y + 3;
  mark_y = (int)_mt_timeline_layout_mark_row_y (layout, 0);
  g_assert_cmpfloat (answer_x, <, plot_right - 60);

  /* Token axis: the 20 s mark is deep in the reasoning. */
  token_pixels = render_widget (GTK_WIDGET (timeline));
  g_assert_true (pixel_matches (token_pixels, (int)answer_x + 4, bar_y, &reasoning_color, 6));

  /* The action switches the axis, and back. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.axis-clock", NULL));
  g_assert_true (mt_timeline_get_axis_clock (timeline));
  run_frames ();
  g_assert_true (layout->clock == data->clock);
  /* New data (a live trace growing) is followed at once, not at the next
   * allocation: the marker is placed with the layout before that. */
  {
    g_autoptr(MtTrace) shorter = create_trace ("s", "Add.", "One. Two.", "42");
    g_autoptr(MtTokenTimes) shorter_times = NULL;
    guint n = mt_trace_get_n_reasoning_tokens (shorter) + mt_trace_get_n_answer_tokens (shorter);

    g_array_set_size (ms, n);
    shorter_times = mt_token_times_new ((const double *) (gpointer) ms->data, n);
    mt_trace_set_token_times (shorter, shorter_times);
    mt_timeline_set_trace (timeline, shorter);
    data = _mt_timeline_get_data (timeline);
    g_assert_nonnull (data->clock);
    g_assert_true (layout->clock == data->clock);
    g_assert_cmpuint (layout->clock_n, ==, data->n_tokens);
  }
  mt_timeline_set_trace (timeline, trace);
  data = _mt_timeline_get_data (timeline);
  g_assert_true (layout->clock == data->clock);
  g_assert_cmpuint (layout->clock_n, ==, data->n_tokens);
  mt_timeline_set_markers (timeline, &mark, 1);
  run_frames ();
  pixels = render_widget (GTK_WIDGET (timeline));

  /* The reasoning holds the bar until the answer's first token arrives,
   * the answer from there to the end. */
  for (int x = (int)ceil (answer_x) + 3; x < (int)plot_right - 3; x++)
    g_assert_true (pixel_matches (pixels, x, bar_y, &answer_color, 6));
  for (int x = (int)answer_x - 40; x < (int)answer_x - 3; x++)
    if (fabs (x - _mt_timeline_layout_token_to_x (layout, data->origin
                                                  + mt_timeline_get_marker_position (timeline)))
        > 3)
      g_assert_true (pixel_matches (pixels, x, bar_y, &reasoning_color, 6));

  /* The mark sits where its token arrived. */
  g_assert_true (pixel_matches (pixels, (int)round (mark_x), mark_y, &mark_color, 48));
  g_assert_cmpint (count_in_row (pixels, (int)round (mark_x), mark_y, 3, &mark_color), >=, 5);

  /* The tooltip gives the token and its time. */
  for (child = gtk_widget_get_first_child (GTK_WIDGET (timeline)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (MT_IS_TIMELINE_LANE (child) && tooltip == NULL)
      tooltip = mt_timeline_lane_describe (MT_TIMELINE_LANE (child), answer_x + 1, bar_y);
  g_assert_nonnull (tooltip);
  g_test_message ("%s", tooltip);
  g_assert_nonnull (strstr (tooltip, "Answer: token 0 of"));
  g_assert_nonnull (strstr (tooltip, "at 20.00 s"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.axis-clock", NULL));
  g_assert_false (mt_timeline_get_axis_clock (timeline));
  run_frames ();
  g_assert_null (layout->clock);

  /* A trace without times shows tokens even with the clock chosen. */
  mt_timeline_set_axis_clock (timeline, TRUE);
  mt_timeline_set_trace (timeline, untimed);
  run_frames ();
  g_assert_null (layout->clock);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Too many marks for a node each: a category is drawn as one strip,
 * which must put the shapes where single stamps would go, and keep doing
 * so when a pan reuses it. */
static void
test_widget_many_marks (void)
{
  g_autofree char *reasoning = make_reasoning (300);
  g_autoptr(MtTrace) trace = create_trace ("m", "Add the numbers.", reasoning, "42");
  g_autoptr(GArray) marks = g_array_new (FALSE, FALSE, sizeof (MtTimelineMark));
  MtTimeline *timeline;
  GtkWidget *window = create_timeline_window (&timeline, 840);
  const MtTimelineLayout *layout = _mt_timeline_get_layout (timeline);
  const MtTimelineData *data;
  GdkRGBA color;
  guint half, first_mark = 2;
  int y;

  mt_timeline_set_trace (timeline, trace);
  data = _mt_timeline_get_data (timeline);
  half = data->n_reasoning / 2;
  /* A mark every 3rd token of the first half: hundreds of shapes. */
  for (guint t = first_mark; t < half; t += 3)
    {
      MtTimelineMark mark = { 0, t, MT_TIMELINE_SHAPE_SQUARE };

      g_array_append_val (marks, mark);
    }
  mt_timeline_set_markers (timeline, (const MtTimelineMark *) (gpointer) marks->data,
                           marks->len);
  /* Hide the interrupt marker, whose line would cross the lane. */
  mt_timeline_remove_marker (timeline);
  run_frames ();
  lookup_color (GTK_WIDGET (timeline), "timeline_mark_0_color", &color);
  y = (int)_mt_timeline_layout_mark_row_y (layout, 0);
  g_assert_cmpfloat (layout->plot_width / (layout->view.last - layout->view.first) * 3, <, 8);

  for (guint pan = 0; pan < 2; pan++)
    {
      g_autoptr(Pixels) pixels = render_widget (GTK_WIDGET (timeline));
      double mark_x = _mt_timeline_layout_token_to_x (layout, data->origin + first_mark + 0.5);
      double half_x = _mt_timeline_layout_token_to_x (layout, data->origin + half);
      double right = layout->plot_x + layout->plot_width;
      int filled = 0, columns = 0;

      /* The first shape at its token, give or take a pixel of rounding. */
      g_assert_cmpint (count_in_row (pixels, (int)round (mark_x), y, 1, &color), >, 0);
      g_assert_cmpint (count_in_row (pixels, (int)round (mark_x) - 8, y, 2, &color), ==, 0);

      /* Shapes all along the first half (each outline overlaps the fill
       * of the one before), none past it. */
      for (int x = (int)ceil (mark_x) + 2; x < (int)half_x - 6; x++, columns++)
        filled += pixel_matches (pixels, x, y, &color, 48);
      g_assert_cmpint (filled, >, columns / 3);
      for (int x = (int)half_x + 8; x < (int)right; x++)
        g_assert_false (pixel_matches (pixels, x, y, &color, 48));

      /* Pan by a few tokens: the shapes follow. */
      mt_timeline_set_visible_range (timeline, layout->view.first + 7, layout->view.last + 7);
      run_frames ();
    }

  gtk_window_destroy (GTK_WINDOW (window));
}

/* In the window */

static MtLab *
create_lab (MtTrace  **trace,
            MtBranch **near,
            MtBranch **far)
{
  MtLab *lab = mt_lab_new ();
  g_autofree char *reasoning = make_reasoning (400);

  *trace = create_trace ("long", "Add all the numbers from the list below, please.",
                         reasoning, "The sum is 42.");
  *near = create_branch ("long/1", *trace, MT_INTERRUPT_HARD, 0.3);
  *far = create_branch ("long/2", *trace, MT_INTERRUPT_SPEEDUP, 0.8);
  g_assert_true (mt_lab_add_trace (lab, *trace));
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (*near)));
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (*far)));

  return lab;
}

static MtWindow *
create_lab_window (MtLab *lab)
{
  MtWindow *window = mt_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 700);
  gtk_window_present (GTK_WINDOW (window));
  _mt_window_set_lab (window, lab, LAB_WINDOW_TITLE);
  run_frames ();

  return window;
}

static guint
count_rows (GtkWidget *widget)
{
  guint n = GTK_IS_LIST_BOX_ROW (widget) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_rows (child);

  return n;
}

static int
mark_offset (GtkTextBuffer *buffer,
             const char    *name)
{
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_mark (buffer, &iter, gtk_text_buffer_get_mark (buffer, name));
  return gtk_text_iter_get_offset (&iter);
}

static void
test_window_sync (void)
{
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(MtBranch) near = NULL;
  g_autoptr(MtBranch) far = NULL;
  g_autoptr(MtLab) lab = create_lab (&trace, &near, &far);
  MtWindow *window = create_lab_window (lab);
  MtTimeline *timeline = _mt_window_get_timeline (window);
  GtkTextBuffer *buffer = _mt_window_get_transcript (window);
  const MtTimelineData *data = _mt_timeline_get_data (timeline);
  const char *reasoning = mt_trace_get_reasoning (trace);
  const char *needle = "Step 120 checks";
  GtkTextIter start, end, match_start, match_end;
  GtkPopover *popover;
  guint32 byte = strstr (reasoning, needle) - reasoning;
  guint token, highlight_start, highlight_end;

  g_assert_true (mt_timeline_get_trace (timeline) == trace);
  g_assert_cmpuint (data->forks->len, ==, 2);

  /* Selecting text in the transcript highlights its tokens. */
  gtk_text_buffer_get_start_iter (buffer, &start);
  g_assert_true (gtk_text_iter_forward_search (&start, needle, 0, &match_start, &match_end,
                                               NULL));
  gtk_text_buffer_select_range (buffer, &match_start, &match_end);
  mt_timeline_get_highlight (timeline, &highlight_start, &highlight_end);
  g_assert_cmpuint (highlight_start, ==,
                    mt_timeline_token_at_location (timeline, data->reasoning_segment, byte));
  g_assert_cmpuint (highlight_end, ==,
                    mt_timeline_token_at_location (timeline, data->reasoning_segment,
                                                   byte + strlen (needle) - 1) + 1);
  g_assert_cmpuint (highlight_start, >=, data->origin);
  gtk_text_buffer_place_cursor (buffer, &match_start);
  mt_timeline_get_highlight (timeline, &highlight_start, &highlight_end);
  g_assert_cmpuint (highlight_start, ==, highlight_end);

  /* A token pointed at on the timeline is where the transcript goes. */
  token = mt_timeline_token_at_location (timeline, data->reasoning_segment, byte);
  g_signal_emit_by_name (timeline, "token-activated", token);
  g_assert_cmpint (mark_offset (buffer, "timeline-target"), ==,
                   gtk_text_iter_get_offset (&match_start));
  run_frames ();
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  g_assert_true (gtk_text_iter_has_tag (&match_start,
                                        gtk_text_tag_table_lookup (
                                          gtk_text_buffer_get_tag_table (buffer), "pointed")));

  /* Enter near a recorded branch lists it; far from any, says so. */
  mt_timeline_set_marker_position (timeline,
                                   mt_interrupt_get_token_index (mt_branch_get_interrupt (near))
                                   + data->n_reasoning / 100);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.activate-marker",
                                             NULL));
  run_frames ();
  popover = mt_timeline_marker_get_popover (_mt_timeline_get_marker (timeline));
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  g_assert_cmpuint (count_rows (GTK_WIDGET (popover)), ==, 1);
  gtk_popover_popdown (popover);

  mt_timeline_set_marker_position (timeline, data->n_reasoning / 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (timeline), "timeline.activate-marker",
                                             NULL));
  run_frames ();
  popover = mt_timeline_marker_get_popover (_mt_timeline_get_marker (timeline));
  g_assert_cmpuint (count_rows (GTK_WIDGET (popover)), ==, 0);
  gtk_popover_popdown (popover);

  /* Clicking a fork opens its branch. */
  g_signal_emit_by_name (timeline, "branch-activated", far);
  run_frames ();
  g_assert_true (mt_timeline_get_trace (timeline) == MT_TRACE (far));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Whether the transcript shows the text at @iter. */
static gboolean
iter_is_visible (GtkTextView       *view,
                 const GtkTextIter *iter)
{
  GdkRectangle visible, location;

  gtk_text_view_get_visible_rect (view, &visible);
  gtk_text_view_get_iter_location (view, iter, &location);

  return location.y >= visible.y && location.y + location.height <= visible.y + visible.height;
}

static void
test_window_scroll_long (void)
{
  g_autofree char *reasoning = make_paragraphs (3000);
  g_autoptr(MtTrace) small = create_trace ("small", "Add two numbers.", "Two and two. So four.",
                                           "4");
  g_autoptr(MtBranch) huge = create_branch ("small/1", small, MT_INTERRUPT_UPDATE, 0.5);
  g_autoptr(MtLab) lab = mt_lab_new ();
  GtkTextView *view = NULL;
  MtWindow *window;
  MtTimeline *timeline;
  GtkTextBuffer *buffer;
  GtkTextIter iter;
  const MtTimelineData *data;
  guint token;

  mt_trace_set_reasoning (MT_TRACE (huge), reasoning);
  g_assert_true (mt_lab_add_trace (lab, small));
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (huge)));
  window = create_lab_window (lab);
  timeline = _mt_window_get_timeline (window);
  buffer = _mt_window_get_transcript (window);
  for (GtkWidget *w = gtk_widget_get_next_sibling (GTK_WIDGET (timeline)); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    {
      if (GTK_IS_SCROLLED_WINDOW (w))
        view = GTK_TEXT_VIEW (gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (w)));
    }
  g_assert_nonnull (view);

  /* Straight after switching to a long branch (through its fork), while
   * the view has not measured its lines yet, a token far into it still
   * ends up on screen, and stays there as the view measures them. */
  g_signal_emit_by_name (timeline, "branch-activated", huge);
  g_assert_true (mt_timeline_get_trace (timeline) == MT_TRACE (huge));
  data = _mt_timeline_get_data (timeline);
  g_assert_cmpuint (data->n_reasoning, >, 30000);
  token = data->origin + data->n_reasoning * 4 / 5;
  g_signal_emit_by_name (timeline, "token-activated", token);

  for (guint i = 0; i < 15; i++)
    run_frames ();

  gtk_text_buffer_get_iter_at_mark (buffer, &iter,
                                    gtk_text_buffer_get_mark (buffer, "timeline-target"));
  g_assert_true (iter_is_visible (view, &iter));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_window_drag (void)
{
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(MtBranch) near = NULL;
  g_autoptr(MtBranch) far = NULL;
  g_autoptr(MtLab) lab = NULL;
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "drag-marker.sh", NULL);
  g_autofree char *sx0 = NULL, *sy0 = NULL, *sx1 = NULL, *sy1 = NULL;
  const MtTimelineLayout *layout;
  const MtTimelineData *data;
  GtkTextBuffer *buffer;
  GtkPopover *popover;
  MtTimeline *timeline;
  MtWindow *window;
  double received[2] = { -1, -1 };
  double y, expected;
  int x0, y0, x1, y1;
  guint before, after;

  if (!have_xdotool ())
    {
      g_test_skip ("xdotool and an X display are needed for a real drag");
      return;
    }

  lab = create_lab (&trace, &near, &far);
  window = create_lab_window (lab);
  timeline = _mt_window_get_timeline (window);
  layout = _mt_timeline_get_layout (timeline);
  data = _mt_timeline_get_data (timeline);
  buffer = _mt_window_get_transcript (window);
  before = mt_timeline_get_marker_position (timeline);
  g_assert_cmpuint (before, ==, data->n_reasoning / 2);
  g_assert_cmpint (mark_offset (buffer, "timeline-target"), ==, 0);

  /* Press on the bar at a fifth of the reasoning, let go at four fifths. */
  y = layout->bar_band.origin.y + layout->bar_band.size.height / 2;
  timeline_to_surface (timeline,
                       _mt_timeline_layout_token_to_x (layout,
                                                       data->origin + data->n_reasoning * 0.2),
                       y, &x0, &y0);
  timeline_to_surface (timeline,
                       _mt_timeline_layout_token_to_x (layout,
                                                       data->origin + data->n_reasoning * 0.8),
                       y, &x1, &y1);
  sx0 = g_strdup_printf ("%d", x0);
  sy0 = g_strdup_printf ("%d", y0);
  sx1 = g_strdup_printf ("%d", x1);
  sy1 = g_strdup_printf ("%d", y1);
  run_helper ((const char *[]) { script, LAB_WINDOW_TITLE, sx0, sy0, sx1, sy1, NULL });

  after = mt_timeline_get_marker_position (timeline);
  expected = _mt_timeline_layout_x_to_token (layout, surface_to_timeline_x (timeline, x1))
             - data->origin;
  g_assert_cmpuint (after, !=, before);
  g_assert_cmpfloat (fabs (after - expected), <=, 1.0);

  /* The marker took the keyboard focus, and the transcript followed it. */
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (_mt_timeline_get_marker (timeline))));
  g_assert_cmpint (mark_offset (buffer, "timeline-target"), >, 0);

  /* A double-click asks to interrupt there: the window lists the branch
   * recorded near 30%. */
  g_signal_connect (timeline, "interrupt-activated", G_CALLBACK (interrupt_activated_cb),
                    received);
  timeline_to_surface (timeline,
                       _mt_timeline_layout_token_to_x (layout,
                                                       data->origin + data->n_reasoning * 0.3),
                       y, &x0, &y0);
  g_free (sx0);
  g_free (sy0);
  sx0 = g_strdup_printf ("%d", x0);
  sy0 = g_strdup_printf ("%d", y0);
  run_helper ((const char *[]) { "xdotool", "search", "--sync", "--onlyvisible", "--name",
                                 "^" LAB_WINDOW_TITLE "$", "mousemove", "--sync", "--window",
                                 "%1", sx0, sy0, "click", "--repeat", "2", "--delay", "80", "1",
                                 NULL });
  expected = _mt_timeline_layout_x_to_token (layout, surface_to_timeline_x (timeline, x0))
             - data->origin;
  g_assert_cmpfloat (fabs (received[0] - expected), <=, 1.0);
  g_assert_cmpfloat_with_epsilon (received[1], received[0] / data->n_reasoning, 1e-12);
  popover = mt_timeline_marker_get_popover (_mt_timeline_get_marker (timeline));
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  g_assert_cmpuint (count_rows (GTK_WIDGET (popover)), ==, 1);

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

  /* The test backend lets the slider's accessible values be checked. */
  g_setenv ("GTK_A11Y", "test", TRUE);

  g_test_init (&argc, &argv, NULL);
  g_mkdir_with_parents (g_get_user_data_dir (), 0700);

  gtk_init ();
  adw_init ();

  /* Without an application nothing loads the style sheet the timeline
   * takes its colours from. */
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/midthought/Midthought/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add_func ("/gui/timeline/data/segments", test_data_segments);
  g_test_add_func ("/gui/timeline/data/sentences", test_data_sentences);
  g_test_add_func ("/gui/timeline/data/binning", test_data_binning);
  g_test_add_func ("/gui/timeline/data/zoom", test_data_zoom);
  g_test_add_func ("/gui/timeline/widget/zoom", test_widget_zoom);
  g_test_add_func ("/gui/timeline/widget/keyboard", test_widget_keyboard);
  g_test_add_func ("/gui/timeline/widget/snap", test_widget_snap);
  g_test_add_func ("/gui/timeline/widget/fork-verdict", test_widget_fork_verdict);
  g_test_add_func ("/gui/timeline/widget/remove-marker", test_widget_remove_marker);
  g_test_add_func ("/gui/timeline/widget/replay", test_widget_replay);
  g_test_add_func ("/gui/timeline/widget/pixels", test_widget_pixels);
  g_test_add_func ("/gui/timeline/widget/clock", test_widget_clock);
  g_test_add_func ("/gui/timeline/widget/many-marks", test_widget_many_marks);
  g_test_add_func ("/gui/timeline/window/sync", test_window_sync);
  g_test_add_func ("/gui/timeline/window/scroll-long", test_window_scroll_long);
  g_test_add_func ("/gui/timeline/window/drag", test_window_drag);

  return g_test_run ();
}
