/*
 * frontend.c: what the front end does with each request.
 *
 * Route -> (POST /sql) rate limit -> Content-Type -> JSON -> NUL check ->
 * keyword layer -> token or create checks -> pool. Every path ends in one
 * reply: errors answered here go through http_reply_error, executor
 * answers through frontend_pool_reply. The front end never opens an
 * instance file and never links SQLite into this path.
 *
 * Identity (issue 17): a request's Bearer is either a walk-in token
 * ("wkn_", "wks_") or, when it has a JWT's shape, a JWT (jwt.h), which
 * only a create reads. fe_ident resolves it once per request
 * (req->ident): a verified JWT gives the create's struct walkin_spec and
 * a subject key; a walk-in token of version 2 (token.h) gives the
 * subject key and rates its JWT set. Rate limits and the walk-in cap are
 * then keyed by that subject key (16 hex digits, never an IP's text)
 * instead of the client IP; the created walk-in's token carries it, so
 * the front end keeps nothing per walk-in. Every JWT that does not
 * verify is the same 401 {"error":"invalid credentials"}, the reason
 * only in a debug line.
 *
 * The sweeper is a timer on this event loop rather than a thread: its
 * front-end work is O(live walk-ins) of memory walks, and the file
 * removal happens in the spawner, so a thread would only add a lock.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <sodium.h>

#include "clock.h"
#include "accesslog.h"
#include "bounds.h"
#include "buf.h"
#include "config.h"
#include "dataset_grant.h"
#include "frontend.h"
#include "frontend_int.h"
#include "hrana.h"
#include "http.h"
#include "ipc.h"
#include "json.h"
#include "jwt.h"
#include "keyword.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "proxy.h"
#include "ratelimit.h"
#include "registry.h"
#include "sandbox.h"
#include "timer.h"
#include "token.h"
#include "walkin_spec.h"

extern const char openapi_json[], openapi_json_end[];
extern const char llms_txt[], llms_txt_end[];

static const struct config	*fe_cfg;
static struct event_base	*fe_base;
static struct http_server	*fe_http;
static int			 fe_spawner_pid;
static unsigned			 fe_ticks;


/* ---- what every door shares (frontend_int.h) ---- */

const struct config *
fe_config(void)
{
	return fe_cfg;
}

static void
reply_retry(struct http_req *req, int status, const char *msg, int secs)
{
	char v[16];
	struct http_header h = { "Retry-After", v };

	snprintf(v, sizeof(v), "%d", secs < 1 ? 1 : secs);
	http_reply_error(req, status, msg, &h, 1);
}

int
fe_take_request(struct http_req *req)
{
	int retry;

	if ((retry = fe_rate_take(req, RATELIMIT_REQUEST)) > 0) {
		reply_retry(req, 429, "rate limit exceeded", retry);
		return -1;
	}
	return 0;
}

int
fe_ctype_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* "Bearer <token>" (RFC 6750: scheme case-insensitive), else NULL. */
static const char *
bearer(const char *v)
{
	if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
		return NULL;
	v += 7;
	while (*v == ' ')
		v++;
	return *v != '\0' ? v : NULL;
}

/* A Bearer with a JWT's shape is a JWT, never a walk-in token, where
 * JWTs are configured; elsewhere every Bearer is what it always was. */
static const char *
bearer_jwt(const struct http_req *req)
{
	const char *b = bearer(req->authorization);

	return b != NULL && jwt_enabled() && jwt_shape(b) ? b : NULL;
}

static const char *
bearer_token(const struct http_req *req)
{
	return bearer_jwt(req) != NULL ? NULL : bearer(req->authorization);
}

const char *
fe_token(const struct http_req *req, int *conflict)
{
	const char *b = bearer_token(req);

	*conflict = req->session != NULL && b != NULL &&
	    strcmp(req->session, b) != 0;
	return req->session != NULL ? req->session : b;
}

int
fe_node_mine(const uint8_t id[TOKEN_ID_BYTES])
{
	return !fe_cfg->node_id_set ||
	    id[TOKEN_NODE_BYTE] == (uint8_t)fe_cfg->node_id;
}

/* ---- identity ---- */

