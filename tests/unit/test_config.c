/*
 * test_config.c: the command line. Every option in both spellings, every
 * range boundary on both sides, junk values, the one-line errors and
 * --help/--version. stdout and stderr are captured around each parse, so
 * the tests can check what the operator would see.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "config.h"
#include "unit.h"

#define DEF_DIR		"var/data"
#define END		((const char *)NULL)	/* ends parse()'s arguments */
#define MAXARGS		16

static char	cap_out[16384];		/* stdout of the last parse */
static char	cap_err[4096];		/* stderr of the last parse */

struct capture {
	FILE	*tmp;
	int	 fd;
	int	 saved;
};

static void
capture_begin(struct capture *c, int fd)
{
	fflush(NULL);
	c->fd = fd;
	if ((c->tmp = tmpfile()) == NULL || (c->saved = dup(fd)) == -1 ||
	    dup2(fileno(c->tmp), fd) == -1) {
		perror("capture");
		exit(1);
	}
}

static void
capture_end(struct capture *c, char *buf, size_t len)
{
	size_t n;

	fflush(NULL);
	dup2(c->saved, c->fd);
	close(c->saved);
	rewind(c->tmp);
	n = fread(buf, 1, len - 1, c->tmp);
	buf[n] = '\0';
	fclose(c->tmp);
}

/* Parse "walkind" followed by the arguments up to END. */
static enum config_result
parse(struct config *cfg, ...)
{
	char *argv[MAXARGS + 2];
	struct capture out, err;
	enum config_result r;
	const char *a;
	va_list ap;
	int argc = 0, i;

	argv[argc++] = strdup("walkind");
	va_start(ap, cfg);
	while ((a = va_arg(ap, const char *)) != NULL && argc <= MAXARGS)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	capture_begin(&out, STDOUT_FILENO);
	capture_begin(&err, STDERR_FILENO);
	r = config_parse(cfg, argc, argv, DEF_DIR);
	capture_end(&err, cap_err, sizeof(cap_err));
	capture_end(&out, cap_out, sizeof(cap_out));
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return r;
}

/* The last parse failed with exactly one line on stderr, none on stdout. */
static int
one_error_line(void)
{
	const char *nl = strchr(cap_err, '\n');

	return strncmp(cap_err, "walkind: ", 9) == 0 && nl != NULL &&
	    nl[1] == '\0' && cap_out[0] == '\0';
}

/* A numeric option, its field, and the range the help promises. */
struct num_opt {
	const char	*name;		/* with "--" */
	size_t		 off;
	int64_t		 min;
	int64_t		 max;
};

#define F(f)	offsetof(struct config, f)

static const struct num_opt num_opts[] = {
	{ "--ttl", F(ttl_s), 1, 86400 },
	{ "--max-db-bytes", F(max_db_bytes), 65536, 1073741824 },
	{ "--max-body-bytes", F(max_body_bytes), 64, 1048576 },
	{ "--query-timeout-ms", F(query_timeout_ms), 10, 600000 },
	{ "--max-rows", F(max_rows), 1, 1000000 },
	{ "--max-result-bytes", F(max_result_bytes), 1024, 67108864 },
	{ "--rate-requests", F(rate_requests), 0, 1000000 },
	{ "--rate-creates", F(rate_creates), 0, 1000000 },
	{ "--max-instances-per-ip", F(max_instances_per_ip), 0, 1000000 },
	{ "--max-instances", F(max_instances), 1, 10000000 },
	{ "--pool-size", F(pool_size), 1, 10000 },
	{ "--idle-timeout-ms", F(idle_timeout_ms), 10, 3600000 },
	{ "--max-memory", F(max_memory), 33554432, 68719476736LL },
	{ "--threads", F(threads), 0, BOUNDS_MAX_THREADS },
	{ "--node-id", F(node_id), 0, 255 },
};

#define NNUM	(sizeof(num_opts) / sizeof(num_opts[0]))

static int64_t
field(const struct config *cfg, const struct num_opt *o)
{
	int64_t v;

	memcpy(&v, (const char *)cfg + o->off, sizeof(v));
	return v;
}

/* Parse one value in the "--opt value" form; -1 on CONFIG_ERROR. */
static int
parse_num(struct config *cfg, const struct num_opt *o, int64_t v,
    int64_t *got)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", (long long)v);
	if (parse(cfg, o->name, s, END) != CONFIG_OK)
		return -1;
	*got = field(cfg, o);
	return 0;
}

