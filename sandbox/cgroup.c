/*
 * cgroup.c: one cgroup v2 group per executor, when walkind runs in a
 * cgroup2 subtree delegated to it (systemd Delegate=yes). Otherwise
 * nothing happens here and the executor's rlimits (rlimit.c) stand
 * alone; the spawner logs which, with the reason cgroup_probe() gives.
 *
 * What the groups add to the rlimits: memory.max counts real memory,
 * including the page cache of the walk-in's files and kernel memory,
 * which RLIMIT_AS does not see; pids.max is a fork wall that also holds
 * for root (RLIMIT_NPROC does not); cpu.max caps a walk-in at one CPU
 * however many threads it runs.
 *
 * Layout, under OWN, the group we were started in ("0::" line of
 * /proc/self/cgroup):
 *   OWN/                  no process; subtree_control "+memory +pids +cpu"
 *   OWN/daemon/           the front end and the spawner; no limits of ours
 *                         (the unit's MemoryMax=/TasksMax= cover the whole
 *                         service)
 *   OWN/exec-<pid>/       one executor and its limits (cg_knobs below)
 * cgroup v2's "no internal processes" rule forbids processes in a group
 * that enables controllers for its children, so cgroup_probe() first
 * moves the front end (the spawner's parent, in OWN with it) and the
 * spawner into the leaf OWN/daemon. Other processes in OWN (a wrapper
 * shell that did not exec, a container's init when OWN is a namespace
 * root) are not ours to move: the subtree_control write then fails with
 * EBUSY and the probe says so.
 *
 * When: cgroup_probe() once, in the spawner at startup, single-threaded
 * and before its sandbox, because it reads files Landlock will hide.
 * Without clone3, cgroup_executor_attach() right after fork and before
 * the executor is handed to the front end: the executor has run only our start-up code
 * and no SQL. Memory it touched before the move stays charged to daemon
 * (cgroup v2 does not move charges); that is our code's, not the
 * walk-in's. Where the kernel has clone3 (Linux 5.7+), the spawner
 * closes even that gap: cgroup_executor_prepare() makes the group
 * (exec-<n>, n counting from CGROUP_FIRST_SLOT) with its limits first,
 * and the executor is born in it with clone3(CLONE_INTO_CGROUP)
 * (proc_fork), so none of its memory or tasks is ever counted
 * elsewhere. cgroup_executor_attach(), the pid move, is the fallback.
 *
 * Files: after the probe, every operation is relative to one O_PATH fd
 * of OWN (cgroup_dirfd) with mkdirat, openat and unlinkat, so one
 * Landlock rule on that fd is all the spawner needs: MAKE_DIR,
 * REMOVE_DIR, WRITE_FILE. Each value is one write(2) on a plain
 * O_WRONLY open, as cgroupfs expects (no O_TRUNC: no TRUNCATE right).
 *
 * Reaping: executors die without the spawner noticing (SIGCHLD is
 * ignored), and a group outlives its last process until it is rmdir'ed.
 * rmdir of a populated group fails with EBUSY: harmless, it is tried
 * again later. The module remembers the pids it attached, so no
 * directory is listed at run time (no READ_DIR right), and
 * cgroup_reap() tries a bounded batch of them, round robin. Attach calls
 * it first, so the spawner needs no timer. The probe sweeps leftovers of
 * an earlier run once; a leftover or a dead group whose name a recycled
 * pid needs again is removed and made anew.
 *
 * Tests (struct cgroup_env .fake): fsroot is a plain directory. The
 * cgroup2 statfs check is skipped; files are created on write, as
 * cgroupfs creates them with each directory, and opened O_APPEND so
 * that every write stays readable; rmdir of a directory that still has
 * files fails with ENOTEMPTY, which stands in for EBUSY.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bounds.h"
#include "cgroup.h"
#include "config.h"
#include "ipc.h"
#include "log.h"

/* /proc/self/cgroup: one line per hierarchy (about 15 with every v1
 * controller and named hierarchy), each path under PATH_MAX. */
#define CGROUP_SELF_MAX		(16 * PATH_MAX)
/* cgroup.controllers lists a dozen short names at most. */
#define CGROUP_LIST_MAX		1024
/* Dead groups tried per cgroup_reap(): one spawn adds one group, so a
 * batch of 32 keeps the dead ones near 1/32 of the live ones for 32
 * rmdir calls at most per spawn. */
