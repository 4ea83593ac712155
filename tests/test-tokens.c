/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "mt-tokens.h"

/* The estimate must stay within this relative error of real token counts. */
#define MAX_RELATIVE_ERROR 0.15

/* Checks every invariant of a span list over @text and returns its size. */
static guint
check_spans (const char *text,
             gssize      len)
{
  g_autoptr(MtTokenSpans) spans = NULL;
  gsize length = len < 0 ? strlen (text) : (gsize) len;
  g_autofree gboolean *boundaries = NULL;
  guint32 expected_start = 0;
  guint n;

  /* Where characters begin: each byte of an invalid sequence counts as one. */
  boundaries = g_new0 (gboolean, length + 1);
  for (gsize i = 0; i < length;)
    {
      gunichar c = g_utf8_get_char_validated (text + i, length - i);

      boundaries[i] = TRUE;
      i += (c == (gunichar) -1 || c == (gunichar) -2 || c == 0) ? 1 : g_utf8_skip[(guchar) text[i]];
    }

  spans = mt_tokenize_approx (text, len);
  g_assert_nonnull (spans);
  g_assert_cmpint (mt_token_spans_get_source (spans), ==, MT_TOKEN_SOURCE_APPROX);
  g_assert_cmpuint (mt_token_spans_get_text_length (spans), ==, length);

  n = mt_token_spans_get_n_tokens (spans);
  g_assert_cmpuint (n, ==, mt_count_tokens_approx (text, len));
  if (length == 0)
    g_assert_cmpuint (n, ==, 0);
  else
    g_assert_cmpuint (n, >, 0);

  for (guint i = 0; i < n; i++)
    {
      guint32 start, span_len;

      mt_token_spans_get_span (spans, i, &start, &span_len);
      g_assert_cmpuint (start, ==, expected_start);
      g_assert_cmpuint (span_len, >, 0);
      g_assert_cmpuint (mt_token_spans_lookup (spans, start), ==, i);
      g_assert_cmpuint (mt_token_spans_lookup (spans, start + span_len - 1), ==, i);

      /* Never inside a character. */
      g_assert_true (boundaries[start]);
      expected_start = start + span_len;
    }
  g_assert_cmpuint (expected_start, ==, length);

  return n;
}

/* The pieces of @text as a "|"-joined string, to compare with readable
 * expectations. */
static char *
join_pieces (const char *text)
{
  g_autoptr(MtTokenSpans) spans = mt_tokenize_approx (text, -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < mt_token_spans_get_n_tokens (spans); i++)
    {
      guint32 start, span_len;

      mt_token_spans_get_span (spans, i, &start, &span_len);
      if (i > 0)
        g_string_append_c (out, '|');
      g_string_append_len (out, text + start, span_len);
    }

  return g_string_free (out, FALSE);
}

static void
assert_pieces (const char *text,
               const char *expected)
{
  g_autofree char *pieces = join_pieces (text);

  check_spans (text, -1);
  g_assert_cmpstr (pieces, ==, expected);
}

static void
test_empty (void)
{
  g_autoptr(MtTokenSpans) spans = mt_tokenize_approx ("", -1);
  g_autoptr(MtTokenSpans) spans_null = mt_tokenize_approx (NULL, 0);

  g_assert_cmpuint (mt_count_tokens_approx ("", -1), ==, 0);
  g_assert_cmpuint (mt_count_tokens_approx ("abc", 0), ==, 0);
  g_assert_cmpuint (mt_count_tokens_approx (NULL, 0), ==, 0);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (spans), ==, 0);
  g_assert_cmpuint (mt_token_spans_get_text_length (spans), ==, 0);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 0), ==, 0);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (spans_null), ==, 0);
}

