/*
 * hranadec.c: a Hrana pipeline body into the executor's program (front
 * end process; see hranadec.h and hranawire.h).
 *
 * The body is hostile. It is parsed by jparse (strict JSON, bounded
 * depth), every request is checked here, and every SQL text goes
 * through the keyword layer before it can reach the executor, as a
 * /sql body does. Values are decoded by value.c, the one decoder of
 * every door. Two kinds of problems are told apart: a body that is not
 * a pipeline (unknown request type, a member of the wrong type) is a
 * 400 for the whole request; a request walkind refuses (forbidden SQL,
 * bad args, an unknown sql_id, a batch condition naming a step that is
 * not an earlier one) is that request's Hrana error, so the client sees
 * it where it would see SQLite's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "hranadec.h"
#include "hranawire.h"
#include "jparse.h"
#include "keyword.h"
#include "value.h"

struct hranadec {
	struct hranadec_store	*store;
	struct buf		*out;
	int64_t			 sql_bytes;
	unsigned		 stmts;		/* HRANA_MAX_STMTS */
	const char		*bad;		/* the 400's message */
};

/* ---- stored SQL ---- */

void
hranadec_store_init(struct hranadec_store *s, size_t *bytes)
{
	s->count = 0;
	s->own = 0;
	s->bytes = bytes != NULL ? bytes : &s->own;
}

void
hranadec_store_free(struct hranadec_store *s)
{
	unsigned i;

	for (i = 0; i < s->count; i++) {
		*s->bytes -= s->sql[i].len;
		free(s->sql[i].text);
	}
	s->count = 0;
}

static struct hranadec_sql *
hranadec_store_find(struct hranadec_store *s, int32_t id)
{
	unsigned i;

	for (i = 0; i < s->count; i++)
		if (s->sql[i].id == id)
			return &s->sql[i];
	return NULL;
}

/* ---- output ---- */

static void
put_u8(struct buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;

	buf_add(b, &c, 1);
}

static void
put_u32(struct buf *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	buf_add(b, p, 4);
}

static void
put_bytes(struct buf *b, const char *p, size_t len)
{
	put_u32(b, (uint32_t)len);
	buf_add(b, p, len);
}

static void
put_error(struct buf *b, const char *msg)
{
	put_u8(b, HRANA_OP_ERROR);
	put_bytes(b, msg, strlen(msg));
}

/* ---- members ---- */

static const cJSON *
member(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

static int
absent(const cJSON *j)
{
	return j == NULL || cJSON_IsNull(j);
}

/* A JSON integer in int32 range (sql_id, step) into *v. */
static int
get_int32(const cJSON *j, int64_t lo, int32_t *v)
{
	double d;

	if (!cJSON_IsNumber(j))
		return -1;
	d = j->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < (double)lo || d > 2147483647.0)
		return -1;
	*v = (int32_t)d;
	return 0;
}

static int
hranadec_bad(struct hranadec *d, const char *msg)
{
	d->bad = msg;
	return -1;
}

/*
 * The SQL text of a stmt, sequence or describe: "sql" or "sql_id".
 * Returns 0 with *sql, *len; 1 with a refusal in err (the request's
 * error); -1 for a 400.
 */
static int
hranadec_sql(struct hranadec *d, const cJSON *o, const char **sql,
    size_t *len, char *err, size_t errlen)
{
	const cJSON *s = member(o, "sql"), *id = member(o, "sql_id");
	const struct hranadec_sql *st;
	const char *kw;
	int32_t n;

	if (!absent(s) && !absent(id))
		return hranadec_bad(d, "sql and sql_id are both given");
	if (!absent(s)) {
		if (!cJSON_IsString(s))
			return hranadec_bad(d, "sql must be a string");
		*sql = s->valuestring;
		*len = (size_t)s->valueint;
	} else if (!absent(id)) {
		if (get_int32(id, INT32_MIN, &n) == -1)
			return hranadec_bad(d, "sql_id must be an integer");
		if ((st = hranadec_store_find(d->store, n)) == NULL) {
			snprintf(err, errlen, "SQL text with id %d not found",
			    (int)n);
			return 1;
		}
		*sql = st->text;
		*len = st->len;
		return 0;	/* checked when it was stored */
	} else
		return hranadec_bad(d, "sql or sql_id is required");
	/* SQLite would stop at a NUL and silently drop the SQL after it. */
	if (strlen(*sql) != *len) {
		snprintf(err, errlen, "sql contains NUL byte");
		return 1;
	}
	if ((kw = keyword_scan(*sql, *len)) != NULL) {
		snprintf(err, errlen, "forbidden sql keyword: %s", kw);
		return 1;
	}
	d->sql_bytes += (int64_t)*len;
	return 0;
}

