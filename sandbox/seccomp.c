/*
 * seccomp.c: the system calls each process may make after lockdown, as
 * commented tables. Anything not listed kills the whole process
 * (SECCOMP_RET_KILL_PROCESS): a half-dead process would be worse than a
 * dead one, and the front end turns a dead executor into a 500 for that
 * one request.
 *
 * Filters stack: an executor runs under the spawner's filter (inherited
 * through fork) and then loads its own, and the kernel applies the
 * strictest verdict. So the spawner's list holds everything an executor
 * does, both while it sets itself up and afterwards; the executor's own
 * list is the short one that matters once SQL runs.
 *
 * Each filter is compiled with libseccomp once per process before
 * lockdown and kept as BPF in memory: an executor loads the program its
 * spawner compiled with one seccomp(2) call, so a new walk-in does not
 * pay for libseccomp's compiler.
 *
 * Rules with arguments compare registers only (never pointed-to memory):
 * PROT_EXEC is refused in mmap/mprotect (W^X: no code can be mapped even
 * through a bug), clone must either create a thread or create no
 * namespace, sockets are AF_UNIX pairs only, signals are SIGKILL only,
 * prlimit64 only touches the caller, setpriority only lowers the
 * caller's thread to nice BOUNDS_DEMOTE_NICE. clone3 fails with ENOSYS, because
 * its flags live in memory and cannot be checked; glibc then uses clone.
 * The one exception is the spawner while per-executor cgroups are live,
 * which forks executors into their groups with clone3
 * (sc_spawner_cgroup).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "bounds.h"
#include "cgroup.h"
#include "log.h"
#include "sandbox_int.h"

struct sc_rule {
	int			 nr;
	uint32_t		 action;
	unsigned int		 nargs;
	struct scmp_arg_cmp	 arg[3];
	const char		*why;
};

#define SC_ARG(n, op, a)	{ (n), (op), (scmp_datum_t)(a), 0 }
#define SC_MASK(n, m, v)	{ (n), SCMP_CMP_MASKED_EQ, (scmp_datum_t)(m), \
				  (scmp_datum_t)(v) }
#define SC_NONE			SC_ARG(0, 0, 0)
#define SC_ALLOW(sys, why)	{ SCMP_SYS(sys), SCMP_ACT_ALLOW, 0, \
				  { SC_NONE, SC_NONE, SC_NONE }, why }
#define SC_ALLOW1(sys, a, why)	{ SCMP_SYS(sys), SCMP_ACT_ALLOW, 1, \
				  { a, SC_NONE, SC_NONE }, why }
#define SC_ALLOW2(sys, a, b, why) { SCMP_SYS(sys), SCMP_ACT_ALLOW, 2, \
				  { a, b, SC_NONE }, why }
#define SC_ALLOW3(sys, a, b, c, why) { SCMP_SYS(sys), SCMP_ACT_ALLOW, 3, \
				  { a, b, c }, why }
#define SC_ERRNO(sys, e, why)	{ SCMP_SYS(sys), SCMP_ACT_ERRNO(e), 0, \
				  { SC_NONE, SC_NONE, SC_NONE }, why }

#define SC_NO_EXEC	SC_MASK(2, PROT_EXEC, 0)
#define SC_CLONE_NS	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | \
			 CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
			 CLONE_NEWNET)

/* Every process: memory, time, signals, exit, I/O on fds it holds. */
static const struct sc_rule sc_base[] = {
	SC_ALLOW(read, "fd I/O"),
	SC_ALLOW(write, "fd I/O"),
	SC_ALLOW(readv, "fd I/O (libevent)"),
	SC_ALLOW(writev, "fd I/O (IPC frames, replies)"),
	SC_ALLOW(close, "fd I/O"),
	SC_ALLOW(lseek, "fd I/O"),
	SC_ALLOW(fstat, "fd metadata"),
	SC_ALLOW(newfstatat, "stat; paths are not secret to Landlock, "
	    "contents are"),
	SC_ALLOW(fcntl, "O_NONBLOCK, FD_CLOEXEC, SQLite's POSIX locks"),
	SC_ALLOW(brk, "malloc"),
	SC_ALLOW1(mmap, SC_NO_EXEC, "malloc; never executable"),
	SC_ALLOW1(mprotect, SC_NO_EXEC, "guard pages; never executable"),
	SC_ALLOW(munmap, "free"),
	SC_ALLOW(mremap, "realloc"),
	SC_ALLOW(madvise, "free, libsodium's MADV_DONTDUMP"),
	SC_ALLOW(futex, "locks in libc, SQLite, libsodium"),
	SC_ALLOW(getpid, "SQLite's fork detection"),
	SC_ALLOW(gettid, "libc"),
	SC_ALLOW(getuid, "identity reads, harmless"),
	SC_ALLOW(geteuid, "SQLite asks before it would fchown"),
	SC_ALLOW(getgid, "identity reads, harmless"),
	SC_ALLOW(getegid, "identity reads, harmless"),
	SC_ALLOW(getrandom, "libsodium, SQLite's PRNG"),
	SC_ALLOW(clock_gettime, "deadlines (normally vDSO)"),
	SC_ALLOW(gettimeofday, "time (normally vDSO)"),
	SC_ALLOW(clock_nanosleep, "SQLite's busy sleep"),
	SC_ALLOW(nanosleep, "SQLite's busy sleep"),
	SC_ALLOW(sched_yield, "libc spin locks"),
	SC_ALLOW(rt_sigaction, "signal setup; glibc's lazy SIGRT_1"),
	SC_ALLOW(rt_sigprocmask, "libc"),
	SC_ALLOW(rt_sigreturn, "return from a handler"),
	SC_ALLOW(restart_syscall, "restarted sleeps"),
	SC_ALLOW(exit, "thread exit"),
	SC_ALLOW(exit_group, "process exit"),
	SC_ERRNO(clone3, ENOSYS, "flags in memory cannot be checked; glibc "
	    "falls back to clone"),
};

