/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define MT_ENDPOINT_DEFAULT_URL "http://127.0.0.1:8080/v1"

#define MT_CLIENT_ERROR (mt_client_error_quark ())

typedef enum
{
  MT_CLIENT_ERROR_INVALID_URL,
} MtClientError;

GQuark mt_client_error_quark (void);

#define MT_TYPE_ENDPOINT (mt_endpoint_get_type ())

G_DECLARE_FINAL_TYPE (MtEndpoint, mt_endpoint, MT, ENDPOINT, GObject)

MtEndpoint  *mt_endpoint_new          (const char   *base_url,
                                       GError      **error);
const char  *mt_endpoint_get_base_url (MtEndpoint   *self);
char        *mt_endpoint_build_url    (MtEndpoint   *self,
                                       const char   *path);
/* NULL when @path does not make a valid URL with the base. */
SoupMessage *mt_endpoint_new_message  (MtEndpoint   *self,
                                       const char   *method,
                                       const char   *path);

G_END_DECLS