/* "args" or "named_args" into value.h's wire form. 0, 1 (err), -1. */
static int
hranadec_args(struct hranadec *d, const cJSON *stmt, struct buf *args,
    char *err, size_t errlen)
{
	const cJSON *pos = member(stmt, "args"), *nam = member(stmt, "named_args");
	const cJSON *a, *name, *val, *list;
	struct value_enc e;
	struct value v;
	struct buf scratch;
	const char *why;
	int rc = 0;

	if ((!absent(pos) && !cJSON_IsArray(pos)) ||
	    (!absent(nam) && !cJSON_IsArray(nam)))
		return hranadec_bad(d, "args and named_args must be arrays");
	if (cJSON_GetArraySize(pos) > 0 && cJSON_GetArraySize(nam) > 0) {
		snprintf(err, errlen, "invalid args: positional and named "
		    "args in one statement");
		return 1;
	}
	if (cJSON_GetArraySize(pos) == 0 && cJSON_GetArraySize(nam) == 0)
		return 0;
	buf_init(&scratch);
	value_args_begin(&e, args, cJSON_GetArraySize(nam) > 0);
	list = cJSON_GetArraySize(nam) > 0 ? nam : pos;
	cJSON_ArrayForEach(a, list) {
		val = e.named ? member(a, "value") : a;
		name = e.named ? member(a, "name") : NULL;
		if (e.named && (!cJSON_IsObject(a) || !cJSON_IsString(name) ||
		    val == NULL)) {
			rc = hranadec_bad(d, "a named arg needs a name and a "
			    "value");
			break;
		}
		if (value_decode(val, &v, &scratch, &why) == -1) {
			snprintf(err, errlen, "invalid args: %s", why);
			rc = 1;
			break;
		}
		if (value_args_add(&e, name ? name->valuestring : NULL,
		    name ? (size_t)name->valueint : 0, &v, err, errlen) == -1) {
			rc = 1;
			break;
		}
	}
	buf_free(&scratch);
	return rc;
}

/* A stmt: its entry operands, or a failing step with the refusal. */
static int
hranadec_stmt(struct hranadec *d, const cJSON *stmt)
{
	const cJSON *want;
	char err[VALUE_ERRLEN + 64];
	const char *sql = NULL;
	struct buf args;
	size_t len = 0;
	unsigned flags = HRANA_STMT_WANT_ROWS;
	int rc;

	if (!cJSON_IsObject(stmt))
		return hranadec_bad(d, "stmt must be an object");
	want = member(stmt, "want_rows");
	if (!absent(want) && !cJSON_IsBool(want))
		return hranadec_bad(d, "want_rows must be a boolean");
	if (cJSON_IsFalse(want))
		flags = 0;
	buf_init(&args);
	if ((rc = hranadec_sql(d, stmt, &sql, &len, err, sizeof(err))) == 0)
		rc = hranadec_args(d, stmt, &args, err, sizeof(err));
	if (rc == 1) {
		put_u8(d->out, HRANA_STMT_ERROR);
		put_bytes(d->out, err, strlen(err));
		put_u32(d->out, 0);
	} else if (rc == 0) {
		put_u8(d->out, flags);
		put_bytes(d->out, sql, len);
		put_bytes(d->out, args.data, args.len);
	}
	buf_free(&args);
	return rc == -1 ? -1 : 0;
}

