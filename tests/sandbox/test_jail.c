/*
 * test_jail.c: the jail under its real policy. Each probe runs in a fresh
 * child that does what the daemon's process does: drop root to the
 * service user, sandbox_prepare, sandbox_enter; an executor probe runs
 * in a grandchild forked by a child locked down as the spawner, so the
 * two Landlock domains and seccomp filters stack exactly as in walkind.
 * The probe then tries to break out; the parent checks the outcome (an
 * errno, or death by SIGSYS).
 *
 * Every executor probe runs twice: as a fresh executor, and as a warm one
 * (--warm, spawner.c): jailed on a spare directory under DATA/warm that
 * the spawner-jailed parent then renames to the walk-in's place, as a
 * claim does. The outcomes must be the same: Landlock's rule holds the
 * directory's inode, so the jail follows it into instances/ and grants
 * nothing more there.
 *
 * Needs root (to drop it, as walkind does) and the service user that
 * deploy/install-deps.sh creates; Landlock and seccomp must be present,
 * which sandbox_check also demands of walkind itself.
 *
 * The last tests run the real build/walkind on a kernel made to look as
 * if it had no Landlock or no seccomp (a seccomp filter of our own makes
 * the probe calls fail with ENOSYS/EINVAL), and check that it refuses to
 * start unless --insecure-no-sandbox.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>
#include <sqlite3.h>

#include "accesslog.h"
#include "bounds.h"
#include "buf.h"
#include "config.h"
#include "dataset.h"
#include "sandbox_int.h"
#include "sqlconn.h"
#include "sqlexec.h"
#include "token.h"
#include "unit.h"

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds have no jail to test (sandbox.c): say so, skip. */
int
main(void)
{
	printf("%s: sanitizer build, the jail is off by design: skipped\n"
	    "%s: %d passed, %d failed\n", __FILE__, __FILE__, unit_pass,
	    unit_fail);
	return 0;
}
#else

#define ID_A	"01900000-0000-7000-8000-00000000000a"
#define ID_B	"01900000-0000-7000-8000-00000000000b"
#define SURVIVED	3	/* exit code: a call that should kill returned */
#define SIGNALLED(s)	(100 + (s))

static struct config	cfg;
static char		data[PATH_MAX], dir_a[PATH_MAX + 64],
			dir_b[PATH_MAX + 64], dsdir[PATH_MAX],
			spare_a[PATH_MAX + 64];
static int		exec_warm;	/* executor probes run warm */

static void
path_of(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", data, rel);
}

