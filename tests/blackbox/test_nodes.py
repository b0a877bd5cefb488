"""
test_nodes.py: several nodes behind Debian's HAProxy (issue 16 item 2).

Three real walkind nodes (--node-id 1..3, --trusted-proxy 127.0.0.1,
temp data dirs) and haproxy running the shipped deploy/haproxy.cfg. The
only edit to it is the ports: its 127.0.0.1:8080 and 127.0.0.1:8081-8083
become free ports, since fixed ones may be taken on a shared machine
(the test checks each was in the file exactly where expected). All on
loopback; every process and temp dir is removed by the last case, or at
exit if a run stops early.

  - creates through the proxy land on every node, and each walk-in's id
    names the node whose data dir holds it;
  - each walk-in's later requests (v1 /sql, GET /session, a share token,
    /v2/pipeline, /mcp with its Mcp-Session-Id, whose walk-in the first
    execute creates) reach its node: another node would answer 404;
  - per-IP limits see the client's address (clients bind 127.0.0.x),
    not the proxy's, and so does the access log;
  - a cross-node token is refused by a node directly (404) although the
    nodes share a key, so its MAC verifies: the node id refuses it;
  - X-Forwarded-For is ignored from anyone; a PROXY header from an
    untrusted peer is 400, and a trusted peer must send one;
  - a node killed: its walk-ins are 503 through the proxy, the others'
    keep working, and creates go to the nodes still up.
"""

import atexit
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile

import harness
from harness import Group, check, eq, expect_error, expect_status

g = Group("nodes", daemon=False)

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "..", "..", "deploy", "haproxy.cfg")
DIRECT = "127.0.0.9"	# an untrusted peer talking to a node directly
CT = {"Content-Type": "application/json"}


class Node(harness.Daemon):
	"""A node: its own direct requests (health included) come from an
	untrusted address, since 127.0.0.1 (the proxy) must send PROXY."""

	def request(self, method, path, body=None, headers=None, source=None, **kw):
		return super().request(method, path, body, headers,
				       source=source or DIRECT, **kw)


class Cluster:
	def __init__(self):
		self.nodes = []
		self.haproxy = None
		self.tmp = tempfile.mkdtemp(prefix="walkind-nodes-")
		self.port = None
		self.walkins = []	# (token, node index)

	def start(self):
		keys = None
		for i in (1, 2, 3):
			n = Node(["--node-id", str(i), "--trusted-proxy", "127.0.0.1",
				  "--max-instances-per-ip", "1"])
			if keys is not None:
				# One key for every node: a token of another node then
				# passes its MAC, and only the node id refuses it.
				os.makedirs(n.path("secrets"), mode=0o700)
				shutil.copy2(keys, n.path("secrets", "keys"))
			self.nodes.append(n)
			n.start()
			keys = keys or n.path("secrets", "keys")
		self.start_proxy()

	def start_proxy(self):
		with open(CONFIG) as f:
			text = f.read()
		self.port = harness.free_port()
		subs = [("127.0.0.1:8080", f"127.0.0.1:{self.port}")]
		subs += [(f"127.0.0.1:{8080 + i}", f"127.0.0.1:{n.port}")
			 for i, n in enumerate(self.nodes, 1)]
		lines = text.split("\n")
		live = [k for k, ln in enumerate(lines) if not ln.lstrip().startswith("#")]
		for old, new in subs:
			want = 1 if old.endswith("8080") else 2	# walkind_any + node_NN
			eq(sum(lines[k].count(old) for k in live), want,
			   f"{old} in deploy/haproxy.cfg outside comments")
			for k in live:
				lines[k] = lines[k].replace(old, new)
		text = "\n".join(lines)
		cfg = os.path.join(self.tmp, "haproxy.cfg")
		with open(cfg, "w") as f:
			f.write(text)
		self.hlog = open(os.path.join(self.tmp, "haproxy.log"), "wb")
		self.haproxy = subprocess.Popen(["haproxy", "-db", "-f", cfg],
						stdin=subprocess.DEVNULL,
						stdout=self.hlog, stderr=self.hlog)

		def up():
			if self.haproxy.poll() is not None:
				raise AssertionError(f"haproxy exited: {self.log_tail()}")
			try:
				return self.get("/healthz", source="127.0.0.8").status == 200
			except OSError:
				return False
		check(harness.wait_until(up, harness.START_WAIT),
		      f"haproxy did not answer /healthz: {self.log_tail()}")

	def log_tail(self):
		try:
			with open(os.path.join(self.tmp, "haproxy.log"), "rb") as f:
				return harness.short(f.read()[-600:], 600)
		except OSError:
			return ""

	def request(self, method, path, body=None, headers=None, source=None):
		"""Through the proxy, from source (a 127.0.0.x client)."""
		c = http.client.HTTPConnection("127.0.0.1", self.port,
					       timeout=harness.TIMEOUT,
					       source_address=(source, 0) if source else None)
		try:
			c.request(method, path, body=body, headers=headers or {})
			r = c.getresponse()
			return harness.Resp(r.status, r.getheaders(), r.read(),
					    f"{method} {path} via haproxy")
		finally:
			c.close()

	def get(self, path, **kw):
		return self.request("GET", path, **kw)

	def sql(self, sql, token=None, source=None, headers=None):
		h = dict(CT)
		if token:
			h["X-Walkin-Session"] = token
		h.update(headers or {})
		return self.request("POST", "/sql", json.dumps({"sql": sql}), h, source)

	def owner(self, uuid):
		"""Index of the node whose data dir holds walk-in uuid, or None."""
		for i, n in enumerate(self.nodes):
			if uuid in n.instance_ids():
				return i
		return None

	def stop(self):
		problems = []
		if self.haproxy is not None:
			if self.haproxy.poll() is None:
				self.haproxy.send_signal(signal.SIGTERM)
				try:
					self.haproxy.wait(10)
				except subprocess.TimeoutExpired:
					problems.append("haproxy ignored SIGTERM")
					self.haproxy.kill()
					self.haproxy.wait()
			self.hlog.close()
			self.haproxy = None
		for n in self.nodes:
			n.stop()
			problems += n.problems
			n.cleanup()
		self.nodes = []
		shutil.rmtree(self.tmp, ignore_errors=True)
		return problems