/* What fe_ident learnt of a request (req->ident). */
struct fe_ident {
	int			jwt;	/* a JWT Bearer: 1 verified, -1 not */
	int			ext;	/* a version 2 walk-in token */
	int			tok;	/* the walk-in token (fe_token):
					 * 1 verified into wid and expiry,
					 * -1 refused, 0 not looked at (a
					 * JWT request) */
	uint8_t			wid[TOKEN_ID_BYTES];
	int64_t			expiry;
	struct walkin_spec	spec;	/* the JWT's (jwt == 1) */
	struct token_ext	te;	/* the JWT's or the token's */
	char			key[2 * TOKEN_SUBJECT_BYTES + 1];
};

/* The subject key's text: 16 lowercase hex digits. */
static void
ident_key(struct fe_ident *id)
{
	sodium_bin2hex(id->key, sizeof(id->key), id->te.subject,
	    sizeof(id->te.subject));
}

static void
ident_jwt(struct fe_ident *id, const char *jwt)
{
	const char *why;

	if (jwt_verify(jwt, strlen(jwt), clock_wall_s(), &id->spec,
	    &why) == -1) {
		id->jwt = -1;
		log_debug("JWT refused: %s", why);
		return;
	}
	id->jwt = 1;
	jwt_subject_key(id->spec.subject, id->te.subject);
	id->te.rate_requests = (uint32_t)id->spec.rate_requests;
	id->te.rate_creates = (uint32_t)id->spec.rate_creates;
	id->te.ttl_s = (uint32_t)id->spec.ttl_s;
	ident_key(id);
}

/*
 * The walk-in token, when req has no JWT: verified once here (the rate
 * limit needs its subject before the walk-in is looked up; token_check
 * then takes the result instead of computing the MAC again), and a
 * version 2 token's subject kept.
 */
static void
ident_token(struct fe_ident *id, const struct http_req *req)
{
	struct token_ext te;
	const char *tok;
	int conflict, has;

	if ((tok = fe_token(req, &conflict)) == NULL || conflict)
		return;
	if (token_verify_ext(tok, strlen(tok), clock_wall_s(), id->wid,
	    &id->expiry, &te, &has) == -1) {
		id->tok = -1;
		return;
	}
	id->tok = 1;
	if (!has)
		return;
	id->ext = 1;
	id->te = te;
	ident_key(id);
}

/* req's identity, resolved on first use: its JWT's if it carries one
 * (valid or not), else its walk-in token's subject, if any. */
static struct fe_ident *
fe_ident(struct http_req *req)
{
	struct fe_ident *id = req->ident;
	const char *b;

	if (id != NULL)
		return id;
	if ((id = calloc(1, sizeof(*id))) == NULL)
		fatal("calloc");
	req->ident = id;
	if ((b = bearer_jwt(req)) != NULL)
		ident_jwt(id, b);
	else
		ident_token(id, req);
	return id;
}

/* The key and rate a request's `kind` budget is taken from: its
 * subject's, if it has one, else its IP's at the node's rate. */
static const char *
rate_key(struct http_req *req, enum ratelimit_kind kind, int64_t *rate)
{
	struct fe_ident *id = fe_ident(req);
	uint32_t r;

	*rate = ratelimit_rate(kind);
	if (id->jwt != 1 && !id->ext)
		return req->peer_ip;
	r = kind == RATELIMIT_REQUEST ? id->te.rate_requests :
	    id->te.rate_creates;
	if (r != 0)
		*rate = r;
	return id->key;
}

int
fe_rate_take(struct http_req *req, enum ratelimit_kind kind)
{
	const char *key;
	int64_t rate;

	key = rate_key(req, kind, &rate);
	return ratelimit_take_rate(key, kind, rate, clock_mono_ms());
}

/*
 * The token of req checked: 0 with its walk-in's id and expiry, else
 * the status and message to reply. A share token (token.h) counts only
 * where `share` is given, and *share says whether it was one: every
 * door that does not ask for one answers a share token as it answers
 * any unknown token, so a new route is closed to share tokens until it
 * chooses otherwise.
 */
