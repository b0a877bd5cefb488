/*
 * fuzz_keyword.c: the front end's keyword layer (keyword_scan).
 *
 * The input is SQL text, handed over in a buffer of exactly its length
 * (no NUL), as the scan takes (sql, len). Invariants:
 *   - the answer is NULL or one of the documented canonical names;
 *   - ASCII case does not matter: the scan of the text with every ASCII
 *     letter's case flipped gives the same answer (quotes, comments,
 *     keywords and token boundaries do not depend on case);
 *   - statements are judged alone: "SELECT 1;\n" + text gives the same
 *     answer as the text;
 *   - nothing inside a comment or a quoted token trips: "-- " + text
 *     (newlines made spaces), and SELECT '<text>', "<text>", `<text>`
 *     and [<text>] (quotes doubled, ']' dropped, a space before the
 *     close so no name is whole) all answer NULL;
 *   - the second refusal holds against SQLite itself: Debian's SQLite
 *     (the library walkind runs) compiles the text, statement by
 *     statement as sqlexec does, on an in-memory database with a table
 *     t(a, b, c) and a user function for each denied name the library
 *     lacks; an authorizer records every ATTACH, DETACH and call of a
 *     denied function (fts5_* included) that the compiler resolves. If
 *     it records one, the scan must have refused the text. Nothing is
 *     stepped: prepare only, so nothing runs (pragmas, some of which
 *     act while compiling, are compiled to nothing).
 * An earlier invariant, "a trip stays a trip when text is appended", no
 * longer holds by design: a decision may look one token ahead ("VACUUM"
 * trips, "VACUUM temp" does not).
 */
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "fuzz.h"
#include "keyword.h"

static const char *const names[] = {
	"ATTACH", "DETACH", "VACUUM", "sqlite_dbpage", "load_extension",
	"readfile", "writefile", "edit", "zipfile", "unzip", "fts5_*",
	"fts5_source_id", "fts5_decode", "fts5_decode_none", "fts5_rowid",
	"fts5_structure", "fts5_expr", "fts5_expr_tcl", "fts5_isalnum",
	"fts5_fold", "fts5_locale", "fts5_get_locale", "fts5_insttoken",
};

/* Denied functions Debian's library lacks, registered so calls resolve. */
static const char *const user_fns[] = {
	"readfile", "writefile", "edit", "zipfile", "unzip", "fts5_decode",
	"fts5_x",
};

static sqlite3	*db;
static int	 denied_seen;	/* the authorizer saw a denied action */

static int
known(const char *kw)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(kw, names[i]) == 0)
			return 1;
	return 0;
}

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
user_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlite3_result_null(ctx);
}

static int
is_denied_fn(const char *fn)
{
	size_t i;

	if (fn == NULL)
		return 0;
	if (sqlite3_strnicmp(fn, "fts5_", 5) == 0 ||
	    sqlite3_stricmp(fn, "load_extension") == 0)
		return 1;
	for (i = 0; i < sizeof(user_fns) / sizeof(user_fns[0]); i++)
		if (sqlite3_stricmp(fn, user_fns[i]) == 0)
			return 1;
	return 0;
}

static int
auth(void *arg, int action, const char *a1, const char *a2, const char *a3,
    const char *a4)
{
	(void)arg;
	(void)a1;
	(void)a3;
	(void)a4;
	if (action == SQLITE_ATTACH || action == SQLITE_DETACH ||
	    (action == SQLITE_FUNCTION && is_denied_fn(a2)))
		denied_seen = 1;
	/*
	 * A few pragmas act while they compile (hard_heap_limit would
	 * starve the rest of the run): IGNORE compiles them to nothing.
	 */
	return action == SQLITE_PRAGMA ? SQLITE_IGNORE : SQLITE_OK;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE t(a, b, c)", NULL, NULL,
	    NULL) != SQLITE_OK)
		abort();
	for (i = 0; i < sizeof(user_fns) / sizeof(user_fns[0]); i++)
		if (sqlite3_create_function(db, user_fns[i], -1, SQLITE_UTF8,
		    NULL, user_fn, NULL, NULL) != SQLITE_OK)
			abort();
	sqlite3_set_authorizer(db, auth, NULL);
	return 0;
}

