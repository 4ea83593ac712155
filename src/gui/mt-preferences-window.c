/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "mt-live-session.h"
#include "mt-preferences-window.h"
#include "mt-secrets.h"
#include "mt-settings.h"

#define MAX_TOKENS_LIMIT 1048576

struct _MtPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  GCancellable         *cancellable;
  GPtrArray            *families;

  /* The editor subpage, while it is open. */
  guint                 editing;      /* G_MAXUINT for a new server */
  char                 *editing_url;  /* where its key was saved, or NULL */
  guint                 n_busy;
  char                 *result;
  GtkWidget            *editor;
  AdwEntryRow          *name_row;
  AdwEntryRow          *url_row;
  AdwPasswordEntryRow  *key_row;
  AdwActionRow         *test_row;
  GtkWidget            *test_button;
  AdwComboRow          *model_row;
  GtkStringList        *models;
  AdwComboRow          *family_row;
  AdwComboRow          *mode_row;
  AdwActionRow         *preset_row;
  GtkSpinButton        *max_tokens_spin;

  /* Template widgets */
  GtkListBox           *server_list;
  GtkSpinButton        *leakage_ratio_spin;
  GtkSpinButton        *leakage_markers_spin;
  GtkSpinButton        *panic_ratio_spin;
  GtkSpinButton        *doubt_markers_spin;
};

G_DEFINE_FINAL_TYPE (MtPreferencesWindow, mt_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void mt_preferences_window_reload (MtPreferencesWindow *self);

static void
mt_preferences_window_toast (MtPreferencesWindow *self,
                             const char          *message)
{
  /* Toast titles are markup; messages quote servers. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 6);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

static void
mt_preferences_window_set_result (MtPreferencesWindow *self,
                                  const char          *result)
{
  g_free (self->result);
  self->result = g_strdup (result);
  if (self->test_row != NULL)
    adw_action_row_set_subtitle (self->test_row, result != NULL ? result : "");
}

static void
mt_preferences_window_set_busy (MtPreferencesWindow *self,
                                gboolean             busy)
{
  if (busy)
    self->n_busy++;
  else if (self->n_busy > 0)
    self->n_busy--;

  if (self->test_button != NULL)
    gtk_widget_set_sensitive (self->test_button, self->n_busy == 0);
}

/* ------------------------------------------------------------------------ */
/* The server list                                                          */
/* ------------------------------------------------------------------------ */

static void
mt_preferences_window_write_entries (MtPreferencesWindow *self,
                                     GStrv                entries)
{
  g_settings_set_strv (self->settings, "servers", (const char * const *)entries);
}

static void
mt_preferences_window_forget_key_cb (GObject      *object,
                                     GAsyncResult *result,
                                     gpointer      user_data)
{
  g_autoptr(MtPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!mt_secrets_clear_finish (result, &error))
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the keyring's error */
      message = g_strdup_printf (_("Could not remove the API key from the keyring: %s"),
                                 error->message);
      mt_preferences_window_toast (self, message);
    }
}

static void
remove_server_cb (MtPreferencesWindow *self,
                  GtkButton           *button)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index"));
  g_auto(GStrv) entries = g_settings_get_strv (self->settings, "servers");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) kept = NULL;

  for (guint i = 0; entries[i] != NULL; i++)
    {
      if (i != index)
        {
          g_strv_builder_add (builder, entries[i]);
          continue;
        }

      {
        g_autoptr(MtServerConfig) config = mt_server_config_parse (entries[i], NULL);

        if (config != NULL)
          mt_secrets_clear_async (config->url, NULL, mt_preferences_window_forget_key_cb,
                                  g_object_ref (self));
      }
    }

  kept = g_strv_builder_end (builder);
  mt_preferences_window_write_entries (self, kept);
}

