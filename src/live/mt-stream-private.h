/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-stream.h"

G_BEGIN_DECLS

/* How MtClient fills in a completion while the stream arrives. */
MtCompletion *_mt_completion_new                (gint64          start_time);
void          _mt_completion_append_token       (MtCompletion   *self,
                                                 MtDeltaKind     kind,
                                                 const char     *text,
                                                 gsize           len,
                                                 gint64          arrival_time,
                                                 double          logprob);
void          _mt_completion_set_finish_reason  (MtCompletion   *self,
                                                 const char     *text);
/* For endings the server did not report: cancelled, error. */
void          _mt_completion_end                (MtCompletion   *self,
                                                 MtFinishReason  reason);
void          _mt_completion_set_usage          (MtCompletion   *self,
                                                 gint64          prompt_tokens,
                                                 gint64          completion_tokens,
                                                 gint64          reasoning_tokens);
void          _mt_completion_set_model          (MtCompletion   *self,
                                                 const char     *model);
gboolean      _mt_completion_has_finish_reason  (MtCompletion   *self);
guint         _mt_completion_get_total_tokens   (MtCompletion   *self);

G_END_DECLS
