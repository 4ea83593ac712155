/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "mt-core-resources.h"
#include "mt-family.h"
#include "mt-format.h"

#define BUILTIN_PATH "/io/github/midthought/Midthought/core/families/"
#define FALLBACK_NAME "chatml"

struct _MtFamily
{
  GObject     parent_instance;

  char       *name;
  char       *title;
  char       *description;
  GStrv       detect;            /* lower-case substrings of model names */
  int         priority;

  char       *preamble;
  char       *system_turn;
  char       *user_turn;
  char       *assistant_turn;
  char       *generation_prefix;
  char       *problem[MT_DOMAIN_CODE + 1];

  char       *think_open;
  char       *think_close;
  char       *end_of_thinking;
  char       *check_marker;
  char       *check_prefix;

  char       *close_reasoning;
  char       *close_reasoning_force_answer;
  char       *open_close_reasoning;
  char       *user_turn_before;  /* the paper's user turn, split at {content} */
  char       *user_turn_after;

  char       *answer_cue[MT_DOMAIN_CODE + 1];
  char       *end_of_answer;
  MtSampling  sampling;
};

G_DEFINE_FINAL_TYPE (MtFamily, mt_family, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_TITLE,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
mt_family_finalize (GObject *object)
{
  MtFamily *self = (MtFamily *)object;

  g_free (self->name);
  g_free (self->title);
  g_free (self->description);
  g_strfreev (self->detect);
  g_free (self->preamble);
  g_free (self->system_turn);
  g_free (self->user_turn);
  g_free (self->assistant_turn);
  g_free (self->generation_prefix);
  for (guint i = 0; i < G_N_ELEMENTS (self->problem); i++)
    g_free (self->problem[i]);
  g_free (self->think_open);
  g_free (self->think_close);
  g_free (self->end_of_thinking);
  g_free (self->check_marker);
  g_free (self->check_prefix);
  g_free (self->close_reasoning);
  g_free (self->close_reasoning_force_answer);
  g_free (self->open_close_reasoning);
  g_free (self->user_turn_before);
  g_free (self->user_turn_after);
  for (guint i = 0; i < G_N_ELEMENTS (self->answer_cue); i++)
    g_free (self->answer_cue[i]);
  g_free (self->end_of_answer);

  G_OBJECT_CLASS (mt_family_parent_class)->finalize (object);
}

static void
mt_family_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  MtFamily *self = MT_FAMILY (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;

    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mt_family_class_init (MtFamilyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = mt_family_finalize;
  object_class->get_property = mt_family_get_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mt_family_init (MtFamily *self)
{
  mt_sampling_init (&self->sampling);
}

/* Loading */

/* Replaces "{name}" for each of @names with the matching value in one pass,
 * so a value that happens to contain "{problem}" is never expanded again.
 * Any other brace, such as the one in "\\boxed{}", is kept as written. */
static char *
expand (const char         *template,
        const char * const *names,
        const char * const *values)
{
  GString *out = g_string_sized_new (strlen (template) + 64);
  const char *p = template;

  while (*p != '\0')
    {
      const char *brace = strchr (p, '{');
      gboolean replaced = FALSE;

      if (brace == NULL)
        {
          g_string_append (out, p);
          break;
        }

      g_string_append_len (out, p, brace - p);
      for (guint i = 0; names[i] != NULL; i++)
        {
          gsize len = strlen (names[i]);

          if (strncmp (brace + 1, names[i], len) == 0 && brace[1 + len] == '}')
            {
              g_string_append (out, values[i] != NULL ? values[i] : "");
              p = brace + len + 2;
              replaced = TRUE;
              break;
            }
        }

      if (!replaced)
        {
          g_string_append_c (out, '{');
          p = brace + 1;
        }
    }

  return g_string_free (out, FALSE);
}

static char *
expand1 (const char *template,
         const char *name,
         const char *value)
{
  const char *names[] = { name, NULL };
  const char *values[] = { value, NULL };

  return expand (template, names, values);
}

static gboolean
has_placeholder (const char *template,
                 const char *placeholder)
{
  return strstr (template, placeholder) != NULL;
}

/* Reads members of one object, naming the member ("think.open") in errors
 * so the author of a family file knows which line to fix. */
typedef struct
{
  JsonObject *object;
  const char *section;
} Reader;

static JsonNode *
reader_get (const Reader *reader,
            const char   *key)
{
  if (reader->object == NULL)
    return NULL;

  return json_object_get_member (reader->object, key);
}

static char *
reader_path (const Reader *reader,
             const char   *key)
{
  if (reader->section == NULL)
    return g_strdup (key);

  return g_strconcat (reader->section, ".", key, NULL);
}

static gboolean
read_string (const Reader  *reader,
             const char    *key,
             gboolean       required,
             const char    *fallback,
             char         **out,
             GError       **error)
{
  JsonNode *node = reader_get (reader, key);
  g_autofree char *path = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!required)
        {
          *out = g_strdup (fallback);
          return TRUE;
        }

      path = reader_path (reader, key);
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING,
                   _("\"%s\" is missing: every family needs it"), path);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      path = reader_path (reader, key);
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("\"%s\" must be a string"), path);
      return FALSE;
    }

  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* A template must keep its placeholder, or the text meant for it is lost. */
