/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "mt-new-run-dialog.h"

struct _MtNewRunDialog
{
  AdwWindow        parent_instance;

  MtProblem       *library_problem;

  /* Template widgets */
  GtkWidget       *start_button;
  AdwActionRow    *library_row;
  GtkCheckButton  *library_check;
  GtkCheckButton  *typed_check;
  GtkWidget       *typed_group;
  GtkTextView     *prompt_view;
  AdwEntryRow     *truth_row;
  AdwComboRow     *scenario_row;
  AdwActionRow    *server_row;
  gboolean         has_server;
};

enum {
  START,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (MtNewRunDialog, mt_new_run_dialog, ADW_TYPE_WINDOW)

static guint signals[N_SIGNALS];

/* The scenario row's items, in order. */
static const MtInterruptKind scenarios[] = {
  MT_INTERRUPT_CUSTOM,          /* none: no system prompt */
  MT_INTERRUPT_HARD,
  MT_INTERRUPT_SPEEDUP,
  MT_INTERRUPT_UPDATE,
};

static char *
mt_new_run_dialog_get_typed_text (MtNewRunDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->prompt_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return g_strstrip (g_steal_pointer (&text));
}

static void
mt_new_run_dialog_update (MtNewRunDialog *self)
{
  gboolean typed = gtk_check_button_get_active (self->typed_check);

  gtk_widget_set_sensitive (self->typed_group, typed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.start",
                                 mt_new_run_dialog_get_can_start (self));
}

static void
source_toggled_cb (MtNewRunDialog *self,
                   GtkCheckButton *button)
{
  mt_new_run_dialog_update (self);
  if (button == self->typed_check && gtk_check_button_get_active (button))
    gtk_widget_grab_focus (GTK_WIDGET (self->prompt_view));
}

static void
prompt_changed_cb (MtNewRunDialog *self,
                   GtkTextBuffer  *buffer)
{
  mt_new_run_dialog_update (self);
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  MtNewRunDialog *self = MT_NEW_RUN_DIALOG (widget);

  if (mt_new_run_dialog_get_can_start (self))
    g_signal_emit (self, signals[START], 0);
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  /* Preferences belong to the window; this dialog is opened again after. */
  gtk_window_close (GTK_WINDOW (widget));
  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.preferences", NULL);
}

static void
mt_new_run_dialog_dispose (GObject *object)
{
  MtNewRunDialog *self = (MtNewRunDialog *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_NEW_RUN_DIALOG);
  g_clear_object (&self->library_problem);

  G_OBJECT_CLASS (mt_new_run_dialog_parent_class)->dispose (object);
}

static void
mt_new_run_dialog_class_init (MtNewRunDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_new_run_dialog_dispose;

  /**
   * MtNewRunDialog::start:
   *
   * The user asked to start the run.
   */
  signals[START] =
    g_signal_new ("start", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/midthought/Midthought/mt-new-run-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, MtNewRunDialog, start_button);
  gtk_widget_class_bind_template_child (widget_class, MtNewRunDialog, library_row);
  gtk_widget_class_bind_template_child (widget_class, MtNewRunDialog, library_check);
  gtk_widget_class_bind_template_child (widget_class, MtNewRunDialog, typed_check);
  gtk_widget_class_bind_template_child (widget_class, MtNewRunDialog, typed_group);
  gtk_widget_class_bind_template_child (widget_class, MtNewRunDialog, prompt_view);
  gtk_widget_class_bind_template_child (widget_class, MtNewRunDialog, truth_row);
  gtk_widget_class_bind_template_child (widget_class, MtNewRunDialog, scenario_row);
  gtk_widget_class_bind_template_child (widget_class, MtNewRunDialog, server_row);
  gtk_widget_class_bind_template_callback (widget_class, source_toggled_cb);

  gtk_widget_class_install_action (widget_class, "dialog.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "dialog.preferences", NULL, preferences_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "dialog.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
mt_new_run_dialog_init (MtNewRunDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (gtk_text_view_get_buffer (self->prompt_view), "changed",
                           G_CALLBACK (prompt_changed_cb), self, G_CONNECT_SWAPPED);
}

MtNewRunDialog *
mt_new_run_dialog_new (GtkWindow            *parent,
                       MtProblem            *library_problem,
                       const MtServerConfig *server)
{
  MtNewRunDialog *self;

  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (!library_problem || MT_IS_PROBLEM (library_problem), NULL);

  self = g_object_new (MT_TYPE_NEW_RUN_DIALOG,
                       "transient-for", parent,
                       NULL);

  if (library_problem != NULL && mt_problem_get_prompt (library_problem) != NULL)
    {
      g_autofree char *first_line = NULL;
      const char *prompt = mt_problem_get_prompt (library_problem);
      const char *newline = strchr (prompt, '\n');

      self->library_problem = g_object_ref (library_problem);
      first_line = newline != NULL ? g_strndup (prompt, newline - prompt) : g_strdup (prompt);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->library_row),
                                     mt_problem_get_id (library_problem));
      adw_action_row_set_subtitle (self->library_row, first_line);
      adw_action_row_set_subtitle_lines (self->library_row, 2);
      gtk_check_button_set_active (self->library_check, TRUE);
    }
  else
    {
      adw_action_row_set_subtitle (self->library_row,
                                   _("Select a trace in the library to run its problem"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->library_row), FALSE);
      gtk_check_button_set_active (self->typed_check, TRUE);
    }

  self->has_server = server != NULL;
  if (server != NULL)
    {
      g_autofree char *subtitle = NULL;

      /* Translators: a server's model and URL, "qwen3-8b at http://…" */
      subtitle = g_strdup_printf (_("%s at %s"), server->model, server->url);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->server_row), server->name);
      adw_action_row_set_subtitle (self->server_row, subtitle);
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->server_row),
                                     _("No Server Set Up"));
      adw_action_row_set_subtitle (self->server_row,
                                   _("Add an OpenAI-compatible server in Preferences to run models"));
    }

  mt_new_run_dialog_update (self);
  return self;
}

