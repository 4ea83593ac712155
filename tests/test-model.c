/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "mt-core.h"

typedef struct
{
  guint n_calls;
  guint last_position;
  guint last_removed;
  guint last_added;
} ItemsChanged;

static void
items_changed_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  ItemsChanged *record)
{
  record->n_calls++;
  record->last_position = position;
  record->last_removed = removed;
  record->last_added = added;
}

static void
test_lab_lists_and_lookup (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtProblem) problem = mt_problem_new ("p1");
  g_autoptr(MtProblem) twin = mt_problem_new ("p1");
  g_autoptr(MtTrace) trace = mt_trace_new ("t1");
  g_autoptr(MtTrace) same_id = mt_trace_new ("t1");

  mt_trace_set_problem_id (trace, "p1");

  g_assert_true (mt_lab_add_trace (lab, trace));
  /* The problem arrives later (another file): linking joins them by id. */
  g_assert_null (mt_trace_get_problem (trace));
  g_assert_true (mt_lab_add_problem (lab, problem));
  g_assert_cmpuint (mt_lab_link (lab), ==, 1);
  g_assert_true (mt_trace_get_problem (trace) == problem);

  /* Ids are unique: a second object with a taken id is refused. */
  g_assert_false (mt_lab_add_problem (lab, twin));
  g_assert_false (mt_lab_add_trace (lab, same_id));

  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_problems (lab)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (mt_lab_get_traces (lab)), ==, 1);
  g_assert_true (g_list_model_get_item_type (mt_lab_get_traces (lab)) == MT_TYPE_TRACE);
  g_assert_true (mt_lab_lookup_problem (lab, "p1") == problem);
  g_assert_true (mt_lab_lookup_trace (lab, "t1") == trace);
  g_assert_null (mt_lab_lookup_trace (lab, "nope"));
}

static void
test_lab_add_all_batches (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(GPtrArray) traces = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rejected = g_ptr_array_new_with_free_func (g_object_unref);
  ItemsChanged record = { 0 };

  g_signal_connect (mt_lab_get_traces (lab), "items-changed", G_CALLBACK (items_changed_cb), &record);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *id = g_strdup_printf ("t%u", i % 999);   /* t0 twice */

      g_ptr_array_add (traces, mt_trace_new (id));
    }

  mt_lab_add_all (lab, NULL, traces, rejected);

  /* A view sees one change for the whole batch, not a thousand. */
  g_assert_cmpuint (record.n_calls, ==, 1);
  g_assert_cmpuint (record.last_position, ==, 0);
  g_assert_cmpuint (record.last_added, ==, 999);
  g_assert_cmpuint (rejected->len, ==, 1);
  g_assert_cmpstr (mt_trace_get_id (g_ptr_array_index (rejected, 0)), ==, "t0");
}

static void
test_branch_forest (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtTrace) oracle = mt_trace_new ("oracle");
  g_autoptr(MtInterrupt) hard = mt_interrupt_new (MT_INTERRUPT_HARD, 30, 0.3);
  g_autoptr(MtInterrupt) update = mt_interrupt_new (MT_INTERRUPT_UPDATE, 5, 0.5);
  g_autoptr(MtBranch) branch = mt_branch_new ("b1", "oracle", hard);
  g_autoptr(MtBranch) nested = mt_branch_new ("b2", "b1", update);

  mt_interrupt_set_update (update, "The train leaves at 9.");

  /* Added child-first: parents are resolved once they arrive. */
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (nested)));
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (branch)));
  g_assert_true (mt_lab_add_trace (lab, oracle));
  mt_lab_link (lab);

  g_assert_true (mt_branch_get_parent (branch) == oracle);
  g_assert_true (mt_branch_get_parent (nested) == MT_TRACE (branch));
  g_assert_cmpuint (mt_lab_get_n_branches (lab), ==, 2);
  g_assert_cmpint (mt_interrupt_get_kind (mt_branch_get_interrupt (branch)), ==, MT_INTERRUPT_HARD);
  g_assert_cmpuint (mt_interrupt_get_token_index (mt_branch_get_interrupt (branch)), ==, 30);
  g_assert_cmpfloat (mt_interrupt_get_fraction (mt_branch_get_interrupt (branch)), ==, 0.3);
  g_assert_cmpstr (mt_interrupt_get_update (update), ==, "The train leaves at 9.");
}

static void
trace_replaced_cb (MtLab     *lab,
                   MtTrace   *old,
                   MtTrace   *trace,
                   GPtrArray *seen)
{
  /* By then the lab is whole again: its list and lookup hold the new one. */
  g_assert_true (mt_lab_lookup_trace (lab, mt_trace_get_id (trace)) == trace);
  g_ptr_array_add (seen, g_object_ref (old));
  g_ptr_array_add (seen, g_object_ref (trace));
}

