/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "mt-sweep-dialog.h"
#include "mt-sweep.h"
#include "mt-timeline.h"

#define MAX_SAMPLES     1000
#define MAX_CONCURRENCY 256

/* The kinds a sweep offers, in order. */
static const MtInterruptKind sweep_kinds[] = {
  MT_INTERRUPT_HARD,
  MT_INTERRUPT_FORCE_ANSWER,
  MT_INTERRUPT_SPEEDUP,
  MT_INTERRUPT_UPDATE,
};

struct _MtSweepDialog
{
  AdwWindow       parent_instance;

  AdwEntryRow    *positions_row;
  GtkCheckButton *kind_checks[G_N_ELEMENTS (sweep_kinds)];
  GtkSpinButton  *samples_spin;
  GtkSpinButton  *concurrency_spin;
  GtkWidget      *start_button;
  GtkLabel       *problem_label;

  /* Indexed by MtSweepScope; an unavailable scope has an empty array. */
  GPtrArray      *scope_problems[3];
  AdwActionRow   *scope_rows[3];
  GtkCheckButton *scope_checks[3];
  AdwPreferencesGroup *servers_group;
  GPtrArray      *servers;
  GPtrArray      *server_checks;
  char           *start_problem;
};

enum {
  START,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (MtSweepDialog, mt_sweep_dialog, ADW_TYPE_WINDOW)

static guint signals[N_SIGNALS];

static void
start_clicked_cb (MtSweepDialog *self)
{
  if (self->start_problem == NULL)
    g_signal_emit (self, signals[START], 0);
}

/* The title, Start's sensitivity and the reason it is not. */
static void
mt_sweep_dialog_update (MtSweepDialog *self)
{
  GPtrArray *problems = mt_sweep_dialog_get_problems (self);
  g_autoptr(GArray) kinds = NULL;
  g_autofree char *title = NULL;
  const char *model = NULL;
  const char *reason = NULL;
  guint n_servers = 0;

  if (self->servers == NULL)
    return;

  /* Translators: the sweep dialog's title: how many problems it covers */
  title = g_strdup_printf (ngettext ("Sweep of %u Problem", "Sweep of %u Problems", problems->len),
                           problems->len);
  gtk_window_set_title (GTK_WINDOW (self), title);

  kinds = mt_sweep_dialog_get_kinds (self);
  for (guint i = 0; i < self->servers->len; i++)
    {
      const MtServerConfig *config = g_ptr_array_index (self->servers, i);

      if (!gtk_check_button_get_active (g_ptr_array_index (self->server_checks, i)))
        continue;
      if (model != NULL && g_strcmp0 (model, config->model) != 0)
        reason = _("The chosen servers serve different models: a sweep sends every request to one model");
      model = config->model;
      n_servers++;
    }

  if (problems->len == 0)
    reason = _("There are no problems to sweep over: open a lab with problems, or choose other problems");
  else if (kinds->len == 0)
    reason = _("Choose at least one kind of interrupt");
  else if (self->servers->len == 0)
    reason = _("There is no server to send the requests to: add one in Preferences");
  else if (n_servers == 0)
    reason = _("Choose at least one server");

  g_free (self->start_problem);
  self->start_problem = g_strdup (reason);
  gtk_widget_set_sensitive (self->start_button, reason == NULL);
  gtk_widget_set_tooltip_text (self->start_button, reason);
  gtk_label_set_label (self->problem_label, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), reason != NULL);
}

static void
mt_sweep_dialog_finalize (GObject *object)
{
  MtSweepDialog *self = (MtSweepDialog *)object;

  for (guint i = 0; i < G_N_ELEMENTS (self->scope_problems); i++)
    g_clear_pointer (&self->scope_problems[i], g_ptr_array_unref);
  g_clear_pointer (&self->servers, g_ptr_array_unref);
  g_clear_pointer (&self->server_checks, g_ptr_array_unref);
  g_clear_pointer (&self->start_problem, g_free);

  G_OBJECT_CLASS (mt_sweep_dialog_parent_class)->finalize (object);
}

