/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mt-compare-view-private.h"
#include "mt-settings.h"
#include "mt-timeline.h"

/* Columns are read side by side: narrow enough for three on a laptop,
 * wide enough for a line of a proof. */
#define COLUMN_WIDTH 340

typedef struct
{
  MtCompareView     *view;          /* unowned: the view owns the column */
  guint              index;         /* in the comparison */
  char              *title;
  gboolean           pinned;
  gboolean           hidden;
  GtkWidget         *box;           /* owned */
  GtkScrolledWindow *scroller;
  GtkTextView       *text_view;
  GtkCheckButton    *diff_check;
  GtkToggleButton   *pin_button;
  GtkWidget         *chips;
  /* int per section: its first character in the buffer, -1 when it is not
   * shown as is. */
  GArray            *section_chars;
} Column;

struct _MtCompareView
{
  GtkWidget           parent_instance;

  MtLab              *lab;
  MtTrace            *base;
  MtMarkerLexicon    *lexicon;
  GSettings          *settings;
  MtComparison       *comparison;
  GPtrArray          *columns;      /* Column, in comparison order */
  GArray             *order;        /* guint: column numbers in the user's order */
  GPtrArray          *bases;        /* MtTrace: the runs that have branches, for the selector */
  int                 diff_a;
  int                 diff_b;
  int                 leader;       /* the column last scrolled by the user, or -1 */
  double              relative;     /* its relative scroll position */
  int                 focus_column;
  guint               sync_tick_id;
  guint               rebuild_id;
  guint               refresh_tick_id;
  GPtrArray          *watched;      /* MtTrace: the columns', while they may grow */
  guint               syncing : 1;
  guint               updating : 1;

  /* Template widgets */
  GtkStack           *stack;
  GtkButton          *prefix_button;
  GtkLabel           *diff_label;
  GtkButton          *show_hidden_button;
  GtkWidget          *base_box;
  GtkMenuButton      *base_button;
  GtkRevealer        *prefix_revealer;
  GtkTextView        *prefix_view;
  GtkBox             *pinned_box;
  GtkScrolledWindow  *columns_scroller;
  GtkBox             *columns_box;
};

G_DEFINE_FINAL_TYPE (MtCompareView, mt_compare_view, GTK_TYPE_WIDGET)

static void mt_compare_view_rebuild (MtCompareView *self);

/* "1,234" in the user's locale. */
static char *
format_count (guint64 n)
{
  return g_strdup_printf ("%'" G_GUINT64_FORMAT, n);
}

static const MtCompareColumn *
column_data (Column *column)
{
  return g_ptr_array_index (column->view->comparison->columns, column->index);
}

static void
column_free (Column *column)
{
  GtkWidget *parent = gtk_widget_get_parent (column->box);

  g_signal_handlers_disconnect_by_data (gtk_scrolled_window_get_vadjustment (column->scroller),
                                        column);
  if (parent != NULL)
    gtk_box_remove (GTK_BOX (parent), column->box);
  g_clear_object (&column->box);
  g_clear_pointer (&column->section_chars, g_array_unref);
  g_free (column->title);
  g_free (column);
}

static Column *
find_column (MtCompareView *self,
             const char    *id)
{
  for (guint i = 0; i < self->columns->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);

      if (g_strcmp0 (mt_trace_get_id (column_data (column)->trace), id) == 0)
        return column;
    }

  return NULL;
}

static const char *
column_id_at (MtCompareView *self,
              guint          index)
{
  return mt_trace_get_id (column_data (g_ptr_array_index (self->columns, index))->trace);
}

/* The visible columns left to right: pinned ones first, each group in the
 * user's order. */
static GPtrArray *
display_order (MtCompareView *self)
{
  GPtrArray *order = g_ptr_array_new ();

  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->order->len; i++)
      {
        Column *column = g_ptr_array_index (self->columns, g_array_index (self->order, guint, i));

        if (!column->hidden && column->pinned == (pass == 0))
          g_ptr_array_add (order, column);
      }

  return order;
}

/* Puts @columns into @box in order, moving only what is out of place: a
 * column taken out of its box loses its scroll position and layout. */
static void
place_columns (GtkBox    *box,
               GPtrArray *columns)
{
  GtkWidget *previous = NULL;

  for (guint i = 0; i < columns->len; i++)
    {
      Column *column = g_ptr_array_index (columns, i);
      GtkWidget *parent = gtk_widget_get_parent (column->box);

      if (parent != GTK_WIDGET (box))
        {
          if (parent != NULL)
            gtk_box_remove (GTK_BOX (parent), column->box);
          gtk_box_insert_child_after (box, column->box, previous);
        }
      else if (gtk_widget_get_prev_sibling (column->box) != previous)
        gtk_box_reorder_child_after (box, column->box, previous);

      previous = column->box;
    }
}

static void
mt_compare_view_relayout (MtCompareView *self)
{
  g_autoptr(GPtrArray) order = display_order (self);
  g_autoptr(GPtrArray) pinned = g_ptr_array_new ();
  g_autoptr(GPtrArray) unpinned = g_ptr_array_new ();
  guint n_hidden = 0;
  guint n_pinned;

  for (guint i = 0; i < self->columns->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);
      GtkWidget *parent = gtk_widget_get_parent (column->box);
      GtkWidget *wanted = column->pinned ? GTK_WIDGET (self->pinned_box)
                                         : GTK_WIDGET (self->columns_box);

      if (parent != NULL && (column->hidden || parent != wanted))
        gtk_box_remove (GTK_BOX (parent), column->box);
      n_hidden += column->hidden;
    }

  for (guint i = 0; i < order->len; i++)
    {
      Column *column = g_ptr_array_index (order, i);

      g_ptr_array_add (column->pinned ? pinned : unpinned, column);
    }
  n_pinned = pinned->len;
  place_columns (self->pinned_box, pinned);
  place_columns (self->columns_box, unpinned);

  gtk_widget_set_visible (GTK_WIDGET (self->pinned_box), n_pinned > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->show_hidden_button), n_hidden > 0);
  if (n_hidden > 0)
    {
      g_autofree char *label = g_strdup_printf (ngettext ("Show %u Hidden Column",
                                                          "Show %u Hidden Columns", n_hidden),
                                                n_hidden);

      gtk_button_set_label (self->show_hidden_button, label);
    }
}

/* Text */

static void
lookup_color (MtCompareView *self,
              const char    *name,
              GdkRGBA       *color)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  /* Named colours (@define-color in style.css) are how GTK 4.8 hands a
   * style sheet's colours to text tags. */
  if (!gtk_style_context_lookup_color (context, name, color))
    gtk_style_context_get_color (context, color);
}

