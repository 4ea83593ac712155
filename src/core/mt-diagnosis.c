/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "mt-analysis-private.h"
#include "mt-diagnosis.h"

void
mt_diagnosis_thresholds_init (MtDiagnosisThresholds *thresholds)
{
  g_return_if_fail (thresholds != NULL);

  thresholds->leakage_min_ratio = 2.0;
  thresholds->leakage_min_markers = 3;
  thresholds->panic_max_fraction = 0.01;
  thresholds->doubt_min_markers = 1;
}

const char *
mt_diagnosis_verdict_to_string (MtDiagnosisVerdict verdict)
{
  switch (verdict)
    {
    case MT_DIAGNOSIS_NOT_APPLICABLE: return "not-applicable";
    case MT_DIAGNOSIS_NO: return "no";
    case MT_DIAGNOSIS_YES: return "yes";
    default: g_return_val_if_reached (NULL);
    }
}

gboolean
mt_interrupt_kind_may_leak (MtInterruptKind kind)
{
  return kind == MT_INTERRUPT_HARD || kind == MT_INTERRUPT_FORCE_ANSWER;
}

gboolean
mt_interrupt_kind_may_panic (MtInterruptKind kind)
{
  return kind == MT_INTERRUPT_SPEEDUP || kind == MT_INTERRUPT_UPDATE_SPEEDUP;
}

gboolean
mt_interrupt_kind_may_doubt (MtInterruptKind kind)
{
  return kind == MT_INTERRUPT_UPDATE || kind == MT_INTERRUPT_GUIDED_UPDATE ||
         kind == MT_INTERRUPT_UPDATE_SPEEDUP;
}

MtTrace *
mt_diagnosis_find_oracle (MtBranch *branch,
                          guint    *interrupt_token)
{
  MtTrace *trace = MT_TRACE (branch);
  guint k = 0;
  guint depth = 0;

  g_return_val_if_fail (MT_IS_BRANCH (branch), NULL);

  while (MT_IS_BRANCH (trace))
    {
      /* A lab is a forest; a cycle would be a bug elsewhere, not a hang here. */
      if (++depth > 10000)
        return NULL;
      k += mt_interrupt_get_token_index (mt_branch_get_interrupt (MT_BRANCH (trace)));
      trace = mt_branch_get_parent (MT_BRANCH (trace));
      if (trace == NULL)
        return NULL;
    }

  if (interrupt_token != NULL)
    *interrupt_token = k;
  return trace;
}

/* Code points, not bytes: the paper's lengths in characters are Python's. */
static guint64
count_chars (const char *text,
             gsize       length)
{
  guint64 n = 0;

  for (gsize i = 0; i < length; i++)
    n += ((guchar) text[i] & 0xC0) != 0x80;
  return n;
}

void
_mt_trace_facts_compute (MtTraceFacts    *facts,
                         MtTrace         *trace,
                         MtMarkerLexicon *lexicon,
                         MtTokenSpans    *reasoning_spans,
                         MtTokenSpans    *answer_spans,
                         guint            n_bins,
                         GArray          *reasoning_matches,
                         GArray          *answer_matches)
{
  const char *reasoning = mt_trace_get_reasoning (trace);
  const char *answer = mt_trace_get_answer (trace);
  gsize reasoning_length = reasoning ? strlen (reasoning) : 0;
  gsize answer_length = answer ? strlen (answer) : 0;
  g_autoptr(GArray) scratch = NULL;
  MtGrade grade;
  guint n_categories = mt_marker_lexicon_get_n_categories (lexicon);
  guint first;

  memset (facts, 0, sizeof *facts);
  facts->n_categories = n_categories;
  facts->n_bins = n_bins;
  /* One block for the three tables. */
  facts->reasoning_counts = g_new0 (guint, n_categories * (2 + n_bins));
  facts->answer_counts = facts->reasoning_counts + n_categories;
  facts->density = facts->answer_counts + n_categories;

  if (reasoning_spans != NULL)
    facts->reasoning_tokens = mt_token_spans_get_n_tokens (reasoning_spans);
  else
    facts->reasoning_tokens = mt_count_tokens_approx (reasoning ? reasoning : "", reasoning_length);
  if (answer_spans != NULL)
    facts->answer_tokens = mt_token_spans_get_n_tokens (answer_spans);
  else
    facts->answer_tokens = mt_count_tokens_approx (answer ? answer : "", answer_length);
  facts->reasoning_chars = count_chars (reasoning, reasoning_length);
  facts->answer_chars = count_chars (answer, answer_length);
  facts->usage_reasoning = mt_trace_get_usage_reasoning_tokens (trace);

  /* The density needs each reasoning marker's position. */
  if (reasoning_matches == NULL)
    reasoning_matches = scratch = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));
  first = reasoning_matches->len;
  if (reasoning != NULL)
    mt_marker_lexicon_scan (lexicon, reasoning, reasoning_length, reasoning_spans,
                            reasoning_matches, facts->reasoning_counts);
  for (guint c = 0; c < n_categories && n_bins > 0 && reasoning_matches->len > first; c++)
    mt_marker_density (&g_array_index (reasoning_matches, MtMarkerMatch, first),
                       reasoning_matches->len - first, c, facts->reasoning_tokens,
                       reasoning_length, facts->density + c * n_bins, n_bins);
  if (answer != NULL)
    mt_marker_lexicon_scan (lexicon, answer, answer_length, answer_spans,
                            answer_matches, facts->answer_counts);

  mt_grade_trace (trace, &grade);
  facts->verdict = grade.verdict;
  facts->extracted = g_steal_pointer (&grade.extraction.text);
  mt_grade_clear (&grade);
}

