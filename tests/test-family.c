/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "mt-family.h"
#include "mt-format.h"

static const char * const builtin_names[] = {
  "chatml", "deepseek-r1", "gpt-oss", "magistral", "nemotron", "qwen3", NULL
};

static MtFamily *
builtin (const char *name)
{
  MtFamily *family = mt_family_new_builtin (name);

  g_assert_nonnull (family);
  g_assert_cmpstr (mt_family_get_name (family), ==, name);
  return family;
}

static void
test_builtin_all (void)
{
  const char * const *names = mt_family_get_builtin_names ();

  g_assert_cmpstrv (names, builtin_names);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(MtFamily) family = builtin (names[i]);
      g_autofree char *name = NULL;
      g_autofree char *title = NULL;

      g_object_get (family, "name", &name, "title", &title, NULL);
      g_assert_cmpstr (name, ==, names[i]);
      g_assert_nonnull (title);
      g_assert_cmpstr (title, !=, "");
      g_assert_cmpstr (mt_family_get_description (family), !=, "");
    }

  g_assert_null (mt_family_new_builtin ("llama-2"));
}

static void
test_detect (void)
{
  static const struct {
    const char *model;
    const char *family;
  } cases[] = {
    { "Qwen/Qwen3-8B", "qwen3" },
    { "qwen3:8b", "qwen3" },
    { "Qwen3-30B-A3B-Thinking-2507-GGUF", "qwen3" },
    { "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek-r1" },
    { "deepseek-r1:14b", "deepseek-r1" },
    /* An R1 distill of Qwen3 speaks R1's template, not Qwen3's. */
    { "deepseek-ai/DeepSeek-R1-0528-Qwen3-8B", "deepseek-r1" },
    { "gpt-oss-20b", "gpt-oss" },
    { "openai/gpt-oss-120b", "gpt-oss" },
    { "gpt-oss:20b", "gpt-oss" },
    { "Magistral-Small", "magistral" },
    { "mistralai/Magistral-Small-2509", "magistral" },
    { "nvidia/Llama-3_3-Nemotron-Super-49B-v1_5", "nemotron" },
    { "nvidia/NVIDIA-Nemotron-Nano-9B-v2", "nemotron" },
    { "Qwen/QwQ-32B", "chatml" },
    { "Qwen/Qwen2.5-7B-Instruct", "chatml" },
    { "", "chatml" },
    { "\xff\xfe not UTF-8", "chatml" },
  };
  g_autoptr(GPtrArray) families = mt_family_load_all ("/nonexistent/midthought", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MtFamily) family = mt_family_detect_in (families, cases[i].model);
      g_autofree char *escaped = g_strescape (cases[i].model, NULL);

      g_test_message ("%s", escaped);
      g_assert_nonnull (family);
      g_assert_cmpstr (mt_family_get_name (family), ==, cases[i].family);
    }

  {
    g_autoptr(MtFamily) family = mt_family_detect_in (families, NULL);

    g_assert_cmpstr (mt_family_get_name (family), ==, "chatml");
  }
}

static void
test_sampling (void)
{
  static const struct {
    const char *family;
    double      temperature;
    double      top_p;
    gint64      top_k;
    gint64      max_tokens;
  } cases[] = {
    { "qwen3", 0.6, 0.95, 20, 32768 },
    { "deepseek-r1", 0.6, 0.95, -1, 32768 },
    { "gpt-oss", 1.0, 1.0, 40, 32768 },
    { "magistral", 0.7, 0.95, 20, 40960 },
    { "nemotron", 0.6, 0.95, -1, 32768 },
    { "chatml", 1.0, 1.0, -1, 32768 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MtFamily) family = builtin (cases[i].family);
      const MtSampling *sampling = mt_family_get_sampling (family);

      g_assert_cmpfloat (sampling->temperature, ==, cases[i].temperature);
      g_assert_cmpfloat (sampling->top_p, ==, cases[i].top_p);
      g_assert_cmpint (sampling->top_k, ==, cases[i].top_k);
      g_assert_cmpint (sampling->max_tokens, ==, cases[i].max_tokens);
      g_assert_cmpint (sampling->seed, ==, -1);
    }
}