static void
test_lab_replace_trace (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtProblem) problem = mt_problem_new ("p1");
  g_autoptr(MtTrace) first = mt_trace_new ("first");
  g_autoptr(MtTrace) oracle = mt_trace_new ("oracle");
  g_autoptr(MtTrace) redone = mt_trace_new ("oracle");
  g_autoptr(MtTrace) last = mt_trace_new ("last");
  g_autoptr(MtTrace) stranger = mt_trace_new ("stranger");
  g_autoptr(MtInterrupt) hard = mt_interrupt_new (MT_INTERRUPT_HARD, 30, 0.3);
  g_autoptr(MtInterrupt) speedup = mt_interrupt_new (MT_INTERRUPT_SPEEDUP, 40, 0.4);
  g_autoptr(MtBranch) branch = mt_branch_new ("b1", "oracle", hard);
  g_autoptr(MtBranch) branch_again = mt_branch_new ("b1", "oracle", speedup);
  g_autoptr(MtBranch) nested = mt_branch_new ("b2", "b1", hard);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(MtTrace) item = NULL;
  GListModel *traces;
  ItemsChanged record = { 0 };

  mt_trace_set_problem_id (redone, "p1");
  mt_lab_add_problem (lab, problem);
  g_assert_true (mt_lab_add_trace (lab, first));
  g_assert_true (mt_lab_add_trace (lab, oracle));
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (branch)));
  g_assert_true (mt_lab_add_trace (lab, MT_TRACE (nested)));
  g_assert_true (mt_lab_add_trace (lab, last));
  g_assert_true (mt_branch_get_parent (branch) == oracle);

  traces = mt_lab_get_traces (lab);
  g_signal_connect (traces, "items-changed", G_CALLBACK (items_changed_cb), &record);
  g_signal_connect (lab, "trace-replaced", G_CALLBACK (trace_replaced_cb), seen);

  /* A run done again: same place in the list, one change for the views. */
  g_assert_true (mt_lab_replace_trace (lab, redone));
  g_assert_cmpuint (record.n_calls, ==, 1);
  g_assert_cmpuint (record.last_position, ==, 1);
  g_assert_cmpuint (record.last_removed, ==, 1);
  g_assert_cmpuint (record.last_added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (traces), ==, 5);
  item = g_list_model_get_item (traces, 1);
  g_assert_true (item == redone);
  g_clear_object (&item);
  g_assert_true (mt_lab_lookup_trace (lab, "oracle") == redone);
  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_true (g_ptr_array_index (seen, 0) == oracle);
  g_assert_true (g_ptr_array_index (seen, 1) == redone);

  /* Linked like an added trace, and its branches now continue it. */
  g_assert_true (mt_trace_get_problem (redone) == problem);
  g_assert_true (mt_branch_get_parent (branch) == redone);

  /* A branch done again takes its parent, and its own branches follow. */
  g_assert_true (mt_lab_replace_trace (lab, MT_TRACE (branch_again)));
  g_assert_true (mt_branch_get_parent (branch_again) == redone);
  g_assert_true (mt_branch_get_parent (nested) == MT_TRACE (branch_again));
  g_assert_cmpuint (mt_lab_get_n_branches (lab), ==, 2);
  item = g_list_model_get_item (traces, 2);
  g_assert_true (item == MT_TRACE (branch_again));
  g_clear_object (&item);
  g_assert_cmpuint (record.n_calls, ==, 2);

  /* Nothing to replace: an unknown id, or the very trace already there. */
  g_assert_false (mt_lab_replace_trace (lab, stranger));
  g_assert_false (mt_lab_replace_trace (lab, redone));
  g_assert_null (mt_lab_lookup_trace (lab, "stranger"));
  g_assert_cmpuint (g_list_model_get_n_items (traces), ==, 5);
  g_assert_cmpuint (record.n_calls, ==, 2);
  g_assert_cmpuint (seen->len, ==, 4);

  g_signal_handlers_disconnect_by_data (traces, &record);
  g_signal_handlers_disconnect_by_data (lab, seen);
}

