/*
 * hranadec.h: a Hrana pipeline request body (JSON, Hrana 2 and 3 over
 * HTTP) into the executor's program (hranawire.h) (front end).
 *
 * Pure functions of their input, apart from the stream's stored SQL
 * they update; tests/fuzz/fuzz_hrana.c drives them with raw bytes.
 */
#ifndef WALKIND_HRANADEC_H
#define WALKIND_HRANADEC_H

#include "bounds.h"

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct cJSON;

/* JSON nesting of a pipeline body: body, requests, request, batch,
 * steps, step, stmt, args, typed value is 9; conditions add two levels
 * each (HRANA_COND_DEPTH of them fit). */
#define HRANADEC_JSON_DEPTH	BOUNDS_HRANA_JSON_DEPTH	/* bounds.h */
/* Stored SQL (store_sql): texts per stream, and bytes per walk-in over
 * all its streams (a one-shot pipeline has a store of its own with the
 * same bounds, freed with the request). @libsql/client keeps at most 30
 * (HTTP) or 100 (WebSocket); the bytes bound the front end's memory:
 * 8 streams of a walk-in share them. */
#define HRANADEC_SQL_COUNT	BOUNDS_HRANA_SQL_COUNT	/* bounds.h */
#define HRANADEC_SQL_BYTES	BOUNDS_HRANA_SQL_BYTES

struct hranadec_sql {
	int32_t	 id;
	char	*text;		/* malloc'd, len bytes + NUL */
	size_t	 len;
};

/* One stream's stored SQL. `bytes` points to the counter its bytes are
 * charged to (the walk-in's, or the store's own `own`). */
struct hranadec_store {
	struct hranadec_sql	 sql[HRANADEC_SQL_COUNT];
	unsigned		 count;
	size_t			*bytes;
	size_t			 own;
};

void	hranadec_store_init(struct hranadec_store *s, size_t *bytes);
/* Free every text (uncharging them); s may be reused after init. */
void	hranadec_store_free(struct hranadec_store *s);

/*
 * Parse body[0..len) and check its top level: an object with "requests"
 * (an array) and "baton" (a string, null or absent). On success *root
 * holds the tree (the caller frees it with cJSON_Delete) and *baton the
 * baton's text or NULL (borrowed from the tree). Returns 0, or -1 with
 * a static message for a 400 (and *root NULL).
 */
int	hranadec_parse(const char *body, size_t len, struct cJSON **root,
	    const char **baton, const char **msg);

/*
 * Append the program entries (hranawire.h: the u32 count, then the
 * entries) for root's requests to out, resolving and updating store in
 * request order. A request the protocol allows but walkind refuses (a
 * forbidden keyword, bad args, an unknown sql_id, a condition naming no
 * earlier step) becomes an ERROR entry or a failing step: the client
 * gets it as that request's error. Sets *closes if a "close" request is
 * in it (requests after it answer "stream is closed"), *sql_bytes to
 * the SQL text bytes sent. Returns 0, or -1 with a static message for
 * a 400 when the body is not a pipeline (unknown request type, a
 * required member missing or of the wrong type, too many statements);
 * out and store may then hold part of the work (the caller drops the
 * request's stream).
 */
int	hranadec_program(const struct cJSON *root, struct hranadec_store *store,
	    struct buf *out, int *closes, int64_t *sql_bytes,
	    const char **msg);

#endif
