/*
 * test_value.c: the parameter value decoder, the args wire form and its
 * binding against real statements on a :memory: database: int64
 * extremes plain and typed, floats, text with NUL, blobs, every error
 * message, ?/?NNN/:a/@a/$a, counts, unknown names, malformed frames.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "bounds.h"
#include "buf.h"
#include "jparse.h"
#include "unit.h"
#include "value.h"

static sqlite3 *db;
static struct buf scratch;
static char res[512];

/* Decode the JSON text s as one value; the reason or "ok". */
static const char *
dec(const char *s, struct value *v)
{
	const char *why = NULL;
	cJSON *j = jparse(s, strlen(s), 8, &why);
	static char text[64];
	int rc;

	if (j == NULL)
		return "unparsed";
	rc = value_decode(j, v, &scratch, &why);
	/* TEXT points into the tree: keep a copy for the caller. */
	if (rc == 0 && v->type == VALUE_TEXT) {
		if (v->len < sizeof(text))
			memcpy(text, v->p, v->len);
		v->p = text;
	}
	cJSON_Delete(j);
	return rc == 0 ? "ok" : why;
}

static void
dec_int(const char *s, int64_t want)
{
	struct value v;

	CHECK_STR(dec(s, &v), "ok");
	CHECK_INT(v.type, VALUE_INTEGER);
	CHECK(v.i == want);
}

static void
dec_why(const char *s, const char *want)
{
	struct value v;
	const char *got = dec(s, &v);

	if (strcmp(got, want) != 0)
		fprintf(stderr, "value %s: %s\n", s, got);
	CHECK_STR(got, want);
}

static void
test_plain(void)
{
	struct value v;

	dec_int("0", 0);
	dec_int("-0", 0);
	dec_int("42", 42);
	dec_int("9223372036854775807", INT64_MAX);
	dec_int("-9223372036854775808", INT64_MIN);
	dec_int("9007199254740993", 9007199254740993LL);	/* 2^53 + 1 */
	dec_int("true", 1);
	dec_int("false", 0);
	dec_why("9223372036854775808", "integer out of range");
	dec_why("-9223372036854775809", "integer out of range");
	dec_why("99999999999999999999999", "integer out of range");
	CHECK_STR(dec("1.5", &v), "ok");
	CHECK(v.type == VALUE_FLOAT && v.d == 1.5);
	CHECK_STR(dec("1e2", &v), "ok");
	CHECK(v.type == VALUE_FLOAT && v.d == 100);
	CHECK_STR(dec("1.0", &v), "ok");
	CHECK(v.type == VALUE_FLOAT && v.d == 1);
	CHECK_STR(dec("-0.0", &v), "ok");
	CHECK(v.type == VALUE_FLOAT && v.d == 0 && signbit(v.d));
	CHECK_STR(dec("9223372036854775808.0", &v), "ok");
	CHECK(v.type == VALUE_FLOAT && v.d == 9223372036854775808.0);
	CHECK_STR(dec("1e-400", &v), "ok");	/* rounds to 0: a finite value */
	CHECK(v.type == VALUE_FLOAT && v.d == 0);
	dec_why("1e400", "float out of range");
	dec_why("-1e400", "float out of range");
	CHECK_STR(dec("null", &v), "ok");
	CHECK_INT(v.type, VALUE_NULL);
	CHECK_STR(dec("\"h\\u0000i\"", &v), "ok");
	CHECK(v.type == VALUE_TEXT && v.len == 3 && memcmp(v.p, "h\0i", 3) == 0);
	CHECK_STR(dec("\"\"", &v), "ok");
	CHECK(v.type == VALUE_TEXT && v.len == 0 && v.p != NULL);
	dec_why("[1]", "an array is not a value");
	dec_why("{}", "an object needs a \"type\"");
	dec_why("{\"value\":1}", "an object needs a \"type\"");
	dec_why("{\"type\":1,\"value\":1}", "an object needs a \"type\"");
}

