/*
 * sqlconn.c: one hardened SQLite connection per walk-in (executor side).
 *
 * The caller is anonymous and hostile and writes raw SQL, so the
 * connection is set up as in SECURITY-FACTS §1.4, in this order:
 *
 *  1. sqlconn_global_init, once, before any connection or sandbox: no URI
 *     filenames (a "file:...?vfs=memdb" name would reach shared in-process
 *     databases), PRNG seeded and tzset done now because both open files
 *     lazily and the jail forbids that later, process-wide heap limit.
 *  2. open: absolute server-built path, no symlinks, private cache.
 *  3. db_config: DEFENSIVE, no extension loading (C API and SQL), no
 *     fts3 tokenizer pointers, trusted_schema off; double-quoted strings
 *     stay on (walkindb's own quickstart inserts VALUES("hello")).
 *  4. the lock wait (below), then pragmas: a TRUNCATE journal with
 *     EXCLUSIVE locking (below), mmap off, temp store in memory (temp
 *     files escape both the byte cap and the jail), cell_size_check,
 *     synchronous OFF (a process crash loses nothing committed; power
 *     loss is out of scope, see README "Durability"). Then
 *     max_page_count = max_db_bytes / page_size, on every open, because
 *     the cap counts pages and is not stored in the file.
 *  5. sqlite3_limit for every limit in bounds.h (each read back).
 *  6. the deadline progress handler, which also demotes a long request
 *     (BOUNDS_DEMOTE_MS) to nice BOUNDS_DEMOTE_NICE for CPU fairness.
 *     An unprivileged process cannot raise its priority again, so the
 *     executor retires after such a request (executor.c).
 *  7. printf/format stubs (see below), then the authorizer LAST, so the
 *     setup above is not subject to it.
 *
 * The authorizer (sqlconn_policy) is the primary gate. It runs whenever
 * SQLite prepares a statement, including the nested SQL SQLite runs for
 * fts5/rtree shadow tables, ALTER TABLE and VACUUM, so the rules must let
 * that internal SQL through: it writes sqlite_master (DEFENSIVE and the
 * read-only schema tables keep users from doing so directly). The first
 * denial since sqlconn_clear_denied is remembered for the error reply.
 *
 * printf/format: printf('%.*c', 2147483647, 'x') runs for seconds inside
 * one call, where neither the progress handler nor sqlite3_interrupt can
 * stop it. The authorizer denies them, but it never sees functions in a
 * column DEFAULT expression (measured: CREATE TABLE t(a DEFAULT
 * (printf(...))) and the INSERT that evaluates it raise no FUNCTION
 * action), and SQLite's own ALTER TABLE ADD COLUMN calls printf in nested
 * SQL. So the connection also registers application functions named
 * printf and format that only fail: every user call resolves to them,
 * wherever it hides, while SQLite's nested SQL prefers built-ins and
 * keeps working; the authorizer allows the name while an ALTER TABLE is
 * being prepared. The executor's SIGKILL stays the last line.
 *
 * Journal and locks. The executor is the only process that uses its
 * walk-in's file, so it takes the file lock in its first transaction and
 * keeps it until it exits (locking_mode EXCLUSIVE): a transaction then
 * makes no fcntl lock calls, no hot-journal probes and no change-counter
 * read. In that mode SQLite 3.40 never deletes the journal at commit,
 * and journal_mode decides what it does instead (measured):
 *   DELETE    acts as PERSIST: the header is zeroed and the file keeps
 *             the size of the largest transaction so far (up to about
 *             the cap) until a close after a write deletes it;
 *   PERSIST   the same, for good; journal_size_limit=0 (with either)
 *             would truncate it, through a second setting;
 *   TRUNCATE  one ftruncate(journal, 0) per commit, the file and its
 *             open descriptor kept: no inode created or removed.
 * TRUNCATE is used: zero length outside a transaction by its own
 * definition, and the same crash safety as DELETE had. An executor may
 * be SIGKILLed mid-write: the journal has content then (hot), and the
 * next open rolls the transaction back (sqlconn_pragmas_apply). The
 * commit point is the truncation instead of the unlink; with synchronous
 * OFF neither is synced, and either reaches the kernel before the reply,
 * so a write acknowledged is a write kept across any process crash.
 * (With synchronous FULL SQLite would fsync the truncation too.) The
 * empty journal stays while the executor lives; sqlconn_close removes
 * it, so an idle walk-in on disk is the directory and db.sqlite.
 *
 * The next executor of a walk-in can start while the previous one is
 * still exiting (idle retire, eviction, SIGKILL at the deadline) and
 * holding the lock, so a connection waits up to BOUNDS_LOCK_WAIT_MS for
 * it (SQLite's busy handler) rather than failing with SQLITE_BUSY. An
 * exiting connection never waits, so the two cannot deadlock.
 *
 * State: one struct per connection, used by one thread (the executor is
 * single-threaded; the callbacks run inside sqlite3_prepare/step on it).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "bounds.h"
#include "log.h"
#include "sqlconn.h"

#define SQLCONN_DENIED_MAX	64	/* "PRAGMA " + a capped name */
#define SQLCONN_NAME_MAX	48	/* untrusted part of a denied name */

