"""
test_cli.py: the command line: --help, --version, and bad option values
that must fail at startup with one line on stderr naming the option.
"""

import os
import shutil
import subprocess
import tempfile

import harness
from harness import Group, check, eq

g = Group("cli", daemon=False)

OPTIONS = ["--listen", "--data-dir", "--ttl", "--max-db-bytes", "--max-body-bytes",
	   "--query-timeout-ms", "--max-rows", "--max-result-bytes", "--rate-requests",
	   "--rate-creates", "--max-instances-per-ip", "--max-instances", "--pool-size",
	   "--idle-timeout-ms", "--max-memory", "--threads", "--cors-origin", "--user",
	   "--dump-policy", "--insecure-no-sandbox", "--version", "--help"]


def run(args, timeout=5):
	tmp = tempfile.mkdtemp(prefix="walkind-bb-cli-")
	try:
		argv = [harness.BINARY, "--data-dir", tmp, "--listen",
			f"127.0.0.1:{harness.free_port()}"] + args
		try:
			p = subprocess.run(argv, capture_output=True, timeout=timeout,
					   stdin=subprocess.DEVNULL)
		except subprocess.TimeoutExpired:
			left = harness.pgrep(tmp)
			for pid in left:
				os.kill(pid, 9)
			raise AssertionError(f"{args}: still running after {timeout} s "
					     "(started despite a bad option?)")
		return p
	finally:
		shutil.rmtree(tmp, ignore_errors=True)


@g.case
def help_lists_every_option(d):
	p = run(["--help"])
	eq(p.returncode, 0, "--help exit code")
	text = (p.stdout + p.stderr).decode("utf-8", "replace")
	missing = [o for o in OPTIONS if o not in text]
	check(not missing, f"--help does not mention {missing}")


@g.case
def version(d):
	p = run(["--version"])
	eq(p.returncode, 0, "--version exit code")
	out = p.stdout.decode("utf-8", "replace").strip()
	check(out and "walkind" in out.lower() and any(c.isdigit() for c in out),
	      f"--version printed {out!r}")


BAD = [
	# args, the option the message must name
	(["--ttl", "abc"], "--ttl"),
	(["--ttl", "-5"], "--ttl"),
	(["--ttl", "10x"], "--ttl"),
	(["--ttl", ""], "--ttl"),
	(["--ttl", "99999999999999999999999"], "--ttl"),
	(["--max-db-bytes", "12k3"], "--max-db-bytes"),
	(["--max-body-bytes", "-1"], "--max-body-bytes"),
	(["--query-timeout-ms", "soon"], "--query-timeout-ms"),
	(["--max-rows", "1.5"], "--max-rows"),
	(["--max-result-bytes", "-3"], "--max-result-bytes"),
	(["--rate-requests", "x"], "--rate-requests"),
	(["--rate-creates", "-1"], "--rate-creates"),
	(["--max-instances-per-ip", "many"], "--max-instances-per-ip"),
	(["--max-instances", "-2"], "--max-instances"),
	(["--pool-size", "-1"], "--pool-size"),
	(["--idle-timeout-ms", "z"], "--idle-timeout-ms"),
	(["--max-memory", "-1"], "--max-memory"),
	(["--threads", "999"], "--threads"),
	(["--threads", "-1"], "--threads"),
	(["--listen", "127.0.0.1"], "--listen"),
	(["--listen", "127.0.0.1:99999"], "--listen"),
	(["--listen", "127.0.0.1:-1"], "--listen"),
	(["--cors-origin", "https://a.example\r\nX-Evil: 1"], "--cors-origin"),
	(["--ttl"], "--ttl"),
	(["--no-such-option"], "--no-such-option"),
	(["--user", "bad name"], "--user"),
	(["--user", "-rf"], "--user"),
	(["--user", "x" * 32], "--user"),
	# Environment, not syntax: one line, exit 1 (the suite runs as root).
	(["--user", "walkind-no-such-user"], "walkind-no-such-user"),
	(["--user", "root"], "--user root"),
]


def bad_case(args, opt):
	def f(d):
		p = run(args)
		check(p.returncode != 0, f"{args}: exit code 0")
		err = p.stderr.decode("utf-8", "replace").strip()
		lines = err.splitlines()
		check(len(lines) == 1, f"{args}: expected one stderr line, got {lines!r}")
		check(opt in lines[0], f"{args}: stderr {lines[0]!r} does not name {opt}")
	return f


for _a, _o in BAD:
	g.add(f"bad {' '.join(_a)!r}", bad_case(_a, _o))


@g.case
def dump_policy(d):
	p = run(["--dump-policy"])
	eq(p.returncode, 0, "--dump-policy exit code")
	out = p.stdout.decode("utf-8", "replace")
	for want in ("== front end", "== spawner", "== executor", "landlock (ABI",
		     "allow DATA/instances/<expires>/<id>/: write_file,read_file,remove_file,make_reg,truncate",
		     "seccomp: default kill_process", "pseudo filter code start",
		     "rlimits: AS"):
		check(want in out, f"--dump-policy output lacks {want!r}")
	# the executor's table: no network, no exec, no fork
	ex = out[out.index("== executor"):]
	table = ex[:ex.index("seccomp_export_pfc")]
	for call in ("socket ", "connect ", "execve ", "ptrace "):
		check(f"\n  {call}" not in table, f"executor allowlist has {call.strip()}")


@g.case
def runs_as_service_user(d):
	"""Started as root, every process is the service user, which owns DATA."""
	import pwd
	if os.geteuid() != 0:
		return
	uid = pwd.getpwnam("walkind").pw_uid
	dm = harness.Daemon()
	try:
		dm.start()
		dm.create("CREATE TABLE t(x)")
		pids = list(harness.descendants(dm.proc.pid)) + [dm.proc.pid]
		for pid in pids:
			with open(f"/proc/{pid}/status") as f:
				uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
			check(all(int(u) == uid for u in uids), f"pid {pid} uids {uids}")
		check(len(pids) >= 3, f"expected front end, spawner, executor: {pids}")
		for root, dirs, files in os.walk(dm.data):
			for n in dirs + files:
				st = os.lstat(os.path.join(root, n))
				check(st.st_uid == uid, f"{n} owned by uid {st.st_uid}")
	finally:
		dm.cleanup()
