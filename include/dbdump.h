/*
 * dbdump.h: the walk-in's database as SQL text that rebuilds it in the
 * sqlite3 shell (`sqlite3 new.db < dump.sql`) or in a new walk-in
 * (executor side). Also the SQL quoting of names and values, shared with
 * the other executor-side operations.
 */
#ifndef WALKIND_DBDUMP_H
#define WALKIND_DBDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct sqlconn;
struct sqlite3;
struct sqlite3_stmt;

/*
 * Write the dump to `out` (reset first) and return:
 *   200 (out = SQL text, UTF-8 where the data is)
 *   409 {"error":"transaction open: COMMIT or ROLLBACK first"}
 *   413 {"error":"dump too large"} (the text would pass max_bytes)
 *   400 {"error":"forbidden sql keyword: X"} (a table the policy will
 *       not read, e.g. one named dbstat)
 *   408 {"error":"query timeout"}
 *   500 {"error":"internal error"}
 * Rows are read through the walk-in's authorizer; generated columns are
 * not read (the CREATE TABLE recomputes them). The caller sets the
 * deadline first (sqlconn_set_deadline).
 */
int	dbdump_sql(struct sqlconn *c, int64_t max_bytes, struct buf *out);

/* Is main.table an fts5 table (it has a hidden column named after
 * itself)? 1 or 0; -1 if the query cannot be prepared. */
int	dbdump_fts5(struct sqlite3 *db, const char *table);

/* Append name as a "..." identifier, '"' doubled. */
void	dbdump_add_ident(struct buf *b, const char *name);

/*
 * Append column i of st's current row as an SQL literal that reads back
 * as the same value: integers exactly, REAL with enough digits (Inf as
 * 1e999, NaN as NULL), text quoted ('' doubled; text holding NUL as
 * CAST(X'..' AS TEXT)), blobs as X'..', NULL.
 */
void	dbdump_add_value(struct buf *b, struct sqlite3_stmt *st, int i);

#endif
