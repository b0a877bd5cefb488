/*
 * test_cgroup.c: per-executor cgroups (sandbox/cgroup.c).
 *
 * What runs where:
 *   - The real probe, on this machine, in check-only mode. The build box
 *     has cgroup v1 only (/sys/fs/cgroup is a tmpfs holding v1
 *     hierarchies), so it must answer -1 with a reason naming v1. On a
 *     cgroup2 machine the assertion adapts: 0 or -1 with a reason that
 *     is not about v1, and never live. A full real probe is not run
 *     anywhere: it would move this test and its parent (the shell of
 *     `make check`) into a new cgroup of the host.
 *   - Everything else against a fake tree in a temp dir: a fake
 *     /proc/self/cgroup with "0::/walkind.service" and plain files for
 *     cgroup.controllers ("cpuset cpu io memory pids"), cgroup.type,
 *     cgroup.procs and cgroup.subtree_control. Asserted: what is written
 *     to subtree_control, to daemon/cgroup.procs, to each limit file and
 *     to cgroup.procs of exec-<pid>; each refusal (v1, bad path, missing
 *     group, root group, missing controller, file missing, file replaced
 *     by a directory: chmod would not stop root, which runs this) gives
 *     -1 and a reason naming its cause, leaks no fd and is not live;
 *     check-only writes nothing; reaping removes empty exec-* dirs and
 *     keeps populated ones; the startup sweep does the same for an
 *     earlier run's leftovers.
 *     The clone3 path: the group made with its limits before the
 *     executor (numbered past every pid and past an earlier run's),
 *     removed at once when the spawn fails, the pid move as fallback.
 * Not tested here, for want of a cgroup2 mount: that clone3 with
 * CLONE_INTO_CGROUP starts the child inside the group (the fake is a
 * plain directory, which the kernel refuses: only that is checked), and
 * that the kernel takes these writes (a real memory.max, the EBUSY of a populated rmdir, the
 * "no internal processes" EBUSY), the optional memory.swap.max being
 * absent (the fake creates every file it is asked to write) and a write
 * failing half way through an executor's limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "proc.h"
#include "config.h"
#include "unit.h"

#define OWN	"walkind.service"

static char tmp[256];		/* the fake tree's top, per test */
static char fsroot[300];	/* tmp/fs, the fake cgroup2 mount */
static char selfcg[300];	/* tmp/self, the fake /proc/self/cgroup */

static void
put(const char *rel, const char *text)
{
	char path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
}

static void
dir(const char *rel)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

static int
exists(const char *rel)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	return stat(path, &st) == 0;
}

static void
gone(const char *rel)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	unlink(path);
}

