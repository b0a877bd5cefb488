"""
test_ops.py: the daemon as an operator runs it: SIGHUP (logrotate) and
the create checks' order (issue 15, items 6 and 9).

Each case starts its own daemon, so the group has none.
"""

import os
import signal
import socket
import subprocess
import time

import harness
from harness import Group, check, eq, expect_error, expect_ok, raw_request, wait_until

g = Group("ops", daemon=False)
H = [("Host", "127.0.0.1")]


def stderr_lines(d, word):
	return [ln for ln in d.stderr_text().decode("utf-8", "replace").splitlines()
		if word in ln]


def log_records(d):
	import json
	import test_api
	return [json.loads(ln) for _, ln in test_api.log_lines(d)]


def stop_clean(dm):
	"""Stop dm and fail on what its stop found: processes left behind,
	a sanitizer report (the group has no daemon, so no clean-shutdown
	case of its own)."""
	dm.stop()
	check(not dm.problems, "; ".join(dm.problems))


def fd_count(pid):
	return len(os.listdir(f"/proc/{pid}/fd"))


# ---------------------------------------------------------------- SIGHUP

@g.case
def sighup_reopens_access_log(d):
	"""SIGHUP to every process of the service (as `systemctl kill -s HUP`
	does): nothing exits, the walk-in's executor included, the access log
	is reopened by name, one line says so."""
	dm = harness.Daemon()
	try:
		dm.start()
		tok, _, _ = dm.create("CREATE TABLE t(x)")
		ua = "walkind-test-before-hup"
		expect_ok(dm.sql("INSERT INTO t VALUES(1)", token=tok, headers={"User-Agent": ua}))
		logs = dm.path("logs")
		names = [n for n in os.listdir(logs) if n.startswith("access-")]
		eq(len(names), 1, f"access logs in {logs}")
		os.rename(os.path.join(logs, names[0]), os.path.join(logs, "rotated.1"))
		procs = [dm.proc.pid] + sorted(harness.descendants(dm.proc.pid))
		check(len(procs) >= 3, f"front end, spawner, executor: {procs}")
		for pid in procs:
			os.kill(pid, signal.SIGHUP)
		ua2 = "walkind-test-after-hup"
		wait_until(lambda: stderr_lines(dm, "SIGHUP"), 5.0)
		r = dm.sql("SELECT count(*) FROM t", token=tok, headers={"User-Agent": ua2})
		eq(expect_ok(r)["rows"], [[1]], "rows after SIGHUP")
		check(dm.proc.poll() is None, f"daemon exited on SIGHUP: {dm.stderr_tail()}")
		gone = [p for p in procs if not harness.alive(p)]
		check(not gone, f"processes gone after SIGHUP: {gone}")
		eq(len(stderr_lines(dm, "SIGHUP")), 1, "SIGHUP log lines")
		check(os.path.exists(os.path.join(logs, names[0])),
		      f"no new {names[0]} after SIGHUP: {os.listdir(logs)}")
		with open(os.path.join(logs, names[0]), "rb") as f:
			new = f.read()
		with open(os.path.join(logs, "rotated.1"), "rb") as f:
			old = f.read()
		check(ua2.encode() in new and ua.encode() not in new, "new file's lines")
		check(ua.encode() in old and ua2.encode() not in old, "rotated file's lines")
		stop_clean(dm)
	finally:
		dm.stop()
		dm.cleanup()


# ---------------------------------------------------------------- creates

@g.case
def create_refused_for_capacity_keeps_its_token(d):
	"""--rate-creates 2 --max-instances 1: the node full, creates are 503
	and cost no create token, so they stay 503 (not 429) however many."""
	dm = harness.Daemon(["--rate-creates", "2", "--max-instances", "1"])
	try:
		dm.start()
		dm.create("SELECT 1")
		for i in range(4):
			expect_error(dm.sql("SELECT 1"), 503, "server busy")
		stop_clean(dm)
	finally:
		dm.stop()
		dm.cleanup()
