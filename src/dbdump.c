/*
 * dbdump.c: the walk-in's database as a SQL script (executor side, on
 * the walk-in's hardened connection, authorizer on).
 *
 * The script has the sqlite3 shell's .dump layout, so `sqlite3 new.db <
 * dump.sql` rebuilds the database, and it stays inside walkind's policy
 * so a new walk-in can run it too:
 *
 *   PRAGMA foreign_keys=OFF;  BEGIN TRANSACTION;
 *   each table in rowid order of sqlite_schema: its CREATE text, then
 *     its rows as INSERT INTO "t" VALUES(...); a virtual table is its
 *     CREATE VIRTUAL TABLE and its rows through the module (fts5 with
 *     their rowids), never its shadow tables (the module rebuilds them);
 *   sqlite_sequence (DELETE, then the rows of tables that exist), and
 *     sqlite_stat1/4 (ANALYZE sqlite_schema creates them, then rows);
 *   indexes, views and triggers in rowid order (tables all exist by
 *     then; views and triggers are not compiled at CREATE);
 *   COMMIT;
 *
 * Values are written as literals that read back as the same value and
 * type (dbdump_add_value). Generated and hidden columns are not read:
 * the SELECT names the stored columns only, so no user expression runs
 * (a generated column's is recomputed by the CREATE), and the INSERT
 * then names its columns. Rows are read through the walk-in's authorizer
 * and printf stand-ins, never with the policy relaxed; a table the
 * policy will not read (one named dbstat) fails the dump with the usual
 * 400. Rowids of tables without an INTEGER PRIMARY KEY are not kept, as
 * in the shell's default .dump. Reading stops once the text passes
 * max_bytes (413), so the buffer grows to at most max_bytes plus one
 * row.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "buf.h"
#include "dbdump.h"
#include "json.h"
#include "log.h"
#include "sqlconn.h"

struct dbdump_run {
	struct sqlconn	*c;
	sqlite3		*db;
	struct buf	*out;
	int64_t		 max_bytes;	/* <= 0: none */
	int		 status;	/* the reply, once something failed */
};

/* ---- literals ---- */

void
dbdump_add_ident(struct buf *b, const char *name)
{
	const char *q;

	buf_addc(b, '"');
	while (name != NULL && (q = strchr(name, '"')) != NULL) {
		buf_add(b, name, (size_t)(q - name) + 1);
		buf_addc(b, '"');
		name = q + 1;
	}
	if (name != NULL)
		buf_adds(b, name);
	buf_addc(b, '"');
}

static void
dbdump_add_hex(struct buf *b, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	buf_reserve(b, 2 * n + 3);
	buf_add(b, "X'", 2);
	for (i = 0; i < n; i++) {
		b->data[b->len++] = hex[p[i] >> 4];
		b->data[b->len++] = hex[p[i] & 15];
	}
	buf_addc(b, '\'');
}

/* Shortest text that reads back as v, always as a REAL. */
static void
dbdump_add_real(struct buf *b, double v)
{
	char tmp[40];
	int prec, n = 0;

	if (isnan(v)) {
		buf_adds(b, "NULL");	/* SQLite stores NaN as NULL too */
		return;
	}
	if (isinf(v)) {
		buf_adds(b, v < 0 ? "-1e999" : "1e999");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	buf_add(b, tmp, (size_t)n);
	/* "1" would read back as an INTEGER. */
	if (strpbrk(tmp, ".e") == NULL)
		buf_add(b, ".0", 2);
}

static void
dbdump_add_text(struct buf *b, const char *s, size_t n)
{
	const char *q, *end = s + n;

	if (memchr(s, '\0', n) != NULL) {
		/* A NUL would end the literal in the shell and in SQLite. */
		buf_adds(b, "CAST(");
		dbdump_add_hex(b, (const unsigned char *)s, n);
		buf_adds(b, " AS TEXT)");
		return;
	}
	buf_addc(b, '\'');
	while ((q = memchr(s, '\'', (size_t)(end - s))) != NULL) {
		buf_add(b, s, (size_t)(q - s) + 1);
		buf_addc(b, '\'');
		s = q + 1;
	}
	buf_add(b, s, (size_t)(end - s));
	buf_addc(b, '\'');
}

void
dbdump_add_value(struct buf *b, sqlite3_stmt *st, int i)
{
	const void *p;
	char tmp[24];

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		/* INT64_MIN reads back as an integer too (tested). */
		snprintf(tmp, sizeof(tmp), "%lld",
		    (long long)sqlite3_column_int64(st, i));
		buf_adds(b, tmp);
		break;
	case SQLITE_FLOAT:
		dbdump_add_real(b, sqlite3_column_double(st, i));
		break;
	case SQLITE_TEXT:
		p = sqlite3_column_text(st, i);
		dbdump_add_text(b, p != NULL ? p : "", p != NULL ?
		    (size_t)sqlite3_column_bytes(st, i) : 0);
		break;
	case SQLITE_BLOB:
		p = sqlite3_column_blob(st, i);
		dbdump_add_hex(b, p, p != NULL ?
		    (size_t)sqlite3_column_bytes(st, i) : 0);
		break;
	default:
		buf_adds(b, "NULL");
	}
}

