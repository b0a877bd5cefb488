/*
 * test_token.c: tokens (round trip, every byte tampered, string-level
 * tampering, expiry, forged tokens with the right key but a wrong kid or
 * version), key rotation and persistence, key file permissions and
 * corruption, and UUIDv7 instance ids.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bounds.h"
#include "token.h"
#include "unit.h"

#define NOW		1795461721LL	/* 2026-11-23T19:22:01Z */
#define BIN_BYTES	74
#define STR_LEN		103
#define B64		sodium_base64_VARIANT_URLSAFE_NO_PADDING

static char	tmproot[] = "/tmp/test_token.XXXXXX";
static int	subdir_n;

/* A fresh, not yet existing secrets dir under tmproot. */
static const char *
new_dir(void)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/s%d", tmproot, subdir_n++);
	return path;
}

static int
load(const char *dir, int64_t now)
{
	char err[256];
	int rc;

	err[0] = 'x';
	rc = token_keys_load(dir, now, err, sizeof(err));
	if (rc == -1)
		CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
	return rc;
}

static void
decode(const char *tok, uint8_t bin[BIN_BYTES])
{
	size_t len = 0;

	CHECK(sodium_base642bin(bin, BIN_BYTES, tok + 4, strlen(tok) - 4,
	    NULL, &len, NULL, B64) == 0);
	CHECK_INT(len, BIN_BYTES);
}

static void
encode(const uint8_t bin[BIN_BYTES], char out[TOKEN_STR_MAX])
{
	memcpy(out, "wkn_", 4);
	sodium_bin2base64(out + 4, TOKEN_STR_MAX - 4, bin, BIN_BYTES, B64);
}

static int
verify_str(const char *s, int64_t now)
{
	uint8_t id[TOKEN_ID_BYTES];
	int64_t exp;

	return token_verify(s, strlen(s), now, id, &exp);
}

static int
verify_bin(const uint8_t bin[BIN_BYTES], int64_t now)
{
	char s[TOKEN_STR_MAX];

	encode(bin, s);
	return verify_str(s, now);
}

/* Read the current key out of dir/keys (the test plays the attacker). */
static int
read_current_key(const char *dir, uint8_t key[32])
{
	char path[300], line[256], hex[80];
	unsigned kid;
	long long created;
	size_t len;
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/keys", dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f) &&
	    sscanf(line, "current %u %lld %79s", &kid, &created, hex) == 3 &&
	    sodium_hex2bin(key, 32, hex, strlen(hex), NULL, &len, NULL) == 0 &&
	    len == 32)
		rc = 0;
	fclose(f);
	return rc;
}

/* Recompute the tag of bin with key, as the daemon would. */
static void
sign(uint8_t bin[BIN_BYTES], const uint8_t key[32])
{
	uint8_t msg[16 + 42];

	memcpy(msg, "walkind/token/v1", 16);
	memcpy(msg + 16, bin, 42);
	crypto_auth(bin + 42, msg, sizeof(msg), key);
}

static void
write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK((f = fopen(path, "w")) != NULL);
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
	CHECK(chmod(path, mode) == 0);
}