void
_mt_trace_facts_clear (MtTraceFacts *facts)
{
  g_clear_pointer (&facts->extracted, g_free);
  g_clear_pointer (&facts->reasoning_counts, g_free);
  facts->answer_counts = NULL;
  facts->density = NULL;
}

guint
_mt_trace_facts_get_oracle_tokens (const MtTraceFacts *oracle,
                                   gboolean           *recorded)
{
  gboolean has_usage = oracle->usage_reasoning >= 0;

  if (recorded != NULL)
    *recorded = has_usage;
  return has_usage ? (guint) MIN (oracle->usage_reasoning, G_MAXUINT) : oracle->reasoning_tokens;
}

static guint
category_count (const guint     *counts,
                MtMarkerLexicon *lexicon,
                const char      *id)
{
  int category = mt_marker_lexicon_find_category (lexicon, id);

  return category >= 0 ? counts[category] : 0;
}

static gboolean
is_wrong (MtVerdict verdict)
{
  /* No answer at all is a wrong answer under Pass@1. */
  return verdict == MT_VERDICT_WRONG || verdict == MT_VERDICT_UNGRADABLE;
}

static void
judge_leakage (MtInterruptKind              kind,
               const MtTraceFacts          *branch,
               const MtTraceFacts          *oracle,
               MtMarkerLexicon             *lexicon,
               const MtDiagnosisThresholds *thresholds,
               MtLeakageDiagnosis          *out)
{
  gboolean long_answer, many_markers;
  g_autofree char *length_words = NULL;

  out->answer_tokens = branch->answer_tokens;
  out->answer_chars = branch->answer_chars;
  out->n_markers = category_count (branch->answer_counts, lexicon, MT_MARKER_LEAKAGE);
  out->token_ratio = NAN;
  out->char_ratio = NAN;

  if (!mt_interrupt_kind_may_leak (kind))
    {
      out->verdict = MT_DIAGNOSIS_NOT_APPLICABLE;
      out->explanation = g_strdup_printf (_("Leakage is judged after hard and force-answer "
                                            "interrupts; this one is %s."),
                                          mt_interrupt_kind_to_string (kind));
      return;
    }
  if (oracle == NULL)
    {
      out->verdict = MT_DIAGNOSIS_NOT_APPLICABLE;
      out->explanation = g_strdup (_("The uninterrupted run this branch comes from is not in the "
                                     "lab, so there is no answer to compare with."));
      return;
    }

  out->oracle_answer_tokens = oracle->answer_tokens;
  out->oracle_answer_chars = oracle->answer_chars;
  if (oracle->answer_tokens > 0)
    out->token_ratio = (double) branch->answer_tokens / oracle->answer_tokens;
  if (oracle->answer_chars > 0)
    out->char_ratio = (double) branch->answer_chars / oracle->answer_chars;

  long_answer = !isnan (out->token_ratio) && out->token_ratio >= thresholds->leakage_min_ratio;
  many_markers = thresholds->leakage_min_markers > 0 &&
                 out->n_markers >= thresholds->leakage_min_markers;
  out->verdict = long_answer || many_markers ? MT_DIAGNOSIS_YES : MT_DIAGNOSIS_NO;

  if (isnan (out->token_ratio))
    length_words = g_strdup_printf (_("The oracle gave no answer to compare lengths with (this "
                                      "one has %u tokens)"), branch->answer_tokens);
  else
    length_words = g_strdup_printf (_("The answer is %.1f× the oracle's (%u vs %u tokens)"),
                                    out->token_ratio, branch->answer_tokens,
                                    oracle->answer_tokens);

  /* Translators: the answer's length compared with the oracle's, then a
   * count of reasoning cues and the verdict */
  out->explanation = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                   "%s and holds %u reasoning cue: %s.",
                                                   "%s and holds %u reasoning cues: %s.",
                                                   out->n_markers),
                                      length_words, out->n_markers,
                                      out->verdict == MT_DIAGNOSIS_YES
                                      ? _("the model kept thinking inside its answer")
                                      : _("no sign of reasoning leaking into the answer"));
}

