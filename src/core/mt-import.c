/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "mt-import.h"
#include "mt-import-private.h"
#include "mt-interrupt-texts.h"
#include "mt-json-scan.h"
#include "mt-lab-file.h"
#include "mt-think.h"

/* Canonical names a field map may use, and the fields tried for each when
 * the user names none. Order matters: the first present field wins. */
static const char *id_fields[] = { "item_id", "problem_id", "question_id", "unique_id", "id", NULL };
static const char *problem_fields[] = { "problem", "question", "prompt", "revised_problem", NULL };
static const char *truth_fields[] = { "ground_truth", "answer", "gold", "expected_answer", NULL };
static const char *reasoning_fields[] = {
  "reasoning", "reasoning_content", "reasoning_trace", "thinking", NULL
};
/* Whole completions with the reasoning inline, split by think tags. */
static const char *completion_fields[] = {
  "full_response", "output", "completion", "response", "generated_text", NULL
};
/* The model's answer when the reasoning came in a field of its own. */
static const char *answer_fields[] = { "answer_text", "model_answer", "content", NULL };
static const char *model_fields[] = { "model", "model_name", NULL };
static const char *source_fields[] = { "source", "dataset", NULL };

static const struct {
  const char   *canonical;
  const char  **defaults;
} canonical_fields[] = {
  { "id", id_fields },
  { "problem", problem_fields },
  { "truth", truth_fields },
  { "reasoning", reasoning_fields },
  { "completion", completion_fields },
  { "answer", answer_fields },
  { "model", model_fields },
  { "source", source_fields },
};

struct _MtFieldMap
{
  GHashTable *fields;
};

MtFieldMap *
mt_field_map_new (void)
{
  MtFieldMap *map = g_new0 (MtFieldMap, 1);

  map->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return map;
}

void
mt_field_map_free (MtFieldMap *map)
{
  if (map == NULL)
    return;

  g_hash_table_unref (map->fields);
  g_free (map);
}

gboolean
mt_field_map_add (MtFieldMap  *map,
                  const char  *pair,
                  GError     **error)
{
  const char *eq;
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (map != NULL, FALSE);
  g_return_val_if_fail (pair != NULL, FALSE);

  eq = strchr (pair, '=');
  if (eq == NULL || eq == pair || eq[1] == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a field mapping: write NAME=FIELD, e.g. reasoning=thinking"),
                   pair);
      return FALSE;
    }

  canonical = g_strndup (pair, eq - pair);
  for (guint i = 0; i < G_N_ELEMENTS (canonical_fields); i++)
    {
      if (strcmp (canonical_fields[i].canonical, canonical) == 0)
        {
          g_hash_table_replace (map->fields, g_steal_pointer (&canonical), g_strdup (eq + 1));
          return TRUE;
        }
    }

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("Unknown field name “%s” in “%s”: use one of id, problem, truth, reasoning, "
                 "completion, answer, model, source"),
               canonical, pair);
  return FALSE;
}

const char *
mt_field_map_lookup (const MtFieldMap *map,
                     const char       *canonical)
{
  g_return_val_if_fail (canonical != NULL, NULL);

  return map ? g_hash_table_lookup (map->fields, canonical) : NULL;
}

static const char **
defaults_for (const char *canonical)
{
  for (guint i = 0; i < G_N_ELEMENTS (canonical_fields); i++)
    if (strcmp (canonical_fields[i].canonical, canonical) == 0)
      return canonical_fields[i].defaults;
  g_assert_not_reached ();
  return NULL;
}

/* The members of one record, read once. Records hold long strings, so
 * looking a field up by rescanning the object would read a record dozens of
 * times; this reads it once and compares keys. */
#define MAX_FIELDS 96

typedef struct
{
  const MtJsonValue *object;
  guint              n_members;
  gboolean           overflow;    /* more members than fit: fall back to scanning */
  gboolean           escaped_keys; /* some key has escapes: compare unescaped */
  MtJsonMember       members[MAX_FIELDS];
} Fields;

static void
fields_init (Fields            *fields,
             const MtJsonValue *object)
{
  MtJsonIter iter;

  fields->object = object;
  fields->n_members = 0;
  fields->overflow = FALSE;
  fields->escaped_keys = FALSE;

  if (object->type != MT_JSON_OBJECT)
    return;

  mt_json_iter_init (&iter, object);
  while (fields->n_members < MAX_FIELDS &&
         mt_json_iter_next_member (&iter, &fields->members[fields->n_members]))
    {
      const MtJsonMember *member = &fields->members[fields->n_members++];

      if (memchr (member->key, '\\', member->key_len) != NULL)
        fields->escaped_keys = TRUE;
    }

  if (fields->n_members == MAX_FIELDS)
    {
      MtJsonMember extra;

      fields->overflow = mt_json_iter_next_member (&iter, &extra);
    }
}

static gboolean
fields_get (const Fields *fields,
            const char   *name,
            MtJsonValue  *value)
{
  gsize name_len = strlen (name);

  for (guint i = 0; i < fields->n_members; i++)
    {
      const MtJsonMember *member = &fields->members[i];

      /* Escaped keys are rare; only they need the slow comparison. */
      if (fields->escaped_keys
          ? mt_json_member_key_equal (member, name)
          : member->key_len == name_len && memcmp (member->key, name, name_len) == 0)
        {
          *value = member->value;
          return TRUE;
        }
    }

  return fields->overflow && mt_json_object_get (fields->object, name, value);
}

typedef enum
{
  RECORD_TRACE,
  RECORD_PAPER,
  RECORD_CHAT,
  RECORD_PROBLEM,
  N_RECORD_KINDS
} RecordKind;

/* A problem made while counting half a file (see count_lines_in_parallel),
 * and what the rest of its record added, which a single pass would not
 * have counted had the problem been made earlier. */
typedef struct
{
  char     *id;
  guint     line;
  gboolean  from_trace;
  gboolean  counted;      /* the record was loaded, as kind */
  int       kind;
  guint     n_traces;     /* traces and branches the record added */
  guint     n_branches;
  guint     first_issue;  /* the issues it raised: [first_issue, end_issue) */
  guint     end_issue;
} ProblemEvent;

static void
problem_event_clear (ProblemEvent *event)
{
  g_free (event->id);
}

typedef struct
{
  MtLab            *lab;          /* NULL when only counting */
  const MtFieldMap *map;
  MtLoadReport     *report;
  char             *stem;         /* file name without extension: default ids and source */
  const char       *data;
  gsize             len;
  GPtrArray        *problems;     /* new MtProblem, added to the lab at the end */
  GPtrArray        *traces;       /* new MtTrace and MtBranch */
  GHashTable       *problem_ids;  /* ids created by this import */
  GHashTable       *trace_ids;
  GArray           *problem_events; /* of ProblemEvent, when counting half a file */
  guint             kind_counts[N_RECORD_KINDS];
  const char       *problem_shape; /* "gsm8k", "math500", ... for the report */
  guint             n_records;
  guint             line;         /* line of the record being read, from 1 */
  gboolean          starts_inside; /* this file's outputs start inside the thinking block */
  MtImportBatchFunc batch_func;   /* hands out problems and traces instead of a lab */
  gpointer          batch_data;
  guint             batch_size;
} Importer;

static void
importer_clear (Importer *imp)
{
  g_clear_pointer (&imp->stem, g_free);
  g_clear_pointer (&imp->problems, g_ptr_array_unref);
  g_clear_pointer (&imp->traces, g_ptr_array_unref);
  g_clear_pointer (&imp->problem_ids, g_hash_table_unref);
  g_clear_pointer (&imp->trace_ids, g_hash_table_unref);
}

static gboolean
counting_only (Importer *imp)
{
  return imp->lab == NULL && imp->batch_func == NULL;
}

/* Hands what was read so far to the batch function: all of it with @all,
 * else once a batch is full. Called between records, so a paper record's
 * trace and its branches travel together. */
