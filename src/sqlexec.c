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

#include "bounds.h"
#include "buf.h"
#include "clock.h"
#include "json.h"
#include "sqlconn.h"
#include "sqlexec.h"
#include "value.h"

struct sqlexec_run {
	struct sqlconn			*c;
	sqlite3				*db;
	const struct sqlexec_limits	*lim;
	const struct sqlexec_job	*job;
	struct value_args		*args;		/* the job's, checked */
	struct buf			*out;
	int				 have_rs;	/* out holds a result set */
	size_t				 rows_start;	/* out->len at row data */
	size_t				 entry_start;	/* out->len at the entry */
	int64_t				 names;		/* its column names' bytes */
	int64_t				 used;		/* names and rows kept,
							 * earlier statements */
	int64_t				 nrows;		/* rows kept */
	int				 truncated;
	int64_t				 changes;	/* v1: the sum */
	int64_t				 stmt_changes;	/* this statement's */
	int				 index;		/* statements run */
	struct buf			 err;		/* failure's message */
};

const char *
sqlexec_skip_space(const char *p, int semicolons)
{
	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\v' || *p == '\f' || (semicolons && *p == ';'))
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

/* Does the statement text start with one of the n keywords kw? */
static int
sqlexec_starts_with(const char *text, const char *const *kw, size_t n)
{
	const char *p = sqlexec_skip_space(text, 1);
	size_t len = 0, i;

	while ((p[len] >= 'a' && p[len] <= 'z') ||
	    (p[len] >= 'A' && p[len] <= 'Z'))
		len++;
	for (i = 0; i < n; i++)
		if (strlen(kw[i]) == len && strncasecmp(p, kw[i], len) == 0)
			return 1;
	return 0;
}

/* Does the statement text start with a DML keyword? */
static int
sqlexec_is_dml(const char *text)
{
	static const char *const kw[] = {
		"INSERT", "REPLACE", "UPDATE", "DELETE", "WITH",
	};

	return sqlexec_starts_with(text, kw, sizeof(kw) / sizeof(kw[0]));
}

/*
 * A share token's job (SQLEXEC_READONLY) runs only statements that
 * cannot write, and no transaction statement: sqlite3_stmt_readonly is
 * true for BEGIN, COMMIT and SAVEPOINT, yet a reader's BEGIN would hold
 * the walk-in's lock and its COMMIT or ROLLBACK would end the owner's
 * transaction. The authorizer refuses all of these already (read-only
 * mode); this is the second, independent check.
 */
static int
sqlexec_ro_refused(const char *text, sqlite3_stmt *st)
{
	static const char *const kw[] = {
		"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE",
		/* stmt_readonly is true for these when there is nothing to do
		 * (no index to rebuild): refused all the same, every time. */
		"REINDEX", "ANALYZE", "VACUUM",
	};

	return !sqlite3_stmt_readonly(st) ||
	    sqlexec_starts_with(text, kw, sizeof(kw) / sizeof(kw[0]));
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

/* Record a failure's message for sqlexec_close; returns status. */
static int
sqlexec_error(struct sqlexec_run *r, int status, const char *msg)
{
	buf_reset(&r->err);
	buf_adds(&r->err, msg);
	return status;
}

int
sqlexec_failure(struct sqlconn *c, int rc, int stepping, struct buf *msg)
{
	const char *denied = sqlconn_denied(c);
	int prim = rc & 0xff;

	buf_reset(msg);
	if (sqlconn_timed_out(c)) {
		buf_adds(msg, "query timeout");
		return 408;
	}
	if (denied != NULL && (prim == SQLITE_AUTH || prim == SQLITE_ERROR)) {
		buf_printf(msg, "forbidden sql keyword: %s",
		    sqlexec_denied_name(denied, stepping));
		return 400;
	}
	switch (prim) {
	case SQLITE_FULL:
		buf_adds(msg, "instance storage quota exceeded");
		return 507;
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_CANTOPEN:
	case SQLITE_MISUSE:
	case SQLITE_INTERNAL:
	case SQLITE_NOTADB:
		buf_adds(msg, "internal error");
		return 500;
	}
	/* Syntax, constraints, limits (TOOBIG, NOMEM from VDBE_OP), BUSY... */
	buf_printf(msg, "invalid sql: %s", sqlite3_errmsg(sqlconn_db(c)));
	return 400;
}

/*
 * The failure for rc, which came from sqlite3_step if `stepping`, else
 * from prepare. Returns the status; the message is in r->err.
 */
static int
sqlexec_fail(struct sqlexec_run *r, int rc, int stepping)
{
	const char *denied = sqlconn_denied(r->c);

	if (denied != NULL && strcmp(denied, SQLCONN_DENIED_READONLY) == 0 &&
	    (r->job->flags & SQLEXEC_READONLY) && !sqlconn_timed_out(r->c))
		return sqlexec_error(r, 400, SQLEXEC_READONLY_MSG);
	return sqlexec_failure(r->c, rc, stepping, &r->err);
}

/* Bytes of names and rows this reply keeps, and the cap on them. */
static int
sqlexec_over_bytes(const struct sqlexec_run *r)
{
	return r->used + r->names + (int64_t)(r->out->len - r->rows_start) >
	    r->lim->max_result_bytes;
}

/*
 * Start a result set: in v1 replacing any earlier one in out, with
 * all_results after the entries before it. Column names count against
 * --max-result-bytes with the rows (issue 15: names 7,900 bytes long
 * made a reply the front end refused); names alone over it are a 400.
 */
static int
sqlexec_rs_begin(struct sqlexec_run *r, sqlite3_stmt *st, int ncol)
{
	const char *name;
	size_t names;
	int i;

	if (!(r->job->flags & SQLEXEC_ALL_RESULTS))
		buf_reset(r->out);
	r->entry_start = r->out->len;
	buf_adds(r->out, "{\"columns\":[");
	names = r->out->len;
	for (i = 0; i < ncol; i++) {
		if (i > 0)
			buf_addc(r->out, ',');
		name = sqlite3_column_name(st, i);	/* NULL only on OOM */
		json_add_string(r->out, name != NULL ? name : "",
		    name != NULL ? strlen(name) : 0);
	}
	r->names = (int64_t)(r->out->len - names);
	buf_adds(r->out, "],\"rows\":[");
	r->rows_start = r->out->len;
	if (sqlexec_over_bytes(r)) {
		r->out->len = r->entry_start;
		return sqlexec_error(r, 400, "result too large: the column "
		    "names alone exceed the reply limit");
	}
	r->have_rs = 1;
	r->nrows = 0;
	r->truncated = 0;
	return 200;
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

	if (r->job->flags & SQLEXEC_ALL_RESULTS) {
		r->have_rs = 0;		/* v1 keeps the last result set */
		r->truncated = 0;
	}
	if (ncol > 0 && (rc = sqlexec_rs_begin(r, st, ncol)) != 200)
		return rc;
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
	r->stmt_changes = dml ? sqlite3_changes64(r->db) : 0;
	r->changes += r->stmt_changes;
	return 200;
}

/*
 * all_results: close statement `st`'s entry (its result set is in out
 * already when it had columns). The row budget is shared by every
 * statement of the request; counts and times are outside it
 * (BOUNDS_REPLY_ENTRY, ipc_reply_max).
 */
static void
sqlexec_entry_end(struct sqlexec_run *r, sqlite3_stmt *st, int64_t t0_us)
{
	struct buf *out = r->out;

	if (!r->have_rs) {
		buf_adds(out, "{\"columns\":[],\"rows\":[]");
		r->rows_start = out->len;
		r->names = 0;
	}
	r->used += r->names + (int64_t)(out->len - r->rows_start);
	buf_adds(out, ",\"rows_affected\":");
	json_add_int64(out, r->stmt_changes);
	buf_adds(out, ",\"last_insert_rowid\":");
	if (r->stmt_changes > 0 && !sqlite3_stmt_readonly(st))
		json_add_int64(out, sqlite3_last_insert_rowid(r->db));
	else
		buf_adds(out, "null");
	buf_printf(out, ",\"duration_ms\":%.3f",
	    (double)(clock_mono_us() - t0_us) / 1000.0);
	if (r->truncated)
		buf_adds(out, ",\"truncated\":true");
	buf_addc(out, '}');
}

static int
sqlexec_past_deadline(struct sqlexec_run *r, int64_t deadline)
{
	if (deadline == 0 || clock_mono_ms() < deadline)
		return 0;
	sqlexec_error(r, 408, "query timeout");
	return 1;
}

/* Nonzero if text holds another statement (not only blanks, ';' and
 * comments). */
static int
sqlexec_more(const char *text)
{
	return *sqlexec_skip_space(text, 1) != '\0';
}

/*
 * Bind the request's args to st (value.h). Positional args belong to a
 * request of one statement, which is known at its first statement, before
 * anything ran; a named key no statement uses is known after the last
 * one (for one statement: now, before it runs).
 */
static int
sqlexec_bind(struct sqlexec_run *r, sqlite3_stmt *st, const char *tail)
{
	char err[VALUE_ERRLEN];

	if (!r->args->present)
		return 200;
	if (r->index == 0 && value_args_single(r->args) && sqlexec_more(tail))
		return sqlexec_error(r, 400, VALUE_ERR_MULTI);
	if (value_args_bind(r->args, st, err, sizeof(err)) == -1 ||
	    (!sqlexec_more(tail) && value_args_unused(r->args, err,
	    sizeof(err)) == -1))
		return sqlexec_error(r, 400, err);
	return 200;
}

/* After the last statement: every named key was used. */
static int
sqlexec_args_unused(struct sqlexec_run *r)
{
	char err[VALUE_ERRLEN];

	if (r->args->present && value_args_unused(r->args, err,
	    sizeof(err)) == -1)
		return sqlexec_error(r, 400, err);
	return 200;
}

/* Run one prepared statement: bind, step, and its all_results entry. */
static int
sqlexec_one(struct sqlexec_run *r, sqlite3_stmt *st, const char *text,
    const char *tail)
{
	int64_t t0 = clock_mono_us();
	int all = r->job->flags & SQLEXEC_ALL_RESULTS;
	size_t mark = r->out->len;
	int status;

	if (all && r->index > 0)
		buf_addc(r->out, ',');
	if ((r->job->flags & SQLEXEC_READONLY) && sqlexec_ro_refused(text, st))
		status = sqlexec_error(r, 400, SQLEXEC_READONLY_MSG);
	else if ((status = sqlexec_bind(r, st, tail)) == 200)
		status = sqlexec_stmt(r, st, text);
	if (status == 200 && all)
		sqlexec_entry_end(r, st, t0);
	else if (status != 200 && all)
		r->out->len = mark;	/* sqlexec_close writes its entry */
	return status;
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
		status = sqlexec_one(r, st, p, tail);
		sqlite3_finalize(st);
		if (status != 200)
			return status;
		r->index++;
		p = tail;
	}
	return sqlexec_args_unused(r);
}

/* v1: close the reply: rows_affected, and truncated when rows were cut. */
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

/*
 * The reply for `status`: v1's body, or with all_results the entries
 * and, after a failure, the failed statement's entry and the same
 * top-level "error" as v1 (so a client reading only "error" on a non-2xx
 * reply still finds it).
 */
static void
sqlexec_close(struct sqlexec_run *r, int status)
{
	const char *msg = buf_cstr(&r->err);

	if (!(r->job->flags & SQLEXEC_ALL_RESULTS)) {
		if (status == 200)
			sqlexec_finish(r);
		else
			json_error(r->out, msg);
		return;
	}
	if (status != 200) {
		if (r->index > 0)
			buf_addc(r->out, ',');
		buf_adds(r->out, "{\"error\":{\"message\":");
		json_add_string(r->out, msg, strlen(msg));
		buf_printf(r->out, ",\"statement_index\":%d}}", r->index);
	}
	buf_addc(r->out, ']');
	if (status != 200) {
		buf_adds(r->out, ",\"error\":");
		json_add_string(r->out, msg, strlen(msg));
	}
	buf_addc(r->out, '}');
}

int
sqlexec_run_job(struct sqlconn *c, const struct sqlexec_job *job,
    const struct sqlexec_limits *lim, struct buf *out)
{
	struct sqlexec_run r;
	struct value_args args;
	struct buf text;
	char err[VALUE_ERRLEN];
	int64_t deadline = 0;
	int status;

	buf_reset(out);
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.db = sqlconn_db(c);
	r.lim = lim;
	r.job = job;
	r.args = &args;
	r.out = out;
	buf_init(&r.err);
	sqlconn_set_read_job(c, job->flags & SQLEXEC_READONLY);
	if (job->flags & SQLEXEC_ALL_RESULTS)
		buf_adds(out, "{\"results\":[");
	/* SQLite would stop at a NUL and silently drop the rest. */
	if (job->len > 0 && memchr(job->sql, '\0', job->len) != NULL) {
		status = sqlexec_error(&r, 400,
		    "invalid sql: NUL byte in SQL text");
		goto done;
	}
	if (value_args_open(&args, job->args, job->args_len, err,
	    sizeof(err)) == -1) {
		status = sqlexec_error(&r, 400, err);
		goto done;
	}
	if (lim->timeout_ms > 0)
		deadline = clock_mono_ms() + lim->timeout_ms;
	sqlconn_set_deadline(c, deadline);
	sqlconn_clear_denied(c);
	if (job->flags & SQLEXEC_SCRIPT)
		sqlite3_limit(r.db, SQLITE_LIMIT_SQL_LENGTH, BOUNDS_SCRIPT_BYTES);

	buf_init(&text);
	buf_add(&text, job->sql, job->len);
	status = sqlexec_all(&r, buf_cstr(&text), deadline);
	buf_free(&text);
	if (job->flags & SQLEXEC_SCRIPT)
		sqlite3_limit(r.db, SQLITE_LIMIT_SQL_LENGTH, BOUNDS_SQL_LENGTH);
done:
	sqlconn_set_read_job(c, 0);
	sqlexec_close(&r, status);
	buf_free(&r.err);
	return status;
}

int
sqlexec_run(struct sqlconn *c, const char *sql, size_t len,
    const struct sqlexec_limits *lim, struct buf *out)
{
	struct sqlexec_job job = { sql, len, NULL, 0, 0 };

	return sqlexec_run_job(c, &job, lim, out);
}
