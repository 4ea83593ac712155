/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "mt-charts-page-private.h"
#include "mt-settings.h"

/* A change to the lab waits this long for more before the analysis runs
 * again, but never longer than MAX_DELAY_MS after the first one, so a
 * sweep that streams results without a pause still refreshes the charts. */
#define QUIET_MS     300
#define MAX_DELAY_MS 1000

/* The size of an exported figure in points (1/72 inch): a two-column
 * paper's full width. A PNG gets this times its dpi / 72 in pixels. */
#define EXPORT_WIDTH  600.0
#define EXPORT_HEIGHT 375.0

#define N_CHARTS (MT_PLOT_CHART_MARKER_DENSITY + 1)

/* The PNG resolutions offered, the default first: GTK 4.8's own file
 * chooser shows the first choice whatever was set. */
static const double export_dpis[] = { 300, 600, 150, 96 };

/* The chart menu's names, in the order of MtPlotChartKind. */
static const char *chart_names[N_CHARTS] = {
  N_("Accuracy"),
  N_("Length"),
  N_("Length Ratio"),
  N_("Answer Length"),
  N_("Failure Rates"),
  N_("Marker Density"),
};

/* MtChartsCanvas: paints one MtPlotChart with the style's colours and
 * answers what is under the pointer. */

#define MT_TYPE_CHARTS_CANVAS (mt_charts_canvas_get_type ())

G_DECLARE_FINAL_TYPE (MtChartsCanvas, mt_charts_canvas, MT, CHARTS_CANVAS, GtkWidget)

struct _MtChartsCanvas
{
  GtkWidget    parent_instance;

  MtPlotChart *chart;
};

G_DEFINE_FINAL_TYPE (MtChartsCanvas, mt_charts_canvas, GTK_TYPE_WIDGET)

static gboolean
lookup_color (GtkStyleContext *context,
              const char      *name,
              double           rgba[4])
{
  GdkRGBA color;

  /* Named colours (@define-color in style.css) are the way GTK 4.8 lets a
   * style sheet hand colours to custom drawing. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (context, name, &color))
    return FALSE;
  G_GNUC_END_IGNORE_DEPRECATIONS

  rgba[0] = color.red;
  rgba[1] = color.green;
  rgba[2] = color.blue;
  rgba[3] = color.alpha;
  return TRUE;
}

static void
mt_charts_canvas_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  MtChartsCanvas *self = MT_CHARTS_CANVAS (widget);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkStyleContext *context = gtk_widget_get_style_context (widget);
  G_GNUC_END_IGNORE_DEPRECATIONS
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  MtPlotColors colors;
  gboolean styled;
  MtPlotTheme theme;
  cairo_t *cr;

  if (self->chart == NULL || width <= 0 || height <= 0)
    return;

  /* Without the application's style sheet the theme's own colours are
   * the best guess. */
  styled = lookup_color (context, "chart_background_color", colors.background)
           && lookup_color (context, "chart_ink_color", colors.ink)
           && lookup_color (context, "chart_muted_color", colors.muted)
           && lookup_color (context, "chart_grid_color", colors.grid);

  theme = adw_style_manager_get_dark (adw_style_manager_get_default ())
          ? MT_PLOT_THEME_DARK : MT_PLOT_THEME_LIGHT;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  mt_plot_chart_paint_with_colors (self->chart, cr, width, height, theme,
                                   styled ? &colors : NULL);
  cairo_destroy (cr);
}

static void
mt_charts_canvas_css_changed (GtkWidget         *widget,
                              GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (mt_charts_canvas_parent_class)->css_changed (widget, change);

  gtk_widget_queue_draw (widget);
}

static void
mt_charts_canvas_dispose (GObject *object)
{
  MtChartsCanvas *self = MT_CHARTS_CANVAS (object);

  g_clear_object (&self->chart);

  G_OBJECT_CLASS (mt_charts_canvas_parent_class)->dispose (object);
}

static void
mt_charts_canvas_class_init (MtChartsCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_charts_canvas_dispose;

  widget_class->snapshot = mt_charts_canvas_snapshot;
  widget_class->css_changed = mt_charts_canvas_css_changed;

  gtk_widget_class_set_css_name (widget_class, "chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
mt_charts_canvas_init (MtChartsCanvas *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), 320, 220);
}