static void
flush_batch (Importer *imp,
             gboolean  all)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) traces = NULL;

  if (imp->batch_func == NULL || imp->traces == NULL)
    return;
  if (imp->traces->len == 0 && imp->problems->len == 0)
    return;
  if (!all && imp->traces->len < imp->batch_size)
    return;

  problems = g_steal_pointer (&imp->problems);
  traces = g_steal_pointer (&imp->traces);
  imp->problems = g_ptr_array_new_with_free_func (g_object_unref);
  imp->traces = g_ptr_array_new_with_free_func (g_object_unref);
  imp->batch_func (problems, traces, imp->batch_data);
}

/* Field access with type checks. A field that is present with the wrong type
 * makes the record bad: it is reported and the record skipped, rather than
 * silently read as absent. */
typedef enum
{
  FIELD_ABSENT,
  FIELD_FOUND,
  FIELD_BAD,
} FieldResult;

static FieldResult
find_field (Importer          *imp,
            const Fields      *object,
            const char        *canonical,
            MtJsonValue       *value,
            const char       **name)
{
  const char *mapped = mt_field_map_lookup (imp->map, canonical);
  const char **names;

  if (mapped != NULL)
    {
      *name = mapped;
      return fields_get (object, mapped, value) ? FIELD_FOUND : FIELD_ABSENT;
    }

  names = defaults_for (canonical);
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (fields_get (object, names[i], value) && value->type != MT_JSON_NULL)
        {
          *name = names[i];
          return FIELD_FOUND;
        }
    }

  return FIELD_ABSENT;
}

static void
report_type (Importer          *imp,
             const char        *name,
             const char        *expected,
             const MtJsonValue *value)
{
  mt_load_report_add_issue (imp->report, imp->line, 0, MT_FORMAT_ERROR_TYPE,
                            _("expected %s for \"%s\", found %s"),
                            expected, name, _(mt_json_type_describe (value->type)));
}

/* Reads a string (or, for ids and answers, a number written as text). In
 * counting mode nothing is copied: *out stays NULL but the type is checked. */
static FieldResult
get_text (Importer          *imp,
          const MtJsonValue *value,
          const char        *name,
          gboolean           numbers_too,
          char             **out)
{
  *out = NULL;

  if (value->type == MT_JSON_NULL)
    return FIELD_ABSENT;

  if (value->type == MT_JSON_STRING)
    {
      if (!counting_only (imp))
        *out = mt_json_value_dup_string (value);
      return FIELD_FOUND;
    }

  if (numbers_too && value->type == MT_JSON_NUMBER)
    {
      *out = g_strndup (value->start, value->len);
      return FIELD_FOUND;
    }

  report_type (imp, name, numbers_too ? _("a string or a number") : _("a string"), value);
  return FIELD_BAD;
}

static FieldResult
get_canonical_text (Importer          *imp,
                    const Fields      *object,
                    const char        *canonical,
                    gboolean           numbers_too,
                    char             **out,
                    const char       **out_name)
{
  MtJsonValue value;
  const char *name = NULL;
  FieldResult res;

  *out = NULL;
  res = find_field (imp, object, canonical, &value, &name);
  if (out_name != NULL)
    *out_name = name;
  if (res != FIELD_FOUND)
    return res;
  return get_text (imp, &value, name, numbers_too, out);
}

static FieldResult
get_named_text (Importer          *imp,
                const Fields      *object,
                const char        *name,
                gboolean           numbers_too,
                char             **out)
{
  MtJsonValue value;

  *out = NULL;
  if (!fields_get (object, name, &value))
    return FIELD_ABSENT;
  return get_text (imp, &value, name, numbers_too, out);
}

static FieldResult
get_named_number (Importer          *imp,
                  const Fields      *object,
                  const char        *name,
                  double            *out)
{
  MtJsonValue value;

  if (!fields_get (object, name, &value) || value.type == MT_JSON_NULL)
    return FIELD_ABSENT;
  if (value.type != MT_JSON_NUMBER || !mt_json_value_get_double (&value, out))
    {
      report_type (imp, name, _("a number"), &value);
      return FIELD_BAD;
    }
  return FIELD_FOUND;
}

static FieldResult
get_named_int (Importer          *imp,
               const Fields      *object,
               const char        *name,
               gint64            *out)
{
  MtJsonValue value;

  if (!fields_get (object, name, &value) || value.type == MT_JSON_NULL)
    return FIELD_ABSENT;
  if (value.type != MT_JSON_NUMBER || !mt_json_value_get_int64 (&value, out))
    {
      report_type (imp, name, _("a whole number"), &value);
      return FIELD_BAD;
    }
  return FIELD_FOUND;
}

static gboolean
has_member (const Fields      *object,
            const char        *name,
            MtJsonType         type)
{
  MtJsonValue value;

  return fields_get (object, name, &value) && value.type == type;
}

static gboolean
has_any_member (const Fields       *object,
                const char * const *names)
{
  MtJsonValue value;

  for (guint i = 0; names[i] != NULL; i++)
    if (fields_get (object, names[i], &value) && value.type != MT_JSON_NULL)
      return TRUE;
  return FALSE;
}

static gboolean
has_canonical (Importer          *imp,
               const Fields      *object,
               const char        *canonical)
{
  MtJsonValue value;
  const char *name;

  return find_field (imp, object, canonical, &value, &name) == FIELD_FOUND;
}

static gboolean
record_kind (Importer          *imp,
             const Fields      *object,
             RecordKind        *kind)
{
  if (has_member (object, "formatted_input_prompt", MT_JSON_ARRAY) &&
      has_member (object, "output", MT_JSON_ARRAY))
    *kind = RECORD_PAPER;
  else if (has_member (object, "choices", MT_JSON_ARRAY))
    *kind = RECORD_CHAT;
  else if (has_canonical (imp, object, "reasoning") || has_canonical (imp, object, "completion"))
    *kind = RECORD_TRACE;
  else if (has_canonical (imp, object, "answer") && has_any_member (object, model_fields))
    *kind = RECORD_TRACE;   /* a plain answer with no reasoning, e.g. thinking off */
  else if (has_canonical (imp, object, "problem") ||
           has_member (object, "original_problem", MT_JSON_STRING))
    *kind = RECORD_PROBLEM;
  else
    return FALSE;

  return TRUE;
}

/* Ids: the record's own, else one made from the file name and the record's
 * position, so reloading the same file gives the same ids. */
static char *
default_id (Importer *imp)
{
  return g_strdup_printf ("%s-%u", imp->stem, imp->n_records);
}

static gboolean
id_taken (Importer   *imp,
          GHashTable *ids,
          const char *id,
          gboolean    trace)
{
  if (g_hash_table_contains (ids, id))
    return TRUE;
  if (imp->lab == NULL)
    return FALSE;
  return trace ? mt_lab_lookup_trace (imp->lab, id) != NULL
               : mt_lab_lookup_problem (imp->lab, id) != NULL;
}

static char *
unique_trace_id (Importer   *imp,
                 const char *base)
{
  char *id = g_strdup (base);

  for (guint n = 2; id_taken (imp, imp->trace_ids, id, TRUE); n++)
    {
      g_free (id);
      id = g_strdup_printf ("%s#%u", base, n);
    }

  g_hash_table_add (imp->trace_ids, g_strdup (id));
  return id;
}

static MtDomain
guess_domain (const char *source,
              const char *grader)
{
  g_autofree char *lower = source ? g_ascii_strdown (source, -1) : NULL;

  if (g_strcmp0 (grader, "numeric") == 0)
    return MT_DOMAIN_MATH;
  if (lower == NULL)
    return MT_DOMAIN_OTHER;
  if (strstr (lower, "math") || strstr (lower, "aime") || strstr (lower, "gsm") ||
      strstr (lower, "amc"))
    return MT_DOMAIN_MATH;
  if (strstr (lower, "code") || strstr (lower, "livecodebench"))
    return MT_DOMAIN_CODE;
  return MT_DOMAIN_OTHER;
}

/* GSM8K keeps the worked solution and the final answer in one field, the
 * answer after "#### ". */
