/*
 * pool.c: executors as seen from the front end (see pool.h).
 *
 * State of one executor: SPAWNING (asked the spawner, no fds yet) ->
 * IDLE (on the LRU list, idle timer armed) <-> BUSY (jobs in flight,
 * deadline timer armed) -> gone. Every live executor counts against
 * --pool-size. A walk-in needing an executor when the pool is full takes
 * the least recently used idle one; if none is idle it waits on
 * `slot_waiters` until one frees up, each of its jobs bounded by a
 * timer that answers 503.
 *
 * Pipelining: up to BOUNDS_PIPELINE frames are in flight per executor.
 * The executor runs them one at a time, in order, so the next one waits
 * in its socket and starts the moment the previous reply is written,
 * without a round trip through the front end's event loop.
 *
 * Deadline: query_timeout_ms + BOUNDS_KILL_GRACE_MS after the head job
 * started (its dispatch to an idle executor, or the reply to the job
 * before it), the executor is SIGKILLed through its pidfd and the head
 * job answered 408. The executor's own progress handler normally answers
 * 408 first; the kill is for the one-function-call CPU bombs SQLite
 * cannot interrupt. Jobs behind the head never started (the executor
 * reads a frame only after replying to the one before), so they go back
 * to the front of their walk-in's queue for the next executor, as do
 * those behind a job an executor died on.
 *
 * Back-pressure: a walk-in queues up to BOUNDS_QUEUE_PER_WALKIN jobs;
 * past that, a job is parked on the walk-in's overflow list until the
 * queue has room (job_unqueue moves the oldest in), and only past
 * BOUNDS_PARKED_MAX parked jobs node-wide is it answered 503. A parked
 * job's connection reads nothing more meanwhile (http.c reads a
 * connection's next request only after its reply), so one walk-in's
 * burst waits in its clients' sockets, not in the front end; it costs
 * other walk-ins nothing but a share of the node-wide bound. A parked
 * job's wait bound (job_arm_wait) runs from when it was parked and
 * keeps running in the queue: a request never waits longer than a
 * queued one could, and is answered 503 when it has.
 *
 * CPU fairness: an executor whose request ran past BOUNDS_DEMOTE_MS
 * lowered its own priority for good, and retires: its reply comes as
 * IPC_RESULT_LAST, after which it reads nothing. ex_result answers the
 * job, puts the jobs behind it back in the queue (they never started)
 * and lets the executor go, as an idle one; the walk-in's next job
 * spawns a fresh one.
 *
 * Lifetimes: the pool's state for a walk-in (struct pool_walkin: its
 * executor, its queue, its place on the slot wait list) hangs off the
 * registry's live entry (inst->pool, which the registry does not read).
 * It is made when the first job for the walk-in is queued and freed just
 * before the live entry is released or removed: walkin_settle does both
 * when the walk-in has no executor, no job and no slot wait left, so
 * idle walk-ins cost the front end nothing. A job is owned by its
 * walk-in's queue, then by the executor running it, then freed after its
 * reply. Replies go out through pool_reply_cb; nothing here touches an
 * executor after a callback that may have removed it.
 *
 * Messages to the spawner go through spawnlink.c, in order.
 */
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bounds.h"
#include "config.h"
#include "http.h"
#include "ipc.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "pool.h"
#include "registry.h"
#include "spawnlink.h"
#include "timer.h"
#include "walkin_spec.h"

enum ex_state { EX_SPAWNING, EX_IDLE, EX_BUSY };

/* The pool's state for one walk-in it serves (inst->pool). */
struct pool_walkin {
	struct instance		*inst;		/* whose inst->pool this is */
	struct executor		*ex;		/* NULL when none */
	TAILQ_HEAD(, job)	 jobs;		/* waiting for ex */
	int			 njobs;
	TAILQ_HEAD(, job)	 parked;	/* waiting for room in jobs */
	int			 waiting;	/* on p_waiters */
	TAILQ_ENTRY(pool_walkin) wait_entry;
	TAILQ_ENTRY(pool_walkin) all;		/* p_walkins */
};

struct job {
	struct http_req		*req;
	struct pool_walkin	*w;
	int			 create;
	int			 parked;	/* on w->parked */
	uint32_t		 seq;		/* frame seq, in flight */
	struct event		*timer;		/* wait in queue */
	TAILQ_ENTRY(job)	 entry;
	struct buf		 job;		/* IPC_EXEC payload (ipc.h) */
};

