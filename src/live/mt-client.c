/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An OpenAI-compatible streaming client. Everything runs on the main
 * context the request was started from: libsoup's async I/O feeds the SSE
 * parser chunk by chunk, so there are no threads and every delta reaches
 * the caller on its own context, in order. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "mt-client.h"
#include "mt-sse.h"
#include "mt-stream-private.h"

/* What one read takes at most: parsing it is one uninterrupted piece of
 * main-loop work, so it is kept small enough for a window to stay smooth
 * while dozens of fast streams arrive. */
#define READ_BUFFER_SIZE    (16 * 1024)
/* How much of a read is parsed between two looks at the time slice: a
 * whole buffer of small events took up to 29 ms on a loaded machine. */
#define PARSE_PIECE_SIZE    (2 * 1024)
/* Parsing streams shares the main loop with a window's input and frames:
 * once this much time went to it without the loop running out of other
 * work, further chunks wait in idles below GTK's redraws, so that a frame
 * is never held back by more than this. */
#define SLICE_BUDGET_US     4000
/* Error pages are read only to quote them; the model list is small but
 * some servers list hundreds of models with metadata. */
#define MAX_ERROR_BODY      (64 * 1024)
#define MAX_MODELS_BODY     (8 * 1024 * 1024)
/* A server asking for a longer pause than this gets an error at once: the
 * user is better served by being told than by a silent minute. */
#define MAX_RETRY_AFTER_MS  (60 * 1000)
#define MAX_BACKOFF_FACTOR  16
#define MAX_QUOTE_CHARS     300
#define MAX_LISTED_MODELS   12
/* A server that ignores max_tokens is stopped this many deltas past it: a
 * delta holds at least one token, and the slack spares a server that
 * splits a token's bytes over two deltas. */
#define TOKEN_LIMIT_SLACK   16
/* Not in libsoup 3.2's SoupStatus. */
#define MT_STATUS_TOO_MANY_REQUESTS 429

struct _MtClient
{
  GObject      parent_instance;

  MtEndpoint  *endpoint;
  SoupSession *session;
  char        *api_key;
  guint        max_attempts;
  guint        retry_delay;
  guint        max_connections;
  guint        timeout;
  guint        max_duration;

  /* The time slice stream parsing is in, ended by slice_end_source once
   * the main loop has run everything of a higher priority. */
  gint64       slice_start;
  GSource     *slice_end_source;
};

enum {
  PROP_0,
  PROP_API_KEY,
  PROP_ENDPOINT,
  PROP_MAX_ATTEMPTS,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_DURATION,
  PROP_RETRY_DELAY,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (MtClient, mt_client, G_TYPE_OBJECT)

typedef enum
{
  OPERATION_LIST_MODELS,
  OPERATION_COMPLETE,
} Operation;

typedef struct
{
  Operation      operation;
  const char    *method;
  char          *path;
  GBytes        *body;
  char          *model;

  /* Ours, cancelled by the caller's: cancelling it is also how a request
   * that failed mid-stream closes its connection, since libsoup 3 has no
   * other way to abort one message. */
  GCancellable  *cancellable;
  GCancellable  *caller_cancellable;
  gulong         cancelled_id;

  guint          attempt;
  SoupMessage   *message;
  GInputStream  *stream;
  gboolean       stream_at_eof;
  GByteArray    *response;
  gsize          response_limit;
  guint8        *buffer;
  GSource       *retry_source;
  GSource       *cancel_source;
  /* The client's wall-clock limit for the whole request, retries included;
   * when it fires it cancels the request and leaves its error here. */
  GSource       *deadline_source;
  GError        *limit_error;
  /* Deltas past which a completion is stopped; 0 for no limit. */
  guint          token_limit;

  MtSseParser   *parser;
  MtCompletion  *completion;
  MtDeltaFunc    delta_func;
  gpointer       delta_data;
  gint64         read_time;
  gboolean       saw_done;

  /* How much of the buffer was read and waits to be parsed, how much of
   * that is parsed, and whether the stream ended, or failed, after it. */
  gsize          pending;
  gsize          parsed;
  gboolean       pending_eof;
  GError        *pending_error;
} Request;

static void request_send         (GTask *task);
static void request_read_stream  (GTask *task);
static void request_read_response (GTask *task);

static void
request_clear_retry (Request *request)
{
  if (request->retry_source != NULL)
    {
      g_source_destroy (request->retry_source);
      g_clear_pointer (&request->retry_source, g_source_unref);
    }

  if (request->cancel_source != NULL)
    {
      g_source_destroy (request->cancel_source);
      g_clear_pointer (&request->cancel_source, g_source_unref);
    }
}

/* Drops the response stream; one not read to its end is aborted, which
 * closes the connection so the server stops generating at once. */
static void
request_drop_stream (Request *request)
{
  if (request->stream != NULL && !request->stream_at_eof)
    g_cancellable_cancel (request->cancellable);

  g_clear_object (&request->stream);
  request->stream_at_eof = FALSE;
}

/* The deadline source holds a reference on the task, so it goes as soon as
 * the task has its result. */
static void
request_clear_deadline (Request *request)
{
  if (request->deadline_source != NULL)
    {
      g_source_destroy (request->deadline_source);
      g_clear_pointer (&request->deadline_source, g_source_unref);
    }
}

static void
request_free (gpointer data)
{
  Request *request = data;

  request_clear_retry (request);
  request_drop_stream (request);

  request_clear_deadline (request);
  g_clear_error (&request->limit_error);
  g_clear_error (&request->pending_error);

  if (request->caller_cancellable != NULL)
    g_cancellable_disconnect (request->caller_cancellable, request->cancelled_id);

  g_clear_object (&request->caller_cancellable);
  g_clear_object (&request->cancellable);
  g_clear_object (&request->message);
  g_clear_pointer (&request->response, g_byte_array_unref);
  g_clear_pointer (&request->parser, mt_sse_parser_free);
  g_clear_object (&request->completion);
  g_clear_pointer (&request->body, g_bytes_unref);
  g_free (request->buffer);
  g_free (request->path);
  g_free (request->model);
  g_free (request);
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  /* May run in whichever thread cancelled; cancelling is thread-safe. */
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static GTask *
request_new (MtClient            *self,
             Operation            operation,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task;
  Request *request;

  request = g_new0 (Request, 1);
  request->operation = operation;
  request->buffer = g_malloc (READ_BUFFER_SIZE);
  request->cancellable = g_cancellable_new ();

  if (cancellable != NULL)
    {
      request->caller_cancellable = g_object_ref (cancellable);
      request->cancelled_id = g_cancellable_connect (cancellable,
                                                     G_CALLBACK (caller_cancelled_cb),
                                                     g_object_ref (request->cancellable),
                                                     g_object_unref);
    }

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_task_data (task, request, request_free);
  /* A stream that finished is reported as finished even if the caller
   * cancels in the same instant; every cancelled path sets its own error. */
  g_task_set_check_cancellable (task, FALSE);

  return task;
}

/* Messages */

/* Server messages may echo what was sent; the key must never reach an
 * error dialog or a log through them. */
static char *
redact_api_key (MtClient   *self,
                const char *text)
{
  g_auto(GStrv) parts = NULL;

  if (self->api_key == NULL || strlen (self->api_key) < 4 || strstr (text, self->api_key) == NULL)
    return g_strdup (text);

  parts = g_strsplit (text, self->api_key, -1);
  return g_strjoinv ("[API key]", parts);
}

static char *
quote_text (MtClient   *self,
            const char *text)
{
  g_autofree char *line = NULL;
  char *redacted;
  const char *newline;

  /* Only the first line: tracebacks follow it. */
  newline = strchr (text, '\n');
  line = g_strstrip (newline != NULL ? g_strndup (text, (gsize) (newline - text))
                                     : g_strdup (text));
  if (line[0] == '\0')
    return NULL;

  /* Redacted before it is cut, so no part of a key survives the cut. */
  redacted = redact_api_key (self, line);
  if (g_utf8_strlen (redacted, -1) > MAX_QUOTE_CHARS)
    {
      g_autofree char *whole = redacted;

      *g_utf8_offset_to_pointer (whole, MAX_QUOTE_CHARS) = '\0';
      redacted = g_strconcat (whole, "…", NULL);
    }

  return redacted;
}

static const char *
object_get_string (JsonObject *object,
                        const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

/* The human part of an error body, in the shapes servers use:
 * {"error": {"message": ...}} (OpenAI, llama.cpp), {"error": "..."}
 * (Ollama), {"message": ...} (vLLM), {"detail": ...} (FastAPI), or
 * plain text. HTML error pages are not worth quoting. */
static char *
extract_server_message (MtClient   *self,
                        const char *data,
                        gsize       len)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *text = NULL;
  JsonNode *root;

  if (data == NULL || len == 0 || !g_utf8_validate_len (data, len, NULL))
    return NULL;

  parser = json_parser_new ();
  if (json_parser_load_from_data (parser, data, (gssize) len, NULL) &&
      (root = json_parser_get_root (parser)) != NULL &&
      JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);
      JsonNode *error = json_object_get_member (object, "error");
      JsonNode *detail = json_object_get_member (object, "detail");
      const char *message = NULL;

      if (error != NULL && JSON_NODE_HOLDS_OBJECT (error))
        message = object_get_string (json_node_get_object (error), "message");
      else if (error != NULL)
        message = object_get_string (object, "error");

      if (message == NULL)
        message = object_get_string (object, "message");

      if (message == NULL && detail != NULL)
        {
          if (JSON_NODE_HOLDS_ARRAY (detail) &&
              json_array_get_length (json_node_get_array (detail)) > 0)
            {
              JsonNode *first = json_array_get_element (json_node_get_array (detail), 0);

              if (JSON_NODE_HOLDS_OBJECT (first))
                message = object_get_string (json_node_get_object (first), "msg");
            }
          else
            {
              message = object_get_string (object, "detail");
            }
        }

      return message != NULL ? quote_text (self, message) : NULL;
    }

  text = g_strndup (data, len);
  if (g_str_has_prefix (g_strchug (text), "<"))
    return NULL;

  return quote_text (self, text);
}

static char *
format_quote (const char *quote)
{
  return quote != NULL ? g_strdup_printf (": “%s”", quote) : g_strdup ("");
}

/* GIO's messages end in a period or not; ours add their own. */
static char *
strip_period (const char *message)
{
  gsize len = strlen (message);

  while (len > 0 && message[len - 1] == '.')
    len--;

  return g_strndup (message, len);
}

static GError *
map_transport_error (MtClient     *self,
                     const GError *error,
                     gboolean     *retryable)
{
  const char *url = mt_endpoint_get_base_url (self->endpoint);
  g_autofree char *detail = strip_period (error->message);

  *retryable = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (error->domain == G_RESOLVER_ERROR)
    {
      g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

      *retryable = error->code == G_RESOLVER_ERROR_TEMPORARY_FAILURE;
      return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_DNS,
                          _("Could not find the server “%s”: the host name does not resolve. "
                            "Check the URL for typos and the network connection."),
                          uri != NULL ? g_uri_get_host (uri) : url);
    }

