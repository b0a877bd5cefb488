"""
test_policy.py: the SQL policy. The keyword layer (front end) and the
authorizer (executor) must deny what SECURITY-FACTS.md 1.5-1.6 lists, the
keyword layer must not trip on strings, comments or identifiers, SQLite's
limits must hold, and allowed features must keep working.

Each row: (sql, status, exact error or None, error prefix or None).
All run in one walk-in (with its session token) that holds table t and an
fts5 table ft; a few also run on create (no token).
"""

from harness import Group, check, eq, expect_error, expect_ok

g = Group("policy")

FB = "forbidden sql keyword: "
IS = "invalid sql: "
SETUP = ("CREATE TABLE t(x INTEGER, edit TEXT); INSERT INTO t VALUES(1, 'e'); "
	 "CREATE VIRTUAL TABLE ft USING fts5(body); INSERT INTO ft VALUES('hello world'); "
	 "CREATE VIRTUAL TABLE rt USING rtree(id, x0, x1)")

KEYWORD = [
	("ATTACH DATABASE '/tmp/bb.db' AS x", FB + "ATTACH"),
	("attach ':memory:' as m", FB + "ATTACH"),
	("/* x */ ATTACH 'file:/leak?vfs=memdb' AS m", FB + "ATTACH"),
	("SELECT 1; -- comment\nATTACH 'file:leak?mode=memory&cache=shared' AS m", FB + "ATTACH"),
	("SELECT 1;/**/ATTACH ':memory:' AS m", FB + "ATTACH"),
	("DETACH DATABASE main", FB + "DETACH"),
	("detach main", FB + "DETACH"),
	("SELECT load_extension('/tmp/x.so')", FB + "load_extension"),
	("SELECT LOAD_EXTENSION('/tmp/x.so', 'init')", FB + "load_extension"),
	("SELECT/**/load_extension('x')", FB + "load_extension"),
	("SELECT readfile('/etc/passwd')", FB + "readfile"),
	("SELECT writefile('/tmp/bb', 'x')", FB + "writefile"),
	("SELECT edit('x')", FB + "edit"),
	("SELECT * FROM sqlite_dbpage", FB + "sqlite_dbpage"),
	("SELECT * FROM zipfile('/tmp/x.zip')", FB + "zipfile"),
	("SELECT unzip('x')", FB + "unzip"),
]

# Refused by the keyword layer itself: the library has none of these
# functions (SQLite would answer "no such function"), or the form is one
# the authorizer never sees (VACUUM nosuch: "unknown database"), so this
# message can only come from the front end. Quoted names, comments
# between name and '(', a BOM, a Tcl variable hiding a quote.
KEYWORD_LAYER = [
	("SELECT \"readfile\"('/etc/passwd')", FB + "readfile"),
	("SELECT `readfile`(1)", FB + "readfile"),
	("SELECT [readfile]('x')", FB + "readfile"),
	("SELECT \"ReadFile\" /* c */ ('x')", FB + "readfile"),
	("SELECT [writefile]('/tmp/bb', 'x')", FB + "writefile"),
	("SELECT `edit`--c\n('x')", FB + "edit"),
	("SELECT edit/**/('x')", FB + "edit"),
	("SELECT * FROM \"zipfile\"('/tmp/x.zip')", FB + "zipfile"),
	("SELECT [unzip] ('x')", FB + "unzip"),
	("SELECT [fts5_decode](1, x'00')", FB + "fts5_decode"),
	("SELECT \"fts5_whatever\"()", FB + "fts5_*"),
	("SELECT edit \ufeff('x')", FB + "edit"),
	("SELECT $a(\") , readfile('/etc/passwd') --\")", FB + "readfile"),
	("SELECT x'' '', readfile('/etc/passwd')", FB + "readfile"),
	("VACUUM nosuch INTO '/tmp/walkind-bb-v.db'", FB + "VACUUM"),
	("SELECT * FROM \"sqlite_dbpage\"", FB + "sqlite_dbpage"),
]

# Quoted calls of functions the library has, and ATTACH hidden from the
# old scan: the authorizer would also refuse them, so these check that
# the keyword layer answers first (keyword_before_executor below).
KEYWORD_QUOTED = [
	("SELECT \"load_extension\"('x')", FB + "load_extension"),
	("SELECT `load_extension`('/tmp/x.so')", FB + "load_extension"),
	("SELECT [fts5_source_id]()", FB + "fts5_source_id"),
	("SELECT \"load_extension\" /* c */ ('x')", FB + "load_extension"),
	("\ufeffATTACH ':memory:' AS m", FB + "ATTACH"),
	("EXPLAIN QUERY PLAN ATTACH ':memory:' AS m", FB + "ATTACH"),
]

