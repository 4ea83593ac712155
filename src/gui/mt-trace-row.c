/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "mt-trace-row.h"

/* A trace that streams (a live run) changes many times a second: its row
 * shows the new counts at most this often, in ms. */
#define STREAM_REFRESH_INTERVAL 250

struct _MtTraceRow
{
  GtkWidget  parent_instance;

  MtTrace   *trace;
  MtTraceJudgement judgement;
  gboolean   judged;
  guint      refresh_id;

  GtkWidget *box;
  GtkLabel  *model_label;
  GtkLabel  *problem_label;
  GtkLabel  *tokens_label;
  GtkLabel  *finish_label;
  GtkLabel  *verdict_label;
};

enum {
  PROP_0,
  PROP_TRACE,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (MtTraceRow, mt_trace_row, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];

static const char *
finish_reason_describe (MtFinishReason reason)
{
  switch (reason)
    {
    case MT_FINISH_STOP:
      /* Translators: how a generation ended: the model stopped by itself */
      return C_("finish reason", "Finished");
    case MT_FINISH_LENGTH:
      /* Translators: how a generation ended: it ran into the token limit */
      return C_("finish reason", "Cut off at limit");
    case MT_FINISH_CANCELLED:
      return C_("finish reason", "Cancelled");
    case MT_FINISH_ERROR:
      return C_("finish reason", "Failed");
    case MT_FINISH_UNKNOWN:
    default:
      /* Many files do not say; a label on every row would be noise. */
      return NULL;
    }
}

static const char *
finish_reason_style (MtFinishReason reason)
{
  switch (reason)
    {
    case MT_FINISH_LENGTH:
    case MT_FINISH_CANCELLED:
      return "warning";
    case MT_FINISH_ERROR:
      return "error";
    case MT_FINISH_STOP:
    case MT_FINISH_UNKNOWN:
    default:
      return NULL;
    }
}

static const char *
verdict_describe (MtVerdict verdict)
{
  switch (verdict)
    {
    case MT_VERDICT_CORRECT:
      /* Translators: the verdict on a trace's final answer */
      return C_("verdict", "Correct");
    case MT_VERDICT_WRONG:
      return C_("verdict", "Wrong");
    case MT_VERDICT_UNGRADABLE:
      /* Translators: the verdict on a trace in which no final answer was found */
      return C_("verdict", "No answer");
    case MT_VERDICT_UNGRADED:
    default:
      /* Translators: the verdict on a trace whose problem has no known answer */
      return C_("verdict", "Ungraded");
    }
}

static const char *
verdict_style (MtVerdict verdict)
{
  switch (verdict)
    {
    case MT_VERDICT_CORRECT:
      return "success";
    case MT_VERDICT_WRONG:
      return "error";
    case MT_VERDICT_UNGRADABLE:
      return "warning";
    case MT_VERDICT_UNGRADED:
    default:
      return "dim-label";
    }
}

char *
mt_trace_judgement_describe (const MtTraceJudgement *judgement)
{
  GString *text;

  g_return_val_if_fail (judgement != NULL, NULL);

  text = g_string_new (verdict_describe (judgement->verdict));
  /* Translators: separates a verdict from the failure modes found, "Wrong · Panic" */
  if (judgement->failures & MT_TRACE_FAILURE_LEAKAGE)
    g_string_append_printf (text, _(" · %s"), C_("failure mode", "Leakage"));
  if (judgement->failures & MT_TRACE_FAILURE_PANIC)
    g_string_append_printf (text, _(" · %s"), C_("failure mode", "Panic"));
  if (judgement->failures & MT_TRACE_FAILURE_DOUBT)
    g_string_append_printf (text, _(" · %s"), C_("failure mode", "Self-doubt"));

  return g_string_free (text, FALSE);
}

static void
mt_trace_row_update_verdict (MtTraceRow *self)
{
  static const char *verdict_styles[] = { "success", "error", "warning", "dim-label" };
  g_autofree char *text = NULL;

  g_assert (MT_IS_TRACE_ROW (self));

  for (guint i = 0; i < G_N_ELEMENTS (verdict_styles); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_label), verdict_styles[i]);