#define CGROUP_REAP_BATCH	32
/* Groups remembered: above the largest --pool-size (10000, config.c)
 * plus the dead ones a batch reap leaves (about pool/32). */
#define CGROUP_MAX_TRACKED	16384
/* Groups made before their executor (CLONE_INTO_CGROUP) are numbered
 * from here up: above PID_MAX_LIMIT (2^22), so never an exec-<pid>. */
#define CGROUP_FIRST_SLOT	4194305L
#define CGROUP_DAEMON		"daemon"
#define CGROUP_PREFIX		"exec-"
#define CGROUP_ENABLE		"+memory +pids +cpu"

enum cg_value {
	CG_MEMORY,
	CG_ZERO,
	CG_ONE,
	CG_PIDS,
	CG_CPU
};

/* What each executor's group gets, in the order written. */
static const struct cg_knob {
	const char	*file;
	enum cg_value	 value;
	int		 optional;	/* absent file is not an error */
	const char	*why;
} cg_knobs[] = {
	{ "memory.max", CG_MEMORY, 0,
	    "--max-memory + page cache of db and journal + kernel slack" },
	{ "memory.swap.max", CG_ZERO, 1,
	    "no swap: walk-in data never reaches swap (absent without "
	    "swap accounting)" },
	{ "memory.oom.group", CG_ONE, 0,
	    "an OOM kill takes the whole group" },
	{ "pids.max", CG_PIDS, 0,
	    "the executor + --threads helpers + 1: fork wall, also for root" },
	{ "cpu.max", CG_CPU, 0,
	    "one CPU per walk-in, whatever --threads says" },
};

static int	cg_dirfd = -1;		/* O_PATH fd of OWN while live */
static int	cg_live;
static int	cg_fake;		/* struct cgroup_env .fake */
static char	cg_path[PATH_MAX];	/* OWN, for messages */
static char	cg_state[PATH_MAX + 256]; /* last probe result, for dump */
static long	cg_tracked[CGROUP_MAX_TRACKED];	/* exec-<n> not yet removed */
static long	cg_next = CGROUP_FIRST_SLOT;	/* next clone3 group number */
static size_t	cg_ntracked;
static size_t	cg_cursor;		/* next entry cgroup_reap() tries */
static int	cg_reap_warned;
static char	cg_buf[CGROUP_SELF_MAX];

static void	say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cg_state, sizeof(cg_state), fmt, ap);
	va_end(ap);
}

void
cgroup_env_default(struct cgroup_env *env)
{
	memset(env, 0, sizeof(*env));
	env->fsroot = CGROUP_FSROOT;
	env->self_cgroup = CGROUP_SELF;
	env->frontend = getppid();
}

void
cgroup_limits_from_config(struct cgroup_limits *lim, const struct config *cfg)
{
	/* Not tighter than the rlimits: an executor within RLIMIT_AS that
	 * has its db and journal (each at most --max-db-bytes, the
	 * RLIMIT_FSIZE of rlimit.c) in page cache must not be OOM-killed.
	 * The group is the wall for what rlimits do not see. */
	lim->memory_max = cfg->max_memory + 2 * cfg->max_db_bytes +
	    BOUNDS_CGROUP_MEM_SLACK;
	lim->pids_max = 1 + cfg->threads + BOUNDS_CGROUP_PIDS_SLACK;
	/* SQLite runs one statement on one thread; helpers only sort. */
	lim->cpu_quota_us = BOUNDS_CGROUP_CPU_PERIOD_US;
	lim->cpu_period_us = BOUNDS_CGROUP_CPU_PERIOD_US;
}

int
cgroup_live(void)
{
	return cg_live;
}

int
cgroup_dirfd(void)
{
	return cg_live ? cg_dirfd : -1;
}

void
cgroup_close(void)
{
	if (cg_dirfd != -1)
		close(cg_dirfd);
	cg_dirfd = -1;
	cg_live = 0;
	cg_fake = 0;
	cg_path[0] = '\0';
	cg_state[0] = '\0';
	cg_ntracked = 0;
	cg_cursor = 0;
	cg_reap_warned = 0;
	cg_next = CGROUP_FIRST_SLOT;
}

/* ---- small file helpers ---- */