  if (error->domain == G_TLS_ERROR)
    {
      const char *hint;

      if (error->code == G_TLS_ERROR_BAD_CERTIFICATE)
        hint = _("The server's certificate is not trusted. If it is your own server with a "
                 "self-signed certificate, turn off the certificate check for this server only.");
      else if (error->code == G_TLS_ERROR_UNAVAILABLE)
        hint = _("TLS support is not installed (glib-networking).");
      else
        hint = _("If the server speaks plain HTTP, use an http:// URL.");

      return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_TLS,
                          _("Could not make a secure connection to %s: %s. %s"),
                          url, detail, hint);
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      *retryable = TRUE;
      return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_TIMED_OUT,
                          _("%s did not answer within %u s (the client's timeout). "
                            "Is the server overloaded or stuck?"),
                          url, self->timeout);
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      *retryable = TRUE;
      return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_CONNECT,
                          _("Could not connect to %s: connection refused. Is the server running?"),
                          url);
    }

  /* Unreachable hosts, timeouts and connections closed before a reply are
   * what a restarting server looks like. */
  *retryable = error->domain == G_IO_ERROR &&
               (error->code == G_IO_ERROR_HOST_UNREACHABLE ||
                error->code == G_IO_ERROR_NETWORK_UNREACHABLE ||
                error->code == G_IO_ERROR_TIMED_OUT ||
                error->code == G_IO_ERROR_CONNECTION_CLOSED ||
                error->code == G_IO_ERROR_BROKEN_PIPE ||
                error->code == G_IO_ERROR_PARTIAL_INPUT);

  return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_CONNECT,
                      _("Could not connect to %s: %s."), url, detail);
}

static gint64
parse_retry_after (SoupMessage *message)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (message);
  const char *value = soup_message_headers_get_one (headers, "Retry-After");
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;
  guint64 seconds;

  if (value == NULL)
    return -1;

  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &seconds, NULL))
    return (gint64) seconds * 1000;

  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return -1;

  now = g_date_time_new_now_utc ();
  return MAX (0, g_date_time_difference (when, now) / 1000);
}

static char *
describe_wait (gint64 ms)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT " s", (ms + 999) / 1000);
}

