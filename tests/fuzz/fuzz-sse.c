/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for MtSseParser. The first byte configures the run (a
 * small maximum event size, a callback that fails after some events); the
 * rest is the stream. It is parsed whole, byte by byte and in pieces of
 * sizes drawn from the input, and the three runs must agree exactly:
 * every event, the ids, the retry time, the error and how the stream
 * ended. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mt-endpoint.h"
#include "mt-sse.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

typedef struct
{
  GString *log;
  gsize    max_event_size;
  guint    stop_after;
  guint    n_events;
} Run;

static gboolean
utf8_valid_with_nul (const char *text,
                     gsize       len)
{
  const char *end = text + len;

  while (text < end)
    {
      const char *stop;

      if (g_utf8_validate_len (text, (gsize) (end - text), &stop))
        return TRUE;
      if (*stop != '\0')
        return FALSE;
      text = stop + 1;
    }

  return TRUE;
}

static void
log_string (GString    *log,
            const char *text,
            gsize       len)
{
  g_string_append_printf (log, "%" G_GSIZE_FORMAT ":", len);
  g_string_append_len (log, text, (gssize) len);
}

static gboolean
event_cb (const MtSseEvent  *event,
          gpointer           user_data,
          GError           **error)
{
  Run *run = user_data;
  gsize type_len = strlen (event->type);

  /* What any event must look like, whatever the input. */
  if (type_len == 0 || memchr (event->type, '\n', type_len) || memchr (event->type, '\r', type_len))
    abort ();
  if (memchr (event->data, '\r', event->data_len) != NULL || event->data[event->data_len] != '\0')
    abort ();
  if (!utf8_valid_with_nul (event->data, event->data_len) ||
      !g_utf8_validate (event->type, -1, NULL) ||
      strchr (event->last_event_id, '\n') != NULL)
    abort ();
  if (event->data_len > run->max_event_size)
    abort ();

  g_string_append (run->log, "E");
  log_string (run->log, event->type, type_len);
  log_string (run->log, event->data, event->data_len);
  log_string (run->log, event->last_event_id, strlen (event->last_event_id));

  run->n_events++;
  if (run->stop_after > 0 && run->n_events >= run->stop_after)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "stop");
      return FALSE;
    }

  return TRUE;
}

/* A small xorshift generator seeded from the input, so piece sizes are
 * reproducible from the crash file alone. */
static guint32
next_random (guint32 *state)
{
  guint32 x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;

  return x;
}

typedef enum
{
  WHOLE,
  BYTES,
  PIECES,
} Chunking;

static GString *
parse (const char *stream,
       gsize       len,
       guint8      config,
       Chunking    chunking,
       guint32     seed)
{
  g_autoptr(MtSseParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  Run run = { g_string_new (NULL), MT_SSE_DEFAULT_MAX_EVENT_SIZE, config >> 4, 0 };
  gsize offset = 0;
  gboolean ok = TRUE;

  parser = mt_sse_parser_new (event_cb, &run);
  if (config & 0x08)
    {
      run.max_event_size = 1 + (config & 0x07) * 9;
      mt_sse_parser_set_max_event_size (parser, run.max_event_size);
    }

  while (ok && offset < len)
    {
      gsize piece;

      if (chunking == WHOLE)
        piece = len;
      else if (chunking == BYTES)
        piece = 1;
      else
        piece = 1 + next_random (&seed) % 17;

      piece = MIN (piece, len - offset);
      ok = mt_sse_parser_feed (parser, stream + offset, piece, &error);
      offset += piece;

      /* Empty feeds must change nothing, even between CR and LF. */
      if (ok && chunking == PIECES && (seed & 1))
        ok = mt_sse_parser_feed (parser, "", 0, &error);
    }

  if (ok != (error == NULL))
    abort ();

  g_string_append_printf (run.log, "|retry=%" G_GINT64_FORMAT "|id=%s|",
                          mt_sse_parser_get_retry (parser),
                          mt_sse_parser_get_last_event_id (parser));
  if (error != NULL)
    g_string_append_printf (run.log, "error=%s:%d:%s|",
                            g_quark_to_string (error->domain), error->code, error->message);
  g_string_append_printf (run.log, "end=%d", mt_sse_parser_end (parser));

  return run.log;
}

static gboolean
logs_equal (const GString *a,
            const GString *b)
{
  return a->len == b->len && memcmp (a->str, b->str, a->len) == 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GString) whole = NULL;
  g_autoptr(GString) bytes = NULL;
  g_autoptr(GString) pieces = NULL;
  const char *stream;
  guint32 seed = 2166136261u;
  guint8 config;

  if (size == 0)
    return 0;

  config = data[0];
  stream = (const char *) data + 1;
  size--;

  for (gsize i = 0; i < size; i++)
    seed = (seed ^ (guint8) stream[i]) * 16777619u;
  if (seed == 0)
    seed = 1;

  whole = parse (stream, size, config, WHOLE, seed);
  bytes = parse (stream, size, config, BYTES, seed);
  pieces = parse (stream, size, config, PIECES, seed);

  if (!logs_equal (whole, bytes) || !logs_equal (whole, pieces))
    abort ();

  return 0;
}
