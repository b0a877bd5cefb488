#!/bin/sh
# Run every suite against the binaries in build dir $1 and print one
# closing line "N passed, N failed" summing all suites. Each suite ends
# with its own line "<suite>: N passed, M failed".
BUILD=${1:-build}
SUITES="unit jail blackbox sandbox hostile libsql mcp deploy hardening fuzz soak faults leak browser"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
sh tests/run-unit.sh "$BUILD"/tests/test_* 2>&1 | tee -a "$log" || rc=1
SUITE=jail sh tests/run-unit.sh "$BUILD"/tests/sandbox/test_* 2>&1 |
    tee -a "$log" || rc=1
python3 tests/blackbox/run.py "$BUILD/walkind" 2>&1 | tee -a "$log" || rc=1
python3 tests/sandbox/run.py "$BUILD/walkind" 2>&1 | tee -a "$log" || rc=1
python3 tests/hostile/run.py "$BUILD/walkind" 2>&1 | tee -a "$log" || rc=1
python3 tests/clients/run.py "$BUILD/walkind" 2>&1 | tee -a "$log" || rc=1
python3 tests/mcp-client/run.py "$BUILD/walkind" 2>&1 | tee -a "$log" || rc=1
sh tests/deploy/check-unit.sh "$BUILD" 2>&1 | tee -a "$log" || rc=1
sh tests/deploy/check-hardening.sh "$BUILD" 2>&1 | tee -a "$log" || rc=1
sh tests/fuzz/run.sh "$BUILD" "${FUZZ_CHECK_SECONDS:-8}" check 2>&1 |
    tee -a "$log" || rc=1
python3 tests/soak/soak.py "$BUILD/walkind" --seconds "${SOAK_CHECK_SECONDS:-20}" 2>&1 |
    tee -a "$log" || rc=1
python3 tests/faults/run.py "$BUILD/walkind" 2>&1 | tee -a "$log" || rc=1
python3 tests/soak/leak.py "$BUILD/walkind" 2>&1 | tee -a "$log" || rc=1
python3 tests/browser/run.py "$BUILD/walkind" "$BUILD/screenshots" 2>&1 |
    tee -a "$log" || rc=1
# tee hides the exit codes: a suite failed if its summary says so or is missing.
for s in $SUITES; do
	grep -q "^$s: [0-9]* passed, 0 failed" "$log" || rc=1
done
re=$(echo "$SUITES" | sed 's/ /\\|/g')
total_p=$(sed -n "s/^\($re\): \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p" "$log" | awk '{s+=$1} END {print s+0}')
total_f=$(sed -n "s/^\($re\): \([0-9]*\) passed, \([0-9]*\) failed.*/\3/p" "$log" | awk '{s+=$1} END {print s+0}')
[ "$rc" -ne 0 ] && [ "$total_f" -eq 0 ] && total_f=1
echo "$total_p passed, $total_f failed"
exit $rc
