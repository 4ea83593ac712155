/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The "math" grader: the semantics of math_equal from the Qwen2.5-Math
 * evaluation the paper uses (normalize both sides, compare as numbers with a
 * relative tolerance of 1e-4, compare tuples, intervals and matrices element
 * by element), written from its description. Where that code is known to
 * judge wrongly we do better and say so: interval ends matter, "0.5" is not
 * "50" unless a percent sign was written, and "1,2" is a list, not 12.
 *
 * Everything is bounded: inputs are cut off at MT_MATH_MAX_INPUT bytes, the
 * evaluator stops at MT_MATH_MAX_DEPTH levels, and every loop advances. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "mt-math.h"

#define REL_TOL 1e-4
/* Points at which expressions with variables are compared. */
#define N_POINTS 3
/* Most elements in one tuple, set or matrix that are compared. */
#define MAX_ITEMS 256
/* Deepest nesting of tuples within tuples. */
#define MAX_STRUCTURE_DEPTH 8

/* ------------------------------------------------------------------------ */
/* Small string tools                                                       */
/* ------------------------------------------------------------------------ */

static gboolean
is_letter (char c)
{
  return g_ascii_isalpha (c);
}

/* Replaces every occurrence of @from (plain text) with @to. */
static void
replace_all (GString    *s,
             const char *from,
             const char *to)
{
  gsize from_len = strlen (from);
  g_autoptr(GString) out = NULL;
  const char *p, *hit;

  if (strstr (s->str, from) == NULL)
    return;

  out = g_string_sized_new (s->len);
  for (p = s->str; (hit = strstr (p, from)) != NULL; p = hit + from_len)
    {
      g_string_append_len (out, p, hit - p);
      g_string_append (out, to);
    }
  g_string_append (out, p);
  g_string_assign (s, out->str);
}

/* Replaces the LaTeX command \@name with @to. A command made of letters
 * only matches when no letter follows (\left does not match \leftarrow),
 * and the second backslash of a "\\" row break never starts a command. */
static void
replace_command (GString    *s,
                 const char *name,
                 const char *to)
{
  gsize name_len = strlen (name);
  gboolean alpha = name_len > 0 && is_letter (name[name_len - 1]);
  g_autoptr(GString) out = NULL;
  gboolean changed = FALSE;

  if (strstr (s->str, name) == NULL)
    return;

  out = g_string_sized_new (s->len);
  for (gsize i = 0; i < s->len;)
    {
      if (s->str[i] != '\\')
        {
          g_string_append_c (out, s->str[i++]);
          continue;
        }
      if (i + 1 < s->len && s->str[i + 1] == '\\')
        {
          g_string_append_len (out, s->str + i, 2);
          i += 2;
          continue;
        }
      if (strncmp (s->str + i + 1, name, name_len) == 0 &&
          !(alpha && is_letter (s->str[i + 1 + name_len])))
        {
          g_string_append (out, to);
          i += 1 + name_len;
          changed = TRUE;
          continue;
        }
      g_string_append_c (out, s->str[i++]);
    }

  if (changed)
    g_string_assign (s, out->str);
}

/* The index of the bracket closing the one at @open, counting (, [ and {
 * alike so that half-open intervals match; -1 when unbalanced. */
static gssize
match_bracket (const char *s,
               gsize       len,
               gsize       open)
{
  int depth = 0;

  for (gsize i = open; i < len; i++)
    {
      char c = s[i];

      if (c == '\\' && i + 1 < len && (s[i + 1] == '{' || s[i + 1] == '}'))
        {
          i++;
          continue;
        }
      if (c == '(' || c == '[' || c == '{')
        depth++;
      else if (c == ')' || c == ']' || c == '}')
        {
          depth--;
          if (depth == 0)
            return i;
          if (depth < 0)
            return -1;
        }
    }
  return -1;
}

/* Like match_bracket, but for braces only: "\text{a (b}" is one group. */
static gssize
match_brace (const char *s,
             gsize       len,
             gsize       open)
{
  int depth = 0;

  for (gsize i = open; i < len; i++)
    {
      if (s[i] == '\\' && i + 1 < len)
        {
          i++;
          continue;
        }
      if (s[i] == '{')
        depth++;
      else if (s[i] == '}' && --depth == 0)
        return i;
    }
  return -1;
}

static void
strip_trailing (GString    *s,
                const char *chars)
{
  while (s->len > 0 && strchr (chars, s->str[s->len - 1]) != NULL)
    g_string_truncate (s, s->len - 1);
}

static void
trim (GString *s)
{
  gsize start = 0;

  while (start < s->len && g_ascii_isspace (s->str[start]))
    start++;
  g_string_erase (s, 0, start);
  while (s->len > 0 && g_ascii_isspace (s->str[s->len - 1]))
    g_string_truncate (s, s->len - 1);
}

/* ------------------------------------------------------------------------ */
/* Normalization                                                            */
/* ------------------------------------------------------------------------ */

/* Unicode maths and other scripts' digits become the LaTeX and ASCII the
 * rest of the normalizer knows. */
static GString *
map_unicode (const char *text)
{
  static const struct {
    gunichar    ch;
    const char *latex;
  } table[] = {
    { 0x03C0, "\\pi " }, { 0x221A, "\\sqrt" }, { 0x00D7, "\\times " },
    { 0x00B7, "\\cdot " }, { 0x22C5, "\\cdot " }, { 0x2212, "-" }, { 0x2013, "-" },
    { 0x00F7, "\\div " }, { 0x221E, "\\infty " }, { 0x00B0, "" }, { 0x00B1, "\\pm " },
    { 0x2213, "\\mp " }, { 0x2264, "\\le " }, { 0x2265, "\\ge " }, { 0x2260, "\\ne " },
    { 0x00B2, "^2" }, { 0x00B3, "^3" }, { 0x00B9, "^1" }, { 0x00BD, "\\frac{1}{2}" },
    { 0x00BC, "\\frac{1}{4}" }, { 0x00BE, "\\frac{3}{4}" }, { 0x222A, "\\cup " },
    { 0x2208, "\\in " }, { 0x2205, "\\emptyset " }, { 0xFF0C, "," }, { 0xFF08, "(" },
    { 0xFF09, ")" }, { 0xFF1A, ":" }, { 0x3002, "." }, { 0xFF0E, "." }, { 0x2032, "'" },
  };
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);
      int digit;
      gboolean mapped = FALSE;

      if (ch < 0x80)
        {
          g_string_append_c (out, ch == '\n' || ch == '\r' || ch == '\t' ? ' ' : (char) ch);
          continue;
        }
      if ((digit = g_unichar_digit_value (ch)) >= 0)
        {
          g_string_append_c (out, '0' + digit);
          continue;
        }
      if (g_unichar_isspace (ch))
        {
          g_string_append_c (out, ' ');
          continue;
        }
      for (guint i = 0; i < G_N_ELEMENTS (table) && !mapped; i++)
        if (table[i].ch == ch)
          {
            g_string_append (out, table[i].latex);
            mapped = TRUE;
          }
      if (!mapped)
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }

  return out;
}

/* Replaces \@name{X} by X everywhere (X may hold further groups). */
static void
unwrap_command (GString    *s,
                const char *name)
{
  g_autofree char *needle = g_strconcat ("\\", name, NULL);
  gsize needle_len = strlen (needle);
  gsize from = 0;
  const char *hit;

  /* Each unwrap removes at least the command, so this ends. */
  while (from < s->len && (hit = strstr (s->str + from, needle)) != NULL)
    {
      gsize at = hit - s->str;
      gsize open = at + needle_len;
      gssize close;

      if (is_letter (s->str[open]))
        {
          from = open;
          continue;
        }
      while (open < s->len && s->str[open] == ' ')
        open++;
      if (open >= s->len || s->str[open] != '{' ||
          (close = match_brace (s->str, s->len, open)) < 0)
        {
          from = open;
          continue;
        }
      g_string_erase (s, close, 1);
      g_string_erase (s, at, open + 1 - at);
      from = at;
    }
}

