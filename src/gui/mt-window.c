/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "mt-charts-page.h"
#include "mt-lab-loader.h"
#include "mt-timeline.h"
#include "mt-trace-row.h"
#include "mt-window-private.h"

#define MAX_RECENT_LABS 8

/* A text view measures a long text bit by bit, long after it was asked to
 * scroll, and the place it scrolled to drifts as it does: the transcript
 * follows the timeline's token this long, or until the user takes over. */
#define FOLLOW_SECONDS 10

/* Branches within this much of X from the marker count as recorded there. */
#define NEARBY_FRACTION 0.02

/* Where a timeline segment's text is in the transcript. */
typedef struct
{
  int     start;   /* character offset, -1 when a placeholder stands in */
  int     n_chars;
  guint32 n_bytes;
} MtTranscriptSection;

struct _MtWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  MtLab                *lab;
  GCancellable         *load_cancellable;
  GtkCustomFilter      *filter;
  char                 *search_folded;
  char                 *last_toast;
  char                 *page_before_load;
  GArray               *sections;
  GPtrArray            *branches;
  guint                 follow_id;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  GtkBox               *recent_box;
  GtkListBox           *recent_list;
  AdwStatusPage        *loading_page;
  GtkSpinner           *loading_spinner;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar;
  GtkWidget            *content;
  AdwWindowTitle       *sidebar_title;
  GtkSearchEntry       *search_entry;
  GtkStack             *sidebar_stack;
  AdwStatusPage        *sidebar_status;
  GtkListView          *trace_list;
  GtkSingleSelection   *selection;
  GtkFilterListModel   *filter_model;
  AdwWindowTitle       *content_title;
  GtkStack             *content_stack;
  MtTimeline           *timeline;
  MtMarkerLexicon      *lexicon;
  GtkScrolledWindow    *transcript_scroller;
  GtkTextView          *text_view;
  GtkLabel             *split_label;
  MtChartsPage         *charts_page;
};

