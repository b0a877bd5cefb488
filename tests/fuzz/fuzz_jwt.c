/*
 * fuzz_jwt.c: the JWT verifier (jwt_verify, jwt.c) with fixed test keys
 * (an HS256 secret of the bytes 0..47, the Ed25519 key pair of the seed
 * 0x40..0x5f), an issuer and audience configured, at a fixed "now"; the
 * seed corpus holds real tokens under those keys (gen-seeds-jwt.py).
 *
 * The first input byte picks the mode:
 *   even: the rest is a token, verified. If it verifies, this file
 *         checks independently that it is three strict base64url parts,
 *         that the header's alg is HS256 or EdDSA and its signature
 *         verifies under that key with libsodium directly, and that the
 *         spec is sane: a printable subject of 1..127 bytes, limits
 *         within the policy's maxima, a grant of walkin_spec.h's grammar.
 *   odd:  the second byte picks the algorithm and the rest is a payload,
 *         signed here under a valid header: whether it verifies is up to
 *         the claims, and if it does, the same checks hold, and the token
 *         with any one character of its signature changed must not.
 * Every refusal must leave the spec zeroed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fuzz.h"
#include "jwt.h"

#define NOW	1795461721LL
#define B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define TOKMAX	8192

static uint8_t	secret[48], pk[32], sk[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct jwt_policy p;
	uint8_t seed[32];
	size_t i;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)i;
	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(0x40 + i);
	crypto_sign_seed_keypair(pk, sk, seed);
	if (jwt_set_keys(secret, sizeof(secret), pk) == -1)
		abort();
	memset(&p, 0, sizeof(p));
	snprintf(p.issuer, sizeof(p.issuer), "https://issuer.test");
	snprintf(p.audience, sizeof(p.audience), "walkind-test");
	p.max_ttl_s = 86400;
	p.max_db_bytes = 1 << 30;
	p.max_rate_requests = 600;
	p.max_rate_creates = 60;
	jwt_set_policy(&p);
	return 0;
}

static int
zeroed(const struct walkin_spec *s)
{
	static const struct walkin_spec z;

	return memcmp(s, &z, sizeof(z)) == 0;
}

/* NAME = [A-Za-z_][A-Za-z0-9_]{0,63} ending at one of `ends`. */
static const char *
grant_name(const char *p, const char *ends)
{
	size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_");

	FUZZ_CHECK(n > 0 && n < 64 && !(p[0] >= '0' && p[0] <= '9'));
	FUZZ_CHECK(strchr(ends, p[n]) != NULL);
	return p + n;
}

static void
check_grant(const char *g)
{
	FUZZ_CHECK(strlen(g) < WALKIN_GRANT_MAX);
	if (g[0] == '\0' || strcmp(g, "!") == 0)
		return;
	for (;;) {
		g = grant_name(g, ":");
		g++;
		if (*g == '*')
			g++;
		else
			for (;;) {
				g = grant_name(g, ",;");
				if (*g != ',')
					break;
				g++;
			}
		FUZZ_CHECK(*g == ';' || *g == '\0');
		if (*g++ == '\0')
			return;
	}
}

static void
check_spec(const struct walkin_spec *s)
{
	size_t i, n = strnlen(s->subject, sizeof(s->subject));

	FUZZ_CHECK(n > 0 && n < sizeof(s->subject));
	for (i = 0; i < n; i++)
		FUZZ_CHECK(s->subject[i] >= 0x20 && s->subject[i] <= 0x7e);
	FUZZ_CHECK(s->ttl_s >= 0 && s->ttl_s <= 86400);
	FUZZ_CHECK(s->max_db_bytes == 0 || (s->max_db_bytes >= 65536 &&
	    s->max_db_bytes <= (1 << 30)));
	FUZZ_CHECK(s->rate_requests >= 0 && s->rate_requests <= 600);
	FUZZ_CHECK(s->rate_creates >= 0 && s->rate_creates <= 60);
	check_grant(s->grant);
}

