/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "mt-core.h"
#include "mt-plot.h"
#include "mt-test-util.h"

#define WIDTH  800
#define HEIGHT 500
#define EPSILON 1e-9

/* Takes ownership of @reasoning and @answer. */
static void
add_trace (MtLab           *lab,
           const char      *id,
           const char      *problem_id,
           const char      *parent_id,
           MtInterruptKind  kind,
           double           fraction,
           char            *reasoning,
           char            *answer)
{
  g_autoptr(MtTokenSpans) reasoning_spans = mt_test_word_spans (reasoning);
  g_autoptr(MtTokenSpans) answer_spans = mt_test_word_spans (answer);
  g_autoptr(MtTrace) trace = NULL;

  if (parent_id != NULL)
    {
      g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (kind, (guint) (fraction * 100),
                                                           fraction);

      trace = MT_TRACE (mt_branch_new (id, parent_id, interrupt));
    }
  else
    trace = mt_trace_new (id);

  mt_trace_set_model (trace, "m");
  mt_trace_set_problem_id (trace, problem_id);
  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_answer (trace, answer);
  mt_trace_set_reasoning_spans (trace, reasoning_spans);
  mt_trace_set_answer_spans (trace, answer_spans);
  g_assert_true (mt_lab_add_trace (lab, trace));

  g_free (reasoning);
  g_free (answer);
}

/* Ten problems (p0-p4 from "alpha", p5-p9 from "beta"), each with a right
 * oracle of 100 reasoning and 10 answer tokens, and branches:
 *   hard at X = 0.3: h3-0 and h3-1 right (2 of 10), answers of 20 tokens;
 *   hard at X = 0.7: h7-0 ... h7-7 right (8 of 10), answers of 20 tokens;
 *   speedup at X = 0.5: s5-0 ... s5-4 right after 40 tokens of reasoning,
 *   the rest wrong with no reasoning at all (panic). */
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

      add_trace (lab, oid, pid, NULL, 0, 0, mt_test_words ("Okay", 99),
                 mt_test_words ("\\boxed{42}", 9));
      add_trace (lab, h3, pid, oid, MT_INTERRUPT_HARD, 0.3, g_strdup (""),
                 mt_test_words (i < 2 ? "\\boxed{42}" : "\\boxed{41}", 19));
      add_trace (lab, h7, pid, oid, MT_INTERRUPT_HARD, 0.7, g_strdup (""),
                 mt_test_words (i < 8 ? "\\boxed{42}" : "\\boxed{41}", 19));
      if (i < 5)
        add_trace (lab, s5, pid, oid, MT_INTERRUPT_SPEEDUP, 0.5, mt_test_words ("So", 39),
                   g_strdup ("\\boxed{42}"));
      else
        add_trace (lab, s5, pid, oid, MT_INTERRUPT_SPEEDUP, 0.5, g_strdup (""),
                   g_strdup ("\\boxed{7}"));
    }

  return lab;
}

static MtMetrics *
analyse (MtLab *lab)
{
  g_autoptr(GError) error = NULL;
  MtMetrics *metrics = mt_analysis_run (lab, NULL, NULL, &error);

  g_assert_no_error (error);
  return metrics;
}

static MtPlotChart *
chart_for (MtPlotChartKind  kind,
           MtMetrics       *metrics)
{
  MtPlotChart *chart = mt_plot_chart_new (kind);

  mt_plot_chart_set_metrics (chart, metrics);
  return chart;
}

static cairo_surface_t *
paint (MtPlotChart *chart,
       int          width,
       int          height,
       MtPlotTheme  theme)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (surface);

  mt_plot_chart_paint (chart, cr, width, height, theme);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

typedef struct
{
  double r, g, b;
} Pixel;

static Pixel
pixel_at (cairo_surface_t *surface,
          double           x,
          double           y)
{
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *data = cairo_image_surface_get_data (surface);
  int ix = (int) floor (x);
  int iy = (int) floor (y);
  guint32 value;

  g_assert_cmpint (ix, >=, 0);
  g_assert_cmpint (iy, >=, 0);
  g_assert_cmpint (ix, <, cairo_image_surface_get_width (surface));
  g_assert_cmpint (iy, <, cairo_image_surface_get_height (surface));
  value = *(const guint32 *) (gconstpointer) (data + iy * stride + ix * 4);
  return (Pixel) { ((value >> 16) & 0xff) / 255.0, ((value >> 8) & 0xff) / 255.0,
                   (value & 0xff) / 255.0 };
}

static gboolean
pixel_is (Pixel  pixel,
          double r,
          double g,
          double b,
          double tolerance)
{
  return fabs (pixel.r - r) <= tolerance && fabs (pixel.g - g) <= tolerance &&
         fabs (pixel.b - b) <= tolerance;
}

static gboolean
pixel_is_white (Pixel pixel)
{
  return pixel_is (pixel, 1, 1, 1, 0.01);
}

/* Where the last paint put the data point (@x, @y) of an accuracy chart,
 * whose axes run over [0, 1] both ways. */
static void
unit_to_pixel (const MtPlotLayout *layout,
               double              x,
               double              y,
               double             *px,
               double             *py)
{
  *px = layout->plot.x + x * layout->plot.width;
  *py = layout->plot.y + (1 - y) * layout->plot.height;
}

