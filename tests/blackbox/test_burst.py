"""
test_burst.py: bursts on one walk-in. Requests past its queue
(BOUNDS_QUEUE_PER_WALKIN) are parked, their connections read no further,
and served in order; only past the node-wide bound (BOUNDS_PARKED_MAX)
is a request refused, 503 with Retry-After. Each burst is sent while the
walk-in's executor spins on one request, so it outgrows the queue
whatever the machine's speed; the spinning request ends 408.
"""

import os
import resource
import threading
import time

import harness
from harness import (Group, check, eq, expect_error, expect_ok, post_sql_bytes, retry_after,
		     descendants, wait_until)

# include/bounds.h
QUEUE_PER_WALKIN = 64
PIPELINE = 2
PARKED_MAX = 1024

SPIN = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
TIMEOUT_MS = 5000

burst = Group("burst", ["--query-timeout-ms", str(TIMEOUT_MS), "--idle-timeout-ms", "60000"])


def enough_files(n):
	"""Raise this process's descriptor limit for n sockets at once."""
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	want = n + 256
	if soft < want:
		check(hard == resource.RLIM_INFINITY or hard >= want,
		      f"RLIMIT_NOFILE hard {hard} < {want}: cannot open the burst")
		resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def burst_while_spinning(d, tok, n, sql):
	"""Start SPIN on tok; 0.3 s into it open n connections, each sending
	one request for tok; read every reply. Returns (replies in send
	order, SPIN's reply, seconds the sending took)."""
	enough_files(n)
	res = {}
	th = threading.Thread(target=lambda: res.setdefault("spin", d.sql(SPIN, token=tok,
									 timeout=30)))
	th.start()
	time.sleep(0.3)
	conns = []
	try:
		t0 = time.time()
		data = post_sql_bytes(sql, tok)
		for _ in range(n):
			c = d.raw(timeout=30)
			conns.append(c)
			c.send(data)
		sent = time.time() - t0
		out = [c.response(f"burst request {k}") for k, c in enumerate(conns)]
	finally:
		for c in conns:
			c.close()
		th.join(30)
	check("spin" in res, "the spinning request got no reply")
	return out, res["spin"], sent


@burst.case
def burst_of_200_on_one_walkin_all_served(d):
	"""200 concurrent requests on one walk-in whose executor is busy:
	64 queue, the rest park; all 200 are answered 200, none 503."""
	tok, _, _ = d.create("CREATE TABLE t(x); INSERT INTO t VALUES(7)")
	out, spin, sent = burst_while_spinning(d, tok, 200, "SELECT x FROM t")
	statuses = {}
	for r in out:
		statuses[r.status] = statuses.get(r.status, 0) + 1
	eq(statuses, {200: 200}, f"statuses of the burst (sent in {sent:.1f} s)")
	for r in out:
		eq(expect_ok(r)["rows"], [[7]], "a burst request's rows")
	expect_error(spin, 408, "query timeout")
	eq(expect_ok(d.sql("SELECT x FROM t", token=tok))["rows"], [[7]], "after the burst")


@burst.case
def burst_past_the_node_bound_503(d):
	"""More requests than the walk-in's queue, its executor's second
	frame and the node's parking hold: exactly the rest are 503 with
	Retry-After, the others 200."""
	tok, _, _ = d.create("CREATE TABLE t(x); INSERT INTO t VALUES(8)")
	held = QUEUE_PER_WALKIN + (PIPELINE - 1) + PARKED_MAX
	n = held + 40
	# All n must be sent while the executor spins, or the first ones are
	# served and leave room: on a loaded machine the sending alone can
	# outlast the spin, and then the burst is sent again.
	for _ in range(3):
		out, spin, sent = burst_while_spinning(d, tok, n, "SELECT x FROM t")
		if sent < 0.8 * TIMEOUT_MS / 1000:
			break
	ok = [r for r in out if r.status == 200]
	busy = [r for r in out if r.status == 503]
	check(len(ok) + len(busy) == n,
	      f"statuses other than 200 and 503: {sorted({r.status for r in out})}")
	eq(len(busy), n - held, f"503s of {n} (200s: {len(ok)}; sent in {sent:.1f} s of a "
	   f"{TIMEOUT_MS / 1000:.0f} s spin)")
	for r in busy:
		expect_error(r, 503, "server busy")
		retry_after(r)
	for r in ok:
		eq(expect_ok(r)["rows"], [[8]], "a burst request's rows")
	expect_error(spin, 408, "query timeout")
	eq(expect_ok(d.sql("SELECT x FROM t", token=tok))["rows"], [[8]], "after the burst")


# ---------------------------------------------------------------- CPU fairness

DEMOTE_NICE = 19	# include/bounds.h BOUNDS_DEMOTE_NICE
demote = Group("demote", ["--query-timeout-ms", "3000", "--idle-timeout-ms", "60000"])


def nice_of(pid):
	"""Field 19 of /proc/<pid>/stat (the main thread's nice), or None."""
	try:
		with open(f"/proc/{pid}/stat") as f:
			return int(f.read().rsplit(")", 1)[1].split()[16])
	except (OSError, IndexError, ValueError):
		return None


