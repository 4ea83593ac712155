/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "mt-interrupt-texts.h"
#include "mt-render.h"

G_DEFINE_QUARK (mt-render-error-quark, mt_render_error)

gboolean
mt_render_supports_role (MtInterruptKind kind,
                         MtInterruptRole role)
{
  g_return_val_if_fail (kind <= MT_INTERRUPT_CUSTOM, FALSE);
  g_return_val_if_fail (role <= MT_INTERRUPT_ROLE_USER, FALSE);

  if (role == MT_INTERRUPT_ROLE_ASSISTANT)
    return TRUE;

  return kind != MT_INTERRUPT_BUDGET_WAIT && kind != MT_INTERRUPT_NO_THINKING;
}

static gboolean
kind_requires_text (MtInterruptKind kind)
{
  return kind == MT_INTERRUPT_UPDATE || kind == MT_INTERRUPT_GUIDED_UPDATE ||
         kind == MT_INTERRUPT_UPDATE_SPEEDUP || kind == MT_INTERRUPT_CUSTOM;
}

/* Whether @text goes into the words at all: the paper only puts an update
 * where its mode is an update ("subsequent_intervene"), and a hard
 * interrupt in the user role may carry what the user said. */
static gboolean
kind_uses_text (MtInterruptKind kind,
                MtInterruptRole role)
{
  if (kind_requires_text (kind))
    return TRUE;

  return role == MT_INTERRUPT_ROLE_USER &&
         (kind == MT_INTERRUPT_HARD || kind == MT_INTERRUPT_FORCE_ANSWER);
}

guint
mt_render_token_index (double fraction,
                       guint  n_tokens)
{
  /* Python's int(X * T) truncates the binary64 product; volatile keeps the
   * product from being fused or held in wider registers first. */
  volatile double product;

  g_return_val_if_fail (fraction >= 0.0 && fraction <= 1.0, 0);

  /* The paper skips the cut at X = 1 unless the trace is over its cap. */
  if (fraction >= 1.0)
    return MIN (n_tokens, MT_RENDER_PAPER_MAX_TOKENS);

  product = fraction * (double) n_tokens;
  return (guint) product;
}

static guint32
token_start (const MtTokenSpans *spans,
             guint               index)
{
  guint32 start;

  if (index >= mt_token_spans_get_n_tokens (spans))
    return mt_token_spans_get_text_length (spans);

  mt_token_spans_get_span (spans, index, &start, NULL);
  return start;
}

/* The first token boundary at or after byte @offset: a sentence end inside
 * a token (".\n\n" is often one) keeps that whole token. */
static guint
token_at_or_after (const MtTokenSpans *spans,
                   guint32             offset)
{
  guint index;

  if (offset >= mt_token_spans_get_text_length (spans))
    return mt_token_spans_get_n_tokens (spans);

  index = mt_token_spans_lookup (spans, offset);
  return token_start (spans, index) == offset ? index : index + 1;
}

/* Where the sentence ending at @p ends: after ".", "?" or "!" followed by a
 * space, or before a blank line. Returns 0 when @p ends none. */
static gsize
sentence_end_at (const char *text,
                 gsize       length,
                 gsize       i)
{
  char c = text[i];

  if ((c == '.' || c == '?' || c == '!') && i + 1 < length && text[i + 1] == ' ')
    return i + 1;

  /* Only the first newline of a run, so "\n\n\n" is one boundary. */
  if (c == '\n' && i + 1 < length && text[i + 1] == '\n' && i > 0 && text[i - 1] != '\n')
    return i;

  return 0;
}

guint
mt_render_snap_to_sentence (const char         *text,
                            const MtTokenSpans *spans,
                            guint               token_index,
                            gboolean           *snapped)
{
  gsize length;
  guint best = token_index;
  guint best_distance = G_MAXUINT;

  g_return_val_if_fail (text != NULL, token_index);
  g_return_val_if_fail (spans != NULL, token_index);

  if (snapped != NULL)
    *snapped = FALSE;

  length = mt_token_spans_get_text_length (spans);
  g_return_val_if_fail (strlen (text) == length, token_index);

  for (gsize i = 0; i < length; i++)
    {
      gsize end = sentence_end_at (text, length, i);
      guint candidate, distance;

      if (end == 0)
        continue;

      candidate = token_at_or_after (spans, end);
      distance = candidate > token_index ? candidate - token_index : token_index - candidate;

      /* Boundaries come in order: once they move away, none comes closer.
       * On a tie the earlier one stays, keeping no more than was asked. */
      if (distance < best_distance)
        {
          best = candidate;
          best_distance = distance;
          if (snapped != NULL)
            *snapped = TRUE;
        }
      else if (candidate > token_index)
        break;
    }

  return best;
}

/* The byte where the kept reasoning ends. A token from a byte-level
 * tokenizer may start inside a character; the partial character is dropped
 * (a decoder would show U+FFFD), so the prompt stays valid UTF-8. */
static gsize
cut_offset (const char         *reasoning,
            const MtTokenSpans *spans,
            guint               token_index)
{
  gsize cut = token_start (spans, token_index);

  for (guint back = 0; back < 3 && cut > 0 && ((guchar) reasoning[cut] & 0xC0) == 0x80; back++)
    cut--;

  return cut;
}

