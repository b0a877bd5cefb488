/*
 * test_jwt.c: the JWT verifier (jwt.c). Tokens are made here with
 * libsodium (HMAC-SHA-256, Ed25519) and the PEM public key is written
 * here, so every case is a token an attacker could send: accepted HS256
 * and EdDSA; refused alg none, algorithm confusion (HS256 signed with
 * the Ed25519 public key, raw or PEM), tampered payload and signature,
 * expiry, nbf and iat beyond the leeway, wrong iss and aud, oversize,
 * malformed base64url and JSON, duplicate keys, missing or mistyped
 * claims, claims over the operator's maxima; the grant text; the PEM
 * parser; the subject key. Also the version 2 walk-in token (token.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "bounds.h"
#include "jwt.h"
#include "token.h"
#include "unit.h"

#define NOW	1795461721LL
#define B64URL	sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define TOKMAX	8192

static uint8_t	secret[48];
static uint8_t	pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static char	pem[256];

static const char *HS = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
static const char *ED = "{\"alg\":\"EdDSA\"}";

/* Append base64url of p[0..n) to out. */
static void
b64_cat(char *out, const void *p, size_t n)
{
	size_t len = strlen(out);

	sodium_bin2base64(out + len, TOKMAX - len, p, n, B64URL);
}

/* header.payload (the signing input) into out. */
static void
signing_input(char *out, const char *header, const char *payload)
{
	out[0] = '\0';
	b64_cat(out, header, strlen(header));
	strcat(out, ".");
	b64_cat(out, payload, strlen(payload));
}

/* An HS256 token under key[0..klen). */
static void
make_hs(char *out, const uint8_t *key, size_t klen, const char *header,
    const char *payload)
{
	crypto_auth_hmacsha256_state st;
	uint8_t mac[crypto_auth_hmacsha256_BYTES];

	signing_input(out, header, payload);
	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)out, strlen(out));
	crypto_auth_hmacsha256_final(&st, mac);
	strcat(out, ".");
	b64_cat(out, mac, sizeof(mac));
}

static void
make_ed(char *out, const char *header, const char *payload)
{
	uint8_t sig[crypto_sign_BYTES];

	signing_input(out, header, payload);
	crypto_sign_detached(sig, NULL, (const uint8_t *)out, strlen(out), sk);
	strcat(out, ".");
	b64_cat(out, sig, sizeof(sig));
}

/* The PEM SubjectPublicKeyInfo of pk, as `openssl pkey -pubout`. */
static void
write_pem(char *out, size_t outlen, const uint8_t *key, uint8_t oid_last)
{
	uint8_t der[44] = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65,
	    0x70, 0x03, 0x21, 0x00 };
	char b64[80];

	der[8] = oid_last;
	memcpy(der + 12, key, 32);
	sodium_bin2base64(b64, sizeof(b64), der, sizeof(der),
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, outlen, "-----BEGIN PUBLIC KEY-----\n%s\n"
	    "-----END PUBLIC KEY-----\n", b64);
}

static void
policy(const char *iss, const char *aud)
{
	struct jwt_policy p;

	memset(&p, 0, sizeof(p));
	snprintf(p.issuer, sizeof(p.issuer), "%s", iss);
	snprintf(p.audience, sizeof(p.audience), "%s", aud);
	p.max_ttl_s = 86400;
	p.max_db_bytes = 100 * 1024 * 1024;
	p.max_rate_requests = 600;
	p.max_rate_creates = 60;
	jwt_set_policy(&p);
}

static int
verify(const char *tok, struct walkin_spec *spec)
{
	struct walkin_spec s;

	return jwt_verify(tok, strlen(tok), NOW, spec ? spec : &s, NULL);
}

/* A payload with exp an hour away and sub "alice", plus `extra`. */
static const char *
claims(const char *extra)
{
	static char buf[TOKMAX];

	snprintf(buf, sizeof(buf), "{\"sub\":\"alice\",\"exp\":%lld%s",
	    NOW + 3600, extra[0] ? "," : "");
	if (strlen(buf) + strlen(extra) + 2 > sizeof(buf))
		abort();
	strcat(buf, extra);
	strcat(buf, "}");
	return buf;
}

