/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-client.h"
#include "mt-core.h"

G_BEGIN_DECLS

/* How often a streaming trace is written to the lab file, at most, in ms:
 * a kill -9 loses no more than this much of its text. */
#define MT_RUNNER_DEFAULT_FLUSH_INTERVAL 1000

/**
 * MtRunOptions:
 * @id: (nullable): the id of the new trace; %NULL for a fresh one from the
 *   runner's lab (or a random one without a lab)
 * @seed: the sampling seed, or -1 for the runner's sampling settings
 * @max_tokens: the token cap, or -1 for the runner's sampling settings
 *
 * What varies from one run to the next. Initialize with
 * mt_run_options_init().
 */
typedef struct
{
  const char *id;
  gint64      seed;
  gint64      max_tokens;
} MtRunOptions;

void mt_run_options_init (MtRunOptions *options);

#define MT_TYPE_RUNNER (mt_runner_get_type ())

G_DECLARE_FINAL_TYPE (MtRunner, mt_runner, MT, RUNNER, GObject)

MtRunner          *mt_runner_new                 (MtClient             *client,
                                                  MtFamily             *family,
                                                  const char           *model);
MtClient          *mt_runner_get_client          (MtRunner             *self);
MtFamily          *mt_runner_get_family          (MtRunner             *self);
const char        *mt_runner_get_model           (MtRunner             *self);
MtCompletionMode   mt_runner_get_mode            (MtRunner             *self);
void               mt_runner_set_mode            (MtRunner             *self,
                                                  MtCompletionMode      mode);
/* Runs add their trace here as soon as they start, so a view sees it grow. */
MtLab             *mt_runner_get_lab             (MtRunner             *self);
void               mt_runner_set_lab             (MtRunner             *self,
                                                  MtLab                *lab);
/* Runs append their trace here while they stream (partial records, at
 * most every flush interval) and once more when they end. */
MtLabWriter       *mt_runner_get_writer          (MtRunner             *self);
void               mt_runner_set_writer          (MtRunner             *self,
                                                  MtLabWriter          *writer);
guint              mt_runner_get_flush_interval  (MtRunner             *self);
void               mt_runner_set_flush_interval  (MtRunner             *self,
                                                  guint                 flush_interval);
/* The sampling sent with every run: the family's preset unless changed;
 * NaN and -1 fields are left to the server. */
const MtSampling  *mt_runner_get_sampling        (MtRunner             *self);
void               mt_runner_set_sampling        (MtRunner             *self,
                                                  const MtSampling     *sampling);

/* Runs @problem uninterrupted: the oracle. The prompt is the family's,
 * with the scenario system prompt of @scenario
 * (mt_interrupt_system_prompt()), since the interrupts that follow are
 * rendered from it. The trace's token spans are the streamed tokens. */
void               mt_runner_run_oracle_async    (MtRunner             *self,
                                                  MtProblem            *problem,
                                                  MtInterruptKind       scenario,
                                                  const MtRunOptions   *options,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* @trace is set whenever the run got as far as making one, also on
 * failure: then it holds the text that arrived, with the finish reason
 * "cancelled" or "error" and, for an error, the message at the end of its
 * split note. */
gboolean           mt_runner_run_oracle_finish   (MtRunner             *self,
                                                  GAsyncResult         *result,
                                                  MtTrace             **trace,
                                                  GError              **error);

/* Interrupts @parent at @position with @kind in @role and lets the model
 * continue: the branch holds the continuation only. @text is the update for
 * the update kinds and the words of a custom interrupt. In completions mode
 * the prompt is the parent's own prompt plus r[:k] and the injected text,
 * as the paper builds it; in chat mode all of the assistant's part is a
 * prefill, so only the assistant role is possible. */
void               mt_runner_run_branch_async    (MtRunner               *self,
                                                  MtTrace                *parent,
                                                  MtInterruptKind         kind,
                                                  MtInterruptRole         role,
                                                  const MtRenderPosition *position,
                                                  const char             *text,
                                                  const MtRunOptions     *options,
                                                  GCancellable           *cancellable,
                                                  GAsyncReadyCallback     callback,
                                                  gpointer                user_data);
gboolean           mt_runner_run_branch_finish   (MtRunner             *self,
                                                  GAsyncResult         *result,
                                                  MtBranch            **branch,
                                                  GError              **error);

G_END_DECLS