static void
test_pretokens (void)
{
  /* Whitespace goes with the following word, as in GPT-style BPE. */
  assert_pieces ("Okay, let's see.", "Okay|,| let|'s| see|.");
  assert_pieces ("So we need\n\nthe total.\n\n", "So| we| need|\n\n|the| total|.\n\n");
  /* The last blank of a run prefixes the next word. */
  assert_pieces ("a   b", "a|  | b");
  assert_pieces ("end  ", "end|  ");
  assert_pieces ("x  \n  y", "x|  \n| | y");
  /* Numbers never take the space; long ones split. */
  assert_pieces ("= 12345", "=| |12|34|5");
  /* LaTeX: the backslash stays apart from the command's name. */
  assert_pieces ("\\frac{1}{2}", "\\|frac|{|1|}{|2|}");
  assert_pieces (" \\(x\\)", " \\(|x|\\)");
  /* Special markers are one token each. */
  assert_pieces ("<think>\nHmm.\n</think>\n\nDone<|im_end|>",
                 "<think>|\n|Hmm|.\n|</think>|\n\n|Done|<|im_end|>");
  /* Rare long words break into pieces. */
  g_assert_cmpuint (mt_count_tokens_approx (" the", -1), ==, 1);
  g_assert_cmpuint (mt_count_tokens_approx (" therefore", -1), ==, 1);
  g_assert_cmpuint (mt_count_tokens_approx (" antidisestablishmentarianism", -1), >=, 5);
  g_assert_cmpuint (mt_count_tokens_approx ("(x", -1), ==, 1);
}

static void
test_multibyte (void)
{
  const char *samples[] = {
    "θ = π/2 → cos θ = 0",
    "你好，世界！这是一个测试。",
    "naïve café Brasília — “quotes” ✅ 🙂 ½ ²",
    "日本語のテキストと English が混ざる",
  };

  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autoptr(MtTokenSpans) spans = mt_tokenize_approx (samples[i], -1);

      check_spans (samples[i], -1);
      for (guint t = 0; t < mt_token_spans_get_n_tokens (spans); t++)
        {
          guint32 start, span_len;

          mt_token_spans_get_span (spans, t, &start, &span_len);
          g_assert_true (g_utf8_validate (samples[i] + start, span_len, NULL));
        }
    }

  /* Han characters: about two tokens for three; symbols one each. */
  g_assert_cmpuint (mt_count_tokens_approx ("你好世界", -1), ==, 3);
  g_assert_cmpuint (mt_count_tokens_approx ("→≈√", -1), ==, 3);
}

static void
test_invalid_utf8 (void)
{
  const char bad[] = "ab\xff\xfe c\xc3 \xe2\x82 d\xed\xa0\x80 e\xf8\x88\x80\x80\x80\x80 \xc0\xaf";
  const char truncated[] = "word \xe4\xbd";
  guint32 state = 0x12345678;

  /* Each bad byte is a token of its own. */
  g_assert_cmpuint (mt_count_tokens_approx ("\xff\xff\xff", -1), ==, 3);
  check_spans (bad, sizeof bad - 1);
  check_spans (truncated, sizeof truncated - 1);
  /* A NUL inside an explicit length is a character like any other. */
  check_spans ("a\0b", 3);

  /* Random bytes, biased towards the interesting ranges. */
  for (guint round = 0; round < 2000; round++)
    {
      char buf[64];
      guint len;

      state = state * 1103515245 + 12345;
      len = (state >> 16) % sizeof buf;
      for (guint i = 0; i < len; i++)
        {
          state = state * 1103515245 + 12345;
          if ((state >> 16) & 0x1)
            buf[i] = (char) ((state >> 20) & 0xff);
          else
            buf[i] = " a\n\\1.\xc3\xa9\xe4"[(state >> 20) % 9];
        }
      check_spans (buf, len);
    }
}

static void
test_lookup (void)
{
  const char *text = "Hello world, 42";
  g_autoptr(MtTokenSpans) spans = mt_tokenize_approx (text, -1);
  guint n = mt_token_spans_get_n_tokens (spans);
  guint32 start, span_len;

  g_assert_cmpuint (n, ==, 5);   /* Hello| world|,| |42 */
  g_assert_cmpuint (mt_token_spans_lookup (spans, 0), ==, 0);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 5), ==, 1);   /* the space of " world" */
  g_assert_cmpuint (mt_token_spans_lookup (spans, 10), ==, 1);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 11), ==, 2);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 14), ==, 4);
  g_assert_cmpuint (mt_token_spans_lookup (spans, 1000), ==, n - 1);

  mt_token_spans_get_span (spans, 1, &start, &span_len);
  g_assert_cmpuint (start, ==, 5);
  g_assert_cmpuint (span_len, ==, 6);

  /* The boxed type copies by reference. */
  {
    MtTokenSpans *copy = g_boxed_copy (MT_TYPE_TOKEN_SPANS, spans);

    g_assert_true (copy == spans);
    g_boxed_free (MT_TYPE_TOKEN_SPANS, copy);
  }
}

