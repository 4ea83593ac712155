/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "mt-cli.h"
#include "mt-core.h"
#include "mt-sweep.h"

/* The shell's status for a run stopped by Ctrl+C. */
#define EXIT_INTERRUPTED 130

#define DEFAULT_POSITIONS "0.1,0.3,0.5,0.7,0.9"
#define DEFAULT_KINDS     "hard,force,speedup,update,update-guided"

/* ------------------------------------------------------------------------ */
/* Arguments                                                                 */
/* ------------------------------------------------------------------------ */

static gboolean
parse_positions (const char  *text,
                 GArray      *positions,
                 GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);
      char *end = NULL;
      double fraction = g_ascii_strtod (part, &end);

      if (*part == '\0' || end == NULL || *end != '\0' || !(fraction >= 0 && fraction <= 1))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--positions: “%s” is not a fraction from 0 to 1", part);
          return FALSE;
        }
      g_array_append_val (positions, fraction);
    }

  return TRUE;
}

static gboolean
parse_kinds (const char  *text,
             GArray      *kinds,
             GError     **error)
{
  /* The short names people type; the rest are the lab file's names. */
  static const struct {
    const char      *alias;
    MtInterruptKind  kind;
  } aliases[] = {
    { "force", MT_INTERRUPT_FORCE_ANSWER },
    { "update-guided", MT_INTERRUPT_GUIDED_UPDATE },
    { "guided", MT_INTERRUPT_GUIDED_UPDATE },
  };
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);
      MtInterruptKind kind;
      gboolean found = mt_interrupt_kind_from_string (part, &kind);

      for (guint a = 0; !found && a < G_N_ELEMENTS (aliases); a++)
        if (g_str_equal (part, aliases[a].alias))
          {
            kind = aliases[a].kind;
            found = TRUE;
          }

      if (!found)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--kinds: unknown kind “%s” (hard, force, speedup, update, "
                       "update-guided, update-speedup, budget-wait, no-thinking)", part);
          return FALSE;
        }
      if (kind == MT_INTERRUPT_CUSTOM)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--kinds: a custom interrupt has no text to sweep with");
          return FALSE;
        }
      g_array_append_val (kinds, kind);
    }

  return TRUE;
}

static gboolean
parse_shard (const char  *text,
             guint       *index,
             guint       *count,
             GError     **error)
{
  guint64 i = 0, n = 0;
  char *end = NULL;

  i = g_ascii_strtoull (text, &end, 10);
  if (end != NULL && *end == '/')
    n = g_ascii_strtoull (end + 1, &end, 10);

  if (end == NULL || *end != '\0' || n == 0 || n > G_MAXUINT || i < 1 || i > n)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--shard: expected i/n with 1 ≤ i ≤ n, e.g. 2/4, not “%s”", text);
      return FALSE;
    }

  *index = (guint) i - 1;
  *count = (guint) n;
  return TRUE;
}

static void
print_issues (const MtLoadReport *report)
{
  for (guint i = 0; i < report->issues->len; i++)
    {
      g_autofree char *text = mt_load_issue_to_string (report,
                                                       g_ptr_array_index (report->issues, i));

      fprintf (stderr, "%s\n", text);
    }
}

/* ------------------------------------------------------------------------ */
/* Progress                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
  GCancellable *cancellable;
  const char   *output;
  gboolean      tty;
  gboolean      started;
  gboolean      line_open;   /* a \r line is on screen */
  gint64        last_print;
  gboolean      printed_final;
  gboolean      interrupted;
} SweepRun;

static char *
format_duration (double seconds)
{
  guint64 s;

  if (seconds < 0)
    return g_strdup ("--");

  s = (guint64) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%" G_GUINT64_FORMAT ":%02u:%02u", s / 3600,
                            (guint) (s / 60 % 60), (guint) (s % 60));
  return g_strdup_printf ("%u:%02u", (guint) (s / 60), (guint) (s % 60));
}

