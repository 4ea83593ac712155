/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Throughput of mt_json_validate() over a JSONL file, line by line, against
 * a plain memchr() newline count (what `wc -l` does). Not built by meson.
 *
 *   cd /work/wt/json   # after meson setup _build
 *   for i in $(seq 95); do cat ../shared/data/traces/\*\/\*.jsonl; done > /tmp/traces.jsonl
 *   gcc -O2 -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -I src/core -I _build \
 *       $(pkg-config --cflags glib-2.0) src/core/mt-json-scan.c bench/json-scan-speed.c \
 *       $(pkg-config --libs glib-2.0) -o /tmp/json-scan-speed
 *   /tmp/json-scan-speed /tmp/traces.jsonl
 *
 * Add -DMT_JSON_SCAN_NO_SIMD to measure the portable word-at-a-time path.
 * The file is read into memory first so that the disk is not measured;
 * times are CPU time, best of ROUNDS. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mt-json-scan.h"

#define ROUNDS 10

/* CPU time rather than wall time: on a shared machine the best of a few
 * rounds is still skewed by time spent descheduled. */
static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static gsize
count_lines (const char *data,
             gsize       len)
{
  const char *p = data;
  const char *end = data + len;
  gsize lines = 0;

  while (p < end && (p = memchr (p, '\n', (gsize) (end - p))) != NULL)
    {
      lines++;
      p++;
    }

  return lines;
}

static gsize
validate_lines (const char *data,
                gsize       len,
                gboolean    unescape)
{
  const char *p = data;
  const char *end = data + len;
  gsize valid = 0;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *line_end = nl != NULL ? nl : end;
      MtJsonValue root;
      gsize offset;
      const char *message;

      if (line_end > p)
        {
          if (mt_json_validate (p, (gsize) (line_end - p), &root, &offset, &message))
            valid++;
          else
            g_printerr ("invalid line at byte %" G_GSIZE_FORMAT ": %s\n",
                        (gsize) (p - data) + offset, message);

          if (unescape && root.type == MT_JSON_OBJECT)
            {
              MtJsonIter iter;
              MtJsonMember member;

              mt_json_iter_init (&iter, &root);
              while (mt_json_iter_next_member (&iter, &member))
                g_free (mt_json_value_dup_string (&member.value));
            }
        }
      p = line_end + 1;
    }

  return valid;
}

static double
best_seconds (const char *data,
              gsize       len,
              int         what,
              gsize      *result)
{
  double best = G_MAXDOUBLE;

  for (guint round = 0; round < ROUNDS; round++)
    {
      double start = cpu_seconds ();
      double seconds;

      if (what == 0)
        *result = count_lines (data, len);
      else
        *result = validate_lines (data, len, what == 2);
      seconds = cpu_seconds () - start;
      best = MIN (best, seconds);
    }

  return best;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;
  gsize lines;
  gsize valid;
  gsize unescaped;
  double t_count;
  double t_validate;
  double t_unescape;
  double mb;

  if (argc != 2)
    {
      g_printerr ("usage: %s FILE.jsonl\n", argv[0]);
      return EXIT_FAILURE;
    }

  if (!g_file_get_contents (argv[1], &data, &len, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  mb = (double) len / 1e6;
  t_count = best_seconds (data, len, 0, &lines);
  t_validate = best_seconds (data, len, 1, &valid);
  t_unescape = best_seconds (data, len, 2, &unescaped);

  g_print ("%.1f MB, %" G_GSIZE_FORMAT " lines, %" G_GSIZE_FORMAT " valid (best of %d)\n",
           mb, lines, valid, ROUNDS);
  g_print ("memchr line count:        %8.1f MB/s\n", mb / t_count);
  g_print ("validate every line:      %8.1f MB/s  (%.2fx the line count's time)\n",
           mb / t_validate, t_validate / t_count);
  g_print ("validate + dup members:   %8.1f MB/s\n", mb / t_unescape);

  return valid == lines ? EXIT_SUCCESS : EXIT_FAILURE;
}