static gboolean
read_template (const Reader  *reader,
               const char    *key,
               gboolean       required,
               const char    *fallback,
               const char    *placeholder,
               char         **out,
               GError       **error)
{
  g_autofree char *path = NULL;

  if (!read_string (reader, key, required, fallback, out, error))
    return FALSE;

  if (*out != NULL && !has_placeholder (*out, placeholder))
    {
      path = reader_path (reader, key);
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("\"%s\" must contain %s"), path, placeholder);
      g_clear_pointer (out, g_free);
      return FALSE;
    }

  return TRUE;
}

static gboolean
read_object (const Reader  *parent,
             const char    *key,
             gboolean       required,
             Reader        *child,
             GError       **error)
{
  JsonNode *node = reader_get (parent, key);

  child->object = NULL;
  child->section = key;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        {
          g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING,
                       _("\"%s\" is missing: every family needs it"), key);
          return FALSE;
        }
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("\"%s\" must be an object"), key);
      return FALSE;
    }

  child->object = json_node_get_object (node);
  return TRUE;
}

static gboolean
read_number (const Reader  *reader,
             const char    *key,
             gboolean       integer,
             double        *out,
             GError       **error)
{
  JsonNode *node = reader_get (reader, key);
  GType type;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type != G_TYPE_INT64 && (integer || type != G_TYPE_DOUBLE))
    {
      g_autofree char *path = reader_path (reader, key);

      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("\"%s\" must be %s"), path, integer ? _("an integer") : _("a number"));
      return FALSE;
    }

  *out = type == G_TYPE_INT64 ? (double) json_node_get_int (node) : json_node_get_double (node);
  return TRUE;
}

static gboolean
valid_name (const char *name)
{
  if (name[0] == '\0')
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-' && *p != '_' && *p != '.')
        return FALSE;
    }

  return TRUE;
}

static gboolean
load_header (MtFamily      *self,
             const Reader  *root,
             GError       **error)
{
  JsonNode *version = reader_get (root, "version");

  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64 || json_node_get_int (version) < 1)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING,
                   _("\"version\" must be a positive integer (this build writes %d)"),
                   MT_FAMILY_FORMAT_VERSION);
      return FALSE;
    }

  if (json_node_get_int (version) > MT_FAMILY_FORMAT_VERSION)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_NEWER_VERSION,
                   _("made for a newer Midthought (family format %" PRId64
                     "; this build reads up to %d)"),
                   json_node_get_int (version), MT_FAMILY_FORMAT_VERSION);
      return FALSE;
    }

  if (!read_string (root, "name", TRUE, NULL, &self->name, error))
    return FALSE;

  if (!valid_name (self->name))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("\"name\" must be lower-case letters, digits, '-', '_' or '.', not \"%s\""),
                   self->name);
      return FALSE;
    }

  return read_string (root, "title", FALSE, self->name, &self->title, error) &&
         read_string (root, "description", FALSE, "", &self->description, error);
}

static gboolean
load_detect (MtFamily      *self,
             const Reader  *root,
             GError       **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  Reader detect;
  JsonNode *contains;
  double priority = 0;

  if (!read_object (root, "detect", FALSE, &detect, error) ||
      !read_number (&detect, "priority", TRUE, &priority, error))
    return FALSE;

  self->priority = (int) CLAMP (priority, G_MININT, G_MAXINT);

  contains = reader_get (&detect, "contains");
  if (contains != NULL && !JSON_NODE_HOLDS_NULL (contains))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (contains))
        {
          g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                       _("\"detect.contains\" must be an array of strings"));
          return FALSE;
        }

      array = json_node_get_array (contains);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          g_autofree char *lower = NULL;

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_STRING ||
              json_node_get_string (element)[0] == '\0')
            {
              g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                           _("\"detect.contains[%u]\" must be a non-empty string"), i);
              return FALSE;
            }

          lower = g_utf8_strdown (json_node_get_string (element), -1);
          g_strv_builder_add (builder, lower);
        }
    }

  self->detect = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
