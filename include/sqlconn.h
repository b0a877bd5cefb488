/*
 * sqlconn.h: one hardened SQLite connection for one walk-in (executor side).
 *
 * sqlconn_open applies, in order: open (no URI, NOFOLLOW), db_config
 * (DEFENSIVE, no extensions, no fts3 tokenizer, trusted_schema off), a
 * BOUNDS_LOCK_WAIT_MS busy timeout, pragmas (TRUNCATE journal, EXCLUSIVE
 * locking, mmap off, temp_store memory, cell_size_check, synchronous
 * OFF), max_page_count from the real page size,
 * sqlite3_limit for every limit in bounds.h, the deadline progress
 * handler, failing stand-ins for printf/format, and the authorizer last.
 * docs/sql-policy.md is the reader's version of the policy.
 */
#ifndef WALKIND_SQLCONN_H
#define WALKIND_SQLCONN_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct sqlconn;

struct sqlconn_opts {
	int64_t	max_db_bytes;	/* cap in bytes; pages = cap / page_size */
	int	threads;	/* SQLITE_LIMIT_WORKER_THREADS, 0..BOUNDS_MAX_THREADS */
};

/*
 * Process-wide SQLite setup, once, before any connection or sandbox:
 * SQLITE_CONFIG_URI off, initialize, seed the PRNG, hard heap limit
 * (`heap_limit` bytes, 0 = none). Returns 0 or -1.
 */
int	sqlconn_global_init(int64_t heap_limit);

/*
 * Open `path` (absolute, server-built) and harden it. Returns NULL and a
 * message in err on failure. The caller frees with sqlconn_close.
 */
struct sqlconn *sqlconn_open(const char *path, const struct sqlconn_opts *o,
	    char *err, size_t errlen);
/* The same with NORMAL locking: one of several connections to the file
 * (streams.c). */
struct sqlconn *sqlconn_open_shared(const char *path,
	    const struct sqlconn_opts *o, char *err, size_t errlen);
/*
 * The same hardening (db_config, limits, stand-ins, deadline, authorizer)
 * on a private in-memory database, for checking an imported file apart
 * from the walk-in: holding a copy of image[0..len) that cannot grow (the
 * caller has checked its header), or empty when len is 0. The cap,
 * threads and current deadline are taken from `like`. Returns NULL and
 * a message in err on failure (a file SQLite cannot read fails here).
 * The caller frees with sqlconn_close.
 */
struct sqlconn *sqlconn_open_memory(const struct sqlconn *like,
	    const void *image, size_t len, char *err, size_t errlen);
/*
 * Recompute max_page_count = cap / page_size after an import: from
 * `page_size` when the file is about to take it (still empty), or from
 * the file's own page size when page_size is 0. The authorizer lets
 * this one PRAGMA through only while the call runs. Returns 0 or -1.
 */
int	sqlconn_recap(struct sqlconn *c, int64_t page_size);
/*
 * Roll back an open transaction, remove the journal if it is empty and
 * this connection can lock the file (otherwise leave it: it may be hot,
 * or another connection's), close, free c. NULL is a no-op.
 */
void	sqlconn_close(struct sqlconn *c);
struct sqlite3 *sqlconn_db(struct sqlconn *c);	/* borrowed, lives as c */

/*
 * Switch an open connection from EXCLUSIVE to NORMAL locking, so other
 * connections of the same executor can use the file (streams.c), and
 * let the exclusive lock go now (outside a transaction). The
 * authorizer lets this one PRAGMA through only while the call runs.
 * Returns 0 or -1.
 */
int	sqlconn_share(struct sqlconn *c);
/*
 * PRAGMA query_only on (a read-only transaction began) or off (it
 * ended). While on, the authorizer refuses PRAGMA query_only=... from
 * SQL, so the transaction cannot lift it. Returns 0 or -1.
 */
int	sqlconn_set_readonly(struct sqlconn *c, int on);
int	sqlconn_readonly(const struct sqlconn *c);	/* 1 while on */

/* Progress handler interrupts once now_ms() passes this; 0 = none. The
 * request starts now: BOUNDS_DEMOTE_MS from now, the progress handler
 * demotes the process (sqlconn_demoted). */
void	sqlconn_set_deadline(struct sqlconn *c, int64_t deadline_mono_ms);
/* 1 once a request of this process has run BOUNDS_DEMOTE_MS and was
 * lowered to nice BOUNDS_DEMOTE_NICE (process-wide, for good: an
 * unprivileged process cannot raise it back). */
int	sqlconn_demoted(void);
/*
 * 1 if the progress handler interrupted since the last set_deadline. The
 * handler runs every BOUNDS_PROGRESS_OPS VM steps; it cannot stop a
 * single long function call, so the executor's parent must still kill.
 */
int	sqlconn_timed_out(const struct sqlconn *c);

/*
 * What the authorizer (or a printf/format stand-in) first denied since
 * sqlconn_clear_denied, in the form used after "forbidden sql keyword: "
 * (e.g. "ATTACH", "VACUUM", "TEMP", "load_extension", "fts3",
 * "PRAGMA max_page_count"), or NULL. The string lives in c until the next
 * clear. Clear before each statement's prepare: it also ends the ALTER
 * TABLE window in which SQLite's own nested SQL may call printf.
 */
const char *sqlconn_denied(const struct sqlconn *c);
void	sqlconn_clear_denied(struct sqlconn *c);

/*
 * Read-only mode (a share token's job, sqlexec.h): while on, the
 * authorizer allows only SELECT, READ, FUNCTION, RECURSIVE and PRAGMAs
 * that only read, and reports anything else as SQLCONN_DENIED_READONLY.
 * Not sqlconn_set_readonly (a Hrana read-only transaction's query_only).
 */
#define SQLCONN_DENIED_READONLY	"read-only"
void	sqlconn_set_read_job(struct sqlconn *c, int on);

#endif
