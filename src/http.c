/*
 * http.c: the HTTP/1.1 wire layer (see http.h for why it is not evhttp).
 *
 * One struct http_conn per client socket, driven by its bufferevent:
 *   PROXY -> from a --trusted-proxy peer only: waiting for the PROXY
 *            header (proxy.h) that must open the connection; its source
 *            address replaces the peer's for every request on it
 *   HEAD  -> waiting for "\r\n\r\n" (bounded by BOUNDS_HTTP_MAX_HEAD)
 *   BODY  -> waiting for Content-Length bytes (bounded by max_body_bytes)
 *   BUSY  -> the handler owns the request; reading is paused, so
 *            pipelined requests wait in the input buffer (backpressure)
 *   WRITE -> the reply drains; then back to HEAD, or
 *   LINGER-> after a closing error reply: our side is shut down and input
 *            is discarded briefly, so the client reads the reply instead
 *            of a reset caused by unread body bytes.
 * One timer per connection: the keep-alive idle timeout while nothing has
 * arrived, then the whole-request deadline from the first byte (this is
 * what stops slowloris clients; evhttp only has an idle timeout).
 *
 * Parsing is strict on purpose: duplicate or signed Content-Length, two
 * Content-Type headers, whitespace before a colon, obs-fold, bare CR/LF,
 * NUL bytes, a missing Host on HTTP/1.1 are 400; Transfer-Encoding is
 * refused with 411. The absolute form of the target, which proxies send,
 * is accepted as RFC 9112 requires: its path is what the handler sees.
 *
 * Descriptors: the connection cap (http_set_max_conns, sized by main.c
 * to RLIMIT_NOFILE) should keep accept(2) from running out of them; if
 * it does anyway (EMFILE, ENFILE: another process's share, a lowered
 * limit), the listener is switched off for BOUNDS_HTTP_ACCEPT_PAUSE_MS at
 * a time, and one line is logged per episode (failures less than
 * HTTP_STARVED_QUIET_MS apart). Left on, a level-triggered listener
 * whose pending connection cannot be taken spins the loop at full CPU
 * and logs every failed call (issue 15: 1.27 million lines in 3 s).
 * Event-loop thread only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "clock.h"
#include "bounds.h"
#include "buf.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "proxy.h"
#include "timer.h"

#define HTTP_LINGER_MS		BOUNDS_HTTP_LINGER_MS	/* bounds.h */
#define HTTP_STARVED_QUIET_MS	BOUNDS_HTTP_STARVED_QUIET_MS

enum conn_state { C_PROXY, C_HEAD, C_BODY, C_BUSY, C_WRITE, C_LINGER };

/* The connection cap: BOUNDS_HTTP_MAX_CONNS unless main.c lowered it. */
static size_t	http_max_conns = BOUNDS_HTTP_MAX_CONNS;

struct http_server {
	struct event_base	*base;
	struct evconnlistener	*lev;
	struct event		*resume;	/* re-enables lev after EMFILE */
	int64_t			 starved_ms;	/* last EMFILE; 0 if none yet */
	struct http_opts	 o;
	size_t			 nconns;
	int			 draining;	/* http_server_drain called */
	LIST_HEAD(, http_conn)	 conns;		/* every open one, for _free */
	struct evbuffer		*scratch;	/* a reply before it is sent */
};

struct http_conn {
	struct http_server	*srv;
	struct bufferevent	*bev;
	struct event		*timer;
	struct event		*sent;		/* reply written at once */
	enum conn_state		 state;
	struct http_req		*req;		/* during BODY and BUSY */
	size_t			 body_need;
	int			 close_after;
	int			 keepalive_10;	/* HTTP/1.0 keep-alive reply */
	int64_t			 req_start;	/* 0 while idle */
	int			 served;	/* a reply has gone out */
	char			 peer_ip[64];
	LIST_ENTRY(http_conn)	 entry;		/* in srv->conns */
};

/* Requests whose body is over o.max_body_bytes, from head to reply
 * (BOUNDS_LARGE_BODIES); node-wide, event-loop thread only. */
static int	http_large_bodies;

static void	conn_process(struct http_conn *c);
static void	conn_free(struct http_conn *c);