static void
use_server_cb (MtPreferencesWindow *self,
               GtkButton           *button)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "index"));
  g_auto(GStrv) entries = g_settings_get_strv (self->settings, "servers");
  char *chosen;

  if (index == 0 || index >= g_strv_length (entries))
    return;

  /* The first server is the one runs use. */
  chosen = entries[index];
  memmove (&entries[1], &entries[0], index * sizeof (char *));
  entries[0] = chosen;
  mt_preferences_window_write_entries (self, entries);
}

static void
edit_server_cb (MtPreferencesWindow *self,
                GtkButton           *button)
{
  mt_preferences_window_edit_server (self,
                                     GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button),
                                                                          "index")));
}

static GtkWidget *
new_row_button (MtPreferencesWindow *self,
                const char          *icon_name,
                const char          *tooltip,
                guint                index,
                GCallback            callback)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  gtk_widget_add_css_class (button, "flat");
  g_object_set_data (G_OBJECT (button), "index", GUINT_TO_POINTER (index));
  g_signal_connect_object (button, "clicked", callback, self, G_CONNECT_SWAPPED);
  return button;
}

static void
mt_preferences_window_reload (MtPreferencesWindow *self)
{
  g_auto(GStrv) entries = g_settings_get_strv (self->settings, "servers");
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->server_list))))
    gtk_list_box_remove (self->server_list, child);

  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MtServerConfig) config = mt_server_config_parse (entries[i], &error);
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      if (config != NULL)
        {
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), config->name);
          /* Translators: a server's model and URL, "qwen3-8b at http://…" */
          subtitle = g_strdup_printf (_("%s at %s"), config->model, config->url);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
          if (i == 0)
            adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                       gtk_image_new_from_icon_name ("emblem-default-symbolic"));
          else
            adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                       new_row_button (self, "go-top-symbolic",
                                                       _("Use for New Runs"), i,
                                                       G_CALLBACK (use_server_cb)));
          adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                     new_row_button (self, "document-edit-symbolic",
                                                     _("Edit Server"), i,
                                                     G_CALLBACK (edit_server_cb)));
        }
      else
        {
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), entries[i]);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error->message);
        }
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 new_row_button (self, "user-trash-symbolic",
                                                 _("Remove Server"), i,
                                                 G_CALLBACK (remove_server_cb)));
      gtk_list_box_append (self->server_list, row);
    }

  if (entries[0] == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No Servers Yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("Add one to start runs and interrupts from the window"));
      gtk_list_box_append (self->server_list, row);
    }
}

/* ------------------------------------------------------------------------ */
/* The editor                                                               */
/* ------------------------------------------------------------------------ */

static const char *
string_list_get_selected (AdwComboRow *row)
{
  GtkStringObject *item = adw_combo_row_get_selected_item (row);

  return item != NULL ? gtk_string_object_get_string (item) : NULL;
}

static void
combo_select_string (AdwComboRow *row,
                     const char  *value)
{
  GListModel *model = adw_combo_row_get_model (row);
  guint n_items = g_list_model_get_n_items (model);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), value) == 0)
        {
          adw_combo_row_set_selected (row, i);
          return;
        }
    }
}

static MtFamily *
mt_preferences_window_get_selected_family (MtPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->family_row);

  return selected < self->families->len ? g_ptr_array_index (self->families, selected) : NULL;
}

static void
family_selected_cb (MtPreferencesWindow *self)
{
  MtFamily *family = mt_preferences_window_get_selected_family (self);
  g_autoptr(GString) preset = g_string_new (NULL);
  const MtSampling *sampling;

  if (family == NULL)
    return;

  sampling = mt_family_get_sampling (family);
  if (!isnan (sampling->temperature))
    /* Translators: a sampling setting */
    g_string_append_printf (preset, _("temperature %.2g"), sampling->temperature);
  if (!isnan (sampling->top_p))
    g_string_append_printf (preset, "%s%s %.2g", preset->len > 0 ? ", " : "", "top-p",
                            sampling->top_p);
  if (sampling->top_k >= 0)
    g_string_append_printf (preset, "%s%s %" G_GINT64_FORMAT, preset->len > 0 ? ", " : "",
                            "top-k", sampling->top_k);
  if (sampling->max_tokens > 0)
    {
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, sampling->max_tokens);

      if (preset->len > 0)
        g_string_append (preset, ", ");
      /* Translators: the family's token limit; %s is a number */
      g_string_append_printf (preset, _("at most %s tokens"), count);
    }
  if (preset->len == 0)
    g_string_append (preset, _("the server’s defaults"));

  adw_action_row_set_subtitle (self->preset_row, preset->str);
}

