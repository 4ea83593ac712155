/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "mt-compare.h"

/* Deeper parent chains than this are taken to be a cycle in a damaged lab. */
#define MAX_DEPTH 256

static int
compare_branches (gconstpointer a,
                  gconstpointer b)
{
  MtBranch *branch_a = *(MtBranch **)a;
  MtBranch *branch_b = *(MtBranch **)b;
  MtInterrupt *interrupt_a = mt_branch_get_interrupt (branch_a);
  MtInterrupt *interrupt_b = mt_branch_get_interrupt (branch_b);
  guint token_a = interrupt_a != NULL ? mt_interrupt_get_token_index (interrupt_a) : 0;
  guint token_b = interrupt_b != NULL ? mt_interrupt_get_token_index (interrupt_b) : 0;

  if (token_a != token_b)
    return token_a < token_b ? -1 : 1;

  return g_strcmp0 (mt_trace_get_id (MT_TRACE (branch_a)), mt_trace_get_id (MT_TRACE (branch_b)));
}

GPtrArray *
mt_compare_find_branches (MtLab   *lab,
                          MtTrace *trace)
{
  GPtrArray *branches;
  GListModel *traces;
  guint n_items;

  g_return_val_if_fail (MT_IS_LAB (lab), NULL);
  g_return_val_if_fail (MT_IS_TRACE (trace), NULL);

  branches = g_ptr_array_new_with_free_func (g_object_unref);
  traces = mt_lab_get_traces (lab);
  n_items = g_list_model_get_n_items (traces);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(MtTrace) item = g_list_model_get_item (traces, i);
      MtBranch *branch;

      if (!MT_IS_BRANCH (item))
        continue;

      branch = MT_BRANCH (item);
      if (mt_branch_get_parent (branch) == trace
          || (mt_branch_get_parent (branch) == NULL
              && g_strcmp0 (mt_branch_get_parent_id (branch), mt_trace_get_id (trace)) == 0))
        g_ptr_array_add (branches, g_object_ref (branch));
    }

  g_ptr_array_sort (branches, compare_branches);

  return branches;
}

static void
list_bases (MtLab     *lab,
            MtTrace   *trace,
            GPtrArray *bases,
            guint      depth)
{
  g_autoptr(GPtrArray) branches = NULL;

  if (depth > MAX_DEPTH || g_ptr_array_find (bases, trace, NULL))
    return;

  branches = mt_compare_find_branches (lab, trace);
  if (branches->len == 0)
    return;

  g_ptr_array_add (bases, g_object_ref (trace));
  for (guint i = 0; i < branches->len; i++)
    list_bases (lab, g_ptr_array_index (branches, i), bases, depth + 1);
}

GPtrArray *
mt_compare_list_bases (MtLab   *lab,
                       MtTrace *root)
{
  GPtrArray *bases;

  g_return_val_if_fail (MT_IS_LAB (lab), NULL);
  g_return_val_if_fail (MT_IS_TRACE (root), NULL);

  bases = g_ptr_array_new_with_free_func (g_object_unref);
  list_bases (lab, root, bases, 0);

  return bases;
}

/* The byte where reasoning token @token of @trace starts, moved back to a
 * character boundary: a real tokenizer may cut inside a character. */
static gsize
reasoning_offset (MtTrace *trace,
                  guint    token)
{
  const char *text = mt_trace_get_reasoning (trace);
  MtTokenSpans *spans;
  gsize length;
  gsize offset;

  if (text == NULL)
    return 0;

  length = strlen (text);
  spans = mt_trace_get_reasoning_spans (trace);
  if (spans == NULL || token >= mt_token_spans_get_n_tokens (spans))
    return length;

  {
    guint32 start, n_bytes;

    mt_token_spans_get_span (spans, token, &start, &n_bytes);
    offset = MIN ((gsize)start, length);
  }

  while (offset > 0 && offset < length && ((guchar)text[offset] & 0xc0) == 0x80)
    offset--;

  return offset;
}

/* The context a run of @trace sees before its own reasoning token @token:
 * its ancestors' text up to each interrupt, the interrupts, and its own
 * reasoning. */
static void
append_context (GString *context,
                guint   *n_tokens,
                MtTrace *trace,
                guint    token,
                guint    depth)
{
  const char *reasoning = mt_trace_get_reasoning (trace);

  if (MT_IS_BRANCH (trace) && depth < MAX_DEPTH)
    {
      MtBranch *branch = MT_BRANCH (trace);
      MtTrace *parent = mt_branch_get_parent (branch);
      MtInterrupt *interrupt = mt_branch_get_interrupt (branch);

      if (parent != NULL && interrupt != NULL)
        {
          const char *text = mt_interrupt_get_text (interrupt);

          append_context (context, n_tokens, parent, mt_interrupt_get_token_index (interrupt),
                          depth + 1);
          if (text != NULL)
            {
              g_string_append (context, text);
              *n_tokens += mt_count_tokens_approx (text, -1);
            }
        }
    }

  if (reasoning != NULL)
    g_string_append_len (context, reasoning, reasoning_offset (trace, token));
  *n_tokens += MIN (token, mt_trace_get_n_reasoning_tokens (trace));
}

