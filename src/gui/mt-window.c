/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "mt-compare-view.h"
#include "mt-charts-page.h"
#include "mt-lab-loader.h"
#include "mt-live-session.h"
#include "mt-new-run-dialog.h"
#include "mt-preferences-window.h"
#include "mt-secrets.h"
#include "mt-settings.h"
#include "mt-sweep-dialog.h"
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

/* Traces judged per worker job: small enough that rows fill in soon after
 * the lab shows, large enough that the thread hand-over is cheap. */
#define JUDGE_CHUNK 1024

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
  /* What is being loaded, as text: the loading page shows it as markup. */
  char                 *load_title;
  gboolean              load_shown;   /* the loading lab is listed already */
  GArray               *sections;
  GPtrArray            *branches;
  guint                 follow_id;
  MtLiveSession        *live;
  guint                 live_tick_id;
  guint                 live_scroll_id;
  gboolean              live_follow;
  GSignalGroup         *live_trace_signals;
  guint                 live_n_traces;
  double                live_scroll_value;
  GtkTextMark          *live_end_mark;
  gboolean              live_sweep_close_confirmed;

  /* Verdicts and diagnoses come from a worker, a chunk at a time. */
  GHashTable           *judgements;    /* MtTrace -> MtTraceJudgement */
  GPtrArray            *to_judge;      /* MtTrace, in the order they come */
  guint                 judge_next;    /* the first of to_judge not yet sent */
  GCancellable         *judge_cancellable;
  guint                 judge_idle_id;
  GHashTable           *bound_rows;    /* MtTraceRow shown in the list */
  GtkCustomSorter      *sorter;
  char                 *model_filter;  /* NULL: every model */
  MtWindowSort          sort;
  MtWindowVerdictFilter verdict_filter;
  MtWindowFailureFilter failure_filter;
  GPtrArray            *models;        /* the model menu's keys, after "All" */

  /* Saving */
  char                 *title;         /* the lab's name, without marks */
  char                 *lab_path;      /* the lab file Save writes, or NULL */
  gboolean              modified;
  gboolean              close_confirmed;
  gboolean              close_after_save;
  AdwMessageDialog     *close_dialog;
  MtLab                *saving_lab;    /* the lab a save in flight is of */
  gboolean              close_when_saved;
  gboolean              saved_ok;      /* how the last save ended */
  guint                 changes;       /* counts mt_window_set_modified (TRUE) */

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
  GtkMenuButton        *filter_button;
  GMenu                *model_menu;
  GtkSortListModel     *sort_model;
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
  MtCompareView        *compare_view;
  /* Asked to be selected before the incremental filter reached it. */
  MtTrace              *pending_selection;
  GtkToggleButton      *play_button;
  GtkToggleButton      *presentation_button;
  GtkToggleButton      *clock_button;
  GtkLabel             *live_rate_label;
  GtkMenuButton        *live_interrupt_button;
  GtkWidget            *live_stop_button;
  GtkEntry             *live_update_entry;
  GtkRevealer          *live_sweep_revealer;
  GtkLabel             *live_sweep_label;
  GtkProgressBar       *live_sweep_progress;
  GtkWidget            *live_sweep_pause_button;
  GtkWidget            *live_sweep_resume_button;
  MtChartsPage         *charts_page;
};

enum {
  PROP_0,
  PROP_LAB,
  PROP_LOADING,
  PROP_SORT,
  PROP_MODEL_FILTER,
  PROP_VERDICT_FILTER,
  PROP_FAILURE_FILTER,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (MtWindow, mt_window, ADW_TYPE_APPLICATION_WINDOW)

static GParamSpec *properties[N_PROPS];
static GQuark search_text_quark;

static void        mt_window_reset_filters  (MtWindow   *self);
static void        mt_window_set_model_filter (MtWindow   *self,
                                               const char *model);
static void        mt_window_lab_changed_cb (MtWindow   *self,
                                             guint       position,
                                             guint       removed,
                                             guint       added,
                                             GListModel *model);
static gboolean    mt_window_needs_judgements (MtWindow *self);
static gboolean    mt_window_judge_idle_cb    (gpointer  user_data);
static gboolean    mt_window_is_filtered      (MtWindow *self);
static void        mt_window_trace_replaced_cb (MtWindow *self,
                                                MtTrace  *old,
                                                MtTrace  *trace,
                                                MtLab    *lab);

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
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast;

  g_assert (MT_IS_WINDOW (self));

  set_str (&self->last_toast, message);

  /* Toast titles are markup; messages name files and quote servers. */
  toast = adw_toast_new (escaped);
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
  g_assert (MT_IS_WINDOW (self));

  g_ptr_array_set_size (self->branches, 0);

  if (trace == NULL || self->lab == NULL)
    return;

  g_ptr_array_extend_and_steal (self->branches, mt_compare_find_branches (self->lab, trace));
}

static gboolean
mt_window_get_compare (MtWindow *self)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (self), "compare");

  return state != NULL && g_variant_get_boolean (state);
}

/* The trace page shows either the timeline and transcript or the compare
 * view of the trace on the timeline. */
static void
mt_window_update_compare (MtWindow *self)
{
  MtTrace *trace = mt_timeline_get_trace (self->timeline);
  const char *page = gtk_stack_get_visible_child_name (self->content_stack);

  if (trace == NULL || g_strcmp0 (page, "empty") == 0)
    return;

  if (mt_window_get_compare (self))
    {
      mt_compare_view_set_lexicon (self->compare_view, self->lexicon);
      mt_compare_view_set_trace (self->compare_view, self->lab, trace);
      gtk_stack_set_visible_child_name (self->content_stack, "compare");
    }
  else
    gtk_stack_set_visible_child_name (self->content_stack, "trace");
}

static void
compare_change_state (GSimpleAction *action,
                      GVariant      *state,
                      gpointer       user_data)
{
  g_simple_action_set_state (action, state);
  mt_window_update_compare (MT_WINDOW (user_data));
}

/* The forks on the timeline say how each branch did, once it is graded. */
static void
mt_window_update_fork_verdicts (MtWindow *self)
{
  g_assert (MT_IS_WINDOW (self));

  for (guint i = 0; i < self->branches->len; i++)
    {
      MtBranch *branch = g_ptr_array_index (self->branches, i);
      const MtTraceJudgement *judgement = g_hash_table_lookup (self->judgements, branch);
      g_autofree char *verdict = judgement != NULL ? mt_trace_judgement_describe (judgement)
                                                   : NULL;

      mt_timeline_set_branch_verdict (self->timeline, branch, verdict);
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
  mt_window_update_fork_verdicts (self);
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
  mt_window_update_compare (self);
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

      /* The search or a filter hides it: show everything rather than
       * nothing. */
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      mt_window_reset_filters (self);
    }

  /* Filtering runs a slice at a time, so a trace just added (a live run's)
   * may not be listed yet: show it now, select its row once it is there. */
  g_set_object (&self->pending_selection, trace);
  mt_window_show_trace (self, trace);
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

  if ((trace = mt_lab_lookup_trace (self->lab, ids[0])) == NULL)
    return;

  /* A branch opens beside its siblings: its parent in the compare view. */
  if (MT_IS_BRANCH (trace))
    {
      MtBranch *branch = MT_BRANCH (trace);
      MtTrace *parent = mt_branch_get_parent (branch);

      if (parent == NULL && mt_branch_get_parent_id (branch) != NULL)
        parent = mt_lab_lookup_trace (self->lab, mt_branch_get_parent_id (branch));
      if (parent != NULL)
        {
          mt_window_select_trace (self, parent);
          g_action_group_change_action_state (G_ACTION_GROUP (self), "show-charts",
                                              g_variant_new_boolean (FALSE));
          g_action_group_change_action_state (G_ACTION_GROUP (self), "compare",
                                              g_variant_new_boolean (TRUE));
          return;
        }
    }

  mt_window_select_trace (self, trace);
  g_action_group_change_action_state (G_ACTION_GROUP (self), "show-charts",
                                      g_variant_new_boolean (FALSE));
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

static GtkWidget *mt_window_live_new_run_box (MtWindow *self,
                                              guint     token_index);

/* The marker's activation lists what was already recorded near it and,
 * with a server set up, runs a new interrupt there. */
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

  if (mt_live_session_has_server (self->live))
    gtk_box_append (GTK_BOX (box), mt_window_live_new_run_box (self, token_index));

  popover = gtk_popover_new ();
  gtk_widget_add_css_class (popover, "nearby-branches");
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  mt_timeline_popup_at_marker (timeline, GTK_POPOVER (popover));
}

/* Traces without a model share one entry in the model menu. */
static const char *
trace_get_model_key (MtTrace *trace)
{
  const char *model = mt_trace_get_model (trace);

  return model != NULL ? model : "";
}

static gboolean
mt_window_needs_judgements (MtWindow *self)
{
  return self->verdict_filter != MT_WINDOW_VERDICT_ANY
         || self->failure_filter != MT_WINDOW_FAILURE_ANY;
}

static gboolean
mt_window_is_filtered (MtWindow *self)
{
  return self->model_filter != NULL || mt_window_needs_judgements (self);
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

      if (self->search_folded != NULL || mt_window_is_filtered (self))
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
      if (mt_window_needs_judgements (self) && _mt_window_get_judging (self))
        adw_status_page_set_description (self->sidebar_status,
                                         _("Traces are still being graded; more may match soon"));
      else
        adw_status_page_set_description (self->sidebar_status,
                                         _("Try a different search or filter"));
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

  if (self->pending_selection != NULL)
    {
      for (guint i = position; i < position + added; i++)
        {
          g_autoptr(MtTrace) item = g_list_model_get_item (model, i);

          if (item == self->pending_selection)
            {
              g_clear_object (&self->pending_selection);
              gtk_single_selection_set_selected (self->selection, i);
              break;
            }
        }
    }

  mt_window_update_sidebar (self);
}

static const char *
trace_get_search_text (MtTrace *trace)
{
  char *text;

  /* The worker folds each trace's texts once; a trace it has not reached
   * yet is folded here, once. */
  if ((text = g_object_get_qdata (G_OBJECT (trace), search_text_quark)))
    return text;

  text = mt_trace_dup_search_text (trace);
  g_object_set_qdata_full (G_OBJECT (trace), search_text_quark, text, g_free);

  return text;
}