struct executor {
	struct pool_walkin	*w;		/* NULL: orphan, being dropped */
	enum ex_state		 state;
	struct bufferevent	*bev;
	int			 pidfd;
	uint32_t		 seq;		/* spawn seq, then frame seq */
	TAILQ_HEAD(job_run, job) run;		/* in flight, oldest first */
	int			 nrun;		/* BUSY iff > 0 */
	int			 pinned;	/* in its reply callback: a
						 * job submitted there must
						 * not evict it */
	struct event		*timer;		/* deadline or idle */
	TAILQ_ENTRY(executor)	 lru;		/* IDLE only */
	TAILQ_ENTRY(executor)	 spawning;	/* SPAWNING only */
	TAILQ_ENTRY(executor)	 all;		/* every live executor */
};

static struct event_base	*p_base;
static const struct config	*p_cfg;
static pool_reply_cb		 p_reply;
static uint32_t			 p_seq;
static size_t			 p_live;
static size_t			 p_parked;	/* jobs parked, node-wide */
static TAILQ_HEAD(, executor)	 p_idle = TAILQ_HEAD_INITIALIZER(p_idle);
static TAILQ_HEAD(, executor)	 p_spawning = TAILQ_HEAD_INITIALIZER(p_spawning);
static TAILQ_HEAD(, executor)	 p_all = TAILQ_HEAD_INITIALIZER(p_all);
static TAILQ_HEAD(, pool_walkin) p_waiters = TAILQ_HEAD_INITIALIZER(p_waiters);
static TAILQ_HEAD(, pool_walkin) p_walkins = TAILQ_HEAD_INITIALIZER(p_walkins);

/* DELETE /session: removals the spawner will confirm (SPAWN_F_REPLY).
 * The walk-in's live entry is gone by then; what uncounting it needs is
 * kept here. */
struct removal {
	uint32_t		 seq;
	int64_t			 expires;
	char			 owner_ip[64];	/* "" if not known here */
	pool_removed_cb		 done;
	void			*arg;
	TAILQ_ENTRY(removal)	 entry;
};
static TAILQ_HEAD(, removal)	 p_removals = TAILQ_HEAD_INITIALIZER(p_removals);

static void	walkin_kick(struct pool_walkin *w);
static void	walkin_settle(struct pool_walkin *w);
static void	slots_kick(void);

/* ---- walk-ins ---- */

/* inst's pool state, made if it has none. */
static struct pool_walkin *
walkin_get(struct instance *inst)
{
	struct pool_walkin *w = inst->pool;

	if (w != NULL)
		return w;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("calloc");
	w->inst = inst;
	TAILQ_INIT(&w->jobs);
	TAILQ_INIT(&w->parked);
	TAILQ_INSERT_TAIL(&p_walkins, w, all);
	inst->pool = w;
	return w;
}

static void
walkin_unwait(struct pool_walkin *w)
{
	if (w->waiting) {
		TAILQ_REMOVE(&p_waiters, w, wait_entry);
		w->waiting = 0;
	}
}

/* Free w (no executor, no job left); its live entry is the caller's to
 * release or remove next. */
static void
walkin_free(struct pool_walkin *w)
{
	walkin_unwait(w);
	TAILQ_REMOVE(&p_walkins, w, all);
	w->inst->pool = NULL;
	free(w);
}

/* Release w's live entry once nothing in the pool refers to it. */
static void
walkin_settle(struct pool_walkin *w)
{
	struct instance *inst = w->inst;

	if (w->ex == NULL && TAILQ_EMPTY(&w->jobs) && !w->waiting) {
		walkin_free(w);
		registry_release(inst);
	}
}

/* ---- jobs ---- */

static void
job_finish(struct job *j, int status, const char *msg_or_body, size_t len,
    int is_body)
{
	struct instance *inst = j->w->inst;
	struct buf b;

	buf_init(&b);
	if (!is_body) {
		json_error(&b, msg_or_body);
		msg_or_body = b.data;
		len = b.len;
	}
	if (j->timer)
		event_free(j->timer);
	if (j->create && status == 200)
		metrics_walkin(METRICS_WALKIN_CREATED, 1);
	p_reply(j->req, inst, j->create, status, msg_or_body, len);
	if (j->create && status != 200)
		pool_remove_instance(inst);	/* a failed create leaves nothing */
	buf_free(&b);
	buf_free(&j->job);
	free(j);
}

