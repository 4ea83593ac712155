/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "mt-core.h"

G_BEGIN_DECLS

#define MT_TYPE_COMPARE_VIEW (mt_compare_view_get_type ())

/* A run and its branches in columns side by side, aligned where they
 * part: the shared prefix folded to one line, each column headed by its
 * interrupt, lengths, verdict and diagnoses, evidence highlighted in the
 * text, scrolling kept in step, and word differences between two chosen
 * columns. Columns can be hidden, reordered and pinned. */
G_DECLARE_FINAL_TYPE (MtCompareView, mt_compare_view, MT, COMPARE_VIEW, GtkWidget)

GtkWidget       *mt_compare_view_new          (void);
/* Shows @trace's branches, or, when it has none and is a branch itself,
 * its siblings beside their parent. */
void             mt_compare_view_set_trace    (MtCompareView   *self,
                                               MtLab           *lab,
                                               MtTrace         *trace);
/* The run whose branches are in columns, or NULL. */
MtTrace         *mt_compare_view_get_base     (MtCompareView   *self);
/* Compares the branches of @base, a run of the current lab. */
void             mt_compare_view_set_base     (MtCompareView   *self,
                                               MtTrace         *base);
void             mt_compare_view_set_lexicon  (MtCompareView   *self,
                                               MtMarkerLexicon *lexicon);

G_END_DECLS
