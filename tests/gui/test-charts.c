/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "mt-charts-page-private.h"
#include "mt-compare-view.h"
#include "mt-test-util.h"
#include "mt-window-private.h"

#define WAIT_SECONDS 60

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (gpointer data);

/* Spins the main loop until @condition holds, failing after a generous
 * bound rather than relying on how long anything takes. */
static void
wait_until (Condition condition,
            gpointer  data)
{
  gboolean timed_out = FALSE;
  guint timeout_id;

  timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);
  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (timeout_id);
}

static void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
page_is_settled (gpointer data)
{
  MtChartsPage *page = data;
  MtMetrics *metrics = _mt_charts_page_get_metrics (page);

  return !mt_charts_page_get_busy (page) && metrics != NULL && mt_metrics_is_complete (metrics);
}

/* Takes ownership of @reasoning and @answer. */
static MtTrace *
make_trace (const char      *id,
            const char      *problem_id,
            const char      *parent_id,
            const char      *model,
            MtInterruptKind  kind,
            double           fraction,
            char            *reasoning,
            char            *answer)
{
  g_autoptr(MtTokenSpans) reasoning_spans = mt_test_word_spans (reasoning);
  g_autoptr(MtTokenSpans) answer_spans = mt_test_word_spans (answer);
  MtTrace *trace;

  if (parent_id != NULL)
    {
      g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (kind, (guint) (fraction * 100),
                                                           fraction);

      trace = MT_TRACE (mt_branch_new (id, parent_id, interrupt));
    }
  else
    trace = mt_trace_new (id);

  mt_trace_set_model (trace, model);
  mt_trace_set_problem_id (trace, problem_id);
  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_answer (trace, answer);
  mt_trace_set_reasoning_spans (trace, reasoning_spans);
  mt_trace_set_answer_spans (trace, answer_spans);

  g_free (reasoning);
  g_free (answer);
  return trace;
}

static void
add_trace (MtLab *lab,
           MtTrace *trace)
{
  g_assert_true (mt_lab_add_trace (lab, trace));
  g_object_unref (trace);
}

/* Ten problems (p0-p4 from "alpha", p5-p9 from "beta"), each with a right
 * oracle of 100 reasoning and 10 answer tokens by model "m", and branches:
 *   hard at X = 0.3: h3-0 and h3-1 right (2 of 10);
 *   hard at X = 0.7: h7-0 ... h7-7 right (8 of 10);
 *   speedup at X = 0.5: s5-0 ... s5-4 right, the rest wrong. */
static MtLab *
known_lab (void)
{
  MtLab *lab = mt_lab_new ();

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(MtProblem) problem = NULL;
      g_autofree char *pid = g_strdup_printf ("p%u", i);
      g_autofree char *oid = g_strdup_printf ("o%u", i);
      g_autofree char *h3 = g_strdup_printf ("h3-%u", i);
      g_autofree char *h7 = g_strdup_printf ("h7-%u", i);
      g_autofree char *s5 = g_strdup_printf ("s5-%u", i);

      problem = mt_problem_new (pid);
      mt_problem_set_domain (problem, MT_DOMAIN_MATH);
      mt_problem_set_answer (problem, "42");
      mt_problem_set_source (problem, i < 5 ? "alpha" : "beta");
      g_assert_true (mt_lab_add_problem (lab, problem));

      add_trace (lab, make_trace (oid, pid, NULL, "m", 0, 0, mt_test_words ("Okay", 99),
                                  mt_test_words ("\\boxed{42}", 9)));
      add_trace (lab, make_trace (h3, pid, oid, "m", MT_INTERRUPT_HARD, 0.3, g_strdup (""),
                                  mt_test_words (i < 2 ? "\\boxed{42}" : "\\boxed{41}", 19)));
      add_trace (lab, make_trace (h7, pid, oid, "m", MT_INTERRUPT_HARD, 0.7, g_strdup (""),
                                  mt_test_words (i < 8 ? "\\boxed{42}" : "\\boxed{41}", 19)));
      if (i < 5)
        add_trace (lab, make_trace (s5, pid, oid, "m", MT_INTERRUPT_SPEEDUP, 0.5,
                                    mt_test_words ("So", 39), g_strdup ("\\boxed{42}")));
      else
        add_trace (lab, make_trace (s5, pid, oid, "m", MT_INTERRUPT_SPEEDUP, 0.5,
                                    g_strdup (""), g_strdup ("\\boxed{7}")));
    }

  return lab;
}

