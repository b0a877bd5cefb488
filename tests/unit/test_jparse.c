/*
 * test_jparse.c: the strict JSON parser: what it keeps (numbers' source
 * text, strings' length with NUL), every class of refusal with its
 * reason, depth, the BOM, duplicate keys, and large documents. Under
 * make check-asan, LeakSanitizer also checks that cJSON_Delete frees the
 * strings jparse hangs on the items.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "jparse.h"
#include "unit.h"

#define DEPTH	16

static cJSON *
P(const char *s)
{
	const char *why = "unset";
	cJSON *j = jparse(s, strlen(s), DEPTH, &why);

	if (j != NULL)
		CHECK(why == NULL);
	return j;
}

/* The reason s is refused, or "accepted". */
static const char *
why_len(const char *s, size_t n, int depth)
{
	const char *why = NULL;
	cJSON *j = jparse(s, n, depth, &why);

	if (j != NULL) {
		cJSON_Delete(j);
		return "accepted";
	}
	return why ? why : "(null)";
}

static const char *
why(const char *s)
{
	return why_len(s, strlen(s), DEPTH);
}

#define WHY_LIT(lit)	why_len((lit), sizeof(lit) - 1, DEPTH)

static void
test_scalars(void)
{
	cJSON *j;

	j = P("true");
	CHECK(cJSON_IsTrue(j));
	cJSON_Delete(j);
	j = P(" false ");
	CHECK(cJSON_IsFalse(j));
	cJSON_Delete(j);
	j = P("\r\n\tnull\n");
	CHECK(cJSON_IsNull(j));
	cJSON_Delete(j);
	j = P("\"hi\"");
	CHECK(cJSON_IsString(j));
	CHECK_STR(j->valuestring, "hi");
	CHECK_INT(j->valueint, 2);
	cJSON_Delete(j);
}

static void
num(const char *text, double d)
{
	cJSON *j = P(text);

	CHECK(cJSON_IsNumber(j));
	if (j == NULL)
		return;
	CHECK_STR(j->valuestring, text);
	CHECK(j->valuedouble == d);
	cJSON_Delete(j);
}

static void
test_numbers(void)
{
	cJSON *j;

	num("0", 0);
	num("-0", 0);
	num("42", 42);
	num("-1", -1);
	num("1.50", 1.5);
	num("1e3", 1000);
	num("1E+3", 1000);
	num("2.5e-1", 0.25);
	num("-0.0", 0);
	num("9223372036854775807", 9223372036854775807.0);
	num("-9223372036854775808", -9223372036854775808.0);
	num("12345678901234567890123", 12345678901234567890123.0);
	j = P("-0");
	CHECK(j && signbit(j->valuedouble));
	cJSON_Delete(j);
	/* valueint as cJSON has it: saturated. */
	j = P("1e300");
	CHECK(j && j->valueint == INT_MAX);
	cJSON_Delete(j);
	j = P("-3000000000");
	CHECK(j && j->valueint == INT_MIN);
	cJSON_Delete(j);
	j = P("7");
	CHECK(j && j->valueint == 7);
	cJSON_Delete(j);
	/* Beyond double's range: accepted, text kept, value +-inf. */
	j = P("1e400");
	CHECK(j && isinf(j->valuedouble) && j->valuedouble > 0);
	CHECK(j && strcmp(j->valuestring, "1e400") == 0);
	cJSON_Delete(j);
	/* The exact text of each number in a container. */
	j = P("[9007199254740993, -9007199254740993, 1.000000000000000001]");
	CHECK(j && cJSON_GetArraySize(j) == 3);
	if (j) {
		CHECK_STR(cJSON_GetArrayItem(j, 0)->valuestring,
		    "9007199254740993");
		CHECK_STR(cJSON_GetArrayItem(j, 1)->valuestring,
		    "-9007199254740993");
		CHECK_STR(cJSON_GetArrayItem(j, 2)->valuestring,
		    "1.000000000000000001");
	}
	cJSON_Delete(j);
}

