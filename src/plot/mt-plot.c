/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "mt-plot-private.h"

/* The leakage histogram: bins of a fifth of a decade of the answer ratio,
 * between a hundredth and a thousand times the oracle's answer (ratios
 * beyond go to the end bins). */
#define LEAKAGE_BIN_WIDTH 0.2
#define LEAKAGE_LOG_MIN   -2.0
#define LEAKAGE_LOG_MAX   3.0

/* Larger exports are more than any printer or screen needs and would take
 * gigabytes as PNG. */
#define MAX_EXPORT_PIXELS (20000.0 * 20000.0)

G_DEFINE_FINAL_TYPE (MtPlotChart, mt_plot_chart, G_TYPE_OBJECT)

G_DEFINE_QUARK (mt-plot-error-quark, mt_plot_error)

static const char *chart_names[] = {
  "accuracy", "length", "length-ratio", "leakage", "failure-rates", "marker-density", "timeline",
};
static const char *theme_names[] = { "light", "dark", "print" };
static const char *format_names[] = { "png", "svg", "pdf" };

static gboolean
lookup_name (const char * const *names,
             guint               n_names,
             const char         *name,
             int                *value)
{
  for (guint i = 0; name != NULL && i < n_names; i++)
    {
      if (g_str_equal (names[i], name))
        {
          *value = i;
          return TRUE;
        }
    }
  return FALSE;
}

#define DEFINE_NAMES(prefix, Type, names)                                       \
  const char *                                                                  \
  prefix##_to_string (Type value)                                               \
  {                                                                             \
    g_return_val_if_fail ((guint) value < G_N_ELEMENTS (names), NULL);          \
    return names[value];                                                        \
  }                                                                             \
  gboolean                                                                      \
  prefix##_from_string (const char *name,                                       \
                        Type       *value)                                      \
  {                                                                             \
    int found;                                                                  \
    if (!lookup_name (names, G_N_ELEMENTS (names), name, &found))               \
      return FALSE;                                                             \
    *value = (Type) found;                                                      \
    return TRUE;                                                                \
  }

DEFINE_NAMES (mt_plot_chart_kind, MtPlotChartKind, chart_names)
DEFINE_NAMES (mt_plot_theme, MtPlotTheme, theme_names)
DEFINE_NAMES (mt_plot_format, MtPlotFormat, format_names)

const char *
_mt_plot_failure_label (guint failure)
{
  switch (failure)
    {
    case MT_PLOT_FAILURE_PANIC: return C_("chart", "Panic");
    case MT_PLOT_FAILURE_DOUBT: return C_("chart", "Self-doubt");
    case MT_PLOT_FAILURE_LEAKAGE: return C_("chart", "Leakage");
    default: return C_("chart", "Other errors");
    }
}

const char *
_mt_plot_segment_label (guint segment)
{
  switch (segment)
    {
    case MT_PLOT_SEGMENT_PROMPT: return _("Prompt");
    case MT_PLOT_SEGMENT_REASONING: return _("Reasoning");
    case MT_PLOT_SEGMENT_INTERRUPT: return _("Interrupt");
    default: return _("Answer");
    }
}

void
mt_plot_hit_clear (MtPlotHit *hit)
{
  g_return_if_fail (hit != NULL);

  g_clear_pointer (&hit->series, g_free);
  g_clear_pointer (&hit->description, g_free);
  g_clear_pointer (&hit->branch_ids, g_ptr_array_unref);
}

static void
series_free (MtPlotSeries *series)
{
  for (guint i = 0; i < series->points->len; i++)
    g_clear_pointer (&g_array_index (series->points, MtPlotPoint, i).ids, g_ptr_array_unref);
  g_array_unref (series->points);
  g_free (series->label);
  g_free (series);
}

static void
reference_clear (MtPlotReference *reference)
{
  g_free (reference->label);
}

static void
bar_clear (MtPlotBar *bar)
{
  g_free (bar->label);
  for (guint f = 0; f < MT_PLOT_N_FAILURES; f++)
    g_clear_pointer (&bar->ids[f], g_ptr_array_unref);
}

static void
lane_clear (MtPlotLane *lane)
{
  g_free (lane->id);
  g_free (lane->label);
  g_clear_pointer (&lane->ticks, g_array_unref);
}

/* Drops everything aggregated, ready for aggregate(). */
static void
reset (MtPlotChart *self)
{
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->x_title, g_free);
  g_clear_pointer (&self->y_title, g_free);
  g_clear_pointer (&self->empty_reason, g_free);
  g_ptr_array_set_size (self->series, 0);
  g_array_set_size (self->references, 0);
  g_array_set_size (self->bars, 0);
  g_array_set_size (self->lanes, 0);
  g_ptr_array_set_size (self->tick_labels, 0);
  g_array_set_size (self->tick_shapes, 0);
  self->x_log = FALSE;
  self->y_percent = FALSE;
  self->bands = FALSE;
  self->x_lo = self->y_lo = 0;
  self->x_hi = self->y_hi = 1;
  self->geometry.valid = FALSE;
}

static void
mt_plot_chart_dispose (GObject *object)
{
  MtPlotChart *self = (MtPlotChart *)object;

  /* The aggregated data points into the metrics: drop it first. */
  if (self->series != NULL)
    reset (self);
  g_clear_object (&self->metrics);
  g_clear_object (&self->lab);
  g_clear_object (&self->trace);
  g_clear_object (&self->lexicon);

  G_OBJECT_CLASS (mt_plot_chart_parent_class)->dispose (object);
}

static void
mt_plot_chart_finalize (GObject *object)
{
  MtPlotChart *self = (MtPlotChart *)object;

  g_free (self->model);
  g_free (self->dataset);
  g_free (self->category);
  g_free (self->title);
  g_free (self->x_title);
  g_free (self->y_title);
  g_free (self->empty_reason);
  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->references, g_array_unref);
  g_clear_pointer (&self->bars, g_array_unref);
  g_clear_pointer (&self->lanes, g_array_unref);
  g_clear_pointer (&self->tick_labels, g_ptr_array_unref);
  g_clear_pointer (&self->tick_shapes, g_array_unref);
  g_clear_pointer (&self->geometry.bar_rects, g_array_unref);

  G_OBJECT_CLASS (mt_plot_chart_parent_class)->finalize (object);
}

static void
mt_plot_chart_class_init (MtPlotChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mt_plot_chart_dispose;
  object_class->finalize = mt_plot_chart_finalize;
}

