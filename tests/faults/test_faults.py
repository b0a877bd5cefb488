"""
test_faults.py: faults from outside, and what walkind promises after each:
it either recovers with nothing acknowledged lost or refuses to start with
a one-line reason.

- kill -9 at random points of writes: of an executor (the request may get
  500, the walk-in stays consistent; tests/sandbox/test_procs.py has the
  deterministic mid-write cases, this adds many random ones), of the
  spawner and of the whole daemon (the daemon goes down; restarted on the
  same data dir, every acknowledged write is there, each walk-in passes
  integrity_check, its token still works).
- disk full, on a small tmpfs as the data dir: out of blocks (writes 507,
  creates 503, reads 200) and out of inodes (creates 503, writes a clear
  error), then space freed: writes and creates work, nothing acknowledged
  lost, also across a restart.
- the key file missing (a new key: old tokens 404, their data swept at its
  TTL) or unusable at start (refused with one fatal line naming it; the
  original file put back, every token works again).
- a data dir that cannot be used (a path under a file, a file, a file in
  place of instances/, a read-only tmpfs, a read-only bind mount of a real
  data dir): refused with one line, nothing touched.

Each write is one batch of numbered rows (b, i), written by one statement
or one BEGIN..COMMIT request, so it is all there or not at all.
"""

import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import harness
from harness import Group, check, eq, expect_error, expect_ok, short, wait_until

KILL_ROUNDS = 3
EXIT_WAIT = 10.0

# Room for every write of a run: a 507 here would be a finding, not a fault.
KILL_OPTS = ["--query-timeout-ms", "5000", "--max-db-bytes", "256M"]
kill_exec = Group("kill-executor", KILL_OPTS)
kill_spawner = Group("kill-spawner", daemon=False)
kill_daemon = Group("kill-daemon", daemon=False)
disk = Group("disk-full", daemon=False)
keys = Group("keys", daemon=False)
datadir = Group("data-dir", daemon=False)

SCHEMA = "CREATE TABLE t(b INTEGER NOT NULL, i INTEGER NOT NULL, pad BLOB, PRIMARY KEY(b, i))"


def batch_sql(b, k, rng, tx_ok=True):
	"""One write of k rows of batch b: a statement, or (tx_ok) sometimes a
	BEGIN..COMMIT of two statements."""
	def ins(lo, hi):
		return (f"WITH RECURSIVE c(x) AS (SELECT {lo} UNION ALL SELECT x+1 FROM c "
			f"WHERE x < {hi}) INSERT INTO t SELECT {b}, x, randomblob(16) FROM c")
	if tx_ok and k > 1 and rng.random() < 0.4:
		h = k // 2
		return f"BEGIN; {ins(1, h)}; {ins(h + 1, k)}; COMMIT"
	return ins(1, k)


class WalkIn:
	def __init__(self, d, tok=None):
		if tok is None:
			tok, _, _ = d.create(SCHEMA)
		self.tok = tok
		self.uuid = harness.token_uuid(tok)
		self.acked = {}		# batch -> rows: must be there
		self.maybe = {}		# batch -> rows: all or none (killed, reset)
		self.refused = set()	# batches refused with an error: must be absent
		self.next_b = 1

	def verify(self, d, what):
		"""The walk-in holds exactly its acknowledged batches (maybe ones all
		or none) and passes integrity_check."""
		r = d.sql("SELECT b, count(*) FROM t GROUP BY b", token=self.tok, timeout=30)
		got = dict(map(tuple, expect_ok(r).get("rows", [])))
		lost = {b: (k, got.get(b)) for b, k in self.acked.items() if got.get(b) != k}
		check(not lost, f"{what}: walk-in {self.uuid}: acknowledged batches missing or "
		      f"short (batch: (rows, found)): {dict(list(lost.items())[:5])}")
		half = {b: (k, got[b]) for b, k in self.maybe.items() if b in got and got[b] != k}
		check(not half, f"{what}: walk-in {self.uuid}: a killed write half there: {half}")
		extra = sorted(set(got) - set(self.acked) - set(self.maybe))
		check(not extra, f"{what}: walk-in {self.uuid}: batches never acknowledged or "
		      f"refused: {extra[:5]}")
		eq(expect_ok(d.sql("PRAGMA integrity_check", token=self.tok, timeout=30))["rows"],
		   [["ok"]], f"{what}: integrity_check of {self.uuid}")
		return sum(self.acked.values())


