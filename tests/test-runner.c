/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MtRunner against the in-process fake server: oracles and branches, the
 * prompts they send, how the continuation is split, the lab file records
 * while a run streams, cancel and errors. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "fake-server.h"
#include "mt-runner.h"

#define TEST_TIMEOUT_SECONDS 20

typedef struct
{
  FakeServer  *server;
  MtClient    *client;
  MtLab       *lab;
  char        *dir;
  char        *path;
  MtLabWriter *writer;
  GSource     *watchdog;
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
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(GError) error = NULL;

  fixture->server = fake_server_new ();
  endpoint = mt_endpoint_new (fixture->server->url, &error);
  g_assert_no_error (error);
  fixture->client = mt_client_new (endpoint);
  /* Errors must show at once, not after the backoff. */
  mt_client_set_max_attempts (fixture->client, 1);
  fixture->lab = mt_lab_new ();

  fixture->dir = g_dir_make_tmp ("mt-runner-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "run.mtlab", NULL);
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
  g_clear_pointer (&fixture->server, fake_server_free);

  g_unlink (fixture->path);
  g_rmdir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static MtRunner *
new_runner (Fixture    *fixture,
            const char *family_name)
{
  g_autoptr(MtFamily) family = mt_family_new_builtin (family_name);
  MtSampling sampling;
  MtRunner *runner;

  g_assert_nonnull (family);
  runner = mt_runner_new (fixture->client, family, "fake-model");
  /* The fake server sends max_tokens tokens by default, and the presets
   * allow 32768. */
  sampling = *mt_runner_get_sampling (runner);
  sampling.max_tokens = 32;
  mt_runner_set_sampling (runner, &sampling);
  mt_runner_set_lab (runner, fixture->lab);
  mt_runner_set_writer (runner, fixture->writer);
  return runner;
}

static MtProblem *
new_problem (void)
{
  MtProblem *problem = mt_problem_new ("p1");

  mt_problem_set_domain (problem, MT_DOMAIN_MATH);
  mt_problem_set_prompt (problem, "What is 6 times 7?");
  mt_problem_set_answer (problem, "42");
  return problem;
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

static gboolean
run_oracle (MtRunner            *runner,
            MtProblem           *problem,
            const MtRunOptions  *options,
            GCancellable        *cancellable,
            MtTrace            **trace,
            GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  mt_runner_run_oracle_async (runner, problem, MT_INTERRUPT_HARD, options, cancellable,
                              store_result_cb, &result);
  return mt_runner_run_oracle_finish (runner, wait_for (&result), trace, error);
}

static gboolean
run_branch (MtRunner         *runner,
            MtTrace          *parent,
            MtInterruptKind   kind,
            MtInterruptRole   role,
            double            fraction,
            const char       *text,
            MtBranch        **branch,
            GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  MtRenderPosition position = { MT_POSITION_FRACTION, fraction, 0, FALSE };

  mt_runner_run_branch_async (runner, parent, kind, role, &position, text, NULL, NULL,
                              store_result_cb, &result);
  return mt_runner_run_branch_finish (runner, wait_for (&result), branch, error);
}

/* The records written to the fixture's file, header left out. */
static GPtrArray *
read_records (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *records = g_ptr_array_new_with_free_func (g_free);

  g_file_get_contents (fixture->path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (records, g_strdup (lines[i]));

  return records;
}

static MtLab *
load_file (Fixture *fixture)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (fixture->path);
  g_autoptr(GError) error = NULL;

  g_assert_true (mt_lab_file_load (lab, fixture->path, report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->issues->len, ==, 0);
  return g_steal_pointer (&lab);
}

static char *
span_text (const char   *text,
           MtTokenSpans *spans,
           guint         index)
{
  guint32 start, length;

  mt_token_spans_get_span (spans, index, &start, &length);
  return g_strndup (text + start, length);
}

/* ------------------------------------------------------------------------ */
/* Oracles                                                                   */
/* ------------------------------------------------------------------------ */

static void
oracle_script (const FakeRequest *request,
               FakeReply         *reply,
               gpointer           user_data)
{
  fake_reply_add_tokens (reply, "<think>", "\n", "Let", " me", " think", ".", "</think>",
                         "\n\n", "The", " answer", " is", " \\boxed{42}", NULL);
  reply->finish_reason = "stop";
}

static void
test_oracle (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(MtRunner) runner = new_runner (fixture, "qwen3");
  g_autoptr(MtProblem) problem = new_problem ();
  g_autoptr(MtFamily) family = mt_family_new_builtin ("qwen3");
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected_prompt = NULL;
  g_autofree char *token = NULL;
  const FakeRequest *request;
  MtTokenSpans *spans;
  MtRunOptions options;
  MtTrace *reloaded;

  fixture->server->script = oracle_script;
  mt_run_options_init (&options);
  options.id = "o1";
  options.seed = 1234;
  options.max_tokens = 100;

  g_assert_true (run_oracle (runner, problem, &options, NULL, &trace, &error));
  g_assert_no_error (error);

  /* The family's prompt with the scenario's system prompt. */
  expected_prompt = mt_family_format_prompt (family, mt_interrupt_system_hard,
                                             "What is 6 times 7?", MT_DOMAIN_MATH, NULL);
  g_assert_cmpuint (fixture->server->requests->len, ==, 1);
  request = g_ptr_array_index (fixture->server->requests, 0);
  g_assert_cmpstr (request->path, ==, "/v1/completions");
  g_assert_cmpstr (request->prompt, ==, expected_prompt);
  g_assert_cmpstr (request->model, ==, "fake-model");
  g_assert_cmpint (request->seed, ==, 1234);
  g_assert_cmpint (request->max_tokens, ==, 100);

  g_assert_cmpstr (mt_trace_get_id (trace), ==, "o1");
  g_assert_cmpstr (mt_trace_get_prompt (trace), ==, expected_prompt);
  g_assert_cmpstr (mt_trace_get_problem_id (trace), ==, "p1");
  g_assert_cmpstr (mt_trace_get_model (trace), ==, "fake-model");
  g_assert_cmpstr (mt_trace_get_family (trace), ==, "qwen3");
  g_assert_cmpstr (mt_trace_get_reasoning (trace), ==, "Let me think.");
  g_assert_cmpstr (mt_trace_get_answer (trace), ==, "The answer is \\boxed{42}");
  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_STOP);
  g_assert_cmpint (mt_trace_get_split_style (trace), ==, MT_THINK_STYLE_TAGS);
  g_assert_cmpint (mt_trace_get_sampling (trace)->seed, ==, 1234);
  g_assert_cmpfloat (mt_trace_get_sampling (trace)->temperature, ==, 0.6);
  g_assert_cmpint (mt_trace_get_usage_completion_tokens (trace), ==, 12);
  g_assert_cmpint (mt_trace_get_created (trace), >, 0);

  /* The streamed tokens, cut to each part. */
  spans = mt_trace_get_reasoning_spans (trace);
  g_assert_cmpint (mt_token_spans_get_source (spans), ==, MT_TOKEN_SOURCE_STREAM);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (spans), ==, 4);
  token = span_text (mt_trace_get_reasoning (trace), spans, 2);
  g_assert_cmpstr (token, ==, " think");
  spans = mt_trace_get_answer_spans (trace);
  g_assert_cmpint (mt_token_spans_get_source (spans), ==, MT_TOKEN_SOURCE_STREAM);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (spans), ==, 4);

  g_assert_true (mt_lab_lookup_trace (fixture->lab, "o1") == trace);

  /* A snapshot when it started, then the finished record. */
  records = read_records (fixture);
  g_assert_cmpuint (records->len, ==, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (records, 0), "\"partial\":true"));
  g_assert_null (strstr (g_ptr_array_index (records, 1), "\"partial\""));

  loaded = load_file (fixture);
  reloaded = mt_lab_lookup_trace (loaded, "o1");
  g_assert_nonnull (reloaded);
  g_assert_cmpstr (mt_trace_get_reasoning (reloaded), ==, "Let me think.");
  g_assert_cmpstr (mt_trace_get_answer (reloaded), ==, "The answer is \\boxed{42}");
  g_assert_cmpint (mt_trace_get_finish_reason (reloaded), ==, MT_FINISH_STOP);
  g_assert_cmpint (mt_token_spans_get_source (mt_trace_get_reasoning_spans (reloaded)), ==,
                   MT_TOKEN_SOURCE_STREAM);
}