/*
 * The spawner while per-executor cgroups are live (cgroup_live() when
 * its filter is compiled, after cgroup_probe): clone3 replaces sc_base's
 * ENOSYS rule, for proc_fork's CLONE_INTO_CGROUP. Its flags are in
 * memory, so this filter cannot refuse the namespace flags the clone
 * rule refuses: Landlock, no_new_privs and the unprivileged uid are
 * what stand there. The executor's own filter keeps clone3 at ENOSYS
 * (filters stack: its verdict wins), so SQL never gets it.
 */
static const struct sc_rule sc_spawner_cgroup[] = {
	SC_ALLOW(clone3, "fork an executor into its cgroup "
	    "(CLONE_INTO_CGROUP); only while per-executor cgroups are live"),
};

/* A SQLite connection on its instance files (executor, and spawner for
 * the executors it forks). */
static const struct sc_rule sc_sqlite[] = {
	SC_ALLOW(openat, "db and -journal; Landlock limits where"),
	SC_ALLOW(pread64, "SQLite page I/O"),
	SC_ALLOW(pwrite64, "SQLite page I/O"),
	SC_ALLOW(fsync, "SQLite sync"),
	SC_ALLOW(fdatasync, "SQLite sync"),
	SC_ALLOW(ftruncate, "SQLite shrinks the file and empties the "
	    "-journal at commit; only fds it opened"),
	SC_ALLOW(unlink, "the empty -journal at a clean exit, a rolled-back "
	    "one at open; Landlock limits where"),
	SC_ALLOW(access, "hot-journal check"),
	SC_ALLOW(faccessat, "hot-journal check"),
	SC_ALLOW(faccessat2, "hot-journal check"),
	SC_ALLOW(fchmod, "SQLite gives a new journal the db's mode"),
	SC_ALLOW(getrusage, "CPU window before each request"),
	SC_ALLOW2(prlimit64, SC_ARG(0, SCMP_CMP_EQ, 0),
	    SC_ARG(1, SCMP_CMP_EQ, RLIMIT_CPU),
	    "move its own RLIMIT_CPU soft limit (hard limit is fixed)"),
	SC_ALLOW3(setpriority, SC_ARG(0, SCMP_CMP_EQ, PRIO_PROCESS),
	    SC_ARG(1, SCMP_CMP_EQ, 0),
	    SC_ARG(2, SCMP_CMP_EQ, BOUNDS_DEMOTE_NICE),
	    "CPU fairness: a request past BOUNDS_DEMOTE_MS lowers its own "
	    "thread to the lowest priority, never raises it (an executor "
	    "so demoted retires after its reply, executor.c)"),
	SC_ALLOW1(clone, SC_MASK(0, CLONE_THREAD, CLONE_THREAD),
	    "threads only (--threads sorter threads), never a process"),
	SC_ALLOW(set_robust_list, "new thread"),
	SC_ALLOW(rseq, "new thread"),
};

