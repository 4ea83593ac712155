/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include "mt-timeline-data.h"

/* Branches of branches nest; the chain is short in practice, and the cap
 * keeps a malformed lab from recursing without end. */
#define MAX_ANCESTRY 32

/* Category ids index an array; anything larger is someone's bug. */
#define MAX_CATEGORY 1024

static const char *
trace_get_prompt (MtTrace *trace)
{
  MtProblem *problem;

  if (mt_trace_get_prompt (trace) != NULL)
    return mt_trace_get_prompt (trace);

  if ((problem = mt_trace_get_problem (trace)))
    return mt_problem_get_prompt (problem);

  return NULL;
}

static void
add_segment (MtTimelineData        *data,
             MtTimelineSegmentKind  kind,
             gboolean               inherited,
             const char            *text,
             gsize                  n_bytes,
             MtTokenSpans          *spans,
             guint                  n_tokens)
{
  MtTimelineSegment segment = {
    .kind = kind,
    .inherited = inherited,
    .text = text != NULL ? text : "",
    .n_bytes = n_bytes,
    .spans = mt_token_spans_ref (spans),
    .first_token = data->n_tokens,
    .n_tokens = n_tokens,
  };

  g_array_append_val (data->segments, segment);
  data->n_tokens += n_tokens;
}

/* Adds a whole text, tokenized here when the trace has no spans for it. */
static void
add_text_segment (MtTimelineData        *data,
                  MtTimelineSegmentKind  kind,
                  const char            *text)
{
  g_autoptr(MtTokenSpans) spans = mt_tokenize_approx (text != NULL ? text : "", -1);

  add_segment (data, kind, FALSE, text, text != NULL ? strlen (text) : 0,
               spans, mt_token_spans_get_n_tokens (spans));
}

/* Everything the model saw before @trace's own reasoning began: the prompt
 * of the first trace, then for each interrupt in the chain the reasoning
 * kept from the parent and the injected text. */
static void
add_context (MtTimelineData *data,
             MtTrace        *trace,
             guint           depth)
{
  MtInterrupt *interrupt;
  MtTrace *parent;

  if (!MT_IS_BRANCH (trace) || depth >= MAX_ANCESTRY)
    {
      if (trace_get_prompt (trace) != NULL)
        add_text_segment (data, MT_TIMELINE_SEGMENT_PROMPT, trace_get_prompt (trace));
      return;
    }

  interrupt = mt_branch_get_interrupt (MT_BRANCH (trace));
  parent = mt_branch_get_parent (MT_BRANCH (trace));

  if (parent != NULL)
    {
      MtTokenSpans *spans = mt_trace_get_reasoning_spans (parent);
      guint n_parent = mt_token_spans_get_n_tokens (spans);
      guint kept = interrupt != NULL ? MIN (mt_interrupt_get_token_index (interrupt), n_parent)
                                     : n_parent;
      guint32 n_bytes = mt_token_spans_get_text_length (spans);

      if (kept < n_parent)
        mt_token_spans_get_span (spans, kept, &n_bytes, NULL);

      add_context (data, parent, depth + 1);
      add_segment (data, MT_TIMELINE_SEGMENT_REASONING, TRUE,
                   mt_trace_get_reasoning (parent), n_bytes, spans, kept);
    }
  else if (trace_get_prompt (trace) != NULL)
    {
      /* The parent is in another file: the branch's own prompt is all we
       * know of what came before. */
      add_text_segment (data, MT_TIMELINE_SEGMENT_PROMPT, trace_get_prompt (trace));
    }

  if (interrupt != NULL && mt_interrupt_get_text (interrupt) != NULL
      && *mt_interrupt_get_text (interrupt) != '\0')
    add_text_segment (data, MT_TIMELINE_SEGMENT_INTERRUPT, mt_interrupt_get_text (interrupt));
}

/* The token boundary a sentence end at byte @offset stands for. Whitespace
 * usually starts the next token (" The"), so the boundary is before the
 * token holding @offset when that token begins at most one byte early, and
 * after it when the token swallowed the punctuation too. */
static guint
sentence_boundary (MtTokenSpans *spans,
                   guint32       offset)
{
  guint n = mt_token_spans_get_n_tokens (spans);
  guint32 start;
  guint k;

  if (offset >= mt_token_spans_get_text_length (spans))
    return n;

  k = mt_token_spans_lookup (spans, offset);
  mt_token_spans_get_span (spans, k, &start, NULL);

  return start + 1 < offset ? k + 1 : k;
}