class Writers:
	"""Threads writing batches to walk-ins until stopped; every outcome
	recorded: 200 acked, 500 or a dropped connection maybe, an expected
	error (allowed) refused, anything else unexpected."""

	def __init__(self, d, walkins, seed, kmax=1000, allowed=(), tx_ok=True):
		self.d = d
		self.walkins = walkins
		self.kmax = kmax
		self.allowed = dict(allowed)	# status -> error message
		self.tx_ok = tx_ok
		self.stop = threading.Event()
		self.lock = threading.Lock()
		self.statuses = {}
		self.unexpected = []
		self.threads = [threading.Thread(target=self.loop, args=(w, random.Random(seed + i)),
						 daemon=True) for i, w in enumerate(walkins)]

	def loop(self, w, rng):
		while not self.stop.is_set():
			b = w.next_b
			w.next_b += 1
			k = rng.choice((1, 10, 100, rng.randint(1, self.kmax)))
			try:
				r = self.d.sql(batch_sql(b, k, rng, self.tx_ok), token=w.tok, timeout=30)
			except OSError:
				w.maybe[b] = k		# the daemon died under it
				self.count("dropped")
				time.sleep(0.05)
				continue
			self.count(r.status)
			if r.status == 200:
				w.acked[b] = k
			elif r.status == 500:
				w.maybe[b] = k
			elif r.status in self.allowed and r.json().get("error") == self.allowed[r.status]:
				w.refused.add(b)
			else:
				w.maybe[b] = k
				with self.lock:
					self.unexpected.append(f"{r.status} {short(r.body, 100)}")
				time.sleep(0.05)

	def count(self, st):
		with self.lock:
			self.statuses[st] = self.statuses.get(st, 0) + 1

	def __enter__(self):
		for t in self.threads:
			t.start()
		return self

	def __exit__(self, *exc):
		self.stop.set()
		for t in self.threads:
			t.join(40)

	def wait_acks(self, n, timeout=20.0):
		check(wait_until(lambda: all(len(w.acked) >= n for w in self.walkins), timeout, 0.02),
		      f"writers: fewer than {n} acknowledged writes per walk-in in {timeout} s "
		      f"(statuses {self.statuses}, unexpected {self.unexpected[:3]})")

	def check_clean(self, what):
		check(not self.unexpected, f"{what}: unexpected replies: {self.unexpected[:3]} ... "
		      f"{self.unexpected[-1:]} ({len(self.unexpected)})")


def new_daemon(data_dir, opts=()):
	return harness.Daemon(list(opts), data_dir=data_dir)


def dead_and_gone(d, uuids, what):
	"""The daemon exited (not 0 after a kill); no process of it is left."""
	try:
		rc = d.proc.wait(EXIT_WAIT)
	except subprocess.TimeoutExpired:
		raise AssertionError(f"{what}: the front end still runs {EXIT_WAIT} s later")
	d.errf.close()
	d.proc = None
	left = wait_until(lambda: not harness.pgrep(d.data) and
			  not any(harness.pids_matching(u) for u in uuids), 5.0)
	check(left, f"{what}: processes left: {harness.pgrep(d.data)} "
	      f"{[harness.pids_matching(u) for u in uuids]}")
	return rc


def spawner_of(d):
	kids = open(f"/proc/{d.proc.pid}/task/{d.proc.pid}/children").read().split()
	check(len(kids) == 1, f"front end children {kids}, expected one spawner")
	return int(kids[0])