static void
add_section (MtCompareColumn *column,
             GString         *text,
             MtComparePart    part,
             const char      *part_text,
             gsize            n_bytes)
{
  MtCompareSection section;

  section.part = part;
  section.start = text->len;
  if (part_text != NULL)
    g_string_append_len (text, part_text, n_bytes);
  section.end = text->len;
  g_array_append_val (column->sections, section);
}

static void
add_evidence (MtCompareColumn       *column,
              MtCompareEvidenceKind  kind,
              const GArray          *matches,
              gsize                  offset,
              gsize                  limit)
{
  if (matches == NULL)
    return;

  for (guint i = 0; i < matches->len; i++)
    {
      const MtMarkerMatch *match = &g_array_index (matches, MtMarkerMatch, i);
      MtCompareEvidence evidence;

      evidence.kind = kind;
      evidence.start = MIN (offset + match->start, limit);
      evidence.end = MIN (offset + match->end, limit);
      if (evidence.end > evidence.start)
        g_array_append_val (column->evidence, evidence);
    }
}

static int
compare_evidence (gconstpointer a,
                  gconstpointer b)
{
  const MtCompareEvidence *evidence_a = a;
  const MtCompareEvidence *evidence_b = b;

  if (evidence_a->start != evidence_b->start)
    return evidence_a->start < evidence_b->start ? -1 : 1;
  return 0;
}

static void
mt_compare_column_free (MtCompareColumn *column)
{
  g_clear_object (&column->trace);
  g_clear_object (&column->branch);
  mt_grade_clear (&column->grade);
  mt_diagnoses_clear (&column->diagnoses);
  g_clear_pointer (&column->text, g_free);
  g_clear_pointer (&column->sections, g_array_unref);
  g_clear_pointer (&column->evidence, g_array_unref);
  g_free (column);
}

static MtCompareColumn *
mt_compare_column_new (MtLab                       *lab,
                       MtComparison                *comparison,
                       MtTrace                     *trace,
                       MtMarkerLexicon             *lexicon,
                       const MtDiagnosisThresholds *thresholds)
{
  MtCompareColumn *column = g_new0 (MtCompareColumn, 1);
  g_autoptr(GPtrArray) children = mt_compare_find_branches (lab, trace);
  g_autoptr(GString) text = g_string_new (NULL);
  const char *base_reasoning = mt_trace_get_reasoning (comparison->base);
  const char *reasoning = mt_trace_get_reasoning (trace);
  const char *answer = mt_trace_get_answer (trace);
  gsize divergence_offset = reasoning_offset (comparison->base, comparison->divergence);
  gsize reasoning_start = 0;
  gsize answer_start;
  guint oracle_answer_tokens;

  column->trace = g_object_ref (trace);
  column->sections = g_array_new (FALSE, FALSE, sizeof (MtCompareSection));
  column->evidence = g_array_new (FALSE, FALSE, sizeof (MtCompareEvidence));
  column->n_branches = children->len;
  column->fraction = NAN;

  if (trace == comparison->base)
    {
      guint n_reasoning = mt_trace_get_n_reasoning_tokens (trace);

      column->token_index = comparison->divergence;
      column->tokens_after = (n_reasoning - MIN (comparison->divergence, n_reasoning))
                             + mt_trace_get_n_answer_tokens (trace);
      reasoning_start = divergence_offset;
      add_section (column, text, MT_COMPARE_PART_REASONING,
                   reasoning != NULL ? reasoning + divergence_offset : NULL,
                   reasoning != NULL ? strlen (reasoning) - divergence_offset : 0);
    }
  else
    {
      MtInterrupt *interrupt;
      gsize interrupt_offset;

      column->branch = g_object_ref (MT_BRANCH (trace));
      interrupt = mt_branch_get_interrupt (column->branch);
      column->token_index = mt_interrupt_get_token_index (interrupt);
      column->fraction = mt_interrupt_get_fraction (interrupt);
      column->tokens_after = mt_trace_get_n_reasoning_tokens (trace)
                             + mt_trace_get_n_answer_tokens (trace);
      mt_diagnose_branch (column->branch, lexicon, thresholds, &column->diagnoses);

      interrupt_offset = MAX (reasoning_offset (comparison->base, column->token_index),
                              divergence_offset);
      add_section (column, text, MT_COMPARE_PART_INHERITED,
                   base_reasoning != NULL ? base_reasoning + divergence_offset : NULL,
                   interrupt_offset - divergence_offset);
      add_section (column, text, MT_COMPARE_PART_INTERRUPT,
                   mt_interrupt_get_text (interrupt),
                   mt_interrupt_get_text (interrupt) != NULL
                     ? strlen (mt_interrupt_get_text (interrupt)) : 0);
      reasoning_start = text->len;
      add_section (column, text, MT_COMPARE_PART_REASONING, reasoning,
                   reasoning != NULL ? strlen (reasoning) : 0);
    }

  /* A line break keeps the last word of the reasoning and the first of
   * the answer apart for the word diff; no section claims it. */
  g_string_append_c (text, '\n');
  answer_start = text->len;
  add_section (column, text, MT_COMPARE_PART_ANSWER, answer,
               answer != NULL ? strlen (answer) : 0);

  column->answer_tokens = mt_trace_get_n_answer_tokens (trace);
  column->answer_chars = answer != NULL ? g_utf8_strlen (answer, -1) : 0;
  oracle_answer_tokens = mt_trace_get_n_answer_tokens (comparison->oracle);
  column->answer_ratio = oracle_answer_tokens > 0
                         ? (double)column->answer_tokens / oracle_answer_tokens : NAN;

  mt_grade_trace (trace, &column->grade);

  if (column->branch != NULL)
    {
      gsize reasoning_end = reasoning_start + (reasoning != NULL ? strlen (reasoning) : 0);

      add_evidence (column, MT_COMPARE_EVIDENCE_LEAKAGE, column->diagnoses.leakage.markers,
                    answer_start, text->len);
      add_evidence (column, MT_COMPARE_EVIDENCE_DOUBT, column->diagnoses.doubt.reasoning_markers,
                    reasoning_start, reasoning_end);
      add_evidence (column, MT_COMPARE_EVIDENCE_DOUBT, column->diagnoses.doubt.answer_markers,
                    answer_start, text->len);
      g_array_sort (column->evidence, compare_evidence);
    }

  column->text = g_string_free (g_steal_pointer (&text), FALSE);

  return column;
}

