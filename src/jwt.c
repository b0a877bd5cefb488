/*
 * jwt.c: the JWS compact verifier and the "walkind" claim (jwt.h; front
 * end process, event-loop thread only, so no lock).
 *
 * A token is header.payload.signature, each part base64url without
 * padding. The checks, in order, each failing the same way (-1 and a
 * static reason for a debug line; the caller answers one 401):
 *
 *   1. at most BOUNDS_JWT_MAX_BYTES, exactly two dots, every part
 *      strict base64url (the alphabet only, no padding, the unused low
 *      bits of the last character zero: one spelling per token);
 *   2. the header is a JSON object (jparse: strict, duplicate keys
 *      refused); "alg" selects a configured key: "HS256" the secret,
 *      "EdDSA" the Ed25519 public key, anything else (none, RS256,
 *      HS512, an alg whose key is not configured) is refused, so a
 *      token cannot pick the algorithm its signature is checked with;
 *      "typ", if present, is "JWT"; "crit" is refused (no extension is
 *      understood, RFC 7515 section 4.1.11);
 *   3. the signature over "header.payload": HMAC-SHA-256 compared in
 *      constant time (crypto_verify_32), or Ed25519
 *      (crypto_sign_verify_detached). Nothing of the payload is parsed
 *      before it verifies;
 *   4. the claims (a JSON object): "exp" an integer, now < exp + leeway;
 *      "nbf" and "iat", if present, integers not after now + leeway;
 *      "iss" equal to --jwt-issuer and "aud" (a string, or an array of
 *      strings) containing --jwt-audience when those are configured;
 *      "sub" a string of 1..WALKIN_SUBJECT_MAX-1 printable ASCII bytes;
 *      other claims are ignored (issuers add their own: jti, scope...);
 *   5. "walkind", if present, an object whose keys are exactly among
 *      ttl, max_db_bytes, rate_requests, rate_creates (integers within
 *      1..the operator's maximum; max_db_bytes from 64 KiB) and
 *      datasets (walkin_spec.h's grant). An unknown key or a value over
 *      its maximum refuses the token: a misspelt or inflated limit
 *      means a misconfigured or forged issuer, and clamping it would
 *      hand the walk-in something nobody asked for without a trace.
 *
 * Key material (the HS256 secret, the Ed25519 public key, the subject
 * hash key) lives in one sodium_malloc'd block kept read-only; the
 * HMAC state derived from the secret is copied per token and wiped.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "bounds.h"
#include "jparse.h"
#include "json.h"
#include "jwt.h"
#include "log.h"

#define JWT_HS_SIG_BYTES	crypto_auth_hmacsha256_BYTES	/* 32 */
#define JWT_ED_SIG_BYTES	crypto_sign_BYTES		/* 64 */
#define JWT_SUBKEY_DOMAIN	"walkind/jwt-subject/v1"
#define JWT_PEM_BEGIN		"-----BEGIN PUBLIC KEY-----\n"
#define JWT_PEM_END		"-----END PUBLIC KEY-----"
#define JWT_PEM_B64_LEN		60	/* 44 DER bytes, one '=' */
#define JWT_SPKI_BYTES		44
#define JWT_RATE_CAP		1000000	/* --rate-* options' own maximum */

/* The DER of an Ed25519 SubjectPublicKeyInfo before its 32 key bytes
 * (RFC 8410 section 4): SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT
 * STRING (33 bytes, no unused bits) }. */
static const uint8_t jwt_spki_prefix[12] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
};

struct jwt_keys {
	int				have_hs;
	int				have_ed;
	crypto_auth_hmacsha256_state	hs;	/* after the key's pads */
	uint8_t				ed[crypto_sign_PUBLICKEYBYTES];
	uint8_t				subkey[crypto_generichash_KEYBYTES];
};

static struct jwt_keys		*jwt_keys;	/* sodium_malloc, read-only */
static struct jwt_policy	 jwt_pol = { "", "", 86400,
    BOUNDS_JWT_DEF_MAX_DB_BYTES, 0, 0 };

/* ---- keys ---- */

void
jwt_free(void)
{
	if (jwt_keys != NULL)
		sodium_free(jwt_keys);	/* zeroes before unmapping */
	jwt_keys = NULL;
}

int
jwt_enabled(void)
{
	return jwt_keys != NULL;
}

