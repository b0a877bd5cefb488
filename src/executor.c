/*
 * executor.c: one walk-in's SQL, in its own process.
 *
 * Order: detach from everything inherited (fds, signals), die with the
 * spawner, reseed SQLite's PRNG from /dev/urandom (the one file it needs
 * that the jail does not grant), enter the jail (rlimits, the Landlock
 * domain of this walk-in's directory alone, the executor's seccomp
 * filter), and only then open and harden the connection, then serve.
 *
 * The walk-in's files are untrusted input: an executor running code
 * through a SQLite bug can leave anything in its directory (a crafted
 * db.sqlite, or a hot journal naming a "super-journal" elsewhere, which
 * SQLite would open, read and delete during the rollback). So the first
 * open of db.sqlite, the hot-journal rollback and the schema parse all
 * happen inside this walk-in's own jail, never in the spawner's domain,
 * which reaches every walk-in under DATA/instances. tests/sandbox
 * (test_order) traces a fresh executor to prove the order.
 *
 * The walk-in's spec (walkin_spec.h: its byte cap and dataset grant,
 * from its meta, read by the spawner) is applied before the jail: the
 * cap replaces --max-db-bytes in this process's copy of the
 * configuration (rlimits, max_page_count, GET /session's limit), and
 * the grant decides which --dataset files get a read-only Landlock rule
 * and an ATTACH (dataset.h, sqlconn.c); the datasets are attached after
 * the lockdown, like the walk-in's own file.
 *
 * A request runs to its reply; the front end SIGKILLs us if the reply
 * does not come within the deadline plus BOUNDS_KILL_GRACE_MS. On EOF
 * (idle timeout, eviction, TTL, shutdown) an open transaction is rolled
 * back, the empty journal the connection kept is removed (sqlconn_close),
 * and we exit. We also exit after the reply to a request that was
 * demoted for running long (executor_retiring), so the walk-in's next
 * request runs at normal priority in a fresh executor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bounds.h"
#include "config.h"
#include "dataset.h"
#include "execjob.h"
#include "executor.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "sqlconn.h"
#include "streams.h"

#define EXEC_FD	PROC_FD

/*
 * The PRNG state was inherited from the spawner, so every executor would
 * draw the same numbers. SQLite notices a new pid at its first open and
 * reseeds from /dev/urandom at its next draw, which would be inside the
 * jail, where /dev/urandom is not granted (SQLite would then fall back to
 * time and pid). So reset and draw here, before the jail: SQLite opens
 * /dev/urandom now and records this pid, and the open does not reset it.
 * No walk-in file is touched.
 */
static void
executor_seed(void)
{
	unsigned int seed;

	sqlite3_randomness(0, NULL);
	sqlite3_randomness(sizeof(seed), &seed);
}

/*
 * Inside the jail: opening reads page 1 (the schema) and rolls back a
 * hot journal. A failure (a journal that cannot be rolled back within
 * the jail and the rlimits, a file that is not a database) ends the
 * process: the front end answers 500 for that request, and a rollback
 * journal SQLite could not play back stays for the next executor.
 */
static struct sqlconn *
executor_open(const struct config *cfg, const char *dir)
{
	struct sqlconn_opts o = { cfg->max_db_bytes, (int)cfg->threads };
	struct sqlconn *c;
	char path[4200], err[256];

	snprintf(path, sizeof(path), "%s/db.sqlite", dir);
	if ((c = sqlconn_open(path, &o, err, sizeof(err))) == NULL) {
		log_warnx("open walk-in database: %s", err);
		_exit(1);
	}
	return c;
}

/*
 * CPU fairness: a request that ran past BOUNDS_DEMOTE_MS left this
 * process at nice BOUNDS_DEMOTE_NICE, which it cannot undo, so it ends
 * after the reply (IPC_RESULT_LAST), unless the walk-in has state only
 * this process holds: an open transaction or a Hrana stream. It retires
 * after the first reply that leaves none.
 */
static int
executor_retiring(struct sqlconn *c)
{
	return sqlconn_demoted() && sqlite3_get_autocommit(sqlconn_db(c)) &&
	    !streams_busy();
}

