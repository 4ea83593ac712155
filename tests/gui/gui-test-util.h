/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef gboolean (*GuiTestCondition) (gpointer data);

/* Spins the main loop until @condition holds; fails the test, naming
 * @what, after @seconds. */
void        gui_test_wait_for     (GuiTestCondition  condition,
                                   gpointer          data,
                                   guint             seconds,
                                   const char       *what);

/* The first drawable button under @widget (itself included) whose label
 * is @label, as a user would find it on screen; NULL when there is none. */
GtkWidget *gui_test_find_button (GtkWidget  *widget,
                                 const char *label);

/* GTK 4.8 warns "Trying to snapshot GtkGizmo ... without a current
 * allocation" when a text view's scrollbar is re-allocated between layout
 * and paint while a transcript grows; it paints correctly on the next
 * frame. Installs a log writer that lets exactly that warning pass (as a
 * test message); every other message goes to GLib's default writer, which
 * keeps warnings fatal in tests (GTK logs structured, so a
 * g_test_log_set_fatal_handler() is never asked). */
void        gui_test_let_gizmo_warning_pass (void);

/* What @widget shows now, rendered by its window's renderer. */
GdkTexture *gui_test_render (GtkWidget  *widget);

G_END_DECLS
