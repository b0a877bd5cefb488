"""
test_api.py: the v1 API on a default daemon: routing, the README
walk-through, statements and transactions, request validation, value
encoding, isolation and token tampering, CORS, on-disk layout, access log.
"""

import json
import os
import re
import stat
import time
import uuid as uuidlib

from harness import (Group, check, eq, expect_error, expect_ok, expect_status,
		     expect_json_ct, short, wait_until, UUID_RE)

g = Group("api")
cors = Group("cors-origin", ["--cors-origin", "https://play.example.com"])

MARKER = "bbmarker_" + uuidlib.uuid4().hex	# must never reach a log
UA = "walkind-blackbox/" + uuidlib.uuid4().hex[:8]


def walkin(d, key, setup="SELECT 1"):
	"""A walk-in shared by the cases of this group, created on first use."""
	if key not in d.state:
		tok, uid, _ = d.create(setup)
		d.state[key] = (tok, uid)
	return d.state[key][0]


# ---------------------------------------------------------------- routing

@g.case
def healthz(d):
	j = expect_ok(d.get("/healthz"))
	eq(j.get("status"), "ok", "healthz status")


@g.case
def openapi(d):
	r = d.get("/openapi.json")
	j = expect_ok(r)
	check(str(j.get("openapi", "")).startswith("3.1"), f"openapi version {j.get('openapi')!r}")
	ops = set()
	for item in (j.get("paths") or {}).values():
		for op in item.values():
			if isinstance(op, dict) and "operationId" in op:
				ops.add(op["operationId"])
	check({"executeSQL", "getHealth"} <= ops, f"operationIds {sorted(ops)}")


ROUTES = [
	# method, path, status, error, Allow must contain
	("GET", "/nope", 404, "not found", None),
	("POST", "/sqlx", 404, "not found", None),
	("POST", "/", 405, "method not allowed", ("GET", "HEAD", "OPTIONS")),	# the playground
	("GET", "/sql", 405, "method not allowed", ("POST", "OPTIONS")),
	("DELETE", "/sql", 405, "method not allowed", ("POST", "OPTIONS")),
	("PUT", "/sql", 405, "method not allowed", ("POST", "OPTIONS")),
	("POST", "/healthz", 405, "method not allowed", ("GET",)),
	("POST", "/openapi.json", 405, "method not allowed", ("GET",)),
]


def route_case(method, path, status, err, allow):
	def f(d):
		body = b'{"sql":"SELECT 1"}' if method in ("POST", "PUT") else None
		r = d.request(method, path, body=body,
			      headers={"Content-Type": "application/json"} if body else {})
		expect_error(r, status, err)
		if allow:
			a = [x.strip().upper() for x in (r.header("Allow") or "").split(",")]
			for m in allow:
				check(m in a, f"{method} {path}: Allow {r.header('Allow')!r} lacks {m}")
	return f


for _m, _p, _s, _e, _a in ROUTES:
	g.add(f"route {_m} {_p}", route_case(_m, _p, _s, _e, _a))


# ---------------------------------------------------------------- walk-through

@g.case
def readme_walkthrough(d):
	t0 = int(time.time())
	tok, uid, r = d.create("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); "
			       "INSERT INTO notes(body) VALUES('hello')")
	eq(r.json(), {"rows_affected": 1}, "create body")
	expect_json_ct(r)
	ttl = r.ttl
	check(t0 + 600 - 2 <= ttl <= int(time.time()) + 600 + 1,
	      f"X-Walkin-TTL {ttl} is not creation time + 600 (now {t0})")
	check(uid is not None and UUID_RE.match(uid), f"instance dir uuid {uid!r}")
	r2 = d.sql("SELECT id, body FROM notes", token=tok)
	eq(expect_ok(r2), {"columns": ["id", "body"], "rows": [[1, "hello"]], "rows_affected": 0},
	   "select body")
	eq(r2.ttl, ttl, "X-Walkin-TTL on a later 200")
	r3 = d.sql("INSERT INTO notes(body) VALUES(\"dq\")", token=tok)	# DQS stays on
	eq(expect_ok(r3), {"rows_affected": 1}, "double-quoted literal insert")
	eq(r3.ttl, ttl, "X-Walkin-TTL unchanged by use")


