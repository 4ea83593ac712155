/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: replaced by the scanner. */
#include "config.h"

#include "mt-json-scan.h"

gboolean mt_json_validate (const char *data, gsize len, MtJsonValue *root, gsize *error_offset, const char **error_message) { *error_offset = 0; *error_message = "not implemented"; return FALSE; }
void mt_json_iter_init (MtJsonIter *iter, const MtJsonValue *container) { iter->p = iter->end = NULL; }
gboolean mt_json_iter_next_member (MtJsonIter *iter, MtJsonMember *member) { return FALSE; }
gboolean mt_json_iter_next_element (MtJsonIter *iter, MtJsonValue *element) { return FALSE; }
gboolean mt_json_object_get (const MtJsonValue *object, const char *key, MtJsonValue *value) { return FALSE; }
gboolean mt_json_member_key_equal (const MtJsonMember *member, const char *key) { return FALSE; }
char *mt_json_value_dup_string (const MtJsonValue *value) { return NULL; }
gboolean mt_json_value_get_int64 (const MtJsonValue *value, gint64 *out) { return FALSE; }
gboolean mt_json_value_get_double (const MtJsonValue *value, double *out) { return FALSE; }
const char *mt_json_type_describe (MtJsonType type) { return "a value"; }
