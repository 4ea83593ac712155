/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "mt-stream-private.h"

/* MtCompletionRequest */

G_DEFINE_BOXED_TYPE (MtCompletionRequest, mt_completion_request,
                     mt_completion_request_copy, mt_completion_request_free)

static MtChatMessage *
chat_message_new (const char *role,
                  const char *content)
{
  MtChatMessage *message = g_new0 (MtChatMessage, 1);

  message->role = g_strdup (role);
  message->content = g_strdup (content);

  return message;
}

static void
chat_message_free (gpointer data)
{
  MtChatMessage *message = data;

  g_free (message->role);
  g_free (message->content);
  g_free (message);
}

/**
 * mt_completion_request_new:
 * @mode: the endpoint to call
 * @model: (nullable): the model name
 *
 * Returns: (transfer full): a request with unset sampling settings and an
 *   empty message list
 */
MtCompletionRequest *
mt_completion_request_new (MtCompletionMode  mode,
                           const char       *model)
{
  MtCompletionRequest *self = g_new0 (MtCompletionRequest, 1);

  self->mode = mode;
  self->model = g_strdup (model);
  self->messages = g_ptr_array_new_with_free_func (chat_message_free);
  mt_sampling_init (&self->sampling);

  return self;
}

MtCompletionRequest *
mt_completion_request_copy (const MtCompletionRequest *self)
{
  MtCompletionRequest *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = mt_completion_request_new (self->mode, self->model);
  copy->prompt = g_strdup (self->prompt);
  copy->prefill = g_strdup (self->prefill);
  copy->sampling = self->sampling;
  copy->stop = g_strdupv (self->stop);
  copy->logprobs = self->logprobs;

  if (self->messages != NULL)
    {
      for (guint i = 0; i < self->messages->len; i++)
        {
          const MtChatMessage *message = g_ptr_array_index (self->messages, i);

          g_ptr_array_add (copy->messages, chat_message_new (message->role, message->content));
        }
    }

  return copy;
}

void
mt_completion_request_free (MtCompletionRequest *self)
{
  if (self == NULL)
    return;

  g_free (self->model);
  g_free (self->prompt);
  g_clear_pointer (&self->messages, g_ptr_array_unref);
  g_free (self->prefill);
  g_strfreev (self->stop);
  g_free (self);
}

void
mt_completion_request_add_message (MtCompletionRequest *self,
                                   const char          *role,
                                   const char          *content)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (role != NULL);
  g_return_if_fail (content != NULL);

  if (self->messages == NULL)
    self->messages = g_ptr_array_new_with_free_func (chat_message_free);

  g_ptr_array_add (self->messages, chat_message_new (role, content));
}

/**
 * mt_completion_request_get_path:
 * @self: a request
 *
 * Returns: the endpoint path relative to the base URL
 */
const char *
mt_completion_request_get_path (const MtCompletionRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->mode == MT_COMPLETION_MODE_CHAT ? "chat/completions" : "completions";
}

/**
 * mt_completion_request_to_json:
 * @self: a request
 *
 * The body as sent: always streamed, with usage asked for in the last
 * event.
 *
 * Returns: (transfer full): the JSON request body
 */
