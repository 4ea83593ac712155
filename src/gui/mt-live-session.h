/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-core.h"
#include "mt-runner.h"
#include "mt-sweep.h"

G_BEGIN_DECLS

/**
 * MtServerConfig:
 * @name: what the user calls the server
 * @url: the base URL, e.g. "http://127.0.0.1:8080/v1"
 * @model: the model name as the server knows it
 * @mode: completions (a raw prompt from the family's template) or chat
 * @family: (nullable): the model family's name; %NULL to detect it from
 *   @model
 * @max_tokens: the token cap of every request; -1 for the family's
 *
 * One saved server. The API key is not part of it: it lives in the
 * keyring (mt-secrets.h).
 */
typedef struct
{
  char             *name;
  char             *url;
  char             *model;
  MtCompletionMode  mode;
  char             *family;
  gint64            max_tokens;
} MtServerConfig;

#define MT_TYPE_SERVER_CONFIG (mt_server_config_get_type ())

GType           mt_server_config_get_type  (void) G_GNUC_CONST;
MtServerConfig *mt_server_config_new       (void);
MtServerConfig *mt_server_config_copy      (const MtServerConfig  *self);
void            mt_server_config_free      (MtServerConfig        *self);
/* The GSettings "servers" form: "name|url|model|mode|family|max_tokens";
 * the last two fields may be missing (older entries). */
MtServerConfig *mt_server_config_parse     (const char            *entry,
                                            GError               **error);
/* FALSE with @error when a field cannot be stored (empty, or holding a
 * "|"). */
char           *mt_server_config_to_string (const MtServerConfig  *self,
                                            GError               **error);
/* The saved servers that parse, in order; the bad ones are logged. */
GPtrArray      *mt_server_config_load_all  (GSettings             *settings);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtServerConfig, mt_server_config_free)

#define MT_TYPE_LIVE_SESSION (mt_live_session_get_type ())

/* The window's live runs: a server's client and runner, the runs in
 * flight with their cancellables, the records they append to the open lab
 * and its lab file, and progress for the header (runs in flight, tokens
 * per second). It holds no widgets. */
G_DECLARE_FINAL_TYPE (MtLiveSession, mt_live_session, MT, LIVE_SESSION, GObject)

MtLiveSession        *mt_live_session_new                (void);
MtLab                *mt_live_session_get_lab            (MtLiveSession         *self);
void                  mt_live_session_set_lab            (MtLiveSession         *self,
                                                          MtLab                 *lab);
/* Appends every run's records to @path (a lab file, created when new) as
 * well; %NULL stops writing. */
gboolean              mt_live_session_set_lab_file       (MtLiveSession         *self,
                                                          const char            *path,
                                                          GError               **error);
const char           *mt_live_session_get_lab_file       (MtLiveSession         *self);
/* What a save of @lab writes: @lab itself, or, while traces stream, a lab
 * of the same records without them (a finished record of half a run would
 * stand in the way of the run's own, which it writes to the file it is
 * moved to, mt_live_session_move_lab_file()). Hand it to
 * mt_lab_file_save_async(): what it holds is not changed any more. */
MtLab                *mt_live_session_dup_lab_to_save    (MtLiveSession         *self,
                                                          MtLab                 *lab);
/* The lab was saved at @path (Save As, or Save, which puts a new file in
 * place of the old): runs write there from now on, and so does a sweep
 * (it lets go of the old file and goes on in the new one), with its
 * settings kept next to it. */
gboolean              mt_live_session_move_lab_file      (MtLiveSession         *self,
                                                          const char            *path,
                                                          GError               **error);
/* The server new runs go to; @api_key may be %NULL. Runs in flight keep
 * the server they started on. */
gboolean              mt_live_session_set_server         (MtLiveSession         *self,
                                                          const MtServerConfig  *config,
                                                          const char            *api_key,
                                                          GError               **error);
const MtServerConfig *mt_live_session_get_server         (MtLiveSession         *self);
/* Every saved server (MtServerConfig items), for sweeps over several; their
 * API keys are looked up in the keyring as they are set. */
void                  mt_live_session_set_servers        (MtLiveSession         *self,
                                                          GPtrArray             *servers);
GPtrArray            *mt_live_session_get_servers        (MtLiveSession         *self);
MtFamily             *mt_live_session_get_family         (MtLiveSession         *self);
/* The runner new runs start on, %NULL without a server. */
MtRunner             *mt_live_session_get_runner         (MtLiveSession         *self);
gboolean              mt_live_session_has_server         (MtLiveSession         *self);
/* How many times a refused or dropped request is tried; see MtClient. */
void                  mt_live_session_set_retries        (MtLiveSession         *self,
                                                          guint                  max_attempts,
                                                          guint                  retry_delay);

