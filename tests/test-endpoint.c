/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "mt-endpoint.h"

typedef struct
{
  const char *input;
  const char *expected; /* NULL: must be rejected */
} UrlCase;

static const UrlCase accepted_cases[] = {
  { NULL,                                   MT_ENDPOINT_DEFAULT_URL },
  { "",                                     MT_ENDPOINT_DEFAULT_URL },
  { "   \n",                                MT_ENDPOINT_DEFAULT_URL },
  { "http://127.0.0.1:8080/v1",             "http://127.0.0.1:8080/v1" },
  { "http://127.0.0.1:8080",                "http://127.0.0.1:8080/v1" },
  { "http://127.0.0.1:8080/",               "http://127.0.0.1:8080/v1" },
  { "http://127.0.0.1:8080///",             "http://127.0.0.1:8080/v1" },
  { "http://localhost:8000/v1/",            "http://localhost:8000/v1" },
  { "http://localhost:8000/v1//",           "http://localhost:8000/v1" },
  { "http://localhost:8000/api/v1",         "http://localhost:8000/api/v1" },
  { "http://localhost:8000/api/v1/",        "http://localhost:8000/api/v1" },
  { "http://localhost:11434/v1",            "http://localhost:11434/v1" },
  { "https://api.example.com/v1",           "https://api.example.com/v1" },
  { "https://api.example.com",              "https://api.example.com/v1" },
  { "https://api.example.com:443/v1",       "https://api.example.com:443/v1" },
  { "http://example.com:80",                "http://example.com:80/v1" },
  { "HTTP://LOCALHOST:8080",                "http://localhost:8080/v1" },
  { "Https://Api.Example.COM/V1",           "https://api.example.com/V1" },
  { "http://[::1]:8080",                    "http://[::1]:8080/v1" },
  { "http://[::1]:8080/v1/",                "http://[::1]:8080/v1" },
  { "http://[::1]",                         "http://[::1]/v1" },
  { "http://[2001:db8::42]:9000/openai/v1", "http://[2001:db8::42]:9000/openai/v1" },
  { "  http://localhost:8080/v1  ",         "http://localhost:8080/v1" },
  { "http://localhost:8080/v1\n",           "http://localhost:8080/v1" },
  { "http://llm_server:8080",               "http://llm_server:8080/v1" },
  { "http://gpu-box.lan:5000/v1",           "http://gpu-box.lan:5000/v1" },
  { "http://localhost:",                    "http://localhost/v1" },
  { "http://10.0.0.7:65535/v1",             "http://10.0.0.7:65535/v1" },
  { "http://localhost/some%20path/v1",      "http://localhost/some%20path/v1" },
  { "http://bücher.example/v1",             "http://xn--bcher-kva.example/v1" },
};

typedef struct
{
  const char *input;
  const char *message; /* exact text, or a g_pattern_match_simple() pattern */
} RejectCase;

static const RejectCase rejected_cases[] = {
  { "ftp://x",                      "“ftp://x” is not an http or https URL" },
  { "ws://localhost:8080/v1",       "“ws://localhost:8080/v1” is not an http or https URL" },
  { "file:///tmp/socket",           "“file:///tmp/socket” is not an http or https URL" },
  { "http://",                      "“http://” has no host name" },
  { "https://",                     "“https://” has no host name" },
  { "http:///v1",                   "“http:///v1” has no host name" },
  { "http://:8080/v1",              "“http://:8080/v1” has no host name" },
  { "localhost:8080",               "“localhost:8080” is not an http or https URL; start*" },
  { "127.0.0.1:8080",               "“127.0.0.1:8080” is not an http or https URL; start*" },
  { "http:localhost",               "“http:localhost” is not an http or https URL; start*" },
  { "just some words",              "“just some words” is not an http or https URL*" },
  { "http://localhost:99999/v1",    "“http://localhost:99999/v1” is not a valid URL: *" },
  { "http://localhost:0/v1",        "“http://localhost:0/v1” has port 0*" },
  { "http://[::1:8080/v1",          "“http://[::1:8080/v1” is not a valid URL: *" },
  { "http://localhost/v1%zz",       "“http://localhost/v1%zz” is not a valid URL: *" },
  { "http://my host:8080/v1",       "“http://my host:8080/v1” has an invalid host name “my host”" },
  { "http://localhost:8080/v1?x=1", "“http://localhost:8080/v1?x=1” has a query string*" },
  { "http://localhost:8080/v1?",    "“http://localhost:8080/v1?” has a query string*" },
  { "http://localhost:8080/v1#top", "“http://localhost:8080/v1#top” has a fragment*" },
  { "http://localhost:8080:",       "“http://localhost:8080:” is not a valid URL: *" },
  { "http://user:sk-secret@localhost:8080/v1", "*keyring*" },
  { "https://sk-secret@api.example.com/v1",    "*keyring*" },
  { "http://user:sk-secret@localhost:99999",   "*keyring*" },
  { "http://:sk-secret@localhost/v1",          "*keyring*" },
};

