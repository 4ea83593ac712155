/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "mt-branch.h"
#include "mt-grade.h"
#include "mt-math.h"

/* How many \boxed candidates are tried, from the last one back, before
 * giving up: each try may scan to the end of the text. */
#define MAX_BOXED_TRIES 64
/* The same for "Answer:" and "the answer is": an empty one looks ahead. */
#define MAX_ANSWER_TRIES 64
#define CODE_GRADER_TIMEOUT_S 10
/* Address space a grader may map, in MiB; MIDTHOUGHT_CODE_GRADER_MEMORY
 * overrides it within these bounds. */
#define CODE_GRADER_MEMORY_MIB 1024
#define CODE_GRADER_MEMORY_MIN_MIB 16
#define CODE_GRADER_MEMORY_MAX_MIB (1024 * 1024)
/* A text answer may say a little more than the truth ("Mount Everest"). */
#define TEXT_EXTRA_WORDS 6

const char *
mt_extract_rule_to_string (MtExtractRule rule)
{
  switch (rule)
    {
    case MT_EXTRACT_NONE: return "none";
    case MT_EXTRACT_BOXED: return "boxed";
    case MT_EXTRACT_ANSWER_LINE: return "answer-line";
    case MT_EXTRACT_ANSWER_PHRASE: return "answer-phrase";
    case MT_EXTRACT_LAST_NUMBER: return "last-number";
    case MT_EXTRACT_CODE_BLOCK: return "code-block";
    case MT_EXTRACT_GSM8K: return "gsm8k";
    case MT_EXTRACT_LAST_MATH: return "last-math";
    default: return "unknown";
    }
}

const char *
mt_verdict_to_string (MtVerdict verdict)
{
  switch (verdict)
    {
    case MT_VERDICT_UNGRADED: return "ungraded";
    case MT_VERDICT_CORRECT: return "correct";
    case MT_VERDICT_WRONG: return "wrong";
    case MT_VERDICT_UNGRADABLE: return "ungradable";
    default: return "unknown";
    }
}

/* ------------------------------------------------------------------------ */
/* Extraction                                                               */
/* ------------------------------------------------------------------------ */

static gboolean
is_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static gboolean
is_letter_at (const char *text,
              gsize       i)
{
  return g_ascii_isalpha (text[i]);
}

static void
trim_span (const char *text,
           gsize      *start,
           gsize      *end)
{
  while (*start < *end && g_ascii_isspace (text[*start]))
    (*start)++;
  while (*end > *start && g_ascii_isspace (text[*end - 1]))
    (*end)--;
}

static gsize
line_end (const char *text,
          gsize       len,
          gsize       from)
{
  const char *nl = memchr (text + from, '\n', len - from);

  return nl != NULL ? (gsize) (nl - text) : len;
}

/* The last \boxed{...} or \fbox{...} whose braces balance. */
static gboolean
find_boxed (const char *text,
            gsize       len,
            gsize      *start,
            gsize      *end)
{
  guint tries = 0;

  for (gssize i = (gssize) len - 5; i >= 0 && tries < MAX_BOXED_TRIES; i--)
    {
      gsize after, j;

      if (text[i] != '\\')
        continue;
      if (strncmp (text + i + 1, "boxed", 5) == 0)
        after = i + 6;
      else if (strncmp (text + i + 1, "fbox", 4) == 0)
        after = i + 5;
      else
        continue;
      if (after < len && is_letter_at (text, after))
        continue;

      tries++;
      j = after;
      while (j < len && (text[j] == ' ' || text[j] == '\t'))
        j++;

      if (j < len && text[j] == '{')
        {
          int depth = 0;

          for (gsize k = j; k < len; k++)
            {
              if (text[k] == '\\' && k + 1 < len && (text[k + 1] == '{' || text[k + 1] == '}'))
                {
                  k++;
                  continue;
                }
              if (text[k] == '{')
                depth++;
              else if (text[k] == '}' && --depth == 0)
                {
                  gsize s = j + 1, e = k;

                  trim_span (text, &s, &e);
                  if (e > s)
                    {
                      *start = s;
                      *end = e;
                      return TRUE;
                    }
                  break;
                }
            }
        }
      else if (j > after && j < len)
        {
          /* "\boxed 5": one token */
          gsize k = j;

          while (k < len && !g_ascii_isspace (text[k]) && text[k] != '$')
            k++;
          if (k > j)
            {
              *start = j;
              *end = k;
              return TRUE;
            }
        }
    }
  return FALSE;
}

/* GSM8K's "#### 18". A markdown heading "#### Step 2" is not one: the
 * text after the mark must start like a number. */
static gboolean
find_gsm8k (const char *text,
            gsize       len,
            gsize      *start,
            gsize      *end)
{
  gsize limit = len;
  const char *mark;

  while ((mark = g_strrstr_len (text, limit, "####")) != NULL)
    {
      gsize s = mark - text + 4, e;

      limit = mark - text;
      e = line_end (text, len, s);
      trim_span (text, &s, &e);
      if (e > s && (g_ascii_isdigit (text[s]) || text[s] == '-' || text[s] == '$' ||
                    (text[s] == '.' && s + 1 < e && g_ascii_isdigit (text[s + 1]))))
        {
          *start = s;
          *end = e;
          return TRUE;
        }
    }
  return FALSE;
}

/* Skips spaces, markdown emphasis and a leading colon. */
static gsize
skip_decoration (const char *text,
                 gsize       len,
                 gsize       i)
{
  while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '*' || text[i] == '_'))
    i++;
  return i;
}

/* When "Answer:" ends its line, the answer is on the next non-empty line,
 * or in the display-math block that starts there. */
static gboolean
next_line_content (const char *text,
                   gsize       len,
                   gsize       from,
                   gsize      *start,
                   gsize      *end)
{
  gsize s = from;

  while (s < len)
    {
      gsize e = line_end (text, len, s);
      gsize ts = s, te = e;

      trim_span (text, &ts, &te);
      if (te > ts)
        {
          if ((te - ts == 2 && (strncmp (text + ts, "$$", 2) == 0 ||
                                strncmp (text + ts, "\\[", 2) == 0)))
            {
              gsize block = e < len ? e + 1 : e;
              gsize close = block;

              while (close < len)
                {
                  gsize ce = line_end (text, len, close);
                  gsize cs = close, cte = ce;

                  trim_span (text, &cs, &cte);
                  if (cte - cs == 2 && (strncmp (text + cs, "$$", 2) == 0 ||
                                        strncmp (text + cs, "\\]", 2) == 0))
                    break;
                  close = ce < len ? ce + 1 : ce;
                }
              ts = block;
              te = close;
              trim_span (text, &ts, &te);
              if (te == ts)
                return FALSE;
            }
          *start = ts;
          *end = te;
          return TRUE;
        }
      s = e < len ? e + 1 : len;
    }
  return FALSE;
}

static gboolean
ascii_match_at (const char *text,
                gsize       len,
                gsize       i,
                const char *word)
{
  gsize n = strlen (word);

  return i + n <= len && g_ascii_strncasecmp (text + i, word, n) == 0;
}

/* A final "Answer: ..." (any case, markdown allowed: "**Answer: 670**",
 * "### Final Answer:", "Answer**:"), the last one with something after it. */