/* The strings of the paper's prompt_utils.py, per family, as it writes
 * them in close_reasoning_trace, open_close_reasoning_trace and
 * format_user_turn (with "U" as the user's words). */
static void
test_paper_strings (void)
{
  static const struct {
    const char *family;
    const char *close;
    const char *close_force;
    const char *open_close;
    const char *user_turn;
  } cases[] = {
    { "qwen3", "\n</think>\n\n<|im_end|>", "\n</think>\n\n", "<think>\n\n</think>\n\n",
      "\n<|im_start|>user\nU\n<|im_end|>\n<|im_start|>assistant\n" },
    { "deepseek-r1", "\n</think>\n\n<|im_end|>", "\n</think>\n\n", "<think>\n\n</think>\n\n",
      "\n<|im_start|>user\nU\n<|im_end|>\n<|im_start|>assistant\n" },
    { "gpt-oss", "<|end|>", "<|end|><|start|>assistant<|channel|>final<|message|>",
      "<|channel|>analysis<|message|>\n<|end|><|start|>assistant<|channel|>final<|message|>",
      "<|start|>user<|message|>U<|end|><|start|>assistant" },
    { "magistral", "\n\n[/THINK]</s>", "\n\n[/THINK]", "[THINK]\n\n[/THINK]",
      "[INST]U[/INST]" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MtFamily) family = builtin (cases[i].family);
      g_autofree char *user_turn = mt_family_format_user_turn (family, "U");

      g_assert_cmpstr (mt_family_get_close_reasoning (family, FALSE), ==, cases[i].close);
      g_assert_cmpstr (mt_family_get_close_reasoning (family, TRUE), ==, cases[i].close_force);
      g_assert_cmpstr (mt_family_get_open_close_reasoning (family), ==, cases[i].open_close);
      g_assert_cmpstr (user_turn, ==, cases[i].user_turn);
    }
}