@g.case
def token_format(d):
	tok, uid, r = d.create()
	check(len(tok) < 200, f"token length {len(tok)}")
	check(uid and uid[14] == "7", f"instance id {uid!r} is not a UUIDv7")


# ---------------------------------------------------------------- statements

@g.case
def multi_statement_stops_at_first_error(d):
	tok = walkin(d, "multi", "CREATE TABLE m(x)")
	r = d.sql("INSERT INTO m VALUES(1); INSERT INTO nosuch VALUES(2); INSERT INTO m VALUES(3)",
		  token=tok)
	expect_error(r, 400, "invalid sql: no such table: nosuch")
	j = expect_ok(d.sql("SELECT x FROM m ORDER BY x", token=tok))
	eq(j["rows"], [[1]], "rows after partial failure")


@g.case
def rows_affected_whole_request(d):
	tok = walkin(d, "ra", "CREATE TABLE ra(x)")
	j = expect_ok(d.sql("INSERT INTO ra VALUES(1),(2); INSERT INTO ra VALUES(3); "
			    "UPDATE ra SET x = x + 10 WHERE x < 3", token=tok))
	eq(j, {"rows_affected": 5}, "body")


@g.case
def columns_from_last_result_set(d):
	tok = walkin(d, "cols", "CREATE TABLE c(x)")
	j = expect_ok(d.sql("SELECT 1 AS a; SELECT 2 AS b, 'x' AS \"c d\"; "
			    "INSERT INTO c VALUES(7)", token=tok))
	eq(j, {"columns": ["b", "c d"], "rows": [[2, "x"]], "rows_affected": 1}, "body")


@g.case
def empty_result_set_has_columns(d):
	tok = walkin(d, "cols", "CREATE TABLE c(x)")
	j = expect_ok(d.sql("SELECT x FROM c WHERE x < 0", token=tok))
	eq(j, {"columns": ["x"], "rows": [], "rows_affected": 0}, "body")


@g.case
def transaction_across_requests(d):
	tok = walkin(d, "txn", "CREATE TABLE t(x)")
	expect_ok(d.sql("BEGIN; INSERT INTO t VALUES(1)", token=tok))
	expect_ok(d.sql("INSERT INTO t VALUES(2)", token=tok))
	expect_ok(d.sql("COMMIT", token=tok))
	j = expect_ok(d.sql("SELECT count(*) FROM t", token=tok))
	eq(j["rows"], [[2]], "rows after COMMIT")


@g.case
def rollback_across_requests(d):
	tok = walkin(d, "txn2", "CREATE TABLE t(x); INSERT INTO t VALUES(0)")
	expect_ok(d.sql("BEGIN; DELETE FROM t", token=tok))
	expect_ok(d.sql("ROLLBACK", token=tok))
	eq(expect_ok(d.sql("SELECT count(*) FROM t", token=tok))["rows"], [[1]], "rows after ROLLBACK")


@g.case
def default_max_rows_10000(d):
	tok = walkin(d, "big")
	j = expect_ok(d.sql("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
			    "LIMIT 20000) SELECT x FROM c", token=tok))
	eq(len(j["rows"]), 10000, "row count")
	eq(j["rows"][-1], [10000], "last row")
	eq(j.get("truncated"), True, "truncated")


# ---------------------------------------------------------------- request validation

BAD_BODIES = [
	# name, raw body, status, error
	("not json", b"SELECT 1", 400, "invalid json"),
	("truncated json", b'{"sql": "SELECT 1"', 400, "invalid json"),
	("empty body", b"", 400, "invalid json"),
	("json array", b'["SELECT 1"]', 400, "invalid json"),
	("json string", b'"SELECT 1"', 400, "invalid json"),
	("json null", b"null", 400, "invalid json"),
	("no sql", b"{}", 400, "missing sql"),
	("sql empty", b'{"sql": ""}', 400, "missing sql"),
	("sql number", b'{"sql": 5}', 400, "missing sql"),
	("sql null", b'{"sql": null}', 400, "missing sql"),
	("sql array", b'{"sql": ["SELECT 1"]}', 400, "missing sql"),
	("sql object", b'{"sql": {"a": 1}}', 400, "missing sql"),
	("sql with NUL", b'{"sql": "SELECT \'a\\u0000b\'"}', 400, "sql contains NUL byte"),
	("sql NUL at end", b'{"sql": "SELECT 1\\u0000"}', 400, "sql contains NUL byte"),
	("sql NUL hides ATTACH", b'{"sql": "SELECT 1;\\u0000ATTACH \':memory:\' AS m"}', 400,
	 "sql contains NUL byte"),
]