static void
test_typed(void)
{
	struct value v;

	dec_int("{\"type\":\"integer\",\"value\":\"-9223372036854775808\"}",
	    INT64_MIN);
	dec_int("{\"type\":\"integer\",\"value\":\"9223372036854775807\"}",
	    INT64_MAX);
	dec_int("{\"value\":\"-0\",\"type\":\"integer\"}", 0);
	dec_int("{\"type\":\"integer\",\"value\":-9223372036854775808}",
	    INT64_MIN);
	dec_int("{\"type\":\"integer\",\"value\":12}", 12);
	dec_why("{\"type\":\"integer\",\"value\":\"9223372036854775808\"}",
	    "integer out of range");
	dec_why("{\"type\":\"integer\",\"value\":9223372036854775808}",
	    "integer out of range");
	dec_why("{\"type\":\"integer\",\"value\":\"-9223372036854775809\"}",
	    "integer out of range");
	static const char *badint[] = { "\"\"", "\"-\"", "\"+1\"", "\"01\"",
	    "\" 1\"", "\"1 \"", "\"1.0\"", "\"1e3\"", "\"0x1\"", "\"1\\u0000\"",
	    "1.0", "1e3", "true", "null", "[1]", "{}" };
	char t[128];
	size_t i;

	for (i = 0; i < sizeof(badint) / sizeof(badint[0]); i++) {
		snprintf(t, sizeof(t), "{\"type\":\"integer\",\"value\":%s}",
		    badint[i]);
		dec_why(t, "\"value\" must be a decimal integer");
	}
	CHECK_STR(dec("{\"type\":\"float\",\"value\":1.5}", &v), "ok");
	CHECK(v.type == VALUE_FLOAT && v.d == 1.5);
	CHECK_STR(dec("{\"type\":\"float\",\"value\":2}", &v), "ok");
	CHECK(v.type == VALUE_FLOAT && v.d == 2);
	dec_why("{\"type\":\"float\",\"value\":1e400}", "float out of range");
	dec_why("{\"type\":\"float\",\"value\":\"1.5\"}",
	    "\"value\" must be a number");
	CHECK_STR(dec("{\"type\":\"text\",\"value\":\"a\\u0000\"}", &v), "ok");
	CHECK(v.type == VALUE_TEXT && v.len == 2 && memcmp(v.p, "a", 2) == 0);
	dec_why("{\"type\":\"text\",\"value\":1}", "\"value\" must be a string");
	CHECK_STR(dec("{\"type\":\"null\"}", &v), "ok");
	CHECK_INT(v.type, VALUE_NULL);
	dec_why("{\"type\":\"null\",\"value\":null}",
	    "unexpected member in a typed value");
	dec_why("{\"type\":\"integer\",\"value\":\"1\",\"x\":1}",
	    "unexpected member in a typed value");
	dec_why("{\"type\":\"blob\",\"value\":\"\"}",
	    "unexpected member in a typed value");
	dec_why("{\"type\":\"integer\"}", "\"value\" missing");
	dec_why("{\"type\":\"float\"}", "\"value\" missing");
	dec_why("{\"type\":\"text\"}", "\"value\" missing");
	dec_why("{\"type\":\"blob\"}", "\"base64\" missing");
	dec_why("{\"type\":\"blob\",\"base64\":null}",
	    "\"base64\" must be a string");
	dec_why("{\"type\":\"Integer\",\"value\":\"1\"}", "unknown \"type\"");
	dec_why("{\"type\":\"bool\",\"value\":true}", "unknown \"type\"");
	dec_why("{\"type\":\"null\\u0000x\"}", "unknown \"type\"");
	dec_why("{\"type\":\"\"}", "unknown \"type\"");
}

/* Decode {"type":"blob","base64":b64}; "ok" and the bytes in v. */
static const char *
blob(const char *b64, struct value *v)
{
	char t[256];

	snprintf(t, sizeof(t), "{\"type\":\"blob\",\"base64\":\"%s\"}", b64);
	return dec(t, v);
}