static int
token_check(struct http_req *req, uint8_t id[TOKEN_ID_BYTES],
    int64_t *expiry, const char **msg, int *share)
{
	struct fe_ident *ident = fe_ident(req);
	const char *tok;
	int conflict, rc;

	if ((tok = fe_token(req, &conflict)) == NULL) {
		*msg = "missing session token";
		return 401;
	}
	if (conflict) {
		*msg = "conflicting session tokens";
		return 400;
	}
	if (ident->tok == 1) {
		memcpy(id, ident->wid, TOKEN_ID_BYTES);
		*expiry = ident->expiry;
		rc = 0;
	} else if (ident->tok == -1)
		rc = -1;
	else
		rc = token_verify(tok, strlen(tok), clock_wall_s(), id, expiry);
	if (share != NULL && (*share = rc == -1))
		rc = token_share_verify(tok, strlen(tok), clock_wall_s(), id,
		    expiry);
	if (rc == -1 || !fe_node_mine(id)) {
		*msg = "instance not found";
		return 404;
	}
	return 0;
}

int
fe_token_check(struct http_req *req, uint8_t id[TOKEN_ID_BYTES],
    int64_t *expiry, const char **msg)
{
	return token_check(req, id, expiry, msg, NULL);
}

/* fe_walkin, or fe_walkin_read when share is given. */
static struct instance *
walkin_lookup(struct http_req *req, int *share)
{
	const struct http_header www = { "WWW-Authenticate", "Bearer" };
	uint8_t id[TOKEN_ID_BYTES];
	struct instance *inst;
	const char *msg;
	int64_t expiry;
	int status;

	if ((status = token_check(req, id, &expiry, &msg, share)) != 0) {
		http_reply_error(req, status, msg, &www, status == 401);
		return NULL;
	}
	/* A valid token names a walk-in that exists until its expiry; the
	 * spawner says ENOENT (404) if its directory is gone anyway. */
	if ((inst = registry_get(id, expiry)) == NULL) {
		http_reply_error(req, 404, "instance not found", NULL, 0);
		return NULL;
	}
	return inst;
}

struct instance *
fe_walkin(struct http_req *req)
{
	return walkin_lookup(req, NULL);
}

struct instance *
fe_walkin_read(struct http_req *req, int *share)
{
	return walkin_lookup(req, share);
}

int
fe_share_token(const struct http_req *req)
{
	uint8_t id[TOKEN_ID_BYTES];
	const char *tok;
	int64_t expiry;
	int conflict;

	return (tok = fe_token(req, &conflict)) != NULL &&
	    token_share_verify(tok, strlen(tok), clock_wall_s(), id,
	    &expiry) == 0 && fe_node_mine(id);
}

/*
 * How a create is made, by whom (owner: the client IP, or the subject
 * key) and with what (the spec handed to the create, the token ext its
 * token carries, or none).
 */
struct create_auth {
	const char		*owner;
	struct walkin_spec	 spec;
	const struct token_ext	*te;	/* NULL: a version 1 token */
};

/*
 * Who is creating: a verified JWT's subject; for a fork (`copy`), the
 * subject of the source walk-in's version 2 token; else anonymous,
 * which --require-jwt refuses. 0, or 401 (a JWT that does not verify,
 * or none where one is required).
 */
static int
create_auth(struct http_req *req, int copy, struct create_auth *ca)
{
	struct fe_ident *id = fe_ident(req);

	memset(&ca->spec, 0, sizeof(ca->spec));
	ca->owner = req->peer_ip;
	ca->te = NULL;
	if (id->jwt == -1)
		return 401;
	/* A claim's grant must also be one the meta can hold (a dataset
	 * named twice is refused there): the same 401 as any bad claim. */
	if (id->jwt == 1 && dataset_grant_valid(id->spec.grant) == -1)
		return 401;
	if (id->jwt == 1) {
		ca->spec = id->spec;
		ca->te = &id->te;
		ca->owner = id->key;
	} else if (copy && id->ext) {
		ca->spec.ttl_s = id->te.ttl_s;
		ca->spec.rate_requests = id->te.rate_requests;
		ca->spec.rate_creates = id->te.rate_creates;
		ca->te = &id->te;
		ca->owner = id->key;
	} else if (fe_cfg->require_jwt)
		return 401;
	return 0;
}

