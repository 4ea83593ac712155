/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "mt-think.h"

/* Splits @text and checks every field but the note, which the caller checks
 * where it matters. Returns the split so the caller can. */
static MtThinkSplit *
check_split (const char   *text,
             gssize        len,
             MtThinkFlags  flags,
             MtThinkStyle  style,
             const char   *reasoning,
             const char   *answer,
             guint         n_blocks,
             gboolean      closed)
{
  MtThinkSplit *split = mt_think_split (text, len, flags);

  g_assert_nonnull (split);
  g_test_message ("note: %s", split->note);
  g_assert_cmpstr (mt_think_style_to_string (split->style), ==,
                   mt_think_style_to_string (style));
  g_assert_cmpstr (split->reasoning, ==, reasoning);
  g_assert_cmpstr (split->answer, ==, answer);
  g_assert_cmpuint (split->n_blocks, ==, n_blocks);
  g_assert_cmpint (split->closed, ==, closed);
  g_assert_nonnull (split->note);
  g_assert_true (split->note[0] != '\0');
  g_assert_true (g_utf8_validate (split->note, -1, NULL));

  return split;
}

static void
assert_note_has (const MtThinkSplit *split,
                 const char         *needle)
{
  if (strstr (split->note, needle) == NULL)
    g_error ("note \"%s\" does not mention \"%s\"", split->note, needle);
}

static void
test_tags_basic (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<think>Let me add 2 and 2.</think>4", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_TAGS, "Let me add 2 and 2.", "4", 1, TRUE);
  assert_note_has (split, "found <think> at byte 0 and </think> at byte 26");
  assert_note_has (split, "answer after it (1 byte)");
}

static void
test_tags_whitespace (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("\n  <think>\n\nreason\n  more\n</think>\n\n  The answer.\n\n", -1,
                       MT_THINK_FLAGS_NONE, MT_THINK_STYLE_TAGS,
                       "reason\n  more", "The answer.", 1, TRUE);
}

/* Qwen3 with thinking switched off still emits an empty block. */
static void
test_tags_empty_block (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<think>\n\n</think>\n\nHello.", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_TAGS, "", "Hello.", 1, TRUE);
  assert_note_has (split, "empty");
}

static void
test_tags_no_answer (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<think>only thinking</think>  \n", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_TAGS, "only thinking", "", 1, TRUE);
  assert_note_has (split, "no answer after the thinking");
}

static void
test_tags_multiple (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<think>a</think>x<think>b</think>y", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_TAGS, "a\n\nb", "x\n\ny", 2, TRUE);
  assert_note_has (split, "2 thinking blocks joined");
  assert_note_has (split, "<think> at byte 17 and </think> at byte 25");
}

static void
test_tags_many_blocks (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(MtThinkSplit) split = NULL;

  for (guint i = 0; i < 50; i++)
    g_string_append (text, "<think> r </think> a ");

  split = mt_think_split (text->str, text->len, MT_THINK_FLAGS_NONE);
  g_assert_cmpuint (split->n_blocks, ==, 50);
  g_assert_true (split->closed);
  assert_note_has (split, "47 more thinking blocks after these");
  assert_note_has (split, "50 thinking blocks joined");
  /* The note stays short whatever the number of blocks. */
  g_assert_cmpuint (strlen (split->note), <, 400);
}

static void
test_tags_text_before (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("Sure. <think>hmm</think>", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_TAGS, "hmm", "Sure.", 1, TRUE);
  assert_note_has (split, "answer is the text before the thinking");
}

static void
test_tags_stray_close (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<think>a</think>b</think>c", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_TAGS, "a", "b</think>c", 1, TRUE);
  assert_note_has (split, "stray </think> at byte 17");
}

