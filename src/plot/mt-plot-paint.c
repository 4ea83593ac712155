/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "mt-plot-axis.h"
#include "mt-plot-private.h"

/* Painting only maps the aggregated data to the page: no loops over
 * branches, so a frame costs the same for ten branches or a million. */

typedef struct
{
  double r, g, b, a;
} Rgb;

typedef struct
{
  Rgb     background;
  Rgb     ink;         /* text and axes */
  Rgb     muted;       /* references, the oracle, prompt segments */
  Rgb     grid;
  double  line_width;  /* of data lines, in font sizes */
  double  band_alpha;
} Theme;

/* Okabe & Ito (2008), ordered so that neighbours differ most in lightness
 * too; yellow last, as it fades on white. */
static const Rgb okabe_ito[] = {
  { 0.000, 0.447, 0.698, 1 },  /* blue */
  { 0.835, 0.369, 0.000, 1 },  /* vermillion */
  { 0.000, 0.620, 0.451, 1 },  /* bluish green */
  { 0.800, 0.475, 0.655, 1 },  /* reddish purple */
  { 0.902, 0.624, 0.000, 1 },  /* orange */
  { 0.337, 0.706, 0.914, 1 },  /* sky blue */
  { 0.941, 0.894, 0.259, 1 },  /* yellow */
};

/* Dashes in line widths; solid first. */
static const double dash_patterns[][4] = {
  { 0, 0, 0, 0 },
  { 5, 2.5, 0, 0 },
  { 1, 2, 0, 0 },
  { 6, 2, 1, 2 },
  { 10, 3, 0, 0 },
  { 3, 1.5, 1, 1.5 },
  { 2, 4, 0, 0 },
};

typedef enum
{
  SHAPE_CIRCLE,
  SHAPE_SQUARE,
  SHAPE_TRIANGLE,
  SHAPE_DIAMOND,
  SHAPE_TRIANGLE_DOWN,
  SHAPE_CROSS,
  SHAPE_PLUS,
  N_SHAPES,
} Shape;

void
mt_plot_series_color (MtPlotTheme  theme,
                      guint        index,
                      double      *red,
                      double      *green,
                      double      *blue)
{
  const Rgb *color = &okabe_ito[index % G_N_ELEMENTS (okabe_ito)];

  *red = color->r;
  *green = color->g;
  *blue = color->b;
}

guint
mt_plot_get_n_series_colors (void)
{
  return G_N_ELEMENTS (okabe_ito);
}

static void
theme_init (Theme       *theme,
            MtPlotTheme  which)
{
  switch (which)
    {
    case MT_PLOT_THEME_DARK:
      *theme = (Theme) { { 0.141, 0.141, 0.141, 1 }, { 0.92, 0.92, 0.92, 1 },
                         { 0.62, 0.62, 0.62, 1 }, { 0.26, 0.26, 0.26, 1 }, 0.17, 0.28 };
      break;
    case MT_PLOT_THEME_PRINT:
      *theme = (Theme) { { 1, 1, 1, 1 }, { 0, 0, 0, 1 }, { 0.35, 0.35, 0.35, 1 },
                         { 0.85, 0.85, 0.85, 1 }, 0.2, 0.2 };
      break;
    default:
      *theme = (Theme) { { 1, 1, 1, 1 }, { 0.14, 0.14, 0.16, 1 }, { 0.45, 0.45, 0.47, 1 },
                         { 0.9, 0.9, 0.91, 1 }, 0.17, 0.18 };
      break;
    }
}

static void
rgb_from (Rgb          *rgb,
          const double  rgba[4])
{
  *rgb = (Rgb) { rgba[0], rgba[1], rgba[2], rgba[3] };
}

static void
rgb_to (const Rgb *rgb,
        double     rgba[4])
{
  rgba[0] = rgb->r;
  rgba[1] = rgb->g;
  rgba[2] = rgb->b;
  rgba[3] = rgb->a;
}

void
mt_plot_theme_get_colors (MtPlotTheme   which,
                          MtPlotColors *colors)
{
  Theme theme;

  g_return_if_fail (colors != NULL);

  theme_init (&theme, which);
  rgb_to (&theme.background, colors->background);
  rgb_to (&theme.ink, colors->ink);
  rgb_to (&theme.muted, colors->muted);
  rgb_to (&theme.grid, colors->grid);
}

typedef struct
{
  MtPlotChart  *chart;
  cairo_t      *cr;
  PangoLayout  *layout;
  Theme         theme;
  MtPlotTheme   which;
  double        font_size;
  double        width;
  double        height;
  PangoFontDescription *font;
  double        font_scale;  /* what the layout has now */
  gboolean      font_bold;
} Painter;

static void
set_source (cairo_t   *cr,
            const Rgb *color,
            double     alpha)
{
  cairo_set_source_rgba (cr, color->r, color->g, color->b, alpha * color->a);
}

static const Rgb *
series_rgb (Painter            *p,
            const MtPlotSeries *series)
{
  if (series->muted)
    return &p->theme.muted;
  return &okabe_ito[series->style % G_N_ELEMENTS (okabe_ito)];
}

