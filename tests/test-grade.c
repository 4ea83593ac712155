/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "mt-core.h"
#include "mt-test-util.h"
#include "mt-math.h"

static MtVerdict
verdict_from_string (const char *name)
{
  if (g_str_equal (name, "correct"))
    return MT_VERDICT_CORRECT;
  if (g_str_equal (name, "wrong"))
    return MT_VERDICT_WRONG;
  if (g_str_equal (name, "ungradable"))
    return MT_VERDICT_UNGRADABLE;
  return MT_VERDICT_UNGRADED;
}

static MtVerdict
grade_verdict (const char *answer,
               const char *truth,
               const char *grader)
{
  MtGrade grade;
  MtVerdict verdict;

  mt_grade_answer (answer, truth, grader, NULL, &grade);
  g_assert_nonnull (grade.reason);
  g_assert_true (g_utf8_validate (grade.reason, -1, NULL));
  verdict = grade.verdict;
  mt_grade_clear (&grade);
  return verdict;
}

#define assert_verdict(answer, truth, grader, expected) \
  g_assert_cmpstr (mt_verdict_to_string (grade_verdict (answer, truth, grader)), ==, \
                   mt_verdict_to_string (expected))

/* The hand-labelled pairs from real traces: the grader must agree with at
 * least 97% of the verdicts, and every disagreement is shown. */
static void
test_labelled_set (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("MT_TEST_DATA"), "graded-pairs.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *pairs;
  guint n, agree = 0;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  pairs = json_node_get_array (json_parser_get_root (parser));
  n = json_array_get_length (pairs);
  g_assert_cmpuint (n, >=, 150);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *pair = json_array_get_object_element (pairs, i);
      g_autoptr(GPtrArray) accept = g_ptr_array_new ();
      const char *expected = json_object_get_string_member (pair, "expected");
      MtGrade grade;

      if (json_object_has_member (pair, "accept"))
        {
          JsonArray *list = json_object_get_array_member (pair, "accept");

          for (guint j = 0; j < json_array_get_length (list); j++)
            g_ptr_array_add (accept, (gpointer) json_array_get_string_element (list, j));
        }
      g_ptr_array_add (accept, NULL);

      mt_grade_answer (json_object_get_string_member (pair, "answer"),
                       json_object_get_string_member (pair, "truth"),
                       json_object_get_string_member (pair, "grader"),
                       (const char * const *) accept->pdata, &grade);

      if (grade.verdict == verdict_from_string (expected))
        agree++;
      else
        g_test_message ("disagreement on pair %u (%s): answer “%.80s” truth “%.80s” grader %s: "
                        "expected %s, got %s: %s", i,
                        json_object_get_string_member (pair, "note"),
                        json_object_get_string_member (pair, "answer"),
                        json_object_get_string_member (pair, "truth"),
                        json_object_get_string_member (pair, "grader"),
                        expected, mt_verdict_to_string (grade.verdict), grade.reason);
      mt_grade_clear (&grade);
    }

  g_test_message ("labelled set: %u of %u agree (%.1f%%)", agree, n, 100.0 * agree / n);
  g_assert_cmpfloat (100.0 * agree / n, >=, 97.0);
}

static void
check_extraction (const char    *text,
                  MtDomain       domain,
                  MtExtractRule  rule,
                  const char    *expected)
{
  MtExtraction extraction;

  mt_extract_answer (text, domain, &extraction);
  g_assert_cmpstr (mt_extract_rule_to_string (extraction.rule), ==,
                   mt_extract_rule_to_string (rule));
  g_assert_cmpstr (extraction.text, ==, expected);
  if (rule != MT_EXTRACT_NONE)
    {
      g_assert_cmpuint (extraction.start, <=, extraction.end);
      g_assert_cmpuint (extraction.end, <=, strlen (text));
    }
  /* boxed, numbers and code are cut out as they are */
  if (rule == MT_EXTRACT_BOXED || rule == MT_EXTRACT_LAST_NUMBER || rule == MT_EXTRACT_GSM8K)
    g_assert_cmpint (strncmp (text + extraction.start, expected, extraction.end - extraction.start),
                     ==, 0);
  mt_extraction_clear (&extraction);
}

