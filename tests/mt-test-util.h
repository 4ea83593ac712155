/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-core.h"

G_BEGIN_DECLS

/* Helpers shared by the core tests. */

/* $MT_SHARED_DATA/@relative, or NULL when the variable is unset or the
 * file is missing (the caller then skips). */
char         *mt_test_shared_path (const char *relative);
/* Token spans with one token per blank-separated word (source STREAM), so
 * a test says exactly how many tokens a text has. */
MtTokenSpans *mt_test_word_spans  (const char *text);
/* @n words of filler ("x x x"), after @lead when it is not empty. */
char         *mt_test_words       (const char *lead,
                                   guint       n);

G_END_DECLS