/* Force-answer branches at X = 0.5 of every problem, all of them right. */
static void
add_force_answer (MtLab *lab)
{
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *pid = g_strdup_printf ("p%u", i);
      g_autofree char *oid = g_strdup_printf ("o%u", i);
      g_autofree char *id = g_strdup_printf ("f5-%u", i);

      add_trace (lab, make_trace (id, pid, oid, "m", MT_INTERRUPT_FORCE_ANSWER, 0.5,
                                  g_strdup (""), mt_test_words ("\\boxed{42}", 4)));
    }
}

/* A lab that looks like a real sweep, for the window test and its
 * screenshot: two models, twenty problems from two datasets, hard and
 * speedup interrupts at five positions, accuracy rising with X. */
static MtLab *
demo_lab (void)
{
  static const char *models[] = { "qwen3-8b", "deepseek-r1" };
  static const double positions[] = { 0.1, 0.3, 0.5, 0.7, 0.9 };
  MtLab *lab = mt_lab_new ();

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(MtProblem) problem = NULL;
      g_autofree char *pid = g_strdup_printf ("p%u", i);

      problem = mt_problem_new (pid);
      mt_problem_set_domain (problem, MT_DOMAIN_MATH);
      mt_problem_set_answer (problem, "42");
      mt_problem_set_source (problem, i < 10 ? "math500" : "gsm8k");
      g_assert_true (mt_lab_add_problem (lab, problem));

      for (guint m = 0; m < G_N_ELEMENTS (models); m++)
        {
          g_autofree char *oid = g_strdup_printf ("o-%s-%u", models[m], i);
          /* Spread the right answers evenly over the problems. */
          double rank = ((i * 7) % 20 + 0.5) / 20.0;

          add_trace (lab, make_trace (oid, pid, NULL, models[m], 0, 0,
                                      mt_test_words ("Okay", 199),
                                      mt_test_words ("\\boxed{42}", 9)));

          for (guint x = 0; x < G_N_ELEMENTS (positions); x++)
            {
              double X = positions[x];
              double hard = m == 0 ? 0.1 + 0.85 * X : 0.3 + 0.55 * X;
              double speedup = m == 0 ? 0.55 + 0.4 * X : 0.7 + 0.2 * X;
              g_autofree char *hid = g_strdup_printf ("hard-%s-%u-%.1f", models[m], i, X);
              g_autofree char *sid = g_strdup_printf ("speedup-%s-%u-%.1f", models[m], i, X);

              add_trace (lab, make_trace (hid, pid, oid, models[m], MT_INTERRUPT_HARD, X,
                                          g_strdup (""),
                                          mt_test_words (rank < hard ? "\\boxed{42}"
                                                                     : "\\boxed{41}",
                                                         19 + 3 * i)));
              add_trace (lab, make_trace (sid, pid, oid, models[m], MT_INTERRUPT_SPEEDUP, X,
                                          mt_test_words ("So", 20 + (guint) (40 * (1 - X))),
                                          g_strdup (rank < speedup ? "\\boxed{42}"
                                                                   : "\\boxed{7}")));
            }
        }
    }

  return lab;
}

typedef struct
{
  GtkWindow    *window;
  MtChartsPage *page;
} Fixture;

