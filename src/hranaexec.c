/*
 * hranaexec.c: a Hrana program on a stream's connection (executor
 * process; see hranaexec.h and hranawire.h).
 *
 * Every statement is prepared one at a time on the stream's hardened
 * connection, so the authorizer, the limits, the printf stand-ins and
 * the deadline apply as they do to /sql; failures are named by
 * sqlexec_failure, the same words /sql uses. Results are encoded as
 * Hrana's typed values: integers as decimal strings (exact over 64
 * bits), floats as numbers, text, blobs in base64, null.
 *
 * Reply size. The row budget is --max-result-bytes for everything this
 * writes. An answer that would pass it, or a result of more than
 * --max-rows rows, is rolled back and replaced by a fixed short error
 * (under 100 bytes), never truncated: a program reading a silently cut
 * result would corrupt its data. At most HRANA_MAX_STMTS answers can be
 * such errors, so the reply stays within --max-result-bytes plus
 * BOUNDS_REPLY_SLACK (ipc_reply_max).
 *
 * BEGIN TRANSACTION READONLY is libSQL's; stock SQLite parses it as a
 * BEGIN naming a transaction "READONLY". When such a statement has
 * begun a transaction, the connection is set query_only until the
 * transaction ends (sqlconn_set_readonly), so a write in it fails with
 * SQLITE_READONLY, and the authorizer keeps SQL from lifting it.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "hranaexec.h"
#include "hranawire.h"
#include "json.h"
#include "sqlconn.h"
#include "sqlexec.h"
#include "streams.h"
#include "value.h"

#define HX_TOO_LARGE_MSG \
	"result too large: over --max-result-bytes or --max-rows"
#define HX_TOO_LARGE \
	"{\"message\":\"" HX_TOO_LARGE_MSG "\",\"code\":\"RESULT_TOO_LARGE\"}"

struct hx_rd {
	const unsigned char	*p;
	size_t			 len, off;
	int			 bad;
};

struct hx {
	struct sqlconn		*c;
	sqlite3			*db;
	const struct config	*cfg;
	struct buf		*out;
	struct buf		*errs;		/* a batch's step_errors */
	int64_t			 deadline;
	struct buf		 msg;		/* the failure's message */
	const char		*code;		/* and its code */
	struct buf		 text;		/* NUL-terminated SQL */
};

/* ---- reading the program ---- */

