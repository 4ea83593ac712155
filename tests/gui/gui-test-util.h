/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The first drawable button under @widget (itself included) whose label
 * is @label, as a user would find it on screen; NULL when there is none. */
GtkWidget *gui_test_find_button (GtkWidget  *widget,
                                 const char *label);

/* What @widget shows now, rendered by its window's renderer. */
GdkTexture *gui_test_render (GtkWidget  *widget);

G_END_DECLS