static void
test_extract (void)
{
  check_extraction ("so \\boxed{\\frac{1}{2}} and then \\boxed{\\frac{\\sqrt{3}}{2}}.",
                    MT_DOMAIN_MATH, MT_EXTRACT_BOXED, "\\frac{\\sqrt{3}}{2}");
  check_extraction ("$\\boxed {42}$", MT_DOMAIN_MATH, MT_EXTRACT_BOXED, "42");
  check_extraction ("\\fbox{x = 3}", MT_DOMAIN_MATH, MT_EXTRACT_BOXED, "x = 3");
  check_extraction ("\\boxed{\\{1, 2\\}}", MT_DOMAIN_MATH, MT_EXTRACT_BOXED, "\\{1, 2\\}");
  /* a box cut off at the end does not count; the one before it does */
  check_extraction ("\\boxed{7} wait, \\boxed{\\frac{1", MT_DOMAIN_MATH, MT_EXTRACT_BOXED, "7");
  check_extraction ("the answer is \\boxed 5$.", MT_DOMAIN_MATH, MT_EXTRACT_BOXED, "5");
  check_extraction ("---\n\n**Answer: 670**", MT_DOMAIN_MATH, MT_EXTRACT_ANSWER_LINE, "670");
  check_extraction ("**Answer:** Eve (position 2)\n", MT_DOMAIN_OTHER, MT_EXTRACT_ANSWER_LINE,
                    "Eve (position 2)");
  check_extraction ("### ✅ Answer: 3  \n**Answer: Cara**", MT_DOMAIN_OTHER,
                    MT_EXTRACT_ANSWER_LINE, "Cara");
  check_extraction ("ANSWER: ben\n", MT_DOMAIN_OTHER, MT_EXTRACT_ANSWER_LINE, "ben");
  check_extraction ("### Final Answer:\n\n$$\n18\n$$\n", MT_DOMAIN_MATH,
                    MT_EXTRACT_ANSWER_LINE, "18");
  check_extraction ("The capital is Canberra. Answer: Canberra.", MT_DOMAIN_OTHER,
                    MT_EXTRACT_ANSWER_LINE, "Canberra.");
  check_extraction ("So the final answer is 3.5. Done.", MT_DOMAIN_MATH,
                    MT_EXTRACT_ANSWER_PHRASE, "3.5");
  check_extraction ("Thus the answer is: $x = 4$\n", MT_DOMAIN_MATH,
                    MT_EXTRACT_ANSWER_PHRASE, "$x = 4$");
  check_extraction ("She makes 9 * 2 = $18.\n#### 18", MT_DOMAIN_MATH, MT_EXTRACT_GSM8K, "18");
  /* a markdown heading is not GSM8K's mark */
  check_extraction ("#### Step 2\nthere are 12 eggs", MT_DOMAIN_MATH, MT_EXTRACT_LAST_NUMBER, "12");
  check_extraction ("It costs 1,250 dollars, then -3 more", MT_DOMAIN_MATH,
                    MT_EXTRACT_LAST_NUMBER, "-3");
  check_extraction ("we have a_1 and x2 and 2500 - 2550 = -50.", MT_DOMAIN_MATH,
                    MT_EXTRACT_LAST_NUMBER, "-50");
  check_extraction ("Total: 1,234.5", MT_DOMAIN_MATH, MT_EXTRACT_LAST_NUMBER, "1,234.5");
  check_extraction ("no digits at all", MT_DOMAIN_MATH, MT_EXTRACT_NONE, NULL);
  check_extraction ("", MT_DOMAIN_MATH, MT_EXTRACT_NONE, NULL);
  check_extraction ("Try:\n```python\nprint(1)\n```\nthen\n```py\ndef f():\n    return 2\n```\n",
                    MT_DOMAIN_CODE, MT_EXTRACT_CODE_BLOCK, "def f():\n    return 2");
  check_extraction ("```\nunclosed = 1\n", MT_DOMAIN_CODE, MT_EXTRACT_CODE_BLOCK, "unclosed = 1\n");
  check_extraction ("the answer is 5", MT_DOMAIN_CODE, MT_EXTRACT_NONE, NULL);
}

