/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "mt-json-scan.h"

/* String bodies are most of the bytes in a trace file, so they are scanned a
 * vector at a time. SSE2 is part of the x86-64 baseline; elsewhere 64-bit
 * words stand in. Defining MT_JSON_SCAN_NO_SIMD forces the portable path so
 * that tests and the fuzzer can exercise it on x86-64 too. */
#if defined(__SSE2__) && defined(__GNUC__) && !defined(MT_JSON_SCAN_NO_SIMD)
# include <emmintrin.h>
# define MT_JSON_SCAN_SSE2 1
#else
# define MT_JSON_SCAN_SSE2 0
#endif

typedef struct
{
  const char *at;
  const char *message;
} ScanError;

#define MSG_BAD_UTF8        N_("invalid UTF-8 in a string")
#define MSG_CONTROL         N_("control character in a string (must be escaped)")
#define MSG_UNTERMINATED    N_("unterminated string")
#define MSG_BAD_U_ESCAPE    N_("invalid \\u escape in a string (expected four hex digits)")
#define MSG_LONE_HIGH       N_("unpaired high surrogate in a \\u escape " \
                               "(expected a low one to follow)")
#define MSG_LONE_LOW        N_("unpaired low surrogate in a \\u escape")
#define MSG_BAD_LITERAL     N_("invalid literal (expected true, false or null)")
#define MSG_EXPECTED_VALUE  N_("expected a value")

/* One message per printable character so that the user sees what was
 * written; the error message must be a static string. NULL marks the
 * escapes JSON allows. */
#define E(c) "invalid escape '\\" c "' in a string"
static const char * const bad_escape_messages[0x7f - 0x20] = {
  E (" "), E ("!"), NULL, E ("#"), E ("$"), E ("%"), E ("&"), E ("'"), E ("("), E (")"), E ("*"),
  E ("+"), E (","), E ("-"), E ("."), NULL, E ("0"), E ("1"), E ("2"), E ("3"), E ("4"), E ("5"),
  E ("6"), E ("7"), E ("8"), E ("9"), E (":"), E (";"), E ("<"), E ("="), E (">"), E ("?"),
  E ("@"), E ("A"), E ("B"), E ("C"), E ("D"), E ("E"), E ("F"), E ("G"), E ("H"), E ("I"),
  E ("J"), E ("K"), E ("L"), E ("M"), E ("N"), E ("O"), E ("P"), E ("Q"), E ("R"), E ("S"),
  E ("T"), E ("U"), E ("V"), E ("W"), E ("X"), E ("Y"), E ("Z"), E ("["), NULL, E ("]"), E ("^"),
  E ("_"), E ("`"), E ("a"), NULL, E ("c"), E ("d"), E ("e"), NULL, E ("g"), E ("h"), E ("i"),
  E ("j"), E ("k"), E ("l"), E ("m"), NULL, E ("o"), E ("p"), E ("q"), NULL, E ("s"), NULL, NULL,
  E ("v"), E ("w"), E ("x"), E ("y"), E ("z"), E ("{"), E ("|"), E ("}"), E ("~"),
};
#undef E

/* What each one-character escape stands for, zero for the rest; a table
 * rather than a switch since reasoning text is full of "\\n" and "\\\\frac". */
static const char simple_escapes[256] = {
  ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b', ['f'] = '\f', ['n'] = '\n',
  ['r'] = '\r', ['t'] = '\t',
};

static inline const char *
fail (ScanError  *err,
      const char *at,
      const char *message)
{
  err->at = at;
  err->message = message;
  return NULL;
}

static inline gboolean
is_digit (char c)
{
  return (guchar) (c - '0') < 10;
}

static inline gboolean
is_continuation (char c)
{
  return ((guchar) c & 0xc0) == 0x80;
}

static inline const char *
skip_whitespace (const char *p,
                 const char *end)
{
  /* Bits 9, 10, 13 and 32: tab, line feed, carriage return and space. */
  while (p < end && (guchar) *p <= ' ' && ((G_GUINT64_CONSTANT (0x100002600) >> (guchar) *p) & 1))
    p++;

  return p;
}

static inline gboolean
is_string_special (guchar c)
{
  return c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
}

#if !MT_JSON_SCAN_SSE2
#define ONES  G_GUINT64_CONSTANT (0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