static const unsigned char *
rd_take(struct hx_rd *r, size_t n)
{
	const unsigned char *p;

	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static unsigned
rd_u8(struct hx_rd *r)
{
	const unsigned char *p = rd_take(r, 1);

	return p ? p[0] : 0;
}

static uint32_t
rd_u32(struct hx_rd *r)
{
	const unsigned char *p = rd_take(r, 4);

	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 : 0;
}

static uint64_t
rd_u64(struct hx_rd *r)
{
	uint64_t lo = rd_u32(r);

	return lo | (uint64_t)rd_u32(r) << 32;
}

static const char *
rd_bytes(struct hx_rd *r, size_t *len)
{
	*len = rd_u32(r);
	return (const char *)rd_take(r, *len);
}

/* ---- errors ---- */

static const char *
hx_code(int rc)
{
	static const char *const names[] = {
		[SQLITE_ERROR] = "SQLITE_ERROR",
		[SQLITE_INTERNAL] = "SQLITE_INTERNAL",
		[SQLITE_PERM] = "SQLITE_PERM",
		[SQLITE_ABORT] = "SQLITE_ABORT",
		[SQLITE_BUSY] = "SQLITE_BUSY",
		[SQLITE_LOCKED] = "SQLITE_LOCKED",
		[SQLITE_NOMEM] = "SQLITE_NOMEM",
		[SQLITE_READONLY] = "SQLITE_READONLY",
		[SQLITE_INTERRUPT] = "SQLITE_INTERRUPT",
		[SQLITE_IOERR] = "SQLITE_IOERR",
		[SQLITE_CORRUPT] = "SQLITE_CORRUPT",
		[SQLITE_FULL] = "SQLITE_FULL",
		[SQLITE_CONSTRAINT] = "SQLITE_CONSTRAINT",
		[SQLITE_MISMATCH] = "SQLITE_MISMATCH",
		[SQLITE_MISUSE] = "SQLITE_MISUSE",
		[SQLITE_AUTH] = "SQLITE_AUTH",
		[SQLITE_RANGE] = "SQLITE_RANGE",
		[SQLITE_TOOBIG] = "SQLITE_TOOBIG",
	};
	int prim = rc & 0xff;

	if (prim >= 0 && (size_t)prim < sizeof(names) / sizeof(names[0]) &&
	    names[prim] != NULL)
		return names[prim];
	return "SQLITE_ERROR";
}

/* A statement's failure rc: the message /sql would give, and a code. */
static int
hx_fail(struct hx *x, int rc, int stepping)
{
	int status = sqlexec_failure(x->c, rc, stepping, &x->msg);

	if (status == 408)
		x->code = "TIMEOUT";
	else if (strncmp(buf_cstr(&x->msg), "forbidden", 9) == 0)
		x->code = "SQLITE_AUTH";
	else
		x->code = hx_code(rc);
	return -1;
}

static int
hx_refuse(struct hx *x, const char *msg, size_t len, const char *code)
{
	buf_reset(&x->msg);
	buf_add(&x->msg, msg, len);
	x->code = code;
	return -1;
}

static int
hx_too_large(struct hx *x)
{
	return hx_refuse(x, HX_TOO_LARGE_MSG, strlen(HX_TOO_LARGE_MSG),
	    "RESULT_TOO_LARGE");
}

/* {"message":M,"code":C}, M cut to HRANA_ERR_MAX bytes. */
static void
hx_error_obj(struct buf *b, const struct hx *x)
{
	size_t n = x->msg.len < HRANA_ERR_MAX ? x->msg.len : HRANA_ERR_MAX;

	buf_adds(b, "{\"message\":");
	json_add_string(b, x->msg.data ? x->msg.data : "", n);
	buf_adds(b, ",\"code\":");
	json_add_string(b, x->code, strlen(x->code));
	buf_addc(b, '}');
}

static int
hx_over(const struct hx *x)
{
	return (int64_t)(x->out->len + (x->errs ? x->errs->len : 0)) >
	    x->cfg->max_result_bytes;
}

/* ---- statements ---- */

/* If the next word of *p is w (any case), step over it. */
static int
hx_word(const char **p, const char *w)
{
	const char *s = sqlexec_skip_space(*p, 0);
	size_t n = strlen(w);

	if (strncasecmp(s, w, n) != 0 || (s[n] >= 'a' && s[n] <= 'z') ||
	    (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') ||
	    s[n] == '_')
		return 0;
	*p = s + n;
	return 1;
}

/* BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] TRANSACTION READONLY [;] */
static int
hx_begin_readonly(const char *sql)
{
	const char *p = sql;

	if (sql == NULL || !hx_word(&p, "BEGIN"))
		return 0;
	(void)(hx_word(&p, "DEFERRED") || hx_word(&p, "IMMEDIATE") ||
	    hx_word(&p, "EXCLUSIVE"));
	if (!hx_word(&p, "TRANSACTION") || !hx_word(&p, "READONLY"))
		return 0;
	p = sqlexec_skip_space(p, 0);
	if (*p == ';')
		p = sqlexec_skip_space(p + 1, 0);
	return *p == '\0';
}

/* After every statement: a read-only transaction begun, or ended. */
static void
hx_after(struct hx *x, int begin_readonly)
{
	int autocommit = sqlite3_get_autocommit(x->db);

	if (begin_readonly && !autocommit && !sqlconn_readonly(x->c))
		sqlconn_set_readonly(x->c, 1);
	else if (autocommit && sqlconn_readonly(x->c))
		sqlconn_set_readonly(x->c, 0);
}

static int
hx_past_deadline(struct hx *x)
{
	if (x->deadline == 0 || clock_mono_ms() < x->deadline)
		return 0;
	buf_reset(&x->msg);
	buf_adds(&x->msg, "query timeout");
	x->code = "TIMEOUT";
	return 1;
}

/*
 * Prepare the one statement of sql[0..len): NULL text, more than one
 * statement, or none are the request's errors. Returns 0 with *st.
 */
static int
hx_prepare(struct hx *x, const char *sql, size_t len, sqlite3_stmt **st)
{
	const char *tail;
	int rc;

	*st = NULL;
	if (hx_past_deadline(x))
		return -1;
	buf_reset(&x->text);
	buf_add(&x->text, sql, len);
	if (memchr(sql, '\0', len) != NULL)
		return hx_refuse(x, "sql contains NUL byte", 21, "SQLITE_ERROR");
	sqlconn_clear_denied(x->c);
	rc = sqlite3_prepare_v3(x->db, buf_cstr(&x->text), -1, 0, st, &tail);
	if (rc != SQLITE_OK)
		return hx_fail(x, rc, 0);
	if (*st == NULL)
		return hx_refuse(x, "SQL string does not contain any statement",
		    41, "SQLITE_ERROR");
	while (tail != NULL && *(tail = sqlexec_skip_space(tail, 0)) == ';')
		tail++;
	if (tail != NULL && *tail != '\0') {
		sqlite3_finalize(*st);
		*st = NULL;
		return hx_refuse(x, "SQL string contains more than one "
		    "statement", 43, "SQLITE_ERROR");
	}
	return 0;
}

static void
hx_value(struct buf *b, sqlite3_stmt *st, int i)
{
	const void *p;
	double d;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		buf_adds(b, "{\"type\":\"integer\",\"value\":\"");
		json_add_int64(b, sqlite3_column_int64(st, i));
		buf_adds(b, "\"}");
		break;
	case SQLITE_FLOAT:
		buf_adds(b, "{\"type\":\"float\",\"value\":");
		d = sqlite3_column_double(st, i);
		if (isinf(d))	/* JSON has no infinity; this reads as one */
			buf_adds(b, d > 0 ? "1e999" : "-1e999");
		else
			json_add_double(b, d);
		buf_addc(b, '}');
		break;
	case SQLITE_TEXT:
		p = sqlite3_column_text(st, i);
		buf_adds(b, "{\"type\":\"text\",\"value\":");
		json_add_string(b, p, p ? (size_t)sqlite3_column_bytes(st, i) :
		    0);
		buf_addc(b, '}');
		break;
	case SQLITE_BLOB:
		p = sqlite3_column_blob(st, i);
		buf_adds(b, "{\"type\":\"blob\",\"base64\":");
		json_add_base64(b, p, p ? (size_t)sqlite3_column_bytes(st, i) :
		    0);
		buf_addc(b, '}');
		break;
	default:
		buf_adds(b, "{\"type\":\"null\"}");
	}
}

static void
hx_opt_string(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_adds(b, "null");
	else
		json_add_string(b, s, strlen(s));
}

static void
hx_cols(struct buf *b, sqlite3_stmt *st)
{
	int i, n = sqlite3_column_count(st);

	buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
		hx_opt_string(b, sqlite3_column_name(st, i));
		buf_adds(b, ",\"decltype\":");
		hx_opt_string(b, sqlite3_column_decltype(st, i));
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

/* Step st to its end, encoding rows if want_rows; -1 on failure. */
static int
hx_rows(struct hx *x, sqlite3_stmt *st, int want)
{
	int64_t n = 0;
	int i, rc, ncol = sqlite3_column_count(st);

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!want)
			continue;
		if (++n > x->cfg->max_rows)
			return hx_too_large(x);
		buf_adds(x->out, n > 1 ? ",[" : "[");
		for (i = 0; i < ncol; i++) {
			if (i > 0)
				buf_addc(x->out, ',');
			hx_value(x->out, st, i);
			if (hx_over(x))
				return hx_too_large(x);
		}
		buf_addc(x->out, ']');
	}
	if (rc != SQLITE_DONE)
		return hx_fail(x, rc, 1);
	return 0;
}

