"""
test_mcp.py: /mcp's raw JSON-RPC surface (the SDK's view of it is
tests/mcp-client): initialize and version negotiation, the session id,
202 for notifications, ping, tools/list, tool calls, batches only in
2025-03-26, MCP-Protocol-Version, GET 405, DELETE, Origin, the walk-in
made by the first execute only, and the access log.
"""

import glob
import json
import os

from harness import (Group, check, eq, expect_error, expect_status, wait_until,
		     TOKEN_RE)

g = Group("mcp")
go = Group("mcp-origin", ["--mcp-allow-origin",
			  "https://app.example,http://tool.example:8000"])

VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")


def rpc(d, msg, sid=None, headers=None, raw=None):
	"""POST /mcp with msg (JSON-encoded unless raw bytes are given)."""
	h = {"Content-Type": "application/json",
	     "Accept": "application/json, text/event-stream"}
	if sid:
		h["Mcp-Session-Id"] = sid
	h.update(headers or {})
	body = raw if raw is not None else json.dumps(msg)
	return d.request("POST", "/mcp", body=body, headers=h)


def init(d, version="2025-11-25", headers=None):
	"""A new session: (session id, initialize's result)."""
	r = rpc(d, {"jsonrpc": "2.0", "id": 0, "method": "initialize",
		    "params": {"protocolVersion": version, "capabilities": {},
			       "clientInfo": {"name": "t", "version": "1"}}},
		headers=headers)
	expect_status(r, 200)
	sid = r.header("Mcp-Session-Id")
	check(sid is not None and TOKEN_RE.match(sid), f"session id {sid!r}")
	return sid, r.json()["result"]


def call(d, sid, name, args=None, headers=None, id=1):
	r = rpc(d, {"jsonrpc": "2.0", "id": id, "method": "tools/call",
		    "params": {"name": name, "arguments": args or {}}}, sid,
		headers=headers)
	expect_status(r, 200)
	return r.json()


def result(resp):
	check("result" in resp, f"no result: {resp}")
	return resp["result"]


def rpc_error(r, status, code, id=None):
	expect_status(r, status)
	j = r.json()
	eq(j.get("jsonrpc"), "2.0", "jsonrpc")
	eq(j.get("id"), id, "id")
	eq(j.get("error", {}).get("code"), code, f"error code in {j}")
	return j["error"]["message"]


@g.case
def initialize_negotiates_the_version(d):
	for v in VERSIONS:
		_, res = init(d, v)
		eq(res["protocolVersion"], v, "version echoed")
	_, res = init(d, "2024-11-05")
	eq(res["protocolVersion"], "2025-11-25", "an unknown version gets the newest")
	eq(res["serverInfo"]["name"], "walkind", "serverInfo.name")
	check("tools" in res["capabilities"], "capabilities.tools")
	for word in ("private", "600 seconds", "no network and no file access",
		     "forbidden sql keyword"):
		check(word in res["instructions"], f"instructions lack {word!r}")
	r = rpc(d, {"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {}})
	rpc_error(r, 200, -32602, 3)


@g.case
def notifications_and_responses_are_202(d):
	sid, _ = init(d)
	for msg in ({"jsonrpc": "2.0", "method": "notifications/initialized"},
		    {"jsonrpc": "2.0", "method": "notifications/cancelled",
		     "params": {"requestId": 1}},
		    {"jsonrpc": "2.0", "id": 5, "result": {}}):
		r = rpc(d, msg, sid)
		eq(r.status, 202, f"status for {msg}")
		eq(r.body, b"", "202 body")


@g.case
def ping_and_unknown_methods(d):
	r = rpc(d, {"jsonrpc": "2.0", "id": "p-1", "method": "ping"})
	eq(r.json(), {"jsonrpc": "2.0", "id": "p-1", "result": {}}, "ping")
	r = rpc(d, {"jsonrpc": "2.0", "id": 12345678901234567890,
		    "method": "resources/list"})
	expect_status(r, 200)
	check(b'"id":12345678901234567890' in r.body, f"id exact: {r.body}")
	eq(r.json()["error"]["code"], -32601, "method not found")


@g.case
def tools_list_shapes(d):
	r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
	tools = result(r.json())["tools"]
	eq(sorted(t["name"] for t in tools),
	   ["describe_table", "execute", "list_tables", "reset"], "tools")
	for t in tools:
		eq(t["inputSchema"]["type"], "object", t["name"])
		eq(t["inputSchema"].get("additionalProperties"), False, t["name"])


@g.case
def walkin_made_by_first_execute_only(d):
	before = d.instance_ids()
	sid, _ = init(d)
	res = result(call(d, sid, "list_tables"))
	eq(res["structuredContent"]["tables"], [], "empty before any execute")
	res = result(call(d, sid, "execute", {"sql": "SELEC"}))
	eq(res["isError"], True, "syntax error")
	# the failed create's directory goes through the spawner, just after
	check(wait_until(lambda: not (d.instance_ids() - before), 3.0),
	      f"a failed create left {d.instance_ids() - before}")
	res = result(call(d, sid, "execute", {"sql": "CREATE TABLE t(x)"}))
	eq(res["isError"], False, "create")
	eq(len(d.instance_ids() - before), 1, "one walk-in after execute")
	# the session id is the walk-in's token
	r = d.sql("SELECT count(*) FROM t", token=sid)
	eq(r.json()["rows"], [[0]], "/sql with the session id")


@g.case
def execute_result_shape(d):
	sid, _ = init(d)
	res = result(call(d, sid, "execute", {
		"sql": "CREATE TABLE k(i INTEGER, t TEXT); INSERT INTO k VALUES(:i, :t)"
		       "; SELECT i, t FROM k",
		"args": {"i": {"type": "integer", "value": "-9223372036854775808"},
			 "t": "a\u0000b"}}))
	eq(res["isError"], False, f"execute: {res}")
	s = res["structuredContent"]
	eq(s["columns"], ["i", "t"], "columns")
	eq(s["rows"], [[-9223372036854775808, "a\u0000b"]], "rows exact")
	eq(s["rows_affected"], 1, "rows_affected")
	eq(s["statements"], 3, "statements")
	eq(json.loads(res["content"][0]["text"]), s, "text is the same JSON")


@g.case
def sql_error_says_what_was_applied(d):
	sid, _ = init(d)
	res = result(call(d, sid, "execute",
			  {"sql": "CREATE TABLE a(x); INSERT INTO a VALUES(1); SELECT * FROM nosuch"}))
	eq(res["isError"], True, "error")
	eq(res["content"][0]["text"], "invalid sql: no such table: nosuch "
	   "(in statement 3; statements 1 to 2 were applied)", "message")


@g.case
def tool_call_needs_a_session(d):
	r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		    "params": {"name": "list_tables"}})
	expect_error(r, 400, "missing Mcp-Session-Id: send initialize first")


