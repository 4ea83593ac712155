/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>

#include <glib/gi18n.h>

#include "mt-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(MtApplication) app = NULL;

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name ("Midthought");
  /* A grader or server that hangs up must give an error, not kill us. */
  signal (SIGPIPE, SIG_IGN);

  app = mt_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
