/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "Nice" axis ticks (steps of 1, 2 or 5 times a power of ten) covering
 * [min, max] with about @target_ticks ticks. */
typedef struct
{
  double first;   /* the first tick, <= min */
  double step;
  guint  n_ticks; /* first + i * step for i in [0, n_ticks) covers [min, max] */
} MtPlotTicks;

void    mt_plot_ticks_compute (double       min,
                               double       max,
                               guint        target_ticks,
                               MtPlotTicks *ticks);
/* The label for @value with as few decimals as @step needs: "0.25", "10,000". */
char   *mt_plot_format_tick   (double       value,
                               double       step);

G_END_DECLS
