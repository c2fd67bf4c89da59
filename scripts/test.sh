#!/usr/bin/env bash
# Test command 2: runs every test suite of the project against ./build
# (unit tests of each layer, integration tests, the C++ example).
# Pass a build folder to test another build, e.g. scripts/test.sh build-asan
#
# The S3 tests need a real S3 server: when the Ceph packages are installed
# (scripts/setup.sh installs them), one throwaway RADOS Gateway is started on
# 127.0.0.1 for the whole run (scripts/s3_server.sh) and stopped at the end.
# Without them, or with QUIVER_S3_ENDPOINT already set (an S3 server of your
# own: also set QUIVER_S3_ACCESS_KEY, QUIVER_S3_SECRET_KEY), the S3 tests
# skip or use that server.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
cmake --build "$build" -j "$(nproc)"

if [[ -z "${QUIVER_S3_ENDPOINT:-}" ]] && command -v radosgw >/dev/null 2>&1; then
  s3_dir=$(mktemp -d /tmp/qs3.XXXXXX)
  trap 'scripts/s3_server.sh stop "$s3_dir" >/dev/null 2>&1 || true' EXIT
  if s3_env=$(scripts/s3_server.sh start "$s3_dir"); then
    eval "$s3_env"
    echo "test: S3 tests run against a local RADOS Gateway at $QUIVER_S3_ENDPOINT"
  else
    echo "test: the local S3 server did not start; the S3 tests will be skipped" >&2
  fi
elif [[ -z "${QUIVER_S3_ENDPOINT:-}" ]]; then
  echo "test: radosgw is not installed; the S3 tests will be skipped (scripts/setup.sh installs it)" >&2
fi

ctest --test-dir "$build" -j "$(nproc)" --output-on-failure --timeout 600
