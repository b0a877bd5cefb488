"""
test_session.py: the walk-in's life through /session: create (empty,
from a database file, from a SQL script), inspect, schema, export (.db
and .sql), import round trips, fork, delete; the token in
Authorization: Bearer; bad uploads; limits on the new routes.
"""

import base64
import json
import os
import sqlite3
import tempfile
import threading

from harness import (Group, check, eq, expect_error, expect_ok, expect_status,
		     wait_until, TOKEN_RE)

g = Group("session")

I64_MIN = -9223372036854775808
I64_MAX = 9223372036854775807

FIXTURE = [
	"CREATE TABLE kinds(id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n)",
	"INSERT INTO kinds VALUES(1, %d, 1.5, 'plain', x'00ff10', NULL)" % I64_MIN,
	"INSERT INTO kinds VALUES(2, %d, -2.25e-300, 'quote '' and \"', x'', NULL)" % I64_MAX,
	"INSERT INTO kinds VALUES(3, 0, 1e300, 'nul' || char(0) || 'inside', zeroblob(3), 7)",
	"CREATE TABLE child(id INTEGER PRIMARY KEY AUTOINCREMENT, "
	"kind INTEGER REFERENCES kinds(id) ON DELETE CASCADE, label TEXT NOT NULL DEFAULT 'x')",
	"INSERT INTO child(kind, label) VALUES(1, 'one'), (2, 'two')",
	"CREATE INDEX child_kind ON child(kind)",
	"CREATE VIEW kind_labels AS SELECT k.id, c.label FROM kinds k JOIN child c ON c.kind = k.id",
	"CREATE TRIGGER child_upper AFTER INSERT ON child BEGIN "
	"UPDATE child SET label = upper(label) WHERE id = new.id; END",
]


def bearer(tok):
	return {"Authorization": "Bearer " + tok}


def new_session(d, body=None, ctype=None, **kw):
	h = {}
	if ctype:
		h["Content-Type"] = ctype
	return d.request("POST", "/session", body=body, headers=h, **kw)


def created(r):
	expect_status(r, 201)
	j = r.json()
	tok = j.get("session")
	check(tok is not None and TOKEN_RE.match(tok), f"session {tok!r}")
	eq(r.token, tok, "X-Walkin-Session header equals the body's")
	eq(r.ttl, j.get("expires_at"), "X-Walkin-TTL equals expires_at")
	return tok


def run(d, tok, sql, status=200):
	r = d.sql(sql, tok)
	expect_status(r, status)
	return r.json()


def fixture(d):
	r = new_session(d)
	tok = created(r)
	for s in FIXTURE:
		run(d, tok, s)
	return tok


def dump_all(con_or_rows):
	return con_or_rows


def table_rows(d, tok, table):
	r = d.sql(f"SELECT * FROM {table} ORDER BY 1", tok)
	return expect_ok(r)["rows"]


def export_db(d, tok):
	r = d.get("/session/export.db", headers=bearer(tok))
	expect_status(r, 200)
	eq(r.header("Content-Type"), "application/vnd.sqlite3", "export content type")
	check("attachment" in (r.header("Content-Disposition") or ""), "attachment")
	return r.body


def open_bytes(data):
	fd, path = tempfile.mkstemp(suffix=".db")
	with os.fdopen(fd, "wb") as f:
		f.write(data)
	return path


# ---------------------------------------------------------------- create

@g.case
def create_empty(d):
	before = d.instance_ids()
	tok = created(new_session(d))
	eq(len(d.instance_ids() - before), 1, "one walk-in on disk")
	j = run(d, tok, "SELECT count(*) FROM sqlite_schema")
	eq(j["rows"], [[0]], "empty")


@g.case
def info(d):
	tok = fixture(d)
	j = expect_ok(d.get("/session", headers={"X-Walkin-Session": tok}))
	for k in ("expires_at", "seconds_left", "bytes_used", "bytes_limit"):
		check(isinstance(j.get(k), int), f"{k} in {j}")
	check(0 < j["seconds_left"] <= 600, f"seconds_left {j['seconds_left']}")
	check(j["bytes_used"] > 0, "bytes used")
	eq(j["bytes_limit"], 10485760, "bytes limit")


@g.case
def token_in_authorization_bearer_on_sql(d):
	tok = fixture(d)
	r = d.request("POST", "/sql", body=json.dumps({"sql": "SELECT count(*) FROM kinds"}),
		      headers={"Content-Type": "application/json", **bearer(tok)})
	eq(expect_ok(r)["rows"], [[3]], "bearer token on /sql")
	check(r.token is None, "no new token: not a create")


