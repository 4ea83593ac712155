/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib.h>

/* Runs midthought-cli (MT_CLI) with @args, returning its exit status. */
static int
run_cli (const char * const  *args,
         char               **out,
         char               **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *ignored_out = NULL;
  g_autofree char *ignored_err = NULL;
  int wait_status = 0;

  /* never let the command write to the TAP stream */
  if (out == NULL)
    out = &ignored_out;
  if (err == NULL)
    err = &ignored_err;

  g_ptr_array_add (argv, (char *) g_getenv ("MT_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                out, err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  return WEXITSTATUS (wait_status);
}

static void
test_equal (void)
{
  const char *args[] = { "grade", "--answer", "\\dfrac{3}{56}", "--truth", "\\frac{3}{56}", NULL };
  g_autofree char *out = NULL;

  g_assert_cmpint (run_cli (args, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "verdict: correct\n"));
  g_assert_nonnull (strstr (out, "grader: math\n"));
  g_assert_nonnull (strstr (out, "answer normalized: \\frac{3}{56}\n"));
  g_assert_nonnull (strstr (out, "truth normalized: \\frac{3}{56}\n"));
}

static void
test_not_equal (void)
{
  const char *interval[] = { "grade", "--answer", "[2,5)", "--truth", "(2,5)", NULL };
  const char *empty[] = { "grade", "--answer", "", "--truth", "5", NULL };
  const char *text[] = { "grade", "--answer", "Brasília.", "--truth", "Brasilia",
                         "--grader", "text", NULL };
  const char *accept[] = { "grade", "--answer", "Ha Noi", "--truth", "Hanoi", "--grader", "text",
                           "--accept", "Ha Noi", NULL };
  const char *unknown[] = { "grade", "--answer", "1", "--truth", "1", "--grader", "tarot", NULL };
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;

  g_assert_cmpint (run_cli (interval, &out, NULL), ==, 1);
  g_assert_nonnull (strstr (out, "verdict: wrong\n"));
  g_assert_cmpint (run_cli (empty, &out2, NULL), ==, 1);
  g_assert_nonnull (strstr (out2, "verdict: ungradable\n"));
  g_assert_cmpint (run_cli (text, NULL, NULL), ==, 0);
  g_assert_cmpint (run_cli (accept, NULL, NULL), ==, 0);
  g_assert_cmpint (run_cli (unknown, NULL, NULL), ==, 1);
}

static void
test_extract (void)
{
  const char *args[] = { "grade", "--extract",
                         "--answer", "So it is \\boxed{\\left(3, \\frac{\\pi}{2}\\right)}.",
                         "--truth", "\\left( 3, \\frac{\\pi}{2} \\right)", NULL };
  g_autofree char *out = NULL;

  g_assert_cmpint (run_cli (args, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "extracted (boxed): \\left(3, \\frac{\\pi}{2}\\right)\n"));
}

static void
test_usage (void)
{
  const char *no_answer[] = { "grade", "--truth", "5", NULL };
  const char *no_truth[] = { "grade", "--answer", "5", NULL };
  const char *files[] = { "grade", "/nonexistent/traces.jsonl", NULL };
  const char *bad_option[] = { "grade", "--frobnicate", NULL };
  g_autofree char *err = NULL;

  g_assert_cmpint (run_cli (no_answer, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--answer"));
  g_assert_cmpint (run_cli (no_truth, NULL, NULL), ==, 2);
  /* Without --answer, grade re-grades files: a missing one is bad input. */
  g_assert_cmpint (run_cli (files, NULL, NULL), ==, 1);
  g_assert_cmpint (run_cli (bad_option, NULL, NULL), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/grade/equal", test_equal);
  g_test_add_func ("/cli/grade/not-equal", test_not_equal);
  g_test_add_func ("/cli/grade/extract", test_extract);
  g_test_add_func ("/cli/grade/usage", test_usage);

  return g_test_run ();
}
