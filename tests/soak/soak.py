#!/usr/bin/env python3
"""
soak.py: walkind under a mixed load, with executors evicted and killed.

    python3 tests/soak/soak.py build/walkind [--seconds S] [--writers N]
				[--seed N] [--figures]

One daemon on loopback (temp data dir, short --ttl, small --pool-size),
and for S seconds (default 20):

- writers, each rotating two walk-ins (so more walk-ins are in use than
  the pool holds: executors are evicted all the time), writing numbered
  rows (one per request, a few in one BEGIN..COMMIT request, or a row
  followed by a duplicate that fails the request after the row is
  committed) and reading them back;
- a CPU-bomb client (408 each time, the walk-in usable after), a
  disk-bomb client (507 at --max-db-bytes, the file never over it, the
  walk-in readable after), a hostile client (forbidden SQL, bad JSON,
  tampered tokens, wrong content type, an oversize body, unknown paths:
  each its exact status and error, then a normal request);
- a killer that SIGKILLs a random executor every 0.15 to 0.6 s, and a
  monitor sampling the front end's RSS and fds, the executors and zombies.

Each client uses a walk-in for at most LIFE seconds, then reads it back one
last time and creates another. At the end every live walk-in is read back
again, the run waits for the TTL and the sweeper, and the daemon is
stopped. The invariants, one case each:

  acked-writes-readable   each walk-in holds every row acknowledged with a
			  200 (or committed before a documented later
			  failure), nothing that was refused, and a killed
			  batch all or none; checked at each read-back
  no-5xx-but-kills	  every 5xx is a 500 for a request in flight on an
			  executor the killer had just killed (matched one
			  to one, on the walk-in's uuid and the request's time)
  expected-statuses	  every other reply has exactly its expected status
			  and error; no transport errors
  fd-flat		  front-end fds after the drain == before the load
  rss-flat		  front-end RSS after the drain <= after the warm-up
			  + max(4 MiB, 10 %) (not in sanitizer builds)
  no-zombies		  no zombie child in any sample or at the end
  no-files-after-ttl	  DATA/instances empty and /healthz 0 live after TTL
  exercised		  kills, evictions, 408s, 507s, hostile cases happened
  clean-shutdown	  SIGTERM stops it, no process left, no sanitizer report

Prints a FAIL line per failed invariant, figures with --figures, and exactly
one closing line "soak: N passed, M failed". Exit 0 iff M == 0. Bounded:
S seconds of load, then at most TTL + 20 s of drain.
"""

import argparse
import collections
import json
import os
import random
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "blackbox"))

import harness  # noqa: E402
from harness import check, short  # noqa: E402

TTL = 10		# --ttl: walk-ins expire during the run
LIFE = 4.0		# seconds a client uses a walk-in (< TTL: read back in time)
MAX_DB = 256 * 1024	# --max-db-bytes: the disk bomb's cap
QUERY_MS = 400		# --query-timeout-ms: the CPU bomb's deadline
KILL_SLACK = 1.0	# a kill this long before a request may still fail it
REQ_TIMEOUT = 30.0
UUID_IN_PATH = re.compile(r"/instances/(?:[0-9]+/)?([0-9a-f-]{36})/db\.sqlite")

CPU_BOMB = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
DISK_BOMB = ("CREATE TABLE IF NOT EXISTS b(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
	     "SELECT i+1 FROM c LIMIT 100000) INSERT INTO b SELECT randomblob(1000) FROM c")
TABLE = "CREATE TABLE t(n INTEGER PRIMARY KEY, v TEXT NOT NULL)"


def row(n):
	return f"({n}, 'r{n}')"


# ---------------------------------------------------------------- state

class WalkIn:
	"""One walk-in and what its client knows of its rows."""

	def __init__(self, tok, born):
		self.tok = tok
		self.uuid = harness.token_uuid(tok)
		self.born = born
		self.expires = born + TTL
		self.next_n = 1
		self.acked = set()	# rows that must be there
		self.maybe = []		# frozensets of rows from killed requests: all or none