@g.case
def conflicting_tokens(d):
	a = created(new_session(d))
	b = created(new_session(d))
	r = d.get("/session", headers={"X-Walkin-Session": a, **bearer(b)})
	expect_error(r, 400, "conflicting session tokens")


@g.case
def missing_and_bad_tokens(d):
	for path in ("/session", "/session/schema", "/session/export.db",
		     "/session/export.sql"):
		r = d.get(path)
		expect_error(r, 401, "missing session token")
		eq(r.header("WWW-Authenticate"), "Bearer", "WWW-Authenticate")
		expect_error(d.get(path, headers=bearer("wkn_forged")), 404,
			     "instance not found")
	expect_error(d.request("POST", "/session/fork"), 401, "missing session token")
	expect_error(d.request("DELETE", "/session"), 401, "missing session token")


@g.case
def schema(d):
	tok = fixture(d)
	j = expect_ok(d.get("/session/schema", headers=bearer(tok)))
	text = json.dumps(j)
	for name in ("kinds", "child", "child_kind", "kind_labels", "child_upper"):
		check(name in text, f"schema names {name}")
	check("sqlite_sequence" not in text, "internal tables hidden")


@g.case
def status_lines_have_their_reason_phrase(d):
	"""201, 401 and 409 were "Unknown" on the status line."""
	import http.client
	tok = None
	for method, path, hdr, want in (("POST", "/session", {"Content-Length": "0"}, (201, "Created")),
					("GET", "/session", {}, (401, "Unauthorized"))):
		c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
		c.request(method, path, headers=hdr)
		r = c.getresponse()
		body = r.read()
		eq((r.status, r.reason), want, f"{method} {path} status line")
		if r.status == 201:
			tok = json.loads(body)["session"]
		c.close()
	run(d, tok, "BEGIN")
	c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
	c.request("GET", "/session/export.db", headers=bearer(tok))
	r = c.getresponse()
	r.read()
	eq((r.status, r.reason), (409, "Conflict"), "export in a transaction")
	c.close()


# ---------------------------------------------------------------- export/import

@g.case
def export_read_by_python_integrity_ok(d):
	tok = fixture(d)
	path = open_bytes(export_db(d, tok))
	try:
		con = sqlite3.connect(path)
		eq(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)], "integrity")
		eq(con.execute("SELECT i FROM kinds ORDER BY id").fetchall(),
		   [(I64_MIN,), (I64_MAX,), (0,)], "values")
		con.close()
	finally:
		os.unlink(path)


@g.case
def export_import_round_trip_equal(d):
	tok = fixture(d)
	data = export_db(d, tok)
	tok2 = created(new_session(d, data, "application/vnd.sqlite3"))
	check(tok2 != tok, "a new walk-in")
	for t in ("kinds", "child", "kind_labels", "sqlite_sequence"):
		eq(table_rows(d, tok2, t), table_rows(d, tok, t), f"table {t}")
	eq(table_rows(d, tok2, "sqlite_schema"), table_rows(d, tok, "sqlite_schema"),
	   "schema")
	r = run(d, tok2, "SELECT hex(b), typeof(b), hex(t) FROM kinds WHERE id = 3")
	eq(r["rows"], [["000000", "blob", "6E756C00696E73696465".upper()]], "blob and NUL text")
	run(d, tok2, "INSERT INTO child(kind, label) VALUES(3, 'three')")
	eq(run(d, tok2, "SELECT label FROM child WHERE kind = 3")["rows"], [["THREE"]],
	   "trigger came along")


@g.case
def export_sql_rebuilds_in_python(d):
	tok = fixture(d)
	r = d.get("/session/export.sql", headers=bearer(tok))
	expect_status(r, 200)
	check((r.header("Content-Type") or "").startswith("application/sql"), "sql type")
	con = sqlite3.connect(":memory:")
	con.executescript(r.body.decode("utf-8"))
	got = con.execute("SELECT id, i, r, t, hex(b), n FROM kinds ORDER BY id").fetchall()
	want = [tuple(x) for x in run(d, tok, "SELECT id, i, r, t, hex(b), n FROM kinds "
				      "ORDER BY id")["rows"]]
	eq(got, want, "dump rebuilds every value")
	eq(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)], "integrity")


@g.case
def import_sql_script(d):
	script = "\n".join(FIXTURE) + ";\n"
	script = ";\n".join(FIXTURE) + ";\n"
	tok = created(new_session(d, script, "application/sql"))
	eq(table_rows(d, tok, "child"), [[1, 1, "one"], [2, 2, "two"]], "script ran")


