/*
 * ratelimit.h: per-client-IP request and create budgets (front end only,
 * event-loop thread only, so no lock).
 *
 * Each IP has two token buckets refilling continuously at N per minute
 * with a burst of N. A limit of 0 turns that bucket off. A key may also
 * be a JWT subject's (16 hex digits, never an IP's text: issue 17), with
 * a rate of its own.
 */
#ifndef WALKIND_RATELIMIT_H
#define WALKIND_RATELIMIT_H

#include <stdint.h>

enum ratelimit_kind { RATELIMIT_REQUEST, RATELIMIT_CREATE };

void	ratelimit_init(int64_t requests_per_min, int64_t creates_per_min);
void	ratelimit_free(void);
/*
 * Take one token of `kind` for `ip` (text form) at now_ms (monotonic).
 * Returns 0 if allowed, else the number of whole seconds (>= 1) after
 * which a retry will succeed (for Retry-After).
 */
int	ratelimit_take(const char *ip, enum ratelimit_kind kind, int64_t now_ms);
/*
 * The same for any key with the rate given (tokens per minute, 0: off):
 * each key's bucket refills at the rate of its latest take, and shrinks
 * to a lower rate's burst at once.
 */
int	ratelimit_take_rate(const char *key, enum ratelimit_kind kind,
	    int64_t rate, int64_t now_ms);
/* The node's rate of a kind (ratelimit_init's, clamped). */
int64_t	ratelimit_rate(enum ratelimit_kind kind);
/* Forget IPs whose buckets are full again (bounded memory). */
void	ratelimit_expire(int64_t now_ms);
/* Number of IPs tracked (for tests and /healthz). */
size_t	ratelimit_count(void);

#endif
