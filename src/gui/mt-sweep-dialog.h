/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-core.h"
#include "mt-live-session.h"

G_BEGIN_DECLS

#define MT_TYPE_SWEEP_DIALOG (mt_sweep_dialog_get_type ())

typedef enum
{
  MT_SWEEP_SCOPE_ALL,
  MT_SWEEP_SCOPE_FILTERED,
  MT_SWEEP_SCOPE_SELECTED,
} MtSweepScope;

/* Plans a sweep: which problems (all of the lab's, those behind the
 * sidebar's filtered traces, or behind the selected one), positions,
 * interrupt kinds, samples, concurrency and the servers it goes to.
 * Emits MtSweepDialog::start; the caller starts the sweep and closes the
 * dialog. */
G_DECLARE_FINAL_TYPE (MtSweepDialog, mt_sweep_dialog, MT, SWEEP_DIALOG, AdwWindow)

/* MtProblem items; @filtered is %NULL when the sidebar is not filtered,
 * @selected when nothing is selected. @servers: the saved MtServerConfig
 * items, the first chosen. */
MtSweepDialog *mt_sweep_dialog_new             (GtkWindow        *parent,
                                                GPtrArray        *all,
                                                GPtrArray        *filtered,
                                                GPtrArray        *selected,
                                                GPtrArray        *servers);
MtSweepScope   mt_sweep_dialog_get_scope       (MtSweepDialog    *self);
/* As a user would choose it; an empty choice is ignored. */
void           mt_sweep_dialog_set_scope       (MtSweepDialog    *self,
                                                MtSweepScope      scope);
/* The problems of the chosen scope (MtProblem items). */
GPtrArray     *mt_sweep_dialog_get_problems    (MtSweepDialog    *self);
/* The chosen servers (MtServerConfig items), a new array. */
GPtrArray     *mt_sweep_dialog_get_servers     (MtSweepDialog    *self);
void           mt_sweep_dialog_set_server_active (MtSweepDialog  *self,
                                                guint             index,
                                                gboolean          active);
/* Why Start cannot be pressed, or %NULL when it can. */
const char    *mt_sweep_dialog_get_start_problem (MtSweepDialog  *self);
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
