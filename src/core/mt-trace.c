/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "mt-trace.h"

typedef struct
{
  char           *id;
  char           *problem_id;
  MtProblem      *problem;
  char           *model;
  char           *family;
  char           *prompt;
  char           *reasoning;
  char           *answer;
  char           *split_note;
  MtTokenSpans   *reasoning_spans;
  MtTokenSpans   *answer_spans;
  MtTokenTimes   *token_times;
  MtSampling      sampling;
  gint64          usage_prompt;
  gint64          usage_completion;
  gint64          usage_reasoning;
  gint64          created;
  MtFinishReason  finish_reason;
  MtThinkStyle    split_style;
} MtTracePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (MtTrace, mt_trace, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_PROBLEM_ID,
  PROP_PROBLEM,
  PROP_MODEL,
  PROP_FAMILY,
  PROP_REASONING,
  PROP_ANSWER,
  PROP_FINISH_REASON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
mt_sampling_init (MtSampling *sampling)
{
  g_return_if_fail (sampling != NULL);

  sampling->temperature = NAN;
  sampling->top_p = NAN;
  sampling->top_k = -1;
  sampling->max_tokens = -1;
  sampling->seed = -1;
}

static void
mt_trace_dispose (GObject *object)
{
  MtTrace *self = (MtTrace *)object;
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_clear_object (&priv->problem);

  G_OBJECT_CLASS (mt_trace_parent_class)->dispose (object);
}

static void
mt_trace_finalize (GObject *object)
{
  MtTrace *self = (MtTrace *)object;
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_clear_pointer (&priv->id, g_free);
  g_clear_pointer (&priv->problem_id, g_free);
  g_clear_pointer (&priv->model, g_free);
  g_clear_pointer (&priv->family, g_free);
  g_clear_pointer (&priv->prompt, g_free);
  g_clear_pointer (&priv->reasoning, g_free);
  g_clear_pointer (&priv->answer, g_free);
  g_clear_pointer (&priv->split_note, g_free);
  g_clear_pointer (&priv->reasoning_spans, mt_token_spans_unref);
  g_clear_pointer (&priv->answer_spans, mt_token_spans_unref);
  g_clear_pointer (&priv->token_times, mt_token_times_unref);

  G_OBJECT_CLASS (mt_trace_parent_class)->finalize (object);
}

static void
mt_trace_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  MtTrace *self = MT_TRACE (object);
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, priv->id); break;
    case PROP_PROBLEM_ID: g_value_set_string (value, priv->problem_id); break;
    case PROP_PROBLEM: g_value_set_object (value, priv->problem); break;
    case PROP_MODEL: g_value_set_string (value, priv->model); break;
    case PROP_FAMILY: g_value_set_string (value, priv->family); break;
    case PROP_REASONING: g_value_set_string (value, priv->reasoning); break;
    case PROP_ANSWER: g_value_set_string (value, priv->answer); break;
    case PROP_FINISH_REASON: g_value_set_uint (value, priv->finish_reason); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_trace_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  MtTrace *self = MT_TRACE (object);
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_ID: priv->id = g_value_dup_string (value); break;
    case PROP_PROBLEM_ID: mt_trace_set_problem_id (self, g_value_get_string (value)); break;
    case PROP_PROBLEM: mt_trace_set_problem (self, g_value_get_object (value)); break;
    case PROP_MODEL: mt_trace_set_model (self, g_value_get_string (value)); break;
    case PROP_FAMILY: mt_trace_set_family (self, g_value_get_string (value)); break;
    case PROP_REASONING: mt_trace_set_reasoning (self, g_value_get_string (value)); break;
    case PROP_ANSWER: mt_trace_set_answer (self, g_value_get_string (value)); break;
    case PROP_FINISH_REASON: mt_trace_set_finish_reason (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_trace_class_init (MtTraceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = mt_trace_dispose;
  object_class->finalize = mt_trace_finalize;
  object_class->get_property = mt_trace_get_property;
  object_class->set_property = mt_trace_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROBLEM_ID] = g_param_spec_string ("problem-id", NULL, NULL, NULL, flags);
  properties[PROP_PROBLEM] = g_param_spec_object ("problem", NULL, NULL, MT_TYPE_PROBLEM, flags);
  properties[PROP_MODEL] = g_param_spec_string ("model", NULL, NULL, NULL, flags);
  properties[PROP_FAMILY] = g_param_spec_string ("family", NULL, NULL, NULL, flags);
  properties[PROP_REASONING] = g_param_spec_string ("reasoning", NULL, NULL, NULL, flags);
  properties[PROP_ANSWER] = g_param_spec_string ("answer", NULL, NULL, NULL, flags);
  properties[PROP_FINISH_REASON] =
    g_param_spec_uint ("finish-reason", NULL, NULL,
                       MT_FINISH_UNKNOWN, MT_FINISH_ERROR, MT_FINISH_UNKNOWN, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mt_trace_init (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  mt_sampling_init (&priv->sampling);
  priv->usage_prompt = -1;
  priv->usage_completion = -1;
  priv->usage_reasoning = -1;
}

MtTrace *
mt_trace_new (const char *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  return g_object_new (MT_TYPE_TRACE, "id", id, NULL);
}

const char *
mt_trace_get_id (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return priv->id;
}

static void
set_string (MtTrace     *self,
            char       **field,
            const char  *value,
            guint        prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

#define DEFINE_STRING_ACCESSORS(field, PROP)                                  \
  const char *                                                                \
  mt_trace_get_##field (MtTrace *self)                                        \
  {                                                                           \
    MtTracePrivate *priv = mt_trace_get_instance_private (self);              \
    g_return_val_if_fail (MT_IS_TRACE (self), NULL);                          \
    return priv->field;                                                       \
  }                                                                           \
  void                                                                        \
  mt_trace_set_##field (MtTrace    *self,                                     \
                        const char *field)                                    \
  {                                                                           \
    MtTracePrivate *priv = mt_trace_get_instance_private (self);              \
    g_return_if_fail (MT_IS_TRACE (self));                                    \
    set_string (self, &priv->field, field, PROP);                             \
  }

DEFINE_STRING_ACCESSORS (problem_id, PROP_PROBLEM_ID)
DEFINE_STRING_ACCESSORS (model, PROP_MODEL)
DEFINE_STRING_ACCESSORS (family, PROP_FAMILY)

const char *
mt_trace_get_prompt (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return priv->prompt;
}

void
mt_trace_set_prompt (MtTrace    *self,
                     const char *prompt)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));

  char *copy = g_strdup (prompt);

  g_free (priv->prompt);
  priv->prompt = copy;
}

