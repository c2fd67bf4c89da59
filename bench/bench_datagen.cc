// bench_datagen: writes the benchmark dataset (bench_data.h) as raw column
// files, so that a peer script under bench/node/ can be run on its own:
//
//   bench_datagen --rows 100000 --out /tmp/qv-data [--take-groups 60]
//   node bench/node/lancedb_storage.mjs --data /tmp/qv-data --db /tmp/qv-lance
//
// storage_bench generates the same files itself; this program is for running
// or debugging a peer without Quiver.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "bench_data.h"

int main(int argc, char** argv) {
  int64_t rows = 100000;
  int take_groups = 60;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--rows") == 0 && has_value) {
      rows = std::atoll(argv[++i]);
    } else if (std::strcmp(argv[i], "--out") == 0 && has_value) {
      out = argv[++i];
    } else if (std::strcmp(argv[i], "--take-groups") == 0 && has_value) {
      take_groups = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s --out DIR [--rows N] [--take-groups G]\n", argv[0]);
      return 2;
    }
  }
  if (out.empty() || rows < 100 || take_groups < 1) {
    std::fprintf(stderr, "bench_datagen: --out is required, --rows must be >= 100, --take-groups >= 1\n");
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    std::fprintf(stderr, "bench_datagen: create %s: %s\n", out.c_str(), ec.message().c_str());
    return 1;
  }
  const quiver::bench::BenchData data = quiver::bench::GenerateBenchData(rows);
  std::string err = quiver::bench::WriteRawColumns(data, out);
  if (err.empty()) {
    err = quiver::bench::WriteUInt64File(quiver::bench::RandomRowGroups(rows, take_groups, 100),
                                         out + "/take.u64");
  }
  if (!err.empty()) {
    std::fprintf(stderr, "bench_datagen: %s\n", err.c_str());
    return 1;
  }
  std::printf("wrote %lld rows and %d groups of 100 rows to take to %s\n", static_cast<long long>(rows),
              take_groups, out.c_str());
  return 0;
}
