/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "mt-plot-axis.h"

/* More than this and the axis is a solid smear anyway; the cap also keeps
 * tick indices small enough to be exact integers in a double. */
#define MAX_TARGET_TICKS 1000

/* A range narrower than this fraction of its magnitude cannot be split into
 * steps a double resolves cleanly (ticks would land on the same or
 * neighbouring doubles), so it is treated like a single value. */
#define RELATIVE_RESOLUTION 1e-10

/* Beyond 1e15 "%.0f" starts to print the binary noise of doubles ("…1611392")
 * and more than 15 decimals are past what anyone reads off an axis; both are
 * better served by scientific notation. */
#define MAX_FIXED_MAGNITUDE 1e15
#define MAX_FIXED_DECIMALS  15

#define TYPOGRAPHIC_MINUS "\xe2\x88\x92" /* U+2212 */

/* 10^n, exact where a double can hold it exactly (n <= 22), which pow()
 * does not promise everywhere. */
static double
exp10_exact (int n)
{
  double result = 1.0;

  if (n < 0 || n > 22)
    return pow (10.0, n);

  for (int i = 0; i < n; i++)
    result *= 10.0;

  return result;
}

/* mantissa × 10^exponent, rounded once: dividing by an exact power of ten is
 * what makes 3 × 10^-1 come out as the double nearest 0.3 rather than
 * 0.30000000000000004. */
static double
scale_decimal (double mantissa,
               int    exponent)
{
  if (exponent >= 0)
    return mantissa * exp10_exact (exponent);
  else if (exponent >= -22)
    return mantissa / exp10_exact (-exponent);
  else
    return mantissa * pow (10.0, exponent);
}

/* How far a quotient may sit below (or above) an integer and still be taken
 * for it: a few ulps for rounding in the division, never less than a
 * billionth of a step. */
static double
snap_tolerance (double quotient)
{
  return MAX (1e-9, fabs (quotient) * 8 * DBL_EPSILON);
}

void
mt_plot_ticks_compute (double       min,
                       double       max,
                       guint        target_ticks,
                       MtPlotTicks *ticks)
{
  double span;
  double magnitude;
  double raw_step;
  double fraction;
  double nice;
  double step;
  double q_first;
  double q_last;
  double k_first;
  double k_last;
  double first;
  double last;
  int exponent;

  g_return_if_fail (ticks != NULL);

  /* A zeroed result (no ticks) is what callers get for anything they cannot
   * draw, so fill it in before any early return. */
  memset (ticks, 0, sizeof *ticks);

  g_return_if_fail (isfinite (min) && isfinite (max));

  if (min > max)
    {
      double tmp = min;

      min = max;
      max = tmp;
    }

  target_ticks = CLAMP (target_ticks, 1, MAX_TARGET_TICKS);

  magnitude = MAX (fabs (min), fabs (max));
  span = max - min;

  /* A single value (or one the doubles cannot tell apart from a single value)
   * still deserves an axis: a tenth of the value either side keeps the sign of
   * the data, and [0, 1] is the natural frame for all zeros. */
  if (span <= magnitude * RELATIVE_RESOLUTION)
    {
      double center = min / 2 + max / 2;
      double half = fabs (center) / 10;

      if (half == 0)
        {
          min = 0;
          max = 1;
        }
      else
        {
          min = center - half;
          max = center + half;
        }

      span = max - min;
    }

  /* Only ranges brushing DBL_MAX get here; there are no representable ticks
   * beyond them, so no ticks at all. */
  if (!isfinite (span))
    return;

  raw_step = span / target_ticks;
  exponent = (int) floor (log10 (raw_step));
  fraction = raw_step / pow (10.0, exponent);

  /* Pick whichever of 1, 2, 5, 10 is nearest on a log scale, so the tick
   * count misses the target by at most a factor of about 1.6 either way. */
  if (fraction < G_SQRT2)
    nice = 1;
  else if (fraction < sqrt (10.0))
    nice = 2;
  else if (fraction < sqrt (50.0))
    nice = 5;
  else
    {
      nice = 1;
      exponent++;
    }

  step = scale_decimal (nice, exponent);
  if (!(step > 0) || !isfinite (step))
    return;

  q_first = min / step;
  q_last = max / step;
  k_first = floor (q_first + snap_tolerance (q_first));
  k_last = ceil (q_last - snap_tolerance (q_last));
  if (k_last <= k_first)
    k_last = k_first + 1;

  first = scale_decimal (k_first * nice, exponent);
  last = scale_decimal (k_last * nice, exponent);
  if (!isfinite (first) || !isfinite (last) || k_last - k_first >= G_MAXUINT)
    return;

  ticks->first = first;
  ticks->step = step;
  ticks->n_ticks = (guint) (k_last - k_first) + 1;
}

