/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MtClient against an OpenAI-compatible server played by a SoupServer in
 * this process, scripted per test: streams paced by timers, errors, drops,
 * and a barrier that proves requests run side by side. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "mt-client.h"

#define TEST_TIMEOUT_SECONDS 30
#define API_KEY              "sk-test-0123456789"

typedef enum
{
  REPLY_END_COMPLETE,    /* finish the body: a clean end of stream */
  REPLY_END_DROP,        /* close the socket mid-body */
  REPLY_END_REPEAT,      /* send the repeat chunk forever */
  REPLY_END_BARRIER,     /* send the chunks once every barrier stream is open */
} ReplyEnd;

typedef struct
{
  guint               status;        /* 0: 200 */
  const char         *content_type;
  const char         *body;          /* a whole body; NULL to stream chunks */
  const char * const *chunks;
  GBytes             *big_chunk;     /* sent after the chunks */
  const char         *repeat;
  guint               interval;      /* ms between chunks, 0: all at once */
  ReplyEnd            end;
  const char         *retry_after;
} Reply;

typedef struct _Stream Stream;

typedef struct
{
  SoupServer   *server;
  char         *base_url;
  guint         port;
  GSource      *watchdog;

  GQueue        replies;             /* const Reply *; the last one repeats */
  const Reply  *last_reply;
  const char   *models_body;
  guint         models_status;
  const char   *required_key;

  GPtrArray    *bodies;              /* request bodies as received */
  GArray       *request_times;       /* gint64, monotonic */
  char         *authorization;
  gboolean      saw_authorization;
  guint         n_requests;
  guint         n_models_requests;

  GPtrArray    *streams;             /* Stream *, open ones */
  guint         max_open_streams;
  guint         n_aborted;           /* streams the client left before the end */
  guint         n_chunks_sent;
  guint         barrier;
  GSource      *barrier_fallback;
} Fixture;

struct _Stream
{
  Fixture           *fixture;
  SoupServerMessage *message;
  const Reply       *reply;
  GSource           *timer;
  guint              next_chunk;
  guint              n_written;
  guint              n_to_write;
  gboolean           body_complete;
  gboolean           at_barrier;
};

/* Waiting */

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

static void
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  g_error ("test timed out after %d s", TEST_TIMEOUT_SECONDS);
  return G_SOURCE_REMOVE;
}

/* The scripted server */

static void
stream_free (Stream *stream)
{
  if (stream->timer != NULL)
    {
      g_source_destroy (stream->timer);
      g_source_unref (stream->timer);
    }

  g_clear_object (&stream->message);
  g_free (stream);
}

static void
stream_forget (Stream *stream)
{
  Fixture *fixture = stream->fixture;

  g_signal_handlers_disconnect_by_data (stream->message, stream);
  g_ptr_array_remove (fixture->streams, stream);
  stream_free (stream);
}

static void
stream_finished_cb (SoupServerMessage *message,
                    Stream            *stream)
{
  /* The client going away mid-stream shows up as a message that finished
   * with its body incomplete. */
  if (!stream->body_complete)
    stream->fixture->n_aborted++;

  stream_forget (stream);
}

static gboolean
stream_drop_cb (gpointer user_data)
{
  Stream *stream = user_data;
  g_autoptr(GIOStream) connection = NULL;

  g_signal_handlers_disconnect_by_data (stream->message, stream);
  connection = soup_server_message_steal_connection (stream->message);
  g_io_stream_close (connection, NULL, NULL);
  stream_forget (stream);

  return G_SOURCE_REMOVE;
}

static void
stream_wrote_chunk_cb (SoupServerMessage *message,
                       Stream            *stream)
{
  stream->n_written++;

  if (stream->reply->end == REPLY_END_DROP && stream->n_written == stream->n_to_write)
    g_idle_add (stream_drop_cb, stream);
}

static void
stream_append (Stream     *stream,
               const char *chunk)
{
  SoupMessageBody *body = soup_server_message_get_response_body (stream->message);

  soup_message_body_append (body, SOUP_MEMORY_COPY, chunk, strlen (chunk));
  stream->fixture->n_chunks_sent++;
}

static void
stream_complete (Stream *stream)
{
  stream->body_complete = TRUE;
  soup_message_body_complete (soup_server_message_get_response_body (stream->message));
}

static void
stream_send_all (Stream *stream)
{
  const Reply *reply = stream->reply;

  for (guint i = 0; reply->chunks != NULL && reply->chunks[i] != NULL; i++)
    stream_append (stream, reply->chunks[i]);

  if (reply->big_chunk != NULL)
    soup_message_body_append_bytes (soup_server_message_get_response_body (stream->message),
                                    reply->big_chunk);

  if (reply->end != REPLY_END_DROP)
    stream_complete (stream);

  soup_server_message_unpause (stream->message);
}

static void
release_barrier (Fixture *fixture)
{
  g_autoptr(GPtrArray) waiting = g_ptr_array_new ();

  for (guint i = 0; i < fixture->streams->len; i++)
    {
      Stream *stream = g_ptr_array_index (fixture->streams, i);

      if (stream->at_barrier)
        g_ptr_array_add (waiting, stream);
    }

  for (guint i = 0; i < waiting->len; i++)
    {
      Stream *stream = g_ptr_array_index (waiting, i);

      stream->at_barrier = FALSE;
      stream_send_all (stream);
    }

  if (fixture->barrier_fallback != NULL)
    {
      g_source_destroy (fixture->barrier_fallback);
      g_clear_pointer (&fixture->barrier_fallback, g_source_unref);
    }
}

static gboolean
barrier_fallback_cb (gpointer user_data)
{
  Fixture *fixture = user_data;

  /* Never reached: the client did not run all requests at once. Let them
   * finish so the test fails on its assertion instead of hanging. */
  g_clear_pointer (&fixture->barrier_fallback, g_source_unref);
  release_barrier (fixture);

  return G_SOURCE_REMOVE;
}