static void
fixture_set_up (Fixture *fixture,
                MtLab   *lab)
{
  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 900, 600);
  fixture->page = MT_CHARTS_PAGE (mt_charts_page_new ());
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->page));
  gtk_window_present (fixture->window);
  drain_main_loop ();

  if (lab != NULL)
    {
      mt_charts_page_set_lab (fixture->page, lab);
      /* The analysis runs in the background; until it reports, the page
       * says it is working. */
      g_assert_true (mt_charts_page_get_busy (fixture->page));
      g_assert_cmpstr (_mt_charts_page_get_state (fixture->page), ==, "loading");
      wait_until (page_is_settled, fixture->page);
      drain_main_loop ();
    }
}

static void
fixture_tear_down (Fixture *fixture)
{
  gtk_window_destroy (fixture->window);
  drain_main_loop ();
}

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
}

static gboolean
widget_has_size (gpointer data)
{
  GtkWidget *widget = data;

  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0
         && gtk_widget_get_height (widget) > 0;
}

static gboolean
count_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  guint *ticks = user_data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
enough_ticks (gpointer data)
{
  return *(guint *)data >= 3;
}

/* Lets the frame clock lay out and draw a few frames, so what is on
 * screen is what the widgets hold now. */
static void
wait_for_frames (GtkWidget *widget)
{
  guint ticks = 0;
  guint id = gtk_widget_add_tick_callback (widget, count_tick_cb, &ticks, NULL);

  wait_until (enough_ticks, &ticks);
  gtk_widget_remove_tick_callback (widget, id);
  wait_until (widget_has_size, widget);
}

static Pixels
render_node (GtkWidget     *widget,
             GskRenderNode *node,
             int            width,
             int            height)
{
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr(GdkTexture) texture = NULL;
  Pixels pixels = { NULL, width, height, width * 4 };

  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  pixels.data = g_malloc (pixels.stride * pixels.height);
  gdk_texture_download (texture, pixels.data, pixels.stride);

  return pixels;
}

/* Paints the chart canvas as its snapshot does now, which also refreshes
 * the chart's layout for hit tests. */
static Pixels
render_canvas (GtkWidget *canvas)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  int width, height;

  wait_for_frames (canvas);
  width = gtk_widget_get_width (canvas);
  height = gtk_widget_get_height (canvas);
  GTK_WIDGET_GET_CLASS (canvas)->snapshot (canvas, snapshot);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));

  return render_node (canvas, node, width, height);
}

/* The whole window as drawn on screen. */
static Pixels
render_window (GtkWidget *window)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  int width, height;

  wait_for_frames (window);
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));

  return render_node (window, node, width, height);
}

static guint32
pixel_at (const Pixels *pixels,
          int           x,
          int           y)
{
  const guchar *p = pixels->data + y * pixels->stride + x * 4;

  return ((guint32)p[0] << 16) | ((guint32)p[1] << 8) | p[2];
}

/* Pixels of the data area that differ from the background. */
static guint
count_ink (const Pixels      *pixels,
           const MtPlotLayout *layout)
{
  guint32 background = pixel_at (pixels, 1, 1);
  guint count = 0;

  for (int y = (int)layout->plot.y + 2; y < (int)(layout->plot.y + layout->plot.height) - 2; y++)
    for (int x = (int)layout->plot.x + 2; x < (int)(layout->plot.x + layout->plot.width) - 2; x++)
      if (pixel_at (pixels, x, y) != background)
        count++;

  return count;
}

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type))
        return controller;
    }

  g_assert_not_reached ();
}

static void
test_charts_no_lab (void)
{
  Fixture fixture;
  g_autoptr(MtLab) lab = mt_lab_new ();

  fixture_set_up (&fixture, NULL);
  g_assert_cmpstr (_mt_charts_page_get_state (fixture.page), ==, "empty");

  /* An empty lab says so too, rather than spinning or drawing a frame. */
  mt_charts_page_set_lab (fixture.page, lab);
  drain_main_loop ();
  g_assert_false (mt_charts_page_get_busy (fixture.page));
  g_assert_cmpstr (_mt_charts_page_get_state (fixture.page), ==, "empty");
  g_assert_nonnull (strstr (_mt_charts_page_get_message (fixture.page), "traces"));

  fixture_tear_down (&fixture);
}

