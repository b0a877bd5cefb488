"""
harness.py: the black-box test harness for walkind.

Starts the real daemon on loopback (free port, temp data dir), talks HTTP to
it (http.client for ordinary requests, raw sockets for malformed ones),
finds its processes in /proc, and stops it (SIGTERM, then SIGKILL after
5 s), checking that no process of it survives.

Cases are registered in groups; every group gets its own daemon started
with the group's options (or none, for CLI cases). A case is a function
taking the group's Daemon and raising AssertionError on failure.
"""

import base64
import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

TIMEOUT = 10.0		# every request and socket
START_WAIT = 10.0	# /healthz must answer within this
STOP_WAIT = 15.0	# SIGTERM grace before SIGKILL: past BOUNDS_SHUTDOWN_GRACE_MS (8 s)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TOKEN_RE = re.compile(r"^wkn_[A-Za-z0-9_-]+$")

BINARY = None		# set by run.py


# ---------------------------------------------------------------- groups

class Group:
	"""A set of cases sharing one daemon started with `opts`."""

	def __init__(self, name, opts=(), daemon=True, defaults=True):
		self.name = name
		self.opts = list(opts)
		self.daemon = daemon
		self.defaults = defaults  # add rate limits off, per-IP cap off
		self.cases = []
		GROUPS.append(self)

	def case(self, fn=None, name=None):
		"""Decorator: register fn(daemon) as a case."""
		def reg(f):
			self.cases.append((name or f.__name__, f))
			return f
		return reg(fn) if fn is not None else reg

	def add(self, name, fn):
		self.cases.append((name, fn))


GROUPS = []


# ---------------------------------------------------------------- assertions

def check(cond, msg):
	if not cond:
		raise AssertionError(msg)


def eq(got, want, what="value"):
	if got != want:
		raise AssertionError(f"{what}: expected {want!r}, got {got!r}")


def short(b, n=300):
	if isinstance(b, bytes):
		b = b.decode("utf-8", "replace")
	return b if len(b) <= n else b[:n] + "..."


def expect_status(r, status):
	if isinstance(status, int):
		status = (status,)
	if r.status not in status:
		raise AssertionError(f"{r.what}: expected status {'/'.join(map(str, status))}, "
				     f"got {r.status} {short(r.body)}")


def expect_json_ct(r):
	ct = (r.header("Content-Type") or "").split(";")[0].strip().lower()
	if ct != "application/json":
		raise AssertionError(f"{r.what}: Content-Type {r.header('Content-Type')!r}, "
				     "expected application/json")


def expect_error(r, status, msg=None, prefix=None, contains=None):
	"""Status, JSON content type, body exactly {"error": msg}."""
	expect_status(r, status)
	expect_json_ct(r)
	try:
		j = json.loads(r.body)
	except ValueError:
		raise AssertionError(f"{r.what}: body is not JSON: {short(r.body)}")
	check(isinstance(j, dict) and list(j.keys()) == ["error"]
	      and isinstance(j["error"], str),
	      f"{r.what}: expected {{\"error\": ...}}, got {short(r.body)}")
	e = j["error"]
	if msg is not None:
		eq(e, msg, f"{r.what}: error")
	if prefix is not None:
		check(e.startswith(prefix), f"{r.what}: error {e!r} does not start with {prefix!r}")
	if contains is not None:
		check(contains.lower() in e.lower(),
		      f"{r.what}: error {e!r} does not contain {contains!r}")
	return e


def expect_ok(r):
	"""200 with a JSON object body; returns the object."""
	expect_status(r, 200)
	expect_json_ct(r)
	j = r.json()
	check(isinstance(j, dict), f"{r.what}: body not an object: {short(r.body)}")
	return j


def retry_after(r):
	v = r.header("Retry-After")
	check(v is not None and re.fullmatch(r"[0-9]+", v.strip() or "x") is not None,
	      f"{r.what}: Retry-After {v!r} is not an integer")
	n = int(v)
	check(n >= 1, f"{r.what}: Retry-After {n} < 1")
	return n


# ---------------------------------------------------------------- responses