/* A StmtResult for st, stepped to its end. */
static int
hx_result(struct hx *x, sqlite3_stmt *st, int want)
{
	int64_t t0 = clock_mono_us(), total = sqlite3_total_changes64(x->db);
	int64_t changes;

	buf_adds(x->out, "{\"cols\":");
	hx_cols(x->out, st);
	buf_adds(x->out, ",\"rows\":[");
	if (hx_over(x))
		return hx_too_large(x);
	if (hx_rows(x, st, want) == -1)
		return -1;
	/* changes64 keeps the last DML's count across other statements. */
	changes = !sqlite3_stmt_readonly(st) &&
	    sqlite3_total_changes64(x->db) != total ?
	    sqlite3_changes64(x->db) : 0;
	buf_adds(x->out, "],\"affected_row_count\":");
	json_add_int64(x->out, changes);
	buf_adds(x->out, ",\"last_insert_rowid\":");
	if (changes > 0) {
		buf_addc(x->out, '"');
		json_add_int64(x->out, sqlite3_last_insert_rowid(x->db));
		buf_addc(x->out, '"');
	} else
		buf_adds(x->out, "null");
	buf_printf(x->out, ",\"query_duration_ms\":%.3f}",
	    (double)(clock_mono_us() - t0) / 1000.0);
	return 0;
}

