/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "fake-server.h"

typedef struct
{
  FakeServer        *server;
  SoupServerMessage *message;
  FakeRequest       *request;
  FakeReply          reply;
  gboolean           chat;
  gboolean           in_reasoning;
  guint              next;        /* the next token to send */
  guint              n_appended;  /* chunks handed to libsoup */
  guint              n_written;   /* chunks it wrote */
  GSource           *timer;
  gboolean           at_gate;
  gboolean           passed_gate;
  gboolean           done;        /* the scripted end was reached */
  gboolean           hanging;
} Stream;

static void
fake_request_free (gpointer data)
{
  FakeRequest *request = data;

  g_free (request->path);
  g_free (request->model);
  g_free (request->prompt);
  g_free (request->system);
  g_free (request->user);
  g_free (request->prefill);
  g_strfreev (request->stop);
  g_free (request->authorization);
  g_free (request);
}

static void
stream_stop_timer (Stream *stream)
{
  if (stream->timer != NULL)
    {
      g_source_destroy (stream->timer);
      g_clear_pointer (&stream->timer, g_source_unref);
    }
}

static void
stream_free (Stream *stream)
{
  stream_stop_timer (stream);
  g_clear_pointer (&stream->reply.tokens, g_ptr_array_unref);
  g_clear_object (&stream->message);
  g_free (stream);
}

/* No longer counted as open: the stream reached its end, as far as this
 * server is concerned, or the client left. */
static void
stream_close (Stream *stream)
{
  FakeServer *server = stream->server;

  if (g_ptr_array_remove (server->streams, stream))
    {
      stream->done = TRUE;
      if (server->total_open != NULL)
        (*server->total_open)--;
    }
}

static void
stream_forget (Stream *stream)
{
  g_signal_handlers_disconnect_by_data (stream->message, stream);
  stream_close (stream);
  stream_free (stream);
}

static void
append_event (Stream     *stream,
              const char *data)
{
  g_autofree char *event = g_strdup_printf ("data: %s\n\n", data);
  SoupMessageBody *body = soup_server_message_get_response_body (stream->message);

  soup_message_body_append (body, SOUP_MEMORY_COPY, event, strlen (event));
  stream->n_appended++;
}

static char *
token_event (Stream     *stream,
             const char *text,
             const char *finish_reason)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "object");
  json_builder_add_string_value (builder, stream->chat ? "chat.completion.chunk"
                                                       : "text_completion");
  json_builder_set_member_name (builder, "choices");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "index");
  json_builder_add_int_value (builder, 0);
  if (stream->chat)
    {
      json_builder_set_member_name (builder, "delta");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, stream->in_reasoning ? "reasoning_content"
                                                                  : "content");
      json_builder_add_string_value (builder, text);
      json_builder_end_object (builder);
    }
  else
    {
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, text);
    }
  json_builder_set_member_name (builder, "finish_reason");
  if (finish_reason != NULL)
    json_builder_add_string_value (builder, finish_reason);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
send_token (Stream *stream)
{
  const char *token = g_ptr_array_index (stream->reply.tokens, stream->next++);
  g_autofree char *event = NULL;

  if (stream->chat && stream->reply.split_reasoning && g_str_equal (token, "</think>"))
    {
      /* The tag itself goes out as an empty delta, as servers do. */
      event = token_event (stream, "", NULL);
      stream->in_reasoning = FALSE;
    }
  else
    event = token_event (stream, token, NULL);

  append_event (stream, event);
}

static void
send_end (Stream *stream)
{
  FakeReply *reply = &stream->reply;

  if (reply->end == FAKE_END_FINISH)
    {
      g_autofree char *final = token_event (stream, "", reply->finish_reason != NULL
                                                          ? reply->finish_reason : "length");
      g_autofree char *usage =
        g_strdup_printf ("{\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
                         "\"completion_tokens\":%u,\"total_tokens\":%u}}",
                         reply->tokens->len, reply->tokens->len + 7);

      append_event (stream, final);
      append_event (stream, usage);
      append_event (stream, "[DONE]");
      soup_message_body_complete (soup_server_message_get_response_body (stream->message));
      stream->server->n_finished++;
      stream_close (stream);
    }
  else if (reply->end == FAKE_END_DROP && stream->n_written == stream->n_appended)
    {
      g_autoptr(GIOStream) connection = NULL;

      stream->server->n_finished++;
      g_signal_handlers_disconnect_by_data (stream->message, stream);
      connection = soup_server_message_steal_connection (stream->message);
      g_io_stream_close (connection, NULL, NULL);
      stream_close (stream);
    }
}

static void release_gate (FakeServer *server);
static gboolean stream_tick_cb (gpointer user_data);

