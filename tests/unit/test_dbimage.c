/*
 * test_dbimage.c: export and import of a walk-in's database file on real
 * hardened connections: a round trip equal on every value, the export
 * refused in an open transaction and readable by plain SQLite
 * (integrity_check), and every refusal of a bad file with its reason,
 * the target left empty: garbage, page size, page count lie, truncated,
 * over the cap, forbidden functions in a view or trigger, a forbidden
 * module, a schema row SQLite did not write. The cap follows the
 * imported page size (64 KiB and 512-byte pages); fts5 and a WAL file
 * import.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "dbimage.h"
#include "sqlconn.h"
#include "unit.h"
#include "dbtest.h"

#define CAP	(1 << 20)

static char	path[256], path2[256];

/* Import img into a new walk-in; the status, the reply in out. */
static int
import_new(struct buf *img, int64_t cap, struct buf *out,
    struct sqlconn **cp)
{
	struct sqlconn *c = dbtest_walkin(cap, path2, sizeof(path2));
	int status = dbimage_import(c, img->data, img->len, cap, out);

	if (cp != NULL)
		*cp = c;
	else
		sqlconn_close(c);
	return status;
}

/* A refused file: the exact reply, and nothing in the target. */
static void
check_refused(struct buf *img, int64_t cap, const char *reason)
{
	struct sqlconn *c;
	struct buf out, want;

	buf_init(&out);
	buf_init(&want);
	buf_printf(&want, "{\"error\":\"invalid database: %s\"}", reason);
	CHECK_INT(import_new(img, cap, &out, &c), 400);
	CHECK_STR(buf_cstr(&out), buf_cstr(&want));
	CHECK_INT(dbtest_int(sqlconn_db(c), "PRAGMA page_count"), 0);
	CHECK_INT(dbtest_int(sqlconn_db(c), "SELECT count(*) FROM "
	    "sqlite_schema"), 0);
	sqlconn_close(c);
	CHECK_INT(dbtest_file_size(path2), 0);
	buf_free(&out);
	buf_free(&want);
}

static void
fill_source(struct sqlconn *c)
{
	CHECK_INT(dbtest_exec(c, dbtest_values_sql), 0);
	dbtest_add_binary_text(sqlconn_db(c));
	CHECK_INT(dbtest_exec(c,
	    "CREATE TABLE p(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT "
	    "NOT NULL DEFAULT 'x', vid REFERENCES v(id), g AS (id * 2));"
	    "CREATE INDEX p_name ON p(name);"
	    "CREATE TABLE w(a, b, PRIMARY KEY(a, b)) WITHOUT ROWID;"
	    "CREATE VIEW pv AS SELECT name, g FROM p;"
	    "CREATE TRIGGER p_ins AFTER INSERT ON p BEGIN "
	    "INSERT INTO w VALUES(new.id, new.name); END;"
	    "INSERT INTO p(name, vid) VALUES('one', 1), ('two', 2);"
	    "DELETE FROM p WHERE id = 2;"
	    "CREATE VIRTUAL TABLE f USING fts5(body);"
	    "INSERT INTO f VALUES('hello walk-in world'), ('other text');"), 0);
}

static void
check_same(sqlite3 *a, sqlite3 *b)
{
	CHECK_INT(dbtest_same_rows(a, b, "SELECT * FROM v ORDER BY id"), 23);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT *, g FROM p ORDER BY id"), 1);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT * FROM w ORDER BY a, b"), 2);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT * FROM pv"), 1);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT * FROM sqlite_sequence"), 1);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT type, name, tbl_name, sql "
	    "FROM sqlite_schema ORDER BY rowid"), 13);
	CHECK_INT(dbtest_same_rows(a, b, "SELECT rowid, body FROM f "
	    "WHERE f MATCH 'walk' ORDER BY rowid"), 1);
}