static void
judge_panic (MtInterruptKind              kind,
             guint                        interrupt_token,
             const MtTraceFacts          *branch,
             const MtTraceFacts          *oracle,
             const MtDiagnosisThresholds *thresholds,
             MtPanicDiagnosis            *out)
{
  guint remaining;
  gboolean abandoned;

  out->interrupt_token = interrupt_token;
  out->reasoning_after = branch->reasoning_tokens;
  out->branch_verdict = branch->verdict;
  out->fraction = NAN;

  if (!mt_interrupt_kind_may_panic (kind))
    {
      out->verdict = MT_DIAGNOSIS_NOT_APPLICABLE;
      out->explanation = g_strdup_printf (_("Panic is judged after speedup interrupts; this one "
                                            "is %s."), mt_interrupt_kind_to_string (kind));
      return;
    }
  if (oracle == NULL)
    {
      out->verdict = MT_DIAGNOSIS_NOT_APPLICABLE;
      out->explanation = g_strdup (_("The uninterrupted run this branch comes from is not in the "
                                     "lab, so there is no reasoning to compare with."));
      return;
    }

  out->oracle_verdict = oracle->verdict;
  out->oracle_reasoning_tokens = _mt_trace_facts_get_oracle_tokens (oracle,
                                                                    &out->oracle_tokens_recorded);
  remaining = out->oracle_reasoning_tokens > interrupt_token
              ? out->oracle_reasoning_tokens - interrupt_token : 0;
  if (remaining > 0)
    out->fraction = (double) branch->reasoning_tokens / remaining;

  if (branch->verdict == MT_VERDICT_UNGRADED || oracle->verdict == MT_VERDICT_UNGRADED)
    {
      out->verdict = MT_DIAGNOSIS_NOT_APPLICABLE;
      out->explanation = g_strdup (_("There is no ground truth to tell a wrong answer from a right "
                                     "one."));
      return;
    }
  if (remaining == 0)
    {
      out->verdict = MT_DIAGNOSIS_NO;
      out->explanation = g_strdup_printf (_("The interrupt came at token %u, where the oracle had "
                                            "already finished reasoning (%u tokens): nothing was "
                                            "left to abandon."),
                                          interrupt_token, out->oracle_reasoning_tokens);
      return;
    }

  abandoned = branch->reasoning_tokens <= thresholds->panic_max_fraction * remaining;
  if (abandoned && is_wrong (branch->verdict) && oracle->verdict == MT_VERDICT_CORRECT)
    {
      out->verdict = MT_DIAGNOSIS_YES;
      out->explanation = g_strdup_printf (_("After the speedup it reasoned %u more tokens, %.1f%% "
                                            "of the %u the oracle still needed, and answered "
                                            "wrongly where the oracle was right."),
                                          branch->reasoning_tokens, 100.0 * out->fraction,
                                          remaining);
      return;
    }

  out->verdict = MT_DIAGNOSIS_NO;
  if (!abandoned)
    out->explanation = g_strdup_printf (_("It kept reasoning: %u more tokens, %.1f%% of the %u the "
                                          "oracle still needed."),
                                        branch->reasoning_tokens, 100.0 * out->fraction,
                                        remaining);
  else if (!is_wrong (branch->verdict))
    out->explanation = g_strdup_printf (_("It cut its reasoning to %.1f%% of the oracle's "
                                          "remaining %u tokens but still answered correctly."),
                                        100.0 * out->fraction, remaining);
  else
    out->explanation = g_strdup_printf (_("It cut its reasoning to %.1f%% of the oracle's "
                                          "remaining %u tokens and answered wrongly, but the "
                                          "oracle was wrong too."),
                                        100.0 * out->fraction, remaining);
}