void
jwt_set_policy(const struct jwt_policy *p)
{
	jwt_pol = *p;
}

/* The subject hash key: BLAKE2b of a domain and the secret (or, with no
 * secret, the public key), so it is secret whenever the secret is. */
static void
jwt_derive_subkey(struct jwt_keys *k, const uint8_t *secret, size_t len)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(k->subkey));
	crypto_generichash_update(&st, (const uint8_t *)JWT_SUBKEY_DOMAIN,
	    sizeof(JWT_SUBKEY_DOMAIN) - 1);
	if (secret != NULL)
		crypto_generichash_update(&st, secret, len);
	else
		crypto_generichash_update(&st, k->ed, sizeof(k->ed));
	crypto_generichash_final(&st, k->subkey, sizeof(k->subkey));
	sodium_memzero(&st, sizeof(st));
}

int
jwt_set_keys(const uint8_t *secret, size_t secret_len, const uint8_t *pk)
{
	struct jwt_keys *k;

	jwt_free();
	if (secret == NULL && pk == NULL)
		return 0;
	if (secret != NULL && (secret_len < BOUNDS_JWT_SECRET_MIN ||
	    secret_len > BOUNDS_JWT_SECRET_MAX))
		return -1;
	if (sodium_init() < 0 || (k = sodium_malloc(sizeof(*k))) == NULL)
		return -1;
	sodium_memzero(k, sizeof(*k));
	if (secret != NULL) {
		k->have_hs = 1;
		crypto_auth_hmacsha256_init(&k->hs, secret, secret_len);
	}
	if (pk != NULL) {
		k->have_ed = 1;
		memcpy(k->ed, pk, sizeof(k->ed));
	}
	jwt_derive_subkey(k, secret, secret_len);
	if (sodium_mprotect_readonly(k) != 0)
		abort();
	jwt_keys = k;
	return 0;
}

/* The key files, opened by jwt_open (as root, before the privilege drop)
 * and read by jwt_read (after the spawner's fork, which closes every fd
 * it inherits, proc.c): -1 when not configured. */
static int	 jwt_fd_hs = -1, jwt_fd_ed = -1;
static char	 jwt_name_hs[1024], jwt_name_ed[1024];

/* Open path read-only, a regular file that no group or other may write
 * (whoever can write it chooses the identities). -1 with err filled. */
static int
jwt_open_one(const char *path, int *fd, char *name, size_t namelen,
    char *err, size_t errlen)
{
	struct stat st;

	*fd = -1;
	if (path == NULL || path[0] == '\0')
		return 0;
	snprintf(name, namelen, "%s", path);
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    fstat(*fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 0022) != 0) {
		snprintf(err, errlen, "%s: must be a regular file, not "
		    "group/other writable", path);
		return -1;
	}
	return 0;
}

static void
jwt_close(void)
{
	if (jwt_fd_hs != -1)
		close(jwt_fd_hs);
	if (jwt_fd_ed != -1)
		close(jwt_fd_ed);
	jwt_fd_hs = jwt_fd_ed = -1;
}

int
jwt_open(const char *hs256_file, const char *ed25519_file, char *err,
    size_t errlen)
{
	jwt_close();
	if (jwt_open_one(hs256_file, &jwt_fd_hs, jwt_name_hs,
	    sizeof(jwt_name_hs), err, errlen) == -1 ||
	    jwt_open_one(ed25519_file, &jwt_fd_ed, jwt_name_ed,
	    sizeof(jwt_name_ed), err, errlen) == -1) {
		jwt_close();
		return -1;
	}
	return 0;
}

/* Read fd to its end, at most max bytes, into buf. The length, or -1
 * with err filled. */
static ssize_t
jwt_read_fd(int fd, const char *name, uint8_t *buf, size_t max, char *err,
    size_t errlen)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, max + 1 - len)) > 0 ||
	    (n == -1 && errno == EINTR))
		if (n > 0 && (len += (size_t)n) > max)
			break;
	if (n == -1 || len > max) {
		snprintf(err, errlen, "%s: %s", name, n == -1 ?
		    strerror(errno) : "too large");
		return -1;
	}
	return (ssize_t)len;
}