/* ---- the run ---- */

/* Set the error reply for a failed statement; returns -1. */
static int
dbdump_fail(struct dbdump_run *r)
{
	struct buf msg;
	const char *denied = sqlconn_denied(r->c);

	if (sqlconn_timed_out(r->c)) {
		json_error(r->out, "query timeout");
		r->status = 408;
	} else if (denied != NULL) {
		buf_init(&msg);
		buf_printf(&msg, "forbidden sql keyword: %s", denied);
		json_error(r->out, buf_cstr(&msg));
		buf_free(&msg);
		r->status = 400;
	} else {
		log_warnx("dump: %s", sqlite3_errmsg(r->db));
		json_error(r->out, "internal error");
		r->status = 500;
	}
	return -1;
}

static int
dbdump_too_big(struct dbdump_run *r)
{
	if (r->max_bytes <= 0 || (int64_t)r->out->len <= r->max_bytes)
		return 0;
	json_error(r->out, "dump too large");
	r->status = 413;
	return 1;
}

static int
dbdump_prepare(struct dbdump_run *r, const char *sql, sqlite3_stmt **st)
{
	sqlconn_clear_denied(r->c);
	if (sqlite3_prepare_v2(r->db, sql, -1, st, NULL) != SQLITE_OK)
		return dbdump_fail(r);
	return 0;
}

/* One table's column lists, built from PRAGMA table_xinfo. */
struct dbdump_cols {
	struct buf	select;		/* SELECT [rowid,]"a","b" FROM "t" */
	struct buf	insert;		/* INSERT INTO "t"[(...)] VALUES( */
};