static void
keys_both(void)
{
	CHECK_INT(jwt_set_keys(secret, sizeof(secret), pk), 0);
}

static void
test_setup(void)
{
	uint8_t got[32];

	CHECK(sodium_init() >= 0);
	randombytes_buf(secret, sizeof(secret));
	crypto_sign_keypair(pk, sk);
	write_pem(pem, sizeof(pem), pk, 0x70);
	CHECK_INT(jwt_pem_ed25519(pem, strlen(pem), got), 0);
	CHECK(memcmp(got, pk, 32) == 0);
	policy("", "");
}

static void
test_accepted(void)
{
	struct walkin_spec s;
	char t[TOKMAX];

	keys_both();
	CHECK(jwt_enabled());
	make_hs(t, secret, sizeof(secret), HS, claims(""));
	CHECK_INT(verify(t, &s), 0);
	CHECK_STR(s.subject, "alice");
	CHECK_INT(s.ttl_s, 0);
	CHECK_INT(s.max_db_bytes, 0);
	CHECK_STR(s.grant, "");
	CHECK(jwt_shape(t));
	make_ed(t, ED, claims("\"walkind\":{\"ttl\":3600,\"max_db_bytes\":"
	    "1048576,\"rate_requests\":5,\"rate_creates\":2,\"datasets\":"
	    "{\"shop\":[\"orders\",\"products\"],\"geo\":\"*\"}}"));
	CHECK_INT(verify(t, &s), 0);
	CHECK_STR(s.subject, "alice");
	CHECK_INT(s.ttl_s, 3600);
	CHECK_INT(s.max_db_bytes, 1048576);
	CHECK_INT(s.rate_requests, 5);
	CHECK_INT(s.rate_creates, 2);
	CHECK_STR(s.grant, "shop:orders,products;geo:*");
	make_ed(t, ED, claims("\"walkind\":{\"datasets\":{}}"));
	CHECK_INT(verify(t, &s), 0);
	CHECK_STR(s.grant, "!");
	/* Extra standard claims and header fields are ignored. */
	make_hs(t, secret, sizeof(secret), "{\"alg\":\"HS256\",\"kid\":\"k1\"}",
	    claims("\"jti\":\"x\",\"scope\":[1,2]"));
	CHECK_INT(verify(t, NULL), 0);
	/* Only the configured keys: EdDSA alone refuses HS256. */
	CHECK_INT(jwt_set_keys(NULL, 0, pk), 0);
	make_hs(t, secret, sizeof(secret), HS, claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_ed(t, ED, claims(""));
	CHECK_INT(verify(t, NULL), 0);
	CHECK_INT(jwt_set_keys(secret, sizeof(secret), NULL), 0);
	CHECK_INT(verify(t, NULL), -1);
	jwt_free();
	CHECK(!jwt_enabled());
	CHECK_INT(verify(t, NULL), -1);
}

static void
test_alg(void)
{
	char t[TOKMAX], in[TOKMAX];

	keys_both();
	/* alg none, with an empty and with a real-looking signature. */
	signing_input(in, "{\"alg\":\"none\"}", claims(""));
	strcpy(t, in);
	strcat(t, ".");
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), "{\"alg\":\"none\"}", claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), "{\"alg\":\"HS512\"}", claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), "{\"alg\":\"hs256\"}", claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), "{\"alg\":\"RS256\"}", claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), "{\"typ\":\"JWT\"}", claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), "{\"alg\":[\"HS256\"]}",
	    claims(""));
	CHECK_INT(verify(t, NULL), -1);
	/* An Ed25519-signed token labelled HS256, and the reverse. */
	make_ed(t, HS, claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), ED, claims(""));
	CHECK_INT(verify(t, NULL), -1);
	/* typ other than JWT, crit. */
	make_hs(t, secret, sizeof(secret), "{\"alg\":\"HS256\",\"typ\":\"jwt\"}",
	    claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), "{\"alg\":\"HS256\",\"typ\":1}",
	    claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret),
	    "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_ed(t, "{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}", claims(""));
	CHECK_INT(verify(t, NULL), 0);
}

/* Algorithm confusion: the public key (raw or PEM) used as an HS256
 * secret, with only the Ed25519 key configured and with both. */