static void
update_tag_colors (MtCompareView *self,
                   GtkTextBuffer *buffer)
{
  static const struct {
    const char *tag;
    const char *property;
    const char *color;
  } colors[] = {
    { "inherited", "foreground-rgba", "compare_inherited_color" },
    { "interrupt", "background-rgba", "compare_interrupt_color" },
    { "leakage", "background-rgba", "compare_leakage_color" },
    { "doubt", "background-rgba", "compare_doubt_color" },
    { "diff", "background-rgba", "compare_diff_color" },
  };
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);

  for (guint i = 0; i < G_N_ELEMENTS (colors); i++)
    {
      GtkTextTag *tag = gtk_text_tag_table_lookup (table, colors[i].tag);
      GdkRGBA color;

      lookup_color (self, colors[i].color, &color);
      g_object_set (tag, colors[i].property, &color, NULL);
    }
}

static void
create_tags (MtCompareView *self,
             GtkTextBuffer *buffer)
{
  /* Colour is never the only cue: each kind of highlight has its own
   * weight, style or underline too. */
  gtk_text_buffer_create_tag (buffer, "heading",
                              "weight", PANGO_WEIGHT_BOLD,
                              "pixels-below-lines", 4,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "later-heading",
                              "weight", PANGO_WEIGHT_BOLD,
                              "pixels-above-lines", 12,
                              "pixels-below-lines", 4,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "placeholder",
                              "style", PANGO_STYLE_ITALIC,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "inherited",
                              "style", PANGO_STYLE_ITALIC,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "interrupt",
                              "weight", PANGO_WEIGHT_SEMIBOLD,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "leakage",
                              "underline", PANGO_UNDERLINE_ERROR,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "doubt",
                              "underline", PANGO_UNDERLINE_SINGLE,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "diff",
                              "underline", PANGO_UNDERLINE_DOUBLE,
                              NULL);
  update_tag_colors (self, buffer);
}

static void
insert_section (Column                 *column,
                GtkTextBuffer          *buffer,
                GtkTextIter            *iter,
                const MtCompareSection *section,
                const char             *heading,
                const char             *tag,
                const char             *empty)
{
  const char *text = column_data (column)->text + section->start;
  gsize n_bytes = section->end - section->start;
  int start = -1;

  if (n_bytes == 0 && empty == NULL)
    {
      g_array_append_val (column->section_chars, start);
      return;
    }

  if (gtk_text_iter_get_offset (iter) > 0)
    gtk_text_buffer_insert (buffer, iter, "\n", -1);
  gtk_text_buffer_insert_with_tags_by_name (buffer, iter, heading, -1,
                                            gtk_text_iter_get_offset (iter) > 0
                                              ? "later-heading" : "heading",
                                            NULL);
  gtk_text_buffer_insert (buffer, iter, "\n", -1);

  if (n_bytes == 0)
    gtk_text_buffer_insert_with_tags_by_name (buffer, iter, empty, -1, "placeholder", NULL);
  else if (g_utf8_validate (text, n_bytes, NULL))
    {
      start = gtk_text_iter_get_offset (iter);
      gtk_text_buffer_insert_with_tags_by_name (buffer, iter, text, n_bytes, tag, NULL);
    }
  else
    {
      /* Shown, but with no highlights: its bytes no longer map. */
      g_autofree char *valid = g_utf8_make_valid (text, n_bytes);

      gtk_text_buffer_insert_with_tags_by_name (buffer, iter, valid, -1, tag, NULL);
    }

  g_array_append_val (column->section_chars, start);
}

static void
column_fill_text (Column *column)
{
  const MtCompareColumn *data = column_data (column);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (column->text_view);
  GtkTextIter iter;

  gtk_text_buffer_get_start_iter (buffer, &iter);

  for (guint i = 0; i < data->sections->len; i++)
    {
      const MtCompareSection *section = &g_array_index (data->sections, MtCompareSection, i);
      g_autofree char *inherited_heading = NULL;

      switch (section->part)
        {
        case MT_COMPARE_PART_INHERITED:
          inherited_heading = g_strdup (_("Before the interrupt, as the base run"));
          insert_section (column, buffer, &iter, section, inherited_heading, "inherited", NULL);
          break;

        case MT_COMPARE_PART_INTERRUPT:
          insert_section (column, buffer, &iter, section, _("Interrupt"), "interrupt",
                          _("The interrupt injected no text."));
          break;

        case MT_COMPARE_PART_REASONING:
          insert_section (column, buffer, &iter, section, _("Reasoning"), NULL,
                          data->branch != NULL ? _("No reasoning after the interrupt.")
                                               : _("No reasoning after this point."));
          break;

        case MT_COMPARE_PART_ANSWER:
        default:
          insert_section (column, buffer, &iter, section, _("Answer"), NULL,
                          _("No answer was given."));
          break;
        }
    }
}

/* The buffer position of byte @byte of the column's text, which lies in
 * section @section (its end included). FALSE when the section is not
 * shown as is. */
static gboolean
column_iter_at_byte (Column      *column,
                     guint        section,
                     gsize        byte,
                     GtkTextIter *iter)
{
  const MtCompareColumn *data = column_data (column);
  const MtCompareSection *span = &g_array_index (data->sections, MtCompareSection, section);
  int start = g_array_index (column->section_chars, int, section);

  g_assert (byte >= span->start && byte <= span->end);

  if (start < 0)
    return FALSE;

  gtk_text_buffer_get_iter_at_offset (gtk_text_view_get_buffer (column->text_view), iter,
                                      start + g_utf8_strlen (data->text + span->start,
                                                             byte - span->start));
  return TRUE;
}

static void
column_apply_span (Column     *column,
                   const char *tag,
                   gsize       start,
                   gsize       end)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (column->text_view);
  const MtCompareColumn *data = column_data (column);

  /* A span may cross from one section into the next (a diff across the
   * interrupt): apply it section by section, never over the headings
   * between them. */
  for (guint i = 0; i < data->sections->len; i++)
    {
      const MtCompareSection *section = &g_array_index (data->sections, MtCompareSection, i);
      gsize span_start = MAX (start, section->start);
      gsize span_end = MIN (end, section->end);
      GtkTextIter start_iter, end_iter;

      if (span_start >= span_end)
        continue;
      if (column_iter_at_byte (column, i, span_start, &start_iter)
          && column_iter_at_byte (column, i, span_end, &end_iter))
        gtk_text_buffer_apply_tag_by_name (buffer, tag, &start_iter, &end_iter);
    }
}

/* Header */

static const char *
verdict_label (MtVerdict verdict)
{
  switch (verdict)
    {
    case MT_VERDICT_CORRECT:
      return _("Correct");
    case MT_VERDICT_WRONG:
      return _("Wrong");
    case MT_VERDICT_UNGRADABLE:
      return _("Ungradable");
    case MT_VERDICT_UNGRADED:
    default:
      return _("Not graded");
    }
}

static void
add_chip (Column     *column,
          const char *name,
          const char *state,
          const char *label,
          const char *explanation)
{
  GtkWidget *chip = gtk_label_new (label);

  gtk_widget_add_css_class (chip, "chip");
  gtk_widget_add_css_class (chip, name);
  gtk_widget_add_css_class (chip, state);
  if (explanation != NULL)
    gtk_widget_set_tooltip_text (chip, explanation);
  g_object_set_data_full (G_OBJECT (chip), "mt-chip", g_strdup_printf ("%s:%s", name, state),
                          g_free);
  gtk_box_append (GTK_BOX (column->chips), chip);
}

