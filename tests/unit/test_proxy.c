/*
 * test_proxy.c: --trusted-proxy lists and the PROXY protocol header
 * parser (src/proxy.c). Good headers of both versions as HAProxy writes
 * them, every prefix of each (0: more needed, never a wrong answer),
 * and hostile ones: wrong signatures and versions, oversize lengths,
 * truncated address blocks, non-canonical ports and addresses, control
 * bytes, lone CRs, over-long v1 lines, unsupported families.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"
#include "unit.h"

static const uint8_t sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

static int
v1(const char *s, char *src)
{
	return proxy_header_parse((const uint8_t *)s, strlen(s), src);
}

/* A v2 header: cmd byte, family byte, body of n bytes from b. */
static size_t
v2(uint8_t *out, uint8_t cmd, uint8_t fam, const uint8_t *b, size_t n)
{
	memcpy(out, sig, 12);
	out[12] = cmd;
	out[13] = fam;
	out[14] = (uint8_t)(n >> 8);
	out[15] = (uint8_t)n;
	memcpy(out + 16, b, n);
	return 16 + n;
}

/* Every strict prefix of a good header needs more; the whole parses. */
static void
check_prefixes(const uint8_t *p, size_t len)
{
	char src[PROXY_ADDR_MAX];
	size_t i;

	for (i = 0; i < len; i++)
		CHECK_INT(proxy_header_parse(p, i, src), 0);
	CHECK_INT(proxy_header_parse(p, len, src), (long long)len);
}

