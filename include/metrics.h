/*
 * metrics.h: the front end's counters and the operator's GET /metrics
 * (Prometheus text format 0.0.4) on the --metrics-listen socket.
 *
 * The hooks are called by the module that sees the event (frontend.c,
 * pool.c, ratelimit.c); they only bump file-static counters and never
 * fail. Front end process, event-loop thread only.
 */
#ifndef WALKIND_METRICS_H
#define WALKIND_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct config;
struct event_base;

/* Why an executor went, as far as the pool knows it. */
enum metrics_exit {
	METRICS_EXIT_IDLE,	/* --idle-timeout-ms with nothing to do */
	METRICS_EXIT_EVICTED,	/* its slot went to another walk-in (LRU) */
	METRICS_EXIT_DEADLINE,	/* killed at the query deadline */
	METRICS_EXIT_CRASH,	/* its socket closed: it died (a SIGSYS
				 * from seccomp is one way) */
	METRICS_EXIT_MALFORMED,	/* killed for a malformed reply */
	METRICS_EXIT_STOPPED,	/* its walk-in was deleted or expired */
	METRICS_EXIT_DEMOTED,	/* retired after a request demoted it
				 * (BOUNDS_DEMOTE_MS) */
	METRICS_EXIT_N
};

/* Refusals of the rate and capacity limits. */
enum metrics_refusal {
	METRICS_REFUSE_REQUEST_RATE,	/* --rate-requests (429) */
	METRICS_REFUSE_CREATE_RATE,	/* --rate-creates (429) */
	METRICS_REFUSE_IP_INSTANCES,	/* --max-instances-per-ip (429) */
	METRICS_REFUSE_MAX_INSTANCES,	/* --max-instances (503) */
	METRICS_REFUSE_DISK,		/* free disk or inodes (503) */
	METRICS_REFUSE_QUEUE_FULL,	/* BOUNDS_PARKED_MAX (503) */
	METRICS_REFUSE_QUEUE_TIMEOUT,	/* BOUNDS_QUEUE_WAIT_MS (503) */
	METRICS_REFUSE_N
};

enum metrics_walkin {
	METRICS_WALKIN_CREATED,		/* a create job answered 200 */
	METRICS_WALKIN_EXPIRED,		/* uncounted at its expiry */
	METRICS_WALKIN_DELETED,		/* DELETE confirmed by the spawner */
	METRICS_WALKIN_N
};

/*
 * One reply on the public listener. `route` is the route table's path
 * (a string that lives as the process), or "unmatched" / "unparsed";
 * never the request's target. ms: first byte to reply.
 */
void	metrics_request(const char *route, int status, int64_t ms);
void	metrics_walkin(enum metrics_walkin what, uint64_t n);
void	metrics_executor_spawned(int ok);
/* From a spawn reply: warm executors standing by in the spawner, and
 * whether this create took one (--warm). */
void	metrics_warm(int standing, int claimed);
void	metrics_executor_exit(enum metrics_exit why);
void	metrics_refusal(enum metrics_refusal kind);
/* A request parked past its walk-in's full queue (back-pressure). */
void	metrics_parked(void);

/* What the scrape reads from other modules at that moment. */
struct metrics_gauges {
	uint64_t	walkins;		/* on disk (registry_count) */
	uint64_t	ex_idle, ex_busy, ex_spawning;
	uint64_t	queued;			/* jobs waiting in queues */
	uint64_t	parked;			/* jobs parked past them */
	uint64_t	waiting;		/* walk-ins waiting for a slot */
	int		have_disk;		/* statvfs worked */
	uint64_t	disk_free, disk_size, inodes_free;
	int64_t		key_age_s;		/* -1: no key loaded */
};

/* Append the whole exposition to b (no I/O: tests call it). */
void	metrics_render(struct buf *b, const struct metrics_gauges *g);

/*
 * Serve GET /metrics on the listening socket fd (listen_open_metrics;
 * -1: nothing to do) with http.c; every other path is 404. Call before
 * lockdown, after pool_init and registry_load.
 */
void	metrics_serve(struct event_base *base, int fd,
	    const struct config *cfg);
/* Stop accepting scrapes (graceful shutdown); open ones finish. */
void	metrics_drain(void);
/* Open scrape connections (0 when none, or metrics off). */
size_t	metrics_conns(void);
void	metrics_close(void);

#endif