static void
test_round_trip(void)
{
	struct sqlconn *src = dbtest_walkin(CAP, path, sizeof(path)), *dst;
	struct buf img, out, want;
	sqlite3 *plain;

	buf_init(&img);
	buf_init(&out);
	buf_init(&want);
	fill_source(src);
	CHECK_INT(dbimage_export(src, &img), 200);
	CHECK(img.len >= 4096 && img.len % 4096 == 0);
	CHECK(memcmp(img.data, "SQLite format 3", 16) == 0);
	CHECK(img.data[18] == 1 && img.data[19] == 1);
	/* What the black-box test does with Python's sqlite3. */
	plain = dbtest_plain(img.data, img.len);
	CHECK(dbtest_integrity_ok(plain));
	check_same(sqlconn_db(src), plain);
	sqlite3_close(plain);

	CHECK_INT(import_new(&img, CAP, &out, &dst), 200);
	buf_reset(&want);
	buf_printf(&want, "{\"imported\":true,\"bytes\":%zu,"
	    "\"page_size\":4096}", img.len);
	CHECK_STR(buf_cstr(&out), buf_cstr(&want));
	check_same(sqlconn_db(src), sqlconn_db(dst));
	/* Writable afterwards, triggers and all, under the policy. */
	CHECK_INT(dbtest_exec(dst, "INSERT INTO p(name) VALUES('three')"), 0);
	CHECK_INT(dbtest_int(sqlconn_db(dst), "SELECT max(id) FROM p"), 3);
	CHECK_INT(dbtest_int(sqlconn_db(dst), "SELECT count(*) FROM w"), 3);
	CHECK_INT(dbtest_int(sqlconn_db(dst), "PRAGMA max_page_count"),
	    CAP / 4096);
	sqlconn_close(dst);
	sqlconn_close(src);
	buf_free(&img);
	buf_free(&out);
	buf_free(&want);
}

static void
test_export_transaction(void)
{
	struct sqlconn *c = dbtest_walkin(CAP, path, sizeof(path));
	struct buf out;

	buf_init(&out);
	CHECK_INT(dbtest_exec(c, "CREATE TABLE t(a); BEGIN; "
	    "INSERT INTO t VALUES(1)"), 0);
	CHECK_INT(dbimage_export(c, &out), 409);
	CHECK_STR(buf_cstr(&out), "{\"error\":\"transaction open: COMMIT or "
	    "ROLLBACK first\"}");
	CHECK_INT(dbtest_exec(c, "ROLLBACK"), 0);
	CHECK_INT(dbimage_export(c, &out), 200);
	sqlconn_close(c);
	buf_free(&out);
}

/* An empty walk-in exports one empty page, which imports. */
static void
test_export_empty(void)
{
	struct sqlconn *c = dbtest_walkin(CAP, path, sizeof(path));
	struct buf img, out;
	sqlite3 *plain;

	buf_init(&img);
	buf_init(&out);
	CHECK_INT(dbimage_export(c, &img), 200);
	CHECK_INT(img.len, 4096);
	plain = dbtest_plain(img.data, img.len);
	CHECK(dbtest_integrity_ok(plain));
	sqlite3_close(plain);
	CHECK_INT(import_new(&img, CAP, &out, NULL), 200);
	sqlconn_close(c);
	buf_free(&img);
	buf_free(&out);
}

static void
put_be32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

/*
 * Drop the index entry of row 2: the file made by a plain SQLite with
 * the index's b-tree replaced by that of an index built before the
 * second row existed.
 */
static void
corrupt_index(struct buf *img)
{
	struct buf one;

	buf_init(&one);
	dbtest_image(4096, "CREATE TABLE t(a UNIQUE); INSERT INTO t "
	    "VALUES(1)", &one);
	/* Page 3 is sqlite_autoindex_t_1 in both files. */
	if (img->len >= 3 * 4096 && one.len >= 3 * 4096)
		memcpy(img->data + 2 * 4096, one.data + 2 * 4096, 4096);
	buf_free(&one);
}

