/*
 * sqlexec.h: run one request's SQL on a hardened connection and encode
 * the reply body (executor side).
 */
#ifndef WALKIND_SQLEXEC_H
#define WALKIND_SQLEXEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct sqlconn;

struct sqlexec_limits {
	int64_t	max_rows;		/* rows kept in the reply */
	int64_t	max_result_bytes;	/* encoded row data kept in the reply */
	int64_t	timeout_ms;		/* wall clock for the whole request */
};

/*
 * Run every statement of sql[0..len) in order, stopping at the first
 * error (earlier statements stay applied). Writes the JSON reply body to
 * `out` (reset first) and returns its HTTP status:
 *   200 {"columns":[..],"rows":[[..]],"rows_affected":N[,"truncated":true]}
 *       (columns/rows from the last statement that returned a result set,
 *       omitted when none did)
 *   400 {"error":"forbidden sql keyword: X"} (authorizer denial)
 *   400 {"error":"invalid sql: <sqlite message>"}
 *   408 {"error":"query timeout"}
 *   507 {"error":"instance storage quota exceeded"} (SQLITE_FULL)
 *   500 {"error":"internal error"} (I/O error, corruption, misuse)
 * rows_affected sums sqlite3_changes64() over the request's top-level
 * INSERT/REPLACE/UPDATE/DELETE statements (trigger changes not counted).
 * An open transaction stays open for the next request. sql must not
 * contain NUL (the front end rejects it; here it is a 400 too).
 */
int	sqlexec_run(struct sqlconn *c, const char *sql, size_t len,
	    const struct sqlexec_limits *lim, struct buf *out);

#endif
