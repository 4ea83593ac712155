/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mt-core.h"
#include "mt-plot.h"

/* Times the charts the way the charts page uses them: load and analyse a
 * lab once, aggregate the accuracy chart once per data change, then paint
 * it frame after frame on an image surface the size of a window. Prints
 * key=value lines for bench/plot.sh.
 *
 * Usage: mt-bench-plot LAB FRAMES OUT_DIR */

#define FRAME_WIDTH  1280
#define FRAME_HEIGHT 800
#define AGGREGATIONS 20

/* CPU time of this thread in milliseconds: on a shared machine wall time
 * also counts the time other processes held the core. */
static double
thread_cpu_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtLoadReport) report = NULL;
  g_autoptr(MtMetrics) metrics = NULL;
  g_autoptr(MtPlotChart) chart = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) frames = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cpu_frames = g_array_new (FALSE, FALSE, sizeof (double));
  cairo_surface_t *surface;
  gint64 start;
  double load_s, analysis_s, aggregate_ms, aggregate_cpu_ms, export_s, sum = 0, cpu_sum = 0;
  double cpu_start, export_cpu_s;
  guint n_frames;

  if (argc != 4)
    {
      fprintf (stderr, "usage: mt-bench-plot LAB FRAMES OUT_DIR\n");
      return 2;
    }
  n_frames = (guint) strtoul (argv[2], NULL, 10);

  start = g_get_monotonic_time ();
  report = mt_load_report_new (argv[1]);
  if (!mt_import_file (lab, argv[1], NULL, report, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  mt_lab_link (lab);
  load_s = (g_get_monotonic_time () - start) / 1e6;

  start = g_get_monotonic_time ();
  metrics = mt_analysis_run (lab, NULL, NULL, &error);
  analysis_s = (g_get_monotonic_time () - start) / 1e6;
  if (metrics == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }

  /* Aggregation: what happens once per data change, off the frame path. */
  chart = mt_plot_chart_new (MT_PLOT_CHART_ACCURACY);
  start = g_get_monotonic_time ();
  cpu_start = thread_cpu_ms ();
  for (guint i = 0; i < AGGREGATIONS; i++)
    mt_plot_chart_set_metrics (chart, metrics);
  aggregate_cpu_ms = (thread_cpu_ms () - cpu_start) / AGGREGATIONS;
  aggregate_ms = (g_get_monotonic_time () - start) / 1e3 / AGGREGATIONS;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, FRAME_WIDTH, FRAME_HEIGHT);
  for (guint i = 0; i < n_frames + 5; i++)
    {
      cairo_t *cr = cairo_create (surface);
      gint64 frame_start = g_get_monotonic_time ();
      double frame_cpu_start = thread_cpu_ms ();
      double ms, cpu_ms;

      mt_plot_chart_paint (chart, cr, FRAME_WIDTH, FRAME_HEIGHT, MT_PLOT_THEME_LIGHT);
      cairo_surface_flush (surface);
      ms = (g_get_monotonic_time () - frame_start) / 1e3;
      cpu_ms = thread_cpu_ms () - frame_cpu_start;
      cairo_destroy (cr);
      /* The first frames warm up fontconfig and the glyph caches. */
      if (i >= 5)
        {
          g_array_append_val (frames, ms);
          g_array_append_val (cpu_frames, cpu_ms);
          sum += ms;
          cpu_sum += cpu_ms;
        }
    }
  cairo_surface_destroy (surface);
  g_array_sort (frames, compare_doubles);
  g_array_sort (cpu_frames, compare_doubles);

  /* Every chart of the lab as PDF, from the same metrics. */
  start = g_get_monotonic_time ();
  cpu_start = thread_cpu_ms ();
  for (MtPlotChartKind kind = 0; kind <= MT_PLOT_CHART_TIMELINE; kind++)
    {
      g_autoptr(MtPlotChart) each = mt_plot_chart_new (kind);
      g_autofree char *name = g_strdup_printf ("%s.pdf", mt_plot_chart_kind_to_string (kind));
      g_autofree char *path = g_build_filename (argv[3], name, NULL);

      if (kind == MT_PLOT_CHART_TIMELINE)
        {
          g_autoptr(MtTrace) first = g_list_model_get_item (mt_lab_get_traces (lab), 0);

          mt_plot_chart_set_trace (each, lab, first, mt_metrics_get_lexicon (metrics));
        }
      else
        mt_plot_chart_set_metrics (each, metrics);
      if (!mt_plot_chart_export (each, path, MT_PLOT_FORMAT_PDF, 640, 400, 72,
                                 MT_PLOT_THEME_PRINT, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
    }
  export_s = (g_get_monotonic_time () - start) / 1e6;
  export_cpu_s = (thread_cpu_ms () - cpu_start) / 1e3;

  printf ("branches=%u\n", mt_lab_get_n_branches (lab));
  printf ("load_s=%.3f\n", load_s);
  printf ("analysis_s=%.3f\n", analysis_s);
  printf ("aggregate_ms=%.3f\n", aggregate_ms);
  printf ("aggregate_cpu_ms=%.3f\n", aggregate_cpu_ms);
  printf ("frames=%u\n", frames->len);
  printf ("frame_mean_ms=%.3f\n", sum / frames->len);
  printf ("frame_p50_ms=%.3f\n", g_array_index (frames, double, frames->len / 2));
  printf ("frame_p99_ms=%.3f\n",
          g_array_index (frames, double, MIN (frames->len - 1, frames->len * 99 / 100)));
  printf ("frame_cpu_mean_ms=%.3f\n", cpu_sum / cpu_frames->len);
  printf ("frame_cpu_p99_ms=%.3f\n",
          g_array_index (cpu_frames, double,
                         MIN (cpu_frames->len - 1, cpu_frames->len * 99 / 100)));
  printf ("export_all_pdf_s=%.3f\n", export_s);
  printf ("export_all_pdf_cpu_s=%.3f\n", export_cpu_s);
  return 0;
}