/* Does SQLite compile a denied action from the text? */
static int
sqlite_sees_denied(const char *sql, size_t size)
{
	const char *tail = sql, *end = sql + size;
	sqlite3_stmt *st;
	int rc;

	denied_seen = 0;
	while (tail < end && !denied_seen) {
		st = NULL;
		rc = sqlite3_prepare_v2(db, tail, (int)(end - tail), &st,
		    &tail);
		sqlite3_finalize(st);
		if (rc != SQLITE_OK || st == NULL)
			break;	/* an error, or only blanks were left */
	}
	return denied_seen;
}

/*
 * The scan of pre + text + post, built in a new buffer: with each quote
 * byte doubled, each drop byte left out and each newline made nl (a NUL
 * argument: none).
 */
static const char *
scan_wrapped(const uint8_t *data, size_t size, const char *pre, char quote,
    char drop, char nl, const char *post)
{
	size_t n = 0, plen = strlen(pre), qlen = strlen(post), i;
	char *buf = malloc(plen + 2 * size + qlen + 1);
	const char *kw;

	if (buf == NULL)
		abort();
	memcpy(buf, pre, plen);
	n = plen;
	for (i = 0; i < size; i++) {
		char c = (char)data[i];

		if (drop && c == drop)
			continue;
		if (c == '\n' && nl)
			c = nl;
		buf[n++] = c;
		if (quote && c == quote)
			buf[n++] = quote;
	}
	memcpy(buf + n, post, qlen);
	n += qlen;
	kw = keyword_scan(buf, n);
	free(buf);
	return kw;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *kw, *kw2;
	char *sql, *flip;
	size_t i;

	if (size > 16384)
		return 0;
	sql = fuzz_memdup(data, size);
	kw = keyword_scan(sql, size);
	if (kw != NULL && !known(kw))
		FUZZ_FAIL("unknown name \"%s\"", kw);

	flip = fuzz_memdup(data, size);
	for (i = 0; i < size; i++)
		if ((flip[i] >= 'a' && flip[i] <= 'z') ||
		    (flip[i] >= 'A' && flip[i] <= 'Z'))
			flip[i] ^= 0x20;
	kw2 = keyword_scan(flip, size);
	if (!same(kw, kw2))
		FUZZ_FAIL("case flip changed %s to %s", kw ? kw : "(none)",
		    kw2 ? kw2 : "(none)");
	free(flip);

	kw2 = scan_wrapped(data, size, "SELECT 1;\n", 0, 0, 0, "");
	if (!same(kw, kw2))
		FUZZ_FAIL("a statement before changed %s to %s",
		    kw ? kw : "(none)", kw2 ? kw2 : "(none)");
	if ((kw2 = scan_wrapped(data, size, "-- ", 0, 0, ' ', "")) != NULL)
		FUZZ_FAIL("tripped %s inside a -- comment", kw2);
	if ((kw2 = scan_wrapped(data, size, "SELECT '", '\'', 0, 0,
	    " '")) != NULL ||
	    (kw2 = scan_wrapped(data, size, "SELECT \"", '"', 0, 0,
	    " \"")) != NULL ||
	    (kw2 = scan_wrapped(data, size, "SELECT `", '`', 0, 0,
	    " `")) != NULL ||
	    (kw2 = scan_wrapped(data, size, "SELECT [", 0, ']', 0,
	    " ]")) != NULL)
		FUZZ_FAIL("tripped %s inside a quoted token", kw2);

	if (kw == NULL && sqlite_sees_denied(sql, size))
		FUZZ_FAIL("SQLite compiles a denied action the scan passed");
	free(sql);
	return 0;
}
