/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "mt-core.h"

G_BEGIN_DECLS

#define MT_TYPE_TRACE_ROW (mt_trace_row_get_type ())

G_DECLARE_FINAL_TYPE (MtTraceRow, mt_trace_row, MT, TRACE_ROW, GtkWidget)

/* One trace in the library sidebar: model, problem, token count and how
 * the generation ended. */
GtkWidget *mt_trace_row_new       (void);
MtTrace   *mt_trace_row_get_trace (MtTraceRow *self);
void       mt_trace_row_set_trace (MtTraceRow *self,
                                   MtTrace    *trace);

G_END_DECLS
