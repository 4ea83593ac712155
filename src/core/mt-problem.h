/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "mt-enums.h"

G_BEGIN_DECLS

#define MT_TYPE_PROBLEM (mt_problem_get_type ())

G_DECLARE_FINAL_TYPE (MtProblem, mt_problem, MT, PROBLEM, GObject)

MtProblem          *mt_problem_new               (const char          *id);
const char         *mt_problem_get_id            (MtProblem           *self);
const char         *mt_problem_get_source        (MtProblem           *self);
void                mt_problem_set_source        (MtProblem           *self,
                                                  const char          *source);
MtDomain            mt_problem_get_domain        (MtProblem           *self);
void                mt_problem_set_domain        (MtProblem           *self,
                                                  MtDomain             domain);
const char         *mt_problem_get_prompt        (MtProblem           *self);
void                mt_problem_set_prompt        (MtProblem           *self,
                                                  const char          *prompt);
const char         *mt_problem_get_answer        (MtProblem           *self);
void                mt_problem_set_answer        (MtProblem           *self,
                                                  const char          *answer);
const char         *mt_problem_get_update        (MtProblem           *self);
void                mt_problem_set_update        (MtProblem           *self,
                                                  const char          *update);
const char         *mt_problem_get_update_answer (MtProblem           *self);
void                mt_problem_set_update_answer (MtProblem           *self,
                                                  const char          *update_answer);
const char         *mt_problem_get_grader        (MtProblem           *self);
void                mt_problem_set_grader        (MtProblem           *self,
                                                  const char          *grader);
const char * const *mt_problem_get_accept        (MtProblem           *self);
void                mt_problem_set_accept        (MtProblem           *self,
                                                  const char * const  *accept);

G_END_DECLS