/* @scale times the base font size; @bold for titles. */
static void
set_text (Painter    *p,
          const char *text,
          double      scale,
          gboolean    bold,
          double      max_width)
{
  /* Absolute size in user units: the same figure on a 96 dpi widget, a
   * 300 dpi PNG and a PDF. Set only on change: a new font description
   * makes pango look the font up again. */
  if (scale != p->font_scale || bold != p->font_bold)
    {
      pango_font_description_set_absolute_size (p->font, p->font_size * scale * PANGO_SCALE);
      pango_font_description_set_weight (p->font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
      pango_layout_set_font_description (p->layout, p->font);
      p->font_scale = scale;
      p->font_bold = bold;
    }
  pango_layout_set_width (p->layout, max_width > 0 ? (int) (max_width * PANGO_SCALE) : -1);
  pango_layout_set_ellipsize (p->layout,
                              max_width > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
  pango_layout_set_text (p->layout, text, -1);
}

static void
text_size (Painter    *p,
           const char *text,
           double      scale,
           gboolean    bold,
           double     *width,
           double     *height)
{
  PangoRectangle logical;

  set_text (p, text, scale, bold, -1);
  pango_layout_get_extents (p->layout, NULL, &logical);
  *width = (double) logical.width / PANGO_SCALE;
  *height = (double) logical.height / PANGO_SCALE;
}

/* Draws @text with its box aligned at (@x, @y): @xalign and @yalign are 0
 * for left/top, 0.5 centre, 1 right/bottom. */
static void
draw_text (Painter    *p,
           const char *text,
           double      x,
           double      y,
           double      xalign,
           double      yalign,
           double      scale,
           gboolean    bold,
           const Rgb  *color,
           double      max_width)
{
  PangoRectangle logical;

  set_text (p, text, scale, bold, max_width);
  pango_layout_get_extents (p->layout, NULL, &logical);
  set_source (p->cr, color, 1);
  cairo_move_to (p->cr, x - xalign * logical.width / PANGO_SCALE,
                 y - yalign * logical.height / PANGO_SCALE);
  pango_cairo_show_layout (p->cr, p->layout);
  cairo_new_path (p->cr);
}

static void
shape_path (cairo_t *cr,
            Shape    shape,
            double   x,
            double   y,
            double   r)
{
  switch (shape)
    {
    case SHAPE_SQUARE:
      cairo_rectangle (cr, x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      break;
    case SHAPE_TRIANGLE:
      cairo_move_to (cr, x, y - r * 1.15);
      cairo_line_to (cr, x + r, y + r * 0.7);
      cairo_line_to (cr, x - r, y + r * 0.7);
      cairo_close_path (cr);
      break;
    case SHAPE_TRIANGLE_DOWN:
      cairo_move_to (cr, x, y + r * 1.15);
      cairo_line_to (cr, x + r, y - r * 0.7);
      cairo_line_to (cr, x - r, y - r * 0.7);
      cairo_close_path (cr);
      break;
    case SHAPE_DIAMOND:
      cairo_move_to (cr, x, y - r * 1.2);
      cairo_line_to (cr, x + r, y);
      cairo_line_to (cr, x, y + r * 1.2);
      cairo_line_to (cr, x - r, y);
      cairo_close_path (cr);
      break;
    case SHAPE_CROSS:
      {
        double a = r * 0.45;

        cairo_move_to (cr, x - r, y - r + a);
        cairo_line_to (cr, x - r + a, y - r);
        cairo_line_to (cr, x, y - a);
        cairo_line_to (cr, x + r - a, y - r);
        cairo_line_to (cr, x + r, y - r + a);
        cairo_line_to (cr, x + a, y);
        cairo_line_to (cr, x + r, y + r - a);
        cairo_line_to (cr, x + r - a, y + r);
        cairo_line_to (cr, x, y + a);
        cairo_line_to (cr, x - r + a, y + r);
        cairo_line_to (cr, x - r, y + r - a);
        cairo_line_to (cr, x - a, y);
        cairo_close_path (cr);
      }
      break;
    case SHAPE_PLUS:
      {
        double a = r * 0.33;

        cairo_rectangle (cr, x - r, y - a, 2 * r, 2 * a);
        cairo_rectangle (cr, x - a, y - r, 2 * a, r - a);
        cairo_rectangle (cr, x - a, y + a, 2 * a, r - a);
      }
      break;
    case SHAPE_CIRCLE:
    default:
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      break;
    }
}

static Shape
marker_shape (MtMarkerShape shape)
{
  switch (shape)
    {
    case MT_MARKER_SHAPE_TRIANGLE: return SHAPE_TRIANGLE;
    case MT_MARKER_SHAPE_SQUARE: return SHAPE_SQUARE;
    case MT_MARKER_SHAPE_DIAMOND: return SHAPE_DIAMOND;
    case MT_MARKER_SHAPE_CIRCLE:
    default: return SHAPE_CIRCLE;
    }
}

static void
draw_marker (Painter   *p,
             Shape      shape,
             double     x,
             double     y,
             double     r,
             const Rgb *color)
{
  shape_path (p->cr, shape, x, y, r);
  set_source (p->cr, color, 1);
  cairo_fill_preserve (p->cr);
  /* An outline in the background colour keeps overlapping markers apart. */
  set_source (p->cr, &p->theme.background, 1);
  cairo_set_line_width (p->cr, r * 0.3);
  cairo_set_dash (p->cr, NULL, 0, 0);
  cairo_stroke (p->cr);
}

static void
set_dash (Painter *p,
          guint    style,
          double   line_width)
{
  const double *pattern = dash_patterns[style % G_N_ELEMENTS (dash_patterns)];
  double dashes[4];
  int n = 0;

  for (int i = 0; i < 4 && pattern[i] > 0; i++)
    dashes[n++] = pattern[i] * line_width;
  cairo_set_dash (p->cr, dashes, n, 0);
}

/* Diagonal, crossed or level lines over a bar segment, so the segments do
 * not rely on colour alone. */
static void
hatch (Painter                 *p,
       guint                    pattern,
       const cairo_rectangle_t *r)
{
  double gap = p->font_size * 0.45;

  if (pattern >= 3 || r->width <= 0 || r->height <= 0)
    return;

  cairo_save (p->cr);
  cairo_rectangle (p->cr, r->x, r->y, r->width, r->height);
  cairo_clip (p->cr);
  cairo_set_source_rgba (p->cr, 1, 1, 1, 0.55);
  cairo_set_line_width (p->cr, p->font_size * 0.09);
  cairo_set_dash (p->cr, NULL, 0, 0);
  for (double d = -r->height; d < r->width + r->height; d += gap)
    {
      if (pattern == 0 || pattern == 1)
        {
          double sign = pattern == 0 ? 1 : -1;
          double x0 = pattern == 0 ? r->x + d : r->x + r->width - d;

          cairo_move_to (p->cr, x0, r->y + r->height);
          cairo_line_to (p->cr, x0 + sign * r->height, r->y);
        }
      else if (d >= 0 && d < r->height)
        {
          cairo_move_to (p->cr, r->x, r->y + d);
          cairo_line_to (p->cr, r->x + r->width, r->y + d);
        }
    }
  cairo_stroke (p->cr);
  cairo_restore (p->cr);
}

/* Legend entries. */
typedef enum
{
  ENTRY_SERIES,      /* line, dash and shape of a series */
  ENTRY_REFERENCE,   /* a muted long-dashed line */
  ENTRY_BAND,        /* the shaded interval */
  ENTRY_FILL,        /* a bar segment or timeline segment */
  ENTRY_TICK,        /* a marker shape */
} EntryType;

typedef struct
{
  EntryType   type;
  const char *label;
  guint       style;
  Rgb         color;
  Shape       shape;
  guint       pattern;
} Entry;

static void
add_entry (GArray      *entries,
           EntryType    type,
           const char  *label,
           guint        style,
           const Rgb   *color,
           Shape        shape,
           guint        pattern)
{
  Entry entry = { type, label, style, *color, shape, pattern };

  g_array_append_val (entries, entry);
}

static const Rgb *
failure_rgb (Painter *p,
             guint    failure)
{
  return failure == MT_PLOT_FAILURE_OTHER ? &p->theme.muted : &okabe_ito[failure];
}

static const Rgb *
segment_rgb (Painter *p,
             guint    segment)
{
  switch (segment)
    {
    case MT_PLOT_SEGMENT_PROMPT: return &p->theme.muted;
    case MT_PLOT_SEGMENT_REASONING: return &okabe_ito[0];
    case MT_PLOT_SEGMENT_INTERRUPT: return &okabe_ito[1];
    default: return &okabe_ito[2];
    }
}

static GArray *
legend_entries (Painter *p)
{
  MtPlotChart *chart = p->chart;
  GArray *entries = g_array_new (FALSE, FALSE, sizeof (Entry));

  switch (chart->kind)
    {
    case MT_PLOT_CHART_FAILURE_RATES:
      /* Top down, as the segments stack. */
      for (int f = MT_PLOT_N_FAILURES - 1; f >= 0; f--)
        add_entry (entries, ENTRY_FILL, _mt_plot_failure_label (f), 0, failure_rgb (p, f), 0, f);
      break;
    case MT_PLOT_CHART_TIMELINE:
      for (guint s = 0; s < MT_PLOT_N_SEGMENTS; s++)
        add_entry (entries, ENTRY_FILL, _mt_plot_segment_label (s), 0, segment_rgb (p, s), 0,
                   s == MT_PLOT_SEGMENT_INTERRUPT ? 0 : 3);
      for (guint c = 0; c < chart->tick_labels->len; c++)
        add_entry (entries, ENTRY_TICK, g_ptr_array_index (chart->tick_labels, c), 0,
                   &okabe_ito[(3 + c) % G_N_ELEMENTS (okabe_ito)],
                   marker_shape (g_array_index (chart->tick_shapes, MtMarkerShape, c)), 0);
      break;
    default:
      for (guint s = 0; s < chart->series->len; s++)
        {
          const MtPlotSeries *series = g_ptr_array_index (chart->series, s);

          add_entry (entries, ENTRY_SERIES, series->label, series->style, series_rgb (p, series),
                     series->style % N_SHAPES, 0);
        }
      for (guint r = 0; r < chart->references->len; r++)
        add_entry (entries, ENTRY_REFERENCE,
                   g_array_index (chart->references, MtPlotReference, r).label, 0,
                   &p->theme.muted, 0, 0);
      if (chart->bands)
        add_entry (entries, ENTRY_BAND, _("95% bootstrap band"), 0, &p->theme.muted,
                   0, 0);
      break;
    }
  return entries;
}

static void
draw_swatch (Painter     *p,
             const Entry *entry,
             double       x,
             double       y,
             double       w)
{
  cairo_t *cr = p->cr;
  double lw = p->font_size * p->theme.line_width;
  cairo_rectangle_t box = { x, y - p->font_size * 0.4, w, p->font_size * 0.8 };

  switch (entry->type)
    {
    case ENTRY_SERIES:
    case ENTRY_REFERENCE:
      set_source (cr, &entry->color, 1);
      cairo_set_line_width (cr, lw);
      set_dash (p, entry->type == ENTRY_REFERENCE ? 4 : entry->style, lw);
      cairo_move_to (cr, x, y);
      cairo_line_to (cr, x + w, y);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      if (entry->type == ENTRY_SERIES)
        draw_marker (p, entry->shape, x + w / 2, y, p->font_size * 0.35, &entry->color);
      break;
    case ENTRY_BAND:
      set_source (cr, &entry->color, p->theme.band_alpha * 1.5);
      cairo_rectangle (cr, box.x, box.y, box.width, box.height);
      cairo_fill (cr);
      break;
    case ENTRY_FILL:
      set_source (cr, &entry->color, 1);
      cairo_rectangle (cr, box.x, box.y, box.width, box.height);
      cairo_fill (cr);
      hatch (p, entry->pattern, &box);
      break;
    case ENTRY_TICK:
    default:
      draw_marker (p, entry->shape, x + w / 2, y, p->font_size * 0.38, &entry->color);
      break;
    }
}

typedef struct
{
  double  swatch;
  double  row;
  double  inset;
  double  label_width;   /* widest label */
  guint   columns;
  guint   rows;
} LegendMetrics;

/* Decides where the legend goes: a column right of the plot when that
 * leaves the plot about half the width, else rows below it. Either way it
 * is outside the plot area, so it never covers data. */
static void
place_legend (Painter           *p,
              GArray            *entries,
              double             top,
              double             bottom,
              cairo_rectangle_t *legend,
              LegendMetrics     *m)
{
  double fs = p->font_size;
  double item_width;
  double available;

  memset (legend, 0, sizeof *legend);
  memset (m, 0, sizeof *m);
  if (entries->len == 0)
    return;

  m->swatch = fs * 2.4;
  m->row = fs * 1.45;
  m->inset = fs * 0.5;
  for (guint i = 0; i < entries->len; i++)
    {
      double w, h;

      text_size (p, g_array_index (entries, Entry, i).label, 0.9, FALSE, &w, &h);
      m->label_width = MAX (m->label_width, w);
    }
  /* Long series names are cut, not allowed to squeeze the plot away. */
  m->label_width = MIN (m->label_width, p->width * 0.3);
  item_width = m->swatch + fs * 0.5 + m->label_width + fs;

  /* Beside the plot when what is left (less about six font sizes of axis
   * labels) is still close to half the width. */
  if (p->width - (item_width + 2 * m->inset) - fs * 8 >= p->width * 0.45 &&
      entries->len * m->row + 2 * m->inset <= bottom - top)
    {
      m->columns = 1;
      m->rows = entries->len;
      legend->width = item_width + 2 * m->inset;
      legend->height = m->rows * m->row + 2 * m->inset;
      legend->x = p->width - fs - legend->width;
      legend->y = top;
      return;
    }

  available = p->width - 2 * fs - 2 * m->inset;
  m->columns = CLAMP ((guint) (available / item_width), 1, entries->len);
  m->label_width = MIN (m->label_width, available / m->columns - m->swatch - fs * 1.5);
  m->rows = (entries->len + m->columns - 1) / m->columns;
  legend->width = p->width - 2 * fs;
  legend->height = m->rows * m->row + 2 * m->inset;
  legend->x = fs;
  legend->y = bottom - legend->height;
}

static void
draw_legend (Painter                 *p,
             GArray                  *entries,
             const cairo_rectangle_t *legend,
             const LegendMetrics     *m)
{
  double column_width;

  if (entries->len == 0 || m->columns == 0)
    return;

  column_width = (legend->width - 2 * m->inset) / m->columns;
  set_source (p->cr, &p->theme.grid, 1);
  cairo_set_line_width (p->cr, p->font_size * 0.06);
  cairo_set_dash (p->cr, NULL, 0, 0);
  cairo_rectangle (p->cr, legend->x, legend->y, legend->width, legend->height);
  cairo_stroke (p->cr);

  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *entry = &g_array_index (entries, Entry, i);
      guint column = i % m->columns;
      guint row = i / m->columns;
      double x = legend->x + m->inset + column * column_width;
      double y = legend->y + m->inset + (row + 0.5) * m->row;

      draw_swatch (p, entry, x, y, m->swatch);
      draw_text (p, entry->label, x + m->swatch + p->font_size * 0.5, y, 0, 0.5, 0.9, FALSE,
                 &p->theme.ink, m->label_width);
    }
}

static void
draw_empty (Painter    *p,
            const char *reason,
            double      top)
{
  double y = top + (p->height - top) / 2;

  draw_text (p, _("No data to plot"), p->width / 2, y, 0.5, 1, 1.3, TRUE, &p->theme.muted,
             p->width - 2 * p->font_size);
  draw_text (p, reason, p->width / 2, y + p->font_size * 0.4, 0.5, 0, 1, FALSE, &p->theme.muted,
             p->width - 2 * p->font_size);
}

/* Tick positions for the log axis (in log10 units): decades, with 2 and 5
 * between them when the axis spans few decades. */
static GArray *
log_ticks (double lo,
           double hi)
{
  GArray *ticks = g_array_new (FALSE, FALSE, sizeof (double));
  static const double steps[] = { 1, 2, 5 };
  gboolean fine = hi - lo < 2.5;

  for (int decade = (int) floor (lo); decade <= (int) ceil (hi); decade++)
    for (guint s = 0; s < (fine ? 3 : 1); s++)
      {
        double v = decade + log10 (steps[s]);

        if (v >= lo - 1e-9 && v <= hi + 1e-9)
          g_array_append_val (ticks, v);
      }
  return ticks;
}

static char *
log_label (double v)
{
  double value = pow (10, v);
  double rounded = value >= 1 ? round (value) : value;
  g_autofree char *number = mt_plot_format_tick (rounded, rounded >= 1 ? 1 : rounded);

  return g_strconcat (number, "×", NULL);
}

static void
linear_ticks (double       lo,
              double       hi,
              double       room,
              double       spacing,
              MtPlotTicks *ticks)
{
  guint target = (guint) CLAMP (room / spacing, 2, 12);

  mt_plot_ticks_compute (lo, hi, target, ticks);
}

static char *
tick_label (MtPlotChart *self,
            double       value,
            double       step,
            gboolean     y_axis)
{
  g_autofree char *label = mt_plot_format_tick (value, step);

  if (y_axis && self->kind == MT_PLOT_CHART_ACCURACY)
    {
      g_autofree char *percent = mt_plot_format_tick (value * 100, step * 100);

      return g_strconcat (percent, "%", NULL);
    }
  if (y_axis && self->y_percent)
    return g_strconcat (label, "%", NULL);
  return g_steal_pointer (&label);
}

static double
to_x (const MtPlotGeometry *g,
      double                x)
{
  return g->layout.plot.x + (x - g->x_min) / (g->x_max - g->x_min) * g->layout.plot.width;
}

static double
to_y (const MtPlotGeometry *g,
      double                y)
{
  return g->layout.plot.y + g->layout.plot.height -
         (y - g->y_min) / (g->y_max - g->y_min) * g->layout.plot.height;
}

static void
draw_series (Painter              *p,
             const MtPlotGeometry *g)
{
  MtPlotChart *chart = p->chart;
  cairo_t *cr = p->cr;
  double lw = p->font_size * p->theme.line_width;

  /* Bands first, under every line. */
  for (guint s = 0; s < chart->series->len; s++)
    {
      const MtPlotSeries *series = g_ptr_array_index (chart->series, s);
      const Rgb *color = series_rgb (p, series);
      gboolean open = FALSE;

      /* Whiskers too, so a lone point still shows its interval. */
      for (guint i = 0; i < series->points->len; i++)
        {
          const MtPlotPoint *point = &g_array_index (series->points, MtPlotPoint, i);

          if (isnan (point->low) || isnan (point->high))
            continue;
          cairo_move_to (cr, to_x (g, point->x), to_y (g, point->low));
          cairo_line_to (cr, to_x (g, point->x), to_y (g, point->high));
        }
      set_source (cr, color, 0.8);
      cairo_set_line_width (cr, lw * 0.6);
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_stroke (cr);

      for (guint i = 0; i < series->points->len; i++)
        {
          const MtPlotPoint *point = &g_array_index (series->points, MtPlotPoint, i);

          if (isnan (point->low) || isnan (point->high))
            continue;
          if (!open)
            cairo_move_to (cr, to_x (g, point->x), to_y (g, point->high));
          else
            cairo_line_to (cr, to_x (g, point->x), to_y (g, point->high));
          open = TRUE;
        }
      for (int i = (int) series->points->len - 1; open && i >= 0; i--)
        {
          const MtPlotPoint *point = &g_array_index (series->points, MtPlotPoint, i);

          if (!isnan (point->low) && !isnan (point->high))
            cairo_line_to (cr, to_x (g, point->x), to_y (g, point->low));
        }
      if (open)
        {
          cairo_close_path (cr);
          set_source (cr, color, p->theme.band_alpha);
          cairo_fill (cr);
        }
    }

  for (guint r = 0; r < chart->references->len; r++)
    {
      const MtPlotReference *reference = &g_array_index (chart->references, MtPlotReference, r);

      set_source (cr, &p->theme.muted, 1);
      cairo_set_line_width (cr, lw);
      set_dash (p, 4, lw);
      if (reference->vertical)
        {
          cairo_move_to (cr, to_x (g, reference->value), g->layout.plot.y);
          cairo_line_to (cr, to_x (g, reference->value), g->layout.plot.y + g->layout.plot.height);
        }
      else
        {
          cairo_move_to (cr, g->layout.plot.x, to_y (g, reference->value));
          cairo_line_to (cr, g->layout.plot.x + g->layout.plot.width, to_y (g, reference->value));
        }
      cairo_stroke (cr);
    }

  for (guint s = 0; s < chart->series->len; s++)
    {
      const MtPlotSeries *series = g_ptr_array_index (chart->series, s);
      const Rgb *color = series_rgb (p, series);

      set_source (cr, color, 1);
      cairo_set_line_width (cr, lw);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      set_dash (p, series->style, lw);
      for (guint i = 0; i < series->points->len; i++)
        {
          const MtPlotPoint *point = &g_array_index (series->points, MtPlotPoint, i);

          if (i == 0)
            cairo_move_to (cr, to_x (g, point->x), to_y (g, point->y));
          else
            cairo_line_to (cr, to_x (g, point->x), to_y (g, point->y));
        }
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);

      for (guint i = 0; i < series->points->len; i++)
        {
          const MtPlotPoint *point = &g_array_index (series->points, MtPlotPoint, i);

          /* Empty histogram bins keep the line but get no marker. */
          if (chart->kind == MT_PLOT_CHART_LEAKAGE && point->n == 0)
            continue;
          draw_marker (p, series->style % N_SHAPES, to_x (g, point->x), to_y (g, point->y),
                       g->point_radius, color);
        }
    }
}

static void
draw_bars (Painter        *p,
           MtPlotGeometry *g)
{
  MtPlotChart *chart = p->chart;
  const cairo_rectangle_t *plot = &g->layout.plot;
  double slot = plot->width / MAX (chart->bars->len, 1);
  double bar_width = slot * 0.62;

  g_array_set_size (g->bar_rects, 0);
  for (guint i = 0; i < chart->bars->len; i++)
    {
      const MtPlotBar *bar = &g_array_index (chart->bars, MtPlotBar, i);
      double x = plot->x + slot * i + (slot - bar_width) / 2;
      double base = plot->y + plot->height;

      for (guint f = 0; f < MT_PLOT_N_FAILURES; f++)
        {
          double share = bar->errors > 0 ? (double) bar->counts[f] / bar->errors : 0;
          cairo_rectangle_t r = { x, base - share * plot->height, bar_width, share * plot->height };

          g_array_append_val (g->bar_rects, r);
          if (r.height <= 0)
            continue;
          set_source (p->cr, failure_rgb (p, f), 1);
          cairo_rectangle (p->cr, r.x, r.y, r.width, r.height);
          cairo_fill (p->cr);
          hatch (p, f, &r);
          if (r.height > p->font_size * 1.2)
            {
              g_autofree char *share_text = g_strdup_printf ("%.0f%%", share * 100);
              double tw, th;

              text_size (p, share_text, 0.8, TRUE, &tw, &th);
              set_source (p->cr, &p->theme.background, 0.85);
              cairo_rectangle (p->cr, r.x + r.width / 2 - tw / 2 - 1, r.y + r.height / 2 - th / 2,
                               tw + 2, th);
              cairo_fill (p->cr);
              draw_text (p, share_text, r.x + r.width / 2, r.y + r.height / 2, 0.5, 0.5, 0.8,
                         TRUE, &p->theme.ink, -1);
            }
          base = r.y;
        }
    }
}

/* Outside the clip of the plot: counts above the bars, names below. */
static void
draw_bar_labels (Painter        *p,
                 MtPlotGeometry *g)
{
  MtPlotChart *chart = p->chart;
  const cairo_rectangle_t *plot = &g->layout.plot;
  double slot = plot->width / MAX (chart->bars->len, 1);

  for (guint i = 0; i < chart->bars->len; i++)
    {
      const MtPlotBar *bar = &g_array_index (chart->bars, MtPlotBar, i);
      double centre = plot->x + slot * (i + 0.5);
      g_autofree char *count = g_strdup_printf (_("%u of %u wrong"), bar->errors, bar->n);

      draw_text (p, count, centre, plot->y + (bar->errors > 0 ? 0 : plot->height)
                 - p->font_size * 0.2, 0.5, 1, 0.75, FALSE, &p->theme.muted, slot);
      draw_text (p, bar->label, centre, plot->y + plot->height + p->font_size * 0.4, 0.5, 0, 0.9,
                 FALSE, &p->theme.ink, slot - p->font_size * 0.3);
    }
}

static void
draw_timeline (Painter        *p,
               MtPlotGeometry *g)
{
  MtPlotChart *chart = p->chart;
  cairo_t *cr = p->cr;
  double fs = p->font_size;

  for (guint i = 0; i < chart->lanes->len; i++)
    {
      const MtPlotLane *lane = &g_array_index (chart->lanes, MtPlotLane, i);
      double top = g->lane_top + i * g->lane_step;

      /* The fork: down from the parent's bar at the interrupt. */
      if (lane->parent >= 0)
        {
          double parent_bottom = g->lane_top + lane->parent * g->lane_step + g->lane_height;
          double x = to_x (g, lane->fork);

          set_source (cr, &p->theme.muted, 1);
          cairo_set_line_width (cr, fs * 0.12);
          cairo_set_dash (cr, NULL, 0, 0);
          cairo_move_to (cr, x, parent_bottom);
          cairo_line_to (cr, x, top);
          cairo_stroke (cr);
          draw_marker (p, SHAPE_CIRCLE, x, parent_bottom, fs * 0.22, &p->theme.ink);
        }

      for (guint s = 0; s < MT_PLOT_N_SEGMENTS; s++)
        {
          cairo_rectangle_t r;

          if (lane->end[s] <= lane->start[s])
            continue;
          r.x = to_x (g, lane->start[s]);
          r.width = MAX (to_x (g, lane->end[s]) - r.x, 1);
          r.y = top;
          r.height = g->lane_height;
          set_source (cr, segment_rgb (p, s), 1);
          cairo_rectangle (cr, r.x, r.y, r.width, r.height);
          cairo_fill (cr);
          hatch (p, s == MT_PLOT_SEGMENT_INTERRUPT ? 0 : 3, &r);
        }

      for (guint t = 0; t < lane->ticks->len; t++)
        {
          const MtPlotTick *tick = &g_array_index (lane->ticks, MtPlotTick, t);
          MtMarkerShape shape = tick->category < chart->tick_shapes->len
                                ? g_array_index (chart->tick_shapes, MtMarkerShape, tick->category)
                                : MT_MARKER_SHAPE_CIRCLE;

          draw_marker (p, marker_shape (shape), to_x (g, tick->x), top - fs * 0.45, fs * 0.3,
                       &okabe_ito[(3 + tick->category) % G_N_ELEMENTS (okabe_ito)]);
        }
    }
}

static void
draw_lane_labels (Painter        *p,
                  MtPlotGeometry *g)
{
  double fs = p->font_size;
  /* Lanes closer than a line of text get every n-th label only. */
  guint every = (guint) MAX (1, ceil (fs * 1.05 / MAX (g->lane_step, 0.01)));

  for (guint i = 0; i < p->chart->lanes->len; i += every)
    {
      const MtPlotLane *lane = &g_array_index (p->chart->lanes, MtPlotLane, i);
      double top = g->lane_top + i * g->lane_step;

      draw_text (p, lane->label, g->layout.plot.x - fs * 0.5, top + g->lane_height / 2, 1, 0.5,
                 0.85, lane->parent < 0, &p->theme.ink, g->layout.plot.x - 1.5 * fs);
    }
}

void
_mt_plot_chart_paint (MtPlotChart        *self,
                      cairo_t            *cr,
                      double              width,
                      double              height,
                      MtPlotTheme         which,
                      const MtPlotColors *colors)
{
  MtPlotGeometry *g = &self->geometry;
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GArray) x_log_ticks = NULL;
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string ("Sans");
  Painter p = { self, cr, layout, { { 0 } }, which, 0, width, height, font, -1, FALSE };
  cairo_font_options_t *options = cairo_font_options_create ();
  cairo_rectangle_t legend;
  LegendMetrics lm;
  MtPlotTicks x_ticks = { 0 };
  MtPlotTicks y_ticks = { 0 };
  double fs, title_w, title_h, top, bottom, left, right, w, h;
  double y_label_w = 0;
  double x_label_h = 0;
  gboolean timeline = self->kind == MT_PLOT_CHART_TIMELINE;
  gboolean bars = self->kind == MT_PLOT_CHART_FAILURE_RATES;

  theme_init (&p.theme, which);
  if (colors != NULL)
    {
      rgb_from (&p.theme.background, colors->background);
      rgb_from (&p.theme.ink, colors->ink);
      rgb_from (&p.theme.muted, colors->muted);
      rgb_from (&p.theme.grid, colors->grid);
    }
  /* Unhinted metrics: the layout must not change with the device scale. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (pango_layout_get_context (layout), options);
  cairo_font_options_destroy (options);
  pango_layout_context_changed (layout);

  fs = p.font_size = CLAMP (MIN (width, height) / 28, 6, 12);
  g->valid = FALSE;

  set_source (cr, &p.theme.background, 1);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);

  text_size (&p, self->title, 1.15, TRUE, &title_w, &title_h);
  draw_text (&p, self->title, fs, fs * 0.6, 0, 0, 1.15, TRUE, &p.theme.ink, width - 2 * fs);
  top = fs * 0.6 + title_h + fs * 0.6;

  if (self->empty_reason != NULL)
    {
      draw_empty (&p, self->empty_reason, top);
      return;
    }

  /* Bars carry their counts above them. */
  if (bars)
    top += fs;

  entries = legend_entries (&p);
  bottom = height - fs * 0.6;
  place_legend (&p, entries, top, bottom, &legend, &lm);
  /* Without a legend beside it, the last tick label, centred on the right
   * edge, needs room of its own. */
  right = legend.width > 0 && legend.x > fs * 2 && legend.y == top ? legend.x - fs
                                                                   : width - fs * 2;
  if (legend.width > 0 && legend.y > top)
    bottom = legend.y - fs * 0.6;

  /* Room for the axis titles and tick labels. */
  if (self->x_title != NULL)
    {
      text_size (&p, self->x_title, 0.95, FALSE, &w, &h);
      bottom -= h + fs * 0.2;
    }
  text_size (&p, "0", 0.9, FALSE, &w, &x_label_h);
  bottom -= x_label_h + fs * 0.4;
  if (bars)
    bottom -= x_label_h;

  left = fs;
  if (self->y_title != NULL)
    {
      text_size (&p, self->y_title, 0.95, FALSE, &w, &h);
      left += h + fs * 0.3;
    }

  if (timeline)
    {
      for (guint i = 0; i < self->lanes->len; i++)
        {
          text_size (&p, g_array_index (self->lanes, MtPlotLane, i).label, 0.85, TRUE, &w, &h);
          y_label_w = MAX (y_label_w, w);
        }
      y_label_w = MIN (y_label_w, width * 0.28);
    }
  else
    {
      linear_ticks (self->y_lo, self->y_hi, bottom - top, fs * 2.5, &y_ticks);
      for (guint i = 0; i < y_ticks.n_ticks; i++)
        {
          g_autofree char *label = tick_label (self, y_ticks.first + i * y_ticks.step,
                                               y_ticks.step, TRUE);

          text_size (&p, label, 0.9, FALSE, &w, &h);
          y_label_w = MAX (y_label_w, w);
        }
    }
  left += y_label_w + fs * 0.5;

  /* Whole units: a clip on pixel edges is a cheap region clip for cairo,
   * a fractional one a mask that every drawing operation pays for. */
  left = ceil (left);
  top = ceil (top);
  right = floor (right);
  bottom = floor (bottom);
  g->layout.plot = (cairo_rectangle_t) { left, top, MAX (right - left, 1), MAX (bottom - top, 1) };
  g->layout.legend = legend;
  g->point_radius = fs * 0.38;

  if (timeline)
    {
      linear_ticks (0, self->x_hi, g->layout.plot.width, fs * 5, &x_ticks);
      g->x_min = 0;
      g->x_max = MAX (self->x_hi, x_ticks.first + (x_ticks.n_ticks - 1) * x_ticks.step);
      g->y_min = 0;
      g->y_max = 1;
      g->lane_step = MIN (fs * 2.8, g->layout.plot.height / self->lanes->len);
      g->lane_height = g->lane_step * 0.45;
      g->lane_top = g->layout.plot.y + g->lane_step * 0.5;
    }
  else if (self->x_log)
    {
      x_log_ticks = log_ticks (self->x_lo, self->x_hi);
      g->x_min = self->x_lo;
      g->x_max = self->x_hi;
    }
  else if (!bars)
    {
      linear_ticks (self->x_lo, self->x_hi, g->layout.plot.width, fs * 5, &x_ticks);
      g->x_min = x_ticks.first;
      g->x_max = x_ticks.first + (x_ticks.n_ticks - 1) * x_ticks.step;
    }
  if (!timeline)
    {
      g->y_min = y_ticks.first;
      g->y_max = y_ticks.first + (y_ticks.n_ticks - 1) * y_ticks.step;
    }
  if (!(g->x_max > g->x_min))
    g->x_max = g->x_min + 1;
  if (!(g->y_max > g->y_min))
    g->y_max = g->y_min + 1;

  /* Grid lines in one stroke, then the tick labels. */
  cairo_set_line_width (cr, fs * 0.06);
  cairo_set_dash (cr, NULL, 0, 0);
  set_source (cr, &p.theme.grid, 1);
  for (guint i = 0; !timeline && i < y_ticks.n_ticks; i++)
    {
      double y = round (to_y (g, y_ticks.first + i * y_ticks.step)) + 0.5;

      cairo_move_to (cr, g->layout.plot.x, y);
      cairo_line_to (cr, g->layout.plot.x + g->layout.plot.width, y);
    }
  for (guint i = 0; x_log_ticks != NULL && i < x_log_ticks->len; i++)
    {
      double x = round (to_x (g, g_array_index (x_log_ticks, double, i))) + 0.5;

      cairo_move_to (cr, x, g->layout.plot.y);
      cairo_line_to (cr, x, g->layout.plot.y + g->layout.plot.height);
    }
  for (guint i = 0; x_log_ticks == NULL && i < x_ticks.n_ticks; i++)
    {
      double x = round (to_x (g, x_ticks.first + i * x_ticks.step)) + 0.5;

      cairo_move_to (cr, x, g->layout.plot.y);
      cairo_line_to (cr, x, g->layout.plot.y + g->layout.plot.height);
    }
  cairo_stroke (cr);

  for (guint i = 0; !timeline && i < y_ticks.n_ticks; i++)
    {
      double v = y_ticks.first + i * y_ticks.step;
      g_autofree char *label = tick_label (self, v, y_ticks.step, TRUE);

      draw_text (&p, label, g->layout.plot.x - fs * 0.4, to_y (g, v), 1, 0.5, 0.9, FALSE,
                 &p.theme.ink, -1);
    }
  for (guint i = 0; x_log_ticks != NULL && i < x_log_ticks->len; i++)
    {
      double v = g_array_index (x_log_ticks, double, i);
      g_autofree char *label = log_label (v);

      draw_text (&p, label, to_x (g, v), g->layout.plot.y + g->layout.plot.height + fs * 0.3,
                 0.5, 0, 0.9, FALSE, &p.theme.ink, -1);
    }
  for (guint i = 0; x_log_ticks == NULL && i < x_ticks.n_ticks; i++)
    {
      double v = x_ticks.first + i * x_ticks.step;
      g_autofree char *label = tick_label (self, v, x_ticks.step, FALSE);

      draw_text (&p, label, to_x (g, v), g->layout.plot.y + g->layout.plot.height + fs * 0.3,
                 0.5, 0, 0.9, FALSE, &p.theme.ink, -1);
    }

  /* Axes: left and bottom. */
  set_source (cr, &p.theme.ink, 1);
  cairo_set_line_width (cr, fs * 0.08);
  if (!timeline)
    {
      cairo_move_to (cr, g->layout.plot.x, g->layout.plot.y);
      cairo_line_to (cr, g->layout.plot.x, g->layout.plot.y + g->layout.plot.height);
    }
  cairo_move_to (cr, g->layout.plot.x, g->layout.plot.y + g->layout.plot.height);
  cairo_line_to (cr, g->layout.plot.x + g->layout.plot.width,
                 g->layout.plot.y + g->layout.plot.height);
  cairo_stroke (cr);

  if (self->x_title != NULL)
    draw_text (&p, self->x_title, g->layout.plot.x + g->layout.plot.width / 2,
               g->layout.plot.y + g->layout.plot.height + fs * 0.5 + x_label_h, 0.5, 0, 0.95,
               FALSE, &p.theme.ink, g->layout.plot.width);
  if (self->y_title != NULL)
    {
      cairo_save (cr);
      cairo_translate (cr, fs, g->layout.plot.y + g->layout.plot.height / 2);
      cairo_rotate (cr, -G_PI / 2);
      pango_cairo_update_layout (cr, layout);
      draw_text (&p, self->y_title, 0, 0, 0.5, 0, 0.95, FALSE, &p.theme.ink,
                 g->layout.plot.height);
      cairo_restore (cr);
      pango_cairo_update_layout (cr, layout);
    }

  /* The data, clipped to the plot (with room for markers on its edges). */
  cairo_save (cr);
  {
    double margin = ceil (g->point_radius * 1.5);

    cairo_rectangle (cr, g->layout.plot.x - margin, g->layout.plot.y - margin,
                     g->layout.plot.width + 2 * margin, g->layout.plot.height + 2 * margin);
  }
  cairo_clip (cr);
  if (timeline)
    draw_timeline (&p, g);
  else if (bars)
    draw_bars (&p, g);
  else
    draw_series (&p, g);
  cairo_restore (cr);

  if (timeline)
    draw_lane_labels (&p, g);
  else if (bars)
    draw_bar_labels (&p, g);

  draw_legend (&p, entries, &legend, &lm);
  g->valid = TRUE;
}
