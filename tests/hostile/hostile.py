"""
hostile.py: what every hostile case shares.

A hostile group is a tests/blackbox Group whose cases are wrapped so that,
after a case's own assertions pass, the service must still answer a normal
request: GET /healthz is 200 and the group's canary walk-in (created before
the first case) still returns its one row. A case that breaks the daemon, a
neighbour walk-in or the front end fails there even if its own reply looked
right.

The data-driven builders take one entry each (the request and the expected
safe outcome: exact status and exact error message from README's table) and
return a case function; the modules per category hold the tables.
"""

import base64
import hashlib
import hmac
import os
import shutil
import struct
import tempfile

import harness
from harness import Group, check, eq, expect_error, expect_ok, short

FB = "forbidden sql keyword: "
IS = "invalid sql: "
QUOTA = "instance storage quota exceeded"
NOT_FOUND = "instance not found"

CANARY_SQL = "CREATE TABLE canary(v); INSERT INTO canary VALUES('alive')"
# Files an instance directory may hold after a request has finished. The
# journal besides: with content only while a transaction is open; empty
# while the walk-in's executor lives (it keeps its journal, truncated, and
# removes it when it exits cleanly).
INSTANCE_FILES = {"db.sqlite", "meta"}
JOURNAL = "db.sqlite-journal"

# The suite's scratch directory for the paths attacks aim at (ATTACH,
# VACUUM INTO, writefile targets): it must stay empty. World-writable, so
# that only the service's own defences, not file modes, keep it empty.
_OUT = None


def out_dir():
	global _OUT
	if _OUT is None:
		_OUT = tempfile.mkdtemp(prefix="walkind-hostile-out-")
		os.chmod(_OUT, 0o1777)
	return _OUT


def cleanup_out():
	if _OUT is not None:
		shutil.rmtree(_OUT, ignore_errors=True)


def out_files():
	try:
		return sorted(os.listdir(out_dir()))
	except OSError:
		return []


# ---------------------------------------------------------------- groups

class HGroup(Group):
	"""A Group whose cases each end with the liveness check.

	canary=False: the check is /healthz plus a fresh create (for groups
	whose walk-ins expire under the case, e.g. --ttl 2)."""

	def __init__(self, name, opts=(), canary=True):
		super().__init__(name, opts)
		self.canary = canary

	def add(self, name, fn):
		def wrapped(d, fn=fn):
			canary_setup(d, self.canary)
			fn(d)
			still_serving(d, self.canary)
		wrapped.__module__ = fn.__module__
		self.cases.append((name, wrapped))

	def case(self, fn=None, name=None):
		def reg(f):
			self.add(name or f.__name__, f)
			return f
		return reg(fn) if fn is not None else reg


def canary_setup(d, canary=True):
	if canary and "canary" not in d.state:
		tok, uid, _ = d.create(CANARY_SQL)
		d.state["canary"] = (tok, uid)
		d.state["canary_file"] = file_digest(d, uid)


def file_digest(d, uid):
	"""sha256 of a walk-in's db.sqlite, or None."""
	try:
		with open(d.inst(uid or "-", "db.sqlite"), "rb") as f:
			return hashlib.sha256(f.read()).hexdigest()
	except OSError:
		return None


def canary_token(d):
	canary_setup(d)
	return d.state["canary"][0]


def canary_uid(d):
	canary_setup(d)
	return d.state["canary"][1]


def still_serving(d, canary=True):
	"""The service answers a normal request after a hostile one."""
	r = d.get("/healthz", what="GET /healthz after the case")
	j = expect_ok(r)
	eq(j.get("status"), "ok", "healthz status after the case")
	if canary:
		tok = d.state["canary"][0]
		r = d.sql("SELECT v FROM canary", token=tok, what="canary SELECT after the case")
		eq(expect_ok(r).get("rows"), [["alive"]], "canary rows after the case")
	else:
		expect_ok(d.sql("SELECT 1", what="a fresh create after the case"))


def shared_walkin(d, key, setup):
	"""A walk-in shared by the cases of a group, created on first use."""
	if key not in d.state:
		tok, uid, _ = d.create(setup)
		d.state[key] = (tok, uid)
	return d.state[key]


# ---------------------------------------------------------------- files

def instance_files(d, uid):
	try:
		return set(os.listdir(d.inst(uid)))
	except OSError:
		return set()


def db_size(d, uid):
	return os.path.getsize(d.inst(uid, "db.sqlite"))


def journal_size(d, uid):
	"""Size of the walk-in's journal, or None when there is none."""
	try:
		return os.path.getsize(d.inst(uid, JOURNAL))
	except OSError:
		return None


def expect_instance_clean(d, uid, journal_ok=False):
	"""Only db.sqlite and meta, and the journal: empty (the live executor's),
	or with content for an open transaction (journal_ok)."""
	if uid is None:
		return
	allowed = INSTANCE_FILES | {JOURNAL}
	files = instance_files(d, uid)
	check(files <= allowed, f"instance dir holds {sorted(files)}, expected only "
	      f"{sorted(allowed)}")
	js = journal_size(d, uid)
	check(journal_ok or not js, f"{JOURNAL} holds {js} bytes with no transaction open")


def expect_out_empty(what):
	files = out_files()
	check(not files, f"{what}: file(s) appeared in the attack target dir: {files}")


# ---------------------------------------------------------------- the SQL entry

def fmt(sql, d):
	"""Fill the placeholders an entry may use: {OUT}, {CANARY_DB},
	{CANARY_UID}, {DATA}. Other braces (JSON text) are left alone."""
	for k, v in (("{OUT}", lambda: out_dir()),
		     ("{CANARY_DB}", lambda: d.inst(canary_uid(d), "db.sqlite")),
		     ("{CANARY_UID}", lambda: canary_uid(d)),
		     ("{DATA}", lambda: d.data)):
		if k in sql:
			sql = sql.replace(k, v())
	return sql


