/*
 * executor.h: the process that owns one walk-in's SQLite connection.
 */
#ifndef WALKIND_EXECUTOR_H
#define WALKIND_EXECUTOR_H

struct config;

/*
 * Run in a freshly forked child of the spawner: `sock` is the executor's
 * end of its socketpair with the front end, `dir` the instance directory.
 * Opens dir/db.sqlite hardened, enters the jail, then answers IPC_EXEC
 * frames one at a time until the socket closes. Never returns.
 */
void	executor_main(const struct config *cfg, const char *dir, int sock)
	    __attribute__((noreturn));

#endif
