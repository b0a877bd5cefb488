/*
 * landlock.c: each process's filesystem view, as one table per role.
 *
 * Every filesystem right the kernel knows is "handled" (denied unless a
 * rule grants it), so a right a later kernel adds is still denied by
 * older code only if this file lists it: the probe below clears the bits
 * the running ABI lacks, never adds unknown ones. TCP bind/connect are
 * handled with no rule (ABI >= 4), and abstract UNIX sockets and signals
 * are scoped to the domain (ABI >= 6) where the role allows it.
 *
 * Debian 12's <linux/landlock.h> stops at ABI 2, so the newer constants
 * and the three-field ruleset attribute are carried here; the attribute
 * size passed to the kernel follows the ABI (8, 16 or 24 bytes).
 *
 * What Landlock does not cover, and who does instead: stat/access/chmod/
 * chown on paths (not controlled: an executor can learn that a path
 * exists, never read or write it), truncate(2) by path before ABI 3 and
 * every socket family but TCP (seccomp denies the calls), fds opened
 * before the restriction (each process closes or never holds them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>

#include "dataset.h"
#include "log.h"
#include "sandbox_int.h"

/* Filesystem rights, by ABI. */
#define LL_EXECUTE	(1ULL << 0)
#define LL_WRITE_FILE	(1ULL << 1)
#define LL_READ_FILE	(1ULL << 2)
#define LL_READ_DIR	(1ULL << 3)
#define LL_REMOVE_DIR	(1ULL << 4)
#define LL_REMOVE_FILE	(1ULL << 5)
#define LL_MAKE_CHAR	(1ULL << 6)
#define LL_MAKE_DIR	(1ULL << 7)
#define LL_MAKE_REG	(1ULL << 8)
#define LL_MAKE_SOCK	(1ULL << 9)
#define LL_MAKE_FIFO	(1ULL << 10)
#define LL_MAKE_BLOCK	(1ULL << 11)
#define LL_MAKE_SYM	(1ULL << 12)
#define LL_REFER	(1ULL << 13)	/* ABI 2 */
#define LL_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#define LL_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */
#define LL_FS_ALL	((1ULL << 16) - 1)

#define LL_NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)

/* The kernel's struct landlock_ruleset_attr as of ABI 6. */
struct ll_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;
	uint64_t	scoped;
};

/* A walk-in's database and its rollback journal: what the executor's
 * connection needs (src/sqlconn.c: TRUNCATE journal, EXCLUSIVE locking):
 * create the -journal, empty it at each commit and unlink it, when empty,
 * at a clean exit; SQLite deletes one it rolled back at open; shrink the
 * file. */
#define LL_DB		(LL_READ_FILE | LL_WRITE_FILE | LL_MAKE_REG | \
			 LL_REMOVE_FILE | LL_TRUNCATE)

struct ll_rule {
	const char	*path;	/* absolute, or relative to the role's base */
	uint64_t	 access;
	const char	*why;
};

/* The front end: never anything under instances/. */
static const struct ll_rule ll_frontend[] = {
	{ "logs", LL_WRITE_FILE | LL_MAKE_REG | LL_REMOVE_FILE | LL_READ_DIR,
	  "append to the day's access log, create the next, list and unlink "
	  "files past retention; no read: logs are never read back" },
	{ "secrets", LL_WRITE_FILE | LL_MAKE_REG | LL_REMOVE_FILE |
	  LL_TRUNCATE,
	  "daily key rotation: write keys.tmp, rename it over keys; the keys "
	  "are read before lockdown, so no read right" },
};

/* The spawner; executors are forked inside this domain and narrow it. */
static const struct ll_rule ll_spawner[] = {
	{ "instances", LL_DB | LL_READ_DIR | LL_MAKE_DIR | LL_REMOVE_DIR |
	  LL_REFER,
	  "create instance dirs and their meta, remove expired ones; "
	  "executors open their database below; receive a warm executor's "
	  "spare dir from warm/ (REFER: Landlock ABI 2+; without it --warm "
	  "turns itself off)" },
	{ "warm", LL_DB | LL_READ_DIR | LL_MAKE_DIR | LL_REMOVE_DIR | LL_REFER,
	  "warm executors' spare dirs: make them, empty them at start and "
	  "exit, move one into instances/ when claimed (the same rights as "
	  "instances/: a move may not grant a right the source lacked)" },
	{ "/dev/null", LL_READ_FILE | LL_WRITE_FILE,
	  "an executor's stdin and stdout" },
	{ "/dev/urandom", LL_READ_FILE,
	  "SQLite reseeds its PRNG in each forked executor, before the "
	  "executor's own lockdown" },
};

/* One executor: its own instance directory and nothing else. The
 * executor opens its database only under this domain, so a hot-journal
 * rollback cannot reach a file a crafted journal names elsewhere. */
