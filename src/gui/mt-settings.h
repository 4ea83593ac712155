/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-diagnosis.h"

G_BEGIN_DECLS

/* The application's settings, or %NULL when its schema is not installed
 * (widgets used on their own, in tests). */
GSettings *mt_settings_try_new              (void);
/* The diagnosis thresholds the user chose in Preferences, or the defaults
 * when @settings is %NULL (no schema installed). */
void      mt_settings_read_thresholds       (GSettings              *settings,
                                             MtDiagnosisThresholds  *thresholds);
/* Whether the key @key holds a diagnosis threshold. */
gboolean  mt_settings_is_threshold_key      (const char             *key);
/* Puts the diagnosis thresholds back to their defaults. */
void      mt_settings_reset_thresholds      (GSettings              *settings);

G_END_DECLS
