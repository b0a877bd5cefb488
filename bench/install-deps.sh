#!/bin/sh
# Install what `make bench` needs beyond deploy/install-deps.sh: wrk, the
# HTTP load generator (Debian package). Separate from the build and test
# dependencies on purpose: `make check` never needs it. Idempotent; as
# root it runs apt-get, otherwise it prints the command and fails.
set -eu
exec sh "$(dirname "$0")/../deploy/apt-install.sh" "walkind bench" wrk