MtProblem *
mt_new_run_dialog_dup_problem (MtNewRunDialog *self,
                               const char     *id)
{
  g_autofree char *text = NULL;
  const char *truth;
  MtProblem *problem;

  g_return_val_if_fail (MT_IS_NEW_RUN_DIALOG (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (!gtk_check_button_get_active (self->typed_check) && self->library_problem != NULL)
    return g_object_ref (self->library_problem);

  text = mt_new_run_dialog_get_typed_text (self);
  truth = gtk_editable_get_text (GTK_EDITABLE (self->truth_row));

  problem = mt_problem_new (id);
  mt_problem_set_source (problem, "typed");
  mt_problem_set_prompt (problem, text);
  if (truth != NULL && *truth != '\0')
    {
      g_autofree char *stripped = g_strstrip (g_strdup (truth));

      mt_problem_set_answer (problem, stripped);
      /* A typed answer that looks like a number is most likely maths. */
      mt_problem_set_domain (problem, MT_DOMAIN_MATH);
    }
  return problem;
}

MtInterruptKind
mt_new_run_dialog_get_scenario (MtNewRunDialog *self)
{
  guint selected;

  g_return_val_if_fail (MT_IS_NEW_RUN_DIALOG (self), MT_INTERRUPT_CUSTOM);

  selected = adw_combo_row_get_selected (self->scenario_row);
  return selected < G_N_ELEMENTS (scenarios) ? scenarios[selected] : MT_INTERRUPT_CUSTOM;
}

void
mt_new_run_dialog_set_scenario (MtNewRunDialog  *self,
                                MtInterruptKind  scenario)
{
  g_return_if_fail (MT_IS_NEW_RUN_DIALOG (self));

  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    if (scenarios[i] == scenario)
      adw_combo_row_set_selected (self->scenario_row, i);
}

void
mt_new_run_dialog_set_typed (MtNewRunDialog *self,
                             const char     *prompt,
                             const char     *ground_truth)
{
  g_return_if_fail (MT_IS_NEW_RUN_DIALOG (self));

  gtk_check_button_set_active (self->typed_check, TRUE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->prompt_view),
                            prompt != NULL ? prompt : "", -1);
  gtk_editable_set_text (GTK_EDITABLE (self->truth_row),
                         ground_truth != NULL ? ground_truth : "");
}

gboolean
mt_new_run_dialog_get_can_start (MtNewRunDialog *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (MT_IS_NEW_RUN_DIALOG (self), FALSE);

  if (!self->has_server)
    return FALSE;

  if (!gtk_check_button_get_active (self->typed_check))
    return self->library_problem != NULL;

  text = mt_new_run_dialog_get_typed_text (self);
  return *text != '\0';
}