static gboolean
rectangles_overlap (const cairo_rectangle_t *a,
                    const cairo_rectangle_t *b)
{
  return a->x < b->x + b->width && b->x < a->x + a->width &&
         a->y < b->y + b->height && b->y < a->y + a->height;
}

static void
test_names (void)
{
  MtPlotChartKind kind;
  MtPlotFormat format;
  MtPlotTheme theme;

  for (guint i = 0; i <= MT_PLOT_CHART_TIMELINE; i++)
    {
      g_assert_true (mt_plot_chart_kind_from_string (mt_plot_chart_kind_to_string (i), &kind));
      g_assert_cmpint (kind, ==, i);
    }
  g_assert_true (mt_plot_chart_kind_from_string ("length-ratio", &kind));
  g_assert_cmpint (kind, ==, MT_PLOT_CHART_LENGTH_RATIO);
  g_assert_false (mt_plot_chart_kind_from_string ("pie", &kind));
  g_assert_false (mt_plot_chart_kind_from_string (NULL, &kind));
  g_assert_true (mt_plot_format_from_string ("svg", &format));
  g_assert_cmpint (format, ==, MT_PLOT_FORMAT_SVG);
  g_assert_false (mt_plot_format_from_string ("jpeg", &format));
  g_assert_true (mt_plot_theme_from_string ("print", &theme));
  g_assert_cmpint (theme, ==, MT_PLOT_THEME_PRINT);
}

/* Without a dataset filter every point is one group of the metrics, with
 * its very numbers and interval, and the ids of exactly its branches. */
static void
test_accuracy_matches_metrics (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(MtPlotChart) chart = chart_for (MT_PLOT_CHART_ACCURACY, metrics);
  cairo_surface_t *surface;
  const MtInterruptMetrics *h3 = mt_metrics_get_interrupt (metrics, 0);
  MtPlotLayout layout;
  MtPlotHit hit;
  double px, py;

  g_assert_true (mt_plot_chart_has_data (chart));
  g_assert_null (mt_plot_chart_get_empty_reason (chart));
  g_assert_cmpuint (mt_plot_chart_get_n_series (chart), ==, 2);
  g_assert_cmpstr (mt_plot_chart_get_series_label (chart, 0), ==, "hard");
  g_assert_cmpstr (mt_plot_chart_get_series_label (chart, 1), ==, "speedup");

  /* No hit test before a paint: there is no geometry yet. */
  g_assert_false (mt_plot_chart_get_layout (chart, &layout));
  g_assert_false (mt_plot_chart_hit_test (chart, 10, 10, &hit));

  surface = paint (chart, WIDTH, HEIGHT, MT_PLOT_THEME_LIGHT);
  g_assert_true (mt_plot_chart_get_layout (chart, &layout));
  unit_to_pixel (&layout, 0.3, 0.2, &px, &py);

  g_assert_true (mt_plot_chart_hit_test (chart, px + 1, py - 1, &hit));
  g_assert_cmpstr (hit.series, ==, "hard");
  g_assert_cmpfloat_with_epsilon (hit.x, 0.3, EPSILON);
  g_assert_cmpfloat_with_epsilon (hit.value, h3->accuracy, EPSILON);
  g_assert_cmpfloat_with_epsilon (hit.value, 0.2, EPSILON);
  g_assert_cmpuint (hit.n, ==, 10);
  g_assert_cmpfloat (hit.ci_low, ==, h3->ci_low);
  g_assert_cmpfloat (hit.ci_high, ==, h3->ci_high);
  g_assert_cmpuint (hit.branch_ids->len, ==, 10);
  for (guint i = 0; i < 10; i++)
    g_assert_true (g_str_has_prefix (g_ptr_array_index (hit.branch_ids, i), "h3-"));
  g_assert_nonnull (strstr (hit.description, "hard"));
  g_assert_nonnull (strstr (hit.description, "n = 10"));
  mt_plot_hit_clear (&hit);

  /* Far from every point (the top left corner of the plot): nothing. */
  unit_to_pixel (&layout, 0.02, 0.98, &px, &py);
  g_assert_false (mt_plot_chart_hit_test (chart, px, py, &hit));

  cairo_surface_destroy (surface);
}

/* A known data set puts its points, its band and the oracle line where they
 * belong, in the series' colour. */
