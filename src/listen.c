/*
 * listen.c: the front end's listening socket (listen.h).
 *
 * Two sources, decided once at startup, before the sandbox:
 *
 *  - Socket activation, systemd's sd_listen_fds(3) protocol without
 *    libsystemd: when LISTEN_PID is our pid, the service manager bound
 *    the socket (deploy/walkind.socket) and passed it as fd 3. This is
 *    what lets deploy/walkind.service run with PrivateNetwork=yes and
 *    RestrictAddressFamilies=AF_UNIX: accept(2) needs neither a network
 *    namespace with the address nor socket(AF_INET). Exactly one socket
 *    is accepted and it must be a listening IPv4/IPv6 stream socket, since
 *    the per-IP limits need the peer's IP; anything else is a deployment
 *    mistake and stops startup with one line.
 *  - Otherwise --listen is resolved and bound here.
 *
 * The metrics listener (--metrics-listen) is always bound here, socket
 * activation or not: it is a second, operator-only socket that the
 * public one never serves.
 *
 * A LISTEN_PID that is not ours means the variables were meant for
 * another process (an ancestor's leftovers) and fd 3 is not ours to take.
 * Honoured variables are removed from the environment, as sd_listen_fds
 * does, so they describe no fd to anyone later.
 */
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bounds.h"
#include "config.h"
#include "listen.h"
#include "log.h"

#define LISTEN_FD_START	3	/* SD_LISTEN_FDS_START: first passed fd */

/* 1 if LISTEN_PID names this process (in canonical decimal). */
static int
listen_activated(void)
{
	const char *v = getenv("LISTEN_PID");
	char me[32];

	if (v == NULL)
		return 0;
	snprintf(me, sizeof(me), "%ld", (long)getpid());
	return strcmp(v, me) == 0;
}

static int
listen_sockopt(int fd, int level, int name)
{
	socklen_t len;
	int v;

	len = sizeof(v);
	if (getsockopt(fd, level, name, &v, &len) == -1)
		return -1;
	return v;
}

/* Log the bound address: the one place it is logged. */
static void
listen_log_addr(int fd, const char *how)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(host, sizeof(host), "?");
		snprintf(serv, sizeof(serv), "?");
	}
	log_info("listening on %s port %s%s", host, serv, how);
}

/* Check and take fd 3 from the service manager. */
static int
listen_take_passed(void)
{
	const char *n = getenv("LISTEN_FDS");
	char esc[40];
	int fd = LISTEN_FD_START, fl, dom;

	if (n == NULL || strcmp(n, "1") != 0) {
		log_escape(esc, sizeof(esc), n ? n : "(unset)",
		    strlen(n ? n : "(unset)"));
		fatalx("socket activation: LISTEN_FDS=%s, walkind takes "
		    "exactly one socket", esc);
	}
	if (listen_sockopt(fd, SOL_SOCKET, SO_TYPE) != SOCK_STREAM)
		fatalx("socket activation: fd %d is not a stream socket", fd);
	if (listen_sockopt(fd, SOL_SOCKET, SO_ACCEPTCONN) != 1)
		fatalx("socket activation: fd %d is not listening", fd);
	dom = listen_sockopt(fd, SOL_SOCKET, SO_DOMAIN);
	if (dom != AF_INET && dom != AF_INET6)
		fatalx("socket activation: fd %d is not an IPv4/IPv6 socket "
		    "(per-IP limits need the peer's address)", fd);
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		fatal("socket activation: fd %d flags", fd);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	listen_log_addr(fd, " (socket-activated: fd 3, --listen not used)");
	return fd;
}

/* Resolve host:port (option `opt`) and bind the first address that
 * works. */
static int
listen_bind(const char *opt, const char *host, int portnum)
{
	struct addrinfo hints, *res, *ai;
	char port[8];
	int fd = -1, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(port, sizeof(port), "%d", portnum);
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		fatalx("--%s %s: %s", opt, host, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, BOUNDS_LISTEN_BACKLOG) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		fatal("cannot listen on %s:%d (--%s)", host, portnum, opt);
	listen_log_addr(fd, strcmp(opt, "listen") == 0 ? "" : " (metrics)");
	return fd;
}

int
listen_open(const struct config *cfg)
{
	if (listen_activated())
		return listen_take_passed();
	return listen_bind("listen", cfg->listen_host, cfg->listen_port);
}

int
listen_open_metrics(const struct config *cfg)
{
	if (cfg->metrics_port == 0)
		return -1;
	return listen_bind("metrics-listen", cfg->metrics_host,
	    cfg->metrics_port);
}
