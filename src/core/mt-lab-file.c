/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "mt-lab-file.h"

#define GENERATOR_NAME "Midthought " PACKAGE_VERSION

/* A header is one short line; a first line longer than this is not ours. */
#define MAX_HEADER_LENGTH 4096

/* Save As writes through a buffer of about this size. */
#define SAVE_CHUNK (256 * 1024)

/* ------------------------------------------------------------------------ */
/* Shared pieces                                                             */
/* ------------------------------------------------------------------------ */

static char *
format_timestamp (gint64 usec)
{
  g_autoptr(GDateTime) epoch = g_date_time_new_from_unix_utc (0);
  g_autoptr(GDateTime) time = g_date_time_add (epoch, usec);

  if (time == NULL)
    return NULL;

  /* Always six digits of microseconds, so every timestamp has one shape. */
  return g_date_time_format (time, "%C%y-%m-%dT%H:%M:%S.%fZ");
}

static gboolean
parse_timestamp (const char *text,
                 gint64     *usec)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, utc);

  if (time == NULL)
    return FALSE;

  *usec = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  return TRUE;
}

static gboolean
is_blank (const char *data,
          gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isspace (data[i]))
        return FALSE;
    }

  return TRUE;
}

/* Where the first top-level JSON value of @data ends. json-glib 1.6 takes
 * two values on one line without a word (keeping the first, leaking the
 * second), so only the first is handed to it and the rest is checked here. */
static gsize
end_of_first_value (const char *data,
                    gsize       len)
{
  gboolean in_string = FALSE;
  gboolean started = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          depth++;
          started = TRUE;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        {
          if (--depth == 0 && started)
            return i + 1;
        }
    }

  return len;
}

static gboolean
not_a_lab (const char  *name,
           GError     **error)
{
  g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_UNKNOWN_FORMAT,
               _("“%s” is not a Midthought lab file"), name);
  return FALSE;
}

/* Checks that @object is a lab header this build can read. */
static gboolean
check_header_object (JsonObject  *object,
                     const char  *name,
                     gint64      *version,
                     GError     **error)
{
  JsonNode *node;
  gint64 found;

  node = json_object_get_member (object, "midthought");
  if (node == NULL ||
      !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (node), "lab") != 0)
    return not_a_lab (name, error);

  node = json_object_get_member (object, "version");
  if (node == NULL ||
      !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < 1)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_UNKNOWN_FORMAT,
                   _("“%s” has no valid lab format version in its header"), name);
      return FALSE;
    }

  found = json_node_get_int (node);
  if (found > MT_LAB_FILE_VERSION)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_NEWER_VERSION,
                   _("“%s” was written by a newer Midthought (lab format %" PRId64
                     "; this version reads up to %d). Update Midthought to open it."),
                   name, found, MT_LAB_FILE_VERSION);
      return FALSE;
    }

  if (version != NULL)
    *version = found;
  return TRUE;
}

/* Checks that the first line, [@data, @data + @len), is a lab header this
 * build can read. Used by the reader and, before it appends anything, by
 * the writer. */
static gboolean
check_header (const char  *data,
              gsize        len,
              const char  *name,
              gint64      *version,
              GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  /* A UTF-8 byte order mark does no harm; some editors add one. */
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      len -= 3;
    }

  if (!g_utf8_validate (data, len, NULL) ||
      !json_parser_load_from_data (parser, data, len, NULL))
    return not_a_lab (name, error);

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return not_a_lab (name, error);

  return check_header_object (json_node_get_object (root), name, version, error);
}

/* ------------------------------------------------------------------------ */
/* Writing records                                                           */
/* ------------------------------------------------------------------------ */

static char *
builder_to_line (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
add_string_value (JsonBuilder *builder,
                  const char  *value)
{
  g_autofree char *repaired = NULL;

  /* A line that is not UTF-8 would be refused on load, losing the whole
   * record; a replacement character loses one byte. */
  if (!g_utf8_validate (value, -1, NULL))
    value = repaired = g_utf8_make_valid (value, -1);

  json_builder_add_string_value (builder, value);
}

/* Returns FALSE when @value had to be repaired, so its byte offsets (token
 * starts) no longer fit it. */
static gboolean
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  gboolean valid;

  if (value == NULL)
    return TRUE;

  valid = g_utf8_validate (value, -1, NULL);
  json_builder_set_member_name (builder, name);
  add_string_value (builder, value);
  return valid;
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_double (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, value);
}

static void
build_problem (JsonBuilder *builder,
               MtProblem   *problem)
{
  const char * const *accept = mt_problem_get_accept (problem);

  json_builder_begin_object (builder);
  add_string (builder, "type", "problem");
  add_string (builder, "id", mt_problem_get_id (problem));
  add_string (builder, "source", mt_problem_get_source (problem));
  add_string (builder, "domain", mt_domain_to_string (mt_problem_get_domain (problem)));
  add_string (builder, "prompt", mt_problem_get_prompt (problem));
  add_string (builder, "answer", mt_problem_get_answer (problem));
  add_string (builder, "update", mt_problem_get_update (problem));
  add_string (builder, "update_answer", mt_problem_get_update_answer (problem));
  add_string (builder, "grader", mt_problem_get_grader (problem));
  if (accept != NULL && accept[0] != NULL)
    {
      json_builder_set_member_name (builder, "accept");
      json_builder_begin_array (builder);
      for (guint i = 0; accept[i] != NULL; i++)
        add_string_value (builder, accept[i]);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
}

static void
build_interrupt (JsonBuilder *builder,
                 MtInterrupt *interrupt)
{
  json_builder_set_member_name (builder, "interrupt");
  json_builder_begin_object (builder);
  add_string (builder, "kind", mt_interrupt_kind_to_string (mt_interrupt_get_kind (interrupt)));
  add_string (builder, "role", mt_interrupt_role_to_string (mt_interrupt_get_role (interrupt)));
  add_int (builder, "token_index", mt_interrupt_get_token_index (interrupt));
  if (isfinite (mt_interrupt_get_fraction (interrupt)))
    add_double (builder, "fraction", mt_interrupt_get_fraction (interrupt));
  add_string (builder, "text", mt_interrupt_get_text (interrupt));
  add_string (builder, "update", mt_interrupt_get_update (interrupt));
  json_builder_end_object (builder);
}

static void
build_sampling (JsonBuilder      *builder,
                const MtSampling *sampling)
{
  gboolean known = (isfinite (sampling->temperature) ||
                    isfinite (sampling->top_p) ||
                    sampling->top_k != -1 ||
                    sampling->max_tokens != -1 ||
                    sampling->seed != -1);

  if (!known)
    return;

  json_builder_set_member_name (builder, "sampling");
  json_builder_begin_object (builder);
  if (isfinite (sampling->temperature))
    add_double (builder, "temperature", sampling->temperature);
  if (isfinite (sampling->top_p))
    add_double (builder, "top_p", sampling->top_p);
  if (sampling->top_k != -1)
    add_int (builder, "top_k", sampling->top_k);
  if (sampling->max_tokens != -1)
    add_int (builder, "max_tokens", sampling->max_tokens);
  if (sampling->seed != -1)
    add_int (builder, "seed", sampling->seed);
  json_builder_end_object (builder);
}

static void
build_usage (JsonBuilder *builder,
             MtTrace     *trace)
{
  gint64 prompt = mt_trace_get_usage_prompt_tokens (trace);
  gint64 completion = mt_trace_get_usage_completion_tokens (trace);
  gint64 reasoning = mt_trace_get_usage_reasoning_tokens (trace);

  if (prompt < 0 && completion < 0 && reasoning < 0)
    return;

  json_builder_set_member_name (builder, "usage");
  json_builder_begin_object (builder);
  if (prompt >= 0)
    add_int (builder, "prompt_tokens", prompt);
  if (completion >= 0)
    add_int (builder, "completion_tokens", completion);
  if (reasoning >= 0)
    add_int (builder, "reasoning_tokens", reasoning);
  json_builder_end_object (builder);
}

static void
add_starts (JsonBuilder  *builder,
            const char   *name,
            MtTokenSpans *spans)
{
  guint n_tokens = mt_token_spans_get_n_tokens (spans);

  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_tokens; i++)
    {
      guint32 start;

      mt_token_spans_get_span (spans, i, &start, NULL);
      json_builder_add_int_value (builder, start);
    }
  json_builder_end_array (builder);
}