static void
test_base64(void)
{
	static const char *bad[] = { "A", "AB=", "ABC==", "A===", "====",
	    "AB=C", "=AB", "AB==AB==", "QR==", "QUJ=", "QUK", "QUJDRA=",
	    "QUJD\\n", " QUJD", "QUJD ", "QU-D", "QU_D", "\xc3\xa9\xc3\xa9",
	    "AAAA=", "AA===", "QQ\\u0000=" };
	struct value v;
	size_t i;

	CHECK_STR(blob("", &v), "ok");
	CHECK(v.type == VALUE_BLOB && v.len == 0 && v.p != NULL);
	CHECK_STR(blob("QQ==", &v), "ok");
	CHECK(v.len == 1 && memcmp(v.p, "A", 1) == 0);
	CHECK_STR(blob("QQ", &v), "ok");
	CHECK(v.len == 1 && memcmp(v.p, "A", 1) == 0);
	CHECK_STR(blob("QUI=", &v), "ok");
	CHECK(v.len == 2 && memcmp(v.p, "AB", 2) == 0);
	CHECK_STR(blob("QUI", &v) , "ok");
	CHECK(v.len == 2 && memcmp(v.p, "AB", 2) == 0);
	CHECK_STR(blob("QUJD", &v), "ok");
	CHECK(v.len == 3 && memcmp(v.p, "ABC", 3) == 0);
	CHECK_STR(blob("AP8A/+8=", &v), "ok");
	CHECK(v.len == 5 && memcmp(v.p, "\x00\xff\x00\xff\xef", 5) == 0);
	CHECK_STR(blob("+/+/", &v), "ok");
	CHECK(v.len == 3 && memcmp(v.p, "\xfb\xff\xbf", 3) == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *w = blob(bad[i], &v);

		if (strcmp(w, "bad base64") != 0)
			fprintf(stderr, "base64 %s: %s\n", bad[i], w);
		CHECK_STR(w, "bad base64");
	}
}

/* ---- encoding and binding ---- */

/*
 * Encode args (JSON text), prepare each ';'-free statement of sqls (a
 * NULL-terminated list), bind, check unused names after the last, and
 * step each once. Returns the error or "ok"; the last statement's first
 * row (columns joined by '|', NULL as "NULL") is in res.
 */
static const char *
run_list(const char **sqls, const char *args)
{
	static char err[VALUE_ERRLEN];
	struct value_args *a = malloc(sizeof(*a));
	struct buf wire;
	sqlite3_stmt *st;
	cJSON *j = NULL;
	const char *rc = "ok";
	int i, n;

	buf_init(&wire);
	res[0] = '\0';
	if (args != NULL) {
		j = jparse(args, strlen(args), 8, NULL);
		if (j == NULL) {
			rc = "unparsed";
			goto out;
		}
		buf_adds(&wire, "SQL");	/* the lead's bytes before ours */
		if (value_args_encode(j, &wire, err, sizeof(err)) == -1) {
			CHECK_INT(wire.len, 3);
			rc = err;
			goto out;
		}
	}
	if (value_args_open(a, wire.len ? wire.data + 3 : NULL,
	    wire.len ? wire.len - 3 : 0, err, sizeof(err)) == -1) {
		rc = err;
		goto out;
	}
	for (; *sqls != NULL; sqls++) {
		if (sqlite3_prepare_v2(db, *sqls, -1, &st, NULL) != SQLITE_OK) {
			rc = "prepare failed";
			goto out;
		}
		if (value_args_bind(a, st, err, sizeof(err)) == -1 ||
		    (sqls[1] == NULL && value_args_unused(a, err,
		    sizeof(err)) == -1)) {
			rc = err;
			sqlite3_finalize(st);
			goto out;
		}
		res[0] = '\0';
		if (sqlite3_step(st) == SQLITE_ROW) {
			n = sqlite3_column_count(st);
			for (i = 0; i < n; i++) {
				const char *t = (const char *)
				    sqlite3_column_text(st, i);

				snprintf(res + strlen(res), sizeof(res) -
				    strlen(res), "%s%s", i ? "|" : "",
				    t ? t : "NULL");
			}
		}
		sqlite3_finalize(st);
	}
out:
	cJSON_Delete(j);
	buf_free(&wire);
	free(a);
	return rc;
}

static const char *
run(const char *sql, const char *args)
{
	const char *l[] = { sql, NULL };

	return run_list(l, args);
}