/* The file's text, or "(missing)"; static buffer. */
static const char *
slurp(const char *rel)
{
	static char buf[4096];
	char path[600];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	if ((fp = fopen(path, "r")) == NULL)
		return "(missing)";
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* A delegated cgroup2 group as a plain directory tree. */
static void
fake_tree(struct cgroup_env *env)
{
	snprintf(tmp, sizeof(tmp), "/tmp/walkind-cgroup-XXXXXX");
	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(fsroot, sizeof(fsroot), "%s/fs", tmp);
	snprintf(selfcg, sizeof(selfcg), "%s/self", tmp);
	put("self", "4:memory:/ignored\n0::/" OWN "\n");
	dir("fs");
	dir("fs/" OWN);
	put("fs/" OWN "/cgroup.controllers", "cpuset cpu io memory pids\n");
	put("fs/" OWN "/cgroup.type", "domain\n");
	put("fs/" OWN "/cgroup.procs", "");
	put("fs/" OWN "/cgroup.subtree_control", "");
	memset(env, 0, sizeof(*env));
	env->fsroot = fsroot;
	env->self_cgroup = selfcg;
	env->frontend = 4242;
	env->fake = 1;
}

static void
fake_done(void)
{
	cgroup_close();
	unit_rmtree(tmp);
}

/* The lowest free fd: equal before and after means nothing leaked. */
static int
lowest_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static void
test_limits(void)
{
	struct cgroup_limits lim;
	struct config cfg;

	config_defaults(&cfg, "/tmp");
	cgroup_limits_from_config(&lim, &cfg);
	/* 128 MiB + db and journal page cache (2 x 10 MiB) + 4 MiB. */
	CHECK_INT(lim.memory_max, (128 + 20 + 4) * 1024 * 1024);
	CHECK_INT(lim.pids_max, 2);		/* itself + join slack */
	CHECK_INT(lim.cpu_quota_us, 100000);
	CHECK_INT(lim.cpu_period_us, 100000);
	cfg.threads = 8;
	cfg.max_memory = 64LL * 1024 * 1024 * 1024;
	cgroup_limits_from_config(&lim, &cfg);
	CHECK_INT(lim.pids_max, 10);
	CHECK_INT(lim.memory_max, 64LL * 1024 * 1024 * 1024 +
	    24 * 1024 * 1024);
	CHECK_INT(lim.cpu_quota_us, lim.cpu_period_us);	/* one CPU */
}

static void
test_real_probe(void)
{
	struct cgroup_env env;
	struct statfs sfs;
	char why[512] = "";
	int rc, v2;

	v2 = statfs(CGROUP_FSROOT, &sfs) == 0 &&
	    sfs.f_type == CGROUP2_SUPER_MAGIC;
	cgroup_env_default(&env);
	CHECK_STR(env.fsroot, CGROUP_FSROOT);
	CHECK_STR(env.self_cgroup, CGROUP_SELF);
	CHECK_INT(env.frontend, getppid());
	env.check_only = 1;		/* never move the host's processes */
	rc = cgroup_probe(&env, why, sizeof(why));
	CHECK(why[0] != '\0');
	if (!v2) {
		CHECK_INT(rc, -1);
		CHECK(strstr(why, "cgroup v1") != NULL);
		printf("%s: real probe: %s\n", __FILE__, why);
	} else {
		CHECK(rc == 0 || rc == -1);
		CHECK(strstr(why, "v1") == NULL);
		printf("%s: cgroup2 here; check-only probe said: %s\n",
		    __FILE__, why);
	}
	CHECK_INT(cgroup_live(), 0);
	CHECK_INT(cgroup_dirfd(), -1);
	cgroup_close();
}

static void
test_check_only(void)
{
	struct cgroup_env env;
	char why[512];

	fake_tree(&env);
	env.check_only = 1;
	CHECK_INT(cgroup_probe(&env, why, sizeof(why)), 0);
	CHECK(strstr(why, "usable") != NULL);
	CHECK_INT(cgroup_live(), 0);
	CHECK_INT(cgroup_dirfd(), -1);
	CHECK(!exists("fs/" OWN "/daemon"));
	CHECK_STR(slurp("fs/" OWN "/cgroup.subtree_control"), "");
	fake_done();
}

static void
test_probe_attach_reap(void)
{
	struct cgroup_limits lim = { 160 << 20, 3, 50000, 100000 };
	struct cgroup_env env;
	char why[512], want[64];
	struct stat st;

	fake_tree(&env);
	dir("fs/" OWN "/exec-42");		/* an earlier run's, empty */
	dir("fs/" OWN "/exec-43");		/* an earlier run's, populated */
	put("fs/" OWN "/exec-43/cgroup.procs", "77\n");
	dir("fs/" OWN "/other");
	CHECK_INT(cgroup_probe(&env, why, sizeof(why)), 0);
	CHECK(strstr(why, fsroot) != NULL && strstr(why, OWN) != NULL);
	CHECK_INT(cgroup_live(), 1);
	CHECK(cgroup_dirfd() >= 0);
	CHECK(fstat(cgroup_dirfd(), &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_STR(slurp("fs/" OWN "/cgroup.subtree_control"),
	    "+memory +pids +cpu\n");
	snprintf(want, sizeof(want), "4242\n%ld\n", (long)getpid());
	CHECK_STR(slurp("fs/" OWN "/daemon/cgroup.procs"), want);
	CHECK_STR(slurp("fs/" OWN "/cgroup.procs"), "");
	CHECK(!exists("fs/" OWN "/exec-42"));
	CHECK(exists("fs/" OWN "/exec-43"));
	CHECK(exists("fs/" OWN "/other"));

	CHECK_INT(cgroup_executor_attach(31337, &lim), 0);
	CHECK_STR(slurp("fs/" OWN "/exec-31337/memory.max"), "167772160\n");
	CHECK_STR(slurp("fs/" OWN "/exec-31337/memory.swap.max"), "0\n");
	CHECK_STR(slurp("fs/" OWN "/exec-31337/memory.oom.group"), "1\n");
	CHECK_STR(slurp("fs/" OWN "/exec-31337/pids.max"), "3\n");
	CHECK_STR(slurp("fs/" OWN "/exec-31337/cpu.max"), "50000 100000\n");
	CHECK_STR(slurp("fs/" OWN "/exec-31337/cgroup.procs"), "31337\n");
	/* A dead group of a recycled pid is replaced. */
	dir("fs/" OWN "/exec-31339");
	lim.pids_max = 0;
	lim.cpu_quota_us = 0;
	CHECK_INT(cgroup_executor_attach(31339, &lim), 0);
	CHECK_STR(slurp("fs/" OWN "/exec-31339/pids.max"), "max\n");
	CHECK_STR(slurp("fs/" OWN "/exec-31339/cpu.max"), "max 100000\n");
	CHECK_STR(slurp("fs/" OWN "/exec-31339/cgroup.procs"), "31339\n");
	/* A populated group of that name cannot be replaced: refused. */
	dir("fs/" OWN "/exec-31338");
	put("fs/" OWN "/exec-31338/cgroup.procs", "31338\n");
	CHECK_INT(cgroup_executor_attach(31338, &lim), -1);
	CHECK_STR(slurp("fs/" OWN "/exec-31338/cgroup.procs"), "31338\n");

	/* exec-31337's executor exits: its group is empty, reap removes it. */
	gone("fs/" OWN "/exec-31337/memory.max");
	gone("fs/" OWN "/exec-31337/memory.swap.max");
	gone("fs/" OWN "/exec-31337/memory.oom.group");
	gone("fs/" OWN "/exec-31337/pids.max");
	gone("fs/" OWN "/exec-31337/cpu.max");
	gone("fs/" OWN "/exec-31337/cgroup.procs");
	cgroup_reap();
	CHECK(!exists("fs/" OWN "/exec-31337"));
	CHECK(exists("fs/" OWN "/exec-31339"));	/* populated: kept */
	CHECK(exists("fs/" OWN "/exec-43"));
	gone("fs/" OWN "/exec-43/cgroup.procs");	/* swept, then tracked */
	cgroup_reap();
	CHECK(!exists("fs/" OWN "/exec-43"));
	CHECK(exists("fs/" OWN "/exec-31339"));
	CHECK(exists("fs/" OWN "/exec-31338"));	/* never ours */
	CHECK(exists("fs/" OWN "/other"));

	cgroup_close();
	CHECK_INT(cgroup_live(), 0);
	CHECK_INT(cgroup_dirfd(), -1);
	/* Not live: attach is a no-op that succeeds. */
	CHECK_INT(cgroup_executor_attach(5555, &lim), 0);
	CHECK(!exists("fs/" OWN "/exec-5555"));
	fake_done();
}

/*
 * Issue 15: an executor is born in its group. The group is made with
 * its limits before the executor exists (cgroup_executor_prepare), and
 * proc_fork hands its fd to clone3(CLONE_INTO_CGROUP); the pid move
 * (cgroup_executor_move) is the fallback where clone3 is ENOSYS. The
 * fake tree is a plain directory, which the kernel refuses as a
 * clone3 cgroup: that no child comes of it is all this machine (cgroup
 * v1 only) can show of the clone3 call itself.
 */
static void
test_prepare_clone3(void)
{
	struct cgroup_limits lim = { 160 << 20, 3, 50000, 100000 };
	struct cgroup_slot slot, slot2;
	struct cgroup_env env;
	char why[512];
	int status = 0;
	pid_t pid;

	/* Not live: no group, fd -1, proc_fork is fork. */
	CHECK_INT(cgroup_executor_prepare(&lim, &slot), 0);
	CHECK_INT(slot.fd, -1);
	cgroup_executor_done(&slot, 1);
	if ((pid = proc_fork(slot.fd)) == 0)
		_exit(7);
	CHECK(pid > 0);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);

	fake_tree(&env);
	dir("fs/" OWN "/exec-4194400");		/* an earlier run's slot */
	put("fs/" OWN "/exec-4194400/cgroup.procs", "9\n");
	CHECK_INT(cgroup_probe(&env, why, sizeof(why)), 0);
	CHECK_INT(cgroup_executor_prepare(&lim, &slot), 0);
	CHECK(slot.fd >= 0);
	/* Numbered past every pid and past the leftover. */
	CHECK_INT(slot.n, 4194401);
	CHECK_STR(slurp("fs/" OWN "/exec-4194401/memory.max"), "167772160\n");
	CHECK_STR(slurp("fs/" OWN "/exec-4194401/pids.max"), "3\n");
	CHECK_STR(slurp("fs/" OWN "/exec-4194401/cpu.max"), "50000 100000\n");
	/* Limits first, and no process yet: nothing in cgroup.procs. */
	CHECK(!exists("fs/" OWN "/exec-4194401/cgroup.procs"));
	/* The kernel refuses a plain directory: -1, no child. */
	errno = 0;
	pid = proc_fork(slot.fd);
	if (pid == 0)
		_exit(0);
	CHECK_INT(pid, -1);
	CHECK(errno != 0);
	/* The fallback: the pid moved into the same group. */
	CHECK_INT(cgroup_executor_move(&slot, 31400), 0);
	CHECK_STR(slurp("fs/" OWN "/exec-4194401/cgroup.procs"), "31400\n");
	cgroup_executor_done(&slot, 1);
	CHECK_INT(slot.fd, -1);
	CHECK(exists("fs/" OWN "/exec-4194401"));	/* used: kept */
	/* A spawn that failed: its group goes at once. */
	CHECK_INT(cgroup_executor_prepare(&lim, &slot2), 0);
	CHECK_INT(slot2.n, 4194402);
	gone("fs/" OWN "/exec-4194402/memory.max");
	gone("fs/" OWN "/exec-4194402/memory.swap.max");
	gone("fs/" OWN "/exec-4194402/memory.oom.group");
	gone("fs/" OWN "/exec-4194402/pids.max");
	gone("fs/" OWN "/exec-4194402/cpu.max");
	cgroup_executor_done(&slot2, 0);
	CHECK(!exists("fs/" OWN "/exec-4194402"));
	cgroup_close();
	fake_done();
}

static void
test_dump(void)
{
	struct cgroup_limits lim;
	struct cgroup_env env;
	struct config cfg;
	char *text = NULL, *p;
	size_t len = 0;
	int lines = 0;
	FILE *fp;

	config_defaults(&cfg, "/tmp");
	cgroup_limits_from_config(&lim, &cfg);
	if ((fp = open_memstream(&text, &len)) == NULL)
		return;
	cgroup_dump(fp, &lim);			/* not probed */
	fclose(fp);
	CHECK(strstr(text, "cgroup: off (not probed)") != NULL);
	CHECK(strstr(text, "/memory.max 159383552:") != NULL);
	CHECK(strstr(text, "/memory.swap.max 0:") != NULL);
	CHECK(strstr(text, "/memory.oom.group 1:") != NULL);
	CHECK(strstr(text, "/pids.max 2:") != NULL);
	CHECK(strstr(text, "/cpu.max 100000 100000:") != NULL);
	CHECK(strstr(text, "subtree_control +memory +pids +cpu") != NULL);
	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	CHECK_INT(lines, 10);			/* one per rule */
	free(text);

	fake_tree(&env);
	CHECK_INT(cgroup_probe(&env, NULL, 0), 0);
	if ((fp = open_memstream(&text, &len)) == NULL)
		return;
	cgroup_dump(fp, &lim);
	fclose(fp);
	CHECK(strstr(text, "cgroup: live: OWN is ") != NULL);
	CHECK(strstr(text, OWN "\n") != NULL);
	free(text);
	fake_done();
}

/* Prepare a fake tree, break it with `breakit`, expect -1 naming `want`. */
static void
refused(void (*breakit)(void), const char *want)
{
	struct cgroup_env env;
	char why[512] = "";
	int fd0;

	fake_tree(&env);
	breakit();
	fd0 = lowest_fd();
	CHECK_INT(cgroup_probe(&env, why, sizeof(why)), -1);
	if (strstr(why, want) == NULL)
		fprintf(stderr, "reason \"%s\" lacks \"%s\"\n", why, want);
	CHECK(strstr(why, want) != NULL);
	CHECK_INT(cgroup_live(), 0);
	CHECK_INT(cgroup_dirfd(), -1);
	CHECK_INT(lowest_fd(), fd0);
	fake_done();
}

static void
no_v2_line(void)
{
	put("self", "4:memory:/x\n1:cpu,cpuacct:/\n");
}

static void
dotdot(void)
{
	put("self", "0::/../../elsewhere\n");
}

static void
dotdot_end(void)
{
	put("self", "0::/" OWN "/..\n");
}

/* A name that merely starts with "..": allowed, then simply absent. */
static void
dots_name(void)
{
	put("self", "0::/..b.service\n");
}

static void
no_group(void)
{
	put("self", "0::/nope.service\n");
}

static void
root_group(void)
{
	gone("fs/" OWN "/cgroup.type");
}

static void
no_pids(void)
{
	put("fs/" OWN "/cgroup.controllers", "cpuset cpu io memory hugetlb\n");
}

static void
no_cpu_memory(void)
{
	put("fs/" OWN "/cgroup.controllers", "cpuset io pids cpuacct\n");
}

static void
no_subtree_control(void)
{
	gone("fs/" OWN "/cgroup.subtree_control");
}

static void
subtree_control_dir(void)
{
	gone("fs/" OWN "/cgroup.subtree_control");
	dir("fs/" OWN "/cgroup.subtree_control");
}

static void
daemon_procs_dir(void)
{
	dir("fs/" OWN "/daemon");
	dir("fs/" OWN "/daemon/cgroup.procs");
}

static void
daemon_file(void)
{
	put("fs/" OWN "/daemon", "not a directory\n");
}

static void
test_refusals(void)
{
	refused(no_v2_line, "cgroup v1 only (no 0:: line in ");
	refused(dotdot, "unusable cgroup2 path");
	refused(dotdot_end, "unusable cgroup2 path");
	refused(dots_name, "cannot open own cgroup ");
	refused(no_group, "cannot open own cgroup ");
	refused(root_group, "is the root cgroup");
	refused(no_pids, "/cgroup.controllers: pids (the parent must");
	refused(no_cpu_memory, "/cgroup.controllers: memory cpu (");
	refused(no_subtree_control, "cgroup2 subtree not delegated (cannot "
	    "write ");
	refused(no_subtree_control, OWN "/cgroup.subtree_control: No such");
	refused(subtree_control_dir, OWN "/cgroup.subtree_control: Is a "
	    "directory");
	refused(daemon_procs_dir, "daemon/cgroup.procs: Is a directory");
	refused(daemon_file, "cannot open ");
}

UNIT_MAIN(test_limits, test_real_probe, test_check_only,
    test_probe_attach_reap, test_prepare_clone3, test_dump, test_refusals)
