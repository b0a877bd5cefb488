#!/bin/sh
# Run unit-style test binaries; print each summary and a total line
# "${SUITE:-unit}: N passed, M failed".
pass=0; fail=0; rc=0
for t in "$@"; do
	case $t in *.d) continue ;; esac
	[ -f "$t" ] && [ -x "$t" ] || continue
	out=$("$t") || rc=1
	echo "$out"
	p=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -1)
	[ -n "$p" ] || { echo "$t: no summary (crashed?)"; rc=1; f=1; p=0; }
	pass=$((pass + p)); fail=$((fail + f))
done
echo "${SUITE:-unit}: $pass passed, $fail failed"
exit $rc
