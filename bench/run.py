#!/usr/bin/env python3
"""
run.py: walkind's benchmark (make bench; docs/PERFORMANCE.md).

Starts walkind (every security layer on, rate limits off) and the bare
ceiling server (bench/ceiling.c) on 127.0.0.1, drives both with wrk
(bench/wrk/sql.lua), and prints one table, also written to
BUILD/bench-results-<date>.md. Every figure is also given as a ratio to
the ceiling measured in the same run: the machine is shared and noisy, so
ratios are what the targets mean.

  1. session queries: SELECT 1 and a point SELECT by primary key on a
     1,000-row table, c=32 and c=128, over 32 walk-ins and over one;
  2. creates (a new walk-in per request), c=8 and c=1, with the default
     warm executors and with --warm 0;
  3. noisy neighbour: 4 clients run CPU bombs (recursive CTE to the
     deadline) back to back while 32 clients, one walk-in each, run point
     SELECTs; also the same 32 clients without the bombs;
  4. scale: BENCH_SCALE_N walk-ins (default 100000) on a fresh daemon:
     disk per walk-in, memory (RSS, PSS) of front end, spawner and
     executors with 0 / 100 / pool-size live executors, and how long the
     sweeper takes to remove them all after their TTL.

The servers (walkind with all its processes, and the ceiling) run on one
core and wrk on the other (taskset), so walkind and the ceiling get the
same CPU; BENCH_CPUS="server,client" changes the two (default "0,1"),
"" turns pinning off. At the end, each target of issue 14 is printed
with its figure, its ratio and PASS or MISS.

Environment: BUILD (build dir with walkind and bench-ceiling), BENCH_SECS
(seconds per wrk run, default 10), BENCH_SCALE_N, BENCH_SKIP (comma list
of sections to skip: query,create,noisy,scale), BENCH_TMP (where the
data dirs go; default the system temp dir). Traffic goes to 127.0.0.1
only; every run is bounded; processes and temp dirs are cleaned up.
"""

import http.client
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.environ.get("BUILD", "build")
WALKIND = os.path.join(ROOT, BUILD, "walkind")
CEILING = os.path.join(ROOT, BUILD, "bench-ceiling")
LUA = os.path.join(HERE, "wrk", "sql.lua")
SECS = int(os.environ.get("BENCH_SECS", "10"))
SCALE_N = int(os.environ.get("BENCH_SCALE_N", "100000"))
SKIP = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))
CPUS = os.environ.get("BENCH_CPUS", "0,1" if (os.cpu_count() or 1) >= 2 else "")
SERVER_CPU, CLIENT_CPU = CPUS.split(",") if CPUS else ("", "")
THREADS = 1 if CPUS else 2	# wrk threads: one per core it may use
ROWS = 1000
NWALKINS = 32			# "several walk-ins"
POOL = 128			# scale daemon's --pool-size (>= 100 live)

SQL_ONE = "SELECT 1"
SQL_POINT = "SELECT id, v FROM t WHERE id = {k}"
SQL_TABLE = ("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); "
	     "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
	     f"WHERE x < {ROWS}) INSERT INTO t SELECT x, 'row ' || x FROM c")
SQL_CREATE = ("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); "
	      "INSERT INTO t(v) VALUES('hello')")
SQL_BOMB = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
	    "SELECT count(*) FROM c")
RATE_OFF = ["--rate-requests", "0", "--rate-creates", "0",
	    "--max-instances-per-ip", "0"]

TMP = []			# temp dirs to remove
PROCS = []			# processes to stop


def log(msg):
	print(f"bench: {msg}", file=sys.stderr, flush=True)


def free_port():
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	p = s.getsockname()[1]
	s.close()
	return p


def mkdtemp(prefix, data=False):
	"""A temp dir removed at exit; data dirs (walkind's, the ceiling's)
	go under BENCH_TMP when it is set, e.g. a journaled ext4."""
	d = tempfile.mkdtemp(prefix=prefix,
			     dir=os.environ.get("BENCH_TMP") if data else None)
	TMP.append(d)
	return d


def pinned(cpu, argv):
	"""argv run on that CPU only (children included), or as is."""
	return ["taskset", "-c", cpu] + argv if cpu else argv


# ---------------------------------------------------------------- servers

