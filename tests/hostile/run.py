#!/usr/bin/env python3
"""
run.py: walkind's hostile-input suite (issue 4, item 1).

    python3 tests/hostile/run.py build/walkind [-k SUBSTRING] [-v]

Attacks the real daemon, one data-driven case per entry, grouped by
category (one daemon per group, groups in parallel): filesystem escape,
native code and configuration tampering, disk, CPU and memory bombs,
cross-tenant tokens, HTTP abuse and malformed JSON. Every case asserts the
exact status and error of README's table and that the service still
answers a normal request afterwards (hostile.HGroup). Uses
tests/blackbox's harness and runner; the last line is exactly
"hostile: N passed, M failed". Exit 0 iff M == 0.
"""

import importlib
import os
import resource
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BLACKBOX = os.path.join(os.path.dirname(HERE), "blackbox")
sys.path.insert(0, HERE)
sys.path.insert(1, BLACKBOX)

import harness  # noqa: E402
import hostile  # noqa: E402

bbrun = harness.blackbox_runner()

# Slow modules first: their groups wait out server-side deadlines (10 s
# request timeout, write stall, TTL) while the quick ones run beside them.
MODULES = ("http_abuse", "tenant", "cpu_bombs", "mem_bombs", "disk_bombs", "fs_escape",
	   "native", "json_bodies", "mcp_rpc", "hrana_wire", "datasets")
for _m in MODULES:
	importlib.import_module(_m)

# The connection-cap case holds 4096 sockets, and the daemons inherit
# this limit (they need the same many).
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if _soft < min(_hard, 8192):
	resource.setrlimit(resource.RLIMIT_NOFILE, (min(_hard, 8192), _hard))

# Most time is spent waiting, not computing: more groups than the
# black-box suite's 3 at once keep the total short on 2 cores.
bbrun.WORKERS = 5


def our_groups():
	gs = [g for g in harness.GROUPS if g.cases and isinstance(g, hostile.HGroup)]
	return sorted(gs, key=lambda g: -getattr(g, "slow", 0))


if __name__ == "__main__":
	try:
		rc = bbrun.main(sys.argv, suite="hostile", groups=our_groups())
	finally:
		hostile.cleanup_out()
	sys.exit(rc)
