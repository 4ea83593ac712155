/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define MT_ENDPOINT_DEFAULT_URL "http://127.0.0.1:8080/v1"

#define MT_CLIENT_ERROR (mt_client_error_quark ())

typedef enum
{
  MT_CLIENT_ERROR_INVALID_URL,
  MT_CLIENT_ERROR_CONNECT,          /* refused, unreachable, timed out */
  MT_CLIENT_ERROR_DNS,              /* the host name does not resolve */
  MT_CLIENT_ERROR_TLS,              /* handshake or certificate */
  MT_CLIENT_ERROR_UNAUTHORIZED,     /* HTTP 401 or 403 */
  MT_CLIENT_ERROR_NOT_FOUND,        /* HTTP 404: no such model or path */
  MT_CLIENT_ERROR_RATE_LIMITED,     /* HTTP 429 after the retries */
  MT_CLIENT_ERROR_SERVER,           /* HTTP 5xx, or an error event mid-stream */
  MT_CLIENT_ERROR_HTTP,             /* any other unexpected status */
  MT_CLIENT_ERROR_STREAM_DROPPED,   /* ended before [DONE] or a finish reason */
  MT_CLIENT_ERROR_MALFORMED_EVENT,  /* not the JSON an OpenAI server sends */
  MT_CLIENT_ERROR_EVENT_TOO_LARGE,  /* over the parser's maximum event size */
  MT_CLIENT_ERROR_INVALID_UTF8,     /* the event stream is not UTF-8 */
  MT_CLIENT_ERROR_TIMED_OUT,        /* nothing from the server for the client's timeout */
  MT_CLIENT_ERROR_LIMIT,            /* past max_tokens or the client's time limit */
} MtClientError;

GQuark mt_client_error_quark (void);

#define MT_TYPE_ENDPOINT (mt_endpoint_get_type ())

G_DECLARE_FINAL_TYPE (MtEndpoint, mt_endpoint, MT, ENDPOINT, GObject)

MtEndpoint  *mt_endpoint_new          (const char   *base_url,
                                       GError      **error);
const char  *mt_endpoint_get_base_url (MtEndpoint   *self);
/* TRUE (the default): https:// servers must have a valid certificate. */
gboolean     mt_endpoint_get_verify_tls (MtEndpoint *self);
void         mt_endpoint_set_verify_tls (MtEndpoint *self,
                                         gboolean    verify_tls);
char        *mt_endpoint_build_url    (MtEndpoint   *self,
                                       const char   *path);
/* NULL when @path does not make a valid URL with the base. */
SoupMessage *mt_endpoint_new_message  (MtEndpoint   *self,
                                       const char   *method,
                                       const char   *path);

G_END_DECLS
