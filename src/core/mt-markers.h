/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "mt-tokens.h"

G_BEGIN_DECLS

/* How the UI draws a category's ticks: colour is never the only cue. */
typedef enum
{
  MT_MARKER_SHAPE_CIRCLE,
  MT_MARKER_SHAPE_TRIANGLE,
  MT_MARKER_SHAPE_SQUARE,
  MT_MARKER_SHAPE_DIAMOND,
} MtMarkerShape;

/* Where a category's markers count towards a trace's totals: hesitation is
 * about the reasoning, leakage about the answer. Scanning itself always
 * finds every category; the scope only decides what is counted. */
typedef enum
{
  MT_MARKER_SCOPE_REASONING = 1 << 0,
  MT_MARKER_SCOPE_ANSWER    = 1 << 1,
  MT_MARKER_SCOPE_ALL       = MT_MARKER_SCOPE_REASONING | MT_MARKER_SCOPE_ANSWER,
} MtMarkerScope;

/* The longest stretch, in bytes, that a " ... " gap in a phrase may skip. */
#define MT_MARKER_GAP_MAX 200

/* The built-in categories, by id. */
#define MT_MARKER_HESITATION   "hesitation"
#define MT_MARKER_UPDATE_DOUBT "update-doubt"
#define MT_MARKER_LEAKAGE      "leakage"

/* One phrase found in a text. */
typedef struct
{
  guint   category;  /* index into the lexicon */
  guint   phrase;    /* index into that category's phrases */
  gsize   start;     /* byte span in the scanned text */
  gsize   end;
  guint   token;     /* the token holding @start, or G_MAXUINT when no spans were given */
} MtMarkerMatch;

#define MT_TYPE_MARKER_LEXICON (mt_marker_lexicon_get_type ())

G_DECLARE_FINAL_TYPE (MtMarkerLexicon, mt_marker_lexicon, MT, MARKER_LEXICON, GObject)

/* A set of marker categories compiled into one matcher.
 *
 * Phrases match case-insensitively and on word boundaries. ASCII letters
 * match in any case; other letters in the phrase's lower-case form, with a
 * capital first letter, or in all capitals ("подожди", "Подожди",
 * "ПОДОЖДИ"), not in other mixtures. For word boundaries ASCII letters and
 * digits and every non-ASCII byte are word characters. A space in a phrase matches any run of
 * whitespace, "#" matches a run of digits, and " ... " lets the rest of the
 * phrase start at a word up to MT_MARKER_GAP_MAX bytes later ("first, ...
 * then"). Within one category matches do not overlap: at each position the
 * longest phrase wins and hides shorter ones inside it ("but wait" counts
 * once, not also as "wait"); categories are independent of each other.
 *
 * Scanning only reads the lexicon, so one lexicon may scan from many
 * threads at once as long as no category is added meanwhile. */
MtMarkerLexicon    *mt_marker_lexicon_new              (void);
/* The built-in categories (compiled into the library), then the user's from
 * $XDG_CONFIG_HOME/midthought/markers/ in name order. A user file with a
 * built-in id replaces it. Files that cannot be used are skipped and their
 * errors appended to @errors (of GError, may be NULL). */
MtMarkerLexicon    *mt_marker_lexicon_new_default      (GPtrArray           *errors);
/* Where the user's own categories live. */
char               *mt_marker_lexicon_get_user_dir     (void);
/* Adds every *.json of @dir in name order; returns how many were added. */
guint               mt_marker_lexicon_add_from_dir     (MtMarkerLexicon     *self,
                                                        const char          *dir,
                                                        GPtrArray           *errors);
/* A category file: {"category", "label", "description", "shape", "scope",
 * "phrases": [...]}; "shape" defaults to circle and "scope" (reasoning,
 * answer or all) to all. A category whose id is already there is replaced
 * in place, keeping its index. */
gboolean            mt_marker_lexicon_add_from_file    (MtMarkerLexicon     *self,
                                                        const char          *path,
                                                        GError             **error);
gboolean            mt_marker_lexicon_add_from_bytes   (MtMarkerLexicon     *self,
                                                        GBytes              *bytes,
                                                        GError             **error);
gboolean            mt_marker_lexicon_add_category     (MtMarkerLexicon     *self,
                                                        const char          *id,
                                                        const char          *label,
                                                        const char          *description,
                                                        MtMarkerShape        shape,
                                                        MtMarkerScope        scope,
                                                        const char * const  *phrases,
                                                        GError             **error);

guint               mt_marker_lexicon_get_n_categories (MtMarkerLexicon     *self);
/* The index of category @id, or -1. */
int                 mt_marker_lexicon_find_category    (MtMarkerLexicon     *self,
                                                        const char          *id);
const char         *mt_marker_lexicon_get_id           (MtMarkerLexicon     *self,
                                                        guint                category);
const char         *mt_marker_lexicon_get_label        (MtMarkerLexicon     *self,
                                                        guint                category);
const char         *mt_marker_lexicon_get_description  (MtMarkerLexicon     *self,
                                                        guint                category);
MtMarkerShape       mt_marker_lexicon_get_shape        (MtMarkerLexicon     *self,
                                                        guint                category);
MtMarkerScope       mt_marker_lexicon_get_scope        (MtMarkerLexicon     *self,
                                                        guint                category);
/* The phrases as written in the category file. */
const char * const *mt_marker_lexicon_get_phrases      (MtMarkerLexicon     *self,
                                                        guint                category);

/* Finds every marker in @text (@len bytes, -1 for NUL-terminated) in one
 * pass. Matches are appended to @matches (of MtMarkerMatch, may be NULL) in
 * order of their start, with token indices when @spans (over @text) is
 * given; @counts (one per category, may be NULL) is incremented. Returns
 * the number of matches. */
guint               mt_marker_lexicon_scan             (MtMarkerLexicon     *self,
                                                        const char          *text,
                                                        gssize               len,
                                                        const MtTokenSpans  *spans,
                                                        GArray              *matches,
                                                        guint               *counts);

/* Adds the matches of @category (G_MAXUINT for all) to @bins, n_bins
 * equal slices of the text's normalized position 0..1: by token when the
 * matches carry token indices and @n_tokens > 0, else by byte over
 * @text_length. */
void                mt_marker_density                  (const MtMarkerMatch *matches,
                                                        guint                n_matches,
                                                        guint                category,
                                                        guint                n_tokens,
                                                        gsize                text_length,
                                                        guint               *bins,
                                                        guint                n_bins);

const char         *mt_marker_shape_to_string          (MtMarkerShape        shape);
gboolean            mt_marker_shape_from_string        (const char          *name,
                                                        MtMarkerShape       *shape);
const char         *mt_marker_scope_to_string          (MtMarkerScope        scope);
gboolean            mt_marker_scope_from_string        (const char          *name,
                                                        MtMarkerScope       *scope);

G_END_DECLS