static void
test_bind_positional(void)
{
	CHECK_STR(run("SELECT ?, ?, ?, ?, ?",
	    "[1, -9223372036854775808, 9223372036854775807, null, \"x\"]"), "ok");
	CHECK_STR(res, "1|-9223372036854775808|9223372036854775807|NULL|x");
	CHECK_STR(run("SELECT typeof(?), typeof(?), typeof(?), typeof(?), "
	    "typeof(?), typeof(?)", "[1, 1.0, \"1\", null, "
	    "{\"type\":\"blob\",\"base64\":\"\"}, true]"), "ok");
	CHECK_STR(res, "integer|real|text|null|blob|integer");
	/* ?NNN: value k to ?k+1, count is the largest index. */
	CHECK_STR(run("SELECT ?2, ?1, ?2", "[\"a\", \"b\"]"), "ok");
	CHECK_STR(res, "b|a|b");
	CHECK_STR(run("SELECT ?3", "[1, 2, 3]"), "ok");
	CHECK_STR(res, "3");
	CHECK_STR(run("SELECT ?3", "[1]"),
	    "invalid args: statement has 3 parameters, 1 given");
	CHECK_STR(run("SELECT ?, ?", "[1]"),
	    "invalid args: statement has 2 parameters, 1 given");
	CHECK_STR(run("SELECT ?", "[1, 2]"),
	    "invalid args: statement has 1 parameter, 2 given");
	CHECK_STR(run("SELECT 1", "[1]"),
	    "invalid args: statement has 0 parameters, 1 given");
	CHECK_STR(run("SELECT 1", "[]"), "ok");
	CHECK_STR(run("SELECT :a", "[1]"),
	    "invalid args: statement has named parameters, send args as an "
	    "object");
	CHECK_STR(run("SELECT ?, :a", "[1, 2]"),
	    "invalid args: statement has named parameters, send args as an "
	    "object");
	/* No args: parameters stay NULL, as before args existed. */
	CHECK_STR(run("SELECT ?, :a", NULL), "ok");
	CHECK_STR(res, "NULL|NULL");
}

static void
test_bind_named(void)
{
	CHECK_STR(run("SELECT :a, @b, $c", "{\":a\":1, \"@b\":2, \"$c\":3}"),
	    "ok");
	CHECK_STR(res, "1|2|3");
	CHECK_STR(run("SELECT :a, @b, $c", "{\"a\":1, \"b\":2, \"c\":3}"), "ok");
	CHECK_STR(res, "1|2|3");
	/* The full name wins over the bare one; :a and @a are distinct. */
	CHECK_STR(run("SELECT :a, @a", "{\"a\":1, \":a\":2}"), "ok");
	CHECK_STR(res, "2|1");
	CHECK_STR(run("SELECT :a, :a, @a", "{\"a\":\"x\"}"), "ok");
	CHECK_STR(res, "x|x|x");
	CHECK_STR(run("SELECT $a::b(c)", "{\"a::b(c)\":7}"), "ok");
	CHECK_STR(res, "7");
	CHECK_STR(run("SELECT :a, :b", "{\"a\":1}"),
	    "invalid args: no value for :b");
	CHECK_STR(run("SELECT :a", "{\"A\":1}"), "invalid args: no value for :a");
	CHECK_STR(run("SELECT :a", "{\"@a\":1}"),
	    "invalid args: no value for :a");
	CHECK_STR(run("SELECT :a", "{\"a\":1, \"x\":2}"),
	    "invalid args: unknown name 'x'");
	CHECK_STR(run("SELECT 1", "{\":zz\":2}"),
	    "invalid args: unknown name ':zz'");
	CHECK_STR(run("SELECT 1", "{}"), "ok");
	CHECK_STR(run("SELECT ?", "{\"1\":1}"),
	    "invalid args: statement has positional parameters, send args as "
	    "an array");
	CHECK_STR(run("SELECT ?1", "{\"?1\":1}"),
	    "invalid args: statement has positional parameters, send args as "
	    "an array");
	CHECK_STR(run("SELECT :a, ?", "{\"a\":1}"),
	    "invalid args: statement has positional parameters, send args as "
	    "an array");
	CHECK_STR(run("SELECT 1", "{\"\":1}"), "invalid args: empty name");
	CHECK_STR(run("SELECT 1", "{\":\":1}"), "invalid args: empty name");
	CHECK_STR(run("SELECT 1", "{\"$\":1}"), "invalid args: empty name");
}

