/*
 * test_keyword.c: the token-aware forbidden-word scan.
 * Each case is SQL text and the name it must trip on (NULL: it must not).
 * Lengths are explicit, so cases may hold bytes SQLite would never see.
 * Every harmless case here was also run on SQLite 3.40.1 and runs there;
 * every refused form is one SQLite would run (or a syntax error).
 */
#include <string.h>

#include "keyword.h"
#include "unit.h"

struct kw_case {
	const char	*sql;
	const char	*want;
};

static void
kw_run(const struct kw_case *c, size_t n)
{
	const char *got;
	size_t i;

	for (i = 0; i < n; i++) {
		got = keyword_scan(c[i].sql, strlen(c[i].sql));
		if (c[i].want == NULL) {
			CHECK(got == NULL);
			if (got != NULL)
				fprintf(stderr, "  false trip %s on: %s\n",
				    got, c[i].sql);
		} else {
			CHECK_STR(got, c[i].want);
			if (got == NULL || strcmp(got, c[i].want) != 0)
				fprintf(stderr, "  on: %s\n", c[i].sql);
		}
	}
}

#define KW_RUN(cases)	kw_run(cases, sizeof(cases) / sizeof(cases[0]))

/* ATTACH, DETACH and VACUUM as statements, however written. */
static void
test_statements(void)
{
	static const struct kw_case cases[] = {
		{ "ATTACH 'x' AS y", "ATTACH" },
		{ "/* x */ ATTACH", "ATTACH" },
		{ "attach", "ATTACH" },
		{ "AtTaCh", "ATTACH" },
		{ "ATTACH DATABASE ':memory:' AS m", "ATTACH" },
		{ "select 1;attach 'x' as y", "ATTACH" },
		{ "select 1\n-- c\n;attach 'x' as y", "ATTACH" },
		{ "select 1;/*c*/attach", "ATTACH" },
		{ "select 1 -- ;\n;\n\t\r\f attach", "ATTACH" },
		{ "select 'a;'; attach", "ATTACH" },
		{ "select 'it''s';attach", "ATTACH" },
		{ ";;; ATTACH", "ATTACH" },
		{ "EXPLAIN ATTACH 'x' AS y", "ATTACH" },
		{ "explain query plan attach 'x' as y", "ATTACH" },
		{ "EXPLAIN /* c */ QUERY -- c\n PLAN ATTACH", "ATTACH" },
		{ "create table t(a); create trigger tr after insert on t "
		    "begin select 1; end; attach 'x' as y", "ATTACH" },
		{ "ATTACH /* unterminated", "ATTACH" },
		{ "\xef\xbb\xbf" "ATTACH 'x' AS y", "ATTACH" },	/* BOM */
		{ "select 1;\xef\xbb\xbf" "attach", "ATTACH" },
		{ "\v ATTACH", "ATTACH" },
		{ "select 1;\0attach", NULL },	/* strlen stops at the NUL */
		/* Quoted, SQLite reads an identifier: a syntax error here. */
		{ "\"ATTACH\" 'x' AS y", "ATTACH" },
		{ "[detach] y", "DETACH" },
		{ "DETACH y", "DETACH" },
		{ "detach database y", "DETACH" },
		{ "select 1; DeTaCh 'main'", "DETACH" },
		{ "VACUUM", "VACUUM" },
		{ "vacuum;", "VACUUM" },
		{ "VACUUM main", "VACUUM" },
		{ "VACUUM 'main'", "VACUUM" },
		{ "VACUUM INTO '/tmp/x.db'", "VACUUM" },
		{ "vacuum main into 'x'", "VACUUM" },
		{ "VACUUM nosuch INTO 'x'", "VACUUM" },
		{ "VACUUM /* temp */ main", "VACUUM" },
		{ "VACUUM temporary", "VACUUM" },
		{ "VACUUM tempx", "VACUUM" },
		{ "create table t(x); vacuum", "VACUUM" },
		/* VACUUM temp's INTO is an expression: calls in it trip. */
		{ "VACUUM temp INTO readfile('x')", "readfile" },
	};

	KW_RUN(cases);
}

