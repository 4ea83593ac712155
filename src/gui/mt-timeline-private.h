/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-timeline.h"
#include "mt-timeline-marker.h"

G_BEGIN_DECLS

/* Where each lane draws, in timeline coordinates. Lanes are full-size
 * overlays (as in Sysprof's chart) so that a fork can run from the bar
 * through the axis; each keeps to its band. */
#define MT_TIMELINE_FORK_ROW_HEIGHT 20.0
#define MT_TIMELINE_MARK_ROW_HEIGHT 11.0
#define MT_TIMELINE_MARK_PADDING    2.0
#define MT_TIMELINE_MAX_FORK_ROWS   3

typedef struct
{
  double           plot_x;       /* where the visible first token is drawn */
  double           plot_width;
  graphene_rect_t  handle_band;  /* the marker's label */
  graphene_rect_t  marks_band;
  graphene_rect_t  density_band;
  graphene_rect_t  bar_band;
  graphene_rect_t  axis_band;
  graphene_rect_t  forks_band;
  guint            n_fork_rows;
  /* Context tokens, also on the wall-clock axis. */
  MtTimelineRange  view;
  /* The wall-clock axis when it is shown (MtTimelineData.clock), else NULL:
   * the view's tokens then span the time between theirs. */
  const double    *clock;
  guint            clock_n;
} MtTimelineLayout;

const MtTimelineLayout *_mt_timeline_get_layout     (MtTimeline             *self);
const MtTimelineData   *_mt_timeline_get_data       (MtTimeline             *self);
MtTimelineMarker       *_mt_timeline_get_marker     (MtTimeline             *self);
guint                   _mt_timeline_get_n_marks    (MtTimeline             *self);
/* The tooltip name of a mark category: the caller's, or a generic one. */
char                   *_mt_timeline_dup_category_name (MtTimeline          *self,
                                                     guint                   category);
/* "Reasoning", "Answer"...: what the transcript heads the segment with. */
const char             *_mt_timeline_segment_title  (const MtTimelineSegment *segment);
/* Token @index of @segment as a short, printable string ("↵" for newlines). */
char                   *_mt_timeline_dup_token_text (const MtTimelineSegment *segment,
                                                     guint                   index,
                                                     guint                   max_chars);
/* Moves a playing playhead on by @seconds of replay, as a frame does. */
void                    _mt_timeline_advance_playhead (MtTimeline           *self,
                                                       double                seconds);
/* The label of fork @index, in token order. */
char                   *_mt_timeline_dup_fork_label (MtTimeline             *self,
                                                     guint                   index);
/* Moves the marker to a place on screen, as a drag does. */
void                    _mt_timeline_drag_marker_to (MtTimeline             *self,
                                                     double                  x,
                                                     gboolean                to_sentence);

/* Whether the view spans some time on the clock: a window inside tokens
 * that took none falls back to tokens. */
static inline gboolean
_mt_timeline_layout_has_clock (const MtTimelineLayout *layout,
                               double                 *first,
                               double                 *last)
{
  if (layout->clock == NULL)
    return FALSE;

  *first = mt_timeline_clock_at (layout->clock, layout->clock_n, layout->view.first);
  *last = mt_timeline_clock_at (layout->clock, layout->clock_n, layout->view.last);
  return *last > *first;
}

/* Seconds on the clock axis to x; only with _mt_timeline_layout_has_clock(). */
static inline double
_mt_timeline_layout_time_to_x (const MtTimelineLayout *layout,
                               double                  first,
                               double                  last,
                               double                  seconds)
{
  return layout->plot_x + (seconds - first) / (last - first) * layout->plot_width;
}

static inline double
_mt_timeline_layout_token_to_x (const MtTimelineLayout *layout,
                                double                  token)
{
  double first, last;

  if (_mt_timeline_layout_has_clock (layout, &first, &last))
    return _mt_timeline_layout_time_to_x (layout, first, last,
                                          mt_timeline_clock_at (layout->clock, layout->clock_n,
                                                                token));

  return layout->plot_x
         + (token - layout->view.first) / (layout->view.last - layout->view.first)
           * layout->plot_width;
}

static inline double
_mt_timeline_layout_x_to_token (const MtTimelineLayout *layout,
                                double                  x)
{
  double first, last;

  if (_mt_timeline_layout_has_clock (layout, &first, &last))
    {
      double seconds = first + (x - layout->plot_x) / layout->plot_width * (last - first);
      double tokens_per_second = (layout->view.last - layout->view.first) / (last - first);
      double end = layout->clock[layout->clock_n];

      /* Outside the trace, as on the token axis, tokens go on evenly. */
      if (seconds < layout->clock[0])
        return (seconds - layout->clock[0]) * tokens_per_second;
      if (seconds > end)
        return layout->clock_n + (seconds - end) * tokens_per_second;
      return mt_timeline_clock_find (layout->clock, layout->clock_n, seconds);
    }

  return layout->view.first
         + (x - layout->plot_x) / layout->plot_width * (layout->view.last - layout->view.first);
}

/* Where a mark on token @token (context) is drawn: the token's middle, or
 * its arrival on the clock. */
static inline double
_mt_timeline_layout_mark_x (const MtTimelineLayout *layout,
                            double                  token)
{
  return _mt_timeline_layout_token_to_x (layout, layout->clock != NULL ? token : token + 0.5);
}

/* The middle of row @row of the markers lane. */
static inline double
_mt_timeline_layout_mark_row_y (const MtTimelineLayout *layout,
                                guint                   row)
{
  return layout->marks_band.origin.y + MT_TIMELINE_MARK_PADDING
         + (row + 0.5) * MT_TIMELINE_MARK_ROW_HEIGHT;
}

G_END_DECLS
