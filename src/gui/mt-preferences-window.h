/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MT_TYPE_PREFERENCES_WINDOW (mt_preferences_window_get_type ())

/* Preferences: the saved inference servers (the GSettings key "servers";
 * their API keys in the keyring), each with its model from the server's
 * list, family, mode, sampling preset and token limit, and a connection
 * test. */
G_DECLARE_FINAL_TYPE (MtPreferencesWindow, mt_preferences_window, MT, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

MtPreferencesWindow *mt_preferences_window_new           (GtkWindow           *parent,
                                                          GSettings           *settings);
/* Opens the editor on saved server @index, or on a new one when @index is
 * past the end. */
void                 mt_preferences_window_edit_server   (MtPreferencesWindow *self,
                                                          guint                index);

G_END_DECLS

G_BEGIN_DECLS

/* For the tests: the editor's fields, its buttons, what they showed. */
void                 _mt_preferences_window_set_fields   (MtPreferencesWindow *self,
                                                          const char          *name,
                                                          const char          *url,
                                                          const char          *api_key);
void                 _mt_preferences_window_test         (MtPreferencesWindow *self);
gboolean             _mt_preferences_window_is_busy      (MtPreferencesWindow *self);
const char          *_mt_preferences_window_get_result   (MtPreferencesWindow *self);
const char          *_mt_preferences_window_get_model    (MtPreferencesWindow *self);
const char          *_mt_preferences_window_get_family   (MtPreferencesWindow *self);
void                 _mt_preferences_window_save         (MtPreferencesWindow *self);

G_END_DECLS