static void
test_bind_several(void)
{
	const char *two[] = { "CREATE TABLE IF NOT EXISTS t(x)",
	    "INSERT INTO t VALUES (:a)", "SELECT :b, count(*) FROM t", NULL };
	const char *one[] = { "SELECT :a", "SELECT 2", NULL };
	struct value_args a;
	struct value_enc e;
	struct value v = { VALUE_NULL, 0, 0, "", 0 };
	struct buf b;
	char err[VALUE_ERRLEN];

	/* Each statement binds what it names; unused checked at the end. */
	CHECK_STR(run_list(two, "{\"a\":1, \"b\":\"B\"}"), "ok");
	CHECK_STR(res, "B|1");
	CHECK_STR(run_list(one, "{\"a\":1, \"b\":2}"),
	    "invalid args: unknown name 'b'");
	CHECK_STR(run("DROP TABLE t", NULL), "ok");
	/* Positional values with several statements: the caller's check. */
	buf_init(&b);
	value_args_begin(&e, &b, 0);
	CHECK(value_args_open(&a, b.data, b.len, err, sizeof(err)) == 0);
	CHECK(!value_args_single(&a));		/* [] */
	CHECK(value_args_add(&e, NULL, 0, &v, err, sizeof(err)) == 0);
	CHECK(value_args_open(&a, b.data, b.len, err, sizeof(err)) == 0);
	CHECK(value_args_single(&a));		/* [null] */
	CHECK(value_args_open(&a, NULL, 0, err, sizeof(err)) == 0);
	CHECK(!value_args_single(&a));		/* no args */
	buf_reset(&b);
	value_args_begin(&e, &b, 1);
	CHECK(value_args_add(&e, "a", 1, &v, err, sizeof(err)) == 0);
	CHECK(value_args_open(&a, b.data, b.len, err, sizeof(err)) == 0);
	CHECK(!value_args_single(&a));		/* named */
	buf_free(&b);
	CHECK_STR(VALUE_ERR_MULTI,
	    "invalid args: positional args need a single statement");
}

static void
test_bind_values(void)
{
	/* Text with NUL and non-ASCII arrives whole. */
	CHECK_STR(run("SELECT length(CAST(? AS BLOB)), hex(?), typeof(?)",
	    "[\"a\\u0000b\", \"\\u00e9\\u0000\", \"\"]"), "ok");
	CHECK_STR(res, "3|C3A900|text");
	CHECK_STR(run("SELECT hex(?), typeof(?), length(?)",
	    "[{\"type\":\"blob\",\"base64\":\"AP8A/w==\"}, "
	    "{\"type\":\"blob\",\"base64\":\"\"}, "
	    "{\"type\":\"text\",\"value\":\"x\\u0000y\"}]"), "ok");
	CHECK_STR(res, "00FF00FF|blob|1");
	CHECK_STR(run("SELECT ? = -9223372036854775808, ? = 9223372036854775807, "
	    "typeof(?)", "[{\"type\":\"integer\",\"value\":"
	    "\"-9223372036854775808\"}, {\"type\":\"integer\",\"value\":"
	    "\"9223372036854775807\"}, {\"type\":\"float\",\"value\":3}]"), "ok");
	CHECK_STR(res, "1|1|real");
	CHECK_STR(run("SELECT ? = 9007199254740993", "[9007199254740993]"), "ok");
	CHECK_STR(res, "1");
	CHECK_STR(run("SELECT ?", "[-0.0]"), "ok");
	CHECK_STR(res, "0.0");
	CHECK_STR(run("SELECT ?", "[{\"type\":\"null\"}]"), "ok");
	CHECK_STR(res, "NULL");
	/* Values are data: SQL in a value is not run. */
	CHECK_STR(run("SELECT ?", "[\"1); DROP TABLE x; --\"]"), "ok");
	CHECK_STR(res, "1); DROP TABLE x; --");
}

