/*
 * fuzz_token.c: the session-token decoder and verifier (token_verify),
 * with keys loaded by token_keys_load from a key file this harness
 * writes at start (fixed test keys, kid 7 current and kid 6 previous, so
 * the seed corpus can hold real tokens: tests/fuzz/gen-seeds.py).
 *
 * The first input byte picks the mode:
 *   even: the rest is a token string, verified at a fixed "now". If it
 *         verifies, this file checks independently that it is the one
 *         canonical spelling (re-encoding the decoded bytes gives the
 *         same string), version 1, a known kid, a MAC that verifies
 *         under that key, an expiry after now, and that id and expiry
 *         were copied out from the signed bytes.
 *   odd:  the rest gives an id, an expiry, a "now", and an edit (a
 *         position, a byte, a length change). A token is minted for
 *         (id, expiry); it must verify iff expiry > now, giving back the
 *         same id and expiry; the edited string must not verify unless
 *         the edit changed nothing. The share token ("wks_") for the
 *         same walk-in likewise, and neither kind verifies as the other.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fuzz.h"
#include "token.h"

#define NOW		1795461721LL
#define STR_LEN		103
#define BIN_LEN		74
#define DOMAIN		"walkind/token/v1"
#define B64		sodium_base64_VARIANT_URLSAFE_NO_PADDING

static uint8_t	key_cur[crypto_auth_KEYBYTES], key_prev[crypto_auth_KEYBYTES];
static char	dir[256];

static void
write_keys(const char *path)
{
	char hex_cur[2 * crypto_auth_KEYBYTES + 1];
	char hex_prev[2 * crypto_auth_KEYBYTES + 1];
	FILE *f;
	int fd;

	sodium_bin2hex(hex_cur, sizeof(hex_cur), key_cur, sizeof(key_cur));
	sodium_bin2hex(hex_prev, sizeof(hex_prev), key_prev, sizeof(key_prev));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL)
		abort();
	fprintf(f, "walkind-keys 1\ncurrent 7 %lld %s\nprevious 6 %lld %s\n",
	    NOW - 100, hex_cur, NOW - 90000, hex_prev);
	fclose(f);
}

static void
cleanup(void)
{
	char path[sizeof(dir) + 16];

	token_keys_free();
	snprintf(path, sizeof(path), "%s/keys", dir);
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[sizeof(dir) + 16], err[256];
	size_t i;

	(void)argc;
	(void)argv;
	for (i = 0; i < sizeof(key_cur); i++) {
		key_cur[i] = (uint8_t)i;
		key_prev[i] = (uint8_t)(0x80 + i);
	}
	snprintf(dir, sizeof(dir), "%s/walkind-fuzz-token-XXXXXX",
	    fuzz_tmpbase());
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/keys", dir);
	write_keys(path);
	if (token_keys_load(dir, NOW, err, sizeof(err)) == -1) {
		fprintf(stderr, "token_keys_load: %s\n", err);
		abort();
	}
	atexit(cleanup);
	return 0;
}

/* A successful verify, checked without src/token.c. */
static void
check_valid(const char *s, size_t len, int64_t now,
    const uint8_t id[TOKEN_ID_BYTES], int64_t expiry)
{
	uint8_t bin[BIN_LEN], msg[sizeof(DOMAIN) - 1 + 42];
	char again[STR_LEN + 1];
	const uint8_t *key;
	size_t binlen;
	uint64_t e = 0;
	int i;

	FUZZ_CHECK(len == STR_LEN && memcmp(s, "wkn_", 4) == 0);
	FUZZ_CHECK(sodium_base642bin(bin, sizeof(bin), s + 4, len - 4, NULL,
	    &binlen, NULL, B64) == 0 && binlen == BIN_LEN);
	/* One spelling: the canonical encoding of the bytes is the input. */
	sodium_bin2base64(again + 4, sizeof(again) - 4, bin, sizeof(bin), B64);
	memcpy(again, "wkn_", 4);
	FUZZ_CHECK(memcmp(again, s, STR_LEN) == 0);
	FUZZ_CHECK(bin[0] == 1 && (bin[1] == 7 || bin[1] == 6));
	key = bin[1] == 7 ? key_cur : key_prev;
	memcpy(msg, DOMAIN, sizeof(DOMAIN) - 1);
	memcpy(msg + sizeof(DOMAIN) - 1, bin, 42);
	FUZZ_CHECK(crypto_auth_verify(bin + 42, msg, sizeof(msg), key) == 0);
	for (i = 0; i < 8; i++)
		e = e << 8 | bin[18 + i];
	FUZZ_CHECK((int64_t)e == expiry && expiry > now);
	FUZZ_CHECK(memcmp(id, bin + 2, TOKEN_ID_BYTES) == 0);
}