static void
test_missing_opener (void)
{
  g_autoptr(MtThinkSplit) split = NULL;
  g_autoptr(MtThinkSplit) with_flag = NULL;
  const char *text = "Okay, so the user wants 2+2.\n</think>\n\nThe answer is 4.";

  split = check_split (text, -1, MT_THINK_FLAGS_NONE, MT_THINK_STYLE_MISSING_OPENER,
                       "Okay, so the user wants 2+2.", "The answer is 4.", 1, TRUE);
  assert_note_has (split, "no opening tag: text before </think> at byte 29 is reasoning");

  /* The flag changes nothing once a close tag says where thinking ended. */
  with_flag = check_split (text, -1, MT_THINK_FLAGS_STARTS_INSIDE,
                           MT_THINK_STYLE_MISSING_OPENER, "Okay, so the user wants 2+2.",
                           "The answer is 4.", 1, TRUE);
}

static void
test_missing_opener_then_block (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("a</think>b<think>c</think>d", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_MISSING_OPENER, "a\n\nc", "b\n\nd", 2, TRUE);
}

static void
test_unclosed (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<think>\nLet me count the ways, one by one", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_TAGS, "Let me count the ways, one by one", "", 1, FALSE);
  assert_note_has (split, "never closes");
  assert_note_has (split, "34 bytes after it are reasoning");
}

static void
test_unclosed_after_block (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<think>a</think>x<think>b", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_TAGS, "a\n\nb", "x", 2, FALSE);
}

static void
test_starts_inside_no_tags (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("  Okay, let me think about this...", -1, MT_THINK_FLAGS_STARTS_INSIDE,
                       MT_THINK_STYLE_MISSING_OPENER, "Okay, let me think about this...", "",
                       1, FALSE);
  assert_note_has (split, "all 34 bytes are reasoning");
}

static void
test_none (void)
{
  g_autoptr(MtThinkSplit) split = NULL;
  g_autoptr(MtThinkSplit) empty = NULL;

  split = check_split (" Just an answer.\n", -1, MT_THINK_FLAGS_NONE, MT_THINK_STYLE_NONE,
                       "", "Just an answer.", 0, TRUE);
  assert_note_has (split, "no thinking tags: all 17 bytes are the answer");

  empty = check_split ("", 0, MT_THINK_FLAGS_NONE, MT_THINK_STYLE_NONE, "", "", 0, TRUE);
}

static void
test_null_text (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split (NULL, 0, MT_THINK_FLAGS_NONE, MT_THINK_STYLE_NONE, "", "", 0, TRUE);

  if (g_test_undefined ())
    {
      g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*text != NULL*");
      g_assert_null (mt_think_split (NULL, -1, MT_THINK_FLAGS_NONE));
      g_test_assert_expected_messages ();
    }
}

static void
test_case_sensitive (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<THINK>x</THINK>y <Think>", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_NONE, "", "<THINK>x</THINK>y <Think>", 0, TRUE);
}

static void
test_brackets (void)
{
  g_autoptr(MtThinkSplit) split = NULL;
  g_autoptr(MtThinkSplit) unclosed = NULL;

  split = check_split ("[THINK]\nThe user asks...\n[/THINK]\nHere it is.", -1,
                       MT_THINK_FLAGS_NONE, MT_THINK_STYLE_BRACKETS, "The user asks...",
                       "Here it is.", 1, TRUE);
  assert_note_has (split, "found [THINK] at byte 0 and [/THINK] at byte 25");

  unclosed = check_split ("[THINK]still going", -1, MT_THINK_FLAGS_NONE,
                          MT_THINK_STYLE_BRACKETS, "still going", "", 1, FALSE);
}

static void
test_brackets_missing_opener (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("thinking[/THINK]answer", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_MISSING_OPENER, "thinking", "answer", 1, TRUE);
  assert_note_has (split, "text before [/THINK] at byte 8");
}

