/*
 * test_sqlconn.c: the hardened connection itself: every setting of the
 * open checklist read back, bad paths refused, the denial record, the
 * deadline, rollback on close, the journal's life (zero length while
 * open, removed by a clean close, never when it has content or another
 * connection holds the file), the wait for a lock an exiting executor
 * still holds, and recovery after a SIGKILL mid-write.
 * The authorizer's rules are exercised end to end in test_sqlexec.c.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "bounds.h"
#include "sqlconn.h"
#include "unit.h"

static char	tdir[] = "/tmp/walkind-sqlconn-XXXXXX";
static char	dbpath[256];
static char	jpath[300];

/* Another process on the walk-in's file, with plain SQLite. */
struct holder {
	pid_t	pid;
	int	go;	/* parent -> child: run the SQL now */
	int	done;	/* child -> parent: it ran */
};

static void	child_write_then_wait(int) __attribute__((noreturn));
static void	holder_main(int, int, const char *, int)
		    __attribute__((noreturn));

static struct sqlconn *
open_at(const char *path, int64_t max_db_bytes, int threads)
{
	struct sqlconn_opts o = { max_db_bytes, threads };
	char err[256];

	return sqlconn_open(path, &o, err, sizeof(err));
}

static int64_t
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -999;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -998;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The journal's size, or -1 when there is none. */
static long long
journal_size(void)
{
	struct stat st;

	if (lstat(jpath, &st) == -1)
		return -1;
	return (long long)st.st_size;
}

