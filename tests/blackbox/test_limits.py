"""
test_limits.py: per-request and per-walk-in limits (rows, result bytes,
storage quota, query deadline and the hard kill, body cap option) and the
abuse limits (request and create rates, live walk-ins per IP, node-wide
walk-ins).
"""

import os
import time

from harness import (Group, check, eq, expect_error, expect_ok, expect_status, retry_after,
		     wait_until)

lim = Group("limits", ["--max-rows", "5", "--max-result-bytes", "1024",
		       "--max-db-bytes", "131072", "--query-timeout-ms", "300",
		       "--max-body-bytes", "4096"])
rreq = Group("rate-requests", ["--rate-requests", "5"])
rcre = Group("rate-creates", ["--rate-creates", "2"])
perip = Group("per-ip", ["--max-instances-per-ip", "2"])
node = Group("max-instances", ["--max-instances", "2"])
freed = Group("limits-freed-at-expiry", ["--max-instances-per-ip", "1", "--max-instances", "2",
					  "--ttl", "2"])

SPIN = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"


def rows_sql(n, extra=""):
	return (f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT {n}) "
		f"SELECT x{extra} FROM c")


def heavy_instr_sql(ncols=90):
	"""One row of instr() calls on ~1 MB strings: SQLite cannot interrupt inside
	one call and the progress handler does not run between columns of a row."""
	# aliased: column names count against --max-result-bytes (1 KiB here)
	cols = ", ".join(f"instr(h, substr(n, {k})) AS c{k}" for k in range(1, ncols + 1))
	return ("WITH s AS MATERIALIZED (SELECT hex(zeroblob(495000)) AS h, "
		f"hex(zeroblob(2000)) || 'x' AS n) SELECT {cols} FROM s")


def walkin(d, key, setup="SELECT 1"):
	if key not in d.state:
		d.state[key] = d.create(setup)[0]
	return d.state[key]


# ---------------------------------------------------------------- truncation

TRUNC = [
	# name, sql, rows expected (None: only fewer than asked), truncated
	("4 rows", rows_sql(4), [[1], [2], [3], [4]], False),
	("5 rows (= max)", rows_sql(5), [[1], [2], [3], [4], [5]], False),
	("6 rows", rows_sql(6), [[1], [2], [3], [4], [5]], True),
	("1000 rows", rows_sql(1000), [[1], [2], [3], [4], [5]], True),
	("1 row of 600 bytes", rows_sql(1, ", hex(zeroblob(300))"), [[1, "00" * 300]], False),
	("4 rows of 600 bytes", rows_sql(4, ", hex(zeroblob(300))"), None, True),
]


def trunc_case(sql, rows, truncated):
	def f(d):
		j = expect_ok(d.sql(sql, token=walkin(d, "trunc")))
		if rows is not None:
			eq(j.get("rows"), rows, "rows")
		else:
			check(0 < len(j.get("rows", [])) < 4, f"{len(j.get('rows', []))} rows kept")
		if truncated:
			eq(j.get("truncated"), True, "truncated")
		else:
			check("truncated" not in j, f"'truncated' present: {j.get('truncated')!r}")
	return f


for _n, _s, _r, _t in TRUNC:
	lim.add(f"truncation {_n}", trunc_case(_s, _r, _t))


@lim.case
def single_row_over_byte_cap(d):
	r = d.sql("SELECT hex(zeroblob(2000)) AS big", token=walkin(d, "trunc"))
	j = expect_ok(r)
	eq(j.get("truncated"), True, "truncated")
	check(len(r.body) < 1024 + 200, f"reply of {len(r.body)} bytes with --max-result-bytes 1024")


# ---------------------------------------------------------------- quota

