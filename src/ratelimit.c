/*
 * ratelimit.c: per-client-IP token buckets (ratelimit.h).
 *
 * Each tracked IP has two buckets, requests and creates. A bucket of
 * limit N holds at most N tokens and refills continuously at N per
 * minute. Arithmetic is exact integers: one token is RL_UNIT (60000)
 * units, so a bucket of N/minute gains exactly N units per millisecond
 * and never drifts. A refused take consumes nothing. A limit of 0 turns
 * its bucket off: takes always succeed and never create an entry.
 *
 * IPs are keyed by their first RATELIMIT_IP_MAX bytes in a chained hash
 * table whose hash is SipHash-2-4 (crypto_shorthash) with a random key
 * drawn at init, so a client cannot pick addresses that collide. The
 * bucket array doubles up to RL_MAX_BUCKETS and stays at its high-water
 * mark (at most 1 MiB); entries are about 120 bytes each.
 *
 * Memory bound and fail-open decision: at most RL_MAX_IPS IPs are
 * tracked (about 12 MiB). An IP's entry goes away once both its buckets
 * are full again (ratelimit_expire, from a timer). When a new IP arrives
 * and the table is at the cap, expire runs first (at most once per
 * RL_FORCED_EXPIRE_MS, so a flood cannot make every request walk the
 * table); if the table is still full, the new IP is allowed without
 * being tracked, and a warning is logged once per such episode. IPs
 * already tracked stay limited. Failing closed instead would let anyone
 * with that many source addresses (one IPv6 /64 has plenty) lock every
 * new client out, and growing without bound would let them exhaust the
 * front end's memory; the node-wide instance cap and the per-walk-in
 * queue bounds still hold while rate limiting is degraded.
 *
 * A key is a client IP or a JWT subject's key (16 hex digits: no IP's
 * text looks like that). A subject's rates are the JWT's
 * (ratelimit_take_rate), so each entry carries the rate of each bucket:
 * the last one a take asked for (the node's when the entry was made),
 * and lowering a rate cuts the bucket down to the new burst at once.
 *
 * Concurrency: front end event-loop thread only, so no lock.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bounds.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"

#define RATELIMIT_IP_MAX	64	/* longer IP strings key on a prefix */
#define RL_KINDS		2
#define RL_UNIT			60000	/* units per token = ms per minute */
#define RL_WINDOW_MS		60000	/* an idle minute refills any bucket */
#define RL_MAX_RATE		1000000000 /* clamp: keeps unit math in int64 */
#define RL_MIN_BUCKETS		64
#define RL_MAX_BUCKETS		131072	/* power of two >= RL_MAX_IPS */
#define RL_FORCED_EXPIRE_MS	1000	/* full table: expire at most 1/s */
#define RL_MAX_IPS		BOUNDS_RATE_MAX_IPS	/* see bounds.h */

struct rl_entry {
	struct rl_entry	*next;
	uint64_t	 hash;
	int64_t		 stamp_ms;		/* units[] are current as of */
	int64_t		 units[RL_KINDS];
	int64_t		 rate[RL_KINDS];	/* tokens per minute */
	char		 ip[RATELIMIT_IP_MAX + 1];
};

static struct rl_entry	**rl_table;
static size_t		  rl_nbuckets;
static size_t		  rl_count;
static int64_t		  rl_rate[RL_KINDS];	/* tokens per minute, 0 off */
static unsigned char	  rl_key[crypto_shorthash_KEYBYTES];
static int64_t		  rl_forced_ms;
static int		  rl_forced_once;
static int		  rl_full_warned;

static int64_t
rl_clamp_rate(int64_t n)
{
	if (n < 0)
		return 0;
	return n > RL_MAX_RATE ? RL_MAX_RATE : n;
}

void
ratelimit_init(int64_t requests_per_min, int64_t creates_per_min)
{
	ratelimit_free();
	if (sodium_init() < 0)
		fatalx("ratelimit: sodium_init failed");
	crypto_shorthash_keygen(rl_key);
	rl_rate[RATELIMIT_REQUEST] = rl_clamp_rate(requests_per_min);
	rl_rate[RATELIMIT_CREATE] = rl_clamp_rate(creates_per_min);
}