/* Nonzero exactly when some byte of @w is zero. Borrows may flag bytes above
 * a real zero too, which only matters to callers that want the position;
 * ours rescan the word byte by byte. */
static inline guint64
word_has_zero (guint64 w)
{
  return (w - ONES) & ~w & HIGHS;
}

static inline guint64
load_word (const char *p)
{
  guint64 w;

  memcpy (&w, p, sizeof w);
  return w;
}
#endif

#if MT_JSON_SCAN_SSE2
/* One bit per byte of the 16 at @p that a string body cannot hold as is: a
 * quote, a backslash, a control character or the start of a UTF-8
 * sequence. */
static inline guint32
string_special_mask (const char *p)
{
  __m128i v = _mm_loadu_si128 ((const __m128i *) (const void *) p);
  __m128i quotes = _mm_cmpeq_epi8 (v, _mm_set1_epi8 ('"'));
  __m128i backslashes = _mm_cmpeq_epi8 (v, _mm_set1_epi8 ('\\'));
  /* The compare is signed, so bytes >= 0x80 count as negative and one
   * compare catches control characters and non-ASCII alike. */
  __m128i low = _mm_cmplt_epi8 (v, _mm_set1_epi8 (0x20));

  return (guint32) _mm_movemask_epi8 (_mm_or_si128 (_mm_or_si128 (quotes, backslashes), low));
}
#endif

/* The first byte in [@p, @end) that string_special_mask() would flag, or
 * @end. */
static inline const char *
find_string_special (const char *p,
                     const char *end)
{
#if MT_JSON_SCAN_SSE2
  while (end - p >= 16)
    {
      guint32 mask = string_special_mask (p);

      if (mask != 0)
        return p + __builtin_ctz (mask);
      p += 16;
    }
#else
  while (end - p >= 8)
    {
      guint64 w = load_word (p);

      /* For a byte in 0x20..0x7f, subtracting 0x20 neither borrows nor sets
       * its top bit; anything else leaves a top bit set somewhere. */
      if (((word_has_zero (w ^ (ONES * '"')) | word_has_zero (w ^ (ONES * '\\'))
            | (w - ONES * 0x20) | w) & HIGHS) != 0)
        break;
      p += 8;
    }
#endif

  while (p < end && !is_string_special ((guchar) *p))
    p++;

  return p;
}

#if MT_JSON_SCAN_SSE2
/* One bit per quote or backslash among the 16 bytes at @p. */
static inline guint32
quote_or_backslash_mask (const char *p)
{
  __m128i v = _mm_loadu_si128 ((const __m128i *) (const void *) p);

  return (guint32) _mm_movemask_epi8 (_mm_or_si128 (_mm_cmpeq_epi8 (v, _mm_set1_epi8 ('"')),
                                                    _mm_cmpeq_epi8 (v, _mm_set1_epi8 ('\\'))));
}
#endif

/* Like find_string_special() for strings already validated, where only
 * quotes and backslashes matter. */
static inline const char *
find_quote_or_backslash (const char *p,
                         const char *end)
{
#if MT_JSON_SCAN_SSE2
  while (end - p >= 16)
    {
      guint32 mask = quote_or_backslash_mask (p);

      if (mask != 0)
        return p + __builtin_ctz (mask);
      p += 16;
    }
#else
  while (end - p >= 8)
    {
      guint64 w = load_word (p);

      if ((word_has_zero (w ^ (ONES * '"')) | word_has_zero (w ^ (ONES * '\\'))) != 0)
        break;
      p += 8;
    }
#endif

  while (p < end && *p != '"' && *p != '\\')
    p++;

  return p;
}

/* Validates a run of UTF-8 sequences starting at @p (a byte >= 0x80) and
 * returns the first byte after it that is ASCII, or NULL. Non-Latin text
 * comes in runs, so staying here avoids a vector reload per character. */
