"""
test_procs.py: the jail as seen from outside the real daemon.

- /proc/PID/status of the front end, the spawner and a live executor (every
  thread): NoNewPrivs 1 and Seccomp 2 (filter mode). The Seccomp cases fail
  until the seccomp layer of issue 3 lands.
- /proc/PID/limits of an executor: the limits sandbox/rlimit.c sets.
- An executor killed mid-write, by SIGSYS (the death a seccomp violation
  causes) or SIGKILL, in autocommit and inside an explicit transaction: the
  request gets 500, the walk-in holds exactly what was committed before,
  passes integrity_check, and another walk-in used in a loop meanwhile sees
  only 200s with its own data; no zombie remains.
- The deadline kill during a write: 408, data consistent, others unaffected.
- The journal's life under the real jail: empty while the executor lives,
  removed when it exits cleanly (idle timeout), kept (hot, with content)
  when it is killed mid-write, and left empty by a kill between
  transactions for the next executor to remove.
- /healthz "sandbox": not off on a normal start, off with --insecure-no-sandbox.
"""

import os
import re
import signal
import threading
import time

from harness import (Group, check, eq, expect_error, expect_ok, alive, descendants, short,
		     wait_until, _cmdline, _stat)
from test_lifecycle import find_executor, no_zombies
from test_limits import heavy_instr_sql

MAX_MEMORY = 96 * 1024 * 1024
MAX_DB = 2 * 1024 * 1024

procs = Group("procs")
rlim = Group("rlimits", ["--max-memory", str(MAX_MEMORY), "--max-db-bytes", str(MAX_DB)])
# A long --query-timeout-ms: the write must still be running when it is killed.
midwrite = Group("kill-mid-write", ["--query-timeout-ms", "20000", "--max-db-bytes", "32M"])
deadline = Group("deadline-write", ["--query-timeout-ms", "300", "--max-db-bytes", "32M"])
insecure = Group("insecure", ["--insecure-no-sandbox"])
# Executors exit 1.5 s after their last request, cleanly (EOF on their socket).
journal = Group("journal", ["--idle-timeout-ms", "1500"])


# ---------------------------------------------------------------- processes

def roles(d):
	"""[(role, pid)] for the front end, the spawner and a live executor."""
	if "tok" not in d.state:
		tok, uid, _ = d.create("CREATE TABLE t(x); INSERT INTO t VALUES(1)")
		check(uid is not None, "no instance directory for the new walk-in")
		d.state["tok"], d.state["uid"] = tok, uid
	expect_ok(d.sql("SELECT x FROM t", token=d.state["tok"]))	# executor live now
	front = d.proc.pid
	ex = find_executor(d, d.state["uid"])
	check(len(ex) == 1, f"{len(ex)} processes name one walk-in: {ex}")
	kids = [p for p, (state, _) in descendants(front).items()
		if state != "Z" and (_stat(p) or (None,))[0] == front]
	check(len(kids) == 1, f"front end {front} has children "
	      f"{[(k, _cmdline(k)) for k in kids]}, expected one spawner")
	spawner = kids[0]
	st = _stat(ex[0])
	check(st is not None and st[0] == spawner,
	      f"executor {ex[0]} has parent {st and st[0]}, not the spawner {spawner}")
	return [("front end", front), ("spawner", spawner), ("executor", ex[0])]


def thread_status(pid):
	"""[(tid, {field: value})] from /proc/PID/task/TID/status, every thread."""
	out = []
	for tid in sorted(os.listdir(f"/proc/{pid}/task"), key=int):
		try:
			with open(f"/proc/{pid}/task/{tid}/status") as f:
				text = f.read()
		except OSError:
			continue	# the thread ended meanwhile
		fields = {}
		for ln in text.splitlines():
			k, sep, v = ln.partition(":\t")
			if sep:
				fields[k] = v
		out.append((int(tid), fields))
	return out


def status_case(role, field, want):
	def f(d):
		pid = dict(roles(d))[role]
		ths = thread_status(pid)
		check(ths, f"{role} (pid {pid}): no readable /proc/{pid}/task/*/status")
		bad = [(tid, fl.get(field), fl.get("Seccomp_filters")) for tid, fl in ths
		       if fl.get(field) != want]
		check(not bad, f"{role} (pid {pid}, {len(ths)} threads): /proc status shows "
		      + ", ".join(f"thread {tid} {field}:\\t{'(absent)' if got is None else got} "
				  f"(Seccomp_filters {sf})"
				  for tid, got, sf in bad)
		      + f"; expected {field}:\\t{want}")
	return f


