/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-timeline-lane.h"

G_BEGIN_DECLS

#define MT_TYPE_TIMELINE_MARKS_LANE (mt_timeline_marks_lane_get_type ())

/* Mark ticks, one shape per category, over a sparkline of their density. */
G_DECLARE_FINAL_TYPE (MtTimelineMarksLane, mt_timeline_marks_lane,
                      MT, TIMELINE_MARKS_LANE, MtTimelineLane)

GtkWidget *mt_timeline_marks_lane_new (void);

G_END_DECLS
