/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-core.h"

G_BEGIN_DECLS

/* What the timeline shows of one trace, computed once when the trace, its
 * branches or its marks change so that drawing a frame only maps it to
 * pixels. Positions on the timeline ("context tokens") count from the first
 * token of the prompt; marks, the marker and interrupts use indices into the
 * trace's own reasoning, as MtInterrupt does. No GTK here: the tests check
 * the arithmetic without a display. */

typedef enum
{
  MT_TIMELINE_SEGMENT_PROMPT,
  MT_TIMELINE_SEGMENT_REASONING,
  MT_TIMELINE_SEGMENT_INTERRUPT,
  MT_TIMELINE_SEGMENT_ANSWER,
} MtTimelineSegmentKind;

/* Marks of different categories differ in shape, never only in colour. */
typedef enum
{
  MT_TIMELINE_SHAPE_TRIANGLE,
  MT_TIMELINE_SHAPE_CIRCLE,
  MT_TIMELINE_SHAPE_SQUARE,
  MT_TIMELINE_SHAPE_DIAMOND,
} MtTimelineShape;

/* Categories beyond this many share rows of the markers lane. */
#define MT_TIMELINE_MAX_MARK_ROWS 4

/* One tick in the markers lane, such as a self-doubt phrase. */
typedef struct
{
  guint           category;    /* the caller's id; picks the colour */
  guint           token_index; /* into the trace's reasoning */
  MtTimelineShape shape;
} MtTimelineMark;

typedef struct
{
  MtTimelineSegmentKind  kind;
  /* Reasoning of the parent trace, kept before the interrupt. */
  gboolean               inherited;
  /* The segment covers bytes [0, n_bytes) of text and tokens
   * [0, n_tokens) of spans. */
  const char            *text;
  gsize                  n_bytes;
  MtTokenSpans          *spans;
  guint                  first_token;
  guint                  n_tokens;
} MtTimelineSegment;

typedef struct
{
  MtBranch        *branch;
  MtInterruptKind  kind;
  guint            token_index; /* into the trace's reasoning */
  double           fraction;
  char            *verdict;     /* "Correct", "Wrong · Panic"...; NULL while unknown */
} MtTimelineFork;

typedef struct
{
  MtTrace        *trace;
  GArray         *segments;          /* MtTimelineSegment */
  guint           n_tokens;
  /* Where the trace's own reasoning starts and how long it is: the range
   * of the marker, of marks and of forks. */
  guint           origin;
  guint           n_reasoning;
  guint           reasoning_segment; /* G_MAXUINT when there is none */

  /* Sentence boundaries in the own reasoning (sorted, reasoning indices,
   * 0 and n_reasoning included), and how many of them lie before each
   * context token, for binning. */
  GArray         *sentences;         /* guint */
  guint32        *sentence_cumulative;

  /* Marks sorted by token, one sorted index array per category seen, and
   * the cumulative count over context tokens for the density line. */
  GArray         *marks;             /* MtTimelineMark */
  GPtrArray      *mark_categories;   /* GArray of guint, indexed by category */
  GArray         *category_shapes;   /* MtTimelineShape, indexed by category */
  GArray         *category_rows;     /* guint, indexed by category */
  guint           n_mark_rows;
  guint32        *mark_cumulative;
  /* Changes with every call of mt_timeline_data_set_marks(), in any data:
   * what drawings of the marks are cached under. */
  guint           marks_serial;
  double          density_window;    /* tokens */
  double          density_max;       /* marks per token, over the trace */

  GArray         *forks;             /* MtTimelineFork, sorted by token */

  /* For a trace with arrival times, the wall-clock axis: where each context
   * token starts, in seconds since the request (n_tokens + 1 entries,
   * non-decreasing); NULL without times. A generated token lasts from its
   * arrival to the next one's; everything before the first (the prompt)
   * spreads over the wait for it. */
  double         *clock;
} MtTimelineData;

/* A visible window over the context tokens. */
typedef struct
{
  double first;
  double last;
} MtTimelineRange;

MtTimelineData *mt_timeline_data_new              (MtTrace              *trace);
void            mt_timeline_data_free             (MtTimelineData       *data);
void            mt_timeline_data_set_branches     (MtTimelineData       *data,
                                                   MtBranch * const     *branches,
                                                   guint                 n_branches);
void            mt_timeline_data_set_marks        (MtTimelineData       *data,
                                                   const MtTimelineMark *marks,
                                                   guint                 n_marks);
/* The segment holding context token @token, or G_MAXUINT past the end. */
guint           mt_timeline_data_find_segment     (const MtTimelineData *data,
                                                   guint                 token);
/* The nearest sentence boundary to @position (a reasoning index). */
guint           mt_timeline_data_snap_sentence    (const MtTimelineData *data,
                                                   double                position);
/* The next boundary after (@direction > 0) or before @position. */
guint           mt_timeline_data_step_sentence    (const MtTimelineData *data,
                                                   guint                 position,
                                                   int                   direction);
/* Marks per token around @token (context), averaged over density_window. */
double          mt_timeline_data_get_density      (const MtTimelineData *data,
                                                   double                token);

/* The time at a fractional context token on @clock (n + 1 entries). */
double          mt_timeline_clock_at              (const double         *clock,
                                                   guint                 n,
                                                   double                token);
/* The fractional context token at @seconds: the inverse of the above,
 * past tokens that took no time. */
double          mt_timeline_clock_find            (const double         *clock,
                                                   guint                 n,
                                                   double                seconds);
/* When generated token @index (into the trace's reasoning then answer)
 * arrived, in seconds; the context token @token's time on the clock. */
gboolean        mt_timeline_data_get_arrival      (const MtTimelineData *data,
                                                   guint                 token,
                                                   double               *seconds);

/* Sentence ends: byte offsets just after ". ", "? ", "! " or "\n\n". */
GArray         *mt_timeline_find_sentence_ends    (const char           *text,
                                                   gsize                 n_bytes);

/* Prefix sums of @counts (n + 1 entries, the first 0). */
guint32        *mt_timeline_cumulate              (const guint32        *counts,
                                                   guint                 n);
/* The cumulative count at a fractional token position, interpolated within
 * the token so that bins of any width add up exactly. */
double          mt_timeline_cumulative_at         (const guint32        *cumulative,
                                                   guint                 n,
                                                   double                position);
/* Sums the counts of tokens [first, last) into @n_columns equal columns.
 * Costs O(n_columns) whatever the number of tokens. */
void            mt_timeline_bin                   (const guint32        *cumulative,
                                                   guint                 n,
                                                   double                first,
                                                   double                last,
                                                   guint                 n_columns,
                                                   float                *columns);

/* Zooms by @factor (2 halves the window) keeping @anchor where it is on
 * screen, never narrower than @min_span nor wider than [0, total]. */
void            mt_timeline_range_zoom            (MtTimelineRange      *range,
                                                   double                factor,
                                                   double                anchor,
                                                   double                min_span,
                                                   double                total);
/* Moves the window by @delta tokens, stopping at either end. */
void            mt_timeline_range_pan             (MtTimelineRange      *range,
                                                   double                delta,
                                                   double                total);

G_END_DECLS
