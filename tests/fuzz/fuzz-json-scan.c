/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for mt-json-scan.c. From the project root, after
 * `meson setup _build` (for config.h):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *         -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -I src/core -I _build \
 *         $(pkg-config --cflags --libs glib-2.0) \
 *         src/core/mt-json-scan.c tests/fuzz/fuzz-json-scan.c -o /tmp/fuzz-json-scan
 *   mkdir -p /tmp/corpus-json-scan
 *   /tmp/fuzz-json-scan -max_total_time=60 /tmp/corpus-json-scan tests/fuzz/corpus-json-scan
 *
 * Add -DMT_JSON_SCAN_NO_SIMD to fuzz the portable word-at-a-time path.
 *
 * Besides looking for crashes, the target checks the verdict against a
 * deliberately simple reference validator written straight from RFC 8259,
 * which leans on g_utf8_validate_len() for UTF-8, and checks unescaping
 * against a reference decoder. json-glib is no oracle here: it accepts
 * input RFC 8259 does not. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mt-json-scan.h"

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

#define CHECK(cond) \
  G_STMT_START { \
    if (!(cond)) \
      { \
        g_printerr ("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        abort (); \
      } \
  } G_STMT_END

typedef struct
{
  const char *p;
  const char *end;
  guint       depth;
} Reference;

static gboolean reference_value (Reference *ref);

static void
reference_whitespace (Reference *ref)
{
  while (ref->p < ref->end && strchr (" \t\n\r", *ref->p) != NULL && *ref->p != '\0')
    ref->p++;
}

static gboolean
reference_hex4 (Reference *ref,
                guint     *unit)
{
  *unit = 0;
  for (guint i = 0; i < 4; i++)
    {
      if (ref->p == ref->end || !g_ascii_isxdigit (*ref->p))
        return FALSE;
      *unit = *unit * 16 + (guint) g_ascii_xdigit_value (*ref->p);
      ref->p++;
    }
  return TRUE;
}

static gboolean
reference_string (Reference *ref)
{
  const char *body;

  if (ref->p == ref->end || *ref->p != '"')
    return FALSE;
  body = ++ref->p;

  for (;;)
    {
      guchar c;

      if (ref->p == ref->end)
        return FALSE;
      c = (guchar) *ref->p++;
      if (c == '"')
        break;
      if (c < 0x20)
        return FALSE;
      if (c != '\\')
        continue;
      if (ref->p == ref->end)
        return FALSE;
      c = (guchar) *ref->p++;
      if (c == 'u')
        {
          guint unit;
          guint low;

          if (!reference_hex4 (ref, &unit))
            return FALSE;
          if (unit >= 0xdc00 && unit <= 0xdfff)
            return FALSE;
          if (unit >= 0xd800 && unit <= 0xdbff)
            {
              if (ref->end - ref->p < 2 || ref->p[0] != '\\' || ref->p[1] != 'u')
                return FALSE;
              ref->p += 2;
              if (!reference_hex4 (ref, &low) || low < 0xdc00 || low > 0xdfff)
                return FALSE;
            }
        }
      else if (strchr ("\"\\/bfnrt", (char) c) == NULL || c == '\0')
        {
          return FALSE;
        }
    }

  /* Escapes are ASCII, so the raw body must be valid UTF-8 as a whole. */
  return g_utf8_validate_len (body, (gsize) (ref->p - 1 - body), NULL);
}

static gboolean
reference_digits (Reference *ref)
{
  if (ref->p == ref->end || !g_ascii_isdigit (*ref->p))
    return FALSE;
  while (ref->p < ref->end && g_ascii_isdigit (*ref->p))
    ref->p++;
  return TRUE;
}

static gboolean
reference_number (Reference *ref)
{
  if (ref->p < ref->end && *ref->p == '-')
    ref->p++;
  if (ref->p < ref->end && *ref->p == '0')
    ref->p++;
  else if (ref->p < ref->end && *ref->p >= '1' && *ref->p <= '9')
    reference_digits (ref);
  else
    return FALSE;
  if (ref->p < ref->end && *ref->p == '.')
    {
      ref->p++;
      if (!reference_digits (ref))
        return FALSE;
    }
  if (ref->p < ref->end && (*ref->p == 'e' || *ref->p == 'E'))
    {
      ref->p++;
      if (ref->p < ref->end && (*ref->p == '+' || *ref->p == '-'))
        ref->p++;
      if (!reference_digits (ref))
        return FALSE;
    }
  return TRUE;
}

static gboolean
reference_literal (Reference  *ref,
                   const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (ref->end - ref->p) < n || memcmp (ref->p, word, n) != 0)
    return FALSE;
  ref->p += n;
  return TRUE;
}

static gboolean
reference_container (Reference *ref,
                     char       open)
{
  char close = open == '{' ? '}' : ']';
  gboolean ok = FALSE;

  if (++ref->depth > MT_JSON_MAX_DEPTH)
    return FALSE;
  ref->p++;
  reference_whitespace (ref);
  if (ref->p < ref->end && *ref->p == close)
    {
      ref->p++;
      ref->depth--;
      return TRUE;
    }

  for (;;)
    {
      if (open == '{')
        {
          if (!reference_string (ref))
            break;
          reference_whitespace (ref);
          if (ref->p == ref->end || *ref->p != ':')
            break;
          ref->p++;
          reference_whitespace (ref);
        }
      if (!reference_value (ref))
        break;
      reference_whitespace (ref);
      if (ref->p == ref->end)
        break;
      if (*ref->p == close)
        {
          ref->p++;
          ok = TRUE;
          break;
        }
      if (*ref->p != ',')
        break;
      ref->p++;
      reference_whitespace (ref);
    }

  ref->depth--;
  return ok;
}

static gboolean
reference_value (Reference *ref)
{
  if (ref->p == ref->end)
    return FALSE;

  switch (*ref->p)
    {
    case '{':
    case '[':
      return reference_container (ref, *ref->p);
    case '"':
      return reference_string (ref);
    case 't':
      return reference_literal (ref, "true");
    case 'f':
      return reference_literal (ref, "false");
    case 'n':
      return reference_literal (ref, "null");
    default:
      return reference_number (ref);
    }
}

static gboolean
reference_validate (const char  *data,
                    gsize        len,
                    const char **value_start,
                    const char **value_end)
{
  Reference ref = { data, data + len, 0 };

  reference_whitespace (&ref);
  *value_start = ref.p;
  if (!reference_value (&ref))
    return FALSE;
  *value_end = ref.p;
  reference_whitespace (&ref);
  return ref.p == ref.end;
}

/* Unescapes a validated string value the slow, obvious way. */
static char *
reference_unescape (const MtJsonValue *value)
{
  GString *out = g_string_new (NULL);
  const char *p = value->start + 1;
  const char *end = value->start + value->len - 1;

  while (p < end)
    {
      gunichar c;

      if (*p != '\\')
        {
          g_string_append_c (out, *p++);
          continue;
        }

      switch (p[1])
        {
        case 'b': g_string_append_c (out, '\b'); p += 2; continue;
        case 'f': g_string_append_c (out, '\f'); p += 2; continue;
        case 'n': g_string_append_c (out, '\n'); p += 2; continue;
        case 'r': g_string_append_c (out, '\r'); p += 2; continue;
        case 't': g_string_append_c (out, '\t'); p += 2; continue;
        case 'u': break;
        default: g_string_append_c (out, p[1]); p += 2; continue;
        }

      c = 0;
      for (guint i = 2; i < 6; i++)
        c = c * 16 + (gunichar) g_ascii_xdigit_value (p[i]);
      p += 6;
      if (c >= 0xd800 && c <= 0xdbff)
        {
          gunichar low = 0;

          for (guint i = 2; i < 6; i++)
            low = low * 16 + (gunichar) g_ascii_xdigit_value (p[i]);
          p += 6;
          c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        }

      if (c == 0)
        g_string_append (out, "\xc0\x80");
      else
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

static void
check_string (const MtJsonValue *value)
{
  g_autofree char *ours = mt_json_value_dup_string (value);
  g_autofree char *expected = reference_unescape (value);

  CHECK (ours != NULL);
  CHECK (strcmp (ours, expected) == 0);
}

static void
walk (const MtJsonValue *value)
{
  MtJsonIter iter;

  CHECK (value->len > 0);

  switch (value->type)
    {
    case MT_JSON_OBJECT:
      {
        MtJsonMember member;

        CHECK (value->start[0] == '{' && value->start[value->len - 1] == '}');
        mt_json_iter_init (&iter, value);
        while (mt_json_iter_next_member (&iter, &member))
          {
            MtJsonValue key = { MT_JSON_STRING, member.key - 1, member.key_len + 2 };
            g_autofree char *unescaped = mt_json_value_dup_string (&key);
            MtJsonValue first;

            check_string (&key);
            CHECK (mt_json_member_key_equal (&member, unescaped));
            /* object_get() finds this member or an earlier one of that key. */
            CHECK (mt_json_object_get (value, unescaped, &first));
            CHECK (first.start <= member.value.start);
            CHECK (member.value.start + member.value.len <= value->start + value->len);
            walk (&member.value);
          }
        break;
      }

    case MT_JSON_ARRAY:
      {
        MtJsonValue element;

        CHECK (value->start[0] == '[' && value->start[value->len - 1] == ']');
        mt_json_iter_init (&iter, value);
        while (mt_json_iter_next_element (&iter, &element))
          {
            CHECK (element.start + element.len <= value->start + value->len);
            walk (&element);
          }
        break;
      }

    case MT_JSON_STRING:
      check_string (value);
      break;

    case MT_JSON_NUMBER:
      {
        gint64 n;
        double d;

        if (mt_json_value_get_int64 (value, &n))
          CHECK (memchr (value->start, '.', value->len) == NULL);
        mt_json_value_get_double (value, &d);
        break;
      }

    case MT_JSON_NULL:
    case MT_JSON_FALSE:
    case MT_JSON_TRUE:
    default:
      CHECK (mt_json_value_dup_string (value) == NULL);
      break;
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *text = (const char *) data;
  MtJsonValue root;
  gsize offset = G_MAXSIZE;
  const char *message = NULL;
  const char *ref_start = NULL;
  const char *ref_end = NULL;
  gboolean valid;
  gboolean ref_valid;

  valid = mt_json_validate (text, size, &root, &offset, &message);
  ref_valid = reference_validate (text, size, &ref_start, &ref_end);

  if (valid != ref_valid)
    {
      g_printerr ("verdicts differ: scanner %s, reference %s\n",
                  valid ? "accepts" : message, ref_valid ? "accepts" : "rejects");
      abort ();
    }

  if (!valid)
    {
      CHECK (message != NULL && offset <= size);
      return 0;
    }

  CHECK (root.start == ref_start);
  CHECK (root.start + root.len == ref_end);
  walk (&root);

  return 0;
}
