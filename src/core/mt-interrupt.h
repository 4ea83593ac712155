/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "mt-enums.h"

G_BEGIN_DECLS

#define MT_TYPE_INTERRUPT (mt_interrupt_get_type ())

G_DECLARE_FINAL_TYPE (MtInterrupt, mt_interrupt, MT, INTERRUPT, GObject)

/* What was done to a trace to make a branch: the kind, where (a token index
 * into the parent's reasoning and the fraction X it stands for), in whose
 * voice, and the exact bytes injected. Data only: rendering lives elsewhere. */
MtInterrupt     *mt_interrupt_new             (MtInterruptKind  kind,
                                               guint            token_index,
                                               double           fraction);
MtInterruptKind  mt_interrupt_get_kind        (MtInterrupt     *self);
MtInterruptRole  mt_interrupt_get_role        (MtInterrupt     *self);
void             mt_interrupt_set_role        (MtInterrupt     *self,
                                               MtInterruptRole  role);
guint            mt_interrupt_get_token_index (MtInterrupt     *self);
double           mt_interrupt_get_fraction    (MtInterrupt     *self);
/* The exact text injected after the reasoning prefix. */
const char      *mt_interrupt_get_text        (MtInterrupt     *self);
void             mt_interrupt_set_text        (MtInterrupt     *self,
                                               const char      *text);
/* For update kinds: the new information the user gave. */
const char      *mt_interrupt_get_update      (MtInterrupt     *self);
void             mt_interrupt_set_update      (MtInterrupt     *self,
                                               const char      *update);

G_END_DECLS