static void
test_confusion(void)
{
	uint8_t pk48[48];
	char t[TOKMAX], t2[TOKMAX], t3[TOKMAX];

	memcpy(pk48, pk, 32);
	memcpy(pk48 + 32, pk, 16);
	make_hs(t, pk, sizeof(pk), HS, claims(""));
	make_hs(t2, (const uint8_t *)pem, strlen(pem), HS, claims(""));
	make_hs(t3, pk48, sizeof(pk48), HS, claims(""));
	CHECK_INT(jwt_set_keys(NULL, 0, pk), 0);
	CHECK_INT(verify(t, NULL), -1);
	CHECK_INT(verify(t2, NULL), -1);
	CHECK_INT(verify(t3, NULL), -1);
	keys_both();
	CHECK_INT(verify(t, NULL), -1);
	CHECK_INT(verify(t2, NULL), -1);
	CHECK_INT(verify(t3, NULL), -1);
	/* The same tokens would verify if the secret were the PEM: the
	 * refusal above is the key's, not the token's format. */
	CHECK_INT(jwt_set_keys((const uint8_t *)pem, strlen(pem), NULL), 0);
	CHECK_INT(verify(t2, NULL), 0);
}

/* Flip one character of part `part` (0..2) of a copy of tok. */
static void
tamper(char *out, const char *tok, int part, size_t at)
{
	char *p = out;
	int i;

	strcpy(out, tok);
	for (i = 0; i < part; i++)
		p = strchr(p, '.') + 1;
	p[at] = p[at] == 'A' ? 'B' : 'A';
}

static void
test_tamper(void)
{
	char t[TOKMAX], x[TOKMAX];
	size_t i;

	keys_both();
	make_hs(t, secret, sizeof(secret), HS, claims(""));
	CHECK_INT(verify(t, NULL), 0);
	for (i = 0; i < 8; i++) {
		tamper(x, t, 1, i * 3);
		CHECK_INT(verify(x, NULL), -1);
		tamper(x, t, 2, i * 5);
		CHECK_INT(verify(x, NULL), -1);
		tamper(x, t, 0, i);
		CHECK_INT(verify(x, NULL), -1);
	}
	make_ed(t, ED, claims(""));
	for (i = 0; i < 8; i++) {
		tamper(x, t, 1, i * 3);
		CHECK_INT(verify(x, NULL), -1);
		tamper(x, t, 2, i * 9);
		CHECK_INT(verify(x, NULL), -1);
	}
	/* A payload swapped in from another valid token. */
	make_hs(x, secret, sizeof(secret), HS, "{\"sub\":\"root\",\"exp\":"
	    "9999999999}");
	strcpy(strchr(t, '.') + 1, strchr(x, '.') + 1);
	CHECK_INT(verify(t, NULL), -1);
	/* Truncated signature, extra part, missing part. */
	make_hs(t, secret, sizeof(secret), HS, claims(""));
	strcpy(x, t);
	x[strlen(x) - 2] = '\0';
	CHECK_INT(verify(x, NULL), -1);
	strcpy(x, t);
	strcat(x, ".e30");
	CHECK_INT(verify(x, NULL), -1);
	*strrchr(strcpy(x, t), '.') = '\0';
	CHECK_INT(verify(x, NULL), -1);
}

/* fmt with its one '@' replaced by v. */
static void
fill(char *out, size_t len, const char *fmt, long long v)
{
	const char *at = strchr(fmt, '@');

	snprintf(out, len, "%.*s%lld%s", (int)(at - fmt), fmt, v, at + 1);
}

