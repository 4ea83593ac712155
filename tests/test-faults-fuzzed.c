/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Regression tests for what the fuzzers found (tests/fuzz/README.md): each
 * input that broke an invariant, reduced to the property it broke. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "mt-core.h"

/* GLib's scanner, under json-glib, quotes the offending string in its
 * message cut at a byte count, which can fall inside a character: the issue
 * shown to the user was then not UTF-8 (found by fuzz-lab-file). */
static void
test_lab_issue_utf8 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mt-fuzzed-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(GString) text = g_string_new ("{\"midthought\":\"lab\",\"version\":1}\n");
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  guint n_syntax = 0;

  g_assert_no_error (error);
  path = g_build_filename (dir, "cut.mtlab", NULL);

  /* A member name of two-byte characters without its colon, quoted in the
   * message, at every offset, so that some cuts land inside a character. */
  for (guint pad = 0; pad < 64; pad++)
    {
      g_string_append (text, "{\"type\":\"trace\",\"");
      for (guint i = 0; i < pad; i++)
        g_string_append_c (text, 'a');
      for (guint i = 0; i < 40; i++)
        g_string_append (text, "θ");
      g_string_append (text, "\" \"x\"}\n");
    }
  g_assert_true (g_file_set_contents (path, text->str, text->len, &error));
  g_assert_no_error (error);

  report = mt_load_report_new (path);
  g_assert_true (mt_lab_file_load (lab, path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->issues->len, ==, 64);

  for (guint i = 0; i < report->issues->len; i++)
    {
      const MtLoadIssue *issue = g_ptr_array_index (report->issues, i);
      g_autofree char *shown = mt_load_issue_to_string (report, issue);

      n_syntax += issue->code == MT_FORMAT_ERROR_SYNTAX;
      g_assert_true (g_utf8_validate (issue->message, -1, NULL));
      g_assert_true (g_utf8_validate (shown, -1, NULL));
      g_assert_nonnull (strstr (shown, "not valid JSON"));
    }
  g_assert_cmpuint (n_syntax, ==, 64);

  g_unlink (path);
  g_rmdir (dir);
}

/* The same scanner message reaches the error for a user's family file. */
static void
test_family_error_utf8 (void)
{
  for (guint pad = 0; pad < 64; pad++)
    {
      g_autoptr(GString) text = g_string_new ("{\"");
      g_autoptr(MtFamily) family = NULL;
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < pad; i++)
        g_string_append_c (text, 'a');
      for (guint i = 0; i < 40; i++)
        g_string_append (text, "θ");
      g_string_append (text, "\" \"x\"}");

      family = mt_family_new_from_data (text->str, text->len, &error);
      g_assert_null (family);
      g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_SYNTAX);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fuzzed/lab-file/issue-utf8", test_lab_issue_utf8);
  g_test_add_func ("/fuzzed/family/error-utf8", test_family_error_utf8);

  return g_test_run ();
}
