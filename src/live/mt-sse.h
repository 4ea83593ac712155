/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest event the parser accepts by default: a data buffer, or a
 * single line, past this size fails with MT_CLIENT_ERROR_EVENT_TOO_LARGE. */
#define MT_SSE_DEFAULT_MAX_EVENT_SIZE (16 * 1024 * 1024)

/**
 * MtSseEvent:
 * @type: the event type, "message" unless an `event:` field named another
 *   (`event:` and `id:` values holding NUL are ignored)
 * @data: the `data:` lines joined by "\n", NUL-terminated, valid UTF-8; it
 *   may hold NUL bytes, so use @data_len
 * @data_len: length of @data in bytes
 * @last_event_id: the last `id:` seen at or before this event, "" if none
 *
 * One dispatched server-sent event. Every pointer is owned by the parser
 * and only valid during the callback.
 */
typedef struct
{
  const char *type;
  const char *data;
  gsize       data_len;
  const char *last_event_id;
} MtSseEvent;

/**
 * MtSseEventFunc:
 * @event: the event
 * @user_data: the data given to mt_sse_parser_new()
 * @error: return location for an error that stops the parser
 *
 * Called synchronously from mt_sse_parser_feed() for every event, in order.
 *
 * Returns: %TRUE to go on; %FALSE, with @error set, to stop: the feed call
 *   then returns %FALSE with that error and the parser stays failed.
 */
typedef gboolean (*MtSseEventFunc) (const MtSseEvent  *event,
                                    gpointer           user_data,
                                    GError           **error);

typedef struct _MtSseParser MtSseParser;

MtSseParser *mt_sse_parser_new                (MtSseEventFunc  func,
                                               gpointer        user_data);
void         mt_sse_parser_free               (MtSseParser    *self);
void         mt_sse_parser_set_max_event_size (MtSseParser    *self,
                                               gsize           max_event_size);
gsize        mt_sse_parser_get_max_event_size (MtSseParser    *self);
gboolean     mt_sse_parser_feed               (MtSseParser    *self,
                                               const char     *data,
                                               gsize           len,
                                               GError        **error);
gboolean     mt_sse_parser_end                (MtSseParser    *self);
void         mt_sse_parser_reset              (MtSseParser    *self);
/* The reconnection time from the last valid `retry:` field, in
 * milliseconds, or -1 when the stream sent none. */
gint64       mt_sse_parser_get_retry          (MtSseParser    *self);
const char  *mt_sse_parser_get_last_event_id  (MtSseParser    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtSseParser, mt_sse_parser_free)

G_END_DECLS
