/*
 * token.c: session tokens, their HMAC keys, and instance ids (token.h).
 *
 * A token is "wkn_" followed by base64url (no padding) of 74 bytes:
 * ver(1)=1 kid(1) instance(16) expiry_be(8) nonce(16) tag(32), where
 * tag = crypto_auth (HMAC-SHA-512-256) over TOKEN_DOMAIN followed by the
 * first 42 bytes, with the key whose id is kid. The token carries no
 * secret; the key does. token_verify fails the same way (-1, outputs
 * untouched) for every reason, and the MAC is checked in constant time
 * by crypto_verify_32 (the tag is computed from a per-key HMAC state
 * prepared once, see struct token_key). Decoding is strict base64url
 * (token_b64_decode: only alphabet characters, the unused low bits of
 * the last one zero), so a token has exactly one accepted spelling.
 *
 * A share token (the playground's read-only link) is the same 74 bytes
 * for the same walk-in and expiry, spelled "wks_" and MAC'd over
 * TOKEN_SHARE_DOMAIN instead: a share token's tag never verifies as a
 * session token's (and the reverse), so changing the prefix gains
 * nothing, and only the key holder can make either kind.
 *
 * Keys: DATA/secrets/keys holds the current key and, after the first
 * rotation, the previous one, as text:
 *
 *	walkind-keys 1
 *	current <kid> <created_unix> <64 hex digits>
 *	previous <kid> <created_unix> <64 hex digits>
 *
 * The directory is created 0700 and must not be group/other writable;
 * the file must be a regular file with no group/other permission bits,
 * otherwise loading fails and the daemon refuses to start. The file is
 * replaced atomically (keys.tmp, 0600, fsync, rename, fsync of the
 * directory). The current key rotates once it is BOUNDS_KEY_ROTATE_S old
 * (or dated that far in the future after a clock jump): it becomes the
 * previous key, a fresh key with kid+1 (mod 256) becomes current, and
 * the key before that is gone, so tokens it signed stop verifying. The
 * rotation interval must exceed the longest token TTL. A rotation is
 * written to disk before it is used in memory, so the file and the
 * process never disagree; if the write fails the old keys stay and the
 * next call retries.
 *
 * Key material lives only in sodium_malloc'd memory (guard pages,
 * mlock'd where allowed), kept read-only with sodium_mprotect_readonly
 * except while being filled; the file text is built and parsed in
 * sodium_malloc'd buffers too, and sodium_free wipes them all.
 *
 * Concurrency: front end event-loop thread only (load at startup, the
 * rotation timer, mint and verify on requests), so there is no lock.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "bounds.h"
#include "ipc.h"
#include "json.h"
#include "log.h"
#include "token.h"

#define TOKEN_PREFIX		"wkn_"
#define TOKEN_PREFIX_LEN	4
#define TOKEN_DOMAIN		"walkind/token/v1"
#define TOKEN_DOMAIN_LEN	(sizeof(TOKEN_DOMAIN) - 1)
/* Share tokens: the same layout under their own prefix and domain (same
 * length as TOKEN_DOMAIN, so one message buffer serves both). */
#define TOKEN_SHARE_PREFIX	"wks_"
#define TOKEN_SHARE_DOMAIN	"walkind/share/v1"
_Static_assert(sizeof(TOKEN_SHARE_DOMAIN) == sizeof(TOKEN_DOMAIN) &&
    sizeof(TOKEN_SHARE_PREFIX) == sizeof(TOKEN_PREFIX), "token kinds' sizes");
#define TOKEN_VERSION		1
#define TOKEN_NONCE_BYTES	16
#define TOKEN_OFF_KID		1
#define TOKEN_OFF_ID		2
#define TOKEN_OFF_EXPIRY	(TOKEN_OFF_ID + TOKEN_ID_BYTES)		/* 18 */
#define TOKEN_OFF_NONCE		(TOKEN_OFF_EXPIRY + 8)			/* 26 */
#define TOKEN_SIGNED_BYTES	(TOKEN_OFF_NONCE + TOKEN_NONCE_BYTES)	/* 42 */
#define TOKEN_BIN_BYTES		(TOKEN_SIGNED_BYTES + crypto_auth_BYTES) /* 74 */
#define TOKEN_B64_LEN		99	/* ceil(74 * 4 / 3), no padding */
#define TOKEN_STR_LEN		(TOKEN_PREFIX_LEN + TOKEN_B64_LEN)	/* 103 */

