/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include <adwaita.h>

#include "mt-application-private.h"
#include "mt-timeline-private.h"
#include "mt-window-private.h"

#define WAIT_SECONDS 20
/* More than the window will ever have focusable widgets, so a focus chain
 * that never comes back to its start still ends. */
#define MAX_FOCUS_STEPS 500

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* A window as a user sees it with the shared fixture open: wide enough
 * that the sidebar and the trace are both shown. */
static MtWindow *
create_loaded_window (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "traces.jsonl", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  MtWindow *window = mt_window_new (NULL);
  GtkWidget *marker;
  gboolean timed_out = FALSE;
  guint timeout_id;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  drain_main_loop ();

  mt_window_open (window, file);
  timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);
  while (mt_window_get_loading (window) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);

  g_assert_cmpstr (_mt_window_get_page (window), ==, "lab");

  /* The leaflet unfolds once the window has its full size, which can take
   * a few frames after the lab is shown. */
  marker = GTK_WIDGET (_mt_timeline_get_marker (_mt_window_get_timeline (window)));
  timeout_id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);
  while (!gtk_widget_get_mapped (marker) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);
  drain_main_loop ();

  return window;
}

/* A button that shows only an icon: nothing on screen names it, so a
 * screen reader has only what we give it. */
static gboolean
is_icon_only_button (GtkWidget *widget)
{
  GtkWidget *child;

  if (GTK_IS_MENU_BUTTON (widget))
    return gtk_menu_button_get_label (GTK_MENU_BUTTON (widget)) == NULL
           && (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)) != NULL
               || GTK_IS_IMAGE (gtk_menu_button_get_child (GTK_MENU_BUTTON (widget))));

  if (!GTK_IS_BUTTON (widget))
    return FALSE;

  /* A menu button draws itself with an inner toggle button; the menu
   * button is the one that carries the name. */
  if (GTK_IS_MENU_BUTTON (gtk_widget_get_parent (widget)))
    return FALSE;

  child = gtk_button_get_child (GTK_BUTTON (widget));
  return gtk_button_get_label (GTK_BUTTON (widget)) == NULL
         && (gtk_button_get_icon_name (GTK_BUTTON (widget)) != NULL || GTK_IS_IMAGE (child));
}

static char *
describe_widget (GtkWidget *widget)
{
  const char *tooltip = gtk_widget_get_tooltip_text (widget);
  const char *icon = NULL;

  if (GTK_IS_MENU_BUTTON (widget))
    icon = gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget));
  else if (GTK_IS_BUTTON (widget))
    icon = gtk_button_get_icon_name (GTK_BUTTON (widget));

  return g_strdup_printf ("%s in %s (icon %s, tooltip %s)", G_OBJECT_TYPE_NAME (widget),
                          G_OBJECT_TYPE_NAME (gtk_widget_get_parent (widget)),
                          icon != NULL ? icon : "none", tooltip != NULL ? tooltip : "none");
}

/* Walks every widget under @widget, hidden stack pages and popovers
 * included (a menu button's popover is its child), and lists the
 * icon-only buttons that lack a tooltip or an accessible label. */
static void
collect_unlabelled (GtkWidget *widget,
                    GPtrArray *unlabelled,
                    guint     *n_icon_only)
{
  if (is_icon_only_button (widget))
    {
      /* The tooltip is for sighted mouse users; the accessible label is
       * what a screen reader announces. Both are needed. */
      gboolean has_label = gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget),
                                                             GTK_ACCESSIBLE_PROPERTY_LABEL);
      /* GTK's own close and maximize buttons are named but have no
       * tooltip in any application; they are not ours to change. */
      gboolean needs_tooltip = !GTK_IS_WINDOW_CONTROLS (gtk_widget_get_parent (widget));

      (*n_icon_only)++;
      if (!has_label || (needs_tooltip && gtk_widget_get_tooltip_text (widget) == NULL))
        g_ptr_array_add (unlabelled, describe_widget (widget));
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_unlabelled (child, unlabelled, n_icon_only);
}

