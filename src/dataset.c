/*
 * dataset.c: the operator's read-only datasets (see dataset.h). Shared:
 * main runs dataset_load once at start; the spawner and the executors
 * read the table it filled (inherited across fork, never written
 * again); each executor records its walk-in's grant here.
 *
 * Why the checks at start. The executor opens each dataset with
 * immutable=1, which tells SQLite the file cannot change: no locks, no
 * journal probe, no change counter read. That is what lets a jailed
 * executor read a file it may not lock or write, and what keeps one
 * walk-in's reads from ever blocking on another's; it is only sound if
 * the file really does not change. So the file's identity (device,
 * inode, size, mtime, ctime) is recorded here, and every executor
 * compares it before its ATTACH (dataset_unchanged): a dataset that
 * changed is not attached (logged), so no connection reads a file other
 * than the one checked. A file changed while an executor already has
 * it attached is read as SQLite reads any corrupt file (an error, never
 * memory unsafety: SECURITY-FACTS 1.1); the operator's rule is to
 * replace a dataset by restarting walkind.
 *
 * What "sound" means: the header says SQLite format 3 with rollback
 * journal versions (this SQLite is built without WAL), the size is a
 * multiple of the page size, no -journal or -wal file lies beside it
 * (its content could be half a transaction that immutable=1 would never
 * roll back), PRAGMA integrity_check answers exactly "ok", and it holds
 * no virtual table (their modules run code the authorizer's module list
 * limits for walk-ins; an fts3 table in a dataset would reach it). The
 * rest of a dataset's schema (views, triggers) needs no replay as
 * imports do: a dataset is never written, so its triggers never fire,
 * and a view's functions meet the authorizer whenever a walk-in's
 * statement uses it, with trusted_schema off.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "dataset.h"
#include "dataset_grant.h"

static struct dataset	ds_list[BOUNDS_MAX_DATASETS];
static size_t		ds_n;
static char		ds_grant[WALKIN_GRANT_MAX];
static int		ds_selected;

static int64_t
ds_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static void
ds_identity(struct dataset *d, const struct stat *st)
{
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	d->size = st->st_size;
	d->mtime_ns = ds_ns(&st->st_mtim);
	d->ctime_ns = ds_ns(&st->st_ctim);
}

static int
ds_same(const struct dataset *d, const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_dev == d->dev &&
	    st->st_ino == d->ino && st->st_size == d->size &&
	    ds_ns(&st->st_mtim) == d->mtime_ns &&
	    ds_ns(&st->st_ctim) == d->ctime_ns;
}

int
dataset_unchanged(const struct dataset *d)
{
	struct stat st;

	return stat(d->path, &st) == 0 && ds_same(d, &st);
}

int
dataset_uri(const char *path, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char suffix[] = "?mode=ro&immutable=1";
	size_t o = 0;
	unsigned char c;

	if (outlen < 6)
		return -1;
	memcpy(out, "file:", 5);
	o = 5;
	for (; *path != '\0'; path++) {
		c = (unsigned char)*path;
		if (o + 4 + sizeof(suffix) > outlen)
			return -1;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("/-._~", c) != NULL)
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o + sizeof(suffix) > outlen)
		return -1;
	memcpy(out + o, suffix, sizeof(suffix));
	return 0;
}

/* The first 100 bytes: SQLite's header, as dbimage.c reads imports. */
static const char *
ds_header(int fd, const struct stat *st)
{
	unsigned char h[100];
	uint32_t ps;

	if (st->st_size < 512 || pread(fd, h, sizeof(h), 0) != sizeof(h) ||
	    memcmp(h, "SQLite format 3", 16) != 0)
		return "not a SQLite database";
	ps = (uint32_t)h[16] << 8 | h[17];
	if (ps == 1)
		ps = 65536;
	if (ps < 512 || (ps & (ps - 1)) != 0 || st->st_size % ps != 0)
		return "not a SQLite database (bad page size or length)";
	if (h[18] != 1 || h[19] != 1)
		return "in WAL mode (run PRAGMA journal_mode=DELETE on it "
		    "first)";
	return NULL;
}

/* A -journal or -wal beside the file, with content. */
static int
ds_journal(const char *path)
{
	static const char *const ext[] = { "-journal", "-wal" };
	char j[sizeof(((struct dataset *)0)->path) + 16];
	struct stat st;
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(j, sizeof(j), "%s%s", path, ext[i]);
		if (lstat(j, &st) == 0 && (!S_ISREG(st.st_mode) ||
		    st.st_size > 0))
			return 1;
	}
	return 0;
}