  if (self->trace == NULL || !self->judged)
    {
      gtk_label_set_label (self->verdict_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->verdict_label), FALSE);
      return;
    }

  text = mt_trace_judgement_describe (&self->judgement);
  gtk_label_set_label (self->verdict_label, text);
  gtk_widget_add_css_class (GTK_WIDGET (self->verdict_label),
                            verdict_style (self->judgement.verdict));
  gtk_widget_set_visible (GTK_WIDGET (self->verdict_label), TRUE);
}

static void
mt_trace_row_update (MtTraceRow *self)
{
  static const char *finish_styles[] = { "warning", "error" };
  g_autofree char *tokens = NULL;
  MtFinishReason reason;
  const char *problem_id;
  const char *model;
  const char *style;
  guint n_tokens;
  guint n_answer;

  g_assert (MT_IS_TRACE_ROW (self));

  mt_trace_row_update_verdict (self);

  for (guint i = 0; i < G_N_ELEMENTS (finish_styles); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->finish_label), finish_styles[i]);

  if (self->trace == NULL)
    {
      gtk_label_set_label (self->model_label, NULL);
      gtk_label_set_label (self->problem_label, NULL);
      gtk_label_set_label (self->tokens_label, NULL);
      gtk_label_set_label (self->finish_label, NULL);
      return;
    }

  model = mt_trace_get_model (self->trace);
  if (model == NULL || *model == '\0')
    model = _("Unknown model");
  gtk_label_set_label (self->model_label, model);

  problem_id = mt_trace_get_problem_id (self->trace);
  if (problem_id == NULL || *problem_id == '\0')
    problem_id = mt_trace_get_id (self->trace);
  gtk_label_set_label (self->problem_label, problem_id);

  n_tokens = mt_trace_get_n_reasoning_tokens (self->trace);
  n_answer = mt_trace_get_n_answer_tokens (self->trace);
  if (mt_token_spans_get_source (mt_trace_get_reasoning_spans (self->trace))
      == MT_TOKEN_SOURCE_APPROX)
    /* Translators: estimated counts of reasoning and answer tokens, e.g. "≈1,204 + 35 tokens" */
    tokens = g_strdup_printf (ngettext ("≈%'u + %'u token", "≈%'u + %'u tokens", n_answer),
                              n_tokens, n_answer);
  else
    /* Translators: counts of reasoning and answer tokens, e.g. "1,204 + 35 tokens" */
    tokens = g_strdup_printf (ngettext ("%'u + %'u token", "%'u + %'u tokens", n_answer),
                              n_tokens, n_answer);
  gtk_label_set_label (self->tokens_label, tokens);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->tokens_label),
                               _("Reasoning tokens + answer tokens"));

  reason = mt_trace_get_finish_reason (self->trace);
  gtk_label_set_label (self->finish_label, finish_reason_describe (reason));
  gtk_widget_set_visible (GTK_WIDGET (self->finish_label), reason != MT_FINISH_UNKNOWN);
  if ((style = finish_reason_style (reason)))
    gtk_widget_add_css_class (GTK_WIDGET (self->finish_label), style);
}

static gboolean
mt_trace_row_refresh_cb (gpointer user_data)
{
  MtTraceRow *self = user_data;

  self->refresh_id = 0;
  mt_trace_row_update (self);
  return G_SOURCE_REMOVE;
}

/* The text grew: new counts soon, once for many changes. */
static void
mt_trace_row_text_changed_cb (MtTraceRow *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (STREAM_REFRESH_INTERVAL, mt_trace_row_refresh_cb, self);
}

/* It ended: the last counts and how it ended, now. */
static void
mt_trace_row_finish_changed_cb (MtTraceRow *self)
{
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  mt_trace_row_update (self);
}

static void
mt_trace_row_disconnect (MtTraceRow *self)
{
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->trace != NULL)
    g_signal_handlers_disconnect_by_data (self->trace, self);
}