static GError *
http_status_error (MtClient  *self,
                   Request   *request,
                   char     **models)
{
  SoupMessage *message = request->message;
  guint status = soup_message_get_status (message);
  const char *reason = soup_message_get_reason_phrase (message);
  g_autofree char *url = mt_endpoint_build_url (self->endpoint, request->path);
  g_autofree char *quote = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *attempts = NULL;

  quote = request->response != NULL
    ? extract_server_message (self, (const char *) request->response->data, request->response->len)
    : NULL;
  quoted = format_quote (quote);
  attempts = request->attempt > 1
    ? g_strdup_printf (_(" (gave up after %u attempts)"), request->attempt)
    : g_strdup ("");

  if (reason == NULL || reason[0] == '\0')
    reason = soup_status_get_phrase (status);
  if (reason == NULL)
    reason = "";

  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    {
      if (self->api_key == NULL || self->api_key[0] == '\0')
        return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_UNAUTHORIZED,
                            _("The server requires an API key (HTTP %u) and none is set%s"),
                            status, quoted);

      return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_UNAUTHORIZED,
                          _("The server refused the API key (HTTP %u)%s. "
                            "Check the key stored for %s."),
                          status, quoted, mt_endpoint_get_base_url (self->endpoint));
    }

  if (status == SOUP_STATUS_NOT_FOUND)
    {
      if (request->operation == OPERATION_LIST_MODELS)
        return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_NOT_FOUND,
                            _("%s was not found (HTTP 404). Check the base URL: "
                              "OpenAI-compatible servers answer under /v1."), url);

      if (models != NULL && request->model != NULL &&
          !g_strv_contains ((const char * const *) models, request->model))
        {
          g_autoptr(GString) list = g_string_new (NULL);
          guint n = g_strv_length (models);

          for (guint i = 0; i < n && i < MAX_LISTED_MODELS; i++)
            g_string_append_printf (list, "%s“%s”", i > 0 ? ", " : "", models[i]);
          if (n > MAX_LISTED_MODELS)
            g_string_append_printf (list, _(" and %u more"), n - MAX_LISTED_MODELS);

          if (n == 0)
            return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_NOT_FOUND,
                                _("The server has no model “%s” (HTTP 404) and lists no models."),
                                request->model);

          return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_NOT_FOUND,
                              _("The server has no model “%s” (HTTP 404). Available: %s."),
                              request->model, list->str);
        }

      if (models != NULL)
        return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_NOT_FOUND,
                            _("%s was not found (HTTP 404) although the server has the model "
                              "“%s”. Check the base URL, or try the other completion mode."),
                            url, request->model);

      return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_NOT_FOUND,
                          _("%s was not found (HTTP 404)%s. Check the model name “%s” "
                            "and the base URL."),
                          url, quoted, request->model != NULL ? request->model : "");
    }

  if (status == MT_STATUS_TOO_MANY_REQUESTS)
    {
      gint64 retry_after = parse_retry_after (message);
      g_autofree char *wait = NULL;

      if (retry_after > MAX_RETRY_AFTER_MS)
        {
          wait = describe_wait (retry_after);
          return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_RATE_LIMITED,
                              _("The server is rate limiting requests (HTTP 429)%s and asks "
                                "to wait %s before trying again."),
                              quoted, wait);
        }

      return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_RATE_LIMITED,
                          _("The server is rate limiting requests (HTTP 429)%s%s. "
                            "Lower the number of parallel requests or wait a while."),
                          quoted, attempts);
    }

  if (SOUP_STATUS_IS_SERVER_ERROR (status))
    return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_SERVER,
                        _("The server failed with HTTP %u %s%s%s"),
                        status, reason, quoted, attempts);

  return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_HTTP,
                      _("The server rejected the request with HTTP %u %s%s"),
                      status, reason, quoted);
}

/* Endings */

static void
request_fail (GTask  *task,
              GError *error)
{
  Request *request = g_task_get_task_data (task);

  request_clear_retry (request);
  request_clear_deadline (request);
  request_drop_stream (request);

  if (request->limit_error != NULL &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_error_free (error);
      error = g_steal_pointer (&request->limit_error);
    }

  if (request->completion != NULL)
    _mt_completion_end (request->completion,
                        g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                          ? MT_FINISH_CANCELLED : MT_FINISH_ERROR);

  g_task_return_error (task, error);
}

static void
request_succeed (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  request_clear_deadline (request);
  request_drop_stream (request);
  g_task_return_boolean (task, TRUE);
}

/* Retries */

static gboolean
request_retry_cb (gpointer user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);

  request_clear_retry (request);
  request_send (task);

  return G_SOURCE_REMOVE;
}

static gboolean
request_retry_cancelled_cb (GCancellable *cancellable,
                            gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (cancellable, &error);
  request_fail (task, error);

  return G_SOURCE_REMOVE;
}

static gboolean
request_deadline_cb (gpointer user_data)
{
  GTask *task = user_data;
  MtClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  guint n_tokens = request->completion != NULL
    ? _mt_completion_get_total_tokens (request->completion) : 0;

  g_clear_pointer (&request->deadline_source, g_source_unref);
  request->limit_error =
    g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_LIMIT,
                 g_dngettext (GETTEXT_PACKAGE,
                              "The completion ran longer than %u s (the client's time limit); "
                              "stopped after %u token (the partial text is kept)",
                              "The completion ran longer than %u s (the client's time limit); "
                              "stopped after %u tokens (the partial text is kept)",
                              n_tokens),
                 self->max_duration, n_tokens);
  /* Every path out of a cancelled request goes through request_fail(),
   * which reports the limit instead of a cancel. */
  g_cancellable_cancel (request->cancellable);

  return G_SOURCE_REMOVE;
}

/* Schedules another attempt after a capped exponential backoff with
 * jitter, so that many requests refused together do not come back
 * together. A Retry-After from the server is a floor. */
static gboolean
request_retry (GTask  *task,
               gint64  retry_after)
{
  MtClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  GMainContext *context = g_task_get_context (task);
  gint64 base;
  gint64 delay;

  if (request->attempt >= self->max_attempts || retry_after > MAX_RETRY_AFTER_MS)
    return FALSE;

  base = (gint64) self->retry_delay << MIN (request->attempt - 1, 30);
  base = MIN (base, (gint64) self->retry_delay * MAX_BACKOFF_FACTOR);
  delay = base / 2 + g_random_int_range (0, (gint32) MIN (base / 2, G_MAXINT32 - 1) + 1);
  delay = MAX (delay, retry_after);

  request_drop_stream (request);
  g_clear_pointer (&request->response, g_byte_array_unref);

  request->retry_source = g_timeout_source_new ((guint) MIN (delay, G_MAXUINT));
  g_source_set_callback (request->retry_source, request_retry_cb,
                         g_object_ref (task), g_object_unref);
  g_source_set_static_name (request->retry_source, "[mt-client] retry");
  g_source_attach (request->retry_source, context);

  request->cancel_source = g_cancellable_source_new (request->cancellable);
  g_source_set_callback (request->cancel_source, G_SOURCE_FUNC (request_retry_cancelled_cb),
                         g_object_ref (task), g_object_unref);
  g_source_set_static_name (request->cancel_source, "[mt-client] retry cancelled");
  g_source_attach (request->cancel_source, context);

  return TRUE;
}

static gboolean
status_is_retryable (guint status)
{
  /* 501 and 505 will not change by asking again. */
  return status == MT_STATUS_TOO_MANY_REQUESTS ||
         (SOUP_STATUS_IS_SERVER_ERROR (status) &&
          status != SOUP_STATUS_NOT_IMPLEMENTED &&
          status != SOUP_STATUS_HTTP_VERSION_NOT_SUPPORTED);
}

/* The model list */

static char **
parse_model_list (const char  *data,
                  gsize        len,
                  GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonNode *list;
  JsonArray *array;

  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT,
                   _("The server's model list is not JSON: %s"), local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  list = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
    ? json_object_get_member (json_node_get_object (root), "data")
    : NULL;
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error_literal (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT,
                           _("The server's model list has no “data” array; "
                             "it does not look like an OpenAI-compatible server"));
      return NULL;
    }

  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *id;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;

      id = object_get_string (json_node_get_object (element), "id");
      if (id != NULL && id[0] != '\0')
        g_strv_builder_add (builder, id);
    }

  return g_strv_builder_end (builder);
}

static void
request_lookup_models_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MtClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) models = NULL;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (object), result);

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      request_fail (task, g_steal_pointer (&error));
      return;
    }

  if (bytes != NULL && SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (message)))
    models = parse_model_list (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL);

  request_fail (task, http_status_error (self, request, models));
}