static void
add_diagnosis_chip (Column             *column,
                    const char         *name,
                    MtDiagnosisVerdict  verdict,
                    const char         *yes,
                    const char         *no,
                    const char         *explanation)
{
  if (verdict == MT_DIAGNOSIS_NOT_APPLICABLE)
    return;

  add_chip (column, name, verdict == MT_DIAGNOSIS_YES ? "yes" : "no",
            verdict == MT_DIAGNOSIS_YES ? yes : no, explanation);
}

static void
column_fill_chips (Column *column)
{
  const MtCompareColumn *data = column_data (column);
  const char *states[] = { "ungraded", "correct", "wrong", "ungradable" };

  add_chip (column, "verdict", states[data->grade.verdict], verdict_label (data->grade.verdict),
            data->grade.reason);
  add_diagnosis_chip (column, "leakage", data->diagnoses.leakage.verdict,
                      _("Leakage"), _("No leakage"), data->diagnoses.leakage.explanation);
  add_diagnosis_chip (column, "panic", data->diagnoses.panic.verdict,
                      _("Panic"), _("No panic"), data->diagnoses.panic.explanation);
  add_diagnosis_chip (column, "doubt", data->diagnoses.doubt.verdict,
                      _("Self-doubt"), _("No self-doubt"), data->diagnoses.doubt.explanation);
}

static char *
column_describe_answer (const MtCompareColumn *data)
{
  g_autofree char *tokens = format_count (data->answer_tokens);

  if (data->answer_tokens == 0)
    return g_strdup (_("No answer"));

  if (isnan (data->answer_ratio))
    return g_strdup_printf (ngettext ("Answer: %s token", "Answer: %s tokens",
                                      data->answer_tokens), tokens);

  /* Translators: the answer's length in tokens and as a multiple of the
   * uninterrupted run's answer, as in "Answer: 48 tokens, 1.3× the oracle's" */
  return g_strdup_printf (ngettext ("Answer: %s token, %.1f× the oracle’s",
                                    "Answer: %s tokens, %.1f× the oracle’s",
                                    data->answer_tokens),
                          tokens, data->answer_ratio);
}

static GtkWidget *
column_build_header (Column *column)
{
  const MtCompareColumn *data = column_data (column);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 3);
  GtkWidget *title = gtk_label_new (column->title);
  GtkWidget *subtitle;
  GtkWidget *tokens_label;
  GtkWidget *answer_label;
  GtkWidget *menu_button;
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) item = NULL;
  g_autofree char *token = format_count (data->token_index);
  g_autofree char *after = format_count (data->tokens_after);
  g_autofree char *subtitle_text = NULL;
  g_autofree char *tokens_text = NULL;
  g_autofree char *answer_text = NULL;
  g_autofree char *answer_chars = NULL;
  g_autofree char *chars = format_count (data->answer_chars);
  const char *id = mt_trace_get_id (data->trace);

  gtk_widget_add_css_class (header, "compare-header");

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_set_tooltip_text (title, id);
  gtk_box_append (GTK_BOX (row), title);

  column->pin_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new ());
  gtk_button_set_icon_name (GTK_BUTTON (column->pin_button), "view-pin-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (column->pin_button), _("Pin Column"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (column->pin_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Pin Column"), -1);
  gtk_widget_add_css_class (GTK_WIDGET (column->pin_button), "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (column->pin_button), "compare.pin-column");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (column->pin_button), "s", id);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (column->pin_button));

  item = g_menu_item_new (_("Move _Left"), NULL);
  g_menu_item_set_action_and_target (item, "compare.move-left", "s", id);
  g_menu_append_item (menu, item);
  g_clear_object (&item);
  item = g_menu_item_new (_("Move _Right"), NULL);
  g_menu_item_set_action_and_target (item, "compare.move-right", "s", id);
  g_menu_append_item (menu, item);
  g_clear_object (&item);
  item = g_menu_item_new (_("_Hide Column"), NULL);
  g_menu_item_set_action_and_target (item, "compare.hide-column", "s", id);
  g_menu_append_item (menu, item);
  g_clear_object (&item);

  menu_button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
  gtk_widget_set_tooltip_text (menu_button, _("Column Menu"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Column Menu"), -1);
  gtk_widget_add_css_class (menu_button, "flat");
  gtk_box_append (GTK_BOX (row), menu_button);
  gtk_box_append (GTK_BOX (header), row);

  if (data->branch != NULL)
    /* Translators: where a branch was interrupted: X as a percentage of the
     * reasoning and the token index, as in "X = 30% · token 1,234" */
    subtitle_text = g_strdup_printf (_("X = %.0f%% · token %s"), 100 * data->fraction, token);
  else
    subtitle_text = g_strdup_printf (_("From token %s on"), token);
  subtitle = gtk_label_new (subtitle_text);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (header), subtitle);

  if (data->branch != NULL)
    tokens_text = g_strdup_printf (ngettext ("%s token after the interrupt",
                                             "%s tokens after the interrupt",
                                             data->tokens_after), after);
  else
    tokens_text = g_strdup_printf (ngettext ("%s token after the divergence point",
                                             "%s tokens after the divergence point",
                                             data->tokens_after), after);
  tokens_label = gtk_label_new (tokens_text);
  gtk_label_set_xalign (GTK_LABEL (tokens_label), 0);
  gtk_widget_add_css_class (tokens_label, "caption");
  gtk_box_append (GTK_BOX (header), tokens_label);

  answer_text = column_describe_answer (data);
  answer_label = gtk_label_new (answer_text);
  gtk_label_set_xalign (GTK_LABEL (answer_label), 0);
  gtk_label_set_wrap (GTK_LABEL (answer_label), TRUE);
  gtk_widget_add_css_class (answer_label, "caption");
  answer_chars = g_strdup_printf (ngettext ("%s character", "%s characters", data->answer_chars),
                                  chars);
  gtk_widget_set_tooltip_text (answer_label, answer_chars);
  gtk_box_append (GTK_BOX (header), answer_label);

  /* A verdict and at most the one or two failure modes that apply to
   * the kind: one row. */
  column->chips = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_widget_add_css_class (column->chips, "compare-chips");
  gtk_box_append (GTK_BOX (header), column->chips);
  column_fill_chips (column);

  /* Branches of branches: this run's own branches are one click away. */
  if (data->n_branches > 0 && data->trace != column->view->base)
    {
      g_autofree char *nested_text = g_strdup_printf (ngettext ("Compare its %u branch",
                                                                "Compare its %u branches",
                                                                data->n_branches),
                                                      data->n_branches);
      GtkWidget *nested = gtk_button_new_with_label (nested_text);

      gtk_widget_set_halign (nested, GTK_ALIGN_START);
      gtk_widget_add_css_class (nested, "flat");
      gtk_widget_add_css_class (nested, "compare-nested");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (nested), "compare.set-base");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (nested), "s", id);
      gtk_box_append (GTK_BOX (header), nested);
    }

  column->diff_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic (_("Compare _words")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (column->diff_check),
                               _("Underline the words that differ between two checked columns"));
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (column->diff_check));

  return header;
}