static gboolean
mt_window_filter_func (gpointer item,
                       gpointer user_data)
{
  MtWindow *self = user_data;

  g_assert (MT_IS_WINDOW (self));
  g_assert (MT_IS_TRACE (item));

  if (self->model_filter != NULL
      && g_strcmp0 (trace_get_model_key (item), self->model_filter) != 0)
    return FALSE;

  /* The verdicts come from the worker: a trace not graded yet matches no
   * verdict filter until its result arrives and the filter runs again. */
  if (mt_window_needs_judgements (self))
    {
      const MtTraceJudgement *judgement = g_hash_table_lookup (self->judgements, item);

      if (judgement == NULL)
        return FALSE;

      switch (self->verdict_filter)
        {
        case MT_WINDOW_VERDICT_CORRECT:
          if (judgement->verdict != MT_VERDICT_CORRECT)
            return FALSE;
          break;
        case MT_WINDOW_VERDICT_INCORRECT:
          if (judgement->verdict != MT_VERDICT_WRONG
              && judgement->verdict != MT_VERDICT_UNGRADABLE)
            return FALSE;
          break;
        case MT_WINDOW_VERDICT_UNGRADED:
          if (judgement->verdict != MT_VERDICT_UNGRADED)
            return FALSE;
          break;
        case MT_WINDOW_VERDICT_ANY:
        default:
          break;
        }

      if ((self->failure_filter == MT_WINDOW_FAILURE_LEAKAGE
           && !(judgement->failures & MT_TRACE_FAILURE_LEAKAGE))
          || (self->failure_filter == MT_WINDOW_FAILURE_PANIC
              && !(judgement->failures & MT_TRACE_FAILURE_PANIC))
          || (self->failure_filter == MT_WINDOW_FAILURE_DOUBT
              && !(judgement->failures & MT_TRACE_FAILURE_DOUBT)))
        return FALSE;
    }

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
  MtTrace *trace = gtk_single_selection_get_selected_item (selection);
  MtTrace *shown = mt_timeline_get_trace (self->timeline);
  MtTrace *current;

  g_assert (MT_IS_WINDOW (self));

  /* The row of the trace already shown: nothing to redraw. */
  if (trace != NULL && trace == shown)
    return;
  /* Nor away from a trace a run done again is replacing: its row left the
   * list, and the window follows the new one once the lab says so. */
  if (shown != NULL && self->lab != NULL
      && (current = mt_lab_lookup_trace (self->lab, mt_trace_get_id (shown))) != NULL
      && current != shown && trace != current)
    return;
  /* The list picking its first row as it fills must not take the user
   * away from the charts; leaving them shows the selected trace. */
  if (mt_timeline_get_trace (self->timeline) == NULL
      && g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "charts") == 0)
    return;
  /* Nor away from a trace shown before its row was listed (a live run
   * started while the filter works through the lab): its row is selected
   * when the filter reaches it. */
  if (self->pending_selection != NULL && trace != self->pending_selection
      && mt_timeline_get_trace (self->timeline) == self->pending_selection)
    return;
  if (trace != NULL)
    g_clear_object (&self->pending_selection);

  mt_window_show_trace (self, trace);
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
play_toggled_cb (MtWindow        *self,
                 GParamSpec      *pspec,
                 GtkToggleButton *button)
{
  gboolean active = gtk_toggle_button_get_active (button);

  g_assert (MT_IS_WINDOW (self));

  gtk_button_set_icon_name (GTK_BUTTON (button), active ? "media-playback-pause-symbolic"
                                                        : "media-playback-start-symbolic");
}

/* Large type for a class: the transcript's headings scale with it. */
static void
presentation_toggled_cb (MtWindow        *self,
                         GParamSpec      *pspec,
                         GtkToggleButton *button)
{
  g_assert (MT_IS_WINDOW (self));

  if (gtk_toggle_button_get_active (button))
    gtk_widget_add_css_class (GTK_WIDGET (self->text_view), "presentation");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->text_view), "presentation");
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
mt_window_update_title (MtWindow *self)
{
  g_autofree char *title = NULL;

  g_assert (MT_IS_WINDOW (self));

  if (self->title == NULL)
    return;

  if (self->saving_lab != NULL)
    /* Translators: the title of a lab while it is written to its file */
    title = g_strdup_printf (_("%s (saving…)"), self->title);
  else if (self->modified)
    /* Translators: the title of a lab with unsaved changes, "• lab.mtlab" */
    title = g_strdup_printf (_("• %s"), self->title);
  else
    title = g_strdup (self->title);
  adw_window_title_set_title (self->sidebar_title, title);
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sidebar_title),
                               self->saving_lab != NULL ? _("Saving the lab to its file")
                               : self->modified ? _("Changed since it was last saved") : NULL);
}

static void
mt_window_set_modified (MtWindow *self,
                        gboolean  modified)
{
  g_assert (MT_IS_WINDOW (self));

  /* A change made while a save is in flight is not in the file. */
  if (modified)
    self->changes++;

  if (self->modified == !!modified)
    return;

  self->modified = !!modified;
  mt_window_update_title (self);
}

/* Gives every row on screen the verdict known for its trace. */
static void
mt_window_refresh_rows (MtWindow *self)
{
  GHashTableIter iter;
  gpointer key;

  g_assert (MT_IS_WINDOW (self));

  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      MtTraceRow *row = key;
      MtTrace *trace = mt_trace_row_get_trace (row);

      mt_trace_row_set_judgement (row, trace != NULL
                                         ? g_hash_table_lookup (self->judgements, trace)
                                         : NULL);
    }
}

static void mt_window_judge_next (MtWindow *self);

static void
mt_window_judge_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(MtWindow) self = user_data;
  g_autoptr(GArray) judgements = NULL;
  g_autoptr(GPtrArray) search_texts = NULL;
  g_autoptr(GError) error = NULL;
  guint first;

  g_assert (MT_IS_WINDOW (self));

  judgements = mt_traces_judge_finish (result, &search_texts, &error);

  /* Another lab took over, or the window went away. */
  if (self->judge_cancellable == NULL
      || self->judge_cancellable != g_task_get_cancellable (G_TASK (result)))
    return;

  g_clear_object (&self->judge_cancellable);

  if (judgements == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        mt_window_toast (self, error->message);
      return;
    }

  g_assert (self->judge_next >= judgements->len);
  first = self->judge_next - judgements->len;
  for (guint i = 0; i < judgements->len; i++)
    {
      MtTrace *trace = g_ptr_array_index (self->to_judge, first + i);

      g_hash_table_insert (self->judgements, g_object_ref (trace),
                           g_memdup2 (&g_array_index (judgements, MtTraceJudgement, i),
                                      sizeof (MtTraceJudgement)));
      if (g_object_get_qdata (G_OBJECT (trace), search_text_quark) == NULL)
        g_object_set_qdata_full (G_OBJECT (trace), search_text_quark,
                                 g_steal_pointer (&g_ptr_array_index (search_texts, i)),
                                 g_free);
    }

  mt_window_refresh_rows (self);
  mt_window_update_fork_verdicts (self);

  /* Only an order or a filter that depends on verdicts has to look again. */
  if (self->sort == MT_WINDOW_SORT_REASONING || self->sort == MT_WINDOW_SORT_VERDICT)
    gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
  if (mt_window_needs_judgements (self))
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_LESS_STRICT);

  mt_window_judge_next (self);
  mt_window_update_sidebar (self);
}

/* Sends the next chunk of traces to the worker, one chunk at a time so
 * that results arrive while the rest is graded. */
static void
mt_window_judge_next (MtWindow *self)
{
  MtDiagnosisThresholds thresholds;
  guint first;
  guint n;

  g_assert (MT_IS_WINDOW (self));

  if (self->judge_cancellable != NULL || self->judge_next >= self->to_judge->len)
    return;

  mt_settings_read_thresholds (self->settings, &thresholds);

  if (self->lexicon == NULL)
    self->lexicon = mt_marker_lexicon_new_default (NULL);

  first = self->judge_next;
  n = MIN (JUDGE_CHUNK, self->to_judge->len - first);
  self->judge_next += n;
  self->judge_cancellable = g_cancellable_new ();
  mt_traces_judge_async ((MtTrace * const *)self->to_judge->pdata + first, n,
                         self->lexicon, &thresholds, self->judge_cancellable,
                         mt_window_judge_cb, g_object_ref (self));
}

static void
mt_window_restart_judging (MtWindow *self)
{
  GListModel *traces;
  guint n_items;

  g_assert (MT_IS_WINDOW (self));

  if (self->judge_cancellable != NULL)
    g_cancellable_cancel (self->judge_cancellable);
  g_clear_object (&self->judge_cancellable);
  g_hash_table_remove_all (self->judgements);
  g_ptr_array_set_size (self->to_judge, 0);
  self->judge_next = 0;

  if (self->lab == NULL)
    return;

  traces = mt_lab_get_traces (self->lab);
  n_items = g_list_model_get_n_items (traces);
  for (guint i = 0; i < n_items; i++)
    g_ptr_array_add (self->to_judge, g_list_model_get_item (traces, i));

  mt_window_judge_next (self);
}

/* Another threshold in Preferences: every branch is diagnosed again. */
static void
mt_window_settings_changed_cb (MtWindow   *self,
                               const char *key,
                               GSettings  *settings)
{
  g_assert (MT_IS_WINDOW (self));

  if (mt_settings_is_threshold_key (key))
    mt_window_restart_judging (self);
}

static int
compare_models (gconstpointer a,
                gconstpointer b)
{
  return g_strcmp0 (*(const char * const *)a, *(const char * const *)b);
}

