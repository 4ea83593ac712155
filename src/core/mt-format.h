/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MT_FORMAT_ERROR (mt_format_error_quark ())

typedef enum
{
  MT_FORMAT_ERROR_IO,             /* cannot be read: missing, a directory, no permission */
  MT_FORMAT_ERROR_SYNTAX,         /* malformed JSON */
  MT_FORMAT_ERROR_ENCODING,       /* not UTF-8 */
  MT_FORMAT_ERROR_TYPE,           /* a field holds the wrong type */
  MT_FORMAT_ERROR_MISSING,        /* a required field is absent */
  MT_FORMAT_ERROR_UNKNOWN_FORMAT, /* no importer recognises the file */
  MT_FORMAT_ERROR_NEWER_VERSION,  /* a lab file from a newer Midthought */
  MT_FORMAT_ERROR_TORN,           /* the last line was cut short */
  MT_FORMAT_ERROR_EMPTY,          /* nothing in the file */
  MT_FORMAT_ERROR_DUPLICATE,      /* an id already in the lab */
  MT_FORMAT_ERROR_WRITE,          /* writing failed: disk full, read-only, ... */
} MtFormatError;

GQuark mt_format_error_quark (void);

/* One problem found while loading, located in its file. Line and column
 * count from 1; 0 means unknown (an error about the whole file). */
typedef struct
{
  guint          line;
  guint          column;
  MtFormatError  code;
  char          *message;
} MtLoadIssue;

/* What loading one file did: what it was, what came in, what was skipped
 * and why. Shown by `midthought-cli info` and by the window's toasts. */
typedef struct
{
  char      *path;
  char      *format;      /* "traces", "paper", "chat-completion", "problems/gsm8k", "lab", ... */
  guint      n_problems;
  guint      n_traces;    /* branches not included */
  guint      n_branches;
  guint      n_skipped;   /* records (lines) not loaded */
  GPtrArray *issues;      /* of MtLoadIssue, in file order */
} MtLoadReport;

MtLoadReport *mt_load_report_new        (const char    *path);
void          mt_load_report_free       (MtLoadReport  *report);
void          mt_load_report_add_issue  (MtLoadReport  *report,
                                         guint          line,
                                         guint          column,
                                         MtFormatError  code,
                                         const char    *format,
                                         ...) G_GNUC_PRINTF (5, 6);
/* "FILE:LINE:COLUMN: MESSAGE" for one issue. */
char         *mt_load_issue_to_string   (const MtLoadReport *report,
                                         const MtLoadIssue  *issue);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtLoadReport, mt_load_report_free)

G_END_DECLS