/* The HS256 secret into buf (*slen), the public key into pk. */
static int
jwt_read_keys(uint8_t *buf, ssize_t *slen, uint8_t *pk, char *err,
    size_t errlen)
{
	uint8_t *text = buf + BOUNDS_JWT_SECRET_MAX + 1;
	ssize_t plen;

	if (jwt_fd_hs != -1 && (*slen = jwt_read_fd(jwt_fd_hs, jwt_name_hs,
	    buf, BOUNDS_JWT_SECRET_MAX, err, errlen)) == -1)
		return -1;
	if (jwt_fd_hs != -1 && *slen < BOUNDS_JWT_SECRET_MIN) {
		snprintf(err, errlen, "%s: an HS256 secret must be at least "
		    "%d bytes", jwt_name_hs, BOUNDS_JWT_SECRET_MIN);
		return -1;
	}
	if (jwt_fd_ed == -1)
		return 0;
	if ((plen = jwt_read_fd(jwt_fd_ed, jwt_name_ed, text,
	    BOUNDS_JWT_SECRET_MAX, err, errlen)) == -1)
		return -1;
	if (jwt_pem_ed25519((const char *)text, (size_t)plen, pk) == -1) {
		snprintf(err, errlen, "%s: not an Ed25519 public key as "
		    "`openssl pkey -pubout` writes it", jwt_name_ed);
		return -1;
	}
	return 0;
}

int
jwt_read(char *err, size_t errlen)
{
	uint8_t *buf, pk[crypto_sign_PUBLICKEYBYTES];
	ssize_t slen = 0;
	int rc = -1, have_hs = jwt_fd_hs != -1, have_ed = jwt_fd_ed != -1;

	if (sodium_init() < 0 || (buf = sodium_malloc(2 *
	    BOUNDS_JWT_SECRET_MAX + 2)) == NULL) {
		snprintf(err, errlen, "sodium_malloc failed");
		jwt_close();
		return -1;
	}
	if (jwt_read_keys(buf, &slen, pk, err, errlen) == -1)
		goto out;
	if (jwt_set_keys(have_hs ? buf : NULL, (size_t)slen, have_ed ? pk :
	    NULL) == -1) {
		snprintf(err, errlen, "sodium_malloc failed");
		goto out;
	}
	rc = 0;
out:
	jwt_close();
	sodium_free(buf);	/* wipes the secret's copy */
	sodium_memzero(pk, sizeof(pk));
	return rc;
}

int
jwt_load(const char *hs256_file, const char *ed25519_file, char *err,
    size_t errlen)
{
	if (jwt_open(hs256_file, ed25519_file, err, errlen) == -1)
		return -1;
	return jwt_read(err, errlen);
}

/* ---- base64 ---- */

/*
 * Strict base64 of s[0..n): the alphabet only (url: base64url), no
 * padding, no length that leaves a lone character, and the bits the last
 * character carries past the last byte zero, so each byte string has one
 * spelling. Writes at most cap bytes to out. Returns the length or -1.
 */
static ssize_t
jwt_b64(const char *s, size_t n, int url, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t i, len = 0;
	int v, bits = 0;

	if (n % 4 == 1 || n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) > cap)
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = json_base64_digit((unsigned char)s[i], url)) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc == 0 ? (ssize_t)len : -1;
}

int
jwt_pem_ed25519(const char *text, size_t len, uint8_t pk[32])
{
	const size_t blen = sizeof(JWT_PEM_BEGIN) - 1, elen =
	    sizeof(JWT_PEM_END) - 1;
	uint8_t der[JWT_SPKI_BYTES + 2];
	const char *p = text + blen;

	/* BEGIN line, 60 base64 characters ending in one '=', LF, END
	 * line, an optional final LF: nothing else. */
	if (len != blen + JWT_PEM_B64_LEN + 1 + elen &&
	    len != blen + JWT_PEM_B64_LEN + 1 + elen + 1)
		return -1;
	if (memcmp(text, JWT_PEM_BEGIN, blen) != 0 ||
	    p[JWT_PEM_B64_LEN - 1] != '=' || p[JWT_PEM_B64_LEN] != '\n' ||
	    memcmp(p + JWT_PEM_B64_LEN + 1, JWT_PEM_END, elen) != 0 ||
	    (len > blen + JWT_PEM_B64_LEN + 1 + elen && text[len - 1] != '\n'))
		return -1;
	if (jwt_b64(p, JWT_PEM_B64_LEN - 1, 0, der, sizeof(der)) !=
	    JWT_SPKI_BYTES || memcmp(der, jwt_spki_prefix,
	    sizeof(jwt_spki_prefix)) != 0)
		return -1;
	memcpy(pk, der + sizeof(jwt_spki_prefix), 32);
	return 0;
}