/*
 * One stmt operand: its StmtResult appended to out, or -1 with the
 * failure in x (out as it was). The statement itself may have run.
 */
static int
hx_stmt(struct hx *x, struct hx_rd *r)
{
	unsigned flags = rd_u8(r);
	size_t len, alen, mark = x->out->len;
	const char *sql = rd_bytes(r, &len), *args = rd_bytes(r, &alen);
	struct value_args a;
	char err[VALUE_ERRLEN];
	sqlite3_stmt *st;
	int rc, ro;

	if (r->bad)
		return -1;
	if (flags & HRANA_STMT_ERROR)
		return hx_refuse(x, sql, len, "SQLITE_AUTH");
	if (value_args_open(&a, args, alen, err, sizeof(err)) == -1)
		return hx_refuse(x, err, strlen(err), "SQLITE_RANGE");
	if (hx_prepare(x, sql, len, &st) == -1)
		return -1;
	ro = hx_begin_readonly(sqlite3_sql(st));
	if (a.present && (value_args_bind(&a, st, err, sizeof(err)) == -1 ||
	    value_args_unused(&a, err, sizeof(err)) == -1))
		rc = hx_refuse(x, err, strlen(err), "SQLITE_RANGE");
	else
		rc = hx_result(x, st, flags & HRANA_STMT_WANT_ROWS);
	sqlite3_finalize(st);
	hx_after(x, ro && rc == 0);
	if (rc == -1)
		x->out->len = mark;
	return rc;
}