class Server:
	def __init__(self, argv, port, name):
		self.port = port
		self.name = name
		self.errf = tempfile.TemporaryFile()
		argv = pinned(SERVER_CPU, argv)
		self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
					     stdout=self.errf, stderr=self.errf)
		PROCS.append(self)
		self.conn = None

	def stderr(self):
		self.errf.seek(0)
		return self.errf.read().decode("utf-8", "replace")[-2000:]

	def request(self, method, path, body=None, headers=None):
		for attempt in range(2):
			if self.conn is None:
				self.conn = http.client.HTTPConnection(
				    "127.0.0.1", self.port, timeout=30)
			try:
				self.conn.request(method, path, body=body,
						  headers=headers or {})
				r = self.conn.getresponse()
				return r.status, dict(r.getheaders()), r.read()
			except (OSError, http.client.HTTPException):
				self.conn.close()
				self.conn = None
				if attempt:
					raise

	def sql(self, sql, token=None):
		h = {"Content-Type": "application/json"}
		if token:
			h["X-Walkin-Session"] = token
		return self.request("POST", "/sql", json.dumps({"sql": sql}), h)

	def wait_up(self, path):
		end = time.time() + 10
		while time.time() < end:
			if self.proc.poll() is not None:
				raise SystemExit(f"bench: {self.name} exited: {self.stderr()}")
			try:
				st, _, _ = self.request("GET", path)
				return
			except OSError:
				time.sleep(0.05)
		raise SystemExit(f"bench: {self.name} did not start: {self.stderr()}")

	def stop(self):
		if self.conn:
			self.conn.close()
		if self.proc.poll() is None:
			self.proc.send_signal(signal.SIGTERM)
			try:
				self.proc.wait(10)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				self.proc.wait()
		if self in PROCS:
			PROCS.remove(self)


def start_walkind(extra=()):
	data = mkdtemp("walkind-bench-", data=True)
	port = free_port()
	s = Server([WALKIND, "--listen", f"127.0.0.1:{port}", "--data-dir", data]
		   + RATE_OFF + list(extra), port, "walkind")
	s.data = data
	s.wait_up("/healthz")
	h = s.health()
	if "landlock" not in h["sandbox"] or "seccomp" not in h["sandbox"]:
		raise SystemExit(f"bench: sandbox is {h['sandbox']!r}, not landlock+seccomp")
	return s


def health(self):
	st, _, body = self.request("GET", "/healthz")
	return json.loads(body)


Server.health = health


def start_ceiling():
	d = mkdtemp("walkind-ceiling-", data=True)
	port = free_port()
	s = Server([CEILING, str(port), d], port, "ceiling")
	end = time.time() + 10
	while True:
		try:
			socket.create_connection(("127.0.0.1", port), 1).close()
			break
		except OSError:
			if time.time() > end or s.proc.poll() is not None:
				raise SystemExit(f"bench: ceiling did not start: {s.stderr()}")
			time.sleep(0.05)
	st, _, body = s.sql(SQL_TABLE, token="x")
	if st != 200:
		raise SystemExit(f"bench: ceiling setup: {st} {body!r}")
	return s


def create(srv, sql):
	st, h, body = srv.sql(sql)
	if st != 200:
		raise SystemExit(f"bench: create failed: {st} {body[:200]!r}")
	return h["X-Walkin-Session"]


def token_file(tokens):
	d = mkdtemp("walkind-tokens-")
	p = os.path.join(d, "tokens")
	with open(p, "w") as f:
		f.write("\n".join(tokens) + "\n")
	return p


# ---------------------------------------------------------------- wrk

def wrk(srv, conns, sql, tokens=None, threads=THREADS, secs=SECS, own=False,
	wait=True, max_per_thread=None):
	"""Run wrk against srv; returns the result dict (or the Popen)."""
	out = os.path.join(mkdtemp("walkind-wrk-"), "out.json")
	env = dict(os.environ, BENCH_SQL=sql, BENCH_KEYS=str(ROWS),
		   BENCH_TOKENS=tokens or "", BENCH_OWN="1" if own else "0",
		   BENCH_OUT=out)
	if max_per_thread:
		env["BENCH_MAX"] = str(max_per_thread)
	threads = min(threads, conns)
	argv = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{secs}s",
		"--timeout", "10s", "-s", LUA, f"http://127.0.0.1:{srv.port}/sql"]
	p = subprocess.Popen(pinned(CLIENT_CPU, argv), env=env, stdout=subprocess.DEVNULL,
			     stderr=subprocess.PIPE)
	p.out = out
	p.secs = secs
	return wrk_wait(p) if wait else p


