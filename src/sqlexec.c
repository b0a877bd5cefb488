/*
 * sqlexec.c: run one request's SQL on a hardened connection and encode
 * the reply (executor side; see sqlexec.h for the reply shapes).
 *
 * The text is copied once and NUL-terminated, then prepared statement by
 * statement (sqlite3_prepare_v3 with length -1, following pzTail), so
 * SQLITE_LIMIT_SQL_LENGTH bounds each statement rather than the whole
 * body. Empty statements (";", comments) prepare to NULL and are skipped.
 * The first error stops the run; earlier statements stay applied, like
 * sqlite3_exec. An open transaction is left open on purpose: BEGIN in one
 * request and COMMIT in a later one must work (the executor rolls back
 * when it closes the connection).
 *
 * One deadline covers the whole request: the progress handler stops a
 * running statement, and the clock is also checked before each statement
 * so a long list of cheap statements cannot run past it.
 *
 * Result sets are encoded straight into the reply while stepping. A new
 * result set replaces the previous one (the reply describes the last
 * statement that had columns). Rows past max_rows, or a row that would
 * push the encoded row data past max_result_bytes, are dropped and mark
 * the result "truncated"; a read-only statement then stops stepping,
 * one that writes (INSERT ... RETURNING) runs to completion unencoded.
 *
 * rows_affected sums sqlite3_changes64() after each top-level INSERT,
 * REPLACE, UPDATE or DELETE (WITH ... counts when it writes): rows the
 * statement changed directly, not those changed by triggers, foreign-key
 * actions or REPLACE conflict deletes, as sqlite3_changes defines it.
 * Only DML statements are counted because SQLite leaves changes64()
 * unchanged after other statements (CREATE TABLE would repeat the last
 * INSERT's count; CREATE VIRTUAL TABLE ... fts5 reports its own nested
 * inserts), and the connection outlives requests.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "buf.h"
#include "json.h"
#include "sqlconn.h"
#include "sqlexec.h"

struct sqlexec_run {
	struct sqlconn			*c;
	sqlite3				*db;
	const struct sqlexec_limits	*lim;
	struct buf			*out;
	int				 have_rs;	/* out holds a result set */
	size_t				 rows_start;	/* out->len at row data */
	int64_t				 nrows;		/* rows kept */
	int				 truncated;
	int64_t				 changes;
};

/* Skip blanks, ';' and SQL comments at the start of a statement. */
static const char *
sqlexec_skip_space(const char *p)
{
	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\v' || *p == '\f' || *p == ';')
			p++;
		else if (p[0] == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			p += 2;
			while (*p != '\0' && !(p[0] == '*' && p[1] == '/'))
				p++;
			if (*p != '\0')
				p += 2;
		} else
			return p;
	}
}

/* Does the statement text start with a DML keyword? */
static int
sqlexec_is_dml(const char *text)
{
	static const char *const kw[] = {
		"INSERT", "REPLACE", "UPDATE", "DELETE", "WITH",
	};
	const char *p = sqlexec_skip_space(text);
	size_t n = 0, i;

	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z'))
		n++;
	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strlen(kw[i]) == n && strncasecmp(p, kw[i], n) == 0)
			return 1;
	return 0;
}

/*
 * SQLite runs VACUUM and VACUUM INTO as a nested ATTACH while stepping,
 * which the authorizer cannot tell from a typed ATTACH (ATTACH '' looks
 * exactly like plain VACUUM). The phase can: a typed ATTACH is denied
 * while preparing, VACUUM's while stepping.
 */
static const char *
sqlexec_denied_name(const char *denied, int stepping)
{
	if (strcmp(denied, "ATTACH") == 0 || strcmp(denied, "VACUUM") == 0)
		return stepping ? "VACUUM" : "ATTACH";
	return denied;
}

/*
 * Replace out with the error reply for rc, which came from
 * sqlite3_step if `stepping`, else from prepare. Returns the status.
 */
static int
sqlexec_fail(struct sqlexec_run *r, int rc, int stepping)
{
	struct buf msg;
	const char *denied = sqlconn_denied(r->c);
	int prim = rc & 0xff;

	if (sqlconn_timed_out(r->c)) {
		json_error(r->out, "query timeout");
		return 408;
	}
	if (denied != NULL && (prim == SQLITE_AUTH || prim == SQLITE_ERROR)) {
		buf_init(&msg);
		buf_printf(&msg, "forbidden sql keyword: %s",
		    sqlexec_denied_name(denied, stepping));
		json_error(r->out, buf_cstr(&msg));
		buf_free(&msg);
		return 400;
	}
	switch (prim) {
	case SQLITE_FULL:
		json_error(r->out, "instance storage quota exceeded");
		return 507;
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_CANTOPEN:
	case SQLITE_MISUSE:
	case SQLITE_INTERNAL:
	case SQLITE_NOTADB:
		json_error(r->out, "internal error");
		return 500;
	}
	/* Syntax, constraints, limits (TOOBIG, NOMEM from VDBE_OP), BUSY... */
	buf_init(&msg);
	buf_printf(&msg, "invalid sql: %s", sqlite3_errmsg(r->db));
	json_error(r->out, buf_cstr(&msg));
	buf_free(&msg);
	return 400;
}

/* Start a result set, replacing any earlier one in out. */
static void
sqlexec_rs_begin(struct sqlexec_run *r, sqlite3_stmt *st, int ncol)
{
	const char *name;
	int i;

	buf_reset(r->out);
	buf_adds(r->out, "{\"columns\":[");
	for (i = 0; i < ncol; i++) {
		if (i > 0)
			buf_addc(r->out, ',');
		name = sqlite3_column_name(st, i);	/* NULL only on OOM */
		json_add_string(r->out, name != NULL ? name : "",
		    name != NULL ? strlen(name) : 0);
	}
	buf_adds(r->out, "],\"rows\":[");
	r->rows_start = r->out->len;
	r->have_rs = 1;
	r->nrows = 0;
	r->truncated = 0;
}

