/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "mt-runner.h"
#include "mt-sweep.h"

typedef enum
{
  ITEM_WAITING,   /* for its oracle */
  ITEM_READY,
  ITEM_RUNNING,
  ITEM_DONE,
  ITEM_FAILED,
} ItemState;

typedef struct _Item Item;

struct _Item
{
  char            *key;
  MtProblem       *problem;
  MtTrace         *parent;     /* for a branch, once its oracle exists */
  Item            *oracle;     /* for a branch of an oracle run here */
  GPtrArray       *branches;   /* for an oracle: Item *, borrowed */
  guint            sample;
  gboolean         is_oracle;
  MtInterruptKind  kind;
  double           fraction;
  gint64           seed;
  ItemState        state;
};

struct _MtSweep
{
  GObject           parent_instance;

  GPtrArray        *runners;        /* MtRunner, one per client */
  MtFamily         *family;
  char             *model;
  GPtrArray        *problems;
  GPtrArray        *oracles;
  GArray           *positions;      /* double */
  GArray           *kinds;          /* MtInterruptKind */
  guint             shard_index;
  guint             shard_count;
  guint             concurrency;
  guint             samples;
  gint64            seed;
  gint64            max_tokens;
  MtCompletionMode  mode;
  MtInterruptKind   scenario;
  gboolean          scenario_set;
  guint             flush_interval;

  /* One run */
  MtLab            *lab;
  MtLabWriter      *writer;
  GTask            *task;
  GCancellable     *cancellable;    /* ours: cancelled by the caller's, or on a fatal error */
  GCancellable     *caller_cancellable;
  gulong            cancelled_id;
  GPtrArray        *items;          /* Item *, owned */
  GQueue            ready;          /* Item *, borrowed */
  guint             next_runner;
  GError           *fatal;
  GPtrArray        *skipped;
  GPtrArray        *failures;
  GSource          *tick;
  gint64            start_time;
  guint             n_done_here;    /* items this run finished (not resumed), failures too */
  MtSweepProgress   progress;
};

G_DEFINE_FINAL_TYPE (MtSweep, mt_sweep, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONCURRENCY,
  PROP_SAMPLES,
  PROP_SEED,
  PROP_MAX_TOKENS,
  PROP_MODE,
  PROP_SCENARIO,
  PROP_FLUSH_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
item_free (gpointer data)
{
  Item *item = data;

  g_free (item->key);
  g_clear_object (&item->problem);
  g_clear_object (&item->parent);
  g_clear_pointer (&item->branches, g_ptr_array_unref);
  g_free (item);
}

/* ------------------------------------------------------------------------ */
/* Keys and seeds                                                            */
/* ------------------------------------------------------------------------ */

static void
append_escaped (GString    *key,
                const char *name)
{
  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == ':')
        g_string_append (key, "%3A");
      else if (*p == '%')
        g_string_append (key, "%25");
      else
        g_string_append_c (key, *p);
    }
}

/* X as people write it: "0.3", not "0.29999999999999999". */
static void
append_fraction (GString *key,
                 double   fraction)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (key, g_ascii_formatd (buffer, sizeof buffer, "%.6g", fraction));
}

char *
mt_sweep_make_key (const char      *model,
                   const char      *problem_id,
                   guint            sample,
                   gboolean         oracle,
                   MtInterruptKind  kind,
                   double           fraction,
                   const char      *parent_id)
{
  GString *key;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (problem_id != NULL, NULL);

  key = g_string_new (NULL);
  append_escaped (key, model);
  g_string_append_c (key, ':');
  append_escaped (key, problem_id);
  g_string_append_printf (key, ":s%u:", sample);

  if (oracle)
    {
      g_string_append (key, "oracle");
      return g_string_free (key, FALSE);
    }

  g_string_append (key, mt_interrupt_kind_to_string (kind));
  g_string_append_c (key, '@');
  append_fraction (key, fraction);
  if (parent_id != NULL)
    {
      g_string_append_c (key, ':');
      append_escaped (key, parent_id);
    }

  return g_string_free (key, FALSE);
}

