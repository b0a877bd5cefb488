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
struct buf;
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
 * Queue req's job for inst: `job` holds an IPC_EXEC payload
 * (ipc_job_pack, at most ipc_job_max bytes), whose memory the pool
 * takes (*job is left empty). Every path ends in exactly one reply
 * through the callback. A create whose job does not succeed removes the
 * walk-in again.
 */
void	pool_submit(struct instance *inst, struct http_req *req,
	    struct buf *job, int create);
/* Kill inst's executor, fail its queue with 404, remove its directory
 * and uncount it (a create that did not succeed). */
void	pool_remove_instance(struct instance *inst);
/* Called when the spawner has removed a deleted walk-in's directory
 * (err 0; the walk-in is uncounted), found none (ENOENT: deleted
 * before, or lost), or failed (another errno value). */
typedef void (*pool_removed_cb)(void *arg, int err);
/*
 * DELETE /session: stop inst's executor and queue (404), ask the spawner
 * to remove its directory, and call `done` when it has. inst is freed
 * here.
 */
void	pool_delete_instance(struct instance *inst, pool_removed_cb done,
	    void *arg);
/* The same for a walk-in past its expiry, whose directory goes with its
 * bucket (pool_remove_bucket) and whose count with the second. */
void	pool_expire_instance(struct instance *inst);
/* Ask the spawner to remove DATA/instances/<expires>/<id>/ (expires 0:
 * DATA/instances/<id>/, walkind 0.1.0's layout). */
void	pool_remove_dir(int64_t expires, const unsigned char *id);
/* Ask the spawner to remove DATA/instances/<expires>/ and all in it. */
void	pool_remove_bucket(int64_t expires);
size_t	pool_live(void);
/* What GET /metrics reports of the pool (metrics.c). */
struct pool_stats {
	size_t	idle, busy, spawning;	/* live executors by state */
	size_t	queued;			/* jobs waiting in walk-in queues */
	size_t	parked;			/* jobs parked past full queues */
	size_t	waiting;		/* walk-ins waiting for a slot */
};
void	pool_stats(struct pool_stats *st);
/*
 * Shutdown, the loop stopped: close every executor (an idle one rolls
 * back and exits; a busy one is killed), answer every job in flight or
 * queued 503, release every live entry the pool holds (a create cut
 * short is removed, as any failed create), then hand the spawner what is
 * queued for it and close the link. Pending DELETEs get ESHUTDOWN.
 */
void	pool_shutdown(void);

#endif
