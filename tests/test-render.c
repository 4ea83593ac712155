/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "mt-family.h"
#include "mt-interrupt-texts.h"
#include "mt-render.h"

#define PROBLEM "What is 2 + 3 * 4?"
#define REASONING \
  "Okay, let me see. Multiplication comes first, so 3 * 4 = 12. Then 2 + 12 = 14.\n\n" \
  "Wait, let me double-check: 3 * 4 is 12, plus 2 gives 14. So the answer is 14."
#define UPDATE "Actually, the problem is 2 + 3 * 5."
#define CUSTOM "\n\nHmm, I should also check the order of operations."
#define DATE "2025-10-01"

/* Token spans the test controls, so no golden depends on the approximate
 * tokenizer: a word with its leading space, each punctuation mark, and
 * each run of newlines is a token. */
static MtTokenSpans *
word_spans (const char *text)
{
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (guint32));
  gsize length = strlen (text);

  for (gsize i = 0; i < length; i++)
    {
      gboolean start;
      char c = text[i];
      char prev = i > 0 ? text[i - 1] : '\0';

      if (i == 0)
        start = TRUE;
      else if (c == '\n')
        start = prev != '\n';
      else if (prev == '\n')
        start = TRUE;
      else if (g_ascii_ispunct (c) || g_ascii_ispunct (prev))
        start = TRUE;
      else
        start = c == ' ' && prev != ' ';

      if (start)
        {
          guint32 offset = i;

          g_array_append_val (starts, offset);
        }
    }

  return mt_token_spans_new (MT_TOKEN_SOURCE_TOKENIZER, (const guint32 *) starts->data,
                             starts->len, length);
}

static MtTokenSpans *
spans_from (const guint32 *starts,
            guint          n_starts,
            const char    *text)
{
  return mt_token_spans_new (MT_TOKEN_SOURCE_STREAM, starts, n_starts, strlen (text));
}

/* Every part of a rendered prompt is where the offsets say. */
static void
check_parts (const MtRendered    *rendered,
             const MtRenderInput *input)
{
  g_assert_nonnull (rendered->prompt);
  g_assert_cmpuint (strlen (rendered->prompt), ==, rendered->length);
  g_assert_true (g_utf8_validate (rendered->prompt, -1, NULL));
  g_assert_cmpuint (rendered->prompt_end, <=, rendered->reasoning_start);
  g_assert_cmpuint (rendered->reasoning_start, <=, rendered->reasoning_end);
  g_assert_cmpuint (rendered->reasoning_end, <=, rendered->text_start);
  g_assert_cmpuint (rendered->text_start, <=, rendered->text_end);
  g_assert_cmpuint (rendered->text_end, <=, rendered->length);
  g_assert_cmpstr (rendered->injected, ==, rendered->prompt + rendered->reasoning_end);
  g_assert_cmpuint (rendered->token_index, <=, rendered->n_tokens);

  if (input->oracle_prompt != NULL)
    {
      g_assert_cmpuint (rendered->prompt_end, ==, strlen (input->oracle_prompt));
      g_assert_true (strncmp (rendered->prompt, input->oracle_prompt,
                              rendered->prompt_end) == 0);
    }

  /* The kept reasoning is a prefix of the oracle's. */
  g_assert_true (strncmp (rendered->prompt + rendered->reasoning_start, input->reasoning,
                          rendered->reasoning_end - rendered->reasoning_start) == 0);
}

static MtRendered *
render (const char          *family_name,
        const MtRenderInput *input,
        MtInterruptKind      kind,
        MtInterruptRole      role,
        const char          *text,
        MtDomain             domain)
{
  g_autoptr(MtFamily) family = mt_family_new_builtin (family_name);
  g_autoptr(GError) error = NULL;
  MtRendered *rendered;

  g_assert_nonnull (family);
  rendered = mt_render_interrupt (family, input, kind, role, text, domain, &error);
  g_assert_no_error (error);
  g_assert_nonnull (rendered);
  g_assert_cmpint (rendered->kind, ==, kind);
  g_assert_cmpint (rendered->role, ==, role);
  check_parts (rendered, input);

  return rendered;
}

static void
input_init (MtRenderInput      *input,
            const char         *reasoning,
            const MtTokenSpans *spans,
            double              fraction)
{
  memset (input, 0, sizeof *input);
  input->problem = PROBLEM;
  input->reasoning = reasoning;
  input->spans = spans;
  input->position.kind = MT_POSITION_FRACTION;
  input->position.fraction = fraction;
  input->date = DATE;
}

/* The paper's prompt files */

static JsonObject *
load_paper_file (JsonParser *parser,
                 const char *relative)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  const char *shared = g_getenv ("MT_SHARED_DATA");

  g_assert_nonnull (shared);
  path = g_build_filename (shared, "interrupt-lrm-prompts", relative, NULL);
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  return json_node_get_object (json_parser_get_root (parser));
}

/* As the paper reads a key: custom_prompts.get(key, ""). */
static const char *
paper_get (JsonObject *file,
           const char *key)
{
  return json_object_has_member (file, key) ? json_object_get_string_member (file, key) : "";
}

static void
assert_member (JsonObject *file,
               const char *key,
               const char *constant)
{
  if (!json_object_has_member (file, key))
    {
      g_assert_null (constant);
      return;
    }

  g_assert_nonnull (constant);
  /* Byte for byte, length included. */
  g_assert_cmpstr (json_object_get_string_member (file, key), ==, constant);
  g_assert_cmpmem (json_object_get_string_member (file, key),
                   strlen (json_object_get_string_member (file, key)),
                   constant, strlen (constant));
}

