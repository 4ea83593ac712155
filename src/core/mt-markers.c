/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "mt-format.h"
#include "mt-markers.h"
#include "mt-markers-resources.h"

#define RESOURCE_DIR "/io/github/midthought/Midthought/markers/"

/* Phrases are short; the cap keeps the matcher's recursion shallow. */
#define MAX_SEGMENT_LENGTH 256
/* Phrases that can end at one position, in practice a handful. */
#define MAX_HITS 64

typedef struct
{
  char          *id;
  char          *label;
  char          *description;
  MtMarkerShape  shape;
  MtMarkerScope  scope;
  GStrv          phrases;
} Category;

/* One phrase, normalized: ASCII lower case, whitespace runs as one space,
 * split at " ... " gaps. The first segment is in the trie; the others are
 * looked for after it. */
typedef struct
{
  guint     category;
  guint     phrase;
  GStrv     segments;
  gboolean  needs_end_boundary;
} Pattern;

typedef struct
{
  gint32  space;       /* child on a whitespace run, or -1 */
  gint32  digits;      /* child on a run of digits ("#"), or -1 */
  guint32 first_accept;
  guint32 n_accept;
} Node;

struct _MtMarkerLexicon
{
  GObject    parent_instance;

  GPtrArray *categories;

  /* The compiled matcher: a trie over the first segments, with bytes mapped
   * to a small alphabet so each node's edges fit in a short row. Rebuilt
   * whenever a category is added or replaced. */
  GArray    *patterns;
  GArray    *nodes;
  GArray    *edges;      /* gint32, n_nodes x n_classes */
  GArray    *accepts;    /* guint32 pattern indices, grouped by node */
  guint      n_classes;
  guint8     class_of[256];
  guint8     flags[256];
  /* Bytes folded to lower case with whitespace as ' ', and a bitmap of the
   * folded (first, second) byte pairs that begin some phrase. */
  guint8     fold[256];
  guint8     pairs[256 * 32];
};

G_DEFINE_FINAL_TYPE (MtMarkerLexicon, mt_marker_lexicon, G_TYPE_OBJECT)

enum {
  FLAG_ASCII_WORD  = 1 << 0,  /* an ASCII letter or digit */
  FLAG_START       = 1 << 1,  /* some phrase starts with this byte */
  FLAG_ALWAYS_WALK = 1 << 2,  /* ... and its second byte tells nothing */
};

/* For phrase bytes: ASCII letters and digits, and any byte of a non-ASCII
 * character (phrases are matched byte for byte there). */
static inline gboolean
is_word (guchar c)
{
  return g_ascii_isalnum (c) || c >= 0x80;
}

/* Outside ASCII a letter, digit or combining mark is part of a word, but
 * punctuation is not: "wait—no" and “Wait” hold the word "wait". Bytes that
 * are not valid UTF-8 count as word characters, the cautious side. */
static gboolean
unichar_is_word (gunichar ch)
{
  return ch > 0x10FFFF || g_unichar_isalnum (ch) || g_unichar_ismark (ch);
}

static inline gboolean
word_at (const guchar *text,
         gsize         length,
         gsize         pos)
{
  if (pos >= length)
    return FALSE;
  if (text[pos] < 0x80)
    return g_ascii_isalnum (text[pos]);
  return unichar_is_word (g_utf8_get_char_validated ((const char *) text + pos, length - pos));
}

static gboolean
word_before (const guchar *text,
             gsize         pos)
{
  gsize start;

  if (pos == 0)
    return FALSE;
  start = pos - 1;
  if (text[start] < 0x80)
    return g_ascii_isalnum (text[start]);
  while (start > 0 && pos - start < 4 && (text[start] & 0xC0) == 0x80)
    start--;
  return unichar_is_word (g_utf8_get_char_validated ((const char *) text + start, pos - start));
}