int
jwt_shape(const char *s)
{
	return strchr(s, '.') != NULL;
}

/* A string without NUL, equal to want. */
static int
jwt_str_is(const cJSON *it, const char *want)
{
	return cJSON_IsString(it) && (size_t)it->valueint == strlen(want) &&
	    strlen(it->valuestring) == (size_t)it->valueint &&
	    strcmp(it->valuestring, want) == 0;
}

/* ---- the header and the signature ---- */

enum jwt_alg { JWT_ALG_HS256, JWT_ALG_EDDSA };

/* The algorithm the header names, if a configured key implies it. */
static int
jwt_header(const uint8_t *h, size_t len, enum jwt_alg *alg, const char **why)
{
	const cJSON *a, *t;
	cJSON *root;
	int rc = -1;

	/* Depth 2: header members such as "x5c" are arrays. */
	if ((root = jparse((const char *)h, len, 2, why)) == NULL)
		return -1;
	a = cJSON_GetObjectItemCaseSensitive(root, "alg");
	t = cJSON_GetObjectItemCaseSensitive(root, "typ");
	if (!cJSON_IsObject(root) || !cJSON_IsString(a))
		*why = "header: no alg";
	else if (t != NULL && !jwt_str_is(t, "JWT"))
		*why = "header: typ is not JWT";
	else if (cJSON_GetObjectItemCaseSensitive(root, "crit") != NULL)
		*why = "header: crit";
	else if (jwt_str_is(a, "HS256") &&
	    jwt_keys->have_hs) {
		*alg = JWT_ALG_HS256;
		rc = 0;
	} else if (jwt_str_is(a, "EdDSA") &&
	    jwt_keys->have_ed) {
		*alg = JWT_ALG_EDDSA;
		rc = 0;
	} else
		*why = "header: alg not allowed by the configured keys";
	cJSON_Delete(root);
	return rc;
}

static int
jwt_sig_ok(enum jwt_alg alg, const char *input, size_t len,
    const uint8_t *sig, size_t siglen)
{
	crypto_auth_hmacsha256_state st;
	uint8_t mac[JWT_HS_SIG_BYTES];
	int ok;

	if (alg == JWT_ALG_EDDSA)
		return siglen == JWT_ED_SIG_BYTES &&
		    crypto_sign_verify_detached(sig, (const uint8_t *)input,
		    len, jwt_keys->ed) == 0;
	if (siglen != JWT_HS_SIG_BYTES)
		return 0;
	st = jwt_keys->hs;
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)input, len);
	crypto_auth_hmacsha256_final(&st, mac);
	ok = crypto_verify_32(mac, sig) == 0;
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(mac, sizeof(mac));
	return ok;
}

/* ---- claims ---- */

/* A JSON integer 0..10^15 (digits only: no sign, fraction or exponent),
 * read from its exact source text (jparse.h). */
static int
jwt_int(const cJSON *it, int64_t *v)
{
	const char *s;
	size_t n;

	if (!cJSON_IsNumber(it) || (s = it->valuestring) == NULL)
		return -1;
	n = strspn(s, "0123456789");
	if (n == 0 || n > 15 || s[n] != '\0')
		return -1;
	*v = strtoll(s, NULL, 10);
	return 0;
}

/* Absent is fine; present must be an integer, stored in *v. */
static int
jwt_opt_int(const cJSON *root, const char *name, int *present, int64_t *v)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, name);

	*present = it != NULL;
	return it == NULL ? 0 : jwt_int(it, v);
}

static int
jwt_times(const cJSON *c, int64_t now, const char **why)
{
	int64_t exp, nbf, iat;
	int has;

	if (jwt_opt_int(c, "exp", &has, &exp) == -1 || !has)
		*why = "exp missing or not an integer";
	else if (now >= exp + BOUNDS_JWT_LEEWAY_S)
		*why = "expired";
	else if (jwt_opt_int(c, "nbf", &has, &nbf) == -1 ||
	    (has && nbf > now + BOUNDS_JWT_LEEWAY_S))
		*why = "nbf not an integer or in the future";
	else if (jwt_opt_int(c, "iat", &has, &iat) == -1 ||
	    (has && iat > now + BOUNDS_JWT_LEEWAY_S))
		*why = "iat not an integer or in the future";
	else
		return 0;
	return -1;
}

