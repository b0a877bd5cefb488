/*
 * frontend_int.h: what the front end's route modules share (front end
 * process, event-loop thread only).
 *
 * Each front door (sqlapi.c: POST /sql; session.c: /session/...) decodes
 * its own wire format into an IPC_EXEC job (ipc.h) for the pool and
 * encodes the executor's answer back; frontend.c owns what every door
 * needs the same way: rate limits, the session token, the create limits,
 * the walk-in headers of a reply, and the pool's one reply callback,
 * which hands each answer to the door that asked (req->udata).
 */
#ifndef WALKIND_FRONTEND_INT_H
#define WALKIND_FRONTEND_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ratelimit.h"
#include "token.h"

struct config;
struct event_base;
struct http_req;
struct instance;
struct walkin_spec;

/*
 * A door's handler for the pool's answer to one of its jobs (pool.h
 * pool_reply_cb); must reply to req, or submit another job for it.
 * req->udata points to the door; NULL means sqlapi's v1 reply.
 */
struct fe_door {
	void	(*answer)(struct http_req *req, struct instance *inst,
		    int create, int status, const char *body, size_t len);
};

const struct config *fe_config(void);

/* Nonzero if the media type of Content-Type ct (parameters such as
 * charset ignored, case-insensitive) is want. */
int	fe_ctype_is(const char *ct, const char *want);
/* The request rate limit: 0, or -1 after replying 429. */
int	fe_take_request(struct http_req *req);
/*
 * Take one `kind` token for req: from its subject's budget at the rate
 * its JWT or version 2 walk-in token set, else from its client IP's.
 * 0, or the seconds to wait (Retry-After); nothing is replied.
 */
int	fe_rate_take(struct http_req *req, enum ratelimit_kind kind);
/*
 * The session token of req (X-Walkin-Session or Authorization: Bearer),
 * or NULL; sets *conflict when both are sent and differ.
 */
const char *fe_token(const struct http_req *req, int *conflict);
/*
 * Whether walk-in id was made by this node (token.h TOKEN_NODE_BYTE is
 * --node-id); always when --node-id was not given. A verified token of
 * another node is answered as any unknown one, from memory.
 */
int	fe_node_mine(const uint8_t id[16]);
/*
 * Verify req's token without touching the registry: 0 with the walk-in
 * id and expiry, or a status and its message (400 two different
 * tokens, 401 none, 404 not valid); nothing is replied.
 */
int	fe_token_check(struct http_req *req, uint8_t id[16],
	    int64_t *expiry, const char **msg);
/*
 * The walk-in req's token names: its live entry, or NULL after
 * replying (400 two different tokens, 401 none, 404 not valid).
 */
struct instance *fe_walkin(struct http_req *req);
/*
 * The same for a door that only reads: a share token is accepted too,
 * and *share says whether it was one (its jobs then carry
 * IPC_JOB_READONLY or are reads).
 */
struct instance *fe_walkin_read(struct http_req *req, int *share);
/* Nonzero if req carries a valid share token (nothing is replied). */
int	fe_share_token(const struct http_req *req);
/*
 * A new walk-in within every create limit, or NULL after replying (401
 * invalid credentials: a JWT Bearer that does not verify, or none under
 * --require-jwt; 429, 503). A verified JWT sets its TTL, rates, owner
 * (the subject key) and the token fe_mint makes for it.
 */
struct instance *fe_create(struct http_req *req);
/* The size cap of a walk-in req would create: its JWT's max_db_bytes,
 * else --max-db-bytes (the body cap of a database upload). */
int64_t	fe_create_db_cap(const struct http_req *req);
/* The expiry a walk-in created by req now would get (MCP fixes it at
 * initialize, before the walk-in exists). */
int64_t	fe_new_expiry(struct http_req *req);
/* The token for a walk-in req created (version 2 when req's create
 * carried a subject, token.h). */
void	fe_mint(struct http_req *req, const uint8_t id[TOKEN_ID_BYTES],
	    int64_t expires, char out[TOKEN_STR_MAX]);
/*
 * A fork of src: a new walk-in whose cap and dataset grant are src's,
 * copied by the spawner from src's meta, so a fork never reads more
 * than its source could; a version 2 token's subject, rates and TTL
 * carry over to the copy.
 */
struct instance *fe_create_fork(struct http_req *req,
	    const struct instance *src);
/* The same with the walk-in's id and expiry chosen by the caller (an
 * MCP session names its walk-in before it exists, mcp.c). */
struct instance *fe_create_as(struct http_req *req,
	    const uint8_t id[TOKEN_ID_BYTES], int64_t expires);
/* The front end's event loop, for a door's deferred step. */
struct event_base *fe_event_base(void);
/*
 * Queue a job (ipc_job_pack's fields) for inst; `door` answers it. The
 * job is copied.
 */
void	fe_submit(struct http_req *req, struct instance *inst,
	    const struct fe_door *door, uint32_t op, uint32_t flags,
	    const void *text, size_t text_len, const void *args,
	    size_t args_len, int create);
/*
 * Reply with the walk-in's headers: X-Walkin-TTL (unless 404), on a
 * created walk-in's success X-Walkin-Session, Retry-After on 503.
 * `ctype` NULL means JSON; `ok` is the status that counts as success.
 */
void	fe_reply_walkin(struct http_req *req, struct instance *inst,
	    int create, int status, int ok, const char *ctype,
	    const char *body, size_t len, const char *disposition);
/* The same with the created walk-in's token given (NULL: minted here),
 * for a reply whose body carries it too. */
void	fe_reply_walkin_tok(struct http_req *req, struct instance *inst,
	    int create, int status, int ok, const char *ctype,
	    const char *body, size_t len, const char *disposition,
	    const char *token);

/* Routes. */
void	sqlapi_post(struct http_req *req);		/* POST /sql */
void	session_post(struct http_req *req);		/* POST /session */
void	session_get(struct http_req *req);		/* GET /session */
void	session_delete(struct http_req *req);		/* DELETE /session */
void	session_schema(struct http_req *req);		/* GET .../schema */
void	session_export_db(struct http_req *req);	/* .../export.db */
void	session_export_sql(struct http_req *req);	/* .../export.sql */
void	session_fork(struct http_req *req);		/* POST .../fork */
void	mcp_post(struct http_req *req);		/* POST /mcp */
void	mcp_delete(struct http_req *req);		/* DELETE /mcp */
void	session_share(struct http_req *req);		/* POST .../share */
void	web_get(struct http_req *req);		/* GET /, /app.js, /app.css */
/* The body cap of POST /session by its Content-Type (http.h). */
int64_t	session_body_limit(const struct http_req *req);

#endif
