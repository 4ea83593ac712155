/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mt-timeline-lane.h"

typedef struct
{
  GskRenderNode *scene;
  /* Whether the scene has been drawn: an empty scene is a NULL node. */
  guint          scene_valid : 1;
} MtTimelineLanePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (MtTimelineLane, mt_timeline_lane, GTK_TYPE_WIDGET)

static void
mt_timeline_lane_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  MtTimelineLane *self = MT_TIMELINE_LANE (widget);
  MtTimelineLanePrivate *priv = mt_timeline_lane_get_instance_private (self);
  MtTimeline *timeline = mt_timeline_lane_get_timeline (self);

  if (timeline == NULL)
    return;

  if (!priv->scene_valid)
    {
      GtkSnapshot *scene = gtk_snapshot_new ();
      const MtTimelineLayout *layout = _mt_timeline_get_layout (timeline);

      if (layout->plot_width > 0 && layout->view.last > layout->view.first)
        MT_TIMELINE_LANE_GET_CLASS (self)->snapshot_scene (self, scene, layout,
                                                           _mt_timeline_get_data (timeline));

      g_clear_pointer (&priv->scene, gsk_render_node_unref);
      priv->scene = gtk_snapshot_free_to_node (scene);
      priv->scene_valid = TRUE;
    }

  if (priv->scene != NULL)
    gtk_snapshot_append_node (snapshot, priv->scene);
}

static void
mt_timeline_lane_css_changed (GtkWidget         *widget,
                              GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (mt_timeline_lane_parent_class)->css_changed (widget, change);

  /* Colours are read while drawing the scene, so a new style (dark mode,
   * high contrast) needs a new scene. */
  mt_timeline_lane_invalidate (MT_TIMELINE_LANE (widget));
}

static void
mt_timeline_lane_system_setting_changed (GtkWidget        *widget,
                                         GtkSystemSetting  setting)
{
  GTK_WIDGET_CLASS (mt_timeline_lane_parent_class)->system_setting_changed (widget, setting);

  /* Labels are laid out in the scene. */
  mt_timeline_lane_invalidate (MT_TIMELINE_LANE (widget));
}

static void
mt_timeline_lane_dispose (GObject *object)
{
  MtTimelineLane *self = MT_TIMELINE_LANE (object);
  MtTimelineLanePrivate *priv = mt_timeline_lane_get_instance_private (self);

  g_clear_pointer (&priv->scene, gsk_render_node_unref);

  G_OBJECT_CLASS (mt_timeline_lane_parent_class)->dispose (object);
}

static void
mt_timeline_lane_class_init (MtTimelineLaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_timeline_lane_dispose;

  widget_class->snapshot = mt_timeline_lane_snapshot;
  widget_class->css_changed = mt_timeline_lane_css_changed;
  widget_class->system_setting_changed = mt_timeline_lane_system_setting_changed;

  gtk_widget_class_set_css_name (widget_class, "lane");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
mt_timeline_lane_init (MtTimelineLane *self)
{
  /* The timeline handles the pointer for all lanes at once. */
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

MtTimeline *
mt_timeline_lane_get_timeline (MtTimelineLane *self)
{
  GtkWidget *parent;

  g_return_val_if_fail (MT_IS_TIMELINE_LANE (self), NULL);

  parent = gtk_widget_get_parent (GTK_WIDGET (self));

  return MT_IS_TIMELINE (parent) ? MT_TIMELINE (parent) : NULL;
}

void
mt_timeline_lane_invalidate (MtTimelineLane *self)
{
  MtTimelineLanePrivate *priv = mt_timeline_lane_get_instance_private (self);

  g_return_if_fail (MT_IS_TIMELINE_LANE (self));

  g_clear_pointer (&priv->scene, gsk_render_node_unref);
  priv->scene_valid = FALSE;
  if (MT_TIMELINE_LANE_GET_CLASS (self)->scene_dropped != NULL)
    MT_TIMELINE_LANE_GET_CLASS (self)->scene_dropped (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

char *
mt_timeline_lane_describe (MtTimelineLane *self,
                           double          x,
                           double          y)
{
  MtTimeline *timeline;
  const MtTimelineLayout *layout;

  g_return_val_if_fail (MT_IS_TIMELINE_LANE (self), NULL);

  timeline = mt_timeline_lane_get_timeline (self);
  if (timeline == NULL || MT_TIMELINE_LANE_GET_CLASS (self)->describe == NULL)
    return NULL;

  layout = _mt_timeline_get_layout (timeline);
  if (layout->plot_width <= 0)
    return NULL;

  return MT_TIMELINE_LANE_GET_CLASS (self)->describe (self, layout,
                                                      _mt_timeline_get_data (timeline), x, y);
}

void
mt_timeline_lane_lookup_color (MtTimelineLane *self,
                               const char     *name,
                               GdkRGBA        *color)
{
  GtkStyleContext *context;

  g_return_if_fail (MT_IS_TIMELINE_LANE (self));
  g_return_if_fail (name != NULL);
  g_return_if_fail (color != NULL);

  /* Named colours (@define-color in style.css) are the way GTK 4.8 lets a
   * style sheet hand colours to custom drawing. */
  context = gtk_widget_get_style_context (GTK_WIDGET (self));
  if (!gtk_style_context_lookup_color (context, name, color))
    gtk_style_context_get_color (context, color);
}

PangoLayout *
mt_timeline_lane_create_layout (MtTimelineLane *self,
                                const char     *text,
                                double          scale)
{
  PangoLayout *layout;
  PangoAttrList *attrs;

  g_return_val_if_fail (MT_IS_TIMELINE_LANE (self), NULL);

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);

  /* Tabular figures keep tick labels from jittering while panning. */
  attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  if (scale != 1.0)
    pango_attr_list_insert (attrs, pango_attr_scale_new (scale));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);

  return layout;
}
