/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mt-analysis-private.h"
#include "mt-metrics.h"

struct _MtMetrics
{
  GObject          parent_instance;

  MtMarkerLexicon *lexicon;
  guint            n_bins;
  gboolean         complete;
  guint            n_analysed;
  guint            n_traces;
  GArray          *models;      /* MtModelMetrics, owning its strings and tables */
  GArray          *interrupts;  /* MtInterruptMetrics */
  GArray          *scores;      /* MtInterruptibility */
  GArray          *branches;    /* MtBranchMetrics; strings point into the items' traces */
  GPtrArray       *traces;      /* keeps those traces (and their strings) alive */
};

G_DEFINE_FINAL_TYPE (MtMetrics, mt_metrics, G_TYPE_OBJECT)

static void
model_metrics_clear (MtModelMetrics *model)
{
  g_free ((char *) model->model);
  g_free ((guint *) model->markers);
  g_free ((double *) model->density);
}

static void
interrupt_metrics_clear (MtInterruptMetrics *interrupt)
{
  g_free ((char *) interrupt->model);
  g_free ((guint *) interrupt->markers);
  g_free ((double *) interrupt->density);
}

static void
interruptibility_clear (MtInterruptibility *score)
{
  g_free ((char *) score->model);
}

static void
mt_metrics_dispose (GObject *object)
{
  MtMetrics *self = (MtMetrics *)object;

  g_clear_object (&self->lexicon);
  g_clear_pointer (&self->traces, g_ptr_array_unref);

  G_OBJECT_CLASS (mt_metrics_parent_class)->dispose (object);
}

static void
mt_metrics_finalize (GObject *object)
{
  MtMetrics *self = (MtMetrics *)object;

  g_clear_pointer (&self->models, g_array_unref);
  g_clear_pointer (&self->interrupts, g_array_unref);
  g_clear_pointer (&self->scores, g_array_unref);
  g_clear_pointer (&self->branches, g_array_unref);

  G_OBJECT_CLASS (mt_metrics_parent_class)->finalize (object);
}

static void
mt_metrics_class_init (MtMetricsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mt_metrics_dispose;
  object_class->finalize = mt_metrics_finalize;
}

static void
mt_metrics_init (MtMetrics *self)
{
  self->models = g_array_new (FALSE, TRUE, sizeof (MtModelMetrics));
  g_array_set_clear_func (self->models, (GDestroyNotify) model_metrics_clear);
  self->interrupts = g_array_new (FALSE, TRUE, sizeof (MtInterruptMetrics));
  g_array_set_clear_func (self->interrupts, (GDestroyNotify) interrupt_metrics_clear);
  self->scores = g_array_new (FALSE, TRUE, sizeof (MtInterruptibility));
  g_array_set_clear_func (self->scores, (GDestroyNotify) interruptibility_clear);
  self->branches = g_array_new (FALSE, TRUE, sizeof (MtBranchMetrics));
  self->traces = g_ptr_array_new_with_free_func (g_object_unref);
}

MtMarkerLexicon *
mt_metrics_get_lexicon (MtMetrics *self)
{
  g_return_val_if_fail (MT_IS_METRICS (self), NULL);
  return self->lexicon;
}

guint
mt_metrics_get_n_bins (MtMetrics *self)
{
  g_return_val_if_fail (MT_IS_METRICS (self), 0);
  return self->n_bins;
}

gboolean
mt_metrics_is_complete (MtMetrics *self)
{
  g_return_val_if_fail (MT_IS_METRICS (self), FALSE);
  return self->complete;
}

guint
mt_metrics_get_n_analysed (MtMetrics *self)
{
  g_return_val_if_fail (MT_IS_METRICS (self), 0);
  return self->n_analysed;
}

guint
mt_metrics_get_n_traces (MtMetrics *self)
{
  g_return_val_if_fail (MT_IS_METRICS (self), 0);
  return self->n_traces;
}

