"""
mcp_rpc.py: hostile JSON-RPC for POST /mcp.

Malformed bodies are one JSON-RPC error with id null (-32700 for text
that is not strict JSON, -32600 for what is not a request) and HTTP 400;
bad messages inside a batch get one error each; unknown methods -32601,
bad tool params -32602; problems with a tool's arguments are tool results
with isError (a model can fix them). Forged, truncated, tampered and
replayed session ids are 404, never someone's walk-in; a session id and
another walk-in's token together are 400. Values in args and table names
are data, never SQL. Every case ends with the group's liveness check.
"""

import json

from harness import check, eq, expect_error, expect_status
from hostile import HGroup
from test_mcp import call, init, result, rpc, rpc_error

g = HGroup("mcp-rpc", ["--max-body-bytes", "64K"])

PE, IR = -32700, -32600

BAD_BODIES = [
	("empty", b"", PE),
	("truncated", b'{"jsonrpc":"2.0","id":1,"method":"pi', PE),
	("trailing data", b'{"jsonrpc":"2.0","id":1,"method":"ping"} x', PE),
	("invalid UTF-8", b'{"jsonrpc":"2.0","id":1,"method":"p\xffng"}', PE),
	("lone surrogate", b'{"jsonrpc":"2.0","id":1,"method":"\\ud800"}', PE),
	("raw NUL", b'{"jsonrpc":"2.0","id":1,"method":"ping\x00"}', PE),
	("duplicate method", b'{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}', PE),
	("duplicate nested key", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":1,"a":2}}', PE),
	("too deep", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":' +
	 b'{"a":' * 20 + b'1' + b'}' * 20 + b'}', PE),
	("NaN", b'{"jsonrpc":"2.0","id":NaN,"method":"ping"}', PE),
	("a number", b"1", IR),
	("a string", b'"ping"', IR),
	("null", b"null", IR),
	("empty batch", b"[]", IR),
	("batch of 17", json.dumps([{"jsonrpc": "2.0", "id": i, "method": "ping"}
				    for i in range(17)]).encode(), IR),
]

BAD_MESSAGES = [
	# (name, message, id expected back)
	("no jsonrpc", {"id": 1, "method": "ping"}, 1),
	("jsonrpc 1.0", {"jsonrpc": "1.0", "id": 1, "method": "ping"}, 1),
	("jsonrpc number", {"jsonrpc": 2.0, "id": 1, "method": "ping"}, 1),
	("jsonrpc with NUL", {"jsonrpc": "2.0\u0000", "id": 1, "method": "ping"}, 1),
	("id null", {"jsonrpc": "2.0", "id": None, "method": "ping"}, None),
	("id true", {"jsonrpc": "2.0", "id": True, "method": "ping"}, None),
	("id object", {"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}, None),
	("method number", {"jsonrpc": "2.0", "id": 1, "method": 5}, 1),
	("method with NUL", {"jsonrpc": "2.0", "id": 1, "method": "ping\u0000x"}, 1),
	("params string", {"jsonrpc": "2.0", "id": 1, "method": "ping", "params": "x"}, 1),
	("no method, no result", {"jsonrpc": "2.0", "id": 1}, 1),
	("result and error", {"jsonrpc": "2.0", "id": 1, "result": {}, "error": {}}, 1),
]


def bad_body(name, body, code):
	def case(d):
		r = rpc(d, None, raw=body)
		rpc_error(r, 400, code)
	g.add(f"body {name}", case)


def bad_message(name, msg, id):
	def case(d):
		r = rpc(d, msg)
		rpc_error(r, 400, IR, id)
		# the same inside a batch: 200, one error for it, the rest answered
		r = rpc(d, [msg, {"jsonrpc": "2.0", "id": "ok", "method": "ping"}])
		expect_status(r, 200)
		got = r.json()
		eq(len(got), 2, f"responses: {got}")
		eq(got[0]["error"]["code"], IR, "batch item error")
		eq(got[1], {"jsonrpc": "2.0", "id": "ok", "result": {}}, "ping")
	g.add(f"message {name}", case)


for _e in BAD_BODIES:
	bad_body(*_e)
for _e in BAD_MESSAGES:
	bad_message(*_e)


@g.case
def params_array_is_invalid_params(d):
	sid, _ = init(d)
	for m in ("ping", "tools/list", "tools/call", "initialize"):
		r = rpc(d, {"jsonrpc": "2.0", "id": 9, "method": m, "params": [1]}, sid)
		rpc_error(r, 200, -32602, 9)


@g.case
def bad_tool_calls(d):
	sid, _ = init(d)
	for params, code in (({"name": "drop_everything"}, -32602),
			     ({"name": 5}, -32602), ({}, -32602),
			     ({"name": "execute", "arguments": [1]}, -32602),
			     ({"name": "execute", "arguments": "SELECT 1"}, -32602)):
		r = rpc(d, {"jsonrpc": "2.0", "id": 4, "method": "tools/call",
			    "params": params}, sid)
		rpc_error(r, 200, code, 4)
	for args, msg in (({}, "missing sql"), ({"sql": ""}, "missing sql"),
			  ({"sql": 1}, "missing sql"),
			  ({"sql": "SELECT 1\u0000; DROP TABLE x"}, "sql contains NUL byte"),
			  ({"sql": "SELECT 1", "extra": 1}, "unknown argument 'extra'"),
			  ({"sql": "SELECT ?", "args": list(range(101))},
			   "invalid args: more than 100 values"),
			  ({"sql": "SELECT ?", "args": [[1]]},
			   "invalid args: args[0]: an array is not a value"),
			  ({"sql": "SELECT ?", "args": 5},
			   "invalid args: must be an array or an object"),
			  ({"sql": "SELECT printf('%d', 1)"}, "forbidden sql keyword: printf"),
			  ({"sql": "VACUUM INTO '/tmp/x.db'"}, "forbidden sql keyword: VACUUM")):
		res = result(call(d, sid, "execute", args))
		eq(res["isError"], True, f"isError for {args}")
		text = res["content"][0]["text"]
		check(text.startswith(msg), f"{args}: {text!r} does not start with {msg!r}")
	res = result(call(d, sid, "describe_table", {"table": ""}))
	eq(res["content"][0]["text"], "missing table", "empty table")


@g.case
def table_names_are_data(d):
	sid, _ = init(d)
	result(call(d, sid, "execute", {"sql": "CREATE TABLE victim(x); INSERT INTO victim VALUES(1)"}))
	for t in ("victim; DROP TABLE victim", "victim' OR 1=1 --", "x\u0000victim",
		  "sqlite_schema", "../../etc/passwd"):
		res = result(call(d, sid, "describe_table", {"table": t}))
		eq(res["isError"], True, f"table {t!r}")
	res = result(call(d, sid, "execute", {"sql": "SELECT count(*) FROM victim"}))
	eq(res["structuredContent"]["rows"], [[1]], "victim intact")


@g.case
def huge_params(d):
	# over --max-body-bytes: refused before it is read
	big = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
	       "params": {"name": "execute", "arguments": {"sql": "SELECT 1",
	       "args": ["x" * (70 * 1024)]}}}
	r = rpc(d, big)
	expect_error(r, 413, "request body too large")
	# under it, a long SQL string gets SQLite's limit as a tool error
	sid, _ = init(d)
	res = result(call(d, sid, "execute", {"sql": "SELECT " + "1+" * 20000 + "1"}))
	eq(res["isError"], True, "long SQL")
	# thousands of members in params, ignored
	r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "ping",
		    "params": {f"k{i}": i for i in range(3000)}})
	eq(r.json().get("result"), {}, "wide params")