static void
model_selected_cb (MtPreferencesWindow *self)
{
  const char *model = string_list_get_selected (self->model_row);
  g_autoptr(MtFamily) family = NULL;

  if (model == NULL)
    return;

  /* The user may correct it after: this is only a guess from the name. */
  if ((family = mt_family_detect (model)) != NULL)
    combo_select_string (self->family_row, mt_family_get_name (family));
}

static void
list_models_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(MtPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) models = NULL;
  g_autofree char *wanted = NULL;
  g_autofree char *message = NULL;
  guint n_models;

  models = mt_client_list_models_finish (MT_CLIENT (object), result, &error);
  mt_preferences_window_set_busy (self, FALSE);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->editor == NULL)
    return;

  if (models == NULL)
    {
      g_autofree char *what = mt_live_describe_error (error,
                                                      mt_client_get_endpoint (MT_CLIENT (object))
                                                        ? mt_endpoint_get_base_url (mt_client_get_endpoint (MT_CLIENT (object)))
                                                        : NULL,
                                                      NULL);

      /* Translators: %s says what went wrong */
      message = g_strdup_printf (_("Failed: %s"), what);
      mt_preferences_window_set_result (self, message);
      return;
    }

  wanted = g_strdup (string_list_get_selected (self->model_row));
  n_models = g_strv_length (models);
  gtk_string_list_splice (self->models, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->models)),
                          (const char * const *)models);

  if (n_models == 0)
    message = g_strdup (_("Connected, but the server lists no models: load one on the server"));
  else if (wanted != NULL && !g_strv_contains ((const char * const *)models, wanted))
    /* Translators: the server was reached but does not serve the saved model */
    message = g_strdup_printf (_("Connected, but the server does not serve “%s”: pick one of its models"),
                               wanted);
  else
    message = g_strdup_printf (ngettext ("Connected: the server serves %u model",
                                         "Connected: the server serves %u models", n_models),
                               n_models);

  if (wanted != NULL)
    combo_select_string (self->model_row, wanted);
  model_selected_cb (self);
  mt_preferences_window_set_result (self, message);
}

static void
test_clicked_cb (MtPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtEndpoint) endpoint = NULL;
  g_autoptr(MtClient) client = NULL;
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->url_row));
  const char *key = gtk_editable_get_text (GTK_EDITABLE (self->key_row));

  if (!(endpoint = mt_endpoint_new (url, &error)))
    {
      g_autofree char *what = mt_live_describe_error (error, url, NULL);

      mt_preferences_window_set_result (self, what);
      return;
    }

  client = mt_client_new (endpoint);
  if (key != NULL && *key != '\0')
    mt_client_set_api_key (client, key);
  /* A person is waiting for the answer: no long retries. */
  mt_client_set_max_attempts (client, 1);

  mt_preferences_window_set_result (self, _("Connecting…"));
  mt_preferences_window_set_busy (self, TRUE);
  mt_client_list_models_async (client, self->cancellable, list_models_cb, g_object_ref (self));
}

static void
lookup_key_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(MtPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;

  key = mt_secrets_lookup_finish (result, &error);
  mt_preferences_window_set_busy (self, FALSE);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->editor == NULL)
    return;

  if (error != NULL)
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the keyring's error */
      message = g_strdup_printf (_("Could not read the API key from the keyring: %s"),
                                 error->message);
      mt_preferences_window_toast (self, message);
      return;
    }

  if (key != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->key_row), key);
}