static void
mt_charts_canvas_set_chart (MtChartsCanvas *self,
                            MtPlotChart    *chart)
{
  g_assert (MT_IS_CHARTS_CANVAS (self));

  g_set_object (&self->chart, chart);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* MtChartsPage */

struct _MtChartsPage
{
  GtkWidget        parent_instance;

  MtLab           *lab;
  MtMetrics       *metrics;
  MtPlotChart     *charts[N_CHARTS];
  MtMetrics       *chart_metrics[N_CHARTS];  /* unowned: what each chart was given (the
                                              * chart holds it, so the address stays its) */
  gboolean         chart_filtered[N_CHARTS];
  GCancellable    *cancellable;
  GSettings       *settings;   /* NULL without the schema: default thresholds */
  guint            quiet_id;
  guint            deadline_id;
  gboolean         dirty;
  double           pointer_x;  /* where the read-out was asked for */
  double           pointer_y;
  GArray          *points;     /* ChartPoint: where the keyboard can go */
  int              points_width;
  int              points_height;
  int              point;      /* the one the keyboard is on, or -1 */

  MtPlotChartKind  chart;
  char            *model;     /* "" for all */
  char            *dataset;
  char            *kind;      /* an interrupt kind's name, "" for all */
  GPtrArray       *models;    /* char*, what the filter menus offer */
  GPtrArray       *datasets;
  GPtrArray       *kinds;

  /* Template widgets */
  GtkWidget       *toolbar;
  GtkMenuButton   *chart_button;
  GtkMenuButton   *model_button;
  GtkMenuButton   *dataset_button;
  GtkMenuButton   *kind_button;
  GtkSpinner      *spinner;
  GtkWidget       *export_button;
  GtkStack        *stack;
  GtkSpinner      *loading_spinner;
  AdwStatusPage   *empty_page;
  MtChartsCanvas  *canvas;
  GtkLabel        *readout;
};

enum {
  PROP_0,
  PROP_LAB,
  PROP_CHART,
  PROP_MODEL,
  PROP_DATASET,
  PROP_KIND,
  PROP_BUSY,
  N_PROPS
};

enum {
  BRANCHES_ACTIVATED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (MtChartsPage, mt_charts_page, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct
{
  MtChartsPage *self;
  GCancellable *cancellable;
} MtChartsRun;

static void
mt_charts_page_toast (MtChartsPage *self,
                      const char   *message)
{
  GtkWidget *overlay;

  g_assert (MT_IS_CHARTS_PAGE (self));

  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    {
      /* Toast titles are markup; messages name files. */
      g_autofree char *escaped = g_markup_escape_text (message, -1);
      AdwToast *toast = adw_toast_new (escaped);

      adw_toast_set_timeout (toast, 8);
      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
    }
  else
    g_warning ("%s", message);
}

static MtPlotChart *
mt_charts_page_current (MtChartsPage *self)
{
  g_assert (MT_IS_CHARTS_PAGE (self));

  return self->charts[self->chart];
}

static gboolean
branch_matches (MtChartsPage          *self,
                const MtBranchMetrics *branch)
{
  return (self->model[0] == '\0' || g_strcmp0 (branch->model, self->model) == 0)
         && (self->dataset[0] == '\0' || g_strcmp0 (branch->dataset, self->dataset) == 0)
         && (self->kind[0] == '\0'
             || g_strcmp0 (mt_interrupt_kind_to_string (branch->kind), self->kind) == 0);
}

typedef struct
{
  MtInterruptKind  kind;
  const char      *model;
  double           x;
  guint            n;
  guint            graded;
  guint            correct;
  guint64          length;
  guint64          rest;
} SummaryPoint;

static int
summary_point_compare (gconstpointer a,
                       gconstpointer b)
{
  const SummaryPoint *pa = a;
  const SummaryPoint *pb = b;
  int cmp;

  if (pa->kind != pb->kind)
    return pa->kind < pb->kind ? -1 : 1;
  if ((cmp = g_strcmp0 (pa->model, pb->model)) != 0)
    return cmp;
  return (pa->x > pb->x) - (pa->x < pb->x);
}

/* One line per point of the accuracy and length charts, from the very
 * branches the chart draws, so a screen reader hears the numbers. */
static void
mt_charts_page_describe_points (MtChartsPage    *self,
                                MtPlotChartKind  chart,
                                GString         *text)
{
  g_autoptr(GArray) points = g_array_new (FALSE, TRUE, sizeof (SummaryPoint));
  guint n_branches = mt_metrics_get_n_branches (self->metrics);
  gboolean several_models = self->model[0] == '\0' && mt_metrics_get_n_models (self->metrics) > 1;

  for (guint i = 0; i < n_branches; i++)
    {
      const MtBranchMetrics *branch = mt_metrics_get_branch (self->metrics, i);
      SummaryPoint *point = NULL;

      if (!branch_matches (self, branch))
        continue;

      for (guint j = 0; j < points->len && point == NULL; j++)
        {
          SummaryPoint *p = &g_array_index (points, SummaryPoint, j);

          if (p->kind == branch->kind && p->x == branch->x
              && (!several_models || g_strcmp0 (p->model, branch->model) == 0))
            point = p;
        }
      if (point == NULL)
        {
          SummaryPoint p = { branch->kind, several_models ? branch->model : NULL, branch->x };

          g_array_append_val (points, p);
          point = &g_array_index (points, SummaryPoint, points->len - 1);
        }

      point->n++;
      if (branch->verdict == MT_VERDICT_CORRECT || branch->verdict == MT_VERDICT_WRONG)
        point->graded++;
      if (branch->verdict == MT_VERDICT_CORRECT)
        point->correct++;
      point->length += branch->length_tokens;
      point->rest += branch->oracle_rest_tokens;
    }

  g_array_sort (points, summary_point_compare);

  for (guint i = 0; i < points->len; i++)
    {
      const SummaryPoint *p = &g_array_index (points, SummaryPoint, i);
      g_autofree char *series = p->model != NULL
        ? g_strdup_printf ("%s · %s", mt_interrupt_kind_to_string (p->kind), p->model)
        : g_strdup (mt_interrupt_kind_to_string (p->kind));

      g_string_append_c (text, '\n');
      if (chart == MT_PLOT_CHART_ACCURACY && p->graded > 0)
        /* Translators: one point of the accuracy chart for screen readers:
         * series, X, accuracy in percent, graded branches */
        g_string_append_printf (text, ngettext ("%s at X = %.2f: %.0f%% correct of %u branch",
                                                "%s at X = %.2f: %.0f%% correct of %u branches",
                                                p->graded),
                                series, p->x, 100.0 * p->correct / p->graded, p->graded);
      else if (chart == MT_PLOT_CHART_LENGTH)
        g_string_append_printf (text, ngettext ("%s at X = %.2f: %.0f tokens on average over %u branch",
                                                "%s at X = %.2f: %.0f tokens on average over %u branches",
                                                p->n),
                                series, p->x, (double)p->length / p->n, p->n);
      else if (chart == MT_PLOT_CHART_LENGTH_RATIO && p->rest > 0)
        g_string_append_printf (text, ngettext ("%s at X = %.2f: %.2f of the oracle's length over %u branch",
                                                "%s at X = %.2f: %.2f of the oracle's length over %u branches",
                                                p->n),
                                series, p->x, (double)p->length / p->rest, p->n);
      else
        g_string_append_printf (text, ngettext ("%s at X = %.2f: %u branch",
                                                "%s at X = %.2f: %u branches", p->n),
                                series, p->x, p->n);
    }
}

/* The chart as text: its title, its series and, where the chart has
 * points, their values. Charts are never pictures only. */
static char *
mt_charts_page_describe (MtChartsPage *self)
{
  MtPlotChart *chart = mt_charts_page_current (self);
  MtPlotChartKind kind = mt_charts_page_get_chart (self);
  GString *text = g_string_new (mt_plot_chart_get_title (chart));
  guint n_series;

  g_string_append (text, ". ");

  if (!mt_plot_chart_has_data (chart))
    {
      g_string_append (text, mt_plot_chart_get_empty_reason (chart));
      return g_string_free (text, FALSE);
    }

  n_series = mt_plot_chart_get_n_series (chart);
  g_string_append_printf (text, ngettext ("%u series:", "%u series:", n_series), n_series);
  for (guint i = 0; i < n_series; i++)
    g_string_append_printf (text, "%s %s", i > 0 ? "," : "",
                            mt_plot_chart_get_series_label (chart, i));
  g_string_append_c (text, '.');

  if (kind == MT_PLOT_CHART_ACCURACY || kind == MT_PLOT_CHART_LENGTH
      || kind == MT_PLOT_CHART_LENGTH_RATIO)
    mt_charts_page_describe_points (self, kind, text);

  return g_string_free (text, FALSE);
}

static void
mt_charts_page_hide_readout (MtChartsPage *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->readout), FALSE);
  gtk_widget_set_cursor (GTK_WIDGET (self->canvas), NULL);
}

/* The keyboard's way to the points: they are found once per picture by
 * asking the chart what is under a fine grid, each at the centre of the
 * cells that found it. */
#define POINT_GRID 3

typedef struct
{
  double x;
  double y;
  guint  n;
} ChartPoint;

static int
chart_point_compare (gconstpointer a,
                     gconstpointer b)
{
  const ChartPoint *pa = a;
  const ChartPoint *pb = b;
  /* Left to right; points in one column (bars, series at one X) top
   * down. */
  int column_a = (int)floor (pa->x / (2 * POINT_GRID));
  int column_b = (int)floor (pb->x / (2 * POINT_GRID));

  if (column_a != column_b)
    return column_a < column_b ? -1 : 1;
  return (pa->y > pb->y) - (pa->y < pb->y);
}

static void
mt_charts_page_forget_points (MtChartsPage *self)
{
  g_clear_pointer (&self->points, g_array_unref);
  self->point = -1;
}

static gboolean
mt_charts_page_find_points (MtChartsPage *self)
{
  MtPlotChart *chart = self->canvas->chart;
  int width = gtk_widget_get_width (GTK_WIDGET (self->canvas));
  int height = gtk_widget_get_height (GTK_WIDGET (self->canvas));
  g_autoptr(GHashTable) found = NULL;
  MtPlotLayout layout;
  GHashTableIter iter;
  ChartPoint *point;

  if (self->points != NULL && self->points_width == width && self->points_height == height)
    return self->points->len > 0;

  mt_charts_page_forget_points (self);
  if (chart == NULL || !mt_plot_chart_has_data (chart)
      || !mt_plot_chart_get_layout (chart, &layout))
    return FALSE;

  found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (double y = MAX (0, layout.plot.y - 2 * POINT_GRID);
       y <= MIN (height, layout.plot.y + layout.plot.height + 2 * POINT_GRID);
       y += POINT_GRID)
    for (double x = MAX (0, layout.plot.x - 2 * POINT_GRID);
         x <= MIN (width, layout.plot.x + layout.plot.width + 2 * POINT_GRID);
         x += POINT_GRID)
      {
        MtPlotHit hit;
        g_autofree char *key = NULL;

        if (!mt_plot_chart_hit_test (chart, x, y, &hit))
          continue;

        /* Only what a click could open. */
        if (hit.branch_ids != NULL && hit.branch_ids->len > 0)
          {
            key = g_strdup_printf ("%s\x1f%.9g\x1f%.9g", hit.series, hit.x, hit.value);
            if ((point = g_hash_table_lookup (found, key)) == NULL)
              {
                point = g_new0 (ChartPoint, 1);
                g_hash_table_insert (found, g_steal_pointer (&key), point);
              }
            point->x += x;
            point->y += y;
            point->n++;
          }
        mt_plot_hit_clear (&hit);
      }

  self->points = g_array_new (FALSE, FALSE, sizeof (ChartPoint));
  self->points_width = width;
  self->points_height = height;
  g_hash_table_iter_init (&iter, found);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&point))
    {
      ChartPoint centre = { point->x / point->n, point->y / point->n, point->n };

      g_array_append_val (self->points, centre);
    }
  g_array_sort (self->points, chart_point_compare);

  return self->points->len > 0;
}

