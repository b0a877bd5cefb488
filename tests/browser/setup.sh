#!/bin/sh
# setup.sh: what the browser suite needs, installed once. Debian's
# chromium through deploy/apt-install.sh (as every dependency script
# does), and playwright-core at the version pinned in package-lock.json
# (npm ci, only when node_modules is missing). playwright-core has no
# install script and never downloads a browser: the tests launch
# /usr/bin/chromium.
set -eu
here=$(dirname "$0")
sh "$here/../../deploy/apt-install.sh" check-browser chromium
# node (>= 20, playwright-core's engines) and npm come with the machine's
# Node.js; an apt line here could fight a NodeSource install.
for t in node npm; do
	command -v "$t" >/dev/null ||
	    { echo "check-browser: $t not found (Node.js >= 20 needed)" >&2; exit 1; }
done
if [ ! -d "$here/node_modules/playwright-core" ]; then
	echo "check-browser: npm ci (playwright-core, pinned)" >&2
	(cd "$here" && npm ci --no-audit --no-fund --ignore-scripts >/dev/null)
fi
