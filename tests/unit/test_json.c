/*
 * test_json.c: the JSON encoder against exact expected text, and against
 * a slow, independently written reference on random bytes.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "unit.h"

static struct buf tb;

/* Encode s[0..len) as a string and return the NUL-terminated text. */
static const char *
str(const char *s, size_t len)
{
	buf_reset(&tb);
	json_add_string(&tb, s, len);
	return buf_cstr(&tb);
}

#define STR(lit)	str((lit), sizeof(lit) - 1)

static const char *
i64(int64_t v)
{
	buf_reset(&tb);
	json_add_int64(&tb, v);
	return buf_cstr(&tb);
}

static const char *
dbl(double v)
{
	buf_reset(&tb);
	json_add_double(&tb, v);
	return buf_cstr(&tb);
}

static const char *
b64(const void *p, size_t len)
{
	buf_reset(&tb);
	json_add_base64(&tb, p, len);
	return buf_cstr(&tb);
}

static void
test_string_plain(void)
{
	CHECK_STR(STR(""), "\"\"");
	CHECK_STR(STR("hello"), "\"hello\"");
	CHECK_STR(STR("a/b<c>~\x7f"), "\"a/b<c>~\x7f\"");
	CHECK_STR(STR("0123456789abcdefghijklmnopqrstuvwxyz"),
	    "\"0123456789abcdefghijklmnopqrstuvwxyz\"");
}

