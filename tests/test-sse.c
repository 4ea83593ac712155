/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "mt-endpoint.h"
#include "mt-sse.h"

/* Events are recorded as "type|data|id" with NUL shown as "\0", so that a
 * whole stream's outcome compares as one string array. */
typedef struct
{
  GPtrArray *events;
  guint      stop_after;   /* fail in the callback after this many, 0: never */
} Recorder;

static gboolean
record_event_cb (const MtSseEvent  *event,
                 gpointer           user_data,
                 GError           **error)
{
  Recorder *recorder = user_data;
  GString *text = g_string_new (event->type);

  g_string_append_c (text, '|');
  for (gsize i = 0; i < event->data_len; i++)
    {
      if (event->data[i] == '\0')
        g_string_append (text, "\\0");
      else
        g_string_append_c (text, event->data[i]);
    }
  g_string_append_c (text, '|');
  g_string_append (text, event->last_event_id);

  g_assert_cmpint (event->data[event->data_len], ==, '\0');

  g_ptr_array_add (recorder->events, g_string_free (text, FALSE));

  if (recorder->stop_after > 0 && recorder->events->len >= recorder->stop_after)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "stop here");
      return FALSE;
    }

  return TRUE;
}

static void
recorder_init (Recorder *recorder)
{
  recorder->events = g_ptr_array_new_with_free_func (g_free);
  recorder->stop_after = 0;
}

static void
recorder_clear (Recorder *recorder)
{
  g_clear_pointer (&recorder->events, g_ptr_array_unref);
}

/* Feeds @input in pieces of @chunk bytes (0: all at once). */
static gboolean
parse_chunked (const char  *input,
               gsize        len,
               gsize        chunk,
               Recorder    *recorder,
               GError     **error)
{
  g_autoptr(MtSseParser) parser = mt_sse_parser_new (record_event_cb, recorder);

  if (chunk == 0)
    chunk = MAX (len, 1);

  for (gsize offset = 0; offset < len; offset += chunk)
    {
      if (!mt_sse_parser_feed (parser, input + offset, MIN (chunk, len - offset), error))
        return FALSE;
    }

  return TRUE;
}

static void
assert_events_len (const char         *input,
                   gsize               len,
                   const char * const *expected)
{
  /* Every chunking must give the same events, byte by byte included. */
  static const gsize chunks[] = { 0, 1, 2, 3, 5, 7, 64 };

  for (guint c = 0; c < G_N_ELEMENTS (chunks); c++)
    {
      g_autoptr(GError) error = NULL;
      Recorder recorder;
      guint n_expected = g_strv_length ((char **) expected);

      recorder_init (&recorder);
      g_assert_true (parse_chunked (input, len, chunks[c], &recorder, &error));
      g_assert_no_error (error);

      if (recorder.events->len != n_expected)
        g_error ("chunk %" G_GSIZE_FORMAT ": %u events, expected %u",
                 chunks[c], recorder.events->len, n_expected);
      for (guint i = 0; i < n_expected; i++)
        g_assert_cmpstr (g_ptr_array_index (recorder.events, i), ==, expected[i]);

      recorder_clear (&recorder);
    }
}

static void
assert_events (const char         *input,
               const char * const *expected)
{
  assert_events_len (input, strlen (input), expected);
}

static void
test_sse_basic (void)
{
  assert_events ("data: hello\n\n",
                 (const char *[]) { "message|hello|", NULL });
  assert_events ("data: one\n\ndata: two\n\n",
                 (const char *[]) { "message|one|", "message|two|", NULL });
  /* Not terminated by a blank line: never dispatched. */
  assert_events ("data: one\n\ndata: two\n",
                 (const char *[]) { "message|one|", NULL });
  assert_events ("data: one\n\ndata: two",
                 (const char *[]) { "message|one|", NULL });
  assert_events ("", (const char *[]) { NULL });
}

