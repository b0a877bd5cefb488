"""
test_jwt.py: signed identities (issue 17 item 2). A daemon with both key
kinds (an HS256 secret and an Ed25519 public key written into a temp dir,
tokens made by jwtmint.py), an issuer and an audience configured:

  - HS256 and EdDSA tokens create walk-ins through POST /session, POST
    /sql and MCP; the claim's ttl sets expires_at; the walk-in's own
    token (version 2, 130 characters) then works as usual, and a fork
    keeps the TTL;
  - every bad token (alg none, algorithm confusion, tampered payload and
    signature, expired, not yet valid, iat in the future, wrong iss and
    aud, oversized, malformed base64url and JSON, duplicate keys, missing
    or mistyped claims, claims over the operator's maxima) gets the same
    401 {"error":"invalid credentials"} and makes no walk-in;
  - the access log has the subject and never the JWT;
  - --require-jwt: anonymous creates are 401, other use unchanged;
  - per-subject rate limits and walk-in caps, apart from the IP's.

The claim's size cap and dataset grant as the executor applies them are
in test_identity.py; here only that the claim is bounded by
--jwt-max-db-bytes.
"""

import atexit
import json
import os
import re
import shutil
import tempfile
import time

from harness import (Group, check, eq, expect_error, expect_ok, expect_status,
		     wait_until)
import jwtmint

