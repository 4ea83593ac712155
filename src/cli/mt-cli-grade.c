/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>

#include "mt-cli.h"
#include "mt-core.h"

/* `grade --answer A --truth T`: one comparison, with what the grader saw,
 * so a user can see why the lab called an answer right or wrong. */
int
mt_cli_grade_answer (int    argc,
                     char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *truth = NULL;
  g_autofree char *grader = NULL;
  g_auto(GStrv) accept = NULL;
  gboolean extract = FALSE;
  MtExtraction extraction = { 0 };
  const char *graded;
  MtGrade grade;
  int status;
  const GOptionEntry entries[] = {
    { "answer", 0, 0, G_OPTION_ARG_STRING, &answer, "The model's answer", "TEXT" },
    { "truth", 0, 0, G_OPTION_ARG_STRING, &truth,
      "The ground truth (for --grader constraint: the instruction)", "TEXT" },
    { "grader", 0, 0, G_OPTION_ARG_STRING, &grader,
      "math (default), numeric, gsm8k, text, choice, constraint or code", "NAME" },
    { "accept", 0, 0, G_OPTION_ARG_STRING_ARRAY, &accept, "Another accepted truth (repeatable)",
      "TEXT" },
    { "extract", 0, 0, G_OPTION_ARG_NONE, &extract,
      "Treat --answer as a whole model answer and extract the final answer first", NULL },
    { NULL }
  };

  context = g_option_context_new ("— grade one answer against the truth");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Exit status: 0 the answer is correct, 1 it is wrong or cannot be graded, 2 usage error.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return mt_cli_usage_error (context, error->message);
  if (argc > 1)
    return mt_cli_usage_error (context, "grade takes --answer and --truth, not files");
  if (answer == NULL || truth == NULL)
    return mt_cli_usage_error (context, "grade needs both --answer and --truth");

  graded = answer;
  if (extract)
    {
      gboolean code = g_strcmp0 (grader, "code") == 0;

      mt_extract_answer (answer, code ? MT_DOMAIN_CODE : MT_DOMAIN_MATH, &extraction);
      printf ("extracted (%s): %s\n", mt_extract_rule_to_string (extraction.rule),
              extraction.text != NULL ? extraction.text : "");
      graded = extraction.text != NULL ? extraction.text : "";
    }

  mt_grade_answer (graded, truth, grader, (const char * const *) accept, &grade);
  printf ("verdict: %s\n", mt_verdict_to_string (grade.verdict));
  printf ("grader: %s\n", grade.grader);
  printf ("reason: %s\n", grade.reason);
  printf ("answer normalized: %s\n", grade.answer_normalized ? grade.answer_normalized : "");
  printf ("truth normalized: %s\n", grade.truth_normalized ? grade.truth_normalized : "");

  status = grade.verdict == MT_VERDICT_CORRECT ? MT_CLI_EXIT_OK : MT_CLI_EXIT_BAD_INPUT;
  mt_grade_clear (&grade);
  mt_extraction_clear (&extraction);
  return status;
}