static void
test_sse_multiline (void)
{
  assert_events ("data: a\ndata: b\ndata:c\n\n",
                 (const char *[]) { "message|a\nb\nc|", NULL });
  /* An empty data line still adds a line. */
  assert_events ("data\ndata\n\n",
                 (const char *[]) { "message|\n|", NULL });
  assert_events ("data:\n\n",
                 (const char *[]) { "message||", NULL });
  assert_events ("data: a\ndata:\n\n",
                 (const char *[]) { "message|a\n|", NULL });
}

static void
test_sse_space (void)
{
  /* Exactly one space after the colon is dropped, nothing else. */
  assert_events ("data:  two spaces\n\n",
                 (const char *[]) { "message| two spaces|", NULL });
  assert_events ("data:none\n\n",
                 (const char *[]) { "message|none|", NULL });
  assert_events ("data: trailing \n\n",
                 (const char *[]) { "message|trailing |", NULL });
  assert_events ("data:\ttab\n\n",
                 (const char *[]) { "message|\ttab|", NULL });
  assert_events ("data: a: b\n\n",
                 (const char *[]) { "message|a: b|", NULL });
  /* Field names are exact: case and surrounding space matter. */
  assert_events ("Data: x\n data: y\ndata : z\n\n", (const char *[]) { NULL });
}

static void
test_sse_event_type (void)
{
  assert_events ("event: error\ndata: boom\n\ndata: next\n\n",
                 (const char *[]) { "error|boom|", "message|next|", NULL });
  /* The last event field wins; an event without data is not dispatched
   * and its type does not leak into the next. */
  assert_events ("event: a\nevent: b\ndata: x\n\nevent: c\n\ndata: y\n\n",
                 (const char *[]) { "b|x|", "message|y|", NULL });
  assert_events ("event\ndata: x\n\n",
                 (const char *[]) { "message|x|", NULL });
  /* A type with NUL could not be passed on whole, so it is ignored. */
  {
    static const char input[] = "event: a\nevent: b\0c\ndata: x\n\n";

    assert_events_len (input, sizeof input - 1, (const char *[]) { "a|x|", NULL });
  }
}

static void
test_sse_id (void)
{
  /* The id persists across events until changed; an empty id clears it. */
  assert_events ("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
                 (const char *[]) { "message|a|1", "message|b|1", "message|c|", NULL });
  /* An id with NUL is ignored entirely. */
  {
    static const char input[] = "id: 7\ndata: a\n\nid: x\0y\ndata: b\n\n";

    assert_events_len (input, sizeof input - 1,
                       (const char *[]) { "message|a|7", "message|b|7", NULL });
  }
  /* An id alone dispatches nothing but is remembered. */
  assert_events ("id: 9\n\ndata: z\n\n",
                 (const char *[]) { "message|z|9", NULL });
}

static void
test_sse_retry (void)
{
  static const struct { const char *input; gint64 retry; } cases[] = {
    { "retry: 1500\n\n",        1500 },
    { "retry:0\n\n",            0 },
    { "retry: 12a\n\n",         -1 },
    { "retry: -5\n\n",          -1 },
    { "retry:\n\n",             -1 },
    { "retry\n\n",              -1 },
    { "retry: 1 \n\n",          -1 },
    { "retry: 300\nretry: x\n", 300 },
    { "retry: 99999999999999999999999\n", G_MAXINT64 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MtSseParser) parser = NULL;
      Recorder recorder;

      recorder_init (&recorder);
      parser = mt_sse_parser_new (record_event_cb, &recorder);
      g_assert_cmpint (mt_sse_parser_get_retry (parser), ==, -1);
      g_assert_true (mt_sse_parser_feed (parser, cases[i].input, strlen (cases[i].input), NULL));
      g_assert_cmpint (mt_sse_parser_get_retry (parser), ==, cases[i].retry);
      g_assert_cmpuint (recorder.events->len, ==, 0);
      recorder_clear (&recorder);
    }
}