static void
test_accuracy_pixels (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(MtPlotChart) hard_only = NULL;
  const MtInterruptMetrics *h3 = mt_metrics_get_interrupt (metrics, 0);
  const MtInterruptMetrics *h7 = mt_metrics_get_interrupt (metrics, 1);
  cairo_surface_t *surface;
  MtPlotLayout layout;
  double blue[3];
  double px, py, band_top, band_bottom;
  guint gray = 0;

  g_assert_cmpfloat (h3->ci_high, <, h7->ci_high);
  mt_plot_series_color (MT_PLOT_THEME_LIGHT, 0, &blue[0], &blue[1], &blue[2]);

  /* Only the hard series, so the band at X = 0.5 is the hard one's alone. */
  hard_only = chart_for (MT_PLOT_CHART_ACCURACY, metrics);
  mt_plot_chart_set_filter (hard_only, NULL, NULL, MT_INTERRUPT_HARD);
  g_assert_cmpuint (mt_plot_chart_get_n_series (hard_only), ==, 1);
  surface = paint (hard_only, WIDTH, HEIGHT, MT_PLOT_THEME_LIGHT);
  g_assert_true (mt_plot_chart_get_layout (hard_only, &layout));

  /* The markers' centres: (0.3, 0.2) and (0.7, 0.8), solid blue. */
  unit_to_pixel (&layout, 0.3, 0.2, &px, &py);
  g_assert_true (pixel_is (pixel_at (surface, px, py), blue[0], blue[1], blue[2], 0.02));
  unit_to_pixel (&layout, 0.7, 0.8, &px, &py);
  g_assert_true (pixel_is (pixel_at (surface, px, py), blue[0], blue[1], blue[2], 0.02));
  /* ... and not where the data is not: (0.3, 0.8). */
  unit_to_pixel (&layout, 0.3, 0.8, &px, &py);
  g_assert_false (pixel_is (pixel_at (surface, px + 0.5, py + 0.5),
                            blue[0], blue[1], blue[2], 0.1));

  /* Halfway, the band runs between the mean of the two lows and of the two
   * highs. Inside it, above the line: a pale blue tint. Above it: white. */
  band_top = (h3->ci_high + h7->ci_high) / 2;
  band_bottom = (h3->ci_low + h7->ci_low) / 2;
  g_assert_cmpfloat (band_top, <, 0.95);
  unit_to_pixel (&layout, 0.5, (0.5 + band_top) / 2, &px, &py);
  {
    Pixel inside = pixel_at (surface, px + 3, py);

    g_assert_false (pixel_is_white (inside));
    g_assert_cmpfloat (inside.b, >, inside.r + 0.05);
  }
  unit_to_pixel (&layout, 0.55, (band_top + 1.0) / 2 - 0.03, &px, &py);
  g_assert_true (pixel_is_white (pixel_at (surface, px, py)));
  unit_to_pixel (&layout, 0.45, band_bottom / 2, &px, &py);
  g_assert_true (pixel_is_white (pixel_at (surface, px, py)));

  /* Every oracle is right: a dashed grey line along the top of the plot. */
  unit_to_pixel (&layout, 0, 1.0, &px, &py);
  for (double x = layout.plot.x + 2; x < layout.plot.x + layout.plot.width - 2; x++)
    {
      Pixel p = pixel_at (surface, x, py);

      if (fabs (p.r - p.g) < 0.02 && fabs (p.g - p.b) < 0.04 && p.r < 0.7)
        gray++;
    }
  g_assert_cmpuint (gray, >, layout.plot.width * 0.4);
  cairo_surface_destroy (surface);
}

/* The legend sits outside the plot area at any size, so it covers no data:
 * no data point is under it and its box holds ink. */
static void
test_legend_outside (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  static const int sizes[][2] = { { 800, 500 }, { 320, 480 }, { 240, 160 }, { 1600, 300 } };

  for (guint kind = 0; kind < MT_PLOT_CHART_TIMELINE; kind++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        g_autoptr(MtPlotChart) chart = chart_for (kind, metrics);
        cairo_surface_t *surface;
        MtPlotLayout layout;
        guint ink = 0;

        if (!mt_plot_chart_has_data (chart))
          continue;
        surface = paint (chart, sizes[s][0], sizes[s][1], MT_PLOT_THEME_LIGHT);
        g_assert_true (mt_plot_chart_get_layout (chart, &layout));
        g_assert_cmpfloat (layout.legend.width, >, 0);
        g_assert_false (rectangles_overlap (&layout.legend, &layout.plot));
        g_assert_cmpfloat (layout.legend.x, >=, 0);
        g_assert_cmpfloat (layout.legend.y, >=, 0);
        g_assert_cmpfloat (layout.legend.x + layout.legend.width, <=, sizes[s][0]);
        g_assert_cmpfloat (layout.legend.y + layout.legend.height, <=, sizes[s][1]);

        for (double y = layout.legend.y + 2; y < layout.legend.y + layout.legend.height - 2; y++)
          for (double x = layout.legend.x + 2; x < layout.legend.x + layout.legend.width - 2; x++)
            ink += !pixel_is_white (pixel_at (surface, x, y));
        g_assert_cmpuint (ink, >, 20);
        cairo_surface_destroy (surface);
      }
}

static guint
count_ink (cairo_surface_t *surface,
           double           x0,
           double           y0,
           double           x1,
           double           y1)
{
  guint ink = 0;

  for (double y = y0; y < y1; y++)
    for (double x = x0; x < x1; x++)
      ink += !pixel_is_white (pixel_at (surface, x, y));
  return ink;
}

/* A chart without data says so in the image, not with an empty frame: text
 * in the middle, no axes along the edges where a plot would have them. */
