/*
 * config.c: walkind's command line (see config.h).
 *
 * One table, config_opts, drives getopt_long, value checking and --help,
 * so the names, ranges and defaults printed are the ones enforced; the
 * defaults themselves come from bounds.h through config_defaults. Values
 * are strict: digits only (no sign, blanks or junk), range-checked per
 * option, byte sizes with an optional K, M or G suffix (powers of 1024).
 * The first bad option, value or stray argument ends parsing with one
 * line on stderr naming it, so the service never starts half-configured.
 *
 * Range choices not dictated by the issue:
 *   max-memory >= 32 MiB: the executor's heap limit is max-memory minus
 *     BOUNDS_HEAP_SLACK (16 MiB) and must stay positive, since 0 would
 *     mean "no limit" to sqlite3_hard_heap_limit64.
 *   ttl <= 1 day: token keys rotate daily and only the previous key is
 *     still accepted, so a longer TTL would outlive its key.
 *   pool-size <= 10000: each executor is a process and a socket pair.
 *   cors-origin: 1..255 printable ASCII bytes without blanks, because it
 *     is copied into a response header (no CR/LF injection).
 *   jwt-issuer, jwt-audience: the same alphabet (an issuer is a URL or
 *     a name; compared byte for byte with the token's claim).
 *   jwt-max-ttl <= 1 day, as --ttl and for the same reason.
 *   --require-jwt and the other --jwt-* options need a key option: a
 *     policy no token can ever satisfy is a configuration mistake.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bounds.h"
#include "config.h"
#include "dataset_grant.h"
#include "log.h"
#include "proxy.h"

enum config_kind {
	CONFIG_INT,		/* int64 field, digits only */
	CONFIG_BYTES,		/* int64 field, digits and optional K/M/G */
	CONFIG_LISTEN,
	CONFIG_METRICS,		/* --metrics-listen: HOST:PORT, off if absent */
	CONFIG_DIR,
	CONFIG_ORIGIN,
	CONFIG_USER,		/* a login name: [A-Za-z0-9_.-], 1..31 bytes */
	CONFIG_NODE,		/* --node-id: an int field, and node_id_set */
	CONFIG_PROXY,		/* --trusted-proxy: proxy_trust_parse's form */
	CONFIG_PATH,		/* a file name, 1..max bytes, as given */
	CONFIG_DATASET,		/* NAME=FILE[,private], repeatable */
	CONFIG_FLAG,		/* int field set to 1 */
	CONFIG_HELP,
	CONFIG_VERSION
};

struct config_opt {
	const char		*name;	/* long option, without "--" */
	enum config_kind	 kind;
	size_t			 off;	/* field in struct config */
	int64_t			 min;	/* inclusive range for numbers */
	int64_t			 max;
	const char		*arg;	/* placeholder in --help */
	const char		*unit;	/* after the range, "" when none */
	const char		*help;
};