for _role in ("front end", "spawner", "executor"):
	procs.add(f"no_new_privs {_role}", status_case(_role, "NoNewPrivs", "1"))
for _role in ("front end", "spawner", "executor"):
	procs.add(f"seccomp filter {_role}", status_case(_role, "Seccomp", "2"))


# ---------------------------------------------------------------- rlimits

def limits(pid):
	"""{name: (soft, hard)} from /proc/PID/limits."""
	out = {}
	with open(f"/proc/{pid}/limits") as f:
		for ln in f.read().splitlines()[1:]:
			cols = re.split(r"\s{2,}", ln.strip())
			if len(cols) >= 3:
				out[cols[0]] = (cols[1], cols[2])
	return out


def executor_limits(d):
	if "tok" not in d.state:
		tok, uid, _ = d.create("CREATE TABLE t(x)")
		check(uid is not None, "no instance directory for the new walk-in")
		d.state["tok"], d.state["uid"] = tok, uid
	expect_ok(d.sql("SELECT 1", token=d.state["tok"]))
	pid = find_executor(d, d.state["uid"])[0]
	return pid, limits(pid)


# The values of sandbox/rlimit.c for this group's options.
RLIMITS = [
	("Max address space", str(MAX_MEMORY)),			# --max-memory
	("Max processes", "0"),					# RLIMIT_NPROC
	("Max core file size", "0"),				# RLIMIT_CORE
	("Max file size", str(MAX_DB * 2 + 1024 * 1024)),	# 2 x --max-db-bytes + 1 MiB
	("Max open files", "32"),				# RLIMIT_FILES
]


def rlimit_case(name, want):
	def f(d):
		if name == "Max address space" and os.environ.get("WALKIND_ASAN"):
			return	# sanitizer builds skip RLIMIT_AS (sandbox/rlimit.c)
		pid, lim = executor_limits(d)
		check(name in lim, f"executor {pid}: no {name!r} in /proc/{pid}/limits")
		eq(lim[name], (want, want), f"executor {pid} {name} (soft, hard)")
	return f


for _n, _w in RLIMITS:
	rlim.add(f"executor {_n}", rlimit_case(_n, _w))


@rlim.case
def executor_cpu_window(d):
	pid, lim = executor_limits(d)
	soft, hard = lim.get("Max cpu time", (None, None))
	eq(hard, "3600", f"executor {pid} Max cpu time hard limit (RLIMIT_CPU_HARD)")
	check(soft is not None and soft.isdigit() and int(soft) < 3600,
	      f"executor {pid} Max cpu time soft limit {soft!r}: no per-request window "
	      "below the hard limit")


# ---------------------------------------------------------------- kills mid-write

# Walk-in A holds N committed rows in `big`, about 4.5 MB: more than SQLite's
# 2 MB page cache, so a write touching every row spills changed pages over the
# committed ones in db.sqlite before any commit; only the rollback journal can
# then restore the file. Each case checks that db.sqlite really was changed
# under the killed write, so a pass is not a write that never reached the file.
N = 40000
SETUP = ("CREATE TABLE t(v); CREATE TABLE big(x INTEGER, b BLOB); "
	 "INSERT INTO t VALUES('before'); "
	 f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT {N}) "
	 "INSERT INTO big SELECT x, zeroblob(100) FROM c")
