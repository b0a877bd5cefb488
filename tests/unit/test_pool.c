/*
 * test_pool.c: the front end's pool (pool.c) driven from both sides in
 * one process, with no real spawner and no walkind executor.
 *
 * The test holds the spawner's end of the SOCK_SEQPACKET link that
 * pool_init gets, reads the SPAWN_EXEC and SPAWN_REMOVE messages the pool
 * sends, and answers a spawn with what the spawner would: one end of a
 * SOCK_STREAM socketpair as the executor's socket and a pidfd. The pidfd
 * is for a child of the test that only sleeps (with no descriptor of
 * ours), so the pool's SIGKILL lands on it and waitpid shows it; the
 * test itself plays the executor on the socketpair's other end, reading
 * IPC_EXEC frames and writing IPC_RESULT frames (ipc.h). Requests are
 * hand-built struct http_req that the reply callback only records: each
 * must be answered exactly once.
 *
 * The event loop runs only inside pump(), until what a step waits for
 * has happened; a guard timer of PUMP_GUARD_MS turns a hang into a
 * failure, never a timing assertion. Timeouts come from the struct
 * config the pool reads at each use, so a test shortens only the one it
 * exercises. pool_shutdown closes the spawner link for good, so its test
 * runs last.
 *
 * Covered: spawn -> idle -> busy -> idle; pipelining; a demoted
 * executor's last reply (IPC_RESULT_LAST); the deadline kill
 * (408) and the requeue behind it; the idle timeout; LRU eviction; the
 * slot wait list and its 503; the per-walk-in queue bound, parking past
 * it, the node-wide parking bound and a parked job's wait bound; malformed
 * replies (wrong seq, oversize); an executor dying mid-request; failed
 * and successful creates; spawn failures (ENOENT 404, other 500, a
 * create); DELETE's confirmation (0 and ENOENT); a walk-in removed while
 * its executor spawns; an executor pinned in its reply callback; and
 * shutdown answering every job, queued ones included.
 */
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "bounds.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "http.h"
#include "ipc.h"
#include "pool.h"
#include "registry.h"
#include "timer.h"
#include "token.h"
#include "unit.h"

#define PUMP_GUARD_MS	20000	/* a step that never happens: failure */
#define LONG_MS		600000	/* a timeout a test does not exercise */
#define T_TTL		600

static struct config		 cfg;
static struct event_base	*base;
static int			 sp = -1;	/* the spawner's end */

/* One request: the hand-built http_req and what the pool answered. */
struct call {
	struct http_req		 req;
	int			 n;		/* replies: must end at 1 */
	int			 status;
	int			 create;
	struct instance		*inst;
	char			 body[128];
	void			(*then)(struct call *);	/* in the callback */
	void			*arg;
};

/* A fake executor: the test's end of its socket, the sleeping child. */
struct fex {
	int			 fd;
	pid_t			 pid;
};

/* ---- the reply callback and the loop ---- */

static void
on_reply(struct http_req *req, struct instance *inst, int create,
    int status, const char *body, size_t len)
{
	struct call *c = req->udata;

	c->n++;
	c->status = status;
	c->create = create;
	c->inst = inst;
	if (len >= sizeof(c->body))
		len = sizeof(c->body) - 1;
	memcpy(c->body, body, len);
	c->body[len] = '\0';
	if (c->then != NULL)
		c->then(c);
}