/* sequence: every statement of a script, no results. */
static int
hx_sequence(struct hx *x, const char *sql, size_t len)
{
	const char *p, *tail;
	sqlite3_stmt *st;
	int rc;

	buf_reset(&x->text);
	buf_add(&x->text, sql, len);
	if (memchr(sql, '\0', len) != NULL)
		return hx_refuse(x, "sql contains NUL byte", 21, "SQLITE_ERROR");
	for (p = buf_cstr(&x->text); *p != '\0'; p = tail) {
		if (hx_past_deadline(x))
			return -1;
		sqlconn_clear_denied(x->c);
		rc = sqlite3_prepare_v3(x->db, p, -1, 0, &st, &tail);
		if (rc != SQLITE_OK)
			return hx_fail(x, rc, 0);
		if (st == NULL) {
			if (tail == NULL || tail <= p)
				break;
			continue;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		rc = rc == SQLITE_DONE ? 0 : hx_fail(x, rc, 1);
		hx_after(x, rc == 0 && hx_begin_readonly(sqlite3_sql(st)));
		sqlite3_finalize(st);
		if (rc == -1)
			return -1;
	}
	return 0;
}

static int
hx_describe(struct hx *x, const char *sql, size_t len)
{
	sqlite3_stmt *st;
	int i, n;

	if (hx_prepare(x, sql, len, &st) == -1)
		return -1;
	buf_adds(x->out, "{\"params\":[");
	n = sqlite3_bind_parameter_count(st);
	for (i = 1; i <= n; i++) {
		buf_adds(x->out, i > 1 ? ",{\"name\":" : "{\"name\":");
		hx_opt_string(x->out, sqlite3_bind_parameter_name(st, i));
		buf_addc(x->out, '}');
	}
	buf_adds(x->out, "],\"cols\":");
	hx_cols(x->out, st);
	buf_printf(x->out, ",\"is_explain\":%s,\"is_readonly\":%s}",
	    sqlite3_stmt_isexplain(st) ? "true" : "false",
	    sqlite3_stmt_readonly(st) ? "true" : "false");
	sqlite3_finalize(st);
	return 0;
}

/* ---- batches ---- */

/* Step outcomes of a batch: 0 not run, 1 ok, 2 failed. */
static int
hx_cond(struct hx *x, struct hx_rd *r, const unsigned char *done,
    uint32_t step, int depth)
{
	unsigned t = rd_u8(r);
	uint32_t n, i, k;
	int v;

	if (depth > HRANA_COND_DEPTH)
		r->bad = 1;
	switch (t) {
	case HRANA_COND_NONE:
		return 1;
	case HRANA_COND_OK:
	case HRANA_COND_ERROR:
		if ((k = rd_u32(r)) >= step)	/* the front end checked */
			r->bad = 1;
		return !r->bad && done[k] == (t == HRANA_COND_OK ? 1 : 2);
	case HRANA_COND_NOT:
		return !hx_cond(x, r, done, step, depth + 1);
	case HRANA_COND_AND:
	case HRANA_COND_OR:
		n = rd_u32(r);
		v = t == HRANA_COND_AND;
		for (i = 0; i < n && !r->bad; i++) {
			if (t == HRANA_COND_AND)
				v &= hx_cond(x, r, done, step, depth + 1);
			else
				v |= hx_cond(x, r, done, step, depth + 1);
		}
		return v;
	case HRANA_COND_AUTOCOMMIT:
		return sqlite3_get_autocommit(x->db) != 0;
	}
	r->bad = 1;
	return 0;
}

/* Skip a stmt operand (a step whose condition is false). */
static void
hx_skip_stmt(struct hx_rd *r)
{
	size_t len;

	rd_u8(r);
	rd_bytes(r, &len);
	rd_bytes(r, &len);
}

static int
hx_batch(struct hx *x, struct hx_rd *r)
{
	uint32_t i, n = rd_u32(r);
	unsigned char done[HRANA_MAX_STMTS];
	struct buf errs;
	size_t mo, me;

	if (n > HRANA_MAX_STMTS) {
		r->bad = 1;
		return 0;
	}
	buf_init(&errs);
	x->errs = &errs;
	buf_adds(x->out, "{\"type\":\"ok\",\"response\":{\"type\":\"batch\","
	    "\"result\":{\"step_results\":[");
	for (i = 0; i < n && !r->bad; i++) {
		if (i > 0) {
			buf_addc(x->out, ',');
			buf_addc(&errs, ',');
		}
		mo = x->out->len;
		me = errs.len;
		done[i] = 0;
		if (!hx_cond(x, r, done, i, 1)) {
			hx_skip_stmt(r);
			buf_adds(x->out, "null");
			buf_adds(&errs, "null");
			continue;
		}
		if (hx_stmt(x, r) == 0) {
			done[i] = 1;
			buf_adds(&errs, "null");
		} else {
			done[i] = 2;
			x->out->len = mo;
			buf_adds(x->out, "null");
			hx_error_obj(&errs, x);
		}
		if (hx_over(x)) {
			x->out->len = mo;
			errs.len = me;
			buf_adds(x->out, "null");
			buf_adds(&errs, HX_TOO_LARGE);
		}
	}
	x->errs = NULL;
	buf_adds(x->out, "],\"step_errors\":[");
	buf_add(x->out, errs.data, errs.len);
	buf_adds(x->out, "]}}}");
	buf_free(&errs);
	return 0;
}

/* ---- the program ---- */

static void
hx_ok(struct buf *b, const char *type)
{
	buf_printf(b, "{\"type\":\"ok\",\"response\":{\"type\":\"%s\"}}", type);
}

/* One request's answer; returns 1 if the stream closed. */
static int
hx_request(struct hx *x, struct hx_rd *r, unsigned slot)
{
	unsigned op = rd_u8(r);
	size_t len, mark = x->out->len;
	const char *p;
	int rc = 0;

	switch (op) {
	case HRANA_OP_EXECUTE:
		buf_adds(x->out, "{\"type\":\"ok\",\"response\":{\"type\":"
		    "\"execute\",\"result\":");
		if ((rc = hx_stmt(x, r)) == 0)
			buf_adds(x->out, "}}");
		break;
	case HRANA_OP_BATCH:
		return hx_batch(x, r);
	case HRANA_OP_SEQUENCE:
		p = rd_bytes(r, &len);
		if (!r->bad && (rc = hx_sequence(x, p, len)) == 0)
			hx_ok(x->out, "sequence");
		break;
	case HRANA_OP_DESCRIBE:
		p = rd_bytes(r, &len);
		buf_adds(x->out, "{\"type\":\"ok\",\"response\":{\"type\":"
		    "\"describe\",\"result\":");
		if (!r->bad && (rc = hx_describe(x, p, len)) == 0)
			buf_adds(x->out, "}}");
		break;
	case HRANA_OP_AUTOCOMMIT:
		buf_printf(x->out, "{\"type\":\"ok\",\"response\":{\"type\":"
		    "\"get_autocommit\",\"is_autocommit\":%s}}",
		    sqlite3_get_autocommit(x->db) ? "true" : "false");
		break;
	case HRANA_OP_CLOSE:
		streams_end(slot);
		hx_ok(x->out, "close");
		return 1;
	case HRANA_OP_OK:
		hx_ok(x->out, rd_u8(r) == HRANA_RESP_STORE_SQL ? "store_sql" :
		    "close_sql");
		break;
	case HRANA_OP_ERROR:
		p = rd_bytes(r, &len);
		if (!r->bad)
			rc = hx_refuse(x, p, len, "SQL_INPUT_ERROR");
		break;
	default:
		r->bad = 1;
	}
	if (rc == -1 && !r->bad) {
		x->out->len = mark;
		buf_adds(x->out, "{\"type\":\"error\",\"error\":");
		hx_error_obj(x->out, x);
		buf_addc(x->out, '}');
	}
	if (hx_over(x)) {
		x->out->len = mark;
		buf_adds(x->out, "{\"type\":\"error\",\"error\":" HX_TOO_LARGE
		    "}");
	}
	return 0;
}

static int
hx_internal(struct buf *out, int status, const char *msg)
{
	json_error(out, msg);
	return status;
}

int
hranaexec_run(struct sqlconn *main, const struct config *cfg,
    const char *prog, size_t len, struct buf *out)
{
	struct hx_rd r = { (const unsigned char *)prog, len, 0, 0 };
	struct hx x;
	unsigned slot, fresh, ver, end, k;
	uint32_t i, n;
	uint64_t id;
	const char *msg;
	int status, closed = 0;

	buf_reset(out);
	ver = rd_u8(&r);
	slot = rd_u8(&r);
	fresh = rd_u8(&r);
	id = rd_u64(&r);
	end = rd_u8(&r);
	end |= rd_u8(&r) << 8;
	n = rd_u32(&r);
	if (r.bad || ver != HRANA_WIRE_VERSION || n > HRANA_MAX_STMTS)
		return hx_internal(out, 500, "internal error");
	for (k = HRANA_SLOT_ONESHOT; k <= HRANA_SLOT_MAX; k++)
		if (end & (1u << k))
			streams_end(k);
	memset(&x, 0, sizeof(x));
	if ((x.c = streams_get(main, cfg, slot, id, fresh, &status,
	    &msg)) == NULL)
		return hx_internal(out, status, msg);
	x.db = sqlconn_db(x.c);
	x.cfg = cfg;
	x.out = out;
	x.code = "SQLITE_ERROR";
	buf_init(&x.msg);
	buf_init(&x.text);
	x.deadline = cfg->query_timeout_ms > 0 ? clock_mono_ms() +
	    cfg->query_timeout_ms : 0;
	sqlconn_set_deadline(x.c, x.deadline);
	buf_addc(out, '[');
	for (i = 0; i < n && !r.bad; i++) {
		if (i > 0)
			buf_addc(out, ',');
		closed |= hx_request(&x, &r, slot);
	}
	buf_addc(out, ']');
	if (r.bad || r.off != r.len)
		status = hx_internal(out, 500, "internal error");
	else
		status = 200;
	/* A one-shot stream ends with its pipeline, close or not. */
	if (slot == HRANA_SLOT_ONESHOT && !closed)
		streams_end(slot);
	buf_free(&x.msg);
	buf_free(&x.text);
	return status;
}
