/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "mt-core.h"

/* A lexicon of one category, "test", holding @phrases. */
static MtMarkerLexicon *
lexicon_with (const char * const *phrases)
{
  MtMarkerLexicon *lexicon = mt_marker_lexicon_new ();
  g_autoptr(GError) error = NULL;

  mt_marker_lexicon_add_category (lexicon, "test", "Test", NULL, MT_MARKER_SHAPE_CIRCLE,
                                  MT_MARKER_SCOPE_ALL, phrases, &error);
  g_assert_no_error (error);
  return lexicon;
}

static guint
count (MtMarkerLexicon *lexicon,
       const char      *text)
{
  return mt_marker_lexicon_scan (lexicon, text, -1, NULL, NULL, NULL);
}

static void
test_builtin (void)
{
  g_autoptr(MtMarkerLexicon) lexicon = mt_marker_lexicon_new_default (NULL);
  static const struct {
    const char    *id;
    MtMarkerShape  shape;
    MtMarkerScope  scope;
    const char    *phrases[6];
  } expected[] = {
    { "hesitation", MT_MARKER_SHAPE_TRIANGLE, MT_MARKER_SCOPE_REASONING,
      { "wait", "hold on", "let me double-check", "on second thought",
        "I think I made an error" } },
    { "leakage", MT_MARKER_SHAPE_SQUARE, MT_MARKER_SCOPE_ANSWER,
      { "let me", "wait", "hmm", "step #", "first, ... then" } },
    { "update-doubt", MT_MARKER_SHAPE_DIAMOND, MT_MARKER_SCOPE_REASONING,
      { "the user said", "the user provided an update, but", "typo", "ignore the update",
        "seems to be a mistake" } },
  };

  /* A fresh config directory: only the built-in categories, in name order. */
  g_assert_cmpuint (mt_marker_lexicon_get_n_categories (lexicon), ==, G_N_ELEMENTS (expected));

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const char * const *phrases = mt_marker_lexicon_get_phrases (lexicon, i);

      g_assert_cmpstr (mt_marker_lexicon_get_id (lexicon, i), ==, expected[i].id);
      g_assert_cmpint (mt_marker_lexicon_find_category (lexicon, expected[i].id), ==, i);
      g_assert_cmpint (mt_marker_lexicon_get_shape (lexicon, i), ==, expected[i].shape);
      g_assert_cmpint (mt_marker_lexicon_get_scope (lexicon, i), ==, expected[i].scope);
      g_assert_cmpstr (mt_marker_lexicon_get_label (lexicon, i), !=, "");
      g_assert_cmpstr (mt_marker_lexicon_get_description (lexicon, i), !=, "");
      for (guint j = 0; j < G_N_ELEMENTS (expected[i].phrases) && expected[i].phrases[j]; j++)
        g_assert_true (g_strv_contains (phrases, expected[i].phrases[j]));
    }

  g_assert_cmpint (mt_marker_lexicon_find_category (lexicon, "nonexistent"), ==, -1);
}

/* Every shipped phrase finds itself, in its own category. */
static void
test_builtin_phrases_match (void)
{
  g_autoptr(MtMarkerLexicon) lexicon = mt_marker_lexicon_new_default (NULL);

  for (guint c = 0; c < mt_marker_lexicon_get_n_categories (lexicon); c++)
    {
      const char * const *phrases = mt_marker_lexicon_get_phrases (lexicon, c);

      for (guint i = 0; phrases[i] != NULL; i++)
        {
          g_autoptr(GString) text = g_string_new (phrases[i]);
          g_autoptr(GArray) matches = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));
          gboolean found = FALSE;

          g_string_replace (text, " ... ", " and later ", 0);
          g_string_replace (text, "#", "12", 0);
          g_string_prepend (text, "So. ");
          g_string_append (text, " and so on.");

          mt_marker_lexicon_scan (lexicon, text->str, text->len, NULL, matches, NULL);
          for (guint m = 0; m < matches->len; m++)
            {
              MtMarkerMatch *match = &g_array_index (matches, MtMarkerMatch, m);

              if (match->category == c && match->phrase == i && match->start == 4)
                found = TRUE;
            }
          if (!found)
            g_error ("phrase “%s” of %s does not match “%s”", phrases[i],
                     mt_marker_lexicon_get_id (lexicon, c), text->str);
        }
    }
}

