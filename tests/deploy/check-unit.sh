#!/bin/sh
# check-unit.sh: the systemd units in deploy/ against systemd itself.
#
#     sh tests/deploy/check-unit.sh [BUILD] [-v]
#
# Checks, each counted once:
#   analyzer   systemd-analyze is installed (Debian 12 always has it)
#   score      systemd-analyze security --offline=yes scores below 1.5
#   verify     systemd-analyze verify is silent on both units (run on
#              copies whose ExecStart is BUILD/walkind: verify insists
#              the binary exists, and /usr/local/bin/walkind does not
#              here); it needs no running systemd, so it works offline
#   syscalls   the effective SystemCallFilter (groups expanded by
#              systemd-analyze, lines applied in order as systemd does)
#              allows every call walkind makes (the list below and every
#              call in sandbox/seccomp.c's allowlists) and refuses the
#              dangerous ones
#   sizes      MemoryMax/TasksMax/LimitFSIZE/LimitNOFILE fit ExecStart's
#              --pool-size, --max-memory, --threads, --max-db-bytes
#   comments   every directive of both units has a comment line above it
#   socket     walkind.socket has exactly one Listen line (walkind takes
#              exactly one fd), a ListenStream, and Accept=no
# Prints "FAIL deploy/<check>: <reason>" per failure ("ok ..." with -v) and
# ends with exactly one line "deploy: N passed, M failed"; exit 0 iff M=0.
set -u
cd "$(dirname "$0")/../.." || exit 1
CHECK_SUITE=deploy
. tests/deploy/checklib.sh
SERVICE=deploy/walkind.service
SOCKET=deploy/walkind.socket
MAX_SCORE=1.5		# issue 3: "OK" or better
MIB=1048576
# Syscalls walkind makes (src/, sandbox/); the unit must not refuse them.
NEEDED="prlimit64 getrlimit landlock_create_ruleset landlock_add_rule
landlock_restrict_self seccomp prctl pidfd_open pidfd_send_signal
close_range socketpair sendmsg recvmsg accept4 fork clone clone3 kill
wait4 epoll_create1 epoll_ctl epoll_wait openat unlinkat mkdirat ftruncate
fsync fdatasync pread64 pwrite64 getrandom statfs fstatfs getdents64
mmap munmap mprotect madvise futex rt_sigaction exit_group setpriority"
# Calls that must stay refused whatever @system-service grows into.
REFUSED="ptrace mount umount2 pivot_root chroot bpf kexec_load init_module
finit_module reboot swapon settimeofday clock_settime setuid setgroups
capset perf_event_open process_vm_readv process_vm_writev userfaultfd
io_uring_setup keyctl sched_setscheduler setrlimit"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT


have_analyze() {
	command -v systemd-analyze >/dev/null 2>&1
}

# Value of the last `Key=` line of unit file $1 (systemd: last one wins).
unit_get() {
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

# Bytes of a size with an optional K/M/G/T suffix (powers of 1024, as in
# systemd and walkind); empty if it is not one.
to_bytes() {
	case $1 in
	*[!0-9KMGT]* | "" | [KMGT]*) echo "" ;;
	*K) echo $((${1%K} * 1024)) ;;
	*M) echo $((${1%M} * MIB)) ;;
	*G) echo $((${1%G} * 1024 * MIB)) ;;
	*T) echo $((${1%T} * 1024 * 1024 * MIB)) ;;
	*) echo "$1" ;;
	esac
}

# Value of walkind option $1 in ExecStart (--opt V or --opt=V), or "".
exec_opt() {
	unit_get "$SERVICE" ExecStart | tr ' ' '\n' |
	    awk -v o="$1" '$0 == o { getline; print; exit }
		index($0, o "=") == 1 { print substr($0, length(o) + 2); exit }'
}

# A default from include/bounds.h (a plain number), or "".
bounds_def() {
	sed -n "s/^#define $1[[:space:]]*\([0-9][0-9]*\)[[:space:]]*.*/\1/p" \
	    include/bounds.h | head -n 1
}