/* Decimals that show every multiple of @step exactly: one per power of ten
 * below 1, plus more for steps like 0.25 whose digits run past their leading
 * one. Negative for steps of 10 and up, which the scientific form uses. */
static int
step_decimals (double step)
{
  int leading = (int) floor (log10 (step));
  double mantissa = step / pow (10.0, leading);

  if (!isfinite (mantissa))
    return -leading;

  /* Three extra digits cover every step a person would pick; anything
   * longer (thirds, say) is not going to read exactly anyway. */
  for (int extra = 0; extra < 3; extra++)
    {
      double scaled = mantissa * exp10_exact (extra);

      if (fabs (scaled - round (scaled)) <= scaled * 1e-9)
        return extra - leading;
    }

  return 3 - leading;
}

static char *
format_fixed (double abs_value,
              int    decimals)
{
  char format[16];
  char buffer[G_ASCII_DTOSTR_BUF_SIZE + 32];
  GString *label;
  const char *point;
  gsize int_len;

  /* g_ascii_formatd() rather than printf(): axis labels must not switch to
   * a decimal comma with the locale while the thousands separator stays. */
  g_snprintf (format, sizeof format, "%%.%df", decimals);
  g_ascii_formatd (buffer, sizeof buffer, format, abs_value);

  point = strchr (buffer, '.');
  int_len = point != NULL ? (gsize) (point - buffer) : strlen (buffer);

  /* Four-digit numbers read fine without a separator and look odd with
   * one, so grouping starts at five digits. */
  if (int_len < 5)
    return g_strdup (buffer);

  label = g_string_new (NULL);
  for (gsize i = 0; i < int_len; i++)
    {
      if (i > 0 && (int_len - i) % 3 == 0)
        g_string_append_c (label, ',');
      g_string_append_c (label, buffer[i]);
    }
  g_string_append (label, buffer + int_len);

  return g_string_free (label, FALSE);
}

static char *
format_scientific (double abs_value,
                   int    decimals)
{
  char format[16];
  char buffer[G_ASCII_DTOSTR_BUF_SIZE + 32];
  GString *label;
  const char *e;
  const char *digits;
  int mantissa_decimals;

  mantissa_decimals = (int) floor (log10 (abs_value)) + decimals;
  mantissa_decimals = CLAMP (mantissa_decimals, 0, 16);

  g_snprintf (format, sizeof format, "%%.%de", mantissa_decimals);
  g_ascii_formatd (buffer, sizeof buffer, format, abs_value);

  /* printf writes "1.5e+15" and "2e-07"; an axis wants "1.5e15" and
   * "2e−7". */
  e = strchr (buffer, 'e');
  if (e == NULL)
    return g_strdup (buffer);

  label = g_string_new_len (buffer, e - buffer + 1);
  digits = e + 1;
  if (*digits == '-')
    g_string_append (label, TYPOGRAPHIC_MINUS);
  if (*digits == '-' || *digits == '+')
    digits++;
  while (digits[0] == '0' && digits[1] != '\0')
    digits++;
  g_string_append (label, digits);

  return g_string_free (label, FALSE);
}

static gboolean
is_zero_label (const char *label)
{
  for (const char *p = label; *p != '\0'; p++)
    {
      if (*p != '0' && *p != '.' && *p != ',')
        return FALSE;
    }

  return TRUE;
}

char *
mt_plot_format_tick (double value,
                     double step)
{
  g_autofree char *digits = NULL;
  int decimals;

  g_return_val_if_fail (isfinite (value), NULL);
  g_return_val_if_fail (isfinite (step) && step != 0, NULL);

  step = fabs (step);

  /* first + i * step leaves crumbs like 5.55e-17 where the tick is 0. */
  if (fabs (value) < step * 1e-6)
    return g_strdup ("0");

  decimals = step_decimals (step);

  if (fabs (value) < MAX_FIXED_MAGNITUDE && decimals <= MAX_FIXED_DECIMALS)
    digits = format_fixed (fabs (value), MAX (decimals, 0));
  else
    digits = format_scientific (fabs (value), decimals);

  /* Zero has no sign, however it was reached. */
  if (is_zero_label (digits))
    return g_strdup ("0");

  if (value < 0)
    return g_strconcat (TYPOGRAPHIC_MINUS, digits, NULL);

  return g_steal_pointer (&digits);
}