/* Scrolling in step */

static void
mt_compare_view_sync_scroll (MtCompareView *self)
{
  if (self->leader < 0)
    return;

  self->syncing = TRUE;
  for (guint i = 0; i < self->columns->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (column->scroller);

      if ((int)i == self->leader || column->hidden)
        continue;

      double upper = gtk_adjustment_get_upper (adjustment);
      double page = gtk_adjustment_get_page_size (adjustment);

      gtk_adjustment_set_value (adjustment,
                                mt_compare_absolute_position (self->relative, upper, page));
    }
  self->syncing = FALSE;
}

static gboolean
sync_scroll_tick_cb (GtkWidget     *widget,
                     GdkFrameClock *frame_clock,
                     gpointer       user_data)
{
  MtCompareView *self = MT_COMPARE_VIEW (widget);

  self->sync_tick_id = 0;
  mt_compare_view_sync_scroll (self);

  return G_SOURCE_REMOVE;
}

/* Scroll positions change while text views are being allocated (a value
 * clamped as a column's length settles): the others follow at the next
 * frame, never in the middle of one's layout. */
static void
mt_compare_view_queue_sync_scroll (MtCompareView *self)
{
  if (self->sync_tick_id == 0)
    self->sync_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), sync_scroll_tick_cb,
                                                       NULL, NULL);
}

static void
column_scrolled_cb (GtkAdjustment *adjustment,
                    Column        *column)
{
  MtCompareView *self = column->view;

  /* A column out of sight changes only as it is laid out again. */
  if (self->syncing || !gtk_widget_get_mapped (column->box))
    return;

  self->leader = column->index;
  self->relative = mt_compare_relative_position (gtk_adjustment_get_value (adjustment),
                                                 gtk_adjustment_get_upper (adjustment),
                                                 gtk_adjustment_get_page_size (adjustment));
  mt_compare_view_queue_sync_scroll (self);
}

/* A text view measures its lines bit by bit after it is shown, so each
 * column's length settles late: keep the followers at the leader's place
 * as it does. */
static void
column_range_changed_cb (GtkAdjustment *adjustment,
                         GParamSpec    *pspec,
                         Column        *column)
{
  MtCompareView *self = column->view;

  if (self->syncing || self->leader < 0)
    return;

  if ((int)column->index == self->leader)
    self->relative = mt_compare_relative_position (gtk_adjustment_get_value (adjustment),
                                                   gtk_adjustment_get_upper (adjustment),
                                                   gtk_adjustment_get_page_size (adjustment));

  mt_compare_view_queue_sync_scroll (self);
}

/* Differences */

static void
mt_compare_view_apply_diff (MtCompareView *self)
{
  const char *message = "";
  g_autofree char *text = NULL;

  for (guint i = 0; i < self->columns->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (column->text_view);
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      gtk_text_buffer_remove_tag_by_name (buffer, "diff", &start, &end);
    }

  if (self->diff_a >= 0 && self->diff_b >= 0)
    {
      Column *a = g_ptr_array_index (self->columns, self->diff_a);
      Column *b = g_ptr_array_index (self->columns, self->diff_b);
      MtWordDiff diff;

      mt_compare_columns_diff (column_data (a), column_data (b), &diff);
      for (guint i = 0; i < diff.removed->len; i++)
        {
          const MtTextSpan *span = &g_array_index (diff.removed, MtTextSpan, i);

          column_apply_span (a, "diff", span->start, span->end);
        }
      for (guint i = 0; i < diff.inserted->len; i++)
        {
          const MtTextSpan *span = &g_array_index (diff.inserted, MtTextSpan, i);

          column_apply_span (b, "diff", span->start, span->end);
        }

      if (diff.complete)
        /* Translators: the two column titles */
        text = g_strdup_printf (_("Words that differ between %s and %s are underlined twice"),
                                a->title, b->title);
      else
        text = g_strdup_printf (_("%s and %s differ too much to match word by word: "
                                  "everything between their common start and end is underlined"),
                                a->title, b->title);
      message = text;
      mt_word_diff_clear (&diff);
    }
  else if (self->diff_a >= 0)
    message = _("Check a second column to compare words");

  gtk_label_set_label (self->diff_label, message);
}

static void
mt_compare_view_sync_checks (MtCompareView *self)
{
  self->updating = TRUE;
  for (guint i = 0; i < self->columns->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);

      gtk_check_button_set_active (column->diff_check,
                                   (int)i == self->diff_a || (int)i == self->diff_b);
    }
  self->updating = FALSE;
}

static void
diff_toggled_cb (GtkCheckButton *check,
                 Column         *column)
{
  MtCompareView *self = column->view;
  int index = column->index;

  if (self->updating)
    return;

  if (gtk_check_button_get_active (check))
    {
      /* Two at most: a third choice replaces the older one. */
      if (self->diff_a < 0)
        self->diff_a = index;
      else if (self->diff_b < 0)
        self->diff_b = index;
      else
        {
          self->diff_a = self->diff_b;
          self->diff_b = index;
        }
    }
  else if (self->diff_a == index)
    {
      self->diff_a = self->diff_b;
      self->diff_b = -1;
    }
  else if (self->diff_b == index)
    self->diff_b = -1;

  mt_compare_view_sync_checks (self);
  mt_compare_view_apply_diff (self);
}

static void
column_focus_enter_cb (GtkEventControllerFocus *controller,
                       Column                  *column)
{
  column->view->focus_column = column->index;
}

static char *
column_make_title (MtCompareView         *self,
                   const MtCompareColumn *data)
{
  MtInterrupt *interrupt;

  if (data->branch != NULL)
    {
      interrupt = mt_branch_get_interrupt (data->branch);
      return g_strdup (mt_timeline_get_kind_label (mt_interrupt_get_kind (interrupt)));
    }

  if (!MT_IS_BRANCH (data->trace))
    return g_strdup (_("Oracle"));

  interrupt = mt_branch_get_interrupt (MT_BRANCH (data->trace));
  /* Translators: the column of a branch whose own branches are compared */
  return g_strdup_printf (_("%s (base)"),
                          mt_timeline_get_kind_label (mt_interrupt_get_kind (interrupt)));
}

