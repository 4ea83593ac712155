/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A server-sent events parser following the WHATWG HTML "event stream
 * interpretation" rules. It is push-based: the bytes arrive in whatever
 * pieces the network hands over, down to one byte at a time, and the result
 * never depends on where those pieces were cut. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "mt-endpoint.h"
#include "mt-sse.h"

/* Bytes of a UTF-8 byte order mark matched so far; BOM_DONE once the first
 * bytes of the stream have been looked at. */
#define BOM_DONE 3

static const char utf8_bom[] = "\xEF\xBB\xBF";

struct _MtSseParser
{
  MtSseEventFunc  func;
  gpointer        user_data;

  GString        *line;           /* an unterminated line carried between feeds */
  GString        *data;
  GString        *event_type;
  GString        *id_buffer;
  char           *last_event_id;  /* the id buffer as of the last dispatch */
  gint64          retry;

  gsize           max_event_size;
  guint64         line_number;    /* 1-based number of the line being read */
  GError         *failure;        /* sticky: every later feed reports it again */

  guint           bom_state : 2;
  /* The previous feed ended in CR, so an LF starting this one belongs to
   * the same line ending. */
  guint           skip_lf : 1;
  guint           in_callback : 1;
};

/**
 * mt_sse_parser_new:
 * @func: called for each event
 * @user_data: passed to @func
 *
 * Creates a parser for one event stream. Errors are in the
 * %MT_CLIENT_ERROR domain.
 *
 * Returns: (transfer full): a new parser
 */
MtSseParser *
mt_sse_parser_new (MtSseEventFunc func,
                   gpointer       user_data)
{
  MtSseParser *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_new0 (MtSseParser, 1);
  self->func = func;
  self->user_data = user_data;
  self->line = g_string_new (NULL);
  self->data = g_string_new (NULL);
  self->event_type = g_string_new (NULL);
  self->id_buffer = g_string_new (NULL);
  self->last_event_id = g_strdup ("");
  self->max_event_size = MT_SSE_DEFAULT_MAX_EVENT_SIZE;
  mt_sse_parser_reset (self);

  return self;
}

void
mt_sse_parser_free (MtSseParser *self)
{
  if (self == NULL)
    return;

  g_return_if_fail (!self->in_callback);

  g_string_free (self->line, TRUE);
  g_string_free (self->data, TRUE);
  g_string_free (self->event_type, TRUE);
  g_string_free (self->id_buffer, TRUE);
  g_free (self->last_event_id);
  g_clear_error (&self->failure);
  g_free (self);
}

/**
 * mt_sse_parser_reset:
 * @self: an #MtSseParser
 *
 * Forgets everything, failure included, to read a new stream. The maximum
 * event size is kept.
 */
void
mt_sse_parser_reset (MtSseParser *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (!self->in_callback);

  g_string_truncate (self->line, 0);
  g_string_truncate (self->data, 0);
  g_string_truncate (self->event_type, 0);
  g_string_truncate (self->id_buffer, 0);
  g_free (self->last_event_id);
  self->last_event_id = g_strdup ("");
  self->retry = -1;
  self->line_number = 1;
  self->bom_state = 0;
  self->skip_lf = FALSE;
  g_clear_error (&self->failure);
}

void
mt_sse_parser_set_max_event_size (MtSseParser *self,
                                  gsize        max_event_size)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_event_size > 0);

  self->max_event_size = max_event_size;
}

gsize
mt_sse_parser_get_max_event_size (MtSseParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->max_event_size;
}

gint64
mt_sse_parser_get_retry (MtSseParser *self)
{
  g_return_val_if_fail (self != NULL, -1);

  return self->retry;
}

const char *
mt_sse_parser_get_last_event_id (MtSseParser *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->last_event_id;
}

static char *
describe_size (gsize size)
{
  if (size % (1024 * 1024) == 0)
    return g_strdup_printf (_("%zu MB"), size / (1024 * 1024));
  if (size % 1024 == 0)
    return g_strdup_printf (_("%zu KB"), size / 1024);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%zu byte", "%zu bytes", size), size);
}

static gboolean
fail (MtSseParser *self,
      GError      *error)
{
  g_assert (self->failure == NULL);

  self->failure = error;
  return FALSE;
}

/* The size an event would reach with a line of @line_len bytes: checked for
 * every line and for every piece of an unterminated one, so a server cannot
 * make the parser buffer an endless line. */
