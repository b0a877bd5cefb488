"""
test_order.py: an executor locks itself down before it reads its walk-in's
files (issue 15, item 1), and a hostile hot journal is dealt with inside
that jail.

- exec-order: strace attaches to the real spawner (as root: the spawner is
  not dumpable), a request starts a fresh executor for an existing walk-in,
  and the executor's own system calls are checked in order: nothing names a
  file of its directory before its landlock_restrict_self (the directory
  itself is opened O_PATH once, for the Landlock rule); its rlimits
  (prlimit64) and its seccomp filter are in place before it opens
  db.sqlite; /dev/urandom (SQLite's PRNG seed) is read before the lockdown
  and never tried after it; a --dataset file is only stat'ed and opened
  O_PATH before the lockdown (its read-only Landlock rule), and read,
  read-only, only after it.
- hostile-journal: with no executor running, a crafted db.sqlite-journal
  is left in walk-in A's directory; the next executor of A meets it inside
  its jail. Cases:
    super-journal: the journal names walk-in B's db.sqlite as its
      super-journal. SQLite's rollback opens the file a journal names there,
      reads it as a list of journals and deletes it when none points back:
      in the spawner's domain that deleted B's database. Inside A's jail the
      open is refused, so A's request is a 500 (internal error), B's
      database is untouched, and A's next request finds the journal gone
      (SQLite removed it before the refused step) and its data intact.
    past the size cap: the journal's "original size" is 64 MiB of pages,
      more than the executor's RLIMIT_FSIZE (2 x --max-db-bytes + 1 MiB):
      rolled back before the rlimits, it grew A's file past the cap. Inside
      the jail the write fails (EFBIG), A's file keeps its size, and every
      request of A is a 500 (the journal SQLite could not play back stays,
      as SQLite requires) while B is served throughout.
    garbage: random bytes; not a journal, so nothing is played back, the
      file is removed, A answers 200 with its data.
Both groups prove the jail, so a sanitizer build (no jail) skips them
(run.py); without strace, or without root to attach it, exec-order is
skipped with its reason.
"""

import atexit
import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import tempfile

from harness import (Group, check, eq, expect_error, expect_ok, alive, descendants,
		     wait_until, _stat)
from test_lifecycle import find_executor

MAX_DB = 1024 * 1024
FSIZE = 2 * MAX_DB + 1024 * 1024	# sandbox/rlimit.c rlimit_fsize

# A dataset (--dataset, issue 17): its file is a second one the executor
# reads, and it too must be read only inside the jail.
ORDER_DS_DIR = tempfile.mkdtemp(prefix="walkind-order-ds-")
os.chmod(ORDER_DS_DIR, 0o755)
atexit.register(shutil.rmtree, ORDER_DS_DIR, True)
ORDER_DS = os.path.join(ORDER_DS_DIR, "ds.db")
_con = sqlite3.connect(ORDER_DS)
_con.execute("CREATE TABLE d(x)")
_con.execute("INSERT INTO d VALUES(42)")
_con.commit()
_con.close()
os.chmod(ORDER_DS, 0o644)

order = Group("exec-order", ["--dataset", f"ds={ORDER_DS}"])
hostile = Group("hostile-journal", ["--max-db-bytes", str(MAX_DB)])

TRACED = ("openat,open,read,pread64,access,faccessat,faccessat2,newfstatat,"
	  "unlink,unlinkat,landlock_restrict_self,seccomp,prlimit64")


def strace_unusable():
	"""Why exec-order cannot run here, or None."""
	if shutil.which("strace") is None:
		return "strace is not installed (deploy/install-deps.sh installs it)"
	if os.geteuid() != 0:
		return "not root: the spawner is not dumpable, so only root may trace it"
	return None


# ---------------------------------------------------------------- helpers

def spawner_of(d):
	kids = [p for p, (state, _) in descendants(d.proc.pid).items()
		if state != "Z" and (_stat(p) or (None,))[0] == d.proc.pid]
	check(len(kids) == 1, f"front end has children {kids}, expected one spawner")
	return kids[0]


def stop_executors(d, uid):
	"""SIGKILL the walk-in's executor (between transactions: it leaves at
	most an empty journal) and wait until it is gone."""
	pids = d.executors(uid)
	for p in pids:
		os.kill(p, signal.SIGKILL)
	check(wait_until(lambda: not any(alive(p) for p in pids), 5.0, 0.05),
	      f"executor {pids} alive 5 s after SIGKILL")


def walkin(d, rows):
	tok, uid, _ = d.create("CREATE TABLE t(v); " + "; ".join(
		f"INSERT INTO t VALUES('{r}')" for r in rows))
	check(uid is not None, "no instance directory for the new walk-in")
	return tok, uid


def rows_of(d, tok):
	return expect_ok(d.sql("SELECT v FROM t ORDER BY rowid", token=tok))["rows"]


# ---------------------------------------------------------------- the trace

LINE_RE = re.compile(r"^(\d+)\s+(.*)$")
CALL_RE = re.compile(r"^([a-z_0-9]+)\((.*)$")


