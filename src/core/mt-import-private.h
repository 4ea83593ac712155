/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* For tests and the fuzz target only: counting a JSON Lines file of at
 * least @bytes (16 MiB unless set) splits it across two threads, so the
 * split and the merge of the halves can be reached with small inputs.
 * Not thread-safe: set it before importing. */
void _mt_import_set_parallel_count_threshold (gsize bytes);

G_END_DECLS
