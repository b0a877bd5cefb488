/*
 * mcp_int.h: what mcp.c (the /mcp door) and mcp_tools.c (the tool
 * catalogue and the shaping of executor answers into tool results)
 * share. Front end process, event-loop thread only.
 */
#ifndef WALKIND_MCP_INT_H
#define WALKIND_MCP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct config;
struct cJSON;

/* Newest first; initialize answers the client's version when it is one
 * of these, else the first. */
#define MCP_VERSIONS	{ "2025-11-25", "2025-06-18", "2025-03-26" }
#define MCP_VERSION_BATCHES "2025-03-26"	/* the one with batches */

enum mcp_tool {
	MCP_TOOL_EXECUTE,
	MCP_TOOL_LIST_TABLES,
	MCP_TOOL_DESCRIBE_TABLE,
	MCP_TOOL_RESET,
	MCP_TOOL_NONE
};

/* The tool named name, or MCP_TOOL_NONE. */
enum mcp_tool mcp_tool_find(const char *name);
/* initialize's result object (protocolVersion given), appended. */
void	mcp_tools_initialize(struct buf *out, const struct config *cfg,
	    const char *version);
/* tools/list's result object, appended. */
void	mcp_tools_list(struct buf *out, const struct config *cfg);
/* A tools/call result of one text block, appended. */
void	mcp_tools_text(struct buf *out, int is_error, const char *text);
/*
 * execute's result from the executor's all_results answer (status, body
 * of len bytes; any bytes), with the walk-in's expiry; appended.
 */
void	mcp_tools_sql(struct buf *out, int status, const char *body,
	    size_t len, int64_t expires);
/*
 * list_tables (table NULL) or describe_table's result from dbschema's
 * JSON, or from none (body NULL: the walk-in has no tables yet).
 */
void	mcp_tools_schema(struct buf *out, int status, const char *body,
	    size_t len, const char *table, int64_t expires);

#endif