gint64
mt_sweep_derive_seed (gint64      seed,
                      const char *problem_id,
                      const char *kind,
                      double      fraction,
                      guint       sample)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GString) input = g_string_new (NULL);
  guint8 digest[32];
  gsize length = sizeof digest;
  guint32 value;

  g_return_val_if_fail (problem_id != NULL, 0);

  /* NUL-separated, so no two different tuples hash the same bytes. */
  g_string_append_printf (input, "%" G_GINT64_FORMAT, seed);
  g_string_append_len (input, "", 1);
  g_string_append (input, problem_id);
  g_string_append_len (input, "", 1);
  g_string_append (input, kind != NULL ? kind : "oracle");
  g_string_append_len (input, "", 1);
  if (kind != NULL)
    append_fraction (input, fraction);
  g_string_append_len (input, "", 1);
  g_string_append_printf (input, "%u", sample);

  g_checksum_update (checksum, (const guchar *) input->str, input->len);
  g_checksum_get_digest (checksum, digest, &length);
  value = ((guint32) digest[0] << 24) | ((guint32) digest[1] << 16) |
          ((guint32) digest[2] << 8) | digest[3];

  return value & 0x7fffffff;
}

/* ------------------------------------------------------------------------ */
/* Object                                                                    */
/* ------------------------------------------------------------------------ */

static void
clear_run (MtSweep *self)
{
  if (self->tick != NULL)
    {
      g_source_destroy (self->tick);
      g_clear_pointer (&self->tick, g_source_unref);
    }
  if (self->cancelled_id != 0)
    g_cancellable_disconnect (self->caller_cancellable, self->cancelled_id);
  self->cancelled_id = 0;
  g_clear_object (&self->caller_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->task);
  g_clear_object (&self->writer);
  for (guint i = 0; self->runners != NULL && i < self->runners->len; i++)
    mt_runner_set_writer (g_ptr_array_index (self->runners, i), NULL);
  g_queue_clear (&self->ready);
  g_clear_error (&self->fatal);
}

static void
mt_sweep_dispose (GObject *object)
{
  MtSweep *self = (MtSweep *)object;

  clear_run (self);
  g_clear_pointer (&self->runners, g_ptr_array_unref);
  g_clear_object (&self->family);
  g_clear_object (&self->lab);
  g_clear_pointer (&self->problems, g_ptr_array_unref);
  g_clear_pointer (&self->oracles, g_ptr_array_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);

  G_OBJECT_CLASS (mt_sweep_parent_class)->dispose (object);
}

static void
mt_sweep_finalize (GObject *object)
{
  MtSweep *self = (MtSweep *)object;

  g_free (self->model);
  g_array_unref (self->positions);
  g_array_unref (self->kinds);
  g_ptr_array_unref (self->skipped);
  g_ptr_array_unref (self->failures);

  G_OBJECT_CLASS (mt_sweep_parent_class)->finalize (object);
}