/* Arrival times: one per token kept, in order, relative to the request,
 * and no earlier than the server sent them. */
static void
test_times (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(MtRunner) runner = new_runner (fixture, "qwen3");
  g_autoptr(MtProblem) problem = new_problem ();
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(GError) error = NULL;
  MtTokenTimes *times, *reloaded_times;
  guint n_reasoning, n_answer, n_times;
  const double *values;

  /* Twelve events, the last at least 11 intervals after the first; tags
   * and the blank line between the parts are not tokens of the trace. */
  fixture->server->script = oracle_script;
  fixture->server->interval = 15;

  g_assert_true (run_oracle (runner, problem, NULL, NULL, &trace, &error));
  g_assert_no_error (error);

  n_reasoning = mt_trace_get_n_reasoning_tokens (trace);
  n_answer = mt_trace_get_n_answer_tokens (trace);
  g_assert_cmpuint (n_reasoning, ==, 4);
  g_assert_cmpuint (n_answer, ==, 4);

  times = mt_trace_get_token_times (trace);
  g_assert_nonnull (times);
  values = mt_token_times_get_data (times, &n_times);
  g_assert_cmpuint (n_times, ==, n_reasoning + n_answer);
  for (guint i = 0; i < n_times; i++)
    {
      g_test_message ("token %u at %.0f ms", i, values[i]);
      g_assert_cmpfloat (values[i], >=, 0);
      if (i > 0)
        g_assert_cmpfloat (values[i], >=, values[i - 1]);
    }
  /* " \\boxed{42}" is the 12th event: sent 11 intervals after the first. */
  g_assert_cmpfloat (values[n_times - 1], >=, 11 * 15 - 1);
  /* "Let" (the 3rd event) came before the answer's first token ("The", 9th). */
  g_assert_cmpfloat (values[n_reasoning] - values[0], >=, 6 * 15 - 1);

  /* The record keeps them. */
  loaded = load_file (fixture);
  reloaded_times = mt_trace_get_token_times (mt_lab_lookup_trace (loaded, mt_trace_get_id (trace)));
  g_assert_nonnull (reloaded_times);
  g_assert_cmpuint (mt_token_times_get_n_tokens (reloaded_times), ==, n_times);
  for (guint i = 0; i < n_times; i++)
    g_assert_cmpfloat (mt_token_times_get (reloaded_times, i), ==, values[i]);
}

