#!/bin/sh
# apt-install.sh LABEL PKG...: install the Debian packages of PKG that
# are missing. Idempotent: does nothing when all are present. As root it
# runs apt-get; otherwise it prints the exact command and fails. LABEL
# prefixes its messages. Shared by deploy/install-deps.sh and
# bench/install-deps.sh.
set -eu
label=$1
shift
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "$label: missing Debian packages:$missing" >&2
	echo "$label: run as root: apt-get install -y$missing" >&2
	exit 1
fi
echo "$label: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
	apt-get update >/dev/null
	apt-get install -y --no-install-recommends $missing >/dev/null
}
