/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "mt-plot-axis.h"
#include "mt-timeline-marker.h"

struct _MtTimelineMarker
{
  GtkWidget   parent_instance;

  GtkLabel   *label;
  GtkPopover *popover;
};

G_DEFINE_FINAL_TYPE (MtTimelineMarker, mt_timeline_marker, GTK_TYPE_WIDGET)

static void
mt_timeline_marker_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  MtTimelineMarker *self = MT_TIMELINE_MARKER (widget);

  gtk_widget_measure (GTK_WIDGET (self->label), orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
mt_timeline_marker_size_allocate (GtkWidget *widget,
                                  int        width,
                                  int        height,
                                  int        baseline)
{
  MtTimelineMarker *self = MT_TIMELINE_MARKER (widget);

  gtk_widget_allocate (GTK_WIDGET (self->label), width, height, baseline, NULL);

  /* A popover follows its parent only if the parent presents it. */
  if (self->popover != NULL)
    gtk_popover_present (self->popover);
}

static void
mt_timeline_marker_dispose (GObject *object)
{
  MtTimelineMarker *self = MT_TIMELINE_MARKER (object);

  if (self->popover != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->popover));
      self->popover = NULL;
    }
  if (self->label != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->label));
      self->label = NULL;
    }

  G_OBJECT_CLASS (mt_timeline_marker_parent_class)->dispose (object);
}

static void
mt_timeline_marker_class_init (MtTimelineMarkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_timeline_marker_dispose;

  widget_class->measure = mt_timeline_marker_measure;
  widget_class->size_allocate = mt_timeline_marker_size_allocate;

  gtk_widget_class_set_css_name (widget_class, "marker");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
mt_timeline_marker_init (MtTimelineMarker *self)
{
  self->label = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_set_parent (GTK_WIDGET (self->label), GTK_WIDGET (self));

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "col-resize");

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Interrupt position"),
                                  GTK_ACCESSIBLE_PROPERTY_ORIENTATION,
                                  GTK_ORIENTATION_HORIZONTAL,
                                  -1);
  mt_timeline_marker_set_value (self, 0, 0);
}

GtkWidget *
mt_timeline_marker_new (void)
{
  return g_object_new (MT_TYPE_TIMELINE_MARKER, NULL);
}

void
mt_timeline_marker_set_value (MtTimelineMarker *self,
                              guint             position,
                              guint             n_tokens)
{
  g_autofree char *index = NULL;
  g_autofree char *total = NULL;
  g_autofree char *label = NULL;
  g_autofree char *value_text = NULL;
  double percent;

  g_return_if_fail (MT_IS_TIMELINE_MARKER (self));

  position = MIN (position, n_tokens);
  percent = n_tokens > 0 ? 100.0 * position / n_tokens : 0.0;
  index = mt_plot_format_tick (position, 1);
  total = mt_plot_format_tick (n_tokens, 1);

  /* Translators: the interrupt marker's label: a token index and the
   * fraction X of the reasoning before it, e.g. "1,234 · 42.3%" */
  label = g_strdup_printf (_("%s · %.1f%%"), index, percent);
  gtk_label_set_label (self->label, label);

  /* Translators: what a screen reader says for the interrupt marker,
   * e.g. "Token 1,234 of 5,678, X 42.3%" */
  value_text = g_strdup_printf (_("Token %s of %s, X %.1f%%"), index, total, percent);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, (double)n_tokens,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, (double)position,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, value_text,
                                  -1);
}

const char *
mt_timeline_marker_get_label (MtTimelineMarker *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE_MARKER (self), NULL);

  return gtk_label_get_label (self->label);
}

void
mt_timeline_marker_set_popover (MtTimelineMarker *self,
                                GtkPopover       *popover)
{
  g_return_if_fail (MT_IS_TIMELINE_MARKER (self));
  g_return_if_fail (!popover || GTK_IS_POPOVER (popover));

  if (self->popover == popover)
    return;

  if (self->popover != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->popover));

  self->popover = popover;

  if (popover != NULL)
    gtk_widget_set_parent (GTK_WIDGET (popover), GTK_WIDGET (self));
}

GtkPopover *
mt_timeline_marker_get_popover (MtTimelineMarker *self)
{
  g_return_val_if_fail (MT_IS_TIMELINE_MARKER (self), NULL);

  return self->popover;
}