def wrk_wait(p):
	_, err = p.communicate(timeout=p.secs + 120)
	if p.returncode != 0:
		raise SystemExit(f"bench: wrk failed: {err.decode()[-500:]}")
	with open(p.out) as f:
		r = json.load(f)
	# req/s counts answered requests that were not errors (a fast 503
	# is not a served query); errors are listed on their own
	r["rps"] = (r["requests"] - r["status"]) / (r["duration_us"] / 1e6)
	r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
	return r


# ---------------------------------------------------------------- table

ROWS_OUT = []


def ms(us):
	return f"{us / 1000:.2f}"


def ratio(a, b):
	return f"{a / b:.2f}" if b else "-"


RES = {}			# key -> (result, its ceiling's), for the targets


def row(name, r, ceil=None, note="", key=None):
	"""One table row; ratios: req/s as a fraction of the ceiling's,
	latencies as multiples of the ceiling's."""
	c = ceil
	if key:
		RES[key] = (r, ceil)
	ROWS_OUT.append("| {} | {:.0f} | {} | {} | {} | {} | {} | {} | {} |".format(
	    name, r["rps"], ms(r["p50_us"]), ms(r["p99_us"]), ms(r["p999_us"]),
	    r["errors"],
	    ratio(r["rps"], c["rps"]) if c else "-",
	    ratio(r["p99_us"], c["p99_us"]) if c else "-", note))
	log(ROWS_OUT[-1])


TABLE_HEAD = ("| workload | req/s | p50 ms | p99 ms | p99.9 ms | errors | "
	      "req/s ÷ ceiling | p99 ÷ ceiling | note |\n"
	      "|---|---|---|---|---|---|---|---|---|")


# ---------------------------------------------------------------- sections

def section_query(w, ce):
	log(f"setup: {NWALKINS} walk-ins with a {ROWS}-row table")
	tokens = [create(w, SQL_TABLE) for _ in range(NWALKINS)]
	many, one = token_file(tokens), token_file(tokens[:1])
	ceil = {}
	for name, sql in (("SELECT 1", SQL_ONE), ("point SELECT", SQL_POINT)):
		for c in (32, 128):
			ceil[(sql, c)] = cr = wrk(ce, c, sql, tokens=many)
			row(f"ceiling: {name}, c={c}", cr, cr)
			row(f"{name}, c={c}, {NWALKINS} walk-ins",
			    wrk(w, c, sql, tokens=many), cr, key=(sql, c, "many"))
			row(f"{name}, c={c}, 1 walk-in", wrk(w, c, sql, tokens=one),
			    cr, key=(sql, c, "one"))
	return ceil


def section_create(w, ce):
	"""Creates on w (default --warm) and on a second walkind with
	--warm 0, each against the ceiling run just before it."""
	rates = {}
	cold = start_walkind(["--warm", "0"])
	try:
		for c in (8, 1):
			cr = wrk(ce, c, SQL_CREATE)
			row(f"ceiling: create, c={c}", cr, cr)
			r = wrk(w, c, SQL_CREATE)
			rates[c] = r["rps"]
			row(f"create (new walk-in per request), c={c}", r, cr,
			    key=("create", c))
			row(f"create, c={c}, --warm 0", wrk(cold, c, SQL_CREATE),
			    cr, key=("create-cold", c))
	finally:
		cold.stop()
	return rates