static const char *
http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return "Unknown";
	}
}

static struct http_req *
req_new(struct http_conn *c)
{
	struct http_req *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("calloc");
	r->conn = c;
	r->srv = c->srv;
	memcpy(r->peer_ip, c->peer_ip, sizeof(r->peer_ip));
	r->start_ms = c->req_start ? c->req_start : clock_mono_ms();
	return r;
}

static void
req_free(struct http_req *r)
{
	if (r->large_body)
		http_large_bodies--;
	free(r->head);
	free(r->body);
	free(r->instance_id);
	free(r->ident);
	free(r);
}

/* ---- replies ---- */

static void
reply_head(struct evbuffer *out, const struct http_server *s, int status,
    const char *ctype, size_t len, const struct http_header *extra,
    size_t nextra, int close, int keepalive_10)
{
	size_t i;

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", status,
	    http_reason(status));
	if (status != 204)
		evbuffer_add_printf(out, "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n", ctype, len);
	evbuffer_add_printf(out, "Cache-Control: no-store\r\n");
	if (s->o.cors_origin != NULL)
		evbuffer_add_printf(out, "Access-Control-Allow-Origin: %s\r\n"
		    "Access-Control-Expose-Headers: X-Walkin-Session, "
		    "X-Walkin-TTL, Mcp-Session-Id, Retry-After\r\n",
		    s->o.cors_origin);
	if (s->o.cors_origin != NULL && strcmp(s->o.cors_origin, "*") != 0)
		evbuffer_add_printf(out, "Vary: Origin\r\n");
	for (i = 0; i < nextra; i++)
		evbuffer_add_printf(out, "%s: %s\r\n", extra[i].name,
		    extra[i].value);
	if (close)
		evbuffer_add_printf(out, "Connection: close\r\n");
	else if (keepalive_10)
		evbuffer_add_printf(out, "Connection: keep-alive\r\n");
	evbuffer_add(out, "\r\n", 2);
}

/*
 * Send the reply in tmp. With nothing queued ahead of it (the usual case)
 * it is written to the socket at once, and what follows a sent reply
 * (conn_write_cb) runs from the connection's `sent` event, activated
 * for this loop iteration: a bufferevent write would cost an extra loop
 * round and two epoll_ctl.
 * What the socket does not take goes through the bufferevent, in order.
 */
static void
reply_send(struct http_conn *c, struct evbuffer *out, struct evbuffer *tmp)
{
	if (evbuffer_get_length(out) == 0) {
		(void)evbuffer_write(tmp, bufferevent_getfd(c->bev));
		if (evbuffer_get_length(tmp) == 0) {
			event_active(c->sent, EV_WRITE, 0);
			return;
		}
	}
	evbuffer_add_buffer(out, tmp);		/* moves, empties tmp */
	bufferevent_enable(c->bev, EV_WRITE);
}

void
http_reply(struct http_req *req, int status, const struct http_header *extra,
    size_t nextra, const char *body, size_t len)
{
	http_reply_ct(req, status, "application/json", extra, nextra, body,
	    len);
}

void
http_reply_ct(struct http_req *req, int status, const char *ctype,
    const struct http_header *extra, size_t nextra, const char *body,
    size_t len)
{
	struct http_conn *c = req->conn;
	struct http_server *s = req->srv;

	if (c != NULL) {
		struct evbuffer *out = bufferevent_get_output(c->bev);

		struct evbuffer *tmp = c->srv->scratch;

		if (status == 204)
			len = 0;
		reply_head(tmp, c->srv, status, ctype, len, extra, nextra,
		    c->close_after, c->keepalive_10);
		/* A reply to HEAD has no content (RFC 9110 9.3.2): sent anyway,
		 * it would be read as the start of the next reply. */
		if (len > 0 && strcmp(req->method, "HEAD") != 0)
			evbuffer_add(tmp, body, len);
		c->req = NULL;
		c->state = C_WRITE;
		reply_send(c, out, tmp);
	}
	/* Logged whether or not the client is still there to read it. */
	if (s->o.done)
		s->o.done(req, status, s->o.arg);
	req_free(req);
}