/*
 * Node-wide and per-owner checks for a new walk-in; 0 or an HTTP status.
 * The rate token is taken last, so a create refused for capacity does
 * not cost the client one.
 */
static int
create_check(struct http_req *req, const struct create_auth *ca, int *retry)
{
	struct statvfs sv;
	int64_t cap = ca->spec.max_db_bytes > 0 ? ca->spec.max_db_bytes :
	    fe_cfg->max_db_bytes;

	if (fe_cfg->max_instances_per_ip > 0 && registry_ip_count(ca->owner)
	    >= (size_t)fe_cfg->max_instances_per_ip) {
		metrics_refusal(METRICS_REFUSE_IP_INSTANCES);
		*retry = 60;
		return 429;
	}
	*retry = BOUNDS_RETRY_AFTER_S;
	if (registry_count() >= (size_t)fe_cfg->max_instances) {
		metrics_refusal(METRICS_REFUSE_MAX_INSTANCES);
		return 503;
	}
	/* f_files is 0 where the file system has no inode limit. */
	if (statvfs(fe_cfg->data_dir, &sv) == 0 &&
	    ((uint64_t)sv.f_bavail * sv.f_frsize < BOUNDS_MIN_FREE_BYTES +
	    (uint64_t)cap * 2 ||
	    (sv.f_files > 0 && sv.f_favail < BOUNDS_MIN_FREE_INODES))) {
		metrics_refusal(METRICS_REFUSE_DISK);
		return 503;
	}
	if ((*retry = fe_rate_take(req, RATELIMIT_CREATE)) > 0)
		return 429;
	return 0;
}

static void
reply_unauthorized(struct http_req *req)
{
	const struct http_header www = { "WWW-Authenticate", "Bearer" };

	http_reply_error(req, 401, "invalid credentials", &www, 1);
}

/* The TTL of a walk-in a create makes: the JWT's (or, for a copy, the
 * source token's), else the node's. */
static int64_t
create_ttl(const struct create_auth *ca)
{
	return ca->spec.ttl_s > 0 ? ca->spec.ttl_s : fe_cfg->ttl_s;
}

/*
 * The one create: auth, limits, the registry. `expires` 0 means now +
 * the TTL. The spec's cap and dataset grant (a verified JWT's claim) go
 * into the registry, which hands them with the create to the spawner,
 * the walk-in's meta and every executor of it; a fork (src) takes its
 * source's instead, copied by the spawner from the source's meta, so a
 * fork never reads more than its source could.
 */
static struct instance *
create_walkin(struct http_req *req, const uint8_t id[TOKEN_ID_BYTES],
    int64_t expires, const struct instance *src)
{
	struct fe_ident *ident;
	struct instance *inst;
	struct create_auth ca;
	int status, retry;

	if (create_auth(req, src != NULL, &ca) != 0) {
		reply_unauthorized(req);
		return NULL;
	}
	if ((status = create_check(req, &ca, &retry)) != 0) {
		reply_retry(req, status, status == 429 ? "rate limit exceeded" :
		    "server busy", retry);
		return NULL;
	}
	ident = fe_ident(req);
	ident->ext = ca.te != NULL;	/* fe_mint: a version 2 token or not */
	if (expires == 0)
		expires = clock_wall_s() + create_ttl(&ca);
	if ((inst = registry_add(id, clock_wall_s(), expires, ca.owner)) ==
	    NULL)
		return NULL;
	if (src != NULL)
		registry_set_spec_from(inst, src->id, src->expires);
	else if (registry_set_spec(inst, &ca.spec) == -1)
		fatalx("create: a checked spec refused");
	return inst;
}

struct instance *
fe_create(struct http_req *req)
{
	uint8_t id[TOKEN_ID_BYTES];

	token_new_id(id);
	return create_walkin(req, id, 0, NULL);
}

struct instance *
fe_create_fork(struct http_req *req, const struct instance *src)
{
	uint8_t id[TOKEN_ID_BYTES];

	token_new_id(id);
	return create_walkin(req, id, 0, src);
}

