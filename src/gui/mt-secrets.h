/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* API keys of inference servers, in the user's keyring (the Secret
 * Service, through libsecret), one per server base URL. They are never
 * written to GSettings, lab files or logs. */

void      mt_secrets_store_async  (const char           *server_url,
                                   const char           *api_key,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
gboolean  mt_secrets_store_finish (GAsyncResult         *result,
                                   GError              **error);
/* Finishes with %NULL and no error when the keyring has no key for the
 * server. */
void      mt_secrets_lookup_async (const char           *server_url,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
char     *mt_secrets_lookup_finish (GAsyncResult        *result,
                                    GError             **error);
/* Forgets the server's key; not having one is no error. */
void      mt_secrets_clear_async  (const char           *server_url,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
gboolean  mt_secrets_clear_finish (GAsyncResult         *result,
                                   GError              **error);

G_END_DECLS
