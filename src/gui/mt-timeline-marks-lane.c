/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "mt-plot-axis.h"
#include "mt-timeline-marks-lane.h"

#define N_MARK_COLORS   4
#define SHAPE_SIZE      8.0
/* Marks of one category closer than this share a shape: the lane draws at
 * most width / MIN_MARK_GAP shapes per category however many marks. */
#define MIN_MARK_GAP    3.0
#define DENSITY_STEP    2.0
#define HOVER_SLOP      4.0
/* A shape's stamp: its size, the outline and room to place the shape at a
 * fraction of a pixel. Shapes are centred on STAMP_CENTER + the fraction. */
#define STAMP_SIZE      (SHAPE_SIZE + 4.0)
#define STAMP_CENTER    5.0
/* A category with more shapes than this on screen is drawn as one strip. */
#define MAX_STAMP_NODES 64
/* Room in a strip for the shapes at its ends. */
#define STRIP_MARGIN    ((int)STAMP_SIZE)

/* One category's shape, filled and outlined once into a texture that every
 * mark of the category reuses: a frame appends a texture node per shape
 * instead of filling and stroking a path, so that drawing thousands of
 * marks costs next to nothing on the frame path.
 *
 * Past MAX_STAMP_NODES shapes on screen a node per shape would make the
 * frame cost grow with the marks, so the shapes are copied into one strip,
 * a single texture node. The strip covers a range of tokens around the view
 * at one zoom, and frames reuse it, on whole pixels, while the view stays
 * inside that range at a zoom that puts no shape half a pixel off: panning
 * and small zooms draw one node per category whatever the number of marks. */
typedef struct
{
  MtTimelineShape  shape;
  GdkRGBA          fill;
  GdkRGBA          outline;
  double           y_fraction;
  int              scale;
  GdkTexture      *texture;
  cairo_surface_t *surface;        /* the same stamp, to copy into strips */

  GdkTexture      *strip;
  guint            strip_serial;   /* MtTimelineData.marks_serial */
  double           strip_first;    /* the context token at the strip's x = 0 */
  double           strip_last;
  double           strip_px_per_token;
  double           strip_y;
} MarkStamp;

struct _MtTimelineMarksLane
{
  MtTimelineLane  parent_instance;

  GArray         *stamps;   /* MarkStamp, indexed by category */
};

G_DEFINE_FINAL_TYPE (MtTimelineMarksLane, mt_timeline_marks_lane, MT_TYPE_TIMELINE_LANE)

/* The index of the first token >= @position in the sorted @tokens. */
static guint
tokens_lower_bound (GArray *tokens,
                    double  position)
{
  guint lo = 0;
  guint hi = tokens->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (tokens, guint, mid) < position)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

