/*
 * token.h: session tokens and their keys.
 *
 * token = "wkn_" base64url_nopad(ver(1) kid(1) instance(16) expiry_be(8)
 *         nonce(16) [ext(20)] tag(32)), tag = crypto_auth
 * (HMAC-SHA-512-256) over a domain string and every byte before the tag,
 * with key[kid]. Version 1 has no ext (an anonymous walk-in's token,
 * every share token); version 2 (a walk-in a JWT created, issue 17)
 * carries struct token_ext: subject key(8) rate_requests_be(4)
 * rate_creates_be(4) ttl_be(4). Bytes 0..41 mean the same in both, so
 * whatever reads the instance id of a token (a proxy routing on it)
 * reads it at the same offset. The key
 * file DATA/secrets/keys (0600) holds the current and previous keys; the
 * current one rotates every BOUNDS_KEY_ROTATE_S and both verify.
 */
#ifndef WALKIND_TOKEN_H
#define WALKIND_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_ID_BYTES	16
#define TOKEN_STR_MAX	160	/* buffer size for a token string + NUL */
#define TOKEN_SUBJECT_BYTES	8

/*
 * What a walk-in made from a JWT keeps in its token instead of in the
 * front end's memory: the keyed hash of its subject (jwt.h), which its
 * requests are rate-limited by, the per-minute rates the JWT set (0: the
 * node's), and its TTL in seconds (a fork's copy lives as long).
 */
struct token_ext {
	uint8_t		subject[TOKEN_SUBJECT_BYTES];
	uint32_t	rate_requests;
	uint32_t	rate_creates;
	uint32_t	ttl_s;
};

/*
 * Load DATA/secrets/keys, creating the directory (0700) and file (0600)
 * with a fresh key if absent, rotating if the current key is older than
 * BOUNDS_KEY_ROTATE_S. Keys live in sodium_malloc'd memory. Returns 0, or
 * -1 with a reason in err (corrupt file, permissions).
 */
int	token_keys_load(const char *secrets_dir, int64_t now, char *err,
	    size_t errlen);
/* Rotate if due (called periodically). Returns 0, or -1 on I/O failure. */
int	token_keys_maybe_rotate(int64_t now);
void	token_keys_free(void);
/* The current key's creation time (unix seconds), -1 before loading. */
int64_t	token_key_created(void);

/*
 * Write the token for (id, expiry) into out (TOKEN_STR_MAX bytes): "wkn_"
 * and 99 base64url characters, NUL-terminated. Keys must be loaded.
 */
void	token_mint(const uint8_t id[TOKEN_ID_BYTES], int64_t expiry,
	    char out[TOKEN_STR_MAX]);

/*
 * Verify s[0..len). On success fill id and expiry and return 0; any
 * failure (format, MAC, unknown key, expired at `now`) returns -1 and
 * says nothing about which check failed. Valid means expiry > now; there
 * is no upper bound on expiry (the TTL is configurable).
 */
int	token_verify(const char *s, size_t len, int64_t now,
	    uint8_t id[TOKEN_ID_BYTES], int64_t *expiry);

/*
 * token_mint with ext (a version 2 token, 126 characters after "wkn_";
 * ext NULL: token_mint), and token_verify that accepts both versions
 * and says which: *has_ext 1 and ext filled for version 2, 0 and ext
 * zeroed for version 1 (ext and has_ext may be NULL).
 */
void	token_mint_ext(const uint8_t id[TOKEN_ID_BYTES], int64_t expiry,
	    const struct token_ext *ext, char out[TOKEN_STR_MAX]);
int	token_verify_ext(const char *s, size_t len, int64_t now,
	    uint8_t id[TOKEN_ID_BYTES], int64_t *expiry,
	    struct token_ext *ext, int *has_ext);

/*
 * Share tokens: "wks_" + the same layout for the same walk-in and
 * expiry, MAC'd under a domain of their own, so neither kind verifies as
 * the other. The front end lets them read only (SECURITY.md "Share
 * tokens"). Same contracts as token_mint and token_verify.
 */
void	token_share_mint(const uint8_t id[TOKEN_ID_BYTES], int64_t expiry,
	    char out[TOKEN_STR_MAX]);
int	token_share_verify(const char *s, size_t len, int64_t now,
	    uint8_t id[TOKEN_ID_BYTES], int64_t *expiry);

/*
 * Instance ids: UUIDv7 (48-bit ms time, version 7, variant 10, 66 random
 * bits) whose byte TOKEN_NODE_BYTE (in rand_a: the last two hex digits
 * of the third group) is the node id given to token_set_node (0 until
 * then). The id is MAC'd with the rest of a token, and sits at decoded
 * byte 2 + TOKEN_NODE_BYTE of it: deploy/haproxy.cfg routes on it.
 * Uses libsodium's RNG: call after token_keys_load (sodium_init).
 */
#define TOKEN_NODE_BYTE	7
void	token_set_node(uint8_t node);
void	token_new_id(uint8_t id[TOKEN_ID_BYTES]);
/* 36-char canonical form + NUL, lowercase hex with dashes. */
void	token_id_str(const uint8_t id[TOKEN_ID_BYTES], char out[37]);
/* Parse the canonical form; returns 0 or -1. */
int	token_id_parse(const char *s, uint8_t id[TOKEN_ID_BYTES]);

#endif
