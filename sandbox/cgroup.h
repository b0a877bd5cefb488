/*
 * cgroup.h: one cgroup v2 group per executor (memory.max, pids.max,
 * cpu.max) when walkind runs in a delegated cgroup2 subtree (systemd
 * Delegate=yes); otherwise the executor's rlimits stand alone. The
 * design is at the top of cgroup.c.
 *
 * Not thread-safe: the spawner, which is single-threaded, is the only
 * user.
 */
#ifndef WALKIND_CGROUP_H
#define WALKIND_CGROUP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct config;

#define CGROUP_FSROOT	"/sys/fs/cgroup"	/* where cgroup2 is mounted */
#define CGROUP_SELF	"/proc/self/cgroup"	/* our "0::<path>" line */

/* Where to look, and what to touch. cgroup_env_default() fills it. */
struct cgroup_env {
	const char	*fsroot;	/* cgroup2 mount point */
	const char	*self_cgroup;	/* a file in /proc/self/cgroup format */
	pid_t		 frontend;	/* moved to the daemon leaf; 0: none */
	int		 fake;		/* tests: fsroot is a plain directory */
	int		 check_only;	/* every check, no write; never live */
};

/* What one executor's group gets; a value <= 0 is written as "max". */
struct cgroup_limits {
	int64_t	memory_max;	/* bytes */
	int64_t	pids_max;	/* tasks: the process and its threads */
	int64_t	cpu_quota_us;	/* cpu.max: QUOTA per PERIOD */
	int64_t	cpu_period_us;
};

/* CGROUP_FSROOT, CGROUP_SELF, frontend = getppid(), no flags. */
void	cgroup_env_default(struct cgroup_env *env);

/*
 * Call once in the spawner at startup, single-threaded, before its
 * sandbox (it reads files Landlock will hide). env NULL: the defaults,
 * i.e. the caller is the spawner and its parent is the front end.
 * Finds our cgroup, checks that it is cgroup2, delegated to us and offers
 * memory, pids and cpu; then moves the front end and the caller into the
 * leaf <own>/daemon and enables the three controllers for children.
 * Returns 0 when per-executor groups are live; -1 when they are not.
 * Either way `why` gets one line for the log: the group used, or the
 * reason (e.g. "cgroup v1 only (...)"). With env->check_only it stops
 * before the first write and returns 0 or -1 without going live.
 */
int	cgroup_probe(const struct cgroup_env *env, char *why, size_t whylen);

/* Memory from --max-memory, tasks from --threads, one CPU; see cgroup.c. */
void	cgroup_limits_from_config(struct cgroup_limits *lim,
	    const struct config *cfg);

/*
 * The pid-move way (no clone3; tests): right after fork, before the
 * executor is handed to the front end: reap a batch of dead groups,
 * create <own>/exec-<pid>, write its limits, then move pid into it. 0 on success, and a no-op returning 0 when
 * cgroups are not live. -1 (with log_warn naming the file) on failure:
 * the caller kills the executor and fails the spawn; its empty group is
 * removed here or by a later reap.
 */
int	cgroup_executor_attach(pid_t pid, const struct cgroup_limits *lim);

/*
 * The group of the next executor, made before it exists so that it is
 * born there (clone3 with CLONE_INTO_CGROUP, proc_fork). When cgroups
 * are live: reap a batch of dead groups, create <own>/exec-<n> with its
 * limits, and set slot->fd to an O_PATH fd of it (the clone3 argument);
 * otherwise slot->fd is -1 and nothing happens. 0, or -1 (logged) when
 * the group could not be made: the caller fails the spawn. Pair with
 * cgroup_executor_done().
 */
struct cgroup_slot {
	long	n;		/* exec-<n> */
	int	fd;		/* O_PATH fd of the group; -1: none */
};
int	cgroup_executor_prepare(const struct cgroup_limits *lim,
	    struct cgroup_slot *slot);
/* No clone3 (ENOSYS): move pid into the slot's group after a fork. */
int	cgroup_executor_move(const struct cgroup_slot *slot, pid_t pid);
/* Close the slot's fd; used 0 (no process went in): remove the group. */
void	cgroup_executor_done(struct cgroup_slot *slot, int used);

/*
 * rmdir a bounded batch of the exec-* groups attached so far; those
 * still populated refuse with EBUSY and are tried again later. Cheap:
 * at most CGROUP_REAP_BATCH rmdir calls.
 */
void	cgroup_reap(void);

/* 1 after a successful cgroup_probe, else 0. */
int	cgroup_live(void);

/*
 * O_PATH directory fd of our own cgroup while live, else -1; owned by
 * this module. The spawner's Landlock rule for it needs MAKE_DIR,
 * REMOVE_DIR and WRITE_FILE.
 */
int	cgroup_dirfd(void);

/* Forget everything and close the fd (tests; not needed in the daemon). */
void	cgroup_close(void);

/* One line per rule, for --dump-policy: the state, the layout, each limit. */
void	cgroup_dump(FILE *fp, const struct cgroup_limits *lim);

#endif