static char *
gsm8k_final_answer (const char *answer)
{
  const char *mark = answer ? strstr (answer, "####") : NULL;

  if (mark == NULL)
    return NULL;
  return g_strstrip (g_strdup (mark + 4));
}

static const char *
shape_of_problem (const Fields      *object)
{
  MtJsonValue answer;

  if (has_member (object, "original_problem", MT_JSON_STRING) &&
      has_member (object, "update", MT_JSON_STRING))
    return "update-interrupt";
  if (has_member (object, "unique_id", MT_JSON_STRING) && has_member (object, "solution", MT_JSON_STRING))
    return "math500";
  if (has_member (object, "question", MT_JSON_STRING) &&
      fields_get (object, "answer", &answer) && answer.type == MT_JSON_STRING &&
      g_strstr_len (answer.start, answer.len, "####") != NULL)
    return "gsm8k";
  if (has_member (object, "grader", MT_JSON_STRING))
    return "items";
  if (has_member (object, "url", MT_JSON_STRING) || has_member (object, "solution", MT_JSON_STRING))
    return "aime";
  return "generic";
}

/* Creates (or, for trace records, reuses) the problem a record describes.
 * Returns the problem id, or NULL when the record has none. */
static FieldResult
read_problem (Importer          *imp,
              const Fields      *object,
              gboolean           from_trace,
              char             **out_id)
{
  g_autofree char *id = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *truth = NULL;
  g_autofree char *source = NULL;
  g_autofree char *grader = NULL;
  g_autofree char *update = NULL;
  g_autofree char *original_answer = NULL;
  g_autoptr(MtProblem) problem = NULL;
  const char *shape = from_trace ? NULL : shape_of_problem (object);
  const char *id_name = NULL;
  MtJsonValue value;

  *out_id = NULL;

  if (get_canonical_text (imp, object, "id", TRUE, &id, &id_name) == FIELD_BAD ||
      get_canonical_text (imp, object, "problem", FALSE, &prompt, NULL) == FIELD_BAD ||
      get_canonical_text (imp, object, "truth", TRUE, &truth, NULL) == FIELD_BAD ||
      get_canonical_text (imp, object, "source", FALSE, &source, NULL) == FIELD_BAD ||
      get_named_text (imp, object, "grader", FALSE, &grader) == FIELD_BAD ||
      get_named_text (imp, object, "update", FALSE, &update) == FIELD_BAD ||
      get_named_text (imp, object, "original_answer", TRUE, &original_answer) == FIELD_BAD)
    return FIELD_BAD;

  /* In counting mode strings are not copied; ids still matter for counts. */
  if (id == NULL && fields_get (object, id_name ? id_name : "id", &value) &&
      value.type == MT_JSON_STRING)
    id = mt_json_value_dup_string (&value);

  if (from_trace && !has_canonical (imp, object, "problem") && !has_canonical (imp, object, "truth"))
    {
      /* At most an id: the problem itself comes from another file (--problems). */
      *out_id = g_steal_pointer (&id);
      return *out_id ? FIELD_FOUND : FIELD_ABSENT;
    }

  if (id == NULL)
    id = default_id (imp);

  if (!from_trace)
    {
      imp->problem_shape = shape;
      if (g_strcmp0 (shape, "gsm8k") == 0 && truth != NULL)
        {
          char *final = gsm8k_final_answer (truth);

          g_free (truth);
          truth = final;
        }
    }

  if (id_taken (imp, imp->problem_ids, id, FALSE))
    {
      if (from_trace)
        {
          /* Many traces of one problem: the first record defines it. */
          *out_id = g_steal_pointer (&id);
          return FIELD_FOUND;
        }
      mt_load_report_add_issue (imp->report, imp->line, 0, MT_FORMAT_ERROR_DUPLICATE,
                                _("problem id “%s” is already in the lab"), id);
      return FIELD_BAD;
    }

  g_hash_table_add (imp->problem_ids, g_strdup (id));
  imp->report->n_problems++;
  if (imp->problem_events != NULL)
    {
      ProblemEvent event = { g_strdup (id), imp->line, from_trace };

      event.first_issue = event.end_issue = imp->report->issues->len;

      g_array_append_val (imp->problem_events, event);
    }

  if (!counting_only (imp))
    {
      problem = mt_problem_new (id);
      mt_problem_set_source (problem, source ? source : imp->stem);
      mt_problem_set_grader (problem, grader);

      if (update != NULL && has_member (object, "revised_problem", MT_JSON_STRING))
        {
          /* The Update-Interrupt benchmark: the model first solves the revised
           * problem; the update restores the original, whose answer is the
           * ground truth after the update. */
          g_autofree char *revised = NULL;

          get_named_text (imp, object, "revised_problem", FALSE, &revised);
          mt_problem_set_prompt (problem, revised);
          mt_problem_set_update (problem, update);
          mt_problem_set_update_answer (problem, original_answer);
        }
      else
        {
          mt_problem_set_prompt (problem, prompt);
          mt_problem_set_answer (problem, truth);
        }

      mt_problem_set_domain (problem, guess_domain (source ? source : imp->stem, grader));

      {
        g_autoptr(GPtrArray) accept = g_ptr_array_new_with_free_func (g_free);
        MtJsonValue element, options, synonyms;
        MtJsonIter iter;

        if (fields_get (object, "accept", &value) && value.type == MT_JSON_ARRAY)
          {
            mt_json_iter_init (&iter, &value);
            while (mt_json_iter_next_element (&iter, &element))
              if (element.type == MT_JSON_STRING)
                g_ptr_array_add (accept, mt_json_value_dup_string (&element));
          }

        /* items.json's choice questions list synonyms per option; those of
         * the right option are accepted answers too. */
        if (truth != NULL && fields_get (object, "options", &options) &&
            options.type == MT_JSON_OBJECT && mt_json_object_get (&options, truth, &synonyms) &&
            synonyms.type == MT_JSON_ARRAY)
          {
            mt_json_iter_init (&iter, &synonyms);
            while (mt_json_iter_next_element (&iter, &element))
              if (element.type == MT_JSON_STRING)
                g_ptr_array_add (accept, mt_json_value_dup_string (&element));
          }

        if (accept->len > 0)
          {
            g_ptr_array_add (accept, NULL);
            mt_problem_set_accept (problem, (const char * const *) accept->pdata);
          }
      }

      g_ptr_array_add (imp->problems, g_steal_pointer (&problem));
    }

  *out_id = g_steal_pointer (&id);
  return FIELD_FOUND;
}

static MtFinishReason
parse_finish_reason (const char *text)
{
  if (text == NULL)
    return MT_FINISH_UNKNOWN;
  if (g_str_equal (text, "stop") || g_str_equal (text, "eos") || g_str_equal (text, "end_turn"))
    return MT_FINISH_STOP;
  if (g_str_equal (text, "length") || g_str_equal (text, "max_tokens"))
    return MT_FINISH_LENGTH;
  if (g_str_equal (text, "abort") || g_str_equal (text, "cancelled"))
    return MT_FINISH_CANCELLED;
  if (g_str_equal (text, "error"))
    return MT_FINISH_ERROR;
  return MT_FINISH_UNKNOWN;
}

/* Distilled R1 models get "<think>\n" from the chat template, so their
 * output starts inside the thinking block. */
static gboolean
model_starts_inside (const char *model)
{
  g_autofree char *lower = model ? g_ascii_strdown (model, -1) : NULL;

  return lower != NULL && (strstr (lower, "r1-distill") != NULL ||
                           strstr (lower, "deepseek-r1") != NULL ||
                           strstr (lower, "qwq") != NULL);
}

static gint64
parse_created (const char *text)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL)
    return 0;
  dt = g_date_time_new_from_iso8601 (text, utc);
  return dt ? g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt) : 0;
}