/* The traps the issue names, and the behaviours of math_equal we keep. */
static void
test_math (void)
{
  assert_verdict ("\\dfrac{3}{56}", "\\frac{3}{56}", "math", MT_VERDICT_CORRECT);
  assert_verdict ("(3, \\frac{\\pi}{2})", "\\left( 3, \\frac{\\pi}{2} \\right)", NULL,
                  MT_VERDICT_CORRECT);
  assert_verdict ("[2,5)", "(2,5)", "math", MT_VERDICT_WRONG);
  assert_verdict ("(2,5]", "(2,5]", "math", MT_VERDICT_CORRECT);
  assert_verdict ("\\frac12", "0.5", "math", MT_VERDICT_CORRECT);
  assert_verdict ("\\sqrt[3]{8}", "2", "math", MT_VERDICT_CORRECT);
  assert_verdict ("2\\cdot3", "6", "math", MT_VERDICT_CORRECT);
  assert_verdict ("2 \\times 3", "6", "math", MT_VERDICT_CORRECT);
  assert_verdict ("-(2^{3})", "-8", "math", MT_VERDICT_CORRECT);
  assert_verdict ("1.5e3", "1500", "math", MT_VERDICT_CORRECT);
  assert_verdict ("2\\pi", "6.283185", "math", MT_VERDICT_CORRECT);
  /* relative tolerance 1e-4, as isclose (rel_tol=1e-4) */
  assert_verdict ("1000.09", "1000", "math", MT_VERDICT_CORRECT);
  assert_verdict ("1000.2", "1000", "math", MT_VERDICT_WRONG);
  assert_verdict ("\\{3, 1, 2\\}", "\\{1,2,3\\}", "math", MT_VERDICT_CORRECT);
  assert_verdict ("\\{1, 2\\}", "\\{1,2,3\\}", "math", MT_VERDICT_WRONG);
  assert_verdict ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
                  "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "math", MT_VERDICT_CORRECT);
  assert_verdict ("\\begin{pmatrix} 1 & 2 \\\\ 4 & 3 \\end{pmatrix}",
                  "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "math", MT_VERDICT_WRONG);
  assert_verdict ("x = 18", "18", "math", MT_VERDICT_CORRECT);
  assert_verdict ("f(x) = x^2 + 1", "1 + x^2", "math", MT_VERDICT_CORRECT);
  assert_verdict ("$18", "18", "gsm8k", MT_VERDICT_CORRECT);
  assert_verdict ("18.00", "18", "gsm8k", MT_VERDICT_CORRECT);
  assert_verdict ("1,000", "1000", "math", MT_VERDICT_CORRECT);
  /* a list, not the thousand 1,2 */
  assert_verdict ("1,2", "12", "math", MT_VERDICT_WRONG);
  assert_verdict ("45^{\\circ}", "45", "math", MT_VERDICT_CORRECT);
  assert_verdict ("20\\%", "20", "math", MT_VERDICT_CORRECT);
  assert_verdict ("5 \\text{ cm}", "5", "math", MT_VERDICT_CORRECT);
  assert_verdict ("\\mbox{five}", "5", "math", MT_VERDICT_CORRECT);
  assert_verdict ("3.", "3", "math", MT_VERDICT_CORRECT);
  assert_verdict ("\\left[ 1, 2 \\right)", "[1,2)", "math", MT_VERDICT_CORRECT);
  assert_verdict ("\\! 3 \\, 000", "3000", "math", MT_VERDICT_CORRECT);
  assert_verdict ("(1,2)", "(1,2,3)", "math", MT_VERDICT_WRONG);

  /* no truth: nothing to grade against */
  assert_verdict ("5", NULL, "math", MT_VERDICT_UNGRADED);
  assert_verdict ("5", "  ", "math", MT_VERDICT_UNGRADED);
  assert_verdict ("5", "5", "astrology", MT_VERDICT_UNGRADABLE);
}

static void
test_evaluate (void)
{
  static const struct {
    const char *text;
    double      value;
  } good[] = {
    { "\\frac{1}{2}+\\frac{1}{3}", 5.0 / 6 }, { "2^{10}", 1024 }, { "2^10", 1024 },
    { "\\sqrt{16}", 4 }, { "\\sqrt[3]{-27}", -3 }, { "-3^2", -9 }, { "(-3)^2", 9 },
    { "5!", 120 }, { "\\binom{5}{2}", 10 }, { "|-4|", 4 }, { "\\lfloor3.7\\rfloor", 3 },
    { "2(3+4)", 14 }, { "1\\frac{1}{2}", 1.5 }, { "\\pi/\\pi", 1 }, { "6\\div4", 1.5 },
  };
  static const char *const bad[] = {
    "\\frac{1}{0}", "1e999999", "10^{10^{10}}", "171!", "\\sqrt{-1}", "\\log0", "",
    "abc", "x", "\\infty", "1+", "((1)", "\\frac{1}", "\\unknown{3}", "3_5",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      double value = 0;
      const char *error = NULL;

      g_assert_true (_mt_math_evaluate (good[i].text, &value, &error));
      g_assert_cmpfloat_with_epsilon (value, good[i].value, 1e-9);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *error = NULL;

      g_assert_false (_mt_math_evaluate (bad[i], NULL, &error));
      g_assert_nonnull (error);
    }
}

/* Hostile inputs: a verdict and a reason, quickly, for every grader. */
static void
test_bad_input (void)
{
  static const char *const graders[] = {
    "math", "numeric", "gsm8k", "text", "choice", "constraint", "code", NULL,
  };
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) deep = g_string_new (NULL);
  gint64 started = g_get_monotonic_time ();

  g_ptr_array_add (inputs, g_strdup ("\\frac{1}{2"));
  g_ptr_array_add (inputs, g_strdup ("}}}{{{"));
  g_ptr_array_add (inputs, g_strdup ("\\boxed{\\boxed{\\boxed{"));
  g_ptr_array_add (inputs, g_strdup ("1e999999"));
  g_ptr_array_add (inputs, g_strdup ("10^{10^{10}}"));
  g_ptr_array_add (inputs, g_strdup ("\\frac{1}{0}"));
  g_ptr_array_add (inputs, g_strdup (""));
  g_ptr_array_add (inputs, g_strdup ("答案是五"));
  g_ptr_array_add (inputs, g_strdup ("٣٤"));
  g_ptr_array_add (inputs, g_strdup ("\xff\xfe\x80 invalid UTF-8"));
  g_ptr_array_add (inputs, g_strnfill (100000, '9'));
  g_ptr_array_add (inputs, g_strnfill (4000, '('));
  for (guint i = 0; i < 10000; i++)
    g_string_append (deep, "\\frac{");
  g_ptr_array_add (inputs, g_strdup (deep->str));
  g_string_truncate (deep, 0);
  for (guint i = 0; i < 10000; i++)
    g_string_append_c (deep, '(');
  g_string_append_c (deep, '1');
  for (guint i = 0; i < 10000; i++)
    g_string_append_c (deep, ')');
  g_ptr_array_add (inputs, g_strdup (deep->str));
  g_string_assign (deep, "");
  for (guint i = 0; i < 1000; i++)
    g_string_append (deep, "\\sqrt{-");
  g_ptr_array_add (inputs, g_strdup (deep->str));
  g_ptr_array_add (inputs, g_strdup ("2^2^2^2^2^2^2^2^2^2^2^2"));
  g_ptr_array_add (inputs, g_strdup ("\\begin{pmatrix}\\\\&&\\\\\\end{pmatrix}"));
  g_ptr_array_add (inputs, g_strdup ("{,,,}\\cup\\cup(,]"));

  g_setenv ("MIDTHOUGHT_CODE_GRADER", "", TRUE);
  for (guint i = 0; i < inputs->len; i++)
    for (guint j = 0; j < inputs->len; j += 3)
      for (guint g = 0; graders[g] != NULL; g++)
        {
          MtGrade grade;

          mt_grade_answer (g_ptr_array_index (inputs, i), g_ptr_array_index (inputs, j),
                           graders[g], NULL, &grade);
          g_assert_cmpint (grade.verdict, <=, MT_VERDICT_UNGRADABLE);
          g_assert_nonnull (grade.reason);
          g_assert_true (g_utf8_validate (grade.reason, -1, NULL));
          mt_grade_clear (&grade);
        }

  for (guint i = 0; i < inputs->len; i++)
    for (MtDomain d = MT_DOMAIN_OTHER; d <= MT_DOMAIN_CODE; d++)
      {
        MtExtraction extraction;

        mt_extract_answer (g_ptr_array_index (inputs, i), d, &extraction);
        g_assert_cmpuint (extraction.end, <=, strlen (g_ptr_array_index (inputs, i)));
        mt_extraction_clear (&extraction);
      }

  assert_verdict (g_ptr_array_index (inputs, 13), "1", "math", MT_VERDICT_UNGRADABLE);
  assert_verdict (g_ptr_array_index (inputs, 10), "9", "math", MT_VERDICT_UNGRADABLE);
  assert_verdict ("1e999999", "1", "math", MT_VERDICT_WRONG);
  assert_verdict ("٣٤", "34", "math", MT_VERDICT_CORRECT);
  assert_verdict ("", "34", "math", MT_VERDICT_UNGRADABLE);

  /* bounded: the whole table in well under the test's time limit */
  g_test_message ("bad-input table graded in %.2f s",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 30 * G_USEC_PER_SEC);
}