const char *
mt_trace_get_reasoning (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return priv->reasoning;
}

void
mt_trace_set_reasoning (MtTrace    *self,
                        const char *reasoning)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));

  if (g_strcmp0 (priv->reasoning, reasoning) == 0)
    return;

  /* Spans describe the old text; they are recomputed on demand. Times
   * cannot be, so they go. */
  g_clear_pointer (&priv->reasoning_spans, mt_token_spans_unref);
  g_clear_pointer (&priv->token_times, mt_token_times_unref);
  set_string (self, &priv->reasoning, reasoning, PROP_REASONING);
}

const char *
mt_trace_get_answer (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return priv->answer;
}

void
mt_trace_set_answer (MtTrace    *self,
                     const char *answer)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));

  if (g_strcmp0 (priv->answer, answer) == 0)
    return;

  g_clear_pointer (&priv->answer_spans, mt_token_spans_unref);
  g_clear_pointer (&priv->token_times, mt_token_times_unref);
  set_string (self, &priv->answer, answer, PROP_ANSWER);
}

MtProblem *
mt_trace_get_problem (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return priv->problem;
}

void
mt_trace_set_problem (MtTrace   *self,
                      MtProblem *problem)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));
  g_return_if_fail (!problem || MT_IS_PROBLEM (problem));

  if (g_set_object (&priv->problem, problem))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
}

MtFinishReason
mt_trace_get_finish_reason (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), MT_FINISH_UNKNOWN);

  return priv->finish_reason;
}

void
mt_trace_set_finish_reason (MtTrace        *self,
                            MtFinishReason  reason)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));

  if (priv->finish_reason == reason)
    return;
  priv->finish_reason = reason;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISH_REASON]);
}

MtThinkStyle
mt_trace_get_split_style (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), MT_THINK_STYLE_NONE);

  return priv->split_style;
}

const char *
mt_trace_get_split_note (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return priv->split_note;
}

