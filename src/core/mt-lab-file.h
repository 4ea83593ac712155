/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-format.h"
#include "mt-lab.h"

G_BEGIN_DECLS

/* The lab file (.mtlab): JSON Lines. Line 1 is the header
 * {"midthought":"lab","version":N,...}; every other line is one record:
 * {"type":"problem",...}, {"type":"trace",...} or {"type":"branch",...}. */
#define MT_LAB_FILE_VERSION 1

/* Partial records. A trace that is still streaming is appended again and
 * again as it grows, each time as a whole record with "partial": true and
 * finish reason "unknown"; the finished record has no flag. Runs stopped
 * by a cancel or an error ("cancelled", "error") are written partial too,
 * since a resumed sweep may redo them. On load a record replaces an
 * earlier partial one with the same id and type (the last one wins, in the
 * place of the first); a record that repeats the id of a record without
 * the flag is a duplicate, as always. A snapshot that nothing replaced
 * (the writer was killed mid-stream) loads with finish reason "cancelled"
 * and this note added to its split note. Save As writes one record per id. */
#define MT_LAB_FILE_CUT_OFF_NOTE \
  "cut off: the run stopped while this was streaming; the text is what had arrived"

/* Reads @path into @lab. Bad records (and a torn last line) are reported in
 * @report and skipped; everything good is loaded. Returns FALSE with @error
 * only when the file as a whole cannot be used: unreadable, not a lab file,
 * or written by a newer version (MT_FORMAT_ERROR_NEWER_VERSION). */
gboolean     mt_lab_file_load            (MtLab         *lab,
                                          const char    *path,
                                          MtLoadReport  *report,
                                          GCancellable  *cancellable,
                                          GError       **error);

/* Writes every problem and trace of @lab to @path as a compact copy:
 * written to a temporary file beside it, synced, then renamed over @path;
 * an existing @path is kept as "@path~". On failure @path is untouched. */
gboolean     mt_lab_file_save            (MtLab         *lab,
                                          const char    *path,
                                          GCancellable  *cancellable,
                                          GError       **error);

/* The same save, off the calling thread: the problems and traces @lab
 * holds now are taken at once (a reference to each, cheap even for a big
 * lab) and written, synced and renamed into place in a worker thread, so
 * @lab may change meanwhile. The records must not change while they are
 * written: leave out traces still streaming. @callback runs in the thread
 * default main context of the caller. */
void         mt_lab_file_save_async      (MtLab               *lab,
                                          const char          *path,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     mt_lab_file_save_finish     (MtLab               *lab,
                                          GAsyncResult        *result,
                                          GError             **error);

/* One record as a single JSON line (no newline). */
char        *mt_lab_file_serialize_problem (MtProblem   *problem);
char        *mt_lab_file_serialize_trace   (MtTrace     *trace);

#define MT_TYPE_LAB_WRITER (mt_lab_writer_get_type ())

G_DECLARE_FINAL_TYPE (MtLabWriter, mt_lab_writer, MT, LAB_WRITER, GObject)

/* Opens @path for appending, writing the header when the file is new or
 * empty. An existing file must be a lab file of a version this build can
 * write; otherwise it is refused and left untouched. */
MtLabWriter *mt_lab_writer_open           (const char    *path,
                                           GError       **error);
/* Each append writes one whole line and flushes it to the kernel before
 * returning, so a crash loses no finished record. */
gboolean     mt_lab_writer_append_problem (MtLabWriter   *self,
                                           MtProblem     *problem,
                                           GError       **error);
gboolean     mt_lab_writer_append_trace   (MtLabWriter   *self,
                                           MtTrace       *trace,
                                           GError       **error);
/* Appends @trace as a partial record: a snapshot of a stream that is still
 * running, to be replaced by a later append of the same trace. */
gboolean     mt_lab_writer_append_partial (MtLabWriter   *self,
                                           MtTrace       *trace,
                                           GError       **error);
gboolean     mt_lab_writer_close          (MtLabWriter   *self,
                                           GError       **error);

G_END_DECLS
