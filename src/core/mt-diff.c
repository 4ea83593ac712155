/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "mt-diff.h"

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c);
}

void
mt_split_words (const char *text,
                gssize      len,
                GArray     *words)
{
  const char *p;
  const char *end;

  g_return_if_fail (text != NULL || len == 0);
  g_return_if_fail (words != NULL);

  if (text == NULL)
    return;
  if (len < 0)
    len = strlen (text);

  p = text;
  end = text + len;
  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);
      MtTextSpan span;

      /* Invalid bytes count as one word each, so nothing is skipped. */
      if (c == (gunichar)-1 || c == (gunichar)-2)
        {
          span.start = p - text;
          span.end = span.start + 1;
          g_array_append_val (words, span);
          p++;
          continue;
        }

      if (g_unichar_isspace (c))
        {
          p = g_utf8_next_char (p);
          continue;
        }

      span.start = p - text;
      p = g_utf8_next_char (p);
      if (is_word_char (c))
        {
          while (p < end)
            {
              gunichar next = g_utf8_get_char_validated (p, end - p);

              if (next == (gunichar)-1 || next == (gunichar)-2 || !is_word_char (next))
                break;
              p = g_utf8_next_char (p);
            }
        }
      span.end = MIN ((gsize)(p - text), (gsize)len);
      g_array_append_val (words, span);
    }
}

typedef struct
{
  const char *text;
  MtTextSpan *spans;
  guint      *hashes;
  guint       n;
} Words;

static void
words_init (Words      *words,
            const char *text,
            gsize       len,
            GArray     *spans)
{
  mt_split_words (text, len, spans);
  words->text = text;
  words->spans = (MtTextSpan *)(gpointer)spans->data;
  words->n = spans->len;
  words->hashes = g_new (guint, MAX (spans->len, 1));

  for (guint i = 0; i < spans->len; i++)
    {
      guint hash = 5381;

      for (gsize j = words->spans[i].start; j < words->spans[i].end; j++)
        hash = hash * 33 + (guchar)text[j];
      words->hashes[i] = hash;
    }
}

static inline gboolean
words_equal (const Words *a,
             guint        i,
             const Words *b,
             guint        j)
{
  gsize a_len = a->spans[i].end - a->spans[i].start;
  gsize b_len = b->spans[j].end - b->spans[j].start;

  return a->hashes[i] == b->hashes[j]
         && a_len == b_len
         && memcmp (a->text + a->spans[i].start, b->text + b->spans[j].start, a_len) == 0;
}

/* Myers' greedy forward search over a[lo_a, hi_a) and b[lo_b, hi_b),
 * keeping each step's furthest reaching paths to walk back along. Marks
 * the changed words and returns FALSE when more than @max_edits are
 * needed. */
static gboolean
myers (const Words *a,
       guint        lo_a,
       guint        hi_a,
       const Words *b,
       guint        lo_b,
       guint        hi_b,
       guint        max_edits,
       gboolean    *changed_a,
       gboolean    *changed_b)
{
  int n = hi_a - lo_a;
  int m = hi_b - lo_b;
  int max_d = MIN ((int)max_edits, n + m);
  g_autofree int *v = g_new0 (int, 2 * max_d + 3);
  g_autoptr(GPtrArray) history = g_ptr_array_new_with_free_func (g_free);
  int offset = max_d + 1;
  int found = -1;

  for (int d = 0; d <= max_d && found < 0; d++)
    {
      int *row;

      for (int k = -d; k <= d; k += 2)
        {
          int x, y;

          if (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
            x = v[offset + k + 1];
          else
            x = v[offset + k - 1] + 1;
          y = x - k;

          while (x < n && y < m && words_equal (a, lo_a + x, b, lo_b + y))
            x++, y++;

          v[offset + k] = x;
          if (x >= n && y >= m)
            found = d;
        }

      /* Row d holds V[k] for k in [-d, d]. */
      row = g_new (int, 2 * d + 1);
      memcpy (row, v + offset - d, (2 * d + 1) * sizeof (int));
      g_ptr_array_add (history, row);
    }

  if (found < 0)
    return FALSE;

  {
    int x = n;
    int y = m;

    for (int d = found; d > 0; d--)
      {
        const int *prev = g_ptr_array_index (history, d - 1);
        int k = x - y;
        int prev_k, prev_x, prev_y;

        /* prev is indexed by k + (d - 1). */
        if (k == -d || (k != d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1]))
          prev_k = k + 1;
        else
          prev_k = k - 1;

        prev_x = prev[prev_k + d - 1];
        prev_y = prev_x - prev_k;

        if (prev_k == k + 1)
          changed_b[lo_b + prev_y] = TRUE;
        else
          changed_a[lo_a + prev_x] = TRUE;

        x = prev_x;
        y = prev_y;
      }
  }

  return TRUE;
}

