"""
test_metrics.py: GET /metrics on the --metrics-listen socket (src/metrics.c,
issue 16 item 1).

A live daemon is scraped and Debian's `promtool check metrics` (package
prometheus, deploy/install-deps.sh) must accept the scrape with no lint
finding; counters move as requests are made (requests by route and
status, the latency histogram, walk-ins created and deleted, executors
spawned, rate-limit refusals); the public listener has no /metrics and
the metrics listener serves nothing else; no label or value carries a
token, an IP address, SQL text or a raw request target; --metrics-listen
on --listen's port is refused at startup.
"""

import http.client
import json
import re
import shutil
import subprocess

import harness
from harness import Group, check, eq, expect_error, expect_ok

METRICS_PORT = harness.free_port()
g = Group("metrics", ["--metrics-listen", f"127.0.0.1:{METRICS_PORT}"])

LIMITED_PORT = harness.free_port()
gl = Group("metrics-limits", ["--metrics-listen", f"127.0.0.1:{LIMITED_PORT}",
			      "--rate-requests", "3", "--rate-creates", "0",
			      "--max-instances-per-ip", "0"], defaults=False)

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def scrape(port, method="GET", path="/metrics"):
	c = http.client.HTTPConnection("127.0.0.1", port, timeout=harness.TIMEOUT)
	try:
		c.request(method, path)
		r = c.getresponse()
		return harness.Resp(r.status, r.getheaders(), r.read(), f"{method} {path} (metrics)")
	finally:
		c.close()


def samples(text):
	"""{'name{labels}': value} of every sample line."""
	out = {}
	for ln in text.splitlines():
		if not ln or ln.startswith("#"):
			continue
		m = SAMPLE_RE.match(ln)
		check(m is not None, f"not a sample line: {ln!r}")
		out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
	return out


def metrics(port):
	r = scrape(port)
	eq(r.status, 200, "GET /metrics status")
	return r.body.decode("utf-8"), samples(r.body.decode("utf-8"))


def val(s, key):
	return s.get(key, 0.0)


@g.case
def promtool_accepts_the_scrape(d):
	"""A scrape after some traffic passes `promtool check metrics`: the
	text format parses, and no lint finding (names, units, _total on
	counters, HELP on every metric) is printed."""
	promtool = shutil.which("promtool")
	check(promtool is not None, "promtool is missing (Debian package prometheus: "
	      "deploy/install-deps.sh installs it)")
	tok, _, _ = d.create("CREATE TABLE t(x)")
	expect_ok(d.sql("INSERT INTO t VALUES(1)", token=tok))
	d.get("/no/such/route")
	r = scrape(METRICS_PORT)
	eq(r.status, 200, "GET /metrics")
	check(r.header("Content-Type").startswith("text/plain; version=0.0.4"),
	      f"Content-Type {r.header('Content-Type')!r}")
	p = subprocess.run([promtool, "check", "metrics"], input=r.body,
			   capture_output=True, timeout=30)
	out = (p.stdout + p.stderr).decode("utf-8", "replace").strip()
	check(p.returncode == 0 and out == "",
	      f"promtool check metrics: exit {p.returncode}: {out[:600]}")


@g.case
def counters_move_with_requests(d):
	"""Requests by route and status, the latency histogram, walk-ins
	created and deleted, executors spawned: each moves by what was done."""
	_, before = metrics(METRICS_PORT)
	toks = [d.create("CREATE TABLE t(x)")[0] for _ in range(3)]
	for t in toks:
		expect_ok(d.sql("INSERT INTO t VALUES(1)", token=t))
	expect_error(d.get("/nope"), 404)
	expect_error(d.request("PUT", "/sql"), 405)
	r = d.request("DELETE", "/session", headers={"X-Walkin-Session": toks[0]})
	check(r.status in (200, 204), f"DELETE /session: {r.status}")
	_, after = metrics(METRICS_PORT)

	def moved(key, by):
		eq(val(after, key) - val(before, key), by, key)
	moved('walkind_http_requests_total{route="/sql",status="200"}', 6)
	moved('walkind_http_requests_total{route="unmatched",status="404"}', 1)
	moved('walkind_http_requests_total{route="/sql",status="405"}', 1)
	moved('walkind_http_request_duration_seconds_count{route="/sql"}', 7)
	moved('walkind_http_request_duration_seconds_bucket{route="/sql",le="+Inf"}', 7)
	moved("walkind_walkins_created_total", 3)
	moved("walkind_walkins_deleted_total", 1)
	moved("walkind_walkins", 2)
	check(val(after, "walkind_executors_spawned_total") -
	      val(before, "walkind_executors_spawned_total") >= 3,
	      "walkind_executors_spawned_total moved by at least 3")
	check(val(after, "walkind_data_dir_free_bytes") > 0, "free bytes reported")
	check("walkind_token_key_age_seconds" in after, "token key age reported")
	for reason in ("idle", "evicted", "deadline", "crash", "stopped"):
		check(f'walkind_executor_exits_total{{reason="{reason}"}}' in after,
		      f"exit reason {reason} present")


@g.case
def warm_executors_counted(d):
	"""A create served by a warm executor (--warm, on by default) moves
	walkind_executors_warm_claimed_total; walkind_executors_warm is the
	spawner's standing count from its last reply."""
	from test_burst import warm_pids
	warm_pids(d, 4)			# --warm's default, all jailed
	_, before = metrics(METRICS_PORT)
	d.create("CREATE TABLE t(x)")
	_, after = metrics(METRICS_PORT)
	eq(val(after, "walkind_executors_warm_claimed_total") -
	   val(before, "walkind_executors_warm_claimed_total"), 1,
	   "creates served warm")
	check("walkind_executors_warm" in after, "the warm gauge is reported")
	check(0 <= after["walkind_executors_warm"] <= 4,
	      f"warm standing by: {after['walkind_executors_warm']}")