/* Fills the model menu with the lab's models. */
static void
mt_window_update_models (MtWindow *self)
{
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GMenuItem) all = NULL;
  GListModel *traces;
  guint n_items;

  g_assert (MT_IS_WINDOW (self));

  g_ptr_array_set_size (self->models, 0);
  if (self->lab != NULL)
    {
      seen = g_hash_table_new (g_str_hash, g_str_equal);
      traces = mt_lab_get_traces (self->lab);
      n_items = g_list_model_get_n_items (traces);
      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
          const char *key = trace_get_model_key (trace);

          if (*key != '\0' && g_hash_table_add (seen, (char *)key))
            g_ptr_array_add (self->models, g_strdup (key));
        }
      g_ptr_array_sort (self->models, compare_models);
    }

  g_menu_remove_all (self->model_menu);
  all = g_menu_item_new (_("_All Models"), NULL);
  g_menu_item_set_action_and_target (all, "win.model-filter", "s", "");
  g_menu_append_item (self->model_menu, all);
  for (guint i = 0; i < self->models->len; i++)
    {
      const char *model = g_ptr_array_index (self->models, i);
      g_autoptr(GMenuItem) item = g_menu_item_new (NULL, NULL);

      /* Model names are not mnemonics: set the label as an attribute. */
      g_menu_item_set_attribute (item, G_MENU_ATTRIBUTE_LABEL, "s", model);
      g_menu_item_set_attribute (item, "use-markup", "b", FALSE);
      g_menu_item_set_action_and_target (item, "win.model-filter", "s", model);
      g_menu_append_item (self->model_menu, item);
    }

  /* A model no longer in the lab would hide everything. */
  if (self->model_filter != NULL
      && !g_ptr_array_find_with_equal_func (self->models, self->model_filter, g_str_equal, NULL))
    mt_window_set_model_filter (self, NULL);
}

static void
mt_window_lab_changed_cb (MtWindow   *self,
                          guint       position,
                          guint       removed,
                          guint       added,
                          GListModel *model)
{
  gboolean new_model = FALSE;

  g_assert (MT_IS_WINDOW (self));

  mt_window_set_modified (self, TRUE);

  if (self->lab == NULL || model != mt_lab_get_traces (self->lab))
    return;

  /* Traces are only ever appended to a lab; anything else starts over. */
  if (removed > 0 || position != self->to_judge->len)
    {
      mt_window_restart_judging (self);
      mt_window_update_models (self);
      return;
    }

  for (guint i = position; i < position + added; i++)
    {
      MtTrace *trace = g_list_model_get_item (model, i);

      g_ptr_array_add (self->to_judge, trace);
      if (!g_ptr_array_find_with_equal_func (self->models, trace_get_model_key (trace),
                                             g_str_equal, NULL))
        new_model = TRUE;
    }

  if (new_model)
    mt_window_update_models (self);

  /* The lab links a new trace to its problem and parent only after it
   * says the trace is there: judge it once that is done. */
  if (self->judge_idle_id == 0)
    self->judge_idle_id = g_idle_add (mt_window_judge_idle_cb, self);
}

static gboolean
mt_window_judge_idle_cb (gpointer user_data)
{
  MtWindow *self = user_data;

  self->judge_idle_id = 0;
  mt_window_judge_next (self);

  return G_SOURCE_REMOVE;
}

static int
verdict_rank (const MtTraceJudgement *judgement)
{
  if (judgement == NULL)
    return 4;

  switch (judgement->verdict)
    {
    case MT_VERDICT_CORRECT:
      return 0;
    case MT_VERDICT_WRONG:
      return 1;
    case MT_VERDICT_UNGRADABLE:
      return 2;
    case MT_VERDICT_UNGRADED:
    default:
      return 3;
    }
}

/* The sort is stable, so ties stay in file order. */
static int
mt_window_sort_func (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  MtWindow *self = user_data;
  const MtTraceJudgement *ja, *jb;

  switch (self->sort)
    {
    case MT_WINDOW_SORT_MODEL:
      return g_strcmp0 (trace_get_model_key ((MtTrace *)a), trace_get_model_key ((MtTrace *)b));

    case MT_WINDOW_SORT_REASONING:
      /* Longest first; traces still being graded at the end. */
      ja = g_hash_table_lookup (self->judgements, a);
      jb = g_hash_table_lookup (self->judgements, b);
      if (ja == NULL || jb == NULL)
        return (ja == NULL) - (jb == NULL);
      return (ja->reasoning_tokens < jb->reasoning_tokens)
             - (ja->reasoning_tokens > jb->reasoning_tokens);

    case MT_WINDOW_SORT_VERDICT:
      return verdict_rank (g_hash_table_lookup (self->judgements, a))
             - verdict_rank (g_hash_table_lookup (self->judgements, b));

    case MT_WINDOW_SORT_FILE:
    default:
      return 0;
    }
}

static void
mt_window_update_filter_button (MtWindow *self)
{
  g_assert (MT_IS_WINDOW (self));

  /* The button says when the list shows less, or otherwise, than all. */
  if (mt_window_is_filtered (self) || self->sort != MT_WINDOW_SORT_FILE)
    gtk_widget_add_css_class (GTK_WIDGET (self->filter_button), "accent");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->filter_button), "accent");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reset-filters",
                                 mt_window_is_filtered (self));
}

static const char * const sort_names[] = { "file", "model", "reasoning", "verdict" };
static const char * const verdict_names[] = { "any", "correct", "incorrect", "ungraded" };
static const char * const failure_names[] = { "any", "leakage", "panic", "doubt" };

static int
name_to_index (const char * const *names,
               guint               n_names,
               const char         *name)
{
  for (guint i = 0; i < n_names; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;

  return -1;
}

static void
mt_window_filters_changed (MtWindow *self)
{
  g_assert (MT_IS_WINDOW (self));

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  mt_window_update_filter_button (self);
  mt_window_update_sidebar (self);
}

static void
mt_window_set_sort (MtWindow     *self,
                    MtWindowSort  sort)
{
  g_assert (MT_IS_WINDOW (self));

  if (sort == self->sort)
    return;

  self->sort = sort;
  /* File order needs no sorting at all: the model passes items through. */
  if (sort == MT_WINDOW_SORT_FILE)
    gtk_sort_list_model_set_sorter (self->sort_model, NULL);
  else if (gtk_sort_list_model_get_sorter (self->sort_model) == NULL)
    gtk_sort_list_model_set_sorter (self->sort_model, GTK_SORTER (self->sorter));
  else
    gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);

  mt_window_update_filter_button (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT]);
}

static void
mt_window_set_model_filter (MtWindow   *self,
                            const char *model)
{
  g_assert (MT_IS_WINDOW (self));

  if (model != NULL && *model == '\0')
    model = NULL;

  if (!set_str (&self->model_filter, model))
    return;

  mt_window_filters_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL_FILTER]);
}

static void
mt_window_set_verdict_filter (MtWindow              *self,
                              MtWindowVerdictFilter  filter)
{
  g_assert (MT_IS_WINDOW (self));

  if (filter == self->verdict_filter)
    return;

  self->verdict_filter = filter;
  mt_window_filters_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERDICT_FILTER]);
}

static void
mt_window_set_failure_filter (MtWindow              *self,
                              MtWindowFailureFilter  filter)
{
  g_assert (MT_IS_WINDOW (self));

  if (filter == self->failure_filter)
    return;

  self->failure_filter = filter;
  mt_window_filters_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILURE_FILTER]);
}

static void
mt_window_reset_filters (MtWindow *self)
{
  g_assert (MT_IS_WINDOW (self));

  mt_window_set_model_filter (self, NULL);
  mt_window_set_verdict_filter (self, MT_WINDOW_VERDICT_ANY);
  mt_window_set_failure_filter (self, MT_WINDOW_FAILURE_ANY);
}

static void
reset_filters_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  mt_window_reset_filters (MT_WINDOW (widget));
}

static void
trace_item_setup_cb (MtWindow                 *self,
                     GtkListItem              *item,
                     GtkSignalListItemFactory *factory)
{
  gtk_list_item_set_child (item, mt_trace_row_new ());
}

static void
trace_item_bind_cb (MtWindow                 *self,
                    GtkListItem              *item,
                    GtkSignalListItemFactory *factory)
{
  MtTraceRow *row = MT_TRACE_ROW (gtk_list_item_get_child (item));
  MtTrace *trace = gtk_list_item_get_item (item);

  mt_trace_row_set_trace (row, trace);
  mt_trace_row_set_judgement (row, g_hash_table_lookup (self->judgements, trace));
  g_hash_table_add (self->bound_rows, row);
}

static void
trace_item_unbind_cb (MtWindow                 *self,
                      GtkListItem              *item,
                      GtkSignalListItemFactory *factory)
{
  /* The list view may unbind its rows after the window let go of them. */
  if (self->bound_rows != NULL)
    g_hash_table_remove (self->bound_rows, gtk_list_item_get_child (item));
}

static void
mt_window_remember_uri (MtWindow   *self,
                        const char *uri)
{
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) uris = NULL;
  guint n = 1;

  gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);

  g_strv_builder_add (builder, uri);
  old = g_settings_get_strv (self->settings, "recent-labs");
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT_LABS; i++)
    {
      if (g_strcmp0 (old[i], uri) != 0)
        {
          g_strv_builder_add (builder, old[i]);
          n++;
        }
    }

  uris = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-labs", (const char * const *)uris);
}

typedef struct
{
  MtWindow *self;
  char     *path;
  guint     changes;
} SaveRequest;

static void
save_request_free (SaveRequest *request)
{
  g_clear_object (&request->self);
  g_clear_pointer (&request->path, g_free);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveRequest, save_request_free)

static void mt_window_close_confirmed (MtWindow *self);

static void
mt_window_set_saving (MtWindow *self,
                      MtLab    *lab)
{
  gboolean saving = lab != NULL;

  g_set_object (&self->saving_lab, lab);
  /* A lab still loading (opened meanwhile) turns them on when it is in. */
  if (saving || (self->lab != NULL && !mt_window_get_loading (self)))
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", !saving);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as", !saving);
    }
  mt_window_update_title (self);
}