class Soak:
	def __init__(self, d, args):
		self.d = d
		self.args = args
		self.stop = threading.Event()
		self.lock = threading.Lock()
		self.counts = collections.Counter()	# (kind, status) -> n
		self.unexpected = []		# (kind, detail)
		self.fails500 = []		# (kind, uuid or None, t0, t1)
		self.kills = []			# (uuid, t, pid)
		self.verifies = 0
		self.bad_reads = []		# (uuid, detail)
		self.walkins = []		# every WalkIn created
		self.known = set()		# uuids handed to clients
		self.samples = []		# (t, rss_kb, nfds, executors)
		self.zombie_seen = {}		# pid -> sample count
		self.zombies = []
		self.exec_uuid = {}		# executor pid -> uuid
		self.max_exec = 0
		self.creates = 0
		self.rows_acked = 0

	# -- bookkeeping

	def note(self, kind, status):
		with self.lock:
			self.counts[(kind, status)] += 1

	def odd(self, kind, detail):
		with self.lock:
			if len(self.unexpected) < 50:
				self.unexpected.append((kind, detail))
			self.counts[(kind, "unexpected")] += 1

	def request(self, kind, sql, tok=None, expect=None, uuid=None, **kw):
		"""One POST /sql. Returns the response, or None if it was a 500
		(recorded for the kill accounting) or a transport error (recorded
		as unexpected). expect: (status, error or None), checked here."""
		t0 = time.time()
		try:
			r = self.d.sql(sql, token=tok, timeout=REQ_TIMEOUT, **kw)
		except OSError as e:
			self.odd(kind, f"{type(e).__name__}: {e}")
			return None
		t1 = time.time()
		self.note(kind, r.status)
		if r.status == 500:
			with self.lock:
				self.fails500.append((kind, uuid, t0, t1, short(r.body, 80)))
			return None
		if r.status >= 500 and (expect is None or r.status != expect[0]):
			self.odd(kind, f"{r.status} {short(r.body, 100)}")
			return None
		if expect is not None:
			want, err = expect
			got = None
			try:
				got = json.loads(r.body).get("error") if r.status != 200 else None
			except ValueError:
				got = "(not JSON)"
			if r.status != want or (err is not None and got != err):
				self.odd(kind, f"expected {want} {err!r}, got {r.status} {short(r.body, 100)}")
		return r

	def create(self, kind, sql):
		"""A new walk-in holding table t (and whatever sql adds)."""
		while not self.stop.is_set():
			r = self.request(kind + "/create", TABLE + "; " + sql if sql else TABLE,
					 expect=(200, None))
			if r is None or r.status != 200:
				continue
			w = WalkIn(r.token, time.time())
			with self.lock:
				self.walkins.append(w)
				self.known.add(w.uuid)
				self.creates += 1
			return w
		return None

	# -- read-back

	def verify(self, w, kind):
		"""Read every row; False if a kill failed the read (try again)."""
		r = self.request(kind, "SELECT n, v FROM t ORDER BY n", tok=w.tok, uuid=w.uuid,
				 expect=(200, None))
		if r is None or r.status != 200:
			return False
		rows = r.json().get("rows", [])
		got = {n for n, _ in rows}
		bad = [(n, v) for n, v in rows if v != f"r{n}"][:3]
		problems = []
		if bad:
			problems.append(f"rows with the wrong value {bad}")
		lost = sorted(w.acked - got)
		if lost:
			problems.append(f"{len(lost)} acknowledged rows missing, e.g. {lost[:5]}")
		allowed = set(w.acked)
		for b in w.maybe:
			part = b & got
			if part and part != b:
				problems.append(f"killed batch {sorted(b)} half there: {sorted(part)}")
			allowed |= b
		extra = sorted(got - allowed)
		if extra:
			problems.append(f"{len(extra)} rows never acknowledged, e.g. {extra[:5]}")
		with self.lock:
			self.verifies += 1
			if problems:
				self.bad_reads.append((w.uuid, "; ".join(problems)))
		return True

	def verify_retry(self, w, kind):
		for _ in range(5):
			if self.verify(w, kind) or w.expires - time.time() < 1.5:
				return
		self.odd(kind, f"walk-in {w.uuid}: 5 read-backs in a row failed")


# ---------------------------------------------------------------- clients

