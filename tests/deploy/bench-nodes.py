#!/usr/bin/env python3
"""
bench-nodes.py: the figures of docs/SCALING.md. Not part of make check.

    python3 tests/deploy/bench-nodes.py build/walkind [SECONDS]

Starts one node alone and three nodes behind Debian's haproxy with the
shipped deploy/haproxy.cfg (ports substituted, as tests/blackbox/
test_nodes.py does), on loopback with temp data dirs, and drives each
with wrk and bench/wrk/sql.lua in the same run:
  - point queries on 64 walk-ins (SELECT on a 100-row table), c=16
  - creates (no token), c=8
and prints requests/s, p50 and p99 for each, and the ratios. Every
process and temp dir is removed at the end.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "blackbox"))

import harness  # noqa: E402
import test_nodes  # noqa: E402

LUA = os.path.join(HERE, "..", "..", "bench", "wrk", "sql.lua")
POINT = "SELECT v FROM t WHERE k = {k}"
SETUP = ("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); "
	 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	 "WHERE i < 100) INSERT INTO t SELECT i, hex(randomblob(16)) FROM n")


def wrk(port, conns, secs, sql, tokens=None):
	tmp = tempfile.mkdtemp(prefix="walkind-bench-nodes-")
	out = os.path.join(tmp, "out.json")
	env = dict(os.environ, BENCH_SQL=sql, BENCH_KEYS="100", BENCH_OUT=out)
	if tokens:
		tf = os.path.join(tmp, "tokens")
		with open(tf, "w") as f:
			f.write("\n".join(tokens) + "\n")
		env["BENCH_TOKENS"] = tf
	subprocess.run(["wrk", "-t", "2", "-c", str(conns), "-d", f"{secs}s",
			"-s", LUA, f"http://127.0.0.1:{port}/"], env=env, check=True,
		       capture_output=True, timeout=secs + 30)
	with open(out) as f:
		r = json.load(f)
	for p in os.listdir(tmp):
		os.unlink(os.path.join(tmp, p))
	os.rmdir(tmp)
	r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
	return r


def row(name, r):
	errs = r["status"] + r["connect"] + r["read"] + r["timeout"]
	print(f"{name:<44} {r['rps']:>8.0f}/s  p50 {r['p50_us'] / 1000:6.2f} ms  "
	      f"p99 {r['p99_us'] / 1000:6.2f} ms  non-2xx/errors {errs}")


def walkins(sql_fn, n):
	toks = []
	for k in range(n):
		r = sql_fn(k)
		assert r.status == 200, r
		toks.append(r.token)
	return toks


def main():
	harness.BINARY = os.path.abspath(sys.argv[1])
	secs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
	opts = ["--rate-requests", "0", "--rate-creates", "0",
		"--max-instances-per-ip", "0", "--max-instances", "1000000"]
	one = harness.Daemon(opts)
	c = test_nodes.Cluster()
	try:
		one.start()
		c.nodes = []
		for i in (1, 2, 3):
			n = test_nodes.Node(["--node-id", str(i), "--trusted-proxy",
					     "127.0.0.1"] + opts)
			c.nodes.append(n)
			n.start()
		c.start_proxy()
		direct = walkins(lambda k: one.sql(SETUP), 64)
		proxied = walkins(lambda k: c.sql(SETUP, source="127.0.0.2"), 64)
		res = {}
		res["point1"] = wrk(one.port, 16, secs, POINT, direct)
		res["point3"] = wrk(c.port, 16, secs, POINT, proxied)
		res["create1"] = wrk(one.port, 8, secs, "SELECT 1")
		res["create3"] = wrk(c.port, 8, secs, "SELECT 1")
		print(f"nproc {os.cpu_count()}, {secs} s per run, wrk -t2")
		row("point query, 64 walk-ins, c=16, 1 node", res["point1"])
		row("point query, 64 walk-ins, c=16, haproxy+3", res["point3"])
		row("create, c=8, 1 node direct", res["create1"])
		row("create, c=8, haproxy+3 nodes", res["create3"])
		print(f"ratio haproxy+3 / 1 node: point {res['point3']['rps'] / res['point1']['rps']:.2f}, "
		      f"create {res['create3']['rps'] / res['create1']['rps']:.2f}")
		spread = [len(n.instance_ids()) for n in c.nodes]
		print(f"walk-ins per node after the run: {spread}")
	finally:
		one.stop()
		one.cleanup()
		c.stop()


if __name__ == "__main__":
	main()
