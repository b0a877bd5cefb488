/*
 * test_dbdump.c: the SQL dump of a walk-in rebuilds it: the text run with
 * sqlite3_exec on a fresh plain :memory: database (what `sqlite3 new.db <
 * dump.sql` does) and in a new hardened walk-in (the policy accepts it)
 * gives back every value bit for bit; the literals themselves; generated
 * columns and shadow tables left out; 409 in an open transaction; 413
 * past the cap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "dbdump.h"
#include "sqlconn.h"
#include "unit.h"
#include "dbtest.h"

#define CAP	(1 << 20)

static char	path[256], path2[256];

static void
fill(struct sqlconn *c)
{
	CHECK_INT(dbtest_exec(c, dbtest_values_sql), 0);
	dbtest_add_binary_text(sqlconn_db(c));
	CHECK_INT(dbtest_exec(c,
	    "CREATE TABLE \"we\"\"ird\"(\"a b\", 'c');"
	    "INSERT INTO \"we\"\"ird\" VALUES(1, 2);"
	    "CREATE TABLE p(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT "
	    "NOT NULL DEFAULT 'x', vid REFERENCES v(id), g AS (id * 2), "
	    "s AS (name || '!') STORED);"
	    "CREATE INDEX p_name ON p(name);"
	    "CREATE TABLE w(a, b, PRIMARY KEY(a, b)) WITHOUT ROWID;"
	    "CREATE VIEW pv AS SELECT name, g FROM p;"
	    "CREATE TRIGGER p_ins AFTER INSERT ON p BEGIN "
	    "INSERT INTO w VALUES(new.id, new.name); END;"
	    "INSERT INTO p(name, vid) VALUES('one', 1), ('two', 2);"
	    "DELETE FROM p WHERE id = 2;"
	    "CREATE VIRTUAL TABLE f USING fts5(body);"
	    "INSERT INTO f(rowid, body) VALUES(7, 'hello walk-in world'), "
	    "(9, 'other text');"
	    "CREATE TABLE big(x); ANALYZE;"), 0);
}

static void
check_same(sqlite3 *a, sqlite3 *b)
{
	CHECK_INT(dbtest_same_rows(a, b, "SELECT * FROM v ORDER BY id"), 23);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT * FROM \"we\"\"ird\""), 1);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT *, g, s FROM p ORDER BY id"),
	    1);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT * FROM w ORDER BY a, b"), 2);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT * FROM pv"), 1);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT * FROM sqlite_sequence"), 1);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT rowid, body FROM f "
	    "WHERE f MATCH 'walk OR text' ORDER BY rowid"), 2);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT type, name, tbl_name, sql "
	    "FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' "
	    "ORDER BY type, name"), 15);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT * FROM sqlite_stat1 "
	    "WHERE tbl <> 'sqlite_schema' ORDER BY tbl, idx"), 9);
}

static int
contains(struct buf *b, const char *s)
{
	return strstr(buf_cstr(b), s) != NULL;
}

static void
test_round_trip(void)
{
	struct sqlconn *c = dbtest_walkin(CAP, path, sizeof(path)), *w;
	struct buf out;
	sqlite3 *plain;
	char *err = NULL;

	buf_init(&out);
	fill(c);
	CHECK_INT(dbdump_sql(c, 0, &out), 200);
	CHECK(strncmp(buf_cstr(&out), "PRAGMA foreign_keys=OFF;\n"
	    "BEGIN TRANSACTION;\nCREATE TABLE v(", 58) == 0);
	CHECK(out.len > 9 && strcmp(out.data + out.len - 8, "COMMIT;\n") == 0);

	/* The literals. */
	CHECK(contains(&out, "INSERT INTO \"v\" VALUES(1,9223372036854775807);"));
	CHECK(contains(&out, "VALUES(2,-9223372036854775808);"));
	CHECK(contains(&out, "VALUES(5,3.141592653589793);"));
	CHECK(contains(&out, "VALUES(6,0.1);"));
	CHECK(contains(&out, "VALUES(7,1.0);"));
	CHECK(contains(&out, "VALUES(8,-0.0);"));
	CHECK(contains(&out, "VALUES(12,1e999);"));
	CHECK(contains(&out, "VALUES(13,-1e999);"));
	CHECK(contains(&out, "VALUES(14,'it''s');"));
	CHECK(contains(&out, "VALUES(17,X'00FF10');"));
	CHECK(contains(&out, "VALUES(18,X'');"));
	CHECK(contains(&out, "VALUES(19,NULL);"));
	CHECK(contains(&out, "VALUES(22,CAST(X'6100622763' AS TEXT));"));
	CHECK(contains(&out, "INSERT INTO \"we\"\"ird\" VALUES(1,2);"));
	/* Generated columns are recomputed, not inserted. */
	CHECK(contains(&out, "INSERT INTO \"p\"(\"id\",\"name\",\"vid\") "
	    "VALUES(1,'one',1);"));
	/* fts5 through its module, rowids kept; shadow tables never. */
	CHECK(contains(&out, "INSERT INTO \"f\"(rowid,\"body\") "
	    "VALUES(7,'hello walk-in world');"));
	CHECK(!contains(&out, "CREATE TABLE 'f_data'"));
	CHECK(contains(&out, "DELETE FROM sqlite_sequence;\n"
	    "INSERT INTO \"sqlite_sequence\" VALUES('p',2);"));
	CHECK(contains(&out, "ANALYZE sqlite_schema;\n"));

	/* `sqlite3 new.db < dump.sql`: plain SQLite, no policy. */
	plain = dbtest_plain(NULL, 0);
	CHECK_INT(sqlite3_exec(plain, buf_cstr(&out), NULL, NULL, &err), 0);
	if (err != NULL)
		fprintf(stderr, "dump: %s\n", err);
	sqlite3_free(err);
	check_same(sqlconn_db(c), plain);
	CHECK(dbtest_integrity_ok(plain));
	sqlite3_close(plain);

	/* A new walk-in runs it under the policy. */
	w = dbtest_walkin(CAP, path2, sizeof(path2));
	CHECK_INT(dbtest_exec(w, buf_cstr(&out)), 0);
	check_same(sqlconn_db(c), sqlconn_db(w));
	sqlconn_close(w);
	sqlconn_close(c);
	buf_free(&out);
}