static void
test_charts_accuracy (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  MtPlotLayout layout;
  Fixture fixture;
  Pixels all, hard;
  guint all_ink, hard_ink;

  fixture_set_up (&fixture, lab);

  g_assert_cmpstr (_mt_charts_page_get_state (fixture.page), ==, "chart");
  g_assert_cmpint (mt_charts_page_get_chart (fixture.page), ==, MT_PLOT_CHART_ACCURACY);
  g_assert_true (mt_plot_chart_has_data (_mt_charts_page_get_plot_chart (fixture.page)));

  all = render_canvas (_mt_charts_page_get_canvas (fixture.page));
  g_assert_true (mt_plot_chart_get_layout (_mt_charts_page_get_plot_chart (fixture.page),
                                           &layout));
  all_ink = count_ink (&all, &layout);
  g_assert_cmpuint (all_ink, >, 1000);

  /* The series are in the accessible description, with their values. */
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (_mt_charts_page_get_canvas (fixture.page)),
                                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));

  {
    g_autofree char *description = _mt_charts_page_dup_description (fixture.page);

    g_test_message ("%s", description);
    g_assert_true (g_str_has_prefix (description, "Accuracy after an interrupt."));
    g_assert_nonnull (strstr (description, "hard at X = 0.30: 20% correct of 10 branches"));
    g_assert_nonnull (strstr (description, "hard at X = 0.70: 80% correct of 10 branches"));
    g_assert_nonnull (strstr (description, "speedup at X = 0.50: 50% correct of 10 branches"));
  }

  /* Only the hard branches: one series fewer, less ink. */
  g_assert_cmpuint (mt_plot_chart_get_n_series (_mt_charts_page_get_plot_chart (fixture.page)),
                    ==, 2);
  g_assert_true (_mt_charts_page_select_filter (fixture.page, "kind", "hard"));
  drain_main_loop ();
  g_assert_cmpuint (mt_plot_chart_get_n_series (_mt_charts_page_get_plot_chart (fixture.page)),
                    ==, 1);
  hard = render_canvas (_mt_charts_page_get_canvas (fixture.page));
  g_assert_true (mt_plot_chart_get_layout (_mt_charts_page_get_plot_chart (fixture.page),
                                           &layout));
  hard_ink = count_ink (&hard, &layout);
  g_assert_cmpuint (hard_ink, >, 500);
  g_assert_cmpuint (hard_ink, <, all_ink);

  /* A dataset nobody answered from is not offered; one that is, is. */
  g_assert_false (_mt_charts_page_select_filter (fixture.page, "dataset", "gamma"));
  g_assert_true (_mt_charts_page_select_filter (fixture.page, "dataset", "alpha"));
  g_assert_false (_mt_charts_page_select_filter (fixture.page, "model", "nobody"));
  g_assert_true (_mt_charts_page_select_filter (fixture.page, "model", "m"));

  /* Another chart is another picture. */
  mt_charts_page_set_chart (fixture.page, MT_PLOT_CHART_LENGTH);
  drain_main_loop ();
  g_assert_cmpint (mt_plot_chart_get_kind (_mt_charts_page_get_plot_chart (fixture.page)), ==,
                   MT_PLOT_CHART_LENGTH);
  g_assert_cmpstr (_mt_charts_page_get_state (fixture.page), ==, "chart");

  pixels_free (&all);
  pixels_free (&hard);
  fixture_tear_down (&fixture);
}

static void
branches_activated_cb (MtChartsPage  *page,
                       const char   **ids,
                       GStrv         *out)
{
  g_strfreev (*out);
  *out = g_strdupv ((char **)ids);
}

static guint32
style_color (GtkWidget  *widget,
             const char *name)
{
  GdkRGBA color;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_assert_true (gtk_style_context_lookup_color (gtk_widget_get_style_context (widget),
                                                 name, &color));
  G_GNUC_END_IGNORE_DEPRECATIONS

  return ((guint32)lround (color.red * 255) << 16) | ((guint32)lround (color.green * 255) << 8)
         | (guint32)lround (color.blue * 255);
}