static void
test_encode_errors(void)
{
	struct buf b;
	int i;

	CHECK_STR(run("SELECT 1", "1"),
	    "invalid args: must be an array or an object");
	CHECK_STR(run("SELECT 1", "null"),
	    "invalid args: must be an array or an object");
	CHECK_STR(run("SELECT 1", "\"a\""),
	    "invalid args: must be an array or an object");
	CHECK_STR(run("SELECT ?, ?", "[1, 9223372036854775808]"),
	    "invalid args: args[1]: integer out of range");
	CHECK_STR(run("SELECT ?", "[[1]]"),
	    "invalid args: args[0]: an array is not a value");
	CHECK_STR(run("SELECT ?", "[{\"type\":\"blob\",\"base64\":\"A\"}]"),
	    "invalid args: args[0]: bad base64");
	CHECK_STR(run("SELECT ?", "[1e999]"),
	    "invalid args: args[0]: float out of range");
	CHECK_STR(run("SELECT :k", "{\"k\":{}}"),
	    "invalid args: args.k: an object needs a \"type\"");
	CHECK_STR(run("SELECT :k", "{\"k\":{\"type\":\"date\"}}"),
	    "invalid args: args.k: unknown \"type\"");
	/* A long name is shortened in the message. */
	CHECK_STR(run("SELECT 1", "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\":[]}"), "invalid args: args.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:"
	    " an array is not a value");
	/* ...without cutting a UTF-8 sequence (41 bytes: 39 + 2). */
	CHECK_STR(run("SELECT 1", "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9"
	    "b\":1}"), "invalid args: unknown name "
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'");
	/* The count bound: 100 values pass, 101 do not. */
	buf_init(&b);
	buf_addc(&b, '[');
	for (i = 0; i < BOUNDS_VARIABLE_NUMBER; i++)
		buf_printf(&b, "%s%d", i ? "," : "", i);
	buf_addc(&b, ']');
	CHECK_STR(run("SELECT ?100, ?1", buf_cstr(&b)), "ok");
	CHECK_STR(res, "99|0");
	b.len--;
	buf_adds(&b, ",100]");
	CHECK_STR(run("SELECT 1", buf_cstr(&b)),
	    "invalid args: more than 100 values");
	buf_reset(&b);
	buf_addc(&b, '{');
	for (i = 0; i <= BOUNDS_VARIABLE_NUMBER; i++)
		buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
	buf_addc(&b, '}');
	CHECK_STR(run("SELECT 1", buf_cstr(&b)),
	    "invalid args: more than 100 values");
	buf_free(&b);
}

static void
test_add(void)
{
	struct value v = { VALUE_INTEGER, 5, 0, "", 0 };
	struct value_args a;
	struct value_enc e;
	struct buf b;
	char err[VALUE_ERRLEN];

	buf_init(&b);
	value_args_begin(&e, &b, 1);
	CHECK(value_args_add(&e, ":a", 2, &v, err, sizeof(err)) == 0);
	CHECK(value_args_add(&e, "a", 1, &v, err, sizeof(err)) == 0);
	CHECK(value_args_add(&e, ":a", 2, &v, err, sizeof(err)) == -1);
	CHECK_STR(err, "invalid args: name ':a' given twice");
	CHECK(value_args_add(&e, "@", 1, &v, err, sizeof(err)) == -1);
	CHECK_STR(err, "invalid args: empty name");
	CHECK(value_args_add(&e, NULL, 0, &v, err, sizeof(err)) == -1);
	CHECK_STR(err, "invalid args: empty name");
	CHECK(value_args_open(&a, b.data, b.len, err, sizeof(err)) == 0);
	CHECK_INT(a.count, 2);
	buf_free(&b);
}

/* ---- the frame as hostile input ---- */

static const char *
open_raw(const void *p, size_t n)
{
	static char err[VALUE_ERRLEN];
	struct value_args a;
	char *copy = malloc(n ? n : 1);	/* exact size: ASan sees over-reads */
	int rc;

	memcpy(copy, p, n);
	rc = value_args_open(&a, copy, n, err, sizeof(err));
	free(copy);
	return rc == 0 ? "ok" : err;
}

#define OPEN_LIT(lit)	open_raw((lit), sizeof(lit) - 1)

static void
test_frames(void)
{
	struct value vals[4] = {
		{ VALUE_TEXT, 0, 0, "h\xc3\xa9", 3 },
		{ VALUE_BLOB, 0, 0, "\0\1", 2 },
		{ VALUE_FLOAT, 0, 2.5, "", 0 },
		{ VALUE_INTEGER, -1, 0, "", 0 },
	};
	struct value_args a;
	struct value_enc e;
	struct buf b;
	char err[VALUE_ERRLEN];
	size_t n, ok = 0;
	int i;

	CHECK_STR(OPEN_LIT("\1\0"), "ok");
	CHECK_STR(OPEN_LIT("\1"), "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\2\0"), "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\1\2"), "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\1\0\0"), "ok");				/* NULL */
	CHECK_STR(OPEN_LIT("\1\0\5"), "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\1\0\1\1\2\3"), "invalid args: malformed frame");
	/* A float NaN or infinity, text that is not UTF-8. */
	CHECK_STR(OPEN_LIT("\1\0\2\0\0\0\0\0\0\xf8\x7f"),
	    "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\1\0\2\0\0\0\0\0\0\xf0\x7f"),
	    "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\1\0\2\0\0\0\0\0\0\xf0\x3f"), "ok");	/* 1.0 */
	CHECK_STR(OPEN_LIT("\1\0\3\1\0\0\0\xff"),
	    "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\1\0\4\1\0\0\0\xff"), "ok");
	/* Lengths beyond the frame, up to 2^32 - 1. */
	CHECK_STR(OPEN_LIT("\1\0\4\2\0\0\0\xff"),
	    "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\1\0\4\xff\xff\xff\xff\xff"),
	    "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\1\1\xff\xff\xff\xff" "a\0"),
	    "invalid args: malformed frame");
	/* Names: empty, a bare prefix, twice. */
	CHECK_STR(OPEN_LIT("\1\1\1\0\0\0a\0"), "ok");
	CHECK_STR(OPEN_LIT("\1\1\0\0\0\0\0"), "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\1\1\1\0\0\0:\0"), "invalid args: malformed frame");
	CHECK_STR(OPEN_LIT("\1\1\1\0\0\0a\0\1\0\0\0a\0"),
	    "invalid args: malformed frame");
	/* More than BOUNDS_VARIABLE_NUMBER values. */
	buf_init(&b);
	buf_add(&b, "\1\0", 2);
	for (i = 0; i < BOUNDS_VARIABLE_NUMBER; i++)
		buf_addc(&b, 0);
	CHECK_STR(open_raw(b.data, b.len), "ok");
	buf_addc(&b, 0);
	CHECK_STR(open_raw(b.data, b.len), "invalid args: malformed frame");
	/* Every prefix of a good frame: ok (fewer values) or refused. */
	buf_reset(&b);
	value_args_begin(&e, &b, 1);
	for (i = 0; i < 4; i++) {
		char name[2] = { (char)('a' + i), 0 };

		CHECK(value_args_add(&e, name, 1, &vals[i], err,
		    sizeof(err)) == 0);
	}
	CHECK(value_args_open(&a, b.data, b.len, err, sizeof(err)) == 0);
	CHECK_INT(a.count, 4);
	CHECK(a.arg[0].v.len == 3 && memcmp(a.arg[0].v.p, "h\xc3\xa9", 3) == 0);
	CHECK(a.arg[1].v.len == 2 && memcmp(a.arg[1].v.p, "\0\1", 2) == 0);
	CHECK(a.arg[2].v.d == 2.5 && a.arg[3].v.i == -1);
	for (n = 1; n < b.len; n++)
		if (strcmp(open_raw(b.data, n), "ok") == 0)
			ok++;
	CHECK_INT(ok, 4);	/* the header, and after each of three values */
	buf_free(&b);
}

