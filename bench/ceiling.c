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
 *   POST /sql without the header: a "create", with exactly the file work
 *     a walkind create does and nothing else (no process, no jail, no
 *     token): make the walk-in's directory DIR/<expiry second>/<36-byte
 *     id> (and the bucket, once a second), write its meta as the same
 *     extended attribute (user.walkind.meta; a file where the file
 *     system has no user xattrs), open DIR/.../db.sqlite with walkind's
 *     settings, run the SQL, close. The files stay until bench/run.py
 *     removes the directory, as a walk-in's stay until its TTL: deleting
 *     them here would slow every later file creation on an ext4 without
 *     a journal (its inode allocator skips recently deleted inodes one
 *     by one), the walkind run after this one included.
 *   The reply is walkind's shape: {"columns":[..],"rows":[[..]],
 *   "rows_affected":N} or {"error":"..."} with 400.
 *
 * The same SQLite settings as a walk-in's connection (src/sqlconn.c
 * sqlconn_pragmas_apply): locking_mode=EXCLUSIVE with
 * journal_mode=TRUNCATE (no per-transaction lock and journal probes, no
 * journal file made and deleted per write), synchronous=OFF, mmap off,
 * temp_store=MEMORY, cell_size_check=ON; no URI names, a private cache.
 * Usage: ceiling PORT DIR. Bench use only; it binds 127.0.0.1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
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

static const char ce_pragmas[] = "PRAGMA journal_mode=TRUNCATE; "
    "PRAGMA locking_mode=EXCLUSIVE; PRAGMA mmap_size=0; "
    "PRAGMA temp_store=MEMORY; PRAGMA cell_size_check=ON; "
    "PRAGMA synchronous=OFF";
#define CE_TTL	3600	/* walkind's default --ttl: the bucket's second */

/* Open path as walkind's executor does (sqlconn_open): no URI, private
 * cache, no symlink; then the walk-in's pragmas. */
static int
ce_open(const char *path, sqlite3 **db)
{
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_PRIVATECACHE |
	    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK ||
	    sqlite3_exec(*db, ce_pragmas, NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

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

/* The walk-in's directory and its meta, as walkind's spawner makes them
 * (spawner.c make_instance_dir, write_meta); the path of its db.sqlite. */
static int
ce_walkin_dir(char *path, size_t len)
{
	char bucket[4096], meta[192];
	time_t now = time(NULL);
	int n, fd;

	snprintf(bucket, sizeof(bucket), "%.4000s/%lld", ce_dir,
	    (long long)now + CE_TTL);
	snprintf(path, len, "%s/01900000-0000-7000-8000-%012lu", bucket,
	    ce_creates++);
	if (mkdir(path, 0700) == -1 && (errno != ENOENT ||
	    (mkdir(bucket, 0700) == -1 && errno != EEXIST) ||
	    mkdir(path, 0700) == -1))
		return -1;
	n = snprintf(meta, sizeof(meta), "walkind-meta 1\ncreated %lld\n"
	    "expires %lld\nowner 127.0.0.1\n", (long long)now,
	    (long long)now + CE_TTL);
	if (setxattr(path, "user.walkind.meta", meta, (size_t)n,
	    XATTR_CREATE) == -1) {
		if (errno != ENOTSUP)
			return -1;
		strncat(path, "/meta", len - strlen(path) - 1);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
		    write(fd, meta, (size_t)n) != n || close(fd) == -1)
			return -1;
		*strrchr(path, '/') = '\0';
	}
	strncat(path, "/db.sqlite", len - strlen(path) - 1);
	return 0;
}

/* A create: the walk-in's directory and meta, its database opened with
 * walkind's settings, the SQL, close. */
static cJSON *
ce_create(const char *sql, const char **err)
{
	static char msg[256];
	char path[4200];
	sqlite3 *db = NULL;
	cJSON *out = NULL;

	if (ce_walkin_dir(path, sizeof(path)) == -1)
		*err = "directory failed";
	else if (ce_open(path, &db) == -1)
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
	if (ce_open(path, &ce_db) == -1) {
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
