#!/usr/bin/env bash
# Runs a libFuzzer target (default: the SQL expression parser) for a while.
#   scripts/fuzz.sh [SECONDS=60] [TARGET=expr_fuzz] [extra libFuzzer flags...]
# Configures a separate clang build in ./build-fuzz with QUIVER_FUZZ=ON (every
# file is compiled with coverage instrumentation, ASan and UBSan), builds
# quiver_<TARGET>, and fuzzes starting from the seeds in
# src/<layer>/fuzz_corpus. New inputs go to build-fuzz/corpus/<TARGET> (the
# committed seeds are not touched); a failing input is written to
# build-fuzz/artifacts/ and the script exits non-zero. Reproduce one with
#   build-fuzz/quiver_<TARGET> build-fuzz/artifacts/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
target="${2:-expr_fuzz}"
shift $(( $# > 2 ? 2 : $# ))
layer="${target%_fuzz}"
build=build-fuzz

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DQUIVER_FUZZ=ON -DQUIVER_BUILD_TESTS=OFF -DQUIVER_BUILD_BENCH=OFF
fi
cmake --build "$build" --target "quiver_$target" -j "$(nproc)"

corpus="$build/corpus/$target"
mkdir -p "$corpus" "$build/artifacts"
# Tokens of the language, so that mutations make plausible SQL.
dict="$build/$target.dict"
cat > "$dict" <<'DICT'
"AND"
"OR"
"NOT"
"IN"
"IS"
"NULL"
"TRUE"
"FALSE"
"BETWEEN"
"LIKE"
"ILIKE"
"CASE"
"WHEN"
"THEN"
"ELSE"
"END"
"CAST("
" AS "
"date '2024-01-31'"
"timestamp '2024-01-31 12:00:00'"
"::"
"||"
"<>"
"!="
"<="
">="
"=="
"--"
"/*"
"*/"
"''"
"\"\""
"``"
"9223372036854775808"
"18446744073709551616"
"1e999"
"DECIMAL"
"BIGINT UNSIGNED"
"DOUBLE PRECISION"
"list<int32>"
"struct<a: int32>"
"timestamp[ms, tz=UTC]"
"fixed_size_list<float>[4]"
"make_array("
"now()"
DICT

exec "$build/quiver_$target" "$corpus" "src/$layer/fuzz_corpus" -dict="$dict" -max_len=4096 \
  -max_total_time="$seconds" -artifact_prefix="$build/artifacts/" -print_final_stats=1 "$@"
