"""
test_deploy.py: socket activation (src/listen.c, deploy/walkind.socket).

The daemon is started the way systemd starts it: a socket the test bound
and put in listen(2) is the daemon's fd 3, LISTEN_FDS=1 and LISTEN_PID is
the daemon's own pid. A tiny sh wrapper does it: the socket arrives as its
stdin, `exec 3<&0 </dev/null` moves it to fd 3, and `LISTEN_PID=$$ exec`
keeps the pid, so the variable names the daemon. No preexec_fn: the suite
runs groups in threads.

Cases: the passed socket serves /healthz and POST /sql, and --listen is
then not bound; a LISTEN_PID naming another process is ignored (the
daemon binds --listen); LISTEN_FDS other than 1 and fds that are not a
listening IPv4/IPv6 stream socket stop startup with one line on stderr.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile

import harness
from harness import Group, check, eq, expect_ok

g = Group("deploy", daemon=False)

WRAP = 'exec 3<&0 </dev/null; LISTEN_PID={pid} LISTEN_FDS={fds} exec "$@"'
EXIT_WAIT = 5.0		# a bad passed fd must stop startup within this


def tcp_listener():
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.bind(("127.0.0.1", 0))
	s.listen(16)
	return s


class ActivatedDaemon(harness.Daemon):
	"""A Daemon whose socket is passed in as fd 3 instead of bound by it."""

	def __init__(self, sock, pid="$$", fds="1", opts=()):
		super().__init__(opts)
		self.sock = sock
		self.env_pid = pid
		self.env_fds = fds
		self.listen_port = harness.free_port()	# for --listen

	def spawn(self):
		"""Start the wrapper; returns the Popen (its pid is the daemon's)."""
		self.sock_link = f"socket:[{os.fstat(self.sock.fileno()).st_ino}]"
		self.nstarts += 1
		self.stderr_path = os.path.join(self.logdir, f"stderr.{self.nstarts}")
		self.errf = open(self.stderr_path, "wb")
		argv = ["sh", "-c", WRAP.format(pid=self.env_pid, fds=self.env_fds), "sh",
			harness.BINARY, "--listen", f"127.0.0.1:{self.listen_port}",
			"--data-dir", self.data] + self.opts
		self.proc = subprocess.Popen(argv, stdin=self.sock.fileno(),
					     stdout=self.errf, stderr=self.errf)
		self.sock.close()	# the daemon holds the only copy now
		return self.proc

	def start(self):
		if self.sock.family == socket.AF_UNIX:
			raise AssertionError("start() needs a TCP socket")
		self.port = self.sock.getsockname()[1]
		self.spawn()
		return self.wait_healthy()


def holders(link, pids):
	"""The pids among pids that have an fd pointing at link."""
	out = []
	for p in pids:
		try:
			fds = os.listdir(f"/proc/{p}/fd")
		except OSError:
			continue
		for fd in fds:
			try:
				if os.readlink(f"/proc/{p}/fd/{fd}") == link:
					out.append(p)
					break
			except OSError:
				pass
	return out


def finish(d):
	"""Stop d, clean up, and fail on anything left behind."""
	try:
		d.stop()
	finally:
		d.cleanup()
	check(not d.problems, "; ".join(d.problems))


def refused(port):
	"""True if nothing accepts connections on 127.0.0.1:port."""
	try:
		socket.create_connection(("127.0.0.1", port), timeout=2.0).close()
		return False
	except ConnectionRefusedError:
		return True


@g.case
def activated_socket_serves(d):
	a = ActivatedDaemon(tcp_listener())
	try:
		a.start()
		h = expect_ok(a.get("/healthz"))
		eq(h.get("status"), "ok", "/healthz status")
		tok, _, r = a.create("CREATE TABLE t(x); INSERT INTO t VALUES(42)")
		eq(expect_ok(r).get("rows_affected"), 1, "rows_affected of the create")
		eq(expect_ok(a.sql("SELECT x FROM t", token=tok))["rows"], [[42]],
		   "rows through the passed socket")
		# Only the front end may hold the listening socket: the spawner
		# and the executor are forked after it arrived.
		procs = [a.proc.pid] + list(harness.descendants(a.proc.pid))
		check(len(procs) >= 3, f"expected front end, spawner and an executor, "
		      f"got {procs}")
		eq(holders(a.sock_link, procs), [a.proc.pid], "processes holding the socket")
		check(refused(a.listen_port),
		      f"--listen port {a.listen_port} answers: the daemon bound it "
		      "although it was given a socket")
		err = a.stderr_text().decode("utf-8", "replace")
		check("socket-activated" in err,
		      f"no 'socket-activated' line in the log: {harness.short(err)}")
	finally:
		finish(a)


@g.case
def restart_loses_no_accepted_connection(d):
	"""A restart under socket activation, as systemd does it: the
	listening socket outlives the daemon (the test holds it, as systemd
	does). A connection the old daemon accepted before SIGTERM, whose
	request comes after, is served, not closed as idle; connections made
	while it drains and after it exits wait in the socket's backlog and
	are served by the next daemon, on the same data."""
	keep = tcp_listener()
	a = ActivatedDaemon(keep.dup())
	try:
		a.start()
		tok, _, _ = a.create("CREATE TABLE t(x); INSERT INTO t VALUES(5)")
		q = harness.post_sql_bytes("SELECT x FROM t", tok)
		early = a.raw(timeout=30)
		check(harness.wait_until(lambda: accepted_by(a.proc.pid, early.s), 3.0),
		      "the early connection was not accepted")
		old = a.proc
		old.send_signal(signal.SIGTERM)
		check(harness.wait_until(lambda: not holders(a.sock_link, [old.pid]), 5.0),
		      "the old daemon still holds the listening socket")
		late = []
		for _ in range(8):
			c = a.raw(timeout=30)
			c.send(q)
			late.append(c)
		early.send(q)
		eq(expect_ok(early.response("early connection"))["rows"], [[5]],
		   "the connection accepted before SIGTERM")
		old.wait(harness.STOP_WAIT)
		a.stop()			# the old one's checks: nothing left
		a.sock = keep.dup()
		a.start()
		for k, c in enumerate(late):
			eq(expect_ok(c.response(f"late connection {k}"))["rows"], [[5]],
			   f"connection {k}, made during the restart")
		for c in late + [early]:
			c.close()
	finally:
		keep.close()
		finish(a)


def accepted_by(pid, client):
	"""True once pid holds the server side of the client socket: its
	/proc/net/tcp entry has an inode (0 while in the accept queue)."""
	mine = "%04X" % client.getsockname()[1]
	peer = "%04X" % client.getpeername()[1]
	try:
		with open("/proc/net/tcp") as f:
			rows = [ln.split() for ln in f.read().splitlines()[1:]]
		fds = os.listdir(f"/proc/{pid}/fd")
		links = set()
		for fd in fds:
			try:
				links.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
			except OSError:
				pass
	except OSError:
		return False
	for r in rows:
		if (r[1].endswith(":" + peer) and r[2].endswith(":" + mine)
		    and r[9] != "0"):
			return f"socket:[{r[9]}]" in links
	return False


@g.case
def foreign_listen_pid_ignored(d):
	# LISTEN_PID=1 names another process: fd 3 is not ours, bind --listen.
	sock = tcp_listener()
	a = ActivatedDaemon(sock, pid="1")
	passed_port = sock.getsockname()[1]
	try:
		a.port = a.listen_port
		a.spawn()
		ok = harness.wait_until(lambda: a.proc.poll() is not None or
					not refused(a.listen_port), harness.START_WAIT)
		check(ok and a.proc.poll() is None,
		      f"daemon did not serve --listen: {a.stderr_tail()}")
		expect_ok(a.get("/healthz"))
		err = a.stderr_text().decode("utf-8", "replace")
		check("socket-activated" not in err,
		      f"took fd 3 (port {passed_port}) though LISTEN_PID was not its pid")
	finally:
		finish(a)


def bad_fd(make, fds, want):
	def f(d):
		sock = make()
		a = ActivatedDaemon(sock, fds=fds)
		try:
			a.spawn()
			try:
				rc = a.proc.wait(EXIT_WAIT)
			except subprocess.TimeoutExpired:
				raise AssertionError(f"LISTEN_FDS={fds}: still running after "
						     f"{EXIT_WAIT} s")
			check(rc != 0, f"LISTEN_FDS={fds}: exit code 0")
			a.errf.close()
			a.proc = None
			lines = harness.refusal_lines(a.stderr_text())
			check(len(lines) == 1, f"expected one stderr line, got {lines!r}")
			check(want in lines[0], f"stderr {lines[0]!r} does not say {want!r}")
			# the spawner was already forked: it must die with the front end
			check(harness.wait_until(lambda: not harness.pgrep(a.data), 3.0),
			      f"processes left: {harness.pgrep(a.data)}")
		finally:
			if a.proc is not None:
				a.kill_hard()
			a.cleanup()
	return f


def bound_not_listening():
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.bind(("127.0.0.1", 0))
	return s


def udp():
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", 0))
	return s


def unix_listener():
	d = tempfile.mkdtemp(prefix="walkind-bb-unix-")
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(os.path.join(d, "s"))
	s.listen(4)
	shutil.rmtree(d)	# the bound socket lives on without its name
	return s


BAD = [
	# name, socket maker, LISTEN_FDS, what the one stderr line must say
	("LISTEN_FDS=2", tcp_listener, "2", "LISTEN_FDS=2"),
	("LISTEN_FDS=0", tcp_listener, "0", "LISTEN_FDS=0"),
	("LISTEN_FDS=junk", tcp_listener, "1x", "LISTEN_FDS=1x"),
	("not listening", bound_not_listening, "1", "not listening"),
	("datagram socket", udp, "1", "not a stream socket"),
	("unix socket", unix_listener, "1", "IPv4/IPv6"),
]

for _n, _m, _f, _w in BAD:
	g.add(f"refused: {_n}", bad_fd(_m, _f, _w))
