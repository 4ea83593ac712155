/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-enums.h"

G_BEGIN_DECLS

/* The texts of "Are Large Reasoning Models Interruptible?" (Wu et al., 2025),
 * from its prompt files (github.com/dynamic-lm/interrupt-lrm, Apache-2.0),
 * compiled in so the protocol cannot drift; test-render proves they equal
 * the files byte for byte. */

/* interrupt/hard.json: the end-thinking interrupt. */
extern const char mt_interrupt_text_hard[];
extern const char mt_interrupt_system_hard[];
/* interrupt/extreme.json: the force-answer interrupt. */
extern const char mt_interrupt_text_force_answer[];
extern const char mt_interrupt_system_force_answer[];
/* interrupt/soft.json: the speedup interrupt; soft_user_turn.json shares
 * its system prompt and asks the same in the user's voice. */
extern const char mt_interrupt_text_speedup[];
extern const char mt_interrupt_system_speedup[];
extern const char mt_interrupt_text_speedup_user[];
/* intervene/wo_prompt_guidance.json: the bare update. */
extern const char mt_interrupt_text_update_prefix[];
extern const char mt_interrupt_text_update_suffix[];
extern const char mt_interrupt_system_update[];
/* intervene/w_prompt_guidance.json: the update with the self-reminder. */
extern const char mt_interrupt_text_guided_prefix[];
extern const char mt_interrupt_text_guided_suffix[];
extern const char mt_interrupt_system_guided[];
/* intervene/speedup.json: an update that also asks for haste. */
extern const char mt_interrupt_text_update_speedup_prefix[];
extern const char mt_interrupt_text_update_speedup_suffix[];
extern const char mt_interrupt_system_update_speedup[];
/* intervene/user_turn.json: an update delivered as a user turn. */
extern const char mt_interrupt_system_update_user[];
/* s1 budget forcing (Muennighoff et al., 2025): not a paper file. */
extern const char mt_interrupt_text_budget_wait[];

/* One prompt file of the paper; a key the file lacks is NULL. */
typedef struct
{
  const char *path;             /* relative to the prompt folder, e.g. "interrupt/hard.json" */
  const char *system_prompt;
  const char *reasoning_prefix;
  const char *reasoning_suffix;
  const char *update_prefix;
  const char *update_suffix;
} MtPaperPrompt;

typedef enum
{
  MT_PAPER_PROMPT_HARD,
  MT_PAPER_PROMPT_EXTREME,
  MT_PAPER_PROMPT_SOFT,
  MT_PAPER_PROMPT_SOFT_USER_TURN,
  MT_PAPER_PROMPT_SPEEDUP,
  MT_PAPER_PROMPT_USER_TURN,
  MT_PAPER_PROMPT_W_PROMPT_GUIDANCE,
  MT_PAPER_PROMPT_WO_PROMPT_GUIDANCE,
  MT_N_PAPER_PROMPTS,
} MtPaperPromptId;

const MtPaperPrompt *mt_paper_prompt_get        (MtPaperPromptId  id);
/* The file the paper would run @kind in @role with, or NULL for kinds the
 * paper has no file for (budget forcing, NoThinking, custom). */
const MtPaperPrompt *mt_paper_prompt_for_kind   (MtInterruptKind  kind,
                                                 MtInterruptRole  role);
/* The scenario system prompt for @kind in @role, used for the oracle run
 * as well as the interrupted one; NULL when the kind has none. */
const char          *mt_interrupt_system_prompt (MtInterruptKind  kind,
                                                 MtInterruptRole  role);

G_END_DECLS
