/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>

#include "mt-core.h"
#include "mt-test-util.h"

/* midthought-cli plot, as a user runs it, on a lab file with branches. */

typedef struct
{
  char *dir;
  char *lab;
} Fixture;

static void
add_trace (MtLab           *lab,
           const char      *id,
           const char      *parent_id,
           MtInterruptKind  kind,
           double           fraction,
           char            *reasoning,
           char            *answer)
{
  g_autoptr(MtTokenSpans) reasoning_spans = mt_test_word_spans (reasoning);
  g_autoptr(MtTokenSpans) answer_spans = mt_test_word_spans (answer);
  g_autoptr(MtTrace) trace = NULL;

  if (parent_id != NULL)
    {
      g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (kind, (guint) (fraction * 60),
                                                           fraction);

      trace = MT_TRACE (mt_branch_new (id, parent_id, interrupt));
    }
  else
    trace = mt_trace_new (id);

  mt_trace_set_model (trace, "qwen3-8b");
  mt_trace_set_problem_id (trace, "p");
  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_answer (trace, answer);
  mt_trace_set_reasoning_spans (trace, reasoning_spans);
  mt_trace_set_answer_spans (trace, answer_spans);
  g_assert_true (mt_lab_add_trace (lab, trace));
  g_free (reasoning);
  g_free (answer);
}

/* A problem, its oracle and six branches written to a lab file, as a
 * sweep leaves them. */
static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(MtLab) lab = mt_lab_new ();
  g_autoptr(MtProblem) problem = mt_problem_new ("p");
  g_autoptr(GError) error = NULL;
  static const double positions[] = { 0.1, 0.5, 0.9 };

  fixture->dir = g_dir_make_tmp ("test-cli-plot-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->lab = g_build_filename (fixture->dir, "sweep.mtlab", NULL);

  mt_problem_set_domain (problem, MT_DOMAIN_MATH);
  mt_problem_set_answer (problem, "12");
  mt_problem_set_source (problem, "gsm8k");
  g_assert_true (mt_lab_add_problem (lab, problem));

  add_trace (lab, "o", NULL, 0, 0, mt_test_words ("Wait", 59), mt_test_words ("\\boxed{12}", 4));
  for (guint i = 0; i < G_N_ELEMENTS (positions); i++)
    {
      g_autofree char *hard = g_strdup_printf ("o-hard-%u", i);
      g_autofree char *speedup = g_strdup_printf ("o-speedup-%u", i);

      add_trace (lab, hard, "o", MT_INTERRUPT_HARD, positions[i], g_strdup (""),
                 mt_test_words (i > 0 ? "\\boxed{12}" : "\\boxed{11}", 9));
      add_trace (lab, speedup, "o", MT_INTERRUPT_SPEEDUP, positions[i], mt_test_words ("So", 9),
                 g_strdup (i > 1 ? "\\boxed{12}" : "\\boxed{1}"));
    }

  g_assert_true (mt_lab_file_save (lab, fixture->lab, NULL, &error));
  g_assert_no_error (error);
}

static void
remove_all (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_all (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->lab);
}

/* Runs midthought-cli (MT_CLI) with the NULL-terminated arguments after
 * "plot"; returns its exit status. */
static int
run_plot (char **err,
          ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  va_list args;

  g_ptr_array_add (argv, (char *) g_getenv ("MT_CLI"));
  g_ptr_array_add (argv, "plot");
  va_start (args, err);
  for (const char *arg = va_arg (args, const char *); arg != NULL;
       arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_assert_nonnull (g_ptr_array_index (argv, 0));
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  return WEXITSTATUS (wait_status);
}

static guint
count_ink (cairo_surface_t *surface)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *data = cairo_image_surface_get_data (surface);
  guint ink = 0;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint32 pixel = *(const guint32 *) (gconstpointer) (data + y * stride + x * 4);

        ink += (pixel & 0xffffff) != 0xffffff;
      }
  return ink;
}

/* The "done when": an accuracy PDF of a lab whose first page
 * renders to a page with a chart on it. */