def kill_rounds(target):
	"""Rounds on one data dir: writers on 3 walk-ins, a SIGKILL after a
	random delay, the daemon gone, restarted, every walk-in verified."""
	def f(_):
		data = tempfile.mkdtemp(prefix="walkind-faults-")
		d = new_daemon(data, KILL_OPTS)
		rng = random.Random()
		seed = rng.randrange(1 << 30)
		try:
			d.start()
			ws = [WalkIn(d) for _ in range(3)]
			uuids = [w.uuid for w in ws]
			for rnd in range(KILL_ROUNDS):
				with Writers(d, ws, seed + 10 * rnd) as wr:
					wr.wait_acks(2)
					time.sleep(rng.uniform(0.0, 0.6))
					front = d.proc.pid
					sp = spawner_of(d)
					if target == "spawner":
						os.kill(sp, signal.SIGKILL)
					elif rnd % 2 == 0:
						os.kill(front, signal.SIGKILL)
					else:	# every process at once
						for p in [front] + list(harness.descendants(front)):
							try:
								os.kill(p, signal.SIGKILL)
							except OSError:
								pass
					what = f"round {rnd + 1} (seed {seed}), {target} SIGKILLed"
					rc = dead_and_gone(d, uuids, what)
				check(rc != 0, f"{what}: daemon exit code {rc}")
				if target == "spawner":
					lines = [ln for ln in harness.refusal_lines(
						d.stderr_text_of(d.nstarts)) if " fatal: " in ln]
					check(len(lines) == 1 and "spawner" in lines[0],
					      f"{what}: fatal lines {lines!r}, expected one naming the spawner")
				wr.check_clean(what)
				d.start()
				for w in ws:
					w.verify(d, f"{what}, after restart")
			# and the walk-ins still take writes
			for w in ws:
				expect_ok(d.sql(batch_sql(w.next_b, 5, rng), token=w.tok))
			d.stop()
			check(not d.problems, "; ".join(d.problems))
		finally:
			d.cleanup()
			shutil.rmtree(data, ignore_errors=True)
	return f


kill_spawner.add("sigkill spawner at random points of writes, restart", kill_rounds("spawner"))
kill_daemon.add("sigkill daemon at random points of writes, restart", kill_rounds("daemon"))


@kill_exec.case
def sigkill_executor_random_points(d):
	rng = random.Random()
	ws = [WalkIn(d) for _ in range(3)]
	kills = 0
	with Writers(d, ws, rng.randrange(1 << 30)) as wr:
		wr.wait_acks(1)
		for _ in range(30):
			time.sleep(rng.uniform(0.0, 0.15))
			w = rng.choice(ws)
			for p in d.executors(w.uuid):
				try:
					os.kill(p, signal.SIGKILL)
					kills += 1
				except OSError:
					pass
		after = [len(w.acked) for w in ws]
		check(wait_until(lambda: all(len(w.acked) >= a + 2 for w, a in zip(ws, after)),
				 20.0, 0.02), f"writes stopped succeeding after the kills: {wr.statuses}")
	wr.check_clean("executor kills")
	fails = wr.statuses.get(500, 0)
	check(fails <= kills, f"{fails} 500s for {kills} executor kills")
	check(kills >= 10, f"only {kills} executors found to kill")
	for w in ws:
		w.verify(d, f"after {kills} executor kills ({fails} writes got 500)")
	time.sleep(0.5)
	z = [p for p, (st, _) in harness.descendants(d.proc.pid).items() if st == "Z"]
	check(not z, f"zombies after the kills: {z}")


# ---------------------------------------------------------------- disk full

