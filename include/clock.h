/*
 * clock.h: the one clock helper of every process. Monotonic time for
 * deadlines and durations, wall time for expiry and logs.
 */
#ifndef WALKIND_CLOCK_H
#define WALKIND_CLOCK_H

#include <stdint.h>

int64_t	clock_mono_ms(void);	/* CLOCK_MONOTONIC, milliseconds */
int64_t	clock_mono_us(void);	/* CLOCK_MONOTONIC, microseconds */
int64_t	clock_wall_s(void);	/* unix seconds */
int64_t	clock_wall_ms(void);	/* unix milliseconds */

#endif