static int
jwt_aud_ok(const cJSON *aud)
{
	const cJSON *e;

	if (jwt_str_is(aud, jwt_pol.audience))
		return 1;
	if (!cJSON_IsArray(aud))
		return 0;
	cJSON_ArrayForEach(e, aud)
		if (jwt_str_is(e, jwt_pol.audience))
			return 1;
	return 0;
}

static int
jwt_sub(const cJSON *c, struct walkin_spec *spec, const char **why)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(c, "sub");
	size_t i, n;

	if (!cJSON_IsString(s) || (n = (size_t)s->valueint) == 0 ||
	    n >= WALKIN_SUBJECT_MAX) {
		*why = "sub missing, not a string or too long";
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s->valuestring[i] < 0x20 ||
		    (unsigned char)s->valuestring[i] > 0x7e) {
			*why = "sub not printable ASCII";
			return -1;
		}
	memcpy(spec->subject, s->valuestring, n);
	spec->subject[n] = '\0';
	return 0;
}

/* [A-Za-z_][A-Za-z0-9_]{0,63} (walkin_spec.h): s[0..n) with no NUL. */
static int
jwt_name_ok(const char *s, size_t n)
{
	return n > 0 && n < WALKIN_NAME_MAX && (s[0] < '0' || s[0] > '9') &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_") == n;
}

/* Append s to the grant at *len; -1 if it would not fit. */
static int
jwt_grant_add(struct walkin_spec *spec, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n >= sizeof(spec->grant))
		return -1;
	memcpy(spec->grant + *len, s, n + 1);
	*len += n;
	return 0;
}

/* One dataset's entry: "NAME:*" or "NAME:T1,T2". */
static int
jwt_grant_entry(const cJSON *d, struct walkin_spec *spec, size_t *len)
{
	const cJSON *t;

	if (!jwt_name_ok(d->string, strlen(d->string)) || (*len > 0 && jwt_grant_add(spec, len,
	    ";") == -1) || jwt_grant_add(spec, len, d->string) == -1 ||
	    jwt_grant_add(spec, len, ":") == -1)
		return -1;
	if (jwt_str_is(d, "*"))
		return jwt_grant_add(spec, len, "*");
	if (!cJSON_IsArray(d) || cJSON_GetArraySize(d) == 0)
		return -1;
	cJSON_ArrayForEach(t, d)
		if (!cJSON_IsString(t) || !jwt_name_ok(t->valuestring,
		    (size_t)t->valueint) || (t != d->child && jwt_grant_add(spec,
		    len, ",") == -1) || jwt_grant_add(spec, len,
		    t->valuestring) == -1)
			return -1;
	return 0;
}

/* "datasets": {"shop": ["orders"], "geo": "*"} -> "shop:orders;geo:*",
 * {} -> "!" (walkin_spec.h). */
static int
jwt_grant(const cJSON *ds, struct walkin_spec *spec)
{
	const cJSON *d;
	size_t len = 0;

	if (!cJSON_IsObject(ds))
		return -1;
	if (ds->child == NULL)
		return jwt_grant_add(spec, &len, "!");
	cJSON_ArrayForEach(d, ds)
		if (jwt_grant_entry(d, spec, &len) == -1)
			return -1;
	return 0;
}