MAX_DB = 16 * 1024 * 1024	# far above what the writers write: a 507 means disk full
# The free-disk guard (BOUNDS_MIN_FREE_BYTES + 2 x --max-db-bytes) plus a
# little room: creates work until the test fills the file system.
TMPFS_BYTES = 256 * 1024 * 1024 + 2 * MAX_DB + 8 * 1024 * 1024
TMPFS_INODES = 1024 + 80	# BOUNDS_MIN_FREE_INODES + room


def mount_tmpfs(path, opts):
	r = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", path],
			   capture_output=True, text=True)
	return r.returncode == 0, (r.stderr or r.stdout).strip()


def umount(path):
	if subprocess.run(["umount", path], capture_output=True).returncode != 0:
		subprocess.run(["umount", "-l", path], capture_output=True)


def tmpfs_works():
	"""None, or why a tmpfs cannot be mounted here."""
	p = tempfile.mkdtemp(prefix="walkind-faults-probe-")
	try:
		ok, err = mount_tmpfs(p, "size=1m")
		if ok:
			umount(p)
			return None
		return f"mount -t tmpfs failed: {err or 'no reason given'}"
	finally:
		os.rmdir(p)


def fill_blocks(path):
	"""Write zeros to path until the file system has no block left."""
	fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
	try:
		for size in (1 << 20, 4096):
			try:
				while True:
					os.write(fd, b"\0" * size)
			except OSError:
				pass
	finally:
		os.close(fd)


def fill_inodes(dirpath):
	"""Empty files in dirpath (made if need be) until no inode is left;
	returns how many it made."""
	os.makedirs(dirpath, exist_ok=True)
	start = n = len(os.listdir(dirpath))
	try:
		while True:
			open(os.path.join(dirpath, str(n)), "w").close()
			n += 1
	except OSError:
		pass
	return n - start


def phase(d, ws, seed, allowed, acks, what, writes=True):
	"""Writers run until each walk-in has `acks` more acknowledged writes (or,
	when writes are expected to fail, 3 more allowed errors)."""
	acked = [len(w.acked) for w in ws]
	refused = [len(w.refused) for w in ws]
	with Writers(d, ws, seed, kmax=200, allowed=allowed, tx_ok=False) as wr:
		if writes:
			ok = wait_until(lambda: all(len(w.acked) >= b + acks for w, b in zip(ws, acked)),
					20.0, 0.02)
		else:
			ok = wait_until(lambda: all(len(w.refused) >= b + 3 for w, b in zip(ws, refused)),
					20.0, 0.02)
	if wr.unexpected:
		sizes = {w.uuid[-4:]: _size(d, w) for w in ws}
		sv = os.statvfs(d.data)
		wr.unexpected.append(f"db sizes {sizes}, free {sv.f_bavail * sv.f_frsize} bytes, "
				     f"{sv.f_favail} inodes")
	wr.check_clean(what)
	check(ok, f"{what}: writers did not get there in 20 s: {wr.statuses}")
	return wr.statuses


def _size(d, w):
	try:
		return os.path.getsize(d.inst(w.uuid, "db.sqlite"))
	except OSError as e:
		return str(e)