static void
test_times(void)
{
	char t[TOKMAX], p[512];
	struct {
		const char	*fmt;
		long long	 v;
		int		 rc;
	} cases[] = {
		{ "{\"sub\":\"a\",\"exp\":@}", NOW - 100, -1 },
		{ "{\"sub\":\"a\",\"exp\":@}", NOW - BOUNDS_JWT_LEEWAY_S, -1 },
		{ "{\"sub\":\"a\",\"exp\":@}", NOW - 10, 0 },  /* leeway */
		{ "{\"sub\":\"a\",\"exp\":@}", NOW + 60, 0 },
		{ "{\"sub\":\"a\",\"exp\":9999999999,\"nbf\":@}", NOW + 100,
		    -1 },
		{ "{\"sub\":\"a\",\"exp\":9999999999,\"nbf\":@}", NOW + 10,
		    0 },
		{ "{\"sub\":\"a\",\"exp\":9999999999,\"iat\":@}", NOW + 100,
		    -1 },
		{ "{\"sub\":\"a\",\"exp\":9999999999,\"iat\":@}", NOW - 100,
		    0 },
		{ "{\"sub\":\"a\",\"exp\":\"@\"}", NOW + 60, -1 },
		{ "{\"sub\":\"a\",\"exp\":@.5}", NOW + 60, -1 },
		{ "{\"sub\":\"a\",\"exp\":@,\"nbf\":\"0\"}", NOW + 60, -1 },
		{ "{\"sub\":\"a\",\"exp\":@,\"iat\":null}", NOW + 60, -1 },
		{ "{\"sub\":\"a\",\"exp\":-@}", NOW, -1 },
		{ "{\"sub\":\"a\",\"exp\":1e10,\"x\":@}", 0, -1 },
		{ "{\"sub\":\"a\",\"exp\":12345678901234567890,\"x\":@}", 0,
		    -1 },
		{ "{\"sub\":\"a\",\"x\":@}", 0, -1 },	/* no exp */
	};
	size_t i;

	keys_both();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fill(p, sizeof(p), cases[i].fmt, cases[i].v);
		make_hs(t, secret, sizeof(secret), HS, p);
		if (verify(t, NULL) != cases[i].rc) {
			fprintf(stderr, "times case %zu: %s\n", i, p);
			unit_fail++;
		} else
			unit_pass++;
	}
}

static void
test_iss_aud(void)
{
	char t[TOKMAX];

	keys_both();
	policy("https://issuer.example", "walkind");
	make_hs(t, secret, sizeof(secret), HS, claims(
	    "\"iss\":\"https://issuer.example\",\"aud\":\"walkind\""));
	CHECK_INT(verify(t, NULL), 0);
	make_hs(t, secret, sizeof(secret), HS, claims(
	    "\"iss\":\"https://issuer.example\",\"aud\":[\"x\",\"walkind\"]"));
	CHECK_INT(verify(t, NULL), 0);
	make_hs(t, secret, sizeof(secret), HS, claims(
	    "\"iss\":\"https://evil.example\",\"aud\":\"walkind\""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), HS, claims(
	    "\"iss\":\"https://issuer.example\",\"aud\":\"other\""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), HS, claims(
	    "\"iss\":\"https://issuer.example\",\"aud\":[\"other\"]"));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), HS, claims(
	    "\"iss\":\"https://issuer.example\""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), HS, claims("\"aud\":\"walkind\""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), HS, claims(
	    "\"iss\":\"https://issuer.example\\u0000x\",\"aud\":\"walkind\""));
	CHECK_INT(verify(t, NULL), -1);
	policy("", "");
	make_hs(t, secret, sizeof(secret), HS, claims(
	    "\"iss\":\"https://evil.example\",\"aud\":\"other\""));
	CHECK_INT(verify(t, NULL), 0);
}

