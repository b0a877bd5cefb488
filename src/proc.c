/*
 * proc.c: the fork-time routine of every walkind process (see proc.h).
 * Run by the spawner (child of the front end) and by each executor
 * (child of the spawner), in the child, before it opens or reads
 * anything. An executor runs it under the spawner's seccomp filter and
 * Landlock domain: every call here is in the spawner's list.
 *
 * proc_fork is the fork itself, into a cgroup when the spawner has one
 * for the child (cgroup.h).
 *
 * Order: the parent-death signal first, so a child whose parent is gone
 * never gets as far as touching a file; then signals; then the fds, so
 * nothing the parent held (listening socket, keys, other executors'
 * sockets) is open once the child does any work of its own.
 */
#include <fcntl.h>
#include <linux/sched.h>	/* struct clone_args, CLONE_INTO_CGROUP */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc.h"

static void
proc_null_stdio(void)
{
	int nullfd;

	if ((nullfd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		_exit(1);
	if (dup2(nullfd, STDIN_FILENO) == -1 ||
	    dup2(nullfd, STDOUT_FILENO) == -1)
		_exit(1);
	if (nullfd > PROC_FD)
		close(nullfd);
}

void
proc_detach(int sock, pid_t parent, int flags, const char *name)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
	signal(SIGCHLD, (flags & PROC_REAP) ? SIG_IGN : SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if (sock != PROC_FD) {
		if (dup2(sock, PROC_FD) == -1)
			_exit(1);
		close(sock);
	}
	/* dup2 clears FD_CLOEXEC on PROC_FD; nothing here execs anyway. */
	if (flags & PROC_NULL_STDIO)
		proc_null_stdio();
	close_range(PROC_FD + 1, ~0U, 0);
	if (name != NULL)
		prctl(PR_SET_NAME, name, 0, 0, 0);
}

pid_t
proc_fork(int cgroup_fd)
{
	struct clone_args ca;

	if (cgroup_fd == -1)
		return fork();
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_INTO_CGROUP;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (uint64_t)cgroup_fd;
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}