static void
mt_sweep_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  MtSweep *self = MT_SWEEP (object);

  switch (prop_id)
    {
    case PROP_CONCURRENCY:
      g_value_set_uint (value, self->concurrency);
      break;

    case PROP_SAMPLES:
      g_value_set_uint (value, self->samples);
      break;

    case PROP_SEED:
      g_value_set_int64 (value, self->seed);
      break;

    case PROP_MAX_TOKENS:
      g_value_set_int64 (value, self->max_tokens);
      break;

    case PROP_MODE:
      g_value_set_uint (value, self->mode);
      break;

    case PROP_SCENARIO:
      g_value_set_uint (value, mt_sweep_get_scenario (self));
      break;

    case PROP_FLUSH_INTERVAL:
      g_value_set_uint (value, self->flush_interval);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_sweep_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  MtSweep *self = MT_SWEEP (object);

  switch (prop_id)
    {
    case PROP_CONCURRENCY:
      mt_sweep_set_concurrency (self, g_value_get_uint (value));
      break;

    case PROP_SAMPLES:
      mt_sweep_set_samples (self, g_value_get_uint (value));
      break;

    case PROP_SEED:
      mt_sweep_set_seed (self, g_value_get_int64 (value));
      break;

    case PROP_MAX_TOKENS:
      mt_sweep_set_max_tokens (self, g_value_get_int64 (value));
      break;

    case PROP_MODE:
      mt_sweep_set_mode (self, g_value_get_uint (value));
      break;

    case PROP_SCENARIO:
      mt_sweep_set_scenario (self, g_value_get_uint (value));
      break;

    case PROP_FLUSH_INTERVAL:
      mt_sweep_set_flush_interval (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_sweep_class_init (MtSweepClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = mt_sweep_dispose;
  object_class->finalize = mt_sweep_finalize;
  object_class->get_property = mt_sweep_get_property;
  object_class->set_property = mt_sweep_set_property;

  properties[PROP_CONCURRENCY] =
    g_param_spec_uint ("concurrency", NULL, NULL, 1, G_MAXUINT16,
                       MT_SWEEP_DEFAULT_CONCURRENCY, flags);
  properties[PROP_SAMPLES] =
    g_param_spec_uint ("samples", NULL, NULL, 1, G_MAXUINT, 1, flags);
  properties[PROP_SEED] =
    g_param_spec_int64 ("seed", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_MAX_TOKENS] =
    g_param_spec_int64 ("max-tokens", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_MODE] =
    g_param_spec_uint ("mode", NULL, NULL, MT_COMPLETION_MODE_COMPLETIONS,
                       MT_COMPLETION_MODE_CHAT, MT_COMPLETION_MODE_COMPLETIONS, flags);
  properties[PROP_SCENARIO] =
    g_param_spec_uint ("scenario", NULL, NULL, 0, MT_INTERRUPT_CUSTOM, MT_INTERRUPT_HARD,
                       flags);
  properties[PROP_FLUSH_INTERVAL] =
    g_param_spec_uint ("flush-interval", NULL, NULL, 1, G_MAXUINT,
                       MT_RUNNER_DEFAULT_FLUSH_INTERVAL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MtSweep::progress:
   *
   * Emitted when an item ends and about once a second while a run goes
   * on; read the numbers with mt_sweep_get_progress().
   */
  signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
mt_sweep_init (MtSweep *self)
{
  self->positions = g_array_new (FALSE, FALSE, sizeof (double));
  self->kinds = g_array_new (FALSE, FALSE, sizeof (MtInterruptKind));
  self->problems = g_ptr_array_new_with_free_func (g_object_unref);
  self->skipped = g_ptr_array_new_with_free_func (g_free);
  self->failures = g_ptr_array_new_with_free_func (g_free);
  self->shard_count = 1;
  self->concurrency = MT_SWEEP_DEFAULT_CONCURRENCY;
  self->samples = 1;
  self->max_tokens = -1;
  self->flush_interval = MT_RUNNER_DEFAULT_FLUSH_INTERVAL;
  self->lab = mt_lab_new ();
  g_queue_init (&self->ready);
}

static void runner_delta_cb (MtRunner   *runner,
                             MtTrace    *trace,
                             guint       kind,
                             const char *text,
                             MtSweep    *self);

/**
 * mt_sweep_new:
 * @clients: (element-type MtClient): the servers, at least one
 * @family: how to write prompts for @model
 * @model: the model name, the same on every server
 *
 * Returns: (transfer full): a new sweep
 */
MtSweep *
mt_sweep_new (GPtrArray  *clients,
              MtFamily   *family,
              const char *model)
{
  MtSweep *self;

  g_return_val_if_fail (clients != NULL && clients->len > 0, NULL);
  g_return_val_if_fail (MT_IS_FAMILY (family), NULL);
  g_return_val_if_fail (model != NULL, NULL);

  self = g_object_new (MT_TYPE_SWEEP, NULL);
  self->family = g_object_ref (family);
  self->model = g_strdup (model);
  self->runners = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < clients->len; i++)
    {
      MtRunner *runner = mt_runner_new (g_ptr_array_index (clients, i), family, model);

      mt_runner_set_lab (runner, self->lab);
      g_signal_connect_object (runner, "delta", G_CALLBACK (runner_delta_cb), self, 0);
      g_ptr_array_add (self->runners, runner);
    }

  return self;
}

void
mt_sweep_set_problems (MtSweep   *self,
                       GPtrArray *problems)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (problems != NULL);
  g_return_if_fail (self->task == NULL);

  g_ptr_array_set_size (self->problems, 0);
  for (guint i = 0; i < problems->len; i++)
    g_ptr_array_add (self->problems, g_object_ref (g_ptr_array_index (problems, i)));
}

void
mt_sweep_set_oracles (MtSweep   *self,
                      GPtrArray *oracles)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (self->task == NULL);

  g_clear_pointer (&self->oracles, g_ptr_array_unref);
  if (oracles == NULL)
    return;

  self->oracles = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < oracles->len; i++)
    g_ptr_array_add (self->oracles, g_object_ref (g_ptr_array_index (oracles, i)));
}

void
mt_sweep_set_positions (MtSweep      *self,
                        const double *fractions,
                        guint         n_fractions)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (fractions != NULL || n_fractions == 0);
  g_return_if_fail (self->task == NULL);

  g_array_set_size (self->positions, 0);
  g_array_append_vals (self->positions, fractions, n_fractions);
}

