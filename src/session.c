/*
 * session.c: the walk-in's life, /session/... (front end process).
 *
 *   POST   /session             new walk-in: empty, from a database file
 *                               (application/vnd.sqlite3) or from a SQL
 *                               script (application/sql); 201
 *   GET    /session             expiry and bytes used
 *   GET    /session/schema      tables, views, indexes, triggers
 *   GET    /session/export.db   the database file
 *   GET    /session/export.sql  a SQL dump
 *   POST   /session/fork        a new walk-in holding a copy; 201
 *   POST   /session/share       a read-only share token; 200
 *   DELETE /session             executor stopped, files gone; 204
 *
 * A share token ("wks_", token.h) is accepted by the routes that only
 * read: GET /session, /session/schema and both exports (a reader can
 * SELECT every row anyway, so an export gives nothing more), and by
 * POST /sql with every write refused in the executor. Fork, delete,
 * share and POST /session answer it as any unknown token: 404.
 *
 * Every route takes a request from the per-IP rate limit; the two that
 * make a walk-in pass every create limit. The front end never opens a
 * walk-in's file: an uploaded database is handed to the new walk-in's
 * jailed executor as bytes, and checked there (dbimage.c); a fork is an
 * export from one executor imported by another.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bounds.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "frontend_int.h"
#include "http.h"
#include "ipc.h"
#include "json.h"
#include "keyword.h"
#include "log.h"
#include "pool.h"
#include "registry.h"
#include "token.h"

#define CT_SQLITE	"application/vnd.sqlite3"
#define CT_SQL		"application/sql"

int64_t
session_body_limit(const struct http_req *req)
{
	if (fe_ctype_is(req->content_type, CT_SQLITE))
		return fe_config()->max_db_bytes;
	if (fe_ctype_is(req->content_type, CT_SQL))
		return BOUNDS_SCRIPT_BYTES;
	return 0;
}

/* ---- answers ---- */

/* 201 {"session":"wkn_...","expires_at":N} for a new walk-in. */
static void
created_answer(struct http_req *req, struct instance *inst, int create,
    int status, const char *body, size_t len)
{
	char tok[TOKEN_STR_MAX];
	struct buf b;

	if (status != 200) {
		fe_reply_walkin(req, inst, create, status, 201, NULL, body, len,
		    NULL);
		return;
	}
	token_mint(inst->id, inst->expires, tok);
	buf_init(&b);
	buf_adds(&b, "{\"session\":");
	json_add_string(&b, tok, strlen(tok));
	buf_adds(&b, ",\"expires_at\":");
	json_add_int64(&b, inst->expires);
	buf_addc(&b, '}');
	fe_reply_walkin_tok(req, inst, create, 201, 201, NULL, b.data, b.len,
	    NULL, tok);
	buf_free(&b);
}

/* The executor's {"bytes_used":..} with the expiry in front. */
static void
info_answer(struct http_req *req, struct instance *inst, int create,
    int status, const char *body, size_t len)
{
	int64_t left = inst->expires - clock_wall_s();
	struct buf b;

	if (status != 200 || len < 2 || body[0] != '{') {
		fe_reply_walkin(req, inst, create, status, 200, NULL, body, len,
		    NULL);
		return;
	}
	buf_init(&b);
	buf_adds(&b, "{\"expires_at\":");
	json_add_int64(&b, inst->expires);
	buf_adds(&b, ",\"seconds_left\":");
	json_add_int64(&b, left > 0 ? left : 0);
	buf_addc(&b, ',');
	buf_add(&b, body + 1, len - 1);
	fe_reply_walkin(req, inst, create, 200, 200, NULL, b.data, b.len, NULL);
	buf_free(&b);
}

static void
json_answer(struct http_req *req, struct instance *inst, int create,
    int status, const char *body, size_t len)
{
	fe_reply_walkin(req, inst, create, status, 200, NULL, body, len, NULL);
}

static void
export_db_answer(struct http_req *req, struct instance *inst, int create,
    int status, const char *body, size_t len)
{
	fe_reply_walkin(req, inst, create, status, 200, CT_SQLITE, body, len,
	    "attachment; filename=\"walkin.db\"");
}

static void
export_sql_answer(struct http_req *req, struct instance *inst, int create,
    int status, const char *body, size_t len)
{
	fe_reply_walkin(req, inst, create, status, 200,
	    CT_SQL "; charset=utf-8", body, len,
	    "attachment; filename=\"walkin.sql\"");
}

static const struct fe_door door_created = { created_answer };
static const struct fe_door door_info = { info_answer };
static const struct fe_door door_json = { json_answer };
static const struct fe_door door_export_db = { export_db_answer };
static const struct fe_door door_export_sql = { export_sql_answer };

/*
 * A fork's export arrived: make the new walk-in (every create limit) and
 * hand it the bytes. The source executor stays pinned in the pool while
 * this runs (pool.c), so the new walk-in's spawn cannot evict it.
 */
static void
fork_answer(struct http_req *req, struct instance *inst, int create,
    int status, const char *body, size_t len)
{
	struct instance *copy;

	if (status != 200) {
		fe_reply_walkin(req, inst, create, status, 201, NULL, body, len,
		    NULL);
		return;
	}
	if ((copy = fe_create(req)) != NULL)
		fe_submit(req, copy, &door_created, IPC_OP_IMPORT_DB, 0, body,
		    len, NULL, 0, 1);
}