static const struct ll_rule ll_executor[] = {
	{ ".", LL_DB, "db.sqlite and db.sqlite-journal of this walk-in" },
};

/*
 * The operator's datasets (--dataset, dataset.h): read, nothing else,
 * one rule per file (a file rule, not its directory: nothing beside the
 * file is reachable). The spawner gets every dataset, since its domain
 * bounds the executors it forks; an executor only those its walk-in's
 * grant lets it read. No write, truncate or remove: the executor opens
 * them immutable=1, sound only while the file never changes, and they
 * are the operator's files.
 */
#define LL_DATASET	LL_READ_FILE

/* The spawner's delegated cgroup, when live (see cgroup.c): make and
 * remove exec-<pid> groups, write their limits and cgroup.procs. */
#define LL_CGROUP	(LL_WRITE_FILE | LL_MAKE_DIR | LL_REMOVE_DIR)

struct ll_role {
	const struct ll_rule	*rules;
	size_t			 n;
	const char		*base;	/* for --dump-policy */
	uint64_t		 scoped;
	const char		*scope_why;
};

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct ll_role ll_roles[] = {
	[SANDBOX_FRONTEND] = { ll_frontend, nitems(ll_frontend), "DATA",
	    LL_SCOPE_ABSTRACT_UNIX,
	    "no abstract UNIX sockets; signals stay allowed: the front end "
	    "SIGKILLs executors at the deadline" },
	[SANDBOX_SPAWNER] = { ll_spawner, nitems(ll_spawner), "DATA",
	    LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL,
	    "signals only into its own domain (its executors)" },
	[SANDBOX_EXECUTOR] = { ll_executor, nitems(ll_executor),
	    "DATA/instances/<expires>/<id>", LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL,
	    "cannot signal the front end, the spawner or another executor" },
};

static int ll_abi_cached;	/* 0: not probed yet */
static int ll_errno_cached;

int
landlock_abi(void)
{
	long v;

	if (ll_abi_cached == 0) {
		v = syscall(SYS_landlock_create_ruleset, NULL, 0,
		    LANDLOCK_CREATE_RULESET_VERSION);
		ll_abi_cached = v >= 1 ? (int)v : -1;
		ll_errno_cached = v >= 1 ? 0 : errno;
	}
	if (ll_abi_cached == -1)
		errno = ll_errno_cached;
	return ll_abi_cached;
}

/* The handled set on this kernel: every right it knows. */
static void
ll_handled(int abi, uint64_t scoped, struct ll_attr *a, size_t *size)
{
	memset(a, 0, sizeof(*a));
	a->handled_access_fs = LL_FS_ALL;
	a->handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	a->scoped = scoped;
	*size = sizeof(*a);
	switch (abi) {
	case 1:
		a->handled_access_fs &= ~LL_REFER;
		/* FALLTHROUGH */
	case 2:
		a->handled_access_fs &= ~LL_TRUNCATE;
		/* FALLTHROUGH */
	case 3:
		a->handled_access_net = 0;
		*size = sizeof(uint64_t);
		/* FALLTHROUGH */
	case 4:
		a->handled_access_fs &= ~LL_IOCTL_DEV;
		/* FALLTHROUGH */
	case 5:
		a->scoped = 0;
		if (*size > 2 * sizeof(uint64_t))
			*size = 2 * sizeof(uint64_t);
		break;
	default:
		break;
	}
}

static int
ll_add_fd(int ruleset, int fd, uint64_t access)
{
	struct landlock_path_beneath_attr pb;

	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = access;
	pb.parent_fd = fd;
	return (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
}

static int
ll_add_path(int ruleset, const char *base, const struct ll_rule *r,
    uint64_t handled)
{
	char path[4400];
	uint64_t access = r->access & handled;
	int fd, rc, saved;

	if (r->path[0] == '/')
		snprintf(path, sizeof(path), "%s", r->path);
	else
		snprintf(path, sizeof(path), "%s/%s", base, r->path);
	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1) {
		log_warn("landlock: %s", path);
		return -1;
	}
	rc = ll_add_fd(ruleset, fd, access);
	saved = errno;
	close(fd);
	if (rc == -1) {
		errno = saved;
		log_warn("landlock: rule for %s", path);
	}
	return rc;
}

/*
 * One read rule per dataset this role may see. A dataset file gone or
 * replaced since start gets no rule in an executor (which then finds it
 * changed and does not attach it, dataset.h) rather than failing the
 * walk-in; in the spawner, at start, every file must be there.
 */