static gboolean
find_answer_line (const char *text,
                  gsize       len,
                  gsize      *start,
                  gsize      *end)
{
  guint tries = 0;

  for (gssize i = (gssize) len - 6; i >= 0 && tries < MAX_ANSWER_TRIES; i--)
    {
      gsize j, s, e;

      if (!ascii_match_at (text, len, i, "answer") || (i > 0 && is_letter_at (text, i - 1)))
        continue;

      j = skip_decoration (text, len, i + 6);
      if (j < len && text[j] == ':')
        j++;
      else if (j + 2 < len && (guchar) text[j] == 0xEF && (guchar) text[j + 1] == 0xBC &&
               (guchar) text[j + 2] == 0x9A)
        j += 3;   /* a full-width colon */
      else
        continue;

      tries++;
      s = skip_decoration (text, len, j);
      e = line_end (text, len, s);
      trim_span (text, &s, &e);
      while (e > s && (text[e - 1] == '*' || text[e - 1] == '_'))
        e--;
      trim_span (text, &s, &e);
      if (e > s)
        {
          *start = s;
          *end = e;
          return TRUE;
        }
      if (next_line_content (text, len, line_end (text, len, j), start, end))
        return TRUE;
    }
  return FALSE;
}

/* "the answer is 5", "The final answer is: $x = 3$." */
static gboolean
find_answer_phrase (const char *text,
                    gsize       len,
                    gsize      *start,
                    gsize      *end)
{
  guint tries = 0;

  for (gssize i = (gssize) len - 9; i >= 0 && tries < MAX_ANSWER_TRIES; i--)
    {
      gsize s, e;

      if (!ascii_match_at (text, len, i, "answer is") || (i > 0 && is_letter_at (text, i - 1)))
        continue;
      tries++;

      s = skip_decoration (text, len, i + 9);
      if (s < len && text[s] == ':')
        s = skip_decoration (text, len, s + 1);
      e = line_end (text, len, s);
      /* the sentence ends at ". ", not at a decimal point */
      for (gsize k = s; k + 1 < e; k++)
        if (text[k] == '.' && g_ascii_isspace (text[k + 1]))
          {
            e = k;
            break;
          }
      trim_span (text, &s, &e);
      while (e > s && (text[e - 1] == '.' || text[e - 1] == '*'))
        e--;
      trim_span (text, &s, &e);
      if (e > s)
        {
          *start = s;
          *end = e;
          return TRUE;
        }
      if (next_line_content (text, len, line_end (text, len, s), start, end))
        return TRUE;
    }
  return FALSE;
}

/* The next number from @from on: "-12", "1,234.5", "0.75"; digits inside
 * names (x2, a_1) are not numbers. */
static gboolean
scan_number (const char *text,
             gsize       len,
             gsize       from,
             gsize      *start,
             gsize      *end)
{
  for (gsize i = from; i < len;)
    {
      gsize s = i, e = i;

      if (!g_ascii_isdigit (text[i]))
        {
          i++;
          continue;
        }
      if (i > 0 && (g_ascii_isalpha (text[i - 1]) || text[i - 1] == '_'))
        {
          while (i < len && g_ascii_isalnum (text[i]))
            i++;
          continue;
        }

      while (e < len && g_ascii_isdigit (text[e]))
        e++;
      /* thousands groups after a first group of at most three digits */
      if (e - s <= 3)
        while (e + 3 < len && text[e] == ',' && g_ascii_isdigit (text[e + 1]) &&
               g_ascii_isdigit (text[e + 2]) && g_ascii_isdigit (text[e + 3]) &&
               (e + 4 >= len || !g_ascii_isdigit (text[e + 4])))
          e += 4;
      if (e + 1 < len && text[e] == '.' && g_ascii_isdigit (text[e + 1]))
        {
          e++;
          while (e < len && g_ascii_isdigit (text[e]))
            e++;
        }
      if (s > 0 && text[s - 1] == '-' &&
          (s == 1 || strchr (" \t\n($=,:[{", text[s - 2]) != NULL))
        s--;

      *start = s;
      *end = e;
      return TRUE;
    }
  return FALSE;
}

static gboolean
find_last_number (const char *text,
                  gsize       len,
                  gsize      *start,
                  gsize      *end)
{
  gboolean found = FALSE;
  gsize s, e, from = 0;

  while (scan_number (text, len, from, &s, &e))
    {
      *start = s;
      *end = e;
      found = TRUE;
      from = e;
    }
  return found;
}

/* Answers written without \boxed{} usually end on a sentence whose last
 * formula carries the result: "Thus the point is \((3, \frac{\pi}{2})\)."
 * or a display "\[ \sqrt{117} = 3\sqrt{13} \]". Only the last paragraph is
 * searched, so an intermediate formula is not mistaken for the answer, and
 * of a chain of equalities the last right-hand side is taken. */
static gboolean
find_last_math (const char *text,
                gsize       len,
                gsize      *start,
                gsize      *end)
{
  static const struct { const char *open, *close; } delimiters[] = {
    { "\\(", "\\)" }, { "\\[", "\\]" }, { "$$", "$$" }, { "$", "$" },
  };
  gsize paragraph = 0, best_open = 0, best_close = 0;
  gboolean found = FALSE;
  int depth = 0;

  /* The last paragraph with text in it. */
  for (gsize i = 0; i + 1 < len; i++)
    if (text[i] == '\n' && text[i + 1] == '\n')
      {
        gsize j = i + 2;

        while (j < len && g_ascii_isspace (text[j]))
          j++;
        if (j < len)
          paragraph = j;
      }

  for (gsize i = paragraph; i < len; )
    {
      gboolean matched = FALSE;

      for (guint d = 0; d < G_N_ELEMENTS (delimiters) && !matched; d++)
        {
          gsize open_len = strlen (delimiters[d].open);
          const char *close;

          if (len - i < open_len || memcmp (text + i, delimiters[d].open, open_len) != 0)
            continue;
          close = g_strstr_len (text + i + open_len, len - i - open_len, delimiters[d].close);
          if (close == NULL)
            continue;
          best_open = i + open_len;
          best_close = close - text;
          found = TRUE;
          matched = TRUE;
          i = best_close + strlen (delimiters[d].close);
        }
      if (!matched)
        i++;
    }

  if (!found)
    return FALSE;

  /* The right-hand side of the last "=" outside braces. */
  *start = best_open;
  for (gsize i = best_open; i < best_close; i++)
    {
      if (text[i] == '{')
        depth++;
      else if (text[i] == '}')
        depth--;
      else if (text[i] == '=' && depth == 0)
        *start = i + 1;
    }
  *end = best_close;
  while (*end > *start && (g_ascii_isspace (text[*end - 1]) || text[*end - 1] == '.' ||
                           text[*end - 1] == ','))
    (*end)--;
  while (*start < *end && g_ascii_isspace (text[*start]))
    (*start)++;
  return *end > *start;
}

static gboolean
is_fence (const char *line,
          gsize       len,
          char       *fence_char,
          gsize      *fence_len)
{
  gsize i = 0, n;

  while (i < len && i < 3 && line[i] == ' ')
    i++;
  if (i >= len || (line[i] != '`' && line[i] != '~'))
    return FALSE;
  n = 0;
  while (i + n < len && line[i + n] == line[i])
    n++;
  if (n < 3)
    return FALSE;
  *fence_char = line[i];
  *fence_len = n;
  return TRUE;
}