struct instance *
fe_create_as(struct http_req *req, const uint8_t id[TOKEN_ID_BYTES],
    int64_t expires)
{
	return create_walkin(req, id, expires, NULL);
}

int64_t
fe_create_db_cap(const struct http_req *req)
{
	struct walkin_spec spec;
	const char *jwt = bearer_jwt(req);

	/* From the head alone, before the body is read: the same check
	 * the create makes once the body is in (a bad JWT gets the node's
	 * cap here and its 401 there). */
	if (jwt != NULL && jwt_verify(jwt, strlen(jwt), clock_wall_s(), &spec,
	    NULL) == 0 && spec.max_db_bytes > 0)
		return spec.max_db_bytes;
	return fe_cfg->max_db_bytes;
}

int64_t
fe_new_expiry(struct http_req *req)
{
	struct fe_ident *id = fe_ident(req);

	if (id->jwt == 1 && id->spec.ttl_s > 0)
		return clock_wall_s() + id->spec.ttl_s;
	return clock_wall_s() + fe_cfg->ttl_s;
}

void
fe_mint(struct http_req *req, const uint8_t id[TOKEN_ID_BYTES],
    int64_t expires, char out[TOKEN_STR_MAX])
{
	struct fe_ident *ident = fe_ident(req);

	if (ident->jwt == 1 || ident->ext)
		token_mint_ext(id, expires, &ident->te, out);
	else
		token_mint(id, expires, out);
}

struct event_base *
fe_event_base(void)
{
	return fe_base;
}

void
fe_submit(struct http_req *req, struct instance *inst,
    const struct fe_door *door, uint32_t op, uint32_t flags,
    const void *text, size_t text_len, const void *args, size_t args_len,
    int create)
{
	struct buf job;

	req->udata = (void *)(uintptr_t)door;
	buf_init(&job);
	ipc_job_pack(&job, op, flags, text, text_len, args, args_len);
	pool_submit(inst, req, &job, create);
}

void
fe_reply_walkin(struct http_req *req, struct instance *inst, int create,
    int status, int ok, const char *ctype, const char *body, size_t len,
    const char *disposition)
{
	fe_reply_walkin_tok(req, inst, create, status, ok, ctype, body, len,
	    disposition, NULL);
}

void
fe_reply_walkin_tok(struct http_req *req, struct instance *inst, int create,
    int status, int ok, const char *ctype, const char *body, size_t len,
    const char *disposition, const char *token)
{
	struct http_header h[4];
	char ttl[24], tok[TOKEN_STR_MAX], retry[8], idstr[37];
	size_t n = 0;

	token_id_str(inst->id, idstr);
	if (req->instance_id == NULL && (req->instance_id =
	    strdup(idstr)) == NULL)
		fatal("strdup");
	if (status == ok || !create) {
		snprintf(ttl, sizeof(ttl), "%lld", (long long)inst->expires);
		h[n++] = (struct http_header){ "X-Walkin-TTL", ttl };
	}
	if (create && status == ok) {
		if (token == NULL)
			fe_mint(req, inst->id, inst->expires, tok);
		h[n++] = (struct http_header){ "X-Walkin-Session",
		    token != NULL ? token : tok };
	}
	if (status == 503) {
		snprintf(retry, sizeof(retry), "%d", BOUNDS_RETRY_AFTER_S);
		h[n++] = (struct http_header){ "Retry-After", retry };
	}
	if (status == 404)	/* instance vanished: no TTL to report */
		n = 0;
	if (status == ok && disposition != NULL)
		h[n++] = (struct http_header){ "Content-Disposition",
		    disposition };
	if (status != ok || ctype == NULL)
		ctype = "application/json";
	http_reply_ct(req, status, ctype, h, n, body, len);
}

/* The pool's one reply callback: the door that asked answers. */
static void
frontend_pool_reply(struct http_req *req, struct instance *inst, int create,
    int status, const char *body, size_t len)
{
	const struct fe_door *door = req->udata;

	if (door != NULL)
		door->answer(req, inst, create, status, body, len);
	else
		fe_reply_walkin(req, inst, create, status, 200, NULL, body, len,
		    NULL);
}

