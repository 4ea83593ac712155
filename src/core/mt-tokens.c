/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
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


/* MtTokenTimes */

struct _MtTokenTimes
{
  gatomicrefcount  ref_count;
  guint            n_tokens;
  double           times[];
};

G_DEFINE_BOXED_TYPE (MtTokenTimes, mt_token_times, mt_token_times_ref, mt_token_times_unref)

gboolean
mt_token_times_validate (const double *times_ms,
                         guint         n_tokens,
                         guint        *bad_index)
{
  g_return_val_if_fail (n_tokens == 0 || times_ms != NULL, FALSE);

  for (guint i = 0; i < n_tokens; i++)
    {
      if (!isfinite (times_ms[i]) || times_ms[i] < 0 ||
          (i > 0 && times_ms[i] < times_ms[i - 1]))
        {
          if (bad_index != NULL)
            *bad_index = i;
          return FALSE;
        }
    }

  return TRUE;
}

MtTokenTimes *
mt_token_times_new (const double *times_ms,
                    guint         n_tokens)
{
  MtTokenTimes *self;

  g_return_val_if_fail (mt_token_times_validate (times_ms, n_tokens, NULL), NULL);

  self = g_malloc (sizeof *self + (gsize) n_tokens * sizeof (double));
  g_atomic_ref_count_init (&self->ref_count);
  self->n_tokens = n_tokens;
  if (n_tokens > 0)
    memcpy (self->times, times_ms, (gsize) n_tokens * sizeof (double));

  return self;
}

MtTokenTimes *
mt_token_times_ref (MtTokenTimes *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
mt_token_times_unref (MtTokenTimes *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    g_free (self);
}

guint
mt_token_times_get_n_tokens (const MtTokenTimes *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_tokens;
}

double
mt_token_times_get (const MtTokenTimes *self,
                    guint               index)
{
  g_return_val_if_fail (self != NULL, 0.0);
  g_return_val_if_fail (index < self->n_tokens, 0.0);

  return self->times[index];
}

const double *
mt_token_times_get_data (const MtTokenTimes *self,
                         guint              *n_tokens)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (n_tokens != NULL)
    *n_tokens = self->n_tokens;
  return self->times;
}

guint
mt_token_times_count_before (const MtTokenTimes *self,
                             double              time_ms)
{
  guint lo = 0, hi;

  g_return_val_if_fail (self != NULL, 0);

  /* The first token that arrived after @time_ms. */
  hi = self->n_tokens;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->times[mid] <= time_ms)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}


/* The approximate tokenizer.
 *
 * Byte-level BPE tokenizers of the Qwen2/Qwen3, Llama 3 and DeepSeek V3
 * families work in two steps: a GPT-4 style regular expression cuts the text
 * into pre-tokens (" word", a number, a run of punctuation, a line break...),
 * then merges inside each pre-token pick vocabulary pieces.  On reasoning
 * text the first step decides almost everything: with a 128k-151k
 * vocabulary nearly every common " word" is a single piece.  So the
 * pre-tokenizer below follows the Qwen/Llama 3 expression closely (as a
 * hand-written matcher: one pass, no regex engine, no allocation) and only
 * the pieces within a pre-token are estimated, from its shape.
 *
 * The few numbers were set against the real counts stored with about 460
 * generations (Qwen3-8B, DeepSeek-R1-Distill-Qwen-7B and -Llama-8B,
 * deepseek-reasoner), and checked pre-token by pre-token against the real
 * Qwen3 and Llama 3 vocabularies; tests/test-tokens.c reports the errors.
 *
 * - A letter run preceded by a space stays one piece up to
 *   WORD_FREE_SPACED letters and gains one per WORD_PIECE further letters:
 *   in those vocabularies " therefore" or " multiplied" are single pieces
 *   while rare long words break every four or five letters.
 * - Without the space (line starts, "2x", the "frac" of "{\frac") a word is
 *   rarer in the training data, so it splits sooner: WORD_FREE_BARE.
 * - A punctuation mark glued in front of a word ("\frac", "-Cara") mostly
 *   stays a piece of its own; LaTeX commands come out at two.
 * - Qwen cuts numbers into single digits, Llama 3 and DeepSeek into groups
 *   of three.  DIGITS_PER_TOKEN = 2 splits the difference: most numbers in
 *   traces have one or two digits, so either family stays within a few
 *   percent even on arithmetic-heavy text.
 * - Punctuation runs merge in pairs (").", "}{", " \\("), a run of one
 *   repeated mark ("**", "---") is one unit, and trailing line breaks count
 *   as one more unit (".\n\n" is one piece, ".**\n" two).
 * - Letters outside ASCII: two-byte ones (accents, Greek, Cyrillic) weigh
 *   as two ASCII letters.  Wider ones (CJK, kana, Hangul) come at
 *   WIDE_PIECES per WIDE_LETTERS: the three vocabularies hold many
 *   two-character Chinese words and average 0.5-0.65 tokens per Han
 *   character.  Symbols outside ASCII (π aside, which is a letter: →, ≈, √,
 *   emoji) are a piece each.
 * - <think>, </think> and <|...|> markers are single special tokens.
 *
 * Invalid UTF-8 bytes are one token each and never join a pre-token, so the
 * spans never cut a character in two. */

