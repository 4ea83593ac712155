/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MtSweep against the in-process fake server: the plan and its order,
 * seeds, concurrency counted at the server, several endpoints, resume
 * after failures, cancel and a cut-off file, shards, given oracles. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fake-server.h"
#include "mt-sweep.h"

#define TEST_TIMEOUT_SECONDS 30

typedef struct
{
  FakeServer *server;
  FakeServer *second;
  char       *dir;
  char       *path;
  GSource    *watchdog;
} Fixture;

static gboolean
watchdog_cb (gpointer user_data)
{
  g_error ("test timed out after %d s", TEST_TIMEOUT_SECONDS);
  return G_SOURCE_REMOVE;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = fake_server_new ();
  fixture->dir = g_dir_make_tmp ("mt-sweep-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "sweep.mtlab", NULL);

  fixture->watchdog = g_timeout_source_new_seconds (TEST_TIMEOUT_SECONDS);
  g_source_set_callback (fixture->watchdog, watchdog_cb, NULL, NULL);
  g_source_attach (fixture->watchdog, NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  g_source_destroy (fixture->watchdog);
  g_source_unref (fixture->watchdog);
  g_clear_pointer (&fixture->server, fake_server_free);
  g_clear_pointer (&fixture->second, fake_server_free);

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (fixture->dir, name, NULL);

      g_unlink (child);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static MtClient *
new_client (FakeServer *server)
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;
  MtClient *client;

  endpoint = mt_endpoint_new (server->url, &error);
  g_assert_no_error (error);
  client = mt_client_new (endpoint);
  mt_client_set_max_attempts (client, 1);
  return client;
}

static GPtrArray *
new_problems (guint    n,
              gboolean with_updates)
{
  GPtrArray *problems = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("p%u", i + 1);
      g_autofree char *prompt = g_strdup_printf ("What is %u plus %u?", i, i + 1);
      MtProblem *problem = mt_problem_new (id);

      mt_problem_set_domain (problem, MT_DOMAIN_MATH);
      mt_problem_set_prompt (problem, prompt);
      /* Only the odd ones come from the Update-Interrupt benchmark. */
      if (with_updates && i % 2 == 0)
        mt_problem_set_update (problem, "Add one more.");
      g_ptr_array_add (problems, problem);
    }

  return problems;
}

static MtSweep *
new_sweep (Fixture         *fixture,
           guint            n_problems,
           const double    *positions,
           guint            n_positions,
           MtInterruptKind *kinds,
           guint            n_kinds)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) problems = new_problems (n_problems, TRUE);
  g_autoptr(MtFamily) family = mt_family_new_builtin ("deepseek-r1");
  MtSweep *sweep;

  g_ptr_array_add (clients, new_client (fixture->server));
  if (fixture->second != NULL)
    g_ptr_array_add (clients, new_client (fixture->second));

  sweep = mt_sweep_new (clients, family, "fake-model");
  mt_sweep_set_problems (sweep, problems);
  mt_sweep_set_positions (sweep, positions, n_positions);
  mt_sweep_set_kinds (sweep, kinds, n_kinds);
  mt_sweep_set_max_tokens (sweep, 6);
  mt_sweep_set_seed (sweep, 7);
  return sweep;
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

static gboolean
run_sweep (MtSweep       *sweep,
           const char    *path,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  mt_sweep_run_async (sweep, path, cancellable, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return mt_sweep_run_finish (sweep, result, error);
}

static MtLab *
load_lab (const char    *path,
          MtLoadReport **report_out)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (mt_lab_file_load (lab, path, report, NULL, &error));
  g_assert_no_error (error);
  if (report_out != NULL)
    *report_out = g_steal_pointer (&report);
  return g_steal_pointer (&lab);
}

/* Every trace of @lab finished, and how many of each sort. */
static void
assert_finished (MtLab *lab,
                 guint  n_traces,
                 guint  n_branches)
{
  GListModel *traces = mt_lab_get_traces (lab);

  g_assert_cmpuint (g_list_model_get_n_items (traces) - mt_lab_get_n_branches (lab), ==,
                    n_traces);
  g_assert_cmpuint (mt_lab_get_n_branches (lab), ==, n_branches);
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_LENGTH);
    }
}

static guint
count_records (const char *path)
{
  g_autofree char *contents = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  for (const char *p = contents; (p = strchr (p, '\n')) != NULL; p++)
    n++;
  return n - 1;
}

/* ------------------------------------------------------------------------ */
/* Keys and seeds                                                            */
/* ------------------------------------------------------------------------ */