_cluster = None
_failed = None


def cluster():
	"""The cluster, started by the first case that asks."""
	global _cluster, _failed
	check(_failed is None, f"the cluster did not start: {_failed}")
	if _cluster is None:
		check(shutil.which("haproxy") is not None, "haproxy is missing (Debian "
		      "package haproxy: deploy/install-deps.sh installs it)")
		_cluster = Cluster()
		atexit.register(_cluster.stop)
		try:
			_cluster.start()
		except AssertionError as e:
			_failed = str(e)
			_cluster.stop()
			raise
	return _cluster


def node_of(uuid):
	"""The node id in a walk-in id: byte 7, the last two hex digits of
	the third group (include/token.h TOKEN_NODE_BYTE)."""
	return int(uuid[16:18], 16)


def access_ips(n, want=()):
	"""source_ip of every line of node n's access log, once every address
	in want is there (lines are written a moment after the reply)."""
	if want:
		harness.wait_until(lambda: set(want) <= set(access_ips(n)), 3.0)
	ips = []
	for p in sorted(os.listdir(n.path("logs"))):
		if p.startswith("access"):
			with open(n.path("logs", p)) as f:
				ips += [json.loads(ln)["source_ip"] for ln in f if ln.strip()]
	return ips


def client(k):
	"""A client address of its own per use: --max-instances-per-ip is 1."""
	return f"127.0.{k // 250 + 1}.{k % 250 + 2}"


@g.case
def creates_land_on_every_node(_):
	"""Six creates through the proxy, each from its own client address:
	every node gets some, and each walk-in's id names the node that
	holds it."""
	c = cluster()
	for k in range(6):
		r = c.sql("CREATE TABLE t(x); INSERT INTO t VALUES(1)", source=client(k))
		expect_status(r, 200)
		uuid = harness.token_uuid(r.token)
		i = c.owner(uuid)
		check(i is not None, f"walk-in {uuid} on no node")
		eq(node_of(uuid), i + 1, f"node id in {uuid}")
		c.nodes[i].uuids.add(uuid)
		c.walkins.append((r.token, i))
	eq(sorted({i for _, i in c.walkins}), [0, 1, 2], "nodes that got a create")


