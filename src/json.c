/*
 * json.c: JSON text output (see json.h).
 *
 * Everything here appends to a struct buf and never fails: the output is
 * valid JSON and valid UTF-8 whatever bytes come in, because row data is
 * chosen by hostile callers and ends up in browsers and JSON parsers.
 *
 * Strings. The encoder copies the longest run of bytes that need no
 * change with one buf_add: printable ASCII is scanned eight bytes at a
 * time, well-formed multi-byte UTF-8 is validated and stays in the run.
 * A run ends only at a byte that must be rewritten:
 *   - '"', '\\' and controls below 0x20 are escaped (\n \r \t \b \f in
 *     short form, the rest as \u00XX; NUL becomes \u0000, so TEXT with
 *     NUL comes back whole);
 *   - U+2028 and U+2029 are escaped: legal in JSON but line terminators
 *     in older JavaScript, where replies may be evaluated;
 *   - ill-formed UTF-8 becomes U+FFFD, one per maximal subpart (Unicode
 *     ch. 3 "U+FFFD substitution of maximal subparts", as WHATWG
 *     decoders do): overlongs (C0, C1, E0 80..9F, F0 80..8F), surrogates
 *     (ED A0..BF), code points above U+10FFFF (F4 90.., F5..FF), stray
 *     continuation bytes and truncated sequences.
 *
 * Numbers. Integers are converted exactly from their 64 bits; doubles
 * are printed with the fewest of 15, 16 or 17 significant digits that
 * read back to the same double. A double whose text looks like an
 * integer gets ".0" appended (1.0 -> "1.0", -0.0 -> "-0.0") so clients
 * can tell REAL from INTEGER. NaN and infinities have no JSON form and
 * become null. The process never calls setlocale, so printf and strtod
 * use the "C" locale's '.'.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "json.h"

#define JSON_ONES	0x0101010101010101ULL
#define JSON_HIGHS	0x8080808080808080ULL

/* Bytes 0x20..0x7f except '"' and '\\' pass through unchanged. */
static inline int
json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Nonzero if any byte of w is zero (exact as a yes/no answer). */
static inline uint64_t
json_haszero(uint64_t w)
{
	return (w - JSON_ONES) & ~w & JSON_HIGHS;
}

/* First byte in [p, end) that is not plain ASCII, or end. */
static const unsigned char *
json_ascii_run(const unsigned char *p, const unsigned char *end)
{
	uint64_t w, bad;

	while (end - p >= 8) {
		memcpy(&w, p, sizeof(w));
		bad = (w & JSON_HIGHS) |			/* >= 0x80 */
		    ((w - JSON_ONES * 0x20) & ~w & JSON_HIGHS) |	/* < 0x20 */
		    json_haszero(w ^ (JSON_ONES * '"')) |
		    json_haszero(w ^ (JSON_ONES * '\\'));
		if (bad)
			break;
		p += 8;
	}
	while (p < end && json_plain(*p))
		p++;
	return p;
}

/*
 * Length (2..4) of the well-formed UTF-8 sequence at p, or 0 if it is
 * ill-formed; then *bad is the length of its maximal subpart (>= 1), the
 * bytes that one U+FFFD replaces. Ranges from Unicode table 3-7.
 */
static size_t
json_utf8_seq(const unsigned char *p, size_t avail, size_t *bad)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (c == 0xed)
			hi = 0x9f;		/* surrogates D800..DFFF */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;		/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else {
		*bad = 1;			/* 80..C1, F5..FF */
		return 0;
	}
	for (i = 1; i < need; i++) {
		if (i >= avail || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

/* Append the escaped form of the ASCII byte c (not plain). */
static void
json_escape_ascii(struct buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	switch (c) {
	case '"':  buf_add(b, "\\\"", 2); return;
	case '\\': buf_add(b, "\\\\", 2); return;
	case '\b': buf_add(b, "\\b", 2); return;
	case '\f': buf_add(b, "\\f", 2); return;
	case '\n': buf_add(b, "\\n", 2); return;
	case '\r': buf_add(b, "\\r", 2); return;
	case '\t': buf_add(b, "\\t", 2); return;
	default:
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 0xf];
		buf_add(b, esc, sizeof(esc));
	}
}

void
json_add_string(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	const unsigned char *run = p;
	size_t n, bad;

	buf_reserve(b, len + 2);
	buf_addc(b, '"');
	while (p < end) {
		p = json_ascii_run(p, end);
		if (p == end)
			break;
		if (*p < 0x80) {
			buf_add(b, run, (size_t)(p - run));
			json_escape_ascii(b, *p++);
			run = p;
			continue;
		}
		n = json_utf8_seq(p, (size_t)(end - p), &bad);
		if (n == 0) {
			buf_add(b, run, (size_t)(p - run));
			buf_add(b, "\xef\xbf\xbd", 3);
			p += bad;
			run = p;
		} else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] == 0xa8 || p[2] == 0xa9)) {
			buf_add(b, run, (size_t)(p - run));
			buf_add(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			p += 3;
			run = p;
		} else
			p += n;
	}
	buf_add(b, run, (size_t)(end - run));
	buf_addc(b, '"');
}

int
json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n, bad;

	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((n = json_utf8_seq(p, (size_t)(end - p), &bad)) == 0)
			return 0;
		p += n;
	}
	return 1;
}

void
json_add_int64(struct buf *b, int64_t v)
{
	char tmp[24], *q = tmp + sizeof(tmp);
	uint64_t u;

	/* Magnitude in unsigned arithmetic: exact for INT64_MIN too. */
	u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--q = '-';
	buf_add(b, q, (size_t)(tmp + sizeof(tmp) - q));
}

void
json_add_double(struct buf *b, double v)
{
	char tmp[40];
	int prec, n = 0;

	if (!isfinite(v)) {
		buf_add(b, "null", 4);
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* %.17g always round-trips; n < sizeof(tmp) for any finite double. */
	buf_add(b, tmp, (size_t)n);
	if (strpbrk(tmp, ".en") == NULL)
		buf_add(b, ".0", 2);
}

void
json_add_base64(struct buf *b, const unsigned char *p, size_t len)
{
	const int variant = sodium_base64_VARIANT_ORIGINAL;
	size_t enc = sodium_base64_ENCODED_LEN(len, variant); /* with NUL */

	buf_reserve(b, enc + 2);
	b->data[b->len++] = '"';
	sodium_bin2base64(b->data + b->len, enc, p, len, variant);
	b->len += enc - 1;
	b->data[b->len++] = '"';
}

void
json_error(struct buf *b, const char *msg)
{
	buf_reset(b);
	buf_add(b, "{\"error\":", 9);
	json_add_string(b, msg, strlen(msg));
	buf_addc(b, '}');
}

int
json_base64_digit(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}