static void
test_toobig(void)
{
	struct value v = { VALUE_BLOB, 0, 0, NULL, 2000 };
	char err[VALUE_ERRLEN], *big = calloc(1, 2000);
	struct value_args a;
	struct value_enc e;
	sqlite3_stmt *st;
	struct buf b;

	v.p = big;
	buf_init(&b);
	value_args_begin(&e, &b, 0);
	CHECK(value_args_add(&e, NULL, 0, &v, err, sizeof(err)) == 0);
	CHECK(value_args_open(&a, b.data, b.len, err, sizeof(err)) == 0);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1000);
	CHECK(sqlite3_prepare_v2(db, "SELECT ?", -1, &st, NULL) == SQLITE_OK);
	CHECK(value_args_bind(&a, st, err, sizeof(err)) == -1);
	CHECK_STR(err, "invalid args: value too big");
	sqlite3_finalize(st);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1000000);
	buf_free(&b);
	free(big);
}

static void
setup(void)
{
	buf_init(&scratch);
	CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
}

static void
teardown(void)
{
	sqlite3_close(db);
	buf_free(&scratch);
}

UNIT_MAIN(setup, test_plain, test_typed, test_base64, test_bind_positional,
    test_bind_named, test_bind_several, test_bind_values, test_encode_errors,
    test_add, test_frames, test_toobig, teardown)