GBytes *
mt_completion_request_to_json (const MtCompletionRequest *self)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  const MtSampling *sampling;
  char *text;
  gsize len;

  g_return_val_if_fail (self != NULL, NULL);

  sampling = &self->sampling;
  builder = json_builder_new ();
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, self->model != NULL ? self->model : "");

  if (self->mode == MT_COMPLETION_MODE_CHAT)
    {
      json_builder_set_member_name (builder, "messages");
      json_builder_begin_array (builder);
      for (guint i = 0; self->messages != NULL && i < self->messages->len; i++)
        {
          const MtChatMessage *message = g_ptr_array_index (self->messages, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "role");
          json_builder_add_string_value (builder, message->role);
          json_builder_set_member_name (builder, "content");
          json_builder_add_string_value (builder, message->content);
          json_builder_end_object (builder);
        }

      if (self->prefill != NULL)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "role");
          json_builder_add_string_value (builder, "assistant");
          json_builder_set_member_name (builder, "content");
          json_builder_add_string_value (builder, self->prefill);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);

      /* vLLM's way of continuing the last assistant message instead of
       * closing it and opening a new turn; the interrupt method depends on
       * the model seeing its own unfinished reasoning. */
      if (self->prefill != NULL)
        {
          json_builder_set_member_name (builder, "continue_final_message");
          json_builder_add_boolean_value (builder, TRUE);
          json_builder_set_member_name (builder, "add_generation_prompt");
          json_builder_add_boolean_value (builder, FALSE);
        }
    }
  else
    {
      json_builder_set_member_name (builder, "prompt");
      json_builder_add_string_value (builder, self->prompt != NULL ? self->prompt : "");
    }

  json_builder_set_member_name (builder, "stream");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "stream_options");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "include_usage");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);

  if (!isnan (sampling->temperature))
    {
      json_builder_set_member_name (builder, "temperature");
      json_builder_add_double_value (builder, sampling->temperature);
    }
  if (!isnan (sampling->top_p))
    {
      json_builder_set_member_name (builder, "top_p");
      json_builder_add_double_value (builder, sampling->top_p);
    }
  if (sampling->top_k >= 0)
    {
      json_builder_set_member_name (builder, "top_k");
      json_builder_add_int_value (builder, sampling->top_k);
    }
  if (sampling->max_tokens > 0)
    {
      json_builder_set_member_name (builder, "max_tokens");
      json_builder_add_int_value (builder, sampling->max_tokens);
    }
  if (sampling->seed >= 0)
    {
      json_builder_set_member_name (builder, "seed");
      json_builder_add_int_value (builder, sampling->seed);
    }

  if (self->stop != NULL && self->stop[0] != NULL)
    {
      json_builder_set_member_name (builder, "stop");
      json_builder_begin_array (builder);
      for (guint i = 0; self->stop[i] != NULL; i++)
        json_builder_add_string_value (builder, self->stop[i]);
      json_builder_end_array (builder);
    }

  /* The two APIs spell it differently: a count of alternatives for
   * completions, a switch for chat. One alternative is the sampled token. */
  if (self->logprobs)
    {
      json_builder_set_member_name (builder, "logprobs");
      if (self->mode == MT_COMPLETION_MODE_CHAT)
        json_builder_add_boolean_value (builder, TRUE);
      else
        json_builder_add_int_value (builder, 1);
    }

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);

  return g_bytes_new_take (text, len);
}

/* MtCompletion */

typedef struct
{
  GString *text;
  GArray  *starts;     /* guint32 byte offsets into text */
  GArray  *arrivals;   /* gint64 monotonic microseconds */
  GArray  *logprobs;   /* double, NaN where unknown; NULL until the first one */
} Part;

struct _MtCompletion
{
  GObject         parent_instance;

  Part            parts[MT_DELTA_N_KINDS];
  char           *model;
  char           *finish_reason_text;
  gint64          start_time;
  gint64          usage_prompt;
  gint64          usage_completion;
  gint64          usage_reasoning;
  MtFinishReason  finish_reason;
};

G_DEFINE_FINAL_TYPE (MtCompletion, mt_completion, G_TYPE_OBJECT)

static void
mt_completion_finalize (GObject *object)
{
  MtCompletion *self = (MtCompletion *)object;

  for (guint i = 0; i < MT_DELTA_N_KINDS; i++)
    {
      Part *part = &self->parts[i];

      g_string_free (part->text, TRUE);
      g_array_unref (part->starts);
      g_array_unref (part->arrivals);
      g_clear_pointer (&part->logprobs, g_array_unref);
    }

  g_free (self->model);
  g_free (self->finish_reason_text);

  G_OBJECT_CLASS (mt_completion_parent_class)->finalize (object);
}

static void
mt_completion_class_init (MtCompletionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mt_completion_finalize;
}

static void
mt_completion_init (MtCompletion *self)
{
  for (guint i = 0; i < MT_DELTA_N_KINDS; i++)
    {
      Part *part = &self->parts[i];

      part->text = g_string_new (NULL);
      part->starts = g_array_new (FALSE, FALSE, sizeof (guint32));
      part->arrivals = g_array_new (FALSE, FALSE, sizeof (gint64));
    }

  self->usage_prompt = -1;
  self->usage_completion = -1;
  self->usage_reasoning = -1;
}

MtCompletion *
_mt_completion_new (gint64 start_time)
{
  MtCompletion *self = g_object_new (MT_TYPE_COMPLETION, NULL);

  self->start_time = start_time;

  return self;
}