enum {
  PROP_0,
  PROP_LAB,
  PROP_LOADING,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (MtWindow, mt_window, ADW_TYPE_APPLICATION_WINDOW)

static GParamSpec *properties[N_PROPS];
static GQuark search_text_quark;

/* g_set_str() is GLib 2.76. */
static gboolean
set_str (char       **field,
         const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
mt_window_toast (MtWindow   *self,
                 const char *message)
{
  AdwToast *toast;

  g_assert (MT_IS_WINDOW (self));

  set_str (&self->last_toast, message);

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
mt_window_set_loading (MtWindow *self,
                       gboolean  loading)
{
  g_assert (MT_IS_WINDOW (self));

  gtk_spinner_set_spinning (self->loading_spinner, loading);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-load", loading);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
mt_window_insert_section (MtWindow      *self,
                          GtkTextBuffer *buffer,
                          GtkTextIter   *iter,
                          const char    *heading,
                          const char    *text,
                          gsize          n_bytes,
                          const char    *empty)
{
  MtTranscriptSection section = { -1, 0, 0 };
  const char *valid_end;

  g_assert (MT_IS_WINDOW (self));

  if (gtk_text_iter_get_offset (iter) > 0)
    gtk_text_buffer_insert (buffer, iter, "\n", -1);

  gtk_text_buffer_insert_with_tags_by_name (buffer, iter, heading, -1,
                                            gtk_text_iter_get_offset (iter) > 0
                                              ? "later-heading" : "heading",
                                            NULL);
  gtk_text_buffer_insert (buffer, iter, "\n", -1);

  /* Kept reasoning is cut at a token boundary, which a real tokenizer may
   * put inside a character. */
  g_utf8_validate (text, n_bytes, &valid_end);
  n_bytes = valid_end - text;

  if (n_bytes > 0)
    {
      section.start = gtk_text_iter_get_offset (iter);
      section.n_chars = g_utf8_strlen (text, n_bytes);
      section.n_bytes = n_bytes;
      gtk_text_buffer_insert (buffer, iter, text, n_bytes);
    }
  else if (empty != NULL)
    gtk_text_buffer_insert_with_tags_by_name (buffer, iter, empty, -1, "placeholder", NULL);

  g_array_append_val (self->sections, section);
  gtk_text_buffer_insert (buffer, iter, "\n", -1);
}

static const char *
trace_get_prompt (MtTrace *trace)
{
  MtProblem *problem;

  if (mt_trace_get_prompt (trace) != NULL)
    return mt_trace_get_prompt (trace);

  if ((problem = mt_trace_get_problem (trace)))
    return mt_problem_get_prompt (problem);

  return NULL;
}

/* The lexicon's matches in the reasoning, as ticks on the timeline: one
 * trace is a few hundred kilobytes at most, so this runs on selection. */
static void
mt_window_show_markers (MtWindow *self,
                        MtTrace  *trace)
{
  static const MtTimelineShape shapes[] = {
    [MT_MARKER_SHAPE_CIRCLE] = MT_TIMELINE_SHAPE_CIRCLE,
    [MT_MARKER_SHAPE_TRIANGLE] = MT_TIMELINE_SHAPE_TRIANGLE,
    [MT_MARKER_SHAPE_SQUARE] = MT_TIMELINE_SHAPE_SQUARE,
    [MT_MARKER_SHAPE_DIAMOND] = MT_TIMELINE_SHAPE_DIAMOND,
  };
  g_autoptr(GArray) matches = NULL;
  g_autoptr(GArray) marks = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *reasoning;
  guint n_categories;

  if (trace == NULL || (reasoning = mt_trace_get_reasoning (trace)) == NULL)
    {
      mt_timeline_set_markers (self->timeline, NULL, 0);
      return;
    }

  if (self->lexicon == NULL)
    self->lexicon = mt_marker_lexicon_new_default (NULL);

  n_categories = mt_marker_lexicon_get_n_categories (self->lexicon);
  names = g_ptr_array_new ();
  for (guint i = 0; i < n_categories; i++)
    g_ptr_array_add (names, (gpointer) mt_marker_lexicon_get_label (self->lexicon, i));
  g_ptr_array_add (names, NULL);
  mt_timeline_set_marker_names (self->timeline, (const char * const *) names->pdata);

  matches = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));
  mt_marker_lexicon_scan (self->lexicon, reasoning, -1, mt_trace_get_reasoning_spans (trace),
                          matches, NULL);

  marks = g_array_sized_new (FALSE, FALSE, sizeof (MtTimelineMark), matches->len);
  for (guint i = 0; i < matches->len; i++)
    {
      const MtMarkerMatch *match = &g_array_index (matches, MtMarkerMatch, i);
      MtTimelineMark mark;

      if (match->token == G_MAXUINT ||
          !(mt_marker_lexicon_get_scope (self->lexicon, match->category) & MT_MARKER_SCOPE_REASONING))
        continue;

      mark.category = match->category;
      mark.token_index = match->token;
      mark.shape = shapes[mt_marker_lexicon_get_shape (self->lexicon, match->category)];
      g_array_append_val (marks, mark);
    }

  mt_timeline_set_markers (self->timeline, (const MtTimelineMark *) (gpointer) marks->data,
                           marks->len);
}

/* The branches that continue @trace, for its forks on the timeline. */
static void
mt_window_collect_branches (MtWindow *self,
                            MtTrace  *trace)
{
  GListModel *traces;
  guint n_items;

  g_assert (MT_IS_WINDOW (self));

  g_ptr_array_set_size (self->branches, 0);

  if (trace == NULL || self->lab == NULL)
    return;

  traces = mt_lab_get_traces (self->lab);
  n_items = g_list_model_get_n_items (traces);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(MtTrace) item = g_list_model_get_item (traces, i);
      MtBranch *branch;

      if (!MT_IS_BRANCH (item))
        continue;

      branch = MT_BRANCH (item);
      if (mt_branch_get_parent (branch) == trace
          || (mt_branch_get_parent (branch) == NULL
              && g_strcmp0 (mt_branch_get_parent_id (branch), mt_trace_get_id (trace)) == 0))
        g_ptr_array_add (self->branches, g_object_ref (branch));
    }
}

static void
mt_window_show_trace (MtWindow *self,
                      MtTrace  *trace)
{
  GtkTextBuffer *buffer;
  GtkTextIter iter;
  const char *problem_id;
  const char *note;
  guint n_segments;

  g_assert (MT_IS_WINDOW (self));
  g_assert (!trace || MT_IS_TRACE (trace));

  buffer = gtk_text_view_get_buffer (self->text_view);

  g_clear_handle_id (&self->follow_id, g_source_remove);
  mt_window_collect_branches (self, trace);
  mt_timeline_set_trace (self->timeline, trace);
  mt_timeline_set_branches (self->timeline, (MtBranch **)self->branches->pdata,
                            self->branches->len);
  mt_window_show_markers (self, trace);
  g_array_set_size (self->sections, 0);

  if (trace == NULL)
    {
      gtk_text_buffer_set_text (buffer, "", 0);
      adw_window_title_set_title (self->content_title, NULL);
      adw_window_title_set_subtitle (self->content_title, NULL);
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
      return;
    }

  problem_id = mt_trace_get_problem_id (trace);
  adw_window_title_set_title (self->content_title,
                              problem_id != NULL ? problem_id : mt_trace_get_id (trace));
  adw_window_title_set_subtitle (self->content_title, mt_trace_get_model (trace));

  gtk_text_buffer_set_text (buffer, "", 0);
  gtk_text_buffer_get_start_iter (buffer, &iter);

  /* The transcript follows the timeline's segments one to one, so that a
   * token on one maps to a place in the other. */
  n_segments = mt_timeline_get_n_segments (self->timeline);
  for (guint i = 0; i < n_segments; i++)
    {
      const char *text;
      const char *empty = NULL;
      gsize n_bytes;
      gboolean inherited;
      MtTimelineSegmentKind kind;

      kind = mt_timeline_get_segment (self->timeline, i, &text, &n_bytes, &inherited);
      if (kind == MT_TIMELINE_SEGMENT_REASONING && !inherited)
        empty = _("No reasoning was recorded.");
      else if (kind == MT_TIMELINE_SEGMENT_ANSWER)
        empty = _("No answer was given.");
      else if (n_bytes == 0)
        {
          /* Nothing to show and nothing missing: keep the places aligned. */
          MtTranscriptSection none = { -1, 0, 0 };

          g_array_append_val (self->sections, none);
          continue;
        }

      mt_window_insert_section (self, buffer, &iter,
                                mt_timeline_get_segment_title (self->timeline, i),
                                text, n_bytes, empty);
    }

  gtk_text_buffer_get_start_iter (buffer, &iter);
  gtk_text_buffer_place_cursor (buffer, &iter);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->transcript_scroller), 0);

  note = mt_trace_get_split_note (trace);
  if (note != NULL && *note != '\0')
    {
      g_autofree char *text = NULL;

      /* Translators: %s says how reasoning and answer were told apart */
      text = g_strdup_printf (_("How this was split: %s"), note);
      gtk_label_set_label (self->split_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->split_label), TRUE);
    }
  else
    {
      gtk_label_set_label (self->split_label, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->split_label), FALSE);
    }

  gtk_stack_set_visible_child_name (self->content_stack, "trace");
}