static void
sweep_progress_cb (MtSweep  *sweep,
                   SweepRun *run)
{
  MtSweepProgress progress;
  g_autofree char *eta = NULL;
  g_autofree char *failed = NULL;
  g_autofree char *line = NULL;
  gint64 now = g_get_monotonic_time ();
  gboolean finished;

  mt_sweep_get_progress (sweep, &progress);

  if (!run->started)
    {
      run->started = TRUE;
      if (progress.n_resumed > 0)
        fprintf (stderr, "%s: %u of %u items already done; resuming\n", run->output,
                 progress.n_resumed, progress.n_total);
    }

  finished = progress.n_running == 0 &&
             progress.n_done + progress.n_failed >= progress.n_total;

  /* A pipe or a log gets a plain line now and then, not a redraw per token;
   * the last item's end and the run's end say the same, once. */
  if (!run->tty && !finished && now - run->last_print < 5 * G_USEC_PER_SEC &&
      run->last_print != 0)
    return;
  if (finished && run->printed_final)
    return;
  run->printed_final = finished;
  run->last_print = now;

  eta = format_duration (progress.eta);
  if (progress.n_failed > 0)
    failed = g_strdup_printf (" (%u failed)", progress.n_failed);
  line = g_strdup_printf ("%u/%u done%s, %u running, %.0f tokens/s, ETA %s",
                          progress.n_done, progress.n_total, failed != NULL ? failed : "",
                          progress.n_running, progress.tokens_per_second, eta);

  if (run->tty)
    {
      /* Padded, so a shorter line wipes a longer one. */
      fprintf (stderr, "\r%-78s", line);
      run->line_open = TRUE;
    }
  else
    fprintf (stderr, "%s\n", line);
  fflush (stderr);
}

static gboolean
sigint_cb (gpointer user_data)
{
  SweepRun *run = user_data;

  /* A second Ctrl+C does not wait: the file holds every finished record
   * already, and the streams cut show up as cut off. */
  if (run->interrupted)
    exit (EXIT_INTERRUPTED);

  if (run->line_open)
    fprintf (stderr, "\n");
  run->line_open = FALSE;
  fprintf (stderr, "Stopping: the requests in flight are being saved (Ctrl+C again to quit "
                   "at once)…\n");
  run->interrupted = TRUE;
  g_cancellable_cancel (run->cancellable);

  return G_SOURCE_CONTINUE;
}

static void
sweep_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SweepRun *run = user_data;

  run->result = g_object_ref (result);
  g_main_loop_quit (run->loop);
}

/* ------------------------------------------------------------------------ */
/* sweep                                                                     */
/* ------------------------------------------------------------------------ */

/* Problems from @path, in file order. */
static GPtrArray *
load_problems (const char  *path,
               gboolean    *had_issues,
               GError     **error)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  GListModel *problems;
  GPtrArray *result;

  if (!mt_import_file (lab, path, NULL, report, NULL, error))
    return NULL;
  print_issues (report);
  *had_issues |= report->issues->len > 0;

  problems = mt_lab_get_problems (lab);
  result = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (problems); i++)
    g_ptr_array_add (result, g_list_model_get_item (problems, i));

  return result;
}

/* The traces of @path that are not branches: the oracles to interrupt.
 * Problems the file holds are added to @problems when missing there. */
static GPtrArray *
load_oracles (const char  *path,
              GPtrArray   *problems,
              gboolean    *had_issues,
              GError     **error)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = mt_load_report_new (path);
  GListModel *traces, *lab_problems;
  GPtrArray *oracles;

  if (!mt_import_file (lab, path, NULL, report, NULL, error))
    return NULL;
  print_issues (report);
  *had_issues |= report->issues->len > 0;

  lab_problems = mt_lab_get_problems (lab);
  for (guint i = 0; i < g_list_model_get_n_items (lab_problems); i++)
    {
      g_autoptr(MtProblem) problem = g_list_model_get_item (lab_problems, i);
      gboolean known = FALSE;

      for (guint j = 0; j < problems->len && !known; j++)
        known = g_str_equal (mt_problem_get_id (g_ptr_array_index (problems, j)),
                             mt_problem_get_id (problem));
      if (!known)
        g_ptr_array_add (problems, g_object_ref (problem));
    }

  oracles = g_ptr_array_new_with_free_func (g_object_unref);
  traces = mt_lab_get_traces (lab);
  for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);

      if (MT_IS_BRANCH (trace))
        continue;

      /* Problems given with --problems win over the file's own. */
      for (guint j = 0; j < problems->len; j++)
        {
          MtProblem *problem = g_ptr_array_index (problems, j);

          if (g_strcmp0 (mt_problem_get_id (problem), mt_trace_get_problem_id (trace)) == 0)
            {
              mt_trace_set_problem (trace, problem);
              break;
            }
        }
      g_ptr_array_add (oracles, g_steal_pointer (&trace));
    }

  return oracles;
}