KEYWORD_PREFIX = [
	"SELECT fts5_decode(1, x'00')",
	"SELECT fts5_decode_none(1, x'00')",
	"SELECT 'ok'; SELECT x FROM t; ATTACH ':memory:' AS m",
]

AUTHORIZER = [
	# pragmas that change storage, leak, or tamper
	("PRAGMA page_size=65536", FB + "PRAGMA page_size"),
	("PRAGMA max_page_count=1000000000", FB + "PRAGMA max_page_count"),
	("PRAGMA journal_mode=OFF", FB + "PRAGMA journal_mode"),
	("PRAGMA journal_mode=WAL", FB + "PRAGMA journal_mode"),
	("PRAGMA journal_mode=MEMORY", FB + "PRAGMA journal_mode"),
	("PRAGMA journal_mode=DELETE", FB + "PRAGMA journal_mode"),
	("PRAGMA journal_size_limit=1", FB + "PRAGMA journal_size_limit"),
	("PRAGMA locking_mode=NORMAL", FB + "PRAGMA locking_mode"),
	("PRAGMA busy_timeout=0", FB + "PRAGMA busy_timeout"),
	("PRAGMA writable_schema=ON", FB + "PRAGMA writable_schema"),
	("PRAGMA trusted_schema=ON", FB + "PRAGMA trusted_schema"),
	("PRAGMA database_list", FB + "PRAGMA database_list"),
	("PRAGMA temp_store_directory='/etc'", FB + "PRAGMA temp_store_directory"),
	("PRAGMA temp_store=FILE", FB + "PRAGMA temp_store"),
	("PRAGMA cache_size=-2000000", FB + "PRAGMA cache_size"),
	("PRAGMA mmap_size=268435456", FB + "PRAGMA mmap_size"),
	("PRAGMA synchronous=OFF", FB + "PRAGMA synchronous"),
	("PRAGMA locking_mode=EXCLUSIVE", FB + "PRAGMA locking_mode"),
	("PRAGMA hard_heap_limit=1", FB + "PRAGMA hard_heap_limit"),
	("PRAGMA soft_heap_limit=1", FB + "PRAGMA soft_heap_limit"),
	("PRAGMA threads=8", FB + "PRAGMA threads"),
	("PRAGMA busy_timeout=100000", FB + "PRAGMA busy_timeout"),
	("PRAGMA auto_vacuum=FULL", FB + "PRAGMA auto_vacuum"),
	("PRAGMA secure_delete=ON", FB + "PRAGMA secure_delete"),
	("PRAGMA schema_version=99", FB + "PRAGMA schema_version"),
	("PRAGMA cell_size_check=OFF", FB + "PRAGMA cell_size_check"),
	("PRAGMA wal_checkpoint", FB + "PRAGMA wal_checkpoint"),
	("PRAGMA main.page_size=512", FB + "PRAGMA page_size"),
	# functions
	("SELECT printf('%d', 1)", FB + "printf"),
	("SELECT printf('%.*c', 2147483647, 'x')", FB + "printf"),
	# compiled out of the hardened SQLite (Makefile): nothing to deny
	("SELECT fts3_tokenizer('simple')", IS + "no such function: fts3_tokenizer"),
	("SELECT fts3_tokenizer('evil', x'4141414141414141')",
	 IS + "no such function: fts3_tokenizer"),
	# temp schema
	("CREATE TEMP TABLE tt(x)", FB + "TEMP"),
	("CREATE TEMPORARY TABLE tt(x)", FB + "TEMP"),
	("CREATE TABLE temp.tt(x)", FB + "TEMP"),
	("CREATE TEMP VIEW tv AS SELECT 1", FB + "TEMP"),
	("CREATE TEMP TRIGGER ttr AFTER INSERT ON t BEGIN SELECT 1; END", FB + "TEMP"),
	# vacuum
	("VACUUM", FB + "VACUUM"),
	# virtual-table modules
	("CREATE VIRTUAL TABLE f3 USING fts3(a)", FB + "fts3"),
	("CREATE VIRTUAL TABLE f4 USING fts4(a)", FB + "fts4"),
	("CREATE VIRTUAL TABLE f3t USING fts3tokenize(simple)", FB + "fts3tokenize"),
	("CREATE VIRTUAL TABLE f5v USING fts5vocab(ft, row)", FB + "fts5vocab"),
	("CREATE VIRTUAL TABLE ds USING dbstat", FB + "dbstat"),
	# the module names are refused; the eponymous tables are compiled out
	("SELECT * FROM dbstat", IS + "no such table: dbstat"),
	("SELECT name FROM dbstat WHERE name = 't'", IS + "no such table: dbstat"),
	("SELECT * FROM sqlite_stmt", IS + "no such table: sqlite_stmt"),
]

