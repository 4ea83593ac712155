/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Throughput of mt_json_validate() over a JSONL file, line by line, against
 * a plain memchr() newline count, which is what `wc -l` does. Not built by
 * meson. From the project root, after `meson setup _build` (for config.h):
 *
 *   for i in $(seq 95); do find ../shared/data/traces -name '*.jsonl' -exec cat {} +; done \
 *       > /tmp/traces.jsonl                       # about 250 MB
 *   gcc -O2 -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -I src/core -I _build \
 *       $(pkg-config --cflags glib-2.0) src/core/mt-json-scan.c bench/json-scan-speed.c \
 *       $(pkg-config --libs glib-2.0) -o /tmp/json-scan-speed
 *   /tmp/json-scan-speed /tmp/traces.jsonl
 *
 * Add -DMT_JSON_SCAN_NO_SIMD to measure the portable word-at-a-time path.
 * "In memory" rounds work on a copy read beforehand, so that only the
 * scanning is measured; the others read the file in 1 MiB chunks as
 * `wc -l` does. Times are CPU time (user + system), best of ROUNDS, so
 * that other load on the machine skews them less. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mt-json-scan.h"

#define ROUNDS 10

typedef enum
{
  COUNT_LINES,
  VALIDATE,
  VALIDATE_AND_UNESCAPE,
} Work;

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

      if (line_end == p)
        {
          p++;
          continue;
        }

      if (mt_json_validate (p, (gsize) (line_end - p), &root, &offset, &message))
        {
          valid++;
          if (unescape && root.type == MT_JSON_OBJECT)
            {
              MtJsonIter iter;
              MtJsonMember member;

              mt_json_iter_init (&iter, &root);
              while (mt_json_iter_next_member (&iter, &member))
                g_free (mt_json_value_dup_string (&member.value));
            }
        }
      else
        {
          g_printerr ("invalid line at byte %" G_GSIZE_FORMAT ": %s\n",
                      (gsize) (p - data) + offset, message);
        }
      p = line_end + 1;
    }

  return valid;
}

/* Reads @path in chunks into one reused buffer, the way `wc -l` does, and
 * hands over whole lines only. */
static gsize
stream_file (const char *path,
             Work        work)
{
  gsize size = 1 << 20;
  char *buffer = g_malloc (size);
  gsize filled = 0;
  gsize result = 0;
  int fd = open (path, O_RDONLY);
  gssize n;

  g_assert (fd >= 0);
  while ((n = read (fd, buffer + filled, size - filled)) > 0)
    {
      gsize whole;

      filled += (gsize) n;
      for (whole = filled; whole > 0 && buffer[whole - 1] != '\n'; whole--)
        ;
      if (whole == 0)
        {
          if (filled == size)
            buffer = g_realloc (buffer, size *= 2);
          continue;
        }
      if (work == COUNT_LINES)
        result += count_lines (buffer, whole);
      else
        result += validate_lines (buffer, whole, work == VALIDATE_AND_UNESCAPE);
      memmove (buffer, buffer + whole, filled - whole);
      filled -= whole;
    }
  if (filled > 0 && work != COUNT_LINES)
    result += validate_lines (buffer, filled, work == VALIDATE_AND_UNESCAPE);

  close (fd);
  g_free (buffer);
  return result;
}

/* With @path, each round reads the file again (from the page cache), as
 * `wc -l` and `midthought-cli info` have to. */
static double
best_seconds (const char *path,
              const char *data,
              gsize       len,
              Work        work,
              gsize      *result)
{
  double best = G_MAXDOUBLE;

  for (guint round = 0; round < ROUNDS; round++)
    {
      double start = cpu_seconds ();
      double seconds;

      if (path != NULL)
        *result = stream_file (path, work);
      else if (work == COUNT_LINES)
        *result = count_lines (data, len);
      else
        *result = validate_lines (data, len, work == VALIDATE_AND_UNESCAPE);
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
  double t_read_count;
  double t_read_validate;
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
  t_count = best_seconds (NULL, data, len, COUNT_LINES, &lines);
  t_validate = best_seconds (NULL, data, len, VALIDATE, &valid);
  t_unescape = best_seconds (NULL, data, len, VALIDATE_AND_UNESCAPE, &unescaped);
  t_read_count = best_seconds (argv[1], NULL, 0, COUNT_LINES, &lines);
  t_read_validate = best_seconds (argv[1], NULL, 0, VALIDATE, &valid);

  g_print ("%.1f MB, %" G_GSIZE_FORMAT " lines, %" G_GSIZE_FORMAT " valid (best of %d)\n",
           mb, lines, valid, ROUNDS);
  g_print ("in memory:\n");
  g_print ("  memchr line count:        %8.1f MB/s\n", mb / t_count);
  g_print ("  validate every line:      %8.1f MB/s  (%.2fx the line count's time)\n",
           mb / t_validate, t_validate / t_count);
  g_print ("  validate + dup members:   %8.1f MB/s\n", mb / t_unescape);
  g_print ("reading the file each time:\n");
  g_print ("  read + count lines:       %8.1f MB/s  (what wc -l does)\n", mb / t_read_count);
  g_print ("  read + validate:          %8.1f MB/s  (%.2fx the line count's time)\n",
           mb / t_read_validate, t_read_validate / t_read_count);

  return valid == lines ? EXIT_SUCCESS : EXIT_FAILURE;
}