/* The last fenced code block, or a block left open at the end. */
static gboolean
find_code_block (const char *text,
                 gsize       len,
                 gsize      *start,
                 gsize      *end)
{
  gboolean inside = FALSE, found = FALSE;
  char open_char = 0;
  gsize open_len = 0, content = 0;

  for (gsize s = 0; s < len;)
    {
      gsize e = line_end (text, len, s);
      char c;
      gsize n;

      if (is_fence (text + s, e - s, &c, &n))
        {
          if (!inside)
            {
              inside = TRUE;
              open_char = c;
              open_len = n;
              content = e < len ? e + 1 : len;
            }
          else if (c == open_char && n >= open_len)
            {
              gsize ts = s, te = s;

              /* a closing fence has nothing after it */
              while (ts < e && (text[ts] == ' ' || text[ts] == c))
                ts++;
              te = e;
              trim_span (text, &ts, &te);
              if (te == ts)
                {
                  inside = FALSE;
                  *start = content;
                  *end = s > content ? s - 1 : content;
                  found = TRUE;
                }
            }
        }
      s = e < len ? e + 1 : len;
    }

  if (inside && !found)
    {
      *start = content;
      *end = len;
      found = content < len;
    }
  return found;
}

static char *
clean_extracted (const char    *text,
                 gsize          start,
                 gsize          end,
                 MtExtractRule  rule)
{
  g_autoptr(GString) s = g_string_new_len (text + start, end - start);

  if (rule == MT_EXTRACT_ANSWER_LINE || rule == MT_EXTRACT_ANSWER_PHRASE)
    {
      /* "**Eve** (position 2)": emphasis is not part of the answer */
      const char *hit;

      while ((hit = strstr (s->str, "**")) != NULL)
        g_string_erase (s, hit - s->str, 2);
    }
  if (rule != MT_EXTRACT_CODE_BLOCK)
    g_strstrip (s->str);
  return g_utf8_make_valid (s->str, -1);
}

void
mt_extract_answer (const char   *text,
                   MtDomain      domain,
                   MtExtraction *extraction)
{
  gsize len, start = 0, end = 0;
  MtExtractRule rule = MT_EXTRACT_NONE;

  g_return_if_fail (extraction != NULL);

  memset (extraction, 0, sizeof *extraction);
  if (text == NULL)
    return;
  len = strlen (text);

  if (domain == MT_DOMAIN_CODE)
    {
      if (find_code_block (text, len, &start, &end))
        rule = MT_EXTRACT_CODE_BLOCK;
    }
  else if (find_boxed (text, len, &start, &end))
    rule = MT_EXTRACT_BOXED;
  else if (find_gsm8k (text, len, &start, &end))
    rule = MT_EXTRACT_GSM8K;
  else if (find_answer_line (text, len, &start, &end))
    rule = MT_EXTRACT_ANSWER_LINE;
  else if (find_answer_phrase (text, len, &start, &end))
    rule = MT_EXTRACT_ANSWER_PHRASE;
  else if (domain == MT_DOMAIN_MATH && find_last_math (text, len, &start, &end))
    rule = MT_EXTRACT_LAST_MATH;
  else if (find_last_number (text, len, &start, &end))
    rule = MT_EXTRACT_LAST_NUMBER;

  if (rule == MT_EXTRACT_NONE)
    return;

  extraction->rule = rule;
  extraction->start = start;
  extraction->end = end;
  extraction->text = clean_extracted (text, start, end, rule);
}

void
mt_extraction_clear (MtExtraction *extraction)
{
  g_return_if_fail (extraction != NULL);

  g_clear_pointer (&extraction->text, g_free);
  extraction->rule = MT_EXTRACT_NONE;
  extraction->start = extraction->end = 0;
}

/* ------------------------------------------------------------------------ */
/* Text                                                                     */
/* ------------------------------------------------------------------------ */

/* Case, spacing, punctuation and accents do not matter: "Brasília." is
 * "brasilia", "Polish złoty (PLN)" is "polish zloty pln". */
