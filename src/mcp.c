/*
 * mcp.c: /mcp, the Model Context Protocol's Streamable HTTP transport
 * (front end process, event-loop thread only).
 *
 *   POST   /mcp   JSON-RPC: one message (a batch of up to 16 only in
 *                 protocol version 2025-03-26); answered application/json,
 *                 202 with no body when nothing needs an answer
 *   DELETE /mcp   ends the MCP session; 204
 *   GET    /mcp   405 (no server-to-client stream: walkind sends no
 *                 requests or notifications of its own)
 *
 * Sessions need no memory. The Mcp-Session-Id that initialize returns
 * is a walk-in token (token.h: MAC'd, names a walk-in id and expiry) for
 * a fresh id whose walk-in does not exist yet: the first execute creates
 * it, under every create limit, with that id (fe_create_as). A job for a
 * walk-in never created is 404 from the spawner; execute then creates it
 * and runs again. With Authorization: Bearer wkn_... (or
 * X-Walkin-Session) the session is bound to that existing walk-in
 * instead and never creates one. The only state kept is the list of
 * sessions ended by DELETE (BOUNDS_MCP_ENDED), so that a replayed id is
 * 404 as the specification requires, rather than a walk-in made again.
 *
 * Every tool call is the same job /sql or /session would send (IPC_OP_SQL
 * with all_results, IPC_OP_SCHEMA) after the same keyword layer and args
 * decoder; the rate limit is taken once per HTTP request, the body is
 * bounded by --max-body-bytes, and one access-log line is written per
 * request by the HTTP layer, never with SQL or args.
 *
 * Origin (DNS rebinding, as the specification asks): absent is fine (not
 * a browser); present, it must be a loopback origin or one listed in
 * --mcp-allow-origin ("*" allows any), else 403.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <sodium.h>

#include "bounds.h"
#include "buf.h"
#include "config.h"
#include "frontend_int.h"
#include "http.h"
#include "ipc.h"
#include "keyword.h"
#include "log.h"
#include "mcp_int.h"
#include "mcp_rpc.h"
#include "pool.h"
#include "registry.h"
#include "token.h"
#include "value.h"

/* One POST /mcp, from its decoding to its one reply. */
struct mcp_call {
	struct fe_door	 door;		/* first: req->udata points here */
	struct http_req	*req;
	struct mcp_body	 body;
	size_t		 next;		/* message being answered */
	struct buf	 out;		/* responses so far */
	int		 nout;
	int		 status;	/* of the reply: 200, or 400 */
	int		 has_walkin;	/* id and expires are set */
	int		 bound;		/* by a token: never create */
	uint8_t		 id[TOKEN_ID_BYTES];
	int64_t		 expires;
	char		 session[TOKEN_STR_MAX]; /* minted by initialize */
	/* The tool call in flight. */
	enum mcp_tool	 tool;
	const char	*table;		/* describe_table, borrowed */
	const char	*sql;		/* execute, borrowed from body */
	struct buf	 args;		/* execute, encoded */
	int		 created;	/* execute tried to make the walk-in */
};

struct mcp_ended {
	uint8_t		 h[16];		/* generichash of the session id */
	int64_t		 expires;
};

static struct mcp_ended	mcp_ended[BOUNDS_MCP_ENDED];
static size_t		mcp_nended;

static void	mcp_run(struct mcp_call *);

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- sessions ended by DELETE ---- */

static void
ended_hash(const char *sid, uint8_t h[16])
{
	crypto_generichash(h, 16, (const unsigned char *)sid, strlen(sid),
	    NULL, 0);
}

static void
ended_expire(void)
{
	int64_t now = now_s();
	size_t i = 0;

	while (i < mcp_nended)
		if (mcp_ended[i].expires <= now)
			mcp_ended[i] = mcp_ended[--mcp_nended];
		else
			i++;
}

