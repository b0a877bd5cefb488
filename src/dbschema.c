/*
 * dbschema.c: the walk-in's schema as JSON (executor side, on the
 * walk-in's hardened connection, authorizer on).
 *
 * Everything comes from sqlite_schema and the introspection pragmas the
 * policy already allows callers (table_list, table_xinfo,
 * foreign_key_list, index_list, index_info), through their table-valued
 * forms with the schema "main" named: nothing is read that a caller
 * could not read with /sql. Names, types and SQL text are the caller's
 * own bytes and go through json_add_string, which makes any bytes valid
 * JSON. PRAGMA table_xinfo on a view compiles it (SQLite names a view's
 * columns with the authorizer off, and runs nothing), so a view whose
 * table was dropped fails alone: it gets "columns":[] and the "error" a
 * /sql SELECT of it would give.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "buf.h"
#include "dataset.h"
#include "dataset_grant.h"
#include "dbschema.h"
#include "json.h"
#include "log.h"
#include "sqlconn.h"

struct dbschema_run {
	struct sqlconn	*c;
	sqlite3		*db;
	struct buf	 tables, views, triggers, datasets;
	int		 ntables, nviews, ntriggers;
	int		 status;	/* 408 or 500 once the whole reply fails */
};

static void
dbschema_str(struct buf *b, const unsigned char *s)
{
	if (s == NULL)
		buf_adds(b, "null");
	else
		json_add_string(b, (const char *)s, strlen((const char *)s));
}

static void
dbschema_key(struct buf *b, const char *key, const unsigned char *s)
{
	buf_printf(b, ",\"%s\":", key);
	dbschema_str(b, s);
}

static void
dbschema_bool(struct buf *b, const char *key, int v)
{
	buf_printf(b, ",\"%s\":%s", key, v ? "true" : "false");
}

/*
 * Prepare a pragma query with ?1 bound to name. Returns NULL when it
 * fails; a timeout then fails the whole reply.
 */
static sqlite3_stmt *
dbschema_query(struct dbschema_run *r, const char *sql, const char *name)
{
	sqlite3_stmt *st = NULL;

	sqlconn_clear_denied(r->c);
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (name != NULL)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return st;
}

/* The error text a failed statement would give a /sql caller. */
static void
dbschema_error(struct dbschema_run *r, struct buf *msg)
{
	const char *denied = sqlconn_denied(r->c);

	buf_reset(msg);
	if (sqlconn_timed_out(r->c))
		r->status = 408;
	if (denied != NULL)
		buf_printf(msg, "forbidden sql keyword: %s", denied);
	else
		buf_printf(msg, "invalid sql: %s", sqlite3_errmsg(r->db));
}