/* Shows the read-out of the point the keyboard is on. */
static void
mt_charts_page_show_point (MtChartsPage *self)
{
  const ChartPoint *point = &g_array_index (self->points, ChartPoint, self->point);
  MtPlotHit hit;

  if (!mt_plot_chart_hit_test (self->canvas->chart, point->x, point->y, &hit))
    {
      mt_charts_page_hide_readout (self);
      return;
    }

  self->pointer_x = point->x;
  self->pointer_y = point->y;
  gtk_label_set_text (self->readout, hit.description);
  gtk_widget_set_visible (GTK_WIDGET (self->readout), TRUE);
  gtk_widget_queue_allocate (gtk_widget_get_parent (GTK_WIDGET (self->readout)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->canvas),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT, hit.description,
                                  -1);
  mt_plot_hit_clear (&hit);
}

static void
move_point_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MtChartsPage *self = MT_CHARTS_PAGE (widget);
  int step = g_variant_get_int32 (parameter);
  int n;

  if (!mt_charts_page_find_points (self))
    return;

  n = self->points->len;
  if (self->point < 0)
    self->point = step > 0 ? 0 : n - 1;
  else
    self->point = ((self->point + step) % n + n) % n;

  mt_charts_page_show_point (self);
}

static void
open_point_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MtChartsPage *self = MT_CHARTS_PAGE (widget);
  const ChartPoint *point;
  g_auto(GStrv) ids = NULL;
  MtPlotHit hit;

  if (self->points == NULL || self->point < 0 || self->point >= (int)self->points->len)
    return;

  point = &g_array_index (self->points, ChartPoint, self->point);
  if (!mt_plot_chart_hit_test (self->canvas->chart, point->x, point->y, &hit))
    return;

  if (hit.branch_ids != NULL && hit.branch_ids->len > 0)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < hit.branch_ids->len; i++)
        g_strv_builder_add (builder, g_ptr_array_index (hit.branch_ids, i));
      ids = g_strv_builder_end (builder);
    }
  mt_plot_hit_clear (&hit);

  if (ids != NULL)
    g_signal_emit (self, signals[BRANCHES_ACTIVATED], 0, ids);
}