static void
test_endpoint_accepted (gconstpointer data)
{
  const UrlCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtEndpoint) endpoint = NULL;

  endpoint = mt_endpoint_new (c->input, &error);

  if (c->expected == NULL)
    {
      g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL);
      g_assert_null (endpoint);
      return;
    }

  g_assert_no_error (error);
  g_assert_true (MT_IS_ENDPOINT (endpoint));
  g_assert_cmpstr (mt_endpoint_get_base_url (endpoint), ==, c->expected);
}

static void
test_endpoint_rejected (gconstpointer data)
{
  const RejectCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtEndpoint) endpoint = NULL;

  endpoint = mt_endpoint_new (c->input, &error);

  g_assert_null (endpoint);
  g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL);
  if (!g_pattern_match_simple (c->message, error->message))
    g_error ("message for “%s” was “%s”, expected “%s”", c->input, error->message, c->message);
}

static void
test_endpoint_password_not_echoed (void)
{
  static const char *inputs[] = {
    "http://me:sk-secret@localhost:8080/v1",
    "http://me:sk-secret@localhost:99999/v1",
    "http://me:sk-secret@[::1:8080",
    "ftp://me:sk-secret@localhost/",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MtEndpoint) endpoint = NULL;

      endpoint = mt_endpoint_new (inputs[i], &error);

      g_assert_null (endpoint);
      g_assert_error (error, MT_CLIENT_ERROR, MT_CLIENT_ERROR_INVALID_URL);
      g_assert_null (strstr (error->message, "sk-secret"));
    }
}

static void
test_endpoint_renormalize (void)
{
  /* Normalizing must be idempotent, or settings would drift on each save. */
  for (guint i = 0; i < G_N_ELEMENTS (accepted_cases); i++)
    {
      g_autoptr(MtEndpoint) first = NULL;
      g_autoptr(MtEndpoint) second = NULL;

      if (accepted_cases[i].expected == NULL)
        continue;

      first = mt_endpoint_new (accepted_cases[i].input, NULL);
      g_assert_nonnull (first);
      second = mt_endpoint_new (mt_endpoint_get_base_url (first), NULL);
      g_assert_nonnull (second);
      g_assert_cmpstr (mt_endpoint_get_base_url (second), ==,
                       mt_endpoint_get_base_url (first));
    }
}

static void
test_endpoint_property (void)
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(MtEndpoint) bare = NULL;
  g_autofree char *url = NULL;
  GParamSpec *pspec;

  endpoint = mt_endpoint_new ("http://localhost:9000", NULL);
  g_object_get (endpoint, "base-url", &url, NULL);
  g_assert_cmpstr (url, ==, "http://localhost:9000/v1");

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (endpoint), "base-url");
  g_assert_nonnull (pspec);
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);

  /* An object made without the constructor is still usable. */
  bare = g_object_new (MT_TYPE_ENDPOINT, NULL);
  g_assert_cmpstr (mt_endpoint_get_base_url (bare), ==, MT_ENDPOINT_DEFAULT_URL);
}

typedef struct
{
  const char *base;
  const char *path;
  const char *expected;
} JoinCase;

static const JoinCase join_cases[] = {
  { NULL,                        "completions",      "http://127.0.0.1:8080/v1/completions" },
  { NULL,                        "/completions",     "http://127.0.0.1:8080/v1/completions" },
  { NULL,                        "//completions",    "http://127.0.0.1:8080/v1/completions" },
  { NULL,                        "chat/completions", "http://127.0.0.1:8080/v1/chat/completions" },
  { NULL,                        "models",           "http://127.0.0.1:8080/v1/models" },
  { NULL,                        "",                 "http://127.0.0.1:8080/v1" },
  { NULL,                        "/",                "http://127.0.0.1:8080/v1" },
  { "http://host:8000/",         "models",           "http://host:8000/v1/models" },
  { "http://host:8000/api/v1/",  "/models",          "http://host:8000/api/v1/models" },
  { "http://[::1]:8080",         "completions",      "http://[::1]:8080/v1/completions" },
  { "https://api.example.com",   "models/",          "https://api.example.com/v1/models/" },
};