MtComparison *
mt_comparison_new (MtLab                       *lab,
                   MtTrace                     *base,
                   MtMarkerLexicon             *lexicon,
                   const MtDiagnosisThresholds *thresholds)
{
  g_autoptr(GPtrArray) branches = NULL;
  g_autoptr(GString) prefix = g_string_new (NULL);
  MtComparison *comparison;
  MtTrace *oracle = base;
  guint n_reasoning;

  g_return_val_if_fail (MT_IS_LAB (lab), NULL);
  g_return_val_if_fail (MT_IS_TRACE (base), NULL);

  if (MT_IS_BRANCH (base))
    {
      guint token;

      oracle = mt_diagnosis_find_oracle (MT_BRANCH (base), &token);
      if (oracle == NULL)
        oracle = base;
    }

  comparison = g_new0 (MtComparison, 1);
  comparison->base = g_object_ref (base);
  comparison->oracle = g_object_ref (oracle);
  comparison->columns = g_ptr_array_new_with_free_func ((GDestroyNotify)mt_compare_column_free);

  branches = mt_compare_find_branches (lab, base);
  n_reasoning = mt_trace_get_n_reasoning_tokens (base);
  comparison->divergence = n_reasoning;
  for (guint i = 0; i < branches->len; i++)
    {
      MtInterrupt *interrupt = mt_branch_get_interrupt (g_ptr_array_index (branches, i));

      if (interrupt != NULL)
        comparison->divergence = MIN (comparison->divergence,
                                      mt_interrupt_get_token_index (interrupt));
    }
  if (branches->len == 0)
    comparison->divergence = 0;

  append_context (prefix, &comparison->prefix_tokens, base, comparison->divergence, 0);
  comparison->prefix = g_string_free (g_steal_pointer (&prefix), FALSE);

  g_ptr_array_add (comparison->columns,
                   mt_compare_column_new (lab, comparison, base, lexicon, thresholds));
  for (guint i = 0; i < branches->len; i++)
    {
      MtBranch *branch = g_ptr_array_index (branches, i);

      if (mt_branch_get_interrupt (branch) == NULL)
        continue;
      g_ptr_array_add (comparison->columns,
                       mt_compare_column_new (lab, comparison, MT_TRACE (branch), lexicon,
                                              thresholds));
    }

  return comparison;
}

void
mt_comparison_free (MtComparison *comparison)
{
  if (comparison == NULL)
    return;

  g_clear_object (&comparison->base);
  g_clear_object (&comparison->oracle);
  g_clear_pointer (&comparison->prefix, g_free);
  g_clear_pointer (&comparison->columns, g_ptr_array_unref);
  g_free (comparison);
}

void
mt_compare_columns_diff (const MtCompareColumn *a,
                         const MtCompareColumn *b,
                         MtWordDiff            *diff)
{
  g_return_if_fail (a != NULL);
  g_return_if_fail (b != NULL);
  g_return_if_fail (diff != NULL);

  mt_diff_words (a->text, -1, b->text, -1, 0, diff);
}

double
mt_compare_relative_position (double value,
                              double upper,
                              double page)
{
  double range = upper - page;

  if (!(range > 0))
    return 0;

  return CLAMP (value / range, 0, 1);
}

double
mt_compare_absolute_position (double relative,
                              double upper,
                              double page)
{
  return CLAMP (relative, 0, 1) * MAX (upper - page, 0);
}
