/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "mt-core.h"

G_BEGIN_DECLS

#define MT_TYPE_WINDOW (mt_window_get_type ())

G_DECLARE_FINAL_TYPE (MtWindow, mt_window, MT, WINDOW, AdwApplicationWindow)

MtWindow *mt_window_new          (GtkApplication  *application);
/* The lab shown, or NULL while the welcome page is up. */
MtLab    *mt_window_get_lab      (MtWindow        *self);
/* TRUE while files are being read in the background. */
gboolean  mt_window_get_loading  (MtWindow        *self);
/* TRUE when the window shows no lab and is loading none, so opening
 * something can reuse it instead of making a new window. */
gboolean  mt_window_is_empty     (MtWindow        *self);
/* Reads @file (a lab or a file of traces) into a new lab in the
 * background and shows it; problems are reported in toasts. */
void      mt_window_open         (MtWindow        *self,
                                  GFile           *file);
/* Reads all of @files into one new lab, so that a problem set and the
 * traces that answer it can be opened together. */
void      mt_window_open_files   (MtWindow        *self,
                                  GFile          **files,
                                  guint            n_files);
/* Asks for files to open with the file chooser. */
void      mt_window_choose_files (MtWindow        *self);

G_END_DECLS
