/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "mt-plot-axis.h"
#include "mt-timeline-forks-lane.h"

#define ROW_HEIGHT   MT_TIMELINE_FORK_ROW_HEIGHT
#define CORNER       6.0
#define STUB         10.0
#define DOT_RADIUS   3.0
#define LABEL_GAP    4.0
#define ROW_SPACING  10.0

typedef struct
{
  graphene_rect_t area;
  guint           fork;
} ForkHit;

typedef struct
{
  PangoLayout *layout;
  double       x;
  double       y;
} ForkLabel;

struct _MtTimelineForksLane
{
  MtTimelineLane  parent_instance;

  /* Where the last scene put each fork, for the pointer. */
  GArray         *hits;
};

G_DEFINE_FINAL_TYPE (MtTimelineForksLane, mt_timeline_forks_lane, MT_TYPE_TIMELINE_LANE)

static void
add_hit (MtTimelineForksLane *self,
         guint                fork,
         double               x,
         double               y,
         double               width,
         double               height)
{
  ForkHit hit = { GRAPHENE_RECT_INIT (x, y, width, height), fork };

  g_array_append_val (self->hits, hit);
}

static void
clear_label (ForkLabel *label)
{
  g_clear_object (&label->layout);
}

char *
mt_timeline_forks_lane_format_label (const MtTimelineFork *fork)
{
  g_return_val_if_fail (fork != NULL, NULL);

  if (fork->verdict != NULL)
    /* Translators: a fork's label on the timeline: the interrupt kind, X
     * and the branch's verdict, "Hard interrupt · 25% · Wrong" */
    return g_strdup_printf (_("%s · %.0f%% · %s"), mt_timeline_get_kind_label (fork->kind),
                            100 * fork->fraction, fork->verdict);

  /* Translators: a fork's label on the timeline: the interrupt kind
   * and X, "Hard interrupt · 25%" */
  return g_strdup_printf (_("%s · %.0f%%"), mt_timeline_get_kind_label (fork->kind),
                          100 * fork->fraction);
}

static void
mt_timeline_forks_lane_snapshot_scene (MtTimelineLane         *lane,
                                       GtkSnapshot            *snapshot,
                                       const MtTimelineLayout *layout,
                                       const MtTimelineData   *data)
{
  MtTimelineForksLane *self = MT_TIMELINE_FORKS_LANE (lane);
  const graphene_rect_t *band = &layout->forks_band;
  double top = layout->bar_band.origin.y + layout->bar_band.size.height;
  double right = layout->plot_x + layout->plot_width;
  g_autofree double *row_end = NULL;
  g_autoptr(GArray) labels = NULL;
  GdkRGBA line_color, dot_color, outline_color, label_color;
  cairo_t *cr;

  g_array_set_size (self->hits, 0);

  if (data->forks->len == 0 || layout->n_fork_rows == 0)
    return;

  mt_timeline_lane_lookup_color (lane, "timeline_fork_color", &line_color);
  mt_timeline_lane_lookup_color (lane, "timeline_interrupt_color", &dot_color);
  mt_timeline_lane_lookup_color (lane, "timeline_gap_color", &outline_color);
  mt_timeline_lane_lookup_color (lane, "timeline_label_color", &label_color);

  labels = g_array_new (FALSE, FALSE, sizeof (ForkLabel));
  g_array_set_clear_func (labels, (GDestroyNotify)clear_label);
  row_end = g_new (double, layout->n_fork_rows);
  for (guint r = 0; r < layout->n_fork_rows; r++)
    row_end[r] = -G_MAXDOUBLE;

  cr = gtk_snapshot_append_cairo (snapshot,
                                  &GRAPHENE_RECT_INIT (layout->plot_x - DOT_RADIUS - 1, top,
                                                       layout->plot_width + 2 * DOT_RADIUS + 2,
                                                       band->origin.y + band->size.height - top));
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  for (guint i = 0; i < data->forks->len; i++)
    {
      const MtTimelineFork *fork = &g_array_index (data->forks, MtTimelineFork, i);
      double x = round (_mt_timeline_layout_token_to_x (layout, data->origin + fork->token_index));
      g_autofree char *text = NULL;
      ForkLabel label = { 0 };
      int width, height;
      guint row;
      double y;

      if (x < layout->plot_x - 1 || x > right + 1)
        continue;

      text = mt_timeline_forks_lane_format_label (fork);
      label.layout = mt_timeline_lane_create_layout (lane, text, PANGO_SCALE_SMALL);
      pango_layout_get_pixel_size (label.layout, &width, &height);

      /* The first row with room, so that neighbouring forks step down
       * instead of writing over each other. */
      for (row = 0; row < layout->n_fork_rows; row++)
        {
          if (row_end[row] + ROW_SPACING < x)
            break;
        }

      if (row == layout->n_fork_rows)
        {
          /* No room for a label: the fork still shows where it leaves. */
          y = band->origin.y + 4;
          cairo_move_to (cr, x, top);
          cairo_line_to (cr, x, y);
          gdk_cairo_set_source_rgba (cr, &line_color);
          cairo_stroke (cr);
          add_hit (self, i, x - DOT_RADIUS - 1, top, 2 * DOT_RADIUS + 2, y - top);
          g_clear_object (&label.layout);
        }
      else
        {
          y = band->origin.y + row * ROW_HEIGHT + ROW_HEIGHT / 2;
          cairo_move_to (cr, x, top);
          cairo_line_to (cr, x, y - CORNER);
          cairo_curve_to (cr, x, y, x, y, x + CORNER, y);
          cairo_line_to (cr, x + STUB, y);
          gdk_cairo_set_source_rgba (cr, &line_color);
          cairo_stroke (cr);

          label.x = x + STUB + LABEL_GAP;
          label.y = round (y - height / 2.0);
          g_array_append_val (labels, label);
          row_end[row] = label.x + width;

          add_hit (self, i, x - DOT_RADIUS - 1, top, 2 * DOT_RADIUS + 2, y - top);
          add_hit (self, i, x, y - ROW_HEIGHT / 2, STUB + LABEL_GAP + width, ROW_HEIGHT);
        }

      /* Where it leaves the trace, in the colour of interrupts. */
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, top + DOT_RADIUS, DOT_RADIUS, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba (cr, &dot_color);
      cairo_fill_preserve (cr);
      cairo_set_line_width (cr, 1);
      gdk_cairo_set_source_rgba (cr, &outline_color);
      cairo_stroke (cr);
      cairo_set_line_width (cr, 1.5);
    }

  cairo_destroy (cr);

  for (guint i = 0; i < labels->len; i++)
    {
      const ForkLabel *label = &g_array_index (labels, ForkLabel, i);

      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (label->x, label->y));
      gtk_snapshot_append_layout (snapshot, label->layout, &label_color);
      gtk_snapshot_restore (snapshot);
    }
}