static char *
normalize_text (const char *text)
{
  static const struct {
    gunichar    ch;
    const char *ascii;
  } letters[] = {
    { 0x0142, "l" }, { 0x0141, "l" }, { 0x00F8, "o" }, { 0x00D8, "o" }, { 0x0111, "d" },
    { 0x0110, "d" }, { 0x00DF, "ss" }, { 0x00E6, "ae" }, { 0x00C6, "ae" }, { 0x0153, "oe" },
    { 0x0152, "oe" }, { 0x0131, "i" }, { 0x00FE, "th" }, { 0x00F0, "d" },
  };
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *decomposed = NULL;
  g_autofree char *folded = NULL;
  g_autoptr(GString) out = NULL;
  gboolean space = TRUE;

  /* LaTeX wrappers a model may put around a word */
  {
    g_autoptr(GString) s = g_string_new (valid);
    static const char *const wrappers[] = { "\\text", "\\textbf", "\\mathrm", "\\mbox",
                                            "\\boxed", "\\mathbf" };

    for (guint i = 0; i < G_N_ELEMENTS (wrappers); i++)
      {
        const char *hit;

        while ((hit = strstr (s->str, wrappers[i])) != NULL)
          g_string_erase (s, hit - s->str, strlen (wrappers[i]));
      }
    decomposed = g_utf8_normalize (s->str, -1, G_NORMALIZE_NFKD);
  }
  if (decomposed == NULL)
    return g_strdup ("");
  folded = g_utf8_casefold (decomposed, -1);

  out = g_string_sized_new (strlen (folded));
  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);
      gboolean mapped = FALSE;

      if (g_unichar_ismark (ch))
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (letters) && !mapped; i++)
        if (letters[i].ch == ch)
          {
            g_string_append (out, letters[i].ascii);
            mapped = TRUE;
          }
      if (mapped)
        space = FALSE;
      else if (g_unichar_isalnum (ch))
        {
          g_string_append_unichar (out, ch);
          space = FALSE;
        }
      else if (!space)
        {
          g_string_append_c (out, ' ');
          space = TRUE;
        }
    }
  if (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Whether the words of @needle occur, whole and in order, in @haystack
 * (both normalized). */
static gboolean
contains_words (const char *haystack,
                const char *needle)
{
  gsize n = strlen (needle);

  if (n == 0)
    return FALSE;
  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    if ((p == haystack || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
      return TRUE;
  return FALSE;
}

static guint
count_words (const char *normalized)
{
  guint n = 0;

  for (const char *p = normalized; *p != '\0'; p++)
    if (*p != ' ' && (p == normalized || p[-1] == ' '))
      n++;
  return n;
}

/* ------------------------------------------------------------------------ */
/* Graders                                                                  */
/* ------------------------------------------------------------------------ */

static void
set_verdict (MtGrade    *grade,
             MtVerdict   verdict,
             const char *format,
             ...) G_GNUC_PRINTF (3, 4);

static void
set_verdict (MtGrade    *grade,
             MtVerdict   verdict,
             const char *format,
             ...)
{
  va_list args;

  grade->verdict = verdict;
  g_free (grade->reason);
  va_start (args, format);
  grade->reason = g_strdup_vprintf (format, args);
  va_end (args);
}

static void
set_normalized (MtGrade    *grade,
                const char *answer,
                const char *truth)
{
  g_free (grade->answer_normalized);
  g_free (grade->truth_normalized);
  grade->answer_normalized = g_strdup (answer);
  grade->truth_normalized = g_strdup (truth);
}

/* The truth, then each accepted alternative. */
static GPtrArray *
truths_of (const char         *truth,
           const char * const *accept)
{
  GPtrArray *truths = g_ptr_array_new ();

  if (!is_blank (truth))
    g_ptr_array_add (truths, (gpointer) truth);
  for (guint i = 0; accept != NULL && accept[i] != NULL; i++)
    if (!is_blank (accept[i]))
      g_ptr_array_add (truths, (gpointer) accept[i]);
  return truths;
}

static void
grade_math (const char         *answer,
            const char         *truth,
            const char * const *accept,
            MtGrade            *grade)
{
  g_autoptr(GPtrArray) truths = truths_of (truth, accept);

  /* the verdict on the truth stands unless an alternative is equal */
  for (guint i = 0; i < truths->len; i++)
    {
      g_autofree char *norm_a = NULL;
      g_autofree char *norm_t = NULL;
      g_autofree char *reason = NULL;
      MtMathResult result;

      result = _mt_math_equal (answer, g_ptr_array_index (truths, i), &norm_a, &norm_t, &reason);
      if (i == 0 || result == MT_MATH_EQUAL)
        {
          set_normalized (grade, norm_a, norm_t);
          set_verdict (grade,
                       result == MT_MATH_EQUAL ? MT_VERDICT_CORRECT :
                       result == MT_MATH_NOT_EQUAL ? MT_VERDICT_WRONG : MT_VERDICT_UNGRADABLE,
                       "%s%s", reason, i > 0 ? _(" (an accepted alternative)") : "");
        }
      if (result == MT_MATH_EQUAL)
        return;
    }
}

/* Every number in @text, in order, as text (at most 17). */
static GPtrArray *
numbers_in (const char *text)
{
  GPtrArray *numbers = g_ptr_array_new_with_free_func (g_free);
  gsize len = strlen (text), from = 0, s, e;

  while (numbers->len <= 16 && scan_number (text, len, from, &s, &e))
    {
      g_ptr_array_add (numbers, g_strndup (text + s, e - s));
      from = e;
    }
  return numbers;
}

/* "numeric" (items.json) and "gsm8k": math_equal, and failing that the
 * one number the answer holds ("3 kilograms" for 3). */
static void
grade_numeric (const char         *answer,
               const char         *truth,
               const char * const *accept,
               MtGrade            *grade)
{
  g_autoptr(GPtrArray) numbers = NULL;
  g_autofree char *norm_a = NULL;
  g_autofree char *norm_t = NULL;
  g_autofree char *reason = NULL;

  grade_math (answer, truth, accept, grade);
  if (grade->verdict != MT_VERDICT_WRONG)
    return;

  numbers = numbers_in (answer);
  if (numbers->len != 1 || is_blank (truth))
    return;
  if (_mt_math_equal (g_ptr_array_index (numbers, 0), truth, &norm_a, &norm_t, &reason) ==
      MT_MATH_EQUAL)
    set_verdict (grade, MT_VERDICT_CORRECT, _("the only number in the answer, %s, equals %s"),
                 (char *) g_ptr_array_index (numbers, 0), truth);
}

static void
grade_text (const char         *answer,
            const char         *truth,
            const char * const *accept,
            MtGrade            *grade)
{
  g_autoptr(GPtrArray) truths = truths_of (truth, accept);
  g_autofree char *norm_a = normalize_text (answer);
  g_autofree char *norm_t = normalize_text (truth != NULL ? truth : "");
  guint answer_words = count_words (norm_a);

  set_normalized (grade, norm_a, norm_t);
  if (norm_a[0] == '\0')
    {
      set_verdict (grade, MT_VERDICT_WRONG, _("the answer has no letters or digits"));
      return;
    }

  for (guint i = 0; i < truths->len; i++)
    {
      g_autofree char *norm = normalize_text (g_ptr_array_index (truths, i));

      if (norm[0] != '\0' && g_str_equal (norm, norm_a))
        {
          set_verdict (grade, MT_VERDICT_CORRECT, _("equal as text (“%s”)"), norm);
          return;
        }
    }

  for (guint i = 0; i < truths->len; i++)
    {
      g_autofree char *norm = normalize_text (g_ptr_array_index (truths, i));

      if (contains_words (norm_a, norm) && answer_words <= count_words (norm) + TEXT_EXTRA_WORDS)
        {
          set_verdict (grade, MT_VERDICT_CORRECT, _("the answer “%s” contains “%s”"), norm_a, norm);
          return;
        }
    }

  /* "four" for 4, "1,912" for 1912 */
  if (truth != NULL && _mt_math_evaluate (norm_t, NULL, NULL))
    {
      g_autofree char *ma = NULL;
      g_autofree char *mt = NULL;
      g_autofree char *reason = NULL;

      if (_mt_math_equal (answer, truth, &ma, &mt, &reason) == MT_MATH_EQUAL)
        {
          set_verdict (grade, MT_VERDICT_CORRECT, "%s", reason);
          return;
        }
    }

  set_verdict (grade, MT_VERDICT_WRONG, _("“%s” is not “%s”"), norm_a, norm_t);
}

/* A lone option letter: "B", "(B)", "B)", "Option B". */
static char
option_letter (const char *text)
{
  char found = '\0';

  for (const char *p = text; *p != '\0'; p++)
    if (*p >= 'A' && *p <= 'J' && (p == text || !g_ascii_isalnum (p[-1])) &&
        !g_ascii_isalnum (p[1]) && p[1] != '\'')
      found = *p;
  return found;
}

/* "choice": the truth is an option letter, or an option's text with its
 * synonyms in @accept (items.json's options[answer]). */
static void
grade_choice (const char         *answer,
              const char         *truth,
              const char * const *accept,
              MtGrade            *grade)
{
  g_autoptr(GPtrArray) truths = truths_of (truth, accept);
  g_autofree char *norm_a = normalize_text (answer);
  g_autofree char *norm_t = normalize_text (truth != NULL ? truth : "");
  g_autofree char *stripped = g_strstrip (g_strdup (truth != NULL ? truth : ""));

  set_normalized (grade, norm_a, norm_t);

  if (strlen (stripped) == 1 && stripped[0] >= 'A' && stripped[0] <= 'J')
    {
      char letter = option_letter (answer);

      if (letter == '\0')
        set_verdict (grade, MT_VERDICT_WRONG, _("no option letter in the answer"));
      else
        set_verdict (grade, letter == stripped[0] ? MT_VERDICT_CORRECT : MT_VERDICT_WRONG,
                     _("option %c vs %c"), letter, stripped[0]);
      return;
    }

  for (guint i = 0; i < truths->len; i++)
    {
      g_autofree char *norm = normalize_text (g_ptr_array_index (truths, i));

      if (norm[0] != '\0' && contains_words (norm_a, norm))
        {
          set_verdict (grade, MT_VERDICT_CORRECT, _("the answer names the option “%s”"), norm);
          return;
        }
    }
  set_verdict (grade, MT_VERDICT_WRONG, _("the answer does not name “%s”%s"), norm_t,
               truths->len > 1 ? _(" or an accepted synonym") : "");
}

/* ------------------------------------------------------------------------ */
/* Constraint checks, read from the instruction itself                      */
/* ------------------------------------------------------------------------ */

G_LOCK_DEFINE_STATIC (regex_cache);

/* The patterns are few and fixed: each is compiled once. */
static GRegex *
cached_regex (const char *pattern)
{
  static GHashTable *cache;
  GRegex *regex;

  G_LOCK (regex_cache);
  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_regex_unref);
  regex = g_hash_table_lookup (cache, pattern);
  if (regex == NULL)
    {
      regex = g_regex_new (pattern, G_REGEX_CASELESS | G_REGEX_DOTALL | G_REGEX_OPTIMIZE, 0, NULL);
      g_assert (regex != NULL);
      g_hash_table_insert (cache, (gpointer) pattern, regex);
    }
  G_UNLOCK (regex_cache);
  return regex;
}

/* Matches @pattern (a string literal: it keys the cache) and returns its
 * first two groups; the caller frees them. */
static gboolean
regex_groups (const char  *pattern,
              const char  *text,
              char       **first,
              char       **second)
{
  g_autoptr(GMatchInfo) match = NULL;

  if (!g_regex_match (cached_regex (pattern), text, 0, &match))
    return FALSE;
  *first = g_match_info_fetch (match, 1);
  if (second != NULL)
    *second = g_match_info_fetch (match, 2);
  return TRUE;
}

static guint
number_word (const char *text)
{
  static const char *const words[] = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_ascii_strcasecmp (text, words[i]) == 0)
      return i;
  return (guint) g_ascii_strtoull (text, NULL, 10);
}

/* Words as a reader counts them: runs between spaces with a letter or
 * digit in them ("Pitter-patter" is one word, "—" none). */
static guint
reply_words (const char *reply)
{
  g_auto(GStrv) parts = g_strsplit_set (reply, " \t\n", -1);
  guint n = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    for (const char *p = parts[i]; *p != '\0'; p = g_utf8_next_char (p))
      if (g_unichar_isalnum (g_utf8_get_char (p)))
        {
          n++;
          break;
        }
  return n;
}

static gboolean
is_single_sentence (const char *reply)
{
  for (const char *p = reply; *p != '\0'; p++)
    if (strchr (".!?", *p) != NULL && p[1] != '\0' && g_ascii_isspace (p[1]))
      {
        const char *q = p + 1;

        while (g_ascii_isspace (*q))
          q++;
        if (*q != '\0')
          return FALSE;
      }
  return strchr (reply, '\n') == NULL;
}

static char *
edge_word (const char *reply,
           gboolean    last)
{
  g_autofree char *norm = normalize_text (reply);
  const char *space = last ? strrchr (norm, ' ') : strchr (norm, ' ');

  if (last)
    return g_strdup (space != NULL ? space + 1 : norm);
  return space != NULL ? g_strndup (norm, space - norm) : g_strdup (norm);
}

static gboolean
is_colour (const char *word)
{
  static const char *const colours[] = {
    "red", "blue", "green", "yellow", "orange", "purple", "violet", "indigo", "pink",
    "brown", "black", "white", "grey", "gray", "cyan", "magenta", "teal", "turquoise",
    "maroon", "navy", "gold", "silver", "beige", "lavender", "lime", "olive", "crimson",
    "scarlet", "amber", "coral", "ivory", "tan", "aqua", "azure", "bronze", "khaki",
    "mauve", "ochre", "peach", "rose", "ruby", "salmon", "sapphire", "emerald",
  };
  g_autofree char *lower = g_ascii_strdown (word, -1);

  for (guint i = 0; i < G_N_ELEMENTS (colours); i++)
    if (g_str_equal (lower, colours[i]))
      return TRUE;
  return FALSE;
}

static void
check_upper_list (const char *reply,
                  guint       n,
                  MtGrade    *grade)
{
  g_auto(GStrv) items = g_strsplit (reply, ",", -1);
  guint count = g_strv_length (items);

  if (g_str_has_suffix (reply, "."))
    {
      set_verdict (grade, MT_VERDICT_WRONG, _("ends with a full stop"));
      return;
    }
  if (count != n)
    {
      set_verdict (grade, MT_VERDICT_WRONG, _("%u items, not %u"), count, n);
      return;
    }
  for (guint i = 0; i < count; i++)
    {
      char *item = g_strstrip (items[i]);

      if (item[0] == '\0')
        {
          set_verdict (grade, MT_VERDICT_WRONG, _("an empty item"));
          return;
        }
      for (const char *p = item; *p != '\0'; p++)
        if (!g_ascii_isupper (*p) && *p != ' ')
          {
            set_verdict (grade, MT_VERDICT_WRONG, _("“%s” is not in capital letters"), item);
            return;
          }
      if (!is_colour (item))
        {
          set_verdict (grade, MT_VERDICT_UNGRADABLE,
                       _("cannot tell whether “%s” is a colour (the format is right)"), item);
          return;
        }
    }
  set_verdict (grade, MT_VERDICT_CORRECT,
               _("%u colours in capital letters, separated by commas"), n);
}

static void
check_json_keys (const char *reply,
                 const char *keys_text,
                 const char *value_text,
                 MtGrade    *grade)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GList) members = NULL;
  gint64 value = g_ascii_strtoll (value_text, NULL, 10);
  JsonObject *object;
  JsonNode *root;
  guint i = 0;

  /* the keys are the quoted words of the instruction: "a", "b" */
  for (const char *p = strchr (keys_text, '"'); p != NULL; p = strchr (p + 1, '"'))
    {
      const char *close = strchr (p + 1, '"');

      if (close == NULL)
        break;
      g_ptr_array_add (keys, g_strndup (p + 1, close - p - 1));
      p = close;
    }

  if (!json_parser_load_from_data (parser, reply, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      set_verdict (grade, MT_VERDICT_WRONG, _("the reply is not a single JSON object"));
      return;
    }
  object = json_node_get_object (root);
  members = json_object_get_members (object);
  if (g_list_length (members) != keys->len)
    {
      set_verdict (grade, MT_VERDICT_WRONG, _("%u keys, not %u"),
                   g_list_length (members), keys->len);
      return;
    }
  for (GList *l = members; l != NULL; l = l->next, i++)
    {
      JsonNode *node = json_object_get_member (object, l->data);

      if (!g_str_equal (l->data, g_ptr_array_index (keys, i)))
        {
          set_verdict (grade, MT_VERDICT_WRONG, _("key %u is “%s”, not “%s”"), i + 1,
                       (char *) l->data, (char *) g_ptr_array_index (keys, i));
          return;
        }
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
          json_node_get_int (node) != value)
        {
          set_verdict (grade, MT_VERDICT_WRONG, _("the value of “%s” is not the integer %" PRId64),
                       (char *) l->data, value);
          return;
        }
    }
  set_verdict (grade, MT_VERDICT_CORRECT, _("a JSON object with the keys in order"));
}