/* Real data.  How each file's count relates to its stored text was checked
 * by running the Qwen3, Llama 3 and DeepSeek V3 tokenizers over the text;
 * every row's count turned out to be about its stored text, so none is left
 * out. */
typedef enum
{
  /* Ollama's eval_count: "<think>\n" thinking "\n</think>\n\n" content, plus
   * the end-of-turn token when done_reason is "stop". */
  ROWS_OLLAMA_THINK,
  /* The same without thinking: no think block was generated at all, only
   * content and, on "stop", the end-of-turn token. */
  ROWS_OLLAMA_NO_THINK,
  /* The DeepSeek API's reasoning_tokens: exactly reasoning_trace. */
  ROWS_API_REASONING,
  /* Local generation: total_generated_tokens is full_response.  The Qwen-7B
   * run that hit the 32768 cap stores the text of exactly those tokens, and
   * the Llama-8B row at 512 is a real count, not a cap. */
  ROWS_FULL_RESPONSE,
} RowsKind;

typedef struct
{
  const char *path;
  RowsKind    kind;
  gboolean    has_trace_token_count;
} DataFile;

static const DataFile data_files[] = {
  { "traces/JesseRWeigel_thinking-traces/qwen3-8b__think-on.jsonl", ROWS_OLLAMA_THINK, FALSE },
  { "traces/JesseRWeigel_thinking-traces/qwen3-8b__think-off.jsonl", ROWS_OLLAMA_NO_THINK, FALSE },
  { "traces/markyx316_LLM-Reasoning-Trace-Topology/math500_deepseek_r1.jsonl",
    ROWS_API_REASONING, TRUE },
  { "traces/markyx316_LLM-Reasoning-Trace-Topology/pilot_math500_qwen7b.jsonl",
    ROWS_FULL_RESPONSE, TRUE },
  { "traces/markyx316_LLM-Reasoning-Trace-Topology/pilot_math500_llama8b.jsonl",
    ROWS_FULL_RESPONSE, TRUE },
};

static guint
count_whitespace_words (const char *text)
{
  gboolean in_word = FALSE;
  guint n = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gboolean space = g_unichar_isspace (g_utf8_get_char (p));

      if (!space && !in_word)
        n++;
      in_word = !space;
    }

  return n;
}