static void
trace_shape (cairo_t         *cr,
             MtTimelineShape  shape,
             double           x,
             double           y,
             double           size)
{
  double r = size / 2;

  switch (shape)
    {
    case MT_TIMELINE_SHAPE_TRIANGLE:
      cairo_move_to (cr, x, y - r);
      cairo_line_to (cr, x + r, y + r);
      cairo_line_to (cr, x - r, y + r);
      cairo_close_path (cr);
      break;

    case MT_TIMELINE_SHAPE_CIRCLE:
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      break;

    case MT_TIMELINE_SHAPE_SQUARE:
      /* A square looks larger than a circle of the same width. */
      cairo_rectangle (cr, x - r * 0.85, y - r * 0.85, size * 0.85, size * 0.85);
      break;

    case MT_TIMELINE_SHAPE_DIAMOND:
      cairo_move_to (cr, x, y - r);
      cairo_line_to (cr, x + r, y);
      cairo_line_to (cr, x, y + r);
      cairo_line_to (cr, x - r, y);
      cairo_close_path (cr);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
paint_density (MtTimelineLane         *lane,
               cairo_t                *cr,
               const MtTimelineLayout *layout,
               const MtTimelineData   *data)
{
  const graphene_rect_t *band = &layout->density_band;
  double bottom = band->origin.y + band->size.height;
  double height = band->size.height - 2;
  double right = layout->plot_x + layout->plot_width;
  cairo_path_t *line;
  GdkRGBA fill, line_color;

  if (data->density_max <= 0)
    return;

  mt_timeline_lane_lookup_color (lane, "timeline_density_color", &fill);
  mt_timeline_lane_lookup_color (lane, "timeline_density_line_color", &line_color);
  cairo_new_path (cr);

  /* One sample every few pixels: the cost follows the width, and the
   * density is already smoothed over its window. */
  for (double x = layout->plot_x; x <= right + DENSITY_STEP / 2; x += DENSITY_STEP)
    {
      double token = _mt_timeline_layout_x_to_token (layout, MIN (x, right));
      double value = mt_timeline_data_get_density (data, token) / data->density_max;

      cairo_line_to (cr, MIN (x, right), bottom - value * height);
    }
  line = cairo_copy_path (cr);
  cairo_line_to (cr, right, bottom);
  cairo_line_to (cr, layout->plot_x, bottom);
  cairo_close_path (cr);
  gdk_cairo_set_source_rgba (cr, &fill);
  cairo_fill (cr);

  cairo_append_path (cr, line);
  cairo_path_destroy (line);
  cairo_set_line_width (cr, 1);
  gdk_cairo_set_source_rgba (cr, &line_color);
  cairo_stroke (cr);
}

static void
clear_stamp (MarkStamp *stamp)
{
  g_clear_object (&stamp->texture);
  g_clear_pointer (&stamp->surface, cairo_surface_destroy);
  g_clear_object (&stamp->strip);
}

static GdkTexture *
texture_for_surface (cairo_surface_t *surface)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  g_autoptr(GBytes) bytes = NULL;

  cairo_surface_flush (surface);
  bytes = g_bytes_new (cairo_image_surface_get_data (surface), (gsize)stride * height);

  /* Cairo's ARGB32 is premultiplied BGRA in native byte order. */
  return gdk_memory_texture_new (width, height,
                                 G_BYTE_ORDER == G_LITTLE_ENDIAN
                                 ? GDK_MEMORY_B8G8R8A8_PREMULTIPLIED
                                 : GDK_MEMORY_A8R8G8B8_PREMULTIPLIED,
                                 bytes, stride);
}

static cairo_surface_t *
draw_stamp (MtTimelineShape  shape,
            const GdkRGBA   *fill,
            const GdkRGBA   *outline,
            double           y_fraction,
            int              scale)
{
  int size = (int)ceil (STAMP_SIZE * scale);
  cairo_surface_t *surface;
  cairo_t *cr;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, size, size);
  cr = cairo_create (surface);
  cairo_scale (cr, scale, scale);
  cairo_set_line_width (cr, 1);
  trace_shape (cr, shape, STAMP_CENTER + 0.5, STAMP_CENTER + y_fraction, SHAPE_SIZE);
  gdk_cairo_set_source_rgba (cr, fill);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, outline);
  cairo_stroke (cr);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  return surface;
}

/* The stamp of @category in these colours, drawn again only when the
 * shape, a colour or the scale changed. */
static MarkStamp *
lookup_stamp (MtTimelineMarksLane *self,
              guint                category,
              MtTimelineShape      shape,
              const GdkRGBA       *fill,
              const GdkRGBA       *outline,
              double               y_fraction)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  MarkStamp *stamp;

  if (self->stamps->len <= category)
    g_array_set_size (self->stamps, category + 1);
  stamp = &g_array_index (self->stamps, MarkStamp, category);

  if (stamp->texture == NULL || stamp->shape != shape || stamp->scale != scale
      || stamp->y_fraction != y_fraction
      || !gdk_rgba_equal (&stamp->fill, fill) || !gdk_rgba_equal (&stamp->outline, outline))
    {
      clear_stamp (stamp);
      stamp->shape = shape;
      stamp->fill = *fill;
      stamp->outline = *outline;
      stamp->y_fraction = y_fraction;
      stamp->scale = scale;
      stamp->surface = draw_stamp (shape, fill, outline, y_fraction, scale);
      stamp->texture = texture_for_surface (stamp->surface);
    }

  return stamp;
}