/* The chart is painted on the style's background, light or dark. */
static void
test_charts_style (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  AdwStyleManager *manager = adw_style_manager_get_default ();
  GtkWidget *canvas;
  Fixture fixture;
  Pixels light, dark;

  fixture_set_up (&fixture, lab);
  canvas = _mt_charts_page_get_canvas (fixture.page);

  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  light = render_canvas (canvas);
  g_assert_cmphex (pixel_at (&light, 1, 1), ==, style_color (canvas, "view_bg_color"));

  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  dark = render_canvas (canvas);
  g_assert_cmphex (pixel_at (&dark, 1, 1), ==, style_color (canvas, "view_bg_color"));
  g_assert_cmphex (pixel_at (&dark, 1, 1), !=, pixel_at (&light, 1, 1));

  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_DEFAULT);
  pixels_free (&light);
  pixels_free (&dark);
  fixture_tear_down (&fixture);
}

static void
test_charts_hover_and_click (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_auto(GStrv) ids = NULL;
  GtkWidget *canvas;
  GtkEventController *motion;
  GtkEventController *click;
  MtPlotLayout layout;
  const char *readout;
  Fixture fixture;
  Pixels pixels;
  double px, py;

  fixture_set_up (&fixture, lab);
  g_assert_true (_mt_charts_page_select_filter (fixture.page, "kind", "hard"));
  drain_main_loop ();

  canvas = _mt_charts_page_get_canvas (fixture.page);
  pixels = render_canvas (canvas);
  pixels_free (&pixels);
  g_assert_true (mt_plot_chart_get_layout (_mt_charts_page_get_plot_chart (fixture.page),
                                           &layout));

  /* Hard at X = 0.3: 2 of 10 right. The axes run over [0, 1]. */
  px = layout.plot.x + 0.3 * layout.plot.width;
  py = layout.plot.y + (1 - 0.2) * layout.plot.height;

  motion = find_controller (canvas, GTK_TYPE_EVENT_CONTROLLER_MOTION);
  g_signal_emit_by_name (motion, "motion", px, py);
  readout = _mt_charts_page_get_readout (fixture.page);
  g_assert_nonnull (readout);
  g_test_message ("read-out: %s", readout);
  g_assert_nonnull (strstr (readout, "20"));
  g_assert_nonnull (strstr (readout, "10"));

  /* Far from any point, in a corner of the data area: no read-out. */
  g_signal_emit_by_name (motion, "motion", layout.plot.x + layout.plot.width - 3,
                         layout.plot.y + layout.plot.height / 2);
  g_assert_null (_mt_charts_page_get_readout (fixture.page));

  /* A click on the point hands over exactly its ten branches. */
  g_signal_connect (fixture.page, "branches-activated", G_CALLBACK (branches_activated_cb), &ids);
  click = find_controller (canvas, GTK_TYPE_GESTURE_CLICK);
  g_signal_emit_by_name (click, "released", 1, px, py);
  g_assert_nonnull (ids);
  g_assert_cmpuint (g_strv_length (ids), ==, 10);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *id = g_strdup_printf ("h3-%u", i);

      g_assert_true (g_strv_contains ((const char * const *)ids, id));
    }

  /* The keyboard walks the same points: the first is hard at X = 0.3,
   * the only other the one at 0.7, then round again; Enter opens it. */
  g_clear_pointer (&ids, g_strfreev);
  gtk_widget_grab_focus (canvas);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.page), "charts.move-point", "i", 1));
  readout = _mt_charts_page_get_readout (fixture.page);
  g_assert_nonnull (readout);
  g_assert_true (g_str_has_prefix (readout, "hard, X = 0.30"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.page), "charts.move-point", "i", 1));
  g_assert_true (g_str_has_prefix (_mt_charts_page_get_readout (fixture.page), "hard, X = 0.70"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.page), "charts.move-point", "i", 1));
  g_assert_true (g_str_has_prefix (_mt_charts_page_get_readout (fixture.page), "hard, X = 0.30"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.page), "charts.move-point", "i", -1));
  g_assert_true (g_str_has_prefix (_mt_charts_page_get_readout (fixture.page), "hard, X = 0.70"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.page), "charts.open-point", NULL));
  g_assert_nonnull (ids);
  g_assert_cmpuint (g_strv_length (ids), ==, 10);
  g_assert_true (g_strv_contains ((const char * const *)ids, "h7-9"));

  fixture_tear_down (&fixture);
}

