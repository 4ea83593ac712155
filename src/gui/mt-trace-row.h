/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "mt-core.h"
#include "mt-lab-loader.h"

G_BEGIN_DECLS

#define MT_TYPE_TRACE_ROW (mt_trace_row_get_type ())

G_DECLARE_FINAL_TYPE (MtTraceRow, mt_trace_row, MT, TRACE_ROW, GtkWidget)

/* One trace in the library sidebar: model, problem, token counts, how
 * the generation ended, its verdict and the failure modes found in it. */
GtkWidget  *mt_trace_row_new            (void);
MtTrace    *mt_trace_row_get_trace      (MtTraceRow             *self);
void        mt_trace_row_set_trace      (MtTraceRow             *self,
                                         MtTrace                *trace);
/* The verdict shown; NULL while the trace is still being graded. The
 * judgement is copied. */
void        mt_trace_row_set_judgement  (MtTraceRow             *self,
                                         const MtTraceJudgement *judgement);
/* A verdict and the failure modes found, in words: "Wrong · Panic". */
char       *mt_trace_judgement_describe (const MtTraceJudgement *judgement);
/* What the token count says, e.g. "1,204 + 35 tokens". */
const char *mt_trace_row_get_tokens_text (MtTraceRow            *self);
/* What the verdict label says, "" while grading. */
const char *mt_trace_row_get_verdict_text (MtTraceRow           *self);

G_END_DECLS
