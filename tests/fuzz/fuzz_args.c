/*
 * fuzz_args.c: the parameter path of every front door: jparse ->
 * value_args_encode -> (the wire) -> value_args_open -> value_args_bind
 * on a statement of a :memory: database, and the wire decoder fed raw
 * bytes as a hostile frame.
 *
 * The first input byte picks the mode, the rest is the input:
 *   0: JSON args; an array is bound to "SELECT ?1, ..., ?n" (n values);
 *   1: JSON args; bound to one of a few named/mixed statements (the
 *      second byte picks it), then the unused-name check;
 *   2: the rest is a wire frame, raw;
 *   3: the rest is any JSON text, for jparse alone.
 * Invariants:
 *   - a refused args list leaves the output buffer as it was; every
 *     message starts "invalid args: ", is one of the documented forms and
 *     fits VALUE_ERRLEN uncut;
 *   - positional values read back from SQLite exactly as value_decode
 *     gives them (type, int64, double bits, text and blob bytes);
 *   - a frame that opens has at most BOUNDS_VARIABLE_NUMBER values, UTF-8
 *     text and finite floats, and encoding its values again gives the
 *     same bytes (one spelling per list);
 *   - a jparse tree: numbers keep source text that strtod reads back to
 *     valuedouble, strings are valid UTF-8 of valueint bytes, no key
 *     holds NUL or repeats in its object; whatever jparse accepts, cJSON
 *     accepts too (jparse is the stricter of the two).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "bounds.h"
#include "buf.h"
#include "fuzz.h"
#include "jparse.h"
#include "value.h"

#define DEPTH	32

static sqlite3 *db;
static struct buf scratch;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		abort();
	buf_init(&scratch);
	return 0;
}

static void
check_err(const char *err)
{
	static const char *forms[] = {
		"invalid args: must be an array or an object",
		"invalid args: more than 100 values",
		"invalid args: args[", "invalid args: args.",
		"invalid args: empty name", "invalid args: name '",
		"invalid args: statement has ", "invalid args: no value for ",
		"invalid args: unknown name '", "invalid args: malformed frame",
		"invalid args: value too big", "invalid args: cannot bind (",
	};
	size_t i;

	if (strlen(err) >= VALUE_ERRLEN - 1)
		FUZZ_FAIL("message cut: %s", err);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (strncmp(err, forms[i], strlen(forms[i])) == 0)
			return;
	FUZZ_FAIL("undocumented message: %s", err);
}

/* Column i of st holds exactly v. */
static void
check_column(sqlite3_stmt *st, int i, const struct value *v)
{
	int t = sqlite3_column_type(st, i);
	double d;

	switch (v->type) {
	case VALUE_NULL:
		FUZZ_CHECK(t == SQLITE_NULL);
		break;
	case VALUE_INTEGER:
		FUZZ_CHECK(t == SQLITE_INTEGER);
		FUZZ_CHECK(sqlite3_column_int64(st, i) == v->i);
		break;
	case VALUE_FLOAT:
		FUZZ_CHECK(t == SQLITE_FLOAT);
		d = sqlite3_column_double(st, i);
		FUZZ_CHECK(memcmp(&d, &v->d, sizeof(d)) == 0);
		break;
	case VALUE_TEXT:
		FUZZ_CHECK(t == SQLITE_TEXT);
		FUZZ_CHECK((size_t)sqlite3_column_bytes(st, i) == v->len);
		FUZZ_CHECK(v->len == 0 || memcmp(sqlite3_column_text(st, i),
		    v->p, v->len) == 0);
		break;
	case VALUE_BLOB:
		FUZZ_CHECK(t == SQLITE_BLOB);
		FUZZ_CHECK((size_t)sqlite3_column_bytes(st, i) == v->len);
		FUZZ_CHECK(v->len == 0 || memcmp(sqlite3_column_blob(st, i),
		    v->p, v->len) == 0);
		break;
	default:
		FUZZ_FAIL("value type %d", v->type);
	}
}

