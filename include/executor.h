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
 *
 * warm (--warm): `dir` is a spare directory. After the jail, wait for
 * the spawner's IPC_CLAIM frame on `sock` naming the walk-in directory
 * the spare one was renamed to (the jail's rule follows the directory),
 * and open that walk-in's database; EOF first: exit. A warm executor is
 * forked before its walk-in is known: it gets the default spec (the
 * spawner claims one only for a create with the default spec).
 */
void	executor_main(const struct config *cfg, const char *dir, int sock,
	    pid_t spawner, const struct walkin_spec *spec, int warm)
	    __attribute__((noreturn));

#endif