static void
mt_plot_chart_init (MtPlotChart *self)
{
  self->filter_kind = -1;
  self->category = g_strdup (MT_MARKER_HESITATION);
  self->series = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
  self->references = g_array_new (FALSE, TRUE, sizeof (MtPlotReference));
  g_array_set_clear_func (self->references, (GDestroyNotify) reference_clear);
  self->bars = g_array_new (FALSE, TRUE, sizeof (MtPlotBar));
  g_array_set_clear_func (self->bars, (GDestroyNotify) bar_clear);
  self->lanes = g_array_new (FALSE, TRUE, sizeof (MtPlotLane));
  g_array_set_clear_func (self->lanes, (GDestroyNotify) lane_clear);
  self->tick_labels = g_ptr_array_new_with_free_func (g_free);
  self->tick_shapes = g_array_new (FALSE, FALSE, sizeof (MtMarkerShape));
  self->geometry.bar_rects = g_array_new (FALSE, TRUE, sizeof (cairo_rectangle_t));
}

static MtPlotSeries *
add_series (MtPlotChart *self,
            char        *label,
            gboolean     muted)
{
  MtPlotSeries *series = g_new0 (MtPlotSeries, 1);

  series->label = label;
  series->muted = muted;
  series->style = muted ? 0 : self->series->len;
  series->points = g_array_new (FALSE, TRUE, sizeof (MtPlotPoint));
  g_ptr_array_add (self->series, series);
  return series;
}

static void
add_reference (MtPlotChart *self,
               char        *label,
               double       value,
               gboolean     vertical,
               guint        n)
{
  MtPlotReference reference = { label, value, vertical, n };

  g_array_append_val (self->references, reference);
}

static double
ratio (double numerator,
       double denominator)
{
  return denominator > 0 ? numerator / denominator : NAN;
}

static gboolean
record_passes (MtPlotChart           *self,
               const MtBranchMetrics *record)
{
  if (self->model != NULL && g_strcmp0 (record->model, self->model) != 0)
    return FALSE;
  if (self->dataset != NULL && g_strcmp0 (record->dataset, self->dataset) != 0)
    return FALSE;
  if (self->filter_kind >= 0 && (int) record->kind != self->filter_kind)
    return FALSE;
  return TRUE;
}

/* The records that pass the filters, and whether more than one model is
 * among them (then every series names its model). */
static GPtrArray *
filtered_records (MtPlotChart *self,
                  gboolean    *several_models)
{
  GPtrArray *records = g_ptr_array_new ();
  const char *first_model = NULL;

  *several_models = FALSE;
  for (guint i = 0; i < mt_metrics_get_n_branches (self->metrics); i++)
    {
      const MtBranchMetrics *record = mt_metrics_get_branch (self->metrics, i);

      if (!record_passes (self, record))
        continue;
      if (first_model == NULL)
        first_model = record->model;
      else if (!g_str_equal (first_model, record->model))
        *several_models = TRUE;
      g_ptr_array_add (records, (gpointer) record);
    }
  return records;
}

static char *
series_name (const char      *model,
             MtInterruptKind  kind,
             gboolean         with_model)
{
  if (with_model)
    return g_strdup_printf ("%s · %s", mt_interrupt_kind_to_string (kind), model);
  return g_strdup (mt_interrupt_kind_to_string (kind));
}

/* One point of an X chart while it is summed. */
typedef struct
{
  int        x100;
  guint      n;
  guint      graded;
  guint      correct;
  guint      interrupt;
  double     length_tokens;
  double     length_chars;
  double     rest_with_oracle;
  double     length_with_oracle;
  guint      n_with_oracle;
  GPtrArray *ids;
} PointSums;

typedef struct
{
  char   *label;
  GArray *points;  /* PointSums */
} SeriesSums;

static void
series_sums_free (SeriesSums *sums)
{
  g_free (sums->label);
  g_array_unref (sums->points);
  g_free (sums);
}

static int
compare_point_sums (gconstpointer a,
                    gconstpointer b)
{
  const PointSums *x = a;
  const PointSums *y = b;

  return (x->x100 > y->x100) - (x->x100 < y->x100);
}

/* The X charts: accuracy, length and length ratio, one series per kind
 * (and model), one point per position X. */