static void
test_word_boundaries (void)
{
  g_autoptr(MtMarkerLexicon) lexicon = lexicon_with ((const char *[]) { "wait", "hmm", NULL });
  static const char *outside[] = {
    "await", "waiting", "awaits", "wait2", "2wait", "waité", "éwait", "hmmm", "ahmm",
    "weight", "wai t",
  };
  static const char *inside[] = {
    "wait", "Wait, what?", "(wait)", "so... wait.", "wait—no", "“Wait”", "«wait»", "x\nwait\n",
    "hmm!", "hmm: ok", "it's wait-listed",
  };

  for (guint i = 0; i < G_N_ELEMENTS (outside); i++)
    if (count (lexicon, outside[i]) != 0)
      g_error ("“%s” should hold no marker", outside[i]);
  for (guint i = 0; i < G_N_ELEMENTS (inside); i++)
    if (count (lexicon, inside[i]) != 1)
      g_error ("“%s” should hold exactly one marker", inside[i]);

  /* Only the given length is scanned. */
  g_assert_cmpuint (mt_marker_lexicon_scan (lexicon, "wait wait", 4, NULL, NULL, NULL), ==, 1);
  g_assert_cmpuint (mt_marker_lexicon_scan (lexicon, "waiting", 4, NULL, NULL, NULL), ==, 1);
  g_assert_cmpuint (mt_marker_lexicon_scan (lexicon, "", -1, NULL, NULL, NULL), ==, 0);
}

static void
test_case (void)
{
  g_autoptr(MtMarkerLexicon) lexicon =
    lexicon_with ((const char *[]) { "Let me CHECK", "подожди", "ÉTAPE suivante",
                                     "σοφία ... στάση", NULL });
  g_autoptr(GArray) matches = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));

  g_assert_cmpuint (count (lexicon, "let me check"), ==, 1);
  g_assert_cmpuint (count (lexicon, "LET ME CHECK"), ==, 1);
  g_assert_cmpuint (count (lexicon, "Let Me Check."), ==, 1);
  g_assert_cmpuint (count (lexicon, "lEt mE cHeCk"), ==, 1);
  /* Letters beyond ASCII: lower case, a capital first letter, all capitals. */
  g_assert_cmpuint (count (lexicon, "Хм, подожди."), ==, 1);
  g_assert_cmpuint (count (lexicon, "Подожди, это не так."), ==, 1);
  g_assert_cmpuint (count (lexicon, "ПОДОЖДИ!"), ==, 1);
  g_assert_cmpuint (count (lexicon, "ПодоЖди"), ==, 0);
  g_assert_cmpuint (count (lexicon, "подождите"), ==, 0);
  /* The phrase is folded too, whatever case it was written in; its ASCII
   * letters match in any case in every form. */
  g_assert_cmpuint (count (lexicon, "étape suivante"), ==, 1);
  g_assert_cmpuint (count (lexicon, "Étape Suivante"), ==, 1);
  g_assert_cmpuint (count (lexicon, "ÉTAPE SUIVANTE"), ==, 1);
  /* Later segments of a gapped phrase follow the same forms (and a
   * non-ASCII later segment matches at all: it never did while a signed
   * byte was compared with an unsigned one). */
  g_assert_cmpuint (count (lexicon, "σοφία και στάση"), ==, 1);
  g_assert_cmpuint (count (lexicon, "Σοφία και στάση"), ==, 1);
  g_assert_cmpuint (count (lexicon, "ΣΟΦΊΑ ΚΑΙ ΣΤΆΣΗ"), ==, 1);

  /* Every form reports the phrase as written in the category. */
  mt_marker_lexicon_scan (lexicon, "ПОДОЖДИ, Подожди", -1, NULL, matches, NULL);
  g_assert_cmpuint (matches->len, ==, 2);
  for (guint i = 0; i < matches->len; i++)
    g_assert_cmpuint (g_array_index (matches, MtMarkerMatch, i).phrase, ==, 1);
}