static void
check_repeat (const char *reply,
              const char *word,
              guint       n,
              MtGrade    *grade)
{
  g_auto(GStrv) parts = g_strsplit (reply, " ", -1);
  gboolean ok = g_strv_length (parts) == n;

  for (guint i = 0; ok && parts[i] != NULL; i++)
    ok = g_str_equal (parts[i], word);
  set_verdict (grade, ok ? MT_VERDICT_CORRECT : MT_VERDICT_WRONG,
               _("“%s” repeated %u times, separated by single spaces, is asked for"), word, n);
}

static void
check_repeated_char (const char *reply,
                     const char *name,
                     guint       n,
                     MtGrade    *grade)
{
  static const struct {
    const char *name;
    char        c;
  } names[] = {
    { "asterisk", '*' }, { "hash", '#' }, { "dash", '-' }, { "hyphen", '-' },
    { "plus", '+' }, { "dot", '.' }, { "period", '.' }, { "underscore", '_' },
  };
  gboolean ok = strlen (reply) == n;
  char c = '\0';

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i].name) == 0)
      c = names[i].c;
  if (c == '\0')
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE, _("cannot tell which character “%s” is"), name);
      return;
    }
  for (const char *p = reply; ok && *p != '\0'; p++)
    ok = *p == c;
  set_verdict (grade, ok ? MT_VERDICT_CORRECT : MT_VERDICT_WRONG,
               _("exactly %u “%c” on one line is asked for"), n, c);
}