static gboolean
stream_tick_cb (gpointer user_data)
{
  Stream *stream = user_data;
  const Reply *reply = stream->reply;

  if (reply->chunks != NULL && reply->chunks[stream->next_chunk] != NULL)
    {
      stream_append (stream, reply->chunks[stream->next_chunk++]);
      soup_server_message_unpause (stream->message);
      return G_SOURCE_CONTINUE;
    }

  if (reply->end == REPLY_END_REPEAT)
    {
      stream_append (stream, reply->repeat);
      soup_server_message_unpause (stream->message);
      return G_SOURCE_CONTINUE;
    }

  if (reply->end == REPLY_END_COMPLETE)
    {
      stream_complete (stream);
      soup_server_message_unpause (stream->message);
    }

  g_clear_pointer (&stream->timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
serve_stream (Fixture           *fixture,
              SoupServerMessage *message,
              const Reply       *reply)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
  Stream *stream;

  soup_message_headers_set_content_type (headers,
                                         reply->content_type != NULL ? reply->content_type
                                                                     : "text/event-stream",
                                         NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);

  stream = g_new0 (Stream, 1);
  stream->fixture = fixture;
  stream->message = g_object_ref (message);
  stream->reply = reply;
  for (guint i = 0; reply->chunks != NULL && reply->chunks[i] != NULL; i++)
    stream->n_to_write++;

  g_ptr_array_add (fixture->streams, stream);
  fixture->max_open_streams = MAX (fixture->max_open_streams, fixture->streams->len);

  g_signal_connect (message, "finished", G_CALLBACK (stream_finished_cb), stream);
  g_signal_connect (message, "wrote-chunk", G_CALLBACK (stream_wrote_chunk_cb), stream);

  if (reply->end == REPLY_END_BARRIER)
    {
      guint n_waiting = 0;

      stream->at_barrier = TRUE;
      for (guint i = 0; i < fixture->streams->len; i++)
        n_waiting += ((Stream *) g_ptr_array_index (fixture->streams, i))->at_barrier;

      if (n_waiting >= fixture->barrier)
        release_barrier (fixture);
      else if (fixture->barrier_fallback == NULL)
        {
          fixture->barrier_fallback = g_timeout_source_new_seconds (10);
          g_source_set_callback (fixture->barrier_fallback, barrier_fallback_cb, fixture, NULL);
          g_source_attach (fixture->barrier_fallback, NULL);
        }
      return;
    }

  if (reply->interval == 0)
    {
      stream_send_all (stream);
      return;
    }

  stream->timer = g_timeout_source_new (reply->interval);
  g_source_set_callback (stream->timer, stream_tick_cb, stream, NULL);
  g_source_attach (stream->timer, NULL);
}

static void
respond_json (SoupServerMessage *message,
              guint              status,
              const char        *body)
{
  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

static void
server_handler (SoupServer        *server,
                SoupServerMessage *message,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Fixture *fixture = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (message);
  const char *authorization = soup_message_headers_get_one (request_headers, "Authorization");
  SoupMessageBody *request_body = soup_server_message_get_request_body (message);
  const Reply *reply;
  gint64 now = g_get_monotonic_time ();

  g_free (fixture->authorization);
  fixture->authorization = g_strdup (authorization);
  fixture->saw_authorization |= authorization != NULL;

  if (fixture->required_key != NULL)
    {
      g_autofree char *expected = g_strconcat ("Bearer ", fixture->required_key, NULL);

      if (g_strcmp0 (authorization, expected) != 0)
        {
          /* Echo the key as OpenAI's API does, so redaction is tested. */
          g_autofree char *body =
            g_strdup_printf ("{\"error\":{\"message\":\"Incorrect API key provided: %s\"}}",
                             authorization != NULL ? authorization + strlen ("Bearer ") : "");

          respond_json (message, SOUP_STATUS_UNAUTHORIZED, body);
          return;
        }
    }

  if (g_str_equal (path, "/v1/models"))
    {
      fixture->n_models_requests++;
      respond_json (message,
                    fixture->models_status != 0 ? fixture->models_status : SOUP_STATUS_OK,
                    fixture->models_body != NULL ? fixture->models_body : "{\"data\":[]}");
      return;
    }

  if (!g_str_equal (path, "/v1/completions") && !g_str_equal (path, "/v1/chat/completions"))
    {
      respond_json (message, SOUP_STATUS_NOT_FOUND, "{\"detail\":\"Not Found\"}");
      return;
    }

  fixture->n_requests++;
  g_array_append_val (fixture->request_times, now);
  g_ptr_array_add (fixture->bodies, g_strndup (request_body->data, request_body->length));

  reply = g_queue_pop_head (&fixture->replies);
  if (reply == NULL)
    reply = fixture->last_reply;
  fixture->last_reply = reply;
  g_assert_nonnull (reply);

  soup_server_message_set_status (message, reply->status != 0 ? reply->status : SOUP_STATUS_OK,
                                  NULL);
  if (reply->retry_after != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (message),
                                  "Retry-After", reply->retry_after);

  if (reply->body != NULL)
    {
      soup_server_message_set_response (message,
                                        reply->content_type != NULL ? reply->content_type
                                                                    : "application/json",
                                        SOUP_MEMORY_COPY, reply->body, strlen (reply->body));
      return;
    }

  serve_stream (fixture, message, reply);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  memset (fixture, 0, sizeof *fixture);
  g_queue_init (&fixture->replies);
  fixture->bodies = g_ptr_array_new_with_free_func (g_free);
  fixture->request_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  fixture->streams = g_ptr_array_new ();

  fixture->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fixture->server, NULL, server_handler, fixture, NULL);
  soup_server_listen_local (fixture->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (fixture->server);
  g_assert_nonnull (uris);
  fixture->port = (guint) g_uri_get_port (uris->data);
  fixture->base_url = g_strdup_printf ("http://127.0.0.1:%u/v1", fixture->port);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  fixture->watchdog = g_timeout_source_new_seconds (TEST_TIMEOUT_SECONDS);
  g_source_set_callback (fixture->watchdog, watchdog_cb, NULL, NULL);
  g_source_attach (fixture->watchdog, NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  while (fixture->streams->len > 0)
    stream_forget (g_ptr_array_index (fixture->streams, 0));

  if (fixture->barrier_fallback != NULL)
    {
      g_source_destroy (fixture->barrier_fallback);
      g_source_unref (fixture->barrier_fallback);
    }

  soup_server_disconnect (fixture->server);
  g_clear_object (&fixture->server);

  /* Let closed connections and finished tasks settle. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_source_destroy (fixture->watchdog);
  g_source_unref (fixture->watchdog);
  g_queue_clear (&fixture->replies);
  g_ptr_array_unref (fixture->bodies);
  g_array_unref (fixture->request_times);
  g_ptr_array_unref (fixture->streams);
  g_free (fixture->authorization);
  g_free (fixture->base_url);
}

/* Client side helpers */

static MtClient *
make_client_for (const char *url)
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;
  MtClient *client;

  endpoint = mt_endpoint_new (url, &error);
  g_assert_no_error (error);

  client = mt_client_new (endpoint);
  /* Backoff stays real but short, so retries cost milliseconds. */
  mt_client_set_retry_delay (client, 10);

  return client;
}

static MtClient *
make_client (Fixture *fixture)
{
  return make_client_for (fixture->base_url);
}

typedef struct
{
  GPtrArray    *texts;
  GArray       *kinds;
  GArray       *times;
  GCancellable *cancel_at;        /* cancelled when cancel_after deltas came */
  guint         cancel_after;
  guint         n_after_cancel;
} Deltas;

static void
deltas_init (Deltas *deltas)
{
  memset (deltas, 0, sizeof *deltas);
  deltas->texts = g_ptr_array_new_with_free_func (g_free);
  deltas->kinds = g_array_new (FALSE, FALSE, sizeof (MtDeltaKind));
  deltas->times = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
deltas_clear (Deltas *deltas)
{
  g_ptr_array_unref (deltas->texts);
  g_array_unref (deltas->kinds);
  g_array_unref (deltas->times);
}

static void
record_delta_cb (MtDeltaKind  kind,
                 const char  *text,
                 gint64       arrival_time,
                 gpointer     user_data)
{
  Deltas *deltas = user_data;

  g_assert_true (g_utf8_validate (text, -1, NULL));

  if (deltas->cancel_at != NULL && g_cancellable_is_cancelled (deltas->cancel_at))
    deltas->n_after_cancel++;

  g_ptr_array_add (deltas->texts, g_strdup (text));
  g_array_append_val (deltas->kinds, kind);
  g_array_append_val (deltas->times, arrival_time);

  if (deltas->cancel_at != NULL && deltas->texts->len == deltas->cancel_after)
    g_cancellable_cancel (deltas->cancel_at);
}

/* Runs one completion to its end. */
static gboolean
complete (MtClient                   *client,
          const MtCompletionRequest  *request,
          GCancellable               *cancellable,
          Deltas                     *deltas,
          MtCompletion              **completion,
          GError                    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  mt_client_complete_async (client, request, cancellable,
                            deltas != NULL ? record_delta_cb : NULL, deltas,
                            store_result_cb, &result);
  wait_for (&result);

  return mt_client_complete_finish (client, result, completion, error);
}

static MtCompletionRequest *
make_request (void)
{
  MtCompletionRequest *request;

  request = mt_completion_request_new (MT_COMPLETION_MODE_COMPLETIONS, "qwen3-0.6b");
  request->prompt = g_strdup ("<|im_start|>user\nSay hello<|im_end|>\n<|im_start|>assistant\n");

  return request;
}

static JsonObject *
parse_body (const char *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, body, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
assert_message (const GError *error,
                const char   *pattern)
{
  if (!g_pattern_match_simple (pattern, error->message))
    g_error ("message “%s” does not match “%s”", error->message, pattern);
}

/* Streams used by several tests */

#define CHUNK_TEXT(t) "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\"," \
                      "\"model\":\"qwen3-0.6b\",\"choices\":[{\"index\":0," \
                      "\"text\":\"" t "\",\"logprobs\":null,\"finish_reason\":null}]," \
                      "\"usage\":null}\n\n"

static const char * const hello_chunks[] = {
  ": keep-alive\n\n",
  CHUNK_TEXT ("Hello"),
  CHUNK_TEXT (","),
  CHUNK_TEXT (" w\\u00f6rld"),
  "data: {\"choices\":[{\"index\":0,\"text\":\"!\",\"finish_reason\":\"stop\"}]}\n\n",
  "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":17,\"completion_tokens\":4,"
  "\"total_tokens\":21}}\n\n",
  "data: [DONE]\n\n",
  NULL,
};

static const Reply hello_reply = { .chunks = hello_chunks, .interval = 2 };

/* Tests */

static void
test_client_models (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) models = NULL;

  fixture->models_body = "{\"object\":\"list\",\"data\":["
                         "{\"id\":\"qwen3-0.6b\",\"object\":\"model\"},"
                         "{\"id\":\"DeepSeek-R1-Distill-Qwen-1.5B\"},{\"object\":\"model\"},7]}";
  fixture->required_key = API_KEY;
  mt_client_set_api_key (client, API_KEY);

  mt_client_list_models_async (client, NULL, store_result_cb, &result);
  wait_for (&result);
  models = mt_client_list_models_finish (client, result, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (models), ==, 2);
  g_assert_cmpstr (models[0], ==, "qwen3-0.6b");
  g_assert_cmpstr (models[1], ==, "DeepSeek-R1-Distill-Qwen-1.5B");
  g_assert_cmpstr (fixture->authorization, ==, "Bearer " API_KEY);
}

static void
test_client_models_errors (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(MtClient) client = make_client (fixture);

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) models = NULL;

    fixture->models_status = SOUP_STATUS_NOT_FOUND;
    mt_client_list_models_async (client, NULL, store_result_cb, &result);
    wait_for (&result);
    models = mt_client_list_models_finish (client, result, &error);

    g_assert_null (models);
    g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_NOT_FOUND);
    assert_message (error, "http://127.0.0.1:*/v1/models was not found (HTTP 404). "
                           "Check the base URL*");
  }

  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) models = NULL;

    fixture->models_status = 0;
    fixture->models_body = "<html>hello</html>";
    mt_client_list_models_async (client, NULL, store_result_cb, &result);
    wait_for (&result);
    models = mt_client_list_models_finish (client, result, &error);

    g_assert_null (models);
    g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT);
  }

  /* Without a key, none is sent. */
  g_assert_false (fixture->saw_authorization);
}