/* Whole file into buf, NUL-terminated; -1 if it does not fit. */
static int
read_file(int dfd, const char *file, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	while (got < len - 1) {
		if ((n = read(fd, buf + got, len - 1 - got)) == -1) {
			if (errno == EINTR)
				continue;
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == len - 1) {
		errno = EFBIG;
		goto done;
	}
	buf[got] = '\0';
	rc = 0;
done:
	close(fd);
	return rc;
}

/* One value and a newline in one write(2), as cgroupfs takes commands. */
static int
write_value(int dfd, const char *file, const char *value)
{
	char text[128];
	int fd, n, flags, saved, rc;

	flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
	if (cg_fake)
		flags |= O_CREAT | O_APPEND;
	n = snprintf(text, sizeof(text), "%s\n", value);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = openat(dfd, file, flags, 0644)) == -1)
		return -1;
	/* cgroupfs takes a value whole or refuses it, so this is one
	 * write(2) in practice. */
	rc = ipc_write_all(fd, text, (size_t)n);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

static int
write_pid(int dfd, const char *file, pid_t pid)
{
	char text[24];

	snprintf(text, sizeof(text), "%ld", (long)pid);
	return write_value(dfd, file, text);
}

/* ---- the probe ---- */

/* 1 if a component of path is "..". */
static int
has_dotdot(const char *path)
{
	const char *p;

	for (p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
	return 0;
}

/* OWN from the "0::" line, relative to the cgroup2 root ("." for "/"). */
static int
own_path(const char *self, char *rel, size_t rellen)
{
	char *line, *end;
	size_t len;

	if (read_file(AT_FDCWD, self, cg_buf, sizeof(cg_buf)) == -1) {
		say("cannot read %s: %s", self, strerror(errno));
		return -1;
	}
	for (line = cg_buf; line != NULL && *line != '\0'; line = end) {
		if ((end = strchr(line, '\n')) != NULL)
			*end++ = '\0';
		if (strncmp(line, "0::", 3) == 0)
			break;
	}
	if (line == NULL || *line == '\0') {
		say("cgroup v1 only (no 0:: line in %s)", self);
		return -1;
	}
	line += 3;
	len = strlen(line);
	/* ".." appears when we sit outside our cgroup namespace's root. */
	if (line[0] != '/' || has_dotdot(line) || len >= rellen) {
		say("unusable cgroup2 path in %s", self);
		return -1;
	}
	snprintf(rel, rellen, "%s", len == 1 ? "." : line + 1);
	return 0;
}

static const char *
fs_name(long type)
{
	if (type == TMPFS_MAGIC)
		return "tmpfs";
	if (type == CGROUP_SUPER_MAGIC)
		return "cgroup v1";
	return "another file system";
}

static int
check_cgroup2(int rootfd, const char *fsroot)
{
	struct statfs sfs;

	if (fstatfs(rootfd, &sfs) == -1) {
		say("cannot statfs %s: %s", fsroot, strerror(errno));
		return -1;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
		say("cgroup v1 only (%s is %s, not cgroup2: legacy or hybrid "
		    "hierarchy)", fsroot, fs_name((long)sfs.f_type));
		return -1;
	}
	return 0;
}

/* 1 if word is one of the space-separated names in list. */
static int
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return 1;
		p += n;
	}
	return 0;
}

