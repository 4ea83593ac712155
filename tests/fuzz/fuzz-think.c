/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for mt_think_split(). Not built by meson yet; from the
 * top of the source tree, after `meson setup _build` (for config.h):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -I src/core -I _build \
 *     $(pkg-config --cflags --libs glib-2.0 gobject-2.0) \
 *     src/core/mt-think.c tests/fuzz/fuzz-think.c -o /tmp/fuzz-think
 *   mkdir -p /tmp/fuzz-think-corpus
 *   /tmp/fuzz-think -max_total_time=60 /tmp/fuzz-think-corpus tests/fuzz/corpus-think
 *
 * New inputs go to the first directory, so the seeds in the tree stay as they
 * are. mt-think.c uses nothing else from the core library, so these two files
 * link on their own. */
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "mt-think.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* Checks what must hold for any input, so the fuzzer finds wrong answers and
 * not only crashes. */
static void
check (const MtThinkSplit *split,
       gboolean            valid_input)
{
  if (split == NULL || split->reasoning == NULL || split->answer == NULL ||
      split->note == NULL)
    abort ();

  /* Every split explains itself, in text the UI can show as it is. */
  if (split->note[0] == '\0' || !g_utf8_validate (split->note, -1, NULL))
    abort ();

  if (valid_input && (!g_utf8_validate (split->reasoning, -1, NULL) ||
                      !g_utf8_validate (split->answer, -1, NULL)))
    abort ();

  /* Only a block can be left open, and plain text has no reasoning. */
  if (!split->closed && split->n_blocks == 0)
    abort ();
  if (split->n_blocks == 0 && split->reasoning[0] != '\0')
    abort ();
  if (split->style == MT_THINK_STYLE_NONE && split->n_blocks != 0)
    abort ();

  /* Outputs are trimmed. */
  if (split->reasoning[0] != '\0' &&
      (g_ascii_isspace (split->reasoning[0]) ||
       g_ascii_isspace (split->reasoning[strlen (split->reasoning) - 1])))
    abort ();
  if (split->answer[0] != '\0' &&
      (g_ascii_isspace (split->answer[0]) ||
       g_ascii_isspace (split->answer[strlen (split->answer) - 1])))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  gboolean valid = g_utf8_validate_len (text, size, NULL);
  g_autofree char *terminated = g_strndup (text, size);

  for (guint flags = 0; flags <= MT_THINK_FLAGS_STARTS_INSIDE; flags++)
    {
      MtThinkSplit *split;

      /* Counted: NUL bytes and all. The buffer is not terminated, so any read
       * past @size is caught by ASan. */
      split = mt_think_split (text, size, flags);
      check (split, valid);
      mt_think_split_free (split);

      /* Terminated: the same bytes up to the first NUL. */
      split = mt_think_split (terminated, -1, flags);
      check (split, g_utf8_validate (terminated, -1, NULL));
      mt_think_split_free (split);
    }

  return 0;
}
