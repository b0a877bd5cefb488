"""
native.py: native code and configuration tampering through SQL.

load_extension and fts3_tokenizer (with and without a pointer blob) in
every place SQL can hold a function call; every PRAGMA outside the
allowlist, as a statement (read and write forms) and as a table-valued
pragma_*() where SQLite has one; writes to the read-only pragmas
(page_size, max_page_count, journal_mode, ...); DEFENSIVE bypasses
(sqlite_master and shadow-table writes); triggers, views and schema
expressions that call denied things later. test_policy.py holds one
spelling of several; this is the sweep.
"""

from harness import eq, expect_error, expect_ok
from hostile import FB, IS, HGroup, add_sql_table

g = HGroup("native")
pragmas = HGroup("pragmas")

# The hardened SQLite (Makefile) has no load_extension, fts3_tokenizer,
# dbstat or sqlite_stmt: a call is refused by the front end's keyword
# layer, or SQLite has no such thing (tests/unit/test_sqlbuild.c proves
# the build). Either way nothing runs.
LE = (FB + "load_extension", IS + "no such function: load_extension")
FT = (FB + "fts3_tokenizer", IS + "no such function: fts3_tokenizer")
# A column DEFAULT is resolved only when an INSERT evaluates it.
UNSAFE_FT = FT + (IS + "unknown function: fts3_tokenizer()",)


def gone_table(name):
	return (IS + f"no such table: {name}", IS + f"no such table: main.{name}")

LOAD_EXTENSION = [
	("SELECT load_extension('libc.so.6')", 400, LE),
	("SELECT load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0', "
	 "'sqlite3_extension_init')", 400, LE),
	("SELECT LoAd_ExTeNsIoN('/tmp/x.so')", 400, LE),
	("SELECT \"load_extension\"('/tmp/x.so')", 400, LE),
	("SELECT [load_extension]('/tmp/x.so')", 400, LE),
	("SELECT `load_extension`('/tmp/x.so')", 400, LE),
	("SELECT \"load_extension\" /* ( */ -- )\n('/tmp/x.so')", 400, LE),
	("SELECT [LOAD_EXTENSION]\f('/tmp/x.so')", 400, LE),
	("SELECT load_extension \ufeff('/tmp/x.so')", 400, LE),
	("SELECT $p(\"), load_extension('/tmp/x.so') --\")", 400, LE),
	("SELECT x'' '', load_extension('/tmp/x.so')", 400, LE),
	("SELECT with, load_extension('/tmp/x.so') FROM (SELECT 1 AS with)", 400, LE),
	("WITH a AS (SELECT 1) SELECT 1, load_extension('/tmp/x.so') FROM a", 400, LE),
	("SELECT 1 WHERE load_extension('/tmp/x.so') IS NULL", 400, LE),
	("CREATE VIEW lev AS SELECT load_extension('/tmp/x.so')", 400, LE),
	("CREATE TABLE led(a, b DEFAULT (load_extension('/tmp/x.so')))", 400, LE),
	("CREATE TABLE let(x); CREATE TRIGGER lett AFTER INSERT ON let BEGIN "
	 "SELECT load_extension('/tmp/x.so'); END", 400, LE),
]