/* ------------------------------------------------------------------------ */
/* Branches                                                                  */
/* ------------------------------------------------------------------------ */

/* An oracle of ten one-word tokens, as if streamed. */
static MtTrace *
new_parent (Fixture    *fixture,
            const char *family_name)
{
  g_autoptr(MtFamily) family = mt_family_new_builtin (family_name);
  g_autoptr(MtProblem) problem = new_problem ();
  g_autoptr(MtTokenSpans) spans = NULL;
  g_autofree char *prompt = NULL;
  const char *reasoning = "one two three four five six seven eight nine ten";
  guint32 starts[10];
  MtTrace *parent = mt_trace_new ("o1");
  guint n = 0;

  for (guint i = 0; reasoning[i] != '\0'; i++)
    if (i == 0 || reasoning[i] == ' ')
      starts[n++] = i;
  g_assert_cmpuint (n, ==, 10);
  spans = mt_token_spans_new (MT_TOKEN_SOURCE_STREAM, starts, n, strlen (reasoning));

  prompt = mt_family_format_prompt (family, mt_interrupt_system_hard,
                                    mt_problem_get_prompt (problem), MT_DOMAIN_MATH, NULL);
  mt_trace_set_problem_id (parent, "p1");
  mt_trace_set_problem (parent, problem);
  mt_trace_set_prompt (parent, prompt);
  mt_trace_set_reasoning (parent, reasoning);
  mt_trace_set_reasoning_spans (parent, spans);
  mt_trace_set_answer (parent, "\\boxed{42}");
  mt_trace_set_finish_reason (parent, MT_FINISH_STOP);

  g_assert_true (mt_lab_add_problem (fixture->lab, problem));
  g_assert_true (mt_lab_add_trace (fixture->lab, parent));
  return parent;
}

static void
continue_script (const FakeRequest *request,
                 FakeReply         *reply,
                 gpointer           user_data)
{
  const char * const *tokens = user_data;

  for (guint i = 0; tokens[i] != NULL; i++)
    g_ptr_array_add (reply->tokens, g_strdup (tokens[i]));
  reply->finish_reason = "stop";
}