static void
test_paper_texts (void)
{
  static const char * const keys[] = {
    "system_prompt", "reasoning_prefix", "reasoning_suffix", "update_prefix", "update_suffix",
  };

  for (MtPaperPromptId id = 0; id < MT_N_PAPER_PROMPTS; id++)
    {
      const MtPaperPrompt *prompt = mt_paper_prompt_get (id);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *file = load_paper_file (parser, prompt->path);
      g_autoptr(GList) members = json_object_get_members (file);

      g_test_message ("%s", prompt->path);
      assert_member (file, "system_prompt", prompt->system_prompt);
      assert_member (file, "reasoning_prefix", prompt->reasoning_prefix);
      assert_member (file, "reasoning_suffix", prompt->reasoning_suffix);
      assert_member (file, "update_prefix", prompt->update_prefix);
      assert_member (file, "update_suffix", prompt->update_suffix);

      /* A key the table does not know would be a text left out. */
      for (GList *l = members; l != NULL; l = l->next)
        g_assert_true (g_strv_contains (keys, l->data));
    }

  /* The named constants are the ones the table holds. */
  g_assert_true (mt_paper_prompt_get (MT_PAPER_PROMPT_HARD)->reasoning_prefix ==
                 mt_interrupt_text_hard);
  g_assert_true (mt_paper_prompt_get (MT_PAPER_PROMPT_EXTREME)->reasoning_prefix ==
                 mt_interrupt_text_force_answer);
  g_assert_true (mt_paper_prompt_get (MT_PAPER_PROMPT_SOFT)->reasoning_prefix ==
                 mt_interrupt_text_speedup);
  g_assert_true (mt_paper_prompt_get (MT_PAPER_PROMPT_SOFT_USER_TURN)->update_prefix ==
                 mt_interrupt_text_speedup_user);
  g_assert_true (mt_paper_prompt_get (MT_PAPER_PROMPT_WO_PROMPT_GUIDANCE)->reasoning_prefix ==
                 mt_interrupt_text_update_prefix);
  g_assert_true (mt_paper_prompt_get (MT_PAPER_PROMPT_WO_PROMPT_GUIDANCE)->reasoning_suffix ==
                 mt_interrupt_text_update_suffix);
  g_assert_true (mt_paper_prompt_get (MT_PAPER_PROMPT_W_PROMPT_GUIDANCE)->reasoning_prefix ==
                 mt_interrupt_text_guided_prefix);
  g_assert_true (mt_paper_prompt_get (MT_PAPER_PROMPT_W_PROMPT_GUIDANCE)->reasoning_suffix ==
                 mt_interrupt_text_guided_suffix);
  g_assert_true (mt_paper_prompt_get (MT_PAPER_PROMPT_SPEEDUP)->reasoning_prefix ==
                 mt_interrupt_text_update_speedup_prefix);
  g_assert_true (mt_paper_prompt_get (MT_PAPER_PROMPT_SPEEDUP)->reasoning_suffix ==
                 mt_interrupt_text_update_speedup_suffix);
}

