"""
test_http.py: the HTTP layer with raw sockets: keep-alive, pipelining,
malformed requests, Content-Length rules, body and header caps, and the
request deadline (slowloris).
"""

import json
import threading
import time

from harness import (Group, check, drip_send, eq, expect_error, expect_ok, expect_status,
		     post_sql_bytes, raw_request, short, wait_until)

g = Group("http")
slow = Group("http-slow")

H = [("Host", "127.0.0.1")]
CT = [("Content-Type", "application/json")]
BODY = b'{"sql": "SELECT 1 AS one"}'


@g.case
def keepalive_two_requests(d):
	c = d.raw()
	try:
		c.send(post_sql_bytes("SELECT 'first'"))
		r1 = c.response("first request")
		eq(expect_ok(r1)["rows"], [["first"]], "first rows")
		c.send(post_sql_bytes("SELECT 'second'", token=r1.token))
		r2 = c.response("second request on the same connection")
		eq(expect_ok(r2)["rows"], [["second"]], "second rows")
		c.send(raw_request("GET", "/healthz", H))
		expect_ok(c.response("third request (GET /healthz)"))
	finally:
		c.close()


@g.case
def pipelined_in_order(d):
	c = d.raw()
	try:
		c.send(post_sql_bytes("SELECT 'one'") + raw_request("GET", "/nope", H)
		       + post_sql_bytes("SELECT 'three'"))
		eq(expect_ok(c.response("pipelined 1"))["rows"], [["one"]], "pipelined 1 rows")
		expect_error(c.response("pipelined 2"), 404, "not found")
		eq(expect_ok(c.response("pipelined 3"))["rows"], [["three"]], "pipelined 3 rows")
	finally:
		c.close()


@g.case
def pipelined_same_walkin(d):
	tok, _, _ = d.create("CREATE TABLE p(x)")
	c = d.raw()
	try:
		c.send(b"".join(post_sql_bytes(f"INSERT INTO p VALUES({i}); SELECT max(x) FROM p",
					       token=tok) for i in range(1, 6)))
		for i in range(1, 6):
			eq(expect_ok(c.response(f"pipelined {i}"))["rows"], [[i]], f"response {i}")
	finally:
		c.close()


@g.case
def http10_request(d):
	c = d.raw()
	try:
		c.send(b"GET /healthz HTTP/1.0\r\n\r\n")
		r = c.response("HTTP/1.0 GET /healthz")
		expect_ok(r)
	finally:
		c.close()


BAD_REQUESTS = [
	("garbage line", b"GARBAGE\r\n\r\n"),
	("method only", b"GET\r\n\r\n"),
	("header without colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"),
	("duplicate Content-Length differing",
	 raw_request("POST", "/sql", H + CT + [("Content-Length", str(len(BODY))),
					       ("Content-Length", str(len(BODY) + 1))], BODY)),
	("duplicate Content-Length equal",
	 raw_request("POST", "/sql", H + CT + [("Content-Length", str(len(BODY))),
					       ("Content-Length", str(len(BODY)))], BODY)),
	("Content-Length with plus",
	 raw_request("POST", "/sql", H + CT + [("Content-Length", f"+{len(BODY)}")], BODY)),
	("Content-Length negative",
	 raw_request("POST", "/sql", H + CT + [("Content-Length", "-1")], BODY)),
	("Content-Length trailing junk",
	 raw_request("POST", "/sql", H + CT + [("Content-Length", f"{len(BODY)}abc")], BODY)),
	("Content-Length hex",
	 raw_request("POST", "/sql", H + CT + [("Content-Length", hex(len(BODY)))], BODY)),
	("Content-Length inner space",
	 raw_request("POST", "/sql", H + CT + [("Content-Length", "2 6")], BODY)),
	("Content-Length empty",
	 raw_request("POST", "/sql", H + CT + [("Content-Length", "")], BODY)),
	# Two Content-Types are as ambiguous as two Content-Lengths: a proxy
	# may act on the other one (issue 15).
	("duplicate Content-Type",
	 raw_request("POST", "/sql", H + CT + [("Content-Type", "text/plain"),
					       ("Content-Length", str(len(BODY)))], BODY)),
	("duplicate Content-Type equal",
	 raw_request("POST", "/sql", H + CT + CT + [("Content-Length", str(len(BODY)))], BODY)),
	# The absolute form's authority must name a host, without userinfo.
	("absolute form without a host", raw_request("GET", "http:///healthz", H)),
	("absolute form with userinfo", raw_request("GET", "http://u:p@127.0.0.1/healthz", H)),
	("absolute form with a fragment", raw_request("GET", "http://127.0.0.1/healthz#f", H)),
]


def bad_request_case(data):
	def f(d):
		c = d.raw()
		try:
			c.send(data)
			expect_error(c.response(f"raw {short(data, 60)!r}"), 400, "bad request")
		finally:
			c.close()
	return f