static void
aggregate_x_chart (MtPlotChart *self)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func ((GDestroyNotify) series_sums_free);
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) models = g_ptr_array_new ();
  g_autoptr(GHashTable) oracles = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                         (GDestroyNotify) g_hash_table_unref);
  gboolean several_models;
  gboolean complete = mt_metrics_is_complete (self->metrics);
  double y_max = 0;

  records = filtered_records (self, &several_models);

  for (guint i = 0; i < records->len; i++)
    {
      const MtBranchMetrics *record = g_ptr_array_index (records, i);
      g_autofree char *label = series_name (record->model, record->kind, several_models);
      SeriesSums *sums = g_hash_table_lookup (index, label);
      GHashTable *model_oracles;
      PointSums *point = NULL;
      int x100 = (int) lround (record->x * 100);

      if (sums == NULL)
        {
          sums = g_new0 (SeriesSums, 1);
          sums->label = g_steal_pointer (&label);
          sums->points = g_array_new (FALSE, TRUE, sizeof (PointSums));
          g_ptr_array_add (order, sums);
          g_hash_table_insert (index, sums->label, sums);
        }

      for (guint p = 0; p < sums->points->len && point == NULL; p++)
        if (g_array_index (sums->points, PointSums, p).x100 == x100)
          point = &g_array_index (sums->points, PointSums, p);
      if (point == NULL)
        {
          g_array_set_size (sums->points, sums->points->len + 1);
          point = &g_array_index (sums->points, PointSums, sums->points->len - 1);
          point->x100 = x100;
          point->interrupt = record->interrupt;
          point->ids = g_ptr_array_new ();
        }

      point->n++;
      if (record->verdict != MT_VERDICT_UNGRADED)
        point->graded++;
      if (record->verdict == MT_VERDICT_CORRECT)
        point->correct++;
      point->length_tokens += record->length_tokens;
      point->length_chars += record->length_chars;
      if (record->oracle_id != NULL)
        {
          point->rest_with_oracle += record->oracle_rest_tokens;
          point->length_with_oracle += record->length_tokens;
          point->n_with_oracle++;
        }
      g_ptr_array_add (point->ids, (gpointer) record->id);

      /* The oracle line: every distinct oracle behind the model's branches. */
      model_oracles = g_hash_table_lookup (oracles, record->model);
      if (model_oracles == NULL)
        {
          model_oracles = g_hash_table_new (g_str_hash, g_str_equal);
          g_hash_table_insert (oracles, (gpointer) record->model, model_oracles);
          g_ptr_array_add (models, (gpointer) record->model);
        }
      if (record->oracle_id != NULL)
        g_hash_table_insert (model_oracles, (gpointer) record->oracle_id,
                             GINT_TO_POINTER (record->oracle_verdict + 1));
    }

  for (guint s = 0; s < order->len; s++)
    {
      SeriesSums *sums = g_ptr_array_index (order, s);
      MtPlotSeries *series = add_series (self, g_strdup (sums->label), FALSE);

      g_array_sort (sums->points, compare_point_sums);

      for (guint p = 0; p < sums->points->len; p++)
        {
          PointSums *point = &g_array_index (sums->points, PointSums, p);
          MtPlotPoint plotted = { point->x100 / 100.0, NAN, NAN, NAN, point->n, point->ids };

          switch (self->kind)
            {
            case MT_PLOT_CHART_ACCURACY:
              plotted.y = ratio (point->correct, point->graded);
              plotted.n = point->graded;
              if (self->dataset == NULL)
                {
                  /* Without a dataset filter the point is exactly one group
                   * of the metrics: reuse its interval. */
                  const MtInterruptMetrics *group =
                    mt_metrics_get_interrupt (self->metrics, point->interrupt);

                  plotted.low = group->ci_low;
                  plotted.high = group->ci_high;
                }
              else if (complete && point->graded > 0)
                mt_bootstrap_accuracy (point->correct, point->graded,
                                       MT_METRICS_BOOTSTRAP_RESAMPLES,
                                       MT_METRICS_BOOTSTRAP_SEED, &plotted.low, &plotted.high);
              break;
            case MT_PLOT_CHART_LENGTH:
              plotted.y = ratio (self->unit == MT_PLOT_UNIT_CHARS
                                 ? point->length_chars : point->length_tokens, point->n);
              break;
            default:
              plotted.y = ratio (point->length_with_oracle, point->rest_with_oracle);
              plotted.n = point->n_with_oracle;
              break;
            }

          point->ids = NULL;
          if (isnan (plotted.y))
            {
              g_clear_pointer (&plotted.ids, g_ptr_array_unref);
              continue;
            }
          y_max = MAX (y_max, isnan (plotted.high) ? plotted.y : MAX (plotted.y, plotted.high));
          self->x_lo = MIN (self->x_lo, plotted.x);
          self->x_hi = MAX (self->x_hi, plotted.x);
          g_array_append_val (series->points, plotted);
        }

      /* A series with nothing gradable says nothing; leave it out. */
      if (series->points->len == 0)
        g_ptr_array_remove (self->series, series);
    }

  for (guint s = 0; s < order->len; s++)
    {
      SeriesSums *sums = g_ptr_array_index (order, s);

      for (guint p = 0; p < sums->points->len; p++)
        g_clear_pointer (&g_array_index (sums->points, PointSums, p).ids, g_ptr_array_unref);
    }

  if (self->kind == MT_PLOT_CHART_ACCURACY)
    {
      for (guint m = 0; m < models->len; m++)
        {
          const char *model = g_ptr_array_index (models, m);
          GHashTable *model_oracles = g_hash_table_lookup (oracles, model);
          GHashTableIter iter;
          gpointer value;
          guint graded = 0, correct = 0;

          g_hash_table_iter_init (&iter, model_oracles);
          while (g_hash_table_iter_next (&iter, NULL, &value))
            {
              MtVerdict verdict = GPOINTER_TO_INT (value) - 1;

              graded += verdict != MT_VERDICT_UNGRADED;
              correct += verdict == MT_VERDICT_CORRECT;
            }
          if (graded == 0)
            continue;
          char *label = several_models ? g_strdup_printf (_("Oracle · %s"), model)
                                       : g_strdup (C_("chart", "Oracle"));

          add_reference (self, label, (double) correct / graded, FALSE, graded);
        }
      self->y_hi = 1;
      self->bands = TRUE;
    }
  else if (self->kind == MT_PLOT_CHART_LENGTH_RATIO)
    {
      add_reference (self, g_strdup (C_("chart", "Oracle")), 1.0, FALSE, 0);
      self->y_hi = MAX (1.0, y_max);
    }
  else
    self->y_hi = y_max > 0 ? y_max : 1;

  if (self->series->len == 0)
    {
      self->empty_reason = g_strdup (records->len == 0
                                     ? _("No interrupted branches match these filters")
                                     : _("None of these branches could be measured"));
      g_array_set_size (self->references, 0);
    }
}

/* The leakage view: how the answers after hard interrupts compare in
 * length with their oracle's, one histogram per kind (and model). */
static void
aggregate_leakage (MtPlotChart *self)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_bins = (guint) lround ((LEAKAGE_LOG_MAX - LEAKAGE_LOG_MIN) / LEAKAGE_BIN_WIDTH);
  gboolean several_models;
  double y_max = 0;
  int lowest = (int) n_bins;
  int highest = -1;
  guint judged = 0;

  records = filtered_records (self, &several_models);

  for (guint i = 0; i < records->len; i++)
    {
      const MtBranchMetrics *record = g_ptr_array_index (records, i);
      g_autofree char *label = NULL;
      MtPlotSeries *series;
      double log_ratio;
      int bin;

      if (!mt_interrupt_kind_may_leak (record->kind) || record->oracle_answer_tokens == 0)
        continue;
      judged++;

      label = series_name (record->model, record->kind, several_models);
      series = g_hash_table_lookup (index, label);
      if (series == NULL)
        {
          series = add_series (self, g_strdup (label), FALSE);
          g_array_set_size (series->points, n_bins);
          for (guint b = 0; b < n_bins; b++)
            {
              MtPlotPoint *point = &g_array_index (series->points, MtPlotPoint, b);

              point->x = LEAKAGE_LOG_MIN + (b + 0.5) * LEAKAGE_BIN_WIDTH;
              point->low = point->high = NAN;
              point->ids = g_ptr_array_new ();
            }
          g_hash_table_insert (index, g_steal_pointer (&label), series);
        }

      /* An empty answer is as short as it gets: the lowest bin. */
      log_ratio = record->answer_tokens > 0
                  ? log10 ((double) record->answer_tokens / record->oracle_answer_tokens)
                  : LEAKAGE_LOG_MIN;
      bin = (int) floor ((log_ratio - LEAKAGE_LOG_MIN) / LEAKAGE_BIN_WIDTH + 1e-9);
      bin = CLAMP (bin, 0, (int) n_bins - 1);
      lowest = MIN (lowest, bin);
      highest = MAX (highest, bin);

      g_array_index (series->points, MtPlotPoint, bin).n++;
      g_ptr_array_add (g_array_index (series->points, MtPlotPoint, bin).ids,
                       (gpointer) record->id);
    }

  if (judged == 0)
    {
      self->empty_reason = g_strdup (_("No hard or force-answer interrupts with an oracle "
                                       "answer match these filters"));
      return;
    }

  /* Shares of each series' branches, over the bins that hold any (and the
   * oracle's 1× always in view). */
  lowest = MIN (lowest, (int) ((0 - LEAKAGE_LOG_MIN) / LEAKAGE_BIN_WIDTH) - 1);
  highest = MAX (highest, (int) ((0 - LEAKAGE_LOG_MIN) / LEAKAGE_BIN_WIDTH));
  for (guint s = 0; s < self->series->len; s++)
    {
      MtPlotSeries *series = g_ptr_array_index (self->series, s);
      guint total = 0;

      for (guint b = 0; b < n_bins; b++)
        total += g_array_index (series->points, MtPlotPoint, b).n;
      for (guint b = 0; b < n_bins; b++)
        {
          MtPlotPoint *point = &g_array_index (series->points, MtPlotPoint, b);

          point->y = 100.0 * point->n / total;
          y_max = MAX (y_max, point->y);
        }
      /* Keep the bins in view only. */
      for (guint b = 0; b < n_bins; b++)
        if ((int) b < lowest || (int) b > highest)
          g_clear_pointer (&g_array_index (series->points, MtPlotPoint, b).ids, g_ptr_array_unref);
      g_array_remove_range (series->points, highest + 1, n_bins - highest - 1);
      g_array_remove_range (series->points, 0, lowest);
    }

  self->x_log = TRUE;
  self->y_percent = TRUE;
  self->x_lo = LEAKAGE_LOG_MIN + lowest * LEAKAGE_BIN_WIDTH;
  self->x_hi = LEAKAGE_LOG_MIN + (highest + 1) * LEAKAGE_BIN_WIDTH;
  self->y_hi = y_max > 0 ? y_max : 1;
  add_reference (self, g_strdup (_("Oracle's answer length")), 0.0, TRUE, 0);
}

