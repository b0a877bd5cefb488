#!/usr/bin/env python3
"""
run.py: walkind's fault suite (issue 4, item 5).

    python3 tests/faults/run.py build/walkind [-k SUBSTRING] [-v]

kill -9 of an executor, the spawner and the whole daemon at random points
of writes, a full disk (a small tmpfs as the data dir), a key file missing
or unusable, a data dir that cannot be used (tests/faults/test_faults.py).
Uses tests/blackbox's harness and runner: one line per failure, and exactly
one closing line "faults: N passed, M failed". Exit 0 iff M == 0. Needs
root (tmpfs and bind mounts); where tmpfs cannot be mounted the disk-full
group is skipped, and the reason printed.
"""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BLACKBOX = os.path.join(os.path.dirname(HERE), "blackbox")
sys.path.insert(0, HERE)
sys.path.insert(1, BLACKBOX)

import harness  # noqa: E402

_spec = importlib.util.spec_from_file_location("blackbox_run", os.path.join(BLACKBOX, "run.py"))
bbrun = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bbrun)

import test_faults  # noqa: E402


def our_groups():
	groups = [g for g in harness.GROUPS
		  if g.cases and all(fn.__module__ == "test_faults" for _, fn in g.cases)]
	why = test_faults.tmpfs_works()
	if why is not None:
		skip = [g for g in groups if g.name == test_faults.disk.name]
		print(f"faults: skipped {sum(len(g.cases) for g in skip)} disk-full cases: {why}")
		groups = [g for g in groups if g not in skip]
	return groups


if __name__ == "__main__":
	sys.exit(bbrun.main(sys.argv, suite="faults", groups=our_groups()))