@g.case
def requests_reach_their_node(_):
	"""v1 /sql, GET /session, a share token and /v2/pipeline through the
	proxy, for walk-ins on every node: all 200 with the walk-in's own
	data (another node would answer 404)."""
	c = cluster()
	check(c.walkins, "no walk-ins from the create case")
	for k, (tok, i) in enumerate(c.walkins):
		src = client(100 + k)
		r = c.sql("INSERT INTO t VALUES(2); SELECT count(*) FROM t", tok, src)
		expect_status(r, 200)
		r = c.get("/session", headers={"Authorization": "Bearer " + tok},
			  source=src)
		expect_status(r, 200)
		r = c.request("POST", "/session/share", headers={"X-Walkin-Session": tok,
			      "Content-Length": "0"}, source=src)
		expect_status(r, 200)
		share = r.json().get("share")
		check(share and share.startswith("wks_"), f"share token in {r.body[:200]}")
		r = c.sql("SELECT count(*) FROM t", share, src)
		expect_status(r, 200)
		body = {"requests": [{"type": "execute", "stmt": {
			"sql": "SELECT count(*) FROM t"}}, {"type": "close"}]}
		r = c.request("POST", "/v2/pipeline", json.dumps(body),
			      {"Authorization": "bearer " + tok, **CT}, src)
		expect_status(r, 200)
		rows = r.json()["results"][0]["response"]["result"]["rows"]
		eq(rows[0][0]["value"], "2", f"rows of walk-in on node {i + 1}")


def mcp(c, msg, sid=None, src=None):
	h = {**CT, "Accept": "application/json, text/event-stream"}
	if sid:
		h["Mcp-Session-Id"] = sid
	return c.request("POST", "/mcp", json.dumps(msg), h, src)


@g.case
def mcp_sessions_reach_their_node(_):
	"""initialize through the proxy (balanced: no token yet) three
	times; each session's execute goes to the node named in its
	Mcp-Session-Id, which creates the walk-in there."""
	c = cluster()
	owners = set()
	for k in range(3):
		src = client(200 + k)
		r = mcp(c, {"jsonrpc": "2.0", "id": 0, "method": "initialize",
			    "params": {"protocolVersion": "2025-11-25", "capabilities": {},
				       "clientInfo": {"name": "t", "version": "1"}}}, src=src)
		expect_status(r, 200)
		sid = r.header("Mcp-Session-Id")
		uuid = harness.token_uuid(sid)
		for sql in ("CREATE TABLE m(x)", "INSERT INTO m VALUES(1)"):
			r = mcp(c, {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
				    "params": {"name": "execute", "arguments": {"sql": sql}}},
				sid, src)
			expect_status(r, 200)
			check("error" not in r.json() and
			      r.json()["result"].get("isError") is False,
			      f"execute {sql}: {r.body[:300]}")
		i = c.owner(uuid)
		check(i is not None, f"MCP walk-in {uuid} on no node")
		eq(node_of(uuid), i + 1, "node of the MCP walk-in")
		c.nodes[i].uuids.add(uuid)
		owners.add(i)
	check(len(owners) >= 2, f"MCP sessions all on one node: {owners}")


@g.case
def per_ip_limits_see_the_client(_):
	"""--max-instances-per-ip 1 on each node: client A gets at most one
	walk-in per node through the proxy and then 429, while client B,
	behind the same proxy, still creates. The access log names both."""
	c = cluster()
	a, b = client(300), client(301)
	statuses = []
	for _ in range(4):
		statuses.append(c.sql("SELECT 1", source=a).status)
		if statuses[-1] == 429:
			break
	check(429 in statuses and statuses.count(200) <= 3,
	      f"client A's creates: {statuses}")
	expect_status(c.sql("SELECT 1", source=b), 200)
	harness.wait_until(lambda: {a, b} <= {ip for n in c.nodes
					      for ip in access_ips(n)}, 3.0)
	ips = [ip for n in c.nodes for ip in access_ips(n)]
	check(a in ips and b in ips, f"client addresses in the access logs: {set(ips)}")