static void
test_harmony_full (void)
{
  g_autoptr(MtThinkSplit) split = NULL;
  const char *text =
    "<|start|>assistant<|channel|>analysis<|message|>User wants 2+2. Easy.<|end|>"
    "<|start|>assistant<|channel|>final<|message|>4<|return|>";

  split = check_split (text, -1, MT_THINK_FLAGS_NONE, MT_THINK_STYLE_HARMONY,
                       "User wants 2+2. Easy.", "4", 1, TRUE);
  assert_note_has (split, "analysis message at byte 18 ends with <|end|> at byte 69");
  assert_note_has (split, "final message at byte 94 ends with <|return|>");
}

static void
test_harmony_no_prefix (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<|channel|>analysis<|message|>think<|end|>"
                       "<|start|>assistant<|channel|>final<|message|>done", -1,
                       MT_THINK_FLAGS_NONE, MT_THINK_STYLE_HARMONY, "think", "done", 1, TRUE);
  /* The final message may run to the end of the text. */
  assert_note_has (split, "runs to the end of the text (no <|return|>)");
}

static void
test_harmony_missing_end (void)
{
  g_autoptr(MtThinkSplit) split = NULL;
  g_autoptr(MtThinkSplit) ended = NULL;

  split = check_split ("<|channel|>analysis<|message|>think"
                       "<|start|>assistant<|channel|>final<|message|>done<|end|>", -1,
                       MT_THINK_FLAGS_NONE, MT_THINK_STYLE_HARMONY, "think", "done", 1, TRUE);
  assert_note_has (split, "has no <|end|>");

  ended = check_split ("<|channel|>analysis<|message|>a<|channel|>final<|message|>b", -1,
                       MT_THINK_FLAGS_NONE, MT_THINK_STYLE_HARMONY, "a", "b", 1, TRUE);
}

static void
test_harmony_several (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<|start|>assistant<|channel|>analysis<|message|>one<|end|>"
                       "<|start|>assistant<|channel|>commentary to=functions.calc "
                       "<|constrain|>json<|message|>{\"x\":1}<|call|>"
                       "<|start|>assistant<|channel|>analysis<|message|>two<|end|>"
                       "<|start|>assistant<|channel|>final<|message|>three<|return|>", -1,
                       MT_THINK_FLAGS_NONE, MT_THINK_STYLE_HARMONY,
                       "one\n\n{\"x\":1}\n\ntwo", "three", 3, TRUE);
  assert_note_has (split, "commentary message");
  assert_note_has (split, "3 reasoning messages joined");
}

static void
test_harmony_analysis_only (void)
{
  g_autoptr(MtThinkSplit) open = NULL;
  g_autoptr(MtThinkSplit) ended = NULL;

  open = check_split ("<|start|>assistant<|channel|>analysis<|message|>still thinking", -1,
                      MT_THINK_FLAGS_NONE, MT_THINK_STYLE_HARMONY, "still thinking", "",
                      1, FALSE);
  assert_note_has (open, "runs to the end of the text");
  assert_note_has (open, "no final message");

  ended = check_split ("<|channel|>analysis<|message|>done thinking<|end|>", -1,
                       MT_THINK_FLAGS_NONE, MT_THINK_STYLE_HARMONY, "done thinking", "",
                       1, TRUE);
}

/* A prompt ending in the analysis header leaves the completion without it. */
static void
test_harmony_headless (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("inside<|end|><|start|>assistant<|channel|>final<|message|>out", -1,
                       MT_THINK_FLAGS_NONE, MT_THINK_STYLE_HARMONY, "inside", "out", 1, TRUE);
  assert_note_has (split, "no message header");
}