void
http_reply_error(struct http_req *req, int status, const char *msg,
    const struct http_header *extra, size_t nextra)
{
	struct buf b;

	buf_init(&b);
	json_error(&b, msg);
	http_reply(req, status, extra, nextra, b.data, b.len);
	buf_free(&b);
}

/* A reply decided by this layer; the connection closes after it. */
static void
conn_fail(struct http_conn *c, int status, const char *msg)
{
	struct http_req *r = c->req ? c->req : req_new(c);

	c->req = NULL;
	c->close_after = 1;
	evtimer_del(c->timer);
	bufferevent_disable(c->bev, EV_READ);
	http_reply_error(r, status, msg, NULL, 0);
}

/* ---- parsing ---- */

static int
is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int
parse_uint(const char *s, uint64_t *v)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 18)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

static int
has_token(const char *v, const char *tok)
{
	size_t n = strlen(tok);

	while (*v) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (strncasecmp(v, tok, n) == 0 &&
		    (v[n] == '\0' || v[n] == ',' || v[n] == ' ' || v[n] == '\t'))
			return 1;
		while (*v && *v != ',')
			v++;
	}
	return 0;
}

/*
 * The absolute form "http://host/path?query" (RFC 9112 3.2.2: a server
 * MUST accept it; proxies send it) is cut down to its path and query,
 * "/" when the path is empty, in place. The authority stands in for Host
 * (which this layer only counts), so it is only checked: not empty
 * (RFC 9110 4.2.1), no userinfo (4.2.4: a recipient should treat it as
 * an error), no fragment. Any other target is left as sent.
 */
static int
parse_absolute_form(struct http_req *r)
{
	char *auth, *end;
	size_t n;

	if (strncasecmp(r->target, "http://", 7) == 0)
		auth = r->target + 7;
	else if (strncasecmp(r->target, "https://", 8) == 0)
		auth = r->target + 8;
	else
		return 0;
	n = strcspn(auth, "/?#");
	if (n == 0 || memchr(auth, '@', n) != NULL || strchr(auth, '#'))
		return 400;
	end = auth + n;
	if (*end != '/')
		*--end = '/';		/* "http://h?q": the last byte of h */
	r->target = end;
	return 0;
}