@g.case
def import_sql_script_error_creates_nothing(d):
	before = d.instance_ids()
	r = new_session(d, "CREATE TABLE a(x); SELECT * FROM nosuch;", "application/sql")
	expect_error(r, 400, "invalid sql: no such table: nosuch")
	check(wait_until(lambda: not (d.instance_ids() - before), 5),
	      f"walk-ins left: {d.instance_ids() - before}")
	expect_error(new_session(d, "SELECT load_extension('x')", "application/sql"),
		     400, prefix="forbidden sql keyword")


@g.case
def import_garbage_refused_nothing_created(d):
	before = d.instance_ids()
	for body in (b"not a database at all" * 50, b"SQLite format 3\x00" + b"\x00" * 84,
		     b"\x00" * 4096):
		r = new_session(d, body, "application/vnd.sqlite3")
		expect_error(r, 400, prefix="invalid database: ")
		check(r.token is None, "no token")
	check(wait_until(lambda: not (d.instance_ids() - before), 5),
	      f"walk-ins left: {d.instance_ids() - before}")


@g.case
def upload_wrong_type(d):
	expect_error(new_session(d, b"x", "text/plain"), 415,
		     "content-type must be application/vnd.sqlite3 or application/sql")


# ---------------------------------------------------------------- fork, delete

@g.case
def fork_diverges(d):
	tok = fixture(d)
	r = d.request("POST", "/session/fork", headers=bearer(tok))
	tok2 = created(r)
	check(tok2 != tok, "fork has its own token")
	eq(table_rows(d, tok2, "kinds"), table_rows(d, tok, "kinds"), "fork holds a copy")
	run(d, tok2, "DELETE FROM kinds WHERE id = 1")
	run(d, tok, "INSERT INTO kinds(id) VALUES(9)")
	eq([x[0] for x in table_rows(d, tok, "kinds")], [1, 2, 3, 9], "original")
	eq([x[0] for x in table_rows(d, tok2, "kinds")], [2, 3], "fork")


@g.case
def delete_then_404(d):
	tok = fixture(d)
	uid = [u for u in d.instance_ids()][-1]
	before = d.instance_ids()
	r = d.request("DELETE", "/session", headers=bearer(tok))
	expect_status(r, 204)
	eq(r.body, b"", "204 has no body")
	check(len(before - d.instance_ids()) == 1, "the walk-in's directory is gone")
	expect_error(d.sql("SELECT 1", tok), 404, "instance not found")
	expect_error(d.get("/session", headers=bearer(tok)), 404, "instance not found")
	expect_error(d.request("DELETE", "/session", headers=bearer(tok)), 404,
		     "instance not found")
	del uid


@g.case
def export_in_open_transaction(d):
	tok = fixture(d)
	run(d, tok, "BEGIN; INSERT INTO kinds(id) VALUES(50)")
	r = d.get("/session/export.db", headers=bearer(tok))
	expect_error(r, 409, "transaction open: COMMIT or ROLLBACK first")
	expect_error(d.get("/session/export.sql", headers=bearer(tok)), 409,
		     "transaction open: COMMIT or ROLLBACK first")
	expect_error(d.request("POST", "/session/fork", headers=bearer(tok)), 409,
		     "transaction open: COMMIT or ROLLBACK first")
	run(d, tok, "COMMIT")
	path = open_bytes(export_db(d, tok))
	try:
		con = sqlite3.connect(path)
		eq(con.execute("SELECT count(*) FROM kinds WHERE id = 50").fetchall(),
		   [(1,)], "committed row exported")
		con.close()
	finally:
		os.unlink(path)


@g.case
def fork_and_delete_race_a_running_query(d):
	tok = fixture(d)
	spin = ("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c "
		"WHERE i < 3000000) SELECT count(*) FROM c")
	out = {}

	def bg():
		out["r"] = d.sql(spin, tok)
	t = threading.Thread(target=bg)
	t.start()
	f = d.request("POST", "/session/fork", headers=bearer(tok))
	x = d.request("DELETE", "/session", headers=bearer(tok))
	t.join(30)
	check(f.status in (201, 404), f"fork: {f.status} {f.body[:100]}")
	expect_status(x, 204)
	check(out["r"].status in (200, 404, 408), f"query: {out['r'].status}")
	if f.status == 201:
		eq(table_rows(d, f.token, "kinds")[0][0], 1, "the fork is whole")
	expect_error(d.sql("SELECT 1", tok), 404, "instance not found")
	expect_ok(d.get("/healthz"))