static void
aggregate_failures (MtPlotChart *self)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean several_models;
  guint errors = 0;

  records = filtered_records (self, &several_models);

  for (guint i = 0; i < records->len; i++)
    {
      const MtBranchMetrics *record = g_ptr_array_index (records, i);
      g_autofree char *label = series_name (record->model, record->kind, several_models);
      gpointer found;
      MtPlotBar *bar;
      guint failure;

      if (g_hash_table_lookup_extended (index, label, NULL, &found))
        bar = &g_array_index (self->bars, MtPlotBar, GPOINTER_TO_UINT (found));
      else
        {
          g_array_set_size (self->bars, self->bars->len + 1);
          bar = &g_array_index (self->bars, MtPlotBar, self->bars->len - 1);
          bar->label = g_strdup (label);
          for (guint f = 0; f < MT_PLOT_N_FAILURES; f++)
            bar->ids[f] = g_ptr_array_new ();
          g_hash_table_insert (index, g_steal_pointer (&label),
                               GUINT_TO_POINTER (self->bars->len - 1));
        }

      bar->n++;
      if (record->verdict != MT_VERDICT_WRONG)
        continue;

      /* Each error counts once, under the first mode that explains it. */
      if (record->panic == MT_DIAGNOSIS_YES)
        failure = MT_PLOT_FAILURE_PANIC;
      else if (record->doubt == MT_DIAGNOSIS_YES)
        failure = MT_PLOT_FAILURE_DOUBT;
      else if (record->leakage == MT_DIAGNOSIS_YES)
        failure = MT_PLOT_FAILURE_LEAKAGE;
      else
        failure = MT_PLOT_FAILURE_OTHER;
      bar->errors++;
      bar->counts[failure]++;
      g_ptr_array_add (bar->ids[failure], (gpointer) record->id);
      errors++;
    }

  for (guint f = 0; f < MT_PLOT_N_FAILURES; f++)
    add_series (self, g_strdup (_mt_plot_failure_label (f)), FALSE);

  self->y_percent = TRUE;
  self->y_hi = 100;
  if (errors == 0)
    self->empty_reason = g_strdup (records->len == 0
                                   ? _("No interrupted branches match these filters")
                                   : _("No wrong answers among these branches"));
}

static void
aggregate_density (MtPlotChart *self)
{
  MtMarkerLexicon *lexicon = mt_metrics_get_lexicon (self->metrics);
  int category = mt_marker_lexicon_find_category (lexicon, self->category);
  guint n_bins = mt_metrics_get_n_bins (self->metrics);
  double y_max = 0;

  if (category < 0 || n_bins == 0)
    {
      self->empty_reason = g_strdup_printf (_("No marker category “%s”"), self->category);
      return;
    }

  g_free (self->title);
  self->title = g_strdup_printf (_("%s markers along the reasoning"),
                                 mt_marker_lexicon_get_label (lexicon, category));

  if (self->density_by == MT_PLOT_DENSITY_BY_MODEL)
    {
      for (guint m = 0; m < mt_metrics_get_n_models (self->metrics); m++)
        {
          const MtModelMetrics *model = mt_metrics_get_model (self->metrics, m);
          MtPlotSeries *series;

          if (model->traces == 0 || (self->model && g_strcmp0 (self->model, model->model) != 0))
            continue;
          series = add_series (self, g_strdup (model->model), FALSE);
          for (guint b = 0; b < n_bins; b++)
            {
              MtPlotPoint point = { (b + 0.5) / n_bins, model->density[category * n_bins + b],
                                    NAN, NAN, model->traces, NULL };

              y_max = MAX (y_max, point.y);
              g_array_append_val (series->points, point);
            }
        }
    }
  else
    {
      g_autoptr(GPtrArray) records = NULL;
      g_autoptr(GHashTable) series_of_group = g_hash_table_new (NULL, NULL);
      g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autoptr(GHashTable) sums = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      gboolean several_models;

      /* Groups of the filtered branches, merged per kind (and model),
       * weighted by how many branches each holds. */
      records = filtered_records (self, &several_models);
      for (guint i = 0; i < records->len; i++)
        {
          const MtBranchMetrics *record = g_ptr_array_index (records, i);
          g_autofree char *label = series_name (record->model, record->kind, several_models);
          MtPlotSeries *series = g_hash_table_lookup (index, label);

          if (series == NULL)
            {
              series = add_series (self, g_strdup (label), FALSE);
              g_array_set_size (series->points, n_bins);
              for (guint b = 0; b < n_bins; b++)
                {
                  MtPlotPoint *point = &g_array_index (series->points, MtPlotPoint, b);

                  point->x = (b + 0.5) / n_bins;
                  point->low = point->high = NAN;
                  point->ids = g_ptr_array_new ();
                }
              g_hash_table_insert (index, g_steal_pointer (&label), series);
              g_hash_table_insert (sums, series, g_new0 (double, n_bins));
            }

          if (!g_hash_table_contains (series_of_group, GUINT_TO_POINTER (record->interrupt + 1)))
            {
              const MtInterruptMetrics *group =
                mt_metrics_get_interrupt (self->metrics, record->interrupt);
              double *sum = g_hash_table_lookup (sums, series);

              /* Only the branches that pass the filters count, but the
               * group's density is over all of its branches: with a dataset
               * filter this is the group's, as the metrics keep no more. */
              for (guint b = 0; b < n_bins; b++)
                sum[b] += group->density[category * n_bins + b] * group->n;
              g_hash_table_insert (series_of_group, GUINT_TO_POINTER (record->interrupt + 1),
                                   series);
              for (guint b = 0; b < n_bins; b++)
                g_array_index (series->points, MtPlotPoint, b).n += group->n;
            }
          for (guint b = 0; b < n_bins; b++)
            g_ptr_array_add (g_array_index (series->points, MtPlotPoint, b).ids,
                             (gpointer) record->id);
        }

      for (guint s = 0; s < self->series->len; s++)
        {
          MtPlotSeries *series = g_ptr_array_index (self->series, s);
          double *sum = g_hash_table_lookup (sums, series);

          for (guint b = 0; b < n_bins; b++)
            {
              MtPlotPoint *point = &g_array_index (series->points, MtPlotPoint, b);

              point->y = ratio (sum[b], point->n);
              y_max = MAX (y_max, point->y);
            }
        }
    }

  self->y_hi = y_max > 0 ? y_max : 1;
  if (self->series->len == 0)
    self->empty_reason = g_strdup (self->density_by == MT_PLOT_DENSITY_BY_MODEL
                                   ? _("No uninterrupted traces match these filters")
                                   : _("No interrupted branches match these filters"));
}

