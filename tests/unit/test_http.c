/*
 * test_http.c: the HTTP/1.1 wire layer, driven over loopback TCP.
 *
 * The parent owns the event_base and runs the real server with an echo
 * handler; a forked child is the client, doing blocking socket I/O and
 * sending every raw response it read back through a pipe as records
 * (case name, bytes). When the pipe reaches EOF and every server
 * connection is gone, the loop stops and the parent checks the records:
 * status lines, framing headers, CORS, Connection: close and EOF where
 * expected, the JSON errors of the layer's own refusals, 100 Continue,
 * keep-alive and pipelining, and one done callback per reply.
 * The 10 s request and 30 s idle timeouts are not exercised here.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "buf.h"
#include "http.h"
#include "json.h"
#include "unit.h"

#define MAX_BODY	1000
#define READ_MS		2000	/* client read timeout: only hit on failure */
#define HANG_MS		800	/* for the case that may hang */
#define DEADLINE_S	15	/* the whole exchange, against a hung test */
#define REC_NAME_MAX	32
#define MAX_RECS	64
#define MAX_DONE	128

/* ---- records: child -> parent ---- */

struct rec_hdr {
	char		name[REC_NAME_MAX];
	uint32_t	len;
};

struct rec {
	char		name[REC_NAME_MAX];
	char	       *data;		/* NUL-terminated copy */
	size_t		len;
};

static struct rec	recs[MAX_RECS];
static int		nrecs;

/* ---- server side state ---- */

struct srv_state {
	struct event_base	*base;
	struct http_server	*srv;
	struct event		*pipe_ev;
	struct event		*tick;
	struct buf		 in;		/* bytes from the child */
	int			 pipe_fd;
	int			 child_done;
	int64_t			 deadline_ms;
	int			 done_status[MAX_DONE];
	int			 ndone;
	int			 handled;
};

static int	port;

/* ---- client (child process) ---- */

static int	rec_fd = -1;

static void
emit(const char *name, const char *data, size_t len)
{
	struct rec_hdr h;

	memset(&h, 0, sizeof(h));
	snprintf(h.name, sizeof(h.name), "%s", name);
	h.len = (uint32_t)len;
	if (write(rec_fd, &h, sizeof(h)) != (ssize_t)sizeof(h))
		_exit(3);
	while (len > 0) {
		ssize_t w = write(rec_fd, data, len);

		if (w <= 0)
			_exit(3);
		data += w;
		len -= (size_t)w;
	}
}

static void
set_timeout(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int
cl_connect(void)
{
	struct sockaddr_in sin;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		_exit(4);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		_exit(4);
	set_timeout(fd, READ_MS);
	return fd;
}

static void
cl_send(int fd, const char *s, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = send(fd, s, len, MSG_NOSIGNAL)) <= 0)
			return;		/* the server may have closed */
		s += w;
		len -= (size_t)w;
	}
}

static void
cl_sends(int fd, const char *s)
{
	cl_send(fd, s, strlen(s));
}

/*
 * Read one response: the head byte by byte up to the blank line (so a
 * following pipelined response stays in the socket), then Content-Length
 * body bytes. On timeout or EOF the partial bytes are returned with a
 * "<TIMEOUT>" or "<EOF>" marker.
 */
