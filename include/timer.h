/*
 * timer.h: the one timer-arming helper of the front end's event loop
 * (pool deadlines and idle timers, HTTP connection deadlines, the
 * sweeper's tick, the accept pause). Event-loop thread only.
 */
#ifndef WALKIND_TIMER_H
#define WALKIND_TIMER_H

#include <stdint.h>

struct event;

/* (Re)arm ev, a timer event of the caller's, to fire ms milliseconds
 * from now (every ms for an EV_PERSIST event). ms >= 0. */
void	timer_arm_ms(struct event *ev, int64_t ms);

#endif
