"""
hrana_wire.py: hostile Hrana pipelines for POST /v2|/v3/pipeline.

A body that is not strict JSON, or a request the decoder refuses, is one
HTTP 400 for the whole pipeline, with a JSON body whose "message" the
libSQL client shows, and nothing of it runs (the walk-in is unchanged).
Values are data: SQL in a text arg is stored, never run. A token of
another kind (a share token, a made-up Bearer) never reaches a walk-in
that writes; a baton is bound to its walk-in. Every case ends with the
group's liveness check (hostile.HGroup).
"""

import json

from harness import check, eq
from hostile import HGroup
from test_hrana import ex, http_error, pipe, walkin

g = HGroup("hrana-wire", ["--max-body-bytes", "64K"])

# Bodies that are not a strict JSON object: 400 "invalid json".
BAD_JSON = [
	("empty", b""),
	("truncated", b'{"requests":[{"type":"exe'),
	("trailing data", b'{"requests":[]} x'),
	("duplicate key", b'{"requests":[],"requests":[]}'),
	("duplicate nested key",
	 b'{"requests":[{"type":"execute","type":"close"}]}'),
	("invalid UTF-8", b'{"requests":[{"type":"ex\xffcute"}]}'),
	("lone surrogate", b'{"requests":[{"type":"\\ud800"}]}'),
	("raw NUL", b'{"requests":[{"type":"close\x00"}]}'),
	("NaN", b'{"baton":NaN,"requests":[]}'),
	("an array", b'[{"type":"close"}]'),
	("too deep", b'{"requests":[' + b'[' * 64 + b']' * 64 + b']}'),
]

# Pipelines the decoder refuses: (name, requests, the 400's message).
BAD_REQUESTS = [
	("no type", [{}], "a request needs a type"),
	("type not a string", [{"type": 7}], "a request needs a type"),
	("unknown type", [{"type": "drop_database"}], "unknown request type"),
	("stmt missing", [{"type": "execute"}], "stmt must be an object"),
	("stmt a string", [{"type": "execute", "stmt": "SELECT 1"}],
	 "stmt must be an object"),
	("sql and sql_id", [{"type": "execute", "stmt": {"sql": "SELECT 1",
							 "sql_id": 1}}],
	 "sql and sql_id are both given"),
	("sql a number", [{"type": "execute", "stmt": {"sql": 1}}],
	 "sql must be a string"),
	("sql_id a string", [{"type": "execute", "stmt": {"sql_id": "1"}}],
	 "sql_id must be an integer"),
	("no sql", [{"type": "execute", "stmt": {}}], "sql or sql_id is required"),
	("args an object", [{"type": "execute", "stmt": {"sql": "SELECT ?",
							 "args": {"a": 1}}}],
	 "args and named_args must be arrays"),
	("want_rows a string", [{"type": "execute", "stmt": {
	    "sql": "SELECT 1", "want_rows": "yes"}}],
	 "want_rows must be a boolean"),
	("batch without steps", [{"type": "batch", "batch": {}}],
	 "batch needs steps"),
	("batch step a string", [{"type": "batch", "batch": {"steps": ["x"]}}],
	 "a batch step must be an object"),
	("condition without type", [{"type": "batch", "batch": {"steps": [
	    {"stmt": {"sql": "SELECT 1"}, "condition": {}}]}}],
	 "a batch condition needs a type"),
	("unknown condition", [{"type": "batch", "batch": {"steps": [
	    {"stmt": {"sql": "SELECT 1"}, "condition": {"type": "xor"}}]}}],
	 "unknown batch condition type"),
	("conds not an array", [{"type": "batch", "batch": {"steps": [
	    {"stmt": {"sql": "SELECT 1"}, "condition": {"type": "and",
							"conds": {}}}]}}],
	 "conds must be an array"),
	("store_sql without sql", [{"type": "store_sql", "sql_id": 1}],
	 "store_sql needs sql_id and sql"),
	("close_sql without id", [{"type": "close_sql"}],
	 "close_sql needs sql_id"),
]


def nested_condition(depth):
	c = {"type": "is_autocommit"}
	for _ in range(depth):
		c = {"type": "not", "cond": c}
	return c


def unchanged(d, tok):
	"""The walk-in holds only what the case's set-up made."""
	r = pipe(d, {"requests": [ex("SELECT count(*) FROM sqlite_schema"),
				  {"type": "close"}]}, token=tok)
	eq(r.status, 200, "the walk-in still answers")
	row = r.json()["results"][0]["response"]["result"]["rows"][0]
	eq(row, [{"type": "integer", "value": "0"}], "nothing was created")


def bad_json_case(name, body):
	def case(d):
		tok = walkin(d, "bad-json")
		http_error(pipe(d, None, token=tok, raw=body), 400, "invalid json")
		unchanged(d, tok)
	g.add(f"body {name}", case)


