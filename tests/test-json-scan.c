/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#ifdef G_OS_UNIX
# include <sys/mman.h>
# include <unistd.h>
#endif

#include "mt-json-scan.h"

/* Inputs are copied so that they end exactly where readable memory ends:
 * a scanner that peeks past the end of its input crashes here instead of
 * passing by luck. */
typedef struct
{
  char  *page;
  gsize  size;
} GuardBuffer;

static GuardBuffer guard;

static void
guard_buffer_init (void)
{
#ifdef G_OS_UNIX
  gsize page_size = (gsize) sysconf (_SC_PAGESIZE);
  char *map;

  /* Large enough for every line of the sample traces. */
  guard.size = 256 * page_size;
  map = mmap (NULL, guard.size + page_size, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (map != MAP_FAILED);
  g_assert_cmpint (mprotect (map + guard.size, page_size, PROT_NONE), ==, 0);
  guard.page = map;
#endif
}

/* Returns a copy of @data that ends at the guard page when it fits, else a
 * heap copy (to be freed with free_guarded()). */
static const char *
guarded_copy (const char *data,
              gsize       len)
{
  if (guard.page != NULL && len <= guard.size)
    {
      char *copy = guard.page + guard.size - len;

      memcpy (copy, data, len);
      return copy;
    }

  return g_memdup2 (data, len);
}

static void
free_guarded (const char *copy)
{
  if (guard.page == NULL || copy < guard.page || copy > guard.page + guard.size)
    g_free ((char *) copy);
}

/* g_strescape() stops at NUL; inputs here may hold one. */
static char *
escape_for_message (const char *data,
                    gsize       len)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) data[i];

      if (c == '\\' || c == '"')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
      if (out->len > 200)
        {
          g_string_append (out, "...");
          break;
        }
    }

  return g_string_free (out, FALSE);
}

static char *
describe_input (const char *data,
                gsize       len)
{
  g_autofree char *shown = escape_for_message (data, len);

  return g_strdup_printf ("\"%s\"", shown);
}

/* Walks every value below @value, unescaping every string and key, so that
 * the iteration code runs over everything the validator accepted. Returns
 * the number of values seen. */
static guint
walk (const MtJsonValue *value)
{
  MtJsonIter iter;
  guint count = 1;

  g_assert_nonnull (value->start);
  g_assert_cmpuint (value->len, >, 0);

  switch (value->type)
    {
    case MT_JSON_OBJECT:
      {
        MtJsonMember member;

        g_assert_cmpint (value->start[0], ==, '{');
        g_assert_cmpint (value->start[value->len - 1], ==, '}');
        mt_json_iter_init (&iter, value);
        while (mt_json_iter_next_member (&iter, &member))
          {
            MtJsonValue key = { MT_JSON_STRING, member.key - 1, member.key_len + 2 };
            g_autofree char *unescaped = mt_json_value_dup_string (&key);

            g_assert_true (mt_json_member_key_equal (&member, unescaped));
            count += walk (&member.value);
          }
        break;
      }

    case MT_JSON_ARRAY:
      {
        MtJsonValue element;

        g_assert_cmpint (value->start[0], ==, '[');
        g_assert_cmpint (value->start[value->len - 1], ==, ']');
        mt_json_iter_init (&iter, value);
        while (mt_json_iter_next_element (&iter, &element))
          count += walk (&element);
        break;
      }

    case MT_JSON_STRING:
      {
        g_autofree char *s = mt_json_value_dup_string (value);

        g_assert_nonnull (s);
        g_assert_cmpuint (strlen (s), <=, value->len - 2);
        break;
      }

    case MT_JSON_NUMBER:
      {
        gint64 n;
        double d;

        /* Only plain integers convert to integers. */
        if (mt_json_value_get_int64 (value, &n))
          g_assert_null (memchr (value->start, '.', value->len));
        mt_json_value_get_double (value, &d);
        break;
      }

    case MT_JSON_NULL:
    case MT_JSON_FALSE:
    case MT_JSON_TRUE:
    default:
      g_assert_null (mt_json_value_dup_string (value));
      break;
    }

  return count;
}

static void
assert_valid_len (const char *data,
                  gsize       len,
                  MtJsonType  type)
{
  const char *copy = guarded_copy (data, len);
  MtJsonValue root;
  gsize offset = 0;
  const char *message = NULL;
  g_autofree char *shown = describe_input (data, len);
  g_autofree char *got = NULL;

  if (!mt_json_validate (copy, len, &root, &offset, &message))
    got = g_strdup_printf ("%s -> rejected at %" G_GSIZE_FORMAT ": %s", shown, offset, message);
  else
    got = g_strdup_printf ("%s -> %s", shown, mt_json_type_describe (root.type));
  {
    g_autofree char *expected = g_strdup_printf ("%s -> %s", shown, mt_json_type_describe (type));
    g_assert_cmpstr (got, ==, expected);
  }
  g_assert_cmpint (root.type, ==, type);
  walk (&root);

  free_guarded (copy);
}

static void
assert_valid (const char *data,
              MtJsonType  type)
{
  assert_valid_len (data, strlen (data), type);
}

static void
assert_invalid_len (const char *data,
                    gsize       len,
                    gsize       expected_offset,
                    const char *expected_message)
{
  const char *copy = guarded_copy (data, len);
  MtJsonValue root;
  gsize offset = 0;
  const char *message = NULL;
  g_autofree char *shown = describe_input (data, len);
  g_autofree char *got = NULL;
  g_autofree char *expected = NULL;

  if (mt_json_validate (copy, len, &root, &offset, &message))
    got = g_strdup_printf ("%s -> accepted", shown);
  else
    got = g_strdup_printf ("%s -> %" G_GSIZE_FORMAT ": %s", shown, offset, message);
  expected = g_strdup_printf ("%s -> %" G_GSIZE_FORMAT ": %s", shown,
                              expected_offset, expected_message);
  g_assert_cmpstr (got, ==, expected);

  free_guarded (copy);
}

static void
assert_invalid (const char *data,
                gsize       expected_offset,
                const char *expected_message)
{
  assert_invalid_len (data, strlen (data), expected_offset, expected_message);
}

#define EOF_OBJECT    "unexpected end of input in an object"
#define EOF_ARRAY     "unexpected end of input in an array"
#define AFTER_VALUE   "unexpected data after the JSON value"
#define BAD_LITERAL   "invalid literal (expected true, false or null)"
#define UNTERMINATED  "unterminated string"
#define CONTROL       "control character in a string (must be escaped)"
#define BAD_UTF8      "invalid UTF-8 in a string"
#define BAD_U         "invalid \\u escape in a string (expected four hex digits)"
#define LONE_HIGH     "unpaired high surrogate in a \\u escape (expected a low one to follow)"
#define LONE_LOW      "unpaired low surrogate in a \\u escape"
#define BAD_KEY       "expected a string in double quotes as an object key"
#define NO_VALUE      "expected a value"
#define NO_VALUE_END  "expected a value before the closing bracket"