class Resp:
	def __init__(self, status, headers, body, what=""):
		self.status = status
		self.headers = headers	# list of (name, value)
		self.body = body	# bytes
		self.what = what
		self._json = None

	def header(self, name):
		for k, v in self.headers:
			if k.lower() == name.lower():
				return v
		return None

	def header_all(self, name):
		return [v for k, v in self.headers if k.lower() == name.lower()]

	def json(self):
		if self._json is None:
			try:
				self._json = json.loads(self.body.decode("utf-8"))
			except (ValueError, UnicodeDecodeError) as e:
				raise AssertionError(f"{self.what}: body is not JSON ({e}): "
						     f"{short(self.body)}")
		return self._json

	@property
	def token(self):
		return self.header("X-Walkin-Session")

	@property
	def ttl(self):
		v = self.header("X-Walkin-TTL")
		check(v is not None and v.strip().isdigit(),
		      f"{self.what}: X-Walkin-TTL {v!r} is not unix seconds")
		return int(v)


# ---------------------------------------------------------------- processes

def _stat(pid):
	"""(ppid, state, starttime) of pid, or None."""
	try:
		with open(f"/proc/{pid}/stat") as f:
			s = f.read()
	except OSError:
		return None
	rest = s[s.rfind(")") + 2:].split()
	return int(rest[1]), rest[0], rest[19]


def _cmdline(pid):
	try:
		with open(f"/proc/{pid}/cmdline", "rb") as f:
			c = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
		with open(f"/proc/{pid}/comm") as f:
			return c + " " + f.read().strip()
	except OSError:
		return None


def all_pids():
	return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def descendants(root):
	"""{pid: (state, starttime)} of every live descendant of root."""
	kids = {}
	info = {}
	for p in all_pids():
		st = _stat(p)
		if st:
			kids.setdefault(st[0], []).append(p)
			info[p] = st
	out, todo = {}, [root]
	while todo:
		for c in kids.get(todo.pop(), []):
			out[c] = (info[c][1], info[c][2])
			todo.append(c)
	return out


def _names(pid):
	"""cmdline, comm, cwd and open-file paths of pid, as one string."""
	parts = [_cmdline(pid) or ""]
	try:
		parts.append(os.readlink(f"/proc/{pid}/cwd"))
	except OSError:
		pass
	try:
		for fd in os.listdir(f"/proc/{pid}/fd"):
			try:
				parts.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
			except OSError:
				pass
	except OSError:
		pass
	return "\n".join(parts)


def pids_matching(text, among=None):
	"""Live, non-zombie processes (not us) whose cmdline, comm, cwd or an
	open file names text (an executor holds DATA/instances/<expires>/<uuid>/db.sqlite)."""
	me = os.getpid()
	out = []
	for p in (all_pids() if among is None else among):
		if p == me:
			continue
		st = _stat(p)
		if st and st[1] != "Z" and text in _names(p):
			out.append(p)
	return out


def alive(pid, start=None):
	st = _stat(pid)
	if st is None or st[1] in ("Z", "X"):
		return False
	return start is None or st[2] == start


def pgrep(pattern):
	r = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
	return [int(x) for x in r.stdout.split()]


def wait_until(fn, timeout, step=0.1):
	"""Poll fn() until truthy or timeout; returns its last value."""
	end = time.time() + timeout
	while True:
		v = fn()
		if v or time.time() >= end:
			return v
		time.sleep(step)


# ---------------------------------------------------------------- daemon

PORT_RETRIES = 5	# daemon starts that lost the port to someone else


def free_port():
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	p = s.getsockname()[1]
	s.close()
	return p


