/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Private to the core library: the normalizer and numeric evaluator behind
 * the "math" grader (mt-grade.c). Every function here is bounded in time
 * and memory for any input. */

/* Longest text, in bytes, that is normalized and evaluated at all. */
#define MT_MATH_MAX_INPUT 4096
/* Deepest recursion of the evaluator: about four steps per bracket, so
 * answers nested up to ~100 levels are evaluated. */
#define MT_MATH_MAX_DEPTH 400

typedef enum
{
  MT_MATH_EQUAL,
  MT_MATH_NOT_EQUAL,
  MT_MATH_UNJUDGEABLE,  /* too long, too deep, or the truth itself is broken */
} MtMathResult;

/* Returns the normalized form of @text (the paper's strip_string, plus
 * thousands separators and Unicode maths), or NULL when @text is longer
 * than MT_MATH_MAX_INPUT. Sets @had_percent when a percent sign was removed. */
char         *_mt_math_normalize (const char  *text,
                                  gboolean    *had_percent);

/* Evaluates a normalized LaTeX expression without variables. Returns FALSE
 * when it is not a finite number, with the cause in @error_out (static). */
gboolean      _mt_math_evaluate  (const char  *normalized,
                                  double      *value,
                                  const char **error_out);

/* math_equal: compares a model's @answer with @truth. Fills the normalized
 * forms and a reason in plain words; all three are newly allocated. */
MtMathResult  _mt_math_equal     (const char  *answer,
                                  const char  *truth,
                                  char       **answer_normalized,
                                  char       **truth_normalized,
                                  char       **reason);

G_END_DECLS