# Syscall names of the groups and names in $@, recursively expanded.
expand() {
	for x in "$@"; do
		case $x in
		@*)
			systemd-analyze --no-pager syscall-filter "$x" |
			    sed 1d | awk 'NF && $1 !~ /^#/ { print $1 }' |
			    while read -r y; do expand "$y"; done
			;;
		*) echo "$x" ;;
		esac
	done
}

# ---- analyzer

if have_analyze; then
	ok analyzer
else
	bad analyzer "systemd-analyze not found: install Debian's systemd" \
	    "package (apt-get install systemd); every Debian 12 system has it"
fi

# ---- score

check_score() {
	out=$tmp/security.out
	if ! have_analyze; then
		bad score "needs systemd-analyze"
		return
	fi
	systemd-analyze security --offline=yes --no-pager "$SERVICE" \
	    >"$out" 2>&1
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
	    "$out" | tail -n 1)
	if [ -z "$score" ]; then
		bad score "no exposure level in: $(tail -n 3 "$out" | tr '\n' ' ')"
		return
	fi
	echo "deploy/score: $SERVICE exposure $score (must be < $MAX_SCORE)"
	if awk -v s="$score" -v m="$MAX_SCORE" 'BEGIN { exit !(s < m) }'; then
		ok score
	else
		bad score "exposure $score is not below $MAX_SCORE: \
$(grep '✗' "$out" | awk '{ print $2 }' | tr '\n' ' ')"
	fi
}
check_score

# ---- verify

check_verify() {
	bin=$(cd "$BUILD" 2>/dev/null && pwd)/walkind
	if ! have_analyze; then
		bad verify "needs systemd-analyze"
		return
	fi
	if [ ! -x "$bin" ]; then
		bad verify "$BUILD/walkind not built (make)"
		return
	fi
	mkdir "$tmp/units"
	sed "s|^ExecStart=/usr/local/bin/walkind|ExecStart=$bin|" "$SERVICE" \
	    >"$tmp/units/walkind.service"
	cp "$SOCKET" "$tmp/units/walkind.socket"
	# Warnings (unknown keys, bad values) come with exit 0: any output
	# at all fails the check.
	(cd "$tmp/units" && systemd-analyze verify --no-pager \
	    ./walkind.service ./walkind.socket) >"$tmp/verify.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/verify.out" ]; then
		ok verify
	else
		bad verify "exit $rc: $(tr '\n' ' ' <"$tmp/verify.out")"
	fi
}
check_verify

# ---- syscalls

check_syscalls() {
	if ! have_analyze; then
		bad syscalls "needs systemd-analyze"
		return
	fi
	first=$(sed -n 's/^SystemCallFilter=//p' "$SERVICE" | head -n 1)
	case $first in
	"" | "~"*)
		bad syscalls "the first SystemCallFilter= must be an allow list"
		return
		;;
	esac
	# systemd puts @default into every allow list (it must exec us).
	expand @default | sort -u >"$tmp/allow"
	sed -n 's/^SystemCallFilter=//p' "$SERVICE" >"$tmp/lines"
	while read -r line; do
		case $line in
		"~"*)
			# shellcheck disable=SC2086
			expand ${line#"~"} | sort -u >"$tmp/set"
			comm -23 "$tmp/allow" "$tmp/set" >"$tmp/next"
			;;
		*)
			# shellcheck disable=SC2086
			expand $line | sort -u >"$tmp/set"
			sort -u "$tmp/allow" "$tmp/set" >"$tmp/next"
			;;
		esac
		mv "$tmp/next" "$tmp/allow"
	done <"$tmp/lines"
	# Every call of walkind's own allowlists (sandbox/seccomp.c rules
	# SC_ALLOW*(name, ...)): filters stack and the unit's EPERM wins.
	own=""
	if [ -f sandbox/seccomp.c ]; then
		own=$(grep -o 'SC_ALLOW[0-9]*([a-z0-9_]*' sandbox/seccomp.c |
		    sed 's/.*(//' | grep -v '^sys$' | sort -u)
		if [ -z "$own" ]; then
			bad syscalls "no SC_ALLOW*(name, ...) rules found in" \
			    "sandbox/seccomp.c: update this check"
			return
		fi
	fi
	missing=""
	for s in $NEEDED $own; do
		grep -qx "$s" "$tmp/allow" || missing="$missing $s"
	done
	allowed=""
	for s in $REFUSED; do
		grep -qx "$s" "$tmp/allow" && allowed="$allowed $s"
	done
	if [ -z "$missing" ] && [ -z "$allowed" ]; then
		ok syscalls
	else
		bad syscalls "refuses what walkind needs:${missing:- none};" \
		    "allows what it must refuse:${allowed:- none}"
	fi
}
check_syscalls