/* A batch condition; step indexes must name an earlier step. */
static int
hranadec_cond(struct hranadec *d, const cJSON *c, int32_t step, int depth,
    int *refused)
{
	const cJSON *t = member(c, "type"), *x;
	int32_t n;

	if (depth > HRANA_COND_DEPTH)
		return hranadec_bad(d, "batch condition nested too deep");
	if (!cJSON_IsObject(c) || !cJSON_IsString(t))
		return hranadec_bad(d, "a batch condition needs a type");
	if (strcmp(t->valuestring, "ok") == 0 ||
	    strcmp(t->valuestring, "error") == 0) {
		put_u8(d->out, t->valuestring[0] == 'o' ? HRANA_COND_OK :
		    HRANA_COND_ERROR);
		if (get_int32(member(c, "step"), INT32_MIN, &n) == -1)
			return hranadec_bad(d, "a condition's step must be an "
			    "integer");
		if (n < 0 || n >= step)
			*refused = 1;
		put_u32(d->out, (uint32_t)(n < 0 || n >= step ? 0 : n));
	} else if (strcmp(t->valuestring, "not") == 0) {
		put_u8(d->out, HRANA_COND_NOT);
		return hranadec_cond(d, member(c, "cond"), step, depth + 1,
		    refused);
	} else if (strcmp(t->valuestring, "and") == 0 ||
	    strcmp(t->valuestring, "or") == 0) {
		put_u8(d->out, t->valuestring[0] == 'a' ? HRANA_COND_AND :
		    HRANA_COND_OR);
		if (!cJSON_IsArray(x = member(c, "conds")))
			return hranadec_bad(d, "conds must be an array");
		put_u32(d->out, (uint32_t)cJSON_GetArraySize(x));
		cJSON_ArrayForEach(c, x)
			if (hranadec_cond(d, c, step, depth + 1, refused) == -1)
				return -1;
	} else if (strcmp(t->valuestring, "is_autocommit") == 0)
		put_u8(d->out, HRANA_COND_AUTOCOMMIT);
	else
		return hranadec_bad(d, "unknown batch condition type");
	return 0;
}

/*
 * A batch whose condition names a step that does not come before it is
 * refused whole, before any step runs: the request's error.
 */
static int
hranadec_batch(struct hranadec *d, const cJSON *req)
{
	const cJSON *b = member(req, "batch"), *steps, *s, *c;
	size_t mark = d->out->len;
	int32_t i = 0;
	int refused = 0;

	if (!cJSON_IsObject(b) || !cJSON_IsArray(steps = member(b, "steps")))
		return hranadec_bad(d, "batch needs steps");
	put_u8(d->out, HRANA_OP_BATCH);
	put_u32(d->out, (uint32_t)cJSON_GetArraySize(steps));
	cJSON_ArrayForEach(s, steps) {
		if (!cJSON_IsObject(s))
			return hranadec_bad(d, "a batch step must be an object");
		if (++d->stmts > HRANA_MAX_STMTS)
			return hranadec_bad(d, "too many requests and batch "
			    "steps in one pipeline");
		c = member(s, "condition");
		if (absent(c))
			put_u8(d->out, HRANA_COND_NONE);
		else if (hranadec_cond(d, c, i, 1, &refused) == -1)
			return -1;
		if (hranadec_stmt(d, member(s, "stmt")) == -1)
			return -1;
		i++;
	}
	if (refused) {
		d->out->len = mark;
		put_error(d->out, "invalid batch: a condition refers to a step "
		    "that is not an earlier step of the batch");
	}
	return 0;
}

/* sequence and describe: a SQL text and nothing else. */
static int
hranadec_text(struct hranadec *d, const cJSON *req, unsigned op)
{
	char err[96];
	const char *sql;
	size_t len;
	int rc;

	if ((rc = hranadec_sql(d, req, &sql, &len, err, sizeof(err))) == -1)
		return -1;
	if (rc == 1)
		put_error(d->out, err);
	else {
		put_u8(d->out, op);
		put_bytes(d->out, sql, len);
	}
	return 0;
}

static int
hranadec_store_sql(struct hranadec *d, const cJSON *req)
{
	const cJSON *s = member(req, "sql");
	struct hranadec_store *st = d->store;
	struct hranadec_sql *e;
	const char *kw;
	int32_t id;

	if (get_int32(member(req, "sql_id"), INT32_MIN, &id) == -1 ||
	    !cJSON_IsString(s))
		return hranadec_bad(d, "store_sql needs sql_id and sql");
	if (strlen(s->valuestring) != (size_t)s->valueint)
		put_error(d->out, "sql contains NUL byte");
	else if ((kw = keyword_scan(s->valuestring, (size_t)s->valueint))) {
		char err[96];

		snprintf(err, sizeof(err), "forbidden sql keyword: %s", kw);
		put_error(d->out, err);
	} else if (hranadec_store_find(st, id) != NULL)
		put_error(d->out, "SQL text with this id is already stored");
	else if (st->count >= HRANADEC_SQL_COUNT || *st->bytes +
	    (size_t)s->valueint > HRANADEC_SQL_BYTES)
		put_error(d->out, "too many stored SQL texts (at most 128 a "
		    "stream and 256 KiB a walk-in)");
	else {
		e = &st->sql[st->count++];
		e->id = id;
		e->len = (size_t)s->valueint;
		if ((e->text = malloc(e->len + 1)) == NULL)
			abort();
		memcpy(e->text, s->valuestring, e->len + 1);
		*st->bytes += e->len;
		put_u8(d->out, HRANA_OP_OK);
		put_u8(d->out, HRANA_RESP_STORE_SQL);
	}
	return 0;
}