struct sqlconn {
	sqlite3	*db;
	int64_t	 max_db_bytes;		/* the cap, for sqlconn_recap */
	int	 threads;
	int64_t	 deadline_ms;		/* monotonic; 0 = none */
	int64_t	 start_ms;		/* monotonic: set_deadline's call */
	int	 timed_out;		/* progress handler interrupted */
	int	 in_alter;		/* an ALTER TABLE is being prepared */
	int	 in_recap;		/* sqlconn_recap sets max_page_count */
	int	 in_share;		/* sqlconn_share sets locking_mode */
	int	 readonly;		/* sqlconn_set_readonly: query_only */
	int	 memory;		/* sqlconn_open_memory: no file */
	int	 read_job;		/* sqlconn_set_read_job */
	char	 denied[SQLCONN_DENIED_MAX];	/* "" = nothing denied */
};

/* ---- the authorizer policy ---- */

enum sqlconn_verdict {
	SQLCONN_UNKNOWN = 0,	/* action code not listed: deny */
	SQLCONN_ALLOW,
	SQLCONN_DENY,		/* deny, reported as the rule's name */
	SQLCONN_ATTACH,		/* deny, reported as ATTACH or VACUUM */
	SQLCONN_ALTER,		/* allow; remember an ALTER is being prepared */
	SQLCONN_PRAGMA,		/* p1 checked against sqlconn_pragmas */
	SQLCONN_FUNCTION,	/* p2 checked against sqlconn_functions */
	SQLCONN_VTABLE,		/* p2 (module) checked against sqlconn_modules */
	SQLCONN_READ,		/* p1 checked against sqlconn_eponymous */
};

struct sqlconn_rule {
	enum sqlconn_verdict	 verdict;
	const char		*name;	/* reported name for SQLCONN_DENY */
};

/*
 * Every action code SQLite 3.40 can raise, indexed by code. Gaps (e.g.
 * SQLITE_COPY, unused since 3.0) and codes added by later versions are
 * SQLCONN_UNKNOWN and denied: a new kind of action is reviewed before it
 * is allowed. Independently of this table, any action whose database
 * argument is "temp" is denied first (sqlconn_temp_denied).
 */
static const struct sqlconn_rule sqlconn_policy[] = {
	/* The walk-in's own schema in main: capped in bytes. */
	[SQLITE_CREATE_INDEX]		= { SQLCONN_ALLOW, NULL },
	[SQLITE_CREATE_TABLE]		= { SQLCONN_ALLOW, NULL },
	[SQLITE_CREATE_TRIGGER]		= { SQLCONN_ALLOW, NULL },
	[SQLITE_CREATE_VIEW]		= { SQLCONN_ALLOW, NULL },
	[SQLITE_DROP_INDEX]		= { SQLCONN_ALLOW, NULL },
	[SQLITE_DROP_TABLE]		= { SQLCONN_ALLOW, NULL },
	[SQLITE_DROP_TRIGGER]		= { SQLCONN_ALLOW, NULL },
	[SQLITE_DROP_VIEW]		= { SQLCONN_ALLOW, NULL },
	/* The temp schema has its own, uncapped page count: escapes the cap. */
	[SQLITE_CREATE_TEMP_INDEX]	= { SQLCONN_DENY, "TEMP" },
	[SQLITE_CREATE_TEMP_TABLE]	= { SQLCONN_DENY, "TEMP" },
	[SQLITE_CREATE_TEMP_TRIGGER]	= { SQLCONN_DENY, "TEMP" },
	[SQLITE_CREATE_TEMP_VIEW]	= { SQLCONN_DENY, "TEMP" },
	[SQLITE_DROP_TEMP_INDEX]	= { SQLCONN_DENY, "TEMP" },
	[SQLITE_DROP_TEMP_TABLE]	= { SQLCONN_DENY, "TEMP" },
	[SQLITE_DROP_TEMP_TRIGGER]	= { SQLCONN_DENY, "TEMP" },
	[SQLITE_DROP_TEMP_VIEW]		= { SQLCONN_DENY, "TEMP" },
	/*
	 * Row access. Writes to sqlite_master and shadow tables are SQLite's
	 * own nested SQL; DEFENSIVE rejects them from users.
	 */
	[SQLITE_INSERT]			= { SQLCONN_ALLOW, NULL },
	[SQLITE_UPDATE]			= { SQLCONN_ALLOW, NULL },
	[SQLITE_DELETE]			= { SQLCONN_ALLOW, NULL },
	[SQLITE_SELECT]			= { SQLCONN_ALLOW, NULL },
	/* Eponymous virtual tables arrive as READ on their module name. */
	[SQLITE_READ]			= { SQLCONN_READ, NULL },
	/* Settings: allowlist only; most pragmas reach storage or the process. */
	[SQLITE_PRAGMA]			= { SQLCONN_PRAGMA, NULL },
	/* Functions: denylist of the dangerous ones of this build. */
	[SQLITE_FUNCTION]		= { SQLCONN_FUNCTION, NULL },
	/* Transactions live in the file; closing the executor rolls back. */
	[SQLITE_TRANSACTION]		= { SQLCONN_ALLOW, NULL },
	[SQLITE_SAVEPOINT]		= { SQLCONN_ALLOW, NULL },
	/*
	 * ATTACH reaches host files, other walk-ins and shared in-memory
	 * databases; it is also how VACUUM and VACUUM INTO '<path>' work
	 * (nested "ATTACH '<path>'", with '' for plain VACUUM). All denied;
	 * LIMIT_ATTACHED=0 blocks them a second time. p1 "" is reported as
	 * VACUUM; sqlexec refines the name by phase (prepare vs step).
	 */
	[SQLITE_ATTACH]			= { SQLCONN_ATTACH, NULL },
	[SQLITE_DETACH]			= { SQLCONN_DENY, "DETACH" },
	/* Schema maintenance of the walk-in's own tables. */
	[SQLITE_ALTER_TABLE]		= { SQLCONN_ALTER, NULL },
	[SQLITE_REINDEX]		= { SQLCONN_ALLOW, NULL },
	[SQLITE_ANALYZE]		= { SQLCONN_ALLOW, NULL },	/* sqlite_stat1 in main */
	/* Virtual tables: module allowlist. */
	[SQLITE_CREATE_VTABLE]		= { SQLCONN_VTABLE, NULL },
	[SQLITE_DROP_VTABLE]		= { SQLCONN_VTABLE, NULL },
	/* Recursive CTEs: CPU is bounded by the deadline and the SIGKILL. */
	[SQLITE_RECURSIVE]		= { SQLCONN_ALLOW, NULL },
};

