/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mt-format.h"

G_DEFINE_QUARK (mt-format-error-quark, mt_format_error)

static void
mt_load_issue_free (MtLoadIssue *issue)
{
  g_free (issue->message);
  g_free (issue);
}

MtLoadReport *
mt_load_report_new (const char *path)
{
  MtLoadReport *report = g_new0 (MtLoadReport, 1);

  report->path = g_strdup (path);
  report->issues = g_ptr_array_new_with_free_func ((GDestroyNotify) mt_load_issue_free);

  return report;
}

void
mt_load_report_free (MtLoadReport *report)
{
  if (report == NULL)
    return;

  g_free (report->path);
  g_free (report->format);
  g_ptr_array_unref (report->issues);
  g_free (report);
}

void
mt_load_report_add_issue (MtLoadReport  *report,
                          guint          line,
                          guint          column,
                          MtFormatError  code,
                          const char    *format,
                          ...)
{
  g_autofree char *message = NULL;
  MtLoadIssue *issue;
  va_list args;

  g_return_if_fail (report != NULL);
  g_return_if_fail (format != NULL);

  issue = g_new0 (MtLoadIssue, 1);
  issue->line = line;
  issue->column = column;
  issue->code = code;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* Issues are shown as they are, and parser messages quote the file: GLib's
   * scanner cuts a quoted string at a byte count, even inside a character. */
  issue->message = g_utf8_make_valid (message, -1);

  g_ptr_array_add (report->issues, issue);
}

char *
mt_load_issue_to_string (const MtLoadReport *report,
                         const MtLoadIssue  *issue)
{
  g_return_val_if_fail (report != NULL, NULL);
  g_return_val_if_fail (issue != NULL, NULL);

  if (issue->line == 0)
    return g_strdup_printf ("%s: %s", report->path, issue->message);
  if (issue->column == 0)
    return g_strdup_printf ("%s:%u: %s", report->path, issue->line, issue->message);
  return g_strdup_printf ("%s:%u:%u: %s", report->path, issue->line, issue->column,
                          issue->message);
}
