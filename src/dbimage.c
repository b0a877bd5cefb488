/*
 * dbimage.c: export and import of the walk-in's database file (executor
 * side, inside the jail, on the walk-in's hardened connection).
 *
 * Export is sqlite3_serialize of "main": the pages read through the
 * connection's own pager in one read transaction, so the copy is
 * consistent. It is refused while the connection holds an open
 * transaction: the copy would contain uncommitted writes (serialize
 * reads through the pager) or silently leave them out.
 *
 * Import takes a file from an anonymous caller, the case SQLite's
 * security page warns about (SECURITY-FACTS 1.1, untrusted database
 * files). Nothing in it is trusted beyond what was checked, and the
 * checks run in this order, each with its own reason in the 400:
 *
 *  1. the header, in C, on the caller's bytes: size 512..cap, magic,
 *     page size, size a multiple of it, the header's page count equal
 *     to the size (no growth beyond the cap), format versions 18/19 in
 *     {1,2}, the fields SQLite itself refuses (btree.c lockBtree and
 *     sqlite3InitOne);
 *  2. a patched copy (18/19 = 1: a file copied from a WAL database is
 *     sound once checkpointed, and a memory database cannot open a WAL;
 *     the legacy suggested cache size zeroed, so the file does not pick
 *     the walk-in's page cache size) opened read-only in a separate
 *     in-memory connection with the walk-in's hardening, where PRAGMA
 *     integrity_check must answer exactly "ok". Not quick_check, which
 *     does not compare indexes with their tables: fuzz_dbimage found a
 *     file that passed it with a row missing from a UNIQUE index, and
 *     the walk-in would then answer 500 (corruption) on later writes.
 *     Its CPU is bounded by the cap (about 0.2 s for 8 MB with two
 *     indexes) and its row loops by the deadline;
 *  3. the schema policy. SQLite loads a file's schema with its
 *     authorizer off (init.busy), so a file could hold what the policy
 *     refuses to create (an fts3 table, a name SQLite reserves, a CHECK
 *     calling a denied function). Every CREATE in sqlite_schema, in
 *     rowid order, passes the front end's keyword scan and is replayed
 *     on a fresh, empty, hardened in-memory connection under the real
 *     authorizer. Objects a virtual table created itself (fts5 shadow
 *     tables) already exist there and are not replayed. Then the file's
 *     sqlite_schema must equal the replay's, row for row (type, name,
 *     tbl_name, sql; not rootpage): SQLite stores CREATE text in a
 *     normal form that replays to itself, so any difference is a row
 *     SQLite did not write (a shadow table's edited text, a trigger
 *     filed under another table, which a later DROP TABLE would leave
 *     behind). Views and triggers are checked when they are used, not
 *     when created, so each view is compiled (SELECT * FROM it) and
 *     each table with triggers gets an INSERT, DELETE and per-column
 *     UPDATE compiled, never run: a denied function in a view or
 *     trigger body is refused now rather than at first use. Internal
 *     tables are not replayed (SQLite refuses their names) but must
 *     carry SQLite's own text: sqlite_sequence, sqlite_stat1 and
 *     sqlite_stat4, which users may write anyway;
 *  4. every virtual table is read to its end on the copy, and each fts5
 *     one runs fts5's 'integrity-check' (see dbimage_vtabs).
 *
 * Only then is the copy moved into the walk-in with the backup API, in
 * one write transaction of the walk-in's connection (journal, cap and
 * lock as for any write). max_page_count counts pages (SECURITY-FACTS
 * 0.5), so it is set from the file's page size before the copy (a
 * 512-byte-page file at the cap needs 8 times the default count) and
 * recomputed from the walk-in's real page size after it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "buf.h"
#include "dbdump.h"
#include "dbimage.h"
#include "json.h"
#include "keyword.h"
#include "log.h"
#include "sqlconn.h"

#define DBIMAGE_MIN_BYTES	512	/* one page of the smallest size */
#define DBIMAGE_REASON_MAX	200	/* SQLite's message in a reason */

static const char dbimage_magic[16] = "SQLite format 3";	/* with NUL */

