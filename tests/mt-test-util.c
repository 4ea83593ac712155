/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "mt-test-util.h"

char *
mt_test_shared_path (const char *relative)
{
  const char *root = g_getenv ("MT_SHARED_DATA");
  char *path = root ? g_build_filename (root, relative, NULL) : NULL;

  if (path != NULL && !g_file_test (path, G_FILE_TEST_EXISTS))
    g_clear_pointer (&path, g_free);
  return path;
}

MtTokenSpans *
mt_test_word_spans (const char *text)
{
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (guint32));
  gboolean in_word = FALSE;

  for (guint32 i = 0; text[i] != '\0'; i++)
    {
      gboolean blank = g_ascii_isspace (text[i]);

      if (!blank && !in_word)
        g_array_append_val (starts, i);
      in_word = !blank;
    }
  /* Leading blanks belong to the first token: spans cover the text. */
  if (starts->len > 0)
    g_array_index (starts, guint32, 0) = 0;

  return mt_token_spans_new (MT_TOKEN_SOURCE_STREAM, (const guint32 *) (gpointer) starts->data,
                             starts->len, strlen (text));
}

char *
mt_test_words (const char *lead,
               guint       n)
{
  GString *text = g_string_new (lead);

  for (guint i = 0; i < n; i++)
    g_string_append (text, text->len > 0 ? " x" : "x");
  return g_string_free (text, FALSE);
}