def bad_body_case(body, status, err, with_token):
	def f(d):
		tok = walkin(d, "badbody") if with_token else None
		expect_error(d.sql(None, token=tok, body=body), status, err)
	return f


for _n, _b, _s, _e in BAD_BODIES:
	g.add(f"body {_n}", bad_body_case(_b, _s, _e, False))
	g.add(f"body {_n} (session)", bad_body_case(_b, _s, _e, True))


@g.case
def args_are_bound_not_ignored(d):
	"""walkindb accepted "args" and ignored it (SELECT ? answered null);
	walkind binds it (tests/blackbox/test_args.py has the rest)."""
	for body in (b'{"sql": "SELECT ? AS v", "args": [7]}',
		     b'{"sql": "SELECT 7 AS v", "args": []}',
		     b'{"args": {"x": 7}, "sql": "SELECT :x AS v"}'):
		j = expect_ok(d.sql(None, body=body, what=f"POST /sql {body!r}"))
		eq(j.get("rows"), [[7]], f"rows for {body!r}")


@g.case
def unicode_escapes_in_sql(d):
	j = expect_ok(d.sql(None, body=b'{"sql": "SELECT \'\\u00e9\\ud83d\\ude00\' AS s"}'))
	eq(j["rows"], [["\u00e9\U0001F600"]], "rows")


CTYPES = [
	# Content-Type (None = absent), expected status
	(None, 415),
	("text/plain", 415),
	("application/x-www-form-urlencoded", 415),
	("application/jsonx", 415),
	("multipart/form-data; boundary=x", 415),
	("application/json", 200),
	("application/json; charset=utf-8", 200),
	("application/json;charset=UTF-8", 200),
	("Application/JSON", 200),
]


def ctype_case(ct, status):
	def f(d):
		r = d.sql("SELECT 1", ctype=ct, what=f"POST /sql Content-Type {ct!r}")
		if status == 200:
			expect_ok(r)
		else:
			expect_error(r, status, "content-type must be application/json")
	return f


for _ct, _s in CTYPES:
	g.add(f"content-type {_ct!r}", ctype_case(_ct, _s))


@g.case
def content_type_checked_with_session(d):
	tok = walkin(d, "ct")
	expect_error(d.sql("SELECT 1", token=tok, ctype="text/plain"), 415,
		     "content-type must be application/json")


# ---------------------------------------------------------------- values

VALUES = [
	# name, select expression(s), expected row (Python values), raw text in body
	("int64 max", "9223372036854775807", [9223372036854775807], "9223372036854775807"),
	("int64 min", "-9223372036854775807 - 1", [-9223372036854775808], "-9223372036854775808"),
	("int 2^53+1", "9007199254740993", [9007199254740993], "9007199254740993"),
	("zero and negative", "0, -1", [0, -1], None),
	("real 0.1", "0.1", [0.1], "0.1"),
	("real 1e300", "1e300", [1e300], None),
	("real -2.5", "-2.5", [-2.5], "-2.5"),
	("real 1/3", "1.0/3", [1.0 / 3], None),
	("real 5e-324", "4.9406564584124654e-324", [5e-324], None),
	("inf is null", "1e999, -1e999", [None, None], None),
	("null", "NULL", [None], "null"),
	("text", "'hello'", ["hello"], None),
	("text unicode", "'h\u00e9llo \u2713 \U0001F600'", ["h\u00e9llo \u2713 \U0001F600"], None),
	("text with NUL", "'a' || char(0) || 'b'", ["a\x00b"], "\\u0000"),
	("text control chars", "char(1) || char(31) || char(10) || char(9) || '\"\\'",
	 ["\x01\x1f\n\t\"\\"], None),
	("text invalid utf-8", "CAST(x'C328FF' AS TEXT)", ["\ufffd(\ufffd"], None),
	("text lone continuation", "CAST(x'61806162' AS TEXT)", ["a\ufffdab"], None),
	("text surrogate bytes", "CAST(x'EDA080' AS TEXT)", None, None),
	("text overlong", "CAST(x'C0AF' AS TEXT)", None, None),
	("blob", "x'00ff10'", ["AP8Q"], None),
	("blob empty", "x''", [""], None),
	("blob zeroblob", "zeroblob(3)", ["AAAA"], None),
	("blob padding", "x'fbff'", ["+/8="], None),
]