def expect_outcome(r, status, error, rows=None):
	"""error: the exact message, or a tuple of messages any of which
	(compared without case) is the refusal expected."""
	if status == 200:
		j = expect_ok(r)
		if rows is not None:
			eq(j.get("rows"), rows, f"{r.what}: rows")
		return j
	if isinstance(error, tuple):
		e = expect_error(r, status)
		check(e.lower() in [x.lower() for x in error],
		      f"{r.what}: error {e!r}, expected one of {error!r}")
		return None
	expect_error(r, status, error)
	return None


def sql_entry(sql, status, error=None, setup=None, create=False, key=None, then=(),
	      rows=None, journal_ok=False, extra=None):
	"""One SQL request and its expected outcome.

	create: sent without a token (on create): a refusal must return no
	token and leave no instance directory. setup: run in a fresh walk-in
	made with this SQL. key: a walk-in shared under this key (made with
	`setup` or "SELECT 1"). Otherwise a fresh walk-in with "SELECT 1".
	then: (sql, status, error or rows) run afterwards in the same walk-in.
	extra: fn(d, tok, uid) for further assertions. Always: nothing appears
	in the attack target dir and the instance dir holds only its files."""
	def f(d):
		q = fmt(sql, d)
		if create:
			before = d.instance_ids()
			r = d.sql(q)
			expect_outcome(r, status, error, rows)
			if status != 200:
				check(r.token is None, f"{r.what}: a refused create returned a token")
				left = harness.wait_until(lambda: not (d.instance_ids() - before), 3.0)
				check(left, f"{r.what}: a refused create left instance dirs "
				      f"{sorted(d.instance_ids() - before)}")
			expect_out_empty(r.what)
			return
		if key is not None:
			tok, uid = shared_walkin(d, key, setup or "SELECT 1")
		else:
			tok, uid, _ = d.create(setup or "SELECT 1")
		r = d.sql(q, token=tok)
		expect_outcome(r, status, error, rows)
		for tq, ts, te in then:
			r2 = d.sql(fmt(tq, d), token=tok)
			if ts == 200:
				expect_outcome(r2, 200, None, te)
			else:
				expect_outcome(r2, ts, te)
		expect_out_empty(r.what)
		expect_instance_clean(d, uid, journal_ok)
		if extra:
			extra(d, tok, uid)
	return f


def name_of(sql, n=60):
	s = " ".join(sql.split())
	return repr(s if len(s) <= n else s[:n] + "...")


def add_sql_table(g, prefix, table, **common):
	"""Register one case per entry: (sql, status, error[, options dict])."""
	for ent in table:
		sql, status, error = ent[:3]
		opts = dict(common)
		if len(ent) > 3:
			opts.update(ent[3])
		label = opts.pop("name", None) or name_of(sql)
		g.add(f"{prefix} {label}", sql_entry(sql, status, error, **opts))


# ---------------------------------------------------------------- raw bodies

def body_entry(body, status, error=None, rows=None, token_key=None):
	"""POST /sql with this exact body (bytes)."""
	def f(d):
		tok = shared_walkin(d, token_key, "SELECT 1")[0] if token_key else None
		r = d.sql(None, token=tok, body=body, what=f"POST /sql {short(body, 60)!r}")
		expect_outcome(r, status, error, rows)
		if status != 200 and tok is None:
			check(r.token is None, f"{r.what}: a refused request returned a token")
	return f


# ---------------------------------------------------------------- tokens

TOKEN_DOMAIN = b"walkind/token/v1"


def b64u(b):
	return base64.urlsafe_b64encode(b).decode().rstrip("=")


def unb64u(s):
	return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def token_bin(tok):
	return unb64u(tok[4:])


def token_of_bin(b):
	return "wkn_" + b64u(b)


def read_keys(d):
	"""{label: (kid, key bytes)} from DATA/secrets/keys (include/token.h)."""
	out = {}
	with open(d.path("secrets", "keys")) as f:
		for ln in f.read().splitlines()[1:]:
			label, kid, _, hexkey = ln.split()
			out[label] = (int(kid), bytes.fromhex(hexkey))
	return out


def mint(key, kid, uid_bytes, expiry, nonce=None, ver=1):
	"""A token as token_mint makes it: HMAC-SHA-512-256 over the domain and
	ver, kid, id, expiry (big-endian), nonce."""
	nonce = os.urandom(16) if nonce is None else nonce
	signed = bytes([ver, kid]) + uid_bytes + struct.pack(">Q", expiry) + nonce
	tag = hmac.new(key, TOKEN_DOMAIN + signed, hashlib.sha512).digest()[:32]
	return token_of_bin(signed + tag)


def uid_bytes(tok):
	return token_bin(tok)[2:18]


def reference_404(d):
	"""The 404 of a token that is plainly malformed: every token failure
	must look exactly like it (status, headers, body)."""
	if "ref404" not in d.state:
		r = d.sql("SELECT 1", token="wkn_x", what="reference 404")
		expect_error(r, 404, NOT_FOUND)
		d.state["ref404"] = r
	return d.state["ref404"]


def same_404(r, ref):
	"""r is byte-for-byte the reference 404: status, header list, body."""
	expect_error(r, 404, NOT_FOUND)
	eq(r.body, ref.body, f"{r.what}: 404 body")
	eq(r.headers, ref.headers, f"{r.what}: 404 headers")


def median(xs):
	xs = sorted(xs)
	n = len(xs)
	return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