@g.case
def cross_node_token_refused(_):
	"""A node asked directly for another node's walk-in answers 404,
	though the key is shared (the token's MAC verifies: its own node
	answers 200); so does an Mcp-Session-Id of another node."""
	c = cluster()
	tok, i = c.walkins[0]
	other = c.nodes[(i + 1) % 3]
	expect_status(c.nodes[i].sql("SELECT 1", token=tok), 200)
	expect_error(other.sql("SELECT 1", token=tok), 404, "instance not found")
	r = other.request("GET", "/session", headers={"Authorization": "Bearer " + tok})
	expect_error(r, 404, "instance not found")
	r = c.nodes[i].request("POST", "/mcp", json.dumps({
		"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
			"protocolVersion": "2025-11-25", "capabilities": {},
			"clientInfo": {"name": "t", "version": "1"}}}),
		{**CT, "Accept": "application/json, text/event-stream"})
	expect_status(r, 200)
	sid = r.header("Mcp-Session-Id")
	r = other.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 1,
		"method": "tools/list"}), {**CT, "Accept": "application/json, "
		"text/event-stream", "Mcp-Session-Id": sid})
	expect_error(r, 404)


@g.case
def untrusted_headers_ignored(_):
	"""Directly to a node: X-Forwarded-For changes nothing (the log and
	the per-IP limit see the peer); a PROXY header from an untrusted
	peer is 400; the trusted peer must send one (400 without), and what
	it names is the client."""
	c = cluster()
	n = c.nodes[0]
	peer = client(400)
	expect_status(n.sql("SELECT 1", headers={"X-Forwarded-For": "127.0.9.9"},
			    source=peer), 200)
	r = n.sql("SELECT 1", headers={"X-Forwarded-For": "127.0.9.10"}, source=peer)
	expect_error(r, 429)
	ips = access_ips(n, [peer])
	check(peer in ips, f"{peer} not in the access log")
	check("127.0.9.9" not in ips and "127.0.9.10" not in ips,
	      "an X-Forwarded-For address reached the access log")
	req = harness.post_sql_bytes("SELECT 1", close=True)
	conn = n.raw(source=peer)
	conn.send(b"PROXY TCP4 127.0.9.11 127.0.0.1 5000 80\r\n" + req)
	eq(conn.response("PROXY from an untrusted peer").status, 400, "status")
	conn.close()
	conn = n.raw(source="127.0.0.1")
	conn.send(req)
	r = conn.response("the trusted peer without a PROXY header")
	eq(r.status, 400, "status")
	check(b"PROXY" in r.body, f"body {r.body!r}")
	conn.close()
	conn = n.raw(source="127.0.0.1")
	conn.send(b"PROXY TCP4 127.0.9.12 127.0.0.1 5000 80\r\n" + req)
	eq(conn.response("the trusted peer with a PROXY header").status, 200, "status")
	conn.close()
	ips = access_ips(n, ["127.0.9.12"])
	check("127.0.9.12" in ips, "the PROXY header's client not in the access log")
	check("127.0.9.11" not in ips, "an untrusted PROXY header reached the log")


@g.case
def node_down_its_walkins_503(_):
	"""Node 2 killed: its walk-ins answer 503 through the proxy, the
	other nodes' walk-ins still 200, and creates still succeed."""
	c = cluster()
	down = 1
	c.nodes[down].kill_hard()
	for tok, i in c.walkins:
		r = c.sql("SELECT count(*) FROM t", tok, client(500 + len(tok) % 7))
		if i == down:
			eq(r.status, 503, f"walk-in on the dead node {i + 1}")
		else:
			expect_status(r, 200)
	for k in range(4):
		r = c.sql("SELECT 1", source=client(510 + k))
		expect_status(r, 200)
		check(c.owner(harness.token_uuid(r.token)) != down, "a create on the dead node")


@g.case
def all_stopped_and_removed(_):
	"""haproxy and every node stop on SIGTERM with nothing left behind;
	the temp dirs are gone."""
	global _cluster
	c = cluster()
	dirs = [c.tmp] + [n.data for n in c.nodes]
	problems = c.stop()
	_cluster = None
	check(not problems, "; ".join(problems))
	for d in dirs:
		check(not os.path.exists(d), f"{d} left behind")
	check(not harness.pgrep(dirs[0]), "haproxy left running")
