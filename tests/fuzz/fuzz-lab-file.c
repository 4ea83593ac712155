/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for the lab-file reader: the bytes become a .mtlab file
 * that is loaded into an empty lab and into one holding an earlier copy;
 * whatever loads is saved (Save As) and loaded again, which must give the
 * same problems, traces and branches, since a user's lab survives a save.
 *
 * Built by meson in _build-fuzz (tests/fuzz/README.md):
 *   _build-fuzz/tests/fuzz/fuzz-lab-file /tmp/corpus tests/fuzz/corpus-lab-file
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "mt-core.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_issues (MtLoadReport *report)
{
  for (guint i = 0; i < report->issues->len; i++)
    {
      g_autofree char *text = mt_load_issue_to_string (report,
                                                       g_ptr_array_index (report->issues, i));

      /* Issues are shown to the user as they are. */
      if (text == NULL || !g_utf8_validate (text, -1, NULL))
        abort ();
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static char *path, *saved;
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLab) reloaded = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(MtLoadReport) again = NULL;
  g_autoptr(MtLoadReport) reload_report = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *traces, *reloaded_traces;

  if (path == NULL)
    {
      path = g_strdup_printf ("/dev/shm/mt-fuzz-lab-%d.mtlab", (int) getpid ());
      saved = g_strdup_printf ("/dev/shm/mt-fuzz-lab-%d-saved.mtlab", (int) getpid ());
    }
  if (!g_file_set_contents (path, (const char *) data, size, NULL))
    return 0;

  report = mt_load_report_new (path);
  if (!mt_lab_file_load (lab, path, report, NULL, &error))
    {
      if (error == NULL || !g_utf8_validate (error->message, -1, NULL))
        abort ();
      return 0;
    }
  check_issues (report);

  /* Loading the same file again into the lab must reject every record as a
   * duplicate and leave the lab as it was. */
  {
    guint n_problems = g_list_model_get_n_items (mt_lab_get_problems (lab));
    guint n_traces = g_list_model_get_n_items (mt_lab_get_traces (lab));

    again = mt_load_report_new (path);
    mt_lab_file_load (lab, path, again, NULL, NULL);
    check_issues (again);
    if (g_list_model_get_n_items (mt_lab_get_problems (lab)) != n_problems ||
        g_list_model_get_n_items (mt_lab_get_traces (lab)) != n_traces)
      abort ();
  }

  /* Save As and reload: the same records come back. */
  g_unlink (saved);
  if (!mt_lab_file_save (lab, saved, NULL, &error))
    abort ();
  reload_report = mt_load_report_new (saved);
  if (!mt_lab_file_load (reloaded, saved, reload_report, NULL, &error))
    abort ();
  if (reload_report->n_skipped != 0)
    abort ();

  traces = mt_lab_get_traces (lab);
  reloaded_traces = mt_lab_get_traces (reloaded);
  if (g_list_model_get_n_items (mt_lab_get_problems (lab)) !=
      g_list_model_get_n_items (mt_lab_get_problems (reloaded)) ||
      g_list_model_get_n_items (traces) != g_list_model_get_n_items (reloaded_traces) ||
      mt_lab_get_n_branches (lab) != mt_lab_get_n_branches (reloaded))
    abort ();

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      MtTrace *copy = mt_lab_lookup_trace (reloaded, mt_trace_get_id (trace));

      if (copy == NULL ||
          g_strcmp0 (mt_trace_get_reasoning (trace), mt_trace_get_reasoning (copy)) != 0 ||
          g_strcmp0 (mt_trace_get_answer (trace), mt_trace_get_answer (copy)) != 0)
        abort ();
    }

  g_unlink (saved);
  {
    g_autofree char *backup = g_strconcat (saved, "~", NULL);

    g_unlink (backup);
  }
  return 0;
}
