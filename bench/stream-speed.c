/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Streams completions from a server with MtClient, as a live run does: the
 * SSE parser, the JSON of every chunk, the delta callback and the token
 * spans, arrival times and text stored in the MtCompletion. Driven by
 * bench/stream.sh against bench/stream-server.py.
 *
 * Usage: mt-bench-stream URL EXPECTED_TOKENS [RUNS]
 *
 * Prints one line per run: tokens, wall seconds, CPU seconds, tokens/s. */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "mt-client.h"

typedef struct
{
  GAsyncResult *result;
  guint64       n_deltas;
} Run;

static void
delta_cb (MtDeltaKind  kind,
          const char  *text,
          gint64       arrival_time,
          gpointer     user_data)
{
  Run *run = user_data;

  run->n_deltas++;
}

static void
done_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Run *run = user_data;

  run->result = g_object_ref (result);
}

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(MtClient) client = NULL;
  g_autoptr(MtCompletionRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  guint64 expected;
  guint runs = 1;

  if (argc < 3)
    {
      g_printerr ("Usage: %s URL EXPECTED_TOKENS [RUNS]\n", argv[0]);
      return 2;
    }

  expected = g_ascii_strtoull (argv[2], NULL, 10);
  if (argc > 3)
    runs = (guint) g_ascii_strtoull (argv[3], NULL, 10);

  endpoint = mt_endpoint_new (argv[1], &error);
  if (endpoint == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  client = mt_client_new (endpoint);
  request = mt_completion_request_new (MT_COMPLETION_MODE_COMPLETIONS, "bench");
  request->prompt = g_strdup ("Count.");

  for (guint i = 0; i < runs; i++)
    {
      g_autoptr(MtCompletion) completion = NULL;
      Run run = { NULL, 0 };
      gint64 start = g_get_monotonic_time ();
      double cpu_start = cpu_seconds ();
      double seconds, cpu;
      guint n_tokens;

      mt_client_complete_async (client, request, NULL, delta_cb, &run, done_cb, &run);
      while (run.result == NULL)
        g_main_context_iteration (NULL, TRUE);

      if (!mt_client_complete_finish (client, run.result, &completion, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      g_object_unref (run.result);

      seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
      cpu = cpu_seconds () - cpu_start;
      n_tokens = mt_completion_get_n_tokens (completion, MT_DELTA_CONTENT);

      if (n_tokens != expected || run.n_deltas != expected)
        {
          g_printerr ("got %u tokens, %" G_GUINT64_FORMAT " deltas; expected %"
                      G_GUINT64_FORMAT "\n", n_tokens, run.n_deltas, expected);
          return 1;
        }

      g_print ("tokens %u wall %.4f s cpu %.4f s: %.0f tokens/s\n",
               n_tokens, seconds, cpu, n_tokens / seconds);
    }

  return 0;
}