static void
test_v1_good(void)
{
	static const char *const good[] = {
		"PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n",
		"PROXY TCP6 2001:db8::1 2001:db8::2 0 65535\r\n",
		"PROXY UNKNOWN\r\n",
		"PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n",
	};
	char src[PROXY_ADDR_MAX], buf[256];
	size_t i;

	CHECK_INT(v1(good[0], src), (long long)strlen(good[0]));
	CHECK_STR(src, "192.0.2.7");
	CHECK_INT(v1(good[1], src), (long long)strlen(good[1]));
	CHECK_STR(src, "2001:db8::1");
	CHECK_INT(v1(good[2], src), (long long)strlen(good[2]));
	CHECK_STR(src, "");
	CHECK_INT(v1(good[3], src), (long long)strlen(good[3]));
	CHECK_STR(src, "");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		check_prefixes((const uint8_t *)good[i], strlen(good[i]));
	/* The request behind it is not part of the header. */
	snprintf(buf, sizeof(buf), "%sGET / HTTP/1.1\r\n\r\n", good[0]);
	CHECK_INT(v1(buf, src), (long long)strlen(good[0]));
	/* The longest legal line, 107 bytes with its CRLF. */
	snprintf(buf, sizeof(buf), "PROXY TCP6 %s %s 65535 65535\r\n",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	CHECK_INT(strlen(buf), 104);
	CHECK_INT(v1(buf, src), 104);
	snprintf(buf, sizeof(buf), "PROXY UNKNOWN %091d\r\n", 0);
	CHECK_INT(strlen(buf), PROXY_V1_MAX);
	CHECK_INT(v1(buf, src), PROXY_V1_MAX);
}

static void
test_v1_hostile(void)
{
	static const char *const bad[] = {
		"proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",
		"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
		"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 ::1 ::2 1 2\r\n",
		"PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",
		"PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 100000 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n",
		"PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\x7f\r\n",
		"PROXY TCP4 1.2.3.4 5.6.7.8 1 \xc3\xa9\r\n",
		"PROXY \r\n",
		"PROXY\r\n",
		"PROXY UNKNOWNX\r\n",
		"GET / HTTP/1.1\r\n\r\n",
		"\r\n\r\nGET",
	};
	char src[PROXY_ADDR_MAX], buf[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = v1(bad[i], src);

		if (rc != -1)
			fprintf(stderr, "accepted or waiting (%d): %s\n", rc,
			    bad[i]);
		CHECK_INT(rc, -1);
	}
	/* A NUL in the line. */
	CHECK_INT(proxy_header_parse((const uint8_t *)"PROXY TCP4 1.2.3.4 "
	    "5.6.7.8 1 2\0\r\n", 34, src), -1);
	/* 107 bytes without a CRLF: no header, whatever comes next. */
	memset(buf, 'A', sizeof(buf));
	memcpy(buf, "PROXY UNKNOWN ", 14);
	CHECK_INT(proxy_header_parse((uint8_t *)buf, PROXY_V1_MAX, src), -1);
	CHECK_INT(proxy_header_parse((uint8_t *)buf, 106, src), 0);
	CHECK_INT(proxy_header_parse((uint8_t *)buf, sizeof(buf), src), -1);
	/* A CRLF one byte past the limit. */
	snprintf(buf, sizeof(buf), "PROXY UNKNOWN %092d\r\n", 0);
	CHECK_INT(strlen(buf), PROXY_V1_MAX + 1);
	CHECK_INT(v1(buf, src), -1);
	/* A lone CR at the end may still become a CRLF... */
	CHECK_INT(v1("PROXY UNKNOWN\r", src), 0);
	/* ...but not at the limit. */
	snprintf(buf, sizeof(buf), "PROXY UNKNOWN %092d\r", 0);
	CHECK_INT(v1(buf, src), -1);
	/* Early refusal on a wrong first byte or prefix. */
	CHECK_INT(v1("X", src), -1);
	CHECK_INT(v1("PROX ", src), -1);
	CHECK_INT(v1("P", src), 0);
	CHECK_INT(proxy_header_parse((const uint8_t *)"", 0, src), 0);
}

static void
test_v2_good(void)
{
	uint8_t h[512], b[256];
	char src[PROXY_ADDR_MAX];
	size_t n;

	/* TCP4 192.0.2.7:56324 -> 198.51.100.1:443 */
	memcpy(b, "\xc0\x00\x02\x07\xc6\x33\x64\x01\xdc\x04\x01\xbb", 12);
	n = v2(h, 0x21, 0x11, b, 12);
	CHECK_INT(proxy_header_parse(h, n, src), (long long)n);
	CHECK_STR(src, "192.0.2.7");
	check_prefixes(h, n);
	/* With TLVs after the addresses (HAProxy may add some). */
	memset(b + 12, 0x04, 40);
	n = v2(h, 0x21, 0x11, b, 52);
	CHECK_INT(proxy_header_parse(h, n, src), (long long)n);
	CHECK_STR(src, "192.0.2.7");
	/* TCP6 2001:db8::1 */
	memset(b, 0, 36);
	b[0] = 0x20; b[1] = 0x01; b[2] = 0x0d; b[3] = 0xb8; b[15] = 1;
	n = v2(h, 0x21, 0x21, b, 36);
	CHECK_INT(proxy_header_parse(h, n, src), (long long)n);
	CHECK_STR(src, "2001:db8::1");
	check_prefixes(h, n);
	/* LOCAL (a health check): the peer stands, whatever the family. */
	n = v2(h, 0x20, 0x00, b, 0);
	CHECK_INT(proxy_header_parse(h, n, src), 16);
	CHECK_STR(src, "");
	n = v2(h, 0x20, 0x11, b, 12);
	CHECK_INT(proxy_header_parse(h, n, src), 28);
	CHECK_STR(src, "");
	/* PROXY with an unspecified family: the peer stands too. */
	n = v2(h, 0x21, 0x00, b, 0);
	CHECK_INT(proxy_header_parse(h, n, src), 16);
	CHECK_STR(src, "");
	/* The largest body read. */
	memset(b, 0, sizeof(b));
	n = v2(h, 0x21, 0x11, b, PROXY_V2_BODY_MAX);
	CHECK_INT(proxy_header_parse(h, n, src), PROXY_HDR_MAX);
	/* Bytes behind it are the request's. */
	memcpy(h + n, "GET", 3);
	CHECK_INT(proxy_header_parse(h, n + 3, src), PROXY_HDR_MAX);
}

static void
test_v2_hostile(void)
{
	uint8_t h[512], b[256];
	char src[PROXY_ADDR_MAX];
	size_t n, i;

	memset(b, 0, sizeof(b));
	/* Each signature byte wrong, seen as soon as it arrives. */
	for (i = 1; i < 12; i++) {
		n = v2(h, 0x21, 0x11, b, 12);
		h[i] ^= 0x20;
		CHECK_INT(proxy_header_parse(h, i + 1, src), -1);
		CHECK_INT(proxy_header_parse(h, n, src), -1);
	}
	/* Versions 1 and 3, commands 2..15. */
	for (i = 0; i < 256; i++) {
		if (i == 0x20 || i == 0x21)
			continue;
		n = v2(h, (uint8_t)i, 0x11, b, 12);
		CHECK_INT(proxy_header_parse(h, 13, src), -1);
		CHECK_INT(proxy_header_parse(h, n, src), -1);
	}
	/* UDP, unix sockets, unknown families: refused. */
	for (i = 0; i < 256; i++) {
		if (i == 0x00 || i == 0x11 || i == 0x21)
			continue;
		n = v2(h, 0x21, (uint8_t)i, b, 216);
		CHECK_INT(proxy_header_parse(h, n, src), -1);
	}
	/* Address blocks shorter than their family needs. */
	n = v2(h, 0x21, 0x11, b, 11);
	CHECK_INT(proxy_header_parse(h, n, src), -1);
	n = v2(h, 0x21, 0x21, b, 35);
	CHECK_INT(proxy_header_parse(h, n, src), -1);
	n = v2(h, 0x21, 0x21, b, 12);
	CHECK_INT(proxy_header_parse(h, n, src), -1);
	/* A length past what is read, up to 65535: refused at once,
	 * before any of the body has arrived. */
	n = v2(h, 0x21, 0x11, b, 12);
	h[14] = 0;
	h[15] = PROXY_V2_BODY_MAX + 1;
	CHECK_INT(proxy_header_parse(h, 16, src), -1);
	h[14] = 0xff;
	h[15] = 0xff;
	CHECK_INT(proxy_header_parse(h, 16, src), -1);
	CHECK_INT(proxy_header_parse(h, n, src), -1);
}

static int
trusted(const struct proxy_trust *t, const char *addr)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return proxy_trusted(t, (struct sockaddr *)&s4);
	}
	if (inet_pton(AF_INET6, addr, &s6.sin6_addr) != 1)
		return -1;
	s6.sin6_family = AF_INET6;
	return proxy_trusted(t, (struct sockaddr *)&s6);
}

