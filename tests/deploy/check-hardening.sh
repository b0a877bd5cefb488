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
CHECK_SUITE=hardening
. tests/deploy/checklib.sh
BIN=$BUILD/walkind

if ! command -v readelf >/dev/null 2>&1; then
	bad readelf "readelf not found (apt-get install binutils)"
	checklib_end
	exit 1
fi
ok readelf
if [ ! -x "$BIN" ]; then
	bad relro "$BIN not built (make)"
	checklib_end
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

checklib_end