static const char *
scan_utf8_run (const char *p,
               const char *end,
               ScanError  *err)
{
  do
    {
      guchar c = (guchar) p[0];
      gsize avail = (gsize) (end - p);

      if (c < 0xc2)
        {
          /* A stray continuation byte, or C0/C1 which only start overlongs. */
          return fail (err, p, MSG_BAD_UTF8);
        }
      else if (c < 0xe0)
        {
          if (avail < 2 || !is_continuation (p[1]))
            return fail (err, p, MSG_BAD_UTF8);
          p += 2;
        }
      else if (c < 0xf0)
        {
          guchar c1;

          if (avail < 3 || !is_continuation (p[2]))
            return fail (err, p, MSG_BAD_UTF8);
          c1 = (guchar) p[1];
          /* E0 needs A0.. to not be overlong; ED stops at 9F before the
           * surrogates. */
          if (c1 < (c == 0xe0 ? 0xa0 : 0x80) || c1 > (c == 0xed ? 0x9f : 0xbf))
            return fail (err, p, MSG_BAD_UTF8);
          p += 3;
        }
      else if (c < 0xf5)
        {
          guchar c1;

          if (avail < 4 || !is_continuation (p[2]) || !is_continuation (p[3]))
            return fail (err, p, MSG_BAD_UTF8);
          c1 = (guchar) p[1];
          /* F0 needs 90.. to not be overlong; F4 stops at 8F, U+10FFFF. */
          if (c1 < (c == 0xf0 ? 0x90 : 0x80) || c1 > (c == 0xf4 ? 0x8f : 0xbf))
            return fail (err, p, MSG_BAD_UTF8);
          p += 4;
        }
      else
        {
          return fail (err, p, MSG_BAD_UTF8);
        }
    }
  while (p < end && (guchar) *p >= 0x80);

  return p;
}

static inline guint
hex_digit_value (char c)
{
  /* Only for characters known to be hex digits: letters have bit 6 set. */
  return ((guchar) c & 0xf) + 9 * ((guchar) c >> 6);
}

static inline guint
hex4_value (const char *p)
{
  return (hex_digit_value (p[0]) << 12) | (hex_digit_value (p[1]) << 8)
         | (hex_digit_value (p[2]) << 4) | hex_digit_value (p[3]);
}

/* Checks the four hex digits of the \u escape whose backslash is at @p. */
static const char *
scan_u_escape (const char *p,
               const char *end,
               const char *quote,
               guint      *code_unit,
               ScanError  *err)
{
  for (guint i = 2; i < 6; i++)
    {
      if (p + i >= end)
        return fail (err, quote, MSG_UNTERMINATED);
      if (!g_ascii_isxdigit (p[i]))
        return fail (err, p, MSG_BAD_U_ESCAPE);
    }

  *code_unit = hex4_value (p + 2);
  return p + 6;
}

/* @p is at a backslash followed by anything but a one-character escape. */
static const char *
scan_escape (const char *p,
             const char *end,
             const char *quote,
             ScanError  *err)
{
  const char *next;
  guint unit;
  guint low;

  if (p[1] != 'u')
    {
      guchar c = (guchar) p[1];

      if (c >= 0x20 && c < 0x7f)
        return fail (err, p, bad_escape_messages[c - 0x20]);
      return fail (err, p, N_("invalid escape in a string"));
    }

  if (!(next = scan_u_escape (p, end, quote, &unit, err)))
    return NULL;

  if (unit >= 0xdc00 && unit <= 0xdfff)
    return fail (err, p, MSG_LONE_LOW);
  if (unit < 0xd800 || unit > 0xdbff)
    return next;

  /* A high surrogate: only a low one may follow. */
  if (next == end || (next[0] == '\\' && next + 1 == end))
    return fail (err, quote, MSG_UNTERMINATED);
  if (next[0] != '\\' || next[1] != 'u')
    return fail (err, p, MSG_LONE_HIGH);
  if (!(next = scan_u_escape (next, end, quote, &low, err)))
    return NULL;
  if (low < 0xdc00 || low > 0xdfff)
    return fail (err, p, MSG_LONE_HIGH);

  return next;
}

/* Checks what follows the special byte at @p other than a quote and
 * returns where plain text may resume. */
static inline const char *
scan_special (const char *p,
              const char *end,
              const char *quote,
              ScanError  *err)
{
  guchar c = (guchar) *p;

  if (c == '\\')
    {
      if (G_UNLIKELY (end - p < 2))
        return fail (err, quote, MSG_UNTERMINATED);
      if (G_LIKELY (simple_escapes[(guchar) p[1]] != 0))
        return p + 2;
      return scan_escape (p, end, quote, err);
    }

  if (c < 0x20)
    return fail (err, p, MSG_CONTROL);

  return scan_utf8_run (p, end, err);
}

