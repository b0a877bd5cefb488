/*
 * proxy.c: --trusted-proxy and the PROXY protocol header (proxy.h).
 *
 * Shared, pure code: the front end's HTTP layer (http.c) calls
 * proxy_trusted on accept and, for a trusted peer, proxy_header_parse on
 * the first bytes of the connection before any HTTP; tests/fuzz calls
 * the parser on raw bytes.
 *
 * Why the PROXY protocol and not X-Forwarded-For: the header is one
 * fixed-form line (v1) or a binary block with a length (v2) at a known
 * place, written by the proxy itself before the client's first byte,
 * so the client cannot add to it, and it needs no HTTP parsing. An XFF
 * header is a list every hop appends to and the client starts; getting
 * "the last hop only" right is where deployments go wrong. The header is
 * required from a trusted peer (a TCP-mode proxy without send-proxy
 * would otherwise pass a client's own header through) and never read
 * from another.
 *
 * The parser reads hostile bytes: lengths are checked before every
 * read, the v1 line is bounded at 107 bytes as the specification says,
 * the v2 body at PROXY_V2_BODY_MAX (its TLVs are skipped, never parsed),
 * addresses go through inet_pton/inet_ntop only, and anything it does
 * not understand is -1 (the connection gets 400 and is closed).
 * Specification: https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"

static const uint8_t proxy_v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

#define PROXY_V2_LOCAL		0x20	/* version 2, command LOCAL */
#define PROXY_V2_PROXY		0x21	/* version 2, command PROXY */
#define PROXY_V2_UNSPEC		0x00
#define PROXY_V2_TCP4		0x11
#define PROXY_V2_TCP6		0x21

/* ---- --trusted-proxy ---- */

/* A strict decimal 0..max of 1..3 digits; -1 otherwise. */
static int
proxy_bits(const char *s, int max)
{
	int v = 0, i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == 3 || s[i] < '0' || s[i] > '9' ||
		    (i == 1 && s[0] == '0'))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return i > 0 && v <= max ? v : -1;
}

/* Whether the bits of a past prefix are all zero. */
static int
proxy_host_zero(const uint8_t *a, int bytes, int prefix)
{
	int i;

	for (i = prefix / 8; i < bytes; i++) {
		uint8_t mask = i == prefix / 8 ?
		    (uint8_t)(0xff >> (prefix % 8)) : 0xff;

		if (a[i] & mask)
			return 0;
	}
	return 1;
}

/* One "ADDR[/BITS]" of n bytes into e. */
static int
proxy_net_parse(const char *s, size_t n, struct proxy_net *e)
{
	char item[64], *slash;
	int bytes;

	if (n == 0 || n >= sizeof(item))
		return -1;
	memcpy(item, s, n);
	item[n] = '\0';
	if ((slash = strchr(item, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, item, e->addr) == 1)
		e->family = AF_INET;
	else if (inet_pton(AF_INET6, item, e->addr) == 1)
		e->family = AF_INET6;
	else
		return -1;
	bytes = e->family == AF_INET ? 4 : 16;
	e->prefix = slash != NULL ? proxy_bits(slash + 1, bytes * 8) :
	    bytes * 8;
	if (e->prefix < 0 || !proxy_host_zero(e->addr, bytes, e->prefix))
		return -1;
	return 0;
}

int
proxy_trust_parse(const char *s, struct proxy_trust *t)
{
	size_t n;

	memset(t, 0, sizeof(*t));
	if (strlen(s) > PROXY_LIST_MAX)
		return -1;
	for (;;) {
		n = strcspn(s, ",");
		if (t->n == PROXY_TRUST_MAX ||
		    proxy_net_parse(s, n, &t->net[t->n]) == -1)
			return -1;
		t->n++;
		if (s[n] == '\0')
			return 0;
		s += n + 1;
	}
}

static int
proxy_net_match(const struct proxy_net *e, const uint8_t *a)
{
	int full = e->prefix / 8, rest = e->prefix % 8;

	if (memcmp(e->addr, a, (size_t)full) != 0)
		return 0;
	return rest == 0 ||
	    ((e->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int
proxy_trusted(const struct proxy_trust *t, const struct sockaddr *sa)
{
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;
	const uint8_t *a4 = NULL, *a6 = NULL;
	int i;

	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)(const void *)sa;
		a4 = (const uint8_t *)&s4->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)(const void *)sa;
		a6 = s6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			a4 = a6 + 12;
	}
	for (i = 0; i < t->n; i++) {
		const struct proxy_net *e = &t->net[i];

		if ((e->family == AF_INET && a4 != NULL &&
		    proxy_net_match(e, a4)) ||
		    (e->family == AF_INET6 && a6 != NULL &&
		    proxy_net_match(e, a6)))
			return 1;
	}
	return 0;
}

/* ---- the header ---- */

/* A port: "0", or 1..5 digits without a leading zero, at most 65535. */
static int
proxy_port_ok(const char *s)
{
	long v = 0;
	int i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == 5 || s[i] < '0' || s[i] > '9' ||
		    (i == 1 && s[0] == '0'))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return i > 0 && v <= 65535;
}