static int
hranadec_close_sql(struct hranadec *d, const cJSON *req)
{
	struct hranadec_store *st = d->store;
	struct hranadec_sql *e;
	int32_t id;

	if (get_int32(member(req, "sql_id"), INT32_MIN, &id) == -1)
		return hranadec_bad(d, "close_sql needs sql_id");
	if ((e = hranadec_store_find(st, id)) != NULL) {
		*st->bytes -= e->len;
		free(e->text);
		*e = st->sql[--st->count];
	}
	put_u8(d->out, HRANA_OP_OK);
	put_u8(d->out, HRANA_RESP_CLOSE_SQL);
	return 0;
}

/* One request; after a "close", every request is refused. */
static int
hranadec_request(struct hranadec *d, const cJSON *req, int *closed)
{
	const cJSON *t = member(req, "type");
	const char *type;

	if (!cJSON_IsObject(req) || !cJSON_IsString(t))
		return hranadec_bad(d, "a request needs a type");
	if (++d->stmts > HRANA_MAX_STMTS)
		return hranadec_bad(d, "too many requests and batch steps in "
		    "one pipeline");
	type = t->valuestring;
	if (strcmp(type, "close") == 0) {
		put_u8(d->out, HRANA_OP_CLOSE);
		*closed = 1;
		return 0;
	}
	if (strcmp(type, "execute") && strcmp(type, "batch") &&
	    strcmp(type, "sequence") && strcmp(type, "describe") &&
	    strcmp(type, "store_sql") && strcmp(type, "close_sql") &&
	    strcmp(type, "get_autocommit"))
		return hranadec_bad(d, "unknown request type");
	if (*closed) {
		put_error(d->out, "the stream is closed");
		return 0;
	}
	if (strcmp(type, "execute") == 0) {
		put_u8(d->out, HRANA_OP_EXECUTE);
		return hranadec_stmt(d, member(req, "stmt"));
	}
	if (strcmp(type, "batch") == 0)
		return hranadec_batch(d, req);
	if (strcmp(type, "sequence") == 0)
		return hranadec_text(d, req, HRANA_OP_SEQUENCE);
	if (strcmp(type, "describe") == 0)
		return hranadec_text(d, req, HRANA_OP_DESCRIBE);
	if (strcmp(type, "store_sql") == 0)
		return hranadec_store_sql(d, req);
	if (strcmp(type, "close_sql") == 0)
		return hranadec_close_sql(d, req);
	put_u8(d->out, HRANA_OP_AUTOCOMMIT);
	return 0;
}

int
hranadec_parse(const char *body, size_t len, cJSON **rootp,
    const char **baton, const char **msg)
{
	const cJSON *b, *r;
	cJSON *root;

	*baton = NULL;
	root = jparse(body ? body : "", len, HRANADEC_JSON_DEPTH, NULL);
	if (root == NULL || !cJSON_IsObject(root)) {
		*msg = "invalid json";
		goto bad;
	}
	b = member(root, "baton");
	r = member(root, "requests");
	if (!absent(b) && !cJSON_IsString(b)) {
		*msg = "baton must be a string or null";
		goto bad;
	}
	if (!cJSON_IsArray(r)) {
		*msg = "requests must be an array";
		goto bad;
	}
	if (cJSON_IsString(b))
		*baton = b->valuestring;
	*rootp = root;
	return 0;
bad:
	cJSON_Delete(root);
	*rootp = NULL;
	return -1;
}

int
hranadec_program(const cJSON *root, struct hranadec_store *store,
    struct buf *out, int *closes, int64_t *sql_bytes, const char **msg)
{
	const cJSON *r, *reqs = member(root, "requests");
	struct hranadec d = { store, out, 0, 0, NULL };

	*closes = 0;
	put_u32(out, (uint32_t)cJSON_GetArraySize(reqs));
	cJSON_ArrayForEach(r, reqs)
		if (hranadec_request(&d, r, closes) == -1) {
			*msg = d.bad;
			return -1;
		}
	*sql_bytes = d.sql_bytes;
	return 0;
}