/* Sampling, usage, timing: all optional, all type-checked. */
static gboolean
read_trace_details (Importer          *imp,
                    const Fields      *object,
                    MtTrace           *trace)
{
  MtSampling sampling;
  gint64 prompt_tokens = -1, completion_tokens = -1, reasoning_tokens = -1, n;
  double d;
  g_autofree char *created = NULL;
  g_autofree char *finish = NULL;
  MtJsonValue value;

  mt_sampling_init (&sampling);

#define NUMBER(name, target) \
  switch (get_named_number (imp, object, name, &d)) \
    { case FIELD_BAD: return FALSE; case FIELD_FOUND: target = d; break; default: break; }
#define INT(name, target) \
  switch (get_named_int (imp, object, name, &n)) \
    { case FIELD_BAD: return FALSE; case FIELD_FOUND: target = n; break; default: break; }

  NUMBER ("temperature", sampling.temperature);
  NUMBER ("top_p", sampling.top_p);
  INT ("top_k", sampling.top_k);
  INT ("max_tokens", sampling.max_tokens);
  INT ("num_predict", sampling.max_tokens);
  INT ("seed", sampling.seed);
  INT ("prompt_tokens", prompt_tokens);
  INT ("prompt_eval_count", prompt_tokens);
  INT ("eval_count", completion_tokens);
  INT ("total_generated_tokens", completion_tokens);
  INT ("completion_tokens", completion_tokens);
  INT ("reasoning_tokens", reasoning_tokens);

#undef NUMBER
#undef INT

  if (fields_get (object, "usage", &value) && value.type == MT_JSON_OBJECT)
    {
      MtJsonValue details;
      Fields usage;

      fields_init (&usage, &value);
      if (get_named_int (imp, &usage, "prompt_tokens", &prompt_tokens) == FIELD_BAD ||
          get_named_int (imp, &usage, "completion_tokens", &completion_tokens) == FIELD_BAD)
        return FALSE;
      if (fields_get (&usage, "completion_tokens_details", &details) &&
          details.type == MT_JSON_OBJECT)
        {
          Fields details_fields;

          fields_init (&details_fields, &details);
          if (get_named_int (imp, &details_fields, "reasoning_tokens",
                             &reasoning_tokens) == FIELD_BAD)
            return FALSE;
        }
    }

  /* Some exporters write 0 for "not reported". */
  if (reasoning_tokens == 0 && completion_tokens > 0)
    reasoning_tokens = -1;

  if (get_named_text (imp, object, "finish_reason", FALSE, &finish) == FIELD_BAD ||
      (finish == NULL && get_named_text (imp, object, "done_reason", FALSE, &finish) == FIELD_BAD) ||
      (finish == NULL && get_named_text (imp, object, "stop_reason", FALSE, &finish) == FIELD_BAD))
    return FALSE;

  if (fields_get (object, "timestamp", &value) && value.type == MT_JSON_STRING)
    created = mt_json_value_dup_string (&value);
  else if (fields_get (object, "created_at", &value) && value.type == MT_JSON_STRING)
    created = mt_json_value_dup_string (&value);

  if (trace == NULL)
    return TRUE;

  mt_trace_set_sampling (trace, &sampling);
  mt_trace_set_usage (trace, prompt_tokens, completion_tokens, reasoning_tokens);
  mt_trace_set_finish_reason (trace, parse_finish_reason (finish));
  mt_trace_set_created (trace, parse_created (created));

  if (fields_get (object, "created", &value) && value.type == MT_JSON_NUMBER &&
      mt_json_value_get_int64 (&value, &n))
    mt_trace_set_created (trace, n * G_USEC_PER_SEC);

  return TRUE;
}

/* Splits @text and stores the result on @trace, learning from the file as
 * it goes: once one record shows output starting inside the thinking block,
 * later records of the file are read the same way (so a record cut at the
 * token cap, with no close tag at all, is still all reasoning). */
/* Outputs decoded with special tokens (the paper's vLLM runs) end in the
 * family's end-of-turn token: not part of the answer, but proof the model
 * stopped by itself. Returns the answer without it. */
static const char *end_of_turn_tokens[] = {
  "<|im_end|>", "<|endoftext|>", "<|return|>", "<|end|>", "<|eot_id|>", "</s>",
  /* DeepSeek's "<｜end▁of▁sentence｜>", spelled out so no escape runs on */
  "<\xef\xbd\x9c" "end\xe2\x96\x81" "of\xe2\x96\x81" "sentence\xef\xbd\x9c>",
};

static char *
strip_end_of_turn (const char *answer,
                   gboolean   *stripped)
{
  g_autofree char *text = g_strdup (answer ? answer : "");

  *stripped = FALSE;
  g_strchomp (text);
  for (guint i = 0; i < G_N_ELEMENTS (end_of_turn_tokens); i++)
    {
      if (g_str_has_suffix (text, end_of_turn_tokens[i]))
        {
          text[strlen (text) - strlen (end_of_turn_tokens[i])] = '\0';
          *stripped = TRUE;
          break;
        }
    }

  return g_strchomp (g_steal_pointer (&text));
}

static void
set_split (MtTrace            *trace,
           const MtThinkSplit *split)
{
  g_autofree char *answer = NULL;
  gboolean stripped;

  answer = strip_end_of_turn (split->answer, &stripped);
  mt_trace_set_reasoning (trace, split->reasoning);
  mt_trace_set_answer (trace, answer);
  if (stripped)
    {
      g_autofree char *note = g_strdup_printf (_("%s; end-of-turn token removed from the answer"),
                                               split->note);

      mt_trace_set_split (trace, split->style, note);
      if (mt_trace_get_finish_reason (trace) == MT_FINISH_UNKNOWN)
        mt_trace_set_finish_reason (trace, MT_FINISH_STOP);
    }
  else
    mt_trace_set_split (trace, split->style, split->note);

  if (!split->closed && mt_trace_get_finish_reason (trace) == MT_FINISH_UNKNOWN)
    mt_trace_set_finish_reason (trace, MT_FINISH_LENGTH);
}

static void
apply_split (Importer   *imp,
             MtTrace    *trace,
             const char *text,
             const char *model)
{
  g_autoptr(MtThinkSplit) split = NULL;
  MtThinkFlags flags = MT_THINK_FLAGS_NONE;

  if (imp->starts_inside || model_starts_inside (model))
    flags |= MT_THINK_FLAGS_STARTS_INSIDE;

  split = mt_think_split (text, -1, flags);
  if (split->style == MT_THINK_STYLE_MISSING_OPENER && split->closed)
    imp->starts_inside = TRUE;

  set_split (trace, split);
}

static gboolean
import_trace (Importer          *imp,
              const Fields      *object)
{
  g_autofree char *problem_id = NULL;
  g_autofree char *reasoning = NULL;
  g_autofree char *completion = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *model = NULL;
  g_autofree char *trace_id = NULL;
  g_autofree char *base_id = NULL;
  g_autoptr(MtTrace) trace = NULL;
  const char *reasoning_name = NULL;
  const char *answer_name = NULL;
  FieldResult has_reasoning, has_completion, has_answer;

  if (read_problem (imp, object, TRUE, &problem_id) == FIELD_BAD)
    return FALSE;

  has_reasoning = get_canonical_text (imp, object, "reasoning", FALSE, &reasoning, &reasoning_name);
  has_completion = get_canonical_text (imp, object, "completion", FALSE, &completion, NULL);
  has_answer = get_canonical_text (imp, object, "answer", FALSE, &answer, &answer_name);
  if (has_reasoning == FIELD_BAD || has_completion == FIELD_BAD || has_answer == FIELD_BAD ||
      get_canonical_text (imp, object, "model", FALSE, &model, NULL) == FIELD_BAD)
    return FALSE;

  if (!read_trace_details (imp, object, NULL))
    return FALSE;

  imp->report->n_traces++;
  if (counting_only (imp))
    return TRUE;

  base_id = problem_id ? g_strdup_printf ("%s:%s", imp->stem, problem_id)
                       : g_strdup_printf ("%s:%u", imp->stem, imp->line);
  trace_id = unique_trace_id (imp, base_id);
  trace = mt_trace_new (trace_id);
  mt_trace_set_problem_id (trace, problem_id);
  mt_trace_set_model (trace, model);
  read_trace_details (imp, object, trace);

  if (completion != NULL)
    {
      /* The raw output is the primary evidence; a separate reasoning field,
       * when present too, is someone else's split of the same text. */
      apply_split (imp, trace, completion, model);
    }
  else if (reasoning != NULL && reasoning[0] != '\0')
    {
      g_autofree char *note = g_strdup_printf (_("reasoning from the \"%s\" field, "
                                                 "answer from \"%s\""),
                                               reasoning_name,
                                               answer_name ? answer_name : _("(none)"));

      mt_trace_set_reasoning (trace, reasoning);
      mt_trace_set_answer (trace, answer ? g_strstrip (answer) : "");
      mt_trace_set_split (trace, MT_THINK_STYLE_FIELD, note);
    }
  else
    {
      /* An empty reasoning field (thinking off), or only an answer: the
       * answer may still carry inline think tags. */
      apply_split (imp, trace, answer ? answer : "", model);
    }

  g_ptr_array_add (imp->traces, g_steal_pointer (&trace));
  return TRUE;
}

