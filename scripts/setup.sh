#!/usr/bin/env bash
# Set-up command 1: installs every Debian package Quiver needs, then builds
# it (Release with debug info) into ./build. Safe to run again.
#   scripts/setup.sh            install + build
#   QUIVER_SKIP_APT=1 scripts/setup.sh   build only
# It also installs the npm packages the tests and benchmarks run beside Quiver
# (LanceDB's Node client and apache-arrow, pinned in bench/node/package.json).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config
  libzstd-dev liblz4-dev libxxhash-dev libroaring-dev
  nlohmann-json3-dev libcli11-dev libre2-dev
  libopenblas-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libfaiss-dev libhnswlib-dev
  libstemmer-dev libutf8proc-dev
  libcpp-httplib-dev libssl-dev libcurl4-openssl-dev
  # The S3 tests' throwaway object store: Ceph's RADOS Gateway on one
  # in-memory OSD (scripts/s3_server.sh).
  radosgw ceph-mon ceph-osd
)
# Node.js runs the cross-implementation tests; a machine that already has
# node and npm (from any source) keeps them.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

if [[ "${QUIVER_SKIP_APT:-0}" != 1 ]]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "Installing: ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

# The peers of the cross-implementation tests; the tests that need them skip
# with a message when they are absent, so a failed download does not stop the build.
scripts/install_bench_peers.sh || echo "setup: npm peers not installed; their tests will be skipped" >&2

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$(nproc)"
echo "Built: build/quiver"
