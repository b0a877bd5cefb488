/*
 * keyword.c: the front end's second SQL layer (see keyword.h): walkindb's
 * forbidden-word list, checked by a scan that tokenizes like SQLite's
 * own tokenizer (tokenize.c), so only what SQLite reads as a bare word
 * can trip.
 *
 *   skipped  '...' strings ('' escapes); "..." and `...` identifiers
 *            (doubled-quote escapes); [...] identifiers; -- comments to
 *            the end of the line; block comments (an unterminated one,
 *            like an unterminated string, runs to the end of the text);
 *            parameters ?NNN :name @name #name $name.
 *   words    maximal runs of identifier bytes (ASCII letters, digits,
 *            '_', '$', every byte >= 0x80), compared whole and
 *            ASCII-case-insensitively: "attached" and "x_attach" pass.
 *
 * What trips, by rule:
 *   bare     ATTACH, DETACH, sqlite_dbpage: as a word anywhere.
 *   call     load_extension, readfile, writefile, edit, zipfile, unzip,
 *            and every word starting with fts5_: only when followed,
 *            after optional blanks and comments, by '('. So a column
 *            named edit passes and "edit -- x<newline>(" trips. A word
 *            in name position is a table, view or CTE name even before
 *            '(' and passes: after TABLE, INTO, EXISTS, REFERENCES, VIEW,
 *            WITH, RECURSIVE, after '.' (SQLite has no schema-qualified
 *            functions), and after the ON of a CREATE INDEX.
 *
 * fts5_*: walkindb's "fts5 admin functions" are read as any call of a
 * name starting with fts5_: fts5_source_id in Debian's build,
 * fts5_decode, fts5_structure, fts5_expr... in debug builds, fts5_locale
 * and others in newer releases. The module name fts5 (CREATE VIRTUAL
 * TABLE t USING fts5(body)), fts5vocab, and shadow tables such as
 * fts5_data used as tables do not trip.
 *
 * The name returned is a string literal (the canonical spelling, or the
 * fts5_ function's own name when known, else "fts5_*"), so the scan is
 * reentrant and the result never dangles. One pass, no allocation: the
 * look-ahead for '(' is the only rescan, so each byte is read at most
 * twice.
 */
#include <stddef.h>
#include <string.h>

#include "keyword.h"

enum keyword_kind {
	KEYWORD_BARE,		/* trips wherever it is a bare word */
	KEYWORD_CALL,		/* trips in call position only */
	KEYWORD_NAMECTX,	/* the next word is an object name */
	KEYWORD_INDEX,		/* CREATE INDEX: its ON names a table */
	KEYWORD_ON
};

struct keyword_word {
	const char		*name;	/* lowercase; canonical spelling */
	const char		*canon;
	enum keyword_kind	 kind;
};

static const struct keyword_word keyword_words[] = {
	{ "attach",		"ATTACH",		KEYWORD_BARE },
	{ "detach",		"DETACH",		KEYWORD_BARE },
	{ "sqlite_dbpage",	"sqlite_dbpage",	KEYWORD_BARE },
	{ "load_extension",	"load_extension",	KEYWORD_CALL },
	{ "readfile",		"readfile",		KEYWORD_CALL },
	{ "writefile",		"writefile",		KEYWORD_CALL },
	{ "edit",		"edit",			KEYWORD_CALL },
	{ "zipfile",		"zipfile",		KEYWORD_CALL },
	{ "unzip",		"unzip",		KEYWORD_CALL },
	{ "table",		NULL,			KEYWORD_NAMECTX },
	{ "into",		NULL,			KEYWORD_NAMECTX },
	{ "exists",		NULL,			KEYWORD_NAMECTX },
	{ "references",		NULL,			KEYWORD_NAMECTX },
	{ "view",		NULL,			KEYWORD_NAMECTX },
	{ "with",		NULL,			KEYWORD_NAMECTX },
	{ "recursive",		NULL,			KEYWORD_NAMECTX },
	{ "index",		NULL,			KEYWORD_INDEX },
	{ "on",			NULL,			KEYWORD_ON },
};

/* fts5_* names returned as themselves; any other fts5_ word is "fts5_*". */
static const char *const keyword_fts5_names[] = {
	"fts5_source_id", "fts5_decode", "fts5_decode_none", "fts5_rowid",
	"fts5_structure", "fts5_expr", "fts5_expr_tcl", "fts5_isalnum",
	"fts5_fold", "fts5_locale", "fts5_get_locale", "fts5_insttoken",
};

#define KEYWORD_FTS5_PREFIX	"fts5_"
#define KEYWORD_FTS5_ANY	"fts5_*"

/* What the previous significant token says about the next word. */
enum keyword_prev {
	KEYWORD_PREV_OTHER,
	KEYWORD_PREV_NAME	/* name position: not a call */
};

struct keyword_state {
	const char		*sql;
	size_t			 len;
	enum keyword_prev	 prev;
	int			 in_index;	/* saw INDEX, its ON not yet */
};

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* SQLite's sqlite3Isspace: \t \n \v \f \r and space. */
static int
keyword_is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* SQLite's IdChar(): letters, digits, '_', '$' and bytes >= 0x80. */
static int
keyword_is_idchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

static unsigned char
keyword_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Whole-word, ASCII-case-insensitive: does w[0..n) spell `name`? */
static int
keyword_word_eq(const char *w, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = keyword_lower((unsigned char)w[i]);

		if (name[i] == '\0' || c != (unsigned char)name[i])
			return 0;
	}
	return name[n] == '\0';
}