/* @quote is the opening quote; returns the byte after the closing one. */
static const char *
scan_string (const char *quote,
             const char *end,
             ScanError  *err)
{
  const char *p = quote + 1;

#if MT_JSON_SCAN_SSE2
  /* In reasoning text a backslash comes every few dozen bytes (LaTeX, \n).
   * Working through all the special bytes of a 64-byte block from one mask
   * avoids reloading and recomparing after each of them. */
  while (end - p >= 64)
    {
      const char *block = p;
      guint64 mask = (guint64) string_special_mask (block)
                     | ((guint64) string_special_mask (block + 16) << 16)
                     | ((guint64) string_special_mask (block + 32) << 32)
                     | ((guint64) string_special_mask (block + 48) << 48);

      p = block + 64;
      while (mask != 0)
        {
          const char *at = block + __builtin_ctzll (mask);
          const char *next;

          if (*at == '"')
            return at + 1;
          if (!(next = scan_special (at, end, quote, err)))
            return NULL;

          if (next >= block + 64)
            {
              p = next;
              break;
            }
          /* Drop the flags of bytes the escape or UTF-8 run consumed. */
          mask &= ~G_GUINT64_CONSTANT (0) << (next - block);
        }
    }
#endif

  for (;;)
    {
      p = find_string_special (p, end);
      if (G_UNLIKELY (p == end))
        return fail (err, quote, MSG_UNTERMINATED);
      if (*p == '"')
        return p + 1;
      if (!(p = scan_special (p, end, quote, err)))
        return NULL;
    }
}

static const char *
scan_digits (const char *p,
             const char *end)
{
  while (p < end && is_digit (*p))
    p++;

  return p;
}

/* @p is at '-' or a digit. */
static const char *
scan_number (const char *p,
             const char *end,
             ScanError  *err)
{
  if (*p == '-')
    {
      p++;
      if (p == end || !is_digit (*p))
        return fail (err, p, N_("expected a digit after '-'"));
    }

  if (*p == '0')
    {
      if (p + 1 < end && is_digit (p[1]))
        return fail (err, p, N_("leading zero in a number"));
      p++;
    }
  else
    {
      p = scan_digits (p + 1, end);
    }

  if (p < end && *p == '.')
    {
      p++;
      if (p == end || !is_digit (*p))
        return fail (err, p, N_("expected a digit after the decimal point"));
      p = scan_digits (p + 1, end);
    }

  if (p < end && (*p == 'e' || *p == 'E'))
    {
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p == end || !is_digit (*p))
        return fail (err, p, N_("expected a digit in the exponent"));
      p = scan_digits (p + 1, end);
    }

  return p;
}

static const char *
scan_literal (const char *p,
              const char *end,
              const char *word,
              gsize       word_len,
              ScanError  *err)
{
  if (G_LIKELY ((gsize) (end - p) >= word_len && memcmp (p, word, word_len) == 0))
    return p + word_len;

  /* Point at the first byte that differs. */
  for (gsize i = 0; i < word_len; i++)
    if (p + i == end || p[i] != word[i])
      return fail (err, p + i, MSG_BAD_LITERAL);

  return fail (err, p, MSG_BAD_LITERAL);
}

static const char *
end_of_input_message (char closer)
{
  return closer == '}' ? N_("unexpected end of input in an object")
                       : N_("unexpected end of input in an array");
}

static const char *
unexpected_value_message (const char *p,
                          const char *data,
                          const char *end)
{
  switch (*p)
    {
    case '+':
      return N_("a number cannot start with '+'");
    case '.':
      return N_("a number cannot start with '.' (write 0.5, not .5)");
    case '\'':
      return N_("strings must be in double quotes");
    case ']':
    case '}':
      return N_("expected a value before the closing bracket");
    case '\xef':
      if (p == data && end - p >= 3 && p[1] == '\xbb' && p[2] == '\xbf')
        return N_("byte order mark before the JSON value");
      return MSG_EXPECTED_VALUE;
    default:
      return MSG_EXPECTED_VALUE;
    }
}

static MtJsonType
type_at (const char *p)
{
  switch (*p)
    {
    case '{': return MT_JSON_OBJECT;
    case '[': return MT_JSON_ARRAY;
    case '"': return MT_JSON_STRING;
    case 't': return MT_JSON_TRUE;
    case 'f': return MT_JSON_FALSE;
    case 'n': return MT_JSON_NULL;
    default:  return MT_JSON_NUMBER;
    }
}