static void
verify_string(const uint8_t *p, size_t n)
{
	uint8_t id[TOKEN_ID_BYTES];
	int64_t expiry = 0;
	char *s = fuzz_memdup(p, n);	/* exact size: over-reads trap */

	if (token_verify(s, n, NOW, id, &expiry) == 0) {
		check_valid(s, n, NOW, id, expiry);
		/* Never both kinds: a walk-in token is no share token. */
		FUZZ_CHECK(token_share_verify(s, n, NOW, id, &expiry) == -1);
	} else if (token_share_verify(s, n, NOW, id, &expiry) == 0)
		FUZZ_CHECK(n == STR_LEN && memcmp(s, "wks_", 4) == 0 &&
		    expiry > NOW);
	free(s);
}

static uint64_t
get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * One edit of the token tok (STR_LEN characters) into ed: byte p[0] %
 * STR_LEN set to p[1], the length changed by p[2] % 3 - 1. Returns the
 * new length, or 0 if the edit changed nothing.
 */
static size_t
edit_token(const char *tok, const uint8_t *p, char ed[TOKEN_STR_MAX + 1])
{
	size_t elen = STR_LEN + (size_t)(p[2] % 3) - 1;

	memcpy(ed, tok, STR_LEN + 1);
	ed[p[0] % STR_LEN] = (char)p[1];
	if (elen > STR_LEN)
		ed[STR_LEN] = (char)p[1];
	if (elen == STR_LEN && memcmp(ed, tok, STR_LEN) == 0)
		return 0;
	return elen;
}

/*
 * The share token for (id, expiry): verifies as a share token only (the
 * walk-in token of the same walk-in does not verify as one, nor it as a
 * walk-in token), with the same id and expiry; the same edit as the
 * walk-in token's breaks it.
 */
static void
share_and_edit(const uint8_t id[TOKEN_ID_BYTES], int64_t expiry,
    const uint8_t *p)
{
	uint8_t id2[TOKEN_ID_BYTES];
	char tok[TOKEN_STR_MAX], sh[TOKEN_STR_MAX], ed[TOKEN_STR_MAX + 1];
	int64_t now = expiry > INT64_MIN ? expiry - 1 : expiry, e2 = 0;
	size_t elen;

	token_mint(id, expiry, tok);
	token_share_mint(id, expiry, sh);
	FUZZ_CHECK(strlen(sh) == STR_LEN && memcmp(sh, "wks_", 4) == 0);
	FUZZ_CHECK(token_verify(sh, STR_LEN, now, id2, &e2) == -1);
	FUZZ_CHECK(token_share_verify(tok, STR_LEN, now, id2, &e2) == -1);
	if (expiry > now) {
		FUZZ_CHECK(token_share_verify(sh, STR_LEN, now, id2, &e2) == 0);
		FUZZ_CHECK(memcmp(id, id2, TOKEN_ID_BYTES) == 0 &&
		    e2 == expiry);
	}
	if ((elen = edit_token(sh, p, ed)) != 0)
		FUZZ_CHECK(token_share_verify(ed, elen, now, id2, &e2) == -1);
}

static void
mint_and_edit(const uint8_t *p, size_t n)
{
	uint8_t id[TOKEN_ID_BYTES], id2[TOKEN_ID_BYTES];
	char tok[TOKEN_STR_MAX], ed[TOKEN_STR_MAX + 1];
	int64_t expiry, now, e2 = 0;
	size_t elen;
	int rc;

	if (n < TOKEN_ID_BYTES + 8 + 8 + 3)
		return;
	memcpy(id, p, TOKEN_ID_BYTES);
	expiry = (int64_t)get_u64(p + TOKEN_ID_BYTES);
	now = (int64_t)get_u64(p + TOKEN_ID_BYTES + 8);
	p += TOKEN_ID_BYTES + 16;
	token_mint(id, expiry, tok);
	FUZZ_CHECK(strlen(tok) == STR_LEN);
	rc = token_verify(tok, STR_LEN, now, id2, &e2);
	FUZZ_CHECK(rc == (expiry > now ? 0 : -1));
	if (rc == 0) {
		check_valid(tok, STR_LEN, now, id2, e2);
		FUZZ_CHECK(memcmp(id, id2, sizeof(id)) == 0 && e2 == expiry);
	}
	/* At a "now" where the unedited token would verify. */
	now = expiry > INT64_MIN ? expiry - 1 : expiry;
	if ((elen = edit_token(tok, p, ed)) != 0)
		FUZZ_CHECK(token_verify(ed, elen, now, id2, &e2) == -1);
	share_and_edit(id, expiry, p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 512)
		return 0;
	if (data[0] & 1)
		mint_and_edit(data + 1, size - 1);
	else
		verify_string(data + 1, size - 1);
	return 0;
}