static guint
count_prompt_tokens (MtTrace *trace)
{
  if (mt_trace_get_usage_prompt_tokens (trace) >= 0)
    return (guint) mt_trace_get_usage_prompt_tokens (trace);
  if (mt_trace_get_prompt (trace) != NULL)
    return mt_count_tokens_approx (mt_trace_get_prompt (trace), -1);
  return 0;
}

/* Marker ticks of @text at @offset + their token on the axis. */
static void
add_ticks (MtPlotChart   *self,
           GArray        *ticks,
           const char    *text,
           MtTokenSpans  *spans,
           double         offset,
           MtMarkerScope  scope)
{
  g_autoptr(GArray) matches = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));

  if (text == NULL || *text == '\0')
    return;
  mt_marker_lexicon_scan (self->lexicon, text, -1, spans, matches, NULL);
  for (guint i = 0; i < matches->len; i++)
    {
      const MtMarkerMatch *match = &g_array_index (matches, MtMarkerMatch, i);
      MtPlotTick tick = { match->category, offset + match->token + 0.5 };

      /* As the metrics count them: hesitation in the reasoning, leakage
       * in the answer. */
      if (!(mt_marker_lexicon_get_scope (self->lexicon, match->category) & scope))
        continue;

      g_array_append_val (ticks, tick);
    }
}

static void
add_lane (MtPlotChart *self,
          MtTrace     *trace,
          int          parent,
          double       fork,
          double       prompt_tokens)
{
  MtPlotLane lane = { 0 };
  MtInterrupt *interrupt = MT_IS_BRANCH (trace) ? mt_branch_get_interrupt (MT_BRANCH (trace))
                                                : NULL;
  double interrupt_tokens = 0;
  double reasoning = mt_trace_get_n_reasoning_tokens (trace);
  double answer = mt_trace_get_n_answer_tokens (trace);
  double at;

  lane.id = g_strdup (mt_trace_get_id (trace));
  lane.parent = parent;
  lane.fork = fork;
  lane.ticks = g_array_new (FALSE, FALSE, sizeof (MtPlotTick));

  if (interrupt != NULL)
    {
      const char *text = mt_interrupt_get_text (interrupt);

      interrupt_tokens = text ? mt_count_tokens_approx (text, -1) : 0;
      lane.label = g_strdup_printf ("%s · X = %.2f", mt_interrupt_kind_to_string (
                                      mt_interrupt_get_kind (interrupt)),
                                    mt_interrupt_get_fraction (interrupt));
    }
  else
    lane.label = g_strdup (mt_trace_get_model (trace) ? mt_trace_get_model (trace) : lane.id);

  at = fork;
  lane.start[MT_PLOT_SEGMENT_PROMPT] = at;
  at += parent < 0 ? prompt_tokens : 0;
  lane.end[MT_PLOT_SEGMENT_PROMPT] = at;
  lane.start[MT_PLOT_SEGMENT_INTERRUPT] = at;
  at += interrupt_tokens;
  lane.end[MT_PLOT_SEGMENT_INTERRUPT] = at;
  lane.start[MT_PLOT_SEGMENT_REASONING] = at;
  add_ticks (self, lane.ticks, mt_trace_get_reasoning (trace),
             mt_trace_get_reasoning_spans (trace), at, MT_MARKER_SCOPE_REASONING);
  at += reasoning;
  lane.end[MT_PLOT_SEGMENT_REASONING] = at;
  lane.start[MT_PLOT_SEGMENT_ANSWER] = at;
  add_ticks (self, lane.ticks, mt_trace_get_answer (trace), mt_trace_get_answer_spans (trace), at,
             MT_MARKER_SCOPE_ANSWER);
  at += answer;
  lane.end[MT_PLOT_SEGMENT_ANSWER] = at;

  self->x_hi = MAX (self->x_hi, at);
  g_array_append_val (self->lanes, lane);
}

/* The trace on top, then its branches depth first, each under its parent
 * and leaving it where the interrupt cut the parent's reasoning. @children
 * maps a trace id to its branches; @seen keeps a lab whose parent ids run
 * in a circle from drawing forever. */
static void
add_branches (MtPlotChart *self,
              GHashTable  *children,
              GHashTable  *seen,
              MtTrace     *parent,
              int          parent_lane)
{
  GPtrArray *branches = g_hash_table_lookup (children, mt_trace_get_id (parent));

  for (guint i = 0; branches != NULL && i < branches->len; i++)
    {
      MtTrace *trace = g_ptr_array_index (branches, i);
      MtPlotLane *lane;
      double fork;
      int index;

      if (!g_hash_table_add (seen, trace))
        continue;

      lane = &g_array_index (self->lanes, MtPlotLane, parent_lane);
      fork = lane->start[MT_PLOT_SEGMENT_REASONING] +
             mt_interrupt_get_token_index (mt_branch_get_interrupt (MT_BRANCH (trace)));
      fork = MIN (fork, lane->end[MT_PLOT_SEGMENT_REASONING]);
      index = self->lanes->len;
      add_lane (self, trace, parent_lane, fork, 0);
      add_branches (self, children, seen, trace, index);
    }
}