static gboolean
resolve_position (const MtRenderInput  *input,
                  const MtTokenSpans   *spans,
                  MtRendered           *rendered,
                  GError              **error)
{
  const MtRenderPosition *position = &input->position;
  guint n_tokens = mt_token_spans_get_n_tokens (spans);
  guint k;

  switch (position->kind)
    {
    case MT_POSITION_FRACTION:
      if (isnan (position->fraction) || position->fraction < 0.0 || position->fraction > 1.0)
        {
          g_set_error (error, MT_RENDER_ERROR, MT_RENDER_ERROR_POSITION,
                       _("the interrupt position must be a fraction from 0 to 1, not %g"),
                       position->fraction);
          return FALSE;
        }
      k = mt_render_token_index (position->fraction, n_tokens);
      rendered->fraction = position->fraction;
      break;

    case MT_POSITION_TOKEN:
      k = MIN (position->token_index, n_tokens);
      break;

    default:
      g_set_error (error, MT_RENDER_ERROR, MT_RENDER_ERROR_POSITION,
                   _("unknown kind of interrupt position %d"), position->kind);
      return FALSE;
    }

  if (position->snap_to_sentence)
    k = mt_render_snap_to_sentence (input->reasoning, spans, k, &rendered->snapped);

  rendered->token_index = k;
  rendered->n_tokens = n_tokens;
  if (position->kind != MT_POSITION_FRACTION || rendered->snapped)
    rendered->fraction = n_tokens > 0 ? (double) k / n_tokens : 0.0;

  return TRUE;
}

static void
append_or_empty (GString    *out,
                 const char *text)
{
  if (text != NULL)
    g_string_append (out, text);
}

/* The model's own voice, inside the thinking block: the file's reasoning
 * prefix, the update wrapped in its update prefix and suffix, the reasoning
 * suffix, as the paper concatenates them. */
static void
append_assistant_words (GString         *out,
                        MtInterruptKind  kind,
                        const char      *text)
{
  const MtPaperPrompt *paper = mt_paper_prompt_for_kind (kind, MT_INTERRUPT_ROLE_ASSISTANT);

  if (kind == MT_INTERRUPT_BUDGET_WAIT)
    {
      g_string_append (out, mt_interrupt_text_budget_wait);
      return;
    }

  if (paper == NULL)
    {
      g_assert (kind == MT_INTERRUPT_CUSTOM);
      g_string_append (out, text);
      return;
    }

  append_or_empty (out, paper->reasoning_prefix);
  if (kind_uses_text (kind, MT_INTERRUPT_ROLE_ASSISTANT))
    {
      append_or_empty (out, paper->update_prefix);
      g_string_append (out, text);
      append_or_empty (out, paper->update_suffix);
    }
  append_or_empty (out, paper->reasoning_suffix);
}

static void
append_user_words (GString         *out,
                   MtInterruptKind  kind,
                   const char      *text)
{
  const MtPaperPrompt *paper = mt_paper_prompt_for_kind (kind, MT_INTERRUPT_ROLE_USER);

  if (paper != NULL)
    append_or_empty (out, paper->update_prefix);
  if (kind_uses_text (kind, MT_INTERRUPT_ROLE_USER) && text != NULL)
    g_string_append (out, text);
  if (paper != NULL)
    append_or_empty (out, paper->update_suffix);
}

/* NoThinking: an empty thinking block. Where the prompt already opened the
 * block (R1, Magistral) only the rest of it follows, without repeating the
 * whitespace the prompt ends with. */
static void
append_open_close (GString    *out,
                   MtFamily   *family,
                   const char *prompt,
                   gboolean    opened)
{
  const char *open_close = mt_family_get_open_close_reasoning (family);
  const char *open = mt_family_get_think_open (family);

  if (opened && g_str_has_prefix (open_close, open))
    {
      gsize len = strlen (prompt);
      gsize tail = 0;

      while (tail < len && g_ascii_isspace (prompt[len - tail - 1]))
        tail++;

      open_close += strlen (open);
      if (strncmp (open_close, prompt + len - tail, tail) == 0)
        open_close += tail;
    }

  g_string_append (out, open_close);
}