/* Shows the current chart, or says why there is none. */
static void
mt_charts_page_update (MtChartsPage *self)
{
  MtPlotChartKind kind;
  MtPlotChart *chart;
  g_autofree char *description = NULL;
  gboolean busy;

  g_assert (MT_IS_CHARTS_PAGE (self));

  kind = mt_charts_page_get_chart (self);
  chart = self->charts[kind];
  busy = mt_charts_page_get_busy (self);

  mt_charts_page_forget_points (self);
  gtk_spinner_set_spinning (self->spinner, busy && self->metrics != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy && self->metrics != NULL);
  mt_charts_page_hide_readout (self);

  if (self->lab == NULL || g_list_model_get_n_items (mt_lab_get_traces (self->lab)) == 0)
    {
      adw_status_page_set_title (self->empty_page, _("No Traces"));
      adw_status_page_set_description (self->empty_page,
                                       _("Open or record traces with interrupted branches "
                                         "to see charts"));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      gtk_spinner_set_spinning (self->loading_spinner, FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "charts.export", FALSE);
      return;
    }

  if (self->metrics == NULL)
    {
      gtk_spinner_set_spinning (self->loading_spinner, TRUE);
      gtk_stack_set_visible_child_name (self->stack, "loading");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "charts.export", FALSE);
      return;
    }

  gtk_spinner_set_spinning (self->loading_spinner, FALSE);

  /* Aggregation happens here, once per change, never in the snapshot. */
  if (self->chart_metrics[kind] != self->metrics || !self->chart_filtered[kind])
    {
      MtInterruptKind filter_kind;

      mt_plot_chart_set_filter (chart,
                                self->model[0] != '\0' ? self->model : NULL,
                                self->dataset[0] != '\0' ? self->dataset : NULL,
                                mt_interrupt_kind_from_string (self->kind, &filter_kind)
                                ? (int)filter_kind : -1);
      mt_plot_chart_set_metrics (chart, self->metrics);
      self->chart_metrics[kind] = self->metrics;
      self->chart_filtered[kind] = TRUE;
    }

  mt_charts_canvas_set_chart (self->canvas, chart);
  description = mt_charts_page_describe (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->canvas),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, mt_plot_chart_get_title (chart),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);

  if (mt_plot_chart_has_data (chart))
    {
      gtk_stack_set_visible_child_name (self->stack, "chart");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "charts.export", TRUE);
    }
  else
    {
      adw_status_page_set_title (self->empty_page, mt_plot_chart_get_title (chart));
      adw_status_page_set_description (self->empty_page, mt_plot_chart_get_empty_reason (chart));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "charts.export", FALSE);
    }
}

/* A filter menu: "All …", then @values; each item sets @action. */
static GMenuModel *
build_menu (const char *action,
            const char *all_label,
            GPtrArray  *values)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();

  {
    g_autoptr(GMenuItem) item = g_menu_item_new (all_label, NULL);

    g_menu_item_set_action_and_target_value (item, action, g_variant_new_string (""));
    g_menu_append_item (menu, item);
  }

  for (guint i = 0; i < values->len; i++)
    {
      const char *value = g_ptr_array_index (values, i);
      g_autoptr(GMenuItem) item = g_menu_item_new (value, NULL);

      g_menu_item_set_action_and_target_value (item, action, g_variant_new_string (value));
      g_menu_append_item (section, item);
    }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));

  return G_MENU_MODEL (g_steal_pointer (&menu));
}

static gboolean
same_values (GPtrArray *a,
             GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (g_strcmp0 (g_ptr_array_index (a, i), g_ptr_array_index (b, i)) != 0)
      return FALSE;
  return TRUE;
}

static gboolean
has_value (GPtrArray  *values,
           const char *value)
{
  for (guint i = 0; i < values->len; i++)
    if (g_strcmp0 (g_ptr_array_index (values, i), value) == 0)
      return TRUE;
  return FALSE;
}

/* The menu buttons say what is chosen. */
static void
mt_charts_page_update_labels (MtChartsPage *self)
{
  gtk_menu_button_set_label (self->chart_button, _(chart_names[self->chart]));
  gtk_menu_button_set_label (self->model_button,
                             self->model[0] != '\0' ? self->model : _("All Models"));
  gtk_menu_button_set_label (self->dataset_button,
                             self->dataset[0] != '\0' ? self->dataset : _("All Datasets"));
  gtk_menu_button_set_label (self->kind_button,
                             self->kind[0] != '\0' ? self->kind : _("All Kinds"));
}

static void
mt_charts_page_invalidate (MtChartsPage *self)
{
  for (guint i = 0; i < N_CHARTS; i++)
    self->chart_filtered[i] = FALSE;
}

/* Sets a filter; "" or NULL keeps everything. */
static void
mt_charts_page_set_filter (MtChartsPage  *self,
                           char         **field,
                           const char    *value,
                           guint          prop_id)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  mt_charts_page_invalidate (self);
  mt_charts_page_update_labels (self);
  mt_charts_page_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* The menus offer what the metrics hold; a choice the metrics no longer
 * hold falls back to all. */
static void
mt_charts_page_update_filters (MtChartsPage *self)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) datasets = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) kinds = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) dataset_names = NULL;
  guint n_interrupts;

  g_assert (MT_IS_CHARTS_PAGE (self));
  g_assert (self->metrics != NULL);

  for (guint i = 0; i < mt_metrics_get_n_models (self->metrics); i++)
    g_ptr_array_add (models, g_strdup (mt_metrics_get_model (self->metrics, i)->model));
  g_ptr_array_sort (models, (GCompareFunc)g_strcmp0);

  dataset_names = mt_plot_list_datasets (self->metrics);
  for (guint i = 0; dataset_names[i] != NULL; i++)
    g_ptr_array_add (datasets, g_strdup (dataset_names[i]));

  n_interrupts = mt_metrics_get_n_interrupts (self->metrics);
  for (MtInterruptKind kind = 0; kind <= MT_INTERRUPT_UPDATE_SPEEDUP; kind++)
    for (guint i = 0; i < n_interrupts; i++)
      if (mt_metrics_get_interrupt (self->metrics, i)->kind == kind)
        {
          g_ptr_array_add (kinds, g_strdup (mt_interrupt_kind_to_string (kind)));
          break;
        }

  if (!same_values (models, self->models))
    {
      g_autoptr(GMenuModel) menu = build_menu ("charts.model", _("All Models"), models);

      gtk_menu_button_set_menu_model (self->model_button, menu);
      g_clear_pointer (&self->models, g_ptr_array_unref);
      self->models = g_steal_pointer (&models);
      if (!has_value (self->models, self->model))
        mt_charts_page_set_filter (self, &self->model, "", PROP_MODEL);
    }

  if (!same_values (datasets, self->datasets))
    {
      g_autoptr(GMenuModel) menu = build_menu ("charts.dataset", _("All Datasets"), datasets);

      gtk_menu_button_set_menu_model (self->dataset_button, menu);
      g_clear_pointer (&self->datasets, g_ptr_array_unref);
      self->datasets = g_steal_pointer (&datasets);
      if (!has_value (self->datasets, self->dataset))
        mt_charts_page_set_filter (self, &self->dataset, "", PROP_DATASET);
    }

  if (!same_values (kinds, self->kinds))
    {
      g_autoptr(GMenuModel) menu = build_menu ("charts.kind", _("All Kinds"), kinds);

      gtk_menu_button_set_menu_model (self->kind_button, menu);
      g_clear_pointer (&self->kinds, g_ptr_array_unref);
      self->kinds = g_steal_pointer (&kinds);
      if (!has_value (self->kinds, self->kind))
        mt_charts_page_set_filter (self, &self->kind, "", PROP_KIND);
    }
}