static void
test_accuracy_pdf (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *pdf = g_build_filename (fixture->dir, "accuracy.pdf", NULL);
  g_autofree char *stem = g_build_filename (fixture->dir, "page", NULL);
  g_autofree char *png = g_build_filename (fixture->dir, "page.png", NULL);
  g_autofree char *pdftoppm = g_find_program_in_path ("pdftoppm");
  g_autofree char *err = NULL;
  g_autofree char *head = NULL;
  g_autoptr(GError) error = NULL;
  cairo_surface_t *page;
  int wait_status;

  g_assert_cmpint (run_plot (&err, "--chart", "accuracy", "--format", "pdf", "-o", pdf,
                             fixture->lab, NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_true (g_file_get_contents (pdf, &head, NULL, &error));
  g_assert_true (g_str_has_prefix (head, "%PDF-"));

  if (pdftoppm == NULL)
    {
      g_test_skip ("pdftoppm (poppler-utils) is not installed");
      return;
    }

  {
    const char *argv[] = { pdftoppm, "-f", "1", "-l", "1", "-r", "72", "-png", "-singlefile",
                           pdf, stem, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                 NULL, NULL, NULL, &wait_status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
  }

  page = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (page), ==, CAIRO_STATUS_SUCCESS);
  /* The default page is 640 × 400 points. */
  g_assert_cmpint (cairo_image_surface_get_width (page), ==, 640);
  g_assert_cmpint (cairo_image_surface_get_height (page), ==, 400);
  g_assert_cmpuint (count_ink (page), >, 640 * 400 / 50);
  cairo_surface_destroy (page);
}

static void
test_png_size (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "timeline.png", NULL);
  g_autofree char *err = NULL;
  cairo_surface_t *png;

  g_assert_cmpint (run_plot (&err, "--chart", "timeline", "--trace", "o", "--format", "png",
                             "--width", "300", "--height", "150", "--dpi", "144", "-o", path,
                             fixture->lab, NULL), ==, 0);
  png = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, 600);
  g_assert_cmpint (cairo_image_surface_get_height (png), ==, 300);
  cairo_surface_destroy (png);
}

/* Every chart, each in one of the formats in turn: a file that starts as
 * its format says. */
static void
test_every_chart (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char *charts[] = {
    "accuracy", "length", "length-ratio", "leakage", "failure-rates", "marker-density",
  };
  static const char *formats[][2] = {
    { "png", "\x89PNG" }, { "svg", "<?xml" }, { "pdf", "%PDF-" },
  };

  for (guint c = 0; c < G_N_ELEMENTS (charts); c++)
    {
      guint f = c % G_N_ELEMENTS (formats);
      g_autofree char *name = g_strdup_printf ("%s.%s", charts[c], formats[f][0]);
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
      g_autofree char *err = NULL;
      g_autofree char *text = NULL;

      g_assert_cmpint (run_plot (&err, "--chart", charts[c], "--format", formats[f][0],
                                 "--model", "qwen3-8b", "--dataset", "gsm8k", "-o", path,
                                 fixture->lab, NULL), ==, 0);
      g_assert_cmpstr (err, ==, "");
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_assert_true (g_str_has_prefix (text, formats[f][1]));
    }
}

/* Mistakes get a message that names them and the usual exit status; no
 * half-written figure is left behind. */
static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *out = g_build_filename (fixture->dir, "out.pdf", NULL);
  g_autofree char *unwritable = g_build_filename (fixture->dir, "no-such-dir", "out.pdf", NULL);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.mtlab", NULL);
  char *err = NULL;

  g_assert_cmpint (run_plot (&err, "--chart", "pie", "--format", "pdf", "-o", out, fixture->lab,
                             NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown chart “pie”"));
  g_assert_nonnull (strstr (err, "marker-density"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_plot (&err, "--chart", "accuracy", "--format", "gif", "-o", out,
                             fixture->lab, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown format “gif”"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_plot (&err, "--chart", "accuracy", "--format", "pdf", fixture->lab, NULL),
                   ==, 2);
  g_assert_nonnull (strstr (err, "-o FILE"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_plot (&err, "--chart", "accuracy", "--format", "pdf", "--kind", "gentle",
                             "-o", out, fixture->lab, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "unknown interrupt kind “gentle”"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_plot (&err, "--chart", "accuracy", "--format", "png", "--dpi", "-3",
                             "-o", out, fixture->lab, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "positive"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_plot (&err, "--chart", "timeline", "--format", "pdf", "-o", out,
                             fixture->lab, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--trace"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_plot (&err, "--chart", "timeline", "--trace", "nope", "--format", "pdf",
                             "-o", out, fixture->lab, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no trace “nope”"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_plot (&err, "--chart", "accuracy", "--model", "gpt-5", "--format", "pdf",
                             "-o", out, fixture->lab, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no model “gpt-5”"));
  g_assert_nonnull (strstr (err, "qwen3-8b"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_plot (&err, "--chart", "accuracy", "--format", "pdf", "-o", unwritable,
                             fixture->lab, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no-such-dir"));
  g_clear_pointer (&err, g_free);

  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  /* A missing input is bad input; the figure (of what was there) is written. */
  g_assert_cmpint (run_plot (&err, "--chart", "accuracy", "--format", "pdf", "-o", out, missing,
                             NULL), ==, 1);
  g_assert_nonnull (strstr (err, "missing.mtlab"));
  g_assert_nonnull (strstr (err, "has no data"));
  g_assert_true (g_file_test (out, G_FILE_TEST_EXISTS));
  g_clear_pointer (&err, g_free);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cli-plot/accuracy-pdf", test_accuracy_pdf);
  ADD ("/cli-plot/png-size", test_png_size);
  ADD ("/cli-plot/every-chart", test_every_chart);
  ADD ("/cli-plot/errors", test_errors);
#undef ADD

  return g_test_run ();
}
