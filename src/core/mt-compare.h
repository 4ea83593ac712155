/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "mt-branch.h"
#include "mt-diagnosis.h"
#include "mt-diff.h"
#include "mt-grade.h"
#include "mt-lab.h"

G_BEGIN_DECLS

/* What a stretch of a column's text is. */
typedef enum
{
  /* The base's reasoning from the divergence point to this branch's interrupt. */
  MT_COMPARE_PART_INHERITED,
  MT_COMPARE_PART_INTERRUPT,  /* the exact text injected */
  MT_COMPARE_PART_REASONING,  /* reasoning of this column's own run */
  MT_COMPARE_PART_ANSWER,
} MtComparePart;

typedef struct
{
  MtComparePart part;
  gsize         start;   /* byte span in the column's text */
  gsize         end;
} MtCompareSection;

/* Which failure mode a highlighted span is evidence of. */
typedef enum
{
  MT_COMPARE_EVIDENCE_LEAKAGE,
  MT_COMPARE_EVIDENCE_DOUBT,
} MtCompareEvidenceKind;

typedef struct
{
  MtCompareEvidenceKind kind;
  gsize                 start;  /* byte span in the column's text */
  gsize                 end;
} MtCompareEvidence;

/* One column: the base run (the oracle when the base is not a branch) or
 * one of its branches, from the divergence point on. */
typedef struct
{
  MtTrace     *trace;
  MtBranch    *branch;           /* NULL for the base column */
  /* The interrupt's token in the base's reasoning; for the base, the
   * divergence point. */
  guint        token_index;
  double       fraction;         /* X, NAN for the base column */
  /* Tokens generated after the interrupt (the branch's reasoning and
   * answer); for the base, its tokens from the divergence point on. */
  guint        tokens_after;
  guint        answer_tokens;
  guint64      answer_chars;
  double       answer_ratio;     /* answer tokens over the oracle's, NAN when the oracle has none */
  MtGrade      grade;
  MtDiagnoses  diagnoses;        /* all not applicable for the base column */
  guint        n_branches;       /* how many branches continue this column's run */
  char        *text;             /* what the column shows */
  GArray      *sections;         /* MtCompareSection, in order, covering @text */
  GArray      *evidence;         /* MtCompareEvidence, by start */
} MtCompareColumn;

/* The base run and its branches, aligned at the divergence point: the
 * earliest interrupt among them. Everything before it is the shared
 * prefix. */
typedef struct
{
  MtTrace   *base;
  MtTrace   *oracle;           /* the root of the base's parent chain */
  /* The shared context: the ancestors' text and the base's reasoning up to
   * the divergence point. */
  char      *prefix;
  guint      prefix_tokens;
  guint      divergence;       /* token index into the base's reasoning */
  GPtrArray *columns;          /* MtCompareColumn, the base first, then branches by X and id */
} MtComparison;

/* The direct branches of @trace in @lab, by X and then id. */
GPtrArray    *mt_compare_find_branches   (MtLab                       *lab,
                                          MtTrace                     *trace);
/* The runs under @root that have branches to compare, @root first, then
 * depth first: the choices for a view of branches of branches. */
GPtrArray    *mt_compare_list_bases      (MtLab                       *lab,
                                          MtTrace                     *root);
/* Lays out @base and its branches in @lab side by side, grading and
 * diagnosing each. @lexicon and @thresholds may be NULL for the
 * defaults. Runs graders, so call it from the thread that owns the lab. */
MtComparison *mt_comparison_new          (MtLab                       *lab,
                                          MtTrace                     *base,
                                          MtMarkerLexicon             *lexicon,
                                          const MtDiagnosisThresholds *thresholds);
void          mt_comparison_free         (MtComparison                *comparison);

/* The word differences between the texts of columns @a and @b: removed
 * spans are in @a's text, inserted ones in @b's. */
void          mt_compare_columns_diff    (const MtCompareColumn       *a,
                                          const MtCompareColumn       *b,
                                          MtWordDiff                  *diff);

/* Where a scroll position @value of a view whose range is @upper - @page
 * stands relative to its range (0..1), and back: how synchronized columns
 * of different lengths keep to the same relative place. */
double        mt_compare_relative_position (double                     value,
                                            double                     upper,
                                            double                     page);
double        mt_compare_absolute_position (double                     relative,
                                            double                     upper,
                                            double                     page);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MtComparison, mt_comparison_free)

G_END_DECLS
