/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fault injection at the runner level: a lab holds a finished oracle and a
 * finished branch, then one more branch meets a misbehaving server. In
 * every case the run must end (no hang) with a clear error, keep the text
 * that arrived, and leave the rest of the lab file byte for byte as it
 * was: only records of the failed branch may be appended.
 *
 * tests/test-client.c covers how the client itself maps each fault to an
 * error; this file covers what the user is left with. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "mt-runner.h"

/* Generous: under ASan on a loaded machine the 100 MB line takes a while. */
#define TEST_TIMEOUT_SECONDS 120

typedef enum
{
  FAULT_NONE,           /* five tokens and a finish reason */
  FAULT_REFUSED,        /* nothing listens on the port */
  FAULT_RESET,          /* three tokens, then the connection is closed */
  FAULT_STALL,          /* three tokens, then silence with the connection open */
  FAULT_RATE_LIMITED,   /* 429 with Retry-After, every time */
  FAULT_SERVER_ERROR,   /* 500, every time */
  FAULT_TRUNCATED_JSON, /* three tokens, then an event cut mid-JSON */
  FAULT_HUGE_LINE,      /* three tokens, then a 100 MB line */
  FAULT_INVALID_UTF8,   /* three tokens, then bytes that are not UTF-8 */
  FAULT_FOREVER,        /* tokens without end, whatever max_tokens says */
} Fault;

/* A self-signed certificate for 127.0.0.1 (openssl req -x509 -newkey ec
 * -days 36500 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1) and
 * its key, made for this test only. */
static const char self_signed_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBkDCCATagAwIBAgIUL1SsZE3zr5y8ongWQ/zZUbcPlOIwCgYIKoZIzj0EAwIw\n"
  "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyOTA4MjU0NFoYDzIxMjYxMTA1\n"
  "MDgyNTQ0WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
  "PQMBBwNCAAToTkXw9pHU32ClxYKPFiXmccKACQoUy/wICzk/welR4BdQZUgVg61O\n"
  "v+kknBTuuVdSpubZ5mWQtfMe1RURfcVGo2QwYjAdBgNVHQ4EFgQUsByl8ujRukDf\n"
  "4oQFRt7a90Jru4swHwYDVR0jBBgwFoAUsByl8ujRukDf4oQFRt7a90Jru4swDwYD\n"
  "VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC\n"
  "IQD3PDwh8QdAN3+fngHy6KYlInvGn8qAUbBU1qkKY857bAIgclQ6YozQBRr3boMV\n"
  "G0IE/xAoqY2iobHx4opMab+INJA=\n"
  "-----END CERTIFICATE-----\n"
  "-----BEGIN PRIVATE KEY-----\n"
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgB/yP/b/7qOkA2DVG\n"
  "KXNSoO0ZoA3nJRjG/jykbQ7kckihRANCAAToTkXw9pHU32ClxYKPFiXmccKACQoU\n"
  "y/wICzk/welR4BdQZUgVg61Ov+kknBTuuVdSpubZ5mWQtfMe1RURfcVG\n"
  "-----END PRIVATE KEY-----\n";

#define HUGE_LINE_BYTES  (100 * 1024 * 1024)
#define HUGE_CHUNK_BYTES (1024 * 1024)

typedef struct _FaultServer FaultServer;

typedef struct
{
  FaultServer       *server;
  SoupServerMessage *message;
  GSource           *timer;
  guint              n_appended;
  guint              n_written;
  guint64            n_tokens;
  gsize              huge_sent;
  gboolean           closed;
} Stream;

struct _FaultServer
{
  SoupServer *server;
  char       *url;
  Fault       fault;
  guint       n_requests;
  GPtrArray  *streams;   /* of Stream *, every one started */
  gsize       max_huge_sent;
};

typedef struct
{
  FaultServer *server;
  MtClient    *client;
  MtLab       *lab;
  char        *dir;
  char        *path;
  MtLabWriter *writer;
  GSource     *watchdog;
} Fixture;

/* ------------------------------------------------------------------------ */
/* The misbehaving server                                                   */
/* ------------------------------------------------------------------------ */