static inline gboolean
is_space (guchar c)
{
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static inline gboolean
is_digit (guchar c)
{
  return c >= '0' && c <= '9';
}

static void
category_free (Category *category)
{
  g_free (category->id);
  g_free (category->label);
  g_free (category->description);
  g_strfreev (category->phrases);
  g_free (category);
}

static void
pattern_clear (Pattern *pattern)
{
  g_strfreev (pattern->segments);
}

static void
mt_marker_lexicon_finalize (GObject *object)
{
  MtMarkerLexicon *self = (MtMarkerLexicon *)object;

  g_clear_pointer (&self->categories, g_ptr_array_unref);
  g_clear_pointer (&self->patterns, g_array_unref);
  g_clear_pointer (&self->nodes, g_array_unref);
  g_clear_pointer (&self->edges, g_array_unref);
  g_clear_pointer (&self->accepts, g_array_unref);

  G_OBJECT_CLASS (mt_marker_lexicon_parent_class)->finalize (object);
}

static void
mt_marker_lexicon_class_init (MtMarkerLexiconClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mt_marker_lexicon_finalize;
}

static void
mt_marker_lexicon_init (MtMarkerLexicon *self)
{
  self->categories = g_ptr_array_new_with_free_func ((GDestroyNotify) category_free);
  self->patterns = g_array_new (FALSE, TRUE, sizeof (Pattern));
  g_array_set_clear_func (self->patterns, (GDestroyNotify) pattern_clear);
  self->nodes = g_array_new (FALSE, TRUE, sizeof (Node));
  self->edges = g_array_new (FALSE, FALSE, sizeof (gint32));
  self->accepts = g_array_new (FALSE, FALSE, sizeof (guint32));
}

MtMarkerLexicon *
mt_marker_lexicon_new (void)
{
  return g_object_new (MT_TYPE_MARKER_LEXICON, NULL);
}

/* Lower-cases ASCII, folds whitespace runs and splits at gaps. Returns NULL
 * with @error for a phrase that could never match. */
static GStrv
normalize_phrase (const char  *phrase,
                  GError     **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_auto(GStrv) segments = NULL;

  for (const guchar *p = (const guchar *) phrase; *p; p++)
    {
      if (is_space (*p))
        {
          if (text->len > 0 && text->str[text->len - 1] != ' ')
            g_string_append_c (text, ' ');
        }
      else if (*p < 0x80)
        g_string_append_c (text, g_ascii_tolower (*p));
      else
        {
          /* Other letters by Unicode's simple lower-case mapping, which does
           * not depend on the locale; invalid UTF-8 is kept as it is. */
          gunichar c = g_utf8_get_char_validated ((const char *) p, -1);

          if (c == (gunichar) -1 || c == (gunichar) -2)
            g_string_append_c (text, *p);
          else
            {
              g_string_append_unichar (text, g_unichar_tolower (c));
              p = (const guchar *) g_utf8_next_char (p) - 1;
            }
        }
    }
  if (text->len > 0 && text->str[text->len - 1] == ' ')
    g_string_truncate (text, text->len - 1);

  segments = g_strsplit (text->str, " ... ", -1);
  if (segments[0] == NULL)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE, _("a phrase is empty"));
      return NULL;
    }
  for (guint i = 0; segments[i] != NULL; i++)
    {
      const char *segment = segments[i];

      if (*segment == '\0' || g_str_equal (segment, "...") ||
          g_str_has_prefix (segment, "... ") || g_str_has_suffix (segment, " ..."))
        {
          g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                       _("the phrase “%s” is empty or has a gap (...) without words on both sides"),
                       phrase);
          return NULL;
        }
      if (strlen (segment) > MAX_SEGMENT_LENGTH)
        {
          g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                       _("the phrase “%.40s…” is longer than %u bytes"),
                       phrase, MAX_SEGMENT_LENGTH);
          return NULL;
        }
    }

  return g_steal_pointer (&segments);
}

/* The matcher folds ASCII case itself; letters beyond ASCII match through
 * extra patterns in the two other common forms, a capital first letter
 * ("Подожди") and all capitals ("ПОДОЖДИ"). ASCII stays lower case in
 * every form. Returns NULL when @segments has no such letter to change. */
static GStrv
case_variant (const GStrv segments,
              gboolean    all_capitals)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gboolean changed = FALSE;

  for (guint i = 0; segments[i] != NULL; i++)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      for (const char *p = segments[i]; *p; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char_validated (p, -1);
          gboolean change = (guchar) *p >= 0x80 && c != (gunichar) -1 && c != (gunichar) -2 &&
                            (all_capitals || (i == 0 && p == segments[0]));

          if (!change)
            {
              g_string_append_len (text, p, g_utf8_next_char (p) - p);
              continue;
            }
          gunichar upper = all_capitals ? g_unichar_toupper (c) : g_unichar_totitle (c);

          changed |= upper != c;
          g_string_append_unichar (text, upper);
        }
      if (text->len > MAX_SEGMENT_LENGTH)
        return NULL;
      g_strv_builder_add (builder, text->str);
    }

  return changed ? g_strv_builder_end (builder) : NULL;
}

static gboolean
ends_word (const char *segment)
{
  guchar last = segment[strlen (segment) - 1];

  return is_word (last) || last == '#';
}

