/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "mt-secrets.h"

/* The attribute names are part of the stored items: changing them loses
 * the keys users saved. */
static const SecretSchema *
mt_secrets_get_schema (void)
{
  static const SecretSchema schema = {
    APP_ID ".ApiKey", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

static void
mt_secrets_store_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
mt_secrets_store_async (const char          *server_url,
                        const char          *api_key,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (server_url != NULL);
  g_return_if_fail (api_key != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_secrets_store_async);

  /* Translators: the name of the API key's entry in the user's keyring */
  label = g_strdup_printf (_("Midthought API key for %s"), server_url);
  secret_password_store (mt_secrets_get_schema (), SECRET_COLLECTION_DEFAULT, label, api_key,
                         cancellable, mt_secrets_store_cb, g_steal_pointer (&task),
                         "server", server_url,
                         NULL);
}

gboolean
mt_secrets_store_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
mt_secrets_lookup_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *password;

  password = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, password, (GDestroyNotify)secret_password_free);
}

void
mt_secrets_lookup_async (const char          *server_url,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (server_url != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_secrets_lookup_async);
  secret_password_lookup (mt_secrets_get_schema (), cancellable, mt_secrets_lookup_cb, task,
                          "server", server_url,
                          NULL);
}

char *
mt_secrets_lookup_finish (GAsyncResult  *result,
                          GError       **error)
{
  char *password;
  char *copy;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  password = g_task_propagate_pointer (G_TASK (result), error);
  if (password == NULL)
    return NULL;

  /* libsecret hands out non-pageable memory; callers free with g_free. */
  copy = g_strdup (password);
  secret_password_free (password);
  return copy;
}

static void
mt_secrets_clear_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
mt_secrets_clear_async (const char          *server_url,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (server_url != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_secrets_clear_async);
  secret_password_clear (mt_secrets_get_schema (), cancellable, mt_secrets_clear_cb, task,
                         "server", server_url,
                         NULL);
}

gboolean
mt_secrets_clear_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