# ---- sizes

check_sizes() {
	pool=$(exec_opt --pool-size)
	mem=$(to_bytes "$(exec_opt --max-memory)")
	threads=$(exec_opt --threads)
	db=$(to_bytes "$(exec_opt --max-db-bytes)")
	[ -n "$threads" ] || threads=$(bounds_def BOUNDS_DEF_THREADS)
	[ -n "$db" ] || db=$(bounds_def BOUNDS_DEF_MAX_DB_BYTES)
	mmax=$(to_bytes "$(unit_get "$SERVICE" MemoryMax)")
	tmax=$(unit_get "$SERVICE" TasksMax)
	fsize=$(to_bytes "$(unit_get "$SERVICE" LimitFSIZE)")
	nofile=$(unit_get "$SERVICE" LimitNOFILE)
	for v in pool mem threads db mmax tmax fsize nofile; do
		eval "x=\$$v"
		case $x in
		"" | *[!0-9]*)
			bad sizes "cannot read $v (ExecStart must spell" \
			    "--pool-size and --max-memory; limits plain sizes)"
			return
			;;
		esac
	done
	err=""
	# Executors' address space plus 512M for front end and spawner.
	need=$((pool * mem + 512 * MIB))
	[ "$mmax" -ge "$need" ] || err="$err MemoryMax $mmax < $need;"
	# One task per executor and SQLite helper thread, plus two.
	need=$((pool * (1 + threads) + 2))
	[ "$tmax" -ge "$need" ] || err="$err TasksMax $tmax < $need;"
	# sandbox/rlimit.c: executor RLIMIT_FSIZE = 2 * max-db-bytes + 1M,
	# and it may only lower the unit's limit; 2049M covers the largest
	# --max-db-bytes (1G) and leaves the access log its room.
	need=$((2 * db + MIB))
	[ "$need" -ge $((2049 * MIB)) ] || need=$((2049 * MIB))
	[ "$fsize" -ge "$need" ] || err="$err LimitFSIZE $fsize < $need;"
	# 4096 connections, socket + pidfd per executor, 64 for the rest.
	need=$((4096 + 2 * pool + 64))
	[ "$nofile" -ge "$need" ] || err="$err LimitNOFILE $nofile < $need;"
	if [ -z "$err" ]; then
		ok sizes
	else
		bad sizes "$err"
	fi
}
check_sizes

# ---- comments

check_comments() {
	out=$(for f in "$SERVICE" "$SOCKET"; do
		awk -v f="$f" '/^[A-Za-z]+=/ && prev !~ /^#/ {
			print f ":" NR ": " $0 }
		NF { prev = $0 }' "$f"
	done)
	if [ -z "$out" ]; then
		ok comments
	else
		bad comments "directives without a comment: $(echo "$out" |
		    tr '\n' ' ')"
	fi
}
check_comments

# ---- socket

check_socket() {
	n=$(grep -c '^Listen[A-Za-z]*=' "$SOCKET")
	if [ "$n" -ne 1 ]; then
		bad socket "$n Listen lines; walkind takes exactly one socket"
	elif ! grep -q '^ListenStream=' "$SOCKET"; then
		bad socket "no ListenStream= (walkind needs a TCP stream socket)"
	elif [ "$(unit_get "$SOCKET" Accept)" != "no" ]; then
		bad socket "Accept= must be no (one walkind for all connections)"
	else
		ok socket
	fi
}
check_socket

checklib_end