void
ratelimit_free(void)
{
	struct rl_entry *e, *next;
	size_t i;

	for (i = 0; i < rl_nbuckets; i++)
		for (e = rl_table[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(rl_table);
	rl_table = NULL;
	rl_nbuckets = 0;
	rl_count = 0;
	rl_forced_once = 0;
	rl_full_warned = 0;
}

size_t
ratelimit_count(void)
{
	return rl_count;
}

/* Bring both buckets of e up to now_ms. */
static void
rl_refill(struct rl_entry *e, int64_t now_ms)
{
	int64_t dt = now_ms - e->stamp_ms, cap;
	int k;

	if (dt <= 0)
		return;
	for (k = 0; k < RL_KINDS; k++) {
		cap = e->rate[k] * RL_UNIT;
		if (dt >= RL_WINDOW_MS || cap - e->units[k] <= dt * e->rate[k])
			e->units[k] = cap;
		else
			e->units[k] += dt * e->rate[k];
	}
	e->stamp_ms = now_ms;
}

static int
rl_is_full(struct rl_entry *e, int64_t now_ms)
{
	int k;

	rl_refill(e, now_ms);
	for (k = 0; k < RL_KINDS; k++)
		if (e->units[k] < e->rate[k] * RL_UNIT)
			return 0;
	return 1;
}

void
ratelimit_expire(int64_t now_ms)
{
	struct rl_entry **pp, *e;
	size_t i;

	for (i = 0; i < rl_nbuckets; i++) {
		pp = &rl_table[i];
		while ((e = *pp) != NULL) {
			if (rl_is_full(e, now_ms)) {
				*pp = e->next;
				free(e);
				rl_count--;
			} else
				pp = &e->next;
		}
	}
	if (rl_count < RL_MAX_IPS)
		rl_full_warned = 0;
}

/* Double the bucket array; on allocation failure keep the old one. */
static void
rl_grow(void)
{
	struct rl_entry **t, *e, *next;
	size_t n, i;

	n = rl_nbuckets ? rl_nbuckets * 2 : RL_MIN_BUCKETS;
	if ((t = calloc(n, sizeof(*t))) == NULL)
		return;
	for (i = 0; i < rl_nbuckets; i++)
		for (e = rl_table[i]; e != NULL; e = next) {
			next = e->next;
			e->next = t[e->hash & (n - 1)];
			t[e->hash & (n - 1)] = e;
		}
	free(rl_table);
	rl_table = t;
	rl_nbuckets = n;
}

/* Room for one more IP? Expires (rarely) when at the cap. */
static int
rl_has_room(int64_t now_ms)
{
	if (rl_count < RL_MAX_IPS)
		return 1;
	if (!rl_forced_once || now_ms - rl_forced_ms >= RL_FORCED_EXPIRE_MS ||
	    now_ms < rl_forced_ms) {
		rl_forced_once = 1;
		rl_forced_ms = now_ms;
		ratelimit_expire(now_ms);
	}
	if (rl_count < RL_MAX_IPS)
		return 1;
	if (!rl_full_warned)
		log_warnx("ratelimit: %d client IPs tracked, new IPs are not "
		    "limited until entries expire", RL_MAX_IPS);
	rl_full_warned = 1;
	return 0;
}

/* A new entry with full buckets, or NULL (table full, or no memory). */
static struct rl_entry *
rl_insert(const char *ip, size_t len, uint64_t h, int64_t now_ms)
{
	struct rl_entry *e;
	int k;

	if (!rl_has_room(now_ms))
		return NULL;
	if (rl_count >= rl_nbuckets && rl_nbuckets < RL_MAX_BUCKETS)
		rl_grow();
	if (rl_nbuckets == 0 || (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	memcpy(e->ip, ip, len);
	e->hash = h;
	e->stamp_ms = now_ms;
	for (k = 0; k < RL_KINDS; k++) {
		e->rate[k] = rl_rate[k];
		e->units[k] = rl_rate[k] * RL_UNIT;
	}
	e->next = rl_table[h & (rl_nbuckets - 1)];
	rl_table[h & (rl_nbuckets - 1)] = e;
	rl_count++;
	return e;
}

static struct rl_entry *
rl_lookup(const char *ip, int64_t now_ms)
{
	unsigned char hb[crypto_shorthash_BYTES];
	struct rl_entry *e;
	size_t len = strnlen(ip, RATELIMIT_IP_MAX);
	uint64_t h;

	crypto_shorthash(hb, (const unsigned char *)ip, len, rl_key);
	memcpy(&h, hb, sizeof(h));
	if (rl_nbuckets > 0)
		for (e = rl_table[h & (rl_nbuckets - 1)]; e != NULL;
		    e = e->next)
			if (e->hash == h && strncmp(e->ip, ip, len) == 0 &&
			    e->ip[len] == '\0')
				return e;
	return rl_insert(ip, len, h, now_ms);
}

int64_t
ratelimit_rate(enum ratelimit_kind kind)
{
	if (kind != RATELIMIT_REQUEST && kind != RATELIMIT_CREATE)
		abort();
	return rl_rate[kind];
}

int
ratelimit_take(const char *ip, enum ratelimit_kind kind, int64_t now_ms)
{
	return ratelimit_take_rate(ip, kind, ratelimit_rate(kind), now_ms);
}

int
ratelimit_take_rate(const char *key, enum ratelimit_kind kind, int64_t rate,
    int64_t now_ms)
{
	struct rl_entry *e;
	int64_t wait_ms;

	if (kind != RATELIMIT_REQUEST && kind != RATELIMIT_CREATE)
		abort();
	if ((rate = rl_clamp_rate(rate)) == 0)
		return 0;
	if ((e = rl_lookup(key, now_ms)) == NULL)
		return 0;			/* fail open, see above */
	rl_refill(e, now_ms);
	if (e->rate[kind] != rate) {
		e->rate[kind] = rate;
		if (e->units[kind] > rate * RL_UNIT)
			e->units[kind] = rate * RL_UNIT;
	}
	if (e->units[kind] >= RL_UNIT) {
		e->units[kind] -= RL_UNIT;
		return 0;
	}
	wait_ms = (RL_UNIT - e->units[kind] + rate - 1) / rate;
	metrics_refusal(kind == RATELIMIT_REQUEST ?
	    METRICS_REFUSE_REQUEST_RATE : METRICS_REFUSE_CREATE_RATE);
	return (int)((wait_ms + 999) / 1000);
}