/* Header refusals, in the order the checks run. */
static void
test_bad_headers(void)
{
	struct buf img, bad;
	size_t i;

	buf_init(&img);
	buf_init(&bad);
	dbtest_image(1024, "CREATE TABLE t(a); INSERT INTO t VALUES(1)", &img);

	for (i = 0; i < 8192; i++)
		buf_addc(&bad, (char)(i * 7 + 3));
	check_refused(&bad, CAP, "not an SQLite 3 file");
	buf_reset(&bad);
	buf_add(&bad, img.data, 100);
	check_refused(&bad, CAP, "size must be 512 to 1048576 bytes");
	check_refused(&img, 1024, "size must be 512 to 1024 bytes");

	buf_reset(&bad);
	buf_add(&bad, img.data, img.len);
	bad.data[16] = 0x03;	/* 1000: not a power of two */
	bad.data[17] = (char)0xe8;
	check_refused(&bad, CAP, "bad page size");
	bad.data[16] = 0x01;	/* 256: too small */
	bad.data[17] = 0x00;
	check_refused(&bad, CAP, "bad page size");

	buf_reset(&bad);
	buf_add(&bad, img.data, img.len - 100);	/* truncated */
	check_refused(&bad, CAP, "size is not a multiple of the page size");
	buf_reset(&bad);
	buf_add(&bad, img.data, img.len - 1024);	/* a whole page short */
	check_refused(&bad, CAP,
	    "page count in header does not match the file size");
	buf_reset(&bad);
	buf_add(&bad, img.data, img.len);
	put_be32(bad.data + 28, (uint32_t)(img.len / 1024 + 1000));
	check_refused(&bad, CAP,
	    "page count in header does not match the file size");

	buf_reset(&bad);
	buf_add(&bad, img.data, img.len);
	bad.data[18] = 3;
	check_refused(&bad, CAP, "unsupported file format version");
	bad.data[18] = 1;
	bad.data[21] = 65;
	check_refused(&bad, CAP, "bad payload fractions");
	bad.data[21] = 64;
	put_be32(bad.data + 44, 5);
	check_refused(&bad, CAP, "unsupported schema format");
	put_be32(bad.data + 44, 4);
	put_be32(bad.data + 56, 4);
	check_refused(&bad, CAP, "bad text encoding");

	/* 512-byte pages leave at most 32 reserved bytes. */
	dbtest_image(512, "CREATE TABLE t(a)", &bad);
	bad.data[20] = 33;
	check_refused(&bad, CAP, "bad reserved space");

	/* A sound header over a broken b-tree, or a wrong free list. */
	buf_reset(&bad);
	buf_add(&bad, img.data, img.len);
	memset(bad.data + 1024, 0x5a, 1024);
	check_refused(&bad, CAP, "unreadable: database disk image is "
	    "malformed");
	buf_reset(&bad);
	buf_add(&bad, img.data, img.len);
	put_be32(bad.data + 36, 1);
	check_refused(&bad, CAP, "integrity_check failed");
	/* An index that lacks a row: quick_check would pass it. */
	dbtest_image(4096, "CREATE TABLE t(a UNIQUE); INSERT INTO t "
	    "VALUES(1), (2)", &bad);
	corrupt_index(&bad);
	check_refused(&bad, CAP, "integrity_check failed");
	buf_free(&img);
	buf_free(&bad);
}

