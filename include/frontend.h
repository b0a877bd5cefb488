/*
 * frontend.h: the HTTP front end: routes, request checks, tokens, rate
 * limits, the access log, and the periodic sweeper. Runs the event loop
 * of the main process after the spawner has been forked.
 */
#ifndef WALKIND_FRONTEND_H
#define WALKIND_FRONTEND_H

struct config;

/*
 * Serve on the bound, listening socket `listen_fd` until SIGTERM or
 * SIGINT. `spawner_fd` is the spawner's control socket. Returns the exit
 * code.
 */
int	frontend_run(const struct config *cfg, int listen_fd, int spawner_fd,
	    int spawner_pid);

#endif