static int
ended_has(const char *sid)
{
	uint8_t h[16];
	size_t i;

	ended_hash(sid, h);
	for (i = 0; i < mcp_nended; i++)
		if (memcmp(mcp_ended[i].h, h, 16) == 0)
			return 1;
	return 0;
}

/* Remember sid until expires; -1 when full of live entries. */
static int
ended_add(const char *sid, int64_t expires)
{
	ended_expire();
	if (mcp_nended == BOUNDS_MCP_ENDED)
		return -1;
	ended_hash(sid, mcp_ended[mcp_nended].h);
	mcp_ended[mcp_nended++].expires = expires;
	return 0;
}

/* ---- request checks ---- */

/* http(s)://localhost, 127.0.0.1 or [::1], with an optional port. */
static int
origin_loopback(const char *o)
{
	static const char *const hosts[] = { "localhost", "127.0.0.1",
	    "[::1]" };
	size_t i, n;

	if (strncasecmp(o, "http://", 7) == 0)
		o += 7;
	else if (strncasecmp(o, "https://", 8) == 0)
		o += 8;
	else
		return 0;
	for (i = 0; i < 3; i++) {
		n = strlen(hosts[i]);
		if (strncasecmp(o, hosts[i], n) != 0)
			continue;
		o += n;
		if (*o == ':' && o[1] != '\0')
			o += 1 + strspn(o + 1, "0123456789");
		return *o == '\0';
	}
	return 0;
}

/*
 * A browser's Origin is checked against DNS rebinding: a page of
 * evil.example resolved to this host sends its own origin, never a
 * loopback one, and never one the operator listed.
 */
static int
origin_ok(const char *origin, const char *allow)
{
	size_t n = strlen(origin), len;
	const char *p;

	if (origin_loopback(origin))
		return 1;
	for (p = allow; *p != '\0'; p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		if ((len == 1 && *p == '*') ||
		    (len == n && strncasecmp(p, origin, n) == 0))
			return 1;
	}
	return 0;
}

static int
version_known(const char *v)
{
	static const char *const versions[] = MCP_VERSIONS;
	size_t i;

	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (strcmp(v, versions[i]) == 0)
			return 1;
	return 0;
}

/* Rate, Origin, protocol version: 0, or -1 after replying. */
static int
mcp_checks(struct http_req *req)
{
	if (fe_take_request(req) == -1)
		return -1;
	if (req->origin != NULL &&
	    !origin_ok(req->origin, fe_config()->mcp_allow_origin)) {
		http_reply_error(req, 403, "origin not allowed", NULL, 0);
		return -1;
	}
	if (req->mcp_version != NULL && !version_known(req->mcp_version)) {
		http_reply_error(req, 400, "unsupported MCP-Protocol-Version",
		    NULL, 0);
		return -1;
	}
	return 0;
}

/*
 * The walk-in of the request: Mcp-Session-Id and/or a token. Fills c's
 * walk-in fields (none when neither is sent). 0, or -1 after replying:
 * 404 for a session that is forged, expired or ended (the client starts
 * a new one) or a token that is not valid, 400 when the two disagree.
 */
static int
mcp_walkin(struct http_req *req, struct mcp_call *c)
{
	uint8_t tid[TOKEN_ID_BYTES];
	const char *tok;
	int64_t texp, now = now_s();
	int conflict;

	if (req->mcp_session != NULL) {
		if (token_verify(req->mcp_session, strlen(req->mcp_session),
		    now, c->id, &c->expires) == -1 ||
		    !fe_node_mine(c->id) || ended_has(req->mcp_session)) {
			http_reply_error(req, 404, "session not found", NULL, 0);
			return -1;
		}
		c->has_walkin = 1;
	}
	if ((tok = fe_token(req, &conflict)) == NULL)
		return 0;
	if (conflict) {
		http_reply_error(req, 400, "conflicting session tokens", NULL, 0);
		return -1;
	}
	if (token_verify(tok, strlen(tok), now, tid, &texp) == -1 ||
	    !fe_node_mine(tid)) {
		http_reply_error(req, 404, "instance not found", NULL, 0);
		return -1;
	}
	if (c->has_walkin && (memcmp(tid, c->id, TOKEN_ID_BYTES) != 0 ||
	    texp != c->expires)) {
		http_reply_error(req, 400, "conflicting session tokens", NULL, 0);
		return -1;
	}
	memcpy(c->id, tid, TOKEN_ID_BYTES);
	c->expires = texp;
	c->has_walkin = c->bound = 1;
	return 0;
}