static Column *
column_new (MtCompareView *self,
            guint          index)
{
  Column *column = g_new0 (Column, 1);
  const MtCompareColumn *data;
  GtkEventController *focus;
  GtkAdjustment *adjustment;
  GtkTextBuffer *buffer;
  g_autofree char *text_label = NULL;

  column->view = self;
  column->index = index;
  column->section_chars = g_array_new (FALSE, FALSE, sizeof (int));
  data = column_data (column);
  column->title = column_make_title (self, data);

  column->box = g_object_ref_sink (gtk_box_new (GTK_ORIENTATION_VERTICAL, 0));
  gtk_widget_set_size_request (column->box, COLUMN_WIDTH, -1);
  /* The title expands inside the header; the column itself keeps its
   * width, pinned or not. */
  gtk_widget_set_hexpand (column->box, FALSE);
  gtk_widget_add_css_class (column->box, "compare-column");
  if (data->branch == NULL)
    gtk_widget_add_css_class (column->box, "base");
  gtk_accessible_update_property (GTK_ACCESSIBLE (column->box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, column->title, -1);

  gtk_box_append (GTK_BOX (column->box), column_build_header (column));
  gtk_box_append (GTK_BOX (column->box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  column->scroller = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
  gtk_scrolled_window_set_policy (column->scroller, GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (GTK_WIDGET (column->scroller), TRUE);
  column->text_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_editable (column->text_view, FALSE);
  gtk_text_view_set_cursor_visible (column->text_view, FALSE);
  gtk_text_view_set_wrap_mode (column->text_view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (column->text_view, 12);
  gtk_text_view_set_right_margin (column->text_view, 12);
  gtk_text_view_set_top_margin (column->text_view, 9);
  gtk_text_view_set_bottom_margin (column->text_view, 18);
  gtk_widget_add_css_class (GTK_WIDGET (column->text_view), "compare-text");
  /* Translators: the accessible name of a column's text; %s is its title */
  text_label = g_strdup_printf (_("Text of %s"), column->title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (column->text_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text_label, -1);
  gtk_scrolled_window_set_child (column->scroller, GTK_WIDGET (column->text_view));
  gtk_box_append (GTK_BOX (column->box), GTK_WIDGET (column->scroller));

  buffer = gtk_text_view_get_buffer (column->text_view);
  create_tags (self, buffer);
  column_fill_text (column);
  for (guint i = 0; i < data->evidence->len; i++)
    {
      const MtCompareEvidence *evidence = &g_array_index (data->evidence, MtCompareEvidence, i);

      const char *tag = evidence->kind == MT_COMPARE_EVIDENCE_LEAKAGE ? "leakage" : "doubt";

      column_apply_span (column, tag, evidence->start, evidence->end);
    }

  adjustment = gtk_scrolled_window_get_vadjustment (column->scroller);
  g_signal_connect (adjustment, "value-changed", G_CALLBACK (column_scrolled_cb), column);
  g_signal_connect (adjustment, "notify::upper", G_CALLBACK (column_range_changed_cb), column);
  g_signal_connect (adjustment, "notify::page-size", G_CALLBACK (column_range_changed_cb), column);
  g_signal_connect (column->diff_check, "toggled", G_CALLBACK (diff_toggled_cb), column);

  focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "enter", G_CALLBACK (column_focus_enter_cb), column);
  gtk_widget_add_controller (column->box, focus);

  return column;
}

static void
column_set_pinned (Column   *column,
                   gboolean  pinned)
{
  column->pinned = pinned;
  gtk_toggle_button_set_active (column->pin_button, pinned);
  gtk_widget_set_tooltip_text (GTK_WIDGET (column->pin_button),
                               pinned ? _("Unpin Column") : _("Pin Column"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (column->pin_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  pinned ? _("Unpin Column") : _("Pin Column"), -1);
  if (pinned)
    gtk_widget_add_css_class (column->box, "pinned");
  else
    gtk_widget_remove_css_class (column->box, "pinned");
}

/* Building */

static char *
describe_base (MtTrace *trace)
{
  MtInterrupt *interrupt;

  if (!MT_IS_BRANCH (trace))
    return g_strdup (_("Oracle"));

  interrupt = mt_branch_get_interrupt (MT_BRANCH (trace));
  /* Translators: a branch in the selector: its kind, X and id, as in
   * "Hard interrupt at 30% (trace-7/2)" */
  return g_strdup_printf (_("%s at %.0f%% (%s)"),
                          mt_timeline_get_kind_label (mt_interrupt_get_kind (interrupt)),
                          100 * mt_interrupt_get_fraction (interrupt),
                          mt_trace_get_id (trace));
}

static void
mt_compare_view_update_bases (MtCompareView *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autofree char *current = NULL;
  MtTrace *root = self->base;

  g_clear_pointer (&self->bases, g_ptr_array_unref);
  if (self->base == NULL)
    {
      gtk_widget_set_visible (self->base_box, FALSE);
      return;
    }

  if (MT_IS_BRANCH (self->base))
    {
      MtTrace *oracle = mt_diagnosis_find_oracle (MT_BRANCH (self->base), NULL);

      if (oracle != NULL)
        root = oracle;
    }

  /* Branches of branches: every run of this tree that has any, one
   * choice away. */
  self->bases = mt_compare_list_bases (self->lab, root);
  for (guint i = 0; i < self->bases->len; i++)
    {
      MtTrace *trace = g_ptr_array_index (self->bases, i);
      g_autofree char *label = describe_base (trace);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target (item, "compare.set-base", "s", mt_trace_get_id (trace));
      g_menu_append_item (menu, item);
    }

  current = describe_base (self->base);
  gtk_menu_button_set_label (self->base_button, current);
  gtk_menu_button_set_menu_model (self->base_button, G_MENU_MODEL (menu));
  gtk_widget_set_visible (self->base_box, self->bases->len > 1);
}

static void
mt_compare_view_update_prefix (MtCompareView *self)
{
  gboolean expanded = gtk_revealer_get_reveal_child (self->prefix_revealer);
  guint n = self->comparison->prefix_tokens;
  g_autofree char *count = format_count (n);
  g_autofree char *label = NULL;

  if (expanded)
    label = g_strdup_printf (ngettext ("%s token in common — collapse",
                                       "%s tokens in common — collapse", n), count);
  else
    label = g_strdup_printf (ngettext ("%s token in common — expand",
                                       "%s tokens in common — expand", n), count);
  gtk_button_set_label (self->prefix_button, label);
}

static void
mt_compare_view_clear (MtCompareView *self)
{
  g_ptr_array_set_size (self->columns, 0);
  g_array_set_size (self->order, 0);
  g_clear_pointer (&self->comparison, mt_comparison_free);
  self->diff_a = self->diff_b = -1;
  self->leader = -1;
  self->focus_column = -1;
}

static void
read_thresholds (MtCompareView         *self,
                 MtDiagnosisThresholds *thresholds)
{
  mt_settings_read_thresholds (self->settings, thresholds);
}

static void mt_compare_view_watch (MtCompareView *self);

static void
mt_compare_view_rebuild_columns (MtCompareView *self)
{
  MtDiagnosisThresholds thresholds;
  GtkTextBuffer *buffer;
  g_autoptr(GPtrArray) saved_order = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) pinned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) hidden = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *diff_a = NULL;
  g_autofree char *diff_b = NULL;
  gboolean expanded = FALSE;

  /* The same run again (new branches, other thresholds): the user's
   * arrangement of its columns stays. */
  if (self->comparison != NULL && self->comparison->base == self->base)
    {
      for (guint i = 0; i < self->order->len; i++)
        {
          Column *column = g_ptr_array_index (self->columns, g_array_index (self->order, guint, i));
          const char *id = mt_trace_get_id (column_data (column)->trace);

          g_ptr_array_add (saved_order, g_strdup (id));
          if (column->pinned)
            g_hash_table_add (pinned, g_strdup (id));
          if (column->hidden)
            g_hash_table_add (hidden, g_strdup (id));
        }
      if (self->diff_a >= 0)
        diff_a = g_strdup (column_id_at (self, self->diff_a));
      if (self->diff_b >= 0)
        diff_b = g_strdup (column_id_at (self, self->diff_b));
      expanded = gtk_revealer_get_reveal_child (self->prefix_revealer);
    }

  mt_compare_view_clear (self);
  mt_compare_view_update_bases (self);

  if (self->base == NULL || self->lab == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  read_thresholds (self, &thresholds);
  self->comparison = mt_comparison_new (self->lab, self->base, self->lexicon, &thresholds);

  buffer = gtk_text_view_get_buffer (self->prefix_view);
  if (g_utf8_validate (self->comparison->prefix, -1, NULL))
    gtk_text_buffer_set_text (buffer, self->comparison->prefix, -1);
  else
    {
      g_autofree char *valid = g_utf8_make_valid (self->comparison->prefix, -1);

      gtk_text_buffer_set_text (buffer, valid, -1);
    }
  gtk_revealer_set_reveal_child (self->prefix_revealer, expanded);
  mt_compare_view_update_prefix (self);

  for (guint i = 0; i < self->comparison->columns->len; i++)
    g_ptr_array_add (self->columns, column_new (self, i));

  /* Columns in the order the user left them, new ones after. */
  for (guint i = 0; i < saved_order->len; i++)
    {
      Column *column = find_column (self, g_ptr_array_index (saved_order, i));

      if (column != NULL)
        g_array_append_val (self->order, column->index);
    }
  for (guint i = 0; i < self->columns->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);
      const char *id = mt_trace_get_id (column_data (column)->trace);

      if (!g_ptr_array_find_with_equal_func (saved_order, id, g_str_equal, NULL))
        g_array_append_val (self->order, i);
      column->hidden = g_hash_table_contains (hidden, id);
      if (g_hash_table_contains (pinned, id))
        column_set_pinned (column, TRUE);
      if (g_strcmp0 (id, diff_a) == 0)
        self->diff_a = i;
      else if (g_strcmp0 (id, diff_b) == 0)
        self->diff_b = i;
    }
  if (self->diff_a < 0)
    {
      self->diff_a = self->diff_b;
      self->diff_b = -1;
    }

  mt_compare_view_relayout (self);
  mt_compare_view_sync_checks (self);
  mt_compare_view_apply_diff (self);
  if (saved_order->len == 0)
    gtk_adjustment_set_value (gtk_scrolled_window_get_hadjustment (self->columns_scroller), 0);
  gtk_stack_set_visible_child_name (self->stack,
                                    self->comparison->columns->len > 1 ? "columns" : "empty");
}

/* Callbacks and actions */

static void
prefix_clicked_cb (MtCompareView *self)
{
  gtk_revealer_set_reveal_child (self->prefix_revealer,
                                 !gtk_revealer_get_reveal_child (self->prefix_revealer));
  mt_compare_view_update_prefix (self);
}

/* Columns from the lab as it is now; those still streaming are watched. */
static void
mt_compare_view_rebuild (MtCompareView *self)
{
  mt_compare_view_rebuild_columns (self);
  mt_compare_view_watch (self);
}

static gboolean
refresh_tick_cb (GtkWidget     *widget,
                 GdkFrameClock *frame_clock,
                 gpointer       user_data)
{
  MtCompareView *self = MT_COMPARE_VIEW (widget);

  self->refresh_tick_id = 0;
  mt_compare_view_rebuild (self);

  return G_SOURCE_REMOVE;
}

/* A column's text grew (a branch streaming) or its run ended: lay the
 * columns out again on the next frame, once however many changes come. */
static void
watched_trace_changed_cb (MtCompareView *self)
{
  if (self->refresh_tick_id == 0)
    self->refresh_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), refresh_tick_cb,
                                                          NULL, NULL);
}

static void
mt_compare_view_unwatch (MtCompareView *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->watched, i),
                                          watched_trace_changed_cb, self);
  g_ptr_array_set_size (self->watched, 0);
}

/* Watches the traces shown that may still grow: those without a finish
 * reason yet, live runs and sweeps in flight. */
static void
mt_compare_view_watch (MtCompareView *self)
{
  static const char * const signals[] = {
    "notify::reasoning", "notify::answer", "notify::finish-reason",
  };

  mt_compare_view_unwatch (self);
  if (self->comparison == NULL)
    return;

  for (guint i = 0; i < self->comparison->columns->len; i++)
    {
      const MtCompareColumn *data = g_ptr_array_index (self->comparison->columns, i);

      if (mt_trace_get_finish_reason (data->trace) != MT_FINISH_UNKNOWN)
        continue;

      for (guint j = 0; j < G_N_ELEMENTS (signals); j++)
        g_signal_connect_object (data->trace, signals[j], G_CALLBACK (watched_trace_changed_cb),
                                 self, G_CONNECT_SWAPPED);
      g_ptr_array_add (self->watched, g_object_ref (data->trace));
    }
}

static gboolean
rebuild_idle_cb (gpointer user_data)
{
  MtCompareView *self = user_data;

  self->rebuild_id = 0;
  mt_compare_view_rebuild (self);

  return G_SOURCE_REMOVE;
}

/* Branches arrive while a sweep or a live run goes on: show them, once per
 * burst of additions. */
static void
lab_traces_changed_cb (MtCompareView *self,
                       guint          position,
                       guint          removed,
                       guint          added)
{
  if (self->base == NULL || self->rebuild_id != 0)
    return;

  self->rebuild_id = g_idle_add (rebuild_idle_cb, self);
}

static void
settings_changed_cb (MtCompareView *self,
                     const char    *key,
                     GSettings     *settings)
{
  /* The window saves its size and the recent labs here too. */
  if (self->base != NULL && mt_settings_is_threshold_key (key))
    mt_compare_view_rebuild (self);
}

static Column *
action_column (MtCompareView *self,
               GVariant      *parameter)
{
  return find_column (self, g_variant_get_string (parameter, NULL));
}

static void
hide_column_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  MtCompareView *self = MT_COMPARE_VIEW (widget);
  Column *column = action_column (self, parameter);

  if (column == NULL)
    return;

  column->hidden = TRUE;
  if (self->focus_column == (int)column->index)
    self->focus_column = -1;
  mt_compare_view_relayout (self);
}