static void
test_malformed(void)
{
	char t[TOKMAX], x[TOKMAX], big[BOUNDS_JWT_MAX_BYTES + 16];
	size_t n;

	keys_both();
	make_hs(t, secret, sizeof(secret), HS, claims(""));
	/* Padding, a '+', a non-canonical last character. */
	strcpy(x, t);
	strcat(x, "=");
	CHECK_INT(verify(x, NULL), -1);
	strcpy(x, t);
	x[3] = '+';
	CHECK_INT(verify(x, NULL), -1);
	CHECK(jwt_shape(x));
	/* The HMAC is 32 bytes: 43 characters, the last carrying two
	 * unused bits; setting one gives another spelling of it. */
	strcpy(x, t);
	n = strlen(x) - 1;
	x[n] = (char)(x[n] == 'A' ? 'B' : x[n] == 'Q' ? 'R' : x[n] == 'g' ?
	    'h' : 'x');
	CHECK_INT(verify(x, NULL), -1);
	CHECK_INT(verify("", NULL), -1);
	CHECK_INT(verify("..", NULL), -1);
	CHECK_INT(verify("a.b.c", NULL), -1);
	CHECK(jwt_shape(".."));
	CHECK(jwt_shape("a.b."));
	CHECK(jwt_shape("a.b.c.d"));
	CHECK(!jwt_shape("wkn_AAAA"));
	CHECK(jwt_shape("a.b"));
	CHECK(!jwt_shape("abc"));
	CHECK(jwt_shape("a.b.c"));
	/* JSON: not an object, trailing data, duplicate keys, bad UTF-8. */
	make_hs(t, secret, sizeof(secret), HS, "[1]");
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), HS, "{\"sub\":\"a\",\"exp\":"
	    "9999999999} x");
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), HS, "{\"sub\":\"a\",\"exp\":"
	    "9999999999,\"sub\":\"root\"}");
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), HS, "{\"sub\":\"a\",\"exp\":1,"
	    "\"exp\":9999999999}");
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), "{\"alg\":\"HS256\","
	    "\"alg\":\"none\"}", claims(""));
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), HS, "{\"sub\":\"\xff\",\"exp\":"
	    "9999999999}");
	CHECK_INT(verify(t, NULL), -1);
	make_hs(t, secret, sizeof(secret), HS, claims("\"walkind\":{\"ttl\":60,"
	    "\"ttl\":86400}"));
	CHECK_INT(verify(t, NULL), -1);
	/* Too deep: a dataset's table list holding a list. */
	make_hs(t, secret, sizeof(secret), HS, claims("\"walkind\":{"
	    "\"datasets\":{\"a\":[[\"b\"]]}}"));
	CHECK_INT(verify(t, NULL), -1);
	/* Oversized: a valid token past BOUNDS_JWT_MAX_BYTES. */
	memset(big, 'a', 3000);
	big[3000] = '\0';
	snprintf(x, sizeof(x), "\"pad\":\"%s\"", big);
	make_hs(t, secret, sizeof(secret), HS, claims(x));
	CHECK(strlen(t) > BOUNDS_JWT_MAX_BYTES);
	CHECK_INT(verify(t, NULL), -1);
	big[2000] = '\0';
	snprintf(x, sizeof(x), "\"pad\":\"%s\"", big);
	make_hs(t, secret, sizeof(secret), HS, claims(x));
	CHECK(strlen(t) <= BOUNDS_JWT_MAX_BYTES);
	CHECK_INT(verify(t, NULL), 0);
	/* A NUL inside the length given. */
	make_hs(t, secret, sizeof(secret), HS, claims(""));
	n = strlen(t);
	t[n] = '\0';
	CHECK_INT(jwt_verify(t, n + 1, NOW, (struct walkin_spec *)(void *)big,
	    NULL), -1);
}

static void
test_sub(void)
{
	char t[TOKMAX], p[512], longsub[200];
	const char *bad[] = {
		"{\"exp\":9999999999}",
		"{\"exp\":9999999999,\"sub\":\"\"}",
		"{\"exp\":9999999999,\"sub\":42}",
		"{\"exp\":9999999999,\"sub\":null}",
		"{\"exp\":9999999999,\"sub\":[\"a\"]}",
		"{\"exp\":9999999999,\"sub\":\"a\\nb\"}",
		"{\"exp\":9999999999,\"sub\":\"a\\u0000b\"}",
		"{\"exp\":9999999999,\"sub\":\"caf\\u00e9\"}",
	};
	struct walkin_spec s;
	size_t i;

	keys_both();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_hs(t, secret, sizeof(secret), HS, bad[i]);
		CHECK_INT(verify(t, NULL), -1);
	}
	memset(longsub, 'x', WALKIN_SUBJECT_MAX);
	longsub[WALKIN_SUBJECT_MAX] = '\0';
	snprintf(p, sizeof(p), "{\"exp\":9999999999,\"sub\":\"%s\"}", longsub);
	make_hs(t, secret, sizeof(secret), HS, p);
	CHECK_INT(verify(t, NULL), -1);
	longsub[WALKIN_SUBJECT_MAX - 1] = '\0';
	snprintf(p, sizeof(p), "{\"exp\":9999999999,\"sub\":\"%s\"}", longsub);
	make_hs(t, secret, sizeof(secret), HS, p);
	CHECK_INT(verify(t, &s), 0);
	CHECK_INT(strlen(s.subject), WALKIN_SUBJECT_MAX - 1);
	make_hs(t, secret, sizeof(secret), HS,
	    "{\"exp\":9999999999,\"sub\":\"user@example.com \\\"q\\\"\"}");
	CHECK_INT(verify(t, &s), 0);
	CHECK_STR(s.subject, "user@example.com \"q\"");
}

