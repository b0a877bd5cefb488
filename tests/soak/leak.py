#!/usr/bin/env python3
"""
leak.py: a long-running front end shows no leak under LeakSanitizer.

    python3 tests/soak/leak.py build-asan/walkind [--requests N] [--figures]

One daemon of a sanitizer build (make check-asan) serves N requests
(default 4000) from 4 threads, covering every path that allocates in the
front end: creates that succeed, fail (400) and hit the quota (507),
queries and writes, truncated results, the keyword layer and the
authorizer refusing, CPU bombs (408), bad and tampered tokens (404), bad
JSON, missing sql, NUL bytes, wrong content type (415), oversize bodies
(413), unknown paths (404), wrong methods (405), OPTIONS (204), /healthz,
/openapi.json, malformed request lines (400), oversize heads (431), no
Content-Length (411), pipelined keep-alive requests, clients that hang up
mid-request or before the reply, executors evicted (--pool-size 2),
SIGKILLed (500) and swept at their TTL (--ttl 3). Then SIGTERM: the front
end frees what it holds and exits, and LeakSanitizer reports any block
no longer reachable. Bounded: N requests or 180 s, whichever comes first.

Cases: "requests" (N served, no transport error on a well-formed request),
"coverage" (every status above seen), "clean-shutdown" (exit 0 within 5 s
of SIGTERM, no process left, no ASan/LSan/UBSan report on stderr), and
"shutdown-in-flight": the same for a second daemon stopped while requests
run, wait in the queue, were hung up on, or sit idle on keep-alive.

Not a sanitizer build: the suite says so and runs nothing (valgrind cannot
stand in: valgrind 3.19 has no pidfd_open, so no executor can start).
Prints exactly one closing line "leak: N passed, M failed".
"""

import argparse
import collections
import json
import os
import random
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "blackbox"))

import harness  # noqa: E402
from harness import post_sql_bytes, raw_request, short  # noqa: E402

WANT = {200, 204, 400, 404, 405, 408, 411, 413, 415, 431, 500, 507}
TIME_CAP = 180.0
CPU_BOMB = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
DISK_BOMB = ("CREATE TABLE b(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c "
	     "LIMIT 100000) INSERT INTO b SELECT randomblob(1000) FROM c")


class Load:
	def __init__(self, d, n):
		self.d = d
		self.left = n
		self.lock = threading.Lock()
		self.statuses = collections.Counter()
		self.problems = []
		self.end = time.time() + TIME_CAP

	def take(self):
		with self.lock:
			if self.left <= 0 or time.time() > self.end:
				return False
			self.left -= 1
			return True

	def saw(self, status):
		with self.lock:
			self.statuses[status] += 1

	def problem(self, what):
		with self.lock:
			if len(self.problems) < 20:
				self.problems.append(what)


def raw_one(d, data, close_after_send=False):
	"""Send raw bytes on a fresh connection; the status, or None."""
	c = d.raw(timeout=15)
	try:
		c.send(data)
		if close_after_send:
			return None
		return c.response().status
	finally:
		c.close()


def tampered(tok):
	i = len(tok) // 2
	return tok[:i] + ("A" if tok[i] != "A" else "B") + tok[i + 1:]


def worker(ld, rng):
	d = ld.d
	tok = None
	while ld.take():
		p = rng.random()
		try:
			if tok is None or p < 0.08:
				r = d.sql("CREATE TABLE t(x); INSERT INTO t VALUES(1),(2),(3)")
				ld.saw(r.status)
				if r.status == 200:
					tok = r.token
				continue
			if p < 0.40:
				r = d.sql(rng.choice(["SELECT x FROM t", "INSERT INTO t VALUES(4)",
						      "SELECT * FROM t, t AS u, t AS v"]), token=tok)
			elif p < 0.45:
				r = d.sql(rng.choice(["SELEC 1", "ATTACH 'x' AS y", "PRAGMA page_size=512",
						      "SELECT 1; SELECT nosuch FROM t"]), token=tok)
			elif p < 0.47:
				r = d.sql(CPU_BOMB, token=tok)
			elif p < 0.49:
				r = d.sql(rng.choice([DISK_BOMB, "SELEC 1"]))	# failed creates
			elif p < 0.52:
				r = d.sql("SELECT 1", token=rng.choice([tampered(tok), "wkn_x", tok + "A"]))
			elif p < 0.58:
				r = d.sql(None, token=tok, body=rng.choice([
					b'{"sql": ', b'[1]', b'{"sql": 5}', b'{"sql": "SELECT 1\\u0000"}',
					json.dumps({"sql": "SELECT '" + "x" * 9000 + "'"}).encode()]))
			elif p < 0.60:
				r = d.sql("SELECT 1", token=tok, ctype="text/plain")
			elif p < 0.66:
				r = rng.choice([lambda: d.get("/nope"), lambda: d.get("/sql"),
						lambda: d.request("OPTIONS", "/sql"),
						lambda: d.get("/healthz"), lambda: d.get("/openapi.json")])()
			elif p < 0.74:
				st = raw_one(d, rng.choice([
					b"GARBAGE\r\n\r\n",
					b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
					b"POST /sql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n",
					b"POST /sql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
					post_sql_bytes("SELECT x FROM t", tok) * 3,	# pipelined
				]))
				if st is not None:
					ld.saw(st)
				continue
			elif p < 0.80:
				# hang up mid-request, or before a slow reply
				data = rng.choice([post_sql_bytes("SELECT 1", tok)[:40],
						   post_sql_bytes(CPU_BOMB, tok)])
				raw_one(d, data, close_after_send=True)
				ld.saw("hung up")
				continue
			elif p < 0.81:
				u = harness.token_uuid(tok)
				for pid in d.executors(u):
					try:
						os.kill(pid, signal.SIGKILL)
					except OSError:
						pass	# gone meanwhile (evicted)
				r = d.sql(CPU_BOMB, token=tok)
				ld.saw(r.status)
				continue
			else:
				r = d.sql("SELECT x FROM t", token=tok)
			ld.saw(r.status)
			if r.status == 404 and "instance not found" in short(r.body):
				tok = None	# expired at its TTL: make another
		except (OSError, AssertionError) as e:
			ld.problem(f"{type(e).__name__}: {e}")


