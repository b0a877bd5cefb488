/*
 * fuzz_dbimage.c: a database file from an anonymous caller, imported
 * into a new walk-in as the executor does it (dbimage_import on a real
 * hardened connection in a temp instance directory, minus the jail).
 *
 * Each input is imported twice into fresh walk-ins: as it is, and
 * "fixed up" (magic, a valid page size, the length cut to whole pages,
 * the header's page count and version fields made to agree), so that
 * mutations get past the cheap header checks into quick_check and the
 * schema replay.
 *
 * Invariants:
 *   - no crash, leak or sanitizer report; the status is 200, 400 or 408
 *     and the reply valid JSON and UTF-8;
 *   - a refusal leaves the walk-in empty: no page, a zero-length file;
 *   - an accepted file: the walk-in passes PRAGMA integrity_check on a
 *     freshly hardened connection, its size is within the cap, and
 *     max_page_count is cap / page size; its schema JSON (200), dump
 *     (200, or 400/413) and export (200) work on it, and the export
 *     imports again into another new walk-in (an accepted file stays
 *     accepted);
 *   - SQLite opens no file but the walk-in's db.sqlite and -journal (a
 *     wrapper VFS checks every name; a NULL name is a temp file).
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "clock.h"
#include "buf.h"
#include "dbdump.h"
#include "dbimage.h"
#include "dbschema.h"
#include "fuzz.h"
#include "sqlconn.h"

#define MAX_DB_BYTES	(64 * 1024)
#define DEADLINE_MS	500

static char		 root[256], inst[300], dbpath[320], jpath[340];
static char		 wpath[340];
static sqlite3_vfs	 shim, *real;

static void
check_name(const char *op, const char *name)
{
	if (name == NULL)
		FUZZ_FAIL("%s of a temp file", op);
	if (strcmp(name, dbpath) != 0 && strcmp(name, jpath) != 0)
		FUZZ_FAIL("%s of %s", op, name);
}

static int
shim_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags,
    int *out)
{
	(void)v;
	check_name("open", name);
	return real->xOpen(real, name, f, flags, out);
}

static int
shim_delete(sqlite3_vfs *v, const char *name, int sync)
{
	(void)v;
	check_name("delete", name);
	return real->xDelete(real, name, sync);
}

static int
shim_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	if (name == NULL || strcmp(name, wpath) != 0)
		check_name("access", name);
	return real->xAccess(real, name, flags, out);
}

static void
cleanup(void)
{
	unlink(dbpath);
	unlink(jpath);
	rmdir(inst);
	rmdir(root);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "%s/walkind-fuzz-dbimage-XXXXXX",
	    fuzz_tmpbase());
	if (mkdtemp(root) == NULL)
		abort();
	snprintf(inst, sizeof(inst), "%s/inst", root);
	snprintf(dbpath, sizeof(dbpath), "%s/db.sqlite", inst);
	snprintf(jpath, sizeof(jpath), "%s-journal", dbpath);
	snprintf(wpath, sizeof(wpath), "%s-wal", dbpath);
	if (mkdir(inst, 0700) == -1 || sqlconn_global_init(64L << 20) == -1 ||
	    (real = sqlite3_vfs_find(NULL)) == NULL)
		abort();
	shim = *real;
	shim.zName = "walkind-fuzz-dbimage";
	shim.pNext = NULL;
	shim.xOpen = shim_open;
	shim.xDelete = shim_delete;
	shim.xAccess = shim_access;
	if (sqlite3_vfs_register(&shim, 1) != SQLITE_OK)
		abort();
	atexit(cleanup);
	return 0;
}

/* A new, empty walk-in with the deadline set. */
static struct sqlconn *
walkin_new(void)
{
	struct sqlconn_opts o = { MAX_DB_BYTES, 0 };
	struct sqlconn *c;
	char err[256];

	unlink(dbpath);
	unlink(jpath);
	if ((c = sqlconn_open(dbpath, &o, err, sizeof(err))) == NULL)
		FUZZ_FAIL("sqlconn_open: %s", err);
	sqlconn_set_deadline(c, clock_mono_ms() + DEADLINE_MS);
	return c;
}