@disk.case
def disk_full_blocks_then_inodes(_):
	mnt = tempfile.mkdtemp(prefix="walkind-faults-tmpfs-")
	ok, err = mount_tmpfs(mnt, f"size={TMPFS_BYTES},nr_inodes={TMPFS_INODES},mode=0755")
	check(ok, f"mount tmpfs: {err}")
	d = new_daemon(mnt, ["--max-db-bytes", str(MAX_DB)])
	seed = random.randrange(1 << 30)
	full = {507: "instance storage quota exceeded"}
	try:
		d.start()
		ws = [WalkIn(d) for _ in range(2)]
		phase(d, ws, seed, {}, 5, "before the disk fills")
		# Out of blocks, filled while writes run.
		with Writers(d, ws, seed + 1, kmax=200, allowed=full, tx_ok=False) as wr:
			time.sleep(0.1)
			fill_blocks(os.path.join(mnt, "filler"))
			wait_until(lambda: all(len(w.refused) >= 3 for w in ws), 20.0, 0.02)
		wr.check_clean("while the disk filled")
		check(all(w.refused for w in ws), f"no 507 on a full disk: {wr.statuses}")
		r = d.sql("SELECT 1")
		expect_error(r, 503, "server busy")
		harness.retry_after(r)
		for w in ws:
			w.verify(d, "disk full")
		phase(d, ws, seed + 2, full, 0, "disk full", writes=False)
		os.unlink(os.path.join(mnt, "filler"))
		phase(d, ws, seed + 3, {}, 5, "after freeing the blocks")
		WalkIn(d)	# creates work again
		# Out of inodes.
		n = fill_inodes(os.path.join(mnt, "inodes"))
		check(n > 0, "could not create a single file to use up inodes")
		expect_error(d.sql("SELECT 1"), 503, "server busy")
		for w in ws:
			w.verify(d, "out of inodes")
		shutil.rmtree(os.path.join(mnt, "inodes"))
		phase(d, ws, seed + 4, {}, 5, "after freeing the inodes")
		WalkIn(d)
		d.restart()
		for w in ws:
			w.verify(d, "restart after the disk was full")
		d.stop()
		check(not d.problems, "; ".join(d.problems))
	finally:
		d.cleanup()
		umount(mnt)
		shutil.rmtree(mnt, ignore_errors=True)


@disk.case
def out_of_inodes_at_start_of_a_write(_):
	# Every inode taken. A live executor keeps its walk-in's journal (empty,
	# its inode held) between transactions, so its next write still works.
	# Once it has exited (idle timeout) it has removed that journal, and
	# with that inode taken too the next executor's first write cannot
	# create the rollback journal: a clear error (500 internal error, as for
	# any I/O error), the walk-in readable, and fine once inodes are free.
	mnt = tempfile.mkdtemp(prefix="walkind-faults-tmpfs-")
	ok, err = mount_tmpfs(mnt, f"size={TMPFS_BYTES},nr_inodes={TMPFS_INODES},mode=0755")
	check(ok, f"mount tmpfs: {err}")
	d = new_daemon(mnt, ["--max-db-bytes", str(MAX_DB), "--idle-timeout-ms", "1000"])
	inodes = os.path.join(mnt, "inodes")
	try:
		d.start()
		w = WalkIn(d)
		rng = random.Random()
		for b in (1, 2):
			expect_ok(d.sql(batch_sql(b, 50, rng), token=w.tok))
			w.acked[b] = 50
		fill_inodes(inodes)
		expect_ok(d.sql(batch_sql(3, 50, rng, tx_ok=False), token=w.tok))
		w.acked[3] = 50
		check(wait_until(lambda: not d.executors(w.uuid), 6.0, 0.1),
		      "executor alive 6 s after its last request (--idle-timeout-ms 1000)")
		fill_inodes(inodes)	# the one its journal freed
		r = d.sql(batch_sql(4, 50, rng, tx_ok=False), token=w.tok)
		check(r.status in (500, 507), f"write with no inode for the journal: "
		      f"{r.status} {short(r.body)}")
		w.refused.add(4)
		w.verify(d, "out of inodes")
		shutil.rmtree(inodes)
		expect_ok(d.sql(batch_sql(5, 50, rng), token=w.tok))
		w.acked[5] = 50
		w.verify(d, "inodes freed")
		d.stop()
		check(not d.problems, "; ".join(d.problems))
	finally:
		d.cleanup()
		umount(mnt)
		shutil.rmtree(mnt, ignore_errors=True)


# ---------------------------------------------------------------- keys