static int
status_code(int st)
{
	if (WIFSIGNALED(st))
		return SIGNALLED(WTERMSIG(st));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- running a probe in a jailed process ---- */

static struct sqlconn	*exec_conn;	/* the executor probe's database */
static const char	*exec_grant;	/* its walk-in's grant; NULL: "" */

/* warm: jailed on spare_a; say so on `sync`, wait for the claim (the
 * parent has renamed spare_a to dir_a), then go on as any executor. */
static void __attribute__((noreturn))
run_executor(void (*fn)(void), int sync)
{
	struct sandbox_params sp = { &cfg, exec_warm ? spare_a : dir_a, -1 };
	struct sqlconn_opts o = { cfg.max_db_bytes, 0 };
	char path[PATH_MAX + 128], err[256], c = 'r';
	unsigned int seed;

	/* As executor_main: reseed, lock down, and only then open. */
	sqlite3_randomness(0, NULL);
	sqlite3_randomness(sizeof(seed), &seed);
	dataset_select(exec_grant ? exec_grant : "");
	if (sandbox_prepare(SANDBOX_EXECUTOR, &sp) == -1)
		_exit(91);
	sandbox_enter(SANDBOX_EXECUTOR);
	if (exec_warm && (write(sync, &c, 1) != 1 || read(sync, &c, 1) != 1))
		_exit(89);
	snprintf(path, sizeof(path), "%s/db.sqlite", dir_a);
	if ((exec_conn = sqlconn_open(path, &o, err, sizeof(err))) == NULL)
		_exit(90);
	fn();
	_exit(0);
}

static void __attribute__((noreturn))
run_jailed(enum sandbox_role role, void (*fn)(void))
{
	struct sandbox_params sp = { &cfg, NULL, -1 };
	pid_t pid;
	int st, sv[2];
	char c;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		_exit(96);
	sandbox_check(&cfg);
	sandbox_drop_root(&cfg);
	if (role == SANDBOX_EXECUTOR &&
	    sqlconn_global_init(cfg.max_memory - BOUNDS_HEAP_SLACK) == -1)
		_exit(92);
	if (sandbox_prepare(role == SANDBOX_EXECUTOR ? SANDBOX_SPAWNER : role,
	    &sp) == -1)
		_exit(93);
	sandbox_enter(role == SANDBOX_EXECUTOR ? SANDBOX_SPAWNER : role);
	if (role != SANDBOX_EXECUTOR) {
		fn();
		_exit(0);
	}
	/* warm: dir_a becomes the spare, as if made in DATA/warm */
	if (exec_warm && rename(dir_a, spare_a) == -1)
		_exit(88);
	if ((pid = fork()) == -1)
		_exit(94);
	if (pid == 0)
		run_executor(fn, sv[1]);
	/* the claim: once the executor is jailed, the spare moves into
	 * instances/ (the spawner's REFER), then the executor goes on */
	if (exec_warm && (read(sv[0], &c, 1) != 1 ||
	    rename(spare_a, dir_a) == -1 || write(sv[0], &c, 1) != 1)) {
		(void)rename(spare_a, dir_a);
		_exit(87);
	}
	if (waitpid(pid, &st, 0) != pid)
		_exit(95);
	_exit(status_code(st));
}

/* Outcome of fn under role: an exit code, or SIGNALLED(sig). */
static int
jailed(enum sandbox_role role, void (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		run_jailed(role, fn);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return status_code(st);
}

/* ---- probes: each ends the process with its verdict ---- */

static void
expect_eacces(int rc)
{
	_exit(rc == -1 && errno == EACCES ? 0 : 1);
}

static void
expect_ok(int ok)
{
	_exit(ok ? 0 : 1);
}

static void
open_rel(const char *rel, int flags)
{
	char p[PATH_MAX + 64];
	int fd;

	path_of(p, sizeof(p), rel);
	fd = open(p, flags | O_CLOEXEC, 0600);
	expect_eacces(fd);
}

static void p_open_own_db(void)
{
	char p[PATH_MAX + 128];

	snprintf(p, sizeof(p), "%s/db.sqlite", dir_a);
	expect_ok(open(p, O_RDWR) >= 0);
}
static void p_create_own_journal(void)
{
	char p[PATH_MAX + 128];
	int fd;

	snprintf(p, sizeof(p), "%s/db.sqlite-journal", dir_a);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	expect_ok(fd >= 0 && unlink(p) == 0);
}
static void p_open_sibling_db(void)
{
	open_rel("instances/" ID_B "/db.sqlite", O_RDONLY);
}
static void p_open_sibling_meta(void)
{
	open_rel("instances/" ID_B "/meta", O_RDONLY);
}
static void p_list_instances(void)
{
	open_rel("instances", O_RDONLY | O_DIRECTORY);
}
static void p_list_own(void)
{
	expect_eacces(open(dir_a, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}
static void p_create_in_instances(void)
{
	open_rel("instances/evil", O_WRONLY | O_CREAT);
}
static void p_create_in_warm(void)
{
	open_rel("warm/evil", O_WRONLY | O_CREAT);
}
static void p_open_keys(void)
{
	open_rel("secrets/keys", O_RDONLY);
}
static void p_open_log(void)
{
	open_rel("logs/x.jsonl", O_WRONLY | O_CREAT);
}
static void p_open_passwd(void)
{
	expect_eacces(open("/etc/passwd", O_RDONLY | O_CLOEXEC));
}
static void p_create_tmp(void)
{
	expect_eacces(open("/tmp/walkind-jail-escape", O_WRONLY | O_CREAT |
	    O_CLOEXEC, 0600));
}
static void p_mkdir_own(void)
{
	char p[PATH_MAX + 128];

	snprintf(p, sizeof(p), "%s/sub", dir_a);
	expect_eacces(mkdir(p, 0700));
}
static void p_own_journal_name_in_sibling(void)
{
	char p[PATH_MAX + 128];

	snprintf(p, sizeof(p), "%s/db.sqlite-journal", dir_b);
	expect_eacces(open(p, O_RDWR | O_CREAT, 0600));
}

/* The dataset (--dataset shop=DATA/ds/shop.db): that file, read-only;
 * nothing else of its directory. */
static void
ds_open(const char *name, int flags, int want_ok)
{
	char p[PATH_MAX + 64];
	int fd;

	snprintf(p, sizeof(p), "%s%s%s", dsdir, name[0] ? "/" : "", name);
	fd = open(p, flags | O_CLOEXEC, 0600);
	if (want_ok)
		expect_ok(fd >= 0);
	expect_eacces(fd);
}
static void p_ds_read(void)
{
	ds_open("shop.db", O_RDONLY, 0);
}
static void p_ds_read_ok(void)
{
	ds_open("shop.db", O_RDONLY, 1);
}
static void p_ds_write(void)
{
	ds_open("shop.db", O_RDWR, 0);
}
static void p_ds_sibling(void)
{
	ds_open("notes.txt", O_RDONLY, 0);
}
static void p_ds_list(void)
{
	ds_open("", O_RDONLY | O_DIRECTORY, 0);
}
static void p_ds_create(void)
{
	ds_open("shop.db-journal", O_RDWR | O_CREAT, 0);
}

/* Calls the policy kills for: reaching the next line is a failure. */
static void p_socket_inet(void)
{
	(void)socket(AF_INET, SOCK_STREAM, 0);
	_exit(SURVIVED);
}
static void p_socket_unix(void)
{
	(void)socket(AF_UNIX, SOCK_STREAM, 0);
	_exit(SURVIVED);
}
static void p_connect(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons(9), .sin_addr = { htonl(INADDR_LOOPBACK) } };

	(void)connect(0, (struct sockaddr *)&sin, sizeof(sin));
	_exit(SURVIVED);
}
static void p_bind(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	(void)bind(0, (struct sockaddr *)&sin, sizeof(sin));
	_exit(SURVIVED);
}
static char arg_true[] = "true";
static void p_execve(void)
{
	char *argv[] = { arg_true, NULL };

	(void)execve("/bin/true", argv, argv + 1);
	_exit(SURVIVED);
}
static void p_execveat(void)
{
	char *argv[] = { arg_true, NULL };

	(void)syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, argv + 1, 0);
	_exit(SURVIVED);
}
static void p_fork(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(SURVIVED);
	_exit(SURVIVED);
}
static void p_clone_newuser(void)
{
	(void)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	_exit(SURVIVED);
}
static void p_unshare(void)
{
	(void)unshare(CLONE_NEWUSER);
	_exit(SURVIVED);
}
static void p_ptrace(void)
{
	(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	_exit(SURVIVED);
}
static void p_mount(void)
{
	(void)mount("none", "/tmp", "tmpfs", 0, NULL);
	_exit(SURVIVED);
}
static void p_bpf(void)
{
	(void)syscall(SYS_bpf, 0, NULL, 0);
	_exit(SURVIVED);
}
static void p_kexec(void)
{
	(void)syscall(SYS_kexec_load, 0, 0, NULL, 0);
	_exit(SURVIVED);
}
static void p_kill_parent(void)
{
	(void)kill(getppid(), SIGKILL);
	_exit(SURVIVED);
}
static void p_mmap_exec(void)
{
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	_exit(SURVIVED);
}
static void p_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(1);
	(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
	_exit(SURVIVED);
}
static void p_raise_rlimit(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	(void)setrlimit(RLIMIT_AS, &rl);
	_exit(SURVIVED);
}
static void p_prctl(void)
{
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	_exit(SURVIVED);
}
static void p_truncate_path(void)
{
	int rc = truncate("/etc/passwd", 0);

	(void)rc;
	_exit(SURVIVED);
}
/* clone3 is refused with ENOSYS, not death: glibc falls back to clone. */
static void p_clone3(void)
{
	long rc = syscall(SYS_clone3, NULL, 0);

	expect_ok(rc == -1 && errno == ENOSYS);
}
/* Threads are allowed (--threads): clone with CLONE_THREAD. */
static void *thr(void *a) { return a; }
static void p_thread(void)
{
	pthread_t t;

	expect_ok(pthread_create(&t, NULL, thr, NULL) == 0 &&
	    pthread_join(t, NULL) == 0);
}

static int
run_sql(struct sqlconn *c, const char *sql, struct buf *out)
{
	struct sqlexec_limits lim = { 10, 1 << 20, 10000 };

	return sqlexec_run(c, sql, strlen(sql), &lim, out);
}

/* Memory: the address-space cap and SQLite's heap limit. */
static void p_malloc_past_cap(void)
{
	void *p = malloc((size_t)cfg.max_memory * 2);

	expect_ok(p == NULL && errno == ENOMEM);
}
static void p_sqlite_memory_bomb(void)
{
	struct buf out;
	int status;

	buf_init(&out);
	/* A sort of ~60 MB of rows, in memory (temp_store=MEMORY), against
	 * a 16 MiB heap: SQLite must stop with NOMEM, cleanly. */
	status = run_sql(exec_conn, "WITH RECURSIVE c(x) AS (SELECT 1 "
	    "UNION ALL SELECT x+1 FROM c LIMIT 600000) SELECT x, "
	    "randomblob(100) AS b FROM c ORDER BY b", &out);
	if (status != 400 || strstr(buf_cstr(&out), "out of memory") == NULL) {
		fprintf(stderr, "memory bomb: %d %s\n", status, buf_cstr(&out));
		_exit(1);
	}
	/* ...and the connection still works afterwards. */
	status = run_sql(exec_conn, "SELECT count(*) FROM t", &out);
	expect_ok(status == 200);
}
static void p_ds_sql(void)
{
	struct buf out;
	int st;

	buf_init(&out);
	st = run_sql(exec_conn, "SELECT count(*) FROM shop.items", &out);
	if (st == 200 && strstr(buf_cstr(&out), "[[3]]") == NULL)
		st = 0;
	expect_ok(st == 200 && run_sql(exec_conn, "INSERT INTO shop.items "
	    "VALUES(9)", &out) == 400);
}
static void p_ds_sql_none(void)
{
	struct buf out;

	buf_init(&out);
	expect_ok(run_sql(exec_conn, "SELECT count(*) FROM shop.items",
	    &out) == 400 && strstr(buf_cstr(&out), "no such table") != NULL);
}
static void p_sqlite_works(void)
{
	struct buf out;

	buf_init(&out);
	expect_ok(run_sql(exec_conn, "INSERT INTO t VALUES(2); "
	    "SELECT count(*) FROM t", &out) == 200);
}

/* Front end work that happens after lockdown. */
static void p_key_rotation(void)
{
	char p[PATH_MAX + 64];
	struct stat before, after;

	/* Keys were loaded before lockdown (setup, as in walkind); a
	 * rotation three periods later must replace the file. */
	path_of(p, sizeof(p), "secrets/keys");
	if (stat(p, &before) == -1 ||
	    token_keys_maybe_rotate((int64_t)time(NULL) +
	    3 * BOUNDS_KEY_ROTATE_S) == -1 || stat(p, &after) == -1)
		_exit(1);
	expect_ok(before.st_ino != after.st_ino);
}
static void p_accesslog_new_day(void)
{
	struct accesslog_entry e = { .source_ip = "127.0.0.1",
	    .method = "POST", .status = 200, .sql_bytes = 1 };
	int64_t later = (int64_t)time(NULL) + 2 * 86400;
	char p[PATH_MAX + 64], name[64];
	struct tm tm;
	struct stat st;
	time_t t = (time_t)later;

	e.time_ms = later * 1000;
	accesslog_write(&e);
	accesslog_expire(later, 7);
	gmtime_r(&t, &tm);
	strftime(name, sizeof(name), "logs/access-%Y-%m-%d.jsonl", &tm);
	path_of(p, sizeof(p), name);
	if (stat(p, &st) == -1 || st.st_size == 0)
		_exit(1);	/* the new day's file was not written */
	path_of(p, sizeof(p), "logs/access-2020-01-01.jsonl");
	expect_ok(stat(p, &st) == -1 && errno == ENOENT);
}

/* ---- set-up ---- */

static void
make_file(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX + 128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((f = fopen(p, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* A directory outside DATA (which each probe's drop of root chowns,
 * a change of the file's ctime): the dataset shop.db (3 rows), and what
 * must stay out of reach beside it. Checked by dataset_load as walkind
 * does at start; readable by the service user, as an operator's would. */
static void
setup_dataset(void)
{
	char p[PATH_MAX + 128], err[512];
	sqlite3 *db;

	snprintf(dsdir, sizeof(dsdir), "/tmp/walkind-jail-ds-XXXXXX");
	CHECK(mkdtemp(dsdir) != NULL && chmod(dsdir, 0755) == 0);
	make_file(dsdir, "notes.txt", "not for walk-ins\n");
	snprintf(p, sizeof(p), "%s/shop.db", dsdir);
	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE TABLE items(x); INSERT INTO items "
	    "VALUES(1), (2), (3)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(chmod(p, 0644) == 0);
	snprintf(cfg.datasets[0].name, sizeof(cfg.datasets[0].name), "shop");
	CHECK(strlen(p) < sizeof(cfg.datasets[0].file));
	memcpy(cfg.datasets[0].file, p, strlen(p) + 1);
	cfg.ndatasets = 1;
	CHECK(dataset_load(&cfg, err, sizeof(err)) == 0);
	if (unit_fail)
		fprintf(stderr, "dataset_load: %s\n", err);
}

static void
setup(void)
{
	struct sqlconn_opts o = { 1 << 20, 0 };
	struct sqlconn *c;
	char p[PATH_MAX + 128], err[256];
	struct buf out;
	const char *dirs[] = { "instances", "warm", "logs", "secrets",
	    "instances/" ID_A, "instances/" ID_B };
	size_t i;

	snprintf(data, sizeof(data), "/tmp/walkind-jail-XXXXXX");
	CHECK(mkdtemp(data) != NULL);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		path_of(p, sizeof(p), dirs[i]);
		CHECK(mkdir(p, 0700) == 0);
	}
	snprintf(dir_a, sizeof(dir_a), "%s/instances/%s", data, ID_A);
	snprintf(dir_b, sizeof(dir_b), "%s/instances/%s", data, ID_B);
	snprintf(spare_a, sizeof(spare_a), "%s/warm/%s", data, ID_A);
	make_file(dir_b, "meta", "secret meta\n");
	path_of(p, sizeof(p), "logs");
	make_file(p, "access-2020-01-01.jsonl", "{}\n");
	config_defaults(&cfg, data);
	cfg.max_memory = 64L * 1024 * 1024;
	/* Sorter threads on, so RLIMIT_NPROC is not set (rlimit.c) and the
	 * fork probes meet seccomp alone: it must be the wall by itself. */
	cfg.threads = 2;
	setup_dataset();	/* before: it leaves SQLite shut down */
	CHECK(sqlconn_global_init(cfg.max_memory - BOUNDS_HEAP_SLACK) == 0);
	buf_init(&out);
	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/db.sqlite", i ? dir_b : dir_a);
		CHECK((c = sqlconn_open(p, &o, err, sizeof(err))) != NULL);
		if (c == NULL)
			continue;
		CHECK_INT(run_sql(c, "CREATE TABLE t(x); INSERT INTO t "
		    "VALUES(1)", &out), 200);
		sqlconn_close(c);
	}
	buf_free(&out);
	path_of(p, sizeof(p), "secrets");
	CHECK(token_keys_load(p, (int64_t)time(NULL), err, sizeof(err)) == 0);
	path_of(p, sizeof(p), "logs");
	CHECK(accesslog_open(p) == 0);
}

/* ---- the tests ---- */

struct probe {
	enum sandbox_role	 role;
	void			(*fn)(void);
	int			 want;
	const char		*what;
};

#define DIES	SIGNALLED(SIGSYS)

static const struct probe probes[] = {
	/* executor: its own files work, nothing else does */
	{ SANDBOX_EXECUTOR, p_open_own_db, 0, "executor opens its db" },
	{ SANDBOX_EXECUTOR, p_create_own_journal, 0, "executor journal" },
	{ SANDBOX_EXECUTOR, p_sqlite_works, 0, "executor runs SQL" },
	{ SANDBOX_EXECUTOR, p_open_sibling_db, 0, "executor: sibling db" },
	{ SANDBOX_EXECUTOR, p_open_sibling_meta, 0, "executor: sibling meta" },
	{ SANDBOX_EXECUTOR, p_own_journal_name_in_sibling, 0,
	  "executor: create in sibling dir" },
	{ SANDBOX_EXECUTOR, p_list_instances, 0, "executor: list instances" },
	{ SANDBOX_EXECUTOR, p_list_own, 0, "executor: list its own dir" },
	{ SANDBOX_EXECUTOR, p_create_in_instances, 0,
	  "executor: create outside its dir" },
	{ SANDBOX_EXECUTOR, p_create_in_warm, 0, "executor: create in warm/" },
	{ SANDBOX_EXECUTOR, p_mkdir_own, DIES, "executor: mkdir" },
	{ SANDBOX_EXECUTOR, p_open_keys, 0, "executor: keys" },
	{ SANDBOX_EXECUTOR, p_open_passwd, 0, "executor: /etc/passwd" },
	{ SANDBOX_EXECUTOR, p_create_tmp, 0, "executor: create in /tmp" },
	{ SANDBOX_EXECUTOR, p_socket_inet, DIES, "executor: socket(AF_INET)" },
	{ SANDBOX_EXECUTOR, p_socket_unix, DIES, "executor: socket(AF_UNIX)" },
	{ SANDBOX_EXECUTOR, p_connect, DIES, "executor: connect" },
	{ SANDBOX_EXECUTOR, p_bind, DIES, "executor: bind" },
	{ SANDBOX_EXECUTOR, p_execve, DIES, "executor: execve" },
	{ SANDBOX_EXECUTOR, p_execveat, DIES, "executor: execveat" },
	{ SANDBOX_EXECUTOR, p_fork, DIES, "executor: fork" },
	{ SANDBOX_EXECUTOR, p_clone_newuser, DIES, "executor: clone(NEWUSER)" },
	{ SANDBOX_EXECUTOR, p_unshare, DIES, "executor: unshare" },
	{ SANDBOX_EXECUTOR, p_ptrace, DIES, "executor: ptrace" },
	{ SANDBOX_EXECUTOR, p_mount, DIES, "executor: mount" },
	{ SANDBOX_EXECUTOR, p_bpf, DIES, "executor: bpf" },
	{ SANDBOX_EXECUTOR, p_kexec, DIES, "executor: kexec_load" },
	{ SANDBOX_EXECUTOR, p_kill_parent, DIES, "executor: kill spawner" },
	{ SANDBOX_EXECUTOR, p_mmap_exec, DIES, "executor: mmap PROT_EXEC" },
	{ SANDBOX_EXECUTOR, p_mprotect_exec, DIES,
	  "executor: mprotect PROT_EXEC" },
	{ SANDBOX_EXECUTOR, p_raise_rlimit, DIES, "executor: raise RLIMIT_AS" },
	{ SANDBOX_EXECUTOR, p_prctl, DIES, "executor: prctl" },
	{ SANDBOX_EXECUTOR, p_truncate_path, DIES, "executor: truncate(path)" },
	{ SANDBOX_EXECUTOR, p_clone3, 0, "executor: clone3 is ENOSYS" },
	{ SANDBOX_EXECUTOR, p_thread, 0, "executor: a thread still starts" },
	{ SANDBOX_EXECUTOR, p_malloc_past_cap, 0, "executor: malloc > cap" },
	{ SANDBOX_EXECUTOR, p_sqlite_memory_bomb, 0,
	  "executor: SQLite memory bomb is a clean 400" },
	{ SANDBOX_EXECUTOR, p_ds_read_ok, 0, "executor reads its dataset" },
	{ SANDBOX_EXECUTOR, p_ds_sql, 0, "executor: dataset attached, read-only" },
	{ SANDBOX_EXECUTOR, p_ds_write, 0, "executor: write the dataset" },
	{ SANDBOX_EXECUTOR, p_ds_sibling, 0, "executor: file beside dataset" },
	{ SANDBOX_EXECUTOR, p_ds_list, 0, "executor: list dataset dir" },
	{ SANDBOX_EXECUTOR, p_ds_create, 0, "executor: dataset -journal" },
	{ SANDBOX_SPAWNER, p_ds_read_ok, 0, "spawner reads the dataset" },
	{ SANDBOX_SPAWNER, p_ds_write, 0, "spawner: write the dataset" },
	{ SANDBOX_SPAWNER, p_ds_sibling, 0, "spawner: file beside dataset" },
	{ SANDBOX_FRONTEND, p_ds_read, 0, "frontend: the dataset" },
	/* front end: nothing under instances/, no new sockets */
	{ SANDBOX_FRONTEND, p_open_sibling_db, 0, "frontend: a walk-in db" },
	{ SANDBOX_FRONTEND, p_open_sibling_meta, 0, "frontend: a meta file" },
	{ SANDBOX_FRONTEND, p_list_instances, 0, "frontend: list instances" },
	{ SANDBOX_FRONTEND, p_create_in_instances, 0,
	  "frontend: create in instances" },
	{ SANDBOX_FRONTEND, p_open_keys, 0, "frontend: re-read keys" },
	{ SANDBOX_FRONTEND, p_open_passwd, 0, "frontend: /etc/passwd" },
	{ SANDBOX_FRONTEND, p_create_tmp, 0, "frontend: create in /tmp" },
	{ SANDBOX_FRONTEND, p_key_rotation, 0, "frontend: key rotation" },
	{ SANDBOX_FRONTEND, p_accesslog_new_day, 0,
	  "frontend: new access log day, retention" },
	{ SANDBOX_FRONTEND, p_socket_inet, DIES, "frontend: socket(AF_INET)" },
	{ SANDBOX_FRONTEND, p_connect, DIES, "frontend: connect" },
	{ SANDBOX_FRONTEND, p_execve, DIES, "frontend: execve" },
	{ SANDBOX_FRONTEND, p_fork, DIES, "frontend: fork" },
	{ SANDBOX_FRONTEND, p_ptrace, DIES, "frontend: ptrace" },
	{ SANDBOX_FRONTEND, p_mmap_exec, DIES, "frontend: mmap PROT_EXEC" },
	{ SANDBOX_FRONTEND, p_kill_parent, DIES, "frontend: kill" },
	/* spawner: instance dirs only; may fork, never exec or connect */
	{ SANDBOX_FRONTEND, p_create_in_warm, 0, "front end: create in warm/" },
	{ SANDBOX_SPAWNER, p_open_keys, 0, "spawner: keys" },
	{ SANDBOX_SPAWNER, p_open_log, 0, "spawner: logs" },
	{ SANDBOX_SPAWNER, p_open_passwd, 0, "spawner: /etc/passwd" },
	{ SANDBOX_SPAWNER, p_create_tmp, 0, "spawner: create in /tmp" },
	{ SANDBOX_SPAWNER, p_socket_inet, DIES, "spawner: socket(AF_INET)" },
	{ SANDBOX_SPAWNER, p_execve, DIES, "spawner: execve" },
	{ SANDBOX_SPAWNER, p_ptrace, DIES, "spawner: ptrace" },
	{ SANDBOX_SPAWNER, p_clone_newuser, DIES, "spawner: clone(NEWUSER)" },
};

static void
test_probes(void)
{
	size_t i;
	int got;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		got = jailed(probes[i].role, probes[i].fn);
		if (got != probes[i].want)
			fprintf(stderr, "probe \"%s\": outcome %d, want %d "
			    "(100+N: killed by signal N)\n", probes[i].what,
			    got, probes[i].want);
		CHECK_INT(got, probes[i].want);
	}
}

/* The executor probes again, each in a warm executor moved after its
 * jail: the same outcome, probe by probe. */
static void
test_probes_warm(void)
{
	size_t i;
	int got;

	exec_warm = 1;
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (probes[i].role != SANDBOX_EXECUTOR)
			continue;
		got = jailed(probes[i].role, probes[i].fn);
		if (got != probes[i].want)
			fprintf(stderr, "warm probe \"%s\": outcome %d, want %d "
			    "(100+N: killed by signal N)\n", probes[i].what,
			    got, probes[i].want);
		CHECK_INT(got, probes[i].want);
	}
	exec_warm = 0;
}

/* The spawner may create and remove instance directories. */
static void p_spawner_instances(void)
{
	char p[PATH_MAX + 64];
	int fd;

	path_of(p, sizeof(p), "instances/01900000-0000-7000-8000-0000000000cc");
	if (mkdir(p, 0700) == -1)
		_exit(1);
	strncat(p, "/meta", sizeof(p) - strlen(p) - 1);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, "x", 1) != 1 || close(fd) == -1 ||
	    unlink(p) == -1)
		_exit(2);
	*strrchr(p, '/') = '\0';
	expect_ok(rmdir(p) == 0);
}

/* ...and move a spare directory from warm/ into a bucket (a claim),
 * but not out of the data dir's two trees (logs/ has no REFER). */
static void p_spawner_claim_move(void)
{
	char spare[PATH_MAX + 64], bucket[PATH_MAX + 64], dst[PATH_MAX + 128];

	path_of(spare, sizeof(spare), "warm/1");
	path_of(bucket, sizeof(bucket), "instances/1999999999");
	snprintf(dst, sizeof(dst), "%s/%s", bucket,
	    "01900000-0000-7000-8000-0000000000dd");
	if (mkdir(spare, 0700) == -1 || mkdir(bucket, 0700) == -1 ||
	    rename(spare, dst) == -1)
		_exit(1);
	path_of(spare, sizeof(spare), "logs/moved");
	if (rename(dst, spare) != -1 || (errno != EXDEV && errno != EACCES))
		_exit(2);	/* Landlock: EXDEV without REFER, EACCES
				 * without the right to make it there */
	expect_ok(rmdir(dst) == 0 && rmdir(bucket) == 0);
}

static void
test_spawner_can_work(void)
{
	CHECK_INT(jailed(SANDBOX_SPAWNER, p_spawner_instances), 0);
	CHECK_INT(jailed(SANDBOX_SPAWNER, p_spawner_claim_move), 0);
}

/* ---- refusing to start without a layer ---- */

static char walkind[PATH_MAX];

static void
find_walkind(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return;
	self[n] = '\0';
	/* BUILD/tests/sandbox/test_jail -> BUILD/walkind */
	snprintf(walkind, sizeof(walkind), "%s/../../walkind", dirname(self));
}

/*
 * Run walkind under a filter that makes `nr` fail with `err`; return its
 * exit status, and its output in out.
 */
static int
run_without(int nr, int err, const char *extra, char *out, size_t outlen)
{
	int pfd[2], st = -1;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		/* A data dir that cannot be created: past the check,
		 * walkind stops at once instead of serving. */
		char a1[] = "--data-dir", a2[] = "/proc/walkind-no", a3[64];
		char *argv[] = { walkind, a1, a2, extra ? a3 : NULL, NULL };

		snprintf(a3, sizeof(a3), "%s", extra ? extra : "");

		dup2(pfd[1], 2);
		dup2(pfd[1], 1);
		if (ctx == NULL || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err),
		    nr, 0) != 0 || seccomp_load(ctx) != 0)
			_exit(97);
		execv(walkind, argv);
		_exit(98);
	}
	close(pfd[1]);
	while (got + 1 < outlen &&
	    (n = read(pfd[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(pfd[0]);
	waitpid(pid, &st, 0);
	return st;
}

static void
test_refuses_without_layers(void)
{
	char out[4096];
	int st;

	find_walkind();
	st = run_without(SCMP_SYS(landlock_create_ruleset), ENOSYS, NULL, out,
	    sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CHECK(strstr(out, "Landlock is unavailable (not in this kernel); "
	    "refusing to start without --insecure-no-sandbox") != NULL);
	st = run_without(SCMP_SYS(landlock_create_ruleset), EOPNOTSUPP, NULL,
	    out, sizeof(out));
	CHECK(strstr(out, "Landlock is unavailable (disabled at boot)") !=
	    NULL);
	st = run_without(SCMP_SYS(seccomp), EINVAL, NULL, out, sizeof(out));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CHECK(strstr(out, "seccomp filters with kill-process are "
	    "unavailable; refusing to start") != NULL);
	/* With the flag it goes on, loudly, to the next step. */
	st = run_without(SCMP_SYS(landlock_create_ruleset), ENOSYS,
	    "--insecure-no-sandbox", out, sizeof(out));
	CHECK(strstr(out, "SANDBOX OFF (--insecure-no-sandbox)") != NULL);
	CHECK(strstr(out, "Landlock is unavailable") == NULL);
	CHECK(strstr(out, "cannot create /proc/walkind-no") != NULL);
	if (unit_fail)
		fprintf(stderr, "walkind said: %s\n", out);
}

static void
test_cleanup(void)
{
	accesslog_close();
	token_keys_free();
	CHECK(unit_rmtree(data) == 0);
	CHECK(unit_rmtree(dsdir) == 0);
}

static void
test_preconditions(void)
{
	/* This suite proves the jail; it cannot run without one. */
	CHECK(geteuid() == 0);
	CHECK(landlock_abi() >= 1);
	CHECK(seccomp_available() == 0);
}

/* A walk-in whose grant names no dataset: no rule, no ATTACH. */
static void
test_dataset_not_granted(void)
{
	exec_grant = "!";
	CHECK_INT(jailed(SANDBOX_EXECUTOR, p_ds_read), 0);
	CHECK_INT(jailed(SANDBOX_EXECUTOR, p_ds_sql_none), 0);
	exec_grant = NULL;
}

UNIT_MAIN(test_preconditions, setup, test_probes, test_probes_warm,
    test_dataset_not_granted,
    test_spawner_can_work,
    test_refuses_without_layers, test_cleanup)
#endif /* !__SANITIZE_ADDRESS__ */