load_template (MtFamily      *self,
               const Reader  *root,
               GError       **error)
{
  static const char * const domain_keys[] = { "other", "math", "code" };
  Reader template, problem;

  G_STATIC_ASSERT (G_N_ELEMENTS (domain_keys) == MT_DOMAIN_CODE + 1);

  if (!read_object (root, "template", TRUE, &template, error) ||
      !read_string (&template, "preamble", FALSE, "", &self->preamble, error) ||
      !read_template (&template, "system", FALSE, "{content}", "{content}",
                      &self->system_turn, error) ||
      !read_template (&template, "user", TRUE, NULL, "{content}", &self->user_turn, error) ||
      !read_template (&template, "assistant", FALSE, "{content}", "{content}",
                      &self->assistant_turn, error) ||
      !read_string (&template, "generation_prefix", TRUE, NULL,
                    &self->generation_prefix, error))
    return FALSE;

  if (!read_object (root, "problem", FALSE, &problem, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (domain_keys); i++)
    {
      if (!read_template (&problem, domain_keys[i], FALSE, "{problem}", "{problem}",
                          &self->problem[i], error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
load_think (MtFamily      *self,
            const Reader  *root,
            GError       **error)
{
  Reader think;

  if (!read_object (root, "think", TRUE, &think, error) ||
      !read_string (&think, "open", TRUE, NULL, &self->think_open, error) ||
      !read_string (&think, "close", TRUE, NULL, &self->think_close, error) ||
      !read_string (&think, "end_of_thinking", FALSE, self->think_close,
                    &self->end_of_thinking, error) ||
      !read_string (&think, "check_marker", FALSE, self->think_open,
                    &self->check_marker, error) ||
      !read_string (&think, "check_prefix", FALSE, self->check_marker,
                    &self->check_prefix, error))
    return FALSE;

  if (self->think_open[0] == '\0' || self->think_close[0] == '\0' ||
      self->check_marker[0] == '\0')
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("\"think.open\", \"think.close\" and \"think.check_marker\" "
                     "must not be empty"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
load_interrupt (MtFamily      *self,
                const Reader  *root,
                GError       **error)
{
  g_autofree char *user_turn = NULL;
  const char *content;
  Reader interrupt;

  if (!read_object (root, "interrupt", TRUE, &interrupt, error) ||
      !read_string (&interrupt, "close_reasoning", TRUE, NULL,
                    &self->close_reasoning, error) ||
      !read_string (&interrupt, "close_reasoning_force_answer", TRUE, NULL,
                    &self->close_reasoning_force_answer, error) ||
      !read_string (&interrupt, "open_close_reasoning", TRUE, NULL,
                    &self->open_close_reasoning, error) ||
      !read_template (&interrupt, "user_turn", TRUE, NULL, "{content}", &user_turn, error))
    return FALSE;

  /* Split once, so rendering knows where the user's words sit. */
  content = strstr (user_turn, "{content}");
  if (strstr (content + 1, "{content}") != NULL)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("\"interrupt.user_turn\" must contain {content} exactly once"));
      return FALSE;
    }

  self->user_turn_before = g_strndup (user_turn, content - user_turn);
  self->user_turn_after = g_strdup (content + strlen ("{content}"));
  return TRUE;
}

static gboolean
load_answer (MtFamily      *self,
             const Reader  *root,
             GError       **error)
{
  Reader cues, sampling;
  double top_k = -1, max_tokens = -1;

  if (!read_object (root, "answer_cues", FALSE, &cues, error) ||
      !read_string (&cues, "math", FALSE, "", &self->answer_cue[MT_DOMAIN_MATH], error) ||
      !read_string (&cues, "code", FALSE, "", &self->answer_cue[MT_DOMAIN_CODE], error) ||
      !read_string (&cues, "other", FALSE, "", &self->answer_cue[MT_DOMAIN_OTHER], error) ||
      !read_string (root, "end_of_answer", FALSE, "", &self->end_of_answer, error))
    return FALSE;

  if (!read_object (root, "sampling", FALSE, &sampling, error) ||
      !read_number (&sampling, "temperature", FALSE, &self->sampling.temperature, error) ||
      !read_number (&sampling, "top_p", FALSE, &self->sampling.top_p, error) ||
      !read_number (&sampling, "top_k", TRUE, &top_k, error) ||
      !read_number (&sampling, "max_tokens", TRUE, &max_tokens, error))
    return FALSE;

  self->sampling.top_k = (gint64) top_k;
  self->sampling.max_tokens = (gint64) max_tokens;
  return TRUE;
}

MtFamily *
mt_family_new_from_data (const char  *data,
                         gssize       length,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(MtFamily) self = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root_node;
  Reader root = { NULL, NULL };

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      /* The parser's message quotes the file, cut at a byte count that can
       * fall inside a character. */
      g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_SYNTAX,
                   _("not valid JSON: %s"), message);
      return NULL;
    }

  root_node = json_parser_get_root (parser);
  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("a family file must hold one JSON object"));
      return NULL;
    }
  root.object = json_node_get_object (root_node);

  self = g_object_new (MT_TYPE_FAMILY, NULL);
  if (!load_header (self, &root, error) ||
      !load_detect (self, &root, error) ||
      !load_template (self, &root, error) ||
      !load_think (self, &root, error) ||
      !load_interrupt (self, &root, error) ||
      !load_answer (self, &root, error))
    return NULL;

  return g_steal_pointer (&self);
}

MtFamily *
mt_family_new_from_file (GFile   *file,
                         GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *where = NULL;
  MtFamily *family;
  gsize length;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  where = g_file_get_parse_name (file);
  if (!g_file_load_contents (file, NULL, &contents, &length, NULL, &local_error))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO,
                   "%s: %s", where, local_error->message);
      return NULL;
    }

  family = mt_family_new_from_data (contents, length, &local_error);
  if (family == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "%s: %s", where, local_error->message);
      return NULL;
    }

  return family;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