def writer(s, rng):
	slots = [None, None]
	while not s.stop.is_set():
		i = rng.randrange(2)
		w = slots[i]
		if w is None or time.time() - w.born > LIFE:
			if w is not None:
				s.verify_retry(w, "write/last-read")
			slots[i] = s.create("write", None)
			continue
		p = rng.random()
		if p < 0.55:
			n = w.next_n
			w.next_n += 1
			r = s.request("write/row", f"INSERT INTO t(n, v) VALUES{row(n)}", tok=w.tok,
				      uuid=w.uuid, expect=(200, None))
			if r is None:
				w.maybe.append(frozenset([n]))
			elif r.status == 200:
				w.acked.add(n)
		elif p < 0.70:
			ns = list(range(w.next_n, w.next_n + rng.randint(2, 5)))
			w.next_n += len(ns)
			sql = "BEGIN; " + "; ".join(f"INSERT INTO t(n, v) VALUES{row(n)}" for n in ns) \
			      + "; COMMIT"
			r = s.request("write/batch", sql, tok=w.tok, uuid=w.uuid, expect=(200, None))
			if r is None:
				w.maybe.append(frozenset(ns))
			elif r.status == 200:
				w.acked |= set(ns)
		elif p < 0.78:
			# statements before the failing one stay applied (README)
			n = w.next_n
			w.next_n += 1
			sql = f"INSERT INTO t(n, v) VALUES{row(n)}; INSERT INTO t(n, v) VALUES{row(n)}"
			r = s.request("write/then-fail", sql, tok=w.tok, uuid=w.uuid,
				      expect=(400, "invalid sql: UNIQUE constraint failed: t.n"))
			if r is None:
				w.maybe.append(frozenset([n]))
			elif r.status == 400:
				w.acked.add(n)
		else:
			s.verify(w, "read")
	for w in slots:
		if w is not None:
			s.verify_retry(w, "write/last-read")


def rotate(s, w, kind, sql):
	if w is None or time.time() - w.born > LIFE:
		if w is not None:
			s.verify_retry(w, kind + "/last-read")
		return s.create(kind, sql)
	return w


def check_marker(s, w, kind):
	"""The walk-in still answers with its one row."""
	r = s.request(kind + "/after", "SELECT count(*) FROM t", tok=w.tok, uuid=w.uuid,
		      expect=(200, None))
	if r is not None and r.status == 200 and r.json().get("rows") != [[len(w.acked)]]:
		s.odd(kind + "/after", f"rows {r.json().get('rows')} != {[[len(w.acked)]]}")


def seed_row(w):
	w.acked.add(1)
	w.next_n = 2


def cpu_bomber(s, rng):
	w = None
	while not s.stop.is_set():
		old = w
		w = rotate(s, w, "cpu", f"INSERT INTO t(n, v) VALUES{row(1)}")
		if w is None:
			return
		if w is not old:
			seed_row(w)
		s.request("cpu/bomb", CPU_BOMB, tok=w.tok, uuid=w.uuid, expect=(408, "query timeout"))
		check_marker(s, w, "cpu")
		time.sleep(rng.uniform(0.05, 0.3))


def disk_size_ok(s, w):
	try:
		size = os.path.getsize(s.d.inst(w.uuid, "db.sqlite"))
	except OSError:
		return			# evicted and swept meanwhile: nothing to measure
	if size > MAX_DB:
		s.odd("disk/size", f"db.sqlite of {w.uuid} is {size} bytes > --max-db-bytes {MAX_DB}")


def disk_bomber(s, rng):
	w = None
	while not s.stop.is_set():
		old = w
		w = rotate(s, w, "disk", f"INSERT INTO t(n, v) VALUES{row(1)}")
		if w is None:
			return
		if w is not old:
			seed_row(w)
		s.request("disk/bomb", DISK_BOMB, tok=w.tok, uuid=w.uuid,
			  expect=(507, "instance storage quota exceeded"))
		check_marker(s, w, "disk")
		disk_size_ok(s, w)
		if rng.random() < 0.3:
			# a bomb in the creating request: 507, and no walk-in
			r = s.request("disk/create-bomb", DISK_BOMB,
				      expect=(507, "instance storage quota exceeded"))
			if r is not None and r.token:
				s.odd("disk/create-bomb", "a failed create returned a token")
		time.sleep(rng.uniform(0.05, 0.3))


def tampered(tok):
	i = len(tok) // 2
	return tok[:i] + ("A" if tok[i] != "A" else "B") + tok[i + 1:]