/* The transcript range of context token @token, FALSE when it is not in
 * the transcript. */
static gboolean
mt_window_get_token_bounds (MtWindow    *self,
                            guint        token,
                            GtkTextIter *start,
                            GtkTextIter *end)
{
  const MtTranscriptSection *section;
  GtkTextBuffer *buffer;
  const char *text;
  guint index;
  guint32 offset, length;
  int first, n_chars;

  g_assert (MT_IS_WINDOW (self));

  if (!mt_timeline_locate_token (self->timeline, token, &index, &offset, &length)
      || index >= self->sections->len)
    return FALSE;

  section = &g_array_index (self->sections, MtTranscriptSection, index);
  if (section->start < 0)
    return FALSE;

  mt_timeline_get_segment (self->timeline, index, &text, NULL, NULL);
  offset = MIN (offset, section->n_bytes);
  length = MIN (length, section->n_bytes - offset);
  first = g_utf8_pointer_to_offset (text, text + offset);
  n_chars = g_utf8_pointer_to_offset (text + offset, text + offset + length);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_iter_at_offset (buffer, start, section->start + first);
  gtk_text_buffer_get_iter_at_offset (buffer, end, section->start + first + n_chars);

  return TRUE;
}

/* The context token at @iter; @is_end asks for the token after the one
 * that ends there, for the end of a selection. */
static guint
mt_window_get_token_at_iter (MtWindow          *self,
                             const GtkTextIter *iter,
                             gboolean           is_end)
{
  const MtTranscriptSection *section = NULL;
  const char *text;
  guint index = 0;
  int offset = gtk_text_iter_get_offset (iter);
  int delta;
  guint32 byte;

  g_assert (MT_IS_WINDOW (self));

  for (guint i = 0; i < self->sections->len; i++)
    {
      const MtTranscriptSection *candidate = &g_array_index (self->sections,
                                                             MtTranscriptSection, i);

      if (candidate->start < 0)
        continue;
      if (section != NULL && candidate->start > offset)
        break;
      section = candidate;
      index = i;
    }

  if (section == NULL)
    return 0;

  mt_timeline_get_segment (self->timeline, index, &text, NULL, NULL);
  delta = CLAMP (offset - section->start, 0, section->n_chars);
  byte = g_utf8_offset_to_pointer (text, delta) - text;

  /* Past the end of a section (in the next heading) is where the next
   * segment starts on the timeline. */
  if (byte >= section->n_bytes)
    return mt_timeline_token_at_location (self->timeline, index, section->n_bytes - 1) + 1;

  if (is_end)
    return byte == 0 ? mt_timeline_token_at_location (self->timeline, index, 0)
                     : mt_timeline_token_at_location (self->timeline, index, byte - 1) + 1;

  return mt_timeline_token_at_location (self->timeline, index, byte);
}

static void
mt_window_update_highlight (MtWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  g_assert (MT_IS_WINDOW (self));

  if (!gtk_text_buffer_get_selection_bounds (buffer, &start, &end) || self->sections->len == 0)
    {
      mt_timeline_set_highlight (self->timeline, 0, 0);
      return;
    }

  mt_timeline_set_highlight (self->timeline,
                             mt_window_get_token_at_iter (self, &start, FALSE),
                             mt_window_get_token_at_iter (self, &end, TRUE));
}

static void
buffer_mark_set_cb (MtWindow          *self,
                    const GtkTextIter *location,
                    GtkTextMark       *mark,
                    GtkTextBuffer     *buffer)
{
  g_assert (MT_IS_WINDOW (self));

  if (mark == gtk_text_buffer_get_insert (buffer)
      || mark == gtk_text_buffer_get_selection_bound (buffer))
    mt_window_update_highlight (self);
}

static void
mt_window_scroll_to_target (MtWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);

  gtk_text_view_scroll_to_mark (self->text_view,
                                gtk_text_buffer_get_mark (buffer, "timeline-target"),
                                0.0, TRUE, 0.0, 0.3);
}

static gboolean
mt_window_stop_following_cb (gpointer user_data)
{
  MtWindow *self = user_data;

  self->follow_id = 0;
  return G_SOURCE_REMOVE;
}

static void
transcript_upper_changed_cb (MtWindow      *self,
                             GParamSpec    *pspec,
                             GtkAdjustment *adjustment)
{
  g_assert (MT_IS_WINDOW (self));

  /* The transcript grew as lines were measured: the target moved. */
  if (self->follow_id != 0)
    mt_window_scroll_to_target (self);
}

static gboolean
transcript_event_cb (MtWindow                 *self,
                     GdkEvent                 *event,
                     GtkEventControllerLegacy *controller)
{
  GdkEventType type = gdk_event_get_event_type (event);

  g_assert (MT_IS_WINDOW (self));

  /* Scrolling, clicking or typing in the transcript is the user taking
   * over from the timeline. */
  if (type == GDK_SCROLL || type == GDK_BUTTON_PRESS || type == GDK_KEY_PRESS
      || type == GDK_TOUCH_BEGIN || type == GDK_TOUCHPAD_SWIPE)
    g_clear_handle_id (&self->follow_id, g_source_remove);

  return GDK_EVENT_PROPAGATE;
}