static int64_t
query_int(struct sqlconn *c, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(sqlconn_db(c), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
check_json(struct buf *out)
{
	cJSON *j;

	fuzz_check_json_text(out->data, out->len);
	if ((j = cJSON_ParseWithLength(out->data, out->len)) == NULL)
		FUZZ_FAIL("reply is not JSON: %.*s", (int)out->len, out->data);
	cJSON_Delete(j);
}

static off_t
file_size(void)
{
	struct stat st;

	return stat(dbpath, &st) == 0 ? st.st_size : -1;
}

/* The walk-in's file reopened as the next executor would: sound. */
static void
check_integrity(void)
{
	struct sqlconn_opts o = { MAX_DB_BYTES, 0 };
	const unsigned char *v;
	struct sqlconn *c;
	sqlite3_stmt *st;
	char err[256];

	if ((c = sqlconn_open(dbpath, &o, err, sizeof(err))) == NULL)
		FUZZ_FAIL("reopen: %s", err);
	if (sqlite3_prepare_v2(sqlconn_db(c), "PRAGMA integrity_check", -1,
	    &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    (v = sqlite3_column_text(st, 0)) == NULL)
		FUZZ_FAIL("integrity_check: %s", sqlite3_errmsg(sqlconn_db(c)));
	if (strcmp((const char *)v, "ok") != 0)
		FUZZ_FAIL("integrity_check after import: %s", v);
	sqlite3_finalize(st);
	sqlconn_close(c);
}

/* Schema, dump and export of an accepted file; the export in img. */
static int
exercise(struct sqlconn *c, struct buf *out, struct buf *img)
{
	int status;

	status = dbschema_json(c, out);
	if (status != 200 && status != 408)
		FUZZ_FAIL("schema: %d %.*s", status, (int)out->len, out->data);
	check_json(out);
	status = dbdump_sql(c, 4 * MAX_DB_BYTES, out);
	if (status != 200 && status != 400 && status != 408 && status != 413)
		FUZZ_FAIL("dump: %d %.*s", status, (int)out->len, out->data);
	status = dbimage_export(c, img);
	if (status != 200 && status != 408)
		FUZZ_FAIL("export: %d %.*s", status, (int)img->len, img->data);
	return status;
}

/* Import p[0..n); returns the status. again: the export's re-import. */
static int
import_one(const uint8_t *p, size_t n, int again)
{
	struct sqlconn *c = walkin_new();
	struct buf out, img;
	char *copy = fuzz_memdup(p, n);
	int64_t ps;
	int status, exported;

	buf_init(&out);
	buf_init(&img);
	status = dbimage_import(c, copy, n, MAX_DB_BYTES, &out);
	free(copy);
	if (status != 200 && status != 400 && status != 408)
		FUZZ_FAIL("import: %d %.*s", status, (int)out.len, out.data);
	check_json(&out);
	if (status != 200) {
		FUZZ_CHECK(query_int(c, "PRAGMA page_count") == 0);
		sqlconn_close(c);
		FUZZ_CHECK(file_size() == 0);
		goto done;
	}
	ps = query_int(c, "PRAGMA page_size");
	FUZZ_CHECK(ps >= 512 && ps <= 65536);
	FUZZ_CHECK(query_int(c, "PRAGMA max_page_count") == MAX_DB_BYTES / ps);
	FUZZ_CHECK(file_size() <= MAX_DB_BYTES);
	exported = exercise(c, &out, &img);
	sqlconn_close(c);
	check_integrity();
	if (again && exported == 200) {
		status = import_one((const uint8_t *)img.data, img.len, 0);
		if (status != 200 && status != 408)
			FUZZ_FAIL("an accepted file, exported, was refused");
	}
done:
	buf_free(&out);
	buf_free(&img);
	return status;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The input with a header that passes the cheap checks. */
static void
import_fixed(const uint8_t *data, size_t size)
{
	uint8_t *p;
	uint32_t ps;
	size_t n;

	if (size < 512 || size > MAX_DB_BYTES)
		return;
	if ((p = malloc(size)) == NULL)
		abort();
	memcpy(p, data, size);
	memcpy(p, "SQLite format 3", 16);
	ps = (uint32_t)p[16] << 8 | p[17];
	if (ps == 1)
		ps = 65536;
	if (ps < 512 || (ps & (ps - 1)) != 0 || ps > size) {
		ps = 512;
		p[16] = 2;
		p[17] = 0;
	}
	n = size - size % ps;
	put_be32(p + 28, (uint32_t)(n / ps));
	memcpy(p + 92, p + 24, 4);
	if (p[18] < 1 || p[18] > 2)
		p[18] = 1;
	if (p[19] < 1 || p[19] > 2)
		p[19] = 1;
	if (ps - p[20] < 480)
		p[20] = 0;
	p[21] = 64;
	p[22] = 32;
	p[23] = 32;
	if (be32(p + 44) > 4)
		put_be32(p + 44, 4);
	if (be32(p + 56) > 3)
		put_be32(p + 56, 1);
	import_one(p, n, 1);
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_DB_BYTES + 1)
		return 0;
	import_one(data, size, 1);
	import_fixed(data, size);
	return 0;
}