static void
collect_controls (GtkWidget *widget,
                  GPtrArray *controls)
{
  if (GTK_IS_MENU_BUTTON (widget)
      || (GTK_IS_BUTTON (widget)
          && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)),
                        "charts.export") == 0))
    {
      g_ptr_array_add (controls, widget);
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_controls (child, controls);
}

/* Tab reaches the chart menu, the three filters and Export. */
static void
test_charts_keyboard (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(GPtrArray) controls = g_ptr_array_new ();
  g_autoptr(GHashTable) reached = g_hash_table_new (NULL, NULL);
  Fixture fixture;

  fixture_set_up (&fixture, lab);
  collect_controls (GTK_WIDGET (fixture.page), controls);
  g_assert_cmpuint (controls->len, ==, 5);

  gtk_root_set_focus (GTK_ROOT (fixture.window), NULL);
  for (guint step = 0; step < 100; step++)
    {
      GtkWidget *focus;

      if (!gtk_widget_child_focus (GTK_WIDGET (fixture.window), GTK_DIR_TAB_FORWARD))
        continue;
      focus = gtk_root_get_focus (GTK_ROOT (fixture.window));
      for (guint i = 0; focus != NULL && i < controls->len; i++)
        {
          GtkWidget *control = g_ptr_array_index (controls, i);

          if (focus == control || gtk_widget_is_ancestor (focus, control))
            g_hash_table_add (reached, control);
        }
    }

  g_assert_cmpuint (g_hash_table_size (reached), ==, controls->len);

  /* The filters are actions too, so a menu item and the keyboard agree. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture.page), "charts.chart", "i",
                                             MT_PLOT_CHART_FAILURE_RATES));
  g_assert_cmpint (mt_charts_page_get_chart (fixture.page), ==, MT_PLOT_CHART_FAILURE_RATES);

  fixture_tear_down (&fixture);
}

static void
test_charts_export (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-charts-XXXXXX", &error);
  g_autofree char *png_path = g_build_filename (dir, "accuracy.png", NULL);
  g_autofree char *svg_path = g_build_filename (dir, "accuracy.svg", NULL);
  g_autofree char *pdf_path = g_build_filename (dir, "accuracy.pdf", NULL);
  g_autofree char *bad_path = g_build_filename (dir, "missing", "accuracy.pdf", NULL);
  g_autoptr(GFile) png = g_file_new_for_path (png_path);
  g_autoptr(GFile) svg = g_file_new_for_path (svg_path);
  g_autoptr(GFile) pdf = g_file_new_for_path (pdf_path);
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  Fixture fixture;

  g_assert_no_error (error);
  fixture_set_up (&fixture, lab);

  /* The PNG is 600 × 375 points at the chosen 150 dpi, rounded up. */
  g_assert_true (_mt_charts_page_export_to (fixture.page, png, MT_PLOT_FORMAT_PNG, 150, &error));
  g_assert_no_error (error);
  texture = gdk_texture_new_from_file (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 1250);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 782);

  g_assert_true (_mt_charts_page_export_to (fixture.page, svg, MT_PLOT_FORMAT_SVG, 150, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg_path, &contents, &length, &error));
  g_assert_nonnull (g_strstr_len (contents, length, "<svg"));
  g_assert_nonnull (g_strstr_len (contents, length, "</svg>"));
  g_clear_pointer (&contents, g_free);

  g_assert_true (_mt_charts_page_export_to (fixture.page, pdf, MT_PLOT_FORMAT_PDF, 150, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (pdf_path, &contents, &length, &error));
  g_assert_cmpuint (length, >, 1000);
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));

  /* A folder that is not there is an error to show, not a crash. */
  g_assert_false (_mt_charts_page_export_to (fixture.page, bad, MT_PLOT_FORMAT_PDF, 150, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "missing"));

  /* The dialog's filter adds its extension; a typed one wins. */
  {
    g_autoptr(GFile) chosen = g_file_new_for_path ("/tmp/figure");
    g_autoptr(GFile) typed = g_file_new_for_path ("/tmp/figure.PDF");
    g_autoptr(GFile) resolved = NULL;
    g_autoptr(GFile) kept = NULL;
    g_autofree char *resolved_path = NULL;
    MtPlotFormat format = MT_PLOT_FORMAT_SVG;

    resolved = _mt_charts_page_resolve_export (chosen, &format);
    resolved_path = g_file_get_path (resolved);
    g_assert_cmpstr (resolved_path, ==, "/tmp/figure.svg");
    g_assert_cmpint (format, ==, MT_PLOT_FORMAT_SVG);

    format = MT_PLOT_FORMAT_PNG;
    kept = _mt_charts_page_resolve_export (typed, &format);
    g_assert_true (g_file_equal (kept, typed));
    g_assert_cmpint (format, ==, MT_PLOT_FORMAT_PDF);
  }

  g_unlink (png_path);
  g_unlink (svg_path);
  g_unlink (pdf_path);
  g_rmdir (dir);
  fixture_tear_down (&fixture);
}

