/*
 * ceiling.c: the bare server walkind is measured against (docs/PERFORMANCE.md).
 *
 * One thread, one libevent evhttp loop, cJSON to parse the body and to
 * build the reply, SQLite in-process: no tokens, no processes, no
 * sandbox, no limits, no log. What walkind adds on top of this (HTTP
 * strictness, the keyword layer, tokens, a process per walk-in, the
 * socketpair hop, the jail) is what the benchmark's ratios price.
 *
 *   POST /sql {"sql": "..."} with X-Walkin-Session (any value): run the
 *     SQL on the one shared connection (DIR/ceiling.sqlite).
 *   POST /sql without the header: a "create": open a fresh database file,
 *     run the SQL there, close it (a new database per request, as a
 *     walkind create is, without the process and the jail). The files
 *     stay until bench/run.py removes the directory: deleting them here
 *     would slow every later file creation on an ext4 without a journal
 *     (its inode allocator skips recently deleted inodes one by one),
 *     the walkind run after this one included.
 *   The reply is walkind's shape: {"columns":[..],"rows":[[..]],
 *   "rows_affected":N} or {"error":"..."} with 400.
 *
 * Same SQLite settings as a walk-in's connection where they change the
 * cost of a query: locking_mode=EXCLUSIVE with journal_mode=TRUNCATE (no
 * per-transaction lock and journal probes, no journal file made and
 * deleted per write), synchronous=OFF, mmap off, temp_store=MEMORY.
 * Usage: ceiling PORT DIR. Bench use only; it binds 127.0.0.1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sqlite3.h>

static sqlite3		*ce_db;
static const char	*ce_dir;
static unsigned long	 ce_creates;

static const char ce_pragmas[] = "PRAGMA locking_mode=EXCLUSIVE; "
    "PRAGMA journal_mode=TRUNCATE; PRAGMA synchronous=OFF; "
    "PRAGMA mmap_size=0; PRAGMA temp_store=MEMORY";

static cJSON *
ce_value(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return cJSON_CreateNumber((double)sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return cJSON_CreateNumber(sqlite3_column_double(st, i));
	case SQLITE_TEXT:
		return cJSON_CreateString((const char *)sqlite3_column_text(st, i));
	default:
		return cJSON_CreateNull();
	}
}

/* Run every statement of sql on db; the reply object, or NULL + err. */
static cJSON *
ce_run(sqlite3 *db, const char *sql, const char **err)
{
	cJSON *out = cJSON_CreateObject(), *cols = NULL, *rows = NULL, *row;
	sqlite3_stmt *st;
	const char *tail;
	long long changes = 0;
	int i, ncol, ro;

	while (*sql != '\0') {
		if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK) {
			*err = sqlite3_errmsg(db);
			cJSON_Delete(out);
			return NULL;
		}
		sql = tail;
		if (st == NULL)
			continue;
		if ((ncol = sqlite3_column_count(st)) > 0) {
			cJSON_Delete(cols);
			cJSON_Delete(rows);
			cols = cJSON_CreateArray();
			rows = cJSON_CreateArray();
			for (i = 0; i < ncol; i++)
				cJSON_AddItemToArray(cols, cJSON_CreateString(
				    sqlite3_column_name(st, i)));
		}
		ro = sqlite3_stmt_readonly(st);
		while (sqlite3_step(st) == SQLITE_ROW) {
			row = cJSON_CreateArray();
			for (i = 0; i < ncol; i++)
				cJSON_AddItemToArray(row, ce_value(st, i));
			cJSON_AddItemToArray(rows, row);
		}
		if (sqlite3_finalize(st) != SQLITE_OK) {
			*err = sqlite3_errmsg(db);
			cJSON_Delete(cols);
			cJSON_Delete(rows);
			cJSON_Delete(out);
			return NULL;
		}
		if (!ro)
			changes += sqlite3_changes(db);
	}
	if (cols != NULL) {
		cJSON_AddItemToObject(out, "columns", cols);
		cJSON_AddItemToObject(out, "rows", rows);
	}
	cJSON_AddNumberToObject(out, "rows_affected", (double)changes);
	return out;
}

static void
ce_reply(struct evhttp_request *req, int status, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, status, status == 200 ? "OK" : "Bad Request", b);
	evbuffer_free(b);
}

static void
ce_error(struct evhttp_request *req, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "error", msg);
	s = cJSON_PrintUnformatted(o);
	ce_reply(req, 400, s);
	free(s);
	cJSON_Delete(o);
}

/* A fresh database for one request, gone after it. */
static cJSON *
ce_create(const char *sql, const char **err)
{
	static char msg[256];
	char path[4200];
	sqlite3 *db;
	cJSON *out = NULL;

	snprintf(path, sizeof(path), "%s/c-%lu.sqlite", ce_dir, ce_creates++);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, ce_pragmas, NULL, NULL, NULL) != SQLITE_OK)
		*err = "open failed";
	else
		out = ce_run(db, sql, err);
	if (out == NULL) {		/* err points into db: copy it */
		snprintf(msg, sizeof(msg), "%s", *err);
		*err = msg;
	}
	sqlite3_close(db);
	return out;
}

static void
ce_sql(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *err = "invalid sql", *session;
	cJSON *body, *sql, *out;
	char *text;

	(void)arg;
	session = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "X-Walkin-Session");
	body = cJSON_ParseWithLength((const char *)evbuffer_pullup(in,
	    (ssize_t)len), len);
	sql = cJSON_GetObjectItemCaseSensitive(body, "sql");
	if (!cJSON_IsString(sql)) {
		ce_error(req, "missing sql");
		cJSON_Delete(body);
		return;
	}
	out = session ? ce_run(ce_db, sql->valuestring, &err) :
	    ce_create(sql->valuestring, &err);
	if (out == NULL)
		ce_error(req, err);
	else {
		text = cJSON_PrintUnformatted(out);
		ce_reply(req, 200, text);
		free(text);
		cJSON_Delete(out);
	}
	cJSON_Delete(body);
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct evhttp *http;
	char path[4200];

	if (argc != 3) {
		fprintf(stderr, "usage: ceiling PORT DIR\n");
		return 2;
	}
	ce_dir = argv[2];
	snprintf(path, sizeof(path), "%s/ceiling.sqlite", ce_dir);
	if (sqlite3_open(path, &ce_db) != SQLITE_OK ||
	    sqlite3_exec(ce_db, ce_pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "ceiling: open %s failed\n", path);
		return 1;
	}
	if ((base = event_base_new()) == NULL ||
	    (http = evhttp_new(base)) == NULL ||
	    evhttp_bind_socket(http, "127.0.0.1", (unsigned short)atoi(argv[1])))
	{
		fprintf(stderr, "ceiling: cannot listen on 127.0.0.1:%s\n",
		    argv[1]);
		return 1;
	}
	evhttp_set_cb(http, "/sql", ce_sql, NULL);
	event_base_dispatch(base);
	evhttp_free(http);
	event_base_free(base);
	sqlite3_close(ce_db);
	return 0;
}