static const struct fe_door door_fork = { fork_answer };

/* ---- routes ---- */

/* A script's text must be what a JSON body could carry: UTF-8, no NUL,
 * and it passes the keyword layer. 0, or -1 after replying 400. */
static int
script_check(struct http_req *req)
{
	char msg[96];
	const char *bad;

	if (memchr(req->body, '\0', req->body_len) != NULL) {
		http_reply_error(req, 400, "sql contains NUL byte", NULL, 0);
		return -1;
	}
	if (!json_utf8_valid(req->body, req->body_len)) {
		http_reply_error(req, 400, "sql is not UTF-8", NULL, 0);
		return -1;
	}
	if ((bad = keyword_scan(req->body, req->body_len)) != NULL) {
		snprintf(msg, sizeof(msg), "forbidden sql keyword: %s", bad);
		http_reply_error(req, 400, msg, NULL, 0);
		return -1;
	}
	return 0;
}

void
session_post(struct http_req *req)
{
	struct instance *inst;
	uint32_t op = IPC_OP_INFO, flags = 0;

	if (fe_take_request(req) == -1)
		return;
	/* A share link's holder makes nothing, not even a walk-in of their
	 * own from an upload: the answer of any bad token. */
	if (fe_share_token(req)) {
		http_reply_error(req, 404, "instance not found", NULL, 0);
		return;
	}
	if (req->body_len > 0 && fe_ctype_is(req->content_type, CT_SQLITE))
		op = IPC_OP_IMPORT_DB;
	else if (req->body_len > 0 && fe_ctype_is(req->content_type, CT_SQL)) {
		if (script_check(req) == -1)
			return;
		op = IPC_OP_SQL;
		flags = IPC_JOB_SCRIPT;
		req->sql_len = (int64_t)req->body_len;
	} else if (req->body_len > 0) {
		http_reply_error(req, 415, "content-type must be "
		    CT_SQLITE " or " CT_SQL, NULL, 0);
		return;
	}
	if ((inst = fe_create(req)) != NULL)
		fe_submit(req, inst, &door_created, op, flags, req->body,
		    op == IPC_OP_INFO ? 0 : req->body_len, NULL, 0, 1);
}

/* The common start of a route on an existing walk-in; `reads` routes
 * take a share token too. */
static void
session_job(struct http_req *req, const struct fe_door *door, uint32_t op,
    int reads)
{
	struct instance *inst;
	int share;

	if (fe_take_request(req) == -1)
		return;
	inst = reads ? fe_walkin_read(req, &share) : fe_walkin(req);
	if (inst != NULL)
		fe_submit(req, inst, door, op, 0, NULL, 0, NULL, 0, 0);
}

void
session_get(struct http_req *req)
{
	session_job(req, &door_info, IPC_OP_INFO, 1);
}

void
session_schema(struct http_req *req)
{
	session_job(req, &door_json, IPC_OP_SCHEMA, 1);
}

void
session_export_db(struct http_req *req)
{
	session_job(req, &door_export_db, IPC_OP_EXPORT_DB, 1);
}

void
session_export_sql(struct http_req *req)
{
	session_job(req, &door_export_sql, IPC_OP_EXPORT_SQL, 1);
}

void
session_fork(struct http_req *req)
{
	session_job(req, &door_fork, IPC_OP_EXPORT_DB, 0);
}

/*
 * 200 {"share":"wks_...","expires_at":N}: a read-only token for the
 * walk-in, expiring with it. Nothing is stored and the executor is not
 * asked: the token is the whole grant. Only the session token mints one.
 */
void
session_share(struct http_req *req)
{
	char tok[TOKEN_STR_MAX];
	struct instance *inst;
	struct buf b;

	if (fe_take_request(req) == -1 || (inst = fe_walkin(req)) == NULL)
		return;
	token_share_mint(inst->id, inst->expires, tok);
	buf_init(&b);
	buf_adds(&b, "{\"share\":");
	json_add_string(&b, tok, strlen(tok));
	buf_adds(&b, ",\"expires_at\":");
	json_add_int64(&b, inst->expires);
	buf_addc(&b, '}');
	fe_reply_walkin(req, inst, 0, 200, 200, NULL, b.data, b.len, NULL);
	buf_free(&b);
}

static void
deleted(void *arg, int err)
{
	struct http_req *req = arg;

	if (err == 0)
		http_reply(req, 204, NULL, 0, NULL, 0);
	else if (err == ENOENT)
		http_reply_error(req, 404, "instance not found", NULL, 0);
	else
		http_reply_error(req, 500, "internal error", NULL, 0);
}

void
session_delete(struct http_req *req)
{
	struct instance *inst;
	char idstr[37];

	if (fe_take_request(req) == -1)
		return;
	if ((inst = fe_walkin(req)) == NULL)
		return;
	token_id_str(inst->id, idstr);
	if ((req->instance_id = strdup(idstr)) == NULL)
		fatal("strdup");
	pool_delete_instance(inst, deleted, req);
}