const char * const *
mt_family_get_builtin_names (void)
{
  static GStrv names;

  if (g_once_init_enter (&names))
    {
      g_autoptr(GPtrArray) found = g_ptr_array_new ();
      g_auto(GStrv) children = NULL;

      children = g_resource_enumerate_children (mt_core_get_resource (), BUILTIN_PATH,
                                                G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      for (guint i = 0; children != NULL && children[i] != NULL; i++)
        {
          if (g_str_has_suffix (children[i], ".json"))
            g_ptr_array_add (found, g_strndup (children[i], strlen (children[i]) - 5));
        }
      g_ptr_array_sort (found, compare_strings);
      g_ptr_array_add (found, NULL);

      g_once_init_leave (&names, (GStrv) g_ptr_array_free (g_steal_pointer (&found), FALSE));
    }

  return (const char * const *) names;
}

MtFamily *
mt_family_new_builtin (const char *name)
{
  g_autofree char *path = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  MtFamily *family;
  gsize size;
  const char *data;

  g_return_val_if_fail (name != NULL, NULL);

  if (!g_strv_contains (mt_family_get_builtin_names (), name))
    return NULL;

  path = g_strconcat (BUILTIN_PATH, name, ".json", NULL);
  bytes = g_resource_lookup_data (mt_core_get_resource (), path,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  g_assert (bytes != NULL);

  data = g_bytes_get_data (bytes, &size);
  family = mt_family_new_from_data (data, size, &error);
  /* The build ships these files; test-family loads every one. */
  if (family == NULL)
    g_critical ("built-in family %s: %s", name, error->message);

  return family;
}

static int
compare_families (gconstpointer a,
                  gconstpointer b)
{
  MtFamily *family_a = *(MtFamily * const *)a;
  MtFamily *family_b = *(MtFamily * const *)b;

  return strcmp (family_a->name, family_b->name);
}

static void
add_family (GPtrArray *families,
            MtFamily  *family)
{
  for (guint i = 0; i < families->len; i++)
    {
      MtFamily *existing = g_ptr_array_index (families, i);

      if (g_strcmp0 (existing->name, family->name) == 0)
        {
          g_ptr_array_index (families, i) = family;
          g_object_unref (existing);
          return;
        }
    }

  g_ptr_array_add (families, family);
}

static void
load_user_dir (GPtrArray  *families,
               const char *user_dir,
               GPtrArray  *problems)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *entry;

  dir = g_dir_open (user_dir, 0, &error);
  if (dir == NULL)
    {
      /* No directory is the usual case: the user made no family yet. */
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT) && problems != NULL)
        g_ptr_array_add (problems, g_strdup_printf ("%s: %s", user_dir, error->message));
      return;
    }

  /* In name order, so two files of one family resolve the same way every run. */
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_suffix (entry, ".json"))
        g_ptr_array_add (names, g_strdup (entry));
    }
  g_ptr_array_sort (names, compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (user_dir, g_ptr_array_index (names, i), NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GError) file_error = NULL;
      MtFamily *family = mt_family_new_from_file (file, &file_error);

      if (family != NULL)
        add_family (families, family);
      else if (problems != NULL)
        g_ptr_array_add (problems, g_strdup (file_error->message));
    }
}