/* One choice of a chat-completion response; FALSE (reported) on bad types. */
static gboolean
read_choice (Importer           *imp,
             const MtJsonValue  *choice,
             char              **content,
             char              **reasoning,
             char              **finish)
{
  MtJsonValue message;
  Fields choice_fields, message_fields;

  *content = *reasoning = *finish = NULL;

  fields_init (&choice_fields, choice);
  if (!fields_get (&choice_fields, "message", &message) || message.type != MT_JSON_OBJECT)
    {
      mt_load_report_add_issue (imp->report, imp->line, 0, MT_FORMAT_ERROR_MISSING,
                                _("a choice has no \"message\" object"));
      return FALSE;
    }

  fields_init (&message_fields, &message);
  return get_named_text (imp, &message_fields, "content", FALSE, content) != FIELD_BAD &&
         get_named_text (imp, &message_fields, "reasoning_content", FALSE, reasoning) != FIELD_BAD &&
         (*reasoning != NULL ||
          get_named_text (imp, &message_fields, "reasoning", FALSE, reasoning) != FIELD_BAD) &&
         get_named_text (imp, &choice_fields, "finish_reason", FALSE, finish) != FIELD_BAD;
}

/* OpenAI chat-completion responses: one trace per choice. */
static gboolean
import_chat (Importer          *imp,
             const Fields      *object)
{
  g_autofree char *response_id = NULL;
  g_autofree char *model = NULL;
  MtJsonValue choices, choice;
  MtJsonIter iter;
  guint index = 0;

  if (get_named_text (imp, object, "id", FALSE, &response_id) == FIELD_BAD ||
      get_named_text (imp, object, "model", FALSE, &model) == FIELD_BAD)
    return FALSE;

  fields_get (object, "choices", &choices);

  /* Check every choice before adding any, so a bad record adds nothing. */
  mt_json_iter_init (&iter, &choices);
  while (mt_json_iter_next_element (&iter, &choice))
    {
      g_autofree char *content = NULL;
      g_autofree char *reasoning = NULL;
      g_autofree char *finish = NULL;

      if (choice.type != MT_JSON_OBJECT)
        {
          report_type (imp, "choices[]", _("an object"), &choice);
          return FALSE;
        }
      if (!read_choice (imp, &choice, &content, &reasoning, &finish))
        return FALSE;
      index++;
    }

  if (index == 0)
    {
      mt_load_report_add_issue (imp->report, imp->line, 0, MT_FORMAT_ERROR_MISSING,
                                _("\"choices\" is empty: the response holds no completion"));
      return FALSE;
    }

  if (!read_trace_details (imp, object, NULL))
    return FALSE;

  index = 0;
  mt_json_iter_init (&iter, &choices);
  while (mt_json_iter_next_element (&iter, &choice))
    {
      g_autofree char *content = NULL;
      g_autofree char *reasoning = NULL;
      g_autofree char *finish = NULL;
      g_autofree char *base_id = NULL;
      g_autofree char *trace_id = NULL;
      g_autoptr(MtTrace) trace = NULL;

      read_choice (imp, &choice, &content, &reasoning, &finish);

      imp->report->n_traces++;
      if (counting_only (imp))
        continue;

      base_id = g_strdup_printf ("%s:%u", response_id ? response_id : imp->stem,
                                 response_id ? index : imp->line);
      trace_id = unique_trace_id (imp, base_id);
      trace = mt_trace_new (trace_id);
      mt_trace_set_model (trace, model);
      read_trace_details (imp, object, trace);
      mt_trace_set_finish_reason (trace, parse_finish_reason (finish));

      if (reasoning != NULL)
        {
          mt_trace_set_reasoning (trace, reasoning);
          mt_trace_set_answer (trace, content ? g_strstrip (content) : "");
          mt_trace_set_split (trace, MT_THINK_STYLE_FIELD,
                              _("reasoning from message.reasoning_content, "
                                "answer from message.content"));
        }
      else
        apply_split (imp, trace, content ? content : "", model);

      g_ptr_array_add (imp->traces, g_steal_pointer (&trace));
      index++;
    }

  return TRUE;
}

/* The paper's injected texts (mt-interrupt-texts.h), used to recognise which
 * interrupt made each round of the paper's output. Where one text starts
 * another, the longer comes first. */
static const struct {
  const char      *text;
  MtInterruptKind  kind;
} paper_interrupts[] = {
  { mt_interrupt_text_force_answer, MT_INTERRUPT_FORCE_ANSWER },
  { mt_interrupt_text_hard, MT_INTERRUPT_HARD },
  { mt_interrupt_text_speedup, MT_INTERRUPT_SPEEDUP },
  { mt_interrupt_text_guided_prefix, MT_INTERRUPT_GUIDED_UPDATE },
  { mt_interrupt_text_update_prefix, MT_INTERRUPT_UPDATE },
};

static gboolean
kind_closes_thinking (MtInterruptKind kind)
{
  return kind == MT_INTERRUPT_HARD || kind == MT_INTERRUPT_FORCE_ANSWER;
}

/* Where the injected interrupt starts in the text a round added to the
 * prompt, and which kind it is; the last occurrence wins, since the kept
 * reasoning comes first. */
static void
find_paper_interrupt (const char      *added,
                      MtInterruptKind *kind,
                      const char     **start)
{
  *kind = MT_INTERRUPT_CUSTOM;
  *start = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (paper_interrupts); i++)
    {
      const char *found = g_strrstr (added, paper_interrupts[i].text);

      if (found == NULL)
        continue;

      *kind = paper_interrupts[i].kind;
      *start = found;
      /* The update-and-hurry variant shares the guided prefix; its suffix differs. */
      if (*kind == MT_INTERRUPT_GUIDED_UPDATE &&
          strstr (found, mt_interrupt_text_update_speedup_suffix) != NULL)
        *kind = MT_INTERRUPT_UPDATE_SPEEDUP;
      return;
    }
}

