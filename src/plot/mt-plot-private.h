/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-plot.h"

G_BEGIN_DECLS

/* The aggregated data of a chart: what paint() maps to pixels. Built once
 * per change of data, filters or options. */

typedef struct
{
  double     x;        /* data units; log10 of the ratio on the leakage chart */
  double     y;
  double     low;      /* band, NAN for none */
  double     high;
  guint      n;
  GPtrArray *ids;      /* const char*, owned by the metrics; may be NULL */
} MtPlotPoint;

typedef struct
{
  char     *label;
  guint     style;     /* palette, dash and shape index */
  gboolean  muted;     /* a reference drawn in the neutral ink (the oracle's) */
  GArray   *points;    /* MtPlotPoint, by x */
} MtPlotSeries;

/* A horizontal (or, with vertical, vertical) reference line across the plot. */
typedef struct
{
  char     *label;
  double    value;
  gboolean  vertical;
  guint     n;
} MtPlotReference;

/* Segments of the failure-rate bars, bottom up. */
enum
{
  MT_PLOT_FAILURE_PANIC,
  MT_PLOT_FAILURE_DOUBT,
  MT_PLOT_FAILURE_LEAKAGE,
  MT_PLOT_FAILURE_OTHER,
  MT_PLOT_N_FAILURES,
};

typedef struct
{
  char      *label;
  guint      errors;                     /* wrong answers: the bar's 100% */
  guint      n;                          /* branches */
  guint      counts[MT_PLOT_N_FAILURES];
  GPtrArray *ids[MT_PLOT_N_FAILURES];    /* const char* */
} MtPlotBar;

/* Timeline segments, in the order a run goes through them. */
enum
{
  MT_PLOT_SEGMENT_PROMPT,
  MT_PLOT_SEGMENT_REASONING,
  MT_PLOT_SEGMENT_INTERRUPT,
  MT_PLOT_SEGMENT_ANSWER,
  MT_PLOT_N_SEGMENTS,
};

typedef struct
{
  guint  category;
  double x;            /* token on the axis */
} MtPlotTick;

typedef struct
{
  char    *id;
  char    *label;
  int      parent;                       /* lane index, -1 for the trace itself */
  double   fork;                         /* where it leaves its parent, in tokens */
  double   start[MT_PLOT_N_SEGMENTS];    /* segment bounds on the axis; */
  double   end[MT_PLOT_N_SEGMENTS];      /* start == end for a missing segment */
  GArray  *ticks;                        /* MtPlotTick */
} MtPlotLane;

/* Geometry of the last paint, for hit tests. */
typedef struct
{
  gboolean          valid;
  MtPlotLayout      layout;
  double            x_min, x_max;
  double            y_min, y_max;
  double            point_radius;
  double            lane_height;
  double            lane_top;
  double            lane_step;
  GArray           *bar_rects;           /* cairo_rectangle_t, MT_PLOT_N_FAILURES per bar */
} MtPlotGeometry;

struct _MtPlotChart
{
  GObject          parent_instance;

  MtPlotChartKind  kind;
  MtMetrics       *metrics;
  MtLab           *lab;
  MtTrace         *trace;
  MtMarkerLexicon *lexicon;

  char            *model;
  char            *dataset;
  int              filter_kind;
  MtPlotUnit       unit;
  MtPlotDensityBy  density_by;
  char            *category;

  /* aggregated */
  char            *title;
  char            *x_title;
  char            *y_title;
  char            *empty_reason;
  gboolean         x_log;
  gboolean         y_percent;
  gboolean         bands;
  double           x_lo, x_hi;           /* the data range the axes must cover */
  double           y_lo, y_hi;
  GPtrArray       *series;               /* MtPlotSeries */
  GArray          *references;           /* MtPlotReference */
  GArray          *bars;                 /* MtPlotBar */
  GArray          *lanes;                /* MtPlotLane */
  GPtrArray       *tick_labels;          /* char*: the timeline's marker categories */
  GArray          *tick_shapes;          /* MtMarkerShape per category */

  MtPlotGeometry   geometry;
};

void _mt_plot_chart_paint (MtPlotChart        *self,
                           cairo_t            *cr,
                           double              width,
                           double              height,
                           MtPlotTheme         theme,
                           const MtPlotColors *colors);

const char *_mt_plot_failure_label (guint failure);
const char *_mt_plot_segment_label (guint segment);

G_END_DECLS