static void
aggregate_timeline (MtPlotChart *self)
{
  if (self->trace == NULL)
    {
      self->empty_reason = g_strdup (_("No trace to show"));
      return;
    }

  g_free (self->title);
  self->title = g_strdup_printf (_("Timeline of %s"), mt_trace_get_id (self->trace));
  self->x_hi = 0;
  add_lane (self, self->trace, -1, 0, count_prompt_tokens (self->trace));
  if (self->lab != NULL)
    {
      GListModel *traces = mt_lab_get_traces (self->lab);
      g_autoptr(GHashTable) children = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                              (GDestroyNotify) g_ptr_array_unref);
      g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

      /* One pass over the lab, however many branches the trace has. */
      for (guint i = 0; i < g_list_model_get_n_items (traces); i++)
        {
          g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
          const char *parent_id;
          GPtrArray *branches;

          if (!MT_IS_BRANCH (trace) ||
              (parent_id = mt_branch_get_parent_id (MT_BRANCH (trace))) == NULL)
            continue;
          branches = g_hash_table_lookup (children, parent_id);
          if (branches == NULL)
            {
              branches = g_ptr_array_new_with_free_func (g_object_unref);
              g_hash_table_insert (children, (gpointer) parent_id, branches);
            }
          g_ptr_array_add (branches, g_steal_pointer (&trace));
        }

      g_hash_table_add (seen, self->trace);
      add_branches (self, children, seen, self->trace, 0);
    }

  for (guint c = 0; c < mt_marker_lexicon_get_n_categories (self->lexicon); c++)
    {
      MtMarkerShape shape = mt_marker_lexicon_get_shape (self->lexicon, c);

      g_ptr_array_add (self->tick_labels,
                       g_strdup (mt_marker_lexicon_get_label (self->lexicon, c)));
      g_array_append_val (self->tick_shapes, shape);
    }

  if (self->x_hi <= 0)
    {
      g_array_set_size (self->lanes, 0);
      self->empty_reason = g_strdup_printf (_("Trace %s has no text"),
                                            mt_trace_get_id (self->trace));
      return;
    }
  self->x_title = g_strdup (C_("chart", "Tokens"));
}

static void
aggregate (MtPlotChart *self)
{
  reset (self);

  switch (self->kind)
    {
    case MT_PLOT_CHART_ACCURACY:
      self->title = g_strdup (_("Accuracy after an interrupt"));
      self->x_title = g_strdup (_("Interrupt position X (fraction of the reasoning)"));
      self->y_title = g_strdup (_("Accuracy (Pass@1)"));
      break;
    case MT_PLOT_CHART_LENGTH:
      self->title = g_strdup (_("Length after the interrupt"));
      self->x_title = g_strdup (_("Interrupt position X (fraction of the reasoning)"));
      self->y_title = g_strdup (self->unit == MT_PLOT_UNIT_CHARS
                                ? _("Reasoning + answer (characters)")
                                : _("Reasoning + answer (tokens)"));
      break;
    case MT_PLOT_CHART_LENGTH_RATIO:
      self->title = g_strdup (_("Length after the interrupt, relative to the oracle"));
      self->x_title = g_strdup (_("Interrupt position X (fraction of the reasoning)"));
      self->y_title = g_strdup (_("Length / oracle’s remaining length"));
      break;
    case MT_PLOT_CHART_LEAKAGE:
      self->title = g_strdup (_("Answer length after hard interrupts"));
      self->x_title = g_strdup (_("Answer length / oracle’s answer length (log scale)"));
      self->y_title = g_strdup (_("Share of branches (%)"));
      break;
    case MT_PLOT_CHART_FAILURE_RATES:
      self->title = g_strdup (_("What the wrong answers come from"));
      self->y_title = g_strdup (_("Share of wrong answers (%)"));
      break;
    case MT_PLOT_CHART_MARKER_DENSITY:
      self->title = g_strdup (_("Markers along the reasoning"));
      self->x_title = g_strdup (self->density_by == MT_PLOT_DENSITY_BY_MODEL
                                ? _("Position in the reasoning (0 = start, 1 = end)")
                                : _("Position in the reasoning after the interrupt"));
      self->y_title = g_strdup (_("Markers per run in each slice"));
      break;
    case MT_PLOT_CHART_TIMELINE:
      self->title = g_strdup (C_("chart", "Timeline"));
      aggregate_timeline (self);
      return;
    default:
      g_assert_not_reached ();
    }

  if (self->metrics == NULL)
    {
      self->empty_reason = g_strdup (_("No lab analysed yet"));
      return;
    }

  switch (self->kind)
    {
    case MT_PLOT_CHART_LEAKAGE:
      aggregate_leakage (self);
      break;
    case MT_PLOT_CHART_FAILURE_RATES:
      aggregate_failures (self);
      break;
    case MT_PLOT_CHART_MARKER_DENSITY:
      aggregate_density (self);
      break;
    default:
      aggregate_x_chart (self);
      break;
    }
}

MtPlotChart *
mt_plot_chart_new (MtPlotChartKind kind)
{
  MtPlotChart *self;

  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (chart_names), NULL);

  self = g_object_new (MT_TYPE_PLOT_CHART, NULL);
  self->kind = kind;
  aggregate (self);
  return self;
}

MtPlotChartKind
mt_plot_chart_get_kind (MtPlotChart *self)
{
  g_return_val_if_fail (MT_IS_PLOT_CHART (self), 0);

  return self->kind;
}

void
mt_plot_chart_set_metrics (MtPlotChart *self,
                           MtMetrics   *metrics)
{
  g_return_if_fail (MT_IS_PLOT_CHART (self));
  g_return_if_fail (!metrics || MT_IS_METRICS (metrics));

  /* Aggregates point into the old metrics: drop them before it goes. */
  reset (self);
  g_set_object (&self->metrics, metrics);
  aggregate (self);
}

void
mt_plot_chart_set_trace (MtPlotChart     *self,
                         MtLab           *lab,
                         MtTrace         *trace,
                         MtMarkerLexicon *lexicon)
{
  g_return_if_fail (MT_IS_PLOT_CHART (self));
  g_return_if_fail (!lab || MT_IS_LAB (lab));
  g_return_if_fail (!trace || MT_IS_TRACE (trace));
  g_return_if_fail (!lexicon || MT_IS_MARKER_LEXICON (lexicon));

  g_set_object (&self->lab, lab);
  g_set_object (&self->trace, trace);
  g_clear_object (&self->lexicon);
  self->lexicon = lexicon ? g_object_ref (lexicon) : mt_marker_lexicon_new_default (NULL);
  aggregate (self);
}

void
mt_plot_chart_set_filter (MtPlotChart *self,
                          const char  *model,
                          const char  *dataset,
                          int          kind)
{
  g_return_if_fail (MT_IS_PLOT_CHART (self));

  g_free (self->model);
  self->model = g_strdup (model);
  g_free (self->dataset);
  self->dataset = g_strdup (dataset);
  self->filter_kind = kind < 0 ? -1 : kind;
  aggregate (self);
}

void
mt_plot_chart_set_unit (MtPlotChart *self,
                        MtPlotUnit   unit)
{
  g_return_if_fail (MT_IS_PLOT_CHART (self));

  if (self->unit == unit)
    return;
  self->unit = unit;
  aggregate (self);
}

void
mt_plot_chart_set_density_by (MtPlotChart     *self,
                              MtPlotDensityBy  by)
{
  g_return_if_fail (MT_IS_PLOT_CHART (self));

  if (self->density_by == by)
    return;
  self->density_by = by;
  aggregate (self);
}