static void
test_client_completions (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(MtTokenSpans) spans = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  static const guint32 expected_starts[] = { 0, 5, 6, 13 };
  const char * const stop[] = { "</answer>", "\n\nUser:", NULL };
  const gint64 *times;
  JsonObject *options;
  JsonArray *stop_array;
  gint64 before = g_get_monotonic_time ();
  Deltas deltas;
  guint n;

  deltas_init (&deltas);
  g_queue_push_tail (&fixture->replies, (gpointer) &hello_reply);

  request->sampling.temperature = 0.6;
  request->sampling.top_p = 0.95;
  request->sampling.top_k = 20;
  request->sampling.max_tokens = 512;
  request->sampling.seed = 7;
  request->stop = g_strdupv ((char **) stop);

  g_assert_true (complete (client, request, NULL, &deltas, &completion, &error));
  g_assert_no_error (error);
  g_assert_nonnull (completion);

  g_assert_cmpstr (mt_completion_get_content (completion), ==, "Hello, w\xC3\xB6rld!");
  g_assert_cmpstr (mt_completion_get_reasoning (completion), ==, "");
  g_assert_cmpint (mt_completion_get_finish_reason (completion), ==, MT_FINISH_STOP);
  g_assert_cmpstr (mt_completion_get_finish_reason_text (completion), ==, "stop");
  g_assert_cmpstr (mt_completion_get_model (completion), ==, "qwen3-0.6b");
  g_assert_cmpint (mt_completion_get_usage_prompt_tokens (completion), ==, 17);
  g_assert_cmpint (mt_completion_get_usage_completion_tokens (completion), ==, 4);
  g_assert_cmpint (mt_completion_get_usage_reasoning_tokens (completion), ==, -1);

  /* One token per streamed delta, exactly where the deltas fell. */
  spans = mt_completion_dup_spans (completion, MT_DELTA_CONTENT);
  g_assert_cmpint (mt_token_spans_get_source (spans), ==, MT_TOKEN_SOURCE_STREAM);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (spans), ==, G_N_ELEMENTS (expected_starts));
  g_assert_cmpuint (mt_token_spans_get_text_length (spans), ==, 14);
  for (guint i = 0; i < G_N_ELEMENTS (expected_starts); i++)
    {
      guint32 start, length;

      mt_token_spans_get_span (spans, i, &start, &length);
      g_assert_cmpuint (start, ==, expected_starts[i]);
    }
  g_assert_cmpuint (mt_completion_get_n_tokens (completion, MT_DELTA_REASONING), ==, 0);

  /* Paced chunks arrive in order, after the request was sent. */
  times = mt_completion_get_arrival_times (completion, MT_DELTA_CONTENT, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpint (mt_completion_get_start_time (completion), >=, before);
  g_assert_cmpint (times[0], >=, mt_completion_get_start_time (completion));
  for (guint i = 1; i < n; i++)
    g_assert_cmpint (times[i], >=, times[i - 1]);
  g_assert_cmpint (times[3], >, times[0]);
  g_assert_null (mt_completion_get_logprobs (completion, MT_DELTA_CONTENT, &n));
  g_assert_cmpuint (n, ==, 0);

  /* The delta callback saw the same pieces at the same times. */
  g_assert_cmpuint (deltas.texts->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (deltas.texts, 0), ==, "Hello");
  g_assert_cmpstr (g_ptr_array_index (deltas.texts, 2), ==, " w\xC3\xB6rld");
  g_assert_cmpstr (g_ptr_array_index (deltas.texts, 3), ==, "!");
  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpint (g_array_index (deltas.kinds, MtDeltaKind, i), ==, MT_DELTA_CONTENT);
      g_assert_cmpint (g_array_index (deltas.times, gint64, i), ==, times[i]);
    }

  /* The request as the server got it. */
  g_assert_cmpuint (fixture->bodies->len, ==, 1);
  body = parse_body (g_ptr_array_index (fixture->bodies, 0));
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "qwen3-0.6b");
  g_assert_cmpstr (json_object_get_string_member (body, "prompt"), ==, request->prompt);
  g_assert_true (json_object_get_boolean_member (body, "stream"));
  options = json_object_get_object_member (body, "stream_options");
  g_assert_true (json_object_get_boolean_member (options, "include_usage"));
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (body, "temperature"), 0.6, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (body, "top_p"), 0.95, 1e-9);
  g_assert_cmpint (json_object_get_int_member (body, "top_k"), ==, 20);
  g_assert_cmpint (json_object_get_int_member (body, "max_tokens"), ==, 512);
  g_assert_cmpint (json_object_get_int_member (body, "seed"), ==, 7);
  stop_array = json_object_get_array_member (body, "stop");
  g_assert_cmpuint (json_array_get_length (stop_array), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (stop_array, 1), ==, "\n\nUser:");
  g_assert_false (json_object_has_member (body, "logprobs"));
  g_assert_false (json_object_has_member (body, "messages"));
  g_assert_null (fixture->authorization);

  deltas_clear (&deltas);
}

