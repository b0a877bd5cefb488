/*
 * sandbox.h: the jail of each walkind process.
 *
 * The lockdown order, per process (applied in sandbox.c):
 *   open everything it will ever need (listening socket, keys, log dir;
 *   an executor only reseeds SQLite's PRNG) -> sandbox_prepare: build
 *   the Landlock ruleset and compile the seccomp filter -> sandbox_enter:
 *   no_new_privs, not dumpable, rlimits (executor), Landlock, seccomp
 *   -> an executor opens its walk-in's database only now, so the first
 *   read of a file another executor could have crafted (page 1, the
 *   schema, a hot journal) happens inside its own jail
 *   -> only then threads and the event loop.
 * Root is dropped before any of this, once for all processes, by
 * sandbox_drop_root in main(), before the spawner is forked: no walkind
 * process ever opens a walk-in's file as root.
 *
 * Landlock binds only the calling thread and threads it creates later,
 * so no process may have a second thread before sandbox_enter (none
 * does: the spawner is forked before any thread exists, and the front
 * end and executors are single-threaded until then).
 */
#ifndef WALKIND_SANDBOX_H
#define WALKIND_SANDBOX_H

#include <stdint.h>
#include <stdio.h>

struct config;

enum sandbox_role {
	SANDBOX_FRONTEND,
	SANDBOX_SPAWNER,
	SANDBOX_EXECUTOR
};

struct sandbox_params {
	const struct config	*cfg;
	const char		*instance_dir;	/* executor only */
	int			 cgroup_fd;	/* spawner: delegated cgroup
						 * dir to allow, or -1 */
};

/*
 * In main(), first thing after the options: resolve --user (when root)
 * and probe Landlock and seccomp. Fatal (one line naming the missing
 * layer or the bad user) if either is unavailable, unless
 * --insecure-no-sandbox, which is then logged loudly.
 */
void	sandbox_check(const struct config *cfg);
/*
 * Started as root: chown the data dir tree to --user and become that
 * user for good (groups, gid, uid; verified). Fatal if the user does not
 * exist or is root. Not root: nothing to drop (an explicit --user that
 * is not the current user is fatal).
 */
void	sandbox_drop_root(const struct config *cfg);
/* Build the role's policy while files can still be opened. 0 or -1. */
int	sandbox_prepare(enum sandbox_role role, const struct sandbox_params *p);
/* Irreversible. Fatal (the process exits) if a live layer fails. */
void	sandbox_enter(enum sandbox_role role);
/* Which layers are live, for /healthz and the log. Static string. */
const char *sandbox_status(void);
/* --dump-policy: every role's Landlock table, seccomp filter, rlimits. */
void	sandbox_dump_policy(FILE *f, const struct config *cfg);

/* rlimit.c: before each request, CPU soft limit = used + seconds. */
void	rlimit_cpu_window(int64_t seconds);

#endif