static void
stream_start_timer (Stream *stream)
{
  g_assert (stream->timer == NULL);

  stream->timer = g_timeout_source_new (stream->server->interval);
  g_source_set_callback (stream->timer, stream_tick_cb, stream, NULL);
  g_source_attach (stream->timer, NULL);
}

static gboolean
stream_tick_cb (gpointer user_data)
{
  Stream *stream = user_data;
  FakeServer *server = stream->server;

  if (stream->next < stream->reply.tokens->len)
    {
      send_token (stream);
      soup_server_message_unpause (stream->message);

      if (server->gate > 0 && !stream->passed_gate)
        {
          guint n_waiting = 0;

          /* Wait without a timer; the release starts it again. */
          stream->at_gate = TRUE;
          stream->passed_gate = TRUE;
          g_clear_pointer (&stream->timer, g_source_unref);
          for (guint i = 0; i < server->streams->len; i++)
            n_waiting += ((Stream *) g_ptr_array_index (server->streams, i))->at_gate;
          if (n_waiting >= server->gate)
            release_gate (server);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }

  if (stream->reply.end == FAKE_END_DROP && stream->n_written < stream->n_appended)
    return G_SOURCE_CONTINUE;

  /* A paused message never notices that its client left; a comment now
   * and then makes the server write, and so see it. */
  if (stream->reply.end == FAKE_END_HANG)
    {
      SoupMessageBody *body = soup_server_message_get_response_body (stream->message);

      if (!stream->hanging)
        {
          /* Slowly: a 0 ms timer would spin the test. */
          stream->hanging = TRUE;
          g_clear_pointer (&stream->timer, g_source_unref);
          stream->timer = g_timeout_source_new (20);
          g_source_set_callback (stream->timer, stream_tick_cb, stream, NULL);
          g_source_attach (stream->timer, NULL);
          return G_SOURCE_REMOVE;
        }

      soup_message_body_append (body, SOUP_MEMORY_STATIC, ": still here\n\n", 14);
      soup_server_message_unpause (stream->message);
      return G_SOURCE_CONTINUE;
    }

  send_end (stream);
  if (stream->reply.end == FAKE_END_FINISH)
    soup_server_message_unpause (stream->message);

  if (stream->reply.end == FAKE_END_DROP)
    {
      stream_free (stream);
      return G_SOURCE_REMOVE;
    }

  g_clear_pointer (&stream->timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
release_gate (FakeServer *server)
{
  for (guint i = 0; i < server->streams->len; i++)
    {
      Stream *stream = g_ptr_array_index (server->streams, i);

      if (stream->at_gate)
        {
          stream->at_gate = FALSE;
          stream_start_timer (stream);
        }
    }

  if (server->gate_source != NULL)
    {
      g_source_destroy (server->gate_source);
      g_clear_pointer (&server->gate_source, g_source_unref);
    }
}

static gboolean
gate_timeout_cb (gpointer user_data)
{
  FakeServer *server = user_data;

  g_clear_pointer (&server->gate_source, g_source_unref);
  release_gate (server);
  return G_SOURCE_REMOVE;
}

static void
restart_gate_timeout (FakeServer *server)
{
  if (server->gate == 0)
    return;

  if (server->gate_source != NULL)
    {
      g_source_destroy (server->gate_source);
      g_source_unref (server->gate_source);
    }
  server->gate_source = g_timeout_source_new (server->gate_timeout);
  g_source_set_callback (server->gate_source, gate_timeout_cb, server, NULL);
  g_source_attach (server->gate_source, NULL);
}

static void
stream_finished_cb (SoupServerMessage *message,
                    Stream            *stream)
{
  if (!stream->done)
    stream->server->n_aborted++;

  stream_forget (stream);
}

static void
stream_wrote_chunk_cb (SoupServerMessage *message,
                       Stream            *stream)
{
  stream->n_written++;
}

static char *
dup_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

static gint64
get_int (JsonObject *object,
         const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return -1;
  return json_node_get_int (node);
}

static FakeRequest *
parse_request (FakeServer        *server,
               SoupServerMessage *message,
               const char        *path)
{
  SoupMessageBody *body = soup_server_message_get_request_body (message);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  g_autoptr(JsonParser) parser = json_parser_new ();
  FakeRequest *request = g_new0 (FakeRequest, 1);
  JsonObject *object;
  JsonNode *node;

  request->serial = server->requests->len;
  request->path = g_strdup (path);
  request->seed = -1;
  request->max_tokens = -1;
  request->authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));

  if (!json_parser_load_from_data (parser, body->data, body->length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return request;

  object = json_node_get_object (json_parser_get_root (parser));
  request->model = dup_string (object, "model");
  request->prompt = dup_string (object, "prompt");
  request->seed = get_int (object, "seed");
  request->max_tokens = get_int (object, "max_tokens");

  node = json_object_get_member (object, "stop");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        g_strv_builder_add (builder, json_array_get_string_element (array, i));
      request->stop = g_strv_builder_end (builder);
    }

  node = json_object_get_member (object, "messages");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      gboolean continues = json_object_get_boolean_member_with_default (object,
                                                                         "continue_final_message",
                                                                         FALSE);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *turn = json_array_get_object_element (array, i);
          const char *role = json_object_get_string_member_with_default (turn, "role", "");
          char **slot = NULL;

          if (g_str_equal (role, "system"))
            slot = &request->system;
          else if (g_str_equal (role, "user"))
            slot = &request->user;
          else if (g_str_equal (role, "assistant") && continues &&
                   i + 1 == json_array_get_length (array))
            slot = &request->prefill;

          if (slot != NULL)
            {
              g_free (*slot);
              *slot = dup_string (turn, "content");
            }
        }
    }

  return request;
}