#define WORD_FREE_SPACED   8
#define WORD_FREE_BARE     4
#define WORD_PIECE         4
#define DIGITS_PER_TOKEN   2
#define WIDE_PIECES        2
#define WIDE_LETTERS       3
#define SAME_MARK_UNIT    16
#define SPACE_RUN_UNIT    16
#define SPECIAL_NAME_MAX  32

typedef enum
{
  CHAR_LETTER,
  CHAR_DIGIT,
  CHAR_SPACE,    /* whitespace other than line breaks */
  CHAR_NEWLINE,  /* only \r and \n, as in the expression */
  CHAR_OTHER,    /* punctuation, symbols, marks, controls */
  CHAR_BAD,      /* a byte that does not start a valid UTF-8 sequence */
} CharClass;

typedef struct
{
  const guchar *end;
  const guchar *text;
  guint32      *starts;    /* NULL when only counting */
  gsize         n_tokens;
} Scan;

#define L_ CHAR_LETTER
#define D_ CHAR_DIGIT
#define S_ CHAR_SPACE
#define N_ CHAR_NEWLINE
#define O_ CHAR_OTHER

static const guint8 ascii_class[128] = {
  O_, O_, O_, O_, O_, O_, O_, O_, O_, S_, N_, S_, S_, N_, O_, O_,
  O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
  S_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_, O_,
  D_, D_, D_, D_, D_, D_, D_, D_, D_, D_, O_, O_, O_, O_, O_, O_,
  O_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_,
  L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, O_, O_, O_, O_, O_,
  O_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_,
  L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, L_, O_, O_, O_, O_, O_,
};

#undef L_
#undef D_
#undef S_
#undef N_
#undef O_

/* Decodes one character; a byte that does not begin a well-formed sequence
 * (stray continuation, truncated, overlong, surrogate) is a CHAR_BAD of
 * length 1, so scanning resynchronises on the next byte. */
static inline CharClass
peek_char (const guchar *p,
           const guchar *end,
           guint        *length)
{
  guchar b = p[0];
  gunichar c;
  guint n;

  *length = 1;

  if (b < 0x80)
    return ascii_class[b];

  if (b >= 0xc2 && b <= 0xdf)
    {
      n = 2;
      c = b & 0x1f;
    }
  else if (b >= 0xe0 && b <= 0xef)
    {
      n = 3;
      c = b & 0x0f;
    }
  else if (b >= 0xf0 && b <= 0xf4)
    {
      n = 4;
      c = b & 0x07;
    }
  else
    return CHAR_BAD;

  if ((gsize) (end - p) < n)
    return CHAR_BAD;
  for (guint i = 1; i < n; i++)
    {
      if ((p[i] & 0xc0) != 0x80)
        return CHAR_BAD;
      c = (c << 6) | (p[i] & 0x3f);
    }
  if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
      (c >= 0xd800 && c <= 0xdfff))
    return CHAR_BAD;

  *length = n;

  switch (g_unichar_type (c))
    {
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER:
      return CHAR_LETTER;
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_OTHER_NUMBER:
      return CHAR_DIGIT;
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
    case G_UNICODE_SPACE_SEPARATOR:
      return CHAR_SPACE;
    default:
      /* NEL is White_Space although it is a control. */
      return c == 0x85 ? CHAR_SPACE : CHAR_OTHER;
    }
}

/* Length of a special marker starting at @p, or 0.  Chat formats put these
 * in generated text and every target tokenizer has each as one token. */
static inline gsize
special_length (const guchar *p,
                const guchar *end)
{
  gsize avail = end - p;
  gsize i;

  if (avail < 4 || p[0] != '<')
    return 0;
  if (avail >= 7 && memcmp (p, "<think>", 7) == 0)
    return 7;
  if (avail >= 8 && memcmp (p, "</think>", 8) == 0)
    return 8;
  if (p[1] != '|')
    return 0;

  for (i = 2; i < avail && i < 2 + SPECIAL_NAME_MAX; i++)
    {
      if (g_ascii_isalnum (p[i]) || p[i] == '_')
        continue;
      if (i > 2 && p[i] == '|' && i + 1 < avail && p[i + 1] == '>')
        return i + 2;
      return 0;
    }

  return 0;
}