static void
mt_sweep_dialog_class_init (MtSweepDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = mt_sweep_dialog_finalize;

  /**
   * MtSweepDialog::start:
   *
   * The user asked to start the sweep.
   */
  signals[START] =
    g_signal_new ("start", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static GtkSpinButton *
add_spin_row (AdwPreferencesGroup *group,
              const char          *title,
              const char          *subtitle,
              double               value,
              double               upper)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (1, upper, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_preferences_group_add (group, row);
  return GTK_SPIN_BUTTON (spin);
}

static void
mt_sweep_dialog_init (MtSweepDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group;

  gtk_window_set_title (GTK_WINDOW (self), _("New Sweep"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 520, 640);

  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  self->start_button = gtk_button_new_with_mnemonic (_("_Start"));
  gtk_widget_add_css_class (self->start_button, "suggested-action");
  g_signal_connect_object (self->start_button, "clicked", G_CALLBACK (start_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->start_button);
  gtk_box_append (GTK_BOX (box), header);
  self->problem_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->problem_label, TRUE);
  gtk_label_set_xalign (self->problem_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->problem_label), "error");
  gtk_widget_set_margin_start (GTK_WIDGET (self->problem_label), 18);
  gtk_widget_set_margin_end (GTK_WIDGET (self->problem_label), 18);
  gtk_widget_set_margin_top (GTK_WIDGET (self->problem_label), 12);
  gtk_widget_set_visible (GTK_WIDGET (self->problem_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->problem_label));
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Problems"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  for (guint i = 0; i < G_N_ELEMENTS (self->scope_rows); i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      if (i > 0)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), self->scope_checks[0]);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      g_signal_connect_object (check, "toggled", G_CALLBACK (mt_sweep_dialog_update), self,
                               G_CONNECT_SWAPPED);
      self->scope_rows[i] = ADW_ACTION_ROW (row);
      self->scope_checks[i] = GTK_CHECK_BUTTON (check);
    }
  gtk_check_button_set_active (self->scope_checks[MT_SWEEP_SCOPE_ALL], TRUE);

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Interrupts"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group),
                                         _("Each problem runs once uninterrupted, then is interrupted at every position with every kind"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  self->positions_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->positions_row),
                                 _("Positions (fractions of the reasoning)"));
  gtk_editable_set_text (GTK_EDITABLE (self->positions_row), "0.1, 0.3, 0.5, 0.7, 0.9");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->positions_row));
  for (guint i = 0; i < G_N_ELEMENTS (sweep_kinds); i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     mt_timeline_get_kind_label (sweep_kinds[i]));
      if (sweep_kinds[i] == MT_INTERRUPT_UPDATE)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                     _("Only for problems that come with an update"));
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   sweep_kinds[i] != MT_INTERRUPT_UPDATE);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      g_signal_connect_object (check, "toggled", G_CALLBACK (mt_sweep_dialog_update), self,
                               G_CONNECT_SWAPPED);
      self->kind_checks[i] = GTK_CHECK_BUTTON (check);
    }

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Runs"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));
  self->samples_spin = add_spin_row (ADW_PREFERENCES_GROUP (group), _("Samples"),
                                     _("Runs of each problem, each with its own seed"), 1,
                                     MAX_SAMPLES);
  self->concurrency_spin = add_spin_row (ADW_PREFERENCES_GROUP (group), _("Concurrency"),
                                         _("Requests in flight at once"),
                                         MT_SWEEP_DEFAULT_CONCURRENCY, MAX_CONCURRENCY);

  self->servers_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->servers_group, _("Servers"));
  adw_preferences_group_set_description (self->servers_group,
                                         _("Requests go round-robin over the chosen servers"));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->servers_group);

  adw_window_set_content (ADW_WINDOW (self), box);
}

static GPtrArray *
copy_problems (GPtrArray *problems)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; problems != NULL && i < problems->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (problems, i)));
  return copy;
}

