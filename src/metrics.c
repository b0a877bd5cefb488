/*
 * metrics.c: the front end's counters and GET /metrics (metrics.h).
 *
 * Front end process, event-loop thread only: every counter is a plain
 * file-static integer bumped by a hook in the module that sees the event
 * (frontend.c, pool.c, ratelimit.c), so there is no lock. Gauges (walk-
 * ins on disk, executors, queue depth, free disk, key age) are read from
 * their modules when a scrape arrives instead of being mirrored here.
 *
 * Exposure: the exposition is served only on the --metrics-listen
 * socket, by the same strict HTTP layer (http.c) with a route table of
 * one path; the public listener's table has no /metrics. Labels take
 * values from fixed sets only: a route is the public route table's path
 * (never the request's target), a status its three digits, a reason or
 * kind a name from the tables below. No token, IP address or SQL text
 * reaches a label or a value, so a scrape discloses nothing a caller
 * sent. Replies carry no Access-Control-Allow-Origin (http.h), so a web
 * page in an operator's browser cannot read them cross-origin.
 *
 * Cardinality is bounded whatever callers do: at most METRICS_MAX_ROUTES
 * routes, and METRICS_MAX_STATUSES statuses per route (an executor
 * chooses its reply's status: a compromised one must not grow this
 * table); past either, the request counts under "other".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include <event2/event.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "registry.h"
#include "token.h"

#define METRICS_MAX_ROUTES	48	/* the route table has ~20 paths */
#define METRICS_MAX_STATUSES	24	/* http.c answers ~22 statuses */
#define METRICS_CTYPE		"text/plain; version=0.0.4; charset=utf-8"

/* Latency bucket bounds in ms, printed as seconds; +Inf is implicit. */
static const int64_t metrics_bucket_ms[] = {
	1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};
#define METRICS_NBUCKETS \
	(sizeof(metrics_bucket_ms) / sizeof(metrics_bucket_ms[0]))

struct route_stats {
	const char	*route;			/* borrowed, static */
	int		 status[METRICS_MAX_STATUSES];
	uint64_t	 count[METRICS_MAX_STATUSES];
	int		 nstatus;
	uint64_t	 other_status;
	uint64_t	 bucket[METRICS_NBUCKETS];	/* not cumulative */
	uint64_t	 n;
	int64_t		 sum_ms;
};

static struct route_stats	m_routes[METRICS_MAX_ROUTES + 1];
static int			m_nroutes;
static uint64_t			m_walkin[METRICS_WALKIN_N];
static uint64_t			m_spawned, m_spawn_failed;
static uint64_t			m_warm_claimed, m_warm_standing;
static uint64_t			m_exit[METRICS_EXIT_N];
static uint64_t			m_refusal[METRICS_REFUSE_N];
static uint64_t			m_parked;
static struct http_server	*m_http;
static const struct config	*m_cfg;

static const char *const metrics_exit_name[METRICS_EXIT_N] = {
	"idle", "evicted", "deadline", "crash", "malformed", "stopped",
	"demoted",
};

/* Rate limits (429) and capacity (503) are two metrics: one says a
 * client is too busy, the other that the node is full. */
static const struct {
	const char	*metric;
	const char	*kind;
} metrics_refusal_name[METRICS_REFUSE_N] = {
	{ "walkind_ratelimit_refusals_total", "request" },
	{ "walkind_ratelimit_refusals_total", "create" },
	{ "walkind_ratelimit_refusals_total", "instances_per_ip" },
	{ "walkind_capacity_refusals_total", "max_instances" },
	{ "walkind_capacity_refusals_total", "disk" },
	{ "walkind_capacity_refusals_total", "queue_full" },
	{ "walkind_capacity_refusals_total", "queue_timeout" },
};

/* ---- hooks ---- */

static struct route_stats *
route_stats(const char *route)
{
	int i;

	for (i = 0; i < m_nroutes; i++)
		if (strcmp(m_routes[i].route, route) == 0)
			return &m_routes[i];
	if (m_nroutes < METRICS_MAX_ROUTES) {
		m_routes[m_nroutes].route = route;
		return &m_routes[m_nroutes++];
	}
	m_routes[METRICS_MAX_ROUTES].route = "other";
	return &m_routes[METRICS_MAX_ROUTES];
}

void
metrics_request(const char *route, int status, int64_t ms)
{
	struct route_stats *r = route_stats(route);
	size_t b;
	int i;

	for (i = 0; i < r->nstatus && r->status[i] != status; i++)
		;
	if (i == r->nstatus && i < METRICS_MAX_STATUSES)
		r->status[r->nstatus++] = status;
	if (i < r->nstatus)
		r->count[i]++;
	else
		r->other_status++;
	if (ms < 0)
		ms = 0;
	for (b = 0; b < METRICS_NBUCKETS && ms > metrics_bucket_ms[b]; b++)
		;
	if (b < METRICS_NBUCKETS)
		r->bucket[b]++;
	r->n++;
	r->sum_ms += ms;
}

