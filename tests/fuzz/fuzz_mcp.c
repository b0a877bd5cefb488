/*
 * fuzz_mcp.c: the JSON-RPC decoding of POST /mcp (mcp_rpc_decode), its
 * re-encoding of what it read (mcp_rpc_emit) and its error replies.
 *
 * The first input byte's low bit says whether batches are allowed (the
 * negotiated version is 2025-03-26); the rest is the body.
 * Invariants:
 *   - the result is 0, -32700 or -32600; a failure leaves no tree and a
 *     reason;
 *   - on success 1..MCP_RPC_BATCH_MAX messages, a batch only when
 *     allowed and the body is an array, and each message is what its
 *     kind promises (a request has a method without NUL and a string or
 *     number id; a notification a method and no id; a response an id;
 *     params an object or array or none; an invalid one a reason);
 *   - emitting the tree gives JSON that jparse reads back and that emits
 *     to the same bytes (ids and numbers keep their exact text);
 *   - an error reply built for any message's id is strict JSON.
 */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fuzz.h"
#include "jparse.h"
#include "mcp_rpc.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check_msg(const struct mcp_msg *m)
{
	switch (m->kind) {
	case MCP_REQUEST:
	case MCP_NOTIFICATION:
		FUZZ_CHECK(m->kind == MCP_NOTIFICATION ? m->id == NULL :
		    cJSON_IsString(m->id) || cJSON_IsNumber(m->id));
		FUZZ_CHECK(m->method != NULL && m->why == NULL);
		FUZZ_CHECK(m->params == NULL || cJSON_IsObject(m->params) ||
		    cJSON_IsArray(m->params));
		break;
	case MCP_RESPONSE:
		FUZZ_CHECK(m->id != NULL && m->method == NULL);
		break;
	case MCP_INVALID:
		FUZZ_CHECK(m->why != NULL &&
		    strncmp(m->why, "invalid request", 15) == 0);
		FUZZ_CHECK(m->method == NULL);
		break;
	default:
		FUZZ_FAIL("kind %d", (int)m->kind);
	}
}

static void
check_roundtrip(const cJSON *root)
{
	struct buf a, b;
	cJSON *again;

	buf_init(&a);
	buf_init(&b);
	mcp_rpc_emit(&a, root);
	again = jparse(a.data, a.len, MCP_RPC_DEPTH, NULL);
	FUZZ_CHECK(again != NULL);
	mcp_rpc_emit(&b, again);
	FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	cJSON_Delete(again);
	buf_free(&a);
	buf_free(&b);
}

static void
check_error_reply(const struct mcp_msg *m)
{
	struct buf e;
	cJSON *j;

	buf_init(&e);
	mcp_rpc_error(&e, m->id, MCP_RPC_INVALID_REQUEST,
	    m->why ? m->why : "x");
	j = jparse(e.data, e.len, 4, NULL);
	FUZZ_CHECK(j != NULL);
	cJSON_Delete(j);
	buf_free(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcp_body b;
	const char *why = NULL;
	char *text;
	size_t i;
	int rc, batch_ok;

	if (size < 1)
		return 0;
	batch_ok = data[0] & 1;
	if ((text = malloc(size - 1 ? size - 1 : 1)) == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	rc = mcp_rpc_decode(text, size - 1, batch_ok, &b, &why);
	if (rc != 0) {
		FUZZ_CHECK(rc == MCP_RPC_PARSE_ERROR ||
		    rc == MCP_RPC_INVALID_REQUEST);
		FUZZ_CHECK(b.root == NULL && why != NULL);
		free(text);
		return 0;
	}
	FUZZ_CHECK(b.n >= 1 && b.n <= MCP_RPC_BATCH_MAX);
	FUZZ_CHECK(b.batch == cJSON_IsArray(b.root));
	FUZZ_CHECK(!b.batch || batch_ok);
	for (i = 0; i < b.n; i++) {
		check_msg(&b.msgs[i]);
		check_error_reply(&b.msgs[i]);
	}
	check_roundtrip(b.root);
	mcp_rpc_free(&b);
	free(text);
	return 0;
}