static void
test_text_and_choice (void)
{
  const char *accept_yen[] = { "Japanese yen", NULL };
  const char *accept_burial[] = { "not buried", "no burial", "aren't buried", NULL };
  MtGrade grade;

  assert_verdict ("Brasília.", "Brasilia", "text", MT_VERDICT_CORRECT);
  assert_verdict ("  CANBERRA ", "Canberra", "text", MT_VERDICT_CORRECT);
  assert_verdict ("Polish złoty (PLN)", "Zloty", "text", MT_VERDICT_CORRECT);
  assert_verdict ("Jupiter", "Saturn", "text", MT_VERDICT_WRONG);
  assert_verdict ("four", "4", "text", MT_VERDICT_CORRECT);
  /* a whole paragraph that mentions the truth is not an answer */
  assert_verdict ("It is not Ben, because Ben came after Ana, Cara and Dan in every case we tried",
                  "Ben", "text", MT_VERDICT_WRONG);

  mt_grade_answer ("Yen", "Yen", "text", accept_yen, &grade);
  g_assert_cmpint (grade.verdict, ==, MT_VERDICT_CORRECT);
  mt_grade_clear (&grade);
  mt_grade_answer ("Japanese yen", "Yen", "text", accept_yen, &grade);
  g_assert_cmpint (grade.verdict, ==, MT_VERDICT_CORRECT);
  mt_grade_clear (&grade);

  assert_verdict ("B", "B", "choice", MT_VERDICT_CORRECT);
  assert_verdict ("(B) 12 apples", "B", "choice", MT_VERDICT_CORRECT);
  assert_verdict ("Option C", "B", "choice", MT_VERDICT_WRONG);
  assert_verdict ("3 kilograms of feathers.", "feathers", "choice", MT_VERDICT_CORRECT);
  assert_verdict ("The lead", "feathers", "choice", MT_VERDICT_WRONG);
  mt_grade_answer ("They aren't buried because there are no survivors.", "no burial", "choice",
                   accept_burial, &grade);
  g_assert_cmpint (grade.verdict, ==, MT_VERDICT_CORRECT);
  mt_grade_clear (&grade);

  assert_verdict ("Answer: 3 kilograms", "3", "numeric", MT_VERDICT_CORRECT);
  assert_verdict ("between 3 and 4", "3", "numeric", MT_VERDICT_WRONG);
}

/* Instructions as items.json words them. */
#define WORDS_5 "Write a description of rain that is exactly 5 words long."
#define RIPPLE_3 "Reply with the word 'ripple' repeated exactly 3 times, separated by " \
  "single spaces."
#define COLOURS_3 "Name 3 colours in capital letters, separated by commas, and nothing else."
#define JSON_AB "Reply with a single JSON object and nothing else. It must have exactly the keys " \
  "\"a\", \"b\" in that order, and every value must be the integer 1."
#define STARS_4 "Reply with exactly 4 asterisk characters on one line and nothing else."
#define COUNTDOWN "Reply with the whole numbers from 9 down to 3 in descending order, separated " \
  "by commas with no spaces, and nothing else."
#define BLUE_TODAY "Reply with a single sentence that starts with the word 'Blue' and ends with " \
  "the word 'today'."
#define NO_E "Write one sentence of at least five words about a storm that does not contain " \
  "the letter 'e' anywhere."