void
mt_sweep_set_kinds (MtSweep               *self,
                    const MtInterruptKind *kinds,
                    guint                  n_kinds)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (kinds != NULL || n_kinds == 0);
  g_return_if_fail (self->task == NULL);

  g_array_set_size (self->kinds, 0);
  g_array_append_vals (self->kinds, kinds, n_kinds);
}

void
mt_sweep_set_shard (MtSweep *self,
                    guint    index,
                    guint    count)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (count > 0 && index < count);
  g_return_if_fail (self->task == NULL);

  self->shard_index = index;
  self->shard_count = count;
}

guint
mt_sweep_get_concurrency (MtSweep *self)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), 0);
  return self->concurrency;
}

void
mt_sweep_set_concurrency (MtSweep *self,
                          guint    concurrency)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (concurrency > 0);

  if (self->concurrency == concurrency)
    return;

  self->concurrency = concurrency;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONCURRENCY]);
}

guint
mt_sweep_get_samples (MtSweep *self)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), 0);
  return self->samples;
}

void
mt_sweep_set_samples (MtSweep *self,
                      guint    samples)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (samples > 0);

  if (self->samples == samples)
    return;

  self->samples = samples;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAMPLES]);
}

gint64
mt_sweep_get_seed (MtSweep *self)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), 0);
  return self->seed;
}

void
mt_sweep_set_seed (MtSweep *self,
                   gint64   seed)
{
  g_return_if_fail (MT_IS_SWEEP (self));

  if (self->seed == seed)
    return;

  self->seed = seed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEED]);
}

gint64
mt_sweep_get_max_tokens (MtSweep *self)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), -1);
  return self->max_tokens;
}

void
mt_sweep_set_max_tokens (MtSweep *self,
                         gint64   max_tokens)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (max_tokens >= -1);

  if (self->max_tokens == max_tokens)
    return;

  self->max_tokens = max_tokens;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_TOKENS]);
}

MtCompletionMode
mt_sweep_get_mode (MtSweep *self)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), MT_COMPLETION_MODE_COMPLETIONS);
  return self->mode;
}

void
mt_sweep_set_mode (MtSweep          *self,
                   MtCompletionMode  mode)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (mode <= MT_COMPLETION_MODE_CHAT);

  if (self->mode == mode)
    return;

  self->mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

MtInterruptKind
mt_sweep_get_scenario (MtSweep *self)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), MT_INTERRUPT_HARD);

  if (!self->scenario_set && self->kinds->len > 0)
    return g_array_index (self->kinds, MtInterruptKind, 0);
  return self->scenario;
}

void
mt_sweep_set_scenario (MtSweep         *self,
                       MtInterruptKind  scenario)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (scenario <= MT_INTERRUPT_CUSTOM);

  self->scenario_set = TRUE;
  if (self->scenario == scenario)
    return;

  self->scenario = scenario;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCENARIO]);
}

guint
mt_sweep_get_flush_interval (MtSweep *self)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), 0);
  return self->flush_interval;
}

void
mt_sweep_set_flush_interval (MtSweep *self,
                             guint    flush_interval)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (flush_interval > 0);

  if (self->flush_interval == flush_interval)
    return;

  self->flush_interval = flush_interval;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLUSH_INTERVAL]);
}

void
mt_sweep_get_progress (MtSweep         *self,
                       MtSweepProgress *progress)
{
  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (progress != NULL);

  *progress = self->progress;
}

GPtrArray *
mt_sweep_get_skipped (MtSweep *self)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), NULL);
  return self->skipped;
}

GPtrArray *
mt_sweep_get_failures (MtSweep *self)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), NULL);
  return self->failures;
}

MtLab *
mt_sweep_get_lab (MtSweep *self)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), NULL);
  return self->lab;
}

/* ------------------------------------------------------------------------ */
/* The plan                                                                  */
/* ------------------------------------------------------------------------ */

static gboolean
is_update_kind (MtInterruptKind kind)
{
  return kind == MT_INTERRUPT_UPDATE || kind == MT_INTERRUPT_GUIDED_UPDATE ||
         kind == MT_INTERRUPT_UPDATE_SPEEDUP;
}

static gboolean
is_finished (MtLab      *previous,
             const char *key)
{
  MtTrace *trace = mt_lab_lookup_trace (previous, key);
  MtFinishReason finish;

  if (trace == NULL)
    return FALSE;

  finish = mt_trace_get_finish_reason (trace);
  return finish == MT_FINISH_STOP || finish == MT_FINISH_LENGTH;
}

