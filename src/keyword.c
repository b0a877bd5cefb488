/*
 * keyword.c: the front end's second SQL layer (see keyword.h): walkindb's
 * forbidden-word list, plus VACUUM, checked on the tokens SQLite itself
 * would cut, so a denied name trips where SQLite would run it and
 * nowhere else.
 *
 * The tokenizer follows sqlite3GetToken (tokenize.c, 3.40) wherever a
 * token's extent matters:
 *
 *   blank    \t \n \v \f \r space, the UTF-8 BOM EF BB BF at a token's
 *            start (SQLite skips it as a space), NUL (SQLite stops
 *            there; the front end refuses it anyway), -- comments to the
 *            end of the line, block comments (an unterminated one runs to
 *            the end of the text).
 *   name     a word: a run of identifier bytes (ASCII letters, digits,
 *            '_', '$', every byte >= 0x80) not starting with a digit or
 *            '$'; an identifier in "...", `...` (a doubled quote escapes
 *            it) or [...] (no escape); a string '...' (a doubled quote
 *            escapes it), which SQLite also takes as a name in some
 *            places. A name compares ASCII-case-insensitively with the
 *            text between its quotes, as SQLite looks functions up.
 *   other    x'...' blobs (to the next quote: no escapes), numbers
 *            (0x hex, digits, '.', an exponent, then any identifier
 *            bytes, as one token), variables ?NNN and :aaa @aaa #aaa
 *            $aaa with Tcl's ::name and (...) suffixes (the (...) runs
 *            to a space or ')', and may hold quotes), and operators.
 *
 * Where SQLite would refuse the text (\v at a token's start, an illegal
 * byte, an unterminated token), the scan reads on: SQLite runs nothing
 * past that point, so reading more can only refuse more.
 *
 * What trips, by kind (keyword_words below):
 *   stmt     ATTACH, DETACH in statement position: the first token of
 *            the text or after ';', or after EXPLAIN [QUERY PLAN].
 *            Elsewhere they are names (a column attach, AS detach).
 *   vacuum   VACUUM in statement position, unless its schema is temp
 *            (SQLite compiles VACUUM temp to nothing) or it follows
 *            EXPLAIN (compiled, never run: its ATTACH never happens, and
 *            the authorizer allows it).
 *   name     sqlite_dbpage wherever it is a token, quoted or not, a
 *            string included: it is the table itself.
 *   call     load_extension, readfile, writefile, edit, zipfile, unzip,
 *            and every name starting with fts5_, quoted or not (SQLite
 *            reads "f"( `f`( [f]( as calls of f), when the next token,
 *            past blanks and comments, is '('. A string is never a
 *            function name, and a name in name position (below) is not
 *            a call even before '('.
 *
 * Name position: the name right after TABLE, INTO (not VACUUM's INTO,
 * which takes an expression), EXISTS, REFERENCES, VIEW, USING (a
 * module), AS (a CAST type; no call follows AS in valid SQL), '.' (SQLite
 * has no schema-qualified functions), the ON of CREATE INDEX, and a CTE's
 * name. A CTE's name follows WITH [RECURSIVE], or the ',' after a CTE's
 * body: the scan follows the shape "name [(columns)] AS [NOT]
 * [MATERIALIZED] (body)" at each parenthesis depth, so a name after
 * "WITH a AS (SELECT 1)," is the next CTE's, while the ',' of "SELECT
 * with, f(1)" (WITH is also a column name in SQLite) is not. Keywords
 * count only unquoted: SQLite never reads a quoted token as a keyword.
 * In valid SQL a name directly after another name, WITH and AS included,
 * is never a call, so a misread of these keywords can only let through
 * what SQLite would refuse as a syntax error.
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
 * reentrant and the result never dangles. One pass, no allocation, the
 * state a few words: a depth past 64 parentheses forgets CTE shapes
 * (their names then trip as calls). The only rescan is the look-ahead
 * of one token past a denied name, for '(' or VACUUM's schema, so each
 * byte is read at most twice.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "keyword.h"

enum keyword_kind {
	/* denied: any name token */
	KEYWORD_STMT,		/* trips in statement position */
	KEYWORD_VACUUM,		/* trips in statement position, unless temp */
	KEYWORD_NAME,		/* trips wherever it is a token */
	KEYWORD_CALL,		/* trips when called */
	/* structure: unquoted words only */
	KEYWORD_EXPLAIN,	/* the statement follows, compiled only */
	KEYWORD_PREFIX,		/* QUERY, PLAN: the statement follows */
	KEYWORD_NAMECTX,	/* the next name is an object's, not a call */
	KEYWORD_INTO,		/* NAMECTX, except in VACUUM ... INTO expr */
	KEYWORD_AS,		/* NAMECTX; a CTE's AS */
	KEYWORD_INDEX,		/* CREATE INDEX: its ON names a table */
	KEYWORD_ON,
	KEYWORD_WITH,		/* a CTE's name follows */
	KEYWORD_RECURSIVE,
	KEYWORD_NOT,		/* AS NOT MATERIALIZED ( */
	KEYWORD_MATERIALIZED
};

