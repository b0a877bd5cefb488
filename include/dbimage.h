/*
 * dbimage.h: the walk-in's database as one SQLite file, out (export) and
 * in (import), executor side. Both run on the walk-in's own hardened
 * connection inside the jail; nothing is written outside the walk-in's
 * database file and its journal. The caller sets the deadline first
 * (sqlconn_set_deadline), as for sqlexec_run.
 */
#ifndef WALKIND_DBIMAGE_H
#define WALKIND_DBIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct sqlconn;

/*
 * The database as one consistent file: its bytes in `out` (reset first),
 * header bytes 18/19 = 1 (a rollback-journal file, readable anywhere).
 * An empty walk-in gives a one-page empty database. Returns:
 *   200 (out = the file)
 *   409 {"error":"transaction open: COMMIT or ROLLBACK first"}
 *   408 {"error":"query timeout"}
 *   500 {"error":"internal error"}
 */
int	dbimage_export(struct sqlconn *c, struct buf *out);

/*
 * Replace the content of c, a new and empty walk-in, with the database
 * file p[0..len) after checking it entirely in this process (header,
 * PRAGMA integrity_check in a separate hardened in-memory connection, then
 * the schema replayed under the walk-in's policy), and re-derive
 * max_page_count from the imported page size. Writes the reply body to
 * `out` (reset first) and returns:
 *   200 {"imported":true,"bytes":N,"page_size":P}
 *   400 {"error":"invalid database: <reason>"} (c left empty)
 *   408 {"error":"query timeout"}
 *   500 {"error":"internal error"} (c not empty, or I/O)
 *   507 {"error":"instance storage quota exceeded"}
 * p is borrowed for the call only.
 */
int	dbimage_import(struct sqlconn *c, const void *p, size_t len,
	    int64_t max_db_bytes, struct buf *out);

#endif
