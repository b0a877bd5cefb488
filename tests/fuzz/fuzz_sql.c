/*
 * fuzz_sql.c: the whole executor path. Random SQL runs through the real
 * sqlconn_open (hardening, limits, printf/format stand-ins, authorizer)
 * and sqlexec_run, on a database in a temp instance directory, as the
 * executor does, minus the process jail.
 *
 * Layout (under /dev/shm or /tmp):  ROOT/inst/db.sqlite  the walk-in
 *                                   ROOT/canary/canary   must not change
 *                                   ROOT/cwd/            the cwd, for
 *                                                        relative names
 * Input: requests separated by NUL bytes (SQL never holds one), at most
 * MAX_REQS; a request starting with byte 0x01 first closes and reopens
 * the connection (executor restart: max_page_count recomputed, hot
 * journal rolled back). Each input starts from a fresh database.
 *
 * Invariants:
 *   - no crash, leak or sanitizer report; the status is one of 200,
 *     400, 408, 507 (500 "internal error" means I/O error or corruption:
 *     neither may happen here), and the reply is valid JSON and UTF-8;
 *   - SQLite opens, deletes or probes no file but ROOT/inst/db.sqlite
 *     and its -journal (it may only look for a -wal: the pager does on
 *     every open; a wrapper VFS, registered as the default,
 *     checks every name, and a NULL name = a temp file, which would
 *     escape both the cap and the jail); afterwards ROOT, ROOT/cwd and
 *     ROOT/canary hold exactly what they held, the instance directory
 *     only db.sqlite (and -journal while a connection is open);
 *   - the size cap holds after every request: file size <= MAX_DB_BYTES
 *     + one page, and the page size stays 4096 (page_size= is denied);
 *   - the file stays sound: PRAGMA integrity_check through a freshly
 *     hardened connection answers "ok" (or a CHECK failure, which
 *     PRAGMA ignore_check_constraints=1 makes legal), or times out.
 *
 * Bounded time per input, as OSS-Fuzz's SQLite harness does: a 100 ms
 * deadline per request (the progress handler), and LIMIT_LENGTH lowered
 * to 50,000 on top of the real limits, because one instr()/replace()
 * call cannot be interrupted and in the service only the executor's
 * SIGKILL bounds it (SECURITY-FACTS 0.1); libFuzzer's -timeout is the
 * stand-in for that SIGKILL.
 *
 * SQLite itself is Debian's uninstrumented library, the one walkind
 * links, so coverage comes from walkind's code (authorizer, stand-ins,
 * sqlexec); to steer the fuzzer through SQLite as well, statement
 * outcomes (first keyword, VM steps, sorts, full scans, autoindexes,
 * trigger sub-statements, result codes, denied names) are fed to
 * libFuzzer as extra counters.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "buf.h"
#include "fuzz.h"
#include "sqlconn.h"
#include "sqlexec.h"

#define MAX_DB_BYTES	(128 * 1024)
#define MAX_REQS	8
#define REQ_TIMEOUT_MS	100
#define FUZZ_LENGTH	50000
#define PAGE_SIZE	4096

static char		 root[256], inst[300], canary[300], cwd[300];
static char		 dbpath[320], jpath[340], wpath[340];
static sqlite3_vfs	 shim, *real;

/* ---- feedback from inside SQLite (libFuzzer extra counters) ---- */

__attribute__((used, section("__libfuzzer_extra_counters")))
static uint8_t		 extra[8192];

static void
feature(uint32_t h)
{
	h ^= h >> 15;
	h *= 0x2c1b3c6dU;
	h ^= h >> 12;
	if (extra[h % sizeof(extra)] < 255)
		extra[h % sizeof(extra)]++;
}

static uint32_t
hash_str(const char *s, size_t max)
{
	uint32_t h = 2166136261U;
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i < max; i++)
		h = (h ^ (unsigned char)(s[i] | 0x20)) * 16777619U;
	return h;
}

static uint32_t
log2_bucket(int v)
{
	uint32_t b = 0;

	while (v > 1 && b < 31) {
		v >>= 1;
		b++;
	}
	return b;
}

/* First word of a statement, for the feature hashes. */
static uint32_t
first_word(const char *sql)
{
	size_t n = 0;

	if (sql == NULL)
		return 0;
	while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '\r')
		sql++;
	while (n < 16 && ((sql[n] | 0x20) >= 'a' && (sql[n] | 0x20) <= 'z'))
		n++;
	return hash_str(sql, n);
}

static int
trace_cb(unsigned type, void *ctx, void *p, void *x)
{
	sqlite3_stmt *st = p;
	uint32_t w;

	(void)ctx;
	if (type == SQLITE_TRACE_STMT) {
		/* "-- TRIGGER name" for trigger bodies; else the SQL. */
		feature(0x100000U + first_word(x));
		return 0;
	}
	w = first_word(sqlite3_sql(st));
	feature(w * 31 + log2_bucket(sqlite3_stmt_status(st,
	    SQLITE_STMTSTATUS_VM_STEP, 0)));
	feature(w * 37 + 1 + log2_bucket(sqlite3_stmt_status(st,
	    SQLITE_STMTSTATUS_FULLSCAN_STEP, 0)));
	feature(w * 41 + 2 + log2_bucket(sqlite3_stmt_status(st,
	    SQLITE_STMTSTATUS_SORT, 0)));
	feature(w * 43 + 3 + log2_bucket(sqlite3_stmt_status(st,
	    SQLITE_STMTSTATUS_AUTOINDEX, 0)));
	return 0;
}