/* One client per server; the certificate check is off only for servers the
 * user named with --insecure-server. */
static gboolean
add_client (GPtrArray   *clients,
            const char  *url,
            gboolean     verify_tls,
            int          timeout,
            int          max_duration,
            const char  *api_key,
            GError     **error)
{
  g_autoptr(MtEndpoint) endpoint = mt_endpoint_new (url, error);
  MtClient *client;

  if (endpoint == NULL)
    return FALSE;

  mt_endpoint_set_verify_tls (endpoint, verify_tls);
  client = mt_client_new (endpoint);
  mt_client_set_timeout (client, (guint) timeout);
  mt_client_set_max_duration (client, (guint) max_duration);
  if (api_key != NULL && *api_key != '\0')
    mt_client_set_api_key (client, api_key);
  g_ptr_array_add (clients, client);
  return TRUE;
}

int
mt_cli_sweep (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) servers = NULL;
  g_auto(GStrv) insecure_servers = NULL;
  g_autofree char *model = NULL;
  g_autofree char *family_name = NULL;
  g_autofree char *problems_path = NULL;
  g_autofree char *traces_path = NULL;
  g_autofree char *positions_text = NULL;
  g_autofree char *kinds_text = NULL;
  g_autofree char *mode_text = NULL;
  g_autofree char *shard_text = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) kinds = g_array_new (FALSE, FALSE, sizeof (MtInterruptKind));
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) oracles = NULL;
  g_autoptr(MtFamily) family = NULL;
  g_autoptr(MtSweep) sweep = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  const char *api_key = g_getenv ("MIDTHOUGHT_API_KEY");
  gint64 seed = 0, max_tokens = -1;
  int timeout = MT_CLIENT_DEFAULT_TIMEOUT, max_duration = 0;
  int samples = 1, concurrency = MT_SWEEP_DEFAULT_CONCURRENCY;
  guint shard_index = 0, shard_count = 1;
  gboolean had_issues = FALSE;
  MtCompletionMode mode = MT_COMPLETION_MODE_COMPLETIONS;
  MtSweepProgress progress;
  SweepRun run = { 0, };
  guint sigint_id;
  gboolean ok;
  GPtrArray *notes;
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING_ARRAY, &servers,
      "An OpenAI-compatible server (repeatable: requests go round-robin)", "URL" },
    { "insecure-server", 0, 0, G_OPTION_ARG_STRING_ARRAY, &insecure_servers,
      "A server as --server whose TLS certificate is not checked (self-signed); "
      "certificates of --server URLs always are", "URL" },
    { "model", 0, 0, G_OPTION_ARG_STRING, &model, "The model, as the servers name it", "NAME" },
    { "family", 0, 0, G_OPTION_ARG_STRING, &family_name,
      "The model family (default: detected from the model's name)", "F" },
    { "problems", 0, 0, G_OPTION_ARG_FILENAME, &problems_path, "The problems to run", "FILE" },
    { "traces", 0, 0, G_OPTION_ARG_FILENAME, &traces_path,
      "Interrupt the traces (not the branches) of LAB instead of running oracles", "LAB" },
    { "positions", 0, 0, G_OPTION_ARG_STRING, &positions_text,
      "Where to interrupt, as fractions X of the reasoning (default " DEFAULT_POSITIONS ")",
      "X,..." },
    { "kinds", 0, 0, G_OPTION_ARG_STRING, &kinds_text,
      "Interrupt kinds (default " DEFAULT_KINDS ")", "KIND,..." },
    { "samples", 0, 0, G_OPTION_ARG_INT, &samples,
      "Oracles per problem, or interrupts per trace with --traces (default 1)", "N" },
    { "concurrency", 0, 0, G_OPTION_ARG_INT, &concurrency,
      "Requests in flight at once (default 4)", "C" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      "The seed every request's own seed is derived from (default 0)", "S" },
    { "max-tokens", 0, 0, G_OPTION_ARG_INT64, &max_tokens,
      "The token cap of every request (default: the family's)", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      "Give up on a server that sends nothing for this long (default 600)", "SECONDS" },
    { "max-duration", 0, 0, G_OPTION_ARG_INT, &max_duration,
      "Stop any one request after this long, keeping its text (default: no limit)",
      "SECONDS" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode_text,
      "completions (a raw prompt, the paper's method; the default) or chat", "MODE" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &shard_text,
      "Run only the i-th of n shards: every n-th oracle with its interrupts", "i/n" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "The lab file to write; an existing one is resumed", "LAB.mtlab" },
    { NULL }
  };

  context = g_option_context_new ("— run oracles and interrupts against servers into a lab");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "The API key, if the servers need one, is read from MIDTHOUGHT_API_KEY and never "
    "written anywhere.\nRunning the same command again resumes: finished items are not "
    "redone.\nCtrl+C stops, keeping what finished (exit status 130).");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return mt_cli_usage_error (context, error->message);
  if (argc > 1)
    return mt_cli_usage_error (context, "sweep takes no file arguments; see --problems");
  if (servers == NULL && insecure_servers == NULL)
    return mt_cli_usage_error (context, "sweep needs a server: --server URL");
  if (model == NULL)
    return mt_cli_usage_error (context, "sweep needs the model's name: --model NAME");
  if (problems_path == NULL && traces_path == NULL)
    return mt_cli_usage_error (context, "sweep needs problems: --problems FILE");
  if (output == NULL)
    return mt_cli_usage_error (context, "sweep needs an output file: -o LAB.mtlab");
  if (samples < 1 || concurrency < 1 || concurrency > G_MAXUINT16)
    return mt_cli_usage_error (context, "--samples and --concurrency must be at least 1");
  if (max_tokens < -1)
    return mt_cli_usage_error (context, "--max-tokens must not be negative");
  if (timeout < 1)
    return mt_cli_usage_error (context, "--timeout must be at least 1 second");
  if (max_duration < 0)
    return mt_cli_usage_error (context, "--max-duration must not be negative");
  if (!parse_positions (positions_text ? positions_text : DEFAULT_POSITIONS, positions, &error) ||
      !parse_kinds (kinds_text ? kinds_text : DEFAULT_KINDS, kinds, &error) ||
      (shard_text != NULL && !parse_shard (shard_text, &shard_index, &shard_count, &error)))
    return mt_cli_usage_error (context, error->message);
  if (positions->len == 0 || kinds->len == 0)
    return mt_cli_usage_error (context, "--positions and --kinds must not be empty");

  if (mode_text == NULL || g_str_equal (mode_text, "completions"))
    mode = MT_COMPLETION_MODE_COMPLETIONS;
  else if (g_str_equal (mode_text, "chat"))
    mode = MT_COMPLETION_MODE_CHAT;
  else
    return mt_cli_usage_error (context, "--mode is completions or chat");

  if (family_name != NULL)
    {
      family = mt_family_lookup (family_name);
      if (family == NULL)
        {
          g_autofree char *names = g_strjoinv (", ", (char **) mt_family_get_builtin_names ());
          g_autofree char *message = g_strdup_printf ("unknown family “%s” (built in: %s)",
                                                      family_name, names);

          return mt_cli_usage_error (context, message);
        }
    }
  else
    family = mt_family_detect (model);

  for (guint i = 0; servers != NULL && servers[i] != NULL; i++)
    if (!add_client (clients, servers[i], TRUE, timeout, max_duration, api_key, &error))
      return mt_cli_usage_error (context, error->message);
  for (guint i = 0; insecure_servers != NULL && insecure_servers[i] != NULL; i++)
    if (!add_client (clients, insecure_servers[i], FALSE, timeout, max_duration, api_key, &error))
      return mt_cli_usage_error (context, error->message);

  if (problems_path != NULL)
    problems = load_problems (problems_path, &had_issues, &error);
  else
    problems = g_ptr_array_new_with_free_func (g_object_unref);
  if (problems == NULL)
    {
      fprintf (stderr, "midthought-cli: %s\n", error->message);
      return MT_CLI_EXIT_BAD_INPUT;
    }
  if (traces_path != NULL)
    {
      oracles = load_oracles (traces_path, problems, &had_issues, &error);
      if (oracles == NULL)
        {
          fprintf (stderr, "midthought-cli: %s\n", error->message);
          return MT_CLI_EXIT_BAD_INPUT;
        }
    }
  if (problems->len == 0 && (oracles == NULL || oracles->len == 0))
    {
      fprintf (stderr, "midthought-cli: no problems to run in “%s”\n",
               problems_path != NULL ? problems_path : traces_path);
      return MT_CLI_EXIT_BAD_INPUT;
    }

  sweep = mt_sweep_new (clients, family, model);
  mt_sweep_set_problems (sweep, problems);
  mt_sweep_set_oracles (sweep, oracles);
  mt_sweep_set_positions (sweep, (const double *) (gpointer) positions->data, positions->len);
  mt_sweep_set_kinds (sweep, (const MtInterruptKind *) (gpointer) kinds->data, kinds->len);
  mt_sweep_set_samples (sweep, samples);
  mt_sweep_set_concurrency (sweep, concurrency);
  mt_sweep_set_seed (sweep, seed);
  mt_sweep_set_max_tokens (sweep, max_tokens);
  mt_sweep_set_mode (sweep, mode);
  mt_sweep_set_shard (sweep, shard_index, shard_count);

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.cancellable = cancellable;
  run.output = output;
  run.tty = isatty (STDERR_FILENO);
  g_signal_connect (sweep, "progress", G_CALLBACK (sweep_progress_cb), &run);
  sigint_id = g_unix_signal_add (SIGINT, sigint_cb, &run);

  mt_sweep_run_async (sweep, output, cancellable, sweep_done_cb, &run);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);

  ok = mt_sweep_run_finish (sweep, run.result, &error);
  g_clear_object (&run.result);
  if (run.line_open)
    fprintf (stderr, "\n");

  notes = mt_sweep_get_skipped (sweep);
  for (guint i = 0; i < notes->len; i++)
    fprintf (stderr, "%s\n", (char *) g_ptr_array_index (notes, i));
  notes = mt_sweep_get_failures (sweep);
  for (guint i = 0; i < notes->len; i++)
    fprintf (stderr, "failed: %s\n", (char *) g_ptr_array_index (notes, i));

  mt_sweep_get_progress (sweep, &progress);
  printf ("%s: %u of %u items done (%u already done), %u failed\n", output,
          progress.n_done, progress.n_total, progress.n_resumed, progress.n_failed);

  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      fprintf (stderr, "Stopped. What finished is saved; run the same command again to "
                       "resume.\n");
      return EXIT_INTERRUPTED;
    }
  if (!ok)
    {
      fprintf (stderr, "midthought-cli: %s\n", error->message);
      return MT_CLI_EXIT_BAD_INPUT;
    }

  return progress.n_failed > 0 || had_issues ? MT_CLI_EXIT_BAD_INPUT : MT_CLI_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* merge                                                                     */