gboolean
mt_json_validate (const char   *data,
                  gsize         len,
                  MtJsonValue  *root,
                  gsize        *error_offset,
                  const char  **error_message)
{
  /* The closing bracket of every open container, innermost last. */
  char closers[MT_JSON_MAX_DEPTH];
  guint depth = 0;
  const char *end;
  const char *p;
  const char *root_start;
  const char *root_end;
  ScanError err = { NULL, NULL };

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (data == NULL)
    data = "";
  end = data + len;

  p = skip_whitespace (data, end);
  if (p == end)
    {
      fail (&err, p, N_("empty input"));
      goto failed;
    }
  root_start = p;

value:
  if (G_UNLIKELY (p == end))
    {
      /* Only reached inside a container: the root was checked above. */
      g_assert (depth > 0);
      fail (&err, p, end_of_input_message (closers[depth - 1]));
      goto failed;
    }

  switch (*p)
    {
    case '"':
      p = scan_string (p, end, &err);
      break;

    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      p = scan_number (p, end, &err);
      break;

    case 't':
      p = scan_literal (p, end, "true", 4, &err);
      break;

    case 'f':
      p = scan_literal (p, end, "false", 5, &err);
      break;

    case 'n':
      p = scan_literal (p, end, "null", 4, &err);
      break;

    case '{':
    case '[':
      if (G_UNLIKELY (depth == MT_JSON_MAX_DEPTH))
        {
          fail (&err, p, "nesting deeper than " G_STRINGIFY (MT_JSON_MAX_DEPTH));
          goto failed;
        }
      closers[depth++] = *p == '{' ? '}' : ']';
      p = skip_whitespace (p + 1, end);
      if (p < end && *p == closers[depth - 1])
        {
          p++;
          depth--;
          break;
        }
      if (closers[depth - 1] == '}')
        goto member;
      goto value;

    default:
      fail (&err, p, unexpected_value_message (p, data, end));
      goto failed;
    }

  if (G_UNLIKELY (p == NULL))
    goto failed;

after_value:
  if (G_UNLIKELY (depth == 0))
    {
      root_end = p;
      p = skip_whitespace (p, end);
      if (p != end)
        {
          fail (&err, p, N_("unexpected data after the JSON value"));
          goto failed;
        }
      goto done;
    }

  p = skip_whitespace (p, end);
  if (G_UNLIKELY (p == end))
    {
      fail (&err, p, end_of_input_message (closers[depth - 1]));
      goto failed;
    }

  if (*p == ',')
    {
      p = skip_whitespace (p + 1, end);
      if (closers[depth - 1] == '}')
        goto member;
      if (p < end && *p == ']')
        {
          fail (&err, p, N_("trailing comma in an array"));
          goto failed;
        }
      goto value;
    }

  if (*p == closers[depth - 1])
    {
      p++;
      depth--;
      goto after_value;
    }

  fail (&err, p, closers[depth - 1] == '}' ? N_("expected ',' or '}' after an object member")
                                           : N_("expected ',' or ']' after an array element"));
  goto failed;

member:
  /* After '{' or ',' and whitespace: a key, ':' and the value. */
  if (G_UNLIKELY (p == end))
    {
      fail (&err, p, end_of_input_message ('}'));
      goto failed;
    }
  if (G_UNLIKELY (*p != '"'))
    {
      fail (&err, p, *p == '}' ? N_("trailing comma in an object")
                               : N_("expected a string in double quotes as an object key"));
      goto failed;
    }
  if (!(p = scan_string (p, end, &err)))
    goto failed;
  p = skip_whitespace (p, end);
  if (G_UNLIKELY (p == end))
    {
      fail (&err, p, end_of_input_message ('}'));
      goto failed;
    }
  if (G_UNLIKELY (*p != ':'))
    {
      fail (&err, p, N_("expected ':' after an object key"));
      goto failed;
    }
  p = skip_whitespace (p + 1, end);
  goto value;

done:
  if (root != NULL)
    {
      root->type = type_at (root_start);
      root->start = root_start;
      root->len = (gsize) (root_end - root_start);
    }
  return TRUE;

failed:
  g_assert (err.message != NULL);
  if (error_offset != NULL)
    *error_offset = (gsize) (err.at - data);
  if (error_message != NULL)
    *error_message = err.message;
  return FALSE;
}