static void
test_think_tags (void)
{
  static const struct {
    const char *family;
    const char *open;
    const char *close;
    const char *end_of_thinking;
    const char *end_of_answer;
    const char *check_marker;
    const char *check_prefix;
  } cases[] = {
    { "qwen3", "<think>", "</think>", "</think>", "<|im_end|>", "<think>\n", "<think>\n" },
    { "deepseek-r1", "<think>", "</think>", "</think>", "<｜end▁of▁sentence｜>",
      "<think>\n", "<think>\n" },
    { "gpt-oss", "<|channel|>analysis<|message|>",
      "<|end|><|start|>assistant<|channel|>final<|message|>", "<|end|>", "<|return|>",
      "<|channel|>analysis<|message|>", "<|channel|>analysis<|message|>\n" },
    { "magistral", "[THINK]", "[/THINK]", "[/THINK]", "</s>", "[THINK]", "[THINK]" },
    { "nemotron", "<think>", "</think>", "</think>", "<|eot_id|>", "<think>\n", "<think>\n" },
    { "chatml", "<think>", "</think>", "</think>", "<|im_end|>", "<think>\n", "<think>\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MtFamily) family = builtin (cases[i].family);
      const char *marker, *prefix;

      g_assert_cmpstr (mt_family_get_think_open (family), ==, cases[i].open);
      g_assert_cmpstr (mt_family_get_think_close (family), ==, cases[i].close);
      g_assert_cmpstr (mt_family_get_end_of_thinking (family), ==, cases[i].end_of_thinking);
      g_assert_cmpstr (mt_family_get_end_of_answer (family), ==, cases[i].end_of_answer);
      mt_family_get_thinking_check (family, &marker, &prefix);
      g_assert_cmpstr (marker, ==, cases[i].check_marker);
      g_assert_cmpstr (prefix, ==, cases[i].check_prefix);

      /* The paper's extreme mode: the same cues for every family. */
      g_assert_cmpstr (mt_family_get_answer_cue (family, MT_DOMAIN_MATH), ==, "\n\\boxed{");
      g_assert_cmpstr (mt_family_get_answer_cue (family, MT_DOMAIN_CODE), ==, "\n```");
      g_assert_cmpstr (mt_family_get_answer_cue (family, MT_DOMAIN_OTHER), ==, "");
    }
}

static void
test_format_problem (void)
{
  g_autoptr(MtFamily) qwen = builtin ("qwen3");
  g_autoptr(MtFamily) oss = builtin ("gpt-oss");
  g_autoptr(MtFamily) magistral = builtin ("magistral");
  g_autofree char *qwen_math = mt_family_format_problem (qwen, MT_DOMAIN_MATH, "1+1?");
  g_autofree char *qwen_other = mt_family_format_problem (qwen, MT_DOMAIN_OTHER, "1+1?");
  g_autofree char *oss_math = mt_family_format_problem (oss, MT_DOMAIN_MATH, "1+1?");
  g_autofree char *magistral_math = mt_family_format_problem (magistral, MT_DOMAIN_MATH, "x");
  g_autofree char *nested = mt_family_format_problem (qwen, MT_DOMAIN_MATH, "{problem} {}");

  /* get_math_messages_qwen */
  g_assert_cmpstr (qwen_math, ==,
                   "Please reason step by step, and put your final answer within \\boxed{}.\n"
                   "Q: 1+1?\nA:");
  g_assert_cmpstr (qwen_other, ==, "1+1?");
  /* AIME_TEMPLATE, as gpt-oss and Magistral get it */
  g_assert_cmpstr (oss_math, ==,
                   "\n1+1?\nPlease reason step by step, and put your final answer within "
                   "\\boxed{}.\n");
  g_assert_cmpstr (magistral_math, ==,
                   "\nx\nPlease reason step by step, and put your final answer within "
                   "\\boxed{}.\n");
  /* A problem that looks like a placeholder is text, not a template. */
  g_assert_true (strstr (nested, "Q: {problem} {}\nA:") != NULL);
}

static void
test_format_prompt (void)
{
  g_autoptr(MtFamily) qwen = builtin ("qwen3");
  g_autoptr(MtFamily) oss = builtin ("gpt-oss");
  g_autoptr(MtFamily) r1 = builtin ("deepseek-r1");
  g_autoptr(MtFamily) magistral = builtin ("magistral");
  g_autofree char *qwen_prompt = NULL;
  g_autofree char *qwen_bare = NULL;
  g_autofree char *oss_prompt = NULL;
  g_autofree char *r1_prompt = NULL;
  g_autofree char *magistral_prompt = NULL;
  g_autofree char *today_prompt = NULL;

  qwen_prompt = mt_family_format_prompt (qwen, "SYS", "P", MT_DOMAIN_OTHER, NULL);
  g_assert_cmpstr (qwen_prompt, ==,
                   "<|im_start|>system\nSYS<|im_end|>\n"
                   "<|im_start|>user\nP<|im_end|>\n"
                   "<|im_start|>assistant\n");

  qwen_bare = mt_family_format_prompt (qwen, "", "P", MT_DOMAIN_OTHER, NULL);
  g_assert_cmpstr (qwen_bare, ==, "<|im_start|>user\nP<|im_end|>\n<|im_start|>assistant\n");

  /* The paper's system prompt is a developer message in harmony. */
  oss_prompt = mt_family_format_prompt (oss, "SYS", "P", MT_DOMAIN_OTHER, "2025-10-01");
  g_assert_cmpstr (oss_prompt, ==,
                   "<|start|>system<|message|>You are ChatGPT, a large language model trained "
                   "by OpenAI.\nKnowledge cutoff: 2024-06\nCurrent date: 2025-10-01\n\n"
                   "Reasoning: high\n\n# Valid channels: analysis, commentary, final. Channel "
                   "must be included for every message.<|end|>"
                   "<|start|>developer<|message|># Instructions\n\nSYS\n\n<|end|>"
                   "<|start|>user<|message|>P<|end|><|start|>assistant");

  r1_prompt = mt_family_format_prompt (r1, NULL, "P", MT_DOMAIN_OTHER, NULL);
  g_assert_cmpstr (r1_prompt, ==,
                   "<｜begin▁of▁sentence｜><｜User｜>P<｜Assistant｜><think>\n");
  g_assert_true (mt_family_prompt_opens_thinking (r1, r1_prompt));

  magistral_prompt = mt_family_format_prompt (magistral, "S", "P", MT_DOMAIN_OTHER, NULL);
  g_assert_cmpstr (magistral_prompt, ==,
                   "<s>[SYSTEM_PROMPT]S[/SYSTEM_PROMPT][INST]P[/INST] [THINK]");
  g_assert_true (mt_family_prompt_opens_thinking (magistral, magistral_prompt));

  g_assert_false (mt_family_prompt_opens_thinking (qwen, qwen_prompt));
  g_assert_true (mt_family_prompt_opens_thinking (qwen, "x<think>\n\n"));
  g_assert_false (mt_family_prompt_opens_thinking (oss, oss_prompt));
  g_assert_false (mt_family_prompt_opens_thinking (qwen, ""));

  /* Without a date the template gets today's, in ISO form. */
  today_prompt = mt_family_format_prompt (oss, NULL, "P", MT_DOMAIN_OTHER, NULL);
  g_assert_true (g_regex_match_simple ("Current date: \\d{4}-\\d{2}-\\d{2}\n", today_prompt,
                                       0, 0));
}

static const char user_family[] =
  "{\n"
  "  \"version\": 1,\n"
  "  \"name\": \"mine\",\n"
  "  \"detect\": { \"priority\": 50, \"contains\": [\"MyModel\"] },\n"
  "  \"template\": { \"user\": \"U:{content}\\n\", \"generation_prefix\": \"A:\" },\n"
  "  \"think\": { \"open\": \"<t>\", \"close\": \"</t>\" },\n"
  "  \"interrupt\": {\n"
  "    \"close_reasoning\": \"</t>.\",\n"
  "    \"close_reasoning_force_answer\": \"</t>\",\n"
  "    \"open_close_reasoning\": \"<t></t>\",\n"
  "    \"user_turn\": \"U:{content}\\nA:\"\n"
  "  }\n"
  "}\n";

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static char *
make_user_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("midthought-families-XXXXXX", &error);

  g_assert_no_error (error);

  write_file (dir, "mine.json", user_family);
  /* A user's Qwen3 with its own sampling replaces the built-in one. */
  write_file (dir, "qwen3.json",
              "{ \"version\": 1, \"name\": \"qwen3\", \"title\": \"My Qwen3\",\n"
              "  \"detect\": { \"priority\": 10, \"contains\": [\"qwen3\"] },\n"
              "  \"template\": { \"user\": \"{content}\", \"generation_prefix\": \"\" },\n"
              "  \"think\": { \"open\": \"<think>\", \"close\": \"</think>\" },\n"
              "  \"interrupt\": { \"close_reasoning\": \"a\", \"close_reasoning_force_answer\": "
              "\"b\", \"open_close_reasoning\": \"c\", \"user_turn\": \"{content}\" },\n"
              "  \"sampling\": { \"temperature\": 0.3, \"top_k\": 5 } }\n");
  write_file (dir, "broken.json", "{ \"version\": 1, \"name\": ");
  write_file (dir, "notes.txt", "not a family");

  return dir;
}

