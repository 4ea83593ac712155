/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "mt-plot-axis.h"
#include "mt-timeline-axis-lane.h"

#define TICK_LENGTH      4.0
#define ROW_HEIGHT       15.0
/* Room per label, so that labels of six digits never touch. */
#define PX_PER_TOKEN_TICK   90.0
#define PX_PER_PERCENT_TICK 64.0
#define LABEL_GAP        6.0

struct _MtTimelineAxisLane
{
  MtTimelineLane parent_instance;
};

G_DEFINE_FINAL_TYPE (MtTimelineAxisLane, mt_timeline_axis_lane, MT_TYPE_TIMELINE_LANE)

typedef struct
{
  MtTimelineLane         *lane;
  GtkSnapshot            *snapshot;
  const MtTimelineLayout *layout;
  /* On the clock axis the top row is in seconds over this span. */
  gboolean                clock;
  double                  clock_first;
  double                  clock_last;
  GdkRGBA                 tick_color;
  GdkRGBA                 label_color;
  double                  min_x;
  double                  max_x;
} AxisPainter;

/* Draws the ticks [min, max] of one row at @to_x (value); labels that would
 * run into the one before are left out rather than overlapped. */
static void
paint_row (AxisPainter *painter,
           double       min,
           double       max,
           guint        target,
           gboolean     integers,
           const char  *suffix,
           double       origin,
           double       scale,
           double       y)
{
  MtPlotTicks ticks;
  double last_end = -G_MAXDOUBLE;

  mt_plot_ticks_compute (min, max, MAX (target, 2), &ticks);

  /* Half a token is not a place anyone can point at. */
  if (integers && ticks.step < 1)
    {
      ticks.first = floor (min);
      ticks.step = 1;
      ticks.n_ticks = (guint)(ceil (max) - floor (min)) + 1;
    }

  for (guint i = 0; i < ticks.n_ticks; i++)
    {
      double value = ticks.first + i * ticks.step;
      g_autofree char *number = NULL;
      g_autofree char *text = NULL;
      g_autoptr(PangoLayout) layout = NULL;
      double x;
      int width, height;

      if (value < min - ticks.step * 1e-6 || value > max + ticks.step * 1e-6)
        continue;

      if (painter->clock && scale == 0)
        x = round (_mt_timeline_layout_time_to_x (painter->layout, painter->clock_first,
                                                  painter->clock_last, value));
      else
        x = round (_mt_timeline_layout_token_to_x (painter->layout, origin + value * scale));
      gtk_snapshot_append_color (painter->snapshot, &painter->tick_color,
                                 &GRAPHENE_RECT_INIT (x - 0.5, y, 1, TICK_LENGTH));

      number = mt_plot_format_tick (value, ticks.step);
      text = suffix != NULL ? g_strconcat (number, suffix, NULL) : g_strdup (number);
      layout = mt_timeline_lane_create_layout (painter->lane, text, PANGO_SCALE_SMALL);
      pango_layout_get_pixel_size (layout, &width, &height);

      x = CLAMP (x - width / 2.0, painter->min_x, painter->max_x - width);
      if (x < last_end + LABEL_GAP)
        continue;
      last_end = x + width;

      gtk_snapshot_save (painter->snapshot);
      gtk_snapshot_translate (painter->snapshot,
                              &GRAPHENE_POINT_INIT (round (x), y + TICK_LENGTH));
      gtk_snapshot_append_layout (painter->snapshot, layout, &painter->label_color);
      gtk_snapshot_restore (painter->snapshot);
    }
}

static void
mt_timeline_axis_lane_snapshot_scene (MtTimelineLane         *lane,
                                      GtkSnapshot            *snapshot,
                                      const MtTimelineLayout *layout,
                                      const MtTimelineData   *data)
{
  const graphene_rect_t *axis = &layout->axis_band;
  AxisPainter painter = { lane, snapshot, layout };
  double min = layout->view.first - data->origin;
  double max = layout->view.last - data->origin;

  if (data->n_tokens == 0)
    return;

  mt_timeline_lane_lookup_color (lane, "timeline_axis_color", &painter.tick_color);
  mt_timeline_lane_lookup_color (lane, "timeline_label_color", &painter.label_color);
  painter.min_x = 0;
  painter.max_x = gtk_widget_get_width (GTK_WIDGET (lane));

  painter.clock = _mt_timeline_layout_has_clock (layout, &painter.clock_first,
                                                 &painter.clock_last);
  if (painter.clock)
    /* Seconds since the request was sent (a scale of 0 says so). */
    paint_row (&painter, painter.clock_first, painter.clock_last,
               (guint)(layout->plot_width / PX_PER_TOKEN_TICK), FALSE,
               /* Translators: the unit after a number of seconds on the
                * timeline's clock axis, "12.5 s" */
               _(" s"), 0, 0, axis->origin.y);
  else
    /* Token indices count from the start of the reasoning, as interrupts
     * do; the prompt before it gets negative ones. */
    paint_row (&painter, min, max, (guint)(layout->plot_width / PX_PER_TOKEN_TICK), TRUE, NULL,
               data->origin, 1, axis->origin.y);

  if (data->n_reasoning > 0)
    {
      double p0 = MAX (0, 100 * min / data->n_reasoning);
      double p1 = MIN (100, 100 * max / data->n_reasoning);
      double x0 = _mt_timeline_layout_token_to_x (layout, data->origin);
      double x1 = _mt_timeline_layout_token_to_x (layout, data->origin + data->n_reasoning);
      double y = axis->origin.y + ROW_HEIGHT + 3;

      if (p1 <= p0)
        return;

      /* The row of X spans the reasoning only: a rule shows how far. */
      x0 = MAX (x0, layout->plot_x);
      x1 = MIN (x1, layout->plot_x + layout->plot_width);
      gtk_snapshot_append_color (snapshot, &painter.tick_color,
                                 &GRAPHENE_RECT_INIT (x0, y, x1 - x0, 1));

      painter.min_x = MAX (x0 - PX_PER_PERCENT_TICK / 2, 0);
      painter.max_x = MIN (x1 + PX_PER_PERCENT_TICK / 2, painter.max_x);
      paint_row (&painter, p0, p1, (guint)((x1 - x0) / PX_PER_PERCENT_TICK), FALSE, "%",
                 data->origin, data->n_reasoning / 100.0, y);
    }
}

static void
mt_timeline_axis_lane_class_init (MtTimelineAxisLaneClass *klass)
{
  MtTimelineLaneClass *lane_class = MT_TIMELINE_LANE_CLASS (klass);

  lane_class->snapshot_scene = mt_timeline_axis_lane_snapshot_scene;
}

static void
mt_timeline_axis_lane_init (MtTimelineAxisLane *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "axis");
}

GtkWidget *
mt_timeline_axis_lane_new (void)
{
  return g_object_new (MT_TYPE_TIMELINE_AXIS_LANE, NULL);
}