static gint32
add_node (MtMarkerLexicon *self)
{
  Node node = { -1, -1, 0, 0 };
  gint32 none = -1;

  g_array_append_val (self->nodes, node);
  for (guint i = 0; i < self->n_classes; i++)
    g_array_append_val (self->edges, none);
  return self->nodes->len - 1;
}

static gint32 *
edge (MtMarkerLexicon *self,
      gint32           node,
      guint            klass)
{
  return &g_array_index (self->edges, gint32, node * self->n_classes + klass);
}

static void
rebuild_matcher (MtMarkerLexicon *self)
{
  g_autoptr(GPtrArray) node_accepts = NULL;

  node_accepts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_array_set_size (self->patterns, 0);
  g_array_set_size (self->nodes, 0);
  g_array_set_size (self->edges, 0);
  g_array_set_size (self->accepts, 0);
  memset (self->class_of, 0, sizeof self->class_of);
  memset (self->pairs, 0, sizeof self->pairs);

  for (guint c = 0; c < self->categories->len; c++)
    {
      Category *category = g_ptr_array_index (self->categories, c);

      for (guint i = 0; category->phrases[i] != NULL; i++)
        {
          Pattern pattern = { c, i, NULL, FALSE };

          /* Validated when the category was added. */
          pattern.segments = normalize_phrase (category->phrases[i], NULL);
          g_assert (pattern.segments != NULL);
          pattern.needs_end_boundary = ends_word (pattern.segments[0]);
          g_array_append_val (self->patterns, pattern);

          for (guint form = 0; form < 2; form++)
            {
              Pattern variant = pattern;

              variant.segments = case_variant (pattern.segments, form == 1);
              if (variant.segments == NULL)
                continue;
              /* "Σ" and "σ" can make one form of the other: add it once. */
              if (form == 1)
                {
                  const Pattern *title = &g_array_index (self->patterns, Pattern,
                                                         self->patterns->len - 1);

                  if (title->phrase == i && title->category == c &&
                      g_strv_equal ((const char * const *) title->segments,
                                    (const char * const *) variant.segments))
                    {
                      g_strfreev (variant.segments);
                      continue;
                    }
                }
              g_array_append_val (self->patterns, variant);
            }
        }
    }

  /* Class 0 means "no edge"; space and "#" have edges of their own. */
  self->n_classes = 1;
  for (guint p = 0; p < self->patterns->len; p++)
    {
      const Pattern *pattern = &g_array_index (self->patterns, Pattern, p);

      for (const guchar *s = (const guchar *) pattern->segments[0]; *s; s++)
        if (*s != ' ' && *s != '#' && self->class_of[*s] == 0)
          {
            self->class_of[*s] = self->n_classes;
            if (g_ascii_islower (*s))
              self->class_of[(guchar) g_ascii_toupper (*s)] = self->n_classes;
            self->n_classes++;
          }
    }

  add_node (self);
  g_ptr_array_add (node_accepts, g_array_new (FALSE, FALSE, sizeof (guint32)));

  for (guint p = 0; p < self->patterns->len; p++)
    {
      const Pattern *pattern = &g_array_index (self->patterns, Pattern, p);
      gint32 node = 0;
      guint32 index = p;

      for (const guchar *s = (const guchar *) pattern->segments[0]; *s; s++)
        {
          Node *n = &g_array_index (self->nodes, Node, node);
          gint32 child;

          if (*s == ' ')
            child = n->space;
          else if (*s == '#')
            child = n->digits;
          else
            child = *edge (self, node, self->class_of[*s]);

          if (child < 0)
            {
              child = add_node (self);
              g_ptr_array_add (node_accepts, g_array_new (FALSE, FALSE, sizeof (guint32)));
              /* add_node may have moved the array. */
              n = &g_array_index (self->nodes, Node, node);
              if (*s == ' ')
                n->space = child;
              else if (*s == '#')
                n->digits = child;
              else
                *edge (self, node, self->class_of[*s]) = child;
            }
          node = child;
        }

      g_array_append_val (g_ptr_array_index (node_accepts, node), index);
    }

  for (guint node = 0; node < self->nodes->len; node++)
    {
      GArray *list = g_ptr_array_index (node_accepts, node);
      Node *n = &g_array_index (self->nodes, Node, node);

      n->first_accept = self->accepts->len;
      n->n_accept = list->len;
      g_array_append_vals (self->accepts, list->data, list->len);
    }

  for (guint c = 0; c < 256; c++)
    {
      const Node *root = &g_array_index (self->nodes, Node, 0);

      self->fold[c] = is_space (c) ? ' ' : g_ascii_tolower (c);
      self->flags[c] = g_ascii_isalnum (c) ? FLAG_ASCII_WORD : 0;
      if ((self->class_of[c] != 0 && *edge (self, 0, self->class_of[c]) >= 0) ||
          (is_digit (c) && root->digits >= 0))
        self->flags[c] |= FLAG_START;
    }

  for (guint p = 0; p < self->patterns->len; p++)
    {
      const Pattern *pattern = &g_array_index (self->patterns, Pattern, p);
      const guchar *segment = (const guchar *) pattern->segments[0];

      /* A digit run or a one-byte phrase: let the trie decide. */
      if (segment[0] == '#' || segment[1] == '\0')
        {
          for (guint c = 0; c < 256; c++)
            if ((segment[0] == '#' && is_digit (c)) || self->fold[c] == segment[0])
              self->flags[c] |= FLAG_ALWAYS_WALK;
          continue;
        }
      for (guint second = 0; second < 256; second++)
        if (self->fold[second] == segment[1] || (segment[1] == '#' && is_digit (second)))
          self->pairs[(segment[0] << 5) | (second >> 3)] |= 1 << (second & 7);
    }
}