static void
timeline_token_activated_cb (MtWindow   *self,
                             guint       token,
                             MtTimeline *timeline)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;
  GtkTextIter all_start, all_end;
  GtkTextMark *mark;

  g_assert (MT_IS_WINDOW (self));

  if (!mt_window_get_token_bounds (self, token, &start, &end))
    return;

  gtk_text_buffer_get_bounds (buffer, &all_start, &all_end);
  gtk_text_buffer_remove_tag_by_name (buffer, "pointed", &all_start, &all_end);
  gtk_text_buffer_apply_tag_by_name (buffer, "pointed", &start, &end);

  mark = gtk_text_buffer_get_mark (buffer, "timeline-target");
  gtk_text_buffer_move_mark (buffer, mark, &start);
  mt_window_scroll_to_target (self);

  g_clear_handle_id (&self->follow_id, g_source_remove);
  self->follow_id = g_timeout_add_seconds (FOLLOW_SECONDS, mt_window_stop_following_cb, self);
}

static void
mt_window_select_trace (MtWindow *self,
                        MtTrace  *trace)
{
  GListModel *model = G_LIST_MODEL (self->filter_model);

  g_assert (MT_IS_WINDOW (self));

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      guint n_items = g_list_model_get_n_items (model);

      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(MtTrace) item = g_list_model_get_item (model, i);

          if (item == trace)
            {
              gtk_single_selection_set_selected (self->selection, i);
              return;
            }
        }

      /* The search hides it: show everything rather than nothing. */
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
    }
}

static void
timeline_branch_activated_cb (MtWindow   *self,
                              MtBranch   *branch,
                              MtTimeline *timeline)
{
  g_assert (MT_IS_WINDOW (self));

  mt_window_select_trace (self, MT_TRACE (branch));
}

/* A point of a chart: its first branch opens in the trace view. */
static void
charts_branches_activated_cb (MtWindow           *self,
                              const char * const *ids,
                              MtChartsPage       *charts_page)
{
  MtTrace *trace;

  g_assert (MT_IS_WINDOW (self));

  if (self->lab == NULL || ids == NULL || ids[0] == NULL)
    return;

  if ((trace = mt_lab_lookup_trace (self->lab, ids[0])) != NULL)
    {
      mt_window_select_trace (self, trace);
      g_action_group_change_action_state (G_ACTION_GROUP (self), "show-charts",
                                          g_variant_new_boolean (FALSE));
    }
}

static void
show_charts_change_state_cb (GSimpleAction *action,
                             GVariant      *value,
                             gpointer       user_data)
{
  MtWindow *self = user_data;
  gboolean shown = g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack),
                              "charts") == 0;

  g_assert (MT_IS_WINDOW (self));

  if (g_variant_get_boolean (value) && !shown && self->lab != NULL)
    {
      adw_window_title_set_title (self->content_title, _("Charts"));
      adw_window_title_set_subtitle (self->content_title, NULL);
      gtk_stack_set_visible_child_name (self->content_stack, "charts");
      adw_leaflet_set_visible_child (self->leaflet, self->content);
    }
  else if (!g_variant_get_boolean (value) && shown)
    mt_window_show_trace (self, gtk_single_selection_get_selected_item (self->selection));
}

static void
content_page_changed_cb (MtWindow   *self,
                         GParamSpec *pspec,
                         GtkStack   *stack)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "show-charts");
  gboolean shown = g_strcmp0 (gtk_stack_get_visible_child_name (stack), "charts") == 0;

  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (shown));
}

static void
nearby_row_activated_cb (MtWindow      *self,
                         GtkListBoxRow *row,
                         GtkListBox    *list_box)
{
  MtTrace *trace = g_object_get_data (G_OBJECT (row), "trace");
  GtkWidget *popover;

  g_assert (MT_IS_WINDOW (self));

  if ((popover = gtk_widget_get_ancestor (GTK_WIDGET (list_box), GTK_TYPE_POPOVER)))
    gtk_popover_popdown (GTK_POPOVER (popover));

  if (trace != NULL)
    mt_window_select_trace (self, trace);
}

static double
branch_get_fraction (MtBranch *branch,
                     guint     n_reasoning)
{
  MtInterrupt *interrupt = mt_branch_get_interrupt (branch);

  if (isfinite (mt_interrupt_get_fraction (interrupt)))
    return mt_interrupt_get_fraction (interrupt);

  return n_reasoning > 0 ? (double)mt_interrupt_get_token_index (interrupt) / n_reasoning : 0;
}

/* Until interrupts can be run from here, the marker's activation lists
 * what was already recorded near it. */