static void
test_transaction_and_cap(void)
{
	struct sqlconn *c = dbtest_walkin(CAP, path, sizeof(path));
	struct buf out;

	buf_init(&out);
	CHECK_INT(dbtest_exec(c, "CREATE TABLE t(a); INSERT INTO t "
	    "SELECT zeroblob(1000) FROM json_each('[1,2,3,4,5,6,7,8,9]')"), 0);
	CHECK_INT(dbtest_exec(c, "BEGIN; DELETE FROM t"), 0);
	CHECK_INT(dbdump_sql(c, 0, &out), 409);
	CHECK_STR(buf_cstr(&out), "{\"error\":\"transaction open: COMMIT or "
	    "ROLLBACK first\"}");
	CHECK_INT(dbtest_exec(c, "ROLLBACK"), 0);
	CHECK_INT(dbdump_sql(c, 0, &out), 200);
	CHECK(out.len > 18000 && out.len < 19000);
	CHECK_INT(dbdump_sql(c, 10000, &out), 413);
	CHECK_STR(buf_cstr(&out), "{\"error\":\"dump too large\"}");
	CHECK_INT(dbdump_sql(c, 19000, &out), 200);
	sqlconn_close(c);
	buf_free(&out);
}

/* A table the policy will not read is a 400, as in /sql. */
static void
test_unreadable_table(void)
{
	struct sqlconn *c = dbtest_walkin(CAP, path, sizeof(path));
	struct buf out;

	buf_init(&out);
	CHECK_INT(dbtest_exec(c, "CREATE TABLE dbstat(a)"), 0);
	CHECK_INT(dbdump_sql(c, 0, &out), 400);
	CHECK_STR(buf_cstr(&out),
	    "{\"error\":\"forbidden sql keyword: dbstat\"}");
	sqlconn_close(c);
	buf_free(&out);
}

static void
test_empty(void)
{
	struct sqlconn *c = dbtest_walkin(CAP, path, sizeof(path));
	struct buf out;

	buf_init(&out);
	CHECK_INT(dbdump_sql(c, 0, &out), 200);
	CHECK_STR(buf_cstr(&out), "PRAGMA foreign_keys=OFF;\n"
	    "BEGIN TRANSACTION;\nCOMMIT;\n");
	sqlconn_close(c);
	buf_free(&out);
}

static void
test_cleanup(void)
{
	CHECK_INT(unit_rmtree(dbtest_dir), 0);
}

UNIT_MAIN(dbtest_init, test_round_trip, test_transaction_and_cap,
    test_unreadable_table, test_empty, test_cleanup)