struct keyword_word {
	const char		*name;	/* lowercase */
	unsigned char		 len;
	enum keyword_kind	 kind;
	const char		*canon;	/* denied: the name reported */
};

#define KEYWORD_W(n, k, c)	{ n, sizeof(n) - 1, k, c }

static const struct keyword_word keyword_words[] = {
	/*
	 * ATTACH reaches host files, sibling walk-ins and shared in-memory
	 * databases; DETACH is its pair. Both are statements only.
	 */
	KEYWORD_W("attach", KEYWORD_STMT, "ATTACH"),
	KEYWORD_W("detach", KEYWORD_STMT, "DETACH"),
	/*
	 * VACUUM runs as ATTACH '' and VACUUM INTO as ATTACH '<path>': a
	 * file written anywhere the executor can write.
	 */
	KEYWORD_W("vacuum", KEYWORD_VACUUM, "VACUUM"),
	/* Raw page reads and writes past DEFENSIVE; absent from this build. */
	KEYWORD_W("sqlite_dbpage", KEYWORD_NAME, "sqlite_dbpage"),
	/* Loads a shared library: native code. */
	KEYWORD_W("load_extension", KEYWORD_CALL, "load_extension"),
	/*
	 * The sqlite3 shell's host-file functions (read, write, run an
	 * editor, zip archives): not in the library, listed in case it
	 * ever gains them.
	 */
	KEYWORD_W("readfile", KEYWORD_CALL, "readfile"),
	KEYWORD_W("writefile", KEYWORD_CALL, "writefile"),
	KEYWORD_W("edit", KEYWORD_CALL, "edit"),
	KEYWORD_W("zipfile", KEYWORD_CALL, "zipfile"),
	KEYWORD_W("unzip", KEYWORD_CALL, "unzip"),
	KEYWORD_W("explain", KEYWORD_EXPLAIN, NULL),
	KEYWORD_W("query", KEYWORD_PREFIX, NULL),
	KEYWORD_W("plan", KEYWORD_PREFIX, NULL),
	KEYWORD_W("table", KEYWORD_NAMECTX, NULL),
	KEYWORD_W("exists", KEYWORD_NAMECTX, NULL),
	KEYWORD_W("references", KEYWORD_NAMECTX, NULL),
	KEYWORD_W("view", KEYWORD_NAMECTX, NULL),
	KEYWORD_W("using", KEYWORD_NAMECTX, NULL),
	KEYWORD_W("into", KEYWORD_INTO, NULL),
	KEYWORD_W("as", KEYWORD_AS, NULL),
	KEYWORD_W("index", KEYWORD_INDEX, NULL),
	KEYWORD_W("on", KEYWORD_ON, NULL),
	KEYWORD_W("with", KEYWORD_WITH, NULL),
	KEYWORD_W("recursive", KEYWORD_RECURSIVE, NULL),
	KEYWORD_W("not", KEYWORD_NOT, NULL),
	KEYWORD_W("materialized", KEYWORD_MATERIALIZED, NULL),
};

/* fts5_* names returned as themselves; any other fts5_ name is "fts5_*". */
static const char *const keyword_fts5_names[] = {
	"fts5_source_id", "fts5_decode", "fts5_decode_none", "fts5_rowid",
	"fts5_structure", "fts5_expr", "fts5_expr_tcl", "fts5_isalnum",
	"fts5_fold", "fts5_locale", "fts5_get_locale", "fts5_insttoken",
};

#define KEYWORD_FTS5_PREFIX	"fts5_"
#define KEYWORD_FTS5_ANY	"fts5_*"

