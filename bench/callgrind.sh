#!/bin/sh
# callgrind.sh: instructions per call of each hot-path step, from
# BUILD/bench-hotpath under valgrind --tool=callgrind (docs/PERFORMANCE.md).
# Instruction counts do not depend on the machine's load, so they are the
# before/after measure of a code change. Usage: sh bench/callgrind.sh [BUILD] [N]
set -eu
BUILD=${1:-build}
N=${2:-2000}
command -v valgrind >/dev/null || {
	echo "callgrind.sh: valgrind missing (apt-get install valgrind)" >&2
	exit 1
}
tmp=$(mktemp -d /tmp/walkind-callgrind-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf '%-18s %12s\n' "step" "instr/call"
for fn in hot_json_parse hot_keyword hot_token_verify hot_registry_find \
    hot_accesslog hot_exec_point hot_exec_one hot_mint hot_open; do
	case $fn in
	hot_exec_point) sym=hot_exec; pick=1 ;;
	hot_exec_one) sym=hot_exec; pick=2 ;;
	*) sym=$fn; pick=0 ;;
	esac
	# hot_exec runs three times (setup, point, SELECT 1): --dump-after
	# writes one part per call, and the part is chosen by its position.
	valgrind --tool=callgrind --collect-atstart=no --toggle-collect=$sym \
	    --dump-after=$sym --callgrind-out-file="$tmp/out.$fn" \
	    "$BUILD/bench-hotpath" "$N" "$tmp" >/dev/null 2>"$tmp/vg.$fn"
	rm -rf "$tmp/secrets" "$tmp/logs" "$tmp/db.sqlite"
	files=$(ls "$tmp"/out.$fn.* 2>/dev/null | sort -t. -k3 -n)
	if [ "$pick" -gt 0 ]; then
		f=$(echo "$files" | sed -n "$((pick + 1))p")
	else
		f=$(echo "$files" | tail -1)
	fi
	ir=$(sed -n 's/^summary: *//p; s/^totals: *//p' "$f" | head -1)
	calls=$N
	[ "$fn" = hot_open ] && calls=$((N / 10))
	printf '%-18s %12d\n' "${fn#hot_}" $((ir / calls))
done