static void
test_client_unset_sampling (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(JsonObject) body = NULL;

  g_queue_push_tail (&fixture->replies, (gpointer) &hello_reply);
  g_assert_true (complete (client, request, NULL, NULL, NULL, NULL));

  /* Unset settings are left to the server's defaults. */
  body = parse_body (g_ptr_array_index (fixture->bodies, 0));
  g_assert_false (json_object_has_member (body, "temperature"));
  g_assert_false (json_object_has_member (body, "top_p"));
  g_assert_false (json_object_has_member (body, "top_k"));
  g_assert_false (json_object_has_member (body, "max_tokens"));
  g_assert_false (json_object_has_member (body, "seed"));
  g_assert_false (json_object_has_member (body, "stop"));
}

#define CHAT_DELTA(d) "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\"," \
                      "\"choices\":[{\"index\":0,\"delta\":" d ",\"finish_reason\":null}]}\n\n"

static void
test_client_chat (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char * const chunks[] = {
    CHAT_DELTA ("{\"role\":\"assistant\",\"content\":\"\"}"),
    CHAT_DELTA ("{\"reasoning_content\":\"Let\"}"),
    /* Newer vLLM: both names with the same text; counted once. */
    CHAT_DELTA ("{\"reasoning_content\":\" me\",\"reasoning\":\" me\"}"),
    CHAT_DELTA ("{\"reasoning\":\" think\",\"content\":null}"),
    CHAT_DELTA ("{\"content\":\"The answer\"}"),
    CHAT_DELTA ("{\"content\":\" is 42.\"}"),
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n",
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":5,"
    "\"completion_tokens_details\":{\"reasoning_tokens\":3}}}\n\n",
    "data: [DONE]\n\n",
    NULL,
  };
  const Reply reply = { .chunks = chunks, .interval = 1 };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = NULL;
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(MtTokenSpans) reasoning_spans = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *messages;
  JsonObject *last;
  Deltas deltas;

  deltas_init (&deltas);
  g_queue_push_tail (&fixture->replies, (gpointer) &reply);

  request = mt_completion_request_new (MT_COMPLETION_MODE_CHAT, "qwen3-0.6b");
  mt_completion_request_add_message (request, "system", "You are helpful.");
  mt_completion_request_add_message (request, "user", "What is 6 x 7?");
  request->prefill = g_strdup ("<think>\nOkay,");
  request->logprobs = TRUE;

  g_assert_true (complete (client, request, NULL, &deltas, &completion, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (mt_completion_get_reasoning (completion), ==, "Let me think");
  g_assert_cmpstr (mt_completion_get_content (completion), ==, "The answer is 42.");
  g_assert_cmpuint (mt_completion_get_n_tokens (completion, MT_DELTA_REASONING), ==, 3);
  g_assert_cmpuint (mt_completion_get_n_tokens (completion, MT_DELTA_CONTENT), ==, 2);
  g_assert_cmpint (mt_completion_get_finish_reason (completion), ==, MT_FINISH_LENGTH);
  g_assert_cmpint (mt_completion_get_usage_completion_tokens (completion), ==, 5);
  g_assert_cmpint (mt_completion_get_usage_reasoning_tokens (completion), ==, 3);

  reasoning_spans = mt_completion_dup_spans (completion, MT_DELTA_REASONING);
  g_assert_cmpuint (mt_token_spans_lookup (reasoning_spans, 4), ==, 1);

  g_assert_cmpuint (deltas.texts->len, ==, 5);
  g_assert_cmpint (g_array_index (deltas.kinds, MtDeltaKind, 0), ==, MT_DELTA_REASONING);
  g_assert_cmpint (g_array_index (deltas.kinds, MtDeltaKind, 2), ==, MT_DELTA_REASONING);
  g_assert_cmpint (g_array_index (deltas.kinds, MtDeltaKind, 3), ==, MT_DELTA_CONTENT);
  g_assert_cmpstr (g_ptr_array_index (deltas.texts, 1), ==, " me");

  body = parse_body (g_ptr_array_index (fixture->bodies, 0));
  messages = json_object_get_array_member (body, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 3);
  last = json_array_get_object_element (messages, 2);
  g_assert_cmpstr (json_object_get_string_member (last, "role"), ==, "assistant");
  g_assert_cmpstr (json_object_get_string_member (last, "content"), ==, "<think>\nOkay,");
  g_assert_true (json_object_get_boolean_member (body, "continue_final_message"));
  g_assert_false (json_object_get_boolean_member (body, "add_generation_prompt"));
  g_assert_true (json_object_get_boolean_member (body, "logprobs"));
  g_assert_false (json_object_has_member (body, "prompt"));

  deltas_clear (&deltas);
}

static void
test_client_logprobs (Fixture       *fixture,
                      gconstpointer  data)
{
  static const char * const chunks[] = {
    /* Two tokens in one delta, spelled out by the logprobs. */
    "data: {\"choices\":[{\"text\":\" world\",\"logprobs\":{\"tokens\":[\" wor\",\"ld\"],"
    "\"token_logprobs\":[-0.5,-0.25],\"top_logprobs\":null}}]}\n\n",
    /* Byte tokens that split a character cannot be spans: one token. */
    "data: {\"choices\":[{\"text\":\"\\u00e9\",\"logprobs\":{\"tokens\":[\"bytes:\\\\xc3\","
    "\"bytes:\\\\xa9\"],\"token_logprobs\":[-1.0,-2.0]}}]}\n\n",
    "data: {\"choices\":[{\"text\":\"!\",\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n",
    "data: [DONE]\n\n",
    NULL,
  };
  const Reply reply = { .chunks = chunks };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(MtTokenSpans) spans = NULL;
  g_autoptr(JsonObject) body = NULL;
  const double *logprobs;
  guint n;

  g_queue_push_tail (&fixture->replies, (gpointer) &reply);
  request->logprobs = TRUE;

  g_assert_true (complete (client, request, NULL, NULL, &completion, NULL));

  g_assert_cmpstr (mt_completion_get_content (completion), ==, " world\xC3\xA9!");
  spans = mt_completion_dup_spans (completion, MT_DELTA_CONTENT);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (spans), ==, 4);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 4), ==, 1);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 6), ==, 2);

  logprobs = mt_completion_get_logprobs (completion, MT_DELTA_CONTENT, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpfloat (logprobs[0], ==, -0.5);
  g_assert_cmpfloat (logprobs[1], ==, -0.25);
  g_assert_cmpfloat (logprobs[2], ==, -3.0);
  g_assert_true (isnan (logprobs[3]));

  body = parse_body (g_ptr_array_index (fixture->bodies, 0));
  g_assert_cmpint (json_object_get_int_member (body, "logprobs"), ==, 1);
}