static void
respond_status (SoupServerMessage *message,
                guint              status)
{
  const char *body = "{\"error\":{\"message\":\"scripted failure\",\"type\":\"server_error\"}}";

  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
}

static void
server_handler (SoupServer        *soup_server,
                SoupServerMessage *message,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  FakeServer *server = user_data;
  SoupMessageHeaders *headers;
  FakeRequest *request;
  Stream *stream;

  if (!g_str_equal (path, "/v1/completions") && !g_str_equal (path, "/v1/chat/completions"))
    {
      respond_status (message, SOUP_STATUS_NOT_FOUND);
      return;
    }

  request = parse_request (server, message, path);
  g_ptr_array_add (server->requests, request);

  stream = g_new0 (Stream, 1);
  stream->server = server;
  stream->message = g_object_ref (message);
  stream->request = request;
  stream->chat = g_str_equal (path, "/v1/chat/completions");
  stream->reply.tokens = g_ptr_array_new_with_free_func (g_free);

  if (server->script != NULL)
    server->script (request, &stream->reply, server->script_data);
  else
    fake_reply_add_default_tokens (&stream->reply, request);

  stream->in_reasoning = stream->chat && stream->reply.split_reasoning;

  if (stream->reply.end == FAKE_END_STATUS)
    {
      respond_status (message, stream->reply.status);
      stream_free (stream);
      return;
    }

  headers = soup_server_message_get_response_headers (message);
  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);

  g_ptr_array_add (server->streams, stream);
  server->max_open = MAX (server->max_open, server->streams->len);
  if (server->total_open != NULL)
    {
      (*server->total_open)++;
      *server->total_max = MAX (*server->total_max, *server->total_open);
    }
  restart_gate_timeout (server);

  g_signal_connect (message, "finished", G_CALLBACK (stream_finished_cb), stream);
  g_signal_connect (message, "wrote-chunk", G_CALLBACK (stream_wrote_chunk_cb), stream);

  soup_server_message_pause (message);
  stream_start_timer (stream);
}

FakeServer *
fake_server_new (void)
{
  g_autoptr(GError) error = NULL;
  FakeServer *server = g_new0 (FakeServer, 1);
  GSList *uris;

  server->server = soup_server_new (NULL, NULL);
  server->requests = g_ptr_array_new_with_free_func (fake_request_free);
  server->streams = g_ptr_array_new ();
  server->gate_timeout = 1000;

  soup_server_add_handler (server->server, NULL, server_handler, server, NULL);
  soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server->server);
  g_assert_nonnull (uris);
  server->url = g_strdup_printf ("http://127.0.0.1:%d/v1", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return server;
}

void
fake_server_free (FakeServer *server)
{
  if (server == NULL)
    return;

  while (server->streams->len > 0)
    stream_forget (g_ptr_array_index (server->streams, 0));

  if (server->gate_source != NULL)
    {
      g_source_destroy (server->gate_source);
      g_source_unref (server->gate_source);
    }
  soup_server_disconnect (server->server);
  g_clear_object (&server->server);
  g_ptr_array_unref (server->streams);
  g_ptr_array_unref (server->requests);
  g_free (server->url);
  g_free (server);
}

void
fake_reply_add_default_tokens (FakeReply         *reply,
                               const FakeRequest *request)
{
  gint64 n = request->max_tokens >= 0 ? request->max_tokens : 8;

  for (gint64 i = 0; i < n; i++)
    g_ptr_array_add (reply->tokens,
                     g_strdup_printf ("s%" G_GINT64_FORMAT "t%" G_GINT64_FORMAT " ",
                                      request->seed, i));
}

void
fake_reply_add_tokens (FakeReply  *reply,
                       const char *first,
                       ...)
{
  va_list args;

  va_start (args, first);
  for (const char *token = first; token != NULL; token = va_arg (args, const char *))
    g_ptr_array_add (reply->tokens, g_strdup (token));
  va_end (args);
}