static void
compute_sentences (MtTimelineData *data)
{
  const MtTimelineSegment *segment;
  g_autoptr(GArray) ends = NULL;
  g_autofree guint32 *counts = NULL;
  guint last = G_MAXUINT;
  guint zero = 0;

  data->sentences = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_val (data->sentences, zero);

  if (data->reasoning_segment == G_MAXUINT || data->n_reasoning == 0)
    goto done;

  segment = &g_array_index (data->segments, MtTimelineSegment, data->reasoning_segment);
  ends = mt_timeline_find_sentence_ends (segment->text, segment->n_bytes);

  for (guint i = 0; i < ends->len; i++)
    {
      guint boundary = sentence_boundary (segment->spans, g_array_index (ends, guint32, i));

      /* Offsets grow, so boundaries do too: duplicates are neighbours. */
      if (boundary > 0 && boundary != last)
        g_array_append_val (data->sentences, boundary);
      last = boundary;
    }

  if (g_array_index (data->sentences, guint, data->sentences->len - 1) != data->n_reasoning)
    g_array_append_val (data->sentences, data->n_reasoning);

done:
  /* Interior boundaries only: the ends of the reasoning are drawn anyway. */
  counts = g_new0 (guint32, data->n_tokens + 1);
  for (guint i = 0; i < data->sentences->len; i++)
    {
      guint b = g_array_index (data->sentences, guint, i);

      if (b > 0 && b < data->n_reasoning)
        counts[data->origin + b]++;
    }
  data->sentence_cumulative = mt_timeline_cumulate (counts, data->n_tokens);
}

static void
compute_clock (MtTimelineData *data)
{
  MtTokenTimes *times;
  const double *ms;
  guint n_times, origin = data->origin;

  if (data->trace == NULL || (times = mt_trace_get_token_times (data->trace)) == NULL)
    return;

  ms = mt_token_times_get_data (times, &n_times);
  /* The times were taken with the trace's own tokens, which are the last
   * context tokens. */
  if (n_times == 0 || origin + n_times != data->n_tokens)
    return;

  data->clock = g_new (double, data->n_tokens + 1);
  for (guint k = 0; k < origin; k++)
    data->clock[k] = ms[0] / 1000.0 * k / origin;
  for (guint j = 0; j < n_times; j++)
    data->clock[origin + j] = ms[j] / 1000.0;
  data->clock[data->n_tokens] = ms[n_times - 1] / 1000.0;
}

MtTimelineData *
mt_timeline_data_new (MtTrace *trace)
{
  MtTimelineData *data;
  MtTokenSpans *spans;

  g_return_val_if_fail (!trace || MT_IS_TRACE (trace), NULL);

  data = g_new0 (MtTimelineData, 1);
  data->segments = g_array_new (FALSE, FALSE, sizeof (MtTimelineSegment));
  data->marks = g_array_new (FALSE, FALSE, sizeof (MtTimelineMark));
  data->mark_categories = g_ptr_array_new_with_free_func ((GDestroyNotify)g_array_unref);
  data->category_shapes = g_array_new (FALSE, TRUE, sizeof (MtTimelineShape));
  data->category_rows = g_array_new (FALSE, TRUE, sizeof (guint));
  data->forks = g_array_new (FALSE, FALSE, sizeof (MtTimelineFork));
  data->reasoning_segment = G_MAXUINT;

  if (trace != NULL)
    {
      const char *reasoning = mt_trace_get_reasoning (trace);
      const char *answer = mt_trace_get_answer (trace);

      data->trace = g_object_ref (trace);

      add_context (data, trace, 0);

      spans = mt_trace_get_reasoning_spans (trace);
      data->origin = data->n_tokens;
      data->n_reasoning = mt_token_spans_get_n_tokens (spans);
      data->reasoning_segment = data->segments->len;
      add_segment (data, MT_TIMELINE_SEGMENT_REASONING, FALSE, reasoning,
                   reasoning != NULL ? strlen (reasoning) : 0, spans, data->n_reasoning);

      spans = mt_trace_get_answer_spans (trace);
      add_segment (data, MT_TIMELINE_SEGMENT_ANSWER, FALSE, answer,
                   answer != NULL ? strlen (answer) : 0,
                   spans, mt_token_spans_get_n_tokens (spans));
    }

  compute_sentences (data);
  compute_clock (data);
  mt_timeline_data_set_marks (data, NULL, 0);

  return data;
}