/* Only spans that came from a stream or a real tokenizer are written:
 * approximate ones are recomputed on load and would only bloat the file. */
static void
build_tokens (JsonBuilder *builder,
              MtTrace     *trace,
              gboolean     reasoning_exact,
              gboolean     answer_exact)
{
  MtTokenSpans *reasoning = NULL;
  MtTokenSpans *answer = NULL;
  MtTokenSource source;

  if (reasoning_exact)
    reasoning = mt_trace_peek_reasoning_spans (trace);
  if (reasoning != NULL && mt_token_spans_get_source (reasoning) == MT_TOKEN_SOURCE_APPROX)
    reasoning = NULL;
  if (answer_exact)
    answer = mt_trace_peek_answer_spans (trace);
  if (answer != NULL && mt_token_spans_get_source (answer) == MT_TOKEN_SOURCE_APPROX)
    answer = NULL;

  if (reasoning == NULL && answer == NULL)
    return;

  source = mt_token_spans_get_source (reasoning != NULL ? reasoning : answer);

  json_builder_set_member_name (builder, "tokens");
  json_builder_begin_object (builder);
  add_string (builder, "source", mt_token_source_to_string (source));
  /* Rare (an answer re-tokenized apart from its reasoning), but the label
   * must stay true for each list. */
  if (answer != NULL && mt_token_spans_get_source (answer) != source)
    add_string (builder, "answer_source",
                mt_token_source_to_string (mt_token_spans_get_source (answer)));
  if (reasoning != NULL)
    add_starts (builder, "reasoning", reasoning);
  if (answer != NULL)
    add_starts (builder, "answer", answer);
  json_builder_end_object (builder);
}

/* Arrival times only mean something against the tokens they were taken
 * with, so they go only with texts written as they are. Whole milliseconds
 * (what the runner records) are written as integers. */
static void
build_times (JsonBuilder *builder,
             MtTrace     *trace,
             gboolean     texts_exact)
{
  MtTokenTimes *times = mt_trace_get_token_times (trace);
  const double *values;
  guint n_tokens;

  if (times == NULL || !texts_exact)
    return;

  values = mt_token_times_get_data (times, &n_tokens);
  json_builder_set_member_name (builder, "times_ms");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_tokens; i++)
    {
      if (values[i] == floor (values[i]) && values[i] < (double) G_MAXINT32)
        json_builder_add_int_value (builder, (gint64) values[i]);
      else
        json_builder_add_double_value (builder, values[i]);
    }
  json_builder_end_array (builder);
}

/* Whether a record of @trace may be replaced by a later one with its id:
 * a snapshot of a stream still running, or a run that stopped before its
 * end and may be redone (a resumed sweep writes it again). */
static gboolean
is_partial (MtTrace  *trace,
            gboolean  snapshot)
{
  MtFinishReason finish = mt_trace_get_finish_reason (trace);

  return snapshot || finish == MT_FINISH_CANCELLED || finish == MT_FINISH_ERROR;
}

static void
build_trace (JsonBuilder *builder,
             MtTrace     *trace,
             gboolean     snapshot)
{
  const char *problem_id = mt_trace_get_problem_id (trace);
  g_autofree char *created = NULL;
  gboolean reasoning_exact;
  gboolean answer_exact;

  if (problem_id == NULL && mt_trace_get_problem (trace) != NULL)
    problem_id = mt_problem_get_id (mt_trace_get_problem (trace));

  json_builder_begin_object (builder);
  if (MT_IS_BRANCH (trace))
    {
      MtBranch *branch = MT_BRANCH (trace);

      add_string (builder, "type", "branch");
      add_string (builder, "id", mt_trace_get_id (trace));
      add_string (builder, "parent_id", mt_branch_get_parent_id (branch));
      build_interrupt (builder, mt_branch_get_interrupt (branch));
    }
  else
    {
      add_string (builder, "type", "trace");
      add_string (builder, "id", mt_trace_get_id (trace));
    }

  add_string (builder, "problem_id", problem_id);
  add_string (builder, "model", mt_trace_get_model (trace));
  add_string (builder, "family", mt_trace_get_family (trace));
  add_string (builder, "prompt", mt_trace_get_prompt (trace));
  reasoning_exact = add_string (builder, "reasoning", mt_trace_get_reasoning (trace));
  answer_exact = add_string (builder, "answer", mt_trace_get_answer (trace));
  add_string (builder, "finish_reason",
              mt_finish_reason_to_string (mt_trace_get_finish_reason (trace)));
  if (is_partial (trace, snapshot))
    {
      json_builder_set_member_name (builder, "partial");
      json_builder_add_boolean_value (builder, TRUE);
    }

  if (mt_trace_get_split_style (trace) != MT_THINK_STYLE_NONE ||
      mt_trace_get_split_note (trace) != NULL)
    {
      json_builder_set_member_name (builder, "split");
      json_builder_begin_object (builder);
      add_string (builder, "style", mt_think_style_to_string (mt_trace_get_split_style (trace)));
      add_string (builder, "note", mt_trace_get_split_note (trace));
      json_builder_end_object (builder);
    }

  build_sampling (builder, mt_trace_get_sampling (trace));
  build_usage (builder, trace);

  if (mt_trace_get_created (trace) != 0)
    created = format_timestamp (mt_trace_get_created (trace));
  add_string (builder, "created", created);

  build_tokens (builder, trace, reasoning_exact, answer_exact);
  build_times (builder, trace, reasoning_exact && answer_exact);
  json_builder_end_object (builder);
}

char *
mt_lab_file_serialize_problem (MtProblem *problem)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (MT_IS_PROBLEM (problem), NULL);

  build_problem (builder, problem);
  return builder_to_line (builder);
}

static char *
serialize_trace (MtTrace  *trace,
                 gboolean  snapshot)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  build_trace (builder, trace, snapshot);
  return builder_to_line (builder);
}

char *
mt_lab_file_serialize_trace (MtTrace *trace)
{
  g_return_val_if_fail (MT_IS_TRACE (trace), NULL);

  return serialize_trace (trace, FALSE);
}

static char *
serialize_header (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *created = format_timestamp (g_get_real_time ());

  json_builder_begin_object (builder);
  add_string (builder, "midthought", "lab");
  add_int (builder, "version", MT_LAB_FILE_VERSION);
  add_string (builder, "created", created);
  add_string (builder, "generator", GENERATOR_NAME);
  json_builder_end_object (builder);

  return builder_to_line (builder);
}

/* ------------------------------------------------------------------------ */
/* Reading records                                                           */
/* ------------------------------------------------------------------------ */

static void
set_field_error (GError        **error,
                 MtFormatError   code,
                 const char     *what,
                 const char     *scope,
                 const char     *name)
{
  if (scope != NULL)
    /* Translators: a problem with a lab file's field: "missing", "expected
     * a string for" and the like, then the field, "missing \"usage.seed\"" */
    g_set_error (error, MT_FORMAT_ERROR, code, _("%s \"%s.%s\""), what, scope, name);
  else
    /* Translators: as above, for a top-level field, "missing \"id\"" */
    g_set_error (error, MT_FORMAT_ERROR, code, _("%s \"%s\""), what, name);
}

/* A member that is absent or null counts as unset. */
static JsonNode *
get_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
}

static gboolean
read_string (JsonObject  *object,
             const char  *scope,
             const char  *name,
             gboolean     required,
             const char **value,
             GError     **error)
{
  JsonNode *node = get_member (object, name);

  *value = NULL;
  if (node == NULL)
    {
      if (required)
        set_field_error (error, MT_FORMAT_ERROR_MISSING, _("missing"), scope, name);
      return !required;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      set_field_error (error, MT_FORMAT_ERROR_TYPE, _("expected a string for"), scope, name);
      return FALSE;
    }

  *value = json_node_get_string (node);
  return TRUE;
}

static gboolean
read_id (JsonObject  *object,
         const char  *name,
         const char **value,
         GError     **error)
{
  if (!read_string (object, NULL, name, TRUE, value, error))
    return FALSE;

  if (**value == '\0')
    {
      set_field_error (error, MT_FORMAT_ERROR_TYPE, _("expected a non-empty string for"),
                       NULL, name);
      return FALSE;
    }

  return TRUE;
}