/* The shapes of the marks in @tokens from context token @first on, as on
 * the token axis at @px_per_token, skipping those the previous shape
 * stands for; calls @func with each one's x relative to @first's. */
typedef void (*ShapeFunc) (double x, gpointer user_data);

static void
foreach_shape (GArray     *tokens,
               guint       origin,
               double      first,
               double      last,
               double      px_per_token,
               ShapeFunc   func,
               gpointer    user_data)
{
  guint i = tokens_lower_bound (tokens, first - origin - 1);

  while (i < tokens->len)
    {
      guint token = g_array_index (tokens, guint, i);
      double x = (origin + token + 0.5 - first) * px_per_token;

      if (origin + token > last + 1)
        break;

      func (x, user_data);
      i = tokens_lower_bound (tokens, MAX (token + 1.0, token + MIN_MARK_GAP / px_per_token));
    }
}

static void
count_shape_cb (double   x,
                gpointer user_data)
{
  (*(guint *)user_data)++;
}

typedef struct
{
  cairo_t   *cr;
  MarkStamp *stamp;
} StripPainter;

static void
paint_shape_cb (double   x,
                gpointer user_data)
{
  StripPainter *painter = user_data;
  int scale = painter->stamp->scale;
  int left = ((int)round (x) + STRIP_MARGIN - (int)STAMP_CENTER) * scale;

  cairo_set_source_surface (painter->cr, painter->stamp->surface, left, 0);
  cairo_rectangle (painter->cr, left, 0, STAMP_SIZE * scale, STAMP_SIZE * scale);
  cairo_fill (painter->cr);
}

/* Whether @stamp's strip can stand for the view of @layout: same marks,
 * the view inside it, and no shape more than a third of a pixel away from
 * where this zoom puts it. */
static gboolean
strip_fits (const MarkStamp        *stamp,
            const MtTimelineLayout *layout,
            const MtTimelineData   *data,
            double                  px_per_token,
            double                  y)
{
  double drift;

  if (stamp->strip == NULL || stamp->strip_serial != data->marks_serial || stamp->strip_y != y)
    return FALSE;
  if (layout->view.first < stamp->strip_first || layout->view.last > stamp->strip_last)
    return FALSE;

  drift = fabs (px_per_token - stamp->strip_px_per_token)
          * (stamp->strip_last - stamp->strip_first);
  return drift < 1.0 / 3;
}

/* Draws @stamp's strip for @layout: the view and half of it on each side,
 * so that a pan reuses it. */
static void
draw_strip (MarkStamp              *stamp,
            const MtTimelineLayout *layout,
            const MtTimelineData   *data,
            GArray                 *tokens,
            double                  px_per_token,
            double                  y)
{
  double span = layout->view.last - layout->view.first;
  double first = MAX (layout->view.first - span / 2, data->origin - 1.0);
  double last = MIN (layout->view.last + span / 2, (double)data->origin + data->n_reasoning + 1);
  cairo_surface_t *surface;
  StripPainter painter;
  int width;

  first = MIN (first, layout->view.first);
  last = MAX (last, layout->view.last);
  width = (int)ceil ((last - first) * px_per_token) + 2 * STRIP_MARGIN;

  g_clear_object (&stamp->strip);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * stamp->scale,
                                        (int)ceil (STAMP_SIZE * stamp->scale));
  painter.cr = cairo_create (surface);
  painter.stamp = stamp;
  foreach_shape (tokens, data->origin, first, last, px_per_token, paint_shape_cb, &painter);
  cairo_destroy (painter.cr);

  stamp->strip = texture_for_surface (surface);
  stamp->strip_serial = data->marks_serial;
  stamp->strip_first = first;
  stamp->strip_last = last;
  stamp->strip_px_per_token = px_per_token;
  stamp->strip_y = y;
  cairo_surface_destroy (surface);
}

