/*
 * timer.c: arming libevent timers in milliseconds (front end; see
 * timer.h). Every deadline and period in walkind is kept in ms
 * (bounds.h, config.h); this is the one place that turns one into a
 * struct timeval.
 */
#include <sys/time.h>

#include <event2/event.h>

#include "log.h"
#include "timer.h"

void
timer_arm_ms(struct event *ev, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)((ms % 1000) * 1000) };

	/* Only out of memory for the timer heap; a deadline that is not
	 * armed is not kept, so that is not a request's error. */
	if (evtimer_add(ev, &tv) == -1)
		fatalx("evtimer_add");
}
