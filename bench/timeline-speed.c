/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The timeline's frame cost: a trace of N reasoning tokens (word spans, a
 * marker every 40 tokens, three branches) drawn at WIDTHxHEIGHT in a real
 * window, FRAMES times, for each N given, the whole trace in view. Each
 * frame moves the view's start by one token, which drops the cached scenes
 * as scrolling and zooming do, then builds the
 * render nodes (snapshot) and renders them to a texture with the window's
 * renderer. Prints mean and 99th percentile, in milliseconds, of the
 * snapshot alone and of the whole frame, and the same for a frame that
 * changes nothing (the cached scene, as on a hover), and how many render
 * nodes a frame that moved the view holds: a figure the machine's load
 * cannot blur, which must not grow with N either.
 * Usage: mt-bench-timeline WIDTH HEIGHT FRAMES N...   (run under a display) */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include <adwaita.h>

#include "mt-timeline.h"

#define WARMUP_FRAMES 10

static void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static MtTrace *
make_trace (guint n_tokens)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GArray) starts = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(MtTokenSpans) spans = NULL;
  MtTrace *trace = mt_trace_new ("bench");

  /* One token per word; a sentence every 12 words. */
  for (guint i = 0; i < n_tokens; i++)
    {
      guint32 start = text->len;

      g_array_append_val (starts, start);
      g_string_append (text, i % 12 == 11 ? "step. " : "step ");
    }
  spans = mt_token_spans_new (MT_TOKEN_SOURCE_STREAM, (const guint32 *)(gpointer)starts->data,
                              starts->len, text->len);

  mt_trace_set_model (trace, "bench");
  mt_trace_set_prompt (trace, "Add up all the steps.");
  mt_trace_set_reasoning (trace, text->str);
  mt_trace_set_reasoning_spans (trace, spans);
  mt_trace_set_answer (trace, "\\boxed{42}");

  return trace;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *)a;
  double y = *(const double *)b;

  return (x > y) - (x < y);
}

static void
report (const char *what,
        guint       n_tokens,
        GArray     *times)
{
  double sum = 0;
  double p99;

  g_array_sort (times, compare_doubles);
  for (guint i = 0; i < times->len; i++)
    sum += g_array_index (times, double, i);
  p99 = g_array_index (times, double, MIN (times->len - 1, (guint)ceil (0.99 * times->len) - 1));

  g_print ("%7u tokens  %-22s mean %7.3f ms   p99 %7.3f ms\n",
           n_tokens, what, sum / times->len, p99);
}