void
mt_timeline_data_free (MtTimelineData *data)
{
  if (data == NULL)
    return;

  for (guint i = 0; i < data->segments->len; i++)
    mt_token_spans_unref (g_array_index (data->segments, MtTimelineSegment, i).spans);
  for (guint i = 0; i < data->forks->len; i++)
    {
      g_object_unref (g_array_index (data->forks, MtTimelineFork, i).branch);
      g_free (g_array_index (data->forks, MtTimelineFork, i).verdict);
    }

  g_clear_pointer (&data->segments, g_array_unref);
  g_clear_pointer (&data->sentences, g_array_unref);
  g_clear_pointer (&data->sentence_cumulative, g_free);
  g_clear_pointer (&data->marks, g_array_unref);
  g_clear_pointer (&data->mark_categories, g_ptr_array_unref);
  g_clear_pointer (&data->category_shapes, g_array_unref);
  g_clear_pointer (&data->category_rows, g_array_unref);
  g_clear_pointer (&data->mark_cumulative, g_free);
  g_clear_pointer (&data->forks, g_array_unref);
  g_clear_pointer (&data->clock, g_free);
  g_clear_object (&data->trace);
  g_free (data);
}

static int
compare_fork (gconstpointer a,
              gconstpointer b)
{
  const MtTimelineFork *fa = a;
  const MtTimelineFork *fb = b;

  return fa->token_index < fb->token_index ? -1 : fa->token_index > fb->token_index;
}

void
mt_timeline_data_set_branches (MtTimelineData   *data,
                               MtBranch * const *branches,
                               guint             n_branches)
{
  g_return_if_fail (data != NULL);
  g_return_if_fail (n_branches == 0 || branches != NULL);

  for (guint i = 0; i < data->forks->len; i++)
    {
      g_object_unref (g_array_index (data->forks, MtTimelineFork, i).branch);
      g_free (g_array_index (data->forks, MtTimelineFork, i).verdict);
    }
  g_array_set_size (data->forks, 0);

  for (guint i = 0; i < n_branches; i++)
    {
      MtInterrupt *interrupt = mt_branch_get_interrupt (branches[i]);
      MtTimelineFork fork = { 0 };

      if (interrupt == NULL)
        continue;

      fork.branch = g_object_ref (branches[i]);
      fork.kind = mt_interrupt_get_kind (interrupt);
      fork.token_index = MIN (mt_interrupt_get_token_index (interrupt), data->n_reasoning);
      fork.fraction = mt_interrupt_get_fraction (interrupt);

      /* Older labs may not have recorded X; it follows from the index. */
      if (!isfinite (fork.fraction))
        fork.fraction = data->n_reasoning > 0 ? (double)fork.token_index / data->n_reasoning : 0;

      g_array_append_val (data->forks, fork);
    }

  g_array_sort (data->forks, compare_fork);
}

static int
compare_mark (gconstpointer a,
              gconstpointer b)
{
  const MtTimelineMark *ma = a;
  const MtTimelineMark *mb = b;

  if (ma->token_index != mb->token_index)
    return ma->token_index < mb->token_index ? -1 : 1;

  return ma->category < mb->category ? -1 : ma->category > mb->category;
}