def refused(data, opts=(), what=""):
	"""Start walkind on data; it must exit non-zero within EXIT_WAIT with one
	fatal line, every other line info; returns that line."""
	port = harness.free_port()
	argv = [harness.BINARY, "--listen", f"127.0.0.1:{port}", "--data-dir", data] + list(opts)
	try:
		p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
				   timeout=EXIT_WAIT)
	except subprocess.TimeoutExpired:
		raise AssertionError(f"{what}: walkind still running {EXIT_WAIT} s later")
	lines = harness.refusal_lines(p.stderr + p.stdout)
	fatal = [ln for ln in lines if " fatal: " in ln]
	other = [ln for ln in lines if " fatal: " not in ln and " info: " not in ln]
	check(p.returncode != 0, f"{what}: exit code 0; stderr {lines!r}")
	check(len(fatal) == 1 and not other, f"{what}: expected one fatal line (and info "
	      f"lines only), got {lines!r}")
	check(wait_until(lambda: not harness.pgrep(data), 3.0),
	      f"{what}: processes left: {harness.pgrep(data)}")
	return fatal[0]


def keyed_setup(ttl=600):
	"""A data dir with a walk-in and its rows, the daemon stopped."""
	data = tempfile.mkdtemp(prefix="walkind-faults-")
	d = new_daemon(data, ["--ttl", str(ttl)])
	d.start()
	w = WalkIn(d)
	expect_ok(d.sql(batch_sql(1, 20, random.Random()), token=w.tok))
	w.acked[1] = 20
	d.stop()
	check(not d.problems, "; ".join(d.problems))
	return data, d, w


