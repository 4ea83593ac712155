/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mt-branch.h"

struct _MtBranch
{
  MtTrace      parent_instance;

  char        *parent_id;
  GWeakRef     parent;
  MtInterrupt *interrupt;
};

G_DEFINE_FINAL_TYPE (MtBranch, mt_branch, MT_TYPE_TRACE)

static void
mt_branch_dispose (GObject *object)
{
  MtBranch *self = (MtBranch *)object;

  g_clear_object (&self->interrupt);
  g_weak_ref_set (&self->parent, NULL);

  G_OBJECT_CLASS (mt_branch_parent_class)->dispose (object);
}

static void
mt_branch_finalize (GObject *object)
{
  MtBranch *self = (MtBranch *)object;

  g_clear_pointer (&self->parent_id, g_free);
  g_weak_ref_clear (&self->parent);

  G_OBJECT_CLASS (mt_branch_parent_class)->finalize (object);
}

static void
mt_branch_class_init (MtBranchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mt_branch_dispose;
  object_class->finalize = mt_branch_finalize;
}

static void
mt_branch_init (MtBranch *self)
{
  g_weak_ref_init (&self->parent, NULL);
}

MtBranch *
mt_branch_new (const char  *id,
               const char  *parent_id,
               MtInterrupt *interrupt)
{
  MtBranch *self;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (parent_id != NULL, NULL);
  g_return_val_if_fail (MT_IS_INTERRUPT (interrupt), NULL);

  self = g_object_new (MT_TYPE_BRANCH, "id", id, NULL);
  self->parent_id = g_strdup (parent_id);
  self->interrupt = g_object_ref (interrupt);

  return self;
}

const char *
mt_branch_get_parent_id (MtBranch *self)
{
  g_return_val_if_fail (MT_IS_BRANCH (self), NULL);
  return self->parent_id;
}

MtTrace *
mt_branch_get_parent (MtBranch *self)
{
  g_autoptr(MtTrace) parent = NULL;

  g_return_val_if_fail (MT_IS_BRANCH (self), NULL);

  /* The lab owns every trace, so the parent outlives this borrowed pointer
   * for as long as both are in the lab. */
  parent = g_weak_ref_get (&self->parent);
  return parent;
}

void
mt_branch_set_parent (MtBranch *self,
                      MtTrace  *parent)
{
  g_return_if_fail (MT_IS_BRANCH (self));
  g_return_if_fail (!parent || MT_IS_TRACE (parent));

  g_weak_ref_set (&self->parent, parent);
}

MtInterrupt *
mt_branch_get_interrupt (MtBranch *self)
{
  g_return_val_if_fail (MT_IS_BRANCH (self), NULL);
  return self->interrupt;
}
