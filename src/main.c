/*
 * main.c: startup order (see README "Processes").
 *
 *  1. parse the command line; any bad value stops here (--dump-policy
 *     prints the jail of every process and stops here too)
 *  2. check the kernel has Landlock and seccomp (or --insecure-no-sandbox);
 *     fit the connection cap to RLIMIT_NOFILE (or refuse to start)
 *  3. create DATA/{instances,warm,logs,secrets} (0700)
 *  4. bind the listening socket, or take it from the service manager
 *     (listen.h), the metrics socket if asked, and open the JWT key
 *     files (jwt.h): before dropping root, so a port below 1024 and
 *     root-only key files work
 *  5. started as root: chown DATA to --user and become that user, for
 *     every process from here on
 *  5b. check every --dataset file as that user and record its identity
 *     (dataset.h): a missing or unsound one stops here, with one line
 *  6. fork the spawner: before any thread, key or large allocation
 *  7. load or create the token keys and read the JWT key files opened
 *     in step 4 (front end only: the spawner closed them), open the log
 *     dir
 *  8. restore live walk-ins from DATA/instances (frontend_init): the last
 *     time the front end reads anything there
 *  9. lock down the front end (sandbox_prepare, sandbox_enter)
 * 10. run the event loop
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accesslog.h"
#include "bounds.h"
#include "config.h"
#include "dataset.h"
#include "frontend.h"
#include "http.h"
#include "jwt.h"
#include "listen.h"
#include "log.h"
#include "registry.h"
#include "sandbox.h"
#include "spawner.h"
#include "token.h"

#define DEFAULT_DATA_DIR "var/data"

static void
make_dir(const char *base, const char *sub)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s%s", base, sub[0] ? "/" : "", sub);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		fatal("cannot create %s", path);
	/* A file in its place would otherwise read as "not writable". */
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		fatalx("data directory %s is not a directory", path);
	if (access(path, W_OK | X_OK) == -1)
		fatal("data directory %s is not writable", path);
}

static void
make_data_dirs(const char *data)
{
	char parent[4200], *p;

	/* mkdir -p for the data dir itself. */
	snprintf(parent, sizeof(parent), "%s", data);
	for (p = parent + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(parent, 0755) == -1 && errno != EEXIST)
			fatal("cannot create %s", parent);
		*p = '/';
	}
	make_dir(data, "");
	make_dir(data, "instances");
	make_dir(data, "warm");		/* spawner.c: spare dirs */
	make_dir(data, "logs");
	make_dir(data, "secrets");
}

/*
 * The front end's descriptors: one per client connection, two per
 * executor (its socket and pidfd), BOUNDS_FE_FD_SLACK for the rest. Take
 * the hard NOFILE limit; if that cannot hold BOUNDS_HTTP_MAX_CONNS
 * connections, serve fewer (said once here) rather than meet EMFILE
 * under load, and refuse to start if not even BOUNDS_HTTP_MIN_CONNS fit.
 */
static void
nofile_budget(const struct config *cfg)
{
	unsigned long long fixed, cur;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit NOFILE");
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	cur = (unsigned long long)rl.rlim_cur;
	fixed = 2ULL * (unsigned long long)cfg->pool_size + BOUNDS_FE_FD_SLACK;
	if (rl.rlim_cur == RLIM_INFINITY ||
	    cur >= fixed + BOUNDS_HTTP_MAX_CONNS)
		return;
	if (cur < fixed + BOUNDS_HTTP_MIN_CONNS)
		fatalx("NOFILE limit %llu is too low: --pool-size %lld and %d "
		    "connections need %llu descriptors (raise LimitNOFILE or "
		    "ulimit -n, or lower --pool-size)", cur,
		    (long long)cfg->pool_size, BOUNDS_HTTP_MIN_CONNS,
		    fixed + BOUNDS_HTTP_MIN_CONNS);
	log_warnx("NOFILE limit %llu: at most %llu client connections, not %d "
	    "(%llu descriptors would allow all)", cur, cur - fixed,
	    BOUNDS_HTTP_MAX_CONNS, fixed + BOUNDS_HTTP_MAX_CONNS);
	http_set_max_conns((size_t)(cur - fixed));
}

