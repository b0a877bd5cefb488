#!/usr/bin/env python3
"""
run.py: the browser suite. Starts walkind (tests/blackbox/harness.py's
Daemon: loopback, a temp data dir) and runs tests/browser/playground.mjs
in Debian's headless Chromium against it.

    python3 tests/browser/run.py build/walkind [SCREENSHOT_DIR]

The set-up (make check-browser: deploy/apt-install.sh chromium, and
`npm ci` of the pinned playwright-core when node_modules is missing)
must have run; without it the suite fails and says what is missing.
Screenshots go to SCREENSHOT_DIR (default: build/screenshots). Ends with
exactly one line "browser: N passed, M failed"; exit 0 iff M == 0.
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "blackbox"))

import harness  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
NODE_TIMEOUT = 300	# the whole run; a hang fails, it does not block make


def missing():
	if not os.access(CHROMIUM, os.X_OK):
		return "no " + CHROMIUM + " (make check-browser installs Debian's chromium)"
	if shutil.which("node") is None:
		return "no node"
	if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
		return "no tests/browser/node_modules (make check-browser runs npm ci)"
	return None


def main(argv):
	harness.BINARY = os.path.abspath(argv[1])
	shots = os.path.abspath(argv[2] if len(argv) > 2 else
				os.path.join(os.path.dirname(harness.BINARY), "screenshots"))
	why = missing()
	if why:
		print(f"browser: set-up missing: {why}")
		print("browser: 0 passed, 1 failed")
		return 1
	# A small row cap, so a truncated result is quick to make.
	d = harness.Daemon(["--max-rows", "100"])
	tmp = tempfile.mkdtemp(prefix="walkind-browser-")
	rc = 1
	summary = None
	try:
		d.start()
		p = subprocess.run(["node", os.path.join(HERE, "playground.mjs"),
				    f"http://127.0.0.1:{d.port}", shots, tmp],
				   cwd=HERE, env=dict(os.environ, TMPDIR=tmp),
				   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
				   timeout=NODE_TIMEOUT)
		for line in p.stdout.decode("utf-8", "replace").splitlines():
			if line.startswith("browser: ") and " passed, " in line:
				summary = line
			else:
				print(line)
		rc = p.returncode
	except subprocess.TimeoutExpired:
		print(f"FAIL browser: playground.mjs ran past {NODE_TIMEOUT} s")
	finally:
		d.stop()
		d.cleanup()
		shutil.rmtree(tmp, ignore_errors=True)
	for prob in d.problems:
		print(f"FAIL browser/daemon: {prob}")
	if summary is None:
		summary = "browser: 0 passed, 1 failed"
		rc = 1
	elif d.problems:
		n_pass, rest = summary[len("browser: "):].split(" passed, ")
		summary = f"browser: {n_pass} passed, {int(rest.split()[0]) + 1} failed"
		rc = 1
	print(summary)
	return 0 if rc == 0 else 1


if __name__ == "__main__":
	sys.exit(main(sys.argv))