static void
mt_window_save_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SaveRequest) request = user_data;
  MtWindow *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *name = NULL;
  g_autofree char *uri = NULL;
  gboolean close = self->close_when_saved;
  gboolean same_lab;

  self->close_when_saved = FALSE;
  /* The window went away meanwhile: the file is written all the same. */
  if (self->live == NULL)
    {
      g_clear_object (&self->saving_lab);
      mt_lab_file_save_finish (MT_LAB (object), result, NULL);
      return;
    }

  /* Another lab may have been opened meanwhile: the file is written, but
   * the window no longer shows what it holds. */
  same_lab = self->saving_lab != NULL && self->saving_lab == self->lab;
  self->saved_ok = mt_lab_file_save_finish (MT_LAB (object), result, &error);
  mt_window_set_saving (self, NULL);

  name = g_path_get_basename (request->path);
  if (!self->saved_ok)
    {
      g_autofree char *message = NULL;

      /* Translators: the first %s is a file name, the second why saving failed */
      message = g_strdup_printf (_("Could not save “%s”: %s. Nothing was lost: the lab is "
                                   "still open and the file was not changed."),
                                 name, error->message);
      mt_window_toast (self, message);
      /* A close that waited for this save goes on only if told to discard. */
      if (close && self->close_confirmed)
        mt_window_close_confirmed (self);
      return;
    }

  if (same_lab)
    {
      set_str (&self->lab_path, request->path);
      set_str (&self->title, name);
      /* What changed since the save began is still to be saved. */
      self->modified = self->changes != request->changes;
      mt_window_update_title (self);

      /* Live runs and a sweep go on in the file saved to. */
      if (!mt_live_session_move_lab_file (self->live, request->path, &error))
        {
          g_autofree char *message = NULL;

          message = g_strdup_printf (_("Live runs will not be saved to the lab file: %s"),
                                     error->message);
          mt_window_toast (self, message);
        }
    }

  file = g_file_new_for_path (request->path);
  uri = g_file_get_uri (file);
  mt_window_remember_uri (self, uri);

  if (!close)
    return;
  if (self->close_confirmed || (same_lab && !self->modified))
    mt_window_close_confirmed (self);
  else
    /* Changed while saving: the question comes again. */
    gtk_window_close (GTK_WINDOW (self));
}

/* Starts writing the lab to @path through the core's atomic writer, in a
 * worker thread; the window stays usable, with Save and Save As off until
 * it ends. On failure nothing is lost: the lab stays open and @path keeps
 * what it held. With @close, the window closes once the save succeeded. */
static void
mt_window_save_to (MtWindow   *self,
                   const char *path,
                   gboolean    close)
{
  g_autoptr(MtLab) lab = NULL;
  SaveRequest *request;

  g_assert (MT_IS_WINDOW (self));
  g_assert (path != NULL);

  if (self->lab == NULL)
    return;

  if (self->saving_lab != NULL)
    {
      mt_window_toast (self, _("The lab is being saved. Try again when saving has ended."));
      return;
    }

  request = g_new0 (SaveRequest, 1);
  request->self = g_object_ref (self);
  request->path = g_strdup (path);
  request->changes = self->changes;

  self->close_when_saved = close;
  mt_window_set_saving (self, self->lab);

  /* Without the traces still streaming: their runs write them. */
  lab = mt_live_session_dup_lab_to_save (self->live, self->lab);
  mt_lab_file_save_async (lab, path, NULL, mt_window_save_cb, request);
}

static gboolean
mt_window_close_idle_cb (gpointer user_data)
{
  MtWindow *self = user_data;

  gtk_window_close (GTK_WINDOW (self));

  return G_SOURCE_REMOVE;
}

/* Closes once the question has gone: the dialog is still busy with its
 * response when the handler runs. */
static void
mt_window_close_confirmed (MtWindow *self)
{
  g_assert (MT_IS_WINDOW (self));

  self->close_confirmed = TRUE;
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, mt_window_close_idle_cb,
                   g_object_ref (self), g_object_unref);
}

static void
mt_window_save_as_response_cb (MtWindow             *self,
                               int                   response,
                               GtkFileChooserNative *native)
{
  gboolean close = self->close_after_save;

  g_assert (MT_IS_WINDOW (self));

  self->close_after_save = FALSE;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path == NULL)
        mt_window_toast (self, _("Labs can only be saved to files on this computer. "
                                 "Nothing was saved and nothing was lost."));
      else
        mt_window_save_to (self, path, close);
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (native));
  g_object_unref (native);
}

static void
mt_window_choose_save_path (MtWindow *self)
{
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) labs = NULL;
  g_autofree char *name = NULL;
  const char *dot;

  g_assert (MT_IS_WINDOW (self));

  native = gtk_file_chooser_native_new (_("Save Lab As"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);

  labs = gtk_file_filter_new ();
  gtk_file_filter_set_name (labs, _("Midthought Labs"));
  gtk_file_filter_add_mime_type (labs, "application/x-midthought-lab");
  gtk_file_filter_add_suffix (labs, "mtlab");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), labs);

  /* An imported file keeps its name, as a lab. */
  if (self->lab_path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (self->lab_path);

      gtk_file_chooser_set_file (GTK_FILE_CHOOSER (native), file, NULL);
    }
  else
    {
      if (self->title != NULL && (dot = strrchr (self->title, '.')) && dot != self->title)
        name = g_strdup_printf ("%.*s.mtlab", (int)(dot - self->title), self->title);
      else
        name = g_strdup_printf ("%s.mtlab", self->title != NULL ? self->title : _("Untitled"));
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
    }

  g_signal_connect_object (native, "response",
                           G_CALLBACK (mt_window_save_as_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);

  if (self->lab == NULL)
    return;

  if (self->lab_path != NULL)
    mt_window_save_to (self, self->lab_path, FALSE);
  else
    mt_window_choose_save_path (self);
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);

  if (self->lab != NULL)
    mt_window_choose_save_path (self);
}

static void
mt_window_close_response_cb (MtWindow         *self,
                             const char       *response,
                             AdwMessageDialog *dialog)
{
  g_assert (MT_IS_WINDOW (self));

  if (g_str_equal (response, "discard"))
    mt_window_close_confirmed (self);
  else if (g_str_equal (response, "save"))
    {
      if (self->lab_path == NULL)
        {
          self->close_after_save = TRUE;
          mt_window_choose_save_path (self);
        }
      else
        mt_window_save_to (self, self->lab_path, TRUE);
    }
}

static void
mt_window_ask_before_closing (MtWindow *self)
{
  GtkWidget *dialog;

  g_assert (MT_IS_WINDOW (self));

  if (self->close_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->close_dialog));
      return;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Save Changes?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s” has changes that are not saved in a lab file. "
                                    "They are lost if the window closes without saving."),
                                  self->title != NULL ? self->title : "");
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (mt_window_close_response_cb), self,
                           G_CONNECT_SWAPPED);

  self->close_dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *)&self->close_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
mt_window_show_lab (MtWindow   *self,
                    MtLab      *lab,
                    const char *title,
                    const char *lab_path)
{
  g_assert (MT_IS_WINDOW (self));
  g_assert (MT_IS_LAB (lab));

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  mt_window_reset_filters (self);

  if (self->lab != lab)
    {
      if (self->lab != NULL)
        {
          g_signal_handlers_disconnect_by_func (mt_lab_get_traces (self->lab),
                                                mt_window_lab_changed_cb, self);
          g_signal_handlers_disconnect_by_func (mt_lab_get_problems (self->lab),
                                                mt_window_lab_changed_cb, self);
          g_signal_handlers_disconnect_by_func (self->lab, mt_window_trace_replaced_cb, self);
        }

      g_set_object (&self->lab, lab);
      mt_window_restart_judging (self);
      mt_window_update_models (self);
      gtk_sort_list_model_set_model (self->sort_model, mt_lab_get_traces (lab));
      g_signal_connect_object (mt_lab_get_traces (lab), "items-changed",
                               G_CALLBACK (mt_window_lab_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (mt_lab_get_problems (lab), "items-changed",
                               G_CALLBACK (mt_window_lab_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (lab, "trace-replaced",
                               G_CALLBACK (mt_window_trace_replaced_cb), self, G_CONNECT_SWAPPED);
      mt_charts_page_set_lab (self->charts_page, lab);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAB]);
    }

  set_str (&self->title, title);
  g_clear_pointer (&self->lab_path, g_free);
  self->lab_path = g_strdup (lab_path);
  self->modified = FALSE;
  mt_window_update_title (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as", TRUE);
  mt_window_update_sidebar (self);
  mt_window_show_trace (self, gtk_single_selection_get_selected_item (self->selection));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find", TRUE);
  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_stack_set_visible_child_name (self->main_stack, "lab");
  gtk_widget_grab_focus (GTK_WIDGET (self->trace_list));
}

/* Live runs append to the lab file they belong to, when the window opened
 * exactly one. */
static void
mt_window_live_lab_loaded (MtWindow  *self,
                           MtLabLoad *load)
{
  const MtLoadReport *report = load->reports->len == 1 ? g_ptr_array_index (load->reports, 0)
                                                       : NULL;
  g_autoptr(GError) error = NULL;
  const char *path = report != NULL && g_strcmp0 (report->format, "lab") == 0 ? report->path
                                                                             : NULL;

  if (!mt_live_session_set_lab_file (self->live, path, &error))
    {
      g_autofree char *message = NULL;

      /* Translators: %s says why the lab file cannot be written */
      message = g_strdup_printf (_("Live runs will not be saved to the lab file: %s"),
                                 error->message);
      mt_window_toast (self, message);
    }
  else if (mt_live_session_has_saved_sweep (self->live))
    {
      const char *message = _("A sweep in this lab did not finish");
      AdwToast *toast;

      /* Offered, not done: the server may have changed since. */
      set_str (&self->last_toast, message);
      toast = adw_toast_new (message);
      adw_toast_set_button_label (toast, _("_Resume"));
      adw_toast_set_action_name (toast, "win.sweep-resume-saved");
      adw_toast_set_timeout (toast, 0);
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
    }
}

/* The first batch of a big file: list it while the rest loads. Saving
 * waits for the whole. */
static void
mt_window_load_progress_cb (MtLab    *lab,
                            gpointer  user_data)
{
  MtWindow *self = user_data;

  g_assert (MT_IS_WINDOW (self));

  if (self->lab == lab)
    return;

  self->load_shown = TRUE;
  mt_window_show_lab (self, lab, self->load_title, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as", FALSE);
}

/* The lab listed while loading is whole (or the load stopped). */
static void
mt_window_loaded_lab_complete (MtWindow   *self,
                               const char *lab_path)
{
  g_clear_pointer (&self->lab_path, g_free);
  self->lab_path = g_strdup (lab_path);
  self->load_shown = FALSE;
  mt_window_set_modified (self, FALSE);
  mt_window_update_title (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as", TRUE);
  gtk_stack_set_visible_child_name (self->main_stack, "lab");
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
      /* What was listed before the load stopped stays, to be saved anew. */
      if (self->load_shown)
        mt_window_loaded_lab_complete (self, NULL);
      else
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

      /* Only a lab read whole from one lab file can be saved back to it. */
      const char *lab_path = load->reports->len == 1 && load->failures->len == 0
                             && g_strcmp0 (first->format, "lab") == 0 ? first->path : NULL;

      mt_window_remember (self, load->reports);
      if (self->load_shown && self->lab == load->lab)
        mt_window_loaded_lab_complete (self, lab_path);
      else
        mt_window_show_lab (self, load->lab, title, lab_path);
      mt_window_live_lab_loaded (self, load);

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

/* ------------------------------------------------------------------------ */
/* Live runs                                                                */
/* ------------------------------------------------------------------------ */

/* The transcript follows the streaming head while its end is within this
 * many pixels of the bottom; scrolling further up stops that. */
#define LIVE_FOLLOW_SLACK 48

static void
mt_window_live_update_controls (MtWindow *self)
{
  MtTrace *shown = mt_timeline_get_trace (self->timeline);
  gboolean has_server = mt_live_session_has_server (self->live);
  gboolean running = shown != NULL && mt_live_session_is_running (self->live, shown);
  guint n_running = mt_live_session_get_n_running (self->live);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.interrupt-run",
                                 has_server && shown != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.interrupt-at",
                                 has_server && shown != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.interrupt-menu",
                                 has_server && shown != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop-run", running);
  gtk_widget_set_visible (GTK_WIDGET (self->live_stop_button), running);
  gtk_widget_set_visible (GTK_WIDGET (self->live_interrupt_button), has_server && shown != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->live_rate_label), n_running > 0);
}

/* A stream shown anew is followed from its head. */
static void
mt_window_live_trace_shown_cb (MtWindow   *self,
                               GParamSpec *pspec,
                               MtTimeline *timeline)
{
  MtTrace *shown = mt_timeline_get_trace (timeline);

  self->live_follow = shown != NULL && mt_live_session_is_running (self->live, shown);
  g_signal_group_set_target (self->live_trace_signals, shown);
  mt_window_live_update_controls (self);
}

static void
mt_window_live_rate_changed_cb (MtWindow      *self,
                                GParamSpec    *pspec,
                                MtLiveSession *live)
{
  g_autofree char *text = NULL;
  guint n_running = mt_live_session_get_n_running (live);

  /* Translators: the live read-out in the header: streams and speed */
  text = g_strdup_printf (ngettext ("%u stream · %.1f tokens/s", "%u streams · %.1f tokens/s",
                                    n_running),
                          n_running, mt_live_session_get_tokens_per_second (live));
  gtk_label_set_label (self->live_rate_label, text);
  mt_window_live_update_controls (self);
}

static gboolean
mt_window_live_scroll_cb (gpointer user_data)
{
  MtWindow *self = user_data;

  self->live_scroll_id = 0;
  if (self->live_follow)
    gtk_text_view_scroll_to_mark (self->text_view, self->live_end_mark, 0.0, TRUE, 0.0, 1.0);
  else
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->transcript_scroller),
                              self->live_scroll_value);
  return G_SOURCE_REMOVE;
}

/* Scrolling up leaves the head; scrolling back down to the end follows it
 * again. */
static gboolean
mt_window_live_scroll_event_cb (MtWindow                 *self,
                                double                    dx,
                                double                    dy,
                                GtkEventControllerScroll *controller)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->transcript_scroller);

  if (dy < 0)
    self->live_follow = FALSE;
  else if (dy > 0
           && gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment)
              >= gtk_adjustment_get_upper (adjustment) - LIVE_FOLLOW_SLACK)
    self->live_follow = TRUE;

  return GDK_EVENT_PROPAGATE;
}