@demote.case
def long_request_demoted_then_fresh(d):
	"""A CPU bomb's executor drops to nice 19 once it runs past
	BOUNDS_DEMOTE_MS; it cannot raise its priority again, so it retires
	after its reply, and the walk-in's next request runs in a fresh
	executor at the daemon's nice. Twice, so the fresh one is demoted
	in its turn."""
	tok, uid, _ = d.create("CREATE TABLE t(x); INSERT INTO t VALUES(9)")
	base = nice_of(d.proc.pid)
	check(base is not None and base < DEMOTE_NICE, f"daemon's nice {base}")
	for k in range(2):
		pids = wait_until(lambda: d.executors(uid), 2.0)
		eq(len(pids), 1, f"round {k}: executors of the walk-in {pids}")
		pid = pids[0]
		eq(nice_of(pid), base, f"round {k}: an idle executor's nice")
		res = {}
		th = threading.Thread(target=lambda: res.setdefault("r", d.sql(SPIN, token=tok)))
		th.start()
		low = wait_until(lambda: nice_of(pid) == DEMOTE_NICE, 2.5, 0.02)
		seen = nice_of(pid)
		th.join(15)
		check(low, f"bomb {k}: executor {pid} nice {seen}, not {DEMOTE_NICE}")
		expect_error(res.get("r"), 408, "query timeout")
		check(wait_until(lambda: nice_of(pid) is None, 5.0),
		      f"bomb {k}: demoted executor {pid} still there (nice {nice_of(pid)})")
		eq(expect_ok(d.sql("SELECT x FROM t", token=tok))["rows"], [[9]], "next request")
		fresh = d.executors(uid)
		check(len(fresh) == 1 and fresh[0] != pid, f"bomb {k}: executors after {fresh}")
		eq(nice_of(fresh[0]), base, f"bomb {k}: the next request's executor's nice")


@demote.case
def open_transaction_keeps_its_executor(d):
	"""A long statement inside an explicit transaction is demoted too,
	but its executor holds the transaction, so it serves on until the
	COMMIT, and retires after that reply: nothing of the transaction is
	lost."""
	tok, uid, _ = d.create("CREATE TABLE t(x)")
	q = ("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c LIMIT 3000000) "
	     "SELECT count(*) FROM c")
	expect_ok(d.sql("BEGIN", token=tok))
	pid = wait_until(lambda: d.executors(uid), 2.0)[0]
	expect_ok(d.sql("INSERT INTO t VALUES(1)", token=tok))
	r = d.sql(q, token=tok, timeout=30)
	if r.status == 408:
		raise AssertionError("the long statement hit the deadline: make it shorter")
	expect_ok(r)
	eq(nice_of(pid), DEMOTE_NICE, "nice of the transaction's executor after a long statement")
	expect_ok(d.sql("INSERT INTO t VALUES(2)", token=tok))
	eq(d.executors(uid), [pid], "the transaction's executor")
	expect_ok(d.sql("COMMIT", token=tok))
	check(wait_until(lambda: nice_of(pid) is None, 5.0), "demoted executor after COMMIT")
	eq(expect_ok(d.sql("SELECT count(*) FROM t", token=tok))["rows"], [[2]], "rows committed")


# ---------------------------------------------------------------- warm executors

WARM = 2
warm = Group("warm", ["--warm", str(WARM), "--idle-timeout-ms", "60000"])
DEF_WARM = 4		# include/bounds.h BOUNDS_DEF_WARM
warm_default = Group("warm-default", ["--idle-timeout-ms", "60000"])
warm_off = Group("warm-off", ["--warm", "0", "--idle-timeout-ms", "60000"])


def exec_pids(d):
	"""The daemon's executor processes (comm walkind-exec)."""
	out = set()
	for p in descendants(d.proc.pid):
		try:
			with open(f"/proc/{p}/comm") as f:
				if f.read().strip() == "walkind-exec":
					out.add(p)
		except OSError:
			pass
	return out


def spares(d):
	try:
		return set(os.listdir(d.path("warm")))
	except OSError:
		return set()


def waiting_for_claim(pid):
	"""A warm executor has said it is jailed and waits for its claim: it
	is blocked in read(2) on its socket, fd 3 (/proc/PID/syscall: number
	0, first argument 0x3). True too where the file cannot be read."""
	try:
		with open(f"/proc/{pid}/syscall") as f:
			return f.read().split()[:2] == ["0", "0x3"]
	except OSError:
		return True


def warm_pids(d, want=WARM):
	"""Executors serving no walk-in: once there are `want` of them, each
	jailed and waiting for its claim (a create takes only such a one)."""
	def idle():
		named = set()
		for uid in d.instance_ids():
			named.update(d.executors(uid))
		w = exec_pids(d) - named
		return w if len(w) == want and all(map(waiting_for_claim, w)) else None
	w = wait_until(idle, 5.0)
	check(w, f"not {want} warm executors: executors {exec_pids(d)}, spares {spares(d)}")
	return w


