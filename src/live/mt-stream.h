/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What goes into a streamed completion and what comes out of it. */
#pragma once

#include <glib-object.h>

#include "mt-core.h"

G_BEGIN_DECLS

typedef enum
{
  /* POST /completions with a raw prompt rendered from the model family's
   * template: the paper's method, and the default. */
  MT_COMPLETION_MODE_COMPLETIONS,
  /* POST /chat/completions; an assistant prefill is continued with vLLM's
   * continue_final_message extension. */
  MT_COMPLETION_MODE_CHAT,
} MtCompletionMode;

/* Which part of the output a piece of streamed text belongs to. Reasoning
 * only comes from chat servers that split it out (reasoning_content or
 * reasoning deltas); a raw completion is all content, think tags included. */
typedef enum
{
  MT_DELTA_REASONING,
  MT_DELTA_CONTENT,
} MtDeltaKind;

#define MT_DELTA_N_KINDS 2

typedef struct
{
  char *role;
  char *content;
} MtChatMessage;

/**
 * MtCompletionRequest:
 * @mode: which endpoint to call
 * @model: the model name as the server knows it
 * @prompt: completions mode: the prompt, sent as it is
 * @messages: chat mode: #MtChatMessage items, in order
 * @prefill: (nullable): chat mode: text the assistant turn starts with and
 *   the model continues, or %NULL to let the server open a new turn
 * @sampling: sampling settings; NaN and -1 fields are not sent, so the
 *   server's defaults apply
 * @stop: (nullable): stop strings
 * @logprobs: ask for the log-probability of each sampled token
 *
 * A plain struct: fill it in directly. The client copies what it needs when
 * the request starts.
 */
typedef struct
{
  MtCompletionMode  mode;
  char             *model;
  char             *prompt;
  GPtrArray        *messages;
  char             *prefill;
  MtSampling        sampling;
  GStrv             stop;
  gboolean          logprobs;
} MtCompletionRequest;

#define MT_TYPE_COMPLETION_REQUEST (mt_completion_request_get_type ())

GType                mt_completion_request_get_type    (void) G_GNUC_CONST;
MtCompletionRequest *mt_completion_request_new         (MtCompletionMode           mode,
                                                        const char                *model);
MtCompletionRequest *mt_completion_request_copy        (const MtCompletionRequest *self);
void                 mt_completion_request_free        (MtCompletionRequest       *self);
void                 mt_completion_request_add_message (MtCompletionRequest       *self,
                                                        const char                *role,
                                                        const char                *content);
const char          *mt_completion_request_get_path    (const MtCompletionRequest *self);
GBytes              *mt_completion_request_to_json     (const MtCompletionRequest *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtCompletionRequest, mt_completion_request_free)

#define MT_TYPE_COMPLETION (mt_completion_get_type ())

G_DECLARE_FINAL_TYPE (MtCompletion, mt_completion, MT, COMPLETION, GObject)

const char     *mt_completion_get_text                (MtCompletion *self,
                                                       MtDeltaKind   kind);
const char     *mt_completion_get_reasoning           (MtCompletion *self);
const char     *mt_completion_get_content             (MtCompletion *self);
guint           mt_completion_get_n_tokens            (MtCompletion *self,
                                                       MtDeltaKind   kind);
MtTokenSpans   *mt_completion_dup_spans               (MtCompletion *self,
                                                       MtDeltaKind   kind);
const gint64   *mt_completion_get_arrival_times       (MtCompletion *self,
                                                       MtDeltaKind   kind,
                                                       guint        *n_tokens);
const double   *mt_completion_get_logprobs            (MtCompletion *self,
                                                       MtDeltaKind   kind,
                                                       guint        *n_tokens);
gint64          mt_completion_get_start_time          (MtCompletion *self);
MtFinishReason  mt_completion_get_finish_reason       (MtCompletion *self);
const char     *mt_completion_get_finish_reason_text  (MtCompletion *self);
const char     *mt_completion_get_model               (MtCompletion *self);
gint64          mt_completion_get_usage_prompt_tokens     (MtCompletion *self);
gint64          mt_completion_get_usage_completion_tokens (MtCompletion *self);
gint64          mt_completion_get_usage_reasoning_tokens  (MtCompletion *self);

G_END_DECLS