static gboolean
mt_window_live_tick_cb (GtkWidget     *widget,
                        GdkFrameClock *frame_clock,
                        gpointer       user_data)
{
  MtWindow *self = MT_WINDOW (widget);
  MtTrace *trace = mt_timeline_get_trace (self->timeline);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->transcript_scroller);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  double value = gtk_adjustment_get_value (adjustment);
  gboolean follow;
  GtkTextIter end;

  self->live_tick_id = 0;
  if (trace == NULL)
    return G_SOURCE_REMOVE;

  follow = self->live_follow;

  /* The same trace, longer: lay it out again and refill the transcript. */
  mt_timeline_reload (self->timeline);
  mt_window_show_trace (self, trace);

  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_move_mark (buffer, self->live_end_mark, &end);
  /* Back to the head, or to where the reader was. Scrolling in the middle
   * of a frame leaves the scrollbar without an allocation when it paints:
   * scroll once the frame is done. */
  if (!follow && self->live_scroll_id == 0)
    self->live_scroll_value = value;
  if (self->live_scroll_id == 0)
    self->live_scroll_id = g_idle_add_full (G_PRIORITY_LOW, mt_window_live_scroll_cb, self, NULL);

  mt_window_live_update_controls (self);
  return G_SOURCE_REMOVE;
}

/* Repaints on the next frame when @trace is what the window shows, or
 * forks from it; many changes in one frame cost one repaint. */
static void
mt_window_live_queue_refresh (MtWindow *self,
                              MtTrace  *trace)
{
  MtTrace *shown = mt_timeline_get_trace (self->timeline);

  if (shown == NULL || trace == NULL)
    return;

  if (trace != shown
      && !(MT_IS_BRANCH (trace) && (mt_branch_get_parent (MT_BRANCH (trace)) == shown
                                    || g_strcmp0 (mt_branch_get_parent_id (MT_BRANCH (trace)),
                                                  mt_trace_get_id (shown)) == 0)))
    return;

  if (self->live_tick_id == 0)
    self->live_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), mt_window_live_tick_cb,
                                                       NULL, NULL);
}

/* A run done again (a sweep's item cancelled by a pause, then resumed)
 * took the place of its old record: what showed the old one shows the new
 * one, and forks from it or onto it are drawn again. */
static void
mt_window_trace_replaced_cb (MtWindow *self,
                             MtTrace  *old,
                             MtTrace  *trace,
                             MtLab    *lab)
{
  GListModel *model = G_LIST_MODEL (self->filter_model);
  MtTrace *shown = mt_timeline_get_trace (self->timeline);

  g_assert (MT_IS_WINDOW (self));

  if (self->pending_selection == old)
    g_set_object (&self->pending_selection, trace);

  if (shown == NULL)
    return;

  if (shown != old)
    {
      mt_window_live_queue_refresh (self, trace);
      if (MT_IS_BRANCH (shown) && mt_branch_get_parent (MT_BRANCH (shown)) == trace)
        mt_window_live_queue_refresh (self, shown);
      return;
    }

  /* Shown first: its row may be listed only once the filter reaches it. */
  g_set_object (&self->pending_selection, trace);
  mt_window_show_trace (self, trace);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(MtTrace) item = g_list_model_get_item (model, i);

      if (item == trace)
        {
          g_clear_object (&self->pending_selection);
          gtk_single_selection_set_selected (self->selection, i);
          break;
        }
    }
}

/* The shown trace grew or ended, whoever streams it (a run, a sweep). */
static void
mt_window_live_shown_trace_changed_cb (MtWindow   *self,
                                       GParamSpec *pspec,
                                       MtTrace    *trace)
{
  mt_window_live_queue_refresh (self, trace);
}

static void
mt_window_live_run_changed_cb (MtWindow      *self,
                               MtTrace       *trace,
                               MtLiveSession *live)
{
  mt_window_live_queue_refresh (self, trace);
}

static void
mt_window_live_run_finished_cb (MtWindow      *self,
                                MtTrace       *trace,
                                const GError  *error,
                                MtLiveSession *live)
{
  if (error != NULL)
    {
      g_autofree char *message = mt_live_session_describe_error (live, error);

      mt_window_toast (self, message);
    }

  mt_window_live_queue_refresh (self, trace);
  mt_window_live_update_controls (self);
}

static void
mt_window_live_lookup_key_cb (GObject      *object,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  g_autoptr(MtWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) servers = NULL;
  g_autofree char *key = NULL;

  /* Without a keyring the server is used without a key: most local
   * servers need none, and one that does answers 401, which says to set
   * the key in Preferences (where a missing keyring is reported). */
  key = mt_secrets_lookup_finish (result, &error);
  if (error != NULL)
    g_debug ("No API key from the keyring: %s", error->message);

  if (self->live == NULL)
    return;

  /* The list may have changed while the keyring answered. */
  servers = mt_server_config_load_all (self->settings);
  if (servers->len == 0)
    return;

  g_clear_error (&error);
  if (!mt_live_session_set_server (self->live, g_ptr_array_index (servers, 0), key, &error))
    mt_window_toast (self, error->message);
  mt_window_live_update_controls (self);
}

static void
mt_window_live_servers_changed_cb (MtWindow   *self,
                                   const char *key,
                                   GSettings  *settings)
{
  g_autoptr(GPtrArray) servers = mt_server_config_load_all (settings);
  const MtServerConfig *first;

  mt_live_session_set_servers (self->live, servers);
  if (servers->len == 0)
    {
      mt_live_session_set_server (self->live, NULL, NULL, NULL);
      mt_window_live_update_controls (self);
      return;
    }

  first = g_ptr_array_index (servers, 0);
  mt_secrets_lookup_async (first->url, NULL, mt_window_live_lookup_key_cb, g_object_ref (self));
}

static void
mt_window_live_lab_changed_cb (MtWindow   *self,
                               GParamSpec *pspec,
                               gpointer    unused)
{
  mt_live_session_set_lab (self->live, self->lab);
}

