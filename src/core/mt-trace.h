/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "mt-enums.h"
#include "mt-problem.h"
#include "mt-tokens.h"

G_BEGIN_DECLS

#define MT_TYPE_TRACE (mt_trace_get_type ())

/* Derivable: MtBranch is a trace that continues another at an interrupt. */
G_DECLARE_DERIVABLE_TYPE (MtTrace, mt_trace, MT, TRACE, GObject)

struct _MtTraceClass
{
  GObjectClass parent_class;
};

/* Sampling settings as sent; NaN or -1 where unknown. */
typedef struct
{
  double temperature;
  double top_p;
  gint64 top_k;
  gint64 max_tokens;
  gint64 seed;
} MtSampling;

void            mt_sampling_init                (MtSampling     *sampling);

MtTrace        *mt_trace_new                    (const char     *id);
const char     *mt_trace_get_id                 (MtTrace        *self);
const char     *mt_trace_get_problem_id         (MtTrace        *self);
void            mt_trace_set_problem_id         (MtTrace        *self,
                                                 const char     *problem_id);
MtProblem      *mt_trace_get_problem            (MtTrace        *self);
void            mt_trace_set_problem            (MtTrace        *self,
                                                 MtProblem      *problem);
const char     *mt_trace_get_model              (MtTrace        *self);
void            mt_trace_set_model              (MtTrace        *self,
                                                 const char     *model);
const char     *mt_trace_get_family             (MtTrace        *self);
void            mt_trace_set_family             (MtTrace        *self,
                                                 const char     *family);
/* The prompt exactly as sent to the model, when known. */
const char     *mt_trace_get_prompt             (MtTrace        *self);
void            mt_trace_set_prompt             (MtTrace        *self,
                                                 const char     *prompt);
const char     *mt_trace_get_reasoning          (MtTrace        *self);
void            mt_trace_set_reasoning          (MtTrace        *self,
                                                 const char     *reasoning);
const char     *mt_trace_get_answer             (MtTrace        *self);
void            mt_trace_set_answer             (MtTrace        *self,
                                                 const char     *answer);
MtFinishReason  mt_trace_get_finish_reason      (MtTrace        *self);
void            mt_trace_set_finish_reason      (MtTrace        *self,
                                                 MtFinishReason  reason);
/* How reasoning and answer were told apart, with the decisions in words. */
MtThinkStyle    mt_trace_get_split_style        (MtTrace        *self);
const char     *mt_trace_get_split_note         (MtTrace        *self);
void            mt_trace_set_split              (MtTrace        *self,
                                                 MtThinkStyle    style,
                                                 const char     *note);
const MtSampling *mt_trace_get_sampling         (MtTrace        *self);
void            mt_trace_set_sampling           (MtTrace        *self,
                                                 const MtSampling *sampling);
/* Token usage reported by the server or the source file; -1 when unknown.
 * completion = reasoning + answer as the model counted them. */
gint64          mt_trace_get_usage_prompt_tokens     (MtTrace   *self);
gint64          mt_trace_get_usage_completion_tokens (MtTrace   *self);
gint64          mt_trace_get_usage_reasoning_tokens  (MtTrace   *self);
void            mt_trace_set_usage              (MtTrace        *self,
                                                 gint64          prompt_tokens,
                                                 gint64          completion_tokens,
                                                 gint64          reasoning_tokens);
/* Microseconds since the Unix epoch; 0 when unknown. */
gint64          mt_trace_get_created            (MtTrace        *self);
void            mt_trace_set_created            (MtTrace        *self,
                                                 gint64          created);

/* Token spans over the reasoning and the answer text. When none were
 * recorded (from a stream or a real tokenizer) they are estimated with the
 * approximate tokenizer on first use and labelled MT_TOKEN_SOURCE_APPROX. */
MtTokenSpans   *mt_trace_get_reasoning_spans    (MtTrace        *self);
MtTokenSpans   *mt_trace_get_answer_spans       (MtTrace        *self);
/* The spans as stored, or NULL: never computes an estimate. */
MtTokenSpans   *mt_trace_peek_reasoning_spans   (MtTrace        *self);
MtTokenSpans   *mt_trace_peek_answer_spans      (MtTrace        *self);
void            mt_trace_set_reasoning_spans    (MtTrace        *self,
                                                 MtTokenSpans   *spans);
void            mt_trace_set_answer_spans       (MtTrace        *self,
                                                 MtTokenSpans   *spans);
guint           mt_trace_get_n_reasoning_tokens (MtTrace        *self);
guint           mt_trace_get_n_answer_tokens    (MtTrace        *self);
/* When each token of the reasoning, then of the answer, arrived from the
 * server, or NULL when unknown (an imported trace). Setting requires one
 * time per token of the current spans; changing a text or its spans
 * forgets the times. */
MtTokenTimes   *mt_trace_get_token_times        (MtTrace        *self);
void            mt_trace_set_token_times        (MtTrace        *self,
                                                 MtTokenTimes   *times);

G_END_DECLS