static void
test_no_data (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtMetrics) metrics = NULL;
  g_autoptr(MtLab) known = known_lab ();
  g_autoptr(MtMetrics) known_metrics = analyse (known);
  g_autoptr(MtPlotChart) unset = mt_plot_chart_new (MT_PLOT_CHART_ACCURACY);
  g_autoptr(MtPlotChart) timeline = mt_plot_chart_new (MT_PLOT_CHART_TIMELINE);
  MtPlotLayout layout;

  metrics = analyse (lab);

  g_assert_false (mt_plot_chart_has_data (unset));
  g_assert_false (mt_plot_chart_has_data (timeline));
  g_assert_nonnull (mt_plot_chart_get_empty_reason (timeline));

  for (guint kind = 0; kind < MT_PLOT_CHART_TIMELINE; kind++)
    {
      g_autoptr(MtPlotChart) chart = chart_for (kind, metrics);
      cairo_surface_t *surface;

      g_assert_false (mt_plot_chart_has_data (chart));
      g_assert_nonnull (mt_plot_chart_get_empty_reason (chart));
      surface = paint (chart, WIDTH, HEIGHT, MT_PLOT_THEME_LIGHT);
      g_assert_false (mt_plot_chart_get_layout (chart, &layout));
      /* The message, across the middle. */
      g_assert_cmpuint (count_ink (surface, 0, HEIGHT * 0.4, WIDTH, HEIGHT * 0.6), >, 200);
      /* No axis: the left and bottom margins stay empty. */
      g_assert_cmpuint (count_ink (surface, 0, HEIGHT * 0.15, WIDTH * 0.08, HEIGHT), ==, 0);
      g_assert_cmpuint (count_ink (surface, 0, HEIGHT * 0.85, WIDTH, HEIGHT), ==, 0);
      cairo_surface_destroy (surface);
    }

  /* Filters that keep nothing say so too, and why. */
  {
    g_autoptr(MtPlotChart) chart = chart_for (MT_PLOT_CHART_ACCURACY, known_metrics);

    mt_plot_chart_set_filter (chart, "no-such-model", NULL, -1);
    g_assert_false (mt_plot_chart_has_data (chart));
    g_assert_cmpstr (mt_plot_chart_get_empty_reason (chart), ==,
                     "No interrupted branches match these filters");
    mt_plot_chart_set_filter (chart, NULL, NULL, -1);
    g_assert_true (mt_plot_chart_has_data (chart));
  }
}

/* A dataset filter keeps the branches of that source only and draws its
 * own interval from the same bootstrap. */
static void
test_dataset_filter (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(MtPlotChart) chart = chart_for (MT_PLOT_CHART_ACCURACY, metrics);
  g_auto(GStrv) datasets = mt_plot_list_datasets (metrics);
  cairo_surface_t *surface;
  MtPlotLayout layout;
  MtPlotHit hit;
  double px, py, low, high;

  g_assert_cmpuint (g_strv_length (datasets), ==, 2);
  g_assert_cmpstr (datasets[0], ==, "alpha");
  g_assert_cmpstr (datasets[1], ==, "beta");

  /* alpha: p0-p4, so h3 has 2 right of 5. */
  mt_plot_chart_set_filter (chart, NULL, "alpha", MT_INTERRUPT_HARD);
  surface = paint (chart, WIDTH, HEIGHT, MT_PLOT_THEME_DARK);
  g_assert_true (mt_plot_chart_get_layout (chart, &layout));
  unit_to_pixel (&layout, 0.3, 0.4, &px, &py);
  g_assert_true (mt_plot_chart_hit_test (chart, px, py, &hit));
  g_assert_cmpfloat_with_epsilon (hit.value, 0.4, EPSILON);
  g_assert_cmpuint (hit.n, ==, 5);
  g_assert_cmpuint (hit.branch_ids->len, ==, 5);
  mt_bootstrap_accuracy (2, 5, MT_METRICS_BOOTSTRAP_RESAMPLES, MT_METRICS_BOOTSTRAP_SEED,
                         &low, &high);
  g_assert_cmpfloat (hit.ci_low, ==, low);
  g_assert_cmpfloat (hit.ci_high, ==, high);
  mt_plot_hit_clear (&hit);
  cairo_surface_destroy (surface);
}

static void
test_length_charts (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(MtPlotChart) length = chart_for (MT_PLOT_CHART_LENGTH, metrics);
  g_autoptr(MtPlotChart) ratio = chart_for (MT_PLOT_CHART_LENGTH_RATIO, metrics);
  const MtInterruptMetrics *h3 = mt_metrics_get_interrupt (metrics, 0);
  cairo_surface_t *surface;
  MtPlotLayout layout;
  MtPlotHit hit;
  gboolean found = FALSE;

  /* Hit tests sweep the plot for the hard X = 0.3 point and compare its
   * value with the metrics. */
  surface = paint (ratio, WIDTH, HEIGHT, MT_PLOT_THEME_PRINT);
  g_assert_true (mt_plot_chart_get_layout (ratio, &layout));
  for (double y = layout.plot.y; y < layout.plot.y + layout.plot.height && !found; y += 2)
    {
      if (mt_plot_chart_hit_test (ratio, layout.plot.x + 0.3 * layout.plot.width, y, &hit))
        {
          if (g_str_equal (hit.series, "hard"))
            {
              g_assert_cmpfloat_with_epsilon (hit.value, h3->length_ratio, EPSILON);
              found = TRUE;
            }
          mt_plot_hit_clear (&hit);
        }
    }
  g_assert_true (found);
  cairo_surface_destroy (surface);

  found = FALSE;
  mt_plot_chart_set_unit (length, MT_PLOT_UNIT_CHARS);
  surface = paint (length, WIDTH, HEIGHT, MT_PLOT_THEME_LIGHT);
  g_assert_true (mt_plot_chart_get_layout (length, &layout));
  for (double y = layout.plot.y; y < layout.plot.y + layout.plot.height && !found; y += 2)
    {
      if (mt_plot_chart_hit_test (length, layout.plot.x + 0.3 * layout.plot.width, y, &hit))
        {
          if (g_str_equal (hit.series, "hard"))
            {
              g_assert_cmpfloat_with_epsilon (hit.value, h3->length_chars_mean, EPSILON);
              found = TRUE;
            }
          mt_plot_hit_clear (&hit);
        }
    }
  g_assert_true (found);
  cairo_surface_destroy (surface);
}