static gboolean
import_paper (Importer          *imp,
              const Fields      *object)
{
  g_autofree char *problem_id = NULL;
  g_autofree char *model = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GPtrArray) prompts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(MtTrace) previous = NULL;
  MtJsonValue array, element, metadata;
  MtJsonIter iter;
  gint64 total_reasoning = -1;

  if (read_problem (imp, object, FALSE, &problem_id) == FIELD_BAD)
    return FALSE;
  /* read_problem counted a problem; the paper's record is its oracle too. */
  if (get_canonical_text (imp, object, "model", FALSE, &model, NULL) == FIELD_BAD)
    return FALSE;

  fields_get (object, "formatted_input_prompt", &array);
  mt_json_iter_init (&iter, &array);
  while (mt_json_iter_next_element (&iter, &element))
    {
      if (element.type != MT_JSON_STRING)
        {
          report_type (imp, "formatted_input_prompt[]", _("a string"), &element);
          return FALSE;
        }
      g_ptr_array_add (prompts, mt_json_value_dup_string (&element));
    }

  fields_get (object, "output", &array);
  mt_json_iter_init (&iter, &array);
  while (mt_json_iter_next_element (&iter, &element))
    {
      if (element.type != MT_JSON_STRING)
        {
          report_type (imp, "output[]", _("a string"), &element);
          return FALSE;
        }
      g_ptr_array_add (outputs, mt_json_value_dup_string (&element));
    }

  if (outputs->len == 0 || prompts->len != outputs->len)
    {
      mt_load_report_add_issue (imp->report, imp->line, 0, MT_FORMAT_ERROR_MISSING,
                                _("\"output\" has %u entries and \"formatted_input_prompt\" %u: "
                                  "each round needs one of each"),
                                outputs->len, prompts->len);
      return FALSE;
    }

  if (fields_get (object, "metadata", &metadata) && metadata.type == MT_JSON_ARRAY)
    {
      MtJsonValue first;

      mt_json_iter_init (&iter, &metadata);
      if (mt_json_iter_next_element (&iter, &first) && first.type == MT_JSON_OBJECT)
        {
          Fields first_fields;

          fields_init (&first_fields, &first);
          if (get_named_int (imp, &first_fields, "total_reasoning_length",
                             &total_reasoning) == FIELD_BAD)
            return FALSE;
        }
    }

  imp->report->n_traces++;
  imp->report->n_branches += outputs->len - 1;
  if (counting_only (imp))
    return TRUE;

  key = problem_id ? g_strdup (problem_id) : g_strdup_printf ("%u", imp->line);

  for (guint round = 0; round < outputs->len; round++)
    {
      const char *prompt = g_ptr_array_index (prompts, round);
      const char *output = g_ptr_array_index (outputs, round);
      g_autofree char *base_id = NULL;
      g_autofree char *trace_id = NULL;
      g_autoptr(MtTrace) trace = NULL;

      /* The oracle is "file:problem"; round n's branch "file:problem/n". */
      if (round == 0)
        base_id = g_strdup_printf ("%s:%s", imp->stem, key);
      else
        base_id = g_strdup_printf ("%s:%s/%u", imp->stem, key, round);
      trace_id = unique_trace_id (imp, base_id);

      if (round == 0)
        {
          trace = mt_trace_new (trace_id);
          mt_trace_set_model (trace, model);
          mt_trace_set_prompt (trace, prompt);
          mt_trace_set_problem_id (trace, problem_id);
          apply_split (imp, trace, output, model);
          if (total_reasoning >= 0)
            mt_trace_set_usage (trace, -1, -1, total_reasoning);
        }
      else
        {
          const char *previous_prompt = g_ptr_array_index (prompts, round - 1);
          const char *added = g_str_has_prefix (prompt, previous_prompt)
                              ? prompt + strlen (previous_prompt) : prompt;
          const char *parent_reasoning = mt_trace_get_reasoning (previous);
          g_autoptr(MtInterrupt) interrupt = NULL;
          g_autoptr(MtThinkSplit) split = NULL;
          MtInterruptKind kind;
          const char *injected;
          gsize kept_bytes;
          guint kept_tokens, total_tokens;

          find_paper_interrupt (added, &kind, &injected);
          if (injected == NULL)
            injected = added + strlen (added);

          /* What was kept of the parent's reasoning: the added text up to the
           * interrupt, less the opening tag the paper re-inserts. */
          kept_bytes = injected - added;
          if (g_str_has_prefix (added, "<think>\n"))
            kept_bytes = kept_bytes >= 8 ? kept_bytes - 8 : 0;
          kept_tokens = mt_count_tokens_approx (injected - kept_bytes, kept_bytes);
          total_tokens = mt_count_tokens_approx (parent_reasoning, -1);

          interrupt = mt_interrupt_new (kind, kept_tokens,
                                        total_tokens > 0 ? (double) kept_tokens / total_tokens : 0.0);
          mt_interrupt_set_text (interrupt, injected);

          trace = MT_TRACE (mt_branch_new (trace_id, mt_trace_get_id (previous), interrupt));
          mt_trace_set_model (trace, model);
          mt_trace_set_prompt (trace, prompt);
          mt_trace_set_problem_id (trace, problem_id);

          /* After a hard interrupt the prompt closed the thinking block, so
           * the continuation is all answer; otherwise it is still thinking. */
          split = mt_think_split (output, -1, kind_closes_thinking (kind)
                                              ? MT_THINK_FLAGS_NONE
                                              : MT_THINK_FLAGS_STARTS_INSIDE);
          set_split (trace, split);
        }

      g_ptr_array_add (imp->traces, g_object_ref (trace));
      g_set_object (&previous, trace);
    }

  return TRUE;
}

static const char *kind_names[N_RECORD_KINDS] = { "traces", "paper", "chat-completion", "problems" };

static void
import_record (Importer          *imp,
               const MtJsonValue *value)
{
  Fields fields;
  const Fields *record = &fields;
  RecordKind kind;
  gboolean ok = FALSE;
  guint n_events;
  guint n_traces;
  guint n_branches;

  imp->n_records++;

  if (value->type != MT_JSON_OBJECT)
    {
      mt_load_report_add_issue (imp->report, imp->line, 0, MT_FORMAT_ERROR_TYPE,
                                _("expected an object for a record, found %s"),
                                _(mt_json_type_describe (value->type)));
      imp->report->n_skipped++;
      return;
    }

  fields_init (&fields, value);

  if (!record_kind (imp, record, &kind))
    {
      mt_load_report_add_issue (imp->report, imp->line, 0, MT_FORMAT_ERROR_MISSING,
                                _("no reasoning, completion or problem field in this record; "
                                  "name the fields with a field map, e.g. --map reasoning=FIELD"));
      imp->report->n_skipped++;
      return;
    }

  n_events = imp->problem_events != NULL ? imp->problem_events->len : 0;
  n_traces = imp->report->n_traces;
  n_branches = imp->report->n_branches;

  switch (kind)
    {
    case RECORD_TRACE:
      ok = import_trace (imp, record);
      break;

    case RECORD_PAPER:
      ok = import_paper (imp, record);
      break;

    case RECORD_CHAT:
      ok = import_chat (imp, record);
      break;

    case RECORD_PROBLEM:
      {
        g_autofree char *id = NULL;

        ok = read_problem (imp, record, FALSE, &id) == FIELD_FOUND;
      }
      break;

    case N_RECORD_KINDS:
    default:
      g_assert_not_reached ();
    }

  if (ok)
    imp->kind_counts[kind]++;
  else
    imp->report->n_skipped++;

  for (guint i = n_events; imp->problem_events != NULL && i < imp->problem_events->len; i++)
    {
      ProblemEvent *event = &g_array_index (imp->problem_events, ProblemEvent, i);

      event->counted = ok;
      event->kind = kind;
      event->n_traces = imp->report->n_traces - n_traces;
      event->n_branches = imp->report->n_branches - n_branches;
      event->end_issue = imp->report->issues->len;
    }
}

static guint
count_lines (const char *start,
             const char *end)
{
  guint n = 0;

  while (start < end && (start = memchr (start, '\n', end - start)) != NULL)
    {
      n++;
      start++;
    }
  return n;
}

static void
report_syntax (Importer   *imp,
               const char *line_start,
               gsize       error_offset,
               const char *message)
{
  MtFormatError code = strstr (message, "UTF-8") ? MT_FORMAT_ERROR_ENCODING : MT_FORMAT_ERROR_SYNTAX;
  guint extra_lines = count_lines (line_start, line_start + error_offset);
  const char *error_at = line_start + error_offset;
  const char *column_start = line_start;

  if (extra_lines > 0)
    {
      for (const char *p = error_at; p > line_start; p--)
        if (p[-1] == '\n')
          {
            column_start = p;
            break;
          }
    }

  mt_load_report_add_issue (imp->report, imp->line + extra_lines,
                            (guint) (error_at - column_start) + 1, code, "%s", _(message));
}

static gboolean
is_blank (const char *p,
          const char *end)
{
  for (; p < end; p++)
    if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
      return FALSE;
  return TRUE;
}