guint
mt_metrics_get_n_models (MtMetrics *self)
{
  g_return_val_if_fail (MT_IS_METRICS (self), 0);
  return self->models->len;
}

const MtModelMetrics *
mt_metrics_get_model (MtMetrics *self,
                      guint      index)
{
  g_return_val_if_fail (MT_IS_METRICS (self), NULL);
  g_return_val_if_fail (index < self->models->len, NULL);
  return &g_array_index (self->models, MtModelMetrics, index);
}

const MtModelMetrics *
mt_metrics_lookup_model (MtMetrics  *self,
                         const char *model)
{
  g_return_val_if_fail (MT_IS_METRICS (self), NULL);

  for (guint i = 0; model != NULL && i < self->models->len; i++)
    if (g_str_equal (g_array_index (self->models, MtModelMetrics, i).model, model))
      return &g_array_index (self->models, MtModelMetrics, i);
  return NULL;
}

guint
mt_metrics_get_n_interrupts (MtMetrics *self)
{
  g_return_val_if_fail (MT_IS_METRICS (self), 0);
  return self->interrupts->len;
}

const MtInterruptMetrics *
mt_metrics_get_interrupt (MtMetrics *self,
                          guint      index)
{
  g_return_val_if_fail (MT_IS_METRICS (self), NULL);
  g_return_val_if_fail (index < self->interrupts->len, NULL);
  return &g_array_index (self->interrupts, MtInterruptMetrics, index);
}

guint
mt_metrics_get_n_branches (MtMetrics *self)
{
  g_return_val_if_fail (MT_IS_METRICS (self), 0);

  return self->branches->len;
}

const MtBranchMetrics *
mt_metrics_get_branch (MtMetrics *self,
                       guint      index)
{
  g_return_val_if_fail (MT_IS_METRICS (self), NULL);
  g_return_val_if_fail (index < self->branches->len, NULL);

  return &g_array_index (self->branches, MtBranchMetrics, index);
}

guint
mt_metrics_get_n_scores (MtMetrics *self)
{
  g_return_val_if_fail (MT_IS_METRICS (self), 0);
  return self->scores->len;
}