/* The spawner itself, and each executor's set-up before its own filter. */
static const struct sc_rule sc_spawner[] = {
	SC_ALLOW(recvmsg, "SPAWN/REMOVE messages from the front end"),
	SC_ALLOW(sendmsg, "replies with (socket, pidfd) as SCM_RIGHTS"),
	SC_ALLOW1(socketpair, SC_ARG(0, SCMP_CMP_EQ, AF_UNIX),
	    "the executor's socket pair; no other family"),
	SC_ALLOW1(clone, SC_MASK(0, SC_CLONE_NS, 0),
	    "fork an executor; no new namespaces"),
	SC_ALLOW(pidfd_open, "the front end kills executors by pidfd"),
	SC_ALLOW2(kill, SC_ARG(0, SCMP_CMP_GT, 0),
	    SC_ARG(1, SCMP_CMP_EQ, SIGKILL),
	    "kill an executor it could not hand over; one pid, SIGKILL"),
	SC_ALLOW(wait4, "reap executors at shutdown"),
	SC_ALLOW(getppid, "executor: die-with-parent check"),
	SC_ALLOW(mkdir, "new instance directory and its expiry bucket"),
	SC_ALLOW(mkdirat, "new instance directory, per-executor cgroup"),
	SC_ALLOW(setxattr, "a new instance directory's meta "
	    "(registry.h)"),
	SC_ALLOW(getxattr, "a walk-in's meta (its cap and dataset grant) "
	    "before each of its executors"),
	SC_ALLOW(rename, "meta.tmp -> meta"),
	SC_ALLOW(renameat, "meta.tmp -> meta"),
	SC_ALLOW(unlinkat, "remove instance files, cgroup dirs"),
	SC_ALLOW(rmdir, "remove an expired instance directory, its bucket"),
	SC_ALLOW(getdents64, "list an instance directory to remove it"),
	SC_ALLOW(dup2, "executor: its socket onto fd 3, /dev/null on 0 and 1"),
	SC_ALLOW(dup3, "as dup2"),
	SC_ALLOW(close_range, "executor: drop every inherited fd"),
	SC_ALLOW1(prctl, SC_ARG(0, SCMP_CMP_EQ, PR_SET_PDEATHSIG),
	    "executor: die with the spawner"),
	SC_ALLOW1(prctl, SC_ARG(0, SCMP_CMP_EQ, PR_SET_NAME),
	    "executor: name it walkind-exec"),
	SC_ALLOW1(prctl, SC_ARG(0, SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS),
	    "executor: its own lockdown"),
	SC_ALLOW1(prctl, SC_ARG(0, SCMP_CMP_EQ, PR_SET_DUMPABLE),
	    "executor: its own lockdown"),
	SC_ALLOW1(prlimit64, SC_ARG(0, SCMP_CMP_EQ, 0),
	    "executor: its own rlimits (lowering only: not root)"),
	SC_ALLOW(landlock_create_ruleset, "executor: its own domain, nested"),
	SC_ALLOW(landlock_add_rule, "executor: its own domain, nested"),
	SC_ALLOW(landlock_restrict_self, "executor: its own domain, nested"),
	SC_ALLOW1(seccomp, SC_ARG(0, SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER),
	    "executor: add its own filter (filters only ever narrow)"),
};