static void
import_lines (Importer     *imp,
              const char   *start,
              const char   *end,
              GCancellable *cancellable)
{
  const char *p = start;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl ? nl : end;
      MtJsonValue record;
      gsize error_offset;
      const char *message;

      imp->line++;

      if ((imp->line & 1023) == 0 && g_cancellable_is_cancelled (cancellable))
        return;

      if (!is_blank (p, line_end))
        {
          if (mt_json_validate (p, line_end - p, &record, &error_offset, &message))
            {
              import_record (imp, &record);
              flush_batch (imp, FALSE);
            }
          else
            {
              imp->n_records++;
              imp->report->n_skipped++;
              if (nl == NULL && p > imp->data)
                mt_load_report_add_issue (imp->report, imp->line, 0, MT_FORMAT_ERROR_TORN,
                                          _("the last line is cut short (%s); it was skipped"),
                                          _(message));
              else
                report_syntax (imp, p, error_offset, message);
            }
        }

      p = line_end + 1;
    }
}

/* Counting (`info`) on a big file runs the second half of the lines on a
 * second core. The halves meet where problem ids repeat across them: what a
 * single pass would have reported as a duplicate, or shared, is settled when
 * the halves are merged, so the report equals the one a single pass gives. */
#define PARALLEL_COUNT_MIN_BYTES (16 * 1024 * 1024)

static gsize parallel_count_min_bytes = PARALLEL_COUNT_MIN_BYTES;

void
_mt_import_set_parallel_count_threshold (gsize bytes)
{
  parallel_count_min_bytes = bytes;
}

typedef struct
{
  Importer      imp;
  const char   *start;
  const char   *end;
  GCancellable *cancellable;
} CountHalf;

static gpointer
count_half_thread (gpointer data)
{
  CountHalf *half = data;

  import_lines (&half->imp, half->start, half->end, half->cancellable);
  return NULL;
}

static int
compare_issue_lines (gconstpointer a,
                     gconstpointer b)
{
  const MtLoadIssue *ia = *(const MtLoadIssue * const *) a;
  const MtLoadIssue *ib = *(const MtLoadIssue * const *) b;

  return (ia->line > ib->line) - (ia->line < ib->line);
}

/* The records import_lines() sees in [@start, @end): its lines that are
 * not blank. */
static guint
count_records (const char *start,
               const char *end)
{
  guint n = 0;

  for (const char *p = start; p < end;)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl ? nl : end;

      n += !is_blank (p, line_end);
      p = line_end + 1;
    }

  return n;
}

static void
count_lines_in_parallel (Importer     *imp,
                         GCancellable *cancellable)
{
  const char *end = imp->data + imp->len;
  const char *half_way = imp->data + imp->len / 2;
  const char *middle = memchr (half_way, '\n', end - half_way);
  g_autoptr(MtLoadReport) second_report = NULL;
  CountHalf second = { 0 };
  g_autofree gboolean *dropped = NULL;
  GThread *thread;
  guint first_records;
  guint n_issues;

  if (middle == NULL || middle + 1 >= end)
    {
      import_lines (imp, imp->data, end, cancellable);
      return;
    }
  middle++;

  second_report = mt_load_report_new (imp->report->path);
  second.imp = *imp;
  second.imp.report = second_report;
  second.imp.problem_shape = NULL;
  /* Records are numbered on from the first half's, as in a single pass:
   * ids made up for records without one carry the number. */
  first_records = count_records (imp->data, middle);
  second.imp.n_records = first_records;
  second.imp.stem = g_strdup (imp->stem);
  second.imp.problem_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  second.imp.trace_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  second.imp.problem_events = g_array_new (FALSE, FALSE, sizeof (ProblemEvent));
  g_array_set_clear_func (second.imp.problem_events, (GDestroyNotify) problem_event_clear);
  second.start = middle;
  second.end = end;
  second.cancellable = cancellable;

  thread = g_thread_new ("mt-count", count_half_thread, &second);
  import_lines (imp, imp->data, middle, cancellable);
  g_thread_join (thread);

  /* Lines of the second half count on from the first. */
  for (guint i = 0; i < second_report->issues->len; i++)
    ((MtLoadIssue *) g_ptr_array_index (second_report->issues, i))->line += imp->line;

  imp->report->n_problems += second_report->n_problems;
  imp->report->n_traces += second_report->n_traces;
  imp->report->n_branches += second_report->n_branches;
  imp->report->n_skipped += second_report->n_skipped;
  imp->n_records += second.imp.n_records - first_records;
  for (guint i = 0; i < N_RECORD_KINDS; i++)
    imp->kind_counts[i] += second.imp.kind_counts[i];
  /* A single pass names the shape of the last problem record. */
  if (second.imp.problem_shape != NULL)
    imp->problem_shape = second.imp.problem_shape;

  n_issues = second_report->issues->len;
  dropped = g_new0 (gboolean, n_issues + 1);
  for (guint i = 0; i < second.imp.problem_events->len; i++)
    {
      const ProblemEvent *event = &g_array_index (second.imp.problem_events, ProblemEvent, i);

      if (!g_hash_table_contains (imp->problem_ids, event->id))
        continue;

      /* The first half made this problem: a trace shares it; a record of
       * its own repeats it, and a single pass would have skipped all of
       * that record for it, with this one issue. */
      imp->report->n_problems--;
      if (!event->from_trace)
        {
          imp->report->n_traces -= event->n_traces;
          imp->report->n_branches -= event->n_branches;
          if (event->counted)
            {
              imp->report->n_skipped++;
              imp->kind_counts[event->kind]--;
            }
          for (guint j = event->first_issue; j < event->end_issue && j < n_issues; j++)
            dropped[j] = TRUE;
          mt_load_report_add_issue (second_report, event->line + imp->line, 0,
                                    MT_FORMAT_ERROR_DUPLICATE,
                                    _("problem id “%s” is already in the lab"), event->id);
        }
    }

  /* The dropped issues stay behind, to be freed with the second report. */
  for (guint i = 0, j = 0, n = second_report->issues->len; i < n; i++)
    if (i < n_issues && dropped[i])
      j++;
    else
      g_ptr_array_add (imp->report->issues, g_ptr_array_steal_index (second_report->issues, j));
  /* g_ptr_array_sort() is stable: issues of one line keep their order. */
  g_ptr_array_sort (imp->report->issues, compare_issue_lines);

  imp->line += second.imp.line;
  g_clear_pointer (&second.imp.problem_events, g_array_unref);
  importer_clear (&second.imp);
}


static void
import_array (Importer          *imp,
              const MtJsonValue *array,
              GCancellable      *cancellable)
{
  const char *line_start = imp->data;
  MtJsonValue element;
  MtJsonIter iter;
  guint line = 1;

  mt_json_iter_init (&iter, array);
  while (mt_json_iter_next_element (&iter, &element))
    {
      line += count_lines (line_start, element.start);
      line_start = element.start;
      imp->line = line;

      if (g_cancellable_is_cancelled (cancellable))
        return;

      import_record (imp, &element);
      flush_batch (imp, FALSE);
    }
}

/* Whole-file JSON: an array of records, an object wrapping one, or a single
 * record (a chat-completion response, say). */
static void
import_document (Importer          *imp,
                 const MtJsonValue *root,
                 GCancellable      *cancellable)
{
  static const char *wrappers[] = { "data", "records", "rows", "items", "traces", "problems", NULL };

  if (root->type == MT_JSON_ARRAY)
    {
      import_array (imp, root, cancellable);
      return;
    }

  for (guint i = 0; wrappers[i] != NULL; i++)
    {
      MtJsonValue inner;

      if (mt_json_object_get (root, wrappers[i], &inner) && inner.type == MT_JSON_ARRAY)
        {
          import_array (imp, &inner, cancellable);
          return;
        }
    }

  imp->line = 1 + count_lines (imp->data, root->start);
  import_record (imp, root);
}