/* The same words as names: columns, aliases, tables, CTEs, strings. */
static void
test_statement_words_as_names(void)
{
	static const struct kw_case cases[] = {
		{ "CREATE TABLE emails(id, subject, attach BLOB)", NULL },
		{ "INSERT INTO emails(id, attach) VALUES (1, x'00')", NULL },
		{ "SELECT attach FROM emails WHERE attach IS NOT NULL", NULL },
		{ "UPDATE emails SET attach = NULL", NULL },
		{ "SELECT 1 AS detach", NULL },
		{ "SELECT 1 detach", NULL },
		{ "SELECT 1 AS vacuum, 2 AS attach", NULL },
		{ "CREATE TABLE vacuum(attach, detach)", NULL },
		{ "CREATE TABLE attach(x); SELECT * FROM attach", NULL },
		{ "CREATE TABLE \"attach\"(x)", NULL },
		{ "WITH attach AS (SELECT 1) SELECT * FROM attach", NULL },
		{ "WITH a AS (SELECT 1), detach AS (SELECT 2) "
		    "SELECT * FROM detach", NULL },
		{ "SELECT e.attach FROM emails e", NULL },
		{ "SELECT count(attach), max(detach) FROM t", NULL },
		{ "SELECT attach(1)", NULL },	/* no such function */
		{ "SELECT 'attach'", NULL },
		{ "SELECT \"attach\"", NULL },
		{ "SELECT \"ATTACH\" FROM t", NULL },
		{ "SELECT 'ATTACH DATABASE x AS y; DETACH y'", NULL },
		{ "-- attach\nselect 1", NULL },
		{ "/* ATTACH */ select 1", NULL },
		{ "select attached from t", NULL },
		{ "select x_attach", NULL },
		{ "select [attach]", NULL },
		{ "select `attach`", NULL },
		{ "select `a``attach`", NULL },
		{ "select 'it''s attach'", NULL },
		{ "select 1 -- ;attach", NULL },
		{ "select 1 /* ; attach */", NULL },
		{ "select ';' attach", NULL },
		{ "select x'00' attach", NULL },
		{ "VACUUM temp", NULL },
		{ "vacuum TEMP", NULL },
		{ "VACUUM \"temp\"", NULL },
		{ "VACUUM [Temp]", NULL },
		{ "VACUUM 'temp'", NULL },
		{ "VACUUM /* c */ temp INTO '/tmp/x.db'", NULL },
		{ "EXPLAIN VACUUM temp", NULL },
		/* compiled, never run: no ATTACH happens (authorizer: 200) */
		{ "EXPLAIN VACUUM", NULL },
		{ "explain query plan vacuum into '/tmp/x.db'", NULL },
		{ "EXPLAIN VACUUM INTO readfile('x')", "readfile" },
		{ "explain select 1; vacuum", "VACUUM" },
		{ "select 1 explain; vacuum", "VACUUM" },
		{ "select explain; vacuum", "VACUUM" },
		{ "SELECT vacuum FROM t", NULL },
		{ "PRAGMA auto_vacuum", NULL },
		{ "PRAGMA incremental_vacuum(5)", NULL },
	};

	KW_RUN(cases);
}