/* Leaves @value alone when the member is unset. */
static gboolean
read_int (JsonObject  *object,
          const char  *scope,
          const char  *name,
          gboolean     required,
          gint64       min,
          gint64       max,
          gint64      *value,
          GError     **error)
{
  JsonNode *node = get_member (object, name);
  gint64 found;

  if (node == NULL)
    {
      if (required)
        set_field_error (error, MT_FORMAT_ERROR_MISSING, _("missing"), scope, name);
      return !required;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      set_field_error (error, MT_FORMAT_ERROR_TYPE, _("expected an integer for"), scope, name);
      return FALSE;
    }

  found = json_node_get_int (node);
  if (found < min || found > max)
    {
      set_field_error (error, MT_FORMAT_ERROR_TYPE,
                       min == 0 && found < 0 ? _("expected a non-negative integer for")
                                             : _("value out of range for"),
                       scope, name);
      return FALSE;
    }

  *value = found;
  return TRUE;
}

/* Leaves @value alone when the member is unset. */
static gboolean
read_double (JsonObject  *object,
             const char  *scope,
             const char  *name,
             double      *value,
             GError     **error)
{
  JsonNode *node = get_member (object, name);
  GType type;

  if (node == NULL)
    return TRUE;

  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  /* json-glib reads 1e999 as infinity, which no field can hold. */
  if ((type != G_TYPE_DOUBLE && type != G_TYPE_INT64) || !isfinite (json_node_get_double (node)))
    {
      set_field_error (error, MT_FORMAT_ERROR_TYPE, _("expected a number for"), scope, name);
      return FALSE;
    }

  *value = json_node_get_double (node);
  return TRUE;
}

/* Leaves @value alone when the member is unset. */
static gboolean
read_boolean (JsonObject  *object,
              const char  *name,
              gboolean    *value,
              GError     **error)
{
  JsonNode *node = get_member (object, name);

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      set_field_error (error, MT_FORMAT_ERROR_TYPE, _("expected true or false for"), NULL, name);
      return FALSE;
    }

  *value = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
read_object (JsonObject  *object,
             const char  *name,
             gboolean     required,
             JsonObject **value,
             GError     **error)
{
  JsonNode *node = get_member (object, name);

  *value = NULL;
  if (node == NULL)
    {
      if (required)
        set_field_error (error, MT_FORMAT_ERROR_MISSING, _("missing"), NULL, name);
      return !required;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      set_field_error (error, MT_FORMAT_ERROR_TYPE, _("expected an object for"), NULL, name);
      return FALSE;
    }

  *value = json_node_get_object (node);
  return TRUE;
}

static gboolean
unknown_value (const char  *scope,
               const char  *name,
               const char  *value,
               GError     **error)
{
  if (scope != NULL)
    g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                 _("unknown value \"%s\" for \"%s.%s\""), value, scope, name);
  else
    g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                 _("unknown value \"%s\" for \"%s\""), value, name);
  return FALSE;
}

static gboolean
read_accept (JsonObject   *object,
             GPtrArray   **value,
             GError      **error)
{
  JsonNode *node = get_member (object, "accept");
  g_autoptr(GPtrArray) accept = NULL;
  JsonArray *array;
  guint length;

  *value = NULL;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    goto wrong_type;

  array = json_node_get_array (node);
  length = json_array_get_length (array);
  accept = g_ptr_array_new_full (length + 1, NULL);
  for (guint i = 0; i < length; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        goto wrong_type;
      g_ptr_array_add (accept, (gpointer) json_node_get_string (element));
    }
  g_ptr_array_add (accept, NULL);

  *value = g_steal_pointer (&accept);
  return TRUE;

wrong_type:
  set_field_error (error, MT_FORMAT_ERROR_TYPE, _("expected an array of strings for"),
                   NULL, "accept");
  return FALSE;
}

typedef struct
{
  MtLab        *lab;
  MtLoadReport *report;
  const char   *name;         /* of the file, for messages */
  GPtrArray    *problems;     /* of MtProblem, in file order */
  GPtrArray    *traces;       /* of MtTrace, in file order */
  GArray       *trace_lines;  /* of guint: the line of each of @traces */
  GArray       *trace_partial; /* of gboolean: whether each of @traces may be replaced */
  GHashTable   *problem_ids;  /* ids taken by this file; borrowed keys */
  GHashTable   *trace_ids;    /* id -> index into @traces + 1; borrowed keys */
  guint         line;
} LoadState;

static void
load_state_clear (LoadState *state)
{
  g_clear_pointer (&state->problems, g_ptr_array_unref);
  g_clear_pointer (&state->traces, g_ptr_array_unref);
  g_clear_pointer (&state->trace_lines, g_array_unref);
  g_clear_pointer (&state->trace_partial, g_array_unref);
  g_clear_pointer (&state->problem_ids, g_hash_table_unref);
  g_clear_pointer (&state->trace_ids, g_hash_table_unref);
}

static MtProblem *
parse_problem (LoadState   *state,
               JsonObject  *object,
               GError     **error)
{
  g_autoptr(MtProblem) problem = NULL;
  g_autoptr(GPtrArray) accept = NULL;
  const char *id, *source, *domain_name, *prompt, *answer;
  const char *update, *update_answer, *grader;
  MtDomain domain = MT_DOMAIN_OTHER;

  if (!read_id (object, "id", &id, error))
    return NULL;

  if (mt_lab_lookup_problem (state->lab, id) != NULL ||
      g_hash_table_contains (state->problem_ids, id))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_DUPLICATE,
                   _("problem id \"%s\" is already taken"), id);
      return NULL;
    }

  if (!read_string (object, NULL, "source", FALSE, &source, error) ||
      !read_string (object, NULL, "domain", FALSE, &domain_name, error) ||
      !read_string (object, NULL, "prompt", FALSE, &prompt, error) ||
      !read_string (object, NULL, "answer", FALSE, &answer, error) ||
      !read_string (object, NULL, "update", FALSE, &update, error) ||
      !read_string (object, NULL, "update_answer", FALSE, &update_answer, error) ||
      !read_string (object, NULL, "grader", FALSE, &grader, error) ||
      !read_accept (object, &accept, error))
    return NULL;

  if (domain_name != NULL && !mt_domain_from_string (domain_name, &domain))
    {
      unknown_value (NULL, "domain", domain_name, error);
      return NULL;
    }

  problem = mt_problem_new (id);
  mt_problem_set_source (problem, source);
  mt_problem_set_domain (problem, domain);
  mt_problem_set_prompt (problem, prompt);
  mt_problem_set_answer (problem, answer);
  mt_problem_set_update (problem, update);
  mt_problem_set_update_answer (problem, update_answer);
  mt_problem_set_grader (problem, grader);
  if (accept != NULL)
    mt_problem_set_accept (problem, (const char * const *) accept->pdata);

  return g_steal_pointer (&problem);
}

static MtInterrupt *
parse_interrupt (JsonObject  *object,
                 GError     **error)
{
  MtInterrupt *interrupt;
  const char *kind_name, *role_name, *text, *update;
  MtInterruptKind kind;
  MtInterruptRole role = MT_INTERRUPT_ROLE_ASSISTANT;
  gint64 token_index = 0;
  double fraction = NAN;

  if (!read_string (object, "interrupt", "kind", TRUE, &kind_name, error) ||
      !read_string (object, "interrupt", "role", FALSE, &role_name, error) ||
      !read_int (object, "interrupt", "token_index", TRUE, 0, G_MAXUINT, &token_index, error) ||
      !read_double (object, "interrupt", "fraction", &fraction, error) ||
      !read_string (object, "interrupt", "text", FALSE, &text, error) ||
      !read_string (object, "interrupt", "update", FALSE, &update, error))
    return NULL;

  if (!mt_interrupt_kind_from_string (kind_name, &kind))
    {
      unknown_value ("interrupt", "kind", kind_name, error);
      return NULL;
    }
  if (role_name != NULL && !mt_interrupt_role_from_string (role_name, &role))
    {
      unknown_value ("interrupt", "role", role_name, error);
      return NULL;
    }

  interrupt = mt_interrupt_new (kind, (guint) token_index, fraction);
  mt_interrupt_set_role (interrupt, role);
  mt_interrupt_set_text (interrupt, text);
  mt_interrupt_set_update (interrupt, update);

  return interrupt;
}