static void
sqlexec_value(struct buf *out, sqlite3_stmt *st, int i)
{
	const void *p;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		json_add_int64(out, sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		json_add_double(out, sqlite3_column_double(st, i));
		break;
	case SQLITE_TEXT:
		/* Length from column_bytes: text may hold NUL. */
		p = sqlite3_column_text(st, i);
		json_add_string(out, p, p != NULL ?
		    (size_t)sqlite3_column_bytes(st, i) : 0);
		break;
	case SQLITE_BLOB:
		p = sqlite3_column_blob(st, i);
		json_add_base64(out, p, p != NULL ?
		    (size_t)sqlite3_column_bytes(st, i) : 0);
		break;
	default:
		buf_add(out, "null", 4);
	}
}

static int
sqlexec_over_bytes(const struct sqlexec_run *r)
{
	return (int64_t)(r->out->len - r->rows_start) >
	    r->lim->max_result_bytes;
}

/*
 * Encode the current row, or drop it and mark the result truncated. The
 * byte cap is checked after every value, so a dropped row costs at most
 * one encoded value beyond it.
 */
static void
sqlexec_row(struct sqlexec_run *r, sqlite3_stmt *st, int ncol)
{
	struct buf *out = r->out;
	size_t mark = out->len;
	int i;

	if (r->nrows >= r->lim->max_rows) {
		r->truncated = 1;
		return;
	}
	if (r->nrows > 0)
		buf_addc(out, ',');
	buf_addc(out, '[');
	for (i = 0; i < ncol; i++) {
		if (i > 0)
			buf_addc(out, ',');
		sqlexec_value(out, st, i);
		if (sqlexec_over_bytes(r))
			break;
	}
	buf_addc(out, ']');
	if (sqlexec_over_bytes(r)) {
		out->len = mark;
		r->truncated = 1;
		return;
	}
	r->nrows++;
}

/* Step one prepared statement to completion; returns the HTTP status. */
static int
sqlexec_stmt(struct sqlexec_run *r, sqlite3_stmt *st, const char *text)
{
	int ncol = sqlite3_column_count(st);
	int ro = sqlite3_stmt_readonly(st);
	int dml = !ro && sqlexec_is_dml(text);
	int rc;

	if (ncol > 0)
		sqlexec_rs_begin(r, st, ncol);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ncol == 0)
			continue;
		if (!r->truncated)
			sqlexec_row(r, st, ncol);
		if (r->truncated && ro) {
			rc = SQLITE_DONE;	/* nothing more to keep */
			break;
		}
	}
	if (ncol > 0)
		buf_addc(r->out, ']');
	if (rc != SQLITE_DONE)
		return sqlexec_fail(r, rc, 1);
	if (dml)
		r->changes += sqlite3_changes64(r->db);
	return 200;
}

/* Close the reply: rows_affected, and truncated when rows were cut. */
static void
sqlexec_finish(struct sqlexec_run *r)
{
	if (r->have_rs)
		buf_addc(r->out, ',');
	else {
		buf_reset(r->out);
		buf_addc(r->out, '{');
	}
	buf_adds(r->out, "\"rows_affected\":");
	json_add_int64(r->out, r->changes);
	if (r->have_rs && r->truncated)
		buf_adds(r->out, ",\"truncated\":true");
	buf_addc(r->out, '}');
}

static int
sqlexec_past_deadline(struct sqlexec_run *r, int64_t deadline)
{
	if (deadline == 0 || sqlconn_now_ms() < deadline)
		return 0;
	json_error(r->out, "query timeout");
	return 1;
}

/* Prepare and run each statement of text in turn. */
static int
sqlexec_all(struct sqlexec_run *r, const char *p, int64_t deadline)
{
	sqlite3_stmt *st;
	const char *tail;
	int rc, status;

	while (*p != '\0') {
		if (sqlexec_past_deadline(r, deadline))
			return 408;
		sqlconn_clear_denied(r->c);
		rc = sqlite3_prepare_v3(r->db, p, -1, 0, &st, &tail);
		if (rc != SQLITE_OK)
			return sqlexec_fail(r, rc, 0);
		if (st == NULL) {		/* only blanks and comments */
			if (tail == NULL || tail <= p)
				break;
			p = tail;
			continue;
		}
		status = sqlexec_stmt(r, st, p);
		sqlite3_finalize(st);
		if (status != 200)
			return status;
		p = tail;
	}
	return 200;
}

int
sqlexec_run(struct sqlconn *c, const char *sql, size_t len,
    const struct sqlexec_limits *lim, struct buf *out)
{
	struct sqlexec_run r;
	struct buf text;
	int64_t deadline = 0;
	int status;

	buf_reset(out);
	/* SQLite would stop at a NUL and silently drop the rest. */
	if (len > 0 && memchr(sql, '\0', len) != NULL) {
		json_error(out, "invalid sql: NUL byte in SQL text");
		return 400;
	}
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.db = sqlconn_db(c);
	r.lim = lim;
	r.out = out;
	if (lim->timeout_ms > 0)
		deadline = sqlconn_now_ms() + lim->timeout_ms;
	sqlconn_set_deadline(c, deadline);
	sqlconn_clear_denied(c);

	buf_init(&text);
	buf_add(&text, sql, len);
	status = sqlexec_all(&r, buf_cstr(&text), deadline);
	buf_free(&text);
	if (status == 200)
		sqlexec_finish(&r);
	return status;
}