/* Parse "METHOD SP target SP HTTP/1.x"; line is NUL-terminated. */
static int
parse_request_line(struct http_req *r, char *line, struct http_head *hi)
{
	char *sp1, *sp2, *p;

	if ((sp1 = strchr(line, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL)
		return 400;
	*sp1 = *sp2 = '\0';
	if (sp1 == line || (size_t)(sp1 - line) >= sizeof(r->method))
		return 400;
	for (p = line; *p; p++)
		if (!is_tchar((unsigned char)*p))
			return 400;
	strcpy(r->method, line);
	r->target = sp1 + 1;
	if (*r->target == '\0')
		return 400;
	for (p = r->target; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 400;
	if (*r->target != '/' && parse_absolute_form(r) != 0)
		return 400;
	if (strcmp(sp2 + 1, "HTTP/1.1") == 0)
		hi->http10 = 0;
	else if (strcmp(sp2 + 1, "HTTP/1.0") == 0)
		hi->http10 = 1;
	else
		return 400;
	return 0;
}

/* The headers /mcp reads (mcp.c); each at most once, as two could be
 * read differently by an intermediary and by us. */
static int
parse_mcp_header(struct http_req *r, const char *name, const char *v)
{
	const char **slot = &r->mcp_version;

	if (strcasecmp(name, "Origin") == 0)
		slot = &r->origin;
	else if (strcasecmp(name, "Mcp-Session-Id") == 0)
		slot = &r->mcp_session;
	if (*slot != NULL)
		return 400;
	*slot = v;
	return 0;
}

static int
parse_header(struct http_req *r, char *line, struct http_head *hi)
{
	char *colon, *v, *end, *p;

	if (*line == ' ' || *line == '\t')
		return 400;			/* obs-fold */
	if ((colon = strchr(line, ':')) == NULL || colon == line)
		return 400;
	*colon = '\0';
	for (p = line; *p; p++)
		if (!is_tchar((unsigned char)*p))
			return 400;		/* includes "Name :" */
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (strcasecmp(line, "Content-Length") == 0) {
		if (hi->has_cl || parse_uint(v, &hi->content_length) == -1)
			return 400;
		hi->has_cl = 1;
	} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
		hi->chunked = 1;
	} else if (strcasecmp(line, "Content-Type") == 0) {
		/* Two are ambiguous as two Content-Lengths are: an
		 * intermediary may act on the other one. */
		if (r->content_type != NULL)
			return 400;
		r->content_type = v;
	} else if (strcasecmp(line, "X-Walkin-Session") == 0) {
		if (r->session != NULL)
			return 400;
		r->session = v;
	} else if (strcasecmp(line, "Authorization") == 0) {
		if (r->authorization != NULL)
			return 400;
		r->authorization = v;
	} else if (strcasecmp(line, "Origin") == 0 ||
	    strcasecmp(line, "Mcp-Session-Id") == 0 ||
	    strcasecmp(line, "MCP-Protocol-Version") == 0) {
		return parse_mcp_header(r, line, v);
	} else if (strcasecmp(line, "User-Agent") == 0) {
		if (r->user_agent == NULL)
			r->user_agent = v;
	} else if (strcasecmp(line, "Connection") == 0) {
		hi->conn_close |= has_token(v, "close");
		hi->conn_keepalive |= has_token(v, "keep-alive");
	} else if (strcasecmp(line, "Expect") == 0) {
		hi->expect_continue = has_token(v, "100-continue");
	} else if (strcasecmp(line, "Host") == 0) {
		if (hi->hosts++ == 0)
			r->host = v;
	}
	return 0;
}

/* Split r->head (len bytes, NUL-terminated) into lines and parse them. */
int
http_parse_head(struct http_req *r, size_t len, struct http_head *hi)
{
	char *line = r->head, *eol;
	int nheaders = 0, rc;

	if (memchr(r->head, '\0', len) != NULL)
		return 400;
	for (;;) {
		eol = strstr(line, "\r\n");
		if (eol == NULL)
			return 400;
		*eol = '\0';
		if (strchr(line, '\r') || strchr(line, '\n'))
			return 400;		/* bare CR or LF */
		if (*line == '\0')
			break;			/* end of head */
		if (line == r->head)
			rc = parse_request_line(r, line, hi);
		else if (++nheaders > BOUNDS_HTTP_MAX_HEADERS)
			rc = 431;
		else
			rc = parse_header(r, line, hi);
		if (rc)
			return rc;
		line = eol + 2;
	}
	if (!hi->http10 && hi->hosts != 1)
		return 400;
	return 0;
}

static const char *
status_msg(int status)
{
	switch (status) {
	case 411: return "content-length required";
	case 413: return "request body too large";
	case 431: return "request headers too large";
	case 503: return "server busy";
	default: return "bad request";
	}
}

/* ---- connection state machine ---- */

static void
conn_dispatch(struct http_conn *c)
{
	struct http_req *r = c->req;

	c->state = C_BUSY;
	evtimer_del(c->timer);
	bufferevent_disable(c->bev, EV_READ);
	c->srv->o.handler(r, c->srv->o.arg);
}

/* The body cap for r: the route's (o.body_limit), or the default. */
static int64_t
conn_body_limit(struct http_conn *c, const struct http_req *r)
{
	int64_t lim = c->srv->o.max_body_bytes, route;

	if (c->srv->o.body_limit != NULL &&
	    (route = c->srv->o.body_limit(r, c->srv->o.arg)) > lim)
		lim = route;
	return lim;
}

/* A complete head is in the input buffer at [0, hlen). */
static void
conn_head(struct http_conn *c, size_t hlen)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct http_head hi;
	struct http_req *r;
	int rc;

	memset(&hi, 0, sizeof(hi));
	r = c->req = req_new(c);
	if ((r->head = malloc(hlen + 1)) == NULL)
		fatal("malloc");
	evbuffer_remove(in, r->head, hlen);
	r->head[hlen] = '\0';
	if ((rc = http_parse_head(r, hlen, &hi)) != 0) {
		conn_fail(c, rc, status_msg(rc));
		return;
	}
	c->close_after = hi.conn_close || (hi.http10 && !hi.conn_keepalive) ||
	    c->srv->draining;
	c->keepalive_10 = hi.http10 && hi.conn_keepalive && !hi.conn_close;
	if (hi.chunked || (!hi.has_cl && strcmp(r->method, "POST") == 0)) {
		conn_fail(c, 411, status_msg(411));
		return;
	}
	if (hi.content_length > (uint64_t)conn_body_limit(c, r)) {
		conn_fail(c, 413, status_msg(413));
		return;
	}
	if (hi.content_length > (uint64_t)c->srv->o.max_body_bytes) {
		if (http_large_bodies >= BOUNDS_LARGE_BODIES) {
			conn_fail(c, 503, status_msg(503));
			return;
		}
		http_large_bodies++;
		r->large_body = 1;
	}
	c->body_need = (size_t)hi.content_length;
	c->state = C_BODY;
	if (hi.expect_continue && c->body_need > 0 && !hi.http10 &&
	    evbuffer_get_length(in) < c->body_need)
		bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
}

static void
conn_body(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct http_req *r = c->req;

	if (evbuffer_get_length(in) < c->body_need)
		return;
	if ((r->body = malloc(c->body_need + 1)) == NULL)
		fatal("malloc");
	evbuffer_remove(in, r->body, c->body_need);
	r->body[c->body_need] = '\0';
	r->body_len = c->body_need;
	conn_dispatch(c);
}

/*
 * Nonzero if [0, n) of in holds an LF not preceded by CR. Such a head is
 * refused as soon as the LF arrives: one ended by "\n\n" or "\n\r\n"
 * would otherwise wait out the request deadline for a CRLF blank line
 * the client will never send.
 */
static int
has_bare_lf(struct evbuffer *in, size_t n)
{
	const unsigned char *p, *lf;
	size_t off = 0;

	if (n == 0 || (p = evbuffer_pullup(in, (ev_ssize_t)n)) == NULL)
		return 0;
	while ((lf = memchr(p + off, '\n', n - off)) != NULL) {
		if (lf == p || lf[-1] != '\r')
			return 1;
		off = (size_t)(lf - p) + 1;
	}
	return 0;
}

/*
 * The PROXY header of a trusted peer's connection: 0 and on to HEAD once
 * it is read (the idle timer again: the header is not a request), 0
 * while more is needed, -1 after failing the connection (400).
 */
static int
conn_proxy(struct http_conn *c, struct evbuffer *in, size_t avail)
{
	size_t n = avail < PROXY_HDR_MAX ? avail : PROXY_HDR_MAX;
	unsigned char *p = evbuffer_pullup(in, (ev_ssize_t)n);
	char src[PROXY_ADDR_MAX];
	int rc = proxy_header_parse(p, n, src);

	if (rc == -1) {
		conn_fail(c, 400, "bad PROXY protocol header");
		return -1;
	}
	if (rc == 0)
		return 0;
	evbuffer_drain(in, (size_t)rc);
	if (src[0] != '\0')		/* else a health check: the peer */
		snprintf(c->peer_ip, sizeof(c->peer_ip), "%s", src);
	c->state = C_HEAD;
	c->req_start = 0;
	timer_arm_ms(c->timer, BOUNDS_HTTP_IDLE_MS);
	return 0;
}

static void
conn_process(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr pos;
	size_t avail, n;

	while (c->state == C_PROXY || c->state == C_HEAD ||
	    c->state == C_BODY) {
		if (c->state == C_BODY) {
			conn_body(c);
			if (c->state == C_BODY)
				return;
			continue;
		}
		avail = evbuffer_get_length(in);
		if (avail == 0)
			return;
		if (c->req_start == 0) {
			c->req_start = clock_mono_ms();
			timer_arm_ms(c->timer, BOUNDS_HTTP_REQUEST_MS);
		}
		if (c->state == C_PROXY) {
			if (conn_proxy(c, in, avail) == -1 ||
			    c->state == C_PROXY)
				return;
			continue;
		}
		pos = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		n = pos.pos >= 0 ? (size_t)pos.pos : avail;
		if (has_bare_lf(in, n < BOUNDS_HTTP_MAX_HEAD ? n :
		    BOUNDS_HTTP_MAX_HEAD)) {
			conn_fail(c, 400, status_msg(400));
			return;
		}
		if (pos.pos < 0) {
			if (avail > BOUNDS_HTTP_MAX_HEAD)
				conn_fail(c, 431, status_msg(431));
			return;
		}
		if ((size_t)pos.pos + 4 > BOUNDS_HTTP_MAX_HEAD) {
			conn_fail(c, 431, status_msg(431));
			return;
		}
		conn_head(c, (size_t)pos.pos + 4);
	}
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;

	if (c->state == C_LINGER) {
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
		return;
	}
	conn_process(c);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;

	(void)bev;
	if (c->state != C_WRITE)
		return;
	if (c->close_after) {
		/* Lingering close: see the file comment. */
		shutdown(bufferevent_getfd(c->bev), SHUT_WR);
		c->state = C_LINGER;
		bufferevent_enable(c->bev, EV_READ);
		timer_arm_ms(c->timer, HTTP_LINGER_MS);
		return;
	}
	c->state = C_HEAD;
	c->req_start = 0;
	c->served = 1;
	timer_arm_ms(c->timer, BOUNDS_HTTP_IDLE_MS);
	bufferevent_enable(c->bev, EV_READ);
	conn_process(c);
}

/* A reply went out in one write (reply_send): as if the bufferevent had. */
static void
conn_sent_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)fd;
	(void)what;
	conn_write_cb(c->bev, c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)bev;
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)))
		return;			/* TIMEOUT: a write stall, see accept_cb */
	if (c->state == C_BUSY && c->req != NULL) {
		c->req->conn = NULL;	/* the handler still owns it */
		c->req = NULL;
	}
	conn_free(c);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == C_LINGER || ((c->state == C_HEAD ||
	    c->state == C_PROXY) && c->req_start == 0)) {
		conn_free(c);		/* idle keep-alive or linger done */
		return;
	}
	if (c->state == C_PROXY || c->state == C_HEAD || c->state == C_BODY)
		conn_fail(c, 408, "request timeout");
}