@warm.case
def warm_executor_used_then_replaced(d):
	"""A create takes one of the --warm executors forked before it (no
	fork on its path) and moves its spare directory into place; the
	spawner forks a replacement. Spares are never walk-ins."""
	before = warm_pids(d)
	eq(len(spares(d)), WARM, f"spare directories {spares(d)}")
	hz = d.get("/healthz").json()["live_instances"]
	tok, uid, _ = d.create("CREATE TABLE t(x); INSERT INTO t VALUES(4)")
	check(uid is not None, "no instance directory")
	used = set(d.executors(uid))
	check(len(used) == 1 and used <= before,
	      f"the create's executor {used} is not one of the warm ones {before}")
	after = warm_pids(d)
	check(not (after & used) and len(after - before) == 1,
	      f"warm executors before {before}, after {after}, used {used}")
	eq(len(spares(d)), WARM, f"spare directories after {spares(d)}")
	eq(d.get("/healthz").json()["live_instances"], hz + 1, "live walk-ins")
	# DATA/instances holds walk-ins only: one bucket, one walk-in in it
	buckets = os.listdir(d.path("instances"))
	check(len(buckets) == 1 and os.listdir(d.path("instances", buckets[0])) == [uid],
	      f"DATA/instances: {[(b, os.listdir(d.path('instances', b))) for b in buckets]}")
	eq(expect_ok(d.sql("SELECT x FROM t", token=tok))["rows"], [[4]], "its rows")
	# Its database is in the walk-in's directory, written through the jail
	# that was set up on the spare one.
	check(os.path.exists(d.inst(uid, "db.sqlite")), "db.sqlite in the walk-in directory")


@warm.case
def warm_executor_jailed_to_its_walkin(d):
	"""A warm executor's jail, after its spare directory moved: it opens
	its own walk-in's files (above) and nothing else; ATTACH of another
	walk-in's database is refused as for any executor, and its
	/proc/PID/status shows seccomp and no_new_privs."""
	before = warm_pids(d)
	ta, ua, _ = d.create("CREATE TABLE t(x)")
	pid = d.executors(ua)[0]
	check(pid in before, f"executor {pid} of the create is not one of the warm ones {before}")
	with open(f"/proc/{pid}/status") as f:
		st = f.read()
	if not harness.sanitizer_build(harness.BINARY):	# no jail there, by design
		check("NoNewPrivs:\t1" in st, "no_new_privs not set on a warm executor")
		check("Seccomp:\t2" in st, "no seccomp filter on a warm executor")
	tb, ub, _ = d.create("CREATE TABLE u(y)")
	r = d.sql(f"ATTACH '{d.inst(ub, 'db.sqlite')}' AS o", token=ta)
	check(r.status in (400, 403), f"ATTACH of another walk-in: {r.status} {r.body[:200]!r}")


@warm.case
def spares_cleaned_at_restart(d):
	"""Spare directories an earlier run left (killed hard: no cleanup)
	are removed at start, and the new warm executors get fresh ones."""
	d.kill_hard()
	d.proc = None
	stale = d.path("warm", "stale-999")
	os.makedirs(stale, exist_ok=True)
	with open(os.path.join(stale, "db.sqlite"), "w") as f:
		f.write("left over")
	d.start()
	warm_pids(d)
	check(not os.path.exists(stale), f"{stale} still there after a restart")
	eq(len(spares(d)), WARM, f"spare directories after restart {spares(d)}")
	check(all(s not in d.instance_ids() for s in spares(d)), "a spare counted as a walk-in")


@warm.case
def spares_and_warm_executors_gone_at_stop(d):
	"""A clean stop: the warm executors exit with the daemon and DATA/warm
	is left empty; the walk-ins' directories stay."""
	w = warm_pids(d)
	tok, uid, _ = d.create("CREATE TABLE t(x)")
	d.stop()
	check(wait_until(lambda: not any(os.path.exists(f"/proc/{p}") for p in w), 3.0),
	      f"warm executors {w} outlived the daemon")
	check(wait_until(lambda: not spares(d), 3.0), f"DATA/warm after a clean stop: {spares(d)}")
	check(os.path.isdir(d.inst(uid)), "the walk-in's directory after a stop")


@warm_default.case
def warm_on_by_default(d):
	"""Without --warm, BOUNDS_DEF_WARM executors wait, and a create is
	served by one of them."""
	before = warm_pids(d, DEF_WARM)
	tok, uid, _ = d.create("SELECT 1")
	check(set(d.executors(uid)) <= before, f"create not served by a warm executor {before}")


@warm_off.case
def warm_zero_forks_none(d):
	"""--warm 0: no executor before the first create, no spare directory,
	and a create forks its own."""
	time.sleep(0.3)
	eq(exec_pids(d), set(), "executors with --warm 0 and no walk-in")
	eq(spares(d), set(), "spare directories with --warm 0")
	tok, uid, _ = d.create("CREATE TABLE t(x); INSERT INTO t VALUES(1)")
	eq(expect_ok(d.sql("SELECT x FROM t", token=tok))["rows"], [[1]], "rows")
	eq(len(exec_pids(d)), 1, "executors after one create")