MtRendered *
mt_render_interrupt (MtFamily             *family,
                     const MtRenderInput  *input,
                     MtInterruptKind       kind,
                     MtInterruptRole       role,
                     const char           *text,
                     MtDomain              domain,
                     GError              **error)
{
  g_autoptr(MtTokenSpans) estimated = NULL;
  g_autoptr(MtRendered) rendered = NULL;
  g_autofree char *formatted = NULL;
  const MtTokenSpans *spans;
  const char *prompt;
  gboolean opened;
  gsize reasoning_length, cut;
  GString *out;

  g_return_val_if_fail (MT_IS_FAMILY (family), NULL);
  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (input->reasoning != NULL, NULL);
  g_return_val_if_fail (input->oracle_prompt != NULL || input->problem != NULL, NULL);
  g_return_val_if_fail (kind <= MT_INTERRUPT_CUSTOM, NULL);
  g_return_val_if_fail (role <= MT_INTERRUPT_ROLE_USER, NULL);
  g_return_val_if_fail (domain <= MT_DOMAIN_CODE, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!mt_render_supports_role (kind, role))
    {
      g_set_error (error, MT_RENDER_ERROR, MT_RENDER_ERROR_UNSUPPORTED,
                   _("a %s interrupt acts inside the model's own thinking and has no "
                     "user-turn form"), mt_interrupt_kind_to_string (kind));
      return NULL;
    }

  if (kind_requires_text (kind) && text == NULL)
    {
      g_set_error (error, MT_RENDER_ERROR, MT_RENDER_ERROR_MISSING_TEXT,
                   _("a %s interrupt needs the text to inject"),
                   mt_interrupt_kind_to_string (kind));
      return NULL;
    }

  reasoning_length = strlen (input->reasoning);
  if (input->spans != NULL)
    {
      if (mt_token_spans_get_text_length (input->spans) != reasoning_length)
        {
          g_set_error (error, MT_RENDER_ERROR, MT_RENDER_ERROR_SPANS,
                       _("the token spans cover %u bytes but the reasoning has %zu"),
                       mt_token_spans_get_text_length (input->spans), reasoning_length);
          return NULL;
        }
      spans = input->spans;
    }
  else
    spans = estimated = mt_tokenize_approx (input->reasoning, reasoning_length);

  rendered = g_new0 (MtRendered, 1);
  rendered->kind = kind;
  rendered->role = role;

  if (kind == MT_INTERRUPT_NO_THINKING)
    rendered->n_tokens = mt_token_spans_get_n_tokens (spans);
  else if (!resolve_position (input, spans, rendered, error))
    return NULL;

  if (input->oracle_prompt != NULL)
    prompt = input->oracle_prompt;
  else
    {
      const char *system = input->system;

      if (system == NULL)
        system = mt_interrupt_system_prompt (kind, role);
      prompt = formatted = mt_family_format_prompt (family, system, input->problem, domain,
                                                    input->date);
    }
  opened = mt_family_prompt_opens_thinking (family, prompt);

  out = g_string_new (prompt);
  rendered->prompt_end = out->len;

  if (kind == MT_INTERRUPT_NO_THINKING)
    {
      rendered->reasoning_start = rendered->reasoning_end = out->len;
      rendered->text_start = rendered->text_end = out->len;
      append_open_close (out, family, prompt, opened);
    }
  else
    {
      const char *marker, *prefix;

      /* The paper's thinking_token_check, so the kept reasoning sits inside
       * an open thinking block; pointless where the prompt opened it. */
      cut = cut_offset (input->reasoning, spans, rendered->token_index);
      mt_family_get_thinking_check (family, &marker, &prefix);
      if (!opened && g_strstr_len (input->reasoning, cut, marker) == NULL)
        g_string_append (out, prefix);

      rendered->reasoning_start = out->len;
      g_string_append_len (out, input->reasoning, cut);
      rendered->reasoning_end = out->len;

      if (role == MT_INTERRUPT_ROLE_ASSISTANT)
        {
          rendered->text_start = out->len;
          append_assistant_words (out, kind, text);
          rendered->text_end = out->len;

          if (kind == MT_INTERRUPT_HARD || kind == MT_INTERRUPT_FORCE_ANSWER)
            g_string_append (out, mt_family_get_close_reasoning (family, TRUE));
        }
      else
        {
          const char *before, *after;

          g_string_append (out, mt_family_get_close_reasoning (family, FALSE));
          mt_family_get_user_turn_parts (family, &before, &after);
          g_string_append (out, before);
          rendered->text_start = out->len;
          append_user_words (out, kind, text);
          rendered->text_end = out->len;
          g_string_append (out, after);

          /* In the second turn the model must answer without thinking. */
          if (kind == MT_INTERRUPT_HARD || kind == MT_INTERRUPT_FORCE_ANSWER)
            g_string_append (out, mt_family_get_open_close_reasoning (family));
        }

      if (kind == MT_INTERRUPT_FORCE_ANSWER)
        g_string_append (out, mt_family_get_answer_cue (family, domain));
    }

  rendered->length = out->len;
  rendered->prompt = g_string_free (out, FALSE);
  rendered->injected = g_strdup (rendered->prompt + rendered->reasoning_end);

  return g_steal_pointer (&rendered);
}

void
mt_rendered_free (MtRendered *rendered)
{
  if (rendered == NULL)
    return;

  g_free (rendered->prompt);
  g_free (rendered->injected);
  g_free (rendered);
}

MtInterrupt *
mt_rendered_create_interrupt (const MtRendered *rendered,
                              const char       *update)
{
  MtInterrupt *interrupt;

  g_return_val_if_fail (rendered != NULL, NULL);

  interrupt = mt_interrupt_new (rendered->kind, rendered->token_index, rendered->fraction);
  mt_interrupt_set_role (interrupt, rendered->role);
  mt_interrupt_set_text (interrupt, rendered->injected);
  if (update != NULL)
    mt_interrupt_set_update (interrupt, update);

  return interrupt;
}