static void
conn_free(struct http_conn *c)
{
	if (c->req != NULL) {
		if (c->state == C_BUSY)
			c->req->conn = NULL;
		else
			req_free(c->req);
	}
	event_free(c->timer);
	event_free(c->sent);
	bufferevent_free(c->bev);
	c->srv->nconns--;
	LIST_REMOVE(c, entry);
	free(c);
}

/* ---- accepting ---- */

static void
peer_to_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "unknown");
}

/*
 * Past the connection cap: one 503 with the headers of every reply, then
 * close. What the client has sent already is drained first, so the close
 * is a FIN rather than a reset that can discard the reply in flight.
 * The access log gets its line, with no method: none was read.
 */
static void
accept_busy(const struct http_server *s, evutil_socket_t fd,
    const struct sockaddr *sa)
{
	static const char body[] = "{\"error\":\"server busy\"}";
	const struct http_header retry = { "Retry-After", "1" };
	struct evbuffer *out;
	struct http_req r;
	char sink[4096];
	int i;

	if ((out = evbuffer_new()) != NULL) {
		reply_head(out, s, 503, "application/json", sizeof(body) - 1,
		    &retry, 1, 1, 0);
		evbuffer_add(out, body, sizeof(body) - 1);
		(void)evbuffer_write(out, fd);
		evbuffer_free(out);
	}
	shutdown(fd, SHUT_WR);
	for (i = 0; i < 4 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;
	close(fd);
	if (s->o.done) {
		memset(&r, 0, sizeof(r));
		peer_to_text(sa, r.peer_ip, sizeof(r.peer_ip));
		r.start_ms = clock_mono_ms();
		s->o.done(&r, 503, s->o.arg);
	}
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	const struct timeval stall = { BOUNDS_HTTP_WRITE_STALL_MS / 1000,
	    (BOUNDS_HTTP_WRITE_STALL_MS % 1000) * 1000 };
	struct http_server *s = arg;
	struct http_conn *c;
	int one = 1;

	(void)lev;
	(void)salen;
	if (s->nconns >= http_max_conns) {
		accept_busy(s, fd, sa);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("calloc");
	c->srv = s;
	peer_to_text(sa, c->peer_ip, sizeof(c->peer_ip));
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(s->base, conn_timer_cb, c);
	c->sent = event_new(s->base, -1, 0, conn_sent_cb, c);
	if (c->bev == NULL || c->timer == NULL || c->sent == NULL)
		fatalx("http: out of memory for a connection");
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	/* A write timeout runs only while reply bytes wait and restarts on
	 * progress: a slow reader is fine, one that stops is closed. */
	bufferevent_set_timeouts(c->bev, NULL, &stall);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->state = s->o.trust != NULL && proxy_trusted(s->o.trust, sa) ?
	    C_PROXY : C_HEAD;
	s->nconns++;
	LIST_INSERT_HEAD(&s->conns, c, entry);
	timer_arm_ms(c->timer, BOUNDS_HTTP_IDLE_MS);
}

/*
 * accept(2) failed with an error libevent does not retry by itself. Out
 * of descriptors or kernel memory, the pending connection stays queued
 * and the listener would fire again at once: stop listening for a
 * moment (see the file comment), logging once per episode. Anything
 * else concerns one connection: logged, and serving goes on.
 */
static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct http_server *s = arg;
	int e = errno;
	int64_t now = clock_mono_ms(), last = s->starved_ms;

	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) {
		log_warn("http: accept");
		return;
	}
	evconnlistener_disable(lev);
	timer_arm_ms(s->resume, BOUNDS_HTTP_ACCEPT_PAUSE_MS);
	s->starved_ms = now;
	if (last != 0 && now - last < HTTP_STARVED_QUIET_MS)
		return;
	log_warnx("http: accept: %s with %zu connections open; pausing "
	    "accept for %d ms at a time while it lasts", strerror(e),
	    s->nconns, BOUNDS_HTTP_ACCEPT_PAUSE_MS);
}

