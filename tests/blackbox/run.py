#!/usr/bin/env python3
"""
run.py: walkind's black-box suite.

    python3 tests/blackbox/run.py build/walkind [-k SUBSTRING] [-v]

Runs every case of every group (each group against its own daemon, groups
in parallel), prints one line per failure (and per pass with -v), and ends
with exactly one line "blackbox: N passed, M failed". Exit 0 iff M == 0.

Other suites (tests/sandbox/run.py) import this file and call
main(argv, suite, groups) with their own groups.
"""

import concurrent.futures
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402

WORKERS = 3


def run_case(d, gname, name, fn):
	t0 = time.time()
	try:
		fn(d)
		return (f"{gname}/{name}", True, "", time.time() - t0)
	except AssertionError as e:
		return (f"{gname}/{name}", False, str(e), time.time() - t0)
	except Exception as e:  # a crash of the test itself, or a socket error
		tb = traceback.extract_tb(e.__traceback__)
		where = f"{os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else "?"
		return (f"{gname}/{name}", False, f"{type(e).__name__}: {e} (at {where})",
			time.time() - t0)


def run_group(g, cases):
	"""Returns a list of (name, ok, message, seconds)."""
	out = []
	d = None
	try:
		if g.daemon:
			d = harness.Daemon(g.opts, defaults=g.defaults)
			try:
				d.start()
			except AssertionError as e:
				return [(f"{g.name}/{n}", False, f"daemon did not start: {e}", 0.0)
					for n, _ in cases]
		for name, fn in cases:
			if d is not None and d.proc is not None and d.proc.poll() is not None:
				d.errf.close()
				d.proc = None
			if d is not None and d.proc is None:
				try:
					d.start()
				except AssertionError as e:
					out.append((f"{g.name}/{name}", False,
						    f"daemon did not restart: {e}", 0.0))
					continue
			res = run_case(d, g.name, name, fn)
			if d is not None and d.proc is not None and d.proc.poll() is not None:
				# the daemon died during this case: say so, restart for the next
				rc = d.proc.returncode
				msg = (f"daemon exited ({rc}) during this case; stderr: "
				       f"{d.stderr_tail(300)}")
				res = (res[0], False, (res[2] + "; " if res[2] else "") + msg, res[3])
				d.errf.close()
				d.proc = None
			out.append(res)
		if d is not None:
			t0 = time.time()
			d.stop()
			out.append((f"{g.name}/clean-shutdown", not d.problems,
				    "; ".join(d.problems), time.time() - t0))
	finally:
		if d is not None:
			d.cleanup()
	return out


def main(argv, suite="blackbox", groups=None):
	"""Run groups (default: every registered one); the last line printed is
	"<suite>: N passed, M failed"."""
	if groups is None:
		groups = harness.GROUPS
	args = [a for a in argv[1:] if not a.startswith("-")]
	verbose = "-v" in argv
	filt = None
	if "-k" in argv:
		filt = argv[argv.index("-k") + 1]
		args = [a for a in args if a != filt]
	if len(args) != 1:
		print("usage: run.py path/to/walkind [-k SUBSTRING] [-v]", file=sys.stderr)
		print(f"{suite}: 0 passed, 1 failed")
		return 2
	harness.BINARY = os.path.abspath(args[0])
	if not os.access(harness.BINARY, os.X_OK):
		print(f"FAIL {harness.BINARY}: not an executable")
		print(f"{suite}: 0 passed, 1 failed")
		return 1
	todo = []
	for g in groups:
		cases = [(n, f) for n, f in g.cases
			 if filt is None or filt in f"{g.name}/{n}"]
		if cases:
			todo.append((g, cases))
	passed = failed = 0
	t0 = time.time()
	with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
		futs = [ex.submit(run_group, g, c) for g, c in todo]
		for f in futs:
			for name, ok, msg, secs in f.result():
				if ok:
					passed += 1
					if verbose:
						print(f"ok   {name} ({secs:.1f} s)")
				else:
					failed += 1
					msg = " | ".join(x for x in str(msg).splitlines() if x.strip())
					print(f"FAIL {name}: {msg}")
			sys.stdout.flush()
	if verbose:
		print(f"({time.time() - t0:.1f} s)")
	print(f"{suite}: {passed} passed, {failed} failed")
	return 0 if failed == 0 else 1


if __name__ == "__main__":
	# Importing a module registers its groups, in this order.
	import test_lifecycle  # noqa: F401
	import test_http  # noqa: F401
	import test_api  # noqa: F401
	import test_policy  # noqa: F401
	import test_limits  # noqa: F401
	import test_cli  # noqa: F401
	import test_args  # noqa: F401
	import test_session  # noqa: F401
	import test_deploy  # noqa: F401
	import test_ops  # noqa: F401
	import test_hrana  # noqa: F401
	import test_mcp  # noqa: F401
	import test_share  # noqa: F401
	import test_burst  # noqa: F401
	sys.exit(main(sys.argv))
