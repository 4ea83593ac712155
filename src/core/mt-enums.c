/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mt-enums.h"

static const char *domain_names[] = { "other", "math", "code" };
static const char *finish_names[] = { "unknown", "stop", "length", "cancelled", "error" };
static const char *token_source_names[] = { "approx", "tokenizer", "stream" };
static const char *interrupt_kind_names[] = {
  "hard", "force-answer", "speedup", "update", "guided-update", "update-speedup",
  "budget-wait", "no-thinking", "custom",
};
static const char *interrupt_role_names[] = { "assistant", "user" };
static const char *think_style_names[] = {
  "none", "field", "tags", "missing-opener", "brackets", "harmony", "thought",
};

static gboolean
lookup_name (const char  *const *names,
             guint               n_names,
             const char         *name,
             int                *value)
{
  if (name == NULL)
    return FALSE;

  for (guint i = 0; i < n_names; i++)
    {
      if (g_strcmp0 (names[i], name) == 0)
        {
          *value = (int) i;
          return TRUE;
        }
    }

  return FALSE;
}

#define DEFINE_ENUM_NAMES(func, Type, names)                                  \
  const char *                                                                \
  func##_to_string (Type value)                                               \
  {                                                                           \
    g_return_val_if_fail ((guint) value < G_N_ELEMENTS (names), NULL);        \
    return names[value];                                                      \
  }                                                                           \
  gboolean                                                                    \
  func##_from_string (const char *name,                                       \
                      Type       *value)                                      \
  {                                                                           \
    int v;                                                                    \
    if (!lookup_name (names, G_N_ELEMENTS (names), name, &v))                 \
      return FALSE;                                                           \
    *value = (Type) v;                                                        \
    return TRUE;                                                              \
  }

DEFINE_ENUM_NAMES (mt_domain, MtDomain, domain_names)
DEFINE_ENUM_NAMES (mt_finish_reason, MtFinishReason, finish_names)
DEFINE_ENUM_NAMES (mt_token_source, MtTokenSource, token_source_names)
DEFINE_ENUM_NAMES (mt_interrupt_kind, MtInterruptKind, interrupt_kind_names)
DEFINE_ENUM_NAMES (mt_interrupt_role, MtInterruptRole, interrupt_role_names)
DEFINE_ENUM_NAMES (mt_think_style, MtThinkStyle, think_style_names)