/* The expression's (?i:'s|'t|'re|'ve|'m|'ll|'d), which matches even inside a
 * longer word ("'sorry" gives "'s" + "orry"). */
static inline gsize
contraction_length (const guchar *p,
                    const guchar *end)
{
  gsize avail = end - p;
  guchar a, b;

  if (avail < 2 || p[0] != '\'')
    return 0;

  a = g_ascii_tolower (p[1]);
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if (avail < 3)
    return 0;

  b = g_ascii_tolower (p[2]);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
    return 3;

  return 0;
}

/* Spreads @cost pieces over the characters of [@start, @stop): piece k
 * starts at character k * n_chars / cost.  Pre-tokens hold only valid UTF-8
 * and @cost never exceeds their character count. */
static void
append_pieces (Scan         *scan,
               const guchar *start,
               const guchar *stop,
               guint         cost)
{
  guint n_chars = 0;
  guint piece = 0;
  guint index = 0;

  if (cost > 1)
    {
      for (const guchar *p = start; p < stop; p = (const guchar *) g_utf8_next_char (p))
        n_chars++;
    }

  for (const guchar *p = start; piece < cost; p = (const guchar *) g_utf8_next_char (p), index++)
    {
      if (cost == 1 || (guint64) index * cost >= (guint64) piece * n_chars)
        scan->starts[scan->n_tokens + piece++] = (guint32) (p - scan->text);
    }
}

/* Records one pre-token of @cost pieces. */
static inline void
emit (Scan         *scan,
      const guchar *start,
      const guchar *stop,
      guint         cost)
{
  if (scan->starts != NULL)
    append_pieces (scan, start, stop, cost);
  scan->n_tokens += cost;
}

static const guchar *
scan_word (Scan         *scan,
           const guchar *p)
{
  const guchar *start = p;
  const guchar *letters;
  guint units = 0;   /* ASCII letters, two-byte letters counting double */
  guint wide = 0;    /* letters of three or four bytes (CJK, kana, Hangul) */
  guint n_chars = 0;
  guint free_letters = WORD_FREE_BARE;
  gboolean marked = FALSE;
  guint cost, n;

  if (peek_char (p, scan->end, &n) != CHAR_LETTER)
    {
      if (*p == ' ')
        free_letters = WORD_FREE_SPACED;
      else
        marked = TRUE;
      p += n;
      n_chars++;
    }
  letters = p;

  while (p < scan->end && peek_char (p, scan->end, &n) == CHAR_LETTER)
    {
      if (n == 1)
        units++;
      else if (n == 2)
        units += 2;
      else
        wide++;
      n_chars++;
      p += n;
    }

  cost = (WIDE_PIECES * wide + WIDE_LETTERS - 1) / WIDE_LETTERS;
  if (units > 0)
    {
      cost += 1;
      if (units > free_letters)
        cost += (units - free_letters) / WORD_PIECE;
      /* "(x" is one piece, "\frac" two. */
      if (marked && units > 1)
        cost++;
    }
  else if (marked)
    {
      cost++;
    }

  cost = MAX (1, MIN (cost, n_chars));
  /* The mark that stays apart is the first piece. */
  if (marked && cost > 1)
    {
      emit (scan, start, letters, 1);
      emit (scan, letters, p, cost - 1);
    }
  else
    {
      emit (scan, start, p, cost);
    }

  return p;
}

static const guchar *
scan_number (Scan         *scan,
             const guchar *p)
{
  const guchar *start = p;
  guint in_group = 0;
  guint n;

  while (p < scan->end && peek_char (p, scan->end, &n) == CHAR_DIGIT)
    {
      if (in_group == DIGITS_PER_TOKEN)
        {
          emit (scan, start, p, 1);
          start = p;
          in_group = 0;
        }
      in_group++;
      p += n;
    }

  emit (scan, start, p, 1);
  return p;
}