static void	job_timeout_cb(evutil_socket_t, short, void *);

/* Bound a queued job's wait; behind our own busy executor it may wait
 * out that executor's deadline. */
static void
job_arm_wait(struct job *j)
{
	int64_t wait = BOUNDS_QUEUE_WAIT_MS + (j->w->ex ?
	    p_cfg->query_timeout_ms + BOUNDS_KILL_GRACE_MS : 0);

	j->timer = evtimer_new(p_base, job_timeout_cb, j);
	timer_arm_ms(j->timer, wait);
}

/* Move parked jobs into w's queue while it has room, oldest first,
 * each keeping the wait bound it was parked with. */
static void
walkin_unpark(struct pool_walkin *w)
{
	struct job *j;

	while (w->njobs < BOUNDS_QUEUE_PER_WALKIN &&
	    (j = TAILQ_FIRST(&w->parked)) != NULL) {
		TAILQ_REMOVE(&w->parked, j, entry);
		j->parked = 0;
		p_parked--;
		TAILQ_INSERT_TAIL(&w->jobs, j, entry);
		w->njobs++;
	}
}

/* Take j off its walk-in's queue or overflow list. A parked job is in
 * w->parked only while w->jobs is full, so w->jobs empty means none. */
static void
job_unqueue(struct job *j)
{
	struct pool_walkin *w = j->w;

	if (j->parked) {
		TAILQ_REMOVE(&w->parked, j, entry);
		j->parked = 0;
		p_parked--;
		return;
	}
	TAILQ_REMOVE(&w->jobs, j, entry);
	w->njobs--;
	walkin_unpark(w);
	if (w->njobs == 0)
		walkin_unwait(w);
}

static void
job_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	struct pool_walkin *w = j->w;
	int create = j->create;		/* then w goes with the job */

	(void)fd;
	(void)what;
	job_unqueue(j);
	metrics_refusal(METRICS_REFUSE_QUEUE_TIMEOUT);
	job_finish(j, 503, "server busy", 0, 0);
	if (!create)
		walkin_settle(w);
}

/* ---- executors ---- */

static void
ex_free(struct executor *ex)
{
	if (ex->state == EX_IDLE)
		TAILQ_REMOVE(&p_idle, ex, lru);
	else if (ex->state == EX_SPAWNING)
		TAILQ_REMOVE(&p_spawning, ex, spawning);
	if (ex->w && ex->w->ex == ex)
		ex->w->ex = NULL;
	if (ex->bev) {
		/* bufferevent_free closes the socket from the loop, which
		 * at shutdown has stopped: shut it down now, so the executor
		 * sees EOF (rolls back, exits) whatever the loop does. */
		shutdown(bufferevent_getfd(ex->bev), SHUT_RDWR);
		bufferevent_free(ex->bev);
	}
	if (ex->pidfd != -1)
		close(ex->pidfd);
	event_free(ex->timer);
	TAILQ_REMOVE(&p_all, ex, all);
	p_live--;
	free(ex);
}

static void
ex_kill(struct executor *ex)
{
	if (ex->pidfd != -1 && pidfd_send_signal(ex->pidfd, SIGKILL, NULL, 0) == -1
	    && errno != ESRCH)
		log_warn("pidfd_send_signal");
}

/* Jobs behind the head never started: back to the front of the queue,
 * in order, each with a fresh wait bound. */
static void
ex_requeue(struct executor *ex)
{
	struct pool_walkin *w = ex->w;
	struct job *j;

	while ((j = TAILQ_LAST(&ex->run, job_run)) != NULL) {
		TAILQ_REMOVE(&ex->run, j, entry);
		ex->nrun--;
		TAILQ_INSERT_HEAD(&w->jobs, j, entry);
		w->njobs++;
		job_arm_wait(j);
	}
}

/* Take the head job off the executor, or NULL. */
static struct job *
ex_pop(struct executor *ex)
{
	struct job *j = TAILQ_FIRST(&ex->run);

	if (j != NULL) {
		TAILQ_REMOVE(&ex->run, j, entry);
		ex->nrun--;
	}
	return j;
}

