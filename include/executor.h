/*
 * executor.h: the process that owns one walk-in's SQLite connection.
 */
#ifndef WALKIND_EXECUTOR_H
#define WALKIND_EXECUTOR_H

#include <sys/types.h>

struct config;
struct walkin_spec;

/*
 * Run in a freshly forked child of the spawner: `sock` is the executor's
 * end of its socketpair with the front end, `dir` the instance directory,
 * `spawner` the spawner's pid taken before the fork (the child exits at
 * once if its parent is no longer that process). Enters the jail, then
 * opens dir/db.sqlite hardened inside it (so a hot-journal rollback and
 * the schema parse run jailed), then answers IPC_EXEC frames one at a
 * time until the socket closes. `spec` is the walk-in's (its meta):
 * max_db_bytes (0: the node's) and grant (valid, dataset_grant.h) are
 * applied; the rest is the front end's. Never returns.
 */
void	executor_main(const struct config *cfg, const char *dir, int sock,
	    pid_t spawner, const struct walkin_spec *spec)
	    __attribute__((noreturn));

#endif
