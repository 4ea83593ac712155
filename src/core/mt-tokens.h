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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtTokenSpans, mt_token_spans_unref)

G_END_DECLS