/*
 * PRAGMA allowlist (p1 = name, p2 = argument or NULL for a plain read).
 * Table-valued pragma_xxx(...) prepare a nested PRAGMA while stepping
 * and get the same check. Everything not listed is denied, notably: page_size=,
 * max_page_count= (lift the byte cap 16x / entirely), journal_mode=
 * (WAL adds mmap'd -shm files, OFF/MEMORY lose crash safety, PERSIST or
 * DELETE leave a journal of up to the cap's size), mmap_size, temp_store,
 * cache_size, synchronous, locking_mode (NORMAL brings back the
 * per-transaction lock and probe calls), journal_size_limit, auto_vacuum,
 * hard/soft_heap_limit and threads (process-wide), writable_schema,
 * trusted_schema, cell_size_check, schema_version=, database_list (shows
 * the server's path), wal_*, busy_timeout (the lock wait), optimize,
 * shrink_memory, and debug pragmas.
 */
static const struct sqlconn_pragma {
	const char	*name;
	int		 arg_ok;	/* may carry an argument */
} sqlconn_pragmas[] = {
	/* Schema introspection of the walk-in's own objects. */
	{ "table_info", 1 }, { "table_xinfo", 1 }, { "table_list", 1 },
	{ "index_list", 1 }, { "index_info", 1 }, { "index_xinfo", 1 },
	{ "foreign_key_list", 1 }, { "foreign_key_check", 1 },
	/* Read-only checks; CPU bounded by the deadline. */
	{ "integrity_check", 1 }, { "quick_check", 1 },
	/* Header fields and connection behaviour, no reach beyond the file. */
	{ "user_version", 1 }, { "application_id", 1 },
	{ "foreign_keys", 1 }, { "defer_foreign_keys", 1 },
	{ "case_sensitive_like", 1 }, { "reverse_unordered_selects", 1 },
	{ "automatic_index", 1 }, { "query_only", 1 },
	{ "ignore_check_constraints", 1 },
	{ "recursive_triggers", 1 },	/* fan-out bounded by TRIGGER_DEPTH */
	/* Reads only: writing them moves the cap or the journal. */
	{ "page_count", 0 }, { "page_size", 0 }, { "max_page_count", 0 },
	{ "freelist_count", 0 }, { "data_version", 0 }, { "encoding", 0 },
	{ "schema_version", 0 }, { "journal_mode", 0 },
	/* Catalogues of this build (also available from the docs). */
	{ "collation_list", 0 }, { "function_list", 0 },
	{ "module_list", 0 }, { "pragma_list", 0 }, { "compile_options", 0 },
};

/* FUNCTION denylist (p2 = function name). */
static const char *const sqlconn_functions[] = {
	"load_extension",	/* native code; also off via db_config */
	"fts3_tokenizer",	/* leaks an address, installs a C pointer */
	"printf", "format",	/* seconds of CPU in one call, uninterruptible */
	"sqlite_log",		/* writes the server's error log */
	"rtreenode", "rtreedepth", "rtreecheck", /* debug; CVE-2019-8457 */
	"fts5", "fts5_source_id", /* fts5 API pointer; walkindb's fts5_* */
	/* CLI-only today; named so the policy holds if the library grows. */
	"readfile", "writefile", "edit", "zipfile", "unzip",
};

/*
 * Virtual-table module allowlist for CREATE/DROP VIRTUAL TABLE (p2).
 * fts3/fts4 carry the worst CVE history and the tokenizer pointer
 * interface; fts3tokenize, fts4aux, fts5vocab and dbstat are oracles.
 */
static const char *const sqlconn_modules[] = {
	"fts5", "rtree", "rtree_i32",
};

/*
 * READ denylist: eponymous virtual tables (usable without CREATE) that
 * leak. dbstat is a page-layout oracle, sqlite_stmt shows the SQL of
 * every statement on the connection; the fts3/4/5 helpers go with their
 * modules; the rest are CLI-only or absent, named in case they appear.
 * json_each/json_tree and pragma_* stay readable (PRAGMA rules apply).
 * A user table with one of these names is unreadable too (documented).
 */
