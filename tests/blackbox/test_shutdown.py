"""
test_shutdown.py: graceful SIGTERM (issue 16 item 3, frontend.c
drain_start, BOUNDS_SHUTDOWN_GRACE_MS).

A CPU-bound recursive CTE, well within --query-timeout-ms and sized to
run about 2.5 s on this machine as it is now (a 1M-row run is timed
first: a loaded box is several times slower), is in flight
when SIGTERM arrives: it still gets its 200 with the whole result, a new
connection made after SIGTERM is refused (the listening socket is
closed at once), and the daemon then exits 0 with no process left.
"""

import errno
import signal
import socket
import subprocess
import threading
import time

import harness
from harness import Group, check, eq

g = Group("shutdown", daemon=False)

CAL = 1000000		# rows of the timing run
TARGET_S = 2.5		# well past the refusal check, well under the 8 s grace


def slow_sql(n):
	return ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
		f"WHERE x < {n}) SELECT count(*) AS n FROM c")


def refused(port):
	try:
		socket.create_connection(("127.0.0.1", port), timeout=2).close()
		return False
	except OSError as e:
		return e.errno == errno.ECONNREFUSED


@g.case
def sigterm_lets_a_running_request_finish(d):
	dm = harness.Daemon(["--query-timeout-ms", "60000"])
	try:
		dm.start()
		tok, _, _ = dm.create("CREATE TABLE t(x)")
		t0 = time.monotonic()
		harness.expect_ok(dm.sql(slow_sql(CAL), token=tok, timeout=60))
		per_row = max(time.monotonic() - t0, 0.01) / CAL
		N = min(max(int(TARGET_S / per_row), 2 * CAL), 60 * CAL)
		out = {}

		def slow():
			try:
				out["r"] = dm.sql(slow_sql(N), token=tok, timeout=60)
			except OSError as e:
				out["err"] = e
		t = threading.Thread(target=slow, daemon=True)
		t.start()
		time.sleep(0.5)		# the request reaches its executor
		check(t.is_alive(), "the slow request finished before SIGTERM: "
		      "raise TARGET_S")
		dm.proc.send_signal(signal.SIGTERM)
		check(harness.wait_until(lambda: refused(dm.port), 5.0),
		      "a new connection after SIGTERM was not refused")
		was_running = t.is_alive()
		t.join(60)
		check("err" not in out, f"slow request: {out.get('err')!r}")
		r = out["r"]
		eq(r.status, 200, f"slow request status ({r.body[:200]!r})")
		eq(r.json()["rows"], [[N]], "slow request's result")
		check(was_running, "the connection was refused only after the slow "
		      "request had finished: not proven during the drain")
		proc = dm.proc
		# It exits by itself once the drain is over; stop() now would
		# be a second SIGTERM, which ends it at once (and once its loop
		# has stopped, by the signal's default action).
		try:
			proc.wait(harness.STOP_WAIT)
		except subprocess.TimeoutExpired:
			pass
		dm.stop()
		check(not dm.problems, "; ".join(dm.problems))
		eq(proc.returncode, 0, "exit code")
	finally:
		dm.cleanup()