static char *
token_event (const char *text)
{
  g_autofree char *escaped = g_strescape (text, NULL);

  return g_strdup_printf ("data: {\"object\":\"text_completion\",\"choices\":[{\"index\":0,"
                          "\"text\":\"%s\",\"finish_reason\":null}]}\n\n", escaped);
}

static void
stream_append (Stream     *stream,
               const char *data,
               gsize       len)
{
  SoupMessageBody *body = soup_server_message_get_response_body (stream->message);

  soup_message_body_append (body, SOUP_MEMORY_COPY, data, len);
  stream->n_appended++;
  soup_server_message_unpause (stream->message);
}

static void
stream_append_token (Stream     *stream,
                     const char *text)
{
  g_autofree char *event = token_event (text);

  stream_append (stream, event, strlen (event));
  stream->n_tokens++;
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
  if (!stream->closed)
    g_signal_handlers_disconnect_by_data (stream->message, stream);
  g_clear_object (&stream->message);
  g_free (stream);
}

/* Feeds the streams that go on: one step per tick, never more than a few
 * chunks ahead of what libsoup wrote, so a client that stops reading stops
 * the server too. */
static gboolean
stream_tick_cb (gpointer user_data)
{
  Stream *stream = user_data;
  FaultServer *server = stream->server;

  if (stream->n_appended - stream->n_written > 4)
    return G_SOURCE_CONTINUE;

  if (server->fault == FAULT_FOREVER)
    {
      g_autofree char *token = g_strdup_printf ("f%" G_GUINT64_FORMAT " ", stream->n_tokens);

      stream_append_token (stream, token);
      return G_SOURCE_CONTINUE;
    }

  g_assert (server->fault == FAULT_HUGE_LINE);
  if (stream->huge_sent < HUGE_LINE_BYTES)
    {
      g_autofree char *chunk = g_malloc (HUGE_CHUNK_BYTES);
      gsize offset = 0;

      if (stream->huge_sent == 0)
        {
          memcpy (chunk, "data: ", 6);
          offset = 6;
        }
      memset (chunk + offset, 'x', HUGE_CHUNK_BYTES - offset);
      stream_append (stream, chunk, HUGE_CHUNK_BYTES);
      stream->huge_sent += HUGE_CHUNK_BYTES;
      server->max_huge_sent = MAX (server->max_huge_sent, stream->huge_sent);
      return G_SOURCE_CONTINUE;
    }

  stream->timer = NULL;
  return G_SOURCE_REMOVE;
}

static void
stream_wrote_chunk_cb (SoupServerMessage *message,
                       Stream            *stream)
{
  stream->n_written++;

  if (stream->server->fault == FAULT_RESET && stream->n_written == stream->n_appended)
    {
      g_autoptr(GIOStream) connection = NULL;

      /* Gone without a word, as a crashed server is. */
      g_signal_handlers_disconnect_by_data (message, stream);
      stream->closed = TRUE;
      connection = soup_server_message_steal_connection (message);
      g_io_stream_close (connection, NULL, NULL);
    }
}

static void
stream_finished_cb (SoupServerMessage *message,
                    Stream            *stream)
{
  stream_stop_timer (stream);
  g_signal_handlers_disconnect_by_data (message, stream);
  stream->closed = TRUE;
}

