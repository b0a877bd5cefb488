"""
test_hrana.py: libSQL's Hrana over HTTP, raw: the protocol as a hostile
client speaks it (unknown request types, huge pipelines, forged and
replayed batons, another walk-in's baton, stored-SQL floods, batch
conditions naming steps that do not exist, the body cap, HTTP errors
with a "message" the client reports).
"""

import json

from harness import Group, check, eq

g = Group("hrana")


def walkin(d, key="tok"):
	if key not in d.state:
		r = d.request("POST", "/session", body=b"",
			      headers={"Content-Length": "0"})
		d.state[key] = r.json()["session"]
	return d.state[key]


def pipe(d, body, token=None, raw=None, path="/v2/pipeline"):
	h = {"Content-Type": "application/json"}
	if token is not False:
		h["Authorization"] = "Bearer " + (token or walkin(d))
	data = raw if raw is not None else json.dumps(body)
	return d.request("POST", path, body=data, headers=h,
			 what=f"POST {path} {str(data)[:80]}")


def ex(sql):
	return {"type": "execute", "stmt": {"sql": sql}}


def http_error(r, status, text):
	eq(r.status, status, "status")
	eq(r.header("Content-Type"), "application/json", "content type")
	check(text in r.json().get("message", ""), f"message: {r.body[:200]}")


@g.case
def version_probes(d):
	eq(d.request("GET", "/v2").status, 200, "GET /v2")
	eq(d.request("GET", "/v3").status, 200, "GET /v3")
	eq(d.request("GET", "/v3-protobuf").status, 404, "no protobuf")


@g.case
def execute_typed_values(d):
	r = pipe(d, {"baton": None, "requests": [{"type": "execute", "stmt": {
	    "sql": "SELECT ?, ?, ?, ?, ?", "args": [
		{"type": "integer", "value": "-9223372036854775808"},
		{"type": "float", "value": 1.5}, {"type": "text", "value": "é"},
		{"type": "blob", "base64": "AAEC"}, {"type": "null"}]}},
	    {"type": "close"}]})
	eq(r.status, 200, "status")
	b = r.json()
	eq(b["baton"], None, "one-shot: no baton")
	row = b["results"][0]["response"]["result"]["rows"][0]
	eq(row, [{"type": "integer", "value": "-9223372036854775808"},
		 {"type": "float", "value": 1.5}, {"type": "text", "value": "é"},
		 {"type": "blob", "base64": "AAEC"}, {"type": "null"}], "row")
	eq(b["results"][1], {"type": "ok", "response": {"type": "close"}}, "close")


@g.case
def statement_error_is_a_result(d):
	r = pipe(d, {"requests": [ex("SELECT * FROM nope"), ex("SELECT 1"),
				  {"type": "close"}]})
	eq(r.status, 200, "status")
	res = r.json()["results"]
	eq(res[0]["type"], "error", "first fails")
	check("no such table" in res[0]["error"]["message"], "SQLite's message")
	eq(res[1]["type"], "ok", "later requests still run")


@g.case
def unknown_request_type(d):
	http_error(pipe(d, {"requests": [{"type": "frobnicate"}]}), 400,
		   "unknown request type")
	http_error(pipe(d, None, raw="{"), 400, "invalid json")
	http_error(pipe(d, {"requests": 1}), 400, "requests must be an array")


@g.case
def tokens_missing_forged(d):
	http_error(pipe(d, {"requests": [ex("SELECT 1")]}, token=False), 401,
		   "missing session token")
	tok = walkin(d)
	http_error(pipe(d, {"requests": [ex("SELECT 1")]}, token=tok[:-4] + "AAAA"),
		   404, "instance not found")


@g.case
def baton_single_use_and_bound(d):
	r = pipe(d, {"requests": [ex("BEGIN"), ex("CREATE TABLE b(a)")]})
	eq(r.status, 200, "open stream")
	b1 = r.json()["baton"]
	check(isinstance(b1, str) and len(b1) > 20, "a baton")
	r = pipe(d, {"baton": b1, "requests": [ex("INSERT INTO b VALUES (1)")]})
	eq(r.status, 200, "baton used once")
	b2 = r.json()["baton"]
	check(b2 != b1, "a new baton each time")
	http_error(pipe(d, {"baton": b1, "requests": [ex("SELECT 1")]}), 400,
		   "invalid or expired baton")
	other = walkin(d, "tok2")
	http_error(pipe(d, {"baton": b2, "requests": [ex("SELECT 1")]},
			token=other), 400, "invalid or expired baton")
	forged = b2[:-3] + ("AAA" if b2[-3:] != "AAA" else "BBB")
	http_error(pipe(d, {"baton": forged, "requests": [ex("SELECT 1")]}), 400,
		   "invalid or expired baton")
	r = pipe(d, {"baton": b2, "requests": [ex("ROLLBACK"), {"type": "close"}]})
	eq(r.status, 200, "the real one still works")
	eq(r.json()["baton"], None, "closed")
	http_error(pipe(d, {"baton": r.json()["baton"] or b2, "requests": []}), 400,
		   "invalid or expired baton")