static void
store_key_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(MtPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!mt_secrets_store_finish (result, &error))
    {
      g_autofree char *message = NULL;

      /* Translators: %s is the keyring's error */
      message = g_strdup_printf (_("The API key could not be saved in the keyring: %s"),
                                 error->message);
      mt_preferences_window_toast (self, message);
    }

  mt_preferences_window_set_busy (self, FALSE);
  /* The window reads the key when the server list changes: say it again
   * now that the key is there. */
  g_signal_emit_by_name (self->settings, "changed::servers", "servers");
}

static void
clear_key_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(MtPreferencesWindow) self = user_data;

  mt_secrets_clear_finish (result, NULL);
  mt_preferences_window_set_busy (self, FALSE);
}

static void
save_clicked_cb (MtPreferencesWindow *self)
{
  g_autoptr(MtServerConfig) config = mt_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *entry = NULL;
  g_auto(GStrv) entries = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) written = NULL;
  g_autofree char *key = NULL;
  MtFamily *family = mt_preferences_window_get_selected_family (self);
  g_autoptr(MtFamily) detected = NULL;
  g_autoptr(MtEndpoint) endpoint = NULL;
  int max_tokens;

  config->name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row))));
  config->url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));
  config->model = g_strdup (string_list_get_selected (self->model_row));
  config->mode = adw_combo_row_get_selected (self->mode_row) == 1 ? MT_COMPLETION_MODE_CHAT
                                                                   : MT_COMPLETION_MODE_COMPLETIONS;
  max_tokens = gtk_spin_button_get_value_as_int (self->max_tokens_spin);
  config->max_tokens = max_tokens > 0 ? max_tokens : -1;

  /* Only a family the user chose over the detected one is stored, so a
   * model renamed later is detected again. */
  if (config->model != NULL)
    detected = mt_family_detect (config->model);
  if (family != NULL
      && (detected == NULL
          || g_strcmp0 (mt_family_get_name (family), mt_family_get_name (detected)) != 0))
    config->family = g_strdup (mt_family_get_name (family));

  if (config->model == NULL)
    {
      mt_preferences_window_toast (self, _("Pick a model: test the connection to list the server’s models"));
      return;
    }

  if (!(endpoint = mt_endpoint_new (config->url, &error))
      || !(entry = mt_server_config_to_string (config, &error)))
    {
      mt_preferences_window_toast (self, error->message);
      return;
    }

  entries = g_settings_get_strv (self->settings, "servers");
  builder = g_strv_builder_new ();
  for (guint i = 0; entries[i] != NULL; i++)
    g_strv_builder_add (builder, i == self->editing ? entry : entries[i]);
  if (self->editing >= g_strv_length (entries))
    g_strv_builder_add (builder, entry);
  written = g_strv_builder_end (builder);

  /* The key first: the window reads it when the list changes. */
  key = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->key_row)));
  if (self->editing_url != NULL && g_strcmp0 (self->editing_url, config->url) != 0)
    {
      mt_preferences_window_set_busy (self, TRUE);
      mt_secrets_clear_async (self->editing_url, NULL, clear_key_cb, g_object_ref (self));
    }
  mt_preferences_window_set_busy (self, TRUE);
  if (key != NULL && *key != '\0')
    mt_secrets_store_async (config->url, key, NULL, store_key_cb, g_object_ref (self));
  else
    mt_secrets_clear_async (config->url, NULL, clear_key_cb, g_object_ref (self));

  mt_preferences_window_write_entries (self, written);
  adw_preferences_window_close_subpage (ADW_PREFERENCES_WINDOW (self));
}

static void
editor_unmap_cb (MtPreferencesWindow *self)
{
  /* The subpage closed: its widgets are going away. */
  self->editor = NULL;
  self->test_row = NULL;
  self->test_button = NULL;
  g_clear_pointer (&self->editing_url, g_free);
}

static AdwPreferencesGroup *
new_group (AdwPreferencesPage *page,
           const char         *title)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  adw_preferences_page_add (page, ADW_PREFERENCES_GROUP (group));
  return ADW_PREFERENCES_GROUP (group);
}

