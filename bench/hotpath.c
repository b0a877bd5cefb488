/*
 * hotpath.c: the per-request CPU work of walkind's hot path, in one
 * process, for instruction counts under callgrind (bench/callgrind.sh;
 * docs/PERFORMANCE.md).
 *
 * The daemon itself cannot run under valgrind (valgrind 3.19 has no
 * pidfd_open, and the seccomp filters refuse the executable memory its
 * JIT needs), so this links walkind's own modules and calls, N times
 * each, what one session request costs in user space:
 *
 *   front end: cJSON parse of the body and the "sql" lookup, the keyword
 *     layer, token_verify, registry_find, the access-log line (one
 *     write(2) to a temp file);
 *   executor: sqlexec_run of a point SELECT and of SELECT 1 on a hardened
 *     connection (sqlconn_open) to a 1,000-row table;
 *   creates: token_new_id + token_mint, and sqlconn_open of a new file
 *     (the executor's connection set-up and hardening pragmas).
 *
 * Each workload runs inside its own hot_<name>() function, so
 * `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=hot_*`
 * counts exactly those loops. HTTP parsing, libevent and the kernel's
 * share (system calls, the socketpair hop, fork) are not in these
 * counts; strace -c and perf measure those (docs/PERFORMANCE.md).
 *
 * Usage: bench-hotpath N TMPDIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "accesslog.h"
#include "buf.h"
#include "keyword.h"
#include "registry.h"
#include "sqlconn.h"
#include "sqlexec.h"
#include "token.h"

#define NOINLINE	__attribute__((noinline))

static const char BODY_POINT[] = "{\"sql\":\"SELECT id, v FROM t WHERE id = 517\"}";
static const char SQL_POINT[] = "SELECT id, v FROM t WHERE id = 517";
static const char SQL_TABLE[] = "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); "
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
    "WHERE x < 1000) INSERT INTO t SELECT x, 'row ' || x FROM c";

static volatile size_t	sink;

static NOINLINE void
hot_json_parse(int n)
{
	const cJSON *sql;
	cJSON *root;
	int i;

	for (i = 0; i < n; i++) {
		root = cJSON_ParseWithLength(BODY_POINT, sizeof(BODY_POINT) - 1);
		sql = cJSON_GetObjectItemCaseSensitive(root, "sql");
		sink += strlen(sql->valuestring);
		cJSON_Delete(root);
	}
}

static NOINLINE void
hot_keyword(int n)
{
	int i;

	for (i = 0; i < n; i++)
		sink += keyword_scan(SQL_POINT, sizeof(SQL_POINT) - 1) == NULL;
}

static NOINLINE void
hot_token_verify(int n, const char *tok, int64_t now)
{
	uint8_t id[TOKEN_ID_BYTES];
	int64_t exp;
	int i;

	for (i = 0; i < n; i++)
		sink += token_verify(tok, strlen(tok), now, id, &exp) == 0;
}

static NOINLINE void
hot_registry_find(int n, const uint8_t *id)
{
	int i;

	for (i = 0; i < n; i++)
		sink += registry_find(id) != NULL;
}

static NOINLINE void
hot_accesslog(int n, const char *idstr)
{
	struct accesslog_entry e = { .source_ip = "127.0.0.1",
	    .instance_id = idstr, .method = "POST", .status = 200,
	    .sql_bytes = (int64_t)sizeof(SQL_POINT) - 1, .user_agent = "wrk" };
	struct timespec ts;
	int i;

	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		e.time_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		accesslog_write(&e);
	}
}

static NOINLINE void
hot_exec(int n, struct sqlconn *c, const char *sql)
{
	struct sqlexec_limits lim = { 10000, 1048576, 2000 };
	struct buf out;
	int i;

	buf_init(&out);
	for (i = 0; i < n; i++)
		sink += (size_t)sqlexec_run(c, sql, strlen(sql), &lim, &out);
	buf_free(&out);
}

static NOINLINE void
hot_mint(int n, int64_t now)
{
	uint8_t id[TOKEN_ID_BYTES];
	char tok[TOKEN_STR_MAX];
	int i;

	for (i = 0; i < n; i++) {
		token_new_id(id);
		token_mint(id, now + 600, tok);
		sink += (size_t)tok[5];
	}
}

static NOINLINE void
hot_open(int n, const char *dir)
{
	struct sqlconn_opts o = { 10485760, 0 };
	struct sqlconn *c;
	char path[4200], err[256];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/open-%d.sqlite", dir, i);
		if ((c = sqlconn_open(path, &o, err, sizeof(err))) == NULL) {
			fprintf(stderr, "hotpath: %s\n", err);
			exit(1);
		}
		sqlconn_close(c);
		unlink(path);
	}
}

int
main(int argc, char **argv)
{
	struct sqlconn_opts o = { 10485760, 0 };
	uint8_t id[TOKEN_ID_BYTES];
	char path[4200], err[256], tok[TOKEN_STR_MAX], idstr[37];
	struct instance *inst;
	struct sqlconn *c;
	int64_t now = (int64_t)time(NULL);
	int n;

	if (argc != 3 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: bench-hotpath N TMPDIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/secrets", argv[2]);
	if (token_keys_load(path, now, err, sizeof(err)) == -1 ||
	    sqlconn_global_init(112L * 1024 * 1024) == -1) {
		fprintf(stderr, "hotpath: %s\n", err);
		return 1;
	}
	registry_init();
	token_new_id(id);
	inst = registry_add(id, now, now + 600, "127.0.0.1");
	token_mint(id, now + 600, tok);
	snprintf(path, sizeof(path), "%s/logs", argv[2]);
	if (accesslog_open(path) == -1)
		return 1;
	snprintf(path, sizeof(path), "%s/db.sqlite", argv[2]);
	if ((c = sqlconn_open(path, &o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hotpath: %s\n", err);
		return 1;
	}
	hot_exec(1, c, SQL_TABLE);

	hot_json_parse(n);
	hot_keyword(n);
	hot_token_verify(n, tok, now);
	hot_registry_find(n, id);
	token_id_str(inst->id, idstr);
	hot_accesslog(n, idstr);
	hot_exec(n, c, SQL_POINT);
	hot_exec(n, c, "SELECT 1");
	hot_mint(n, now);
	hot_open(n / 10 > 0 ? n / 10 : 1, argv[2]);

	sqlconn_close(c);
	accesslog_close();
	token_keys_free();
	printf("%zu\n", (size_t)sink);
	return 0;
}