static void
timeline_interrupt_activated_cb (MtWindow   *self,
                                 guint       token_index,
                                 double      fraction,
                                 MtTimeline *timeline)
{
  g_autofree char *heading = NULL;
  guint n_reasoning = mt_timeline_get_n_reasoning_tokens (timeline);
  GtkWidget *popover;
  GtkWidget *box;
  GtkWidget *label;
  GtkWidget *list = NULL;

  g_assert (MT_IS_WINDOW (self));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  /* Translators: the heading of the list of branches near the marker */
  heading = g_strdup_printf (_("Branches Near X = %.1f%%"), 100 * fraction);
  label = gtk_label_new (heading);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (box), label);

  for (guint i = 0; i < self->branches->len; i++)
    {
      MtBranch *branch = g_ptr_array_index (self->branches, i);
      MtInterrupt *interrupt = mt_branch_get_interrupt (branch);
      double branch_fraction = branch_get_fraction (branch, n_reasoning);
      g_autofree char *text = NULL;
      GtkWidget *row;

      if (interrupt == NULL || fabs (branch_fraction - fraction) > NEARBY_FRACTION + 1e-9)
        continue;

      if (list == NULL)
        {
          list = gtk_list_box_new ();
          gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
          gtk_widget_add_css_class (list, "boxed-list");
          g_signal_connect_object (list, "row-activated", G_CALLBACK (nearby_row_activated_cb),
                                   self, G_CONNECT_SWAPPED);
          gtk_box_append (GTK_BOX (box), list);
        }

      /* Translators: a branch near the marker: its interrupt kind and X */
      text = g_strdup_printf (_("%s at X = %.1f%%"),
                              mt_timeline_get_kind_label (mt_interrupt_get_kind (interrupt)),
                              100 * branch_fraction);
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), mt_trace_get_id (MT_TRACE (branch)));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "trace", g_object_ref (branch), g_object_unref);
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }

  if (list == NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %d is a percentage of the reasoning, 2 */
      text = g_strdup_printf (_("No branches were recorded within %d%% of this point."),
                              (int)round (100 * NEARBY_FRACTION));
      label = gtk_label_new (text);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 30);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (box), label);
    }

  popover = gtk_popover_new ();
  gtk_widget_add_css_class (popover, "nearby-branches");
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  mt_timeline_popup_at_marker (timeline, GTK_POPOVER (popover));
}

static void
mt_window_update_sidebar (MtWindow *self)
{
  guint n_visible;
  guint n_total;

  g_assert (MT_IS_WINDOW (self));

  n_visible = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));
  n_total = self->lab != NULL ? g_list_model_get_n_items (mt_lab_get_traces (self->lab)) : 0;

  if (self->lab != NULL)
    {
      g_autofree char *subtitle = NULL;

      if (self->search_folded != NULL)
        /* Translators: how many traces match the search, out of how many */
        subtitle = g_strdup_printf (ngettext ("%u of %u trace", "%u of %u traces", n_total),
                                    n_visible, n_total);
      else
        subtitle = g_strdup_printf (ngettext ("%u trace", "%u traces", n_total), n_total);
      adw_window_title_set_subtitle (self->sidebar_title, subtitle);
    }

  if (n_visible > 0)
    {
      gtk_stack_set_visible_child_name (self->sidebar_stack, "list");
      return;
    }

  if (n_total > 0)
    {
      adw_status_page_set_icon_name (self->sidebar_status, "edit-find-symbolic");
      adw_status_page_set_title (self->sidebar_status, _("No Results Found"));
      adw_status_page_set_description (self->sidebar_status, _("Try a different search"));
    }
  else
    {
      adw_status_page_set_icon_name (self->sidebar_status,
                                     "io.github.midthought.Midthought-symbolic");
      adw_status_page_set_title (self->sidebar_status, _("No Traces"));
      adw_status_page_set_description (self->sidebar_status,
                                       _("This file holds no reasoning traces"));
    }

  gtk_stack_set_visible_child_name (self->sidebar_stack, "empty");
}

static void
mt_window_filter_items_changed_cb (MtWindow   *self,
                                   guint       position,
                                   guint       removed,
                                   guint       added,
                                   GListModel *model)
{
  g_assert (MT_IS_WINDOW (self));

  mt_window_update_sidebar (self);
}

static const char *
trace_get_search_text (MtTrace *trace)
{
  const char *text;
  GString *str;
  const char *parts[5];
  g_autofree char *joined = NULL;

  /* Folding every text on every keystroke would be slow for long traces,
   * so each trace keeps its folded text once it has been searched. */
  if ((text = g_object_get_qdata (G_OBJECT (trace), search_text_quark)))
    return text;

  parts[0] = mt_trace_get_model (trace);
  parts[1] = mt_trace_get_problem_id (trace);
  parts[2] = trace_get_prompt (trace);
  parts[3] = mt_trace_get_reasoning (trace);
  parts[4] = mt_trace_get_answer (trace);

  str = g_string_new (mt_trace_get_id (trace));
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      /* A newline keeps a match from spanning two fields. */
      g_string_append_c (str, '\n');
      if (parts[i] != NULL)
        g_string_append (str, parts[i]);
    }

  joined = g_string_free (str, FALSE);
  text = g_utf8_casefold (joined, -1);
  g_object_set_qdata_full (G_OBJECT (trace), search_text_quark, (char *)text, g_free);

  return text;
}

static gboolean
mt_window_filter_func (gpointer item,
                       gpointer user_data)
{
  MtWindow *self = user_data;

  g_assert (MT_IS_WINDOW (self));
  g_assert (MT_IS_TRACE (item));

  if (self->search_folded == NULL)
    return TRUE;

  return strstr (trace_get_search_text (item), self->search_folded) != NULL;
}