static gboolean
valid_id (const char *id)
{
  if (id == NULL || *id == '\0')
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

gboolean
mt_marker_lexicon_add_category (MtMarkerLexicon     *self,
                                const char          *id,
                                const char          *label,
                                const char          *description,
                                MtMarkerShape        shape,
                                MtMarkerScope        scope,
                                const char * const  *phrases,
                                GError             **error)
{
  Category *category;
  int existing;

  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), FALSE);
  g_return_val_if_fail (shape <= MT_MARKER_SHAPE_DIAMOND, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!valid_id (id))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("the category id “%s” must be letters, digits, “-” or “_”"), id ? id : "");
      return FALSE;
    }
  if (label == NULL || *label == '\0')
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING,
                   _("the category “%s” needs a label"), id);
      return FALSE;
    }
  if ((scope & MT_MARKER_SCOPE_ALL) == 0 || (scope & ~MT_MARKER_SCOPE_ALL) != 0)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("the category “%s” has no valid scope"), id);
      return FALSE;
    }
  if (phrases == NULL || phrases[0] == NULL)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING,
                   _("the category “%s” has no phrases"), id);
      return FALSE;
    }
  for (guint i = 0; phrases[i] != NULL; i++)
    {
      g_auto(GStrv) segments = normalize_phrase (phrases[i], error);

      if (segments == NULL)
        return FALSE;
    }

  category = g_new0 (Category, 1);
  category->id = g_strdup (id);
  category->label = g_strdup (label);
  category->description = g_strdup (description ? description : "");
  category->shape = shape;
  category->scope = scope;
  category->phrases = g_strdupv ((char **) phrases);

  existing = mt_marker_lexicon_find_category (self, id);
  if (existing >= 0)
    {
      category_free (g_ptr_array_index (self->categories, existing));
      g_ptr_array_index (self->categories, existing) = category;
    }
  else
    g_ptr_array_add (self->categories, category);

  rebuild_matcher (self);
  return TRUE;
}

static const char *
get_string_member (JsonObject  *object,
                   const char  *member,
                   gboolean     required,
                   const char  *where,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING,
                     _("%s: \"%s\" is missing"), where, member);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("%s: expected a string for \"%s\""), where, member);
      return NULL;
    }
  return json_node_get_string (node);
}