static void
test_limits(void)
{
	const char *bad[] = {
		"{\"ttl\":86401}", "{\"ttl\":0}", "{\"ttl\":-5}",
		"{\"ttl\":60.0}", "{\"ttl\":\"60\"}", "{\"ttl\":null}",
		"{\"max_db_bytes\":104857601}", "{\"max_db_bytes\":1000}",
		"{\"rate_requests\":601}", "{\"rate_requests\":0}",
		"{\"rate_creates\":61}", "{\"tll\":60}", "{\"Ttl\":60}",
		"{\"datasets\":[]}", "{\"datasets\":\"*\"}",
		"{\"datasets\":{\"shop\":[]}}", "{\"datasets\":{\"shop\":\"all\"}}",
		"{\"datasets\":{\"1shop\":\"*\"}}",
		"{\"datasets\":{\"sh-op\":\"*\"}}",
		"{\"datasets\":{\"shop\":[\"a;b\"]}}",
		"{\"datasets\":{\"shop\":[\"a\",1]}}",
		"{\"datasets\":{\"\":\"*\"}}",
		"{\"datasets\":{\"shop\":[\"a\\u0000\"]}}",
	};
	char t[TOKMAX], p[TOKMAX], ds[TOKMAX];
	struct walkin_spec s;
	size_t i;
	int n;

	keys_both();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(p, sizeof(p), "\"walkind\":%s", bad[i]);
		make_hs(t, secret, sizeof(secret), HS, claims(p));
		if (verify(t, NULL) != -1) {
			fprintf(stderr, "limits case %zu accepted: %s\n", i,
			    bad[i]);
			unit_fail++;
		} else
			unit_pass++;
	}
	make_hs(t, secret, sizeof(secret), HS, claims("\"walkind\":[]"));
	CHECK_INT(verify(t, NULL), -1);
	/* At the maxima exactly. */
	make_hs(t, secret, sizeof(secret), HS, claims("\"walkind\":{\"ttl\":"
	    "86400,\"max_db_bytes\":104857600,\"rate_requests\":600,"
	    "\"rate_creates\":60}"));
	CHECK_INT(verify(t, &s), 0);
	CHECK_INT(s.ttl_s, 86400);
	CHECK_INT(s.max_db_bytes, 104857600);
	/* A grant that does not fit WALKIN_GRANT_MAX is refused. */
	strcpy(ds, "\"walkind\":{\"datasets\":{");
	for (i = 0; i < 12; i++) {
		n = (int)strlen(ds);
		snprintf(ds + n, sizeof(ds) - (size_t)n, "%s\"d%zu_%s\":\"*\"",
		    i ? "," : "", i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	}
	strcat(ds, "}}");
	make_hs(t, secret, sizeof(secret), HS, claims(ds));
	CHECK_INT(verify(t, &s), -1);
	CHECK_STR(s.subject, "");	/* zeroed on failure */
}

static void
test_pem(void)
{
	char p[256], q[256];
	uint8_t got[32];
	size_t n;

	CHECK_INT(jwt_pem_ed25519(pem, strlen(pem), got), 0);
	CHECK_INT(jwt_pem_ed25519(pem, strlen(pem) - 1, got), 0);
	CHECK_INT(jwt_pem_ed25519(pem, strlen(pem) - 2, got), -1);
	write_pem(p, sizeof(p), pk, 0x6e);	/* X25519's OID */
	CHECK_INT(jwt_pem_ed25519(p, strlen(p), got), -1);
	strcpy(q, pem);
	strcat(q, "\n");
	CHECK_INT(jwt_pem_ed25519(q, strlen(q), got), -1);
	strcpy(q, pem);
	n = strlen("-----BEGIN PUBLIC KEY-----\n");
	q[n + 20] = '*';
	CHECK_INT(jwt_pem_ed25519(q, strlen(q), got), -1);
	strcpy(q, pem);
	memcpy(q + 11, "PRIVATE", 7);	/* same length, wrong label */
	CHECK_INT(jwt_pem_ed25519(q, strlen(q), got), -1);
	CHECK_INT(jwt_pem_ed25519("", 0, got), -1);
}