/* The JWT keys and the policy jwt_verify applies (jwt.h). Rate maxima
 * of 0 are the node's own rates. */
static void
jwt_setup(const struct config *cfg)
{
	struct jwt_policy p;
	char err[512];

	if (jwt_read(err, sizeof(err)) == -1)
		fatalx("jwt keys: %s", err);
	memset(&p, 0, sizeof(p));
	snprintf(p.issuer, sizeof(p.issuer), "%s", cfg->jwt_issuer);
	snprintf(p.audience, sizeof(p.audience), "%s", cfg->jwt_audience);
	p.max_ttl_s = cfg->jwt_max_ttl_s;
	p.max_db_bytes = cfg->jwt_max_db_bytes;
	p.max_rate_requests = cfg->jwt_max_rate_requests ?
	    cfg->jwt_max_rate_requests : cfg->rate_requests;
	p.max_rate_creates = cfg->jwt_max_rate_creates ?
	    cfg->jwt_max_rate_creates : cfg->rate_creates;
	jwt_set_policy(&p);
	if (jwt_enabled())
		log_info("JWT identities: %s%s%s%s", cfg->jwt_hs256_secret[0] ?
		    "HS256" : "", cfg->jwt_hs256_secret[0] &&
		    cfg->jwt_ed25519_key[0] ? " and " : "",
		    cfg->jwt_ed25519_key[0] ? "EdDSA" : "",
		    cfg->require_jwt ? ", required for new walk-ins" : "");
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	struct sandbox_params sp = { &cfg, NULL, -1 };
	char path[4200], err[1400];
	int spawner_fd, listen_fd, metrics_fd;
	pid_t spawner_pid;

	switch (config_parse(&cfg, argc, argv, DEFAULT_DATA_DIR)) {
	case CONFIG_EXIT_OK:
		return 0;
	case CONFIG_ERROR:
		return 2;
	case CONFIG_OK:
		break;
	}
	log_init("main", cfg.verbose);
	if (cfg.dump_policy) {
		sandbox_dump_policy(stdout, &cfg);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	/* SIGHUP is the front end's (it reopens the access log, frontend.c);
	 * one sent to the whole service (systemctl kill, a closing terminal)
	 * must not kill the spawner or an executor, which inherit this. */
	signal(SIGHUP, SIG_IGN);
	/* A log file past LimitFSIZE must fail a write (EFBIG), not kill
	 * the front end; executors ignore it too (rlimit.c). */
	signal(SIGXFSZ, SIG_IGN);
	sandbox_check(&cfg);
	nofile_budget(&cfg);
	tzset();
	make_data_dirs(cfg.data_dir);
	listen_fd = listen_open(&cfg);
	metrics_fd = listen_open_metrics(&cfg);
	if (jwt_open(cfg.jwt_hs256_secret, cfg.jwt_ed25519_key, err,
	    sizeof(err)) == -1)
		fatalx("jwt keys: %s", err);
	sandbox_drop_root(&cfg);
	make_data_dirs(cfg.data_dir);	/* again, as the service user */
	if (dataset_load(&cfg, err, sizeof(err)) == -1)
		fatalx("%s", err);
	spawner_fd = spawner_start(&cfg, &spawner_pid);
	log_init("frontend", cfg.verbose);
	snprintf(path, sizeof(path), "%s/secrets", cfg.data_dir);
	if (token_keys_load(path, (int64_t)time(NULL), err, sizeof(err)) == -1)
		fatalx("token keys: %s", err);
	jwt_setup(&cfg);
	snprintf(path, sizeof(path), "%s/logs", cfg.data_dir);
	if (accesslog_open(path) == -1)
		fatal("access log %s", path);
	registry_init();
	frontend_init(&cfg, listen_fd, metrics_fd, spawner_fd,
	    (int)spawner_pid);
	if (sandbox_prepare(SANDBOX_FRONTEND, &sp) == -1)
		fatalx("front end sandbox");
	sandbox_enter(SANDBOX_FRONTEND);
	return frontend_run();
}