static const char *route_label(const struct http_req *req);

static void
frontend_log(const struct http_req *req, int status, void *arg)
{
	const struct fe_ident *id = req->ident;
	struct accesslog_entry e;

	(void)arg;
	metrics_request(route_label(req), status,
	    clock_mono_ms() - req->start_ms);
	e.subject = id != NULL && id->jwt == 1 ? id->spec.subject : NULL;
	e.subject_key = id != NULL && (id->jwt == 1 || id->ext) ? id->key :
	    NULL;
	e.time_ms = clock_wall_ms();
	e.source_ip = req->peer_ip;
	e.instance_id = req->instance_id;
	e.method = req->method;
	e.status = status;
	e.sql_bytes = req->sql_len;
	e.user_agent = req->user_agent;
	accesslog_write(&e);
}

/* ---- other routes ---- */

static void
health_get(struct http_req *req)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "{\"status\":\"ok\",\"version\":\"%s\",\"sandbox\":",
	    WALKIND_VERSION);
	json_add_string(&b, sandbox_status(), strlen(sandbox_status()));
	buf_printf(&b, ",\"live_instances\":%zu,\"live_executors\":%zu}",
	    registry_count(), pool_live());
	http_reply(req, 200, NULL, 0, b.data, b.len);
	buf_free(&b);
}

static void
openapi_get(struct http_req *req)
{
	http_reply(req, 200, NULL, 0, openapi_json,
	    (size_t)(openapi_json_end - openapi_json));
}

static void
llms_get(struct http_req *req)
{
	http_reply_ct(req, 200, "text/plain; charset=utf-8", NULL, 0,
	    llms_txt, (size_t)(llms_txt_end - llms_txt));
}

static void
preflight(struct http_req *req, const char *methods)
{
	struct http_header h[] = {
		{ "Access-Control-Allow-Methods", methods },
		{ "Access-Control-Allow-Headers",
		    "Content-Type, X-Walkin-Session, Authorization, "
		    "Mcp-Session-Id, MCP-Protocol-Version" },
		{ "Access-Control-Max-Age", "600" },
	};

	http_reply(req, 204, h, 3, NULL, 0);
}

/* One entry a path and method; `allow` lists every method of the path. */
struct route {
	const char	*path;
	const char	*method;
	const char	*allow;
	void		(*fn)(struct http_req *);
};

