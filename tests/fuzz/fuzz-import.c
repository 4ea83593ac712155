/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for the importers: the bytes become a file and are
 * imported, counted and imported again into a lab with earlier content.
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

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

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
