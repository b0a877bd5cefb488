/*
 * test_keyword.c: the comment- and string-aware forbidden-word scan.
 * Each case is SQL text and the name it must trip on (NULL: it must not).
 * Lengths are explicit, so cases may hold bytes SQLite would never see.
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

static void
test_trips(void)
{
	static const struct kw_case cases[] = {
		{ "ATTACH 'x' AS y", "ATTACH" },
		{ "/* x */ ATTACH", "ATTACH" },
		{ "attach", "ATTACH" },
		{ "AtTaCh", "ATTACH" },
		{ "ATTACH DATABASE ':memory:' AS m", "ATTACH" },
		{ "select 1;attach 'x' as y", "ATTACH" },
		{ "select 1\n-- c\nattach 'x' as y", "ATTACH" },
		{ "select 1/*c*/attach", "ATTACH" },
		{ "DETACH y", "DETACH" },
		{ "detach database y", "DETACH" },
		{ "select load_extension('x')", "load_extension" },
		{ "SELECT LOAD_EXTENSION ('x')", "load_extension" },
		{ "select load_extension\t\r\n('x')", "load_extension" },
		{ "select readfile('/etc/passwd')", "readfile" },
		{ "select writefile('/tmp/x', 'y')", "writefile" },
		{ "select edit('x')", "edit" },
		{ "edit /**/ (", "edit" },
		{ "select edit -- c\n('x')", "edit" },
		{ "select * from zipfile('a.zip')", "zipfile" },
		{ "select unzip('a')", "unzip" },
		{ "select * from sqlite_dbpage", "sqlite_dbpage" },
		{ "SELECT * FROM SQLITE_DBPAGE('main')", "sqlite_dbpage" },
		{ "SELECT fts5_source_id()", "fts5_source_id" },
		{ "select FTS5_DECODE(1, x'00')", "fts5_decode" },
		{ "select fts5_whatever(1)", "fts5_*" },
		{ "select 'it''s', attach", "ATTACH" },
		{ "select \"a\"\"b\" attach", "ATTACH" },
		{ "select 'a\\' attach '", "ATTACH" },	/* no \ escapes */
		{ "select [a]]attach", "ATTACH" },	/* no ]] escape */
		{ "select x from t where edit(x)", "edit" },
		{ "select 1 from a join b on readfile(b.x)", "readfile" },
		{ "insert into t values (edit('x'))", "edit" },
		{ "insert into edit(a) values (edit(1))", "edit" },
		{ "select x in readfile('a') from t", "readfile" },
		{ "create table t(a); select edit(a) from t", "edit" },
		{ "create index i on t(a); select 1 from t join u on edit(1)",
		    "edit" },
		{ "select 1 -- no newline then\nDETACH", "DETACH" },
		{ "select x'00' attach", "ATTACH" },
		{ "select 1.5 attach", "ATTACH" },
		{ "ATTACH /* unterminated", "ATTACH" },
		{ "select \xc3\xa9, attach", "ATTACH" },
	};

	KW_RUN(cases);
}

static void
test_passes(void)
{
	static const struct kw_case cases[] = {
		{ "SELECT 'attach'", NULL },
		{ "SELECT \"attach\"", NULL },
		{ "SELECT \"ATTACH\" FROM t", NULL },
		{ "select edit from t", NULL },
		{ "CREATE TABLE t(edit TEXT)", NULL },
		{ "update t set edit = 1 where edit > 0", NULL },
		{ "-- attach\nselect 1", NULL },
		{ "/* ATTACH */ select 1", NULL },
		{ "select attached from t", NULL },
		{ "select x_attach", NULL },
		{ "select attach_x, attach$", NULL },
		{ "select attach\xc3\xa9", NULL },
		{ "CREATE VIRTUAL TABLE f USING fts5(body)", NULL },
		{ "CREATE VIRTUAL TABLE v USING fts5vocab(f, row)", NULL },
		{ "select * from fts5_data", NULL },
		{ "select fts5 from t", NULL },
		{ "select [attach]", NULL },
		{ "select `attach`", NULL },
		{ "select `a``attach`", NULL },
		{ "select 'it''s attach'", NULL },
		{ "select \"it\"\"s attach\"", NULL },
		{ "select 'unterminated attach", NULL },
		{ "select \"unterminated attach", NULL },
		{ "select [unterminated attach", NULL },
		{ "select `unterminated attach", NULL },
		{ "select 1 /* unterminated attach", NULL },
		{ "select 1 -- attach", NULL },
		{ "select 1 /* a */ /* attach */", NULL },
		{ "select edit /* ( */ from t", NULL },
		{ "select edit -- (\n from t", NULL },
		{ "select 'edit(' ", NULL },
		{ "select :attach, @detach, $edit, #readfile, ?1", NULL },
		{ "select :edit('x')", NULL },	/* a parameter, not a call */
		{ "CREATE TABLE edit(a)", NULL },
		{ "CREATE TABLE IF NOT EXISTS readfile(a)", NULL },
		{ "create table main.edit(a)", NULL },
		{ "INSERT INTO edit(a) VALUES (1)", NULL },
		{ "insert into main.\"x\".edit(a) values (1)", NULL },
		{ "create table t(a references edit(x))", NULL },
		{ "create view edit(a) as select 1", NULL },
		{ "with edit(a) as (select 1) select a from edit", NULL },
		{ "with recursive zipfile(n) as (select 1) select 1", NULL },
		{ "create index i on edit(a)", NULL },
		{ "create unique index if not exists i on edit (a)", NULL },
		{ "insert into fts5_x(a) values (1)", NULL },
		{ "", NULL },
		{ "select", NULL },
		{ "-", NULL },
		{ "/", NULL },
		{ "/*", NULL },
		{ "'", NULL },
		{ "edit", NULL },
		{ "edit ", NULL },
		{ "edit /* (", NULL },
		{ "select $", NULL },
		{ "select\xff\xfe", NULL },
	};

	KW_RUN(cases);
}

/* The scan honours len: bytes past it are never read or matched. */
static void
test_length(void)
{
	const char s[] = "select 1; attach 'x' as y";
	const char e[] = "select edit('x')";

	CHECK(keyword_scan(s, 9) == NULL);
	CHECK_STR(keyword_scan(s, sizeof(s) - 1), "ATTACH");
	CHECK(keyword_scan(s, 13) == NULL);	/* "atta" */
	CHECK(keyword_scan(e, 11) == NULL);	/* "edit" without "(" */
	CHECK_STR(keyword_scan(e, 12), "edit");
	CHECK(keyword_scan(NULL, 0) == NULL);
}

/* Bytes an HTTP body may carry (NUL included) do not confuse the scan. */
static void
test_binary(void)
{
	const char a[] = "select 1\0attach";
	const char b[] = "select '\0' attach";
	const char c[] = "select \0'attach";

	CHECK_STR(keyword_scan(a, sizeof(a) - 1), "ATTACH");
	CHECK_STR(keyword_scan(b, sizeof(b) - 1), "ATTACH");
	CHECK(keyword_scan(c, sizeof(c) - 1) == NULL);
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

UNIT_MAIN(test_trips, test_passes, test_length, test_binary, test_long)
