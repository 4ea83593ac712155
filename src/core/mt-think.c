/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mt-think.c: split a completion into its reasoning and its answer.
 *
 * The parser works on byte ranges of the input and copies text out only at the
 * end, so every offset written to the note is an offset into the caller's
 * buffer. All tags are ASCII, and ranges are only ever cut at a tag or at ASCII
 * whitespace, so a range never starts or ends inside a multi-byte character:
 * valid UTF-8 in gives valid UTF-8 out without any re-validation.
 *
 * Searches never use the str* functions: the text is counted, not terminated,
 * and may hold NUL bytes anywhere. */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "mt-think.h"

/* Past this many blocks or messages the note gives a count instead of offsets:
 * a trace with hundreds of blocks would otherwise get a note nobody reads. */
#define MAX_DETAILED 3

typedef struct
{
  const char *str;
  gsize       len;
} Tag;

#define TAG(s) { s, sizeof (s) - 1 }

static const Tag think_open = TAG ("<think>");
static const Tag think_close = TAG ("</think>");
static const Tag bracket_open = TAG ("[THINK]");
static const Tag bracket_close = TAG ("[/THINK]");
static const Tag thought_open = TAG ("<|begin_of_thought|>");
static const Tag thought_close = TAG ("<|end_of_thought|>");
static const Tag solution_open = TAG ("<|begin_of_solution|>");
static const Tag solution_close = TAG ("<|end_of_solution|>");

/* Harmony special tokens, in the order of the HarmonyToken enum. */
typedef enum
{
  HARMONY_START,
  HARMONY_CHANNEL,
  HARMONY_MESSAGE,
  HARMONY_CONSTRAIN,
  HARMONY_END,
  HARMONY_RETURN,
  HARMONY_CALL,
  N_HARMONY_TOKENS,
} HarmonyToken;

static const Tag harmony_tags[N_HARMONY_TOKENS] = {
  TAG ("<|start|>"),
  TAG ("<|channel|>"),
  TAG ("<|message|>"),
  TAG ("<|constrain|>"),
  TAG ("<|end|>"),
  TAG ("<|return|>"),
  TAG ("<|call|>"),
};

typedef enum
{
  FAMILY_THINK,
  FAMILY_BRACKETS,
  FAMILY_THOUGHT,
  FAMILY_HARMONY,
} Family;

typedef struct
{
  gsize start;
  gsize end;
} Range;

typedef struct
{
  const char   *text;
  gsize         len;
  MtThinkFlags  flags;

  MtThinkStyle  style;
  GArray       *reasoning;  /* of Range */
  GArray       *outside;    /* of Range: candidates for the answer */
  guint         n_blocks;
  gboolean      closed;
  GString      *note;
} Parser;