/* "5 \text{ cm}^2" -> "5": a unit at the end goes, unless nothing is left. */
static void
strip_trailing_text_unit (GString *s)
{
  for (guint round = 0; round < 3; round++)
    {
      gsize end = s->len;
      gssize open = -1;
      int depth = 0;
      gsize cut;

      /* A power of the unit goes with it. */
      if (end >= 2 && s->str[end - 2] == '^' && g_ascii_isdigit (s->str[end - 1]))
        end -= 2;
      else if (end >= 4 && strncmp (s->str + end - 4, "^{", 2) == 0 &&
               g_ascii_isdigit (s->str[end - 2]) && s->str[end - 1] == '}')
        end -= 4;
      if (end == 0 || s->str[end - 1] != '}')
        return;

      for (gssize i = end - 1; i >= 0; i--)
        {
          if (s->str[i] == '}')
            depth++;
          else if (s->str[i] == '{' && --depth == 0)
            {
              open = i;
              break;
            }
        }
      if (open < 0)
        return;

      cut = open;
      while (cut > 0 && s->str[cut - 1] == ' ')
        cut--;
      if (cut >= 5 && strncmp (s->str + cut - 5, "\\text", 5) == 0)
        cut -= 5;
      else if (cut >= 5 && strncmp (s->str + cut - 5, "\\mbox", 5) == 0)
        cut -= 5;
      else
        return;

      {
        gsize keep = cut;

        while (keep > 0 && s->str[keep - 1] == ' ')
          keep--;
        if (keep == 0)
          return;
        g_string_truncate (s, keep);
      }
    }
}

/* "42 inches", "18 sheep": words after a number are a unit. A single
 * letter is not ("5 x" is a product). */
static void
strip_trailing_word_unit (GString *s)
{
  gssize i = s->len;
  gsize word_start;

  /* An optional power: "cm^2". */
  if (i >= 2 && s->str[i - 2] == '^' && g_ascii_isdigit (s->str[i - 1]))
    i -= 2;
  while (i > 0 && (is_letter (s->str[i - 1]) || s->str[i - 1] == ' ' || s->str[i - 1] == '.'))
    i--;
  if (i == 0 || i == (gssize) s->len)
    return;

  word_start = i;
  while (word_start < s->len && s->str[word_start] == ' ')
    word_start++;
  if (word_start == (gsize) i)
    return;   /* no space between the number and the word */
  if (word_start + 1 >= s->len || !is_letter (s->str[word_start]) ||
      !is_letter (s->str[word_start + 1]))
    return;
  if (!(g_ascii_isdigit (s->str[i - 1]) || s->str[i - 1] == '}' || s->str[i - 1] == ')'))
    return;

  g_string_truncate (s, i);
  trim (s);
}

static void
words_to_number (GString *s)
{
  static const char *const words[] = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen", "twenty",
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_ascii_strcasecmp (s->str, words[i]) == 0)
      {
        g_string_printf (s, "%u", i);
        return;
      }
}

/* Spaces go, except between two letters ("\cot x", "no change"). */
static void
remove_spaces (GString *s)
{
  g_autoptr(GString) out = g_string_sized_new (s->len);

  for (gsize i = 0; i < s->len; i++)
    {
      if (s->str[i] != ' ')
        {
          g_string_append_c (out, s->str[i]);
          continue;
        }
      while (i + 1 < s->len && s->str[i + 1] == ' ')
        i++;
      if (out->len > 0 && is_letter (out->str[out->len - 1]) &&
          i + 1 < s->len && is_letter (s->str[i + 1]))
        g_string_append_c (out, ' ');
    }
  g_string_assign (s, out->str);
}

/* "18.00" -> "18", "5.0)" -> "5)". */
static void
drop_zero_decimals (GString *s)
{
  g_autoptr(GString) out = g_string_sized_new (s->len);

  for (gsize i = 0; i < s->len; i++)
    {
      char c = s->str[i];

      if (c == '.' && i > 0 && g_ascii_isdigit (s->str[i - 1]))
        {
          gsize j = i + 1;

          while (j < s->len && s->str[j] == '0')
            j++;
          if (j == s->len || !g_ascii_isdigit (s->str[j]))
            {
              i = j - 1;
              continue;
            }
        }
      /* ".5" -> "0.5" */
      if (c == '.' && i + 1 < s->len && g_ascii_isdigit (s->str[i + 1]) &&
          (i == 0 || !g_ascii_isdigit (s->str[i - 1])))
        g_string_append_c (out, '0');
      g_string_append_c (out, c);
    }
  g_string_assign (s, out->str);
}

/* \sqrt2 -> \sqrt{2}, \sqrt x -> \sqrt{x} */
static void
fix_sqrt (GString *s)
{
  gsize from = 0;
  const char *hit;

  while ((hit = strstr (s->str + from, "\\sqrt")) != NULL)
    {
      gsize at = hit - s->str + 5;
      gsize end = at;

      if (at < s->len && g_ascii_isdigit (s->str[at]))
        while (end < s->len && g_ascii_isdigit (s->str[end]))
          end++;
      else if (at < s->len && is_letter (s->str[at]) &&
               (at + 1 >= s->len || !is_letter (s->str[at + 1])))
        end = at + 1;

      if (end > at)
        {
          g_string_insert_c (s, end, '}');
          g_string_insert_c (s, at, '{');
        }
      from = at;
    }
}

/* Wraps a one-character argument at @at in braces; returns the index just
 * past the argument, or 0 when there is none. */
static gsize
brace_argument (GString *s,
                gsize    at)
{
  gssize close;

  if (at >= s->len)
    return 0;
  if (s->str[at] == '{')
    {
      close = match_brace (s->str, s->len, at);
      return close < 0 ? 0 : (gsize) close + 1;
    }
  if (g_ascii_isalnum (s->str[at]))
    {
      g_string_insert_c (s, at + 1, '}');
      g_string_insert_c (s, at, '{');
      return at + 3;
    }
  return 0;
}

/* \frac12 -> \frac{1}{2}, \frac9{19} -> \frac{9}{19}, \frac{72}1 too. */
static void
fix_fracs (GString *s)
{
  gsize from = 0;
  const char *hit;

  while ((hit = strstr (s->str + from, "\\frac")) != NULL)
    {
      gsize at = hit - s->str + 5;
      gsize next;

      from = at;
      if (at < s->len && is_letter (s->str[at]) && s->str[at + 1] != '{' &&
          is_letter (s->str[at + 1]))
        continue;   /* \fraction: some other command */
      next = brace_argument (s, at);
      if (next == 0)
        continue;
      brace_argument (s, next);
    }
}