@g.case
def stream_limit(d):
	tok = walkin(d, "tok3")
	batons = []
	for i in range(8):
		r = pipe(d, {"requests": [ex("SELECT 1")]}, token=tok)
		eq(r.status, 200, f"stream {i}")
		batons.append(r.json()["baton"])
	http_error(pipe(d, {"requests": [ex("SELECT 1")]}, token=tok), 429,
		   "too many open streams")
	for b in batons:
		eq(pipe(d, {"baton": b, "requests": [{"type": "close"}]},
			token=tok).status, 200, "close")
	eq(pipe(d, {"requests": [ex("SELECT 1")]}, token=tok).status, 200,
	   "slots free again")


@g.case
def huge_pipelines(d):
	r = pipe(d, {"requests": [{"type": "get_autocommit"}] * 501})
	http_error(r, 400, "too many requests")
	big = json.dumps({"requests": [ex("SELECT '" + "x" * (1 << 20) + "'")]})
	r = pipe(d, None, raw=big)
	eq(r.status, 413, "over the 1 MiB body cap")
	r = pipe(d, {"requests": [ex("SELECT 1")] * 400 + [{"type": "close"}]})
	eq(r.status, 200, "400 statements")
	eq(len(r.json()["results"]), 401, "one result each")


@g.case
def stored_sql_flood(d):
	reqs = [{"type": "store_sql", "sql_id": i, "sql": "SELECT 1"}
		for i in range(130)]
	r = pipe(d, {"requests": reqs + [{"type": "execute", "stmt": {"sql_id": 5}},
					 {"type": "execute", "stmt": {"sql_id": 999}},
					 {"type": "close"}]})
	eq(r.status, 200, "status")
	res = r.json()["results"]
	eq(res[127]["type"], "ok", "128 stored")
	eq(res[128]["type"], "error", "the 129th refused")
	eq(res[130]["type"], "ok", "stored SQL runs")
	eq(res[131]["type"], "error", "unknown sql_id")
	r = pipe(d, {"requests": [{"type": "store_sql", "sql_id": 1,
				   "sql": "ATTACH 'x' AS y"}, {"type": "close"}]})
	check("forbidden sql keyword" in r.json()["results"][0]["error"]["message"],
	      "keyword layer on stored SQL")


@g.case
def batch_conditions(d):
	step = lambda sql, cond=None: dict({"stmt": {"sql": sql}},
					   **({"condition": cond} if cond else {}))
	r = pipe(d, {"requests": [{"type": "batch", "batch": {"steps": [
	    step("SELECT 1"), step("SELECT 2", {"type": "ok", "step": 5})]}},
	    {"type": "batch", "batch": {"steps": [
	    step("SELECT 1", {"type": "ok", "step": 0})]}},
	    {"type": "batch", "batch": {"steps": [
	    step("SELECT * FROM nope"), step("SELECT 2", {"type": "ok", "step": 0}),
	    step("SELECT 3", {"type": "and", "conds": [{"type": "error", "step": 0},
	     {"type": "not", "cond": {"type": "ok", "step": 1}},
	     {"type": "is_autocommit"}]})]}},
	    {"type": "close"}]})
	eq(r.status, 200, "status")
	res = r.json()["results"]
	eq(res[0]["type"], "error", "a later step named: refused")
	eq(res[1]["type"], "error", "its own step named: refused")
	br = res[2]["response"]["result"]
	check(br["step_errors"][0] is not None, "step 0 failed")
	eq(br["step_results"][1], None, "step 1 skipped")
	check(br["step_results"][2] is not None, "step 2 ran")


@g.case
def read_only_transaction(d):
	r = pipe(d, {"requests": [ex("CREATE TABLE r(a)"),
				  ex("BEGIN TRANSACTION READONLY"),
				  ex("INSERT INTO r VALUES (1)"),
				  ex("PRAGMA query_only=0"), ex("COMMIT"),
				  ex("INSERT INTO r VALUES (1)"), {"type": "close"}]})
	res = r.json()["results"]
	eq([x["type"] for x in res], ["ok", "ok", "error", "error", "ok", "ok",
				      "ok"], "kinds")
	check("readonly" in res[2]["error"]["message"], "write refused")