static gboolean
add_from_data (MtMarkerLexicon  *self,
               const char       *data,
               gsize             length,
               const char       *where,
               GError          **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) phrases = g_ptr_array_new ();
  g_autoptr(GError) local_error = NULL;
  const char *id, *label = NULL, *description = NULL, *shape_name = NULL, *scope_name = NULL;
  MtMarkerShape shape = MT_MARKER_SHAPE_CIRCLE;
  MtMarkerScope scope = MT_MARKER_SCOPE_ALL;
  JsonObject *object;
  JsonNode *node;
  JsonArray *array;

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_SYNTAX,
                   "%s: %s", where, local_error->message);
      return FALSE;
    }

  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("%s: expected an object with \"category\", \"label\" and \"phrases\""), where);
      return FALSE;
    }
  object = json_node_get_object (node);

  id = get_string_member (object, "category", TRUE, where, &local_error);
  if (local_error == NULL)
    label = get_string_member (object, "label", TRUE, where, &local_error);
  if (local_error == NULL)
    description = get_string_member (object, "description", FALSE, where, &local_error);
  if (local_error == NULL)
    shape_name = get_string_member (object, "shape", FALSE, where, &local_error);
  if (local_error == NULL)
    scope_name = get_string_member (object, "scope", FALSE, where, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (shape_name != NULL && !mt_marker_shape_from_string (shape_name, &shape))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("%s: \"shape\" must be triangle, circle, square or diamond, not “%s”"),
                   where, shape_name);
      return FALSE;
    }
  if (scope_name != NULL && !mt_marker_scope_from_string (scope_name, &scope))
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                   _("%s: \"scope\" must be reasoning, answer or all, not “%s”"),
                   where, scope_name);
      return FALSE;
    }

  node = json_object_get_member (object, "phrases");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) == 0)
    {
      g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING,
                   _("%s: \"phrases\" must be a non-empty array of strings"), where);
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          g_set_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE,
                       _("%s: \"phrases\"[%u] is not a string"), where, i);
          return FALSE;
        }
      g_ptr_array_add (phrases, (gpointer) json_node_get_string (element));
    }
  g_ptr_array_add (phrases, NULL);

  if (!mt_marker_lexicon_add_category (self, id, label, description, shape, scope,
                                       (const char * const *) phrases->pdata, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "%s: %s", where, local_error->message);
      return FALSE;
    }

  return TRUE;
}

gboolean
mt_marker_lexicon_add_from_bytes (MtMarkerLexicon  *self,
                                  GBytes           *bytes,
                                  GError          **error)
{
  gsize length;
  const char *data;

  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  data = g_bytes_get_data (bytes, &length);
  return add_from_data (self, data, length, _("marker category"), error);
}

gboolean
mt_marker_lexicon_add_from_file (MtMarkerLexicon  *self,
                                 const char       *path,
                                 GError          **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      g_set_error_literal (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO, local_error->message);
      return FALSE;
    }

  return add_from_data (self, data, length, path, error);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

guint
mt_marker_lexicon_add_from_dir (MtMarkerLexicon *self,
                                const char      *dir,
                                GPtrArray       *errors)
{
  g_autoptr(GDir) handle = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  guint added = 0;

  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), 0);
  g_return_val_if_fail (dir != NULL, 0);

  /* No directory simply means no categories of the user's own. */
  if ((handle = g_dir_open (dir, 0, NULL)) == NULL)
    return 0;

  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      g_autoptr(GError) error = NULL;

      if (mt_marker_lexicon_add_from_file (self, path, &error))
        added++;
      else if (errors != NULL)
        g_ptr_array_add (errors, g_steal_pointer (&error));
    }

  return added;
}

char *
mt_marker_lexicon_get_user_dir (void)
{
  return g_build_filename (g_get_user_config_dir (), "midthought", "markers", NULL);
}

static int
compare_names_data (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  return compare_names (a, b);
}

static void
add_builtin (MtMarkerLexicon *self)
{
  static gsize registered = 0;
  GResource *resource;
  g_auto(GStrv) names = NULL;

  if (g_once_init_enter (&registered))
    {
      mt_markers_register_resource ();
      g_once_init_leave (&registered, 1);
    }

  resource = mt_markers_get_resource ();
  names = g_resource_enumerate_children (resource, RESOURCE_DIR,
                                         G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

  g_assert (names != NULL);
  g_qsort_with_data (names, g_strv_length (names), sizeof (char *), compare_names_data, NULL);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat (RESOURCE_DIR, names[i], NULL);
      g_autoptr(GBytes) bytes = g_resource_lookup_data (resource, path,
                                                        G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_autoptr(GError) error = NULL;

      /* Shipped data, checked by the tests: a failure is a build bug. */
      if (!add_from_data (self, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                          path, &error))
        g_critical ("%s", error->message);
    }
}

MtMarkerLexicon *
mt_marker_lexicon_new_default (GPtrArray *errors)
{
  MtMarkerLexicon *self = mt_marker_lexicon_new ();
  g_autofree char *user_dir = mt_marker_lexicon_get_user_dir ();

  add_builtin (self);
  mt_marker_lexicon_add_from_dir (self, user_dir, errors);

  return self;
}

guint
mt_marker_lexicon_get_n_categories (MtMarkerLexicon *self)
{
  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), 0);

  return self->categories->len;
}

