/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-format.h"
#include "mt-lab.h"

G_BEGIN_DECLS

/* A hand-written field map: canonical name -> the field that holds it in
 * the user's file, e.g. "reasoning" -> "thinking". Canonical names are
 * id, problem, answer, truth, reasoning, completion, model. */
typedef struct _MtFieldMap MtFieldMap;

MtFieldMap   *mt_field_map_new        (void);
void          mt_field_map_free       (MtFieldMap    *map);
/* Parses "canonical=field"; FALSE with @error for an unknown canonical name
 * or a malformed pair. */
gboolean      mt_field_map_add        (MtFieldMap    *map,
                                       const char    *pair,
                                       GError       **error);
const char   *mt_field_map_lookup     (const MtFieldMap *map,
                                       const char    *canonical);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtFieldMap, mt_field_map_free)

/* Reads @path, detects its format (lab file, the paper's output, generic
 * traces, chat-completion responses, problem sets) and adds what it holds
 * to @lab (which may be NULL to only count and validate, as `info` does).
 * Bad records are reported in @report and skipped. Returns FALSE with
 * @error only when the file as a whole cannot be used. */
gboolean      mt_import_file          (MtLab         *lab,
                                       const char    *path,
                                       const MtFieldMap *map,
                                       MtLoadReport  *report,
                                       GCancellable  *cancellable,
                                       GError       **error);

/* A batch of what mt_import_file_batched() read, in file order: new
 * MtProblem and new MtTrace (and MtBranch). The arrays are the callee's to
 * keep (take a reference) and are freed after the call. */
typedef void (*MtImportBatchFunc) (GPtrArray *problems,
                                   GPtrArray *traces,
                                   gpointer   user_data);

/* As mt_import_file() into a fresh, empty lab, but instead of adding to a
 * lab hands what it reads to @func in batches of about @batch_size traces,
 * in file order, on the calling thread (a worker's, so that the caller can
 * forward them to a lab on the main thread). Adding every batch with
 * mt_lab_add_all() and then calling mt_lab_link() gives the lab that
 * mt_import_file() gives. @report and errors are the same too; when it
 * returns FALSE, batches already handed out may have to be dropped. */
gboolean      mt_import_file_batched  (const char    *path,
                                       const MtFieldMap *map,
                                       guint          batch_size,
                                       MtImportBatchFunc func,
                                       gpointer       user_data,
                                       MtLoadReport  *report,
                                       GCancellable  *cancellable,
                                       GError       **error);

G_END_DECLS