static void
append_marks (MtTimelineLane         *lane,
              GtkSnapshot            *snapshot,
              const MtTimelineLayout *layout,
              const MtTimelineData   *data)
{
  MtTimelineMarksLane *self = MT_TIMELINE_MARKS_LANE (lane);
  double right = layout->plot_x + layout->plot_width;
  double px_per_token = layout->plot_width / (layout->view.last - layout->view.first);
  double centre = layout->clock != NULL ? 0 : 0.5;
  GdkRGBA outline;

  mt_timeline_lane_lookup_color (lane, "timeline_gap_color", &outline);

  for (guint category = 0; category < data->mark_categories->len; category++)
    {
      GArray *tokens = g_ptr_array_index (data->mark_categories, category);
      MtTimelineShape shape = g_array_index (data->category_shapes, MtTimelineShape, category);
      guint row = g_array_index (data->category_rows, guint, category);
      double y = _mt_timeline_layout_mark_row_y (layout, row);
      g_autofree char *name = NULL;
      MarkStamp *stamp;
      GdkRGBA color;
      guint n_shapes = 0;
      guint i;

      if (tokens->len == 0)
        continue;

      name = g_strdup_printf ("timeline_mark_%u_color", category % N_MARK_COLORS);
      mt_timeline_lane_lookup_color (lane, name, &color);
      stamp = lookup_stamp (self, category, shape, &color, &outline, y - floor (y));

      /* Many shapes on the token axis: one strip (the clock's scale varies
       * along the axis, so it always draws shape by shape). */
      if (layout->clock == NULL)
        {
          if (!strip_fits (stamp, layout, data, px_per_token, y))
            {
              foreach_shape (tokens, data->origin, layout->view.first, layout->view.last,
                             px_per_token, count_shape_cb, &n_shapes);
              if (n_shapes > MAX_STAMP_NODES)
                draw_strip (stamp, layout, data, tokens, px_per_token, y);
              else
                g_clear_object (&stamp->strip);
            }

          if (stamp->strip != NULL)
            {
              double x = round (_mt_timeline_layout_token_to_x (layout, stamp->strip_first))
                         - STRIP_MARGIN;

              gtk_snapshot_append_texture (snapshot, stamp->strip,
                                           &GRAPHENE_RECT_INIT (x, floor (y) - STAMP_CENTER,
                                                                gdk_texture_get_width (stamp->strip)
                                                                / (double)stamp->scale,
                                                                STAMP_SIZE));
              continue;
            }
        }

      i = tokens_lower_bound (tokens, layout->view.first - data->origin - 1);
      while (i < tokens->len)
        {
          guint token = g_array_index (tokens, guint, i);
          double x = _mt_timeline_layout_mark_x (layout, data->origin + token);
          double skip_to;

          if (x > right + SHAPE_SIZE)
            break;

          /* On whole pixels, so the stamp is copied, never resampled;
           * centred on a pixel's middle, as a 1 px outline is sharpest. */
          gtk_snapshot_append_texture (snapshot, stamp->texture,
                                       &GRAPHENE_RECT_INIT (round (x) - STAMP_CENTER,
                                                            floor (y) - STAMP_CENTER,
                                                            STAMP_SIZE, STAMP_SIZE));

          /* Jump past the marks this shape already stands for. */
          skip_to = _mt_timeline_layout_x_to_token (layout, x + MIN_MARK_GAP) - data->origin
                    - centre;
          i = tokens_lower_bound (tokens, MAX (token + 1.0, skip_to));
        }
    }
}

static void
mt_timeline_marks_lane_snapshot_scene (MtTimelineLane         *lane,
                                       GtkSnapshot            *snapshot,
                                       const MtTimelineLayout *layout,
                                       const MtTimelineData   *data)
{
  graphene_rect_t bounds;
  cairo_t *cr;

  if (data->marks->len == 0 || layout->marks_band.size.height <= 0)
    return;

  /* The density line, clipped to the plot by the node's bounds. */
  bounds = layout->density_band;
  bounds.origin.x = layout->plot_x;
  bounds.size.width = layout->plot_width;
  if (bounds.size.height > 0)
    {
      cr = gtk_snapshot_append_cairo (snapshot, &bounds);
      paint_density (lane, cr, layout, data);
      cairo_destroy (cr);
    }
  append_marks (lane, snapshot, layout, data);
}