/* Starts the oracle run of @problem with the system prompt of @scenario
 * (%MT_INTERRUPT_CUSTOM for none). The problem joins the lab when it is
 * not there yet. Returns the trace (owned by the lab), already streaming. */
MtTrace              *mt_live_session_run                (MtLiveSession         *self,
                                                          MtProblem             *problem,
                                                          MtInterruptKind        scenario,
                                                          GError               **error);
/* Interrupts @parent after @token_index reasoning tokens with @kind and
 * lets the model continue; @text is the update for the update kinds.
 * @parent may still be streaming: it goes on beside the branch. */
MtBranch             *mt_live_session_interrupt          (MtLiveSession         *self,
                                                          MtTrace               *parent,
                                                          MtInterruptKind        kind,
                                                          guint                  token_index,
                                                          const char            *text,
                                                          GError               **error);
gboolean              mt_live_session_is_running         (MtLiveSession         *self,
                                                          MtTrace               *trace);
/* The error a run of this session ended with, or %NULL. */
const GError         *mt_live_session_get_error          (MtLiveSession         *self,
                                                          MtTrace               *trace);
/* Ends the stream; what arrived is kept, with finish reason "cancelled". */
void                  mt_live_session_stop               (MtLiveSession         *self,
                                                          MtTrace               *trace);
void                  mt_live_session_stop_all           (MtLiveSession         *self);
guint                 mt_live_session_get_n_running      (MtLiveSession         *self);
double                mt_live_session_get_tokens_per_second (MtLiveSession      *self);
/* What went wrong and what to do about it, in words for a toast. */
char                 *mt_live_session_describe_error     (MtLiveSession         *self,
                                                          const GError          *error);

typedef enum
{
  MT_LIVE_SWEEP_NONE,
  MT_LIVE_SWEEP_RUNNING,
  MT_LIVE_SWEEP_PAUSED,
  MT_LIVE_SWEEP_DONE,
  MT_LIVE_SWEEP_FAILED,
} MtLiveSweepState;

/* A sweep of @problems x @samples x positions x kinds into the lab file
 * (mt_live_session_set_lab_file(): a sweep needs one, it resumes from
 * it). Its problems and traces join the lab as they start; progress comes
 * with MtLiveSession::sweep-changed. Requests go round-robin over
 * @servers (MtServerConfig items, which must all serve one model; %NULL
 * or empty for the current server). */
gboolean              mt_live_session_start_sweep        (MtLiveSession         *self,
                                                          GPtrArray             *problems,
                                                          const double          *positions,
                                                          guint                  n_positions,
                                                          const MtInterruptKind *kinds,
                                                          guint                  n_kinds,
                                                          guint                  samples,
                                                          guint                  concurrency,
                                                          GPtrArray             *servers,
                                                          GError               **error);
/* The servers of the sweep (MtServerConfig items), %NULL without one. */
GPtrArray            *mt_live_session_get_sweep_servers  (MtLiveSession         *self);
/* Stops the requests in flight (their text is kept as cancelled); resume
 * runs what is not finished yet. */
void                  mt_live_session_pause_sweep        (MtLiveSession         *self);
gboolean              mt_live_session_resume_sweep       (MtLiveSession         *self,
                                                          GError               **error);
/* Stops it and forgets it; what finished stays in the lab and its file. */
void                  mt_live_session_cancel_sweep       (MtLiveSession         *self);
MtLiveSweepState      mt_live_session_get_sweep_state    (MtLiveSession         *self);
/* FALSE when there is no sweep. */
gboolean              mt_live_session_get_sweep_progress (MtLiveSession         *self,
                                                          MtSweepProgress       *progress);
/* Whether the lab file has a sweep that did not finish (its settings are
 * kept next to it, in LAB_FILE.sweep, until it finishes or is cancelled). */
gboolean              mt_live_session_has_saved_sweep    (MtLiveSession         *self);
/* Starts it again with the same settings; what finished is not run again. */
gboolean              mt_live_session_resume_saved_sweep (MtLiveSession         *self,
                                                          GError               **error);
/* Why the sweep stopped, for MT_LIVE_SWEEP_FAILED. */
const GError         *mt_live_session_get_sweep_error    (MtLiveSession         *self);

/* The same for any request to @url (with @model), as one sentence. */
char                 *mt_live_describe_error             (const GError          *error,
                                                          const char            *url,
                                                          const char            *model);

G_END_DECLS
