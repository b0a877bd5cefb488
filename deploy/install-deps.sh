#!/bin/sh
# Install the Debian packages walkind needs to build, run and test, and
# create the unprivileged account it runs as when started as root
# (walkind drops root to it before anything else; see SECURITY.md).
# Idempotent: does nothing when everything is present. As root it runs
# apt-get and useradd; otherwise it prints the exact commands and fails.
set -eu
# clang and libclang-rt-14-dev (libFuzzer, ASan, UBSan runtimes): tests/fuzz.
PKGS="gcc make pkg-config libsqlite3-dev libevent-dev libcjson-dev \
libsodium-dev libseccomp-dev python3 curl clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
USER_NAME=walkind
need_user=""
if [ "$(id -u)" -eq 0 ] && ! getent passwd "$USER_NAME" >/dev/null; then
	need_user=yes
fi
if [ -n "$need_user" ]; then
	echo "walkind: creating system user $USER_NAME" >&2
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_NAME"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "walkind: missing Debian packages:$missing" >&2
	echo "walkind: run as root: apt-get install -y$missing" >&2
	exit 1
fi
echo "walkind: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
	apt-get update >/dev/null
	apt-get install -y --no-install-recommends $missing >/dev/null
}