static void
test_string_escapes(void)
{
	CHECK_STR(STR("\""), "\"\\\"\"");
	CHECK_STR(STR("\\"), "\"\\\\\"");
	CHECK_STR(STR("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
	CHECK_STR(STR("\x01\x1f\x0b"), "\"\\u0001\\u001f\\u000b\"");
	CHECK_STR(STR("a\0b"), "\"a\\u0000b\"");
	CHECK_STR(STR("\0"), "\"\\u0000\"");
	/* Specials at every position of an 8-byte block. */
	CHECK_STR(STR("abcdefg\"hijklmn\\opqrstu\nv"),
	    "\"abcdefg\\\"hijklmn\\\\opqrstu\\nv\"");
	CHECK_STR(STR("\"bcdefgh"), "\"\\\"bcdefgh\"");
	/* U+2028 and U+2029 break JavaScript string literals. */
	CHECK_STR(STR("a\xe2\x80\xa8" "b\xe2\x80\xa9"), "\"a\\u2028b\\u2029\"");
	CHECK_STR(STR("\xe2\x80\xa7\xe2\x80\xaa"), "\"\xe2\x80\xa7\xe2\x80\xaa\"");
}

static void
test_string_utf8_valid(void)
{
	CHECK_STR(STR("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	CHECK_STR(STR("\xe2\x82\xac"), "\"\xe2\x82\xac\"");		/* euro */
	CHECK_STR(STR("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");	/* emoji */
	CHECK_STR(STR("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF */
	CHECK_STR(STR("\xc2\x80\xdf\xbf"), "\"\xc2\x80\xdf\xbf\"");
	CHECK_STR(STR("\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80"),
	    "\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\"");
	CHECK_STR(STR("\xf0\x90\x80\x80"), "\"\xf0\x90\x80\x80\"");	/* U+10000 */
}

#define R	"\xef\xbf\xbd"	/* U+FFFD */

static void
test_string_utf8_invalid(void)
{
	CHECK_STR(STR("\xc3\x28\xff"), "\"" R "(" R "\"");
	CHECK_STR(STR("\xc0\x80"), "\"" R R "\"");		/* overlong NUL */
	CHECK_STR(STR("\xc1\xbf"), "\"" R R "\"");
	CHECK_STR(STR("\xe0\x80\x80"), "\"" R R R "\"");	/* overlong */
	CHECK_STR(STR("\xe0\x9f\xbf"), "\"" R R R "\"");
	CHECK_STR(STR("\xed\xa0\x80"), "\"" R R R "\"");	/* U+D800 */
	CHECK_STR(STR("\xed\xbf\xbf"), "\"" R R R "\"");	/* U+DFFF */
	CHECK_STR(STR("\xf0\x80\x80\x80"), "\"" R R R R "\"");
	CHECK_STR(STR("\xf4\x90\x80\x80"), "\"" R R R R "\"");	/* U+110000 */
	CHECK_STR(STR("\xf5\x80"), "\"" R R "\"");
	CHECK_STR(STR("\xff\xfe"), "\"" R R "\"");
	CHECK_STR(STR("\x80"), "\"" R "\"");			/* stray */
	/* Truncated: one U+FFFD per maximal subpart. */
	CHECK_STR(STR("\xe2\x82"), "\"" R "\"");
	CHECK_STR(STR("\xe2\x82" "A"), "\"" R "A\"");
	CHECK_STR(STR("\xf0\x9f\x98"), "\"" R "\"");
	CHECK_STR(STR("\xf0\x9f\x98" "\xf0\x9f\x98\x80"),
	    "\"" R "\xf0\x9f\x98\x80\"");
	CHECK_STR(STR("\xc3"), "\"" R "\"");
	CHECK_STR(STR("ab\xc3"), "\"ab" R "\"");
}

/* ---- reference encoder: slow, written from the definitions ---- */

/* Is p[0..n) a well-formed UTF-8 sequence of exactly n bytes? */
static int
ref_wellformed(const unsigned char *p, size_t n)
{
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t cp;
	size_t i;

	if (n == 2 && (p[0] & 0xe0) == 0xc0)
		cp = p[0] & 0x1f;
	else if (n == 3 && (p[0] & 0xf0) == 0xe0)
		cp = p[0] & 0x0f;
	else if (n == 4 && (p[0] & 0xf8) == 0xf0)
		cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	return cp >= min[n] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

/* Can p[0..k) be extended into some well-formed sequence? */
static int
ref_prefix_ok(const unsigned char *p, size_t k)
{
	unsigned char t[4];
	size_t n, i;
	unsigned c1;

	for (n = k < 2 ? 2 : k; n <= 4; n++) {
		memcpy(t, p, k);
		for (i = k; i < n; i++)
			t[i] = 0x80;
		if (k >= 2) {
			if (ref_wellformed(t, n))
				return 1;
			continue;
		}
		for (c1 = 0x80; c1 <= 0xbf; c1++) {
			t[1] = (unsigned char)c1;
			if (ref_wellformed(t, n))
				return 1;
		}
	}
	return 0;
}

static void
ref_encode(struct buf *b, const unsigned char *p, size_t len)
{
	size_t i = 0, n, k;
	unsigned char c;

	buf_addc(b, '"');
	while (i < len) {
		c = p[i];
		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
			i++;
		} else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' ||
		    c == '\f') {
			buf_addc(b, '\\');
			buf_addc(b, c == '\n' ? 'n' : c == '\r' ? 'r' :
			    c == '\t' ? 't' : c == '\b' ? 'b' : 'f');
			i++;
		} else if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			buf_addc(b, (char)c);
			i++;
		} else {
			for (n = 2; n <= 4; n++)
				if (i + n <= len && ref_wellformed(p + i, n))
					break;
			if (n <= 4) {
				if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
				    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
					buf_printf(b, "\\u%s",
					    p[i + 2] == 0xa8 ? "2028" : "2029");
				else
					buf_add(b, p + i, n);
				i += n;
				continue;
			}
			for (k = 3; k >= 1; k--)
				if (i + k <= len && ref_prefix_ok(p + i, k))
					break;
			buf_add(b, R, 3);
			i += k == 0 ? 1 : k;
		}
	}
	buf_addc(b, '"');
}

static void
test_string_random(void)
{
	static const unsigned char pool[] = {
		'a', 'b', ' ', '"', '\\', '\n', 0, 0x1f, 0x7f, 0x80, 0x8f,
		0x9f, 0xa0, 0xa8, 0xa9, 0xbf, 0xc0, 0xc2, 0xc3, 0xdf, 0xe0,
		0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
	};
	unsigned char s[64];
	struct buf ref;
	size_t len, i;
	int iter, bad = 0;

	buf_init(&ref);
	srand(12345);
	for (iter = 0; iter < 200000; iter++) {
		len = (size_t)rand() % sizeof(s);
		for (i = 0; i < len; i++)
			s[i] = rand() % 3 == 0 ? (unsigned char)rand() :
			    pool[(size_t)rand() % sizeof(pool)];
		buf_reset(&ref);
		ref_encode(&ref, s, len);
		str((const char *)s, len);
		if (ref.len != tb.len || memcmp(ref.data, tb.data, ref.len) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
	buf_free(&ref);
}

static void
test_string_long(void)
{
	static const char pat[] = "plain text, \xc3\xa9 \"\x01";
	struct buf in, ref;
	size_t i;

	buf_init(&in);
	buf_init(&ref);
	for (i = 0; i < 100000; i++)
		buf_addc(&in, pat[i % (sizeof(pat) - 1)]);
	ref_encode(&ref, (const unsigned char *)in.data, in.len);
	str(in.data, in.len);
	CHECK_INT(tb.len, ref.len);
	CHECK(memcmp(tb.data, ref.data, ref.len) == 0);
	buf_free(&in);
	buf_free(&ref);
}

static void
test_int64(void)
{
	char want[32];
	int64_t v;
	int i, bad = 0;

	CHECK_STR(i64(0), "0");
	CHECK_STR(i64(-1), "-1");
	CHECK_STR(i64(7), "7");
	CHECK_STR(i64(INT64_MAX), "9223372036854775807");
	CHECK_STR(i64(INT64_MIN), "-9223372036854775808");
	CHECK_STR(i64(INT64_MIN + 1), "-9223372036854775807");
	CHECK_STR(i64(1000000000000000000LL), "1000000000000000000");
	srand(7);
	for (i = 0; i < 100000; i++) {
		v = (int64_t)(((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^
		    (uint64_t)rand()) >> (rand() % 63);
		if (rand() & 1)
			v = -v;
		snprintf(want, sizeof(want), "%" PRId64, v);
		if (strcmp(i64(v), want) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
}

static void
test_double(void)
{
	double v;
	int i, bad = 0;

	CHECK_STR(dbl(0.1), "0.1");
	CHECK_STR(dbl(1e300), "1e+300");
	CHECK_STR(dbl(-0.0), "-0.0");
	CHECK_STR(dbl(0.0), "0.0");
	CHECK_STR(dbl(1.0), "1.0");
	CHECK_STR(dbl(100.0), "100.0");
	CHECK_STR(dbl(-2.5), "-2.5");
	CHECK_STR(dbl(0.1 + 0.2), "0.30000000000000004");
	CHECK_STR(dbl(1.0 / 3.0), "0.3333333333333333");
	CHECK_STR(dbl(123456789012345.0), "123456789012345.0");
	CHECK_STR(dbl(1e15), "1e+15");
	CHECK_STR(dbl(1e-7), "1e-07");
	CHECK_STR(dbl(5e-324), "4.94065645841247e-324");
	CHECK_STR(dbl(DBL_MAX), "1.7976931348623157e+308");
	CHECK_STR(dbl(NAN), "null");
	CHECK_STR(dbl(INFINITY), "null");
	CHECK_STR(dbl(-INFINITY), "null");
	srand(99);
	for (i = 0; i < 100000; i++) {
		uint64_t bits = ((uint64_t)rand() << 42) ^
		    ((uint64_t)rand() << 21) ^ (uint64_t)rand();
		memcpy(&v, &bits, sizeof(v));
		if (!isfinite(v))
			continue;
		dbl(v);
		if (strtod(tb.data, NULL) != v || strchr(tb.data, ',') != NULL)
			bad++;
	}
	CHECK_INT(bad, 0);
}

static void
test_base64(void)
{
	CHECK_STR(b64(NULL, 0), "\"\"");
	CHECK_STR(b64("f", 1), "\"Zg==\"");
	CHECK_STR(b64("fo", 2), "\"Zm8=\"");
	CHECK_STR(b64("foo", 3), "\"Zm9v\"");
	CHECK_STR(b64("foobar", 6), "\"Zm9vYmFy\"");
	CHECK_STR(b64("\x00\xff\x10", 3), "\"AP8Q\"");
	CHECK_STR(b64("\xfb\xff", 2), "\"+/8=\"");
}

static void
test_error(void)
{
	buf_reset(&tb);
	buf_adds(&tb, "{\"rows\":[");
	json_error(&tb, "invalid sql: near \"x\": syntax error");
	CHECK_STR(buf_cstr(&tb),
	    "{\"error\":\"invalid sql: near \\\"x\\\": syntax error\"}");
	json_error(&tb, "bad \xff");
	CHECK_STR(buf_cstr(&tb), "{\"error\":\"bad " R "\"}");
}

/* Exactly the 64 digits of each alphabet; nothing else, no high byte. */
static void
test_base64_digit(void)
{
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	int c, k, nstd = 0, nurl = 0;

	for (k = 0; k < 64; k++) {
		CHECK_INT(json_base64_digit((unsigned char)std[k], 0), k);
		CHECK_INT(json_base64_digit((unsigned char)url[k], 1), k);
	}
	for (c = 0; c < 256; c++) {
		nstd += json_base64_digit((unsigned char)c, 0) >= 0;
		nurl += json_base64_digit((unsigned char)c, 1) >= 0;
	}
	CHECK_INT(nstd, 64);
	CHECK_INT(nurl, 64);
	CHECK_INT(json_base64_digit('=', 0), -1);
	CHECK_INT(json_base64_digit(0xdf, 1), -1);
}

static void
test_done(void)
{
	buf_free(&tb);
}

UNIT_MAIN(test_string_plain, test_string_escapes, test_string_utf8_valid,
    test_string_utf8_invalid, test_string_random, test_string_long,
    test_int64, test_double, test_base64, test_base64_digit, test_error,
    test_done)