static int
write_journal(const char *text)
{
	FILE *f = fopen(jpath, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/*
 * Child of holder_start. It opens its connection before the parent opens
 * one (SQLite's lock bookkeeping must not cross fork), runs sql once
 * told to, then holds what it took: for hold_ms and exits, or until
 * killed when hold_ms is 0.
 */
static void
holder_main(int go, int done, const char *sql, int hold_ms)
{
	struct timespec ts = { hold_ms / 1000, (hold_ms % 1000) * 1000000L };
	sqlite3 *db;
	char ch;

	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || read(go, &ch, 1) != 1 ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		_exit(2);
	(void)!write(done, "x", 1);
	if (hold_ms > 0) {
		nanosleep(&ts, NULL);
		_exit(0);	/* the kernel drops its locks */
	}
	for (;;)
		pause();
}

static int
holder_start(struct holder *h, const char *sql, int hold_ms)
{
	int go[2], done[2];

	if (pipe(go) == -1 || pipe(done) == -1)
		return -1;
	if ((h->pid = fork()) == 0) {
		close(go[1]);
		close(done[0]);
		holder_main(go[0], done[1], sql, hold_ms);
	}
	close(go[0]);
	close(done[1]);
	h->go = go[1];
	h->done = done[0];
	return h->pid > 0 ? 0 : -1;
}

/* Let the holder run its SQL; 0 once it has. */
static int
holder_run(struct holder *h)
{
	char ch;

	if (write(h->go, "g", 1) != 1 || read(h->done, &ch, 1) != 1)
		return -1;
	return 0;
}

/* SIGKILL it (as the front end kills an executor) and reap it. */
static int
holder_stop(struct holder *h)
{
	int status = 0;

	kill(h->pid, SIGKILL);
	close(h->go);
	close(h->done);
	return waitpid(h->pid, &status, 0) == h->pid ? status : -1;
}

static int
dbconfig(sqlite3 *db, int op)
{
	int v = -1;

	sqlite3_db_config(db, op, -1, &v);
	return v;
}

static void
test_setup(void)
{
	CHECK_INT(sqlconn_global_init(64L * 1024 * 1024), 0);
	CHECK_INT(sqlconn_global_init(64L * 1024 * 1024), 0);	/* once */
	CHECK_INT(sqlite3_hard_heap_limit64(-1), 64L * 1024 * 1024);
	if (mkdtemp(tdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(dbpath, sizeof(dbpath), "%s/w.db", tdir);
	snprintf(jpath, sizeof(jpath), "%s-journal", dbpath);
}

static void
test_bad_open(void)
{
	struct sqlconn_opts o = { 65536, 0 };
	char err[128], link[300];

	err[0] = '\0';
	CHECK(sqlconn_open("rel.db", &o, err, sizeof(err)) == NULL);
	CHECK(err[0] != '\0');
	CHECK(sqlconn_open("file:x.db?vfs=memdb", &o, err, sizeof(err)) ==
	    NULL);
	CHECK(sqlconn_open(NULL, &o, err, sizeof(err)) == NULL);
	CHECK(open_at(dbpath, 0, 0) == NULL);
	CHECK(open_at(dbpath, 65536, -1) == NULL);
	CHECK(open_at(dbpath, 65536, BOUNDS_MAX_THREADS + 1) == NULL);
	CHECK(access(dbpath, F_OK) == -1);	/* nothing created */
	/* No symlinks: a link planted in the directory is not followed. */
	snprintf(link, sizeof(link), "%s/link.db", tdir);
	CHECK_INT(symlink(dbpath, link), 0);
	err[0] = '\0';
	CHECK(sqlconn_open(link, &o, err, sizeof(err)) == NULL);
	CHECK(strncmp(err, "open:", 5) == 0);
	CHECK(access(dbpath, F_OK) == -1);
	unlink(link);
	/* Not a database: refused at setup, not later. */
	snprintf(link, sizeof(link), "%s/junk.db", tdir);
	{
		FILE *f = fopen(link, "w");

		if (f != NULL) {
			fputs("this is not an SQLite database, not at all......."
			    "..................................................", f);
			fclose(f);
		}
	}
	CHECK(sqlconn_open(link, &o, err, sizeof(err)) == NULL);
	unlink(link);
}

static void
test_settings(void)
{
	struct sqlconn *c = open_at(dbpath, 10485760, 2);
	sqlite3 *db;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	db = sqlconn_db(c);
	CHECK_INT(dbconfig(db, SQLITE_DBCONFIG_DEFENSIVE), 1);
	CHECK_INT(dbconfig(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION), 0);
	CHECK_INT(dbconfig(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER), 0);
	CHECK_INT(dbconfig(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA), 0);
	CHECK_INT(dbconfig(db, SQLITE_DBCONFIG_DQS_DML), 1);
	CHECK_INT(dbconfig(db, SQLITE_DBCONFIG_DQS_DDL), 1);
	CHECK_INT(dbconfig(db, SQLITE_DBCONFIG_ENABLE_TRIGGER), 1);
	CHECK_INT(dbconfig(db, SQLITE_DBCONFIG_ENABLE_VIEW), 1);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, -1),
	    BOUNDS_SQL_LENGTH);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_LENGTH, -1), BOUNDS_LENGTH);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_COLUMN, -1), BOUNDS_COLUMN);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, -1),
	    BOUNDS_EXPR_DEPTH);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_COMPOUND_SELECT, -1),
	    BOUNDS_COMPOUND_SELECT);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_VDBE_OP, -1), BOUNDS_VDBE_OP);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_FUNCTION_ARG, -1),
	    BOUNDS_FUNCTION_ARG);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, -1), 0);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, -1),
	    BOUNDS_LIKE_PATTERN);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, -1),
	    BOUNDS_VARIABLE_NUMBER);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_TRIGGER_DEPTH, -1),
	    BOUNDS_TRIGGER_DEPTH);
	CHECK_INT(sqlite3_limit(db, SQLITE_LIMIT_WORKER_THREADS, -1), 2);
	/* Allowed reads through the authorizer. */
	CHECK_INT(query_int(db, "PRAGMA page_size"), 4096);
	CHECK_INT(query_int(db, "PRAGMA max_page_count"), 2560);
	/* Denied reads: the authorizer is in force. */
	CHECK_INT(query_int(db, "PRAGMA mmap_size"), -998);
	CHECK_STR(sqlconn_denied(c), "PRAGMA mmap_size");
	/* Inspect the rest with the authorizer lifted (test only). */
	sqlite3_set_authorizer(db, NULL, NULL);
	CHECK_INT(query_int(db, "PRAGMA mmap_size"), 0);
	CHECK_INT(query_int(db, "PRAGMA temp_store"), 2);	/* MEMORY */
	CHECK_INT(query_int(db, "PRAGMA cell_size_check"), 1);
	CHECK_INT(query_int(db, "PRAGMA synchronous"), 0);	/* OFF */
	CHECK_INT(query_int(db, "SELECT journal_mode = 'truncate' FROM "
	    "pragma_journal_mode"), 1);
	CHECK_INT(query_int(db, "SELECT locking_mode = 'exclusive' FROM "
	    "pragma_locking_mode"), 1);
	CHECK_INT(query_int(db, "PRAGMA busy_timeout"), BOUNDS_LOCK_WAIT_MS);
	CHECK_INT(query_int(db, "PRAGMA recursive_triggers"), 0);
	sqlconn_close(c);
}