static void
test_system_prompts (void)
{
  static const struct {
    MtInterruptKind  kind;
    MtInterruptRole  role;
    const char      *file;
  } cases[] = {
    { MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, "interrupt/hard.json" },
    { MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_USER, "interrupt/hard.json" },
    { MT_INTERRUPT_FORCE_ANSWER, MT_INTERRUPT_ROLE_ASSISTANT, "interrupt/extreme.json" },
    { MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT, "interrupt/soft.json" },
    { MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_USER, "interrupt/soft_user_turn.json" },
    { MT_INTERRUPT_UPDATE, MT_INTERRUPT_ROLE_ASSISTANT, "intervene/wo_prompt_guidance.json" },
    { MT_INTERRUPT_UPDATE, MT_INTERRUPT_ROLE_USER, "intervene/user_turn.json" },
    { MT_INTERRUPT_GUIDED_UPDATE, MT_INTERRUPT_ROLE_ASSISTANT,
      "intervene/w_prompt_guidance.json" },
    { MT_INTERRUPT_GUIDED_UPDATE, MT_INTERRUPT_ROLE_USER, "intervene/user_turn.json" },
    { MT_INTERRUPT_UPDATE_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT, "intervene/speedup.json" },
    { MT_INTERRUPT_BUDGET_WAIT, MT_INTERRUPT_ROLE_ASSISTANT, NULL },
    { MT_INTERRUPT_NO_THINKING, MT_INTERRUPT_ROLE_ASSISTANT, NULL },
    { MT_INTERRUPT_CUSTOM, MT_INTERRUPT_ROLE_USER, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *system = mt_interrupt_system_prompt (cases[i].kind, cases[i].role);
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (cases[i].file == NULL)
        {
          g_assert_null (system);
          continue;
        }

      g_assert_cmpstr (system, ==,
                       paper_get (load_paper_file (parser, cases[i].file), "system_prompt"));
    }
}

/* What the paper's format_subsequent_input_prompt() appends after the kept
 * reasoning, composed from its prompt files read now and the family's
 * strings (test-family pins those to prompt_utils.py). */
static char *
paper_injection (MtFamily        *family,
                 MtInterruptKind  kind,
                 MtInterruptRole  role,
                 const char      *update,
                 MtDomain         domain)
{
  static const char *assistant_files[] = {
    [MT_INTERRUPT_HARD] = "interrupt/hard.json",
    [MT_INTERRUPT_FORCE_ANSWER] = "interrupt/extreme.json",
    [MT_INTERRUPT_SPEEDUP] = "interrupt/soft.json",
    [MT_INTERRUPT_UPDATE] = "intervene/wo_prompt_guidance.json",
    [MT_INTERRUPT_GUIDED_UPDATE] = "intervene/w_prompt_guidance.json",
    [MT_INTERRUPT_UPDATE_SPEEDUP] = "intervene/speedup.json",
  };
  static const char *user_files[] = {
    [MT_INTERRUPT_HARD] = "intervene/user_turn.json",
    [MT_INTERRUPT_FORCE_ANSWER] = "intervene/user_turn.json",
    [MT_INTERRUPT_SPEEDUP] = "interrupt/soft_user_turn.json",
    [MT_INTERRUPT_UPDATE] = "intervene/user_turn.json",
    [MT_INTERRUPT_GUIDED_UPDATE] = "intervene/user_turn.json",
    [MT_INTERRUPT_UPDATE_SPEEDUP] = "intervene/speedup.json",
  };
  g_autoptr(JsonParser) parser = json_parser_new ();
  gboolean intervene = kind == MT_INTERRUPT_UPDATE || kind == MT_INTERRUPT_GUIDED_UPDATE ||
                       kind == MT_INTERRUPT_UPDATE_SPEEDUP;
  gboolean closes = kind == MT_INTERRUPT_HARD || kind == MT_INTERRUPT_FORCE_ANSWER;
  JsonObject *file;
  GString *out = g_string_new (NULL);
  g_autofree char *update_instructions = NULL;

  if (role == MT_INTERRUPT_ROLE_ASSISTANT)
    {
      file = load_paper_file (parser, assistant_files[kind]);
      update_instructions = intervene ? g_strconcat (paper_get (file, "update_prefix"), update,
                                                     paper_get (file, "update_suffix"), NULL)
                                      : g_strdup ("");
      g_string_append (out, paper_get (file, "reasoning_prefix"));
      g_string_append (out, update_instructions);
      g_string_append (out, paper_get (file, "reasoning_suffix"));
      if (closes)
        g_string_append (out, mt_family_get_close_reasoning (family, TRUE));
    }
  else
    {
      g_autofree char *user_turn = NULL;

      file = load_paper_file (parser, user_files[kind]);
      update_instructions = g_strconcat (paper_get (file, "update_prefix"),
                                         update != NULL ? update : "",
                                         paper_get (file, "update_suffix"), NULL);
      user_turn = mt_family_format_user_turn (family, update_instructions);
      g_string_append (out, mt_family_get_close_reasoning (family, FALSE));
      g_string_append (out, user_turn);
      if (closes)
        g_string_append (out, mt_family_get_open_close_reasoning (family));
    }

  if (kind == MT_INTERRUPT_FORCE_ANSWER)
    g_string_append (out, domain == MT_DOMAIN_MATH ? "\n\\boxed{" : "\n```");

  return g_string_free (out, FALSE);
}

static void
test_injected_matches_paper (void)
{
  static const MtInterruptKind kinds[] = {
    MT_INTERRUPT_HARD, MT_INTERRUPT_FORCE_ANSWER, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_UPDATE,
    MT_INTERRUPT_GUIDED_UPDATE, MT_INTERRUPT_UPDATE_SPEEDUP,
  };
  const char * const *names = mt_family_get_builtin_names ();
  g_autoptr(MtTokenSpans) spans = word_spans (REASONING);
  guint n_checked = 0;

  for (guint f = 0; names[f] != NULL; f++)
    {
      g_autoptr(MtFamily) family = mt_family_new_builtin (names[f]);

      for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
        for (MtInterruptRole role = MT_INTERRUPT_ROLE_ASSISTANT;
             role <= MT_INTERRUPT_ROLE_USER; role++)
          for (MtDomain domain = MT_DOMAIN_MATH; domain <= MT_DOMAIN_CODE; domain++)
            {
              gboolean speedup_user = kinds[i] == MT_INTERRUPT_SPEEDUP &&
                                      role == MT_INTERRUPT_ROLE_USER;
              const char *update = speedup_user ? NULL : UPDATE;
              g_autoptr(MtRendered) rendered = NULL;
              g_autofree char *expected = NULL;
              MtRenderInput input;

              input_init (&input, REASONING, spans, 0.3);
              rendered = render (names[f], &input, kinds[i], role, update, domain);
              expected = paper_injection (family, kinds[i], role, update, domain);

              g_test_message ("%s %s %s", names[f], mt_interrupt_kind_to_string (kinds[i]),
                              mt_interrupt_role_to_string (role));
              g_assert_cmpstr (rendered->injected, ==, expected);
              n_checked++;
            }
    }

  g_assert_cmpuint (n_checked, ==, 6 * 6 * 2 * 2);
}

/* Golden prompts */

typedef struct
{
  const char      *name;
  MtInterruptKind  kind;
  MtInterruptRole  role;
  const char      *text;
} GoldenCase;

static const GoldenCase golden_cases[] = {
  { "hard", MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL },
  { "force-answer", MT_INTERRUPT_FORCE_ANSWER, MT_INTERRUPT_ROLE_ASSISTANT, NULL },
  { "speedup", MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT, NULL },
  { "update", MT_INTERRUPT_UPDATE, MT_INTERRUPT_ROLE_ASSISTANT, UPDATE },
  { "guided-update", MT_INTERRUPT_GUIDED_UPDATE, MT_INTERRUPT_ROLE_ASSISTANT, UPDATE },
  { "update-speedup", MT_INTERRUPT_UPDATE_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT, UPDATE },
  { "hard-user", MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_USER, UPDATE },
  { "speedup-user", MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_USER, NULL },
  { "update-user", MT_INTERRUPT_UPDATE, MT_INTERRUPT_ROLE_USER, UPDATE },
  { "budget-wait", MT_INTERRUPT_BUDGET_WAIT, MT_INTERRUPT_ROLE_ASSISTANT, NULL },
  { "no-thinking", MT_INTERRUPT_NO_THINKING, MT_INTERRUPT_ROLE_ASSISTANT, NULL },
  { "custom", MT_INTERRUPT_CUSTOM, MT_INTERRUPT_ROLE_ASSISTANT, CUSTOM },
};

static void
test_golden (gconstpointer data)
{
  const char *family_name = data;
  const char *test_data = g_getenv ("MT_TEST_DATA");
  gboolean update_golden = g_getenv ("MT_UPDATE_GOLDEN") != NULL;
  g_autoptr(MtTokenSpans) spans = word_spans (REASONING);

  g_assert_nonnull (test_data);

  for (guint i = 0; i < G_N_ELEMENTS (golden_cases); i++)
    {
      const GoldenCase *golden = &golden_cases[i];
      g_autoptr(MtRendered) rendered = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *file_name = NULL;
      g_autofree char *path = NULL;
      g_autofree char *expected = NULL;
      gsize length;
      MtRenderInput input;

      input_init (&input, REASONING, spans, 0.5);
      rendered = render (family_name, &input, golden->kind, golden->role, golden->text,
                         MT_DOMAIN_MATH);

      file_name = g_strdup_printf ("%s-%s.txt", family_name, golden->name);
      path = g_build_filename (test_data, "golden", file_name, NULL);
      g_test_message ("%s", path);

      /* Each file is the prompt and one newline more, so an editor that
       * ends files with a newline leaves the prompt's own ending alone.
       * MT_UPDATE_GOLDEN=1 rewrites them; review the diff before committing. */
      if (update_golden)
        {
          g_autofree char *contents = g_strconcat (rendered->prompt, "\n", NULL);

          g_file_set_contents (path, contents, -1, &error);
          g_assert_no_error (error);
          continue;
        }

      g_file_get_contents (path, &expected, &length, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (length, >, 0);
      g_assert_cmpint (expected[length - 1], ==, '\n');
      expected[length - 1] = '\0';
      g_assert_cmpstr (rendered->prompt, ==, expected);
    }
}

/* The position */

static void
test_token_index (void)
{
  static const struct {
    double fraction;
    guint  n_tokens;
    guint  expected;
  } cases[] = {
    { 0.0, 10, 0 },
    { 1.0, 10, 10 },
    { 0.5, 0, 0 },
    { 0.0, 0, 0 },
    { 1.0, 0, 0 },
    { 0.1, 10, 1 },
    { 0.3, 10, 3 },     /* 3.0 exactly in binary64: no rounding trap here */
    { 0.9, 10, 9 },
    { 0.5, 7, 3 },
    /* The traps: the double product falls just short of the integer and
     * Python's int() truncates it, as the paper's k did. */
    { 0.7, 90, 62 },    /* 62.99999999999999 */
    { 0.7, 170, 118 },  /* 118.99999999999999 */
    { 0.7, 180, 125 },  /* 125.99999999999999 */
    { 0.7, 330, 230 },  /* 230.99999999999997 */
    { 0.7, 100, 70 },   /* 70.0 */
    { 0.999999, 3, 2 },
    /* X = 1 keeps the paper's cap; any X below it has none. */
    { 1.0, 200000, MT_RENDER_PAPER_MAX_TOKENS },
    { 0.9, 200000, 180000 },
    { 0.5, G_MAXUINT, G_MAXUINT / 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%g * %u", cases[i].fraction, cases[i].n_tokens);
      g_assert_cmpuint (mt_render_token_index (cases[i].fraction, cases[i].n_tokens), ==,
                        cases[i].expected);
    }
}

/* The same through rendering: T = 90 tokens, X = 0.7 keeps 62. */
static void
test_fraction_cut (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(MtTokenSpans) spans = NULL;
  g_autoptr(MtRendered) rendered = NULL;
  g_autoptr(MtRendered) whole = NULL;
  g_autoptr(MtRendered) empty = NULL;
  MtRenderInput input;

  for (guint i = 0; i < 90; i++)
    g_string_append_printf (text, "%sw%02u", i == 0 ? "" : " ", i);
  spans = word_spans (text->str);
  g_assert_cmpuint (mt_token_spans_get_n_tokens (spans), ==, 90);

  input_init (&input, text->str, spans, 0.7);
  rendered = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                     MT_DOMAIN_MATH);
  g_assert_cmpuint (rendered->token_index, ==, 62);
  g_assert_cmpuint (rendered->n_tokens, ==, 90);
  g_assert_cmpfloat (rendered->fraction, ==, 0.7);
  g_assert_false (rendered->snapped);
  /* Tokens w00..w61 are kept; w62 is the first one cut. */
  g_assert_true (g_str_has_suffix (rendered->prompt + rendered->reasoning_start,
                                   rendered->injected));
  g_assert_cmpuint (rendered->reasoning_end - rendered->reasoning_start, ==, 62 * 4 - 1);

  input.position.fraction = 1.0;
  whole = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                  MT_DOMAIN_MATH);
  g_assert_cmpuint (whole->token_index, ==, 90);
  g_assert_cmpuint (whole->reasoning_end - whole->reasoning_start, ==, text->len);

  input.position.fraction = 0.0;
  empty = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                  MT_DOMAIN_MATH);
  g_assert_cmpuint (empty->token_index, ==, 0);
  g_assert_cmpuint (empty->reasoning_end, ==, empty->reasoning_start);
  /* The cut took everything, so the opener goes back before the interrupt. */
  g_assert_cmpmem (empty->prompt + empty->prompt_end,
                   empty->reasoning_start - empty->prompt_end, "<think>\n", 8);
}

