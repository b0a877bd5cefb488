/*
 * test_sqlconn.c: the hardened connection itself: every setting of the
 * open checklist read back, bad paths refused, the denial record, the
 * deadline, rollback on close, and recovery after a SIGKILL mid-write.
 * The authorizer's rules are exercised end to end in test_sqlexec.c.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bounds.h"
#include "sqlconn.h"
#include "unit.h"

static char	tdir[] = "/tmp/walkind-sqlconn-XXXXXX";
static char	dbpath[256];

static void	child_write_then_wait(int) __attribute__((noreturn));

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
	CHECK_INT(query_int(db, "SELECT journal_mode = 'delete' FROM "
	    "pragma_journal_mode"), 1);
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
	rc = sqlite3_prepare_v2(db, "SELECT load_extension('x'), "
	    "fts3_tokenizer('simple')", -1, &st, NULL);
	CHECK_INT(rc, SQLITE_ERROR);
	CHECK_STR(sqlconn_denied(c), "load_extension");
	rc = sqlite3_prepare_v2(db, "ATTACH 'x' AS y", -1, &st, NULL);
	CHECK_STR(sqlconn_denied(c), "load_extension");
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
	t0 = sqlconn_now_ms();
	CHECK(t0 > 0);
	sqlconn_set_deadline(c, t0 + 100);
	rc = sqlite3_exec(sqlconn_db(c), loop, NULL, NULL, NULL);
	CHECK_INT(rc, SQLITE_INTERRUPT);
	CHECK_INT(sqlconn_timed_out(c), 1);
	CHECK(sqlconn_now_ms() - t0 >= 100);
	CHECK(sqlconn_now_ms() - t0 < 1000);
	/* A new deadline clears the flag; 0 means none. */
	sqlconn_set_deadline(c, 0);
	CHECK_INT(sqlconn_timed_out(c), 0);
	rc = sqlite3_exec(sqlconn_db(c), "WITH RECURSIVE r(i) AS (SELECT 1 "
	    "UNION ALL SELECT i + 1 FROM r LIMIT 100000) SELECT count(*) "
	    "FROM r", NULL, NULL, NULL);
	CHECK_INT(rc, SQLITE_OK);
	CHECK_INT(sqlconn_timed_out(c), 0);
	/* A deadline already past stops the first long statement. */
	sqlconn_set_deadline(c, sqlconn_now_ms() - 1);
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
	sqlconn_close(c);
	c = open_at(dbpath, 1048576, 0);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(query_int(sqlconn_db(c), "SELECT sum(x) FROM k"), 1);
	sqlconn_close(c);
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
	char journal[300], ch;
	struct sqlconn *c;
	pid_t pid;
	int status = 0, fds[2];

	snprintf(journal, sizeof(journal), "%s-journal", dbpath);
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
	CHECK(access(journal, F_OK) == 0);	/* hot journal left behind */
	c = open_at(dbpath, 10485760, 0);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_INT(query_int(sqlconn_db(c), "SELECT count(*) FROM k"), 1);
	CHECK_INT(query_int(sqlconn_db(c), "SELECT sum(x) FROM k"), 1);
	CHECK_INT(query_int(sqlconn_db(c), "SELECT integrity_check = 'ok' "
	    "FROM pragma_integrity_check"), 1);
	CHECK(access(journal, F_OK) == -1);
	sqlconn_close(c);
}

static void
test_teardown(void)
{
	CHECK_INT(unit_rmtree(tdir), 0);
	sqlite3_shutdown();
}

UNIT_MAIN(test_setup, test_bad_open, test_settings, test_cap_rounding,
    test_denied_record, test_deadline, test_close_rolls_back,
    test_sigkill_recovery, test_teardown)
