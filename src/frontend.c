/*
 * frontend.c: what the front end does with each request.
 *
 * Route -> (POST /sql) rate limit -> Content-Type -> JSON -> NUL check ->
 * keyword layer -> token or create checks -> pool. Every path ends in one
 * reply: errors answered here go through http_reply_error, executor
 * answers through frontend_pool_reply. The front end never opens an
 * instance file and never links SQLite into this path.
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

#include "clock.h"
#include "accesslog.h"
#include "bounds.h"
#include "buf.h"
#include "config.h"
#include "frontend.h"
#include "frontend_int.h"
#include "hrana.h"
#include "http.h"
#include "ipc.h"
#include "json.h"
#include "keyword.h"
#include "log.h"
#include "pool.h"
#include "ratelimit.h"
#include "registry.h"
#include "sandbox.h"
#include "timer.h"
#include "token.h"

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

	if ((retry = ratelimit_take(req->peer_ip, RATELIMIT_REQUEST,
	    clock_mono_ms())) > 0) {
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

const char *
fe_token(const struct http_req *req, int *conflict)
{
	const char *b = bearer(req->authorization);

	*conflict = req->session != NULL && b != NULL &&
	    strcmp(req->session, b) != 0;
	return req->session != NULL ? req->session : b;
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
token_check(const struct http_req *req, uint8_t id[TOKEN_ID_BYTES],
    int64_t *expiry, const char **msg, int *share)
{
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
	rc = token_verify(tok, strlen(tok), clock_wall_s(), id, expiry);
	if (share != NULL && (*share = rc == -1))
		rc = token_share_verify(tok, strlen(tok), clock_wall_s(), id,
		    expiry);
	if (rc == -1) {
		*msg = "instance not found";
		return 404;
	}
	return 0;
}

int
fe_token_check(const struct http_req *req, uint8_t id[TOKEN_ID_BYTES],
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
	    &expiry) == 0;
}

/*
 * Node-wide and per-IP checks for a new walk-in; 0 or an HTTP status.
 * The rate token is taken last, so a create refused for capacity does
 * not cost the client one.
 */
static int
create_check(struct http_req *req, int *retry)
{
	struct statvfs sv;

	if (fe_cfg->max_instances_per_ip > 0 && registry_ip_count(req->peer_ip)
	    >= (size_t)fe_cfg->max_instances_per_ip) {
		*retry = 60;
		return 429;
	}
	*retry = BOUNDS_RETRY_AFTER_S;
	if (registry_count() >= (size_t)fe_cfg->max_instances)
		return 503;
	/* f_files is 0 where the file system has no inode limit. */
	if (statvfs(fe_cfg->data_dir, &sv) == 0 &&
	    ((uint64_t)sv.f_bavail * sv.f_frsize < BOUNDS_MIN_FREE_BYTES +
	    (uint64_t)fe_cfg->max_db_bytes * 2 ||
	    (sv.f_files > 0 && sv.f_favail < BOUNDS_MIN_FREE_INODES)))
		return 503;
	if ((*retry = ratelimit_take(req->peer_ip, RATELIMIT_CREATE,
	    clock_mono_ms())) > 0)
		return 429;
	return 0;
}

struct instance *
fe_create(struct http_req *req)
{
	uint8_t id[TOKEN_ID_BYTES];

	token_new_id(id);
	return fe_create_as(req, id, clock_wall_s() + fe_cfg->ttl_s);
}

struct instance *
fe_create_as(struct http_req *req, const uint8_t id[TOKEN_ID_BYTES],
    int64_t expires)
{
	int status, retry;

	if ((status = create_check(req, &retry)) != 0) {
		reply_retry(req, status, status == 429 ? "rate limit exceeded" :
		    "server busy", retry);
		return NULL;
	}
	return registry_add(id, clock_wall_s(), expires, req->peer_ip);
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
	pool_submit(inst, req, job.data, job.len, create);
	buf_free(&job);
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
			token_mint(inst->id, inst->expires, tok);
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

static void
frontend_log(const struct http_req *req, int status, void *arg)
{
	struct accesslog_entry e;

	(void)arg;
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

	(void)fd;
	(void)what;
	(void)arg;
	registry_expired(now, sweep_one, sweep_bucket, NULL);
	hrana_sweep(clock_mono_ms(), now);
	ratelimit_expire(clock_mono_ms());
	if (token_keys_maybe_rotate(now) == -1)
		log_warnx("key rotation failed; keeping the current key");
	if (fe_ticks++ % 60 == 0)
		accesslog_expire(now, BOUNDS_LOG_RETENTION_DAYS);
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
	log_info("shutting down");
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
frontend_init(const struct config *cfg, int listen_fd, int spawner_fd,
    int spawner_pid)
{
	struct http_opts ho = { cfg->max_body_bytes, cfg->cors_origin,
	    frontend_handle, frontend_log, NULL, frontend_body_limit };
	int signos[4] = { SIGTERM, SIGINT, SIGCHLD, SIGHUP }, i;
	char dir[4200];

	fe_cfg = cfg;
	fe_spawner_pid = spawner_pid;
	if ((fe_base = event_base_new()) == NULL)
		fatalx("event_base_new");
	pool_init(fe_base, cfg, spawner_fd, frontend_pool_reply);
	snprintf(dir, sizeof(dir), "%s/instances", cfg->data_dir);
	if (registry_load(dir, orphan_dir, NULL) == -1)
		fatal("read %s", dir);
	log_info("%zu live walk-ins restored", registry_count());
	ratelimit_init(cfg->rate_requests, cfg->rate_creates);
	fe_http = http_server_new(fe_base, listen_fd, &ho);
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
	for (i = 0; i < 4; i++)
		event_free(fe_sigs[i]);
	event_free(fe_sweep);
	ratelimit_free();
	event_base_free(fe_base);
	return 0;
}
