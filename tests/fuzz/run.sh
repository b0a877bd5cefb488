#!/bin/sh
# Run every libFuzzer harness in $1/fuzz/ for $2 seconds each, one after
# the other, and print the closing line "fuzz: N passed, M failed" with
# the total executions; "long" mode also prints one line per harness
# (executions, time, exec/s, corpus), and a failure always prints its own.
#
# Mode $3: "check" (make check) starts each from the seeds in
# tests/fuzz/corpus/<name>/ with a throw-away working corpus; "long"
# (make fuzz) keeps the working corpus in $1/fuzz/work/<name>/, so runs
# build on each other. The seed directories are only read.
#
# A harness passes when it runs its time without a crash, a sanitizer
# report, a leak, an out-of-memory or an input over the per-input
# timeout. A failure names its reproducer, written to a temp dir that is
# kept (and named) only if something failed; rerun one with
#   UBSAN_OPTIONS=halt_on_error=1 $1/fuzz/fuzz_<name> <reproducer>
# Absolute paths: fuzz_sql changes its working directory at start.
BUILD=$(cd "${1:-build}" && pwd) || exit 1
SECS=${2:-60}
MODE=${3:-check}
here=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
total=0

# Per-harness input size cap and dictionary.
max_len() {
	case $1 in
	http|sql) echo 8192 ;;
	dbimage) echo 65536 ;;
	body) echo 9216 ;;
	token) echo 256 ;;
	jwt) echo 6000 ;;
	grant) echo 600 ;;
	*) echo 4096 ;;
	esac
}
dict() {
	case $1 in
	http) echo "$here/http.dict" ;;
	body|hrana|mcp|jwt) echo "$here/json.dict" ;;
	args) echo "$here/args.dict" ;;
	sql|keyword) echo "$here/sql.dict" ;;
	esac
}

# Print why a run failed and its reproducer.
report_failure() {
	name=$1 log=$2 rc=$3
	what="crash"
	grep -q 'LeakSanitizer' "$log" && what="leak"
	grep -q 'libFuzzer: timeout' "$log" && what="timeout"
	grep -q 'libFuzzer: out-of-memory' "$log" && what="out-of-memory"
	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	cp "$log" "$art/$name.log"
	echo "fuzz_$name: FAILED ($what, exit $rc), reproducer: ${repro:-none}," \
	    "log: $art/$name.log"
	grep -E 'invariant failed|ERROR: |SUMMARY: |runtime error' "$log" |
	    head -5 | sed 's/^/    /'
}

if ! ls "$BUILD"/fuzz/fuzz_* >/dev/null 2>&1; then
	if [ -n "${WALKIND_ASAN:-}" ]; then
		echo "fuzz: the harnesses are sanitizer builds already and run" \
		    "in the plain pass: skipped"
		echo "fuzz: 0 passed, 0 failed"
		exit 0
	fi
	echo "fuzz_*: no harness built in $BUILD/fuzz"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/walkind-fuzz-run.XXXXXX")
art=$(mktemp -d "${TMPDIR:-/tmp}/walkind-fuzz-artifacts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for bin in "$BUILD"/fuzz/fuzz_*; do
	case $bin in *.d) continue ;; esac
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	seeds="$here/corpus/$name"
	if [ "$MODE" = long ]; then
		work="$BUILD/fuzz/work/$name"
	else
		work="$tmp/corpus/$name"
	fi
	mkdir -p "$work" "$tmp/t"
	d=$(dict "$name")
	log="$tmp/$name.log"
	set -- -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	    -max_len="$(max_len "$name")" -print_final_stats=1 \
	    -artifact_prefix="$art/$name-"
	[ -n "$d" ] && [ -f "$d" ] && set -- "$@" -dict="$d"
	[ -d "$seeds" ] || seeds=
	start=$(date +%s)
	TMPDIR="$tmp/t" UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    "$bin" "$@" "$work" $seeds >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ "$rc" -ne 0 ]; then
		report_failure "$name" "$log" "$rc"
		fail=$((fail + 1))
		continue
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log")
	units=$(ls "$work" | wc -l)
	nseeds=0
	[ -n "$seeds" ] && nseeds=$(ls "$seeds" | wc -l)
	[ "$MODE" = long ] && echo "fuzz_$name: ${runs:-0} executions in" \
	    "${secs}s ($(( ${runs:-0} / (secs > 0 ? secs : 1) )) exec/s)," \
	    "$nseeds seeds, corpus now $units units, ok"
	total=$((total + ${runs:-0}))
	pass=$((pass + 1))
done
[ "$fail" -eq 0 ] && rm -rf "$art"
echo "fuzz: $pass passed, $fail failed ($total executions, ${SECS}s each)"
[ "$fail" -eq 0 ]
