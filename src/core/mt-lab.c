/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mt-lab.h"

struct _MtLab
{
  GObject     parent_instance;

  GListStore *problems;
  GListStore *traces;
  GHashTable *problems_by_id;
  GHashTable *traces_by_id;
  guint       n_branches;
  guint       next_id;
};

G_DEFINE_FINAL_TYPE (MtLab, mt_lab, G_TYPE_OBJECT)

enum {
  TRACE_REPLACED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
mt_lab_dispose (GObject *object)
{
  MtLab *self = (MtLab *)object;

  g_clear_pointer (&self->problems_by_id, g_hash_table_unref);
  g_clear_pointer (&self->traces_by_id, g_hash_table_unref);
  g_clear_object (&self->problems);
  g_clear_object (&self->traces);

  G_OBJECT_CLASS (mt_lab_parent_class)->dispose (object);
}

static void
mt_lab_class_init (MtLabClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mt_lab_dispose;

  /**
   * MtLab::trace-replaced:
   * @self: the lab
   * @old: the trace that left the lab
   * @trace: the trace with the same id that took its place
   *
   * Emitted by mt_lab_replace_trace() once the lab holds @trace, its
   * lookup, links and list included.
   */
  signals[TRACE_REPLACED] =
    g_signal_new ("trace-replaced",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, MT_TYPE_TRACE, MT_TYPE_TRACE);
}

static void
mt_lab_init (MtLab *self)
{
  self->problems = g_list_store_new (MT_TYPE_PROBLEM);
  self->traces = g_list_store_new (MT_TYPE_TRACE);
  /* Keys are borrowed from the objects, which the list stores keep alive. */
  self->problems_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->traces_by_id = g_hash_table_new (g_str_hash, g_str_equal);
}

MtLab *
mt_lab_new (void)
{
  return g_object_new (MT_TYPE_LAB, NULL);
}

GListModel *
mt_lab_get_problems (MtLab *self)
{
  g_return_val_if_fail (MT_IS_LAB (self), NULL);
  return G_LIST_MODEL (self->problems);
}

GListModel *
mt_lab_get_traces (MtLab *self)
{
  g_return_val_if_fail (MT_IS_LAB (self), NULL);
  return G_LIST_MODEL (self->traces);
}

guint
mt_lab_get_n_branches (MtLab *self)
{
  g_return_val_if_fail (MT_IS_LAB (self), 0);
  return self->n_branches;
}

MtProblem *
mt_lab_lookup_problem (MtLab      *self,
                       const char *id)
{
  g_return_val_if_fail (MT_IS_LAB (self), NULL);
  return id ? g_hash_table_lookup (self->problems_by_id, id) : NULL;
}

MtTrace *
mt_lab_lookup_trace (MtLab      *self,
                     const char *id)
{
  g_return_val_if_fail (MT_IS_LAB (self), NULL);
  return id ? g_hash_table_lookup (self->traces_by_id, id) : NULL;
}

static gboolean
link_trace (MtLab   *self,
            MtTrace *trace)
{
  gboolean linked = FALSE;

  if (mt_trace_get_problem (trace) == NULL)
    {
      MtProblem *problem = mt_lab_lookup_problem (self, mt_trace_get_problem_id (trace));

      if (problem != NULL)
        {
          mt_trace_set_problem (trace, problem);
          linked = TRUE;
        }
    }

  if (MT_IS_BRANCH (trace))
    {
      MtBranch *branch = MT_BRANCH (trace);

      if (mt_branch_get_parent (branch) == NULL)
        {
          MtTrace *found = mt_lab_lookup_trace (self, mt_branch_get_parent_id (branch));

          if (found != NULL && found != trace)
            {
              mt_branch_set_parent (branch, found);
              linked = TRUE;
            }
        }
    }

  return linked;
}

static gboolean
register_problem (MtLab     *self,
                  MtProblem *problem)
{
  const char *id = mt_problem_get_id (problem);

  if (g_hash_table_contains (self->problems_by_id, id))
    return FALSE;
  g_hash_table_insert (self->problems_by_id, (char *) id, problem);
  return TRUE;
}

static gboolean
register_trace (MtLab   *self,
                MtTrace *trace)
{
  const char *id = mt_trace_get_id (trace);

  if (g_hash_table_contains (self->traces_by_id, id))
    return FALSE;
  g_hash_table_insert (self->traces_by_id, (char *) id, trace);
  if (MT_IS_BRANCH (trace))
    self->n_branches++;
  return TRUE;
}

gboolean
mt_lab_add_problem (MtLab     *self,
                    MtProblem *problem)
{
  g_return_val_if_fail (MT_IS_LAB (self), FALSE);
  g_return_val_if_fail (MT_IS_PROBLEM (problem), FALSE);

  if (!register_problem (self, problem))
    return FALSE;
  g_list_store_append (self->problems, problem);
  return TRUE;
}

gboolean
mt_lab_add_trace (MtLab   *self,
                  MtTrace *trace)
{
  g_return_val_if_fail (MT_IS_LAB (self), FALSE);
  g_return_val_if_fail (MT_IS_TRACE (trace), FALSE);

  if (!register_trace (self, trace))
    return FALSE;
  g_list_store_append (self->traces, trace);
  link_trace (self, trace);
  return TRUE;
}

gboolean
mt_lab_replace_trace (MtLab   *self,
                      MtTrace *trace)
{
  g_autoptr(MtTrace) old = NULL;
  MtTrace *found;
  const char *id;
  GListModel *traces;
  guint position;
  guint n_items;

  g_return_val_if_fail (MT_IS_LAB (self), FALSE);
  g_return_val_if_fail (MT_IS_TRACE (trace), FALSE);

  id = mt_trace_get_id (trace);
  found = g_hash_table_lookup (self->traces_by_id, id);
  if (found == NULL || found == trace)
    return FALSE;
  old = g_object_ref (found);

  if (!g_list_store_find (self->traces, old, &position))
    g_return_val_if_reached (FALSE);

  /* The key is borrowed from the trace: it goes with the old one. */
  g_hash_table_remove (self->traces_by_id, id);
  g_hash_table_insert (self->traces_by_id, (char *) id, trace);
  if (MT_IS_BRANCH (old))
    self->n_branches--;
  if (MT_IS_BRANCH (trace))
    self->n_branches++;

  /* Linked before the list says so, like an added trace: the views see
   * the branches of the old trace continue the new one. */
  link_trace (self, trace);
  traces = G_LIST_MODEL (self->traces);
  n_items = g_list_model_get_n_items (traces);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(MtTrace) item = g_list_model_get_item (traces, i);
      MtBranch *branch;

      if (!MT_IS_BRANCH (item) || item == old)
        continue;

      branch = MT_BRANCH (item);
      if (g_strcmp0 (mt_branch_get_parent_id (branch), id) == 0
          && mt_branch_get_parent (branch) != trace)
        mt_branch_set_parent (branch, trace);
    }