static void
test_empty_reasoning (void)
{
  g_autoptr(MtTokenSpans) spans = word_spans ("");
  g_autoptr(MtRendered) rendered = NULL;
  MtRenderInput input;

  input_init (&input, "", spans, 0.5);
  rendered = render ("qwen3", &input, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                     MT_DOMAIN_MATH);
  g_assert_cmpuint (rendered->n_tokens, ==, 0);
  g_assert_cmpuint (rendered->token_index, ==, 0);
  g_assert_cmpstr (rendered->injected, ==, mt_interrupt_text_speedup);
}

static void
test_token_position (void)
{
  g_autoptr(MtTokenSpans) spans = word_spans ("a b c d e f g h i j");
  g_autoptr(MtRendered) middle = NULL;
  g_autoptr(MtRendered) past = NULL;
  MtRenderInput input;

  input_init (&input, "a b c d e f g h i j", spans, 0);
  input.position.kind = MT_POSITION_TOKEN;
  input.position.token_index = 5;
  middle = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                   MT_DOMAIN_MATH);
  g_assert_cmpuint (middle->token_index, ==, 5);
  g_assert_cmpfloat (middle->fraction, ==, 0.5);
  g_assert_cmpmem (middle->prompt + middle->reasoning_start,
                   middle->reasoning_end - middle->reasoning_start, "a b c d e", 9);

  /* A budget past the end of the reasoning interrupts where it ended. */
  input.position.token_index = 99;
  past = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                 MT_DOMAIN_MATH);
  g_assert_cmpuint (past->token_index, ==, 10);
  g_assert_cmpfloat (past->fraction, ==, 1.0);
}