@g.case
def forged_and_replayed_sessions(d):
	sid, _ = init(d)
	result(call(d, sid, "execute", {"sql": "CREATE TABLE mine(secret)"}))
	flip = "A" if sid[30] != "A" else "B"
	for bad in (sid[:-1], sid + "A", sid[:30] + flip + sid[31:], "wkn_",
		    "wkn_" + "A" * 99, "x" * 200, sid.replace("wkn_", "WKN_")):
		r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
			    "params": {"name": "list_tables", "arguments": {}}}, bad)
		expect_error(r, 404, "session not found")
	r = d.request("DELETE", "/mcp", headers={"Mcp-Session-Id": sid})
	eq(r.status, 204, "DELETE")
	for m in ("ping", "tools/list"):
		r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": m}, sid)
		expect_error(r, 404, "session not found")
	# a new session never sees the old walk-in
	other, _ = init(d)
	res = result(call(d, other, "list_tables"))
	eq(res["structuredContent"]["tables"], [], "fresh session is empty")


@g.case
def two_session_headers_or_tokens(d):
	sid, _ = init(d)
	c = d.raw()
	try:
		body = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
		c.send(b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		       b"Mcp-Session-Id: " + sid.encode() + b"\r\nMcp-Session-Id: " +
		       sid.encode() + b"\r\nContent-Length: " + str(len(body)).encode() +
		       b"\r\n\r\n" + body)
		r = c.response()
		expect_error(r, 400, "bad request")
	finally:
		c.close()
	other, _ = init(d)
	r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, sid,
		headers={"X-Walkin-Session": other})
	expect_error(r, 400, "conflicting session tokens")
	r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
		    "params": {"protocolVersion": "2025-11-25"}},
		headers={"Authorization": "Bearer wkn_" + "B" * 99})
	expect_error(r, 404, "instance not found")


@g.case
def bad_origins(d):
	for o in ("https://evil.example", "null", "http://localhost.evil.example",
		  "http://[::1].evil.example", "http://127.0.0.1:80/", "javascript:1",
		  "*"):
		r = rpc(d, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
			    "params": {"protocolVersion": "2025-11-25"}},
			headers={"Origin": o})
		eq(r.status, 403, f"Origin {o!r}")
		eq(r.header("Mcp-Session-Id"), None, "no session for a bad origin")
