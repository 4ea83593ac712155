/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "mt-core.h"
#include "mt-timeline-data.h"

G_BEGIN_DECLS

#define MT_TYPE_TIMELINE (mt_timeline_get_type ())

/* One trace over a token axis: its segments, marks, the branches that fork
 * from it, and a draggable interrupt marker that is also an accessible
 * slider. Positions called "context tokens" count from the first prompt
 * token; the marker, marks and forks use indices into the trace's own
 * reasoning, like MtInterrupt. */
G_DECLARE_FINAL_TYPE (MtTimeline, mt_timeline, MT, TIMELINE, GtkWidget)

GtkWidget             *mt_timeline_new                 (void);
MtTrace               *mt_timeline_get_trace           (MtTimeline            *self);
void                   mt_timeline_set_trace           (MtTimeline            *self,
                                                        MtTrace               *trace);
/* Lays out the same trace again after it grew (a live run); keeps the
 * marker and a zoomed view. Branches and marks are set again after. */
void                   mt_timeline_reload              (MtTimeline            *self);
/* The wall-clock axis (seconds since the request) for traces with
 * arrival times; the "timeline.axis-clock" action toggles it. */
gboolean               mt_timeline_has_clock           (MtTimeline            *self);
gboolean               mt_timeline_get_axis_clock      (MtTimeline            *self);
void                   mt_timeline_set_axis_clock      (MtTimeline            *self,
                                                        gboolean               axis_clock);
/* The branches that continue the trace, drawn as forks at their interrupt. */
void                   mt_timeline_set_branches        (MtTimeline            *self,
                                                        MtBranch * const      *branches,
                                                        guint                  n_branches);
/* Adds @verdict ("Correct", "Wrong · Panic"...) to the label of
 * @branch's fork; NULL while it is not known. Grading is the caller's:
 * the timeline only shows it. */
void                   mt_timeline_set_branch_verdict  (MtTimeline            *self,
                                                        MtBranch              *branch,
                                                        const char            *verdict);
/* Ticks in the markers lane; the marks are copied. */
void                   mt_timeline_set_markers         (MtTimeline            *self,
                                                        const MtTimelineMark  *marks,
                                                        guint                  n_marks);
/* Names for the tooltips of mark categories, indexed by category id. */
void                   mt_timeline_set_marker_names    (MtTimeline            *self,
                                                        const char * const    *names);
guint                  mt_timeline_get_n_reasoning_tokens (MtTimeline         *self);
/* FALSE once the user removed the interrupt marker (Delete); pressing on
 * the reasoning, Enter or Insert places it again, as does setting its
 * position or a new trace. */
gboolean               mt_timeline_get_marker_placed   (MtTimeline            *self);
void                   mt_timeline_remove_marker       (MtTimeline            *self);
/* Replay, for classes: a playhead moves over the trace at a speed in
 * tokens per second (Space plays and pauses, ] and [ double and halve the
 * speed), pausing by itself at each marker tick it reaches; the transcript
 * follows it through ::token-activated. */
#define MT_TIMELINE_MIN_SPEED     1.0
#define MT_TIMELINE_MAX_SPEED     2000.0
#define MT_TIMELINE_DEFAULT_SPEED 20.0
gboolean               mt_timeline_get_playing         (MtTimeline            *self);
void                   mt_timeline_set_playing         (MtTimeline            *self,
                                                        gboolean               playing);
double                 mt_timeline_get_playback_speed  (MtTimeline            *self);
void                   mt_timeline_set_playback_speed  (MtTimeline            *self,
                                                        double                 tokens_per_second);
/* The playhead, in context tokens; negative before the first play. */
double                 mt_timeline_get_playhead        (MtTimeline            *self);
/* The interrupt marker, as a reasoning token index in [0, n_reasoning]. */
guint                  mt_timeline_get_marker_position (MtTimeline            *self);
void                   mt_timeline_set_marker_position (MtTimeline            *self,
                                                        guint                  position);
double                 mt_timeline_get_marker_fraction (MtTimeline            *self);
/* Marks context tokens [start, end) as selected elsewhere; start == end
 * clears it. */
void                   mt_timeline_set_highlight       (MtTimeline            *self,
                                                        guint                  start_token,
                                                        guint                  end_token);
void                   mt_timeline_get_highlight       (MtTimeline            *self,
                                                        guint                 *start_token,
                                                        guint                 *end_token);
/* The visible window, in context tokens. */
void                   mt_timeline_get_visible_range   (MtTimeline            *self,
                                                        double                *first,
                                                        double                *last);
void                   mt_timeline_set_visible_range   (MtTimeline            *self,
                                                        double                 first,
                                                        double                 last);
/* Zooms by @factor (2 halves the window) around context token @anchor. */
void                   mt_timeline_zoom                (MtTimeline            *self,
                                                        double                 factor,
                                                        double                 anchor);
guint                  mt_timeline_get_n_tokens        (MtTimeline            *self);
guint                  mt_timeline_get_n_segments      (MtTimeline            *self);
/* Segment @index: its kind and the part of its text it covers. */
MtTimelineSegmentKind  mt_timeline_get_segment         (MtTimeline            *self,
                                                        guint                  index,
                                                        const char           **text,
                                                        gsize                 *n_bytes,
                                                        gboolean              *inherited);
/* The heading for segment @index, as on the bar: "Reasoning"... */
const char            *mt_timeline_get_segment_title   (MtTimeline            *self,
                                                        guint                  index);
/* Where context token @token is: a segment and the bytes it covers in the
 * segment's text. FALSE when there is no such token. */
gboolean               mt_timeline_locate_token        (MtTimeline            *self,
                                                        guint                  token,
                                                        guint                 *segment,
                                                        guint32               *byte_offset,
                                                        guint32               *n_bytes);
/* The context token holding byte @byte_offset of segment @segment. */
guint                  mt_timeline_token_at_location   (MtTimeline            *self,
                                                        guint                  segment,
                                                        guint32                byte_offset);
/* Shows @popover pointing at the marker's handle; the timeline keeps it
 * until another one replaces it. */
void                   mt_timeline_popup_at_marker     (MtTimeline            *self,
                                                        GtkPopover            *popover);
/* A short name for an interrupt kind, for labels ("Hard interrupt"). */
const char            *mt_timeline_get_kind_label      (MtInterruptKind        kind);

G_END_DECLS