static void
test_trust(void)
{
	static const char *const bad[] = {
		"", ",", "127.0.0.1,", ",127.0.0.1", "127.0.0.1,,::1",
		"127.0.0.1 ", " 127.0.0.1", "localhost", "127.0.0.1/33",
		"::1/129", "10.0.0.1/8", "10.0.0.0/", "10.0.0.0/08",
		"10.0.0.0/-1", "10.0.0.0/1000", "fe80::/9x", "127.1",
		"1.2.3.4/32/1", "::ffff:1.2.3.4/97x",
		"1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,"
		"1.1.1.8,1.1.1.9,1.1.1.10,1.1.1.11,1.1.1.12,1.1.1.13,1.1.1.14,"
		"1.1.1.15,1.1.1.16,1.1.1.17",
	};
	struct proxy_trust t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (proxy_trust_parse(bad[i], &t) != -1)
			fprintf(stderr, "accepted: '%s'\n", bad[i]);
		CHECK_INT(proxy_trust_parse(bad[i], &t), -1);
	}
	CHECK_INT(proxy_trust_parse("127.0.0.1", &t), 0);
	CHECK_INT(t.n, 1);
	CHECK_INT(trusted(&t, "127.0.0.1"), 1);
	CHECK_INT(trusted(&t, "127.0.0.2"), 0);
	CHECK_INT(trusted(&t, "::ffff:127.0.0.1"), 1);
	CHECK_INT(trusted(&t, "::1"), 0);
	CHECK_INT(proxy_trust_parse("10.0.0.0/8,192.168.1.0/25,2001:db8::/32,"
	    "::1,0.0.0.0/0", &t), 0);
	CHECK_INT(t.n, 5);
	CHECK_INT(proxy_trust_parse("10.0.0.0/8,192.168.1.128/25,"
	    "2001:db8::/32,::1", &t), 0);
	CHECK_INT(trusted(&t, "10.255.0.1"), 1);
	CHECK_INT(trusted(&t, "11.0.0.1"), 0);
	CHECK_INT(trusted(&t, "192.168.1.200"), 1);
	CHECK_INT(trusted(&t, "192.168.1.127"), 0);
	CHECK_INT(trusted(&t, "2001:db8:ffff::1"), 1);
	CHECK_INT(trusted(&t, "2001:db9::1"), 0);
	CHECK_INT(trusted(&t, "::1"), 1);
	CHECK_INT(trusted(&t, "::2"), 0);
	CHECK_INT(trusted(&t, "::ffff:10.1.2.3"), 1);
	CHECK_INT(proxy_trust_parse("0.0.0.0/0", &t), 0);
	CHECK_INT(trusted(&t, "203.0.113.9"), 1);
	CHECK_INT(trusted(&t, "2001:db8::1"), 0);
	CHECK_INT(proxy_trust_parse("::/0", &t), 0);
	CHECK_INT(trusted(&t, "2001:db8::1"), 1);
	CHECK_INT(trusted(&t, "203.0.113.9"), 0);
}

UNIT_MAIN(test_v1_good, test_v1_hostile, test_v2_good, test_v2_hostile,
    test_trust)
