/*
 * test_ratelimit.c: bursts, Retry-After values, continuous refill over
 * simulated time, independence of the two buckets and of IPs, limits of
 * 0, expiry, long IP strings, and the bounded table (fail open).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ratelimit.h"
#include "unit.h"

#define T0	1000000LL	/* an arbitrary monotonic start, ms */
#define MAX_IPS	100000

/* Take n tokens at now; return how many were allowed. */
static int
take_n(const char *ip, enum ratelimit_kind k, int n, int64_t now)
{
	int i, ok = 0;

	for (i = 0; i < n; i++)
		if (ratelimit_take(ip, k, now) == 0)
			ok++;
	return ok;
}

static void
test_burst(void)
{
	ratelimit_init(60, 10);
	CHECK_INT(take_n("192.0.2.1", RATELIMIT_REQUEST, 60, T0), 60);
	CHECK_INT(ratelimit_take("192.0.2.1", RATELIMIT_REQUEST, T0), 1);
	CHECK_INT(ratelimit_take("192.0.2.1", RATELIMIT_REQUEST, T0), 1);
	CHECK_INT(take_n("192.0.2.1", RATELIMIT_CREATE, 10, T0), 10);
	/* 10 per minute: the next token is 6 s away. */
	CHECK_INT(ratelimit_take("192.0.2.1", RATELIMIT_CREATE, T0), 6);
	CHECK_INT(ratelimit_take("192.0.2.1", RATELIMIT_CREATE, T0 + 1000),
	    5);
	CHECK_INT(ratelimit_take("192.0.2.1", RATELIMIT_CREATE, T0 + 5001),
	    1);
	CHECK_INT(ratelimit_take("192.0.2.1", RATELIMIT_CREATE, T0 + 6000),
	    0);
	CHECK_INT(ratelimit_take("192.0.2.1", RATELIMIT_CREATE, T0 + 6000),
	    6);
	CHECK_INT(ratelimit_count(), 1);
	ratelimit_free();
	CHECK_INT(ratelimit_count(), 0);
}

static void
test_retry_after(void)
{
	int r;

	ratelimit_init(1, 7);
	CHECK_INT(ratelimit_take("a", RATELIMIT_REQUEST, T0), 0);
	CHECK_INT(ratelimit_take("a", RATELIMIT_REQUEST, T0), 60);
	CHECK_INT(ratelimit_take("a", RATELIMIT_REQUEST, T0 + 59000), 1);
	CHECK_INT(ratelimit_take("a", RATELIMIT_REQUEST, T0 + 59999), 1);
	CHECK_INT(ratelimit_take("a", RATELIMIT_REQUEST, T0 + 60000), 0);
	/* 7 per minute: 8571.4 ms per token, so Retry-After 9. */
	CHECK_INT(take_n("z", RATELIMIT_CREATE, 7, T0), 7);
	CHECK_INT(ratelimit_take("z", RATELIMIT_CREATE, T0), 9);
	CHECK_INT(ratelimit_take("z", RATELIMIT_CREATE, T0 + 8571), 1);
	CHECK_INT(ratelimit_take("z", RATELIMIT_CREATE, T0 + 8572), 0);
	/* The promise: waiting Retry-After seconds always succeeds. */
	ratelimit_init(13, 0);
	CHECK_INT(take_n("b", RATELIMIT_REQUEST, 13, T0), 13);
	r = ratelimit_take("b", RATELIMIT_REQUEST, T0 + 123);
	CHECK(r >= 1);
	CHECK_INT(ratelimit_take("b", RATELIMIT_REQUEST, T0 + 123 +
	    (int64_t)r * 1000 - 1000), r - 1 > 0 ? 1 : 0);
	CHECK_INT(ratelimit_take("b", RATELIMIT_REQUEST, T0 + 123 +
	    (int64_t)r * 1000), 0);
	ratelimit_free();
}

static void
test_refill(void)
{
	int64_t t;
	int ok = 0;

	ratelimit_init(60, 10);
	CHECK_INT(take_n("10.0.0.1", RATELIMIT_REQUEST, 60, T0), 60);
	CHECK_INT(ratelimit_take("10.0.0.1", RATELIMIT_REQUEST, T0 + 999), 1);
	CHECK_INT(ratelimit_take("10.0.0.1", RATELIMIT_REQUEST, T0 + 1000), 0);
	CHECK_INT(ratelimit_take("10.0.0.1", RATELIMIT_REQUEST, T0 + 1000), 1);
	/* Continuous: 30 s later, 30 tokens, not 60. */
	CHECK_INT(take_n("10.0.0.1", RATELIMIT_REQUEST, 60, T0 + 31000), 30);
	/* Refill stops at the burst size. */
	CHECK_INT(take_n("10.0.0.1", RATELIMIT_REQUEST, 100, T0 + 3600000),
	    60);
	/* Steady trickle: one request every 250 ms for a minute, with many
	 * small refills that must not lose fractions: 60 burst + 60. */
	ratelimit_init(60, 0);
	for (t = 0; t < 60000; t += 250)
		if (ratelimit_take("trickle", RATELIMIT_REQUEST, T0 + t) == 0)
			ok++;
	for (t = 0; t < 60000; t += 7)
		if (ratelimit_take("odd", RATELIMIT_REQUEST, T0 + t) == 0)
			ok++;
	/* "trickle": 60 + 59.75 -> 119; "odd": 60 + 59.99 -> 119. */
	CHECK_INT(ok, 238);
	/* A clock that steps back does not mint tokens. */
	ratelimit_init(2, 0);
	CHECK_INT(take_n("back", RATELIMIT_REQUEST, 2, T0), 2);
	CHECK(ratelimit_take("back", RATELIMIT_REQUEST, T0 - 50000) > 0);
	ratelimit_free();
}