static void
test_constraint (void)
{
  static const struct {
    const char *instruction;
    const char *reply;
    MtVerdict   verdict;
  } cases[] = {
    { WORDS_5, "Pitter-patter rain soaks the earth.", MT_VERDICT_CORRECT },
    { WORDS_5, "Drops fall softly from the sky.", MT_VERDICT_WRONG },
    { RIPPLE_3, "ripple ripple ripple", MT_VERDICT_CORRECT },
    { RIPPLE_3, "ripple  ripple ripple", MT_VERDICT_WRONG },
    { COLOURS_3, "RED, BLUE, GREEN", MT_VERDICT_CORRECT },
    { COLOURS_3, "RED, BLUE, GREEN.", MT_VERDICT_WRONG },
    { COLOURS_3, "RED, Blue, GREEN", MT_VERDICT_WRONG },
    { COLOURS_3, "RED, BLUE, TABLE", MT_VERDICT_UNGRADABLE },
    { JSON_AB, "{\"a\": 1, \"b\": 1}", MT_VERDICT_CORRECT },
    { JSON_AB, "{\"b\": 1, \"a\": 1}", MT_VERDICT_WRONG },
    { JSON_AB, "{\"a\": 1, \"b\": 1.0}", MT_VERDICT_WRONG },
    { JSON_AB, "[1, 1]", MT_VERDICT_WRONG },
    { STARS_4, "****", MT_VERDICT_CORRECT },
    { STARS_4, "*****", MT_VERDICT_WRONG },
    { COUNTDOWN, "9,8,7,6,5,4,3", MT_VERDICT_CORRECT },
    { COUNTDOWN, "9, 8, 7, 6, 5, 4, 3", MT_VERDICT_WRONG },
    { BLUE_TODAY, "Blue skies are here today.", MT_VERDICT_CORRECT },
    { BLUE_TODAY, "Blue skies. They are here today.", MT_VERDICT_WRONG },
    { NO_E, "A dark squall hit us all at dawn.", MT_VERDICT_CORRECT },
    { NO_E, "Storm clouds gather.", MT_VERDICT_WRONG },
    { "Write a haiku about autumn.", "Leaves fall", MT_VERDICT_UNGRADABLE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MtGrade grade;

      mt_grade_answer (cases[i].reply, cases[i].instruction, "constraint", NULL, &grade);
      if (grade.verdict != cases[i].verdict)
        g_test_message ("case %u: %s", i, grade.reason);
      g_assert_cmpstr (mt_verdict_to_string (grade.verdict), ==,
                       mt_verdict_to_string (cases[i].verdict));
      mt_grade_clear (&grade);
    }
}

static MtVerdict
grade_code_with (const char  *command,
                 const char  *code,
                 char       **reason)
{
  MtGrade grade;
  MtVerdict verdict;

  if (command != NULL)
    g_setenv ("MIDTHOUGHT_CODE_GRADER", command, TRUE);
  else
    g_unsetenv ("MIDTHOUGHT_CODE_GRADER");
  mt_grade_answer (code, "Return 42.", "code", NULL, &grade);
  verdict = grade.verdict;
  if (reason != NULL)
    *reason = g_strdup (grade.reason);
  mt_grade_clear (&grade);
  return verdict;
}

static void
test_code (void)
{
  /* correct when the code holds "return 42": a stand-in for a test runner */
  const char *checker = "sh -c 'if grep -q \"return 42\"; "
                        "then echo \"{\\\"correct\\\": true}\"; "
                        "else echo \"{\\\"correct\\\": false, "
                        "\\\"reason\\\": \\\"no 42\\\"}\"; fi'";
  g_autofree char *reason = NULL;
  g_autofree char *bwrap = NULL;
  gint64 started;

  g_assert_cmpint (grade_code_with (NULL, "def f(): return 42", &reason), ==,
                   MT_VERDICT_UNGRADABLE);
  g_assert_cmpstr (reason, ==, "code grading is off: set MIDTHOUGHT_CODE_GRADER");
  g_clear_pointer (&reason, g_free);

  g_setenv ("MIDTHOUGHT_CODE_GRADER_SANDBOX", "0", TRUE);
  g_assert_cmpint (grade_code_with (checker, "def f(): return 42", NULL), ==, MT_VERDICT_CORRECT);
  g_assert_cmpint (grade_code_with (checker, "def f(): return 41", &reason), ==, MT_VERDICT_WRONG);
  g_assert_cmpstr (reason, ==, "no 42");
  g_clear_pointer (&reason, g_free);

  g_assert_cmpint (grade_code_with ("sh -c 'echo nonsense'", "x", &reason), ==,
                   MT_VERDICT_UNGRADABLE);
  g_assert_nonnull (strstr (reason, "nonsense"));
  g_clear_pointer (&reason, g_free);
  /* a grader may decide without reading its input, even one larger than
   * a pipe holds: what it printed still counts */
  {
    g_autofree char *big = g_strnfill (1 << 20, 'x');

    g_assert_cmpint (grade_code_with ("sh -c 'echo \"{\\\"correct\\\": true}\"'", big, &reason),
                     ==, MT_VERDICT_CORRECT);
    g_clear_pointer (&reason, g_free);
  }
  g_assert_cmpint (grade_code_with ("/nonexistent/grader", "x", NULL), ==, MT_VERDICT_UNGRADABLE);
  g_assert_cmpint (grade_code_with ("sh -c 'unbalanced", "x", NULL), ==, MT_VERDICT_UNGRADABLE);

  /* a grader that hangs, and a child it leaves behind, are stopped */
  g_setenv ("MIDTHOUGHT_CODE_GRADER_TIMEOUT", "1", TRUE);
  started = g_get_monotonic_time ();
  g_assert_cmpint (grade_code_with ("sh -c 'sleep 30 & sleep 30'", "x", &reason), ==,
                   MT_VERDICT_UNGRADABLE);
  g_assert_cmpstr (reason, ==, "the code grader took longer than 1 s");
  g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);
  g_clear_pointer (&reason, g_free);
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER_TIMEOUT");

  /* inside bubblewrap when it is installed and works here */
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER_SANDBOX");
  bwrap = g_find_program_in_path ("bwrap");
  if (bwrap != NULL)
    {
      MtVerdict verdict = grade_code_with (checker, "def f(): return 42", &reason);

      if (verdict != MT_VERDICT_CORRECT)
        g_test_message ("the sandboxed code grader did not run: %s", reason);
      g_assert_true (verdict == MT_VERDICT_CORRECT || verdict == MT_VERDICT_UNGRADABLE);
      g_clear_pointer (&reason, g_free);
    }
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER");
}