static void
cl_read_reply(int fd, struct buf *out)
{
	const char *cl;
	size_t need = 0, hl;
	char c;
	ssize_t r;

	buf_reset(out);
	for (;;) {
		if ((r = recv(fd, &c, 1, 0)) <= 0) {
			buf_adds(out, r == 0 ? "<EOF>" : "<TIMEOUT>");
			return;
		}
		buf_addc(out, c);
		if (out->len >= 4 &&
		    memcmp(out->data + out->len - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	hl = out->len;
	buf_cstr(out);
	if ((cl = strcasestr(out->data, "\r\nContent-Length: ")) != NULL)
		need = (size_t)strtoul(cl + 18, NULL, 10);
	while (out->len < hl + need) {
		if ((r = recv(fd, &c, 1, 0)) <= 0) {
			buf_adds(out, r == 0 ? "<EOF>" : "<TIMEOUT>");
			return;
		}
		buf_addc(out, c);
	}
}

/* Read everything until EOF ("<EOF>"), a reset or a timeout. */
static void
cl_read_eof(int fd, struct buf *out, int ms)
{
	char tmp[4096];
	ssize_t r;

	buf_reset(out);
	set_timeout(fd, ms);
	for (;;) {
		r = recv(fd, tmp, sizeof(tmp), 0);
		if (r > 0) {
			buf_add(out, tmp, (size_t)r);
			continue;
		}
		if (r == 0)
			buf_adds(out, "<EOF>");
		else if (errno == ECONNRESET)
			buf_adds(out, "<RESET>");
		else
			buf_adds(out, "<TIMEOUT>");
		return;
	}
}

/* One request on a fresh connection, read until the server closes. */
static void
case_close(const char *name, const char *req, size_t len, int ms)
{
	struct buf b;
	int fd = cl_connect();

	buf_init(&b);
	cl_send(fd, req, len);
	cl_read_eof(fd, &b, ms);
	emit(name, b.data, b.len);
	close(fd);
	buf_free(&b);
}

/* One request on a fresh connection, read one reply, then close. */
static void
case_one(const char *name, const char *req)
{
	struct buf b;
	int fd = cl_connect();

	buf_init(&b);
	cl_sends(fd, req);
	cl_read_reply(fd, &b);
	emit(name, b.data, b.len);
	close(fd);
	buf_free(&b);
}

static const struct {
	const char	*name;
	const char	*req;
} closing_cases[] = {
	{ "dup_cl", "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
	    "Content-Length: 2\r\n\r\nab" },
	{ "plus_cl", "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n"
	    "\r\nhello" },
	{ "space_colon", "GET /x HTTP/1.1\r\nHost: h\r\nName : v\r\n\r\n" },
	{ "obs_fold", "GET /x HTTP/1.1\r\nHost: h\r\nX-A: b\r\n  c\r\n\r\n" },
	{ "bare_lf", "GET /x HTTP/1.1\nHost: h\r\n\r\n" },
	{ "bare_lf_mid", "GET /x HTTP/1.1\r\nHost: h\nX-A: b\r\n\r\n" },
	{ "no_host", "GET /x HTTP/1.1\r\n\r\n" },
	{ "two_hosts", "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" },
	{ "http2", "GET /x HTTP/2.0\r\nHost: h\r\n\r\n" },
	{ "no_cl", "POST /x HTTP/1.1\r\nHost: h\r\n\r\n" },
	{ "chunked", "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" },
	{ "too_large", "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1001"
	    "\r\n\r\n" },
	{ "too_large_expect", "POST /x HTTP/1.1\r\nHost: h\r\nExpect: "
	    "100-continue\r\nContent-Length: 999999\r\n\r\n" },
	{ "dup_session", "GET /x HTTP/1.1\r\nHost: h\r\nX-Walkin-Session: a"
	    "\r\nX-Walkin-Session: b\r\n\r\n" },
	{ "http10", "GET /old HTTP/1.0\r\n\r\n" },
	{ "conn_close", "GET /cc HTTP/1.1\r\nHost: h\r\nConnection: close"
	    "\r\n\r\n" },
};

static void
case_keepalive(void)
{
	struct buf b;
	int fd = cl_connect();

	buf_init(&b);
	cl_sends(fd, "GET /ka1 HTTP/1.1\r\nHost: h\r\n\r\n");
	cl_read_reply(fd, &b);
	emit("ka1", b.data, b.len);
	cl_sends(fd, "POST /ka2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3"
	    "\r\nX-Walkin-Session: s2\r\n\r\nabc");
	cl_read_reply(fd, &b);
	emit("ka2", b.data, b.len);
	close(fd);
	buf_free(&b);
}

static void
case_pipeline(void)
{
	struct buf b;
	int fd = cl_connect();

	buf_init(&b);
	cl_sends(fd, "GET /p1 HTTP/1.1\r\nHost: h\r\n\r\n"
	    "POST /p2 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nwxyz"
	    "GET /p3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
	cl_read_reply(fd, &b);
	emit("pl1", b.data, b.len);
	cl_read_reply(fd, &b);
	emit("pl2", b.data, b.len);
	cl_read_eof(fd, &b, READ_MS);
	emit("pl3", b.data, b.len);
	close(fd);
	buf_free(&b);
}

static void
case_http10_keepalive(void)
{
	struct buf b;
	int fd = cl_connect();

	buf_init(&b);
	cl_sends(fd, "GET /k1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	cl_read_reply(fd, &b);
	emit("ka10_1", b.data, b.len);
	cl_sends(fd, "GET /k2 HTTP/1.0\r\n\r\n");
	cl_read_eof(fd, &b, READ_MS);
	emit("ka10_2", b.data, b.len);
	close(fd);
	buf_free(&b);
}

static void
case_expect(void)
{
	struct buf b;
	int fd = cl_connect();

	buf_init(&b);
	cl_sends(fd, "POST /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
	    "Content-Length: 5\r\n\r\n");
	cl_read_reply(fd, &b);			/* the interim response */
	emit("expect_100", b.data, b.len);
	cl_sends(fd, "hello");
	cl_read_reply(fd, &b);
	emit("expect_final", b.data, b.len);
	close(fd);
	buf_free(&b);
}

static void
case_big_heads(void)
{
	struct buf r;
	int i;

	buf_init(&r);
	/* A complete head over the limit. */
	buf_adds(&r, "GET /big HTTP/1.1\r\nHost: h\r\nX-Pad: ");
	for (i = 0; i < 9000; i++)
		buf_addc(&r, 'a');
	buf_adds(&r, "\r\n\r\n");
	case_close("head_big", r.data, r.len, READ_MS);
	/* Over the limit with no end in sight. */
	r.len -= 4;
	case_close("head_big_open", r.data, r.len, READ_MS);
	/* 64 header lines are fine, 65 are not. */
	buf_reset(&r);
	buf_adds(&r, "GET /h64 HTTP/1.1\r\nHost: h\r\n");
	for (i = 1; i < 64; i++)
		buf_printf(&r, "X-H%d: %d\r\n", i, i);
	buf_adds(&r, "\r\n");
	case_one("headers64", buf_cstr(&r));
	r.len -= 2;
	buf_adds(&r, "X-H64: 64\r\n\r\n");
	case_close("headers65", r.data, r.len, READ_MS);
	/* A body of exactly max_body_bytes. */
	buf_reset(&r);
	buf_printf(&r, "POST /max HTTP/1.1\r\nHost: h\r\nContent-Length: %d"
	    "\r\n\r\n", MAX_BODY);
	for (i = 0; i < MAX_BODY; i++)
		buf_addc(&r, 'b');
	case_one("max_body", buf_cstr(&r));
	buf_free(&r);
}

static void
client_main(int fd)
{
	const char *s;
	size_t i;

	rec_fd = fd;
	case_one("post", "POST /v1/sql?x=1 HTTP/1.1\r\nHost: h\r\n"
	    "Content-Type: application/json\r\nX-Walkin-Session: abc\r\n"
	    "Content-Length: 11\r\n\r\nhello world");
	case_keepalive();
	case_pipeline();
	case_http10_keepalive();
	case_expect();
	for (i = 0; i < sizeof(closing_cases) / sizeof(closing_cases[0]); i++)
		case_close(closing_cases[i].name, closing_cases[i].req,
		    strlen(closing_cases[i].req), READ_MS);
	case_big_heads();
	/* Bare LF throughout: there is never a CRLFCRLF to wait for. */
	s = "GET /lf HTTP/1.1\nHost: h\n\n";
	case_close("bare_lf_all", s, strlen(s), HANG_MS);
	_exit(0);
}

/* ---- server (parent) ---- */

static void
handler(struct http_req *req, void *arg)
{
	struct srv_state *st = arg;
	struct buf b;

	st->handled++;
	buf_init(&b);
	buf_adds(&b, "{\"method\":");
	json_add_string(&b, req->method, strlen(req->method));
	buf_adds(&b, ",\"target\":");
	json_add_string(&b, req->target, strlen(req->target));
	buf_adds(&b, ",\"body_len\":");
	json_add_int64(&b, (int64_t)req->body_len);
	buf_adds(&b, ",\"session\":");
	if (req->session != NULL)
		json_add_string(&b, req->session, strlen(req->session));
	else
		buf_adds(&b, "null");
	buf_addc(&b, '}');
	http_reply(req, 200, NULL, 0, b.data, b.len);
	buf_free(&b);
}

static void
done_cb(const struct http_req *req, int status, void *arg)
{
	struct srv_state *st = arg;

	(void)req;
	if (st->ndone < MAX_DONE)
		st->done_status[st->ndone] = status;
	st->ndone++;
}

static void
pipe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv_state *st = arg;
	char tmp[8192];
	ssize_t r;

	(void)what;
	r = read(fd, tmp, sizeof(tmp));
	if (r > 0) {
		buf_add(&st->in, tmp, (size_t)r);
		return;
	}
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	st->child_done = 1;
	event_del(st->pipe_ev);
}

/* Stop once the child is done and the server has let go of everything. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct srv_state *st = arg;

	(void)fd;
	(void)what;
	if ((st->child_done && http_server_conns(st->srv) == 0) ||
	    clock_mono_ms() > st->deadline_ms)
		event_base_loopexit(st->base, NULL);
}

static int
listen_loopback(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1) {
		close(fd);
		return -1;
	}
	port = ntohs(sin.sin_port);
	return fd;
}

/* Split the child's byte stream into records. */
static void
parse_records(const struct buf *in)
{
	struct rec_hdr h;
	size_t off = 0;

	while (off + sizeof(h) <= in->len && nrecs < MAX_RECS) {
		memcpy(&h, in->data + off, sizeof(h));
		off += sizeof(h);
		if (h.len > in->len - off)
			break;
		memcpy(recs[nrecs].name, h.name, REC_NAME_MAX);
		recs[nrecs].name[REC_NAME_MAX - 1] = '\0';
		recs[nrecs].data = malloc(h.len + 1);
		if (recs[nrecs].data == NULL)
			break;
		memcpy(recs[nrecs].data, in->data + off, h.len);
		recs[nrecs].data[h.len] = '\0';
		recs[nrecs].len = h.len;
		off += h.len;
		nrecs++;
	}
	CHECK_INT(off, in->len);
}

static const char *
rec_get(const char *name)
{
	int i;

	for (i = 0; i < nrecs; i++)
		if (strcmp(recs[i].name, name) == 0)
			return recs[i].data;
	fprintf(stderr, "no record \"%s\"\n", name);
	return "";
}

static struct srv_state	server;

static void
test_run(void)
{
	struct http_opts o;
	struct timeval tv = { 0, 10000 };
	int lfd, pfd[2], status = -1;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	memset(&server, 0, sizeof(server));
	buf_init(&server.in);
	CHECK((lfd = listen_loopback()) != -1);
	CHECK_INT(pipe2(pfd, O_CLOEXEC), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(lfd);
		close(pfd[0]);
		client_main(pfd[1]);
	}
	CHECK(pid > 0);
	close(pfd[1]);
	server.pipe_fd = pfd[0];
	CHECK((server.base = event_base_new()) != NULL);
	memset(&o, 0, sizeof(o));
	o.max_body_bytes = MAX_BODY;
	o.cors_origin = "*";
	o.handler = handler;
	o.done = done_cb;
	o.arg = &server;
	server.srv = http_server_new(server.base, lfd, &o);
	CHECK(server.srv != NULL);
	server.pipe_ev = event_new(server.base, pfd[0], EV_READ | EV_PERSIST,
	    pipe_cb, &server);
	server.tick = event_new(server.base, -1, EV_PERSIST, tick_cb, &server);
	event_add(server.pipe_ev, NULL);
	event_add(server.tick, &tv);
	server.deadline_ms = clock_mono_ms() + DEADLINE_S * 1000;
	CHECK_INT(event_base_dispatch(server.base), 0);
	CHECK(clock_mono_ms() <= server.deadline_ms);
	CHECK(server.child_done);
	CHECK_INT(http_server_conns(server.srv), 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	parse_records(&server.in);
	event_free(server.pipe_ev);
	event_free(server.tick);
	http_server_free(server.srv);
	event_base_free(server.base);
	close(pfd[0]);
	buf_free(&server.in);
}

/* ---- checks on the records ---- */

#define F_CLOSE		0x1	/* Connection: close, then EOF */
#define F_KEEPALIVE10	0x2	/* Connection: keep-alive */

/* Header value in raw (a response head), or NULL; copied to out. */
static const char *
header(const char *raw, const char *name, char *out, size_t outlen)
{
	const char *end = strstr(raw, "\r\n\r\n"), *p = raw, *eol;
	size_t n = strlen(name);

	if (end == NULL)
		return NULL;
	while ((p = strstr(p, "\r\n")) != NULL && p < end) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			eol = strstr(p, "\r\n");
			snprintf(out, outlen, "%.*s", (int)(eol - p), p);
			return out;
		}
	}
	return NULL;
}

/* Check one raw response: status, framing, CORS, body, close. */
static void
expect_reply(const char *name, int status, const char *body, int flags)
{
	const char *raw = rec_get(name), *end, *b;
	char line[64], v[128];
	int before = unit_fail;
	size_t blen = strlen(body);

	snprintf(line, sizeof(line), "HTTP/1.1 %d ", status);
	CHECK(strncmp(raw, line, strlen(line)) == 0);
	end = strstr(raw, "\r\n\r\n");
	CHECK(end != NULL);
	CHECK_STR(header(raw, "Content-Type", v, sizeof(v)),
	    "application/json");
	snprintf(line, sizeof(line), "%zu", blen);
	CHECK_STR(header(raw, "Content-Length", v, sizeof(v)), line);
	CHECK_STR(header(raw, "Access-Control-Allow-Origin", v, sizeof(v)),
	    "*");
	CHECK_STR(header(raw, "Cache-Control", v, sizeof(v)), "no-store");
	if (flags & F_CLOSE)
		CHECK_STR(header(raw, "Connection", v, sizeof(v)), "close");
	else if (flags & F_KEEPALIVE10)
		CHECK_STR(header(raw, "Connection", v, sizeof(v)),
		    "keep-alive");
	else
		CHECK(header(raw, "Connection", v, sizeof(v)) == NULL);
	if (end != NULL) {
		b = end + 4;
		CHECK(strncmp(b, body, blen) == 0);
		/* Nothing after the body but the server's close. */
		CHECK_STR(b + (strlen(b) >= blen ? blen : strlen(b)),
		    (flags & F_CLOSE) ? "<EOF>" : "");
	}
	if (unit_fail != before)
		fprintf(stderr, "  case %s, got:\n%s\n", name, raw);
}

static void
test_ok(void)
{
	expect_reply("post", 200, "{\"method\":\"POST\",\"target\":"
	    "\"/v1/sql?x=1\",\"body_len\":11,\"session\":\"abc\"}", 0);
	expect_reply("ka1", 200, "{\"method\":\"GET\",\"target\":\"/ka1\","
	    "\"body_len\":0,\"session\":null}", 0);
	expect_reply("ka2", 200, "{\"method\":\"POST\",\"target\":\"/ka2\","
	    "\"body_len\":3,\"session\":\"s2\"}", 0);
	expect_reply("pl1", 200, "{\"method\":\"GET\",\"target\":\"/p1\","
	    "\"body_len\":0,\"session\":null}", 0);
	expect_reply("pl2", 200, "{\"method\":\"POST\",\"target\":\"/p2\","
	    "\"body_len\":4,\"session\":null}", 0);
	expect_reply("pl3", 200, "{\"method\":\"GET\",\"target\":\"/p3\","
	    "\"body_len\":0,\"session\":null}", F_CLOSE);
	expect_reply("http10", 200, "{\"method\":\"GET\",\"target\":\"/old\","
	    "\"body_len\":0,\"session\":null}", F_CLOSE);
	expect_reply("ka10_1", 200, "{\"method\":\"GET\",\"target\":\"/k1\","
	    "\"body_len\":0,\"session\":null}", F_KEEPALIVE10);
	expect_reply("ka10_2", 200, "{\"method\":\"GET\",\"target\":\"/k2\","
	    "\"body_len\":0,\"session\":null}", F_CLOSE);
	expect_reply("conn_close", 200, "{\"method\":\"GET\",\"target\":"
	    "\"/cc\",\"body_len\":0,\"session\":null}", F_CLOSE);
	expect_reply("headers64", 200, "{\"method\":\"GET\",\"target\":"
	    "\"/h64\",\"body_len\":0,\"session\":null}", 0);
	expect_reply("max_body", 200, "{\"method\":\"POST\",\"target\":"
	    "\"/max\",\"body_len\":1000,\"session\":null}", 0);
	/* 100 Continue first, then the real reply. */
	CHECK_STR(rec_get("expect_100"), "HTTP/1.1 100 Continue\r\n\r\n");
	expect_reply("expect_final", 200, "{\"method\":\"POST\",\"target\":"
	    "\"/e\",\"body_len\":5,\"session\":null}", 0);
}

#define E400	"{\"error\":\"bad request\"}"
#define E411	"{\"error\":\"content-length required\"}"
#define E413	"{\"error\":\"request body too large\"}"
#define E431	"{\"error\":\"request headers too large\"}"

static void
test_errors(void)
{
	expect_reply("dup_cl", 400, E400, F_CLOSE);
	expect_reply("plus_cl", 400, E400, F_CLOSE);
	expect_reply("space_colon", 400, E400, F_CLOSE);
	expect_reply("obs_fold", 400, E400, F_CLOSE);
	expect_reply("bare_lf", 400, E400, F_CLOSE);
	expect_reply("bare_lf_mid", 400, E400, F_CLOSE);
	expect_reply("no_host", 400, E400, F_CLOSE);
	expect_reply("two_hosts", 400, E400, F_CLOSE);
	expect_reply("http2", 400, E400, F_CLOSE);
	expect_reply("dup_session", 400, E400, F_CLOSE);
	expect_reply("no_cl", 411, E411, F_CLOSE);
	expect_reply("chunked", 411, E411, F_CLOSE);
	/* 413 arrives although the body was never sent; no 100 either. */
	expect_reply("too_large", 413, E413, F_CLOSE);
	expect_reply("too_large_expect", 413, E413, F_CLOSE);
	expect_reply("head_big", 431, E431, F_CLOSE);
	expect_reply("head_big_open", 431, E431, F_CLOSE);
	expect_reply("headers65", 431, E431, F_CLOSE);
	/* Bare LF line endings throughout: 400 at once, not a wait. */
	expect_reply("bare_lf_all", 400, E400, F_CLOSE);
}

/* One done call per final reply the client saw, with its status. */
static void
test_done(void)
{
	int seen[600], done[600], i, s, n = 0, bad = 0;
	const char *p;

	memset(seen, 0, sizeof(seen));
	memset(done, 0, sizeof(done));
	for (i = 0; i < nrecs; i++)
		for (p = recs[i].data; (p = strstr(p, "HTTP/1.1 ")) != NULL;
		    p += 9) {
			s = atoi(p + 9);
			if (s >= 200 && s < 600) {
				seen[s]++;
				n++;
			}
		}
	/* 31 final replies; bare_lf_all has none while it hangs. */
	CHECK(n >= 30);
	CHECK_INT(server.ndone, n);
	for (i = 0; i < server.ndone && i < MAX_DONE; i++) {
		s = server.done_status[i];
		if (s >= 200 && s < 600)
			done[s]++;
	}
	for (i = 0; i < 600; i++)
		if (seen[i] != done[i])
			bad++;
	CHECK_INT(bad, 0);
	CHECK_INT(server.handled, done[200]);
	CHECK_INT(nrecs, 32);
	for (i = 0; i < nrecs; i++)
		free(recs[i].data);
}

/* ---- http_parse_head on its own ---- */

/* Parse head (a C string); the status, and the target in *target. */
static int
parse(const char *head, char *target, size_t tlen)
{
	struct http_req r;
	struct http_head hi;
	size_t n = strlen(head);
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&hi, 0, sizeof(hi));
	if ((r.head = malloc(n + 1)) == NULL)
		abort();
	memcpy(r.head, head, n + 1);
	rc = http_parse_head(&r, n, &hi);
	snprintf(target, tlen, "%s", rc == 0 ? r.target : "");
	free(r.head);
	return rc;
}

#define HOST	" HTTP/1.1\r\nHost: h\r\n\r\n"

/* RFC 9112 3.2.2: the absolute form is accepted; its path is routed. */
static void
test_absolute_form(void)
{
	static const struct {
		const char	*target, *want;	/* want NULL: 400 */
	} cases[] = {
		{ "/sql", "/sql" },
		{ "http://example.com/sql", "/sql" },
		{ "HTTP://example.com:80/sql?a=1", "/sql?a=1" },
		{ "https://example.com/", "/" },
		{ "http://example.com", "/" },
		{ "http://example.com?q", "/?q" },
		{ "http://[::1]:8080/healthz", "/healthz" },
		{ "http://h", "/" },
		{ "ftp://example.com/sql", "ftp://example.com/sql" },
		{ "*", "*" },
		{ "http:///sql", NULL },
		{ "http://", NULL },
		{ "http://?q", NULL },
		{ "http://user@example.com/sql", NULL },
		{ "http://example.com/sql#frag", NULL },
	};
	char head[256], target[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(head, sizeof(head), "GET %s" HOST, cases[i].target);
		rc = parse(head, target, sizeof(target));
		if (cases[i].want == NULL) {
			CHECK_INT(rc, 400);
		} else {
			CHECK_INT(rc, 0);
			CHECK_STR(target, cases[i].want);
		}
	}
}

/* Two Content-Types are refused as two Content-Lengths are. */
static void
test_content_type_twice(void)
{
	char t[64];

	CHECK_INT(parse("POST /sql HTTP/1.1\r\nHost: h\r\nContent-Type: "
	    "application/json\r\nContent-Length: 0\r\n\r\n", t, sizeof(t)), 0);
	CHECK_INT(parse("POST /sql HTTP/1.1\r\nHost: h\r\nContent-Type: "
	    "application/json\r\nContent-Type: text/plain\r\n\r\n", t,
	    sizeof(t)), 400);
	CHECK_INT(parse("POST /sql HTTP/1.1\r\nHost: h\r\ncontent-type: a/b"
	    "\r\nCONTENT-TYPE: a/b\r\n\r\n", t, sizeof(t)), 400);
}

UNIT_MAIN(test_run, test_ok, test_errors, test_done, test_absolute_form,
    test_content_type_twice)
