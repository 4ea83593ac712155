/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <math.h>

#include "mt-plot-axis.h"

#define MINUS "\xe2\x88\x92"

typedef struct
{
  double min;
  double max;
  guint  target;
  double first;
  double step;
  guint  n_ticks;
} TicksCase;

static const TicksCase ticks_cases[] = {
  /* min      max       target  first     step     n */
  { 0,        1,        5,      0,        0.2,     6 },
  { 0,        10,       5,      0,        2,       6 },
  { 0,        100,      10,     0,        10,      11 },
  { 0,        32768,    5,      0,        5000,    8 },
  { 0,        32768,    3,      0,        10000,   5 },
  { 0.1,      0.9,      5,      0,        0.2,     6 },
  { 0.3,      0.7,      4,      0.3,      0.1,     5 },
  { 0.1,      0.3,      2,      0.1,      0.1,     3 },
  { 1,        0,        5,      0,        0.2,     6 },   /* swapped */
  { 100,      -100,     4,      -100,     50,      5 },   /* swapped across 0 */
  { 5,        5,        5,      4.4,      0.2,     7 },   /* equal: ±10 % */
  { -5,       -5,       5,      -5.6,     0.2,     7 },
  { 0,        0,        5,      0,        0.2,     6 },   /* all zeros: [0, 1] */
  { 1e6,      1e6,      4,      9e5,      5e4,     5 },
  { -37,      -3,       5,      -40,      5,       9 },
  { -1,       1,        4,      -1,       0.5,     5 },
  { -2.5,     7.5,      5,      -4,       2,       7 },
  { -0.75,    0.25,     4,      -0.8,     0.2,     7 },
  { 1e-9,     3e-9,     5,      1e-9,     5e-10,   5 },
  { 0,        1e-9,     5,      0,        2e-10,   6 },
  { -3e-9,    -1e-9,    5,      -3e-9,    5e-10,   5 },
  { 1e12,     5e12,     4,      1e12,     1e12,    5 },
  { 0,        1e12,     5,      0,        2e11,    6 },
  { 0,        1,        0,      0,        1,       2 },   /* target 0 counts as 1 */
  { 0,        1,        1,      0,        1,       2 },
  { 0,        1,        10,     0,        0.1,     11 },
  { 0.5,      0.5,      1,      0.4,      0.1,     3 },
  { 17,       83,       6,      10,       10,      9 },
  { 1234.5,   1234.5,   5,      1100,     50,      7 },
};

static void
check_ticks_invariants (double             min,
                        double             max,
                        guint              target,
                        const MtPlotTicks *ticks)
{
  double lo = MIN (min, max);
  double hi = MAX (min, max);
  double last = ticks->first + (ticks->n_ticks - 1) * ticks->step;
  double mantissa;
  double multiple;

  g_assert_cmpfloat (ticks->step, >, 0);
  g_assert_true (isfinite (ticks->first));
  g_assert_cmpuint (ticks->n_ticks, >=, 2);
  g_assert_cmpuint (ticks->n_ticks, <=, 2 * MAX (target, 1) + 3);

  /* Covers the range, give or take rounding in the last place. */
  g_assert_cmpfloat (ticks->first, <=, lo + ticks->step * 1e-6);
  g_assert_cmpfloat (last, >=, hi - ticks->step * 1e-6);

  /* Neither end has a whole spare step, unless the range was too narrow
   * to split and got widened. */
  if (hi - lo > MAX (fabs (lo), fabs (hi)) * 1e-10)
    {
      g_assert_cmpfloat (ticks->first + ticks->step, >, lo);
      g_assert_cmpfloat (last - ticks->step, <, hi);
    }

  /* 1, 2 or 5 times a power of ten. */
  mantissa = ticks->step / pow (10, floor (log10 (ticks->step)));
  g_assert_true (fabs (mantissa - 1) < 1e-9 || fabs (mantissa - 2) < 1e-9 ||
                 fabs (mantissa - 5) < 1e-9 || fabs (mantissa - 10) < 1e-8);

  /* Ticks sit on multiples of the step, so zero is one when in range. */
  multiple = ticks->first / ticks->step;
  g_assert_cmpfloat (fabs (multiple - round (multiple)), <, 1e-6);
}

static void
test_ticks_table (gconstpointer data)
{
  const TicksCase *c = data;
  MtPlotTicks ticks;

  mt_plot_ticks_compute (c->min, c->max, c->target, &ticks);

  g_assert_cmpfloat_with_epsilon (ticks.step, c->step, c->step * 1e-12);
  g_assert_cmpfloat_with_epsilon (ticks.first, c->first, c->step * 1e-9);
  g_assert_cmpuint (ticks.n_ticks, ==, c->n_ticks);

  /* The equal-range cases are widened on purpose, so the invariants are
   * checked against the requested range only when it has a width. */
  if (c->min != c->max)
    check_ticks_invariants (c->min, c->max, c->target, &ticks);
}

