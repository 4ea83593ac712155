/* SPDX-License-Identifier: GPL-3.0-or-later */
/* API keys in the keyring, for real: test-live-keyring.sh runs this on a
 * private session bus with gnome-keyring-daemon. The preferences store the
 * key there and nowhere else, the connection test says plainly what went
 * wrong, and the window reads the key back for its runs. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <adwaita.h>

#include "mt-preferences-window.h"
#include "mt-secrets.h"
#include "mt-window-private.h"

#define WAIT_SECONDS 30
#define RIGHT_KEY "sk-midthought-keyring-test-right"
#define WRONG_KEY "sk-midthought-keyring-test-wrong"

typedef gboolean (*Condition) (gpointer data);

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for (Condition   condition,
          gpointer    data,
          const char *what)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    g_error ("timed out waiting for %s", what);
  g_source_remove (timeout_id);
}

static gboolean
have_bus (void)
{
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    return TRUE;

  g_test_skip ("no session bus: run through test-live-keyring.sh");
  return FALSE;
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Store;

static gboolean
store_done (gpointer data)
{
  return ((Store *)data)->done;
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Store *store = user_data;

  store->ok = mt_secrets_store_finish (result, &store->error);
  store->done = TRUE;
}

typedef struct
{
  gboolean  done;
  char     *key;
  GError   *error;
} Lookup;

static gboolean
lookup_done (gpointer data)
{
  return ((Lookup *)data)->done;
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Lookup *lookup = user_data;

  lookup->key = mt_secrets_lookup_finish (result, &lookup->error);
  lookup->done = TRUE;
}

static char *
lookup_key (const char *url)
{
  Lookup lookup = { 0, };

  mt_secrets_lookup_async (url, NULL, lookup_cb, &lookup);
  wait_for (lookup_done, &lookup, "the keyring lookup");
  g_assert_no_error (lookup.error);
  return lookup.key;
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  gboolean *done = user_data;

  g_assert_true (mt_secrets_clear_finish (result, NULL));
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *)data;
}

static void
test_secrets_round_trip (void)
{
  Store stored = { 0, };
  gboolean cleared = FALSE;
  g_autofree char *key = NULL;
  g_autofree char *missing = NULL;
  const char *url = "http://secrets.invalid:8080/v1";

  if (!have_bus ())
    return;

  mt_secrets_store_async (url, RIGHT_KEY, NULL, store_cb, &stored);
  wait_for (store_done, &stored, "the keyring store");
  g_assert_no_error (stored.error);
  g_assert_true (stored.ok);

  key = lookup_key (url);
  g_assert_cmpstr (key, ==, RIGHT_KEY);
  /* Per server: another URL has no key. */
  missing = lookup_key ("http://other.invalid/v1");
  g_assert_null (missing);

  mt_secrets_clear_async (url, NULL, clear_cb, &cleared);
  wait_for (flag_set, &cleared, "the keyring clear");
  g_clear_pointer (&key, g_free);
  key = lookup_key (url);
  g_assert_null (key);
}

/* /v1/models, behind a bearer key. */
static void
models_cb (SoupServer        *server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *body;

  if (g_strcmp0 (authorization, "Bearer " RIGHT_KEY) != 0)
    {
      body = "{\"error\":{\"message\":\"Invalid API key\",\"type\":\"invalid_request_error\"}}";
      soup_server_message_set_status (message, 401, NULL);
    }
  else
    {
      body = "{\"object\":\"list\",\"data\":[{\"id\":\"Qwen3-8B\",\"object\":\"model\"}]}";
      soup_server_message_set_status (message, 200, NULL);
    }
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC, body,
                                    strlen (body));
}

static char *
start_server (SoupServer **server)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  *server = soup_server_new (NULL, NULL);
  soup_server_add_handler (*server, "/v1/models", models_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (*server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (*server);
  return g_strdup_printf ("http://127.0.0.1:%d/v1", g_uri_get_port (uris->data));
}

static gboolean
not_busy (gpointer data)
{
  return !_mt_preferences_window_is_busy (data);
}

static void
test_connection (MtPreferencesWindow *preferences)
{
  _mt_preferences_window_test (preferences);
  wait_for (not_busy, preferences, "the connection test");
}

static gboolean
has_server (gpointer data)
{
  return mt_live_session_has_server (_mt_window_get_live_session (data));
}

static void
test_preferences_keep_key_in_keyring (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(SoupServer) server = NULL;
  g_autofree char *url = start_server (&server);
  g_autofree char *key = NULL;
  g_auto(GStrv) servers = NULL;
  g_autofree char *dump = NULL;
  MtPreferencesWindow *preferences;
  MtWindow *window;

  if (!have_bus ())
    return;

  g_settings_set_strv (settings, "servers", NULL);
  preferences = mt_preferences_window_new (NULL, settings);
  gtk_window_present (GTK_WINDOW (preferences));
  mt_preferences_window_edit_server (preferences, G_MAXUINT);

  /* Nothing listens on the discard port: the result says so and what to do. */
  _mt_preferences_window_set_fields (preferences, "Nowhere", "http://127.0.0.1:9/v1", NULL);
  test_connection (preferences);
  g_assert_nonnull (strstr (_mt_preferences_window_get_result (preferences),
                            "cannot be reached"));
  g_assert_nonnull (strstr (_mt_preferences_window_get_result (preferences), "Preferences"));

  /* A wrong key: 401, in words. */
  _mt_preferences_window_set_fields (preferences, "Keyed", url, WRONG_KEY);
  test_connection (preferences);
  g_assert_nonnull (strstr (_mt_preferences_window_get_result (preferences),
                            "refused the API key"));
  g_assert_null (_mt_preferences_window_get_model (preferences));

  /* The right key lists the models; the family comes from the name. */
  _mt_preferences_window_set_fields (preferences, "Keyed", url, RIGHT_KEY);
  test_connection (preferences);
  g_assert_cmpstr (_mt_preferences_window_get_result (preferences), ==,
                   "Connected: the server serves 1 model");
  g_assert_cmpstr (_mt_preferences_window_get_model (preferences), ==, "Qwen3-8B");
  g_assert_cmpstr (_mt_preferences_window_get_family (preferences), ==, "qwen3");

  _mt_preferences_window_save (preferences);
  wait_for (not_busy, preferences, "the key to be stored");

  /* The server is saved without its key; the key is in the keyring. */
  servers = g_settings_get_strv (settings, "servers");
  g_assert_cmpuint (g_strv_length (servers), ==, 1);
  g_assert_true (g_str_has_prefix (servers[0], "Keyed|"));
  g_assert_nonnull (strstr (servers[0], "|Qwen3-8B|completions|"));
  dump = g_strjoinv ("\n", servers);
  g_assert_null (strstr (dump, RIGHT_KEY));
  key = lookup_key (url);
  g_assert_cmpstr (key, ==, RIGHT_KEY);

  /* A window picks the server up with its key. */
  window = mt_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  wait_for (has_server, window, "the window's server");
  g_assert_cmpstr (mt_live_session_get_server (_mt_window_get_live_session (window))->model, ==,
                   "Qwen3-8B");
  g_assert_null (_mt_window_get_last_toast (window));
  gtk_window_destroy (GTK_WINDOW (window));

  gtk_window_destroy (GTK_WINDOW (preferences));
  g_settings_set_strv (settings, "servers", NULL);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/keyring/secrets-round-trip", test_secrets_round_trip);
  g_test_add_func ("/keyring/preferences", test_preferences_keep_key_in_keyring);

  return g_test_run ();
}
