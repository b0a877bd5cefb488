/*
 * proc.h: what every walkind process does at fork time, in one place
 * (as OpenBSD's proc.c): the spawner (forked by the front end) and each
 * executor (forked by the spawner) call proc_detach first thing in the
 * child.
 */
#ifndef WALKIND_PROC_H
#define WALKIND_PROC_H

#include <sys/types.h>

#define PROC_FD		3	/* a child's one socket, after proc_detach */

#define PROC_NULL_STDIO	0x1	/* stdin and stdout onto /dev/null (stderr
				 * stays: it is the log) */
#define PROC_REAP	0x2	/* SIGCHLD ignored: the kernel reaps this
				 * process's children (no zombies) */

/*
 * In the child, right after fork() and before anything else:
 *   die with the parent: PR_SET_PDEATHSIG(SIGKILL), then _exit if the
 *   parent is already gone. `parent` must be the parent's pid taken
 *   BEFORE the fork: a child whose parent died before the prctl has been
 *   reparented and will never get the signal, and only a pid captured
 *   earlier tells (getppid() after the fork would agree with itself);
 *   signals: SIGPIPE ignored (a peer that went away is an error return),
 *   SIGCHLD default, or ignored with PROC_REAP;
 *   fds: `sock` onto PROC_FD, every inherited fd above it closed (no
 *   listening socket, no key file, no other walk-in's socket);
 *   the name (prctl PR_SET_NAME) when name is not NULL.
 * Anything failing here ends the child with _exit(1).
 */
void	proc_detach(int sock, pid_t parent, int flags, const char *name);

/*
 * fork(), or with cgroup_fd != -1 (an O_PATH fd of a cgroup2 group) a
 * raw clone3(CLONE_INTO_CGROUP): the child is born in that group, so
 * nothing it does is ever counted elsewhere. Returns as fork() does;
 * -1 with ENOSYS where the kernel (before 5.7) or the seccomp filter
 * has no clone3: then fork and move the pid (cgroup_executor_move).
 * glibc has no clone3 wrapper, so the child of the raw call keeps the
 * parent's cached thread id: harmless for a single-threaded child that
 * never signals itself by thread (tgkill with another process's pid
 * and that tid is ESRCH, never a signal to the parent).
 */
pid_t	proc_fork(int cgroup_fd);

#endif