static void
mt_window_live_start_cb (MtWindow       *self,
                         MtNewRunDialog *dialog)
{
  g_autoptr(MtProblem) problem = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  MtTrace *trace;

  if (self->lab == NULL)
    {
      g_autoptr(MtLab) lab = mt_lab_new ();

      mt_window_show_lab (self, lab, _("Untitled Lab"), NULL);
    }

  id = mt_lab_make_id (self->lab, "typed");
  problem = mt_new_run_dialog_dup_problem (dialog, id);
  trace = mt_live_session_run (self->live, problem, mt_new_run_dialog_get_scenario (dialog),
                               &error);
  if (trace == NULL)
    {
      if (error != NULL)
        mt_window_toast (self, error->message);
      return;
    }

  gtk_window_close (GTK_WINDOW (dialog));
  mt_window_select_trace (self, trace);
  adw_leaflet_set_visible_child (self->leaflet, self->content);
  mt_window_live_update_controls (self);
}

static void
new_run_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);
  MtTrace *shown = mt_timeline_get_trace (self->timeline);
  MtProblem *problem = NULL;
  MtNewRunDialog *dialog;

  if (shown != NULL)
    {
      problem = mt_trace_get_problem (shown);
      if (problem == NULL && self->lab != NULL && mt_trace_get_problem_id (shown) != NULL)
        problem = mt_lab_lookup_problem (self->lab, mt_trace_get_problem_id (shown));
    }

  dialog = mt_new_run_dialog_new (GTK_WINDOW (self), problem,
                                  mt_live_session_get_server (self->live));
  g_signal_connect_object (dialog, "start", G_CALLBACK (mt_window_live_start_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);
  MtPreferencesWindow *preferences = mt_preferences_window_new (GTK_WINDOW (self), self->settings);

  gtk_window_present (GTK_WINDOW (preferences));
}

static void
mt_window_live_interrupt (MtWindow        *self,
                          MtInterruptKind  kind,
                          guint            token_index)
{
  MtTrace *shown = mt_timeline_get_trace (self->timeline);
  g_autoptr(GError) error = NULL;
  const char *text = NULL;

  if (shown == NULL)
    return;

  if (kind == MT_INTERRUPT_UPDATE || kind == MT_INTERRUPT_GUIDED_UPDATE
      || kind == MT_INTERRUPT_UPDATE_SPEEDUP)
    text = gtk_editable_get_text (GTK_EDITABLE (self->live_update_entry));

  if (mt_live_session_interrupt (self->live, shown, kind, token_index, text, &error) == NULL
      && error != NULL)
    mt_window_toast (self, error->message);

  gtk_menu_button_popdown (self->live_interrupt_button);
  mt_window_live_queue_refresh (self, shown);
}

static void
interrupt_run_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);
  MtTrace *shown = mt_timeline_get_trace (self->timeline);
  MtInterruptKind kind;

  if (shown == NULL || !mt_interrupt_kind_from_string (g_variant_get_string (param, NULL), &kind))
    return;

  /* The head: everything the trace has streamed so far. */
  mt_window_live_interrupt (self, kind, mt_trace_get_n_reasoning_tokens (shown));
}

static void
interrupt_at_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);
  const char *name;
  MtInterruptKind kind;
  guint32 token_index;

  g_variant_get (param, "(&su)", &name, &token_index);
  if (!mt_interrupt_kind_from_string (name, &kind))
    return;

  mt_window_live_interrupt (self, kind, token_index);
}

static void
interrupt_menu_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);

  gtk_menu_button_popup (self->live_interrupt_button);
}

static void
stop_run_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);

  mt_live_session_stop (self->live, mt_timeline_get_trace (self->timeline));
}

static void
mt_window_live_interrupt_shown_cb (MtWindow   *self,
                                   GtkPopover *popover)
{
  MtTrace *shown = mt_timeline_get_trace (self->timeline);
  MtProblem *problem = shown != NULL ? mt_trace_get_problem (shown) : NULL;
  const char *update = problem != NULL ? mt_problem_get_update (problem) : NULL;

  /* The benchmark's own update, when the problem has one. */
  if (update != NULL
      && *gtk_editable_get_text (GTK_EDITABLE (self->live_update_entry)) == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->live_update_entry), update);
}

static char *
format_duration (double seconds)
{
  if (seconds < 0)
    /* Translators: the time left of a sweep, before it can be estimated */
    return g_strdup (_("unknown"));
  if (seconds < 60)
    return g_strdup_printf (ngettext ("%u second", "%u seconds", (guint)ceil (seconds)),
                            (guint)ceil (seconds));
  if (seconds < 3600)
    return g_strdup_printf (ngettext ("%u minute", "%u minutes", (guint)ceil (seconds / 60)),
                            (guint)ceil (seconds / 60));
  return g_strdup_printf (ngettext ("%u hour", "%u hours", (guint)ceil (seconds / 3600)),
                          (guint)ceil (seconds / 3600));
}

static void
mt_window_live_sweep_changed_cb (MtWindow      *self,
                                 MtLiveSession *live)
{
  MtLiveSweepState state = mt_live_session_get_sweep_state (live);
  MtSweepProgress progress = { 0, };
  g_autofree char *text = NULL;
  g_autofree char *eta = NULL;
  g_autofree char *failed = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sweep-pause",
                                 state == MT_LIVE_SWEEP_RUNNING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sweep-resume",
                                 state == MT_LIVE_SWEEP_PAUSED || state == MT_LIVE_SWEEP_FAILED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sweep-cancel",
                                 state != MT_LIVE_SWEEP_NONE);
  gtk_widget_set_visible (self->live_sweep_pause_button, state == MT_LIVE_SWEEP_RUNNING);
  gtk_widget_set_visible (self->live_sweep_resume_button,
                          state == MT_LIVE_SWEEP_PAUSED || state == MT_LIVE_SWEEP_FAILED);

  if (!mt_live_session_get_sweep_progress (live, &progress))
    {
      gtk_revealer_set_reveal_child (self->live_sweep_revealer, FALSE);
      return;
    }

  gtk_revealer_set_reveal_child (self->live_sweep_revealer, TRUE);

  /* New branches of the shown trace become forks on its timeline. */
  if (self->lab != NULL
      && g_list_model_get_n_items (mt_lab_get_traces (self->lab)) != self->live_n_traces)
    {
      MtTrace *shown = mt_timeline_get_trace (self->timeline);

      self->live_n_traces = g_list_model_get_n_items (mt_lab_get_traces (self->lab));
      if (shown != NULL && self->live_tick_id == 0)
        self->live_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self),
                                                           mt_window_live_tick_cb, NULL, NULL);
    }
  gtk_progress_bar_set_fraction (self->live_sweep_progress,
                                 progress.n_total > 0 ? (double)progress.n_done / progress.n_total
                                                      : 0);
  eta = format_duration (progress.eta);
  failed = g_strdup_printf (ngettext ("%u failed", "%u failed", progress.n_failed),
                            progress.n_failed);

  switch (state)
    {
    case MT_LIVE_SWEEP_RUNNING:
      /* Translators: sweep progress: done, total, speed, time left, failures */
      text = g_strdup_printf (_("Sweep: %u of %u done · %.1f tokens/s · %s left · %s"),
                              progress.n_done, progress.n_total, progress.tokens_per_second,
                              eta, failed);
      break;
    case MT_LIVE_SWEEP_PAUSED:
      text = g_strdup_printf (_("Sweep paused: %u of %u done · %s"),
                              progress.n_done, progress.n_total, failed);
      break;
    case MT_LIVE_SWEEP_DONE:
      text = g_strdup_printf (_("Sweep finished: %u of %u done · %s"),
                              progress.n_done, progress.n_total, failed);
      break;
    case MT_LIVE_SWEEP_FAILED:
      {
        g_autofree char *why = mt_live_session_describe_error (live,
                                                               mt_live_session_get_sweep_error (live));

        text = g_strdup_printf (_("Sweep stopped: %u of %u done · %s"),
                                progress.n_done, progress.n_total, failed);
        if (g_strcmp0 (self->last_toast, why) != 0)
          mt_window_toast (self, why);
      }
      break;
    case MT_LIVE_SWEEP_NONE:
    default:
      break;
    }

  gtk_label_set_label (self->live_sweep_label, text);
}

static void
mt_window_live_sweep_start_cb (MtWindow      *self,
                               MtSweepDialog *dialog)
{
  g_autoptr(GArray) positions = NULL;
  g_autoptr(GArray) kinds = NULL;
  g_autoptr(GPtrArray) servers = NULL;
  g_autoptr(GError) error = NULL;

  if (self->lab == NULL)
    return;

  if (mt_sweep_dialog_get_start_problem (dialog) != NULL)
    {
      mt_window_toast (self, mt_sweep_dialog_get_start_problem (dialog));
      return;
    }

  if (!mt_sweep_dialog_get_positions (dialog, &positions, &error))
    {
      mt_window_toast (self, error->message);
      return;
    }

  kinds = mt_sweep_dialog_get_kinds (dialog);
  servers = mt_sweep_dialog_get_servers (dialog);
  if (!mt_live_session_start_sweep (self->live, mt_sweep_dialog_get_problems (dialog),
                                    (const double *)(gpointer)positions->data, positions->len,
                                    (const MtInterruptKind *)(gpointer)kinds->data, kinds->len,
                                    mt_sweep_dialog_get_samples (dialog),
                                    mt_sweep_dialog_get_concurrency (dialog), servers, &error))
    {
      mt_window_toast (self, error->message);
      return;
    }

  gtk_window_close (GTK_WINDOW (dialog));
}

static void
sweep_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) filtered = NULL;
  g_autoptr(GPtrArray) selected = NULL;
  MtTrace *trace;
  MtSweepDialog *dialog;

  if (self->lab == NULL)
    {
      mt_window_toast (self, _("Open a lab with problems to sweep over"));
      return;
    }

  /* The problems behind the sidebar's traces, once each, in lab order. */
  for (guint i = 0; i < g_list_model_get_n_items (mt_lab_get_problems (self->lab)); i++)
    g_ptr_array_add (all, g_list_model_get_item (mt_lab_get_problems (self->lab), i));
  if (self->search_folded != NULL || mt_window_is_filtered (self))
    {
      g_autoptr(GHashTable) shown = g_hash_table_new (NULL, NULL);
      GListModel *visible = G_LIST_MODEL (self->filter_model);

      for (guint i = 0; i < g_list_model_get_n_items (visible); i++)
        {
          g_autoptr(MtTrace) item = g_list_model_get_item (visible, i);

          if (mt_trace_get_problem (item) != NULL)
            g_hash_table_add (shown, mt_trace_get_problem (item));
        }
      filtered = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < all->len; i++)
        if (g_hash_table_contains (shown, g_ptr_array_index (all, i)))
          g_ptr_array_add (filtered, g_object_ref (g_ptr_array_index (all, i)));
    }
  trace = gtk_single_selection_get_selected_item (self->selection);
  if (trace != NULL && mt_trace_get_problem (trace) != NULL
      && g_ptr_array_find (all, mt_trace_get_problem (trace), NULL))
    {
      selected = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (selected, g_object_ref (mt_trace_get_problem (trace)));
    }

  dialog = mt_sweep_dialog_new (GTK_WINDOW (self), all, filtered, selected,
                                mt_live_session_get_servers (self->live));
  g_signal_connect_object (dialog, "start", G_CALLBACK (mt_window_live_sweep_start_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
sweep_pause_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *param)
{
  mt_live_session_pause_sweep (MT_WINDOW (widget)->live);
}

static void
sweep_resume_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!mt_live_session_resume_sweep (self->live, &error))
    mt_window_toast (self, error->message);
}