/* A 404 on a completion is either a wrong model or a wrong URL; the model
 * list tells which, and can name the models there are. */
static void
request_lookup_models (GTask *task)
{
  MtClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(SoupMessage) message = NULL;

  message = mt_endpoint_new_message (self->endpoint, SOUP_METHOD_GET, "models");
  if (self->api_key != NULL && self->api_key[0] != '\0')
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", self->api_key, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (message),
                                    "Authorization", authorization);
    }

  soup_session_send_and_read_async (self->session, message, G_PRIORITY_DEFAULT,
                                    request->cancellable, request_lookup_models_cb,
                                    g_object_ref (task));
}

/* Whole responses: error bodies and the model list */

static void
request_response_done (GTask *task)
{
  MtClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  guint status = soup_message_get_status (request->message);
  g_autoptr(GError) error = NULL;
  char **models;

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      if (status_is_retryable (status) &&
          request_retry (task, parse_retry_after (request->message)))
        return;

      if (status == SOUP_STATUS_NOT_FOUND && request->operation == OPERATION_COMPLETE &&
          request->model != NULL && request->model[0] != '\0')
        {
          request_drop_stream (request);
          request_lookup_models (task);
          return;
        }

      request_fail (task, http_status_error (self, request, NULL));
      return;
    }

  g_assert (request->operation == OPERATION_LIST_MODELS);

  if (!request->stream_at_eof)
    {
      request_fail (task, g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT,
                                       _("The server's model list is larger than %u MB"),
                                       MAX_MODELS_BODY / (1024 * 1024)));
      return;
    }

  models = parse_model_list ((const char *) request->response->data, request->response->len,
                             &error);
  request_drop_stream (request);

  if (models == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, models, (GDestroyNotify) g_strfreev);
}

static void
request_read_response_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        request_fail (task, g_steal_pointer (&error));
      else if (SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (request->message)))
        request_fail (task, g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_STREAM_DROPPED,
                                         _("The connection broke while reading the model "
                                           "list: %s"), error->message));
      else
        /* What arrived of an error page is still worth quoting. */
        request_response_done (task);
      return;
    }

  if (n == 0)
    {
      request->stream_at_eof = TRUE;
      request_response_done (task);
      return;
    }

  g_byte_array_append (request->response, request->buffer, (guint) n);
  if (request->response->len >= request->response_limit)
    {
      g_byte_array_set_size (request->response, (guint) request->response_limit);
      request_response_done (task);
      return;
    }

  request_read_response (task);
}

static void
request_read_response (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  g_input_stream_read_async (request->stream, request->buffer, READ_BUFFER_SIZE,
                             G_PRIORITY_DEFAULT, request->cancellable,
                             request_read_response_cb, g_object_ref (task));
}

/* The event stream */

typedef struct
{
  char   *text;
  gsize   len;
  double  logprob;
} LogprobToken;

static void
logprob_token_clear (gpointer data)
{
  LogprobToken *token = data;

  g_free (token->text);
}

static double
json_number_or_nan (const MtJsonValue *value)
{
  double number;

  if (value->type == MT_JSON_NUMBER && mt_json_value_get_double (value, &number))
    return number;

  return NAN;
}

/* The tokens named in a chunk's logprobs, in either API's shape:
 * completions {"tokens": [...], "token_logprobs": [...]} or chat
 * {"content": [{"token": ..., "logprob": ...}, ...]}. */
static GArray *
collect_logprob_tokens (const MtJsonValue *logprobs)
{
  g_autoptr(GArray) tokens = g_array_new (FALSE, TRUE, sizeof (LogprobToken));
  MtJsonValue list;
  MtJsonValue element;
  MtJsonIter iter;

  g_array_set_clear_func (tokens, logprob_token_clear);

  if (mt_json_object_get (logprobs, "tokens", &list) && list.type == MT_JSON_ARRAY)
    {
      MtJsonValue numbers;
      MtJsonIter number_iter;
      gboolean have_numbers;

      have_numbers = mt_json_object_get (logprobs, "token_logprobs", &numbers) &&
                     numbers.type == MT_JSON_ARRAY;
      if (have_numbers)
        mt_json_iter_init (&number_iter, &numbers);

      mt_json_iter_init (&iter, &list);
      while (mt_json_iter_next_element (&iter, &element))
        {
          LogprobToken token = { NULL, 0, NAN };
          MtJsonValue number;

          token.text = mt_json_value_dup_string (&element);
          if (token.text == NULL)
            return NULL;
          token.len = strlen (token.text);
          if (have_numbers && mt_json_iter_next_element (&number_iter, &number))
            token.logprob = json_number_or_nan (&number);
          g_array_append_val (tokens, token);
        }
    }
  else if (mt_json_object_get (logprobs, "content", &list) && list.type == MT_JSON_ARRAY)
    {
      mt_json_iter_init (&iter, &list);
      while (mt_json_iter_next_element (&iter, &element))
        {
          LogprobToken token = { NULL, 0, NAN };
          MtJsonValue value;

          if (element.type != MT_JSON_OBJECT ||
              !mt_json_object_get (&element, "token", &value) ||
              (token.text = mt_json_value_dup_string (&value)) == NULL)
            return NULL;
          token.len = strlen (token.text);
          if (mt_json_object_get (&element, "logprob", &value))
            token.logprob = json_number_or_nan (&value);
          g_array_append_val (tokens, token);
        }
    }

  return tokens->len > 0 ? g_steal_pointer (&tokens) : NULL;
}

/* Adds one delta to the completion: as the tokens the logprobs name when
 * they spell out exactly the delta's text, else as one token (byte-level
 * tokens that split a character cannot be spans of their own). */
static void
request_add_delta (Request           *request,
                   MtDeltaKind        kind,
                   const char        *text,
                   const MtJsonValue *logprobs)
{
  g_autoptr(GArray) tokens = NULL;
  gsize len = strlen (text);
  double total = NAN;

  if (len == 0)
    return;

  if (logprobs != NULL)
    tokens = collect_logprob_tokens (logprobs);

  if (tokens != NULL)
    {
      gsize offset = 0;
      gboolean spelled = TRUE;

      total = 0.0;
      for (guint i = 0; i < tokens->len; i++)
        {
          const LogprobToken *token = &g_array_index (tokens, LogprobToken, i);

          spelled = spelled && token->len > 0 && token->len <= len - offset &&
                    memcmp (text + offset, token->text, token->len) == 0;
          offset += token->len;
          total += token->logprob;
        }

      if (spelled && offset == len)
        {
          for (guint i = 0; i < tokens->len; i++)
            {
              const LogprobToken *token = &g_array_index (tokens, LogprobToken, i);

              _mt_completion_append_token (request->completion, kind, token->text, token->len,
                                           request->read_time, token->logprob);
            }
          goto notify;
        }
    }

  /* The joint probability of the delta's tokens is the delta's own. */
  _mt_completion_append_token (request->completion, kind, text, len,
                               request->read_time, total);

notify:
  if (request->delta_func != NULL)
    request->delta_func (kind, text, request->read_time, request->delta_data);
}

static char *
dup_string_member (const MtJsonValue *object,
                   const char        *key)
{
  MtJsonValue value;

  if (!mt_json_object_get (object, key, &value))
    return NULL;

  return mt_json_value_dup_string (&value);
}