static void
assert_all_labelled (GtkWidget *root,
                     guint      min_icon_only)
{
  g_autoptr(GPtrArray) unlabelled = g_ptr_array_new_with_free_func (g_free);
  guint n_icon_only = 0;

  collect_unlabelled (root, unlabelled, &n_icon_only);

  for (guint i = 0; i < unlabelled->len; i++)
    g_test_message ("icon-only button without an accessible label: %s",
                    (const char *)g_ptr_array_index (unlabelled, i));

  /* Guards the check itself: a walk that found no icon-only buttons at
   * all would pass whatever the window held. */
  g_assert_cmpuint (n_icon_only, >=, min_icon_only);
  g_assert_cmpuint (unlabelled->len, ==, 0);
}

static void
test_a11y_icon_buttons_labelled (void)
{
  MtWindow *window = create_loaded_window ();

  /* Open and main menu on the welcome page, the sidebar and the trace,
   * plus the back button. */
  assert_all_labelled (GTK_WIDGET (window), 6);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* The check must be able to fail: a button like ours, minus its label. */
static void
test_a11y_check_catches_missing_label (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *button = gtk_button_new_from_icon_name ("document-open-symbolic");
  GtkWidget *menu_button = gtk_menu_button_new ();
  g_autoptr(GPtrArray) unlabelled = g_ptr_array_new_with_free_func (g_free);
  guint n_icon_only = 0;

  g_object_ref_sink (box);
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "open-menu-symbolic");
  gtk_widget_set_tooltip_text (button, "Open");
  gtk_widget_set_tooltip_text (menu_button, "Main Menu");
  gtk_box_append (GTK_BOX (box), button);
  gtk_box_append (GTK_BOX (box), menu_button);

  collect_unlabelled (box, unlabelled, &n_icon_only);
  g_assert_cmpuint (n_icon_only, ==, 2);
  g_assert_cmpuint (unlabelled->len, ==, 2);

  g_ptr_array_set_size (unlabelled, 0);
  n_icon_only = 0;
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "Open", -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "Main Menu", -1);
  collect_unlabelled (box, unlabelled, &n_icon_only);
  g_assert_cmpuint (unlabelled->len, ==, 0);

  /* A label alone is not enough: pointer users need the tooltip. */
  gtk_widget_set_tooltip_text (button, NULL);
  collect_unlabelled (box, unlabelled, &n_icon_only);
  g_assert_cmpuint (unlabelled->len, ==, 1);

  g_object_unref (box);
}

static void
test_a11y_about_window (void)
{
  GtkWindow *about = _mt_application_create_about_window (NULL);

  gtk_window_present (about);
  drain_main_loop ();

  /* Only the content is ours: libadwaita 1.2's own back buttons in the
   * about window's subpages have a tooltip but no accessible label, so
   * the walk is not run here. */
  g_assert_true (ADW_IS_ABOUT_WINDOW (about));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (about)));
  g_assert_nonnull (strstr (_mt_application_get_citation (), "2510.11713"));

  gtk_window_destroy (about);
}