typedef struct
{
  const char *json;
  MtJsonType  type;
} ValidCase;

static const ValidCase valid_cases[] = {
  { "{}", MT_JSON_OBJECT },
  { "[]", MT_JSON_ARRAY },
  { "\"x\"", MT_JSON_STRING },
  { "\"\"", MT_JSON_STRING },
  { "0", MT_JSON_NUMBER },
  { "-0", MT_JSON_NUMBER },
  { "123", MT_JSON_NUMBER },
  { "-1.5e+10", MT_JSON_NUMBER },
  { "1E-2", MT_JSON_NUMBER },
  { "1e5", MT_JSON_NUMBER },
  { "0.0", MT_JSON_NUMBER },
  { "-0.0e-0", MT_JSON_NUMBER },
  { "10.25E+007", MT_JSON_NUMBER },
  { "true", MT_JSON_TRUE },
  { "false", MT_JSON_FALSE },
  { "null", MT_JSON_NULL },
  { " \t\r\n{ \"a\" : [ 1 , 2 ] } \n", MT_JSON_OBJECT },
  { "{\"a\":{\"b\":{\"c\":[]}}}", MT_JSON_OBJECT },
  { "[[[]]]", MT_JSON_ARRAY },
  { "[ ]", MT_JSON_ARRAY },
  { "{ }", MT_JSON_OBJECT },
  { "[1,\"two\",null,true,false,{},[],-3.5]", MT_JSON_ARRAY },
  { "{\"a\":1,\"a\":2}", MT_JSON_OBJECT },
  { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", MT_JSON_STRING },
  { "\"\\u00e9\\u00E9\\uD83D\\uDE00\"", MT_JSON_STRING },
  { "\"\\u0000\"", MT_JSON_STRING },
  { "\"\\uDBFF\\uDFFF\"", MT_JSON_STRING },
  { "\"\\uFFFF\"", MT_JSON_STRING },
  { "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", MT_JSON_STRING },
  { "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\"", MT_JSON_STRING },
  { "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"", MT_JSON_STRING },
  { "\"\xef\xbf\xbf\"", MT_JSON_STRING },
  { "\"\x7f\"", MT_JSON_STRING },
  { "{\"a\\u0000b\":[\"\\ud800\\udc00\"]}", MT_JSON_OBJECT },
  { "[\"}\",\"]\",\"{\",\"[\",\"\\\"]\"]", MT_JSON_ARRAY },
  { "{\"\":\"\"}", MT_JSON_OBJECT },
  { "[1e1,-1E-1,0.5e+5,123456789012345678901234567890]", MT_JSON_ARRAY },
};

typedef struct
{
  const char *json;
  gsize       offset;
  const char *message;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  /* Structure */
  { "", 0, "empty input" },
  { " \n\t ", 4, "empty input" },
  { "{", 1, EOF_OBJECT },
  { "[", 1, EOF_ARRAY },
  { "[1,", 3, EOF_ARRAY },
  { "[1", 2, EOF_ARRAY },
  { "{\"a\"", 4, EOF_OBJECT },
  { "{\"a\":", 5, EOF_OBJECT },
  { "{\"a\":1", 6, EOF_OBJECT },
  { "{\"a\":1,", 7, EOF_OBJECT },
  { "{\"a\" 1}", 5, "expected ':' after an object key" },
  { "{\"a\":1 \"b\":2}", 7, "expected ',' or '}' after an object member" },
  { "{\"a\":1]", 6, "expected ',' or '}' after an object member" },
  { "[1 2]", 3, "expected ',' or ']' after an array element" },
  { "[1}", 2, "expected ',' or ']' after an array element" },
  { "[1,]", 3, "trailing comma in an array" },
  { "{\"a\":1,}", 7, "trailing comma in an object" },
  { "{a:1}", 1, BAD_KEY },
  { "{1:1}", 1, BAD_KEY },
  { "{]", 1, BAD_KEY },
  { "{,}", 1, BAD_KEY },
  { "{'a':1}", 1, BAD_KEY },
  { "[}", 1, NO_VALUE_END },
  { "{\"a\":}", 5, NO_VALUE_END },
  { "[1,,2]", 3, NO_VALUE },
  { "[,1]", 1, NO_VALUE },
  { "{\"a\"::1}", 5, NO_VALUE },
  { "[1]]", 3, AFTER_VALUE },
  { "{} {}", 3, AFTER_VALUE },
  { "1 2", 2, AFTER_VALUE },
  { "\"a\" \"b\"", 4, AFTER_VALUE },
  { "'a'", 0, "strings must be in double quotes" },
  { "\xef\xbb\xbf{}", 0, "byte order mark before the JSON value" },
  { "\xc3\xa9", 0, NO_VALUE },
  { "[1]\xc3", 3, AFTER_VALUE },
  { "/* c */ 1", 0, NO_VALUE },
  /* Numbers */
  { "01", 0, "leading zero in a number" },
  { "-01", 1, "leading zero in a number" },
  { "[00]", 1, "leading zero in a number" },
  { "+1", 0, "a number cannot start with '+'" },
  { ".5", 0, "a number cannot start with '.' (write 0.5, not .5)" },
  { "1.", 2, "expected a digit after the decimal point" },
  { "1.e5", 2, "expected a digit after the decimal point" },
  { "-", 1, "expected a digit after '-'" },
  { "-a", 1, "expected a digit after '-'" },
  { "- 1", 1, "expected a digit after '-'" },
  { "1e", 2, "expected a digit in the exponent" },
  { "1e+", 3, "expected a digit in the exponent" },
  { "1E-x", 3, "expected a digit in the exponent" },
  { "0x10", 1, AFTER_VALUE },
  { "1.5.2", 3, AFTER_VALUE },
  { "[NaN]", 1, NO_VALUE },
  { "Infinity", 0, NO_VALUE },
  { "-Infinity", 1, "expected a digit after '-'" },
  /* Literals */
  { "tru", 3, BAD_LITERAL },
  { "trUe", 2, BAD_LITERAL },
  { "nul", 3, BAD_LITERAL },
  { "fals e", 4, BAD_LITERAL },
  { "[nil]", 2, BAD_LITERAL },
  { "True", 0, NO_VALUE },
  { "nulls", 4, AFTER_VALUE },
  /* Strings */
  { "\"abc", 0, UNTERMINATED },
  { "[\"abc", 1, UNTERMINATED },
  { "{\"abc", 1, UNTERMINATED },
  { "\"abc\\", 0, UNTERMINATED },
  { "\"abc\\\"", 0, UNTERMINATED },
  { "\"\\q\"", 1, "invalid escape '\\q' in a string" },
  { "\"ab\\x41\"", 3, "invalid escape '\\x' in a string" },
  { "\"\\'\"", 1, "invalid escape '\\'' in a string" },
  { "\"\\U0041\"", 1, "invalid escape '\\U' in a string" },
  { "\"\\0\"", 1, "invalid escape '\\0' in a string" },
  { "\"\\ \"", 1, "invalid escape '\\ ' in a string" },
  { "\"\\\xc3\xa9\"", 1, "invalid escape in a string" },
  { "\"\\\t\"", 1, "invalid escape in a string" },
  { "{\"\\q\":1}", 2, "invalid escape '\\q' in a string" },
  { "\"\\u12\"", 1, BAD_U },
  { "\"\\u12G4\"", 1, BAD_U },
  { "\"\\u00\"", 1, BAD_U },
  { "\"\\u-123\"", 1, BAD_U },
  { "\"\\u12", 0, UNTERMINATED },
  { "\"\\u", 0, UNTERMINATED },
  { "\"\\uD800\"", 1, LONE_HIGH },
  { "\"a\\ud83d\\u0041\"", 2, LONE_HIGH },
  { "\"\\uD800x\"", 1, LONE_HIGH },
  { "\"\\uD800\\n\"", 1, LONE_HIGH },
  { "\"\\uD800\\uD800\"", 1, LONE_HIGH },
  { "\"\\uDBFF\\uE000\"", 1, LONE_HIGH },
  { "\"\\uDC00\"", 1, LONE_LOW },
  { "\"\\uDFFF\\uD800\"", 1, LONE_LOW },
  { "\"\\uD800\\uZZZZ\"", 7, BAD_U },
  { "\"\\uD800", 0, UNTERMINATED },
  { "\"\\uD800\\", 0, UNTERMINATED },
  { "\"\\uD800\\uDC", 0, UNTERMINATED },
  { "\"a\tb\"", 2, CONTROL },
  { "\"a\nb\"", 2, CONTROL },
  { "\"\x01\"", 1, CONTROL },
  { "\"\x1f\"", 1, CONTROL },
  { "[\"ok\",\"line\r\"]", 11, CONTROL },
  /* UTF-8 inside strings */
  { "\"\x80\"", 1, BAD_UTF8 },
  { "\"\xbf\"", 1, BAD_UTF8 },
  { "\"\xc0\x80\"", 1, BAD_UTF8 },
  { "\"\xc1\xbf\"", 1, BAD_UTF8 },
  { "\"\xe0\x80\xaf\"", 1, BAD_UTF8 },
  { "\"\xe0\x9f\xbf\"", 1, BAD_UTF8 },
  { "\"\xed\xa0\x80\"", 1, BAD_UTF8 },
  { "\"\xed\xbf\xbf\"", 1, BAD_UTF8 },
  { "\"\xf0\x80\x80\xaf\"", 1, BAD_UTF8 },
  { "\"\xf0\x8f\xbf\xbf\"", 1, BAD_UTF8 },
  { "\"\xf4\x90\x80\x80\"", 1, BAD_UTF8 },
  { "\"\xf5\x80\x80\x80\"", 1, BAD_UTF8 },
  { "\"\xf8\x88\x80\x80\x80\"", 1, BAD_UTF8 },
  { "\"\xfe\"", 1, BAD_UTF8 },
  { "\"\xff\"", 1, BAD_UTF8 },
  { "\"\xc3\"", 1, BAD_UTF8 },
  { "\"\xc3", 1, BAD_UTF8 },
  { "\"\xe2\x82\"", 1, BAD_UTF8 },
  { "\"\xe2\x82", 1, BAD_UTF8 },
  { "\"\xf0\x9f\x98\"", 1, BAD_UTF8 },
  { "\"\xe2\x82\x41\"", 1, BAD_UTF8 },
  { "\"\xc3\xa9\xc3\"", 3, BAD_UTF8 },
  { "\"ab\xc3\xa9\x80\"", 5, BAD_UTF8 },
  { "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\x80\"", 10, BAD_UTF8 },
  { "{\"k\xff\":1}", 3, BAD_UTF8 },
};

static void
test_valid_table (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    assert_valid (valid_cases[i].json, valid_cases[i].type);
}

static void
test_invalid_table (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    assert_invalid (invalid_cases[i].json, invalid_cases[i].offset, invalid_cases[i].message);

  g_test_message ("%" G_GSIZE_FORMAT " valid and %" G_GSIZE_FORMAT " invalid documents",
                  G_N_ELEMENTS (valid_cases), G_N_ELEMENTS (invalid_cases));
}

static void
test_embedded_nul (void)
{
  /* Lengths are explicit: a NUL is data, not the end. */
  assert_invalid_len ("\"a\0b\"", 5, 2, CONTROL);
  assert_invalid_len ("[1]\0", 4, 3, AFTER_VALUE);
  assert_invalid_len ("\0", 1, 0, NO_VALUE);
  assert_valid_len ("[1] trailing", 4, MT_JSON_ARRAY);
  assert_invalid_len ("[1] trailing", 5, 4, AFTER_VALUE);
}

static void
test_null_out_arguments (void)
{
  g_assert_true (mt_json_validate ("[1]", 3, NULL, NULL, NULL));
  g_assert_false (mt_json_validate ("[1", 2, NULL, NULL, NULL));
  g_assert_false (mt_json_validate (NULL, 0, NULL, NULL, NULL));
}

static void
test_root_bounds (void)
{
  const char *json = "  \n[1, 2]\t \r\n";
  MtJsonValue root;
  gsize offset;
  const char *message;

  g_assert_true (mt_json_validate (json, strlen (json), &root, &offset, &message));
  g_assert_true (root.start == json + 3);
  g_assert_cmpuint (root.len, ==, 6);
  g_assert_cmpint (root.type, ==, MT_JSON_ARRAY);

  json = " -12.5e3 ";
  g_assert_true (mt_json_validate (json, strlen (json), &root, &offset, &message));
  g_assert_true (root.start == json + 1);
  g_assert_cmpuint (root.len, ==, 7);
  g_assert_cmpint (root.type, ==, MT_JSON_NUMBER);
}

/* A special byte at every position of a long string exercises both the
 * vector loop and the byte-at-a-time tail, and every alignment. */
static void
test_long_string_positions (void)
{
  for (gsize len = 0; len < 80; len++)
    {
      for (gsize at = 0; at < len; at++)
        {
          g_autofree char *text = g_strnfill (len + 2, 'a');

          text[0] = '"';
          text[len + 1] = '"';

          text[at + 1] = '\x02';
          assert_invalid (text, at + 1, CONTROL);

          text[at + 1] = '\xff';
          assert_invalid (text, at + 1, BAD_UTF8);

          text[at + 1] = '\x80';
          assert_invalid (text, at + 1, BAD_UTF8);

          /* The quote ends the string early: the rest is trailing data. */
          text[at + 1] = '"';
          assert_invalid (text, at + 2, AFTER_VALUE);

          if (at + 1 < len)
            {
              text[at + 1] = '\\';
              text[at + 2] = 'z';
              assert_invalid (text, at + 1, "invalid escape '\\z' in a string");
              text[at + 2] = 'n';
              assert_valid (text, MT_JSON_STRING);
              text[at + 1] = '\xc3';
              text[at + 2] = '\xa9';
              assert_valid (text, MT_JSON_STRING);
              text[at + 2] = 'a';
            }

          text[at + 1] = 'a';
          text[len + 1] = 'a';
          assert_invalid (text, 0, UNTERMINATED);
        }
    }
}

static void
test_utf8 (void)
{
  /* Every boundary of RFC 3629's table, each in a string alone. */
  static const char * const accepted[] = {
    "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xe0\xbf\xbf", "\xe1\x80\x80",
    "\xec\xbf\xbf", "\xed\x80\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
    "\xf0\x90\x80\x80", "\xf0\xbf\xbf\xbf", "\xf1\x80\x80\x80", "\xf3\xbf\xbf\xbf",
    "\xf4\x80\x80\x80", "\xf4\x8f\xbf\xbf",
  };
  static const char * const rejected[] = {
    "\x80", "\xbf", "\xc0\x80", "\xc0\xbf", "\xc1\x80", "\xc2\x7f", "\xc2\xc0", "\xe0\x80\x80",
    "\xe0\x9f\xbf", "\xe0\xa0\x7f", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\x80",
    "\xf0\x8f\xbf\xbf", "\xf0\x90\x80\x7f", "\xf0\x90\x7f\x80", "\xf4\x90\x80\x80",
    "\xf4\xbf\xbf\xbf", "\xf5\x80\x80\x80", "\xf7\xbf\xbf\xbf", "\xf8\x88\x80\x80\x80",
    "\xfc\x84\x80\x80\x80\x80", "\xfe", "\xff",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autofree char *doc = g_strdup_printf ("\"%s\"", accepted[i]);
      g_autofree char *long_doc = g_strdup_printf ("[\"%s%s%s\"]",
                                                   "0123456789abcdefghijklmnopqrstuv",
                                                   accepted[i], accepted[i]);
      MtJsonValue root;
      g_autofree char *copy = NULL;

      assert_valid (doc, MT_JSON_STRING);
      assert_valid (long_doc, MT_JSON_ARRAY);

      /* Raw UTF-8 comes back byte for byte. */
      g_assert_true (mt_json_validate (doc, strlen (doc), &root, NULL, NULL));
      copy = mt_json_value_dup_string (&root);
      g_assert_cmpstr (copy, ==, accepted[i]);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (rejected); i++)
    {
      g_autofree char *doc = g_strdup_printf ("\"%s\"", rejected[i]);
      g_autofree char *after_ascii = g_strdup_printf ("\"%s%s\"",
                                                      "0123456789abcdefghijklmnopqrstuvw",
                                                      rejected[i]);
      g_autofree char *after_utf8 = g_strdup_printf ("\"\xc3\xa9\xe2\x82\xac%s\"", rejected[i]);

      assert_invalid (doc, 1, BAD_UTF8);
      assert_invalid (after_ascii, 34, BAD_UTF8);
      assert_invalid (after_utf8, 6, BAD_UTF8);
    }

  /* Bytes that are not UTF-8 at all are a syntax error outside strings. */
  assert_invalid ("[1,\xff]", 3, NO_VALUE);
  assert_invalid ("{\"a\":1\xc3\xa9}", 6, "expected ',' or '}' after an object member");
}

typedef struct
{
  const char *json;
  const char *expected;
} StringCase;

static void
test_escapes (void)
{
  static const StringCase cases[] = {
    { "\"\"", "" },
    { "\"plain\"", "plain" },
    { "\"\\\"\"", "\"" },
    { "\"\\\\\"", "\\" },
    { "\"\\/\"", "/" },
    { "\"a/b\"", "a/b" },
    { "\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t" },
    { "\"\\u0041\\u00e9\\u00E9\"", "A\xc3\xa9\xc3\xa9" },
    { "\"\\u0001\\u001f\\u007f\"", "\x01\x1f\x7f" },
    { "\"\\u0080\\u07ff\\u0800\\uffff\"", "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf" },
    { "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },
    { "\"\\uD800\\uDC00\\uDBFF\\uDFFF\"", "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf" },
    { "\"a\\u0000b\"", "a\xc0\x80" "b" },
    { "\"\\u0000\"", "\xc0\x80" },
    { "\"\\\\n is not a newline\"", "\\n is not a newline" },
    { "\"\\\\\\\"\\\\\"", "\\\"\\" },
    { "\"x\\n\\n\\\\frac{1}{2}\\n and \\\\sqrt{2} \\u2014 \xe2\x80\x94 with text long enough "
      "for a vector\\t\\\"quoted\\\"\"",
      "x\n\n\\frac{1}{2}\n and \\sqrt{2} \xe2\x80\x94 \xe2\x80\x94 with text long enough for "
      "a vector\t\"quoted\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *copy = guarded_copy (cases[i].json, strlen (cases[i].json));
      MtJsonValue root;
      gsize offset;
      const char *message;
      g_autofree char *text = NULL;

      g_assert_true (mt_json_validate (copy, strlen (cases[i].json), &root, &offset, &message));
      g_assert_cmpint (root.type, ==, MT_JSON_STRING);
      text = mt_json_value_dup_string (&root);
      g_assert_cmpstr (text, ==, cases[i].expected);
      free_guarded (copy);
    }
}

static void
test_depth (void)
{
  GString *doc = g_string_new (NULL);

  for (guint i = 0; i < MT_JSON_MAX_DEPTH; i++)
    g_string_append_c (doc, '[');
  for (guint i = 0; i < MT_JSON_MAX_DEPTH; i++)
    g_string_append_c (doc, ']');
  assert_valid_len (doc->str, doc->len, MT_JSON_ARRAY);

  g_string_prepend_c (doc, '[');
  g_string_append_c (doc, ']');
  assert_invalid_len (doc->str, doc->len, MT_JSON_MAX_DEPTH, "nesting deeper than 512");

  /* Objects count the same, and closing a container frees its level. */
  g_string_truncate (doc, 0);
  for (guint i = 0; i < MT_JSON_MAX_DEPTH; i++)
    g_string_append (doc, "{\"a\":");
  g_string_append (doc, "1");
  for (guint i = 0; i < MT_JSON_MAX_DEPTH; i++)
    g_string_append_c (doc, '}');
  assert_valid_len (doc->str, doc->len, MT_JSON_OBJECT);

  /* Closing a container frees its level: three siblings each reaching the
   * limit are fine, one going past it is not. */
  for (guint extra = 0; extra < 2; extra++)
    {
      g_string_assign (doc, "[");
      for (guint round = 0; round < 3; round++)
        {
          guint levels = MT_JSON_MAX_DEPTH - 1 + (round == 2 ? extra : 0);

          if (round > 0)
            g_string_append_c (doc, ',');
          for (guint i = 0; i < levels; i++)
            g_string_append (doc, i % 2 == 0 ? "{\"k\":" : "[");
          g_string_append (doc, "0");
          for (guint i = levels; i > 0; i--)
            g_string_append_c (doc, (i - 1) % 2 == 0 ? '}' : ']');
        }
      g_string_append_c (doc, ']');
      if (extra == 0)
        assert_valid_len (doc->str, doc->len, MT_JSON_ARRAY);
      else
        assert_invalid_len (doc->str, doc->len, (gsize) (strrchr (doc->str, '[') - doc->str),
                            "nesting deeper than 512");
    }

  g_string_truncate (doc, 0);
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (doc, '[');
  assert_invalid_len (doc->str, doc->len, MT_JSON_MAX_DEPTH, "nesting deeper than 512");

  g_string_free (doc, TRUE);
}

static char *
dup_raw (const MtJsonValue *value)
{
  return g_strndup (value->start, value->len);
}

static void
test_iteration_order (void)
{
  const char *json = "{ \"b\" : 1 ,\"a\":[1, 2,{\"x\":\"y\"} ],\"c\":\"s\\\"}]\" ,\"d\":{\"e\":[]},"
                     "\"f\":null,\"g\":true,\"h\":false,\"i\":-2.5e3,\"\":\"\"}";
  static const struct {
    const char *key;
    MtJsonType  type;
    const char *raw;
  } expected[] = {
    { "b", MT_JSON_NUMBER, "1" },
    { "a", MT_JSON_ARRAY, "[1, 2,{\"x\":\"y\"} ]" },
    { "c", MT_JSON_STRING, "\"s\\\"}]\"" },
    { "d", MT_JSON_OBJECT, "{\"e\":[]}" },
    { "f", MT_JSON_NULL, "null" },
    { "g", MT_JSON_TRUE, "true" },
    { "h", MT_JSON_FALSE, "false" },
    { "i", MT_JSON_NUMBER, "-2.5e3" },
    { "", MT_JSON_STRING, "\"\"" },
  };
  static const char * const elements[] = { "1", "2", "{\"x\":\"y\"}" };
  MtJsonValue root;
  MtJsonValue element;
  MtJsonMember member;
  MtJsonIter iter;
  MtJsonIter inner;
  gsize i = 0;

  g_assert_true (mt_json_validate (json, strlen (json), &root, NULL, NULL));

  mt_json_iter_init (&iter, &root);
  while (mt_json_iter_next_member (&iter, &member))
    {
      g_autofree char *raw = dup_raw (&member.value);

      g_assert_cmpuint (i, <, G_N_ELEMENTS (expected));
      g_assert_true (mt_json_member_key_equal (&member, expected[i].key));
      g_assert_cmpuint (member.key_len, ==, strlen (expected[i].key));
      g_assert_cmpint (member.value.type, ==, expected[i].type);
      g_assert_cmpstr (raw, ==, expected[i].raw);

      if (member.value.type == MT_JSON_ARRAY)
        {
          gsize j = 0;

          mt_json_iter_init (&inner, &member.value);
          while (mt_json_iter_next_element (&inner, &element))
            {
              g_autofree char *element_raw = dup_raw (&element);

              g_assert_cmpuint (j, <, G_N_ELEMENTS (elements));
              g_assert_cmpstr (element_raw, ==, elements[j]);
              j++;
            }
          g_assert_cmpuint (j, ==, G_N_ELEMENTS (elements));
          /* Exhausted stays exhausted. */
          g_assert_false (mt_json_iter_next_element (&inner, &element));
        }
      i++;
    }
  g_assert_cmpuint (i, ==, G_N_ELEMENTS (expected));
  g_assert_false (mt_json_iter_next_member (&iter, &member));

  /* Empty containers, with and without whitespace. */
  for (guint k = 0; k < 4; k++)
    {
      static const char * const empties[] = { "{}", "[]", "{ \n }", "[\t]" };

      g_assert_true (mt_json_validate (empties[k], strlen (empties[k]), &root, NULL, NULL));
      mt_json_iter_init (&iter, &root);
      if (root.type == MT_JSON_OBJECT)
        g_assert_false (mt_json_iter_next_member (&iter, &member));
      else
        g_assert_false (mt_json_iter_next_element (&iter, &element));
    }
}

static void
test_iteration_misuse (void)
{
  const char *json = "\"just a string\"";
  MtJsonValue root;
  MtJsonIter iter;
  MtJsonMember member;

  g_assert_true (mt_json_validate (json, strlen (json), &root, NULL, NULL));

  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*container->type*");
  mt_json_iter_init (&iter, &root);
  g_test_assert_expected_messages ();
  g_assert_false (mt_json_iter_next_member (&iter, &member));

  json = "[\"a\"]";
  g_assert_true (mt_json_validate (json, strlen (json), &root, NULL, NULL));
  mt_json_iter_init (&iter, &root);
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*'}'*");
  g_assert_false (mt_json_iter_next_member (&iter, &member));
  g_test_assert_expected_messages ();
}

static void
test_object_get (void)
{
  const char *json = "{\"a\\u0062c\":1,\"abc\":2,\"\\u00e9t\\u00E9\":3,\"tab\\t\":4,"
                     "\"\\ud83d\\ude00\":5,\"nul\\u0000\":6,\"q\\\"uote\":7,\"sl\\/ash\":8,"
                     "\"back\\\\slash\":9,\"\xc3\xa9t\xc3\xa9 raw\":10,\"ab\":11}";
  static const struct {
    const char *key;
    gint64      value;
  } found[] = {
    { "abc", 1 },
    { "\xc3\xa9t\xc3\xa9", 3 },
    { "tab\t", 4 },
    { "\xf0\x9f\x98\x80", 5 },
    { "nul\xc0\x80", 6 },
    { "q\"uote", 7 },
    { "sl/ash", 8 },
    { "back\\slash", 9 },
    { "\xc3\xa9t\xc3\xa9 raw", 10 },
    { "ab", 11 },
  };
  static const char * const missing[] = {
    "a", "abcd", "abC", "", "tab", "tab\t ", "\xf0\x9f\x98", "nul", "q", "sl\\/ash",
    "back\\\\slash", "\xc3\xa9t\xc3\xa9 ra",
  };
  MtJsonValue root;
  MtJsonValue value;

  g_assert_true (mt_json_validate (json, strlen (json), &root, NULL, NULL));

  for (gsize i = 0; i < G_N_ELEMENTS (found); i++)
    {
      gint64 n = -1;

      g_assert_true (mt_json_object_get (&root, found[i].key, &value));
      g_assert_true (mt_json_value_get_int64 (&value, &n));
      g_assert_cmpint (n, ==, found[i].value);
      g_assert_true (mt_json_object_get (&root, found[i].key, NULL));
    }

  for (gsize i = 0; i < G_N_ELEMENTS (missing); i++)
    g_assert_false (mt_json_object_get (&root, missing[i], &value));

  /* Only objects have members. */
  json = "[\"abc\"]";
  g_assert_true (mt_json_validate (json, strlen (json), &root, NULL, NULL));
  g_assert_false (mt_json_object_get (&root, "abc", &value));

  /* The first of duplicate keys wins. */
  json = "{\"k\":1,\"k\":2}";
  g_assert_true (mt_json_validate (json, strlen (json), &root, NULL, NULL));
  g_assert_true (mt_json_object_get (&root, "k", &value));
  g_assert_cmpint (value.start[0], ==, '1');

  /* Nested members are not found at the top. */
  json = "{\"outer\":{\"inner\":1},\"s\":\"inner\"}";
  g_assert_true (mt_json_validate (json, strlen (json), &root, NULL, NULL));
  g_assert_false (mt_json_object_get (&root, "inner", &value));
  g_assert_true (mt_json_object_get (&root, "outer", &value));
  g_assert_true (mt_json_object_get (&value, "inner", &value));
  g_assert_cmpint (value.type, ==, MT_JSON_NUMBER);
}

static void
test_dup_string (void)
{
  const char *json = "[1,true,null,{},\"x\"]";
  MtJsonValue root;
  MtJsonValue element;
  MtJsonIter iter;
  guint strings = 0;

  g_assert_true (mt_json_validate (json, strlen (json), &root, NULL, NULL));
  g_assert_null (mt_json_value_dup_string (&root));

  mt_json_iter_init (&iter, &root);
  while (mt_json_iter_next_element (&iter, &element))
    {
      g_autofree char *s = mt_json_value_dup_string (&element);

      if (element.type == MT_JSON_STRING)
        {
          g_assert_cmpstr (s, ==, "x");
          strings++;
        }
      else
        {
          g_assert_null (s);
        }
    }
  g_assert_cmpuint (strings, ==, 1);
}

static gunichar
random_char (void)
{
  switch (g_test_rand_int_range (0, 10))
    {
    case 0:
      return (gunichar) g_test_rand_int_range (0, 0x20);
    case 1:
      return "\"\\/"[g_test_rand_int_range (0, 3)];
    case 2:
      return (gunichar) g_test_rand_int_range (0x80, 0x800);
    case 3:
      {
        gunichar c = (gunichar) g_test_rand_int_range (0x800, 0x10000);

        return c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
      }
    case 4:
      return (gunichar) g_test_rand_int_range (0x10000, 0x110000);
    default:
      return (gunichar) g_test_rand_int_range (0x20, 0x7f);
    }
}

/* Encodes @chars as a JSON string, raw where JSON allows it or as \u
 * escapes (surrogate pairs above the BMP) when @ascii_only. */
static void
append_json_string (GString        *out,
                    const gunichar *chars,
                    gsize           n,
                    gboolean        ascii_only)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < n; i++)
    {
      gunichar c = chars[i];

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '/':  g_string_append (out, i % 2 ? "\\/" : "/"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else if (c < 0x80 || !ascii_only)
            g_string_append_unichar (out, c);
          else if (c < 0x10000)
            g_string_append_printf (out, i % 2 ? "\\u%04x" : "\\u%04X", c);
          else
            g_string_append_printf (out, "\\u%04x\\u%04X",
                                    0xd800 + ((c - 0x10000) >> 10),
                                    0xdc00 + ((c - 0x10000) & 0x3ff));
          break;
        }
    }
  g_string_append_c (out, '"');
}

static void
test_dup_string_round_trip (void)
{
  for (guint round = 0; round < 2000; round++)
    {
      gsize n = (gsize) g_test_rand_int_range (0, round < 1000 ? 40 : 400);
      g_autofree gunichar *chars = g_new (gunichar, n + 1);
      GString *expected = g_string_new (NULL);
      GString *json = g_string_new (NULL);
      g_autofree char *key = NULL;
      MtJsonValue root;
      MtJsonValue value;
      MtJsonIter iter;
      MtJsonMember member;
      gsize offset = 0;
      const char *message = NULL;
      gboolean ascii_only = round % 2 == 1;

      for (gsize i = 0; i < n; i++)
        {
          chars[i] = random_char ();
          if (chars[i] == 0)
            g_string_append (expected, "\xc0\x80");
          else
            g_string_append_unichar (expected, chars[i]);
        }

      /* The same text as a key and as a value. */
      g_string_append_c (json, '{');
      append_json_string (json, chars, n, ascii_only);
      g_string_append_c (json, ':');
      append_json_string (json, chars, n, !ascii_only);
      g_string_append_c (json, '}');

      if (!mt_json_validate (json->str, json->len, &root, &offset, &message))
        g_error ("rejected %s at %" G_GSIZE_FORMAT ": %s", json->str, offset, message);

      mt_json_iter_init (&iter, &root);
      g_assert_true (mt_json_iter_next_member (&iter, &member));
      g_assert_true (mt_json_member_key_equal (&member, expected->str));
      {
        g_autofree char *text = mt_json_value_dup_string (&member.value);

        g_assert_cmpmem (text, strlen (text), expected->str, expected->len);
      }
      g_assert_false (mt_json_iter_next_member (&iter, &member));
      g_assert_true (mt_json_object_get (&root, expected->str, &value));

      /* A key that differs in its last byte must not match. */
      if (expected->len > 0)
        {
          key = g_strdup (expected->str);
          key[expected->len - 1] ^= 0x01;
          if (key[expected->len - 1] != '\0')
            g_assert_false (mt_json_member_key_equal (&member, key));
        }

      g_string_free (json, TRUE);
      g_string_free (expected, TRUE);
    }
}

static void
test_numbers (void)
{
  static const struct {
    const char *json;
    gboolean    fits;
    gint64      value;
  } ints[] = {
    { "0", TRUE, 0 },
    { "-0", TRUE, 0 },
    { "7", TRUE, 7 },
    { "-42", TRUE, -42 },
    { "9223372036854775807", TRUE, G_MAXINT64 },
    { "-9223372036854775808", TRUE, G_MININT64 },
    { "9223372036854775808", FALSE, 0 },
    { "-9223372036854775809", FALSE, 0 },
    { "10000000000000000000", FALSE, 0 },
    { "99999999999999999999999", FALSE, 0 },
    { "5.0", FALSE, 0 },
    { "1e3", FALSE, 0 },
    { "-1E0", FALSE, 0 },
    { "0.5", FALSE, 0 },
  };
  static const struct {
    const char *json;
    gboolean    fits;
    double      value;
  } doubles[] = {
    { "0", TRUE, 0.0 },
    { "1.5", TRUE, 1.5 },
    { "-2e-3", TRUE, -0.002 },
    { "1E+2", TRUE, 100.0 },
    { "9223372036854775807", TRUE, 9223372036854775807.0 },
    { "1e308", TRUE, 1e308 },
    { "1e999", FALSE, 0 },
    { "-1e999", FALSE, 0 },
    { "1e-999", TRUE, 0.0 },
  };
  MtJsonValue root;
  gint64 n;
  double d;

  for (gsize i = 0; i < G_N_ELEMENTS (ints); i++)
    {
      g_assert_true (mt_json_validate (ints[i].json, strlen (ints[i].json), &root, NULL, NULL));
      n = 12345;
      g_assert_cmpint (mt_json_value_get_int64 (&root, &n), ==, ints[i].fits);
      if (ints[i].fits)
        g_assert_cmpint (n, ==, ints[i].value);
      else
        g_assert_cmpint (n, ==, 12345);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      g_assert_true (mt_json_validate (doubles[i].json, strlen (doubles[i].json), &root,
                                       NULL, NULL));
      d = 42.0;
      g_assert_cmpint (mt_json_value_get_double (&root, &d), ==, doubles[i].fits);
      if (doubles[i].fits)
        g_assert_cmpfloat (d, ==, doubles[i].value);
    }

  /* Longer than any stack buffer for the copy. */
  {
    GString *big = g_string_new ("1.");

    for (guint i = 0; i < 500; i++)
      g_string_append_c (big, "0123456789"[i % 10]);
    g_assert_true (mt_json_validate (big->str, big->len, &root, NULL, NULL));
    g_assert_true (mt_json_value_get_double (&root, &d));
    g_assert_cmpfloat_with_epsilon (d, 1.0123456789, 1e-9);
    g_assert_false (mt_json_value_get_int64 (&root, &n));
    g_string_free (big, TRUE);
  }

  /* Not numbers at all. */
  g_assert_true (mt_json_validate ("\"12\"", 4, &root, NULL, NULL));
  g_assert_false (mt_json_value_get_int64 (&root, &n));
  g_assert_false (mt_json_value_get_double (&root, &d));
  g_assert_true (mt_json_validate ("true", 4, &root, NULL, NULL));
  g_assert_false (mt_json_value_get_int64 (&root, &n));
}

static void
test_type_describe (void)
{
  g_assert_cmpstr (mt_json_type_describe (MT_JSON_NULL), ==, "null");
  g_assert_cmpstr (mt_json_type_describe (MT_JSON_TRUE), ==, "a boolean");
  g_assert_cmpstr (mt_json_type_describe (MT_JSON_FALSE), ==, "a boolean");
  g_assert_cmpstr (mt_json_type_describe (MT_JSON_NUMBER), ==, "a number");
  g_assert_cmpstr (mt_json_type_describe (MT_JSON_STRING), ==, "a string");
  g_assert_cmpstr (mt_json_type_describe (MT_JSON_ARRAY), ==, "an array");
  g_assert_cmpstr (mt_json_type_describe (MT_JSON_OBJECT), ==, "an object");
}

static void
test_very_long_string (void)
{
  static const char piece_json[] = "Let me think about this.\\nWait, \\\\frac{1}{2} \xe2\x89\xa4 "
                                   "x \xe2\x80\x94 \\u00e9t\\u00e9 \xf0\x9f\xa4\x94 \\\"ok\\\". ";
  static const char piece_text[] = "Let me think about this.\nWait, \\frac{1}{2} \xe2\x89\xa4 "
                                   "x \xe2\x80\x94 \xc3\xa9t\xc3\xa9 \xf0\x9f\xa4\x94 \"ok\". ";
  const gsize target = 10 * 1024 * 1024;
  GString *json = g_string_sized_new (target + 1024);
  GString *text = g_string_sized_new (target);
  MtJsonValue root;
  MtJsonValue value;
  gsize offset = 0;
  const char *message = NULL;
  g_autofree char *copy = NULL;

  g_string_append (json, "{\"reasoning\":\"");
  while (json->len < target)
    {
      g_string_append (json, piece_json);
      g_string_append (text, piece_text);
    }
  g_string_append (json, "\",\"answer\":42}");

  g_assert_true (mt_json_validate (json->str, json->len, &root, &offset, &message));
  g_assert_true (mt_json_object_get (&root, "reasoning", &value));
  g_assert_cmpuint (value.len, >=, target - 20);
  copy = mt_json_value_dup_string (&value);
  g_assert_cmpuint (strlen (copy), ==, text->len);
  g_assert_true (memcmp (copy, text->str, text->len) == 0);
  g_assert_true (mt_json_object_get (&root, "answer", &value));

  /* A single bad byte near the end is still found, at the right place. */
  json->str[json->len - 20] = '\x01';
  g_assert_false (mt_json_validate (json->str, json->len, &root, &offset, &message));
  g_assert_cmpuint (offset, ==, json->len - 20);
  g_assert_cmpstr (message, ==, CONTROL);

  /* Torn off mid-string, as the last line of an interrupted write. */
  g_assert_false (mt_json_validate (json->str, target / 2, &root, &offset, &message));
  g_assert_cmpstr (message, ==, UNTERMINATED);
  g_assert_cmpuint (offset, ==, 13);

  g_string_free (json, TRUE);
  g_string_free (text, TRUE);
}

static void
cross_check_line (JsonParser *parser,
                  const char *line,
                  gsize       len,
                  const char *where)
{
  MtJsonValue root;
  MtJsonIter iter;
  MtJsonMember member;
  gsize offset = 0;
  const char *message = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  guint members = 0;

  if (!mt_json_validate (line, len, &root, &offset, &message))
    g_error ("%s: rejected at byte %" G_GSIZE_FORMAT ": %s", where, offset, message);

  if (!json_parser_load_from_data (parser, line, (gssize) len, &error))
    g_error ("%s: json-glib: %s", where, error->message);

  g_assert_cmpint (root.type, ==, MT_JSON_OBJECT);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  object = json_node_get_object (json_parser_get_root (parser));

  mt_json_iter_init (&iter, &root);
  while (mt_json_iter_next_member (&iter, &member))
    {
      MtJsonValue key_value = { MT_JSON_STRING, member.key - 1, member.key_len + 2 };
      g_autofree char *key = mt_json_value_dup_string (&key_value);
      JsonNode *node = json_object_get_member (object, key);
      MtJsonValue found;

      members++;
      g_assert_nonnull (node);
      g_assert_true (mt_json_object_get (&root, key, &found));
      g_assert_true (found.start == member.value.start);

      if (member.value.type == MT_JSON_STRING)
        {
          g_autofree char *ours = mt_json_value_dup_string (&member.value);

          g_assert_cmpstr (ours, ==, json_object_get_string_member (object, key));
        }
      else if (member.value.type == MT_JSON_NUMBER)
        {
          gint64 n;
          double d;

          if (json_node_get_value_type (node) == G_TYPE_INT64)
            {
              g_assert_true (mt_json_value_get_int64 (&member.value, &n));
              g_assert_cmpint (n, ==, json_node_get_int (node));
            }
          else
            {
              g_assert_true (mt_json_value_get_double (&member.value, &d));
              g_assert_cmpfloat (d, ==, json_node_get_double (node));
            }
        }
      else if (member.value.type == MT_JSON_NULL)
        {
          g_assert_true (JSON_NODE_HOLDS_NULL (node));
        }
      else if (member.value.type == MT_JSON_TRUE || member.value.type == MT_JSON_FALSE)
        {
          g_assert_cmpint (json_node_get_boolean (node), ==,
                           member.value.type == MT_JSON_TRUE);
        }
      else if (member.value.type == MT_JSON_ARRAY)
        {
          g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
        }
      else
        {
          g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
        }
    }

  g_assert_cmpuint (members, ==, json_object_get_size (object));
  walk (&root);
}

static void
test_json_glib_cross_check (void)
{
  const char *shared = g_getenv ("MT_SHARED_DATA");
  g_autofree char *traces = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *name;
  guint files = 0;
  guint lines = 0;

  if (shared == NULL)
    {
      g_test_skip ("MT_SHARED_DATA is not set");
      return;
    }

  traces = g_build_filename (shared, "traces", NULL);
  dir = g_dir_open (traces, 0, NULL);
  if (dir == NULL)
    {
      g_test_skip ("no traces under MT_SHARED_DATA");
      return;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub_path = g_build_filename (traces, name, NULL);
      g_autoptr(GDir) sub = g_dir_open (sub_path, 0, NULL);
      const char *file_name;

      if (sub == NULL)
        continue;

      while ((file_name = g_dir_read_name (sub)) != NULL)
        {
          g_autofree char *path = NULL;
          g_autofree char *contents = NULL;
          g_autoptr(GError) error = NULL;
          gsize len;
          const char *p;
          const char *end;
          guint line_number = 0;

          if (!g_str_has_suffix (file_name, ".jsonl"))
            continue;

          path = g_build_filename (sub_path, file_name, NULL);
          g_assert_true (g_file_get_contents (path, &contents, &len, &error));
          g_assert_no_error (error);
          files++;

          for (p = contents, end = contents + len; p < end;)
            {
              const char *newline = memchr (p, '\n', (gsize) (end - p));
              const char *line_end = newline != NULL ? newline : end;

              line_number++;
              if (line_end > p)
                {
                  g_autofree char *where = g_strdup_printf ("%s:%u", path, line_number);
                  const char *copy = guarded_copy (p, (gsize) (line_end - p));

                  cross_check_line (parser, copy, (gsize) (line_end - p), where);
                  free_guarded (copy);
                  lines++;
                }
              p = line_end + 1;
            }
        }
    }

  if (files == 0)
    {
      g_test_skip ("no *.jsonl files under MT_SHARED_DATA/traces");
      return;
    }

  g_test_message ("cross-checked %u lines of %u files against json-glib", lines, files);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  guard_buffer_init ();

  g_test_add_func ("/json-scan/valid", test_valid_table);
  g_test_add_func ("/json-scan/invalid", test_invalid_table);
  g_test_add_func ("/json-scan/embedded-nul", test_embedded_nul);
  g_test_add_func ("/json-scan/null-out-arguments", test_null_out_arguments);
  g_test_add_func ("/json-scan/root-bounds", test_root_bounds);
  g_test_add_func ("/json-scan/long-string-positions", test_long_string_positions);
  g_test_add_func ("/json-scan/utf8", test_utf8);
  g_test_add_func ("/json-scan/escapes", test_escapes);
  g_test_add_func ("/json-scan/depth", test_depth);
  g_test_add_func ("/json-scan/iteration-order", test_iteration_order);
  g_test_add_func ("/json-scan/iteration-misuse", test_iteration_misuse);
  g_test_add_func ("/json-scan/object-get", test_object_get);
  g_test_add_func ("/json-scan/dup-string", test_dup_string);
  g_test_add_func ("/json-scan/dup-string-round-trip", test_dup_string_round_trip);
  g_test_add_func ("/json-scan/numbers", test_numbers);
  g_test_add_func ("/json-scan/type-describe", test_type_describe);
  g_test_add_func ("/json-scan/very-long-string", test_very_long_string);
  g_test_add_func ("/json-scan/json-glib-cross-check", test_json_glib_cross_check);

  return g_test_run ();
}
