/*
 * test_sqlbuild.c: the SQLite walkind links is the hardened static build
 * (Makefile, "Hardened SQLite"), not Debian's shared library with every
 * feature compiled in. It asks the library itself (compile options,
 * module and function catalogues, the compiled ceilings of every limit)
 * and then the binaries: no libsqlite3.so among the loaded objects or in
 * walkind's NEEDED entries, and no loader or fts3 code in their symbols.
 * Linked against Debian's libsqlite3 this test fails on almost every line.
 */
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bounds.h"
#include "unit.h"

static sqlite3 *db;

static void
test_open(void)
{
	CHECK_INT(sqlite3_open_v2(":memory:", &db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	/* The header the objects were compiled with is this library's. */
	CHECK_STR(sqlite3_sourceid(), SQLITE_SOURCE_ID);
}

/* Count the rows of a one-column query equal to want. */
static int
count_rows(const char *sql, const char *want)
{
	sqlite3_stmt *st;
	const unsigned char *v;
	int n = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		if ((v = sqlite3_column_text(st, 0)) != NULL &&
		    strcmp((const char *)v, want) == 0)
			n++;
	sqlite3_finalize(st);
	return n;
}

static void
test_compile_options(void)
{
	static const char *const on[] = {
		"OMIT_LOAD_EXTENSION", "OMIT_SHARED_CACHE", "OMIT_DEPRECATED",
		"OMIT_WAL", "ENABLE_FTS5", "ENABLE_RTREE",
		"ENABLE_MATH_FUNCTIONS",
	};
	static const char *const off[] = {
		"ENABLE_LOAD_EXTENSION", "ENABLE_FTS3", "ENABLE_FTS4",
		"ENABLE_FTS3_TOKENIZER", "ENABLE_DBSTAT_VTAB",
		"ENABLE_STMTVTAB", "ENABLE_SESSION", "ENABLE_PREUPDATE_HOOK",
		"ENABLE_COLUMN_METADATA", "ENABLE_UNLOCK_NOTIFY",
		/* walkind's primary gate. */
		"OMIT_AUTHORIZATION", "OMIT_PROGRESS_CALLBACK",
	};
	size_t i;

	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		if (!sqlite3_compileoption_used(on[i]))
			CHECK_STR("not set", on[i]);
	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		if (sqlite3_compileoption_used(off[i]))
			CHECK_STR("set", off[i]);
	CHECK_INT(sqlite3_compileoption_used("MAX_MMAP_SIZE=0"), 1);
	CHECK_INT(sqlite3_compileoption_used("ENABLE_FTS3"), 0);
	CHECK_INT(sqlite3_compileoption_used("OMIT_LOAD_EXTENSION"), 1);
}

static void
test_catalogues(void)
{
	static const char *const gone_mods[] = {
		"fts3", "fts4", "fts3tokenize", "fts4aux", "dbstat",
		"sqlite_stmt",
	};
	static const char *const gone_funcs[] = {
		"load_extension", "fts3_tokenizer", "matchinfo", "offsets",
	};
	size_t i;

	for (i = 0; i < sizeof(gone_mods) / sizeof(gone_mods[0]); i++)
		CHECK_INT(count_rows("SELECT name FROM pragma_module_list",
		    gone_mods[i]), 0);
	for (i = 0; i < sizeof(gone_funcs) / sizeof(gone_funcs[0]); i++)
		CHECK_INT(count_rows("SELECT name FROM pragma_function_list",
		    gone_funcs[i]), 0);
	/* What walkind's policy allows is still there. */
	CHECK_INT(count_rows("SELECT name FROM pragma_module_list", "fts5"), 1);
	CHECK_INT(count_rows("SELECT name FROM pragma_module_list", "rtree"), 1);
	CHECK_INT(count_rows("SELECT name FROM pragma_module_list",
	    "json_each"), 1);
	CHECK_INT(count_rows("SELECT name FROM pragma_function_list",
	    "json_extract"), 1);
	CHECK_INT(count_rows("SELECT name FROM pragma_function_list",
	    "sqrt"), 1);
}

/* The compiled ceilings are bounds.h's: asking for more gets no more. */
static void
test_ceilings(void)
{
	static const struct {
		int	id;
		int	want;
	} lim[] = {
		{ SQLITE_LIMIT_LENGTH,			BOUNDS_LENGTH },
		{ SQLITE_LIMIT_SQL_LENGTH,		BOUNDS_SQL_LENGTH },
		{ SQLITE_LIMIT_COLUMN,			BOUNDS_COLUMN },
		{ SQLITE_LIMIT_EXPR_DEPTH,		BOUNDS_EXPR_DEPTH },
		{ SQLITE_LIMIT_COMPOUND_SELECT,		BOUNDS_COMPOUND_SELECT },
		{ SQLITE_LIMIT_VDBE_OP,			BOUNDS_VDBE_OP },
		{ SQLITE_LIMIT_FUNCTION_ARG,		BOUNDS_FUNCTION_ARG },
		{ SQLITE_LIMIT_ATTACHED,		BOUNDS_MAX_DATASETS },
		{ SQLITE_LIMIT_LIKE_PATTERN_LENGTH,	BOUNDS_LIKE_PATTERN },
		{ SQLITE_LIMIT_VARIABLE_NUMBER,		BOUNDS_VARIABLE_NUMBER },
		{ SQLITE_LIMIT_TRIGGER_DEPTH,		BOUNDS_TRIGGER_DEPTH },
		{ SQLITE_LIMIT_WORKER_THREADS,		BOUNDS_MAX_THREADS },
	};
	size_t i;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		sqlite3_limit(db, lim[i].id, INT_MAX);
		CHECK_INT(sqlite3_limit(db, lim[i].id, -1), lim[i].want);
	}
}

static void
test_behaviour(void)
{
	sqlite3_stmt *st;
	sqlite3 *copy = NULL;
	sqlite3_backup *b;
	sqlite3_int64 sz = 0;
	unsigned char *img;
	int on = -1;

	/* DEFENSIVE is the default of every connection. */
	CHECK_INT(sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, -1, &on),
	    SQLITE_OK);
	CHECK_INT(on, 1);
	/* The printf CPU bomb: NULL (too big) either way, but here in
	 * milliseconds, not after 21 s (docs/PERFORMANCE.md); not timed. */
	CHECK_INT(sqlite3_prepare_v2(db,
	    "SELECT printf('%.*c', 2147483647, 'x') IS NULL", -1, &st, NULL),
	    SQLITE_OK);
	CHECK_INT(sqlite3_step(st), SQLITE_ROW);
	CHECK_INT(sqlite3_column_int64(st, 0), 1);
	sqlite3_finalize(st);
	/* Kept: serialize/deserialize and the backup API. */
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE t(a); INSERT INTO t "
	    "VALUES(1)", NULL, NULL, NULL), SQLITE_OK);
	img = sqlite3_serialize(db, "main", &sz, 0);
	CHECK(img != NULL && sz > 0);
	sqlite3_free(img);
	CHECK_INT(sqlite3_open(":memory:", &copy), SQLITE_OK);
	b = sqlite3_backup_init(copy, "main", db, "main");
	CHECK(b != NULL);
	if (b != NULL) {
		CHECK_INT(sqlite3_backup_step(b, -1), SQLITE_DONE);
		CHECK_INT(sqlite3_backup_finish(b), SQLITE_OK);
	}
	sqlite3_close(copy);
}

