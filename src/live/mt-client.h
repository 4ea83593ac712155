/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-endpoint.h"
#include "mt-stream.h"

G_BEGIN_DECLS

#define MT_CLIENT_DEFAULT_MAX_ATTEMPTS    4
#define MT_CLIENT_DEFAULT_RETRY_DELAY     500   /* ms; doubles per attempt up to 16x */
#define MT_CLIENT_DEFAULT_MAX_CONNECTIONS 64
/* Seconds without a byte from the server before a request gives up. Long
 * prompts can take minutes to prefill before the first byte comes back, so
 * this only ends connections that died without a reset. */
#define MT_CLIENT_DEFAULT_TIMEOUT         600

/**
 * MtDeltaFunc:
 * @kind: reasoning or content
 * @text: the streamed text, NUL-terminated, valid UTF-8
 * @arrival_time: when it was read, in g_get_monotonic_time() microseconds
 * @user_data: the delta data given with the request
 *
 * Called on the request's main context for every piece of text, in order,
 * as it arrives.
 */
typedef void (*MtDeltaFunc) (MtDeltaKind  kind,
                             const char  *text,
                             gint64       arrival_time,
                             gpointer     user_data);

#define MT_TYPE_CLIENT (mt_client_get_type ())

G_DECLARE_FINAL_TYPE (MtClient, mt_client, MT, CLIENT, GObject)

MtClient    *mt_client_new                  (MtEndpoint           *endpoint);
MtEndpoint  *mt_client_get_endpoint         (MtClient             *self);
void         mt_client_set_api_key          (MtClient             *self,
                                             const char           *api_key);
gboolean     mt_client_has_api_key          (MtClient             *self);
guint        mt_client_get_max_attempts     (MtClient             *self);
void         mt_client_set_max_attempts     (MtClient             *self,
                                             guint                 max_attempts);
guint        mt_client_get_retry_delay      (MtClient             *self);
void         mt_client_set_retry_delay      (MtClient             *self,
                                             guint                 retry_delay);
guint        mt_client_get_timeout          (MtClient             *self);
void         mt_client_set_timeout          (MtClient             *self,
                                             guint                 timeout);
guint        mt_client_get_max_duration     (MtClient             *self);
void         mt_client_set_max_duration     (MtClient             *self,
                                             guint                 max_duration);

void         mt_client_list_models_async    (MtClient             *self,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
char       **mt_client_list_models_finish   (MtClient             *self,
                                             GAsyncResult         *result,
                                             GError              **error);

void         mt_client_complete_async       (MtClient             *self,
                                             const MtCompletionRequest *request,
                                             GCancellable         *cancellable,
                                             MtDeltaFunc           delta_func,
                                             gpointer              delta_data,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean     mt_client_complete_finish      (MtClient             *self,
                                             GAsyncResult         *result,
                                             MtCompletion        **completion,
                                             GError              **error);

G_END_DECLS
