/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-branch.h"
#include "mt-problem.h"
#include "mt-trace.h"

G_BEGIN_DECLS

#define MT_TYPE_LAB (mt_lab_get_type ())

G_DECLARE_FINAL_TYPE (MtLab, mt_lab, MT, LAB, GObject)

/* The document: every problem and every trace (branches included) of one
 * lab, as list models for the views, with lookup by id. */
MtLab      *mt_lab_new            (void);
/* GListModel of MtProblem, in insertion order. */
GListModel *mt_lab_get_problems   (MtLab       *self);
/* GListModel of MtTrace (and MtBranch), in insertion order. */
GListModel *mt_lab_get_traces     (MtLab       *self);
guint       mt_lab_get_n_branches (MtLab       *self);
MtProblem  *mt_lab_lookup_problem (MtLab       *self,
                                   const char  *id);
MtTrace    *mt_lab_lookup_trace   (MtLab       *self,
                                   const char  *id);
/* Adds @problem. Returns FALSE and leaves the lab unchanged when a problem
 * with the same id is already there. */
gboolean    mt_lab_add_problem    (MtLab       *self,
                                   MtProblem   *problem);
/* Adds @trace, resolving its problem and, for a branch, its parent, by id
 * when they are already in the lab. Returns FALSE and leaves the lab
 * unchanged when the id is taken. */
gboolean    mt_lab_add_trace      (MtLab       *self,
                                   MtTrace     *trace);
/* Puts @trace in the place of the trace with the same id (a run done
 * again): same position in the list, with a single items-changed, lookup
 * by id returns @trace, and branches of the old trace continue @trace.
 * Emits MtLab::trace-replaced after the list changed. Returns FALSE and
 * leaves the lab unchanged when no trace has that id or it is @trace. */
gboolean    mt_lab_replace_trace  (MtLab       *self,
                                   MtTrace     *trace);
/* Adds many at once with a single items-changed per list; items whose id is
 * taken are not added and are returned in @rejected (may be NULL). */
void        mt_lab_add_all        (MtLab       *self,
                                   GPtrArray   *problems,
                                   GPtrArray   *traces,
                                   GPtrArray   *rejected);
/* Joins traces to problems and branches to parents that arrived later
 * (from another file). Returns how many links were made. */
guint       mt_lab_link           (MtLab       *self);
/* A fresh id, unique in this lab, starting with @prefix. */
char       *mt_lab_make_id        (MtLab       *self,
                                   const char  *prefix);

G_END_DECLS