static int
find_libsqlite(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	if (strstr(info->dlpi_name, "libsqlite3") != NULL)
		(*(int *)arg)++;
	return 0;
}

/* Lines of `cmd` (run through sh) that contain needle; -1 on error. */
static int
grep_cmd(const char *cmd, const char *needle)
{
	char line[512];
	FILE *p;
	int n = 0;

	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	if (pclose(p) != 0)
		return -1;
	return n;
}

/* One binary: static SQLite, no loader, no fts3, the gate present. */
static void
check_binary(const char *path)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "readelf -d '%s'", path);
	CHECK_INT(grep_cmd(cmd, "libsqlite3"), 0);
	snprintf(cmd, sizeof(cmd), "nm '%s'", path);
	CHECK_INT(grep_cmd(cmd, " sqlite3_load_extension\n"), 0);
	CHECK_INT(grep_cmd(cmd, "sqlite3Fts3"), 0);
	CHECK_INT(grep_cmd(cmd, " sqlite3_enable_shared_cache\n"), 0);
	CHECK_INT(grep_cmd(cmd, " sqlite3_set_authorizer\n"), 1);
	CHECK_INT(grep_cmd(cmd, " sqlite3_serialize\n"), 1);
}

static void
test_binaries(void)
{
	char self[PATH_MAX], walkind[PATH_MAX + 16], *slash;
	ssize_t n;
	int loaded = 0;

	dl_iterate_phdr(find_libsqlite, &loaded);
	CHECK_INT(loaded, 0);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0);
	if (n <= 0)
		return;
	self[n] = '\0';
	check_binary(self);
	/* BUILD/tests/test_sqlbuild -> BUILD/walkind, when it is built. */
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	snprintf(walkind, sizeof(walkind), "%s/../walkind", self);
	if (access(walkind, X_OK) == 0)
		check_binary(walkind);
}

static void
test_done(void)
{
	CHECK_INT(sqlite3_close(db), SQLITE_OK);
}

UNIT_MAIN(test_open, test_compile_options, test_catalogues, test_ceilings,
    test_behaviour, test_binaries, test_done)