AUTHORIZER_PREFIX = [
	"SELECT format('%d', 1)",
	"VACUUM INTO '/tmp/walkind-bb-vacuum.db'",
	"VACUUM main",
	"SELECT * FROM pragma_database_list",
	"SELECT * FROM pragma_compile_options, pragma_database_list",
	"CREATE VIRTUAL TABLE f4a USING fts4aux(f4)",
	"SELECT rtreenode(2, x'0000')",
	"SELECT rtreecheck('rt')",
	"SELECT rtreedepth(x'0000')",
	"CREATE VIEW v_p AS SELECT printf('%d', 1); SELECT * FROM v_p",
	"CREATE TABLE tp(x); CREATE TRIGGER tr_p AFTER INSERT ON tp BEGIN SELECT printf('%d', 2); "
	"END; INSERT INTO tp VALUES(1)",
]

# (sql, expected rows or None) run with the session token; must be 200
ALLOWED = [
	("SELECT 'attach'", [["attach"]]),
	("SELECT 'ATTACH DATABASE x AS y; DETACH y'", [["ATTACH DATABASE x AS y; DETACH y"]]),
	("SELECT 'load_extension(1)', 'readfile', 'zipfile'", [["load_extension(1)", "readfile", "zipfile"]]),
	("SELECT 'it''s attach'", [["it's attach"]]),
	("SELECT 1 /* attach detach load_extension */", [[1]]),
	("SELECT 1 -- ATTACH ':memory:'", [[1]]),
	("SELECT edit FROM t", [["e"]]),
	("SELECT t.edit, x AS edit_count FROM t", [["e", 1]]),
	("SELECT 1 AS attachment, 2 AS detached, 3 AS readfiles", [[1, 2, 3]]),
	("SELECT [attach] FROM (SELECT 5 AS [attach])", [[5]]),
	("SELECT `edit` FROM t", [["e"]]),
	# Words the keyword layer denies elsewhere, used as names: they run.
	("CREATE TABLE emails(id, subject, attach BLOB); "
	 "INSERT INTO emails VALUES(1, 'hi', x'00'); "
	 "SELECT attach FROM emails WHERE attach IS NOT NULL", [["AA=="]]),
	("SELECT 1 AS detach", [[1]]),
	("SELECT 1 detach, 2 AS vacuum, 3 AS attach", [[1, 2, 3]]),
	("WITH a AS (SELECT 1), edit AS (SELECT 2) SELECT * FROM edit", [[2]]),
	("WITH a AS (SELECT 1), edit(x) AS (SELECT 2) SELECT x FROM edit", [[2]]),
	("WITH a AS MATERIALIZED (SELECT 1), readfile(y) AS NOT MATERIALIZED "
	 "(SELECT 3) SELECT y FROM readfile", [[3]]),
	("CREATE TABLE IF NOT EXISTS vacuum(attach, detach, printf); "
	 "INSERT INTO vacuum VALUES(1, 2, 3); SELECT attach, detach, printf FROM vacuum",
	 [[1, 2, 3]]),
	("CREATE TABLE IF NOT EXISTS edit(a); INSERT INTO edit(a) VALUES(7); "
	 "SELECT a FROM main.edit", [[7]]),
	("SELECT CAST(1 AS edit(3))", [[1]]),
	("SELECT sum(x) OVER edit FROM t WINDOW edit AS (ORDER BY x)", [[1]]),
	("SELECT with FROM (SELECT 4 AS with)", [[4]]),
	("SELECT 'load_extension(1)', \"edit\" FROM t", [["load_extension(1)", "e"]]),
	("VACUUM temp", None),
	("SELECT x'41545441434820' AS b", [["QVRUQUNIIA=="]]),
	("PRAGMA page_size", None),
	("PRAGMA journal_mode", [["truncate"]]),
	("PRAGMA page_count", None),
	("PRAGMA max_page_count", None),
	("PRAGMA table_info(t)", None),
	("PRAGMA table_xinfo(t)", None),
	("PRAGMA index_list(t)", None),
	("PRAGMA foreign_key_list(t)", None),
	("PRAGMA foreign_keys=ON; PRAGMA foreign_keys", [[1]]),
	("PRAGMA user_version=5; PRAGMA user_version", [[5]]),
	("PRAGMA integrity_check", [["ok"]]),
	("PRAGMA quick_check", [["ok"]]),
	("SELECT name FROM pragma_table_info('t') ORDER BY cid", [["x"], ["edit"]]),
	("SELECT rowid FROM ft WHERE ft MATCH 'hello'", [[1]]),
	("SELECT highlight(ft, 0, '[', ']') FROM ft WHERE ft MATCH 'world'", [["hello [world]"]]),
	("INSERT INTO rt VALUES(1, 0, 10); SELECT id FROM rt WHERE x0 < 5", [[1]]),
	("SELECT value FROM json_each('[1,2,3]')", [[1], [2], [3]]),
	("SELECT key FROM json_tree('{\"a\":1}') WHERE key = 'a'", [["a"]]),
	("SELECT json_extract('{\"a\":[1,2]}', '$.a[1]')", [[2]]),
	("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 3) "
	 "SELECT sum(n) FROM c", [[6]]),
	("SELECT sum(x) OVER () FROM t", [[1]]),
	("CREATE TABLE IF NOT EXISTS a2(x); ALTER TABLE a2 ADD COLUMN y; "
	 "ALTER TABLE a2 RENAME TO a3; DROP TABLE a3", None),
	("CREATE INDEX IF NOT EXISTS ti ON t(x); REINDEX; ANALYZE", None),
	("SAVEPOINT s1; INSERT INTO t VALUES(2, 'f'); ROLLBACK TO s1; RELEASE s1; "
	 "SELECT count(*) FROM t", [[1]]),
	("CREATE VIEW IF NOT EXISTS vt AS SELECT x FROM t; SELECT * FROM vt", [[1]]),
	("SELECT upper('a'), length('abc'), hex(x'0a'), quote('x'), "
	 "abs(-3), coalesce(NULL, 2)", [["A", 3, "0A", "'x'", 3, 2]]),
]