static gboolean
is_integer_text (const char *p,
                 const char *end)
{
  if (p < end && (*p == '-' || *p == '+'))
    p++;
  if (p == end)
    return FALSE;
  for (; p < end; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* "3/4" as the whole answer -> \frac{3}{4}. */
static void
fix_slash (GString *s)
{
  const char *slash = strchr (s->str, '/');
  g_autofree char *a = NULL;

  if (slash == NULL || strchr (slash + 1, '/') != NULL ||
      !is_integer_text (s->str, slash) || !is_integer_text (slash + 1, s->str + s->len) ||
      slash[1] == '-' || slash[1] == '+')
    return;

  if (s->str[0] == '-')
    a = g_strdup_printf ("-\\frac{%.*s}{%s}", (int) (slash - s->str - 1), s->str + 1, slash + 1);
  else
    a = g_strdup_printf ("\\frac{%.*s}{%s}", (int) (slash - s->str), s->str, slash + 1);
  g_string_assign (s, a);
}

/* "1,000,000.5" as the whole answer: thousands separators, not a list. */
static void
fix_thousands (GString *s)
{
  const char *p = s->str;
  guint group = 0;
  gboolean any_comma = FALSE;

  if (*p == '-' || *p == '+')
    p++;
  if (!g_ascii_isdigit (*p))
    return;
  for (; *p != '\0' && *p != '.'; p++)
    {
      if (g_ascii_isdigit (*p))
        group++;
      else if (*p == ',')
        {
          /* the first group has 1-3 digits, every later one exactly 3 */
          if (group == 0 || group > 3 || (any_comma && group != 3))
            return;
          any_comma = TRUE;
          group = 0;
        }
      else
        return;
    }
  if (!any_comma || group != 3)
    return;
  if (*p == '.')
    {
      for (const char *q = p + 1; *q != '\0'; q++)
        if (!g_ascii_isdigit (*q))
          return;
    }
  replace_all (s, ",", "");
}

/* "x=5" -> "5", "f(x)=x^2" -> "x^2" and "x\in[1,2]" -> "[1,2]": a short
 * name on the left. */
static void
strip_variable_prefix (GString *s)
{
  const char *eq = strchr (s->str, '=');
  gsize lhs = eq != NULL ? (gsize) (eq - s->str) : 0;
  /* "f(x)=": a function of one short argument */
  gboolean function = lhs >= 4 && lhs <= 6 && s->str[1] == '(' && eq[-1] == ')';

  if (eq != NULL && strchr (eq + 1, '=') == NULL && ((lhs >= 1 && lhs <= 2) || function) &&
      is_letter (s->str[0]) && eq[1] != '\0')
    {
      g_string_erase (s, 0, eq + 1 - s->str);
      return;
    }
  if (s->len > 4 && is_letter (s->str[0]) && strncmp (s->str + 1, "\\in", 3) == 0 &&
      !is_letter (s->str[4]))
    g_string_erase (s, 0, 4);
}

char *
_mt_math_normalize (const char *text,
                    gboolean   *had_percent)
{
  static const char *const wrappers[] = {
    "text", "textbf", "textit", "textrm", "textnormal", "mbox", "mathrm", "mathbf",
    "mathit", "boldsymbol", "operatorname", "mathsf", "hbox", "boxed", "fbox",
  };
  static const char *const sizes[] = {
    "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr",
    "big", "Big", "bigg", "Bigg",
  };
  g_autofree char *valid = NULL;
  g_autoptr(GString) s = NULL;
  gboolean percent = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  if (had_percent != NULL)
    *had_percent = FALSE;
  if (strlen (text) > MT_MATH_MAX_INPUT)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  s = map_unicode (valid);
  trim (s);
  strip_trailing (s, ". ");

  /* Spacing and sizing commands carry no meaning. */
  replace_command (s, "!", "");
  replace_command (s, ",", "");
  replace_command (s, ";", "");
  replace_command (s, ":", "");
  replace_command (s, " ", " ");
  replace_command (s, "quad", " ");
  replace_command (s, "qquad", " ");
  replace_command (s, "displaystyle", "");
  replace_all (s, "~", " ");
  replace_all (s, "{,}", ",");

  /* matrices */
  {
    const char *hit;

    while ((hit = strstr (s->str, "\\begin{array}{")) != NULL)
      {
        gsize at = hit - s->str;
        gssize close = match_brace (s->str, s->len, at + 13);

        if (close < 0)
          break;
        g_string_erase (s, at, close + 1 - at);
        g_string_insert (s, at, "\\begin{pmatrix}");
      }
  }
  replace_all (s, "\\end{array}", "\\end{pmatrix}");
  replace_all (s, "bmatrix", "pmatrix");

  replace_command (s, "tfrac", "\\frac");
  replace_command (s, "dfrac", "\\frac");
  replace_command (s, "cfrac", "\\frac");
  replace_command (s, "neq", "\\ne");
  replace_command (s, "leq", "\\le");
  replace_command (s, "geq", "\\ge");
  replace_command (s, "leqslant", "\\le");
  replace_command (s, "geqslant", "\\ge");

  replace_command (s, "left.", "");
  replace_command (s, "right.", "");
  replace_command (s, "left", "");
  replace_command (s, "right", "");
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    replace_command (s, sizes[i], "");
  replace_command (s, "{", "{");
  replace_command (s, "}", "}");
  replace_command (s, "lbrace", "{");
  replace_command (s, "rbrace", "}");

  strip_trailing_text_unit (s);
  for (guint i = 0; i < G_N_ELEMENTS (wrappers); i++)
    unwrap_command (s, wrappers[i]);
  replace_all (s, " and ", ",");

  replace_all (s, "^{\\circ}", "");
  replace_all (s, "^\\circ", "");
  replace_command (s, "circ", "");
  replace_command (s, "degree", "");

  replace_command (s, "$", "");
  replace_all (s, "$", "");
  replace_command (s, "(", "");
  replace_command (s, ")", "");
  replace_command (s, "[", "");
  replace_command (s, "]", "");
  trim (s);
  strip_trailing (s, ". ");

  strip_trailing_word_unit (s);
  words_to_number (s);

  replace_command (s, "emptyset", "{}");
  replace_command (s, "varnothing", "{}");
  replace_all (s, "infinity", "\\infty");
  if (strstr (s->str, "\\infty") == NULL)
    replace_all (s, "inf", "\\infty");

  if (strchr (s->str, '%') != NULL)
    {
      percent = TRUE;
      replace_command (s, "%", "");
      replace_all (s, "%", "");
    }

  remove_spaces (s);
  strip_trailing (s, ".");
  replace_all (s, "(-\\infty,\\infty)", "\\mathbb{R}");
  strip_variable_prefix (s);
  drop_zero_decimals (s);
  fix_sqrt (s);
  fix_fracs (s);
  fix_slash (s);
  fix_thousands (s);

  /* "{5}" is 5; a brace group with commas is a set and stays. */
  if (s->len > 2 && s->str[0] == '{' && match_brace (s->str, s->len, 0) == (gssize) s->len - 1 &&
      strchr (s->str, ',') == NULL)
    {
      g_string_truncate (s, s->len - 1);
      g_string_erase (s, 0, 1);
    }

  if (had_percent != NULL)
    *had_percent = percent;
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ------------------------------------------------------------------------ */
/* Evaluation                                                               */
/* ------------------------------------------------------------------------ */

typedef enum
{
  EVAL_OK,
  EVAL_SYNTAX,      /* not an expression we read: text, an unknown command */
  EVAL_DIV_ZERO,
  EVAL_OVERFLOW,    /* not finite: too large, or \infty */
  EVAL_DOMAIN,      /* a square root of a negative number, a log of zero */
  EVAL_TOO_DEEP,
} EvalError;

typedef struct
{
  const char   *p;
  const char   *end;
  int           depth;
  const double *vars;     /* 52 values (a-z, A-Z), or NULL: letters are text */
  gboolean      used_vars;
  EvalError     error;
} Eval;

static const char *
eval_error_to_string (EvalError error)
{
  switch (error)
    {
    case EVAL_OK: return N_("no error");
    case EVAL_SYNTAX: return N_("not a number or expression");
    case EVAL_DIV_ZERO: return N_("division by zero");
    case EVAL_OVERFLOW: return N_("not a finite number");
    case EVAL_DOMAIN: return N_("outside the domain of a function");
    case EVAL_TOO_DEEP: return N_("nested too deeply");
    default: return N_("error");
    }
}

static double eval_expr     (Eval *e);
static double eval_signed   (Eval *e);
static double eval_power    (Eval *e);
static double eval_primary  (Eval *e);

static void
fail (Eval      *e,
      EvalError  error)
{
  if (e->error == EVAL_OK)
    e->error = error;
}

static void
skip_spaces (Eval *e)
{
  while (e->p < e->end && *e->p == ' ')
    e->p++;
}

static double
check (Eval   *e,
       double  value)
{
  if (e->error == EVAL_OK && !isfinite (value))
    fail (e, isnan (value) ? EVAL_DOMAIN : EVAL_OVERFLOW);
  return value;
}

static gboolean
enter (Eval *e)
{
  if (e->error != EVAL_OK)
    return FALSE;
  if (++e->depth > MT_MATH_MAX_DEPTH)
    {
      fail (e, EVAL_TOO_DEEP);
      return FALSE;
    }
  return TRUE;
}

static gboolean
accept_char (Eval *e,
             char  c)
{
  skip_spaces (e);
  if (e->p < e->end && *e->p == c)
    {
      e->p++;
      return TRUE;
    }
  return FALSE;
}

/* Reads a command name after a backslash into @name (NUL-terminated). */
static gsize
peek_command (Eval *e,
              char *name,
              gsize size)
{
  const char *q = e->p;
  gsize n = 0;

  if (q >= e->end || *q != '\\')
    return 0;
  q++;
  while (q < e->end && is_letter (*q) && n + 1 < size)
    name[n++] = *q++;
  name[n] = '\0';
  /* an over-long name is no command we know */
  if (q < e->end && is_letter (*q))
    name[0] = '\0';
  return n == 0 ? 0 : n + 1;
}

static gboolean
accept_command (Eval       *e,
                const char *command)
{
  char name[16];
  gsize len;

  skip_spaces (e);
  len = peek_command (e, name, sizeof name);
  if (len > 0 && g_str_equal (name, command))
    {
      e->p += len;
      return TRUE;
    }
  return FALSE;
}

static const char *const functions[] = {
  "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
  "sinh", "cosh", "tanh", "ln", "log", "exp",
};

static gboolean
is_function (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    if (g_str_equal (name, functions[i]))
      return TRUE;
  return FALSE;
}

/* Whether the next token can start a factor: then "2\pi" and "3(x+1)" are
 * products. */
static gboolean
starts_factor (Eval *e)
{
  char name[16];
  char c;

  skip_spaces (e);
  if (e->p >= e->end)
    return FALSE;
  c = *e->p;
  if (g_ascii_isdigit (c) || c == '.' || c == '(' || c == '[' || c == '{' || is_letter (c))
    return TRUE;
  if (c == '\\' && peek_command (e, name, sizeof name) > 0)
    return g_str_equal (name, "frac") || g_str_equal (name, "sqrt") ||
           g_str_equal (name, "pi") || g_str_equal (name, "binom") ||
           g_str_equal (name, "dbinom") || g_str_equal (name, "lfloor") ||
           g_str_equal (name, "lceil") || is_function (name);
  return FALSE;
}

static double
eval_number (Eval *e)
{
  const char *start = e->p;
  const char *q = e->p;
  gboolean integer = TRUE;
  char buffer[64];
  double value;

  while (q < e->end && g_ascii_isdigit (*q))
    q++;
  if (q < e->end && *q == '.')
    {
      integer = FALSE;
      q++;
      while (q < e->end && g_ascii_isdigit (*q))
        q++;
    }
  /* scientific notation: 1.5e-3, but "2e" alone is 2 times e */
  if (q + 1 < e->end && (*q == 'e' || *q == 'E'))
    {
      const char *r = q + 1;

      if (r < e->end && (*r == '+' || *r == '-'))
        r++;
      if (r < e->end && g_ascii_isdigit (*r))
        {
          integer = FALSE;
          q = r;
          while (q < e->end && g_ascii_isdigit (*q))
            q++;
        }
    }

  if (q - start >= (gssize) sizeof buffer)
    {
      /* 64 significant characters: beyond what a double holds anyway */
      e->p = q;
      fail (e, EVAL_OVERFLOW);
      return NAN;
    }
  memcpy (buffer, start, q - start);
  buffer[q - start] = '\0';
  if (g_str_equal (buffer, "."))
    {
      fail (e, EVAL_SYNTAX);
      return NAN;
    }
  value = g_ascii_strtod (buffer, NULL);
  e->p = q;

  /* A mixed number, "1\frac{4}{5}" = 1.8, as MATH writes them. */
  if (integer && e->end - e->p > 9 && strncmp (e->p, "\\frac{", 6) == 0)
    {
      const char *n0 = e->p + 6, *n1 = n0, *d0, *d1;

      while (n1 < e->end && g_ascii_isdigit (*n1))
        n1++;
      if (n1 > n0 && n1 - n0 < 10 && n1 + 1 < e->end && n1[0] == '}' && n1[1] == '{')
        {
          d0 = n1 + 2;
          d1 = d0;
          while (d1 < e->end && g_ascii_isdigit (*d1))
            d1++;
          if (d1 > d0 && d1 - d0 < 10 && d1 < e->end && *d1 == '}')
            {
              double num = g_ascii_strtod (n0, NULL);
              double den = g_ascii_strtod (d0, NULL);

              if (den > 0 && num < den)
                {
                  e->p = d1 + 1;
                  value += num / den;
                }
            }
        }
    }

  return check (e, value);
}

/* An argument of \frac, \sqrt or ^: a group, or a single token. */
static double
eval_argument (Eval *e)
{
  double value;

  skip_spaces (e);
  if (e->p >= e->end)
    {
      fail (e, EVAL_SYNTAX);
      return NAN;
    }
  if (*e->p == '{')
    {
      e->p++;
      value = eval_expr (e);
      if (!accept_char (e, '}'))
        fail (e, EVAL_SYNTAX);
      return value;
    }
  if (*e->p == '-' || *e->p == '+')
    {
      gboolean minus = *e->p == '-';

      e->p++;
      value = eval_argument (e);
      return minus ? -value : value;
    }
  if (g_ascii_isdigit (*e->p))
    {
      /* Strict LaTeX reads one digit (2^10 would be 2^1 times 0), but
       * models write plain-text powers; the digits go together. */
      return eval_number (e);
    }
  return eval_primary (e);
}

static double
variable_value (const double *vars,
                char          c)
{
  return g_ascii_islower (c) ? vars[c - 'a'] : vars[26 + c - 'A'];
}

static double
eval_function (Eval       *e,
               const char *name)
{
  double power = 1, base = NAN, x, y;

  /* \sin^2 x is (\sin x)^2 */
  if (accept_char (e, '^'))
    power = eval_argument (e);
  if (g_str_equal (name, "log") && accept_char (e, '_'))
    base = eval_argument (e);
  x = eval_power (e);
  if (e->error != EVAL_OK)
    return NAN;

  if (g_str_equal (name, "sin")) y = sin (x);
  else if (g_str_equal (name, "cos")) y = cos (x);
  else if (g_str_equal (name, "tan")) y = tan (x);
  else if (g_str_equal (name, "cot")) y = 1 / tan (x);
  else if (g_str_equal (name, "sec")) y = 1 / cos (x);
  else if (g_str_equal (name, "csc")) y = 1 / sin (x);
  else if (g_str_equal (name, "arcsin")) y = asin (x);
  else if (g_str_equal (name, "arccos")) y = acos (x);
  else if (g_str_equal (name, "arctan")) y = atan (x);
  else if (g_str_equal (name, "sinh")) y = sinh (x);
  else if (g_str_equal (name, "cosh")) y = cosh (x);
  else if (g_str_equal (name, "tanh")) y = tanh (x);
  else if (g_str_equal (name, "exp")) y = exp (x);
  else if (g_str_equal (name, "ln")) y = x > 0 ? log (x) : NAN;
  else if (!isnan (base)) y = x > 0 && base > 0 && base != 1 ? log (x) / log (base) : NAN;
  else y = x > 0 ? log10 (x) : NAN;

  return check (e, power == 1 ? y : pow (y, power));
}

static double
eval_command (Eval *e)
{
  char name[16];
  gsize len = peek_command (e, name, sizeof name);
  double a, b;

  if (len == 0)
    {
      fail (e, EVAL_SYNTAX);
      return NAN;
    }
  e->p += len;

  if (g_str_equal (name, "frac"))
    {
      a = eval_argument (e);
      b = eval_argument (e);
      if (e->error == EVAL_OK && b == 0)
        fail (e, EVAL_DIV_ZERO);
      return check (e, a / b);
    }
  if (g_str_equal (name, "sqrt"))
    {
      double index = 2;

      if (accept_char (e, '['))
        {
          index = eval_expr (e);
          if (!accept_char (e, ']'))
            fail (e, EVAL_SYNTAX);
        }
      a = eval_argument (e);
      if (e->error != EVAL_OK)
        return NAN;
      if (index == 0)
        {
          fail (e, EVAL_DOMAIN);
          return NAN;
        }
      if (a < 0 && fmod (index, 2) == 1)
        return check (e, -pow (-a, 1 / index));
      return check (e, index == 2 ? sqrt (a) : pow (a, 1 / index));
    }
  if (g_str_equal (name, "pi"))
    return G_PI;
  if (g_str_equal (name, "binom") || g_str_equal (name, "dbinom") ||
      g_str_equal (name, "tbinom"))
    {
      double result = 1;

      a = eval_argument (e);
      b = eval_argument (e);
      if (e->error != EVAL_OK)
        return NAN;
      if (a != floor (a) || b != floor (b) || b < 0 || a < 0 || b > a || b > 1000)
        {
          fail (e, EVAL_DOMAIN);
          return NAN;
        }
      for (double k = 1; k <= b && isfinite (result); k++)
        result = result * (a - b + k) / k;
      return check (e, result);
    }
  if (g_str_equal (name, "lfloor") || g_str_equal (name, "lceil"))
    {
      gboolean floor_ = g_str_equal (name, "lfloor");

      a = eval_expr (e);
      if (!accept_command (e, floor_ ? "rfloor" : "rceil"))
        fail (e, EVAL_SYNTAX);
      return floor_ ? floor (a) : ceil (a);
    }
  if (is_function (name))
    return eval_function (e, name);

  /* \infty, \cup, \le, \text... are not numbers */
  fail (e, g_str_equal (name, "infty") ? EVAL_OVERFLOW : EVAL_SYNTAX);
  return NAN;
}

static double
eval_primary (Eval *e)
{
  double value = NAN;
  char c;

  if (!enter (e))
    return NAN;

  skip_spaces (e);
  if (e->p >= e->end)
    {
      fail (e, EVAL_SYNTAX);
      e->depth--;
      return NAN;
    }

  c = *e->p;
  if (g_ascii_isdigit (c) || c == '.')
    value = eval_number (e);
  else if (c == '(' || c == '[' || c == '{')
    {
      char close = c == '(' ? ')' : c == '[' ? ']' : '}';

      e->p++;
      value = eval_expr (e);
      if (!accept_char (e, close))
        fail (e, EVAL_SYNTAX);
    }
  else if (c == '|')
    {
      e->p++;
      value = fabs (eval_expr (e));
      if (!accept_char (e, '|'))
        fail (e, EVAL_SYNTAX);
    }
  else if (is_letter (c))
    {
      const char *q = e->p;

      /* "xy" is a product; a longer word is text, not a product of letters */
      while (q < e->end && is_letter (*q))
        q++;
      if (e->vars == NULL || q - e->p > 2)
        fail (e, EVAL_SYNTAX);
      else
        {
          e->used_vars = TRUE;
          value = variable_value (e->vars, c);
          e->p++;
        }
    }
  else if (c == '\\')
    value = eval_command (e);
  else
    fail (e, EVAL_SYNTAX);

  e->depth--;
  return value;
}

static double
eval_power (Eval *e)
{
  double base;

  if (!enter (e))
    return NAN;

  base = eval_primary (e);
  while (e->error == EVAL_OK)
    {
      skip_spaces (e);
      if (e->p < e->end && *e->p == '!' && (e->p + 1 >= e->end || e->p[1] != '='))
        {
          double result = 1;

          e->p++;
          if (base < 0 || base != floor (base) || base > 170)
            {
              fail (e, base > 170 ? EVAL_OVERFLOW : EVAL_DOMAIN);
              break;
            }
          for (double k = 2; k <= base; k++)
            result *= k;
          base = result;
        }
      else if (e->p < e->end && *e->p == '^')
        {
          double exponent;

          e->p++;
          exponent = eval_argument (e);
          if (e->error != EVAL_OK)
            break;
          if (base == 0 && exponent < 0)
            fail (e, EVAL_DIV_ZERO);
          base = check (e, pow (base, exponent));
        }
      else
        break;
    }

  e->depth--;
  return base;
}

static double
eval_signed (Eval *e)
{
  double value;

  if (!enter (e))
    return NAN;

  skip_spaces (e);
  if (e->p < e->end && *e->p == '-')
    {
      e->p++;
      value = -eval_signed (e);
    }
  else if (e->p < e->end && *e->p == '+')
    {
      e->p++;
      value = eval_signed (e);
    }
  else
    value = eval_power (e);

  e->depth--;
  return value;
}

static double
eval_term (Eval *e)
{
  double value = eval_signed (e);

  while (e->error == EVAL_OK)
    {
      gboolean divide = FALSE;
      double rhs;

      skip_spaces (e);
      if (e->p < e->end && (*e->p == '*' || *e->p == '/'))
        divide = *e->p++ == '/';
      else if (accept_command (e, "cdot") || accept_command (e, "times") ||
               accept_command (e, "ast"))
        ;
      else if (accept_command (e, "div"))
        divide = TRUE;
      else if (!starts_factor (e))
        break;

      rhs = eval_signed (e);
      if (e->error != EVAL_OK)
        break;
      if (divide && rhs == 0)
        fail (e, EVAL_DIV_ZERO);
      value = check (e, divide ? value / rhs : value * rhs);
    }

  return value;
}

static double
eval_expr (Eval *e)
{
  double value;

  if (!enter (e))
    return NAN;

  value = eval_term (e);
  while (e->error == EVAL_OK)
    {
      skip_spaces (e);
      if (e->p < e->end && *e->p == '+')
        {
          e->p++;
          value = check (e, value + eval_term (e));
        }
      else if (e->p < e->end && *e->p == '-')
        {
          e->p++;
          value = check (e, value - eval_term (e));
        }
      else
        break;
    }

  e->depth--;
  return value;
}

static double
evaluate (const char   *text,
          gsize         len,
          const double *vars,
          gboolean     *used_vars,
          EvalError    *error)
{
  Eval e = { text, text + len, 0, vars, FALSE, EVAL_OK };
  double value;

  value = eval_expr (&e);
  skip_spaces (&e);
  if (e.error == EVAL_OK && e.p != e.end)
    fail (&e, EVAL_SYNTAX);
  if (used_vars != NULL)
    *used_vars = e.used_vars;
  *error = e.error;
  return value;
}

gboolean
_mt_math_evaluate (const char  *normalized,
                   double      *value,
                   const char **error_out)
{
  EvalError error;
  double v;

  g_return_val_if_fail (normalized != NULL, FALSE);

  v = evaluate (normalized, strlen (normalized), NULL, NULL, &error);
  if (error_out != NULL)
    *error_out = eval_error_to_string (error);
  if (value != NULL)
    *value = v;
  return error == EVAL_OK;
}

/* Values of the letters at the sample points: fixed, irrational-looking,
 * and different for every letter and point. */
static const double *
sample_point (guint point)
{
  static double table[N_POINTS][52];
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      for (guint k = 0; k < N_POINTS; k++)
        for (guint i = 0; i < 52; i++)
          {
            double x = sin (i * 12.9898 + k * 78.233 + 1.0) * 43758.5453;

            table[k][i] = 0.5 + 2.0 * (x - floor (x));
          }
      g_once_init_leave (&initialized, 1);
    }
  return table[point];
}

/* ------------------------------------------------------------------------ */
/* Structures                                                               */
/* ------------------------------------------------------------------------ */

typedef enum
{
  VALUE_SCALAR,
  VALUE_TUPLE,     /* (a, b), [a, b), ... : ordered, the brackets matter */
  VALUE_SET,       /* {a, b}: order does not matter */
  VALUE_LIST,      /* a, b: a bare list of solutions; order does not matter */
  VALUE_MATRIX,
  VALUE_UNION,     /* A \cup B */
  VALUE_EQUATION,  /* lhs = rhs */
} ValueKind;

typedef struct _Value Value;

struct _Value
{
  ValueKind  kind;
  char      *text;       /* the normalized text of this value */
  char       open;       /* tuples */
  char       close;
  guint      rows;       /* matrices */
  guint      cols;
  GPtrArray *items;      /* of Value */

  /* scalars, and equations as lhs - rhs */
  EvalError  error;
  gboolean   uses_vars;
  int        infinity;   /* +1 or -1 for "\infty", "-\infty" */
  double     at[N_POINTS];
};

static void
value_free (Value *value)
{
  if (value == NULL)
    return;
  g_free (value->text);
  g_clear_pointer (&value->items, g_ptr_array_unref);
  g_free (value);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Value, value_free)

/* Splits @s at top-level occurrences of @separator (outside brackets and
 * \begin ... \end environments). */
static GPtrArray *
split_top (const char *s,
           gsize       len,
           const char *separator)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  gsize sep_len = strlen (separator);
  gsize start = 0;
  int depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = s[i];

      if (depth == 0 && strncmp (s + i, separator, sep_len) == 0 && i + sep_len <= len)
        {
          /* "\\" as a row break, not a command starting with a backslash */
          g_ptr_array_add (parts, g_strndup (s + start, i - start));
          i += sep_len - 1;
          start = i + 1;
          continue;
        }
      if (c == '\\' && i + 1 < len)
        {
          if (strncmp (s + i, "\\begin{", 7) == 0)
            depth++;
          else if (strncmp (s + i, "\\end{", 5) == 0)
            depth--;
          else if (s[i + 1] == '\\')
            {
              i++;
              continue;
            }
          continue;
        }
      if (c == '(' || c == '[' || c == '{')
        depth++;
      else if (c == ')' || c == ']' || c == '}')
        depth--;
    }
  g_ptr_array_add (parts, g_strndup (s + start, len - start));
  return parts;
}

