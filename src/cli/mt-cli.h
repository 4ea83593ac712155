/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-lab.h"

G_BEGIN_DECLS

/* Exit statuses of every command, as `midthought-cli --help` documents. */
enum {
  MT_CLI_EXIT_OK = 0,
  MT_CLI_EXIT_BAD_INPUT = 1,
  MT_CLI_EXIT_USAGE = 2,
};

/* Prints @message and the command's help to stderr; returns MT_CLI_EXIT_USAGE. */
int mt_cli_usage_error (GOptionContext *context,
                        const char     *message);

/* Reads every file into one lab, so traces find problems given in other
 * files, and links it; problems go to stderr. Returns the exit status so
 * far: MT_CLI_EXIT_BAD_INPUT when any file failed or had issues. */
int mt_cli_load_files   (MtLab          *lab,
                         char          **files,
                         int             n_files);

/* Commands: each gets its own argv with the command name as argv[0]. */
int mt_cli_grade_answer (int             argc,
                         char          **argv);
/* `grade FILE...`: every trace graded again, one verdict per line. */
int mt_cli_grade_files  (int             argc,
                         char          **argv);
int mt_cli_import       (int             argc,
                         char          **argv);
int mt_cli_info         (int             argc,
                         char          **argv);
int mt_cli_merge        (int             argc,
                         char          **argv);
int mt_cli_plot         (int             argc,
                         char          **argv);
int mt_cli_stats        (int             argc,
                         char          **argv);
int mt_cli_sweep        (int             argc,
                         char          **argv);

G_END_DECLS