static Item *
add_item (MtSweep    *self,
          MtLab      *previous,
          char       *key,
          MtProblem  *problem,
          guint       sample)
{
  Item *item = g_new0 (Item, 1);

  item->key = key;
  item->problem = problem != NULL ? g_object_ref (problem) : NULL;
  item->sample = sample;
  item->state = is_finished (previous, key) ? ITEM_DONE : ITEM_WAITING;
  g_ptr_array_add (self->items, item);

  if (item->state == ITEM_DONE)
    self->progress.n_resumed++;

  return item;
}

/* The interrupts of one oracle (@oracle_item, or the given @parent). */
static void
add_branches (MtSweep    *self,
              MtLab      *previous,
              MtProblem  *problem,
              guint       sample,
              Item       *oracle_item,
              MtTrace    *parent,
              gboolean   *left_out)
{
  const char *problem_id = problem != NULL ? mt_problem_get_id (problem)
                                           : mt_trace_get_problem_id (parent);

  for (guint x = 0; x < self->positions->len; x++)
    {
      double fraction = g_array_index (self->positions, double, x);

      for (guint k = 0; k < self->kinds->len; k++)
        {
          MtInterruptKind kind = g_array_index (self->kinds, MtInterruptKind, k);
          const char *update = problem != NULL ? mt_problem_get_update (problem) : NULL;
          Item *item;

          if (is_update_kind (kind) && (update == NULL || *update == '\0'))
            {
              *left_out = TRUE;
              continue;
            }

          item = add_item (self, previous,
                           mt_sweep_make_key (self->model, problem_id, sample, FALSE, kind,
                                              fraction,
                                              parent != NULL ? mt_trace_get_id (parent) : NULL),
                           problem, sample);
          item->kind = kind;
          item->fraction = fraction;
          item->seed = mt_sweep_derive_seed (self->seed, problem_id,
                                             mt_interrupt_kind_to_string (kind), fraction, sample);
          if (parent != NULL)
            item->parent = g_object_ref (parent);
          else
            {
              item->oracle = oracle_item;
              g_ptr_array_add (oracle_item->branches, item);
            }
        }
    }
}

static void
note_left_out (MtSweep    *self,
               const char *problem_id)
{
  g_autoptr(GString) kinds = g_string_new (NULL);

  for (guint k = 0; k < self->kinds->len; k++)
    {
      MtInterruptKind kind = g_array_index (self->kinds, MtInterruptKind, k);

      if (!is_update_kind (kind))
        continue;
      if (kinds->len > 0)
        g_string_append (kinds, ", ");
      g_string_append (kinds, mt_interrupt_kind_to_string (kind));
    }

  g_ptr_array_add (self->skipped,
                   g_strdup_printf (_("problem “%s” has no update text: its %s items are "
                                      "left out"), problem_id, kinds->str));
}

static MtProblem *
find_problem (MtSweep    *self,
              const char *id)
{
  for (guint i = 0; id != NULL && i < self->problems->len; i++)
    {
      MtProblem *problem = g_ptr_array_index (self->problems, i);

      if (g_str_equal (mt_problem_get_id (problem), id))
        return problem;
    }

  return NULL;
}

