/*
 * sqlapi.c: POST /sql, walkindb's API (front end process).
 *
 * Rate limit -> Content-Type -> JSON -> NUL check -> keyword layer ->
 * args -> token or create checks -> pool. A body that uses neither
 * "args" nor "all_results" gets exactly walkindb's v1 behaviour. A share
 * token's job carries IPC_JOB_READONLY: the executor refuses every write
 * (sqlexec.h SQLEXEC_READONLY).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "frontend.h"
#include "frontend_int.h"
#include "http.h"
#include "bounds.h"
#include "ipc.h"
#include "jparse.h"
#include "keyword.h"
#include "registry.h"
#include "value.h"

int
frontend_sql_body(const char *body, size_t len, struct cJSON **rootp,
    const char **sqlp, const char **msg)
{
	const cJSON *sql;
	cJSON *root;

	/* jparse is strict where cJSON is not (jparse.h): invalid UTF-8,
	 * raw control characters and NUL bytes, trailing data, duplicate
	 * keys at any level (with "sql" twice a proxy or a log reader could
	 * see other SQL than the executor runs) are all "invalid json". */
	*rootp = root = jparse(body ? body : "", len, BOUNDS_JSON_DEPTH, NULL);
	if (root == NULL || !cJSON_IsObject(root)) {
		*msg = "invalid json";
		return -1;
	}
	sql = cJSON_GetObjectItemCaseSensitive(root, "sql");
	if (!cJSON_IsString(sql) || sql->valueint == 0) {
		*msg = "missing sql";
		return -1;
	}
	/* SQLite would stop at a NUL and silently drop the SQL after it. */
	if (strlen(sql->valuestring) != (size_t)sql->valueint) {
		*msg = "sql contains NUL byte";
		return -1;
	}
	*sqlp = sql->valuestring;
	return 0;
}

/*
 * "all_results" (a boolean) and "args" (value.h) into job flags and the
 * args' encoding. Returns 0, or -1 with the 400 message in msg.
 */
static int
sqlapi_options(const cJSON *root, uint32_t *flags, struct buf *args,
    char *msg, size_t msglen)
{
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(root, "all_results");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "args");

	*flags = 0;
	if (all != NULL) {
		if (!cJSON_IsBool(all)) {
			snprintf(msg, msglen, "invalid all_results: must be "
			    "true or false");
			return -1;
		}
		if (cJSON_IsTrue(all))
			*flags |= IPC_JOB_ALL_RESULTS;
	}
	if (a == NULL || cJSON_IsNull(a))
		return 0;
	return value_args_encode(a, args, msg, msglen);
}

void
sqlapi_post(struct http_req *req)
{
	const char *sql, *bad;
	struct instance *inst;
	struct buf args;
	uint32_t flags;
	cJSON *root;
	char msg[256];
	int conflict, create = fe_token(req, &conflict) == NULL, share = 0;

	if (fe_take_request(req) == -1)
		return;
	if (!fe_ctype_is(req->content_type, "application/json")) {
		http_reply_error(req, 415, "content-type must be application/json",
		    NULL, 0);
		return;
	}
	buf_init(&args);
	if (frontend_sql_body(req->body, req->body_len, &root, &sql,
	    &bad) == -1) {
		http_reply_error(req, 400, bad, NULL, 0);
		goto done;
	}
	req->sql_len = (int64_t)strlen(sql);
	if ((bad = keyword_scan(sql, (size_t)req->sql_len))) {
		snprintf(msg, sizeof(msg), "forbidden sql keyword: %s", bad);
		http_reply_error(req, 400, msg, NULL, 0);
	} else if (sqlapi_options(root, &flags, &args, msg, sizeof(msg)) == -1)
		http_reply_error(req, 400, msg, NULL, 0);
	else if ((inst = create ? fe_create(req) : fe_walkin_read(req,
	    &share)) != NULL)
		fe_submit(req, inst, NULL, IPC_OP_SQL, flags |
		    (share ? IPC_JOB_READONLY : 0), sql, (size_t)req->sql_len,
		    args.data, args.len, create);
done:
	buf_free(&args);
	cJSON_Delete(root);
}