/* ---- the wrapper VFS: every file name SQLite touches ---- */

static void
check_name(const char *op, const char *name, int flags)
{
	size_t n = strlen(inst);

	if (name == NULL)
		FUZZ_FAIL("%s of a temp file (flags 0x%x): outside the "
		    "instance directory and the cap", op, flags);
	if (strcmp(name, dbpath) == 0 || strcmp(name, jpath) == 0)
		return;
	if (strncmp(name, inst, n) == 0 && name[n] == '/')
		FUZZ_FAIL("%s of %s: a file other than the database and its "
		    "journal", op, name);
	FUZZ_FAIL("%s of %s: outside the instance directory", op, name);
}

static int
shim_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags,
    int *out)
{
	(void)v;
	check_name("open", name, flags);
	return real->xOpen(real, name, f, flags, out);
}

static int
shim_delete(sqlite3_vfs *v, const char *name, int sync)
{
	(void)v;
	check_name("delete", name, 0);
	return real->xDelete(real, name, sync);
}

static int
shim_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	/* The pager looks for a hot WAL file on every open; only a look. */
	if (name == NULL || strcmp(name, wpath) != 0)
		check_name("access", name, flags);
	return real->xAccess(real, name, flags, out);
}

static void
shim_install(void)
{
	if ((real = sqlite3_vfs_find(NULL)) == NULL)
		abort();
	shim = *real;
	shim.zName = "walkind-fuzz";
	shim.pAppData = NULL;
	shim.pNext = NULL;
	shim.xOpen = shim_open;
	shim.xDelete = shim_delete;
	shim.xAccess = shim_access;
	if (sqlite3_vfs_register(&shim, 1) != SQLITE_OK)
		abort();
}

/* ---- directories ---- */

static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

/* dir must hold exactly the names in want (NULL-terminated), plus
 * optional ones in maybe. */
static void
check_listing(const char *dir, const char *const *want,
    const char *const *maybe)
{
	const char *const *w;
	struct dirent *de;
	size_t found = 0, nwant = 0;
	DIR *d;
	int ok;

	for (w = want; *w != NULL; w++)
		nwant++;
	if ((d = opendir(dir)) == NULL)
		FUZZ_FAIL("opendir %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		ok = 0;
		for (w = want; *w != NULL; w++)
			if (strcmp(de->d_name, *w) == 0)
				ok = 1, found++;
		for (w = maybe; w != NULL && *w != NULL; w++)
			if (strcmp(de->d_name, *w) == 0)
				ok = 1;
		if (!ok)
			FUZZ_FAIL("%s/%s: a file that must not exist", dir,
			    de->d_name);
	}
	closedir(d);
	if (found != nwant)
		FUZZ_FAIL("%s: %zu of %zu expected entries", dir, found, nwant);
}

static void
check_outside(void)
{
	static const char *const root_names[] = { "inst", "canary", "cwd",
	    NULL };
	static const char *const canary_names[] = { "canary", NULL };
	static const char *const none[] = { NULL };
	char path[340], text[16];
	int fd;
	ssize_t n;

	check_listing(root, root_names, NULL);
	check_listing(canary, canary_names, NULL);
	check_listing(cwd, none, NULL);
	snprintf(path, sizeof(path), "%s/canary", canary);
	if ((fd = open(path, O_RDONLY)) == -1)
		FUZZ_FAIL("canary file gone");
	n = read(fd, text, sizeof(text));
	close(fd);
	FUZZ_CHECK(n == 7 && memcmp(text, "canary\n", 7) == 0);
}

static void
check_size(void)
{
	unsigned char hdr[18];
	struct stat st;
	int64_t page;
	int fd;

	if (stat(dbpath, &st) == -1 || st.st_size == 0)
		return;
	if ((fd = open(dbpath, O_RDONLY)) == -1)
		FUZZ_FAIL("open %s", dbpath);
	if (read(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		close(fd);
		return;			/* header not written yet */
	}
	close(fd);
	page = hdr[16] << 8 | hdr[17];
	if (page == 1)
		page = 65536;
	if (page != PAGE_SIZE)
		FUZZ_FAIL("page size is %lld, not %d", (long long)page,
		    PAGE_SIZE);
	if (st.st_size > MAX_DB_BYTES + page)
		FUZZ_FAIL("database is %lld bytes, cap %d + page %lld",
		    (long long)st.st_size, MAX_DB_BYTES, (long long)page);
}

static void
cleanup(void)
{
	char path[340];

	unlink(dbpath);
	unlink(jpath);
	snprintf(path, sizeof(path), "%s/canary", canary);
	unlink(path);
	rmdir(inst);
	rmdir(canary);
	if (chdir("/") == 0)
		rmdir(cwd);
	rmdir(root);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[340];

	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "%s/walkind-fuzz-sql-XXXXXX",
	    fuzz_tmpbase());
	if (mkdtemp(root) == NULL)
		abort();
	snprintf(inst, sizeof(inst), "%s/inst", root);
	snprintf(canary, sizeof(canary), "%s/canary", root);
	snprintf(cwd, sizeof(cwd), "%s/cwd", root);
	snprintf(dbpath, sizeof(dbpath), "%s/db.sqlite", inst);
	snprintf(jpath, sizeof(jpath), "%s-journal", dbpath);
	snprintf(wpath, sizeof(wpath), "%s-wal", dbpath);
	if (mkdir(inst, 0700) == -1 || mkdir(canary, 0700) == -1 ||
	    mkdir(cwd, 0700) == -1 || chdir(cwd) == -1)
		abort();
	snprintf(path, sizeof(path), "%s/canary", canary);
	write_file(path, "canary\n");
	if (sqlconn_global_init(64L << 20) == -1)
		abort();
	shim_install();
	atexit(cleanup);
	return 0;
}