class Daemon:
	"""One walkind process on 127.0.0.1:<free port> with a temp data dir."""

	def __init__(self, opts=(), defaults=True, data_dir=None):
		self.opts = list(opts)
		if defaults:
			for k, v in (("--rate-requests", "0"), ("--rate-creates", "0"),
				     ("--max-instances-per-ip", "0")):
				if k not in self.opts:
					self.opts += [k, v]
		self.own_dir = data_dir is None
		self.data = data_dir or tempfile.mkdtemp(prefix="walkind-bb-")
		self.logdir = tempfile.mkdtemp(prefix="walkind-bb-stderr-")
		self.proc = None
		self.port = None
		self.state = {}		# shared by the cases of one group
		self.problems = []	# shutdown findings
		self.uuids = set()	# walk-ins seen, for the leftover check
		self.nstarts = 0
		self.wrap = []		# argv prefix, e.g. ["prlimit", "--nofile=N:N"]

	# -- lifecycle

	def start(self):
		# free_port's port is free only when asked: another suite's
		# daemon or an outgoing connection (same ephemeral range) may
		# take it before walkind binds. That, and only that, is retried.
		for attempt in range(PORT_RETRIES):
			self.port = free_port()
			self.nstarts += 1
			self.stderr_path = os.path.join(self.logdir, f"stderr.{self.nstarts}")
			argv = self.wrap + [BINARY, "--listen", f"127.0.0.1:{self.port}",
				"--data-dir", self.data] + self.opts
			self.errf = open(self.stderr_path, "wb")
			self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
						     stdout=self.errf, stderr=self.errf)
			try:
				return self.wait_healthy()
			except AssertionError:
				lost_race = (self.proc.poll() is not None and
					     "Address already in use" in self.stderr_tail())
				if not lost_race or attempt == PORT_RETRIES - 1:
					raise
				self.errf.close()

	def wait_healthy(self):
		"""Wait for /healthz on self.port from the started self.proc."""
		end = time.time() + START_WAIT
		last = None
		while time.time() < end:
			if self.proc.poll() is not None:
				raise AssertionError(f"daemon exited with {self.proc.returncode} "
						     f"at startup: {self.stderr_tail()}")
			try:
				r = self.get("/healthz", timeout=1.0)
				if r.status == 200:
					return self
				last = f"status {r.status}"
			except OSError as e:
				last = str(e)
			time.sleep(0.05)
		self.kill_hard()
		raise AssertionError(f"/healthz did not answer within {START_WAIT} s ({last}): "
				     f"{self.stderr_tail()}")

	def stderr_tail(self, n=600):
		try:
			with open(self.stderr_path, "rb") as f:
				return short(f.read()[-n:], n)
		except OSError:
			return ""

	def stderr_text_of(self, n):
		"""stderr of the n-th start (1-based)."""
		try:
			with open(os.path.join(self.logdir, f"stderr.{n}"), "rb") as f:
				return f.read()
		except OSError:
			return b""

	def stderr_text(self):
		out = b""
		for i in range(1, self.nstarts + 1):
			try:
				with open(os.path.join(self.logdir, f"stderr.{i}"), "rb") as f:
					out += f.read()
			except OSError:
				pass
		return out

	def kill_hard(self):
		if self.proc and self.proc.poll() is None:
			for pid in descendants(self.proc.pid):
				try:
					os.kill(pid, signal.SIGKILL)
				except OSError:
					pass
			self.proc.kill()
			self.proc.wait()

	def stop(self):
		"""SIGTERM, wait, SIGKILL; record every process left behind."""
		if self.proc is None:
			return
		p = self.proc
		kids = descendants(p.pid) if p.poll() is None else {}
		if p.poll() is None:
			p.send_signal(signal.SIGTERM)
			try:
				p.wait(STOP_WAIT)
			except subprocess.TimeoutExpired:
				self.problems.append(f"daemon ignored SIGTERM for {STOP_WAIT} s; SIGKILLed")
				p.kill()
				p.wait()
		self.errf.close()
		self.proc = None
		rep = sanitizer_reports(self.stderr_text_of(self.nstarts))
		if rep:
			self.problems.append(f"sanitizer report on stderr: {rep}")
		# children die with it, perhaps a moment later
		def still():
			return [k for k, (_, st) in kids.items() if alive(k, st)]
		wait_until(lambda: not still(), 3.0)
		left = still()
		if left:
			self.problems.append(f"processes left 3 s after the daemon exited: "
					     f"{[(k, _stat(k), _cmdline(k)) for k in left]}")
			for k in left:
				try:
					os.kill(k, signal.SIGKILL)
				except OSError:
					pass
		stray = pgrep(self.data)
		for u in self.uuids:
			stray += pids_matching(u)
		stray = sorted(set(stray) - {os.getpid()})
		if stray:
			self.problems.append(f"processes matching data dir/uuid left: "
					     f"{[(k, _cmdline(k)) for k in stray]}")
			for k in stray:
				try:
					os.kill(k, signal.SIGKILL)
				except OSError:
					pass

	def restart(self):
		self.stop()
		return self.start()

	def cleanup(self):
		if self.proc is not None:
			self.kill_hard()
		if self.own_dir:
			shutil.rmtree(self.data, ignore_errors=True)
		shutil.rmtree(self.logdir, ignore_errors=True)

	# -- paths

	def path(self, *p):
		return os.path.join(self.data, *p)

	def instance_ids(self):
		"""The walk-ins on disk: DATA/instances/<expires>/<uuid>/ (and any
		left at DATA/instances/<uuid>/, walkind 0.1.0's layout)."""
		out = set()
		try:
			top = os.listdir(self.path("instances"))
		except OSError:
			return out
		for name in top:
			if UUID_RE.fullmatch(name):
				out.add(name)
			elif name.isdigit():
				try:
					out.update(os.listdir(self.path("instances", name)))
				except OSError:
					pass
		return out

	def inst(self, uid, *p):
		"""Path of walk-in uid's directory (or a file in it): in the
		bucket of its expiry second; a path that does not exist if the
		walk-in is not on disk."""
		for b in glob.glob(self.path("instances", "[0-9]*", uid or "-")):
			return os.path.join(b, *p)
		return self.path("instances", "none", uid or "-", *p)

	# -- HTTP

	def request(self, method, path, body=None, headers=None, source=None,
		    timeout=TIMEOUT, what=None):
		"""One request on a fresh connection via http.client."""
		c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
					       source_address=(source, 0) if source else None)
		try:
			if isinstance(body, str):
				body = body.encode("utf-8")
			c.request(method, path, body=body, headers=headers or {})
			r = c.getresponse()
			data = r.read()
			return Resp(r.status, r.getheaders(), data,
				    what or f"{method} {path}")
		finally:
			c.close()

	def get(self, path, **kw):
		return self.request("GET", path, **kw)

	def sql(self, sql, token=None, headers=None, body=None, ctype="application/json",
		**kw):
		"""POST /sql {"sql": sql}; body overrides the JSON body."""
		h = {}
		if ctype is not None:
			h["Content-Type"] = ctype
		if token is not None:
			h["X-Walkin-Session"] = token
		h.update(headers or {})
		if body is None:
			body = json.dumps({"sql": sql})
		what = kw.pop("what", None) or f"POST /sql {short(sql if sql is not None else body, 80)!r}"
		return self.request("POST", "/sql", body=body, headers=h, what=what, **kw)

	def create(self, sql="SELECT 1", **kw):
		"""Create a walk-in; returns (token, uuid, response)."""
		before = self.instance_ids()
		r = self.sql(sql, **kw)
		expect_status(r, 200)
		tok = r.token
		check(tok is not None and TOKEN_RE.match(tok) is not None,
		      f"create: X-Walkin-Session {tok!r} is not wkn_<base64url>")
		new = self.instance_ids() - before
		uuid = None
		if len(new) == 1:
			uuid = new.pop()
		else:
			uuid = token_uuid(tok)
			if uuid not in self.instance_ids():
				uuid = None
		if uuid:
			self.uuids.add(uuid)
		return tok, uuid, r

	def executors(self, uuid):
		"""pids of the daemon's live descendants naming this walk-in's uuid."""
		if self.proc is None or self.proc.poll() is not None:
			return pids_matching(uuid)
		return pids_matching(uuid, [p for p in descendants(self.proc.pid)
					    if p != self.proc.pid])

	def raw(self, source=None, timeout=TIMEOUT):
		return RawConn(self.port, source, timeout)


