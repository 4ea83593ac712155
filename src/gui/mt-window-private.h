/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-live-session.h"
#include "mt-timeline.h"
#include "mt-window.h"

G_BEGIN_DECLS

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

MtLiveSession *_mt_window_get_live_session   (MtWindow   *self);

G_END_DECLS