static void
test_thought (void)
{
  g_autoptr(MtThinkSplit) split = NULL;
  g_autoptr(MtThinkSplit) bare = NULL;
  g_autoptr(MtThinkSplit) unclosed = NULL;

  split = check_split ("<|begin_of_thought|>\n\nsteps\n\n<|end_of_thought|>\n\n"
                       "<|begin_of_solution|>\n\n42\n\n<|end_of_solution|>", -1,
                       MT_THINK_FLAGS_NONE, MT_THINK_STYLE_THOUGHT, "steps", "42", 1, TRUE);
  assert_note_has (split, "solution between <|begin_of_solution|>");

  bare = check_split ("<|begin_of_thought|>steps<|end_of_thought|> 42 ", -1,
                      MT_THINK_FLAGS_NONE, MT_THINK_STYLE_THOUGHT, "steps", "42", 1, TRUE);

  unclosed = check_split ("<|begin_of_thought|>steps", -1, MT_THINK_FLAGS_NONE,
                          MT_THINK_STYLE_THOUGHT, "steps", "", 1, FALSE);
}

static void
test_thought_framing_left_out (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<|begin_of_thought|>s<|end_of_thought|>Intro "
                       "<|begin_of_solution|>42", -1, MT_THINK_FLAGS_NONE,
                       MT_THINK_STYLE_THOUGHT, "s", "42", 1, TRUE);
  assert_note_has (split, "5 bytes of text outside the solution tags left out");
  assert_note_has (split, "never closes");
}

static void
test_detection_order (void)
{
  g_autoptr(MtThinkSplit) tags = NULL;
  g_autoptr(MtThinkSplit) brackets = NULL;
  g_autoptr(MtThinkSplit) harmony = NULL;
  g_autoptr(MtThinkSplit) quoted = NULL;

  tags = check_split ("<think>uses [THINK] tags</think>ok", -1, MT_THINK_FLAGS_NONE,
                      MT_THINK_STYLE_TAGS, "uses [THINK] tags", "ok", 1, TRUE);
  brackets = check_split ("[THINK]about <think>[/THINK]ok", -1, MT_THINK_FLAGS_NONE,
                          MT_THINK_STYLE_BRACKETS, "about <think>", "ok", 1, TRUE);
  harmony = check_split ("<|channel|>analysis<|message|>a <think><|end|>"
                         "<|channel|>final<|message|>b", -1, MT_THINK_FLAGS_NONE,
                         MT_THINK_STYLE_HARMONY, "a <think>", "b", 1, TRUE);
  /* Reasoning that talks about the harmony format is still a think block. */
  quoted = check_split ("<think>GPT-OSS uses <|channel|></think>ok", -1, MT_THINK_FLAGS_NONE,
                        MT_THINK_STYLE_TAGS, "GPT-OSS uses <|channel|>", "ok", 1, TRUE);
}

static void
test_utf8 (void)
{
  g_autoptr(MtThinkSplit) split = NULL;
  const char *text = "<think>\xc3\xa9t\xc3\xa9 \xe2\x88\x9a" "2</think>\xf0\x9f\x98\x80 \xce\xb8";

  split = check_split (text, -1, MT_THINK_FLAGS_NONE, MT_THINK_STYLE_TAGS,
                       "\xc3\xa9t\xc3\xa9 \xe2\x88\x9a" "2", "\xf0\x9f\x98\x80 \xce\xb8", 1, TRUE);
  g_assert_true (g_utf8_validate (split->reasoning, -1, NULL));
  g_assert_true (g_utf8_validate (split->answer, -1, NULL));
}

/* A counted buffer is parsed whole: tags after a NUL are still found, and the
 * NUL bytes themselves, which no C string can carry, are dropped and counted. */
static void
test_nul_bytes (void)
{
  static const char text[] = "<think>a\0b</think>c\0\0d";
  g_autoptr(MtThinkSplit) split = NULL;
  g_autoptr(MtThinkSplit) terminated = NULL;

  split = check_split (text, sizeof text - 1, MT_THINK_FLAGS_NONE, MT_THINK_STYLE_TAGS,
                       "ab", "cd", 1, TRUE);
  assert_note_has (split, "</think> at byte 10");
  assert_note_has (split, "3 NUL bytes, left out of the output");

  /* With len -1 the string ends at its first NUL, as C strings do. */
  terminated = check_split (text, -1, MT_THINK_FLAGS_NONE, MT_THINK_STYLE_TAGS, "a", "", 1,
                            FALSE);
}

