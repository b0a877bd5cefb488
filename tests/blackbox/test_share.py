"""
test_share.py: read-only share tokens (POST /session/share, issue 13) and
the playground's page (GET / and its assets: the Content-Security-Policy
and the other headers).

A share token reads the walk-in through POST /sql, GET /session,
/session/schema and the exports; every write form is refused by the
executor ("read-only share: writes are refused") and leaves the database
as it was; fork, delete, share and POST /session answer it as any
unknown token (404); a tampered token is a 404; a share token of one
walk-in sees nothing of another.
"""

import base64
import json
import re

from harness import Group, check, eq, expect_error, expect_ok, expect_status

g = Group("share")

SHARE_RE = re.compile(r"^wks_[A-Za-z0-9_-]{99}$")
RO_MSG = "read-only share: writes are refused"

SETUP = [
	"CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
	"INSERT INTO t(v) VALUES('a'), ('b')",
	"CREATE TABLE log(x)",
	"CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log VALUES(new.v); END",
	"CREATE VIEW tv AS SELECT v FROM t",
	"CREATE INDEX t_v ON t(v)",
]

# Every write form a reader might try; each must be refused and change
# nothing.
WRITES = [
	"INSERT INTO t(v) VALUES('x')",
	"INSERT INTO t(v) VALUES('x') RETURNING id",
	"INSERT OR REPLACE INTO t VALUES(1, 'x')",
	"REPLACE INTO t VALUES(1, 'x')",
	"UPDATE t SET v = 'x'",
	"UPDATE t SET v = 'x' RETURNING *",
	"DELETE FROM t",
	"DELETE FROM t RETURNING id",
	"WITH c(n) AS (SELECT 1) INSERT INTO t(v) SELECT n FROM c",
	"WITH c AS (SELECT 1) DELETE FROM t",
	"INSERT INTO t(v) SELECT v FROM t",
	"CREATE TABLE u(a)",
	"CREATE TABLE u AS SELECT * FROM t",
	"CREATE INDEX ti ON t(v)",
	"CREATE VIEW w AS SELECT 1",
	"CREATE TRIGGER tr AFTER DELETE ON t BEGIN SELECT 1; END",
	"CREATE VIRTUAL TABLE f USING fts5(a)",
	"CREATE VIRTUAL TABLE r USING rtree(id, a, b)",
	"DROP TABLE t",
	"DROP VIEW tv",
	"DROP TRIGGER t_log",
	"ALTER TABLE t ADD COLUMN w",
	"ALTER TABLE t RENAME TO t2",
	"REINDEX",
	"ANALYZE",
	"BEGIN",
	"BEGIN DEFERRED",
	"BEGIN IMMEDIATE",
	"BEGIN EXCLUSIVE",
	"COMMIT",
	"END",
	"ROLLBACK",
	"SAVEPOINT sp",
	"RELEASE sp",
	"PRAGMA user_version = 7",
	"PRAGMA application_id = 7",
	"PRAGMA foreign_keys = OFF",
	"PRAGMA query_only = 1",
	"PRAGMA recursive_triggers = 1",
	"PRAGMA case_sensitive_like = 1",
	"SELECT 1; INSERT INTO t(v) VALUES('x')",
	"EXPLAIN INSERT INTO t(v) VALUES('x')",
]


def bearer(tok):
	return {"Authorization": "Bearer " + tok}


def walkin(d):
	tok, _, _ = d.create(SETUP[0])
	for s in SETUP[1:]:
		expect_ok(d.sql(s, tok))
	return tok


def share_of(d, tok):
	r = d.request("POST", "/session/share", headers={
		"X-Walkin-Session": tok, "Content-Length": "0"})
	j = expect_ok(r)
	s = j.get("share")
	check(isinstance(s, str) and SHARE_RE.match(s), f"share token {s!r}")
	check(isinstance(j.get("expires_at"), int), f"expires_at in {j}")
	eq(r.ttl, j["expires_at"], "X-Walkin-TTL equals expires_at")
	check(r.token is None, "no X-Walkin-Session on a share reply")
	return s, j["expires_at"]


def state(d, tok):
	"""Everything a write could change, read with the owner's token."""
	rows = expect_ok(d.sql("SELECT id, v FROM t ORDER BY id", tok))["rows"]
	log = expect_ok(d.sql("SELECT count(*) FROM log", tok))["rows"]
	schema = expect_ok(d.sql(
		"SELECT type, name, sql FROM sqlite_schema ORDER BY name", tok))["rows"]
	prag = expect_ok(d.sql(
		"SELECT (SELECT user_version FROM pragma_user_version), "
		"(SELECT application_id FROM pragma_application_id), "
		"(SELECT foreign_keys FROM pragma_foreign_keys), "
		"(SELECT query_only FROM pragma_query_only)", tok))["rows"]
	return rows, log, schema, prag