/* One row, one column, exactly `want`; or a virtual-table count of 0. */
static const char *
ds_sql_check(sqlite3 *db)
{
	static const char vt[] = "SELECT count(*) FROM sqlite_schema WHERE "
	    "type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'";
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	const char *why = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    (t = sqlite3_column_text(st, 0)) == NULL ||
	    strcmp((const char *)t, "ok") != 0)
		why = "not a sound database (integrity_check failed)";
	sqlite3_finalize(st);
	if (why != NULL)
		return why;
	if (sqlite3_prepare_v2(db, vt, -1, &st, NULL) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_ROW)
		why = "not a sound database (schema unreadable)";
	else if (sqlite3_column_int64(st, 0) != 0)
		why = "holds a virtual table (not allowed in a dataset)";
	sqlite3_finalize(st);
	return why;
}

/* Open the file as an executor will, read-only and immutable. */
static const char *
ds_sqlite(const char *path)
{
	char uri[3 * sizeof(((struct dataset *)0)->path) + 32];
	const char *why;
	sqlite3 *db = NULL;
	int got;

	if (dataset_uri(path, uri, sizeof(uri)) == -1)
		return "path too long";
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_PRIVATECACHE, NULL) !=
	    SQLITE_OK) {
		sqlite3_close_v2(db);
		return "cannot be opened by SQLite";
	}
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &got) !=
	    SQLITE_OK || sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA,
	    0, &got) != SQLITE_OK)
		why = "cannot be opened by SQLite";
	else
		why = ds_sql_check(db);
	sqlite3_close_v2(db);
	return why;
}

/* One dataset: the reason it is refused, or NULL and *d filled. */
static const char *
ds_check(const struct config_dataset *cd, struct dataset *d)
{
	struct stat st, again;
	const char *why;
	char *rp;
	int fd;

	if ((rp = realpath(cd->file, NULL)) == NULL)
		return strerror(errno);
	if (strlen(rp) >= sizeof(d->path)) {
		free(rp);
		return "path too long";
	}
	memcpy(d->path, rp, strlen(rp) + 1);
	free(rp);
	if ((fd = open(d->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return strerror(errno);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else
		why = ds_header(fd, &st);
	close(fd);
	if (why == NULL && ds_journal(d->path))
		why = "a -journal or -wal file lies beside it (open it with "
		    "sqlite3 once to roll it back)";
	if (why == NULL)
		why = ds_sqlite(d->path);
	/* The file checked is the file recorded. */
	if (why == NULL && (stat(d->path, &again) == -1 ||
	    again.st_ino != st.st_ino || again.st_size != st.st_size ||
	    ds_ns(&again.st_mtim) != ds_ns(&st.st_mtim)))
		why = "changed while it was being checked";
	if (why == NULL)
		ds_identity(d, &st);
	return why;
}

int
dataset_load(const struct config *cfg, char *err, size_t errlen)
{
	const char *why = NULL;
	size_t i;

	ds_n = 0;
	for (i = 0; i < cfg->ndatasets && why == NULL; i++) {
		memset(&ds_list[i], 0, sizeof(ds_list[i]));
		snprintf(ds_list[i].name, sizeof(ds_list[i].name), "%s",
		    cfg->datasets[i].name);
		ds_list[i].is_private = cfg->datasets[i].is_private;
		if ((why = ds_check(&cfg->datasets[i], &ds_list[i])) != NULL)
			snprintf(err, errlen, "dataset %s (%s): %s",
			    cfg->datasets[i].name, cfg->datasets[i].file, why);
		else
			ds_n++;
	}
	/* Leave SQLite unconfigured for the spawner's global init. */
	if (cfg->ndatasets > 0)
		sqlite3_shutdown();
	return why == NULL ? 0 : -1;
}

size_t
dataset_count(void)
{
	return ds_n;
}

const struct dataset *
dataset_at(size_t i)
{
	return i < ds_n ? &ds_list[i] : NULL;
}

const struct dataset *
dataset_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < ds_n; i++)
		if (strcasecmp(ds_list[i].name, name) == 0)
			return &ds_list[i];
	return NULL;
}

void
dataset_select(const char *grant)
{
	snprintf(ds_grant, sizeof(ds_grant), "%s", grant ? grant : "");
	ds_selected = 1;
}

const char *
dataset_selected(void)
{
	return ds_grant;
}

int
dataset_visible(const struct dataset *d)
{
	return !ds_selected ||
	    dataset_grant_schema(ds_grant, d->name, d->is_private);
}