static MtRendered *
expected_render (MtTrace         *parent,
                 const char      *family_name,
                 MtInterruptKind  kind,
                 double           fraction,
                 const char      *text)
{
  g_autoptr(MtFamily) family = mt_family_new_builtin (family_name);
  g_autoptr(GError) error = NULL;
  MtRenderInput input = { 0, };
  MtRendered *rendered;

  input.oracle_prompt = mt_trace_get_prompt (parent);
  input.reasoning = mt_trace_get_reasoning (parent);
  input.spans = mt_trace_get_reasoning_spans (parent);
  input.position.kind = MT_POSITION_FRACTION;
  input.position.fraction = fraction;
  rendered = mt_render_interrupt (family, &input, kind, MT_INTERRUPT_ROLE_ASSISTANT, text,
                                  MT_DOMAIN_MATH, &error);
  g_assert_no_error (error);
  return rendered;
}

/* Speedup leaves the thinking open: the continuation is reasoning until
 * the model closes it. */
static void
test_branch_speedup (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *tokens[] = { " more", " thinking", "</think>", "\n\n", "\\boxed{42}", NULL };
  g_autoptr(MtRunner) runner = new_runner (fixture, "qwen3");
  g_autoptr(MtTrace) parent = new_parent (fixture, "qwen3");
  g_autoptr(MtRendered) rendered = expected_render (parent, "qwen3", MT_INTERRUPT_SPEEDUP,
                                                    0.5, NULL);
  g_autoptr(MtBranch) branch = NULL;
  g_autoptr(GError) error = NULL;
  const FakeRequest *request;
  MtInterrupt *interrupt;
  MtTrace *trace;

  fixture->server->script = continue_script;
  fixture->server->script_data = tokens;

  g_assert_true (run_branch (runner, parent, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT,
                             0.5, NULL, &branch, &error));
  g_assert_no_error (error);
  trace = MT_TRACE (branch);

  request = g_ptr_array_index (fixture->server->requests, 0);
  g_assert_cmpstr (request->prompt, ==, rendered->prompt);
  g_assert_true (g_str_has_suffix (request->prompt, mt_interrupt_text_speedup));
  g_assert_true (g_str_has_prefix (request->prompt, mt_trace_get_prompt (parent)));

  g_assert_cmpstr (mt_branch_get_parent_id (branch), ==, "o1");
  g_assert_true (mt_branch_get_parent (branch) == parent);
  g_assert_cmpstr (mt_trace_get_problem_id (trace), ==, "p1");
  g_assert_cmpstr (mt_trace_get_prompt (trace), ==, rendered->prompt);
  interrupt = mt_branch_get_interrupt (branch);
  g_assert_cmpint (mt_interrupt_get_kind (interrupt), ==, MT_INTERRUPT_SPEEDUP);
  g_assert_cmpuint (mt_interrupt_get_token_index (interrupt), ==, 5);
  g_assert_cmpfloat (mt_interrupt_get_fraction (interrupt), ==, 0.5);
  g_assert_cmpstr (mt_interrupt_get_text (interrupt), ==, rendered->injected);

  g_assert_cmpstr (mt_trace_get_reasoning (trace), ==, "more thinking");
  g_assert_cmpstr (mt_trace_get_answer (trace), ==, "\\boxed{42}");
  g_assert_cmpint (mt_trace_get_split_style (trace), ==, MT_THINK_STYLE_MISSING_OPENER);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (mt_trace_get_reasoning_spans (trace)), ==, 2);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (mt_trace_get_answer_spans (trace)), ==, 1);
  g_assert_true (mt_lab_lookup_trace (fixture->lab, mt_trace_get_id (trace)) == trace);
  g_assert_cmpuint (mt_lab_get_n_branches (fixture->lab), ==, 1);
}

/* Hard closes the thinking: what follows is the answer, unless the model
 * opens a new block (reasoning leakage), which is then reasoning again. */
