/*
 * value.c: SQL parameter values (see value.h). Shared: the front end
 * runs value_decode and the encoders on a jparse tree, the executor runs
 * value_args_open and value_args_bind on the bytes the front end sent.
 *
 * The two sides meet only through the wire form. The executor treats it
 * as hostile input like any frame from another process: value_args_open
 * walks it once with one bounded reader (the same reader the encoder
 * uses to find duplicate names), checks every length against what is
 * left, every type, the count bound, and the invariants the encoder
 * keeps (finite floats, UTF-8 text, distinct non-empty names); only then
 * does binding look at it.
 *
 * Integers are read from the number's source text, never from the
 * double cJSON computed, so all of -2^63..2^63-1 arrive exact; base64 is
 * decoded here rather than by libsodium, whose 1.0.18 decoder reads any
 * byte 0x80..0xff as an alphabet character (tests/fuzz/README.md,
 * fuzz_token), and accepts exactly one spelling of each byte string.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "bounds.h"
#include "buf.h"
#include "json.h"
#include "log.h"
#include "value.h"

#define VALUE_WIRE_VERSION	1
#define VALUE_NAME_SHOWN	40	/* bytes of a name quoted in a message */

static void	value_err(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static void
value_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* How many bytes of name[0..n) a message quotes: at most
 * VALUE_NAME_SHOWN, not ending inside a UTF-8 sequence. */
static int
value_shown(const char *name, size_t n)
{
	if (n <= VALUE_NAME_SHOWN)
		return (int)n;
	n = VALUE_NAME_SHOWN;
	while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

/* ---- decoding JSON values (front end) ---- */

/*
 * s[0..n) as -?(0|[1-9][0-9]*) into *out: 0, -1 not that grammar, -2
 * outside int64. The magnitude is built in unsigned arithmetic, whose
 * limit for a negative number is 2^63.
 */
static int
value_int_text(const char *s, size_t n, int64_t *out)
{
	uint64_t u = 0, lim = INT64_MAX;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && s[0] == '-') {
		neg = 1;
		lim = (uint64_t)INT64_MAX + 1;
		i = 1;
	}
	if (i == n || (s[i] == '0' && n - i > 1))
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (u > (lim - (uint64_t)(s[i] - '0')) / 10)
			return -2;
		u = u * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

/* The source text of a jparse number item. */
static const char *
value_numtext(const cJSON *j)
{
	if (j->valuestring == NULL)
		fatalx("value_decode: a number without its text (not jparse)");
	return j->valuestring;
}

/* A jparse number: INTEGER if its text has no fraction or exponent. */
static int
value_number(const cJSON *j, struct value *v, const char **why)
{
	const char *text = value_numtext(j);

	if (strpbrk(text, ".eE") == NULL) {
		v->type = VALUE_INTEGER;
		if (value_int_text(text, strlen(text), &v->i) == 0)
			return 0;
		*why = "integer out of range";
		return -1;
	}
	v->type = VALUE_FLOAT;
	v->d = j->valuedouble;
	if (isfinite(v->d))
		return 0;
	*why = "float out of range";
	return -1;
}

/*
 * Strict standard base64 of s[0..n) into out (reset first): the padding
 * is all or nothing, the unused low bits of the last character are zero.
 */
static int
value_b64(const char *s, size_t n, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t acc = 0;
	size_t i, pad = 0;
	int c, bits = 0;

	while (pad < 2 && n > 0 && p[n - 1] == '=') {
		n--;
		pad++;
	}
	if (n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0))
		return -1;
	buf_reset(out);
	buf_reserve(out, n / 4 * 3 + 3);
	for (i = 0; i < n; i++) {
		if ((c = json_base64_digit(p[i], 0)) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)c;
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf_addc(out, (char)(acc >> bits & 0xff));
		}
	}
	return (acc & ((1u << bits) - 1)) == 0 ? 0 : -1;
}

/* Is j's string exactly the NUL-free text s? */
static int
value_str_is(const cJSON *j, const char *s)
{
	return (size_t)j->valueint == strlen(s) && strcmp(j->valuestring, s) == 0;
}