static void
show_hidden_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  MtCompareView *self = MT_COMPARE_VIEW (widget);

  for (guint i = 0; i < self->columns->len; i++)
    ((Column *)g_ptr_array_index (self->columns, i))->hidden = FALSE;
  mt_compare_view_relayout (self);
  mt_compare_view_queue_sync_scroll (self);
}

static void
pin_column_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MtCompareView *self = MT_COMPARE_VIEW (widget);
  Column *column = action_column (self, parameter);

  if (column == NULL)
    return;

  column_set_pinned (column, !column->pinned);
  mt_compare_view_relayout (self);
  if (column->index == (guint)self->focus_column)
    gtk_widget_grab_focus (GTK_WIDGET (column->text_view));
}

/* Swaps @column with its visible neighbour in the same group (pinned or
 * not) on the left (@step -1) or right (+1). */
static void
move_column (MtCompareView *self,
             Column        *column,
             int            step)
{
  int position = -1;

  for (guint i = 0; i < self->order->len; i++)
    if (g_array_index (self->order, guint, i) == column->index)
      position = i;
  g_assert (position >= 0);

  for (int i = position + step; i >= 0 && i < (int)self->order->len; i += step)
    {
      guint other = g_array_index (self->order, guint, i);
      Column *neighbour = g_ptr_array_index (self->columns, other);

      if (neighbour->hidden || neighbour->pinned != column->pinned)
        continue;

      g_array_index (self->order, guint, i) = column->index;
      g_array_index (self->order, guint, position) = other;
      mt_compare_view_relayout (self);
      if (self->focus_column == (int)column->index)
        gtk_widget_grab_focus (GTK_WIDGET (column->text_view));
      return;
    }
}