/* The sweep the lab file was left with when a window closed during it. */
static void
sweep_resume_saved_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  MtWindow *self = MT_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!mt_live_session_resume_saved_sweep (self->live, &error))
    mt_window_toast (self, error->message);
}

static void
sweep_cancel_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  mt_live_session_cancel_sweep (MT_WINDOW (widget)->live);
}

/* The "Run" part of the marker's popover: interrupts at the marker. */
static GtkWidget *
mt_window_live_new_run_box (MtWindow *self,
                            guint     token_index)
{
  static const MtInterruptKind kinds[] = {
    MT_INTERRUPT_HARD, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_UPDATE,
  };
  MtTrace *shown = mt_timeline_get_trace (self->timeline);
  MtProblem *problem = shown != NULL ? mt_trace_get_problem (shown) : NULL;
  GtkWidget *box;
  GtkWidget *label;
  GtkWidget *buttons;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  label = gtk_label_new (_("Run an Interrupt Here"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_box_append (GTK_BOX (box), label);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_add_css_class (buttons, "linked");
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      GtkWidget *button;

      /* An update needs its text: the problem's own. */
      if (kinds[i] == MT_INTERRUPT_UPDATE
          && (problem == NULL || mt_problem_get_update (problem) == NULL))
        continue;

      button = gtk_button_new_with_label (mt_timeline_get_kind_label (kinds[i]));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.interrupt-at");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "(su)",
                                        mt_interrupt_kind_to_string (kinds[i]), token_index);
      gtk_widget_set_hexpand (button, TRUE);
      gtk_box_append (GTK_BOX (buttons), button);
    }
  gtk_box_append (GTK_BOX (box), buttons);

  if (problem != NULL && mt_problem_get_update (problem) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->live_update_entry), mt_problem_get_update (problem));

  return box;
}

static void
mt_window_live_close_response_cb (MtWindow         *self,
                                  const char       *response,
                                  AdwMessageDialog *dialog)
{
  /* Answered: a question that comes next (unsaved changes) is its own. */
  if (self->close_dialog == dialog)
    {
      g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *)&self->close_dialog);
      self->close_dialog = NULL;
    }

  if (!g_str_equal (response, "stop"))
    return;

  /* Closes once the dialog is done with its response, as Discard does. */
  self->live_sweep_close_confirmed = TRUE;
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, mt_window_close_idle_cb, g_object_ref (self),
                   g_object_unref);
}

/* A sweep cannot go on without its window: closing stops it, so ask. What
 * it finished is already in the lab file. */
static gboolean
mt_window_live_ask_before_closing (MtWindow *self)
{
  MtLiveSweepState state = mt_live_session_get_sweep_state (self->live);
  MtSweepProgress progress = { 0, };
  GtkWidget *dialog;

  if (self->live_sweep_close_confirmed
      || (state != MT_LIVE_SWEEP_RUNNING && state != MT_LIVE_SWEEP_PAUSED))
    return FALSE;

  if (self->close_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->close_dialog));
      return TRUE;
    }

  mt_live_session_get_sweep_progress (self->live, &progress);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Stop the Sweep?"), NULL);
  /* Translators: %u of %u are the sweep's finished and total items */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("The sweep has finished %u of %u items. Closing the window "
                                    "stops it; the finished items stay in the lab file."),
                                  progress.n_done, progress.n_total);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "stop", _("_Stop the Sweep and Close"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (mt_window_live_close_response_cb),
                           self, G_CONNECT_SWAPPED);

  self->close_dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *)&self->close_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static gboolean
mt_window_close_request (GtkWindow *window)
{
  MtWindow *self = MT_WINDOW (window);
  int width;
  int height;

  if (mt_window_live_ask_before_closing (self))
    return TRUE;

  /* A save in flight ends first: the window closes when it is written. */
  if (self->saving_lab != NULL)
    {
      if (!self->close_when_saved)
        mt_window_toast (self, _("The window closes once the lab is saved."));
      self->close_when_saved = TRUE;
      return TRUE;
    }

  /* Unsaved work is only dropped when the user says so. */
  if (self->modified && self->lab != NULL && !self->close_confirmed)
    {
      mt_window_ask_before_closing (self);
      return TRUE;
    }

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

  /* Streams end with what arrived kept, as Stop does; a sweep pauses,
   * and the lab file holds what it finished for a later resume. */
  mt_live_session_stop_all (self->live);
  mt_live_session_pause_sweep (self->live);

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
  if (self->judge_cancellable != NULL)
    g_cancellable_cancel (self->judge_cancellable);
  if (self->close_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->close_dialog));

  if (self->live_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->live_tick_id);
  self->live_tick_id = 0;
  g_clear_handle_id (&self->live_scroll_id, g_source_remove);
  if (self->live != NULL)
    {
      mt_live_session_stop_all (self->live);
      g_signal_handlers_disconnect_by_data (self->live, self);
    }
  g_clear_object (&self->live);
  g_clear_object (&self->live_trace_signals);

  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_WINDOW);

  g_clear_handle_id (&self->follow_id, g_source_remove);
  g_clear_handle_id (&self->judge_idle_id, g_source_remove);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->judge_cancellable);
  g_clear_pointer (&self->bound_rows, g_hash_table_unref);
  g_clear_pointer (&self->judgements, g_hash_table_unref);
  g_clear_pointer (&self->to_judge, g_ptr_array_unref);
  g_clear_pointer (&self->models, g_ptr_array_unref);
  g_clear_object (&self->sorter);
  g_clear_pointer (&self->branches, g_ptr_array_unref);
  g_clear_object (&self->pending_selection);
  g_clear_object (&self->saving_lab);
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
  g_clear_pointer (&self->load_title, g_free);
  g_clear_pointer (&self->model_filter, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->lab_path, g_free);
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

    case PROP_SORT:
      g_value_set_string (value, sort_names[self->sort]);
      break;

    case PROP_MODEL_FILTER:
      g_value_set_string (value, self->model_filter != NULL ? self->model_filter : "");
      break;

    case PROP_VERDICT_FILTER:
      g_value_set_string (value, verdict_names[self->verdict_filter]);
      break;

    case PROP_FAILURE_FILTER:
      g_value_set_string (value, failure_names[self->failure_filter]);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  MtWindow *self = MT_WINDOW (object);
  int index;

  switch (prop_id)
    {
    case PROP_SORT:
      index = name_to_index (sort_names, G_N_ELEMENTS (sort_names), g_value_get_string (value));
      mt_window_set_sort (self, MAX (index, 0));
      break;

    case PROP_MODEL_FILTER:
      mt_window_set_model_filter (self, g_value_get_string (value));
      break;

    case PROP_VERDICT_FILTER:
      index = name_to_index (verdict_names, G_N_ELEMENTS (verdict_names),
                             g_value_get_string (value));
      mt_window_set_verdict_filter (self, MAX (index, 0));
      break;

    case PROP_FAILURE_FILTER:
      index = name_to_index (failure_names, G_N_ELEMENTS (failure_names),
                             g_value_get_string (value));
      mt_window_set_failure_filter (self, MAX (index, 0));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* An insensitive button says why it is. */
static gboolean
mt_window_clock_tooltip_cb (GBinding     *binding,
                            const GValue *from,
                            GValue       *to,
                            gpointer      user_data)
{
  g_value_set_string (to, g_value_get_boolean (from)
                            ? _("Lay Tokens Out by When They Arrived")
                            : _("No Arrival Times: only traces run live from here have them"));
  return TRUE;
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
  object_class->set_property = mt_window_set_property;

  window_class->close_request = mt_window_close_request;

  properties[PROP_LAB] =
    g_param_spec_object ("lab", NULL, NULL,
                         MT_TYPE_LAB,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The sidebar's order and filters, as names for the menu's radio items. */
  properties[PROP_SORT] =
    g_param_spec_string ("sort", NULL, NULL,
                         "file",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MODEL_FILTER] =
    g_param_spec_string ("model-filter", NULL, NULL,
                         "",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_VERDICT_FILTER] =
    g_param_spec_string ("verdict-filter", NULL, NULL,
                         "any",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FAILURE_FILTER] =
    g_param_spec_string ("failure-filter", NULL, NULL,
                         "any",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

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
  gtk_widget_class_bind_template_child (widget_class, MtWindow, filter_button);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, model_menu);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, sort_model);
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
  gtk_widget_class_bind_template_child (widget_class, MtWindow, compare_view);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, presentation_button);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, clock_button);
  gtk_widget_class_bind_template_callback (widget_class, play_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, presentation_toggled_cb);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, live_rate_label);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, live_interrupt_button);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, live_stop_button);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, live_update_entry);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, live_sweep_revealer);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, live_sweep_label);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, live_sweep_progress);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, live_sweep_pause_button);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, live_sweep_resume_button);
  gtk_widget_class_bind_template_child (widget_class, MtWindow, charts_page);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, trace_item_setup_cb);
  gtk_widget_class_bind_template_callback (widget_class, trace_item_bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, trace_item_unbind_cb);
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
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_b, GDK_CONTROL_MASK, "win.compare", NULL);
  gtk_widget_class_install_action (widget_class, "win.reset-filters", NULL, reset_filters_action);
  gtk_widget_class_install_property_action (widget_class, "win.sort", "sort");
  gtk_widget_class_install_property_action (widget_class, "win.model-filter", "model-filter");
  gtk_widget_class_install_property_action (widget_class, "win.verdict-filter", "verdict-filter");
  gtk_widget_class_install_property_action (widget_class, "win.failure-filter", "failure-filter");
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save", NULL);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-as", NULL);
  gtk_widget_class_install_action (widget_class, "win.new-run", NULL, new_run_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.interrupt-run", "s", interrupt_run_action);
  gtk_widget_class_install_action (widget_class, "win.interrupt-at", "(su)", interrupt_at_action);
  gtk_widget_class_install_action (widget_class, "win.interrupt-menu", NULL, interrupt_menu_action);
  gtk_widget_class_install_action (widget_class, "win.stop-run", NULL, stop_run_action);
  gtk_widget_class_install_action (widget_class, "win.sweep", NULL, sweep_action);
  gtk_widget_class_install_action (widget_class, "win.sweep-pause", NULL, sweep_pause_action);
  gtk_widget_class_install_action (widget_class, "win.sweep-resume", NULL, sweep_resume_action);
  gtk_widget_class_install_action (widget_class, "win.sweep-cancel", NULL, sweep_cancel_action);
  gtk_widget_class_install_action (widget_class, "win.sweep-resume-saved", NULL,
                                   sweep_resume_saved_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.new-run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK,
                                       "win.interrupt-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, GDK_CONTROL_MASK,
                                       "win.stop-run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_g, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.show-charts", NULL);

  g_type_ensure (MT_TYPE_TRACE_ROW);
  g_type_ensure (MT_TYPE_TIMELINE);
  g_type_ensure (MT_TYPE_COMPARE_VIEW);
  g_type_ensure (MT_TYPE_CHARTS_PAGE);
}

