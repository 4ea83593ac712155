/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "mt-tokens.h"

struct _MtTokenSpans
{
  gatomicrefcount  ref_count;
  MtTokenSource    source;
  guint            n_tokens;
  guint32          text_length;
  guint32          starts[];
};

G_DEFINE_BOXED_TYPE (MtTokenSpans, mt_token_spans, mt_token_spans_ref, mt_token_spans_unref)

MtTokenSpans *
mt_token_spans_new (MtTokenSource  source,
                    const guint32 *starts,
                    guint          n_tokens,
                    guint32        text_length)
{
  MtTokenSpans *self;

  g_return_val_if_fail (n_tokens == 0 || starts != NULL, NULL);

  self = g_malloc (sizeof *self + (gsize) n_tokens * sizeof (guint32));
  g_atomic_ref_count_init (&self->ref_count);
  self->source = source;
  self->n_tokens = n_tokens;
  self->text_length = text_length;
  if (n_tokens > 0)
    memcpy (self->starts, starts, (gsize) n_tokens * sizeof (guint32));

  return self;
}

MtTokenSpans *
mt_token_spans_ref (MtTokenSpans *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
mt_token_spans_unref (MtTokenSpans *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    g_free (self);
}

MtTokenSource
mt_token_spans_get_source (const MtTokenSpans *self)
{
  g_return_val_if_fail (self != NULL, MT_TOKEN_SOURCE_APPROX);
  return self->source;
}

guint
mt_token_spans_get_n_tokens (const MtTokenSpans *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_tokens;
}

guint32
mt_token_spans_get_text_length (const MtTokenSpans *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->text_length;
}

void
mt_token_spans_get_span (const MtTokenSpans *self,
                         guint               index,
                         guint32            *start,
                         guint32            *length)
{
  guint32 begin, end;

  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->n_tokens);

  begin = self->starts[index];
  end = index + 1 < self->n_tokens ? self->starts[index + 1] : self->text_length;
  if (start != NULL)
    *start = begin;
  if (length != NULL)
    *length = end - begin;
}

guint
mt_token_spans_lookup (const MtTokenSpans *self,
                       guint32             offset)
{
  guint lo = 0, hi;

  g_return_val_if_fail (self != NULL, 0);

  if (self->n_tokens == 0)
    return 0;

  /* The last token whose start is <= offset. */
  hi = self->n_tokens;
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->starts[mid] <= offset)
        lo = mid;
      else
        hi = mid;
    }

  return lo;
}

/* PLACEHOLDER until the approximate tokenizer lands: one token per
 * whitespace-separated word. */
static guint
split_words (const char *text,
             gsize       len,
             GArray     *starts)
{
  guint n = 0;
  gboolean in_word = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      gboolean space = g_ascii_isspace (text[i]);

      if (!space && !in_word)
        {
          if (starts != NULL)
            {
              guint32 start = (guint32) (n == 0 ? 0 : i);
              g_array_append_val (starts, start);
            }
          n++;
        }
      in_word = !space;
    }

  return n;
}

MtTokenSpans *
mt_tokenize_approx (const char *text,
                    gssize      len)
{
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (guint32));

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len < 0)
    len = strlen (text);
  split_words (text, len, starts);

  return mt_token_spans_new (MT_TOKEN_SOURCE_APPROX, (const guint32 *) (gpointer) starts->data,
                             starts->len, (guint32) len);
}

guint
mt_count_tokens_approx (const char *text,
                        gssize      len)
{
  g_return_val_if_fail (text != NULL || len == 0, 0);

  if (len < 0)
    len = strlen (text);
  return split_words (text, len, NULL);
}
