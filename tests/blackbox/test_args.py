"""
test_args.py: POST /sql's bound parameters ("args") and per-statement
results ("all_results"): every value type both ways, int64 extremes and
blobs, every args error, and a failing statement in the middle.
"""

import base64
import json

from harness import (Group, check, eq, expect_error, expect_ok, expect_status,
		     wait_until)

g = Group("args")

I64_MIN = -9223372036854775808
I64_MAX = 9223372036854775807


def post(d, body, token=None):
	h = {"Content-Type": "application/json"}
	if token:
		h["X-Walkin-Session"] = token
	return d.request("POST", "/sql", body=json.dumps(body), headers=h,
			 what=f"POST /sql {json.dumps(body)[:80]}")


def walkin(d):
	if "tok" not in d.state:
		tok, _, _ = d.create("CREATE TABLE t(k INTEGER PRIMARY KEY, v)")
		d.state["tok"] = tok
	return d.state["tok"]


def rows(d, body, token=None):
	return expect_ok(post(d, body, token or walkin(d)))["rows"]


# ---------------------------------------------------------------- values

VALUES = [
	# args value, expected result value, typeof()
	(1, 1, "integer"),
	(I64_MIN, I64_MIN, "integer"),
	(I64_MAX, I64_MAX, "integer"),
	({"type": "integer", "value": str(I64_MIN)}, I64_MIN, "integer"),
	({"type": "integer", "value": str(I64_MAX)}, I64_MAX, "integer"),
	({"type": "integer", "value": 42}, 42, "integer"),
	(1.5, 1.5, "real"),
	(-0.25, -0.25, "real"),
	({"type": "float", "value": 2.5}, 2.5, "real"),
	("text ' \" ; DROP TABLE t; --", "text ' \" ; DROP TABLE t; --", "text"),
	({"type": "text", "value": "héllo ☃"}, "héllo ☃", "text"),
	(None, None, "null"),
	({"type": "null"}, None, "null"),
	(True, 1, "integer"),
	(False, 0, "integer"),
]


def value_case(arg, want, typ):
	def f(d):
		r = rows(d, {"sql": "SELECT ?, typeof(?1)", "args": [arg]})
		eq(r, [[want, typ]], f"SELECT ? with {arg!r}")
	return f


for _i, (_a, _w, _t) in enumerate(VALUES):
	g.add(f"value {_i} {json.dumps(_a)[:40]}", value_case(_a, _w, _t))


@g.case
def int64_extremes_stored_and_read_back(d):
	tok = walkin(d)
	for k, v in ((1, I64_MIN), (2, I64_MAX), (3, -1)):
		expect_ok(post(d, {"sql": "INSERT OR REPLACE INTO t VALUES(?, ?)",
				   "args": [k, {"type": "integer", "value": str(v)}]}, tok))
	r = rows(d, {"sql": "SELECT v FROM t WHERE k IN (1,2,3) ORDER BY k"}, tok)
	eq(r, [[I64_MIN], [I64_MAX], [-1]], "int64 round trip")
	r = rows(d, {"sql": "SELECT k FROM t WHERE v = ?", "args": [I64_MAX]}, tok)
	eq(r, [[2]], "int64 compared exactly")


@g.case
def blob_round_trip(d):
	tok = walkin(d)
	data = bytes(range(256)) + b"\x00\x00end"
	b64 = base64.b64encode(data).decode()
	expect_ok(post(d, {"sql": "INSERT OR REPLACE INTO t VALUES(10, ?)",
			   "args": [{"type": "blob", "base64": b64}]}, tok))
	r = rows(d, {"sql": "SELECT v, typeof(v), length(v) FROM t WHERE k = 10"}, tok)
	eq(r, [[b64, "blob", len(data)]], "blob comes back as base64")
	# unpadded base64 and the empty blob
	r = rows(d, {"sql": "SELECT hex(?), hex(?), typeof(?2)",
		     "args": [{"type": "blob", "base64": "AAE"},
			      {"type": "blob", "base64": ""}]}, tok)
	eq(r, [["0001", "", "blob"]], "unpadded and empty blobs")


@g.case
def text_with_nul_through_typed_value(d):
	r = rows(d, {"sql": "SELECT length(CAST(? AS BLOB)), hex(?1)",
		     "args": [{"type": "text", "value": "a\u0000b"}]})
	eq(r, [[3, "610062"]], "text holding NUL keeps its length")


