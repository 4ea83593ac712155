/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-enums.h"
#include "mt-family.h"
#include "mt-interrupt.h"
#include "mt-tokens.h"

G_BEGIN_DECLS

#define MT_RENDER_ERROR (mt_render_error_quark ())

typedef enum
{
  MT_RENDER_ERROR_POSITION,     /* a fraction outside 0..1 or not a number */
  MT_RENDER_ERROR_SPANS,        /* the token spans do not cover the reasoning text */
  MT_RENDER_ERROR_MISSING_TEXT, /* an update or custom interrupt without its text */
  MT_RENDER_ERROR_UNSUPPORTED,  /* a kind that has no form in the chosen role */
} MtRenderError;

GQuark mt_render_error_quark (void);

/* The paper never keeps more than this many reasoning tokens when it
 * interrupts at X = 1 (format_subsequent_input_prompt). */
#define MT_RENDER_PAPER_MAX_TOKENS 130000

typedef enum
{
  MT_POSITION_FRACTION,  /* k = int(X * T), exactly as the paper */
  MT_POSITION_TOKEN,     /* k given as a token count, e.g. a thinking budget */
} MtPositionKind;

typedef struct
{
  MtPositionKind kind;
  double         fraction;          /* X in 0..1, for MT_POSITION_FRACTION */
  guint          token_index;       /* k, for MT_POSITION_TOKEN; past the end means T */
  gboolean       snap_to_sentence;  /* then move k to the nearest sentence end */
} MtRenderPosition;

/* What the oracle run was. */
typedef struct
{
  /* The scenario system prompt for a prompt built from the family's
   * template: NULL for the kind's own (mt_interrupt_system_prompt()), ""
   * for none. Ignored when @oracle_prompt is set. */
  const char         *system;
  /* The problem as the user wrote it; formatted by the family. */
  const char         *problem;
  /* The formatted prompt exactly as the oracle was sent it, when known:
   * it is used verbatim and @system and @problem are ignored. */
  const char         *oracle_prompt;
  /* The oracle's reasoning: what the model wrote after the prompt and
   * before its close tag, with or without the opening tag. */
  const char         *reasoning;
  /* Token spans over @reasoning; NULL for the approximate tokenizer. */
  const MtTokenSpans *spans;
  MtRenderPosition    position;
  /* Fills "{date}" in templates that have it (gpt-oss); NULL for today. */
  const char         *date;
} MtRenderInput;

/* A rendered interrupt. The prompt is cut in consecutive parts, as byte
 * offsets into @prompt:
 *   [0, prompt_end)                  the formatted prompt
 *   [prompt_end, reasoning_start)    an opening tag put back (the paper's
 *                                    thinking_token_check), often empty
 *   [reasoning_start, reasoning_end) the kept reasoning r[:k]
 *   [reasoning_end, length)          the injected text: @injected
 * and [text_start, text_end) inside the injected text holds the
 * interrupt's own words (in the user turn for the user role). */
typedef struct
{
  char            *prompt;
  char            *injected;
  MtInterruptKind  kind;
  MtInterruptRole  role;
  guint            token_index;     /* k, after snapping */
  guint            n_tokens;        /* T */
  double           fraction;        /* X as asked, or k / T once snapped or given as k */
  gboolean         snapped;
  gsize            prompt_end;
  gsize            reasoning_start;
  gsize            reasoning_end;
  gsize            text_start;
  gsize            text_end;
  gsize            length;
} MtRendered;

/* Rebuilds the prompt that interrupts the oracle at @input->position with
 * @kind, as the paper's format_subsequent_input_prompt() does:
 *
 *  - assistant role: prompt + r[:k] + the kind's words in the model's
 *    voice; hard then closes the thinking block, force-answer closes it and
 *    adds the answer cue for @domain; speedup, the updates, budget forcing
 *    and custom leave it open;
 *  - user role: prompt + r[:k] + close + a user turn with the words; hard
 *    (and force-answer) then also forbid further thinking with an empty
 *    thinking block.
 *
 * @text is the update for the update kinds and the user's words for a
 * custom interrupt (both required), and the user turn's words for a hard
 * or force-answer interrupt in the user role (may be NULL); other kinds
 * ignore it. NoThinking ignores the position: it closes an empty thinking
 * block at k = 0.
 *
 * Budget forcing appends "Wait" and leaves the thinking open: to force
 * further rounds the caller stops generation at the family's end of
 * thinking (mt_family_get_end_of_thinking()), which the model would
 * otherwise write, and renders again from the new reasoning. */
MtRendered  *mt_render_interrupt          (MtFamily            *family,
                                           const MtRenderInput *input,
                                           MtInterruptKind      kind,
                                           MtInterruptRole      role,
                                           const char          *text,
                                           MtDomain             domain,
                                           GError             **error);
void         mt_rendered_free             (MtRendered          *rendered);
/* The record of what was done, for a branch. */
MtInterrupt *mt_rendered_create_interrupt (const MtRendered    *rendered,
                                           const char          *update);

/* Whether @kind has a form in @role: budget forcing and NoThinking act
 * inside the model's own turn only. */
gboolean     mt_render_supports_role      (MtInterruptKind      kind,
                                           MtInterruptRole      role);

/* k = int(X * T): the double product truncated, as Python's int() does, so
 * 0.7 * 90 = 62.99999999999999 gives 62 as it did for the paper. X = 1
 * keeps everything up to MT_RENDER_PAPER_MAX_TOKENS. */
guint        mt_render_token_index        (double               fraction,
                                           guint                n_tokens);
/* The token index nearest @token_index at which a sentence ends in @text
 * (". ", "? ", "! " or a blank line), or @token_index when there is none. */
guint        mt_render_snap_to_sentence   (const char          *text,
                                           const MtTokenSpans  *spans,
                                           guint                token_index,
                                           gboolean            *snapped);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtRendered, mt_rendered_free)

G_END_DECLS
