/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mt-settings.h"

static const char * const threshold_keys[] = {
  "leakage-ratio", "leakage-markers", "panic-ratio", "doubt-markers",
};

GSettings *
mt_settings_try_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new (APP_ID);
}

void
mt_settings_read_thresholds (GSettings             *settings,
                             MtDiagnosisThresholds *thresholds)
{
  g_return_if_fail (!settings || G_IS_SETTINGS (settings));
  g_return_if_fail (thresholds != NULL);

  mt_diagnosis_thresholds_init (thresholds);
  if (settings == NULL)
    return;

  thresholds->leakage_min_ratio = g_settings_get_double (settings, "leakage-ratio");
  thresholds->leakage_min_markers = g_settings_get_uint (settings, "leakage-markers");
  thresholds->panic_max_fraction = g_settings_get_double (settings, "panic-ratio");
  thresholds->doubt_min_markers = g_settings_get_uint (settings, "doubt-markers");
}

gboolean
mt_settings_is_threshold_key (const char *key)
{
  g_return_val_if_fail (key != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (threshold_keys); i++)
    if (g_str_equal (key, threshold_keys[i]))
      return TRUE;
  return FALSE;
}

void
mt_settings_reset_thresholds (GSettings *settings)
{
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_settings_delay (settings);
  for (guint i = 0; i < G_N_ELEMENTS (threshold_keys); i++)
    g_settings_reset (settings, threshold_keys[i]);
  g_settings_apply (settings);
}