@g.case
def named_args_every_prefix(d):
	r = rows(d, {"sql": "SELECT :a, @b, $c",
		     "args": {"a": 1, "@b": "two", "$c": None}})
	eq(r, [[1, "two", None]], "named args")
	r = rows(d, {"sql": "SELECT :a, :a", "args": {":a": 7}})
	eq(r, [[7, 7]], "a name used twice binds once")


@g.case
def numbered_positional(d):
	r = rows(d, {"sql": "SELECT ?2, ?1", "args": ["x", "y"]})
	eq(r, [["y", "x"]], "?NNN")


@g.case
def args_are_never_sql(d):
	tok = walkin(d)
	expect_ok(post(d, {"sql": "SELECT ?", "args": ["'); DROP TABLE t; --"]}, tok))
	expect_ok(post(d, {"sql": "SELECT ?", "args": ["load_extension('x')"]}, tok))
	expect_ok(post(d, {"sql": "SELECT count(*) FROM t"}, tok))


@g.case
def args_null_means_none(d):
	r = rows(d, {"sql": "SELECT 1", "args": None})
	eq(r, [[1]], "args null")


@g.case
def named_args_over_several_statements(d):
	tok = walkin(d)
	j = expect_ok(post(d, {"sql": "INSERT OR REPLACE INTO t VALUES(:k, :v); "
			       "SELECT v FROM t WHERE k = :k",
			       "args": {"k": 20, "v": "twenty"}}, tok))
	eq(j["rows"], [["twenty"]], "named args shared by two statements")


# ---------------------------------------------------------------- errors

ERRORS = [
	# body, exact message or prefix (ending in "...")
	({"sql": "SELECT ?, ?", "args": [1]},
	 "invalid args: statement has 2 parameters, 1 given"),
	({"sql": "SELECT ?", "args": [1, 2]},
	 "invalid args: statement has 1 parameter, 2 given"),
	({"sql": "SELECT 1", "args": [1]},
	 "invalid args: statement has 0 parameters, 1 given"),
	({"sql": "SELECT ?; SELECT ?", "args": [1]},
	 "invalid args: positional args need a single statement"),
	({"sql": "SELECT :a", "args": {"a": 1, "b": 2}},
	 "invalid args: unknown name 'b'"),
	({"sql": "SELECT :a", "args": {"b": 2}},
	 "invalid args: no value for :a"),
	({"sql": "SELECT :a", "args": [1]}, "invalid args: statement has named..."),
	({"sql": "SELECT ?", "args": {"a": 1}}, "invalid args: statement has positional..."),
	({"sql": "SELECT ?", "args": [9223372036854775808]},
	 "invalid args: args[0]: integer out of range"),
	({"sql": "SELECT ?", "args": [-9223372036854775809]},
	 "invalid args: args[0]: integer out of range"),
	({"sql": "SELECT ?", "args": [{"type": "integer", "value": "9223372036854775808"}]},
	 "invalid args: args[0]: integer out of range"),
	({"sql": "SELECT ?", "args": [{"type": "integer", "value": "12x"}]},
	 "invalid args: args[0]: \"value\" must be a decimal integer"),
	({"sql": "SELECT ?", "args": [{"type": "blob", "base64": "@@@"}]},
	 "invalid args: args[0]: bad base64"),
	({"sql": "SELECT ?", "args": [{"type": "blob"}]},
	 "invalid args: args[0]: \"base64\" missing"),
	({"sql": "SELECT ?", "args": [{"type": "date", "value": "x"}]},
	 "invalid args: args[0]: unknown \"type\""),
	({"sql": "SELECT ?", "args": [{"value": 1}]},
	 "invalid args: args[0]: an object needs a \"type\""),
	({"sql": "SELECT ?", "args": [[1]]},
	 "invalid args: args[0]: an array is not a value"),
	({"sql": "SELECT ?", "args": "x"},
	 "invalid args: must be an array or an object"),
	({"sql": "SELECT ?", "args": list(range(101))},
	 "invalid args: more than 100 values"),
	({"sql": "SELECT 1", "all_results": "yes"},
	 "invalid all_results: must be true or false"),
]


def error_case(body, msg):
	def f(d):
		r = post(d, body, walkin(d))
		if msg.endswith("..."):
			e = expect_error(r, 400, prefix=msg[:-3])
		else:
			e = expect_error(r, 400, msg)
		if body.get("args") is not None:
			check("args" in e, f"message {e!r} names args")
	return f


