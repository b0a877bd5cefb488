/*
 * proxy.h: the client's address behind a trusted reverse proxy.
 *
 * --trusted-proxy names the peers (addresses or CIDR blocks) allowed to
 * say who the client is; each of their connections must open with a
 * PROXY protocol header (v1 text or v2 binary, as HAProxy's send-proxy
 * and send-proxy-v2 write it), whose source address then stands for the
 * client in per-IP limits and the access log. Nobody else's header
 * counts: from any other peer the bytes are just a malformed request.
 * X-Forwarded-For is never read. Shared code; no I/O, no state.
 */
#ifndef WALKIND_PROXY_H
#define WALKIND_PROXY_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;

#define PROXY_TRUST_MAX		16	/* entries in --trusted-proxy */
#define PROXY_LIST_MAX		255	/* bytes of the option's value */
#define PROXY_V1_MAX		107	/* the v1 line with its CRLF (spec) */
#define PROXY_V2_BODY_MAX	216	/* v2 addresses and TLVs we read:
					 * 36 for IPv6 + room for the TLVs
					 * HAProxy adds; more is refused */
#define PROXY_HDR_MAX		(16 + PROXY_V2_BODY_MAX)
#define PROXY_ADDR_MAX		64	/* the text form, as http.h peer_ip */

struct proxy_net {
	int	family;			/* AF_INET or AF_INET6 */
	uint8_t	addr[16];		/* network byte order */
	int	prefix;			/* bits that must match */
};

struct proxy_trust {
	struct proxy_net	net[PROXY_TRUST_MAX];
	int			n;
};

/*
 * Parse "ADDR[/BITS][,ADDR[/BITS]...]" (numeric IPv4 or IPv6, no blanks,
 * at most PROXY_TRUST_MAX entries, host bits of a block must be zero)
 * into t. 0, or -1 with t's contents unspecified.
 */
int	proxy_trust_parse(const char *s, struct proxy_trust *t);
/* Whether the peer sa (AF_INET or AF_INET6; an IPv4-mapped IPv6
 * address matches IPv4 entries) is in t. */
int	proxy_trusted(const struct proxy_trust *t, const struct sockaddr *sa);

/*
 * Parse a PROXY header at the start of p[0..len). Returns the header's
 * length when it is complete and valid, 0 when more bytes are needed
 * (every byte so far is consistent with a header and len is under the
 * most it could be), -1 when it is malformed or over PROXY_HDR_MAX. On
 * success *src (PROXY_ADDR_MAX bytes) holds the client's address in
 * inet_ntop's form, or "" for a header that names no client (v1
 * UNKNOWN, v2 LOCAL or an unspecified family: a health check), when the
 * connection's own peer stands. Only TCP over IPv4 or IPv6 is accepted.
 */
int	proxy_header_parse(const uint8_t *p, size_t len, char *src);

#endif