#define KIB		((int64_t)1024)
#define MIB		(KIB * 1024)
#define GIB		(MIB * 1024)
#define FIELD(f)	offsetof(struct config, f)
#define NOFIELD		((size_t)0)
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct config_opt config_opts[] = {
	{ "listen", CONFIG_LISTEN, FIELD(listen_host), 1, 65535, "HOST:PORT",
	    "", "address to listen on; [IPv6]:PORT for IPv6" },
	{ "metrics-listen", CONFIG_METRICS, FIELD(metrics_host), 1, 65535,
	    "HOST:PORT", "", "serve GET /metrics (Prometheus) here, not "
	    "on --listen's port" },
	{ "data-dir", CONFIG_DIR, FIELD(data_dir), 0, 0, "DIR",
	    "", "secrets, instances, logs; created if missing" },
	{ "ttl", CONFIG_INT, FIELD(ttl_s), 1, BOUNDS_MAX_TTL_S, "SECONDS",
	    " seconds", "walk-in lifetime, fixed at creation" },
	{ "max-db-bytes", CONFIG_BYTES, FIELD(max_db_bytes), 64 * KIB, GIB,
	    "N", " bytes", "database size cap per walk-in (507 when full)" },
	{ "max-body-bytes", CONFIG_BYTES, FIELD(max_body_bytes), 64, MIB,
	    "N", " bytes", "request body cap (413 above it)" },
	{ "query-timeout-ms", CONFIG_INT, FIELD(query_timeout_ms), 10, 600000,
	    "MS", " milliseconds", "wall-clock deadline per request (408)" },
	{ "max-rows", CONFIG_INT, FIELD(max_rows), 1, 1000000, "N",
	    " rows", "rows per reply; more sets \"truncated\"" },
	{ "max-result-bytes", CONFIG_BYTES, FIELD(max_result_bytes), KIB,
	    64 * MIB, "N", " bytes",
	    "row data per reply; more sets \"truncated\"" },
	{ "rate-requests", CONFIG_INT, FIELD(rate_requests), 0, 1000000, "N",
	    " per minute, 0 = off", "requests per minute per client IP (429)" },
	{ "rate-creates", CONFIG_INT, FIELD(rate_creates), 0, 1000000, "N",
	    " per minute, 0 = off", "new walk-ins per minute per client IP" },
	{ "max-instances-per-ip", CONFIG_INT, FIELD(max_instances_per_ip), 0,
	    1000000, "N", ", 0 = off", "live walk-ins per client IP" },
	{ "max-instances", CONFIG_INT, FIELD(max_instances), 1, 10000000, "N",
	    "", "live walk-ins on this node (503 above it)" },
	{ "pool-size", CONFIG_INT, FIELD(pool_size), 1, BOUNDS_MAX_POOL_SIZE, "N",
	    "", "live executor processes (LRU idle one evicted)" },
	{ "idle-timeout-ms", CONFIG_INT, FIELD(idle_timeout_ms), 10, 3600000,
	    "MS", " milliseconds", "an idle executor exits after this" },
	{ "max-memory", CONFIG_BYTES, FIELD(max_memory), 32 * MIB, 64 * GIB,
	    "BYTES", " bytes", "memory per executor" },
	{ "threads", CONFIG_INT, FIELD(threads), 0, BOUNDS_MAX_THREADS, "N",
	    "", "SQLite helper (sorter) threads per executor" },
	{ "warm", CONFIG_INT, FIELD(warm), 0, BOUNDS_MAX_WARM, "N",
	    ", 0 = off", "executors kept forked and jailed for creates" },
	{ "cors-origin", CONFIG_ORIGIN, FIELD(cors_origin), 1, 255, "ORIGIN",
	    " printable bytes, no blanks",
	    "Access-Control-Allow-Origin value" },
	{ "mcp-allow-origin", CONFIG_ORIGIN, FIELD(mcp_allow_origin), 1, 255,
	    "ORIGINS", " printable bytes, no blanks",
	    "browser origins /mcp accepts besides loopback: a comma list, *" },
	{ "node-id", CONFIG_NODE, FIELD(node_id), 0, 255, "N", "",
	    "this node's number, in its tokens (see Running several nodes)" },
	{ "trusted-proxy", CONFIG_PROXY, FIELD(trusted_proxy), 1,
	    PROXY_LIST_MAX, "ADDRS", " bytes: ADDR[/BITS],...",
	    "peers whose PROXY protocol header names the client" },
	{ "user", CONFIG_USER, FIELD(user), 1, 31, "NAME",
	    " bytes of [A-Za-z0-9_.-]",
	    "account to run as when started as root" },
	{ "jwt-hs256-secret", CONFIG_PATH, FIELD(jwt_hs256_secret), 1, 1023,
	    "FILE", " bytes", "accept HS256 JWTs signed with this file's "
	    "bytes (>= 32)" },
	{ "jwt-ed25519-public-key", CONFIG_PATH, FIELD(jwt_ed25519_key), 1,
	    1023, "FILE", " bytes",
	    "accept EdDSA JWTs verified by this PEM public key" },
	{ "jwt-issuer", CONFIG_ORIGIN, FIELD(jwt_issuer), 1, 255, "ISS",
	    " printable bytes, no blanks", "a JWT's \"iss\" must be this" },
	{ "jwt-audience", CONFIG_ORIGIN, FIELD(jwt_audience), 1, 255, "AUD",
	    " printable bytes, no blanks", "a JWT's \"aud\" must name this" },
	{ "jwt-max-ttl", CONFIG_INT, FIELD(jwt_max_ttl_s), 1, BOUNDS_MAX_TTL_S,
	    "SECONDS", " seconds", "the largest \"ttl\" a JWT may set" },
	{ "jwt-max-db-bytes", CONFIG_BYTES, FIELD(jwt_max_db_bytes), 64 * KIB,
	    16 * GIB, "N", " bytes", "the largest \"max_db_bytes\" a JWT "
	    "may set" },
	{ "jwt-max-rate-requests", CONFIG_INT, FIELD(jwt_max_rate_requests), 0,
	    1000000, "N", " per minute, 0 = --rate-requests",
	    "the largest \"rate_requests\" a JWT may set" },
	{ "jwt-max-rate-creates", CONFIG_INT, FIELD(jwt_max_rate_creates), 0,
	    1000000, "N", " per minute, 0 = --rate-creates",
	    "the largest \"rate_creates\" a JWT may set" },
	{ "require-jwt", CONFIG_FLAG, FIELD(require_jwt), 0, 0, NULL, "",
	    "new walk-ins need a valid JWT (401 without)" },
	{ "dataset", CONFIG_DATASET, NOFIELD, 0, BOUNDS_MAX_DATASETS,
	    "NAME=FILE", "",
	    "read-only SQLite file, schema NAME; FILE,private: granted only" },
	{ "dump-policy", CONFIG_FLAG, FIELD(dump_policy), 0, 0, NULL, "",
	    "print each process's Landlock rules and seccomp filter, exit" },
	{ "insecure-no-sandbox", CONFIG_FLAG, FIELD(insecure_no_sandbox), 0, 0,
	    NULL, "", "no Landlock, seccomp or rlimits (debugging only)" },
	{ "verbose", CONFIG_FLAG, FIELD(verbose), 0, 0, NULL,
	    "", "debug logging (also -v)" },
	{ "version", CONFIG_VERSION, NOFIELD, 0, 0, NULL,
	    "", "print \"walkind " WALKIND_VERSION "\" and exit" },
	{ "help", CONFIG_HELP, NOFIELD, 0, 0, NULL, "",
	    "print this and exit (also -h)" },
};

