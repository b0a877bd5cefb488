#!/usr/bin/env python3
"""
run.py: the MCP SDK suite.

    python3 tests/mcp-client/run.py build/walkind

Starts walkind (tests/blackbox/harness.py's Daemon: loopback, temp data
dir, rate limits off), runs mcp-test.mjs against it with Node and the
pinned @modelcontextprotocol/sdk (setup.sh installs it from the lock file
when node_modules is missing), checks the daemon stops cleanly, and
prints "mcp: N passed, M failed". Exit 0 iff M == 0.
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "blackbox"))

import harness  # noqa: E402

NODE_TIMEOUT = 120


def main(argv):
	harness.BINARY = os.path.abspath(argv[1] if len(argv) > 1 else "build/walkind")
	passed = failed = 0
	if subprocess.run(["sh", os.path.join(HERE, "setup.sh")]).returncode != 0:
		print("FAIL mcp/setup: the pinned MCP SDK could not be installed")
		print("mcp: 0 passed, 1 failed")
		return 1
	d = harness.Daemon()
	try:
		d.start()
		p = subprocess.run(["node", os.path.join(HERE, "mcp-test.mjs"),
				    f"http://127.0.0.1:{d.port}"], cwd=HERE,
				   capture_output=True, text=True, timeout=NODE_TIMEOUT)
		for ln in p.stdout.splitlines():
			if ln.startswith("FAIL"):
				print(ln)
		m = re.search(r"^mcp-sdk: (\d+) passed, (\d+) failed$", p.stdout, re.M)
		if m:
			passed, failed = int(m.group(1)), int(m.group(2))
		if not m or p.returncode != (1 if failed else 0):
			print(f"FAIL mcp/node: exit {p.returncode}: {p.stderr[-600:]}")
			failed += 1
	finally:
		d.stop()
		d.cleanup()	# the temp data dir and stderr dir
	if d.problems:
		print("FAIL mcp/clean-shutdown: " + "; ".join(d.problems))
		failed += 1
	else:
		passed += 1
	print(f"mcp: {passed} passed, {failed} failed")
	return 0 if failed == 0 else 1


if __name__ == "__main__":
	sys.exit(main(sys.argv))