/* The front end: an event-loop server on fds it already holds. */
static const struct sc_rule sc_frontend[] = {
	SC_ALLOW(accept4, "new client connections on the listening socket"),
	SC_ALLOW(shutdown, "close a client connection"),
	SC_ALLOW(setsockopt, "TCP_NODELAY, SO_LINGER on accepted sockets"),
	SC_ALLOW(getsockopt, "SO_ERROR"),
	SC_ALLOW(getsockname, "libevent"),
	SC_ALLOW(getpeername, "client address for limits and the log"),
	SC_ALLOW1(ioctl, SC_ARG(1, SCMP_CMP_EQ, FIONREAD),
	    "libevent sizes its reads; no other ioctl"),
	SC_ALLOW(epoll_wait, "event loop"),
	SC_ALLOW(epoll_pwait, "event loop"),
	SC_ALLOW(epoll_ctl, "event loop"),
	SC_ALLOW(recvmsg, "spawner replies carrying (socket, pidfd)"),
	SC_ALLOW(sendmsg, "messages to the spawner"),
	SC_ALLOW(recvfrom, "libevent's signal socket"),
	SC_ALLOW(sendto, "libevent's signal socket"),
	SC_ALLOW2(pidfd_send_signal, SC_ARG(1, SCMP_CMP_EQ, SIGKILL),
	    SC_ARG(2, SCMP_CMP_EQ, 0),
	    "SIGKILL an executor past its deadline, by pidfd"),
	SC_ALLOW(wait4, "reap the spawner at shutdown"),
	SC_ALLOW(openat, "access log of a new day, keys.tmp; Landlock "
	    "limits where"),
	SC_ALLOW(getdents64, "list logs past retention"),
	SC_ALLOW(unlinkat, "remove logs past retention, stale keys.tmp"),
	SC_ALLOW(renameat, "keys.tmp -> keys"),
	SC_ALLOW(fsync, "key file and its directory"),
	SC_ALLOW(fdatasync, "key file"),
	SC_ALLOW(fchmod, "key file mode 0600"),
	SC_ALLOW(statfs, "free-disk guard on the data dir"),
	SC_ALLOW(fstatfs, "free-disk guard on the data dir"),
	SC_ALLOW(mlock, "libsodium guarded memory for rotated keys"),
	SC_ALLOW(munlock, "libsodium guarded memory for rotated keys"),
};

struct sc_part {
	const struct sc_rule	*rules;
	size_t			 n;
};

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define SC_PART(t)	{ t, nitems(t) }

static const struct sc_part sc_roles[][4] = {
	[SANDBOX_FRONTEND] = { SC_PART(sc_base), SC_PART(sc_frontend) },
	[SANDBOX_SPAWNER] = { SC_PART(sc_base), SC_PART(sc_sqlite),
	    SC_PART(sc_spawner) },
	[SANDBOX_EXECUTOR] = { SC_PART(sc_base), SC_PART(sc_sqlite) },
};

static const char *sc_role_name[] = { "frontend", "spawner", "executor" };

/* 1 if role's filter takes sc_spawner_cgroup instead of sc_base's
 * clone3 rule. */
static int
sc_clone3_allowed(enum sandbox_role role)
{
	return role == SANDBOX_SPAWNER && cgroup_live();
}