static void
test_client_finish_without_done (Fixture       *fixture,
                                 gconstpointer  data)
{
  static const char * const chunks[] = {
    CHUNK_TEXT ("ok"),
    "data: {\"choices\":[{\"text\":\"\",\"finish_reason\":\"stop\"}]}\n\n",
    NULL,
  };
  const Reply reply = { .chunks = chunks };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;

  /* Some servers end with the finish reason and no [DONE]: nothing lost. */
  g_queue_push_tail (&fixture->replies, (gpointer) &reply);
  g_assert_true (complete (client, request, NULL, NULL, &completion, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (mt_completion_get_content (completion), ==, "ok");
  g_assert_cmpint (mt_completion_get_finish_reason (completion), ==, MT_FINISH_STOP);
}

static void
test_client_connection_refused (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(MtClient) client = NULL;
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *expected = NULL;
  guint port;

  /* A port that was just free: bind it, note it, close it. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, &error);
  g_assert_no_error (error);

  url = g_strdup_printf ("http://127.0.0.1:%u/v1", port);
  client = make_client_for (url);
  mt_client_set_max_attempts (client, 2);

  g_assert_false (complete (client, request, NULL, NULL, &completion, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_CONNECT);
  expected = g_strdup_printf ("Could not connect to %s: connection refused. "
                              "Is the server running?", url);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_null (completion);
}

/* A resolver that knows no names, as RFC 6761 asks of ".invalid": the DNS
 * test then needs no network and cannot hang on an absent name server. */
typedef struct
{
  GResolver parent_instance;
} TestResolver;

typedef GResolverClass TestResolverClass;

static GType test_resolver_get_type (void);
G_DEFINE_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
test_resolver_lookup_by_name (GResolver     *resolver,
                              const char    *hostname,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
               "Error resolving “%s”: Name or service not known", hostname);
  return NULL;
}

static GList *
test_resolver_lookup_by_name_with_flags (GResolver                 *resolver,
                                         const char                *hostname,
                                         GResolverNameLookupFlags   flags,
                                         GCancellable              *cancellable,
                                         GError                   **error)
{
  return test_resolver_lookup_by_name (resolver, hostname, cancellable, error);
}

static void
test_resolver_lookup_by_name_with_flags_async (GResolver                 *resolver,
                                               const char                *hostname,
                                               GResolverNameLookupFlags   flags,
                                               GCancellable              *cancellable,
                                               GAsyncReadyCallback        callback,
                                               gpointer                   user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                           "Error resolving “%s”: Name or service not known", hostname);
}

static void
test_resolver_lookup_by_name_async (GResolver           *resolver,
                                    const char          *hostname,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  test_resolver_lookup_by_name_with_flags_async (resolver, hostname, 0, cancellable,
                                                 callback, user_data);
}

static GList *
test_resolver_lookup_finish (GResolver     *resolver,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  klass->lookup_by_name = test_resolver_lookup_by_name;
  klass->lookup_by_name_async = test_resolver_lookup_by_name_async;
  klass->lookup_by_name_finish = test_resolver_lookup_finish;
  klass->lookup_by_name_with_flags = test_resolver_lookup_by_name_with_flags;
  klass->lookup_by_name_with_flags_async = test_resolver_lookup_by_name_with_flags_async;
  klass->lookup_by_name_with_flags_finish = test_resolver_lookup_finish;
}

static void
test_resolver_init (TestResolver *self)
{
}

static void
test_client_dns (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GResolver) original = g_resolver_get_default ();
  g_autoptr(GResolver) resolver = g_object_new (test_resolver_get_type (), NULL);
  g_autoptr(MtClient) client = NULL;
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GError) error = NULL;

  g_resolver_set_default (resolver);

  client = make_client_for ("http://nonexistent.invalid:8080/v1");
  g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_DNS);
  assert_message (error, "Could not find the server “nonexistent.invalid”: *");

  g_resolver_set_default (original);
}

/* What uvicorn (vLLM, SGLang) does with a TLS hello on its plain port:
 * answer 400 in plain HTTP and hang up. SoupServer would instead wait for
 * the end of headers that never come. */
