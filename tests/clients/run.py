#!/usr/bin/env python3
"""
run.py: drive a live walkind with real client libraries (tests/clients).

    python3 tests/clients/run.py build/walkind

Starts the daemon on loopback with a temp data dir (the black-box
harness's Daemon), creates two walk-ins (POST /session, empty), and runs
tests/clients/libsql.mjs with node against it: the URL and both tokens in
the environment. The script prints "libsql: N passed, M failed"; this
runner passes it through and exits non-zero if the line is missing or M
is not 0. The clients are installed by `make clients` (npm ci from the
lock file) before the check; without node_modules this suite fails.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "blackbox"))

import harness  # noqa: E402


def main():
	harness.BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
	    "build/walkind")
	if not os.path.isdir(os.path.join(HERE, "node_modules", "@libsql")):
		print("libsql: tests/clients/node_modules missing (make clients)")
		print("libsql: 0 passed, 1 failed")
		return 1
	d = harness.Daemon()
	d.start()
	try:
		toks = []
		for _ in range(2):
			r = d.request("POST", "/session", body=b"",
			    headers={"Content-Length": "0"})
			toks.append(r.json()["session"] if r.status in (200, 201)
			    else None)
		env = dict(os.environ, WALKIND_URL=f"http://127.0.0.1:{d.port}",
		    WALKIND_TOKEN=toks[0] or "", WALKIND_TOKEN2=toks[1] or "")
		p = subprocess.run(["node", os.path.join(HERE, "libsql.mjs")],
		    env=env, capture_output=True, text=True, timeout=120)
		sys.stdout.write(p.stdout)
		sys.stderr.write(p.stderr[-4000:])
		ok = "libsql: " in p.stdout and ", 0 failed" in p.stdout
		if "libsql: " not in p.stdout:
			print("libsql: 0 passed, 1 failed")
		return 0 if ok and p.returncode == 0 else 1
	finally:
		d.stop()
		d.cleanup()


if __name__ == "__main__":
	sys.exit(main())