@g.case
def newer_routes_counted(d):
	"""GET /session, a Hrana pipeline and /mcp count under their route
	table paths; the back-pressure and demotion series are exposed."""
	_, before = metrics(METRICS_PORT)
	tok, _, _ = d.create("CREATE TABLE t(x)")
	eq(d.request("GET", "/session", headers={"X-Walkin-Session": tok}).status,
	   200, "GET /session")
	r = d.request("POST", "/v2/pipeline", body=json.dumps({"baton": None,
		"requests": [{"type": "execute", "stmt": {"sql": "SELECT 1"}}]}),
		headers={"Content-Type": "application/json",
			 "Authorization": "Bearer " + tok})
	eq(r.status, 200, "POST /v2/pipeline")
	r = d.request("POST", "/mcp", body=json.dumps({"jsonrpc": "2.0", "id": 0,
		"method": "initialize", "params": {"protocolVersion": "2025-11-25",
		"capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
		headers={"Content-Type": "application/json",
			 "Accept": "application/json, text/event-stream"})
	eq(r.status, 200, "POST /mcp initialize")
	_, after = metrics(METRICS_PORT)
	for key in ('walkind_http_requests_total{route="/session",status="200"}',
		    'walkind_http_requests_total{route="/v2/pipeline",status="200"}',
		    'walkind_http_requests_total{route="/mcp",status="200"}'):
		eq(val(after, key) - val(before, key), 1, key)
	for key in ("walkind_parked_requests", "walkind_parked_requests_total",
		    'walkind_executor_exits_total{reason="demoted"}',
		    'walkind_capacity_refusals_total{kind="queue_full"}'):
		check(key in after, f"{key} exposed")


@g.case
def public_listener_has_no_metrics(d):
	"""/metrics on the public port is 404 like any unknown path; the
	metrics port serves /metrics only (404 elsewhere, 405 for POST) and
	sends no CORS header a web page could use to read it."""
	expect_error(d.get("/metrics"), 404, "not found")
	eq(d.request("HEAD", "/metrics").status, 404, "HEAD /metrics")
	r = scrape(METRICS_PORT, path="/healthz")
	eq(r.status, 404, "GET /healthz on the metrics port")
	r = scrape(METRICS_PORT, path="/sql")
	eq(r.status, 404, "GET /sql on the metrics port")
	r = scrape(METRICS_PORT, method="POST")
	eq(r.status, 405, "POST /metrics")
	r = scrape(METRICS_PORT)
	eq(r.status, 200, "GET /metrics")
	eq(r.header("Access-Control-Allow-Origin"), None, "CORS header on /metrics")


@g.case
def labels_carry_no_secrets(d):
	"""After requests with a token, distinctive SQL and a query string,
	the scrape holds no token, no IP, no SQL text, no raw target."""
	tok, _, _ = d.create("CREATE TABLE zebra_secret_table(x)")
	expect_ok(d.sql("SELECT 'quokka_secret_literal' FROM zebra_secret_table", token=tok))
	d.request("POST", "/sql?pelican_secret_query=1",
		  body='{"sql":"SELECT 1"}', headers={"Content-Type": "application/json"})
	d.get("/walrus_secret_path")
	text, s = metrics(METRICS_PORT)
	for bad in ("wkn_", tok[4:24], "127.0.0.1", "zebra_secret", "quokka_secret",
		    "pelican_secret", "walrus_secret", "SELECT"):
		check(bad not in text, f"scrape contains {bad!r}")
	routes = set(re.findall(r'route="([^"]*)"', text))
	check(routes <= {"/sql", "/session", "/healthz", "unmatched", "unparsed"} |
	      {r for r in routes if r.startswith("/") and "?" not in r},
	      f"route labels {routes}")


@g.case
def metrics_on_the_public_port_refused(d):
	"""--metrics-listen must not share --listen's port: exit 2, one line."""
	port = harness.free_port()
	p = subprocess.run([harness.BINARY, "--listen", f"127.0.0.1:{port}",
			    "--metrics-listen", f"127.0.0.1:{port}",
			    "--data-dir", d.path("never")], capture_output=True, timeout=10)
	eq(p.returncode, 2, "exit code")
	check(b"--metrics-listen" in p.stderr, f"stderr {p.stderr!r}")


@gl.case
def ratelimit_refusals_counted(d):
	"""--rate-requests 3: POST /sql past the burst is 429, and
	walkind_ratelimit_refusals_total{kind="request"} counts each."""
	_, before = metrics(LIMITED_PORT)
	statuses = []
	n429 = 0
	for _ in range(6):
		r = d.sql("SELECT 1")
		statuses.append(r.status)
		n429 += r.status == 429
	_, after = metrics(LIMITED_PORT)
	key = 'walkind_ratelimit_refusals_total{kind="request"}'
	check(n429 >= 1, f"no 429 among {statuses}")
	eq(val(after, key) - val(before, key), n429, key)
	eq(val(after, 'walkind_http_requests_total{route="/sql",status="429"}') -
	   val(before, 'walkind_http_requests_total{route="/sql",status="429"}'),
	   n429, "/sql 429s")