static void
mt_charts_page_set_metrics (MtChartsPage *self,
                            MtMetrics    *metrics)
{
  g_assert (MT_IS_CHARTS_PAGE (self));

  if (!g_set_object (&self->metrics, metrics))
    return;

  if (metrics != NULL)
    mt_charts_page_update_filters (self);

  mt_charts_page_update (self);
}

static void
mt_charts_run_free (MtChartsRun *run)
{
  g_clear_object (&run->self);
  g_clear_object (&run->cancellable);
  g_free (run);
}

static void
mt_charts_page_progress_cb (MtMetrics *partial,
                            gpointer   user_data)
{
  MtChartsRun *run = user_data;
  MtChartsPage *self = run->self;

  if (g_cancellable_is_cancelled (run->cancellable))
    return;

  /* Partial results that cover less than the charts show would make them
   * jump back while a new run catches up. */
  if (self->metrics != NULL
      && mt_metrics_get_n_analysed (partial) <= mt_metrics_get_n_analysed (self->metrics))
    return;

  mt_charts_page_set_metrics (self, partial);
}

static void
mt_charts_page_run_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  MtChartsRun *run = user_data;
  MtChartsPage *self = run->self;
  g_autoptr(MtMetrics) metrics = NULL;
  g_autoptr(GError) error = NULL;

  metrics = mt_analysis_run_finish (MT_LAB (object), result, &error);

  if (!g_cancellable_is_cancelled (run->cancellable))
    {
      g_clear_object (&self->cancellable);

      if (metrics != NULL)
        mt_charts_page_set_metrics (self, metrics);
      else
        mt_charts_page_toast (self, error->message);

      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
      mt_charts_page_update (self);
    }

  mt_charts_run_free (run);
}

static void
mt_charts_page_run (MtChartsPage *self)
{
  MtAnalysisOptions options;
  MtChartsRun *run;

  g_assert (MT_IS_CHARTS_PAGE (self));

  g_clear_handle_id (&self->quiet_id, g_source_remove);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  self->dirty = FALSE;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->lab == NULL || g_list_model_get_n_items (mt_lab_get_traces (self->lab)) == 0)
    {
      mt_charts_page_set_metrics (self, NULL);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
      mt_charts_page_update (self);
      return;
    }

  self->cancellable = g_cancellable_new ();

  run = g_new0 (MtChartsRun, 1);
  run->self = g_object_ref (self);
  run->cancellable = g_object_ref (self->cancellable);

  mt_analysis_options_init (&options);
  mt_settings_read_thresholds (self->settings, &options.thresholds);
  mt_analysis_run_async (self->lab, &options, self->cancellable,
                         mt_charts_page_progress_cb, run,
                         mt_charts_page_run_cb, run);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  mt_charts_page_update (self);
}

static gboolean
mt_charts_page_run_cb_source (gpointer user_data)
{
  MtChartsPage *self = user_data;

  self->quiet_id = 0;
  self->deadline_id = 0;
  mt_charts_page_run (self);

  return G_SOURCE_REMOVE;
}

static gboolean
mt_charts_page_quiet_cb (gpointer user_data)
{
  MtChartsPage *self = user_data;

  g_clear_handle_id (&self->deadline_id, g_source_remove);
  return mt_charts_page_run_cb_source (self);
}

static gboolean
mt_charts_page_deadline_cb (gpointer user_data)
{
  MtChartsPage *self = user_data;

  g_clear_handle_id (&self->quiet_id, g_source_remove);
  return mt_charts_page_run_cb_source (self);
}

/* Runs the analysis again once the lab has been quiet for a moment; a
 * hidden page waits until it is shown. */
static void
mt_charts_page_schedule (MtChartsPage *self)
{
  g_assert (MT_IS_CHARTS_PAGE (self));

  self->dirty = TRUE;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;

  g_clear_handle_id (&self->quiet_id, g_source_remove);
  self->quiet_id = g_timeout_add (QUIET_MS, mt_charts_page_quiet_cb, self);
  if (self->deadline_id == 0)
    self->deadline_id = g_timeout_add (MAX_DELAY_MS, mt_charts_page_deadline_cb, self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* Another diagnosis threshold in Preferences changes the failure rates. */
static void
mt_charts_page_settings_changed_cb (MtChartsPage *self,
                                    const char   *key,
                                    GSettings    *settings)
{
  g_assert (MT_IS_CHARTS_PAGE (self));

  if (self->lab != NULL && mt_settings_is_threshold_key (key))
    mt_charts_page_schedule (self);
}

static void
mt_charts_page_traces_changed_cb (MtChartsPage *self,
                                  guint         position,
                                  guint         removed,
                                  guint         added,
                                  GListModel   *traces)
{
  g_assert (MT_IS_CHARTS_PAGE (self));

  mt_charts_page_schedule (self);
}

static void
motion_cb (MtChartsPage             *self,
           double                    x,
           double                    y,
           GtkEventControllerMotion *controller)
{
  MtPlotChart *chart = self->canvas->chart;
  MtPlotHit hit;

  if (chart == NULL || !mt_plot_chart_hit_test (chart, x, y, &hit))
    {
      mt_charts_page_hide_readout (self);
      return;
    }

  self->pointer_x = x;
  self->pointer_y = y;
  gtk_label_set_text (self->readout, hit.description);
  gtk_widget_set_visible (GTK_WIDGET (self->readout), TRUE);
  gtk_widget_queue_allocate (gtk_widget_get_parent (GTK_WIDGET (self->readout)));
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->canvas),
                                   hit.branch_ids != NULL && hit.branch_ids->len > 0
                                   ? "pointer" : NULL);
  mt_plot_hit_clear (&hit);
}

/* The read-out sits beside the pointer, on whichever side keeps it
 * inside the chart. */