void
mt_timeline_data_set_marks (MtTimelineData       *data,
                            const MtTimelineMark *marks,
                            guint                 n_marks)
{
  static guint serial;
  g_autofree guint32 *counts = NULL;

  g_return_if_fail (data != NULL);
  g_return_if_fail (n_marks == 0 || marks != NULL);

  data->marks_serial = ++serial;
  g_array_set_size (data->marks, 0);
  g_ptr_array_set_size (data->mark_categories, 0);
  g_array_set_size (data->category_shapes, 0);
  g_array_set_size (data->category_rows, 0);
  data->n_mark_rows = 0;
  g_clear_pointer (&data->mark_cumulative, g_free);

  for (guint i = 0; i < n_marks; i++)
    {
      /* Marks past the reasoning belong to another text version. */
      if (marks[i].token_index >= data->n_reasoning || marks[i].category >= MAX_CATEGORY)
        continue;
      g_array_append_val (data->marks, marks[i]);
    }
  g_array_sort (data->marks, compare_mark);

  counts = g_new0 (guint32, data->n_tokens + 1);
  for (guint i = 0; i < data->marks->len; i++)
    {
      const MtTimelineMark *mark = &g_array_index (data->marks, MtTimelineMark, i);
      GArray *tokens;

      while (data->mark_categories->len <= mark->category)
        g_ptr_array_add (data->mark_categories, g_array_new (FALSE, FALSE, sizeof (guint)));
      tokens = g_ptr_array_index (data->mark_categories, mark->category);

      /* A category keeps the shape of its first mark, so one category is
       * never drawn two ways. */
      if (data->category_shapes->len <= mark->category)
        g_array_set_size (data->category_shapes, mark->category + 1);
      if (tokens->len == 0)
        g_array_index (data->category_shapes, MtTimelineShape, mark->category) = mark->shape;
      g_array_append_val (tokens, mark->token_index);

      counts[data->origin + mark->token_index]++;
    }
  data->mark_cumulative = mt_timeline_cumulate (counts, data->n_tokens);

  /* Each category gets a row of its own, so that shapes of different
   * categories never pile on each other where marks are dense. */
  g_array_set_size (data->category_rows, data->mark_categories->len);
  for (guint category = 0; category < data->mark_categories->len; category++)
    {
      GArray *tokens = g_ptr_array_index (data->mark_categories, category);

      if (tokens->len == 0)
        continue;
      g_array_index (data->category_rows, guint, category) =
        data->n_mark_rows % MT_TIMELINE_MAX_MARK_ROWS;
      data->n_mark_rows++;
    }
  data->n_mark_rows = MIN (data->n_mark_rows, MT_TIMELINE_MAX_MARK_ROWS);

  /* A window of a fortieth of the reasoning reads as a trend, not as
   * noise; computing its peak here keeps the sparkline's scale fixed
   * while the user zooms and pans. */
  data->density_window = MAX (8.0, data->n_reasoning / 40.0);
  data->density_max = 0;
  if (data->marks->len > 0)
    {
      for (guint i = 0; i < data->n_reasoning; i++)
        data->density_max = MAX (data->density_max,
                                 mt_timeline_data_get_density (data, data->origin + i + 0.5));
    }
}

guint
mt_timeline_data_find_segment (const MtTimelineData *data,
                               guint                 token)
{
  g_return_val_if_fail (data != NULL, G_MAXUINT);

  for (guint i = 0; i < data->segments->len; i++)
    {
      const MtTimelineSegment *segment = &g_array_index (data->segments, MtTimelineSegment, i);

      if (token >= segment->first_token && token < segment->first_token + segment->n_tokens)
        return i;
    }

  return G_MAXUINT;
}

/* The index of the first boundary >= @position. */
static guint
sentence_lower_bound (const MtTimelineData *data,
                      double                position)
{
  guint lo = 0;
  guint hi = data->sentences->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (data->sentences, guint, mid) < position)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

guint
mt_timeline_data_snap_sentence (const MtTimelineData *data,
                                double                position)
{
  guint i;
  guint after;
  guint before;

  g_return_val_if_fail (data != NULL, 0);

  i = sentence_lower_bound (data, position);
  if (i >= data->sentences->len)
    return g_array_index (data->sentences, guint, data->sentences->len - 1);
  if (i == 0)
    return g_array_index (data->sentences, guint, 0);

  after = g_array_index (data->sentences, guint, i);
  before = g_array_index (data->sentences, guint, i - 1);

  return position - before <= after - position ? before : after;
}

guint
mt_timeline_data_step_sentence (const MtTimelineData *data,
                                guint                 position,
                                int                   direction)
{
  guint i;

  g_return_val_if_fail (data != NULL, 0);

  if (direction > 0)
    {
      i = sentence_lower_bound (data, position + 1.0);
      if (i >= data->sentences->len)
        return data->n_reasoning;
    }
  else
    {
      i = sentence_lower_bound (data, position);
      if (i == 0)
        return 0;
      i--;
    }

  return g_array_index (data->sentences, guint, i);
}

double
mt_timeline_data_get_density (const MtTimelineData *data,
                              double                token)
{
  double half;
  double from;
  double to;

  g_return_val_if_fail (data != NULL, 0);

  if (data->mark_cumulative == NULL || data->n_reasoning == 0)
    return 0;

  /* Near the ends the window shrinks rather than counting tokens that are
   * not reasoning, which would make the edges look calmer than they are. */
  half = data->density_window / 2;
  from = MAX (token - half, data->origin);
  to = MIN (token + half, data->origin + data->n_reasoning);
  if (to <= from)
    return 0;

  return (mt_timeline_cumulative_at (data->mark_cumulative, data->n_tokens, to)
          - mt_timeline_cumulative_at (data->mark_cumulative, data->n_tokens, from))
         / (to - from);
}