int
mt_marker_lexicon_find_category (MtMarkerLexicon *self,
                                 const char      *id)
{
  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), -1);

  for (guint i = 0; id != NULL && i < self->categories->len; i++)
    if (g_str_equal (((Category *) g_ptr_array_index (self->categories, i))->id, id))
      return i;
  return -1;
}

static Category *
get_category (MtMarkerLexicon *self,
              guint            category)
{
  return category < self->categories->len ? g_ptr_array_index (self->categories, category) : NULL;
}

const char *
mt_marker_lexicon_get_id (MtMarkerLexicon *self,
                          guint            category)
{
  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), NULL);
  g_return_val_if_fail (category < self->categories->len, NULL);

  return get_category (self, category)->id;
}

const char *
mt_marker_lexicon_get_label (MtMarkerLexicon *self,
                             guint            category)
{
  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), NULL);
  g_return_val_if_fail (category < self->categories->len, NULL);

  return get_category (self, category)->label;
}

const char *
mt_marker_lexicon_get_description (MtMarkerLexicon *self,
                                   guint            category)
{
  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), NULL);
  g_return_val_if_fail (category < self->categories->len, NULL);

  return get_category (self, category)->description;
}

MtMarkerShape
mt_marker_lexicon_get_shape (MtMarkerLexicon *self,
                             guint            category)
{
  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), MT_MARKER_SHAPE_CIRCLE);
  g_return_val_if_fail (category < self->categories->len, MT_MARKER_SHAPE_CIRCLE);

  return get_category (self, category)->shape;
}

MtMarkerScope
mt_marker_lexicon_get_scope (MtMarkerLexicon *self,
                             guint            category)
{
  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), MT_MARKER_SCOPE_ALL);
  g_return_val_if_fail (category < self->categories->len, MT_MARKER_SCOPE_ALL);

  return get_category (self, category)->scope;
}

const char * const *
mt_marker_lexicon_get_phrases (MtMarkerLexicon *self,
                               guint            category)
{
  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), NULL);
  g_return_val_if_fail (category < self->categories->len, NULL);

  return (const char * const *) get_category (self, category)->phrases;
}

typedef struct
{
  guint32 pattern;
  gsize   end;
} Hit;

/* Follows the trie from @node at @pos, recording every phrase that ends
 * on a word boundary. Only a digit can lead two ways (a literal digit or
 * a "#" run), so the recursion is that shallow. */
static void
walk (MtMarkerLexicon *self,
      const guchar    *text,
      gsize            length,
      gsize            pos,
      gint32           node,
      Hit             *hits,
      guint           *n_hits)
{
  const Node *nodes = (const Node *) (gpointer) self->nodes->data;
  const gint32 *edges = (const gint32 *) (gpointer) self->edges->data;
  const guint32 *accepts = (const guint32 *) (gpointer) self->accepts->data;
  const Pattern *patterns = (const Pattern *) (gpointer) self->patterns->data;

  for (;;)
    {
      const Node *n = &nodes[node];
      guchar c;
      gint32 child;

      for (guint a = 0; a < n->n_accept; a++)
        {
          guint32 p = accepts[n->first_accept + a];

          if (patterns[p].needs_end_boundary && word_at (text, length, pos))
            continue;
          if (*n_hits < MAX_HITS)
            hits[(*n_hits)++] = (Hit) { p, pos };
        }

      if (pos >= length)
        return;
      c = text[pos];

      if (is_space (c))
        {
          if (n->space < 0)
            return;
          while (pos < length && is_space (text[pos]))
            pos++;
          node = n->space;
          continue;
        }

      if (n->digits >= 0 && is_digit (c))
        {
          gsize end = pos;

          while (end < length && is_digit (text[end]))
            end++;
          walk (self, text, length, end, n->digits, hits, n_hits);
        }

      if (self->class_of[c] == 0 || (child = edges[node * self->n_classes + self->class_of[c]]) < 0)
        return;
      node = child;
      pos++;
    }
}

/* Matches one later segment of a gapped phrase exactly at @pos; returns
 * its end or -1. */
static gssize
match_segment (const char   *segment,
               const guchar *text,
               gsize         length,
               gsize         pos)
{
  for (const guchar *s = (const guchar *) segment; *s; s++)
    {
      if (*s == ' ' || *s == '#')
        {
          gboolean (*in_run) (guchar) = *s == ' ' ? is_space : is_digit;

          if (pos >= length || !in_run (text[pos]))
            return -1;
          while (pos < length && in_run (text[pos]))
            pos++;
        }
      else if (pos >= length || (guchar) g_ascii_tolower (text[pos]) != *s)
        return -1;
      else
        pos++;
    }

  if (ends_word (segment) && word_at (text, length, pos))
    return -1;
  return pos;
}