static gboolean
check_size (MtSseParser *self,
            gsize        line_len)
{
  g_autofree char *size = NULL;

  if (line_len <= self->max_event_size &&
      self->data->len <= self->max_event_size - line_len)
    return TRUE;

  size = describe_size (self->max_event_size);
  return fail (self, g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_EVENT_TOO_LARGE,
                                  _("The server sent an event larger than %s "
                                    "(line %" PRIu64 " of the event stream)"),
                                  size, self->line_number));
}

/* UTF-8 validation that lets NUL through: the spec only asks for UTF-8, and
 * ids with NUL must reach the field handling to be ignored there. */
static gboolean
utf8_validate_with_nul (const char *text,
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

static gboolean
field_is (const char *field,
          gsize       field_len,
          const char *name)
{
  gsize name_len = strlen (name);

  return field_len == name_len && memcmp (field, name, name_len) == 0;
}

static gboolean
dispatch (MtSseParser *self)
{
  g_autoptr(GError) error = NULL;
  MtSseEvent event;
  gboolean proceed;

  if (strcmp (self->last_event_id, self->id_buffer->str) != 0)
    {
      g_free (self->last_event_id);
      self->last_event_id = g_strndup (self->id_buffer->str, self->id_buffer->len);
    }

  /* Lines like "event: x" or "id: 3" alone do not make an event. */
  if (self->data->len == 0)
    {
      g_string_truncate (self->event_type, 0);
      return TRUE;
    }

  /* Every data line appended a "\n"; the last one is not part of the data. */
  g_string_truncate (self->data, self->data->len - 1);

  event.type = self->event_type->len > 0 ? self->event_type->str : "message";
  event.data = self->data->str;
  event.data_len = self->data->len;
  event.last_event_id = self->last_event_id;

  self->in_callback = TRUE;
  proceed = self->func (&event, self->user_data, &error);
  self->in_callback = FALSE;

  g_string_truncate (self->data, 0);
  g_string_truncate (self->event_type, 0);

  if (proceed)
    return TRUE;

  if (error == NULL)
    {
      g_critical ("An MtSseEventFunc returned FALSE without setting an error");
      error = g_error_new_literal (MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT,
                                   _("The event stream was stopped"));
    }

  return fail (self, g_steal_pointer (&error));
}

static void
set_retry (MtSseParser *self,
           const char  *value,
           gsize        value_len)
{
  gint64 retry = 0;

  if (value_len == 0)
    return;

  for (gsize i = 0; i < value_len; i++)
    {
      if (!g_ascii_isdigit (value[i]))
        return;
    }

  /* Saturate rather than wrap: an absurd value still means "a long time". */
  for (gsize i = 0; i < value_len; i++)
    {
      if (retry > (G_MAXINT64 - 9) / 10)
        {
          retry = G_MAXINT64;
          break;
        }
      retry = retry * 10 + (value[i] - '0');
    }

  self->retry = retry;
}

static gboolean
process_line (MtSseParser *self,
              const char  *line,
              gsize        len)
{
  const char *colon;
  const char *value;
  gsize field_len;
  gsize value_len;

  if (len == 0)
    return dispatch (self);

  /* Comments are often keep-alives; their bytes are never used. */
  if (line[0] == ':')
    return TRUE;

  if (!utf8_validate_with_nul (line, len))
    return fail (self, g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_UTF8,
                                    _("The server sent text that is not valid UTF-8 "
                                      "(line %" PRIu64 " of the event stream)"),
                                    self->line_number));

  colon = memchr (line, ':', len);
  if (colon != NULL)
    {
      field_len = (gsize) (colon - line);
      value = colon + 1;
      value_len = len - field_len - 1;
      if (value_len > 0 && value[0] == ' ')
        {
          value++;
          value_len--;
        }
    }
  else
    {
      field_len = len;
      value = line + len;
      value_len = 0;
    }

  if (field_is (line, field_len, "data"))
    {
      g_string_append_len (self->data, value, value_len);
      g_string_append_c (self->data, '\n');
    }
  else if (field_is (line, field_len, "event"))
    {
      /* The spec ignores ids with NUL; types with NUL are ignored the same
       * way here, as a C string would silently cut them short. */
      if (memchr (value, '\0', value_len) == NULL)
        {
          g_string_truncate (self->event_type, 0);
          g_string_append_len (self->event_type, value, value_len);
        }
    }
  else if (field_is (line, field_len, "id"))
    {
      if (memchr (value, '\0', value_len) == NULL)
        {
          g_string_truncate (self->id_buffer, 0);
          g_string_append_len (self->id_buffer, value, value_len);
        }
    }
  else if (field_is (line, field_len, "retry"))
    {
      set_retry (self, value, value_len);
    }

  return TRUE;
}