/* Every hard branch answers at twice the oracle's length: the whole
 * histogram sits in the bin holding 2×, with all twenty branches. */
static void
test_leakage (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(MtPlotChart) chart = chart_for (MT_PLOT_CHART_LEAKAGE, metrics);
  cairo_surface_t *surface;
  MtPlotLayout layout;
  MtPlotHit hit;
  gboolean found = FALSE;

  g_assert_true (mt_plot_chart_has_data (chart));
  g_assert_cmpuint (mt_plot_chart_get_n_series (chart), ==, 1);
  surface = paint (chart, WIDTH, HEIGHT, MT_PLOT_THEME_LIGHT);
  g_assert_true (mt_plot_chart_get_layout (chart, &layout));

  /* The top of the plot holds the 100% point: find it along the top. */
  for (double x = layout.plot.x; x < layout.plot.x + layout.plot.width && !found; x += 2)
    {
      if (mt_plot_chart_hit_test (chart, x, layout.plot.y, &hit))
        {
          g_assert_cmpfloat_with_epsilon (hit.value, 100, EPSILON);
          g_assert_cmpfloat (hit.x, <=, 2.0 * 1.0001);
          g_assert_cmpfloat (hit.x * pow (10, 0.1), >=, 2.0);
          g_assert_cmpuint (hit.n, ==, 20);
          g_assert_cmpuint (hit.branch_ids->len, ==, 20);
          found = TRUE;
          mt_plot_hit_clear (&hit);
        }
    }
  g_assert_true (found);
  cairo_surface_destroy (surface);

  /* Speedups do not leak: nothing to show for them. */
  mt_plot_chart_set_filter (chart, NULL, NULL, MT_INTERRUPT_SPEEDUP);
  g_assert_false (mt_plot_chart_has_data (chart));
}

/* Five speedup errors, every one a panic: the speedup bar is all panic,
 * in the panic colour, and leads to the five branches. */