/* A grader that would map more than MIDTHOUGHT_CODE_GRADER_MEMORY allows
 * is stopped with a verdict that names the limit; one within it runs. */
static void
test_code_memory_limit (void)
{
  const char *hog = "python3 -c 'x = bytearray(512 << 20); print(\"{\\\"correct\\\": true}\")'";
  const char *big_hog = "python3 -c 'x = bytearray(2 << 30); print(\"{\\\"correct\\\": true}\")'";
  const char *modest = "python3 -c 'x = bytearray(4 << 20); print(\"{\\\"correct\\\": true}\")'";
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autofree char *bwrap = g_find_program_in_path ("bwrap");
  g_autofree char *reason = NULL;

  if (python == NULL)
    {
      g_test_skip ("python3 is needed for a grader that allocates");
      return;
    }

  g_setenv ("MIDTHOUGHT_CODE_GRADER_MEMORY", "64", TRUE);
  /* Unsandboxed, and in bubblewrap when it is here: the limit is set
   * before either starts. */
  for (guint sandbox = 0; sandbox < (bwrap != NULL ? 2 : 1); sandbox++)
    {
      if (sandbox)
        g_unsetenv ("MIDTHOUGHT_CODE_GRADER_SANDBOX");
      else
        g_setenv ("MIDTHOUGHT_CODE_GRADER_SANDBOX", "0", TRUE);

      g_assert_cmpint (grade_code_with (hog, "x", &reason), ==, MT_VERDICT_UNGRADABLE);
      g_test_message ("memory hog (sandbox %u): %s", sandbox, reason);
      g_assert_nonnull (strstr (reason, "the code grader ran out of memory: it may use 64 MiB "
                                        "(MIDTHOUGHT_CODE_GRADER_MEMORY sets the limit)"));
      g_assert_nonnull (strstr (reason, "MemoryError"));
      g_clear_pointer (&reason, g_free);

      g_assert_cmpint (grade_code_with (modest, "x", &reason), ==, MT_VERDICT_CORRECT);
      g_clear_pointer (&reason, g_free);
    }

  /* By default a grader may map 1 GiB. */
  g_setenv ("MIDTHOUGHT_CODE_GRADER_SANDBOX", "0", TRUE);
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER_MEMORY");
  g_assert_cmpint (grade_code_with (big_hog, "x", &reason), ==, MT_VERDICT_UNGRADABLE);
  g_assert_nonnull (strstr (reason, "it may use 1024 MiB"));
  g_clear_pointer (&reason, g_free);
  g_assert_cmpint (grade_code_with (modest, "x", NULL), ==, MT_VERDICT_CORRECT);

  /* A limit that is not one is said so, and nothing runs. */
  g_setenv ("MIDTHOUGHT_CODE_GRADER_MEMORY", "lots", TRUE);
  g_assert_cmpint (grade_code_with (modest, "x", &reason), ==, MT_VERDICT_UNGRADABLE);
  g_assert_cmpstr (reason, ==,
                   "MIDTHOUGHT_CODE_GRADER_MEMORY is “lots”, not a number of MiB from 16 to 1048576");
  g_clear_pointer (&reason, g_free);

  g_unsetenv ("MIDTHOUGHT_CODE_GRADER_MEMORY");
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER_SANDBOX");
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER");
}

