/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-enums.h"

G_BEGIN_DECLS

typedef enum
{
  MT_THINK_FLAGS_NONE = 0,
  /* The prompt already opened the thinking block (R1 distills, Qwen3
   * templates that end in "<think>\n"): text before the first close tag is
   * reasoning even with no opener, and text with no tag at all is an
   * unfinished reasoning block rather than a plain answer. */
  MT_THINK_FLAGS_STARTS_INSIDE = 1 << 0,
} MtThinkFlags;

/* The result of splitting one completion. Every decision is written to
 * @note in plain words so the UI can show how the trace was split. */
typedef struct
{
  MtThinkStyle  style;
  char         *reasoning;  /* the thinking text without tags, blocks joined by "\n\n" */
  char         *answer;     /* everything outside thinking blocks, trimmed */
  guint         n_blocks;   /* thinking blocks found */
  gboolean      closed;     /* FALSE when the last block never closes */
  char         *note;       /* e.g. "<think> at byte 0, </think> at byte 1234" */
} MtThinkSplit;

MtThinkSplit *mt_think_split      (const char   *text,
                                   gssize        len,
                                   MtThinkFlags  flags);
void          mt_think_split_free (MtThinkSplit *split);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtThinkSplit, mt_think_split_free)

G_END_DECLS