/* ---- the reply ---- */

static void
call_free(struct mcp_call *c)
{
	mcp_rpc_free(&c->body);
	buf_free(&c->out);
	buf_free(&c->args);
	free(c);
}

/* Start the next response in c->out. */
static void
out_next(struct mcp_call *c)
{
	if (c->body.batch)
		buf_addc(&c->out, c->nout == 0 ? '[' : ',');
	c->nout++;
}

static void
out_error(struct mcp_call *c, const cJSON *id, int code, const char *msg)
{
	out_next(c);
	mcp_rpc_error(&c->out, id, code, msg);
}

static void
mcp_finish(struct mcp_call *c)
{
	struct http_header h = { "Mcp-Session-Id", c->session };

	if (c->nout == 0)
		http_reply_ct(c->req, 202, "application/json", NULL, 0, NULL, 0);
	else {
		if (c->body.batch)
			buf_addc(&c->out, ']');
		http_reply(c->req, c->status, &h, c->session[0] != '\0',
		    c->out.data, c->out.len);
	}
	call_free(c);
}

/* ---- methods ---- */

static void
do_initialize(struct mcp_call *c, const struct mcp_msg *m)
{
	static const char *const versions[] = MCP_VERSIONS;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m->params,
	    "protocolVersion");
	uint8_t id[TOKEN_ID_BYTES];

	if (c->body.batch) {
		out_error(c, m->id, MCP_RPC_INVALID_REQUEST,
		    "invalid request: initialize must not be in a batch");
		return;
	}
	if (!cJSON_IsObject(m->params) || !cJSON_IsString(v)) {
		out_error(c, m->id, MCP_RPC_INVALID_PARAMS,
		    "invalid params: protocolVersion must be a string");
		return;
	}
	/* A new session: bound to the token's walk-in, else to a walk-in
	 * still to be made, with its expiry fixed now. */
	if (c->bound)
		token_mint(c->id, c->expires, c->session);
	else {
		token_new_id(id);
		fe_mint(c->req, id, fe_new_expiry(c->req), c->session);
	}
	out_next(c);
	mcp_rpc_result_open(&c->out, m->id);
	mcp_tools_initialize(&c->out, fe_config(), version_known(
	    v->valuestring) ? v->valuestring : versions[0]);
	buf_addc(&c->out, '}');
}

/* A tools/call answer (a result object) is complete in r. */
static void
tool_done(struct mcp_call *c, const struct buf *r)
{
	const struct mcp_msg *m = &c->body.msgs[c->next];

	out_next(c);
	mcp_rpc_result_open(&c->out, m->id);
	buf_add(&c->out, r->data, r->len);
	buf_addc(&c->out, '}');
	c->next++;
	mcp_run(c);
}

static void
tool_text(struct mcp_call *c, int is_error, const char *text)
{
	struct buf r;

	buf_init(&r);
	mcp_tools_text(&r, is_error, text);
	tool_done(c, &r);
	buf_free(&r);
}

static void	tool_answer(struct http_req *, struct instance *, int, int,
		    const char *, size_t);

static void
note_walkin(struct mcp_call *c)
{
	char idstr[37];

	if (c->req->instance_id != NULL)
		return;
	token_id_str(c->id, idstr);
	if ((c->req->instance_id = strdup(idstr)) == NULL)
		fatal("strdup");
}