GArray *
mt_timeline_find_sentence_ends (const char *text,
                                gsize       n_bytes)
{
  GArray *ends = g_array_new (FALSE, FALSE, sizeof (guint32));

  g_return_val_if_fail (text != NULL || n_bytes == 0, ends);

  for (gsize i = 1; i < n_bytes; i++)
    {
      gboolean end;

      if (text[i] == ' ')
        end = text[i - 1] == '.' || text[i - 1] == '?' || text[i - 1] == '!';
      else
        end = text[i] == '\n' && text[i - 1] == '\n';

      if (end)
        {
          guint32 offset = i + 1;

          g_array_append_val (ends, offset);
        }
    }

  return ends;
}

guint32 *
mt_timeline_cumulate (const guint32 *counts,
                      guint          n)
{
  guint32 *cumulative = g_new (guint32, (gsize)n + 1);

  cumulative[0] = 0;
  for (guint i = 0; i < n; i++)
    cumulative[i + 1] = cumulative[i] + counts[i];

  return cumulative;
}

double
mt_timeline_cumulative_at (const guint32 *cumulative,
                           guint          n,
                           double         position)
{
  double floor_position;
  guint i;

  if (!(position > 0))
    return 0;
  if (position >= n)
    return cumulative[n];

  floor_position = floor (position);
  i = (guint)floor_position;

  return cumulative[i] + (position - floor_position) * (double)(cumulative[i + 1] - cumulative[i]);
}

void
mt_timeline_bin (const guint32 *cumulative,
                 guint          n,
                 double         first,
                 double         last,
                 guint          n_columns,
                 float         *columns)
{
  double width;
  double previous;

  g_return_if_fail (cumulative != NULL);
  g_return_if_fail (n_columns == 0 || columns != NULL);

  if (n_columns == 0)
    return;

  width = (last - first) / n_columns;
  previous = mt_timeline_cumulative_at (cumulative, n, first);

  for (guint c = 0; c < n_columns; c++)
    {
      double next = mt_timeline_cumulative_at (cumulative, n, first + (c + 1) * width);

      columns[c] = next - previous;
      previous = next;
    }
}

void
mt_timeline_range_zoom (MtTimelineRange *range,
                        double           factor,
                        double           anchor,
                        double           min_span,
                        double           total)
{
  double span;
  double new_span;
  double ratio;

  g_return_if_fail (range != NULL);
  g_return_if_fail (factor > 0);

  if (total <= 0)
    {
      range->first = 0;
      range->last = 1;
      return;
    }

  span = range->last - range->first;
  if (!(span > 0))
    span = total;

  new_span = CLAMP (span / factor, MIN (min_span, total), total);
  ratio = CLAMP ((anchor - range->first) / span, 0.0, 1.0);

  range->first = anchor - ratio * new_span;
  range->last = range->first + new_span;
  mt_timeline_range_pan (range, 0, total);
}

void
mt_timeline_range_pan (MtTimelineRange *range,
                       double           delta,
                       double           total)
{
  double span;

  g_return_if_fail (range != NULL);

  span = MIN (range->last - range->first, total);
  range->first = CLAMP (range->first + delta, 0, MAX (total - span, 0));
  range->last = range->first + span;
}

double
mt_timeline_clock_at (const double *clock,
                      guint         n,
                      double        token)
{
  guint k;

  if (token <= 0)
    return clock[0];
  if (token >= n)
    return clock[n];

  k = (guint)token;
  return clock[k] + (token - k) * (clock[k + 1] - clock[k]);
}

double
mt_timeline_clock_find (const double *clock,
                        guint         n,
                        double        seconds)
{
  guint lo = 0, hi = n;

  if (seconds <= clock[0])
    return 0;
  if (seconds >= clock[n])
    return n;

  /* The last boundary at or before @seconds. */
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (clock[mid] <= seconds)
        lo = mid;
      else
        hi = mid;
    }

  if (clock[lo + 1] <= clock[lo])
    return lo;
  return lo + (seconds - clock[lo]) / (clock[lo + 1] - clock[lo]);
}

gboolean
mt_timeline_data_get_arrival (const MtTimelineData *data,
                              guint                 token,
                              double               *seconds)
{
  if (data->clock == NULL || token < data->origin || token >= data->n_tokens)
    return FALSE;

  *seconds = data->clock[token];
  return TRUE;
}