static void
test_defaults(void)
{
	struct config c;
	char cwd[PATH_MAX], want[PATH_MAX + 16];

	config_defaults(&c, "d");
	CHECK_STR(c.listen_host, "127.0.0.1");
	CHECK_INT(c.listen_port, 8080);
	CHECK_STR(c.data_dir, "d");
	CHECK_INT(c.ttl_s, 600);
	CHECK_INT(c.max_db_bytes, 10485760);
	CHECK_INT(c.max_body_bytes, 8192);
	CHECK_INT(c.query_timeout_ms, 2000);
	CHECK_INT(c.max_rows, 10000);
	CHECK_INT(c.max_result_bytes, 1048576);
	CHECK_INT(c.rate_requests, 60);
	CHECK_INT(c.rate_creates, 10);
	CHECK_INT(c.max_instances_per_ip, BOUNDS_DEF_MAX_INST_PER_IP);
	CHECK_INT(c.max_instances, BOUNDS_DEF_MAX_INSTANCES);
	CHECK_INT(c.pool_size, BOUNDS_DEF_POOL_SIZE);
	CHECK_INT(c.idle_timeout_ms, BOUNDS_DEF_IDLE_TIMEOUT_MS);
	CHECK_INT(c.max_memory, BOUNDS_DEF_MAX_MEMORY);
	CHECK_INT(c.threads, 0);
	CHECK_STR(c.cors_origin, "*");
	CHECK_INT(c.insecure_no_sandbox, 0);
	CHECK_INT(c.verbose, 0);

	/* No arguments: the defaults, with the default dir made absolute. */
	CHECK_INT(parse(&c, END), CONFIG_OK);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(want, sizeof(want), "%s/%s", cwd, DEF_DIR);
	CHECK_STR(c.data_dir, want);
	CHECK_INT(c.ttl_s, 600);
	CHECK_STR(cap_err, "");
}

/* Every numeric option in "--opt V" and "--opt=V" form. */
static void
test_both_forms(void)
{
	struct config c;
	char eq[64], val[32];
	size_t i;

	for (i = 0; i < NNUM; i++) {
		const struct num_opt *o = &num_opts[i];
		int64_t v = o->min + (o->max - o->min) / 2;

		snprintf(val, sizeof(val), "%lld", (long long)v);
		CHECK_INT(parse(&c, o->name, val, END), CONFIG_OK);
		CHECK_INT(field(&c, o), v);
		snprintf(eq, sizeof(eq), "%s=%lld", o->name, (long long)v);
		CHECK_INT(parse(&c, eq, END), CONFIG_OK);
		CHECK_INT(field(&c, o), v);
	}
	CHECK_INT(parse(&c, "--listen", "0.0.0.0:9000", "--cors-origin",
	    "https://example.com", "--data-dir", "/srv/w", END), CONFIG_OK);
	CHECK_STR(c.listen_host, "0.0.0.0");
	CHECK_INT(c.listen_port, 9000);
	CHECK_STR(c.cors_origin, "https://example.com");
	CHECK_STR(c.data_dir, "/srv/w");
	CHECK_INT(parse(&c, "--listen=[::1]:8081", "--cors-origin=*",
	    "--data-dir=/srv/x", END), CONFIG_OK);
	CHECK_STR(c.listen_host, "::1");
	CHECK_INT(c.listen_port, 8081);
	CHECK_STR(c.data_dir, "/srv/x");
}

/* min and max accepted, one past either side rejected, for every option. */
static void
test_boundaries(void)
{
	struct config c;
	int64_t got = -7;
	size_t i;

	for (i = 0; i < NNUM; i++) {
		const struct num_opt *o = &num_opts[i];

		CHECK_INT(parse_num(&c, o, o->min, &got), 0);
		CHECK_INT(got, o->min);
		CHECK_INT(parse_num(&c, o, o->max, &got), 0);
		CHECK_INT(got, o->max);
		CHECK_INT(parse_num(&c, o, o->max + 1, &got), -1);
		CHECK(one_error_line());
		CHECK(strstr(cap_err, o->name) != NULL);
		if (o->min > 0) {
			CHECK_INT(parse_num(&c, o, o->min - 1, &got), -1);
			CHECK(one_error_line());
		}
	}
}