static void
test_round_trip(void)
{
	uint8_t id[TOKEN_ID_BYTES], got[TOKEN_ID_BYTES], bin[BIN_BYTES];
	char tok[TOKEN_STR_MAX], tok2[TOKEN_STR_MAX];
	int64_t exp = 0;

	CHECK_INT(load(new_dir(), NOW), 0);
	token_new_id(id);
	token_mint(id, NOW + 600, tok);
	CHECK_INT(strlen(tok), STR_LEN);
	CHECK(strncmp(tok, "wkn_", 4) == 0);
	CHECK_INT(token_verify(tok, strlen(tok), NOW, got, &exp), 0);
	CHECK(memcmp(id, got, sizeof(id)) == 0);
	CHECK_INT(exp, NOW + 600);
	decode(tok, bin);
	CHECK_INT(bin[0], 1);
	CHECK(memcmp(bin + 2, id, 16) == 0);
	CHECK_INT(bin[25], (NOW + 600) & 0xff);		/* big-endian */
	CHECK_INT(bin[18], 0);
	/* A fresh nonce each time: same id and expiry, another token. */
	token_mint(id, NOW + 600, tok2);
	CHECK(strcmp(tok, tok2) != 0);
	CHECK_INT(verify_str(tok2, NOW), 0);
	/* Outputs untouched on failure. */
	memset(got, 0xaa, sizeof(got));
	exp = 42;
	CHECK_INT(token_verify(tok, strlen(tok) - 1, NOW, got, &exp), -1);
	CHECK_INT(exp, 42);
	CHECK_INT(got[0], 0xaa);
	token_keys_free();
	CHECK_INT(verify_str(tok, NOW), -1);	/* no keys: nothing verifies */
}

static void
test_tamper_bytes(void)
{
	uint8_t id[TOKEN_ID_BYTES], bin[BIN_BYTES], t[BIN_BYTES];
	char tok[TOKEN_STR_MAX];
	int i, x, bad = 0;

	CHECK_INT(load(new_dir(), NOW), 0);
	token_new_id(id);
	token_mint(id, NOW + 600, tok);
	decode(tok, bin);
	CHECK_INT(verify_bin(bin, NOW), 0);
	for (i = 0; i < BIN_BYTES; i++)
		for (x = 1; x < 256; x++) {
			memcpy(t, bin, sizeof(t));
			t[i] ^= (uint8_t)x;
			if (verify_bin(t, NOW) != -1)
				bad++;
		}
	CHECK_INT(bad, 0);
	token_keys_free();
}

static void
test_tamper_string(void)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	static const char junk[] = "=+/. \t\n\r\"\\%~*\x80\xff";
	uint8_t id[TOKEN_ID_BYTES], got[TOKEN_ID_BYTES];
	char tok[TOKEN_STR_MAX], t[TOKEN_STR_MAX + 8], orig;
	int64_t exp;
	size_t i, ok = 0;

	CHECK_INT(load(new_dir(), NOW), 0);
	token_new_id(id);
	token_mint(id, NOW + 600, tok);

	CHECK_INT(token_verify(tok, STR_LEN - 1, NOW, got, &exp), -1);
	snprintf(t, sizeof(t), "%sA", tok);
	CHECK_INT(verify_str(t, NOW), -1);
	snprintf(t, sizeof(t), "%s=", tok);
	CHECK_INT(verify_str(t, NOW), -1);
	snprintf(t, sizeof(t), "%s ", tok);
	CHECK_INT(verify_str(t, NOW), -1);
	snprintf(t, sizeof(t), " %s", tok);
	CHECK_INT(verify_str(t, NOW), -1);
	snprintf(t, sizeof(t), "%s", tok);
	t[STR_LEN - 1] = '=';				/* padding, same length */
	CHECK_INT(verify_str(t, NOW), -1);
	snprintf(t, sizeof(t), "%s", tok + 4);		/* no prefix */
	CHECK_INT(verify_str(t, NOW), -1);
	for (i = 0; i < 4; i++) {			/* wrong prefix */
		snprintf(t, sizeof(t), "%s", tok);
		t[i] = (char)(t[i] == 'w' ? 'W' : t[i] ^ 0x20);
		CHECK_INT(verify_str(t, NOW), -1);
	}
	snprintf(t, sizeof(t), "%s", tok);		/* embedded NUL */
	t[50] = '\0';
	CHECK_INT(token_verify(t, STR_LEN, NOW, got, &exp), -1);
	for (i = 0; junk[i] != '\0'; i++) {		/* non-alphabet chars */
		snprintf(t, sizeof(t), "%s", tok);
		t[4 + i * 6] = junk[i];
		CHECK_INT(verify_str(t, NOW), -1);
	}
	/* The last character carries 2 unused bits: only one spelling. */
	snprintf(t, sizeof(t), "%s", tok);
	orig = t[STR_LEN - 1];
	for (i = 0; alphabet[i] != '\0'; i++) {
		t[STR_LEN - 1] = alphabet[i];
		if (verify_str(t, NOW) == 0) {
			ok++;
			CHECK(alphabet[i] == orig);
		}
	}
	CHECK_INT(ok, 1);
	token_keys_free();
}

