#!/bin/sh
# Install what `make bench` needs beyond deploy/install-deps.sh: wrk, the
# HTTP load generator (Debian package). Separate from the build and test
# dependencies on purpose: `make check` never needs it. Idempotent; as
# root it runs apt-get, otherwise it prints the command and fails.
set -eu
PKGS="wrk"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "walkind bench: missing Debian packages:$missing" >&2
	echo "walkind bench: run as root: apt-get install -y$missing" >&2
	exit 1
fi
echo "walkind bench: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
	apt-get update >/dev/null
	apt-get install -y --no-install-recommends $missing >/dev/null
}