static void
test_keys (void)
{
  g_autofree char *oracle = mt_sweep_make_key ("Qwen/Qwen3-8B", "gsm8k-12", 0, TRUE,
                                               MT_INTERRUPT_HARD, 0.3, NULL);
  g_autofree char *branch = mt_sweep_make_key ("Qwen/Qwen3-8B", "gsm8k-12", 2, FALSE,
                                               MT_INTERRUPT_GUIDED_UPDATE, 0.3, NULL);
  g_autofree char *given = mt_sweep_make_key ("m", "a:b%", 1, FALSE, MT_INTERRUPT_SPEEDUP,
                                              0.7, "t:1");
  gint64 seed = mt_sweep_derive_seed (7, "p1", "hard", 0.3, 0);

  g_assert_cmpstr (oracle, ==, "Qwen/Qwen3-8B:gsm8k-12:s0:oracle");
  g_assert_cmpstr (branch, ==, "Qwen/Qwen3-8B:gsm8k-12:s2:guided-update@0.3");
  g_assert_cmpstr (given, ==, "m:a%3Ab%25:s1:speedup@0.7:t%3A1");

  /* The same item always gets the same seed; any part changes it. */
  g_assert_cmpint (seed, ==, mt_sweep_derive_seed (7, "p1", "hard", 0.3, 0));
  g_assert_cmpint (seed, >=, 0);
  g_assert_cmpint (seed, <=, G_MAXINT32);
  g_assert_cmpint (seed, !=, mt_sweep_derive_seed (8, "p1", "hard", 0.3, 0));
  g_assert_cmpint (seed, !=, mt_sweep_derive_seed (7, "p2", "hard", 0.3, 0));
  g_assert_cmpint (seed, !=, mt_sweep_derive_seed (7, "p1", "speedup", 0.3, 0));
  g_assert_cmpint (seed, !=, mt_sweep_derive_seed (7, "p1", "hard", 0.5, 0));
  g_assert_cmpint (seed, !=, mt_sweep_derive_seed (7, "p1", "hard", 0.3, 1));
  g_assert_cmpint (mt_sweep_derive_seed (7, "p1", NULL, 0.3, 0), ==,
                   mt_sweep_derive_seed (7, "p1", NULL, 0.9, 0));
}

/* ------------------------------------------------------------------------ */
/* A whole sweep                                                             */
/* ------------------------------------------------------------------------ */

static gboolean
is_oracle_request (const FakeRequest *request)
{
  /* R1's generation prefix opens the thinking block; nothing follows it
   * in an oracle's prompt. */
  return g_str_has_suffix (request->prompt, "<think>\n");
}