static void
test_sse_comments (void)
{
  assert_events (": keep-alive\n\ndata: a\n: inside\ndata: b\n\n:\n\n",
                 (const char *[]) { "message|a\nb|", NULL });
  /* Comment bytes are never validated or used. */
  assert_events (":\xff\xfe\ndata: ok\n\n",
                 (const char *[]) { "message|ok|", NULL });
  assert_events ("unknown: field\nfoo\ndata: x\n\n",
                 (const char *[]) { "message|x|", NULL });
}

static void
test_sse_line_endings (void)
{
  const char * const two[] = { "message|a\nb|", "message|c|", NULL };

  assert_events ("data: a\ndata: b\n\ndata: c\n\n", two);
  assert_events ("data: a\rdata: b\r\rdata: c\r\r", two);
  assert_events ("data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n", two);
  assert_events ("data: a\r\ndata: b\n\rdata: c\r\n\n", two);
  /* CR LF is one line ending, CR CR is two, LF CR is two. */
  assert_events ("data: a\r\n\r\n", (const char *[]) { "message|a|", NULL });
  assert_events ("data: a\n\r", (const char *[]) { "message|a|", NULL });
}

static void
test_sse_cr_at_chunk_end (void)
{
  g_autoptr(MtSseParser) parser = NULL;
  Recorder recorder;

  recorder_init (&recorder);
  parser = mt_sse_parser_new (record_event_cb, &recorder);

  /* "data: a\r" | "\ndata: b\r" | "\n\r" | "\n": the LF after each CR belongs
   * to it, so only one blank line ends the event. */
  g_assert_true (mt_sse_parser_feed (parser, "data: a\r", 8, NULL));
  g_assert_true (mt_sse_parser_feed (parser, "\ndata: b\r", 9, NULL));
  g_assert_cmpuint (recorder.events->len, ==, 0);
  g_assert_true (mt_sse_parser_feed (parser, "\n\r", 2, NULL));
  g_assert_cmpuint (recorder.events->len, ==, 1);
  g_assert_true (mt_sse_parser_feed (parser, "\n", 1, NULL));
  g_assert_cmpuint (recorder.events->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (recorder.events, 0), ==, "message|a\nb|");

  /* An empty feed between CR and LF changes nothing. */
  g_assert_true (mt_sse_parser_feed (parser, "data: c\r", 8, NULL));
  g_assert_true (mt_sse_parser_feed (parser, "", 0, NULL));
  g_assert_true (mt_sse_parser_feed (parser, "\n\n", 2, NULL));
  g_assert_cmpuint (recorder.events->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (recorder.events, 1), ==, "message|c|");
  g_assert_true (mt_sse_parser_end (parser));

  recorder_clear (&recorder);
}

static void
test_sse_bom (void)
{
  assert_events ("\xEF\xBB\xBF" "data: a\n\n",
                 (const char *[]) { "message|a|", NULL });
  /* Only one BOM, only at the start: a second one makes the field name
   * "\xEF\xBB\xBF" "data", which is unknown. */
  assert_events ("\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\ndata: b\n\n",
                 (const char *[]) { "message|b|", NULL });
  assert_events ("data: a\n\n\xEF\xBB\xBF" "data: b\n\n",
                 (const char *[]) { "message|a|", NULL });
  /* The start of a BOM followed by something else is text, and here not
   * valid UTF-8 either. */
  {
    g_autoptr(GError) error = NULL;
    Recorder recorder;

    recorder_init (&recorder);
    g_assert_false (parse_chunked ("\xEF\xBB" "data: a\n\n", 11, 1, &recorder, &error));
    g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_UTF8);
    recorder_clear (&recorder);
  }
  /* A BOM-like start that is another character stays part of the line. */
  assert_events ("\xEF\xBB\xBE: comment\ndata: x\n\n",
                 (const char *[]) { "message|x|", NULL });
}

