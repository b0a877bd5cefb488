/*
 * hranaexec.h: run a Hrana program (hranawire.h) on a stream's
 * connection and write the pipeline's results (executor side).
 */
#ifndef WALKIND_HRANAEXEC_H
#define WALKIND_HRANAEXEC_H

#include <stddef.h>

#include "buf.h"

struct config;
struct sqlconn;

/*
 * Run prog[0..len) (from the front end; checked here) on the connection
 * of its stream (streams.c; main is slot 0, the executor's own) and
 * write to out (reset first) the JSON array of results, one a request
 * in order ({"type":"ok","response":{...}} or {"type":"error","error":
 * {"message":M,"code":C}}), returning 200. An error of a statement is
 * its request's result, not a failure of the job. Non-200: out holds
 * {"error":M}: 400 "stream expired", 500 "internal error".
 * One deadline (--query-timeout) covers the program. Everything written
 * counts against --max-result-bytes; a request whose answer would pass
 * it (or --max-rows) answers an error instead. out stays within
 * ipc_reply_max (hranawire.h HRANA_MAX_STMTS).
 */
int	hranaexec_run(struct sqlconn *main, const struct config *cfg,
	    const char *prog, size_t len, struct buf *out);

#endif