static const char *const sqlconn_eponymous[] = {
	"dbstat", "sqlite_stmt", "fts3tokenize", "fts4aux", "fts5vocab",
	"sqlite_dbpage", "sqlite_dbdata", "sqlite_dbptr", "fsdir", "zipfile",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
sqlconn_in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (strcasecmp(name, list[i]) == 0)
			return 1;
	return 0;
}

/*
 * Remember the first denial as prefix + name, the name lowercased,
 * printable ASCII only and capped: it is caller text going into a reply.
 */
static int
sqlconn_deny(struct sqlconn *c, const char *prefix, const char *name)
{
	size_t n, i;
	unsigned char ch;

	if (c->denied[0] != '\0')
		return SQLITE_DENY;
	n = strlen(prefix);
	memcpy(c->denied, prefix, n);
	for (i = 0; name != NULL && name[i] != '\0' &&
	    i < SQLCONN_NAME_MAX; i++) {
		ch = (unsigned char)name[i];
		c->denied[n++] = (ch > 0x20 && ch < 0x7f) ?
		    (char)tolower(ch) : '?';
	}
	c->denied[n] = '\0';
	return SQLITE_DENY;
}

static int
sqlconn_check_pragma(struct sqlconn *c, const char *name, const char *arg)
{
	size_t i;

	/*
	 * sqlconn_recap's own fixed statement, after an import changed the
	 * page size: the cap must follow it (SECURITY-FACTS 0.5). Only
	 * while that function runs; no user SQL runs then.
	 */
	if (c->in_recap && name != NULL &&
	    strcasecmp(name, "max_page_count") == 0)
		return SQLITE_OK;
	if (c->in_share && name != NULL &&
	    strcasecmp(name, "locking_mode") == 0)
		return SQLITE_OK;
	/* A read-only transaction (BEGIN TRANSACTION READONLY) stays so
	 * until it ends: query_only cannot be lifted inside it. */
	if (c->readonly && arg != NULL && name != NULL &&
	    strcasecmp(name, "query_only") == 0)
		return sqlconn_deny(c, "PRAGMA ", name);
	for (i = 0; name != NULL && i < NELEM(sqlconn_pragmas); i++)
		if (strcasecmp(name, sqlconn_pragmas[i].name) == 0) {
			if (arg == NULL || sqlconn_pragmas[i].arg_ok)
				return SQLITE_OK;
			break;
		}
	return sqlconn_deny(c, "PRAGMA ", name);
}

static int
sqlconn_check_function(struct sqlconn *c, const char *name)
{
	/* SQLite's ALTER TABLE ADD COLUMN calls the built-in printf. */
	if (c->in_alter && (strcasecmp(name, "printf") == 0 ||
	    strcasecmp(name, "format") == 0))
		return SQLITE_OK;
	if (sqlconn_in_list(name, sqlconn_functions, NELEM(sqlconn_functions)))
		return sqlconn_deny(c, "", name);
	return SQLITE_OK;
}

/*
 * The temp schema's own table under its four names. Users cannot create
 * tables named sqlite_*, so in schema "temp" these are always it.
 */
static const char *const sqlconn_temp_schema[] = {
	"sqlite_temp_master", "sqlite_temp_schema",
	"sqlite_master", "sqlite_schema",	/* main's too (read-only mode) */
};

/*
 * Any action on the temp schema is denied: objects there are outside
 * max_page_count. ALTER TABLE's nested SQL reads and rewrites the temp
 * schema table (views and triggers in temp that name the table); that
 * table is empty here and read-only to users, so READ and UPDATE of it
 * are let through. ALTER_TABLE itself carries the schema in p1 and a
 * column name in p3, so it is checked on p1.
 */
static int
sqlconn_temp_denied(int action, const char *p1, const char *p3)
{
	const char *db = action == SQLITE_ALTER_TABLE ? p1 : p3;

	if (db == NULL || strcasecmp(db, "temp") != 0)
		return 0;
	if ((action == SQLITE_READ || action == SQLITE_UPDATE) &&
	    sqlconn_in_list(p1, sqlconn_temp_schema,
	    NELEM(sqlconn_temp_schema)))
		return 0;
	return 1;
}

/*
 * Read-only mode's allowlist, checked before the policy: reads, and
 * PRAGMAs with no argument or whose argument names an object (a PRAGMA
 * with a value sets connection state such as foreign_keys or
 * query_only, which the walk-in's owner would inherit). One write is
 * let through: UPDATE of the schema table, which SQLite's own nested SQL
 * prepares the first time a connection uses an eponymous virtual table
 * (pragma_table_info('t') failed without it); users cannot write that
 * table (DEFENSIVE), and sqlexec refuses any statement that is not
 * sqlite3_stmt_readonly.
 */
static const char *const sqlconn_ro_pragmas[] = {
	"table_info", "table_xinfo", "table_list", "index_list", "index_info",
	"index_xinfo", "foreign_key_list", "foreign_key_check",
	"integrity_check", "quick_check",
};

static int
sqlconn_read_job_allowed(int action, const char *p1, const char *p2)
{
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_FUNCTION:
	case SQLITE_RECURSIVE:
		return 1;
	case SQLITE_PRAGMA:
		return p2 == NULL || sqlconn_in_list(p1, sqlconn_ro_pragmas,
		    NELEM(sqlconn_ro_pragmas));
	case SQLITE_UPDATE:
		return sqlconn_in_list(p1, sqlconn_temp_schema + 2, 2);
	}
	return 0;
}

