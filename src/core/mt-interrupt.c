/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mt-interrupt.h"

struct _MtInterrupt
{
  GObject          parent_instance;

  char            *text;
  char            *update;
  double           fraction;
  guint            token_index;
  MtInterruptKind  kind;
  MtInterruptRole  role;
};

G_DEFINE_FINAL_TYPE (MtInterrupt, mt_interrupt, G_TYPE_OBJECT)

static void
mt_interrupt_finalize (GObject *object)
{
  MtInterrupt *self = (MtInterrupt *)object;

  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->update, g_free);

  G_OBJECT_CLASS (mt_interrupt_parent_class)->finalize (object);
}

static void
mt_interrupt_class_init (MtInterruptClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mt_interrupt_finalize;
}

static void
mt_interrupt_init (MtInterrupt *self)
{
}

MtInterrupt *
mt_interrupt_new (MtInterruptKind kind,
                  guint           token_index,
                  double          fraction)
{
  MtInterrupt *self;

  g_return_val_if_fail (kind <= MT_INTERRUPT_CUSTOM, NULL);

  self = g_object_new (MT_TYPE_INTERRUPT, NULL);
  self->kind = kind;
  self->token_index = token_index;
  self->fraction = fraction;

  return self;
}

MtInterruptKind
mt_interrupt_get_kind (MtInterrupt *self)
{
  g_return_val_if_fail (MT_IS_INTERRUPT (self), MT_INTERRUPT_HARD);
  return self->kind;
}

MtInterruptRole
mt_interrupt_get_role (MtInterrupt *self)
{
  g_return_val_if_fail (MT_IS_INTERRUPT (self), MT_INTERRUPT_ROLE_ASSISTANT);
  return self->role;
}

void
mt_interrupt_set_role (MtInterrupt     *self,
                       MtInterruptRole  role)
{
  g_return_if_fail (MT_IS_INTERRUPT (self));
  self->role = role;
}

guint
mt_interrupt_get_token_index (MtInterrupt *self)
{
  g_return_val_if_fail (MT_IS_INTERRUPT (self), 0);
  return self->token_index;
}

double
mt_interrupt_get_fraction (MtInterrupt *self)
{
  g_return_val_if_fail (MT_IS_INTERRUPT (self), 0.0);
  return self->fraction;
}

const char *
mt_interrupt_get_text (MtInterrupt *self)
{
  g_return_val_if_fail (MT_IS_INTERRUPT (self), NULL);
  return self->text;
}

void
mt_interrupt_set_text (MtInterrupt *self,
                       const char  *text)
{
  char *copy;

  g_return_if_fail (MT_IS_INTERRUPT (self));

  copy = g_strdup (text);
  g_free (self->text);
  self->text = copy;
}

const char *
mt_interrupt_get_update (MtInterrupt *self)
{
  g_return_val_if_fail (MT_IS_INTERRUPT (self), NULL);
  return self->update;
}

void
mt_interrupt_set_update (MtInterrupt *self,
                         const char  *update)
{
  char *copy;

  g_return_if_fail (MT_IS_INTERRUPT (self));

  copy = g_strdup (update);
  g_free (self->update);
  self->update = copy;
}
