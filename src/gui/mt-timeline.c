/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "mt-plot-axis.h"
#include "mt-timeline-axis-lane.h"
#include "mt-timeline-forks-lane.h"
#include "mt-timeline-marks-lane.h"
#include "mt-timeline-private.h"
#include "mt-timeline-segments-lane.h"

#define PAD_X            16.0
#define PAD_TOP          4.0
#define PAD_BOTTOM       8.0
#define HANDLE_HEIGHT    26.0
#define DENSITY_HEIGHT   18.0
#define BAR_GAP          4.0
#define BAR_HEIGHT       28.0
#define AXIS_HEIGHT      36.0

/* Zoomed all the way in a token is this wide, room for a few letters. */
#define MAX_PX_PER_TOKEN 64.0
#define MIN_SPAN_TOKENS  8.0
#define ZOOM_STEP        2.0
#define WHEEL_ZOOM_STEP  1.25
/* A wheel notch pans by this part of the visible window. */
#define WHEEL_PAN        0.1
/* How far from the marker line a press still grabs the marker. */
#define GRAB_SLOP        6.0
/* A press that moves less than this is a click, not a pan. */
#define CLICK_SLOP       3.0
/* Keyboard moves keep the marker this far inside the edges. */
#define FOLLOW_MARGIN    24.0
#define HOVER_REST_MS    300

typedef enum
{
  DRAG_NONE,
  DRAG_MARKER,
  DRAG_PAN,
  DRAG_CLICK_OR_PAN,
  DRAG_FORK,
} DragMode;

struct _MtTimeline
{
  GtkWidget         parent_instance;

  MtTimelineData   *data;
  MtTimelineLayout  layout;
  GStrv             category_names;

  GtkWidget        *segments_lane;
  GtkWidget        *marks_lane;
  GtkWidget        *axis_lane;
  GtkWidget        *forks_lane;
  MtTimelineMarker *marker;

  /* Colours of what is drawn each frame over the lanes' cached scenes. */
  GdkRGBA           marker_color;
  GdkRGBA           halo_color;
  GdkRGBA           hover_color;
  GdkRGBA           highlight_color;
  GdkRGBA           highlight_edge_color;

  guint             marker_position;
  guint             highlight_start;
  guint             highlight_end;

  double            pointer_x;
  double            pointer_y;
  guint             hover_source;
  guint             hover_emitted;

  DragMode          drag_mode;
  double            drag_start_x;
  double            drag_grab_offset;
  MtTimelineRange   drag_start_view;
  MtBranch         *drag_branch;

  MtTimelineRange   zoom_start_view;
  double            zoom_anchor;

  guint             hovering : 1;
  guint             marker_removed : 1;
  guint             playing : 1;
  guint             axis_clock : 1;

  /* Replay: a playhead moving over the context tokens at @speed tokens
   * per second, pausing at each mark it reaches. */
  double            playhead;      /* context token; < 0 before the first play */
  double            speed;
  guint             tick_id;
  gint64            last_frame_time;
  GdkRGBA           playhead_color;
};

enum {
  PROP_0,
  PROP_TRACE,
  PROP_MARKER_POSITION,
  PROP_MARKER_PLACED,
  PROP_PLAYING,
  PROP_PLAYBACK_SPEED,
  PROP_AXIS_CLOCK,
  PROP_HAS_CLOCK,
  N_PROPS
};

enum {
  TOKEN_ACTIVATED,
  INTERRUPT_ACTIVATED,
  BRANCH_ACTIVATED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (MtTimeline, mt_timeline, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static double
total_tokens (MtTimeline *self)
{
  return MAX (self->data->n_tokens, 1);
}

static double
min_span (MtTimeline *self)
{
  return MAX (MIN_SPAN_TOKENS, self->layout.plot_width / MAX_PX_PER_TOKEN);
}

static void
invalidate_lanes (MtTimeline *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (MT_IS_TIMELINE_LANE (child))
        mt_timeline_lane_invalidate (MT_TIMELINE_LANE (child));
    }
}

/* The layout points into the data: it must follow at once when either
 * changes, not at the next allocation, as the marker is placed before. */
static void
sync_layout_clock (MtTimeline *self)
{
  const double *clock = self->axis_clock ? self->data->clock : NULL;

  if (self->layout.clock == clock && self->layout.clock_n == self->data->n_tokens)
    return;

  self->layout.clock = clock;
  self->layout.clock_n = self->data->n_tokens;
  invalidate_lanes (self);
}

static gboolean
has_reasoning (MtTimeline *self)
{
  return self->data->n_reasoning > 0;
}

static double
marker_x (MtTimeline *self)
{
  return _mt_timeline_layout_token_to_x (&self->layout,
                                         self->data->origin + self->marker_position);
}

/* A dimmed handle at the edge says the marker is out of view, and where. */
static void
update_marker_outside (MtTimeline *self)
{
  double x = marker_x (self);

  if (x < self->layout.plot_x - 1 || x > self->layout.plot_x + self->layout.plot_width + 1)
    gtk_widget_add_css_class (GTK_WIDGET (self->marker), "outside");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->marker), "outside");
}

static void
set_view (MtTimeline            *self,
          const MtTimelineRange *view)
{
  g_assert (MT_IS_TIMELINE (self));

  if (self->layout.view.first == view->first && self->layout.view.last == view->last)
    return;

  self->layout.view = *view;
  invalidate_lanes (self);
  update_marker_outside (self);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
reset_view (MtTimeline *self)
{
  set_view (self, &(MtTimelineRange) { 0, total_tokens (self) });
}

static void
update_actions (MtTimeline *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean tokens = self->data->n_tokens > 0;
  gboolean reasoning = has_reasoning (self);

  gtk_widget_action_set_enabled (widget, "timeline.zoom-in", tokens);
  gtk_widget_action_set_enabled (widget, "timeline.zoom-out", tokens);
  gtk_widget_action_set_enabled (widget, "timeline.zoom-reset", tokens);
  gtk_widget_action_set_enabled (widget, "timeline.axis-clock", self->data->clock != NULL);
  gboolean placed = reasoning && !self->marker_removed;

  gtk_widget_action_set_enabled (widget, "timeline.move-marker", placed);
  gtk_widget_action_set_enabled (widget, "timeline.move-marker-sentence", placed);
  gtk_widget_action_set_enabled (widget, "timeline.move-marker-page", placed);
  gtk_widget_action_set_enabled (widget, "timeline.marker-start", placed);
  gtk_widget_action_set_enabled (widget, "timeline.marker-end", placed);
  gtk_widget_action_set_enabled (widget, "timeline.remove-marker", placed);
  /* Enter on a removed marker puts it back where it was. */
  gtk_widget_action_set_enabled (widget, "timeline.activate-marker", reasoning);
}

static void
emit_token_activated (MtTimeline *self,
                      guint       token)
{
  if (token >= self->data->n_tokens)
    return;

  g_signal_emit (self, signals[TOKEN_ACTIVATED], 0, token);
}

/* Pans the least that brings the marker inside the view, so that keyboard
 * users never steer it off screen. */
static void
follow_marker (MtTimeline *self)
{
  MtTimelineRange view = self->layout.view;
  double tokens_per_px;
  double margin;
  double token;

  if (self->layout.plot_width <= 0)
    return;

  tokens_per_px = (view.last - view.first) / self->layout.plot_width;
  margin = MIN (FOLLOW_MARGIN * tokens_per_px, (view.last - view.first) / 4);
  token = self->data->origin + self->marker_position;

  if (token < view.first + margin)
    mt_timeline_range_pan (&view, token - margin - view.first, total_tokens (self));
  else if (token > view.last - margin)
    mt_timeline_range_pan (&view, token + margin - view.last, total_tokens (self));

  set_view (self, &view);
}

/* A removed marker is neither drawn nor focusable; the timeline itself
 * takes the focus then, so that the keyboard can put it back. */
static void
set_marker_removed (MtTimeline *self,
                    gboolean    removed)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  gboolean had_focus;

  g_assert (MT_IS_TIMELINE (self));

  removed = !!removed;
  if (self->marker_removed == removed)
    return;

  had_focus = focus != NULL && (focus == GTK_WIDGET (self)
                                || gtk_widget_is_ancestor (focus, GTK_WIDGET (self)));

  self->marker_removed = removed;
  gtk_widget_set_focusable (GTK_WIDGET (self), removed);
  gtk_widget_set_visible (GTK_WIDGET (self->marker), !removed);
  if (had_focus)
    gtk_widget_grab_focus (removed ? GTK_WIDGET (self) : GTK_WIDGET (self->marker));

  update_actions (self);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MARKER_PLACED]);
}