#define READOUT_OFFSET 16

static gboolean
get_child_position_cb (MtChartsPage *self,
                       GtkWidget    *child,
                       GdkRectangle *allocation,
                       GtkOverlay   *overlay)
{
  int width = gtk_widget_get_width (GTK_WIDGET (overlay));
  int height = gtk_widget_get_height (GTK_WIDGET (overlay));
  GtkRequisition natural;

  if (child != GTK_WIDGET (self->readout))
    return FALSE;

  gtk_widget_get_preferred_size (child, NULL, &natural);
  allocation->width = MIN (natural.width, width);
  allocation->height = MIN (natural.height, height);

  allocation->x = self->pointer_x + READOUT_OFFSET;
  if (allocation->x + allocation->width > width
      && self->pointer_x - READOUT_OFFSET - allocation->width >= 0)
    allocation->x = self->pointer_x - READOUT_OFFSET - allocation->width;
  allocation->y = self->pointer_y + READOUT_OFFSET;
  if (allocation->y + allocation->height > height)
    allocation->y = self->pointer_y - READOUT_OFFSET - allocation->height;

  allocation->x = CLAMP (allocation->x, 0, MAX (0, width - allocation->width));
  allocation->y = CLAMP (allocation->y, 0, MAX (0, height - allocation->height));
  return TRUE;
}

static void
leave_cb (MtChartsPage             *self,
          GtkEventControllerMotion *controller)
{
  mt_charts_page_hide_readout (self);
}

static void
released_cb (MtChartsPage   *self,
             int             n_press,
             double          x,
             double          y,
             GtkGestureClick *gesture)
{
  MtPlotChart *chart = self->canvas->chart;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) ids = NULL;
  MtPlotHit hit;

  if (n_press != 1 || chart == NULL || !mt_plot_chart_hit_test (chart, x, y, &hit))
    return;

  if (hit.branch_ids != NULL && hit.branch_ids->len > 0)
    {
      builder = g_strv_builder_new ();
      for (guint i = 0; i < hit.branch_ids->len; i++)
        g_strv_builder_add (builder, g_ptr_array_index (hit.branch_ids, i));
      ids = g_strv_builder_end (builder);
    }
  mt_plot_hit_clear (&hit);

  if (ids != NULL)
    g_signal_emit (self, signals[BRANCHES_ACTIVATED], 0, ids);
}

/* The format a file name asks for by its extension. */
static gboolean
format_from_name (const char   *name,
                  MtPlotFormat *format)
{
  const char *dot = strrchr (name, '.');
  g_autofree char *lower = NULL;

  if (dot == NULL)
    return FALSE;

  lower = g_ascii_strdown (dot + 1, -1);
  return mt_plot_format_from_string (lower, format);
}

GFile *
_mt_charts_page_resolve_export (GFile        *chosen,
                                MtPlotFormat *format)
{
  g_autofree char *name = g_file_get_basename (chosen);
  g_autofree char *with_extension = NULL;
  g_autoptr(GFile) parent = NULL;

  g_return_val_if_fail (G_IS_FILE (chosen), NULL);
  g_return_val_if_fail (format != NULL, NULL);

  /* An extension typed in the name wins over the filter; without one the
   * filter's format adds it. */
  if (format_from_name (name, format))
    return g_object_ref (chosen);

  parent = g_file_get_parent (chosen);
  with_extension = g_strdup_printf ("%s.%s", name, mt_plot_format_to_string (*format));
  return g_file_get_child (parent, with_extension);
}

static void
export_response_cb (MtChartsPage         *self,
                    int                   response,
                    GtkFileChooserNative *native)
{
  g_assert (MT_IS_CHARTS_PAGE (self));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      GtkFileChooser *chooser = GTK_FILE_CHOOSER (native);
      g_autoptr(GFile) chosen = gtk_file_chooser_get_file (chooser);
      g_autoptr(GFile) file = NULL;
      g_autoptr(GError) error = NULL;
      GtkFileFilter *filter = gtk_file_chooser_get_filter (chooser);
      const char *dpi_choice = gtk_file_chooser_get_choice (chooser, "dpi");
      MtPlotFormat format = MT_PLOT_FORMAT_PNG;
      double dpi = 300;

      if (dpi_choice != NULL)
        dpi = g_ascii_strtod (dpi_choice, NULL);
      if (filter != NULL)
        format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (filter), "mt-format"));

      file = _mt_charts_page_resolve_export (chosen, &format);

      if (!_mt_charts_page_export_to (self, file, format, dpi, &error))
        mt_charts_page_toast (self, error->message);
      else
        {
          g_autofree char *shown = g_file_get_basename (file);
          g_autofree char *message = g_strdup_printf (_("Exported “%s”"), shown);

          mt_charts_page_toast (self, message);
        }
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (native));
  g_object_unref (native);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  mt_charts_page_export (MT_CHARTS_PAGE (widget));
}

static void
mt_charts_page_map (GtkWidget *widget)
{
  MtChartsPage *self = MT_CHARTS_PAGE (widget);

  GTK_WIDGET_CLASS (mt_charts_page_parent_class)->map (widget);

  if (self->dirty)
    mt_charts_page_schedule (self);
}

static void
mt_charts_page_dispose (GObject *object)
{
  MtChartsPage *self = MT_CHARTS_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), MT_TYPE_CHARTS_PAGE);

  g_clear_handle_id (&self->quiet_id, g_source_remove);
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  if (self->lab != NULL)
    g_signal_handlers_disconnect_by_func (mt_lab_get_traces (self->lab),
                                          mt_charts_page_traces_changed_cb, self);
  g_clear_object (&self->lab);
  g_clear_object (&self->metrics);
  for (guint i = 0; i < N_CHARTS; i++)
    g_clear_object (&self->charts[i]);

  G_OBJECT_CLASS (mt_charts_page_parent_class)->dispose (object);
}

static void
mt_charts_page_finalize (GObject *object)
{
  MtChartsPage *self = MT_CHARTS_PAGE (object);

  g_clear_pointer (&self->model, g_free);
  g_clear_pointer (&self->dataset, g_free);
  g_clear_pointer (&self->models, g_ptr_array_unref);
  g_clear_pointer (&self->datasets, g_ptr_array_unref);
  g_clear_pointer (&self->kind, g_free);
  g_clear_pointer (&self->kinds, g_ptr_array_unref);
  g_clear_pointer (&self->points, g_array_unref);

  G_OBJECT_CLASS (mt_charts_page_parent_class)->finalize (object);
}