static gint64
int_member (const MtJsonValue *object,
            const char        *key)
{
  MtJsonValue value;
  gint64 number;

  if (!mt_json_object_get (object, key, &value) || !mt_json_value_get_int64 (&value, &number))
    return -1;

  return number;
}

static void
request_handle_choice (Request           *request,
                       const MtJsonValue *choice)
{
  g_autofree char *text = NULL;
  g_autofree char *reasoning = NULL;
  g_autofree char *content = NULL;
  g_autofree char *finish_reason = NULL;
  MtJsonValue delta;
  MtJsonValue logprobs;
  gboolean have_logprobs;

  have_logprobs = mt_json_object_get (choice, "logprobs", &logprobs) &&
                  logprobs.type == MT_JSON_OBJECT;

  /* Completions carry "text", chat a "delta"; reading both keeps servers
   * that mix them working. */
  text = dup_string_member (choice, "text");

  if (mt_json_object_get (choice, "delta", &delta) && delta.type == MT_JSON_OBJECT)
    {
      /* Some vLLM versions send the same text as both "reasoning_content"
       * and "reasoning"; the first one present wins. */
      reasoning = dup_string_member (&delta, "reasoning_content");
      if (reasoning == NULL || reasoning[0] == '\0')
        {
          g_free (reasoning);
          reasoning = dup_string_member (&delta, "reasoning");
        }
      content = dup_string_member (&delta, "content");
    }

  if (reasoning != NULL && reasoning[0] != '\0')
    {
      gboolean alone = (content == NULL || content[0] == '\0') && (text == NULL || text[0] == '\0');

      request_add_delta (request, MT_DELTA_REASONING, reasoning,
                         have_logprobs && alone ? &logprobs : NULL);
    }

  if (content != NULL && content[0] != '\0')
    {
      gboolean alone = reasoning == NULL || reasoning[0] == '\0';

      request_add_delta (request, MT_DELTA_CONTENT, content,
                         have_logprobs && alone ? &logprobs : NULL);
    }

  if (text != NULL && text[0] != '\0')
    request_add_delta (request, MT_DELTA_CONTENT, text, have_logprobs ? &logprobs : NULL);

  finish_reason = dup_string_member (choice, "finish_reason");
  if (finish_reason != NULL)
    _mt_completion_set_finish_reason (request->completion, finish_reason);
}

static void
request_handle_usage (Request           *request,
                      const MtJsonValue *usage)
{
  MtJsonValue details;
  gint64 reasoning = int_member (usage, "reasoning_tokens");

  if (mt_json_object_get (usage, "completion_tokens_details", &details) &&
      details.type == MT_JSON_OBJECT)
    reasoning = int_member (&details, "reasoning_tokens");

  _mt_completion_set_usage (request->completion,
                            int_member (usage, "prompt_tokens"),
                            int_member (usage, "completion_tokens"),
                            reasoning);
}

static char *
excerpt (const char *data,
         gsize       len)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gsize n = MIN (len, 80);

  /* Cut at a character boundary; the data is valid UTF-8. */
  while (n > 0 && n < len && ((guchar) data[n] & 0xC0) == 0x80)
    n--;

  for (gsize i = 0; i < n; i++)
    {
      if ((guchar) data[i] < 0x20)
        g_string_append_c (text, ' ');
      else
        g_string_append_c (text, data[i]);
    }
  if (n < len)
    g_string_append (text, "…");

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
request_event_cb (const MtSseEvent  *event,
                  gpointer           user_data,
                  GError           **error)
{
  GTask *task = user_data;
  MtClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  MtJsonValue root;
  MtJsonValue value;
  MtJsonIter iter;
  const char *problem;
  gsize offset;

  if (request->saw_done)
    return TRUE;

  /* A delta callback may cancel; the rest of this read must not reach it. */
  if (g_cancellable_set_error_if_cancelled (request->cancellable, error))
    return FALSE;

  if (event->data_len == strlen ("[DONE]") && memcmp (event->data, "[DONE]", event->data_len) == 0)
    {
      request->saw_done = TRUE;
      return TRUE;
    }

  if (g_str_equal (event->type, "error"))
    {
      g_autofree char *message = extract_server_message (self, event->data, event->data_len);

      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_SERVER,
                   _("The server reported an error mid-stream: “%s”"),
                   message != NULL ? message : _("(no message)"));
      return FALSE;
    }

  if (!mt_json_validate (event->data, event->data_len, &root, &offset, &problem))
    {
      g_autofree char *start = excerpt (event->data, event->data_len);

      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT,
                   _("The server sent an event that is not JSON (%s at byte %zu): “%s”"),
                   _(problem), offset, start);
      return FALSE;
    }

  if (root.type != MT_JSON_OBJECT)
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT,
                   _("The server sent an event holding %s instead of an object"),
                   _(mt_json_type_describe (root.type)));
      return FALSE;
    }

  if (mt_json_object_get (&root, "error", &value) && value.type != MT_JSON_NULL)
    {
      g_autofree char *message = extract_server_message (self, event->data, event->data_len);

      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_SERVER,
                   _("The server reported an error mid-stream: “%s”"),
                   message != NULL ? message : _("(no message)"));
      return FALSE;
    }

  if (mt_completion_get_model (request->completion) == NULL)
    {
      g_autofree char *model = dup_string_member (&root, "model");

      if (model != NULL)
        _mt_completion_set_model (request->completion, model);
    }

  /* Only choice 0 is asked for; others would be a server's own idea. */
  if (mt_json_object_get (&root, "choices", &value) && value.type == MT_JSON_ARRAY)
    {
      MtJsonValue choice;

      mt_json_iter_init (&iter, &value);
      while (mt_json_iter_next_element (&iter, &choice))
        {
          gint64 index;

          if (choice.type != MT_JSON_OBJECT)
            continue;
          index = int_member (&choice, "index");
          if (index > 0)
            continue;

          request_handle_choice (request, &choice);
          break;
        }
    }

  if (mt_json_object_get (&root, "usage", &value) && value.type == MT_JSON_OBJECT)
    request_handle_usage (request, &value);

  if (request->token_limit > 0 &&
      _mt_completion_get_total_tokens (request->completion) >
      request->token_limit + TOKEN_LIMIT_SLACK)
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_LIMIT,
                   _("The server kept streaming past the %u tokens asked for (max_tokens); "
                     "stopped it there (the partial text is kept)"),
                   request->token_limit);
      return FALSE;
    }

  return TRUE;
}

static gboolean
request_is_finished (Request *request)
{
  return request->saw_done || _mt_completion_has_finish_reason (request->completion);
}

static GError *
stream_dropped_error (Request    *request,
                      const char *reason)
{
  guint n_tokens = _mt_completion_get_total_tokens (request->completion);

  return g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_STREAM_DROPPED,
                      g_dngettext (GETTEXT_PACKAGE,
                                   "The server ended the stream before the completion finished%s%s "
                                   "(%u token received; the partial text is kept)",
                                   "The server ended the stream before the completion finished%s%s "
                                   "(%u tokens received; the partial text is kept)",
                                   n_tokens),
                      reason != NULL ? ": " : "", reason != NULL ? reason : "", n_tokens);
}