static Value *parse_value (const char *text,
                           int         depth);

static char *
text_key (const char *text)
{
  GString *key = g_string_sized_new (strlen (text));

  /* math_equal's last resort: the texts without brackets, any case */
  for (const char *p = text; *p != '\0'; p++)
    if (strchr ("{}() ", *p) == NULL)
      g_string_append_c (key, g_ascii_tolower (*p));
  return g_string_free (key, FALSE);
}

static void
evaluate_scalar (Value      *value,
                 const char *text)
{
  gsize len = strlen (text);

  if (g_str_equal (text, "\\infty") || g_str_equal (text, "+\\infty"))
    {
      value->infinity = 1;
      return;
    }
  if (g_str_equal (text, "-\\infty"))
    {
      value->infinity = -1;
      return;
    }

  for (guint k = 0; k < N_POINTS && value->error == EVAL_OK; k++)
    {
      gboolean used = FALSE;

      value->at[k] = evaluate (text, len, sample_point (k), &used, &value->error);
      if (k == 0 && !used)
        {
          /* no variables: one evaluation holds for every point */
          for (guint j = 1; j < N_POINTS; j++)
            value->at[j] = value->at[0];
          break;
        }
      value->uses_vars = used;
    }
}

/* Items of a list or set, with a \pm item standing for two. */
static GPtrArray *
parse_items (const char *text,
             gsize       len,
             int         depth)
{
  g_autoptr(GPtrArray) parts = split_top (text, len, ",");
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify) value_free);

  if (parts->len > MAX_ITEMS)
    {
      g_ptr_array_unref (items);
      return NULL;
    }

  for (guint i = 0; i < parts->len; i++)
    {
      const char *part = g_ptr_array_index (parts, i);
      const char *pm = strstr (part, "\\pm");

      if (pm == NULL)
        pm = strstr (part, "\\mp");
      if (pm != NULL && !is_letter (pm[3]))
        {
          g_autofree char *plus = g_strdup_printf ("%.*s+%s", (int) (pm - part), part, pm + 3);
          g_autofree char *minus = g_strdup_printf ("%.*s-%s", (int) (pm - part), part, pm + 3);

          g_ptr_array_add (items, parse_value (plus, depth + 1));
          g_ptr_array_add (items, parse_value (minus, depth + 1));
        }
      else
        g_ptr_array_add (items, parse_value (part, depth + 1));
    }
  return items;
}

