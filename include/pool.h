/*
 * pool.h: the front end's side of executors. Queues each walk-in's
 * requests, starts executors through the spawner, bounds how many live
 * at once (--pool-size, evicting the least recently used idle one),
 * enforces the deadline with SIGKILL, and retires idle executors.
 * Event-loop thread only.
 */
#ifndef WALKIND_POOL_H
#define WALKIND_POOL_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct event_base;
struct http_req;
struct instance;

/*
 * Deliver an executor's answer (or the pool's own error) for req, which
 * belongs to inst. `create` is set for the request that created inst.
 * The callee must reply to req. inst is valid during the call.
 */
typedef void (*pool_reply_cb)(struct http_req *req, struct instance *inst,
	    int create, int status, const char *body, size_t len);

void	pool_init(struct event_base *base, const struct config *cfg,
	    int spawner_fd, pool_reply_cb reply);
/*
 * Queue req (SQL in req->body at sql/sql_len, borrowed until reply) for
 * inst. Every path ends in exactly one reply through the callback. A
 * create whose request does not succeed removes the walk-in again.
 */
void	pool_submit(struct instance *inst, struct http_req *req,
	    const char *sql, size_t sql_len, int create);
/* Kill inst's executor, fail its queue with 404, remove its directory
 * and uncount it (a create that did not succeed). */
void	pool_remove_instance(struct instance *inst);
/* The same for a walk-in past its expiry, whose directory goes with its
 * bucket (pool_remove_bucket) and whose count with the second. */
void	pool_expire_instance(struct instance *inst);
/* Ask the spawner to remove DATA/instances/<expires>/<id>/ (expires 0:
 * DATA/instances/<id>/, walkind 0.1.0's layout). */
void	pool_remove_dir(int64_t expires, const unsigned char *id);
/* Ask the spawner to remove DATA/instances/<expires>/ and all in it. */
void	pool_remove_bucket(int64_t expires);
size_t	pool_live(void);
/* Close every executor (shutdown); they roll back and exit. */
void	pool_shutdown(void);

#endif