static void
search_changed_cb (MtWindow       *self,
                   GtkSearchEntry *entry)
{
  g_autofree char *old = NULL;
  const char *text;
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;

  g_assert (MT_IS_WINDOW (self));

  old = g_steal_pointer (&self->search_folded);
  text = gtk_editable_get_text (GTK_EDITABLE (entry));
  if (text != NULL && *text != '\0')
    self->search_folded = g_utf8_casefold (text, -1);

  if (g_strcmp0 (old, self->search_folded) == 0)
    return;

  /* Telling the filter which way it changed lets it only look again at
   * the items that can change. */
  if (old == NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (self->search_folded == NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else if (strstr (self->search_folded, old) != NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (strstr (old, self->search_folded) != NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;

  gtk_filter_changed (GTK_FILTER (self->filter), change);
  mt_window_update_sidebar (self);
}

static void
stop_search_cb (MtWindow       *self,
                GtkSearchEntry *entry)
{
  g_assert (MT_IS_WINDOW (self));

  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
selected_item_changed_cb (MtWindow           *self,
                          GParamSpec         *pspec,
                          GtkSingleSelection *selection)
{
  g_assert (MT_IS_WINDOW (self));

  mt_window_show_trace (self, gtk_single_selection_get_selected_item (selection));
}

static void
trace_list_activate_cb (MtWindow    *self,
                        guint        position,
                        GtkListView *list_view)
{
  g_assert (MT_IS_WINDOW (self));

  gtk_single_selection_set_selected (self->selection, position);
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

static void
back_clicked_cb (MtWindow  *self,
                 GtkButton *button)
{
  g_assert (MT_IS_WINDOW (self));

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
recent_row_activated_cb (MtWindow      *self,
                         GtkListBoxRow *row,
                         GtkListBox    *list_box)
{
  const char *uri;

  g_assert (MT_IS_WINDOW (self));

  if ((uri = g_object_get_data (G_OBJECT (row), "uri")))
    {
      g_autoptr(GFile) file = g_file_new_for_uri (uri);

      mt_window_open (self, file);
    }
}

static void
mt_window_recent_changed_cb (MtWindow   *self,
                             const char *key,
                             GSettings  *settings)
{
  g_auto(GStrv) uris = NULL;
  GtkWidget *child;
  guint n_rows = 0;

  g_assert (MT_IS_WINDOW (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))))
    gtk_list_box_remove (self->recent_list, child);

  uris = g_settings_get_strv (settings, "recent-labs");
  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (uris[i]);
      g_autoptr(GFile) parent = g_file_get_parent (file);
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *where = NULL;
      GtkWidget *row;

      /* Files moved or deleted since are not worth offering. */
      if (g_file_is_native (file) && !g_file_query_exists (file, NULL))
        continue;

      if (parent != NULL && g_file_is_native (parent))
        {
          g_autofree char *path = g_file_get_path (parent);
          const char *home = g_get_home_dir ();

          if (g_str_has_prefix (path, home) && home[1] != '\0')
            where = g_strconcat ("~", path + strlen (home), NULL);
          else
            where = g_steal_pointer (&path);
        }
      else if (parent != NULL)
        where = g_file_get_uri (parent);

      /* File names are not markup. */
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
      if (where != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), where);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "uri", g_strdup (uris[i]), g_free);
      gtk_list_box_append (self->recent_list, row);
      n_rows++;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->recent_box), n_rows > 0);
}

static void
mt_window_remember (MtWindow  *self,
                    GPtrArray *reports)
{
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) uris = NULL;
  g_autoptr(GHashTable) seen = NULL;
  GtkRecentManager *manager;
  guint n = 0;

  g_assert (MT_IS_WINDOW (self));

  builder = g_strv_builder_new ();
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  manager = gtk_recent_manager_get_default ();

  for (guint i = 0; i < reports->len; i++)
    {
      const MtLoadReport *report = g_ptr_array_index (reports, i);
      g_autoptr(GFile) file = g_file_new_for_path (report->path);
      char *uri = g_file_get_uri (file);

      gtk_recent_manager_add_item (manager, uri);
      if (g_hash_table_add (seen, uri) && n < MAX_RECENT_LABS)
        {
          g_strv_builder_add (builder, uri);
          n++;
        }
    }

  old = g_settings_get_strv (self->settings, "recent-labs");
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT_LABS; i++)
    {
      if (g_hash_table_add (seen, g_strdup (old[i])))
        {
          g_strv_builder_add (builder, old[i]);
          n++;
        }
    }

  uris = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-labs", (const char * const *)uris);
}

static void
mt_window_show_lab (MtWindow   *self,
                    MtLab      *lab,
                    const char *title)
{
  g_assert (MT_IS_WINDOW (self));
  g_assert (MT_IS_LAB (lab));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");

  if (g_set_object (&self->lab, lab))
    {
      gtk_filter_list_model_set_model (self->filter_model, mt_lab_get_traces (lab));
      mt_charts_page_set_lab (self->charts_page, lab);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAB]);
    }

  adw_window_title_set_title (self->sidebar_title, title);
  gtk_window_set_title (GTK_WINDOW (self), title);
  mt_window_update_sidebar (self);
  mt_window_show_trace (self, gtk_single_selection_get_selected_item (self->selection));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find", TRUE);
  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_stack_set_visible_child_name (self->main_stack, "lab");
  gtk_widget_grab_focus (GTK_WIDGET (self->trace_list));
}

