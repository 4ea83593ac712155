/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: replaced by the importers. */
#include "config.h"

#include "mt-import.h"

struct _MtFieldMap { GHashTable *fields; };
MtFieldMap *mt_field_map_new (void) { MtFieldMap *m = g_new0 (MtFieldMap, 1); m->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free); return m; }
void mt_field_map_free (MtFieldMap *map) { if (map) { g_hash_table_unref (map->fields); g_free (map); } }
gboolean mt_field_map_add (MtFieldMap *map, const char *pair, GError **error) { return FALSE; }
const char *mt_field_map_lookup (const MtFieldMap *map, const char *canonical) { return NULL; }
gboolean mt_import_file (MtLab *lab, const char *path, const MtFieldMap *map, MtLoadReport *report, GCancellable *cancellable, GError **error) { g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO, "not implemented"); return FALSE; }