static void
check_countdown (const char *reply,
                 guint64     high,
                 guint64     low,
                 MtGrade    *grade)
{
  g_autoptr(GString) expected = g_string_new (NULL);

  /* a thousand numbers is more than any instruction asks for */
  for (guint64 k = high; k >= low && high - k < 1000; k--)
    {
      g_string_append_printf (expected, "%s%" G_GUINT64_FORMAT, k == high ? "" : ",", k);
      if (k == 0)
        break;
    }
  set_verdict (grade, g_str_equal (reply, expected->str) ? MT_VERDICT_CORRECT : MT_VERDICT_WRONG,
               _("“%s” is asked for"), expected->str);
}

static void
check_start_end (const char *reply,
                 const char *start,
                 const char *end,
                 MtGrade    *grade)
{
  g_autofree char *first = edge_word (reply, FALSE);
  g_autofree char *last = edge_word (reply, TRUE);
  g_autofree char *start_norm = normalize_text (start);
  g_autofree char *end_norm = normalize_text (end);

  if (!is_single_sentence (reply))
    set_verdict (grade, MT_VERDICT_WRONG, _("more than one sentence"));
  else if (!g_str_equal (first, start_norm) || !g_str_equal (last, end_norm))
    set_verdict (grade, MT_VERDICT_WRONG, _("starts with “%s” and ends with “%s”; “%s” … “%s” "
                   "is asked for"), first, last, start, end);
  else
    set_verdict (grade, MT_VERDICT_CORRECT, _("one sentence from “%s” to “%s”"), start, end);
}

static void
check_forbidden_letter (const char *reply,
                        const char *letter_text,
                        guint       min_words,
                        MtGrade    *grade)
{
  g_autofree char *lower = g_utf8_strdown (reply, -1);
  g_autofree char *letter = g_utf8_strdown (letter_text, -1);
  guint words = reply_words (reply);

  if (strstr (lower, letter) != NULL)
    set_verdict (grade, MT_VERDICT_WRONG, _("the reply contains the letter “%s”"), letter);
  else if (words < min_words)
    set_verdict (grade, MT_VERDICT_WRONG, _("%u words, at least %u asked for"), words, min_words);
  else if (!is_single_sentence (reply))
    set_verdict (grade, MT_VERDICT_WRONG, _("more than one sentence"));
  else
    set_verdict (grade, MT_VERDICT_CORRECT, _("no “%s” and %u words (the topic is not checked)"),
                 letter, words);
}

/* "constraint": @instruction is the prompt; the checks are the ones the
 * items.json instructions ask for. What cannot be checked (a topic, a
 * meaning) is said in the reason. */
static void
grade_constraint (const char *reply_in,
                  const char *instruction,
                  MtGrade    *grade)
{
  g_autofree char *reply = g_strstrip (g_strdup (reply_in));
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  set_normalized (grade, reply, instruction);

  if (regex_groups ("exactly (\\d+) words? long", instruction, &a, NULL))
    {
      guint n = number_word (a), got = reply_words (reply);

      set_verdict (grade, got == n ? MT_VERDICT_CORRECT : MT_VERDICT_WRONG,
                   _("%u words, %u asked for"), got, n);
    }
  else if (regex_groups ("the word '([^']+)' repeated exactly (\\d+) times", instruction, &a, &b))
    check_repeat (reply, a, number_word (b), grade);
  else if (regex_groups ("name (\\d+) colou?rs in capital letters", instruction, &a, NULL))
    check_upper_list (reply, number_word (a), grade);
  else if (regex_groups ("exactly the keys (.+?) in that order", instruction, &a, NULL))
    {
      regex_groups ("must be the integer (-?\\d+)", instruction, &b, NULL);
      check_json_keys (reply, a, b != NULL ? b : "1", grade);
    }
  else if (regex_groups ("exactly (\\d+) (\\w+) characters? on one line", instruction, &a, &b))
    check_repeated_char (reply, b, number_word (a), grade);
  else if (regex_groups ("numbers from (\\d+) down to (\\d+)", instruction, &a, &b))
    check_countdown (reply, g_ascii_strtoull (a, NULL, 10), g_ascii_strtoull (b, NULL, 10), grade);
  else if (regex_groups ("starts with the word '([^']+)' and ends with the word '([^']+)'",
                         instruction, &a, &b))
    check_start_end (reply, a, b, grade);
  else if (regex_groups ("does not contain the letter '(\\w)'", instruction, &a, NULL))
    {
      guint min_words = 1;

      if (regex_groups ("at least (\\w+) words", instruction, &b, NULL))
        min_words = number_word (b);
      check_forbidden_letter (reply, a, min_words, grade);
    }
  else
    set_verdict (grade, MT_VERDICT_UNGRADABLE, _("cannot check this instruction automatically"));
}

/* ------------------------------------------------------------------------ */
/* Code, through a user-configured external grader                          */
/* ------------------------------------------------------------------------ */

typedef struct
{
  gboolean  done;
  gboolean  timed_out;
  char     *out;
  char     *err;
  GError   *error;
  GCancellable *cancellable;
  GSubprocess  *process;
} CodeRun;

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void
code_grader_child_setup (gpointer data)
{
  const struct rlimit *memory = data;

  /* its own process group, so a timeout kills what it started too */
  setpgid (0, 0);
  /* soft and hard, so the grader cannot raise it again; inherited by
   * bwrap and everything the grader starts */
  setrlimit (RLIMIT_AS, memory);
}

/* Whether a grader that printed no verdict says it ran out of memory, as
 * Python, C++ runtimes, the shell and glibc word it. */
static gboolean
mentions_out_of_memory (const char *text)
{
  static const char *const markers[] = {
    "MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory",
    "Out of memory", "memory exhausted",
  };

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (markers); i++)
    if (strstr (text, markers[i]) != NULL)
      return TRUE;
  return FALSE;
}

static void
code_grader_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  CodeRun *run = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->out, &run->err,
                                        &run->error);
  run->done = TRUE;
}

static gboolean
code_grader_timeout_cb (gpointer user_data)
{
  CodeRun *run = user_data;
  const char *id = g_subprocess_get_identifier (run->process);

  run->timed_out = TRUE;
  if (id != NULL)
    kill (-(pid_t) g_ascii_strtoll (id, NULL, 10), SIGKILL);
  g_subprocess_force_exit (run->process);
  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_REMOVE;
}

/* An unlinked temporary file holding @input, positioned at its start. */
static int
grader_input_fd (const char  *input,
                 GError     **error)
{
  g_autofree char *path = NULL;
  gsize length = strlen (input);
  gsize done = 0;
  int fd;

  fd = g_file_open_tmp ("midthought-grader-XXXXXX.json", &path, error);
  if (fd < 0)
    return -1;
  g_unlink (path);
  while (done < length)
    {
      gssize n = write (fd, input + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("writing a temporary file failed: %s"), g_strerror (saved));
          close (fd);
          return -1;
        }
      done += n;
    }
  if (lseek (fd, 0, SEEK_SET) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("rewinding a temporary file failed: %s"), g_strerror (saved));
      close (fd);
      return -1;
    }
  return fd;
}