typedef struct
{
  MtChartsPage *page;
  guint         n_series;
} SeriesCondition;

static gboolean
has_series (gpointer data)
{
  SeriesCondition *condition = data;

  return page_is_settled (condition->page)
         && mt_plot_chart_get_n_series (_mt_charts_page_get_plot_chart (condition->page))
            == condition->n_series;
}

static void
test_charts_refresh (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  SeriesCondition condition;
  Fixture fixture;

  fixture_set_up (&fixture, lab);
  g_assert_cmpuint (mt_plot_chart_get_n_series (_mt_charts_page_get_plot_chart (fixture.page)),
                    ==, 2);

  /* Results stream in: the chart grows a force-answer series by itself. */
  add_force_answer (lab);
  condition.page = fixture.page;
  condition.n_series = 3;
  wait_until (has_series, &condition);
  g_assert_true (_mt_charts_page_select_filter (fixture.page, "kind", "force-answer"));

  fixture_tear_down (&fixture);
}

static gboolean
window_charts_settled (gpointer data)
{
  MtWindow *window = data;

  return page_is_settled (g_object_get_data (G_OBJECT (window), "charts-page"));
}

static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (g_type_is_a (G_OBJECT_TYPE (widget), type))
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

/* The window's Charts button shows the page; a click on a point opens the
 * first branch behind it in the compare view. Saves the screenshot for the
 * README when MT_UPDATE_SCREENSHOTS is set. */