static void
test_multiword (void)
{
  g_autoptr(MtMarkerLexicon) lexicon =
    lexicon_with ((const char *[]) { "hold on", "let me  double-check", NULL });

  g_assert_cmpuint (count (lexicon, "hold on"), ==, 1);
  g_assert_cmpuint (count (lexicon, "Hold\n\t  on, please"), ==, 1);
  g_assert_cmpuint (count (lexicon, "hold\r\non"), ==, 1);
  g_assert_cmpuint (count (lexicon, "holdon"), ==, 0);
  g_assert_cmpuint (count (lexicon, "hold onto it"), ==, 0);
  g_assert_cmpuint (count (lexicon, "behold on"), ==, 0);
  g_assert_cmpuint (count (lexicon, "hold-on"), ==, 0);
  /* The phrase's own whitespace run is one space too. */
  g_assert_cmpuint (count (lexicon, "Let me double-check: 2+2"), ==, 1);
  g_assert_cmpuint (count (lexicon, "let me\ndouble-check"), ==, 1);
  g_assert_cmpuint (count (lexicon, "let me double check"), ==, 0);
}

/* The longest phrase of a category wins; other categories are independent. */
static void
test_longest_and_categories (void)
{
  g_autoptr(MtMarkerLexicon) lexicon = mt_marker_lexicon_new ();
  g_autoptr(GArray) matches = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));
  g_autoptr(GError) error = NULL;
  const char *text = "But wait, wait. Hmm";
  guint counts[2] = { 0, 0 };
  MtMarkerMatch *m;

  mt_marker_lexicon_add_category (lexicon, "a", "A", NULL, MT_MARKER_SHAPE_CIRCLE,
                                  MT_MARKER_SCOPE_ALL,
                                  (const char *[]) { "wait", "but wait", "hmm", NULL }, &error);
  g_assert_no_error (error);
  mt_marker_lexicon_add_category (lexicon, "b", "B", NULL, MT_MARKER_SHAPE_SQUARE,
                                  MT_MARKER_SCOPE_ANSWER, (const char *[]) { "wait", NULL },
                                  &error);
  g_assert_no_error (error);

  g_assert_cmpuint (mt_marker_lexicon_scan (lexicon, text, -1, NULL, matches, counts), ==, 5);
  g_assert_cmpuint (counts[0], ==, 3);
  g_assert_cmpuint (counts[1], ==, 2);
  g_assert_cmpuint (matches->len, ==, 5);

  m = &g_array_index (matches, MtMarkerMatch, 0);
  g_assert_cmpuint (m->category, ==, 0);
  g_assert_cmpuint (m->phrase, ==, 1);
  g_assert_cmpuint (m->start, ==, 0);
  g_assert_cmpuint (m->end, ==, 8);
  g_assert_cmpuint (m->token, ==, G_MAXUINT);
  m = &g_array_index (matches, MtMarkerMatch, 1);
  g_assert_cmpuint (m->category, ==, 1);
  g_assert_cmpuint (m->start, ==, 4);
  g_assert_cmpuint (m->end, ==, 8);
  m = &g_array_index (matches, MtMarkerMatch, 2);
  g_assert_cmpuint (m->category, ==, 0);
  g_assert_cmpuint (m->phrase, ==, 0);
  g_assert_cmpuint (m->start, ==, 10);
  m = &g_array_index (matches, MtMarkerMatch, 3);
  g_assert_cmpuint (m->category, ==, 1);
  g_assert_cmpuint (m->start, ==, 10);
  m = &g_array_index (matches, MtMarkerMatch, 4);
  g_assert_cmpuint (m->phrase, ==, 2);
  g_assert_cmpuint (m->start, ==, 16);
  g_assert_cmpuint (m->end, ==, 19);

  /* Appending keeps earlier matches; counts keep adding up. */
  mt_marker_lexicon_scan (lexicon, "wait", -1, NULL, matches, counts);
  g_assert_cmpuint (matches->len, ==, 7);
  g_assert_cmpuint (counts[0], ==, 4);
}