static AdwComboRow *
new_combo_row (AdwPreferencesGroup *group,
               const char          *title,
               GListModel          *model)
{
  GtkWidget *row = adw_combo_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), model);
  adw_preferences_group_add (group, row);
  return ADW_COMBO_ROW (row);
}

static void
mt_preferences_window_build_editor (MtPreferencesWindow *self,
                                    const char          *title)
{
  g_autoptr(GtkStringList) family_names = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) modes = NULL;
  const char *mode_names[] = { NULL, NULL, NULL };
  AdwPreferencesPage *page;
  AdwPreferencesGroup *group;
  GtkWidget *header;
  GtkWidget *back;
  GtkWidget *save;
  GtkWidget *box;
  GtkWidget *row;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new (title, NULL));
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  back = gtk_button_new_from_icon_name ("go-previous-symbolic");
  gtk_widget_set_tooltip_text (back, _("Back"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (back), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Back"), -1);
  g_signal_connect_object (back, "clicked", G_CALLBACK (adw_preferences_window_close_subpage),
                           self, G_CONNECT_SWAPPED);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), back);
  save = gtk_button_new_with_mnemonic (_("_Save"));
  gtk_widget_add_css_class (save, "suggested-action");
  g_signal_connect_object (save, "clicked", G_CALLBACK (save_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), save);
  gtk_box_append (GTK_BOX (box), header);

  page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (page), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (page));

  group = new_group (page, _("Connection"));
  row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Name"));
  adw_preferences_group_add (group, row);
  self->name_row = ADW_ENTRY_ROW (row);
  row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Base URL"));
  gtk_editable_set_text (GTK_EDITABLE (row), MT_ENDPOINT_DEFAULT_URL);
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (row), GTK_INPUT_PURPOSE_URL);
  adw_preferences_group_add (group, row);
  self->url_row = ADW_ENTRY_ROW (row);
  row = adw_password_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("API Key (kept in the keyring)"));
  adw_preferences_group_add (group, row);
  self->key_row = ADW_PASSWORD_ENTRY_ROW (row);
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Connection Test"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Not tested yet"));
  self->test_button = gtk_button_new_with_mnemonic (_("_Test Connection"));
  gtk_widget_set_valign (self->test_button, GTK_ALIGN_CENTER);
  g_signal_connect_object (self->test_button, "clicked", G_CALLBACK (test_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), self->test_button);
  adw_preferences_group_add (group, row);
  self->test_row = ADW_ACTION_ROW (row);

  group = new_group (page, _("Model"));
  self->models = gtk_string_list_new (NULL);
  self->model_row = new_combo_row (group, _("Model"), G_LIST_MODEL (self->models));
  g_object_unref (self->models);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->model_row),
                               _("As the server lists it; test the connection to fetch the list"));
  g_signal_connect_object (self->model_row, "notify::selected",
                           G_CALLBACK (model_selected_cb), self, G_CONNECT_SWAPPED);

  for (guint i = 0; i < self->families->len; i++)
    gtk_string_list_append (family_names,
                            mt_family_get_name (g_ptr_array_index (self->families, i)));
  self->family_row = new_combo_row (group, _("Family"), G_LIST_MODEL (family_names));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->family_row),
                               _("Chat template and think tags; detected from the model’s name"));
  g_signal_connect_object (self->family_row, "notify::selected",
                           G_CALLBACK (family_selected_cb), self, G_CONNECT_SWAPPED);

  mode_names[0] = _("Completions");
  mode_names[1] = _("Chat");
  modes = gtk_string_list_new (mode_names);
  self->mode_row = new_combo_row (group, _("Mode"), G_LIST_MODEL (modes));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->mode_row),
                               _("Completions sends the family’s raw prompt, as the paper does; chat continues an assistant prefill"));

  group = new_group (page, _("Sampling"));
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Preset From the Family"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_group_add (group, row);
  self->preset_row = ADW_ACTION_ROW (row);
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Maximum Tokens"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("0 keeps the family’s limit"));
  self->max_tokens_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, MAX_TOKENS_LIMIT,
                                                                           256));
  gtk_widget_set_valign (GTK_WIDGET (self->max_tokens_spin), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->max_tokens_spin),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Maximum Tokens"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->max_tokens_spin));
  adw_preferences_group_add (group, row);

  self->editor = box;
  g_signal_connect_object (box, "unmap", G_CALLBACK (editor_unmap_cb), self, G_CONNECT_SWAPPED);
  family_selected_cb (self);
}