/* Send the tool's job to the walk-in, existing (create 0) or new. The
 * answer may come before this returns (pool.h): c may be gone then. */
static void
tool_submit(struct mcp_call *c, struct instance *inst, int create)
{
	c->door.answer = tool_answer;
	if (c->tool == MCP_TOOL_EXECUTE)
		fe_submit(c->req, inst, &c->door, IPC_OP_SQL,
		    IPC_JOB_ALL_RESULTS, c->sql, strlen(c->sql), c->args.data,
		    c->args.len, create);
	else
		fe_submit(c->req, inst, &c->door, IPC_OP_SCHEMA, 0, NULL, 0,
		    NULL, 0, 0);
}

static void
tool_existing(struct mcp_call *c)
{
	struct instance *inst = registry_get(c->id, c->expires);

	note_walkin(c);
	if (inst == NULL)	/* a live entry of another expiry: not ours */
		tool_text(c, 1, "instance not found");
	else
		tool_submit(c, inst, 0);
}

/*
 * After a 404 for a walk-in never made: make it with the session's id.
 * Deferred to the next loop turn, when the pool has let go of the entry
 * the 404 came through. A concurrent request of the same session may
 * have made it meanwhile: then this one queues behind that create.
 */
static void
create_later(evutil_socket_t fd, short what, void *arg)
{
	struct mcp_call *c = arg;
	struct instance *inst;

	(void)fd;
	(void)what;
	c->created = 1;		/* a second 404 is the answer */
	if ((inst = registry_find(c->id)) != NULL) {
		if (inst->expires != c->expires)
			tool_text(c, 1, "instance not found");
		else
			tool_submit(c, inst, 0);
		return;
	}
	if ((inst = fe_create_as(c->req, c->id, c->expires)) == NULL) {
		call_free(c);		/* replied 429 or 503 */
		return;
	}
	tool_submit(c, inst, 1);
}

static void
tool_answer(struct http_req *req, struct instance *inst, int create,
    int status, const char *body, size_t len)
{
	struct mcp_call *c = req->udata;
	struct buf r;

	(void)inst;
	(void)create;
	/* Not made yet: only execute makes it; the others see it empty. */
	if (status == 404 && !c->bound && !c->created &&
	    c->tool == MCP_TOOL_EXECUTE) {
		if (event_base_once(fe_event_base(), -1, EV_TIMEOUT,
		    create_later, c, NULL) == -1)
			fatalx("event_base_once");
		return;
	}
	buf_init(&r);
	if (status == 404 && !c->bound && c->tool != MCP_TOOL_EXECUTE)
		body = NULL;
	if (c->tool == MCP_TOOL_EXECUTE)
		mcp_tools_sql(&r, status, body, len, c->expires);
	else
		mcp_tools_schema(&r, status, body, len, c->table, c->expires);
	tool_done(c, &r);
	buf_free(&r);
}

static void
reset_done(void *arg, int err)
{
	struct mcp_call *c = arg;

	if (err == 0 || err == ENOENT)
		tool_text(c, 0, "The walk-in is deleted. The next execute "
		    "starts an empty one.");
	else
		tool_text(c, 1, "internal error");
}

static void
do_reset(struct mcp_call *c)
{
	struct instance *inst;

	if (c->bound) {
		tool_text(c, 1, "reset is not available in a session opened "
		    "with a walk-in's token: that walk-in was not made by "
		    "this session (DELETE /session with the token ends it)");
		return;
	}
	note_walkin(c);
	if ((inst = registry_get(c->id, c->expires)) == NULL)
		tool_text(c, 1, "instance not found");
	else
		pool_delete_instance(inst, reset_done, c);
}

/* execute's arguments into c->sql and c->args; NULL, or the message
 * that the model gets as the tool's error. */