static void
build_plan (MtSweep *self,
            MtLab   *previous)
{
  guint unit = 0;

  g_clear_pointer (&self->items, g_ptr_array_unref);
  self->items = g_ptr_array_new_with_free_func (item_free);
  g_ptr_array_set_size (self->skipped, 0);
  memset (&self->progress, 0, sizeof self->progress);
  self->progress.eta = -1;

  if (self->oracles == NULL)
    {
      for (guint p = 0; p < self->problems->len; p++)
        {
          MtProblem *problem = g_ptr_array_index (self->problems, p);
          const char *problem_id = mt_problem_get_id (problem);
          gboolean left_out = FALSE;

          for (guint s = 0; s < self->samples; s++, unit++)
            {
              Item *oracle;

              if (unit % self->shard_count != self->shard_index)
                continue;

              oracle = add_item (self, previous,
                                 mt_sweep_make_key (self->model, problem_id, s, TRUE, 0, 0,
                                                    NULL),
                                 problem, s);
              oracle->is_oracle = TRUE;
              oracle->branches = g_ptr_array_new ();
              oracle->seed = mt_sweep_derive_seed (self->seed, problem_id, NULL, 0, s);
              if (oracle->state == ITEM_DONE)
                oracle->parent = g_object_ref (mt_lab_lookup_trace (previous, oracle->key));

              add_branches (self, previous, problem, s, oracle, NULL, &left_out);
            }

          if (left_out)
            note_left_out (self, problem_id);
        }
    }
  else
    {
      for (guint t = 0; t < self->oracles->len; t++, unit++)
        {
          MtTrace *parent = g_ptr_array_index (self->oracles, t);
          MtProblem *problem = mt_trace_get_problem (parent);
          gboolean left_out = FALSE;

          if (unit % self->shard_count != self->shard_index)
            continue;

          if (problem == NULL)
            problem = find_problem (self, mt_trace_get_problem_id (parent));
          if (problem == NULL && mt_trace_get_problem_id (parent) == NULL)
            {
              g_ptr_array_add (self->skipped,
                               g_strdup_printf (_("trace “%s” names no problem: left out"),
                                                mt_trace_get_id (parent)));
              continue;
            }

          for (guint s = 0; s < self->samples; s++)
            add_branches (self, previous, problem, s, NULL, parent, &left_out);

          if (left_out)
            note_left_out (self, mt_trace_get_problem_id (parent));
        }
    }

  self->progress.n_total = self->items->len;
  self->progress.n_done = self->progress.n_resumed;

  /* Oracles first, then the interrupts whose oracle is already there. */
  for (guint pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < self->items->len; i++)
        {
          Item *item = g_ptr_array_index (self->items, i);

          if (item->state != ITEM_WAITING || item->is_oracle != (pass == 0))
            continue;
          if (!item->is_oracle && item->parent == NULL &&
              (item->oracle == NULL || item->oracle->parent == NULL))
            continue;

          if (item->parent == NULL && item->oracle != NULL)
            item->parent = g_object_ref (item->oracle->parent);
          item->state = ITEM_READY;
          g_queue_push_tail (&self->ready, item);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Running                                                                   */
/* ------------------------------------------------------------------------ */

static void dispatch (MtSweep *self);

static void
update_progress (MtSweep *self)
{
  MtSweepProgress *progress = &self->progress;
  guint remaining;

  progress->elapsed = (g_get_monotonic_time () - self->start_time) / (double) G_USEC_PER_SEC;
  progress->tokens_per_second = progress->elapsed > 0 ? progress->n_tokens / progress->elapsed
                                                      : 0;

  remaining = progress->n_total - progress->n_done - progress->n_failed;
  if (remaining == 0)
    progress->eta = 0;
  else if (self->n_done_here > 0 && progress->elapsed > 0)
    progress->eta = remaining * progress->elapsed / self->n_done_here;
  else
    progress->eta = -1;
}

static void
emit_progress (MtSweep *self)
{
  update_progress (self);
  g_signal_emit (self, signals[PROGRESS], 0);
}

static gboolean
tick_cb (gpointer user_data)
{
  emit_progress (MT_SWEEP (user_data));
  return G_SOURCE_CONTINUE;
}

static void
runner_delta_cb (MtRunner   *runner,
                 MtTrace    *trace,
                 guint       kind,
                 const char *text,
                 MtSweep    *self)
{
  /* Servers stream one token per event. */
  self->progress.n_tokens++;
}

/* Errors that every other request would meet too. */
static gboolean
is_fatal (const GError *error)
{
  if (error->domain == MT_FORMAT_ERROR)
    return TRUE;

  return error->domain == MT_CLIENT_ERROR &&
         (error->code == MT_CLIENT_ERROR_INVALID_URL ||
          error->code == MT_CLIENT_ERROR_CONNECT ||
          error->code == MT_CLIENT_ERROR_DNS ||
          error->code == MT_CLIENT_ERROR_TLS ||
          error->code == MT_CLIENT_ERROR_UNAUTHORIZED ||
          error->code == MT_CLIENT_ERROR_NOT_FOUND);
}

static void
fail_item (MtSweep    *self,
           Item       *item,
           const char *message)
{
  item->state = ITEM_FAILED;
  self->progress.n_failed++;
  self->n_done_here++;
  g_ptr_array_add (self->failures, g_strdup_printf ("%s: %s", item->key, message));

  /* The interrupts of a failed oracle have nothing to continue. */
  for (guint i = 0; item->branches != NULL && i < item->branches->len; i++)
    {
      Item *branch = g_ptr_array_index (item->branches, i);

      if (branch->state == ITEM_WAITING)
        fail_item (self, branch, _("its oracle did not finish"));
    }
}

static void
item_finished (MtSweep *self,
               Item    *item,
               MtTrace *trace,
               GError  *error)
{
  self->progress.n_running--;

  if (error == NULL)
    {
      item->state = ITEM_DONE;
      self->progress.n_done++;
      self->n_done_here++;

      if (item->is_oracle)
        {
          g_set_object (&item->parent, trace);
          for (guint i = 0; i < item->branches->len; i++)
            {
              Item *branch = g_ptr_array_index (item->branches, i);

              if (branch->state != ITEM_WAITING)
                continue;
              g_set_object (&branch->parent, trace);
              branch->state = ITEM_READY;
              g_queue_push_tail (&self->ready, branch);
            }
        }
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Left as it was: a later run does it again. */
      item->state = ITEM_WAITING;
    }
  else
    {
      fail_item (self, item, error->message);
      if (is_fatal (error) && self->fatal == NULL)
        {
          self->fatal = g_error_copy (error);
          g_cancellable_cancel (self->cancellable);
        }
    }

  emit_progress (self);
  dispatch (self);
}

/* What a run's callback needs: the sweep stays alive until it is called. */
typedef struct
{
  MtSweep *self;
  Item    *item;
} Pending;

static Pending *
pending_new (MtSweep *self,
             Item    *item)
{
  Pending *pending = g_new (Pending, 1);

  pending->self = g_object_ref (self);
  pending->item = item;
  return pending;
}

static void
oracle_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(MtSweep) self = pending->self;
  g_autoptr(MtTrace) trace = NULL;
  g_autoptr(GError) error = NULL;
  Item *item = pending->item;

  g_free (pending);
  mt_runner_run_oracle_finish (MT_RUNNER (object), result, &trace, &error);
  item_finished (self, item, trace, error);
}

static void
branch_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(MtSweep) self = pending->self;
  g_autoptr(MtBranch) branch = NULL;
  g_autoptr(GError) error = NULL;
  Item *item = pending->item;

  g_free (pending);
  mt_runner_run_branch_finish (MT_RUNNER (object), result, &branch, &error);
  item_finished (self, item, MT_TRACE (branch), error);
}

