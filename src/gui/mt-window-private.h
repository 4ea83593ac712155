/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-lab-loader.h"
#include "mt-live-session.h"
#include "mt-timeline.h"
#include "mt-window.h"

G_BEGIN_DECLS

/* The sidebar's sort orders and filters, in the order of their menus. */
typedef enum
{
  MT_WINDOW_SORT_FILE,
  MT_WINDOW_SORT_MODEL,
  MT_WINDOW_SORT_REASONING,
  MT_WINDOW_SORT_VERDICT,
} MtWindowSort;

typedef enum
{
  MT_WINDOW_VERDICT_ANY,
  MT_WINDOW_VERDICT_CORRECT,
  MT_WINDOW_VERDICT_INCORRECT,  /* wrong, or no answer found */
  MT_WINDOW_VERDICT_UNGRADED,
} MtWindowVerdictFilter;

typedef enum
{
  MT_WINDOW_FAILURE_ANY,
  MT_WINDOW_FAILURE_LEAKAGE,
  MT_WINDOW_FAILURE_PANIC,
  MT_WINDOW_FAILURE_DOUBT,
} MtWindowFailureFilter;

/* For the tests: what the window shows, without reaching into its
 * template. */
const char    *_mt_window_get_page           (MtWindow   *self);
GListModel    *_mt_window_get_visible_traces (MtWindow   *self);
MtTimeline    *_mt_window_get_timeline       (MtWindow   *self);
GtkEditable   *_mt_window_get_search_entry   (MtWindow   *self);
GtkTextBuffer *_mt_window_get_transcript     (MtWindow   *self);
const char    *_mt_window_get_last_toast     (MtWindow   *self);
void           _mt_window_set_lab            (MtWindow   *self,
                                              MtLab      *lab,
                                              const char *title);
/* Set through the sidebar's menus, as a user would. @model NULL: all. */
void           _mt_window_set_sort           (MtWindow              *self,
                                              MtWindowSort           sort);
gboolean       _mt_window_set_model_filter   (MtWindow              *self,
                                              const char            *model);
void           _mt_window_set_verdict_filter (MtWindow              *self,
                                              MtWindowVerdictFilter  filter);
void           _mt_window_set_failure_filter (MtWindow              *self,
                                              MtWindowFailureFilter  filter);
/* TRUE while traces are still being graded in the background. */
gboolean       _mt_window_get_judging        (MtWindow              *self);
/* NULL until @trace has been graded. */
const MtTraceJudgement *_mt_window_lookup_judgement (MtWindow *self,
                                                     MtTrace  *trace);
/* Items the sidebar's sort and filter have yet to look at (0 when done). */
guint          _mt_window_get_filter_pending (MtWindow              *self);
/* Changed since it was opened or saved. */
gboolean       _mt_window_get_modified       (MtWindow              *self);
/* The lab file Save writes to, or NULL when Save has to ask. */
const char    *_mt_window_get_lab_path       (MtWindow              *self);
/* Save As without the file chooser; failures are toasts. Waits for the
 * save (iterating the main context) and says whether it succeeded. */
gboolean       _mt_window_save_to            (MtWindow              *self,
                                              const char            *path);
/* The same, without waiting: the save goes on in a worker thread. */
void           _mt_window_save_begin         (MtWindow              *self,
                                              const char            *path);
gboolean       _mt_window_is_saving          (MtWindow              *self);
/* The replay button's state, and the presentation toggle. */
gboolean       _mt_window_get_replay_active  (MtWindow              *self);
void           _mt_window_set_presentation   (MtWindow              *self,
                                              gboolean               presentation);
GtkTextView   *_mt_window_get_transcript_view (MtWindow             *self);
/* The "save changes?" dialog while it is up. */
AdwMessageDialog *_mt_window_get_close_dialog (MtWindow             *self);

MtLiveSession *_mt_window_get_live_session   (MtWindow   *self);

G_END_DECLS