static void
request_stream_failed (GTask  *task,
                       GError *error)
{
  Request *request = g_task_get_task_data (task);

  /* A server that closes abruptly after [DONE] lost nothing. */
  if (request->saw_done)
    request_succeed (task);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    request_fail (task, g_error_copy (error));
  else if (_mt_completion_has_finish_reason (request->completion))
    request_succeed (task);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      MtClient *self = g_task_get_source_object (task);
      guint n_tokens = _mt_completion_get_total_tokens (request->completion);

      request_fail (task, g_error_new (MT_CLIENT_ERROR, MT_CLIENT_ERROR_TIMED_OUT,
                                       g_dngettext (GETTEXT_PACKAGE,
                                                    "The server sent nothing for %u s mid-stream "
                                                    "(the client's timeout); gave up after %u "
                                                    "token (the partial text is kept)",
                                                    "The server sent nothing for %u s mid-stream "
                                                    "(the client's timeout); gave up after %u "
                                                    "tokens (the partial text is kept)",
                                                    n_tokens),
                                       self->timeout, n_tokens));
    }
  else
    request_fail (task, stream_dropped_error (request, error->message));
}

static void
request_stream_ended (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  request->stream_at_eof = TRUE;
  mt_sse_parser_end (request->parser);

  if (request_is_finished (request))
    request_succeed (task);
  else
    request_fail (task, stream_dropped_error (request, NULL));
}

/* libsoup hands out at most one HTTP chunk per read, and servers send one
 * chunk per token: taking what is already buffered without a trip through
 * the main loop makes a fast stream cost one read per batch, not one per
 * token. */
static gsize
request_drain (Request   *request,
               gsize      filled,
               gboolean  *at_eof,
               GError   **error)
{
  GPollableInputStream *pollable;

  if (!G_IS_POLLABLE_INPUT_STREAM (request->stream))
    return filled;

  pollable = G_POLLABLE_INPUT_STREAM (request->stream);
  if (!g_pollable_input_stream_can_poll (pollable))
    return filled;

  while (filled < READ_BUFFER_SIZE)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (pollable, request->buffer + filled,
                                                    READ_BUFFER_SIZE - filled,
                                                    request->cancellable, &local_error);
      if (n > 0)
        {
          filled += (gsize) n;
        }
      else if (n == 0)
        {
          *at_eof = TRUE;
          break;
        }
      else
        {
          if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_propagate_error (error, g_steal_pointer (&local_error));
          break;
        }
    }

  return filled;
}

static gboolean
client_slice_end_cb (gpointer user_data)
{
  MtClient *self = user_data;

  g_clear_pointer (&self->slice_end_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Whether parsing has had its share of the main loop. A slice starts with
 * the first chunk parsed and ends when an idle below the redraws runs:
 * until then streams may keep the loop busy, for SLICE_BUDGET_US at most,
 * and after that they wait in idles of the same priority, behind it. */
static gboolean
client_slice_spent (MtClient     *self,
                    GMainContext *context)
{
  if (self->slice_end_source == NULL)
    {
      self->slice_start = g_get_monotonic_time ();
      self->slice_end_source = g_idle_source_new ();
      g_source_set_priority (self->slice_end_source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_static_name (self->slice_end_source, "[midthought] client slice end");
      g_source_set_callback (self->slice_end_source, client_slice_end_cb, self, NULL);
      g_source_attach (self->slice_end_source, context);
      return FALSE;
    }

  return g_get_monotonic_time () - self->slice_start > SLICE_BUDGET_US;
}

static void request_parse_pending (GTask *task);

static gboolean
request_parse_pending_cb (gpointer user_data)
{
  request_parse_pending (G_TASK (user_data));
  return G_SOURCE_REMOVE;
}

/* Parses the chunk read, in pieces, each now or once frames and other
 * work had their turn, then reads on. Nothing else moves the request
 * meanwhile: the next read only starts once the chunk is parsed. */
static void
request_parse_pending (GTask *task)
{
  MtClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) read_error = NULL;

  /* Ended meanwhile: the response stream went with it. */
  if (request->stream == NULL)
    return;

  while (TRUE)
    {
      gsize piece;

      if (client_slice_spent (self, g_task_get_context (task)))
        {
          g_autoptr(GSource) source = g_idle_source_new ();

          g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
          g_source_set_static_name (source, "[midthought] client parse");
          g_source_set_callback (source, request_parse_pending_cb, g_object_ref (task),
                                 g_object_unref);
          g_source_attach (source, g_task_get_context (task));
          return;
        }

      /* Taking what else is buffered is part of the work the slice
       * bounds. */
      if (request->parsed == 0 && !request->pending_eof && request->pending_error == NULL)
        request->pending = request_drain (request, request->pending, &request->pending_eof,
                                          &request->pending_error);

      piece = MIN (request->pending - request->parsed, PARSE_PIECE_SIZE);
      if (!mt_sse_parser_feed (request->parser, (const char *) request->buffer + request->parsed,
                               piece, &error))
        {
          request_fail (task, g_steal_pointer (&error));
          return;
        }
      request->parsed += piece;
      if (request->parsed >= request->pending)
        break;
    }

  request->parsed = 0;
  request->pending = 0;
  read_error = g_steal_pointer (&request->pending_error);
  if (read_error != NULL)
    request_stream_failed (task, read_error);
  else if (request->pending_eof)
    request_stream_ended (task);
  else
    request_read_stream (task);
}

static void
request_read_stream_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (n < 0)
    {
      request_stream_failed (task, error);
      return;
    }

  if (n == 0)
    {
      request_stream_ended (task);
      return;
    }

  request->pending = (gsize) n;
  request->parsed = 0;
  request->pending_eof = FALSE;
  g_clear_error (&request->pending_error);
  /* Tokens arrived now, whenever they are parsed. */
  request->read_time = g_get_monotonic_time ();
  request_parse_pending (task);
}

static void
request_read_stream (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  g_input_stream_read_async (request->stream, request->buffer, READ_BUFFER_SIZE,
                             G_PRIORITY_DEFAULT, request->cancellable,
                             request_read_stream_cb, g_object_ref (task));
}

static void
request_start_stream (GTask *task)
{
  Request *request = g_task_get_task_data (task);
  SoupMessageHeaders *headers = soup_message_get_response_headers (request->message);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);

  /* Without "stream" support the whole completion comes back as one JSON
   * document, which the event parser would silently ignore line by line. */
  if (g_strcmp0 (content_type, "application/json") == 0)
    {
      request_fail (task, g_error_new_literal (MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT,
                                               _("The server answered with one JSON document "
                                                 "instead of an event stream; it does not "
                                                 "seem to support streaming")));
      return;
    }

  request->parser = mt_sse_parser_new (request_event_cb, task);
  request_read_stream (task);
}

/* Sending */

static void
request_send_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MtClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (stream == NULL)
    {
      gboolean retryable;
      GError *mapped = map_transport_error (self, error, &retryable);

      if (retryable && request_retry (task, -1))
        {
          g_error_free (mapped);
          return;
        }

      request_fail (task, mapped);
      return;
    }

  request->stream = g_steal_pointer (&stream);
  request->stream_at_eof = FALSE;

  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (request->message)) ||
      request->operation == OPERATION_LIST_MODELS)
    {
      g_clear_pointer (&request->response, g_byte_array_unref);
      request->response = g_byte_array_new ();
      request->response_limit = request->operation == OPERATION_LIST_MODELS
        ? MAX_MODELS_BODY : MAX_ERROR_BODY;
      request_read_response (task);
      return;
    }

  request_start_stream (task);
}

