#!/usr/bin/env bash
# Test command 2: runs every test suite of the project against ./build
# (unit tests of each layer, integration tests, the C++ example).
# Pass a build folder to test another build, e.g. scripts/test.sh build-asan
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure --timeout 600
