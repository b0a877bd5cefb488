/*
 * keyword.h: the second SQL layer, in the front end. A scan of the
 * tokens SQLite itself would cut for walkindb's forbidden words (and
 * VACUUM): ATTACH, DETACH and VACUUM trip as statements, the dangerous
 * functions when called however quoted ("load_extension"('x') trips),
 * and none trips inside a string or comment or as a column, alias,
 * table or CTE name (a column named attach, a CTE named edit pass).
 * The authorizer in the executor is the real gate; see keyword.c.
 */
#ifndef WALKIND_KEYWORD_H
#define WALKIND_KEYWORD_H

#include <stddef.h>

/*
 * Returns the canonical name of the first forbidden use found in
 * sql[0..len) (e.g. "ATTACH", "load_extension"), or NULL if none. The
 * name is a string literal. Reads only sql[0..len); sql need not be
 * NUL-terminated, and may be NULL when len is 0.
 */
const char *keyword_scan(const char *sql, size_t len);

#endif