@g.case
def protocol_version_header(d):
	sid, _ = init(d)
	for v in VERSIONS:
		r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, sid,
			headers={"MCP-Protocol-Version": v})
		expect_status(r, 200)
	for v in ("2024-11-05", "1.0", "", "2025-06-18x"):
		r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, sid,
			headers={"MCP-Protocol-Version": v})
		expect_error(r, 400, "unsupported MCP-Protocol-Version")


@g.case
def batches_only_in_2025_03_26(d):
	batch = [{"jsonrpc": "2.0", "id": 1, "method": "ping"},
		 {"jsonrpc": "2.0", "method": "notifications/initialized"},
		 {"jsonrpc": "2.0", "id": 2, "method": "nope"}]
	for h in ({}, {"MCP-Protocol-Version": "2025-03-26"}):
		r = rpc(d, batch, headers=h)
		expect_status(r, 200)
		got = r.json()
		eq([m["id"] for m in got], [1, 2], "one response per request")
		eq(got[1]["error"]["code"], -32601, "method not found in batch")
	for v in ("2025-06-18", "2025-11-25"):
		r = rpc(d, batch, headers={"MCP-Protocol-Version": v})
		rpc_error(r, 400, -32600)
	r = rpc(d, [{"jsonrpc": "2.0", "method": "notifications/initialized"}])
	eq(r.status, 202, "a batch of notifications")
	r = rpc(d, [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
		     "params": {"protocolVersion": "2025-03-26"}}])
	eq(r.json()[0]["error"]["code"], -32600, "initialize in a batch")


@g.case
def get_is_405_and_preflight(d):
	r = d.get("/mcp")
	expect_error(r, 405, "method not allowed")
	eq(r.header("Allow"), "POST, DELETE, OPTIONS", "Allow")
	r = d.request("OPTIONS", "/mcp")
	eq(r.status, 204, "preflight")
	allow = r.header("Access-Control-Allow-Headers")
	for h in ("Mcp-Session-Id", "MCP-Protocol-Version", "Authorization"):
		check(h in allow, f"{h} not in {allow!r}")
	r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "ping"})
	check("Mcp-Session-Id" in r.header("Access-Control-Expose-Headers"),
	      "Mcp-Session-Id exposed")


@g.case
def wrong_content_type(d):
	r = d.request("POST", "/mcp", body='{"jsonrpc":"2.0","id":1,"method":"ping"}',
		      headers={"Content-Type": "text/plain"})
	expect_error(r, 415, "content-type must be application/json")