static void
test_sse_utf8 (void)
{
  g_autoptr(GError) error = NULL;
  Recorder recorder;
  const char *input = "data: ok\n\ndata: bad \xC3\x28\n\ndata: never\n\n";

  /* A multi-byte character split over feeds is fine. */
  assert_events ("data: caf\xC3\xA9 \xF0\x9F\x98\x80\n\n",
                 (const char *[]) { "message|caf\xC3\xA9 \xF0\x9F\x98\x80|", NULL });

  recorder_init (&recorder);
  g_assert_false (parse_chunked (input, strlen (input), 1, &recorder, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_UTF8);
  g_assert_cmpstr (error->message, ==,
                   "The server sent text that is not valid UTF-8 (line 3 of the event stream)");
  g_assert_cmpuint (recorder.events->len, ==, 1);
  recorder_clear (&recorder);

  /* Invalid bytes in an event type or id are errors too. */
  g_clear_error (&error);
  recorder_init (&recorder);
  g_assert_false (parse_chunked ("event: \xFF\ndata: x\n\n", 18, 0, &recorder, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_UTF8);
  recorder_clear (&recorder);

  /* NUL is valid UTF-8 and reaches the data. */
  assert_events_len ("data: a\0b\n\n", 11, (const char *[]) { "message|a\\0b|", NULL });
}

static void
test_sse_max_size (void)
{
  g_autoptr(MtSseParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  Recorder recorder;

  recorder_init (&recorder);
  parser = mt_sse_parser_new (record_event_cb, &recorder);
  g_assert_cmpuint (mt_sse_parser_get_max_event_size (parser), ==, 16 * 1024 * 1024);
  mt_sse_parser_set_max_event_size (parser, 16);

  /* "data: " plus 10 bytes is 16: fits; the event is 10 bytes. */
  g_assert_true (mt_sse_parser_feed (parser, "data: 0123456789\n\n", 18, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (recorder.events->len, ==, 1);

  /* Several lines that each fit but add up to more than the limit. */
  g_assert_false (mt_sse_parser_feed (parser, "data: 01234\ndata: 56789\n", 24, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_EVENT_TOO_LARGE);
  g_assert_cmpstr (error->message, ==,
                   "The server sent an event larger than 16 bytes (line 4 of the event stream)");
  g_clear_error (&error);

  /* Failure is sticky until reset. */
  g_assert_false (mt_sse_parser_feed (parser, "\n", 1, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_EVENT_TOO_LARGE);
  g_clear_error (&error);
  g_assert_false (mt_sse_parser_end (parser));

  /* An endless line fails while it arrives, not when it ends. */
  for (guint i = 0; i < 3; i++)
    g_assert_true (mt_sse_parser_feed (parser, "xxxxx", 5, &error));
  g_assert_false (mt_sse_parser_feed (parser, "xx", 2, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_EVENT_TOO_LARGE);
  g_assert_cmpuint (recorder.events->len, ==, 1);

  recorder_clear (&recorder);
}

static void
test_sse_max_size_default (void)
{
  g_autoptr(MtSseParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gsize len = 17 * 1024 * 1024;
  Recorder recorder;

  recorder_init (&recorder);
  parser = mt_sse_parser_new (record_event_cb, &recorder);

  line = g_malloc (len);
  memcpy (line, "data: ", 6);
  memset (line + 6, 'a', len - 6);

  g_assert_false (mt_sse_parser_feed (parser, line, len, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_EVENT_TOO_LARGE);
  g_assert_true (strstr (error->message, "an event larger than 16 MB") != NULL);

  recorder_clear (&recorder);
}

static void
test_sse_callback_error (void)
{
  g_autoptr(MtSseParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  Recorder recorder;
  const char *input = "data: 1\n\ndata: 2\n\ndata: 3\n\n";

  recorder_init (&recorder);
  recorder.stop_after = 2;
  parser = mt_sse_parser_new (record_event_cb, &recorder);

  g_assert_false (mt_sse_parser_feed (parser, input, strlen (input), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpuint (recorder.events->len, ==, 2);
  g_clear_error (&error);

  /* A NULL error works too, and the failure stays. */
  g_assert_false (mt_sse_parser_feed (parser, "data: 4\n\n", 9, NULL));
  g_assert_cmpuint (recorder.events->len, ==, 2);

  mt_sse_parser_reset (parser);
  recorder.stop_after = 0;
  g_assert_true (mt_sse_parser_feed (parser, "data: 5\n\n", 9, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (recorder.events->len, ==, 3);

  recorder_clear (&recorder);
}

static void
test_sse_end (void)
{
  g_autoptr(MtSseParser) parser = NULL;
  Recorder recorder;

  recorder_init (&recorder);
  parser = mt_sse_parser_new (record_event_cb, &recorder);

  g_assert_true (mt_sse_parser_end (parser));

  g_assert_true (mt_sse_parser_feed (parser, "id: 4\ndata: a\n\n", 15, NULL));
  g_assert_cmpstr (mt_sse_parser_get_last_event_id (parser), ==, "4");
  g_assert_true (mt_sse_parser_end (parser));
  /* Ending resets, ids included. */
  g_assert_cmpstr (mt_sse_parser_get_last_event_id (parser), ==, "");

  g_assert_true (mt_sse_parser_feed (parser, "data: a\n", 8, NULL));
  g_assert_false (mt_sse_parser_end (parser));

  g_assert_true (mt_sse_parser_feed (parser, "data: a", 7, NULL));
  g_assert_false (mt_sse_parser_end (parser));

  g_assert_true (mt_sse_parser_feed (parser, "\xEF\xBB", 2, NULL));
  g_assert_false (mt_sse_parser_end (parser));

  /* Fields that make no event lose nothing. */
  g_assert_true (mt_sse_parser_feed (parser, "event: x\nid: 2\n", 15, NULL));
  g_assert_true (mt_sse_parser_end (parser));

  g_assert_cmpuint (recorder.events->len, ==, 1);
  recorder_clear (&recorder);
}

static void
test_sse_openai_stream (void)
{
  /* What vLLM sends, keep-alive comments and all. */
  const char *input =
    ": ping\r\n\r\n"
    "data: {\"choices\":[{\"text\":\"Hi\"}]}\r\n\r\n"
    "data: {\"choices\":[{\"text\":\"!\",\"finish_reason\":\"stop\"}]}\r\n\r\n"
    "data: [DONE]\r\n\r\n";

  assert_events (input, (const char *[]) {
    "message|{\"choices\":[{\"text\":\"Hi\"}]}|",
    "message|{\"choices\":[{\"text\":\"!\",\"finish_reason\":\"stop\"}]}|",
    "message|[DONE]|",
    NULL,
  });
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sse/basic", test_sse_basic);
  g_test_add_func ("/sse/multiline", test_sse_multiline);
  g_test_add_func ("/sse/space", test_sse_space);
  g_test_add_func ("/sse/event-type", test_sse_event_type);
  g_test_add_func ("/sse/id", test_sse_id);
  g_test_add_func ("/sse/retry", test_sse_retry);
  g_test_add_func ("/sse/comments", test_sse_comments);
  g_test_add_func ("/sse/line-endings", test_sse_line_endings);
  g_test_add_func ("/sse/cr-at-chunk-end", test_sse_cr_at_chunk_end);
  g_test_add_func ("/sse/bom", test_sse_bom);
  g_test_add_func ("/sse/utf8", test_sse_utf8);
  g_test_add_func ("/sse/max-size", test_sse_max_size);
  g_test_add_func ("/sse/max-size-default", test_sse_max_size_default);
  g_test_add_func ("/sse/callback-error", test_sse_callback_error);
  g_test_add_func ("/sse/end", test_sse_end);
  g_test_add_func ("/sse/openai-stream", test_sse_openai_stream);

  return g_test_run ();
}