static void
mt_trace_row_dispose (GObject *object)
{
  MtTraceRow *self = (MtTraceRow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_TRACE_ROW);
  mt_trace_row_disconnect (self);
  g_clear_object (&self->trace);

  G_OBJECT_CLASS (mt_trace_row_parent_class)->dispose (object);
}

static void
mt_trace_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  MtTraceRow *self = MT_TRACE_ROW (object);

  switch (prop_id)
    {
    case PROP_TRACE:
      g_value_set_object (value, self->trace);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_trace_row_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  MtTraceRow *self = MT_TRACE_ROW (object);

  switch (prop_id)
    {
    case PROP_TRACE:
      mt_trace_row_set_trace (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_trace_row_class_init (MtTraceRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_trace_row_dispose;
  object_class->get_property = mt_trace_row_get_property;
  object_class->set_property = mt_trace_row_set_property;

  properties[PROP_TRACE] =
    g_param_spec_object ("trace", NULL, NULL,
                         MT_TYPE_TRACE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/midthought/Midthought/mt-trace-row.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "traceitem");
  gtk_widget_class_bind_template_child (widget_class, MtTraceRow, box);
  gtk_widget_class_bind_template_child (widget_class, MtTraceRow, model_label);
  gtk_widget_class_bind_template_child (widget_class, MtTraceRow, problem_label);
  gtk_widget_class_bind_template_child (widget_class, MtTraceRow, tokens_label);
  gtk_widget_class_bind_template_child (widget_class, MtTraceRow, finish_label);
  gtk_widget_class_bind_template_child (widget_class, MtTraceRow, verdict_label);
}

static void
mt_trace_row_init (MtTraceRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
mt_trace_row_new (void)
{
  return g_object_new (MT_TYPE_TRACE_ROW, NULL);
}

MtTrace *
mt_trace_row_get_trace (MtTraceRow *self)
{
  g_return_val_if_fail (MT_IS_TRACE_ROW (self), NULL);

  return self->trace;
}

void
mt_trace_row_set_trace (MtTraceRow *self,
                        MtTrace    *trace)
{
  g_return_if_fail (MT_IS_TRACE_ROW (self));
  g_return_if_fail (!trace || MT_IS_TRACE (trace));

  if (self->trace == trace)
    return;

  mt_trace_row_disconnect (self);
  if (g_set_object (&self->trace, trace))
    {
      if (trace != NULL)
        {
          g_signal_connect_object (trace, "notify::reasoning",
                                   G_CALLBACK (mt_trace_row_text_changed_cb), self,
                                   G_CONNECT_SWAPPED);
          g_signal_connect_object (trace, "notify::answer",
                                   G_CALLBACK (mt_trace_row_text_changed_cb), self,
                                   G_CONNECT_SWAPPED);
          g_signal_connect_object (trace, "notify::finish-reason",
                                   G_CALLBACK (mt_trace_row_finish_changed_cb), self,
                                   G_CONNECT_SWAPPED);
        }
      self->judged = FALSE;
      mt_trace_row_update (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRACE]);
    }
}

void
mt_trace_row_set_judgement (MtTraceRow             *self,
                            const MtTraceJudgement *judgement)
{
  g_return_if_fail (MT_IS_TRACE_ROW (self));

  if (judgement == NULL ? !self->judged
                        : self->judged && memcmp (&self->judgement, judgement,
                                                  sizeof *judgement) == 0)
    return;

  self->judged = judgement != NULL;
  if (judgement != NULL)
    self->judgement = *judgement;
  mt_trace_row_update_verdict (self);
}

const char *
mt_trace_row_get_verdict_text (MtTraceRow *self)
{
  g_return_val_if_fail (MT_IS_TRACE_ROW (self), NULL);

  return gtk_label_get_label (self->verdict_label);
}

const char *
mt_trace_row_get_tokens_text (MtTraceRow *self)
{
  g_return_val_if_fail (MT_IS_TRACE_ROW (self), NULL);

  return gtk_label_get_label (self->tokens_label);
}
