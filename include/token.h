/*
 * token.h: session tokens and their keys.
 *
 * token = "wkn_" base64url_nopad(ver(1) kid(1) instance(16) expiry_be(8)
 *         nonce(16) tag(32)), tag = crypto_auth (HMAC-SHA-512-256) over a
 * domain string and every byte before the tag, with key[kid]. The key
 * file DATA/secrets/keys (0600) holds the current and previous keys; the
 * current one rotates every BOUNDS_KEY_ROTATE_S and both verify.
 */
#ifndef WALKIND_TOKEN_H
#define WALKIND_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_ID_BYTES	16
#define TOKEN_STR_MAX	128	/* buffer size for a token string + NUL */

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
 * Instance ids: UUIDv7 (48-bit ms time, version 7, variant 10, 74 random
 * bits). Uses libsodium's RNG: call after token_keys_load (sodium_init).
 */
void	token_new_id(uint8_t id[TOKEN_ID_BYTES]);
/* 36-char canonical form + NUL, lowercase hex with dashes. */
void	token_id_str(const uint8_t id[TOKEN_ID_BYTES], char out[37]);
/* Parse the canonical form; returns 0 or -1. */
int	token_id_parse(const char *s, uint8_t id[TOKEN_ID_BYTES]);

#endif