# What ASan, LSan and UBSan print (sanitizer builds, make check-asan): any
# of these on a daemon's stderr fails the group's clean-shutdown case.
SANITIZER_RE = re.compile(r"==[0-9]+==ERROR: [A-Za-z]+Sanitizer|: runtime error: ")
# The one extra line a sanitizer build prints before anything else.
SANITIZER_BANNER = "SANDBOX OFF (sanitizer build)"


def sanitizer_reports(text):
	"""The sanitizer report lines in stderr text (bytes), at most 5."""
	lines = text.decode("utf-8", "replace").splitlines()
	return [short(ln, 200) for ln in lines if SANITIZER_RE.search(ln)][:5]


def sanitizer_build(binary):
	"""True if binary was built with -fsanitize=address (make check-asan)."""
	with open(binary, "rb") as f:
		return b"__asan_init" in f.read()


def refusal_lines(text):
	"""stderr lines of a refused start, less a sanitizer build's banner
	(sandbox/sandbox.c prints it before any check can refuse)."""
	if isinstance(text, bytes):
		text = text.decode("utf-8", "replace")
	return [ln for ln in text.strip().splitlines() if SANITIZER_BANNER not in ln]


def token_uuid(tok):
	"""The instance uuid inside a token, per include/token.h (best effort)."""
	try:
		b = base64.urlsafe_b64decode(tok[4:] + "=" * (-len(tok[4:]) % 4))
		h = b[2:18].hex()
		return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
	except (ValueError, IndexError):
		return None