static gboolean
first_line_is_lab_header (const char *data,
                          gsize       len)
{
  const char *nl = memchr (data, '\n', len);
  gsize line_len = nl ? (gsize) (nl - data) : len;
  MtJsonValue header, value;
  gsize error_offset;
  const char *message;

  return mt_json_validate (data, line_len, &header, &error_offset, &message) &&
         header.type == MT_JSON_OBJECT &&
         mt_json_object_get (&header, "midthought", &value);
}

static const char *
dominant_format (Importer *imp)
{
  guint best = 0;

  for (guint i = 1; i < N_RECORD_KINDS; i++)
    if (imp->kind_counts[i] > imp->kind_counts[best])
      best = i;

  if (imp->kind_counts[best] == 0)
    return "unknown";
  return kind_names[best];
}

typedef struct
{
  void  *addr;
  gsize  len;
} Mapping;

static void
mapping_free (Mapping *mapping)
{
  if (mapping->len > 0)
    munmap (mapping->addr, mapping->len);
  g_free (mapping);
}

/* Maps the whole file and faults it in at once: touching a quarter of a
 * gigabyte page by page costs more than reading it (bench/info.sh). */
static GBytes *
map_file (const char  *path,
          GError     **error)
{
  Mapping *mapping;
  struct stat st;
  int flags = MAP_PRIVATE;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO,
                   _("Could not open “%s”: %s"), path, g_strerror (saved_errno));
      return NULL;
    }

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      int saved_errno = errno;

      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO,
                   _("Could not read “%s”: %s"), path,
                   S_ISDIR (st.st_mode) ? _("it is a folder") :
                   !S_ISREG (st.st_mode) ? _("it is not a regular file")
                                         : g_strerror (saved_errno));
      close (fd);
      return NULL;
    }

  mapping = g_new0 (Mapping, 1);
  mapping->len = st.st_size;
  if (mapping->len > 0)
    {
#ifdef MAP_POPULATE
      flags |= MAP_POPULATE;
#endif
      mapping->addr = mmap (NULL, mapping->len, PROT_READ, flags, fd, 0);
      if (mapping->addr == MAP_FAILED)
        {
          int saved_errno = errno;

          g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO,
                       _("Could not read “%s”: %s"), path, g_strerror (saved_errno));
          close (fd);
          mapping->len = 0;
          mapping_free (mapping);
          return NULL;
        }
    }
  close (fd);

  return g_bytes_new_with_free_func (mapping->addr, mapping->len,
                                     (GDestroyNotify) mapping_free, mapping);
}

static gboolean
import_file (MtLab             *lab,
             const char        *path,
             const MtFieldMap  *map,
             guint              batch_size,
             MtImportBatchFunc  batch_func,
             gpointer           batch_data,
             MtLoadReport      *report,
             GCancellable      *cancellable,
             GError           **error)
{
  g_autoptr(GBytes) mapped = NULL;
  g_autofree char *basename = NULL;
  Importer imp = { 0 };
  MtJsonValue root;
  gsize error_offset;
  const char *message;
  const char *data;
  gsize len;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO,
                   _("“%s” is a folder; choose a trace or lab file inside it"), path);
      return FALSE;
    }

  mapped = map_file (path, error);
  if (mapped == NULL)
    return FALSE;

  data = g_bytes_get_data (mapped, &len);

  /* A UTF-8 byte order mark is harmless; skip it. */
  if (len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      len -= 3;
    }

  if (data == NULL || is_blank (data, data + len))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_EMPTY,
                   _("“%s” is empty: there is nothing to import"), path);
      return FALSE;
    }

  if (first_line_is_lab_header (data, len))
    {
      g_autoptr(MtLab) scratch = lab ? NULL : mt_lab_new ();

      g_clear_pointer (&mapped, g_bytes_unref);
      if (!mt_lab_file_load (lab ? lab : scratch, path, report, cancellable, error))
        return FALSE;

      /* A lab file links within itself: it goes out as one batch. */
      if (batch_func != NULL)
        {
          GListModel *models[] = { mt_lab_get_problems (scratch), mt_lab_get_traces (scratch) };
          GPtrArray *arrays[2];

          for (guint m = 0; m < 2; m++)
            {
              guint n = g_list_model_get_n_items (models[m]);

              arrays[m] = g_ptr_array_new_full (n, g_object_unref);
              for (guint i = 0; i < n; i++)
                g_ptr_array_add (arrays[m], g_list_model_get_item (models[m], i));
            }
          batch_func (arrays[0], arrays[1], batch_data);
          g_ptr_array_unref (arrays[0]);
          g_ptr_array_unref (arrays[1]);
        }

      return TRUE;
    }

  basename = g_path_get_basename (path);
  imp.stem = g_strndup (basename, strcspn (basename, "."));
  imp.lab = lab;
  imp.map = map;
  imp.report = report;
  imp.data = data;
  imp.len = len;
  imp.problem_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp.trace_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  imp.batch_func = batch_func;
  imp.batch_data = batch_data;
  imp.batch_size = MAX (batch_size, 1);
  if (lab != NULL || batch_func != NULL)
    {
      imp.problems = g_ptr_array_new_with_free_func (g_object_unref);
      imp.traces = g_ptr_array_new_with_free_func (g_object_unref);
    }

  /* JSON Lines unless the whole file is one JSON document: a first line that
   * is a complete value on its own means one record per line. */
  {
    const char *nl = memchr (data, '\n', len);
    gboolean one_line = nl == NULL || is_blank (nl, data + len);
    gboolean first_line_valid = mt_json_validate (data, nl ? (gsize) (nl - data) : len,
                                                  &root, &error_offset, &message);

    if ((!first_line_valid || one_line) &&
        mt_json_validate (data, len, &root, &error_offset, &message))
      import_document (&imp, &root, cancellable);
    else if (counting_only (&imp) && len >= parallel_count_min_bytes)
      count_lines_in_parallel (&imp, cancellable);
    else
      import_lines (&imp, data, data + len, cancellable);
  }

  g_free (report->format);
  if (g_strcmp0 (dominant_format (&imp), "problems") == 0 && imp.problem_shape != NULL)
    report->format = g_strdup_printf ("problems/%s", imp.problem_shape);
  else
    report->format = g_strdup (dominant_format (&imp));

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      importer_clear (&imp);
      return FALSE;
    }

  if (lab != NULL)
    {
      g_autoptr(GPtrArray) rejected = g_ptr_array_new_with_free_func (g_object_unref);

      mt_lab_add_all (lab, imp.problems, imp.traces, rejected);
      /* Ids were checked against the lab while reading, so nothing is
       * rejected here unless the lab changed under us. */
      g_warn_if_fail (rejected->len == 0);
      mt_lab_link (lab);
    }
  flush_batch (&imp, TRUE);

  if (imp.n_records > 0 && imp.n_records == report->n_skipped && report->issues->len > 0)
    {
      const MtLoadIssue *first = g_ptr_array_index (report->issues, 0);
      g_autofree char *where = mt_load_issue_to_string (report, first);

      g_set_error (error, MT_FORMAT_ERROR,
                   first->code == MT_FORMAT_ERROR_SYNTAX ? MT_FORMAT_ERROR_UNKNOWN_FORMAT : first->code,
                   _("Nothing in “%s” could be read as traces or problems (%u lines skipped; "
                     "first: %s)"), path, report->n_skipped, where);
      importer_clear (&imp);
      return FALSE;
    }

  importer_clear (&imp);
  return TRUE;
}

gboolean
mt_import_file (MtLab             *lab,
                const char        *path,
                const MtFieldMap  *map,
                MtLoadReport      *report,
                GCancellable      *cancellable,
                GError           **error)
{
  g_return_val_if_fail (!lab || MT_IS_LAB (lab), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  return import_file (lab, path, map, 0, NULL, NULL, report, cancellable, error);
}

gboolean
mt_import_file_batched (const char         *path,
                        const MtFieldMap   *map,
                        guint               batch_size,
                        MtImportBatchFunc   func,
                        gpointer            user_data,
                        MtLoadReport       *report,
                        GCancellable       *cancellable,
                        GError            **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  return import_file (NULL, path, map, batch_size, func, user_data, report, cancellable, error);
}