static void
move_marker (MtTimeline *self,
             guint       position,
             gboolean    by_user)
{
  g_assert (MT_IS_TIMELINE (self));

  position = MIN (position, self->data->n_reasoning);

  if (position != self->marker_position)
    {
      self->marker_position = position;
      mt_timeline_marker_set_value (self->marker, position, self->data->n_reasoning);
      update_marker_outside (self);
      /* The handle moves; the line under it is drawn by the timeline. */
      gtk_widget_queue_allocate (GTK_WIDGET (self));
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MARKER_POSITION]);
    }

  /* The transcript follows the marker; the boundary after the last token
   * shows the last token. */
  if (by_user && has_reasoning (self))
    emit_token_activated (self, self->data->origin + MIN (position, self->data->n_reasoning - 1));
}

static void
update_colors (MtTimeline *self)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));
  struct {
    const char *name;
    GdkRGBA    *color;
  } colors[] = {
    { "timeline_marker_color", &self->marker_color },
    { "timeline_gap_color", &self->halo_color },
    { "timeline_hover_color", &self->hover_color },
    { "timeline_highlight_color", &self->highlight_color },
    { "timeline_highlight_edge_color", &self->highlight_edge_color },
    { "timeline_playhead_color", &self->playhead_color },
  };

  for (guint i = 0; i < G_N_ELEMENTS (colors); i++)
    {
      if (!gtk_style_context_lookup_color (context, colors[i].name, colors[i].color))
        gtk_style_context_get_color (context, colors[i].color);
    }
}

static double
compute_layout (MtTimeline       *self,
                int               width,
                MtTimelineLayout *layout)
{
  double y = PAD_TOP;
  double marks = self->data->n_mark_rows > 0
                 ? self->data->n_mark_rows * MT_TIMELINE_MARK_ROW_HEIGHT
                   + 2 * MT_TIMELINE_MARK_PADDING
                 : 0;
  double density = self->data->marks->len > 0 ? DENSITY_HEIGHT : 0;

  layout->plot_x = PAD_X;
  layout->plot_width = MAX (0, width - 2 * PAD_X);
  layout->clock = self->axis_clock ? self->data->clock : NULL;
  layout->clock_n = self->data->n_tokens;

  graphene_rect_init (&layout->handle_band, 0, y, width, HANDLE_HEIGHT);
  y += HANDLE_HEIGHT;
  graphene_rect_init (&layout->marks_band, 0, y, width, marks);
  y += marks;
  graphene_rect_init (&layout->density_band, 0, y, width, density);
  y += density + BAR_GAP;
  graphene_rect_init (&layout->bar_band, 0, y, width, BAR_HEIGHT);
  y += BAR_HEIGHT;
  graphene_rect_init (&layout->axis_band, 0, y, width, AXIS_HEIGHT);
  y += AXIS_HEIGHT;

  layout->n_fork_rows = MIN (self->data->forks->len, MT_TIMELINE_MAX_FORK_ROWS);
  graphene_rect_init (&layout->forks_band, 0, y, width,
                      layout->n_fork_rows * MT_TIMELINE_FORK_ROW_HEIGHT);
  y += layout->forks_band.size.height;

  return y + PAD_BOTTOM;
}

static gboolean
layout_equal (const MtTimelineLayout *a,
              const MtTimelineLayout *b)
{
  return a->plot_x == b->plot_x
         && a->plot_width == b->plot_width
         && graphene_rect_equal (&a->handle_band, &b->handle_band)
         && graphene_rect_equal (&a->marks_band, &b->marks_band)
         && graphene_rect_equal (&a->density_band, &b->density_band)
         && graphene_rect_equal (&a->bar_band, &b->bar_band)
         && graphene_rect_equal (&a->axis_band, &b->axis_band)
         && graphene_rect_equal (&a->forks_band, &b->forks_band)
         && a->n_fork_rows == b->n_fork_rows
         && a->clock == b->clock
         && a->clock_n == b->clock_n
         && a->view.first == b->view.first
         && a->view.last == b->view.last;
}

static void
mt_timeline_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  MtTimeline *self = MT_TIMELINE (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 480;
    }
  else
    {
      MtTimelineLayout layout;

      *minimum = *natural = (int)ceil (compute_layout (self, MAX (for_size, 0), &layout));
    }
}

static void
mt_timeline_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  MtTimeline *self = MT_TIMELINE (widget);
  MtTimelineLayout old = self->layout;
  GtkRequisition size;
  double x;

  compute_layout (self, width, &self->layout);

  /* Every scene is drawn in widget coordinates: any change of geometry
   * moves something in each of them. */
  if (!layout_equal (&old, &self->layout))
    {
      invalidate_lanes (self);
      update_marker_outside (self);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (MT_IS_TIMELINE_LANE (child))
        gtk_widget_allocate (child, width, height, -1, NULL);
    }

  /* The handle's label sits over the marker line, kept inside the widget
   * even when the marker is scrolled out of view. */
  if (!gtk_widget_get_visible (GTK_WIDGET (self->marker)))
    return;

  gtk_widget_get_preferred_size (GTK_WIDGET (self->marker), NULL, &size);
  x = CLAMP (round (marker_x (self) - size.width / 2.0), 0, MAX (0, width - size.width));
  gtk_widget_allocate (GTK_WIDGET (self->marker), size.width, size.height, -1,
                       gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (
                         x, self->layout.handle_band.origin.y
                            + round ((HANDLE_HEIGHT - size.height) / 2))));
}

static void
snapshot_highlight (MtTimeline  *self,
                    GtkSnapshot *snapshot)
{
  const graphene_rect_t *bar = &self->layout.bar_band;
  double right = self->layout.plot_x + self->layout.plot_width;
  double x0, x1;

  if (self->highlight_end <= self->highlight_start)
    return;

  x0 = MAX (_mt_timeline_layout_token_to_x (&self->layout, self->highlight_start),
            self->layout.plot_x);
  x1 = MIN (_mt_timeline_layout_token_to_x (&self->layout, self->highlight_end), right);
  if (x1 <= x0)
    return;

  /* At least a couple of pixels, or one selected word in a long trace
   * would not show at all. */
  if (x1 - x0 < 2)
    {
      x0 = MAX (x0 - 1, self->layout.plot_x);
      x1 = x0 + 2;
    }

  gtk_snapshot_append_color (snapshot, &self->highlight_color,
                             &GRAPHENE_RECT_INIT (x0, bar->origin.y, x1 - x0, bar->size.height));
  gtk_snapshot_append_color (snapshot, &self->highlight_edge_color,
                             &GRAPHENE_RECT_INIT (x0, bar->origin.y - 3, x1 - x0, 2));
  gtk_snapshot_append_color (snapshot, &self->highlight_edge_color,
                             &GRAPHENE_RECT_INIT (x0, bar->origin.y + bar->size.height + 1,
                                                  x1 - x0, 2));
}

