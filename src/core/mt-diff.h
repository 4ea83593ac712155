/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The default bound on a word diff: this many inserted plus deleted words
 * at most. Myers' algorithm keeps a row of 2d + 1 entries for each edit
 * step d to walk back along, so the bound caps its memory at (1000 + 1)^2
 * integers (4 MB) and its time at O((N + M) * 1000): about 40 ms for two
 * 26,000-word traces that differ throughout. */
#define MT_DIFF_DEFAULT_MAX_EDITS 1000

/* A byte range [start, end) of a text. */
typedef struct
{
  gsize start;
  gsize end;
} MtTextSpan;

/* Which words of one text are not in the other. */
typedef struct
{
  GArray   *removed;    /* MtTextSpan in the first text: its words that the second lacks */
  GArray   *inserted;   /* MtTextSpan in the second text: its words that the first lacks */
  guint     n_words_a;
  guint     n_words_b;
  guint     n_common;   /* words in the longest common subsequence found */
  /* FALSE when the texts differ in more than the bound allows: the common
   * head and tail are then still exact and everything between them is
   * reported as changed. */
  gboolean  complete;
} MtWordDiff;

/* Splits @text (@len bytes, -1 for NUL-terminated) into words: runs of
 * letters, digits and marks, or single other non-space characters, so
 * that "x=4." is four words. Appends MtTextSpan to @words. */
void   mt_split_words     (const char *text,
                           gssize      len,
                           GArray     *words);

/* A word-level diff of @a and @b (Myers' O(ND) algorithm on the words of
 * mt_split_words(), after stripping the common head and tail) with at
 * most @max_edits inserted plus deleted words (0 for the default).
 * Adjacent changed words merge into one span, with the blanks between
 * them. */
void   mt_diff_words      (const char *a,
                           gssize      a_len,
                           const char *b,
                           gssize      b_len,
                           guint       max_edits,
                           MtWordDiff *diff);
void   mt_word_diff_clear (MtWordDiff *diff);

G_END_DECLS