static void
test_ticks_decimal_first (void)
{
  MtPlotTicks ticks;

  /* 0.3 / 0.1 is 2.9999999999999996 in doubles; the first tick must still
   * be 0.3 itself, not 0.2, nor 0.30000000000000004. */
  mt_plot_ticks_compute (0.3, 0.7, 4, &ticks);
  g_assert_true (ticks.first == 0.3);

  mt_plot_ticks_compute (0.7, 1.3, 6, &ticks);
  g_assert_true (ticks.first == 0.7);
  g_assert_cmpuint (ticks.n_ticks, ==, 7);
}

static void
test_ticks_sweep (void)
{
  static const guint targets[] = { 1, 2, 3, 5, 7, 10, 20 };

  /* Every magnitude the app meets (probabilities to token counts) and
   * beyond, at every sign, with widths from a hair to many decades. */
  for (int exponent = -12; exponent <= 14; exponent++)
    for (guint t = 0; t < G_N_ELEMENTS (targets); t++)
      for (int i = 0; i < 40; i++)
        {
          double scale = pow (10, exponent);
          double a = g_test_rand_double_range (-10, 10) * scale;
          double width = pow (10, g_test_rand_double_range (-6, 1)) * scale;
          double b = a + width;
          MtPlotTicks ticks;

          if (i % 3 == 0)
            a = fabs (a);

          mt_plot_ticks_compute (a, b, targets[t], &ticks);
          check_ticks_invariants (a, b, targets[t], &ticks);

          /* Neighbouring ticks must be told apart both as doubles and as
           * labels, or the axis shows duplicates. */
          for (guint k = 1; k < ticks.n_ticks; k++)
            {
              double prev = ticks.first + (k - 1) * ticks.step;
              double value = ticks.first + k * ticks.step;
              g_autofree char *prev_label = mt_plot_format_tick (prev, ticks.step);
              g_autofree char *label = mt_plot_format_tick (value, ticks.step);

              g_assert_cmpfloat (value, >, prev);
              g_assert_cmpstr (label, !=, prev_label);
            }
        }
}

static void
test_ticks_extremes (void)
{
  MtPlotTicks ticks;

  /* Denormals: nothing sensible to draw, but nothing may go wrong either. */
  mt_plot_ticks_compute (1e-320, 1e-320, 5, &ticks);
  g_assert_true (ticks.n_ticks == 0 || (isfinite (ticks.first) && ticks.step > 0));

  /* No double can hold ticks beyond DBL_MAX: no ticks, and no critical. */
  mt_plot_ticks_compute (-G_MAXDOUBLE, G_MAXDOUBLE, 5, &ticks);
  g_assert_cmpuint (ticks.n_ticks, ==, 0);
  g_assert_cmpfloat (ticks.step, ==, 0);

  mt_plot_ticks_compute (1e300, 1e301, 5, &ticks);
  check_ticks_invariants (1e300, 1e301, 5, &ticks);

  /* Beyond what a double resolves at this magnitude: treated as one value. */
  mt_plot_ticks_compute (1e12, 1e12 + 1e-4, 5, &ticks);
  g_assert_cmpfloat_with_epsilon (ticks.step, 5e10, 1);
  check_ticks_invariants (1e12, 1e12 + 1e-4, 5, &ticks);

  /* Huge targets are capped rather than allocating a million labels. */
  mt_plot_ticks_compute (0, 1, G_MAXUINT, &ticks);
  g_assert_cmpuint (ticks.n_ticks, <=, 2000);
  check_ticks_invariants (0, 1, 1000, &ticks);
}

