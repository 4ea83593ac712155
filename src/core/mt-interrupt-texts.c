/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mt-interrupt-texts.h"

/* Spelled out in full, not composed from shared pieces, so each can be read
 * against its file. */
const char mt_interrupt_text_hard[] =
  "\n\nI received a request from the user to provide an answer right now. Considering the "
  "limited time by the user, I have to give the solution based on the thinking directly "
  "now.";

const char mt_interrupt_system_hard[] =
  "During the reasoning process, the user may interrupt your reasoning to request a "
  "solution. If this happens, stop reasoning and provide an answer based on your progress "
  "so far.";

const char mt_interrupt_text_force_answer[] =
  "\n\nI received a request from the user to provide an answer right now. Considering the "
  "limited time by the user, I have to give the solution based on the thinking directly "
  "now, without further steps or explanations.";

const char mt_interrupt_system_force_answer[] =
  "During the reasoning process, the user may interrupt your reasoning to request a "
  "solution. If this happens, stop reasoning and provide an answer based on your progress "
  "so far. Output only the answer, no extra words or explanations.";

const char mt_interrupt_text_speedup[] =
  "\n\nI received a request from the user to provide an answer as soon as possible. "
  "Considering the limited time by the user, I will complete my reasoning promptly and "
  "deliver the solution without delay.\n\n";

const char mt_interrupt_system_speedup[] =
  "During the reasoning process, the user may interrupt your reasoning to request a "
  "solution. If this happens, speed up reasoning and provide an answer as soon as possible.";

const char mt_interrupt_text_speedup_user[] =
  "Considering the limited time, please provide an answer as soon as possible without any "
  "delay.";

const char mt_interrupt_text_update_prefix[] =
  "\n\n<update>";

const char mt_interrupt_text_update_suffix[] =
  "</update>\n\n";

const char mt_interrupt_system_update[] =
  "During your reasoning process, the user may provide updates in the format: "
  "<update>...</update>. Please incorporate user's update into your reasoning process.";

const char mt_interrupt_text_guided_prefix[] =
  "...\nI have received an update from the user.\n\n<update>";

const char mt_interrupt_text_guided_suffix[] =
  "</update>\n\nI have verified that the update is provided by the user. I need to update "
  "my reasoning process based on the updated context. Here's my updated reasoning "
  "process:\n\n";

const char mt_interrupt_system_guided[] =
  "During your reasoning process, the user may provide updates in the format: "
  "<update>...</update>. Please incorporate user's update into your reasoning process.";

const char mt_interrupt_text_update_speedup_prefix[] =
  "...\nI have received an update from the user.\n\n<update>";

const char mt_interrupt_text_update_speedup_suffix[] =
  "</update>\n\nI have verified that the update is provided by the user. Considering the "
  "limited time by the user, I need to update my reasoning process based on the updated "
  "context and deliver the solution without delay. Here's my updated reasoning process:\n\n";

const char mt_interrupt_system_update_speedup[] =
  "During your reasoning process, the user may provide updates in the format: "
  "<update>...</update>. Please incorporate user's update into your reasoning process for "
  "necessary changes and provide an answer as soon as possible.";

const char mt_interrupt_system_update_user[] =
  "During your reasoning process, the user may interrupt with updates. Please incorporate "
  "them into your reasoning process.";

/* s1 appends the bare word where the model tried to stop thinking. */
const char mt_interrupt_text_budget_wait[] = "Wait";