static int
check_controllers(int dfd)
{
	static const char *const need[] = { "memory", "pids", "cpu" };
	char list[CGROUP_LIST_MAX], missing[64] = "";
	size_t i, used = 0;

	if (read_file(dfd, "cgroup.controllers", list, sizeof(list)) == -1) {
		say("cannot read %s/cgroup.controllers: %s", cg_path,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!has_word(list, need[i]))
			used += (size_t)snprintf(missing + used,
			    sizeof(missing) - used, " %s", need[i]);
	if (missing[0] != '\0') {
		say("cgroup2 controllers missing in %s/cgroup.controllers:%s "
		    "(the parent must delegate them: systemd Delegate=yes)",
		    cg_path, missing);
		return -1;
	}
	return 0;
}

/* Our own group: not the host's root, delegated to us, with controllers. */
static int
check_group(int dfd)
{
	static const char *const files[] = {
		".", "cgroup.procs", "cgroup.subtree_control"
	};
	size_t i;

	/* cgroupfs gives every group but the root a cgroup.type. */
	if (faccessat(dfd, "cgroup.type", F_OK, 0) == -1) {
		say("own cgroup %s is the root cgroup (no cgroup.type): not "
		    "managing the host's top level", cg_path);
		return -1;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (faccessat(dfd, files[i], W_OK, AT_EACCESS) == -1) {
			say("cgroup2 subtree not delegated (cannot write "
			    "%s/%s: %s)", cg_path, files[i], strerror(errno));
			return -1;
		}
	return check_controllers(dfd);
}

static void
say_write_failed(const char *file)
{
	if (errno == EBUSY)
		say("own cgroup %s still holds other processes (cgroup2 "
		    "\"no internal processes\" rule: %s: %s)", cg_path, file,
		    strerror(errno));
	else if (errno == EACCES || errno == EPERM || errno == EROFS)
		say("cgroup2 subtree not delegated (cannot write %s/%s: %s)",
		    cg_path, file, strerror(errno));
	else
		say("cannot write %s/%s: %s", cg_path, file, strerror(errno));
}

/* Front end and us into OWN/daemon, then controllers on for children. */
static int
enable(int dfd, pid_t frontend)
{
	int leaf, rc = -1;

	if (mkdirat(dfd, CGROUP_DAEMON, 0755) == -1 && errno != EEXIST) {
		say("cannot create %s/" CGROUP_DAEMON ": %s", cg_path,
		    strerror(errno));
		return -1;
	}
	leaf = openat(dfd, CGROUP_DAEMON, O_PATH | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (leaf == -1) {
		say("cannot open %s/" CGROUP_DAEMON ": %s", cg_path,
		    strerror(errno));
		return -1;
	}
	/* ESRCH: the front end is gone, and PDEATHSIG takes us with it. */
	if (frontend > 0 && write_pid(leaf, "cgroup.procs", frontend) == -1 &&
	    errno != ESRCH) {
		say_write_failed(CGROUP_DAEMON "/cgroup.procs");
		goto done;
	}
	if (write_pid(leaf, "cgroup.procs", getpid()) == -1) {
		say_write_failed(CGROUP_DAEMON "/cgroup.procs");
		goto done;
	}
	if (write_value(dfd, "cgroup.subtree_control", CGROUP_ENABLE) == -1) {
		say_write_failed("cgroup.subtree_control");
		goto done;
	}
	rc = 0;
done:
	close(leaf);
	return rc;
}

/* ---- tracked exec-<pid> groups ---- */

static void
group_name(long n, char *name, size_t len)
{
	snprintf(name, len, CGROUP_PREFIX "%ld", n);
}

static void
track_add(long pid)
{
	size_t i;

	for (i = 0; i < cg_ntracked; i++)
		if (cg_tracked[i] == pid)
			return;
	if (cg_ntracked < CGROUP_MAX_TRACKED)
		cg_tracked[cg_ntracked++] = pid;
}

static void
track_del(size_t i)
{
	cg_tracked[i] = cg_tracked[--cg_ntracked];
}

static void
track_forget(long pid)
{
	size_t i;

	for (i = 0; i < cg_ntracked; i++)
		if (cg_tracked[i] == pid) {
			track_del(i);
			return;
		}
}

/* rmdir entry i; 0 if it is gone (and dropped), -1 if it stays. */
static int
reap_one(size_t i)
{
	char name[32];

	group_name(cg_tracked[i], name, sizeof(name));
	if (unlinkat(cg_dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT) {
		track_del(i);
		return 0;
	}
	/* EBUSY: still populated (ENOTEMPTY on a test's plain directory). */
	if (errno != EBUSY && errno != ENOTEMPTY && !cg_reap_warned) {
		log_warn("cgroup rmdir %s (further failures not logged)", name);
		cg_reap_warned = 1;
	}
	return -1;
}

static void
reap_some(size_t max)
{
	size_t n;

	if (max > cg_ntracked)
		max = cg_ntracked;
	for (n = 0; n < max && cg_ntracked > 0; n++) {
		if (cg_cursor >= cg_ntracked)
			cg_cursor = 0;
		/* On success the last entry moved into this slot. */
		if (reap_one(cg_cursor) == -1)
			cg_cursor++;
	}
}

void
cgroup_reap(void)
{
	if (cg_live)
		reap_some(CGROUP_REAP_BATCH);
}

/* Once at startup: exec-* groups of an earlier run. */
static void
sweep(int dfd)
{
	struct dirent *de;
	char *end;
	long pid;
	DIR *d;
	int fd;

	if ((fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, CGROUP_PREFIX,
		    sizeof(CGROUP_PREFIX) - 1) != 0)
			continue;
		pid = strtol(de->d_name + sizeof(CGROUP_PREFIX) - 1, &end, 10);
		if (*end != '\0' || pid <= 0 || pid >= LONG_MAX / 2)
			continue;
		if (pid >= cg_next)		/* numbers stay unique */
			cg_next = pid + 1;
		if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) == -1)
			track_add(pid);		/* populated: reap later */
	}
	closedir(d);
}

int
cgroup_probe(const struct cgroup_env *env, char *why, size_t whylen)
{
	struct cgroup_env def;
	char rel[PATH_MAX];
	int rootfd = -1, dfd = -1, n, rc = -1;

	cgroup_close();
	if (env == NULL) {
		cgroup_env_default(&def);
		env = &def;
	}
	cg_fake = env->fake;
	if (own_path(env->self_cgroup, rel, sizeof(rel)) == -1)
		goto done;
	if ((rootfd = open(env->fsroot, O_PATH | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		say("cannot open %s: %s", env->fsroot, strerror(errno));
		goto done;
	}
	if (!env->fake && check_cgroup2(rootfd, env->fsroot) == -1)
		goto done;
	n = snprintf(cg_path, sizeof(cg_path), "%s%s%s", env->fsroot,
	    strcmp(rel, ".") == 0 ? "" : "/", strcmp(rel, ".") == 0 ? "" : rel);
	if (n < 0 || (size_t)n >= sizeof(cg_path)) {
		say("cgroup2 path under %s too long", env->fsroot);
		goto done;
	}
	dfd = openat(rootfd, rel, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd == -1) {
		say("cannot open own cgroup %s: %s", cg_path, strerror(errno));
		goto done;
	}
	if (check_group(dfd) == -1)
		goto done;
	if (env->check_only) {
		say("cgroup2 subtree %s is usable (check only: not used)",
		    cg_path);
		rc = 0;
		goto done;
	}
	if (enable(dfd, env->frontend) == -1)
		goto done;
	cg_dirfd = dfd;
	dfd = -1;
	cg_live = 1;
	sweep(cg_dirfd);
	say("per-executor cgroups under %s (memory, pids, cpu)", cg_path);
	rc = 0;
done:
	if (rootfd != -1)
		close(rootfd);
	if (dfd != -1)
		close(dfd);
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", cg_state);
	return rc;
}

/* ---- per executor ---- */

static void
knob_value(enum cg_value v, const struct cgroup_limits *lim, char *buf,
    size_t len)
{
	int64_t n = 0;

	switch (v) {
	case CG_MEMORY:
		n = lim->memory_max;
		break;
	case CG_ZERO:
		snprintf(buf, len, "0");
		return;
	case CG_ONE:
		snprintf(buf, len, "1");
		return;
	case CG_PIDS:
		n = lim->pids_max;
		break;
	case CG_CPU:
		if (lim->cpu_quota_us > 0)
			snprintf(buf, len, "%lld %lld",
			    (long long)lim->cpu_quota_us,
			    (long long)lim->cpu_period_us);
		else
			snprintf(buf, len, "max %lld",
			    (long long)lim->cpu_period_us);
		return;
	}
	if (n > 0)
		snprintf(buf, len, "%lld", (long long)n);
	else
		snprintf(buf, len, "max");
}

/* mkdir exec-<pid>; a leftover of that name (recycled pid) goes first. */
static int
make_group(const char *name)
{
	if (mkdirat(cg_dirfd, name, 0755) == 0)
		return 0;
	if (errno != EEXIST || unlinkat(cg_dirfd, name, AT_REMOVEDIR) == -1)
		return -1;
	return mkdirat(cg_dirfd, name, 0755);
}

static int
write_limits(int dfd, const char *name, const struct cgroup_limits *lim)
{
	char value[64];
	size_t i;

	for (i = 0; i < sizeof(cg_knobs) / sizeof(cg_knobs[0]); i++) {
		knob_value(cg_knobs[i].value, lim, value, sizeof(value));
		if (write_value(dfd, cg_knobs[i].file, value) == 0 ||
		    (cg_knobs[i].optional && errno == ENOENT))
			continue;
		log_warn("cgroup %s/%s", name, cg_knobs[i].file);
		return -1;
	}
	return 0;
}

/* Room for one more group: reap, harder when the table is full. */
static int
make_room(void)
{
	cgroup_reap();
	if (cg_ntracked == CGROUP_MAX_TRACKED)
		reap_some(cg_ntracked);
	if (cg_ntracked == CGROUP_MAX_TRACKED) {
		log_warnx("cgroup: %d groups not yet removed",
		    CGROUP_MAX_TRACKED);
		return -1;
	}
	return 0;
}

/* exec-<n> with its limits, tracked; its O_PATH fd, or -1. */
static int
group_new(long n, const struct cgroup_limits *lim)
{
	char name[32];
	int dfd;

	if (make_room() == -1)
		return -1;
	group_name(n, name, sizeof(name));
	if (make_group(name) == -1) {
		log_warn("cgroup mkdir %s", name);
		return -1;
	}
	track_add(n);
	dfd = openat(cg_dirfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (dfd == -1)
		log_warn("cgroup open %s", name);
	else if (write_limits(dfd, name, lim) == -1) {
		close(dfd);
		dfd = -1;
	}
	if (dfd == -1 && unlinkat(cg_dirfd, name, AT_REMOVEDIR) == 0)
		track_forget(n);
	return dfd;
}

int
cgroup_executor_prepare(const struct cgroup_limits *lim,
    struct cgroup_slot *slot)
{
	slot->n = 0;
	slot->fd = -1;
	if (!cg_live)
		return 0;
	slot->n = cg_next++;
	if ((slot->fd = group_new(slot->n, lim)) == -1)
		return -1;
	return 0;
}

int
cgroup_executor_move(const struct cgroup_slot *slot, pid_t pid)
{
	char name[32];

	if (slot->fd == -1)
		return 0;
	if (write_pid(slot->fd, "cgroup.procs", pid) == -1) {
		group_name(slot->n, name, sizeof(name));
		log_warn("cgroup %s/cgroup.procs", name);
		return -1;
	}
	return 0;
}

void
cgroup_executor_done(struct cgroup_slot *slot, int used)
{
	char name[32];

	if (slot->fd == -1)
		return;
	close(slot->fd);
	slot->fd = -1;
	group_name(slot->n, name, sizeof(name));
	/* No process ever got in: the group is empty, remove it now. */
	if (!used && unlinkat(cg_dirfd, name, AT_REMOVEDIR) == 0)
		track_forget(slot->n);
}

int
cgroup_executor_attach(pid_t pid, const struct cgroup_limits *lim)
{
	struct cgroup_slot slot = { pid, -1 };
	int rc;

	if (!cg_live)
		return 0;
	if ((slot.fd = group_new(pid, lim)) == -1)
		return -1;
	rc = cgroup_executor_move(&slot, pid);
	cgroup_executor_done(&slot, rc == 0);
	return rc;
}

void
cgroup_dump(FILE *fp, const struct cgroup_limits *lim)
{
	char value[64];
	size_t i;

	if (cg_live)
		fprintf(fp, "cgroup: live: OWN is %s\n", cg_path);
	else
		fprintf(fp, "cgroup: off (%s): executors have rlimits alone\n",
		    cg_state[0] != '\0' ? cg_state : "not probed");
	fprintf(fp, "cgroup: OWN/" CGROUP_DAEMON "/cgroup.procs <- front end, "
	    "spawner (OWN itself holds no process)\n");
	fprintf(fp, "cgroup: OWN/cgroup.subtree_control " CGROUP_ENABLE "\n");
	for (i = 0; i < sizeof(cg_knobs) / sizeof(cg_knobs[0]); i++) {
		knob_value(cg_knobs[i].value, lim, value, sizeof(value));
		fprintf(fp, "cgroup: OWN/" CGROUP_PREFIX "PID/%s %s: %s\n",
		    cg_knobs[i].file, value, cg_knobs[i].why);
	}
	fprintf(fp, "cgroup: OWN/" CGROUP_PREFIX "PID/cgroup.procs <- PID, "
	    "after fork, before any SQL\n");
	fprintf(fp, "cgroup: rmdir OWN/" CGROUP_PREFIX "PID once empty, up "
	    "to %d tried per spawn\n", CGROUP_REAP_BATCH);
}