void
_mt_completion_append_token (MtCompletion *self,
                             MtDeltaKind   kind,
                             const char   *text,
                             gsize         len,
                             gint64        arrival_time,
                             double        logprob)
{
  Part *part;
  guint32 start;

  g_assert (MT_IS_COMPLETION (self));
  g_assert (kind < MT_DELTA_N_KINDS);

  /* Token spans are 32-bit; no model writes 4 GB in one answer. */
  if (len == 0 || len > G_MAXUINT32 - self->parts[kind].text->len)
    return;

  part = &self->parts[kind];
  start = (guint32) part->text->len;
  g_string_append_len (part->text, text, len);
  g_array_append_val (part->starts, start);
  g_array_append_val (part->arrivals, arrival_time);

  if (part->logprobs == NULL && !isnan (logprob))
    {
      double unknown = NAN;

      part->logprobs = g_array_sized_new (FALSE, FALSE, sizeof (double), part->starts->len);
      for (guint i = 0; i + 1 < part->starts->len; i++)
        g_array_append_val (part->logprobs, unknown);
    }

  if (part->logprobs != NULL)
    g_array_append_val (part->logprobs, logprob);
}

void
_mt_completion_set_finish_reason (MtCompletion *self,
                                  const char   *text)
{
  g_assert (MT_IS_COMPLETION (self));
  g_assert (text != NULL);

  g_free (self->finish_reason_text);
  self->finish_reason_text = g_strdup (text);

  /* "eos" and "end_turn" are what some non-OpenAI servers say for stop. */
  if (g_str_equal (text, "stop") || g_str_equal (text, "eos") || g_str_equal (text, "end_turn"))
    self->finish_reason = MT_FINISH_STOP;
  else if (g_str_equal (text, "length") || g_str_equal (text, "max_tokens"))
    self->finish_reason = MT_FINISH_LENGTH;
  else
    self->finish_reason = MT_FINISH_UNKNOWN;
}

gboolean
_mt_completion_has_finish_reason (MtCompletion *self)
{
  g_assert (MT_IS_COMPLETION (self));

  return self->finish_reason_text != NULL;
}

void
_mt_completion_end (MtCompletion   *self,
                    MtFinishReason  reason)
{
  g_assert (MT_IS_COMPLETION (self));

  self->finish_reason = reason;
  g_clear_pointer (&self->finish_reason_text, g_free);
}

void
_mt_completion_set_usage (MtCompletion *self,
                          gint64        prompt_tokens,
                          gint64        completion_tokens,
                          gint64        reasoning_tokens)
{
  g_assert (MT_IS_COMPLETION (self));

  self->usage_prompt = prompt_tokens;
  self->usage_completion = completion_tokens;
  self->usage_reasoning = reasoning_tokens;
}

void
_mt_completion_set_model (MtCompletion *self,
                          const char   *model)
{
  g_assert (MT_IS_COMPLETION (self));

  if (g_strcmp0 (self->model, model) != 0)
    {
      g_free (self->model);
      self->model = g_strdup (model);
    }
}

guint
_mt_completion_get_total_tokens (MtCompletion *self)
{
  g_assert (MT_IS_COMPLETION (self));

  return self->parts[MT_DELTA_REASONING].starts->len + self->parts[MT_DELTA_CONTENT].starts->len;
}

/**
 * mt_completion_get_text:
 * @self: an #MtCompletion
 * @kind: reasoning or content
 *
 * Returns: the text streamed so far for @kind, "" if none
 */
const char *
mt_completion_get_text (MtCompletion *self,
                        MtDeltaKind   kind)
{
  g_return_val_if_fail (MT_IS_COMPLETION (self), NULL);
  g_return_val_if_fail (kind < MT_DELTA_N_KINDS, NULL);

  return self->parts[kind].text->str;
}

const char *
mt_completion_get_reasoning (MtCompletion *self)
{
  return mt_completion_get_text (self, MT_DELTA_REASONING);
}

const char *
mt_completion_get_content (MtCompletion *self)
{
  return mt_completion_get_text (self, MT_DELTA_CONTENT);
}

guint
mt_completion_get_n_tokens (MtCompletion *self,
                            MtDeltaKind   kind)
{
  g_return_val_if_fail (MT_IS_COMPLETION (self), 0);
  g_return_val_if_fail (kind < MT_DELTA_N_KINDS, 0);

  return self->parts[kind].starts->len;
}

/**
 * mt_completion_dup_spans:
 * @self: an #MtCompletion
 * @kind: reasoning or content
 *
 * The tokens as the server streamed them, labelled %MT_TOKEN_SOURCE_STREAM.
 * llama.cpp and vLLM send one token per event, so each event's text is one
 * token; when the server attached logprobs naming several tokens whose
 * texts add up to the event's text, each of those is a token instead.
 *
 * Returns: (transfer full): the token spans over mt_completion_get_text()
 */