FTS3_TOKENIZER = [
	("SELECT fts3_tokenizer('porter')", 400, FT),
	("SELECT fts3_tokenizer('unicode61')", 400, FT),
	("SELECT hex(fts3_tokenizer('simple'))", 400, FT),
	("SELECT fts3_tokenizer('simple', zeroblob(8))", 400, FT),
	("SELECT fts3_tokenizer('evil', randomblob(8))", 400, FT),
	("SELECT fts3_tokenizer('evil', x'efbeadde00000000')", 400, FT),
	("SELECT \"fts3_tokenizer\"('simple')", 400, FT),
	("SELECT [FTS3_TOKENIZER]('evil', x'4141414141414141')", 400, FT),
	("SELECT 1 ORDER BY fts3_tokenizer('simple')", 400, FT),
	("WITH p(v) AS (SELECT fts3_tokenizer('simple')) SELECT * FROM p", 400, FT),
	("SELECT (SELECT fts3_tokenizer('simple'))", 400, FT),
	("EXPLAIN SELECT fts3_tokenizer('simple')", 400, FT),
	("CREATE TABLE fc(a CHECK (fts3_tokenizer('simple') IS NULL))", 400, FT),
	("CREATE TABLE fg(a, b AS (fts3_tokenizer('simple')))", 400, FT),
	("CREATE TABLE fi(a); CREATE INDEX fii ON fi(fts3_tokenizer('simple'))", 400, FT),
	# The authorizer never sees a column DEFAULT; trusted_schema=OFF stops
	# the call when the default is evaluated.
	("CREATE TABLE fd(a, b DEFAULT (fts3_tokenizer('simple'))); INSERT INTO fd(a) VALUES(1)",
	 400, UNSAFE_FT, {"then": [("SELECT count(*) FROM fd", 200, [[0]])]}),
	("CREATE TABLE fd2(a, b DEFAULT (fts3_tokenizer('evil', x'4141414141414141'))); "
	 "INSERT INTO fd2(a) VALUES(1)", 400, UNSAFE_FT),
	("CREATE VIRTUAL TABLE f3e USING fts3(a, tokenize=evil)", 400, FB + "fts3"),
	("CREATE VIRTUAL TABLE f4s USING fts4(a, tokenize=simple)", 400, FB + "fts4"),
	("CREATE VIRTUAL TABLE f4x USING FTS4(a)", 400, FB + "fts4"),
	("CREATE VIRTUAL TABLE f3t USING fts3tokenize('porter')", 400, FB + "fts3tokenize"),
]

# Views, triggers and schema expressions are checked when they run: the
# CREATE succeeds, every later use is refused, the walk-in stays usable.
LATER = [
	("CREATE VIEW vf AS SELECT fts3_tokenizer('evil', x'4141414141414141') AS p; "
	 "SELECT * FROM vf", 400, UNSAFE_FT),
	("CREATE VIEW vf1 AS SELECT fts3_tokenizer('simple') AS p; "
	 "CREATE VIEW vf2 AS SELECT * FROM vf1; SELECT * FROM vf2", 400, UNSAFE_FT),
	("CREATE VIEW vds AS SELECT * FROM dbstat; SELECT * FROM vds", 400,
	 gone_table("dbstat")),
	("CREATE VIEW vss AS SELECT sql FROM sqlite_stmt; SELECT * FROM vss", 400,
	 gone_table("sqlite_stmt")),
	("CREATE VIEW vcs AS SELECT * FROM pragma_cache_size; SELECT * FROM vcs", 400,
	 IS + "unsafe use of virtual table \"pragma_cache_size\""),
	("CREATE TABLE tt(x); CREATE TRIGGER ttf AFTER INSERT ON tt BEGIN "
	 "SELECT fts3_tokenizer('simple'); END; INSERT INTO tt VALUES(1)", 400, FT,
	 {"then": [("SELECT count(*) FROM tt", 200, [[0]]),
		   ("DROP TRIGGER ttf", 200, None),
		   ("INSERT INTO tt VALUES(2)", 200, None)]}),
	("CREATE TABLE td(x); CREATE TRIGGER tdl AFTER INSERT ON td BEGIN "
	 "INSERT INTO td SELECT seq FROM pragma_database_list; END; INSERT INTO td VALUES(1)",
	 400, IS + "unsafe use of virtual table \"pragma_database_list\""),
	("CREATE TABLE tw(x); CREATE TRIGGER tww AFTER UPDATE ON tw BEGIN "
	 "SELECT * FROM pragma_writable_schema; END; INSERT INTO tw VALUES(1); "
	 "UPDATE tw SET x = 2", 400, IS + "unsafe use of virtual table \"pragma_writable_schema\""),
	("CREATE TABLE tp(x); CREATE TRIGGER tpp BEFORE DELETE ON tp BEGIN "
	 "SELECT format('%.*c', 2147483647, 'x'); END; INSERT INTO tp VALUES(1); DELETE FROM tp",
	 400, FB + "format"),
	("CREATE TABLE dp(a, b DEFAULT (\"printf\"('%.*c', 2147483647, 'x'))); "
	 "INSERT INTO dp(a) VALUES(1)", 400, FB + "printf"),
	("CREATE TABLE dr(a, b DEFAULT (rtreenode(2, x'0000'))); INSERT INTO dr(a) VALUES(1)",
	 400, IS + "unsafe use of rtreenode()"),
	("CREATE TABLE df(a, b DEFAULT (fts5_source_id()))", 400, FB + "fts5_source_id"),
	("CREATE TABLE gf(a, b AS (format('%d', a)) STORED); INSERT INTO gf(a) VALUES(1)", 400,
	 FB + "format"),
	("CREATE TABLE cp(a CHECK (printf('%s', a) = a)); INSERT INTO cp VALUES('x')", 400,
	 FB + "printf"),
	# Known and documented (docs/sql-policy.md, Known limits): sqlite_log in
	# a DEFAULT is not seen by the authorizer; no log callback is set, so
	# it does nothing.
	("CREATE TABLE dl(a, b DEFAULT (sqlite_log(1, 'hostile'))); INSERT INTO dl(a) VALUES(1)",
	 200, None),
]

