/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-interrupt.h"
#include "mt-trace.h"

G_BEGIN_DECLS

#define MT_TYPE_BRANCH (mt_branch_get_type ())

/* A trace that continues another one (its parent) after an interrupt. Its
 * reasoning and answer hold only the continuation r'_{k:} and a'. Branches
 * can be interrupted in turn, so a lab is a forest. */
G_DECLARE_FINAL_TYPE (MtBranch, mt_branch, MT, BRANCH, MtTrace)

MtBranch    *mt_branch_new           (const char  *id,
                                      const char  *parent_id,
                                      MtInterrupt *interrupt);
const char  *mt_branch_get_parent_id (MtBranch    *self);
/* The parent once the lab has resolved @parent_id; NULL before that. */
MtTrace     *mt_branch_get_parent    (MtBranch    *self);
void         mt_branch_set_parent    (MtBranch    *self,
                                      MtTrace     *parent);
MtInterrupt *mt_branch_get_interrupt (MtBranch    *self);

G_END_DECLS