static char *
first_line (const char *text)
{
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  char *nl = strchr (copy, '\n');

  if (nl != NULL)
    *nl = '\0';
  return g_utf8_make_valid (copy, MIN (strlen (copy), 200));
}

/* Whether @out is {"correct": BOOLEAN, ...}; its object in @object. */
static gboolean
grader_printed_verdict (JsonParser  *parser,
                        const char  *out,
                        JsonObject **object)
{
  JsonNode *root;

  if (!json_parser_load_from_data (parser, out != NULL ? out : "", -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  *object = json_node_get_object (root);
  return json_object_has_member (*object, "correct")
         && json_node_get_value_type (json_object_get_member (*object, "correct"))
            == G_TYPE_BOOLEAN;
}

/* The last non-empty line: where Python and most runtimes say what
 * killed them. */
static char *
last_line (const char *text)
{
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  char *nl = strrchr (copy, '\n');
  const char *line = nl != NULL ? nl + 1 : copy;

  return g_utf8_make_valid (line, MIN (strlen (line), 200));
}

static void
grade_code (const char *code,
            const char *problem,
            MtGrade    *grade)
{
  const char *command = g_getenv ("MIDTHOUGHT_CODE_GRADER");
  const char *timeout_text = g_getenv ("MIDTHOUGHT_CODE_GRADER_TIMEOUT");
  const char *memory_text = g_getenv ("MIDTHOUGHT_CODE_GRADER_MEMORY");
  guint timeout = CODE_GRADER_TIMEOUT_S;
  guint64 memory_mib = CODE_GRADER_MEMORY_MIB;
  struct rlimit memory;
  gboolean sandboxed;
  gboolean parsed = FALSE;
  JsonObject *object = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) input_root = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSource) timer = NULL;
  g_auto(GStrv) command_argv = NULL;
  g_autofree char *input = NULL;
  g_autofree char *bwrap = NULL;
  CodeRun run = { 0 };
  int input_fd;

  set_normalized (grade, code, problem);

  if (command == NULL || command[0] == '\0')
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE,
                   _("code grading is off: set MIDTHOUGHT_CODE_GRADER"));
      return;
    }
  if (!g_shell_parse_argv (command, NULL, &command_argv, &error))
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE,
                   _("MIDTHOUGHT_CODE_GRADER is not a command line: %s"),
                   error->message);
      return;
    }
  if (timeout_text != NULL && g_ascii_strtoull (timeout_text, NULL, 10) > 0)
    timeout = MIN (g_ascii_strtoull (timeout_text, NULL, 10), 3600);
  if (memory_text != NULL && memory_text[0] != '\0'
      && !g_ascii_string_to_unsigned (memory_text, 10, CODE_GRADER_MEMORY_MIN_MIB,
                                      CODE_GRADER_MEMORY_MAX_MIB, &memory_mib, NULL))
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE,
                   _("MIDTHOUGHT_CODE_GRADER_MEMORY is “%s”, not a number of MiB from %u to %u"),
                   memory_text, CODE_GRADER_MEMORY_MIN_MIB, CODE_GRADER_MEMORY_MAX_MIB);
      return;
    }
  /* Never above the hard limit this process has: raising it would fail. */
  if (getrlimit (RLIMIT_AS, &memory) != 0)
    memory.rlim_max = RLIM_INFINITY;
  memory.rlim_cur = (rlim_t) memory_mib * 1024 * 1024;
  if (memory.rlim_max != RLIM_INFINITY && memory.rlim_max < memory.rlim_cur)
    memory.rlim_cur = memory.rlim_max;
  memory.rlim_max = memory.rlim_cur;

  /* The grader runs a model's code: inside bubblewrap, with no network
   * and a read-only system. Without bubblewrap it runs only when the user
   * said so. */
  sandboxed = g_strcmp0 (g_getenv ("MIDTHOUGHT_CODE_GRADER_SANDBOX"), "0") != 0;
  bwrap = sandboxed ? g_find_program_in_path ("bwrap") : NULL;
  if (sandboxed && bwrap == NULL)
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE,
                   _("the code grader runs a model's code and needs bubblewrap (bwrap) to "
                     "sandbox it: install bubblewrap, or set MIDTHOUGHT_CODE_GRADER_SANDBOX=0 "
                     "to run it without a sandbox"));
      return;
    }
  if (sandboxed)
    {
      const char *sandbox[] = {
        "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        "--unshare-all", "--die-with-parent", "--new-session", "--",
      };

      g_ptr_array_add (argv, bwrap);
      for (guint i = 0; i < G_N_ELEMENTS (sandbox); i++)
        g_ptr_array_add (argv, (char *) sandbox[i]);
    }
  for (guint i = 0; command_argv[i] != NULL; i++)
    g_ptr_array_add (argv, command_argv[i]);
  g_ptr_array_add (argv, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "problem");
  if (problem != NULL)
    json_builder_add_string_value (builder, problem);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_end_object (builder);
  input_root = json_builder_get_root (builder);
  json_generator_set_root (generator, input_root);
  input = json_generator_to_data (generator, NULL);

  /* The input goes in through an unlinked file rather than a pipe: a
   * grader that decides without reading all of it must not turn into a
   * broken-pipe error that hides what it printed. */
  input_fd = grader_input_fd (input, &error);
  if (input_fd < 0)
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE, _("cannot pass the code to the grader: %s"),
                   error->message);
      return;
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_take_stdin_fd (launcher, input_fd);
  g_subprocess_launcher_set_child_setup (launcher, code_grader_child_setup, &memory, NULL);
  run.process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  if (run.process == NULL)
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE, _("cannot start the code grader: %s"),
                   error->message);
      return;
    }

  /* Synchronous for the caller, on a private context so that it is safe
   * from any thread. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  run.cancellable = g_cancellable_new ();
  g_subprocess_communicate_utf8_async (run.process, NULL, run.cancellable,
                                       code_grader_done_cb, &run);
  timer = g_timeout_source_new_seconds (timeout);
  g_source_set_callback (timer, code_grader_timeout_cb, &run, NULL);
  g_source_attach (timer, context);
  while (!run.done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timer);
  if (!run.timed_out)
    g_subprocess_wait (run.process, NULL, NULL);
  g_main_context_pop_thread_default (context);

  if (run.timed_out)
    set_verdict (grade, MT_VERDICT_UNGRADABLE, _("the code grader took longer than %u s"), timeout);
  else if (run.error != NULL)
    set_verdict (grade, MT_VERDICT_UNGRADABLE, _("the code grader failed: %s"), run.error->message);
  else if (!(parsed = grader_printed_verdict (parser, run.out, &object))
           && (mentions_out_of_memory (run.err) || mentions_out_of_memory (run.out)))
    {
      const char *output = mentions_out_of_memory (run.err) ? run.err : run.out;
      g_autofree char *line = last_line (output);

      set_verdict (grade, MT_VERDICT_UNGRADABLE,
                   _("the code grader ran out of memory: it may use %u MiB "
                     "(MIDTHOUGHT_CODE_GRADER_MEMORY sets the limit): %s"),
                   (guint) memory_mib, line);
    }
  else if (!parsed)
    {
      const char *output = run.err != NULL && run.err[0] != '\0' ? run.err : run.out;
      g_autofree char *line = first_line (output);

      set_verdict (grade, MT_VERDICT_UNGRADABLE,
                   _("the code grader did not print {\"correct\": true|false} "
                     "(exit status %d): %s"),
                   g_subprocess_get_if_exited (run.process) ?
                   g_subprocess_get_exit_status (run.process) : -1, line);
    }
  else
    {
      gboolean correct = json_object_get_boolean_member (object, "correct");
      const char *why = json_object_get_string_member_with_default (object, "reason", NULL);

      set_verdict (grade, correct ? MT_VERDICT_CORRECT : MT_VERDICT_WRONG, "%s",
                   why != NULL ? why : correct ? _("the code grader accepted the code") :
                   _("the code grader rejected the code"));
    }

  g_clear_error (&run.error);
  g_free (run.out);
  g_free (run.err);
  g_clear_object (&run.cancellable);
  g_clear_object (&run.process);
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */
/* ------------------------------------------------------------------------ */