enum keyword_tk {
	KEYWORD_TK_END,
	KEYWORD_TK_WORD,	/* unquoted: a keyword or an identifier */
	KEYWORD_TK_ID,		/* "...", `...`, [...]: always an identifier */
	KEYWORD_TK_STRING,	/* '...' */
	KEYWORD_TK_LP,
	KEYWORD_TK_RP,
	KEYWORD_TK_SEMI,
	KEYWORD_TK_COMMA,
	KEYWORD_TK_DOT,
	KEYWORD_TK_OTHER	/* number, blob, variable, operator, illegal */
};

struct keyword_tok {
	enum keyword_tk	 type;
	size_t		 name;	/* names: the text between the quotes */
	size_t		 nlen;
};

/* Where a CTE stands at one parenthesis depth (see the file comment). */
enum keyword_cte {
	KEYWORD_CTE_NONE,
	KEYWORD_CTE_NAME,	/* the next name is a CTE's */
	KEYWORD_CTE_NAMED,	/* after its name: '(' columns, or AS */
	KEYWORD_CTE_COLS,	/* after its column list: AS */
	KEYWORD_CTE_AS,		/* after AS [NOT] [MATERIALIZED]: '(' body */
	KEYWORD_CTE_BODY	/* after its body: ',' starts the next */
};

#define KEYWORD_MAX_DEPTH	64	/* depths with a bit in cols/body */