/* Split line at single spaces into at most max fields; the count, or
 * -1 for an empty field (two spaces, a leading or trailing one). */
static int
proxy_fields(char *line, char **f, int max)
{
	int n = 0;

	for (;;) {
		if (n == max || *line == ' ' || *line == '\0')
			return -1;
		f[n++] = line;
		if ((line = strchr(line, ' ')) == NULL)
			return n;
		*line++ = '\0';
	}
}

/* v1: "PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n" or "PROXY UNKNOWN...". */
static int
proxy_v1(const uint8_t *p, size_t len, char *src)
{
	char line[PROXY_V1_MAX], *f[6];
	uint8_t a[16];
	size_t i, n = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	int family;

	if (memcmp(p, "PROXY ", n < 6 ? n : 6) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			break;
		if (p[i] < 0x20 || p[i] > 0x7e)	/* a lone CR included */
			return p[i] == '\r' && i + 1 == n &&
			    len < PROXY_V1_MAX ? 0 : -1;
	}
	if (i == n)
		return len < PROXY_V1_MAX ? 0 : -1;
	if (i < 6)
		return -1;
	memcpy(line, p + 6, i - 6);
	line[i - 6] = '\0';
	src[0] = '\0';
	if (strncmp(line, "UNKNOWN", 7) == 0 &&
	    (line[7] == '\0' || line[7] == ' '))
		return (int)i + 2;	/* the rest is to be ignored (spec) */
	if (proxy_fields(line, f, 6) != 5)
		return -1;
	if (strcmp(f[0], "TCP4") == 0)
		family = AF_INET;
	else if (strcmp(f[0], "TCP6") == 0)
		family = AF_INET6;
	else
		return -1;
	if (inet_pton(family, f[2], a) != 1 || !proxy_port_ok(f[3]) ||
	    !proxy_port_ok(f[4]) || inet_pton(family, f[1], a) != 1 ||
	    inet_ntop(family, a, src, PROXY_ADDR_MAX) == NULL)
		return -1;
	return (int)i + 2;
}

/* v2: the signature, version/command, family, length, addresses, TLVs. */
static int
proxy_v2(const uint8_t *p, size_t len, char *src)
{
	size_t body;

	if (memcmp(p, proxy_v2_sig, len < 12 ? len : 12) != 0)
		return -1;
	if (len > 12 && p[12] != PROXY_V2_LOCAL && p[12] != PROXY_V2_PROXY)
		return -1;
	if (len < 16)
		return 0;
	body = (size_t)p[14] << 8 | p[15];
	if (body > PROXY_V2_BODY_MAX)
		return -1;
	if (len < 16 + body)
		return 0;
	src[0] = '\0';
	if (p[12] == PROXY_V2_LOCAL || p[13] == PROXY_V2_UNSPEC)
		return (int)(16 + body);
	if (p[13] == PROXY_V2_TCP4 && body >= 12)
		return inet_ntop(AF_INET, p + 16, src, PROXY_ADDR_MAX) ?
		    (int)(16 + body) : -1;
	if (p[13] == PROXY_V2_TCP6 && body >= 36)
		return inet_ntop(AF_INET6, p + 16, src, PROXY_ADDR_MAX) ?
		    (int)(16 + body) : -1;
	return -1;			/* UDP, unix sockets, short bodies */
}

int
proxy_header_parse(const uint8_t *p, size_t len, char *src)
{
	if (len == 0)
		return 0;
	if (p[0] == 'P')
		return proxy_v1(p, len, src);
	if (p[0] == proxy_v2_sig[0])
		return proxy_v2(p, len, src);
	return -1;
}