static const guchar *
scan_punct (Scan         *scan,
            const guchar *p)
{
  const guchar *start = p;
  guint units = 0;
  guint wide = 0;
  guint n_chars = 0;
  guint same = 0;
  guchar prev = 0;
  gboolean line_break = FALSE;
  guint n;

  /* A leading space merges with the first mark (" (", " =", " \\("). */
  if (*p == ' ')
    {
      p++;
      n_chars++;
    }

  while (p < scan->end && peek_char (p, scan->end, &n) == CHAR_OTHER &&
         special_length (p, scan->end) == 0)
    {
      if (n > 1)
        {
          wide++;
          prev = 0;
        }
      else if (*p != prev || same == SAME_MARK_UNIT)
        {
          units++;
          prev = *p;
          same = 1;
        }
      else
        {
          same++;
        }
      n_chars++;
      p += n;
    }

  while (p < scan->end && (*p == '\n' || *p == '\r'))
    {
      line_break = TRUE;
      n_chars++;
      p++;
    }

  units += line_break ? 1 : 0;
  emit (scan, start, p, MAX (1, MIN ((units + 1) / 2 + wide, n_chars)));
  return p;
}

static const guchar *
scan_space (Scan         *scan,
            const guchar *p)
{
  const guchar *start = p;
  const guchar *last = p;
  const guchar *after_break = NULL;
  guint n_chars = 0;
  guint n_to_break = 0;
  guint n;

  for (;;)
    {
      CharClass cls;

      if (p >= scan->end)
        break;
      cls = peek_char (p, scan->end, &n);
      if (cls != CHAR_SPACE && cls != CHAR_NEWLINE)
        break;
      last = p;
      p += n;
      n_chars++;
      if (cls == CHAR_NEWLINE)
        {
          after_break = p;
          n_to_break = n_chars;
        }
    }

  /* \s*[\r\n]+ takes everything up to the last line break; otherwise
   * \s+(?!\S) leaves the last blank to prefix what follows, unless the blank
   * run ends the text (or a special marker's segment). */
  if (after_break != NULL)
    {
      p = after_break;
      n_chars = n_to_break;
    }
  else if (n_chars > 1 && p < scan->end && special_length (p, scan->end) == 0)
    {
      p = last;
      n_chars--;
    }

  emit (scan, start, p, (n_chars + SPACE_RUN_UNIT - 1) / SPACE_RUN_UNIT);
  return p;
}

static gsize
scan_text (const guchar *text,
           gsize         length,
           guint32      *starts)
{
  Scan scan = { text + length, text, starts, 0 };
  const guchar *p = text;

  while (p < scan.end)
    {
      CharClass cls, next = CHAR_BAD;
      guint n, n_next;
      gsize single;

      cls = peek_char (p, scan.end, &n);
      if (cls == CHAR_BAD)
        {
          emit (&scan, p, p + 1, 1);
          p++;
          continue;
        }

      /* Pre-tokens that are always a single token. */
      single = special_length (p, scan.end);
      if (single == 0)
        single = contraction_length (p, scan.end);
      if (single > 0)
        {
          emit (&scan, p, p + single, 1);
          p += single;
          continue;
        }

      if (p + n < scan.end)
        next = peek_char (p + n, scan.end, &n_next);

      if (cls == CHAR_LETTER ||
          ((cls == CHAR_SPACE || cls == CHAR_OTHER) && next == CHAR_LETTER))
        p = scan_word (&scan, p);
      else if (cls == CHAR_DIGIT)
        p = scan_number (&scan, p);
      else if (cls == CHAR_OTHER ||
               (*p == ' ' && next == CHAR_OTHER && special_length (p + 1, scan.end) == 0))
        p = scan_punct (&scan, p);
      else
        p = scan_space (&scan, p);
    }

  return scan.n_tokens;
}

MtTokenSpans *
mt_tokenize_approx (const char *text,
                    gssize      len)
{
  g_autofree guint32 *starts = NULL;
  gsize length, n;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  length = len < 0 ? strlen (text) : (gsize) len;
  /* Spans store 32-bit offsets. */
  g_return_val_if_fail (length <= G_MAXUINT32, NULL);

  /* Counting first is cheap and sizes the array exactly, where growing it
   * would copy hundreds of megabytes on long traces. */
  n = length > 0 ? scan_text ((const guchar *) text, length, NULL) : 0;
  if (n > 0)
    {
      starts = g_new (guint32, n);
      scan_text ((const guchar *) text, length, starts);
    }

  return mt_token_spans_new (MT_TOKEN_SOURCE_APPROX, starts, (guint) n, (guint32) length);
}

guint
mt_count_tokens_approx (const char *text,
                        gssize      len)
{
  gsize length, n;

  g_return_val_if_fail (text != NULL || len == 0, 0);

  length = len < 0 ? strlen (text) : (gsize) len;
  if (length == 0)
    return 0;

  n = scan_text ((const guchar *) text, length, NULL);
  return (guint) MIN (n, (gsize) G_MAXUINT);
}