int
dbdump_fts5(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st;
	int found;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_xinfo(?1, "
	    "'main') WHERE hidden = 1 AND name = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int
dbdump_is_fts5(struct dbdump_run *r, const char *table)
{
	int rc;

	sqlconn_clear_denied(r->c);
	if ((rc = dbdump_fts5(r->db, table)) == -1)
		return dbdump_fail(r);
	return rc;
}

/*
 * Stored columns only (hidden 0): generated (2, 3) and a virtual table's
 * hidden columns (1) are left out, and then the INSERT names its
 * columns. An fts5 table's rowids are kept: an external-content index
 * refers to its content table's rows by them. Returns the number of
 * values per row, or -1.
 */
static int
dbdump_columns(struct dbdump_run *r, const char *table, int virtual,
    struct dbdump_cols *k)
{
	sqlite3_stmt *st;
	struct buf list;
	int step, fts5 = 0, n = 0, named = 0;

	if (virtual && (fts5 = dbdump_is_fts5(r, table)) == -1)
		return -1;
	if (dbdump_prepare(r, "SELECT name, hidden FROM "
	    "pragma_table_xinfo(?1, 'main') ORDER BY cid", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	buf_init(&list);
	if (fts5) {
		buf_adds(&list, "rowid");
		n = named = 1;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 1) != 0) {
			named = 1;
			continue;
		}
		if (n++ > 0)
			buf_addc(&list, ',');
		dbdump_add_ident(&list, (const char *)sqlite3_column_text(st,
		    0));
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		buf_free(&list);
		return dbdump_fail(r);
	}
	buf_adds(&k->select, "SELECT ");
	buf_add(&k->select, list.data, list.len);
	buf_adds(&k->select, " FROM main.");
	dbdump_add_ident(&k->select, table);
	buf_adds(&k->insert, "INSERT INTO ");
	dbdump_add_ident(&k->insert, table);
	if (named) {
		buf_addc(&k->insert, '(');
		buf_add(&k->insert, list.data, list.len);
		buf_addc(&k->insert, ')');
	}
	buf_adds(&k->insert, " VALUES(");
	buf_free(&list);
	return n;
}

/* The rows of one table as INSERT statements. */
static int
dbdump_rows(struct dbdump_run *r, const char *table, int virtual)
{
	struct dbdump_cols k;
	sqlite3_stmt *st = NULL;
	int n, i, step, rc = -1;

	buf_init(&k.select);
	buf_init(&k.insert);
	if ((n = dbdump_columns(r, table, virtual, &k)) <= 0) {
		rc = n == 0 ? 0 : -1;
		goto done;
	}
	if (dbdump_prepare(r, buf_cstr(&k.select), &st) == -1)
		goto done;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		buf_add(r->out, k.insert.data, k.insert.len);
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_addc(r->out, ',');
			dbdump_add_value(r->out, st, i);
		}
		buf_adds(r->out, ");\n");
		if (dbdump_too_big(r))
			goto done;
	}
	if (step != SQLITE_DONE) {
		dbdump_fail(r);
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	buf_free(&k.select);
	buf_free(&k.insert);
	return rc;
}

static int
dbdump_has_table(struct dbdump_run *r, const char *name)
{
	sqlite3_stmt *st;
	int found;

	if (dbdump_prepare(r, "SELECT 1 FROM main.sqlite_schema "
	    "WHERE type = 'table' AND name = ?1", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/*
 * Ordinary and virtual tables with their rows, rowid order. Internal
 * tables come later, shadow tables never (their module rebuilds them).
 */
static int
dbdump_tables(struct dbdump_run *r)
{
	sqlite3_stmt *st;
	const char *name, *sql, *type;
	int step = SQLITE_DONE, rc = 0;

	if (dbdump_prepare(r, "SELECT s.name, s.sql, l.type "
	    "FROM main.sqlite_schema AS s LEFT JOIN pragma_table_list AS l "
	    "ON l.schema = 'main' AND l.name = s.name "
	    "WHERE s.type = 'table' AND s.sql IS NOT NULL ORDER BY s.rowid",
	    &st) == -1)
		return -1;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		sql = (const char *)sqlite3_column_text(st, 1);
		type = (const char *)sqlite3_column_text(st, 2);
		if (name == NULL || sql == NULL ||
		    strncasecmp(name, "sqlite_", 7) == 0 ||
		    (type != NULL && strcmp(type, "shadow") == 0))
			continue;
		buf_adds(r->out, sql);
		buf_adds(r->out, ";\n");
		rc = dbdump_rows(r, name, type != NULL &&
		    strcmp(type, "virtual") == 0);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = dbdump_fail(r);
	sqlite3_finalize(st);
	return rc;
}

/*
 * sqlite_sequence after the rows (their INSERTs moved it), as the shell
 * does; the stat tables through ANALYZE, which creates them.
 */
static int
dbdump_internal(struct dbdump_run *r)
{
	static const char *const stats[] = { "sqlite_stat1", "sqlite_stat4" };
	int has, analyzed = 0;
	size_t i;

	if ((has = dbdump_has_table(r, "sqlite_sequence")) == -1)
		return -1;
	if (has) {
		buf_adds(r->out, "DELETE FROM sqlite_sequence;\n");
		if (dbdump_rows(r, "sqlite_sequence", 0) == -1)
			return -1;
	}
	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		if ((has = dbdump_has_table(r, stats[i])) == -1)
			return -1;
		if (!has)
			continue;
		if (!analyzed++)
			buf_adds(r->out, "ANALYZE sqlite_schema;\n");
		if (dbdump_rows(r, stats[i], 0) == -1)
			return -1;
	}
	return 0;
}

/* Indexes, views and triggers, rowid order; autoindexes have no sql. */
static int
dbdump_others(struct dbdump_run *r)
{
	sqlite3_stmt *st;
	const char *sql;
	int step = SQLITE_DONE;

	if (dbdump_prepare(r, "SELECT sql FROM main.sqlite_schema "
	    "WHERE type IN ('index', 'view', 'trigger') AND sql IS NOT NULL "
	    "ORDER BY rowid", &st) == -1)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if ((sql = (const char *)sqlite3_column_text(st, 0)) == NULL)
			continue;
		buf_adds(r->out, sql);
		buf_adds(r->out, ";\n");
	}
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		return dbdump_fail(r);
	return dbdump_too_big(r) ? -1 : 0;
}

int
dbdump_sql(struct sqlconn *c, int64_t max_bytes, struct buf *out)
{
	struct dbdump_run r;

	buf_reset(out);
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.db = sqlconn_db(c);
	r.out = out;
	r.max_bytes = max_bytes;
	if (!sqlite3_get_autocommit(r.db)) {
		json_error(out, "transaction open: COMMIT or ROLLBACK first");
		return 409;
	}
	buf_adds(out, "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n");
	if (dbdump_tables(&r) == -1 || dbdump_internal(&r) == -1 ||
	    dbdump_others(&r) == -1)
		return r.status;
	buf_adds(out, "COMMIT;\n");
	if (dbdump_too_big(&r))
		return r.status;
	return 200;
}