DEFENSIVE = [
	("PRAGMA writable_schema = 1", 400, FB + "PRAGMA writable_schema"),
	("PRAGMA writable_schema = RESET", 400, FB + "PRAGMA writable_schema"),
	("PRAGMA \"writable_schema\" = ON", 400, FB + "PRAGMA writable_schema"),
	("PRAGMA [WRITABLE_SCHEMA] = ON", 400, FB + "PRAGMA writable_schema"),
	("UPDATE sqlite_master SET sql = 'CREATE TABLE x(y)' WHERE name = 'canary'", 400,
	 IS + "table sqlite_master may not be modified"),
	("DELETE FROM sqlite_schema", 400, IS + "table sqlite_master may not be modified"),
	("REPLACE INTO sqlite_master VALUES('table', 'x', 'x', 2, 'CREATE TABLE x(y)')", 400,
	 IS + "table sqlite_master may not be modified"),
	("DROP TABLE sqlite_master", 400, IS + "table sqlite_master may not be dropped"),
	("ALTER TABLE sqlite_schema RENAME TO s2", 400, IS + "table sqlite_master may not be altered"),
	("CREATE TABLE sqlite_evil(x)", 400, IS + "object name reserved for internal use: sqlite_evil"),
	("CREATE VIRTUAL TABLE f5 USING fts5(a); INSERT INTO f5_idx VALUES(1, x'00', 1)", 400,
	 IS + "table f5_idx may not be modified"),
	("CREATE VIRTUAL TABLE f5 USING fts5(a); INSERT INTO f5 VALUES('x'); "
	 "UPDATE f5_content SET c0 = 'y'", 400, IS + "table f5_content may not be modified"),
	("CREATE VIRTUAL TABLE f5 USING fts5(a); DELETE FROM f5_docsize", 400,
	 IS + "table f5_docsize may not be modified"),
	("CREATE VIRTUAL TABLE f5 USING fts5(a); INSERT INTO f5_config VALUES('pgsz', 1)", 400,
	 IS + "table f5_config may not be modified"),
	("CREATE VIRTUAL TABLE f5 USING fts5(a); DROP TABLE f5_data", 400,
	 IS + "table f5_data may not be dropped"),
	("CREATE VIRTUAL TABLE f5 USING fts5(a); ALTER TABLE f5_idx RENAME TO x", 400,
	 IS + "table f5_idx may not be altered"),
	("CREATE VIRTUAL TABLE f5 USING fts5(a); CREATE TABLE f5x_config(a); "
	 "CREATE TABLE f5_config(a)", 400, IS + "object name reserved for internal use: f5_config"),
	("CREATE VIRTUAL TABLE r USING rtree(id, a, b); UPDATE r_parent SET parentnode = 1", 400,
	 IS + "table r_parent may not be modified"),
	("CREATE VIRTUAL TABLE r USING rtree(id, a, b); INSERT INTO r_rowid VALUES(1, 1)", 400,
	 IS + "table r_rowid may not be modified"),
	("CREATE VIRTUAL TABLE r USING rtree(id, a, b); SELECT rtreecheck('r')", 400,
	 FB + "rtreecheck"),
	("SELECT rtreedepth(x'0001')", 400, FB + "rtreedepth"),
	("SELECT rtreenode(2, zeroblob(100))", 400, FB + "rtreenode"),
	("SELECT sqlite_log(1, 'x')", 400, FB + "sqlite_log"),
	("SELECT fts5(0)", 400, FB + "fts5"),
	("SELECT fts5_source_id()", 400, FB + "fts5_source_id"),
	("SELECT * FROM \"dbstat\"", 400, gone_table("dbstat")),
	("SELECT * FROM dbstat('main')", 400, gone_table("dbstat")),
	("SELECT count(*) FROM (SELECT * FROM [sqlite_stmt])", 400, gone_table("sqlite_stmt")),
	("CREATE VIRTUAL TABLE f5d USING fts5(name, content='dbstat'); SELECT * FROM f5d", 400,
	 gone_table("dbstat")),
	("CREATE VIRTUAL TABLE f5s USING fts5(sql, content='sqlite_stmt'); SELECT * FROM f5s", 400,
	 gone_table("sqlite_stmt")),
	("CREATE VIRTUAL TABLE vstmt USING sqlite_stmt", 400, FB + "sqlite_stmt"),
	("CREATE VIRTUAL TABLE vpt USING pragma_table_info", 400, FB + "pragma_table_info"),
	("CREATE VIRTUAL TABLE vje USING json_each", 400, FB + "json_each"),
	("CREATE VIRTUAL TABLE vf5v USING fts5vocab('main', 'x', 'row')", 400, FB + "fts5vocab"),
	("CREATE VIRTUAL TABLE vf4a USING fts4aux(x)", 400, FB + "fts4aux"),
]

