/*
 * mcp_rpc.c: JSON-RPC 2.0 messages of POST /mcp (see mcp_rpc.h). Front
 * end; pure functions over jparse trees, fuzzed by tests/fuzz/fuzz_mcp.c.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "jparse.h"
#include "json.h"
#include "mcp_rpc.h"

/* A string member's whole value has no NUL (a method name or version). */
static const char *
str_member(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsString(m) || strlen(m->valuestring) !=
	    (size_t)m->valueint)
		return NULL;
	return m->valuestring;
}

static void
classify(const cJSON *o, struct mcp_msg *m)
{
	const cJSON *id, *params, *ver;
	int has_method;

	memset(m, 0, sizeof(*m));
	m->kind = MCP_INVALID;
	m->why = "invalid request";
	if (!cJSON_IsObject(o))
		return;
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (cJSON_IsString(id) || cJSON_IsNumber(id))
		m->id = id;
	ver = cJSON_GetObjectItemCaseSensitive(o, "jsonrpc");
	if (!cJSON_IsString(ver) || strcmp(ver->valuestring, "2.0") != 0 ||
	    ver->valueint != 3) {
		m->why = "invalid request: \"jsonrpc\" must be \"2.0\"";
		return;
	}
	if (id != NULL && m->id == NULL) {
		m->why = "invalid request: \"id\" must be a string or a number";
		return;
	}
	has_method = cJSON_GetObjectItemCaseSensitive(o, "method") != NULL;
	if (!has_method) {
		if (m->id != NULL &&
		    (cJSON_GetObjectItemCaseSensitive(o, "result") != NULL) !=
		    (cJSON_GetObjectItemCaseSensitive(o, "error") != NULL))
			m->kind = MCP_RESPONSE;
		else
			m->why = "invalid request: no \"method\"";
		return;
	}
	if ((m->method = str_member(o, "method")) == NULL) {
		m->why = "invalid request: \"method\" must be a string";
		return;
	}
	params = cJSON_GetObjectItemCaseSensitive(o, "params");
	if (params != NULL && !cJSON_IsObject(params) &&
	    !cJSON_IsArray(params)) {
		m->method = NULL;
		m->why = "invalid request: \"params\" must be an object";
		return;
	}
	m->params = params;
	m->kind = m->id != NULL ? MCP_REQUEST : MCP_NOTIFICATION;
	m->why = NULL;
}

int
mcp_rpc_decode(const char *s, size_t len, int batch_ok, struct mcp_body *b,
    const char **why)
{
	const cJSON *item;

	memset(b, 0, sizeof(*b));
	if ((b->root = jparse(s, len, MCP_RPC_DEPTH, NULL)) == NULL) {
		*why = "parse error";
		return MCP_RPC_PARSE_ERROR;
	}
	if (cJSON_IsObject(b->root)) {
		classify(b->root, &b->msgs[0]);
		b->n = 1;
		return 0;
	}
	*why = "invalid request";
	if (!cJSON_IsArray(b->root))
		goto fail;
	b->batch = 1;
	if (!batch_ok) {
		*why = "invalid request: batches are not part of this "
		    "protocol version";
		goto fail;
	}
	cJSON_ArrayForEach(item, b->root) {
		if (b->n == MCP_RPC_BATCH_MAX) {
			*why = "invalid request: batch too long";
			goto fail;
		}
		classify(item, &b->msgs[b->n++]);
	}
	if (b->n == 0) {
		*why = "invalid request: empty batch";
		goto fail;
	}
	return 0;
fail:
	mcp_rpc_free(b);
	return MCP_RPC_INVALID_REQUEST;
}

void
mcp_rpc_free(struct mcp_body *b)
{
	cJSON_Delete(b->root);
	memset(b, 0, sizeof(*b));
}

void
mcp_rpc_emit(struct buf *out, const cJSON *j)
{
	const cJSON *c;

	if (cJSON_IsNull(j) || j == NULL)
		buf_adds(out, "null");
	else if (cJSON_IsTrue(j))
		buf_adds(out, "true");
	else if (cJSON_IsFalse(j))
		buf_adds(out, "false");
	else if (cJSON_IsNumber(j))
		buf_adds(out, j->valuestring);	/* source text (jparse.h) */
	else if (cJSON_IsString(j))
		json_add_string(out, j->valuestring, (size_t)j->valueint);
	else {
		buf_addc(out, cJSON_IsArray(j) ? '[' : '{');
		for (c = j->child; c != NULL; c = c->next) {
			if (c != j->child)
				buf_addc(out, ',');
			if (cJSON_IsObject(j)) {
				json_add_string(out, c->string,
				    strlen(c->string));
				buf_addc(out, ':');
			}
			mcp_rpc_emit(out, c);
		}
		buf_addc(out, cJSON_IsArray(j) ? ']' : '}');
	}
}

void
mcp_rpc_result_open(struct buf *out, const cJSON *id)
{
	buf_adds(out, "{\"jsonrpc\":\"2.0\",\"id\":");
	mcp_rpc_emit(out, id);
	buf_adds(out, ",\"result\":");
}

void
mcp_rpc_error(struct buf *out, const cJSON *id, int code, const char *msg)
{
	buf_adds(out, "{\"jsonrpc\":\"2.0\",\"id\":");
	mcp_rpc_emit(out, id);
	buf_printf(out, ",\"error\":{\"code\":%d,\"message\":", code);
	json_add_string(out, msg, strlen(msg));
	buf_adds(out, "}}");
}