static gboolean
plain_http_incoming_cb (GSocketService    *service,
                        GSocketConnection *connection,
                        GObject           *source,
                        gpointer           user_data)
{
  static const char response[] =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n"
    "Connection: close\r\n\r\nBad Request";
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  guint *n_connections = user_data;

  (*n_connections)++;
  g_output_stream_write_all (output, response, sizeof response - 1, NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  return TRUE;
}

static void
test_client_tls (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(MtClient) client = NULL;
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint n_connections = 0;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (plain_http_incoming_cb), &n_connections);

  /* TLS spoken to a plain HTTP server. */
  url = g_strdup_printf ("https://127.0.0.1:%u/v1", port);
  client = make_client_for (url);
  g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_TLS);
  assert_message (error, "Could not make a secure connection to https://127.0.0.1:*/v1: *");
  g_assert_cmpuint (n_connections, ==, 1);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

static void
test_client_unauthorized (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();

  fixture->required_key = API_KEY;

  {
    g_autoptr(GError) error = NULL;

    mt_client_set_api_key (client, "sk-wrong-secret-key");
    g_assert_true (mt_client_has_api_key (client));
    g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
    g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_UNAUTHORIZED);
    /* The server echoed the key; the message must not. */
    g_assert_cmpstr (fixture->authorization, ==, "Bearer sk-wrong-secret-key");
    assert_message (error, "The server refused the API key (HTTP 401): "
                           "“Incorrect API key provided: [API key]”*");
    g_assert_null (strstr (error->message, "sk-wrong"));
  }

  {
    g_autoptr(GError) error = NULL;

    mt_client_set_api_key (client, NULL);
    g_assert_false (mt_client_has_api_key (client));
    g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
    g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_UNAUTHORIZED);
    assert_message (error, "The server requires an API key (HTTP 401) and none is set*");
    g_assert_null (fixture->authorization);
  }

  {
    g_autoptr(GError) error = NULL;

    /* The key is write-only, so nothing can read it back. */
    g_object_set (client, "api-key", API_KEY, NULL);
    g_assert_false (g_object_class_find_property (G_OBJECT_GET_CLASS (client),
                                                  "api-key")->flags & G_PARAM_READABLE);
    g_queue_push_tail (&fixture->replies, (gpointer) &hello_reply);
    g_assert_true (complete (client, request, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
  }
}

static void
test_client_model_not_found (Fixture       *fixture,
                             gconstpointer  data)
{
  const Reply reply = {
    .status = SOUP_STATUS_NOT_FOUND,
    .body = "{\"object\":\"error\",\"message\":\"The model `qwen9` does not exist.\","
            "\"type\":\"NotFoundError\",\"code\":404}",
  };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GError) error = NULL;

  fixture->models_body = "{\"data\":[{\"id\":\"qwen3-0.6b\"},{\"id\":\"tiny-random\"}]}";
  g_queue_push_tail (&fixture->replies, (gpointer) &reply);
  g_free (request->model);
  request->model = g_strdup ("qwen9");

  g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "The server has no model “qwen9” (HTTP 404). "
                   "Available: “qwen3-0.6b”, “tiny-random”.");
  g_assert_cmpuint (fixture->n_requests, ==, 1);
  g_assert_cmpuint (fixture->n_models_requests, ==, 1);
}

static void
test_client_path_not_found (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(MtClient) client = NULL;
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api", fixture->port);

  /* A base URL without /v1: nothing is found, the model list neither. */
  client = make_client_for (url);
  g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_NOT_FOUND);
  assert_message (error, "http://127.0.0.1:*/api/completions was not found (HTTP 404): "
                         "“Not Found”. Check the model name “qwen3-0.6b” and the base URL.");
}

static void
test_client_rate_limited (Fixture       *fixture,
                          gconstpointer  data)
{
  const Reply limited = {
    .status = 429,
    .retry_after = "1",
    .body = "{\"error\":{\"message\":\"Too many requests\"}}",
  };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;
  gint64 waited;

  g_queue_push_tail (&fixture->replies, (gpointer) &limited);
  g_queue_push_tail (&fixture->replies, (gpointer) &hello_reply);

  g_assert_true (complete (client, request, NULL, NULL, &completion, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (mt_completion_get_content (completion), ==, "Hello, w\xC3\xB6rld!");
  g_assert_cmpuint (fixture->n_requests, ==, 2);

  /* Retry-After is a floor under the 10 ms backoff. */
  waited = g_array_index (fixture->request_times, gint64, 1) -
           g_array_index (fixture->request_times, gint64, 0);
  g_assert_cmpint (waited, >=, G_USEC_PER_SEC);
  /* and not much more: generous, for a loaded machine */
  g_assert_cmpint (waited, <, 10 * G_USEC_PER_SEC);
}

static void
test_client_rate_limited_date (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GDateTime) later = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GError) error = NULL;
  g_autofree char *date = NULL;
  Reply limited = { .status = 429, .body = "{}" };

  /* An HTTP date an hour away is past what is worth waiting for. */
  later = g_date_time_add_hours (now, 1);
  date = g_date_time_format (later, "%a, %d %b %Y %H:%M:%S GMT");
  limited.retry_after = date;
  g_queue_push_tail (&fixture->replies, &limited);

  g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_RATE_LIMITED);
  assert_message (error, "The server is rate limiting requests (HTTP 429) and asks to wait 3*"
                         " s before trying again.");
  g_assert_cmpuint (fixture->n_requests, ==, 1);
}

static void
test_client_rate_limited_cancel (Fixture       *fixture,
                                 gconstpointer  data)
{
  const Reply limited = { .status = 429, .retry_after = "20", .body = "{}" };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_queue_push_tail (&fixture->replies, (gpointer) &limited);

  /* Cancelling ends the wait before a retry at once. */
  mt_client_complete_async (client, request, cancellable, NULL, NULL, store_result_cb, &result);
  while (fixture->n_requests == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  wait_for (&result);

  g_assert_false (mt_client_complete_finish (client, result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (fixture->n_requests, ==, 1);
}

static void
test_client_server_error_retry (Fixture       *fixture,
                                gconstpointer  data)
{
  const Reply failed = { .status = 500, .body = "{\"error\":{\"message\":\"boom\"}}" };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;

  g_queue_push_tail (&fixture->replies, (gpointer) &failed);
  g_queue_push_tail (&fixture->replies, (gpointer) &hello_reply);

  g_assert_true (complete (client, request, NULL, NULL, &completion, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->n_requests, ==, 2);
  g_assert_cmpuint (mt_completion_get_n_tokens (completion, MT_DELTA_CONTENT), ==, 4);
}

static void
test_client_server_error_gives_up (Fixture       *fixture,
                                   gconstpointer  data)
{
  const Reply failed = {
    .status = 503,
    .body = "{\"error\":{\"message\":\"Engine overloaded\\nTraceback: ...\"}}",
  };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GError) error = NULL;

  g_queue_push_tail (&fixture->replies, (gpointer) &failed);
  mt_client_set_max_attempts (client, 3);

  g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_SERVER);
  g_assert_cmpstr (error->message, ==,
                   "The server failed with HTTP 503 Service Unavailable: “Engine overloaded” "
                   "(gave up after 3 attempts)");
  g_assert_cmpuint (fixture->n_requests, ==, 3);
}

static void
test_client_bad_request (Fixture       *fixture,
                         gconstpointer  data)
{
  const Reply rejected = {
    .status = 400,
    .body = "{\"error\":{\"message\":\"This model's maximum context length is 4096 tokens.\"}}",
  };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GError) error = NULL;

  /* Client errors other than 429 are not retried. */
  g_queue_push_tail (&fixture->replies, (gpointer) &rejected);
  g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_HTTP);
  g_assert_cmpstr (error->message, ==,
                   "The server rejected the request with HTTP 400 Bad Request: "
                   "“This model's maximum context length is 4096 tokens.”");
  g_assert_cmpuint (fixture->n_requests, ==, 1);
}