/* A limit of the claim: an integer lo..hi (hi 0: JWT_RATE_CAP). */
static int
jwt_limit(const cJSON *it, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t v;

	if (hi <= 0)
		hi = JWT_RATE_CAP;
	if (jwt_int(it, &v) == -1 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
jwt_walkind(const cJSON *w, struct walkin_spec *spec, const char **why)
{
	const cJSON *it;
	int bad = 0;

	if (w == NULL)
		return 0;
	if (!cJSON_IsObject(w)) {
		*why = "walkind claim not an object";
		return -1;
	}
	cJSON_ArrayForEach(it, w) {
		if (strcmp(it->string, "ttl") == 0)
			bad = jwt_limit(it, 1, jwt_pol.max_ttl_s, &spec->ttl_s);
		else if (strcmp(it->string, "max_db_bytes") == 0)
			bad = jwt_limit(it, BOUNDS_JWT_MIN_DB_BYTES,
			    jwt_pol.max_db_bytes, &spec->max_db_bytes);
		else if (strcmp(it->string, "rate_requests") == 0)
			bad = jwt_limit(it, 1, jwt_pol.max_rate_requests,
			    &spec->rate_requests);
		else if (strcmp(it->string, "rate_creates") == 0)
			bad = jwt_limit(it, 1, jwt_pol.max_rate_creates,
			    &spec->rate_creates);
		else if (strcmp(it->string, "datasets") == 0)
			bad = jwt_grant(it, spec);
		else
			bad = -1;
		if (bad) {
			*why = "walkind claim: unknown key, bad type or over "
			    "the operator's maximum";
			return -1;
		}
	}
	return 0;
}

static int
jwt_claims(const uint8_t *p, size_t len, int64_t now,
    struct walkin_spec *spec, const char **why)
{
	cJSON *c;
	int rc = -1;

	if ((c = jparse((const char *)p, len, BOUNDS_JWT_JSON_DEPTH,
	    why)) == NULL)
		return -1;
	if (!cJSON_IsObject(c))
		*why = "payload not an object";
	else if (jwt_times(c, now, why) == -1)
		;
	else if (jwt_pol.issuer[0] != '\0' && !jwt_str_is(
	    cJSON_GetObjectItemCaseSensitive(c, "iss"), jwt_pol.issuer))
		*why = "wrong iss";
	else if (jwt_pol.audience[0] != '\0' &&
	    !jwt_aud_ok(cJSON_GetObjectItemCaseSensitive(c, "aud")))
		*why = "wrong aud";
	else if (jwt_sub(c, spec, why) == 0 && jwt_walkind(
	    cJSON_GetObjectItemCaseSensitive(c, "walkind"), spec, why) == 0)
		rc = 0;
	cJSON_Delete(c);
	return rc;
}

/* ---- the token ---- */

static int
jwt_verify_parts(const char *s, size_t len, int64_t now,
    struct walkin_spec *spec, const char **why)
{
	uint8_t buf[BOUNDS_JWT_MAX_BYTES], sig[JWT_ED_SIG_BYTES];
	const char *d1, *d2;
	enum jwt_alg alg;
	ssize_t n, slen;

	if (len > BOUNDS_JWT_MAX_BYTES || memchr(s, '\0', len) != NULL) {
		*why = "too long or NUL";
		return -1;
	}
	if ((d1 = memchr(s, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - s))) == NULL ||
	    memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - s)) != NULL) {
		*why = "not three parts";
		return -1;
	}
	*why = "bad base64url";
	if ((n = jwt_b64(s, (size_t)(d1 - s), 1, buf, sizeof(buf))) <= 0 ||
	    jwt_header(buf, (size_t)n, &alg, why) == -1)
		return -1;
	*why = "bad signature";
	if ((slen = jwt_b64(d2 + 1, len - (size_t)(d2 + 1 - s), 1, sig,
	    sizeof(sig))) == -1 || !jwt_sig_ok(alg, s, (size_t)(d2 - s), sig,
	    (size_t)slen))
		return -1;
	*why = "bad base64url";
	if ((n = jwt_b64(d1 + 1, (size_t)(d2 - d1 - 1), 1, buf,
	    sizeof(buf))) <= 0)
		return -1;
	return jwt_claims(buf, (size_t)n, now, spec, why);
}

int
jwt_verify(const char *s, size_t len, int64_t now,
    struct walkin_spec *spec, const char **why)
{
	const char *reason = "no key configured";

	memset(spec, 0, sizeof(*spec));
	if (jwt_keys != NULL &&
	    jwt_verify_parts(s, len, now, spec, &reason) == 0)
		return 0;
	memset(spec, 0, sizeof(*spec));
	if (why != NULL)
		*why = reason;
	return -1;
}

void
jwt_subject_key(const char *sub, uint8_t out[JWT_SUBJECT_KEY_BYTES])
{
	uint8_t h[crypto_generichash_BYTES_MIN];

	if (jwt_keys == NULL)
		abort();	/* only a verified JWT has a subject */
	crypto_generichash(h, sizeof(h), (const uint8_t *)sub, strlen(sub),
	    jwt_keys->subkey, sizeof(jwt_keys->subkey));
	memcpy(out, h, JWT_SUBJECT_KEY_BYTES);
}