/* Files a plain SQLite made, holding what the policy refuses. */
static void
test_schema_refused(void)
{
	static const struct {
		const char	*sql;
		const char	*reason;
	} cases[] = {
		{ "CREATE VIEW v AS SELECT printf('%d', 1) AS x",
		  "schema refused: forbidden sql keyword: printf" },
		{ "CREATE TABLE t(a); CREATE TRIGGER tr AFTER INSERT ON t "
		  "BEGIN SELECT printf('%d', new.a); END",
		  "schema refused: forbidden sql keyword: printf" },
		{ "CREATE TABLE t(a, b); CREATE TRIGGER tr AFTER UPDATE OF b "
		  "ON t WHEN format('x') = 'x' BEGIN SELECT 1; END",
		  "schema refused: forbidden sql keyword: format" },
		{ "CREATE VIEW v AS SELECT load_extension('/tmp/x.so') AS x",
		  "schema refused: forbidden sql keyword: load_extension" },
		{ "CREATE TABLE t(a); CREATE TRIGGER tr BEFORE DELETE ON t "
		  "BEGIN SELECT load_extension('x'); END",
		  "schema refused: forbidden sql keyword: load_extension" },
		{ "CREATE TABLE t(a CHECK (printf('%d', a) <> ''))",
		  "schema refused: forbidden sql keyword: printf" },
		/* fts3/fts4 files: the hardened SQLite has no such module to
		 * make one with here; tests/blackbox/test_session.py uploads
		 * one made by Debian's library. */
		{ "CREATE TABLE t(a); CREATE VIEW v AS SELECT a FROM t "
		  "WHERE load_extension ( 'x' )",
		  "schema refused: forbidden sql keyword: load_extension" },
		/* SQLite's own loader refuses a trigger filed elsewhere. */
		{ "CREATE TABLE t(a); CREATE TABLE u(a); CREATE TRIGGER tr "
		  "AFTER INSERT ON t BEGIN SELECT 1; END; "
		  "PRAGMA writable_schema=ON; UPDATE sqlite_schema "
		  "SET tbl_name = 'u' WHERE name = 'tr'",
		  "unreadable: malformed database schema (tr)" },
		/* Text SQLite would not have written (writable_schema). */
		{ "CREATE TABLE t(a); PRAGMA writable_schema=ON; "
		  "UPDATE sqlite_schema SET sql = 'create table t(a)'",
		  "schema refused: sqlite_schema differs from its own SQL "
		  "replayed" },
		/* A name SQLite reserves, on a real b-tree. */
		{ "CREATE TABLE t(a); PRAGMA writable_schema=ON; "
		  "UPDATE sqlite_schema SET name = 'sqlite_x', "
		  "tbl_name = 'sqlite_x', sql = 'CREATE TABLE sqlite_x(a)'",
		  "schema refused: unknown internal table" },
		{ "CREATE TABLE t(a); PRAGMA writable_schema=ON; "
		  "UPDATE sqlite_schema SET name = 'sqlite_sequence', "
		  "tbl_name = 'sqlite_sequence', "
		  "sql = 'CREATE TABLE sqlite_sequence(name,seq,x)'",
		  "schema refused: unknown internal table" },
	};
	struct buf img;
	size_t i;

	buf_init(&img);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dbtest_image(4096, cases[i].sql, &img);
		check_refused(&img, CAP, cases[i].reason);
	}
	buf_free(&img);
}

/* A valid file whose pages exceed the cap, by bytes. */
static void
test_over_cap(void)
{
	struct buf img;

	buf_init(&img);
	dbtest_image(4096, "CREATE TABLE t(a); "
	    "INSERT INTO t VALUES(zeroblob(100000))", &img);
	CHECK(img.len > 65536);
	check_refused(&img, 65536, "size must be 512 to 65536 bytes");
	buf_free(&img);
}

/*
 * max_page_count counts pages: 64 KiB pages under a 1 MiB cap give 16
 * pages, not 256; 512-byte pages at the cap need 2048, more than the
 * default count of a 4096-page walk-in.
 */
