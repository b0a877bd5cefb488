/*
 * execjob.h: one IPC_EXEC job on the executor's connection (executor
 * side). Every front door's job arrives here in the same form (ipc.h
 * struct ipc_job), whatever wire format it came in.
 */
#ifndef WALKIND_EXECJOB_H
#define WALKIND_EXECJOB_H

#include <stddef.h>

#include "buf.h"

struct config;
struct sqlconn;

/*
 * Run the job in payload[0..len) (from the front end; checked here) and
 * write the reply body to out (reset first). Returns its HTTP status. A
 * malformed payload is a 400. The body never exceeds ipc_reply_max(cfg).
 */
int	execjob_run(struct sqlconn *c, const struct config *cfg,
	    const char *payload, size_t len, struct buf *out);

#endif