static void
mt_window_init (MtWindow *self)
{
  GtkTextBuffer *buffer;
  GtkDropTarget *drop_target;
  GtkEventController *legacy;
  GtkEventController *scroll;
  g_autoptr(GSimpleAction) show_charts = NULL;
  GtkTextIter start;
  static const char * const shown_trace_signals[] = {
    "notify::reasoning", "notify::answer", "notify::finish-reason",
  };

  static const GActionEntry compare_entries[] = {
    { "compare", NULL, NULL, "false", compare_change_state },
  };

  gtk_widget_init_template (GTK_WIDGET (self));
  g_action_map_add_action_entries (G_ACTION_MAP (self), compare_entries,
                                   G_N_ELEMENTS (compare_entries), self);

  self->settings = g_settings_new (APP_ID);
  self->page_before_load = g_strdup ("welcome");
  self->sections = g_array_new (FALSE, FALSE, sizeof (MtTranscriptSection));
  self->branches = g_ptr_array_new_with_free_func (g_object_unref);
  self->judgements = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
  self->to_judge = g_ptr_array_new_with_free_func (g_object_unref);
  self->bound_rows = g_hash_table_new (NULL, NULL);
  self->models = g_ptr_array_new_with_free_func (g_free);
  self->sorter = gtk_custom_sorter_new (mt_window_sort_func, self, NULL);
  mt_window_update_models (self);

  /* The button and Space on the timeline both play and pause. */
  g_object_bind_property (self->timeline, "playing", self->play_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->timeline, "axis-clock", self->clock_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->timeline, "has-clock", self->clock_button, "sensitive",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (self->timeline, "has-clock", self->clock_button, "tooltip-text",
                               G_BINDING_SYNC_CREATE, mt_window_clock_tooltip_cb, NULL,
                               NULL, NULL);

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
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (mt_window_settings_changed_cb), self,
                           G_CONNECT_SWAPPED);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-load", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reset-filters", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-as", FALSE);

  /* Live runs: the session follows the open lab and the first server. */
  self->live = mt_live_session_new ();
  gtk_text_buffer_get_end_iter (buffer, &start);
  self->live_end_mark = gtk_text_buffer_create_mark (buffer, "live-end", &start, FALSE);
  g_signal_connect_object (self->live, "run-changed", G_CALLBACK (mt_window_live_run_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->live, "run-started", G_CALLBACK (mt_window_live_run_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->live, "run-finished",
                           G_CALLBACK (mt_window_live_run_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->live, "notify::tokens-per-second",
                           G_CALLBACK (mt_window_live_rate_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->live, "notify::n-running",
                           G_CALLBACK (mt_window_live_rate_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->live, "sweep-changed",
                           G_CALLBACK (mt_window_live_sweep_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "notify::lab", G_CALLBACK (mt_window_live_lab_changed_cb), NULL);
  self->live_trace_signals = g_signal_group_new (MT_TYPE_TRACE);
  for (guint i = 0; i < G_N_ELEMENTS (shown_trace_signals); i++)
    g_signal_group_connect_object (self->live_trace_signals, shown_trace_signals[i],
                                   G_CALLBACK (mt_window_live_shown_trace_changed_cb), self,
                                   G_CONNECT_SWAPPED);
  g_signal_connect_object (self->timeline, "notify::trace",
                           G_CALLBACK (mt_window_live_trace_shown_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_menu_button_get_popover (self->live_interrupt_button), "show",
                           G_CALLBACK (mt_window_live_interrupt_shown_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::servers",
                           G_CALLBACK (mt_window_live_servers_changed_cb), self,
                           G_CONNECT_SWAPPED);
  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  gtk_event_controller_set_propagation_phase (scroll, GTK_PHASE_CAPTURE);
  g_signal_connect_object (scroll, "scroll", G_CALLBACK (mt_window_live_scroll_event_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->transcript_scroller), scroll);
  mt_window_live_servers_changed_cb (self, "servers", self->settings);
  mt_window_live_update_controls (self);
  mt_window_live_sweep_changed_cb (self, self->live);

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

  /* A load that was listing its lab stops here: its part stays. */
  if (self->load_shown)
    mt_window_loaded_lab_complete (self, NULL);

  page = gtk_stack_get_visible_child_name (self->main_stack);
  if (g_strcmp0 (page, "loading") != 0)
    set_str (&self->page_before_load, page);

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  g_free (self->load_title);
  if (n_files == 1)
    self->load_title = g_file_get_basename (files[0]);
  else
    self->load_title = g_strdup_printf (ngettext ("%u file", "%u files", n_files), n_files);
  /* The description is markup; a file name is not. */
  description = g_markup_escape_text (self->load_title, -1);
  adw_status_page_set_description (self->loading_page, description);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
  mt_window_set_loading (self, TRUE);

  self->load_shown = FALSE;
  mt_lab_load_async_full (files, n_files, mt_window_load_progress_cb, g_object_ref (self),
                          g_object_unref, self->load_cancellable,
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

  mt_window_show_lab (self, lab, title, NULL);
}

void
_mt_window_set_sort (MtWindow     *self,
                     MtWindowSort  sort)
{
  g_return_if_fail (MT_IS_WINDOW (self));
  g_return_if_fail (sort <= MT_WINDOW_SORT_VERDICT);

  gtk_widget_activate_action (GTK_WIDGET (self), "win.sort", "s", sort_names[sort]);
}

gboolean
_mt_window_set_model_filter (MtWindow   *self,
                             const char *model)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), FALSE);

  if (model != NULL && !g_ptr_array_find_with_equal_func (self->models, model, g_str_equal, NULL))
    return FALSE;

  return gtk_widget_activate_action (GTK_WIDGET (self), "win.model-filter", "s",
                                     model != NULL ? model : "");
}

void
_mt_window_set_verdict_filter (MtWindow              *self,
                               MtWindowVerdictFilter  filter)
{
  g_return_if_fail (MT_IS_WINDOW (self));
  g_return_if_fail (filter <= MT_WINDOW_VERDICT_UNGRADED);

  gtk_widget_activate_action (GTK_WIDGET (self), "win.verdict-filter", "s",
                              verdict_names[filter]);
}

void
_mt_window_set_failure_filter (MtWindow              *self,
                               MtWindowFailureFilter  filter)
{
  g_return_if_fail (MT_IS_WINDOW (self));
  g_return_if_fail (filter <= MT_WINDOW_FAILURE_DOUBT);

  gtk_widget_activate_action (GTK_WIDGET (self), "win.failure-filter", "s",
                              failure_names[filter]);
}

gboolean
_mt_window_get_judging (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), FALSE);

  return self->judge_cancellable != NULL || self->judge_next < self->to_judge->len
         || self->judge_idle_id != 0;
}

const MtTraceJudgement *
_mt_window_lookup_judgement (MtWindow *self,
                             MtTrace  *trace)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return g_hash_table_lookup (self->judgements, trace);
}

guint
_mt_window_get_filter_pending (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), 0);

  return gtk_filter_list_model_get_pending (self->filter_model)
         + gtk_sort_list_model_get_pending (self->sort_model);
}

gboolean
_mt_window_get_modified (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), FALSE);

  return self->modified;
}

const char *
_mt_window_get_lab_path (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return self->lab_path;
}

gboolean
_mt_window_save_to (MtWindow   *self,
                    const char *path)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  mt_window_save_to (self, path, FALSE);
  while (self->saving_lab != NULL)
    g_main_context_iteration (NULL, TRUE);

  return self->saved_ok;
}

void
_mt_window_save_begin (MtWindow   *self,
                       const char *path)
{
  g_return_if_fail (MT_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  mt_window_save_to (self, path, FALSE);
}

gboolean
_mt_window_is_saving (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), FALSE);

  return self->saving_lab != NULL;
}

AdwMessageDialog *
_mt_window_get_close_dialog (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return self->close_dialog;
}

gboolean
_mt_window_get_replay_active (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), FALSE);

  return gtk_toggle_button_get_active (self->play_button);
}

void
_mt_window_set_presentation (MtWindow *self,
                             gboolean  presentation)
{
  g_return_if_fail (MT_IS_WINDOW (self));

  gtk_toggle_button_set_active (self->presentation_button, presentation);
}

GtkTextView *
_mt_window_get_transcript_view (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return self->text_view;
}

MtLiveSession *
_mt_window_get_live_session (MtWindow *self)
{
  g_return_val_if_fail (MT_IS_WINDOW (self), NULL);

  return self->live;
}
