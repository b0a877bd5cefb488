#!/usr/bin/env python3
"""
run.py: walkind's sandbox suite (issue 3, "Proof, in make check").

    python3 tests/sandbox/run.py build/walkind [-k SUBSTRING] [-v]

Black-box cases about the jail: what /proc shows of each process, the
executor's rlimits, executors killed mid-write (SIGSYS, the death a seccomp
violation causes, and SIGKILL), the deadline kill during a write, the
/healthz sandbox field, and an executor's lockdown order and hostile hot
journals (test_order.py). Uses tests/blackbox's harness and runner: each group
against its own daemon, one line per failure, and exactly one closing line
"sandbox: N passed, M failed". Exit 0 iff M == 0.
"""

import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BLACKBOX = os.path.join(os.path.dirname(HERE), "blackbox")
sys.path.insert(0, HERE)
sys.path.insert(1, BLACKBOX)

import harness  # noqa: E402

bbrun = harness.blackbox_runner()

# This suite's modules. They may import black-box modules for helpers, which
# registers those modules' groups too: run only groups whose cases are ours.
MODULES = ("test_procs", "test_order")
for _m in MODULES:
	importlib.import_module(_m)


# Groups that prove the jail itself; sanitizer builds have none
# (sandbox/sandbox.c). The kill and deadline groups apply to every build.
JAIL_GROUPS = ("procs", "rlimits", "insecure", "exec-order", "hostile-journal")


def our_groups():
	return [g for g in harness.GROUPS
		if g.cases and all(fn.__module__ in MODULES for _, fn in g.cases)]


def applicable(groups, binary):
	"""groups less the jail's in a sanitizer build, saying so."""
	if not os.access(binary, os.R_OK) or not harness.sanitizer_build(binary):
		return groups
	skip = [g for g in groups if g.name in JAIL_GROUPS]
	print(f"sandbox: sanitizer build, the jail is off by design: skipped "
	      f"{sum(len(g.cases) for g in skip)} cases of groups "
	      f"{', '.join(g.name for g in skip)}")
	return [g for g in groups if g.name not in JAIL_GROUPS]


if __name__ == "__main__":
	bins = [a for a in sys.argv[1:] if not a.startswith("-")]
	groups = our_groups()
	if bins:
		groups = applicable(groups, bins[0])
	sys.exit(bbrun.main(sys.argv, suite="sandbox", groups=groups))