static void
test_trace_fields (void)
{
  g_autoptr(MtTrace) trace = mt_trace_new ("t");
  const MtSampling *sampling = mt_trace_get_sampling (trace);
  MtSampling qwen3;

  /* Unknown until set: NaN and -1, never a made-up zero. */
  g_assert_true (isnan (sampling->temperature));
  g_assert_cmpint (sampling->top_k, ==, -1);
  g_assert_cmpint (mt_trace_get_usage_completion_tokens (trace), ==, -1);
  g_assert_cmpint (mt_trace_get_finish_reason (trace), ==, MT_FINISH_UNKNOWN);

  mt_sampling_init (&qwen3);
  qwen3.temperature = 0.6;
  qwen3.top_p = 0.95;
  qwen3.top_k = 20;
  mt_trace_set_sampling (trace, &qwen3);
  g_assert_cmpfloat (mt_trace_get_sampling (trace)->top_p, ==, 0.95);
  g_assert_cmpint (mt_trace_get_sampling (trace)->top_k, ==, 20);

  mt_trace_set_split (trace, MT_THINK_STYLE_TAGS, "found <think> at byte 0");
  g_assert_cmpint (mt_trace_get_split_style (trace), ==, MT_THINK_STYLE_TAGS);
  g_assert_cmpstr (mt_trace_get_split_note (trace), ==, "found <think> at byte 0");
  /* Setting a field to its own value must not read freed memory. */
  mt_trace_set_split (trace, MT_THINK_STYLE_TAGS, mt_trace_get_split_note (trace));
  g_assert_cmpstr (mt_trace_get_split_note (trace), ==, "found <think> at byte 0");
  mt_trace_set_prompt (trace, "q");
  mt_trace_set_prompt (trace, mt_trace_get_prompt (trace));
  g_assert_cmpstr (mt_trace_get_prompt (trace), ==, "q");
}

static void
test_trace_spans (void)
{
  g_autoptr(MtTrace) trace = mt_trace_new ("t");
  const guint32 starts[] = { 0, 4, 7 };
  g_autoptr(MtTokenSpans) exact = mt_token_spans_new (MT_TOKEN_SOURCE_STREAM, starts, 3, 11);
  MtTokenSpans *spans;
  guint32 start, length;

  mt_trace_set_reasoning (trace, "Wait, maybe");
  g_assert_null (mt_trace_peek_reasoning_spans (trace));
  spans = mt_trace_get_reasoning_spans (trace);
  g_assert_true (mt_trace_peek_reasoning_spans (trace) == spans);
  /* Without recorded tokens the estimate is used and labelled so. */
  g_assert_cmpint (mt_token_spans_get_source (spans), ==, MT_TOKEN_SOURCE_APPROX);
  g_assert_cmpuint (mt_token_spans_get_text_length (spans), ==, 11);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (spans), >, 0);

  mt_trace_set_reasoning (trace, "Hmm, so x=3");
  mt_trace_set_reasoning_spans (trace, exact);
  spans = mt_trace_get_reasoning_spans (trace);
  g_assert_cmpint (mt_token_spans_get_source (spans), ==, MT_TOKEN_SOURCE_STREAM);
  g_assert_cmpuint (mt_trace_get_n_reasoning_tokens (trace), ==, 3);

  mt_token_spans_get_span (spans, 2, &start, &length);
  g_assert_cmpuint (start, ==, 7);
  g_assert_cmpuint (length, ==, 4);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 0), ==, 0);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 5), ==, 1);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 10), ==, 2);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 500), ==, 2);

  /* New text drops spans that described the old text. */
  mt_trace_set_reasoning (trace, "Different text now");
  g_assert_cmpint (mt_token_spans_get_source (mt_trace_get_reasoning_spans (trace)), ==,
                   MT_TOKEN_SOURCE_APPROX);
}

static void
test_enum_names (void)
{
  MtInterruptKind kind;
  MtFinishReason finish;
  MtThinkStyle style;

  for (kind = MT_INTERRUPT_HARD; kind <= MT_INTERRUPT_CUSTOM; kind++)
    {
      MtInterruptKind back;

      g_assert_true (mt_interrupt_kind_from_string (mt_interrupt_kind_to_string (kind), &back));
      g_assert_cmpint (back, ==, kind);
    }

  g_assert_true (mt_finish_reason_from_string ("length", &finish));
  g_assert_cmpint (finish, ==, MT_FINISH_LENGTH);
  g_assert_true (mt_think_style_from_string ("missing-opener", &style));
  g_assert_cmpint (style, ==, MT_THINK_STYLE_MISSING_OPENER);
  g_assert_false (mt_think_style_from_string ("bogus", &style));
  g_assert_false (mt_finish_reason_from_string (NULL, &finish));
}

static void
test_make_id (void)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtTrace) taken = mt_trace_new ("branch-1");
  g_autofree char *id = NULL;

  mt_lab_add_trace (lab, taken);
  id = mt_lab_make_id (lab, "branch");
  g_assert_cmpstr (id, !=, "branch-1");
  g_assert_true (g_str_has_prefix (id, "branch-"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model/lab/lists-and-lookup", test_lab_lists_and_lookup);
  g_test_add_func ("/model/lab/add-all-batches", test_lab_add_all_batches);
  g_test_add_func ("/model/lab/make-id", test_make_id);
  g_test_add_func ("/model/lab/replace-trace", test_lab_replace_trace);
  g_test_add_func ("/model/branch/forest", test_branch_forest);
  g_test_add_func ("/model/trace/fields", test_trace_fields);
  g_test_add_func ("/model/trace/spans", test_trace_spans);
  g_test_add_func ("/model/enums/names", test_enum_names);

  return g_test_run ();
}