static void
test_failure_rates (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(MtPlotChart) chart = chart_for (MT_PLOT_CHART_FAILURE_RATES, metrics);
  cairo_surface_t *surface;
  MtPlotLayout layout;
  MtPlotHit hit;
  double panic[3];
  double x, y;

  mt_plot_chart_set_filter (chart, NULL, NULL, MT_INTERRUPT_SPEEDUP);
  g_assert_true (mt_plot_chart_has_data (chart));
  surface = paint (chart, WIDTH, HEIGHT, MT_PLOT_THEME_LIGHT);
  g_assert_true (mt_plot_chart_get_layout (chart, &layout));

  /* One bar in the middle of the plot; a quarter of the way up is panic. */
  x = layout.plot.x + layout.plot.width / 2;
  y = layout.plot.y + layout.plot.height * 0.75;
  mt_plot_series_color (MT_PLOT_THEME_LIGHT, 0, &panic[0], &panic[1], &panic[2]);
  g_assert_true (mt_plot_chart_hit_test (chart, x, y, &hit));
  g_assert_cmpstr (hit.series, ==, "Panic");
  g_assert_cmpfloat_with_epsilon (hit.value, 100, EPSILON);
  g_assert_cmpuint (hit.n, ==, 5);
  g_assert_cmpuint (hit.branch_ids->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_true (g_str_has_prefix (g_ptr_array_index (hit.branch_ids, i), "s5-"));
  mt_plot_hit_clear (&hit);

  /* The colour of the panic segment between its hatching lines: scan a few
   * pixels for one that is exactly the palette's. */
  {
    gboolean seen = FALSE;

    for (double dx = -6; dx <= 6 && !seen; dx++)
      seen = pixel_is (pixel_at (surface, x + dx, y), panic[0], panic[1], panic[2], 0.02);
    g_assert_true (seen);
  }

  /* Beside the bar: nothing. */
  g_assert_false (mt_plot_chart_hit_test (chart, layout.plot.x + 2, y, &hit));
  cairo_surface_destroy (surface);

  /* Hard branches here are wrong without leaking or panicking: no panic. */
  mt_plot_chart_set_filter (chart, NULL, NULL, MT_INTERRUPT_HARD);
  g_assert_true (mt_plot_chart_has_data (chart));
}

static void
test_marker_density (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(MtPlotChart) chart = chart_for (MT_PLOT_CHART_MARKER_DENSITY, metrics);
  cairo_surface_t *surface;

  /* Per model by default: one series, the only model. */
  g_assert_true (mt_plot_chart_has_data (chart));
  g_assert_cmpuint (mt_plot_chart_get_n_series (chart), ==, 1);
  g_assert_cmpstr (mt_plot_chart_get_series_label (chart, 0), ==, "m");

  mt_plot_chart_set_density_by (chart, MT_PLOT_DENSITY_BY_KIND);
  g_assert_cmpuint (mt_plot_chart_get_n_series (chart), ==, 2);

  g_assert_false (mt_plot_chart_set_category (chart, "no-such-category"));
  g_assert_true (mt_plot_chart_set_category (chart, MT_MARKER_UPDATE_DOUBT));
  surface = paint (chart, WIDTH, HEIGHT, MT_PLOT_THEME_LIGHT);
  cairo_surface_destroy (surface);
}

/* One trace and its branches: a lane each, each branch's starting where
 * the interrupt cut its parent. */
static void
test_timeline (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtPlotChart) chart = mt_plot_chart_new (MT_PLOT_CHART_TIMELINE);
  cairo_surface_t *surface;
  MtPlotLayout layout;
  double reasoning[3];
  double h3_first = G_MAXDOUBLE;
  guint reasoning_hits = 0;

  mt_plot_chart_set_trace (chart, lab, mt_lab_lookup_trace (lab, "o0"), NULL);
  g_assert_true (mt_plot_chart_has_data (chart));
  /* o0, h3-0, h7-0, s5-0 */
  g_assert_cmpuint (mt_plot_chart_get_n_series (chart), ==, 4);
  g_assert_cmpstr (mt_plot_chart_get_series_label (chart, 0), ==, "m");
  g_assert_cmpstr (mt_plot_chart_get_series_label (chart, 1), ==, "hard · X = 0.30");

  surface = paint (chart, WIDTH, HEIGHT, MT_PLOT_THEME_LIGHT);
  g_assert_true (mt_plot_chart_get_layout (chart, &layout));
  mt_plot_series_color (MT_PLOT_THEME_LIGHT, 0, &reasoning[0], &reasoning[1], &reasoning[2]);

  for (double y = layout.plot.y; y < layout.plot.y + layout.plot.height; y += 1)
    for (double x = layout.plot.x; x < layout.plot.x + layout.plot.width; x += 2)
      {
        MtPlotHit hit;

        if (!mt_plot_chart_hit_test (chart, x, y, &hit))
          continue;
        if (hit.branch_ids->len == 1 && g_str_equal (g_ptr_array_index (hit.branch_ids, 0), "h3-0"))
          h3_first = MIN (h3_first, hit.x);
        /* o0's reasoning: tokens 0-100, in the reasoning colour (away from
         * the marker ticks and fork dots, which sit on its edges). */
        if (hit.branch_ids->len == 0 && hit.x > 2 && hit.x < 98 &&
            strstr (hit.description, "Reasoning") != NULL &&
            pixel_is (pixel_at (surface, x, y), reasoning[0], reasoning[1], reasoning[2], 0.02))
          reasoning_hits++;
        mt_plot_hit_clear (&hit);
      }

  g_assert_cmpuint (reasoning_hits, >, 50);
  /* Token 30 of 100; a step of 2 pixels is under a token here. */
  g_assert_cmpfloat (h3_first, >=, 29.5);
  g_assert_cmpfloat (h3_first, <=, 31.5);
  cairo_surface_destroy (surface);

  /* No trace: nothing to show, and it says so. */
  mt_plot_chart_set_trace (chart, NULL, NULL, NULL);
  g_assert_false (mt_plot_chart_has_data (chart));
}

/* Branches whose parents run in a circle (a hand-edited lab) are drawn
 * once each, not forever. */
static void
test_timeline_cycle (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtPlotChart) chart = mt_plot_chart_new (MT_PLOT_CHART_TIMELINE);

  add_trace (lab, "x", "p", "y", MT_INTERRUPT_HARD, 0.5, mt_test_words ("So", 9),
             g_strdup ("\\boxed{1}"));
  add_trace (lab, "y", "p", "x", MT_INTERRUPT_SPEEDUP, 0.5, mt_test_words ("So", 9),
             g_strdup ("\\boxed{2}"));
  add_trace (lab, "z", "p", "z", MT_INTERRUPT_SPEEDUP, 0.5, mt_test_words ("So", 9),
             g_strdup ("\\boxed{3}"));
  mt_lab_link (lab);

  mt_plot_chart_set_trace (chart, lab, mt_lab_lookup_trace (lab, "x"), NULL);
  g_assert_cmpuint (mt_plot_chart_get_n_series (chart), ==, 2);
  mt_plot_chart_set_trace (chart, lab, mt_lab_lookup_trace (lab, "z"), NULL);
  g_assert_cmpuint (mt_plot_chart_get_n_series (chart), ==, 1);
}

/* A widget's own colours replace the theme's neutral ones; a transparent
 * background leaves what was there. */
