/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: replaced by the lab file reader and writer. */
#include "config.h"

#include "mt-lab-file.h"

struct _MtLabWriter { GObject parent_instance; };
G_DEFINE_FINAL_TYPE (MtLabWriter, mt_lab_writer, G_TYPE_OBJECT)
static void mt_lab_writer_class_init (MtLabWriterClass *klass) { }
static void mt_lab_writer_init (MtLabWriter *self) { }

gboolean mt_lab_file_load (MtLab *lab, const char *path, MtLoadReport *report, GCancellable *cancellable, GError **error) { g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO, "not implemented"); return FALSE; }
gboolean mt_lab_file_save (MtLab *lab, const char *path, GCancellable *cancellable, GError **error) { g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO, "not implemented"); return FALSE; }
char *mt_lab_file_serialize_problem (MtProblem *problem) { return NULL; }
char *mt_lab_file_serialize_trace (MtTrace *trace) { return NULL; }
MtLabWriter *mt_lab_writer_open (const char *path, GError **error) { g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO, "not implemented"); return NULL; }
gboolean mt_lab_writer_append_problem (MtLabWriter *self, MtProblem *problem, GError **error) { return FALSE; }
gboolean mt_lab_writer_append_trace (MtLabWriter *self, MtTrace *trace, GError **error) { return FALSE; }
gboolean mt_lab_writer_close (MtLabWriter *self, GError **error) { return FALSE; }