/* "SELECT ?1, ..., ?n" (or "SELECT 1"), prepared. */
static sqlite3_stmt *
select_n(unsigned n)
{
	sqlite3_stmt *st;
	struct buf sql;
	unsigned i;

	buf_init(&sql);
	buf_adds(&sql, "SELECT ");
	for (i = 1; i <= n; i++)
		buf_printf(&sql, "%s?%u", i > 1 ? ", " : "", i);
	if (n == 0)
		buf_adds(&sql, "1");
	if (sqlite3_prepare_v2(db, buf_cstr(&sql), -1, &st, NULL) != SQLITE_OK)
		FUZZ_FAIL("prepare: %s", sqlite3_errmsg(db));
	buf_free(&sql);
	return st;
}

/* Bind a (opened) to "SELECT ?1.." and compare with values[]. */
static void
roundtrip(struct value_args *a, const struct value *values)
{
	char err[VALUE_ERRLEN];
	sqlite3_stmt *st = select_n(a->count);
	unsigned i;

	if (value_args_bind(a, st, err, sizeof(err)) == -1)
		FUZZ_FAIL("bind refused its own list: %s", err);
	FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW);
	for (i = 0; i < a->count; i++)
		check_column(st, (int)i, &values[i]);
	sqlite3_finalize(st);
}

static void
mode_positional(const cJSON *args, const struct buf *wire, size_t start)
{
	struct value_args *a = malloc(sizeof(*a));
	struct value *vals = calloc(BOUNDS_VARIABLE_NUMBER, sizeof(*vals));
	struct buf *bufs = calloc(BOUNDS_VARIABLE_NUMBER, sizeof(*bufs));
	char err[VALUE_ERRLEN];
	const char *why;
	const cJSON *m;
	unsigned n = 0;

	FUZZ_CHECK(a != NULL && vals != NULL && bufs != NULL);
	if (value_args_open(a, wire->data + start, wire->len - start, err,
	    sizeof(err)) == -1)
		FUZZ_FAIL("open refused the encoder's frame: %s", err);
	FUZZ_CHECK(!a->named && value_args_single(a) == (a->count > 0));
	/* The expected values, decoded again independently of the wire. */
	cJSON_ArrayForEach(m, args) {
		buf_init(&bufs[n]);
		FUZZ_CHECK(value_decode(m, &vals[n], &bufs[n], &why) == 0);
		n++;
	}
	FUZZ_CHECK(n == a->count);
	roundtrip(a, vals);
	while (n > 0)
		buf_free(&bufs[--n]);
	free(bufs);
	free(vals);
	free(a);
}

static void
mode_named(const struct buf *wire, size_t start, uint8_t pick)
{
	static const char *sqls[] = {
		"SELECT :a, @b, $c, :a", "SELECT :a", "SELECT ?", "SELECT 1",
		"SELECT :x, ?", "SELECT $a::b(c), @a", "SELECT ?2",
		"SELECT typeof(:k), length(:k), hex(:k)",
	};
	struct value_args *a = malloc(sizeof(*a));
	char err[VALUE_ERRLEN];
	sqlite3_stmt *st;

	FUZZ_CHECK(a != NULL);
	if (value_args_open(a, wire->data + start, wire->len - start, err,
	    sizeof(err)) == -1)
		FUZZ_FAIL("open refused the encoder's frame: %s", err);
	if (sqlite3_prepare_v2(db, sqls[pick % (sizeof(sqls) /
	    sizeof(sqls[0]))], -1, &st, NULL) != SQLITE_OK)
		abort();
	if (value_args_bind(a, st, err, sizeof(err)) == -1 ||
	    value_args_unused(a, err, sizeof(err)) == -1)
		check_err(err);
	else
		FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW);
	sqlite3_finalize(st);
	free(a);
}