static void
snapshot_marker_line (MtTimeline  *self,
                      GtkSnapshot *snapshot)
{
  const graphene_rect_t *bar = &self->layout.bar_band;
  double top = self->layout.handle_band.origin.y + self->layout.handle_band.size.height - 2;
  double bottom = bar->origin.y + bar->size.height + 4;
  double x = round (marker_x (self));

  if (!has_reasoning (self) || self->marker_removed || x < self->layout.plot_x - 1
      || x > self->layout.plot_x + self->layout.plot_width + 1)
    return;

  /* A halo keeps the line visible on every segment colour. */
  gtk_snapshot_append_color (snapshot, &self->halo_color,
                             &GRAPHENE_RECT_INIT (x - 2, top, 4, bottom - top));
  gtk_snapshot_append_color (snapshot, &self->marker_color,
                             &GRAPHENE_RECT_INIT (x - 1, top, 2, bottom - top));
}

static void
snapshot_hover (MtTimeline  *self,
                GtkSnapshot *snapshot)
{
  double x = round (self->pointer_x);
  double top = self->layout.marks_band.origin.y;
  double bottom = self->layout.bar_band.origin.y + self->layout.bar_band.size.height;

  if (!self->hovering || self->drag_mode != DRAG_NONE || self->data->n_tokens == 0
      || x < self->layout.plot_x || x > self->layout.plot_x + self->layout.plot_width
      || self->pointer_y >= bottom)
    return;

  gtk_snapshot_append_color (snapshot, &self->hover_color,
                             &GRAPHENE_RECT_INIT (x - 0.5, top, 1, bottom - top));
}

static void
snapshot_playhead (MtTimeline  *self,
                   GtkSnapshot *snapshot)
{
  double top = self->layout.marks_band.origin.y;
  double bottom = self->layout.axis_band.origin.y;
  double x;

  if (self->playhead < 0 || self->data->n_tokens == 0)
    return;

  x = round (_mt_timeline_layout_token_to_x (&self->layout, self->playhead));
  if (x < self->layout.plot_x - 1 || x > self->layout.plot_x + self->layout.plot_width + 1)
    return;

  gtk_snapshot_append_color (snapshot, &self->halo_color,
                             &GRAPHENE_RECT_INIT (x - 2.5, top, 5, bottom - top));
  gtk_snapshot_append_color (snapshot, &self->playhead_color,
                             &GRAPHENE_RECT_INIT (x - 1.5, top, 3, bottom - top));
}

static void
mt_timeline_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  MtTimeline *self = MT_TIMELINE (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (MT_IS_TIMELINE_LANE (child))
        gtk_widget_snapshot_child (widget, child, snapshot);
    }

  snapshot_highlight (self, snapshot);
  snapshot_hover (self, snapshot);
  snapshot_marker_line (self, snapshot);
  snapshot_playhead (self, snapshot);

  if (has_reasoning (self))
    gtk_widget_snapshot_child (widget, GTK_WIDGET (self->marker), snapshot);
}

static void
mt_timeline_css_changed (GtkWidget         *widget,
                         GtkCssStyleChange *change)
{
  MtTimeline *self = MT_TIMELINE (widget);

  GTK_WIDGET_CLASS (mt_timeline_parent_class)->css_changed (widget, change);

  update_colors (self);
  gtk_widget_queue_draw (widget);
}

static gboolean
mt_timeline_query_tooltip (GtkWidget  *widget,
                           int         x,
                           int         y,
                           gboolean    keyboard_mode,
                           GtkTooltip *tooltip)
{
  MtTimeline *self = MT_TIMELINE (widget);
  GtkWidget *lanes[] = { self->forks_lane, self->marks_lane, self->segments_lane };
  g_autofree char *text = NULL;

  if (self->data->n_tokens == 0)
    return FALSE;

  /* From the keyboard the marker is where the user is. */
  if (keyboard_mode)
    {
      if (!has_reasoning (self))
        return FALSE;
      x = marker_x (self) + 0.5;
      y = self->layout.bar_band.origin.y + 1;
    }

  for (guint i = 0; i < G_N_ELEMENTS (lanes) && text == NULL; i++)
    text = mt_timeline_lane_describe (MT_TIMELINE_LANE (lanes[i]), x, y);

  if (text == NULL)
    return FALSE;

  gtk_tooltip_set_text (tooltip, text);
  /* Ask again once the pointer leaves this column: the token changes. */
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { x, y, 1, 1 });

  return TRUE;
}

/* Pointer handling */

static gboolean
in_reasoning (MtTimeline *self,
              double      x,
              double      y)
{
  double x0 = _mt_timeline_layout_token_to_x (&self->layout, self->data->origin);
  double x1 = _mt_timeline_layout_token_to_x (&self->layout,
                                              self->data->origin + self->data->n_reasoning);

  return has_reasoning (self)
         && y < self->layout.bar_band.origin.y + self->layout.bar_band.size.height
         && x >= MAX (x0, self->layout.plot_x) - GRAB_SLOP
         && x <= MIN (x1, self->layout.plot_x + self->layout.plot_width) + GRAB_SLOP;
}

static gboolean
on_marker (MtTimeline *self,
           double      x,
           double      y)
{
  graphene_rect_t bounds;

  if (!has_reasoning (self) || self->marker_removed)
    return FALSE;

  if (gtk_widget_compute_bounds (GTK_WIDGET (self->marker), GTK_WIDGET (self), &bounds)
      && graphene_rect_contains_point (&bounds, &GRAPHENE_POINT_INIT (x, y)))
    return TRUE;

  return fabs (x - marker_x (self)) <= GRAB_SLOP
         && y < self->layout.bar_band.origin.y + self->layout.bar_band.size.height;
}

static guint
token_at (MtTimeline *self,
          double      x)
{
  double token = floor (_mt_timeline_layout_x_to_token (&self->layout, x));

  return (guint)CLAMP (token, 0, MAX (self->data->n_tokens, 1) - 1);
}

static void
update_cursor (MtTimeline *self)
{
  const char *name = NULL;
  double x = self->pointer_x;
  double y = self->pointer_y;

  if (self->drag_mode == DRAG_PAN)
    name = "grabbing";
  else if (self->drag_mode == DRAG_MARKER || on_marker (self, x, y))
    name = "col-resize";
  else if (in_reasoning (self, x, y)
           || mt_timeline_forks_lane_lookup (MT_TIMELINE_FORKS_LANE (self->forks_lane), x, y))
    name = "pointer";
  else if (self->data->n_tokens > 0 && y >= self->layout.bar_band.origin.y)
    name = "grab";

  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), name);
}

static gboolean
hover_rest_cb (gpointer user_data)
{
  MtTimeline *self = user_data;
  guint token;

  self->hover_source = 0;

  if (!self->hovering || self->drag_mode != DRAG_NONE)
    return G_SOURCE_REMOVE;

  /* Resting on the bar shows the spot in the transcript, once per token. */
  token = token_at (self, self->pointer_x);
  if (token != self->hover_emitted)
    {
      self->hover_emitted = token;
      emit_token_activated (self, token);
    }

  return G_SOURCE_REMOVE;
}

