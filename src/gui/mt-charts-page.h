/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "mt-core.h"
#include "mt-plot.h"

G_BEGIN_DECLS

#define MT_TYPE_CHARTS_PAGE (mt_charts_page_get_type ())

G_DECLARE_FINAL_TYPE (MtChartsPage, mt_charts_page, MT, CHARTS_PAGE, GtkWidget)

/* The charts of a lab, one at a time, with filters, hover read-outs and
 * export. The metrics are computed in the background and again whenever
 * the lab's traces change, so the charts follow a sweep as it streams.
 * A click on a point emits ::branches-activated with the ids behind it. */
GtkWidget       *mt_charts_page_new           (void);
MtLab           *mt_charts_page_get_lab       (MtChartsPage    *self);
void             mt_charts_page_set_lab       (MtChartsPage    *self,
                                               MtLab           *lab);
MtPlotChartKind  mt_charts_page_get_chart     (MtChartsPage    *self);
void             mt_charts_page_set_chart     (MtChartsPage    *self,
                                               MtPlotChartKind  kind);
/* TRUE while an analysis runs or waits to run. */
gboolean         mt_charts_page_get_busy      (MtChartsPage    *self);
/* Asks where to export the chart shown, then writes it. */
void             mt_charts_page_export        (MtChartsPage    *self);

G_END_DECLS
