/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-application.h"

G_BEGIN_DECLS

/* The about window, credits and citation included, transient for @parent
 * (may be NULL); for the about action and the tests. */
GtkWindow *_mt_application_create_about_window (GtkWindow *parent);
/* The paper's BibTeX entry, as the about window shows it. */
const char *_mt_application_get_citation       (void);

G_END_DECLS