BIG_OK = [[N, N * (N + 1) // 2, N]]	# count, sum(x), rows with b = zeroblob(100)
BIG_Q = "SELECT count(*), sum(x), sum(b = zeroblob(100)) FROM big"
# Every row rewritten in a few tens of ms, then (CASE on the last row) a crawl
# of many seconds inside the same statement: the kill lands in it.
CRAWL = ("(WITH RECURSIVE c(y) AS (SELECT 1 UNION ALL SELECT y+1 FROM c LIMIT 100000000) "
	 "SELECT randomblob(100) FROM c WHERE y = 100000000)")
# abs(): in the open-transaction cases x was negated by FAST_UPDATE
SLOW_UPDATE = f"UPDATE big SET x = -x, b = CASE WHEN abs(x) = {N} THEN {CRAWL} ELSE randomblob(100) END"
FAST_UPDATE = "UPDATE big SET x = -x, b = randomblob(100)"


class Bystander:
	"""Walk-in B, written and read in a loop by another thread meanwhile."""

	def __init__(self, d):
		self.d = d
		self.tok, self.uid, _ = d.create(
			"CREATE TABLE n(i); CREATE TABLE b(v); INSERT INTO b VALUES('B')")
		check(self.uid is not None, "no instance directory for walk-in B")
		self.pids = set(find_executor(d, self.uid))
		self.log = []		# (start, end, problem or None)
		self.stop = threading.Event()
		self.th = threading.Thread(target=self._loop, daemon=True)

	def _loop(self):
		i = 0
		while not self.stop.is_set():
			t0 = time.time()
			problem = None
			try:
				r = self.d.sql(f"INSERT INTO n VALUES({i}); "
					       "SELECT count(*), (SELECT v FROM b) FROM n",
					       token=self.tok)
				if r.status != 200:
					problem = f"status {r.status} {short(r.body, 100)}"
				else:
					rows = r.json().get("rows")
					if rows != [[i + 1, "B"]]:
						problem = f"rows {rows!r}, expected {[[i + 1, 'B']]!r}"
			except (OSError, AssertionError) as e:
				problem = f"{type(e).__name__}: {e}"
			self.log.append((t0, time.time(), problem))
			if problem:
				return
			i += 1
			time.sleep(0.005)

	def __enter__(self):
		self.th.start()
		check(wait_until(lambda: self.log, 5.0, 0.01), "walk-in B: no reply in 5 s")
		return self

	def __exit__(self, *exc):
		self.stop.set()
		self.th.join(15)

	def verify(self, t_event, what):
		bad = [(round(t0 - t_event, 2), p) for t0, _, p in self.log if p]
		check(not bad, f"walk-in B while {what} (start times from it, s): {bad}")
		check(any(t1 < t_event for _, t1, _ in self.log)
		      and any(t0 > t_event for t0, _, _ in self.log),
		      f"walk-in B's {len(self.log)} requests did not span {what}")
		now = set(find_executor(self.d, self.uid))
		eq(now, self.pids, f"walk-in B's executor after {what}")


def q(d, tok, sql):
	return expect_ok(d.sql(sql, token=tok))


def read_db(d, uid):
	with open(d.inst(uid, "db.sqlite"), "rb") as f:
		return f.read()


# Journal bytes past which the write has spilled into db.sqlite for sure:
# the page cache holds 2 MB of changed pages before it spills.
SPILLED = 2_500_000


def killed_write(d, tok, uid, sql, sig):
	"""Run sql on walk-in (tok, uid) in a thread; once db.sqlite differs from
	before and the journal is past SPILLED (uncommitted pages spilled: a
	commit of an earlier statement of sql also changes db.sqlite, but
	leaves the journal empty), send sig to the walk-in's executor.
	Returns (response, kill time)."""
	pids = find_executor(d, uid)
	snap = read_db(d, uid)
	res = {}

	def go():
		try:
			res["r"] = d.sql(sql, token=tok, timeout=40)
		except OSError as e:
			res["e"] = e
	th = threading.Thread(target=go, daemon=True)
	th.start()
	changed = wait_until(lambda: not th.is_alive() or (read_db(d, uid) != snap and
						       (journal_size(d, uid) or 0) > SPILLED),
			     10.0, 0.01)
	if not th.is_alive():
		r = res.get("r")
		raise AssertionError("the long write ended before it could be killed: "
				     f"{r.status if r else res.get('e')} {short(r.body) if r else ''}")
	check(changed, "db.sqlite unchanged, or the journal under "
	      f"{SPILLED} bytes, 10 s into a write of every row")
	t_kill = time.time()
	for p in pids:
		os.kill(p, sig)
	th.join(10)
	check("r" in res, f"no response within 10 s of {signal.Signals(sig).name} to "
	      f"the executor: {res.get('e', 'still waiting')}")
	dt = time.time() - t_kill
	check(dt < 2.0, f"reply came {dt:.1f} s after the kill")
	check(wait_until(lambda: not any(alive(p) for p in pids), 3.0),
	      f"executor {pids} still alive 3 s after {signal.Signals(sig).name}")
	return res["r"], t_kill


def journal_size(d, uid):
	"""Size of the walk-in's db.sqlite-journal, or None when there is none."""
	try:
		return os.path.getsize(d.inst(uid, "db.sqlite-journal"))
	except OSError:
		return None


def after_kill(d, tok, uid, rows, pages, in_tx, snap):
	"""db.sqlite was left changed (snap: its committed bytes) with a hot
	journal; the next requests see exactly rows, BIG_OK and pages, and no
	open transaction; no journal content is left (none, or the new
	executor's empty one); writes work; no zombie."""
	check(read_db(d, uid) != snap, "db.sqlite has its committed bytes right after the "
	      "kill: the killed write never reached the file, so this proves nothing")
	js = journal_size(d, uid)
	check(js, f"db.sqlite-journal right after the kill: {js} bytes, expected a hot one")
	eq(q(d, tok, "SELECT v FROM t ORDER BY rowid")["rows"], rows, "rows of t after the kill")
	eq(q(d, tok, BIG_Q)["rows"], BIG_OK, "big (count, sum(x), untouched rows) after the kill")
	eq(q(d, tok, "PRAGMA integrity_check")["rows"], [["ok"]], "integrity_check")
	eq(q(d, tok, "PRAGMA page_count")["rows"], [[pages]], "page_count after the kill")
	js = journal_size(d, uid)
	check(not js, f"db.sqlite-journal holds {js} bytes after recovery")
	if in_tx:
		expect_error(d.sql("COMMIT", token=tok), 400, prefix="invalid sql:",
			     contains="no transaction is active")
	j = q(d, tok, "INSERT INTO t VALUES('after'); SELECT count(*) FROM t")
	eq(j["rows"], [[len(rows) + 1]], "rows of t after a write following the kill")
	no_zombies(d)


def walkin_a(d):
	tok, uid, _ = d.create(SETUP)
	check(uid is not None, "no instance directory for walk-in A")
	pages = q(d, tok, "PRAGMA page_count")["rows"][0][0]
	return tok, uid, pages


def kill_mid_write_case(sig, in_tx):
	name = signal.Signals(sig).name

	def f(d):
		tok, uid, pages = walkin_a(d)
		snap = read_db(d, uid)
		if in_tx:
			# the open transaction spans requests and has spilled already
			q(d, tok, "BEGIN; INSERT INTO t VALUES('in-tx')")
			eq(q(d, tok, FAST_UPDATE)["rows_affected"], N, "rows updated in the open tx")
			sql = "INSERT INTO t VALUES('in-tx-2'); " + SLOW_UPDATE
			want = [["before"]]
		else:
			sql = "INSERT INTO t VALUES('same-request'); " + SLOW_UPDATE
			want = [["before"], ["same-request"]]
		with Bystander(d) as b:
			r, t_kill = killed_write(d, tok, uid, sql, sig)
			expect_error(r, 500, "internal error")
			after_kill(d, tok, uid, want, pages, in_tx, snap)
		b.verify(t_kill, f"A's executor was killed by {name}")
	return f


midwrite.add("sigsys mid-write autocommit", kill_mid_write_case(signal.SIGSYS, False))
midwrite.add("sigsys mid-write open transaction", kill_mid_write_case(signal.SIGSYS, True))
midwrite.add("sigkill mid-write autocommit", kill_mid_write_case(signal.SIGKILL, False))
midwrite.add("sigkill mid-write open transaction", kill_mid_write_case(signal.SIGKILL, True))


# ---------------------------------------------------------------- deadline

@deadline.case
def hard_kill_408_mid_transaction_others_unaffected(d):
	# test_limits.hard_kill_408_keeps_data covers 408 and the committed rows.
	# Added here: uncommitted pages already over the committed ones in
	# db.sqlite, a statement committed earlier in the same request, another
	# walk-in busy meanwhile, no zombie.
	tok, uid, pages = walkin_a(d)
	snap = read_db(d, uid)
	pids = find_executor(d, uid)
	sql = ("INSERT INTO t VALUES('same-request'); BEGIN; " + FAST_UPDATE + "; "
	       + heavy_instr_sql())
	check(len(sql) < 7000, f"SQL is {len(sql)} bytes")
	with Bystander(d) as b:
		t0 = time.time()
		r = d.sql(sql, token=tok, timeout=40)
		dt = time.time() - t0
		expect_error(r, 408, "query timeout")
		check(dt < 5.0, f"408 after {dt:.1f} s (query-timeout 300 ms + kill grace)")
		check(wait_until(lambda: not any(alive(p) for p in pids), 2.0),
		      f"executor {pids} alive after a 408 inside one instr() call")
		after_kill(d, tok, uid, [["before"], ["same-request"]], pages, True, snap)
	b.verify(t0 + dt / 2, "A hit its deadline")


@deadline.case
def interrupted_write_408_rolled_back(d):
	# The deadline inside a write statement (the progress handler's 408):
	# the statement is rolled back, the one before it stays, others unaffected.
	tok, uid, pages = walkin_a(d)
	with Bystander(d) as b:
		t0 = time.time()
		r = d.sql("INSERT INTO t VALUES('same-request'); " + SLOW_UPDATE, token=tok, timeout=40)
		dt = time.time() - t0
		expect_error(r, 408, "query timeout")
		check(dt < 5.0, f"408 after {dt:.1f} s with --query-timeout-ms 300")
		eq(q(d, tok, "SELECT v FROM t ORDER BY rowid")["rows"], [["before"], ["same-request"]],
		   "rows of t after the 408")
		eq(q(d, tok, BIG_Q)["rows"], BIG_OK, "big (count, sum(x), untouched rows) after the 408")
		eq(q(d, tok, "PRAGMA integrity_check")["rows"], [["ok"]], "integrity_check")
		eq(q(d, tok, "PRAGMA page_count")["rows"], [[pages]], "page_count after the 408")
		expect_ok(d.sql("INSERT INTO t VALUES('after')", token=tok))
	b.verify(t0 + dt / 2, "A's write ran past its deadline")


# ---------------------------------------------------------------- journal

def exited(d, pids, what):
	check(wait_until(lambda: not any(alive(p) for p in pids), 6.0, 0.05),
	      f"executor {pids} still alive 6 s after {what} (--idle-timeout-ms 1500)")


def walkin_files(d, uid):
	"""The instance directory's files but meta (there without xattrs)."""
	return sorted(set(os.listdir(d.inst(uid))) - {"meta"})


@journal.case
def empty_journal_removed_on_clean_exit(d):
	# The executor keeps its journal, truncated, between transactions; at
	# its idle exit it removes it (sqlconn_close, inside its jail), so an
	# idle walk-in on disk is db.sqlite alone.
	tok, uid, _ = d.create("CREATE TABLE t(x); INSERT INTO t VALUES(1)")
	pids = find_executor(d, uid)
	expect_ok(d.sql("INSERT INTO t VALUES(2)", token=tok))
	eq(journal_size(d, uid), 0, "journal of the live executor after a commit")
	exited(d, pids, "its last request")
	eq(walkin_files(d, uid), ["db.sqlite"], "files after the executor's idle exit")
	eq(q(d, tok, "SELECT count(*) FROM t")["rows"], [[2]], "rows after the idle exit")


@journal.case
def killed_between_transactions_next_executor_removes_journal(d):
	# A SIGKILL between transactions leaves the empty journal: not hot, so
	# the next executor ignores it, and removes it when it exits cleanly.
	tok, uid, _ = d.create("CREATE TABLE t(x); INSERT INTO t VALUES(1)")
	pids = find_executor(d, uid)
	for p in pids:
		os.kill(p, signal.SIGKILL)
	exited(d, pids, "SIGKILL")
	eq(journal_size(d, uid), 0, "journal left by an executor killed between transactions")
	eq(q(d, tok, "SELECT count(*) FROM t")["rows"], [[1]], "rows after the kill")
	eq(journal_size(d, uid), 0, "journal while the next executor reads")
	exited(d, find_executor(d, uid), "its last request")
	eq(walkin_files(d, uid), ["db.sqlite"], "files after the next executor's idle exit")


# ---------------------------------------------------------------- /healthz

def sandbox_field(d):
	j = expect_ok(d.get("/healthz"))
	v = j.get("sandbox")
	check(isinstance(v, str) and v.strip(), f"/healthz sandbox {v!r} is not a non-empty string")
	return v


@procs.case
def healthz_sandbox_on(d):
	v = sandbox_field(d)
	check("off" not in v.lower() and "insecure" not in v.lower(),
	      f"/healthz sandbox {v!r} on a normal start")


@insecure.case
def healthz_sandbox_off(d):
	v = sandbox_field(d)
	check("off" in v.lower() or "insecure" in v.lower(),
	      f"/healthz sandbox {v!r} with --insecure-no-sandbox does not say off")


@insecure.case
def insecure_logged(d):
	err = d.stderr_text().decode("utf-8", "replace")
	check("insecure-no-sandbox" in err.lower(),
	      f"stderr does not name --insecure-no-sandbox: {short(err)}")