static void
mode_json_args(const uint8_t *p, size_t n, int named)
{
	char *text = fuzz_memdup(p, n), err[VALUE_ERRLEN];
	struct buf wire;
	cJSON *args;
	size_t start;

	buf_init(&wire);
	buf_adds(&wire, "SQL\0");	/* bytes before ours, as in a frame */
	start = wire.len;
	args = jparse(text, n > 0 && named ? n - 1 : n, DEPTH, NULL);
	if (args != NULL && value_args_encode(args, &wire, err,
	    sizeof(err)) == -1) {
		check_err(err);
		FUZZ_CHECK(wire.len == start);
	} else if (args != NULL && !named && cJSON_IsArray(args))
		mode_positional(args, &wire, start);
	else if (args != NULL)
		mode_named(&wire, start, named ? p[n - 1] : 0);
	cJSON_Delete(args);
	buf_free(&wire);
	free(text);
}

/* A frame that opens is canonical: its values encode to the same bytes. */
static void
mode_frame(const uint8_t *p, size_t n)
{
	struct value_args *a = malloc(sizeof(*a));
	struct value vals[BOUNDS_VARIABLE_NUMBER];
	char *frame = fuzz_memdup(p, n), err[VALUE_ERRLEN];
	struct value_enc e;
	struct buf again;
	unsigned i;

	FUZZ_CHECK(a != NULL);
	if (value_args_open(a, frame, n, err, sizeof(err)) == -1) {
		check_err(err);
		goto out;
	}
	FUZZ_CHECK(a->count <= BOUNDS_VARIABLE_NUMBER);
	if (n == 0)
		goto out;
	buf_init(&again);
	value_args_begin(&e, &again, a->named);
	for (i = 0; i < a->count; i++) {
		const struct value *v = &a->arg[i].v;

		FUZZ_CHECK(v->type != VALUE_TEXT ||
		    fuzz_utf8_valid((const unsigned char *)v->p, v->len));
		FUZZ_CHECK(v->type != VALUE_FLOAT || isfinite(v->d));
		vals[i] = *v;
		if (value_args_add(&e, a->arg[i].name, a->arg[i].namelen, v,
		    err, sizeof(err)) == -1)
			FUZZ_FAIL("add refused a decoded value: %s", err);
	}
	FUZZ_CHECK(again.len == n && memcmp(again.data, p, n) == 0);
	buf_free(&again);
	if (!a->named)
		roundtrip(a, vals);
out:
	free(frame);
	free(a);
}

/* The invariants of a jparse tree (depth bounded by jparse). */
static void
check_tree(const cJSON *j)
{
	const cJSON *m, *k;

	if (cJSON_IsNumber(j)) {
		FUZZ_CHECK(j->valuestring != NULL);
		FUZZ_CHECK(strtod(j->valuestring, NULL) == j->valuedouble);
	} else if (cJSON_IsString(j)) {
		FUZZ_CHECK(j->valueint >= 0 &&
		    (size_t)j->valueint >= strlen(j->valuestring));
		FUZZ_CHECK(j->valuestring[j->valueint] == '\0');
		FUZZ_CHECK(fuzz_utf8_valid((const unsigned char *)
		    j->valuestring, (size_t)j->valueint));
	}
	cJSON_ArrayForEach(m, j) {
		if (cJSON_IsObject(j)) {
			FUZZ_CHECK(m->string != NULL);
			for (k = m->next; k != NULL; k = k->next)
				FUZZ_CHECK(strcmp(m->string, k->string) != 0);
		}
		check_tree(m);
	}
}

static void
mode_json(const uint8_t *p, size_t n)
{
	char *text = fuzz_memdup(p, n);
	const char *why = NULL, *end = NULL;
	cJSON *j, *c;
	size_t skip = 0;

	j = jparse(text, n, DEPTH, &why);
	if (j == NULL) {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		free(text);
		return;
	}
	check_tree(j);
	/* cJSON does not skip a byte order mark. */
	if (n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		skip = 3;
	c = cJSON_ParseWithLengthOpts(text + skip, n - skip, &end, 0);
	if (c == NULL)
		FUZZ_FAIL("jparse accepted what cJSON refuses");
	cJSON_Delete(c);
	cJSON_Delete(j);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		mode_json_args(data + 1, size - 1, 0);
		break;
	case 1:
		mode_json_args(data + 1, size - 1, 1);
		break;
	case 2:
		mode_frame(data + 1, size - 1);
		break;
	default:
		mode_json(data + 1, size - 1);
	}
	return 0;
}