/* @len bounds the search even when the buffer goes on: a tag cut by it is no
 * tag. */
static void
test_len_bounds (void)
{
  g_autoptr(MtThinkSplit) split = NULL;

  split = check_split ("<think>abc</thi", 14, MT_THINK_FLAGS_NONE, MT_THINK_STYLE_TAGS,
                       "abc</th", "", 1, FALSE);
}

/* Inputs the fuzzer or review found worth keeping. Each only has to split
 * without crashing and give consistent, valid output. */
static void
test_regressions (void)
{
  static const struct
  {
    const char *text;
    gssize      len;
  } cases[] = {
    { "<|channel|>", -1 },
    { "<|channel|><|message|>", -1 },
    { "<|channel|>analysis", -1 },
    { "<|channel|>analysis<|constrain|>", -1 },
    { "<|start|>", -1 },
    { "<|end|><|channel|>", -1 },
    { "x<|return|><|channel|>final<|message|><|start|>", -1 },
    { "<|message|><|end|><|channel|>analysis<|message|><|call|>", -1 },
    { "<think></think></think>", -1 },
    { "</think>", -1 },
    { "<think>", -1 },
    { "<|end_of_thought|><|end_of_solution|><|begin_of_solution|>", -1 },
    { "<|begin_of_thought|><|begin_of_solution|>", -1 },
    { "[/THINK][THINK]", -1 },
    { "\0<think>\0</think>\0", 19 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      for (guint flags = 0; flags <= MT_THINK_FLAGS_STARTS_INSIDE; flags++)
        {
          g_autoptr(MtThinkSplit) split = mt_think_split (cases[i].text, cases[i].len, flags);

          g_assert_nonnull (split->reasoning);
          g_assert_nonnull (split->answer);
          g_assert_true (g_utf8_validate (split->note, -1, NULL));
          g_assert_true (split->closed || split->n_blocks > 0);
        }
    }
}

typedef struct
{
  guint n_rows;
  guint n_opener;
  guint n_closer;
  guint n_exact;    /* equal to the dataset fields byte for byte */
  guint n_trimmed;  /* equal once both sides are trimmed */
} RealStats;

static char *
trimmed (const char *s)
{
  return g_strstrip (g_strdup (s != NULL ? s : ""));
}

/* Splits every row's full_response and compares with the dataset's own
 * reasoning_trace and answer_text fields. @skip_id names a row the dataset
 * splits differently from the parser on purpose; the caller checks it. */
static gboolean
compare_real_file (const char   *file_name,
                   MtThinkFlags  flags,
                   MtThinkStyle  style,
                   const char   *skip_id,
                   RealStats    *stats)
{
  const char *shared = g_getenv ("MT_SHARED_DATA");
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  memset (stats, 0, sizeof *stats);

  if (shared == NULL)
    {
      g_test_skip ("MT_SHARED_DATA is not set");
      return FALSE;
    }

  path = g_build_filename (shared, "traces", "markyx316_LLM-Reasoning-Trace-Topology",
                           file_name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *why = g_strdup_printf ("%s is missing", path);

      g_test_skip (why);
      return FALSE;
    }

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(MtThinkSplit) split = NULL;
      g_autofree char *want_reasoning = NULL;
      g_autofree char *want_answer = NULL;
      JsonObject *row;
      const char *id;
      const char *response;
      const char *reasoning_field;
      const char *answer_field;

      if (*lines[i] == '\0')
        continue;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      row = json_node_get_object (json_parser_get_root (parser));
      id = json_object_get_string_member (row, "item_id");
      response = json_object_get_string_member (row, "full_response");

      stats->n_rows++;
      if (strstr (response, "<think>") != NULL)
        stats->n_opener++;
      if (strstr (response, "</think>") != NULL)
        stats->n_closer++;

      if (skip_id != NULL && g_strcmp0 (id, skip_id) == 0)
        continue;

      split = mt_think_split (response, -1, flags);
      reasoning_field = json_object_get_string_member (row, "reasoning_trace");
      answer_field = json_object_get_string_member (row, "answer_text");
      want_reasoning = trimmed (reasoning_field);
      want_answer = trimmed (answer_field);

      g_assert_cmpstr (mt_think_style_to_string (split->style), ==,
                       mt_think_style_to_string (style));
      g_assert_cmpuint (split->n_blocks, ==, 1);
      g_assert_true (split->closed);
      g_assert_true (g_utf8_validate (split->reasoning, -1, NULL));
      g_assert_true (g_utf8_validate (split->answer, -1, NULL));
      g_assert_cmpstr (split->reasoning, ==, want_reasoning);
      g_assert_cmpstr (split->answer, ==, want_answer);
      stats->n_trimmed++;

      if (g_strcmp0 (split->reasoning, reasoning_field) == 0 &&
          g_strcmp0 (split->answer, answer_field) == 0)
        stats->n_exact++;
    }

  g_test_message ("%s: %u rows, %u with <think>, %u with </think>; %u match the dataset "
                  "after trimming, %u byte for byte", file_name, stats->n_rows,
                  stats->n_opener, stats->n_closer, stats->n_trimmed, stats->n_exact);
  return TRUE;
}