static void
set_pointer (MtTimeline *self,
             double      x,
             double      y,
             gboolean    inside)
{
  const graphene_rect_t *bar = &self->layout.bar_band;

  self->pointer_x = x;
  self->pointer_y = y;
  self->hovering = inside;

  g_clear_handle_id (&self->hover_source, g_source_remove);
  if (inside && self->data->n_tokens > 0 && y >= bar->origin.y
      && y < bar->origin.y + bar->size.height)
    self->hover_source = g_timeout_add (HOVER_REST_MS, hover_rest_cb, self);

  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
motion_cb (MtTimeline               *self,
           double                    x,
           double                    y,
           GtkEventControllerMotion *motion)
{
  set_pointer (self, x, y, TRUE);
}

static void
leave_cb (MtTimeline               *self,
          GtkEventControllerMotion *motion)
{
  set_pointer (self, self->pointer_x, self->pointer_y, FALSE);
  self->hover_emitted = G_MAXUINT;
}

static gboolean
shift_held (GtkEventController *controller)
{
  return (gtk_event_controller_get_current_event_state (controller) & GDK_SHIFT_MASK) != 0;
}

static void
drag_begin_cb (MtTimeline     *self,
               double          x,
               double          y,
               GtkGestureDrag *drag)
{
  if (self->data->n_tokens == 0)
    {
      gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }

  self->drag_start_x = x;
  self->drag_start_view = self->layout.view;
  self->drag_grab_offset = 0;
  self->drag_branch = mt_timeline_forks_lane_lookup (MT_TIMELINE_FORKS_LANE (self->forks_lane),
                                                     x, y);

  if (self->drag_branch != NULL)
    {
      self->drag_mode = DRAG_FORK;
    }
  else if (on_marker (self, x, y))
    {
      /* Grabbing the handle off-centre must not make it jump. */
      self->drag_mode = DRAG_MARKER;
      self->drag_grab_offset = marker_x (self) - x;
    }
  else if (in_reasoning (self, x, y))
    {
      /* Pressing where there is no marker places one. */
      set_marker_removed (self, FALSE);
      self->drag_mode = DRAG_MARKER;
      _mt_timeline_drag_marker_to (self, x, shift_held (GTK_EVENT_CONTROLLER (drag)));
    }
  else if (y >= self->layout.axis_band.origin.y)
    self->drag_mode = DRAG_PAN;
  else
    self->drag_mode = DRAG_CLICK_OR_PAN;

  if (self->drag_mode == DRAG_MARKER)
    gtk_widget_grab_focus (GTK_WIDGET (self->marker));

  g_clear_handle_id (&self->hover_source, g_source_remove);
  gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_CLAIMED);
  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
drag_update_cb (MtTimeline     *self,
                double          offset_x,
                double          offset_y,
                GtkGestureDrag *drag)
{
  MtTimelineRange view;

  switch (self->drag_mode)
    {
    case DRAG_MARKER:
      _mt_timeline_drag_marker_to (self, self->drag_start_x + offset_x + self->drag_grab_offset,
                                   shift_held (GTK_EVENT_CONTROLLER (drag)));
      break;

    case DRAG_CLICK_OR_PAN:
    case DRAG_FORK:
      if (fabs (offset_x) < CLICK_SLOP)
        break;
      self->drag_mode = DRAG_PAN;
      update_cursor (self);
      G_GNUC_FALLTHROUGH;

    case DRAG_PAN:
      view = self->drag_start_view;
      if (self->layout.clock != NULL)
        {
          /* Tokens differ in width on the clock: the token under the
           * pointer at the press follows the pointer. */
          MtTimelineLayout start = self->layout;

          start.view = view;
          mt_timeline_range_pan (&view,
                                 _mt_timeline_layout_x_to_token (&start, self->drag_start_x)
                                 - _mt_timeline_layout_x_to_token (&start,
                                                                   self->drag_start_x + offset_x),
                                 total_tokens (self));
        }
      else
        mt_timeline_range_pan (&view,
                               -offset_x * (view.last - view.first) / self->layout.plot_width,
                               total_tokens (self));
      set_view (self, &view);
      break;

    case DRAG_NONE:
    default:
      break;
    }
}

static void
drag_end_cb (MtTimeline     *self,
             double          offset_x,
             double          offset_y,
             GtkGestureDrag *drag)
{
  DragMode mode = self->drag_mode;
  MtBranch *branch = self->drag_branch;

  self->drag_mode = DRAG_NONE;
  self->drag_branch = NULL;

  if (mode == DRAG_CLICK_OR_PAN)
    emit_token_activated (self, token_at (self, self->drag_start_x));
  else if (mode == DRAG_FORK && branch != NULL)
    g_signal_emit (self, signals[BRANCH_ACTIVATED], 0, branch);

  update_cursor (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
click_pressed_cb (MtTimeline      *self,
                  int              n_press,
                  double           x,
                  double           y,
                  GtkGestureClick *click)
{
  /* The first press placed the marker; the second asks to interrupt there. */
  if (n_press == 2 && in_reasoning (self, x, y))
    gtk_widget_activate_action (GTK_WIDGET (self), "timeline.activate-marker", NULL);
}

static gboolean
scroll_cb (MtTimeline               *self,
           double                    dx,
           double                    dy,
           GtkEventControllerScroll *scroll)
{
  GtkEventController *controller = GTK_EVENT_CONTROLLER (scroll);
  gboolean wheel = gtk_event_controller_scroll_get_unit (scroll) == GDK_SCROLL_UNIT_WHEEL;
  MtTimelineRange view = self->layout.view;
  double span = view.last - view.first;
  double delta;

  if (self->data->n_tokens == 0 || self->layout.plot_width <= 0)
    return FALSE;

  if (gtk_event_controller_get_current_event_state (controller) & GDK_CONTROL_MASK)
    {
      double factor = wheel ? pow (WHEEL_ZOOM_STEP, -dy) : exp (-dy / 100);

      mt_timeline_zoom (self, factor,
                        _mt_timeline_layout_x_to_token (&self->layout, self->pointer_x));
      return TRUE;
    }

  /* Nothing to pan: leave the wheel to whoever else wants it. */
  if (span >= total_tokens (self))
    return FALSE;

  delta = dx != 0 ? dx : dy;
  delta *= wheel ? span * WHEEL_PAN : span / self->layout.plot_width;
  mt_timeline_range_pan (&view, delta, total_tokens (self));
  set_view (self, &view);

  return TRUE;
}

static void
zoom_begin_cb (MtTimeline       *self,
               GdkEventSequence *sequence,
               GtkGestureZoom   *zoom)
{
  double x, y;

  self->zoom_start_view = self->layout.view;
  if (gtk_gesture_get_bounding_box_center (GTK_GESTURE (zoom), &x, &y))
    self->zoom_anchor = _mt_timeline_layout_x_to_token (&self->layout, x);
  else
    self->zoom_anchor = (self->layout.view.first + self->layout.view.last) / 2;
}

static void
zoom_scale_changed_cb (MtTimeline     *self,
                       double          scale,
                       GtkGestureZoom *zoom)
{
  MtTimelineRange view = self->zoom_start_view;

  if (scale <= 0 || self->data->n_tokens == 0)
    return;

  mt_timeline_range_zoom (&view, scale, self->zoom_anchor, min_span (self), total_tokens (self));
  set_view (self, &view);
}

/* Actions */

static double
zoom_anchor (MtTimeline *self)
{
  double token = self->data->origin + self->marker_position;

  /* Zoom in on the marker when it is in sight: that is what the keyboard
   * user is looking at. */
  if (has_reasoning (self) && token >= self->layout.view.first && token <= self->layout.view.last)
    return token;

  return (self->layout.view.first + self->layout.view.last) / 2;
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  MtTimeline *self = MT_TIMELINE (widget);

  mt_timeline_zoom (self, ZOOM_STEP, zoom_anchor (self));
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  MtTimeline *self = MT_TIMELINE (widget);

  mt_timeline_zoom (self, 1 / ZOOM_STEP, zoom_anchor (self));
}

static void
zoom_reset_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  reset_view (MT_TIMELINE (widget));
}

static void
move_marker_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  MtTimeline *self = MT_TIMELINE (widget);
  gint64 position = (gint64)self->marker_position + g_variant_get_int32 (param);

  move_marker (self, CLAMP (position, 0, self->data->n_reasoning), TRUE);
  follow_marker (self);
}

static void
move_marker_sentence_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  MtTimeline *self = MT_TIMELINE (widget);

  move_marker (self, mt_timeline_data_step_sentence (self->data, self->marker_position,
                                                     g_variant_get_int32 (param)),
               TRUE);
  follow_marker (self);
}