static void
respond_error (SoupServerMessage *message,
               guint              status)
{
  const char *body = "{\"error\":{\"message\":\"injected fault\",\"type\":\"server_error\"}}";

  soup_server_message_set_status (message, status, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
}

static void
fault_handler (SoupServer        *soup_server,
               SoupServerMessage *message,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  FaultServer *server = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
  Stream *stream;

  server->n_requests++;

  if (server->fault == FAULT_RATE_LIMITED)
    {
      soup_message_headers_replace (headers, "Retry-After", "1");
      respond_error (message, 429);
      return;
    }
  if (server->fault == FAULT_SERVER_ERROR)
    {
      respond_error (message, SOUP_STATUS_INTERNAL_SERVER_ERROR);
      return;
    }

  soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_server_message_set_status (message, SOUP_STATUS_OK, NULL);

  stream = g_new0 (Stream, 1);
  stream->server = server;
  stream->message = g_object_ref (message);
  g_ptr_array_add (server->streams, stream);
  g_signal_connect (message, "wrote-chunk", G_CALLBACK (stream_wrote_chunk_cb), stream);
  g_signal_connect (message, "finished", G_CALLBACK (stream_finished_cb), stream);

  if (server->fault == FAULT_NONE)
    {
      static const char *tokens[] = { "Six ", "sevens ", "make ", "forty-two. ", "Done." };
      const char *done = "data: {\"choices\":[{\"index\":0,\"text\":\"\","
                         "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

      for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
        stream_append_token (stream, tokens[i]);
      stream_append (stream, done, strlen (done));
      soup_message_body_complete (soup_server_message_get_response_body (message));
      return;
    }

  if (server->fault == FAULT_FOREVER)
    {
      stream->timer = g_timeout_source_new (1);
      g_source_set_callback (stream->timer, stream_tick_cb, stream, NULL);
      g_source_attach (stream->timer, NULL);
      return;
    }

  stream_append_token (stream, "w0 ");
  stream_append_token (stream, "w1 ");
  stream_append_token (stream, "w2 ");

  switch (server->fault)
    {
    case FAULT_TRUNCATED_JSON:
      {
        const char *cut = "data: {\"choices\":[{\"index\":0,\"text\":\"w3\n\n";

        stream_append (stream, cut, strlen (cut));
      }
      break;

    case FAULT_INVALID_UTF8:
      {
        const char *bad = "data: {\"choices\":[{\"index\":0,\"text\":\"\xC3\x28\"}]}\n\n";

        stream_append (stream, bad, strlen (bad));
      }
      break;

    case FAULT_HUGE_LINE:
      /* A tick a millisecond, not a 0 ms timeout: waiting for libsoup to
       * write must leave the loop idle, as a real server's blocked write
       * does, or it starves the client's parsing below it. */
      stream->timer = g_timeout_source_new (1);
      g_source_set_callback (stream->timer, stream_tick_cb, stream, NULL);
      g_source_attach (stream->timer, NULL);
      break;

    case FAULT_RESET:
    case FAULT_STALL:
      /* The reset happens once the tokens are written; a stall just stops. */
      break;

    case FAULT_NONE:
    case FAULT_REFUSED:
    case FAULT_RATE_LIMITED:
    case FAULT_SERVER_ERROR:
    case FAULT_FOREVER:
    default:
      g_assert_not_reached ();
    }
}

static FaultServer *
fault_server_new_full (gboolean tls)
{
  g_autoptr(GError) error = NULL;
  FaultServer *server = g_new0 (FaultServer, 1);
  GSList *uris;

  if (tls)
    {
      g_autoptr(GTlsCertificate) certificate = NULL;

      certificate = g_tls_certificate_new_from_pem (self_signed_pem, -1, &error);
      g_assert_no_error (error);
      server->server = soup_server_new ("tls-certificate", certificate, NULL);
    }
  else
    server->server = soup_server_new (NULL, NULL);
  server->streams = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_free);
  soup_server_add_handler (server->server, "/v1/completions", fault_handler, server, NULL);
  soup_server_listen_local (server->server, 0,
                            SOUP_SERVER_LISTEN_IPV4_ONLY | (tls ? SOUP_SERVER_LISTEN_HTTPS : 0),
                            &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server->server);
  g_assert_nonnull (uris);
  server->url = g_strdup_printf ("%s://127.0.0.1:%d/v1", tls ? "https" : "http",
                                 g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return server;
}

static FaultServer *
fault_server_new (void)
{
  return fault_server_new_full (FALSE);
}

static void
fault_server_stop_listening (FaultServer *server)
{
  soup_server_disconnect (server->server);
}

static void
fault_server_free (FaultServer *server)
{
  soup_server_disconnect (server->server);
  g_ptr_array_unref (server->streams);
  g_clear_object (&server->server);
  g_free (server->url);
  g_free (server);
}

/* ------------------------------------------------------------------------ */
/* Fixture                                                                  */
/* ------------------------------------------------------------------------ */

static gboolean
watchdog_cb (gpointer user_data)
{
  g_error ("test hung: no result after %d s", TEST_TIMEOUT_SECONDS);
  return G_SOURCE_REMOVE;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;

  fixture->server = fault_server_new ();
  endpoint = mt_endpoint_new (fixture->server->url, &error);
  g_assert_no_error (error);
  fixture->client = mt_client_new (endpoint);
  mt_client_set_max_attempts (fixture->client, 1);
  mt_client_set_retry_delay (fixture->client, 10);
  fixture->lab = mt_lab_new ();

  fixture->dir = g_dir_make_tmp ("mt-faults-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "faults.mtlab", NULL);
  fixture->writer = mt_lab_writer_open (fixture->path, &error);
  g_assert_no_error (error);

  fixture->watchdog = g_timeout_source_new_seconds (TEST_TIMEOUT_SECONDS);
  g_source_set_callback (fixture->watchdog, watchdog_cb, NULL, NULL);
  g_source_attach (fixture->watchdog, NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_source_destroy (fixture->watchdog);
  g_source_unref (fixture->watchdog);

  g_clear_object (&fixture->writer);
  g_clear_object (&fixture->lab);
  g_clear_object (&fixture->client);
  g_clear_pointer (&fixture->server, fault_server_free);

  /* Let libsoup finish closing what the server and client dropped. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_unlink (fixture->path);
  g_rmdir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static MtRunner *
new_runner (Fixture *fixture,
            gint64   max_tokens)
{
  g_autoptr(MtFamily) family = mt_family_new_builtin ("qwen3");
  MtSampling sampling;
  MtRunner *runner;

  runner = mt_runner_new (fixture->client, family, "fault-model");
  sampling = *mt_runner_get_sampling (runner);
  sampling.max_tokens = max_tokens;
  mt_runner_set_sampling (runner, &sampling);
  mt_runner_set_lab (runner, fixture->lab);
  mt_runner_set_writer (runner, fixture->writer);
  return runner;
}

static MtBranch *
run_branch (MtRunner  *runner,
            MtTrace   *parent,
            GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  MtRenderPosition position = { MT_POSITION_FRACTION, 0.5, 0, FALSE };
  MtBranch *branch = NULL;

  mt_runner_run_branch_async (runner, parent, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT,
                              &position, NULL, NULL, NULL, store_result_cb, &result);
  mt_runner_run_branch_finish (runner, wait_for (&result), &branch, error);
  return branch;
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* A lab with a problem, a finished oracle and a finished branch: what the
 * fault must not touch. Returns the oracle. */
static MtTrace *
prepare_lab (Fixture  *fixture,
             MtRunner *runner)
{
  g_autoptr(MtProblem) problem = mt_problem_new ("p1");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(MtTrace) oracle = NULL;
  g_autoptr(MtBranch) branch = NULL;
  g_autoptr(GError) error = NULL;

  mt_problem_set_domain (problem, MT_DOMAIN_MATH);
  mt_problem_set_prompt (problem, "What is 6 times 7?");
  mt_problem_set_answer (problem, "42");
  g_assert_true (mt_lab_add_problem (fixture->lab, problem));
  g_assert_true (mt_lab_writer_append_problem (fixture->writer, problem, &error));
  g_assert_no_error (error);

  fixture->server->fault = FAULT_NONE;
  mt_runner_run_oracle_async (runner, problem, MT_INTERRUPT_SPEEDUP, NULL, NULL,
                              store_result_cb, &result);
  g_assert_true (mt_runner_run_oracle_finish (runner, wait_for (&result), &oracle, &error));
  g_assert_no_error (error);

  branch = run_branch (runner, oracle, &error);
  g_assert_no_error (error);
  g_assert_nonnull (branch);

  return g_steal_pointer (&oracle);
}

/* The file after the fault is the file before plus lines that are all
 * records of @id. */
static void
assert_only_appended (const char *before,
                      const char *after,
                      const char *id)
{
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_str_has_prefix (after, before));
  lines = g_strsplit (after + strlen (before), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *record;

      if (lines[i][0] == '\0')
        continue;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      g_assert_no_error (error);
      record = json_node_get_object (json_parser_get_root (parser));
      g_assert_nonnull (id);
      g_assert_cmpstr (json_object_get_string_member (record, "id"), ==, id);
    }
}

typedef struct
{
  Fault        fault;
  int          code;            /* in MT_CLIENT_ERROR */
  const char  *message_part;    /* the error says this */
  gboolean     keeps_text;      /* "w0 w1 w2" arrived before the fault */
  guint        timeout;         /* the client's, in s; 0 for the default */
  guint        max_duration;    /* the client's, in s; 0 for none */
  gint64       max_tokens;
  guint        max_attempts;
} FaultCase;

static void
test_fault (Fixture       *fixture,
            gconstpointer  data)
{
  const FaultCase *fault = data;
  g_autoptr(MtRunner) runner = new_runner (fixture, 32);
  g_autoptr(MtTrace) oracle = prepare_lab (fixture, runner);
  g_autoptr(MtBranch) failed = NULL;
  g_autoptr(MtLab) loaded = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (fixture->path);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = read_file (fixture->path);
  g_autofree char *after = NULL;
  GListModel *traces;
  guint n_requests_before;
  MtTrace *reloaded;

  if (fault->timeout > 0)
    mt_client_set_timeout (fixture->client, fault->timeout);
  if (fault->max_duration > 0)
    mt_client_set_max_duration (fixture->client, fault->max_duration);
  if (fault->max_attempts > 0)
    mt_client_set_max_attempts (fixture->client, fault->max_attempts);
  if (fault->max_tokens != 32)
    {
      MtSampling sampling = *mt_runner_get_sampling (runner);

      sampling.max_tokens = fault->max_tokens;
      mt_runner_set_sampling (runner, &sampling);
    }

  fixture->server->fault = fault->fault;
  if (fault->fault == FAULT_REFUSED)
    fault_server_stop_listening (fixture->server);
  n_requests_before = fixture->server->n_requests;

  failed = run_branch (runner, oracle, &error);

  /* A clear error, of the right kind. */
  g_assert_error (error, MT_CLIENT_ERROR, fault->code);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, fault->message_part));

  g_clear_error (&error);

  /* The text that arrived is kept, in the branch and in the file. */
  g_assert_nonnull (failed);
  g_assert_cmpint (mt_trace_get_finish_reason (MT_TRACE (failed)), ==, MT_FINISH_ERROR);
  if (fault->keeps_text)
    g_assert_nonnull (strstr (mt_trace_get_reasoning (MT_TRACE (failed)), "w0 w1 w2"));

  if (fault->max_attempts > 0)
    g_assert_cmpuint (fixture->server->n_requests - n_requests_before, ==, fault->max_attempts);

  /* Nothing else in the lab changed. */
  after = read_file (fixture->path);
  assert_only_appended (before, after, mt_trace_get_id (MT_TRACE (failed)));

  g_assert_true (mt_lab_file_load (loaded, fixture->path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->issues->len, ==, 0);
  traces = mt_lab_get_traces (fixture->lab);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (loaded)), ==,
                    g_list_model_get_n_items (traces));
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      reloaded = mt_lab_lookup_trace (loaded, mt_trace_get_id (trace));
      g_assert_nonnull (reloaded);
      g_assert_cmpstr (mt_trace_get_reasoning (reloaded), ==, mt_trace_get_reasoning (trace));
      g_assert_cmpstr (mt_trace_get_answer (reloaded), ==, mt_trace_get_answer (trace));
      g_assert_cmpint (mt_trace_get_finish_reason (reloaded), ==,
                       mt_trace_get_finish_reason (trace));
    }
}