static void
test_expiry(void)
{
	uint8_t id[TOKEN_ID_BYTES];
	char tok[TOKEN_STR_MAX];

	CHECK_INT(load(new_dir(), NOW), 0);
	token_new_id(id);
	token_mint(id, NOW + 600, tok);
	CHECK_INT(verify_str(tok, NOW + 599), 0);
	CHECK_INT(verify_str(tok, NOW + 600), -1);
	CHECK_INT(verify_str(tok, NOW + 100000), -1);
	/* No upper sanity bound: the TTL is configurable. */
	token_mint(id, NOW + 30LL * 86400, tok);
	CHECK_INT(verify_str(tok, NOW), 0);
	token_mint(id, NOW, tok);			/* born expired */
	CHECK_INT(verify_str(tok, NOW), -1);
	token_mint(id, -5, tok);
	CHECK_INT(verify_str(tok, NOW), -1);
	token_keys_free();
}

/* Tokens signed with the right key but an unknown kid or version. */
static void
test_forged_fields(void)
{
	const char *dir = new_dir();
	uint8_t id[TOKEN_ID_BYTES], bin[BIN_BYTES], key[32], t[BIN_BYTES];
	char tok[TOKEN_STR_MAX];
	int v;

	CHECK_INT(load(dir, NOW), 0);
	CHECK_INT(read_current_key(dir, key), 0);
	token_new_id(id);
	token_mint(id, NOW + 600, tok);
	decode(tok, bin);
	memcpy(t, bin, sizeof(t));
	sign(t, key);			/* the test's MAC matches the daemon's */
	CHECK(memcmp(t, bin, sizeof(t)) == 0);
	t[30] ^= 1;			/* a new nonce, correctly signed */
	sign(t, key);
	CHECK_INT(verify_bin(t, NOW), 0);
	for (v = 1; v < 256; v++) {
		memcpy(t, bin, sizeof(t));
		t[1] = (uint8_t)(t[1] + v);	/* unknown kid */
		sign(t, key);
		CHECK_INT(verify_bin(t, NOW), -1);
	}
	for (v = 0; v < 256; v++) {
		if (v == 1)
			continue;
		memcpy(t, bin, sizeof(t));
		t[0] = (uint8_t)v;		/* unknown version */
		sign(t, key);
		CHECK_INT(verify_bin(t, NOW), -1);
	}
	/* Signed without the domain string: must not verify. */
	memcpy(t, bin, sizeof(t));
	crypto_auth(t + 42, t, 42, key);
	CHECK_INT(verify_bin(t, NOW), -1);
	sodium_memzero(key, sizeof(key));
	token_keys_free();
}

