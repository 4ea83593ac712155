/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-timeline-lane.h"

G_BEGIN_DECLS

#define MT_TYPE_TIMELINE_FORKS_LANE (mt_timeline_forks_lane_get_type ())

/* Branches of the trace leaving the axis at their interrupt, labelled with
 * their kind, X and, once known, their verdict. */
G_DECLARE_FINAL_TYPE (MtTimelineForksLane, mt_timeline_forks_lane,
                      MT, TIMELINE_FORKS_LANE, MtTimelineLane)

GtkWidget *mt_timeline_forks_lane_new    (void);
/* The branch whose fork or label is at (@x, @y), or NULL. */
MtBranch  *mt_timeline_forks_lane_lookup (MtTimelineForksLane *self,
                                          double               x,
                                          double               y);

/* The label drawn beside @fork: "Hard interrupt · 25% · Wrong". */
char      *mt_timeline_forks_lane_format_label (const MtTimelineFork *fork);

G_END_DECLS