#define CONFIG_VAL_BASE		256	/* getopt val = base + table index */
#define CONFIG_DIR_ROOM		256	/* bytes kept free for paths below */
#define CONFIG_SHOW_MAX		128	/* bytes of a bad value echoed back */

static int64_t *
config_i64(struct config *cfg, const struct config_opt *o)
{
	return (int64_t *)(void *)((char *)cfg + o->off);
}

static const int64_t *
config_ci64(const struct config *cfg, const struct config_opt *o)
{
	return (const int64_t *)(const void *)((const char *)cfg + o->off);
}

static const struct config_opt *
config_find(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(config_opts); i++)
		if (strcmp(config_opts[i].name, name) == 0)
			return &config_opts[i];
	abort();	/* a name used below is missing from the table */
}

void
config_defaults(struct config *cfg, const char *default_data_dir)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->listen_host, sizeof(cfg->listen_host), "127.0.0.1");
	snprintf(cfg->user, sizeof(cfg->user), "%s", BOUNDS_DEF_USER);
	cfg->listen_port = 8080;
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s",
	    default_data_dir ? default_data_dir : "");
	cfg->ttl_s = BOUNDS_DEF_TTL_S;
	cfg->max_db_bytes = BOUNDS_DEF_MAX_DB_BYTES;
	cfg->max_body_bytes = BOUNDS_DEF_MAX_BODY_BYTES;
	cfg->query_timeout_ms = BOUNDS_DEF_QUERY_TIMEOUT_MS;
	cfg->max_rows = BOUNDS_DEF_MAX_ROWS;
	cfg->max_result_bytes = BOUNDS_DEF_MAX_RESULT_BYTES;
	cfg->rate_requests = BOUNDS_DEF_RATE_REQUESTS;
	cfg->rate_creates = BOUNDS_DEF_RATE_CREATES;
	cfg->max_instances_per_ip = BOUNDS_DEF_MAX_INST_PER_IP;
	cfg->max_instances = BOUNDS_DEF_MAX_INSTANCES;
	cfg->pool_size = BOUNDS_DEF_POOL_SIZE;
	cfg->idle_timeout_ms = BOUNDS_DEF_IDLE_TIMEOUT_MS;
	cfg->max_memory = BOUNDS_DEF_MAX_MEMORY;
	cfg->threads = BOUNDS_DEF_THREADS;
	cfg->warm = BOUNDS_DEF_WARM;
	snprintf(cfg->cors_origin, sizeof(cfg->cors_origin), "*");
	snprintf(cfg->mcp_allow_origin, sizeof(cfg->mcp_allow_origin),
	    "loopback");
	cfg->jwt_max_ttl_s = BOUNDS_MAX_TTL_S;
	cfg->jwt_max_db_bytes = BOUNDS_JWT_DEF_MAX_DB_BYTES;
}