/* Does w[0..n) start with the lowercase prefix `p`? */
static int
keyword_has_prefix(const char *w, size_t n, const char *p)
{
	size_t i, plen = strlen(p);

	if (n < plen)
		return 0;
	for (i = 0; i < plen; i++)
		if (keyword_lower((unsigned char)w[i]) != (unsigned char)p[i])
			return 0;
	return 1;
}

/*
 * If a comment starts at i, return the index just past it (the end of
 * the text for an unterminated one); otherwise return i.
 */
static size_t
keyword_skip_comment(const char *sql, size_t len, size_t i)
{
	if (i + 1 >= len)
		return i;
	if (sql[i] == '-' && sql[i + 1] == '-') {
		for (i += 2; i < len && sql[i] != '\n'; i++)
			;
		return i;
	}
	if (sql[i] == '/' && sql[i + 1] == '*') {
		for (i += 2; i + 1 < len; i++)
			if (sql[i] == '*' && sql[i + 1] == '/')
				return i + 2;
		return len;
	}
	return i;
}

/* Index of the next byte that is neither blank nor inside a comment. */
static size_t
keyword_skip_blank(const char *sql, size_t len, size_t i)
{
	size_t j;

	while (i < len) {
		if (keyword_is_space((unsigned char)sql[i])) {
			i++;
			continue;
		}
		if ((j = keyword_skip_comment(sql, len, i)) == i)
			break;
		i = j;
	}
	return i;
}

/*
 * A quoted token opens at i with sql[i]; return the index past its close.
 * Doubling the close quote escapes it, except for [...], as in SQLite.
 */
static size_t
keyword_skip_quoted(const char *sql, size_t len, size_t i)
{
	char close = sql[i] == '[' ? ']' : sql[i];

	for (i++; i < len; i++) {
		if (sql[i] != close)
			continue;
		if (close != ']' && i + 1 < len && sql[i + 1] == close) {
			i++;
			continue;
		}
		return i + 1;
	}
	return len;
}

/* A parameter (?NNN, :aaa, @aaa, #aaa, $aaa) opens at i; skip it. */
static size_t
keyword_skip_param(const char *sql, size_t len, size_t i)
{
	for (i++; i < len && keyword_is_idchar((unsigned char)sql[i]); i++)
		;
	return i;
}

static const struct keyword_word *
keyword_lookup(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < nitems(keyword_words); i++)
		if (keyword_word_eq(w, n, keyword_words[i].name))
			return &keyword_words[i];
	return NULL;
}

static const char *
keyword_fts5_name(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < nitems(keyword_fts5_names); i++)
		if (keyword_word_eq(w, n, keyword_fts5_names[i]))
			return keyword_fts5_names[i];
	return KEYWORD_FTS5_ANY;
}

/* Is the word ending at `end` followed by '(' (past blanks/comments)? */
static int
keyword_is_call(const struct keyword_state *st, size_t end)
{
	size_t i = keyword_skip_blank(st->sql, st->len, end);

	return i < st->len && st->sql[i] == '(';
}

/*
 * Judge the bare word sql[start..end) and update the name-position
 * state. Returns the canonical forbidden name, or NULL.
 */
static const char *
keyword_word(struct keyword_state *st, size_t start, size_t end)
{
	const char *w = st->sql + start;
	size_t n = end - start;
	const struct keyword_word *kw = keyword_lookup(w, n);
	enum keyword_prev prev = st->prev;

	st->prev = KEYWORD_PREV_OTHER;
	if (kw == NULL) {
		if (keyword_has_prefix(w, n, KEYWORD_FTS5_PREFIX) &&
		    prev != KEYWORD_PREV_NAME && keyword_is_call(st, end))
			return keyword_fts5_name(w, n);
		return NULL;
	}
	switch (kw->kind) {
	case KEYWORD_BARE:
		return kw->canon;
	case KEYWORD_CALL:
		if (prev != KEYWORD_PREV_NAME && keyword_is_call(st, end))
			return kw->canon;
		return NULL;
	case KEYWORD_NAMECTX:
		st->prev = KEYWORD_PREV_NAME;
		return NULL;
	case KEYWORD_INDEX:
		st->in_index = 1;
		return NULL;
	case KEYWORD_ON:
		if (st->in_index)
			st->prev = KEYWORD_PREV_NAME;
		st->in_index = 0;
		return NULL;
	}
	return NULL;
}

/*
 * Skip one token that is not a word, starting at i (not blank); return
 * the index past it and set st->prev.
 */
static size_t
keyword_other(struct keyword_state *st, size_t i)
{
	const char *sql = st->sql;
	size_t j;

	if ((j = keyword_skip_comment(sql, st->len, i)) != i)
		return j;	/* comments do not change st->prev */
	st->prev = KEYWORD_PREV_OTHER;
	switch (sql[i]) {
	case '\'': case '"': case '`': case '[':
		return keyword_skip_quoted(sql, st->len, i);
	case '?': case ':': case '@': case '#': case '$':
		return keyword_skip_param(sql, st->len, i);
	case '.':
		st->prev = KEYWORD_PREV_NAME;
		break;
	case ';':
		st->in_index = 0;
		break;
	}
	return i + 1;
}

const char *
keyword_scan(const char *sql, size_t len)
{
	struct keyword_state st = { sql, len, KEYWORD_PREV_OTHER, 0 };
	const char *hit;
	size_t i = 0, start;

	while (i < len) {
		unsigned char c = (unsigned char)sql[i];

		if (keyword_is_space(c)) {
			i++;
		} else if (keyword_is_idchar(c) && c != '$') {
			for (start = i; i < len &&
			    keyword_is_idchar((unsigned char)sql[i]); i++)
				;
			if ((hit = keyword_word(&st, start, i)) != NULL)
				return hit;
		} else
			i = keyword_other(&st, i);
	}
	return NULL;
}
