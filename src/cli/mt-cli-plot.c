/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "mt-cli.h"
#include "mt-core.h"
#include "mt-plot.h"

#define DEFAULT_WIDTH  640
#define DEFAULT_HEIGHT 400
#define DEFAULT_DPI    72

static char *
joined_names (const char *(*to_string) (int),
              guint        n)
{
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", to_string (i));
  return g_string_free (names, FALSE);
}

static const char *
chart_name (int value)
{
  return mt_plot_chart_kind_to_string (value);
}

static const char *
kind_name (int value)
{
  return mt_interrupt_kind_to_string (value);
}

static char *
model_names (MtMetrics *metrics)
{
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < mt_metrics_get_n_models (metrics); i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                            mt_metrics_get_model (metrics, i)->model);
  if (names->len == 0)
    g_string_append (names, "none");
  return g_string_free (names, FALSE);
}

/* The number of a --width, --height or --dpi, or NAN. */
static double
parse_positive (const char *text)
{
  char *end = NULL;
  double value;

  if (text == NULL)
    return NAN;
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value) || value <= 0)
    return NAN;
  return value;
}

int
mt_cli_plot (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtPlotChart) chart = NULL;
  g_autoptr(MtMarkerLexicon) lexicon = NULL;
  g_autoptr(GPtrArray) lexicon_errors = NULL;
  g_autofree char *chart_option = NULL;
  g_autofree char *trace_id = NULL;
  g_autofree char *model = NULL;
  g_autofree char *dataset = NULL;
  g_autofree char *kind_option = NULL;
  g_autofree char *format_option = NULL;
  g_autofree char *theme_option = NULL;
  g_autofree char *unit_option = NULL;
  g_autofree char *by_option = NULL;
  g_autofree char *category = NULL;
  g_autofree char *width_option = NULL;
  g_autofree char *height_option = NULL;
  g_autofree char *dpi_option = NULL;
  g_autofree char *output = NULL;
  MtPlotChartKind chart_kind;
  MtPlotFormat format;
  MtPlotTheme theme = MT_PLOT_THEME_LIGHT;
  MtInterruptKind kind = 0;
  double width = DEFAULT_WIDTH;
  double height = DEFAULT_HEIGHT;
  double dpi = DEFAULT_DPI;
  int status;
  const GOptionEntry entries[] = {
    { "chart", 0, 0, G_OPTION_ARG_STRING, &chart_option,
      "accuracy, length, length-ratio, leakage, failure-rates, marker-density or timeline",
      "CHART" },
    { "trace", 0, 0, G_OPTION_ARG_STRING, &trace_id, "The trace of --chart timeline", "ID" },
    { "model", 0, 0, G_OPTION_ARG_STRING, &model, "Only branches of this model", "M" },
    { "dataset", 0, 0, G_OPTION_ARG_STRING, &dataset,
      "Only branches of problems from this source", "D" },
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind_option, "Only this kind of interrupt", "K" },
    { "unit", 0, 0, G_OPTION_ARG_STRING, &unit_option,
      "What --chart length counts: tokens (default) or chars", "UNIT" },
    { "by", 0, 0, G_OPTION_ARG_STRING, &by_option,
      "Series of --chart marker-density: model (default) or kind", "BY" },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category,
      "Marker category of --chart marker-density (default hesitation)", "ID" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_option, "png, svg or pdf", "FORMAT" },
    { "theme", 0, 0, G_OPTION_ARG_STRING, &theme_option, "light (default), dark or print",
      "THEME" },
    { "width", 0, 0, G_OPTION_ARG_STRING, &width_option, "Width in points (default 640)", "W" },
    { "height", 0, 0, G_OPTION_ARG_STRING, &height_option, "Height in points (default 400)",
      "H" },
    { "dpi", 0, 0, G_OPTION_ARG_STRING, &dpi_option,
      "Resolution of a PNG (default 72: one pixel per point)", "D" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The file to write", "FILE" },
    { NULL }
  };

  context = g_option_context_new ("LAB... — draw a chart of the labs as PNG, SVG or PDF");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Every LAB (lab files, trace files, problem sets) is read into one lab, as for\n"
    "`stats`. Sizes are in points (1/72 inch); a PNG has W × D / 72 pixels, e.g.\n"
    "  midthought-cli plot --chart accuracy --format pdf -o accuracy.pdf sweep.mtlab\n"
    "  midthought-cli plot --chart timeline --trace t1 --format png --dpi 300 -o t1.png lab.mtlab");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return mt_cli_usage_error (context, error->message);

  if (chart_option == NULL)
    return mt_cli_usage_error (context, "plot needs --chart");
  if (!mt_plot_chart_kind_from_string (chart_option, &chart_kind))
    {
      g_autofree char *names = joined_names (chart_name, MT_PLOT_CHART_TIMELINE + 1);
      g_autofree char *message = g_strdup_printf ("unknown chart “%s”; charts: %s",
                                                  chart_option, names);

      return mt_cli_usage_error (context, message);
    }
  if (format_option == NULL)
    return mt_cli_usage_error (context, "plot needs --format png, svg or pdf");
  if (!mt_plot_format_from_string (format_option, &format))
    {
      g_autofree char *message = g_strdup_printf ("unknown format “%s”; use png, svg or pdf",
                                                  format_option);

      return mt_cli_usage_error (context, message);
    }
  if (output == NULL)
    return mt_cli_usage_error (context, "plot needs -o FILE");
  if (theme_option != NULL && !mt_plot_theme_from_string (theme_option, &theme))
    {
      g_autofree char *message = g_strdup_printf ("unknown theme “%s”; use light, dark or print",
                                                  theme_option);

      return mt_cli_usage_error (context, message);
    }
  if (kind_option != NULL && !mt_interrupt_kind_from_string (kind_option, &kind))
    {
      g_autofree char *names = joined_names (kind_name, MT_INTERRUPT_CUSTOM + 1);
      g_autofree char *message = g_strdup_printf ("unknown interrupt kind “%s”; kinds: %s",
                                                  kind_option, names);

      return mt_cli_usage_error (context, message);
    }
  if (unit_option != NULL && !g_str_equal (unit_option, "tokens") &&
      !g_str_equal (unit_option, "chars"))
    return mt_cli_usage_error (context, "--unit is tokens or chars");
  if (by_option != NULL && !g_str_equal (by_option, "model") && !g_str_equal (by_option, "kind"))
    return mt_cli_usage_error (context, "--by is model or kind");
  if ((width_option && isnan (width = parse_positive (width_option))) ||
      (height_option && isnan (height = parse_positive (height_option))) ||
      (dpi_option && isnan (dpi = parse_positive (dpi_option))))
    return mt_cli_usage_error (context, "--width, --height and --dpi take positive numbers");
  if (chart_kind == MT_PLOT_CHART_TIMELINE && trace_id == NULL)
    return mt_cli_usage_error (context, "--chart timeline needs --trace ID");
  if (chart_kind != MT_PLOT_CHART_TIMELINE && trace_id != NULL)
    return mt_cli_usage_error (context, "--trace only goes with --chart timeline");
  if (argc < 2)
    return mt_cli_usage_error (context, "plot needs at least one LAB");

  status = mt_cli_load_files (lab, argv + 1, argc - 1);

  /* A broken category file of the user's is worth a word, not a failure. */
  lexicon_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  lexicon = mt_marker_lexicon_new_default (lexicon_errors);
  for (guint i = 0; i < lexicon_errors->len; i++)
    fprintf (stderr, "midthought-cli: skipped a marker category: %s\n",
             ((GError *) g_ptr_array_index (lexicon_errors, i))->message);

  chart = mt_plot_chart_new (chart_kind);

  if (chart_kind == MT_PLOT_CHART_TIMELINE)
    {
      MtTrace *trace = mt_lab_lookup_trace (lab, trace_id);

      if (trace == NULL)
        {
          fprintf (stderr, "midthought-cli: no trace “%s” in these files\n", trace_id);
          return MT_CLI_EXIT_BAD_INPUT;
        }
      mt_plot_chart_set_trace (chart, lab, trace, lexicon);
    }
  else
    {
      g_autoptr(MtMetrics) metrics = NULL;
      MtAnalysisOptions options;

      mt_analysis_options_init (&options);
      options.lexicon = lexicon;
      metrics = mt_analysis_run (lab, &options, NULL, &error);
      if (metrics == NULL)
        {
          fprintf (stderr, "midthought-cli: %s\n", error->message);
          return MT_CLI_EXIT_BAD_INPUT;
        }

      if (model != NULL && mt_metrics_lookup_model (metrics, model) == NULL)
        {
          g_autofree char *names = model_names (metrics);

          fprintf (stderr, "midthought-cli: no model “%s” in these files; models: %s\n",
                   model, names);
          return MT_CLI_EXIT_BAD_INPUT;
        }

      mt_plot_chart_set_metrics (chart, metrics);
      if (unit_option != NULL && g_str_equal (unit_option, "chars"))
        mt_plot_chart_set_unit (chart, MT_PLOT_UNIT_CHARS);
      if (by_option != NULL && g_str_equal (by_option, "kind"))
        mt_plot_chart_set_density_by (chart, MT_PLOT_DENSITY_BY_KIND);
      if (category != NULL && !mt_plot_chart_set_category (chart, category))
        {
          fprintf (stderr, "midthought-cli: no marker category “%s”\n", category);
          return MT_CLI_EXIT_BAD_INPUT;
        }
      mt_plot_chart_set_filter (chart, model, dataset, kind_option != NULL ? (int) kind : -1);
    }

  if (!mt_plot_chart_export (chart, output, format, width, height, dpi, theme, &error))
    {
      fprintf (stderr, "midthought-cli: %s\n", error->message);
      return MT_CLI_EXIT_BAD_INPUT;
    }

  /* The figure says so too; a script deserves to hear it. */
  if (!mt_plot_chart_has_data (chart))
    fprintf (stderr, "midthought-cli: %s has no data: %s\n", output,
             mt_plot_chart_get_empty_reason (chart));

  return status;
}