static void
test_page_sizes(void)
{
	struct sqlconn *c;
	struct buf img, out;

	buf_init(&img);
	buf_init(&out);
	dbtest_image(65536, "CREATE TABLE t(a); "
	    "INSERT INTO t VALUES(zeroblob(200000))", &img);
	CHECK(img.len <= CAP && img.data[16] == 0 && img.data[17] == 1);
	CHECK_INT(import_new(&img, CAP, &out, &c), 200);
	CHECK_INT(dbtest_int(sqlconn_db(c), "PRAGMA page_size"), 65536);
	CHECK_INT(dbtest_int(sqlconn_db(c), "PRAGMA max_page_count"),
	    CAP / 65536);
	/* The cap holds: 1 MiB more does not fit. */
	CHECK(dbtest_exec(c, "INSERT INTO t VALUES(zeroblob(900000))") ==
	    SQLITE_FULL);
	CHECK(dbtest_file_size(path2) <= CAP);
	sqlconn_close(c);

	dbtest_image(512, "CREATE TABLE t(a); "
	    "INSERT INTO t VALUES(zeroblob(60000))", &img);
	CHECK(img.len > 4096 * 8);
	CHECK_INT(import_new(&img, 65536, &out, &c), 200);
	CHECK_INT(dbtest_int(sqlconn_db(c), "PRAGMA page_size"), 512);
	CHECK_INT(dbtest_int(sqlconn_db(c), "PRAGMA max_page_count"),
	    65536 / 512);
	CHECK_INT(dbtest_int(sqlconn_db(c), "SELECT length(a) FROM t"), 60000);
	sqlconn_close(c);
	buf_free(&img);
	buf_free(&out);
}

/* A file last written in WAL mode: bytes 18/19 = 2, checkpointed. */
static void
test_wal_file(void)
{
	struct sqlconn *c;
	struct buf img, out;
	char wal[300], tmp[4096];
	sqlite3 *db;
	ssize_t n;
	int fd;

	buf_init(&img);
	buf_init(&out);
	snprintf(wal, sizeof(wal), "%s/wal.db", dbtest_dir);
	if (sqlite3_open(wal, &db) != SQLITE_OK)
		exit(2);
	/* The hardened SQLite has no WAL (SQLITE_OMIT_WAL) to write one
	 * with: a checkpointed WAL file is a rollback file with 18/19 = 2,
	 * as Debian's library leaves it after its last connection closes. */
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE t(a); INSERT INTO t "
	    "VALUES('in wal')", NULL, NULL, NULL), 0);
	sqlite3_close(db);
	if ((fd = open(wal, O_RDONLY)) == -1)
		exit(2);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_add(&img, tmp, (size_t)n);
	close(fd);
	unlink(wal);
	if (img.len > 100)
		img.data[18] = img.data[19] = 2;
	CHECK(img.len > 100 && img.data[18] == 2 && img.data[19] == 2);
	CHECK_INT(import_new(&img, CAP, &out, &c), 200);
	CHECK_INT(dbtest_int(sqlconn_db(c), "SELECT count(*) FROM t "
	    "WHERE a = 'in wal'"), 1);
	sqlconn_close(c);
	/* The walk-in keeps its rollback journal: 18/19 are 1 on disk. */
	if ((fd = open(path2, O_RDONLY)) == -1)
		exit(2);
	CHECK(read(fd, tmp, 20) == 20 && tmp[18] == 1 && tmp[19] == 1);
	close(fd);
	buf_free(&img);
	buf_free(&out);
}