def bad_request_case(name, reqs, msg):
	def case(d):
		tok = walkin(d, "bad-req")
		# a CREATE first: a refused pipeline runs none of its requests
		r = pipe(d, {"requests": [ex("CREATE TABLE must_not_exist(a)")] +
			     reqs}, token=tok)
		http_error(r, 400, msg)
		eq(r.json()["message"], msg, "the exact message")
		unchanged(d, tok)
	g.add(f"request {name}", case)


for _n, _b in BAD_JSON:
	bad_json_case(_n, _b)
for _n, _r, _m in BAD_REQUESTS:
	bad_request_case(_n, _r, _m)


@g.case
def condition_nested_too_deep(d):
	tok = walkin(d, "deep")
	r = pipe(d, {"requests": [{"type": "batch", "batch": {"steps": [
	    {"stmt": {"sql": "SELECT 1"}, "condition": nested_condition(40)}]}}]},
		 token=tok)
	# A deep condition is either over the JSON depth or the condition
	# depth; both are 400s with a message, and nothing runs.
	eq(r.status, 400, "status")
	check(r.json()["message"] in ("invalid json",
				      "batch condition nested too deep"),
	      f"message {r.json()}")
	unchanged(d, tok)


@g.case
def sql_in_values_is_data(d):
	tok = walkin(d, "values")
	evil = "x'); DROP TABLE v; --"
	r = pipe(d, {"requests": [ex("CREATE TABLE v(a)"), {
	    "type": "execute", "stmt": {"sql": "INSERT INTO v VALUES (?)",
					"args": [{"type": "text", "value": evil}]}},
	    {"type": "execute", "stmt": {"sql": "SELECT a FROM v WHERE a = :x",
					 "named_args": [{"name": ":x", "value":
							 {"type": "text", "value": evil}}]}},
	    {"type": "close"}]}, token=tok)
	eq(r.status, 200, "status")
	res = r.json()["results"]
	eq([x["type"] for x in res], ["ok"] * 4, f"results {res}")
	eq(res[2]["response"]["result"]["rows"],
	   [[{"type": "text", "value": evil}]], "stored as text")


@g.case
def integer_out_of_range_is_an_error_result(d):
	tok = walkin(d, "range")
	r = pipe(d, {"requests": [{"type": "execute", "stmt": {
	    "sql": "SELECT ?", "args": [{"type": "integer",
					 "value": "9223372036854775808"}]}},
	    {"type": "close"}]}, token=tok)
	check(r.status in (200, 400), f"status {r.status}")
	if r.status == 200:
		eq(r.json()["results"][0]["type"], "error", "out of range refused")
	else:
		check("args" in r.json()["message"], f"message {r.json()}")


@g.case
def other_bearers_never_reach_a_walkin(d):
	tok = walkin(d, "owner")
	share = d.request("POST", "/session/share", body=b"",
			  headers={"Authorization": "Bearer " + tok,
				   "Content-Length": "0"})
	eq(share.status, 200, f"share: {share.body[:200]}")
	stok = share.json()["share"]
	r = pipe(d, {"requests": [ex("CREATE TABLE w(a)"), {"type": "close"}]},
		 token=stok)
	check(r.status >= 400 or r.json()["results"][0]["type"] == "error",
	      f"a share token wrote: {r.body[:200]}")
	for bogus in ("wkn_", "wkn_" + "A" * 99, "x" * 200, "eyJ.eyJ.sig",
		      tok + "A", tok.replace("wkn_", "wks_")):
		r = pipe(d, {"requests": [ex("CREATE TABLE w(a)")]}, token=bogus)
		check(r.status in (401, 404), f"{bogus[:20]}: status {r.status}")
		check("message" in r.json(), "a message the client shows")
	unchanged(d, tok)


@g.case
def baton_of_a_closed_stream_is_dead(d):
	tok = walkin(d, "closed")
	r = pipe(d, {"requests": [ex("BEGIN")]}, token=tok)
	b = r.json()["baton"]
	eq(pipe(d, {"baton": b, "requests": [ex("ROLLBACK"), {"type": "close"}]},
		token=tok).status, 200, "close")
	for body in ({"baton": b, "requests": [ex("CREATE TABLE z(a)")]},
		     {"baton": b + "x", "requests": []},
		     {"baton": "", "requests": []},
		     {"baton": "A" * 4096, "requests": []}):
		http_error(pipe(d, body, token=tok), 400, "invalid or expired baton")
	unchanged(d, tok)


@g.case
def many_pipelines_at_once_leave_it_serving(d):
	tok = walkin(d, "many")
	body = json.dumps({"requests": [ex("SELECT 1")] * 50 +
			   [{"type": "close"}]})
	for _ in range(20):
		eq(pipe(d, None, token=tok, raw=body).status, 200, "pipeline")
	unchanged(d, tok)
