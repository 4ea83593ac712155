/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-charts-page.h"

G_BEGIN_DECLS

/* For the tests: what the page shows, without reaching into its
 * template. */
MtPlotChart *_mt_charts_page_get_plot_chart (MtChartsPage *self);
MtMetrics   *_mt_charts_page_get_metrics    (MtChartsPage *self);
GtkWidget   *_mt_charts_page_get_canvas     (MtChartsPage *self);
/* "chart", "empty" or "loading". */
const char  *_mt_charts_page_get_state      (MtChartsPage *self);
const char  *_mt_charts_page_get_message    (MtChartsPage *self);
/* The chart as a screen reader hears it (its accessible description). */
char        *_mt_charts_page_dup_description (MtChartsPage *self);
/* The hover read-out, or NULL when it is hidden. */
const char  *_mt_charts_page_get_readout    (MtChartsPage *self);
/* Chooses filters by name, NULL for all; FALSE when the menu lacks it. */
gboolean     _mt_charts_page_select_filter  (MtChartsPage *self,
                                             const char   *which,
                                             const char   *value);
/* The file and format an export writes when @chosen was picked in the
 * dialog with the filter of *@format: a typed extension wins, otherwise
 * the filter's is added. */
GFile       *_mt_charts_page_resolve_export (GFile        *chosen,
                                             MtPlotFormat *format);
/* Writes the chart shown as if chosen in the export dialog. */
gboolean     _mt_charts_page_export_to      (MtChartsPage *self,
                                             GFile        *file,
                                             MtPlotFormat  format,
                                             double        dpi,
                                             GError      **error);

G_END_DECLS