static gboolean
grader_known (const char *name)
{
  static const char *const names[] = {
    "math", "numeric", "gsm8k", "text", "choice", "constraint", "code",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (name, names[i]))
      return TRUE;
  return FALSE;
}

/* Grades into @grade, whose grader name and extraction are already set. */
static void
grade_with (const char         *answer_in,
            const char         *truth_in,
            const char * const *accept_in,
            MtGrade            *grade)
{
  const char *name = grade->grader;
  g_autoptr(GPtrArray) truths = NULL;
  g_autoptr(GPtrArray) accept_valid = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *answer = answer_in != NULL ? g_utf8_make_valid (answer_in, -1) : NULL;
  g_autofree char *truth = truth_in != NULL ? g_utf8_make_valid (truth_in, -1) : NULL;
  const char * const *accept;

  /* every text the grade carries is shown to users: valid UTF-8 only */
  for (guint i = 0; accept_in != NULL && accept_in[i] != NULL; i++)
    g_ptr_array_add (accept_valid, g_utf8_make_valid (accept_in[i], -1));
  g_ptr_array_add (accept_valid, NULL);
  accept = (const char * const *) accept_valid->pdata;

  if (!grader_known (name))
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE, _("unknown grader “%s” (known: math, numeric, "
                     "gsm8k, text, choice, constraint, code)"), name);
      return;
    }

  truths = truths_of (truth, accept);
  if (g_str_equal (name, "constraint") && is_blank (truth))
    {
      set_verdict (grade, MT_VERDICT_UNGRADED, _("no instruction to check the answer against"));
      return;
    }
  if (!g_str_equal (name, "code") && truths->len == 0)
    {
      set_verdict (grade, MT_VERDICT_UNGRADED, _("no truth to compare with"));
      return;
    }
  if (is_blank (answer))
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE, _("the answer is empty"));
      return;
    }

  if (g_str_equal (name, "math"))
    grade_math (answer, truth, accept, grade);
  else if (g_str_equal (name, "numeric") || g_str_equal (name, "gsm8k"))
    grade_numeric (answer, truth, accept, grade);
  else if (g_str_equal (name, "text"))
    grade_text (answer, truth, accept, grade);
  else if (g_str_equal (name, "choice"))
    grade_choice (answer, truth, accept, grade);
  else if (g_str_equal (name, "constraint"))
    grade_constraint (answer, truth, grade);
  else
    grade_code (answer, truth, grade);
}

/**
 * mt_grade_answer:
 *
 * @grade is overwritten: clear a used one with mt_grade_clear() first.
 * For the "constraint" grader @truth is the instruction (the prompt); for
 * "code" it is the problem handed to the external grader.
 */
void
mt_grade_answer (const char         *answer,
                 const char         *truth,
                 const char         *grader,
                 const char * const *accept,
                 MtGrade            *grade)
{
  g_return_if_fail (grade != NULL);

  memset (grade, 0, sizeof *grade);
  grade->grader = g_strdup (grader != NULL ? grader : "math");
  grade_with (answer, truth, accept, grade);
}

static gboolean
is_update_kind (MtInterruptKind kind)
{
  return kind == MT_INTERRUPT_UPDATE || kind == MT_INTERRUPT_GUIDED_UPDATE ||
         kind == MT_INTERRUPT_UPDATE_SPEEDUP;
}

void
mt_grade_trace (MtTrace *trace,
                MtGrade *grade)
{
  MtProblem *problem;
  const char *answer;
  const char *truth = NULL;
  const char *name;
  gboolean after_update = FALSE;
  MtDomain domain;

  g_return_if_fail (MT_IS_TRACE (trace));
  g_return_if_fail (grade != NULL);

  memset (grade, 0, sizeof *grade);
  problem = mt_trace_get_problem (trace);
  domain = problem != NULL ? mt_problem_get_domain (problem) : MT_DOMAIN_MATH;
  name = problem != NULL ? mt_problem_get_grader (problem) : NULL;
  if (name == NULL || name[0] == '\0')
    name = domain == MT_DOMAIN_MATH ? "math" : domain == MT_DOMAIN_CODE ? "code" : "text";
  grade->grader = g_strdup (name);

  if (problem == NULL)
    {
      set_verdict (grade, MT_VERDICT_UNGRADED, _("no problem: nothing to compare with"));
      return;
    }

  if (MT_IS_BRANCH (trace))
    {
      MtInterrupt *interrupt = mt_branch_get_interrupt (MT_BRANCH (trace));

      after_update = interrupt != NULL && is_update_kind (mt_interrupt_get_kind (interrupt));
    }

  if (g_str_equal (name, "constraint") || g_str_equal (name, "code"))
    truth = mt_problem_get_prompt (problem);
  else if (after_update)
    truth = mt_problem_get_update_answer (problem);
  else
    truth = mt_problem_get_answer (problem);

  if (!g_str_equal (name, "code") && is_blank (truth) &&
      (after_update || mt_problem_get_accept (problem) == NULL ||
       mt_problem_get_accept (problem)[0] == NULL))
    {
      set_verdict (grade, MT_VERDICT_UNGRADED, after_update ?
                   _("the problem has no answer for after the update") :
                   _("the problem has no ground-truth answer"));
      return;
    }

  /* Only with a truth to compare with: a trace of an unknown problem stays
   * ungraded, not ungradable, however it ended. */
  answer = mt_trace_get_answer (trace);
  if (is_blank (answer))
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE, _("no answer: the model never left its thinking"));
      return;
    }

  if (g_str_equal (name, "constraint"))
    {
      /* the whole reply is what the instruction constrains */
      grade_with (answer, truth, NULL, grade);
      return;
    }

  mt_extract_answer (answer, g_str_equal (name, "code") ? MT_DOMAIN_CODE : domain,
                     &grade->extraction);
  if (grade->extraction.rule == MT_EXTRACT_NONE)
    {
      set_verdict (grade, MT_VERDICT_UNGRADABLE, g_str_equal (name, "code") ?
                   _("no fenced code block in the answer") :
                   _("no \\boxed{}, Answer: line, “the answer is” or number in the answer"));
      return;
    }

  grade_with (grade->extraction.text, truth,
              after_update ? NULL : mt_problem_get_accept (problem), grade);
}

void
mt_grade_clear (MtGrade *grade)
{
  g_return_if_fail (grade != NULL);

  mt_extraction_clear (&grade->extraction);
  g_clear_pointer (&grade->grader, g_free);
  g_clear_pointer (&grade->answer_normalized, g_free);
  g_clear_pointer (&grade->truth_normalized, g_free);
  g_clear_pointer (&grade->reason, g_free);
  grade->verdict = MT_VERDICT_UNGRADED;
}