static void
test_branch_hard (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *answer_only[] = { "The", " answer", " is", " 42.", NULL };
  const char *leaking[] = { "<think>", "\n", "Wait", ",", " check", "</think>", "\n\n", "42",
                            NULL };
  g_autoptr(MtRunner) runner = new_runner (fixture, "qwen3");
  g_autoptr(MtTrace) parent = new_parent (fixture, "qwen3");
  g_autoptr(MtBranch) first = NULL;
  g_autoptr(MtBranch) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtRendered) rendered = expected_render (parent, "qwen3", MT_INTERRUPT_HARD, 0.3,
                                                    NULL);
  const FakeRequest *request;

  fixture->server->script = continue_script;
  fixture->server->script_data = answer_only;
  g_assert_true (run_branch (runner, parent, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT,
                             0.3, NULL, &first, &error));
  g_assert_no_error (error);
  request = g_ptr_array_index (fixture->server->requests, 0);
  g_assert_cmpstr (request->prompt, ==, rendered->prompt);
  g_assert_cmpstr (mt_trace_get_reasoning (MT_TRACE (first)), ==, "");
  g_assert_cmpstr (mt_trace_get_answer (MT_TRACE (first)), ==, "The answer is 42.");
  g_assert_cmpuint (mt_token_spans_get_n_tokens (mt_trace_get_answer_spans (MT_TRACE (first))),
                    ==, 4);
  g_assert_cmpuint (mt_interrupt_get_token_index (mt_branch_get_interrupt (first)), ==, 3);

  fixture->server->script_data = leaking;
  g_assert_true (run_branch (runner, parent, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT,
                             0.3, NULL, &second, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (mt_trace_get_reasoning (MT_TRACE (second)), ==, "Wait, check");
  g_assert_cmpstr (mt_trace_get_answer (MT_TRACE (second)), ==, "42");
  g_assert_cmpstr (mt_trace_get_id (MT_TRACE (first)), !=, mt_trace_get_id (MT_TRACE (second)));
}

/* A thinking budget: k given as a token count, and snapped to a sentence. */
static void
test_branch_positions (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(MtRunner) runner = new_runner (fixture, "qwen3");
  g_autoptr(MtTrace) parent = new_parent (fixture, "qwen3");
  g_autoptr(MtBranch) budget = NULL;
  g_autoptr(MtBranch) snapped = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  MtRenderPosition position = { MT_POSITION_TOKEN, 0, 7, FALSE };
  MtInterrupt *interrupt;

  mt_runner_run_branch_async (runner, parent, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT,
                              &position, NULL, NULL, NULL, store_result_cb, &result);
  g_assert_true (mt_runner_run_branch_finish (runner, wait_for (&result), &budget, &error));
  g_assert_no_error (error);
  interrupt = mt_branch_get_interrupt (budget);
  g_assert_cmpuint (mt_interrupt_get_token_index (interrupt), ==, 7);
  g_assert_cmpfloat (mt_interrupt_get_fraction (interrupt), ==, 0.7);
  /* r[:7], then the interrupt. */
  g_assert_nonnull (strstr (mt_trace_get_prompt (MT_TRACE (budget)),
                            "<think>\none two three four five six seven\n\nI received"));
  g_clear_object (&result);

  /* No sentence ends in the parent's reasoning: the snap keeps k. */
  position.kind = MT_POSITION_FRACTION;
  position.fraction = 0.4;
  position.snap_to_sentence = TRUE;
  mt_runner_run_branch_async (runner, parent, MT_INTERRUPT_SPEEDUP,
                              MT_INTERRUPT_ROLE_ASSISTANT, &position, NULL, NULL, NULL,
                              store_result_cb, &result);
  g_assert_true (mt_runner_run_branch_finish (runner, wait_for (&result), &snapped, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mt_interrupt_get_token_index (mt_branch_get_interrupt (snapped)), ==, 4);
}

static void
test_branch_update (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(MtRunner) runner = new_runner (fixture, "qwen3");
  g_autoptr(MtTrace) parent = new_parent (fixture, "qwen3");
  g_autoptr(MtBranch) branch = NULL;
  g_autoptr(GError) error = NULL;
  const FakeRequest *request;
  MtInterrupt *interrupt;

  /* Without the update text nothing is sent. */
  g_assert_false (run_branch (runner, parent, MT_INTERRUPT_GUIDED_UPDATE,
                              MT_INTERRUPT_ROLE_ASSISTANT, 0.5, NULL, &branch, &error));
  g_assert_error (error, MT_RENDER_ERROR, MT_RENDER_ERROR_MISSING_TEXT);
  g_assert_null (branch);
  g_assert_cmpuint (fixture->server->requests->len, ==, 0);
  g_clear_error (&error);

  g_assert_true (run_branch (runner, parent, MT_INTERRUPT_GUIDED_UPDATE,
                             MT_INTERRUPT_ROLE_ASSISTANT, 0.5, "It is 6 times 8.", &branch,
                             &error));
  g_assert_no_error (error);
  request = g_ptr_array_index (fixture->server->requests, 0);
  g_assert_nonnull (strstr (request->prompt, "<update>It is 6 times 8.</update>"));
  interrupt = mt_branch_get_interrupt (branch);
  g_assert_cmpstr (mt_interrupt_get_update (interrupt), ==, "It is 6 times 8.");
  /* Default tokens, all reasoning: the block stays open. */
  g_assert_cmpstr (mt_trace_get_answer (MT_TRACE (branch)), ==, "");
  g_assert_true (g_str_has_prefix (mt_trace_get_reasoning (MT_TRACE (branch)), "s-1t0 s-1t1"));
}

/* ------------------------------------------------------------------------ */
/* Streaming into the lab and the file                                       */
/* ------------------------------------------------------------------------ */

typedef struct
{
  guint  n_deltas;
  guint  n_notifies;
  guint  n_started;
  guint  n_finished;
  GQueue records_seen;  /* the number of records in the file at each delta */
  Fixture *fixture;
} Watch;

static void
watch_delta_cb (MtRunner   *runner,
                MtTrace    *trace,
                guint       kind,
                const char *text,
                Watch      *watch)
{
  g_autoptr(GPtrArray) records = read_records (watch->fixture);

  g_assert_cmpuint (kind, ==, MT_DELTA_CONTENT);
  g_assert_cmpstr (text, !=, "");
  watch->n_deltas++;
  g_queue_push_tail (&watch->records_seen, GUINT_TO_POINTER (records->len));
}

static void
watch_started_cb (MtRunner *runner,
                  MtTrace  *trace,
                  Watch    *watch)
{
  watch->n_started++;
}

static void
watch_finished_cb (MtRunner *runner,
                   MtTrace  *trace,
                   Watch    *watch)
{
  watch->n_finished++;
}

static void
watch_notify_cb (MtTrace    *trace,
                 GParamSpec *pspec,
                 Watch      *watch)
{
  watch->n_notifies++;
}

static void
watch_lab_cb (GListModel *traces,
              guint       position,
              guint       removed,
              guint       added,
              Watch      *watch)
{
  g_autoptr(MtTrace) trace = g_list_model_get_item (traces, position);

  /* In the lab before any text arrived. */
  g_assert_cmpuint (watch->n_deltas, ==, 0);
  g_signal_connect (trace, "notify::reasoning", G_CALLBACK (watch_notify_cb), watch);
}

/* A slow stream is written as it goes, at most a flush interval apart. */
static void
test_flush (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(MtRunner) runner = new_runner (fixture, "deepseek-r1");
  g_autoptr(MtProblem) problem = new_problem ();
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  Watch watch = { 0, };
  MtRunOptions options;
  guint n_partial = 0;

  watch.fixture = fixture;
  g_queue_init (&watch.records_seen);
  fixture->server->interval = 40;
  mt_runner_set_flush_interval (runner, 100);
  g_signal_connect (runner, "delta", G_CALLBACK (watch_delta_cb), &watch);
  g_signal_connect (runner, "started", G_CALLBACK (watch_started_cb), &watch);
  g_signal_connect (runner, "finished", G_CALLBACK (watch_finished_cb), &watch);
  g_signal_connect (mt_lab_get_traces (fixture->lab), "items-changed",
                    G_CALLBACK (watch_lab_cb), &watch);

  mt_run_options_init (&options);
  options.max_tokens = 15;
  g_assert_true (run_oracle (runner, problem, &options, NULL, &trace, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (watch.n_started, ==, 1);
  g_assert_cmpuint (watch.n_finished, ==, 1);
  g_assert_cmpuint (watch.n_deltas, ==, 15);
  /* The trace's text grew during the run, not only at its end. */
  g_assert_cmpuint (watch.n_notifies, >=, 2);
  /* R1's prompt opens the thinking block: all of it is reasoning. */
  g_assert_cmpstr (mt_trace_get_answer (trace), ==, "");
  g_assert_true (g_str_has_prefix (mt_trace_get_reasoning (trace), "s-1t0 s-1t1 "));
  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_LENGTH);

  /* By the last token, snapshots had been written while it streamed. */
  g_assert_cmpuint (GPOINTER_TO_UINT (g_queue_peek_tail (&watch.records_seen)), >=, 2);

  records = read_records (fixture);
  for (guint i = 0; i < records->len; i++)
    {
      const char *record = g_ptr_array_index (records, i);
      gboolean last = i + 1 == records->len;

      g_assert_cmpint (strstr (record, "\"partial\":true") != NULL, ==, !last);
      if (!last)
        {
          g_assert_nonnull (strstr (record, "\"finish_reason\":\"unknown\""));
          n_partial++;
        }
    }
  g_test_message ("%u snapshots for 15 tokens at 40 ms", n_partial);
  g_assert_cmpuint (n_partial, >=, 3);
  g_queue_clear (&watch.records_seen);
}

static void
delta_cancel_cb (MtRunner     *runner,
                 MtTrace      *trace,
                 guint         kind,
                 const char   *text,
                 GCancellable *cancellable)
{
  static guint n_seen;

  if (++n_seen == 3)
    {
      n_seen = 0;
      g_cancellable_cancel (cancellable);
    }
}

static void
hang_script (const FakeRequest *request,
             FakeReply         *reply,
             gpointer           user_data)
{
  fake_reply_add_tokens (reply, "alpha", " beta", " gamma", NULL);
  reply->end = GPOINTER_TO_UINT (user_data);
  reply->status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

/* Cancel keeps what arrived and stops the request at once. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(MtRunner) runner = new_runner (fixture, "deepseek-r1");
  g_autoptr(MtProblem) problem = new_problem ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(GError) error = NULL;
  MtTrace *reloaded;

  fixture->server->script = hang_script;
  fixture->server->script_data = GUINT_TO_POINTER (FAKE_END_HANG);
  g_signal_connect (runner, "delta", G_CALLBACK (delta_cancel_cb), cancellable);

  g_assert_false (run_oracle (runner, problem, NULL, cancellable, &trace, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (trace);
  g_assert_cmpstr (mt_trace_get_reasoning (trace), ==, "alpha beta gamma");
  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_CANCELLED);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (mt_trace_get_reasoning_spans (trace)), ==, 3);

  while (fixture->server->n_aborted == 0)
    g_main_context_iteration (NULL, TRUE);

  /* Kept in the file, and open to a redo under the same id. */
  loaded = load_file (fixture);
  reloaded = mt_lab_lookup_trace (loaded, mt_trace_get_id (trace));
  g_assert_cmpstr (mt_trace_get_reasoning (reloaded), ==, "alpha beta gamma");
  g_assert_cmpint (mt_trace_get_finish_reason (reloaded), ==, MT_FINISH_CANCELLED);
}

/* An error keeps the partial text; the message goes to the split note. */
static void
test_error (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(MtRunner) runner = new_runner (fixture, "deepseek-r1");
  g_autoptr(MtProblem) problem = new_problem ();
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(MtTrace) failed = NULL;
  g_autoptr(MtLab) loaded = NULL;
  g_autoptr(GError) error = NULL;
  const char *note;

  fixture->server->script = hang_script;
  fixture->server->script_data = GUINT_TO_POINTER (FAKE_END_DROP);

  g_assert_false (run_oracle (runner, problem, NULL, NULL, &trace, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_STREAM_DROPPED);
  g_assert_cmpstr (mt_trace_get_reasoning (trace), ==, "alpha beta gamma");
  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_ERROR);
  note = mt_trace_get_split_note (trace);
  g_test_message ("note: %s", note);
  g_assert_true (g_str_has_suffix (note, error->message));
  g_assert_nonnull (strstr (note, "; stopped by an error: "));
  g_clear_error (&error);

  /* No text at all: the trace is still there to say what happened. */
  fixture->server->script_data = GUINT_TO_POINTER (FAKE_END_STATUS);
  g_assert_false (run_oracle (runner, problem, NULL, NULL, &failed, &error));
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_SERVER);
  g_assert_nonnull (failed);
  g_assert_cmpstr (mt_trace_get_reasoning (failed), ==, "");
  g_assert_cmpint (mt_trace_get_finish_reason (failed), ==, MT_FINISH_ERROR);
  g_assert_nonnull (strstr (mt_trace_get_split_note (failed), "stopped by an error: "));

  loaded = load_file (fixture);
  g_assert_cmpint (mt_trace_get_finish_reason (mt_lab_lookup_trace (loaded,
                                                                    mt_trace_get_id (trace))),
                   ==, MT_FINISH_ERROR);
  g_assert_cmpstr (mt_trace_get_split_note (mt_lab_lookup_trace (loaded, mt_trace_get_id (trace))),
                   ==, note);
}

static void
test_id_taken (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(MtRunner) runner = new_runner (fixture, "qwen3");
  g_autoptr(MtProblem) problem = new_problem ();
  g_autoptr(MtTrace) existing = mt_trace_new ("o1");
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(GError) error = NULL;
  MtRunOptions options;

  g_assert_true (mt_lab_add_trace (fixture->lab, existing));
  mt_run_options_init (&options);
  options.id = "o1";
  g_assert_false (run_oracle (runner, problem, &options, NULL, &trace, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_null (trace);
  g_assert_cmpuint (fixture->server->requests->len, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Chat mode                                                                 */
/* ------------------------------------------------------------------------ */

static void
chat_script (const FakeRequest *request,
             FakeReply         *reply,
             gpointer           user_data)
{
  fake_reply_add_tokens (reply, "Six", " sevens", "</think>", "42", NULL);
  reply->split_reasoning = TRUE;
  reply->finish_reason = "stop";
}

static void
test_chat (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(MtRunner) runner = new_runner (fixture, "qwen3");
  g_autoptr(MtProblem) problem = new_problem ();
  g_autoptr(MtFamily) family = mt_family_new_builtin ("qwen3");
  g_autoptr(MtTrace) oracle = NULL;
  g_autoptr(MtBranch) branch = NULL;
  g_autoptr(MtBranch) refused = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *user = mt_family_format_problem (family, MT_DOMAIN_MATH,
                                                    mt_problem_get_prompt (problem));
  const FakeRequest *request;
  MtRendered *rendered;
  MtRenderInput input = { 0, };

  mt_runner_set_mode (runner, MT_COMPLETION_MODE_CHAT);
  fixture->server->script = chat_script;

  g_assert_true (run_oracle (runner, problem, NULL, NULL, &oracle, &error));
  g_assert_no_error (error);
  request = g_ptr_array_index (fixture->server->requests, 0);
  g_assert_cmpstr (request->path, ==, "/v1/chat/completions");
  g_assert_cmpstr (request->system, ==, mt_interrupt_system_hard);
  g_assert_cmpstr (request->user, ==, user);
  g_assert_null (request->prefill);
  g_assert_cmpstr (mt_trace_get_reasoning (oracle), ==, "Six sevens");
  g_assert_cmpstr (mt_trace_get_answer (oracle), ==, "42");
  g_assert_cmpint (mt_trace_get_split_style (oracle), ==, MT_THINK_STYLE_FIELD);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (mt_trace_get_reasoning_spans (oracle)), ==, 2);
  /* Reasoning streamed apart still gets its times, then the answer's. */
  g_assert_nonnull (mt_trace_get_token_times (oracle));
  g_assert_cmpuint (mt_token_times_get_n_tokens (mt_trace_get_token_times (oracle)), ==, 3);

  /* The whole assistant part goes as a prefill to continue. */
  g_assert_true (run_branch (runner, oracle, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT,
                             0.5, NULL, &branch, &error));
  g_assert_no_error (error);
  request = g_ptr_array_index (fixture->server->requests, 1);
  g_assert_cmpstr (request->system, ==, mt_interrupt_system_speedup);
  input.system = NULL;
  input.problem = mt_problem_get_prompt (problem);
  input.reasoning = mt_trace_get_reasoning (oracle);
  input.spans = mt_trace_get_reasoning_spans (oracle);
  input.position.fraction = 0.5;
  rendered = mt_render_interrupt (family, &input, MT_INTERRUPT_SPEEDUP,
                                  MT_INTERRUPT_ROLE_ASSISTANT, NULL, MT_DOMAIN_MATH, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (request->prefill, ==, rendered->prompt + rendered->prompt_end);
  g_assert_cmpstr (mt_trace_get_prompt (MT_TRACE (branch)), ==, rendered->prompt);
  mt_rendered_free (rendered);

  g_assert_false (run_branch (runner, oracle, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_USER,
                              0.5, NULL, &refused, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_null (refused);
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

  ADD ("/runner/oracle", test_oracle);
  ADD ("/runner/times", test_times);
  ADD ("/runner/branch/speedup", test_branch_speedup);
  ADD ("/runner/branch/hard", test_branch_hard);
  ADD ("/runner/branch/update", test_branch_update);
  ADD ("/runner/branch/positions", test_branch_positions);
  ADD ("/runner/stream/flush", test_flush);
  ADD ("/runner/stream/cancel", test_cancel);
  ADD ("/runner/stream/error", test_error);
  ADD ("/runner/id-taken", test_id_taken);
  ADD ("/runner/chat", test_chat);

#undef ADD

  return g_test_run ();
}