/* An fts5 table from a plain SQLite: its shadow tables are not replayed. */
static void
test_fts5_file(void)
{
	struct sqlconn *c;
	struct buf img, out;

	buf_init(&img);
	buf_init(&out);
	dbtest_image(4096, "CREATE VIRTUAL TABLE f USING fts5(a, b); "
	    "INSERT INTO f VALUES('alpha beta', 'gamma'); "
	    "CREATE VIRTUAL TABLE r USING rtree(id, x0, x1); "
	    "INSERT INTO r VALUES(1, 0.5, 2.5)", &img);
	CHECK_INT(import_new(&img, CAP, &out, &c), 200);
	CHECK_INT(dbtest_int(sqlconn_db(c), "SELECT count(*) FROM f "
	    "WHERE f MATCH 'beta'"), 1);
	CHECK_INT(dbtest_int(sqlconn_db(c), "SELECT id FROM r "
	    "WHERE x0 < 1"), 1);
	CHECK_INT(dbtest_exec(c, "INSERT INTO f VALUES('delta', 'x')"), 0);
	sqlconn_close(c);
	/* A shadow table whose text was edited is refused. */
	dbtest_image(4096, "CREATE VIRTUAL TABLE f USING fts5(a); "
	    "PRAGMA writable_schema=ON; UPDATE sqlite_schema SET sql = "
	    "'CREATE TABLE ''f_data''(id INTEGER PRIMARY KEY, block BLOB, "
	    "x DEFAULT 1)' WHERE name = 'f_data'", &img);
	check_refused(&img, CAP, "schema refused: sqlite_schema differs from "
	    "its own SQL replayed");
	buf_free(&img);
	buf_free(&out);
}

/*
 * Virtual tables are opened and read at import (integrity_check does not
 * look inside them in this SQLite): a constructor that fails, and an
 * fts5 index that disagrees with its content, are refused, not left to
 * make every later use and the export a 500 (a fuzz_dbimage finding).
 */
static void
test_vtab_unsound(void)
{
	struct buf img;

	buf_init(&img);
	dbtest_image(4096, "CREATE VIRTUAL TABLE f USING fts5(a); "
	    "UPDATE f_config SET v = 99 WHERE k = 'version'", &img);
	check_refused(&img, CAP, "virtual table f unreadable: invalid fts5 "
	    "file format (found 99, expected 4) - run 'rebuild'");
	dbtest_image(4096, "CREATE VIRTUAL TABLE f USING fts5(a); "
	    "INSERT INTO f VALUES('alpha'), ('beta'); "
	    "UPDATE f_content SET c0 = 'gamma' WHERE id = 2", &img);
	check_refused(&img, CAP, "virtual table f unreadable: database disk "
	    "image is malformed");
	buf_free(&img);
}

/* The walk-in's own export of a table the user made is accepted. */
static void
test_import_then_export(void)
{
	struct sqlconn *c;
	struct buf img, out, again;

	buf_init(&img);
	buf_init(&out);
	buf_init(&again);
	dbtest_image(4096, "CREATE TABLE t(a INTEGER PRIMARY KEY, b UNIQUE); "
	    "INSERT INTO t VALUES(1, 'x'); ANALYZE", &img);
	CHECK_INT(import_new(&img, CAP, &out, &c), 200);
	CHECK_INT(dbimage_export(c, &again), 200);
	CHECK_INT(again.len, img.len);
	sqlconn_close(c);
	buf_free(&img);
	buf_free(&out);
	buf_free(&again);
}

/* The import goes only into a new, empty walk-in. */
static void
test_target_not_empty(void)
{
	struct sqlconn *c = dbtest_walkin(CAP, path, sizeof(path));
	struct buf img, out;

	buf_init(&img);
	buf_init(&out);
	dbtest_image(4096, "CREATE TABLE t(a)", &img);
	CHECK_INT(dbtest_exec(c, "CREATE TABLE mine(a)"), 0);
	CHECK_INT(dbimage_import(c, img.data, img.len, CAP, &out), 500);
	CHECK_INT(dbtest_int(sqlconn_db(c), "SELECT count(*) FROM mine"), 0);
	sqlconn_close(c);
	buf_free(&img);
	buf_free(&out);
}

static void
test_cleanup(void)
{
	CHECK_INT(unit_rmtree(dbtest_dir), 0);
}

UNIT_MAIN(dbtest_init, test_round_trip, test_export_transaction,
    test_export_empty, test_bad_headers, test_schema_refused, test_over_cap,
    test_page_sizes, test_wal_file, test_fts5_file, test_vtab_unsound,
    test_import_then_export,
    test_target_not_empty, test_cleanup)