add_sql_table(g, "load_extension", LOAD_EXTENSION)
add_sql_table(g, "fts3_tokenizer", FTS3_TOKENIZER)
add_sql_table(g, "later", LATER)
add_sql_table(g, "defensive", DEFENSIVE)
add_sql_table(g, "on create", [
	("SELECT load_extension('libc.so.6')", 400, LE),
	("SELECT fts3_tokenizer('evil', x'4141414141414141')", 400, FT),
	("PRAGMA writable_schema = 1", 400, FB + "PRAGMA writable_schema"),
], create=True)


# ---------------------------------------------------------------- pragmas

# Every pragma of SQLite 3.40.1 (pragma_pragma_list) outside the
# allowlist of docs/sql-policy.md, plus the debug pragmas and walkind-
# unknown names. The flag says whether SQLite has a table-valued form:
# if so it is refused like the statement; if not, it does not exist.
DENIED = [
	("analysis_limit", True), ("auto_vacuum", True), ("busy_timeout", True),
	("cache_size", True), ("cache_spill", True), ("cell_size_check", True),
	("checkpoint_fullfsync", True), ("count_changes", True), ("data_store_directory", False),
	("database_list", True), ("default_cache_size", False), ("empty_result_callbacks", True),
	("full_column_names", True), ("fullfsync", True), ("hard_heap_limit", True),
	("incremental_vacuum", False), ("journal_size_limit", True), ("legacy_alter_table", True),
	("legacy_file_format", False), ("lock_status", False), ("locking_mode", True),
	("mmap_size", False), ("optimize", True), ("parser_trace", False),
	("read_uncommitted", True), ("secure_delete", True), ("short_column_names", True),
	("shrink_memory", False), ("soft_heap_limit", True), ("sql_trace", False), ("stats", False),
	("synchronous", True), ("temp_store", True), ("temp_store_directory", False),
	("threads", True), ("trusted_schema", True), ("vdbe_addoptrace", False),
	("vdbe_debug", False), ("vdbe_listing", False), ("vdbe_trace", False),
	("wal_autocheckpoint", False), ("wal_checkpoint", False), ("writable_schema", True),
	("no_such_pragma", False),
]