static const char *
execute_args(struct mcp_call *c, const cJSON *a, char *msg, size_t len)
{
	const cJSON *sql = cJSON_GetObjectItemCaseSensitive(a, "sql");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(a, "args");
	const char *bad;

	if (!cJSON_IsString(sql) || sql->valueint == 0)
		return "missing sql";
	if (strlen(sql->valuestring) != (size_t)sql->valueint)
		return "sql contains NUL byte";
	c->sql = sql->valuestring;
	c->req->sql_len += sql->valueint;
	if ((bad = keyword_scan(c->sql, strlen(c->sql))) != NULL) {
		snprintf(msg, len, "forbidden sql keyword: %s", bad);
		return msg;
	}
	buf_reset(&c->args);
	if (args != NULL && !cJSON_IsNull(args) &&
	    value_args_encode(args, &c->args, msg, len) == -1)
		return msg;
	return NULL;
}

/* Every member of a is one the tool takes: NULL, or the message. */
static const char *
unknown_arg(const cJSON *a, enum mcp_tool t, char *msg, size_t len)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, a) {
		if ((t == MCP_TOOL_EXECUTE && (strcmp(m->string, "sql") == 0 ||
		    strcmp(m->string, "args") == 0)) ||
		    (t == MCP_TOOL_DESCRIBE_TABLE &&
		    strcmp(m->string, "table") == 0))
			continue;
		snprintf(msg, len, "unknown argument '%.64s'", m->string);
		return msg;
	}
	return NULL;
}

/* tools/call: 1 when a job or a deletion answers later, else 0. */
static int
do_call(struct mcp_call *c, const struct mcp_msg *m)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(m->params, "name");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(m->params,
	    "arguments"), *t;
	const char *bad = NULL;
	char msg[VALUE_ERRLEN + 64];

	if (!cJSON_IsString(name) || (c->tool = mcp_tool_find(
	    name->valuestring)) == MCP_TOOL_NONE) {
		out_error(c, m->id, MCP_RPC_INVALID_PARAMS, cJSON_IsString(name) ?
		    "invalid params: unknown tool" :
		    "invalid params: name must be a string");
		return 0;
	}
	if (a != NULL && !cJSON_IsObject(a) && !cJSON_IsNull(a)) {
		out_error(c, m->id, MCP_RPC_INVALID_PARAMS,
		    "invalid params: arguments must be an object");
		return 0;
	}
	c->created = 0;
	c->table = NULL;
	if ((bad = unknown_arg(a, c->tool, msg, sizeof(msg))) == NULL) {
		if (c->tool == MCP_TOOL_EXECUTE)
			bad = execute_args(c, a, msg, sizeof(msg));
		else if (c->tool == MCP_TOOL_DESCRIBE_TABLE) {
			t = cJSON_GetObjectItemCaseSensitive(a, "table");
			if (!cJSON_IsString(t) || t->valueint == 0 ||
			    strlen(t->valuestring) != (size_t)t->valueint)
				bad = "missing table";
			else
				c->table = t->valuestring;
		}
	}
	if (bad != NULL) {
		tool_text(c, 1, bad);
		return 1;	/* tool_text went on with the next message */
	}
	if (c->tool == MCP_TOOL_RESET)
		do_reset(c);
	else
		tool_existing(c);
	return 1;
}