static void
test_junk(void)
{
	static const char *const junk[] = {
		"12x", "", "-1", "+1", " 1", "1 ", "99999999999999999999",
		"1.0", "0x10", "1e3", "abc", "9223372036854775808", "--1",
	};
	struct config c;
	size_t i, j;

	for (i = 0; i < NNUM; i++)
		for (j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
			CHECK_INT(parse(&c, num_opts[i].name, junk[j], END),
			    CONFIG_ERROR);
			CHECK(one_error_line());
		}
	/* The operator sees exactly this line. */
	CHECK_INT(parse(&c, "--ttl", "abc", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: invalid value for --ttl: 'abc' "
	    "(expected 1..86400 seconds)\n");
	/* Control bytes in a bad value are not echoed raw. */
	CHECK_INT(parse(&c, "--ttl", "1\x1b[2J", END), CONFIG_ERROR);
	CHECK(strchr(cap_err, '\x1b') == NULL);
}

static void
test_byte_suffixes(void)
{
	struct config c;

	CHECK_INT(parse(&c, "--max-db-bytes", "64K", END), CONFIG_OK);
	CHECK_INT(c.max_db_bytes, 65536);
	CHECK_INT(parse(&c, "--max-db-bytes=1g", END), CONFIG_OK);
	CHECK_INT(c.max_db_bytes, 1073741824);
	CHECK_INT(parse(&c, "--max-memory", "2G", "--max-body-bytes", "1M",
	    "--max-result-bytes", "3m", END), CONFIG_OK);
	CHECK_INT(c.max_memory, 2147483648LL);
	CHECK_INT(c.max_body_bytes, 1048576);
	CHECK_INT(c.max_result_bytes, 3145728);
	CHECK_INT(parse(&c, "--max-db-bytes", "63K", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: invalid value for --max-db-bytes: '63K' "
	    "(expected 64K..1G bytes)\n");
	CHECK_INT(parse(&c, "--max-db-bytes", "2G", END), CONFIG_ERROR);
	CHECK_INT(parse(&c, "--max-db-bytes", "1T", END), CONFIG_ERROR);
	CHECK_INT(parse(&c, "--max-db-bytes", "K", END), CONFIG_ERROR);
	CHECK_INT(parse(&c, "--max-db-bytes", "1KK", END), CONFIG_ERROR);
	CHECK_INT(parse(&c, "--max-db-bytes", "1 K", END), CONFIG_ERROR);
	CHECK_INT(parse(&c, "--max-memory", "9223372036854775807G", END),
	    CONFIG_ERROR);
	/* Counts and times take no suffix. */
	CHECK_INT(parse(&c, "--ttl", "1K", END), CONFIG_ERROR);
	CHECK_INT(parse(&c, "--max-rows", "1K", END), CONFIG_ERROR);
}

static void
test_listen(void)
{
	static const char *const bad[] = {
		"", ":80", "host", "host:", "host:0", "host:65536", "::1:80",
		"[::1]80", "[::1]", "[::1]:", "a b:80", "h:80x", "[]:80",
		"h:-1", "h:+80", "h/x:80", "[::1:80", "h:80:90",
	};
	struct config c;
	char host[300];
	size_t i;

	CHECK_INT(parse(&c, "--listen", "localhost:1", END), CONFIG_OK);
	CHECK_STR(c.listen_host, "localhost");
	CHECK_INT(c.listen_port, 1);
	CHECK_INT(parse(&c, "--listen", "[fe80::1%eth0]:65535", END),
	    CONFIG_OK);
	CHECK_STR(c.listen_host, "fe80::1%eth0");
	CHECK_INT(c.listen_port, 65535);
	CHECK_INT(parse(&c, "--listen", "[::]:80", END), CONFIG_OK);
	CHECK_STR(c.listen_host, "::");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(parse(&c, "--listen", bad[i], END), CONFIG_ERROR);
		CHECK(one_error_line());
		CHECK(strstr(cap_err, "--listen") != NULL);
	}
	memset(host, 'a', 255);
	memcpy(host + 255, ":80", 4);
	CHECK_INT(parse(&c, "--listen", host, END), CONFIG_OK);
	CHECK_INT(strlen(c.listen_host), 255);
	memset(host, 'a', 256);
	memcpy(host + 256, ":80", 4);
	CHECK_INT(parse(&c, "--listen", host, END), CONFIG_ERROR);
}

static void
test_data_dir(void)
{
	struct config c;
	char cwd[PATH_MAX], want[PATH_MAX + 64], *rp, big[5000];

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	/* relative and absent: the working directory prefixed */
	CHECK_INT(parse(&c, "--data-dir", "no-such-dir/./x//y/", END),
	    CONFIG_OK);
	snprintf(want, sizeof(want), "%s/no-such-dir/x/y", cwd);
	CHECK_STR(c.data_dir, want);
	CHECK(c.data_dir[0] == '/');
	/* existing: canonical */
	CHECK_INT(parse(&c, "--data-dir=.", END), CONFIG_OK);
	rp = realpath(".", NULL);
	CHECK_STR(c.data_dir, rp);
	free(rp);
	CHECK_INT(parse(&c, "--data-dir", "/no-such-walkind//a/./b/.",
	    END), CONFIG_OK);
	CHECK_STR(c.data_dir, "/no-such-walkind/a/b");
	CHECK_INT(parse(&c, "--data-dir", "/", END), CONFIG_OK);
	CHECK_STR(c.data_dir, "/");
	CHECK_INT(parse(&c, "--data-dir", "", END), CONFIG_ERROR);
	CHECK(one_error_line());
	memset(big, 'd', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(parse(&c, "--data-dir", big, END), CONFIG_ERROR);
	CHECK(one_error_line());
	big[3841] = '\0';		/* 3841 bytes: over the 3840 limit */
	CHECK_INT(parse(&c, "--data-dir", big, END), CONFIG_ERROR);
	big[3840] = '\0';
	CHECK_INT(parse(&c, "--data-dir", big, END), CONFIG_OK);
	/* the last --data-dir wins */
	CHECK_INT(parse(&c, "--data-dir", "/a", "--data-dir", "/b", END),
	    CONFIG_OK);
	CHECK_STR(c.data_dir, "/b");
}

static void
test_cors(void)
{
	static const char *const bad[] = {
		"", "a\rb", "a\nb", "*\r\nSet-Cookie: x=1", "a b", "\t",
		"a\x7f", "\xc3\xa9",
	};
	struct config c;
	char big[300];
	size_t i;

	CHECK_INT(parse(&c, "--cors-origin", "https://a.example:8443", END),
	    CONFIG_OK);
	CHECK_STR(c.cors_origin, "https://a.example:8443");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(parse(&c, "--cors-origin", bad[i], END),
		    CONFIG_ERROR);
		CHECK(one_error_line());
	}
	memset(big, 'o', 255);
	big[255] = '\0';
	CHECK_INT(parse(&c, "--cors-origin", big, END), CONFIG_OK);
	CHECK_INT(strlen(c.cors_origin), 255);
	big[255] = 'o';
	big[256] = '\0';
	CHECK_INT(parse(&c, "--cors-origin", big, END), CONFIG_ERROR);
}

static void
test_flags(void)
{
	struct config c;

	CHECK_INT(parse(&c, "--insecure-no-sandbox", "-v", END), CONFIG_OK);
	CHECK_INT(c.insecure_no_sandbox, 1);
	CHECK_INT(c.verbose, 1);
	CHECK_INT(parse(&c, "--verbose", END), CONFIG_OK);
	CHECK_INT(c.verbose, 1);
	CHECK_INT(c.insecure_no_sandbox, 0);
	CHECK_INT(parse(&c, "--verbose=1", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: option --verbose takes no value\n");
}

static void
test_errors(void)
{
	struct config c;

	CHECK_INT(parse(&c, "--foo", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: unknown option --foo\n");
	CHECK_INT(parse(&c, "--foo=bar", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: unknown option --foo\n");
	CHECK_INT(parse(&c, "-x", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: unknown option -x\n");
	CHECK_INT(parse(&c, "--max", "5", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: ambiguous option --max\n");
	CHECK_INT(parse(&c, "--ttl", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: missing value for --ttl\n");
	CHECK_INT(parse(&c, "--ttl", "5", "--listen", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: missing value for --listen\n");
	CHECK_INT(parse(&c, "stray", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: unexpected argument 'stray'\n");
	CHECK_INT(parse(&c, "--ttl", "5", "stray", "--max-rows", "5", END),
	    CONFIG_ERROR);
	CHECK(one_error_line());
	CHECK_INT(parse(&c, "--", "--ttl", END), CONFIG_ERROR);
	CHECK(one_error_line());
	CHECK_INT(parse(&c, "-", END), CONFIG_ERROR);
	CHECK(one_error_line());
	/* Parsing again after an error starts from a clean state. */
	CHECK_INT(parse(&c, "--ttl", "7", END), CONFIG_OK);
	CHECK_INT(c.ttl_s, 7);
	CHECK_INT(c.max_rows, BOUNDS_DEF_MAX_ROWS);
	CHECK_INT(parse(&c, "--ttl", "7", "--ttl", "8", END), CONFIG_OK);
	CHECK_INT(c.ttl_s, 8);
}

static void
test_help_version(void)
{
	static const char *const names[] = {
		"--listen", "--data-dir", "--ttl", "--max-db-bytes",
		"--max-body-bytes", "--query-timeout-ms", "--max-rows",
		"--max-result-bytes", "--rate-requests", "--rate-creates",
		"--max-instances-per-ip", "--max-instances", "--pool-size",
		"--idle-timeout-ms", "--max-memory", "--threads",
		"--cors-origin", "--insecure-no-sandbox", "--verbose",
		"--version", "--help", "--node-id", "--trusted-proxy",
	};
	struct config c;
	size_t i;

	CHECK_INT(parse(&c, "--help", END), CONFIG_EXIT_OK);
	CHECK_STR(cap_err, "");
	CHECK(strncmp(cap_out, "usage: walkind", 14) == 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(strstr(cap_out, names[i]) != NULL);
	CHECK(strstr(cap_out, "default 127.0.0.1:8080") != NULL);
	CHECK(strstr(cap_out, "1..86400 seconds; default 600") != NULL);
	CHECK(strstr(cap_out, "default " DEF_DIR) != NULL);
	CHECK_INT(parse(&c, "-h", END), CONFIG_EXIT_OK);
	CHECK(strncmp(cap_out, "usage: walkind", 14) == 0);
	CHECK_INT(parse(&c, "--version", END), CONFIG_EXIT_OK);
	CHECK_STR(cap_out, "walkind 0.1.0\n");
	CHECK_STR(cap_out, "walkind " WALKIND_VERSION "\n");
	CHECK_INT(parse(&c, "--ttl", "5", "--version", END), CONFIG_EXIT_OK);
}

/* --node-id is remembered as given; --trusted-proxy is checked whole. */
static void
test_nodes(void)
{
	struct config c;

	CHECK_INT(parse(&c, END), CONFIG_OK);
	CHECK_INT(c.node_id, 0);
	CHECK_INT(c.node_id_set, 0);
	CHECK_STR(c.trusted_proxy, "");
	CHECK_INT(parse(&c, "--node-id", "0", END), CONFIG_OK);
	CHECK_INT(c.node_id_set, 1);
	CHECK_INT(parse(&c, "--node-id=7", "--trusted-proxy",
	    "127.0.0.1,10.0.0.0/8,::1", END), CONFIG_OK);
	CHECK_INT(c.node_id, 7);
	CHECK_STR(c.trusted_proxy, "127.0.0.1,10.0.0.0/8,::1");
	CHECK_INT(parse(&c, "--node-id", "256", END), CONFIG_ERROR);
	CHECK_STR(cap_err, "walkind: invalid value for --node-id: '256' "
	    "(expected 0..255)\n");
	CHECK_INT(parse(&c, "--trusted-proxy", "proxy.example", END),
	    CONFIG_ERROR);
	CHECK(one_error_line());
	CHECK(strstr(cap_err, "--trusted-proxy") != NULL);
	CHECK_INT(parse(&c, "--trusted-proxy", "10.0.0.1/8", END),
	    CONFIG_ERROR);
	CHECK_INT(parse(&c, "--trusted-proxy", "", END), CONFIG_ERROR);
	CHECK_INT(parse(&c, "--trusted-proxy", "127.0.0.1,", END),
	    CONFIG_ERROR);
}

UNIT_MAIN(test_defaults, test_both_forms, test_boundaries, test_junk,
    test_byte_suffixes, test_listen, test_data_dir, test_cors, test_flags,
    test_errors, test_help_version, test_nodes)