for _i, (_b, _m) in enumerate(ERRORS):
	g.add(f"error {_i} {_m[:50]}", error_case(_b, _m))


@g.case
def args_error_on_create_creates_nothing(d):
	before = d.instance_ids()
	r = post(d, {"sql": "SELECT ?, ?", "args": [1]})
	expect_error(r, 400, "invalid args: statement has 2 parameters, 1 given")
	check(r.token is None, "no token for a failed create")
	# the failed create's directory is removed right after the reply
	check(wait_until(lambda: not (d.instance_ids() - before), 5),
	      f"walk-ins left: {d.instance_ids() - before}")


@g.case
def args_values_never_logged(d):
	marker = "argsmarker_7f3c1d"
	post(d, {"sql": "SELECT ?", "args": [marker]}, walkin(d))
	post(d, {"sql": "SELECT ?, ?", "args": [marker]}, walkin(d))
	import glob
	for p in glob.glob(d.path("logs", "*")):
		with open(p, "rb") as f:
			check(marker.encode() not in f.read(), f"{p} holds an args value")
	check(marker.encode() not in d.stderr_text(), "stderr holds an args value")


# ---------------------------------------------------------------- all_results

@g.case
def all_results_one_entry_per_statement(d):
	tok = walkin(d)
	j = expect_ok(post(d, {"sql": "CREATE TABLE IF NOT EXISTS a(x); "
			       "INSERT INTO a VALUES(1),(2); SELECT x FROM a ORDER BY x; "
			       "SELECT 'k' AS name", "all_results": True}, tok))
	res = j["results"]
	eq(len(res), 4, "entries")
	for e in res:
		for k in ("columns", "rows", "rows_affected", "last_insert_rowid",
			  "duration_ms"):
			check(k in e, f"entry {e} lacks {k}")
	eq(res[1]["rows_affected"], 2, "insert count")
	check(isinstance(res[1]["last_insert_rowid"], int), "insert rowid")
	eq(res[2]["columns"], ["x"], "select columns")
	eq(res[2]["rows"][:2], [[1], [2]], "select rows")
	eq(res[3]["rows"], [["k"]], "last select")
	eq(res[0]["columns"], [], "DDL has no columns")


@g.case
def all_results_failure_in_the_middle(d):
	tok = walkin(d)
	post(d, {"sql": "CREATE TABLE IF NOT EXISTS m(x)"}, tok)
	r = post(d, {"sql": "INSERT INTO m VALUES(1); SELECT * FROM nosuch; "
		     "INSERT INTO m VALUES(2)", "all_results": True}, tok)
	expect_status(r, 400)
	j = r.json()
	res = j["results"]
	eq(len(res), 2, "entries: the one that ran and the failure")
	eq(res[0]["rows_affected"], 1, "first statement ran")
	eq(res[1], {"error": {"message": "invalid sql: no such table: nosuch",
			      "statement_index": 1}}, "failed entry")
	eq(j["error"], "invalid sql: no such table: nosuch", "v1 error too")
	r2 = rows(d, {"sql": "SELECT count(*) FROM m"}, tok)
	eq(r2, [[1]], "execution stopped at the failure; the first stayed")


@g.case
def all_results_without_flag_is_v1(d):
	j = expect_ok(post(d, {"sql": "SELECT 1; SELECT 2", "all_results": False},
			   walkin(d)))
	eq(j, {"columns": ["2"], "rows": [[2]], "rows_affected": 0}, "v1 reply")


@g.case
def all_results_with_args(d):
	j = expect_ok(post(d, {"sql": "SELECT :x + 1", "args": {"x": 41},
			       "all_results": True}, walkin(d)))
	eq(j["results"][0]["rows"], [[42]], "args with all_results")


trunc = Group("args-trunc", ["--max-rows", "3"])


@trunc.case
def all_results_truncation_per_statement(d):
	tok, _, _ = d.create("SELECT 1")
	j = expect_ok(post(d, {"sql": "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
			       "SELECT i+1 FROM c WHERE i < 10) SELECT i FROM c; SELECT 5",
			       "all_results": True}, tok))
	eq(j["results"][0].get("truncated"), True, "first truncated")
	eq(len(j["results"][0]["rows"]), 3, "rows kept")
	check("truncated" not in j["results"][1], "second not truncated")
