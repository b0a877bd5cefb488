/*
 * frontend.h: the HTTP front end: routes, request checks, tokens, rate
 * limits, the access log, and the periodic sweeper. Runs the event loop
 * of the main process after the spawner has been forked.
 */
#ifndef WALKIND_FRONTEND_H
#define WALKIND_FRONTEND_H

struct config;

/*
 * Before lockdown: the event base, the pool on the spawner's control
 * socket `spawner_fd`, the registry restored from DATA/instances (the
 * front end's only read there), the HTTP server on the bound, listening
 * `listen_fd`, the sweeper and signal events. Fatal on failure.
 */
void	frontend_init(const struct config *cfg, int listen_fd, int spawner_fd,
	    int spawner_pid);
/* After lockdown: serve until SIGTERM or SIGINT. Returns the exit code. */
int	frontend_run(void);

#endif
