#!/bin/sh
# check-hardening.sh: the linker's hardening of BUILD/walkind, read back
# from the binary itself (issue 15: a Makefile ordering bug dropped
# `-z relro -z now` for months and nothing noticed).
#
#     sh tests/deploy/check-hardening.sh [BUILD] [-v]
#
# Checks, each counted once:
#   readelf   binutils' readelf is installed (build-essential has it)
#   relro     a GNU_RELRO program header: the GOT and other relocated
#             data are made read-only after start-up
#   now       BIND_NOW (DT_FLAGS BIND_NOW or DT_FLAGS_1 NOW): every symbol
#             is resolved at start-up, so with RELRO the whole GOT is
#             read-only ("full RELRO"); without it the lazy-binding part
#             stays writable, a classic target for a write primitive
#   pie       a position-independent executable (DT_FLAGS_1 PIE): the
#             image moves with ASLR
#   nx-stack  the GNU_STACK header is not executable
# Prints "FAIL hardening/<check>: <reason>" per failure ("ok ..." with
# -v) and ends with exactly one line "hardening: N passed, M failed";
# exit 0 iff M=0.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=build
VERBOSE=0
for a in "$@"; do
	case $a in
	-v) VERBOSE=1 ;;
	*) BUILD=$a ;;
	esac
done
BIN=$BUILD/walkind
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	[ "$VERBOSE" -eq 1 ] && echo "ok   hardening/$1"
	return 0
}

bad() {
	c=$1
	shift
	fail=$((fail + 1))
	echo "FAIL hardening/$c: $*"
}

if ! command -v readelf >/dev/null 2>&1; then
	bad readelf "readelf not found (apt-get install binutils)"
	echo "hardening: $pass passed, $fail failed"
	exit 1
fi
ok readelf
if [ ! -x "$BIN" ]; then
	bad relro "$BIN not built (make)"
	echo "hardening: $pass passed, $fail failed"
	exit 1
fi
dyn=$(readelf -d "$BIN" 2>&1)
phdr=$(readelf -W -l "$BIN" 2>&1)

if echo "$phdr" | grep -q 'GNU_RELRO'; then
	ok relro
else
	bad relro "$BIN has no GNU_RELRO segment (link with -Wl,-z,relro)"
fi

if echo "$dyn" | grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*[[:space:]]NOW'; then
	ok now
else
	bad now "$BIN has no BIND_NOW: only partial RELRO" \
	    "(link with -Wl,-z,now; see LDHARDEN in the Makefile)"
fi

if echo "$dyn" | grep -Eq '\(FLAGS_1\).*[[:space:]]PIE'; then
	ok pie
else
	bad pie "$BIN is not a PIE (link with -pie)"
fi

stack=$(echo "$phdr" | grep 'GNU_STACK')
case $stack in
"")
	bad nx-stack "$BIN has no GNU_STACK header (the stack defaults to executable)" ;;
*RWE*)
	bad nx-stack "$BIN has an executable stack: $stack" ;;
*)
	ok nx-stack ;;
esac

echo "hardening: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
