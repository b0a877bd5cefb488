#!/bin/sh
# check-install.sh: the man page against --help, and make install.
#
#     sh tests/deploy/check-install.sh [BUILD] [-v]
#
# Checks, each counted once:
#   man-has-help   every option `BUILD/walkind --help` prints is in
#                  deploy/walkind.8
#   help-has-man   every option deploy/walkind.8 names is in --help
#   install        make install DESTDIR=<temp> lays out the binary, both
#                  units, the man page and the sample dataset; make uninstall removes them
#   render         man -l renders the installed page (man-db; skipped with
#                  a reason line if man is absent and cannot be installed)
# Prints "FAIL install/<check>: <reason>" per failure ("ok ..." with -v) and
# ends with exactly one line "install: N passed, M failed"; exit 0 iff M=0.
set -u
cd "$(dirname "$0")/../.." || exit 1
CHECK_SUITE=install
. tests/deploy/checklib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Options: "--name" at a line's start in --help; in the page, the roff
# escapes "\-" undone, every "--name" on a .B/.BI line.
"$BUILD/walkind" --help | sed -n 's/^  \(--[a-z0-9-]*\).*/\1/p' | sort -u >"$tmp/help"
sed -n '/^\.BI\{0,1\} /s/\\-/-/gp' deploy/walkind.8 |
    grep -o -- '--[a-z][a-z0-9-]*' | sort -u >"$tmp/man"
if [ ! -s "$tmp/help" ]; then
	bad man-has-help "no option read from $BUILD/walkind --help"
else
	missing=$(comm -23 "$tmp/help" "$tmp/man" | tr '\n' ' ')
	[ -z "$missing" ] && ok man-has-help ||
	    bad man-has-help "in --help, not in deploy/walkind.8: $missing"
fi
extra=$(comm -13 "$tmp/help" "$tmp/man" | tr '\n' ' ')
[ -z "$extra" ] && ok help-has-man ||
    bad help-has-man "in deploy/walkind.8, not in --help: $extra"

dest=$tmp/root
# -o: install the binary that was tested, never rebuild it (check-asan's
# BUILD has other CFLAGS: a rebuild here made the suites after this one
# run a plain binary in the ASan pass).
keep="-o $BUILD/walkind -o $BUILD/.cflags"
if make --no-print-directory -s $keep install BUILD="$BUILD" DESTDIR="$dest" \
    >"$tmp/out" 2>&1; then
	want="usr/local/bin/walkind usr/local/share/man/man8/walkind.8
etc/systemd/system/walkind.service etc/systemd/system/walkind.socket
usr/local/share/walkind/sample.db"
	lost=""
	for f in $want; do [ -f "$dest/$f" ] || lost="$lost $f"; done
	[ -x "$dest/usr/local/bin/walkind" ] || lost="$lost (binary not executable)"
	make --no-print-directory -s $keep uninstall BUILD="$BUILD" DESTDIR="$dest" \
	    >>"$tmp/out" 2>&1
	left=$(find "$dest" -type f | sed "s|^$dest/||" | tr '\n' ' ')
	if [ -n "$lost" ]; then
		bad install "missing after make install:$lost"
	elif [ -n "$left" ]; then
		bad install "left after make uninstall: $left"
	else
		ok install
	fi
else
	bad install "make install failed: $(tail -3 "$tmp/out")"
fi

if ! command -v man >/dev/null 2>&1; then
	sh deploy/apt-install.sh install man-db >/dev/null 2>&1 || true
fi
if command -v man >/dev/null 2>&1; then
	out=$(MANWIDTH=80 man -l deploy/walkind.8 2>"$tmp/err")
	if echo "$out" | grep -q "metrics-listen" && [ ! -s "$tmp/err" ]; then
		ok render
	else
		bad render "man -l: $(head -3 "$tmp/err")"
	fi
else
	echo "install: man is absent and man-db could not be installed: render skipped"
fi
checklib_end
