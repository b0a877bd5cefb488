/*
 * fuzz_proxy.c: the PROXY protocol header parser (proxy_header_parse,
 * what http.c runs on the first bytes from a --trusted-proxy peer) and
 * the --trusted-proxy list parser (proxy_trust_parse).
 *
 * The first input byte picks the mode:
 *   even: the rest is what a trusted peer sent. Invariants:
 *     - the result is -1, 0, or a length in 16..PROXY_HDR_MAX that is
 *       at most the input's; 0 only under PROXY_HDR_MAX bytes;
 *     - an accepted v1 header ("PROXY ...") is at most 107 bytes, ends
 *       with its only CRLF, and holds printable ASCII only; an accepted
 *       v2 header has the 12-byte signature, version 2, command LOCAL
 *       or PROXY, and is exactly 16 + its length field;
 *     - the address given back is "" or an address inet_pton reads back
 *       to the same text; for v2 it is the one at byte 16 of the
 *       header, for a v1 TCP4/TCP6 line the line's third field;
 *     - every strict prefix of an accepted header needs more (0), and
 *       bytes after it change nothing: the same input with junk
 *       appended gives the same answer, and a refusal stays a refusal.
 *   odd: the rest, cut at its first NUL, is a --trusted-proxy value.
 *     An accepted list has 1..PROXY_TRUST_MAX entries, each AF_INET or
 *     AF_INET6 with a prefix in range and no host bits set, and each
 *     entry's own address is trusted by the list.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "proxy.h"

#define JUNK_MAX	64

static const uint8_t v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

static int
parse(const uint8_t *p, size_t n, char *src)
{
	uint8_t *copy = malloc(n ? n : 1);	/* exactly n: ASan sees */
	int rc;					/* any read past the end */

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, p, n);
	rc = proxy_header_parse(copy, n, src);
	free(copy);
	return rc;
}

static void
check_src(const char *src, int *family)
{
	uint8_t a[16];
	char back[PROXY_ADDR_MAX];

	FUZZ_CHECK(memchr(src, '\0', PROXY_ADDR_MAX) != NULL);
	*family = 0;
	if (src[0] == '\0')
		return;
	*family = strchr(src, ':') != NULL ? AF_INET6 : AF_INET;
	FUZZ_CHECK(inet_pton(*family, src, a) == 1);
	FUZZ_CHECK(inet_ntop(*family, a, back, sizeof(back)) != NULL);
	FUZZ_CHECK(strcmp(back, src) == 0);
}

static void
check_v1(const uint8_t *p, int rc, const char *src)
{
	char line[PROXY_V1_MAX + 1], want[PROXY_V1_MAX + 1];
	int i, family;

	FUZZ_CHECK(rc >= 8 && rc <= PROXY_V1_MAX);
	FUZZ_CHECK(memcmp(p, "PROXY ", 6) == 0);
	FUZZ_CHECK(p[rc - 2] == '\r' && p[rc - 1] == '\n');
	for (i = 0; i < rc - 2; i++)
		FUZZ_CHECK(p[i] >= 0x20 && p[i] <= 0x7e);
	check_src(src, &family);
	if (family == 0)
		return;
	memcpy(line, p, (size_t)rc - 2);
	line[rc - 2] = '\0';
	snprintf(want, sizeof(want), "PROXY TCP%c %s ",
	    family == AF_INET ? '4' : '6', src);
	/* The line spells the address as inet_ntop would, or in another
	 * form inet_pton reads to the same bytes: compare the bytes. */
	if (strncmp(line, want, strlen(want)) != 0) {
		uint8_t a[16], b[16];
		char *f = line + 11, *sp = strchr(f, ' ');

		FUZZ_CHECK(sp != NULL);
		*sp = '\0';
		FUZZ_CHECK(inet_pton(family, f, a) == 1);
		FUZZ_CHECK(inet_pton(family, src, b) == 1);
		FUZZ_CHECK(memcmp(a, b, family == AF_INET ? 4 : 16) == 0);
	}
}