static void
test_cap_rounding(void)
{
	struct sqlconn *c;

	/* Less than one page still leaves a one-page cap, not none. */
	c = open_at(dbpath, 100, 0);
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_INT(query_int(sqlconn_db(c), "PRAGMA max_page_count"), 1);
		sqlconn_close(c);
	}
	c = open_at(dbpath, 10000, 0);
	CHECK(c != NULL);
	if (c != NULL) {
		CHECK_INT(query_int(sqlconn_db(c), "PRAGMA max_page_count"), 2);
		sqlconn_close(c);
	}
}

static void
test_denied_record(void)
{
	struct sqlconn *c = open_at(dbpath, 65536, 0);
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	char sql[200];
	int rc;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	db = sqlconn_db(c);
	CHECK(sqlconn_denied(c) == NULL);
	/* The first denial is kept (function denials are SQLITE_ERROR). */
	rc = sqlite3_prepare_v2(db, "SELECT sqlite_log(1, 'x'), "
	    "rtreenode(2, x'')", -1, &st, NULL);
	CHECK_INT(rc, SQLITE_ERROR);
	CHECK_STR(sqlconn_denied(c), "sqlite_log");
	rc = sqlite3_prepare_v2(db, "ATTACH 'x' AS y", -1, &st, NULL);
	CHECK_STR(sqlconn_denied(c), "sqlite_log");
	sqlconn_clear_denied(c);
	CHECK(sqlconn_denied(c) == NULL);
	/* Caller text in the name: lowercased, printable, capped. */
	rc = sqlite3_prepare_v2(db, "PRAGMA \"Ab\x01 c\xff\"", -1, &st, NULL);
	CHECK_INT(rc, SQLITE_AUTH);
	CHECK_STR(sqlconn_denied(c), "PRAGMA ab??c?");
	sqlconn_clear_denied(c);
	snprintf(sql, sizeof(sql), "PRAGMA %0100d", 0);
	sql[7] = 'X';
	sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	CHECK(sqlconn_denied(c) != NULL &&
	    strlen(sqlconn_denied(c)) == strlen("PRAGMA ") + 48);
	CHECK(sqlconn_denied(c) != NULL && sqlconn_denied(c)[7] == 'x');
	sqlconn_clear_denied(c);
	/* Allowed statements record nothing. */
	rc = sqlite3_prepare_v2(db, "SELECT 1", -1, &st, NULL);
	CHECK_INT(rc, SQLITE_OK);
	sqlite3_finalize(st);
	CHECK(sqlconn_denied(c) == NULL);
	sqlconn_close(c);
}

static void
test_deadline(void)
{
	struct sqlconn *c = open_at(dbpath, 65536, 0);
	const char *loop = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL "
	    "SELECT i + 1 FROM r) SELECT count(*) FROM r";
	int64_t t0;
	int rc;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	t0 = clock_mono_ms();
	CHECK(t0 > 0);
	sqlconn_set_deadline(c, t0 + 100);
	rc = sqlite3_exec(sqlconn_db(c), loop, NULL, NULL, NULL);
	CHECK_INT(rc, SQLITE_INTERRUPT);
	CHECK_INT(sqlconn_timed_out(c), 1);
	CHECK(clock_mono_ms() - t0 >= 100);
	CHECK(clock_mono_ms() - t0 < 1000);
	/* A new deadline clears the flag; 0 means none. */
	sqlconn_set_deadline(c, 0);
	CHECK_INT(sqlconn_timed_out(c), 0);
	rc = sqlite3_exec(sqlconn_db(c), "WITH RECURSIVE r(i) AS (SELECT 1 "
	    "UNION ALL SELECT i + 1 FROM r LIMIT 100000) SELECT count(*) "
	    "FROM r", NULL, NULL, NULL);
	CHECK_INT(rc, SQLITE_OK);
	CHECK_INT(sqlconn_timed_out(c), 0);
	/* A deadline already past stops the first long statement. */
	sqlconn_set_deadline(c, clock_mono_ms() - 1);
	CHECK_INT(sqlite3_exec(sqlconn_db(c), loop, NULL, NULL, NULL),
	    SQLITE_INTERRUPT);
	sqlconn_close(c);
}