static char *
describe_marks (MtTimelineLane         *lane,
                const MtTimelineLayout *layout,
                const MtTimelineData   *data,
                double                  x)
{
  MtTimeline *timeline = mt_timeline_lane_get_timeline (lane);
  double centre = layout->clock != NULL ? 0 : 0.5;
  double from = _mt_timeline_layout_x_to_token (layout, x - HOVER_SLOP) - data->origin - centre;
  double to = _mt_timeline_layout_x_to_token (layout, x + HOVER_SLOP) - data->origin - centre;
  GString *text = g_string_new (NULL);

  for (guint category = 0; category < data->mark_categories->len; category++)
    {
      GArray *tokens = g_ptr_array_index (data->mark_categories, category);
      guint n = tokens_lower_bound (tokens, to + 1e-9) - tokens_lower_bound (tokens, from);
      g_autofree char *name = NULL;

      if (n == 0)
        continue;

      name = _mt_timeline_dup_category_name (timeline, category);
      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* Translators: a marker category and how many of its marks are under
       * the pointer, "Self-doubt: 2 marks" */
      g_string_append_printf (text, ngettext ("%s: %u mark", "%s: %u marks", n), name, n);
    }

  if (text->len == 0)
    return g_string_free (text, TRUE);

  return g_string_free (text, FALSE);
}

static char *
mt_timeline_marks_lane_describe (MtTimelineLane         *lane,
                                 const MtTimelineLayout *layout,
                                 const MtTimelineData   *data,
                                 double                  x,
                                 double                  y)
{
  graphene_point_t point = GRAPHENE_POINT_INIT (x, y);

  if (data->marks->len == 0)
    return NULL;

  if (graphene_rect_contains_point (&layout->marks_band, &point))
    return describe_marks (lane, layout, data, x);

  if (graphene_rect_contains_point (&layout->density_band, &point))
    {
      double token = _mt_timeline_layout_x_to_token (layout, x);
      g_autofree char *window = mt_plot_format_tick (round (data->density_window), 1);

      if (token < data->origin || token > data->origin + data->n_reasoning)
        return NULL;

      /* Translators: the marker density sparkline's tooltip, "2.5 marks per
       * 100 tokens (over 80 tokens)" */
      return g_strdup_printf (_("%.1f marks per 100 tokens (over %s tokens)"),
                              100 * mt_timeline_data_get_density (data, token), window);
    }

  return NULL;
}

static void
mt_timeline_marks_lane_finalize (GObject *object)
{
  MtTimelineMarksLane *self = MT_TIMELINE_MARKS_LANE (object);

  g_clear_pointer (&self->stamps, g_array_unref);

  G_OBJECT_CLASS (mt_timeline_marks_lane_parent_class)->finalize (object);
}

static void
mt_timeline_marks_lane_class_init (MtTimelineMarksLaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  MtTimelineLaneClass *lane_class = MT_TIMELINE_LANE_CLASS (klass);

  object_class->finalize = mt_timeline_marks_lane_finalize;

  lane_class->snapshot_scene = mt_timeline_marks_lane_snapshot_scene;
  lane_class->describe = mt_timeline_marks_lane_describe;
}

static void
mt_timeline_marks_lane_init (MtTimelineMarksLane *self)
{
  self->stamps = g_array_new (FALSE, TRUE, sizeof (MarkStamp));
  g_array_set_clear_func (self->stamps, (GDestroyNotify)clear_stamp);
  gtk_widget_add_css_class (GTK_WIDGET (self), "marks");
}

GtkWidget *
mt_timeline_marks_lane_new (void)
{
  return g_object_new (MT_TYPE_TIMELINE_MARKS_LANE, NULL);
}