def set_keys(path, kind, good, st):
	"""Put a key file of this kind at path, owned as the real one (st) was:
	the daemon reads it as the service user."""
	if os.path.isdir(path) and not os.path.islink(path):
		os.rmdir(path)
	elif os.path.lexists(path):
		os.unlink(path)
	if kind == "directory":
		os.mkdir(path, 0o700)
		os.chown(path, st.st_uid, st.st_gid)
		return
	if kind == "symlink":
		with open(path + ".real", "wb") as f:
			f.write(good)
		os.chmod(path + ".real", 0o600)
		os.chown(path + ".real", st.st_uid, st.st_gid)
		os.symlink(path + ".real", path)
		return
	text = {"garbage": b"\x00\xffnot keys at all\n",
		"empty": b"",
		"truncated": good[:len(good) // 2],
		"bad hex": good.replace(good.split(b"\n")[1][-8:], b"zzzzzzzz"),
		"mode 0644": good,
		"put back": good}[kind]
	with open(path, "wb") as f:
		f.write(text)
	os.chmod(path, 0o644 if kind == "mode 0644" else 0o600)
	os.chown(path, st.st_uid, st.st_gid)


# (kind of bad key file, what the fatal line says)
BAD_KEYS = [("garbage", "corrupt"), ("empty", "corrupt"), ("truncated", "corrupt"),
	    ("bad hex", "corrupt"), ("mode 0644", "mode 0600 (found 644)"),
	    ("directory", "must be a regular file"), ("symlink", "symbolic links")]


@keys.case
def key_file_unusable_at_start_refused(_):
	data, d, w = keyed_setup()
	try:
		kpath = os.path.join(data, "secrets", "keys")
		with open(kpath, "rb") as f:
			good = f.read()
		st = os.stat(kpath)
		for kind, want in BAD_KEYS:
			set_keys(kpath, kind, good, st)
			line = refused(data, what=f"key file {kind}")
			check("token keys" in line and "keys: " in line and want in line,
			      f"key file {kind}: fatal line {line!r} does not name the key file "
			      f"and say {want!r}")
			if os.path.lexists(kpath + ".real"):
				os.unlink(kpath + ".real")
		set_keys(kpath, "put back", good, st)
		d.start()
		w.verify(d, "key file put back")
		d.stop()
		check(not d.problems, "; ".join(d.problems))
	finally:
		d.cleanup()
		shutil.rmtree(data, ignore_errors=True)


@keys.case
def key_file_missing_new_key_old_tokens_404(_):
	data, d, w = keyed_setup(ttl=4)
	try:
		kpath = os.path.join(data, "secrets", "keys")
		with open(kpath, "rb") as f:
			old = f.read()
		os.unlink(kpath)
		d.start()
		check(os.path.exists(kpath), "no new key file written at start")
		with open(kpath, "rb") as f:
			check(f.read() != old, "the new key file equals the lost one")
		eq(os.stat(kpath).st_mode & 0o777, 0o600, "mode of the new key file")
		expect_error(d.sql("SELECT 1", token=w.tok), 404, "instance not found")
		w2 = WalkIn(d)
		expect_ok(d.sql("SELECT count(*) FROM t", token=w2.tok))
		# The orphaned walk-in's files go at its TTL, like any other.
		gone = wait_until(lambda: w.uuid not in d.instance_ids(), 4 + 20.0, 0.25)
		check(gone, f"DATA/instances/{w.uuid} of the walk-in whose key was lost not swept")
		d.stop()
		check(not d.problems, "; ".join(d.problems))
	finally:
		d.cleanup()
		shutil.rmtree(data, ignore_errors=True)


# ---------------------------------------------------------------- data dir

@datadir.case
def data_dir_unusable_refused(_):
	tmp = tempfile.mkdtemp(prefix="walkind-faults-")
	mounts = []
	try:
		afile = os.path.join(tmp, "afile")
		with open(afile, "w") as f:
			f.write("x\n")
		cases = [("a path under a file", os.path.join(afile, "data"), "Not a directory"),
			 ("a regular file", afile, "not a directory")]
		inst_file = os.path.join(tmp, "inst-file")
		os.mkdir(inst_file)
		with open(os.path.join(inst_file, "instances"), "w") as f:
			f.write("x\n")
		cases.append(("a file in place of instances/", inst_file, "not a directory"))
		ro_empty = os.path.join(tmp, "ro-empty")
		os.mkdir(ro_empty)
		ok, err = mount_tmpfs(ro_empty, "size=1m,ro")
		if ok:
			mounts.append(ro_empty)
			cases.append(("an empty read-only tmpfs", ro_empty, "not writable"))
		for what, path, want in cases:
			line = refused(path, what=f"data dir is {what}")
			check(want in line and path in line,
			      f"data dir is {what}: fatal line {line!r} does not say {want!r} and the path")
		with open(afile) as f:
			eq(f.read(), "x\n", "the file under the refused data dir")
		check(ok, f"mount -t tmpfs ro: {err}")
	finally:
		for m in mounts:
			umount(m)
		shutil.rmtree(tmp, ignore_errors=True)


@datadir.case
def read_only_bind_of_a_live_data_dir_refused(_):
	data, d, w = keyed_setup()
	ro = tempfile.mkdtemp(prefix="walkind-faults-ro-")
	mounted = False
	try:
		r = subprocess.run(["mount", "--bind", data, ro], capture_output=True, text=True)
		check(r.returncode == 0, f"mount --bind: {r.stderr.strip()}")
		mounted = True
		r = subprocess.run(["mount", "-o", "remount,bind,ro", ro], capture_output=True, text=True)
		check(r.returncode == 0, f"remount ro: {r.stderr.strip()}")
		before = sorted(os.listdir(os.path.join(data, "instances")))
		line = refused(ro, what="read-only bind mount of a data dir")
		check("not writable" in line, f"fatal line {line!r} does not say not writable")
		umount(ro)
		mounted = False
		eq(sorted(os.listdir(os.path.join(data, "instances"))), before, "instances after refusal")
		d.start()
		w.verify(d, "the data dir used read-write again")
		d.stop()
		check(not d.problems, "; ".join(d.problems))
	finally:
		if mounted:
			umount(ro)
		d.cleanup()
		shutil.rmtree(ro, ignore_errors=True)
		shutil.rmtree(data, ignore_errors=True)