def trace_events(path):
	"""{pid: [(syscall, text)]} in the order the calls started; the
	'<... resumed>' halves are dropped (the call is listed where it began)."""
	out = {}
	with open(path, errors="replace") as f:
		for ln in f:
			m = LINE_RE.match(ln.rstrip("\n"))
			if not m:
				continue
			m2 = CALL_RE.match(m.group(2))
			if m2:
				out.setdefault(int(m.group(1)), []).append((m2.group(1), m2.group(2)))
	return out


def traced_fresh_executor(d, tok):
	"""Run one request of walk-in tok on a fresh executor with strace on
	the spawner; return the new executor's calls."""
	sp = spawner_of(d)
	tmp = tempfile.mkdtemp(prefix="walkind-order-")
	out, err = os.path.join(tmp, "trace"), os.path.join(tmp, "stderr")
	try:
		with open(err, "wb") as ef:
			st = subprocess.Popen(["strace", "-f", "-s", "256", "-e", f"trace={TRACED}",
					       "-o", out, "-p", str(sp)], stdin=subprocess.DEVNULL,
					      stdout=ef, stderr=ef)
		try:
			check(wait_until(lambda: b"attached" in open(err, "rb").read(), 10.0, 0.05),
			      f"strace did not attach to the spawner {sp}: "
			      f"{open(err, 'rb').read()[-300:]!r}")
			eq(rows_of(d, tok), [["a"], ["b"]], "rows read by the traced executor")
			if d.opts and "--dataset" in d.opts:
				eq(expect_ok(d.sql("SELECT x FROM ds.d", token=tok))["rows"],
				   [[42]], "the dataset read by the traced executor")
		finally:
			st.send_signal(signal.SIGINT)	# detaches from every tracee
			try:
				st.wait(10)
			except subprocess.TimeoutExpired:
				st.kill()
				st.wait()
		ev = trace_events(out)
	finally:
		shutil.rmtree(tmp, ignore_errors=True)
	ex = [p for p in ev if p != sp]
	check(len(ex) == 1, f"trace shows processes {sorted(ev)}; expected the spawner {sp} "
	      "and one executor")
	return ev[ex[0]]


def first(calls, pred):
	return next((i for i, c in enumerate(calls) if pred(c)), None)


def show(calls, i):
	return f"#{i} {calls[i][0]}({calls[i][1][:160]}"


@order.case
def fresh_executor_locks_down_before_it_reads(d):
	why = strace_unusable()
	if why:
		print(f"sandbox: exec-order skipped: {why}")
		return
	tok, uid = walkin(d, ["a", "b"])
	stop_executors(d, uid)
	inst = os.path.realpath(d.inst(uid))
	calls = traced_fresh_executor(d, tok)
	ll = first(calls, lambda c: c[0] == "landlock_restrict_self" and c[1].endswith("= 0"))
	check(ll is not None, f"the executor never entered its Landlock domain: {calls[:40]}")
	# Before the lockdown: no call names a file of the walk-in's directory;
	# the one O_PATH open of the directory (the Landlock rule) is allowed.
	db = first(calls, lambda c: c[0] == "openat" and f'"{inst}/db.sqlite"' in c[1])
	for i, (name, args) in enumerate(calls[:ll]):
		if inst + "/" not in args:
			continue
		rule = name == "openat" and "O_PATH" in args and f'"{inst}/."' in args
		check(rule, f"before its landlock_restrict_self ({show(calls, ll)}) the executor "
		      f"touched its walk-in's files: {show(calls, i)}; it opened db.sqlite at "
		      f"{show(calls, db) if db is not None else 'no point'}")
	check(db is not None, "the executor never opened its db.sqlite")
	check(re.search(r"= \d+$", calls[db][1]) is not None,
	      f"the jailed open of db.sqlite failed: {show(calls, db)}")
	sc = first(calls, lambda c: c[0] == "seccomp" and "SECCOMP_SET_MODE_FILTER" in c[1]
		   and c[1].endswith("= 0"))
	check(sc is not None and sc < db, f"seccomp filter at {sc}, db.sqlite opened at {db}: "
	      "the filter must come first")
	for res in ("RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_AS"):
		i = first(calls, lambda c, r=res: c[0] == "prlimit64" and r in c[1])
		check(i is not None and i < db, f"{res} set at {i}, db.sqlite opened at {db}: "
		      "the executor's rlimits must come first")
	# The dataset: before the lockdown only its stat (is it the file
	# checked at start?) and O_PATH open (the Landlock rule), no content;
	# read-only, inside the jail, after it.
	ds = os.path.realpath(ORDER_DS)
	for i, (name, args) in enumerate(calls[:ll]):
		if f'"{ds}' in args:
			check(f'"{ds}"' in args and (name == "newfstatat" or
			      (name == "openat" and "O_PATH" in args)),
			      f"before its lockdown the executor touched the dataset: "
			      f"{show(calls, i)}")
	rd = first(calls, lambda c: c[0] == "openat" and f'"{ds}"' in c[1]
		   and "O_PATH" not in c[1])
	check(rd is not None and rd > ll and re.search(r"= \d+$", calls[rd][1]) is not None
	      and "O_RDWR" not in calls[rd][1],
	      f"the dataset's open: {show(calls, rd) if rd is not None else 'none'} "
	      f"(lockdown at {ll}): it must be read-only, after the lockdown")
	ur = [i for i, c in enumerate(calls) if c[0] == "openat" and "/dev/urandom" in c[1]]
	check(ur and all(i < ll for i in ur),
	      f"/dev/urandom opened at {ur}, lockdown at {ll}: SQLite's PRNG must be seeded "
	      "before the jail, and never reach for the file inside it")


