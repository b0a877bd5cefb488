#!/bin/sh
# Install the Debian packages walkind needs to build, run and test, and
# create the unprivileged account it runs as when started as root
# (walkind drops root to it before anything else; see SECURITY.md).
# Idempotent: does nothing when everything is present. As root it runs
# apt-get and useradd; otherwise it prints the exact commands and fails.
set -eu
# clang and libclang-rt-14-dev (libFuzzer, ASan, UBSan runtimes): tests/fuzz.
# strace: tests/sandbox/test_order.py traces an executor's lockdown order.
# prometheus: its promtool checks a live GET /metrics (test_metrics.py).
# haproxy: deploy/haproxy.cfg in front of three nodes (test_nodes.py).
# SQLite is built from Debian's source package (deploy/sqlite-src.sh):
# dpkg-dev unpacks it, tcl generates its amalgamation; libsqlite3-0 (the
# version followed) comes with python3.
PKGS="gcc make pkg-config libevent-dev libcjson-dev \
libsodium-dev libseccomp-dev python3 curl clang libclang-rt-14-dev \
dpkg-dev tcl xz-utils libsqlite3-0 strace prometheus haproxy"
USER_NAME=walkind
if [ "$(id -u)" -eq 0 ] && ! getent passwd "$USER_NAME" >/dev/null; then
	echo "walkind: creating system user $USER_NAME" >&2
	useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin "$USER_NAME"
fi
exec sh "$(dirname "$0")/apt-install.sh" walkind $PKGS