static GtkWidget *
find_widget_of_type (GtkWidget *widget,
                     GType      type)
{
  if (g_type_is_a (G_OBJECT_TYPE (widget), type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget_of_type (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
focus_is_within (GtkWidget *focus,
                 GtkWidget *widget)
{
  return focus == widget || gtk_widget_is_ancestor (focus, widget);
}

/* Tab through the window as a keyboard user would, from the first focus
 * stop round to where it started, and check every control of the trace
 * page is on the way. */
static void
test_a11y_tab_reaches_controls (void)
{
  MtWindow *window = create_loaded_window ();
  MtTimeline *timeline = _mt_window_get_timeline (window);
  GtkWidget *search_entry = GTK_WIDGET (_mt_window_get_search_entry (window));
  GtkWidget *trace_list = find_widget_of_type (GTK_WIDGET (window), GTK_TYPE_LIST_VIEW);
  GtkWidget *transcript = find_widget_of_type (GTK_WIDGET (window), GTK_TYPE_TEXT_VIEW);
  GtkWidget *marker = GTK_WIDGET (_mt_timeline_get_marker (timeline));
  gboolean reached_search = FALSE;
  gboolean reached_list = FALSE;
  gboolean reached_marker = FALSE;
  gboolean reached_transcript = FALSE;
  GtkWidget *first = NULL;

  g_assert_nonnull (trace_list);
  g_assert_nonnull (transcript);
  g_assert_true (gtk_widget_get_mapped (marker));

  gtk_root_set_focus (GTK_ROOT (window), NULL);

  for (guint step = 0; step < MAX_FOCUS_STEPS; step++)
    {
      GtkWidget *focus;

      /* At the end of the chain the window lets go of the focus; the next
       * Tab starts again from the top, as for a real key press. */
      if (!gtk_widget_child_focus (GTK_WIDGET (window), GTK_DIR_TAB_FORWARD))
        continue;
      drain_main_loop ();

      focus = gtk_root_get_focus (GTK_ROOT (window));
      if (focus == NULL)
        continue;
      if (focus == first)
        break;
      if (first == NULL)
        first = focus;

      reached_search |= focus_is_within (focus, search_entry);
      reached_list |= focus_is_within (focus, trace_list);
      reached_marker |= focus_is_within (focus, marker);
      reached_transcript |= focus_is_within (focus, transcript);
    }

  g_assert_true (reached_search);
  g_assert_true (reached_list);
  g_assert_true (reached_marker);
  g_assert_true (reached_transcript);

  /* The marker is a slider a screen reader can read the value of. */
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (marker)), ==,
                   GTK_ACCESSIBLE_ROLE_SLIDER);
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (marker),
                                                   GTK_ACCESSIBLE_PROPERTY_VALUE_NOW));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (marker),
                                                   GTK_ACCESSIBLE_PROPERTY_LABEL));
  g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (transcript),
                                                   GTK_ACCESSIBLE_PROPERTY_LABEL));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* High contrast and recolouring themes only work when every colour comes
 * from the theme: the stylesheet may name libadwaita's colours but must
 * not write its own. */
static void
test_a11y_style_uses_named_colours (void)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GRegex) literal = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  const char *css;

  bytes = g_resources_lookup_data ("/io/github/midthought/Midthought/style.css",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_assert_nonnull (bytes);
  css = g_bytes_get_data (bytes, NULL);

  literal = g_regex_new ("#[0-9a-fA-F]{3,8}\\b|\\brgba?\\s*\\(|\\bhsla?\\s*\\("
                         "|:\\s*(white|black|red|green|blue|yellow|orange|purple|gray|grey)\\b",
                         G_REGEX_CASELESS, 0, NULL);
  if (g_regex_match (literal, css, 0, &match))
    {
      g_autofree char *found = g_match_info_fetch (match, 0);

      g_test_message ("style.css writes a colour of its own: %s", found);
      g_test_fail ();
    }
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "");
  /* GTK 4.8 cannot read accessible properties back except through its
   * test backend; without one (GTK_A11Y=none) nothing would be recorded
   * and every check would fail. */
  g_setenv ("GTK_A11Y", "test", TRUE);

  g_test_init (&argc, &argv, NULL);

  g_mkdir_with_parents (g_get_user_data_dir (), 0700);

  gtk_init ();
  adw_init ();

  g_test_add_func ("/gui/a11y/check-catches-missing-label", test_a11y_check_catches_missing_label);
  g_test_add_func ("/gui/a11y/icon-buttons-labelled", test_a11y_icon_buttons_labelled);
  g_test_add_func ("/gui/a11y/about-window", test_a11y_about_window);
  g_test_add_func ("/gui/a11y/tab-reaches-controls", test_a11y_tab_reaches_controls);
  g_test_add_func ("/gui/a11y/style-uses-named-colours", test_a11y_style_uses_named_colours);

  return g_test_run ();
}