static void
mt_charts_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  MtChartsPage *self = MT_CHARTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_LAB:
      g_value_set_object (value, self->lab);
      break;

    case PROP_CHART:
      g_value_set_int (value, mt_charts_page_get_chart (self));
      break;

    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;

    case PROP_DATASET:
      g_value_set_string (value, self->dataset);
      break;

    case PROP_KIND:
      g_value_set_string (value, self->kind);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, mt_charts_page_get_busy (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_charts_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  MtChartsPage *self = MT_CHARTS_PAGE (object);

  switch (prop_id)
    {
    case PROP_LAB:
      mt_charts_page_set_lab (self, g_value_get_object (value));
      break;

    case PROP_CHART:
      mt_charts_page_set_chart (self, g_value_get_int (value));
      break;

    case PROP_MODEL:
      mt_charts_page_set_filter (self, &self->model, g_value_get_string (value), prop_id);
      break;

    case PROP_DATASET:
      mt_charts_page_set_filter (self, &self->dataset, g_value_get_string (value), prop_id);
      break;

    case PROP_KIND:
      mt_charts_page_set_filter (self, &self->kind, g_value_get_string (value), prop_id);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_charts_page_class_init (MtChartsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = mt_charts_page_dispose;
  object_class->finalize = mt_charts_page_finalize;
  object_class->get_property = mt_charts_page_get_property;
  object_class->set_property = mt_charts_page_set_property;

  widget_class->map = mt_charts_page_map;

  properties[PROP_LAB] =
    g_param_spec_object ("lab", NULL, NULL,
                         MT_TYPE_LAB,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_CHART] =
    g_param_spec_int ("chart", NULL, NULL,
                      MT_PLOT_CHART_ACCURACY, MT_PLOT_CHART_MARKER_DENSITY,
                      MT_PLOT_CHART_ACCURACY,
                      (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MODEL] =
    g_param_spec_string ("model", NULL, NULL,
                         "",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DATASET] =
    g_param_spec_string ("dataset", NULL, NULL,
                         "",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_KIND] =
    g_param_spec_string ("kind", NULL, NULL,
                         "",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MtChartsPage::branches-activated:
   * @ids: the ids of the branches behind the point clicked
   */
  signals[BRANCHES_ACTIVATED] =
    g_signal_new ("branches-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRV);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/midthought/Midthought/mt-charts-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, toolbar);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, chart_button);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, model_button);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, dataset_button);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, kind_button);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, export_button);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, canvas);
  gtk_widget_class_bind_template_child (widget_class, MtChartsPage, readout);
  gtk_widget_class_bind_template_callback (widget_class, get_child_position_cb);

  gtk_widget_class_install_property_action (widget_class, "charts.chart", "chart");
  gtk_widget_class_install_property_action (widget_class, "charts.model", "model");
  gtk_widget_class_install_property_action (widget_class, "charts.dataset", "dataset");
  gtk_widget_class_install_property_action (widget_class, "charts.kind", "kind");
  gtk_widget_class_install_action (widget_class, "charts.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "charts.move-point", "i", move_point_action);
  gtk_widget_class_install_action (widget_class, "charts.open-point", NULL, open_point_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "charts.export", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "chartspage");

  g_type_ensure (MT_TYPE_CHARTS_CANVAS);
}

static void
mt_charts_page_init (MtChartsPage *self)
{
  GtkEventController *motion;
  GtkEventController *shortcuts;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);

  self->point = -1;
  self->model = g_strdup ("");
  self->dataset = g_strdup ("");
  self->kind = g_strdup ("");
  self->models = g_ptr_array_new_with_free_func (g_free);
  self->datasets = g_ptr_array_new_with_free_func (g_free);
  self->kinds = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < N_CHARTS; i++)
    self->charts[i] = mt_plot_chart_new (i);

  self->settings = mt_settings_try_new ();
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed",
                             G_CALLBACK (mt_charts_page_settings_changed_cb), self,
                             G_CONNECT_SWAPPED);

  {
    g_autoptr(GPtrArray) none = g_ptr_array_new ();
    g_autoptr(GMenuModel) models = build_menu ("charts.model", _("All Models"), none);
    g_autoptr(GMenuModel) datasets = build_menu ("charts.dataset", _("All Datasets"), none);
    g_autoptr(GMenuModel) kinds = build_menu ("charts.kind", _("All Kinds"), none);

    gtk_menu_button_set_menu_model (self->model_button, models);
    gtk_menu_button_set_menu_model (self->dataset_button, datasets);
    gtk_menu_button_set_menu_model (self->kind_button, kinds);
  }
  mt_charts_page_update_labels (self);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect_object (motion, "motion", G_CALLBACK (motion_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (motion, "leave", G_CALLBACK (leave_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->canvas), motion);

  /* The points are a keyboard stop of their own: arrows walk them, Enter
   * opens the branches behind one, as a click does. */
  gtk_widget_set_focusable (GTK_WIDGET (self->canvas), TRUE);
  shortcuts = gtk_shortcut_controller_new ();
  for (guint i = 0; i < 3; i++)
    {
      static const guint keys[3][2] = {
        { GDK_KEY_Right, GDK_KEY_Down },
        { GDK_KEY_Left, GDK_KEY_Up },
        { GDK_KEY_Return, GDK_KEY_space },
      };
      GtkShortcut *shortcut;

      shortcut = gtk_shortcut_new (gtk_alternative_trigger_new (gtk_keyval_trigger_new (keys[i][0], 0),
                                                                gtk_keyval_trigger_new (keys[i][1], 0)),
                                   gtk_named_action_new (i < 2 ? "charts.move-point"
                                                               : "charts.open-point"));
      if (i < 2)
        gtk_shortcut_set_arguments (shortcut, g_variant_new_int32 (i == 0 ? 1 : -1));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), shortcut);
    }
  gtk_widget_add_controller (GTK_WIDGET (self->canvas), shortcuts);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect_object (click, "released", G_CALLBACK (released_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->canvas), GTK_EVENT_CONTROLLER (click));

  mt_charts_page_update (self);
}

GtkWidget *
mt_charts_page_new (void)
{
  return g_object_new (MT_TYPE_CHARTS_PAGE, NULL);
}

MtLab *
mt_charts_page_get_lab (MtChartsPage *self)
{
  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), NULL);

  return self->lab;
}

void
mt_charts_page_set_lab (MtChartsPage *self,
                        MtLab        *lab)
{
  g_return_if_fail (MT_IS_CHARTS_PAGE (self));
  g_return_if_fail (!lab || MT_IS_LAB (lab));

  if (self->lab == lab)
    return;

  if (self->lab != NULL)
    g_signal_handlers_disconnect_by_func (mt_lab_get_traces (self->lab),
                                          mt_charts_page_traces_changed_cb, self);
  g_set_object (&self->lab, lab);
  if (lab != NULL)
    g_signal_connect_object (mt_lab_get_traces (lab), "items-changed",
                             G_CALLBACK (mt_charts_page_traces_changed_cb), self,
                             G_CONNECT_SWAPPED);

  /* The old lab's numbers must not stand for the new one's. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  mt_charts_page_set_metrics (self, NULL);
  mt_charts_page_update (self);

  if (lab != NULL)
    {
      self->dirty = TRUE;
      if (gtk_widget_get_mapped (GTK_WIDGET (self)))
        mt_charts_page_run (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAB]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

MtPlotChartKind
mt_charts_page_get_chart (MtChartsPage *self)
{
  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), MT_PLOT_CHART_ACCURACY);

  return self->chart;
}

void
mt_charts_page_set_chart (MtChartsPage    *self,
                          MtPlotChartKind  kind)
{
  g_return_if_fail (MT_IS_CHARTS_PAGE (self));
  g_return_if_fail (kind < N_CHARTS);

  if (self->chart == kind)
    return;

  self->chart = kind;
  mt_charts_page_update_labels (self);
  mt_charts_page_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHART]);
}

gboolean
mt_charts_page_get_busy (MtChartsPage *self)
{
  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), FALSE);

  return self->cancellable != NULL || self->quiet_id != 0;
}

void
mt_charts_page_export (MtChartsPage *self)
{
  GtkFileChooserNative *native;
  GtkRoot *root;
  g_autofree char *name = NULL;
  const char *format_labels[] = { N_("PNG Image"), N_("SVG Drawing"), N_("PDF Document") };
  const char *format_types[] = { "image/png", "image/svg+xml", "application/pdf" };
  char *dpi_ids[G_N_ELEMENTS (export_dpis) + 1] = { NULL };
  char *dpi_labels[G_N_ELEMENTS (export_dpis) + 1] = { NULL };

  g_return_if_fail (MT_IS_CHARTS_PAGE (self));

  root = gtk_widget_get_root (GTK_WIDGET (self));
  native = gtk_file_chooser_native_new (_("Export Chart"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);

  /* No extension: the chosen filter adds it, unless one is typed. */
  name = g_strdup (mt_plot_chart_kind_to_string (mt_charts_page_get_chart (self)));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);

  /* One filter per format: the one chosen says the format when the name
   * has no extension. */
  for (MtPlotFormat format = MT_PLOT_FORMAT_PNG; format <= MT_PLOT_FORMAT_PDF; format++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
      g_autofree char *pattern = g_strdup_printf ("*.%s", mt_plot_format_to_string (format));

      gtk_file_filter_set_name (filter, _(format_labels[format]));
      gtk_file_filter_add_mime_type (filter, format_types[format]);
      gtk_file_filter_add_pattern (filter, pattern);
      g_object_set_data (G_OBJECT (filter), "mt-format", GINT_TO_POINTER (format));
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
      if (format == MT_PLOT_FORMAT_PNG)
        gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (native), filter);
    }

  for (guint i = 0; i < G_N_ELEMENTS (export_dpis); i++)
    {
      dpi_ids[i] = g_strdup_printf ("%.0f", export_dpis[i]);
      /* Translators: a resolution for PNG export */
      dpi_labels[i] = g_strdup_printf (_("%.0f dpi"), export_dpis[i]);
    }
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (native), "dpi", _("PNG Resolution"),
                               (const char **)dpi_ids, (const char **)dpi_labels);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (native), "dpi", "300");

  for (guint i = 0; i < G_N_ELEMENTS (export_dpis); i++)
    {
      g_free (dpi_ids[i]);
      g_free (dpi_labels[i]);
    }

  g_signal_connect_object (native, "response", G_CALLBACK (export_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

MtPlotChart *
_mt_charts_page_get_plot_chart (MtChartsPage *self)
{
  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), NULL);

  return mt_charts_page_current (self);
}

