/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MT_TYPE_TIMELINE_MARKER (mt_timeline_marker_get_type ())

/* The handle of the timeline's interrupt marker: a focusable label showing
 * the token index and X, exposed to assistive technologies as a slider.
 * Moving it is the timeline's business; the handle only shows and tells. */
G_DECLARE_FINAL_TYPE (MtTimelineMarker, mt_timeline_marker, MT, TIMELINE_MARKER, GtkWidget)

GtkWidget  *mt_timeline_marker_new         (void);
/* Shows @position out of @n_tokens and updates the accessible value. */
void        mt_timeline_marker_set_value   (MtTimelineMarker *self,
                                            guint             position,
                                            guint             n_tokens);
const char *mt_timeline_marker_get_label   (MtTimelineMarker *self);
/* Keeps @popover pointing at the handle; replaces any earlier one. */
void        mt_timeline_marker_set_popover (MtTimelineMarker *self,
                                            GtkPopover       *popover);
GtkPopover *mt_timeline_marker_get_popover (MtTimelineMarker *self);

G_END_DECLS