def value_case(expr, row, raw):
	def f(d):
		tok = walkin(d, "values")
		r = d.sql(f"SELECT {expr}", token=tok)
		expect_status(r, 200)
		try:
			text = r.body.decode("utf-8")
		except UnicodeDecodeError as e:
			raise AssertionError(f"body is not valid UTF-8 ({e}): {r.body!r}")
		j = expect_ok(r)
		rows = j.get("rows")
		check(isinstance(rows, list) and len(rows) == 1, f"rows {rows!r}")
		if row is not None:
			eq(rows[0], row, "row")
			for got, want in zip(rows[0], row):
				eq(type(got), type(want), f"JSON type of {want!r}")
		else:
			for v in rows[0]:
				check(isinstance(v, str) and "\ufffd" in v, f"value {v!r}: no U+FFFD")
				check(not any(0xD800 <= ord(c) <= 0xDFFF for c in v),
				      f"value {v!r} holds a surrogate")
		if raw is not None:
			check(raw in text, f"raw body lacks {raw!r}: {short(text)}")
	return f


for _n, _x, _row, _raw in VALUES:
	g.add(f"value {_n}", value_case(_x, _row, _raw))


@g.case
def stored_values_roundtrip(d):
	tok = walkin(d, "store", "CREATE TABLE v(i INTEGER, r REAL, t TEXT, b BLOB, n)")
	expect_ok(d.sql("INSERT INTO v VALUES(-9223372036854775807 - 1, 0.1, "
			"'a' || char(0) || 'b', x'00ff10', NULL)", token=tok))
	j = expect_ok(d.sql("SELECT * FROM v", token=tok))
	eq(j["columns"], ["i", "r", "t", "b", "n"], "columns")
	eq(j["rows"], [[-9223372036854775808, 0.1, "a\x00b", "AP8Q", None]], "rows")


# ---------------------------------------------------------------- isolation, tokens

@g.case
def isolation_between_walkins(d):
	ta, ua, _ = d.create("CREATE TABLE t(v); INSERT INTO t VALUES('A-only'); "
			     "CREATE TABLE only_a(x)")
	tb, ub, _ = d.create("CREATE TABLE t(v); INSERT INTO t VALUES('B-only')")
	check(ta != tb and ua != ub, "two creates returned the same walk-in")
	eq(expect_ok(d.sql("SELECT v FROM t", token=ta))["rows"], [["A-only"]], "A sees")
	eq(expect_ok(d.sql("SELECT v FROM t", token=tb))["rows"], [["B-only"]], "B sees")
	expect_error(d.sql("SELECT * FROM only_a", token=tb), 400, "invalid sql: no such table: only_a")
	j = expect_ok(d.sql("SELECT name FROM sqlite_master ORDER BY name", token=tb))
	eq(j["rows"], [["t"]], "B's schema")