void
metrics_walkin(enum metrics_walkin what, uint64_t n)
{
	m_walkin[what] += n;
}

void
metrics_executor_spawned(int ok)
{
	if (ok)
		m_spawned++;
	else
		m_spawn_failed++;
}

void
metrics_warm(int standing, int claimed)
{
	m_warm_standing = standing > 0 ? (uint64_t)standing : 0;
	if (claimed)
		m_warm_claimed++;
}

void
metrics_executor_exit(enum metrics_exit why)
{
	m_exit[why]++;
}

void
metrics_refusal(enum metrics_refusal kind)
{
	m_refusal[kind]++;
}

void
metrics_parked(void)
{
	m_parked++;
}

/* ---- the exposition ---- */

static void
head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
one(struct buf *b, const char *name, const char *type, const char *help,
    uint64_t v)
{
	head(b, name, type, help);
	buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void
render_requests(struct buf *b)
{
	const struct route_stats *r;
	int i, j;

	head(b, "walkind_http_requests_total", "counter",
	    "Replies on the public listener by route (the route table's "
	    "path) and status.");
	for (i = 0; i <= METRICS_MAX_ROUTES; i++) {
		r = &m_routes[i];
		if (r->route == NULL)
			continue;
		for (j = 0; j < r->nstatus; j++)
			buf_printf(b, "walkind_http_requests_total{route=\"%s\","
			    "status=\"%d\"} %llu\n", r->route, r->status[j],
			    (unsigned long long)r->count[j]);
		if (r->other_status > 0)
			buf_printf(b, "walkind_http_requests_total{route=\"%s\","
			    "status=\"other\"} %llu\n", r->route,
			    (unsigned long long)r->other_status);
	}
}

static void
render_latency(struct buf *b)
{
	static const char n[] = "walkind_http_request_duration_seconds";
	const struct route_stats *r;
	uint64_t cum;
	size_t k;
	int i;

	head(b, n, "histogram", "Time from a request's first byte to its "
	    "reply, by route.");
	for (i = 0; i <= METRICS_MAX_ROUTES; i++) {
		if ((r = &m_routes[i])->route == NULL)
			continue;
		for (cum = 0, k = 0; k < METRICS_NBUCKETS; k++) {
			cum += r->bucket[k];
			buf_printf(b, "%s_bucket{route=\"%s\",le=\"%g\"} %llu\n",
			    n, r->route, (double)metrics_bucket_ms[k] / 1000,
			    (unsigned long long)cum);
		}
		buf_printf(b, "%s_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
		    "%s_sum{route=\"%s\"} %.3f\n%s_count{route=\"%s\"} %llu\n",
		    n, r->route, (unsigned long long)r->n, n, r->route,
		    (double)r->sum_ms / 1000, n, r->route,
		    (unsigned long long)r->n);
	}
}

static void
render_executors(struct buf *b, const struct metrics_gauges *g)
{
	int i;

	head(b, "walkind_executors", "gauge", "Live executor processes by "
	    "state (all count against --pool-size).");
	buf_printf(b, "walkind_executors{state=\"idle\"} %llu\n"
	    "walkind_executors{state=\"busy\"} %llu\n"
	    "walkind_executors{state=\"spawning\"} %llu\n",
	    (unsigned long long)g->ex_idle, (unsigned long long)g->ex_busy,
	    (unsigned long long)g->ex_spawning);
	one(b, "walkind_executors_spawned_total", "counter",
	    "Executors the spawner started.", m_spawned);
	one(b, "walkind_executor_spawn_failures_total", "counter",
	    "Executor starts the spawner refused or failed.", m_spawn_failed);
	one(b, "walkind_executors_warm", "gauge", "Warm executors standing "
	    "by in the spawner, as of its last reply (--warm; not in the "
	    "pool).", m_warm_standing);
	one(b, "walkind_executors_warm_claimed_total", "counter",
	    "Creates served by a warm executor.", m_warm_claimed);
	head(b, "walkind_executor_exits_total", "counter",
	    "Executors gone, by the reason the pool knows.");
	for (i = 0; i < METRICS_EXIT_N; i++)
		buf_printf(b, "walkind_executor_exits_total{reason=\"%s\"} "
		    "%llu\n", metrics_exit_name[i],
		    (unsigned long long)m_exit[i]);
}

static void
render_refusals(struct buf *b)
{
	const char *last = "";
	int i;

	for (i = 0; i < METRICS_REFUSE_N; i++) {
		if (strcmp(last, metrics_refusal_name[i].metric) != 0) {
			last = metrics_refusal_name[i].metric;
			head(b, last, "counter", i == 0 ?
			    "Requests refused by a per-client limit (429)." :
			    "Requests refused because the node is full (503).");
		}
		buf_printf(b, "%s{kind=\"%s\"} %llu\n", last,
		    metrics_refusal_name[i].kind,
		    (unsigned long long)m_refusal[i]);
	}
}

static void
render_node(struct buf *b, const struct metrics_gauges *g)
{
	one(b, "walkind_walkins", "gauge", "Walk-ins on disk.", g->walkins);
	one(b, "walkind_walkins_created_total", "counter",
	    "Walk-ins created.", m_walkin[METRICS_WALKIN_CREATED]);
	one(b, "walkind_walkins_expired_total", "counter",
	    "Walk-ins removed at their expiry.",
	    m_walkin[METRICS_WALKIN_EXPIRED]);
	one(b, "walkind_walkins_deleted_total", "counter",
	    "Walk-ins deleted by DELETE.", m_walkin[METRICS_WALKIN_DELETED]);
	one(b, "walkind_queue_depth", "gauge",
	    "Requests queued for an executor.", g->queued);
	one(b, "walkind_parked_requests", "gauge", "Requests parked past "
	    "their walk-in's full queue.", g->parked);
	one(b, "walkind_parked_requests_total", "counter", "Requests parked "
	    "past their walk-in's full queue (back-pressure events).",
	    m_parked);
	one(b, "walkind_walkins_waiting_for_executor", "gauge",
	    "Walk-ins waiting for a pool slot.", g->waiting);
	if (g->have_disk) {
		one(b, "walkind_data_dir_free_bytes", "gauge", "Bytes "
		    "available on the data directory's file system.",
		    g->disk_free);
		one(b, "walkind_data_dir_size_bytes", "gauge",
		    "Size of the data directory's file system.", g->disk_size);
		one(b, "walkind_data_dir_free_inodes", "gauge", "Inodes "
		    "available there (0 where it has no inode limit).",
		    g->inodes_free);
	}
	if (g->key_age_s >= 0)
		one(b, "walkind_token_key_age_seconds", "gauge", "Age of the "
		    "current token key (it rotates daily).",
		    (uint64_t)g->key_age_s);
}

void
metrics_render(struct buf *b, const struct metrics_gauges *g)
{
	head(b, "walkind_build_info", "gauge", "walkind's version.");
	buf_printf(b, "walkind_build_info{version=\"%s\"} 1\n",
	    WALKIND_VERSION);
	render_requests(b);
	render_latency(b);
	render_node(b, g);
	render_executors(b, g);
	render_refusals(b);
}

/* ---- the metrics listener ---- */

static void
metrics_gather(struct metrics_gauges *g)
{
	struct pool_stats ps;
	struct statvfs sv;
	int64_t created;

	memset(g, 0, sizeof(*g));
	g->walkins = registry_count();
	pool_stats(&ps);
	g->ex_idle = ps.idle;
	g->ex_busy = ps.busy;
	g->ex_spawning = ps.spawning;
	g->queued = ps.queued;
	g->parked = ps.parked;
	g->waiting = ps.waiting;
	if (statvfs(m_cfg->data_dir, &sv) == 0) {
		g->have_disk = 1;
		g->disk_free = (uint64_t)sv.f_bavail * sv.f_frsize;
		g->disk_size = (uint64_t)sv.f_blocks * sv.f_frsize;
		g->inodes_free = sv.f_files > 0 ? sv.f_favail : 0;
	}
	g->key_age_s = -1;
	if ((created = token_key_created()) >= 0)	/* 0 if the clock */
		g->key_age_s = clock_wall_s() > created ?	/* stepped back */
		    clock_wall_s() - created : 0;
}

/* The metrics listener's route table: one path. */
static void
metrics_handle(struct http_req *req, void *arg)
{
	const struct http_header allow = { "Allow", "GET, HEAD" };
	struct metrics_gauges g;
	struct buf b;

	(void)arg;
	if (strcspn(req->target, "?") != strlen("/metrics") ||
	    strncmp(req->target, "/metrics", strlen("/metrics")) != 0) {
		http_reply_error(req, 404, "not found", NULL, 0);
		return;
	}
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		http_reply_error(req, 405, "method not allowed", &allow, 1);
		return;
	}
	metrics_gather(&g);
	buf_init(&b);
	metrics_render(&b, &g);
	http_reply_ct(req, 200, METRICS_CTYPE, NULL, 0, b.data, b.len);
	buf_free(&b);
}

void
metrics_serve(struct event_base *base, int fd, const struct config *cfg)
{
	/* No CORS origin (see the file comment); scrapes are not written
	 * to the access log, which is about callers (a 15 s scrape
	 * interval would be most of its lines). */
	struct http_opts ho = { 1024, NULL, metrics_handle, NULL, NULL,
	    NULL, NULL };

	m_cfg = cfg;
	if (fd == -1)
		return;
	m_http = http_server_new(base, fd, &ho);
}

void
metrics_drain(void)
{
	if (m_http != NULL)
		http_server_drain(m_http);
}

size_t
metrics_conns(void)
{
	return m_http != NULL ? http_server_conns(m_http) : 0;
}

void
metrics_close(void)
{
	http_server_free(m_http);
	m_http = NULL;
}