static gboolean
parse_sampling (JsonObject  *object,
                MtSampling  *sampling,
                GError     **error)
{
  JsonObject *inner;

  mt_sampling_init (sampling);
  if (!read_object (object, "sampling", FALSE, &inner, error))
    return FALSE;
  if (inner == NULL)
    return TRUE;

  return (read_double (inner, "sampling", "temperature", &sampling->temperature, error) &&
          read_double (inner, "sampling", "top_p", &sampling->top_p, error) &&
          read_int (inner, "sampling", "top_k", FALSE, G_MININT64, G_MAXINT64,
                    &sampling->top_k, error) &&
          read_int (inner, "sampling", "max_tokens", FALSE, G_MININT64, G_MAXINT64,
                    &sampling->max_tokens, error) &&
          read_int (inner, "sampling", "seed", FALSE, G_MININT64, G_MAXINT64,
                    &sampling->seed, error));
}

static gboolean
parse_usage (JsonObject  *object,
             gint64       usage[3],
             GError     **error)
{
  JsonObject *inner;

  usage[0] = usage[1] = usage[2] = -1;
  if (!read_object (object, "usage", FALSE, &inner, error))
    return FALSE;
  if (inner == NULL)
    return TRUE;

  return (read_int (inner, "usage", "prompt_tokens", FALSE, 0, G_MAXINT64, &usage[0], error) &&
          read_int (inner, "usage", "completion_tokens", FALSE, 0, G_MAXINT64,
                    &usage[1], error) &&
          read_int (inner, "usage", "reasoning_tokens", FALSE, 0, G_MAXINT64,
                    &usage[2], error));
}

/* Token starts must cover @text: strictly increasing, each inside it. */
static MtTokenSpans *
parse_starts (JsonNode       *node,
              const char     *name,
              MtTokenSource   source,
              const char     *text,
              GError        **error)
{
  gsize text_length = text != NULL ? strlen (text) : 0;
  g_autofree guint32 *starts = NULL;
  JsonArray *array;
  guint n_tokens;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      set_field_error (error, MT_FORMAT_ERROR_TYPE, _("expected an array of integers for"),
                       "tokens", name);
      return NULL;
    }

  array = json_node_get_array (node);
  n_tokens = json_array_get_length (array);
  if (text_length > G_MAXUINT32 || (n_tokens == 0) != (text_length == 0))
    goto mismatch;

  starts = g_new (guint32, MAX (n_tokens, 1));
  for (guint i = 0; i < n_tokens; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gint64 start;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64)
        {
          set_field_error (error, MT_FORMAT_ERROR_TYPE, _("expected an array of integers for"),
                           "tokens", name);
          return NULL;
        }

      start = json_node_get_int (element);
      if (start < 0 || (gsize) start >= text_length || (i > 0 && start <= starts[i - 1]))
        goto mismatch;
      starts[i] = (guint32) start;
    }

  return mt_token_spans_new (source, starts, n_tokens, (guint32) text_length);

mismatch:
  set_field_error (error, MT_FORMAT_ERROR_TYPE, _("token starts do not fit the text of"),
                   "tokens", name);
  return NULL;
}

/* Token spans are derived data: a record whose spans are wrong (a text
 * edited by hand, say) still loads, with estimated spans and a warning,
 * rather than losing the trace itself. */
static void
parse_tokens (LoadState  *state,
              JsonObject *object,
              MtTrace    *trace)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtTokenSpans) reasoning = NULL;
  g_autoptr(MtTokenSpans) answer = NULL;
  const char *source_name, *answer_source_name;
  MtTokenSource source, answer_source;
  JsonObject *tokens;
  JsonNode *node;

  if (!read_object (object, "tokens", FALSE, &tokens, &error))
    goto ignored;
  if (tokens == NULL)
    return;

  if (!read_string (tokens, "tokens", "source", TRUE, &source_name, &error) ||
      !read_string (tokens, "tokens", "answer_source", FALSE, &answer_source_name, &error))
    goto ignored;
  if (!mt_token_source_from_string (source_name, &source))
    {
      unknown_value ("tokens", "source", source_name, &error);
      goto ignored;
    }
  answer_source = source;
  if (answer_source_name != NULL &&
      !mt_token_source_from_string (answer_source_name, &answer_source))
    {
      unknown_value ("tokens", "answer_source", answer_source_name, &error);
      goto ignored;
    }

  if ((node = get_member (tokens, "reasoning")) != NULL &&
      (reasoning = parse_starts (node, "reasoning", source,
                                 mt_trace_get_reasoning (trace), &error)) == NULL)
    goto ignored;
  if ((node = get_member (tokens, "answer")) != NULL &&
      (answer = parse_starts (node, "answer", answer_source,
                              mt_trace_get_answer (trace), &error)) == NULL)
    goto ignored;

  if (reasoning != NULL)
    mt_trace_set_reasoning_spans (trace, reasoning);
  if (answer != NULL)
    mt_trace_set_answer_spans (trace, answer);
  return;

ignored:
  mt_load_report_add_issue (state->report, state->line, 0, error->code,
                            _("%s; token boundaries will be estimated"), error->message);
}

/* Arrival times are optional and derived too: wrong ones (not one per
 * token, not numbers, going back in time) are dropped with a warning and
 * the trace loads without them. */
static void
parse_times (LoadState  *state,
             JsonObject *object,
             MtTrace    *trace)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MtTokenTimes) times = NULL;
  g_autofree double *values = NULL;
  JsonNode *node = get_member (object, "times_ms");
  JsonArray *array;
  guint n_tokens, expected, bad;

  if (node == NULL)
    return;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      set_field_error (&error, MT_FORMAT_ERROR_TYPE, _("expected an array of numbers for"),
                       NULL, "times_ms");
      goto ignored;
    }

  array = json_node_get_array (node);
  n_tokens = json_array_get_length (array);
  expected = mt_trace_get_n_reasoning_tokens (trace) + mt_trace_get_n_answer_tokens (trace);
  if (n_tokens != expected)
    {
      g_set_error (&error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "\"times_ms\" has %u time for %u tokens",
                                "\"times_ms\" has %u times for %u tokens", n_tokens),
                   n_tokens, expected);
      goto ignored;
    }

  values = g_new (double, MAX (n_tokens, 1));
  for (guint i = 0; i < n_tokens; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      GType type = JSON_NODE_HOLDS_VALUE (element) ? json_node_get_value_type (element)
                                                   : G_TYPE_INVALID;

      if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64)
        {
          set_field_error (&error, MT_FORMAT_ERROR_TYPE, _("expected an array of numbers for"),
                           NULL, "times_ms");
          goto ignored;
        }
      values[i] = json_node_get_double (element);
    }

  if (!mt_token_times_validate (values, n_tokens, &bad))
    {
      g_set_error (&error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   isfinite (values[bad]) && values[bad] >= 0
                     ? _("\"times_ms\": token %u arrived before the token ahead of it")
                     : _("\"times_ms\": the time of token %u is not a non-negative number"),
                   bad);
      goto ignored;
    }

  times = mt_token_times_new (values, n_tokens);
  mt_trace_set_token_times (trace, times);
  return;

ignored:
  mt_load_report_add_issue (state->report, state->line, 0, error->code,
                            _("%s; the trace is loaded without arrival times"),
                            error->message);
}

/* Whether a record with @id may come now: its id is new, or it is taken by
 * a partial record of the same type earlier in this file, which it then
 * replaces (@replaces is set to that record's index + 1). */
static gboolean
check_trace_id (LoadState   *state,
                const char  *id,
                gboolean     is_branch,
                guint       *replaces,
                GError     **error)
{
  guint found = GPOINTER_TO_UINT (g_hash_table_lookup (state->trace_ids, id));

  *replaces = 0;
  if (found > 0 &&
      g_array_index (state->trace_partial, gboolean, found - 1) &&
      MT_IS_BRANCH (g_ptr_array_index (state->traces, found - 1)) == is_branch)
    {
      *replaces = found;
      return TRUE;
    }

  if (found > 0 || mt_lab_lookup_trace (state->lab, id) != NULL)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_DUPLICATE,
                   _("trace id \"%s\" is already taken"), id);
      return FALSE;
    }

  return TRUE;
}

