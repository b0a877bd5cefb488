/*
 * mcp_tools.c: the tools /mcp offers, what initialize tells a model
 * about a walk-in, and the executor's answers shaped as tool results
 * (front end process; no I/O).
 *
 * A result's structuredContent and its text block carry the same JSON,
 * as MCP 2025-06-18 asks of a tool with structured output (clients that
 * read only text see it all). Errors a model can act on -- SQL errors,
 * policy refusals, a full walk-in, a timeout -- are results with
 * isError true and the message /sql would give, so the model sees them;
 * JSON-RPC errors are kept for protocol faults (mcp.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "bounds.h"
#include "config.h"
#include "jparse.h"
#include "json.h"
#include "mcp_int.h"
#include "mcp_rpc.h"

static const char *const tool_names[] = {
	"execute", "list_tables", "describe_table", "reset"
};

enum mcp_tool
mcp_tool_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(tool_names) / sizeof(tool_names[0]); i++)
		if (strcmp(name, tool_names[i]) == 0)
			return (enum mcp_tool)i;
	return MCP_TOOL_NONE;
}

/* What a model must know to use a walk-in well, with this node's limits. */
static void
walkin_facts(struct buf *t, const struct config *cfg)
{
	buf_printf(t, "This server gives you a private SQLite database "
	    "(a walk-in) for scratch state. Nobody else can see it. It is "
	    "created by your first execute call and deleted for good %lld "
	    "seconds after this session began (expires_at in every "
	    "result, unix seconds); it is not backed up. It holds at most "
	    "%lld bytes; each call may run %lld ms and return %lld rows "
	    "(then truncated is true). The request (SQL and args) must fit "
	    "in %lld bytes. SQL is SQLite's dialect; several statements "
	    "separated by ';' run in order and stop at the first error. "
	    "There is no network and no file access: ATTACH, "
	    "load_extension, VACUUM INTO, most PRAGMAs that change the "
	    "connection, TEMP objects and functions with side effects "
	    "(printf is refused, use format or ||) are refused with "
	    "'forbidden sql keyword: NAME'. Pass values in args, never "
	    "by pasting them into SQL. reset deletes the walk-in; the next "
	    "execute starts an empty one.",
	    (long long)cfg->ttl_s, (long long)cfg->max_db_bytes,
	    (long long)cfg->query_timeout_ms, (long long)cfg->max_rows,
	    (long long)cfg->max_body_bytes);
}

void
mcp_tools_initialize(struct buf *out, const struct config *cfg,
    const char *version)
{
	struct buf t;

	buf_init(&t);
	walkin_facts(&t, cfg);
	buf_adds(out, "{\"protocolVersion\":");
	json_add_string(out, version, strlen(version));
	buf_adds(out, ",\"capabilities\":{\"tools\":{\"listChanged\":false}},"
	    "\"serverInfo\":{\"name\":\"walkind\",\"title\":\"walkind: a "
	    "private SQLite database\",\"version\":\"" WALKIND_VERSION
	    "\"},\"instructions\":");
	json_add_string(out, t.data, t.len);
	buf_addc(out, '}');
	buf_free(&t);
}

#define ARGS_SCHEMA							\
	"\"args\":{\"description\":\"Values bound to the SQL's "	\
	"parameters: an array for ? and ?NNN (one statement only), or an "\
	"object for :name, @name, $name. Plain JSON values, or typed: "	\
	"{\\\"type\\\":\\\"integer\\\",\\\"value\\\":\\\"9007199254740993\\\"}, "\
	"{\\\"type\\\":\\\"blob\\\",\\\"base64\\\":\\\"AAH/\\\"}, "	\
	"{\\\"type\\\":\\\"float\\\",\\\"value\\\":1.5}, "		\
	"{\\\"type\\\":\\\"text\\\",\\\"value\\\":\\\"...\\\"}, "	\
	"{\\\"type\\\":\\\"null\\\"}. At most 100 values.\","		\
	"\"anyOf\":[{\"type\":\"array\"},{\"type\":\"object\"}]}"

#define EXECUTE_OUT							\
	"\"outputSchema\":{\"type\":\"object\",\"properties\":{"	\
	"\"columns\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"\
	"\"rows\":{\"type\":\"array\",\"items\":{\"type\":\"array\"}},"	\
	"\"rows_affected\":{\"type\":\"integer\"},"			\
	"\"last_insert_rowid\":{\"type\":[\"integer\",\"null\"]},"	\
	"\"statements\":{\"type\":\"integer\"},"			\
	"\"expires_at\":{\"type\":\"integer\"},"			\
	"\"truncated\":{\"type\":\"boolean\"}},"			\
	"\"required\":[\"columns\",\"rows\",\"rows_affected\","	\
	"\"expires_at\"]}"