static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  MtCompareView *self = MT_COMPARE_VIEW (widget);
  Column *column = action_column (self, parameter);

  if (column != NULL)
    move_column (self, column, g_str_equal (action_name, "compare.move-left") ? -1 : 1);
}

static void
move_focused_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  MtCompareView *self = MT_COMPARE_VIEW (widget);

  if (self->focus_column < 0)
    return;

  move_column (self, g_ptr_array_index (self->columns, self->focus_column),
               g_str_equal (action_name, "compare.move-focused-left") ? -1 : 1);
}

static void
focus_column_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  MtCompareView *self = MT_COMPARE_VIEW (widget);
  g_autoptr(GPtrArray) order = display_order (self);
  int step = g_str_equal (action_name, "compare.next-column") ? 1 : -1;
  int position = -1;
  Column *target;

  if (order->len == 0)
    return;

  for (guint i = 0; i < order->len; i++)
    if ((int)((Column *)g_ptr_array_index (order, i))->index == self->focus_column)
      position = i;

  if (position < 0)
    position = step > 0 ? 0 : order->len - 1;
  else
    position = CLAMP (position + step, 0, (int)order->len - 1);

  target = g_ptr_array_index (order, position);
  gtk_widget_grab_focus (GTK_WIDGET (target->text_view));
  self->focus_column = target->index;
}

static void
set_base_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  MtCompareView *self = MT_COMPARE_VIEW (widget);
  MtTrace *trace;

  if (self->lab == NULL)
    return;

  trace = mt_lab_lookup_trace (self->lab, g_variant_get_string (parameter, NULL));
  if (trace != NULL)
    mt_compare_view_set_base (self, trace);
}

/* GObject */

static void
mt_compare_view_css_changed (GtkWidget         *widget,
                             GtkCssStyleChange *change)
{
  MtCompareView *self = MT_COMPARE_VIEW (widget);

  GTK_WIDGET_CLASS (mt_compare_view_parent_class)->css_changed (widget, change);

  /* Light and dark styles have their own named colours. */
  for (guint i = 0; i < self->columns->len; i++)
    {
      Column *column = g_ptr_array_index (self->columns, i);

      update_tag_colors (self, gtk_text_view_get_buffer (column->text_view));
    }
}

static void
mt_compare_view_dispose (GObject *object)
{
  MtCompareView *self = MT_COMPARE_VIEW (object);

  if (self->sync_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->sync_tick_id);
      self->sync_tick_id = 0;
    }
  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  if (self->refresh_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->refresh_tick_id);
      self->refresh_tick_id = 0;
    }
  mt_compare_view_unwatch (self);
  mt_compare_view_clear (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_COMPARE_VIEW);

  if (self->lab != NULL)
    g_signal_handlers_disconnect_by_func (mt_lab_get_traces (self->lab),
                                          lab_traces_changed_cb, self);
  g_clear_object (&self->lab);
  g_clear_object (&self->base);
  g_clear_object (&self->lexicon);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->bases, g_ptr_array_unref);

  G_OBJECT_CLASS (mt_compare_view_parent_class)->dispose (object);
}

static void
mt_compare_view_finalize (GObject *object)
{
  MtCompareView *self = MT_COMPARE_VIEW (object);

  g_clear_pointer (&self->columns, g_ptr_array_unref);
  g_clear_pointer (&self->watched, g_ptr_array_unref);
  g_clear_pointer (&self->order, g_array_unref);

  G_OBJECT_CLASS (mt_compare_view_parent_class)->finalize (object);
}

static void
mt_compare_view_class_init (MtCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_compare_view_dispose;
  object_class->finalize = mt_compare_view_finalize;

  widget_class->css_changed = mt_compare_view_css_changed;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/midthought/Midthought/mt-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, stack);
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, prefix_button);
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, diff_label);
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, show_hidden_button);
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, base_box);
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, base_button);
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, prefix_revealer);
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, prefix_view);
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, pinned_box);
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, columns_scroller);
  gtk_widget_class_bind_template_child (widget_class, MtCompareView, columns_box);
  gtk_widget_class_bind_template_callback (widget_class, prefix_clicked_cb);

  gtk_widget_class_install_action (widget_class, "compare.hide-column", "s", hide_column_action);
  gtk_widget_class_install_action (widget_class, "compare.show-hidden", NULL, show_hidden_action);
  gtk_widget_class_install_action (widget_class, "compare.pin-column", "s", pin_column_action);
  gtk_widget_class_install_action (widget_class, "compare.move-left", "s", move_action);
  gtk_widget_class_install_action (widget_class, "compare.move-right", "s", move_action);
  gtk_widget_class_install_action (widget_class, "compare.move-focused-left", NULL,
                                   move_focused_action);
  gtk_widget_class_install_action (widget_class, "compare.move-focused-right", NULL,
                                   move_focused_action);
  gtk_widget_class_install_action (widget_class, "compare.next-column", NULL, focus_column_action);
  gtk_widget_class_install_action (widget_class, "compare.previous-column", NULL,
                                   focus_column_action);
  gtk_widget_class_install_action (widget_class, "compare.set-base", "s", set_base_action);

  gtk_widget_class_set_css_name (widget_class, "compareview");
  g_type_ensure (ADW_TYPE_STATUS_PAGE);
}