#define GET_ALLOW	"GET, HEAD, OPTIONS"
#define SESSION_ALLOW	"GET, HEAD, POST, DELETE, OPTIONS"
#define MCP_ALLOW	"POST, DELETE, OPTIONS"	/* GET: 405, no SSE stream */
static const struct route routes[] = {
	{ "/sql",		"POST",	"POST, OPTIONS", sqlapi_post },
	{ "/session",		"POST",	SESSION_ALLOW,	 session_post },
	{ "/session",		"GET",	SESSION_ALLOW,	 session_get },
	{ "/session",		"DELETE", SESSION_ALLOW, session_delete },
	{ "/session/schema",	"GET",	GET_ALLOW,	 session_schema },
	{ "/session/export.db",	"GET",	GET_ALLOW,	 session_export_db },
	{ "/session/export.sql", "GET",	GET_ALLOW,	 session_export_sql },
	{ "/session/fork",	"POST",	"POST, OPTIONS", session_fork },
	{ "/session/share",	"POST",	"POST, OPTIONS", session_share },
	{ "/healthz",		"GET",	GET_ALLOW,	 health_get },
	{ "/openapi.json",	"GET",	GET_ALLOW,	 openapi_get },
	{ "/v2",		"GET",	GET_ALLOW,	 hrana_version_get },
	{ "/v3",		"GET",	GET_ALLOW,	 hrana_version_get },
	{ "/v2/pipeline",	"POST",	"POST, OPTIONS", hrana_pipeline_post },
	{ "/v3/pipeline",	"POST",	"POST, OPTIONS", hrana_pipeline_post },
	{ "/llms.txt",		"GET",	GET_ALLOW,	 llms_get },
	{ "/mcp",		"POST",	MCP_ALLOW,	 mcp_post },
	{ "/mcp",		"DELETE", MCP_ALLOW,	 mcp_delete },
	{ "/",			"GET",	GET_ALLOW,	 web_get },
	{ "/app.js",		"GET",	GET_ALLOW,	 web_get },
	{ "/app.css",		"GET",	GET_ALLOW,	 web_get },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

/* The first route for req's path, or NULL; *match the one for its
 * method too, or NULL. */
static const struct route *
route_find(const struct http_req *req, const struct route **match)
{
	size_t i, plen = strcspn(req->target, "?");
	const struct route *first = NULL;

	*match = NULL;
	for (i = 0; i < NROUTES; i++) {
		if (strlen(routes[i].path) != plen ||
		    strncmp(routes[i].path, req->target, plen) != 0)
			continue;
		if (first == NULL)
			first = &routes[i];
		/* HEAD is GET without the body (http_reply drops it). */
		if (strcmp(req->method, routes[i].method) == 0 ||
		    (strcmp(req->method, "HEAD") == 0 &&
		    strcmp(routes[i].method, "GET") == 0)) {
			*match = &routes[i];
			break;
		}
	}
	return first;
}

/* The metrics label of req's route: the table's path, never the target
 * (metrics.c bounds what a label may be). */
static const char *
route_label(const struct http_req *req)
{
	const struct route *r, *m;

	if (req->target == NULL)
		return "unparsed";	/* refused before its head was read */
	return (r = route_find(req, &m)) != NULL ? r->path : "unmatched";
}

static void
frontend_handle(struct http_req *req, void *arg)
{
	const struct route *r, *m;
	struct http_header allow;

	(void)arg;
	if ((r = route_find(req, &m)) == NULL)
		http_reply_error(req, 404, "not found", NULL, 0);
	else if (m != NULL)
		m->fn(req);
	else if (strcmp(req->method, "OPTIONS") == 0)
		preflight(req, r->allow);
	else {
		allow = (struct http_header){ "Allow", r->allow };
		http_reply_error(req, 405, "method not allowed", &allow, 1);
	}
}

/* http.h body_limit: uploads to POST /session and Hrana pipelines may
 * exceed the default. */
static int64_t
frontend_body_limit(const struct http_req *req, void *arg)
{
	const struct route *m;

	(void)arg;
	if (route_find(req, &m) == NULL || m == NULL)
		return 0;
	if (m->fn == hrana_pipeline_post)
		return HRANA_BODY_MAX;
	if (m->fn != session_post)
		return 0;
	return session_body_limit(req);
}

/* ---- housekeeping ---- */

static void
sweep_one(struct instance *inst, void *arg)
{
	char idstr[37];

	(void)arg;
	token_id_str(inst->id, idstr);
	log_debug("sweeper: walk-in %s expired while served", idstr);
	pool_expire_instance(inst);
}

static void
sweep_bucket(int64_t expires, void *arg)
{
	(void)arg;
	log_debug("sweeper: walk-ins expiring at %lld removed",
	    (long long)expires);
	pool_remove_bucket(expires);
}

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	int64_t now = clock_wall_s();
	size_t before = registry_count();

	(void)fd;
	(void)what;
	(void)arg;
	registry_expired(now, sweep_one, sweep_bucket, NULL);
	metrics_walkin(METRICS_WALKIN_EXPIRED, before - registry_count());
	hrana_sweep(clock_mono_ms(), now);
	ratelimit_expire(clock_mono_ms());
	if (token_keys_maybe_rotate(now) == -1)
		log_warnx("key rotation failed; keeping the current key");
	if (fe_ticks++ % 60 == 0)
		accesslog_expire(now, BOUNDS_LOG_RETENTION_DAYS);
}

static struct event	*fe_drain;
static int64_t		 fe_drain_end;

/* Draining: exit once no connection is left, or at the grace bound. */
static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if ((http_server_conns(fe_http) > 0 || metrics_conns() > 0) &&
	    clock_mono_ms() < fe_drain_end)
		return;
	if (http_server_conns(fe_http) > 0)
		log_warnx("shutdown grace over: %zu connections cut",
		    http_server_conns(fe_http));
	event_base_loopexit(fe_base, NULL);
}

