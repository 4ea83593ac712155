/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-timeline-lane.h"

G_BEGIN_DECLS

#define MT_TYPE_TIMELINE_SEGMENTS_LANE (mt_timeline_segments_lane_get_type ())

/* The bar of prompt, reasoning, interrupt and answer over the token axis,
 * with sentence ends and, zoomed in, single tokens. */
G_DECLARE_FINAL_TYPE (MtTimelineSegmentsLane, mt_timeline_segments_lane,
                      MT, TIMELINE_SEGMENTS_LANE, MtTimelineLane)

GtkWidget *mt_timeline_segments_lane_new (void);

G_END_DECLS