/* Render nodes in @node's tree, itself included. */
static guint
count_nodes (GskRenderNode *node)
{
  GskRenderNode *child = NULL;
  guint n = 1;

  switch (gsk_render_node_get_node_type (node))
    {
    case GSK_CONTAINER_NODE:
      for (guint i = 0; i < gsk_container_node_get_n_children (node); i++)
        n += count_nodes (gsk_container_node_get_child (node, i));
      return n;
    case GSK_CLIP_NODE:
      child = gsk_clip_node_get_child (node);
      break;
    case GSK_ROUNDED_CLIP_NODE:
      child = gsk_rounded_clip_node_get_child (node);
      break;
    case GSK_TRANSFORM_NODE:
      child = gsk_transform_node_get_child (node);
      break;
    case GSK_OPACITY_NODE:
      child = gsk_opacity_node_get_child (node);
      break;
    case GSK_DEBUG_NODE:
      child = gsk_debug_node_get_child (node);
      break;
    default:
      break;
    }

  return child != NULL ? n + count_nodes (child) : n;
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
bench_one (GtkWidget *window,
           int        width,
           int        height,
           guint      n_frames,
           guint      n_tokens)
{
  g_autoptr(MtTrace) trace = make_trace (n_tokens);
  g_autoptr(GArray) marks = g_array_new (FALSE, FALSE, sizeof (MtTimelineMark));
  g_autoptr(GPtrArray) branches = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) scene = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) frame = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cached = g_array_new (FALSE, FALSE, sizeof (double));
  GtkWidget *timeline = mt_timeline_new ();
  GskRenderer *renderer;
  double first, last;
  guint n_nodes = 0;

  for (guint i = 0; i < n_tokens; i += 40)
    {
      MtTimelineMark mark = { (i / 40) % 4, i, (i / 40) % 4 };

      g_array_append_val (marks, mark);
    }
  for (guint i = 1; i <= 3; i++)
    {
      g_autoptr(MtInterrupt) interrupt = mt_interrupt_new (MT_INTERRUPT_HARD, n_tokens * i / 4,
                                                           i / 4.0);
      MtBranch *branch = mt_branch_new ("bench/branch", "bench", interrupt);

      mt_trace_set_answer (MT_TRACE (branch), "\\boxed{41}");
      g_ptr_array_add (branches, branch);
    }

  gtk_widget_set_size_request (timeline, width, height);
  gtk_window_set_child (GTK_WINDOW (window), timeline);
  mt_timeline_set_trace (MT_TIMELINE (timeline), trace);
  mt_timeline_set_branches (MT_TIMELINE (timeline), (MtBranch **)branches->pdata, branches->len);
  mt_timeline_set_markers (MT_TIMELINE (timeline), (const MtTimelineMark *)(gpointer)marks->data,
                           marks->len);
  for (guint i = 0; i < 20 || gtk_widget_get_width (timeline) < width; i++)
    {
      g_usleep (10 * 1000);
      drain_main_loop ();
    }

  /* The whole trace in view, as when it is opened. */
  mt_timeline_get_visible_range (MT_TIMELINE (timeline), &first, &last);
  drain_main_loop ();

  renderer = gtk_native_get_renderer (gtk_widget_get_native (timeline));

  for (guint i = 0; i < n_frames + WARMUP_FRAMES; i++)
    {
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      GtkSnapshot *snapshot;
      gint64 start;
      double built, done;

      /* A one-token change of the view drops the cached scenes, as a
       * scroll or zoom does; not drained, so the scenes are built in the
       * snapshot measured here. */
      mt_timeline_set_visible_range (MT_TIMELINE (timeline), first + (i % 2), last);

      /* The widget's own snapshot, which rebuilds what the pan dropped;
       * a paintable would hand back the node of the last frame. */
      start = g_get_monotonic_time ();
      snapshot = gtk_snapshot_new ();
      GTK_WIDGET_GET_CLASS (timeline)->snapshot (timeline, snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      built = ms_since (start);
      n_nodes = MAX (n_nodes, count_nodes (node));
      texture = gsk_renderer_render_texture (renderer, node,
                                             &GRAPHENE_RECT_INIT (0, 0, width, height));
      done = ms_since (start);

      if (i >= WARMUP_FRAMES)
        {
          g_array_append_val (scene, built);
          g_array_append_val (frame, done);
        }
      drain_main_loop ();
    }

  for (guint i = 0; i < n_frames + WARMUP_FRAMES; i++)
    {
      g_autoptr(GskRenderNode) node = NULL;
      GtkSnapshot *snapshot;
      gint64 start;
      double built;

      gtk_widget_queue_draw (timeline);
      drain_main_loop ();

      start = g_get_monotonic_time ();
      snapshot = gtk_snapshot_new ();
      GTK_WIDGET_GET_CLASS (timeline)->snapshot (timeline, snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      built = ms_since (start);

      if (i >= WARMUP_FRAMES)
        g_array_append_val (cached, built);
    }

  report ("snapshot, view moved", n_tokens, scene);
  report ("frame, view moved", n_tokens, frame);
  report ("snapshot, unchanged", n_tokens, cached);
  g_print ("%7u tokens  render nodes per frame, view moved: %u at most\n", n_tokens, n_nodes);

  gtk_window_set_child (GTK_WINDOW (window), NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkCssProvider) provider = NULL;
  GtkWidget *window;
  int width, height;
  guint n_frames;

  if (argc < 5)
    {
      g_printerr ("Usage: %s WIDTH HEIGHT FRAMES N...\n", argv[0]);
      return 2;
    }

  gtk_init ();
  adw_init ();

  /* Without an application nothing loads the timeline's colours. */
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/midthought/Midthought/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  width = atoi (argv[1]);
  height = atoi (argv[2]);
  n_frames = (guint)atoi (argv[3]);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));

  g_print ("%dx%d px, %u frames after %u of warm-up, renderer %s\n", width, height, n_frames,
           WARMUP_FRAMES,
           G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))));
  for (int i = 4; i < argc; i++)
    bench_one (window, width, height, n_frames, (guint)atoi (argv[i]));

  gtk_window_destroy (GTK_WINDOW (window));

  return 0;
}