/* The internal tables a file may hold, with the text SQLite gives them. */
static const struct dbimage_internal {
	const char	*name;
	const char	*sql;
} dbimage_internals[] = {
	{ "sqlite_sequence", "CREATE TABLE sqlite_sequence(name,seq)" },
	{ "sqlite_stat1", "CREATE TABLE sqlite_stat1(tbl,idx,stat)" },
	{ "sqlite_stat4",
	    "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)" },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* One import's state; the connections are closed by dbimage_import. */
struct dbimage_check {
	struct sqlconn	*walkin;
	struct sqlconn	*image;		/* read-only copy of the file */
	struct sqlconn	*replay;	/* the schema replayed, no data */
	struct buf	*out;
	int		 status;	/* set with the reply by a failure */
};

static uint32_t
dbimage_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* ---- replies ---- */

static int
dbimage_reply(struct buf *out, int status, const char *msg)
{
	json_error(out, msg);
	return status;
}

/* 400 "invalid database: <what>[: <detail>]", detail capped. */
static int
dbimage_invalid(struct dbimage_check *k, const char *what,
    const char *detail)
{
	struct buf msg;

	buf_init(&msg);
	buf_printf(&msg, "invalid database: %s", what);
	if (detail != NULL)
		buf_printf(&msg, ": %.*s", DBIMAGE_REASON_MAX, detail);
	json_error(k->out, buf_cstr(&msg));
	buf_free(&msg);
	k->status = 400;
	return -1;
}

/* A failed statement on one of our connections: timeout or refusal. */
static int
dbimage_stmt_failed(struct dbimage_check *k, struct sqlconn *c,
    const char *what)
{
	const char *denied = sqlconn_denied(c);
	struct buf msg;
	int rc;

	if (sqlconn_timed_out(c)) {
		k->status = dbimage_reply(k->out, 408, "query timeout");
		return -1;
	}
	buf_init(&msg);
	if (denied != NULL)
		buf_printf(&msg, "forbidden sql keyword: %s", denied);
	else
		buf_printf(&msg, "invalid sql: %s",
		    sqlite3_errmsg(sqlconn_db(c)));
	rc = dbimage_invalid(k, what, buf_cstr(&msg));
	buf_free(&msg);
	return rc;
}

/* ---- export ---- */

/* A one-page empty database: what an empty walk-in exports as. */
static int
dbimage_export_empty(struct sqlconn *c, struct buf *out)
{
	struct sqlconn *m;
	sqlite3_int64 sz = 0;
	unsigned char *img = NULL;
	char err[128];

	if ((m = sqlconn_open_memory(c, NULL, 0, err, sizeof(err))) == NULL) {
		log_warnx("export: %s", err);
		return dbimage_reply(out, 500, "internal error");
	}
	/* Writing a header field is what makes SQLite write page 1. */
	if (sqlite3_exec(sqlconn_db(m), "PRAGMA user_version=0", NULL, NULL,
	    NULL) == SQLITE_OK)
		img = sqlite3_serialize(sqlconn_db(m), "main", &sz, 0);
	sqlconn_close(m);
	if (img == NULL || sz < DBIMAGE_MIN_BYTES) {
		sqlite3_free(img);
		return dbimage_reply(out, 500, "internal error");
	}
	buf_add(out, img, (size_t)sz);
	sqlite3_free(img);
	return 200;
}

static int
dbimage_page_count(sqlite3 *db, int64_t *n)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA main.page_count", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int
dbimage_export(struct sqlconn *c, struct buf *out)
{
	sqlite3 *db = sqlconn_db(c);
	sqlite3_int64 sz = 0;
	unsigned char *img;
	int64_t pages = -1;

	buf_reset(out);
	if (!sqlite3_get_autocommit(db))
		return dbimage_reply(out, 409,
		    "transaction open: COMMIT or ROLLBACK first");
	sqlconn_clear_denied(c);
	/* Prepares "PRAGMA main.page_count", a read the policy allows. */
	if ((img = sqlite3_serialize(db, "main", &sz, 0)) == NULL) {
		if (sqlconn_timed_out(c))
			return dbimage_reply(out, 408, "query timeout");
		if (dbimage_page_count(db, &pages) == 0 && pages == 0)
			return dbimage_export_empty(c, out);
		log_warnx("export: %s", sqlite3_errmsg(db));
		return dbimage_reply(out, 500, "internal error");
	}
	if (sz < DBIMAGE_MIN_BYTES) {
		sqlite3_free(img);
		return dbimage_reply(out, 500, "internal error");
	}
	/* The walk-in's journal is TRUNCATE already; say so in any case. */
	img[18] = 1;
	img[19] = 1;
	buf_add(out, img, (size_t)sz);
	sqlite3_free(img);
	return 200;
}

/* ---- import, step 1: the header ---- */

/*
 * The header fields, read only once len >= 512 is known. Returns the
 * reason for a refusal, or NULL and the page size.
 */
static const char *
dbimage_header(const unsigned char *h, size_t len, uint32_t *page_size)
{
	uint32_t ps = (uint32_t)h[16] << 8 | h[17];

	if (memcmp(h, dbimage_magic, sizeof(dbimage_magic)) != 0)
		return "not an SQLite 3 file";
	if (ps == 1)
		ps = 65536;
	if (ps < 512 || (ps & (ps - 1)) != 0)
		return "bad page size";
	if (len % ps != 0)
		return "size is not a multiple of the page size";
	/* SQLite trusts the count only while 24..27 match 92..95. */
	if (memcmp(h + 24, h + 92, 4) != 0 ||
	    (uint64_t)dbimage_be32(h + 28) * ps != len)
		return "page count in header does not match the file size";
	if (h[18] < 1 || h[18] > 2 || h[19] < 1 || h[19] > 2)
		return "unsupported file format version";
	if (ps - h[20] < 480)
		return "bad reserved space";
	if (h[21] != 64 || h[22] != 32 || h[23] != 32)
		return "bad payload fractions";
	if (dbimage_be32(h + 44) > 4)
		return "unsupported schema format";
	if (dbimage_be32(h + 56) > 3)
		return "bad text encoding";
	*page_size = ps;
	return NULL;
}

/* ---- step 2: integrity_check on a read-only in-memory copy ---- */

/* SQLite's own words for a file it cannot read, or the timeout. */
static int
dbimage_unreadable(struct dbimage_check *k, const char *msg)
{
	if (k->image != NULL && sqlconn_timed_out(k->image)) {
		k->status = dbimage_reply(k->out, 408, "query timeout");
		return -1;
	}
	return dbimage_invalid(k, "unreadable", msg);
}

static int
dbimage_open_image(struct dbimage_check *k, const void *p, size_t len)
{
	unsigned char *copy;
	const char *msg;
	char err[256];

	if ((copy = malloc(len)) == NULL)
		abort();
	memcpy(copy, p, len);
	copy[18] = 1;
	copy[19] = 1;
	memset(copy + 48, 0, 4);	/* suggested cache size: default */
	k->image = sqlconn_open_memory(k->walkin, copy, len, err,
	    sizeof(err));
	free(copy);
	if (k->image != NULL)
		return 0;
	/* The open's "<step>: <SQLite's message>": the message only. */
	msg = strstr(err, ": ");
	return dbimage_unreadable(k, msg != NULL ? msg + 2 : err);
}

static int
dbimage_integrity(struct dbimage_check *k)
{
	sqlite3 *db = sqlconn_db(k->image);
	sqlite3_stmt *st;
	const char *v;
	int rc, ok = 0, rows = 0;

	sqlconn_clear_denied(k->image);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
	    SQLITE_OK)
		return dbimage_unreadable(k, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = (const char *)sqlite3_column_text(st, 0);
		ok = ++rows == 1 && v != NULL && strcmp(v, "ok") == 0;
	}
	if (rc != SQLITE_DONE) {
		rc = dbimage_unreadable(k, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	if (!ok || rows != 1)
		return dbimage_invalid(k, "integrity_check failed", NULL);
	return 0;
}

/* ---- step 3: the schema policy ---- */

/* sqlite_* tables: 1 = internal and sound, 0 = not internal, -1 bad. */
static int
dbimage_internal(const char *type, const char *name, const char *sql)
{
	size_t i;

	if (strcmp(type, "table") != 0 || strncasecmp(name, "sqlite_", 7) != 0)
		return 0;
	for (i = 0; i < NELEM(dbimage_internals); i++)
		if (strcmp(name, dbimage_internals[i].name) == 0)
			return sql != NULL &&
			    strcmp(sql, dbimage_internals[i].sql) == 0 ? 1 : -1;
	return -1;
}

static int
dbimage_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_schema "
	    "WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Run one CREATE from the file on the replay connection. */
static int
dbimage_replay_one(struct dbimage_check *k, const char *sql)
{
	sqlite3 *db = sqlconn_db(k->replay);
	sqlite3_stmt *st = NULL, *more = NULL;
	const char *tail = NULL, *word;
	int rc;

	if ((word = keyword_scan(sql, strlen(sql))) != NULL)
		return dbimage_invalid(k, "schema refused: forbidden sql "
		    "keyword", word);
	/* What SQLite's schema loader itself requires (prepare.c). */
	if (strncasecmp(sql, "create ", 7) != 0)
		return dbimage_invalid(k, "schema refused: not a CREATE "
		    "statement", NULL);
	sqlconn_clear_denied(k->replay);
	if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK ||
	    st == NULL)
		return dbimage_stmt_failed(k, k->replay, "schema refused");
	/* The loader runs the first statement only; refuse a tail. */
	if (tail != NULL && *tail != '\0' &&
	    (sqlite3_prepare_v2(db, tail, -1, &more, NULL) != SQLITE_OK ||
	    more != NULL)) {
		sqlite3_finalize(more);
		sqlite3_finalize(st);
		return dbimage_invalid(k, "schema refused: more than one "
		    "statement in a schema entry", NULL);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return dbimage_stmt_failed(k, k->replay, "schema refused");
	return 0;
}

static const char dbimage_rows_sql[] =
    "SELECT type, name, tbl_name, sql FROM main.sqlite_schema "
    "ORDER BY rowid";

/* Replay every CREATE of the file's schema, in rowid order. */
static int
dbimage_replay(struct dbimage_check *k)
{
	sqlite3_stmt *st;
	const char *type, *name, *sql;
	int rc = 0, step = SQLITE_DONE, internal;

	sqlconn_clear_denied(k->image);
	if (sqlite3_prepare_v2(sqlconn_db(k->image), dbimage_rows_sql, -1,
	    &st, NULL) != SQLITE_OK)
		return dbimage_stmt_failed(k, k->image, "schema");
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		type = (const char *)sqlite3_column_text(st, 0);
		name = (const char *)sqlite3_column_text(st, 1);
		sql = (const char *)sqlite3_column_text(st, 3);
		if (type == NULL || name == NULL)
			rc = dbimage_invalid(k, "schema refused: a nameless "
			    "entry", NULL);
		else if ((internal = dbimage_internal(type, name, sql)) == -1)
			rc = dbimage_invalid(k, "schema refused: unknown "
			    "internal table", NULL);
		else if (internal == 1 || sql == NULL || sql[0] == '\0')
			continue;	/* compared below */
		else if (dbimage_exists(sqlconn_db(k->replay), name) == 1)
			continue;	/* made by an earlier virtual table */
		else
			rc = dbimage_replay_one(k, sql);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = dbimage_stmt_failed(k, k->image, "schema");
	sqlite3_finalize(st);
	return rc;
}

static int
dbimage_same(const unsigned char *a, const unsigned char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp((const char *)a, (const char *)b) == 0;
}

/* Count the rows of sqlite_schema that are not internal tables. */
static int64_t
dbimage_count_rows(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM main.sqlite_schema "
	    "WHERE NOT (type = 'table' AND "
	    "lower(substr(name, 1, 7)) = 'sqlite_')", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Does the replay hold this row of the file's sqlite_schema? */
static int
dbimage_row_matches(sqlite3_stmt *find, sqlite3_stmt *row)
{
	int same;

	sqlite3_reset(find);
	sqlite3_bind_value(find, 1, sqlite3_column_value(row, 1));
	if (sqlite3_step(find) != SQLITE_ROW)
		return 0;
	same = dbimage_same(sqlite3_column_text(find, 0),
	    sqlite3_column_text(row, 0)) &&
	    dbimage_same(sqlite3_column_text(find, 1),
	    sqlite3_column_text(row, 2)) &&
	    dbimage_same(sqlite3_column_text(find, 2),
	    sqlite3_column_text(row, 3));
	sqlite3_reset(find);
	return same;
}

/* The file's sqlite_schema must be exactly what the replay wrote. */
static int
dbimage_compare(struct dbimage_check *k)
{
	sqlite3_stmt *row = NULL, *find = NULL;
	const char *type, *name;
	int64_t n = 0;
	int step = SQLITE_ERROR, ok = 1;

	if (sqlite3_prepare_v2(sqlconn_db(k->image), dbimage_rows_sql, -1,
	    &row, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(sqlconn_db(k->replay), "SELECT type, "
	    "tbl_name, sql FROM main.sqlite_schema WHERE name = ?1", -1,
	    &find, NULL) == SQLITE_OK) {
		while (ok && (step = sqlite3_step(row)) == SQLITE_ROW) {
			type = (const char *)sqlite3_column_text(row, 0);
			name = (const char *)sqlite3_column_text(row, 1);
			if (type == NULL || name == NULL)
				ok = 0;
			else if (dbimage_internal(type, name, NULL) == 0) {
				ok = dbimage_row_matches(find, row);
				n++;
			}
		}
	}
	sqlite3_finalize(row);
	sqlite3_finalize(find);
	if (ok && step != SQLITE_DONE)
		return dbimage_stmt_failed(k, k->image, "schema");
	if (!ok || n != dbimage_count_rows(sqlconn_db(k->replay)))
		return dbimage_invalid(k, "schema refused: sqlite_schema "
		    "differs from its own SQL replayed", NULL);
	return 0;
}

/*
 * Compile (never run) sql on the replay connection. Only a policy
 * refusal or the deadline fails the check: other errors (a view of a
 * dropped table, an UPDATE of a view without an INSTEAD OF trigger)
 * fail the same way in the walk-in, at each use.
 */
static int
dbimage_compile(struct dbimage_check *k, struct buf *sql)
{
	sqlite3_stmt *st = NULL;

	sqlconn_clear_denied(k->replay);
	if (sqlite3_prepare_v2(sqlconn_db(k->replay), buf_cstr(sql),
	    (int)sql->len, &st, NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	if (sqlconn_denied(k->replay) == NULL &&
	    !sqlconn_timed_out(k->replay))
		return 0;
	return dbimage_stmt_failed(k, k->replay, "schema refused");
}

/* INSERT, DELETE and one UPDATE per column (UPDATE OF c triggers). */
static int
dbimage_compile_writes(struct dbimage_check *k, const char *table)
{
	sqlite3_stmt *cols;
	struct buf sql;
	int rc = 0, step = SQLITE_DONE;

	buf_init(&sql);
	buf_adds(&sql, "INSERT INTO main.");
	dbdump_add_ident(&sql, table);
	buf_adds(&sql, " DEFAULT VALUES");
	rc = dbimage_compile(k, &sql);
	buf_reset(&sql);
	buf_adds(&sql, "DELETE FROM main.");
	dbdump_add_ident(&sql, table);
	if (rc == 0)
		rc = dbimage_compile(k, &sql);
	if (rc == 0 && sqlite3_prepare_v2(sqlconn_db(k->replay),
	    "SELECT name FROM pragma_table_xinfo(?1) WHERE hidden = 0", -1,
	    &cols, NULL) != SQLITE_OK)
		rc = dbimage_stmt_failed(k, k->replay, "schema");
	if (rc == 0) {
		sqlite3_bind_text(cols, 1, table, -1, SQLITE_STATIC);
		while (rc == 0 && (step = sqlite3_step(cols)) == SQLITE_ROW) {
			buf_reset(&sql);
			buf_adds(&sql, "UPDATE main.");
			dbdump_add_ident(&sql, table);
			buf_adds(&sql, " SET ");
			dbdump_add_ident(&sql,
			    (const char *)sqlite3_column_text(cols, 0));
			buf_adds(&sql, " = NULL");
			rc = dbimage_compile(k, &sql);
		}
		if (rc == 0 && step != SQLITE_DONE)
			rc = dbimage_stmt_failed(k, k->replay, "schema");
		sqlite3_finalize(cols);
	}
	buf_free(&sql);
	return rc;
}

/* Views and triggers are checked at use: use each one once. */
static int
dbimage_compile_uses(struct dbimage_check *k)
{
	sqlite3_stmt *st;
	struct buf sql;
	const char *type, *name;
	int rc = 0, step = SQLITE_DONE;

	if (sqlite3_prepare_v2(sqlconn_db(k->replay), "SELECT type, name "
	    "FROM main.sqlite_schema WHERE type = 'view' UNION "
	    "SELECT DISTINCT 'trigger', tbl_name FROM main.sqlite_schema "
	    "WHERE type = 'trigger'", -1, &st, NULL) != SQLITE_OK)
		return dbimage_stmt_failed(k, k->replay, "schema");
	buf_init(&sql);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		type = (const char *)sqlite3_column_text(st, 0);
		name = (const char *)sqlite3_column_text(st, 1);
		if (type == NULL || name == NULL)
			continue;
		if (strcmp(type, "view") == 0) {
			buf_reset(&sql);
			buf_adds(&sql, "SELECT * FROM main.");
			dbdump_add_ident(&sql, name);
			rc = dbimage_compile(k, &sql);
		} else
			rc = dbimage_compile_writes(k, name);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = dbimage_stmt_failed(k, k->replay, "schema");
	sqlite3_finalize(st);
	buf_free(&sql);
	return rc;
}

/* ---- step 4: virtual tables open and read ---- */

/*
 * A virtual table's constructor and data are outside integrity_check in
 * this SQLite (xIntegrity came in 3.44): fuzz_dbimage found an fts5
 * table whose %_config its constructor refuses, which imported and then
 * made every use and the export a 500 (SQLITE_CORRUPT). So each virtual
 * table of the file is read to its end on the copy, and each fts5 one
 * also runs fts5's own 'integrity-check' (index against content), in a
 * transaction that is rolled back. Shadow tables are read-only to users
 * (SQLITE_DBCONFIG_DEFENSIVE), so a walk-in cannot make them unsound
 * later; only an import can, and this is where it is refused.
 */
static int
dbimage_run(struct dbimage_check *k, const char *name, struct buf *sql)
{
	sqlite3 *db = sqlconn_db(k->image);
	sqlite3_stmt *st = NULL;
	struct buf msg;
	int rc;

	sqlconn_clear_denied(k->image);
	if ((rc = sqlite3_prepare_v2(db, buf_cstr(sql), (int)sql->len, &st,
	    NULL)) == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
	sqlite3_finalize(st);
	if (rc == SQLITE_OK || rc == SQLITE_DONE)
		return 0;
	if (sqlconn_timed_out(k->image) || sqlconn_denied(k->image) != NULL)
		return dbimage_stmt_failed(k, k->image, "virtual table");
	buf_init(&msg);
	buf_printf(&msg, "virtual table %.64s unreadable", name);
	rc = dbimage_invalid(k, buf_cstr(&msg), sqlite3_errmsg(db));
	buf_free(&msg);
	return rc;
}

static int
dbimage_fts5_check(struct dbimage_check *k, const char *name)
{
	sqlite3 *db = sqlconn_db(k->image);
	struct buf sql;
	int rc;

	buf_init(&sql);
	buf_adds(&sql, "INSERT INTO main.");
	dbdump_add_ident(&sql, name);
	buf_adds(&sql, "(");
	dbdump_add_ident(&sql, name);
	buf_adds(&sql, ") VALUES('integrity-check')");
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		buf_free(&sql);
		return dbimage_stmt_failed(k, k->image, "virtual table");
	}
	rc = dbimage_run(k, name, &sql);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	buf_free(&sql);
	return rc;
}

/* Names are gathered first: the checks run outside that statement. */
static int
dbimage_vtabs(struct dbimage_check *k)
{
	sqlite3_stmt *st;
	struct buf names, sql;
	const char *name;
	size_t off;
	int rc = 0, step;

	sqlconn_clear_denied(k->image);
	if (sqlite3_prepare_v2(sqlconn_db(k->image), "SELECT name FROM "
	    "main.sqlite_schema WHERE type = 'table' AND "
	    "sql LIKE 'CREATE VIRTUAL TABLE%' ORDER BY rowid", -1, &st,
	    NULL) != SQLITE_OK)
		return dbimage_stmt_failed(k, k->image, "schema");
	buf_init(&names);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if ((name = (const char *)sqlite3_column_text(st, 0)) != NULL)
			buf_add(&names, name, strlen(name) + 1);
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		rc = dbimage_stmt_failed(k, k->image, "schema");
	buf_init(&sql);
	for (off = 0; rc == 0 && off < names.len; off += strlen(name) + 1) {
		name = names.data + off;
		buf_reset(&sql);
		buf_adds(&sql, "SELECT * FROM main.");
		dbdump_add_ident(&sql, name);
		rc = dbimage_run(k, name, &sql);
		if (rc == 0 && dbdump_fts5(sqlconn_db(k->image), name) == 1)
			rc = dbimage_fts5_check(k, name);
	}
	buf_free(&sql);
	buf_free(&names);
	return rc;
}

/* ---- the copy into the walk-in ---- */

static int
dbimage_copy(struct dbimage_check *k, uint32_t page_size)
{
	sqlite3 *dst = sqlconn_db(k->walkin);
	sqlite3_backup *b;
	int64_t pages = -1;
	int rc;

	if (!sqlite3_get_autocommit(dst) ||
	    dbimage_page_count(dst, &pages) == -1 || pages != 0) {
		log_warnx("import: the walk-in is not new and empty");
		k->status = dbimage_reply(k->out, 500, "internal error");
		return -1;
	}
	if (sqlconn_recap(k->walkin, page_size) == -1 ||
	    (b = sqlite3_backup_init(dst, "main", sqlconn_db(k->image),
	    "main")) == NULL) {
		log_warnx("import: %s", sqlite3_errmsg(dst));
		k->status = dbimage_reply(k->out, 500, "internal error");
		return -1;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);	/* rolls back a failed copy */
	if (rc != SQLITE_DONE || sqlconn_recap(k->walkin, 0) == -1) {
		log_warnx("import: backup: %s", sqlite3_errstr(rc));
		k->status = (rc & 0xff) == SQLITE_FULL ?
		    dbimage_reply(k->out, 507,
		    "instance storage quota exceeded") :
		    dbimage_reply(k->out, 500, "internal error");
		return -1;
	}
	return 0;
}

static int
dbimage_checks(struct dbimage_check *k, const unsigned char *p, size_t len,
    int64_t max_db_bytes, uint32_t *page_size)
{
	const char *why;
	char err[256], size_msg[64];

	if (len < DBIMAGE_MIN_BYTES || max_db_bytes < DBIMAGE_MIN_BYTES ||
	    (uint64_t)len > (uint64_t)max_db_bytes) {
		snprintf(size_msg, sizeof(size_msg), "size must be %d to %lld "
		    "bytes", DBIMAGE_MIN_BYTES, (long long)max_db_bytes);
		return dbimage_invalid(k, size_msg, NULL);
	}
	if ((why = dbimage_header(p, len, page_size)) != NULL)
		return dbimage_invalid(k, why, NULL);
	if (dbimage_open_image(k, p, len) == -1 ||
	    dbimage_integrity(k) == -1)
		return -1;
	if ((k->replay = sqlconn_open_memory(k->walkin, NULL, 0, err,
	    sizeof(err))) == NULL) {
		log_warnx("import: %s", err);
		k->status = dbimage_reply(k->out, 500, "internal error");
		return -1;
	}
	if (dbimage_replay(k) == -1 || dbimage_compare(k) == -1 ||
	    dbimage_compile_uses(k) == -1 || dbimage_vtabs(k) == -1)
		return -1;
	return 0;
}

int
dbimage_import(struct sqlconn *c, const void *p, size_t len,
    int64_t max_db_bytes, struct buf *out)
{
	struct dbimage_check k;
	uint32_t page_size = 0;

	buf_reset(out);
	memset(&k, 0, sizeof(k));
	k.walkin = c;
	k.out = out;
	if (dbimage_checks(&k, p, len, max_db_bytes, &page_size) == 0 &&
	    dbimage_copy(&k, page_size) == 0) {
		buf_reset(out);
		buf_adds(out, "{\"imported\":true,\"bytes\":");
		json_add_int64(out, (int64_t)len);
		buf_adds(out, ",\"page_size\":");
		json_add_int64(out, page_size);
		buf_addc(out, '}');
		k.status = 200;
	}
	sqlconn_close(k.replay);
	sqlconn_close(k.image);
	return k.status;
}
