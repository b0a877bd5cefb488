/*
 * hrana.h: libSQL's remote protocol, Hrana over HTTP with JSON, as a
 * front door (front end process, event-loop thread only).
 */
#ifndef WALKIND_HRANA_H
#define WALKIND_HRANA_H

#include <stdint.h>

struct http_req;

/* Body cap of POST /v2/pipeline and /v3/pipeline: a batch carries many
 * statements (an ORM's migration), where /sql carries one. */
#define HRANA_BODY_MAX		(1024 * 1024)
/* An open stream unused this long is dropped, its transaction rolled
 * back with the walk-in's next Hrana job (and no later than its
 * executor's exit, --idle-timeout after the last request). */
#define HRANA_IDLE_MS		60000

void	hrana_pipeline_post(struct http_req *req);	/* POST /v2|3/pipeline */
void	hrana_version_get(struct http_req *req);	/* GET /v2, /v3 */
/* Drop streams idle past HRANA_IDLE_MS or of expired walk-ins (the
 * sweeper's tick); now_ms monotonic, wall_s unix seconds. */
void	hrana_sweep(int64_t now_ms, int64_t wall_s);

#endif
