/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-core.h"

G_BEGIN_DECLS

/* One file that could not be used at all. */
typedef struct
{
  GFile  *file;
  GError *error;
} MtLoadFailure;

/* What loading a set of files into one fresh lab gave. */
typedef struct
{
  MtLab     *lab;       /* NULL when no file could be used */
  GPtrArray *reports;   /* of MtLoadReport, one per file that loaded */
  GPtrArray *failures;  /* of MtLoadFailure, in the order given */
} MtLabLoad;

void       mt_lab_load_free             (MtLabLoad            *load);
/* Imports every one of @files into a new MtLab in a worker thread. The lab
 * is only handed to the caller once the worker is done with it, so it is
 * safe to use on the main thread from @callback on. */
void       mt_lab_load_async            (GFile               **files,
                                         guint                 n_files,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
/* Fails only when cancelled; files that could not be read are listed in
 * the result's failures. */
MtLabLoad *mt_lab_load_finish           (GAsyncResult         *result,
                                         GError              **error);
/* "Could not open “x”: reason" */
char      *mt_load_failure_describe     (const MtLoadFailure  *failure);
/* "Loaded N traces; M lines skipped (first: line 12: …)", or NULL when
 * nothing was skipped. */
char      *mt_lab_load_describe_skipped (const MtLabLoad      *load);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtLabLoad, mt_lab_load_free)

G_END_DECLS
