/*
 * dbtest.h: set-up shared by the tests of the executor's database
 * operations (test_dbimage.c, test_dbschema.c, test_dbdump.c): walk-ins
 * on real hardened connections in a temp directory, plain SQLite
 * connections for building files and checking results, and a
 * value-by-value comparison of two databases.
 */
#ifndef WALKIND_DBTEST_H
#define WALKIND_DBTEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "buf.h"
#include "sqlconn.h"

static char	dbtest_dir[] = "/tmp/walkind-dbtest-XXXXXX";
static int	dbtest_n;

static __attribute__((unused)) void
dbtest_init(void)
{
	if (mkdtemp(dbtest_dir) == NULL || sqlconn_global_init(0) == -1) {
		perror("dbtest_init");
		exit(2);
	}
}

/* A new walk-in (its own directory) with a cap of max_db_bytes. */
static __attribute__((unused)) struct sqlconn *
dbtest_walkin(int64_t max_db_bytes, char *path, size_t pathlen)
{
	struct sqlconn_opts o = { max_db_bytes, 0 };
	struct sqlconn *c;
	char dir[128], err[256];

	snprintf(dir, sizeof(dir), "%s/w%d", dbtest_dir, dbtest_n++);
	if (mkdir(dir, 0700) == -1)
		exit(2);
	snprintf(path, pathlen, "%s/db.sqlite", dir);
	if ((c = sqlconn_open(path, &o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sqlconn_open: %s\n", err);
		exit(2);
	}
	return c;
}

/* Run SQL as a caller would (authorizer on); 0 or the SQLite code. */
static __attribute__((unused)) int
dbtest_exec(struct sqlconn *c, const char *sql)
{
	char *err = NULL;
	int rc;

	sqlconn_clear_denied(c);
	rc = sqlite3_exec(sqlconn_db(c), sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fprintf(stderr, "exec: %s: %s\n", sql, err ? err : "?");
	sqlite3_free(err);
	return rc;
}

static __attribute__((unused)) int64_t
dbtest_int(sqlite3 *db, const char *sql)
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

/* A plain in-memory database holding image[0..len), or empty. */
static __attribute__((unused)) sqlite3 *
dbtest_plain(const void *image, size_t len)
{
	unsigned char *copy;
	sqlite3 *db;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		exit(2);
	if (len > 0) {
		if ((copy = sqlite3_malloc64(len)) == NULL)
			exit(2);
		memcpy(copy, image, len);
		if (sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len,
		    (sqlite3_int64)len, SQLITE_DESERIALIZE_FREEONCLOSE |
		    SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK)
			exit(2);
	}
	return db;
}

/* Build a file with plain SQLite (no policy): page size, then sql. */
static __attribute__((unused)) void
dbtest_image(int page_size, const char *sql, struct buf *out)
{
	sqlite3 *db = dbtest_plain(NULL, 0);
	sqlite3_int64 sz = 0;
	unsigned char *p;
	char ps[48];

	/* The hardened build starts DEFENSIVE; a fixture of an attacker's
	 * file needs writable_schema, as Debian's library would allow. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, (int *)NULL);
	snprintf(ps, sizeof(ps), "PRAGMA page_size=%d", page_size);
	if (sqlite3_exec(db, ps, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "dbtest_image: %s\n", sqlite3_errmsg(db));
		exit(2);
	}
	if ((p = sqlite3_serialize(db, "main", &sz, 0)) == NULL)
		exit(2);
	buf_reset(out);
	buf_add(out, p, (size_t)sz);
	sqlite3_free(p);
	sqlite3_close(db);
}

/* "ok" from PRAGMA integrity_check on a plain connection. */
static __attribute__((unused)) int
dbtest_integrity_ok(sqlite3 *db)
{
	sqlite3_stmt *st;
	const unsigned char *v;
	int ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (v = sqlite3_column_text(st, 0)) != NULL)
		ok = strcmp((const char *)v, "ok") == 0 &&
		    sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

static __attribute__((unused)) int
dbtest_same_value(sqlite3_stmt *a, sqlite3_stmt *b, int i)
{
	int t = sqlite3_column_type(a, i);

	if (t != sqlite3_column_type(b, i))
		return 0;
	switch (t) {
	case SQLITE_INTEGER:
		return sqlite3_column_int64(a, i) == sqlite3_column_int64(b, i);
	case SQLITE_FLOAT:
		return memcmp(&(double){ sqlite3_column_double(a, i) },
		    &(double){ sqlite3_column_double(b, i) },
		    sizeof(double)) == 0;
	case SQLITE_NULL:
		return 1;
	case SQLITE_TEXT:
		return sqlite3_column_bytes(a, i) == sqlite3_column_bytes(b, i) &&
		    memcmp(sqlite3_column_text(a, i), sqlite3_column_text(b, i),
		    (size_t)sqlite3_column_bytes(a, i)) == 0;
	default:
		return sqlite3_column_bytes(a, i) == sqlite3_column_bytes(b, i) &&
		    (sqlite3_column_bytes(a, i) == 0 ||
		    memcmp(sqlite3_column_blob(a, i), sqlite3_column_blob(b, i),
		    (size_t)sqlite3_column_bytes(a, i)) == 0);
	}
}

/*
 * Rows of sql in both databases, value by value (type, bytes; REALs bit
 * for bit). Returns the number of rows compared, or -1 on a difference.
 */
static __attribute__((unused)) int64_t
dbtest_same_rows(sqlite3 *x, sqlite3 *y, const char *sql)
{
	sqlite3_stmt *a = NULL, *b = NULL;
	int64_t n = 0;
	int ra, rb, i, ok = 1;

	if (sqlite3_prepare_v2(x, sql, -1, &a, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(y, sql, -1, &b, NULL) != SQLITE_OK) {
		fprintf(stderr, "same_rows: %s: %s / %s\n", sql,
		    sqlite3_errmsg(x), sqlite3_errmsg(y));
		ok = 0;
	}
	while (ok) {
		ra = sqlite3_step(a);
		rb = sqlite3_step(b);
		if (ra != rb) {
			ok = 0;
			break;
		}
		if (ra != SQLITE_ROW)
			break;
		for (i = 0; i < sqlite3_column_count(a); i++)
			if (!dbtest_same_value(a, b, i))
				ok = 0;
		n++;
	}
	if (!ok)
		fprintf(stderr, "same_rows: %s differs at row %lld\n", sql,
		    (long long)n);
	sqlite3_finalize(a);
	sqlite3_finalize(b);
	return ok ? n : -1;
}

/* The tricky values every round trip carries (table v). */
static const char dbtest_values_sql[] =
    "CREATE TABLE v(id INTEGER PRIMARY KEY, x);"
    "INSERT INTO v(x) VALUES (9223372036854775807), "
    "(-9223372036854775808), (0), (-1), (3.141592653589793), "
    "(0.1), (1.0), (-0.0), (1e308), (-2.2250738585072014e-308), "
    "(5e-324), (9e999), (-9e999), ('it''s'), (''), "
    "('\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80'), (x'00ff10'), (x''), "
    "(NULL), ('a'||char(10)||'b'), ('\"q\"');";

/* Add a text value holding NUL and one of invalid UTF-8 (bound). */
static __attribute__((unused)) void
dbtest_add_binary_text(sqlite3 *db)
{
	static const char nul[] = "a\0b'c";
	static const char bad[] = "\xff\xfe-\xc0";
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "INSERT INTO v(x) VALUES (?1), (?2)", -1,
	    &st, NULL) != SQLITE_OK)
		exit(2);
	sqlite3_bind_text(st, 1, nul, sizeof(nul) - 1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, bad, sizeof(bad) - 1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		exit(2);
	sqlite3_finalize(st);
}

static __attribute__((unused)) off_t
dbtest_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

#endif
