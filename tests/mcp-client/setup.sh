#!/bin/sh
# Install the MCP SDK test client exactly as package-lock.json pins it,
# once: nothing happens when node_modules is already there. Called by
# `make check` (target mcp-client-deps) and by run.py. Needs node and npm
# (Debian: apt-get install nodejs npm) and the npm registry.
cd "$(dirname "$0")" || exit 1
[ -d node_modules/@modelcontextprotocol/sdk ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
	echo "tests/mcp-client: npm is missing (apt-get install nodejs npm)" >&2
	exit 1
fi
exec npm ci --no-audit --no-fund --loglevel=error
