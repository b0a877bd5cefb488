/*
 * executor.c: one walk-in's SQL, in its own process.
 *
 * Order: detach from everything inherited (fds, signals), die with the
 * spawner, open and harden the connection while files can still be
 * opened (this also reseeds SQLite's PRNG from /dev/urandom, as SQLite
 * does in a forked child), enter the jail, then serve. A request runs to
 * its reply; the front end SIGKILLs us if the reply does not come within
 * the deadline plus BOUNDS_KILL_GRACE_MS. On EOF (idle timeout, eviction,
 * TTL, shutdown) an open transaction is rolled back, the empty journal
 * the connection kept is removed (sqlconn_close), and we exit.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bounds.h"
#include "config.h"
#include "execjob.h"
#include "executor.h"
#include "ipc.h"
#include "log.h"
#include "sandbox.h"
#include "sqlconn.h"

#define EXEC_FD	3

static void
executor_detach(int sock, pid_t parent)
{
	int nullfd;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if (sock != EXEC_FD) {
		if (dup2(sock, EXEC_FD) == -1)
			_exit(1);
		close(sock);
	}
	if ((nullfd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		dup2(nullfd, STDIN_FILENO);
		dup2(nullfd, STDOUT_FILENO);
		if (nullfd > EXEC_FD)
			close(nullfd);
	}
	/* Nothing else inherited survives: no listening socket, no keys. */
	close_range(EXEC_FD + 1, ~0U, 0);
	prctl(PR_SET_NAME, "walkind-exec", 0, 0, 0);
}

static struct sqlconn *
executor_open(const struct config *cfg, const char *dir)
{
	struct sqlconn_opts o = { cfg->max_db_bytes, (int)cfg->threads };
	struct sqlconn *c;
	char path[4200], err[256];
	unsigned int seed;

	snprintf(path, sizeof(path), "%s/db.sqlite", dir);
	if ((c = sqlconn_open(path, &o, err, sizeof(err))) == NULL) {
		log_warnx("open walk-in database: %s", err);
		_exit(1);
	}
	sqlite3_randomness(sizeof(seed), &seed);	/* seed before the jail */
	return c;
}

static void
executor_serve(const struct config *cfg, struct sqlconn *c)
{
	int64_t cpu_window = cfg->query_timeout_ms / 1000 + 2;
	struct buf in, out;
	struct ipc_hdr h;
	int status;

	buf_init(&in);
	buf_init(&out);
	for (;;) {
		if (ipc_recv_frame(EXEC_FD, &h, &in, ipc_job_max(cfg)) == -1 ||
		    h.type != IPC_EXEC)
			break;
		if (!cfg->insecure_no_sandbox)
			rlimit_cpu_window(cpu_window);
		status = execjob_run(c, cfg, in.data ? in.data : "", in.len,
		    &out);
		if (ipc_send_frame(EXEC_FD, IPC_RESULT, (uint16_t)status, h.seq,
		    out.data, (uint32_t)out.len) == -1)
			break;
	}
	buf_free(&in);
	buf_free(&out);
}

void
executor_main(const struct config *cfg, const char *dir, int sock)
{
	struct sandbox_params sp = { cfg, dir, -1 };
	pid_t parent = getppid();
	struct sqlconn *c;

	log_init("executor", cfg->verbose);
	executor_detach(sock, parent);
	c = executor_open(cfg, dir);
	if (sandbox_prepare(SANDBOX_EXECUTOR, &sp) == -1)
		_exit(1);
	sandbox_enter(SANDBOX_EXECUTOR);
	executor_serve(cfg, c);
	sqlconn_close(c);	/* rolls back, removes the empty journal */
	_exit(0);
}