INVALID = [
	# sql, exact error or None, substring
	("SELEC 1", 'invalid sql: near "SELEC": syntax error', None),
	("SELECT * FROM nosuch", "invalid sql: no such table: nosuch", None),
	("SELECT nosuchcol FROM t", "invalid sql: no such column: nosuchcol", None),
	("SELECT nosuchfn(1)", "invalid sql: no such function: nosuchfn", None),
	("SELECT zeroblob(2000000000)", "invalid sql: string or blob too big", None),
	("SELECT randomblob(1000000000)", "invalid sql: string or blob too big", None),
	("SELECT length(zeroblob(1000001))", "invalid sql: string or blob too big", None),
	("SELECT abs(-9223372036854775807 - 1)", "invalid sql: integer overflow", None),
	(" UNION ALL ".join(["SELECT 1"] * 12), "invalid sql: too many terms in compound SELECT",
	 None),
	("SELECT " + "+".join(["1"] * 60), None, "tree is too large"),
	("SELECT 'a' LIKE '" + "%" * 101 + "'", "invalid sql: LIKE or GLOB pattern too complex", None),
	("SELECT max(" + ",".join(["1"] * 17) + ")", "invalid sql: too many arguments on function max",
	 None),
	("SELECT " + ",".join(["1"] * 101), "invalid sql: too many columns in result set", None),
	("SELECT ?101", None, "variable number must be between"),
	("INSERT INTO sqlite_master VALUES('table','x','x',0,'')",
	 "invalid sql: table sqlite_master may not be modified", None),
	("INSERT INTO ft_data VALUES(99, x'00')", "invalid sql: table ft_data may not be modified",
	 None),
	("DELETE FROM rt_node", "invalid sql: table rt_node may not be modified", None),
	("INSERT INTO t VALUES(1, 2, 3)", None, "2 columns but 3 values"),
	("SELECT 1 UNION", None, None),
]


def walkin(d):
	if "tok" not in d.state:
		tok, _, r = d.create(SETUP)
		d.state["tok"] = tok
	return d.state["tok"]


def deny_case(sql, msg, prefix, on_create):
	def f(d):
		tok = None if on_create else walkin(d)
		r = d.sql(sql, token=tok)
		expect_error(r, 400, msg, prefix=None if msg else FB)
	return f


def allow_case(sql, rows):
	def f(d):
		j = expect_ok(d.sql(sql, token=walkin(d)))
		if rows is not None:
			eq(j.get("rows"), rows, "rows")
	return f


