/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: replaced by the endpoint. */
#include "config.h"

#include "mt-endpoint.h"

G_DEFINE_QUARK (mt-client-error-quark, mt_client_error)

struct _MtEndpoint { GObject parent_instance; char *base_url; };
G_DEFINE_FINAL_TYPE (MtEndpoint, mt_endpoint, G_TYPE_OBJECT)
static void mt_endpoint_class_init (MtEndpointClass *klass) { }
static void mt_endpoint_init (MtEndpoint *self) { }
MtEndpoint *mt_endpoint_new (const char *base_url, GError **error) { g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL, "not implemented"); return NULL; }
const char *mt_endpoint_get_base_url (MtEndpoint *self) { return self->base_url; }
char *mt_endpoint_build_url (MtEndpoint *self, const char *path) { return NULL; }
SoupMessage *mt_endpoint_new_message (MtEndpoint *self, const char *method, const char *path) { return NULL; }
