/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <cairo.h>

#include "mt-core.h"

G_BEGIN_DECLS

/* The charts of issue 6. Each one is built from data once per change
 * (aggregation), then painted as often as needed on any cairo_t: a widget's
 * snapshot, a PNG, an SVG or a PDF page share the same code.
 *
 * In a widget: keep one MtPlotChart per chart; on every new MtMetrics (a
 * finished analysis or a progress report of a running sweep) call
 * mt_plot_chart_set_metrics() (about 10 ms of CPU for 100,000 branches);
 * in the snapshot paint through gtk_snapshot_append_cairo() with
 * mt_plot_chart_paint_with_colors() and the style's colours; on motion ask
 * mt_plot_chart_hit_test() for the read-out and, on click, its branch_ids.
 * A chart is not thread-safe: use it from one thread. */
typedef enum
{
  MT_PLOT_CHART_ACCURACY,        /* A_i(X) per kind, oracle line, bootstrap 95% bands */
  MT_PLOT_CHART_LENGTH,          /* L_i(X), tokens or characters */
  MT_PLOT_CHART_LENGTH_RATIO,    /* L_i(X) / the oracle's remaining length */
  MT_PLOT_CHART_LEAKAGE,         /* answer / oracle answer after hard interrupts, log X */
  MT_PLOT_CHART_FAILURE_RATES,   /* panic, doubt, leakage as shares of the errors */
  MT_PLOT_CHART_MARKER_DENSITY,  /* markers along the normalized reasoning position */
  MT_PLOT_CHART_TIMELINE,        /* one trace and its branches over a token axis */
} MtPlotChartKind;

typedef enum
{
  MT_PLOT_THEME_LIGHT,
  MT_PLOT_THEME_DARK,
  MT_PLOT_THEME_PRINT,           /* white paper, black ink, thicker lines */
} MtPlotTheme;

typedef enum
{
  MT_PLOT_FORMAT_PNG,
  MT_PLOT_FORMAT_SVG,
  MT_PLOT_FORMAT_PDF,
} MtPlotFormat;

/* What the length chart counts. */
typedef enum
{
  MT_PLOT_UNIT_TOKENS,
  MT_PLOT_UNIT_CHARS,
} MtPlotUnit;

/* How the marker density chart splits its series. */
typedef enum
{
  MT_PLOT_DENSITY_BY_MODEL,      /* the oracles' reasoning, one series per model */
  MT_PLOT_DENSITY_BY_KIND,       /* the branches' reasoning, one series per kind */
} MtPlotDensityBy;

#define MT_PLOT_ERROR (mt_plot_error_quark ())

typedef enum
{
  MT_PLOT_ERROR_SIZE,            /* a size or resolution that cannot be drawn */
  MT_PLOT_ERROR_WRITE,           /* the file could not be written */
  MT_PLOT_ERROR_CAIRO,           /* cairo failed (out of memory, ...) */
} MtPlotError;

GQuark       mt_plot_error_quark               (void);

/* Stable lower-case names, as the command line takes them ("length-ratio"). */
const char  *mt_plot_chart_kind_to_string      (MtPlotChartKind  kind);
gboolean     mt_plot_chart_kind_from_string    (const char      *name,
                                                MtPlotChartKind *kind);
const char  *mt_plot_theme_to_string           (MtPlotTheme      theme);
gboolean     mt_plot_theme_from_string         (const char      *name,
                                                MtPlotTheme     *theme);
const char  *mt_plot_format_to_string          (MtPlotFormat     format);
gboolean     mt_plot_format_from_string        (const char      *name,
                                                MtPlotFormat    *format);

/* The colour of series @index (Okabe–Ito, colour-blind safe) in @theme;
 * series beyond the palette reuse it, told apart by dash and shape. */
void         mt_plot_series_color              (MtPlotTheme      theme,
                                                guint            index,
                                                double          *red,
                                                double          *green,
                                                double          *blue);
guint        mt_plot_get_n_series_colors       (void);

/* What is under a point of the last paint: one data point (or bar segment,
 * histogram bin, timeline lane or marker), for hover read-outs and for
 * opening the branches behind it. */
typedef struct
{
  char       *series;       /* "hard", "hard · qwen3-8b", "panic", ... */
  char       *description;  /* one translated line with everything below */
  double      x;            /* in data units (X, bin centre, token) */
  double      value;
  guint       n;            /* branches (or traces) behind the value */
  double      ci_low;       /* the 95% interval, NAN when there is none */
  double      ci_high;
  GPtrArray  *branch_ids;   /* char*: the branches behind the point, maybe empty */
} MtPlotHit;

void         mt_plot_hit_clear                 (MtPlotHit       *hit);

/* Where the last paint put things, in the units of that paint. */
typedef struct
{
  cairo_rectangle_t plot;   /* the data area inside the axes */
  cairo_rectangle_t legend; /* empty (0 × 0) without a legend */
} MtPlotLayout;