static gboolean
has_prefix_suffix (const char *text,
                   gsize       len,
                   const char *prefix,
                   const char *suffix)
{
  gsize p = strlen (prefix), s = strlen (suffix);

  return len >= p + s && strncmp (text, prefix, p) == 0 && strncmp (text + len - s, suffix, s) == 0;
}

static Value *
parse_matrix (const char *text,
              gsize       len,
              int         depth)
{
  static const char begin[] = "\\begin{pmatrix}", end[] = "\\end{pmatrix}";
  const char *body = text + strlen (begin);
  gsize body_len = len - strlen (begin) - strlen (end);
  g_autoptr(GPtrArray) rows = split_top (body, body_len, "\\\\");
  g_autoptr(Value) value = g_new0 (Value, 1);

  value->kind = VALUE_MATRIX;
  value->text = g_strndup (text, len);
  value->items = g_ptr_array_new_with_free_func ((GDestroyNotify) value_free);

  for (guint r = 0; r < rows->len; r++)
    {
      const char *row = g_ptr_array_index (rows, r);
      g_autoptr(GPtrArray) cells = NULL;

      if (row[strspn (row, " ")] == '\0')
        continue;   /* a trailing "\\" */
      cells = split_top (row, strlen (row), "&");
      if (value->rows == 0)
        value->cols = cells->len;
      else if (cells->len != value->cols)
        return NULL;
      value->rows++;
      if (value->items->len + cells->len > MAX_ITEMS)
        return NULL;
      for (guint c = 0; c < cells->len; c++)
        g_ptr_array_add (value->items, parse_value (g_ptr_array_index (cells, c), depth + 1));
    }

  return g_steal_pointer (&value);
}