static void
test_independent(void)
{
	ratelimit_init(5, 2);
	CHECK_INT(take_n("198.51.100.7", RATELIMIT_CREATE, 5, T0), 2);
	CHECK_INT(take_n("198.51.100.7", RATELIMIT_REQUEST, 5, T0), 5);
	CHECK_INT(take_n("198.51.100.7", RATELIMIT_REQUEST, 1, T0), 0);
	CHECK_INT(take_n("198.51.100.8", RATELIMIT_REQUEST, 5, T0), 5);
	CHECK_INT(take_n("198.51.100.8", RATELIMIT_CREATE, 5, T0), 2);
	CHECK_INT(take_n("2001:db8::1", RATELIMIT_CREATE, 1, T0), 1);
	CHECK_INT(ratelimit_count(), 3);
	ratelimit_free();
}

static void
test_off(void)
{
	ratelimit_init(0, 0);
	CHECK_INT(take_n("192.0.2.9", RATELIMIT_REQUEST, 1000, T0), 1000);
	CHECK_INT(take_n("192.0.2.9", RATELIMIT_CREATE, 1000, T0), 1000);
	CHECK_INT(ratelimit_count(), 0);
	ratelimit_init(0, 3);
	CHECK_INT(take_n("192.0.2.9", RATELIMIT_REQUEST, 1000, T0), 1000);
	CHECK_INT(ratelimit_count(), 0);
	CHECK_INT(take_n("192.0.2.9", RATELIMIT_CREATE, 4, T0), 3);
	CHECK_INT(ratelimit_count(), 1);
	ratelimit_init(-5, 2);			/* negative means off */
	CHECK_INT(take_n("192.0.2.9", RATELIMIT_REQUEST, 100, T0), 100);
	CHECK_INT(ratelimit_count(), 0);
	ratelimit_free();
}

static void
test_expire(void)
{
	ratelimit_init(60, 10);
	CHECK_INT(take_n("a", RATELIMIT_REQUEST, 1, T0), 1);
	CHECK_INT(take_n("b", RATELIMIT_CREATE, 10, T0), 10);
	CHECK_INT(take_n("c", RATELIMIT_REQUEST, 60, T0), 60);
	CHECK_INT(ratelimit_count(), 3);
	ratelimit_expire(T0);
	CHECK_INT(ratelimit_count(), 3);
	ratelimit_expire(T0 + 1000);		/* "a" is full again */
	CHECK_INT(ratelimit_count(), 2);
	ratelimit_expire(T0 + 59999);
	CHECK_INT(ratelimit_count(), 2);
	ratelimit_expire(T0 + 60000);
	CHECK_INT(ratelimit_count(), 0);
	/* A forgotten IP starts with a full burst again. */
	CHECK_INT(take_n("c", RATELIMIT_REQUEST, 61, T0 + 60000), 60);
	CHECK_INT(ratelimit_count(), 1);
	ratelimit_free();
}