@lim.case
def storage_quota_507(d):
	tok, uid, _ = d.create("CREATE TABLE b(x)")
	got = None
	for i in range(30):
		r = d.sql("INSERT INTO b VALUES(zeroblob(20000))", token=tok)
		if r.status != 200:
			got = r
			break
	check(got is not None, "30 inserts of 20 kB fit in a 128 kB walk-in")
	expect_error(got, 507, "instance storage quota exceeded")
	j = expect_ok(d.sql("SELECT count(*) FROM b", token=tok))
	check(j["rows"][0][0] >= 1, f"rows {j['rows']}")
	expect_error(d.sql("INSERT INTO b VALUES(zeroblob(500000))", token=tok), 507,
		     "instance storage quota exceeded")
	if uid:
		size = os.path.getsize(d.inst(uid, "db.sqlite"))
		check(size <= 131072, f"db.sqlite is {size} bytes, cap 131072")
	expect_ok(d.sql("DELETE FROM b", token=tok))
	expect_ok(d.sql("INSERT INTO b VALUES(zeroblob(20000))", token=tok))


@lim.case
def quota_on_create(d):
	expect_error(d.sql("CREATE TABLE b(x); INSERT INTO b VALUES(zeroblob(500000))"), 507,
		     "instance storage quota exceeded")


@lim.case
def page_size_cannot_raise_quota(d):
	tok, _, _ = d.create("SELECT 1")
	r = d.sql("PRAGMA page_size=65536; CREATE TABLE b(x)", token=tok)
	expect_error(r, 400, "forbidden sql keyword: PRAGMA page_size")


# ---------------------------------------------------------------- deadline

@lim.case
def query_timeout_408(d):
	tok = walkin(d, "spin", "CREATE TABLE k(x); INSERT INTO k VALUES(1)")
	t0 = time.time()
	r = d.sql(SPIN, token=tok)
	dt = time.time() - t0
	expect_error(r, 408, "query timeout")
	check(dt < 5.0, f"408 after {dt:.1f} s with --query-timeout-ms 300")
	eq(expect_ok(d.sql("SELECT x FROM k", token=tok))["rows"], [[1]], "rows after timeout")


@lim.case
def query_timeout_on_create(d):
	expect_error(d.sql(SPIN), 408, "query timeout")


@lim.case
def hard_kill_408_keeps_data(d):
	tok, uid, _ = d.create("CREATE TABLE k(x); INSERT INTO k VALUES('committed')")
	sql = "BEGIN; INSERT INTO k VALUES('uncommitted'); " + heavy_instr_sql()
	check(len(sql) < 4000, f"heavy SQL is {len(sql)} bytes")
	before = set(d.executors(uid)) if uid else set()
	t0 = time.time()
	r = d.sql(sql, token=tok, timeout=40)
	dt = time.time() - t0
	expect_error(r, 408, "query timeout")
	check(dt < 5.0, f"408 after {dt:.1f} s (query-timeout 300 ms + kill grace)")
	check(before, "could not find the walk-in's executor before the request")
	check(wait_until(lambda: not before & set(d.executors(uid)), 2.0),
	      f"executor {sorted(before)} still alive after a 408 inside one instr() call")
	eq(expect_ok(d.sql("SELECT x FROM k", token=tok))["rows"], [["committed"]],
	   "rows after the kill")
	eq(expect_ok(d.sql("PRAGMA integrity_check", token=tok))["rows"], [["ok"]], "integrity")
	expect_ok(d.sql("INSERT INTO k VALUES('after')", token=tok))


@lim.case
def long_column_names_are_a_clean_400(d):
	"""Issue 15: column names were not counted against --max-result-bytes
	and a reply of long names was refused by the front end: a 500 and a
	killed executor, rolling back an open transaction. Names count now,
	and names alone over the cap are a 400 that leaves the walk-in and
	its transaction alone."""
	tok = walkin(d, "names")
	expect_ok(d.sql("BEGIN; CREATE TABLE IF NOT EXISTS nt(x); INSERT INTO nt VALUES(1)",
			token=tok))
	name = "n" * 700
	expect_error(d.sql(f'SELECT 1 AS "{name}a", 2 AS "{name}b"', token=tok), 400,
		     "result too large: the column names alone exceed the reply limit")
	eq(expect_ok(d.sql("SELECT count(*) AS c FROM nt", token=tok))["rows"], [[1]],
	   "transaction still open, executor alive")
	expect_ok(d.sql("COMMIT", token=tok))