# (name, sql, extra request arguments, status, error)
HOSTILE = [
	("attach", "ATTACH DATABASE '/etc/passwd' AS x", {}, 400, "forbidden sql keyword: ATTACH"),
	("load_extension", "SELECT load_extension('/lib/x')", {}, 400,
	 "forbidden sql keyword: load_extension"),
	("writable_schema", "PRAGMA writable_schema=1", {}, 400,
	 "forbidden sql keyword: PRAGMA writable_schema"),
	("printf bomb", "SELECT printf('%.*c', 2147483647, 'x')", {}, 400,
	 "forbidden sql keyword: printf"),
	("readfile", "SELECT readfile('/etc/passwd')", {}, 400, "forbidden sql keyword: readfile"),
	("vacuum into", "VACUUM INTO '/tmp/x'", {}, 400, "forbidden sql keyword: VACUUM"),
	("pragma_database_list", "SELECT * FROM pragma_database_list", {}, 400,
	 "forbidden sql keyword: PRAGMA database_list"),
	("invalid json", None, {"body": b'{"sql": '}, 400, "invalid json"),
	("nul byte", None, {"body": b'{"sql": "SELECT 1\\u0000"}'}, 400, "sql contains NUL byte"),
	("missing sql", None, {"body": b'{"sq": "SELECT 1"}'}, 400, "missing sql"),
	("content type", "SELECT 1", {"ctype": "text/plain"}, 415,
	 "content-type must be application/json"),
	("oversize body", None, {"body": json.dumps({"sql": "SELECT '" + "x" * 9000 + "'"})}, 413,
	 "request body too large"),
]


def hostile(s, rng):
	w = None
	while not s.stop.is_set():
		old = w
		w = rotate(s, w, "hostile", f"INSERT INTO t(n, v) VALUES{row(1)}")
		if w is None:
			return
		if w is not old:
			seed_row(w)
		name, sql, kw, status, err = rng.choice(HOSTILE)
		s.request(f"hostile/{name}", sql, tok=w.tok, uuid=w.uuid, expect=(status, err), **kw)
		which = rng.random()
		if which < 0.2:
			s.request("hostile/tampered token", "SELECT 1", tok=tampered(w.tok),
				  expect=(404, "instance not found"))
		elif which < 0.3:
			try:
				r = s.d.get("/etc/passwd", timeout=REQ_TIMEOUT)
				s.note("hostile/unknown path", r.status)
				if r.status != 404:
					s.odd("hostile/unknown path", f"{r.status} {short(r.body, 80)}")
			except OSError as e:
				s.odd("hostile/unknown path", str(e))
		check_marker(s, w, "hostile")
		time.sleep(rng.uniform(0.01, 0.1))


# ---------------------------------------------------------------- killer, monitor

def spawner_pid(d):
	kids = open(f"/proc/{d.proc.pid}/task/{d.proc.pid}/children").read().split()
	check(len(kids) == 1, f"front end has children {kids}, expected one spawner")
	return int(kids[0])


def executor_uuid(pid):
	try:
		for fd in os.listdir(f"/proc/{pid}/fd"):
			try:
				m = UUID_IN_PATH.search(os.readlink(f"/proc/{pid}/fd/{fd}"))
			except OSError:
				continue
			if m:
				return m.group(1)
	except OSError:
		pass
	return None


def executors(sp):
	try:
		return [int(p) for p in open(f"/proc/{sp}/task/{sp}/children").read().split()]
	except OSError:
		return []


def killer(s, rng, sp):
	while not s.stop.wait(rng.uniform(0.15, 0.6)):
		pids = [p for p in executors(sp) if (harness._stat(p) or (0, "Z"))[1] != "Z"]
		rng.shuffle(pids)
		for p in pids:
			u = executor_uuid(p)
			if u is None:
				continue	# not serving a walk-in yet
			with s.lock:
				s.kills.append((u, time.time(), p))
			try:
				os.kill(p, 9)
			except OSError:
				with s.lock:
					s.kills.pop()
			break


def front_sample(d):
	pid = d.proc.pid
	rss = 0
	with open(f"/proc/{pid}/status") as f:
		for ln in f:
			if ln.startswith("VmRSS:"):
				rss = int(ln.split()[1])
	return rss, len(os.listdir(f"/proc/{pid}/fd"))


def zombie_scan(s, d):
	z = [p for p, (state, _) in harness.descendants(d.proc.pid).items() if state == "Z"]
	for p in z:
		s.zombie_seen[p] = s.zombie_seen.get(p, 0) + 1
		if s.zombie_seen[p] == 3 and len(s.zombies) < 10:	# not just exiting
			s.zombies.append((p, harness._cmdline(p)))
	return z