static void
mt_window_load_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(MtWindow) self = user_data;
  g_autoptr(MtLabLoad) load = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *skipped = NULL;

  g_assert (MT_IS_WINDOW (self));

  load = mt_lab_load_finish (result, &error);

  /* A newer load took over, or the window went away: nothing to show. */
  if (self->load_cancellable == NULL
      || self->load_cancellable != g_task_get_cancellable (G_TASK (result)))
    return;

  /* Cancel may have been pressed after the worker finished. */
  if (load != NULL && g_cancellable_is_cancelled (self->load_cancellable))
    g_clear_pointer (&load, mt_lab_load_free);

  g_clear_object (&self->load_cancellable);

  if (load == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        mt_window_toast (self, error->message);
      gtk_stack_set_visible_child_name (self->main_stack, self->page_before_load);
      mt_window_set_loading (self, FALSE);
      return;
    }

  for (guint i = 0; i < load->failures->len; i++)
    {
      g_autofree char *message = mt_load_failure_describe (g_ptr_array_index (load->failures, i));

      mt_window_toast (self, message);
    }

  if (load->lab != NULL)
    {
      const MtLoadReport *first = g_ptr_array_index (load->reports, 0);
      g_autofree char *title = g_path_get_basename (first->path);

      mt_window_remember (self, load->reports);
      mt_window_show_lab (self, load->lab, title);

      if ((skipped = mt_lab_load_describe_skipped (load)))
        mt_window_toast (self, skipped);
    }
  else
    {
      gtk_stack_set_visible_child_name (self->main_stack, self->page_before_load);
    }

  mt_window_set_loading (self, FALSE);
}

static void
mt_window_file_chooser_response_cb (MtWindow             *self,
                                    int                   response,
                                    GtkFileChooserNative *native)
{
  g_assert (MT_IS_WINDOW (self));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) model = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (native));
      g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
      guint n_items = g_list_model_get_n_items (model);

      for (guint i = 0; i < n_items; i++)
        g_ptr_array_add (files, g_list_model_get_item (model, i));

      if (files->len > 0)
        mt_window_open_files (self, (GFile **)files->pdata, files->len);
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (native));
  g_object_unref (native);
}

static gboolean
mt_window_drop_cb (MtWindow      *self,
                   const GValue  *value,
                   double         x,
                   double         y,
                   GtkDropTarget *target)
{
  g_autoptr(GPtrArray) files = NULL;
  GSList *list;

  g_assert (MT_IS_WINDOW (self));

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;

  files = g_ptr_array_new ();
  list = gdk_file_list_get_files (g_value_get_boxed (value));
  for (const GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  g_slist_free (list);

  if (files->len == 0)
    return FALSE;

  mt_window_open_files (self, (GFile **)files->pdata, files->len);

  return TRUE;
}

static void
cancel_load_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);

  if (self->lab == NULL)
    return;

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static gboolean
mt_window_close_request (GtkWindow *window)
{
  MtWindow *self = MT_WINDOW (window);
  int width;
  int height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window))
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_apply (self->settings);

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);

  return GTK_WINDOW_CLASS (mt_window_parent_class)->close_request (window);
}

static void
mt_window_constructed (GObject *object)
{
  MtWindow *self = (MtWindow *)object;

  G_OBJECT_CLASS (mt_window_parent_class)->constructed (object);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
mt_window_dispose (GObject *object)
{
  MtWindow *self = (MtWindow *)object;

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_WINDOW);

  g_clear_handle_id (&self->follow_id, g_source_remove);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->branches, g_ptr_array_unref);
  g_clear_object (&self->lab);
  g_clear_object (&self->lexicon);
  g_clear_object (&self->filter);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (mt_window_parent_class)->dispose (object);
}

static void
mt_window_finalize (GObject *object)
{
  MtWindow *self = (MtWindow *)object;

  g_clear_pointer (&self->search_folded, g_free);
  g_clear_pointer (&self->last_toast, g_free);
  g_clear_pointer (&self->page_before_load, g_free);
  g_clear_pointer (&self->sections, g_array_unref);

  G_OBJECT_CLASS (mt_window_parent_class)->finalize (object);
}

static void
mt_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  MtWindow *self = MT_WINDOW (object);

  switch (prop_id)
    {
    case PROP_LAB:
      g_value_set_object (value, self->lab);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, mt_window_get_loading (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_window_class_init (MtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = mt_window_constructed;
  object_class->dispose = mt_window_dispose;
  object_class->finalize = mt_window_finalize;
  object_class->get_property = mt_window_get_property;

  window_class->close_request = mt_window_close_request;

  properties[PROP_LAB] =
    g_param_spec_object ("lab", NULL, NULL,
                         MT_TYPE_LAB,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  search_text_quark = g_quark_from_static_string ("mt-window-search-text");

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/midthought/Midthought/mt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MtWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, recent_box);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, loading_page);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, content);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, sidebar_title);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, sidebar_status);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, trace_list);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, selection);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, filter_model);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, timeline);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, transcript_scroller);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, text_view);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, split_label);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, charts_page);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, selected_item_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, trace_list_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, recent_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, timeline_token_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, timeline_interrupt_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, timeline_branch_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, charts_branches_activated_cb);

  gtk_widget_class_install_action (widget_class, "win.cancel-load", NULL, cancel_load_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_g, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.show-charts", NULL);

  g_type_ensure (MT_TYPE_TRACE_ROW);
  g_type_ensure (MT_TYPE_TIMELINE);
  g_type_ensure (MT_TYPE_CHARTS_PAGE);
}