def section_noisy(w, ceil):
	victims = [create(w, SQL_TABLE) for _ in range(32)]
	bombs = [create(w, "SELECT 1") for _ in range(4)]
	vf, bf = token_file(victims), token_file(bombs)
	cr = ceil.get((SQL_POINT, 32)) if ceil else None
	alone = wrk(w, 32, SQL_POINT, tokens=vf, threads=32, own=True)
	row("noisy: 32 victims alone (1 walk-in each)", alone, cr)
	bp = wrk(w, 4, SQL_BOMB, tokens=bf, threads=4, own=True, secs=SECS + 4,
		 wait=False)
	time.sleep(2)
	vr = wrk(w, 32, SQL_POINT, tokens=vf, threads=32, own=True)
	br = wrk_wait(bp)
	row("noisy: 32 victims while 4 bombs run", vr, cr)
	RES["noisy"] = (vr, alone)
	ROWS_OUT.append(f"| noisy: the 4 bombs | {br['rps']:.1f} | "
			f"{ms(br['p50_us'])} | {ms(br['p99_us'])} | "
			f"{ms(br['p999_us'])} | {br['status']} (408 each, expected) "
			f"| - | - | each runs to the 2 s deadline |")
	log(ROWS_OUT[-1])


# ---- targets (issue 14): ratios to the ceiling of the same run

def target_rows():
	"""One line per target: its figure, ratio and PASS or MISS."""
	out = ["", "Targets (issue 14; ratios within this run):", "",
	       "| target | figure | ratio | verdict |", "|---|---|---|---|"]

	def add(name, key, floor, p99_ms=None, zero=False):
		if key not in RES:
			return
		r, c = RES[key]
		q = r["rps"] / c["rps"] if c and c["rps"] else 0.0
		ok = q >= floor
		fig = f"{r['rps']:.0f}/s vs {c['rps']:.0f}/s"
		if p99_ms is not None:
			ok = ok and r["p99_us"] / 1000 < p99_ms
			fig += f", p99 {ms(r['p99_us'])} ms (< {p99_ms})"
		if zero:
			ok = ok and r["errors"] == 0
			fig += f", {r['errors']} errors (0)"
		out.append(f"| {name} | {fig} | {q:.2f} (>= {floor}) | "
			   f"{'PASS' if ok else 'MISS'} |")

	add("creates c=1 vs the ceiling's", ("create", 1), 0.5)
	add("creates c=8 vs the ceiling's", ("create", 8), 0.5, p99_ms=10)
	for sql, name in ((SQL_POINT, "point SELECT"), (SQL_ONE, "SELECT 1")):
		add(f"{name}, 1 walk-in, c=128", (sql, 128, "one"), 0.5,
		    p99_ms=20, zero=True)
		add(f"{name}, {NWALKINS} walk-ins, c=32", (sql, 32, "many"), 0.65)
		add(f"{name}, {NWALKINS} walk-ins, c=128", (sql, 128, "many"), 0.65)
	add("noisy: victims with 4 bombs vs alone", "noisy", 0.7, p99_ms=10,
	    zero=True)
	return out


# ---- scale

def procs_of(pid):
	"""Front end pid -> {pid: comm} of it and all its descendants."""
	kids = {}
	for d in os.listdir("/proc"):
		if not d.isdigit():
			continue
		try:
			with open(f"/proc/{d}/stat") as f:
				st = f.read()
		except OSError:
			continue
		comm = st[st.index("(") + 1:st.rindex(")")]
		ppid = int(st[st.rindex(")") + 2:].split()[1])
		kids[int(d)] = (ppid, comm)
	out, todo = {}, [pid]
	while todo:
		p = todo.pop()
		out[p] = kids.get(p, (0, "?"))[1]
		todo += [k for k, (pp, _) in kids.items() if pp == p]
	return out


def rollup(pid):
	"""(Rss, Pss) in KiB from /proc/PID/smaps_rollup."""
	rss = pss = 0
	try:
		with open(f"/proc/{pid}/smaps_rollup") as f:
			for line in f:
				if line.startswith("Rss:"):
					rss = int(line.split()[1])
				elif line.startswith("Pss:"):
					pss = int(line.split()[1])
	except OSError:
		pass
	return rss, pss


def memory(w):
	"""Memory of front end, spawner and executors (KiB)."""
	ps = procs_of(w.proc.pid)
	fe = rollup(w.proc.pid)
	sp = (0, 0)
	ex = []
	for p, comm in ps.items():
		if p == w.proc.pid:
			continue
		if comm == "walkind-exec":
			ex.append(rollup(p))
		elif ps.get(p):
			sp = rollup(p)
	return {"fe": fe, "sp": sp, "n": len(ex),
		"ex_rss": sum(r for r, _ in ex), "ex_pss": sum(p for _, p in ex)}