static MtTrace *
parse_trace (LoadState   *state,
             JsonObject  *object,
             gboolean     is_branch,
             guint       *replaces,
             gboolean    *partial,
             GError     **error)
{
  g_autoptr(MtTrace) trace = NULL;
  const char *id, *problem_id, *model, *family, *prompt, *reasoning, *answer;
  const char *finish_name, *created_text;
  const char *style_name = NULL, *note = NULL;
  JsonObject *split;
  MtFinishReason finish = MT_FINISH_UNKNOWN;
  MtThinkStyle style = MT_THINK_STYLE_NONE;
  MtSampling sampling;
  gint64 usage[3];
  gint64 created = 0;

  *partial = FALSE;
  if (!read_id (object, "id", &id, error) ||
      !check_trace_id (state, id, is_branch, replaces, error))
    return NULL;

  if (is_branch)
    {
      g_autoptr(MtInterrupt) interrupt = NULL;
      const char *parent_id;
      JsonObject *inner;

      if (!read_id (object, "parent_id", &parent_id, error) ||
          !read_object (object, "interrupt", TRUE, &inner, error) ||
          (interrupt = parse_interrupt (inner, error)) == NULL)
        return NULL;

      trace = MT_TRACE (mt_branch_new (id, parent_id, interrupt));
    }
  else
    {
      trace = mt_trace_new (id);
    }

  if (!read_string (object, NULL, "problem_id", FALSE, &problem_id, error) ||
      !read_string (object, NULL, "model", FALSE, &model, error) ||
      !read_string (object, NULL, "family", FALSE, &family, error) ||
      !read_string (object, NULL, "prompt", FALSE, &prompt, error) ||
      !read_string (object, NULL, "reasoning", FALSE, &reasoning, error) ||
      !read_string (object, NULL, "answer", FALSE, &answer, error) ||
      !read_string (object, NULL, "finish_reason", FALSE, &finish_name, error) ||
      !read_boolean (object, "partial", partial, error) ||
      !read_object (object, "split", FALSE, &split, error) ||
      (split != NULL &&
       (!read_string (split, "split", "style", FALSE, &style_name, error) ||
        !read_string (split, "split", "note", FALSE, &note, error))) ||
      !parse_sampling (object, &sampling, error) ||
      !parse_usage (object, usage, error) ||
      !read_string (object, NULL, "created", FALSE, &created_text, error))
    return NULL;

  if (finish_name != NULL && !mt_finish_reason_from_string (finish_name, &finish))
    {
      unknown_value (NULL, "finish_reason", finish_name, error);
      return NULL;
    }
  if (style_name != NULL && !mt_think_style_from_string (style_name, &style))
    {
      unknown_value ("split", "style", style_name, error);
      return NULL;
    }
  if (created_text != NULL && !parse_timestamp (created_text, &created))
    {
      set_field_error (error, MT_FORMAT_ERROR_TYPE, _("expected an ISO 8601 date and time for"),
                       NULL, "created");
      return NULL;
    }

  mt_trace_set_problem_id (trace, problem_id);
  mt_trace_set_model (trace, model);
  mt_trace_set_family (trace, family);
  mt_trace_set_prompt (trace, prompt);
  mt_trace_set_reasoning (trace, reasoning);
  mt_trace_set_answer (trace, answer);
  mt_trace_set_finish_reason (trace, finish);
  mt_trace_set_split (trace, style, note);
  mt_trace_set_sampling (trace, &sampling);
  mt_trace_set_usage (trace, usage[0], usage[1], usage[2]);
  mt_trace_set_created (trace, created);

  /* Last, so that a record refused above gets one issue, not two. */
  parse_tokens (state, object, trace);
  parse_times (state, object, trace);

  return g_steal_pointer (&trace);
}

static void
take_problem (LoadState *state,
              MtProblem *problem)
{
  if (problem == NULL)
    return;

  g_ptr_array_add (state->problems, problem);
  g_hash_table_add (state->problem_ids, (char *) mt_problem_get_id (problem));
}

/* Takes @trace, in place of the record at @replaces - 1 when that is set:
 * the last snapshot of a streamed trace keeps the place of the first. */
static void
take_trace (LoadState *state,
            MtTrace   *trace,
            guint      replaces,
            gboolean   partial)
{
  guint index;

  if (trace == NULL)
    return;

  if (replaces == 0)
    {
      g_ptr_array_add (state->traces, trace);
      g_array_append_val (state->trace_lines, state->line);
      g_array_append_val (state->trace_partial, partial);
      index = state->traces->len - 1;
    }
  else
    {
      MtTrace *old;

      index = replaces - 1;
      old = g_ptr_array_index (state->traces, index);
      /* The key is the old trace's id string: swap it before freeing it. */
      g_hash_table_steal (state->trace_ids, mt_trace_get_id (old));
      state->traces->pdata[index] = trace;
      g_object_unref (old);
      g_array_index (state->trace_lines, guint, index) = state->line;
      g_array_index (state->trace_partial, gboolean, index) = partial;
    }

  g_hash_table_insert (state->trace_ids, (char *) mt_trace_get_id (trace),
                       GUINT_TO_POINTER (index + 1));
}

/* A snapshot that nothing replaced: the run ended (a crash, a kill) while
 * it was streaming. What had arrived is kept, marked as cut off. */
static void
finish_cut_off (LoadState *state)
{
  for (guint i = 0; i < state->traces->len; i++)
    {
      MtTrace *trace = g_ptr_array_index (state->traces, i);
      g_autofree char *note = NULL;
      const char *old_note;

      if (!g_array_index (state->trace_partial, gboolean, i) ||
          mt_trace_get_finish_reason (trace) != MT_FINISH_UNKNOWN)
        continue;

      old_note = mt_trace_get_split_note (trace);
      note = g_strconcat (old_note != NULL ? old_note : "",
                          old_note != NULL && *old_note != '\0' ? "; " : "",
                          MT_LAB_FILE_CUT_OFF_NOTE, NULL);
      mt_trace_set_finish_reason (trace, MT_FINISH_CANCELLED);
      mt_trace_set_split (trace, mt_trace_get_split_style (trace), note);
    }
}

static void
parse_record (LoadState  *state,
              JsonObject *object)
{
  g_autoptr(GError) error = NULL;
  const char *type;

  if (!json_object_has_member (object, "type") && json_object_has_member (object, "midthought"))
    {
      /* Another header: two lab files joined with cat. A supported one is
       * harmless; anything else is reported like a bad record. */
      if (!check_header_object (object, state->name, NULL, &error))
        {
          mt_load_report_add_issue (state->report, state->line, 0, error->code,
                                    "%s", error->message);
          state->report->n_skipped++;
        }
      return;
    }

  if (read_string (object, NULL, "type", TRUE, &type, &error))
    {
      if (g_str_equal (type, "problem"))
        take_problem (state, parse_problem (state, object, &error));
      else if (g_str_equal (type, "trace") || g_str_equal (type, "branch"))
        {
          gboolean is_branch = g_str_equal (type, "branch");
          gboolean partial = FALSE;
          guint replaces = 0;
          MtTrace *trace;

          trace = parse_trace (state, object, is_branch, &replaces, &partial, &error);
          take_trace (state, trace, replaces, partial);
        }
      else
        g_set_error (&error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_UNKNOWN_FORMAT,
                     _("unknown record type \"%s\""), type);
    }

  if (error != NULL)
    {
      mt_load_report_add_issue (state->report, state->line, 0, error->code,
                                "%s", error->message);
      state->report->n_skipped++;
    }
}

/* json-glib reports "<data>:LINE:COLUMN: Parse error: WHAT"; the line is
 * always 1 here, the column is worth keeping. */
static const char *
split_parser_message (const char *message,
                      guint      *column)
{
  guint line_number, found;
  int consumed = 0;

  *column = 0;
  if (sscanf (message, "<data>:%u:%u: %n", &line_number, &found, &consumed) == 2 &&
      consumed > 0)
    {
      *column = found;
      message += consumed;
    }
  if (g_str_has_prefix (message, "Parse error: "))
    message += strlen ("Parse error: ");

  return message;
}

static void
report_torn (LoadState *state)
{
  mt_load_report_add_issue (state->report, state->line, 0, MT_FORMAT_ERROR_TORN,
                            _("the last line is incomplete, probably cut short while it was "
                              "being written; skipped"));
  state->report->n_skipped++;
}