static void
test_approximate_tokens (void)
{
  g_autoptr(MtRendered) rendered = NULL;
  MtRenderInput input;

  input_init (&input, REASONING, NULL, 0.5);
  rendered = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                     MT_DOMAIN_MATH);
  g_assert_cmpuint (rendered->n_tokens, ==, mt_count_tokens_approx (REASONING, -1));
  g_assert_cmpuint (rendered->token_index, ==, rendered->n_tokens / 2);
}

static guint
token_of (const MtTokenSpans *spans,
          const char         *text,
          const char         *needle)
{
  const char *found = strstr (text, needle);

  g_assert_nonnull (found);
  return mt_token_spans_lookup (spans, found - text);
}

static void
test_snap (void)
{
  const char *text = "One two three. Four five six seven? Eight nine! Ten ten\n\nEleven twelve";
  g_autoptr(MtTokenSpans) spans = word_spans (text);
  guint after_three = token_of (spans, text, " Four");
  guint after_seven = token_of (spans, text, " Eight");
  guint after_nine = token_of (spans, text, " Ten");
  guint after_ten = token_of (spans, text, "\n\n");
  gboolean snapped;

  /* On a boundary already: kept. */
  g_assert_cmpuint (mt_render_snap_to_sentence (text, spans, after_three, &snapped), ==,
                    after_three);
  g_assert_true (snapped);
  /* "Four" is nearer the end of the first sentence than of the second. */
  g_assert_cmpuint (mt_render_snap_to_sentence (text, spans, after_three + 1, &snapped), ==,
                    after_three);
  /* "seven" is nearer "?". */
  g_assert_cmpuint (mt_render_snap_to_sentence (text, spans, after_seven - 1, &snapped), ==,
                    after_seven);
  /* The blank line ends a sentence before its newlines. */
  g_assert_cmpuint (mt_render_snap_to_sentence (text, spans, after_ten + 2, &snapped), ==,
                    after_ten);
  /* Before the first boundary and past the last. */
  g_assert_cmpuint (mt_render_snap_to_sentence (text, spans, 0, &snapped), ==, after_three);
  g_assert_cmpuint (mt_render_snap_to_sentence (text, spans, 100, &snapped), ==, after_ten);
  /* A tie goes to the earlier boundary: "!" ends at after_nine, the blank
   * line at after_ten = after_nine + 2. */
  g_assert_cmpuint (after_ten, ==, after_nine + 2);
  g_assert_cmpuint (mt_render_snap_to_sentence (text, spans, after_nine + 1, &snapped), ==,
                    after_nine);
}

static void
test_snap_none (void)
{
  const char *text = "no sentence ends here 3.5 e.g.x\nsingle newline";
  g_autoptr(MtTokenSpans) spans = word_spans (text);
  gboolean snapped = TRUE;

  g_assert_cmpuint (mt_render_snap_to_sentence (text, spans, 4, &snapped), ==, 4);
  g_assert_false (snapped);
}

/* A sentence end inside a token keeps the token whole. */
static void
test_snap_inside_token (void)
{
  const char *text = "A b.\n\nC d";
  static const guint32 starts[] = { 0, 1, 3, 6, 7 };  /* "A" " b" ".\n\n" "C" " d" */
  g_autoptr(MtTokenSpans) spans = spans_from (starts, G_N_ELEMENTS (starts), text);
  g_autoptr(MtRendered) rendered = NULL;
  gboolean snapped;
  MtRenderInput input;

  g_assert_cmpuint (mt_render_snap_to_sentence (text, spans, 4, &snapped), ==, 3);
  g_assert_true (snapped);

  input_init (&input, text, spans, 0.9);
  input.position.snap_to_sentence = TRUE;
  rendered = render ("qwen3", &input, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                     MT_DOMAIN_MATH);
  g_assert_true (rendered->snapped);
  g_assert_cmpuint (rendered->token_index, ==, 3);
  g_assert_cmpfloat (rendered->fraction, ==, 3.0 / 5.0);
  g_assert_cmpmem (rendered->prompt + rendered->reasoning_start,
                   rendered->reasoning_end - rendered->reasoning_start, "A b.\n\n", 6);
}

static void
test_snap_render (void)
{
  g_autoptr(MtTokenSpans) spans = word_spans (REASONING);
  g_autoptr(MtRendered) rendered = NULL;
  MtRenderInput input;
  gsize kept;

  input_init (&input, REASONING, spans, 0.3);
  input.position.snap_to_sentence = TRUE;
  rendered = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                     MT_DOMAIN_MATH);
  g_assert_true (rendered->snapped);
  g_assert_cmpuint (rendered->token_index, !=, mt_render_token_index (0.3, rendered->n_tokens));
  g_assert_cmpfloat (rendered->fraction, ==,
                     (double) rendered->token_index / rendered->n_tokens);

  /* The kept reasoning ends a sentence, and the next one starts with a space. */
  kept = rendered->reasoning_end - rendered->reasoning_start;
  g_assert_cmpint (REASONING[kept - 1], ==, '.');
  g_assert_cmpint (REASONING[kept], ==, ' ');
}

