/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-problem.h"
#include "mt-trace.h"

G_BEGIN_DECLS

/* Which rule pulled the final answer out of a model's answer text. */
typedef enum
{
  MT_EXTRACT_NONE,           /* nothing found */
  MT_EXTRACT_BOXED,          /* the last \boxed{...} or \fbox{...} */
  MT_EXTRACT_ANSWER_LINE,    /* a final "Answer: ..." line */
  MT_EXTRACT_ANSWER_PHRASE,  /* "the (final) answer is ..." */
  MT_EXTRACT_LAST_NUMBER,    /* the last number in the text */
  MT_EXTRACT_CODE_BLOCK,     /* the last fenced code block */
  MT_EXTRACT_GSM8K,          /* text after "####" */
  MT_EXTRACT_LAST_MATH,      /* the right-hand side of the last formula of the last paragraph */
} MtExtractRule;

typedef struct
{
  MtExtractRule rule;
  char         *text;    /* the extracted answer, NULL for MT_EXTRACT_NONE */
  gsize         start;   /* byte span of the answer in the searched text */
  gsize         end;
} MtExtraction;

typedef enum
{
  MT_VERDICT_UNGRADED,     /* no truth to compare with */
  MT_VERDICT_CORRECT,
  MT_VERDICT_WRONG,
  MT_VERDICT_UNGRADABLE,   /* no answer found, or it cannot be judged; see reason */
} MtVerdict;

typedef struct
{
  MtVerdict     verdict;
  MtExtraction  extraction;
  char         *grader;           /* "math", "numeric", "text", "choice", "constraint", "gsm8k", "code" */
  char         *answer_normalized;
  char         *truth_normalized;
  char         *reason;           /* plain words: "equal as numbers (0.4285714 vs 3/7)", "no \boxed{} or Answer: line" */
} MtGrade;

const char *mt_extract_rule_to_string (MtExtractRule   rule);
const char *mt_verdict_to_string      (MtVerdict       verdict);

/* Pulls the final answer out of @text (a model's answer section). */
void        mt_extract_answer         (const char     *text,
                                       MtDomain        domain,
                                       MtExtraction   *extraction);
void        mt_extraction_clear       (MtExtraction   *extraction);

/* Compares an already-extracted @answer with @truth. The "code" grader
 * writes to a child process: the program should ignore SIGPIPE, as the
 * CLI and the app do, so a grader that exits early is an error, not a crash.
 * @grader is a name from
 * items.json ("numeric", "text", ...), "math" (the default, the paper's
 * math_equal), or NULL for the default of @domain. @accept lists other
 * accepted truths. Bounded in time and never crashes on any input. */
void        mt_grade_answer           (const char         *answer,
                                       const char         *truth,
                                       const char         *grader,
                                       const char * const *accept,
                                       MtGrade            *grade);
/* Extracts from the trace's answer text and grades against its problem's
 * truth (the update answer for branches made by an update interrupt). */
void        mt_grade_trace            (MtTrace            *trace,
                                       MtGrade            *grade);
void        mt_grade_clear            (MtGrade            *grade);

G_END_DECLS