const MtInterruptibility *
mt_metrics_get_score (MtMetrics *self,
                      guint      index)
{
  g_return_val_if_fail (MT_IS_METRICS (self), NULL);
  g_return_val_if_fail (index < self->scores->len, NULL);
  return &g_array_index (self->scores, MtInterruptibility, index);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

void
mt_bootstrap_accuracy (guint    correct,
                       guint    n,
                       guint    resamples,
                       guint32  seed,
                       double  *low,
                       double  *high)
{
  g_autoptr(GRand) rand = NULL;
  g_autofree double *means = NULL;

  g_return_if_fail (correct <= n);
  g_return_if_fail (low != NULL && high != NULL);

  *low = *high = NAN;
  if (n == 0 || resamples == 0)
    return;

  rand = g_rand_new_with_seed (seed);
  means = g_new (double, resamples);

  /* Outcomes sorted correct-first, so "index < correct" is a correct draw. */
  for (guint r = 0; r < resamples; r++)
    {
      guint hits = 0;

      for (guint i = 0; i < n; i++)
        hits += (guint) g_rand_int_range (rand, 0, n) < correct;
      means[r] = (double) hits / n;
    }

  qsort (means, resamples, sizeof (double), compare_doubles);
  *low = means[MAX ((guint) ceil (0.025 * resamples), 1) - 1];
  *high = means[MAX ((guint) ceil (0.975 * resamples), 1) - 1];
}

typedef struct
{
  double x;
  double y;
} Point;

static int
compare_points (gconstpointer a,
                gconstpointer b)
{
  return compare_doubles (&((const Point *) a)->x, &((const Point *) b)->x);
}

double
mt_interruptibility_score (const double *x,
                           const double *y,
                           guint         n)
{
  g_autofree Point *points = g_new (Point, MAX (n, 1));
  guint n_points = 0;
  double area;

  g_return_val_if_fail (n == 0 || (x != NULL && y != NULL), NAN);

  for (guint i = 0; i < n; i++)
    if (x[i] >= 0.0 && x[i] <= 1.0 && !isnan (y[i]))
      points[n_points++] = (Point) { x[i], y[i] };
  if (n_points == 0)
    return NAN;

  qsort (points, n_points, sizeof (Point), compare_points);

  area = points[0].x * points[0].y + (1.0 - points[n_points - 1].x) * points[n_points - 1].y;
  for (guint i = 1; i < n_points; i++)
    area += (points[i].x - points[i - 1].x) * (points[i].y + points[i - 1].y) / 2.0;

  return area;
}

static double
ratio (double numerator,
       double denominator)
{
  return denominator > 0 ? numerator / denominator : NAN;
}

typedef struct
{
  guint    traces;
  guint    branches;
  guint    graded;
  guint    correct;
  guint64  reasoning_tokens;
  guint64  answer_tokens;
  guint64  reasoning_chars;
  guint64  answer_chars;
  guint   *markers;
  double  *density;
} ModelSums;

typedef struct
{
  guint            model;
  MtInterruptKind  kind;
  int              x100;
  guint            n;
  guint            graded;
  guint            correct;
  guint64          length_tokens;
  guint64          length_chars;
  double           length_numerator, length_denominator;
  double           answer_numerator, answer_denominator;
  double           compute_numerator, compute_denominator;
  guint            panic_yes, panic_judged;
  guint            doubt_yes, doubt_judged;
  guint            leakage_yes, leakage_judged;
  double           leakage_ratio_sum;
  guint            leakage_ratios;
  guint           *markers;
  double          *density;   /* n_categories x n_bins, summed over the branches */
  GHashTable      *oracles;   /* item indices */
  guint            index;     /* in the sorted groups */
} GroupSums;

static void
group_sums_free (GroupSums *group)
{
  g_free (group->markers);
  g_free (group->density);
  g_hash_table_unref (group->oracles);
  g_free (group);
}

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  const GroupSums *x = *(GroupSums * const *) a;
  const GroupSums *y = *(GroupSums * const *) b;

  if (x->model != y->model)
    return x->model < y->model ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  return (x->x100 > y->x100) - (x->x100 < y->x100);
}

/* Accuracy over a set of oracles (item indices). */
static double
oracle_accuracy (MtAnalysisItem *items,
                 GHashTable     *oracles)
{
  GHashTableIter iter;
  gpointer key;
  guint graded = 0, correct = 0;

  g_hash_table_iter_init (&iter, oracles);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const MtAnalysisItem *oracle = &items[GPOINTER_TO_UINT (key) - 1];

      if (oracle->facts.verdict != MT_VERDICT_UNGRADED)
        graded++;
      if (oracle->facts.verdict == MT_VERDICT_CORRECT)
        correct++;
    }
  return ratio (correct, graded);
}

static const char *
item_model (MtAnalysisItem *items,
            MtAnalysisItem *item)
{
  const char *model = mt_trace_get_model (item->trace);

  if (model == NULL && item->oracle >= 0)
    model = mt_trace_get_model (items[item->oracle].trace);
  return model ? model : "unknown";
}

static void
diagnose_ready (MtAnalysisItem              *items,
                guint                        n_items,
                MtMarkerLexicon             *lexicon,
                const MtDiagnosisThresholds *thresholds)
{
  for (guint i = 0; i < n_items; i++)
    {
      MtAnalysisItem *item = &items[i];
      MtAnalysisItem *oracle = item->oracle >= 0 ? &items[item->oracle] : NULL;
      MtProblem *problem;
      MtDiagnoses diagnoses;

      if (!item->is_branch || !item->ready || item->diagnosed || (oracle && !oracle->ready))
        continue;

      problem = mt_trace_get_problem (item->trace);
      _mt_diagnose (item->kind, item->interrupt_token, &item->facts,
                    oracle ? &oracle->facts : NULL, lexicon,
                    problem ? mt_problem_get_grader (problem) : NULL, thresholds, &diagnoses);
      item->leakage = diagnoses.leakage.verdict;
      item->panic = diagnoses.panic.verdict;
      item->doubt = diagnoses.doubt.verdict;
      item->leakage_ratio = diagnoses.leakage.token_ratio;
      item->diagnosed = TRUE;
      mt_diagnoses_clear (&diagnoses);
    }
}

