"""
http_abuse.py: the HTTP layer under hostile clients, with raw sockets.

Each raw entry is exact request bytes and the expected answer: status,
exact error, and what happens to the connection (closed by the server,
or still usable for another request on it). Then the scripted ones:
pipelining, slowloris on headers and bodies (several at once, while a
normal client is served promptly), the connection cap (4096 idle
connections, then the 4097th), and a client that never reads its reply.
test_http.py holds one of several of these; this is the sweep.
"""

import socket
import threading
import time

from harness import (check, drip_send, eq, expect_error, expect_ok, post_sql_bytes, short,
		     wait_until)
from hostile import HGroup, expect_outcome

g = HGroup("http")
slow = HGroup("http-slowloris")
conns = HGroup("http-conns")


def _stall_rows():
	"""Rows of 900 kB for a reply well past what the kernel's socket
	buffers can absorb (tcp_wmem's maximum on the server side)."""
	try:
		with open("/proc/sys/net/ipv4/tcp_wmem") as f:
			wmem = int(f.read().split()[2])
	except (OSError, ValueError, IndexError):
		wmem = 4 << 20
	return max(12, min(60, (2 * wmem + (4 << 20)) // 900000 + 1))


STALL_ROWS = _stall_rows()
stall = HGroup("http-slow-reader", ["--max-result-bytes", "64M"])
for _g in (slow, stall):
	_g.slow = 2
conns.slow = 1

BODY = b'{"sql":"SELECT 1 AS one"}'
H = "Host: x\r\n"
CTJ = "Content-Type: application/json\r\n"
BAD = (400, "bad request")
CLOSE, OPEN = True, False


def post(extra="", body=BODY, cl=True):
	h = "POST /sql HTTP/1.1\r\n" + H + CTJ
	if cl:
		h += f"Content-Length: {len(body)}\r\n"
	return (h + extra + "\r\n").encode("latin-1") + body


def get(target="/healthz", extra="", version="HTTP/1.1", method="GET"):
	return f"{method} {target} {version}\r\n{H}{extra}\r\n".encode("latin-1")


# (name, bytes, status, error or None, closed after?)
RAW = [
	# methods
	("method BREW", get(method="BREW", target="/sql"), 405, "method not allowed", OPEN),
	("method lowercase get", get(method="get"), 405, "method not allowed", OPEN),
	("method TRACE", get(method="TRACE", target="/sql"), 405, "method not allowed", OPEN),
	("method PATCH", get(method="PATCH", target="/sql"), 405, "method not allowed", OPEN),
	("method CONNECT", get(method="CONNECT", target="127.0.0.1:22"), 404, "not found", OPEN),
	("method of 100 letters", get(method="A" * 100), *BAD, CLOSE),
	("method with a slash", get(method="GE/T"), *BAD, CLOSE),
	("method with parentheses", get(method="G(E)T"), *BAD, CLOSE),
	("method of one NUL", b"\x00 /healthz HTTP/1.1\r\n" + H.encode() + b"\r\n", *BAD, CLOSE),
	# request line
	("HTTP/2.0", get(version="HTTP/2.0"), *BAD, CLOSE),
	("HTTP/1.2", get(version="HTTP/1.2"), *BAD, CLOSE),
	("http/1.1 lowercase", get(version="http/1.1"), *BAD, CLOSE),
	("no version", b"GET /healthz\r\n" + H.encode() + b"\r\n", *BAD, CLOSE),
	("two spaces", b"GET  /healthz HTTP/1.1\r\n" + H.encode() + b"\r\n", *BAD, CLOSE),
	("trailing space", b"GET /healthz HTTP/1.1 \r\n" + H.encode() + b"\r\n", *BAD, CLOSE),
	("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", *BAD, CLOSE),
	("leading blank line", b"\r\n" + get(), *BAD, CLOSE),
	# URL junk
	("URL fragment", get("/healthz#x"), 404, "not found", OPEN),
	("URL double slash", get("//healthz"), 404, "not found", OPEN),
	("URL trailing slash", get("/healthz/"), 404, "not found", OPEN),
	("URL percent-encoded", get("/%68ealthz"), 404, "not found", OPEN),
	("URL dot segments", get("/../healthz"), 404, "not found", OPEN),
	("URL dot segments to the keys", get("/../../secrets/keys"), 404, "not found", OPEN),
	("URL absolute form", get("http://127.0.0.1/healthz"), 200, None, OPEN),
	# routed as "/", the playground's page, which only GETs
	("URL absolute form, no path", get("http://127.0.0.1", method="DELETE"), 405,
	 "method not allowed", OPEN),
	("URL absolute form, ftp", get("ftp://127.0.0.1/healthz"), 404, "not found", OPEN),
	("URL absolute form, no host", get("http:///healthz"), *BAD, CLOSE),
	("URL absolute form, userinfo", get("http://a@127.0.0.1/healthz"), *BAD, CLOSE),
	("URL asterisk", get("*"), 404, "not found", OPEN),
	("URL query junk", get("/healthz?;;%00&&=="), 200, None, OPEN),
	("URL byte 0xff", get("/\xff"), *BAD, CLOSE),
	("URL DEL", get("/a\x7fb"), *BAD, CLOSE),
	("URL NUL", b"GET /a\x00b HTTP/1.1\r\n" + H.encode() + b"\r\n", *BAD, CLOSE),
	("URL of 8 KiB", get("/" + "a" * 8200), 431, "request headers too large", CLOSE),
	# header syntax
	("no Host on HTTP/1.1", b"GET /healthz HTTP/1.1\r\n\r\n", *BAD, CLOSE),
	("two Hosts", get(extra="Host: y\r\n"), *BAD, CLOSE),
	("space before colon", get(extra="X-A : b\r\n"), *BAD, CLOSE),
	("obs-fold", get(extra="X-A: b\r\n c\r\n"), *BAD, CLOSE),
	("NUL in a header value", get(extra="X-A: a\x00b\r\n"), *BAD, CLOSE),
	("bare CR in a header", get(extra="X-A: a\rb\r\n"), *BAD, CLOSE),
	("bare LF inside the head", b"GET /healthz HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", *BAD, CLOSE),
	("head ended by LF LF", b"GET /healthz HTTP/1.1\nHost: x\n\n", *BAD, CLOSE),
	("head ended by LF CR LF", b"GET /healthz HTTP/1.1\r\nHost: x\n\r\n", *BAD, CLOSE),
	("header name of non-token bytes", get(extra="X\xe9: b\r\n"), *BAD, CLOSE),
	("header value of high bytes", get(extra="X-A: \xff\xfe\r\n"), 200, None, OPEN),
	("64 header lines (the cap)", get(extra="".join(f"X-{i}: v\r\n" for i in range(63))), 200,
	 None, OPEN),
	("65 header lines", get(extra="".join(f"X-{i}: v\r\n" for i in range(64))), 431,
	 "request headers too large", CLOSE),
	("head of exactly 8192 bytes", None, 200, None, OPEN),
	("head of 8193 bytes", None, 431, "request headers too large", CLOSE),
	("8 KiB of header, no end yet", b"GET /healthz HTTP/1.1\r\nX-A: " + b"a" * 8300, 431,
	 "request headers too large", CLOSE),
	# Content-Length and Transfer-Encoding
	("Content-Length with leading zeros", post().replace(b"Content-Length: ",
							    b"Content-Length: 000"), 200, None, OPEN),
	("Content-Length as a list", post(cl=False, extra=f"Content-Length: {len(BODY)}, "
	 f"{len(BODY)}\r\n"), *BAD, CLOSE),
	("Content-Length of 19 digits", post(cl=False, extra="Content-Length: " + "1" * 19 + "\r\n"),
	 *BAD, CLOSE),
	("Content-Length of 18 nines", post(cl=False, extra="Content-Length: " + "9" * 18 + "\r\n"),
	 413, "request body too large", CLOSE),
	("Content-Length 8193", post(cl=False, extra="Content-Length: 8193\r\n"), 413,
	 "request body too large", CLOSE),
	("Content-Length twice, second larger", post(extra="Content-Length: 99\r\n"), *BAD, CLOSE),
	("Content-Type twice", post(extra="Content-Type: text/plain\r\n"), *BAD, CLOSE),
	("Content-Type twice, same value", post(extra=CTJ), *BAD, CLOSE),
	("Content-Length then Transfer-Encoding", post(extra="Transfer-Encoding: chunked\r\n"), 411,
	 "content-length required", CLOSE),
	("Transfer-Encoding identity", post(extra="Transfer-Encoding: identity\r\n"), 411,
	 "content-length required", CLOSE),
	("Transfer-Encoding in odd case", post(cl=False, extra="transfer-encoding: CHUNKED\r\n"), 411,
	 "content-length required", CLOSE),
	("chunked body over the cap", post(cl=False, extra="Transfer-Encoding: chunked\r\n",
					  body=b"4000\r\n" + b"x" * 0x4000 + b"\r\n0\r\n\r\n"), 411,
	 "content-length required", CLOSE),
	("POST without a body length", post(cl=False, body=b""), 411, "content-length required",
	 CLOSE),
	("body on a GET is read and ignored", get(extra="Content-Length: 5\r\n") + b"hello", 200, None,
	 OPEN),
	("Expect: 100-continue", None, 200, None, OPEN),
	("over the cap with Expect: 100-continue", post(cl=False, body=b"", extra="Content-Length: "
	 "9000\r\nExpect: 100-continue\r\n"), 413, "request body too large", CLOSE),
	# HTTP/1.0
	("HTTP/1.0 without Host", b"GET /healthz HTTP/1.0\r\n\r\n", 200, None, CLOSE),
	("HTTP/1.0 keep-alive", b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200,
	 None, OPEN),
	("HTTP/1.0 POST", b"POST /sql HTTP/1.0\r\n" + CTJ.encode() +
	 f"Content-Length: {len(BODY)}\r\n\r\n".encode() + BODY, 200, None, CLOSE),
	("HTTP/1.1 Connection: close", get(extra="Connection: close\r\n"), 200, None, CLOSE),
]


def exact_head(n):
	"""GET /healthz whose head (through the blank line) is n bytes."""
	base = get(extra="X-Pad: \r\n")
	return get(extra="X-Pad: " + "p" * (n - len(base)) + "\r\n")


def raw_case(data, status, err, closed, name):
	def f(d):
		if name == "head of exactly 8192 bytes":
			data_ = exact_head(8192)
			eq(len(data_), 8192, "test head size")
		elif name == "head of 8193 bytes":
			data_ = exact_head(8193)
		else:
			data_ = data
		c = d.raw(timeout=5.0)
		try:
			t0 = time.time()
			if name == "Expect: 100-continue":
				c.send(post(cl=False, body=b"", extra=f"Content-Length: {len(BODY)}\r\n"
					    "Expect: 100-continue\r\n"))
				r0 = c.response("100 Continue")
				eq(r0.status, 100, "interim status")
				c.send(BODY)
			else:
				c.send(data_)
			r = c.response(f"raw {name}")
			dt = time.time() - t0
			expect_outcome(r, status, err)
			check(dt < 2.0, f"answered after {dt:.1f} s")
			if closed:
				eq((r.header("Connection") or "").lower(), "close", "Connection header")
				check(c.closed_by_peer(3.0), "connection not closed by the server")
			else:
				c.send(get())
				expect_ok(c.response("a second request on the same connection"))
		finally:
			c.close()
	return f


for _n, _b, _s, _e, _c in RAW:
	g.add(f"raw {_n}", raw_case(_b, _s, _e, _c, _n))


# ---------------------------------------------------------------- pipelining

@g.case
def pipelined_fifty(d):
	c = d.raw()
	try:
		c.send(b"".join(get(f"/healthz?{i}") for i in range(50)))
		for i in range(50):
			expect_ok(c.response(f"pipelined {i}"))
	finally:
		c.close()


@g.case
def pipelined_creates_are_distinct(d):
	c = d.raw()
	try:
		c.send(b"".join(post_sql_bytes(f"CREATE TABLE p(x); INSERT INTO p VALUES({i})")
				for i in range(5)))
		toks = [c.response(f"create {i}").token for i in range(5)]
	finally:
		c.close()
	eq(len(set(toks)), 5, "distinct tokens from five pipelined creates")
	for i, t in enumerate(toks):
		eq(expect_ok(d.sql("SELECT x FROM p", token=t))["rows"], [[i]], f"walk-in {i}")


@g.case
def pipelined_bad_request_ends_the_pipeline(d):
	c = d.raw()
	try:
		c.send(get() + get() + b"GARBAGE\r\n\r\n" + get())
		expect_ok(c.response("pipelined 1"))
		expect_ok(c.response("pipelined 2"))
		expect_error(c.response("pipelined garbage"), 400, "bad request")
		check(c.closed_by_peer(3.0), "connection not closed after the 400")
		check(b"HTTP/1.1" not in c.buf, f"a reply after the 400: {short(c.buf)!r}")
	finally:
		c.close()


@g.case
def pipelined_413_ends_the_pipeline(d):
	c = d.raw()
	try:
		c.send(get() + post(cl=False, extra="Content-Length: 100000\r\n", body=b"") + get())
		expect_ok(c.response("pipelined 1"))
		expect_error(c.response("pipelined 413"), 413, "request body too large")
		check(c.closed_by_peer(3.0), "connection not closed after the 413")
	finally:
		c.close()


@g.case
def head_replies_have_no_body(d):
	"""HEAD is served as GET on GET routes (200 on /healthz, 405 on /sql,
	404 elsewhere), and its reply carries no content: on a kept-alive
	connection the next reply must start right after the HEAD reply's
	header block."""
	for target, status in (("/healthz", 200), ("/sql", 405), ("/nope", 404)):
		c = d.raw()
		try:
			c.send(get(target, method="HEAD") + get())
			deadline = time.time() + 5
			while c.buf.count(b"\r\n\r\n") < 2 and time.time() < deadline:
				if not c._fill():
					break
			head, _, rest = c.buf.partition(b"\r\n\r\n")
			check(head.startswith(f"HTTP/1.1 {status} ".encode()),
			      f"HEAD {target}: {short(head)!r}")
			check(rest.startswith(b"HTTP/1.1 200 "),
			      f"HEAD {target}: bytes after its header block: {short(rest, 60)!r}")
		finally:
			c.close()


@g.case
def smuggling_attempt(d):
	"""A second request hidden in a body that a lenient server would cut at
	the first Content-Length: the duplicate is refused before the body."""
	inner = get("/openapi.json")
	data = post(extra="Content-Length: 0\r\n", body=inner)
	c = d.raw()
	try:
		c.send(data)
		expect_error(c.response("two Content-Length"), 400, "bad request")
		check(c.closed_by_peer(3.0), "connection not closed")
		check(b"openapi" not in c.buf, "the hidden request was answered")
	finally:
		c.close()


# ---------------------------------------------------------------- slowloris

def drip(d, chunks, interval, out, label):
	"""Send chunks `interval` s apart until the server answers; record
	(label, status, error, seconds, closed) or the failure."""
	c = None
	try:
		c = d.raw(timeout=25.0)
		t0 = drip_send(c, chunks, interval, 18)
		r = c.response(label)
		out.append((label, r, time.time() - t0, c.closed_by_peer(3.0)))
	except (AssertionError, OSError) as e:
		out.append((label, None, 0.0, f"{type(e).__name__}: {e}"))
	finally:
		if c:
			c.close()


def one_byte_chunks(b):
	return [b[i:i + 1] for i in range(len(b))]


@slow.case
def slowloris_many_at_once(d):
	"""Twelve slow clients at once: headers or body one byte per 0.5 s, a
	head stopped half way, a body stopped half way, a lone byte. Each gets
	408 "request timeout" about 10 s after its first byte and is closed (a
	bare LF: 400 at once); meanwhile a normal client is served promptly
	(each request well under 3 s, a loose bound for a shared machine)."""
	head = get(extra="X-Pad: " + "p" * 60 + "\r\n")
	body_req = post(cl=False, extra="Content-Length: 100\r\n", body=b"")
	jobs = []
	for i in range(4):
		jobs.append((f"head drip {i}", one_byte_chunks(head), 0.5))
	for i in range(4):
		jobs.append((f"body drip {i}", [body_req] + one_byte_chunks(b'{"sql":"SELECT 1"' + b" " * 80),
			     0.5))
	jobs.append(("half a head", [head[:30]], 0.0))
	jobs.append(("half a body", [body_req + b'{"sql":'], 0.0))
	jobs.append(("one byte", [b"G"], 0.0))
	jobs.append(("bare LF drip", [b"GET /healthz HTTP/1.1"] + one_byte_chunks(b"\nHost: x\n"),
		     0.5))
	out = []
	ts = [threading.Thread(target=drip, args=(d, ch, iv, out, lbl)) for lbl, ch, iv in jobs]
	for t in ts:
		t.start()
	slowest = 0.0
	while any(t.is_alive() for t in ts):
		t0 = time.time()
		expect_ok(d.sql("SELECT 1"))
		slowest = max(slowest, time.time() - t0)
		time.sleep(0.25)
	for t in ts:
		t.join(30)
	check(slowest < 3.0, f"a normal request took {slowest:.2f} s beside the slow clients")
	bad = []
	for label, r, dt, closed in out:
		if r is None:
			bad.append(f"{label}: {closed}")
			continue
		try:
			if label.startswith("bare LF"):
				# refused at the first bare LF, not after 10 s
				expect_error(r, 400, "bad request")
				check(dt < 3.0, f"{label}: 400 after {dt:.1f} s")
			else:
				expect_error(r, 408, "request timeout")
				check(8.0 <= dt <= 16.0, f"{label}: 408 after {dt:.1f} s, expected about 10 s")
			check(closed is True, f"{label}: connection not closed")
		except AssertionError as e:
			bad.append(str(e))
	eq(len(out), len(jobs), "slow clients that finished")
	check(not bad, "; ".join(bad))


# ---------------------------------------------------------------- the connection cap

MAX_CONNS = 4096	# include/bounds.h BOUNDS_HTTP_MAX_CONNS


def front_rss_kb(d):
	with open(f"/proc/{d.proc.pid}/status") as f:
		for ln in f:
			if ln.startswith("VmRSS:"):
				return int(ln.split()[1])
	return 0


@conns.case
def idle_connections_up_to_the_cap(d):
	"""4096 connections (one busy keep-alive client, the rest idle): the
	next one gets 503 "server busy" with Retry-After and CORS headers and
	is closed; the keep-alive client is still served; once the idle ones
	go, new clients are served again. The front end's memory stays small."""
	import resource
	soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
	check(soft >= MAX_CONNS + 256, f"RLIMIT_NOFILE {soft} is too low to reach the cap "
	      "(tests/hostile/run.py raises it to the hard limit)")
	rss0 = front_rss_kb(d)
	keep = d.raw()
	idle = []
	try:
		keep.send(get())
		expect_ok(keep.response("keep-alive client"))
		for _ in range(MAX_CONNS - 1):
			idle.append(socket.create_connection(("127.0.0.1", d.port)))
		# the front end accepts in its own time: wait until it holds them all
		deadline = time.time() + 10
		r = None
		while time.time() < deadline:
			c = d.raw(timeout=5.0)
			try:
				c.send(get())
				r = c.response("connection past the cap")
				if r.status == 503:
					check(c.closed_by_peer(3.0), "503 connection not closed")
					break
			finally:
				c.close()
			time.sleep(0.2)
		check(r is not None, "no reply past the cap")
		expect_error(r, 503, "server busy")
		check((r.header("Retry-After") or "").strip().isdigit(),
		      f"Retry-After {r.header('Retry-After')!r}")
		eq(r.header("Access-Control-Allow-Origin"), "*", "Access-Control-Allow-Origin on the 503")
		keep.send(get())
		expect_ok(keep.response("keep-alive client at the cap"))
		rss = front_rss_kb(d)
		check(rss - rss0 < 64 * 1024,
		      f"front end RSS grew {rss - rss0} kB for {MAX_CONNS} connections")
	finally:
		for s in idle:
			s.close()
		keep.close()
	ok = wait_until(lambda: d.get("/healthz").status == 200, 5.0)
	check(ok, "not served after the idle connections closed")


# ---------------------------------------------------------------- the slow reader

STALL_S = 10	# include/bounds.h BOUNDS_HTTP_WRITE_STALL_MS


@stall.case
def client_that_never_reads(d):
	"""A client asks for a reply bigger than the kernel can buffer (11 MB
	here), with a tiny receive window, and never reads: the server closes
	it about STALL_S s after the last byte it could send, instead of
	holding the connection and the reply for ever."""
	s = socket.socket()
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	s.connect(("127.0.0.1", d.port))
	try:
		s.sendall(post_sql_bytes("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c "
					 f"LIMIT {STALL_ROWS}) SELECT hex(zeroblob(450000)) AS big FROM c"))
		time.sleep(STALL_S + 4)
		s.settimeout(3.0)
		got, closed = 0, False
		try:
			while True:
				b = s.recv(1 << 20)
				if not b:
					closed = True
					break
				got += len(b)
		except (ConnectionResetError, BrokenPipeError):
			closed = True
		except socket.timeout:
			pass
		check(closed, f"connection still open {STALL_S + 4} s into a stalled reply "
		      f"({got} bytes readable)")
		check(got < STALL_ROWS * 900000, f"the whole reply ({got} bytes) was delivered: "
		      "nothing stalled")
	finally:
		s.close()
