/*
 * jwt.h: signed identities (issue 17): a strict JWS compact verifier for
 * the JSON Web Tokens an operator's issuer signs, and the "walkind"
 * claim that sets one walk-in's limits (front end process, event-loop
 * thread only).
 *
 * The keys come from the command line (--jwt-hs256-secret FILE,
 * --jwt-ed25519-public-key FILE), are read once at startup before the
 * lockdown, and live in sodium_malloc'd memory kept read-only. Which
 * algorithm a token may use is decided by the keys configured, never by
 * the token: HS256 needs the secret, EdDSA the public key; with both,
 * the header's "alg" chooses between those two and nothing else.
 * SECURITY.md "Signed identities" gives every rule with its reason.
 */
#ifndef WALKIND_JWT_H
#define WALKIND_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "walkin_spec.h"

/* The keyed hash of a subject: what a walk-in token carries and what
 * rate limits and walk-in caps are keyed by (token.h). */
#define JWT_SUBJECT_KEY_BYTES	8

/* The operator's checks and maxima (config.h's --jwt-* options). */
struct jwt_policy {
	char	issuer[256];		/* "" = "iss" not checked */
	char	audience[256];		/* "" = "aud" not checked */
	int64_t	max_ttl_s;		/* "ttl" 1..this */
	int64_t	max_db_bytes;		/* "max_db_bytes" 64 KiB..this */
	int64_t	max_rate_requests;	/* "rate_requests" 1..this */
	int64_t	max_rate_creates;	/* "rate_creates" 1..this */
};

/*
 * Open the key files (either may be NULL or ""; neither: JWTs stay
 * off): regular files no group or other may write. main.c opens them
 * before it drops root, so they may be readable by root only, and reads
 * them (jwt_read) in the front end after the spawner's fork, which
 * closes every descriptor it inherits: the key never reaches it.
 * Returns 0, or -1 with a one-line reason in err.
 */
int	jwt_open(const char *hs256_file, const char *ed25519_file,
	    char *err, size_t errlen);
/*
 * Read the opened files and install the keys, closing them: the HS256
 * secret's raw bytes (BOUNDS_JWT_SECRET_MIN..BOUNDS_JWT_SECRET_MAX), the
 * Ed25519 public key as PEM SubjectPublicKeyInfo. Returns 0, or -1 with
 * a one-line reason in err (the key material is never in it).
 */
int	jwt_read(char *err, size_t errlen);
/* jwt_open, then jwt_read. */
int	jwt_load(const char *hs256_file, const char *ed25519_file,
	    char *err, size_t errlen);
/*
 * Install keys from memory (jwt_load's second half; tests and fuzzers):
 * secret NULL or pk NULL leaves that algorithm off. Returns 0, or -1 if
 * the secret is outside the length bounds or memory is short.
 */
int	jwt_set_keys(const uint8_t *secret, size_t secret_len,
	    const uint8_t *pk);
/* Copy the policy used by jwt_verify. */
void	jwt_set_policy(const struct jwt_policy *p);
/* Forget the keys (wiped); jwt_enabled() is 0 after. */
void	jwt_free(void);
/* Nonzero if at least one key is configured. */
int	jwt_enabled(void);

/*
 * The Ed25519 public key of a PEM SubjectPublicKeyInfo exactly as
 * `openssl pkey -pubout` writes it (the fixed 12-byte DER prefix of an
 * Ed25519 key and 32 key bytes, one base64 line, LF line ends, the last
 * one optional). Returns 0, or -1 for anything else.
 */
int	jwt_pem_ed25519(const char *text, size_t len, uint8_t pk[32]);

/*
 * Nonzero if the Bearer s (NUL-terminated) is meant as a JWT: it has a
 * dot. A walk-in token ("wkn_", "wks_", base64url) never has one, and
 * every dotted string is a JWT attempt however malformed (an unsigned
 * "alg":"none" token ending in a dot, a padded one, a five-part JWE),
 * refused as invalid credentials rather than read as a walk-in token.
 */
int	jwt_shape(const char *s);

/*
 * Verify the token s[0..len) at unix time `now` under the keys and the
 * policy, and fill spec from its claims: subject from "sub", ttl_s,
 * max_db_bytes, rate_requests and rate_creates from the "walkind" claim
 * (0 where absent: the node's value), grant as walkin_spec.h writes it.
 * Returns 0, or -1 with spec zeroed and *why (may be NULL) set to a
 * static reason for a debug log line, which never quotes the token.
 */
int	jwt_verify(const char *s, size_t len, int64_t now,
	    struct walkin_spec *spec, const char **why);

/*
 * The keyed hash of a subject (BLAKE2b under a key derived from the
 * configured secret, or the public key when there is no secret): stable
 * for the keys' lifetime, so caps and rate limits hold across restarts.
 */
void	jwt_subject_key(const char *sub, uint8_t out[JWT_SUBJECT_KEY_BYTES]);

#endif
