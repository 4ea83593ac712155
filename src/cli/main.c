/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include <glib/gi18n.h>

#include "mt-cli.h"

/* `grade` compares one answer when given --answer/--truth, and re-grades
 * every trace of the given files otherwise. */
static int
run_grade (int    argc,
           char **argv)
{
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--answer") || g_str_has_prefix (argv[i], "--truth"))
      return mt_cli_grade_answer (argc, argv);

  return mt_cli_grade_files (argc, argv);
}

/* One entry per command; each lives in its own mt-cli-*.c. */
static const struct {
  const char *name;
  int       (*run) (int argc, char **argv);
} commands[] = {
  { "grade", run_grade },
  { "import", mt_cli_import },
  { "info", mt_cli_info },
  { "merge", mt_cli_merge },
  { "plot", mt_cli_plot },
  { "stats", mt_cli_stats },
  { "sweep", mt_cli_sweep },
};

static const char *summary =
  "Commands:\n"
  "  grade --answer A --truth T [--grader NAME] [--accept T2]... [--extract]\n"
  "                              grade one answer as the lab does; exit 0 when correct\n"
  "  grade FILE...               re-grade every trace: verdict, extracted answer, truth\n"
  "  info [--json] FILE...       what each file holds: format, counts, skipped lines\n"
  "  import FILE... -o OUT.mtlab [--problems FILE]... [--map NAME=FIELD]...\n"
  "                              read traces and problems into a lab file\n"
  "  merge -o OUT.mtlab LAB...   join lab files (sweep shards): by id, conflicts reported\n"
  "  plot --chart CHART --format png|svg|pdf -o FILE [--trace ID] [--model M]\n"
  "       [--dataset D] [--kind K] [--width W --height H --dpi D] LAB...\n"
  "                              draw accuracy, length, length-ratio, leakage,\n"
  "                              failure-rates, marker-density or timeline\n"
  "  stats [--json|--csv] FILE...\n"
  "                              accuracy, lengths, markers and failure modes per model\n"
  "                              and per interrupt, with interruptibility scores\n"
  "  sweep --server URL... --model NAME --problems FILE -o LAB.mtlab [--traces LAB]\n"
  "        [--positions X,...] [--kinds KIND,...] [--samples N] [--concurrency C]\n"
  "        [--seed S] [--max-tokens N] [--mode completions|chat] [--shard i/n]\n"
  "                              run oracles and interrupts; run again to resume;\n"
  "                              Ctrl+C saves and exits 130\n"
  "\n"
  "Exit status: 0 success, 1 some input was bad (the good part is still used),\n"
  "2 usage error.";

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  /* The core's and the live layer's messages come from this catalogue. */
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* A grader or server that hangs up must give an error, not kill us. */
  signal (SIGPIPE, SIG_IGN);

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    {
      fprintf (argc < 2 ? stderr : stdout,
               "Usage: midthought-cli COMMAND [OPTION...]\n\n%s\n", summary);
      return argc < 2 ? MT_CLI_EXIT_USAGE : MT_CLI_EXIT_OK;
    }

  if (g_str_equal (argv[1], "--version"))
    {
      printf ("midthought-cli %s\n", PACKAGE_VERSION);
      return MT_CLI_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  fprintf (stderr, "midthought-cli: unknown command “%s”\n\n%s\n", argv[1], summary);
  return MT_CLI_EXIT_USAGE;
}