static Value *
parse_value (const char *text,
             int         depth)
{
  g_autoptr(Value) value = g_new0 (Value, 1);
  gsize len;

  while (*text == ' ')
    text++;
  len = strlen (text);
  while (len > 0 && text[len - 1] == ' ')
    len--;
  value->text = g_strndup (text, len);

  if (depth > MAX_STRUCTURE_DEPTH)
    {
      value->error = EVAL_TOO_DEEP;
      return g_steal_pointer (&value);
    }

  /* "(\begin{pmatrix}...\end{pmatrix})" */
  if (len > 2 && text[0] == '(' && text[len - 1] == ')' &&
      has_prefix_suffix (text + 1, len - 2, "\\begin{pmatrix}", "\\end{pmatrix}"))
    {
      text++;
      len -= 2;
    }
  if (has_prefix_suffix (text, len, "\\begin{pmatrix}", "\\end{pmatrix}") &&
      strstr (text + 1, "\\begin{pmatrix}") == NULL)
    {
      Value *matrix = parse_matrix (text, len, depth);

      if (matrix != NULL)
        return matrix;
    }

  {
    g_autoptr(GPtrArray) parts = split_top (text, len, "\\cup");

    if (parts->len > 1 && parts->len <= MAX_ITEMS)
      {
        value->kind = VALUE_UNION;
        value->items = g_ptr_array_new_with_free_func ((GDestroyNotify) value_free);
        for (guint i = 0; i < parts->len; i++)
          g_ptr_array_add (value->items, parse_value (g_ptr_array_index (parts, i), depth + 1));
        return g_steal_pointer (&value);
      }
  }

  if (len >= 2 && text[0] == '{' && match_bracket (text, len, 0) == (gssize) len - 1)
    {
      value->kind = VALUE_SET;
      if (text[strspn (text + 1, " ") + 1] == '}')
        value->items = g_ptr_array_new_with_free_func ((GDestroyNotify) value_free);
      else
        value->items = parse_items (text + 1, len - 2, depth);
      if (value->items == NULL)
        value->kind = VALUE_SCALAR;
      else
        return g_steal_pointer (&value);
    }

  if (len >= 2 && (text[0] == '(' || text[0] == '[') &&
      (text[len - 1] == ')' || text[len - 1] == ']') &&
      match_bracket (text, len, 0) == (gssize) len - 1)
    {
      g_autoptr(GPtrArray) parts = split_top (text + 1, len - 2, ",");

      if (parts->len > 1 && parts->len <= MAX_ITEMS)
        {
          value->kind = VALUE_TUPLE;
          value->open = text[0];
          value->close = text[len - 1];
          value->items = g_ptr_array_new_with_free_func ((GDestroyNotify) value_free);
          for (guint i = 0; i < parts->len; i++)
            g_ptr_array_add (value->items, parse_value (g_ptr_array_index (parts, i), depth + 1));
          return g_steal_pointer (&value);
        }
    }

  {
    g_autoptr(GPtrArray) parts = split_top (text, len, ",");
    gboolean plus_minus = strstr (value->text, "\\pm") != NULL || strstr (value->text, "\\mp");

    if (parts->len > 1 || plus_minus)
      {
        value->kind = VALUE_LIST;
        value->items = parse_items (text, len, depth);
        if (value->items != NULL)
          return g_steal_pointer (&value);
        value->kind = VALUE_SCALAR;
      }
  }

  {
    g_autoptr(GPtrArray) sides = split_top (text, len, "=");

    if (sides->len == 2)
      {
        /* compared as lhs - rhs, up to sign */
        g_autofree char *difference = g_strdup_printf ("%s-(%s)",
                                                       (char *) g_ptr_array_index (sides, 0),
                                                       (char *) g_ptr_array_index (sides, 1));
        value->kind = VALUE_EQUATION;
        evaluate_scalar (value, difference);
        return g_steal_pointer (&value);
      }
  }

  value->kind = VALUE_SCALAR;
  evaluate_scalar (value, value->text);
  return g_steal_pointer (&value);
}

