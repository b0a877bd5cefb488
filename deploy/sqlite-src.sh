#!/bin/sh
# sqlite-src.sh OUTDIR: put the SQLite amalgamation (sqlite3.c, sqlite3.h)
# that walkind compiles into its hardened static library (Makefile,
# "Hardened SQLite") into OUTDIR, made from Debian's own sqlite3 source
# package and nothing else.
#
# Why Debian's source: it carries Debian's security backports (the
# +debNuN patches), it is signed by the same archive keys as every
# package on the machine, and its version follows the installed
# libsqlite3-0, so `apt upgrade` moves walkind to the fixed source too
# (the Makefile records the version and rebuilds when it changes).
#
# Steps, each done once and cached in SQLITE_CACHE (default
# ~/.cache/walkind/sqlite, outside the tree so clones and `make clean`
# share it):
#  1. fetch: a private apt configuration (deb-src lines for bookworm,
#     bookworm-updates and bookworm-security; the system's sources and
#     lists are not touched, so no root is needed). apt checks the
#     InRelease signature against debian-archive-keyring, the Sources
#     index against InRelease, and every downloaded file against the
#     SHA256 in Sources; unsigned or mismatching data is an error.
#     dpkg-source then checks the tarballs against the .dsc again and
#     applies Debian's patches.
#  2. generate: the source package is SQLite's canonical tree, not the
#     amalgamation, so configure and `make sqlite3.c` build it (needs
#     tclsh). SQLITE_GRAMMAR (options that change the parser or the
#     keyword table) reaches lemon and mkkeywordhash here, which the
#     amalgamation alone could not do. configure's sqlite_cfg.h (what
#     this libc has) goes along.
# Needs: apt, dpkg-dev, tcl, gcc, make, xz-utils, flock (util-linux).
set -eu
out=$1
grammar=${SQLITE_GRAMMAR:-}
cache=${SQLITE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/walkind/sqlite}
suites="bookworm bookworm-updates"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
say() { echo "sqlite-src: $*" >&2; }

mkdir -p "$cache" "$out"
cache=$(cd "$cache" && pwd)
# Several builds (worktrees, the ASan pass) may share the cache.
exec 9>"$cache/.lock"
flock 9

# The version of the SQLite the system runs (Python's, the CLI's): the
# hardened build is that source with other compile-time options.
want=$(dpkg-query -W -f='${source:Version}' libsqlite3-0 2>/dev/null || :)

fetch() {
	tmp=$(mktemp -d "$cache/fetch.XXXXXX")
	mkdir -p "$tmp/lists/partial" "$tmp/cache" "$tmp/dl"
	for s in $suites; do
		echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian $s main"
	done >"$tmp/sources.list"
	echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian-security" \
	    "bookworm-security main" >>"$tmp/sources.list"
	set -- -q -o Dir::Etc::SourceList="$tmp/sources.list" \
	    -o Dir::Etc::SourceParts=/nonexistent \
	    -o Dir::State::Lists="$tmp/lists" -o Dir::Cache="$tmp/cache" \
	    -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)" \
	    -o Acquire::AllowInsecureRepositories=false \
	    -o Acquire::AllowDowngradeToInsecureRepositories=false
	say "fetching Debian's sqlite3 source ${want:-(newest)} from deb.debian.org"
	apt-get "$@" update >"$tmp/apt.log" 2>&1 || {
		cat "$tmp/apt.log" >&2
		say "apt-get update failed"
		return 1
	}
	if [ -z "$want" ] ||
	    ! (cd "$tmp/dl" && apt-get "$@" source --download-only \
	    "sqlite3=$want" >>"$tmp/apt.log" 2>&1); then
		[ -n "$want" ] &&
		    say "sqlite3 $want is no longer in the archive; taking the newest"
		(cd "$tmp/dl" && apt-get "$@" source --download-only sqlite3 \
		    >>"$tmp/apt.log" 2>&1) || {
			cat "$tmp/apt.log" >&2
			say "apt-get source failed"
			return 1
		}
	fi
	dsc=$(ls "$tmp"/dl/sqlite3_*.dsc)
	ver=$(sed -n 's/^Version: //p' "$dsc")
	dpkg-source -q -x "$dsc" "$tmp/src" >"$tmp/dpkg-source.log" 2>&1 || {
		cat "$tmp/dpkg-source.log" >&2
		say "dpkg-source failed"
		return 1
	}
	rm -rf "${cache:?}/sqlite3_$ver"
	mv "$tmp/src" "$cache/sqlite3_$ver"
	mv "$tmp/dl" "$cache/sqlite3_$ver.debsrc"	# the verified files, kept
	rm -rf "$tmp"
	[ "$ver" = "${want:-newest}" ] ||
	    ln -sfn "sqlite3_$ver" "$cache/sqlite3_${want:-newest}"
}

# A version the archive no longer has is linked to what was fetched.
src="$cache/sqlite3_${want:-newest}"
[ -d "$src" ] || fetch
ver=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)

# The amalgamation depends on the version and the grammar options only.
key=$(printf '%s\n%s\n%s\n' "$ver" "$grammar" "$(sha256sum <"$0")" |
    sha256sum | cut -c1-16)
gen="$cache/amalgamation-$key"
if [ ! -s "$gen/sqlite3.c" ]; then
	say "generating the amalgamation of $ver (cache key $key)"
	tmp=$(mktemp -d "$cache/gen.XXXXXX")
	(cd "$tmp" && "$src/configure" --disable-tcl --disable-readline \
	    --disable-load-extension >configure.log 2>&1 &&
	    make OPTS="$grammar" sqlite3.c >make.log 2>&1) || {
		cat "$tmp"/configure.log "$tmp"/make.log >&2 2>/dev/null || :
		say "generating the amalgamation failed"
		exit 1
	}
	mkdir -p "$tmp/out"
	cp "$tmp/sqlite3.c" "$tmp/sqlite3.h" "$tmp/out/"
	# configure's findings (usleep: without it the busy handler sleeps
	# whole seconds; fdatasync, localtime_r, pread...). Debian's patch
	# 10-665363 drops malloc_usable_size from configure.ac, which only
	# an autoreconf would carry into configure: done here instead.
	grep -v HAVE_MALLOC_USABLE_SIZE "$tmp/sqlite_cfg.h" \
	    >"$tmp/out/sqlite_cfg.h"
	echo "$ver" >"$tmp/out/VERSION"
	rm -rf "$gen"
	mv "$tmp/out" "$gen"
	rm -rf "$tmp"
fi
for f in sqlite3.c sqlite3.h sqlite_cfg.h VERSION; do
	cmp -s "$gen/$f" "$out/$f" 2>/dev/null || cp "$gen/$f" "$out/$f"
done