static void
request_send (GTask *task)
{
  MtClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(SoupMessage) message = NULL;

  request->attempt++;

  message = mt_endpoint_new_message (self->endpoint, request->method, request->path);
  g_assert (message != NULL);

  if (request->body != NULL)
    soup_message_set_request_body_from_bytes (message, "application/json", request->body);

  if (self->api_key != NULL && self->api_key[0] != '\0')
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", self->api_key, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (message),
                                    "Authorization", authorization);
    }

  g_set_object (&request->message, message);

  /* Each attempt starts a fresh completion: nothing streamed before a
   * retry, so nothing is lost, and arrival times count from this send. */
  if (request->operation == OPERATION_COMPLETE)
    {
      g_clear_object (&request->completion);
      request->completion = _mt_completion_new (g_get_monotonic_time ());
    }

  soup_session_send_async (self->session, message, G_PRIORITY_DEFAULT,
                           request->cancellable, request_send_cb, g_object_ref (task));
}

/* MtClient */

static void
mt_client_constructed (GObject *object)
{
  MtClient *self = (MtClient *)object;
  g_autofree char *user_agent = g_strdup_printf ("Midthought/%s", PACKAGE_VERSION);

  G_OBJECT_CLASS (mt_client_parent_class)->constructed (object);

  if (self->endpoint == NULL)
    self->endpoint = mt_endpoint_new (NULL, NULL);

  /* One client talks to one endpoint, so the per-host limit is the limit;
   * libsoup's default of 2 would serialize a sweep. */
  self->session = soup_session_new_with_options ("max-conns", self->max_connections,
                                                 "max-conns-per-host", self->max_connections,
                                                 "timeout", self->timeout,
                                                 "user-agent", user_agent,
                                                 NULL);
}

static void
mt_client_dispose (GObject *object)
{
  MtClient *self = (MtClient *)object;

  if (self->session != NULL)
    soup_session_abort (self->session);

  g_clear_object (&self->session);
  g_clear_object (&self->endpoint);
  if (self->slice_end_source != NULL)
    {
      g_source_destroy (self->slice_end_source);
      g_clear_pointer (&self->slice_end_source, g_source_unref);
    }

  G_OBJECT_CLASS (mt_client_parent_class)->dispose (object);
}

static void
mt_client_finalize (GObject *object)
{
  MtClient *self = (MtClient *)object;

  g_clear_pointer (&self->api_key, g_free);

  G_OBJECT_CLASS (mt_client_parent_class)->finalize (object);
}

