/*
 * keyword.h: the second SQL layer, in the front end. A comment- and
 * string-aware scan for walkindb's forbidden words, so that
 * "/ * x * / ATTACH" trips but "SELECT 'attach'" and a column named edit
 * do not. The authorizer in the executor is the real gate.
 */
#ifndef WALKIND_KEYWORD_H
#define WALKIND_KEYWORD_H

#include <stddef.h>

/*
 * Returns the canonical name of the first forbidden word found in
 * sql[0..len) (e.g. "ATTACH", "load_extension"), or NULL if none.
 */
const char *keyword_scan(const char *sql, size_t len);

#endif