/* The executor is gone or must go: answer its head job, requeue the
 * rest, then free it. */
static void
ex_fail(struct executor *ex, int status, const char *msg)
{
	struct pool_walkin *w = ex->w;
	struct job *j = ex_pop(ex);
	int removed = j && j->create;	/* a failed create removes w */

	if (w)
		ex_requeue(ex);
	ex_kill(ex);
	ex_free(ex);
	if (j)
		job_finish(j, status, msg, 0, 0);
	if (w && !removed) {
		walkin_kick(w);
		walkin_settle(w);
	}
	slots_kick();
}

/*
 * The spawner could not start an executor: fail what waits for it. ENOENT
 * for a walk-in that exists only in a token (no directory: its data dir
 * was lost) is 404, as for any walk-in that is not there.
 */
static void
ex_spawn_failed(struct executor *ex, int err)
{
	struct pool_walkin *w = ex->w;
	struct job *j;
	int create = 0;

	ex_free(ex);
	while (w && (j = TAILQ_FIRST(&w->jobs)) != NULL) {
		create = j->create;
		job_unqueue(j);
		if (!create && err == ENOENT)
			job_finish(j, 404, "instance not found", 0, 0);
		else
			job_finish(j, 500, "internal error", 0, 0);
		if (create)
			break;			/* w is gone */
	}
	if (w && !create)
		walkin_settle(w);
	slots_kick();
}

static void
ex_make_idle(struct executor *ex)
{
	ex->state = EX_IDLE;
	TAILQ_INSERT_TAIL(&p_idle, ex, lru);
	timer_arm_ms(ex->timer, p_cfg->idle_timeout_ms);
}

/*
 * Send one frame. With nothing buffered ahead of it (the usual case: one
 * frame in flight per executor) it goes straight to the socket, which
 * saves the loop round and the two epoll_ctl calls of a bufferevent
 * write; whatever the socket does not take (or an error, which the
 * bufferevent then reports) goes through the bufferevent, in order.
 */