static void
test_utf8 (void)
{
  /* "aé b": token 1 starts inside "é", as a byte-level tokenizer may. */
  const char *text = "a\xc3\xa9 b";
  static const guint32 starts[] = { 0, 2, 3 };
  /* An emoji cut at every byte. */
  const char *emoji = "\xf0\x9f\x98\x80!";
  static const guint32 emoji_starts[] = { 0, 1, 2, 3, 4 };
  g_autoptr(MtTokenSpans) spans = spans_from (starts, G_N_ELEMENTS (starts), text);
  g_autoptr(MtTokenSpans) emoji_spans = spans_from (emoji_starts, G_N_ELEMENTS (emoji_starts),
                                                    emoji);
  g_autoptr(MtRendered) rendered = NULL;
  MtRenderInput input;

  input_init (&input, text, spans, 0);
  input.position.kind = MT_POSITION_TOKEN;
  input.position.token_index = 1;
  rendered = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                     MT_DOMAIN_MATH);
  /* The partial character is dropped; k stays what was asked. */
  g_assert_cmpuint (rendered->token_index, ==, 1);
  g_assert_cmpmem (rendered->prompt + rendered->reasoning_start,
                   rendered->reasoning_end - rendered->reasoning_start, "a", 1);

  for (guint k = 0; k <= 5; k++)
    {
      g_autoptr(MtRendered) cut = NULL;
      gsize expected = k == 0 ? 0 : k < 4 ? 0 : k == 4 ? 4 : 5;

      input_init (&input, emoji, emoji_spans, 0);
      input.position.kind = MT_POSITION_TOKEN;
      input.position.token_index = k;
      cut = render ("qwen3", &input, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                    MT_DOMAIN_MATH);
      g_assert_cmpuint (cut->reasoning_end - cut->reasoning_start, ==, expected);
    }
}

/* The paper's thinking_token_check */

static void
test_thinking_check (void)
{
  const char *raw = "<think>\nabc def";
  g_autoptr(MtTokenSpans) raw_spans = word_spans (raw);
  g_autoptr(MtTokenSpans) spans = word_spans ("abc def");
  MtRenderInput input;

  {
    g_autoptr(MtRendered) rendered = NULL;

    /* The opener is in the kept reasoning: nothing is added. */
    input_init (&input, raw, raw_spans, 1.0);
    rendered = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                       MT_DOMAIN_MATH);
    g_assert_cmpuint (rendered->reasoning_start, ==, rendered->prompt_end);
    g_assert_true (strstr (rendered->prompt, "<think>\nabc def\n\nI received") != NULL);
  }

  {
    g_autoptr(MtRendered) rendered = NULL;

    /* The cut took the opener: the paper puts it back. */
    input_init (&input, raw, raw_spans, 0);
    input.position.kind = MT_POSITION_TOKEN;
    input.position.token_index = 1;
    rendered = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                       MT_DOMAIN_MATH);
    g_assert_true (strstr (rendered->prompt, "assistant\n<think>\n<\n\nI received") != NULL);
  }

  {
    g_autoptr(MtRendered) rendered = NULL;

    /* Reasoning stored without tags gets the opener. */
    input_init (&input, "abc def", spans, 1.0);
    rendered = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                       MT_DOMAIN_MATH);
    g_assert_true (g_str_has_suffix (rendered->prompt,
                                     "<|im_start|>assistant\n<think>\nabc def\n\n"
                                     "I received a request from the user to provide an answer "
                                     "right now. Considering the limited time by the user, I "
                                     "have to give the solution based on the thinking directly "
                                     "now.\n</think>\n\n"));
  }

  {
    g_autoptr(MtRendered) rendered = NULL;

    /* gpt-oss: the paper's opener carries a newline. */
    input_init (&input, "abc def", spans, 1.0);
    rendered = render ("gpt-oss", &input, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT,
                       NULL, MT_DOMAIN_MATH);
    g_assert_cmpmem (rendered->prompt + rendered->prompt_end,
                     rendered->reasoning_start - rendered->prompt_end,
                     "<|channel|>analysis<|message|>\n", 31);
  }

  {
    g_autoptr(MtRendered) r1 = NULL;
    g_autoptr(MtRendered) magistral = NULL;

    /* The R1 template and the paper's Magistral prompt opened the block. */
    input_init (&input, "abc def", spans, 1.0);
    r1 = render ("deepseek-r1", &input, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                 MT_DOMAIN_MATH);
    g_assert_cmpuint (r1->reasoning_start, ==, r1->prompt_end);
    g_assert_true (strstr (r1->prompt, "<｜Assistant｜><think>\nabc def\n\nI received") != NULL);

    magistral = render ("magistral", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT,
                        NULL, MT_DOMAIN_MATH);
    g_assert_cmpuint (magistral->reasoning_start, ==, magistral->prompt_end);
    g_assert_true (g_str_has_suffix (magistral->prompt, "[/INST] [THINK]abc def\n\nI received a "
                                     "request from the user to provide an answer right now. "
                                     "Considering the limited time by the user, I have to give "
                                     "the solution based on the thinking directly now.\n\n"
                                     "[/THINK]"));
  }
}

