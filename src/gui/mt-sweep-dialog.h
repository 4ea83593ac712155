/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-core.h"

G_BEGIN_DECLS

#define MT_TYPE_SWEEP_DIALOG (mt_sweep_dialog_get_type ())

/* Plans a sweep over the lab's problems: positions, interrupt kinds,
 * samples and concurrency. Emits MtSweepDialog::start; the caller starts
 * the sweep and closes the dialog. */
G_DECLARE_FINAL_TYPE (MtSweepDialog, mt_sweep_dialog, MT, SWEEP_DIALOG, AdwWindow)

MtSweepDialog *mt_sweep_dialog_new             (GtkWindow        *parent,
                                                guint             n_problems);
/* The positions typed, as fractions in 0..1; FALSE with @error when one
 * is not. */
gboolean       mt_sweep_dialog_get_positions   (MtSweepDialog    *self,
                                                GArray          **positions,
                                                GError          **error);
GArray        *mt_sweep_dialog_get_kinds       (MtSweepDialog    *self);
guint          mt_sweep_dialog_get_samples     (MtSweepDialog    *self);
guint          mt_sweep_dialog_get_concurrency (MtSweepDialog    *self);
/* As a user would set them. */
void           mt_sweep_dialog_set_plan        (MtSweepDialog    *self,
                                                const char       *positions,
                                                const MtInterruptKind *kinds,
                                                guint             n_kinds,
                                                guint             samples,
                                                guint             concurrency);

G_END_DECLS