# ---------------------------------------------------------------- limits

small = Group("session-limits", ["--max-db-bytes", "65536", "--rate-creates", "3",
				  "--max-instances-per-ip", "4"])


@small.case
def oversized_upload_refused(d):
	before = d.instance_ids()
	r = new_session(d, b"x" * 70000, "application/vnd.sqlite3")
	expect_error(r, 413, "request body too large")
	check(wait_until(lambda: not (d.instance_ids() - before), 5),
	      f"walk-ins left: {d.instance_ids() - before}")


@small.case
def page_count_over_cap_refused(d):
	fd, path = tempfile.mkstemp(suffix=".db")
	os.close(fd)
	try:
		con = sqlite3.connect(path)
		con.execute("PRAGMA page_size=512")
		con.execute("CREATE TABLE big(x)")
		con.execute("INSERT INTO big VALUES(zeroblob(60000))")
		con.commit()
		con.close()
		data = open(path, "rb").read()
	finally:
		os.unlink(path)
	check(len(data) <= 65536, f"fixture {len(data)} bytes fits the body cap")
	# claims more pages than the file holds
	bad = bytearray(data)
	bad[28:32] = (len(data) // 512 + 100).to_bytes(4, "big")
	r = new_session(d, bytes(bad), "application/vnd.sqlite3")
	expect_error(r, 400, prefix="invalid database: ")


@small.case
def create_rate_limit_applies_to_session_routes(d):
	codes = [new_session(d).status for _ in range(5)]
	check(201 in codes and 429 in codes, f"codes {codes}")


# ---------------------------------------------------------------- hostile files

hostile = Group("session-hostile")


def db_bytes(statements, page_size=None):
	"""A database file made by Python's sqlite3 (Debian's library, not
	walkind's policy), as an attacker would upload it."""
	fd, path = tempfile.mkstemp(suffix=".db")
	os.close(fd)
	try:
		con = sqlite3.connect(path)
		if page_size:
			con.execute(f"PRAGMA page_size={page_size}")
		for s in statements:
			con.execute(s)
		con.commit()
		con.close()
		with open(path, "rb") as f:
			return f.read()
	finally:
		os.unlink(path)


def refused(d, data, prefix="invalid database: "):
	before = d.instance_ids()
	r = new_session(d, data, "application/vnd.sqlite3")
	e = expect_error(r, 400, prefix=prefix)
	check(r.token is None, "no token")
	check(wait_until(lambda: not (d.instance_ids() - before), 5),
	      f"walk-ins left: {d.instance_ids() - before}")
	return e


HOSTILE_SCHEMAS = [
	("view calls printf", ["CREATE VIEW v AS SELECT printf('%d', 1) AS x"], "printf"),
	("trigger calls load_extension", [
		"CREATE TABLE t(x)",
		"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT load_extension('x'); END"],
	 "load_extension"),
	("fts3 table", ["CREATE VIRTUAL TABLE f USING fts3(a)"], None),
]


def hostile_schema_case(stmts, word):
	def f(d):
		e = refused(d, db_bytes(stmts), "invalid database: schema refused")
		if word:
			check(word in e, f"{e!r} names {word}")
	return f


for _n, _s, _w in HOSTILE_SCHEMAS:
	hostile.add(f"schema {_n}", hostile_schema_case(_s, _w))


@hostile.case
def default_calling_printf_imports_but_never_runs(d):
	"""The policy allows this schema through POST /sql too (the call is
	refused when it would run, by printf's stand-in): the same here."""
	tok = created(new_session(d, db_bytes(["CREATE TABLE t(x DEFAULT "
					       "(printf('%.*c', 2147483647, 'x')))"]),
				  "application/vnd.sqlite3"))
	expect_error(d.sql("INSERT INTO t DEFAULT VALUES", tok), 400,
		     "forbidden sql keyword: printf")


@hostile.case
def bad_page_size(d):
	data = bytearray(db_bytes(["CREATE TABLE t(x)", "INSERT INTO t VALUES(1)"]))
	data[16:18] = (1000).to_bytes(2, "big")
	refused(d, bytes(data))


@hostile.case
def truncated_file(d):
	data = db_bytes(["CREATE TABLE t(x)", "INSERT INTO t VALUES(randomblob(9000))"])
	refused(d, data[:len(data) - 1000])


@hostile.case
def corrupt_page_refused(d):
	data = bytearray(db_bytes(["CREATE TABLE t(x)", "CREATE INDEX i ON t(x)"] +
				  [f"INSERT INTO t VALUES({i})" for i in range(300)]))
	ps = int.from_bytes(data[16:18], "big")
	for k in range(ps + 8, ps + 400):	# page 2's cell pointers and cells
		data[k] = 0xA5
	refused(d, bytes(data))


@hostile.case
def unsound_virtual_tables_refused(d):
	"""integrity_check does not look inside virtual tables: a constructor
	that fails and an fts5 index that disagrees with its content are
	refused at import, not left to answer 500 at every use."""
	e = refused(d, db_bytes(["CREATE VIRTUAL TABLE f USING fts5(a)",
				 "UPDATE f_config SET v = 99 WHERE k = 'version'"]))
	check(e.startswith("invalid database: virtual table f unreadable: "),
	      f"message {e!r}")
	e = refused(d, db_bytes(["CREATE VIRTUAL TABLE f USING fts5(a)",
				 "INSERT INTO f VALUES('alpha')",
				 "UPDATE f_content SET c0 = 'beta'"]))
	eq(e, "invalid database: virtual table f unreadable: database disk "
	   "image is malformed", "fts5 index against content")


@hostile.case
def sound_file_after_hostile_ones_still_imports(d):
	tok = created(new_session(d, db_bytes(["CREATE TABLE ok(x)",
						  "INSERT INTO ok VALUES(42)"]),
				  "application/vnd.sqlite3"))
	eq(table_rows(d, tok, "ok"), [[42]], "import")
	eq(run(d, tok, "PRAGMA integrity_check")["rows"], [["ok"]], "integrity")


@hostile.case
def big_page_size_keeps_the_byte_cap(d):
	"""SECURITY-FACTS 1.5: max_page_count counts pages; an imported file
	with 64 KiB pages must not get 16 times the byte cap."""
	tok = created(new_session(d, db_bytes(["CREATE TABLE t(x)"], page_size=65536),
				  "application/vnd.sqlite3"))
	r = d.sql("INSERT INTO t SELECT randomblob(900000) FROM "
		  "(WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c "
		  "WHERE i < 20) SELECT i FROM c)", tok)
	expect_error(r, 507, "instance storage quota exceeded")
	j = expect_ok(d.get("/session", headers=bearer(tok)))
	check(j["bytes_used"] <= j["bytes_limit"], f"{j}")


# ---------------------------------------------------------------- limits and log

caps = Group("session-caps", ["--max-instances-per-ip", "2", "--rate-requests", "12"])


@caps.case
def per_ip_cap_and_request_rate_on_session_routes(d):
	a = created(new_session(d, b"", "application/sql"))
	created(new_session(d))
	expect_error(new_session(d), 429, "rate limit exceeded")
	r = d.request("POST", "/session/fork", headers={**bearer(a), "Content-Length": "0"})
	expect_error(r, 429, "rate limit exceeded")
	# the deletion frees the IP's slot at once (its live entry knows the owner)
	expect_status(d.request("DELETE", "/session", headers=bearer(a)), 204)
	created(new_session(d))
	codes = [d.get("/session", headers=bearer(a)).status for _ in range(12)]
	check(429 in codes, f"GET /session counts against --rate-requests: {codes}")


@g.case
def access_log_has_every_session_route(d):
	ua = "walkind-session-log/" + os.urandom(4).hex()
	h = {"User-Agent": ua}
	r = d.request("POST", "/session", headers=h)
	tok = created(r)
	for method, path in (("GET", "/session"), ("GET", "/session/schema"),
			     ("GET", "/session/export.db"), ("GET", "/session/export.sql"),
			     ("POST", "/session/fork"), ("DELETE", "/session")):
		d.request(method, path, headers={**h, **bearer(tok)})

	def mine():
		out = []
		ld = d.path("logs")
		for f in os.listdir(ld):
			with open(os.path.join(ld, f), "rb") as fh:
				out += [json.loads(x) for x in fh.read().splitlines() if ua.encode() in x]
		return out
	wait_until(lambda: len(mine()) >= 7, 5)
	recs = mine()
	eq(sorted(x["http_status"] for x in recs), [200, 200, 200, 200, 201, 201, 204],
	   "one line a request")
	uid = recs[0].get("instance_id")
	check(uid and all(x.get("instance_id") for x in recs), "instance ids logged")
	raw = b"".join(open(os.path.join(d.path("logs"), f), "rb").read()
		       for f in os.listdir(d.path("logs")))
	check(tok.encode() not in raw, "the token is not logged")