/* Answer c's messages from c->next on, until one waits for a job. */
static void
mcp_run(struct mcp_call *c)
{
	const struct mcp_msg *m;

	for (; c->next < c->body.n; c->next++) {
		m = &c->body.msgs[c->next];
		if (m->kind == MCP_INVALID) {
			out_error(c, m->id, MCP_RPC_INVALID_REQUEST, m->why);
			if (!c->body.batch)
				c->status = 400;
		} else if (m->kind != MCP_REQUEST)
			continue;	/* notifications, responses: 202 */
		else if (m->params != NULL && !cJSON_IsObject(m->params))
			out_error(c, m->id, MCP_RPC_INVALID_PARAMS,
			    "invalid params: params must be an object");
		else if (strcmp(m->method, "initialize") == 0)
			do_initialize(c, m);
		else if (strcmp(m->method, "ping") == 0) {
			out_next(c);
			mcp_rpc_result_open(&c->out, m->id);
			buf_adds(&c->out, "{}}");
		} else if (strcmp(m->method, "tools/list") == 0) {
			out_next(c);
			mcp_rpc_result_open(&c->out, m->id);
			mcp_tools_list(&c->out, fe_config());
			buf_addc(&c->out, '}');
		} else if (strcmp(m->method, "tools/call") == 0) {
			if (do_call(c, m))
				return;		/* goes on when answered */
		} else
			out_error(c, m->id, MCP_RPC_METHOD_NOT_FOUND,
			    "method not found");
	}
	mcp_finish(c);
}

/* ---- routes ---- */

/* A tools/call among the messages needs a walk-in: 1 if so. */
static int
needs_walkin(const struct mcp_body *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->msgs[i].kind == MCP_REQUEST &&
		    strcmp(b->msgs[i].method, "tools/call") == 0)
			return 1;
	return 0;
}

void
mcp_post(struct http_req *req)
{
	struct mcp_call *c;
	const char *why;
	struct buf e;
	int code;

	if (mcp_checks(req) == -1)
		return;
	if (!fe_ctype_is(req->content_type, "application/json")) {
		http_reply_error(req, 415, "content-type must be "
		    "application/json", NULL, 0);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("calloc");
	c->req = req;
	c->status = 200;
	buf_init(&c->out);
	buf_init(&c->args);
	if (mcp_walkin(req, c) == -1) {
		call_free(c);
		return;
	}
	/* Batches were in 2025-03-26 only, which is also what a request
	 * without MCP-Protocol-Version is taken to speak. */
	if ((code = mcp_rpc_decode(req->body, req->body_len,
	    req->mcp_version == NULL ||
	    strcmp(req->mcp_version, MCP_VERSION_BATCHES) == 0,
	    &c->body, &why)) != 0) {
		buf_init(&e);
		mcp_rpc_error(&e, NULL, code, why);
		http_reply(req, 400, NULL, 0, e.data, e.len);
		buf_free(&e);
		call_free(c);
		return;
	}
	if (!c->has_walkin && needs_walkin(&c->body)) {
		http_reply_error(req, 400, "missing Mcp-Session-Id: send "
		    "initialize first", NULL, 0);
		call_free(c);
		return;
	}
	mcp_run(c);
}

static void
deleted(void *arg, int err)
{
	struct http_req *req = arg;

	if (err == 0 || err == ENOENT)
		http_reply(req, 204, NULL, 0, NULL, 0);
	else
		http_reply_error(req, 500, "internal error", NULL, 0);
}

/*
 * The session ends: its id is 404 from now on. A session's own walk-in
 * is deleted with it; a walk-in it was bound to by a token is left to
 * its owner (DELETE /session, or the TTL).
 */
void
mcp_delete(struct http_req *req)
{
	struct mcp_call c;
	struct instance *inst;

	if (mcp_checks(req) == -1)
		return;
	if (req->mcp_session == NULL) {
		http_reply_error(req, 400, "missing Mcp-Session-Id", NULL, 0);
		return;
	}
	memset(&c, 0, sizeof(c));
	if (mcp_walkin(req, &c) == -1)
		return;
	if (ended_add(req->mcp_session, c.expires) == -1) {
		http_reply_error(req, 503, "server busy", NULL, 0);
		return;
	}
	c.req = req;
	note_walkin(&c);
	if (c.bound || (inst = registry_get(c.id, c.expires)) == NULL)
		http_reply(req, 204, NULL, 0, NULL, 0);
	else
		pool_delete_instance(inst, deleted, req);
}
