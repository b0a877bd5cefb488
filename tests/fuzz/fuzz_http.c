/*
 * fuzz_http.c: the HTTP request-head parser (http_parse_head, the pure
 * function the connection state machine calls on every head).
 *
 * The input is what a client sends. As conn_process does, the head is
 * cut after the first CRLF CRLF, and anything over BOUNDS_HTTP_MAX_HEAD
 * is never parsed (431 before parsing). Invariants, checked against an
 * independent reading of the same bytes by this file:
 *   - the result is 0, 400 or 431; 431 only with more than
 *     BOUNDS_HTTP_MAX_HEADERS header lines;
 *   - an accepted head has no NUL, no bare CR or LF, no obs-fold line,
 *     ends with the blank line, and a request line of exactly
 *     "token SP target SP HTTP/1.x";
 *   - method is a non-empty token shorter than its buffer; target is
 *     visible ASCII and the raw target, or for an absolute-form one
 *     ("http://host/p", any case of the scheme) with a non-empty
 *     authority free of '@' and no '#', the path and query after the
 *     authority ("/" + the query when the path is empty); header
 *     pointers lie inside the head copy, without CR/LF or surrounding
 *     blanks;
 *   - framing agrees with the raw lines (request smuggling): has_cl iff
 *     exactly one Content-Length line, whose value is plain digits equal
 *     to content_length; chunked iff a Transfer-Encoding line; at most
 *     one X-Walkin-Session, at most one Content-Type; HTTP/1.1 has
 *     exactly one Host.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "fuzz.h"
#include "http.h"

/* The raw facts about one head, read independently of src/http.c. */
struct raw {
	size_t		nlines;		/* header lines, without request line */
	int		bad_line;	/* bare CR/LF, NUL, or fold */
	int		ncl, nte, nhost, nsess, nct;
	int		cl_digits;	/* the CL value is 1..18 digits */
	uint64_t	cl;
};

static int
name_is(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

/* Value of a header line: after ':' minus SP/HT on both sides. */
static void
raw_value(const char *line, size_t n, const char **v, size_t *vlen)
{
	const char *p = memchr(line, ':', n), *e = line + n;

	p = p ? p + 1 : e;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*v = p;
	*vlen = (size_t)(e - p);
}

static void
raw_line(struct raw *rw, const char *line, size_t n)
{
	const char *v;
	size_t vlen, i;

	if (memchr(line, '\r', n) || memchr(line, '\n', n) ||
	    memchr(line, '\0', n) || (n > 0 && (line[0] == ' ' ||
	    line[0] == '\t')))
		rw->bad_line = 1;
	if (name_is(line, n, "Transfer-Encoding"))
		rw->nte++;
	if (name_is(line, n, "Host"))
		rw->nhost++;
	if (name_is(line, n, "X-Walkin-Session"))
		rw->nsess++;
	if (name_is(line, n, "Content-Type"))
		rw->nct++;
	if (!name_is(line, n, "Content-Length"))
		return;
	rw->ncl++;
	raw_value(line, n, &v, &vlen);
	rw->cl_digits = vlen >= 1 && vlen <= 18;
	rw->cl = 0;
	for (i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			rw->cl_digits = 0;
		else
			rw->cl = rw->cl * 10 + (uint64_t)(v[i] - '0');
	}
}

/* Split head[0..n) at CRLF; returns the request line's length. */
static size_t
raw_read(struct raw *rw, const char *head, size_t n)
{
	const char *p = head, *end = head + n, *eol;
	size_t reqlen = 0;
	int first = 1;

	memset(rw, 0, sizeof(*rw));
	while (p < end) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			eol = end;
		if (eol == p)
			break;				/* blank line */
		if (first)
			reqlen = (size_t)(eol - p);
		else {
			rw->nlines++;
			raw_line(rw, p, (size_t)(eol - p));
		}
		first = 0;
		p = eol + 2;
	}
	return reqlen;
}

static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

static void
check_value(const struct http_req *r, size_t hlen, const char *v)
{
	size_t n;

	if (v == NULL)
		return;
	FUZZ_CHECK(v >= r->head && v <= r->head + hlen);
	n = strlen(v);
	FUZZ_CHECK(v + n <= r->head + hlen);
	FUZZ_CHECK(memchr(v, '\r', n) == NULL && memchr(v, '\n', n) == NULL);
	if (n > 0) {
		FUZZ_CHECK(v[0] != ' ' && v[0] != '\t');
		FUZZ_CHECK(v[n - 1] != ' ' && v[n - 1] != '\t');
	}
}