MtSweepDialog *
mt_sweep_dialog_new (GtkWindow *parent,
                     GPtrArray *all,
                     GPtrArray *filtered,
                     GPtrArray *selected,
                     GPtrArray *servers)
{
  MtSweepDialog *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (all != NULL, NULL);
  g_return_val_if_fail (servers != NULL, NULL);

  self = g_object_new (MT_TYPE_SWEEP_DIALOG, "transient-for", parent, NULL);
  self->scope_problems[MT_SWEEP_SCOPE_ALL] = copy_problems (all);
  self->scope_problems[MT_SWEEP_SCOPE_FILTERED] = copy_problems (filtered);
  self->scope_problems[MT_SWEEP_SCOPE_SELECTED] = copy_problems (selected);

  for (guint i = 0; i < G_N_ELEMENTS (self->scope_rows); i++)
    {
      guint n = self->scope_problems[i]->len;
      g_autofree char *title = NULL;
      const char *subtitle = NULL;

      switch ((MtSweepScope) i)
        {
        case MT_SWEEP_SCOPE_ALL:
          /* Translators: the sweep's problems: all of the lab's */
          title = g_strdup_printf (ngettext ("All (%u problem)", "All (%u problems)", n), n);
          subtitle = _("Every problem in the lab");
          break;
        case MT_SWEEP_SCOPE_FILTERED:
          /* Translators: the sweep's problems: those of the sidebar's filtered traces */
          title = g_strdup_printf (ngettext ("Filtered (%u problem)", "Filtered (%u problems)", n),
                                   n);
          subtitle = filtered != NULL ? _("The problems of the traces the sidebar shows")
                                      : _("The sidebar shows every trace: search or filter it to choose some");
          break;
        case MT_SWEEP_SCOPE_SELECTED:
          /* Translators: the sweep's problems: that of the selected trace */
          title = g_strdup_printf (ngettext ("Selected (%u problem)", "Selected (%u problems)", n),
                                   n);
          subtitle = n > 0 ? _("The problem of the selected trace")
                           : _("Select a trace with a problem in the sidebar to choose it");
          break;
        default:
          g_assert_not_reached ();
        }
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->scope_rows[i]), title);
      adw_action_row_set_subtitle (self->scope_rows[i], subtitle);
      gtk_widget_set_sensitive (GTK_WIDGET (self->scope_rows[i]), n > 0 || i == MT_SWEEP_SCOPE_ALL);
    }

  self->servers = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_server_config_free);
  self->server_checks = g_ptr_array_new ();
  for (guint i = 0; i < servers->len; i++)
    {
      const MtServerConfig *config = g_ptr_array_index (servers, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      g_autofree char *subtitle = NULL;

      g_ptr_array_add (self->servers, mt_server_config_copy (config));
      /* Translators: a server in the sweep dialog: its model and URL */
      subtitle = g_strdup_printf (_("%s at %s"), config->model, config->url);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), config->name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), i == 0);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_preferences_group_add (self->servers_group, row);
      g_signal_connect_object (check, "toggled", G_CALLBACK (mt_sweep_dialog_update), self,
                               G_CONNECT_SWAPPED);
      g_ptr_array_add (self->server_checks, check);
    }

  mt_sweep_dialog_update (self);
  return self;
}

MtSweepScope
mt_sweep_dialog_get_scope (MtSweepDialog *self)
{
  g_return_val_if_fail (MT_IS_SWEEP_DIALOG (self), MT_SWEEP_SCOPE_ALL);

  for (guint i = 0; i < G_N_ELEMENTS (self->scope_checks); i++)
    if (gtk_check_button_get_active (self->scope_checks[i]))
      return (MtSweepScope) i;
  return MT_SWEEP_SCOPE_ALL;
}

void
mt_sweep_dialog_set_scope (MtSweepDialog *self,
                           MtSweepScope   scope)
{
  g_return_if_fail (MT_IS_SWEEP_DIALOG (self));
  g_return_if_fail (scope <= MT_SWEEP_SCOPE_SELECTED);

  if (gtk_widget_get_sensitive (GTK_WIDGET (self->scope_rows[scope])))
    gtk_check_button_set_active (self->scope_checks[scope], TRUE);
}