@g.case
def delete_ends_the_session_and_its_walkin(d):
	sid, _ = init(d)
	result(call(d, sid, "execute", {"sql": "CREATE TABLE t(x)"}))
	r = d.request("DELETE", "/mcp", headers={"Mcp-Session-Id": sid})
	eq(r.status, 204, "DELETE")
	for _ in range(2):	# replayed
		r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, sid)
		expect_error(r, 404, "session not found")
		r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
			    "params": {"name": "execute", "arguments": {"sql": "SELECT 1"}}}, sid)
		expect_error(r, 404, "session not found")
		r = d.request("DELETE", "/mcp", headers={"Mcp-Session-Id": sid})
		expect_error(r, 404, "session not found")
	expect_error(d.sql("SELECT 1", token=sid), 404, "instance not found")
	r = d.request("DELETE", "/mcp")
	expect_error(r, 400, "missing Mcp-Session-Id")


@g.case
def delete_of_a_bound_session_keeps_the_walkin(d):
	tok, _, _ = d.create("CREATE TABLE keep(x)")
	bearer = {"Authorization": "Bearer " + tok}
	sid, _ = init(d, headers=bearer)
	r = d.request("DELETE", "/mcp", headers={"Mcp-Session-Id": sid, **bearer})
	eq(r.status, 204, "DELETE")
	eq(d.sql("SELECT count(*) FROM keep", token=tok).status, 200, "walk-in kept")
	other, _ = init(d, headers=bearer)	# a new session on it works
	res = result(call(d, other, "list_tables", headers=bearer))
	eq(res["structuredContent"]["tables"], ["keep"], "tables")


@g.case
def session_and_token_must_agree(d):
	sid, _ = init(d)
	tok, _, _ = d.create()
	r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, sid,
		headers={"Authorization": "Bearer " + tok})
	expect_error(r, 400, "conflicting session tokens")


@g.case
def origin_loopback_only_by_default(d):
	for o in ("http://localhost", "http://localhost:6274", "http://127.0.0.1:8080",
		  "https://[::1]:3000", "HTTP://LOCALHOST"):
		r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "ping"},
			headers={"Origin": o})
		eq(r.status, 200, f"Origin {o}")
	for o in ("https://evil.example", "null", "http://localhost.evil.example",
		  "http://127.0.0.1.evil.example", "http://localhost:80@evil.example",
		  "http://localhost:", "file://", "https://app.example"):
		r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "ping"},
			headers={"Origin": o})
		expect_error(r, 403, "origin not allowed")
	r = d.request("DELETE", "/mcp", headers={"Origin": "https://evil.example",
						  "Mcp-Session-Id": "x"})
	expect_error(r, 403, "origin not allowed")


@go.case
def origin_allow_list(d):
	for o, st in (("https://app.example", 200), ("HTTPS://APP.EXAMPLE", 200),
		      ("http://tool.example:8000", 200), ("http://localhost:1", 200),
		      ("http://tool.example", 403), ("https://app.example.evil", 403),
		      ("https://app.exampl", 403)):
		r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "ping"},
			headers={"Origin": o})
		eq(r.status, st, f"Origin {o}")


@g.case
def llms_txt(d):
	r = d.get("/llms.txt")
	expect_status(r, 200)
	eq(r.header("Content-Type"), "text/plain; charset=utf-8", "type")
	for word in (b"/sql", b"/session", b"/mcp", b"/v2/pipeline",
		     b"Authorization: Bearer"):
		check(word in r.body, f"llms.txt lacks {word!r}")


@g.case
def access_log_one_line_per_request_no_sql(d):
	# Our lines are told apart by a User-Agent of their own: an earlier
	# case's line may still be on its way to the log when this one starts.
	ua = "walkind-mcp-log/" + os.urandom(4).hex()
	h = {"User-Agent": ua}

	def mine():
		out = []
		for p in glob.glob(os.path.join(d.path("logs"), "access-*")):
			with open(p, "rb") as f:
				out += [x for x in f.read().splitlines() if ua.encode() in x]
		return out
	sid, _ = init(d, headers=h)
	marker = "zq_secret_marker_7"
	result(call(d, sid, "execute", {"sql": f"SELECT '{marker}' AS s",
					"args": None}, headers=h))
	result(call(d, sid, "execute", {"sql": "SELECT ? AS s",
					"args": [marker + "_arg"]}, headers=h))
	rpc(d, {"jsonrpc": "2.0", "method": "notifications/initialized"}, sid,
	    headers=h)
	wait_until(lambda: len(mine()) >= 4, 5)
	new = mine()
	eq(len(new), 4, f"access log lines: {new}")
	for ln in new:
		check(marker.encode() not in ln, f"SQL or args in the access log: {ln}")
	check(all(b'"POST"' in ln for ln in new), f"method POST: {new}")