/* The call-only names, called, however quoted and spaced. */
static void
test_calls(void)
{
	static const struct kw_case cases[] = {
		{ "select load_extension('x')", "load_extension" },
		{ "SELECT LOAD_EXTENSION ('x')", "load_extension" },
		{ "select load_extension\t\r\n('x')", "load_extension" },
		{ "select load_extension\f('x')", "load_extension" },
		{ "select load_extension \v('x')", "load_extension" },
		{ "select load_extension \xef\xbb\xbf('x')", "load_extension" },
		{ "select load_extension/**/('x')", "load_extension" },
		{ "select load_extension /* ( */ -- )\n ('x')",
		    "load_extension" },
		{ "SELECT \"load_extension\"('x')", "load_extension" },
		{ "SELECT \"LOAD_extension\" ('x')", "load_extension" },
		{ "SELECT \"load_extension\" /* c */ ('x')", "load_extension" },
		{ "SELECT `load_extension`('x')", "load_extension" },
		{ "SELECT [load_extension]('x')", "load_extension" },
		{ "SELECT [load_extension]--c\n('x')", "load_extension" },
		{ "select readfile('/etc/passwd')", "readfile" },
		{ "select `readfile`(1)", "readfile" },
		{ "select \"ReadFile\"(1)", "readfile" },
		{ "select writefile('/tmp/x', 'y')", "writefile" },
		{ "select [writefile]('/tmp/x', 'y')", "writefile" },
		{ "select edit('x')", "edit" },
		{ "select \"edit\"('x')", "edit" },
		{ "edit /**/ (", "edit" },
		{ "select edit -- c\n('x')", "edit" },
		{ "select * from zipfile('a.zip')", "zipfile" },
		{ "select * from `zipfile`('a.zip')", "zipfile" },
		{ "select unzip('a')", "unzip" },
		{ "select [unzip]('a')", "unzip" },
		{ "SELECT fts5_source_id()", "fts5_source_id" },
		{ "SELECT [fts5_source_id]()", "fts5_source_id" },
		{ "SELECT \"FTS5_SOURCE_ID\" ( )", "fts5_source_id" },
		{ "select FTS5_DECODE(1, x'00')", "fts5_decode" },
		{ "select fts5_whatever(1)", "fts5_*" },
		{ "select `fts5_x``y`(1)", "fts5_*" },
		{ "select x from t where edit(x)", "edit" },
		{ "select 1 from a join b on readfile(b.x)", "readfile" },
		{ "insert into t values (edit('x'))", "edit" },
		{ "insert into edit(a) values (edit(1))", "edit" },
		{ "insert into t(a) select edit(1)", "edit" },
		{ "select x in readfile('a') from t", "readfile" },
		{ "create table t(a); select edit(a) from t", "edit" },
		{ "create index i on t(a); select 1 from t join u on edit(1)",
		    "edit" },
		{ "create index i on t(edit(a))", "edit" },
		{ "create index i on t(a) where edit(a)", "edit" },
		{ "select edit(x) over () from t", "edit" },
		{ "select edit(x) filter (where x) over w from t "
		    "window w as (order by x)", "edit" },
		{ "select count(*) over (order by readfile(x)) from t",
		    "readfile" },
		{ "select 1 from t group by edit(1)", "edit" },
		{ "select 1 order by edit(1)", "edit" },
		{ "select 1 limit edit(1)", "edit" },
		{ "select case edit(1) when edit(2) then 1 end", "edit" },
		{ "select not edit(1)", "edit" },
		{ "select exists (select edit(1))", "edit" },
		{ "select cast(edit(1) as int)", "edit" },
		{ "select 1 as a, edit(1) as b", "edit" },
		{ "select (1), edit(1)", "edit" },
		{ "select -edit(1), +edit(2)", "edit" },
		{ "select 1||edit(1)", "edit" },
		{ "insert into t values (1) returning edit(a)", "edit" },
		{ "update t set a = edit(1)", "edit" },
		{ "create view v as select edit(1)", "edit" },
		{ "create table t as select edit(1)", "edit" },
		{ "create table t(a default (edit(1)))", "edit" },
		{ "create table t(a check (edit(a)))", "edit" },
		{ "create table t(a, b as (edit(a)))", "edit" },
		{ "create table t(a, b generated always as (edit(a)))", "edit" },
		{ "create trigger tr after insert on t begin "
		    "select edit(1); end", "edit" },
		{ "pragma readfile(1)", "readfile" },
		{ "select \xc3\xa9, edit(1)", "edit" },
		{ "select x'00', edit(1)", "edit" },
		{ "select 1.5e3, edit(1)", "edit" },
		{ "select 0x1f, edit(1)", "edit" },
		{ "select .5, edit(1)", "edit" },
	};

	KW_RUN(cases);
}