static void
test_load(void)
{
	char dir[] = "/tmp/test_jwt.XXXXXX", path[128], path2[128], err[256];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/secret", dir);
	snprintf(path2, sizeof(path2), "%s/ed.pem", dir);
	f = fopen(path, "w");
	fwrite(secret, 1, 31, f);
	fclose(f);
	CHECK_INT(jwt_load(path, NULL, err, sizeof(err)), -1);
	CHECK(strstr(err, "at least 32") != NULL);
	f = fopen(path, "w");
	fwrite(secret, 1, sizeof(secret), f);
	fclose(f);
	f = fopen(path2, "w");
	fputs(pem, f);
	fclose(f);
	CHECK_INT(jwt_load(path, path2, err, sizeof(err)), 0);
	CHECK(jwt_enabled());
	CHECK_INT(jwt_load(NULL, "/nonexistent/x", err, sizeof(err)), -1);
	f = fopen(path2, "w");
	fputs("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", f);
	fclose(f);
	CHECK_INT(jwt_load(NULL, path2, err, sizeof(err)), -1);
	CHECK(strstr(err, "Ed25519") != NULL);
	unit_rmtree(dir);
}

static void
test_subject_key(void)
{
	uint8_t a[JWT_SUBJECT_KEY_BYTES], b[JWT_SUBJECT_KEY_BYTES];
	uint8_t c[JWT_SUBJECT_KEY_BYTES];

	keys_both();
	jwt_subject_key("alice", a);
	jwt_subject_key("alice", b);
	jwt_subject_key("bob", c);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	CHECK(memcmp(a, c, sizeof(a)) != 0);
	/* Keyed: another secret, another key for the same subject. */
	secret[0] ^= 1;
	keys_both();
	jwt_subject_key("alice", b);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	secret[0] ^= 1;
}

/* token.h version 2: the extension round-trips and is under the MAC;
 * version 1 still verifies and says it has none. */
static void
test_token_v2(void)
{
	char dir[] = "/tmp/test_jwt_tok.XXXXXX", tok[TOKEN_STR_MAX], x[TOKEN_STR_MAX];
	char err[256];
	uint8_t id[TOKEN_ID_BYTES], got[TOKEN_ID_BYTES];
	struct token_ext e = { { 1, 2, 3, 4, 5, 6, 7, 8 }, 5, 2, 3600 }, g;
	int64_t exp;
	int has, i;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(token_keys_load(dir, NOW, err, sizeof(err)), 0);
	token_new_id(id);
	token_mint_ext(id, NOW + 600, &e, tok);
	CHECK_INT(strlen(tok), 130);
	CHECK_INT(token_verify_ext(tok, strlen(tok), NOW, got, &exp, &g, &has),
	    0);
	CHECK_INT(has, 1);
	CHECK(memcmp(got, id, sizeof(id)) == 0);
	CHECK(memcmp(&g, &e, sizeof(e)) == 0);
	CHECK_INT(token_verify(tok, strlen(tok), NOW, got, &exp), 0);
	CHECK_INT(token_share_verify(tok, strlen(tok), NOW, got, &exp), -1);
	for (i = 4; i < 130; i += 7) {
		strcpy(x, tok);
		x[i] = x[i] == 'A' ? 'B' : 'A';
		CHECK_INT(token_verify_ext(x, strlen(x), NOW, got, &exp, &g,
		    &has), -1);
	}
	token_mint(id, NOW + 600, tok);
	CHECK_INT(strlen(tok), 103);
	CHECK_INT(token_verify_ext(tok, strlen(tok), NOW, got, &exp, &g, &has),
	    0);
	CHECK_INT(has, 0);
	CHECK_INT(g.ttl_s, 0);
	token_keys_free();
	unit_rmtree(dir);
}

UNIT_MAIN(test_setup, test_accepted, test_alg, test_confusion, test_tamper,
    test_times, test_iss_aud, test_malformed, test_sub, test_limits,
    test_pem, test_load, test_subject_key, test_token_v2)