void
sqlconn_set_read_job(struct sqlconn *c, int on)
{
	c->read_job = on != 0;
}

static int
sqlconn_authorize(void *arg, int action, const char *p1, const char *p2,
    const char *p3, const char *p4)
{
	struct sqlconn *c = arg;
	enum sqlconn_verdict v = SQLCONN_UNKNOWN;

	(void)p4;
	if (c->read_job && !sqlconn_read_job_allowed(action, p1, p2))
		return sqlconn_deny(c, SQLCONN_DENIED_READONLY, NULL);
	if (sqlconn_temp_denied(action, p1, p3))
		return sqlconn_deny(c, "TEMP", NULL);
	if (action >= 0 && (size_t)action < NELEM(sqlconn_policy))
		v = sqlconn_policy[action].verdict;
	switch (v) {
	case SQLCONN_ALLOW:
		return SQLITE_OK;
	case SQLCONN_DENY:
		return sqlconn_deny(c, sqlconn_policy[action].name, NULL);
	case SQLCONN_ATTACH:
		return sqlconn_deny(c, p1 != NULL && p1[0] == '\0' ?
		    "VACUUM" : "ATTACH", NULL);
	case SQLCONN_ALTER:
		c->in_alter = 1;
		return SQLITE_OK;
	case SQLCONN_PRAGMA:
		return sqlconn_check_pragma(c, p1, p2);
	case SQLCONN_FUNCTION:
		if (p2 == NULL)
			return sqlconn_deny(c, "function", NULL);
		return sqlconn_check_function(c, p2);
	case SQLCONN_VTABLE:
		if (sqlconn_in_list(p2, sqlconn_modules, NELEM(sqlconn_modules)))
			return SQLITE_OK;
		return sqlconn_deny(c, "", p2 != NULL ? p2 : "module");
	case SQLCONN_READ:
		if (sqlconn_in_list(p1, sqlconn_eponymous,
		    NELEM(sqlconn_eponymous)))
			return sqlconn_deny(c, "", p1);
		return SQLITE_OK;
	case SQLCONN_UNKNOWN:
		break;
	}
	return sqlconn_deny(c, "UNKNOWN ACTION", NULL);
}

/*
 * The printf/format stand-ins (see the top of the file). Marked
 * innocuous and deterministic like the built-ins, so they are found in
 * every place the built-ins would be (DEFAULT, CHECK, indexes, views).
 */
static void
sqlconn_stub(sqlite3_context *ctx, const char *name)
{
	struct sqlconn *c = sqlite3_user_data(ctx);
	char msg[64];

	sqlconn_deny(c, "", name);
	snprintf(msg, sizeof(msg), "not authorized to use function: %s", name);
	sqlite3_result_error(ctx, msg, -1);
}

static void
sqlconn_stub_printf(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlconn_stub(ctx, "printf");
}

static void
sqlconn_stub_format(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlconn_stub(ctx, "format");
}

/* ---- setup steps ---- */

static int	sqlconn_global_done;

int
sqlconn_global_init(int64_t heap_limit)
{
	unsigned char seed[16];
	int rc;

	if (sqlconn_global_done)
		return 0;
	/* URI names would let "file:x?vfs=memdb" reach shared memory DBs. */
	if ((rc = sqlite3_config(SQLITE_CONFIG_URI, 0)) != SQLITE_OK ||
	    (rc = sqlite3_config(SQLITE_CONFIG_MULTITHREAD)) != SQLITE_OK) {
		log_warnx("sqlite3_config: %s", sqlite3_errstr(rc));
		return -1;
	}
	if ((rc = sqlite3_initialize()) != SQLITE_OK) {
		log_warnx("sqlite3_initialize: %s", sqlite3_errstr(rc));
		return -1;
	}
	/* SQLite opens /dev/urandom on first use; do it before the jail. */
	sqlite3_randomness(sizeof(seed), seed);
	/* One executor per walk-in, so this process-wide cap is per walk-in. */
	if (heap_limit > 0)
		sqlite3_hard_heap_limit64(heap_limit);
	/* glibc reads /etc/localtime lazily; date('now','localtime') later. */
	tzset();
	sqlconn_global_done = 1;
	return 0;
}

static int
sqlconn_setconfig(sqlite3 *db, int op, int want)
{
	int got = -1;

	if (sqlite3_db_config(db, op, want, &got) != SQLITE_OK || got != want)
		return -1;
	return 0;
}

static int
sqlconn_configure(sqlite3 *db)
{
	if (sqlconn_setconfig(db, SQLITE_DBCONFIG_DEFENSIVE, 1) == -1 ||
	    /* The hardened build has no loader at all (OMIT_LOAD_EXTENSION). */
	    sqlconn_setconfig(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0) == -1 ||
	    sqlconn_setconfig(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0) == -1 ||
	    sqlconn_setconfig(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0) == -1 ||
	    /* Kept on on purpose: walkindb clients write VALUES("hello"). */
	    sqlconn_setconfig(db, SQLITE_DBCONFIG_DQS_DML, 1) == -1 ||
	    sqlconn_setconfig(db, SQLITE_DBCONFIG_DQS_DDL, 1) == -1)
		return -1;
	return 0;
}