static const struct {
	const char	*name;
	int		 type;
	const char	*member;	/* the member holding the value */
} value_types[] = {
	{ "integer",	VALUE_INTEGER,	"value" },
	{ "float",	VALUE_FLOAT,	"value" },
	{ "text",	VALUE_TEXT,	"value" },
	{ "blob",	VALUE_BLOB,	"base64" },
	{ "null",	VALUE_NULL,	NULL },
};

/* The "value" of {"type":"integer"}: a decimal string or a JSON integer. */
static int
value_payload_int(const cJSON *m, struct value *v, const char **why)
{
	const char *text;
	int rc = -1;

	if (cJSON_IsString(m))
		rc = value_int_text(m->valuestring, (size_t)m->valueint, &v->i);
	else if (cJSON_IsNumber(m) &&
	    strpbrk((text = value_numtext(m)), ".eE") == NULL)
		rc = value_int_text(text, strlen(text), &v->i);
	if (rc == 0)
		return 0;
	*why = rc == -2 ? "integer out of range" :
	    "\"value\" must be a decimal integer";
	return -1;
}

/* The payload m of a typed value of type v->type. */
static int
value_payload(const cJSON *m, struct value *v, struct buf *scratch,
    const char **why)
{
	switch (v->type) {
	case VALUE_INTEGER:
		return value_payload_int(m, v, why);
	case VALUE_FLOAT:
		if (!cJSON_IsNumber(m)) {
			*why = "\"value\" must be a number";
			return -1;
		}
		v->d = m->valuedouble;
		if (isfinite(v->d))
			return 0;
		*why = "float out of range";
		return -1;
	case VALUE_TEXT:
		if (!cJSON_IsString(m)) {
			*why = "\"value\" must be a string";
			return -1;
		}
		v->p = m->valuestring;
		v->len = (size_t)m->valueint;
		return 0;
	default:
		if (!cJSON_IsString(m)) {
			*why = "\"base64\" must be a string";
			return -1;
		}
		if (value_b64(m->valuestring, (size_t)m->valueint, scratch)) {
			*why = "bad base64";
			return -1;
		}
		v->p = scratch->data;
		v->len = scratch->len;
		return 0;
	}
}

static int
value_typed(const cJSON *j, struct value *v, struct buf *scratch,
    const char **why)
{
	const cJSON *t, *m;
	const char *member;
	size_t k;

	t = cJSON_GetObjectItemCaseSensitive(j, "type");
	if (!cJSON_IsString(t)) {
		*why = "an object needs a \"type\"";
		return -1;
	}
	for (k = 0; k < sizeof(value_types) / sizeof(value_types[0]); k++)
		if (value_str_is(t, value_types[k].name))
			break;
	if (k == sizeof(value_types) / sizeof(value_types[0])) {
		*why = "unknown \"type\"";
		return -1;
	}
	v->type = value_types[k].type;
	member = value_types[k].member;
	cJSON_ArrayForEach(m, j) {
		if (strcmp(m->string, "type") != 0 &&
		    (member == NULL || strcmp(m->string, member) != 0)) {
			*why = "unexpected member in a typed value";
			return -1;
		}
	}
	if (member == NULL)
		return 0;
	if ((m = cJSON_GetObjectItemCaseSensitive(j, member)) == NULL) {
		*why = v->type == VALUE_BLOB ? "\"base64\" missing" :
		    "\"value\" missing";
		return -1;
	}
	return value_payload(m, v, scratch, why);
}

int
value_decode(const cJSON *j, struct value *v, struct buf *scratch,
    const char **why)
{
	memset(v, 0, sizeof(*v));
	v->p = "";
	if (cJSON_IsNumber(j))
		return value_number(j, v, why);
	if (cJSON_IsString(j)) {
		v->type = VALUE_TEXT;
		v->p = j->valuestring;
		v->len = (size_t)j->valueint;
		return 0;
	}
	if (cJSON_IsBool(j)) {
		v->type = VALUE_INTEGER;
		v->i = cJSON_IsTrue(j) ? 1 : 0;
		return 0;
	}
	if (cJSON_IsNull(j))
		return 0;
	if (cJSON_IsObject(j))
		return value_typed(j, v, scratch, why);
	*why = "an array is not a value";
	return -1;
}

/* ---- the wire form ---- */

