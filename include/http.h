/*
 * http.h: walkind's HTTP/1.1 server on libevent bufferevents.
 *
 * Why not evhttp: libevent 2.1.12's evhttp answers oversize bodies and
 * malformed heads itself with HTML pages that no callback can replace
 * (evhttp_set_errorcb and newreqcb arrive in 2.2), takes the first of
 * duplicate Content-Length headers, accepts "+18", and has only an idle
 * timeout. Our contract needs a JSON error for every bad input, a
 * whole-request deadline, strict framing and a connection cap, so this
 * small layer owns the wire and hands complete requests to one handler.
 *
 * Every request gets exactly one reply: the handler must call http_reply
 * exactly once, possibly later from another event callback. If the
 * client goes away first the request stays valid and the reply is
 * dropped (still logged, through the done callback).
 */
#ifndef WALKIND_HTTP_H
#define WALKIND_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http_server;
struct http_conn;
struct proxy_trust;

struct http_req {
	struct http_conn *conn;		/* NULL once the client is gone */
	struct http_server *srv;	/* outlives the request */
	char		 method[16];	/* as sent (validated token) */
	char		*target;	/* path + query, NUL-terminated */
	/* Header values (NULL when absent), pointing into the head copy. */
	const char	*content_type;
	const char	*session;	/* X-Walkin-Session */
	const char	*authorization;	/* Authorization */
	const char	*user_agent;
	const char	*host;		/* the first Host */
	const char	*origin;	/* Origin, Mcp-Session-Id and */
	const char	*mcp_session;	/* MCP-Protocol-Version: /mcp */
	const char	*mcp_version;	/* (each at most once, else 400) */
	char		*body;		/* body_len bytes + NUL, owned */
	size_t		 body_len;
	char		 peer_ip[64];
	int64_t		 start_ms;	/* monotonic, first byte seen */
	void		*udata;		/* handler's, untouched here */
	char		*head;		/* owned copy of the request head */
	char		*instance_id;	/* set by handler for the access log */
	int64_t		 sql_len;	/* set by handler for the access log */
	void		*ident;		/* handler's identity of the request
					 * (frontend.c); free()d with req */
	int		 large_body;	/* counted in BOUNDS_LARGE_BODIES */
};

struct http_header {
	const char	*name;
	const char	*value;
};

/* What http_parse_head learns beyond the request fields. */
struct http_head {
	int		http10;
	int		has_cl;
	uint64_t	content_length;
	int		chunked;
	int		conn_close;
	int		conn_keepalive;
	int		expect_continue;
	int		hosts;
};

/*
 * Parse the request head in r->head: len bytes, NUL-terminated at len,
 * as cut from the wire (through the blank line). Splits it in place and
 * fills r->method, r->target, the header pointers (into r->head) and
 * *hi, which the caller zeroes first. Returns 0, or the status of the
 * refusal (400, 431). No I/O: the connection calls it on every head,
 * and tests/fuzz calls it on raw bytes.
 */
int	http_parse_head(struct http_req *r, size_t len, struct http_head *hi);

/* Called for every complete, well-formed request. */
typedef void (*http_handler_cb)(struct http_req *req, void *arg);
/*
 * Called once per reply to log it: the layer's own errors included, a
 * reply to a client already gone included (with the status decided),
 * and the 503 to a connection past the cap (req has only peer_ip and
 * start_ms then; method is "").
 */
typedef void (*http_done_cb)(const struct http_req *req, int status,
	    void *arg);

/*
 * A route's own body cap, from the parsed head (method, target, headers),
 * when it is larger than max_body_bytes (database uploads); <= 0 or
 * smaller: max_body_bytes. Bodies over max_body_bytes are
 * BOUNDS_LARGE_BODIES at most at once (503 past it).
 */
typedef int64_t (*http_body_limit_cb)(const struct http_req *req,
	    void *arg);

struct http_opts {
	int64_t		 max_body_bytes;
	const char	*cors_origin;	/* borrowed, lives as the server;
					 * NULL: no CORS headers at all */
	http_handler_cb	 handler;
	http_done_cb	 done;
	void		*arg;
	http_body_limit_cb body_limit;	/* NULL: max_body_bytes for all */
	/* Peers whose connections open with a PROXY header naming the
	 * client (proxy.h); NULL: none. Borrowed, lives as the server. */
	const struct proxy_trust *trust;
};

/* Serve on the listening socket `fd` (non-blocking, already bound). */
struct http_server *http_server_new(struct event_base *base, int fd,
	    const struct http_opts *o);
void	http_server_free(struct http_server *s);
/*
 * Graceful shutdown: close the listening socket (a new connection is
 * refused, or waits in a socket the service manager holds), close idle
 * keep-alive connections, and close every other one after its reply.
 * http_server_conns then falls to 0 as requests in flight are answered.
 */
void	http_server_drain(struct http_server *s);
size_t	http_server_conns(const struct http_server *s);
/*
 * Cap the open client connections of every server at n (default
 * BOUNDS_HTTP_MAX_CONNS); past it a new connection is answered 503 and
 * closed. main.c lowers it when RLIMIT_NOFILE cannot hold the default.
 */
void	http_set_max_conns(size_t n);

/*
 * Send status + body (JSON unless status is 204) with the CORS headers
 * and `extra`, then free req. body is copied; may be NULL for 204.
 */
void	http_reply(struct http_req *req, int status,
	    const struct http_header *extra, size_t nextra,
	    const char *body, size_t len);
/* The same with another Content-Type than application/json. */
void	http_reply_ct(struct http_req *req, int status, const char *ctype,
	    const struct http_header *extra, size_t nextra,
	    const char *body, size_t len);
/* Shorthand: {"error": msg} with status. */
void	http_reply_error(struct http_req *req, int status, const char *msg,
	    const struct http_header *extra, size_t nextra);


#endif