def killer(ld, stop):
	"""A SIGKILL to a random executor now and then: the 500 path."""
	rng = random.Random()
	while not stop.wait(rng.uniform(0.2, 0.8)):
		kids = [p for p in harness.descendants(ld.d.proc.pid)
			if (harness._cmdline(p) or "").endswith("walkind-exec")]
		if kids:
			try:
				os.kill(rng.choice(kids), signal.SIGKILL)
			except OSError:
				pass


def report(text, n=40):
	"""Print the first n lines of each sanitizer report in stderr text."""
	lines = text.decode("utf-8", "replace").splitlines()
	for i, ln in enumerate(lines):
		if harness.SANITIZER_RE.search(ln):
			print("\n".join("    " + x for x in lines[i:i + n]))


def shutdown_in_flight():
	"""SIGTERM with requests running, queued, hung up and idle: every
	connection and request is freed, none used after being freed (the
	pool used to free an in-flight request its connection still pointed
	at, and the connections themselves were never freed)."""
	d = harness.Daemon(["--pool-size", "1", "--query-timeout-ms", "5000"])
	try:
		d.start()
		toks = [d.create("CREATE TABLE t(x)")[0] for _ in range(2)]
		ths = [threading.Thread(target=lambda t=t: _quiet(d, t), daemon=True)
		       for t in (toks[0], toks[0], toks[1])]
		for t in ths:
			t.start()
		idle = d.raw()
		idle.send(post_sql_bytes("SELECT 1", toks[1]))	# then kept open, idle
		time.sleep(0.5)
		raw_one(d, post_sql_bytes(CPU_BOMB, toks[1]), close_after_send=True)
		half = d.raw()
		half.send(post_sql_bytes("SELECT 1", toks[1])[:30])
		time.sleep(0.3)
		proc = d.proc
		d.stop()
		idle.close()
		half.close()
		ok = not d.problems and proc.returncode == 0
		if not ok:
			report(d.stderr_text_of(d.nstarts))
		return ok, "; ".join(d.problems + [f"exit code {proc.returncode}"])
	except AssertionError as e:
		return False, str(e)
	finally:
		d.cleanup()


def _quiet(d, tok):
	try:
		d.sql(CPU_BOMB, token=tok, timeout=15)
	except OSError:
		pass


def main(argv):
	ap = argparse.ArgumentParser()
	ap.add_argument("binary")
	ap.add_argument("--requests", type=int, default=4000)
	ap.add_argument("--figures", action="store_true")
	args = ap.parse_args(argv[1:])
	harness.BINARY = os.path.abspath(args.binary)
	if not harness.sanitizer_build(harness.BINARY):
		print("leak: not a sanitizer build: skipped (make check-asan runs it under "
		      "LeakSanitizer; valgrind cannot start executors: no pidfd_open)")
		print("leak: 0 passed, 0 failed")
		return 0
	d = harness.Daemon(["--pool-size", "2", "--ttl", "3", "--query-timeout-ms", "100",
			    "--max-db-bytes", "64K", "--max-rows", "20"])
	results = {}

	def case(name, ok, detail):
		results[name] = ok
		if not ok:
			print(f"FAIL leak/{name}: {detail}")
	try:
		d.start()
		ld = Load(d, args.requests)
		stop = threading.Event()
		t0 = time.time()
		ths = [threading.Thread(target=worker, args=(ld, random.Random(i)), daemon=True)
		       for i in range(4)]
		kt = threading.Thread(target=killer, args=(ld, stop), daemon=True)
		for t in ths + [kt]:
			t.start()
		for t in ths:
			t.join(TIME_CAP + 30)
		stop.set()
		kt.join(5)
		secs = time.time() - t0
		served = sum(n for s, n in ld.statuses.items() if s != "hung up")
		case("requests", served + ld.statuses["hung up"] >= args.requests and not ld.problems,
		     f"{served} served in {secs:.0f} s of {args.requests}; problems {ld.problems[:5]}")
		missing = sorted(WANT - set(ld.statuses))
		case("coverage", not missing, f"statuses never seen: {missing} (seen {dict(ld.statuses)})")
		proc = d.proc
		d.stop()	# SIGTERM; LeakSanitizer runs as the front end exits
		rc = proc.returncode
		case("clean-shutdown", not d.problems and rc == 0,
		     "; ".join(d.problems + [f"exit code {rc}"]))
		if not results["clean-shutdown"]:
			report(d.stderr_text_of(d.nstarts))
		ok, detail = shutdown_in_flight()
		case("shutdown-in-flight", ok, detail)
		if args.figures:
			print(f"leak figures: {served} requests in {secs:.0f} s, then SIGTERM; "
			      f"statuses {dict(sorted(ld.statuses.items(), key=str))}; "
			      f"LeakSanitizer report: {'none' if results.get('clean-shutdown') else 'see FAIL'}")
	except AssertionError as e:
		results["setup"] = False
		print(f"FAIL leak/setup: {e}")
	finally:
		d.cleanup()
	passed = sum(1 for v in results.values() if v)
	failed = len(results) - passed
	print(f"leak: {passed} passed, {failed} failed")
	return 0 if failed == 0 else 1


if __name__ == "__main__":
	sys.exit(main(sys.argv))