static void
judge_doubt (MtInterruptKind              kind,
             const MtTraceFacts          *branch,
             const MtTraceFacts          *oracle,
             MtMarkerLexicon             *lexicon,
             const char                  *grader,
             const MtDiagnosisThresholds *thresholds,
             MtDoubtDiagnosis            *out)
{
  g_autofree char *doubt_words = NULL;

  out->n_markers = category_count (branch->reasoning_counts, lexicon, MT_MARKER_UPDATE_DOUBT) +
                   category_count (branch->answer_counts, lexicon, MT_MARKER_UPDATE_DOUBT);
  out->branch_verdict = branch->verdict;
  out->answer = g_strdup (branch->extracted);
  out->pre_update_answer = oracle ? g_strdup (oracle->extracted) : NULL;

  if (!mt_interrupt_kind_may_doubt (kind))
    {
      out->verdict = MT_DIAGNOSIS_NOT_APPLICABLE;
      out->explanation = g_strdup_printf (_("Self-doubt is judged after update interrupts; this "
                                            "one is %s."), mt_interrupt_kind_to_string (kind));
      return;
    }

  /* "The same answer" as the grader sees it: 0.5 and 1/2 are one answer. */
  if (out->answer != NULL && out->pre_update_answer != NULL)
    {
      MtGrade same;

      mt_grade_answer (out->answer, out->pre_update_answer, grader, NULL, &same);
      out->same_as_pre_update = same.verdict == MT_VERDICT_CORRECT;
      mt_grade_clear (&same);
    }

  if (out->n_markers < thresholds->doubt_min_markers || out->n_markers == 0)
    {
      out->verdict = MT_DIAGNOSIS_NO;
      out->explanation = out->n_markers == 0
                         ? g_strdup (_("No sign of doubting the update after it arrived."))
                         : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                         "Only %u update-doubt marker after the "
                                                         "update (%u needed).",
                                                         "Only %u update-doubt markers after the "
                                                         "update (%u needed).",
                                                         out->n_markers),
                                            out->n_markers, thresholds->doubt_min_markers);
      return;
    }

  doubt_words = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "It doubted the update (%u marker)",
                                              "It doubted the update (%u markers)",
                                              out->n_markers),
                                 out->n_markers);
  if (out->same_as_pre_update)
    {
      out->verdict = MT_DIAGNOSIS_YES;
      out->explanation = g_strdup_printf (_("%s and kept the pre-update answer %s."), doubt_words,
                                          out->answer);
    }
  else if (is_wrong (branch->verdict))
    {
      out->verdict = MT_DIAGNOSIS_YES;
      out->explanation = g_strdup_printf (_("%s and answered wrongly."), doubt_words);
    }
  else if (branch->verdict == MT_VERDICT_CORRECT)
    {
      out->verdict = MT_DIAGNOSIS_NO;
      out->explanation = g_strdup_printf (_("%s but answered correctly."), doubt_words);
    }
  else
    {
      out->verdict = MT_DIAGNOSIS_NOT_APPLICABLE;
      out->explanation = g_strdup_printf (_("%s, but with no ground truth the outcome cannot be "
                                            "judged."), doubt_words);
    }
}