/* ---- errors: one line each, on stderr ---- */

/* v in decimal; byte sizes as nK/nM/nG when exact, as --help shows them. */
static const char *
config_fmt(char *buf, size_t len, const struct config_opt *o, int64_t v)
{
	static const char sfx[] = "GMK";
	int i;

	for (i = 0; o->kind == CONFIG_BYTES && v != 0 && i < 3; i++) {
		int64_t unit = (int64_t)1 << (10 * (3 - i));

		if (v % unit == 0) {
			snprintf(buf, len, "%lld%c", (long long)(v / unit),
			    sfx[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%lld", (long long)v);
	return buf;
}

/* "min..max unit", as both the errors and --help print it. */
static const char *
config_range(char *buf, size_t len, const struct config_opt *o)
{
	char lo[32], hi[32];

	snprintf(buf, len, "%s..%s%s", config_fmt(lo, sizeof(lo), o, o->min),
	    config_fmt(hi, sizeof(hi), o, o->max), o->unit);
	return buf;
}

static void
config_bad_value(const struct config_opt *o, const char *value)
{
	char show[CONFIG_SHOW_MAX], range[96];

	log_escape(show, sizeof(show), value, strlen(value));
	switch (o->kind) {
	case CONFIG_LISTEN:
	case CONFIG_METRICS:
		fprintf(stderr, "walkind: invalid value for --%s: '%s' "
		    "(expected HOST:PORT or [IPv6]:PORT, port 1..65535)\n",
		    o->name, show);
		break;
	case CONFIG_DIR:
		fprintf(stderr, "walkind: invalid value for --%s: '%s' "
		    "(expected a path of at most %zu bytes once absolute)\n",
		    o->name, show, sizeof(((struct config *)0)->data_dir) -
		    CONFIG_DIR_ROOM);
		break;
	case CONFIG_DATASET:
		fprintf(stderr, "walkind: invalid value for --%s: '%s' "
		    "(expected NAME=FILE[,private]: NAME [A-Za-z_][A-Za-z0-9_]"
		    "{0,63}, not main or temp, each NAME once, a FILE path "
		    "of at most %zu bytes, at most %d datasets)\n", o->name,
		    show, sizeof(((struct config_dataset *)0)->file) - 1,
		    BOUNDS_MAX_DATASETS);
		break;
	default:	/* numbers, and the origin's length */
		fprintf(stderr, "walkind: invalid value for --%s: '%s' "
		    "(expected %s)\n", o->name, show,
		    config_range(range, sizeof(range), o));
		break;
	}
}

/* getopt_long said '?': name what was wrong with argv[optind - 1]. */
static void
config_bad_option(char **argv, int ind)
{
	char show[CONFIG_SHOW_MAX];
	const char *arg = argv[ind - 1];
	size_t i, n, hits = 0;

	if (optopt >= CONFIG_VAL_BASE) {
		fprintf(stderr, "walkind: option --%s takes no value\n",
		    config_opts[optopt - CONFIG_VAL_BASE].name);
		return;
	}
	if (optopt != 0 || strncmp(arg, "--", 2) != 0) {
		fprintf(stderr, "walkind: unknown option -%c\n",
		    optopt > 0x20 && optopt < 0x7f ? optopt : '?');
		return;
	}
	n = strcspn(arg + 2, "=");
	for (i = 0; i < nitems(config_opts); i++)
		if (n > 0 && strncmp(config_opts[i].name, arg + 2, n) == 0)
			hits++;
	log_escape(show, sizeof(show), arg, n + 2);
	fprintf(stderr, "walkind: %s option %s\n",
	    hits > 1 ? "ambiguous" : "unknown", show);
}

/* ---- values ---- */

/*
 * Strict unsigned decimal; with `bytes`, one optional K/M/G suffix
 * (case-insensitive, powers of 1024). 0 and *out on success, else -1.
 */
static int
config_number(const char *s, int bytes, int64_t *out)
{
	long long v;
	char *end;
	int shift = 0;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	if (bytes && *end != '\0') {
		switch (*end++) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return -1;
		}
	}
	if (*end != '\0' || v > (INT64_MAX >> shift))
		return -1;
	*out = (int64_t)v * ((int64_t)1 << shift);
	return 0;
}

static int
config_set_number(struct config *cfg, const struct config_opt *o,
    const char *value)
{
	int64_t v;

	if (config_number(value, o->kind == CONFIG_BYTES, &v) == -1 ||
	    v < o->min || v > o->max)
		return -1;
	*config_i64(cfg, o) = v;
	return 0;
}

/* Host characters: a name or IPv4 address; IPv6 and %zone in brackets. */
static int
config_host_ok(const char *h, size_t n, int bracketed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = h[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')
			continue;
		if (bracketed && (c == ':' || c == '%'))
			continue;
		return 0;
	}
	return n > 0;
}

/* HOST:PORT or [IPv6]:PORT into host (hostsz bytes) and *port. */
static int
config_set_addr(char *hostbuf, size_t hostsz, int *portp, const char *v)
{
	const char *host = v, *colon, *rb;
	size_t hlen;
	int64_t port;
	int bracketed = v[0] == '[';

	if (bracketed) {
		if ((rb = strchr(v, ']')) == NULL || rb[1] != ':')
			return -1;
		host = v + 1;
		colon = rb + 1;
	} else if ((colon = strchr(v, ':')) == NULL)
		return -1;
	hlen = (size_t)((bracketed ? colon - 1 : colon) - host);
	if (hlen >= hostsz ||
	    !config_host_ok(host, hlen, bracketed) ||
	    config_number(colon + 1, 0, &port) == -1 ||
	    port < 1 || port > 65535)
		return -1;
	memcpy(hostbuf, host, hlen);
	hostbuf[hlen] = '\0';
	*portp = (int)port;
	return 0;
}

/* cors-origin, mcp-allow-origin: char[256] fields. */
static int
config_set_origin(struct config *cfg, const struct config_opt *o,
    const char *v)
{
	size_t i, n = strlen(v);

	if (n < 1 || n >= sizeof(cfg->cors_origin))
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return -1;
	memcpy((char *)cfg + o->off, v, n + 1);
	return 0;
}

/* A file name for o's field (o->max bytes at most). */
static int
config_set_path(struct config *cfg, const struct config_opt *o,
    const char *v)
{
	size_t n = strlen(v);

	if (n < (size_t)o->min || n > (size_t)o->max)
		return -1;
	memcpy((char *)cfg + o->off, v, n + 1);
	return 0;
}

/* A login name; the narrow alphabet keeps it out of any parser trouble. */
static int
config_set_user(struct config *cfg, const char *v)
{
	size_t i, n = strlen(v);

	if (n < 1 || n >= sizeof(cfg->user) || v[0] == '-')
		return -1;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-", v[i]) == NULL)
			return -1;
	memcpy(cfg->user, v, n + 1);
	cfg->user_set = 1;
	return 0;
}

/* The list is parsed again by the front end; here it is only checked,
 * so a typo stops the service at startup. */
static int
config_set_proxy(struct config *cfg, const char *v)
{
	struct proxy_trust t;

	if (proxy_trust_parse(v, &t) == -1 ||
	    strlen(v) >= sizeof(cfg->trusted_proxy))
		return -1;
	memcpy(cfg->trusted_proxy, v, strlen(v) + 1);
	return 0;
}

/*
 * --dataset NAME=FILE[,private]. The name becomes a schema name in SQL
 * and an entry of a grant (walkin_spec.h), so it is the grant's NAME,
 * and neither SQLite's own schemas nor a name already taken (SQLite
 * compares them case-insensitively). FILE is made absolute here; that
 * it exists and is a sound database is dataset.c's check at start.
 */
static int
config_set_dataset(struct config *cfg, const char *v)
{
	struct config_dataset *d;
	const char *eq = strchr(v, '='), *file;
	char cwd[PATH_MAX];
	size_t i, n, flen;
	int priv = 0, w;

	if (eq == NULL || cfg->ndatasets >= BOUNDS_MAX_DATASETS)
		return -1;
	d = &cfg->datasets[cfg->ndatasets];
	n = (size_t)(eq - v);
	if (n == 0 || n >= sizeof(d->name))
		return -1;
	memcpy(d->name, v, n);
	d->name[n] = '\0';
	if (dataset_grant_name_ok(d->name) == -1 ||
	    strcasecmp(d->name, "main") == 0 ||
	    strcasecmp(d->name, "temp") == 0)
		return -1;
	for (i = 0; i < cfg->ndatasets; i++)
		if (strcasecmp(cfg->datasets[i].name, d->name) == 0)
			return -1;
	file = eq + 1;
	flen = strlen(file);
	if (flen >= 8 && strcmp(file + flen - 8, ",private") == 0) {
		priv = 1;
		flen -= 8;
	}
	if (flen == 0)
		return -1;
	if (file[0] == '/')
		w = snprintf(d->file, sizeof(d->file), "%.*s", (int)flen, file);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	else
		w = snprintf(d->file, sizeof(d->file), "%s/%.*s", cwd,
		    (int)flen, file);
	if (w < 0 || (size_t)w >= sizeof(d->file))
		return -1;
	d->is_private = priv;
	cfg->ndatasets++;
	return 0;
}

/* Remove "//", "/./" and a trailing "/" or "/." from an absolute path. */
static void
config_clean_path(char *p)
{
	char *r = p, *w = p;

	while (*r != '\0') {
		if (r[0] == '/' && r[1] == '/') {
			r++;
			continue;
		}
		if (r[0] == '/' && r[1] == '.' &&
		    (r[2] == '/' || r[2] == '\0')) {
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	if (w > p + 1 && w[-1] == '/')
		w--;
	if (w == p)
		*w++ = '/';
	*w = '\0';
}

/*
 * Make `dir` absolute into cfg->data_dir: realpath when it exists,
 * else the working directory prefixed and the result cleaned lexically
 * (".." is kept; the kernel resolves it). 0 or -1 (message printed).
 */
static int
config_set_data_dir(struct config *cfg, const char *dir)
{
	const struct config_opt *o = config_find("data-dir");
	char path[PATH_MAX * 2], cwd[PATH_MAX], *rp;
	size_t room = sizeof(cfg->data_dir) - CONFIG_DIR_ROOM;
	int n;

	if (dir == NULL || dir[0] == '\0' || strlen(dir) >= PATH_MAX)
		goto bad;
	if ((rp = realpath(dir, NULL)) != NULL) {
		n = snprintf(path, sizeof(path), "%s", rp);
		free(rp);
	} else if (dir[0] == '/')
		n = snprintf(path, sizeof(path), "%s", dir);
	else if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fprintf(stderr, "walkind: --data-dir: getcwd: %s\n",
		    strerror(errno));
		return -1;
	} else
		n = snprintf(path, sizeof(path), "%s/%s", cwd, dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		goto bad;
	config_clean_path(path);
	if (strlen(path) > room)
		goto bad;
	memcpy(cfg->data_dir, path, strlen(path) + 1);
	return 0;
bad:
	config_bad_value(o, dir ? dir : "");
	return -1;
}

/* ---- --help and --version ---- */

static void
config_usage_default(const struct config_opt *o, const struct config *d,
    const char *default_data_dir)
{
	char range[96], def[32];

	switch (o->kind) {
	case CONFIG_INT:
	case CONFIG_BYTES:
		printf("%s; default %s", config_range(range, sizeof(range), o),
		    config_fmt(def, sizeof(def), o, *config_ci64(d, o)));
		break;
	case CONFIG_LISTEN:
		printf("default %s:%d", d->listen_host, d->listen_port);
		break;
	case CONFIG_DIR:
		printf("default %s", default_data_dir ? default_data_dir :
		    "none");
		break;
	case CONFIG_ORIGIN:
		if (((const char *)d + o->off)[0] == '\0')
			printf("%s; off by default", config_range(range,
			    sizeof(range), o));
		else
			printf("%s; default %s", config_range(range,
			    sizeof(range), o), (const char *)d + o->off);
		break;
	case CONFIG_USER:
		printf("%s; default %s", config_range(range, sizeof(range), o),
		    d->user);
		break;
	case CONFIG_NODE:
		printf("%s; default 0, other nodes' tokens not refused",
		    config_range(range, sizeof(range), o));
		break;
	case CONFIG_PROXY:
		printf("%s; none by default", config_range(range,
		    sizeof(range), o));
		break;
	case CONFIG_DATASET:
		printf("up to %d; none by default", BOUNDS_MAX_DATASETS);
		break;
	default:
		printf("off by default");
		break;
	}
}

static void
config_usage(const char *default_data_dir)
{
	struct config d;
	const struct config_opt *o;
	char lhs[64];
	size_t i;

	config_defaults(&d, default_data_dir);
	printf("usage: walkind [options]\n"
	    "Options take \"--opt VALUE\" or \"--opt=VALUE\". Byte sizes "
	    "may end in K, M or G\n(powers of 1024).\n");
	for (i = 0; i < nitems(config_opts); i++) {
		o = &config_opts[i];
		snprintf(lhs, sizeof(lhs), "--%s%s%s", o->name,
		    o->arg ? " " : "", o->arg ? o->arg : "");
		printf("  %-26s %s\n", lhs, o->help);
		if (o->kind != CONFIG_HELP && o->kind != CONFIG_VERSION) {
			printf("  %-26s (", "");
			config_usage_default(o, &d, default_data_dir);
			printf(")\n");
		}
	}
}

/* ---- the parse loop ---- */

/* Apply one option; 1 to stop with CONFIG_EXIT_OK, 0 on, -1 error. */
static int
config_apply(struct config *cfg, const struct config_opt *o,
    const char *value, const char **dir, const char *default_data_dir)
{
	int rc = 0;

	switch (o->kind) {
	case CONFIG_INT:
	case CONFIG_BYTES:
		rc = config_set_number(cfg, o, value);
		break;
	case CONFIG_LISTEN:
		rc = config_set_addr(cfg->listen_host, sizeof(cfg->listen_host),
		    &cfg->listen_port, value);
		break;
	case CONFIG_METRICS:
		rc = config_set_addr(cfg->metrics_host,
		    sizeof(cfg->metrics_host), &cfg->metrics_port, value);
		break;
	case CONFIG_ORIGIN:
		rc = config_set_origin(cfg, o, value);
		break;
	case CONFIG_USER:
		rc = config_set_user(cfg, value);
		break;
	case CONFIG_NODE:
		rc = config_set_number(cfg, o, value);
		cfg->node_id_set = rc == 0;
		break;
	case CONFIG_PROXY:
		rc = config_set_proxy(cfg, value);
		break;
	case CONFIG_PATH:
		rc = config_set_path(cfg, o, value);
		break;
	case CONFIG_DATASET:
		rc = config_set_dataset(cfg, value);
		break;
	case CONFIG_DIR:
		*dir = value;	/* resolved once all options are read */
		return 0;
	case CONFIG_FLAG:
		*(int *)(void *)((char *)cfg + o->off) = 1;
		return 0;
	case CONFIG_HELP:
		config_usage(default_data_dir);
		return 1;
	case CONFIG_VERSION:
		printf("walkind %s\n", WALKIND_VERSION);
		return 1;
	}
	if (rc == -1)
		config_bad_value(o, value);
	return rc;
}

static void
config_longopts(struct option *lo)
{
	size_t i;

	for (i = 0; i < nitems(config_opts); i++) {
		lo[i].name = config_opts[i].name;
		lo[i].has_arg = config_opts[i].arg ? required_argument :
		    no_argument;
		lo[i].flag = NULL;
		lo[i].val = CONFIG_VAL_BASE + (int)i;
	}
	memset(&lo[i], 0, sizeof(lo[i]));
}

/* Map getopt_long's answer to a table entry, or NULL after a message. */
static const struct config_opt *
config_which(int ch, char **argv)
{
	if (ch >= CONFIG_VAL_BASE)
		return &config_opts[ch - CONFIG_VAL_BASE];
	if (ch == 'v')
		return config_find("verbose");
	if (ch == 'h')
		return config_find("help");
	if (ch == ':' && optopt >= CONFIG_VAL_BASE)
		fprintf(stderr, "walkind: missing value for --%s\n",
		    config_opts[optopt - CONFIG_VAL_BASE].name);
	else
		config_bad_option(argv, optind);
	return NULL;
}

/* The --jwt-* options and --require-jwt need a key to mean anything. */
static int
config_jwt_check(const struct config *cfg)
{
	if (cfg->jwt_hs256_secret[0] != '\0' || cfg->jwt_ed25519_key[0] != '\0')
		return 0;
	if (!cfg->require_jwt && cfg->jwt_issuer[0] == '\0' &&
	    cfg->jwt_audience[0] == '\0')
		return 0;
	fprintf(stderr, "walkind: --require-jwt, --jwt-issuer and "
	    "--jwt-audience need --jwt-hs256-secret or "
	    "--jwt-ed25519-public-key\n");
	return -1;
}

enum config_result
config_parse(struct config *cfg, int argc, char **argv,
    const char *default_data_dir)
{
	struct option lo[nitems(config_opts) + 1];
	const struct config_opt *o;
	const char *dir = default_data_dir;
	int ch, rc;

	config_defaults(cfg, default_data_dir);
	config_longopts(lo);
	opterr = 0;
	optind = 0;	/* glibc: full reset, so tests may parse again */
	/* '+': stop at the first non-option; ':': report missing values */
	while ((ch = getopt_long(argc, argv, "+:hv", lo, NULL)) != -1) {
		if ((o = config_which(ch, argv)) == NULL)
			return CONFIG_ERROR;
		rc = config_apply(cfg, o, optarg, &dir, default_data_dir);
		if (rc != 0)
			return rc > 0 ? CONFIG_EXIT_OK : CONFIG_ERROR;
	}
	if (optind < argc) {
		char show[CONFIG_SHOW_MAX];

		log_escape(show, sizeof(show), argv[optind],
		    strlen(argv[optind]));
		fprintf(stderr, "walkind: unexpected argument '%s'\n", show);
		return CONFIG_ERROR;
	}
	if (config_set_data_dir(cfg, dir) == -1 || config_jwt_check(cfg) == -1)
		return CONFIG_ERROR;
	/* Metrics are for the operator's scraper only: on the public port
	 * they would be one more thing every caller can read. */
	if (cfg->metrics_port != 0 && cfg->metrics_port == cfg->listen_port) {
		fprintf(stderr, "walkind: --metrics-listen must not use "
		    "--listen's port %d\n", cfg->listen_port);
		return CONFIG_ERROR;
	}
	return CONFIG_OK;
}