static void
move_marker_page_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  MtTimeline *self = MT_TIMELINE (widget);
  double page = MAX (1, round ((self->layout.view.last - self->layout.view.first) * 0.9));
  double position = self->marker_position + g_variant_get_int32 (param) * page;

  move_marker (self, (guint)CLAMP (position, 0, self->data->n_reasoning), TRUE);
  follow_marker (self);
}

static void
marker_start_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  MtTimeline *self = MT_TIMELINE (widget);

  move_marker (self, 0, TRUE);
  follow_marker (self);
}

static void
marker_end_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  MtTimeline *self = MT_TIMELINE (widget);

  move_marker (self, self->data->n_reasoning, TRUE);
  follow_marker (self);
}

static void
activate_marker_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  MtTimeline *self = MT_TIMELINE (widget);

  if (!has_reasoning (self))
    return;

  if (self->marker_removed)
    {
      set_marker_removed (self, FALSE);
      return;
    }

  g_signal_emit (self, signals[INTERRUPT_ACTIVATED], 0,
                 self->marker_position, mt_timeline_get_marker_fraction (self));
}

static void
play_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  MtTimeline *self = MT_TIMELINE (widget);

  mt_timeline_set_playing (self, !self->playing);
}

static void
playback_speed_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  MtTimeline *self = MT_TIMELINE (widget);

  mt_timeline_set_playback_speed (self, self->speed * g_variant_get_double (param));
}

static void
remove_marker_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  set_marker_removed (MT_TIMELINE (widget), TRUE);
}

/* Lifecycle */

static void
mt_timeline_dispose (GObject *object)
{
  MtTimeline *self = MT_TIMELINE (object);
  GtkWidget *child;

  g_clear_handle_id (&self->hover_source, g_source_remove);
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  self->segments_lane = NULL;
  self->marks_lane = NULL;
  self->axis_lane = NULL;
  self->forks_lane = NULL;
  self->marker = NULL;
  self->drag_branch = NULL;

  g_clear_pointer (&self->data, mt_timeline_data_free);
  self->layout.clock = NULL;
  g_clear_pointer (&self->category_names, g_strfreev);

  G_OBJECT_CLASS (mt_timeline_parent_class)->dispose (object);
}

