/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-compare.h"
#include "mt-compare-view.h"

G_BEGIN_DECLS

/* For the tests: what the view shows. Columns are numbered as in the
 * comparison (the base first), whatever their place on screen. */
const MtComparison *_mt_compare_view_get_comparison   (MtCompareView *self);
GtkWidget          *_mt_compare_view_get_column       (MtCompareView *self,
                                                       guint          column);
GtkTextView        *_mt_compare_view_get_text_view    (MtCompareView *self,
                                                       guint          column);
/* The visible columns' numbers, left to right, ended by -1. */
int                *_mt_compare_view_get_order        (MtCompareView *self);
/* The column holding the keyboard focus, or -1. */
int                 _mt_compare_view_get_focus_column (MtCompareView *self);
GtkButton          *_mt_compare_view_get_prefix_button (MtCompareView *self);
gboolean            _mt_compare_view_get_prefix_expanded (MtCompareView *self);
/* The chips of @column as "name:state" ("verdict:correct", "leakage:yes"). */
GStrv               _mt_compare_view_get_chips        (MtCompareView *self,
                                                       guint          column);
void                _mt_compare_view_set_diff_columns (MtCompareView *self,
                                                       int            a,
                                                       int            b);

G_END_DECLS