GPtrArray *
mt_family_load_all (const char  *user_dir,
                    GPtrArray  **problems)
{
  g_autoptr(GPtrArray) families = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *default_dir = NULL;
  const char * const *names = mt_family_get_builtin_names ();

  if (problems != NULL)
    *problems = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; names[i] != NULL; i++)
    {
      MtFamily *family = mt_family_new_builtin (names[i]);

      if (family != NULL)
        g_ptr_array_add (families, family);
    }

  if (user_dir == NULL)
    user_dir = default_dir = g_build_filename (g_get_user_config_dir (), "midthought",
                                               "families", NULL);
  load_user_dir (families, user_dir, problems != NULL ? *problems : NULL);

  g_ptr_array_sort (families, compare_families);
  return g_steal_pointer (&families);
}

MtFamily *
mt_family_find_in (GPtrArray  *families,
                   const char *name)
{
  g_return_val_if_fail (families != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < families->len; i++)
    {
      MtFamily *family = g_ptr_array_index (families, i);

      if (strcmp (family->name, name) == 0)
        return g_object_ref (family);
    }

  return NULL;
}

MtFamily *
mt_family_detect_in (GPtrArray  *families,
                     const char *model_name)
{
  MtFamily *best = NULL;

  g_return_val_if_fail (families != NULL, NULL);

  for (guint i = 0; model_name != NULL && i < families->len; i++)
    {
      MtFamily *family = g_ptr_array_index (families, i);

      if ((best == NULL || family->priority > best->priority) &&
          mt_family_matches_model (family, model_name))
        best = family;
    }

  if (best == NULL)
    return mt_family_find_in (families, FALLBACK_NAME);

  return g_object_ref (best);
}

/* The session's families */

static GMutex session_lock;
static GPtrArray *session_families;

static void
log_problems (GPtrArray *problems)
{
  for (guint i = 0; i < problems->len; i++)
    g_warning ("Skipped a model family: %s", (const char *) g_ptr_array_index (problems, i));
}

GPtrArray *
mt_family_get_all (void)
{
  GPtrArray *families;

  g_mutex_lock (&session_lock);
  if (session_families == NULL)
    {
      g_autoptr(GPtrArray) problems = NULL;

      session_families = mt_family_load_all (NULL, &problems);
      log_problems (problems);
    }
  families = g_ptr_array_ref (session_families);
  g_mutex_unlock (&session_lock);

  return families;
}

void
mt_family_reload (void)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) families = mt_family_load_all (NULL, &problems);
  GPtrArray *old;

  log_problems (problems);

  /* Callers that hold the old array keep it alive with their reference. */
  g_mutex_lock (&session_lock);
  old = g_steal_pointer (&session_families);
  session_families = g_steal_pointer (&families);
  g_mutex_unlock (&session_lock);

  g_clear_pointer (&old, g_ptr_array_unref);
}

MtFamily *
mt_family_lookup (const char *name)
{
  g_autoptr(GPtrArray) families = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  families = mt_family_get_all ();
  return mt_family_find_in (families, name);
}

MtFamily *
mt_family_detect (const char *model_name)
{
  g_autoptr(GPtrArray) families = mt_family_get_all ();

  return mt_family_detect_in (families, model_name);
}

/* Accessors */

const char *
mt_family_get_name (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return self->name;
}

const char *
mt_family_get_title (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return self->title;
}

const char *
mt_family_get_description (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return self->description;
}

int
mt_family_get_priority (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), 0);
  return self->priority;
}

