/*
 * test_proc.c: proc_detach, the fork-time routine of the spawner and the
 * executors: the socket lands on PROC_FD, nothing else inherited stays
 * open, stdio on /dev/null when asked, the parent-death signal and the
 * signal dispositions are set; and a child whose parent died before it
 * ran proc_detach exits at once (the pid checked is the one taken before
 * the fork, so the check can fire: issue 15).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "unit.h"

/* Bits the child reports back, one per property. */
enum {
	P_SOCK = 1 << 0, P_STRAY_CLOSED = 1 << 1, P_PDEATH = 1 << 2,
	P_PIPE_IGN = 1 << 3, P_CHLD = 1 << 4, P_NAME = 1 << 5,
	P_STDIN_NULL = 1 << 6, P_EVERY = (1 << 7) - 1
};

static int
is_devnull(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat("/dev/null", &b) == 0 &&
	    a.st_rdev == b.st_rdev && S_ISCHR(a.st_mode);
}

/* fd 0 before the fork, for a child that keeps its stdio. */
static struct stat stdin_before;

static int
same_stdin(void)
{
	struct stat st;

	return fstat(STDIN_FILENO, &st) == 0 &&
	    st.st_dev == stdin_before.st_dev && st.st_ino == stdin_before.st_ino;
}

static int
child_report(int stray, int flags, const char *want_name)
{
	struct sigaction sa;
	char name[17] = "";
	struct stat st;
	int sig = 0, got = 0;

	if (fstat(PROC_FD, &st) == 0 && S_ISSOCK(st.st_mode))
		got |= P_SOCK;
	if (fcntl(stray, F_GETFD) == -1 && errno == EBADF)
		got |= P_STRAY_CLOSED;
	if (prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == SIGKILL)
		got |= P_PDEATH;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
		got |= P_PIPE_IGN;
	if (sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler ==
	    ((flags & PROC_REAP) ? SIG_IGN : SIG_DFL))
		got |= P_CHLD;
	if (prctl(PR_GET_NAME, name, 0, 0, 0) == 0 &&
	    strcmp(name, want_name) == 0)
		got |= P_NAME;
	if ((flags & PROC_NULL_STDIO) ? is_devnull(STDIN_FILENO) : same_stdin())
		got |= P_STDIN_NULL;
	return got;
}

/* Fork, detach with flags, and read back what the child saw. */
static int
detach_and_report(int flags, const char *name)
{
	int sv[2], stray, got = -1, status = 0;
	pid_t parent = getpid(), pid;

	CHECK_INT(fstat(STDIN_FILENO, &stdin_before), 0);
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* An fd above PROC_FD the child must not keep (no CLOEXEC). */
	stray = fcntl(sv[0], F_DUPFD, 20);
	CHECK(stray >= 20);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		proc_detach(sv[1], parent, flags, name);
		got = child_report(stray, flags, name ? name : "test_proc");
		_exit(write(PROC_FD, &got, sizeof(got)) == sizeof(got) ? 0 : 2);
	}
	close(sv[1]);
	close(stray);
	if (read(sv[0], &got, sizeof(got)) != sizeof(got))
		got = -1;
	close(sv[0]);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return got;
}

static void
test_detach(void)
{
	CHECK_INT(detach_and_report(PROC_NULL_STDIO, "walkind-exec"), P_EVERY);
	/* The spawner's: stdio kept, children reaped by the kernel. */
	CHECK_INT(detach_and_report(PROC_REAP, NULL), P_EVERY);
}

/*
 * Parent A forks B with A's pid taken before the fork, then exits
 * before B detaches: B is reparented (to us, a subreaper), no death
 * signal will ever come, so proc_detach must end it with status 1.
 */
static void
test_orphan_exits(void)
{
	int status = 0, go[2];
	pid_t a, b = -1;

	CHECK_INT(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	CHECK_INT(pipe(go), 0);
	if ((a = fork()) == 0) {
		pid_t parent = getpid();

		if ((b = fork()) == 0) {
			close(go[1]);
			/* Wait until A is gone and we are reparented. */
			while (getppid() == parent)
				usleep(1000);
			proc_detach(go[0], parent, 0, NULL);
			_exit(0);		/* must not get here */
		}
		_exit(write(go[1], &b, sizeof(b)) == sizeof(b) ? 0 : 2);
	}
	close(go[1]);
	CHECK_INT(read(go[0], &b, sizeof(b)), (int)sizeof(b));
	close(go[0]);
	CHECK_INT(waitpid(a, &status, 0), a);
	CHECK(b > 0);
	CHECK_INT(waitpid(b, &status, 0), b);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

UNIT_MAIN(test_detach, test_orphan_exits)