  g_list_store_splice (self->traces, position, 1, (gpointer *) &trace, 1);
  g_signal_emit (self, signals[TRACE_REPLACED], 0, old, trace);

  return TRUE;
}

void
mt_lab_add_all (MtLab     *self,
                GPtrArray *problems,
                GPtrArray *traces,
                GPtrArray *rejected)
{
  g_autoptr(GPtrArray) new_problems = g_ptr_array_new ();
  g_autoptr(GPtrArray) new_traces = g_ptr_array_new ();

  g_return_if_fail (MT_IS_LAB (self));

  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      MtProblem *problem = g_ptr_array_index (problems, i);

      if (register_problem (self, problem))
        g_ptr_array_add (new_problems, problem);
      else if (rejected != NULL)
        g_ptr_array_add (rejected, g_object_ref (problem));
    }

  for (guint i = 0; traces != NULL && i < traces->len; i++)
    {
      MtTrace *trace = g_ptr_array_index (traces, i);

      if (register_trace (self, trace))
        g_ptr_array_add (new_traces, trace);
      else if (rejected != NULL)
        g_ptr_array_add (rejected, g_object_ref (trace));
    }

  if (new_problems->len > 0)
    g_list_store_splice (self->problems,
                         g_list_model_get_n_items (G_LIST_MODEL (self->problems)), 0,
                         new_problems->pdata, new_problems->len);

  if (new_traces->len > 0)
    g_list_store_splice (self->traces,
                         g_list_model_get_n_items (G_LIST_MODEL (self->traces)), 0,
                         new_traces->pdata, new_traces->len);

  for (guint i = 0; i < new_traces->len; i++)
    link_trace (self, g_ptr_array_index (new_traces, i));
}

guint
mt_lab_link (MtLab *self)
{
  guint n_items;
  guint linked = 0;

  g_return_val_if_fail (MT_IS_LAB (self), 0);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->traces));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(MtTrace) trace = g_list_model_get_item (G_LIST_MODEL (self->traces), i);

      if (link_trace (self, trace))
        linked++;
    }

  return linked;
}

char *
mt_lab_make_id (MtLab      *self,
                const char *prefix)
{
  g_return_val_if_fail (MT_IS_LAB (self), NULL);
  g_return_val_if_fail (prefix != NULL, NULL);

  for (;;)
    {
      char *id = g_strdup_printf ("%s-%u", prefix, ++self->next_id);

      if (!g_hash_table_contains (self->traces_by_id, id) &&
          !g_hash_table_contains (self->problems_by_id, id))
        return id;
      g_free (id);
    }
}