static void
test_colors (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(MtPlotChart) chart = chart_for (MT_PLOT_CHART_ACCURACY, metrics);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 400, 300);
  cairo_t *cr = cairo_create (surface);
  MtPlotColors colors;
  MtPlotColors light;
  guint green = 0;

  mt_plot_theme_get_colors (MT_PLOT_THEME_LIGHT, &light);
  g_assert_cmpfloat (light.background[0], ==, 1.0);
  g_assert_cmpfloat (light.background[3], ==, 1.0);

  colors = light;
  colors.background[0] = 1;
  colors.background[1] = 0;
  colors.background[2] = 0;
  colors.ink[0] = 0;
  colors.ink[1] = 1;
  colors.ink[2] = 0;
  mt_plot_chart_paint_with_colors (chart, cr, 400, 300, MT_PLOT_THEME_LIGHT, &colors);
  cairo_surface_flush (surface);
  g_assert_true (pixel_is (pixel_at (surface, 1, 1), 1, 0, 0, 0.01));
  /* The title, in the ink. */
  for (double y = 0; y < 25; y++)
    for (double x = 0; x < 200; x++)
      green += pixel_is (pixel_at (surface, x, y), 0, 1, 0, 0.05);
  g_assert_cmpuint (green, >, 20);

  /* Blue under a transparent background stays blue. */
  cairo_set_source_rgb (cr, 0, 0, 1);
  cairo_paint (cr);
  colors.background[3] = 0;
  mt_plot_chart_paint_with_colors (chart, cr, 400, 300, MT_PLOT_THEME_LIGHT, &colors);
  cairo_surface_flush (surface);
  g_assert_true (pixel_is (pixel_at (surface, 1, 1), 0, 0, 1, 0.01));

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* The same chart at 1× and at 300 dpi: the layout scales with the page,
 * and text stays the size it was on paper. */
static void
test_export_png_size (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(MtPlotChart) chart = chart_for (MT_PLOT_CHART_ACCURACY, metrics);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-plot-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "a.png", NULL);
  g_autofree char *bad = g_build_filename (dir, "missing", "a.png", NULL);
  cairo_surface_t *png;

  g_assert_no_error (error);
  g_assert_true (mt_plot_chart_export (chart, path, MT_PLOT_FORMAT_PNG, 200, 100, 300,
                                       MT_PLOT_THEME_LIGHT, &error));
  g_assert_no_error (error);
  png = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, 834);   /* 200 × 300 / 72 */
  g_assert_cmpint (cairo_image_surface_get_height (png), ==, 417);
  cairo_surface_destroy (png);

  g_assert_true (mt_plot_chart_export (chart, path, MT_PLOT_FORMAT_PNG, 640, 400, 72,
                                       MT_PLOT_THEME_LIGHT, &error));
  png = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, 640);
  g_assert_cmpint (cairo_image_surface_get_height (png), ==, 400);
  cairo_surface_destroy (png);

  /* Errors a user can act on; the old file stays. */
  g_assert_false (mt_plot_chart_export (chart, bad, MT_PLOT_FORMAT_PDF, 200, 100, 72,
                                        MT_PLOT_THEME_LIGHT, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "missing"));
  g_clear_error (&error);
  g_assert_false (mt_plot_chart_export (chart, path, MT_PLOT_FORMAT_PNG, 0, 100, 72,
                                        MT_PLOT_THEME_LIGHT, &error));
  g_assert_error (error, MT_PLOT_ERROR, MT_PLOT_ERROR_SIZE);
  g_clear_error (&error);
  g_assert_false (mt_plot_chart_export (chart, path, MT_PLOT_FORMAT_PNG, 5000, 5000, 2400,
                                        MT_PLOT_THEME_LIGHT, &error));
  g_assert_error (error, MT_PLOT_ERROR, MT_PLOT_ERROR_SIZE);
  g_clear_error (&error);
  png = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, 640);
  cairo_surface_destroy (png);

  g_unlink (path);
  g_rmdir (dir);
}

typedef struct
{
  GHashTable *colors;    /* palette indices seen as strokes */
  guint       elements;
} SvgScan;

/* "rgb(0%,44.705882%,69.803922%)" */
static gboolean
parse_rgb (const char *text,
           double      rgb[3])
{
  const char *p = strstr (text, "stroke:rgb(");

  if (p == NULL)
    return FALSE;
  p += strlen ("stroke:rgb(");
  for (guint i = 0; i < 3; i++)
    {
      char *end;

      rgb[i] = g_ascii_strtod (p, &end) / 100.0;
      if (end == p || *end != '%')
        return FALSE;
      p = end + 2;
    }
  return TRUE;
}

static void
svg_start (GMarkupParseContext  *context,
           const char           *element,
           const char          **names,
           const char          **values,
           gpointer              user_data,
           GError              **error)
{
  SvgScan *scan = user_data;

  scan->elements++;
  for (guint i = 0; names[i] != NULL; i++)
    {
      double rgb[3];

      if (!g_str_equal (names[i], "style") || !parse_rgb (values[i], rgb))
        continue;
      for (guint c = 0; c < mt_plot_get_n_series_colors (); c++)
        {
          double want[3];

          mt_plot_series_color (MT_PLOT_THEME_LIGHT, c, &want[0], &want[1], &want[2]);
          if (fabs (rgb[0] - want[0]) < 0.003 && fabs (rgb[1] - want[1]) < 0.003 &&
              fabs (rgb[2] - want[2]) < 0.003)
            g_hash_table_add (scan->colors, GUINT_TO_POINTER (c + 1));
        }
    }
}