static void
load_line (LoadState  *state,
           const char *data,
           gsize       len,
           gboolean    terminated)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  const char *invalid;
  JsonNode *root;
  gsize end;

  if (is_blank (data, len))
    return;

  if (!g_utf8_validate (data, len, &invalid))
    {
      /* A line cut short often ends inside a multi-byte character. */
      if (!terminated)
        {
          report_torn (state);
          return;
        }

      mt_load_report_add_issue (state->report, state->line, (guint) (invalid - data) + 1,
                                MT_FORMAT_ERROR_ENCODING, _("not valid UTF-8 text"));
      state->report->n_skipped++;
      return;
    }

  /* A fresh parser per line: json-glib keeps some state (assignments) from
   * one load to the next. */
  parser = json_parser_new ();
  end = end_of_first_value (data, len);
  if (!json_parser_load_from_data (parser, data, (gssize) end, &error))
    {
      const char *message;
      guint column;

      if (!terminated)
        {
          report_torn (state);
          return;
        }

      message = split_parser_message (error->message, &column);
      mt_load_report_add_issue (state->report, state->line, column, MT_FORMAT_ERROR_SYNTAX,
                                _("not valid JSON: %s"), message);
      state->report->n_skipped++;
      return;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) || json_parser_has_assignment (parser, NULL))
    {
      mt_load_report_add_issue (state->report, state->line, 0, MT_FORMAT_ERROR_TYPE,
                                _("expected a JSON object"));
      state->report->n_skipped++;
      return;
    }

  if (!is_blank (data + end, len - end))
    {
      mt_load_report_add_issue (state->report, state->line, (guint) end + 1,
                                MT_FORMAT_ERROR_SYNTAX,
                                _("not valid JSON: unexpected text after the record"));
      state->report->n_skipped++;
      return;
    }

  parse_record (state, json_node_get_object (root));
}

static MtTrace *
find_trace (LoadState  *state,
            const char *id)
{
  guint found = GPOINTER_TO_UINT (g_hash_table_lookup (state->trace_ids, id));

  if (found > 0)
    return g_ptr_array_index (state->traces, found - 1);
  return mt_lab_lookup_trace (state->lab, id);
}

/* Views walk from a branch up to its root, so a cycle of parents (possible
 * only in a file edited by hand) would never end. */
static gboolean
is_own_ancestor (LoadState *state,
                 MtBranch  *branch)
{
  const char *id = mt_trace_get_id (MT_TRACE (branch));
  const char *parent_id = mt_branch_get_parent_id (branch);
  guint limit = state->traces->len +
                g_list_model_get_n_items (mt_lab_get_traces (state->lab)) + 1;

  for (guint steps = 0; parent_id != NULL && steps < limit; steps++)
    {
      MtTrace *parent;

      if (g_str_equal (parent_id, id))
        return TRUE;

      parent = find_trace (state, parent_id);
      if (parent == NULL || !MT_IS_BRANCH (parent))
        return FALSE;
      parent_id = mt_branch_get_parent_id (MT_BRANCH (parent));
    }

  /* A longer chain loops among other branches; they report themselves. */
  return FALSE;
}

static int
compare_issue_lines (gconstpointer a,
                     gconstpointer b)
{
  const MtLoadIssue *issue_a = *(MtLoadIssue * const *) a;
  const MtLoadIssue *issue_b = *(MtLoadIssue * const *) b;

  return (issue_a->line > issue_b->line) - (issue_a->line < issue_b->line);
}

static void
add_to_lab (LoadState *state)
{
  g_autoptr(GPtrArray) traces = g_ptr_array_new ();
  g_autoptr(GPtrArray) rejected = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean reordered = FALSE;

  for (guint i = 0; i < state->traces->len; i++)
    {
      MtTrace *trace = g_ptr_array_index (state->traces, i);

      if (MT_IS_BRANCH (trace) && is_own_ancestor (state, MT_BRANCH (trace)))
        {
          mt_load_report_add_issue (state->report,
                                    g_array_index (state->trace_lines, guint, i), 0,
                                    MT_FORMAT_ERROR_TYPE,
                                    _("branch \"%s\" is its own ancestor through \"parent_id\""),
                                    mt_trace_get_id (trace));
          state->report->n_skipped++;
          reordered = TRUE;
          continue;
        }
      g_ptr_array_add (traces, trace);
    }

  /* The issues above were found after the whole file was read. */
  if (reordered)
    g_ptr_array_sort (state->report->issues, compare_issue_lines);

  mt_lab_add_all (state->lab, state->problems, traces, rejected);

  /* Ids were checked line by line, so this only catches a lab that changed
   * under the load. */
  for (guint i = 0; i < rejected->len; i++)
    {
      GObject *item = g_ptr_array_index (rejected, i);

      mt_load_report_add_issue (state->report, 0, 0, MT_FORMAT_ERROR_DUPLICATE,
                                _("id \"%s\" is already taken"),
                                MT_IS_PROBLEM (item) ? mt_problem_get_id (MT_PROBLEM (item))
                                                     : mt_trace_get_id (MT_TRACE (item)));
      state->report->n_skipped++;
    }

  for (guint i = 0; i < state->problems->len; i++)
    {
      if (!g_ptr_array_find (rejected, g_ptr_array_index (state->problems, i), NULL))
        state->report->n_problems++;
    }
  for (guint i = 0; i < traces->len; i++)
    {
      MtTrace *trace = g_ptr_array_index (traces, i);

      if (g_ptr_array_find (rejected, trace, NULL))
        continue;
      if (MT_IS_BRANCH (trace))
        state->report->n_branches++;
      else
        state->report->n_traces++;
    }

  mt_lab_link (state->lab);
}

static gboolean
first_line_too_long (GBufferedInputStream *stream)
{
  gsize available;
  const char *head = g_buffered_input_stream_peek_buffer (stream, &available);

  return available >= MAX_HEADER_LENGTH && memchr (head, '\n', available) == NULL;
}

/* GIO's messages repeat the full path; the file's name is already there. */
static gboolean
read_failed (GError     **error,
             const char  *name,
             const char  *what,
             GError      *cause)
{
  const char *reason = cause->message;

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_error_copy (cause));
      return FALSE;
    }

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    reason = g_strerror (ENOENT);
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY))
    reason = _("it is a folder");
  else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    reason = g_strerror (EACCES);

  /* Translators: the first %s is a file operation ("open", "read"),
   * the second the file's name and the third why it failed */
  g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO, _("Could not %s “%s”: %s"),
               what, name, reason);
  return FALSE;
}

gboolean
mt_lab_file_load (MtLab         *lab,
                  const char    *path,
                  MtLoadReport  *report,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(MtLoadReport) own_report = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) input = NULL;
  g_autoptr(GDataInputStream) data = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;
  LoadState state = { 0 };
  gboolean ok = FALSE;

  g_return_val_if_fail (MT_IS_LAB (lab), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (report == NULL)
    report = own_report = mt_load_report_new (path);

  name = g_filename_display_basename (path);
  file = g_file_new_for_path (path);
  input = g_file_read (file, cancellable, &local_error);
  if (input == NULL)
    return read_failed (error, name, C_("file operation", "open"), local_error);

  data = g_data_input_stream_new (G_INPUT_STREAM (input));
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (data), 64 * 1024);

  /* Refuse a foreign file before reading a first line that may be huge. */
  if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (data), MAX_HEADER_LENGTH,
                                    cancellable, &local_error) < 0)
    return read_failed (error, name, C_("file operation", "read"), local_error);
  if (first_line_too_long (G_BUFFERED_INPUT_STREAM (data)))
    return not_a_lab (name, error);

  state.lab = lab;
  state.report = report;
  state.name = name;
  state.problems = g_ptr_array_new_with_free_func (g_object_unref);
  state.traces = g_ptr_array_new_with_free_func (g_object_unref);
  state.trace_lines = g_array_new (FALSE, FALSE, sizeof (guint));
  state.trace_partial = g_array_new (FALSE, FALSE, sizeof (gboolean));
  state.problem_ids = g_hash_table_new (g_str_hash, g_str_equal);
  state.trace_ids = g_hash_table_new (g_str_hash, g_str_equal);

  for (state.line = 1;; state.line++)
    {
      g_autofree char *line = NULL;
      gboolean terminated;
      gsize len = 0;

      /* Nothing reaches the lab before the end, so a cancelled load leaves
       * it as it was. */
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;

      line = g_data_input_stream_read_upto (data, "\n", 1, &len, cancellable, &local_error);
      if (line == NULL && local_error != NULL)
        {
          read_failed (error, name, C_("file operation", "read"), local_error);
          goto out;
        }

      /* read_upto leaves the newline in the buffer, so whatever is still
       * buffered tells whether this line was finished. */
      terminated = g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (data)) > 0;
      if (line == NULL || (len == 0 && !terminated))
        break;
      if (terminated &&
          g_input_stream_skip (G_INPUT_STREAM (data), 1, cancellable, &local_error) < 0)
        {
          read_failed (error, name, C_("file operation", "read"), local_error);
          goto out;
        }
      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';

      if (state.line == 1)
        {
          if (!check_header (line, len, name, NULL, error))
            goto out;
          g_free (report->format);
          report->format = g_strdup ("lab");
          continue;
        }

      load_line (&state, line, len, terminated);
    }

  if (state.line == 1)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_EMPTY,
                   _("“%s” is empty: it is not a Midthought lab file"), name);
      goto out;
    }

  finish_cut_off (&state);
  add_to_lab (&state);
  ok = TRUE;