static JsonObject *
find_row (const char *file_name,
          const char *id,
          JsonParser *parser)
{
  g_autofree char *path = g_build_filename (g_getenv ("MT_SHARED_DATA"), "traces",
                                            "markyx316_LLM-Reasoning-Trace-Topology",
                                            file_name, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      JsonObject *row;

      if (*lines[i] == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      row = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member (row, "item_id"), id) == 0)
        return row;
    }

  g_error ("row %s not found in %s", id, file_name);
  return NULL;
}

static void
test_real_qwen7b (void)
{
  const char *file_name = "pilot_math500_qwen7b.jsonl";
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(MtThinkSplit) inside = NULL;
  g_autoptr(MtThinkSplit) plain = NULL;
  g_autofree char *total = NULL;
  RealStats stats;
  JsonObject *row;
  const char *response;

  if (!compare_real_file (file_name, MT_THINK_FLAGS_STARTS_INSIDE,
                          MT_THINK_STYLE_MISSING_OPENER, "math500_0009", &stats))
    return;

  g_assert_cmpuint (stats.n_rows, ==, 20);
  g_assert_cmpuint (stats.n_opener, ==, 0);
  g_assert_cmpuint (stats.n_closer, ==, 19);
  g_assert_cmpuint (stats.n_trimmed, ==, 19);

  /* The row that hit the token cap: it never closes its thinking block. */
  row = find_row (file_name, "math500_0009", parser);
  response = json_object_get_string_member (row, "full_response");

  inside = mt_think_split (response, -1, MT_THINK_FLAGS_STARTS_INSIDE);
  g_assert_cmpint (inside->style, ==, MT_THINK_STYLE_MISSING_OPENER);
  g_assert_false (inside->closed);
  g_assert_cmpuint (inside->n_blocks, ==, 1);
  g_assert_cmpstr (inside->answer, ==, "");
  g_assert_cmpuint (strlen (inside->reasoning), ==, strlen (response));
  total = g_strdup_printf ("all %" G_GSIZE_FORMAT " bytes are reasoning", strlen (response));
  assert_note_has (inside, total);

  /* The dataset files that row's text as the answer, with an empty trace;
   * that is what the parser gives without the flag. */
  g_assert_cmpstr (json_object_get_string_member (row, "reasoning_trace"), ==, "");
  plain = mt_think_split (response, -1, MT_THINK_FLAGS_NONE);
  g_assert_cmpint (plain->style, ==, MT_THINK_STYLE_NONE);
  g_assert_cmpstr (plain->answer, ==, json_object_get_string_member (row, "answer_text"));
  g_test_message ("math500_0009: the dataset puts the unclosed trace in answer_text; "
                  "with STARTS_INSIDE the parser calls it unfinished reasoning");
}