static void
test_rotation(void)
{
	const char *dir = new_dir();
	uint8_t id[TOKEN_ID_BYTES], b0[BIN_BYTES], b1[BIN_BYTES];
	uint8_t b2[BIN_BYTES], b3[BIN_BYTES];
	char t0[TOKEN_STR_MAX], t1[TOKEN_STR_MAX], t2[TOKEN_STR_MAX];
	char t3[TOKEN_STR_MAX];
	const int64_t far = NOW + 10LL * 86400, day = BOUNDS_KEY_ROTATE_S;

	CHECK_INT(load(dir, NOW), 0);
	token_new_id(id);
	token_mint(id, far, t0);
	decode(t0, b0);
	CHECK_INT(token_keys_maybe_rotate(NOW + day - 1), 0);	/* not due */
	token_mint(id, far, t1);
	decode(t1, b1);
	CHECK_INT(b1[1], b0[1]);

	CHECK_INT(token_keys_maybe_rotate(NOW + day), 0);
	token_mint(id, far, t2);
	decode(t2, b2);
	CHECK_INT(b2[1], (b0[1] + 1) & 0xff);
	CHECK_INT(verify_str(t0, NOW + day), 0);	/* previous key */
	CHECK_INT(verify_str(t2, NOW + day), 0);

	/* Persisted: a restart still knows both keys. */
	CHECK_INT(load(dir, NOW + day + 10), 0);
	CHECK_INT(verify_str(t0, NOW + day + 10), 0);
	CHECK_INT(verify_str(t2, NOW + day + 10), 0);

	CHECK_INT(token_keys_maybe_rotate(NOW + 2 * day), 0);
	token_mint(id, far, t3);
	decode(t3, b3);
	CHECK_INT(b3[1], (b0[1] + 2) & 0xff);
	CHECK_INT(verify_str(t0, NOW + 2 * day), -1);	/* oldest key gone */
	CHECK_INT(verify_str(t1, NOW + 2 * day), -1);
	CHECK_INT(verify_str(t2, NOW + 2 * day), 0);
	CHECK_INT(verify_str(t3, NOW + 2 * day), 0);

	/* Rotation at load: the stale current key becomes previous. */
	CHECK_INT(load(dir, NOW + 3 * day), 0);
	CHECK_INT(verify_str(t2, NOW + 3 * day), -1);
	CHECK_INT(verify_str(t3, NOW + 3 * day), 0);
	token_mint(id, far, t1);
	decode(t1, b1);
	CHECK_INT(b1[1], (b0[1] + 3) & 0xff);
	token_keys_free();
	CHECK_INT(token_keys_maybe_rotate(NOW + 9 * day), -1);	/* no keys */
}

static void
test_kid_wraps(void)
{
	const char *dir = new_dir();
	uint8_t id[TOKEN_ID_BYTES], bin[BIN_BYTES];
	char tok[TOKEN_STR_MAX], text[512];

	CHECK_INT(mkdir(dir, 0700), 0);
	snprintf(text, sizeof(text), "walkind-keys 1\ncurrent 255 %lld %s\n",
	    NOW, "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff");
	write_file(dir, "keys", text, 0600);
	CHECK_INT(load(dir, NOW + BOUNDS_KEY_ROTATE_S), 0);
	token_new_id(id);
	token_mint(id, NOW + 10LL * 86400, tok);
	decode(tok, bin);
	CHECK_INT(bin[1], 0);
	token_keys_free();
}

