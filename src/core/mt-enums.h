/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  MT_DOMAIN_OTHER,
  MT_DOMAIN_MATH,
  MT_DOMAIN_CODE,
} MtDomain;

/* Why a generation ended. */
typedef enum
{
  MT_FINISH_UNKNOWN,
  MT_FINISH_STOP,
  MT_FINISH_LENGTH,
  MT_FINISH_CANCELLED,
  MT_FINISH_ERROR,
} MtFinishReason;

/* Where token boundaries came from; the UI labels APPROX as an estimate. */
typedef enum
{
  MT_TOKEN_SOURCE_APPROX,
  MT_TOKEN_SOURCE_TOKENIZER,
  MT_TOKEN_SOURCE_STREAM,
} MtTokenSource;

typedef enum
{
  MT_INTERRUPT_HARD,
  MT_INTERRUPT_FORCE_ANSWER,
  MT_INTERRUPT_SPEEDUP,
  MT_INTERRUPT_UPDATE,
  MT_INTERRUPT_GUIDED_UPDATE,
  MT_INTERRUPT_UPDATE_SPEEDUP,
  MT_INTERRUPT_BUDGET_WAIT,
  MT_INTERRUPT_NO_THINKING,
  MT_INTERRUPT_CUSTOM,
} MtInterruptKind;

/* Whose voice the interrupt text is written in. */
typedef enum
{
  MT_INTERRUPT_ROLE_ASSISTANT,
  MT_INTERRUPT_ROLE_USER,
} MtInterruptRole;

/* How a completion was split into reasoning and answer. */
typedef enum
{
  MT_THINK_STYLE_NONE,
  MT_THINK_STYLE_FIELD,
  MT_THINK_STYLE_TAGS,
  MT_THINK_STYLE_MISSING_OPENER,
  MT_THINK_STYLE_BRACKETS,
  MT_THINK_STYLE_HARMONY,
  MT_THINK_STYLE_THOUGHT,
} MtThinkStyle;

/* Stable lower-case names, used in lab files and on the command line. Each
 * _from_string returns FALSE for a name it does not know. */
const char *mt_domain_to_string          (MtDomain         value);
gboolean    mt_domain_from_string        (const char      *name,
                                          MtDomain        *value);
const char *mt_finish_reason_to_string   (MtFinishReason   value);
gboolean    mt_finish_reason_from_string (const char      *name,
                                          MtFinishReason  *value);
const char *mt_token_source_to_string    (MtTokenSource    value);
gboolean    mt_token_source_from_string  (const char      *name,
                                          MtTokenSource   *value);
const char *mt_interrupt_kind_to_string   (MtInterruptKind  value);
gboolean    mt_interrupt_kind_from_string (const char      *name,
                                           MtInterruptKind *value);
const char *mt_interrupt_role_to_string  (MtInterruptRole  value);
gboolean    mt_interrupt_role_from_string (const char      *name,
                                           MtInterruptRole *value);
const char *mt_think_style_to_string     (MtThinkStyle     value);
gboolean    mt_think_style_from_string   (const char      *name,
                                          MtThinkStyle    *value);

G_END_DECLS