static void
test_no_thinking (void)
{
  static const struct {
    const char *family;
    const char *expected_end;
  } cases[] = {
    { "qwen3", "<|im_start|>assistant\n<think>\n\n</think>\n\n" },
    { "chatml", "<|im_start|>assistant\n<think>\n\n</think>\n\n" },
    { "deepseek-r1", "<｜Assistant｜><think>\n\n</think>\n\n" },
    { "magistral", "[/INST] [THINK]\n\n[/THINK]" },
    { "gpt-oss", "<|start|>assistant<|channel|>analysis<|message|>\n<|end|><|start|>assistant"
                 "<|channel|>final<|message|>" },
  };
  g_autoptr(MtTokenSpans) spans = word_spans (REASONING);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MtRendered) rendered = NULL;
      MtRenderInput input;

      /* The position is ignored: NoThinking is X = 0. */
      input_init (&input, REASONING, spans, 0.5);
      rendered = render (cases[i].family, &input, MT_INTERRUPT_NO_THINKING,
                         MT_INTERRUPT_ROLE_ASSISTANT, NULL, MT_DOMAIN_MATH);
      g_assert_cmpuint (rendered->token_index, ==, 0);
      g_assert_cmpfloat (rendered->fraction, ==, 0.0);
      g_assert_cmpuint (rendered->reasoning_end, ==, rendered->prompt_end);
      g_test_message ("%s", cases[i].family);
      g_assert_true (g_str_has_suffix (rendered->prompt, cases[i].expected_end));
    }
}

static void
test_budget_wait (void)
{
  g_autoptr(MtTokenSpans) spans = word_spans (REASONING);
  g_autoptr(MtRendered) rendered = NULL;
  g_autoptr(MtFamily) qwen = mt_family_new_builtin ("qwen3");
  MtRenderInput input;

  input_init (&input, REASONING, spans, 1.0);
  rendered = render ("qwen3", &input, MT_INTERRUPT_BUDGET_WAIT, MT_INTERRUPT_ROLE_ASSISTANT,
                     NULL, MT_DOMAIN_MATH);
  g_assert_cmpstr (rendered->injected, ==, "Wait");
  g_assert_true (g_str_has_suffix (rendered->prompt, "So the answer is 14.Wait"));
  /* The thinking stays open; the caller stops at the end of thinking. */
  g_assert_null (strstr (rendered->prompt, "</think>"));
  g_assert_cmpstr (mt_family_get_end_of_thinking (qwen), ==, "</think>");
}

static void
test_custom (void)
{
  g_autoptr(MtTokenSpans) spans = word_spans (REASONING);
  g_autoptr(MtRendered) assistant = NULL;
  g_autoptr(MtRendered) user = NULL;
  MtRenderInput input;

  input_init (&input, REASONING, spans, 0.5);
  assistant = render ("qwen3", &input, MT_INTERRUPT_CUSTOM, MT_INTERRUPT_ROLE_ASSISTANT,
                      "Let me recheck.", MT_DOMAIN_MATH);
  g_assert_cmpstr (assistant->injected, ==, "Let me recheck.");

  user = render ("qwen3", &input, MT_INTERRUPT_CUSTOM, MT_INTERRUPT_ROLE_USER, "Hurry up!",
                 MT_DOMAIN_MATH);
  g_assert_cmpstr (user->injected, ==,
                   "\n</think>\n\n<|im_end|>\n<|im_start|>user\nHurry up!\n<|im_end|>\n"
                   "<|im_start|>assistant\n");
  g_assert_cmpmem (user->prompt + user->text_start, user->text_end - user->text_start,
                   "Hurry up!", 9);
}

static void
test_oracle_prompt (void)
{
  g_autoptr(MtTokenSpans) spans = word_spans (REASONING);
  g_autoptr(MtRendered) given = NULL;
  g_autoptr(MtRendered) built = NULL;
  g_autoptr(MtRendered) none = NULL;
  g_autoptr(MtRendered) own = NULL;
  MtRenderInput input;

  input_init (&input, REASONING, spans, 0.5);
  input.oracle_prompt = "<|im_start|>user\nsent<|im_end|>\n<|im_start|>assistant\n";
  input.system = "ignored";
  given = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                  MT_DOMAIN_MATH);
  g_assert_null (strstr (given->prompt, "ignored"));

  /* Without one, the kind's scenario prompt is the system turn... */
  input_init (&input, REASONING, spans, 0.5);
  built = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                  MT_DOMAIN_MATH);
  g_assert_true (g_str_has_prefix (built->prompt, "<|im_start|>system\nDuring the reasoning "
                                   "process, the user may interrupt your reasoning to request a "
                                   "solution. If this happens, stop reasoning"));

  /* ...unless the caller asks for none, or gives its own. */
  input.system = "";
  none = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                 MT_DOMAIN_MATH);
  g_assert_true (g_str_has_prefix (none->prompt, "<|im_start|>user\nPlease reason"));

  input.system = "Be brief.";
  own = render ("qwen3", &input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                MT_DOMAIN_MATH);
  g_assert_true (g_str_has_prefix (own->prompt, "<|im_start|>system\nBe brief.<|im_end|>\n"));
}

static void
test_text_parts (void)
{
  g_autoptr(MtTokenSpans) spans = word_spans (REASONING);
  g_autoptr(MtRendered) assistant = NULL;
  g_autoptr(MtRendered) user = NULL;
  g_autofree char *guided = NULL;
  MtRenderInput input;

  input_init (&input, REASONING, spans, 0.5);
  assistant = render ("gpt-oss", &input, MT_INTERRUPT_GUIDED_UPDATE,
                      MT_INTERRUPT_ROLE_ASSISTANT, UPDATE, MT_DOMAIN_MATH);
  guided = g_strconcat (mt_interrupt_text_guided_prefix, UPDATE, mt_interrupt_text_guided_suffix,
                        NULL);
  g_assert_cmpuint (assistant->text_start, ==, assistant->reasoning_end);
  g_assert_cmpmem (assistant->prompt + assistant->text_start,
                   assistant->text_end - assistant->text_start, guided, strlen (guided));

  user = render ("gpt-oss", &input, MT_INTERRUPT_SPEEDUP, MT_INTERRUPT_ROLE_USER, NULL,
                 MT_DOMAIN_MATH);
  g_assert_cmpmem (user->prompt + user->text_start, user->text_end - user->text_start,
                   mt_interrupt_text_speedup_user, strlen (mt_interrupt_text_speedup_user));
  g_assert_cmpstr (user->prompt + user->text_end, ==, "<|end|><|start|>assistant");
}