void
_mt_diagnose (MtInterruptKind              kind,
              guint                        interrupt_token,
              const MtTraceFacts          *branch,
              const MtTraceFacts          *oracle,
              MtMarkerLexicon             *lexicon,
              const char                  *grader,
              const MtDiagnosisThresholds *thresholds,
              MtDiagnoses                 *diagnoses)
{
  memset (diagnoses, 0, sizeof *diagnoses);

  judge_leakage (kind, branch, oracle, lexicon, thresholds, &diagnoses->leakage);
  judge_panic (kind, interrupt_token, branch, oracle, thresholds, &diagnoses->panic);
  judge_doubt (kind, branch, oracle, lexicon, grader, thresholds, &diagnoses->doubt);
}

static GArray *
filter_matches (GArray *matches,
                int     category)
{
  GArray *kept = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));

  for (guint i = 0; i < matches->len; i++)
    if ((int) g_array_index (matches, MtMarkerMatch, i).category == category)
      g_array_append_val (kept, g_array_index (matches, MtMarkerMatch, i));
  return kept;
}

void
mt_diagnose_branch (MtBranch                    *branch,
                    MtMarkerLexicon             *lexicon,
                    const MtDiagnosisThresholds *thresholds,
                    MtDiagnoses                 *diagnoses)
{
  g_autoptr(MtMarkerLexicon) default_lexicon = NULL;
  g_autoptr(GArray) reasoning_matches = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));
  g_autoptr(GArray) answer_matches = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));
  MtDiagnosisThresholds default_thresholds;
  MtTraceFacts branch_facts, oracle_facts;
  MtTrace *trace = MT_TRACE (branch);
  MtProblem *problem;
  MtTrace *oracle;
  guint k = 0;

  g_return_if_fail (MT_IS_BRANCH (branch));
  g_return_if_fail (lexicon == NULL || MT_IS_MARKER_LEXICON (lexicon));
  g_return_if_fail (diagnoses != NULL);

  if (lexicon == NULL)
    lexicon = default_lexicon = mt_marker_lexicon_new_default (NULL);
  if (thresholds == NULL)
    {
      mt_diagnosis_thresholds_init (&default_thresholds);
      thresholds = &default_thresholds;
    }

  oracle = mt_diagnosis_find_oracle (branch, &k);
  problem = mt_trace_get_problem (trace);

  _mt_trace_facts_compute (&branch_facts, trace, lexicon,
                           mt_trace_get_reasoning_spans (trace), mt_trace_get_answer_spans (trace),
                           0, reasoning_matches, answer_matches);
  if (oracle != NULL)
    _mt_trace_facts_compute (&oracle_facts, oracle, lexicon,
                             mt_trace_get_reasoning_spans (oracle),
                             mt_trace_get_answer_spans (oracle), 0, NULL, NULL);

  _mt_diagnose (mt_interrupt_get_kind (mt_branch_get_interrupt (branch)), k, &branch_facts,
                oracle ? &oracle_facts : NULL, lexicon,
                problem ? mt_problem_get_grader (problem) : NULL, thresholds, diagnoses);

  diagnoses->leakage.markers =
    filter_matches (answer_matches, mt_marker_lexicon_find_category (lexicon, MT_MARKER_LEAKAGE));
  diagnoses->doubt.reasoning_markers =
    filter_matches (reasoning_matches,
                    mt_marker_lexicon_find_category (lexicon, MT_MARKER_UPDATE_DOUBT));
  diagnoses->doubt.answer_markers =
    filter_matches (answer_matches,
                    mt_marker_lexicon_find_category (lexicon, MT_MARKER_UPDATE_DOUBT));

  _mt_trace_facts_clear (&branch_facts);
  if (oracle != NULL)
    _mt_trace_facts_clear (&oracle_facts);
}

void
mt_diagnoses_clear (MtDiagnoses *diagnoses)
{
  g_return_if_fail (diagnoses != NULL);

  g_clear_pointer (&diagnoses->leakage.explanation, g_free);
  g_clear_pointer (&diagnoses->leakage.markers, g_array_unref);
  g_clear_pointer (&diagnoses->panic.explanation, g_free);
  g_clear_pointer (&diagnoses->doubt.explanation, g_free);
  g_clear_pointer (&diagnoses->doubt.reasoning_markers, g_array_unref);
  g_clear_pointer (&diagnoses->doubt.answer_markers, g_array_unref);
  g_clear_pointer (&diagnoses->doubt.answer, g_free);
  g_clear_pointer (&diagnoses->doubt.pre_update_answer, g_free);
}