/* The rest of a gapped phrase after its first segment ended at @end:
 * each segment must start within MT_MARKER_GAP_MAX bytes of the last. */
static gssize
match_gaps (const Pattern *pattern,
            const guchar  *text,
            gsize          length,
            gsize          end)
{
  for (guint i = 1; pattern->segments[i] != NULL; i++)
    {
      const char *segment = pattern->segments[i];
      gboolean word_start = is_word ((guchar) segment[0]) || segment[0] == '#';
      gsize limit = MIN (length, end + MT_MARKER_GAP_MAX);
      gssize found = -1;

      for (gsize q = end; q < limit && found < 0; q++)
        {
          if (word_start && word_before (text, q))
            continue;
          found = match_segment (segment, text, length, q);
        }
      if (found < 0)
        return -1;
      end = found;
    }

  return end;
}

typedef struct
{
  guint   category;
  guint32 pattern;
  gsize   end;
  gsize   cover;   /* how far it hides shorter matches of its category */
} Candidate;

typedef struct
{
  MtMarkerLexicon *self;
  const guchar    *bytes;
  gsize            length;
  gsize           *last_end;   /* per category */
  GArray          *matches;
  guint           *counts;
  guint            n_found;
} Scan;

/* Every phrase starting at @pos: the longest of each category is kept
 * unless an earlier match of that category still covers @pos. */
static void
scan_at (Scan  *scan,
         gsize  pos)
{
  const Pattern *patterns = (const Pattern *) (gpointer) scan->self->patterns->data;
  Hit hits[MAX_HITS];
  Candidate best[MAX_HITS];
  guint n_hits = 0;
  guint n_best = 0;

  walk (scan->self, scan->bytes, scan->length, pos, 0, hits, &n_hits);

  for (guint h = 0; h < n_hits; h++)
    {
      const Pattern *pattern = &patterns[hits[h].pattern];
      Candidate candidate = { pattern->category, hits[h].pattern, hits[h].end, hits[h].end };
      guint b;

      if (pattern->segments[1] != NULL)
        {
          gssize end = match_gaps (pattern, scan->bytes, scan->length, hits[h].end);

          if (end < 0)
            continue;
          candidate.end = end;
        }

      for (b = 0; b < n_best && best[b].category != candidate.category; b++)
        ;
      if (b == n_best)
        best[n_best++] = candidate;
      else if (candidate.end > best[b].end ||
               (candidate.end == best[b].end && candidate.pattern < best[b].pattern))
        best[b] = candidate;
    }

  /* Insertion sort by category, so the order is the same every time. */
  for (guint i = 1; i < n_best; i++)
    for (guint j = i; j > 0 && best[j - 1].category > best[j].category; j--)
      {
        Candidate swap = best[j];

        best[j] = best[j - 1];
        best[j - 1] = swap;
      }

  for (guint b = 0; b < n_best; b++)
    {
      if (pos < scan->last_end[best[b].category])
        continue;
      scan->last_end[best[b].category] = best[b].cover;
      scan->n_found++;
      if (scan->counts != NULL)
        scan->counts[best[b].category]++;
      if (scan->matches != NULL)
        {
          MtMarkerMatch match = {
            best[b].category, patterns[best[b].pattern].phrase, pos, best[b].end, G_MAXUINT
          };

          g_array_append_val (scan->matches, match);
        }
    }
}

/* Whether some phrase can start with the bytes at @pos: a cheap test on
 * two bytes that spares most words the trie walk. */
static inline gboolean
may_start (MtMarkerLexicon *self,
           const guchar    *bytes,
           gsize            length,
           gsize            pos)
{
  guint first = bytes[pos];
  guint second;

  if (self->flags[first] & FLAG_ALWAYS_WALK)
    return TRUE;
  second = pos + 1 < length ? self->fold[bytes[pos + 1]] : 0;
  return (self->pairs[(self->fold[first] << 5) | (second >> 3)] >> (second & 7)) & 1;
}