def disk(data):
	"""(walk-ins, allocated bytes, apparent bytes) under instances/: every
	walk-in's directory and files, and the expiry-second bucket
	directories they sit in (DATA/instances/<expires>/<uuid>/)."""
	n = alloc = size = 0
	top = os.path.join(data, "instances")
	for b in os.scandir(top):
		alloc += b.stat(follow_symlinks=False).st_blocks * 512
		for e in os.scandir(b.path):
			n += 1
			alloc += e.stat(follow_symlinks=False).st_blocks * 512
			for f in os.scandir(e.path):
				fs = f.stat(follow_symlinks=False)
				alloc += fs.st_blocks * 512
				size += fs.st_size
	return n, alloc, size


def touch(w, tokens):
	for t in tokens:
		st, _, body = w.sql("SELECT 1", t)
		if st != 200:
			raise SystemExit(f"bench: touch: {st} {body!r}")


def wait_live(w, want, secs):
	end = time.time() + secs
	while time.time() < end:
		if w.health()["live_executors"] <= want:
			return True
		time.sleep(0.5)
	return False


def section_scale(create_rate):
	n = SCALE_N
	rate = max(create_rate or 300, 100)
	ttl = int(n / rate * 1.3) + 60
	idle_ms = 4000
	log(f"scale: {n} walk-ins, ttl {ttl} s (estimated {rate:.0f} creates/s)")
	w = start_walkind(["--ttl", str(ttl), "--pool-size", str(POOL),
			   "--max-instances", str(n + 1000),
			   "--idle-timeout-ms", str(idle_ms)])
	base_mem = memory(w)
	t0 = time.time()
	tokens = [create(w, SQL_CREATE) for _ in range(POOL)]
	# wrk creates the rest at c=8 in runs of at most 30 s, each thread
	# stopping at its share (wrk itself still waits out -d)
	made = len(tokens)
	while made < n:
		share = (n - made) // THREADS
		if share < 1:
			create(w, SQL_CREATE)
		else:
			secs = max(2, min(30, int((n - made) / rate * 1.1) + 1))
			r = wrk(w, 8, SQL_CREATE, secs=secs, max_per_thread=share)
			if r["errors"]:
				log(f"scale: {r['errors']} creates failed")
			rate = max(r["rps"], 50)
		made = w.health()["live_instances"]
	t_made = time.time()
	last_expiry = t0 + ttl + (t_made - t0) + 1
	h = w.health()
	count, alloc, size = disk(w.data)
	log(f"scale: {h['live_instances']} live after {t_made - t0:.0f} s")
	wait_live(w, 0, idle_ms / 1000 + 10)
	m0 = memory(w)
	touch(w, tokens[:100])
	m100 = memory(w)
	touch(w, tokens[:POOL])
	mpool = memory(w)
	# sweeper: everything expires within [t0 + ttl, last_expiry]
	while time.time() < last_expiry:
		time.sleep(1)
	end = time.time() + 600
	while time.time() < end:
		h = w.health()
		left = len(os.listdir(os.path.join(w.data, "instances")))
		if h["live_instances"] == 0 and left == 0:
			break
		time.sleep(0.5)
	lag = time.time() - last_expiry
	swept = h["live_instances"] == 0 and left == 0
	after = memory(w)
	w.stop()
	return dict(n=count, made=made, secs=t_made - t0, alloc=alloc, size=size,
		    base=base_mem, m0=m0, m100=m100, mpool=mpool, after=after,
		    lag=lag, swept=swept, left=left)