/* Skipping over validated JSON: only strings and brackets need care. The
 * bounds checks are there so that misuse on unvalidated data stays in the
 * buffer, not for correctness. */

static const char *
skip_string (const char *quote,
             const char *end)
{
  const char *p = quote + 1;

#if MT_JSON_SCAN_SSE2
  /* Object lookups skip the long reasoning strings over and over, so this
   * works through 64-byte blocks like scan_string(). */
  while (end - p >= 64)
    {
      const char *block = p;
      guint64 mask = (guint64) quote_or_backslash_mask (block)
                     | ((guint64) quote_or_backslash_mask (block + 16) << 16)
                     | ((guint64) quote_or_backslash_mask (block + 32) << 32)
                     | ((guint64) quote_or_backslash_mask (block + 48) << 48);

      p = block + 64;
      while (mask != 0)
        {
          const char *at = block + __builtin_ctzll (mask);

          if (*at == '"')
            return at + 1;
          if (at + 2 >= block + 64)
            {
              p = at + 2;
              break;
            }
          mask &= ~G_GUINT64_CONSTANT (0) << (at + 2 - block);
        }
    }
#endif

  for (;;)
    {
      p = find_quote_or_backslash (p, end);
      if (p >= end)
        return end;
      if (*p == '"')
        return p + 1;
      /* The escaped byte is never a quote that ends the string; the hex
       * digits of \u are not special either. */
      p += 2;
    }
}

static const char *
skip_value (const char *p,
            const char *end)
{
  guint depth = 0;

  switch (*p)
    {
    case '"':
      return skip_string (p, end);
    case 't':
    case 'n':
      return MIN (p + 4, end);
    case 'f':
      return MIN (p + 5, end);
    case '{':
    case '[':
      break;
    default:
      while (p < end && (is_digit (*p) || *p == '-' || *p == '+' || *p == '.'
                         || *p == 'e' || *p == 'E'))
        p++;
      return p;
    }

  while (p < end)
    {
      switch (*p)
        {
        case '"':
          p = skip_string (p, end);
          continue;
        case '{':
        case '[':
          depth++;
          break;
        case '}':
        case ']':
          if (--depth == 0)
            return p + 1;
          break;
        default:
          break;
        }
      p++;
    }

  return end;
}

void
mt_json_iter_init (MtJsonIter        *iter,
                   const MtJsonValue *container)
{
  g_return_if_fail (iter != NULL);

  iter->p = iter->end = NULL;

  g_return_if_fail (container != NULL);
  g_return_if_fail (container->type == MT_JSON_OBJECT || container->type == MT_JSON_ARRAY);
  g_return_if_fail (container->start != NULL && container->len >= 2);

  /* end sits on the closing bracket, which also tells the container type. */
  iter->p = container->start + 1;
  iter->end = container->start + container->len - 1;
}

/* Moves to the next entry; FALSE at the end of the container. */
static gboolean
iter_advance (MtJsonIter *iter)
{
  const char *p = skip_whitespace (iter->p, iter->end);

  if (p < iter->end && *p == ',')
    p = skip_whitespace (p + 1, iter->end);
  iter->p = p;

  return p < iter->end;
}

static const char *
read_value (const char  *p,
            const char  *end,
            MtJsonValue *value)
{
  const char *value_end = skip_value (p, end);

  value->type = type_at (p);
  value->start = p;
  value->len = (gsize) (value_end - p);

  return value_end;
}

gboolean
mt_json_iter_next_member (MtJsonIter   *iter,
                          MtJsonMember *member)
{
  const char *p;

  g_return_val_if_fail (iter != NULL, FALSE);
  g_return_val_if_fail (member != NULL, FALSE);

  if (iter->p == NULL)
    return FALSE;
  g_return_val_if_fail (*iter->end == '}', FALSE);

  if (!iter_advance (iter))
    return FALSE;

  p = skip_string (iter->p, iter->end);
  member->key = iter->p + 1;
  member->key_len = (gsize) (p - 1 - member->key);

  p = skip_whitespace (p, iter->end);
  if (p < iter->end && *p == ':')
    p++;
  p = skip_whitespace (p, iter->end);

  iter->p = read_value (p, iter->end, &member->value);
  return TRUE;
}