static void
value_put_u32(struct buf *b, uint32_t x)
{
	unsigned char o[4] = { x & 0xff, x >> 8 & 0xff, x >> 16 & 0xff,
	    x >> 24 & 0xff };

	buf_add(b, o, sizeof(o));
}

static void
value_put_u64(struct buf *b, uint64_t x)
{
	value_put_u32(b, (uint32_t)(x & 0xffffffff));
	value_put_u32(b, (uint32_t)(x >> 32));
}

/* A bounded reader over one frame. */
struct value_rd {
	const unsigned char	*p;
	size_t			 len;
	size_t			 pos;
};

static const unsigned char *
value_take(struct value_rd *r, size_t n)
{
	const unsigned char *q;

	if (n > r->len - r->pos)
		return NULL;
	q = r->p + r->pos;
	r->pos += n;
	return q;
}

static int
value_get_u32(struct value_rd *r, uint32_t *x)
{
	const unsigned char *q = value_take(r, 4);

	if (q == NULL)
		return -1;
	*x = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
	    (uint32_t)q[3] << 24;
	return 0;
}

static int
value_get_u64(struct value_rd *r, uint64_t *x)
{
	uint32_t lo, hi;

	if (value_get_u32(r, &lo) == -1 || value_get_u32(r, &hi) == -1)
		return -1;
	*x = (uint64_t)hi << 32 | lo;
	return 0;
}

/* A name no parameter can have: empty, or a prefix character alone. */
static int
value_name_empty(const char *name, size_t n)
{
	return n == 0 || (n == 1 && strchr(":@$", name[0]) != NULL);
}

/* The length-prefixed bytes of a name, TEXT or BLOB. */
static int
value_get_bytes(struct value_rd *r, const char **p, size_t *n)
{
	uint32_t len;
	const unsigned char *q;

	if (value_get_u32(r, &len) == -1 || (q = value_take(r, len)) == NULL)
		return -1;
	*p = (const char *)q;
	*n = len;
	return 0;
}

/* The next entry of a frame into *e; -1 if it is malformed. */
static int
value_next(struct value_rd *r, int named, struct value_arg *e)
{
	const unsigned char *t;
	struct value *v = &e->v;
	uint64_t u;

	memset(e, 0, sizeof(*e));
	v->p = "";
	if (named && (value_get_bytes(r, &e->name, &e->namelen) == -1 ||
	    value_name_empty(e->name, e->namelen)))
		return -1;
	if ((t = value_take(r, 1)) == NULL)
		return -1;
	v->type = *t;
	switch (v->type) {
	case VALUE_NULL:
		return 0;
	case VALUE_INTEGER:
	case VALUE_FLOAT:
		if (value_get_u64(r, &u) == -1)
			return -1;
		v->i = (int64_t)u;
		memcpy(&v->d, &u, sizeof(v->d));
		if (v->type == VALUE_INTEGER)
			v->d = 0;
		else
			v->i = 0;
		return v->type == VALUE_INTEGER || isfinite(v->d) ? 0 : -1;
	case VALUE_TEXT:
	case VALUE_BLOB:
		if (value_get_bytes(r, &v->p, &v->len) == -1)
			return -1;
		return v->type == VALUE_BLOB || json_utf8_valid(v->p, v->len) ?
		    0 : -1;
	default:
		return -1;
	}
}

static int
value_same_name(const struct value_arg *a, const char *name, size_t n)
{
	return a->namelen == n && memcmp(a->name, name, n) == 0;
}

void
value_args_begin(struct value_enc *e, struct buf *out, int named)
{
	e->out = out;
	e->start = out->len;
	e->count = 0;
	e->named = named != 0;
	buf_addc(out, VALUE_WIRE_VERSION);
	buf_addc(out, (char)e->named);
}

/* -1 if the list being encoded already has name[0..n). */
static int
value_enc_has(const struct value_enc *e, const char *name, size_t n)
{
	struct value_rd r = { (const unsigned char *)e->out->data + e->start,
	    e->out->len - e->start, 2 };
	struct value_arg a;

	while (r.pos < r.len) {
		if (value_next(&r, 1, &a) == -1)
			fatalx("value_args_add: the list is corrupt");
		if (value_same_name(&a, name, n))
			return -1;
	}
	return 0;
}