static void
test_key_file(void)
{
	const char *dir = new_dir();
	char path[300], tmp[300];
	struct stat st;

	CHECK_INT(load(dir, NOW), 0);
	CHECK_INT(stat(dir, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0700);
	snprintf(path, sizeof(path), "%s/keys", dir);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK(S_ISREG(st.st_mode));
	snprintf(tmp, sizeof(tmp), "%s/keys.tmp", dir);
	CHECK(access(tmp, F_OK) == -1);
	CHECK_INT(token_keys_maybe_rotate(NOW + BOUNDS_KEY_ROTATE_S), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK(access(tmp, F_OK) == -1);
	token_keys_free();

	CHECK_INT(chmod(path, 0640), 0);	/* group readable: refuse */
	CHECK_INT(load(dir, NOW), -1);
	CHECK_INT(chmod(path, 0604), 0);
	CHECK_INT(load(dir, NOW), -1);
	CHECK_INT(chmod(path, 0600), 0);
	CHECK_INT(load(dir, NOW), 0);
	token_keys_free();
	CHECK_INT(chmod(dir, 0770), 0);		/* group writable dir */
	CHECK_INT(load(dir, NOW), -1);
	CHECK_INT(chmod(dir, 0700), 0);
	CHECK_INT(unlink(path), 0);		/* a symlink is refused */
	CHECK_INT(symlink("/etc/passwd", path), 0);
	CHECK_INT(load(dir, NOW), -1);
	CHECK_INT(unlink(path), 0);
	CHECK_INT(mkdir(path, 0700), 0);	/* so is a directory */
	CHECK_INT(load(dir, NOW), -1);
	CHECK_INT(rmdir(path), 0);
}

static void
test_corrupt(void)
{
	static const char *bad[] = {
		"",
		"garbage\n",
		"walkind-keys 1\n",
		"walkind-keys 2\ncurrent 1 100 %s\n",
		"walkind-keys 1\ncurrent 1 100 %s",		/* no newline */
		"walkind-keys 1\ncurrent 1 100 %s\n\n",
		"walkind-keys 1\ncurrent 256 100 %s\n",
		"walkind-keys 1\ncurrent -1 100 %s\n",
		"walkind-keys 1\ncurrent 1 -100 %s\n",
		"walkind-keys 1\ncurrent 1 1x0 %s\n",
		"walkind-keys 1\ncurrent 1 100 %s00\n",
		"walkind-keys 1\ncurrent 1 100 %.62s\n",
		"walkind-keys 1\ncurrent 1 100 %.62sZZ\n",
		"walkind-keys 1\ncurrent 1 100 %s extra\n",
		"walkind-keys 1\nprevious 1 100 %s\n",
		"walkind-keys 1\ncurrent 1 100 %s\nprevious 1 100 %s\n",
		"walkind-keys 1\ncurrent 1 100 %s\nprevious 2 100 %s\nx\n",
	};
	const char *hex = "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff";
	char text[512], big[1024];
	const char *dir = new_dir();
	size_t i;

	CHECK_INT(mkdir(dir, 0700), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(text, sizeof(text), bad[i], hex, hex);
#pragma GCC diagnostic pop
		write_file(dir, "keys", text, 0600);
		if (load(dir, NOW) != -1) {
			fprintf(stderr, "corrupt case %zu accepted\n", i);
			CHECK(0);
		}
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(dir, "keys", big, 0600);
	CHECK_INT(load(dir, NOW), -1);
	/* The good forms load. */
	snprintf(text, sizeof(text), "walkind-keys 1\ncurrent 7 %lld %s\n",
	    NOW, hex);
	write_file(dir, "keys", text, 0600);
	CHECK_INT(load(dir, NOW), 0);
	snprintf(text, sizeof(text), "walkind-keys 1\ncurrent 7 %lld %s\n"
	    "previous 6 %lld %s\n", NOW, hex, NOW - 10, hex);
	write_file(dir, "keys", text, 0600);
	CHECK_INT(load(dir, NOW), 0);
	token_keys_free();
}

static void
test_uuid(void)
{
	uint8_t id[TOKEN_ID_BYTES], id2[TOKEN_ID_BYTES], got[TOKEN_ID_BYTES];
	char s[37], t[64];
	struct timespec ts;
	uint64_t ms = 0, now_ms;
	int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	token_new_id(id);
	token_new_id(id2);
	CHECK(memcmp(id, id2, sizeof(id)) != 0);
	CHECK_INT(id[6] >> 4, 7);
	CHECK_INT(id[8] >> 6, 2);
	for (i = 0; i < 6; i++)
		ms = ms << 8 | id[i];
	CHECK(ms >= now_ms && ms < now_ms + 1000);

	token_id_str(id, s);
	CHECK_INT(strlen(s), 36);
	CHECK(s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-');
	CHECK(s[14] == '7');
	CHECK(strchr("89ab", s[19]) != NULL);
	CHECK_INT(strspn(s, "0123456789abcdef-"), 36);
	CHECK_INT(token_id_parse(s, got), 0);
	CHECK(memcmp(id, got, sizeof(id)) == 0);

	CHECK_INT(token_id_parse("0190f3a2-7b1c-7d4e-8f00-0123456789ab", got),
	    0);
	CHECK_INT(got[0], 0x01);
	CHECK_INT(got[15], 0xab);
	token_id_str(got, t);
	CHECK_STR(t, "0190f3a2-7b1c-7d4e-8f00-0123456789ab");

	memset(got, 0x5a, sizeof(got));
	CHECK_INT(token_id_parse("0190F3A2-7b1c-7d4e-8f00-0123456789ab", got),
	    -1);
	CHECK_INT(got[0], 0x5a);
	CHECK_INT(token_id_parse("0190f3a2-7b1c-7d4e-8f00-0123456789aB", got),
	    -1);
	CHECK_INT(token_id_parse("0190f3a27-b1c-7d4e-8f00-0123456789ab", got),
	    -1);
	CHECK_INT(token_id_parse("0190f3a2-7b1c-7d4e-8f000123456789ab-", got),
	    -1);
	CHECK_INT(token_id_parse("0190f3a27b1c7d4e8f000123456789ab", got), -1);
	CHECK_INT(token_id_parse("0190f3a2-7b1c-7d4e-8f00-0123456789a", got),
	    -1);
	CHECK_INT(token_id_parse("0190f3a2-7b1c-7d4e-8f00-0123456789abc", got),
	    -1);
	CHECK_INT(token_id_parse("0190f3a2-7b1c-7d4e-8f00-0123456789ag", got),
	    -1);
	CHECK_INT(token_id_parse("0190f3a2_7b1c-7d4e-8f00-0123456789ab", got),
	    -1);
	CHECK_INT(token_id_parse(" 190f3a2-7b1c-7d4e-8f00-0123456789ab", got),
	    -1);
	CHECK_INT(token_id_parse("0190f3a2-7b1c-7d4e-8f00-0123456789ab\n", got),
	    -1);
	CHECK_INT(token_id_parse("", got), -1);
	CHECK_INT(token_id_parse("../../etc/passwd", got), -1);
}

/* A share token verifies only as one; neither kind passes as the other,
 * not even with the prefix swapped (the MAC domain differs). */
static void
test_share_kind(void)
{
	uint8_t id[TOKEN_ID_BYTES], got[TOKEN_ID_BYTES];
	char sess[TOKEN_STR_MAX], share[TOKEN_STR_MAX];
	int64_t exp = 0;

	CHECK_INT(load(new_dir(), NOW), 0);
	token_new_id(id);
	token_mint(id, NOW + 600, sess);
	token_share_mint(id, NOW + 600, share);
	CHECK_INT(strlen(share), STR_LEN);
	CHECK(strncmp(share, "wks_", 4) == 0);
	CHECK_INT(token_share_verify(share, strlen(share), NOW, got, &exp), 0);
	CHECK(memcmp(id, got, sizeof(id)) == 0);
	CHECK_INT(exp, NOW + 600);
	CHECK_INT(token_verify(share, strlen(share), NOW, got, &exp), -1);
	CHECK_INT(token_share_verify(sess, strlen(sess), NOW, got, &exp), -1);
	memcpy(share, "wkn_", 4);
	CHECK_INT(token_verify(share, strlen(share), NOW, got, &exp), -1);
	memcpy(sess, "wks_", 4);
	CHECK_INT(token_share_verify(sess, strlen(sess), NOW, got, &exp), -1);
	token_share_mint(id, NOW + 600, share);
	CHECK_INT(token_share_verify(share, strlen(share), NOW + 600, got,
	    &exp), -1);		/* expires with the walk-in */
	token_keys_free();
}

static void
test_setup(void)
{
	CHECK(sodium_init() >= 0);
	CHECK(mkdtemp(tmproot) != NULL);
}

static void
test_cleanup(void)
{
	token_keys_free();
	CHECK_INT(unit_rmtree(tmproot), 0);
	CHECK(access(tmproot, F_OK) == -1);
}

UNIT_MAIN(test_setup, test_round_trip, test_share_kind, test_tamper_bytes, test_tamper_string,
    test_expiry, test_forged_fields, test_rotation, test_kid_wraps,
    test_key_file, test_corrupt, test_uuid, test_cleanup)
