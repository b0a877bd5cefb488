/*
 * mcp_rpc.h: JSON-RPC 2.0 as the Model Context Protocol carries it over
 * HTTP, decoded and encoded without I/O (front end; tests/fuzz calls the
 * decoder on raw bytes).
 *
 * A POST /mcp body is one message, or, in protocol version 2025-03-26
 * only (later versions removed them), a batch: a JSON array of up to
 * MCP_RPC_BATCH_MAX messages. Each message is classified:
 *   request       {"jsonrpc":"2.0","id":ID,"method":M[,"params":P]}
 *   notification  {"jsonrpc":"2.0","method":M[,"params":P]}
 *   response      {"jsonrpc":"2.0","id":ID,"result":R} or "error"
 *                 (walkind sends no requests; a response is accepted
 *                 and dropped)
 *   invalid       anything else, answered -32600 with the id when it
 *                 could be read, else null.
 * ID is a string or a number (MCP forbids null); P an object or array
 * (JSON-RPC allows both; every MCP method takes an object, and the door
 * answers an array -32602). Members other than these are ignored, as
 * JSON-RPC's extensions and MCP's "_meta" need.
 */
#ifndef WALKIND_MCP_RPC_H
#define WALKIND_MCP_RPC_H

#include "bounds.h"

#include <stddef.h>

#include "buf.h"

struct cJSON;

#define MCP_RPC_PARSE_ERROR	(-32700)
#define MCP_RPC_INVALID_REQUEST	(-32600)
#define MCP_RPC_METHOD_NOT_FOUND (-32601)
#define MCP_RPC_INVALID_PARAMS	(-32602)
#define MCP_RPC_INTERNAL_ERROR	(-32603)

#define MCP_RPC_BATCH_MAX	BOUNDS_MCP_BATCH	/* bounds.h */
#define MCP_RPC_DEPTH		BOUNDS_MCP_JSON_DEPTH	/* bounds.h */

enum mcp_kind {
	MCP_REQUEST,
	MCP_NOTIFICATION,
	MCP_RESPONSE,
	MCP_INVALID
};

struct mcp_msg {
	enum mcp_kind		 kind;
	const char		*method;	/* request, notification */
	const struct cJSON	*id;		/* request, response; may be
						 * set on an invalid one */
	const struct cJSON	*params;	/* object or array, or NULL */
	const char		*why;		/* invalid: the error message */
};

struct mcp_body {
	struct cJSON	*root;		/* owned: mcp_rpc_free */
	int		 batch;		/* the body was an array */
	size_t		 n;
	struct mcp_msg	 msgs[MCP_RPC_BATCH_MAX];
};

/*
 * Decode s[0..len) into b (whose pointers borrow b->root). batch_ok:
 * whether the negotiated version has batches. Returns 0, or the error
 * for the whole body with *why its message: MCP_RPC_PARSE_ERROR when it
 * is not strict JSON (jparse.h), MCP_RPC_INVALID_REQUEST for an empty
 * batch, a batch where none is allowed, more than MCP_RPC_BATCH_MAX
 * messages, or a body that is neither object nor array. b->root is
 * NULL after a failure. Pure: no I/O, no state.
 */
int	mcp_rpc_decode(const char *s, size_t len, int batch_ok,
	    struct mcp_body *b, const char **why);
void	mcp_rpc_free(struct mcp_body *b);

/* Append a jparse tree as JSON text: numbers as their source text,
 * strings whole (NUL included, as \u0000). */
void	mcp_rpc_emit(struct buf *out, const struct cJSON *j);
/* {"jsonrpc":"2.0","id":ID,"result": -- the caller appends the result
 * and a closing '}'. id NULL writes null. */
void	mcp_rpc_result_open(struct buf *out, const struct cJSON *id);
/* {"jsonrpc":"2.0","id":ID,"error":{"code":C,"message":M}} */
void	mcp_rpc_error(struct buf *out, const struct cJSON *id, int code,
	    const char *msg);

#endif