/* Ends the run: the task returns @error, or the fatal error, or
 * cancellation, or success. Takes @error. */
static void
end_run (MtSweep *self,
         GError  *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  g_autoptr(GError) close_error = NULL;
  gboolean cancelled = g_cancellable_is_cancelled (self->cancellable);

  if (self->writer != NULL && !mt_lab_writer_close (self->writer, &close_error) &&
      error == NULL && self->fatal == NULL)
    error = g_steal_pointer (&close_error);
  if (error == NULL)
    error = g_steal_pointer (&self->fatal);

  /* Before the callback, which may start the next run. */
  clear_run (self);

  if (error != NULL)
    g_task_return_error (task, error);
  else if (cancelled)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("The sweep was cancelled"));
  else
    g_task_return_boolean (task, TRUE);
}

static void
dispatch (MtSweep *self)
{
  while (self->progress.n_running < self->concurrency &&
         !g_cancellable_is_cancelled (self->cancellable) &&
         !g_queue_is_empty (&self->ready))
    {
      Item *item = g_queue_pop_head (&self->ready);
      MtRunner *runner = g_ptr_array_index (self->runners,
                                            self->next_runner++ % self->runners->len);
      MtRunOptions options;

      mt_run_options_init (&options);
      options.id = item->key;
      options.seed = item->seed;
      options.max_tokens = self->max_tokens;

      item->state = ITEM_RUNNING;
      self->progress.n_running++;

      if (item->is_oracle)
        mt_runner_run_oracle_async (runner, item->problem, mt_sweep_get_scenario (self),
                                    &options, self->cancellable, oracle_done_cb,
                                    pending_new (self, item));
      else
        {
          MtRenderPosition position = { MT_POSITION_FRACTION, item->fraction, 0, FALSE };
          const char *update = is_update_kind (item->kind)
                                 ? mt_problem_get_update (item->problem) : NULL;

          mt_runner_run_branch_async (runner, item->parent, item->kind,
                                      MT_INTERRUPT_ROLE_ASSISTANT, &position, update, &options,
                                      self->cancellable, branch_done_cb,
                                      pending_new (self, item));
        }
    }

  if (self->progress.n_running == 0 && self->task != NULL)
    {
      emit_progress (self);
      end_run (self, NULL);
    }
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* In a thread: open (and lock) the file, and read what it already holds. */
typedef struct
{
  char        *path;
  MtLab       *previous;
  MtLabWriter *writer;
} Prepare;

static void
prepare_free (gpointer data)
{
  Prepare *prepare = data;

  g_free (prepare->path);
  g_clear_object (&prepare->previous);
  g_clear_object (&prepare->writer);
  g_free (prepare);
}

static void
prepare_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Prepare *prepare = task_data;
  g_autoptr(MtLoadReport) report = mt_load_report_new (prepare->path);
  GError *error = NULL;

  prepare->writer = mt_lab_writer_open (prepare->path, &error);
  if (prepare->writer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Problems in the file are the sweep's to reuse; bad lines are not
   * fatal, the items they held are simply done again. */
  prepare->previous = mt_lab_new ();
  if (!mt_lab_file_load (prepare->previous, prepare->path, report, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

/* Problems go into the file once, before any trace that names them. */
static gboolean
write_problems (MtSweep  *self,
                MtLab    *previous,
                GError  **error)
{
  g_autoptr(GHashTable) used = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      if (item->problem != NULL)
        g_hash_table_add (used, (char *) mt_problem_get_id (item->problem));
    }

  for (guint i = 0; i < self->problems->len; i++)
    {
      MtProblem *problem = g_ptr_array_index (self->problems, i);
      const char *id = mt_problem_get_id (problem);

      if (!g_hash_table_contains (used, id))
        continue;

      mt_lab_add_problem (self->lab, problem);
      if (mt_lab_lookup_problem (previous, id) == NULL &&
          !mt_lab_writer_append_problem (self->writer, problem, error))
        return FALSE;
    }

  return TRUE;
}

static void
prepared_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  MtSweep *self = MT_SWEEP (object);
  Prepare *prepare = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  g_assert (self->task != NULL);

  if (!g_task_propagate_boolean (G_TASK (result), &error) ||
      g_cancellable_set_error_if_cancelled (self->cancellable, &error))
    {
      end_run (self, error);
      return;
    }

  self->writer = g_steal_pointer (&prepare->writer);
  for (guint i = 0; i < self->runners->len; i++)
    {
      MtRunner *runner = g_ptr_array_index (self->runners, i);

      mt_runner_set_writer (runner, self->writer);
      mt_runner_set_mode (runner, self->mode);
      mt_runner_set_flush_interval (runner, self->flush_interval);
    }

  build_plan (self, prepare->previous);

  if (!write_problems (self, prepare->previous, &error))
    {
      end_run (self, error);
      return;
    }

  self->start_time = g_get_monotonic_time ();
  self->tick = g_timeout_source_new_seconds (1);
  g_source_set_static_name (self->tick, "[midthought] sweep progress");
  g_source_set_callback (self->tick, tick_cb, self, NULL);
  g_source_attach (self->tick, g_task_get_context (self->task));

  emit_progress (self);
  dispatch (self);
}

void
mt_sweep_run_async (MtSweep             *self,
                    const char          *path,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) prepare_task = NULL;
  Prepare *prepare;

  g_return_if_fail (MT_IS_SWEEP (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (self->task == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, mt_sweep_run_async);
  /* Cancelling lets the runs in flight write their records first. */
  g_task_set_check_cancellable (self->task, FALSE);

  self->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    self->caller_cancellable = g_object_ref (cancellable);
  if (cancellable != NULL)
    self->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                g_object_ref (self->cancellable),
                                                g_object_unref);
  self->next_runner = 0;
  self->n_done_here = 0;
  g_ptr_array_set_size (self->failures, 0);

  /* Each run shows its own traces: a redone item reuses its id. */
  g_clear_object (&self->lab);
  self->lab = mt_lab_new ();
  for (guint i = 0; i < self->runners->len; i++)
    mt_runner_set_lab (g_ptr_array_index (self->runners, i), self->lab);

  prepare = g_new0 (Prepare, 1);
  prepare->path = g_strdup (path);
  prepare_task = g_task_new (self, self->cancellable, prepared_cb, NULL);
  g_task_set_source_tag (prepare_task, mt_sweep_run_async);
  g_task_set_task_data (prepare_task, prepare, prepare_free);
  g_task_run_in_thread (prepare_task, prepare_thread);
}

gboolean
mt_sweep_run_finish (MtSweep       *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (MT_IS_SWEEP (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mt_sweep_run_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