/* Run a one-row pragma and return its first column as an integer. */
static int
sqlconn_pragma_int(sqlite3 *db, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Run a one-row pragma that answers a word; 0 if the answer is want. */
static int
sqlconn_pragma_is(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *st;
	const unsigned char *got;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (got = sqlite3_column_text(st, 0)) != NULL &&
	    strcmp((const char *)got, want) == 0)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/*
 * Step 4. PRAGMA journal_mode needs the schema, so it is the first read
 * of the file, and the first read is where SQLite rolls back a hot
 * journal. It does so in a fresh connection's modes (DELETE, NORMAL
 * locking, synchronous FULL): synced, and ending with the journal
 * deleted, exactly as before this connection used the modes below. Only
 * then do TRUNCATE and EXCLUSIVE apply; the next transaction takes the
 * lock and keeps it. The mode pragmas answer the mode in force: insist.
 */
static int
sqlconn_pragmas_apply(sqlite3 *db, int memory, int shared)
{
	if (!memory && (sqlconn_pragma_is(db, "PRAGMA journal_mode=TRUNCATE",
	    "truncate") == -1 ||
	    sqlconn_pragma_is(db, shared ? "PRAGMA locking_mode=NORMAL" :
	    "PRAGMA locking_mode=EXCLUSIVE", shared ? "normal" :
	    "exclusive") == -1))
		return -1;
	if (sqlite3_exec(db, "PRAGMA mmap_size=0; PRAGMA temp_store=MEMORY; "
	    "PRAGMA cell_size_check=ON; PRAGMA synchronous=OFF",
	    NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/*
 * max_page_count counts pages and resets on every open, so recompute
 * it from the file's real page size each time (page_size 0), or from
 * the page size an import is about to give the file.
 */
static int
sqlconn_set_cap(sqlite3 *db, int64_t max_db_bytes, int64_t page_size)
{
	char sql[64];
	int64_t pages, got;

	if (page_size == 0 &&
	    sqlconn_pragma_int(db, "PRAGMA page_size", &page_size) == -1)
		return -1;
	if (page_size <= 0)
		return -1;
	pages = max_db_bytes / page_size;
	if (pages < 1)
		pages = 1;
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%lld",
	    (long long)pages);
	/* SQLite will not go below the current size; that is still a cap. */
	if (sqlconn_pragma_int(db, sql, &got) == -1 || got < 1)
		return -1;
	return 0;
}

static const struct sqlconn_limit {
	int	id;
	int	value;
} sqlconn_limits[] = {
	{ SQLITE_LIMIT_SQL_LENGTH,		BOUNDS_SQL_LENGTH },
	{ SQLITE_LIMIT_LENGTH,			BOUNDS_LENGTH },
	{ SQLITE_LIMIT_COLUMN,			BOUNDS_COLUMN },
	{ SQLITE_LIMIT_EXPR_DEPTH,		BOUNDS_EXPR_DEPTH },
	{ SQLITE_LIMIT_COMPOUND_SELECT,		BOUNDS_COMPOUND_SELECT },
	{ SQLITE_LIMIT_VDBE_OP,			BOUNDS_VDBE_OP },
	{ SQLITE_LIMIT_FUNCTION_ARG,		BOUNDS_FUNCTION_ARG },
	{ SQLITE_LIMIT_ATTACHED,		BOUNDS_ATTACHED },
	{ SQLITE_LIMIT_LIKE_PATTERN_LENGTH,	BOUNDS_LIKE_PATTERN },
	{ SQLITE_LIMIT_VARIABLE_NUMBER,		BOUNDS_VARIABLE_NUMBER },
	{ SQLITE_LIMIT_TRIGGER_DEPTH,		BOUNDS_TRIGGER_DEPTH },
};

/*
 * sqlite3_limit silently clamps to the compiled maximum; read each one
 * back and insist it is at most what bounds.h asks for.
 */
static int
sqlconn_set_limits(sqlite3 *db, int threads)
{
	size_t i;

	for (i = 0; i < NELEM(sqlconn_limits); i++) {
		sqlite3_limit(db, sqlconn_limits[i].id, sqlconn_limits[i].value);
		if (sqlite3_limit(db, sqlconn_limits[i].id, -1) >
		    sqlconn_limits[i].value)
			return -1;
	}
	sqlite3_limit(db, SQLITE_LIMIT_WORKER_THREADS, threads);
	if (sqlite3_limit(db, SQLITE_LIMIT_WORKER_THREADS, -1) > threads)
		return -1;
	return 0;
}

/* CPU fairness (sqlconn.h): process-wide, executor only. */
static int	sqlconn_low;		/* at BOUNDS_DEMOTE_NICE */

int
sqlconn_demoted(void)
{
	return sqlconn_low;
}

static int
sqlconn_progress(void *arg)
{
	struct sqlconn *c = arg;
	int64_t now;

	now = clock_mono_ms();
	/* The running thread, the one a request runs in: sorter threads
	 * it starts from now inherit the nice. */
	if (!sqlconn_low && c->start_ms != 0 &&
	    now - c->start_ms >= BOUNDS_DEMOTE_MS &&
	    setpriority(PRIO_PROCESS, 0, BOUNDS_DEMOTE_NICE) == 0)
		sqlconn_low = 1;
	if (c->deadline_ms == 0 || now < c->deadline_ms)
		return 0;
	c->timed_out = 1;
	return 1;
}

static int
sqlconn_add_stubs(struct sqlconn *c)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC |
	    SQLITE_INNOCUOUS;

	if (sqlite3_create_function_v2(c->db, "printf", -1, flags, c,
	    sqlconn_stub_printf, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function_v2(c->db, "format", -1, flags, c,
	    sqlconn_stub_format, NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/*
 * Steps 3-7 of the file comment; *step names the one that failed. An
 * in-memory database has no journal or file lock to set.
 */
static int
sqlconn_harden(struct sqlconn *c, int memory, int shared, const char **step)
{
	*step = "db_config";
	if (sqlconn_configure(c->db) == -1)
		return -1;
	/* Before the first read: an exiting executor may hold the lock. */
	*step = "busy_timeout";
	if (sqlite3_busy_timeout(c->db, BOUNDS_LOCK_WAIT_MS) != SQLITE_OK)
		return -1;
	*step = "pragmas";
	if (sqlconn_pragmas_apply(c->db, memory, shared) == -1)
		return -1;
	*step = "max_page_count";
	if (sqlconn_set_cap(c->db, c->max_db_bytes, 0) == -1)
		return -1;
	*step = "limits";
	if (sqlconn_set_limits(c->db, c->threads) == -1)
		return -1;
	sqlite3_progress_handler(c->db, BOUNDS_PROGRESS_OPS,
	    sqlconn_progress, c);
	*step = "functions";
	if (sqlconn_add_stubs(c) == -1)
		return -1;
	*step = "authorizer";
	if (sqlite3_set_authorizer(c->db, sqlconn_authorize, c) != SQLITE_OK)
		return -1;
	return 0;
}

static struct sqlconn *
sqlconn_open_mode(const char *path, const struct sqlconn_opts *o,
    int shared, char *err, size_t errlen)
{
	struct sqlconn *c;
	const char *step = "options";
	int rc;

	/* Absolute and server-built; never a "file:" URI or relative name. */
	if (path == NULL || path[0] != '/' || o->max_db_bytes <= 0 ||
	    o->threads < 0 || o->threads > BOUNDS_MAX_THREADS) {
		snprintf(err, errlen, "sqlconn_open: bad path or options");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "sqlconn_open: out of memory");
		return NULL;
	}
	c->max_db_bytes = o->max_db_bytes;
	c->threads = o->threads;
	rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW |
	    SQLITE_OPEN_PRIVATECACHE | SQLITE_OPEN_EXRESCODE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "open: %s", c->db != NULL ?
		    sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		goto fail;
	}
	if (sqlconn_harden(c, 0, shared, &step) == -1) {
		snprintf(err, errlen, "%s: %s", step, sqlite3_errmsg(c->db));
		goto fail;
	}
	return c;
fail:
	sqlite3_close_v2(c->db);
	free(c);
	return NULL;
}

struct sqlconn *
sqlconn_open(const char *path, const struct sqlconn_opts *o, char *err,
    size_t errlen)
{
	return sqlconn_open_mode(path, o, 0, err, errlen);
}

struct sqlconn *
sqlconn_open_shared(const char *path, const struct sqlconn_opts *o,
    char *err, size_t errlen)
{
	return sqlconn_open_mode(path, o, 1, err, errlen);
}

/*
 * A private in-memory database: never a file, never shared (no URI, no
 * name). The image goes in before the hardening, because
 * sqlite3_deserialize runs "ATTACH x AS main" internally, which the
 * authorizer refuses; it reads nothing yet (no schema is loaded until
 * the first statement, after db_config).
 */
static int
sqlconn_load_image(sqlite3 *db, const void *image, size_t len)
{
	unsigned char *copy;

	if (len == 0)
		return 0;
	if ((copy = sqlite3_malloc64(len)) == NULL)
		return -1;
	memcpy(copy, image, len);
	/*
	 * FREEONCLOSE: SQLite owns the copy, even when this call fails.
	 * Writable but not RESIZEABLE: fts5's 'integrity-check' command
	 * is an INSERT (dbimage.c runs it in a transaction it rolls back),
	 * and nothing can grow the copy past the caller's bytes.
	 */
	if (sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len,
	    (sqlite3_int64)len, SQLITE_DESERIALIZE_FREEONCLOSE) != SQLITE_OK)
		return -1;
	return 0;
}

struct sqlconn *
sqlconn_open_memory(const struct sqlconn *like, const void *image,
    size_t len, char *err, size_t errlen)
{
	struct sqlconn *c;
	const char *step = "image";

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "sqlconn_open_memory: out of memory");
		return NULL;
	}
	c->max_db_bytes = like->max_db_bytes;
	c->threads = like->threads;
	c->deadline_ms = like->deadline_ms;
	c->start_ms = like->start_ms;
	c->memory = 1;
	if (sqlite3_open_v2(":memory:", &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_MEMORY | SQLITE_OPEN_PRIVATECACHE |
	    SQLITE_OPEN_EXRESCODE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "open: %s", c->db != NULL ?
		    sqlite3_errmsg(c->db) : "out of memory");
		goto fail;
	}
	if (sqlconn_load_image(c->db, image, len) == -1 ||
	    sqlconn_harden(c, 1, 0, &step) == -1) {
		snprintf(err, errlen, "%s: %s", step, sqlite3_errmsg(c->db));
		goto fail;
	}
	return c;
fail:
	sqlite3_close_v2(c->db);
	free(c);
	return NULL;
}

/*
 * locking_mode=NORMAL takes effect when the exclusive lock is next let
 * go, which SQLite does at the next access of the file outside a
 * transaction: PRAGMA schema_version reads the header, which is such an
 * access (inside an open transaction the lock goes when it ends).
 */
int
sqlconn_share(struct sqlconn *c)
{
	int rc;

	c->in_share = 1;
	rc = sqlconn_pragma_is(c->db, "PRAGMA locking_mode=NORMAL", "normal");
	c->in_share = 0;
	if (rc == 0 && sqlite3_exec(c->db, "PRAGMA schema_version", NULL,
	    NULL, NULL) != SQLITE_OK)
		rc = -1;
	return rc;
}

int
sqlconn_set_readonly(struct sqlconn *c, int on)
{
	int rc;

	if (!on)
		c->readonly = 0;
	rc = sqlite3_exec(c->db, on ? "PRAGMA query_only=1" :
	    "PRAGMA query_only=0", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	if (on && rc == 0)
		c->readonly = 1;
	return rc;
}

int
sqlconn_readonly(const struct sqlconn *c)
{
	return c->readonly;
}

int
sqlconn_recap(struct sqlconn *c, int64_t page_size)
{
	int rc;

	c->in_recap = 1;
	rc = sqlconn_set_cap(c->db, c->max_db_bytes, page_size);
	c->in_recap = 0;
	return rc;
}

static int
sqlconn_journal_empty(const char *journal)
{
	struct stat st;

	return lstat(journal, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == 0;
}

/*
 * Remove the zero-length journal TRUNCATE mode leaves (file comment).
 * Called with no transaction open. The rules, each with its reason:
 *  - only a zero-length regular file: a journal with content may be hot
 *    (a rollback that failed), and without it the next open could not
 *    restore the last commit;
 *  - only while this connection holds the EXCLUSIVE lock, checked again
 *    under it: then no other connection (the next executor of this
 *    walk-in, already started) can be writing the journal or hold it
 *    open, so the name is never removed from under a transaction that
 *    would need it to roll back. The lock is tried once, without
 *    waiting: if another connection holds the file, the journal is left
 *    to it, and it removes it when it closes. query_only (users may set
 *    it) would refuse the BEGIN.
 * In EXCLUSIVE locking mode a lock once taken is kept, so BEGIN
 * EXCLUSIVE and an immediate ROLLBACK leave the lock held and the files
 * as they were: on an empty database BEGIN starts page 1 and writes the
 * journal's header, and the ROLLBACK takes both back (found by fuzz_sql:
 * a COMMIT there wrote page 1 and kept the journal). No journal, no
 * lock: the common exit of a walk-in that only read.
 * In the executor this is newfstatat and unlink in its own directory,
 * which its seccomp list and Landlock rule (remove-file) already allow.
 */
static void
sqlconn_drop_journal(struct sqlconn *c)
{
	const char *journal;

	journal = sqlite3_filename_journal(sqlite3_db_filename(c->db,
	    "main"));
	if (journal == NULL || journal[0] != '/' ||
	    !sqlconn_journal_empty(journal))
		return;
	sqlite3_busy_timeout(c->db, 0);
	if (sqlite3_exec(c->db, "PRAGMA query_only=0; BEGIN EXCLUSIVE",
	    NULL, NULL, NULL) != SQLITE_OK)
		return;
	if (sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK ||
	    !sqlite3_get_autocommit(c->db)) {
		log_warnx("sqlconn_close: rollback: %s", sqlite3_errmsg(c->db));
		return;
	}
	if (sqlconn_journal_empty(journal) && unlink(journal) == -1)
		log_warn("sqlconn_close: unlink journal");
}

void
sqlconn_close(struct sqlconn *c)
{
	if (c == NULL)
		return;
	c->deadline_ms = 0;	/* a past deadline must not stop the rollback */
	/* Do not leave a half transaction to the hot-journal path. */
	if (!sqlite3_get_autocommit(c->db) &&
	    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_warnx("sqlconn_close: rollback: %s",
		    sqlite3_errmsg(c->db));
	if (sqlite3_get_autocommit(c->db) && !c->memory)
		sqlconn_drop_journal(c);
	if (sqlite3_close_v2(c->db) != SQLITE_OK)
		log_warnx("sqlconn_close: %s", sqlite3_errmsg(c->db));
	free(c);
}

struct sqlite3 *
sqlconn_db(struct sqlconn *c)
{
	return c->db;
}

void
sqlconn_set_deadline(struct sqlconn *c, int64_t deadline_mono_ms)
{
	c->deadline_ms = deadline_mono_ms;
	c->start_ms = clock_mono_ms();
	c->timed_out = 0;
}

int
sqlconn_timed_out(const struct sqlconn *c)
{
	return c->timed_out;
}

const char *
sqlconn_denied(const struct sqlconn *c)
{
	return c->denied[0] != '\0' ? c->denied : NULL;
}

void
sqlconn_clear_denied(struct sqlconn *c)
{
	c->denied[0] = '\0';
	c->in_alter = 0;
}

