/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-timeline-lane.h"

G_BEGIN_DECLS

#define MT_TYPE_TIMELINE_AXIS_LANE (mt_timeline_axis_lane_get_type ())

/* Token indices (counted from the start of the reasoning) and X, the
 * fraction of the reasoning, under the bar. */
G_DECLARE_FINAL_TYPE (MtTimelineAxisLane, mt_timeline_axis_lane,
                      MT, TIMELINE_AXIS_LANE, MtTimelineLane)

GtkWidget *mt_timeline_axis_lane_new (void);

G_END_DECLS