static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Run the loop until ready(arg); 0, or -1 if the guard fired first. */
static int
pump(int (*ready)(const void *), const void *arg)
{
	struct event *guard;
	int fired = 0;

	guard = evtimer_new(base, guard_cb, &fired);
	timer_arm_ms(guard, PUMP_GUARD_MS);
	while (!ready(arg) && !fired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(guard);
	return fired ? -1 : 0;
}

static int
readable(const void *arg)
{
	struct pollfd p = { *(const int *)arg, POLLIN, 0 };

	return poll(&p, 1, 0) == 1;
}

static int
answered(const void *arg)
{
	return ((const struct call *)arg)->n > 0;
}

static int
no_executor(const void *arg)
{
	(void)arg;
	return pool_live() == 0;
}

static void
wait_reply(struct call *c)
{
	CHECK(pump(answered, c) == 0);
}

/* ---- the spawner's side ---- */

/* The next message the pool sent the spawner; 0, or -1 if none came. */
static int
spawner_next(struct spawn_msg *m)
{
	int fds[2], nfds = 0;

	if (pump(readable, &sp) == -1 ||
	    ipc_recv_msg(sp, m, fds, 2, &nfds) != 1)
		return -1;
	while (nfds > 0)
		close(fds[--nfds]);
	return 0;
}

static int
spawner_quiet(void)
{
	return !readable(&sp);
}

/* A child that holds none of our descriptors and sleeps until killed:
 * the process behind a fake executor's pidfd. It says when it has closed
 * them (else a link the pool closed could still look open through it). */
static pid_t
sleeper(void)
{
	int p[2];
	pid_t pid;
	char c = 0;

	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close_range(3, (unsigned)p[1] - 1, 0);
		close_range((unsigned)p[1] + 1, ~0U, 0);
		(void)!write(p[1], &c, 1);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

static void
spawner_reply(const struct spawn_msg *req, int err, const int *fds, int nfds,
    uint32_t flags)
{
	struct spawn_msg m;

	memset(&m, 0, sizeof(m));
	m.magic = IPC_MAGIC;
	m.type = SPAWN_REPLY;
	m.seq = req->seq;
	m.flags = flags;
	m.err = err;
	CHECK(ipc_send_msg(sp, &m, fds, nfds) == 0);
}

/* Answer a SPAWN_EXEC with a new fake executor. */
static void
spawner_start(const struct spawn_msg *m, struct fex *x)
{
	int sv[2], fds[2];

	x->pid = sleeper();
	CHECK(x->pid > 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	fds[0] = sv[0];
	fds[1] = pidfd_open(x->pid, 0);
	CHECK(fds[1] >= 0);
	spawner_reply(m, 0, fds, 2, 0);
	close(fds[0]);
	close(fds[1]);
	x->fd = sv[1];
}

/* Expect a SPAWN_EXEC for inst (flags as given) and answer it. */
static void
spawn_expect(struct instance *inst, uint32_t flags, struct fex *x)
{
	struct spawn_msg m;

	CHECK(spawner_next(&m) == 0);
	CHECK_INT(m.type, SPAWN_EXEC);
	CHECK_INT(m.flags, flags);
	CHECK(memcmp(m.id, inst->id, TOKEN_ID_BYTES) == 0);
	CHECK_INT(m.expires, inst->expires);
	spawner_start(&m, x);
}

/* Expect a SPAWN_REMOVE of this walk-in's directory. */
static void
remove_expect(const uint8_t id[TOKEN_ID_BYTES], int64_t expires,
    uint32_t flags, struct spawn_msg *out)
{
	struct spawn_msg m;

	CHECK(spawner_next(&m) == 0);
	CHECK_INT(m.type, SPAWN_REMOVE);
	CHECK_INT(m.flags, flags);
	CHECK(memcmp(m.id, id, TOKEN_ID_BYTES) == 0);
	CHECK_INT(m.expires, expires);
	if (out != NULL)
		*out = m;
}

/* ---- the executor's side ---- */

/* Read the next IPC_EXEC frame: its seq and its SQL text. */
static uint32_t
fex_read(struct fex *x, char *text, size_t textlen)
{
	struct ipc_job job;
	struct ipc_hdr h;
	const char *t, *a;
	struct buf b;

	buf_init(&b);
	text[0] = '\0';
	CHECK(pump(readable, &x->fd) == 0);
	CHECK(ipc_recv_frame(x->fd, &h, &b, ipc_job_max(&cfg)) == 0);
	CHECK_INT(h.type, IPC_EXEC);
	if (ipc_job_unpack(b.data, b.len, &job, &t, &a) == 0 &&
	    job.text_len < textlen) {
		memcpy(text, t, job.text_len);
		text[job.text_len] = '\0';
	} else
		CHECK(0);
	buf_free(&b);
	return h.seq;
}

static void
fex_answer(struct fex *x, uint32_t seq, int status, const char *body)
{
	CHECK(ipc_send_frame(x->fd, IPC_RESULT, (uint16_t)status, seq, body,
	    (uint32_t)strlen(body)) == 0);
}

/* The pool closed its end: EOF once what it sent is read. */
static int
fex_closed(struct fex *x)
{
	char c[256];
	ssize_t r;

	if (pump(readable, &x->fd) == -1)
		return 0;
	while ((r = read(x->fd, c, sizeof(c))) > 0)
		;
	return r == 0;
}

/* Was the child killed with SIGKILL (the pool's deadline or stop)? The
 * pool has sent the signal by the time this is asked; it is waited for
 * up to PUMP_GUARD_MS, so a kill never sent fails instead of hanging. */
static int
fex_killed(struct fex *x)
{
	int64_t end = clock_mono_ms() + PUMP_GUARD_MS;
	pid_t r;
	int st;

	while ((r = waitpid(x->pid, &st, WNOHANG)) == 0 &&
	    clock_mono_ms() < end)
		usleep(1000);
	if (r != x->pid)
		return 0;
	x->pid = -1;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

static void
fex_end(struct fex *x)
{
	if (x->fd != -1)
		close(x->fd);
	x->fd = -1;
	if (x->pid > 0) {
		kill(x->pid, SIGKILL);
		waitpid(x->pid, NULL, 0);
	}
	x->pid = -1;
}

/* ---- walk-ins and requests ---- */

/* A walk-in known from a token (not counted here), or a new one. */
static struct instance *
walkin(int create, const char *ip)
{
	uint8_t id[TOKEN_ID_BYTES];
	int64_t now = clock_wall_s();

	token_new_id(id);
	return create ? registry_add(id, now, now + T_TTL, ip) :
	    registry_get(id, now + T_TTL);
}

static void
submit(struct instance *inst, struct call *c, const char *sql, int create)
{
	struct buf job;

	memset(c, 0, sizeof(*c));
	c->req.udata = c;
	buf_init(&job);
	ipc_job_pack(&job, IPC_OP_SQL, 0, sql, strlen(sql), NULL, 0);
	pool_submit(inst, &c->req, &job, create);
}

/* The sweeper's way out for a walk-in still live: stop, release. */
static void
drop(const uint8_t id[TOKEN_ID_BYTES])
{
	struct instance *inst = registry_find(id);

	if (inst != NULL)
		pool_expire_instance(inst);
}

/* Every test leaves the pool empty and no live entry. */
static void
settled(void)
{
	CHECK(pump(no_executor, NULL) == 0);
	CHECK_INT(pool_live(), 0);
	CHECK_INT(registry_live(), 0);
}

/* ---- tests ---- */

static void
test_setup(void)
{
	int sv[2];

	CHECK(sodium_init() >= 0);
	signal(SIGPIPE, SIG_IGN);
	registry_init();
	config_defaults(&cfg, "/nonexistent");
	cfg.query_timeout_ms = LONG_MS;
	cfg.idle_timeout_ms = LONG_MS;
	cfg.pool_size = 4;
	CHECK((base = event_base_new()) != NULL);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0, sv) == 0);
	sp = sv[1];
	pool_init(base, &cfg, sv[0], on_reply);
}

/* spawn -> idle -> busy -> idle, and the live entry released at the end. */
static void
test_lifecycle(void)
{
	struct instance *inst = walkin(0, "");
	uint8_t id[TOKEN_ID_BYTES];
	struct call c1, c2;
	struct fex x;
	char text[64];
	uint32_t seq;

	memcpy(id, inst->id, sizeof(id));
	submit(inst, &c1, "q1", 0);
	CHECK_INT(pool_live(), 1);		/* SPAWNING counts */
	spawn_expect(inst, 0, &x);
	seq = fex_read(&x, text, sizeof(text));
	CHECK_STR(text, "q1");
	fex_answer(&x, seq, 200, "r1");
	wait_reply(&c1);
	CHECK_INT(c1.n, 1);
	CHECK_INT(c1.status, 200);
	CHECK_STR(c1.body, "r1");
	CHECK(c1.inst == inst);
	CHECK_INT(c1.create, 0);
	/* Idle: kept, with its walk-in's live entry. */
	CHECK_INT(pool_live(), 1);
	CHECK(registry_find(id) == inst);
	/* The idle executor takes the next job: no new spawn. */
	submit(inst, &c2, "q2", 0);
	CHECK(fex_read(&x, text, sizeof(text)) == seq + 1);
	CHECK_STR(text, "q2");
	CHECK(spawner_quiet());
	fex_answer(&x, seq + 1, 200, "r2");
	wait_reply(&c2);
	CHECK_INT(c2.status, 200);
	CHECK_STR(c2.body, "r2");
	drop(id);
	CHECK(fex_closed(&x));
	CHECK(fex_killed(&x));
	fex_end(&x);
	settled();
	CHECK_INT(c1.n, 1);
	CHECK_INT(c2.n, 1);
}

/* BOUNDS_PIPELINE frames in flight, the next sent when one is answered,
 * and two replies in one read. */
static void
test_pipelining(void)
{
	struct instance *inst = walkin(0, "");
	uint8_t id[TOKEN_ID_BYTES];
	struct call c[3];
	struct fex x;
	char text[64];
	uint32_t s1, s2, s3;

	memcpy(id, inst->id, sizeof(id));
	CHECK_INT(BOUNDS_PIPELINE, 2);		/* what this test assumes */
	submit(inst, &c[0], "q1", 0);
	submit(inst, &c[1], "q2", 0);
	submit(inst, &c[2], "q3", 0);
	spawn_expect(inst, 0, &x);
	s1 = fex_read(&x, text, sizeof(text));
	CHECK_STR(text, "q1");
	s2 = fex_read(&x, text, sizeof(text));
	CHECK_STR(text, "q2");
	CHECK(s2 == s1 + 1);
	CHECK(!readable(&x.fd));		/* q3 waits in the pool */
	fex_answer(&x, s1, 200, "r1");
	wait_reply(&c[0]);
	CHECK_STR(c[0].body, "r1");
	s3 = fex_read(&x, text, sizeof(text));
	CHECK_STR(text, "q3");
	CHECK(s3 == s2 + 1);
	CHECK_INT(c[1].n, 0);
	/* Both remaining replies at once, in order. */
	fex_answer(&x, s2, 201, "r2");
	fex_answer(&x, s3, 400, "r3");
	wait_reply(&c[2]);
	CHECK_INT(c[1].n, 1);
	CHECK_INT(c[1].status, 201);
	CHECK_STR(c[1].body, "r2");
	CHECK_INT(c[2].n, 1);
	CHECK_INT(c[2].status, 400);
	CHECK_STR(c[2].body, "r3");
	drop(id);
	fex_end(&x);
	settled();
}

/* A demoted executor's last reply (IPC_RESULT_LAST): its job answered,
 * the job in flight behind it requeued to a fresh executor, the old one
 * let go (socket closed, not killed: it exits on its own). */
static void
test_retire(void)
{
	struct instance *inst = walkin(0, "");
	uint8_t id[TOKEN_ID_BYTES];
	struct call c[3];
	struct fex x, y;
	char text[64];
	uint32_t s1, s;

	memcpy(id, inst->id, sizeof(id));
	submit(inst, &c[0], "bomb", 0);
	submit(inst, &c[1], "q2", 0);
	submit(inst, &c[2], "q3", 0);
	spawn_expect(inst, 0, &x);
	s1 = fex_read(&x, text, sizeof(text));
	fex_read(&x, text, sizeof(text));
	CHECK_STR(text, "q2");
	CHECK(ipc_send_frame(x.fd, IPC_RESULT_LAST, 408, s1, "late",
	    4) == 0);
	wait_reply(&c[0]);
	CHECK_INT(c[0].status, 408);
	CHECK_STR(c[0].body, "late");
	CHECK(fex_closed(&x));
	CHECK(waitpid(x.pid, NULL, WNOHANG) == 0);	/* not killed */
	CHECK_INT(c[1].n, 0);
	spawn_expect(inst, 0, &y);
	s = fex_read(&y, text, sizeof(text));
	CHECK_STR(text, "q2");
	fex_answer(&y, s, 200, "r2");
	s = fex_read(&y, text, sizeof(text));
	CHECK_STR(text, "q3");
	fex_answer(&y, s, 200, "r3");
	wait_reply(&c[2]);
	CHECK_INT(c[1].status, 200);
	CHECK_STR(c[1].body, "r2");
	CHECK_STR(c[2].body, "r3");
	drop(id);
	fex_end(&x);
	fex_end(&y);
	settled();
}

/* The deadline: SIGKILL, 408 for the head, the jobs behind it run on
 * the next executor, in order. */
static void
test_deadline(void)
{
	struct instance *inst = walkin(0, "");
	uint8_t id[TOKEN_ID_BYTES];
	struct call c[3];
	struct fex x, y;
	char text[64];
	uint32_t s;

	memcpy(id, inst->id, sizeof(id));
	cfg.query_timeout_ms = 10;
	submit(inst, &c[0], "bomb", 0);
	submit(inst, &c[1], "q2", 0);
	submit(inst, &c[2], "q3", 0);
	spawn_expect(inst, 0, &x);
	fex_read(&x, text, sizeof(text));
	fex_read(&x, text, sizeof(text));	/* q2 sent, never started */
	wait_reply(&c[0]);			/* no answer: the deadline */
	cfg.query_timeout_ms = LONG_MS;
	CHECK_INT(c[0].status, 408);
	CHECK_STR(c[0].body, "{\"error\":\"query timeout\"}");
	CHECK(fex_killed(&x));
	CHECK(fex_closed(&x));
	CHECK_INT(c[1].n, 0);
	CHECK_INT(c[2].n, 0);
	/* Requeued, in order, for a new executor. */
	spawn_expect(inst, 0, &y);
	s = fex_read(&y, text, sizeof(text));
	CHECK_STR(text, "q2");
	fex_answer(&y, s, 200, "r2");
	s = fex_read(&y, text, sizeof(text));
	CHECK_STR(text, "q3");
	fex_answer(&y, s, 200, "r3");
	wait_reply(&c[2]);
	CHECK_STR(c[1].body, "r2");
	CHECK_STR(c[2].body, "r3");
	CHECK_INT(c[0].n + c[1].n + c[2].n, 3);
	drop(id);
	fex_end(&x);
	fex_end(&y);
	settled();
}

/* An idle executor is closed after idle_timeout_ms, its entry released. */
static void
test_idle_timeout(void)
{
	struct instance *inst = walkin(0, "");
	uint8_t id[TOKEN_ID_BYTES];
	struct call c;
	struct fex x;
	char text[64];

	memcpy(id, inst->id, sizeof(id));
	cfg.idle_timeout_ms = 20;
	submit(inst, &c, "q", 0);
	spawn_expect(inst, 0, &x);
	fex_answer(&x, fex_read(&x, text, sizeof(text)), 200, "r");
	wait_reply(&c);
	CHECK(fex_closed(&x));			/* closed, not killed */
	cfg.idle_timeout_ms = LONG_MS;
	CHECK_INT(pool_live(), 0);
	CHECK(registry_find(id) == NULL);
	fex_end(&x);
	settled();
}

/* Serve one job on inst's executor (spawned first if x->fd is -1). */
static void
serve(struct instance *inst, struct fex *x, const char *sql)
{
	struct call c;
	char text[64];

	submit(inst, &c, sql, 0);
	if (x->fd == -1)
		spawn_expect(inst, 0, x);
	fex_answer(x, fex_read(x, text, sizeof(text)), 200, "ok");
	wait_reply(&c);
	CHECK_INT(c.status, 200);
}

/* A full pool evicts the least recently used idle executor. */
static void
test_lru_eviction(void)
{
	struct instance *a = walkin(0, ""), *b = walkin(0, ""), *c;
	uint8_t ida[TOKEN_ID_BYTES], idb[TOKEN_ID_BYTES], idc[TOKEN_ID_BYTES];
	struct fex xa = { -1, -1 }, xb = { -1, -1 }, xc = { -1, -1 };

	memcpy(ida, a->id, sizeof(ida));
	memcpy(idb, b->id, sizeof(idb));
	cfg.pool_size = 2;
	serve(a, &xa, "a1");
	serve(b, &xb, "b1");
	serve(a, &xa, "a2");			/* b is now the LRU one */
	CHECK_INT(pool_live(), 2);
	c = walkin(0, "");
	memcpy(idc, c->id, sizeof(idc));
	serve(c, &xc, "c1");
	CHECK(fex_closed(&xb));			/* evicted */
	CHECK(!readable(&xa.fd));		/* kept */
	CHECK(registry_find(idb) == NULL);
	CHECK(registry_find(ida) == a);
	CHECK_INT(pool_live(), 2);
	cfg.pool_size = 4;
	drop(ida);
	drop(idc);
	fex_end(&xa);
	fex_end(&xb);
	fex_end(&xc);
	settled();
}

/* With no slot and none idle a walk-in waits: 503 after
 * BOUNDS_QUEUE_WAIT_MS, or the slot when an executor goes idle. */
static void
test_slot_wait(void)
{
	struct instance *a = walkin(0, ""), *b;
	uint8_t ida[TOKEN_ID_BYTES], idb[TOKEN_ID_BYTES];
	struct fex xa, xb;
	struct call ca, cb, cb2;
	char text[64];
	uint32_t s;

	memcpy(ida, a->id, sizeof(ida));
	cfg.pool_size = 1;
	submit(a, &ca, "a1", 0);
	spawn_expect(a, 0, &xa);
	s = fex_read(&xa, text, sizeof(text));	/* busy, unanswered */
	b = walkin(0, "");
	memcpy(idb, b->id, sizeof(idb));
	submit(b, &cb, "b1", 0);
	CHECK(spawner_quiet());			/* waits for a slot */
	wait_reply(&cb);
	CHECK_INT(cb.status, 503);
	CHECK_STR(cb.body, "{\"error\":\"server busy\"}");
	CHECK(registry_find(idb) == NULL);	/* nothing left of it */
	/* Again; this time a's executor goes idle and is taken. */
	b = walkin(0, "");
	memcpy(idb, b->id, sizeof(idb));
	submit(b, &cb2, "b2", 0);
	CHECK(spawner_quiet());
	fex_answer(&xa, s, 200, "ra");
	wait_reply(&ca);
	CHECK_INT(ca.status, 200);
	spawn_expect(b, 0, &xb);
	CHECK(fex_closed(&xa));			/* evicted for b */
	CHECK(registry_find(ida) == NULL);
	fex_answer(&xb, fex_read(&xb, text, sizeof(text)), 200, "rb");
	wait_reply(&cb2);
	CHECK_INT(cb2.status, 200);
	CHECK_INT(cb.n, 1);
	cfg.pool_size = 4;
	drop(idb);
	fex_end(&xa);
	fex_end(&xb);
	settled();
}

/*
 * BOUNDS_QUEUE_PER_WALKIN queued jobs, then BOUNDS_PARKED_MAX parked
 * node-wide, then 503; another walk-in is served meanwhile; the parked
 * ones run in order once the executor is there.
 */
#define QB_QUEUED	BOUNDS_QUEUE_PER_WALKIN
#define QB_ALL		(BOUNDS_QUEUE_PER_WALKIN + BOUNDS_PARKED_MAX)

static void
test_queue_park(void)
{
	static struct call c[QB_ALL + 1];
	struct instance *inst = walkin(0, ""), *b = walkin(0, "");
	struct call cb, cb2;
	char text[64], want[64];
	struct fex x, xb;
	int k, ok = 0;
	uint32_t s;

	for (k = 0; k < QB_ALL; k++) {
		snprintf(text, sizeof(text), "q%d", k);
		submit(inst, &c[k], text, 0);
	}
	for (k = 0; k < QB_ALL; k++)
		ok += c[k].n == 0;
	CHECK_INT(ok, QB_ALL);
	submit(inst, &c[k], "one too many", 0);
	CHECK_INT(c[k].n, 1);
	CHECK_INT(c[k].status, 503);
	CHECK_STR(c[k].body, "{\"error\":\"server busy\"}");
	/* Another walk-in queues and runs while the node's parking is full. */
	submit(b, &cb, "b", 0);
	CHECK_INT(cb.n, 0);
	spawn_expect(inst, 0, &x);
	spawn_expect(b, 0, &xb);
	s = fex_read(&xb, text, sizeof(text));
	fex_answer(&xb, s, 200, "b done");
	wait_reply(&cb);
	CHECK_INT(cb.status, 200);
	/* Parking has room again only once a's queue moves: b's next one is
	 * queued (its own queue has room), not refused. */
	submit(b, &cb2, "b2", 0);
	s = fex_read(&xb, text, sizeof(text));
	CHECK_STR(text, "b2");
	fex_answer(&xb, s, 200, "b2 done");
	wait_reply(&cb2);
	CHECK_INT(cb2.status, 200);
	/* a's executor gets every job, queued then parked, in order. */
	for (k = 0, ok = 0; k < QB_ALL; k++) {
		s = fex_read(&x, text, sizeof(text));
		snprintf(want, sizeof(want), "q%d", k);
		ok += strcmp(text, want) == 0;
		fex_answer(&x, s, 200, text);
	}
	CHECK_INT(ok, QB_ALL);
	wait_reply(&c[QB_ALL - 1]);
	for (k = 0, ok = 0; k < QB_ALL; k++) {
		snprintf(want, sizeof(want), "q%d", k);
		ok += c[k].n == 1 && c[k].status == 200 &&
		    strcmp(c[k].body, want) == 0;
	}
	CHECK_INT(ok, QB_ALL);
	/* Parking has room again. */
	for (k = 0; k < QB_QUEUED + 1; k++)
		submit(inst, &c[k], "again", 0);
	CHECK_INT(c[QB_QUEUED].n, 0);
	drop(inst->id);
	for (k = 0, ok = 0; k < QB_QUEUED + 1; k++)
		ok += c[k].n == 1 && c[k].status == 404;
	CHECK_INT(ok, QB_QUEUED + 1);
	drop(b->id);
	CHECK(fex_killed(&x));
	CHECK(fex_killed(&xb));
	fex_end(&x);
	fex_end(&xb);
	settled();
}

/*
 * A walk-in stopped while its executor spawns answers its queue and its
 * parked jobs 404, and the late executor is dropped. A parked job's wait
 * bound runs from when it was parked: it is answered 503 with the
 * queued ones.
 */
static void
test_queue_bound(void)
{
	static struct call c[QB_QUEUED + 2];
	struct instance *inst = walkin(0, "");
	uint8_t id[TOKEN_ID_BYTES];
	struct spawn_msg m;
	struct fex x;
	int k, ok = 0;

	memcpy(id, inst->id, sizeof(id));
	for (k = 0; k < QB_QUEUED + 2; k++)
		submit(inst, &c[k], "q", 0);
	for (k = 0; k < QB_QUEUED + 2; k++)
		ok += c[k].n == 0;
	CHECK_INT(ok, QB_QUEUED + 2);
	/* Stopped (as the sweeper does) while the spawn is pending. */
	CHECK(spawner_next(&m) == 0);
	CHECK_INT(m.type, SPAWN_EXEC);
	drop(id);
	for (k = 0, ok = 0; k < QB_QUEUED + 2; k++)
		ok += c[k].n == 1 && c[k].status == 404;
	CHECK_INT(ok, QB_QUEUED + 2);
	CHECK_INT(registry_live(), 0);
	CHECK_INT(pool_live(), 1);		/* the spawn still counts */
	spawner_start(&m, &x);			/* late: killed, dropped */
	CHECK(pump(no_executor, NULL) == 0);
	CHECK(fex_killed(&x));
	CHECK(fex_closed(&x));
	fex_end(&x);
	settled();

	/* The wait bound: queued and parked jobs alike, 503. */
	cfg.query_timeout_ms = 100;
	inst = walkin(0, "");
	memcpy(id, inst->id, sizeof(id));
	for (k = 0; k < QB_QUEUED + 2; k++)
		submit(inst, &c[k], "q", 0);
	CHECK(spawner_next(&m) == 0);
	wait_reply(&c[QB_QUEUED + 1]);
	for (k = 0, ok = 0; k < QB_QUEUED + 2; k++)
		ok += c[k].n == 1 && c[k].status == 503;
	CHECK_INT(ok, QB_QUEUED + 2);
	cfg.query_timeout_ms = LONG_MS;
	spawner_start(&m, &x);
	drop(id);
	CHECK(pump(no_executor, NULL) == 0);
	fex_end(&x);
	settled();
}

/* A reply with the wrong seq, or longer than ipc_reply_max: the
 * executor is killed, the head job gets 500, the rest go on. */
static void
test_malformed(void)
{
	struct instance *inst = walkin(0, "");
	uint8_t id[TOKEN_ID_BYTES];
	struct call c[3];
	struct ipc_hdr h;
	struct fex x, y, z;
	char text[64];
	uint32_t s;

	memcpy(id, inst->id, sizeof(id));
	submit(inst, &c[0], "q1", 0);
	submit(inst, &c[1], "q2", 0);
	spawn_expect(inst, 0, &x);
	s = fex_read(&x, text, sizeof(text));
	fex_read(&x, text, sizeof(text));
	fex_answer(&x, s + 7, 200, "forged");
	wait_reply(&c[0]);
	CHECK_INT(c[0].status, 500);
	CHECK_STR(c[0].body, "{\"error\":\"internal error\"}");
	CHECK(fex_killed(&x));
	/* q2 on a new executor, whose reply is oversize. */
	spawn_expect(inst, 0, &y);
	s = fex_read(&y, text, sizeof(text));
	CHECK_STR(text, "q2");
	h = (struct ipc_hdr){ IPC_MAGIC, IPC_RESULT, 200,
	    ipc_reply_max(&cfg) + 1, s };
	CHECK(write(y.fd, &h, sizeof(h)) == (ssize_t)sizeof(h));
	wait_reply(&c[1]);
	CHECK_INT(c[1].status, 500);
	CHECK(fex_killed(&y));
	CHECK(fex_closed(&y));
	CHECK_INT(pool_live(), 0);
	CHECK(registry_find(id) == NULL);
	/* A reply for no job at all (nothing in flight). */
	inst = walkin(0, "");
	memcpy(id, inst->id, sizeof(id));
	submit(inst, &c[2], "q3", 0);
	spawn_expect(inst, 0, &z);
	fex_answer(&z, fex_read(&z, text, sizeof(text)), 200, "r3");
	wait_reply(&c[2]);
	fex_answer(&z, 99, 200, "unasked");
	CHECK(fex_closed(&z));
	CHECK(fex_killed(&z));
	CHECK(registry_find(id) == NULL);
	fex_end(&x);
	fex_end(&y);
	fex_end(&z);
	settled();
	CHECK_INT(c[0].n + c[1].n + c[2].n, 3);
}

/* The executor's socket closes mid-request: 500, nothing left. */
static void
test_executor_eof(void)
{
	struct instance *inst = walkin(0, "");
	uint8_t id[TOKEN_ID_BYTES];
	struct call c;
	struct fex x;
	char text[64];

	memcpy(id, inst->id, sizeof(id));
	submit(inst, &c, "q", 0);
	spawn_expect(inst, 0, &x);
	fex_read(&x, text, sizeof(text));
	close(x.fd);
	x.fd = -1;
	wait_reply(&c);
	CHECK_INT(c.status, 500);
	CHECK_INT(c.n, 1);
	CHECK(registry_find(id) == NULL);
	fex_end(&x);
	settled();
}

/* A create that succeeds stays counted; one that fails is removed. */
static void
test_create(void)
{
	size_t before = registry_count();
	struct instance *ok = walkin(1, "192.0.2.7"), *bad;
	uint8_t id[TOKEN_ID_BYTES], idbad[TOKEN_ID_BYTES];
	int64_t exp;
	struct call c1, c2;
	struct fex x, y;
	char text[64];

	memcpy(id, ok->id, sizeof(id));
	CHECK_INT(registry_count(), before + 1);
	submit(ok, &c1, "CREATE TABLE t(x)", 1);
	spawn_expect(ok, SPAWN_F_CREATE, &x);
	fex_answer(&x, fex_read(&x, text, sizeof(text)), 200, "made");
	wait_reply(&c1);
	CHECK_INT(c1.create, 1);
	CHECK_INT(c1.status, 200);
	CHECK(registry_find(id) == ok);
	CHECK_INT(registry_count(), before + 1);
	bad = walkin(1, "192.0.2.7");
	memcpy(idbad, bad->id, sizeof(idbad));
	exp = bad->expires;
	CHECK_INT(registry_ip_count("192.0.2.7"), 2);
	submit(bad, &c2, "CREATE TABLE", 1);
	spawn_expect(bad, SPAWN_F_CREATE, &y);
	fex_answer(&y, fex_read(&y, text, sizeof(text)), 400, "syntax");
	wait_reply(&c2);
	CHECK_INT(c2.create, 1);
	CHECK_INT(c2.status, 400);
	CHECK_STR(c2.body, "syntax");
	remove_expect(idbad, exp, 0, NULL);	/* its directory goes */
	CHECK(registry_find(idbad) == NULL);
	CHECK_INT(registry_count(), before + 1);
	CHECK_INT(registry_ip_count("192.0.2.7"), 1);
	CHECK(fex_killed(&y));
	CHECK(fex_closed(&y));
	ok = registry_find(id);
	exp = ok->expires;
	drop(id);
	registry_uncount(exp, "192.0.2.7");
	CHECK_INT(registry_count(), before);
	fex_end(&x);
	fex_end(&y);
	settled();
}

/* The spawner cannot start an executor: ENOENT is 404 (a walk-in
 * whose directory is gone), anything else 500; a create is removed. */
static void
test_spawn_failure(void)
{
	size_t before = registry_count();
	struct instance *inst = walkin(0, "");
	uint8_t id[TOKEN_ID_BYTES];
	struct spawn_msg m;
	struct call c[4];

	submit(inst, &c[0], "q1", 0);
	submit(inst, &c[1], "q2", 0);
	CHECK(spawner_next(&m) == 0);
	spawner_reply(&m, ENOENT, NULL, 0, 0);
	wait_reply(&c[1]);
	CHECK_INT(c[0].status, 404);
	CHECK_STR(c[0].body, "{\"error\":\"instance not found\"}");
	CHECK_INT(c[1].status, 404);
	CHECK_INT(pool_live(), 0);
	CHECK_INT(registry_live(), 0);
	inst = walkin(0, "");
	submit(inst, &c[2], "q", 0);
	CHECK(spawner_next(&m) == 0);
	spawner_reply(&m, EMFILE, NULL, 0, 0);
	wait_reply(&c[2]);
	CHECK_INT(c[2].status, 500);
	inst = walkin(1, "");
	memcpy(id, inst->id, sizeof(id));
	submit(inst, &c[3], "create", 1);
	CHECK(spawner_next(&m) == 0);
	spawner_reply(&m, ENOSPC, NULL, 0, 0);
	wait_reply(&c[3]);
	CHECK_INT(c[3].status, 500);
	remove_expect(id, m.expires, 0, NULL);
	CHECK_INT(registry_count(), before);
	settled();
}

struct deleted {
	int	n;
	int	err;
};

static void
on_deleted(void *arg, int err)
{
	struct deleted *d = arg;

	d->n++;
	d->err = err;
}

static int
deleted_done(const void *arg)
{
	return ((const struct deleted *)arg)->n > 0;
}

/* DELETE: the executor and its jobs go at once (404), the count when
 * the spawner confirms; ENOENT (gone before) uncounts nothing. */
static void
test_delete(void)
{
	size_t before = registry_count();
	struct instance *inst = walkin(1, "192.0.2.9");
	uint8_t id[TOKEN_ID_BYTES];
	int64_t exp = inst->expires;
	struct deleted d = { 0, -1 }, d2 = { 0, -1 };
	struct spawn_msg m;
	struct call c[2];
	struct fex x;
	char text[64];

	memcpy(id, inst->id, sizeof(id));
	submit(inst, &c[0], "q1", 0);
	spawn_expect(inst, 0, &x);
	fex_read(&x, text, sizeof(text));	/* busy */
	pool_delete_instance(inst, on_deleted, &d);
	CHECK_INT(c[0].n, 1);
	CHECK_INT(c[0].status, 404);
	CHECK(registry_find(id) == NULL);
	CHECK_INT(registry_count(), before + 1);	/* until confirmed */
	CHECK_INT(d.n, 0);
	remove_expect(id, exp, SPAWN_F_REPLY, &m);
	spawner_reply(&m, 0, NULL, 0, SPAWN_F_REPLY);
	CHECK(pump(deleted_done, &d) == 0);
	CHECK_INT(d.n, 1);
	CHECK_INT(d.err, 0);
	CHECK_INT(registry_count(), before);
	CHECK_INT(registry_ip_count("192.0.2.9"), 0);
	CHECK(fex_killed(&x));
	CHECK(fex_closed(&x));
	/* The same token again: the directory is gone. */
	inst = registry_get(id, exp);
	CHECK(inst != NULL);
	pool_delete_instance(inst, on_deleted, &d2);
	remove_expect(id, exp, SPAWN_F_REPLY, &m);
	spawner_reply(&m, ENOENT, NULL, 0, SPAWN_F_REPLY);
	CHECK(pump(deleted_done, &d2) == 0);
	CHECK_INT(d2.err, ENOENT);
	CHECK_INT(registry_count(), before);
	CHECK_INT(d.n, 1);
	fex_end(&x);
	settled();
}

struct pinned {
	struct instance	*b;
	struct call	*cb;
	int		 quiet;		/* no spawn asked in the callback */
	size_t		 live;
};

/* In a's reply callback: submit a job for b, as a fork does. */
static void
pinned_then(struct call *c)
{
	struct pinned *p = c->arg;

	submit(p->b, p->cb, "b1", 0);
	p->quiet = spawner_quiet();
	p->live = pool_live();
}

/* A full pool, and a job submitted from the reply callback of its only
 * executor: that executor is not evicted under its own callback (it is
 * pinned); once the callback returns it is, for the waiting walk-in. */
static void
test_pinned(void)
{
	struct instance *a = walkin(0, "");
	uint8_t ida[TOKEN_ID_BYTES], idb[TOKEN_ID_BYTES];
	struct pinned p;
	struct call ca, cb;
	struct fex xa, xb;
	char text[64];
	uint32_t s;

	memcpy(ida, a->id, sizeof(ida));
	cfg.pool_size = 1;
	submit(a, &ca, "a1", 0);
	spawn_expect(a, 0, &xa);
	s = fex_read(&xa, text, sizeof(text));
	p.b = walkin(0, "");
	memcpy(idb, p.b->id, sizeof(idb));
	p.cb = &cb;
	p.quiet = 0;
	ca.then = pinned_then;
	ca.arg = &p;
	fex_answer(&xa, s, 200, "ra");
	wait_reply(&ca);
	CHECK(p.quiet);				/* b waited */
	CHECK_INT(p.live, 1);
	spawn_expect(p.b, 0, &xb);		/* then took a's slot */
	CHECK(fex_closed(&xa));
	CHECK(registry_find(ida) == NULL);
	fex_answer(&xb, fex_read(&xb, text, sizeof(text)), 200, "rb");
	wait_reply(&cb);
	CHECK_INT(cb.status, 200);
	CHECK_INT(ca.n, 1);
	cfg.pool_size = 4;
	drop(idb);
	fex_end(&xa);
	fex_end(&xb);
	settled();
}

/*
 * Shutdown answers every job exactly once: in flight on a busy
 * executor, queued behind it, queued for an executor still spawning,
 * waiting for a slot, and a create in flight (removed, as any failed
 * create); pending DELETEs get ESHUTDOWN; nothing stays live.
 */
static void
test_shutdown(void)
{
	size_t before = registry_count();
	struct instance *a = walkin(0, ""), *b, *cr, *d, *e;
	uint8_t idcr[TOKEN_ID_BYTES], idd[TOKEN_ID_BYTES];
	int64_t expcr, expd;
	struct deleted del = { 0, -1 };
	struct spawn_msg m, sm;
	struct call c[6];
	struct fex xa, xd, xi;
	char text[64];
	int k, once = 0, waiting = 0, busy = 0, removes = 0;

	cfg.pool_size = 3;
	/* An idle executor, evicted below for the create's spawn. */
	e = walkin(0, "");
	xi.fd = -1;
	serve(e, &xi, "e1");
	/* a: two in flight, one queued behind them. */
	submit(a, &c[0], "a1", 0);
	submit(a, &c[1], "a2", 0);
	submit(a, &c[2], "a3", 0);
	spawn_expect(a, 0, &xa);
	fex_read(&xa, text, sizeof(text));
	fex_read(&xa, text, sizeof(text));
	/* d: a create in flight. */
	d = walkin(1, "");
	memcpy(idd, d->id, sizeof(idd));
	expd = d->expires;
	submit(d, &c[3], "create d", 1);
	spawn_expect(d, SPAWN_F_CREATE, &xd);
	fex_read(&xd, text, sizeof(text));
	/* cr: a create queued for an executor still spawning (takes e's
	 * idle slot). */
	cr = walkin(1, "");
	memcpy(idcr, cr->id, sizeof(idcr));
	expcr = cr->expires;
	submit(cr, &c[4], "create cr", 1);
	CHECK(fex_closed(&xi));
	CHECK(spawner_next(&sm) == 0);
	CHECK_INT(sm.type, SPAWN_EXEC);
	/* b: waiting for a slot. */
	b = walkin(0, "");
	submit(b, &c[5], "b1", 0);
	CHECK(spawner_quiet());
	/* A DELETE the spawner has not confirmed. */
	pool_delete_instance(walkin(1, ""), on_deleted, &del);
	CHECK(spawner_next(&m) == 0);
	CHECK_INT(m.type, SPAWN_REMOVE);
	CHECK_INT(registry_count(), before + 3);
	for (k = 0; k < 6; k++)
		waiting += c[k].n == 0;
	CHECK_INT(waiting, 6);

	pool_shutdown();

	for (k = 0; k < 6; k++) {
		once += c[k].n == 1;
		busy += c[k].status == 503;
	}
	CHECK_INT(once, 6);
	CHECK_INT(busy, 6);
	CHECK_INT(del.n, 1);
	CHECK_INT(del.err, ESHUTDOWN);
	CHECK_INT(pool_live(), 0);
	CHECK_INT(registry_live(), 0);
	/* Both creates cut short are removed: uncounted, their directories
	 * handed to the spawner before the link closed. The DELETE's walk-in
	 * stays counted (unconfirmed). */
	CHECK_INT(registry_count(), before + 1);
	while (ipc_recv_msg(sp, &m, NULL, 0, &k) == 1)
		removes += m.type == SPAWN_REMOVE &&
		    ((memcmp(m.id, idd, TOKEN_ID_BYTES) == 0 &&
		    m.expires == expd) ||
		    (memcmp(m.id, idcr, TOKEN_ID_BYTES) == 0 &&
		    m.expires == expcr));
	CHECK_INT(removes, 2);
	CHECK(ipc_recv_msg(sp, &m, NULL, 0, &k) == 0);	/* link closed */
	/* Busy executors killed, every socket closed. */
	CHECK(fex_killed(&xa));
	CHECK(fex_killed(&xd));
	CHECK(fex_closed(&xa));
	CHECK(fex_closed(&xd));
	fex_end(&xa);
	fex_end(&xd);
	fex_end(&xi);
	event_base_loop(base, EVLOOP_NONBLOCK);	/* deferred frees */
	event_base_free(base);
	close(sp);
}

UNIT_MAIN(test_setup, test_lifecycle, test_pipelining, test_retire,
    test_deadline, test_idle_timeout, test_lru_eviction, test_slot_wait,
    test_queue_park, test_queue_bound,
    test_malformed, test_executor_eof, test_create, test_spawn_failure,
    test_delete, test_pinned, test_shutdown)