@g.case
def share_minted(d):
	tok = walkin(d)
	s, exp = share_of(d, tok)
	info = expect_ok(d.get("/session", headers={"X-Walkin-Session": tok}))
	eq(exp, info["expires_at"], "the share expires with the walk-in")
	s2, _ = share_of(d, tok)
	check(s != s2, "each share token has its own nonce")


@g.case
def share_reads(d):
	tok = walkin(d)
	s, _ = share_of(d, tok)
	eq(expect_ok(d.sql("SELECT v FROM t ORDER BY id", s))["rows"], [["a"], ["b"]],
	   "SELECT with the share token")
	eq(expect_ok(d.sql("SELECT count(*) FROM tv", s, headers={}))["rows"], [[2]],
	   "a view")
	r = d.sql(None, body=json.dumps({"sql": "SELECT ?", "args": [5],
					  "all_results": True}), headers=bearer(s))
	eq(expect_ok(r)["results"][0]["rows"], [[5]], "args and all_results, Bearer")
	for q in ("PRAGMA table_info(t)", "PRAGMA user_version",
		  "SELECT * FROM pragma_table_info('t')", "PRAGMA integrity_check",
		  "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c "
		  "WHERE n < 5) SELECT sum(n) FROM c"):
		expect_ok(d.sql(q, s))
	info = expect_ok(d.get("/session", headers=bearer(s)))
	check(info["bytes_used"] > 0, "GET /session with a share token")
	sch = expect_ok(d.get("/session/schema", headers=bearer(s)))
	check("t" in json.dumps(sch), "schema with a share token")
	r = d.get("/session/export.db", headers=bearer(s))
	expect_status(r, 200)
	check(r.body.startswith(b"SQLite format 3\0"), "export.db with a share token")
	r = d.get("/session/export.sql", headers=bearer(s))
	expect_status(r, 200)
	check(b"CREATE TABLE t" in r.body, "export.sql with a share token")


@g.case
def share_every_write_refused(d):
	tok = walkin(d)
	s, _ = share_of(d, tok)
	before = state(d, tok)
	for q in WRITES:
		r = d.sql(q, s)
		expect_error(r, 400, RO_MSG)
		check(r.token is None, f"{q!r}: no session token handed out")
	eq(state(d, tok), before, "nothing changed")
	# The owner still writes, and is not inside a reader's transaction.
	expect_ok(d.sql("BEGIN", tok))
	expect_ok(d.sql("INSERT INTO t(v) VALUES('c')", tok))
	expect_ok(d.sql("COMMIT", tok))
	eq(expect_ok(d.sql("SELECT count(*) FROM t", s))["rows"], [[3]], "reader sees it")


@g.case
def share_cannot_end_owner_transaction(d):
	tok = walkin(d)
	s, _ = share_of(d, tok)
	expect_ok(d.sql("BEGIN", tok))
	expect_ok(d.sql("INSERT INTO t(v) VALUES('open')", tok))
	for q in ("ROLLBACK", "COMMIT", "END", "ROLLBACK TO sp", "RELEASE sp"):
		expect_error(d.sql(q, s), 400, RO_MSG)
	expect_ok(d.sql("ROLLBACK", tok))
	eq(expect_ok(d.sql("SELECT count(*) FROM t", tok))["rows"], [[2]],
	   "the owner's rollback, not the reader's, decided")


@g.case
def share_all_results_names_statement(d):
	tok = walkin(d)
	s, _ = share_of(d, tok)
	r = d.sql(None, body=json.dumps({"sql": "SELECT 1; DELETE FROM t; SELECT 2",
					  "all_results": True}), headers=bearer(s))
	expect_status(r, 400)
	j = r.json()
	eq(j["error"], RO_MSG, "top-level error")
	eq(j["results"][1]["error"], {"message": RO_MSG, "statement_index": 1},
	   "the failing statement's entry")
	eq(len(j["results"]), 2, "stops at the refused statement")


@g.case
def share_keyword_layer_first(d):
	tok = walkin(d)
	s, _ = share_of(d, tok)
	expect_error(d.sql("ATTACH 'x' AS y", s), 400, prefix="forbidden sql keyword")


@g.case
def share_refused_routes(d):
	tok = walkin(d)
	s, _ = share_of(d, tok)
	for h in ({"X-Walkin-Session": s}, bearer(s)):
		h = dict(h, **{"Content-Length": "0"})
		expect_error(d.request("POST", "/session/fork", headers=h), 404,
			     "instance not found")
		expect_error(d.request("POST", "/session/share", headers=h), 404,
			     "instance not found")
		expect_error(d.request("DELETE", "/session", headers=h), 404,
			     "instance not found")
		expect_error(d.request("POST", "/session", headers=h), 404,
			     "instance not found")
		db = d.get("/session/export.db", headers=bearer(tok)).body
		expect_error(d.request("POST", "/session", body=db, headers=dict(
			h, **{"Content-Type": "application/vnd.sqlite3",
			      "Content-Length": str(len(db))})), 404, "instance not found")
		expect_error(d.request("POST", "/session", body="CREATE TABLE z(a)",
				       headers=dict(h, **{"Content-Type": "application/sql",
							  "Content-Length": "17"})),
			     404, "instance not found")
	# The other doors (Hrana, MCP) take session tokens only.
	body = json.dumps({"requests": [{"type": "execute", "stmt": {
		"sql": "INSERT INTO t(v) VALUES('hrana')"}}, {"type": "close"}]})
	for path in ("/v2/pipeline", "/v3/pipeline"):
		r = d.request("POST", path, body=body, headers={
			"Authorization": "Bearer " + s, "Content-Type": "application/json"})
		expect_status(r, 404)
	# The walk-in is still there, whole.
	eq(expect_ok(d.sql("SELECT count(*) FROM t", tok))["rows"], [[2]], "still there")