static GArray *
merge_changes (const Words    *words,
               const gboolean *changed)
{
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (MtTextSpan));

  for (guint i = 0; i < words->n; i++)
    {
      MtTextSpan span;

      if (!changed[i])
        continue;

      span.start = words->spans[i].start;
      while (i + 1 < words->n && changed[i + 1])
        i++;
      span.end = words->spans[i].end;
      g_array_append_val (spans, span);
    }

  return spans;
}

void
mt_diff_words (const char *a,
               gssize      a_len,
               const char *b,
               gssize      b_len,
               guint       max_edits,
               MtWordDiff *diff)
{
  g_autoptr(GArray) a_spans = g_array_new (FALSE, FALSE, sizeof (MtTextSpan));
  g_autoptr(GArray) b_spans = g_array_new (FALSE, FALSE, sizeof (MtTextSpan));
  g_autofree gboolean *changed_a = NULL;
  g_autofree gboolean *changed_b = NULL;
  Words wa, wb;
  guint head = 0;
  guint tail = 0;
  guint n_changed = 0;

  g_return_if_fail (a != NULL || a_len == 0);
  g_return_if_fail (b != NULL || b_len == 0);
  g_return_if_fail (diff != NULL);

  memset (diff, 0, sizeof *diff);
  if (max_edits == 0)
    max_edits = MT_DIFF_DEFAULT_MAX_EDITS;

  if (a == NULL)
    a = "";
  if (b == NULL)
    b = "";
  if (a_len < 0)
    a_len = strlen (a);
  if (b_len < 0)
    b_len = strlen (b);

  words_init (&wa, a, a_len, a_spans);
  words_init (&wb, b, b_len, b_spans);
  changed_a = g_new0 (gboolean, MAX (wa.n, 1));
  changed_b = g_new0 (gboolean, MAX (wb.n, 1));

  /* Long traces share long stretches: strip the common head and tail so
   * the search only sees where they part. */
  while (head < wa.n && head < wb.n && words_equal (&wa, head, &wb, head))
    head++;
  while (tail < wa.n - head && tail < wb.n - head
         && words_equal (&wa, wa.n - 1 - tail, &wb, wb.n - 1 - tail))
    tail++;

  diff->complete = myers (&wa, head, wa.n - tail, &wb, head, wb.n - tail, max_edits,
                          changed_a, changed_b);
  if (!diff->complete)
    {
      for (guint i = head; i < wa.n - tail; i++)
        changed_a[i] = TRUE;
      for (guint j = head; j < wb.n - tail; j++)
        changed_b[j] = TRUE;
    }

  for (guint i = 0; i < wa.n; i++)
    n_changed += changed_a[i];

  diff->n_words_a = wa.n;
  diff->n_words_b = wb.n;
  diff->n_common = wa.n - n_changed;
  diff->removed = merge_changes (&wa, changed_a);
  diff->inserted = merge_changes (&wb, changed_b);

  g_free (wa.hashes);
  g_free (wb.hashes);
}

void
mt_word_diff_clear (MtWordDiff *diff)
{
  g_return_if_fail (diff != NULL);

  g_clear_pointer (&diff->removed, g_array_unref);
  g_clear_pointer (&diff->inserted, g_array_unref);
}