def monitor(s, sp):
	i = 0
	while not s.stop.wait(0.1):
		ex = executors(sp)
		s.max_exec = max(s.max_exec, len(ex))
		for p in ex:
			if p not in s.exec_uuid:
				u = executor_uuid(p)
				if u is not None:
					s.exec_uuid[p] = u
		i += 1
		if i % 5 == 0:
			rss, nfds = front_sample(s.d)
			s.samples.append((time.time(), rss, nfds, len(ex)))
			zombie_scan(s, s.d)


# ---------------------------------------------------------------- accounting

def match_500s(s):
	"""Unexplained 500s: each must follow a kill of its walk-in's executor
	(for a create, of a walk-in no client knew) during its flight."""
	used = set()
	bad = []
	kills = sorted(enumerate(s.kills), key=lambda e: e[1][1])
	for kind, uuid, t0, t1, body in sorted(s.fails500, key=lambda f: f[3]):
		hit = None
		for i, (ku, kt, _) in kills:
			if i in used or not (t0 - KILL_SLACK <= kt <= t1):
				continue
			if (uuid is not None and ku == uuid) or (uuid is None and ku not in s.known):
				hit = i
				break
		if hit is None:
			bad.append(f"{kind} {uuid or '(create)'} at +{t0 - s.t_start:.2f}s: {body}")
		else:
			used.add(hit)
	return bad


def evictions(s):
	"""Executors seen per walk-in beyond the first, less those the killer
	explains: each remaining one replaced an evicted executor."""
	per = collections.Counter(s.exec_uuid.values())
	respawns = sum(n - 1 for n in per.values())
	killed = collections.Counter(u for u, _, _ in s.kills)
	return respawns - sum(min(killed[u], per[u]) for u in per)


# ---------------------------------------------------------------- run

def figures(s, duration, results, warm, end, base_fds):
	total = sum(n for (k, st), n in s.counts.items() if st != "unexpected")
	print(f"soak figures: {total} requests in {duration:.0f} s "
	      f"({total / max(duration, 1):.0f}/s), seed {s.args.seed}, "
	      f"{s.args.writers} writers + cpu, disk, hostile clients")
	kinds = collections.defaultdict(dict)
	for (k, st), n in sorted(s.counts.items(), key=lambda e: str(e[0])):
		kinds[k][st] = n
	for k in sorted(kinds):
		print(f"  {k:28s} " + ", ".join(f"{st}: {n}" for st, n in kinds[k].items()))
	rows = sum(len(w.acked) for w in s.walkins)
	maybe = sum(len(w.maybe) for w in s.walkins)
	print(f"  walk-ins created {s.creates}; rows acknowledged {rows}; killed writes "
	      f"(all-or-none) {maybe}; read-backs verified {s.verifies}")
	print(f"  executors killed {len(s.kills)}; 500s {len(s.fails500)}, all matched to a kill: "
	      f"{'yes' if results.get('no-5xx-but-kills') else 'no'}; evictions seen "
	      f"{evictions(s)}; executors at most {s.max_exec} (--pool-size {s.pool})")
	print(f"  front end: RSS {warm[0]} kB after warm-up, {end[0]} kB at the end; "
	      f"fds {base_fds} before the load, {warm[1]} during, {end[1]} at the end")
	if s.unexpected:
		print(f"  unexpected: {s.unexpected[:10]}")


