/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "mt-endpoint.h"

/* The same parsing flags libsoup uses for HTTP URIs, so that whatever this
 * accepts, soup_message_new() accepts too. Host names stay decoded (and IDN
 * names come back as punycode) so they can be checked character by character. */
#define MT_ENDPOINT_URI_FLAGS (G_URI_FLAGS_HAS_PASSWORD    | \
                               G_URI_FLAGS_ENCODED_PATH    | \
                               G_URI_FLAGS_ENCODED_QUERY   | \
                               G_URI_FLAGS_ENCODED_FRAGMENT)

struct _MtEndpoint
{
  GObject  parent_instance;

  char    *base_url;
  gboolean verify_tls;
};

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_VERIFY_TLS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_QUARK (mt-client-error-quark, mt_client_error)

G_DEFINE_FINAL_TYPE (MtEndpoint, mt_endpoint, G_TYPE_OBJECT)

static void
mt_endpoint_finalize (GObject *object)
{
  MtEndpoint *self = (MtEndpoint *)object;

  g_clear_pointer (&self->base_url, g_free);

  G_OBJECT_CLASS (mt_endpoint_parent_class)->finalize (object);
}

static void
mt_endpoint_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  MtEndpoint *self = MT_ENDPOINT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    case PROP_VERIFY_TLS:
      g_value_set_boolean (value, self->verify_tls);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_endpoint_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  MtEndpoint *self = MT_ENDPOINT (object);

  switch (prop_id)
    {
    case PROP_VERIFY_TLS:
      mt_endpoint_set_verify_tls (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_endpoint_class_init (MtEndpointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mt_endpoint_finalize;
  object_class->get_property = mt_endpoint_get_property;
  object_class->set_property = mt_endpoint_set_property;

  /* Read-only so that every endpoint went through the validation in
   * mt_endpoint_new(); g_object_new() alone yields the default URL. */
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL,
                         MT_ENDPOINT_DEFAULT_URL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /* Whether an https:// server's certificate must be valid for its host
   * and signed by a trusted authority. */
  properties[PROP_VERIFY_TLS] =
    g_param_spec_boolean ("verify-tls", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mt_endpoint_init (MtEndpoint *self)
{
  self->base_url = g_strdup (MT_ENDPOINT_DEFAULT_URL);
  self->verify_tls = TRUE;
}

static gboolean
host_is_valid (const char *host)
{
  if (g_hostname_is_ip_address (host))
    return TRUE;

  /* Underscores are not legal in DNS names but container and compose service
   * names use them, and resolvers for those accept them. */
  for (const char *p = host; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
        return FALSE;
    }

  return TRUE;
}

/* Looks for user info ("user:pass@") in the authority by hand, because it has
 * to be caught even when the rest of the URL does not parse: an error
 * message must never repeat a secret. */
static gboolean
has_user_info (const char *text)
{
  const char *authority = strstr (text, "://");
  gsize len;

  if (authority == NULL)
    return FALSE;

  authority += strlen ("://");
  len = strcspn (authority, "/?#");

  return memchr (authority, '@', len) != NULL;
}

static char *
normalize_base_url (const char  *text,
                    GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  const char *scheme;
  gsize len;

  if (has_user_info (text))
    {
      g_set_error_literal (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL,
                           _("The URL contains a user name or password; remove it and store "
                             "the API key in the keyring instead"));
      return NULL;
    }

  /* "localhost:8080" parses as scheme "localhost" and "127.0.0.1:8080" does
   * not parse at all; both mean the scheme was left out, so say that rather
   * than whatever the parser would complain about. */
  if (strstr (text, "://") == NULL)
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL,
                   _("“%s” is not an http or https URL; start it with “http://” or “https://”"),
                   text);
      return NULL;
    }

  uri = g_uri_parse (text, MT_ENDPOINT_URI_FLAGS, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL,
                   _("“%s” is not a valid URL: %s"), text, local_error->message);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL,
                   _("“%s” is not an http or https URL"), text);
      return NULL;
    }

  if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL,
                   _("“%s” has no host name"), text);
      return NULL;
    }

  if (!host_is_valid (g_uri_get_host (uri)))
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL,
                   _("“%s” has an invalid host name “%s”"), text, g_uri_get_host (uri));
      return NULL;
    }

  if (g_uri_get_port (uri) == 0)
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL,
                   _("“%s” has port 0; use the port the server listens on"), text);
      return NULL;
    }

  /* Requests are built by appending to the base URL, which would land after
   * a query string or fragment and silently change their meaning. */
  if (g_uri_get_query (uri) != NULL)
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL,
                   _("“%s” has a query string (“?…”); the base URL must end with its path"),
                   text);
      return NULL;
    }

  if (g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL,
                   _("“%s” has a fragment (“#…”); the base URL must end with its path"),
                   text);
      return NULL;
    }

  /* Host names are case-insensitive; lowering them keeps one server from
   * showing up as two endpoints. IPv6 literals are left alone because a zone
   * ID after “%” names an interface, which is case-sensitive. */
  if (strchr (g_uri_get_host (uri), ':') != NULL)
    host = g_strdup (g_uri_get_host (uri));
  else
    host = g_ascii_strdown (g_uri_get_host (uri), -1);

  path = g_strdup (g_uri_get_path (uri));
  len = strlen (path);
  while (len > 0 && path[len - 1] == '/')
    path[--len] = '\0';

  /* A bare "http://host:8000" is what people copy from a server's startup
   * log, while the OpenAI-compatible API lives under /v1. */
  if (len == 0)
    {
      g_free (path);
      path = g_strdup ("/v1");
    }

  return g_uri_join (MT_ENDPOINT_URI_FLAGS,
                     scheme, NULL, host, g_uri_get_port (uri), path, NULL, NULL);
}