gboolean
mt_plot_chart_set_category (MtPlotChart *self,
                            const char  *category)
{
  g_return_val_if_fail (MT_IS_PLOT_CHART (self), FALSE);
  g_return_val_if_fail (category != NULL, FALSE);

  if (self->metrics != NULL &&
      mt_marker_lexicon_find_category (mt_metrics_get_lexicon (self->metrics), category) < 0)
    return FALSE;

  g_free (self->category);
  self->category = g_strdup (category);
  aggregate (self);
  return TRUE;
}

const char *
mt_plot_chart_get_title (MtPlotChart *self)
{
  g_return_val_if_fail (MT_IS_PLOT_CHART (self), NULL);

  return self->title;
}

gboolean
mt_plot_chart_has_data (MtPlotChart *self)
{
  g_return_val_if_fail (MT_IS_PLOT_CHART (self), FALSE);

  return self->empty_reason == NULL;
}

const char *
mt_plot_chart_get_empty_reason (MtPlotChart *self)
{
  g_return_val_if_fail (MT_IS_PLOT_CHART (self), NULL);

  return self->empty_reason;
}

guint
mt_plot_chart_get_n_series (MtPlotChart *self)
{
  g_return_val_if_fail (MT_IS_PLOT_CHART (self), 0);

  if (self->kind == MT_PLOT_CHART_TIMELINE)
    return self->lanes->len;
  return self->series->len;
}

const char *
mt_plot_chart_get_series_label (MtPlotChart *self,
                                guint        index)
{
  g_return_val_if_fail (MT_IS_PLOT_CHART (self), NULL);
  g_return_val_if_fail (index < mt_plot_chart_get_n_series (self), NULL);

  if (self->kind == MT_PLOT_CHART_TIMELINE)
    return g_array_index (self->lanes, MtPlotLane, index).label;
  return ((MtPlotSeries *) g_ptr_array_index (self->series, index))->label;
}

void
mt_plot_chart_paint (MtPlotChart *self,
                     cairo_t     *cr,
                     double       width,
                     double       height,
                     MtPlotTheme  theme)
{
  mt_plot_chart_paint_with_colors (self, cr, width, height, theme, NULL);
}

void
mt_plot_chart_paint_with_colors (MtPlotChart        *self,
                                 cairo_t            *cr,
                                 double              width,
                                 double              height,
                                 MtPlotTheme         theme,
                                 const MtPlotColors *colors)
{
  g_return_if_fail (MT_IS_PLOT_CHART (self));
  g_return_if_fail (cr != NULL);
  g_return_if_fail ((guint) theme < G_N_ELEMENTS (theme_names));

  if (!(width > 0) || !(height > 0))
    return;

  cairo_save (cr);
  _mt_plot_chart_paint (self, cr, width, height, theme, colors);
  cairo_restore (cr);
}

gboolean
mt_plot_chart_get_layout (MtPlotChart  *self,
                          MtPlotLayout *layout)
{
  g_return_val_if_fail (MT_IS_PLOT_CHART (self), FALSE);
  g_return_val_if_fail (layout != NULL, FALSE);

  if (!self->geometry.valid)
    return FALSE;
  *layout = self->geometry.layout;
  return TRUE;
}

static double
map_x (const MtPlotGeometry *g,
       double                x)
{
  const cairo_rectangle_t *plot = &g->layout.plot;

  return plot->x + (x - g->x_min) / (g->x_max - g->x_min) * plot->width;
}

static double
map_y (const MtPlotGeometry *g,
       double                y)
{
  const cairo_rectangle_t *plot = &g->layout.plot;

  return plot->y + plot->height - (y - g->y_min) / (g->y_max - g->y_min) * plot->height;
}

static GPtrArray *
copy_ids (GPtrArray *ids)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; ids != NULL && i < ids->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (ids, i)));
  return copy;
}

static char *
format_value (MtPlotChart *self,
              double       value)
{
  if (self->kind == MT_PLOT_CHART_ACCURACY)
    return g_strdup_printf ("%.1f%%", value * 100);
  if (self->y_percent)
    return g_strdup_printf ("%.1f%%", value);
  if (self->kind == MT_PLOT_CHART_LENGTH)
    return g_strdup_printf ("%.0f", value);
  return g_strdup_printf ("%.3g", value);
}

static gboolean
hit_point (MtPlotChart *self,
           double       x,
           double       y,
           MtPlotHit   *hit)
{
  const MtPlotGeometry *g = &self->geometry;
  const MtPlotSeries *best_series = NULL;
  const MtPlotPoint *best = NULL;
  double best_distance = g->point_radius * 2.5;
  g_autofree char *value = NULL;
  g_autofree char *where = NULL;

  for (guint s = 0; s < self->series->len; s++)
    {
      const MtPlotSeries *series = g_ptr_array_index (self->series, s);

      for (guint p = 0; p < series->points->len; p++)
        {
          const MtPlotPoint *point = &g_array_index (series->points, MtPlotPoint, p);
          double distance;

          if (isnan (point->y))
            continue;
          distance = hypot (map_x (g, point->x) - x, map_y (g, point->y) - y);
          if (distance < best_distance)
            {
              best_distance = distance;
              best = point;
              best_series = series;
            }
        }
    }

  if (best == NULL)
    return FALSE;

  hit->series = g_strdup (best_series->label);
  hit->x = self->x_log ? pow (10, best->x) : best->x;
  hit->value = best->y;
  hit->n = best->n;
  hit->ci_low = best->low;
  hit->ci_high = best->high;
  hit->branch_ids = copy_ids (best->ids);

  value = format_value (self, best->y);
  if (self->kind == MT_PLOT_CHART_LEAKAGE)
    where = g_strdup_printf (_("answer %.2g–%.2g× the oracle’s"),
                             pow (10, best->x - LEAKAGE_BIN_WIDTH / 2),
                             pow (10, best->x + LEAKAGE_BIN_WIDTH / 2));
  else if (self->kind == MT_PLOT_CHART_MARKER_DENSITY)
    where = g_strdup_printf (_("position %.2f"), best->x);
  else
    where = g_strdup_printf ("X = %.2f", best->x);

  if (!isnan (best->low) && !isnan (best->high))
    {
      g_autofree char *low = format_value (self, best->low);
      g_autofree char *high = format_value (self, best->high);

      hit->description = g_strdup_printf (_("%s, %s: %s (95%% interval %s–%s), n = %u"),
                                          best_series->label, where, value, low, high, best->n);
    }
  else
    hit->description = g_strdup_printf (_("%s, %s: %s, n = %u"),
                                        best_series->label, where, value, best->n);
  return TRUE;
}