void
mt_preferences_window_edit_server (MtPreferencesWindow *self,
                                   guint                index)
{
  g_auto(GStrv) entries = NULL;
  g_autoptr(MtServerConfig) config = NULL;

  g_return_if_fail (MT_IS_PREFERENCES_WINDOW (self));

  entries = g_settings_get_strv (self->settings, "servers");
  if (index < g_strv_length (entries))
    config = mt_server_config_parse (entries[index], NULL);

  g_clear_pointer (&self->editing_url, g_free);
  self->editing = config != NULL ? index : G_MAXUINT;
  mt_preferences_window_set_result (self, NULL);
  mt_preferences_window_build_editor (self, config != NULL ? _("Edit Server") : _("Add Server"));

  if (config != NULL)
    {
      g_autoptr(MtFamily) family = NULL;

      self->editing_url = g_strdup (config->url);
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), config->name);
      gtk_editable_set_text (GTK_EDITABLE (self->url_row), config->url);
      gtk_string_list_append (self->models, config->model);
      adw_combo_row_set_selected (self->model_row, 0);
      family = config->family != NULL ? mt_family_lookup (config->family)
                                      : mt_family_detect (config->model);
      if (family != NULL)
        combo_select_string (self->family_row, mt_family_get_name (family));
      adw_combo_row_set_selected (self->mode_row, config->mode == MT_COMPLETION_MODE_CHAT);
      gtk_spin_button_set_value (self->max_tokens_spin, MAX (config->max_tokens, 0));

      mt_preferences_window_set_busy (self, TRUE);
      mt_secrets_lookup_async (config->url, self->cancellable, lookup_key_cb,
                               g_object_ref (self));
    }
  else
    {
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), _("Local server"));
    }

  mt_preferences_window_set_result (self, _("Not tested yet"));
  adw_preferences_window_present_subpage (ADW_PREFERENCES_WINDOW (self), self->editor);
}

static void
add_server_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *param)
{
  mt_preferences_window_edit_server (MT_PREFERENCES_WINDOW (widget), G_MAXUINT);
}

static void
mt_preferences_window_dispose (GObject *object)
{
  MtPreferencesWindow *self = (MtPreferencesWindow *)object;

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_PREFERENCES_WINDOW);
  self->editor = NULL;
  self->test_row = NULL;
  self->test_button = NULL;
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->families, g_ptr_array_unref);

  G_OBJECT_CLASS (mt_preferences_window_parent_class)->dispose (object);
}

static void
mt_preferences_window_finalize (GObject *object)
{
  MtPreferencesWindow *self = (MtPreferencesWindow *)object;

  g_clear_pointer (&self->editing_url, g_free);
  g_clear_pointer (&self->result, g_free);

  G_OBJECT_CLASS (mt_preferences_window_parent_class)->finalize (object);
}

static void
reset_thresholds_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  MtPreferencesWindow *self = MT_PREFERENCES_WINDOW (widget);

  mt_settings_reset_thresholds (self->settings);
}

/* Marker counts are unsigned keys; a spin button's value is a double. */
static gboolean
count_from_setting (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_uint32 (variant));
  return TRUE;
}

static GVariant *
count_to_setting (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  return g_variant_new_uint32 ((guint32) CLAMP (round (g_value_get_double (value)), 0, G_MAXUINT32));
}