static void
assert_partial (MtCompletion *completion,
                const char   *content,
                guint         n_tokens)
{
  g_assert_nonnull (completion);
  g_assert_cmpstr (mt_completion_get_content (completion), ==, content);
  g_assert_cmpuint (mt_completion_get_n_tokens (completion, MT_DELTA_CONTENT), ==, n_tokens);
}

static void
test_client_dropped (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char * const chunks[] = {
    CHUNK_TEXT ("one"), CHUNK_TEXT (" two"), CHUNK_TEXT (" three"), NULL,
  };
  const Reply reply = { .chunks = chunks, .end = REPLY_END_DROP };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;

  g_queue_push_tail (&fixture->replies, (gpointer) &reply);

  g_assert_false (complete (client, request, NULL, NULL, &completion, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_STREAM_DROPPED);
  assert_message (error, "The server ended the stream before the completion finished*"
                         "(3 tokens received; the partial text is kept)");
  assert_partial (completion, "one two three", 3);
  g_assert_cmpint (mt_completion_get_finish_reason (completion), ==, MT_FINISH_ERROR);
  /* Text had streamed: never asked for again. */
  g_assert_cmpuint (fixture->n_requests, ==, 1);
}

static void
test_client_ended_early (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char * const chunks[] = { CHUNK_TEXT ("half"), "data: {\"choices\"", NULL };
  const Reply reply = { .chunks = chunks };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;

  /* A clean end of the body, but no finish reason and no [DONE]. */
  g_queue_push_tail (&fixture->replies, (gpointer) &reply);
  g_assert_false (complete (client, request, NULL, NULL, &completion, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_STREAM_DROPPED);
  g_assert_cmpstr (error->message, ==,
                   "The server ended the stream before the completion finished "
                   "(1 token received; the partial text is kept)");
  assert_partial (completion, "half", 1);
}

static void
test_client_malformed (Fixture       *fixture,
                       gconstpointer  data)
{
  static const char * const chunks[] = {
    CHUNK_TEXT ("fine"), "data: {\"choices\": [oops]}\n\n", CHUNK_TEXT ("never"), NULL,
  };
  const Reply reply = { .chunks = chunks };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;

  g_queue_push_tail (&fixture->replies, (gpointer) &reply);
  g_assert_false (complete (client, request, NULL, NULL, &completion, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT);
  assert_message (error, "The server sent an event that is not JSON (* at byte 13): "
                         "“{\"choices\": [oops]}”");
  assert_partial (completion, "fine", 1);
}

static void
test_client_not_an_object (Fixture       *fixture,
                           gconstpointer  data)
{
  static const char * const chunks[] = { "data: [1, 2]\n\n", NULL };
  const Reply reply = { .chunks = chunks };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;

  g_queue_push_tail (&fixture->replies, (gpointer) &reply);
  g_assert_false (complete (client, request, NULL, NULL, &completion, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT);
  g_assert_cmpstr (error->message, ==,
                   "The server sent an event holding an array instead of an object");
  /* Nothing had arrived, so there is no partial completion. */
  g_assert_null (completion);
}

static void
test_client_too_large (Fixture       *fixture,
                       gconstpointer  data)
{
  static const char * const chunks[] = { CHUNK_TEXT ("before"), NULL };
  gsize len = 17 * 1024 * 1024;
  char *line = g_malloc (len);
  g_autoptr(GBytes) big = NULL;
  Reply reply = { .chunks = chunks };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;

  /* One 17 MB line with no end in sight. */
  memcpy (line, "data: ", 6);
  memset (line + 6, 'x', len - 6);
  big = g_bytes_new_take (line, len);
  reply.big_chunk = big;

  g_queue_push_tail (&fixture->replies, &reply);
  g_assert_false (complete (client, request, NULL, NULL, &completion, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_EVENT_TOO_LARGE);
  assert_message (error, "The server sent an event larger than 16 MB (line 3 of the event stream)");
  assert_partial (completion, "before", 1);
}

static void
test_client_invalid_utf8 (Fixture       *fixture,
                          gconstpointer  data)
{
  static const char * const chunks[] = {
    CHUNK_TEXT ("ok"), "data: {\"choices\":[{\"text\":\"\xC3\x28\"}]}\n\n", NULL,
  };
  const Reply reply = { .chunks = chunks };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;

  g_queue_push_tail (&fixture->replies, (gpointer) &reply);
  g_assert_false (complete (client, request, NULL, NULL, &completion, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_UTF8);
  g_assert_cmpstr (error->message, ==,
                   "The server sent text that is not valid UTF-8 (line 3 of the event stream)");
  assert_partial (completion, "ok", 1);
}

static void
test_client_error_event (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char * const chunks[] = {
    CHUNK_TEXT ("start"),
    "data: {\"error\":{\"message\":\"CUDA out of memory\",\"code\":500}}\n\n",
    NULL,
  };
  static const char * const typed_chunks[] = {
    "event: error\ndata: {\"message\":\"shutting down\"}\n\n",
    NULL,
  };
  const Reply reply = { .chunks = chunks };
  const Reply typed = { .chunks = typed_chunks };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();

  g_queue_push_tail (&fixture->replies, (gpointer) &reply);
  g_queue_push_tail (&fixture->replies, (gpointer) &typed);

  {
    g_autoptr(MtCompletion) completion = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_false (complete (client, request, NULL, NULL, &completion, &error));
    g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_SERVER);
    g_assert_cmpstr (error->message, ==,
                     "The server reported an error mid-stream: “CUDA out of memory”");
    assert_partial (completion, "start", 1);
  }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
    g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_SERVER);
    g_assert_cmpstr (error->message, ==,
                     "The server reported an error mid-stream: “shutting down”");
  }

  /* Errors mid-stream are not retried. */
  g_assert_cmpuint (fixture->n_requests, ==, 2);
}

static void
test_client_not_streaming (Fixture       *fixture,
                           gconstpointer  data)
{
  const Reply reply = {
    .body = "{\"choices\":[{\"text\":\"all at once\",\"finish_reason\":\"stop\"}]}",
  };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GError) error = NULL;

  g_queue_push_tail (&fixture->replies, (gpointer) &reply);
  g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT);
  assert_message (error, "*instead of an event stream*");
}

static void
test_client_cancel (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char * const chunks[] = { CHUNK_TEXT ("<think>"), NULL };
  const Reply reply = {
    .chunks = chunks,
    .end = REPLY_END_REPEAT,
    .repeat = CHUNK_TEXT (" hmm"),
    .interval = 5,
  };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GError) error = NULL;
  Deltas deltas;

  deltas_init (&deltas);
  deltas.cancel_at = cancellable;
  deltas.cancel_after = 4;
  g_queue_push_tail (&fixture->replies, (gpointer) &reply);

  mt_client_complete_async (client, request, cancellable, record_delta_cb, &deltas,
                            store_result_cb, &result);
  wait_for (&result);

  g_assert_false (mt_client_complete_finish (client, result, &completion, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (deltas.texts->len, ==, 4);
  g_assert_cmpuint (deltas.n_after_cancel, ==, 0);
  assert_partial (completion, "<think> hmm hmm hmm", 4);
  g_assert_cmpint (mt_completion_get_finish_reason (completion), ==, MT_FINISH_CANCELLED);

  /* The server sees the connection go: its endless stream ends unfinished. */
  while (fixture->n_aborted == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (fixture->streams->len, ==, 0);
  g_assert_cmpuint (fixture->n_requests, ==, 1);

  deltas_clear (&deltas);
}

static void
test_client_cancel_closes_on_error (Fixture       *fixture,
                                    gconstpointer  data)
{
  static const char * const chunks[] = { "data: nonsense\n\n", NULL };
  const Reply reply = {
    .chunks = chunks,
    .end = REPLY_END_REPEAT,
    .repeat = ": still here\n\n",
    .interval = 5,
  };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  g_autoptr(GError) error = NULL;

  /* A failure mid-stream also hangs up, so the server stops generating. */
  g_queue_push_tail (&fixture->replies, (gpointer) &reply);
  g_assert_false (complete (client, request, NULL, NULL, NULL, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_MALFORMED_EVENT);

  while (fixture->n_aborted == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (fixture->streams->len, ==, 0);
}

typedef struct
{
  guint     n_done;
  guint     n_ok;
  MtClient *client;
} Batch;

static void
batch_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Batch *batch = user_data;
  g_autoptr(MtCompletion) completion = NULL;

  if (mt_client_complete_finish (batch->client, result, &completion, NULL) &&
      g_str_equal (mt_completion_get_content (completion), "Hello, w\xC3\xB6rld!"))
    batch->n_ok++;

  batch->n_done++;
}

static void
test_client_concurrency (Fixture       *fixture,
                         gconstpointer  data)
{
  const guint n_parallel = 8;
  const Reply reply = { .chunks = hello_chunks, .end = REPLY_END_BARRIER };
  g_autoptr(MtClient) client = make_client (fixture);
  g_autoptr(MtCompletionRequest) request = make_request ();
  Batch batch = { 0, 0, client };

  /* The server answers no request until all of them are open at once. */
  fixture->barrier = n_parallel;
  g_queue_push_tail (&fixture->replies, (gpointer) &reply);

  for (guint i = 0; i < n_parallel; i++)
    mt_client_complete_async (client, request, NULL, NULL, NULL, batch_done_cb, &batch);

  while (batch.n_done < n_parallel)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (fixture->max_open_streams, ==, n_parallel);
  g_assert_cmpuint (batch.n_ok, ==, n_parallel);
  g_assert_cmpuint (fixture->n_requests, ==, n_parallel);
}

static void
test_client_request_copy (void)
{
  g_autoptr(MtCompletionRequest) request = NULL;
  g_autoptr(MtCompletionRequest) copy = NULL;
  const MtChatMessage *message;

  request = mt_completion_request_new (MT_COMPLETION_MODE_CHAT, "m");
  mt_completion_request_add_message (request, "user", "hi");
  request->prefill = g_strdup ("<think>");
  request->sampling.top_k = 20;
  request->stop = g_strsplit ("a,b", ",", -1);

  copy = mt_completion_request_copy (request);
  g_clear_pointer (&request, mt_completion_request_free);

  g_assert_cmpint (copy->mode, ==, MT_COMPLETION_MODE_CHAT);
  g_assert_cmpstr (copy->model, ==, "m");
  g_assert_cmpuint (copy->messages->len, ==, 1);
  message = g_ptr_array_index (copy->messages, 0);
  g_assert_cmpstr (message->content, ==, "hi");
  g_assert_cmpstr (copy->prefill, ==, "<think>");
  g_assert_cmpint (copy->sampling.top_k, ==, 20);
  g_assert_true (isnan (copy->sampling.temperature));
  g_assert_cmpstr (copy->stop[1], ==, "b");
  g_assert_cmpstr (mt_completion_request_get_path (copy), ==, "chat/completions");
}

int
main (int   argc,
      char *argv[])
{
  /* Requests go straight to the local server, whatever proxy the
   * environment names. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/client/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("models", test_client_models);
  ADD ("models/errors", test_client_models_errors);
  ADD ("completions", test_client_completions);
  ADD ("completions/unset-sampling", test_client_unset_sampling);
  ADD ("chat", test_client_chat);
  ADD ("logprobs", test_client_logprobs);
  ADD ("finish-without-done", test_client_finish_without_done);
  ADD ("error/connection-refused", test_client_connection_refused);
  ADD ("error/dns", test_client_dns);
  ADD ("error/tls", test_client_tls);
  ADD ("error/unauthorized", test_client_unauthorized);
  ADD ("error/model-not-found", test_client_model_not_found);
  ADD ("error/path-not-found", test_client_path_not_found);
  ADD ("error/rate-limited", test_client_rate_limited);
  ADD ("error/rate-limited-date", test_client_rate_limited_date);
  ADD ("error/rate-limited-cancel", test_client_rate_limited_cancel);
  ADD ("error/server-retry", test_client_server_error_retry);
  ADD ("error/server-gives-up", test_client_server_error_gives_up);
  ADD ("error/bad-request", test_client_bad_request);
  ADD ("error/dropped", test_client_dropped);
  ADD ("error/ended-early", test_client_ended_early);
  ADD ("error/malformed", test_client_malformed);
  ADD ("error/not-an-object", test_client_not_an_object);
  ADD ("error/too-large", test_client_too_large);
  ADD ("error/invalid-utf8", test_client_invalid_utf8);
  ADD ("error/error-event", test_client_error_event);
  ADD ("error/not-streaming", test_client_not_streaming);
  ADD ("cancel", test_client_cancel);
  ADD ("cancel/on-error", test_client_cancel_closes_on_error);
  ADD ("concurrency", test_client_concurrency);

#undef ADD

  g_test_add_func ("/client/request/copy", test_client_request_copy);

  return g_test_run ();
}