static int
ll_add_datasets(int ruleset, enum sandbox_role role, uint64_t handled)
{
	const struct dataset *d;
	size_t i;
	int fd, rc;

	if (role == SANDBOX_FRONTEND)
		return 0;
	for (i = 0; (d = dataset_at(i)) != NULL; i++) {
		if (role == SANDBOX_EXECUTOR && (!dataset_visible(d) ||
		    !dataset_unchanged(d)))
			continue;
		if ((fd = open(d->path, O_PATH | O_CLOEXEC | O_NOFOLLOW)) == -1) {
			if (role == SANDBOX_EXECUTOR)
				continue;
			log_warn("landlock: dataset %s", d->name);
			return -1;
		}
		rc = ll_add_fd(ruleset, fd, LL_DATASET & handled);
		close(fd);
		if (rc == -1) {
			log_warn("landlock: rule for dataset %s", d->name);
			return -1;
		}
	}
	return 0;
}

int
landlock_build(enum sandbox_role role, const char *dir, int extra_fd)
{
	const struct ll_role *lr = &ll_roles[role];
	struct ll_attr a;
	size_t i, size;
	int abi, fd;

	if ((abi = landlock_abi()) == -1)
		return -1;
	ll_handled(abi, lr->scoped, &a, &size);
	fd = (int)syscall(SYS_landlock_create_ruleset, &a, size, 0);
	if (fd == -1) {
		log_warn("landlock_create_ruleset");
		return -1;
	}
	for (i = 0; i < lr->n; i++)
		if (ll_add_path(fd, dir, &lr->rules[i],
		    a.handled_access_fs) == -1)
			goto fail;
	if (ll_add_datasets(fd, role, a.handled_access_fs) == -1)
		goto fail;
	if (extra_fd != -1 &&
	    ll_add_fd(fd, extra_fd, LL_CGROUP & a.handled_access_fs) == -1) {
		log_warn("landlock: cgroup rule");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
landlock_enter(int ruleset_fd)
{
	long rc;

	rc = syscall(SYS_landlock_restrict_self, ruleset_fd, 0);
	close(ruleset_fd);
	return rc == 0 ? 0 : -1;
}

static void
ll_dump_rights(FILE *f, uint64_t r)
{
	static const char *names[] = { "execute", "write_file", "read_file",
	    "read_dir", "remove_dir", "remove_file", "make_char", "make_dir",
	    "make_reg", "make_sock", "make_fifo", "make_block", "make_sym",
	    "refer", "truncate", "ioctl_dev" };
	const char *sep = "";
	size_t i;

	for (i = 0; i < nitems(names); i++)
		if (r & (1ULL << i)) {
			fprintf(f, "%s%s", sep, names[i]);
			sep = ",";
		}
	if (*sep == '\0')
		fprintf(f, "none");
}

void
landlock_dump(FILE *f, enum sandbox_role role)
{
	const struct ll_role *lr = &ll_roles[role];
	struct ll_attr a;
	size_t i, size;
	int abi = landlock_abi();

	if (abi == -1) {
		fprintf(f, "  landlock: unavailable on this kernel (%s)\n",
		    strerror(errno));
		return;
	}
	ll_handled(abi, lr->scoped, &a, &size);
	fprintf(f, "  landlock (ABI %d): handled fs: ", abi);
	ll_dump_rights(f, a.handled_access_fs);
	fprintf(f, "\n  handled net: %s\n", a.handled_access_net ?
	    "bind_tcp,connect_tcp (no port allowed)" : "none (ABI < 4)");
	fprintf(f, "  scoped: %s%s%s (%s)\n",
	    a.scoped & LL_SCOPE_ABSTRACT_UNIX ? "abstract_unix_socket " : "",
	    a.scoped & LL_SCOPE_SIGNAL ? "signal " : "",
	    a.scoped ? "" : "none", abi < 6 ? "ABI < 6" : lr->scope_why);
	for (i = 0; i < lr->n; i++) {
		fprintf(f, "  allow %s%s%s: ", lr->rules[i].path[0] == '/' ?
		    "" : lr->base, lr->rules[i].path[0] == '/' ? "" : "/",
		    strcmp(lr->rules[i].path, ".") == 0 ? "" :
		    lr->rules[i].path);
		ll_dump_rights(f, lr->rules[i].access & a.handled_access_fs);
		fprintf(f, "\n      # %s\n", lr->rules[i].why);
	}
	if (role != SANDBOX_FRONTEND) {
		fprintf(f, "  allow <each --dataset FILE%s>: ", role ==
		    SANDBOX_SPAWNER ? "" : " its walk-in's grant names");
		ll_dump_rights(f, LL_DATASET & a.handled_access_fs);
		fprintf(f, "\n      # the file alone, read-only: opened "
		    "immutable=1, so it must never change\n");
	}
	if (role == SANDBOX_SPAWNER) {
		fprintf(f, "  allow <delegated cgroup dir, when live>: ");
		ll_dump_rights(f, LL_CGROUP & a.handled_access_fs);
		fprintf(f, "\n      # per-executor cgroups: mkdir, write "
		    "limits and cgroup.procs, rmdir\n");
	}
	fprintf(f, "  everything else: denied\n");
}
