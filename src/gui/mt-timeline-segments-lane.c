/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "mt-plot-axis.h"
#include "mt-timeline-segments-lane.h"

#define BAR_RADIUS 6.0
/* Zoomed in this far, single tokens get a boundary line, then their text. */
#define MIN_PX_FOR_TOKEN_LINES 6.0
#define MIN_PX_FOR_TOKEN_TEXT  36.0
/* Sentence ends closer than this on screen would be a grey smear. */
#define MIN_PX_PER_SENTENCE    4.0
#define LABEL_PADDING          8.0

struct _MtTimelineSegmentsLane
{
  MtTimelineLane parent_instance;
};

G_DEFINE_FINAL_TYPE (MtTimelineSegmentsLane, mt_timeline_segments_lane, MT_TYPE_TIMELINE_LANE)

static void
lookup_segment_colors (MtTimelineLane          *lane,
                       const MtTimelineSegment *segment,
                       GdkRGBA                 *background,
                       GdkRGBA                 *foreground)
{
  const char *bg_name = "timeline_prompt_color";
  const char *fg_name = "timeline_prompt_fg_color";

  switch (segment->kind)
    {
    case MT_TIMELINE_SEGMENT_PROMPT:
      break;

    case MT_TIMELINE_SEGMENT_REASONING:
      bg_name = segment->inherited ? "timeline_inherited_color" : "timeline_reasoning_color";
      fg_name = segment->inherited ? "timeline_inherited_fg_color"
                                   : "timeline_reasoning_fg_color";
      break;

    case MT_TIMELINE_SEGMENT_INTERRUPT:
      bg_name = "timeline_interrupt_color";
      fg_name = "timeline_interrupt_fg_color";
      break;

    case MT_TIMELINE_SEGMENT_ANSWER:
      bg_name = "timeline_answer_color";
      fg_name = "timeline_answer_fg_color";
      break;

    default:
      g_assert_not_reached ();
    }

  mt_timeline_lane_lookup_color (lane, bg_name, background);
  mt_timeline_lane_lookup_color (lane, fg_name, foreground);
}

static void
append_vline (GtkSnapshot           *snapshot,
              const GdkRGBA         *color,
              double                 x,
              const graphene_rect_t *band,
              double                 top_inset)
{
  gtk_snapshot_append_color (snapshot, color,
                             &GRAPHENE_RECT_INIT (round (x) - 0.5, band->origin.y + top_inset,
                                                  1, band->size.height - top_inset));
}