static void
executor_serve(const struct config *cfg, struct sqlconn *c)
{
	int64_t cpu_window = cfg->query_timeout_ms / 1000 + 2;
	struct buf in, out;
	struct ipc_hdr h;
	int status, last;

	buf_init(&in);
	buf_init(&out);
	for (;;) {
		if (ipc_recv_frame(EXEC_FD, &h, &in, ipc_job_max(cfg)) == -1 ||
		    h.type != IPC_EXEC)
			break;
		if (!cfg->insecure_no_sandbox)
			rlimit_cpu_window(cpu_window);
		status = execjob_run(c, cfg, in.data ? in.data : "", in.len,
		    &out);
		last = executor_retiring(c);
		if (ipc_send_frame(EXEC_FD, last ? IPC_RESULT_LAST : IPC_RESULT,
		    (uint16_t)status, h.seq, out.data, (uint32_t)out.len) == -1 ||
		    last)
			break;
	}
	buf_free(&in);
	buf_free(&out);
}

/* A claim's path: the spawner builds it in a buffer of this size. */
#define EXEC_CLAIM_MAX	4200

/*
 * A warm executor, jailed and not yet claimed: run a create's kind of
 * work once on a private in-memory database (no file, fixed SQL, no
 * input), so the heap growth and first-touch page faults of SQLite's
 * first connection in this process (lookaside, page cache, the parser's
 * and schema's allocations: copy-on-write faults after the fork, which
 * cost tens of microseconds each under this machine's paravirtualised
 * MMU) are paid before the claim, not on the create's path.
 */
static void
executor_prewarm(void)
{
	sqlite3 *db;

	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_PRIVATECACHE, NULL) == SQLITE_OK)
		(void)sqlite3_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, "
		    "v TEXT); INSERT INTO t(v) VALUES('x'); SELECT * FROM t",
		    NULL, NULL, NULL);
	sqlite3_close(db);
}

/* A warm executor, jailed: say so (the spawner renames the spare
 * directory only then, or the jail's rule could miss it), then wait for
 * the walk-in directory it became (IPC_CLAIM); exit on EOF (never
 * claimed). */
static const char *
executor_claimed(struct buf *b)
{
	struct ipc_hdr h;

	executor_prewarm();
	if (ipc_send_frame(EXEC_FD, IPC_CLAIM, 0, 0, NULL, 0) == -1 ||
	    ipc_recv_frame(EXEC_FD, &h, b, EXEC_CLAIM_MAX) == -1 ||
	    h.type != IPC_CLAIM || h.len == 0)
		_exit(0);
	return buf_cstr(b);
}

void
executor_main(const struct config *node_cfg, const char *dir, int sock,
    pid_t spawner, const struct walkin_spec *spec, int warm)
{
	static struct config ecfg;
	const struct config *cfg = &ecfg;
	struct sandbox_params sp = { &ecfg, dir, -1 };
	struct sqlconn *c;
	struct buf claim;

	ecfg = *node_cfg;
	if (spec->max_db_bytes > 0)
		ecfg.max_db_bytes = spec->max_db_bytes;
	dataset_select(spec->grant);
	log_init("executor", cfg->verbose);
	/* `spawner` was taken before the fork (proc.h says why). */
	proc_detach(sock, spawner, PROC_NULL_STDIO, "walkind-exec");
	executor_seed();
	/* Lockdown first: no walk-in file has been opened yet (prepare
	 * opens the directory O_PATH, for the Landlock rule only). */
	if (sandbox_prepare(SANDBOX_EXECUTOR, &sp) == -1)
		_exit(1);
	sandbox_enter(SANDBOX_EXECUTOR);
	buf_init(&claim);
	if (warm)
		dir = executor_claimed(&claim);
	c = executor_open(cfg, dir);
	executor_serve(cfg, c);
	streams_close_all();	/* Hrana streams' connections first */
	sqlconn_close(c);	/* rolls back, removes the empty journal */
	_exit(0);
}