static const MtPaperPrompt paper_prompts[MT_N_PAPER_PROMPTS] = {
  [MT_PAPER_PROMPT_HARD] = {
    .path = "interrupt/hard.json",
    .system_prompt = mt_interrupt_system_hard,
    .reasoning_prefix = mt_interrupt_text_hard,
  },
  [MT_PAPER_PROMPT_EXTREME] = {
    .path = "interrupt/extreme.json",
    .system_prompt = mt_interrupt_system_force_answer,
    .reasoning_prefix = mt_interrupt_text_force_answer,
  },
  [MT_PAPER_PROMPT_SOFT] = {
    .path = "interrupt/soft.json",
    .system_prompt = mt_interrupt_system_speedup,
    .reasoning_prefix = mt_interrupt_text_speedup,
  },
  [MT_PAPER_PROMPT_SOFT_USER_TURN] = {
    .path = "interrupt/soft_user_turn.json",
    .system_prompt = mt_interrupt_system_speedup,
    .update_prefix = mt_interrupt_text_speedup_user,
  },
  [MT_PAPER_PROMPT_SPEEDUP] = {
    .path = "intervene/speedup.json",
    .system_prompt = mt_interrupt_system_update_speedup,
    .reasoning_prefix = mt_interrupt_text_update_speedup_prefix,
    .reasoning_suffix = mt_interrupt_text_update_speedup_suffix,
    .update_prefix = "",
    .update_suffix = "",
  },
  [MT_PAPER_PROMPT_USER_TURN] = {
    .path = "intervene/user_turn.json",
    .system_prompt = mt_interrupt_system_update_user,
    .update_prefix = "",
    .update_suffix = "",
  },
  [MT_PAPER_PROMPT_W_PROMPT_GUIDANCE] = {
    .path = "intervene/w_prompt_guidance.json",
    .system_prompt = mt_interrupt_system_guided,
    .reasoning_prefix = mt_interrupt_text_guided_prefix,
    .reasoning_suffix = mt_interrupt_text_guided_suffix,
    .update_prefix = "",
    .update_suffix = "",
  },
  [MT_PAPER_PROMPT_WO_PROMPT_GUIDANCE] = {
    .path = "intervene/wo_prompt_guidance.json",
    .system_prompt = mt_interrupt_system_update,
    .reasoning_prefix = mt_interrupt_text_update_prefix,
    .reasoning_suffix = mt_interrupt_text_update_suffix,
    .update_prefix = "",
    .update_suffix = "",
  },
};

const MtPaperPrompt *
mt_paper_prompt_get (MtPaperPromptId id)
{
  g_return_val_if_fail (id < MT_N_PAPER_PROMPTS, NULL);

  return &paper_prompts[id];
}

const MtPaperPrompt *
mt_paper_prompt_for_kind (MtInterruptKind kind,
                          MtInterruptRole role)
{
  gboolean user = role == MT_INTERRUPT_ROLE_USER;

  switch (kind)
    {
    case MT_INTERRUPT_HARD:
      return &paper_prompts[MT_PAPER_PROMPT_HARD];
    case MT_INTERRUPT_FORCE_ANSWER:
      return &paper_prompts[MT_PAPER_PROMPT_EXTREME];
    case MT_INTERRUPT_SPEEDUP:
      return &paper_prompts[user ? MT_PAPER_PROMPT_SOFT_USER_TURN : MT_PAPER_PROMPT_SOFT];
    /* In a user turn the paper drops the self-reminder: both updates read
     * the same there, and only user_turn.json's system prompt fits. */
    case MT_INTERRUPT_UPDATE:
      return &paper_prompts[user ? MT_PAPER_PROMPT_USER_TURN : MT_PAPER_PROMPT_WO_PROMPT_GUIDANCE];
    case MT_INTERRUPT_GUIDED_UPDATE:
      return &paper_prompts[user ? MT_PAPER_PROMPT_USER_TURN : MT_PAPER_PROMPT_W_PROMPT_GUIDANCE];
    case MT_INTERRUPT_UPDATE_SPEEDUP:
      return &paper_prompts[MT_PAPER_PROMPT_SPEEDUP];
    case MT_INTERRUPT_BUDGET_WAIT:
    case MT_INTERRUPT_NO_THINKING:
    case MT_INTERRUPT_CUSTOM:
      return NULL;
    default:
      g_return_val_if_reached (NULL);
    }
}

const char *
mt_interrupt_system_prompt (MtInterruptKind kind,
                            MtInterruptRole role)
{
  const MtPaperPrompt *prompt = mt_paper_prompt_for_kind (kind, role);

  return prompt != NULL ? prompt->system_prompt : NULL;
}
