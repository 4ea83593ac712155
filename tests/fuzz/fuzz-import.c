/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for the importers: the bytes become a file and are
 * imported, counted (in one pass, and split across two threads as big
 * files are: the reports must match) and imported again into a lab with
 * earlier content.
 *
 * Build and run (tests/fuzz/README.md):
 *   meson setup _build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
 *     -Db_lundef=false --buildtype=debugoptimized   (with CC=clang)
 *   ninja -C _build-fuzz tests/fuzz/fuzz-import
 *   _build-fuzz/tests/fuzz/fuzz-import tests/fuzz/corpus-import -max_total_time=60
 */
#include "config.h"

#include <unistd.h>

#include <glib/gstdio.h>

#include "mt-core.h"
#include "mt-import-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* Whether two reports of one file say the same, issue by issue. */
static gboolean
same_report (const MtLoadReport *a,
             const MtLoadReport *b)
{
  if (g_strcmp0 (a->format, b->format) != 0 || a->n_problems != b->n_problems ||
      a->n_traces != b->n_traces || a->n_branches != b->n_branches ||
      a->n_skipped != b->n_skipped || a->issues->len != b->issues->len)
    return FALSE;

  for (guint i = 0; i < a->issues->len; i++)
    {
      const MtLoadIssue *ia = g_ptr_array_index (a->issues, i);
      const MtLoadIssue *ib = g_ptr_array_index (b->issues, i);

      if (ia->line != ib->line || ia->column != ib->column || ia->code != ib->code ||
          g_strcmp0 (ia->message, ib->message) != 0)
        return FALSE;
    }

  return TRUE;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static char *path;
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) counted = NULL;
  g_autoptr(MtLoadReport) loaded = NULL;
  g_autoptr(MtFieldMap) map = mt_field_map_new ();
  g_autoptr(GError) error = NULL;
  gboolean count_ok, load_ok;

  if (path == NULL)
    path = g_strdup_printf ("/dev/shm/mt-fuzz-import-%d.jsonl", (int) getpid ());
  if (!g_file_set_contents (path, (const char *) data, size, NULL))
    return 0;

  mt_field_map_add (map, "reasoning=scratch", NULL);

  counted = mt_load_report_new (path);
  count_ok = mt_import_file (NULL, path, NULL, counted, NULL, &error);
  g_clear_error (&error);

  /* The two-thread count of big files, on these few bytes: its split and
   * merge must give what the single pass gave. */
  {
    g_autoptr(MtLoadReport) split = mt_load_report_new (path);
    gboolean split_ok;

    _mt_import_set_parallel_count_threshold (1);
    split_ok = mt_import_file (NULL, path, NULL, split, NULL, NULL);
    _mt_import_set_parallel_count_threshold (16 * 1024 * 1024);
    if (split_ok != count_ok || !same_report (counted, split))
      __builtin_trap ();
  }

  loaded = mt_load_report_new (path);
  load_ok = mt_import_file (lab, path, NULL, loaded, NULL, &error);
  g_clear_error (&error);

  /* Counting and loading must agree: `info` tells the truth about a load. */
  if (count_ok != load_ok || counted->n_traces != loaded->n_traces ||
      counted->n_skipped != loaded->n_skipped)
    __builtin_trap ();

  for (guint i = 0; i < loaded->issues->len; i++)
    g_free (mt_load_issue_to_string (loaded, g_ptr_array_index (loaded->issues, i)));

  /* Importing the same bytes again must not collide with what is there. */
  {
    g_autoptr(MtLoadReport) again = mt_load_report_new (path);

    mt_import_file (lab, path, map, again, NULL, NULL);
  }

  return 0;
}