#define MT_TYPE_PLOT_CHART (mt_plot_chart_get_type ())

G_DECLARE_FINAL_TYPE (MtPlotChart, mt_plot_chart, MT, PLOT_CHART, GObject)

MtPlotChart     *mt_plot_chart_new              (MtPlotChartKind   kind);
MtPlotChartKind  mt_plot_chart_get_kind         (MtPlotChart      *self);

/* The data: every chart but the timeline takes the metrics of a lab
 * (mt_analysis_run()); the timeline takes one trace of a lab, whose
 * branches it finds there. Each call aggregates at once, so painting only
 * maps to pixels. @metrics may be NULL (no data). */
void             mt_plot_chart_set_metrics      (MtPlotChart      *self,
                                                 MtMetrics        *metrics);
/* @lexicon (may be NULL for the defaults) places the marker ticks. */
void             mt_plot_chart_set_trace        (MtPlotChart      *self,
                                                 MtLab            *lab,
                                                 MtTrace          *trace,
                                                 MtMarkerLexicon  *lexicon);

/* Keeps only branches of @model, of problems from @dataset (the problem's
 * source) and interrupted by @kind; NULL or a negative kind keeps all.
 * Aggregates again. */
void             mt_plot_chart_set_filter       (MtPlotChart      *self,
                                                 const char       *model,
                                                 const char       *dataset,
                                                 int               kind);
void             mt_plot_chart_set_unit         (MtPlotChart      *self,
                                                 MtPlotUnit        unit);
void             mt_plot_chart_set_density_by   (MtPlotChart      *self,
                                                 MtPlotDensityBy   by);
/* The marker category of the density chart, by id (default "hesitation").
 * Returns FALSE when the metrics' lexicon has no such category. */
gboolean         mt_plot_chart_set_category     (MtPlotChart      *self,
                                                 const char       *category);

/* The chart's title, translated. */
const char      *mt_plot_chart_get_title        (MtPlotChart      *self);
/* FALSE when the chart would only say that there is nothing to show; then
 * mt_plot_chart_get_empty_reason() says why. */
gboolean         mt_plot_chart_has_data         (MtPlotChart      *self);
const char      *mt_plot_chart_get_empty_reason (MtPlotChart      *self);
/* The series drawn (lines, histogram kinds, bar segments or lanes). */
guint            mt_plot_chart_get_n_series     (MtPlotChart      *self);
const char      *mt_plot_chart_get_series_label (MtPlotChart      *self,
                                                 guint             index);

/* Paints the whole chart, background included, into the rectangle
 * (0, 0, @width, @height) of @cr's user space. Cheap: no aggregation. */
void             mt_plot_chart_paint            (MtPlotChart      *self,
                                                 cairo_t          *cr,
                                                 double            width,
                                                 double            height,
                                                 MtPlotTheme       theme);
/* The neutral colours of a chart (RGBA, 0..1), for a widget that takes
 * them from its style (background, text, the oracle's grey, the grid);
 * series keep the colour-blind-safe palette. */
typedef struct
{
  double background[4];
  double ink[4];
  double muted[4];
  double grid[4];
} MtPlotColors;

/* The colours @theme paints with. */
void             mt_plot_theme_get_colors       (MtPlotTheme       theme,
                                                 MtPlotColors     *colors);
/* mt_plot_chart_paint() with @theme's line widths and @colors (may be
 * NULL for the theme's own); a transparent background leaves what is
 * under the chart. */
void             mt_plot_chart_paint_with_colors (MtPlotChart       *self,
                                                  cairo_t           *cr,
                                                  double             width,
                                                  double             height,
                                                  MtPlotTheme        theme,
                                                  const MtPlotColors *colors);
/* The layout of the last paint; FALSE before the first one. */
gboolean         mt_plot_chart_get_layout       (MtPlotChart      *self,
                                                 MtPlotLayout     *layout);
/* What the last paint drew at (@x, @y), in its units. FALSE when nothing
 * is close enough; @hit is filled only on TRUE (clear it afterwards). */
gboolean         mt_plot_chart_hit_test         (MtPlotChart      *self,
                                                 double            x,
                                                 double            y,
                                                 MtPlotHit        *hit);

/* Writes the chart to @path. @width and @height are in points (1/72 inch):
 * the page size of an SVG or PDF; a PNG gets @width × @dpi / 72 by
 * @height × @dpi / 72 pixels, drawn at that scale so text stays the same
 * size on paper. The file is replaced only once the drawing succeeded. */
gboolean         mt_plot_chart_export           (MtPlotChart      *self,
                                                 const char       *path,
                                                 MtPlotFormat      format,
                                                 double            width,
                                                 double            height,
                                                 double            dpi,
                                                 MtPlotTheme       theme,
                                                 GError          **error);

/* The datasets (problem sources) of the branches in @metrics, sorted, for
 * a filter menu. */
GStrv            mt_plot_list_datasets          (MtMetrics        *metrics);

G_END_DECLS
