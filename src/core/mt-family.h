/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-enums.h"
#include "mt-trace.h"

G_BEGIN_DECLS

#define MT_TYPE_FAMILY (mt_family_get_type ())

G_DECLARE_FINAL_TYPE (MtFamily, mt_family, MT, FAMILY, GObject)

/* The newest family file format this build reads. */
#define MT_FAMILY_FORMAT_VERSION 1

/* A model family: how to write a raw /v1/completions prompt for it, how its
 * thinking block opens and closes, and the paper's strings for interrupting
 * it. Loaded from a JSON file (data/families/ is built in; the user's own
 * live in $XDG_CONFIG_HOME/midthought/families/) and immutable afterwards,
 * so one instance can be shared between threads. */
MtFamily            *mt_family_new_from_data             (const char     *data,
                                                          gssize          length,
                                                          GError        **error);
MtFamily            *mt_family_new_from_file             (GFile          *file,
                                                          GError        **error);
/* One of the families compiled into Midthought, or NULL. */
MtFamily            *mt_family_new_builtin               (const char     *name);
/* The names of the built-in families, sorted. */
const char * const  *mt_family_get_builtin_names         (void);

/* The built-in families, then every *.json in @user_dir (NULL for
 * $XDG_CONFIG_HOME/midthought/families); a user file replaces the built-in
 * of the same name. A user file that cannot be loaded is skipped and its
 * error, naming the file, added to @problems (when not NULL). Sorted by
 * name. */
GPtrArray           *mt_family_load_all                  (const char     *user_dir,
                                                          GPtrArray     **problems);
/* The family in @families whose detection rules match @model_name best,
 * or the one named "chatml" when none does; NULL only if neither exists. */
MtFamily            *mt_family_detect_in                 (GPtrArray      *families,
                                                          const char     *model_name);
MtFamily            *mt_family_find_in                   (GPtrArray      *families,
                                                          const char     *name);

/* The same over the families of this session, loaded once on first use
 * with the user's directory (problems go to the log). All return a new
 * reference. */
GPtrArray           *mt_family_get_all                   (void);
MtFamily            *mt_family_lookup                    (const char     *name);
MtFamily            *mt_family_detect                    (const char     *model_name);
/* Rescans the user's directory, e.g. after the user edited a family. */
void                 mt_family_reload                    (void);

const char          *mt_family_get_name                  (MtFamily       *self);
const char          *mt_family_get_title                 (MtFamily       *self);
const char          *mt_family_get_description           (MtFamily       *self);
/* Higher wins when several families match one model name. */
int                  mt_family_get_priority              (MtFamily       *self);
gboolean             mt_family_matches_model             (MtFamily       *self,
                                                          const char     *model_name);

/* The raw prompt for a first run: preamble, system turn (skipped when
 * @system is NULL or empty), the problem in the family's form for @domain
 * as the user turn, and the generation prefix. @date fills "{date}"
 * (YYYY-MM-DD; NULL for today). */
char                *mt_family_format_prompt             (MtFamily       *self,
                                                          const char     *system,
                                                          const char     *problem,
                                                          MtDomain        domain,
                                                          const char     *date);
/* The problem as the paper words it for this family, e.g. Qwen3 math:
 * "Please reason step by step, ...\nQ: {problem}\nA:". */
char                *mt_family_format_problem            (MtFamily       *self,
                                                          MtDomain        domain,
                                                          const char     *problem);
const char          *mt_family_get_generation_prefix     (MtFamily       *self);

const char          *mt_family_get_think_open            (MtFamily       *self);
/* What ends the thinking block and starts the answer. */
const char          *mt_family_get_think_close           (MtFamily       *self);
/* The token a stream ends its thinking with: a stop string for budget
 * forcing ("</think>"; gpt-oss "<|end|>"). */
const char          *mt_family_get_end_of_thinking       (MtFamily       *self);
const char          *mt_family_get_end_of_answer         (MtFamily       *self);
/* The paper's thinking_token_check: when kept reasoning lacks @marker, it
 * gets @prefix in front. */
void                 mt_family_get_thinking_check        (MtFamily       *self,
                                                          const char    **marker,
                                                          const char    **prefix);
/* TRUE when @prompt already opened the thinking block, as the R1 template
 * ("...<think>\n") and the paper's Magistral prompt ("... [THINK]") do. */
gboolean             mt_family_prompt_opens_thinking     (MtFamily       *self,
                                                          const char     *prompt);

/* The paper's close_reasoning_trace() suffix. */
const char          *mt_family_get_close_reasoning       (MtFamily       *self,
                                                          gboolean        force_answer);
/* The paper's open_close_reasoning_trace(): an empty thinking block. */
const char          *mt_family_get_open_close_reasoning  (MtFamily       *self);
/* The paper's format_user_turn(): closes nothing, opens a user turn with
 * @text and hands the turn back to the assistant. */
char                *mt_family_format_user_turn          (MtFamily       *self,
                                                          const char     *text);
/* The paper's user_turn template split at "{content}". */
void                 mt_family_get_user_turn_parts       (MtFamily       *self,
                                                          const char    **before,
                                                          const char    **after);
/* What opens the answer after a force-answer interrupt: "\n\\boxed{" for
 * math, "\n```" for code, "" otherwise. */
const char          *mt_family_get_answer_cue            (MtFamily       *self,
                                                          MtDomain        domain);
/* The recommended sampling; -1 or NaN where the family leaves it open. */
const MtSampling    *mt_family_get_sampling              (MtFamily       *self);

G_END_DECLS