static void
append_label (GtkSnapshot   *snapshot,
              PangoLayout   *layout,
              const GdkRGBA *color,
              double         x,
              double         center_y)
{
  int width, height;

  pango_layout_get_pixel_size (layout, &width, &height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (round (x), round (center_y - height / 2.0)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

/* On the bar the colour already tells kept reasoning from new. */
static const char *
segment_short_title (const MtTimelineSegment *segment)
{
  if (segment->kind == MT_TIMELINE_SEGMENT_REASONING)
    return _("Reasoning");

  return _mt_timeline_segment_title (segment);
}

/* The segment's name, with its length when there is room for it. */
static void
append_segment_label (MtTimelineLane          *lane,
                      GtkSnapshot             *snapshot,
                      const MtTimelineSegment *segment,
                      const GdkRGBA           *color,
                      const graphene_rect_t   *visible)
{
  g_autoptr(PangoLayout) layout = NULL;
  g_autofree char *number = mt_plot_format_tick (segment->n_tokens, 1);
  g_autofree char *count = NULL;
  g_autofree char *text = NULL;
  const char *title = segment_short_title (segment);
  double room = visible->size.width - 2 * LABEL_PADDING;
  int width;

  /* Counts from the built-in tokenizer are estimates, and say so as the
   * trace list does. */
  if (mt_token_spans_get_source (segment->spans) == MT_TOKEN_SOURCE_APPROX)
    count = g_strconcat ("≈", number, NULL);
  else
    count = g_strdup (number);

  /* Translators: a timeline segment's name and its length, "Reasoning · 1,024 tokens" */
  text = g_strdup_printf (ngettext ("%s · %s token", "%s · %s tokens", segment->n_tokens),
                          title, count);
  layout = mt_timeline_lane_create_layout (lane, text, PANGO_SCALE_SMALL);
  pango_layout_get_pixel_size (layout, &width, NULL);

  if (width > room)
    {
      pango_layout_set_text (layout, title, -1);
      pango_layout_get_pixel_size (layout, &width, NULL);
      if (width > room)
        return;
    }

  append_label (snapshot, layout, color, visible->origin.x + LABEL_PADDING,
                visible->origin.y + visible->size.height / 2);
}

/* The index of the first sentence boundary >= @position. */
static guint
sentences_lower_bound (GArray *sentences,
                       double  position)
{
  guint lo = 0;
  guint hi = sentences->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (sentences, guint, mid) < position)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

static void
append_sentence_ends (MtTimelineLane         *lane,
                      GtkSnapshot            *snapshot,
                      const MtTimelineLayout *layout,
                      const MtTimelineData   *data)
{
  const graphene_rect_t *bar = &layout->bar_band;
  double first = layout->view.first;
  double last = layout->view.last;
  double px_per_token = layout->plot_width / (last - first);
  double n_visible;
  /* Short ticks along the bottom, like a ruler's, leave the label above
   * them readable. */
  double inset = bar->size.height * 0.7;
  GdkRGBA color;

  n_visible = mt_timeline_cumulative_at (data->sentence_cumulative, data->n_tokens, last)
              - mt_timeline_cumulative_at (data->sentence_cumulative, data->n_tokens, first);
  if (n_visible < 0.5 || layout->plot_width / n_visible < MIN_PX_PER_SENTENCE)
    return;

  mt_timeline_lane_lookup_color (lane, "timeline_sentence_color", &color);

  /* On the clock axis columns are not equal runs of tokens; the ends on
   * screen are few (see above), so each is placed. */
  if (px_per_token >= 1 || layout->clock != NULL)
    {
      /* Few tokens on screen: each end at its exact boundary. */
      for (guint i = sentences_lower_bound (data->sentences, first - data->origin);
           i < data->sentences->len; i++)
        {
          guint boundary = g_array_index (data->sentences, guint, i);

          if (data->origin + boundary > last)
            break;
          if (boundary == 0 || boundary == data->n_reasoning)
            continue;
          append_vline (snapshot, &color,
                        _mt_timeline_layout_token_to_x (layout, data->origin + boundary),
                        bar, inset);
        }
    }
  else
    {
      /* Many tokens per pixel: bin into pixel columns, so the cost is the
       * width whatever the length of the trace. */
      guint n_columns = (guint)ceil (layout->plot_width);
      g_autofree float *columns = g_new (float, n_columns);

      mt_timeline_bin (data->sentence_cumulative, data->n_tokens, first,
                       first + n_columns / px_per_token, n_columns, columns);
      for (guint c = 0; c < n_columns; c++)
        {
          if (columns[c] >= 0.5f)
            append_vline (snapshot, &color, layout->plot_x + c + 0.5, bar, inset);
        }
    }
}

static void
append_token_text (MtTimelineLane          *lane,
                   GtkSnapshot             *snapshot,
                   const MtTimelineSegment *segment,
                   guint                    token,
                   double                   x,
                   double                   px_per_token,
                   const graphene_rect_t   *bar)
{
  g_autofree char *text = _mt_timeline_dup_token_text (segment, token - segment->first_token, 24);
  g_autoptr(PangoLayout) layout = mt_timeline_lane_create_layout (lane, text, PANGO_SCALE_SMALL);
  GdkRGBA background, foreground;
  int width;

  lookup_segment_colors (lane, segment, &background, &foreground);
  pango_layout_set_width (layout, (int)((px_per_token - 4) * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_size (layout, &width, NULL);
  append_label (snapshot, layout, &foreground,
                x + (px_per_token - width) / 2, bar->origin.y + bar->size.height / 2);
}

static void
append_tokens (MtTimelineLane         *lane,
               GtkSnapshot            *snapshot,
               const MtTimelineLayout *layout,
               const MtTimelineData   *data)
{
  const graphene_rect_t *bar = &layout->bar_band;
  double px_per_token = layout->plot_width / (layout->view.last - layout->view.first);
  guint first = (guint)MAX (0, floor (layout->view.first));
  guint last = MIN ((guint)ceil (layout->view.last), data->n_tokens);
  guint segment_index = G_MAXUINT;
  const MtTimelineSegment *segment = NULL;
  GdkRGBA line_color;

  mt_timeline_lane_lookup_color (lane, "timeline_token_color", &line_color);

  for (guint t = first; t < last; t++)
    {
      double x = _mt_timeline_layout_token_to_x (layout, t);

      if (t > 0)
        append_vline (snapshot, &line_color, x, bar, 0);

      /* On the clock axis tokens differ in width: lines only. */
      if (px_per_token < MIN_PX_FOR_TOKEN_TEXT || layout->clock != NULL)
        continue;

      if (segment == NULL || t >= segment->first_token + segment->n_tokens)
        {
          segment_index = mt_timeline_data_find_segment (data, t);
          if (segment_index == G_MAXUINT)
            continue;
          segment = &g_array_index (data->segments, MtTimelineSegment, segment_index);
        }

      append_token_text (lane, snapshot, segment, t, x, px_per_token, bar);
    }
}

static void
mt_timeline_segments_lane_snapshot_scene (MtTimelineLane         *lane,
                                          GtkSnapshot            *snapshot,
                                          const MtTimelineLayout *layout,
                                          const MtTimelineData   *data)
{
  const graphene_rect_t *bar = &layout->bar_band;
  double plot_right = layout->plot_x + layout->plot_width;
  double px_per_token = layout->plot_width / (layout->view.last - layout->view.first);
  GskRoundedRect outline;
  GdkRGBA gap_color;

  if (data->n_tokens == 0)
    {
      GdkRGBA empty;

      mt_timeline_lane_lookup_color (lane, "timeline_token_color", &empty);
      gsk_rounded_rect_init_from_rect (&outline,
                                       &GRAPHENE_RECT_INIT (layout->plot_x, bar->origin.y,
                                                            layout->plot_width, bar->size.height),
                                       BAR_RADIUS);
      gtk_snapshot_push_rounded_clip (snapshot, &outline);
      gtk_snapshot_append_color (snapshot, &empty, &outline.bounds);
      gtk_snapshot_pop (snapshot);
      return;
    }

  /* Rounded where the trace really starts and ends, cut square where the
   * view cuts it. */
  gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (layout->plot_x, bar->origin.y,
                                                         layout->plot_width, bar->size.height));
  {
    double x0 = _mt_timeline_layout_token_to_x (layout, 0);
    double x1 = _mt_timeline_layout_token_to_x (layout, data->n_tokens);

    gsk_rounded_rect_init_from_rect (&outline,
                                     &GRAPHENE_RECT_INIT (x0, bar->origin.y, x1 - x0,
                                                          bar->size.height),
                                     BAR_RADIUS);
    gtk_snapshot_push_rounded_clip (snapshot, &outline);
  }

  mt_timeline_lane_lookup_color (lane, "timeline_gap_color", &gap_color);

  for (guint i = 0; i < data->segments->len; i++)
    {
      const MtTimelineSegment *segment = &g_array_index (data->segments, MtTimelineSegment, i);
      double x0 = _mt_timeline_layout_token_to_x (layout, segment->first_token);
      double x1 = _mt_timeline_layout_token_to_x (layout,
                                                  segment->first_token + segment->n_tokens);
      GdkRGBA background, foreground;

      x0 = MAX (x0, layout->plot_x);
      x1 = MIN (x1, plot_right);
      if (segment->n_tokens == 0 || x1 <= x0)
        continue;

      lookup_segment_colors (lane, segment, &background, &foreground);
      gtk_snapshot_append_color (snapshot, &background,
                                 &GRAPHENE_RECT_INIT (x0, bar->origin.y, x1 - x0,
                                                      bar->size.height));

      if (px_per_token < MIN_PX_FOR_TOKEN_TEXT)
        append_segment_label (lane, snapshot, segment, &foreground,
                              &GRAPHENE_RECT_INIT (x0, bar->origin.y, x1 - x0,
                                                   bar->size.height));
    }

  append_sentence_ends (lane, snapshot, layout, data);

  if (px_per_token >= MIN_PX_FOR_TOKEN_LINES)
    append_tokens (lane, snapshot, layout, data);

  /* A gap between neighbours tells them apart without relying on hue. */
  for (guint i = 1; i < data->segments->len; i++)
    {
      const MtTimelineSegment *segment = &g_array_index (data->segments, MtTimelineSegment, i);
      double x = _mt_timeline_layout_token_to_x (layout, segment->first_token);

      if (segment->first_token == 0 || segment->first_token >= data->n_tokens
          || x < layout->plot_x || x > plot_right)
        continue;
      gtk_snapshot_append_color (snapshot, &gap_color,
                                 &GRAPHENE_RECT_INIT (round (x) - 1, bar->origin.y, 2,
                                                      bar->size.height));
    }

  gtk_snapshot_pop (snapshot);
  gtk_snapshot_pop (snapshot);
}

static char *
mt_timeline_segments_lane_describe (MtTimelineLane         *lane,
                                    const MtTimelineLayout *layout,
                                    const MtTimelineData   *data,
                                    double                  x,
                                    double                  y)
{
  const MtTimelineSegment *segment;
  g_autofree char *text = NULL;
  g_autofree char *index = NULL;
  g_autofree char *count = NULL;
  g_autofree char *where = NULL;
  double token, seconds;
  guint segment_index;
  guint t;

  if (!graphene_rect_contains_point (&layout->bar_band, &GRAPHENE_POINT_INIT (x, y)))
    return NULL;

  token = _mt_timeline_layout_x_to_token (layout, x);
  if (token < 0 || token >= data->n_tokens)
    return NULL;

  t = (guint)token;
  segment_index = mt_timeline_data_find_segment (data, t);
  if (segment_index == G_MAXUINT)
    return NULL;

  segment = &g_array_index (data->segments, MtTimelineSegment, segment_index);
  text = _mt_timeline_dup_token_text (segment, t - segment->first_token, 40);
  index = mt_plot_format_tick (t - segment->first_token, 1);
  count = mt_plot_format_tick (segment->n_tokens, 1);

  /* Translators: where a token is, "Reasoning: token 12 of 300" */
  where = g_strdup_printf (_("%s: token %s of %s"), _mt_timeline_segment_title (segment),
                           index, count);

  if (mt_timeline_data_get_arrival (data, t, &seconds))
    {
      char *timed;

      /* Translators: where a token is, then when it arrived, "Reasoning:
       * token 12 of 300 · at 4.25 s" */
      timed = g_strdup_printf (_("%s · at %.2f s"), where, seconds);
      g_free (where);
      where = timed;
    }

  if (segment_index == data->reasoning_segment)
    {
      double percent = 100.0 * (t - segment->first_token) / MAX (segment->n_tokens, 1);

      /* Translators: a token's text in quotes, where it is, and X */
      return g_strdup_printf (_("“%s”\n%s · X %.1f%%"), text, where, percent);
    }

  /* Translators: a token's text in quotes, then where it is */
  return g_strdup_printf (_("“%s”\n%s"), text, where);
}

static void
mt_timeline_segments_lane_class_init (MtTimelineSegmentsLaneClass *klass)
{
  MtTimelineLaneClass *lane_class = MT_TIMELINE_LANE_CLASS (klass);

  lane_class->snapshot_scene = mt_timeline_segments_lane_snapshot_scene;
  lane_class->describe = mt_timeline_segments_lane_describe;
}

static void
mt_timeline_segments_lane_init (MtTimelineSegmentsLane *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "segments");
}

GtkWidget *
mt_timeline_segments_lane_new (void)
{
  return g_object_new (MT_TYPE_TIMELINE_SEGMENTS_LANE, NULL);
}