GPtrArray *
mt_sweep_dialog_get_problems (MtSweepDialog *self)
{
  g_return_val_if_fail (MT_IS_SWEEP_DIALOG (self), NULL);

  return self->scope_problems[mt_sweep_dialog_get_scope (self)];
}

GPtrArray *
mt_sweep_dialog_get_servers (MtSweepDialog *self)
{
  GPtrArray *chosen;

  g_return_val_if_fail (MT_IS_SWEEP_DIALOG (self), NULL);

  chosen = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_server_config_free);
  for (guint i = 0; i < self->servers->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->server_checks, i)))
      g_ptr_array_add (chosen, mt_server_config_copy (g_ptr_array_index (self->servers, i)));
  return chosen;
}

void
mt_sweep_dialog_set_server_active (MtSweepDialog *self,
                                   guint          index,
                                   gboolean       active)
{
  g_return_if_fail (MT_IS_SWEEP_DIALOG (self));
  g_return_if_fail (index < self->server_checks->len);

  gtk_check_button_set_active (g_ptr_array_index (self->server_checks, index), active);
}

const char *
mt_sweep_dialog_get_start_problem (MtSweepDialog *self)
{
  g_return_val_if_fail (MT_IS_SWEEP_DIALOG (self), NULL);

  return self->start_problem;
}

gboolean
mt_sweep_dialog_get_positions (MtSweepDialog  *self,
                               GArray        **positions,
                               GError        **error)
{
  g_autoptr(GArray) fractions = g_array_new (FALSE, FALSE, sizeof (double));
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (MT_IS_SWEEP_DIALOG (self), FALSE);
  g_return_val_if_fail (positions != NULL, FALSE);

  parts = g_strsplit_set (gtk_editable_get_text (GTK_EDITABLE (self->positions_row)), ", ;", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *end = NULL;
      double value;

      if (*parts[i] == '\0')
        continue;

      value = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !isfinite (value) || value < 0 || value > 1)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a position: give fractions of the reasoning from 0 to 1, like 0.3"),
                       parts[i]);
          return FALSE;
        }
      g_array_append_val (fractions, value);
    }

  if (fractions->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Give at least one position, like 0.3"));
      return FALSE;
    }

  *positions = g_steal_pointer (&fractions);
  return TRUE;
}

GArray *
mt_sweep_dialog_get_kinds (MtSweepDialog *self)
{
  GArray *kinds;

  g_return_val_if_fail (MT_IS_SWEEP_DIALOG (self), NULL);

  kinds = g_array_new (FALSE, FALSE, sizeof (MtInterruptKind));
  for (guint i = 0; i < G_N_ELEMENTS (sweep_kinds); i++)
    if (gtk_check_button_get_active (self->kind_checks[i]))
      g_array_append_val (kinds, sweep_kinds[i]);
  return kinds;
}

guint
mt_sweep_dialog_get_samples (MtSweepDialog *self)
{
  g_return_val_if_fail (MT_IS_SWEEP_DIALOG (self), 1);

  return gtk_spin_button_get_value_as_int (self->samples_spin);
}

guint
mt_sweep_dialog_get_concurrency (MtSweepDialog *self)
{
  g_return_val_if_fail (MT_IS_SWEEP_DIALOG (self), 1);

  return gtk_spin_button_get_value_as_int (self->concurrency_spin);
}

void
mt_sweep_dialog_set_plan (MtSweepDialog         *self,
                          const char            *positions,
                          const MtInterruptKind *kinds,
                          guint                  n_kinds,
                          guint                  samples,
                          guint                  concurrency)
{
  g_return_if_fail (MT_IS_SWEEP_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->positions_row), positions);
  for (guint i = 0; i < G_N_ELEMENTS (sweep_kinds); i++)
    {
      gboolean active = FALSE;

      for (guint k = 0; k < n_kinds; k++)
        active |= kinds[k] == sweep_kinds[i];
      gtk_check_button_set_active (self->kind_checks[i], active);
    }
  gtk_spin_button_set_value (self->samples_spin, samples);
  gtk_spin_button_set_value (self->concurrency_spin, concurrency);
}