gboolean
mt_family_matches_model (MtFamily   *self,
                         const char *model_name)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (MT_IS_FAMILY (self), FALSE);
  g_return_val_if_fail (model_name != NULL, FALSE);

  /* Model names come from servers and files: never trust them to be UTF-8. */
  lower = g_utf8_validate (model_name, -1, NULL) ? g_utf8_strdown (model_name, -1)
                                                 : g_ascii_strdown (model_name, -1);
  for (guint i = 0; self->detect[i] != NULL; i++)
    {
      if (strstr (lower, self->detect[i]) != NULL)
        return TRUE;
    }

  return FALSE;
}

static gboolean
valid_domain (MtDomain domain)
{
  return domain <= MT_DOMAIN_CODE;
}

char *
mt_family_format_problem (MtFamily   *self,
                          MtDomain    domain,
                          const char *problem)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  g_return_val_if_fail (valid_domain (domain), NULL);
  g_return_val_if_fail (problem != NULL, NULL);

  return expand1 (self->problem[domain], "problem", problem);
}

char *
mt_family_format_prompt (MtFamily   *self,
                         const char *system,
                         const char *problem,
                         MtDomain    domain,
                         const char *date)
{
  g_autofree char *today = NULL;
  g_autofree char *preamble = NULL;
  g_autofree char *user_text = NULL;
  g_autofree char *user = NULL;
  GString *prompt;

  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  g_return_val_if_fail (valid_domain (domain), NULL);
  g_return_val_if_fail (problem != NULL, NULL);

  if (date == NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();

      date = today = g_date_time_format (now, "%Y-%m-%d");
    }

  preamble = expand1 (self->preamble, "date", date);
  prompt = g_string_new (preamble);

  if (system != NULL && system[0] != '\0')
    {
      g_autofree char *turn = expand1 (self->system_turn, "content", system);

      g_string_append (prompt, turn);
    }

  user_text = mt_family_format_problem (self, domain, problem);
  user = expand1 (self->user_turn, "content", user_text);
  g_string_append (prompt, user);
  g_string_append (prompt, self->generation_prefix);

  return g_string_free (prompt, FALSE);
}

const char *
mt_family_get_generation_prefix (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return self->generation_prefix;
}

const char *
mt_family_get_think_open (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return self->think_open;
}

const char *
mt_family_get_think_close (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return self->think_close;
}

const char *
mt_family_get_end_of_thinking (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return self->end_of_thinking;
}

const char *
mt_family_get_end_of_answer (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return self->end_of_answer;
}

void
mt_family_get_thinking_check (MtFamily    *self,
                              const char **marker,
                              const char **prefix)
{
  g_return_if_fail (MT_IS_FAMILY (self));

  if (marker != NULL)
    *marker = self->check_marker;
  if (prefix != NULL)
    *prefix = self->check_prefix;
}

gboolean
mt_family_prompt_opens_thinking (MtFamily   *self,
                                 const char *prompt)
{
  gsize len, open_len;

  g_return_val_if_fail (MT_IS_FAMILY (self), FALSE);
  g_return_val_if_fail (prompt != NULL, FALSE);

  /* Templates follow the opener with a newline ("<think>\n"); look past it. */
  len = strlen (prompt);
  while (len > 0 && g_ascii_isspace (prompt[len - 1]))
    len--;

  open_len = strlen (self->think_open);
  return len >= open_len && memcmp (prompt + len - open_len, self->think_open, open_len) == 0;
}

const char *
mt_family_get_close_reasoning (MtFamily *self,
                               gboolean  force_answer)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return force_answer ? self->close_reasoning_force_answer : self->close_reasoning;
}

const char *
mt_family_get_open_close_reasoning (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return self->open_close_reasoning;
}

char *
mt_family_format_user_turn (MtFamily   *self,
                            const char *text)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  return g_strconcat (self->user_turn_before, text, self->user_turn_after, NULL);
}

void
mt_family_get_user_turn_parts (MtFamily    *self,
                               const char **before,
                               const char **after)
{
  g_return_if_fail (MT_IS_FAMILY (self));

  if (before != NULL)
    *before = self->user_turn_before;
  if (after != NULL)
    *after = self->user_turn_after;
}

const char *
mt_family_get_answer_cue (MtFamily *self,
                          MtDomain  domain)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  g_return_val_if_fail (valid_domain (domain), NULL);

  return self->answer_cue[domain];
}

const MtSampling *
mt_family_get_sampling (MtFamily *self)
{
  g_return_val_if_fail (MT_IS_FAMILY (self), NULL);
  return &self->sampling;
}