/* Without bubblewrap the grader does not run, unless the user opts in. */
static void
test_code_without_bwrap (void)
{
  const char *checker = "/bin/sh -c 'echo \"{\\\"correct\\\": true}\"'";
  g_autofree char *path = g_strdup (g_getenv ("PATH"));
  g_autofree char *empty = g_dir_make_tmp ("mt-test-grade-XXXXXX", NULL);
  g_autofree char *reason = NULL;

  g_assert_nonnull (empty);
  g_setenv ("PATH", empty, TRUE);
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER_SANDBOX");
  g_assert_cmpint (grade_code_with (checker, "x", &reason), ==, MT_VERDICT_UNGRADABLE);
  g_assert_cmpstr (reason, ==,
                   "the code grader runs a model's code and needs bubblewrap (bwrap) to "
                   "sandbox it: install bubblewrap, or set MIDTHOUGHT_CODE_GRADER_SANDBOX=0 "
                   "to run it without a sandbox");
  g_clear_pointer (&reason, g_free);

  g_setenv ("MIDTHOUGHT_CODE_GRADER_SANDBOX", "0", TRUE);
  g_assert_cmpint (grade_code_with (checker, "x", &reason), ==, MT_VERDICT_CORRECT);

  if (path != NULL)
    g_setenv ("PATH", path, TRUE);
  else
    g_unsetenv ("PATH");
  g_rmdir (empty);
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER_SANDBOX");
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER");
}

static void
grade_one_trace (MtTrace    *trace,
                 MtVerdict   expected,
                 const char *reason_part)
{
  MtGrade grade;

  mt_grade_trace (trace, &grade);
  if (reason_part != NULL && strstr (grade.reason, reason_part) == NULL)
    g_test_message ("reason: %s", grade.reason);
  g_assert_cmpstr (mt_verdict_to_string (grade.verdict), ==, mt_verdict_to_string (expected));
  if (reason_part != NULL)
    g_assert_nonnull (strstr (grade.reason, reason_part));
  mt_grade_clear (&grade);
}

static void
test_trace (void)
{
  g_autoptr(MtProblem) problem = mt_problem_new ("p1");
  g_autoptr(MtProblem) items = mt_problem_new ("instruct-05");
  g_autoptr(MtProblem) bare = mt_problem_new ("p2");
  g_autoptr(MtTrace) trace = mt_trace_new ("t1");
  g_autoptr(MtInterrupt) update = mt_interrupt_new (MT_INTERRUPT_GUIDED_UPDATE, 10, 0.3);
  g_autoptr(MtInterrupt) hard = mt_interrupt_new (MT_INTERRUPT_HARD, 10, 0.3);
  g_autoptr(MtBranch) after_update = mt_branch_new ("b1", "t1", update);
  g_autoptr(MtBranch) after_hard = mt_branch_new ("b2", "t1", hard);
  MtGrade grade;

  mt_problem_set_domain (problem, MT_DOMAIN_MATH);
  mt_problem_set_answer (problem, "\\frac{3}{56}");
  mt_problem_set_update_answer (problem, "7");

  /* no problem */
  mt_trace_set_answer (trace, "\\boxed{5}");
  grade_one_trace (trace, MT_VERDICT_UNGRADED, "no problem");

  mt_trace_set_problem (trace, problem);
  mt_trace_set_answer (trace, "So $p(8) = \\boxed{\\dfrac{3}{56}}$.");
  mt_grade_trace (trace, &grade);
  g_assert_cmpint (grade.verdict, ==, MT_VERDICT_CORRECT);
  g_assert_cmpstr (grade.grader, ==, "math");
  g_assert_cmpint (grade.extraction.rule, ==, MT_EXTRACT_BOXED);
  g_assert_cmpstr (grade.extraction.text, ==, "\\dfrac{3}{56}");
  g_assert_cmpstr (grade.answer_normalized, ==, "\\frac{3}{56}");
  mt_grade_clear (&grade);

  mt_trace_set_answer (trace, "   \n");
  grade_one_trace (trace, MT_VERDICT_UNGRADABLE, "no answer: the model never left its thinking");
  mt_trace_set_answer (trace, NULL);
  grade_one_trace (trace, MT_VERDICT_UNGRADABLE, "never left its thinking");
  mt_trace_set_answer (trace, "I could not decide.");
  grade_one_trace (trace, MT_VERDICT_UNGRADABLE, "no \\boxed{}");

  /* after an update the truth is the answer to the updated problem */
  mt_trace_set_problem (MT_TRACE (after_update), problem);
  mt_trace_set_answer (MT_TRACE (after_update), "\\boxed{7}");
  grade_one_trace (MT_TRACE (after_update), MT_VERDICT_CORRECT, NULL);
  mt_trace_set_answer (MT_TRACE (after_update), "\\boxed{\\frac{3}{56}}");
  grade_one_trace (MT_TRACE (after_update), MT_VERDICT_WRONG, NULL);
  mt_trace_set_problem (MT_TRACE (after_hard), problem);
  mt_trace_set_answer (MT_TRACE (after_hard), "\\boxed{\\frac{3}{56}}");
  grade_one_trace (MT_TRACE (after_hard), MT_VERDICT_CORRECT, NULL);

  /* no truth */
  mt_trace_set_problem (trace, bare);
  mt_trace_set_answer (trace, "\\boxed{1}");
  grade_one_trace (trace, MT_VERDICT_UNGRADED, "no ground-truth answer");

  /* items.json: the grader is the problem's, the instruction its prompt */
  mt_problem_set_grader (items, "constraint");
  mt_problem_set_prompt (items, "Reply with the word 'ripple' repeated exactly 3 times, separated "
                                "by single spaces, and nothing else.");
  mt_trace_set_problem (trace, items);
  mt_trace_set_answer (trace, "ripple ripple ripple\n");
  grade_one_trace (trace, MT_VERDICT_CORRECT, NULL);

  /* domain defaults */
  mt_problem_set_domain (bare, MT_DOMAIN_OTHER);
  mt_problem_set_answer (bare, "Canberra");
  mt_trace_set_answer (trace, "The capital is Canberra.\nAnswer: **Canberra**");
  mt_trace_set_problem (trace, bare);
  mt_grade_trace (trace, &grade);
  g_assert_cmpstr (grade.grader, ==, "text");
  g_assert_cmpint (grade.verdict, ==, MT_VERDICT_CORRECT);
  mt_grade_clear (&grade);

  g_setenv ("MIDTHOUGHT_CODE_GRADER", "", TRUE);
  mt_problem_set_domain (bare, MT_DOMAIN_CODE);
  mt_trace_set_answer (trace, "```python\nprint(1)\n```");
  mt_grade_trace (trace, &grade);
  g_assert_cmpstr (grade.grader, ==, "code");
  g_assert_cmpint (grade.extraction.rule, ==, MT_EXTRACT_CODE_BLOCK);
  g_assert_cmpstr (grade.reason, ==, "code grading is off: set MIDTHOUGHT_CODE_GRADER");
  mt_grade_clear (&grade);
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER");
}