for _n, _data in BAD_REQUESTS:
	g.add(f"400 {_n}", bad_request_case(_data))


# ---------------------------------------------------------------- RFC 9112/9110

@g.case
def absolute_form_target(d):
	"""RFC 9112 3.2.2: a server MUST accept the absolute form, which
	proxies send; its path is routed (the authority stands for Host)."""
	c = d.raw()
	try:
		c.send(raw_request("POST", "http://walkin.example/sql", H + CT +
				   [("Content-Length", str(len(BODY)))], BODY))
		eq(expect_ok(c.response("POST http://walkin.example/sql"))["rows"], [[1]], "rows")
		c.send(raw_request("GET", "HTTPS://walkin.example:8443/healthz?x=1", H))
		eq(expect_ok(c.response("GET HTTPS://.../healthz?x=1"))["status"], "ok", "status")
		c.send(raw_request("GET", "http://walkin.example?x=1", H))
		r = c.response("GET http://walkin.example?x=1 (path /, the playground)")
		expect_status(r, 200)
		check(r.body.startswith(b"<!doctype html>"), "the playground's page")
		c.send(raw_request("GET", "http://walkin.example/nope", H))
		expect_error(c.response("GET http://walkin.example/nope"), 404, "not found")
	finally:
		c.close()


def head_then_get(d, target):
	"""HEAD target then GET target on one connection: (HEAD's status line
	and headers, GET's response)."""
	c = d.raw()
	try:
		c.send(raw_request("HEAD", target, H) + raw_request("GET", target, H))
		deadline = time.time() + 10
		while c.buf.count(b"\r\n\r\n") < 2 and time.time() < deadline:
			if not c._fill():
				break
		head, _, c.buf = c.buf.partition(b"\r\n\r\n")
		check(c.buf.startswith(b"HTTP/1.1 "),
		      f"HEAD {target}: bytes after its header block: {short(c.buf, 60)!r}")
		return head.decode("latin-1").split("\r\n"), c.response(f"GET {target}")
	finally:
		c.close()


@g.case
def head_on_get_routes(d):
	"""HEAD is GET without the body (RFC 9110 9.3.2: servers SHOULD send
	the same header fields): same status, Content-Type, Content-Length."""
	for target in ("/healthz", "/openapi.json"):
		head, get = head_then_get(d, target)
		check(head[0].startswith("HTTP/1.1 200 "), f"HEAD {target}: {head[0]!r}")
		hdrs = {k.strip().lower(): v.strip() for k, _, v in
			(ln.partition(":") for ln in head[1:])}
		expect_ok(get)
		eq(hdrs.get("content-type"), get.header("Content-Type"), f"HEAD {target} Content-Type")
		if target == "/openapi.json":	# /healthz's counts may differ
			eq(hdrs.get("content-length"), str(len(get.body)),
			   f"HEAD {target} Content-Length")
		else:
			check(int(hdrs.get("content-length", "0")) > 0,
			      f"HEAD {target} Content-Length {hdrs.get('content-length')!r}")
	head, _ = head_then_get(d, "/sql")
	check(head[0].startswith("HTTP/1.1 405 "), f"HEAD /sql: {head[0]!r}")
	r = d.request("POST", "/healthz")
	expect_error(r, 405, "method not allowed")
	eq(r.header("Allow"), "GET, HEAD, OPTIONS", "Allow of /healthz")


@g.case
def client_gone_still_logged(d):
	"""A client that closes before its reply still gets its access-log
	line, with the status the server decided."""
	import test_api
	ua = "walkind-test-gone"
	sql = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
	       "LIMIT 300000) SELECT count(*) FROM c")
	c = d.raw()
	c.send(post_sql_bytes(sql, extra=[("User-Agent", ua)]))
	c.close()

	def mine():
		return [json.loads(ln) for _, ln in test_api.log_lines(d) if ua.encode() in ln]
	wait_until(mine, 10.0)
	got = mine()
	eq(len(got), 1, "access-log lines of the gone client")
	eq(got[0]["http_status"], 200, "status logged")
	expect_ok(d.get("/healthz"))


@g.case
def content_length_huge(d):
	c = d.raw()
	try:
		c.send(raw_request("POST", "/sql", H + CT + [("Content-Length", "9" * 30)]))
		r = c.response("Content-Length 30 nines")
		expect_status(r, (400, 413))
		expect_error(r, r.status, "bad request" if r.status == 400 else "request body too large")
	finally:
		c.close()


@g.case
def no_content_length_411(d):
	c = d.raw()
	try:
		c.send(raw_request("POST", "/sql", H + CT + [("Connection", "close")]))
		expect_error(c.response("POST without Content-Length"), 411, "content-length required")
	finally:
		c.close()


@g.case
def chunked_411(d):
	c = d.raw()
	try:
		body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
		c.send(raw_request("POST", "/sql", H + CT + [("Transfer-Encoding", "chunked")], body))
		expect_error(c.response("POST chunked"), 411, "content-length required")
	finally:
		c.close()