#define KEYS_FILE		"keys"
#define KEYS_TMP		"keys.tmp"
#define KEYS_HEADER		"walkind-keys 1"
#define KEYS_FILE_MAX		512	/* the real file is about 200 bytes */

struct token_key {
	int64_t		created;	/* unix seconds */
	uint8_t		kid;
	uint8_t		key[crypto_auth_KEYBYTES];
	/* HMAC state after the key's inner and outer pad blocks (set by
	 * keys_install): each mint or verify starts from a copy of it
	 * instead of hashing the key again, two of its four SHA-512
	 * blocks. Key material like key, wiped with it. */
	crypto_auth_hmacsha512256_state mac;
};

struct token_keyring {
	struct token_key	cur;
	struct token_key	prev;
	int			have_prev;
};

static struct token_keyring	*keyring;	/* sodium_malloc, read-only */
static int			 keys_dirfd = -1;
static char			 keys_dirname[PATH_MAX];

static void keys_err(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
keys_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (errlen == 0)
		return;
	n = snprintf(err, errlen, "%s: ", keys_dirname);
	if (n < 0 || (size_t)n >= errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- the key file ---- */

static int
keys_open_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		keys_err(err, errlen, "mkdir: %s", strerror(errno));
		return -1;
	}
	keys_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (keys_dirfd == -1) {
		keys_err(err, errlen, "open: %s", strerror(errno));
		return -1;
	}
	if (fstat(keys_dirfd, &st) == -1) {
		keys_err(err, errlen, "stat: %s", strerror(errno));
		return -1;
	}
	/* Whoever can write the directory can swap the key file. */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		keys_err(err, errlen, "directory is group/other writable "
		    "(mode %03o), expected 0700", st.st_mode & 0777);
		return -1;
	}
	return 0;
}

static int
keys_parse_int(const char *s, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* One "label kid created hex" line, NUL-terminated, no newline. */
static int
keys_parse_key(char *line, const char *label, struct token_key *k)
{
	char *f[4], *p, *save = NULL;
	size_t n = 0, binlen;
	int64_t v;

	for (p = strtok_r(line, " ", &save); p != NULL;
	    p = strtok_r(NULL, " ", &save)) {
		if (n == 4)
			return -1;
		f[n++] = p;
	}
	if (n != 4 || strcmp(f[0], label) != 0)
		return -1;
	if (keys_parse_int(f[1], 255, &v) == -1)
		return -1;
	k->kid = (uint8_t)v;
	if (keys_parse_int(f[2], INT64_MAX, &k->created) == -1)
		return -1;
	if (strlen(f[3]) != 2 * sizeof(k->key) ||
	    sodium_hex2bin(k->key, sizeof(k->key), f[3], strlen(f[3]), NULL,
	    &binlen, NULL) != 0 || binlen != sizeof(k->key))
		return -1;
	return 0;
}

/* Parse the whole file text (len bytes, NUL-terminated) into r. */
static int
keys_parse(char *text, size_t len, struct token_keyring *r)
{
	char *line[4], *p = text;
	size_t n = 0;

	if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len))
		return -1;
	while (p < text + len) {
		if (n == 4)
			return -1;
		line[n++] = p;
		p = strchr(p, '\n');
		*p++ = '\0';
	}
	if (n < 2 || n > 3 || strcmp(line[0], KEYS_HEADER) != 0)
		return -1;
	if (keys_parse_key(line[1], "current", &r->cur) == -1)
		return -1;
	r->have_prev = (n == 3);
	if (r->have_prev && (keys_parse_key(line[2], "previous",
	    &r->prev) == -1 || r->prev.kid == r->cur.kid))
		return -1;
	return 0;
}

