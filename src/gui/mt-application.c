/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "mt-application-private.h"
#include "mt-window.h"

struct _MtApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (MtApplication, mt_application, ADW_TYPE_APPLICATION)

/* The window to open things in: the active one while it shows nothing,
 * otherwise a new one, so an open lab is never replaced unasked. */
static MtWindow *
mt_application_get_empty_window (MtApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (MT_IS_WINDOW (window) && mt_window_is_empty (MT_WINDOW (window)))
    return MT_WINDOW (window);

  return mt_window_new (GTK_APPLICATION (self));
}

static void
mt_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (mt_window_new (GTK_APPLICATION (app)));

  gtk_window_present (window);
}

static void
mt_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  MtWindow *window;

  g_assert (MT_IS_APPLICATION (app));

  window = mt_application_get_empty_window (MT_APPLICATION (app));
  if (n_files > 0)
    mt_window_open_files (window, files, n_files);
  gtk_window_present (GTK_WINDOW (window));
}

static void
open_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  MtApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (!MT_IS_WINDOW (window))
    {
      window = GTK_WINDOW (mt_window_new (GTK_APPLICATION (self)));
      gtk_window_present (window);
    }

  mt_window_choose_files (MT_WINDOW (window));
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  MtApplication *self = user_data;
  g_autoptr(GList) windows = NULL;

  /* Closing rather than quitting outright lets each window save its size
   * and cancel its work; the application ends with the last one. */
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  for (const GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

/* The paper the lab is built around; shown in the about window so that
 * work done with Midthought cites the research, not only the tool. */
static const char citation_bibtex[] =
  "@inproceedings{wu2026interruptible,\n"
  "  title     = {Are Large Reasoning Models Interruptible?},\n"
  "  author    = {Wu, Tsung-Han and Miroyan, Mihran and Chan, David M. and\n"
  "               Darrell, Trevor and Norouzi, Narges and Gonzalez, Joseph E.},\n"
  "  booktitle = {International Conference on Machine Learning (ICML)},\n"
  "  year      = {2026},\n"
  "  eprint    = {2510.11713},\n"
  "  archivePrefix = {arXiv},\n"
  "}";

static const char *paper_authors[] = {
  "Tsung-Han Wu",
  "Mihran Miroyan",
  "David M. Chan",
  "Trevor Darrell",
  "Narges Norouzi",
  "Joseph E. Gonzalez",
  NULL
};

static const char *developers[] = {
  "The Midthought Contributors https://github.com/midthought/midthought",
  NULL
};

GtkWindow *
_mt_application_create_about_window (GtkWindow *parent)
{
  AdwAboutWindow *about;
  g_autofree char *escaped = NULL;
  g_autofree char *citation = NULL;

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  g_object_set (about,
                "application-name", "Midthought",
                "application-icon", APP_ID,
                "developer-name", _("The Midthought Contributors"),
                "version", PACKAGE_VERSION,
                "comments", _("A lab for studying how reasoning models think, "
                              "and what they do when interrupted mid-thought"),
                "website", "https://github.com/midthought/midthought",
                "issue-url", "https://github.com/midthought/midthought/issues",
                "copyright", "© 2026 The Midthought Contributors",
                "license-type", GTK_LICENSE_GPL_3_0,
                "developers", developers,
                /* Translators: put your names here, one per line */
                "translator-credits", _("translator-credits"),
                NULL);
  if (parent != NULL)
    gtk_window_set_transient_for (GTK_WINDOW (about), parent);

  adw_about_window_add_acknowledgement_section (about, _("The Paper’s Authors"), paper_authors);

  /* The legal section's text is markup: the BibTeX entry must not be
   * read as tags. */
  escaped = g_markup_escape_text (citation_bibtex, -1);
  citation = g_strdup_printf ("%s\n\n<tt>%s</tt>",
                              _("Midthought studies the questions of “Are Large Reasoning Models "
                                "Interruptible?” (arXiv:2510.11713). If the lab helps your work, "
                                "please cite the paper:"),
                              escaped);
  adw_about_window_add_legal_section (about, _("Citing the Paper"), NULL,
                                      GTK_LICENSE_CUSTOM, citation);

  return GTK_WINDOW (about);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  MtApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_window_present (_mt_application_create_about_window (window));
}

static void
shortcuts_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  MtApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  /* GtkApplicationWindow owns the help overlay and its action. */
  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
}

static const GActionEntry app_actions[] = {
  { "open", open_action },
  { "quit", quit_action },
  { "about", about_action },
  { "shortcuts", shortcuts_action },
};

static void
mt_application_startup (GApplication *app)
{
  static const char *open_accels[] = { "<Control>o", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *shortcuts_accels[] = { "<Control>question", NULL };
  static const char *no_accels[] = { NULL };
  GtkApplication *gtk_app = GTK_APPLICATION (app);

  G_APPLICATION_CLASS (mt_application_parent_class)->startup (app);

  gtk_window_set_default_icon_name (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (gtk_app, "app.open", open_accels);
  gtk_application_set_accels_for_action (gtk_app, "app.quit", quit_accels);
  /* GTK binds Ctrl+? to win.show-help-overlay itself; move it to our
   * action so the menu shows the shortcut beside "Keyboard Shortcuts". */
  gtk_application_set_accels_for_action (gtk_app, "win.show-help-overlay", no_accels);
  gtk_application_set_accels_for_action (gtk_app, "app.shortcuts", shortcuts_accels);
}

static void
mt_application_class_init (MtApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = mt_application_activate;
  app_class->open = mt_application_open;
  app_class->startup = mt_application_startup;
}

static void
mt_application_init (MtApplication *self)
{
}

MtApplication *
mt_application_new (void)
{
  return g_object_new (MT_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/midthought/Midthought",
                       NULL);
}

const char *
_mt_application_get_citation (void)
{
  return citation_bibtex;
}