def tampered(tok):
	alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

	def flip(i, mask=32):
		c = tok[i]
		return tok[:i] + alpha[alpha.index(c) ^ mask] + tok[i + 1:]
	n = len(tok)
	return [
		("flip first payload char", flip(4)),
		("flip version", flip(5)),
		("flip in uuid", flip(12)),
		("flip in expiry", flip(36)),
		("flip middle", flip(n // 2)),
		("flip in mac", flip(n - 5)),
		("flip last char", flip(n - 1)),
		("non-canonical last char", flip(n - 1, 1)),
		("truncated by 1", tok[:-1]),
		("truncated by 4", tok[:-4]),
		("appended A", tok + "A"),
		("appended AAAA", tok + "AAAA"),
		("wrong prefix", "wkx_" + tok[4:]),
		("uppercase prefix", "WKN_" + tok[4:]),
		("no prefix", tok[4:]),
		("prefix only", "wkn_"),
		("empty", ""),
		("garbage", "wkn_!!!!$$$$"),
		("standard base64 chars", tok.replace("-", "+").replace("_", "/")
		 if ("-" in tok or "_" in tok) else tok[:-2] + "+/"),
		("doubled", tok + tok),
		("long", "wkn_" + "A" * 2000),
	]


@g.case
def tampered_tokens_404(d):
	tok = walkin(d, "tamper", "CREATE TABLE secret(x); INSERT INTO secret VALUES(42)")
	expect_ok(d.sql("SELECT x FROM secret", token=tok))
	bodies = set()
	bad = []
	for name, t in tampered(tok):
		if t == tok:
			continue
		r = d.sql("SELECT x FROM secret", token=t, what=f"token {name}")
		try:
			expect_error(r, 404, "instance not found")
			check(r.token is None, f"token {name}: 404 carries X-Walkin-Session")
			bodies.add(r.body)
		except AssertionError as e:
			bad.append(str(e))
	check(not bad, "; ".join(bad))
	eq(len(bodies), 1, "number of distinct 404 bodies")


@g.case
def foreign_uuid_token_404(d):
	"""A token for a walk-in that never existed (random bytes) is 404."""
	import base64
	import os as _os
	fake = "wkn_" + base64.urlsafe_b64encode(_os.urandom(74)).decode().rstrip("=")
	expect_error(d.sql("SELECT 1", token=fake), 404, "instance not found")


# ---------------------------------------------------------------- CORS

@g.case
def cors_preflight(d):
	r = d.request("OPTIONS", "/sql", headers={
		"Origin": "https://example.org",
		"Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "content-type, x-walkin-session"})
	expect_status(r, 204)
	eq(r.header("Access-Control-Allow-Origin"), "*", "Access-Control-Allow-Origin")
	meth = (r.header("Access-Control-Allow-Methods") or "").upper()
	check("POST" in meth, f"Access-Control-Allow-Methods {meth!r}")
	hdrs = (r.header("Access-Control-Allow-Headers") or "").lower()
	for h in ("content-type", "x-walkin-session"):
		check(h in hdrs, f"Access-Control-Allow-Headers {hdrs!r} lacks {h}")
	check(len(r.body) == 0, f"204 with a body {short(r.body)}")


def expose_ok(r, origin="*"):
	eq(r.header("Access-Control-Allow-Origin"), origin, f"{r.what}: Access-Control-Allow-Origin")
	ex = (r.header("Access-Control-Expose-Headers") or "").lower()
	for h in ("x-walkin-session", "x-walkin-ttl", "retry-after"):
		check(h in ex, f"{r.what}: Access-Control-Expose-Headers {ex!r} lacks {h}")


@g.case
def cors_on_every_response(d):
	tok = walkin(d, "cors")
	rs = [d.sql("SELECT 1"), d.sql("SELECT 1", token=tok), d.sql("SELEC 1", token=tok),
	      d.sql("SELECT 1", token="wkn_x"), d.sql("SELECT 1", ctype="text/plain"),
	      d.get("/healthz"), d.get("/openapi.json"), d.get("/nope"), d.get("/sql"),
	      d.sql(None, body=b"{")]
	bad = []
	for r in rs:
		try:
			expose_ok(r)
		except AssertionError as e:
			bad.append(str(e))
	check(not bad, "; ".join(bad))


@cors.case
def cors_origin_option(d):
	r = d.request("OPTIONS", "/sql", headers={"Origin": "https://play.example.com",
						   "Access-Control-Request-Method": "POST"})
	expect_status(r, 204)
	eq(r.header("Access-Control-Allow-Origin"), "https://play.example.com", "preflight ACAO")
	expose_ok(d.sql("SELECT 1"), "https://play.example.com")
	expose_ok(d.get("/nope"), "https://play.example.com")


# ---------------------------------------------------------------- disk layout, logs

@g.case
def instance_layout(d):
	tok, uid, r = d.create("CREATE TABLE x(y)")
	check(uid is not None, "no new directory under DATA/instances")
	check(UUID_RE.match(uid), f"instance dir {uid!r} is not a canonical lowercase uuid")
	# DATA/instances/<expires>/<uuid>/: one bucket per expiry second
	eq(os.path.dirname(d.inst(uid)), d.path("instances", str(r.ttl)), "bucket directory")
	files = set(os.listdir(d.inst(uid)))
	check("db.sqlite" in files, f"DATA/instances/{uid}/ lacks db.sqlite: {sorted(files)}")
	# the meta is the directory's xattr where the file system has them
	# (no block, no inode), else a meta file
	try:
		meta = os.getxattr(d.inst(uid), "user.walkind.meta")
	except OSError:
		check("meta" in files, f"DATA/instances/{uid}/ has neither the "
		      f"user.walkind.meta xattr nor a meta file: {sorted(files)}")
	else:
		check(meta.startswith(b"walkind-meta 1\ncreated "), f"meta xattr {meta!r}")
		check("meta" not in files, "both a meta xattr and a meta file")


@g.case
def secrets_private(d):
	sd = d.path("secrets")
	check(os.path.isdir(sd), "DATA/secrets missing")
	files = os.listdir(sd)
	check(files, "DATA/secrets is empty")
	for f in files:
		m = os.stat(os.path.join(sd, f)).st_mode
		check(stat.S_IMODE(m) & 0o077 == 0, f"DATA/secrets/{f} mode {oct(stat.S_IMODE(m))}")
	check(stat.S_IMODE(os.stat(sd).st_mode) & 0o077 == 0,
	      f"DATA/secrets mode {oct(stat.S_IMODE(os.stat(sd).st_mode))}")


LOG_KEYS = {"timestamp", "source_ip", "instance_id", "http_method", "http_status",
	    "sql_byte_length", "user_agent"}


def log_lines(d):
	out = []
	ld = d.path("logs")
	for f in sorted(os.listdir(ld)) if os.path.isdir(ld) else []:
		with open(os.path.join(ld, f), "rb") as fh:
			for ln in fh.read().splitlines():
				out.append((f, ln))
	return out


@g.case
def access_log(d):
	sql = f"CREATE TABLE lg(v); INSERT INTO lg VALUES('{MARKER}')"
	tok, uid, r = d.create(sql, headers={"User-Agent": UA})
	r2 = d.sql(f"SELECT v FROM lg WHERE v = '{MARKER}'", token=tok, headers={"User-Agent": UA})
	eq(expect_ok(r2)["rows"], [[MARKER]], "marker row")
	expect_error(d.sql(None, body=b"{", headers={"User-Agent": UA + "-bad"}), 400, "invalid json")
	day = time.strftime("%Y-%m-%d", time.gmtime())

	def mine():
		return [ln for _, ln in log_lines(d) if UA.encode() in ln]
	wait_until(lambda: len(mine()) >= 3, 5.0)
	time.sleep(0.2)
	lines = mine()
	eq(len(lines), 3, f"log lines with our User-Agent ({lines!r})")
	names = {f for f, _ in log_lines(d) if f.startswith("access-")}
	check(f"access-{day}.jsonl" in names
	      or f"access-{time.strftime('%Y-%m-%d', time.gmtime(time.time() - 5))}.jsonl" in names,
	      f"no DATA/logs/access-{day}.jsonl: {sorted(names)}")
	for f in names:
		check(re.fullmatch(r"access-\d{4}-\d{2}-\d{2}\.jsonl", f), f"unexpected log name {f}")
	recs = []
	for ln in lines:
		try:
			recs.append(json.loads(ln))
		except ValueError:
			raise AssertionError(f"log line is not JSON: {short(ln)}")
	for rec in recs:
		keys = set(rec)
		check(keys <= LOG_KEYS and LOG_KEYS - {"instance_id"} <= keys,
		      f"log keys {sorted(keys)}")
		eq(rec["source_ip"], "127.0.0.1", "source_ip")
		eq(rec["http_method"], "POST", "http_method")
	ok = [x for x in recs if x.get("user_agent") == UA]
	eq(sorted(x["http_status"] for x in ok), [200, 200], "statuses of our two 200s")
	for x in ok:
		if uid:
			eq(x.get("instance_id"), uid, "instance_id")
	lens = sorted(x["sql_byte_length"] for x in ok)
	want = sorted([len(sql.encode()),
		       len(f"SELECT v FROM lg WHERE v = '{MARKER}'".encode())])
	eq(lens, want, "sql_byte_length")
	badr = [x for x in recs if x.get("user_agent") == UA + "-bad"]
	check(badr and "instance_id" not in badr[0], f"invalid-json line {badr!r} has instance_id")
	eq(badr[0]["http_status"], 400, "status of the bad request")
	d.state["log_secrets"] = (MARKER, tok)


def walk_files(top):
	for root, _, files in os.walk(top):
		for f in files:
			yield os.path.join(root, f)


@g.case
def logs_hold_no_sql_or_token(d):
	if "log_secrets" not in d.state:
		access_log(d)
	marker, tok = d.state["log_secrets"]
	# every token this group saw
	toks = [tok] + [v[0] for v in d.state.values() if isinstance(v, tuple) and
			str(v[0]).startswith("wkn_")]
	found = []
	for p in list(walk_files(d.path("logs"))):
		with open(p, "rb") as fh:
			data = fh.read()
		for s in [marker] + toks:
			if s.encode() in data or s[4:40].encode() in data:
				found.append((p, s[:20]))
	err = d.stderr_text()
	for s in [marker] + toks:
		if s.encode() in err or s[4:40].encode() in err:
			found.append(("daemon stderr", s[:20]))
	check(not found, f"SQL marker or token found in logs: {found}")


# ---------------------------------------------------------------- concurrency, hostile JSON

@g.case
def concurrent_requests_one_walkin(d):
	import threading
	tok = walkin(d, "conc", "CREATE TABLE c(x)")
	res = []

	def one(i):
		try:
			res.append(d.sql(f"INSERT INTO c VALUES({i}); SELECT count(*) FROM c", token=tok))
		except OSError as e:
			res.append(e)
	ts = [threading.Thread(target=one, args=(i,)) for i in range(8)]
	for t in ts:
		t.start()
	for t in ts:
		t.join(20)
	bad = [short(r.body) if hasattr(r, "body") else str(r) for r in res
	       if not hasattr(r, "status") or r.status != 200]
	check(len(res) == 8 and not bad, f"{len(res)} answers, failures {bad}")
	counts = sorted(r.json()["rows"][0][0] for r in res)
	eq(counts, list(range(1, 9)), "counts seen by serialized requests")


HOSTILE_JSON = [
	("deep nesting", b'{"sql": "SELECT 1", "args": ' + b"[" * 3000 + b"]" * 3000 + b"}"),
	("deep objects", b'{"sql": "SELECT 1", "args": [' + b'{"a":' * 1200 + b"1" + b"}" * 1200
	 + b"]}"),
	("invalid utf-8 in sql", b'{"sql": "SELECT \'\xff\xfe\'"}'),
	("lone surrogate escape", b'{"sql": "SELECT \'\\ud800\'"}'),
	("duplicate sql keys", b'{"sql": "SELECT 1", "sql": "SELECT 2"}'),
	("huge number", b'{"sql": "SELECT 1", "args": [1e999999]}'),
	("trailing garbage", b'{"sql": "SELECT 1"} xyz'),
	("BOM", b'\xef\xbb\xbf{"sql": "SELECT 1"}'),
]


def hostile_case(body):
	def f(d):
		r = d.sql(None, body=body, what=f"POST /sql {short(body, 50)!r}")
		expect_status(r, (200, 400))
		try:
			r.body.decode("utf-8")
		except UnicodeDecodeError:
			raise AssertionError(f"reply is not UTF-8: {r.body!r}")
		if r.status == 400:
			expect_error(r, 400)
		else:
			for row in r.json().get("rows", []):
				for v in row:
					check(not (isinstance(v, str) and any(0xD800 <= ord(c) <= 0xDFFF
									    for c in v)),
					      f"value {v!r} holds a surrogate")
		expect_ok(d.get("/healthz"))
	return f


for _n, _b in HOSTILE_JSON:
	g.add(f"hostile json {_n}", hostile_case(_b))


def check_log_lines(d):
	"""Every line of every access log is one JSON object with only the seven
	keys; returns the raw lines."""
	lines = log_lines(d)
	check(lines, "no access log lines")
	for f, ln in lines:
		try:
			rec = json.loads(ln)
		except ValueError:
			raise AssertionError(f"{f}: not JSON: {short(ln)}")
		check(isinstance(rec, dict) and set(rec) <= LOG_KEYS
		      and LOG_KEYS - {"instance_id"} <= set(rec), f"{f}: keys {sorted(rec)}")
	return lines


@g.case
def log_lines_all_valid(d):
	ua = 'q"uote\\back\tslash'
	d.get("/healthz", headers={"User-Agent": ua})
	time.sleep(0.3)
	lines = check_log_lines(d)
	check(any(json.loads(ln).get("user_agent") == ua for _, ln in lines),
	      f"no log line with user_agent {ua!r}")