static void
test_bad_numbers(void)
{
	static const char *bad[] = {
		"01", "-01", "00", "+1", ".5", "-.5", "1.", "1.e3", "1e",
		"1e+", "-", "--1", "NaN", "Infinity", "-Infinity", "0x10",
		"1.2.3", "1e3e4", "[01]", "{\"a\":+1}", "1a", "[1.]", "0e",
		"-e1",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *w = why(bad[i]);

		if (strcmp(w, "bad number") != 0)
			fprintf(stderr, "number %s: %s\n", bad[i], w);
		CHECK_STR(w, "bad number");
	}
	CHECK_STR(why("1_000"), "trailing data");
	CHECK_STR(why("[1,]"), "expected a value");
	CHECK_STR(why("tru"), "expected a value");
	CHECK_STR(why("nul"), "expected a value");
	CHECK_STR(why("True"), "expected a value");
	CHECK_STR(why("'a'"), "expected a value");
}

static void
test_strings(void)
{
	cJSON *j;

	j = P("\"a\\u0000b\"");
	CHECK(j && cJSON_IsString(j));
	if (j) {
		CHECK_INT(j->valueint, 3);
		CHECK_INT(strlen(j->valuestring), 1);
		CHECK(memcmp(j->valuestring, "a\0b", 4) == 0);
	}
	cJSON_Delete(j);
	j = P("\"\\u0000\"");
	CHECK(j && j->valueint == 1 && j->valuestring[0] == '\0');
	cJSON_Delete(j);
	j = P("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
	CHECK(j && j->valueint == 8 &&
	    memcmp(j->valuestring, "\"\\/\b\f\n\r\t", 8) == 0);
	cJSON_Delete(j);
	/* \u escapes: 2- and 3-byte UTF-8, a surrogate pair, raw UTF-8. */
	j = P("\"\\u00e9\\u20AC\\ud83d\\ude00 h\xc3\xa9\"");
	CHECK(j && strcmp(j->valuestring,
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 h\xc3\xa9") == 0);
	CHECK(j && j->valueint == 13);
	cJSON_Delete(j);
	j = P("\"\"");
	CHECK(j && j->valueint == 0 && j->valuestring[0] == '\0');
	cJSON_Delete(j);
	/* Raw U+2028, U+FFFF and U+10FFFF are valid JSON text. */
	j = P("\"\xe2\x80\xa8\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
	CHECK(j && j->valueint == 10);
	cJSON_Delete(j);
}

static void
test_bad_strings(void)
{
	CHECK_STR(why("\"a\nb\""), "control character in string");
	CHECK_STR(why("\"\t\""), "control character in string");
	CHECK_STR(why("\"\x1f\""), "control character in string");
	CHECK_STR(WHY_LIT("\"a\0b\""), "control character in string");
	CHECK_STR(why("\"\x7f\""), "accepted");
	CHECK_STR(why("\"abc"), "unterminated string");
	CHECK_STR(why("\"abc\\\""), "unterminated string");
	CHECK_STR(why("\"\\"), "unterminated string");
	CHECK_STR(why("\"\\x\""), "bad escape");
	CHECK_STR(why("\"\\'\""), "bad escape");
	CHECK_STR(why("\"\\U0041\""), "bad escape");
	CHECK_STR(why("\"\\u00g0\""), "bad escape");
	CHECK_STR(why("\"\\u12\""), "bad escape");
	CHECK_STR(WHY_LIT("\"\\\0\""), "bad escape");
	CHECK_STR(why("\"\\ud800\""), "bad surrogate");
	CHECK_STR(why("\"\\ud800x\""), "bad surrogate");
	CHECK_STR(why("\"\\ud800\\u0041\""), "bad surrogate");
	CHECK_STR(why("\"\\ud800\\ud800\""), "bad surrogate");
	CHECK_STR(why("\"\\udc00\""), "bad surrogate");
	CHECK_STR(why("\"\\ude00\\ud83d\""), "bad surrogate");
	CHECK_STR(why("\"\\udbff\\udfff\""), "accepted");
}

static void
test_utf8(void)
{
	CHECK_STR(why("\"\xff\""), "invalid UTF-8");
	CHECK_STR(why("\"\xc0\xaf\""), "invalid UTF-8");		/* overlong */
	CHECK_STR(why("\"\xed\xa0\x80\""), "invalid UTF-8");	/* surrogate */
	CHECK_STR(why("\"\xf4\x90\x80\x80\""), "invalid UTF-8");
	CHECK_STR(why("\"\xe2\x82\""), "invalid UTF-8");		/* truncated */
	CHECK_STR(why("[1] \x80"), "invalid UTF-8");		/* outside */
	CHECK_STR(why("{\"\xfe\":1}"), "invalid UTF-8");		/* in a key */
	/* Valid UTF-8 outside a string is still not JSON. */
	CHECK_STR(why("\xc3\xa9"), "expected a value");
	CHECK_STR(why("[1,\xc2\xa0 2]"), "expected a value");
}

static void
test_structure(void)
{
	cJSON *j;

	j = P(" { \"a\" : [ 1 , { } , [ ] , \"x\" ] , \"b\" : null } ");
	CHECK(cJSON_IsObject(j));
	CHECK(j && cJSON_GetArraySize(cJSON_GetObjectItem(j, "a")) == 4);
	CHECK(j && cJSON_IsNull(cJSON_GetObjectItem(j, "b")));
	cJSON_Delete(j);
	CHECK_STR(why(""), "expected a value");
	CHECK_STR(why("   "), "expected a value");
	CHECK_STR(why("["), "expected a value");
	CHECK_STR(why("[1"), "expected ',' or ']'");
	CHECK_STR(why("[1 2]"), "expected ',' or ']'");
	CHECK_STR(why("{"), "expected a key");
	CHECK_STR(why("{,}"), "expected a key");
	CHECK_STR(why("{\"a\":1,}"), "expected a key");
	CHECK_STR(why("{a:1}"), "expected a key");
	CHECK_STR(why("{\"a\" 1}"), "expected ':'");
	CHECK_STR(why("{\"a\""), "expected ':'");
	CHECK_STR(why("{\"a\":1"), "expected ',' or '}'");
	CHECK_STR(why("{\"a\":1 \"b\":2}"), "expected ',' or '}'");
	CHECK_STR(why("{\"a\":}"), "expected a value");
	CHECK_STR(why("[1]]"), "trailing data");
	CHECK_STR(why("{} {}"), "trailing data");
	CHECK_STR(why("1 2"), "trailing data");
	CHECK_STR(why("null x"), "trailing data");
	CHECK_STR(why("truefalse"), "trailing data");
	CHECK_STR(WHY_LIT("{}\0"), "trailing data");
	CHECK_STR(why("{}\f"), "trailing data");	/* not JSON whitespace */
	CHECK_STR(why("{} \r\n\t"), "accepted");
	/* NULL with length 0 is the empty text. */
	CHECK_STR(why_len(NULL, 0, DEPTH), "expected a value");
}

static void
test_bom(void)
{
	cJSON *j = P("\xef\xbb\xbf{\"a\":1}");

	CHECK(cJSON_IsObject(j));
	cJSON_Delete(j);
	CHECK_STR(why("\xef\xbb\xbf"), "expected a value");
	CHECK_STR(why("\xef\xbb\xbf\xef\xbb\xbf{}"), "expected a value");
	CHECK_STR(why(" \xef\xbb\xbf{}"), "expected a value");
	CHECK_STR(why("{}\xef\xbb\xbf"), "trailing data");
}

static void
test_duplicates(void)
{
	struct buf b;
	int i;

	CHECK_STR(why("{\"a\":1,\"a\":2}"), "duplicate key");
	CHECK_STR(why("{\"a\":1,\"b\":2,\"a\":1}"), "duplicate key");
	/* Equal after escapes. */
	CHECK_STR(why("{\"a\":1,\"\\u0061\":2}"), "duplicate key");
	/* In a nested object, and in an object inside an array. */
	CHECK_STR(why("{\"x\":{\"k\":1,\"k\":1}}"), "duplicate key");
	CHECK_STR(why("[{},{\"k\":1,\"k\":1}]"), "duplicate key");
	/* Same key in different objects, and case differences: fine. */
	CHECK_STR(why("[{\"k\":1},{\"k\":1}]"), "accepted");
	CHECK_STR(why("{\"k\":1,\"K\":1}"), "accepted");
	CHECK_STR(why("{\"a\\u0000b\":1}"), "NUL in key");
	CHECK_STR(why("{\"\\u0000\":1}"), "NUL in key");
	/* Many members (the sorted path): distinct, then one repeat. */
	buf_init(&b);
	buf_addc(&b, '{');
	for (i = 0; i < 3000; i++)
		buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
	buf_addc(&b, '}');
	CHECK_STR(why_len(b.data, b.len, DEPTH), "accepted");
	b.len--;
	buf_printf(&b, ",\"k1234\":0}");
	CHECK_STR(why_len(b.data, b.len, DEPTH), "duplicate key");
	buf_free(&b);
	/* Exactly at the pairwise limit and one above. */
	CHECK_STR(why("{\"1\":0,\"2\":0,\"3\":0,\"4\":0,\"5\":0,\"6\":0,"
	    "\"7\":0,\"1\":0}"), "duplicate key");
	CHECK_STR(why("{\"1\":0,\"2\":0,\"3\":0,\"4\":0,\"5\":0,\"6\":0,"
	    "\"7\":0,\"8\":0,\"8\":0}"), "duplicate key");
}

static void
nest(struct buf *b, int n, const char *open, const char *close)
{
	int i;

	buf_reset(b);
	for (i = 0; i < n; i++)
		buf_adds(b, open);
	buf_adds(b, "1");
	for (i = 0; i < n; i++)
		buf_adds(b, close);
}

static void
test_depth(void)
{
	struct buf b;

	buf_init(&b);
	CHECK_STR(why_len("1", 1, 0), "accepted");
	CHECK_STR(why_len("[]", 2, 0), "too deep");
	CHECK_STR(why_len("[1]", 3, 1), "accepted");
	CHECK_STR(why_len("[[1]]", 5, 1), "too deep");
	nest(&b, 16, "[", "]");
	CHECK_STR(why_len(b.data, b.len, 16), "accepted");
	nest(&b, 17, "[", "]");
	CHECK_STR(why_len(b.data, b.len, 16), "too deep");
	nest(&b, 16, "{\"a\":", "}");
	CHECK_STR(why_len(b.data, b.len, 16), "accepted");
	nest(&b, 17, "{\"a\":", "}");
	CHECK_STR(why_len(b.data, b.len, 16), "too deep");
	/* Far deeper than the limit, unterminated: refused at the limit. */
	nest(&b, 100000, "[", "");
	CHECK_STR(why_len(b.data, b.len, 64), "too deep");
	buf_free(&b);
}

static void
test_big(void)
{
	struct buf b;
	cJSON *j;
	int i, ok = 1;

	buf_init(&b);
	buf_addc(&b, '[');
	for (i = 0; i < 200000; i++)
		buf_printf(&b, "%s%d", i ? "," : "", i - 100000);
	buf_addc(&b, ']');
	j = jparse(b.data, b.len, 4, NULL);
	CHECK(j && cJSON_GetArraySize(j) == 200000);
	if (j) {
		const cJSON *m;
		char t[16];

		i = 0;
		cJSON_ArrayForEach(m, j) {
			snprintf(t, sizeof(t), "%d", i - 100000);
			if (strcmp(m->valuestring, t) != 0 ||
			    m->valuedouble != i - 100000)
				ok = 0;
			i++;
		}
	}
	CHECK(ok);
	cJSON_Delete(j);
	/* One long string with escapes throughout. */
	buf_reset(&b);
	buf_addc(&b, '"');
	for (i = 0; i < 100000; i++)
		buf_adds(&b, "ab\\n\\u00e9");
	buf_addc(&b, '"');
	j = jparse(b.data, b.len, 4, NULL);
	CHECK(j && j->valueint == 100000 * 5);
	cJSON_Delete(j);
	buf_free(&b);
}

/* The text is bounded by len: no read of the byte after it. */
static void
test_bounded(void)
{
	char *p = malloc(6);
	cJSON *j;

	memcpy(p, "[1,23]", 6);
	j = jparse(p, 5, DEPTH, NULL);		/* "[1,23" */
	CHECK(j == NULL);
	j = jparse(p + 3, 2, DEPTH, NULL);	/* "23" */
	CHECK(j && strcmp(j->valuestring, "23") == 0);
	cJSON_Delete(j);
	memcpy(p, "\"ab\\u0", 6);
	CHECK(jparse(p, 6, DEPTH, NULL) == NULL);
	free(p);
}

UNIT_MAIN(test_scalars, test_numbers, test_bad_numbers, test_strings,
    test_bad_strings, test_utf8, test_structure, test_bom, test_duplicates,
    test_depth, test_big, test_bounded)