/* The target the parser gave against the raw one, raw[0..rlen). */
static void
check_target(const char *target, const char *raw, size_t rlen)
{
	size_t skip = 0, alen, tlen = strlen(target);

	if (rlen >= 7 && strncasecmp(raw, "http://", 7) == 0)
		skip = 7;
	else if (rlen >= 8 && strncasecmp(raw, "https://", 8) == 0)
		skip = 8;
	if (skip == 0) {		/* as sent */
		FUZZ_CHECK(tlen == rlen && memcmp(target, raw, rlen) == 0);
		return;
	}
	for (alen = 0; skip + alen < rlen && !strchr("/?#", raw[skip + alen]);
	    alen++)
		FUZZ_CHECK(raw[skip + alen] != '@');
	FUZZ_CHECK(alen > 0 && memchr(raw, '#', rlen) == NULL);
	raw += skip + alen;
	rlen -= skip + alen;
	if (rlen > 0 && raw[0] == '/') {
		FUZZ_CHECK(tlen == rlen && memcmp(target, raw, rlen) == 0);
	} else {
		FUZZ_CHECK(tlen == rlen + 1 && target[0] == '/' &&
		    memcmp(target + 1, raw, rlen) == 0);
	}
}

static void
check_request_line(const struct http_req *r, const char *line, size_t n,
    const struct http_head *hi)
{
	size_t mlen = strlen(r->method), tlen, i;

	FUZZ_CHECK(mlen > 0 && mlen < sizeof(r->method));
	for (i = 0; i < mlen; i++)
		FUZZ_CHECK(is_tchar((unsigned char)r->method[i]));
	FUZZ_CHECK(r->target != NULL);
	tlen = strlen(r->target);
	FUZZ_CHECK(tlen > 0);
	for (i = 0; i < tlen; i++)
		FUZZ_CHECK((unsigned char)r->target[i] > 0x20 &&
		    (unsigned char)r->target[i] < 0x7f);
	/* The raw line is exactly method SP target SP HTTP/1.x. */
	FUZZ_CHECK(n > mlen + 1 + 9);
	FUZZ_CHECK(memcmp(line, r->method, mlen) == 0 && line[mlen] == ' ');
	FUZZ_CHECK(memcmp(line + n - 9, " HTTP/1.", 8) == 0);
	FUZZ_CHECK(line[n - 1] == (hi->http10 ? '0' : '1'));
	check_target(r->target, line + mlen + 1, n - mlen - 1 - 9);
}

static void
check_accepted(const struct http_req *r, const char *raw, size_t hlen,
    const struct http_head *hi)
{
	struct raw rw;
	size_t reqlen;

	FUZZ_CHECK(hlen >= 4 && memcmp(raw + hlen - 4, "\r\n\r\n", 4) == 0);
	FUZZ_CHECK(memchr(raw, '\0', hlen) == NULL);
	reqlen = raw_read(&rw, raw, hlen);
	FUZZ_CHECK(!rw.bad_line);
	FUZZ_CHECK(rw.nlines <= BOUNDS_HTTP_MAX_HEADERS);
	check_request_line(r, raw, reqlen, hi);
	check_value(r, hlen, r->content_type);
	check_value(r, hlen, r->session);
	check_value(r, hlen, r->user_agent);
	/* Framing: the smuggling-relevant facts match the raw lines. */
	FUZZ_CHECK(hi->has_cl == (rw.ncl == 1));
	FUZZ_CHECK(rw.ncl <= 1);
	if (hi->has_cl) {
		FUZZ_CHECK(rw.cl_digits);
		FUZZ_CHECK(hi->content_length == rw.cl);
	}
	FUZZ_CHECK(hi->chunked == (rw.nte > 0));
	FUZZ_CHECK(rw.nsess <= 1 && (r->session != NULL) == (rw.nsess == 1));
	FUZZ_CHECK(rw.nct <= 1 && (r->content_type != NULL) == (rw.nct == 1));
	if (!hi->http10)
		FUZZ_CHECK(rw.nhost == 1 && hi->hosts == 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req r;
	struct http_head hi;
	const uint8_t *blank;
	size_t hlen = size;
	struct raw rw;
	char *raw;
	int rc;

	if (size > BOUNDS_HTTP_MAX_HEAD)
		return 0;		/* the server answers 431 unparsed */
	if ((blank = memmem(data, size, "\r\n\r\n", 4)) != NULL)
		hlen = (size_t)(blank - data) + 4;
	memset(&r, 0, sizeof(r));
	memset(&hi, 0, sizeof(hi));
	r.head = fuzz_strdup(data, hlen);
	raw = fuzz_strdup(data, hlen);	/* parsing splits r.head in place */
	rc = http_parse_head(&r, hlen, &hi);
	FUZZ_CHECK(rc == 0 || rc == 400 || rc == 431);
	if (rc == 0)
		check_accepted(&r, raw, hlen, &hi);
	if (rc == 431) {
		raw_read(&rw, raw, hlen);
		FUZZ_CHECK(rw.nlines > BOUNDS_HTTP_MAX_HEADERS);
	}
	free(raw);
	free(r.head);
	return 0;
}