static void
add_scoped_counts (guint              *totals,
                   const MtTraceFacts *facts,
                   MtMarkerLexicon    *lexicon)
{
  for (guint c = 0; c < facts->n_categories; c++)
    {
      MtMarkerScope scope = mt_marker_lexicon_get_scope (lexicon, c);

      if (scope & MT_MARKER_SCOPE_REASONING)
        totals[c] += facts->reasoning_counts[c];
      if (scope & MT_MARKER_SCOPE_ANSWER)
        totals[c] += facts->answer_counts[c];
    }
}

static void
count_verdict (MtDiagnosisVerdict  verdict,
               guint              *yes,
               guint              *judged)
{
  if (verdict == MT_DIAGNOSIS_NOT_APPLICABLE)
    return;
  (*judged)++;
  if (verdict == MT_DIAGNOSIS_YES)
    (*yes)++;
}

static void
add_branch (GroupSums      *group,
            MtAnalysisItem *items,
            MtAnalysisItem *item)
{
  const MtTraceFacts *facts = &item->facts;
  guint length = facts->reasoning_tokens + facts->answer_tokens;

  group->n++;
  if (facts->verdict != MT_VERDICT_UNGRADED)
    group->graded++;
  if (facts->verdict == MT_VERDICT_CORRECT)
    group->correct++;
  group->length_tokens += length;
  group->length_chars += facts->reasoning_chars + facts->answer_chars;

  if (item->oracle >= 0)
    {
      const MtTraceFacts *oracle = &items[item->oracle].facts;
      guint T = _mt_trace_facts_get_oracle_tokens (oracle, NULL);
      guint k = item->interrupt_token;

      group->length_numerator += length;
      group->length_denominator += (T > k ? T - k : 0) + oracle->answer_tokens;
      group->answer_numerator += facts->answer_tokens;
      group->answer_denominator += oracle->answer_tokens;
      group->compute_numerator += (double) k + length;
      group->compute_denominator += (double) T + oracle->answer_tokens;
      g_hash_table_add (group->oracles, GUINT_TO_POINTER (item->oracle + 1));
    }

  count_verdict (item->panic, &group->panic_yes, &group->panic_judged);
  count_verdict (item->doubt, &group->doubt_yes, &group->doubt_judged);
  count_verdict (item->leakage, &group->leakage_yes, &group->leakage_judged);
  if (item->leakage != MT_DIAGNOSIS_NOT_APPLICABLE && !isnan (item->leakage_ratio))
    {
      group->leakage_ratio_sum += item->leakage_ratio;
      group->leakage_ratios++;
    }
}