# ---------------------------------------------------------------- hostile journals

JOURNAL_MAGIC = bytes([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7])
SECTOR = 512


def page_size(db):
	with open(db, "rb") as f:
		h = f.read(100)
	check(h[:16] == b"SQLite format 3\0", f"{db} is not a SQLite file")
	n = struct.unpack(">H", h[16:18])[0]
	return 65536 if n == 1 else n


def journal_bytes(pages, psize, super_name=b""):
	"""A rollback journal (SQLite's file format, section 3): one header
	sector claiming `pages` as the database's original size and no page
	records; then, if given, a super-journal name as SQLite writes it at
	the end (name, length, checksum, magic)."""
	hdr = JOURNAL_MAGIC + struct.pack(">IIIII", 0, 0x12345678, pages, SECTOR, psize)
	out = hdr + bytes(SECTOR - len(hdr))
	if super_name:
		out += (struct.pack(">I", 0x7fffffff) + super_name +
			struct.pack(">II", len(super_name), sum(super_name) & 0xffffffff) +
			JOURNAL_MAGIC)
	return out


def plant(d, uid, data):
	"""Leave data as walk-in uid's journal, owned as its db.sqlite is."""
	db = d.inst(uid, "db.sqlite")
	j = d.inst(uid, "db.sqlite-journal")
	with open(j, "wb") as f:
		f.write(data)
	st = os.stat(db)
	os.chown(j, st.st_uid, st.st_gid)
	os.chmod(j, 0o600)


def two_walkins(d):
	"""(A, B) as (tok, uid), neither with a live executor."""
	a = walkin(d, ["a1", "a2"])
	b = walkin(d, ["b1", "b2"])
	stop_executors(d, a[1])
	stop_executors(d, b[1])
	return a, b


def select_v(d, tok):
	return d.sql("SELECT v FROM t ORDER BY rowid", token=tok)


@hostile.case
def super_journal_naming_another_walkin(d):
	(ta, ua), (tb, ub) = two_walkins(d)
	victim = os.path.realpath(d.inst(ub, "db.sqlite"))
	psize = page_size(d.inst(ua, "db.sqlite"))
	npages = os.path.getsize(d.inst(ua, "db.sqlite")) // psize
	plant(d, ua, journal_bytes(npages, psize, victim.encode()))
	r = select_v(d, ta)
	check(os.path.exists(victim), "walk-in B's db.sqlite was deleted by the rollback of "
	      "walk-in A's crafted journal (its super-journal named B's database)")
	expect_error(r, 500, "internal error")
	eq(rows_of(d, tb), [["b1"], ["b2"]], "walk-in B's rows after A's crafted journal")
	check(not os.path.exists(d.inst(ua, "db.sqlite-journal")) or
	      os.path.getsize(d.inst(ua, "db.sqlite-journal")) == 0,
	      "A's crafted journal is still there after the refused rollback")
	eq(rows_of(d, ta), [["a1"], ["a2"]], "walk-in A's rows on its next request")


@hostile.case
def journal_growing_the_file_past_the_cap(d):
	(ta, ua), (tb, _) = two_walkins(d)
	db = d.inst(ua, "db.sqlite")
	psize = page_size(db)
	before = os.path.getsize(db)
	plant(d, ua, journal_bytes(64 * 1024 * 1024 // psize, psize))
	for i in range(2):
		r = select_v(d, ta)
		size = os.path.getsize(db)
		check(size <= FSIZE, f"the rollback grew A's db.sqlite to {size} bytes, past "
		      f"the executor's file-size limit {FSIZE} (2 x --max-db-bytes + 1 MiB)")
		eq(size, before, f"A's db.sqlite size after request {i + 1}")
		expect_error(r, 500, "internal error")
		eq(rows_of(d, tb), [["b1"], ["b2"]], "walk-in B served meanwhile")
	check(os.path.getsize(d.inst(ua, "db.sqlite-journal")) > 0,
	      "the journal SQLite could not play back was removed (it must stay)")


@hostile.case
def garbage_journal_ignored(d):
	(ta, ua), (tb, _) = two_walkins(d)
	plant(d, ua, b"\xff" + os.urandom(4095))
	eq(rows_of(d, ta), [["a1"], ["a2"]], "walk-in A's rows after a garbage journal")
	eq(rows_of(d, tb), [["b1"], ["b2"]], "walk-in B's rows")
	eq(expect_ok(d.sql("PRAGMA integrity_check", token=ta))["rows"], [["ok"]],
	   "A's integrity_check")