static void
remove_user_dir (const char *dir)
{
  static const char * const names[] = { "mine.json", "qwen3.json", "broken.json", "notes.txt" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
test_user_dir (void)
{
  g_autofree char *dir = make_user_dir ();
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) families = mt_family_load_all (dir, &problems);
  g_autoptr(MtFamily) mine = NULL;
  g_autoptr(MtFamily) qwen = NULL;
  g_autoptr(MtFamily) detected = NULL;
  g_autofree char *user_turn = NULL;

  g_assert_cmpuint (families->len, ==, 7);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_true (strstr (g_ptr_array_index (problems, 0), "broken.json") != NULL);

  mine = mt_family_find_in (families, "mine");
  g_assert_nonnull (mine);
  /* Defaults for what the file leaves out. */
  g_assert_cmpstr (mt_family_get_title (mine), ==, "mine");
  g_assert_cmpstr (mt_family_get_end_of_thinking (mine), ==, "</t>");
  g_assert_cmpstr (mt_family_get_answer_cue (mine, MT_DOMAIN_MATH), ==, "");
  g_assert_true (isnan (mt_family_get_sampling (mine)->temperature));
  user_turn = mt_family_format_user_turn (mine, "hi");
  g_assert_cmpstr (user_turn, ==, "U:hi\nA:");

  /* Detection is case-insensitive and honours the priority. */
  detected = mt_family_detect_in (families, "org/mymodel-qwen3-7b");
  g_assert_cmpstr (mt_family_get_name (detected), ==, "mine");

  qwen = mt_family_find_in (families, "qwen3");
  g_assert_cmpstr (mt_family_get_title (qwen), ==, "My Qwen3");
  g_assert_cmpfloat (mt_family_get_sampling (qwen)->temperature, ==, 0.3);
  g_assert_cmpint (mt_family_get_sampling (qwen)->top_k, ==, 5);

  remove_user_dir (dir);
}

/* The session's families follow $XDG_CONFIG_HOME, which main() points at
 * an empty directory of its own. */
static void
test_session (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "midthought", "families",
                                           NULL);
  g_autoptr(MtFamily) qwen = NULL;
  g_autoptr(MtFamily) mine = NULL;
  g_autoptr(MtFamily) detected = NULL;
  g_autoptr(GPtrArray) all = NULL;

  qwen = mt_family_detect ("Qwen/Qwen3-8B");
  g_assert_cmpstr (mt_family_get_name (qwen), ==, "qwen3");
  g_assert_null (mt_family_lookup ("mine"));

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  write_file (dir, "mine.json", user_family);
  mt_family_reload ();

  mine = mt_family_lookup ("mine");
  g_assert_nonnull (mine);
  detected = mt_family_detect ("MyModel");
  g_assert_true (detected == mine);
  all = mt_family_get_all ();
  g_assert_cmpuint (all->len, ==, 7);

  remove_user_dir (dir);
}