/* ------------------------------------------------------------------------ */
/* Comparison                                                               */
/* ------------------------------------------------------------------------ */

static gboolean
is_close (double a,
          double b)
{
  /* math.isclose (a, b, rel_tol=1e-4) */
  return a == b || fabs (a - b) <= REL_TOL * MAX (fabs (a), fabs (b));
}

static gboolean
points_close (const Value *a,
              const Value *b,
              double       scale,
              double       sign)
{
  for (guint k = 0; k < N_POINTS; k++)
    if (!is_close (a->at[k], sign * scale * b->at[k]))
      return FALSE;
  return TRUE;
}

static gboolean values_equal (const Value *a,
                              const Value *b,
                              gboolean     percent);

static gboolean
scalars_equal (const Value *a,
               const Value *b,
               gboolean     percent)
{
  if (a->error != EVAL_OK && b->error != EVAL_OK)
    {
      /* neither is a number: compare the texts as math_equal does last,
       * without brackets ("204_5" is "204_{5}") */
      g_autofree char *key_a = text_key (a->text);
      g_autofree char *key_b = text_key (b->text);

      return g_str_equal (key_a, key_b);
    }
  if (a->infinity != 0 || b->infinity != 0)
    return a->infinity == b->infinity;
  if (a->error != EVAL_OK || b->error != EVAL_OK)
    return FALSE;
  if (points_close (a, b, 1, 1))
    return TRUE;
  /* "50\%" and "0.5" */
  if (percent && !a->uses_vars && !b->uses_vars)
    return points_close (a, b, 100, 1) || points_close (a, b, 0.01, 1);
  return FALSE;
}

/* Order-insensitive: every item of @a pairs with a distinct item of @b. */
static gboolean
items_match_unordered (GPtrArray *a,
                       GPtrArray *b,
                       gboolean   percent)
{
  g_autofree gboolean *used = NULL;

  if (a->len != b->len)
    return FALSE;
  used = g_new0 (gboolean, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < b->len && !found; j++)
        if (!used[j] && values_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, j), percent))
          used[j] = found = TRUE;
      if (!found)
        return FALSE;
    }
  return TRUE;
}

static gboolean
items_match_ordered (GPtrArray *a,
                     GPtrArray *b,
                     gboolean   percent)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (!values_equal (g_ptr_array_index (a, i), g_ptr_array_index (b, i), percent))
      return FALSE;
  return TRUE;
}

static gboolean
is_unordered (ValueKind kind)
{
  return kind == VALUE_SET || kind == VALUE_LIST;
}

static gboolean
values_equal (const Value *a,
              const Value *b,
              gboolean     percent)
{
  if (a->error == EVAL_TOO_DEEP || b->error == EVAL_TOO_DEEP)
    return FALSE;

  if (a->kind == VALUE_SCALAR && b->kind == VALUE_SCALAR)
    return scalars_equal (a, b, percent);

  if (a->kind == VALUE_TUPLE && b->kind == VALUE_TUPLE)
    return a->open == b->open && a->close == b->close &&
           items_match_ordered (a->items, b->items, percent);

  if (is_unordered (a->kind) && is_unordered (b->kind))
    return items_match_unordered (a->items, b->items, percent);

  /* a point written without its parentheses */
  if ((a->kind == VALUE_TUPLE && a->open == '(' && b->kind == VALUE_LIST) ||
      (b->kind == VALUE_TUPLE && b->open == '(' && a->kind == VALUE_LIST))
    return items_match_ordered (a->items, b->items, percent);

  if (a->kind == VALUE_MATRIX && b->kind == VALUE_MATRIX)
    return a->rows == b->rows && a->cols == b->cols &&
           items_match_ordered (a->items, b->items, percent);

  /* a vector as a one-column matrix or as a tuple */
  if ((a->kind == VALUE_MATRIX && (a->rows == 1 || a->cols == 1) &&
       b->kind == VALUE_TUPLE && b->open == '(') ||
      (b->kind == VALUE_MATRIX && (b->rows == 1 || b->cols == 1) &&
       a->kind == VALUE_TUPLE && a->open == '('))
    return items_match_ordered (a->items, b->items, percent);

  if (a->kind == VALUE_UNION && b->kind == VALUE_UNION)
    return items_match_unordered (a->items, b->items, percent);

  if (a->kind == VALUE_EQUATION && b->kind == VALUE_EQUATION)
    {
      g_autofree char *key_a = text_key (a->text);
      g_autofree char *key_b = text_key (b->text);

      if (g_str_equal (key_a, key_b))
        return TRUE;
      if (a->error != EVAL_OK || b->error != EVAL_OK)
        return FALSE;
      return points_close (a, b, 1, 1) || points_close (a, b, 1, -1);
    }

  return FALSE;
}

static const char *
kind_name (const Value *value)
{
  switch (value->kind)
    {
    case VALUE_SCALAR: return _("a single value");
    case VALUE_TUPLE:
      return value->open == '(' && value->close == ')' ? _("a tuple") : _("an interval");
    case VALUE_SET: return _("a set");
    case VALUE_LIST: return _("a list");
    case VALUE_MATRIX: return _("a matrix");
    case VALUE_UNION: return _("a union");
    case VALUE_EQUATION: return _("an equation");
    default: return _("a value");
    }
}