int
value_args_add(struct value_enc *e, const char *name, size_t namelen,
    const struct value *v, char *err, size_t errlen)
{
	struct buf *b = e->out;
	uint64_t u;

	if (e->count >= BOUNDS_VARIABLE_NUMBER) {
		value_err(err, errlen, "invalid args: more than %d values",
		    BOUNDS_VARIABLE_NUMBER);
		return -1;
	}
	if (e->named && (name == NULL || value_name_empty(name, namelen))) {
		value_err(err, errlen, "invalid args: empty name");
		return -1;
	}
	if (e->named && value_enc_has(e, name, namelen) == -1) {
		value_err(err, errlen, "invalid args: name '%.*s' given twice",
		    value_shown(name, namelen), name);
		return -1;
	}
	if (e->named) {
		value_put_u32(b, (uint32_t)namelen);
		buf_add(b, name, namelen);
	}
	buf_addc(b, (char)v->type);
	switch (v->type) {
	case VALUE_INTEGER:
		value_put_u64(b, (uint64_t)v->i);
		break;
	case VALUE_FLOAT:
		memcpy(&u, &v->d, sizeof(u));
		value_put_u64(b, u);
		break;
	case VALUE_TEXT:
	case VALUE_BLOB:
		value_put_u32(b, (uint32_t)v->len);
		buf_add(b, v->p, v->len);
		break;
	}
	e->count++;
	return 0;
}

/* The decode or add failure for member m (index i) of args. */
static int
value_encode_one(struct value_enc *e, const cJSON *m, size_t i,
    struct buf *scratch, char *err, size_t errlen)
{
	const char *why = NULL, *key = m->string;
	struct value v;

	if (e->named && value_name_empty(key, strlen(key))) {
		value_err(err, errlen, "invalid args: empty name");
		return -1;
	}
	if (value_decode(m, &v, scratch, &why) == -1) {
		if (e->named)
			value_err(err, errlen, "invalid args: args.%.*s: %s",
			    value_shown(key, strlen(key)), key, why);
		else
			value_err(err, errlen, "invalid args: args[%zu]: %s",
			    i, why);
		return -1;
	}
	return value_args_add(e, e->named ? key : NULL,
	    e->named ? strlen(key) : 0, &v, err, errlen);
}

int
value_args_encode(const cJSON *args, struct buf *out, char *err,
    size_t errlen)
{
	struct value_enc e;
	struct buf scratch;
	const cJSON *m;
	size_t i = 0;
	int rc = 0;

	if (!cJSON_IsArray(args) && !cJSON_IsObject(args)) {
		value_err(err, errlen, "invalid args: must be an array or an object");
		return -1;
	}
	buf_init(&scratch);
	value_args_begin(&e, out, cJSON_IsObject(args));
	cJSON_ArrayForEach(m, args) {
		if ((rc = value_encode_one(&e, m, i++, &scratch, err,
		    errlen)) == -1)
			break;
	}
	if (rc == -1)
		out->len = e.start;
	buf_free(&scratch);
	return rc;
}

/* ---- binding (executor) ---- */

int
value_args_open(struct value_args *a, const void *p, size_t len, char *err,
    size_t errlen)
{
	struct value_rd r = { p, len, 0 };
	const unsigned char *h;
	unsigned k;

	a->present = len > 0;
	a->named = 0;
	a->count = 0;
	if (len == 0)
		return 0;
	if ((h = value_take(&r, 2)) == NULL || h[0] != VALUE_WIRE_VERSION ||
	    h[1] > 1)
		goto bad;
	a->named = h[1];
	while (r.pos < r.len) {
		if (a->count == BOUNDS_VARIABLE_NUMBER ||
		    value_next(&r, a->named, &a->arg[a->count]) == -1)
			goto bad;
		for (k = 0; k < a->count; k++)
			if (a->named && value_same_name(&a->arg[k],
			    a->arg[a->count].name, a->arg[a->count].namelen))
				goto bad;
		a->used[a->count++] = 0;
	}
	return 0;
bad:
	a->count = 0;
	a->present = 0;
	value_err(err, errlen, "invalid args: malformed frame");
	return -1;
}