/**
 * mt_endpoint_new:
 * @base_url: (nullable): the server's base URL, or %NULL or "" for
 *   %MT_ENDPOINT_DEFAULT_URL
 * @error: return location for a #GError
 *
 * Validates and normalizes @base_url: surrounding white space and trailing
 * slashes are dropped, the scheme and host name are lowered, and an empty
 * path becomes "/v1".
 *
 * Returns: (transfer full) (nullable): the endpoint, or %NULL with @error set
 *   to %MT_CLIENT_ERROR_INVALID_URL
 */
MtEndpoint *
mt_endpoint_new (const char  *base_url,
                 GError     **error)
{
  g_autoptr(MtEndpoint) self = NULL;
  g_autofree char *text = NULL;
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Pasted URLs often drag a newline or a space along. */
  text = g_strstrip (g_strdup (base_url != NULL ? base_url : ""));

  if (text[0] == '\0')
    normalized = g_strdup (MT_ENDPOINT_DEFAULT_URL);
  else
    normalized = normalize_base_url (text, error);

  if (normalized == NULL)
    return NULL;

  self = g_object_new (MT_TYPE_ENDPOINT, NULL);
  g_free (self->base_url);
  self->base_url = g_steal_pointer (&normalized);

  return g_steal_pointer (&self);
}

const char *
mt_endpoint_get_base_url (MtEndpoint *self)
{
  g_return_val_if_fail (MT_IS_ENDPOINT (self), NULL);

  return self->base_url;
}

gboolean
mt_endpoint_get_verify_tls (MtEndpoint *self)
{
  g_return_val_if_fail (MT_IS_ENDPOINT (self), TRUE);

  return self->verify_tls;
}

/**
 * mt_endpoint_set_verify_tls:
 * @self: an #MtEndpoint
 * @verify_tls: %FALSE to accept any certificate from this server
 *
 * Certificates are verified by default. Turning it off is for one server
 * the user trusts, such as a lab machine with a self-signed certificate;
 * the traffic is still encrypted but anyone on the path could read it.
 */
void
mt_endpoint_set_verify_tls (MtEndpoint *self,
                            gboolean    verify_tls)
{
  g_return_if_fail (MT_IS_ENDPOINT (self));

  verify_tls = !!verify_tls;
  if (self->verify_tls == verify_tls)
    return;

  self->verify_tls = verify_tls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFY_TLS]);
}

static gboolean
accept_any_certificate_cb (SoupMessage          *message,
                           GTlsCertificate      *certificate,
                           GTlsCertificateFlags  errors,
                           gpointer              user_data)
{
  return TRUE;
}

/**
 * mt_endpoint_build_url:
 * @self: an #MtEndpoint
 * @path: a path relative to the base URL, such as "chat/completions"
 *
 * Returns: (transfer full): the base URL and @path joined by one slash
 */
char *
mt_endpoint_build_url (MtEndpoint *self,
                       const char *path)
{
  g_return_val_if_fail (MT_IS_ENDPOINT (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  /* Callers write both "models" and "/models"; the base never ends in a
   * slash, so skipping the leading ones is all the joining there is. */
  while (*path == '/')
    path++;

  if (*path == '\0')
    return g_strdup (self->base_url);

  return g_strconcat (self->base_url, "/", path, NULL);
}

/**
 * mt_endpoint_new_message:
 * @self: an #MtEndpoint
 * @method: an HTTP method such as %SOUP_METHOD_GET or %SOUP_METHOD_POST
 * @path: a path relative to the base URL
 *
 * POST requests are set up for a streamed reply (server-sent events) to a
 * JSON body; the caller still sets the body itself.
 *
 * Returns: (transfer full) (nullable): a new #SoupMessage, or %NULL if @path
 *   does not make a valid URL (for instance a malformed %-escape)
 */
SoupMessage *
mt_endpoint_new_message (MtEndpoint *self,
                         const char *method,
                         const char *path)
{
  g_autofree char *url = NULL;
  SoupMessageHeaders *headers;
  SoupMessage *message;
  gboolean is_post;

  g_return_val_if_fail (MT_IS_ENDPOINT (self), NULL);
  g_return_val_if_fail (method != NULL && method[0] != '\0', NULL);
  g_return_val_if_fail (path != NULL, NULL);

  url = mt_endpoint_build_url (self, path);
  message = soup_message_new (method, url);
  if (message == NULL)
    return NULL;

  /* HTTP methods are case-sensitive, so "post" is not POST. */
  is_post = strcmp (method, SOUP_METHOD_POST) == 0;
  headers = soup_message_get_request_headers (message);

  if (is_post)
    {
      soup_message_headers_replace (headers, "Accept", "text/event-stream");
      soup_message_headers_set_content_type (headers, "application/json", NULL);
    }
  else
    {
      soup_message_headers_replace (headers, "Accept", "application/json");
    }

  if (!self->verify_tls)
    g_signal_connect (message, "accept-certificate",
                      G_CALLBACK (accept_any_certificate_cb), NULL);

  return message;
}