/* The diagnosed branches, one record each; @groups holds each one's group. */
static void
add_branch_records (MtMetrics      *self,
                    MtAnalysisItem *items,
                    GArray         *indices,
                    GPtrArray      *groups)
{
  g_array_set_size (self->branches, indices->len);

  for (guint i = 0; i < indices->len; i++)
    {
      MtAnalysisItem *item = &items[g_array_index (indices, guint, i)];
      MtBranchMetrics *record = &g_array_index (self->branches, MtBranchMetrics, i);
      GroupSums *group = g_ptr_array_index (groups, i);
      MtProblem *problem = mt_trace_get_problem (item->trace);

      /* The strings belong to the trace, which the metrics keep. */
      g_ptr_array_add (self->traces, g_object_ref (item->trace));
      record->id = mt_trace_get_id (item->trace);
      record->model = g_array_index (self->interrupts, MtInterruptMetrics, group->index).model;
      /* Interned: a handful of names, safe from later edits of the problem. */
      record->dataset = problem ? g_intern_string (mt_problem_get_source (problem)) : NULL;
      record->kind = item->kind;
      record->x = group->x100 / 100.0;
      record->interrupt = group->index;
      record->verdict = item->facts.verdict;
      record->oracle_verdict = MT_VERDICT_UNGRADED;
      record->leakage = item->leakage;
      record->panic = item->panic;
      record->doubt = item->doubt;
      record->length_tokens = item->facts.reasoning_tokens + item->facts.answer_tokens;
      record->length_chars = item->facts.reasoning_chars + item->facts.answer_chars;
      record->answer_tokens = item->facts.answer_tokens;
      record->leakage_ratio = item->leakage == MT_DIAGNOSIS_NOT_APPLICABLE
                              ? NAN : item->leakage_ratio;

      if (item->oracle >= 0)
        {
          MtAnalysisItem *oracle = &items[item->oracle];
          guint T = _mt_trace_facts_get_oracle_tokens (&oracle->facts, NULL);
          guint k = item->interrupt_token;

          g_ptr_array_add (self->traces, g_object_ref (oracle->trace));
          record->oracle_id = mt_trace_get_id (oracle->trace);
          record->oracle_verdict = oracle->facts.verdict;
          record->oracle_answer_tokens = oracle->facts.answer_tokens;
          record->oracle_rest_tokens = (T > k ? T - k : 0) + oracle->facts.answer_tokens;
        }
    }
}

static void
build_scores (MtMetrics      *self,
              MtAnalysisItem *items,
              GPtrArray      *groups)
{
  for (guint first = 0; first < groups->len;)
    {
      GroupSums *head = g_ptr_array_index (groups, first);
      g_autoptr(GHashTable) oracles = g_hash_table_new (NULL, NULL);
      g_autofree double *x = g_new (double, groups->len);
      g_autofree double *y = g_new (double, groups->len);
      MtInterruptibility score = { 0 };
      guint last, n_points = 0;

      for (last = first; last < groups->len; last++)
        {
          GroupSums *group = g_ptr_array_index (groups, last);
          GHashTableIter iter;
          gpointer key;

          if (group->model != head->model || group->kind != head->kind)
            break;
          g_hash_table_iter_init (&iter, group->oracles);
          while (g_hash_table_iter_next (&iter, &key, NULL))
            g_hash_table_add (oracles, key);
        }

      score.model = g_strdup (g_array_index (self->models, MtModelMetrics, head->model).model);
      score.kind = head->kind;
      score.oracle_accuracy = oracle_accuracy (items, oracles);

      for (guint i = first; i < last; i++)
        {
          GroupSums *group = g_ptr_array_index (groups, i);

          if (group->graded == 0)
            continue;
          x[n_points] = group->x100 / 100.0;
          y[n_points] = ((double) group->correct / group->graded) / score.oracle_accuracy;
          n_points++;
        }
      score.n_positions = n_points;
      score.interruptibility = score.oracle_accuracy > 0
                               ? mt_interruptibility_score (x, y, n_points) : NAN;
      g_array_append_val (self->scores, score);
      first = last;
    }
}