static void
test_close_rolls_back(void)
{
	struct sqlconn *c = open_at(dbpath, 1048576, 0);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(sqlite3_exec(sqlconn_db(c), "CREATE TABLE k(x); "
	    "INSERT INTO k VALUES(1); BEGIN; INSERT INTO k VALUES(2)",
	    NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(sqlite3_get_autocommit(sqlconn_db(c)), 0);
	CHECK(journal_size() > 0);		/* the open transaction's */
	sqlconn_close(c);
	CHECK_INT(journal_size(), -1);		/* rolled back, then removed */
	c = open_at(dbpath, 1048576, 0);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(query_int(sqlconn_db(c), "SELECT sum(x) FROM k"), 1);
	sqlconn_close(c);
}

/*
 * An empty database (a walk-in that never committed) is left as it was:
 * no journal, no page written by the close. The second round is
 * fuzz_sql's find: a rolled-back write leaves the empty journal beside
 * a database of no pages, where taking the lock starts page 1.
 */
static void
test_journal_none_on_empty_db(void)
{
	const char *sql[] = { "SELECT count(*) FROM sqlite_master",
	    "SAVEPOINT a; CREATE TABLE t(x)" };
	char path[300], jp[320];
	struct sqlconn *c;
	struct stat st;
	size_t i;

	snprintf(path, sizeof(path), "%s/empty.db", tdir);
	snprintf(jp, sizeof(jp), "%s-journal", path);
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		c = open_at(path, 1048576, 0);
		CHECK(c != NULL);
		if (c == NULL)
			return;
		CHECK_INT(sqlite3_exec(sqlconn_db(c), sql[i], NULL, NULL,
		    NULL), SQLITE_OK);
		sqlconn_close(c);
		CHECK(stat(path, &st) == 0 && st.st_size == 0);
		CHECK(access(jp, F_OK) == -1);
	}
	unlink(path);
}

/*
 * A commit leaves the journal at zero length, which a clean close
 * removes; so does a read-only session, for the empty journal an
 * executor SIGKILLed between transactions leaves behind.
 */
static void
test_journal_empty_removed(void)
{
	struct sqlconn *c = open_at(dbpath, 1048576, 0);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(sqlite3_exec(sqlconn_db(c), "CREATE TABLE j(x); "
	    "INSERT INTO j VALUES(1)", NULL, NULL, NULL), SQLITE_OK);
	CHECK_INT(journal_size(), 0);	/* kept open, truncated */
	sqlconn_close(c);
	CHECK_INT(journal_size(), -1);
	CHECK_INT(write_journal(""), 0);
	c = open_at(dbpath, 1048576, 0);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(query_int(sqlconn_db(c), "SELECT count(*) FROM j"), 1);
	CHECK_INT(journal_size(), 0);
	/* A user's query_only must not keep the journal. */
	CHECK_INT(sqlite3_exec(sqlconn_db(c), "PRAGMA query_only=1", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlconn_close(c);
	CHECK_INT(journal_size(), -1);
}

/*
 * A clean close never removes a journal with content: not when the lock
 * is its own (a journal it could not roll back stays for the next open),
 * and not another connection's (its transaction's undo log, hot if that
 * process dies). Nor an empty one while another connection holds the
 * file: it may be about to write into it.
 */
static void
test_journal_kept(void)
{
	struct holder h;
	struct sqlconn *c;

	/* Content, lock held by us: kept byte for byte. */
	c = open_at(dbpath, 1048576, 0);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(write_journal("not empty"), 0);
	sqlconn_close(c);
	CHECK_INT(journal_size(), 9);
	unlink(jpath);			/* not a real journal: do not replay */
	/* Another connection's open write transaction: kept. Its journal
	 * is hot from the first write (synchronous OFF, as executors). */
	CHECK_INT(holder_start(&h, "PRAGMA synchronous=OFF; BEGIN; "
	    "INSERT INTO j VALUES(2)", 0), 0);
	c = open_at(dbpath, 1048576, 0);
	CHECK(c != NULL);
	CHECK_INT(holder_run(&h), 0);
	CHECK(journal_size() > 0);
	sqlconn_close(c);
	CHECK(journal_size() > 0);
	CHECK(WIFSIGNALED(holder_stop(&h)));
	/* The next open rolls that hot journal back; the row is not there. */
	c = open_at(dbpath, 1048576, 0);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(query_int(sqlconn_db(c), "SELECT count(*) FROM j"), 1);
	CHECK_INT(journal_size(), -1);
	sqlconn_close(c);
	/* Empty, but another connection reads the file: kept. */
	CHECK_INT(write_journal(""), 0);
	CHECK_INT(holder_start(&h, "BEGIN; SELECT count(*) FROM j", 0), 0);
	CHECK_INT(holder_run(&h), 0);
	c = open_at(dbpath, 1048576, 0);
	CHECK(c != NULL);
	sqlconn_close(c);
	CHECK_INT(journal_size(), 0);
	holder_stop(&h);
	unlink(jpath);
}

/*
 * The next executor of a walk-in may open while the last one, exiting,
 * still holds the file's lock: the open waits for it, not fails.
 */
static void
test_lock_wait(void)
{
	struct holder h;
	struct sqlconn *c;
	int64_t t0;
	int status = 0;

	CHECK_INT(holder_start(&h, "BEGIN EXCLUSIVE", 300), 0);
	CHECK_INT(holder_run(&h), 0);
	t0 = clock_mono_ms();
	c = open_at(dbpath, 1048576, 0);
	CHECK(c != NULL);
	CHECK(clock_mono_ms() - t0 >= 200);
	CHECK(clock_mono_ms() - t0 < BOUNDS_LOCK_WAIT_MS);
	if (c != NULL) {
		CHECK_INT(query_int(sqlconn_db(c), "SELECT count(*) FROM j"),
		    1);
		sqlconn_close(c);
	}
	close(h.go);
	close(h.done);
	CHECK_INT(waitpid(h.pid, &status, 0), h.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * An executor SIGKILLed in the middle of a large transaction leaves a
 * hot journal; the next open must roll it back to the last commit. The
 * parent sends the SIGKILL, as the front end does.
 */
static void
child_write_then_wait(int fd)
{
	struct sqlconn *c;

	if ((c = open_at(dbpath, 10485760, 0)) == NULL)
		_exit(2);
	/* ~6 MB in one transaction: more than the page cache holds. */
	sqlite3_exec(sqlconn_db(c), "BEGIN; INSERT INTO k "
	    "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
	    "FROM r LIMIT 1500) SELECT zeroblob(4000) FROM r; "
	    "UPDATE k SET x = 0", NULL, NULL, NULL);
	(void)!write(fd, "x", 1);
	for (;;)
		pause();
}

static void
test_sigkill_recovery(void)
{
	struct sqlconn *c;
	pid_t pid;
	int status = 0, fds[2];
	char ch;

	CHECK_INT(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		child_write_then_wait(fds[1]);
	}
	CHECK(pid > 0);
	close(fds[1]);
	CHECK_INT(read(fds[0], &ch, 1), 1);
	close(fds[0]);
	kill(pid, SIGKILL);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(journal_size() > 0);	/* hot journal left behind */
	c = open_at(dbpath, 10485760, 0);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(query_int(sqlconn_db(c), "SELECT count(*) FROM k"), 1);
	CHECK_INT(query_int(sqlconn_db(c), "SELECT sum(x) FROM k"), 1);
	CHECK_INT(query_int(sqlconn_db(c), "SELECT integrity_check = 'ok' "
	    "FROM pragma_integrity_check"), 1);
	/* Rolled back in the first schema read, before TRUNCATE applies. */
	CHECK_INT(journal_size(), -1);
	sqlconn_close(c);
	CHECK_INT(journal_size(), -1);
}

static void
test_teardown(void)
{
	CHECK_INT(unit_rmtree(tdir), 0);
	sqlite3_shutdown();
}

UNIT_MAIN(test_setup, test_bad_open, test_settings, test_cap_rounding,
    test_denied_record, test_deadline, test_close_rolls_back,
    test_journal_none_on_empty_db, test_journal_empty_removed,
    test_journal_kept, test_lock_wait,
    test_sigkill_recovery, test_teardown)
