"""
disk_bombs.py: filling a walk-in past --max-db-bytes (256 KiB here).

Each entry is a fresh walk-in (its setup), then the bomb: the expected
answer is 507 "instance storage quota exceeded" (or the refusal that
stops the bomb earlier), and afterwards the walk-in is still readable and
intact (integrity_check ok), db.sqlite on disk is never over the cap, no
journal content is left behind (the live executor keeps an empty journal;
content only inside a transaction the entry keeps open), and the instance
directory holds nothing else. Entries marked "writable" must also take a
small write again once rows are deleted.
"""

import os

from harness import check, eq, expect_ok, wait_until
from hostile import (FB, IS, JOURNAL, QUOTA, HGroup, db_size, expect_instance_clean,
		     expect_outcome, instance_files, journal_size)

CAP = 256 * 1024
g = HGroup("disk", ["--max-db-bytes", str(CAP)])

C = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c LIMIT %d) "
B = "CREATE TABLE b(x)"

# (name, setup, [(sql, status, error)], options)
BOMBS = [
	("zeroblob flood in one INSERT", B,
	 [("INSERT INTO b " + C % 1000 + "SELECT zeroblob(10000) FROM c", 507, QUOTA)], {"w": 1}),
	("randomblob flood (incompressible)", B,
	 [("INSERT INTO b " + C % 1000 + "SELECT randomblob(10000) FROM c", 507, QUOTA)], {"w": 1}),
	("text flood from hex()", B,
	 [("INSERT INTO b " + C % 100 + "SELECT upper(hex(zeroblob(50000))) FROM c", 507, QUOTA)],
	 {"w": 1}),
	("200 single-row INSERTs in one request", B,
	 [("; ".join(["INSERT INTO b VALUES(zeroblob(2000))"] * 200), 507, QUOTA)], {"w": 1}),
	("one row over the cap", B, [("INSERT INTO b VALUES(zeroblob(300000))", 507, QUOTA)], {"w": 1}),
	("one row over LENGTH", B,
	 [("INSERT INTO b VALUES(zeroblob(999999))", 400, IS + "string or blob too big")], {"w": 1}),
	("row grows by UPDATE x = x || x", B + "; INSERT INTO b VALUES(zeroblob(100000))",
	 [("UPDATE b SET x = x || x", 507, QUOTA)], {"w": 1}),
	("UPDATE every row bigger", B + "; INSERT INTO b " + C % 20 + "SELECT zeroblob(5000) FROM c",
	 [("UPDATE b SET x = zeroblob(50000)", 507, QUOTA)], {"w": 1}),
	("300 tables", "SELECT 1",
	 [("; ".join(f"CREATE TABLE t{i}(x)" for i in range(300)), 507, QUOTA)], {}),
	("200 indexes", "CREATE TABLE b(a, b, c, d)",
	 [("; ".join(f"CREATE INDEX i{i} ON b(a, b, c, d)" for i in range(200)), 507, QUOTA)], {}),
	("index over the data when near full",
	 B + "; INSERT INTO b " + C % 60 + "SELECT hex(randomblob(1500)) FROM c",
	 [("CREATE INDEX bi ON b(x)", 507, QUOTA), ("CREATE INDEX bi2 ON b(x, x)", 507, QUOTA)],
	 {"w": 1}),
	("CREATE TABLE AS SELECT flood", "SELECT 1",
	 [("CREATE TABLE b2 AS " + C % 1000 + "SELECT zeroblob(10000) AS x FROM c", 507, QUOTA)], {}),
	("INSERT ... RETURNING flood", B,
	 [("INSERT INTO b " + C % 1000 + "SELECT zeroblob(10000) FROM c RETURNING length(x)", 507,
	   QUOTA)], {"w": 1}),
	("trigger fan-out", B + "; CREATE TABLE fan(y); CREATE TRIGGER bt AFTER INSERT ON b BEGIN "
	 "INSERT INTO fan " + C % 20 + "SELECT zeroblob(10000) FROM c; END",
	 [("INSERT INTO b VALUES(1); INSERT INTO b VALUES(2)", 507, QUOTA)], {}),
	("recursive trigger fan-out", B + "; CREATE TRIGGER bt AFTER INSERT ON b WHEN "
	 "length(new.x) < 9 BEGIN INSERT INTO b VALUES(new.x || 'x'); INSERT INTO b "
	 "VALUES(new.x || 'y'); END; PRAGMA recursive_triggers = ON",
	 [("INSERT INTO b VALUES('a')", 400, IS + "too many levels of trigger recursion")], {"w": 1}),
	("fts5 index growth", "CREATE VIRTUAL TABLE f USING fts5(a)",
	 [("INSERT INTO f " + C % 3000 + "SELECT hex(randomblob(200)) FROM c", 507, QUOTA)], {}),
	("rtree growth", "CREATE VIRTUAL TABLE r USING rtree(id, a, b)",
	 [("INSERT INTO r " + C % 100000 + "SELECT i, i, i + 1 FROM c", 507, QUOTA)], {}),
	("ADD COLUMN default then many rows", "CREATE TABLE b(a); INSERT INTO b VALUES(1)",
	 [("ALTER TABLE b ADD COLUMN c DEFAULT x'" + "00" * 3000 + "'", 200, None),
	  ("INSERT INTO b(a) " + C % 200 + "SELECT i FROM c", 507, QUOTA)], {}),
	("flood inside an open transaction", B,
	 [("BEGIN", 200, None),
	  ("INSERT INTO b " + C % 10 + "SELECT zeroblob(10000) FROM c", 200, None),
	  ("INSERT INTO b " + C % 30 + "SELECT zeroblob(10000) FROM c", 507, QUOTA),
	  ("SELECT count(*) FROM b", 200, [[10]]), ("COMMIT", 200, None),
	  ("SELECT count(*) FROM b", 200, [[10]])], {"w": 1}),
	("flood in a savepoint", B,
	 [("SAVEPOINT a; INSERT INTO b " + C % 40 + "SELECT zeroblob(10000) FROM c", 507, QUOTA),
	  ("ROLLBACK TO a", 200, None), ("RELEASE a", 200, None)], {"w": 1}),
	("temp table flood", "SELECT 1",
	 [("CREATE TEMP TABLE tt AS " + C % 1000 + "SELECT zeroblob(10000) AS x FROM c", 400,
	   FB + "TEMP")], {}),
	("page_size 65536 before the first table, then a flood", "SELECT 1",
	 [("PRAGMA page_size = 65536; CREATE TABLE b(x)", 400, FB + "PRAGMA page_size"),
	  ("CREATE TABLE b(x); INSERT INTO b " + C % 1000 + "SELECT zeroblob(10000) FROM c", 507,
	   QUOTA), ("PRAGMA page_size", 200, [[4096]])], {}),
	("max_page_count raised, then a flood", B,
	 [("PRAGMA max_page_count = 2147483647", 400, FB + "PRAGMA max_page_count"),
	  ("INSERT INTO b " + C % 1000 + "SELECT zeroblob(10000) FROM c", 507, QUOTA),
	  ("PRAGMA max_page_count", 200, [[CAP // 4096]])], {"w": 1}),
	("journal_mode=OFF, then a flood", B,
	 [("PRAGMA journal_mode = OFF", 400, FB + "PRAGMA journal_mode"),
	  ("INSERT INTO b " + C % 1000 + "SELECT zeroblob(10000) FROM c", 507, QUOTA),
	  ("PRAGMA journal_mode", 200, [["truncate"]])], {"w": 1}),
	("VACUUM INTO as a second file", B + "; INSERT INTO b VALUES(zeroblob(100000))",
	 [("VACUUM INTO 'copy.db'", 400, FB + "VACUUM")], {}),
]


def bomb_case(setup, steps, writable):
	def f(d):
		tok, uid, _ = d.create(setup)
		check(uid is not None, "no instance dir for the walk-in")
		for sql, status, err in steps:
			r = d.sql(sql, token=tok)
			if status == 200:
				expect_outcome(r, 200, None, err)
			else:
				expect_outcome(r, status, err)
			size = db_size(d, uid)
			check(size <= CAP, f"{r.what}: db.sqlite is {size} bytes, cap {CAP}")
		expect_ok(d.sql("SELECT count(*) FROM sqlite_master", token=tok))
		eq(expect_ok(d.sql("PRAGMA integrity_check", token=tok))["rows"], [["ok"]],
		   "integrity_check after the bomb")
		expect_instance_clean(d, uid)
		size = db_size(d, uid)
		check(size <= CAP, f"db.sqlite is {size} bytes, cap {CAP}")
		if writable:
			expect_ok(d.sql("DELETE FROM b; INSERT INTO b VALUES(zeroblob(20000)); "
					"SELECT count(*) FROM b", token=tok))
	return f


for _n, _s, _steps, _o in BOMBS:
	g.add(f"bomb {_n}", bomb_case(_s, _steps, _o.get("w")))


@g.case
def flood_across_requests(d):
	"""30 kB rows one request at a time: 200s, then only 507s, the file at
	most the cap after each."""
	tok, uid, _ = d.create(B)
	st = []
	for _ in range(14):
		r = d.sql("INSERT INTO b VALUES(zeroblob(30000))", token=tok)
		st.append(r.status)
		if r.status != 200:
			expect_outcome(r, 507, QUOTA)
		check(db_size(d, uid) <= CAP, f"db.sqlite is {db_size(d, uid)} bytes after {st}")
	n = st.index(507) if 507 in st else len(st)
	check(5 <= n <= 8 and set(st[n:]) == {507}, f"statuses {st}")
	eq(expect_ok(d.sql("SELECT count(*) FROM b", token=tok))["rows"], [[n]], "rows kept")


@g.case
def bomb_on_create_leaves_nothing(d):
	before = d.instance_ids()
	r = d.sql("CREATE TABLE b(x); INSERT INTO b " + C % 1000 + "SELECT randomblob(10000) FROM c")
	expect_outcome(r, 507, QUOTA)
	check(r.token is None, "a failed create returned a token")
	check(wait_until(lambda: not (d.instance_ids() - before), 3.0),
	      f"a failed create left {sorted(d.instance_ids() - before)}")


@g.case
def journal_of_a_whole_rewrite(d):
	"""A transaction rewriting the whole walk-in: the journal holds about
	the database size while it is open (documented), never more than the
	cap beside it, and is empty again after COMMIT."""
	tok, uid, _ = d.create(B + "; INSERT INTO b " + C % 50 + "SELECT zeroblob(3500) FROM c")
	expect_ok(d.sql("BEGIN; UPDATE b SET x = randomblob(3500)", token=tok))
	files = instance_files(d, uid)
	check(files <= {"db.sqlite", "meta", JOURNAL}, f"files {sorted(files)}")
	if JOURNAL in files:
		js = os.path.getsize(d.inst(uid, JOURNAL))
		check(js <= CAP + 16384, f"journal is {js} bytes with a {CAP}-byte cap")
	check(db_size(d, uid) <= CAP, f"db.sqlite is {db_size(d, uid)} bytes")
	expect_ok(d.sql("COMMIT", token=tok))
	eq(journal_size(d, uid), 0, "journal size after COMMIT")
	expect_instance_clean(d, uid)
	eq(expect_ok(d.sql("PRAGMA integrity_check", token=tok))["rows"], [["ok"]], "integrity")


@g.case
def full_walkin_does_not_hurt_neighbour(d):
	"""One walk-in at its cap; another still writes below its own."""
	tok, uid, _ = d.create(B + "; INSERT INTO b " + C % 24 + "SELECT zeroblob(10000) FROM c")
	expect_outcome(d.sql("INSERT INTO b VALUES(zeroblob(50000))", token=tok), 507, QUOTA)
	tok2, uid2, _ = d.create(B)
	expect_ok(d.sql("INSERT INTO b " + C % 20 + "SELECT zeroblob(10000) FROM c", token=tok2))
	check(db_size(d, uid) <= CAP and db_size(d, uid2) <= CAP, "a file over the cap")