static void
test_charts_in_window (void)
{
  g_autoptr(MtLab) lab = demo_lab ();
  const char *ids[] = { "hard-qwen3-8b-3-0.7", "hard-qwen3-8b-4-0.7", NULL };
  MtWindow *window;
  MtChartsPage *page;
  GVariant *state;

  window = mt_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 700);
  gtk_window_present (GTK_WINDOW (window));
  drain_main_loop ();

  _mt_window_set_lab (window, lab, "sweep.mtlab");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-charts", NULL));
  drain_main_loop ();

  state = g_action_group_get_action_state (G_ACTION_GROUP (window), "show-charts");
  g_assert_true (g_variant_get_boolean (state));
  g_variant_unref (state);

  page = MT_CHARTS_PAGE (find_widget (GTK_WIDGET (window), MT_TYPE_CHARTS_PAGE));
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_object_set_data (G_OBJECT (window), "charts-page", page);
  wait_until (window_charts_settled, window);
  drain_main_loop ();
  g_assert_cmpstr (_mt_charts_page_get_state (page), ==, "chart");

  /* Point at hard · qwen3-8b at X = 0.5, right in half the problems. */
  {
    GtkWidget *canvas = _mt_charts_page_get_canvas (page);
    Pixels pixels = render_canvas (canvas);
    MtPlotLayout layout;

    pixels_free (&pixels);
    g_assert_true (mt_plot_chart_get_layout (_mt_charts_page_get_plot_chart (page), &layout));
    g_signal_emit_by_name (find_controller (canvas, GTK_TYPE_EVENT_CONTROLLER_MOTION), "motion",
                           layout.plot.x + 0.5 * layout.plot.width,
                           layout.plot.y + 0.5 * layout.plot.height);
    g_assert_nonnull (_mt_charts_page_get_readout (page));
    g_assert_nonnull (strstr (_mt_charts_page_get_readout (page), "qwen3-8b"));
  }

  if (g_getenv ("MT_UPDATE_SCREENSHOTS") != NULL)
    {
      g_autofree char *path = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "..", "data",
                                                "screenshots", "charts.png", NULL);
      GtkWidget *root = GTK_WIDGET (window);
      Pixels pixels = render_window (root);
      g_autoptr(GBytes) bytes = g_bytes_new_take (pixels.data, pixels.stride * pixels.height);
      g_autoptr(GdkTexture) texture = gdk_memory_texture_new (pixels.width, pixels.height,
                                                              GDK_MEMORY_DEFAULT, bytes,
                                                              pixels.stride);

      g_assert_true (gdk_texture_save_to_png (texture, path));
      g_test_message ("saved %s", path);
    }

  g_signal_emit_by_name (page, "branches-activated", ids);
  drain_main_loop ();

  state = g_action_group_get_action_state (G_ACTION_GROUP (window), "show-charts");
  g_assert_false (g_variant_get_boolean (state));
  g_variant_unref (state);

  /* The first branch opens in the compare view, beside its siblings. */
  {
    MtTrace *branch = mt_lab_lookup_trace (lab, ids[0]);
    MtTrace *parent;

    g_assert_true (MT_IS_BRANCH (branch));
    parent = mt_lab_lookup_trace (lab, mt_branch_get_parent_id (MT_BRANCH (branch)));
    g_assert_nonnull (parent);
    g_assert_true (mt_timeline_get_trace (_mt_window_get_timeline (window)) == parent);
    state = g_action_group_get_action_state (G_ACTION_GROUP (window), "compare");
    g_assert_true (g_variant_get_boolean (state));
    g_variant_unref (state);
    g_assert_true (gtk_widget_get_visible (find_widget (GTK_WIDGET (window),
                                                        MT_TYPE_COMPARE_VIEW)));
    g_assert_true (gtk_widget_get_child_visible (find_widget (GTK_WIDGET (window),
                                                              MT_TYPE_COMPARE_VIEW)));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  drain_main_loop ();
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
  /* Accessible properties are only recorded by the test backend. */
  g_setenv ("GTK_A11Y", "test", TRUE);

  g_test_init (&argc, &argv, NULL);

  g_mkdir_with_parents (g_get_user_data_dir (), 0700);

  gtk_init ();
  adw_init ();

  /* Without an application nothing loads the style sheet the charts take
   * their colours from. */
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/midthought/Midthought/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add_func ("/gui/charts/no-lab", test_charts_no_lab);
  g_test_add_func ("/gui/charts/accuracy", test_charts_accuracy);
  g_test_add_func ("/gui/charts/style", test_charts_style);
  g_test_add_func ("/gui/charts/hover-and-click", test_charts_hover_and_click);
  g_test_add_func ("/gui/charts/keyboard", test_charts_keyboard);
  g_test_add_func ("/gui/charts/export", test_charts_export);
  g_test_add_func ("/gui/charts/refresh", test_charts_refresh);
  g_test_add_func ("/gui/charts/in-window", test_charts_in_window);

  return g_test_run ();
}
