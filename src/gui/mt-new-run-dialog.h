/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-live-session.h"

G_BEGIN_DECLS

#define MT_TYPE_NEW_RUN_DIALOG (mt_new_run_dialog_get_type ())

/* Starts a live run: the problem (the library's selected one, or typed
 * with an optional ground truth), the scenario system prompt, and the
 * server it runs on. Emits MtNewRunDialog::start when the user starts it;
 * the caller starts the run and closes the dialog. */
G_DECLARE_FINAL_TYPE (MtNewRunDialog, mt_new_run_dialog, MT, NEW_RUN_DIALOG, AdwWindow)

MtNewRunDialog  *mt_new_run_dialog_new              (GtkWindow            *parent,
                                                     MtProblem            *library_problem,
                                                     const MtServerConfig *server);
/* The problem to run: the library's, or a new one with @id from what was
 * typed. */
MtProblem       *mt_new_run_dialog_dup_problem      (MtNewRunDialog       *self,
                                                     const char           *id);
MtInterruptKind  mt_new_run_dialog_get_scenario     (MtNewRunDialog       *self);
void             mt_new_run_dialog_set_scenario     (MtNewRunDialog       *self,
                                                     MtInterruptKind       scenario);
/* Types a problem, as the user would. */
void             mt_new_run_dialog_set_typed        (MtNewRunDialog       *self,
                                                     const char           *prompt,
                                                     const char           *ground_truth);
gboolean         mt_new_run_dialog_get_can_start    (MtNewRunDialog       *self);

G_END_DECLS