static void
test_plan (Fixture       *fixture,
           gconstpointer  data)
{
  const double positions[] = { 0.3, 0.7 };
  MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_UPDATE };
  g_autoptr(MtSweep) sweep = new_sweep (fixture, 2, positions, 2, kinds, 3);
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seeds = g_hash_table_new (NULL, NULL);
  GListModel *traces;
  MtSweepProgress progress;
  GPtrArray *skipped;
  guint n_oracle_requests = 0;

  mt_sweep_set_samples (sweep, 2);
  mt_sweep_set_concurrency (sweep, 3);

  g_assert_true (run_sweep (sweep, fixture->path, NULL, &error));
  g_assert_no_error (error);

  /* p1 has an update: 2 samples x (oracle + 2 x 3); p2 has none, so its
   * update items are left out: 2 x (oracle + 2 x 2). */
  mt_sweep_get_progress (sweep, &progress);
  g_assert_cmpuint (progress.n_total, ==, 14 + 10);
  g_assert_cmpuint (progress.n_done, ==, 24);
  g_assert_cmpuint (progress.n_failed, ==, 0);
  g_assert_cmpuint (progress.n_resumed, ==, 0);
  g_assert_cmpuint (progress.n_running, ==, 0);
  g_assert_cmpuint (progress.n_tokens, ==, 24 * 6);
  g_assert_cmpfloat (progress.eta, ==, 0);
  skipped = mt_sweep_get_skipped (sweep);
  g_assert_cmpuint (skipped->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (skipped, 0), ==,
                   "problem “p2” has no update text: its update items are left out");
  g_assert_cmpuint (mt_sweep_get_failures (sweep)->len, ==, 0);

  /* Oracles first: all four started before any interrupt. The sweep's lab
   * has its traces in the order they started (arrival at the server may
   * differ: each request makes or reuses a connection of its own). */
  g_assert_cmpuint (fixture->server->requests->len, ==, 24);
  traces = mt_sweep_get_lab (sweep) != NULL ? mt_lab_get_traces (mt_sweep_get_lab (sweep)) : NULL;
  g_assert_cmpuint (g_list_model_get_n_items (traces), ==, 24);
  for (guint i = 0; i < 24; i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      g_assert_cmpint (MT_IS_BRANCH (trace), ==, i >= 4);
    }
  for (guint i = 0; i < fixture->server->requests->len; i++)
    if (is_oracle_request (g_ptr_array_index (fixture->server->requests, i)))
      n_oracle_requests++;
  g_assert_cmpuint (n_oracle_requests, ==, 4);

  lab = load_lab (fixture->path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  g_assert_cmpuint (report->n_problems, ==, 2);
  assert_finished (lab, 4, 20);

  /* Records named by their work keys, seeds derived from them. */
  traces = mt_lab_get_traces (lab);
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
      const char *problem_id = mt_trace_get_problem_id (trace);
      guint sample = g_str_has_suffix (mt_trace_get_id (trace), ":s1:oracle") ||
                     strstr (mt_trace_get_id (trace), ":s1:") != NULL;
      g_autofree char *key = NULL;
      gint64 seed;

      if (MT_IS_BRANCH (trace))
        {
          MtInterrupt *interrupt = mt_branch_get_interrupt (MT_BRANCH (trace));
          MtInterruptKind kind = mt_interrupt_get_kind (interrupt);
          double fraction = mt_interrupt_get_fraction (interrupt);
          g_autofree char *oracle_key = mt_sweep_make_key ("fake-model", problem_id, sample,
                                                           TRUE, 0, 0, NULL);
          MtTrace *parent = mt_branch_get_parent (MT_BRANCH (trace));

          key = mt_sweep_make_key ("fake-model", problem_id, sample, FALSE, kind, fraction,
                                   NULL);
          seed = mt_sweep_derive_seed (7, problem_id, mt_interrupt_kind_to_string (kind),
                                       fraction, sample);
          g_assert_cmpstr (mt_branch_get_parent_id (MT_BRANCH (trace)), ==, oracle_key);
          g_assert_nonnull (parent);
          g_assert_true (g_str_has_prefix (mt_trace_get_prompt (trace),
                                           mt_trace_get_prompt (parent)));
          if (kind == MT_INTERRUPT_UPDATE)
            g_assert_cmpstr (mt_interrupt_get_update (interrupt), ==, "Add one more.");
        }
      else
        {
          key = mt_sweep_make_key ("fake-model", problem_id, sample, TRUE, 0, 0, NULL);
          seed = mt_sweep_derive_seed (7, problem_id, NULL, 0, sample);
        }

      g_assert_cmpstr (mt_trace_get_id (trace), ==, key);
      g_assert_cmpint (mt_trace_get_sampling (trace)->seed, ==, seed);
      g_assert_cmpint (mt_trace_get_sampling (trace)->max_tokens, ==, 6);
      g_hash_table_add (seeds, GINT_TO_POINTER ((int) seed));
    }
  g_assert_cmpuint (g_hash_table_size (seeds), ==, 24);
}

/* C requests really in flight: the server holds every stream until C are
 * open, and counts them. */
static void
test_concurrency (Fixture       *fixture,
                  gconstpointer  data)
{
  const double positions[] = { 0.1, 0.3, 0.5, 0.7, 0.9 };
  MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP };
  guint limits[] = { 1, 3, 8 };

  for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      g_autoptr(MtSweep) sweep = new_sweep (fixture, 3, positions, 5, kinds, 2);
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_strdup_printf ("%s.%u", fixture->path, i);
      MtSweepProgress progress;

      fixture->server->gate = limits[i];
      fixture->server->max_open = 0;
      mt_sweep_set_concurrency (sweep, limits[i]);

      g_assert_true (run_sweep (sweep, path, NULL, &error));
      g_assert_no_error (error);
      mt_sweep_get_progress (sweep, &progress);
      g_assert_cmpuint (progress.n_done, ==, 3 + 30);
      g_test_message ("concurrency %u: %u streams open at most", limits[i],
                      fixture->server->max_open);
      g_assert_cmpuint (fixture->server->max_open, ==, limits[i]);
    }
}