gboolean
mt_json_iter_next_element (MtJsonIter  *iter,
                           MtJsonValue *element)
{
  g_return_val_if_fail (iter != NULL, FALSE);
  g_return_val_if_fail (element != NULL, FALSE);

  if (iter->p == NULL)
    return FALSE;
  g_return_val_if_fail (*iter->end == ']', FALSE);

  if (!iter_advance (iter))
    return FALSE;

  iter->p = read_value (iter->p, iter->end, element);
  return TRUE;
}

static gsize
encode_utf8 (guint  code_point,
             char  *out)
{
  /* U+0000 becomes the overlong C0 80 so that results stay C strings. */
  if (code_point == 0)
    {
      out[0] = (char) 0xc0;
      out[1] = (char) 0x80;
      return 2;
    }
  if (code_point < 0x80)
    {
      out[0] = (char) code_point;
      return 1;
    }
  if (code_point < 0x800)
    {
      out[0] = (char) (0xc0 | (code_point >> 6));
      out[1] = (char) (0x80 | (code_point & 0x3f));
      return 2;
    }
  if (code_point < 0x10000)
    {
      out[0] = (char) (0xe0 | (code_point >> 12));
      out[1] = (char) (0x80 | ((code_point >> 6) & 0x3f));
      out[2] = (char) (0x80 | (code_point & 0x3f));
      return 3;
    }
  out[0] = (char) (0xf0 | (code_point >> 18));
  out[1] = (char) (0x80 | ((code_point >> 12) & 0x3f));
  out[2] = (char) (0x80 | ((code_point >> 6) & 0x3f));
  out[3] = (char) (0x80 | (code_point & 0x3f));
  return 4;
}

/* Decodes the escape at *@pp (a backslash in a validated string) into @out,
 * which never needs more bytes than the escape took, and moves past it. */
static inline gsize
decode_escape (const char **pp,
               char        *out)
{
  const char *p = *pp;
  guint code_point;

  if (G_LIKELY (simple_escapes[(guchar) p[1]] != 0))
    {
      out[0] = simple_escapes[(guchar) p[1]];
      *pp = p + 2;
      return 1;
    }

  code_point = hex4_value (p + 2);
  *pp = p + 6;
  if (code_point >= 0xd800 && code_point <= 0xdbff)
    {
      guint low = hex4_value (p + 8);

      code_point = 0x10000 + ((code_point - 0xd800) << 10) + (low - 0xdc00);
      *pp = p + 12;
    }

  return encode_utf8 (code_point, out);
}