static void
check_v2(const uint8_t *p, int rc, const char *src)
{
	char want[PROXY_ADDR_MAX];
	int family;

	FUZZ_CHECK(rc >= 16 && rc <= PROXY_HDR_MAX);
	FUZZ_CHECK(memcmp(p, v2_sig, 12) == 0);
	FUZZ_CHECK(p[12] == 0x20 || p[12] == 0x21);
	FUZZ_CHECK(rc == 16 + (p[14] << 8 | p[15]));
	check_src(src, &family);
	if (family == 0)
		return;
	FUZZ_CHECK(p[12] == 0x21);
	FUZZ_CHECK(p[13] == (family == AF_INET ? 0x11 : 0x21));
	FUZZ_CHECK(inet_ntop(family, p + 16, want, sizeof(want)) != NULL);
	FUZZ_CHECK(strcmp(want, src) == 0);
}

static void
header_mode(const uint8_t *p, size_t n)
{
	char src[PROXY_ADDR_MAX], src2[PROXY_ADDR_MAX];
	uint8_t *more;
	size_t i;
	int rc, rc2;

	memset(src, 0x5a, sizeof(src));
	rc = parse(p, n, src);
	FUZZ_CHECK(rc >= -1 && rc <= (int)n && rc <= PROXY_HDR_MAX);
	FUZZ_CHECK(rc != 0 || n < PROXY_HDR_MAX);
	if (rc > 0) {
		if (p[0] == 'P')
			check_v1(p, rc, src);
		else
			check_v2(p, rc, src);
		for (i = 0; i < (size_t)rc; i += 1 + (size_t)rc / 16)
			FUZZ_CHECK(parse(p, i, src2) == 0);
		FUZZ_CHECK(parse(p, (size_t)rc - 1, src2) == 0);
	}
	/* Bytes after the input: the same answer, or (for 0) any. */
	if ((more = malloc(n + JUNK_MAX)) == NULL)
		abort();
	memcpy(more, p, n);
	for (i = 0; i < JUNK_MAX; i++)
		more[n + i] = n > 0 ? p[i % n] : (uint8_t)i;
	rc2 = proxy_header_parse(more, n + JUNK_MAX, src2);
	free(more);
	if (rc != 0)
		FUZZ_CHECK(rc2 == rc);
	if (rc > 0)
		FUZZ_CHECK(strcmp(src, src2) == 0);
}

static void
trust_mode(const uint8_t *p, size_t n)
{
	struct proxy_trust t;
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	char *s = malloc(n + 1);
	int i, bytes;

	FUZZ_CHECK(s != NULL);
	memcpy(s, p, n);
	s[n] = '\0';
	if (proxy_trust_parse(s, &t) == 0) {
		FUZZ_CHECK(t.n >= 1 && t.n <= PROXY_TRUST_MAX);
		FUZZ_CHECK(strlen(s) <= PROXY_LIST_MAX);
		for (i = 0; i < t.n; i++) {
			const struct proxy_net *e = &t.net[i];

			FUZZ_CHECK(e->family == AF_INET ||
			    e->family == AF_INET6);
			bytes = e->family == AF_INET ? 4 : 16;
			FUZZ_CHECK(e->prefix >= 0 && e->prefix <= bytes * 8);
			memset(&s4, 0, sizeof(s4));
			memset(&s6, 0, sizeof(s6));
			if (e->family == AF_INET) {
				s4.sin_family = AF_INET;
				memcpy(&s4.sin_addr, e->addr, 4);
				FUZZ_CHECK(proxy_trusted(&t,
				    (struct sockaddr *)&s4));
			} else {
				s6.sin6_family = AF_INET6;
				memcpy(&s6.sin6_addr, e->addr, 16);
				FUZZ_CHECK(proxy_trusted(&t,
				    (struct sockaddr *)&s6));
			}
		}
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		trust_mode(data + 1, size - 1);
	else
		header_mode(data + 1, size - 1);
	return 0;
}