static void
test_long_ip(void)
{
	char a[200], b[200];

	memset(a, 'x', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[150] = 'y';				/* differs after 64 bytes */
	ratelimit_init(3, 0);
	CHECK_INT(take_n(a, RATELIMIT_REQUEST, 2, T0), 2);
	CHECK_INT(take_n(b, RATELIMIT_REQUEST, 2, T0), 1);
	CHECK_INT(ratelimit_count(), 1);
	b[10] = 'y';				/* differs within 64 bytes */
	CHECK_INT(take_n(b, RATELIMIT_REQUEST, 2, T0), 2);
	a[64] = '\0';				/* the 64-byte prefix itself */
	CHECK_INT(take_n(a, RATELIMIT_REQUEST, 1, T0), 0);
	a[63] = '\0';				/* a shorter, different key */
	CHECK_INT(take_n(a, RATELIMIT_REQUEST, 1, T0), 1);
	CHECK_INT(ratelimit_count(), 3);
	ratelimit_free();
}

static void
test_many_ips(void)
{
	char ip[64];
	int i, ok = 0, refused = 0;

	ratelimit_init(2, 1);
	for (i = 0; i < MAX_IPS; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16,
		    (i >> 8) & 0xff, i & 0xff);
		ok += take_n(ip, RATELIMIT_REQUEST, 3, T0);
	}
	CHECK_INT(ok, 2 * MAX_IPS);
	CHECK_INT(ratelimit_count(), MAX_IPS);
	/* Every one still limited, and found again. */
	for (i = 0; i < MAX_IPS; i += 997) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16,
		    (i >> 8) & 0xff, i & 0xff);
		if (ratelimit_take(ip, RATELIMIT_REQUEST, T0) == 30)
			refused++;
	}
	CHECK_INT(refused, (MAX_IPS + 996) / 997);
	/* Full and nothing expirable: a new IP is allowed, not tracked. */
	CHECK_INT(take_n("203.0.113.1", RATELIMIT_REQUEST, 10, T0 + 10), 10);
	CHECK_INT(ratelimit_count(), MAX_IPS);
	CHECK_INT(ratelimit_take("10.0.0.5", RATELIMIT_REQUEST, T0 + 10), 30);
	/* Once entries refill, a new IP makes room by expiring. */
	CHECK_INT(take_n("203.0.113.2", RATELIMIT_REQUEST, 3, T0 + 60000), 2);
	CHECK_INT(ratelimit_count(), 1);
	ratelimit_expire(T0 + 120000);
	CHECK_INT(ratelimit_count(), 0);
	ratelimit_free();
}

/* A full table is expired on demand at most once a second. */
static void
test_full_expire_throttle(void)
{
	char ip[64];
	int i, ok = 0;

	ratelimit_init(60000, 0);		/* one token per ms */
	for (i = 0; i < MAX_IPS; i++) {
		snprintf(ip, sizeof(ip), "fd00::%x", i);
		ok += take_n(ip, RATELIMIT_REQUEST, 1, T0);
	}
	CHECK_INT(ok, MAX_IPS);
	CHECK_INT(ratelimit_take("new1", RATELIMIT_REQUEST, T0), 0);
	CHECK_INT(ratelimit_count(), MAX_IPS);	/* nothing full yet */
	CHECK_INT(ratelimit_take("new2", RATELIMIT_REQUEST, T0 + 500), 0);
	CHECK_INT(ratelimit_count(), MAX_IPS);	/* full now, but throttled */
	CHECK_INT(ratelimit_take("new3", RATELIMIT_REQUEST, T0 + 1000), 0);
	CHECK_INT(ratelimit_count(), 1);
	ratelimit_free();
}

/* A subject's key with its own rate (ratelimit_take_rate): its burst
 * and refill follow that rate; lowering it cuts the bucket at once; 0
 * is off; the node's rate for an IP is untouched. */
static void
test_key_rate(void)
{
	const char *k = "0123456789abcdef";
	int i, ok = 0;

	ratelimit_init(60, 10);
	CHECK_INT(ratelimit_rate(RATELIMIT_REQUEST), 60);
	CHECK_INT(ratelimit_rate(RATELIMIT_CREATE), 10);
	for (i = 0; i < 10; i++)
		ok += ratelimit_take_rate(k, RATELIMIT_REQUEST, 3, T0) == 0;
	CHECK_INT(ok, 3);
	/* 3 per minute: the next token is 20 s away. */
	CHECK_INT(ratelimit_take_rate(k, RATELIMIT_REQUEST, 3, T0), 20);
	CHECK_INT(ratelimit_take_rate(k, RATELIMIT_REQUEST, 3, T0 + 20000), 0);
	/* Time before a take refills at the old rate, after it at the new:
	 * 500 ms at 3/min is not a token, 500 more at 120/min are one. */
	CHECK_INT(ratelimit_take_rate(k, RATELIMIT_REQUEST, 120, T0 + 20500),
	    1);
	CHECK_INT(ratelimit_take_rate(k, RATELIMIT_REQUEST, 120, T0 + 21000),
	    0);
	CHECK_INT(ratelimit_take_rate(k, RATELIMIT_CREATE, 1, T0), 0);
	CHECK_INT(ratelimit_take_rate(k, RATELIMIT_CREATE, 1, T0), 60);
	CHECK_INT(ratelimit_take_rate(k, RATELIMIT_CREATE, 0, T0), 0);
	/* Lowering a full bucket's rate cuts it to the new burst. */
	CHECK_INT(take_n("192.0.2.9", RATELIMIT_REQUEST, 1, T0), 1);
	ok = 0;
	for (i = 0; i < 10; i++)
		ok += ratelimit_take_rate("192.0.2.9", RATELIMIT_REQUEST, 2,
		    T0) == 0;
	CHECK_INT(ok, 2);
	/* Another key, another bucket. */
	CHECK_INT(ratelimit_take_rate("fedcba9876543210", RATELIMIT_REQUEST, 3,
	    T0), 0);
	ratelimit_free();
}

UNIT_MAIN(test_burst, test_retry_after, test_refill, test_independent,
    test_off, test_expire, test_long_ip, test_many_ips,
    test_full_expire_throttle, test_key_rate)
