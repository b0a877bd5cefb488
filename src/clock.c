/*
 * clock.c: monotonic and wall clocks (shared by every process).
 * clock_gettime cannot fail for these clocks with a valid pointer; if it
 * did, no deadline could be kept, so that is an abort, not an error.
 */
#include <stdlib.h>
#include <time.h>

#include "clock.h"

static struct timespec
clock_read(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) == -1)
		abort();
	return ts;
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts = clock_read(CLOCK_MONOTONIC);

	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_us(void)
{
	struct timespec ts = clock_read(CLOCK_MONOTONIC);

	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
clock_wall_s(void)
{
	return (int64_t)clock_read(CLOCK_REALTIME).tv_sec;
}

int64_t
clock_wall_ms(void)
{
	struct timespec ts = clock_read(CLOCK_REALTIME);

	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