static void
assert_load_fails (const char *json,
                   int         code,
                   const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtFamily) family = mt_family_new_from_data (json, -1, &error);

  g_assert_null (family);
  g_assert_error (error, MT_FORMAT_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_true (strstr (error->message, message_part) != NULL);
}

#define MINIMAL_BODY \
  "\"template\": { \"user\": \"{content}\", \"generation_prefix\": \"\" }," \
  "\"think\": { \"open\": \"<t>\", \"close\": \"</t>\" }," \
  "\"interrupt\": { \"close_reasoning\": \"a\", \"close_reasoning_force_answer\": \"b\"," \
  "\"open_close_reasoning\": \"c\", \"user_turn\": \"{content}\" }"

static void
test_load_errors (void)
{
  g_autoptr(MtFamily) minimal = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) missing = g_file_new_for_path ("/nonexistent/family.json");

  minimal = mt_family_new_from_data ("{ \"version\": 1, \"name\": \"x\", " MINIMAL_BODY " }",
                                     -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (minimal);

  assert_load_fails ("{ \"version\": ", MT_FORMAT_ERROR_SYNTAX, "not valid JSON");
  assert_load_fails ("[1]", MT_FORMAT_ERROR_TYPE, "one JSON object");
  assert_load_fails ("{ \"name\": \"x\", " MINIMAL_BODY " }", MT_FORMAT_ERROR_MISSING,
                     "\"version\"");
  assert_load_fails ("{ \"version\": 2, \"name\": \"x\", " MINIMAL_BODY " }",
                     MT_FORMAT_ERROR_NEWER_VERSION, "newer Midthought");
  assert_load_fails ("{ \"version\": 1, \"name\": \"Qwen 3\", " MINIMAL_BODY " }",
                     MT_FORMAT_ERROR_TYPE, "\"name\"");
  assert_load_fails ("{ \"version\": 1, \"name\": \"x\" }", MT_FORMAT_ERROR_MISSING,
                     "\"template\"");
  assert_load_fails ("{ \"version\": 1, \"name\": \"x\", \"template\": { \"user\": \"U\", "
                     "\"generation_prefix\": \"\" } }", MT_FORMAT_ERROR_TYPE,
                     "\"template.user\" must contain {content}");
  assert_load_fails ("{ \"version\": 1, \"name\": \"x\", \"template\": { \"user\": 3, "
                     "\"generation_prefix\": \"\" } }", MT_FORMAT_ERROR_TYPE,
                     "\"template.user\" must be a string");
  assert_load_fails ("{ \"version\": 1, \"name\": \"x\", " MINIMAL_BODY ", "
                     "\"sampling\": { \"top_k\": 2.5 } }", MT_FORMAT_ERROR_TYPE,
                     "\"sampling.top_k\" must be an integer");
  assert_load_fails ("{ \"version\": 1, \"name\": \"x\", " MINIMAL_BODY ", "
                     "\"detect\": { \"contains\": [\"\"] } }", MT_FORMAT_ERROR_TYPE,
                     "\"detect.contains[0]\"");
  assert_load_fails ("{ \"version\": 1, \"name\": \"x\", " MINIMAL_BODY ", "
                     "\"problem\": { \"math\": \"no placeholder\" } }", MT_FORMAT_ERROR_TYPE,
                     "{problem}");
  assert_load_fails ("{ \"version\": 1, \"name\": \"x\","
                     "\"template\": { \"user\": \"{content}\", \"generation_prefix\": \"\" },"
                     "\"think\": { \"open\": \"<t>\", \"close\": \"</t>\" },"
                     "\"interrupt\": { \"close_reasoning\": \"a\", "
                     "\"close_reasoning_force_answer\": \"b\", \"open_close_reasoning\": \"c\", "
                     "\"user_turn\": \"{content}{content}\" } }",
                     MT_FORMAT_ERROR_TYPE, "exactly once");

  g_clear_error (&error);
  g_assert_null (mt_family_new_from_file (missing, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO);
  g_assert_true (strstr (error->message, "/nonexistent/family.json") != NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config_home = NULL;
  g_autofree char *midthought_dir = NULL;
  int status;

  /* Not G_TEST_OPTION_ISOLATE_DIRS: GLib 2.74 leaks its directory strings,
   * which the sanitizer build would report. The variable must be set before
   * GLib first reads it. */
  config_home = g_dir_make_tmp ("midthought-config-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/family/builtin/all", test_builtin_all);
  g_test_add_func ("/family/detect", test_detect);
  g_test_add_func ("/family/sampling", test_sampling);
  g_test_add_func ("/family/paper-strings", test_paper_strings);
  g_test_add_func ("/family/think-tags", test_think_tags);
  g_test_add_func ("/family/format/problem", test_format_problem);
  g_test_add_func ("/family/format/prompt", test_format_prompt);
  g_test_add_func ("/family/user-dir", test_user_dir);
  g_test_add_func ("/family/session", test_session);
  g_test_add_func ("/family/load-errors", test_load_errors);

  status = g_test_run ();

  midthought_dir = g_build_filename (config_home, "midthought", NULL);
  g_rmdir (midthought_dir);
  g_rmdir (config_home);

  return status;
}