static void
test_extract_last_math (void)
{
  static const struct {
    const char *text;
    const char *expected;
  } cases[] = {
    { "Work.\n\nThus, the point is \\((3, \\frac{\\pi}{2})\\).", "(3, \\frac{\\pi}{2})" },
    { "Sum: \\( 2 + \\frac{5}{3} + 1 = \\frac{14}{3} \\).", "\\frac{14}{3}" },
    { "We simplify:\n\\[\n\\sqrt{117} = \\sqrt{9 \\times 13} = 3\\sqrt{13}\n\\]", "3\\sqrt{13}" },
    /* Only the last paragraph counts: an earlier formula is not the answer. */
    { "So \\(x = 4\\).\n\n\\(f(x) = x^{2}\\) gives $16$.", "16" },
    /* Braces hide inner equal signs. */
    { "Hence $\\{x : x = 1\\}$.", "\\{x : x = 1\\}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MtExtraction extraction;

      mt_extract_answer (cases[i].text, MT_DOMAIN_MATH, &extraction);
      g_assert_cmpint (extraction.rule, ==, MT_EXTRACT_LAST_MATH);
      g_assert_cmpstr (extraction.text, ==, cases[i].expected);
      mt_extraction_clear (&extraction);
    }
}

/* The real traces through the importer: what `stats` will show. */
static void
test_markyx_accuracy (void)
{
  static const struct {
    const char *file;
    guint       correct;
  } files[] = {
    /* 19 by hand: math500_0004 answers "Evelyn" in prose, which no rule
     * extracts; the others without \boxed{} end on a formula. */
    { "traces/markyx316_LLM-Reasoning-Trace-Topology/math500_deepseek_r1.jsonl", 18 },
    { "traces/markyx316_LLM-Reasoning-Trace-Topology/pilot_math500_qwen7b.jsonl", 17 },
    { "traces/markyx316_LLM-Reasoning-Trace-Topology/pilot_math500_llama8b.jsonl", 16 },
  };

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = mt_test_shared_path (files[f].file);
      g_autoptr(MtLab) lab = mt_lab_new ();
      g_autoptr(MtLoadReport) report = NULL;
      g_autoptr(GError) error = NULL;
      GListModel *traces;
      guint correct = 0, n;

      if (path == NULL)
        {
          g_test_skip ("MT_SHARED_DATA is not set or lacks the files");
          return;
        }
      report = mt_load_report_new (path);
      g_assert_true (mt_import_file (lab, path, NULL, report, NULL, &error));
      g_assert_no_error (error);
      traces = mt_lab_get_traces (lab);
      n = g_list_model_get_n_items (traces);
      g_assert_cmpuint (n, ==, 20);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(MtTrace) trace = g_list_model_get_item (traces, i);
          MtGrade grade;

          mt_grade_trace (trace, &grade);
          if (grade.verdict == MT_VERDICT_CORRECT)
            correct++;
          mt_grade_clear (&grade);
        }
      g_test_message ("%s: %u/%u correct", files[f].file, correct, n);
      g_assert_cmpuint (correct, ==, files[f].correct);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* A code grader that exits without reading its input must not kill the
   * test: the programs that grade ignore SIGPIPE too. */
  signal (SIGPIPE, SIG_IGN);

  g_test_add_func ("/grade/labelled-set", test_labelled_set);
  g_test_add_func ("/grade/extract", test_extract);
  g_test_add_func ("/grade/math", test_math);
  g_test_add_func ("/grade/evaluate", test_evaluate);
  g_test_add_func ("/grade/bad-input", test_bad_input);
  g_test_add_func ("/grade/text-and-choice", test_text_and_choice);
  g_test_add_func ("/grade/constraint", test_constraint);
  g_test_add_func ("/grade/code", test_code);
  g_test_add_func ("/grade/code/memory-limit", test_code_memory_limit);
  g_test_add_func ("/grade/code/without-bwrap", test_code_without_bwrap);
  g_test_add_func ("/grade/trace", test_trace);
  g_test_add_func ("/grade/extract/last-math", test_extract_last_math);
  g_test_add_func ("/grade/markyx-accuracy", test_markyx_accuracy);

  return g_test_run ();
}
