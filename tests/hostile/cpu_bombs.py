"""
cpu_bombs.py: SQL that would run for ever, with --query-timeout-ms 300.

Each bomb must come back as 408 "query timeout" within the deadline plus
the kill grace (300 + 500 ms) and some slack for a loaded machine, or be
refused outright (printf/format, the CPU bomb SQLite cannot interrupt);
afterwards the walk-in still holds its committed row and answers. Bombs
inside one function call (instr, replace) are ended by the executor's
SIGKILL, the rest by the progress handler.
"""

import threading
import time

from harness import check, eq, expect_ok
from hostile import FB, IS, HGroup, expect_outcome

TIMEOUT_MS = 300
GRACE_MS = 500
SLACK_S = 2.5		# a shared 2-core machine; the bound is loose on purpose

cpu = HGroup("cpu", ["--query-timeout-ms", str(TIMEOUT_MS)])
cpu2 = HGroup("cpu-uninterruptible", ["--query-timeout-ms", str(TIMEOUT_MS)])

R = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c%s) "
H = ("WITH s AS MATERIALIZED (SELECT hex(zeroblob(495000)) AS h, "
     "hex(zeroblob(2000)) || 'x' AS n) ")
QT = "query timeout"
SETUP = "CREATE TABLE k(x); INSERT INTO k VALUES('committed')"

INTERRUPTIBLE = [
	("unbounded recursive CTE", R % "" + "SELECT count(*) FROM c", 408, QT),
	("recursive CTE filtered to nothing", R % "" + "SELECT max(i) FROM c WHERE i < 0", 408, QT),
	("recursive UNION (dedup table)",
	 "WITH RECURSIVE c(i) AS (SELECT 1 UNION SELECT i+1 FROM c) SELECT count(*) FROM c", 408, QT),
	("cartesian join 3000^3", R % " LIMIT 3000" + "SELECT count(*) FROM c a, c b, c d", 408, QT),
	("string growing in a recursive CTE",
	 "WITH RECURSIVE c(s) AS (SELECT 'x' UNION ALL SELECT s || 'x' FROM c) "
	 "SELECT count(*) FROM c", 408, QT),
	("ORDER BY random() over an endless CTE",
	 R % "" + "SELECT i FROM c ORDER BY random() LIMIT 1", 408, QT),
	("count(DISTINCT) over 1e8 rows",
	 R % " LIMIT 100000000" + "SELECT count(DISTINCT i) FROM c", 408, QT),
	("correlated subquery, quadratic", R % " LIMIT 200000" + "SELECT count(*) FROM c a "
	 "WHERE a.i = (SELECT max(i) FROM c b WHERE b.i <= a.i)", 408, QT),
	("window ORDER BY over an endless CTE", R % "" + ", d(j) AS (SELECT i FROM c) "
	 "SELECT sum(j) OVER (ORDER BY j) FROM d LIMIT 1 OFFSET 100000000", 408, QT),
	("json_group_array over an endless CTE",
	 R % "" + "SELECT json_group_array(i) FROM c", 408, QT),
	("LIKE on every row of an endless CTE",
	 R % "" + "SELECT count(*) FROM c WHERE hex(i) LIKE '%0%0%0%0%0%0%0%1%'", 408, QT),
	("GLOB on a 1 MB string per row",
	 "WITH RECURSIVE s AS MATERIALIZED (SELECT hex(zeroblob(495000)) AS h), "
	 "c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c) "
	 "SELECT count(*) FROM c, s WHERE (h || i) GLOB '*0*0*0*0*1*'", 408, QT),
	("json_each joined to an endless CTE",
	 R % "" + "SELECT count(*) FROM c, json_each('[1,2,3,4,5,6,7,8]')", 408, QT),
	("bomb after two quick statements",
	 "SELECT 1; SELECT 2; " + R % "" + "SELECT count(*) FROM c", 408, QT),
	# one deadline for the whole request: many statements each well under it
	("30 statements, each under the deadline",
	 "; ".join([R % " LIMIT 150000" + "SELECT count(*) FROM c"] * 30), 408, QT),
	("trigger running an endless CTE",
	 "CREATE TABLE tr(x); CREATE TRIGGER trt AFTER INSERT ON tr BEGIN "
	 "SELECT count(*) FROM (" + R % "" + "SELECT i FROM c); END; INSERT INTO tr VALUES(1)",
	 408, QT),
	("recursive trigger fan-out",
	 "CREATE TABLE fan(x); CREATE TRIGGER fant AFTER INSERT ON fan WHEN new.x < 5 BEGIN "
	 "INSERT INTO fan VALUES(new.x + 1); INSERT INTO fan VALUES(new.x + 1); END; "
	 "PRAGMA recursive_triggers = ON; INSERT INTO fan VALUES(0)", 400,
	 IS + "too many levels of trigger recursion"),
	("printf('%.*c', 2147483647)", "SELECT printf('%.*c', 2147483647, 'x')", 400, FB + "printf"),
	("format('%.*c', 2147483647)", "SELECT format('%.*c', 2147483647, 'x')", 400, FB + "format"),
	("quoted \"printf\"", "SELECT \"printf\"('%.*c', 2147483647, 'x')", 400, FB + "printf"),
	("printf bomb in a column DEFAULT",
	 "CREATE TABLE pd(a, b DEFAULT (printf('%.*c', 2147483647, 'x'))); "
	 "INSERT INTO pd(a) VALUES(1)", 400, FB + "printf"),
	("LIKE pattern over 100 bytes", "SELECT 'a' LIKE '" + "%a" * 51 + "'", 400,
	 IS + "LIKE or GLOB pattern too complex"),
]


