/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "mt-cli.h"
#include "mt-core.h"
#include "mt-endpoint.h"

/* The core and the live layer speak the user's language too: under
 * LANGUAGE=ru their messages come from the build's Russian catalogue. */

static char *tmp_dir;

static char *
write_file (const char *name,
            const char *contents)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static const MtLoadIssue *
issue_at (const MtLoadReport *report,
          guint               line)
{
  for (guint i = 0; i < report->issues->len; i++)
    {
      const MtLoadIssue *issue = g_ptr_array_index (report->issues, i);

      if (issue->line == line)
        return issue;
    }
  return NULL;
}

/* A trace file with bad lines: the good line loads, and every reason a
 * line was skipped is in Russian, the JSON scanner's and the type names
 * in it included. */
static void
test_i18n_core_import (void)
{
  g_autofree char *path = write_file ("bad.jsonl",
                                      "{\"id\": \"a\", \"reasoning\": \"2 + 2 = 4\", "
                                      "\"answer\": \"4\"}\n"
                                      "{\"id\": \"b\", \"reasoning\": 5, \"answer\": \"4\"}\n"
                                      "{\"id\": \"c\", \"answer\": \"4\",}\n"
                                      "[1, 2]\n");
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;
  const MtLoadIssue *issue;

  g_assert_true (mt_import_file (lab, path, NULL, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->n_skipped, ==, 3);

  issue = issue_at (report, 2);
  g_assert_nonnull (issue);
  g_assert_cmpstr (issue->message, ==, "ожидается строка в поле «reasoning», найдено: число");

  issue = issue_at (report, 3);
  g_assert_nonnull (issue);
  g_assert_cmpstr (issue->message, ==, "лишняя запятая в объекте");

  issue = issue_at (report, 4);
  g_assert_nonnull (issue);
  g_assert_cmpstr (issue->message, ==, "для записи ожидается объект, найдено: массив");
}

static void
test_i18n_core_import_errors (void)
{
  g_autofree char *empty = write_file ("empty.jsonl", "\n\n");
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.jsonl", NULL);
  g_autofree char *expected = NULL;
  g_autoptr(MtLoadReport) report = mt_load_report_new (empty);
  g_autoptr(GError) error = NULL;

  g_assert_false (mt_import_file (NULL, empty, NULL, report, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_EMPTY);
  expected = g_strdup_printf ("«%s» пуст: импортировать нечего", empty);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* The reason after the colon is the C library's, in whatever language
   * it has; the sentence around it is ours. */
  g_assert_false (mt_import_file (NULL, missing, NULL, report, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("Не удалось открыть «%s»: ", missing);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_clear_error (&error);

  g_assert_false (mt_import_file (NULL, tmp_dir, NULL, report, NULL, &error));
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("«%s» — это папка; выберите файл с записями или лабораторией "
                              "внутри неё", tmp_dir);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_i18n_core_lab_file (void)
{
  g_autofree char *path = write_file ("foreign.mtlab", "{\"format\": \"something else\"}\n");
  g_autofree char *newer = write_file ("newer.mtlab",
                                       "{\"midthought\": \"lab\", \"version\": 99}\n");
  g_autofree char *expected = NULL;
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (mt_lab_file_load (lab, path, NULL, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_UNKNOWN_FORMAT);
  g_assert_cmpstr (error->message, ==, "«foreign.mtlab» — не файл лаборатории Midthought");
  g_clear_error (&error);

  /* A 64-bit placeholder (PRId64) is a system-dependent string in the
   * catalogue; it must still be found and filled in. */
  g_assert_false (mt_lab_file_load (lab, newer, NULL, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_NEWER_VERSION);
  expected = g_strdup_printf ("«newer.mtlab» записан более новой версией Midthought (формат "
                              "лаборатории 99; эта версия читает форматы до %d). Обновите "
                              "Midthought, чтобы открыть его.", MT_LAB_FILE_VERSION);
  g_assert_cmpstr (error->message, ==, expected);
}

/* How a completion was split is told in Russian, with Russian plurals:
 * 1 and 21 байт, 2-4 байта, 5-20 байт. */
static void
test_i18n_core_think (void)
{
  static const struct {
    const char *text;
    const char *note;
  } cases[] = {
    { "x", "тегов размышлений нет: 1 байт — ответ" },
    { "xyz", "тегов размышлений нет: 3 байта — ответ" },
    { "hello", "тегов размышлений нет: 5 байт — ответ" },
    { "twenty-one bytes long", "тегов размышлений нет: 21 байт — ответ" },
    { "eleven byte", "тегов размышлений нет: 11 байт — ответ" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MtThinkSplit) split = mt_think_split (cases[i].text, -1, 0);

      g_assert_cmpstr (split->note, ==, cases[i].note);
    }
}

static void
test_i18n_core_think_no_opener (void)
{
  g_autoptr(MtThinkSplit) split = mt_think_split ("2 + 2 = 4</think>\n\nThe answer is 4.",
                                                  -1, 0);

  g_assert_cmpstr (split->reasoning, ==, "2 + 2 = 4");
  g_assert_cmpstr (split->note, ==,
                   "нет открывающего тега: текст до </think> на байте 9 — рассуждение "
                   "(вывод начинается внутри блока размышлений); ответ после него (16 байт)");
}

static void
test_i18n_core_grade (void)
{
  MtGrade grade = { 0 };

  mt_grade_answer ("7", "5", "math", NULL, &grade);
  g_assert_cmpint (grade.verdict, ==, MT_VERDICT_WRONG);
  g_assert_cmpstr (grade.reason, ==, "не равны как числа (7 и 5)");
  mt_grade_clear (&grade);

  mt_grade_answer ("", "5", "math", NULL, &grade);
  g_assert_cmpstr (grade.reason, ==, "ответ пуст");
  mt_grade_clear (&grade);
}

static void
test_i18n_core_endpoint (void)
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;

  endpoint = mt_endpoint_new ("ftp://localhost:8080/v1", &error);
  g_assert_null (endpoint);
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL);
  g_assert_cmpstr (error->message, ==, "«ftp://localhost:8080/v1» — не URL http или https");
}

static void
remove_tmp_dir (void)
{
  g_autoptr(GDir) dir = g_dir_open (tmp_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (tmp_dir);
}

/* `midthought-cli info` prints the core's errors as they come: in Russian.
 * (Run in a child, where the command's stdout and stderr can be caught.) */
static void
test_i18n_core_cli_info (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *path = write_file ("cli.jsonl", "{\"id\": \"c\", \"answer\": \"4\",}\n");
      char *argv[] = { (char *) "info", path, NULL };
      int status = mt_cli_info (2, argv);

      remove_tmp_dir ();
      exit (status);
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*Ничто в «*cli.jsonl» не удалось прочитать как записи или "
                             "задачи (пропущено строк: 1; первая: *лишняя запятая в объекте)*");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *locale_dir = NULL;
  g_autofree char *catalogue = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  /* As in tests/gui/test-i18n.c: LANGUAGE picks the catalogue under
   * C.UTF-8, which machines without a generated ru_RU locale still have. */
  g_setenv ("LANGUAGE", "ru", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "");

  g_test_init (&argc, &argv, NULL);

  /* The catalogue compiled from po/ru.po in this build tree. */
  locale_dir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  catalogue = g_build_filename (locale_dir, "ru", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  if (!g_file_test (catalogue, G_FILE_TEST_EXISTS))
    {
      g_test_message ("%s was not built", catalogue);
      return 1;
    }
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  tmp_dir = g_dir_make_tmp ("mt-i18n-core-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/core/i18n/import", test_i18n_core_import);
  g_test_add_func ("/core/i18n/import-errors", test_i18n_core_import_errors);
  g_test_add_func ("/core/i18n/lab-file", test_i18n_core_lab_file);
  g_test_add_func ("/core/i18n/think", test_i18n_core_think);
  g_test_add_func ("/core/i18n/think-no-opener", test_i18n_core_think_no_opener);
  g_test_add_func ("/core/i18n/grade", test_i18n_core_grade);
  g_test_add_func ("/core/i18n/endpoint", test_i18n_core_endpoint);
  g_test_add_func ("/core/i18n/cli-info", test_i18n_core_cli_info);

  status = g_test_run ();
  if (!g_test_subprocess ())
    remove_tmp_dir ();
  g_free (tmp_dir);
  return status;
}