void
mcp_tools_list(struct buf *out, const struct config *cfg)
{
	buf_adds(out, "{\"tools\":[{\"name\":\"execute\",\"title\":\"Run SQL\","
	    "\"description\":");
	{
		struct buf d;

		buf_init(&d);
		buf_printf(&d, "Run SQLite SQL in your private walk-in "
		    "database (created on first use, deleted %lld s after "
		    "the session began). Returns the columns and rows of the "
		    "last statement that returned rows, the rows changed by "
		    "all of them, and expires_at. At most %lld rows and %lld "
		    "ms per call. ATTACH, extensions, connection PRAGMAs, "
		    "TEMP objects and functions with side effects (printf) "
		    "are refused; errors come back as the tool's error text, "
		    "fix the SQL and call again.", (long long)cfg->ttl_s,
		    (long long)cfg->max_rows,
		    (long long)cfg->query_timeout_ms);
		json_add_string(out, d.data, d.len);
		buf_free(&d);
	}
	buf_adds(out, ",\"inputSchema\":{\"type\":\"object\",\"properties\":{"
	    "\"sql\":{\"type\":\"string\",\"description\":\"One or more "
	    "SQLite statements separated by ';'.\"}," ARGS_SCHEMA "},"
	    "\"required\":[\"sql\"],\"additionalProperties\":false},"
	    EXECUTE_OUT ",\"annotations\":{\"readOnlyHint\":false,"
	    "\"destructiveHint\":true,\"idempotentHint\":false,"
	    "\"openWorldHint\":false}},"
	    "{\"name\":\"list_tables\",\"title\":\"List tables\","
	    "\"description\":\"The names of the tables and views in your "
	    "walk-in (empty before the first execute).\","
	    "\"inputSchema\":{\"type\":\"object\",\"properties\":{},"
	    "\"additionalProperties\":false},\"annotations\":{"
	    "\"readOnlyHint\":true,\"openWorldHint\":false}},"
	    "{\"name\":\"describe_table\",\"title\":\"Describe a table\","
	    "\"description\":\"One table or view of your walk-in: its "
	    "columns (name, declared type, notnull, default, pk), primary "
	    "key, foreign keys, indexes and CREATE statement.\","
	    "\"inputSchema\":{\"type\":\"object\",\"properties\":{"
	    "\"table\":{\"type\":\"string\",\"description\":\"The table or "
	    "view name, as list_tables gives it.\"}},"
	    "\"required\":[\"table\"],\"additionalProperties\":false},"
	    "\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}},"
	    "{\"name\":\"reset\",\"title\":\"Delete the walk-in\","
	    "\"description\":\"Delete your walk-in and all its data now. "
	    "The next execute starts an empty one (expiring when this "
	    "session does). Not available when the session was opened "
	    "with another walk-in's token (Authorization: Bearer).\","
	    "\"inputSchema\":{\"type\":\"object\",\"properties\":{},"
	    "\"additionalProperties\":false},\"annotations\":{"
	    "\"readOnlyHint\":false,\"destructiveHint\":true,"
	    "\"idempotentHint\":true,\"openWorldHint\":false}}]}");
}

void
mcp_tools_text(struct buf *out, int is_error, const char *text)
{
	buf_adds(out, "{\"content\":[{\"type\":\"text\",\"text\":");
	json_add_string(out, text, strlen(text));
	buf_printf(out, "}],\"isError\":%s}", is_error ? "true" : "false");
}

/* {"content":[{"type":"text","text":<json>}],"structuredContent":json} */
static void
structured(struct buf *out, const struct buf *json)
{
	buf_adds(out, "{\"content\":[{\"type\":\"text\",\"text\":");
	json_add_string(out, json->data, json->len);
	buf_adds(out, "}],\"structuredContent\":");
	buf_add(out, json->data, json->len);
	buf_adds(out, ",\"isError\":false}");
}

/* The failed answer's message, with where a multi-statement request
 * stopped: a model must know the statements before it stayed applied. */
static void
sql_error(struct buf *out, const cJSON *root)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(root, "results");
	const cJSON *last, *idx;
	char msg[1200];
	int k = 0;

	last = cJSON_IsArray(res) ? cJSON_GetArrayItem(res,
	    cJSON_GetArraySize(res) - 1) : NULL;
	idx = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(last, "error"), "statement_index");
	if (cJSON_IsNumber(idx) && idx->valueint > 0)
		k = idx->valueint;
	snprintf(msg, sizeof(msg), "%s", cJSON_IsString(e) ?
	    e->valuestring : "internal error");
	if (k == 1)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
		    " (in statement 2; statement 1 was applied)");
	else if (k > 1)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
		    " (in statement %d; statements 1 to %d were applied)",
		    k + 1, k);
	mcp_tools_text(out, 1, msg);
}