/* The call-only names where they are not calls. */
static void
test_call_names(void)
{
	static const struct kw_case cases[] = {
		{ "select edit from t", NULL },
		{ "CREATE TABLE t(edit TEXT, printf INT, readfile)", NULL },
		{ "SELECT printf FROM t", NULL },
		{ "update t set edit = 1 where edit > 0", NULL },
		{ "select edit /* ( */ from t", NULL },
		{ "select edit -- (\n from t", NULL },
		{ "select 'edit(' ", NULL },
		{ "SELECT 'load_extension(1)'", NULL },
		{ "SELECT 'load_extension'('x')", NULL },	/* syntax error */
		{ "SELECT 'load_extension(1)', 'readfile', 'zipfile'", NULL },
		{ "CREATE TABLE edit(a)", NULL },
		{ "CREATE TABLE 'edit'(a)", NULL },
		{ "CREATE TABLE \"readfile\"(a)", NULL },
		{ "CREATE TABLE IF NOT EXISTS readfile(a)", NULL },
		{ "create temp table edit(a)", NULL },
		{ "create temporary table if not exists zipfile(a)", NULL },
		{ "create table main.edit(a)", NULL },
		{ "create table \"main\".[edit](a)", NULL },
		{ "INSERT INTO edit(a) VALUES (1)", NULL },
		{ "insert or replace into unzip(a) values (1)", NULL },
		{ "replace into `edit`(a) values (1)", NULL },
		{ "insert into main.\"x\".edit(a) values (1)", NULL },
		{ "create table t(a references edit(x))", NULL },
		{ "create table t(a, foreign key(a) references [edit] (x))",
		    NULL },
		{ "create view edit(a) as select 1", NULL },
		{ "create view if not exists edit(a) as select 1", NULL },
		{ "with edit(a) as (select 1) select a from edit", NULL },
		{ "with recursive zipfile(n) as (select 1) select 1", NULL },
		{ "WITH a AS (SELECT 1), edit AS (SELECT 2) SELECT * FROM edit",
		    NULL },
		{ "WITH a AS (SELECT 1), edit(x) AS (SELECT 2) "
		    "SELECT * FROM edit", NULL },
		{ "with a(x) as (select 1), b as (select 2), "
		    "readfile(y, z) as (select 3, 4) select * from readfile",
		    NULL },
		{ "with a as materialized (select 1), "
		    "edit(x) as not materialized (select 2) select 1", NULL },
		{ "with \"a\" as (select (1)), \"edit\"(x) as (select 2) "
		    "select 1", NULL },
		{ "with 'a' as (select 1), 'edit'(x) as (select 2) select 1",
		    NULL },
		{ "with a as (with b as (select 1), edit(x) as (select 2) "
		    "select * from edit), unzip(y) as (select 3) select 1",
		    NULL },
		{ "insert into t(a) with a as (select 1), edit(x) as "
		    "(select 2) select * from edit", NULL },
		{ "create index i on edit(a)", NULL },
		{ "create unique index if not exists i on edit (a)", NULL },
		{ "create index \"i\" on [readfile](a)", NULL },
		{ "create virtual table v using edit(a)", NULL },
		{ "CREATE VIRTUAL TABLE f USING fts5(body)", NULL },
		{ "CREATE VIRTUAL TABLE v USING fts5vocab(f, row)", NULL },
		{ "CREATE VIRTUAL TABLE f USING fts5(edit, readfile)", NULL },
		{ "select * from fts5_data", NULL },
		{ "select fts5 from t", NULL },
		{ "insert into fts5_x(a) values (1)", NULL },
		{ "select cast(1 as edit(3))", NULL },	/* a type name */
		{ "select sum(a) over edit from t window edit as (order by a)",
		    NULL },
		{ "select sum(a) over (edit order by a) from t "
		    "window edit as (partition by b)", NULL },
		/* Not valid SQL (no schema-qualified functions), no crash. */
		{ "select main.printf('%d', 1)", NULL },
		{ "select main.load_extension('x')", NULL },
		{ "select t.edit(1)", NULL },
		{ "select :edit('x')", NULL },	/* one variable token */
		{ "select $edit('x')", NULL },
		{ "select @a::edit('x')", NULL },
		{ "select :attach, @detach, $edit, #readfile, ?1", NULL },
		{ "PRAGMA table_info(edit)", NULL },
		{ "SELECT * FROM pragma_table_info('edit')", NULL },
		{ "edit", NULL },
		{ "edit ", NULL },
		{ "edit /* (", NULL },
		{ "select edit", NULL },
	};

	KW_RUN(cases);
}

/*
 * WITH and AS are keywords only where SQLite reads them so: WITH is also
 * a column name, and the ',' after it separates result columns.
 */
static void
test_with_shapes(void)
{
	static const struct kw_case cases[] = {
		{ "SELECT with, load_extension('x') FROM t", "load_extension" },
		{ "SELECT 1 with, edit(1)", "edit" },
		{ "SELECT count(*) with, edit(1) FROM t", "edit" },
		{ "SELECT a AS with, edit(1) FROM t", "edit" },
		{ "with a as (select 1) select x, edit(1) from a", "edit" },
		{ "with a as (select 1) select (1), edit(1) from a", "edit" },
		{ "with a as (select edit(1)) select 1", "edit" },
		{ "with edit(a) as (select 1) select edit(1)", "edit" },
		{ "with a(x) as (select 1) select 1, edit(1)", "edit" },
		{ "with a as (select 1) select * from a, edit(1)", "edit" },
		{ "with a as (select 1), b as (select 2) values (1), (edit(1))",
		    "edit" },
		{ "select (with a as (select 1) select 1), edit(1)", "edit" },
		{ "select f(a) as (1), edit(1)", "edit" },
		{ "select f(x) as x, edit(1) from t", "edit" },
		{ "select a as not, edit(1)", "edit" },
		{ "with a as (select 1); select 1, edit(1)", "edit" },
		{ "create table g(with as (1), b default (edit(1)))", "edit" },
		{ "select * from t window w as (order by a), edit(1)", "edit" },
	};

	KW_RUN(cases);
}