static void
mt_timeline_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  MtTimeline *self = MT_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_TRACE:
      g_value_set_object (value, mt_timeline_get_trace (self));
      break;

    case PROP_MARKER_POSITION:
      g_value_set_uint (value, self->marker_position);
      break;

    case PROP_MARKER_PLACED:
      g_value_set_boolean (value, !self->marker_removed);
      break;

    case PROP_PLAYING:
      g_value_set_boolean (value, self->playing);
      break;

    case PROP_PLAYBACK_SPEED:
      g_value_set_double (value, self->speed);
      break;

    case PROP_AXIS_CLOCK:
      g_value_set_boolean (value, self->axis_clock);
      break;

    case PROP_HAS_CLOCK:
      g_value_set_boolean (value, mt_timeline_has_clock (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_timeline_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  MtTimeline *self = MT_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_TRACE:
      mt_timeline_set_trace (self, g_value_get_object (value));
      break;

    case PROP_MARKER_POSITION:
      mt_timeline_set_marker_position (self, g_value_get_uint (value));
      break;

    case PROP_PLAYING:
      mt_timeline_set_playing (self, g_value_get_boolean (value));
      break;

    case PROP_PLAYBACK_SPEED:
      mt_timeline_set_playback_speed (self, g_value_get_double (value));
      break;

    case PROP_AXIS_CLOCK:
      mt_timeline_set_axis_clock (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
add_binding (GtkWidgetClass  *widget_class,
             guint            keyval,
             GdkModifierType  mods,
             const char      *action,
             int              step)
{
  gtk_widget_class_add_binding_action (widget_class, keyval, mods, action, "i", step);
}

static void
mt_timeline_class_init (MtTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_timeline_dispose;
  object_class->get_property = mt_timeline_get_property;
  object_class->set_property = mt_timeline_set_property;

  widget_class->measure = mt_timeline_measure;
  widget_class->size_allocate = mt_timeline_size_allocate;
  widget_class->snapshot = mt_timeline_snapshot;
  widget_class->css_changed = mt_timeline_css_changed;
  widget_class->query_tooltip = mt_timeline_query_tooltip;

  properties[PROP_TRACE] =
    g_param_spec_object ("trace", NULL, NULL,
                         MT_TYPE_TRACE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PLAYING] =
    g_param_spec_boolean ("playing", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PLAYBACK_SPEED] =
    g_param_spec_double ("playback-speed", NULL, NULL,
                         MT_TIMELINE_MIN_SPEED, MT_TIMELINE_MAX_SPEED,
                         MT_TIMELINE_DEFAULT_SPEED,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MARKER_PLACED] =
    g_param_spec_boolean ("marker-placed", NULL, NULL,
                          TRUE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MARKER_POSITION] =
    g_param_spec_uint ("marker-position", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * MtTimeline:axis-clock:
   *
   * Whether the axis shows when tokens arrived (seconds since the request)
   * rather than token indices; only traces with arrival times have it.
   */
  properties[PROP_AXIS_CLOCK] =
    g_param_spec_boolean ("axis-clock", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HAS_CLOCK] =
    g_param_spec_boolean ("has-clock", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MtTimeline::token-activated:
   * @token: a context token
   *
   * The user pointed at @token: a click, the pointer resting on the bar,
   * or the marker moved. The transcript scrolls there.
   */
  signals[TOKEN_ACTIVATED] =
    g_signal_new ("token-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * MtTimeline::interrupt-activated:
   * @token_index: the marker, as an index into the reasoning
   * @fraction: X, the part of the reasoning before the marker
   *
   * The user asked to interrupt at the marker (Enter or double-click).
   */
  signals[INTERRUPT_ACTIVATED] =
    g_signal_new ("interrupt-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_DOUBLE);

  /**
   * MtTimeline::branch-activated:
   * @branch: the branch whose fork was clicked
   */
  signals[BRANCH_ACTIVATED] =
    g_signal_new ("branch-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, MT_TYPE_BRANCH);

  gtk_widget_class_install_action (widget_class, "timeline.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "timeline.zoom-reset", NULL, zoom_reset_action);
  gtk_widget_class_install_action (widget_class, "timeline.move-marker", "i", move_marker_action);
  gtk_widget_class_install_action (widget_class, "timeline.move-marker-sentence", "i",
                                   move_marker_sentence_action);
  gtk_widget_class_install_action (widget_class, "timeline.move-marker-page", "i",
                                   move_marker_page_action);
  gtk_widget_class_install_action (widget_class, "timeline.marker-start", NULL,
                                   marker_start_action);
  gtk_widget_class_install_action (widget_class, "timeline.marker-end", NULL, marker_end_action);
  gtk_widget_class_install_action (widget_class, "timeline.remove-marker", NULL,
                                   remove_marker_action);
  gtk_widget_class_install_action (widget_class, "timeline.play", NULL, play_action);
  gtk_widget_class_install_property_action (widget_class, "timeline.axis-clock", "axis-clock");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "timeline.play", NULL);
  gtk_widget_class_install_action (widget_class, "timeline.playback-speed", "d",
                                   playback_speed_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketright, 0,
                                       "timeline.playback-speed", "d", 2.0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketleft, 0,
                                       "timeline.playback-speed", "d", 0.5);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0,
                                       "timeline.remove-marker", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0,
                                       "timeline.remove-marker", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, 0,
                                       "timeline.remove-marker", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Insert, 0,
                                       "timeline.activate-marker", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Insert, 0,
                                       "timeline.activate-marker", NULL);
  gtk_widget_class_install_action (widget_class, "timeline.activate-marker", NULL,
                                   activate_marker_action);

  /* Zoom with or without Ctrl, so that the keys work as they do in
   * viewers and as the plain keys an accessible slider suggests. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK,
                                       "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK,
                                       "timeline.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "timeline.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0,
                                       "timeline.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK,
                                       "timeline.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "timeline.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK,
                                       "timeline.zoom-reset", NULL);

  add_binding (widget_class, GDK_KEY_Left, 0, "timeline.move-marker", -1);
  add_binding (widget_class, GDK_KEY_KP_Left, 0, "timeline.move-marker", -1);
  add_binding (widget_class, GDK_KEY_Right, 0, "timeline.move-marker", 1);
  add_binding (widget_class, GDK_KEY_KP_Right, 0, "timeline.move-marker", 1);
  add_binding (widget_class, GDK_KEY_Left, GDK_SHIFT_MASK, "timeline.move-marker-sentence", -1);
  add_binding (widget_class, GDK_KEY_Right, GDK_SHIFT_MASK, "timeline.move-marker-sentence", 1);
  add_binding (widget_class, GDK_KEY_Page_Up, 0, "timeline.move-marker-page", -1);
  add_binding (widget_class, GDK_KEY_Page_Down, 0, "timeline.move-marker-page", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0,
                                       "timeline.marker-start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "timeline.marker-end", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0,
                                       "timeline.activate-marker", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, 0,
                                       "timeline.activate-marker", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_ISO_Enter, 0,
                                       "timeline.activate-marker", NULL);

  gtk_widget_class_set_css_name (widget_class, "timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
mt_timeline_init (MtTimeline *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *motion;
  GtkEventController *scroll;
  GtkGesture *drag;
  GtkGesture *click;
  GtkGesture *zoom;

  self->data = mt_timeline_data_new (NULL);
  self->layout.view = (MtTimelineRange) { 0, 1 };
  self->playhead = -1;
  self->speed = MT_TIMELINE_DEFAULT_SPEED;
  self->hover_emitted = G_MAXUINT;

  /* Drawing order: the bar, the marks above it, the forks over the axis
   * below it, then the marker's handle on top. */
  self->segments_lane = mt_timeline_segments_lane_new ();
  self->marks_lane = mt_timeline_marks_lane_new ();
  self->axis_lane = mt_timeline_axis_lane_new ();
  self->forks_lane = mt_timeline_forks_lane_new ();
  self->marker = MT_TIMELINE_MARKER (mt_timeline_marker_new ());
  gtk_widget_set_parent (self->segments_lane, widget);
  gtk_widget_set_parent (self->marks_lane, widget);
  gtk_widget_set_parent (self->axis_lane, widget);
  gtk_widget_set_parent (self->forks_lane, widget);
  gtk_widget_set_parent (GTK_WIDGET (self->marker), widget);

  gtk_widget_set_has_tooltip (widget, TRUE);
  gtk_widget_set_focusable (widget, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Timeline"),
                                  -1);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect_object (motion, "enter", G_CALLBACK (motion_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (motion, "motion", G_CALLBACK (motion_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (motion, "leave", G_CALLBACK (leave_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (widget, motion);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect_object (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (drag, "drag-update", G_CALLBACK (drag_update_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (drag, "drag-end", G_CALLBACK (drag_end_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));

  /* Grouped with the drag, so that claiming the press for a drag does not
   * cancel the double-click that follows it. */
  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect_object (click, "pressed", G_CALLBACK (click_pressed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));
  gtk_gesture_group (click, drag);

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect_object (scroll, "scroll", G_CALLBACK (scroll_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (widget, scroll);

  zoom = gtk_gesture_zoom_new ();
  g_signal_connect_object (zoom, "begin", G_CALLBACK (zoom_begin_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (zoom, "scale-changed", G_CALLBACK (zoom_scale_changed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (zoom));

  update_colors (self);
  update_actions (self);
}

GtkWidget *
mt_timeline_new (void)
{
  return g_object_new (MT_TYPE_TIMELINE, NULL);
}

MtTrace *
mt_timeline_get_trace (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), NULL);

  return self->data->trace;
}

void
mt_timeline_set_trace (MtTimeline *self,
                       MtTrace    *trace)
{
  gboolean had_clock;

  g_return_if_fail (MT_IS_TIMELINE (self));
  g_return_if_fail (!trace || MT_IS_TRACE (trace));

  if (self->data->trace == trace)
    return;

  /* Branches and marks belong to the old trace: the caller sets them
   * again for the new one; a replay starts again. */
  mt_timeline_set_playing (self, FALSE);
  self->playhead = -1;
  had_clock = mt_timeline_has_clock (self);
  g_clear_pointer (&self->data, mt_timeline_data_free);
  self->data = mt_timeline_data_new (trace);
  sync_layout_clock (self);

  self->highlight_start = self->highlight_end = 0;
  self->hover_emitted = G_MAXUINT;
  self->drag_mode = DRAG_NONE;
  self->drag_branch = NULL;

  /* The middle is a neutral place to start, and shows the handle. */
  set_marker_removed (self, FALSE);
  self->marker_position = G_MAXUINT;
  move_marker (self, self->data->n_reasoning / 2, FALSE);

  self->layout.view = (MtTimelineRange) { -1, -1 };
  reset_view (self);
  update_actions (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRACE]);
  if (had_clock != mt_timeline_has_clock (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_CLOCK]);
}

/**
 * mt_timeline_reload:
 * @self: a #MtTimeline
 *
 * Lays out the current trace again after its text changed (a live run
 * streaming into it). The marker stays where it was, the view keeps the
 * window the user zoomed to, or keeps showing the whole trace as it grows.
 * Branches and marks are the caller's to set again.
 */
void
mt_timeline_reload (MtTimeline *self)
{
  g_autoptr(MtTrace) trace = NULL;
  MtTimelineRange view;
  gboolean whole, had_clock;
  guint marker;

  g_return_if_fail (MT_IS_TIMELINE (self));

  if (self->data->trace == NULL)
    return;

  trace = g_object_ref (self->data->trace);
  view = self->layout.view;
  whole = view.first < 0 || (view.first <= 0 && view.last >= total_tokens (self));
  marker = self->marker_position;
  had_clock = mt_timeline_has_clock (self);

  g_clear_pointer (&self->data, mt_timeline_data_free);
  self->data = mt_timeline_data_new (trace);
  sync_layout_clock (self);
  self->hover_emitted = G_MAXUINT;
  self->drag_branch = NULL;

  self->marker_position = G_MAXUINT;
  move_marker (self, marker, FALSE);

  if (whole)
    reset_view (self);
  else
    mt_timeline_set_visible_range (self, view.first, view.last);
  update_actions (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));

  if (had_clock != mt_timeline_has_clock (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_CLOCK]);
}

/**
 * mt_timeline_has_clock:
 * @self: a #MtTimeline
 *
 * Returns: whether the trace has arrival times, so the wall-clock axis
 *   can be shown
 */
gboolean
mt_timeline_has_clock (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), FALSE);

  return self->data->clock != NULL;
}

gboolean
mt_timeline_get_axis_clock (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), FALSE);

  return self->axis_clock;
}

/**
 * mt_timeline_set_axis_clock:
 * @self: a #MtTimeline
 * @axis_clock: whether to lay tokens out by arrival time
 *
 * The choice is kept across traces; traces without arrival times show
 * the token axis whatever it is.
 */
void
mt_timeline_set_axis_clock (MtTimeline *self,
                            gboolean    axis_clock)
{
  g_return_if_fail (MT_IS_TIMELINE (self));

  axis_clock = !!axis_clock;
  if (self->axis_clock == axis_clock)
    return;

  self->axis_clock = axis_clock;
  sync_layout_clock (self);
  update_marker_outside (self);
  gtk_widget_queue_allocate (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AXIS_CLOCK]);
}

void
mt_timeline_set_branches (MtTimeline       *self,
                          MtBranch * const *branches,
                          guint             n_branches)
{
  g_return_if_fail (MT_IS_TIMELINE (self));
  g_return_if_fail (n_branches == 0 || branches != NULL);

  self->drag_branch = NULL;
  mt_timeline_data_set_branches (self->data, branches, n_branches);
  invalidate_lanes (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
mt_timeline_set_branch_verdict (MtTimeline *self,
                                MtBranch   *branch,
                                const char *verdict)
{
  g_return_if_fail (MT_IS_TIMELINE (self));
  g_return_if_fail (MT_IS_BRANCH (branch));

  for (guint i = 0; i < self->data->forks->len; i++)
    {
      MtTimelineFork *fork = &g_array_index (self->data->forks, MtTimelineFork, i);

      if (fork->branch != branch || g_strcmp0 (fork->verdict, verdict) == 0)
        continue;

      g_free (fork->verdict);
      fork->verdict = g_strdup (verdict);
      invalidate_lanes (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

char *
_mt_timeline_dup_fork_label (MtTimeline *self,
                             guint       index)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), NULL);
  g_return_val_if_fail (index < self->data->forks->len, NULL);

  return mt_timeline_forks_lane_format_label (&g_array_index (self->data->forks,
                                                               MtTimelineFork, index));
}

void
mt_timeline_set_markers (MtTimeline           *self,
                         const MtTimelineMark *marks,
                         guint                 n_marks)
{
  g_return_if_fail (MT_IS_TIMELINE (self));
  g_return_if_fail (n_marks == 0 || marks != NULL);

  mt_timeline_data_set_marks (self->data, marks, n_marks);
  invalidate_lanes (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
_mt_timeline_get_n_marks (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), 0);

  return self->data->marks != NULL ? self->data->marks->len : 0;
}

void
mt_timeline_set_marker_names (MtTimeline         *self,
                              const char * const *names)
{
  g_return_if_fail (MT_IS_TIMELINE (self));

  g_clear_pointer (&self->category_names, g_strfreev);
  self->category_names = g_strdupv ((char **)names);
}

guint
mt_timeline_get_n_reasoning_tokens (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), 0);

  return self->data->n_reasoning;
}

guint
mt_timeline_get_marker_position (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), 0);

  return self->marker_position;
}

void
mt_timeline_set_marker_position (MtTimeline *self,
                                 guint       position)
{
  g_return_if_fail (MT_IS_TIMELINE (self));

  set_marker_removed (self, FALSE);
  move_marker (self, position, FALSE);
}

/* Replay */

static gboolean
playhead_tick_cb (GtkWidget     *widget,
                  GdkFrameClock *frame_clock,
                  gpointer       user_data)
{
  MtTimeline *self = MT_TIMELINE (widget);
  gint64 now = gdk_frame_clock_get_frame_time (frame_clock);

  if (self->last_frame_time != 0)
    _mt_timeline_advance_playhead (self, (now - self->last_frame_time) / (double)G_USEC_PER_SEC);
  self->last_frame_time = now;

  if (!self->playing)
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

gboolean
mt_timeline_get_playing (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), FALSE);

  return self->playing;
}

void
mt_timeline_set_playing (MtTimeline *self,
                         gboolean    playing)
{
  g_return_if_fail (MT_IS_TIMELINE (self));

  playing = !!playing && self->data->n_tokens > 0;
  if (self->playing == playing)
    return;

  self->playing = playing;
  if (playing)
    {
      /* From the start of the reasoning the first time, or again after
       * the end. */
      if (self->playhead < 0 || self->playhead >= self->data->n_tokens)
        self->playhead = self->data->origin;
      self->last_frame_time = 0;
      if (self->tick_id == 0)
        self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), playhead_tick_cb,
                                                      NULL, NULL);
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);
}

double
mt_timeline_get_playback_speed (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), MT_TIMELINE_DEFAULT_SPEED);

  return self->speed;
}

void
mt_timeline_set_playback_speed (MtTimeline *self,
                                double      tokens_per_second)
{
  g_return_if_fail (MT_IS_TIMELINE (self));

  tokens_per_second = CLAMP (tokens_per_second, MT_TIMELINE_MIN_SPEED, MT_TIMELINE_MAX_SPEED);
  if (self->speed == tokens_per_second)
    return;

  self->speed = tokens_per_second;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYBACK_SPEED]);
}

double
mt_timeline_get_playhead (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), -1);

  return self->playhead;
}

void
_mt_timeline_advance_playhead (MtTimeline *self,
                               double      seconds)
{
  const MtTimelineData *data;
  double from, to;
  guint before;

  g_return_if_fail (MT_IS_TIMELINE (self));

  data = self->data;
  if (!self->playing || seconds <= 0)
    return;

  from = self->playhead;
  to = MIN (from + self->speed * seconds, data->n_tokens);

  /* Auto-pause at the first mark reached, so a class can talk about it. */
  for (guint i = 0; data->marks != NULL && i < data->marks->len; i++)
    {
      double token = data->origin + g_array_index (data->marks, MtTimelineMark, i).token_index;

      if (token > from && token <= to)
        {
          to = token;
          mt_timeline_set_playing (self, FALSE);
          break;
        }
    }

  if (to >= data->n_tokens)
    mt_timeline_set_playing (self, FALSE);

  before = (guint)floor (self->playhead);
  self->playhead = to;

  /* Keep the playhead in view and the transcript on its token. */
  if (to > self->layout.view.last || to < self->layout.view.first)
    {
      MtTimelineRange view = self->layout.view;

      mt_timeline_range_pan (&view, to - view.first - (view.last - view.first) * 0.1,
                             total_tokens (self));
      set_view (self, &view);
    }
  if ((guint)floor (to) != before)
    emit_token_activated (self, MIN ((guint)floor (to), MAX (data->n_tokens, 1) - 1));

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
mt_timeline_get_marker_placed (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), FALSE);

  return !self->marker_removed;
}