def main(argv):
	ap = argparse.ArgumentParser()
	ap.add_argument("binary")
	ap.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 20)))
	ap.add_argument("--writers", type=int, default=5)
	ap.add_argument("--seed", type=int, default=int(time.time()))
	ap.add_argument("--figures", action="store_true")
	args = ap.parse_args(argv[1:])
	harness.BINARY = os.path.abspath(args.binary)
	sanitizer = harness.sanitizer_build(harness.BINARY)
	nclients = args.writers + 3
	# One executor per client in flight at most: the pool never makes a
	# request wait (no 503), yet 2 walk-ins per writer keep evicting.
	pool = nclients
	d = harness.Daemon(["--ttl", str(TTL), "--pool-size", str(pool),
			    "--max-db-bytes", str(MAX_DB), "--query-timeout-ms", str(QUERY_MS)])
	results = {}
	s = None
	try:
		d.start()
		s = Soak(d, args)
		s.pool = pool
		sp = spawner_pid(d)
		base = front_sample(d)
		rng = random.Random(args.seed)
		s.t_start = time.time()
		threads = [threading.Thread(target=writer, args=(s, random.Random(rng.random())))
			   for _ in range(args.writers)]
		threads += [threading.Thread(target=f, args=(s, random.Random(rng.random())))
			    for f in (cpu_bomber, disk_bomber, hostile)]
		aux = [threading.Thread(target=killer, args=(s, random.Random(rng.random()), sp)),
		       threading.Thread(target=monitor, args=(s, sp))]
		for t in threads + aux:
			t.daemon = True
			t.start()
		warm_at = s.t_start + min(5.0, args.seconds * 0.3)
		time.sleep(max(0.0, warm_at - time.time()))
		warm = front_sample(d)
		s.stop.wait(max(0.0, s.t_start + args.seconds - time.time()))
		s.stop.set()
		for t in threads + aux:
			t.join(REQ_TIMEOUT + 5)
		duration = time.time() - s.t_start
		# Final read-back of every walk-in not about to expire.
		for w in s.walkins:
			if w.expires - time.time() > 1.5:
				s.verify_retry(w, "final-read")
		# Drain: every walk-in expires, the sweeper removes it.
		last = max([w.expires for w in s.walkins], default=time.time())
		gone = harness.wait_until(lambda: not d.instance_ids(),
					  last + harness_sweep_wait() - time.time(), 0.25)
		hz = d.get("/healthz").json()
		zombie_scan(s, d)
		time.sleep(0.5)
		zombie_scan(s, d)
		zombie_scan(s, d)
		end = front_sample(d)

		def case(name, ok, detail=""):
			results[name] = ok
			if not ok:
				print(f"FAIL soak/{name}: {detail} (seed {args.seed})")

		case("acked-writes-readable", not s.bad_reads and s.verifies > 0,
		     f"{len(s.bad_reads)} bad read-backs of {s.verifies}: {s.bad_reads[:3]}")
		bad500 = match_500s(s)
		case("no-5xx-but-kills", not bad500,
		     f"{len(bad500)} of {len(s.fails500)} 500s follow no kill "
		     f"({len(s.kills)} kills): {bad500[:4]}")
		case("expected-statuses", not s.unexpected,
		     f"{sum(n for (k, st), n in s.counts.items() if st == 'unexpected')} "
		     f"unexpected replies: {s.unexpected[:5]}")
		case("fd-flat", end[1] <= base[1] + 1,
		     f"front end had {base[1]} fds before the load, {end[1]} after the drain")
		if sanitizer:
			print("soak: sanitizer build: rss-flat not checked (ASan's quarantine holds "
			      "freed memory; LeakSanitizer checks at shutdown instead)")
		else:
			case("rss-flat", end[0] <= warm[0] + max(4096, warm[0] // 10),
			     f"front-end RSS {warm[0]} kB after warm-up, {end[0]} kB after the drain")
		case("no-zombies", not s.zombies, f"zombies: {s.zombies}")
		case("no-files-after-ttl", bool(gone) and hz.get("live_instances") == 0
		     and hz.get("live_executors") == 0,
		     f"left in DATA/instances: {sorted(d.instance_ids())[:5]}; /healthz {hz}")
		ex = {"kills": len(s.kills), "evictions": evictions(s),
		      "408": s.counts[("cpu/bomb", 408)], "507": s.counts[("disk/bomb", 507)],
		      "hostile": sum(n for (k, st), n in s.counts.items() if k.startswith("hostile/")),
		      "rows": sum(len(w.acked) for w in s.walkins)}
		case("exercised", all(v > 0 for v in ex.values()), f"counts {ex}")
		d.stop()
		case("clean-shutdown", not d.problems, "; ".join(d.problems))
		if args.figures:
			figures(s, duration, results, warm, end, base[1])
	except AssertionError as e:
		results["setup"] = False
		print(f"FAIL soak/setup: {e}")
	finally:
		if s is not None:
			s.stop.set()
		d.cleanup()
	passed = sum(1 for v in results.values() if v)
	failed = len(results) - passed
	print(f"soak: {passed} passed, {failed} failed")
	return 0 if failed == 0 and passed > 0 else 1


def harness_sweep_wait():
	"""The sweeper runs every 5 s (BOUNDS_SWEEP_INTERVAL_S): generous."""
	return 5 + 15


if __name__ == "__main__":
	sys.exit(main(sys.argv))
