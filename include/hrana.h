/*
 * hrana.h: libSQL's remote protocol, Hrana over HTTP with JSON, as a
 * front door (front end process, event-loop thread only).
 */
#ifndef WALKIND_HRANA_H
#define WALKIND_HRANA_H

#include <stdint.h>

struct http_req;

#include "bounds.h"

#define HRANA_BODY_MAX		BOUNDS_HRANA_BODY	/* bounds.h */
#define HRANA_IDLE_MS		BOUNDS_HRANA_IDLE_MS

void	hrana_pipeline_post(struct http_req *req);	/* POST /v2|3/pipeline */
void	hrana_version_get(struct http_req *req);	/* GET /v2, /v3 */
/* Drop streams idle past HRANA_IDLE_MS or of expired walk-ins (the
 * sweeper's tick); now_ms monotonic, wall_s unix seconds. */
void	hrana_sweep(int64_t now_ms, int64_t wall_s);

#endif