static void
assert_render_fails (const MtRenderInput *input,
                     MtInterruptKind      kind,
                     MtInterruptRole      role,
                     const char          *text,
                     int                  code)
{
  g_autoptr(MtFamily) family = mt_family_new_builtin ("qwen3");
  g_autoptr(GError) error = NULL;
  g_autoptr(MtRendered) rendered = NULL;

  rendered = mt_render_interrupt (family, input, kind, role, text, MT_DOMAIN_MATH, &error);
  g_assert_null (rendered);
  g_assert_error (error, MT_RENDER_ERROR, code);
  g_test_message ("%s", error->message);
}

static void
test_errors (void)
{
  g_autoptr(MtTokenSpans) spans = word_spans (REASONING);
  g_autoptr(MtTokenSpans) other = word_spans ("something else");
  MtRenderInput input;

  input_init (&input, REASONING, spans, 0.5);
  assert_render_fails (&input, MT_INTERRUPT_UPDATE, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                       MT_RENDER_ERROR_MISSING_TEXT);
  assert_render_fails (&input, MT_INTERRUPT_UPDATE_SPEEDUP, MT_INTERRUPT_ROLE_USER, NULL,
                       MT_RENDER_ERROR_MISSING_TEXT);
  assert_render_fails (&input, MT_INTERRUPT_CUSTOM, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                       MT_RENDER_ERROR_MISSING_TEXT);
  assert_render_fails (&input, MT_INTERRUPT_BUDGET_WAIT, MT_INTERRUPT_ROLE_USER, NULL,
                       MT_RENDER_ERROR_UNSUPPORTED);
  assert_render_fails (&input, MT_INTERRUPT_NO_THINKING, MT_INTERRUPT_ROLE_USER, NULL,
                       MT_RENDER_ERROR_UNSUPPORTED);
  g_assert_false (mt_render_supports_role (MT_INTERRUPT_BUDGET_WAIT, MT_INTERRUPT_ROLE_USER));
  g_assert_true (mt_render_supports_role (MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_USER));

  input.position.fraction = 1.5;
  assert_render_fails (&input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                       MT_RENDER_ERROR_POSITION);
  input.position.fraction = -0.1;
  assert_render_fails (&input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                       MT_RENDER_ERROR_POSITION);
  input.position.fraction = NAN;
  assert_render_fails (&input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                       MT_RENDER_ERROR_POSITION);

  input_init (&input, REASONING, other, 0.5);
  assert_render_fails (&input, MT_INTERRUPT_HARD, MT_INTERRUPT_ROLE_ASSISTANT, NULL,
                       MT_RENDER_ERROR_SPANS);
}

static void
test_create_interrupt (void)
{
  g_autoptr(MtTokenSpans) spans = word_spans (REASONING);
  g_autoptr(MtRendered) rendered = NULL;
  g_autoptr(MtInterrupt) interrupt = NULL;
  MtRenderInput input;

  input_init (&input, REASONING, spans, 0.3);
  rendered = render ("qwen3", &input, MT_INTERRUPT_UPDATE, MT_INTERRUPT_ROLE_USER, UPDATE,
                     MT_DOMAIN_MATH);
  interrupt = mt_rendered_create_interrupt (rendered, UPDATE);

  g_assert_cmpint (mt_interrupt_get_kind (interrupt), ==, MT_INTERRUPT_UPDATE);
  g_assert_cmpint (mt_interrupt_get_role (interrupt), ==, MT_INTERRUPT_ROLE_USER);
  g_assert_cmpuint (mt_interrupt_get_token_index (interrupt), ==, rendered->token_index);
  g_assert_cmpfloat (mt_interrupt_get_fraction (interrupt), ==, 0.3);
  g_assert_cmpstr (mt_interrupt_get_text (interrupt), ==, rendered->injected);
  g_assert_cmpstr (mt_interrupt_get_update (interrupt), ==, UPDATE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render/paper/texts", test_paper_texts);
  g_test_add_func ("/render/paper/system-prompts", test_system_prompts);
  g_test_add_func ("/render/paper/injected", test_injected_matches_paper);
  g_test_add_data_func ("/render/golden/qwen3", "qwen3", test_golden);
  g_test_add_data_func ("/render/golden/gpt-oss", "gpt-oss", test_golden);
  g_test_add_func ("/render/position/token-index", test_token_index);
  g_test_add_func ("/render/position/fraction-cut", test_fraction_cut);
  g_test_add_func ("/render/position/empty-reasoning", test_empty_reasoning);
  g_test_add_func ("/render/position/token", test_token_position);
  g_test_add_func ("/render/position/approximate", test_approximate_tokens);
  g_test_add_func ("/render/snap/nearest", test_snap);
  g_test_add_func ("/render/snap/none", test_snap_none);
  g_test_add_func ("/render/snap/inside-token", test_snap_inside_token);
  g_test_add_func ("/render/snap/render", test_snap_render);
  g_test_add_func ("/render/utf8", test_utf8);
  g_test_add_func ("/render/thinking-check", test_thinking_check);
  g_test_add_func ("/render/kind/no-thinking", test_no_thinking);
  g_test_add_func ("/render/kind/budget-wait", test_budget_wait);
  g_test_add_func ("/render/kind/custom", test_custom);
  g_test_add_func ("/render/oracle-prompt", test_oracle_prompt);
  g_test_add_func ("/render/text-parts", test_text_parts);
  g_test_add_func ("/render/errors", test_errors);
  g_test_add_func ("/render/create-interrupt", test_create_interrupt);

  return g_test_run ();
}