KEYDIR = tempfile.mkdtemp(prefix="walkind-bb-jwt-")
atexit.register(shutil.rmtree, KEYDIR, True)
SECRET = os.urandom(48)
SEED = os.urandom(32)
HS_FILE = os.path.join(KEYDIR, "hs256.secret")
ED_FILE = os.path.join(KEYDIR, "ed25519.pem")
with open(os.open(HS_FILE, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as _f:
	_f.write(SECRET)
with open(os.open(ED_FILE, os.O_WRONLY | os.O_CREAT, 0o644), "w") as _f:
	_f.write(jwtmint.pem_public(SEED))

ISS = "https://issuer.test"
AUD = "walkind-test"
KEYS = ["--jwt-hs256-secret", HS_FILE, "--jwt-ed25519-public-key", ED_FILE]
V2_RE = re.compile(r"^wkn_[A-Za-z0-9_-]{126}$")
BAD = "invalid credentials"

g = Group("jwt", KEYS + ["--jwt-issuer", ISS, "--jwt-audience", AUD,
			 "--jwt-max-ttl", "7200", "--jwt-max-db-bytes", "4M"])
req = Group("jwt-required", KEYS + ["--require-jwt"])
rates = Group("jwt-rates", KEYS + ["--rate-requests", "1000", "--rate-creates",
				   "1000", "--max-instances-per-ip", "3"])


def claims(sub="alice", **kw):
	c = {"sub": sub, "iss": ISS, "aud": AUD, "exp": int(time.time()) + 600,
	     "iat": int(time.time())}
	c.update(kw)
	return c


def hs(**kw):
	return jwtmint.hs256(SECRET, claims(**kw))


def ed(**kw):
	return jwtmint.eddsa(SEED, claims(**kw))


def bearer(t):
	return {"Authorization": "Bearer " + t}


def post_session(d, jwt=None, headers=None):
	h = {"Content-Length": "0"}
	if jwt is not None:
		h.update(bearer(jwt))
	h.update(headers or {})
	return d.request("POST", "/session", body=b"", headers=h)


def created(d, r, status=201):
	expect_status(r, status)
	tok = r.token
	check(tok is not None, f"{r.what}: no X-Walkin-Session")
	return tok


# ---------------------------------------------------------------- accepted

@g.case
def hs256_creates_with_claim_ttl(d):
	r = post_session(d, hs(walkind={"ttl": 3600}))
	tok = created(d, r)
	check(V2_RE.match(tok), f"a JWT walk-in's token is version 2: {tok!r}")
	j = r.json()
	eq(j["session"], tok, "body and header carry one token")
	now = int(time.time())
	check(now + 3600 - 30 <= j["expires_at"] <= now + 3600 + 5,
	      f"expires_at {j['expires_at']} is not now + the claim's 3600")
	expect_ok(d.sql("CREATE TABLE t(x)", tok))
	eq(expect_ok(d.sql("SELECT count(*) FROM t", tok))["rows"], [[0]], "the walk-in works")
	info = expect_ok(d.get("/session", headers={"X-Walkin-Session": tok}))
	eq(info["expires_at"], j["expires_at"], "GET /session's expiry")


@g.case
def eddsa_creates_through_sql(d):
	r = d.sql("SELECT 41 + 1", headers=bearer(ed()))
	eq(expect_ok(r)["rows"], [[42]], "the create's statement ran")
	tok = r.token
	check(tok is not None and V2_RE.match(tok), f"version 2 token {tok!r}")
	now = int(time.time())
	check(r.ttl <= now + 600 + 5, f"no ttl claim: the node's TTL ({r.ttl - now} s)")
	expect_ok(d.sql("SELECT 1", headers=bearer(tok)))


@g.case
def jwt_beside_a_walkin_token(d):
	"""A JWT and a walk-in token in X-Walkin-Session: no conflict (the
	JWT is not a walk-in token); POST /session creates under the JWT."""
	ua = "jwt-both-" + os.urandom(4).hex()
	anon, _, _ = d.create()
	t = hs(sub="both", walkind={"ttl": 1234})
	r = post_session(d, t, headers={"X-Walkin-Session": anon, "User-Agent": ua})
	tok = created(d, r)
	check(V2_RE.match(tok), f"version 2 token {tok!r}")
	check(abs(r.json()["expires_at"] - int(time.time()) - 1234) <= 30, "the JWT's ttl")
	expect_ok(d.sql("SELECT 1", anon, headers=bearer(t)))
	expect_ok(d.sql("SELECT 1", tok, headers={"User-Agent": ua}))
	recs = wait_until(lambda: (lambda x: x if len(x) >= 2 else None)(_log(d, ua)), 5.0)
	check(recs, "two log lines")
	eq(recs[1].get("subject_key"), recs[0].get("subject_key"),
	   "the new token carries the JWT's subject key")


def _log(d, ua):
	out = []
	for f in sorted(os.listdir(d.path("logs"))):
		with open(d.path("logs", f), "rb") as fh:
			out += [json.loads(ln) for ln in fh.read().splitlines() if ua.encode() in ln]
	return out


@g.case
def anonymous_unchanged(d):
	tok, _, r = d.create("SELECT 1")
	eq(len(tok), 103, "an anonymous walk-in keeps the version 1 token")
	expect_status(post_session(d), 201)


@g.case
def fork_keeps_ttl_and_subject(d):
	tok = created(d, post_session(d, hs(walkind={"ttl": 5000})))
	r = d.request("POST", "/session/fork", headers={"X-Walkin-Session": tok,
							 "Content-Length": "0"})
	expect_status(r, 201)
	j = r.json()
	check(V2_RE.match(j["session"]), f"the copy's token is version 2: {j['session']!r}")
	now = int(time.time())
	check(now + 5000 - 30 <= j["expires_at"] <= now + 5000 + 5,
	      f"the copy lives as long as the JWT said: {j['expires_at'] - now}")


@g.case
def jwt_is_not_a_walkin_token(d):
	"""A JWT names no walk-in: routes on one say so as for no token."""
	t = hs()
	expect_error(d.get("/session", headers=bearer(t)), 401, "missing session token")
	expect_error(d.request("DELETE", "/session", headers=bearer(t)), 401,
		     "missing session token")
	r = d.request("POST", "/v2/pipeline", body=json.dumps({"requests": []}),
		      headers=dict(bearer(t), **{"Content-Type": "application/json"}))
	expect_status(r, 401)


def mcp_initialize_then_execute(d, auth=None, sql="SELECT 7"):
	"""initialize (with auth's Bearer, if any), then an execute on that
	session with the same headers: (the session id, execute's reply)."""
	h = {"Content-Type": "application/json",
	     "Accept": "application/json, text/event-stream"}
	if auth is not None:
		h.update(bearer(auth))
	r = d.request("POST", "/mcp", headers=h, body=json.dumps({
		"jsonrpc": "2.0", "id": 0, "method": "initialize",
		"params": {"protocolVersion": "2025-11-25", "capabilities": {},
			   "clientInfo": {"name": "t", "version": "1"}}}))
	expect_status(r, 200)
	sid = r.header("Mcp-Session-Id")
	h["Mcp-Session-Id"] = sid
	r = d.request("POST", "/mcp", headers=h, body=json.dumps({
		"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		"params": {"name": "execute", "arguments": {"sql": sql}}}))
	return sid, r


@g.case
def mcp_session_from_jwt(d):
	sid, r = mcp_initialize_then_execute(d, hs(walkind={"ttl": 4000}))
	check(sid is not None and V2_RE.match(sid), f"MCP session id is version 2: {sid!r}")
	expect_status(r, 200)
	check("7" in json.dumps(r.json().get("result")), f"execute ran: {r.body[:200]!r}")
	_, r = mcp_initialize_then_execute(d, hs(iss="https://evil.test"))
	expect_error(r, 401, BAD)


# ---------------------------------------------------------------- refused

def _tamper(tok, part, at=5):
	p = tok.split(".")
	s = p[part]
	p[part] = s[:at] + ("A" if s[at] != "A" else "B") + s[at + 1:]
	return ".".join(p)


def _bad_tokens():
	now = int(time.time())
	pk = jwtmint.ed25519_public(SEED)
	pem = jwtmint.pem_public(SEED).encode()
	good = hs()
	hdr, pay, sig = good.split(".")
	out = {
		"alg none": jwtmint.b64u('{"alg":"none"}') + "." + pay + ".",
		"alg none signed": jwtmint.hs256(SECRET, claims(), {"alg": "none"}),
		"alg HS512": jwtmint.hs256(SECRET, claims(), {"alg": "HS512"}),
		"confusion: HS256 with the public key": jwtmint.hs256(pk, claims()),
		"confusion: HS256 with the PEM": jwtmint.hs256(pem, claims()),
		"EdDSA signature labelled HS256": jwtmint.eddsa(SEED, claims(), {"alg": "HS256"}),
		"tampered payload": _tamper(good, 1),
		"tampered signature": _tamper(good, 2),
		"tampered EdDSA signature": _tamper(ed(), 2, 10),
		"payload of another token": hdr + "." + hs(sub="root").split(".")[1] + "." + sig,
		"expired": hs(exp=now - 120),
		"not yet valid": hs(nbf=now + 300),
		"iat in the future": hs(iat=now + 300),
		"wrong iss": hs(iss="https://evil.test"),
		"wrong aud": hs(aud="other"),
		"wrong aud list": hs(aud=["other", "x"]),
		"no aud": jwtmint.hs256(SECRET, {k: v for k, v in claims().items() if k != "aud"}),
		"oversized": hs(pad="x" * 4000),
		"padding": good + "=",
		"bad base64url": good.replace(good[3], "+", 1),
		"not JSON": jwtmint.hs256(SECRET, "{\"sub\":"),
		"duplicate key": jwtmint.hs256(SECRET, '{"sub":"a","sub":"b","iss":"%s","aud":"%s",'
					       '"exp":%d}' % (ISS, AUD, now + 600)),
		"missing exp": jwtmint.hs256(SECRET, {k: v for k, v in claims().items() if k != "exp"}),
		"missing sub": jwtmint.hs256(SECRET, {k: v for k, v in claims().items() if k != "sub"}),
		"exp a string": hs(exp=str(now + 600)),
		"sub a number": hs(sub=5),
		"ttl over --jwt-max-ttl": hs(walkind={"ttl": 7201}),
		"max_db_bytes over --jwt-max-db-bytes": hs(walkind={"max_db_bytes": 4 * 1024 * 1024 + 1}),
		"unknown walkind key": hs(walkind={"tll": 60}),
		"bad dataset name": hs(walkind={"datasets": {"a-b": "*"}}),
		"two dots only": "a.b.",
		"four parts": good + ".x",
	}
	return out


@g.case
def every_bad_token_is_the_same_401(d):
	before = d.instance_ids()
	for name, t in _bad_tokens().items():
		for r in (post_session(d, t), d.sql("SELECT 1", headers=bearer(t))):
			r.what = f"{name}: {r.what}"
			expect_error(r, 401, BAD)
			eq(r.body, b'{"error":"invalid credentials"}', f"{name}: body")
			check(r.token is None, f"{name}: a token was minted")
	eq(d.instance_ids() - before, set(), "walk-ins made by bad tokens")


@g.case
def max_db_bytes_within_maximum_accepted(d):
	expect_status(post_session(d, hs(walkind={"max_db_bytes": 4 * 1024 * 1024,
						   "datasets": {"shop": ["orders"]}})), 201)


@g.case
def access_log_has_subject_not_jwt(d):
	ua = "jwt-log-" + os.urandom(4).hex()
	t = ed(sub="log-subject@example.test")
	tok = created(d, post_session(d, t, headers={"User-Agent": ua}))
	expect_ok(d.sql("SELECT 1", tok, headers={"User-Agent": ua}))
	expect_error(post_session(d, hs(iss="x"), headers={"User-Agent": ua}), 401, BAD)

	def mine():
		out = []
		for f in os.listdir(d.path("logs")):
			with open(d.path("logs", f), "rb") as fh:
				out += [ln for ln in fh.read().splitlines() if ua.encode() in ln]
		return out
	wait_until(lambda: len(mine()) >= 3, 5.0)
	lines = mine()
	eq(len(lines), 3, "log lines")
	for ln in lines:
		for secret in (t, t.split(".")[2], t.split(".")[1], tok):
			check(secret.encode() not in ln, f"the log holds a token: {ln[:200]!r}")
	recs = [json.loads(ln) for ln in lines]
	eq(recs[0].get("subject"), "log-subject@example.test", "the create's subject")
	check(re.fullmatch(r"[0-9a-f]{16}", recs[0].get("subject_key", "")),
	      f"subject_key {recs[0].get('subject_key')!r}")
	eq(recs[1].get("subject_key"), recs[0]["subject_key"],
	   "the walk-in token's requests carry the subject key")
	check("subject" not in recs[1], "no subject text without the JWT")
	check("subject" not in recs[2] and "subject_key" not in recs[2],
	      "a refused JWT logs no subject")


# ---------------------------------------------------------------- --require-jwt

@req.case
def anonymous_creates_refused(d):
	before = d.instance_ids()
	expect_error(post_session(d), 401, BAD)
	expect_error(d.sql("SELECT 1"), 401, BAD)
	expect_error(post_session(d, "wkn_" + "A" * 99), 401, BAD)
	eq(d.instance_ids() - before, set(), "walk-ins made anonymously")
	tok = created(d, post_session(d, hs(iss="any", aud="any")))
	expect_ok(d.sql("SELECT 1", tok))
	r = d.request("POST", "/session/fork", headers={"X-Walkin-Session": tok,
							 "Content-Length": "0"})
	expect_status(r, 201)


@req.case
def anonymous_mcp_create_refused(d):
	_, r = mcp_initialize_then_execute(d, None, "SELECT 1")
	expect_error(r, 401, BAD)


# ---------------------------------------------------------------- per subject

@rates.case
def create_rate_per_subject(d):
	"""One create a minute for this subject: its second is refused well
	below the walk-in cap (3), while others create on from the same IP."""
	t = hs(sub="creator-a", walkind={"rate_creates": 1})
	expect_status(post_session(d, t), 201)
	r = post_session(d, t)
	expect_error(r, 429, "rate limit exceeded")
	check(r.header("Retry-After") is not None, "Retry-After on 429")
	expect_status(post_session(d, hs(sub="creator-b", walkind={"rate_creates": 1})), 201)
	expect_status(post_session(d), 201)	# the IP's own budget


@rates.case
def request_rate_per_subject(d):
	t = hs(sub="reader-a", walkind={"rate_requests": 3})
	tok = created(d, post_session(d, t))	# takes one of the 3
	codes = [d.sql("SELECT 1", tok).status for _ in range(5)]
	check(codes[0] == 200 and 429 in codes, f"statuses {codes}")
	r = d.sql("SELECT 1", tok)
	expect_status(r, 429)
	check(r.header("Retry-After") is not None, "Retry-After on 429")
	other = created(d, post_session(d, hs(sub="reader-b", walkind={"rate_requests": 3})))
	expect_ok(d.sql("SELECT 1", other))
	anon, _, _ = d.create()
	expect_ok(d.sql("SELECT 1", anon))


@rates.case
def walkin_cap_per_subject(d):
	t = hs(sub="capped")
	for _ in range(3):
		expect_status(post_session(d, t), 201)
	r = post_session(d, t)
	expect_error(r, 429, "rate limit exceeded")
	expect_status(post_session(d, hs(sub="uncapped")), 201)


@rates.case
def rate_claim_over_node_rate_refused(d):
	expect_error(post_session(d, hs(walkind={"rate_requests": 1001})), 401, BAD)
	expect_status(post_session(d, hs(sub="fast", walkind={"rate_requests": 1000})), 201)
