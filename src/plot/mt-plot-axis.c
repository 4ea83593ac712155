/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: replaced by the axis code. */
#include "config.h"

#include "mt-plot-axis.h"

void mt_plot_ticks_compute (double min, double max, guint target_ticks, MtPlotTicks *ticks) { ticks->first = min; ticks->step = 1; ticks->n_ticks = 0; }
char *mt_plot_format_tick (double value, double step) { return g_strdup_printf ("%g", value); }