void
mt_timeline_remove_marker (MtTimeline *self)
{
  g_return_if_fail (MT_IS_TIMELINE (self));

  set_marker_removed (self, TRUE);
}

double
mt_timeline_get_marker_fraction (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), 0);

  if (self->data->n_reasoning == 0)
    return 0;

  return (double)self->marker_position / self->data->n_reasoning;
}

void
mt_timeline_set_highlight (MtTimeline *self,
                           guint       start_token,
                           guint       end_token)
{
  g_return_if_fail (MT_IS_TIMELINE (self));

  start_token = MIN (start_token, self->data->n_tokens);
  end_token = CLAMP (end_token, start_token, self->data->n_tokens);

  if (start_token == self->highlight_start && end_token == self->highlight_end)
    return;

  self->highlight_start = start_token;
  self->highlight_end = end_token;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
mt_timeline_get_highlight (MtTimeline *self,
                           guint      *start_token,
                           guint      *end_token)
{
  g_return_if_fail (MT_IS_TIMELINE (self));

  if (start_token != NULL)
    *start_token = self->highlight_start;
  if (end_token != NULL)
    *end_token = self->highlight_end;
}

void
mt_timeline_get_visible_range (MtTimeline *self,
                               double     *first,
                               double     *last)
{
  g_return_if_fail (MT_IS_TIMELINE (self));

  if (first != NULL)
    *first = self->layout.view.first;
  if (last != NULL)
    *last = self->layout.view.last;
}

void
mt_timeline_set_visible_range (MtTimeline *self,
                               double      first,
                               double      last)
{
  MtTimelineRange view = { first, last };

  g_return_if_fail (MT_IS_TIMELINE (self));
  g_return_if_fail (last > first);

  /* Zooming by 1 applies the same limits as any other zoom. */
  mt_timeline_range_zoom (&view, 1, first, min_span (self), total_tokens (self));
  set_view (self, &view);
}

void
mt_timeline_zoom (MtTimeline *self,
                  double      factor,
                  double      anchor)
{
  MtTimelineRange view;

  g_return_if_fail (MT_IS_TIMELINE (self));
  g_return_if_fail (factor > 0);

  view = self->layout.view;
  mt_timeline_range_zoom (&view, factor, anchor, min_span (self), total_tokens (self));
  set_view (self, &view);
}

guint
mt_timeline_get_n_tokens (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), 0);

  return self->data->n_tokens;
}