def invalid_case(sql, msg, sub):
	def f(d):
		expect_error(d.sql(sql, token=walkin(d)), 400, msg, prefix="invalid sql: ",
			     contains=sub)
	return f


@g.case
def setup_walkin(d):
	walkin(d)


for _sql, _msg in KEYWORD:
	g.add(f"keyword {_sql[:50]!r}", deny_case(_sql, _msg, None, False))
for _sql, _msg in KEYWORD_LAYER + KEYWORD_QUOTED:
	g.add(f"keyword {_sql[:50]!r}", deny_case(_sql, _msg, None, False))
for _sql in KEYWORD_PREFIX:
	g.add(f"keyword {_sql[:50]!r}", deny_case(_sql, None, FB, False))
for _sql, _msg in AUTHORIZER:
	g.add(f"authorizer {_sql[:50]!r}", deny_case(_sql, _msg, None, False))
for _sql in AUTHORIZER_PREFIX:
	g.add(f"authorizer {_sql[:50]!r}", deny_case(_sql, None, FB, False))
for _sql, _rows in ALLOWED:
	g.add(f"allowed {_sql[:50]!r}", allow_case(_sql, _rows))
for _sql, _msg, _sub in INVALID:
	g.add(f"invalid {_sql[:50]!r}", invalid_case(_sql, _msg, _sub))

# The same gates on create (no session header).
for _sql, _msg in [r for r in KEYWORD + AUTHORIZER if r[0] in (
		"ATTACH DATABASE '/tmp/bb.db' AS x", "SELECT load_extension('/tmp/x.so')",
		"PRAGMA page_size=65536", "SELECT printf('%d', 1)", "CREATE TEMP TABLE tt(x)",
		"SELECT * FROM dbstat")]:
	g.add(f"on create {_sql[:40]!r}", deny_case(_sql, _msg, None, True))
g.add("on create 'SELEC 1'", lambda d: expect_error(
	d.sql("SELEC 1"), 400, 'invalid sql: near "SELEC": syntax error'))


def keyword_before_executor(sql, msg):
	"""Refused by the front end: an INSERT before it in the same request
	never runs (the executor keeps statements before a refusal)."""
	def f(d):
		tok = walkin(d)
		expect_error(d.sql("INSERT INTO t VALUES(99, 'k'); " + sql, token=tok), 400, msg)
		j = expect_ok(d.sql("SELECT count(*) FROM t WHERE x = 99; DELETE FROM t WHERE x = 99",
				    token=tok))
		eq(j["rows"], [[0]], "rows written before the refused statement")
	return f


for _sql, _msg in KEYWORD_LAYER[:2] + KEYWORD_QUOTED:
	g.add(f"keyword layer first {_sql[:40]!r}", keyword_before_executor(_sql, _msg))


@g.case
def authorizer_refusal_keeps_statements_before(d):
	# The control for keyword_before_executor: the executor's authorizer
	# refuses only when it reaches the statement.
	tok = walkin(d)
	expect_error(d.sql("INSERT INTO t VALUES(98, 'k'); SELECT printf('%d', 1)", token=tok),
		     400, FB + "printf")
	j = expect_ok(d.sql("SELECT count(*) FROM t WHERE x = 98; DELETE FROM t WHERE x = 98",
			    token=tok))
	eq(j["rows"], [[1]], "the row written before the authorizer's refusal")


@g.case
def denied_statement_leaves_walkin_usable(d):
	tok = walkin(d)
	expect_error(d.sql("INSERT INTO t VALUES(50, 'z'); PRAGMA page_size=65536", token=tok),
		     400, FB + "PRAGMA page_size")
	j = expect_ok(d.sql("SELECT x FROM t WHERE x = 50; PRAGMA page_size", token=tok))
	eq(j["rows"], [[4096]], "page_size after denied change")
	expect_ok(d.sql("DELETE FROM t WHERE x = 50", token=tok))


@g.case
def view_does_not_launder_denied_function(d):
	tok = walkin(d)
	r = d.sql("CREATE VIEW IF NOT EXISTS v_fts AS SELECT fts3_tokenizer('simple') AS p", token=tok)
	if r.status == 200:
		r = d.sql("SELECT * FROM v_fts", token=tok)
	e = expect_error(r, 400)
	# the hardened SQLite has no fts3_tokenizer; with one, the authorizer
	# or trusted_schema=OFF ("unsafe use of ...") would stop it
	check(e.startswith(FB) or e.startswith("invalid sql: unsafe use of fts3_tokenizer")
	      or e == "invalid sql: no such function: fts3_tokenizer",
	      f"error {e!r}")