/* SIGTERM: stop accepting, let running requests finish (bounds.h). */
static void
drain_start(void)
{
	log_info("shutting down: no new connections, %zu open ones finish "
	    "within %d ms", http_server_conns(fe_http),
	    BOUNDS_SHUTDOWN_GRACE_MS);
	http_server_drain(fe_http);
	metrics_drain();
	fe_drain_end = clock_mono_ms() + BOUNDS_SHUTDOWN_GRACE_MS;
	fe_drain = event_new(fe_base, -1, EV_PERSIST, drain_cb, NULL);
	timer_arm_ms(fe_drain, BOUNDS_SHUTDOWN_POLL_MS);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	int status;

	(void)what;
	(void)arg;
	if (sig == SIGCHLD) {
		if (waitpid(fe_spawner_pid, &status, WNOHANG) == fe_spawner_pid)
			fatalx("spawner exited unexpectedly");
		return;
	}
	/* logrotate's HUP: a restart policy must not see a clean exit. */
	if (sig == SIGHUP) {
		accesslog_reopen();
		log_info("SIGHUP: access log reopened");
		return;
	}
	if (fe_drain == NULL) {
		drain_start();
		return;
	}
	log_info("shutting down now (second signal)");
	event_base_loopexit(fe_base, NULL);
}

static void
orphan_dir(int64_t expires, const uint8_t id[TOKEN_ID_BYTES], void *arg)
{
	(void)arg;
	pool_remove_dir(expires, id);
}

static struct event	*fe_sweep, *fe_sigs[4];

void
frontend_init(const struct config *cfg, int listen_fd, int metrics_fd,
    int spawner_fd, int spawner_pid)
{
	static struct proxy_trust trust;
	struct http_opts ho = { cfg->max_body_bytes, cfg->cors_origin,
	    frontend_handle, frontend_log, NULL, frontend_body_limit, NULL };
	int signos[4] = { SIGTERM, SIGINT, SIGCHLD, SIGHUP }, i;
	char dir[4200];

	fe_cfg = cfg;
	fe_spawner_pid = spawner_pid;
	token_set_node((uint8_t)cfg->node_id);
	if (cfg->trusted_proxy[0] != '\0') {
		if (proxy_trust_parse(cfg->trusted_proxy, &trust) == -1)
			fatalx("--trusted-proxy");	/* config.c checked it */
		ho.trust = &trust;
	}
	if ((fe_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	pool_init(fe_base, cfg, spawner_fd, frontend_pool_reply);
	snprintf(dir, sizeof(dir), "%s/instances", cfg->data_dir);
	if (registry_load(dir, orphan_dir, NULL) == -1)
		fatal("read %s", dir);
	log_info("%zu live walk-ins restored", registry_count());
	ratelimit_init(cfg->rate_requests, cfg->rate_creates);
	fe_http = http_server_new(fe_base, listen_fd, &ho);
	metrics_serve(fe_base, metrics_fd, cfg);
	fe_sweep = event_new(fe_base, -1, EV_PERSIST, sweep_cb, NULL);
	timer_arm_ms(fe_sweep, BOUNDS_SWEEP_INTERVAL_S * 1000);
	for (i = 0; i < 4; i++) {
		fe_sigs[i] = evsignal_new(fe_base, signos[i], signal_cb, NULL);
		event_add(fe_sigs[i], NULL);
	}
}

int
frontend_run(void)
{
	int i;

	/* The address itself was logged by listen.c (it may have been
	 * handed in by the service manager, not taken from --listen). */
	log_info("serving, sandbox: %s", sandbox_status());
	event_base_dispatch(fe_base);
	for (i = 0; i < 4; i++)
		event_del(fe_sigs[i]);
	pool_shutdown();		/* closes executors, then the spawner */
	waitpid(fe_spawner_pid, NULL, 0);
	http_server_free(fe_http);
	metrics_close();
	for (i = 0; i < 4; i++)
		event_free(fe_sigs[i]);
	event_free(fe_sweep);
	if (fe_drain != NULL)
		event_free(fe_drain);
	ratelimit_free();
	event_base_free(fe_base);
	return 0;
}