guint
mt_timeline_get_n_segments (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), 0);

  return self->data->segments->len;
}

MtTimelineSegmentKind
mt_timeline_get_segment (MtTimeline  *self,
                         guint        index,
                         const char **text,
                         gsize       *n_bytes,
                         gboolean    *inherited)
{
  const MtTimelineSegment *segment;

  g_return_val_if_fail (MT_IS_TIMELINE (self), MT_TIMELINE_SEGMENT_PROMPT);
  g_return_val_if_fail (index < self->data->segments->len, MT_TIMELINE_SEGMENT_PROMPT);

  segment = &g_array_index (self->data->segments, MtTimelineSegment, index);
  if (text != NULL)
    *text = segment->text;
  if (n_bytes != NULL)
    *n_bytes = segment->n_bytes;
  if (inherited != NULL)
    *inherited = segment->inherited;

  return segment->kind;
}

const char *
mt_timeline_get_segment_title (MtTimeline *self,
                               guint       index)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), NULL);
  g_return_val_if_fail (index < self->data->segments->len, NULL);

  return _mt_timeline_segment_title (&g_array_index (self->data->segments, MtTimelineSegment,
                                                     index));
}

gboolean
mt_timeline_locate_token (MtTimeline *self,
                          guint       token,
                          guint      *segment,
                          guint32    *byte_offset,
                          guint32    *n_bytes)
{
  const MtTimelineSegment *found;
  guint index;
  guint32 start, length;

  g_return_val_if_fail (MT_IS_TIMELINE (self), FALSE);

  index = mt_timeline_data_find_segment (self->data, token);
  if (index == G_MAXUINT)
    return FALSE;

  found = &g_array_index (self->data->segments, MtTimelineSegment, index);
  mt_token_spans_get_span (found->spans, token - found->first_token, &start, &length);

  /* An inherited segment ends inside its spans' text. */
  start = MIN (start, found->n_bytes);
  length = MIN (length, found->n_bytes - start);

  if (segment != NULL)
    *segment = index;
  if (byte_offset != NULL)
    *byte_offset = start;
  if (n_bytes != NULL)
    *n_bytes = length;

  return TRUE;
}

guint
mt_timeline_token_at_location (MtTimeline *self,
                               guint       segment,
                               guint32     byte_offset)
{
  const MtTimelineSegment *found;
  guint index;

  g_return_val_if_fail (MT_IS_TIMELINE (self), 0);
  g_return_val_if_fail (segment < self->data->segments->len, 0);

  found = &g_array_index (self->data->segments, MtTimelineSegment, segment);
  if (found->n_tokens == 0)
    return found->first_token;

  index = mt_token_spans_lookup (found->spans, MIN (byte_offset, found->n_bytes));

  return found->first_token + MIN (index, found->n_tokens - 1);
}

void
mt_timeline_popup_at_marker (MtTimeline *self,
                             GtkPopover *popover)
{
  g_return_if_fail (MT_IS_TIMELINE (self));
  g_return_if_fail (GTK_IS_POPOVER (popover));

  mt_timeline_marker_set_popover (self->marker, popover);
  gtk_popover_popup (popover);
}

const char *
mt_timeline_get_kind_label (MtInterruptKind kind)
{
  switch (kind)
    {
    case MT_INTERRUPT_HARD:
      return _("Hard interrupt");
    case MT_INTERRUPT_FORCE_ANSWER:
      return _("Forced answer");
    case MT_INTERRUPT_SPEEDUP:
      return _("Speed-up");
    case MT_INTERRUPT_UPDATE:
      return _("Update");
    case MT_INTERRUPT_GUIDED_UPDATE:
      return _("Guided update");
    case MT_INTERRUPT_UPDATE_SPEEDUP:
      return _("Update and speed-up");
    case MT_INTERRUPT_BUDGET_WAIT:
      return _("Budget wait");
    case MT_INTERRUPT_NO_THINKING:
      return _("No thinking");
    case MT_INTERRUPT_CUSTOM:
      return _("Custom interrupt");
    default:
      return _("Interrupt");
    }
}

/* Shared with the lanes and the tests */

const MtTimelineLayout *
_mt_timeline_get_layout (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), NULL);

  return &self->layout;
}

const MtTimelineData *
_mt_timeline_get_data (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), NULL);

  return self->data;
}

MtTimelineMarker *
_mt_timeline_get_marker (MtTimeline *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), NULL);

  return self->marker;
}

char *
_mt_timeline_dup_category_name (MtTimeline *self,
                                guint       category)
{
  g_return_val_if_fail (MT_IS_TIMELINE (self), NULL);

  if (self->category_names != NULL && category < g_strv_length (self->category_names)
      && *self->category_names[category] != '\0')
    return g_strdup (self->category_names[category]);

  /* Translators: a marker category without a name, "Category 2" */
  return g_strdup_printf (_("Category %u"), category + 1);
}

void
_mt_timeline_drag_marker_to (MtTimeline *self,
                             double      x,
                             gboolean    to_sentence)
{
  double position;

  g_return_if_fail (MT_IS_TIMELINE (self));

  if (!has_reasoning (self) || self->layout.plot_width <= 0)
    return;

  position = _mt_timeline_layout_x_to_token (&self->layout, x) - self->data->origin;
  position = CLAMP (position, 0, self->data->n_reasoning);

  if (to_sentence)
    move_marker (self, mt_timeline_data_snap_sentence (self->data, position), TRUE);
  else
    move_marker (self, (guint)round (position), TRUE);
}

const char *
_mt_timeline_segment_title (const MtTimelineSegment *segment)
{
  g_return_val_if_fail (segment != NULL, NULL);

  switch (segment->kind)
    {
    case MT_TIMELINE_SEGMENT_PROMPT:
      return _("Prompt");
    case MT_TIMELINE_SEGMENT_REASONING:
      return segment->inherited ? _("Reasoning Before the Interrupt") : _("Reasoning");
    case MT_TIMELINE_SEGMENT_INTERRUPT:
      return _("Interrupt");
    case MT_TIMELINE_SEGMENT_ANSWER:
      return _("Answer");
    default:
      g_return_val_if_reached (NULL);
    }
}

char *
_mt_timeline_dup_token_text (const MtTimelineSegment *segment,
                             guint                    index,
                             guint                    max_chars)
{
  g_autofree char *valid = NULL;
  GString *text;
  guint32 start, length;
  guint n_chars = 0;

  g_return_val_if_fail (segment != NULL, NULL);
  g_return_val_if_fail (index < segment->n_tokens, NULL);

  mt_token_spans_get_span (segment->spans, index, &start, &length);
  start = MIN (start, segment->n_bytes);
  length = MIN (length, segment->n_bytes - start);

  /* A real tokenizer may split a character between two tokens. */
  valid = g_utf8_make_valid (segment->text + start, length);
  text = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n_chars++ == max_chars)
        {
          g_string_append (text, "…");
          break;
        }

      /* Whitespace is what tells many tokens apart: make it visible. */
      if (c == '\n')
        g_string_append (text, "↵");
      else if (c == '\t')
        g_string_append (text, "⇥");
      else if (g_unichar_iscntrl (c))
        g_string_append_unichar (text, 0xFFFD);
      else
        g_string_append_unichar (text, c);
    }

  /* A token of spaces alone would look like no token at all. */
  if (text->len > 0 && strspn (text->str, " ") == text->len)
    g_string_assign (text, "␣");

  return g_string_free (text, FALSE);
}