static void
test_digits_and_gaps (void)
{
  g_autoptr(MtMarkerLexicon) lexicon =
    lexicon_with ((const char *[]) { "step #", "first, ... then", NULL });
  g_autoptr(GArray) matches = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));
  g_autofree char *far = NULL;
  const char *text = "First, add them. Then divide.";

  g_assert_cmpuint (count (lexicon, "Step 1: add"), ==, 1);
  g_assert_cmpuint (count (lexicon, "### Step 12. Then"), ==, 1);
  g_assert_cmpuint (count (lexicon, "step 1, step 2 and step 3"), ==, 3);
  g_assert_cmpuint (count (lexicon, "the next step is"), ==, 0);
  g_assert_cmpuint (count (lexicon, "stepping 1"), ==, 0);
  g_assert_cmpuint (count (lexicon, "step 1a"), ==, 0);

  mt_marker_lexicon_scan (lexicon, text, -1, NULL, matches, NULL);
  g_assert_cmpuint (matches->len, ==, 1);
  g_assert_cmpuint (g_array_index (matches, MtMarkerMatch, 0).start, ==, 0);
  g_assert_cmpuint (g_array_index (matches, MtMarkerMatch, 0).end, ==, 21);

  g_assert_cmpuint (count (lexicon, "first then"), ==, 0);
  g_assert_cmpuint (count (lexicon, "First, we add; thence we go"), ==, 0);
  far = g_strdup_printf ("First, %*s then", MT_MARKER_GAP_MAX + 1, "x");
  g_assert_cmpuint (count (lexicon, far), ==, 0);
}

/* Byte spans map to tokens through the trace's spans. */
static void
test_token_spans (void)
{
  g_autoptr(MtMarkerLexicon) lexicon = lexicon_with ((const char *[]) { "wait", "hmm", NULL });
  g_autoptr(GArray) matches = g_array_new (FALSE, FALSE, sizeof (MtMarkerMatch));
  /* "Hmm" "," " so" " wait" "." " ok" */
  const char *text = "Hmm, so wait. ok";
  const guint32 starts[] = { 0, 3, 4, 7, 12, 13 };
  g_autoptr(MtTokenSpans) spans = mt_token_spans_new (MT_TOKEN_SOURCE_STREAM, starts,
                                                      G_N_ELEMENTS (starts), strlen (text));

  mt_marker_lexicon_scan (lexicon, text, -1, spans, matches, NULL);
  g_assert_cmpuint (matches->len, ==, 2);
  g_assert_cmpuint (g_array_index (matches, MtMarkerMatch, 0).token, ==, 0);
  g_assert_cmpuint (g_array_index (matches, MtMarkerMatch, 1).start, ==, 8);
  g_assert_cmpuint (g_array_index (matches, MtMarkerMatch, 1).end, ==, 12);
  g_assert_cmpuint (g_array_index (matches, MtMarkerMatch, 1).token, ==, 3);
}