static void
test_ticks_non_finite (void)
{
  const double bad[][2] = {
    { NAN, 1 },
    { 0, NAN },
    { INFINITY, 1 },
    { 0, INFINITY },
    { -INFINITY, INFINITY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      MtPlotTicks ticks = { 7, 7, 7 };

      g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*isfinite*");
      mt_plot_ticks_compute (bad[i][0], bad[i][1], 5, &ticks);
      g_test_assert_expected_messages ();

      g_assert_cmpfloat (ticks.first, ==, 0);
      g_assert_cmpfloat (ticks.step, ==, 0);
      g_assert_cmpuint (ticks.n_ticks, ==, 0);
    }

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*ticks != NULL*");
  mt_plot_ticks_compute (0, 1, 5, NULL);
  g_test_assert_expected_messages ();
}

typedef struct
{
  double      value;
  double      step;
  const char *label;
} FormatCase;

static const FormatCase format_cases[] = {
  { 0.30000000000000004,    0.1,     "0.3" },
  { 0.1 + 0.2,              0.1,     "0.3" },
  { 0.7999999999999999,     0.2,     "0.8" },
  { 0.2,                    0.2,     "0.2" },
  { 1,                      0.2,     "1.0" },
  { 0.25,                   0.25,    "0.25" },
  { 0.5,                    0.25,    "0.50" },
  { 2.5,                    2.5,     "2.5" },
  { 5,                      2.5,     "5.0" },
  { 0.125,                  0.125,   "0.125" },
  { 0,                      0.2,     "0" },
  { -0.0,                   1,       "0" },
  { -0.0,                   0.1,     "0" },
  { 5.551115123125783e-17,  0.1,     "0" },
  { -5.551115123125783e-17, 0.1,     "0" },
  { -0.2,                   0.2,     MINUS "0.2" },
  { -1.5,                   0.5,     MINUS "1.5" },
  { 3,                      1,       "3" },
  { 100,                    100,     "100" },
  { -100,                   50,      MINUS "100" },
  { 1000,                   500,     "1000" },
  { 9999,                   1,       "9999" },
  { -9999,                  1,       MINUS "9999" },
  { 10000,                  5000,    "10,000" },
  { -10000,                 5000,    MINUS "10,000" },
  { 35000,                  5000,    "35,000" },
  { 12345.5,                0.5,     "12,345.5" },
  { 123456,                 1,       "123,456" },
  { 1234567,                1,       "1,234,567" },
  { -1234567,               1,       MINUS "1,234,567" },
  { 1e12,                   2e11,    "1,000,000,000,000" },
  { 2e-10,                  2e-10,   "0.0000000002" },
  { 1e-9,                   5e-10,   "0.0000000010" },
  { -3e-9,                  5e-10,   MINUS "0.0000000030" },
  { 0.5,                    -0.25,   "0.50" },         /* sign of the step ignored */
  { 1.5e15,                 1e14,    "1.5e15" },
  { -2e16,                  1e16,    MINUS "2e16" },
  { 3e20,                   1e20,    "3e20" },
  { 2e-20,                  1e-20,   "2e" MINUS "20" },
  { 1.25e-18,               5e-21,   "1.250e" MINUS "18" },
};

static void
test_format_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_cases); i++)
    {
      const FormatCase *c = &format_cases[i];
      g_autofree char *label = mt_plot_format_tick (c->value, c->step);

      if (g_strcmp0 (label, c->label) != 0)
        g_error ("format (%.17g, %.17g) gave “%s”, expected “%s”",
                 c->value, c->step, label, c->label);
    }
}

static void
test_format_ticks (void)
{
  static const char *expected[] = { "0", "0.1", "0.2", "0.3", "0.4", "0.5",
                                    "0.6", "0.7", "0.8", "0.9", "1.0" };
  MtPlotTicks ticks;

  /* Labels come from first + i * step, with the error that builds up. */
  mt_plot_ticks_compute (0, 1, 10, &ticks);
  g_assert_cmpuint (ticks.n_ticks, ==, G_N_ELEMENTS (expected));

  for (guint i = 0; i < ticks.n_ticks; i++)
    {
      g_autofree char *label = mt_plot_format_tick (ticks.first + i * ticks.step, ticks.step);

      g_assert_cmpstr (label, ==, expected[i]);
    }
}

static void
test_format_locale (void)
{
  static const char *locales[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "fr_FR" };
  g_autofree char *saved = g_strdup (setlocale (LC_NUMERIC, NULL));
  const char *found = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (locales) && found == NULL; i++)
    found = setlocale (LC_NUMERIC, locales[i]);

  if (found == NULL)
    {
      g_test_skip ("no locale with a decimal comma is installed");
      return;
    }

  {
    g_autofree char *small = mt_plot_format_tick (0.25, 0.25);
    g_autofree char *big = mt_plot_format_tick (12345.5, 0.5);

    setlocale (LC_NUMERIC, saved);
    g_assert_cmpstr (small, ==, "0.25");
    g_assert_cmpstr (big, ==, "12,345.5");
  }
}

static void
test_format_preconditions (void)
{
  char *label;

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*isfinite (value)*");
  label = mt_plot_format_tick (NAN, 1);
  g_test_assert_expected_messages ();
  g_assert_null (label);

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*step != 0*");
  label = mt_plot_format_tick (1, 0);
  g_test_assert_expected_messages ();
  g_assert_null (label);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (ticks_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/plot-axis/ticks/table/%u", i);

      g_test_add_data_func (name, &ticks_cases[i], test_ticks_table);
    }

  g_test_add_func ("/plot-axis/ticks/decimal-first", test_ticks_decimal_first);
  g_test_add_func ("/plot-axis/ticks/sweep", test_ticks_sweep);
  g_test_add_func ("/plot-axis/ticks/extremes", test_ticks_extremes);
  g_test_add_func ("/plot-axis/ticks/non-finite", test_ticks_non_finite);
  g_test_add_func ("/plot-axis/format/table", test_format_table);
  g_test_add_func ("/plot-axis/format/ticks", test_format_ticks);
  g_test_add_func ("/plot-axis/format/locale", test_format_locale);
  g_test_add_func ("/plot-axis/format/preconditions", test_format_preconditions);

  return g_test_run ();
}
