/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for answer extraction and grading: the input is split at
 * its first NUL or newline into an answer and a truth, which every grader
 * compares; the whole input also goes through extraction for each domain.
 *
 * Build and run (tests/fuzz/README.md):
 *   CC=clang meson setup _build-fuzz -Dgui=false -Dfuzzing=true \
 *     -Db_sanitize=address,undefined -Db_lundef=false
 *   ninja -C _build-fuzz tests/fuzz/fuzz-grade
 *   _build-fuzz/tests/fuzz/fuzz-grade /tmp/corpus tests/fuzz/corpus-grade -max_total_time=60
 */
#include "config.h"

#include <string.h>

#include "mt-core.h"
#include "mt-math.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_grade (const MtGrade *grade)
{
  /* a verdict and a reason a user can read, always */
  if (grade->verdict > MT_VERDICT_UNGRADABLE || grade->reason == NULL ||
      grade->reason[0] == '\0' || !g_utf8_validate (grade->reason, -1, NULL) ||
      grade->grader == NULL)
    __builtin_trap ();
  if ((grade->answer_normalized != NULL && !g_utf8_validate (grade->answer_normalized, -1, NULL)) ||
      (grade->truth_normalized != NULL && !g_utf8_validate (grade->truth_normalized, -1, NULL)))
    __builtin_trap ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const char *const graders[] = {
    "math", "numeric", "text", "choice", "constraint", "code", NULL,
  };
  static const char *const accept[] = { "x", "\\frac{1}{2}", NULL };
  g_autofree char *text = g_strndup ((const char *) data, size);
  gsize len = strlen (text);
  const char *split = strpbrk (text, "\n");
  g_autofree char *answer = NULL;
  const char *truth;

  /* code grading is off: nothing is run */
  g_unsetenv ("MIDTHOUGHT_CODE_GRADER");

  if (split != NULL)
    {
      answer = g_strndup (text, split - text);
      truth = split + 1;
    }
  else
    {
      /* a NUL ends the text: what follows it is the truth */
      answer = g_strdup (text);
      truth = len + 1 < size ? g_strndup ((const char *) data + len + 1, size - len - 1)
                             : g_strdup ("");
    }

  for (guint g = 0; graders[g] != NULL; g++)
    {
      MtGrade grade;

      mt_grade_answer (answer, truth, graders[g], g % 2 ? accept : NULL, &grade);
      check_grade (&grade);
      mt_grade_clear (&grade);
    }

  for (MtDomain domain = MT_DOMAIN_OTHER; domain <= MT_DOMAIN_CODE; domain++)
    {
      MtExtraction extraction;

      mt_extract_answer (text, domain, &extraction);
      if ((extraction.rule == MT_EXTRACT_NONE) != (extraction.text == NULL) ||
          extraction.start > extraction.end || extraction.end > len)
        __builtin_trap ();
      /* the rule that found it names the span it found */
      if ((extraction.rule == MT_EXTRACT_BOXED || extraction.rule == MT_EXTRACT_LAST_NUMBER) &&
          extraction.end == extraction.start)
        __builtin_trap ();
      mt_extraction_clear (&extraction);
    }

  {
    gboolean percent;
    g_autofree char *normalized = _mt_math_normalize (answer, &percent);

    /* NULL exactly when the input is over the evaluation limit */
    if ((normalized == NULL) != (strlen (answer) > MT_MATH_MAX_INPUT))
      __builtin_trap ();
    if (normalized != NULL && !g_utf8_validate (normalized, -1, NULL))
      __builtin_trap ();
  }

  if (split == NULL)
    g_free ((char *) truth);
  return 0;
}