def scale_rows(s):
	kib = lambda k: f"{k / 1024:.1f} MiB"
	out = ["", f"Scale: {s['n']} walk-ins on disk (created in {s['secs']:.0f} s, "
	       f"{s['made'] / s['secs']:.0f}/s including the setup requests)", "",
	       "| measure | value |", "|---|---|",
	       f"| disk per walk-in, allocated (st_blocks: dir + db + its share of the bucket dirs) | "
	       f"{s['alloc'] / max(s['n'], 1) / 1024:.1f} KiB |",
	       f"| disk per walk-in, apparent (file sizes) | "
	       f"{s['size'] / max(s['n'], 1) / 1024:.1f} KiB |"]
	for name, m in (("front end, 0 walk-ins", s["base"]),
			(f"0 live executors, {s['n']} walk-ins", s["m0"]),
			("100 live executors", s["m100"]),
			(f"{POOL} (pool size) live executors", s["mpool"]),
			("after the sweep", s["after"])):
		out.append(f"| {name}: front end RSS / PSS; spawner RSS / PSS; "
			   f"{m['n']} executors RSS / PSS | "
			   f"{kib(m['fe'][0])} / {kib(m['fe'][1])}; "
			   f"{kib(m['sp'][0])} / {kib(m['sp'][1])}; "
			   f"{kib(m['ex_rss'])} / {kib(m['ex_pss'])} |")
	if s["mpool"]["n"]:
		out.append(f"| per live executor (pool size), RSS / PSS | "
			   f"{s['mpool']['ex_rss'] / s['mpool']['n']:.0f} KiB / "
			   f"{s['mpool']['ex_pss'] / s['mpool']['n']:.0f} KiB |")
	out.append(f"| front end growth per walk-in on disk (RSS) | "
		   f"{(s['m0']['fe'][0] - s['base']['fe'][0]) * 1024 / max(s['n'], 1):.0f} B |")
	out.append(f"| sweeper: all removed, seconds after the last TTL | "
		   f"{s['lag']:.1f} s{'' if s['swept'] else ' (NOT all removed: ' + str(s['left']) + ' left)'} |")
	return out


def data_fs():
	"""File system type and mount options of the data dirs' parent."""
	path = os.path.realpath(os.environ.get("BENCH_TMP") or
				tempfile.gettempdir())
	best = ("?", "?", "")
	with open("/proc/mounts") as f:
		for line in f:
			dev, mnt, fstype, opts = line.split()[:4]
			if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) \
			   and len(mnt) >= len(best[1]):
				best = (fstype, mnt, opts)
	return f"{best[0]} at {best[1]} ({best[2]})"


def machine():
	model = "?"
	with open("/proc/cpuinfo") as f:
		for line in f:
			if line.startswith("model name"):
				model = line.split(":", 1)[1].strip()
				break
	pin = (f"servers on CPU {SERVER_CPU}, wrk -t{THREADS} on CPU {CLIENT_CPU}"
	       if CPUS else f"unpinned, wrk -t{THREADS} on the same machine")
	return (f"{os.cpu_count()} cores, {model}, Linux {platform.release()}, "
		f"{pin}, {SECS} s per run; "
		f"data dirs on {data_fs()}; load average before the run "
		f"{os.getloadavg()[0]:.2f}")


def on_term(signo, frame):
	raise SystemExit(f"bench: signal {signo}, cleaning up")


def main():
	signal.signal(signal.SIGTERM, on_term)
	for b in (WALKIND, CEILING):
		if not os.access(b, os.X_OK):
			raise SystemExit(f"bench: {b} missing: make bench BUILD={BUILD}")
	if shutil.which("wrk") is None:
		raise SystemExit("bench: wrk missing (bench/install-deps.sh)")
	started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
	mach = machine()
	w = start_walkind()
	ce = start_ceiling()
	sandbox = w.health()["sandbox"]
	log(f"walkind sandbox: {sandbox}")
	ceil, rates, scale = {}, {}, None
	try:
		if "query" not in SKIP:
			ceil = section_query(w, ce)
		if "create" not in SKIP:
			rates = section_create(w, ce)
		if "noisy" not in SKIP:
			section_noisy(w, ceil)
		ce.stop()
		w.stop()
		if "scale" not in SKIP:
			scale = section_scale(rates.get(8))
	finally:
		for p in list(PROCS):
			p.stop()
		for d in TMP:
			shutil.rmtree(d, ignore_errors=True)
	text = [f"# walkind benchmark, {started}", "",
		f"Machine: {mach}.", f"walkind sandbox: `{sandbox}`; "
		"rate limits off.", "", TABLE_HEAD] + ROWS_OUT + target_rows()
	if scale:
		text += scale_rows(scale)
	text = "\n".join(text) + "\n"
	print(text)
	out = os.path.join(ROOT, BUILD, "bench-results-" +
			   time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + ".md")
	with open(out, "w") as f:
		f.write(text)
	log(f"written to {out}")


if __name__ == "__main__":
	main()
