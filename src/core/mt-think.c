/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: replaced by the think-tag parser. */
#include "config.h"

#include "mt-think.h"

MtThinkSplit *
mt_think_split (const char   *text,
                gssize        len,
                MtThinkFlags  flags)
{
  MtThinkSplit *split = g_new0 (MtThinkSplit, 1);

  split->answer = len < 0 ? g_strdup (text) : g_strndup (text, len);
  split->reasoning = g_strdup ("");
  split->note = g_strdup ("not parsed");
  split->closed = TRUE;
  return split;
}

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