/* Finds the first CR or LF. Events end in LF almost always, so one memchr()
 * for LF and a second one for a CR before it beat a byte loop. */
static const char *
find_line_end (const char *p,
               const char *end)
{
  const char *lf = memchr (p, '\n', (gsize) (end - p));
  const char *cr = memchr (p, '\r', (gsize) ((lf != NULL ? lf : end) - p));

  return cr != NULL ? cr : lf;
}

static gboolean
process_bytes (MtSseParser  *self,
               const char   *p,
               const char   *end,
               GError      **error)
{
  while (p < end)
    {
      const char *line_end;
      gsize len;

      if (self->skip_lf)
        {
          self->skip_lf = FALSE;
          if (*p == '\n')
            {
              p++;
              continue;
            }
        }

      line_end = find_line_end (p, end);
      if (line_end == NULL)
        {
          len = (gsize) (end - p);
          if (!check_size (self, self->line->len + len))
            break;
          g_string_append_len (self->line, p, len);
          return TRUE;
        }

      len = (gsize) (line_end - p);
      if (self->line->len > 0)
        {
          if (!check_size (self, self->line->len + len))
            break;
          g_string_append_len (self->line, p, len);
          if (!process_line (self, self->line->str, self->line->len))
            break;
          g_string_truncate (self->line, 0);
        }
      else
        {
          /* The common case: the whole line is in this piece, so it is
           * parsed in place without a copy. */
          if (!check_size (self, len) || !process_line (self, p, len))
            break;
        }

      self->line_number++;
      p = line_end + 1;

      if (*line_end == '\r')
        {
          if (p == end)
            self->skip_lf = TRUE;
          else if (*p == '\n')
            p++;
        }
    }

  if (self->failure == NULL)
    return TRUE;

  g_propagate_error (error, g_error_copy (self->failure));
  return FALSE;
}

/**
 * mt_sse_parser_feed:
 * @self: an #MtSseParser
 * @data: (array length=len): the next bytes of the stream
 * @len: number of bytes in @data
 * @error: return location for a #GError
 *
 * Parses @data and calls the event function for each event it completes.
 * After a failure the parser is stuck: every later call fails with the
 * same error until mt_sse_parser_reset().
 *
 * Returns: %FALSE with @error set if the stream is invalid (an event over
 *   the maximum size, text that is not UTF-8) or the event function failed
 */
gboolean
mt_sse_parser_feed (MtSseParser  *self,
                    const char   *data,
                    gsize         len,
                    GError      **error)
{
  const char *p = data;
  const char *end = data + len;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (!self->in_callback, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->failure != NULL)
    {
      g_propagate_error (error, g_error_copy (self->failure));
      return FALSE;
    }

  /* The BOM may arrive split over several feeds; only a whole one at the
   * very start is dropped, and a partial match is ordinary text. */
  while (self->bom_state != BOM_DONE && p < end)
    {
      guint matched = self->bom_state;

      if (*p == utf8_bom[matched])
        {
          p++;
          self->bom_state = matched + 1;
          continue;
        }

      self->bom_state = BOM_DONE;
      if (matched > 0 && !process_bytes (self, utf8_bom, utf8_bom + matched, error))
        return FALSE;
    }

  return process_bytes (self, p, end, error);
}

/**
 * mt_sse_parser_end:
 * @self: an #MtSseParser
 *
 * Tells the parser the stream ended. As the spec says, an event without
 * its closing blank line is not dispatched. The parser is reset.
 *
 * Returns: %TRUE if the stream ended cleanly between events, %FALSE if an
 *   unfinished line or event was dropped (or the parser had failed)
 */
gboolean
mt_sse_parser_end (MtSseParser *self)
{
  gboolean clean;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_callback, FALSE);

  clean = self->failure == NULL &&
          self->line->len == 0 &&
          self->data->len == 0 &&
          (self->bom_state == 0 || self->bom_state == BOM_DONE);

  mt_sse_parser_reset (self);

  return clean;
}
