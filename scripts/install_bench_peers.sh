#!/usr/bin/env bash
# Installs the npm packages that Quiver's benchmarks run side by side with
# Quiver (LanceDB's Node package and apache-arrow) into bench/node/, at the
# versions pinned by bench/node/package.json and package-lock.json.
#
# Idempotent: does nothing when the pinned versions are already installed.
# Optional dependencies are omitted on purpose: @lancedb/lancedb lists
# embedding providers (@huggingface/transformers, openai) as optional, and the
# benchmarks need none of them. The one native binary that is needed
# (@lancedb/lancedb-linux-x64-gnu) is a direct dependency instead.
#
# Usage: scripts/install_bench_peers.sh [--force]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/bench/node"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install_bench_peers: node and npm are required (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi

installed_version() {  # prints the installed version of package $1, or nothing
  local pj="$dir/node_modules/$1/package.json"
  [[ -f "$pj" ]] && node -e 'process.stdout.write(require(process.argv[1]).version)' "$pj"
}

wanted_version() {  # prints the version of package $1 pinned in package.json
  node -e 'process.stdout.write(require(process.argv[1]).dependencies[process.argv[2]])' \
    "$dir/package.json" "$1"
}

up_to_date() {
  local pkg
  for pkg in @lancedb/lancedb @lancedb/lancedb-linux-x64-gnu apache-arrow; do
    [[ "$(installed_version "$pkg")" == "$(wanted_version "$pkg")" ]] || return 1
  done
}

if [[ "${1:-}" != "--force" ]] && up_to_date; then
  echo "install_bench_peers: already installed in bench/node/node_modules"
  exit 0
fi

# `npm install` rather than `npm ci`: the registry this project reaches lacks
# the 0.39 binaries of @lancedb/lancedb's other platforms, so the lock file
# cannot list them and `npm ci` rejects it as out of sync. `npm install` still
# follows package-lock.json for everything it does list.
cd "$dir"
npm install --no-audit --no-fund --omit=optional
up_to_date || { echo "install_bench_peers: installed versions do not match package.json" >&2; exit 1; }
echo "install_bench_peers: installed $(installed_version @lancedb/lancedb) (@lancedb/lancedb)," \
  "$(installed_version apache-arrow) (apache-arrow) in bench/node/node_modules"
