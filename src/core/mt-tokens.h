/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "mt-enums.h"

G_BEGIN_DECLS

/* Token boundaries over one text: token i covers bytes
 * [start(i), start(i+1)) and the last token ends at the text's length.
 * Immutable once built; reference counted so traces can share it with views. */
typedef struct _MtTokenSpans MtTokenSpans;

#define MT_TYPE_TOKEN_SPANS (mt_token_spans_get_type ())

GType          mt_token_spans_get_type      (void) G_GNUC_CONST;
MtTokenSpans  *mt_token_spans_new           (MtTokenSource       source,
                                             const guint32      *starts,
                                             guint               n_tokens,
                                             guint32             text_length);
MtTokenSpans  *mt_token_spans_ref           (MtTokenSpans       *self);
void           mt_token_spans_unref         (MtTokenSpans       *self);
MtTokenSource  mt_token_spans_get_source    (const MtTokenSpans *self);
guint          mt_token_spans_get_n_tokens  (const MtTokenSpans *self);
guint32        mt_token_spans_get_text_length (const MtTokenSpans *self);
void           mt_token_spans_get_span      (const MtTokenSpans *self,
                                             guint               index,
                                             guint32            *start,
                                             guint32            *length);
/* The token containing byte @offset (binary search); an offset at or past
 * the end maps to the last token. Returns 0 for an empty span list. */
guint          mt_token_spans_lookup        (const MtTokenSpans *self,
                                             guint32             offset);

/* The built-in approximate tokenizer: a byte-pair-like estimate of how a
 * modern LLM tokenizer (Qwen, Llama 3, DeepSeek) would split @text.
 * Source is MT_TOKEN_SOURCE_APPROX. @len may be -1 for NUL-terminated. */
MtTokenSpans  *mt_tokenize_approx           (const char         *text,
                                             gssize              len);
/* The same count as mt_tokenize_approx() without allocating spans. */
guint          mt_count_tokens_approx       (const char         *text,
                                             gssize              len);

/* When each generated token arrived: milliseconds since the request was
 * sent, one per token of the reasoning then the answer (the spans' order),
 * finite, non-negative and non-decreasing. Immutable, reference counted. */
typedef struct _MtTokenTimes MtTokenTimes;

#define MT_TYPE_TOKEN_TIMES (mt_token_times_get_type ())

GType          mt_token_times_get_type      (void) G_GNUC_CONST;
/* Whether every time is finite, non-negative and no earlier than the one
 * before it; if not, @bad_index is set to the first that is not. */
gboolean       mt_token_times_validate      (const double       *times_ms,
                                             guint               n_tokens,
                                             guint              *bad_index);
/* @times_ms must be valid (see above). */
MtTokenTimes  *mt_token_times_new           (const double       *times_ms,
                                             guint               n_tokens);
MtTokenTimes  *mt_token_times_ref           (MtTokenTimes       *self);
void           mt_token_times_unref         (MtTokenTimes       *self);
guint          mt_token_times_get_n_tokens  (const MtTokenTimes *self);
double         mt_token_times_get           (const MtTokenTimes *self,
                                             guint               index);
const double  *mt_token_times_get_data      (const MtTokenTimes *self,
                                             guint              *n_tokens);
/* The number of tokens that had arrived by @time_ms (binary search). */
guint          mt_token_times_count_before  (const MtTokenTimes *self,
                                             double              time_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtTokenSpans, mt_token_spans_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtTokenTimes, mt_token_times_unref)

G_END_DECLS