static gboolean
too_deep (const Value *value)
{
  if (value->error == EVAL_TOO_DEEP)
    return TRUE;
  if (value->items != NULL)
    for (guint i = 0; i < value->items->len; i++)
      if (too_deep (g_ptr_array_index (value->items, i)))
        return TRUE;
  return FALSE;
}

static char *
describe_scalar (const Value *value)
{
  if (value->infinity != 0)
    return g_strdup (value->infinity > 0 ? "∞" : "-∞");
  if (value->error != EVAL_OK)
    return g_strdup_printf ("“%s”", value->text);
  if (value->uses_vars)
    return g_strdup_printf ("“%s”", value->text);
  return g_strdup_printf ("%.7g", value->at[0]);
}

/* Says in words why two parsed values are (not) equal. */
static char *
explain (const Value *a,
         const Value *t,
         gboolean     equal,
         gboolean     percent)
{
  if (a->kind == VALUE_SCALAR && t->kind == VALUE_SCALAR)
    {
      g_autofree char *da = describe_scalar (a);
      g_autofree char *dt = describe_scalar (t);

      if (equal && (a->uses_vars || t->uses_vars))
        return g_strdup_printf (_("equal as expressions at %d sample points (%s vs %s)"),
                                N_POINTS, a->text, t->text);
      if (equal && percent && !points_close (a, t, 1, 1))
        return g_strdup_printf (_("equal as numbers with the percent sign (%s vs %s)"), da, dt);
      if (equal)
        return g_strdup_printf (_("equal as numbers (%s vs %s)"), da, dt);
      if (a->error != EVAL_OK && a->error != EVAL_SYNTAX)
        return g_strdup_printf (_("the answer is %s (%s): %s"),
                                _(eval_error_to_string (a->error)), a->text, dt);
      if (a->error != EVAL_OK || t->error != EVAL_OK)
        return g_strdup_printf (_("not equal: %s vs %s"), da, dt);
      return g_strdup_printf (_("not equal as numbers (%s vs %s)"), da, dt);
    }

  if (a->kind == VALUE_EQUATION && t->kind == VALUE_EQUATION)
    return g_strdup (equal ? _("equal as equations (lhs - rhs agree up to sign at the "
                               "sample points)")
                           : _("not equal as equations"));

  if (equal)
    {
      if (is_unordered (a->kind) && is_unordered (t->kind))
        return g_strdup_printf (_("equal as sets of %u elements"), a->items->len);
      return g_strdup_printf (_("equal element by element (%s)"), kind_name (t));
    }

  if (a->kind != t->kind && !(is_unordered (a->kind) && is_unordered (t->kind)))
    return g_strdup_printf (_("not equal: the answer is %s, the truth %s"),
                            kind_name (a), kind_name (t));
  if (a->items != NULL && t->items != NULL && a->items->len != t->items->len)
    return g_strdup_printf (_("not equal: %u elements vs %u"), a->items->len, t->items->len);
  if (a->kind == VALUE_TUPLE && (a->open != t->open || a->close != t->close))
    return g_strdup_printf (_("not equal: the ends differ (%c…%c vs %c…%c)"),
                            a->open, a->close, t->open, t->close);
  if (a->kind == VALUE_MATRIX && (a->rows != t->rows || a->cols != t->cols))
    return g_strdup_printf (_("not equal: %u×%u vs %u×%u"), a->rows, a->cols, t->rows, t->cols);
  return g_strdup_printf (_("not equal: an element of %s differs"), kind_name (t));
}

/* A multiple-choice truth "B" or "(B)": the letter in the answer counts. */
static gboolean
choice_letter (const char *normalized,
               char       *letter)
{
  const char *p = normalized;
  gsize len = strlen (p);

  if (len == 3 && p[0] == '(' && p[2] == ')')
    {
      p++;
      len = 1;
    }
  if (len == 1 && p[0] >= 'A' && p[0] <= 'E')
    {
      *letter = p[0];
      return TRUE;
    }
  return FALSE;
}

static char
last_choice_letter (const char *text)
{
  char found = '\0';

  for (const char *p = text; *p != '\0'; p++)
    {
      char c = g_ascii_toupper (*p);

      if (c >= 'A' && c <= 'E' && (p == text || !g_ascii_isalnum (p[-1])) &&
          !g_ascii_isalnum (p[1]))
        found = c;
    }
  return found;
}

MtMathResult
_mt_math_equal (const char  *answer,
                const char  *truth,
                char       **answer_normalized,
                char       **truth_normalized,
                char       **reason)
{
  g_autofree char *norm_a = NULL;
  g_autofree char *norm_t = NULL;
  g_autoptr(Value) value_a = NULL;
  g_autoptr(Value) value_t = NULL;
  gboolean percent_a = FALSE, percent_t = FALSE;
  gboolean equal;
  char letter;

  g_return_val_if_fail (answer != NULL, MT_MATH_UNJUDGEABLE);
  g_return_val_if_fail (truth != NULL, MT_MATH_UNJUDGEABLE);
  g_return_val_if_fail (answer_normalized != NULL && truth_normalized != NULL, MT_MATH_UNJUDGEABLE);
  g_return_val_if_fail (reason != NULL, MT_MATH_UNJUDGEABLE);

  norm_a = _mt_math_normalize (answer, &percent_a);
  norm_t = _mt_math_normalize (truth, &percent_t);
  *answer_normalized = g_strdup (norm_a);
  *truth_normalized = g_strdup (norm_t);

  if (norm_t == NULL)
    {
      *reason = g_strdup_printf (_("the truth is %zu bytes long; at most %d are evaluated"),
                                 strlen (truth), MT_MATH_MAX_INPUT);
      return MT_MATH_UNJUDGEABLE;
    }
  if (norm_a == NULL)
    {
      *reason = g_strdup_printf (_("the answer is %zu bytes long; at most %d are evaluated"),
                                 strlen (answer), MT_MATH_MAX_INPUT);
      return MT_MATH_UNJUDGEABLE;
    }
  if (norm_a[0] == '\0')
    {
      *reason = g_strdup (_("the answer is empty after normalization"));
      return MT_MATH_NOT_EQUAL;
    }

  if (g_ascii_strcasecmp (norm_a, norm_t) == 0)
    {
      *reason = g_strdup (_("equal after normalization"));
      return MT_MATH_EQUAL;
    }

  if (choice_letter (norm_t, &letter))
    {
      char chosen = last_choice_letter (norm_a);

      if (chosen != '\0')
        {
          *reason = g_strdup_printf (_("option %c vs %c"), chosen, letter);
          return chosen == letter ? MT_MATH_EQUAL : MT_MATH_NOT_EQUAL;
        }
    }

  value_a = parse_value (norm_a, 0);
  value_t = parse_value (norm_t, 0);

  if (too_deep (value_t) || too_deep (value_a))
    {
      *reason = g_strdup_printf (_("the %s is nested too deeply to evaluate"),
                                 too_deep (value_t) ? _("truth") : _("answer"));
      return MT_MATH_UNJUDGEABLE;
    }

  equal = values_equal (value_a, value_t, percent_a || percent_t);
  if (!equal && value_t->kind == VALUE_SCALAR && value_t->infinity == 0 &&
      value_t->error != EVAL_OK && value_t->error != EVAL_SYNTAX)
    {
      *reason = g_strdup_printf (_("the truth is %s (%s)"),
                                 _(eval_error_to_string (value_t->error)), norm_t);
      return MT_MATH_UNJUDGEABLE;
    }

  *reason = explain (value_a, value_t, equal, percent_a || percent_t);
  return equal ? MT_MATH_EQUAL : MT_MATH_NOT_EQUAL;
}