static void
ex_send(struct executor *ex, const struct ipc_hdr *h, const char *p,
    size_t len)
{
	struct iovec iov[2] = {
		{ (void *)(uintptr_t)h, sizeof(*h) },
		{ (void *)(uintptr_t)p, len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t done = 0;
	ssize_t w;

	if (evbuffer_get_length(bufferevent_get_output(ex->bev)) == 0) {
		do {
			w = sendmsg(bufferevent_getfd(ex->bev), &msg,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		} while (w < 0 && errno == EINTR);
		if (w > 0)
			done = (size_t)w;
	}
	if (done < sizeof(*h)) {
		bufferevent_write(ex->bev, (const char *)h + done,
		    sizeof(*h) - done);
		done = sizeof(*h);
	}
	if (done - sizeof(*h) < len)
		bufferevent_write(ex->bev, p + (done - sizeof(*h)),
		    len - (done - sizeof(*h)));
}

static void
ex_arm_deadline(struct executor *ex)
{
	timer_arm_ms(ex->timer, p_cfg->query_timeout_ms + BOUNDS_KILL_GRACE_MS);
}

/* Send queued jobs until BOUNDS_PIPELINE are in flight. */
static void
ex_dispatch(struct executor *ex)
{
	struct pool_walkin *w = ex->w;
	struct ipc_hdr h;
	struct job *j;

	while (ex->nrun < BOUNDS_PIPELINE &&
	    (j = TAILQ_FIRST(&w->jobs)) != NULL) {
		job_unqueue(j);
		if (j->timer) {
			event_free(j->timer);
			j->timer = NULL;
		}
		if (ex->state == EX_IDLE)
			TAILQ_REMOVE(&p_idle, ex, lru);
		ex->state = EX_BUSY;
		if (ex->nrun == 0)
			ex_arm_deadline(ex);	/* it starts now */
		TAILQ_INSERT_TAIL(&ex->run, j, entry);
		ex->nrun++;
		h.magic = IPC_MAGIC;
		h.type = IPC_EXEC;
		h.status = 0;
		h.len = (uint32_t)j->job.len;
		h.seq = j->seq = ++ex->seq;
		ex_send(ex, &h, j->job.data, j->job.len);
	}
}

static void
ex_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct executor *ex = arg;
	struct pool_walkin *w;

	(void)fd;
	(void)what;
	if (ex->state == EX_BUSY) {
		metrics_executor_exit(METRICS_EXIT_DEADLINE);
		ex_fail(ex, 408, "query timeout");
	} else if (ex->state == EX_IDLE) {
		metrics_executor_exit(METRICS_EXIT_IDLE);
		w = ex->w;
		ex_free(ex);			/* idle timeout */
		if (w)
			walkin_settle(w);
		slots_kick();
	}
}

/* The executor has answered its last job and exits on its own: what it
 * was sent after that never started and goes back to the queue (also a
 * job its reply callback sent it). */
static void
ex_retire(struct executor *ex)
{
	struct pool_walkin *w = ex->w;

	metrics_executor_exit(METRICS_EXIT_DEMOTED);
	ex_requeue(ex);
	ex_free(ex);
	walkin_kick(w);
	walkin_settle(w);
	slots_kick();
}

/*
 * A whole IPC_RESULT frame for the head job is buffered: answer it.
 * Returns 0, or -1 when ex may be gone (its walk-in was removed, or it
 * went idle and a waiting walk-in may have taken it).
 */
static int
ex_result(struct executor *ex, const struct ipc_hdr *h)
{
	struct evbuffer *in = bufferevent_get_input(ex->bev);
	struct pool_walkin *w = ex->w;
	struct job *j = ex_pop(ex);
	int removed = j->create && h->status != 200;
	int last = h->type == IPC_RESULT_LAST;
	char *body;

	evbuffer_drain(in, sizeof(*h));
	body = (char *)evbuffer_pullup(in, h->len);
	if (last)
		evtimer_del(ex->timer);		/* it takes no next one */
	else if (ex->nrun > 0)
		ex_arm_deadline(ex);		/* the next one starts now */
	else {
		evtimer_del(ex->timer);
		ex_make_idle(ex);
	}
	ex->pinned = 1;
	job_finish(j, h->status, body ? body : "", h->len, 1);
	if (removed) {				/* ex went with w */
		slots_kick();
		return -1;
	}
	ex->pinned = 0;
	evbuffer_drain(in, h->len);
	if (last) {
		ex_retire(ex);
		return -1;
	}
	if (!TAILQ_EMPTY(&w->jobs))
		ex_dispatch(ex);
	else if (ex->nrun == 0) {
		slots_kick();
		return -1;
	}
	return 0;
}

/* The walk-in's canonical id for a log line, "-" for an orphan. */
static const char *
ex_name(const struct executor *ex, char buf[37])
{
	if (ex->w == NULL)
		return "-";
	token_id_str(ex->w->inst->id, buf);
	return buf;
}

static void
ex_read_cb(struct bufferevent *bev, void *arg)
{
	struct executor *ex = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint32_t max = ipc_reply_max(p_cfg);
	struct ipc_hdr h;
	struct job *j;
	char name[37];

	/* Every whole reply buffered, in order: with frames pipelined, one
	 * read may bring more than one. */
	while (evbuffer_get_length(in) >= sizeof(h)) {
		evbuffer_copyout(in, &h, sizeof(h));
		j = TAILQ_FIRST(&ex->run);
		if (j == NULL || ipc_hdr_check(&h, h.type == IPC_RESULT_LAST ?
		    IPC_RESULT_LAST : IPC_RESULT, max) == -1 ||
		    h.seq != j->seq || h.status < 200 || h.status > 599) {
			log_warnx("executor %s: malformed reply, killed",
			    ex_name(ex, name));
			metrics_executor_exit(METRICS_EXIT_MALFORMED);
			ex_fail(ex, 500, "internal error");
			return;
		}
		if (evbuffer_get_length(in) < sizeof(h) + h.len)
			return;
		if (ex_result(ex, &h) == -1)
			return;
	}
}

static void
ex_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct executor *ex = arg;
	char name[37];

	(void)bev;
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (ex->nrun > 0)
		log_warnx("executor %s died during a request",
		    ex_name(ex, name));
	metrics_executor_exit(METRICS_EXIT_CRASH);
	ex_fail(ex, 500, "internal error");
}

/* ---- spawner ---- */

static void
spawn_for(struct pool_walkin *w, int create)
{
	struct spawn_msg m;
	struct executor *ex;

	if ((ex = calloc(1, sizeof(*ex))) == NULL)
		fatal("calloc");
	ex->w = w;
	ex->state = EX_SPAWNING;
	TAILQ_INIT(&ex->run);
	ex->pidfd = -1;
	ex->seq = ++p_seq;
	ex->timer = evtimer_new(p_base, ex_timer_cb, ex);
	TAILQ_INSERT_TAIL(&p_spawning, ex, spawning);
	TAILQ_INSERT_TAIL(&p_all, ex, all);
	w->ex = ex;
	p_live++;
	memset(&m, 0, sizeof(m));
	m.magic = IPC_MAGIC;
	m.type = SPAWN_EXEC;
	m.seq = ex->seq;
	m.flags = create ? SPAWN_F_CREATE : 0;
	memcpy(m.id, w->inst->id, TOKEN_ID_BYTES);
	m.created = w->inst->created;
	m.expires = w->inst->expires;	/* names its bucket directory */
	if (create)			/* the meta's owner (registry_load) */
		snprintf(m.owner_ip, sizeof(m.owner_ip), "%s",
		    w->inst->owner_ip);
	if (create && w->inst->spec != NULL) {	/* its cap and grant */
		m.max_db_bytes = w->inst->spec->max_db_bytes;
		memcpy(m.grant, w->inst->spec->grant, sizeof(m.grant));
	}
	if (create && w->inst->spec_expires != 0) {	/* a fork's */
		m.flags |= SPAWN_F_SPEC_FROM;
		memcpy(m.spec_id, w->inst->spec_id, TOKEN_ID_BYTES);
		m.spec_expires = w->inst->spec_expires;
	}
	spawnlink_send(&m);
}

/* The spawner confirms a removal asked for by pool_delete_instance. */
static void
removed(const struct spawn_msg *m)
{
	struct removal *r;

	TAILQ_FOREACH(r, &p_removals, entry)
		if (r->seq == m->seq)
			break;
	if (r == NULL)
		fatalx("spawner: confirmation of an unknown removal");
	TAILQ_REMOVE(&p_removals, r, entry);
	if (m->err == 0) {
		registry_uncount(r->expires, r->owner_ip);
		metrics_walkin(METRICS_WALKIN_DELETED, 1);
	}
	r->done(r->arg, m->err);
	free(r);
}

static void
spawned(struct spawn_msg *m, int *fds, int nfds)
{
	struct executor *ex;

	if (m->flags & SPAWN_F_REPLY) {
		while (nfds > 0)
			close(fds[--nfds]);
		removed(m);
		return;
	}
	TAILQ_FOREACH(ex, &p_spawning, spawning)
		if (ex->seq == m->seq)
			break;
	if (ex == NULL)
		fatalx("spawner: reply for an unknown request");
	if (m->err != 0 || nfds != 2) {
		errno = m->err;
		if (m->err != ENOENT)
			log_warn("spawn executor");
		while (nfds > 0)
			close(fds[--nfds]);
		metrics_executor_spawned(0);
		metrics_warm(m->warm, 0);
		ex_spawn_failed(ex, m->err);
		return;
	}
	TAILQ_REMOVE(&p_spawning, ex, spawning);
	metrics_executor_spawned(1);
	metrics_warm(m->warm, (m->flags & SPAWN_F_WARM) != 0);
	ex->pidfd = fds[1];
	evutil_make_socket_nonblocking(fds[0]);
	ex->bev = bufferevent_socket_new(p_base, fds[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(ex->bev, ex_read_cb, NULL, ex_event_cb, ex);
	bufferevent_enable(ex->bev, EV_READ | EV_WRITE);
	ex_make_idle(ex);
	if (ex->w == NULL) {		/* walk-in removed meanwhile */
		ex_kill(ex);
		ex_free(ex);
		slots_kick();
		return;
	}
	if (!TAILQ_EMPTY(&ex->w->jobs))
		ex_dispatch(ex);
}

/* ---- scheduling ---- */

/* Take a pool slot: a free one, or the LRU idle executor's. */
static int
slot_take(void)
{
	struct executor *victim;
	struct pool_walkin *w;

	if (p_live < (size_t)p_cfg->pool_size)
		return 0;
	TAILQ_FOREACH(victim, &p_idle, lru)
		if (!victim->pinned)
			break;
	if (victim == NULL)
		return -1;
	w = victim->w;
	metrics_executor_exit(METRICS_EXIT_EVICTED);
	ex_free(victim);			/* evicted: it rolls back, exits */
	if (w)
		walkin_settle(w);		/* idle: no jobs, not waiting */
	return 0;
}

static void
walkin_kick(struct pool_walkin *w)
{
	if (TAILQ_EMPTY(&w->jobs))
		return;
	if (w->ex != NULL) {
		if (w->ex->state != EX_SPAWNING)
			ex_dispatch(w->ex);	/* up to BOUNDS_PIPELINE */
		return;
	}
	if (slot_take() == 0) {
		walkin_unwait(w);
		spawn_for(w, TAILQ_FIRST(&w->jobs)->create);
	} else if (!w->waiting) {
		TAILQ_INSERT_TAIL(&p_waiters, w, wait_entry);
		w->waiting = 1;
	}
}

/* A slot may have freed up: serve walk-ins waiting for one. */
static void
slots_kick(void)
{
	struct pool_walkin *w;

	while ((w = TAILQ_FIRST(&p_waiters)) != NULL) {
		if (p_live >= (size_t)p_cfg->pool_size && TAILQ_EMPTY(&p_idle))
			return;		/* slot_take also skips a pinned one */
		walkin_kick(w);
		if (w->waiting)
			return;
	}
}

void
pool_submit(struct instance *inst, struct http_req *req, struct buf *job,
    int create)
{
	struct pool_walkin *w = walkin_get(inst);
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatal("calloc");
	j->req = req;
	j->w = w;
	j->create = create;
	j->job = *job;		/* taken, not copied: a request's SQL and
				 * args are packed once, by the caller */
	buf_init(job);
	if (w->njobs >= BOUNDS_QUEUE_PER_WALKIN) {
		if (p_parked >= BOUNDS_PARKED_MAX) {
			metrics_refusal(METRICS_REFUSE_QUEUE_FULL);
			job_finish(j, 503, "server busy", 0, 0);
			return;		/* w has jobs: nothing to settle */
		}
		job_arm_wait(j);
		j->parked = 1;
		TAILQ_INSERT_TAIL(&w->parked, j, entry);
		p_parked++;
		metrics_parked();
		return;
	}
	job_arm_wait(j);
	TAILQ_INSERT_TAIL(&w->jobs, j, entry);
	w->njobs++;
	walkin_kick(w);
}

static void
remove_msg(uint32_t type, int64_t expires, const unsigned char *id)
{
	struct spawn_msg m;

	memset(&m, 0, sizeof(m));
	m.magic = IPC_MAGIC;
	m.type = type;
	m.expires = expires;
	if (id != NULL)
		memcpy(m.id, id, TOKEN_ID_BYTES);
	spawnlink_send(&m);
}

void
pool_remove_dir(int64_t expires, const unsigned char *id)
{
	remove_msg(SPAWN_REMOVE, expires, id);
}

void
pool_remove_bucket(int64_t expires)
{
	remove_msg(SPAWN_REMOVE_BUCKET, expires, NULL);
}

/*
 * Stop serving w's walk-in: its executor goes (killed, unless it is
 * still SPAWNING: then freed when the spawner answers, or at shutdown),
 * each of its jobs, in flight or queued, is answered `status`. Each is
 * answered as not the create, since what becomes of the walk-in is the
 * caller's to decide: returns 1 if one of them was its create, else 0.
 * w stays, with no executor and no job, for the caller to free.
 */
static int
walkin_stop(struct pool_walkin *w, int status, const char *msg)
{
	struct executor *ex = w->ex;
	struct job *j;
	int create = 0;

	walkin_unwait(w);
	if (ex != NULL) {
		w->ex = NULL;
		ex->w = NULL;
		if (ex->state != EX_SPAWNING) {
			metrics_executor_exit(METRICS_EXIT_STOPPED);
			ex_kill(ex);
			while ((j = ex_pop(ex)) != NULL) {
				create |= j->create;
				j->create = 0;
				job_finish(j, status, msg, 0, 0);
			}
			ex_free(ex);
		}
	}
	while ((j = TAILQ_FIRST(&w->jobs)) != NULL) {
		job_unqueue(j);
		create |= j->create;
		j->create = 0;
		job_finish(j, status, msg, 0, 0);
	}
	return create;
}

/* Stop serving inst (404 to what waits) and free its pool state; its
 * live entry is the caller's to release or remove next. */
static void
inst_stop(struct instance *inst)
{
	struct pool_walkin *w = inst->pool;

	if (w != NULL) {
		walkin_stop(w, 404, "instance not found");
		walkin_free(w);
	}
}

void
pool_remove_instance(struct instance *inst)
{
	inst_stop(inst);
	pool_remove_dir(inst->expires, inst->id);
	registry_remove(inst);
}

void
pool_delete_instance(struct instance *inst, pool_removed_cb done, void *arg)
{
	struct removal *r;
	struct spawn_msg m;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("calloc");
	r->seq = ++p_seq;
	r->expires = inst->expires;
	snprintf(r->owner_ip, sizeof(r->owner_ip), "%s", inst->owner_ip);
	r->done = done;
	r->arg = arg;
	TAILQ_INSERT_TAIL(&p_removals, r, entry);
	inst_stop(inst);
	memset(&m, 0, sizeof(m));
	m.magic = IPC_MAGIC;
	m.type = SPAWN_REMOVE;
	m.seq = r->seq;
	m.flags = SPAWN_F_REPLY;
	m.expires = inst->expires;
	memcpy(m.id, inst->id, TOKEN_ID_BYTES);
	spawnlink_send(&m);
	/* Uncounted when the spawner confirms the directory was there: a
	 * second DELETE with the same token must not uncount it again. A
	 * request meanwhile gets a new live entry, and its spawn, queued
	 * behind this removal, finds no directory: 404. */
	registry_release(inst);
}

void
pool_expire_instance(struct instance *inst)
{
	inst_stop(inst);
	registry_release(inst);		/* its bucket goes with the rest */
}

size_t
pool_live(void)
{
	return p_live;
}

void
pool_stats(struct pool_stats *st)
{
	struct executor *ex;
	struct pool_walkin *w;

	memset(st, 0, sizeof(*st));
	TAILQ_FOREACH(ex, &p_all, all) {
		if (ex->state == EX_IDLE)
			st->idle++;
		else if (ex->state == EX_BUSY)
			st->busy++;
		else
			st->spawning++;
	}
	TAILQ_FOREACH(w, &p_walkins, all) {
		st->queued += (size_t)w->njobs;
		st->waiting += w->waiting != 0;
	}
	st->parked = p_parked;
}

void
pool_shutdown(void)
{
	struct pool_walkin *w;
	struct instance *inst;
	struct executor *ex;
	struct removal *r;

	/* Idle executors are closed: each sees EOF, rolls back and exits. */
	while ((ex = TAILQ_FIRST(&p_idle)) != NULL) {
		w = ex->w;
		ex_free(ex);
		if (w)
			walkin_settle(w);
	}
	/* Every walk-in still served: its busy executor is killed, each of
	 * its jobs, in flight or queued, answered 503 into its connection's
	 * buffer, which is never sent (the loop has stopped); http_server_free
	 * then frees the connection with nothing pointing at the freed
	 * request (tests/soak/leak.py). A create cut short leaves nothing,
	 * as any failed create. */
	while ((w = TAILQ_FIRST(&p_walkins)) != NULL) {
		inst = w->inst;
		if (walkin_stop(w, 503, "server busy")) {
			walkin_free(w);
			pool_remove_dir(inst->expires, inst->id);
			registry_remove(inst);
		} else {
			walkin_free(w);
			registry_release(inst);
		}
	}
	/* Left: executors still SPAWNING for walk-ins gone. */
	while ((ex = TAILQ_FIRST(&p_all)) != NULL)
		ex_free(ex);
	/* Removals still queued: handed over, waiting if need be. Those
	 * a DELETE waits for are answered now (as the jobs above). */
	spawnlink_close();
	while ((r = TAILQ_FIRST(&p_removals)) != NULL) {
		TAILQ_REMOVE(&p_removals, r, entry);
		r->done(r->arg, ESHUTDOWN);
		free(r);
	}
}

void
pool_init(struct event_base *base, const struct config *cfg, int spawner_fd,
    pool_reply_cb reply)
{
	p_base = base;
	p_cfg = cfg;
	p_reply = reply;
	spawnlink_init(base, spawner_fd, spawned);
}