void
mt_trace_set_split (MtTrace      *self,
                    MtThinkStyle  style,
                    const char   *note)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));

  priv->split_style = style;
  char *copy = g_strdup (note);

  g_free (priv->split_note);
  priv->split_note = copy;
}

const MtSampling *
mt_trace_get_sampling (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return &priv->sampling;
}

void
mt_trace_set_sampling (MtTrace          *self,
                       const MtSampling *sampling)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));
  g_return_if_fail (sampling != NULL);

  priv->sampling = *sampling;
}

gint64
mt_trace_get_usage_prompt_tokens (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), -1);

  return priv->usage_prompt;
}

gint64
mt_trace_get_usage_completion_tokens (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), -1);

  return priv->usage_completion;
}

gint64
mt_trace_get_usage_reasoning_tokens (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), -1);

  return priv->usage_reasoning;
}

void
mt_trace_set_usage (MtTrace *self,
                    gint64   prompt_tokens,
                    gint64   completion_tokens,
                    gint64   reasoning_tokens)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));

  priv->usage_prompt = prompt_tokens;
  priv->usage_completion = completion_tokens;
  priv->usage_reasoning = reasoning_tokens;
}

gint64
mt_trace_get_created (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), 0);

  return priv->created;
}

void
mt_trace_set_created (MtTrace *self,
                      gint64   created)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));

  priv->created = created;
}

static MtTokenSpans *
ensure_spans (MtTokenSpans **spans,
              const char    *text)
{
  if (*spans == NULL)
    *spans = mt_tokenize_approx (text ? text : "", -1);
  return *spans;
}

MtTokenSpans *
mt_trace_get_reasoning_spans (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return ensure_spans (&priv->reasoning_spans, priv->reasoning);
}

MtTokenSpans *
mt_trace_get_answer_spans (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return ensure_spans (&priv->answer_spans, priv->answer);
}

MtTokenSpans *
mt_trace_peek_reasoning_spans (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return priv->reasoning_spans;
}

MtTokenSpans *
mt_trace_peek_answer_spans (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return priv->answer_spans;
}

static void
replace_spans (MtTokenSpans **field,
               MtTokenSpans  *spans,
               const char    *text)
{
  g_return_if_fail (spans == NULL ||
                    mt_token_spans_get_text_length (spans) == (text ? strlen (text) : 0));

  if (spans != NULL)
    mt_token_spans_ref (spans);
  g_clear_pointer (field, mt_token_spans_unref);
  *field = spans;
}

void
mt_trace_set_reasoning_spans (MtTrace      *self,
                              MtTokenSpans *spans)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));

  replace_spans (&priv->reasoning_spans, spans, priv->reasoning);
  g_clear_pointer (&priv->token_times, mt_token_times_unref);
}

void
mt_trace_set_answer_spans (MtTrace      *self,
                           MtTokenSpans *spans)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));

  replace_spans (&priv->answer_spans, spans, priv->answer);
  g_clear_pointer (&priv->token_times, mt_token_times_unref);
}

guint
mt_trace_get_n_reasoning_tokens (MtTrace *self)
{
  g_return_val_if_fail (MT_IS_TRACE (self), 0);

  return mt_token_spans_get_n_tokens (mt_trace_get_reasoning_spans (self));
}

guint
mt_trace_get_n_answer_tokens (MtTrace *self)
{
  g_return_val_if_fail (MT_IS_TRACE (self), 0);

  return mt_token_spans_get_n_tokens (mt_trace_get_answer_spans (self));
}

MtTokenTimes *
mt_trace_get_token_times (MtTrace *self)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_val_if_fail (MT_IS_TRACE (self), NULL);

  return priv->token_times;
}

void
mt_trace_set_token_times (MtTrace      *self,
                          MtTokenTimes *times)
{
  MtTracePrivate *priv = mt_trace_get_instance_private (self);

  g_return_if_fail (MT_IS_TRACE (self));
  g_return_if_fail (times == NULL ||
                    mt_token_times_get_n_tokens (times) ==
                    mt_trace_get_n_reasoning_tokens (self) + mt_trace_get_n_answer_tokens (self));

  if (times != NULL)
    mt_token_times_ref (times);
  g_clear_pointer (&priv->token_times, mt_token_times_unref);
  priv->token_times = times;
}