# Allowed only as reads: every write form is refused.
READ_ONLY = ["collation_list", "compile_options", "data_version", "encoding", "freelist_count",
	     "function_list", "journal_mode", "max_page_count", "module_list", "page_count",
	     "page_size", "pragma_list", "schema_version"]

WRITE_VALUES = ["1", "0", "-1", "'x'", "2147483647"]


def denied_pragma_case(name, table_valued):
	msg = FB + "PRAGMA " + name

	def f(d):
		tok = d.state.setdefault("ptok", d.create("CREATE TABLE t(x)")[0])
		forms = [f"PRAGMA {name}", f"PRAGMA main.{name}", f"PRAGMA {name.upper()}",
			 f"PRAGMA \"{name}\"", f"PRAGMA {name}(1)", f"PRAGMA {name} = 1",
			 f"PRAGMA main.{name} = 'x'", f"SELECT 1; PRAGMA {name} = -1",
			 f"EXPLAIN PRAGMA {name}"]
		for q in forms:
			r = d.sql(q, token=tok)
			expect_error(r, 400, msg)
		tv = f"SELECT * FROM pragma_{name}"
		expect_error(d.sql(tv, token=tok), 400,
			     msg if table_valued else IS + f"no such table: pragma_{name}")
		if table_valued:
			expect_error(d.sql(f"SELECT count(*) FROM main.pragma_{name} AS p", token=tok),
				     400, msg)
	return f


def read_only_case(name):
	msg = FB + "PRAGMA " + name

	def f(d):
		tok = d.state.setdefault("ptok", d.create("CREATE TABLE t(x)")[0])
		expect_ok(d.sql(f"PRAGMA {name}", token=tok))
		expect_ok(d.sql(f"SELECT * FROM pragma_{name}", token=tok))
		for v in WRITE_VALUES + ["'wal'", "'off'", "65536"]:
			expect_error(d.sql(f"PRAGMA {name} = {v}", token=tok), 400, msg)
			expect_error(d.sql(f"PRAGMA main.{name}({v})", token=tok), 400, msg)
	return f


for _n, _tv in DENIED:
	pragmas.add(f"denied PRAGMA {_n}", denied_pragma_case(_n, _tv))
for _n in READ_ONLY:
	pragmas.add(f"read-only PRAGMA {_n}", read_only_case(_n))


@pragmas.case
def settings_unchanged_after_attempts(d):
	"""After every refused write above, the connection's settings are the
	hardened ones."""
	tok = d.state.setdefault("ptok", d.create("CREATE TABLE t(x)")[0])
	j = expect_ok(d.sql("SELECT * FROM pragma_page_size, pragma_journal_mode, "
			    "pragma_max_page_count, pragma_schema_version, pragma_encoding", token=tok))
	eq(j["rows"], [[4096, "truncate", 2560, 1, "UTF-8"]], "page_size, journal_mode, "
	   "max_page_count, schema_version, encoding")


@pragmas.case
def page_size_before_first_table(d):
	"""PRAGMA page_size on an empty walk-in, then the first table: still
	4096-byte pages, so the page cap still means 10 MiB."""
	tok, _, _ = d.create("SELECT 1")
	for v in ("65536", "512", "1024"):
		expect_error(d.sql(f"PRAGMA page_size = {v}; CREATE TABLE t(x)", token=tok), 400,
			     FB + "PRAGMA page_size")
	j = expect_ok(d.sql("CREATE TABLE t(x); PRAGMA page_size", token=tok))
	eq(j["rows"], [[4096]], "page_size")