static void
note_add (Parser     *p,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
note_add (Parser     *p,
          const char *format,
          ...)
{
  va_list args;

  if (p->note->len > 0)
    g_string_append (p->note, "; ");

  va_start (args, format);
  g_string_append_vprintf (p->note, format, args);
  va_end (args);
}

/* Finds the first of @n_tags tags in [@from, @end). One pass over the text,
 * whatever the number of tags, so that callers scanning token by token stay
 * linear in the length of the text. Returns the offset, or -1. */
static gssize
find_tags (const char *text,
           gsize       from,
           gsize       end,
           const Tag  *tags,
           guint       n_tags,
           guint      *which)
{
  gboolean first_byte[256] = { FALSE, };

  for (guint i = 0; i < n_tags; i++)
    first_byte[(guchar) tags[i].str[0]] = TRUE;

  for (gsize pos = from; pos < end; pos++)
    {
      if (!first_byte[(guchar) text[pos]])
        continue;

      for (guint i = 0; i < n_tags; i++)
        {
          if (end - pos >= tags[i].len &&
              memcmp (text + pos, tags[i].str, tags[i].len) == 0)
            {
              if (which != NULL)
                *which = i;
              return (gssize) pos;
            }
        }
    }

  return -1;
}

static gssize
find_tag (const char *text,
          gsize       from,
          gsize       end,
          const Tag  *tag)
{
  return find_tags (text, from, end, tag, 1, NULL);
}

/* NUL counts as space here: it is dropped from the output, so a NUL at the
 * edge of a piece would otherwise leave the whitespace behind it untrimmed. */
static inline gboolean
is_space (char c)
{
  return c == '\0' || g_ascii_isspace (c);
}

static void
range_trim (const char *text,
            Range      *range)
{
  while (range->start < range->end && is_space (text[range->start]))
    range->start++;
  while (range->end > range->start && is_space (text[range->end - 1]))
    range->end--;
}

static gboolean
range_is_blank (const char *text,
                Range       range)
{
  range_trim (text, &range);
  return range.start == range.end;
}

static void
add_range (GArray *array,
           gsize   start,
           gsize   end)
{
  Range range = { start, end };

  g_assert (start <= end);
  g_array_append_val (array, range);
}

/* Joins the trimmed, non-blank ranges with blank lines. NUL bytes cannot live
 * in a C string, so they are left out (the note says so) rather than
 * silently cutting the text short. */
static char *
join_ranges (const char *text,
             GArray     *ranges,
             guint      *n_pieces)
{
  GString *out = g_string_new (NULL);

  *n_pieces = 0;

  for (guint i = 0; i < ranges->len; i++)
    {
      Range range = g_array_index (ranges, Range, i);

      range_trim (text, &range);
      if (range.start == range.end)
        continue;

      if (out->len > 0)
        g_string_append (out, "\n\n");

      for (gsize pos = range.start; pos < range.end; )
        {
          const char *nul = memchr (text + pos, '\0', range.end - pos);
          gsize stop = nul != NULL ? (gsize) (nul - text) : range.end;

          g_string_append_len (out, text + pos, stop - pos);
          pos = nul != NULL ? stop + 1 : stop;
        }

      (*n_pieces)++;
    }

  return g_string_free (out, FALSE);
}

/* Tags family: <think>…</think> and [THINK]…[/THINK]. Shared by the
 * Sky-T1 thought tags, whose answer is then narrowed to the solution. */
static void
split_blocks (Parser    *p,
              const Tag *open,
              const Tag *close)
{
  gssize first_open = find_tag (p->text, 0, p->len, open);
  gssize first_close = find_tag (p->text, 0, p->len, close);
  gsize pos = 0;
  guint n_stray = 0;

  if (first_close >= 0 && (first_open < 0 || first_close < first_open))
    {
      p->style = MT_THINK_STYLE_MISSING_OPENER;
      add_range (p->reasoning, 0, first_close);
      p->n_blocks++;
      note_add (p, _("no opening tag: text before %s at byte %zd"
                     " is reasoning (output starts inside the thinking block)"),
                close->str, first_close);
      pos = first_close + close->len;
    }

  while (pos < p->len)
    {
      gssize o = find_tag (p->text, pos, p->len, open);
      gssize c;
      gsize body;

      if (o < 0)
        break;

      add_range (p->outside, pos, o);
      body = o + open->len;
      c = find_tag (p->text, body, p->len, close);
      p->n_blocks++;

      if (c < 0)
        {
          add_range (p->reasoning, body, p->len);
          p->closed = FALSE;
          note_add (p, g_dngettext (GETTEXT_PACKAGE,
                                    "thinking block opened by %s at byte %zd never closes:"
                                    " all %zu byte after it is reasoning (cut at the token cap?)",
                                    "thinking block opened by %s at byte %zd never closes:"
                                    " all %zu bytes after it are reasoning (cut at the token cap?)",
                                    p->len - body),
                    open->str, o, p->len - body);
          pos = p->len;
          break;
        }

      add_range (p->reasoning, body, c);
      if (p->n_blocks <= MAX_DETAILED)
        note_add (p, _("found %s at byte %zd and %s at byte %zd"),
                  open->str, o, close->str, c);
      pos = c + close->len;
    }

  if (pos < p->len)
    add_range (p->outside, pos, p->len);

  if (p->n_blocks > MAX_DETAILED)
    note_add (p, _("%u more thinking blocks after these"), p->n_blocks - MAX_DETAILED);

  /* A close tag in the answer usually means the model echoed one or the
   * blocks were nested; the text is kept as it is, but the user should know. */
  for (guint i = 0; i < p->outside->len; i++)
    {
      Range range = g_array_index (p->outside, Range, i);
      gsize from = range.start;
      gssize c;

      while ((c = find_tag (p->text, from, range.end, close)) >= 0)
        {
          if (n_stray == 0)
            note_add (p, _("stray %s at byte %zd left in the answer"),
                      close->str, c);
          n_stray++;
          from = c + close->len;
        }
    }
  if (n_stray > 1)
    note_add (p, _("%u stray %s tags in the answer in all"), n_stray, close->str);
}

/* Sky-T1 / OpenThoughts put the final answer between solution tags; text
 * around them is framing, so when they are present only their content is the
 * answer. Without them, everything outside the thought is. */
static void
narrow_to_solution (Parser *p)
{
  const Tag tags[2] = { solution_open, solution_close };
  g_autoptr(GArray) solutions = g_array_new (FALSE, FALSE, sizeof (Range));
  gsize dropped = 0;
  guint n_found = 0;

  for (guint i = 0; i < p->outside->len; i++)
    {
      Range range = g_array_index (p->outside, Range, i);
      gsize pos = range.start;

      while (pos < range.end)
        {
          guint which = 0;
          gssize t = find_tags (p->text, pos, range.end, tags, 2, &which);
          Range skipped;

          if (t < 0)
            break;

          skipped.start = pos;
          skipped.end = t;
          range_trim (p->text, &skipped);
          dropped += skipped.end - skipped.start;
          n_found++;

          if (which == 1)
            {
              /* Close with no open: the solution began where this piece did. */
              add_range (solutions, pos, t);
              if (n_found <= MAX_DETAILED)
                note_add (p, _("%s at byte %zd has no %s: the text before it"
                               " is the solution"), solution_close.str, t, solution_open.str);
              pos = t + solution_close.len;
            }
          else
            {
              gsize body = t + solution_open.len;
              gssize c = find_tag (p->text, body, range.end, &solution_close);

              if (c < 0)
                {
                  add_range (solutions, body, range.end);
                  if (n_found <= MAX_DETAILED)
                    note_add (p, _("solution opened by %s at byte %zd"
                                   " never closes: the rest is the answer"), solution_open.str, t);
                  pos = range.end;
                }
              else
                {
                  add_range (solutions, body, c);
                  if (n_found <= MAX_DETAILED)
                    note_add (p, _("solution between %s at byte %zd and %s at byte %zd"),
                              solution_open.str, t, solution_close.str, c);
                  pos = c + solution_close.len;
                }
            }
        }

      if (n_found > 0 && pos < range.end)
        {
          Range rest = { pos, range.end };

          range_trim (p->text, &rest);
          dropped += rest.end - rest.start;
        }
      else if (n_found == 0)
        {
          Range whole = range;

          range_trim (p->text, &whole);
          dropped += whole.end - whole.start;
        }
    }

  if (n_found == 0)
    return;

  g_array_set_size (p->outside, 0);
  g_array_append_vals (p->outside, solutions->data, solutions->len);

  if (dropped > 0)
    note_add (p, g_dngettext (GETTEXT_PACKAGE,
                              "%zu byte of text outside the solution tags left out",
                              "%zu bytes of text outside the solution tags left out",
                              dropped),
              dropped);
}

/* Returns the length of the channel name that starts at @from: it ends at
 * whitespace, at the next special token or at @end. */
static gsize
channel_name_len (const char *text,
                  gsize       from,
                  gsize       end)
{
  gsize pos = from;

  while (pos < end && !g_ascii_isspace (text[pos]) && text[pos] != '<')
    pos++;

  return pos - from;
}

static gboolean
name_is (const char *text,
         gsize       start,
         gsize       len,
         const char *name)
{
  return len == strlen (name) && memcmp (text + start, name, len) == 0;
}

typedef struct
{
  gssize       offset;
  HarmonyToken token;
} Token;

/* GPT-OSS harmony: <|start|>ROLE<|channel|>NAME<|message|>TEXT<|end|>.
 * The text is first cut into its special tokens, then read as a sequence of
 * messages; analysis and commentary messages are reasoning, final messages
 * are the answer. Everything the format lets a sampler drop (the role
 * header, <|end|>, <|return|>) is optional. */
static void
split_harmony (Parser *p)
{
  g_autoptr(GArray) tokens = g_array_new (FALSE, FALSE, sizeof (Token));
  gsize pos = 0;
  gssize header = -1;          /* first <|start|> since the last message */
  guint n_messages = 0;
  guint n_final = 0;
  guint n_other = 0;
  gboolean last_open = FALSE;  /* last reasoning message ran to the end */

  p->style = MT_THINK_STYLE_HARMONY;

  for (;;)
    {
      guint which = 0;
      gssize t = find_tags (p->text, pos, p->len, harmony_tags, N_HARMONY_TOKENS, &which);
      Token token;

      if (t < 0)
        break;
      token.offset = t;
      token.token = which;
      g_array_append_val (tokens, token);
      pos = t + harmony_tags[which].len;
    }

  pos = 0;
  for (guint i = 0; i < tokens->len; i++)
    {
      Token tok = g_array_index (tokens, Token, i);
      gsize tok_end = tok.offset + harmony_tags[tok.token].len;
      gsize name_start, name_len, body, body_end;
      const char *ended_by = NULL;
      gboolean reasoning;
      guint j;

      if (tok.token == HARMONY_START)
        {
          if (header < 0)
            header = tok.offset;
          continue;
        }

      if (tok.token == HARMONY_END || tok.token == HARMONY_RETURN ||
          tok.token == HARMONY_CALL || tok.token == HARMONY_CONSTRAIN)
        {
          Range gap = { pos, header >= 0 ? (gsize) header : (gsize) tok.offset };

          /* The prompt may end in "<|channel|>analysis<|message|>", so the
           * completion starts inside a message whose header it never shows.
           * Only a final message ends in <|return|>, so that one is the answer. */
          if (n_messages == 0 && header < 0 && tok.token != HARMONY_CONSTRAIN &&
              !range_is_blank (p->text, gap))
            {
              n_messages++;
              if (tok.token == HARMONY_RETURN)
                {
                  add_range (p->outside, gap.start, gap.end);
                  n_final++;
                  note_add (p, _("text before <|return|> at byte %zd has no"
                                 " message header: taken as the answer (output starts inside the"
                                 " final message)"), tok.offset);
                }
              else
                {
                  add_range (p->reasoning, gap.start, gap.end);
                  p->n_blocks++;
                  note_add (p, _("text before %s at byte %zd has no message"
                                 " header: taken as reasoning (output starts inside the analysis"
                                 " message)"), harmony_tags[tok.token].str, tok.offset);
                }
            }
          else
            {
              add_range (p->outside, gap.start, gap.end);
            }

          pos = tok_end;
          header = -1;
          continue;
        }

      /* A <|channel|> or a bare <|message|> starts a message. */
      if (header >= 0)
        {
          add_range (p->outside, pos, header);
          header = -1;
        }
      else
        {
          add_range (p->outside, pos, tok.offset);
        }

      if (tok.token == HARMONY_CHANNEL)
        {
          name_start = tok_end;
          name_len = channel_name_len (p->text, name_start, p->len);
          body = name_start + name_len;

          /* The header runs to <|message|>, past any "to=…" or
           * <|constrain|>; if another message or the text ends first, the
           * message token was dropped and the body follows the name. */
          for (j = i + 1; j < tokens->len; j++)
            {
              Token next = g_array_index (tokens, Token, j);

              if (next.token == HARMONY_MESSAGE)
                {
                  body = next.offset + harmony_tags[HARMONY_MESSAGE].len;
                  i = j;
                  break;
                }
              if (next.token != HARMONY_CONSTRAIN)
                break;
            }
        }
      else
        {
          name_start = tok.offset;
          name_len = 0;
          body = tok_end;
        }

      body_end = p->len;
      for (j = i + 1; j < tokens->len; j++)
        {
          Token next = g_array_index (tokens, Token, j);

          if (next.token == HARMONY_END || next.token == HARMONY_RETURN ||
              next.token == HARMONY_CALL)
            {
              body_end = next.offset;
              ended_by = harmony_tags[next.token].str;
              pos = next.offset + harmony_tags[next.token].len;
              i = j;
              break;
            }
          if (next.token == HARMONY_START || next.token == HARMONY_CHANNEL)
            {
              body_end = next.offset;
              pos = next.offset;
              i = j - 1;
              break;
            }
        }
      if (j >= tokens->len)
        {
          pos = p->len;
          i = tokens->len;
        }

      n_messages++;
      reasoning = name_is (p->text, name_start, name_len, "analysis") ||
                  name_is (p->text, name_start, name_len, "commentary");

      if (reasoning)
        {
          const char *name = name_is (p->text, name_start, name_len, "analysis") ?
                             "analysis" : "commentary";

          add_range (p->reasoning, body, body_end);
          p->n_blocks++;
          last_open = body_end == p->len && ended_by == NULL;

          if (p->n_blocks <= MAX_DETAILED && ended_by != NULL)
            /* Translators: the first %s is a channel name, "analysis" */
            note_add (p, _("%s message at byte %zd ends with %s at byte %zu"),
                      name, tok.offset, ended_by, body_end);
          else if (p->n_blocks <= MAX_DETAILED && last_open)
            note_add (p, g_dngettext (GETTEXT_PACKAGE,
                                      "%s message at byte %zd runs to the end of the text:"
                                      " all %zu byte after it is reasoning (cut at the token cap?)",
                                      "%s message at byte %zd runs to the end of the text:"
                                      " all %zu bytes after it are reasoning"
                                      " (cut at the token cap?)",
                                      body_end - body),
                      name, tok.offset, body_end - body);
          else if (p->n_blocks <= MAX_DETAILED)
            note_add (p, _("%s message at byte %zd has no <|end|>: it ends"
                           " where the next message starts at byte %zu"),
                      name, tok.offset, body_end);
        }
      else
        {
          gboolean final = name_is (p->text, name_start, name_len, "final");

          add_range (p->outside, body, body_end);
          last_open = FALSE;

          if (final)
            n_final++;
          else
            n_other++;

          if (!final && n_other <= MAX_DETAILED)
            note_add (p, _("message at byte %zd is on no known channel:"
                           " kept in the answer"), tok.offset);
          else if (final && n_final <= MAX_DETAILED && ended_by != NULL)
            note_add (p, _("final message at byte %zd ends with %s at byte %zu"),
                      tok.offset, ended_by, body_end);
          else if (final && n_final <= MAX_DETAILED && body_end == p->len)
            note_add (p, _("final message at byte %zd runs to the end of the"
                           " text (no <|return|>)"), tok.offset);
          else if (final && n_final <= MAX_DETAILED)
            note_add (p, _("final message at byte %zd has no <|return|>: it"
                           " ends where the next message starts at byte %zu"),
                      tok.offset, body_end);
        }
    }

  if (pos < p->len)
    add_range (p->outside, pos, header >= 0 ? (gsize) header : p->len);

  if (p->n_blocks > MAX_DETAILED)
    note_add (p, _("%u more reasoning messages after these"), p->n_blocks - MAX_DETAILED);
  if (n_final > MAX_DETAILED)
    note_add (p, _("%u more final messages after these"), n_final - MAX_DETAILED);
  if (n_final == 0)
    note_add (p, "%s", _("no final message"));

  p->closed = !last_open;
}

static Family
detect_family (const char *text,
               gsize       len,
               gssize     *offset)
{
  static const Tag markers[] = {
    TAG ("<think>"), TAG ("</think>"),
    TAG ("[THINK]"), TAG ("[/THINK]"),
    TAG ("<|begin_of_thought|>"), TAG ("<|end_of_thought|>"),
    TAG ("<|channel|>"),
  };
  static const Family families[] = {
    FAMILY_THINK, FAMILY_THINK,
    FAMILY_BRACKETS, FAMILY_BRACKETS,
    FAMILY_THOUGHT, FAMILY_THOUGHT,
    FAMILY_HARMONY,
  };
  guint which = 0;

  G_STATIC_ASSERT (G_N_ELEMENTS (markers) == G_N_ELEMENTS (families));

  *offset = find_tags (text, 0, len, markers, G_N_ELEMENTS (markers), &which);
  return *offset >= 0 ? families[which] : FAMILY_THINK;
}

/* Closes the note with what became of the blocks and of the answer, in the
 * words of the format: harmony has messages, the others have blocks. */
static void
note_summary (Parser             *p,
              const MtThinkSplit *split,
              guint               n_reasoning_pieces,
              guint               n_answer_pieces)
{
  gboolean harmony = p->style == MT_THINK_STYLE_HARMONY;
  gsize answer_len = strlen (split->answer);

  if (p->n_blocks == 0)
    return;

  if (p->n_blocks > 1)
    note_add (p, harmony ? _("%u reasoning messages joined") : _("%u thinking blocks joined"),
              p->n_blocks);
  if (n_reasoning_pieces == 0)
    /* Translators: %s is "all of the reasoning is" or "the reasoning is" */
    note_add (p, _("%s empty (thinking switched off?)"),
              p->n_blocks > 1 ? _("all of the reasoning is") : _("the reasoning is"));

  if (n_answer_pieces == 0)
    {
      /* Harmony has already said "no final message"; an unclosed block has
       * already said why nothing follows it. */
      if (p->closed && !harmony)
        note_add (p, "%s", _("no answer after the thinking"));
    }
  else if (harmony)
    {
      if (n_answer_pieces > 1)
        note_add (p, g_dngettext (GETTEXT_PACKAGE,
                                  "answer joined from %u messages (%zu byte)",
                                  "answer joined from %u messages (%zu bytes)",
                                  answer_len),
                  n_answer_pieces, answer_len);
    }
  else if (n_answer_pieces == 1 && p->n_blocks == 1)
    {
      Range block = g_array_index (p->reasoning, Range, 0);
      gboolean after = TRUE;

      for (guint i = 0; i < p->outside->len; i++)
        {
          Range piece = g_array_index (p->outside, Range, i);

          if (!range_is_blank (p->text, piece))
            after = piece.start >= block.end;
        }

      /* Translators: where the answer is, then its length, "answer after it (12 bytes)" */
      note_add (p, g_dngettext (GETTEXT_PACKAGE, "%s (%zu byte)", "%s (%zu bytes)", answer_len),
                after ? _("answer after it") : _("answer is the text before the thinking"),
                answer_len);
    }
  else
    {
      /* Translators: the answer's pieces, then its length and "byte" or
       * "bytes" as translated just below */
      note_add (p, g_dngettext (GETTEXT_PACKAGE,
                                "answer joined from %u piece of text outside the thinking"
                                " (%zu %s)",
                                "answer joined from %u pieces of text outside the thinking"
                                " (%zu %s)",
                                n_answer_pieces),
                n_answer_pieces, answer_len,
                /* Translators: the unit of an answer's length, "(12 bytes)" */
                g_dngettext (GETTEXT_PACKAGE, "byte", "bytes", answer_len));
    }
}

/**
 * mt_think_split:
 * @text: (array length=len): the completion
 * @len: length of @text in bytes, or -1 if it is NUL-terminated
 * @flags: what the prompt already did
 *
 * Splits a completion into reasoning and answer. The tag family whose tag
 * comes first in @text decides the format; with no tag at all the text is a
 * plain answer, or an unfinished reasoning block under
 * %MT_THINK_FLAGS_STARTS_INSIDE.
 *
 * With @len >= 0, NUL bytes in the text are parsed like any other byte (tags
 * after them are still found, and offsets in the note count them) but are
 * left out of the returned strings, and the note says how many were.
 *
 * Returns: (transfer full): the split; free with mt_think_split_free()
 */
MtThinkSplit *
mt_think_split (const char   *text,
                gssize        len,
                MtThinkFlags  flags)
{
  Parser p = { 0, };
  MtThinkSplit *split;
  Family family;
  gssize first_tag;
  guint n_answer_pieces = 0;
  guint n_reasoning_pieces = 0;
  gsize n_nul = 0;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (text == NULL)
    text = "";

  p.text = text;
  p.len = len < 0 ? strlen (text) : (gsize) len;
  p.flags = flags;
  p.reasoning = g_array_new (FALSE, FALSE, sizeof (Range));
  p.outside = g_array_new (FALSE, FALSE, sizeof (Range));
  p.note = g_string_new (NULL);
  p.closed = TRUE;

  family = detect_family (p.text, p.len, &first_tag);

  if (first_tag < 0)
    {
      if (flags & MT_THINK_FLAGS_STARTS_INSIDE)
        {
          p.style = MT_THINK_STYLE_MISSING_OPENER;
          add_range (p.reasoning, 0, p.len);
          p.n_blocks = 1;
          p.closed = FALSE;
          note_add (&p, g_dngettext (GETTEXT_PACKAGE,
                                     "no tags, and the prompt opened the thinking block: it never"
                                     " closes, so all %zu byte is reasoning"
                                     " (cut at the token cap?)",
                                     "no tags, and the prompt opened the thinking block: it never"
                                     " closes, so all %zu bytes are reasoning"
                                     " (cut at the token cap?)",
                                     p.len),
                    p.len);
        }
      else
        {
          p.style = MT_THINK_STYLE_NONE;
          add_range (p.outside, 0, p.len);
          note_add (&p, g_dngettext (GETTEXT_PACKAGE,
                                     "no thinking tags: all %zu byte is the answer",
                                     "no thinking tags: all %zu bytes are the answer",
                                     p.len),
                    p.len);
        }
    }
  else
    {
      switch (family)
        {
        case FAMILY_THINK:
          p.style = MT_THINK_STYLE_TAGS;
          split_blocks (&p, &think_open, &think_close);
          break;

        case FAMILY_BRACKETS:
          p.style = MT_THINK_STYLE_BRACKETS;
          split_blocks (&p, &bracket_open, &bracket_close);
          break;

        case FAMILY_THOUGHT:
          p.style = MT_THINK_STYLE_THOUGHT;
          split_blocks (&p, &thought_open, &thought_close);
          narrow_to_solution (&p);
          break;

        case FAMILY_HARMONY:
        default:
          split_harmony (&p);
          break;
        }
    }

  split = g_new0 (MtThinkSplit, 1);
  split->style = p.style;
  split->reasoning = join_ranges (p.text, p.reasoning, &n_reasoning_pieces);
  split->answer = join_ranges (p.text, p.outside, &n_answer_pieces);
  split->n_blocks = p.n_blocks;
  split->closed = p.closed;

  note_summary (&p, split, n_reasoning_pieces, n_answer_pieces);

  for (const char *nul = memchr (p.text, '\0', p.len); nul != NULL;
       nul = memchr (nul + 1, '\0', p.len - (nul + 1 - p.text)))
    n_nul++;
  if (n_nul > 0)
    note_add (&p, g_dngettext (GETTEXT_PACKAGE,
                               "the text holds %zu NUL byte, left out of the output",
                               "the text holds %zu NUL bytes, left out of the output",
                               n_nul),
              n_nul);

  split->note = g_string_free (p.note, FALSE);
  g_array_unref (p.reasoning);
  g_array_unref (p.outside);

  return split;
}

/**
 * mt_think_split_free:
 * @split: (nullable): a split
 *
 * Frees @split and its strings.
 */
void
mt_think_split_free (MtThinkSplit *split)
{
  if (split == NULL)
    return;

  g_free (split->reasoning);
  g_free (split->answer);
  g_free (split->note);
  g_free (split);
}
