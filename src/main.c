/*
 * main.c: startup order (see README "Processes").
 *
 *  1. parse the command line; any bad value stops here
 *  2. create DATA/{instances,logs,secrets} (0700)
 *  3. fork the spawner: before any thread, key or large allocation
 *  4. load or create the token keys (front end only)
 *  5. bind the listening socket (before any lockdown: bind needs it)
 *  6. lock down the front end (sandbox_enter)
 *  7. run the event loop
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accesslog.h"
#include "bounds.h"
#include "config.h"
#include "frontend.h"
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

	snprintf(path, sizeof(path), "%s%s%s", base, sub[0] ? "/" : "", sub);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		fatal("cannot create %s", path);
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
	make_dir(data, "logs");
	make_dir(data, "secrets");
}

/* Client connections need fds: take the hard NOFILE limit. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
listen_socket(const struct config *cfg)
{
	struct addrinfo hints, *res, *ai;
	char port[8];
	int fd = -1, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(port, sizeof(port), "%d", cfg->listen_port);
	if ((rc = getaddrinfo(cfg->listen_host, port, &hints, &res)) != 0)
		fatalx("--listen %s: %s", cfg->listen_host, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 1024) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		fatal("cannot listen on %s:%d", cfg->listen_host,
		    cfg->listen_port);
	return fd;
}

int
main(int argc, char **argv)
{
	static struct config cfg;
	struct sandbox_params sp = { &cfg, NULL };
	char path[4200], err[256];
	int spawner_fd, listen_fd;
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
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	tzset();
	make_data_dirs(cfg.data_dir);
	spawner_fd = spawner_start(&cfg, &spawner_pid);
	log_init("frontend", cfg.verbose);
	snprintf(path, sizeof(path), "%s/secrets", cfg.data_dir);
	if (token_keys_load(path, (int64_t)time(NULL), err, sizeof(err)) == -1)
		fatalx("token keys: %s", err);
	snprintf(path, sizeof(path), "%s/logs", cfg.data_dir);
	if (accesslog_open(path) == -1)
		fatal("access log %s", path);
	listen_fd = listen_socket(&cfg);
	registry_init();
	if (sandbox_prepare(SANDBOX_FRONTEND, &sp) == -1)
		fatalx("front end sandbox");
	sandbox_enter(SANDBOX_FRONTEND);
	return frontend_run(&cfg, listen_fd, spawner_fd, (int)spawner_pid);
}