struct keyword_state {
	const char		*sql;
	size_t			 len;
	size_t			 pos;		/* the next token's start */
	size_t			 depth;		/* '(' open in this statement */
	uint64_t		 cols;		/* bit d: '(' at depth d opened a */
	uint64_t		 body;		/*  CTE's column list / body */
	enum keyword_cte	 cte;
	int			 stmt;		/* the next token starts a statement */
	int			 name;		/* the next name is in name position */
	int			 index;		/* saw INDEX, its ON not yet */
	int			 vacuum;	/* this statement is a VACUUM */
	int			 explain;	/* this statement is EXPLAINed */
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

static int
keyword_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
keyword_is_xdigit(unsigned char c)
{
	return keyword_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static unsigned char
keyword_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* ASCII-case-insensitive: do the n bytes at w spell lowercase `name`? */
static int
keyword_eq(const char *w, size_t n, const char *name, size_t nlen)
{
	size_t i;

	if (n != nlen)
		return 0;
	for (i = 0; i < n; i++)
		if (keyword_lower((unsigned char)w[i]) != (unsigned char)name[i])
			return 0;
	return 1;
}

/* The byte at i, or NUL past the end: the text is not NUL-terminated. */
static unsigned char
keyword_at(const char *sql, size_t len, size_t i)
{
	return i < len ? (unsigned char)sql[i] : '\0';
}

/*
 * If a blank (space, BOM, NUL or comment) starts at i, return the index
 * just past it (the end of the text for an unterminated comment);
 * otherwise return i.
 */
static size_t
keyword_skip_one_blank(const char *sql, size_t len, size_t i)
{
	unsigned char c = (unsigned char)sql[i], d = keyword_at(sql, len, i + 1);

	if (keyword_is_space(c) || c == '\0')
		return i + 1;
	if (c == 0xef && d == 0xbb && keyword_at(sql, len, i + 2) == 0xbf)
		return i + 3;
	if (c == '-' && d == '-') {
		for (i += 2; i < len && sql[i] != '\n'; i++)
			;
		return i;
	}
	if (c == '/' && d == '*') {
		for (i += 2; i + 1 < len; i++)
			if (sql[i] == '*' && sql[i + 1] == '/')
				return i + 2;
		return len;
	}
	return i;
}

/* Index of the next byte that starts a token. */
static size_t
keyword_skip_blank(const char *sql, size_t len, size_t i)
{
	size_t j;

	while (i < len && (j = keyword_skip_one_blank(sql, len, i)) != i)
		i = j;
	return i;
}

/*
 * A quoted token opens at i. A doubled close quote escapes it, except
 * in [...]. Unterminated, it runs to the end of the text.
 */
static size_t
keyword_quoted(const char *sql, size_t len, size_t i, struct keyword_tok *t)
{
	char close = sql[i] == '[' ? ']' : sql[i];
	size_t j;

	t->type = sql[i] == '\'' ? KEYWORD_TK_STRING : KEYWORD_TK_ID;
	for (j = i + 1; j < len; j++) {
		if (sql[j] != close)
			continue;
		if (close != ']' && j + 1 < len && sql[j + 1] == close) {
			j++;
			continue;
		}
		break;
	}
	t->name = i + 1;
	t->nlen = j - (i + 1);
	return j < len ? j + 1 : len;
}

/*
 * A number opens at i (a digit, or '.' before one). SQLite 3.40 ends a
 * hex literal at its last hex digit; anything else takes the identifier
 * bytes after it into the same (then illegal) token.
 */
static size_t
keyword_number(const char *sql, size_t len, size_t i)
{
	if (sql[i] == '0' && (keyword_at(sql, len, i + 1) | 0x20) == 'x' &&
	    keyword_is_xdigit(keyword_at(sql, len, i + 2))) {
		for (i += 3; keyword_is_xdigit(keyword_at(sql, len, i)); i++)
			;
		return i;
	}
	while (keyword_is_digit(keyword_at(sql, len, i)))
		i++;
	if (keyword_at(sql, len, i) == '.')
		for (i++; keyword_is_digit(keyword_at(sql, len, i)); i++)
			;
	if ((keyword_at(sql, len, i) | 0x20) == 'e' &&
	    (keyword_is_digit(keyword_at(sql, len, i + 1)) ||
	    ((keyword_at(sql, len, i + 1) == '+' ||
	    keyword_at(sql, len, i + 1) == '-') &&
	    keyword_is_digit(keyword_at(sql, len, i + 2)))))
		for (i += 2; keyword_is_digit(keyword_at(sql, len, i)); i++)
			;
	while (i < len && keyword_is_idchar((unsigned char)sql[i]))
		i++;
	return i;
}

/*
 * A variable opens at i with $ @ : or #: identifier bytes, Tcl's "::"
 * separators, and a "(...)" suffix that runs to a space or ')' whatever
 * it holds (quotes included).
 */
static size_t
keyword_variable(const char *sql, size_t len, size_t i)
{
	size_t n = 0;
	unsigned char c;

	for (i++; i < len; i++) {
		c = (unsigned char)sql[i];
		if (keyword_is_idchar(c)) {
			n++;
		} else if (c == '(' && n > 0) {
			for (i++; i < len && !keyword_is_space(
			    (unsigned char)sql[i]) && sql[i] != ')'; i++)
				;
			return i < len && sql[i] == ')' ? i + 1 : i;
		} else if (c == ':' && keyword_at(sql, len, i + 1) == ':') {
			i++;
		} else
			break;
	}
	return i;
}

/* One token that starts with a punctuation or illegal byte, at i. */
static size_t
keyword_punct(const char *sql, size_t len, size_t i, struct keyword_tok *t)
{
	t->type = KEYWORD_TK_OTHER;
	switch (sql[i]) {
	case '\'': case '"': case '`': case '[':
		return keyword_quoted(sql, len, i, t);
	case '(':
		t->type = KEYWORD_TK_LP;
		break;
	case ')':
		t->type = KEYWORD_TK_RP;
		break;
	case ';':
		t->type = KEYWORD_TK_SEMI;
		break;
	case ',':
		t->type = KEYWORD_TK_COMMA;
		break;
	case '.':
		if (keyword_is_digit(keyword_at(sql, len, i + 1)))
			return keyword_number(sql, len, i);
		t->type = KEYWORD_TK_DOT;
		break;
	case '?':
		for (i++; keyword_is_digit(keyword_at(sql, len, i)); i++)
			;
		return i;
	case '$': case '@': case ':': case '#':
		return keyword_variable(sql, len, i);
	}
	return i + 1;
}

/*
 * Cut the token that starts at or after i (past blanks) into *t; return
 * the index just past it.
 */
static size_t
keyword_next(const char *sql, size_t len, size_t i, struct keyword_tok *t)
{
	unsigned char c;

	i = keyword_skip_blank(sql, len, i);
	if (i >= len) {
		t->type = KEYWORD_TK_END;
		return len;
	}
	c = (unsigned char)sql[i];
	if (!keyword_is_idchar(c) || c == '$')
		return keyword_punct(sql, len, i, t);
	if (keyword_is_digit(c)) {
		t->type = KEYWORD_TK_OTHER;
		return keyword_number(sql, len, i);
	}
	if ((c | 0x20) == 'x' && keyword_at(sql, len, i + 1) == '\'') {
		/* A blob runs to the next quote: no '' escape in x'...'. */
		for (i += 2; i < len && sql[i] != '\''; i++)
			;
		t->type = KEYWORD_TK_OTHER;
		return i < len ? i + 1 : len;
	}
	t->type = KEYWORD_TK_WORD;
	t->name = i;
	while (i < len && keyword_is_idchar((unsigned char)sql[i]))
		i++;
	t->nlen = i - t->name;
	return i;
}

static const struct keyword_word *
keyword_lookup(const char *w, size_t n)
{
	const struct keyword_word *k;
	unsigned char c0;

	if (n < 2 || n > 14)
		return NULL;
	c0 = keyword_lower((unsigned char)w[0]);
	for (k = keyword_words; k < keyword_words + nitems(keyword_words); k++)
		if (k->len == n && (unsigned char)k->name[0] == c0 &&
		    keyword_eq(w, n, k->name, n))
			return k;
	return NULL;
}

/* Does the name start with fts5_? Then its reported name, else NULL. */
static const char *
keyword_fts5(const char *w, size_t n)
{
	size_t i, plen = sizeof(KEYWORD_FTS5_PREFIX) - 1;

	if (n < plen || !keyword_eq(w, plen, KEYWORD_FTS5_PREFIX, plen))
		return NULL;
	for (i = 0; i < nitems(keyword_fts5_names); i++)
		if (keyword_eq(w, n, keyword_fts5_names[i],
		    strlen(keyword_fts5_names[i])))
			return keyword_fts5_names[i];
	return KEYWORD_FTS5_ANY;
}

/* Is the next token '('? */
static int
keyword_called(const struct keyword_state *st)
{
	size_t i = keyword_skip_blank(st->sql, st->len, st->pos);

	return i < st->len && st->sql[i] == '(';
}

/* Does the next token name the temp schema (VACUUM temp)? */
static int
keyword_temp_follows(const struct keyword_state *st)
{
	struct keyword_tok t;

	keyword_next(st->sql, st->len, st->pos, &t);
	return (t.type == KEYWORD_TK_WORD || t.type == KEYWORD_TK_ID ||
	    t.type == KEYWORD_TK_STRING) &&
	    keyword_eq(st->sql + t.name, t.nlen, "temp", 4);
}

/*
 * Judge a name token against the denylist, given whether it is in
 * statement and in name position. Returns the name to report, or NULL.
 */
static const char *
keyword_denied(const struct keyword_state *st, const struct keyword_tok *t,
    const struct keyword_word *k, int stmt, int name)
{
	const char *fts5;
	int quoted_or_word = t->type != KEYWORD_TK_STRING;

	if (k == NULL) {
		if (quoted_or_word && !name &&
		    (fts5 = keyword_fts5(st->sql + t->name, t->nlen)) != NULL &&
		    keyword_called(st))
			return fts5;
		return NULL;
	}
	switch (k->kind) {
	case KEYWORD_STMT:
		return stmt && quoted_or_word ? k->canon : NULL;
	case KEYWORD_VACUUM:
		return stmt && quoted_or_word && !st->explain &&
		    !keyword_temp_follows(st) ? k->canon : NULL;
	case KEYWORD_NAME:
		return k->canon;
	case KEYWORD_CALL:
		return quoted_or_word && !name && keyword_called(st) ?
		    k->canon : NULL;
	default:
		return NULL;
	}
}

/* An unquoted keyword's effect on the state (already cleared). */
static void
keyword_structure(struct keyword_state *st, enum keyword_kind kind,
    int stmt, enum keyword_cte cte)
{
	switch (kind) {
	case KEYWORD_EXPLAIN:
		st->explain |= stmt;
		st->stmt = stmt;
		break;
	case KEYWORD_PREFIX:
		st->stmt = stmt;
		break;
	case KEYWORD_NAMECTX:
		st->name = 1;
		break;
	case KEYWORD_INTO:
		st->name = !st->vacuum;
		break;
	case KEYWORD_AS:
		st->name = 1;
		if (cte == KEYWORD_CTE_NAMED || cte == KEYWORD_CTE_COLS)
			st->cte = KEYWORD_CTE_AS;
		break;
	case KEYWORD_INDEX:
		st->index = 1;
		break;
	case KEYWORD_ON:
		st->name = st->index;
		st->index = 0;
		break;
	case KEYWORD_WITH:
		st->cte = KEYWORD_CTE_NAME;
		break;
	case KEYWORD_NOT:
	case KEYWORD_MATERIALIZED:
		if (cte == KEYWORD_CTE_AS)
			st->cte = KEYWORD_CTE_AS;
		break;
	default:
		break;
	}
}

/* '(' at the current depth: remember what it opens. */
static void
keyword_open(struct keyword_state *st, enum keyword_cte cte)
{
	uint64_t bit;

	if (st->depth < KEYWORD_MAX_DEPTH) {
		bit = (uint64_t)1 << st->depth;
		st->cols = cte == KEYWORD_CTE_NAMED ? st->cols | bit :
		    st->cols & ~bit;
		st->body = cte == KEYWORD_CTE_AS ? st->body | bit :
		    st->body & ~bit;
	}
	st->depth++;
}

/* ')': back at the outer depth, after a CTE's column list or body? */
static void
keyword_close(struct keyword_state *st)
{
	uint64_t bit;

	if (st->depth == 0)
		return;
	st->depth--;
	if (st->depth >= KEYWORD_MAX_DEPTH)
		return;
	bit = (uint64_t)1 << st->depth;
	if (st->cols & bit)
		st->cte = KEYWORD_CTE_COLS;
	else if (st->body & bit)
		st->cte = KEYWORD_CTE_BODY;
}

/* A new statement: nothing carries over ';'. */
static void
keyword_reset(struct keyword_state *st)
{
	st->depth = 0;
	st->cols = st->body = 0;
	st->cte = KEYWORD_CTE_NONE;
	st->stmt = 1;
	st->name = st->index = st->vacuum = st->explain = 0;
}

/* A name token (word, quoted identifier or string). */
static const char *
keyword_name(struct keyword_state *st, const struct keyword_tok *t,
    int stmt, int name, enum keyword_cte cte)
{
	const struct keyword_word *k;
	const char *hit;

	k = keyword_lookup(st->sql + t->name, t->nlen);
	if ((hit = keyword_denied(st, t, k, stmt, name)) != NULL)
		return hit;
	if (cte == KEYWORD_CTE_NAME) {
		/* The CTE's name, whatever it spells (view is one). */
		if (t->type == KEYWORD_TK_WORD && k != NULL &&
		    k->kind == KEYWORD_RECURSIVE)
			st->cte = KEYWORD_CTE_NAME;
		else
			st->cte = KEYWORD_CTE_NAMED;
	} else if (t->type == KEYWORD_TK_WORD && k != NULL) {
		if (stmt && k->kind == KEYWORD_VACUUM)
			st->vacuum = 1;
		keyword_structure(st, k->kind, stmt, cte);
	}
	return NULL;
}

/* Judge the token t (just cut; st->pos is past it); update the state. */
static const char *
keyword_step(struct keyword_state *st, const struct keyword_tok *t)
{
	enum keyword_cte cte = st->cte;
	int stmt = st->stmt;
	int name = st->name || cte == KEYWORD_CTE_NAME;

	st->stmt = st->name = 0;
	st->cte = KEYWORD_CTE_NONE;
	switch (t->type) {
	case KEYWORD_TK_WORD:
	case KEYWORD_TK_ID:
	case KEYWORD_TK_STRING:
		return keyword_name(st, t, stmt, name, cte);
	case KEYWORD_TK_LP:
		keyword_open(st, cte);
		break;
	case KEYWORD_TK_RP:
		keyword_close(st);
		break;
	case KEYWORD_TK_SEMI:
		keyword_reset(st);
		break;
	case KEYWORD_TK_COMMA:
		if (cte == KEYWORD_CTE_BODY)
			st->cte = KEYWORD_CTE_NAME;
		break;
	case KEYWORD_TK_DOT:
		st->name = 1;
		break;
	default:
		break;
	}
	return NULL;
}

const char *
keyword_scan(const char *sql, size_t len)
{
	struct keyword_state st;
	struct keyword_tok t;
	const char *hit;

	if (sql == NULL)
		return NULL;
	memset(&st, 0, sizeof(st));
	st.sql = sql;
	st.len = len;
	keyword_reset(&st);
	for (;;) {
		st.pos = keyword_next(sql, len, st.pos, &t);
		if (t.type == KEYWORD_TK_END)
			return NULL;
		if ((hit = keyword_step(&st, &t)) != NULL)
			return hit;
	}
}
