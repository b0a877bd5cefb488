# checklib.sh: what the tests/deploy/check-*.sh scripts share, sourced
# from the repository's top (each script cd's there first):
#
#   CHECK_SUITE=name
#   . tests/deploy/checklib.sh
#
# reads the script's arguments (a build dir, default build; -v: dash's
# "." passes none of its own, so the caller's are read), and defines
# ok CHECK and bad CHECK REASON... ("FAIL SUITE/CHECK: REASON" per
# failure, "ok   SUITE/CHECK" with -v) and checklib_end, which prints the
# one last line "SUITE: N passed, M failed" and returns 0 iff M = 0.
BUILD=build
VERBOSE=0
for a in "$@"; do
	case $a in
	-v) VERBOSE=1 ;;
	*) BUILD=$a ;;
	esac
done
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	[ "$VERBOSE" -eq 1 ] && echo "ok   $CHECK_SUITE/$1"
	return 0
}

# bad CHECK REASON...: the reason words are joined with spaces.
bad() {
	c=$1
	shift
	fail=$((fail + 1))
	echo "FAIL $CHECK_SUITE/$c: $*"
}

checklib_end() {
	echo "$CHECK_SUITE: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