/* ------------------------------------------------------------------------ */

static gboolean
is_finished (MtTrace *trace)
{
  MtFinishReason finish = mt_trace_get_finish_reason (trace);

  return finish == MT_FINISH_STOP || finish == MT_FINISH_LENGTH;
}

/* The same work: what was sent and what came back. When it was made does
 * not matter. */
static gboolean
same_trace (MtTrace *a,
            MtTrace *b)
{
  return G_OBJECT_TYPE (a) == G_OBJECT_TYPE (b) &&
         g_strcmp0 (mt_trace_get_prompt (a), mt_trace_get_prompt (b)) == 0 &&
         g_strcmp0 (mt_trace_get_reasoning (a), mt_trace_get_reasoning (b)) == 0 &&
         g_strcmp0 (mt_trace_get_answer (a), mt_trace_get_answer (b)) == 0 &&
         mt_trace_get_finish_reason (a) == mt_trace_get_finish_reason (b);
}

int
mt_cli_merge (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autoptr(MtLab) merged = mt_lab_new ();
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) traces = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) problem_index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) trace_index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) origins = g_hash_table_new (NULL, NULL);
  guint n_conflicts = 0;
  int status = MT_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The lab file to write", "OUT.mtlab" },
    { NULL }
  };

  context = g_option_context_new ("LAB... — join lab files, such as the shards of a sweep");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Problems and traces are joined by id. A finished trace wins over a cancelled or failed "
    "one with its id; two different finished traces with one id are a conflict: the first "
    "is kept and the conflict reported.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return mt_cli_usage_error (context, error->message);
  if (output == NULL)
    return mt_cli_usage_error (context, "merge needs an output file: -o OUT.mtlab");
  if (argc < 2)
    return mt_cli_usage_error (context, "merge needs at least one LAB");

  for (int f = 1; f < argc; f++)
    {
      g_autoptr(MtLab) lab = mt_lab_new ();
      g_autoptr(MtLoadReport) report = mt_load_report_new (argv[f]);
      GListModel *list;

      if (!mt_lab_file_load (lab, argv[f], report, NULL, &error))
        {
          fprintf (stderr, "midthought-cli: %s\n", error->message);
          return MT_CLI_EXIT_BAD_INPUT;
        }
      print_issues (report);
      if (report->issues->len > 0)
        status = MT_CLI_EXIT_BAD_INPUT;

      list = mt_lab_get_problems (lab);
      for (guint i = 0; i < g_list_model_get_n_items (list); i++)
        {
          g_autoptr(MtProblem) problem = g_list_model_get_item (list, i);
          const char *id = mt_problem_get_id (problem);
          gpointer found;

          if (!g_hash_table_lookup_extended (problem_index, id, NULL, &found))
            {
              g_hash_table_insert (problem_index, (char *) id, GUINT_TO_POINTER (problems->len));
              g_hash_table_insert (origins, problem, argv[f]);
              g_ptr_array_add (problems, g_steal_pointer (&problem));
            }
          else
            {
              MtProblem *kept = g_ptr_array_index (problems, GPOINTER_TO_UINT (found));
              g_autofree char *a = mt_lab_file_serialize_problem (kept);
              g_autofree char *b = mt_lab_file_serialize_problem (problem);

              if (!g_str_equal (a, b))
                {
                  fprintf (stderr, "conflict: problem “%s” differs in %s and %s; kept the "
                           "first\n", id, (char *) g_hash_table_lookup (origins, kept), argv[f]);
                  n_conflicts++;
                }
            }
        }

      list = mt_lab_get_traces (lab);
      for (guint i = 0; i < g_list_model_get_n_items (list); i++)
        {
          g_autoptr(MtTrace) trace = g_list_model_get_item (list, i);
          const char *id = mt_trace_get_id (trace);
          gpointer found;
          MtTrace *kept;

          if (!g_hash_table_lookup_extended (trace_index, id, NULL, &found))
            {
              g_hash_table_insert (trace_index, (char *) id, GUINT_TO_POINTER (traces->len));
              g_hash_table_insert (origins, trace, argv[f]);
              g_ptr_array_add (traces, g_steal_pointer (&trace));
              continue;
            }

          kept = g_ptr_array_index (traces, GPOINTER_TO_UINT (found));
          if (!is_finished (kept) && is_finished (trace) &&
              G_OBJECT_TYPE (kept) == G_OBJECT_TYPE (trace))
            {
              MtTrace *replacement = g_steal_pointer (&trace);

              /* Redone in another shard: the finished one takes the place.
               * The key changes too, before the old id is freed. */
              g_hash_table_replace (trace_index, (char *) mt_trace_get_id (replacement), found);
              g_hash_table_remove (origins, kept);
              g_hash_table_insert (origins, replacement, argv[f]);
              traces->pdata[GPOINTER_TO_UINT (found)] = replacement;
              g_object_unref (kept);
            }
          else if (is_finished (trace) && !same_trace (kept, trace))
            {
              fprintf (stderr, "conflict: trace “%s” differs in %s and %s; kept the first\n",
                       id, (char *) g_hash_table_lookup (origins, kept), argv[f]);
              n_conflicts++;
            }
        }
    }

  mt_lab_add_all (merged, problems, traces, NULL);
  mt_lab_link (merged);

  if (!mt_lab_file_save (merged, output, NULL, &error))
    {
      fprintf (stderr, "midthought-cli: %s\n", error->message);
      return MT_CLI_EXIT_BAD_INPUT;
    }

  printf ("%s: %u problems, %u traces, %u branches from %d files; %u conflicts\n", output,
          problems->len, traces->len - mt_lab_get_n_branches (merged),
          mt_lab_get_n_branches (merged), argc - 1, n_conflicts);

  return n_conflicts > 0 ? MT_CLI_EXIT_BAD_INPUT : status;
}