MtMetrics *
_mt_metrics_build (MtAnalysisItem              *items,
                   guint                        n_items,
                   MtMarkerLexicon             *lexicon,
                   const MtDiagnosisThresholds *thresholds,
                   guint                        n_bins,
                   gboolean                     complete)
{
  g_autoptr(MtMetrics) self = g_object_new (MT_TYPE_METRICS, NULL);
  g_autoptr(GHashTable) model_index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) group_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) sums = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_sums_free);
  g_autoptr(GPtrArray) branch_groups = g_ptr_array_new ();
  g_autoptr(GArray) branch_items = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n_categories = mt_marker_lexicon_get_n_categories (lexicon);

  self->lexicon = g_object_ref (lexicon);
  self->n_bins = n_bins;
  self->complete = complete;
  self->n_traces = n_items;

  diagnose_ready (items, n_items, lexicon, thresholds);

  for (guint i = 0; i < n_items; i++)
    {
      MtAnalysisItem *item = &items[i];
      const char *model;
      ModelSums *model_sums;
      gpointer found;
      guint m;

      if (!item->ready)
        continue;
      self->n_analysed++;

      model = item_model (items, item);
      if (g_hash_table_lookup_extended (model_index, model, NULL, &found))
        m = GPOINTER_TO_UINT (found);
      else
        {
          /* One allocation: the sums, then density, then markers. */
          model_sums = g_malloc0 (sizeof (ModelSums) + n_categories * n_bins * sizeof (double) +
                                  n_categories * sizeof (guint));
          model_sums->density = (double *) (gpointer) ((char *) model_sums + sizeof (ModelSums));
          model_sums->markers = (guint *) (model_sums->density + n_categories * n_bins);
          m = sums->len;
          g_ptr_array_add (sums, model_sums);
          g_ptr_array_add (names, (gpointer) model);
          g_hash_table_insert (model_index, (gpointer) model, GUINT_TO_POINTER (m));
        }
      model_sums = g_ptr_array_index (sums, m);

      if (item->is_branch)
        {
          g_autofree char *key = NULL;
          GroupSums *group;
          int x100 = (int) lround (item->fraction * 100.0);

          model_sums->branches++;
          if (!item->diagnosed)
            continue;

          key = g_strdup_printf ("%u/%d/%d", m, item->kind, x100);
          group = g_hash_table_lookup (group_index, key);
          if (group == NULL)
            {
              group = g_new0 (GroupSums, 1);
              group->model = m;
              group->kind = item->kind;
              group->x100 = x100;
              group->markers = g_new0 (guint, n_categories);
              group->density = g_new0 (double, n_categories * n_bins);
              group->oracles = g_hash_table_new (NULL, NULL);
              g_ptr_array_add (groups, group);
              g_hash_table_insert (group_index, g_steal_pointer (&key), group);
            }
          add_branch (group, items, item);
          add_scoped_counts (group->markers, &item->facts, lexicon);
          for (guint b = 0; b < n_categories * n_bins && item->facts.n_bins == n_bins; b++)
            group->density[b] += item->facts.density[b];
          g_ptr_array_add (branch_groups, group);
          g_array_append_val (branch_items, i);
          continue;
        }

      model_sums->traces++;
      if (item->facts.verdict != MT_VERDICT_UNGRADED)
        model_sums->graded++;
      if (item->facts.verdict == MT_VERDICT_CORRECT)
        model_sums->correct++;
      model_sums->reasoning_tokens += item->facts.reasoning_tokens;
      model_sums->answer_tokens += item->facts.answer_tokens;
      model_sums->reasoning_chars += item->facts.reasoning_chars;
      model_sums->answer_chars += item->facts.answer_chars;
      add_scoped_counts (model_sums->markers, &item->facts, lexicon);
      for (guint b = 0; b < n_categories * n_bins && item->facts.n_bins == n_bins; b++)
        model_sums->density[b] += item->facts.density[b];
    }

  for (guint m = 0; m < sums->len; m++)
    {
      ModelSums *model_sums = g_ptr_array_index (sums, m);
      MtModelMetrics model = { 0 };
      double *density = g_new0 (double, n_categories * n_bins);

      for (guint b = 0; b < n_categories * n_bins; b++)
        density[b] = ratio (model_sums->density[b], model_sums->traces);

      model.model = g_strdup (g_ptr_array_index (names, m));
      model.traces = model_sums->traces;
      model.branches = model_sums->branches;
      model.graded = model_sums->graded;
      model.correct = model_sums->correct;
      model.accuracy = ratio (model_sums->correct, model_sums->graded);
      model.reasoning_tokens_mean = ratio (model_sums->reasoning_tokens, model_sums->traces);
      model.answer_tokens_mean = ratio (model_sums->answer_tokens, model_sums->traces);
      model.reasoning_chars_mean = ratio (model_sums->reasoning_chars, model_sums->traces);
      model.answer_chars_mean = ratio (model_sums->answer_chars, model_sums->traces);
      model.markers = g_memdup2 (model_sums->markers, n_categories * sizeof (guint));
      model.density = density;
      g_array_append_val (self->models, model);
    }

  g_ptr_array_sort (groups, compare_groups);
  for (guint g = 0; g < groups->len; g++)
    {
      GroupSums *group = g_ptr_array_index (groups, g);
      MtInterruptMetrics interrupt = { 0 };
      double *density = g_new0 (double, n_categories * n_bins);

      group->index = g;
      for (guint b = 0; b < n_categories * n_bins; b++)
        density[b] = ratio (group->density[b], group->n);

      interrupt.model = g_strdup (g_ptr_array_index (names, group->model));
      interrupt.kind = group->kind;
      interrupt.x = group->x100 / 100.0;
      interrupt.n = group->n;
      interrupt.graded = group->graded;
      interrupt.correct = group->correct;
      interrupt.accuracy = ratio (group->correct, group->graded);
      interrupt.ci_low = interrupt.ci_high = NAN;
      if (complete)
        mt_bootstrap_accuracy (group->correct, group->graded, MT_METRICS_BOOTSTRAP_RESAMPLES,
                               MT_METRICS_BOOTSTRAP_SEED, &interrupt.ci_low, &interrupt.ci_high);
      interrupt.oracle_accuracy = oracle_accuracy (items, group->oracles);
      interrupt.length_tokens_mean = ratio (group->length_tokens, group->n);
      interrupt.length_chars_mean = ratio (group->length_chars, group->n);
      interrupt.length_ratio = ratio (group->length_numerator, group->length_denominator);
      interrupt.answer_ratio = ratio (group->answer_numerator, group->answer_denominator);
      interrupt.compute_ratio = ratio (group->compute_numerator, group->compute_denominator);
      interrupt.panic_rate = ratio (group->panic_yes, group->panic_judged);
      interrupt.doubt_rate = ratio (group->doubt_yes, group->doubt_judged);
      interrupt.leakage_rate = ratio (group->leakage_yes, group->leakage_judged);
      interrupt.leakage_ratio_mean = ratio (group->leakage_ratio_sum, group->leakage_ratios);
      interrupt.markers = g_memdup2 (group->markers, n_categories * sizeof (guint));
      interrupt.density = density;
      g_array_append_val (self->interrupts, interrupt);
    }

  add_branch_records (self, items, branch_items, branch_groups);

  build_scores (self, items, groups);

  return g_steal_pointer (&self);
}