/* Finish a query's loop: -1 (and the error in msg) unless it ran out. */
static int
dbschema_done(struct dbschema_run *r, sqlite3_stmt *st, int step,
    struct buf *msg)
{
	if (st == NULL || step != SQLITE_DONE) {
		dbschema_error(r, msg);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int
dbschema_columns(struct dbschema_run *r, const char *name, struct buf *b,
    struct buf *msg)
{
	sqlite3_stmt *st;
	int step = SQLITE_ERROR, n = 0, hidden;

	st = dbschema_query(r, "SELECT name, type, \"notnull\", dflt_value, "
	    "pk, hidden FROM pragma_table_xinfo(?1, 'main') ORDER BY cid",
	    name);
	buf_adds(b, ",\"columns\":[");
	while (st != NULL && (step = sqlite3_step(st)) == SQLITE_ROW) {
		buf_adds(b, n++ > 0 ? ",{\"name\":" : "{\"name\":");
		dbschema_str(b, sqlite3_column_text(st, 0));
		dbschema_key(b, "type", sqlite3_column_text(st, 1));
		dbschema_bool(b, "notnull", sqlite3_column_int(st, 2));
		dbschema_key(b, "default", sqlite3_column_text(st, 3));
		buf_printf(b, ",\"pk\":%d", sqlite3_column_int(st, 4));
		hidden = sqlite3_column_int(st, 5);
		if (hidden == 1)
			buf_adds(b, ",\"hidden\":true");
		else if (hidden == 2 || hidden == 3)
			buf_printf(b, ",\"generated\":\"%s\"",
			    hidden == 2 ? "virtual" : "stored");
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
	return dbschema_done(r, st, step, msg);
}

/* ,"key":["a","b"]: the first column of sql's rows, arg bound to ?1. */
static int
dbschema_names(struct dbschema_run *r, const char *key, const char *sql,
    const char *arg, struct buf *b, struct buf *msg)
{
	sqlite3_stmt *st;
	int step = SQLITE_ERROR, n = 0;

	st = dbschema_query(r, sql, arg);
	buf_printf(b, ",\"%s\":[", key);
	while (st != NULL && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ > 0)
			buf_addc(b, ',');
		dbschema_str(b, sqlite3_column_text(st, 0));
	}
	buf_addc(b, ']');
	return dbschema_done(r, st, step, msg);
}

static int
dbschema_primary_key(struct dbschema_run *r, const char *name,
    struct buf *b, struct buf *msg)
{
	return dbschema_names(r, "primary_key", "SELECT name FROM "
	    "pragma_table_xinfo(?1, 'main') WHERE pk > 0 ORDER BY pk", name,
	    b, msg);
}

/* One foreign key's "from" or "to" list, from rows id..id+n. */
static void
dbschema_fk_cols(struct buf *b, sqlite3_stmt *st, int col, int id,
    int *step)
{
	int n = 0;

	buf_addc(b, '[');
	do {
		if (n++ > 0)
			buf_addc(b, ',');
		dbschema_str(b, sqlite3_column_text(st, col));
	} while ((*step = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) == id);
	buf_addc(b, ']');
}

/*
 * PRAGMA foreign_key_list has one row per column pair; rows of one key
 * share an id. The query runs twice per key (from, then to) so each
 * list stays one loop.
 */
static int
dbschema_foreign_keys(struct dbschema_run *r, const char *name,
    struct buf *b, struct buf *msg)
{
	static const char sql[] = "SELECT id, \"from\", \"to\", \"table\", "
	    "on_update, on_delete, \"match\" FROM "
	    "pragma_foreign_key_list(?1, 'main') WHERE id >= ?2 "
	    "ORDER BY id, seq";
	sqlite3_stmt *st;
	int step = SQLITE_ERROR, id = 0, n = 0;

	buf_adds(b, ",\"foreign_keys\":[");
	for (;;) {
		if ((st = dbschema_query(r, sql, name)) == NULL)
			break;
		sqlite3_bind_int(st, 2, id);
		if ((step = sqlite3_step(st)) != SQLITE_ROW)
			break;
		id = sqlite3_column_int(st, 0);
		buf_adds(b, n++ > 0 ? ",{\"table\":" : "{\"table\":");
		dbschema_str(b, sqlite3_column_text(st, 3));
		dbschema_key(b, "on_update", sqlite3_column_text(st, 4));
		dbschema_key(b, "on_delete", sqlite3_column_text(st, 5));
		dbschema_key(b, "match", sqlite3_column_text(st, 6));
		buf_adds(b, ",\"from\":");
		dbschema_fk_cols(b, st, 1, id, &step);
		sqlite3_reset(st);
		sqlite3_step(st);
		buf_adds(b, ",\"to\":");
		dbschema_fk_cols(b, st, 2, id, &step);
		buf_addc(b, '}');
		sqlite3_finalize(st);
		id++;
	}
	buf_addc(b, ']');
	return dbschema_done(r, st, step, msg);
}

static int
dbschema_index_columns(struct dbschema_run *r, const unsigned char *index,
    struct buf *b, struct buf *msg)
{
	return dbschema_names(r, "columns", "SELECT name FROM "
	    "pragma_index_info(?1, 'main') ORDER BY seqno",
	    (const char *)index, b, msg);
}

static int
dbschema_indexes(struct dbschema_run *r, const char *name, struct buf *b,
    struct buf *msg)
{
	sqlite3_stmt *st;
	const unsigned char *index;
	int step = SQLITE_ERROR, n = 0, rc = 0;

	st = dbschema_query(r, "SELECT l.name, l.\"unique\", l.origin, "
	    "l.partial, s.sql FROM pragma_index_list(?1, 'main') AS l "
	    "LEFT JOIN main.sqlite_schema AS s ON s.type = 'index' AND "
	    "s.name = l.name ORDER BY s.rowid", name);
	buf_adds(b, ",\"indexes\":[");
	while (rc == 0 && st != NULL &&
	    (step = sqlite3_step(st)) == SQLITE_ROW) {
		index = sqlite3_column_text(st, 0);
		buf_adds(b, n++ > 0 ? ",{\"name\":" : "{\"name\":");
		dbschema_str(b, index);
		dbschema_bool(b, "unique", sqlite3_column_int(st, 1));
		dbschema_key(b, "origin", sqlite3_column_text(st, 2));
		dbschema_bool(b, "partial", sqlite3_column_int(st, 3));
		rc = dbschema_index_columns(r, index, b, msg);
		dbschema_key(b, "sql", sqlite3_column_text(st, 4));
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
	if (rc == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	return dbschema_done(r, st, step, msg);
}

/* "table", "virtual", "shadow" (or NULL) from PRAGMA table_list. */
static int
dbschema_kind(struct dbschema_run *r, const char *name, struct buf *kind,
    int *wr, int *strict)
{
	sqlite3_stmt *st;
	const unsigned char *t;

	buf_reset(kind);
	*wr = *strict = 0;
	if ((st = dbschema_query(r, "SELECT type, wr, strict FROM "
	    "pragma_table_list(?1) WHERE schema = 'main'", name)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = sqlite3_column_text(st, 0)) != NULL) {
		buf_adds(kind, (const char *)t);
		*wr = sqlite3_column_int(st, 1);
		*strict = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return 0;
}

/* One table's entry; its details may fail alone, with an "error". */
static void
dbschema_table(struct dbschema_run *r, const char *name,
    const unsigned char *sql)
{
	struct buf kind, obj, msg;
	int wr, strict;

	buf_init(&kind);
	buf_init(&obj);
	buf_init(&msg);
	if (dbschema_kind(r, name, &kind, &wr, &strict) == -1 ||
	    strcmp(buf_cstr(&kind), "shadow") == 0)
		goto done;
	buf_adds(&obj, "{\"name\":");
	dbschema_str(&obj, (const unsigned char *)name);
	buf_printf(&obj, ",\"type\":\"%s\"",
	    strcmp(buf_cstr(&kind), "virtual") == 0 ? "virtual" : "table");
	dbschema_bool(&obj, "without_rowid", wr);
	dbschema_bool(&obj, "strict", strict);
	if (dbschema_columns(r, name, &obj, &msg) == -1 ||
	    dbschema_primary_key(r, name, &obj, &msg) == -1 ||
	    dbschema_foreign_keys(r, name, &obj, &msg) == -1 ||
	    dbschema_indexes(r, name, &obj, &msg) == -1) {
		/* Keep the name and type; drop the half-written lists. */
		buf_reset(&obj);
		buf_adds(&obj, "{\"name\":");
		dbschema_str(&obj, (const unsigned char *)name);
		buf_adds(&obj, ",\"columns\":[],\"primary_key\":[],"
		    "\"foreign_keys\":[],\"indexes\":[]");
		dbschema_key(&obj, "error", (const unsigned char *)
		    buf_cstr(&msg));
	}
	dbschema_key(&obj, "sql", sql);
	buf_addc(&obj, '}');
	if (r->ntables++ > 0)
		buf_addc(&r->tables, ',');
	buf_add(&r->tables, obj.data, obj.len);
done:
	buf_free(&kind);
	buf_free(&obj);
	buf_free(&msg);
}

static void
dbschema_view(struct dbschema_run *r, const char *name,
    const unsigned char *sql)
{
	struct buf obj, msg;

	buf_init(&obj);
	buf_init(&msg);
	buf_adds(&obj, "{\"name\":");
	dbschema_str(&obj, (const unsigned char *)name);
	if (dbschema_columns(r, name, &obj, &msg) == -1) {
		buf_reset(&obj);
		buf_adds(&obj, "{\"name\":");
		dbschema_str(&obj, (const unsigned char *)name);
		buf_adds(&obj, ",\"columns\":[]");
		dbschema_key(&obj, "error", (const unsigned char *)
		    buf_cstr(&msg));
	}
	dbschema_key(&obj, "sql", sql);
	buf_addc(&obj, '}');
	if (r->nviews++ > 0)
		buf_addc(&r->views, ',');
	buf_add(&r->views, obj.data, obj.len);
	buf_free(&obj);
	buf_free(&msg);
}

static void
dbschema_trigger(struct dbschema_run *r, sqlite3_stmt *st)
{
	struct buf *b = &r->triggers;

	buf_adds(b, r->ntriggers++ > 0 ? ",{\"name\":" : "{\"name\":");
	dbschema_str(b, sqlite3_column_text(st, 1));
	dbschema_key(b, "table", sqlite3_column_text(st, 2));
	dbschema_key(b, "sql", sqlite3_column_text(st, 3));
	buf_addc(b, '}');
}

/* Walk sqlite_schema once; indexes are listed under their tables. */
static int
dbschema_walk(struct dbschema_run *r)
{
	sqlite3_stmt *st;
	const char *type, *name;
	int step = SQLITE_DONE;

	sqlconn_clear_denied(r->c);
	if (sqlite3_prepare_v2(r->db, "SELECT type, name, tbl_name, sql "
	    "FROM main.sqlite_schema WHERE type IN ('table', 'view', "
	    "'trigger') ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (r->status == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		type = (const char *)sqlite3_column_text(st, 0);
		name = (const char *)sqlite3_column_text(st, 1);
		if (type == NULL || name == NULL)
			continue;
		if (strcmp(type, "trigger") == 0)
			dbschema_trigger(r, st);
		else if (strcmp(type, "view") == 0)
			dbschema_view(r, name, sqlite3_column_text(st, 3));
		else if (strncasecmp(name, "sqlite_", 7) != 0)
			dbschema_table(r, name, sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
	return r->status == 0 && step != SQLITE_DONE ? -1 : 0;
}

/*
 * The datasets this walk-in reads (issue 17): each attached dataset's
 * tables and views its grant names, with their columns, from PRAGMA
 * table_list and table_xinfo under the same authorizer rules as /sql
 * (a dataset left out at open, as changed since start, is not
 * attached and not listed).
 */
static int
dbschema_ds_columns(struct dbschema_run *r, const char *schema,
    const char *name, struct buf *b)
{
	sqlite3_stmt *st;
	int step = SQLITE_ERROR, n = 0;

	st = dbschema_query(r, "SELECT name, type, pk FROM "
	    "pragma_table_xinfo(?1, ?2) WHERE hidden = 0 ORDER BY cid", name);
	if (st != NULL)
		sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
	buf_adds(b, ",\"columns\":[");
	while (st != NULL && (step = sqlite3_step(st)) == SQLITE_ROW) {
		buf_adds(b, n++ > 0 ? ",{\"name\":" : "{\"name\":");
		dbschema_str(b, sqlite3_column_text(st, 0));
		dbschema_key(b, "type", sqlite3_column_text(st, 1));
		buf_printf(b, ",\"pk\":%d}", sqlite3_column_int(st, 2));
	}
	buf_addc(b, ']');
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? 0 : -1;
}

static int
dbschema_datasets(struct dbschema_run *r, struct buf *b)
{
	const struct dataset *d;
	const char *schema, *name, *last = "";
	char prev[WALKIN_NAME_MAX] = "";
	sqlite3_stmt *st;
	int step, n = 0;

	st = dbschema_query(r, "SELECT schema, name, type FROM "
	    "pragma_table_list WHERE schema NOT IN ('main', 'temp') AND "
	    "type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' "
	    "ESCAPE '\\' ORDER BY schema, name", NULL);
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		schema = (const char *)sqlite3_column_text(st, 0);
		name = (const char *)sqlite3_column_text(st, 1);
		if (schema == NULL || name == NULL ||
		    (d = dataset_find(schema)) == NULL ||
		    !dataset_grant_table(dataset_selected(), d->name,
		    d->is_private, name))
			continue;
		if (strcmp(prev, d->name) != 0) {
			buf_adds(b, n++ > 0 ? "]},{\"name\":" : "{\"name\":");
			json_add_string(b, d->name, strlen(d->name));
			buf_adds(b, ",\"tables\":[");
			snprintf(prev, sizeof(prev), "%s", d->name);
			last = "";
		}
		buf_adds(b, last);
		buf_adds(b, "{\"name\":");
		json_add_string(b, name, strlen(name));
		dbschema_key(b, "type", sqlite3_column_text(st, 2));
		if (dbschema_ds_columns(r, d->name, name, b) == -1)
			break;
		buf_addc(b, '}');
		last = ",";
	}
	if (n > 0)
		buf_adds(b, "]}");
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? 0 : -1;
}

int
dbschema_json(struct sqlconn *c, struct buf *out)
{
	struct dbschema_run r;

	buf_reset(out);
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.db = sqlconn_db(c);
	buf_init(&r.tables);
	buf_init(&r.views);
	buf_init(&r.triggers);
	buf_init(&r.datasets);
	if ((dbschema_walk(&r) == -1 || (r.status == 0 &&
	    dbschema_datasets(&r, &r.datasets) == -1)) && r.status == 0)
		r.status = sqlconn_timed_out(c) ? 408 : 500;
	if (r.status == 0 && sqlconn_timed_out(c))
		r.status = 408;
	if (r.status == 0) {
		buf_adds(out, "{\"tables\":[");
		buf_add(out, r.tables.data, r.tables.len);
		buf_adds(out, "],\"views\":[");
		buf_add(out, r.views.data, r.views.len);
		buf_adds(out, "],\"triggers\":[");
		buf_add(out, r.triggers.data, r.triggers.len);
		buf_adds(out, "],\"datasets\":[");
		buf_add(out, r.datasets.data, r.datasets.len);
		buf_adds(out, "]}");
		r.status = 200;
	} else if (r.status == 408)
		json_error(out, "query timeout");
	else {
		log_warnx("schema: %s", sqlite3_errmsg(r.db));
		json_error(out, "internal error");
	}
	buf_free(&r.tables);
	buf_free(&r.views);
	buf_free(&r.triggers);
	buf_free(&r.datasets);
	return r.status;
}