static int
value_bind_one(sqlite3_stmt *st, int i, const struct value *v, char *err,
    size_t errlen)
{
	int rc;

	switch (v->type) {
	case VALUE_INTEGER:
		rc = sqlite3_bind_int64(st, i, v->i);
		break;
	case VALUE_FLOAT:
		rc = sqlite3_bind_double(st, i, v->d);
		break;
	case VALUE_TEXT:
		rc = sqlite3_bind_text64(st, i, v->p, v->len, SQLITE_TRANSIENT,
		    SQLITE_UTF8);
		break;
	case VALUE_BLOB:
		rc = sqlite3_bind_blob64(st, i, v->p, v->len, SQLITE_TRANSIENT);
		break;
	default:
		rc = sqlite3_bind_null(st, i);
	}
	if (rc == SQLITE_OK)
		return 0;
	if (rc == SQLITE_TOOBIG)
		value_err(err, errlen, "invalid args: value too big");
	else
		value_err(err, errlen, "invalid args: cannot bind (%s)",
		    sqlite3_errstr(rc));
	return -1;
}

/* Nonzero if parameter i of st is named (:a, @a, $a; not ?, ?NNN). */
static int
value_param_named(sqlite3_stmt *st, int i)
{
	const char *name = sqlite3_bind_parameter_name(st, i);

	return name != NULL && name[0] != '?';
}

static int
value_bind_positional(struct value_args *a, sqlite3_stmt *st, char *err,
    size_t errlen)
{
	int i, n = sqlite3_bind_parameter_count(st);

	for (i = 1; i <= n; i++) {
		if (value_param_named(st, i)) {
			value_err(err, errlen, "invalid args: statement has "
			    "named parameters, send args as an object");
			return -1;
		}
	}
	if ((unsigned)n != a->count) {
		value_err(err, errlen, "invalid args: statement has %d "
		    "parameter%s, %u given", n, n == 1 ? "" : "s", a->count);
		return -1;
	}
	for (i = 1; i <= n; i++)
		if (value_bind_one(st, i, &a->arg[i - 1].v, err, errlen) == -1)
			return -1;
	return 0;
}

/* The value for parameter `name`: its full name first, then bare. */
static int
value_find(const struct value_args *a, const char *name)
{
	size_t n = strlen(name);
	unsigned k;

	for (k = 0; k < a->count; k++)
		if (value_same_name(&a->arg[k], name, n))
			return (int)k;
	for (k = 0; k < a->count; k++)
		if (value_same_name(&a->arg[k], name + 1, n - 1))
			return (int)k;
	return -1;
}

static int
value_bind_named(struct value_args *a, sqlite3_stmt *st, char *err,
    size_t errlen)
{
	int i, k, n = sqlite3_bind_parameter_count(st);
	const char *name;

	for (i = 1; i <= n; i++) {
		if (!value_param_named(st, i)) {
			value_err(err, errlen, "invalid args: statement has "
			    "positional parameters, send args as an array");
			return -1;
		}
	}
	for (i = 1; i <= n; i++) {
		name = sqlite3_bind_parameter_name(st, i);
		if ((k = value_find(a, name)) < 0) {
			value_err(err, errlen, "invalid args: no value for %.*s",
			    value_shown(name, strlen(name)), name);
			return -1;
		}
		if (value_bind_one(st, i, &a->arg[k].v, err, errlen) == -1)
			return -1;
		a->used[k] = 1;
	}
	return 0;
}

int
value_args_bind(struct value_args *a, sqlite3_stmt *st, char *err,
    size_t errlen)
{
	if (!a->present)
		return 0;
	if (a->named)
		return value_bind_named(a, st, err, errlen);
	return value_bind_positional(a, st, err, errlen);
}

int
value_args_unused(const struct value_args *a, char *err, size_t errlen)
{
	unsigned k;

	if (!a->present || !a->named)
		return 0;
	for (k = 0; k < a->count; k++) {
		if (!a->used[k]) {
			value_err(err, errlen, "invalid args: unknown name '%.*s'",
			    value_shown(a->arg[k].name, a->arg[k].namelen),
			    a->arg[k].name);
			return -1;
		}
	}
	return 0;
}

int
value_args_single(const struct value_args *a)
{
	return a->present && !a->named && a->count > 0;
}