/* Read to EOF; a file of KEYS_FILE_MAX bytes or more is an error. */
static int
keys_read_fd(int fd, char *text, size_t *len)
{
	ssize_t n;

	*len = 0;
	for (;;) {
		n = read(fd, text + *len, KEYS_FILE_MAX - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return 0;
		*len += (size_t)n;
		if (*len == KEYS_FILE_MAX)
			return -1;
	}
}

/* Returns 0 (read into r), 1 (no file yet) or -1 (err filled). */
static int
keys_read(struct token_keyring *r, char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t len;
	int fd, rc = -1;

	fd = openat(keys_dirfd, KEYS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return 1;
	if (fd == -1) {
		keys_err(err, errlen, KEYS_FILE ": %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		keys_err(err, errlen, KEYS_FILE ": %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		keys_err(err, errlen, KEYS_FILE ": must be a regular file "
		    "with mode 0600 (found %03o)", st.st_mode & 0777);
		goto out;
	}
	if ((text = sodium_malloc(KEYS_FILE_MAX + 1)) == NULL) {
		keys_err(err, errlen, "sodium_malloc failed");
		goto out;
	}
	if (keys_read_fd(fd, text, &len) == -1) {
		keys_err(err, errlen, KEYS_FILE ": unreadable or too large");
		goto out;
	}
	text[len] = '\0';
	if (keys_parse(text, len, r) == -1) {
		keys_err(err, errlen, KEYS_FILE ": corrupt (delete it to start "
		    "over with a new key; live tokens become invalid)");
		goto out;
	}
	rc = 0;
out:
	if (text != NULL)
		sodium_free(text);
	close(fd);
	return rc;
}

/* Append "label kid created hex\n" at text + *len. */
static void
keys_format_key(char *text, size_t *len, const char *label,
    const struct token_key *k)
{
	int n;

	n = snprintf(text + *len, KEYS_FILE_MAX - *len, "%s %u %lld ", label,
	    (unsigned)k->kid, (long long)k->created);
	if (n < 0 || (size_t)n + 2 * sizeof(k->key) + 2 > KEYS_FILE_MAX - *len)
		abort();
	*len += (size_t)n;
	sodium_bin2hex(text + *len, KEYS_FILE_MAX - *len, k->key,
	    sizeof(k->key));
	*len += 2 * sizeof(k->key);
	text[(*len)++] = '\n';
}

static size_t
keys_format(const struct token_keyring *r, char *text)
{
	size_t len;

	len = (size_t)snprintf(text, KEYS_FILE_MAX, "%s\n", KEYS_HEADER);
	keys_format_key(text, &len, "current", &r->cur);
	if (r->have_prev)
		keys_format_key(text, &len, "previous", &r->prev);
	return len;
}

/* Replace the key file with r: tmp file 0600, fsync, rename, dir fsync. */
static int
keys_write(const struct token_keyring *r, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int fd, rc = -1;

	if ((text = sodium_malloc(KEYS_FILE_MAX)) == NULL) {
		keys_err(err, errlen, "sodium_malloc failed");
		return -1;
	}
	len = keys_format(r, text);
	(void)unlinkat(keys_dirfd, KEYS_TMP, 0);
	fd = openat(keys_dirfd, KEYS_TMP, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		keys_err(err, errlen, KEYS_TMP ": %s", strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) == -1 || ipc_write_all(fd, text, len) == -1 ||
	    fsync(fd) == -1) {
		keys_err(err, errlen, KEYS_TMP ": %s", strerror(errno));
		close(fd);
		goto out;
	}
	if (close(fd) == -1) {
		keys_err(err, errlen, KEYS_TMP ": %s", strerror(errno));
		goto out;
	}
	if (renameat(keys_dirfd, KEYS_TMP, keys_dirfd, KEYS_FILE) == -1) {
		keys_err(err, errlen, "rename: %s", strerror(errno));
		goto out;
	}
	if (fsync(keys_dirfd) == -1)
		log_warn("%s: fsync", keys_dirname);
	rc = 0;
out:
	if (rc == -1)
		(void)unlinkat(keys_dirfd, KEYS_TMP, 0);
	sodium_free(text);
	return rc;
}

/* ---- rotation ---- */

static int
keys_due(const struct token_keyring *r, int64_t now)
{
	int64_t age = now - r->cur.created;

	return age >= BOUNDS_KEY_ROTATE_S || age <= -BOUNDS_KEY_ROTATE_S;
}

static void
keys_fresh(struct token_key *k, uint8_t kid, int64_t now)
{
	k->kid = kid;
	k->created = now;
	crypto_auth_keygen(k->key);
}

static void
keys_rotate(struct token_keyring *r, int64_t now)
{
	r->prev = r->cur;
	r->have_prev = 1;
	keys_fresh(&r->cur, (uint8_t)((r->cur.kid + 1) & 0xff), now);
}

/* Make the writable ring r the live one (read-only from now on). */
static void
keys_install(struct token_keyring *r)
{
	crypto_auth_hmacsha512256_init(&r->cur.mac, r->cur.key,
	    sizeof(r->cur.key));
	if (r->have_prev)
		crypto_auth_hmacsha512256_init(&r->prev.mac, r->prev.key,
		    sizeof(r->prev.key));
	if (sodium_mprotect_readonly(r) != 0)
		abort();
	if (keyring != NULL)
		sodium_free(keyring);
	keyring = r;
}

static struct token_keyring *
keys_alloc(void)
{
	struct token_keyring *r;

	if ((r = sodium_malloc(sizeof(*r))) != NULL)
		sodium_memzero(r, sizeof(*r));
	return r;
}

/* Read or create the file into r, rotating (and saving) if due. */
static int
keys_load_ring(struct token_keyring *r, int64_t now, char *err,
    size_t errlen)
{
	switch (keys_read(r, err, errlen)) {
	case 0:
		if (!keys_due(r, now))
			return 0;
		keys_rotate(r, now);
		return keys_write(r, err, errlen);
	case 1:
		keys_fresh(&r->cur, (uint8_t)randombytes_uniform(256), now);
		r->have_prev = 0;
		return keys_write(r, err, errlen);
	default:
		return -1;
	}
}

int
token_keys_load(const char *secrets_dir, int64_t now, char *err,
    size_t errlen)
{
	struct token_keyring *r;

	token_keys_free();
	if (errlen > 0)
		err[0] = '\0';
	if ((size_t)snprintf(keys_dirname, sizeof(keys_dirname), "%s",
	    secrets_dir) >= sizeof(keys_dirname)) {
		keys_err(err, errlen, "path too long");
		return -1;
	}
	if (sodium_init() < 0) {
		keys_err(err, errlen, "sodium_init failed");
		return -1;
	}
	if (keys_open_dir(secrets_dir, err, errlen) == -1)
		goto fail;
	if ((r = keys_alloc()) == NULL) {
		keys_err(err, errlen, "sodium_malloc failed");
		goto fail;
	}
	if (keys_load_ring(r, now, err, errlen) == -1) {
		sodium_free(r);
		goto fail;
	}
	keys_install(r);
	return 0;
fail:
	token_keys_free();
	return -1;
}

int
token_keys_maybe_rotate(int64_t now)
{
	struct token_keyring *r;
	char err[256];

	if (keyring == NULL)
		return -1;
	if (!keys_due(keyring, now))
		return 0;
	if ((r = keys_alloc()) == NULL) {
		log_warnx("%s: key rotation: sodium_malloc failed",
		    keys_dirname);
		return -1;
	}
	memcpy(r, keyring, sizeof(*r));
	keys_rotate(r, now);
	if (keys_write(r, err, sizeof(err)) == -1) {
		log_warnx("key rotation postponed: %s", err);
		sodium_free(r);
		return -1;
	}
	keys_install(r);
	log_info("token key rotated, kid %u", (unsigned)r->cur.kid);
	return 0;
}

void
token_keys_free(void)
{
	if (keyring != NULL)
		sodium_free(keyring);	/* zeroes the pages before unmapping */
	keyring = NULL;
	if (keys_dirfd != -1)
		close(keys_dirfd);
	keys_dirfd = -1;
}

/* ---- tokens ---- */

/* The prefix and MAC domain of a kind of token. */
struct token_kind {
	const char	*prefix;	/* TOKEN_PREFIX_LEN characters */
	const char	*domain;	/* TOKEN_DOMAIN_LEN characters */
};

static const struct token_kind token_session = { TOKEN_PREFIX, TOKEN_DOMAIN };
static const struct token_kind token_share = { TOKEN_SHARE_PREFIX,
    TOKEN_SHARE_DOMAIN };

/* msg = the kind's domain followed by the signed part of bin. */
static void
token_msg(const struct token_kind *kind, const uint8_t bin[TOKEN_BIN_BYTES],
    uint8_t msg[TOKEN_DOMAIN_LEN + TOKEN_SIGNED_BYTES])
{
	memcpy(msg, kind->domain, TOKEN_DOMAIN_LEN);
	memcpy(msg + TOKEN_DOMAIN_LEN, bin, TOKEN_SIGNED_BYTES);
}

/* crypto_auth (HMAC-SHA-512-256) of msg under k, from k's ready state. */
static void
token_mac(const struct token_key *k, const uint8_t *msg, size_t len,
    uint8_t tag[crypto_auth_BYTES])
{
	crypto_auth_hmacsha512256_state st = k->mac;

	crypto_auth_hmacsha512256_update(&st, msg, len);
	crypto_auth_hmacsha512256_final(&st, tag);
	sodium_memzero(&st, sizeof(st));
}

static void
token_mint_kind(const struct token_kind *kind, const uint8_t id[TOKEN_ID_BYTES],
    int64_t expiry, char out[TOKEN_STR_MAX])
{
	uint8_t bin[TOKEN_BIN_BYTES];
	uint8_t msg[TOKEN_DOMAIN_LEN + TOKEN_SIGNED_BYTES];
	uint64_t e = (uint64_t)expiry;
	int i;

	if (keyring == NULL)
		abort();	/* token_keys_load must succeed first */
	bin[0] = TOKEN_VERSION;
	bin[TOKEN_OFF_KID] = keyring->cur.kid;
	memcpy(bin + TOKEN_OFF_ID, id, TOKEN_ID_BYTES);
	for (i = 0; i < 8; i++)
		bin[TOKEN_OFF_EXPIRY + i] = (uint8_t)(e >> (56 - 8 * i));
	randombytes_buf(bin + TOKEN_OFF_NONCE, TOKEN_NONCE_BYTES);
	token_msg(kind, bin, msg);
	token_mac(&keyring->cur, msg, sizeof(msg), bin + TOKEN_SIGNED_BYTES);
	memcpy(out, kind->prefix, TOKEN_PREFIX_LEN);
	sodium_bin2base64(out + TOKEN_PREFIX_LEN, TOKEN_STR_MAX -
	    TOKEN_PREFIX_LEN, bin, sizeof(bin),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void
token_mint(const uint8_t id[TOKEN_ID_BYTES], int64_t expiry,
    char out[TOKEN_STR_MAX])
{
	token_mint_kind(&token_session, id, expiry, out);
}

void
token_share_mint(const uint8_t id[TOKEN_ID_BYTES], int64_t expiry,
    char out[TOKEN_STR_MAX])
{
	token_mint_kind(&token_share, id, expiry, out);
}

static const struct token_key *
token_key_by_kid(uint8_t kid)
{
	if (keyring == NULL)
		return NULL;
	if (keyring->cur.kid == kid)
		return &keyring->cur;
	if (keyring->have_prev && keyring->prev.kid == kid)
		return &keyring->prev;
	return NULL;
}

/*
 * Decode the TOKEN_B64_LEN characters at s (base64url, no padding) into
 * bin. Exactly one spelling is accepted: every character is in the
 * alphabet (libsodium 1.0.18's decoder reads bytes 0x80..0xff as '_',
 * found by tests/fuzz/fuzz_token, so it is not used here) and the two
 * bits the last character carries past byte 74 are zero. Returns 0 or -1.
 */
static int
token_b64_decode(const char *s, uint8_t bin[TOKEN_BIN_BYTES])
{
	uint32_t acc = 0;
	size_t i, n = 0;
	int v, bits = 0;

	for (i = 0; i < TOKEN_B64_LEN; i++) {
		if ((v = json_base64_digit((unsigned char)s[i], 1)) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			bin[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return n == TOKEN_BIN_BYTES && acc == 0 ? 0 : -1;
}

static int
token_verify_kind(const struct token_kind *kind, const char *s, size_t len,
    int64_t now, uint8_t id[TOKEN_ID_BYTES], int64_t *expiry)
{
	uint8_t bin[TOKEN_BIN_BYTES];
	uint8_t msg[TOKEN_DOMAIN_LEN + TOKEN_SIGNED_BYTES];
	uint8_t tag[crypto_auth_BYTES];
	const struct token_key *k;
	uint64_t e = 0;
	int i, ok;

	if (len != TOKEN_STR_LEN || memcmp(s, kind->prefix,
	    TOKEN_PREFIX_LEN) != 0 ||
	    token_b64_decode(s + TOKEN_PREFIX_LEN, bin) == -1)
		return -1;
	if (bin[0] != TOKEN_VERSION ||
	    (k = token_key_by_kid(bin[TOKEN_OFF_KID])) == NULL)
		return -1;
	token_msg(kind, bin, msg);
	token_mac(k, msg, sizeof(msg), tag);
	ok = crypto_verify_32(tag, bin + TOKEN_SIGNED_BYTES) == 0;
	sodium_memzero(tag, sizeof(tag));
	if (!ok)
		return -1;
	for (i = 0; i < 8; i++)
		e = (e << 8) | bin[TOKEN_OFF_EXPIRY + i];
	if ((int64_t)e <= now)
		return -1;
	memcpy(id, bin + TOKEN_OFF_ID, TOKEN_ID_BYTES);
	*expiry = (int64_t)e;
	return 0;
}

int
token_verify(const char *s, size_t len, int64_t now,
    uint8_t id[TOKEN_ID_BYTES], int64_t *expiry)
{
	return token_verify_kind(&token_session, s, len, now, id, expiry);
}

int
token_share_verify(const char *s, size_t len, int64_t now,
    uint8_t id[TOKEN_ID_BYTES], int64_t *expiry)
{
	return token_verify_kind(&token_share, s, len, now, id, expiry);
}

/* ---- instance ids ---- */

void
token_new_id(uint8_t id[TOKEN_ID_BYTES])
{
	uint64_t ms = (uint64_t)clock_wall_ms();
	int i;

	for (i = 0; i < 6; i++)
		id[i] = (uint8_t)(ms >> (40 - 8 * i));
	randombytes_buf(id + 6, TOKEN_ID_BYTES - 6);
	id[6] = (uint8_t)((id[6] & 0x0f) | 0x70);	/* version 7 */
	id[8] = (uint8_t)((id[8] & 0x3f) | 0x80);	/* variant 10 */
}

/* Byte index -> whether a dash follows it in the canonical form. */
static int
token_id_dash_after(int i)
{
	return i == 3 || i == 5 || i == 7 || i == 9;
}

void
token_id_str(const uint8_t id[TOKEN_ID_BYTES], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int i, j = 0;

	for (i = 0; i < TOKEN_ID_BYTES; i++) {
		out[j++] = hex[id[i] >> 4];
		out[j++] = hex[id[i] & 0x0f];
		if (token_id_dash_after(i))
			out[j++] = '-';
	}
	out[j] = '\0';
}

static int
token_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
token_id_parse(const char *s, uint8_t id[TOKEN_ID_BYTES])
{
	uint8_t tmp[TOKEN_ID_BYTES];
	int i, hi, lo;

	for (i = 0; i < TOKEN_ID_BYTES; i++) {
		if ((hi = token_hexval(*s++)) == -1 ||
		    (lo = token_hexval(*s++)) == -1)
			return -1;
		tmp[i] = (uint8_t)(hi << 4 | lo);
		if (token_id_dash_after(i) && *s++ != '-')
			return -1;
	}
	if (*s != '\0')
		return -1;
	memcpy(id, tmp, sizeof(tmp));
	return 0;
}