static void
test_real_counts (gconstpointer data)
{
  const DataFile *file = data;
  const char *root = g_getenv ("MT_SHARED_DATA");
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  guint64 real_total = 0, estimate_total = 0;
  double abs_sum = 0, signed_sum = 0;
  guint n_rows = 0, n_word_counts = 0;
  guint64 trace_count_total = 0;
  g_autofree char *worst_id = NULL;
  double worst = 0;
  gint64 start_time;
  double total_error, mean_abs, mean_signed;

  if (root == NULL)
    {
      g_test_skip ("MT_SHARED_DATA is not set");
      return;
    }
  path = g_build_filename (root, file->path, NULL);
  if (!g_file_get_contents (path, &contents, NULL, &error))
    {
      g_test_skip (error->message);
      return;
    }

  start_time = g_get_monotonic_time ();
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *row;
      guint64 real = 0, estimate = 0;
      double relative;

      if (*g_strstrip (lines[i]) == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      row = json_node_get_object (json_parser_get_root (parser));

      switch (file->kind)
        {
        case ROWS_OLLAMA_THINK:
        case ROWS_OLLAMA_NO_THINK:
          {
            const char *thinking = json_object_get_string_member (row, "thinking");
            const char *content = json_object_get_string_member (row, "content");
            const char *done = json_object_get_string_member (row, "done_reason");

            if (file->kind == ROWS_OLLAMA_THINK)
              {
                g_autofree char *whole = g_strconcat ("<think>\n", thinking, "\n</think>\n\n",
                                                      content, NULL);

                estimate = mt_count_tokens_approx (whole, -1);
              }
            else
              {
                g_assert_cmpstr (thinking, ==, "");
                estimate = mt_count_tokens_approx (content, -1);
              }
            if (g_strcmp0 (done, "stop") == 0)
              estimate += 1;
            real = json_object_get_int_member (row, "eval_count");
          }
          break;

        case ROWS_API_REASONING:
          estimate = mt_count_tokens_approx (json_object_get_string_member (row,
                                                                            "reasoning_trace"),
                                             -1);
          real = json_object_get_int_member (row, "reasoning_tokens");
          break;

        case ROWS_FULL_RESPONSE:
          estimate = mt_count_tokens_approx (json_object_get_string_member (row, "full_response"),
                                             -1);
          real = json_object_get_int_member (row, "total_generated_tokens");
          break;

        default:
          g_assert_not_reached ();
        }

      /* trace_token_count is not a token count: it is the number of
       * whitespace-separated words of reasoning_trace. */
      if (file->has_trace_token_count)
        {
          const char *trace = json_object_get_string_member (row, "reasoning_trace");

          guint64 trace_count = json_object_get_int_member (row, "trace_token_count");

          if (trace_count == count_whitespace_words (trace))
            n_word_counts++;
          trace_count_total += trace_count;
        }

      g_assert_cmpuint (real, >, 0);
      relative = ((double) estimate - (double) real) / (double) real;
      if (worst_id == NULL || ABS (relative) > ABS (worst))
        {
          g_free (worst_id);
          worst_id = g_strdup (json_object_get_string_member (row, "item_id"));
          worst = relative;
        }
      signed_sum += relative;
      abs_sum += ABS (relative);
      real_total += real;
      estimate_total += estimate;
      n_rows++;
    }

  g_assert_cmpuint (n_rows, >, 0);
  total_error = ((double) estimate_total - (double) real_total) / (double) real_total;
  mean_abs = abs_sum / n_rows;
  mean_signed = signed_sum / n_rows;

  g_test_message ("%s: %u rows, real %" G_GUINT64_FORMAT " tokens, estimate %" G_GUINT64_FORMAT
                  ", total error %+.1f%%, mean row error %+.1f%%, mean |row error| %.1f%%"
                  " (%.0f ms)",
                  strrchr (file->path, '/') + 1, n_rows, real_total, estimate_total,
                  100 * total_error, 100 * mean_signed, 100 * mean_abs,
                  (g_get_monotonic_time () - start_time) / 1000.0);
  g_test_message ("  worst row: %s at %+.1f%%", worst_id, 100 * worst);
  if (file->has_trace_token_count)
    {
      g_test_message ("  trace_token_count is the whitespace word count of reasoning_trace"
                      " in %u/%u rows (%" G_GUINT64_FORMAT " in all), not a token count",
                      n_word_counts, n_rows, trace_count_total);
      g_assert_cmpuint (n_word_counts, ==, n_rows);
    }

  g_assert_cmpfloat (ABS (total_error), <=, MAX_RELATIVE_ERROR);
  g_assert_cmpfloat (mean_abs, <=, MAX_RELATIVE_ERROR);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tokens/empty", test_empty);
  g_test_add_func ("/tokens/pretokens", test_pretokens);
  g_test_add_func ("/tokens/multibyte", test_multibyte);
  g_test_add_func ("/tokens/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/tokens/lookup", test_lookup);

  for (guint i = 0; i < G_N_ELEMENTS (data_files); i++)
    {
      const char *name = strrchr (data_files[i].path, '/') + 1;
      g_autofree char *test_path = g_strdup_printf ("/tokens/real-counts/%.*s",
                                                    (int) (strlen (name) - strlen (".jsonl")),
                                                    name);

      g_test_add_data_func (test_path, &data_files[i], test_real_counts);
    }

  return g_test_run ();
}
