/*
 * test_executor.c: executor_main's die-with-the-spawner check (issue 15,
 * a smaller finding). The spawner's pid is taken before the fork and
 * handed to the child; if the spawner died before the child set
 * PR_SET_PDEATHSIG, the child was reparented, no death signal will ever
 * come, and it must exit at once, before it opens anything. (Captured
 * after the fork, as it once was, the "parent" is whoever adopted the
 * child and the check can never fire.)
 *
 * The real executor_main runs in a grandchild: a child plays the spawner
 * (takes its pid, forks, and exits or waits), and this process is the
 * child subreaper that adopts the orphan, so it can read its exit status.
 * The jail is off here (--insecure-no-sandbox): the check comes before
 * it, and test_jail.c and tests/sandbox/run.py prove the jail itself.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bounds.h"
#include "config.h"
#include "executor.h"
#include "walkin_spec.h"
#include "sandbox.h"
#include "sqlconn.h"
#include "unit.h"

static struct config	cfg;
static char		data[PATH_MAX], dir_alive[PATH_MAX + 64],
			dir_orphan[PATH_MAX + 64];

static int
exists(const char *dir, const char *name)
{
	char p[PATH_MAX + 128];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

/*
 * The pretend spawner: fork the executor exactly as spawner.c does (pid
 * taken before the fork). orphan: exit at once, so the executor starts
 * reparented to us; otherwise hang up its socket and wait for it.
 */
static void __attribute__((noreturn))
spawner(const char *dir, int orphan)
{
	static const struct walkin_spec spec;	/* the default */
	pid_t self = getpid(), pid;
	int sv[2], st;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1 ||
	    (pid = fork()) == -1)
		_exit(90);
	if (pid == 0) {
		close(sv[0]);
		/* Orphan: start only once the spawner is gone (adopted). */
		while (orphan && getppid() == self)
			usleep(1000);
		executor_main(&cfg, dir, sv[1], self, &spec, 0);
	}
	close(sv[1]);
	close(sv[0]);	/* EOF: a live executor serves nothing and exits 0 */
	if (orphan)
		_exit(0);
	if (waitpid(pid, &st, 0) != pid)
		_exit(91);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
}

/* Run spawner(dir, orphan); return the executor's exit code. */
static int
run(const char *dir, int orphan)
{
	pid_t sp, pid;
	int st, code = -1;

	fflush(NULL);
	if ((sp = fork()) == -1)
		return -1;
	if (sp == 0)
		spawner(dir, orphan);
	if (waitpid(sp, &st, 0) != sp || !WIFEXITED(st))
		return -1;
	if (!orphan)
		return WEXITSTATUS(st);
	/* The orphaned executor is ours now (PR_SET_CHILD_SUBREAPER). */
	while ((pid = waitpid(-1, &st, 0)) == -1 && errno == EINTR)
		;
	if (pid > 0)
		code = WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
	return code;
}

static void
setup(void)
{
	snprintf(data, sizeof(data), "/tmp/walkind-exec-XXXXXX");
	CHECK(mkdtemp(data) != NULL);
	snprintf(dir_alive, sizeof(dir_alive), "%s/alive", data);
	snprintf(dir_orphan, sizeof(dir_orphan), "%s/orphan", data);
	CHECK(mkdir(dir_alive, 0700) == 0);
	CHECK(mkdir(dir_orphan, 0700) == 0);
	config_defaults(&cfg, data);
	cfg.insecure_no_sandbox = 1;
	sandbox_check(&cfg);
	CHECK(sqlconn_global_init(cfg.max_memory - BOUNDS_HEAP_SLACK) == 0);
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0);
}

/* Control: with its spawner alive the executor opens its database,
 * sees EOF and exits 0, so the test below can tell the two apart. */
static void
test_spawner_alive(void)
{
	CHECK_INT(run(dir_alive, 0), 0);
	CHECK(exists(dir_alive, "db.sqlite"));
}

static void
test_spawner_dead_before_pdeathsig(void)
{
	CHECK_INT(run(dir_orphan, 1), 1);
	/* It stopped before touching its walk-in. */
	CHECK(!exists(dir_orphan, "db.sqlite"));
}

static void
test_cleanup(void)
{
	CHECK(unit_rmtree(data) == 0);
}

UNIT_MAIN(setup, test_spawner_alive, test_spawner_dead_before_pdeathsig,
    test_cleanup)