static void
mt_compare_view_init (MtCompareView *self)
{
  GtkEventController *shortcuts;
  static const struct {
    const char *trigger;
    const char *action;
  } keys[] = {
    { "<Alt>Right|<Control>Page_Down", "compare.next-column" },
    { "<Alt>Left|<Control>Page_Up", "compare.previous-column" },
    { "<Alt><Shift>Right", "compare.move-focused-right" },
    { "<Alt><Shift>Left", "compare.move-focused-left" },
  };

  gtk_widget_init_template (GTK_WIDGET (self));

  self->columns = g_ptr_array_new_with_free_func ((GDestroyNotify)column_free);
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->order = g_array_new (FALSE, FALSE, sizeof (guint));
  self->diff_a = self->diff_b = -1;
  self->leader = -1;
  self->focus_column = -1;

  /* The text views would take Ctrl+Page Up/Down for themselves: catch the
   * column keys on the way down. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkShortcutTrigger *trigger = gtk_shortcut_trigger_parse_string (keys[i].trigger);
      GtkShortcutAction *action = gtk_named_action_new (keys[i].action);

      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                            gtk_shortcut_new (trigger, action));
    }
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  /* The diagnosis thresholds are the user's, when the schema is there. */
  self->settings = mt_settings_try_new ();
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }

  gtk_stack_set_visible_child_name (self->stack, "empty");
}

GtkWidget *
mt_compare_view_new (void)
{
  return g_object_new (MT_TYPE_COMPARE_VIEW, NULL);
}

void
mt_compare_view_set_trace (MtCompareView *self,
                           MtLab         *lab,
                           MtTrace       *trace)
{
  MtTrace *base = trace;

  g_return_if_fail (MT_IS_COMPARE_VIEW (self));
  g_return_if_fail (!lab || MT_IS_LAB (lab));
  g_return_if_fail (!trace || MT_IS_TRACE (trace));

  if (lab != self->lab)
    {
      if (self->lab != NULL)
        g_signal_handlers_disconnect_by_func (mt_lab_get_traces (self->lab),
                                              lab_traces_changed_cb, self);
      g_set_object (&self->lab, lab);
      if (lab != NULL)
        g_signal_connect_object (mt_lab_get_traces (lab), "items-changed",
                                 G_CALLBACK (lab_traces_changed_cb), self, G_CONNECT_SWAPPED);
    }

  if (trace != NULL && lab != NULL && MT_IS_BRANCH (trace)
      && mt_branch_get_parent (MT_BRANCH (trace)) != NULL)
    {
      g_autoptr(GPtrArray) branches = mt_compare_find_branches (lab, trace);

      /* A branch with no branches of its own is seen beside its siblings. */
      if (branches->len == 0)
        base = mt_branch_get_parent (MT_BRANCH (trace));
    }

  if (lab == NULL)
    base = NULL;
  g_set_object (&self->base, base);
  mt_compare_view_rebuild (self);
}

MtTrace *
mt_compare_view_get_base (MtCompareView *self)
{
  g_return_val_if_fail (MT_IS_COMPARE_VIEW (self), NULL);

  return self->base;
}

void
mt_compare_view_set_base (MtCompareView *self,
                          MtTrace       *base)
{
  g_return_if_fail (MT_IS_COMPARE_VIEW (self));
  g_return_if_fail (!base || MT_IS_TRACE (base));

  if (base == self->base)
    return;

  g_set_object (&self->base, base);
  mt_compare_view_rebuild (self);
}

void
mt_compare_view_set_lexicon (MtCompareView   *self,
                             MtMarkerLexicon *lexicon)
{
  g_return_if_fail (MT_IS_COMPARE_VIEW (self));
  g_return_if_fail (!lexicon || MT_IS_MARKER_LEXICON (lexicon));

  if (g_set_object (&self->lexicon, lexicon) && self->base != NULL)
    mt_compare_view_rebuild (self);
}

/* For the tests */

const MtComparison *
_mt_compare_view_get_comparison (MtCompareView *self)
{
  g_return_val_if_fail (MT_IS_COMPARE_VIEW (self), NULL);

  return self->comparison;
}

GtkWidget *
_mt_compare_view_get_column (MtCompareView *self,
                             guint          column)
{
  g_return_val_if_fail (MT_IS_COMPARE_VIEW (self), NULL);
  g_return_val_if_fail (column < self->columns->len, NULL);

  return ((Column *)g_ptr_array_index (self->columns, column))->box;
}

GtkTextView *
_mt_compare_view_get_text_view (MtCompareView *self,
                                guint          column)
{
  g_return_val_if_fail (MT_IS_COMPARE_VIEW (self), NULL);
  g_return_val_if_fail (column < self->columns->len, NULL);

  return ((Column *)g_ptr_array_index (self->columns, column))->text_view;
}

int *
_mt_compare_view_get_order (MtCompareView *self)
{
  g_autoptr(GPtrArray) order = NULL;
  int *numbers;

  g_return_val_if_fail (MT_IS_COMPARE_VIEW (self), NULL);

  order = display_order (self);
  numbers = g_new (int, order->len + 1);
  for (guint i = 0; i < order->len; i++)
    numbers[i] = ((Column *)g_ptr_array_index (order, i))->index;
  numbers[order->len] = -1;

  return numbers;
}

int
_mt_compare_view_get_focus_column (MtCompareView *self)
{
  g_return_val_if_fail (MT_IS_COMPARE_VIEW (self), -1);

  return self->focus_column;
}

GtkButton *
_mt_compare_view_get_prefix_button (MtCompareView *self)
{
  g_return_val_if_fail (MT_IS_COMPARE_VIEW (self), NULL);

  return self->prefix_button;
}

gboolean
_mt_compare_view_get_prefix_expanded (MtCompareView *self)
{
  g_return_val_if_fail (MT_IS_COMPARE_VIEW (self), FALSE);

  return gtk_revealer_get_reveal_child (self->prefix_revealer);
}

GStrv
_mt_compare_view_get_chips (MtCompareView *self,
                            guint          column)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  Column *col;

  g_return_val_if_fail (MT_IS_COMPARE_VIEW (self), NULL);
  g_return_val_if_fail (column < self->columns->len, NULL);

  col = g_ptr_array_index (self->columns, column);
  for (GtkWidget *child = gtk_widget_get_first_child (col->chips);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      g_strv_builder_add (builder, g_object_get_data (G_OBJECT (child), "mt-chip"));
    }

  return g_strv_builder_end (builder);
}

void
_mt_compare_view_set_diff_columns (MtCompareView *self,
                                   int            a,
                                   int            b)
{
  g_return_if_fail (MT_IS_COMPARE_VIEW (self));
  g_return_if_fail (a < (int)self->columns->len && b < (int)self->columns->len);

  self->diff_a = a;
  self->diff_b = a >= 0 ? b : -1;
  mt_compare_view_sync_checks (self);
  mt_compare_view_apply_diff (self);
}
