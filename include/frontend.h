/*
 * frontend.h: the HTTP front end: routes, request checks, tokens, rate
 * limits, the access log, and the periodic sweeper. Runs the event loop
 * of the main process after the spawner has been forked.
 */
#ifndef WALKIND_FRONTEND_H
#define WALKIND_FRONTEND_H

#include <stddef.h>

struct config;
struct cJSON;

/*
 * Before lockdown: the event base, the pool on the spawner's control
 * socket `spawner_fd`, the registry restored from DATA/instances (the
 * front end's only read there), the HTTP server on the bound, listening
 * `listen_fd`, GET /metrics on `metrics_fd` (-1: none, metrics.h), the
 * sweeper and signal events. Fatal on failure.
 */
void	frontend_init(const struct config *cfg, int listen_fd, int metrics_fd,
	    int spawner_fd, int spawner_pid);
/* After lockdown: serve until SIGTERM or SIGINT. Returns the exit code. */
int	frontend_run(void);

/*
 * What POST /sql does with its body (body[0..len), NUL-terminated at
 * len): parse it as JSON and take the "sql" string. Returns 0 with *sqlp
 * the SQL text (NUL-terminated, borrowed from *rootp), or -1 with *msg
 * the 400 message ("invalid json", "sql contains NUL byte", "missing
 * sql"). Either way the caller frees *rootp with cJSON_Delete (it may be
 * NULL). No I/O: also called by tests/fuzz.
 */
int	frontend_sql_body(const char *body, size_t len, struct cJSON **rootp,
	    const char **sqlp, const char **msg);

#endif