@g.case
def chunked_with_content_length_411(d):
	c = d.raw()
	try:
		body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
		c.send(raw_request("POST", "/sql", H + CT + [("Content-Length", str(len(body))),
							     ("Transfer-Encoding", "chunked")], body))
		r = c.response("POST chunked + Content-Length")
		expect_status(r, (400, 411))
		expect_error(r, r.status)
	finally:
		c.close()


@g.case
def body_too_large_answered_without_body(d):
	c = d.raw()
	try:
		t0 = time.time()
		c.send(raw_request("POST", "/sql", H + CT + [("Content-Length", "100000")]))
		c.s.settimeout(3.0)
		r = c.response("Content-Length 100000, no body sent")
		expect_error(r, 413, "request body too large")
		check(time.time() - t0 < 3.0, "413 took too long")
		check(c.closed_by_peer(3.0), "connection not closed after 413")
	finally:
		c.close()


def body_of_size(n):
	"""A valid {"sql": "SELECT 1 -- xxx"} body of exactly n bytes."""
	base = len(json.dumps({"sql": "SELECT 1 AS one --"}))
	b = json.dumps({"sql": "SELECT 1 AS one --" + "x" * (n - base)}).encode()
	assert len(b) == n
	return b


@g.case
def body_at_cap_accepted(d):
	b = body_of_size(8192)
	r = d.sql(None, body=b, what="POST /sql 8192-byte body")
	eq(expect_ok(r)["rows"], [[1]], "rows")


@g.case
def body_over_cap_413(d):
	b = body_of_size(8193)
	expect_error(d.sql(None, body=b, what="POST /sql 8193-byte body"), 413,
		     "request body too large")


@g.case
def body_over_cap_413_with_session(d):
	tok, _, _ = d.create()
	expect_error(d.sql(None, token=tok, body=body_of_size(20000),
			   what="POST /sql 20000-byte body"), 413, "request body too large")


@g.case
def head_too_large_431(d):
	c = d.raw()
	try:
		c.send(raw_request("GET", "/healthz", H + [("X-Big", "a" * 9000)]))
		expect_error(c.response("9000-byte header"), 431, "request headers too large")
	finally:
		c.close()


@g.case
def long_url_431_or_414(d):
	c = d.raw()
	try:
		c.send(raw_request("GET", "/" + "a" * 9000, H))
		r = c.response("9000-byte URL")
		expect_status(r, (414, 431))
		expect_error(r, r.status)
	finally:
		c.close()


@g.case
def too_many_headers_431(d):
	c = d.raw()
	try:
		c.send(raw_request("GET", "/healthz", H + [(f"X-H{i}", "v") for i in range(70)]))
		expect_error(c.response("71 header lines"), 431, "request headers too large")
	finally:
		c.close()


@g.case
def many_headers_within_cap_ok(d):
	c = d.raw()
	try:
		c.send(raw_request("GET", "/healthz", H + [(f"X-H{i}", "v") for i in range(50)]))
		expect_ok(c.response("51 header lines"))
	finally:
		c.close()


@g.case
def service_alive_after_bad_requests(d):
	expect_ok(d.get("/healthz"))
	expect_ok(d.sql("SELECT 1"))


@g.case
def log_valid_after_bad_requests(d):
	import test_api
	time.sleep(0.3)
	test_api.check_log_lines(d)


# ---------------------------------------------------------------- 408

def timed_out(d, label, chunks, interval, results):
	"""Send chunks (interval s apart) and expect 408 within 8..16 s."""
	c = None
	try:
		c = d.raw(timeout=20.0)
		t0 = drip_send(c, chunks, interval, 17)
		r = c.response(label)
		dt = time.time() - t0
		expect_error(r, 408, "request timeout")
		check(8.0 <= dt <= 16.0, f"{label}: 408 after {dt:.1f} s, expected about 10 s")
	except AssertionError as e:
		results.append(str(e))
	except OSError as e:
		results.append(f"{label}: {type(e).__name__} {e}")
	finally:
		if c:
			c.close()


@slow.case
def request_timeout_408(d):
	body_req = raw_request("POST", "/sql", H + CT + [("Content-Length", "100")], b'{"sql"')
	trickle = [bytes([b]) for b in raw_request("GET", "/healthz", H + [("X-Pad", "p" * 40)])]
	jobs = [
		("incomplete body", [body_req], 0.0),
		("incomplete headers", [b"GET /healthz HTTP/1.1\r\nHost: x\r\n"], 0.0),
		("headers trickled 1 byte/s", trickle, 1.0),
	]
	results = []
	ts = [threading.Thread(target=timed_out, args=(d, lbl, ch, iv, results))
	      for lbl, ch, iv in jobs]
	for t in ts:
		t.start()
	for t in ts:
		t.join(30)
	check(not results, "; ".join(results))
	expect_ok(d.get("/healthz"))