void
mcp_tools_sql(struct buf *out, int status, const char *body, size_t len,
    int64_t expires)
{
	const cJSON *res, *r, *cols = NULL, *rows = NULL, *v, *lastid = NULL;
	cJSON *root = jparse(body, len, BOUNDS_JSON_DEPTH, NULL);
	long long affected = 0;
	int n = 0, truncated = 0;
	struct buf j;

	res = cJSON_GetObjectItemCaseSensitive(root, "results");
	if (status != 200 || !cJSON_IsArray(res)) {
		sql_error(out, root);
		cJSON_Delete(root);
		return;
	}
	cJSON_ArrayForEach(r, res) {
		n++;
		v = cJSON_GetObjectItemCaseSensitive(r, "columns");
		if (cJSON_GetArraySize(v) > 0) {
			cols = v;
			rows = cJSON_GetObjectItemCaseSensitive(r, "rows");
		}
		v = cJSON_GetObjectItemCaseSensitive(r, "rows_affected");
		if (cJSON_IsNumber(v))
			affected += (long long)v->valuedouble;
		v = cJSON_GetObjectItemCaseSensitive(r, "last_insert_rowid");
		if (cJSON_IsNumber(v))
			lastid = v;
		truncated |= cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(r, "truncated"));
	}
	buf_init(&j);
	buf_adds(&j, "{\"columns\":");
	if (cols != NULL)
		mcp_rpc_emit(&j, cols);
	else
		buf_adds(&j, "[]");
	buf_adds(&j, ",\"rows\":");
	if (cJSON_IsArray(rows))
		mcp_rpc_emit(&j, rows);
	else
		buf_adds(&j, "[]");
	buf_printf(&j, ",\"rows_affected\":%lld,\"last_insert_rowid\":",
	    affected);
	mcp_rpc_emit(&j, lastid);
	buf_printf(&j, ",\"statements\":%d,\"expires_at\":%lld%s}", n,
	    (long long)expires, truncated ? ",\"truncated\":true" : "");
	structured(out, &j);
	buf_free(&j);
	cJSON_Delete(root);
}

/* The names of one list of dbschema's answer, as a JSON array. */
static void
names(struct buf *j, const cJSON *list)
{
	const cJSON *t, *nm;
	int first = 1;

	buf_addc(j, '[');
	cJSON_ArrayForEach(t, list) {
		nm = cJSON_GetObjectItemCaseSensitive(t, "name");
		if (!cJSON_IsString(nm))
			continue;
		if (!first)
			buf_addc(j, ',');
		first = 0;
		json_add_string(j, nm->valuestring, (size_t)nm->valueint);
	}
	buf_addc(j, ']');
}

/* The table or view called name (ASCII case folded, as SQLite). */
static const cJSON *
find_table(const cJSON *root, const char *name)
{
	static const char *const lists[] = { "tables", "views" };
	const cJSON *t, *nm;
	size_t i;

	for (i = 0; i < 2; i++)
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(root,
		    lists[i])) {
			nm = cJSON_GetObjectItemCaseSensitive(t, "name");
			if (cJSON_IsString(nm) &&
			    strcasecmp(nm->valuestring, name) == 0)
				return t;
		}
	return NULL;
}

void
mcp_tools_schema(struct buf *out, int status, const char *body, size_t len,
    const char *table, int64_t expires)
{
	cJSON *root = body ? jparse(body, len, BOUNDS_JSON_DEPTH, NULL) : NULL;
	const cJSON *t;
	struct buf j;
	char msg[300];

	buf_init(&j);
	if (body != NULL && (status != 200 || root == NULL)) {
		sql_error(out, root);
	} else if (table == NULL) {
		buf_adds(&j, "{\"tables\":");
		names(&j, cJSON_GetObjectItemCaseSensitive(root, "tables"));
		buf_adds(&j, ",\"views\":");
		names(&j, cJSON_GetObjectItemCaseSensitive(root, "views"));
		buf_printf(&j, ",\"expires_at\":%lld}", (long long)expires);
		structured(out, &j);
	} else if ((t = find_table(root, table)) == NULL) {
		snprintf(msg, sizeof(msg), "no such table: %.200s "
		    "(list_tables shows the tables and views)", table);
		mcp_tools_text(out, 1, msg);
	} else {
		mcp_rpc_emit(&j, t);
		structured(out, &j);
	}
	buf_free(&j);
	cJSON_Delete(root);
}