static void
test_endpoint_build_url (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (join_cases); i++)
    {
      const JoinCase *c = &join_cases[i];
      g_autoptr(MtEndpoint) endpoint = NULL;
      g_autofree char *url = NULL;

      endpoint = mt_endpoint_new (c->base, NULL);
      g_assert_nonnull (endpoint);
      url = mt_endpoint_build_url (endpoint, c->path);
      g_assert_cmpstr (url, ==, c->expected);
    }
}

static void
test_endpoint_message_get (void)
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *uri = NULL;
  SoupMessageHeaders *headers;

  endpoint = mt_endpoint_new ("http://localhost:8000", NULL);
  message = mt_endpoint_new_message (endpoint, SOUP_METHOD_GET, "models");

  g_assert_true (SOUP_IS_MESSAGE (message));
  g_assert_cmpstr (soup_message_get_method (message), ==, "GET");
  uri = g_uri_to_string (soup_message_get_uri (message));
  g_assert_cmpstr (uri, ==, "http://localhost:8000/v1/models");

  headers = soup_message_get_request_headers (message);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Accept"), ==, "application/json");
  g_assert_null (soup_message_headers_get_content_type (headers, NULL));
}

static void
test_endpoint_message_post (void)
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *uri = NULL;
  SoupMessageHeaders *headers;

  endpoint = mt_endpoint_new ("http://[::1]:8080/api/v1/", NULL);
  message = mt_endpoint_new_message (endpoint, SOUP_METHOD_POST, "/chat/completions");

  g_assert_true (SOUP_IS_MESSAGE (message));
  g_assert_cmpstr (soup_message_get_method (message), ==, "POST");
  uri = g_uri_to_string (soup_message_get_uri (message));
  g_assert_cmpstr (uri, ==, "http://[::1]:8080/api/v1/chat/completions");

  headers = soup_message_get_request_headers (message);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Accept"), ==, "text/event-stream");
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==,
                   "application/json");
}

static void
test_endpoint_message_other (void)
{
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(SoupMessage) del = NULL;
  g_autoptr(SoupMessage) bad = NULL;
  SoupMessageHeaders *headers;

  endpoint = mt_endpoint_new (NULL, NULL);

  del = mt_endpoint_new_message (endpoint, SOUP_METHOD_DELETE, "files/f-1");
  g_assert_true (SOUP_IS_MESSAGE (del));
  headers = soup_message_get_request_headers (del);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Accept"), ==, "application/json");
  g_assert_null (soup_message_headers_get_content_type (headers, NULL));

  /* A malformed escape in the path cannot make a URL. */
  bad = mt_endpoint_new_message (endpoint, SOUP_METHOD_GET, "models/%zz");
  g_assert_null (bad);
}

static void
test_endpoint_preconditions (void)
{
  g_autoptr(MtEndpoint) endpoint = mt_endpoint_new (NULL, NULL);
  char *url;
  SoupMessage *message;

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*path != NULL*");
  url = mt_endpoint_build_url (endpoint, NULL);
  g_test_assert_expected_messages ();
  g_assert_null (url);

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*MT_IS_ENDPOINT*");
  url = mt_endpoint_build_url (NULL, "models");
  g_test_assert_expected_messages ();
  g_assert_null (url);

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*method != NULL*");
  message = mt_endpoint_new_message (endpoint, NULL, "models");
  g_test_assert_expected_messages ();
  g_assert_null (message);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (accepted_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/endpoint/accepted/%u", i);

      g_test_add_data_func (name, &accepted_cases[i], test_endpoint_accepted);
    }

  for (guint i = 0; i < G_N_ELEMENTS (rejected_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/endpoint/rejected/%u", i);

      g_test_add_data_func (name, &rejected_cases[i], test_endpoint_rejected);
    }

  g_test_add_func ("/endpoint/password-not-echoed", test_endpoint_password_not_echoed);
  g_test_add_func ("/endpoint/renormalize", test_endpoint_renormalize);
  g_test_add_func ("/endpoint/property", test_endpoint_property);
  g_test_add_func ("/endpoint/build-url", test_endpoint_build_url);
  g_test_add_func ("/endpoint/message/get", test_endpoint_message_get);
  g_test_add_func ("/endpoint/message/post", test_endpoint_message_post);
  g_test_add_func ("/endpoint/message/other", test_endpoint_message_other);
  g_test_add_func ("/endpoint/preconditions", test_endpoint_preconditions);

  return g_test_run ();
}