/* Where SQLite's tokens end: what hides a word and what does not. */
static void
test_tokens(void)
{
	static const struct kw_case cases[] = {
		/* x'' is a whole blob; the next quote opens a string */
		{ "SELECT x'' '', load_extension('x')", "load_extension" },
		{ "SELECT x'''', load_extension('x')", "load_extension" },
		{ "SELECT X'41''', edit(1)", "edit" },
		{ "SELECT X'41'', edit(1) '", NULL },
		{ "SELECT x'41'", NULL },
		/* a Tcl variable's (...) swallows a quote */
		{ "SELECT $a(\") , load_extension('x') --\")",
		    "load_extension" },
		{ "SELECT :a::b(\"x) , edit(1) --\")", "edit" },
		{ "SELECT $a(x y), edit(1)", "edit" },
		{ "SELECT $(\"), edit(1) --\")", NULL },
		/* ? takes digits only: the word after it is a name */
		{ "SELECT ?edit('x')", "edit" },
		{ "SELECT ?1edit('x')", "edit" },
		/* a number takes the identifier bytes after it... */
		{ "select 1edit('x')", NULL },
		{ "select 1.5edit('x')", NULL },
		{ "select 1e5edit('x')", NULL },
		/* ...except a 3.40 hex literal, and an incomplete exponent */
		{ "select 0x1fz, edit(1)", "edit" },
		{ "select 0x1Fedit(1)", NULL },	/* 0x1Fed then "it" */
		{ "select 1e+edit(1)", "edit" },	/* "1e" then + edit( */
		/* quotes and comments hide, escapes as SQLite's */
		{ "select 'a\\' edit(1) '", "edit" },	/* no \ escapes */
		{ "select [a]]edit(1)", "edit" },	/* no ]] escape */
		{ "select [a]]', edit(1)'", NULL },
		{ "select \"a\"\"edit(1)\"", NULL },
		{ "select `a``edit(1)`", NULL },
		{ "select 'a''edit(1)'", NULL },
		{ "select 1 /*/ edit(1) */", NULL },	/* no end at its '/' */
		{ "select 1 /**/ , edit(1)", "edit" },
		{ "select 1 -- edit(1)\r edit(2)", NULL },	/* CR: no end */
		{ "select 1 -- x\n, edit(2)", "edit" },
		{ "select 1 -/* c */- edit(1)", "edit" },
		/* BOM only at a token's start; U+00A0 is identifier bytes */
		{ "select edit\xef\xbb\xbf('x')", NULL },
		{ "select edit\xc2\xa0('x')", NULL },
		{ "select \xef\xbb\xbf" "edit('x')", "edit" },
		{ "select 'unterminated edit(1)", NULL },
		{ "select \"unterminated edit(1)", NULL },
		{ "select [unterminated edit(1)", NULL },
		{ "select `unterminated edit(1)", NULL },
		{ "select x'unterminated edit(1)", NULL },
		{ "select 1 /* unterminated edit(1)", NULL },
		{ "select $a(unterminated", NULL },
		{ "", NULL },
		{ "select", NULL },
		{ "-", NULL },
		{ "/", NULL },
		{ "/*", NULL },
		{ "'", NULL },
		{ "x", NULL },
		{ "x'", NULL },
		{ "$", NULL },
		{ "0x", NULL },
		{ "1e", NULL },
		{ ".", NULL },
		{ "select $", NULL },
		{ "select\xff\xfe", NULL },
		{ "\xef\xbb", NULL },
		{ ")))))((((", NULL },
	};

	KW_RUN(cases);
}