@lim.case
def body_cap_option(d):
	import json
	# aliased: an expression's name is its text, comment included, and
	# column names count against --max-result-bytes (1 KiB here)
	base = len(json.dumps({"sql": "SELECT 1 AS one --"}))
	ok = json.dumps({"sql": "SELECT 1 AS one --" + "x" * (4096 - base)}).encode()
	over = json.dumps({"sql": "SELECT 1 AS one --" + "x" * (4097 - base)}).encode()
	eq(len(ok), 4096, "test body size")
	expect_ok(d.sql(None, body=ok, what="POST /sql 4096-byte body"))
	expect_error(d.sql(None, body=over, what="POST /sql 4097-byte body"), 413,
		     "request body too large")


# ---------------------------------------------------------------- rates and caps

@rreq.case
def rate_requests_429(d):
	tok, _, _ = d.create("SELECT 1")
	statuses = []
	r429 = None
	for _ in range(8):
		r = d.sql("SELECT 1", token=tok)
		statuses.append(r.status)
		if r.status == 429:
			r429 = r
			break
	check(r429 is not None, f"no 429 in 8 requests after a create with --rate-requests 5: "
	      f"{statuses}")
	check(len(statuses) <= 5, f"429 only at request {len(statuses) + 1}: {statuses}")
	check(all(s == 200 for s in statuses[:-1]), f"statuses {statuses}")
	expect_error(r429, 429, "rate limit exceeded")
	check(retry_after(r429) <= 60, "Retry-After over a minute")
	# the limit is per client IP
	expect_ok(d.sql("SELECT 1", token=tok, source="127.0.0.2"))
	expect_error(d.sql("SELECT 1"), 429, "rate limit exceeded")


@rcre.case
def rate_creates_429(d):
	statuses = []
	tok = None
	r429 = None
	for _ in range(4):
		r = d.sql("SELECT 1")
		statuses.append(r.status)
		if r.status == 200 and tok is None:
			tok = r.token
		if r.status == 429:
			r429 = r
			break
	check(r429 is not None and len(statuses) == 3,
	      f"statuses of creates with --rate-creates 2: {statuses}")
	expect_error(r429, 429, "rate limit exceeded")
	check(retry_after(r429) <= 60, "Retry-After over a minute")
	check(r429.token is None, "429 carries X-Walkin-Session")
	expect_ok(d.sql("SELECT 2", token=tok))
	expect_ok(d.sql("SELECT 3", source="127.0.0.3"))


@perip.case
def max_instances_per_ip(d):
	toks = [d.create("SELECT 1")[0] for _ in range(2)]
	r = d.sql("SELECT 1")
	expect_status(r, (429, 503))
	expect_error(r, r.status)
	check(r.token is None, "refused create carries X-Walkin-Session")
	retry_after(r)
	for t in toks:
		expect_ok(d.sql("SELECT 1", token=t))
	expect_ok(d.sql("SELECT 1", source="127.0.0.2"))


@node.case
def max_instances_node(d):
	toks = [d.create("SELECT 1")[0] for _ in range(2)]
	for src in (None, "127.0.0.2"):
		r = d.sql("SELECT 1", source=src)
		expect_error(r, 503, "server busy")
		retry_after(r)
		check(r.token is None, "503 carries X-Walkin-Session")
	for t in toks:
		expect_ok(d.sql("SELECT 1", token=t))


@freed.case
def create_limits_freed_at_expiry(d):
	"""The per-IP and node-wide counts let creates in again once the
	counted walk-ins' expiry seconds have been swept (walk-ins are counted
	per expiry second, not held in memory one by one)."""
	_, _, r1 = d.create("SELECT 1")
	expect_status(d.sql("SELECT 1"), 429)			# per IP: 1
	_, _, r2 = d.create("SELECT 1", source="127.0.0.2")
	expect_error(d.sql("SELECT 1", source="127.0.0.3"), 503, "server busy")	# node: 2
	swept = wait_until(lambda: d.get("/healthz").json()["live_instances"] == 0, 20.0, 0.25)
	check(swept, "live_instances not 0 within 20 s of a 2 s TTL")
	check(time.time() >= max(r1.ttl, r2.ttl), "counted walk-ins uncounted before their expiry")
	d.create("SELECT 1")
	d.create("SELECT 1", source="127.0.0.3")
	eq(d.get("/healthz").json()["live_instances"], 2, "live_instances after two new creates")