/* Round-robin over two servers, and the limit holds across both. */
static void
test_endpoints (Fixture       *fixture,
                gconstpointer  data)
{
  const double positions[] = { 0.2, 0.4, 0.6, 0.8 };
  MtInterruptKind kinds[] = { MT_INTERRUPT_HARD };
  g_autoptr(MtSweep) sweep = NULL;
  g_autoptr(GError) error = NULL;
  guint total_open = 0, total_max = 0;

  fixture->second = fake_server_new ();
  sweep = new_sweep (fixture, 4, positions, 4, kinds, 1);
  mt_sweep_set_concurrency (sweep, 4);
  fixture->server->total_open = fixture->second->total_open = &total_open;
  fixture->server->total_max = fixture->second->total_max = &total_max;
  fixture->server->interval = fixture->second->interval = 2;

  g_assert_true (run_sweep (sweep, fixture->path, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (fixture->server->requests->len, ==, 10);
  g_assert_cmpuint (fixture->second->requests->len, ==, 10);
  g_test_message ("%u streams open at most on both", total_max);
  g_assert_cmpuint (total_max, <=, 4);
  g_assert_cmpuint (total_open, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Resume                                                                    */
/* ------------------------------------------------------------------------ */

static void
drop_speedup_script (const FakeRequest *request,
                     FakeReply         *reply,
                     gpointer           user_data)
{
  fake_reply_add_default_tokens (reply, request);
  if (strstr (request->prompt, mt_interrupt_text_speedup) != NULL)
    reply->end = FAKE_END_DROP;
}

/* Failed items are done again under their own ids; finished ones never. */
static void
test_resume_failed (Fixture       *fixture,
                    gconstpointer  data)
{
  const double positions[] = { 0.3, 0.6 };
  MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP };
  g_autoptr(MtSweep) sweep = new_sweep (fixture, 3, positions, 2, kinds, 2);
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  MtSweepProgress progress;
  guint n_records;

  fixture->server->script = drop_speedup_script;
  g_assert_true (run_sweep (sweep, fixture->path, NULL, &error));
  g_assert_no_error (error);
  mt_sweep_get_progress (sweep, &progress);
  g_assert_cmpuint (progress.n_total, ==, 15);
  g_assert_cmpuint (progress.n_done, ==, 9);
  g_assert_cmpuint (progress.n_failed, ==, 6);
  g_assert_cmpuint (mt_sweep_get_failures (sweep)->len, ==, 6);
  g_test_message ("%s", (char *) g_ptr_array_index (mt_sweep_get_failures (sweep), 0));
  g_assert_true (g_str_has_suffix (g_ptr_array_index (mt_sweep_get_failures (sweep), 0),
                                   "(3 tokens received; the partial text is kept)") ||
                 strstr (g_ptr_array_index (mt_sweep_get_failures (sweep), 0),
                         "ended the stream") != NULL);

  /* The same sweep again: only the six failed items are asked for. */
  fixture->server->script = NULL;
  g_ptr_array_set_size (fixture->server->requests, 0);
  g_assert_true (run_sweep (sweep, fixture->path, NULL, &error));
  g_assert_no_error (error);
  mt_sweep_get_progress (sweep, &progress);
  g_assert_cmpuint (progress.n_resumed, ==, 9);
  g_assert_cmpuint (progress.n_done, ==, 15);
  g_assert_cmpuint (progress.n_failed, ==, 0);
  g_assert_cmpuint (fixture->server->requests->len, ==, 6);

  lab = load_lab (fixture->path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  assert_finished (lab, 3, 12);

  /* A third run has nothing left to do and writes nothing. */
  n_records = count_records (fixture->path);
  g_ptr_array_set_size (fixture->server->requests, 0);
  g_assert_true (run_sweep (sweep, fixture->path, NULL, &error));
  g_assert_no_error (error);
  mt_sweep_get_progress (sweep, &progress);
  g_assert_cmpuint (progress.n_resumed, ==, 15);
  g_assert_cmpuint (fixture->server->requests->len, ==, 0);
  g_assert_cmpuint (count_records (fixture->path), ==, n_records);
}

static void
cancel_on_progress_cb (MtSweep      *sweep,
                       GCancellable *cancellable)
{
  MtSweepProgress progress;

  mt_sweep_get_progress (sweep, &progress);
  if (progress.n_done >= 10)
    g_cancellable_cancel (cancellable);
}

/* Cancel lets the streams in flight end as cancelled records; the next run
 * does those again and the rest, each once. */
static void
test_resume_cancelled (Fixture       *fixture,
                       gconstpointer  data)
{
  const double positions[] = { 0.1, 0.5, 0.9 };
  MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP };
  g_autoptr(MtSweep) sweep = new_sweep (fixture, 4, positions, 3, kinds, 2);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(GError) error = NULL;
  MtSweepProgress progress;
  guint n_first, n_requests_first;

  fixture->server->interval = 5;
  mt_sweep_set_concurrency (sweep, 4);
  g_signal_connect (sweep, "progress", G_CALLBACK (cancel_on_progress_cb), cancellable);

  g_assert_false (run_sweep (sweep, fixture->path, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  mt_sweep_get_progress (sweep, &progress);
  n_first = progress.n_done;
  n_requests_first = fixture->server->requests->len;
  g_test_message ("%u of %u done before the cancel, %u requests", n_first, progress.n_total,
                  n_requests_first);
  g_assert_cmpuint (n_first, >=, 10);
  g_assert_cmpuint (n_first, <, 28);
  g_assert_cmpuint (progress.n_running, ==, 0);
  /* The runs in flight wrote what they had, as cancelled records. */
  {
    g_autoptr(MtLab) first = load_lab (fixture->path, NULL);
    GListModel *traces = mt_lab_get_traces (first);
    guint n_cancelled = 0;

    for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
      {
        g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

        n_cancelled += mt_trace_get_finish_reason (trace) == MT_FINISH_CANCELLED;
      }
    /* A run may be cancelled before its request reached the server. */
    g_assert_cmpuint (g_list_model_get_n_items (traces), >=, n_requests_first);
    g_assert_cmpuint (n_cancelled, ==, g_list_model_get_n_items (traces) - n_first);
    g_assert_cmpuint (n_cancelled, >=, 1);
  }

  g_signal_handlers_disconnect_by_func (sweep, cancel_on_progress_cb, cancellable);
  g_ptr_array_set_size (fixture->server->requests, 0);
  g_assert_true (run_sweep (sweep, fixture->path, NULL, &error));
  g_assert_no_error (error);
  mt_sweep_get_progress (sweep, &progress);
  g_assert_cmpuint (progress.n_resumed, ==, n_first);
  g_assert_cmpuint (fixture->server->requests->len, ==, 28 - n_first);

  lab = load_lab (fixture->path, &report);
  g_assert_cmpuint (report->issues->len, ==, 0);
  assert_finished (lab, 4, 24);
}

/* A file whose writer was killed mid-stream: the snapshot left at its end
 * is done again. */
static void
test_resume_cut_off (Fixture       *fixture,
                     gconstpointer  data)
{
  const double positions[] = { 0.5 };
  MtInterruptKind kinds[] = { MT_INTERRUPT_HARD };
  g_autoptr(MtSweep) sweep = new_sweep (fixture, 2, positions, 1, kinds, 1);
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(MtTrace) snapshot = NULL;
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = mt_sweep_make_key ("fake-model", "p2", 0, TRUE, 0, 0, NULL);
  g_autofree char *torn = NULL;
  MtSweepProgress progress;

  writer = mt_lab_writer_open (fixture->path, &error);
  g_assert_no_error (error);
  snapshot = mt_trace_new (key);
  mt_trace_set_problem_id (snapshot, "p2");
  mt_trace_set_reasoning (snapshot, "half a tho");
  g_assert_true (mt_lab_writer_append_partial (writer, snapshot, &error));
  g_assert_true (mt_lab_writer_close (writer, &error));
  torn = g_strconcat ("{\"type\":\"trace\",\"id\":\"", key, "\",\"reaso", NULL);
  {
    g_autofree char *contents = NULL;
    g_autofree char *joined = NULL;

    g_assert_true (g_file_get_contents (fixture->path, &contents, NULL, NULL));
    joined = g_strconcat (contents, torn, NULL);
    g_assert_true (g_file_set_contents (fixture->path, joined, -1, NULL));
  }

  g_assert_true (run_sweep (sweep, fixture->path, NULL, &error));
  g_assert_no_error (error);
  mt_sweep_get_progress (sweep, &progress);
  g_assert_cmpuint (progress.n_resumed, ==, 0);
  g_assert_cmpuint (progress.n_done, ==, 4);

  lab = load_lab (fixture->path, NULL);
  assert_finished (lab, 2, 2);
  g_assert_cmpstr (mt_trace_get_split_note (mt_lab_lookup_trace (lab, key)), !=, NULL);
  g_assert_null (strstr (mt_trace_get_split_note (mt_lab_lookup_trace (lab, key)), "cut off"));
}

/* ------------------------------------------------------------------------ */
/* Shards, given oracles, fatal errors                                       */
/* ------------------------------------------------------------------------ */

static void
add_ids (GHashTable *ids,
         MtLab      *lab)
{
  GListModel *traces = mt_lab_get_traces (lab);

  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      g_assert_true (g_hash_table_add (ids, g_strdup (mt_trace_get_id (trace))));
    }
}

static void
test_shards (Fixture       *fixture,
             gconstpointer  data)
{
  const double positions[] = { 0.3, 0.7 };
  MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_FORCE_ANSWER };
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_total = 0;

  for (guint shard = 0; shard < 3; shard++)
    {
      g_autoptr(MtSweep) sweep = new_sweep (fixture, 5, positions, 2, kinds, 2);
      g_autofree char *path = g_strdup_printf ("%s.%u", fixture->path, shard);
      g_autoptr(MtLab) lab = NULL;
      g_autoptr(GError) error = NULL;
      MtSweepProgress progress;
      GListModel *traces;

      mt_sweep_set_samples (sweep, 2);
      mt_sweep_set_shard (sweep, shard, 3);
      g_assert_true (run_sweep (sweep, path, NULL, &error));
      g_assert_no_error (error);
      mt_sweep_get_progress (sweep, &progress);
      n_total += progress.n_total;

      /* Each shard holds whole units: every branch's oracle is in it. */
      lab = load_lab (path, NULL);
      traces = mt_lab_get_traces (lab);
      for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
        {
          g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

          if (MT_IS_BRANCH (trace))
            g_assert_nonnull (mt_branch_get_parent (MT_BRANCH (trace)));
        }
      add_ids (ids, lab);
    }

  /* 10 oracles, each with 4 interrupts, split 4 + 3 + 3, none twice. */
  g_assert_cmpuint (n_total, ==, 50);
  g_assert_cmpuint (g_hash_table_size (ids), ==, 50);
}

static void
test_given_oracles (Fixture       *fixture,
                    gconstpointer  data)
{
  const double positions[] = { 0.5 };
  MtInterruptKind kinds[] = { MT_INTERRUPT_HARD, MT_INTERRUPT_UPDATE };
  g_autoptr(MtSweep) sweep = new_sweep (fixture, 2, positions, 1, kinds, 2);
  g_autoptr(GPtrArray) oracles = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  MtSweepProgress progress;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", i);
      MtTrace *trace = mt_trace_new (id);

      mt_trace_set_problem_id (trace, i == 2 ? "p2" : "p1");
      mt_trace_set_prompt (trace, "<|im_start|>user\nWhat?<|im_end|>\n<|im_start|>assistant\n");
      mt_trace_set_reasoning (trace, "<think>\nsome thought here</think>");
      g_ptr_array_add (oracles, trace);
    }

  mt_sweep_set_oracles (sweep, oracles);
  mt_sweep_set_samples (sweep, 2);
  g_assert_true (run_sweep (sweep, fixture->path, NULL, &error));
  g_assert_no_error (error);

  /* t0, t1 (p1, with an update): 2 kinds x 2 samples; t2 (p2): hard only. */
  mt_sweep_get_progress (sweep, &progress);
  g_assert_cmpuint (progress.n_total, ==, 4 + 4 + 2);
  g_assert_cmpuint (progress.n_done, ==, 10);
  for (guint i = 0; i < fixture->server->requests->len; i++)
    g_assert_false (is_oracle_request (g_ptr_array_index (fixture->server->requests, i)));

  lab = load_lab (fixture->path, NULL);
  assert_finished (lab, 0, 10);
  key = mt_sweep_make_key ("fake-model", "p1", 1, FALSE, MT_INTERRUPT_UPDATE, 0.5, "t1");
  g_assert_nonnull (mt_lab_lookup_trace (lab, key));
  g_assert_cmpstr (mt_branch_get_parent_id (MT_BRANCH (mt_lab_lookup_trace (lab, key))), ==,
                   "t1");
}

static void
status_script (const FakeRequest *request,
               FakeReply         *reply,
               gpointer           user_data)
{
  reply->end = FAKE_END_STATUS;
  reply->status = GPOINTER_TO_UINT (user_data);
}

/* A missing model fails every request alike: the sweep stops at once. */
static void
test_fatal (Fixture       *fixture,
            gconstpointer  data)
{
  const double positions[] = { 0.1, 0.5, 0.9 };
  MtInterruptKind kinds[] = { MT_INTERRUPT_HARD };
  g_autoptr(MtSweep) sweep = new_sweep (fixture, 6, positions, 3, kinds, 1);
  g_autoptr(GError) error = NULL;
  MtSweepProgress progress;

  fixture->server->script = status_script;
  fixture->server->script_data = GUINT_TO_POINTER (SOUP_STATUS_NOT_FOUND);
  mt_sweep_set_concurrency (sweep, 2);

  g_assert_false (run_sweep (sweep, fixture->path, NULL, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_NOT_FOUND);
  mt_sweep_get_progress (sweep, &progress);
  g_assert_cmpuint (fixture->server->requests->len, <=, 2);
  g_assert_cmpuint (progress.n_done, ==, 0);
}

/* Another run already writing to the file: refused, nothing sent. */
static void
test_locked (Fixture       *fixture,
             gconstpointer  data)
{
  const double positions[] = { 0.5 };
  MtInterruptKind kinds[] = { MT_INTERRUPT_HARD };
  g_autoptr(MtSweep) sweep = new_sweep (fixture, 1, positions, 1, kinds, 1);
  g_autoptr(MtLabWriter) other = NULL;
  g_autoptr(GError) error = NULL;

  other = mt_lab_writer_open (fixture->path, &error);
  g_assert_no_error (error);

  g_assert_false (run_sweep (sweep, fixture->path, NULL, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE);
  g_assert_cmpuint (fixture->server->requests->len, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* midthought-cli sweep and merge                                            */
/* ------------------------------------------------------------------------ */

#define API_KEY "sk-sweep-test-5f3a9c"

static const char *
cli_path (void)
{
  const char *cli = g_getenv ("MT_CLI");

  return cli != NULL && g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE) ? cli : NULL;
}

static char *
problems_path (void)
{
  const char *dir = g_getenv ("MT_TEST_DATA");

  return dir != NULL ? g_build_filename (dir, "gsm8k-5.jsonl", NULL) : NULL;
}

static GSubprocess *
cli_start (const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "MIDTHOUGHT_API_KEY", API_KEY, TRUE);
  g_ptr_array_add (argv, (char *) cli_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

/* Waits for @process while the fake server keeps serving; returns its exit
 * status, or 128 + the signal that ended it. */
static int
cli_wait (GSubprocess  *process,
          char        **out,
          char        **err)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;

  g_subprocess_communicate_utf8_async (process, NULL, NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_communicate_utf8_finish (process, result, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  g_test_message ("stdout: %s", stdout_text);
  g_test_message ("stderr: %s", stderr_text);

  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);

  if (g_subprocess_get_if_signaled (process))
    return 128 + g_subprocess_get_term_sig (process);
  return g_subprocess_get_exit_status (process);
}

static int
cli_run (const char * const  *args,
         char               **out,
         char               **err)
{
  g_autoptr(GSubprocess) process = cli_start (args);

  return cli_wait (process, out, err);
}

static void
test_cli_usage (Fixture       *fixture,
                gconstpointer  data)
{
  static const struct {
    const char *args[12];
    const char *message;
  } cases[] = {
    { { "sweep", NULL }, "sweep needs a server" },
    { { "sweep", "--server", "http://127.0.0.1:9/v1", NULL }, "--model" },
    { { "sweep", "--server", "http://127.0.0.1:9/v1", "--model", "m", "--problems", "p",
        "-o", "x.mtlab", "--positions", "0.3,1.5", NULL }, "“1.5” is not a fraction" },
    { { "sweep", "--server", "http://127.0.0.1:9/v1", "--model", "m", "--problems", "p",
        "-o", "x.mtlab", "--kinds", "hard,gentle", NULL }, "unknown kind “gentle”" },
    { { "sweep", "--server", "http://127.0.0.1:9/v1", "--model", "m", "--problems", "p",
        "-o", "x.mtlab", "--shard", "0/2", NULL }, "1 ≤ i ≤ n" },
    { { "sweep", "--server", "http://127.0.0.1:9/v1", "--model", "m", "--problems", "p",
        "-o", "x.mtlab", "--family", "llama-9", NULL }, "unknown family “llama-9”" },
    { { "sweep", "--server", "http://127.0.0.1:9/v1", "--model", "m", "--problems", "p",
        "-o", "x.mtlab", "--mode", "fax", NULL }, "completions or chat" },
    { { "merge", "a.mtlab", NULL }, "merge needs an output file" },
  };

  if (cli_path () == NULL)
    {
      g_test_skip ("MT_CLI is not set");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;

      g_assert_cmpint (cli_run (cases[i].args, NULL, &err), ==, 2);
      g_assert_nonnull (strstr (err, cases[i].message));
    }
}

static void
test_cli_run (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *problems = problems_path ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLoadReport) report = NULL;
  const char *args[] = {
    "sweep", "--server", fixture->server->url, "--model", "fake-model", "--family",
    "deepseek-r1", "--problems", problems, "--positions", "0.5", "--kinds", "hard,update",
    "--max-tokens", "4", "--concurrency", "3", "-o", fixture->path, NULL
  };

  if (cli_path () == NULL || problems == NULL)
    {
      g_test_skip ("MT_CLI or MT_TEST_DATA is not set");
      return;
    }

  g_assert_cmpint (cli_run (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "10 of 10 items done (0 already done), 0 failed"));
  g_assert_nonnull (strstr (err, "problem “gsm8k-3” has no update text: its update items are "
                                 "left out"));
  g_assert_null (strstr (err, "already done"));
  g_assert_cmpuint (fixture->server->requests->len, ==, 10);

  /* The key goes to the server and nowhere else. */
  for (guint i = 0; i < fixture->server->requests->len; i++)
    g_assert_cmpstr (((FakeRequest *) g_ptr_array_index (fixture->server->requests,
                                                         i))->authorization,
                     ==, "Bearer " API_KEY);
  g_assert_true (g_file_get_contents (fixture->path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, API_KEY));
  g_assert_null (strstr (out, API_KEY));
  g_assert_null (strstr (err, API_KEY));

  lab = load_lab (fixture->path, &report);
  g_assert_cmpuint (report->n_problems, ==, 5);
  assert_finished (lab, 5, 5);

  /* Again: everything is done already. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_run (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (err, "10 of 10 items already done; resuming"));
  g_assert_nonnull (strstr (out, "10 of 10 items done (10 already done), 0 failed"));
  g_assert_cmpuint (fixture->server->requests->len, ==, 10);
}

static void
hang_script (const FakeRequest *request,
             FakeReply         *reply,
             gpointer           user_data)
{
  fake_reply_add_tokens (reply, "One", " thought", NULL);
  reply->end = FAKE_END_HANG;
}

/* Ctrl+C: the stream in flight is saved as cancelled, exit status 130. */
static void
test_cli_sigint (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *problems = problems_path ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(MtLab) lab = NULL;
  g_autofree char *err = NULL;
  g_autofree char *key = NULL;
  const char *args[] = {
    "sweep", "--server", fixture->server->url, "--model", "fake-model", "--family",
    "deepseek-r1", "--problems", problems, "--kinds", "hard", "--concurrency", "1",
    "-o", fixture->path, NULL
  };
  MtTrace *trace;

  if (cli_path () == NULL || problems == NULL)
    {
      g_test_skip ("MT_CLI or MT_TEST_DATA is not set");
      return;
    }

  fixture->server->script = hang_script;
  process = cli_start (args);
  while (fixture->server->streams->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_subprocess_send_signal (process, SIGINT);

  g_assert_cmpint (cli_wait (process, NULL, &err), ==, 130);
  g_assert_nonnull (strstr (err, "run the same command again to resume"));

  lab = load_lab (fixture->path, NULL);
  key = mt_sweep_make_key ("fake-model", "gsm8k-1", 0, TRUE, 0, 0, NULL);
  trace = mt_lab_lookup_trace (lab, key);
  g_assert_nonnull (trace);
  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_CANCELLED);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (lab)), ==, 1);
}

static void
test_cli_merge (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *problems = problems_path ();
  g_autofree char *first = g_strconcat (fixture->path, ".1", NULL);
  g_autofree char *second = g_strconcat (fixture->path, ".2", NULL);
  g_autofree char *merged = g_strconcat (fixture->path, ".merged", NULL);
  g_autofree char *odd = g_strconcat (fixture->path, ".odd", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *key = NULL;
  g_autoptr(MtLab) lab = NULL;
  g_autoptr(MtLabWriter) writer = NULL;
  g_autoptr(MtTrace) impostor = NULL;
  g_autoptr(GError) error = NULL;
  const char *shards[][2] = { { "1/2", first }, { "2/2", second } };

  if (cli_path () == NULL || problems == NULL)
    {
      g_test_skip ("MT_CLI or MT_TEST_DATA is not set");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (shards); i++)
    {
      const char *args[] = {
        "sweep", "--server", fixture->server->url, "--model", "fake-model", "--family",
        "deepseek-r1", "--problems", problems, "--positions", "0.2,0.8", "--kinds",
        "hard,speedup", "--max-tokens", "4", "--shard", shards[i][0], "-o", shards[i][1], NULL
      };

      g_assert_cmpint (cli_run (args, NULL, NULL), ==, 0);
    }

  {
    const char *args[] = { "merge", "-o", merged, first, second, NULL };

    g_assert_cmpint (cli_run (args, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "5 problems, 5 traces, 20 branches from 2 files; "
                                   "0 conflicts"));
  }
  lab = load_lab (merged, NULL);
  assert_finished (lab, 5, 20);

  /* A file with a different finished trace under a key of the first. */
  key = mt_sweep_make_key ("fake-model", "gsm8k-1", 0, TRUE, 0, 0, NULL);
  writer = mt_lab_writer_open (odd, &error);
  g_assert_no_error (error);
  impostor = mt_trace_new (key);
  mt_trace_set_reasoning (impostor, "something else");
  mt_trace_set_finish_reason (impostor, MT_FINISH_STOP);
  g_assert_true (mt_lab_writer_append_trace (writer, impostor, &error));
  g_assert_true (mt_lab_writer_close (writer, &error));

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *args[] = { "merge", "-o", merged, first, odd, second, NULL };

    g_assert_cmpint (cli_run (args, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "conflict: trace “fake-model:gsm8k-1:s0:oracle” differs"));
    g_assert_nonnull (strstr (out, "; 1 conflicts"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Requests go straight to the fake server; a proxy lookup (libproxy)
   * would only add a thread, and one that breaks under ASan. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/sweep/keys", test_keys);
  ADD ("/sweep/plan", test_plan);
  ADD ("/sweep/concurrency", test_concurrency);
  ADD ("/sweep/endpoints", test_endpoints);
  ADD ("/sweep/resume/failed", test_resume_failed);
  ADD ("/sweep/resume/cancelled", test_resume_cancelled);
  ADD ("/sweep/resume/cut-off", test_resume_cut_off);
  ADD ("/sweep/shards", test_shards);
  ADD ("/sweep/given-oracles", test_given_oracles);
  ADD ("/sweep/fatal", test_fatal);
  ADD ("/sweep/locked", test_locked);
  ADD ("/sweep/cli/usage", test_cli_usage);
  ADD ("/sweep/cli/run", test_cli_run);
  ADD ("/sweep/cli/sigint", test_cli_sigint);
  ADD ("/sweep/cli/merge", test_cli_merge);

#undef ADD

  return g_test_run ();
}