static const FaultCase cases[] = {
  { FAULT_REFUSED, MT_CLIENT_ERROR_CONNECT, "connection refused", FALSE, 0, 0, 32, 0 },
  { FAULT_RESET, MT_CLIENT_ERROR_STREAM_DROPPED, "the partial text is kept", TRUE, 0, 0, 32, 0 },
  { FAULT_STALL, MT_CLIENT_ERROR_TIMED_OUT, "sent nothing for 2 s", TRUE, 2, 0, 32, 0 },
  { FAULT_RATE_LIMITED, MT_CLIENT_ERROR_RATE_LIMITED, "HTTP 429", FALSE, 0, 0, 32, 3 },
  { FAULT_SERVER_ERROR, MT_CLIENT_ERROR_SERVER, "HTTP 500", FALSE, 0, 0, 32, 2 },
  { FAULT_TRUNCATED_JSON, MT_CLIENT_ERROR_MALFORMED_EVENT, "not JSON", TRUE, 0, 0, 32, 0 },
  { FAULT_HUGE_LINE, MT_CLIENT_ERROR_EVENT_TOO_LARGE, "larger than 16 MB", TRUE, 0, 0, 32, 0 },
  { FAULT_INVALID_UTF8, MT_CLIENT_ERROR_INVALID_UTF8, "UTF-8", TRUE, 0, 0, 32, 0 },
  { FAULT_FOREVER, MT_CLIENT_ERROR_LIMIT, "past the 32 tokens", FALSE, 0, 0, 32, 0 },
  { FAULT_FOREVER, MT_CLIENT_ERROR_LIMIT, "longer than 1 s", FALSE, 0, 1, 0, 0 },
};