def instr_row(n=90):
	return H + "SELECT " + ", ".join(f"instr(h, substr(n, {k}))" for k in range(1, n)) + " FROM s"


UNINTERRUPTIBLE = [
	# one row of single calls on ~1 MB strings: no VM step in between
	("90 instr() calls in one row", instr_row(), 408, QT),
	("60 replace() calls in one row", H + "SELECT " +
	 ", ".join(f"length(replace(h, substr(n, {k}), 'y'))" for k in range(1, 60)) + " FROM s",
	 408, QT),
	("instr() row inside an open transaction",
	 "BEGIN; UPDATE k SET x = 'uncommitted'; " + instr_row(), 408, QT),
]

def walkin(d):
	if "k" not in d.state:
		d.state["k"] = d.create(SETUP)[0]
	return d.state["k"]


def bomb_case(sql, status, err):
	def f(d):
		tok = walkin(d)
		t0 = time.time()
		r = d.sql(sql, token=tok, timeout=30)
		dt = time.time() - t0
		expect_outcome(r, status, err)
		if status == 408:
			lim = (TIMEOUT_MS + GRACE_MS) / 1000 + SLACK_S
			check(dt <= lim, f"{r.what}: 408 after {dt:.2f} s, bound {lim:.1f} s")
		# The executor's connection may still hold a transaction a
		# progress-handler 408 left open; end it the way a client would.
		d.sql("ROLLBACK", token=tok)
		eq(expect_ok(d.sql("SELECT x FROM k", token=tok))["rows"], [["committed"]],
		   "the walk-in's row after the bomb")
	return f


for _n, _s, _st, _e in INTERRUPTIBLE:
	cpu.add(f"bomb {_n}", bomb_case(_s, _st, _e))
for _n, _s, _st, _e in UNINTERRUPTIBLE:
	cpu2.add(f"bomb {_n}", bomb_case(_s, _st, _e))


@cpu2.case
def neighbour_served_during_a_bomb(d):
	"""While one walk-in's executor spins inside one call, another walk-in's
	requests are answered promptly (each its own process)."""
	tok = walkin(d)
	other, _, _ = d.create("CREATE TABLE o(x); INSERT INTO o VALUES('other')")
	sql = instr_row()
	res = {}

	def bomb():
		res["r"] = d.sql(sql, token=tok, timeout=30)
	t = threading.Thread(target=bomb)
	t.start()
	time.sleep(0.1)
	slow = []
	while t.is_alive():
		t0 = time.time()
		r = d.sql("SELECT x FROM o", token=other)
		eq(expect_ok(r)["rows"], [["other"]], "neighbour rows")
		if time.time() - t0 > 1.0:
			slow.append(round(time.time() - t0, 2))
		time.sleep(0.05)
	t.join()
	expect_outcome(res["r"], 408, QT)
	check(not slow, f"neighbour requests took {slow} s during the bomb")


@cpu2.case
def queued_request_behind_a_bomb(d):
	"""A second request for the same walk-in waits for the 408 and then runs."""
	tok = walkin(d)
	res = {}

	def bomb():
		res["r"] = d.sql(R % "" + "SELECT count(*) FROM c", token=tok, timeout=30)
	t = threading.Thread(target=bomb)
	t.start()
	time.sleep(0.05)
	t0 = time.time()
	r = d.sql("SELECT x FROM k", token=tok, timeout=30)
	dt = time.time() - t0
	t.join()
	expect_outcome(res["r"], 408, QT)
	eq(expect_ok(r)["rows"], [["committed"]], "queued request rows")
	check(dt <= (TIMEOUT_MS + GRACE_MS) / 1000 + SLACK_S, f"queued request took {dt:.2f} s")


@cpu2.case
def pipelined_requests_behind_a_killed_bomb(d):
	"""Requests sent to the same walk-in while its executor is stuck in one
	call (some of them already in its socket, pipelined) never started:
	after the SIGKILL they run, in order, on a new executor."""
	tok = walkin(d)
	res = {}

	def bomb():
		res["bomb"] = d.sql(instr_row(), token=tok, timeout=30)

	def follow(i):
		res[i] = d.sql(f"SELECT x, {i} FROM k", token=tok, timeout=30)
	t = threading.Thread(target=bomb)
	t.start()
	time.sleep(0.1)
	followers = [threading.Thread(target=follow, args=(i,)) for i in range(4)]
	for f in followers:
		f.start()
		time.sleep(0.02)
	t.join()
	for f in followers:
		f.join()
	expect_outcome(res["bomb"], 408, QT)
	for i in range(4):
		eq(expect_ok(res[i])["rows"], [["committed", i]], f"follower {i} behind the bomb")