MtTokenSpans *
mt_completion_dup_spans (MtCompletion *self,
                         MtDeltaKind   kind)
{
  Part *part;

  g_return_val_if_fail (MT_IS_COMPLETION (self), NULL);
  g_return_val_if_fail (kind < MT_DELTA_N_KINDS, NULL);

  part = &self->parts[kind];

  return mt_token_spans_new (MT_TOKEN_SOURCE_STREAM,
                             (const guint32 *) (gpointer) part->starts->data,
                             part->starts->len,
                             (guint32) part->text->len);
}

/**
 * mt_completion_get_arrival_times:
 * @self: an #MtCompletion
 * @kind: reasoning or content
 * @n_tokens: (out) (optional): the number of tokens
 *
 * When each token was read off the network, in g_get_monotonic_time()
 * microseconds; tokens that came in one read share its time.
 *
 * Returns: (array length=n_tokens) (transfer none): the arrival times
 */
const gint64 *
mt_completion_get_arrival_times (MtCompletion *self,
                                 MtDeltaKind   kind,
                                 guint        *n_tokens)
{
  Part *part;

  g_return_val_if_fail (MT_IS_COMPLETION (self), NULL);
  g_return_val_if_fail (kind < MT_DELTA_N_KINDS, NULL);

  part = &self->parts[kind];
  if (n_tokens != NULL)
    *n_tokens = part->arrivals->len;

  return (const gint64 *) (gpointer) part->arrivals->data;
}

/**
 * mt_completion_get_logprobs:
 * @self: an #MtCompletion
 * @kind: reasoning or content
 * @n_tokens: (out) (optional): the number of tokens
 *
 * Returns: (array length=n_tokens) (transfer none) (nullable): the
 *   log-probability of each token, NaN where the server gave none, or %NULL
 *   if it gave none at all
 */
const double *
mt_completion_get_logprobs (MtCompletion *self,
                            MtDeltaKind   kind,
                            guint        *n_tokens)
{
  Part *part;

  g_return_val_if_fail (MT_IS_COMPLETION (self), NULL);
  g_return_val_if_fail (kind < MT_DELTA_N_KINDS, NULL);

  part = &self->parts[kind];
  if (n_tokens != NULL)
    *n_tokens = part->logprobs != NULL ? part->logprobs->len : 0;

  return part->logprobs != NULL ? (const double *) (gpointer) part->logprobs->data : NULL;
}

/* When the request was sent (its last attempt), on the arrival-time clock. */
gint64
mt_completion_get_start_time (MtCompletion *self)
{
  g_return_val_if_fail (MT_IS_COMPLETION (self), 0);

  return self->start_time;
}

MtFinishReason
mt_completion_get_finish_reason (MtCompletion *self)
{
  g_return_val_if_fail (MT_IS_COMPLETION (self), MT_FINISH_UNKNOWN);

  return self->finish_reason;
}

/**
 * mt_completion_get_finish_reason_text:
 * @self: an #MtCompletion
 *
 * Returns: (nullable): the finish reason exactly as the server sent it,
 *   such as "stop", "length" or "abort"
 */
const char *
mt_completion_get_finish_reason_text (MtCompletion *self)
{
  g_return_val_if_fail (MT_IS_COMPLETION (self), NULL);

  return self->finish_reason_text;
}

/* The model name the server reported, which may differ from the one asked
 * for (an alias, a file path); NULL if it sent none. */
const char *
mt_completion_get_model (MtCompletion *self)
{
  g_return_val_if_fail (MT_IS_COMPLETION (self), NULL);

  return self->model;
}

/* Usage as the server counted it, -1 when it sent none. */
gint64
mt_completion_get_usage_prompt_tokens (MtCompletion *self)
{
  g_return_val_if_fail (MT_IS_COMPLETION (self), -1);

  return self->usage_prompt;
}

gint64
mt_completion_get_usage_completion_tokens (MtCompletion *self)
{
  g_return_val_if_fail (MT_IS_COMPLETION (self), -1);

  return self->usage_completion;
}

gint64
mt_completion_get_usage_reasoning_tokens (MtCompletion *self)
{
  g_return_val_if_fail (MT_IS_COMPLETION (self), -1);

  return self->usage_reasoning;
}