# ---------------------------------------------------------------- raw HTTP

class RawConn:
	"""A socket to the daemon with an HTTP/1.1 response parser."""

	def __init__(self, port, source=None, timeout=TIMEOUT):
		self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		self.s.settimeout(timeout)
		if source:
			self.s.bind((source, 0))
		self.s.connect(("127.0.0.1", port))
		self.buf = b""
		self.eof = False

	def send(self, data):
		if isinstance(data, str):
			data = data.encode("latin-1")
		self.s.sendall(data)

	def close(self):
		self.s.close()

	def _fill(self):
		d = self.s.recv(65536)
		if not d:
			self.eof = True
			return False
		self.buf += d
		return True

	def closed_by_peer(self, timeout=3.0):
		"""True if the server closes the connection (EOF or reset) in time."""
		self.s.settimeout(timeout)
		try:
			while True:
				d = self.s.recv(65536)
				if not d:
					return True
				self.buf += d
		except (ConnectionResetError, BrokenPipeError):
			return True
		except socket.timeout:
			return False

	def response(self, what="raw request"):
		"""Read one response; raises AssertionError on EOF before it."""
		try:
			while b"\r\n\r\n" not in self.buf:
				if not self._fill():
					raise AssertionError(f"{what}: connection closed without a "
							     f"response (got {short(self.buf)!r})")
		except ConnectionResetError:
			raise AssertionError(f"{what}: connection reset without a response")
		head, self.buf = self.buf.split(b"\r\n\r\n", 1)
		lines = head.decode("latin-1").split("\r\n")
		m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
		check(m is not None, f"{what}: bad status line {lines[0]!r}")
		status = int(m.group(1))
		headers = []
		for ln in lines[1:]:
			k, _, v = ln.partition(":")
			headers.append((k.strip(), v.strip()))
		r = Resp(status, headers, b"", what)
		te = (r.header("Transfer-Encoding") or "").lower()
		cl = r.header("Content-Length")
		if "chunked" in te:
			body = b""
			while True:
				while b"\r\n" not in self.buf:
					check(self._fill(), f"{what}: EOF in chunked body")
				size_line, self.buf = self.buf.split(b"\r\n", 1)
				n = int(size_line.split(b";")[0], 16)
				while len(self.buf) < n + 2:
					check(self._fill(), f"{what}: EOF in chunk")
				body += self.buf[:n]
				self.buf = self.buf[n + 2:]
				if n == 0:
					break
			r.body = body
		elif cl is not None:
			n = int(cl)
			while len(self.buf) < n:
				check(self._fill(), f"{what}: EOF in body")
			r.body, self.buf = self.buf[:n], self.buf[n:]
		elif status in (204, 304) or 100 <= status < 200:
			r.body = b""
		else:
			while self._fill():
				pass
			r.body, self.buf = self.buf, b""
		return r


def raw_request(method, path, headers, body=b""):
	"""Build request bytes; headers is a list of (name, value)."""
	if isinstance(body, str):
		body = body.encode("utf-8")
	h = "".join(f"{k}: {v}\r\n" for k, v in headers)
	return f"{method} {path} HTTP/1.1\r\n{h}\r\n".encode("latin-1") + body


def post_sql_bytes(sql, token=None, extra=(), close=False):
	body = json.dumps({"sql": sql}).encode()
	h = [("Host", "127.0.0.1"), ("Content-Type", "application/json"),
	     ("Content-Length", str(len(body)))]
	if token:
		h.append(("X-Walkin-Session", token))
	if close:
		h.append(("Connection", "close"))
	h += list(extra)
	return raw_request("POST", "/sql", h, body)


def blackbox_runner():
	"""tests/blackbox/run.py as a module, for the suites that reuse its
	runner (loaded by path: each suite's own file is also "run")."""
	import importlib.util
	path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "run.py")
	spec = importlib.util.spec_from_file_location("blackbox_run", path)
	mod = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(mod)
	return mod


def drip_send(c, chunks, interval, max_s):
	"""Send chunks on RawConn c `interval` s apart, stopping as soon as the
	server answers (or the socket fails, or max_s has passed); returns the
	time the first chunk went out."""
	import select
	t0 = time.time()
	for i, ch in enumerate(chunks):
		if i and select.select([c.s], [], [], interval)[0]:
			break
		try:
			c.send(ch)
		except OSError:
			break
		if time.time() - t0 > max_s:
			break
	return t0