static const MtTimelineFork *
lookup_fork (MtTimelineForksLane  *self,
             const MtTimelineData *data,
             double                x,
             double                y)
{
  /* Later hits were drawn on top. */
  for (guint i = self->hits->len; i > 0; i--)
    {
      const ForkHit *hit = &g_array_index (self->hits, ForkHit, i - 1);

      if (graphene_rect_contains_point (&hit->area, &GRAPHENE_POINT_INIT (x, y))
          && hit->fork < data->forks->len)
        return &g_array_index (data->forks, MtTimelineFork, hit->fork);
    }

  return NULL;
}

static char *
mt_timeline_forks_lane_describe (MtTimelineLane         *lane,
                                 const MtTimelineLayout *layout,
                                 const MtTimelineData   *data,
                                 double                  x,
                                 double                  y)
{
  const MtTimelineFork *fork = lookup_fork (MT_TIMELINE_FORKS_LANE (lane), data, x, y);
  MtTrace *branch;
  g_autofree char *index = NULL;
  g_autofree char *reasoning = NULL;
  g_autofree char *answer = NULL;

  if (fork == NULL)
    return NULL;

  branch = MT_TRACE (fork->branch);
  index = mt_plot_format_tick (fork->token_index, 1);
  reasoning = mt_plot_format_tick (mt_trace_get_n_reasoning_tokens (branch), 1);
  answer = mt_plot_format_tick (mt_trace_get_n_answer_tokens (branch), 1);

  /* Translators: a fork's tooltip: kind, token index and X, then how long
   * the branch went on, "Hard interrupt at token 1,234 (X 25.0%)\nTokens
   * after it: 0 of reasoning, 80 of answer" */
  return g_strdup_printf (_("%s at token %s (X %.1f%%)\nTokens after it: %s of reasoning, %s of "
                            "answer"),
                          mt_timeline_get_kind_label (fork->kind), index, 100 * fork->fraction,
                          reasoning, answer);
}

static void
mt_timeline_forks_lane_scene_dropped (MtTimelineLane *lane)
{
  MtTimelineForksLane *self = MT_TIMELINE_FORKS_LANE (lane);

  /* Until the next scene, no fork is anywhere: better than the old ones. */
  g_array_set_size (self->hits, 0);
}

static void
mt_timeline_forks_lane_finalize (GObject *object)
{
  MtTimelineForksLane *self = MT_TIMELINE_FORKS_LANE (object);

  g_clear_pointer (&self->hits, g_array_unref);

  G_OBJECT_CLASS (mt_timeline_forks_lane_parent_class)->finalize (object);
}

static void
mt_timeline_forks_lane_class_init (MtTimelineForksLaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  MtTimelineLaneClass *lane_class = MT_TIMELINE_LANE_CLASS (klass);

  object_class->finalize = mt_timeline_forks_lane_finalize;

  lane_class->snapshot_scene = mt_timeline_forks_lane_snapshot_scene;
  lane_class->describe = mt_timeline_forks_lane_describe;
  lane_class->scene_dropped = mt_timeline_forks_lane_scene_dropped;
}

static void
mt_timeline_forks_lane_init (MtTimelineForksLane *self)
{
  self->hits = g_array_new (FALSE, FALSE, sizeof (ForkHit));
  gtk_widget_add_css_class (GTK_WIDGET (self), "forks");
}

GtkWidget *
mt_timeline_forks_lane_new (void)
{
  return g_object_new (MT_TYPE_TIMELINE_FORKS_LANE, NULL);
}

MtBranch *
mt_timeline_forks_lane_lookup (MtTimelineForksLane *self,
                               double               x,
                               double               y)
{
  MtTimeline *timeline;
  const MtTimelineFork *fork;

  g_return_val_if_fail (MT_IS_TIMELINE_FORKS_LANE (self), NULL);

  timeline = mt_timeline_lane_get_timeline (MT_TIMELINE_LANE (self));
  if (timeline == NULL)
    return NULL;

  fork = lookup_fork (self, _mt_timeline_get_data (timeline), x, y);

  return fork != NULL ? fork->branch : NULL;
}
