/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mt-lab-loader.h"
#include "mt-window-private.h"

#define WAIT_SECONDS 20

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static MtLabLoad *
create_load (guint n_traces,
             guint n_skipped)
{
  MtLabLoad *load = g_new0 (MtLabLoad, 1);
  MtLoadReport *report = mt_load_report_new ("/tmp/traces.jsonl");

  load->lab = mt_lab_new ();
  for (guint i = 0; i < n_traces; i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", i);
      g_autoptr(MtTrace) trace = mt_trace_new (id);

      mt_trace_set_reasoning (trace, "2 + 2 = 4.");
      g_assert_true (mt_lab_add_trace (load->lab, trace));
    }

  report->n_skipped = n_skipped;
  mt_load_report_add_issue (report, 7, 1, MT_FORMAT_ERROR_SYNTAX, "malformed JSON");
  load->reports = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_load_report_free);
  g_ptr_array_add (load->reports, report);
  load->failures = g_ptr_array_new ();

  return load;
}

static char *
describe_load (guint n_traces,
               guint n_skipped)
{
  g_autoptr(MtLabLoad) load = create_load (n_traces, n_skipped);

  return mt_lab_load_describe_skipped (load);
}

/* Russian has three plural forms: 1 and 21 (one), 2-4 and 22 (few),
 * 5-20 and 11-14 (many). A catalogue with English-style plurals would
 * get 21 and 22 wrong. */
static void
test_i18n_plurals (void)
{
  g_autofree char *one = describe_load (1, 1);
  g_autofree char *few = describe_load (3, 22);
  g_autofree char *many = describe_load (5, 11);
  g_autofree char *twenty_one = describe_load (21, 2);

  g_assert_cmpstr (one, ==,
                   "Загружена 1 запись; 1 строка пропущена (первая: строка 7: malformed JSON)");
  g_assert_cmpstr (few, ==,
                   "Загружено 3 записи; 22 строки пропущены (первая: строка 7: malformed JSON)");
  g_assert_cmpstr (many, ==,
                   "Загружено 5 записей; 11 строк пропущено (первая: строка 7: malformed JSON)");
  g_assert_cmpstr (twenty_one, ==,
                   "Загружена 21 запись; 2 строки пропущены (первая: строка 7: malformed JSON)");
}

static void
test_i18n_failure (void)
{
  MtLoadFailure failure = { 0 };
  g_autofree char *message = NULL;

  failure.file = g_file_new_for_path ("/nonexistent/missing.jsonl");
  message = mt_load_failure_describe (&failure);
  g_assert_cmpstr (message, ==, "Не удалось открыть «missing.jsonl»: Неизвестная ошибка");
  g_clear_object (&failure.file);
}

static AdwStatusPage *
find_status_page (GtkWidget  *widget,
                  const char *icon_name)
{
  if (ADW_IS_STATUS_PAGE (widget)
      && g_strcmp0 (adw_status_page_get_icon_name (ADW_STATUS_PAGE (widget)), icon_name) == 0)
    return ADW_STATUS_PAGE (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwStatusPage *found = find_status_page (child, icon_name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The window's own strings come from its template: the builder must have
 * used the catalogue too, not only the C code. */
static void
test_i18n_window (void)
{
  MtWindow *window = mt_window_new (NULL);
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/missing.jsonl");
  AdwStatusPage *welcome;
  gboolean timed_out = FALSE;
  guint timeout_id;

  gtk_window_present (GTK_WINDOW (window));
  drain_main_loop ();

  welcome = find_status_page (GTK_WIDGET (window), APP_ID);
  g_assert_nonnull (welcome);
  g_assert_true (g_str_has_prefix (adw_status_page_get_description (welcome),
                                   "Смотрите, что делают рассуждающие модели"));

  /* ... and so do its toasts. */
  mt_window_open (window, file);
  timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);
  while (mt_window_get_loading (window) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);

  g_assert_nonnull (_mt_window_get_last_toast (window));
  g_assert_true (g_str_has_prefix (_mt_window_get_last_toast (window),
                                   "Не удалось открыть «missing.jsonl»: "));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
collect_shortcuts (GtkWidget  *widget,
                   GHashTable *titles)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *title = NULL;
      g_autofree char *accelerator = NULL;

      g_object_get (widget, "title", &title, "accelerator", &accelerator, NULL);
      g_hash_table_insert (titles, g_steal_pointer (&title), g_steal_pointer (&accelerator));
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_shortcuts (child, titles);
}

/* The shortcuts window is translated, and lists the timeline's keys beside
 * the application's. */
static void
test_i18n_shortcuts (void)
{
  g_autoptr(GtkBuilder) builder = NULL;
  g_autoptr(GHashTable) titles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GtkWindow *overlay;

  builder = gtk_builder_new_from_resource ("/io/github/midthought/Midthought/gtk/help-overlay.ui");
  overlay = GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
  g_assert_nonnull (overlay);

  collect_shortcuts (GTK_WIDGET (overlay), titles);
  g_assert_cmpstr (g_hash_table_lookup (titles, "Открыть лабораторию или записи"), ==,
                   "<Control>o");
  g_assert_cmpstr (g_hash_table_lookup (titles, "Увеличить"), ==, "<Control>plus plus");
  g_assert_cmpstr (g_hash_table_lookup (titles, "Сдвинуть на одно предложение"), ==,
                   "<Shift>Left <Shift>Right");
  g_assert_cmpstr (g_hash_table_lookup (titles, "Прервать здесь"), ==, "Return");

  gtk_window_destroy (overlay);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *locale_dir = NULL;
  g_autofree char *catalogue = NULL;

  /* Machines often lack a generated ru_RU locale; LANGUAGE still picks
   * the catalogue under C.UTF-8, which glibc does not treat as the plain
   * "C" locale that ignores LANGUAGE. */
  g_setenv ("LANGUAGE", "ru", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "");

  g_test_init (&argc, &argv, NULL);

  /* The catalogue compiled from po/ru.po in the build tree, not whatever
   * an older install left under LOCALEDIR. */
  locale_dir = g_test_build_filename (G_TEST_BUILT, "..", "..", "po", NULL);
  catalogue = g_build_filename (locale_dir, "ru", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  if (!g_file_test (catalogue, G_FILE_TEST_EXISTS))
    {
      g_test_message ("%s was not built", catalogue);
      return 1;
    }
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_mkdir_with_parents (g_get_user_data_dir (), 0700);

  gtk_init ();
  adw_init ();

  g_test_add_func ("/gui/i18n/plurals", test_i18n_plurals);
  g_test_add_func ("/gui/i18n/failure", test_i18n_failure);
  g_test_add_func ("/gui/i18n/window", test_i18n_window);
  g_test_add_func ("/gui/i18n/shortcuts", test_i18n_shortcuts);

  return g_test_run ();
}