static void
test_density (void)
{
  const MtMarkerMatch matches[] = {
    { 0, 0, 0, 4, 0 },
    { 0, 0, 50, 54, 5 },
    { 1, 0, 60, 64, 6 },
    { 0, 0, 90, 94, 9 },
  };
  const MtMarkerMatch untokenized[] = {
    { 0, 0, 10, 14, G_MAXUINT },
    { 0, 0, 99, 100, G_MAXUINT },
  };
  guint bins[2] = { 0, 0 };
  guint four[4] = { 0, 0, 0, 0 };

  mt_marker_density (matches, G_N_ELEMENTS (matches), 0, 10, 100, bins, 2);
  g_assert_cmpuint (bins[0], ==, 1);
  g_assert_cmpuint (bins[1], ==, 2);

  mt_marker_density (matches, G_N_ELEMENTS (matches), G_MAXUINT, 10, 100, four, 4);
  g_assert_cmpuint (four[0], ==, 1);
  g_assert_cmpuint (four[1], ==, 0);
  g_assert_cmpuint (four[2], ==, 2);
  g_assert_cmpuint (four[3], ==, 1);

  /* Without token indices the byte position is used. */
  memset (bins, 0, sizeof bins);
  mt_marker_density (untokenized, G_N_ELEMENTS (untokenized), 0, 0, 100, bins, 2);
  g_assert_cmpuint (bins[0], ==, 1);
  g_assert_cmpuint (bins[1], ==, 1);
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* Users add categories in their config directory, or replace built-ins. */
static void
test_user_categories (void)
{
  g_autofree char *dir = mt_marker_lexicon_get_user_dir ();
  g_autofree char *good = g_build_filename (dir, "b-reflection.json", NULL);
  g_autofree char *replace = g_build_filename (dir, "a-hesitation.json", NULL);
  g_autofree char *bad = g_build_filename (dir, "c-bad.json", NULL);
  g_autofree char *broken = g_build_filename (dir, "d-broken.json", NULL);
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(MtMarkerLexicon) lexicon = NULL;
  guint counts[4] = { 0 };
  GError *first_error, *second_error;
  int reflection;

  g_assert_true (g_str_has_prefix (dir, g_get_user_config_dir ()));
  g_assert_true (g_str_has_suffix (dir, "midthought/markers"));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  write_file (good, "{\"category\": \"reflection\", \"label\": \"Reflection\","
                    " \"description\": \"Looking back\", \"shape\": \"circle\","
                    " \"phrases\": [\"in hindsight\", \"looking back\"]}");
  write_file (replace, "{\"category\": \"hesitation\", \"label\": \"Mine\","
                       " \"shape\": \"triangle\", \"scope\": \"all\", \"phrases\": [\"uh\"]}");
  write_file (bad, "{\"category\": \"bad\", \"label\": \"Bad\", \"shape\": \"star\","
                   " \"phrases\": [\"x\"]}");
  write_file (broken, "{\"category\": \"broken\", \"phrases\": [");

  lexicon = mt_marker_lexicon_new_default (errors);
  g_assert_cmpuint (mt_marker_lexicon_get_n_categories (lexicon), ==, 4);

  /* The replaced built-in keeps its place. */
  g_assert_cmpint (mt_marker_lexicon_find_category (lexicon, "hesitation"), ==, 0);
  g_assert_cmpstr (mt_marker_lexicon_get_label (lexicon, 0), ==, "Mine");
  g_assert_cmpint (mt_marker_lexicon_get_scope (lexicon, 0), ==, MT_MARKER_SCOPE_ALL);

  reflection = mt_marker_lexicon_find_category (lexicon, "reflection");
  g_assert_cmpint (reflection, ==, 3);
  g_assert_cmpstr (mt_marker_lexicon_get_description (lexicon, reflection), ==, "Looking back");
  g_assert_cmpint (mt_marker_lexicon_get_scope (lexicon, reflection), ==, MT_MARKER_SCOPE_ALL);

  mt_marker_lexicon_scan (lexicon, "Uh, wait. In hindsight, looking back: uh", -1, NULL, NULL,
                          counts);
  g_assert_cmpuint (counts[0], ==, 2);
  g_assert_cmpuint (counts[1], ==, 1);
  g_assert_cmpuint (counts[2], ==, 0);
  g_assert_cmpuint (counts[reflection], ==, 2);

  g_assert_cmpuint (errors->len, ==, 2);
  first_error = g_ptr_array_index (errors, 0);
  g_assert_error (first_error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE);
  g_assert_nonnull (strstr (first_error->message, bad));
  g_assert_nonnull (strstr (first_error->message, "star"));
  second_error = g_ptr_array_index (errors, 1);
  g_assert_error (second_error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_SYNTAX);
  g_assert_nonnull (strstr (second_error->message, broken));

  g_remove (good);
  g_remove (replace);
  g_remove (bad);
  g_remove (broken);
}

static void
test_add_from_file (void)
{
  g_autoptr(MtMarkerLexicon) lexicon = mt_marker_lexicon_new ();
  g_autofree char *dir = g_dir_make_tmp ("mt-markers-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "mine.json", NULL);
  g_autoptr(GError) error = NULL;

  write_file (path, "{\"category\": \"mine\", \"label\": \"Mine\", \"phrases\": [\"so yeah\"]}");
  g_assert_true (mt_marker_lexicon_add_from_file (lexicon, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (mt_marker_lexicon_get_shape (lexicon, 0), ==, MT_MARKER_SHAPE_CIRCLE);
  g_assert_cmpstr (mt_marker_lexicon_get_description (lexicon, 0), ==, "");
  g_assert_cmpuint (count (lexicon, "So yeah."), ==, 1);

  g_assert_false (mt_marker_lexicon_add_from_file (lexicon, "/nonexistent/x.json", &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_IO);
  g_clear_error (&error);

  write_file (path, "{\"category\": \"mine\", \"label\": \"Mine\", \"phrases\": []}");
  g_assert_false (mt_marker_lexicon_add_from_file (lexicon, path, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING);
  g_clear_error (&error);

  write_file (path, "{\"category\": \"mine\", \"phrases\": [\"x\"]}");
  g_assert_false (mt_marker_lexicon_add_from_file (lexicon, path, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "\"label\""));
  g_clear_error (&error);

  write_file (path, "[1, 2]");
  g_assert_false (mt_marker_lexicon_add_from_file (lexicon, path, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE);
  g_clear_error (&error);

  /* Failures leave the lexicon as it was. */
  g_assert_cmpuint (mt_marker_lexicon_get_n_categories (lexicon), ==, 1);
  g_assert_cmpstr (mt_marker_lexicon_get_phrases (lexicon, 0)[0], ==, "so yeah");

  g_remove (path);
  g_rmdir (dir);
}

static void
test_invalid_categories (void)
{
  g_autoptr(MtMarkerLexicon) lexicon = mt_marker_lexicon_new ();
  g_autoptr(GError) error = NULL;
  const char *good[] = { "x", NULL };
  const char *empty[] = { NULL };
  const char *blank[] = { "  ", NULL };
  const char *gap[] = { "... then", NULL };

  g_assert_false (mt_marker_lexicon_add_category (lexicon, "has space", "L", NULL, 0,
                                                  MT_MARKER_SCOPE_ALL, good, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE);
  g_clear_error (&error);
  g_assert_false (mt_marker_lexicon_add_category (lexicon, "ok", "", NULL, 0,
                                                  MT_MARKER_SCOPE_ALL, good, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING);
  g_clear_error (&error);
  g_assert_false (mt_marker_lexicon_add_category (lexicon, "ok", "L", NULL, 0,
                                                  MT_MARKER_SCOPE_ALL, empty, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_MISSING);
  g_clear_error (&error);
  g_assert_false (mt_marker_lexicon_add_category (lexicon, "ok", "L", NULL, 0,
                                                  MT_MARKER_SCOPE_ALL, blank, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE);
  g_clear_error (&error);
  g_assert_false (mt_marker_lexicon_add_category (lexicon, "ok", "L", NULL, 0,
                                                  MT_MARKER_SCOPE_ALL, gap, &error));
  g_assert_error (error, MT_FORMAT_ERROR, MT_FORMAT_ERROR_TYPE);
  g_clear_error (&error);
  g_assert_cmpuint (mt_marker_lexicon_get_n_categories (lexicon), ==, 0);
  g_assert_cmpuint (count (lexicon, "x"), ==, 0);
}

static void
test_names (void)
{
  MtMarkerShape shape;
  MtMarkerScope scope;

  for (MtMarkerShape s = MT_MARKER_SHAPE_CIRCLE; s <= MT_MARKER_SHAPE_DIAMOND; s++)
    {
      g_assert_true (mt_marker_shape_from_string (mt_marker_shape_to_string (s), &shape));
      g_assert_cmpint (shape, ==, s);
    }
  g_assert_false (mt_marker_shape_from_string ("star", &shape));
  g_assert_true (mt_marker_scope_from_string ("answer", &scope));
  g_assert_cmpint (scope, ==, MT_MARKER_SCOPE_ANSWER);
  g_assert_cmpstr (mt_marker_scope_to_string (MT_MARKER_SCOPE_ALL), ==, "all");
  g_assert_false (mt_marker_scope_from_string (NULL, &scope));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_remove (path);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = g_dir_make_tmp ("mt-test-markers-XXXXXX", NULL);
  int status;

  /* A config directory of our own, read before GLib caches the user's. */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/markers/builtin", test_builtin);
  g_test_add_func ("/markers/builtin-phrases-match", test_builtin_phrases_match);
  g_test_add_func ("/markers/word-boundaries", test_word_boundaries);
  g_test_add_func ("/markers/case", test_case);
  g_test_add_func ("/markers/multiword", test_multiword);
  g_test_add_func ("/markers/longest-and-categories", test_longest_and_categories);
  g_test_add_func ("/markers/digits-and-gaps", test_digits_and_gaps);
  g_test_add_func ("/markers/token-spans", test_token_spans);
  g_test_add_func ("/markers/density", test_density);
  g_test_add_func ("/markers/user-categories", test_user_categories);
  g_test_add_func ("/markers/add-from-file", test_add_from_file);
  g_test_add_func ("/markers/invalid-categories", test_invalid_categories);
  g_test_add_func ("/markers/names", test_names);

  status = g_test_run ();
  remove_tree (config);
  return status;
}