/* The SVG is well-formed XML (GMarkup refuses anything else) and strokes
 * exactly as many series colours as the chart has series. */
static void
test_export_svg (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-plot-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "a.svg", NULL);

  static const int kinds[] = { MT_INTERRUPT_HARD, -1 };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      int kind = kinds[k];
      g_autoptr(MtPlotChart) chart = chart_for (MT_PLOT_CHART_ACCURACY, metrics);
      g_autoptr(GHashTable) colors = g_hash_table_new (NULL, NULL);
      g_autoptr(GMarkupParseContext) context = NULL;
      g_autofree char *text = NULL;
      GMarkupParser parser = { svg_start, NULL, NULL, NULL, NULL };
      SvgScan scan = { colors, 0 };
      gsize length;

      mt_plot_chart_set_filter (chart, NULL, NULL, kind);
      g_assert_true (mt_plot_chart_export (chart, path, MT_PLOT_FORMAT_SVG, 480, 300, 72,
                                           MT_PLOT_THEME_LIGHT, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &text, &length, &error));
      g_assert_true (g_str_has_prefix (text, "<?xml"));

      context = g_markup_parse_context_new (&parser, 0, &scan, NULL);
      g_assert_true (g_markup_parse_context_parse (context, text, length, &error));
      g_assert_true (g_markup_parse_context_end_parse (context, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (scan.elements, >, 10);
      g_assert_cmpuint (g_hash_table_size (colors), ==, mt_plot_chart_get_n_series (chart));
      g_assert_cmpuint (g_hash_table_size (colors), ==, kind < 0 ? 2 : 1);
    }

  g_unlink (path);
  g_rmdir (dir);
}

/* A PDF page that poppler renders to something other than a blank page. */
static void
test_export_pdf (void)
{
  g_autoptr(MtLab) lab = known_lab ();
  g_autoptr(MtMetrics) metrics = analyse (lab);
  g_autoptr(GError) error = NULL;
  g_autofree char *pdftoppm = g_find_program_in_path ("pdftoppm");
  g_autofree char *dir = g_dir_make_tmp ("test-plot-XXXXXX", &error);

  if (pdftoppm == NULL)
    {
      g_test_skip ("pdftoppm (poppler-utils) is not installed");
      g_rmdir (dir);
      return;
    }

  for (guint kind = 0; kind <= MT_PLOT_CHART_TIMELINE; kind++)
    {
      g_autoptr(MtPlotChart) chart = mt_plot_chart_new (kind);
      g_autofree char *pdf = g_build_filename (dir, "a.pdf", NULL);
      g_autofree char *stem = g_build_filename (dir, "page", NULL);
      g_autofree char *png_path = g_build_filename (dir, "page.png", NULL);
      g_autofree char *head = NULL;
      const char *argv[] = { pdftoppm, "-r", "72", "-png", "-singlefile", pdf, stem, NULL };
      cairo_surface_t *png;
      int wait_status;
      guint ink;

      if (kind == MT_PLOT_CHART_TIMELINE)
        mt_plot_chart_set_trace (chart, lab, mt_lab_lookup_trace (lab, "o1"), NULL);
      else
        mt_plot_chart_set_metrics (chart, metrics);

      g_assert_true (mt_plot_chart_export (chart, pdf, MT_PLOT_FORMAT_PDF, 400, 250, 72,
                                           MT_PLOT_THEME_PRINT, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (pdf, &head, NULL, &error));
      g_assert_true (g_str_has_prefix (head, "%PDF-"));

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                                   NULL, NULL, NULL, NULL, &wait_status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (wait_status, NULL));

      png = cairo_image_surface_create_from_png (png_path);
      g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
      g_assert_cmpint (cairo_image_surface_get_width (png), ==, 400);
      ink = count_ink (png, 0, 0, 400, 250);
      /* Axes, labels, lines: well over a percent of the page. */
      g_assert_cmpuint (ink, >, 400 * 250 / 100);
      cairo_surface_destroy (png);
      g_unlink (png_path);
      g_unlink (pdf);
    }

  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/names", test_names);
  g_test_add_func ("/plot/accuracy/metrics", test_accuracy_matches_metrics);
  g_test_add_func ("/plot/accuracy/pixels", test_accuracy_pixels);
  g_test_add_func ("/plot/legend-outside", test_legend_outside);
  g_test_add_func ("/plot/no-data", test_no_data);
  g_test_add_func ("/plot/dataset-filter", test_dataset_filter);
  g_test_add_func ("/plot/length", test_length_charts);
  g_test_add_func ("/plot/leakage", test_leakage);
  g_test_add_func ("/plot/failure-rates", test_failure_rates);
  g_test_add_func ("/plot/marker-density", test_marker_density);
  g_test_add_func ("/plot/timeline", test_timeline);
  g_test_add_func ("/plot/timeline-cycle", test_timeline_cycle);
  g_test_add_func ("/plot/colors", test_colors);
  g_test_add_func ("/plot/export/png-size", test_export_png_size);
  g_test_add_func ("/plot/export/svg", test_export_svg);
  g_test_add_func ("/plot/export/pdf", test_export_pdf);

  return g_test_run ();
}