static const char *case_names[] = {
  "refused", "reset", "stall", "rate-limited", "server-error", "truncated-json",
  "huge-line", "invalid-utf8", "forever/max-tokens", "forever/wall-clock",
};

G_STATIC_ASSERT (G_N_ELEMENTS (cases) == G_N_ELEMENTS (case_names));

/* The huge line is cut off by the client at its 16 MB limit: the server
 * must not have had to write anything near 100 MB. */
static void
test_huge_line_stops_early (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(MtRunner) runner = new_runner (fixture, 32);
  g_autoptr(MtTrace) oracle = prepare_lab (fixture, runner);
  g_autoptr(MtBranch) failed = NULL;
  g_autoptr(GError) error = NULL;

  fixture->server->fault = FAULT_HUGE_LINE;
  failed = run_branch (runner, oracle, &error);
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_EVENT_TOO_LARGE);

  /* Let the server notice the client left. */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_test_message ("server wrote %" G_GSIZE_FORMAT " MB of the line",
                  fixture->server->max_huge_sent / (1024 * 1024));
  g_assert_cmpuint (fixture->server->max_huge_sent, <, HUGE_LINE_BYTES / 2);
}

static gboolean
complete_once (MtClient  *client,
               char     **text,
               GError   **error)
{
  g_autoptr(MtCompletionRequest) request = mt_completion_request_new (MT_COMPLETION_MODE_COMPLETIONS,
                                                                      "fault-model");
  g_autoptr(MtCompletion) completion = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gboolean ok;

  request->prompt = g_strdup ("What is 6 times 7?");
  mt_client_complete_async (client, request, NULL, NULL, NULL, store_result_cb, &result);
  ok = mt_client_complete_finish (client, wait_for (&result), &completion, error);
  *text = completion != NULL ? g_strdup (mt_completion_get_text (completion, MT_DELTA_CONTENT))
                             : NULL;
  return ok;
}