out:
  load_state_clear (&state);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Low-level output                                                          */
/* ------------------------------------------------------------------------ */

/* Returns 0, or the errno of the failure; @written tells how far it got. */
static int
write_all (int         fd,
           const char *data,
           gsize       len,
           gsize      *written)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = write (fd, data + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int errsv = n < 0 ? errno : ENOSPC;

          if (written != NULL)
            *written = done;
          return errsv;
        }
      done += (gsize) n;
    }

  if (written != NULL)
    *written = done;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Save As                                                                   */
/* ------------------------------------------------------------------------ */

/* Saving through a symbolic link replaces the file it points to, so the
 * link keeps working. */
static char *
resolve_save_path (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      char *real = realpath (path, NULL);

      if (real != NULL)
        {
          char *copy = g_strdup (real);

          free (real);
          return copy;
        }
    }

  return g_strdup (path);
}

static void
sync_directory (const char *dir)
{
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd < 0)
    return;

  /* Makes the renames themselves durable. Best effort: some filesystems
   * cannot sync a directory, and the data is already safe. */
  if (fsync (fd) != 0)
    g_debug ("Could not sync folder %s: %s", dir, g_strerror (errno));
  close (fd);
}

static gboolean
flush_buffer (int       fd,
              GString  *buffer,
              int      *errsv)
{
  *errsv = write_all (fd, buffer->str, buffer->len, NULL);
  g_string_truncate (buffer, 0);
  return *errsv == 0;
}

/* Writes the header and every record of @records (problems and traces) to
 * @fd. Returns 0, -1 when cancelled (with @error set) or the errno of a
 * failed write. */
static int
write_lab (int           fd,
           GPtrArray    *records,
           GCancellable *cancellable,
           GError      **error)
{
  g_autoptr(GString) buffer = g_string_sized_new (SAVE_CHUNK + 4096);
  g_autofree char *header = serialize_header ();
  int errsv = 0;

  g_string_append (buffer, header);
  g_string_append_c (buffer, '\n');

  for (guint i = 0; i < records->len; i++)
    {
      GObject *item = g_ptr_array_index (records, i);
      g_autofree char *line = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return -1;

      if (MT_IS_PROBLEM (item))
        line = mt_lab_file_serialize_problem (MT_PROBLEM (item));
      else
        line = mt_lab_file_serialize_trace (MT_TRACE (item));
      g_string_append (buffer, line);
      g_string_append_c (buffer, '\n');

      if (buffer->len >= SAVE_CHUNK && !flush_buffer (fd, buffer, &errsv))
        return errsv;
    }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (!flush_buffer (fd, buffer, &errsv))
    return errsv;

  return 0;
}

/* What a save writes, taken on the thread that owns @lab: a reference to
 * every problem, then every trace. Saving reads them without locks, which
 * holds because a finished record is not changed any more (a stream still
 * running is left out by the caller). */
static GPtrArray *
snapshot_records (MtLab *lab)
{
  GListModel *lists[2] = { mt_lab_get_problems (lab), mt_lab_get_traces (lab) };
  GPtrArray *records;
  guint n_records = 0;

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    n_records += g_list_model_get_n_items (lists[l]);

  records = g_ptr_array_new_full (n_records, g_object_unref);
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      guint n_items = g_list_model_get_n_items (lists[l]);

      for (guint i = 0; i < n_items; i++)
        g_ptr_array_add (records, g_list_model_get_item (lists[l], i));
    }

  return records;
}

static gboolean
save_failed (GError     **error,
             const char  *name,
             const char  *what,
             int          errsv)
{
  g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE,
               /* Translators: the file's name, the step that failed
                * ("could not make a backup") and the system's reason */
               _("Could not save “%s”: %s: %s"), name, what, g_strerror (errsv));
  return FALSE;
}

/* Hand-made rather than g_file_replace(): GIO writes a file that does not
 * exist yet in place (a crash or a failure leaves a partial lab where the
 * user asked for one), rewrites symlinked or hard-linked files in place,
 * and names its temporary file .goutputstream-XXXXXX. */
static gboolean
save_records (GPtrArray     *records,
              const char    *path,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autofree char *target = NULL;
  g_autofree char *name = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *temp_name = NULL;
  g_autofree char *temp_path = NULL;
  g_autofree char *backup = NULL;
  gboolean exists, moved = FALSE;
  struct stat st;
  int fd, result, errsv;

  name = g_filename_display_basename (path);
  target = resolve_save_path (path);
  exists = g_stat (target, &st) == 0;
  if (exists && !S_ISREG (st.st_mode))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE,
                   _("Could not save “%s”: %s"), name,
                   S_ISDIR (st.st_mode) ? _("it is a folder") : _("it is not a regular file"));
      return FALSE;
    }

  dir = g_path_get_dirname (target);
  base = g_path_get_basename (target);
  temp_name = g_strdup_printf (".%s.XXXXXX", base);
  temp_path = g_build_filename (dir, temp_name, NULL);
  backup = g_strconcat (target, "~", NULL);

  fd = g_mkstemp_full (temp_path, O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      g_autofree char *dir_name = g_filename_display_name (dir);

      errsv = errno;
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE,
                   _("Could not save “%s” in “%s”: %s"), name, dir_name, g_strerror (errsv));
      return FALSE;
    }

  /* Keep the permissions the user gave the file being replaced. */
  if (exists && fchmod (fd, st.st_mode & 07777) != 0)
    g_debug ("Could not copy permissions to %s: %s", temp_path, g_strerror (errno));

  result = write_lab (fd, records, cancellable, error);
  if (result == 0 && fsync (fd) != 0)
    result = errno;
  if (close (fd) != 0 && result == 0)
    result = errno;
  if (result != 0)
    {
      g_unlink (temp_path);
      return result > 0 ? save_failed (error, name, _("writing failed"), result) : FALSE;
    }

  if (exists)
    {
      /* A hard link keeps the old file at @target until the rename below
       * replaces it, so there is never a moment without one. */
      if (g_unlink (backup) != 0 && errno != ENOENT)
        {
          errsv = errno;
          g_unlink (temp_path);
          return save_failed (error, name, _("could not remove the old backup"), errsv);
        }
      if (link (target, backup) != 0)
        {
          /* No hard links here (FAT, some network filesystems). */
          if (g_rename (target, backup) != 0)
            {
              errsv = errno;
              g_unlink (temp_path);
              return save_failed (error, name, _("could not make a backup"), errsv);
            }
          moved = TRUE;
        }
    }

  if (g_rename (temp_path, target) != 0)
    {
      errsv = errno;
      if (moved && g_rename (backup, target) != 0)
        g_warning ("Could not put %s back after a failed save: %s", target, g_strerror (errno));
      g_unlink (temp_path);
      return save_failed (error, name, _("could not replace the file"), errsv);
    }

  sync_directory (dir);
  return TRUE;
}

gboolean
mt_lab_file_save (MtLab         *lab,
                  const char    *path,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GPtrArray) records = NULL;

  g_return_val_if_fail (MT_IS_LAB (lab), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  records = snapshot_records (lab);
  return save_records (records, path, cancellable, error);
}