MtMetrics *
_mt_charts_page_get_metrics (MtChartsPage *self)
{
  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), NULL);

  return self->metrics;
}

GtkWidget *
_mt_charts_page_get_canvas (MtChartsPage *self)
{
  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), NULL);

  return GTK_WIDGET (self->canvas);
}

const char *
_mt_charts_page_get_state (MtChartsPage *self)
{
  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
_mt_charts_page_get_message (MtChartsPage *self)
{
  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), NULL);

  return adw_status_page_get_description (self->empty_page);
}

char *
_mt_charts_page_dup_description (MtChartsPage *self)
{
  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), NULL);

  return mt_charts_page_describe (self);
}

const char *
_mt_charts_page_get_readout (MtChartsPage *self)
{
  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->readout)))
    return NULL;
  return gtk_label_get_text (self->readout);
}

gboolean
_mt_charts_page_select_filter (MtChartsPage *self,
                               const char   *which,
                               const char   *value)
{
  g_autofree char *action = NULL;
  GPtrArray *values;

  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), FALSE);

  if (g_strcmp0 (which, "model") == 0)
    values = self->models;
  else if (g_strcmp0 (which, "dataset") == 0)
    values = self->datasets;
  else if (g_strcmp0 (which, "kind") == 0)
    values = self->kinds;
  else
    g_return_val_if_reached (FALSE);

  if (value != NULL && !has_value (values, value))
    return FALSE;

  /* As the menu item would. */
  action = g_strconcat ("charts.", which, NULL);
  return gtk_widget_activate_action (GTK_WIDGET (self), action, "s", value != NULL ? value : "");
}

gboolean
_mt_charts_page_export_to (MtChartsPage  *self,
                           GFile         *file,
                           MtPlotFormat   format,
                           double         dpi,
                           GError       **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (MT_IS_CHARTS_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if ((path = g_file_get_path (file)) == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Cannot export to “%s”: choose a local folder"), uri);
      return FALSE;
    }

  return mt_plot_chart_export (mt_charts_page_current (self), path, format,
                               EXPORT_WIDTH, EXPORT_HEIGHT, dpi, MT_PLOT_THEME_PRINT, error);
}
