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

/* sqlexec_job.flags; the same values as ipc.h's IPC_JOB_*. */
#define SQLEXEC_ALL_RESULTS	0x1	/* one result entry a statement */
#define SQLEXEC_SCRIPT		0x2	/* statements up to BOUNDS_SCRIPT_BYTES */
/*
 * A share token's job: a statement that is not sqlite3_stmt_readonly, a
 * transaction statement, or anything the authorizer's read-only mode
 * refuses (sqlconn_set_readonly) is a 400 with SQLEXEC_READONLY_MSG.
 */
#define SQLEXEC_READONLY	0x4
#define SQLEXEC_READONLY_MSG	"read-only share: writes are refused"

struct sqlexec_job {
	const char	*sql;		/* len bytes, borrowed */
	size_t		 len;
	const void	*args;		/* value.h's encoding, or NULL */
	size_t		 args_len;
	unsigned	 flags;		/* SQLEXEC_* */
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

/*
 * sqlexec_run with bound parameters and flags. args (when args_len > 0)
 * are bound to each statement (value.h); a problem with them is a 400
 * "invalid args: ...". With SQLEXEC_ALL_RESULTS the body is
 *   {"results":[{"columns":[..],"rows":[[..]],"rows_affected":N,
 *     "last_insert_rowid":N|null,"duration_ms":F[,"truncated":true]},..]}
 * one entry per statement that ran; after a failure the failed
 * statement's entry is {"error":{"message":M,"statement_index":K}} and
 * the body also holds v1's "error":M; the status is v1's. Column names
 * and rows of every statement share --max-result-bytes; names alone
 * over it are 400 "result too large: ...".
 */
/* Skip blanks and SQL comments (and ';' too if `semicolons`) in
 * NUL-terminated text; returns the first byte of what follows. */
const char *sqlexec_skip_space(const char *p, int semicolons);

int	sqlexec_run_job(struct sqlconn *c, const struct sqlexec_job *job,
	    const struct sqlexec_limits *lim, struct buf *out);

/*
 * The message and status of a failure rc on c (from sqlite3_step if
 * `stepping`, else from prepare), as every door reports it: "query
 * timeout" 408, "forbidden sql keyword: X" 400 (what the authorizer
 * denied), "instance storage quota exceeded" 507, "internal error" 500,
 * else "invalid sql: <SQLite's message>" 400. msg is reset first.
 */
int	sqlexec_failure(struct sqlconn *c, int rc, int stepping,
	    struct buf *msg);

#endif