static int
sc_add(scmp_filter_ctx ctx, enum sandbox_role role, const struct sc_rule *r)
{
	int rc;

	if (r->nr == SCMP_SYS(clone3) && r->action != SCMP_ACT_ALLOW &&
	    sc_clone3_allowed(role))
		return 0;
	rc = seccomp_rule_add_array(ctx, r->action, r->nr, r->nargs, r->arg);
	if (rc != 0) {
		log_warnx("seccomp %s: rule %d: %s", sc_role_name[role],
		    r->nr, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Compiled programs, per role (heap, never freed: live until exit). */
static struct sock_filter	*sc_prog[3];
static unsigned short		 sc_len[3];

int
seccomp_available(void)
{
	uint32_t action = SECCOMP_RET_KILL_PROCESS;

	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action)
	    == 0 ? 0 : -1;
}

static scmp_filter_ctx
sc_context(enum sandbox_role role)
{
	const struct sc_part *p;
	scmp_filter_ctx ctx;
	size_t i;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return NULL;
	/* We set no_new_privs ourselves, in the documented order. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (p = sc_roles[role]; p < sc_roles[role] + 4 && p->rules; p++)
		for (i = 0; i < p->n; i++)
			if (sc_add(ctx, role, &p->rules[i]) == -1)
				goto fail;
	if (sc_clone3_allowed(role))
		for (i = 0; i < nitems(sc_spawner_cgroup); i++)
			if (sc_add(ctx, role, &sc_spawner_cgroup[i]) == -1)
				goto fail;
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

/* libseccomp 2.5 exports BPF only to an fd: go through a memfd. */
static int
sc_export(scmp_filter_ctx ctx, enum sandbox_role role)
{
	off_t size;
	int fd, rc = -1;

	if ((fd = memfd_create("walkind-seccomp", MFD_CLOEXEC)) == -1)
		return -1;
	if (seccomp_export_bpf(ctx, fd) != 0 ||
	    (size = lseek(fd, 0, SEEK_END)) <= 0 ||
	    size % sizeof(struct sock_filter) != 0 ||
	    size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		goto out;
	if ((sc_prog[role] = malloc((size_t)size)) == NULL ||
	    pread(fd, sc_prog[role], (size_t)size, 0) != size)
		goto out;
	sc_len[role] = (unsigned short)(size / sizeof(struct sock_filter));
	rc = 0;
out:
	close(fd);
	return rc;
}

int
seccomp_compile(enum sandbox_role role)
{
	scmp_filter_ctx ctx;
	int rc;

	if (sc_prog[role] != NULL)
		return 0;
	if ((ctx = sc_context(role)) == NULL)
		return -1;
	rc = sc_export(ctx, role);
	if (rc == -1)
		log_warn("seccomp %s: export", sc_role_name[role]);
	seccomp_release(ctx);
	return rc;
}

int
seccomp_enter(enum sandbox_role role)
{
	struct sock_fprog fp;

	if (sc_prog[role] == NULL) {
		errno = EINVAL;
		return -1;
	}
	fp.len = sc_len[role];
	fp.filter = sc_prog[role];
	/* TSYNC: were there another thread, the load fails rather than
	 * leave it unfiltered. */
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_TSYNC, &fp) == 0 ? 0 : -1;
}

static void
sc_dump_arg(FILE *f, const struct scmp_arg_cmp *a)
{
	if (a->op == SCMP_CMP_MASKED_EQ)
		fprintf(f, " (arg%u & %#llx) == %#llx", a->arg,
		    (unsigned long long)a->datum_a,
		    (unsigned long long)a->datum_b);
	else
		fprintf(f, " arg%u %s %#llx", a->arg,
		    a->op == SCMP_CMP_GT ? ">" : "==",
		    (unsigned long long)a->datum_a);
}

static void
sc_dump_rule(FILE *f, const struct sc_rule *r)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r->nr);
	unsigned int i;

	fprintf(f, "  %-24s", name ? name : "?");
	free(name);
	if (r->action != SCMP_ACT_ALLOW)
		fprintf(f, " -> errno %u", r->action & 0xffff);
	for (i = 0; i < r->nargs; i++)
		sc_dump_arg(f, &r->arg[i]);
	fprintf(f, "  # %s\n", r->why);
}

void
seccomp_dump(FILE *f, enum sandbox_role role)
{
	const struct sc_part *p;
	scmp_filter_ctx ctx;
	size_t i;

	fprintf(f, "  seccomp: default kill_process; allowed:\n");
	for (p = sc_roles[role]; p < sc_roles[role] + 4 && p->rules; p++)
		for (i = 0; i < p->n; i++)
			sc_dump_rule(f, &p->rules[i]);
	if (role == SANDBOX_SPAWNER)
		for (i = 0; i < nitems(sc_spawner_cgroup); i++) {
			fprintf(f, "  (cgroups live, instead of clone3's "
			    "ENOSYS)\n");
			sc_dump_rule(f, &sc_spawner_cgroup[i]);
		}
	if ((ctx = sc_context(role)) == NULL)
		return;
	fprintf(f, "  seccomp_export_pfc:\n");
	fflush(f);
	(void)seccomp_export_pfc(ctx, fileno(f));
	seccomp_release(ctx);
}
