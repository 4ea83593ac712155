/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-client.h"
#include "mt-core.h"

G_BEGIN_DECLS

#define MT_SWEEP_DEFAULT_CONCURRENCY 4

/**
 * MtSweepProgress:
 * @n_total: items in this sweep (this shard)
 * @n_done: items finished, those of earlier runs included
 * @n_resumed: items an earlier run had finished, skipped in this one
 * @n_failed: items that ended with an error, or whose oracle did
 * @n_running: requests in flight
 * @n_tokens: tokens streamed in this run
 * @tokens_per_second: over this run so far
 * @elapsed: seconds since this run started
 * @eta: seconds until the end at this run's pace; -1 until one item ended
 */
typedef struct
{
  guint   n_total;
  guint   n_done;
  guint   n_resumed;
  guint   n_failed;
  guint   n_running;
  guint64 n_tokens;
  double  tokens_per_second;
  double  elapsed;
  double  eta;
} MtSweepProgress;

#define MT_TYPE_SWEEP (mt_sweep_get_type ())

G_DECLARE_FINAL_TYPE (MtSweep, mt_sweep, MT, SWEEP, GObject)

/* A sweep: problems x samples x positions x kinds, against one or more
 * servers (requests go round-robin over @clients), into one lab file.
 *
 * Without oracles given, it first runs one oracle per problem and sample,
 * then interrupts each at every position with every kind. With oracles
 * given (mt_sweep_set_oracles()), it interrupts those, @samples times each.
 *
 * Every item has a work key, which is the id of its record:
 *   oracle   MODEL:PROBLEM:sS:oracle
 *   branch   MODEL:PROBLEM:sS:KIND@X            (of an oracle run here)
 *   branch   MODEL:PROBLEM:sS:KIND@X:PARENT     (of a given trace)
 * with ':' and '%' in names escaped as %3A and %25. A run into a file that
 * already holds a finished record (stop or length) for a key skips that
 * item; a record cut off, cancelled or failed is done again, under the
 * same id, and the new record replaces it on load. The seed of each
 * request is derived from the sweep's seed and the key's problem, kind, X
 * and sample, so a redone item asks for the same sample. */
MtSweep         *mt_sweep_new              (GPtrArray              *clients,
                                            MtFamily               *family,
                                            const char             *model);
/* MtProblem items; each problem's record is written to the lab file too. */
void             mt_sweep_set_problems     (MtSweep                *self,
                                            GPtrArray              *problems);
/* MtTrace items to interrupt instead of running oracles; NULL to run them. */
void             mt_sweep_set_oracles      (MtSweep                *self,
                                            GPtrArray              *oracles);
void             mt_sweep_set_positions    (MtSweep                *self,
                                            const double           *fractions,
                                            guint                   n_fractions);
void             mt_sweep_set_kinds        (MtSweep                *self,
                                            const MtInterruptKind  *kinds,
                                            guint                   n_kinds);
/* Every @count-th oracle with its interrupts, starting with the @index-th
 * (from 0), so shards never need each other's oracles. */
void             mt_sweep_set_shard        (MtSweep                *self,
                                            guint                   index,
                                            guint                   count);

guint            mt_sweep_get_concurrency  (MtSweep                *self);
void             mt_sweep_set_concurrency  (MtSweep                *self,
                                            guint                   concurrency);
guint            mt_sweep_get_samples      (MtSweep                *self);
void             mt_sweep_set_samples      (MtSweep                *self,
                                            guint                   samples);
gint64           mt_sweep_get_seed         (MtSweep                *self);
void             mt_sweep_set_seed         (MtSweep                *self,
                                            gint64                  seed);
/* The token cap of every request; -1 for the family's preset. */
gint64           mt_sweep_get_max_tokens   (MtSweep                *self);
void             mt_sweep_set_max_tokens   (MtSweep                *self,
                                            gint64                  max_tokens);
MtCompletionMode mt_sweep_get_mode         (MtSweep                *self);
void             mt_sweep_set_mode         (MtSweep                *self,
                                            MtCompletionMode        mode);
/* Whose scenario system prompt the oracles get; by default the first
 * kind's. */
MtInterruptKind  mt_sweep_get_scenario     (MtSweep                *self);
void             mt_sweep_set_scenario     (MtSweep                *self,
                                            MtInterruptKind         scenario);
guint            mt_sweep_get_flush_interval (MtSweep              *self);
void             mt_sweep_set_flush_interval (MtSweep              *self,
                                              guint                 flush_interval);

/* Runs the sweep into the lab file @path, appending to it, and resuming
 * what it holds. Cancelling lets the requests in flight end as cancelled
 * (their text is kept) before the task returns G_IO_ERROR_CANCELLED.
 * Items that fail are counted and listed, and the sweep goes on, unless
 * the error means none can succeed (the server cannot be reached or
 * refuses the key or the model, or the file cannot be written). */
void             mt_sweep_run_async        (MtSweep                *self,
                                            const char             *path,
                                            GCancellable           *cancellable,
                                            GAsyncReadyCallback     callback,
                                            gpointer                user_data);
gboolean         mt_sweep_run_finish       (MtSweep                *self,
                                            GAsyncResult           *result,
                                            GError                **error);

void             mt_sweep_get_progress     (MtSweep                *self,
                                            MtSweepProgress        *progress);
/* Strings: why items were left out of the plan (an update kind for a
 * problem with no update text), one per problem. */
GPtrArray       *mt_sweep_get_skipped      (MtSweep                *self);
/* Strings: "KEY: message" for every item that failed. */
GPtrArray       *mt_sweep_get_failures     (MtSweep                *self);
/* The problems and traces of this run, each added when it starts. */
MtLab           *mt_sweep_get_lab          (MtSweep                *self);

/* The work key of an item; @kind and @fraction are ignored for an oracle
 * (@oracle TRUE), @parent_id is NULL for a branch of an oracle run by the
 * sweep. */
char            *mt_sweep_make_key         (const char             *model,
                                            const char             *problem_id,
                                            guint                   sample,
                                            gboolean                oracle,
                                            MtInterruptKind         kind,
                                            double                  fraction,
                                            const char             *parent_id);
/* The seed for one item: from @seed, the problem, the kind (NULL for an
 * oracle), X and the sample; in 0 .. 2^31 - 1, which every server takes. */
gint64           mt_sweep_derive_seed      (gint64                  seed,
                                            const char             *problem_id,
                                            const char             *kind,
                                            double                  fraction,
                                            guint                   sample);

G_END_DECLS