static void
mt_client_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  MtClient *self = MT_CLIENT (object);

  switch (prop_id)
    {
    case PROP_ENDPOINT:
      g_value_set_object (value, self->endpoint);
      break;

    case PROP_MAX_ATTEMPTS:
      g_value_set_uint (value, self->max_attempts);
      break;

    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;

    case PROP_MAX_DURATION:
      g_value_set_uint (value, self->max_duration);
      break;

    case PROP_RETRY_DELAY:
      g_value_set_uint (value, self->retry_delay);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_client_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  MtClient *self = MT_CLIENT (object);

  switch (prop_id)
    {
    case PROP_API_KEY:
      mt_client_set_api_key (self, g_value_get_string (value));
      break;

    case PROP_ENDPOINT:
      self->endpoint = g_value_dup_object (value);
      break;

    case PROP_MAX_ATTEMPTS:
      mt_client_set_max_attempts (self, g_value_get_uint (value));
      break;

    case PROP_MAX_CONNECTIONS:
      self->max_connections = g_value_get_uint (value);
      break;

    case PROP_MAX_DURATION:
      mt_client_set_max_duration (self, g_value_get_uint (value));
      break;

    case PROP_RETRY_DELAY:
      mt_client_set_retry_delay (self, g_value_get_uint (value));
      break;

    case PROP_TIMEOUT:
      mt_client_set_timeout (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_client_class_init (MtClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = mt_client_constructed;
  object_class->dispose = mt_client_dispose;
  object_class->finalize = mt_client_finalize;
  object_class->get_property = mt_client_get_property;
  object_class->set_property = mt_client_set_property;

  /* Write-only: a readable property would show the key to anything that
   * lists properties, the GTK inspector included. */
  properties[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, NULL,
                         NULL,
                         (G_PARAM_WRITABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ENDPOINT] =
    g_param_spec_object ("endpoint", NULL, NULL,
                         MT_TYPE_ENDPOINT,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MAX_ATTEMPTS] =
    g_param_spec_uint ("max-attempts", NULL, NULL,
                       1, 16, MT_CLIENT_DEFAULT_MAX_ATTEMPTS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL,
                       1, 1024, MT_CLIENT_DEFAULT_MAX_CONNECTIONS,
                       (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL,
                       0, 60 * 1000, MT_CLIENT_DEFAULT_RETRY_DELAY,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Seconds without a byte from the server before a request gives up. */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       1, G_MAXUINT, MT_CLIENT_DEFAULT_TIMEOUT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Seconds one completion may take, retries included; 0 for no limit. */
  properties[PROP_MAX_DURATION] =
    g_param_spec_uint ("max-duration", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mt_client_init (MtClient *self)
{
  self->max_attempts = MT_CLIENT_DEFAULT_MAX_ATTEMPTS;
  self->retry_delay = MT_CLIENT_DEFAULT_RETRY_DELAY;
  self->max_connections = MT_CLIENT_DEFAULT_MAX_CONNECTIONS;
  self->timeout = MT_CLIENT_DEFAULT_TIMEOUT;
}

/**
 * mt_client_new:
 * @endpoint: (nullable): the server, or %NULL for %MT_ENDPOINT_DEFAULT_URL
 *
 * The client must be used from the thread that created it, on the main
 * context that was thread-default then.
 *
 * Returns: (transfer full): a new client
 */
MtClient *
mt_client_new (MtEndpoint *endpoint)
{
  g_return_val_if_fail (endpoint == NULL || MT_IS_ENDPOINT (endpoint), NULL);

  return g_object_new (MT_TYPE_CLIENT,
                       "endpoint", endpoint,
                       NULL);
}

MtEndpoint *
mt_client_get_endpoint (MtClient *self)
{
  g_return_val_if_fail (MT_IS_CLIENT (self), NULL);

  return self->endpoint;
}

/**
 * mt_client_set_api_key:
 * @self: an #MtClient
 * @api_key: (nullable): the key, or %NULL for none
 *
 * Sets the key sent as "Authorization: Bearer" with every request. It is
 * never logged and never appears in error messages.
 */
void
mt_client_set_api_key (MtClient   *self,
                       const char *api_key)
{
  g_return_if_fail (MT_IS_CLIENT (self));

  if (api_key != NULL && api_key[0] == '\0')
    api_key = NULL;

  if (g_strcmp0 (self->api_key, api_key) == 0)
    return;

  g_free (self->api_key);
  self->api_key = g_strdup (api_key);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_API_KEY]);
}

gboolean
mt_client_has_api_key (MtClient *self)
{
  g_return_val_if_fail (MT_IS_CLIENT (self), FALSE);

  return self->api_key != NULL;
}

guint
mt_client_get_max_attempts (MtClient *self)
{
  g_return_val_if_fail (MT_IS_CLIENT (self), 0);

  return self->max_attempts;
}

/**
 * mt_client_set_max_attempts:
 * @self: an #MtClient
 * @max_attempts: how many times a request is sent at most, 1 for no retries
 *
 * Only rate limiting (429), server errors (5xx) and failed connections are
 * retried, and only before the reply started: streamed text is never
 * asked for twice.
 */
void
mt_client_set_max_attempts (MtClient *self,
                            guint     max_attempts)
{
  g_return_if_fail (MT_IS_CLIENT (self));
  g_return_if_fail (max_attempts >= 1);

  if (self->max_attempts == max_attempts)
    return;

  self->max_attempts = max_attempts;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_ATTEMPTS]);
}

guint
mt_client_get_retry_delay (MtClient *self)
{
  g_return_val_if_fail (MT_IS_CLIENT (self), 0);

  return self->retry_delay;
}

/**
 * mt_client_set_retry_delay:
 * @self: an #MtClient
 * @retry_delay: the first backoff in milliseconds
 *
 * The wait before the second attempt; it doubles with each attempt up to
 * 16 times this, and each wait is drawn between half and all of it.
 */
void
mt_client_set_retry_delay (MtClient *self,
                           guint     retry_delay)
{
  g_return_if_fail (MT_IS_CLIENT (self));

  if (self->retry_delay == retry_delay)
    return;

  self->retry_delay = retry_delay;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_DELAY]);
}

guint
mt_client_get_timeout (MtClient *self)
{
  g_return_val_if_fail (MT_IS_CLIENT (self), 0);

  return self->timeout;
}

/**
 * mt_client_set_timeout:
 * @self: an #MtClient
 * @timeout: seconds, at least 1
 *
 * How long a request waits for any byte from the server, before the reply
 * or in the middle of a stream, before it fails with
 * %MT_CLIENT_ERROR_TIMED_OUT. Applies to requests sent after the call.
 */
void
mt_client_set_timeout (MtClient *self,
                       guint     timeout)
{
  g_return_if_fail (MT_IS_CLIENT (self));
  g_return_if_fail (timeout > 0);

  if (self->timeout == timeout)
    return;

  self->timeout = timeout;
  if (self->session != NULL)
    soup_session_set_timeout (self->session, timeout);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

guint
mt_client_get_max_duration (MtClient *self)
{
  g_return_val_if_fail (MT_IS_CLIENT (self), 0);

  return self->max_duration;
}

/**
 * mt_client_set_max_duration:
 * @self: an #MtClient
 * @max_duration: seconds, or 0 for no limit
 *
 * The wall-clock limit of one completion, retries included: past it the
 * stream is stopped and the request fails with %MT_CLIENT_ERROR_LIMIT,
 * keeping the text that arrived. Applies to requests started after the
 * call.
 */
void
mt_client_set_max_duration (MtClient *self,
                            guint     max_duration)
{
  g_return_if_fail (MT_IS_CLIENT (self));

  if (self->max_duration == max_duration)
    return;

  self->max_duration = max_duration;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_DURATION]);
}

/**
 * mt_client_list_models_async:
 * @self: an #MtClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the list is in
 * @user_data: data for @callback
 *
 * Asks the server for its models (GET /models).
 */
void
mt_client_list_models_async (MtClient            *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;

  g_return_if_fail (MT_IS_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = request_new (self, OPERATION_LIST_MODELS, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_client_list_models_async);

  request = g_task_get_task_data (task);
  request->method = SOUP_METHOD_GET;
  request->path = g_strdup ("models");

  request_send (task);
}

/**
 * mt_client_list_models_finish:
 * @self: an #MtClient
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the model ids in the server's order,
 *   or %NULL with @error set
 */
char **
mt_client_list_models_finish (MtClient      *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (MT_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mt_client_list_models_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * mt_client_complete_async:
 * @self: an #MtClient
 * @request: what to generate; copied, so it may be freed at once
 * @cancellable: (nullable): a #GCancellable; cancelling closes the
 *   connection at once, so the server stops generating
 * @delta_func: (nullable) (scope call): called for each piece of text
 * @delta_data: data for @delta_func; must stay valid until @callback runs
 * @callback: called when the stream ended or failed
 * @user_data: data for @callback
 *
 * Streams a completion. Errors are in %MT_CLIENT_ERROR, except
 * cancellation, which is %G_IO_ERROR_CANCELLED.
 */
void
mt_client_complete_async (MtClient                  *self,
                          const MtCompletionRequest *request,
                          GCancellable              *cancellable,
                          MtDeltaFunc                delta_func,
                          gpointer                   delta_data,
                          GAsyncReadyCallback        callback,
                          gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *state;

  g_return_if_fail (MT_IS_CLIENT (self));
  g_return_if_fail (request != NULL);
  g_return_if_fail (request->mode == MT_COMPLETION_MODE_COMPLETIONS ||
                    request->mode == MT_COMPLETION_MODE_CHAT);
  g_return_if_fail (request->mode != MT_COMPLETION_MODE_COMPLETIONS || request->prompt != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = request_new (self, OPERATION_COMPLETE, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_client_complete_async);

  state = g_task_get_task_data (task);
  state->method = SOUP_METHOD_POST;
  state->path = g_strdup (mt_completion_request_get_path (request));
  state->model = g_strdup (request->model);
  state->body = mt_completion_request_to_json (request);
  state->delta_func = delta_func;
  state->delta_data = delta_data;
  if (request->sampling.max_tokens > 0)
    state->token_limit = (guint) MIN (request->sampling.max_tokens,
                                      (gint64) (G_MAXUINT - TOKEN_LIMIT_SLACK));

  if (self->max_duration > 0)
    {
      state->deadline_source = g_timeout_source_new_seconds (self->max_duration);
      g_source_set_callback (state->deadline_source, request_deadline_cb,
                             g_object_ref (task), g_object_unref);
      g_source_set_static_name (state->deadline_source, "[mt-client] deadline");
      g_source_attach (state->deadline_source, g_task_get_context (task));
    }

  request_send (task);
}

/**
 * mt_client_complete_finish:
 * @self: an #MtClient
 * @result: the result given to the callback
 * @completion: (out) (optional) (nullable) (transfer full): the completion;
 *   on failure the partial one, if any text arrived, else %NULL
 * @error: return location for a #GError
 *
 * On failure the text streamed until then is kept in @completion, with the
 * finish reason %MT_FINISH_CANCELLED or %MT_FINISH_ERROR.
 *
 * Returns: %TRUE if the stream ended normally
 */
gboolean
mt_client_complete_finish (MtClient      *self,
                           GAsyncResult  *result,
                           MtCompletion **completion,
                           GError       **error)
{
  Request *request;
  gboolean ok;

  g_return_val_if_fail (MT_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mt_client_complete_async,
                        FALSE);

  request = g_task_get_task_data (G_TASK (result));
  ok = g_task_propagate_boolean (G_TASK (result), error);

  if (completion != NULL)
    {
      if (request->completion != NULL &&
          (ok || _mt_completion_get_total_tokens (request->completion) > 0))
        *completion = g_object_ref (request->completion);
      else
        *completion = NULL;
    }

  return ok;
}