typedef struct
{
  GPtrArray *records;
  char      *path;
} SaveData;

static void
save_data_free (gpointer data)
{
  SaveData *save = data;

  g_clear_pointer (&save->records, g_ptr_array_unref);
  g_clear_pointer (&save->path, g_free);
  g_free (save);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *save = task_data;
  GError *error = NULL;

  if (save_records (save->records, save->path, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
mt_lab_file_save_async (MtLab               *lab,
                        const char          *path,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *save;

  g_return_if_fail (MT_IS_LAB (lab));
  g_return_if_fail (path != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  save = g_new0 (SaveData, 1);
  save->records = snapshot_records (lab);
  save->path = g_strdup (path);

  task = g_task_new (lab, cancellable, callback, user_data);
  g_task_set_source_tag (task, mt_lab_file_save_async);
  g_task_set_task_data (task, save, save_data_free);
  /* Never dropped for a cancel already raised: the temporary file is only
   * ever removed by the thread that made it. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, save_thread);
}

gboolean
mt_lab_file_save_finish (MtLab         *lab,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (MT_IS_LAB (lab), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, lab), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == mt_lab_file_save_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */
/* Append-only writer                                                        */
/* ------------------------------------------------------------------------ */

struct _MtLabWriter
{
  GObject   parent_instance;

  char     *path;
  int       fd;
  /* The file does not end with a newline (a line torn by a crash, or a
   * failed append that could not be cut off): start the next record on a
   * fresh line. */
  gboolean  need_newline;
};

G_DEFINE_FINAL_TYPE (MtLabWriter, mt_lab_writer, G_TYPE_OBJECT)

static void
mt_lab_writer_finalize (GObject *object)
{
  MtLabWriter *self = (MtLabWriter *)object;

  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (mt_lab_writer_parent_class)->finalize (object);
}

static void
mt_lab_writer_class_init (MtLabWriterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mt_lab_writer_finalize;
}

static void
mt_lab_writer_init (MtLabWriter *self)
{
  self->fd = -1;
}

static gboolean
writer_failed (MtLabWriter  *self,
               GError      **error,
               const char   *what,
               int           errsv)
{
  g_autofree char *name = g_filename_display_basename (self->path);

  g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE,
               /* Translators: see "Could not %s “%s”: %s" above */
               _("Could not %s “%s”: %s"), what, name, g_strerror (errsv));
  return FALSE;
}

/* Writes @line and a newline with one write() (short writes aside). On
 * failure the file is cut back to its previous length, so a half-written
 * record cannot run into the next one. */
static gboolean
write_line (MtLabWriter  *self,
            const char   *line,
            GError      **error)
{
  g_autoptr(GString) buffer = g_string_sized_new (strlen (line) + 2);
  struct stat st;
  gsize written = 0;
  int errsv;

  if (self->fd < 0)
    {
      g_autofree char *name = g_filename_display_basename (self->path);

      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE,
                   _("Could not write to “%s”: it is already closed"), name);
      return FALSE;
    }

  if (self->need_newline)
    g_string_append_c (buffer, '\n');
  g_string_append (buffer, line);
  g_string_append_c (buffer, '\n');

  if (fstat (self->fd, &st) != 0)
    return writer_failed (self, error, C_("file operation", "write to"), errno);

  errsv = write_all (self->fd, buffer->str, buffer->len, &written);
  if (errsv != 0)
    {
      if (written > 0 && ftruncate (self->fd, st.st_size) != 0)
        self->need_newline = TRUE;
      return writer_failed (self, error, C_("file operation", "write to"), errsv);
    }

  self->need_newline = FALSE;
  return TRUE;
}

/* Checks the header of the existing, non-empty file open on @self->fd and
 * whether it ends with a newline. Writes nothing. */
static gboolean
check_existing (MtLabWriter  *self,
                goffset       size,
                GError      **error)
{
  g_autofree char *name = g_filename_display_basename (self->path);
  char head[MAX_HEADER_LENGTH];
  const char *newline;
  gssize n;
  gint64 version = 0;
  char last;

  do
    n = pread (self->fd, head, sizeof head, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return writer_failed (self, error, C_("file operation", "read"), errno);

  newline = memchr (head, '\n', (gsize) n);
  if (newline == NULL && size > n)
    return not_a_lab (name, error);
  if (!check_header (head, newline != NULL ? (gsize) (newline - head) : (gsize) n,
                     name, &version, error))
    return FALSE;
  if (version != MT_LAB_FILE_VERSION)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_UNKNOWN_FORMAT,
                   _("“%s” is in lab format %" PRId64 ", which this version does not "
                     "append to; save it as a new file first"), name, version);
      return FALSE;
    }

  do
    n = pread (self->fd, &last, 1, size - 1);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return writer_failed (self, error, C_("file operation", "read"), errno);

  self->need_newline = n == 1 && last != '\n';
  return TRUE;
}

MtLabWriter *
mt_lab_writer_open (const char  *path,
                    GError     **error)
{
  g_autoptr(MtLabWriter) self = NULL;
  gboolean created = FALSE;
  struct stat st;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (MT_TYPE_LAB_WRITER, NULL);
  self->path = g_strdup (path);

  /* Knowing whether the file is ours lets a failed header remove it. */
  fd = g_open (path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd >= 0)
    created = TRUE;
  else if (errno == EEXIST)
    fd = g_open (path, O_RDWR | O_APPEND | O_CLOEXEC, 0);
  if (fd < 0)
    {
      writer_failed (self, error, C_("file operation", "open"), errno);
      return NULL;
    }
  self->fd = fd;

  /* Truncating after a failed append assumes nobody else appends. */
  if (flock (fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
    {
      g_autofree char *name = g_filename_display_basename (path);

      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_WRITE,
                   _("“%s” is already being written to by another run"), name);
      return NULL;
    }

  if (fstat (fd, &st) != 0)
    {
      writer_failed (self, error, C_("file operation", "open"), errno);
      return NULL;
    }

  if (st.st_size == 0)
    {
      g_autofree char *header = serialize_header ();

      if (!write_line (self, header, error))
        {
          if (created)
            g_unlink (path);
          return NULL;
        }
    }
  else if (!check_existing (self, st.st_size, error))
    {
      return NULL;
    }

  return g_steal_pointer (&self);
}

gboolean
mt_lab_writer_append_problem (MtLabWriter  *self,
                              MtProblem    *problem,
                              GError      **error)
{
  g_autofree char *line = NULL;

  g_return_val_if_fail (MT_IS_LAB_WRITER (self), FALSE);
  g_return_val_if_fail (MT_IS_PROBLEM (problem), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  line = mt_lab_file_serialize_problem (problem);
  return write_line (self, line, error);
}

gboolean
mt_lab_writer_append_trace (MtLabWriter  *self,
                            MtTrace      *trace,
                            GError      **error)
{
  g_autofree char *line = NULL;

  g_return_val_if_fail (MT_IS_LAB_WRITER (self), FALSE);
  g_return_val_if_fail (MT_IS_TRACE (trace), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  line = serialize_trace (trace, FALSE);
  return write_line (self, line, error);
}

gboolean
mt_lab_writer_append_partial (MtLabWriter  *self,
                              MtTrace      *trace,
                              GError      **error)
{
  g_autofree char *line = NULL;

  g_return_val_if_fail (MT_IS_LAB_WRITER (self), FALSE);
  g_return_val_if_fail (MT_IS_TRACE (trace), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  line = serialize_trace (trace, TRUE);
  return write_line (self, line, error);
}

gboolean
mt_lab_writer_close (MtLabWriter  *self,
                     GError      **error)
{
  int fd;
  int errsv = 0;

  g_return_val_if_fail (MT_IS_LAB_WRITER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->fd < 0)
    return TRUE;

  fd = self->fd;
  self->fd = -1;

  /* Each append already reached the kernel; one sync at the end makes the
   * finished run survive a power cut as well. Devices and pipes cannot. */
  if (fsync (fd) != 0 && errno != EINVAL && errno != EROFS)
    errsv = errno;
  if (close (fd) != 0 && errsv == 0)
    errsv = errno;

  if (errsv != 0)
    return writer_failed (self, error, C_("file operation", "finish writing"), errsv);
  return TRUE;
}