static void
add_number (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  if (isnan (value) || isinf (value))
    json_builder_add_null_value (builder);
  else
    json_builder_add_double_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_markers (JsonBuilder     *builder,
             MtMarkerLexicon *lexicon,
             const guint     *markers)
{
  json_builder_set_member_name (builder, "markers");
  json_builder_begin_object (builder);
  for (guint c = 0; c < mt_marker_lexicon_get_n_categories (lexicon); c++)
    add_int (builder, mt_marker_lexicon_get_id (lexicon, c), markers[c]);
  json_builder_end_object (builder);
}

JsonNode *
mt_metrics_to_json (MtMetrics *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint n_categories;

  g_return_val_if_fail (MT_IS_METRICS (self), NULL);

  n_categories = mt_marker_lexicon_get_n_categories (self->lexicon);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "complete");
  json_builder_add_boolean_value (builder, self->complete);
  add_int (builder, "traces", self->n_traces);
  add_int (builder, "analysed", self->n_analysed);

  json_builder_set_member_name (builder, "categories");
  json_builder_begin_array (builder);
  for (guint c = 0; c < n_categories; c++)
    {
      json_builder_begin_object (builder);
      add_string (builder, "id", mt_marker_lexicon_get_id (self->lexicon, c));
      add_string (builder, "label", mt_marker_lexicon_get_label (self->lexicon, c));
      add_string (builder, "shape",
                  mt_marker_shape_to_string (mt_marker_lexicon_get_shape (self->lexicon, c)));
      add_string (builder, "scope",
                  mt_marker_scope_to_string (mt_marker_lexicon_get_scope (self->lexicon, c)));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "models");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->models->len; i++)
    {
      const MtModelMetrics *model = &g_array_index (self->models, MtModelMetrics, i);

      json_builder_begin_object (builder);
      add_string (builder, "model", model->model);
      add_int (builder, "traces", model->traces);
      add_int (builder, "branches", model->branches);
      add_int (builder, "graded", model->graded);
      add_int (builder, "correct", model->correct);
      add_number (builder, "accuracy", model->accuracy);
      add_number (builder, "reasoning_tokens_mean", model->reasoning_tokens_mean);
      add_number (builder, "answer_tokens_mean", model->answer_tokens_mean);
      add_number (builder, "reasoning_chars_mean", model->reasoning_chars_mean);
      add_number (builder, "answer_chars_mean", model->answer_chars_mean);
      add_markers (builder, self->lexicon, model->markers);

      json_builder_set_member_name (builder, "density");
      json_builder_begin_object (builder);
      for (guint c = 0; c < n_categories; c++)
        {
          json_builder_set_member_name (builder, mt_marker_lexicon_get_id (self->lexicon, c));
          json_builder_begin_array (builder);
          for (guint b = 0; b < self->n_bins; b++)
            {
              double value = model->density[c * self->n_bins + b];

              if (isnan (value))
                json_builder_add_null_value (builder);
              else
                json_builder_add_double_value (builder, value);
            }
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "interrupts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->interrupts->len; i++)
    {
      const MtInterruptMetrics *interrupt = &g_array_index (self->interrupts,
                                                            MtInterruptMetrics, i);

      json_builder_begin_object (builder);
      add_string (builder, "model", interrupt->model);
      add_string (builder, "kind", mt_interrupt_kind_to_string (interrupt->kind));
      add_number (builder, "x", interrupt->x);
      add_int (builder, "n", interrupt->n);
      add_int (builder, "graded", interrupt->graded);
      add_int (builder, "correct", interrupt->correct);
      add_number (builder, "accuracy", interrupt->accuracy);
      json_builder_set_member_name (builder, "ci");
      json_builder_begin_array (builder);
      for (guint end = 0; end < 2; end++)
        {
          double value = end == 0 ? interrupt->ci_low : interrupt->ci_high;

          if (isnan (value))
            json_builder_add_null_value (builder);
          else
            json_builder_add_double_value (builder, value);
        }
      json_builder_end_array (builder);
      add_number (builder, "oracle_accuracy", interrupt->oracle_accuracy);
      add_number (builder, "length_tokens_mean", interrupt->length_tokens_mean);
      add_number (builder, "length_chars_mean", interrupt->length_chars_mean);
      add_number (builder, "length_ratio", interrupt->length_ratio);
      add_number (builder, "answer_ratio", interrupt->answer_ratio);
      add_number (builder, "compute_ratio", interrupt->compute_ratio);
      add_number (builder, "panic_rate", interrupt->panic_rate);
      add_number (builder, "doubt_rate", interrupt->doubt_rate);
      add_number (builder, "leakage_rate", interrupt->leakage_rate);
      add_number (builder, "leakage_ratio_mean", interrupt->leakage_ratio_mean);
      add_markers (builder, self->lexicon, interrupt->markers);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "scores");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->scores->len; i++)
    {
      const MtInterruptibility *score = &g_array_index (self->scores, MtInterruptibility, i);

      json_builder_begin_object (builder);
      add_string (builder, "model", score->model);
      add_string (builder, "kind", mt_interrupt_kind_to_string (score->kind));
      add_int (builder, "positions", score->n_positions);
      add_number (builder, "oracle_accuracy", score->oracle_accuracy);
      add_number (builder, "interruptibility", score->interruptibility);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