/* sqlite_dbpage is the table: refused wherever it is a token. */
static void
test_dbpage(void)
{
	static const struct kw_case cases[] = {
		{ "select * from sqlite_dbpage", "sqlite_dbpage" },
		{ "SELECT * FROM SQLITE_DBPAGE('main')", "sqlite_dbpage" },
		{ "SELECT * FROM \"sqlite_dbpage\"", "sqlite_dbpage" },
		{ "SELECT * FROM [sqlite_dbpage]", "sqlite_dbpage" },
		{ "SELECT * FROM 'sqlite_dbpage'", "sqlite_dbpage" },
		{ "SELECT * FROM main.sqlite_dbpage", "sqlite_dbpage" },
		{ "UPDATE sqlite_dbpage SET data = x'00'", "sqlite_dbpage" },
		{ "select sqlite_dbpage", "sqlite_dbpage" },
		{ "select * from sqlite_dbpages", NULL },
		{ "select 'sqlite_dbpage is a table'", NULL },
	};

	KW_RUN(cases);
}

/* The scan honours len: bytes past it are never read or matched. */
static void
test_length(void)
{
	const char s[] = "select 1; attach 'x' as y";
	const char e[] = "select edit('x')";
	const char v[] = "vacuum temp";

	CHECK(keyword_scan(s, 9) == NULL);
	CHECK_STR(keyword_scan(s, sizeof(s) - 1), "ATTACH");
	CHECK(keyword_scan(s, 13) == NULL);	/* "atta" */
	CHECK(keyword_scan(e, 11) == NULL);	/* "edit" without "(" */
	CHECK_STR(keyword_scan(e, 12), "edit");
	CHECK_STR(keyword_scan(v, 6), "VACUUM");
	CHECK_STR(keyword_scan(v, 10), "VACUUM");	/* "vacuum tem" */
	CHECK(keyword_scan(v, sizeof(v) - 1) == NULL);
	CHECK(keyword_scan(NULL, 0) == NULL);
}

/*
 * Bytes an HTTP body may carry (NUL included) do not confuse the scan.
 * SQLite stops at a NUL (and the front end refuses one); the scan reads
 * it as a blank, so it refuses rather than misses.
 */
static void
test_binary(void)
{
	const char a[] = "select 1;\0attach";
	const char b[] = "select '\0' ; attach";
	const char c[] = "select \0'attach";
	const char d[] = "select edit\0('x')";
	const char e[] = "select 1\0attach";

	CHECK_STR(keyword_scan(a, sizeof(a) - 1), "ATTACH");
	CHECK_STR(keyword_scan(b, sizeof(b) - 1), "ATTACH");
	CHECK(keyword_scan(c, sizeof(c) - 1) == NULL);
	CHECK_STR(keyword_scan(d, sizeof(d) - 1), "edit");
	CHECK(keyword_scan(e, sizeof(e) - 1) == NULL);
}

/* A long input is scanned whole and finds the word at its very end. */
static void
test_long(void)
{
	static char sql[100000];
	size_t n = sizeof(sql) - 6;

	memset(sql, ' ', n);
	memcpy(sql, "/*", 2);
	memcpy(sql + n - 2, "*/", 2);
	memcpy(sql + n, "attach", 6);
	CHECK_STR(keyword_scan(sql, sizeof(sql)), "ATTACH");
	CHECK(keyword_scan(sql, sizeof(sql) - 1) == NULL);
}

/*
 * Deep parentheses: CTE shapes are followed to depth 64 and forgotten
 * past it (a CTE named like a denied function then trips), and ')' past
 * '(' never underflows.
 */
static void
test_depth(void)
{
	static char sql[4096];
	static const char cte[] = "with a as (select 1), edit(x) as "
	    "(select 2) select 1";
	size_t d, n;

	for (d = 60; d <= 70; d++) {
		n = 0;
		memcpy(sql + n, "select ", 7);
		n += 7;
		memset(sql + n, '(', d);
		n += d;
		memcpy(sql + n, cte, sizeof(cte) - 1);
		n += sizeof(cte) - 1;
		memset(sql + n, ')', d);
		n += d;
		if (d + 1 <= 64)
			CHECK(keyword_scan(sql, n) == NULL);
		else
			CHECK_STR(keyword_scan(sql, n), "edit");
	}
	CHECK(keyword_scan("))) with a as (select 1), edit(x) as (select 2) "
	    "select 1", 56) == NULL);
}

UNIT_MAIN(test_statements, test_statement_words_as_names, test_calls,
    test_call_names, test_with_shapes, test_tokens, test_dbpage,
    test_length, test_binary, test_long, test_depth)