/* ---- one input ---- */

static struct sqlconn *
conn_open(void)
{
	struct sqlconn_opts o = { MAX_DB_BYTES, 0 };
	struct sqlconn *c;
	char err[256];

	if ((c = sqlconn_open(dbpath, &o, err, sizeof(err))) == NULL)
		FUZZ_FAIL("sqlconn_open: %s", err);
	sqlite3_limit(sqlconn_db(c), SQLITE_LIMIT_LENGTH, FUZZ_LENGTH);
	sqlite3_trace_v2(sqlconn_db(c), SQLITE_TRACE_STMT |
	    SQLITE_TRACE_PROFILE, trace_cb, NULL);
	return c;
}

static int
run(struct sqlconn *c, const char *sql, size_t len, struct buf *out)
{
	struct sqlexec_limits lim = { 100, 64 * 1024, REQ_TIMEOUT_MS };
	int status;
	cJSON *j;

	status = sqlexec_run(c, sql, len, &lim, out);
	feature(0x200000U + (uint32_t)status * 4099U +
	    (uint32_t)sqlite3_extended_errcode(sqlconn_db(c)));
	feature(0x300000U + hash_str(sqlconn_denied(c), 64));
	if (status != 200 && status != 400 && status != 408 && status != 507)
		FUZZ_FAIL("status %d: %.*s", status, (int)out->len, out->data);
	fuzz_check_json_text(out->data, out->len);
	if ((j = cJSON_ParseWithLength(out->data, out->len)) == NULL)
		FUZZ_FAIL("reply is not JSON: %.*s", (int)out->len, out->data);
	cJSON_Delete(j);
	return status;
}

/* integrity_check through a freshly hardened connection. */
static void
check_integrity(struct buf *out)
{
	static const char sql[] = "PRAGMA integrity_check";
	struct sqlconn *c = conn_open();
	cJSON *j, *rows, *row;
	const char *s;
	int i;

	if (run(c, sql, sizeof(sql) - 1, out) == 200) {
		j = cJSON_ParseWithLength(out->data, out->len);
		rows = cJSON_GetObjectItemCaseSensitive(j, "rows");
		FUZZ_CHECK(cJSON_IsArray(rows) && cJSON_GetArraySize(rows) > 0);
		for (i = 0; i < cJSON_GetArraySize(rows); i++) {
			row = cJSON_GetArrayItem(rows, i);
			s = cJSON_GetStringValue(cJSON_GetArrayItem(row, 0));
			FUZZ_CHECK(s != NULL);
			if (strcmp(s, "ok") != 0 &&
			    strncmp(s, "CHECK constraint failed", 23) != 0)
				FUZZ_FAIL("integrity_check: %s", s);
		}
		cJSON_Delete(j);
	}
	sqlconn_close(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const db_only[] = { "db.sqlite", NULL };
	static const char *const journal[] = { "db.sqlite-journal", NULL };
	const uint8_t *p = data, *end = data + size, *nul;
	struct sqlconn *c;
	struct buf out;
	char *sql;
	size_t len;
	int nreq = 0;

	if (size > 16384)
		return 0;
	unlink(dbpath);
	unlink(jpath);
	buf_init(&out);
	c = conn_open();
	while (p < end && nreq++ < MAX_REQS) {
		nul = memchr(p, '\0', (size_t)(end - p));
		len = nul ? (size_t)(nul - p) : (size_t)(end - p);
		if (len > 0 && p[0] == 0x01) {
			sqlconn_close(c);	/* the executor restarts */
			check_listing(inst, db_only, NULL);
			c = conn_open();
			p++, len--;
		}
		sql = fuzz_strdup(p, len);
		run(c, sql, len, &out);
		free(sql);
		check_size();
		check_listing(inst, db_only, journal);
		p += len + 1;
	}
	sqlconn_close(c);
	check_listing(inst, db_only, NULL);
	check_size();
	check_integrity(&out);
	check_listing(inst, db_only, NULL);
	check_outside();
	buf_free(&out);
	return 0;
}