static void
test_real_deepseek_r1 (void)
{
  RealStats stats;

  if (!compare_real_file ("math500_deepseek_r1.jsonl", MT_THINK_FLAGS_NONE,
                          MT_THINK_STYLE_TAGS, NULL, &stats))
    return;

  g_assert_cmpuint (stats.n_rows, ==, 20);
  g_assert_cmpuint (stats.n_opener, ==, 20);
  g_assert_cmpuint (stats.n_trimmed, ==, 20);
}

static void
test_real_llama8b (void)
{
  RealStats stats;

  if (!compare_real_file ("pilot_math500_llama8b.jsonl", MT_THINK_FLAGS_NONE,
                          MT_THINK_STYLE_MISSING_OPENER, NULL, &stats))
    return;

  g_assert_cmpuint (stats.n_rows, ==, 20);
  g_assert_cmpuint (stats.n_opener, ==, 0);
  g_assert_cmpuint (stats.n_trimmed, ==, 20);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/think/tags/basic", test_tags_basic);
  g_test_add_func ("/think/tags/whitespace", test_tags_whitespace);
  g_test_add_func ("/think/tags/empty-block", test_tags_empty_block);
  g_test_add_func ("/think/tags/no-answer", test_tags_no_answer);
  g_test_add_func ("/think/tags/multiple", test_tags_multiple);
  g_test_add_func ("/think/tags/many-blocks", test_tags_many_blocks);
  g_test_add_func ("/think/tags/text-before", test_tags_text_before);
  g_test_add_func ("/think/tags/stray-close", test_tags_stray_close);
  g_test_add_func ("/think/missing-opener/basic", test_missing_opener);
  g_test_add_func ("/think/missing-opener/then-block", test_missing_opener_then_block);
  g_test_add_func ("/think/unclosed/basic", test_unclosed);
  g_test_add_func ("/think/unclosed/after-block", test_unclosed_after_block);
  g_test_add_func ("/think/unclosed/starts-inside", test_starts_inside_no_tags);
  g_test_add_func ("/think/none", test_none);
  g_test_add_func ("/think/null-text", test_null_text);
  g_test_add_func ("/think/case-sensitive", test_case_sensitive);
  g_test_add_func ("/think/brackets/basic", test_brackets);
  g_test_add_func ("/think/brackets/missing-opener", test_brackets_missing_opener);
  g_test_add_func ("/think/harmony/full", test_harmony_full);
  g_test_add_func ("/think/harmony/no-prefix", test_harmony_no_prefix);
  g_test_add_func ("/think/harmony/missing-end", test_harmony_missing_end);
  g_test_add_func ("/think/harmony/several", test_harmony_several);
  g_test_add_func ("/think/harmony/analysis-only", test_harmony_analysis_only);
  g_test_add_func ("/think/harmony/headless", test_harmony_headless);
  g_test_add_func ("/think/thought/basic", test_thought);
  g_test_add_func ("/think/thought/framing-left-out", test_thought_framing_left_out);
  g_test_add_func ("/think/detection-order", test_detection_order);
  g_test_add_func ("/think/utf8", test_utf8);
  g_test_add_func ("/think/nul-bytes", test_nul_bytes);
  g_test_add_func ("/think/len-bounds", test_len_bounds);
  g_test_add_func ("/think/regressions", test_regressions);
  g_test_add_func ("/think/real/qwen7b", test_real_qwen7b);
  g_test_add_func ("/think/real/deepseek-r1", test_real_deepseek_r1);
  g_test_add_func ("/think/real/llama8b", test_real_llama8b);

  return g_test_run ();
}