def tampered(tok):
	"""Every byte of the decoded token flipped, one at a time."""
	raw = base64.urlsafe_b64decode(tok[4:] + "=")
	for i in range(len(raw)):
		b = bytearray(raw)
		b[i] ^= 0x01
		yield tok[:4] + base64.urlsafe_b64encode(bytes(b)).decode().rstrip("=")


@g.case
def share_tampering(d):
	tok = walkin(d)
	s, _ = share_of(d, tok)
	n = 0
	for t in tampered(s):
		expect_error(d.sql("SELECT 1", t), 404, "instance not found")
		n += 1
	eq(n, 74, "bytes flipped")
	# The prefix swapped either way: the MAC domain differs.
	expect_error(d.sql("SELECT 1", "wkn_" + s[4:]), 404, "instance not found")
	expect_error(d.sql("SELECT 1", "wks_" + tok[4:]), 404, "instance not found")
	expect_error(d.get("/session", headers=bearer("wkn_" + s[4:])), 404,
		     "instance not found")
	# A session token sent as a share one is still only a session token.
	expect_ok(d.sql("SELECT 1", tok))


@g.case
def share_other_walkin(d):
	a = walkin(d)
	b, _, _ = d.create("CREATE TABLE secret(x)")
	expect_ok(d.sql("INSERT INTO secret VALUES('hidden')", b))
	s, _ = share_of(d, a)
	expect_error(d.sql("SELECT * FROM secret", s), 400, prefix="invalid sql: no such table")
	sch = expect_ok(d.get("/session/schema", headers=bearer(s)))
	check("secret" not in json.dumps(sch), "b's schema not visible")


@g.case
def share_after_delete(d):
	tok = walkin(d)
	s, _ = share_of(d, tok)
	expect_status(d.request("DELETE", "/session", headers=bearer(tok)), 204)
	expect_error(d.sql("SELECT 1", s), 404, "instance not found")
	expect_error(d.get("/session", headers=bearer(s)), 404, "instance not found")


@g.case
def share_without_token(d):
	expect_error(d.request("POST", "/session/share", headers={"Content-Length": "0"}),
		     401, "missing session token")
	r = d.request("GET", "/session/share")
	expect_status(r, 405)


# ---------------------------------------------------------------- the page

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
       "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'none'")

PAGES = [
	("/", "text/html; charset=utf-8"),
	("/app.js", "text/javascript; charset=utf-8"),
	("/app.css", "text/css; charset=utf-8"),
]


@g.case
def page_headers(d):
	for path, ct in PAGES:
		r = d.get(path)
		expect_status(r, 200)
		eq(r.header("Content-Type"), ct, f"{path} Content-Type")
		eq(r.header("Content-Security-Policy"), CSP, f"{path} CSP")
		eq(r.header("X-Content-Type-Options"), "nosniff", f"{path} nosniff")
		eq(r.header("Referrer-Policy"), "no-referrer", f"{path} Referrer-Policy")
		eq(r.header("X-Frame-Options"), "DENY", f"{path} X-Frame-Options")
		check(len(r.body) > 100, f"{path} has a body")
		h = d.request("HEAD", path)
		expect_status(h, 200)
		eq(h.body, b"", f"HEAD {path} has no body")


@g.case
def page_no_inline(d):
	html = d.get("/").body.decode()
	check(re.search(r"<script(?![^>]*\bsrc=)", html) is None, "no inline <script>")
	check("<style" not in html, "no <style> element")
	check(re.search(r"\sstyle=", html) is None, "no style attribute")
	check(re.search(r"\son[a-z]+=", html) is None, "no inline event handler")
	check(re.search(r"(src|href)=\"(https?:)?//", html) is None, "nothing off-site")
	js = d.get("/app.js").body.decode()
	check("eval(" not in js and "new Function" not in js, "no eval in app.js")


@g.case
def page_routes(d):
	expect_error(d.request("POST", "/", headers={"Content-Length": "0"}), 405,
		     "method not allowed")
	expect_error(d.get("/app.jsx"), 404, "not found")
	expect_error(d.get("/index.html/.."), 404, "not found")
	expect_status(d.get("/?x=1"), 200)