/* Certificates are checked unless the user turned it off for this server. */
static void
test_tls_self_signed (void)
{
  FaultServer *server = fault_server_new_full (TRUE);
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(MtClient) client = NULL;
  g_autoptr(MtClient) trusting = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  endpoint = mt_endpoint_new (server->url, &error);
  g_assert_no_error (error);
  g_assert_true (mt_endpoint_get_verify_tls (endpoint));
  client = mt_client_new (endpoint);
  mt_client_set_max_attempts (client, 1);

  g_assert_false (complete_once (client, &text, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_TLS);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "not trusted"));
  g_assert_null (text);
  g_assert_cmpuint (server->n_requests, ==, 0);
  g_clear_error (&error);

  /* The opt-out is per server: a second endpoint for the same URL. */
  g_clear_object (&endpoint);
  endpoint = mt_endpoint_new (server->url, &error);
  g_assert_no_error (error);
  mt_endpoint_set_verify_tls (endpoint, FALSE);
  trusting = mt_client_new (endpoint);
  g_assert_true (complete_once (trusting, &text, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "Six sevens make forty-two. Done.");
  g_assert_cmpuint (server->n_requests, ==, 1);

  g_clear_object (&trusting);
  g_clear_object (&client);
  fault_server_free (server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Requests go straight to the local server, whatever proxy the
   * environment names. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/faults/runner/%s", case_names[i]);

      g_test_add (name, Fixture, &cases[i], fixture_setup, test_fault, fixture_teardown);
    }
  g_test_add_func ("/faults/tls/self-signed", test_tls_self_signed);
  g_test_add ("/faults/huge-line/stops-early", Fixture, NULL, fixture_setup,
              test_huge_line_stops_early, fixture_teardown);

  return g_test_run ();
}