gboolean
mt_json_member_key_equal (const MtJsonMember *member,
                          const char         *key)
{
  const char *p;
  const char *end;
  const char *k = key;

  g_return_val_if_fail (member != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  p = member->key;
  end = member->key + member->key_len;

  if (G_LIKELY (memchr (p, '\\', member->key_len) == NULL))
    return strncmp (p, key, member->key_len) == 0 && key[member->key_len] == '\0';

  while (p < end)
    {
      char decoded[4];
      gsize n;

      if (*p != '\\')
        {
          /* A NUL in @key never matches: raw keys hold no control bytes. */
          if (*k != *p)
            return FALSE;
          k++;
          p++;
          continue;
        }

      n = decode_escape (&p, decoded);
      for (gsize i = 0; i < n; i++, k++)
        if (*k != decoded[i])
          return FALSE;
    }

  return *k == '\0';
}

gboolean
mt_json_object_get (const MtJsonValue *object,
                    const char        *key,
                    MtJsonValue       *value)
{
  MtJsonIter iter;
  MtJsonMember member;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (object->type != MT_JSON_OBJECT)
    return FALSE;

  mt_json_iter_init (&iter, object);
  while (mt_json_iter_next_member (&iter, &member))
    {
      if (mt_json_member_key_equal (&member, key))
        {
          if (value != NULL)
            *value = member.value;
          return TRUE;
        }
    }

  return FALSE;
}

char *
mt_json_value_dup_string (const MtJsonValue *value)
{
  const char *p;
  const char *end;
  char *result;
  char *out;

  g_return_val_if_fail (value != NULL, NULL);

  if (value->type != MT_JSON_STRING)
    return NULL;
  g_return_val_if_fail (value->start != NULL && value->len >= 2, NULL);

  p = value->start + 1;
  end = value->start + value->len - 1;
  /* Unescaping only ever shrinks the text. */
  result = out = g_malloc ((gsize) (end - p) + 1);

  /* Escapes come every few dozen bytes in LaTeX-heavy traces, too often for
   * memchr() and memcpy() calls to pay off: copy a block at a time and let
   * the next block overwrite what lay past a backslash. @out never runs
   * ahead of @p, so these stores stay inside the result. */
#if MT_JSON_SCAN_SSE2
  {
    const __m128i backslash = _mm_set1_epi8 ('\\');

    while (end - p >= 16)
      {
        __m128i v = _mm_loadu_si128 ((const __m128i *) (const void *) p);
        guint32 mask = (guint32) _mm_movemask_epi8 (_mm_cmpeq_epi8 (v, backslash));

        _mm_storeu_si128 ((__m128i *) (void *) out, v);
        if (mask == 0)
          {
            p += 16;
            out += 16;
            continue;
          }
        p += __builtin_ctz (mask);
        out += __builtin_ctz (mask);
        out += decode_escape (&p, out);
      }
  }
#else
  while (end - p >= 8)
    {
      guint64 w = load_word (p);

      memcpy (out, &w, sizeof w);
      if (word_has_zero (w ^ (ONES * '\\')) == 0)
        {
          p += 8;
          out += 8;
          continue;
        }
      while (*p != '\\')
        *out++ = *p++;
      out += decode_escape (&p, out);
    }
#endif

  while (p < end)
    {
      if (*p == '\\')
        out += decode_escape (&p, out);
      else
        *out++ = *p++;
    }

  *out = '\0';
  return result;
}

gboolean
mt_json_value_get_int64 (const MtJsonValue *value,
                         gint64            *out)
{
  const char *p;
  const char *end;
  gboolean negative = FALSE;
  guint64 limit = G_MAXINT64;
  guint64 magnitude = 0;

  g_return_val_if_fail (value != NULL, FALSE);

  if (value->type != MT_JSON_NUMBER || value->len == 0)
    return FALSE;

  p = value->start;
  end = value->start + value->len;
  if (*p == '-')
    {
      negative = TRUE;
      limit = (guint64) G_MAXINT64 + 1;
      p++;
    }
  if (p == end)
    return FALSE;

  for (; p < end; p++)
    {
      guint digit;

      /* A fraction or an exponent makes it no integer, even "5.0". */
      if (!is_digit (*p))
        return FALSE;
      digit = (guint) (*p - '0');
      if (magnitude > (limit - digit) / 10)
        return FALSE;
      magnitude = magnitude * 10 + digit;
    }

  if (out != NULL)
    {
      if (!negative)
        *out = (gint64) magnitude;
      else if (magnitude == (guint64) G_MAXINT64 + 1)
        *out = G_MININT64;
      else
        *out = -(gint64) magnitude;
    }

  return TRUE;
}

gboolean
mt_json_value_get_double (const MtJsonValue *value,
                          double            *out)
{
  char buffer[64];
  char *copy;
  char *parse_end = NULL;
  double result;
  gboolean ok;

  g_return_val_if_fail (value != NULL, FALSE);

  if (value->type != MT_JSON_NUMBER || value->len == 0)
    return FALSE;

  /* g_ascii_strtod() wants a C string; numbers are short, but nothing
   * stops a file from holding a thousand digits. */
  if (value->len < sizeof buffer)
    {
      memcpy (buffer, value->start, value->len);
      buffer[value->len] = '\0';
      copy = buffer;
    }
  else
    {
      copy = g_strndup (value->start, value->len);
    }

  result = g_ascii_strtod (copy, &parse_end);
  ok = parse_end == copy + value->len && !isinf (result);

  if (copy != buffer)
    g_free (copy);

  if (ok && out != NULL)
    *out = result;

  return ok;
}

const char *
mt_json_type_describe (MtJsonType type)
{
  switch (type)
    {
    case MT_JSON_NULL:
      return "null";
    case MT_JSON_FALSE:
    case MT_JSON_TRUE:
      return N_("a boolean");
    case MT_JSON_NUMBER:
      return N_("a number");
    case MT_JSON_STRING:
      return N_("a string");
    case MT_JSON_ARRAY:
      return N_("an array");
    case MT_JSON_OBJECT:
      return N_("an object");
    default:
      g_return_val_if_reached (N_("a value"));
    }
}
