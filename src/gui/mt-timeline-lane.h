/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-timeline-private.h"

G_BEGIN_DECLS

#define MT_TYPE_TIMELINE_LANE (mt_timeline_lane_get_type ())

/* One layer of the timeline. A lane draws its scene once into a render node
 * and reuses it until the data, the view, the size or the style changes;
 * it answers what lies under a point for tooltips. Derivable: each lane
 * kind is a subclass. */
G_DECLARE_DERIVABLE_TYPE (MtTimelineLane, mt_timeline_lane, MT, TIMELINE_LANE, GtkWidget)

struct _MtTimelineLaneClass
{
  GtkWidgetClass parent_class;

  void   (*snapshot_scene) (MtTimelineLane         *self,
                            GtkSnapshot            *snapshot,
                            const MtTimelineLayout *layout,
                            const MtTimelineData   *data);
  char  *(*describe)       (MtTimelineLane         *self,
                            const MtTimelineLayout *layout,
                            const MtTimelineData   *data,
                            double                  x,
                            double                  y);
  /* The scene is gone: anything remembered about it is stale. */
  void   (*scene_dropped)  (MtTimelineLane         *self);
};

MtTimeline  *mt_timeline_lane_get_timeline (MtTimelineLane *self);
/* Drops the cached scene; the next frame draws it again. */
void         mt_timeline_lane_invalidate   (MtTimelineLane *self);
/* A tooltip text for (@x, @y) in timeline coordinates, or NULL. */
char        *mt_timeline_lane_describe     (MtTimelineLane *self,
                                            double          x,
                                            double          y);
/* For subclasses. A named colour from the style sheet, the text colour
 * when the theme lacks it. */
void         mt_timeline_lane_lookup_color (MtTimelineLane *self,
                                            const char     *name,
                                            GdkRGBA        *color);
/* A layout for short labels: smaller, with tabular figures. */
PangoLayout *mt_timeline_lane_create_layout (MtTimelineLane *self,
                                             const char     *text,
                                             double          scale);

G_END_DECLS