static void
accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *s = arg;

	(void)fd;
	(void)what;
	if (s->lev != NULL)
		evconnlistener_enable(s->lev);
}

void
http_set_max_conns(size_t n)
{
	http_max_conns = n;
}

struct http_server *
http_server_new(struct event_base *base, int fd, const struct http_opts *o)
{
	struct http_server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("calloc");
	s->base = base;
	s->o = *o;
	if ((s->scratch = evbuffer_new()) == NULL ||
	    (s->resume = evtimer_new(base, accept_resume_cb, s)) == NULL)
		fatalx("http: out of memory");
	s->lev = evconnlistener_new(base, accept_cb, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (s->lev == NULL)
		fatalx("http: cannot listen");
	evconnlistener_set_error_cb(s->lev, accept_error_cb);
	return s;
}

void
http_server_free(struct http_server *s)
{
	if (s == NULL)
		return;
	/* Connections still open at shutdown: idle ones, and those whose
	 * request the pool dropped (pool_shutdown). */
	while (!LIST_EMPTY(&s->conns))
		conn_free(LIST_FIRST(&s->conns));
	if (s->lev != NULL)
		evconnlistener_free(s->lev);
	event_free(s->resume);
	evbuffer_free(s->scratch);
	free(s);
}

void
http_server_drain(struct http_server *s)
{
	struct http_conn *c, *next;

	if (s->lev != NULL)
		evconnlistener_free(s->lev);	/* closes the socket */
	s->lev = NULL;
	evtimer_del(s->resume);
	s->draining = 1;
	for (c = LIST_FIRST(&s->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		/*
		 * Idle keep-alive: closed now (a client may reuse a
		 * persistent connection only knowing it can be closed).
		 * A connection accepted but not yet served is not idle:
		 * its first request may be on its way, and closing it
		 * would lose a connection the kernel accepted for us
		 * (a restart under socket activation). It is served and
		 * closed, within the header timeout and the grace.
		 */
		if ((c->state == C_HEAD || c->state == C_PROXY) &&
		    c->req_start == 0 && c->served)
			conn_free(c);
		else
			c->close_after = 1;
	}
}

size_t
http_server_conns(const struct http_server *s)
{
	return s->nconns;
}