static gboolean
hit_bar (MtPlotChart *self,
         double       x,
         double       y,
         MtPlotHit   *hit)
{
  GArray *rects = self->geometry.bar_rects;

  for (guint i = 0; i < rects->len; i++)
    {
      const cairo_rectangle_t *r = &g_array_index (rects, cairo_rectangle_t, i);
      const MtPlotBar *bar;
      guint failure = i % MT_PLOT_N_FAILURES;

      if (!(x >= r->x && x < r->x + r->width && y >= r->y && y < r->y + r->height))
        continue;

      bar = &g_array_index (self->bars, MtPlotBar, i / MT_PLOT_N_FAILURES);
      hit->series = g_strdup (_mt_plot_failure_label (failure));
      hit->x = i / MT_PLOT_N_FAILURES;
      hit->value = 100.0 * bar->counts[failure] / bar->errors;
      hit->n = bar->counts[failure];
      hit->ci_low = hit->ci_high = NAN;
      hit->branch_ids = copy_ids (bar->ids[failure]);
      hit->description = g_strdup_printf (_("%s, %s: %u of %u wrong answers (%.1f%%)"),
                                          bar->label, hit->series, bar->counts[failure],
                                          bar->errors, hit->value);
      return TRUE;
    }
  return FALSE;
}

static gboolean
hit_lane (MtPlotChart *self,
          double       x,
          double       y,
          MtPlotHit   *hit)
{
  const MtPlotGeometry *g = &self->geometry;
  double token = g->x_min + (x - g->layout.plot.x) / g->layout.plot.width * (g->x_max - g->x_min);
  int index = (int) floor ((y - g->lane_top) / g->lane_step);
  const MtPlotLane *lane;
  double offset;
  double slack;

  if (index < 0 || (guint) index >= self->lanes->len)
    return FALSE;
  offset = y - g->lane_top - index * g->lane_step;
  if (offset > g->lane_height)
    return FALSE;

  /* Two pixels of slack, so a short segment is still easy to point at. */
  slack = 2 * (g->x_max - g->x_min) / g->layout.plot.width;
  lane = &g_array_index (self->lanes, MtPlotLane, index);
  if (token < lane->start[MT_PLOT_SEGMENT_PROMPT] - slack ||
      token > lane->end[MT_PLOT_SEGMENT_ANSWER] + slack)
    return FALSE;

  hit->series = g_strdup (lane->label);
  hit->x = token;
  hit->value = token;
  hit->n = 1;
  hit->ci_low = hit->ci_high = NAN;
  hit->branch_ids = g_ptr_array_new_with_free_func (g_free);
  if (lane->parent >= 0)
    g_ptr_array_add (hit->branch_ids, g_strdup (lane->id));

  for (guint s = 0; s < MT_PLOT_N_SEGMENTS; s++)
    {
      if (token >= lane->start[s] && token < lane->end[s])
        {
          hit->description = g_strdup_printf (_("%s: %s, token %.0f"), lane->id,
                                              _mt_plot_segment_label (s),
                                              token - lane->start[MT_PLOT_SEGMENT_PROMPT]);
          return TRUE;
        }
    }
  hit->description = g_strdup (lane->id);
  return TRUE;
}

gboolean
mt_plot_chart_hit_test (MtPlotChart *self,
                        double       x,
                        double       y,
                        MtPlotHit   *hit)
{
  g_return_val_if_fail (MT_IS_PLOT_CHART (self), FALSE);
  g_return_val_if_fail (hit != NULL, FALSE);

  if (!self->geometry.valid || self->empty_reason != NULL)
    return FALSE;

  memset (hit, 0, sizeof *hit);
  switch (self->kind)
    {
    case MT_PLOT_CHART_FAILURE_RATES:
      return hit_bar (self, x, y, hit);
    case MT_PLOT_CHART_TIMELINE:
      return hit_lane (self, x, y, hit);
    default:
      return hit_point (self, x, y, hit);
    }
}

static cairo_status_t
write_to_bytes (void                *closure,
                const unsigned char *data,
                unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
check_cairo (cairo_status_t   status,
             const char      *path,
             GError         **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, MT_PLOT_ERROR, MT_PLOT_ERROR_CAIRO,
               _("Could not draw %s: %s"), path, cairo_status_to_string (status));
  return FALSE;
}

gboolean
mt_plot_chart_export (MtPlotChart   *self,
                      const char    *path,
                      MtPlotFormat   format,
                      double         width,
                      double         height,
                      double         dpi,
                      MtPlotTheme    theme,
                      GError       **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  double scale = dpi / 72.0;

  g_return_val_if_fail (MT_IS_PLOT_CHART (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail ((guint) format < G_N_ELEMENTS (format_names), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!(width >= 1 && height >= 1 && isfinite (width) && isfinite (height)))
    {
      g_set_error (error, MT_PLOT_ERROR, MT_PLOT_ERROR_SIZE,
                   _("A figure needs a width and height of at least 1 point, not %g × %g"),
                   width, height);
      return FALSE;
    }
  if (!(dpi >= 1 && isfinite (dpi)) ||
      (format == MT_PLOT_FORMAT_PNG &&
       ceil (width * scale) * ceil (height * scale) > MAX_EXPORT_PIXELS))
    {
      g_set_error (error, MT_PLOT_ERROR, MT_PLOT_ERROR_SIZE,
                   _("%g × %g points at %g dpi is not a size a PNG can have; "
                     "use a smaller size or resolution"), width, height, dpi);
      return FALSE;
    }

  switch (format)
    {
    case MT_PLOT_FORMAT_PNG:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil (width * scale),
                                            (int) ceil (height * scale));
      break;
    case MT_PLOT_FORMAT_SVG:
      surface = cairo_svg_surface_create_for_stream (write_to_bytes, bytes, width, height);
      break;
    default:
      surface = cairo_pdf_surface_create_for_stream (write_to_bytes, bytes, width, height);
      if (cairo_surface_status (surface) == CAIRO_STATUS_SUCCESS)
        {
          cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, self->title);
          cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Midthought");
        }
      break;
    }

  cr = cairo_create (surface);
  if (format == MT_PLOT_FORMAT_PNG)
    cairo_scale (cr, scale, scale);
  mt_plot_chart_paint (self, cr, width, height, theme);
  status = cairo_status (cr);
  cairo_destroy (cr);

  if (status == CAIRO_STATUS_SUCCESS && format == MT_PLOT_FORMAT_PNG)
    status = cairo_surface_write_to_png_stream (surface, write_to_bytes, bytes);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (!check_cairo (status, path, error))
    return FALSE;

  /* g_file_set_contents() writes beside @path and renames: a failed
   * export never leaves half a figure behind. */
  return g_file_set_contents (path, (const char *) bytes->data, bytes->len, error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

GStrv
mt_plot_list_datasets (MtMetrics *metrics)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  g_return_val_if_fail (MT_IS_METRICS (metrics), NULL);

  for (guint i = 0; i < mt_metrics_get_n_branches (metrics); i++)
    {
      const char *dataset = mt_metrics_get_branch (metrics, i)->dataset;

      if (dataset != NULL && g_hash_table_add (seen, (gpointer) dataset))
        g_ptr_array_add (names, g_strdup (dataset));
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}