static void
mt_preferences_window_bind_thresholds (MtPreferencesWindow *self)
{
  g_settings_bind (self->settings, "leakage-ratio",
                   gtk_spin_button_get_adjustment (self->leakage_ratio_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "panic-ratio",
                   gtk_spin_button_get_adjustment (self->panic_ratio_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "leakage-markers",
                                gtk_spin_button_get_adjustment (self->leakage_markers_spin),
                                "value", G_SETTINGS_BIND_DEFAULT,
                                count_from_setting, count_to_setting, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "doubt-markers",
                                gtk_spin_button_get_adjustment (self->doubt_markers_spin),
                                "value", G_SETTINGS_BIND_DEFAULT,
                                count_from_setting, count_to_setting, NULL, NULL);
}

static void
mt_preferences_window_class_init (MtPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_preferences_window_dispose;
  object_class->finalize = mt_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/midthought/Midthought/mt-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MtPreferencesWindow, server_list);
  gtk_widget_class_bind_template_child (widget_class, MtPreferencesWindow, leakage_ratio_spin);
  gtk_widget_class_bind_template_child (widget_class, MtPreferencesWindow, leakage_markers_spin);
  gtk_widget_class_bind_template_child (widget_class, MtPreferencesWindow, panic_ratio_spin);
  gtk_widget_class_bind_template_child (widget_class, MtPreferencesWindow, doubt_markers_spin);

  gtk_widget_class_install_action (widget_class, "prefs.add-server", NULL, add_server_action);
  gtk_widget_class_install_action (widget_class, "prefs.reset-thresholds", NULL,
                                   reset_thresholds_action);
}

static void
mt_preferences_window_init (MtPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->families = mt_family_get_all ();
  self->editing = G_MAXUINT;
}

MtPreferencesWindow *
mt_preferences_window_new (GtkWindow *parent,
                           GSettings *settings)
{
  MtPreferencesWindow *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (MT_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       NULL);
  self->settings = g_object_ref (settings);
  g_signal_connect_object (settings, "changed::servers",
                           G_CALLBACK (mt_preferences_window_reload), self, G_CONNECT_SWAPPED);
  mt_preferences_window_reload (self);
  mt_preferences_window_bind_thresholds (self);
  return self;
}

void
_mt_preferences_window_set_fields (MtPreferencesWindow *self,
                                   const char          *name,
                                   const char          *url,
                                   const char          *api_key)
{
  g_return_if_fail (MT_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (self->editor != NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), name);
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url);
  gtk_editable_set_text (GTK_EDITABLE (self->key_row), api_key != NULL ? api_key : "");
}

void
_mt_preferences_window_test (MtPreferencesWindow *self)
{
  g_return_if_fail (MT_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (self->editor != NULL);

  test_clicked_cb (self);
}

gboolean
_mt_preferences_window_is_busy (MtPreferencesWindow *self)
{
  g_return_val_if_fail (MT_IS_PREFERENCES_WINDOW (self), FALSE);

  return self->n_busy > 0;
}

const char *
_mt_preferences_window_get_result (MtPreferencesWindow *self)
{
  g_return_val_if_fail (MT_IS_PREFERENCES_WINDOW (self), NULL);

  return self->result;
}

const char *
_mt_preferences_window_get_model (MtPreferencesWindow *self)
{
  g_return_val_if_fail (MT_IS_PREFERENCES_WINDOW (self), NULL);

  return self->editor != NULL ? string_list_get_selected (self->model_row) : NULL;
}

const char *
_mt_preferences_window_get_family (MtPreferencesWindow *self)
{
  MtFamily *family;

  g_return_val_if_fail (MT_IS_PREFERENCES_WINDOW (self), NULL);

  if (self->editor == NULL || (family = mt_preferences_window_get_selected_family (self)) == NULL)
    return NULL;
  return mt_family_get_name (family);
}

void
_mt_preferences_window_save (MtPreferencesWindow *self)
{
  g_return_if_fail (MT_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (self->editor != NULL);

  save_clicked_cb (self);
}