guint
mt_marker_lexicon_scan (MtMarkerLexicon    *self,
                        const char         *text,
                        gssize              len,
                        const MtTokenSpans *spans,
                        GArray             *matches,
                        guint              *counts)
{
  const guchar *bytes = (const guchar *) text;
  const guint8 *flags;
  Scan scan = { self, bytes, 0, NULL, matches, counts, 0 };
  gboolean previous_word = FALSE;
  guint first_new;
  gsize pos = 0;

  g_return_val_if_fail (MT_IS_MARKER_LEXICON (self), 0);
  g_return_val_if_fail (text != NULL || len == 0, 0);
  g_return_val_if_fail (matches == NULL ||
                        g_array_get_element_size (matches) == sizeof (MtMarkerMatch), 0);

  if (self->categories->len == 0 || text == NULL)
    return 0;

  scan.length = len < 0 ? strlen (text) : (gsize) len;
  scan.last_end = g_newa (gsize, self->categories->len);
  memset (scan.last_end, 0, self->categories->len * sizeof (gsize));
  first_new = matches ? matches->len : 0;
  flags = self->flags;

  while (pos < scan.length)
    {
      guchar c = bytes[pos];
      gboolean word;

      if (flags[c] & FLAG_ASCII_WORD)
        {
          /* A phrase starting with a letter or digit must start a word;
           * the rest of the word is skipped in one tight loop. */
          if (!previous_word && (flags[c] & FLAG_START) &&
              may_start (self, bytes, scan.length, pos))
            scan_at (&scan, pos);
          for (pos++; pos < scan.length && (flags[bytes[pos]] & FLAG_ASCII_WORD); pos++)
            ;
          previous_word = TRUE;
          continue;
        }

      if (c < 0x80)
        word = FALSE;
      else if ((c & 0xC0) == 0x80)
        {
          /* Inside a multi-byte character, classified at its first byte. */
          pos++;
          continue;
        }
      else
        word = word_at (bytes, scan.length, pos);

      if ((flags[c] & FLAG_START) && !(word && previous_word) &&
          may_start (self, bytes, scan.length, pos))
        scan_at (&scan, pos);
      previous_word = word;
      pos++;
    }

  if (matches != NULL && spans != NULL)
    for (guint i = first_new; i < matches->len; i++)
      {
        MtMarkerMatch *match = &g_array_index (matches, MtMarkerMatch, i);

        match->token = mt_token_spans_lookup (spans, match->start);
      }

  return scan.n_found;
}

void
mt_marker_density (const MtMarkerMatch *matches,
                   guint                n_matches,
                   guint                category,
                   guint                n_tokens,
                   gsize                text_length,
                   guint               *bins,
                   guint                n_bins)
{
  g_return_if_fail (matches != NULL || n_matches == 0);
  g_return_if_fail (bins != NULL || n_bins == 0);

  if (n_bins == 0)
    return;

  for (guint i = 0; i < n_matches; i++)
    {
      const MtMarkerMatch *match = &matches[i];
      double position;
      guint bin;

      if (category != G_MAXUINT && match->category != category)
        continue;

      if (match->token != G_MAXUINT && n_tokens > 0)
        position = (double) match->token / n_tokens;
      else if (text_length > 0)
        position = (double) match->start / text_length;
      else
        position = 0.0;

      bin = (guint) (position * n_bins);
      bins[MIN (bin, n_bins - 1)]++;
    }
}

static const char *shape_names[] = { "circle", "triangle", "square", "diamond" };

const char *
mt_marker_shape_to_string (MtMarkerShape shape)
{
  g_return_val_if_fail (shape < G_N_ELEMENTS (shape_names), NULL);

  return shape_names[shape];
}

gboolean
mt_marker_shape_from_string (const char    *name,
                             MtMarkerShape *shape)
{
  g_return_val_if_fail (shape != NULL, FALSE);

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (shape_names); i++)
    if (g_str_equal (name, shape_names[i]))
      {
        *shape = i;
        return TRUE;
      }
  return FALSE;
}

const char *
mt_marker_scope_to_string (MtMarkerScope scope)
{
  switch (scope)
    {
    case MT_MARKER_SCOPE_REASONING: return "reasoning";
    case MT_MARKER_SCOPE_ANSWER: return "answer";
    case MT_MARKER_SCOPE_ALL: return "all";
    default: g_return_val_if_reached (NULL);
    }
}

gboolean
mt_marker_scope_from_string (const char    *name,
                             MtMarkerScope *scope)
{
  static const MtMarkerScope scopes[] = {
    MT_MARKER_SCOPE_REASONING, MT_MARKER_SCOPE_ANSWER, MT_MARKER_SCOPE_ALL
  };

  g_return_val_if_fail (scope != NULL, FALSE);

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (scopes); i++)
    if (g_str_equal (name, mt_marker_scope_to_string (scopes[i])))
      {
        *scope = scopes[i];
        return TRUE;
      }
  return FALSE;
}
