/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A validating JSON scanner that builds no tree. The importers run it over
 * every line of files of hundreds of megabytes, so it only records where each
 * value lies; strings are unescaped on demand. */

typedef enum
{
  MT_JSON_NULL,
  MT_JSON_FALSE,
  MT_JSON_TRUE,
  MT_JSON_NUMBER,
  MT_JSON_STRING,
  MT_JSON_ARRAY,
  MT_JSON_OBJECT,
} MtJsonType;

typedef struct
{
  MtJsonType  type;
  const char *start;       /* first byte of the value: the quote of a string, the bracket of an array */
  gsize       len;         /* bytes of the value, quotes and brackets included */
} MtJsonValue;

typedef struct
{
  const char  *key;        /* raw key bytes between the quotes, still escaped */
  gsize        key_len;
  MtJsonValue  value;
} MtJsonMember;

typedef struct
{
  const char *p;
  const char *end;
} MtJsonIter;

#define MT_JSON_MAX_DEPTH 512

/* Validates that [@data, @data + @len) holds exactly one JSON value (RFC 8259,
 * surrounding whitespace allowed), strings included: escapes, no raw control
 * characters, valid UTF-8, surrogate pairs. On success fills @root. On failure
 * sets @error_offset to the byte where the problem was found and
 * @error_message to a static English description ("expected ':' after an
 * object key", "invalid UTF-8 in a string", ...). */
gboolean     mt_json_validate               (const char         *data,
                                             gsize               len,
                                             MtJsonValue        *root,
                                             gsize              *error_offset,
                                             const char        **error_message);

/* Iteration over a value that mt_json_validate() accepted. */
void         mt_json_iter_init              (MtJsonIter         *iter,
                                             const MtJsonValue  *container);
gboolean     mt_json_iter_next_member       (MtJsonIter         *iter,
                                             MtJsonMember       *member);
gboolean     mt_json_iter_next_element      (MtJsonIter         *iter,
                                             MtJsonValue        *element);

/* The first member of @object whose unescaped key equals @key. */
gboolean     mt_json_object_get             (const MtJsonValue  *object,
                                             const char         *key,
                                             MtJsonValue        *value);
gboolean     mt_json_member_key_equal       (const MtJsonMember *member,
                                             const char         *key);

/* Unescaped, NUL-terminated copy of a string value; NULL when @value is not
 * a string. Embedded "\u0000" is kept as the two bytes C0 80 so that the
 * result stays a C string. */
char        *mt_json_value_dup_string       (const MtJsonValue  *value);
/* Numbers: FALSE when @value is not a number or does not fit. */
gboolean     mt_json_value_get_int64        (const MtJsonValue  *value,
                                             gint64             *out);
gboolean     mt_json_value_get_double       (const MtJsonValue  *value,
                                             double             *out);
/* A short name for messages: "a string", "an object", "a number", ... */
const char  *mt_json_type_describe          (MtJsonType          type);

G_END_DECLS
