/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "mt-problem.h"

struct _MtProblem
{
  GObject    parent_instance;

  char      *id;
  char      *source;
  char      *prompt;
  char      *answer;
  char      *update;
  char      *update_answer;
  char      *grader;
  char     **accept;
  MtDomain   domain;
};

G_DEFINE_FINAL_TYPE (MtProblem, mt_problem, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_SOURCE,
  PROP_DOMAIN,
  PROP_PROMPT,
  PROP_ANSWER,
  PROP_UPDATE,
  PROP_UPDATE_ANSWER,
  PROP_GRADER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
mt_problem_finalize (GObject *object)
{
  MtProblem *self = (MtProblem *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->source, g_free);
  g_clear_pointer (&self->prompt, g_free);
  g_clear_pointer (&self->answer, g_free);
  g_clear_pointer (&self->update, g_free);
  g_clear_pointer (&self->update_answer, g_free);
  g_clear_pointer (&self->grader, g_free);
  g_clear_pointer (&self->accept, g_strfreev);

  G_OBJECT_CLASS (mt_problem_parent_class)->finalize (object);
}

static void
mt_problem_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  MtProblem *self = MT_PROBLEM (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_SOURCE: g_value_set_string (value, self->source); break;
    case PROP_DOMAIN: g_value_set_uint (value, self->domain); break;
    case PROP_PROMPT: g_value_set_string (value, self->prompt); break;
    case PROP_ANSWER: g_value_set_string (value, self->answer); break;
    case PROP_UPDATE: g_value_set_string (value, self->update); break;
    case PROP_UPDATE_ANSWER: g_value_set_string (value, self->update_answer); break;
    case PROP_GRADER: g_value_set_string (value, self->grader); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_problem_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  MtProblem *self = MT_PROBLEM (object);

  switch (prop_id)
    {
    case PROP_ID: self->id = g_value_dup_string (value); break;
    case PROP_SOURCE: mt_problem_set_source (self, g_value_get_string (value)); break;
    case PROP_DOMAIN: mt_problem_set_domain (self, g_value_get_uint (value)); break;
    case PROP_PROMPT: mt_problem_set_prompt (self, g_value_get_string (value)); break;
    case PROP_ANSWER: mt_problem_set_answer (self, g_value_get_string (value)); break;
    case PROP_UPDATE: mt_problem_set_update (self, g_value_get_string (value)); break;
    case PROP_UPDATE_ANSWER: mt_problem_set_update_answer (self, g_value_get_string (value)); break;
    case PROP_GRADER: mt_problem_set_grader (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_problem_class_init (MtProblemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = mt_problem_finalize;
  object_class->get_property = mt_problem_get_property;
  object_class->set_property = mt_problem_set_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SOURCE] = g_param_spec_string ("source", NULL, NULL, NULL, flags);
  properties[PROP_DOMAIN] =
    g_param_spec_uint ("domain", NULL, NULL, MT_DOMAIN_OTHER, MT_DOMAIN_CODE, MT_DOMAIN_OTHER, flags);
  properties[PROP_PROMPT] = g_param_spec_string ("prompt", NULL, NULL, NULL, flags);
  properties[PROP_ANSWER] = g_param_spec_string ("answer", NULL, NULL, NULL, flags);
  properties[PROP_UPDATE] = g_param_spec_string ("update", NULL, NULL, NULL, flags);
  properties[PROP_UPDATE_ANSWER] = g_param_spec_string ("update-answer", NULL, NULL, NULL, flags);
  properties[PROP_GRADER] = g_param_spec_string ("grader", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mt_problem_init (MtProblem *self)
{
}

MtProblem *
mt_problem_new (const char *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  return g_object_new (MT_TYPE_PROBLEM, "id", id, NULL);
}

static void
set_string (MtProblem  *self,
            char      **field,
            const char *value,
            guint       prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

const char *
mt_problem_get_id (MtProblem *self)
{
  g_return_val_if_fail (MT_IS_PROBLEM (self), NULL);
  return self->id;
}

#define DEFINE_STRING_ACCESSORS(field, PROP)                                  \
  const char *                                                                \
  mt_problem_get_##field (MtProblem *self)                                    \
  {                                                                           \
    g_return_val_if_fail (MT_IS_PROBLEM (self), NULL);                        \
    return self->field;                                                       \
  }                                                                           \
  void                                                                        \
  mt_problem_set_##field (MtProblem  *self,                                   \
                          const char *field)                                  \
  {                                                                           \
    g_return_if_fail (MT_IS_PROBLEM (self));                                  \
    set_string (self, &self->field, field, PROP);                             \
  }

DEFINE_STRING_ACCESSORS (source, PROP_SOURCE)
DEFINE_STRING_ACCESSORS (prompt, PROP_PROMPT)
DEFINE_STRING_ACCESSORS (answer, PROP_ANSWER)
DEFINE_STRING_ACCESSORS (update, PROP_UPDATE)
DEFINE_STRING_ACCESSORS (update_answer, PROP_UPDATE_ANSWER)
DEFINE_STRING_ACCESSORS (grader, PROP_GRADER)

MtDomain
mt_problem_get_domain (MtProblem *self)
{
  g_return_val_if_fail (MT_IS_PROBLEM (self), MT_DOMAIN_OTHER);
  return self->domain;
}

void
mt_problem_set_domain (MtProblem *self,
                       MtDomain   domain)
{
  g_return_if_fail (MT_IS_PROBLEM (self));

  if (self->domain == domain)
    return;
  self->domain = domain;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOMAIN]);
}

const char * const *
mt_problem_get_accept (MtProblem *self)
{
  g_return_val_if_fail (MT_IS_PROBLEM (self), NULL);
  return (const char * const *) self->accept;
}

void
mt_problem_set_accept (MtProblem          *self,
                       const char * const *accept)
{
  g_return_if_fail (MT_IS_PROBLEM (self));

  g_strfreev (self->accept);
  self->accept = accept != NULL && accept[0] != NULL ? g_strdupv ((char **) accept) : NULL;
}