static void
mt_window_init (MtWindow *self)
{
  GtkTextBuffer *buffer;
  GtkDropTarget *drop_target;
  GtkEventController *legacy;
  g_autoptr(GSimpleAction) show_charts = NULL;
  GtkTextIter start;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  self->page_before_load = g_strdup ("welcome");
  self->sections = g_array_new (FALSE, FALSE, sizeof (MtTranscriptSection));
  self->branches = g_ptr_array_new_with_free_func (g_object_unref);

  self->filter = gtk_custom_filter_new (mt_window_filter_func, self, NULL);
  gtk_filter_list_model_set_filter (self->filter_model, GTK_FILTER (self->filter));
  g_signal_connect_object (self->filter_model, "items-changed",
                           G_CALLBACK (mt_window_filter_items_changed_cb), self,
                           G_CONNECT_SWAPPED);

  /* Emphasis by weight and size only: colours come from the theme. */
  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_create_tag (buffer, "heading",
                              "weight", PANGO_WEIGHT_BOLD,
                              "scale", PANGO_SCALE_LARGE,
                              "pixels-below-lines", 6,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "later-heading",
                              "weight", PANGO_WEIGHT_BOLD,
                              "scale", PANGO_SCALE_LARGE,
                              "pixels-above-lines", 18,
                              "pixels-below-lines", 6,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "placeholder",
                              "style", PANGO_STYLE_ITALIC,
                              NULL);
  /* The token the timeline points at; an underline needs no colour. */
  gtk_text_buffer_create_tag (buffer, "pointed",
                              "underline", PANGO_UNDERLINE_SINGLE,
                              NULL);
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_create_mark (buffer, "timeline-target", &start, TRUE);
  g_signal_connect_object (buffer, "mark-set", G_CALLBACK (buffer_mark_set_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->transcript_scroller),
                           "notify::upper", G_CALLBACK (transcript_upper_changed_cb), self,
                           G_CONNECT_SWAPPED);
  legacy = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (legacy, GTK_PHASE_CAPTURE);
  g_signal_connect_object (legacy, "event", G_CALLBACK (transcript_event_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->transcript_scroller), legacy);

  drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_object (drop_target, "drop", G_CALLBACK (mt_window_drop_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  g_signal_connect_object (self->settings, "changed::recent-labs",
                           G_CALLBACK (mt_window_recent_changed_cb), self,
                           G_CONNECT_SWAPPED);
  mt_window_recent_changed_cb (self, "recent-labs", self->settings);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-load", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find", FALSE);

  show_charts = g_simple_action_new_stateful ("show-charts", NULL, g_variant_new_boolean (FALSE));
  g_signal_connect_object (show_charts, "change-state",
                           G_CALLBACK (show_charts_change_state_cb), self, 0);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (show_charts));
  g_signal_connect_object (self->content_stack, "notify::visible-child-name",
                           G_CALLBACK (content_page_changed_cb), self, G_CONNECT_SWAPPED);
}

MtWindow *
mt_window_new (GtkApplication *application)
{
  g_return_val_if_fail (!application || GTK_IS_APPLICATION (application), NULL);

  return g_object_new (MT_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

MtLab *
mt_window_get_lab (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return self->lab;
}

gboolean
mt_window_get_loading (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), FALSE);

  return self->load_cancellable != NULL;
}

gboolean
mt_window_is_empty (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), FALSE);

  return self->lab == NULL && self->load_cancellable == NULL;
}

void
mt_window_open (MtWindow *self,
                GFile    *file)
{
  g_return_if_fail (MT_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  mt_window_open_files (self, &file, 1);
}

void
mt_window_open_files (MtWindow  *self,
                      GFile    **files,
                      guint      n_files)
{
  g_autofree char *description = NULL;
  const char *page;

  g_return_if_fail (MT_IS_WINDOW (self));
  g_return_if_fail (files != NULL);
  g_return_if_fail (n_files > 0);

  page = gtk_stack_get_visible_child_name (self->main_stack);
  if (g_strcmp0 (page, "loading") != 0)
    set_str (&self->page_before_load, page);

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  if (n_files == 1)
    description = g_file_get_basename (files[0]);
  else
    description = g_strdup_printf (ngettext ("%u file", "%u files", n_files), n_files);
  adw_status_page_set_description (self->loading_page, description);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
  mt_window_set_loading (self, TRUE);

  mt_lab_load_async (files, n_files, self->load_cancellable,
                     mt_window_load_cb, g_object_ref (self));
}

void
mt_window_choose_files (MtWindow *self)
{
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) supported = NULL;
  g_autoptr(GtkFileFilter) all = NULL;

  g_return_if_fail (MT_IS_WINDOW (self));

  native = gtk_file_chooser_native_new (_("Open Lab or Traces"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (native), TRUE);

  supported = gtk_file_filter_new ();
  gtk_file_filter_set_name (supported, _("Labs and Traces"));
  gtk_file_filter_add_mime_type (supported, "application/x-midthought-lab");
  gtk_file_filter_add_suffix (supported, "mtlab");
  gtk_file_filter_add_suffix (supported, "jsonl");
  gtk_file_filter_add_suffix (supported, "json");
  gtk_file_filter_add_mime_type (supported, "application/json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), supported);

  all = gtk_file_filter_new ();
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);

  g_signal_connect_object (native, "response",
                           G_CALLBACK (mt_window_file_chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

const char *
_mt_window_get_page (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->main_stack);
}

MtTimeline *
_mt_window_get_timeline (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return self->timeline;
}

GListModel *
_mt_window_get_visible_traces (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->filter_model);
}

GtkEditable *
_mt_window_get_search_entry (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return GTK_EDITABLE (self->search_entry);
}

GtkTextBuffer *
_mt_window_get_transcript (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return gtk_text_view_get_buffer (self->text_view);
}

const char *
_mt_window_get_last_toast (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return self->last_toast;
}

void
_mt_window_set_lab (MtWindow   *self,
                    MtLab      *lab,
                    const char *title)
{
  g_return_if_fail (MT_IS_WINDOW (self));
  g_return_if_fail (MT_IS_LAB (lab));

  mt_window_show_lab (self, lab, title);
}