/* An accepted token, checked without src/jwt.c. */
static void
check_token(const char *t, size_t len, const struct walkin_spec *s)
{
	uint8_t hdr[TOKMAX], sig[64];
	const char *d1, *d2;
	size_t hlen, slen, i;

	for (i = 0; i < len; i++)
		FUZZ_CHECK((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' &&
		    t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') ||
		    t[i] == '-' || t[i] == '_' || t[i] == '.');
	FUZZ_CHECK((d1 = memchr(t, '.', len)) != NULL);
	FUZZ_CHECK((d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - t))) !=
	    NULL);
	FUZZ_CHECK(sodium_base642bin(hdr, sizeof(hdr) - 1, t,
	    (size_t)(d1 - t), NULL, &hlen, NULL, B64) == 0);
	FUZZ_CHECK(sodium_base642bin(sig, sizeof(sig), d2 + 1,
	    len - (size_t)(d2 + 1 - t), NULL, &slen, NULL, B64) == 0);
	hdr[hlen] = '\0';
	if (strstr((char *)hdr, "\"HS256\"") != NULL && slen == 32) {
		uint8_t mac[32];
		crypto_auth_hmacsha256_state st;

		crypto_auth_hmacsha256_init(&st, secret, sizeof(secret));
		crypto_auth_hmacsha256_update(&st, (const uint8_t *)t,
		    (size_t)(d2 - t));
		crypto_auth_hmacsha256_final(&st, mac);
		FUZZ_CHECK(memcmp(mac, sig, 32) == 0);
	} else {
		FUZZ_CHECK(strstr((char *)hdr, "\"EdDSA\"") != NULL &&
		    slen == 64);
		FUZZ_CHECK(crypto_sign_verify_detached(sig, (const uint8_t *)t,
		    (size_t)(d2 - t), pk) == 0);
	}
	check_spec(s);
}

static void
verify_string(const uint8_t *p, size_t n)
{
	struct walkin_spec s;
	char *t = fuzz_memdup(p, n);	/* exact size: over-reads trap */

	if (jwt_verify(t, n, NOW, &s, NULL) == 0)
		check_token(t, n, &s);
	else
		FUZZ_CHECK(zeroed(&s));
	free(t);
}

static void
sign_and_verify(const uint8_t *p, size_t n)
{
	static char t[TOKMAX];
	const char *hdr;
	struct walkin_spec s;
	uint8_t sig[64];
	size_t len, slen, at;
	int ed;

	if (n < 2 || n > 2048)
		return;
	ed = p[0] & 1;
	at = p[0] >> 1;
	p++;
	n--;
	hdr = ed ? "{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}" : "{\"alg\":\"HS256\"}";
	sodium_bin2base64(t, sizeof(t), (const uint8_t *)hdr, strlen(hdr), B64);
	len = strlen(t);
	t[len++] = '.';
	sodium_bin2base64(t + len, sizeof(t) - len, p, n, B64);
	len += strlen(t + len);
	if (ed) {
		crypto_sign_detached(sig, NULL, (const uint8_t *)t, len, sk);
		slen = 64;
	} else {
		crypto_auth_hmacsha256_state st;

		crypto_auth_hmacsha256_init(&st, secret, sizeof(secret));
		crypto_auth_hmacsha256_update(&st, (const uint8_t *)t, len);
		crypto_auth_hmacsha256_final(&st, sig);
		slen = 32;
	}
	t[len++] = '.';
	at = len + at % (slen * 4 / 3);
	sodium_bin2base64(t + len, sizeof(t) - len, sig, slen, B64);
	len += strlen(t + len);
	if (jwt_verify(t, len, NOW, &s, NULL) != 0) {
		FUZZ_CHECK(zeroed(&s));
		return;
	}
	check_token(t, len, &s);
	t[at] = t[at] == 'A' ? 'B' : 'A';
	FUZZ_CHECK(jwt_verify(t, len, NOW, &s, NULL) == -1 && zeroed(&s));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 6000)
		return 0;
	if (data[0] & 1)
		sign_and_verify(data + 1, size - 1);
	else
		verify_string(data + 1, size - 1);
	return 0;
}
