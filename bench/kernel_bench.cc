// kernel_bench: the exact-search distance kernel against memory bandwidth.
//
//   kernel_bench [--rows 100000] [--dim 128] [--queries 100] [--repeats 30]
//
// An exact search streams every stored vector once, so its floor is the
// bytes read over the single-core read bandwidth. This program measures
// that bandwidth (a streaming sum over a 256 MiB array, best of several
// runs), then times one query against rows x dim float32 vectors with
// l2_f32_many at every SIMD level this CPU has (QUIVER_SIMD caps them), and
// the same scan by FAISS's fvec_L2sqr_ny when FAISS is built in. Each line
// gives best and median wall time, the GB/s of the best run, its ratio to
// the bandwidth bound, and how far its distances are from the scalar
// kernel's. L2DistancesBlas (OpenBLAS sgemm) is timed for `queries`
// queries at once and reported per query. Single-threaded throughout.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "index/vector/distance.h"

#ifdef QUIVER_BENCH_FAISS
#include <faiss/utils/distances.h>
#endif

namespace quiver::bench {
namespace {

using Clock = std::chrono::steady_clock;
using index::DistanceKernels;
using index::SimdLevel;

struct Options {
  size_t rows = 100000;
  size_t dim = 128;
  size_t queries = 100;
  int repeats = 30;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "kernel_bench: %s\nusage: kernel_bench [--rows N] [--dim D] [--queries Q] [--repeats R]\n",
               why);
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
    char* end = nullptr;
    const long long v = std::strtoll(argv[++i], &end, 10);
    if (*end != '\0' || v <= 0) Usage(("bad value for " + flag + ": " + argv[i]).c_str());
    if (flag == "--rows") {
      o.rows = static_cast<size_t>(v);
    } else if (flag == "--dim") {
      o.dim = static_cast<size_t>(v);
    } else if (flag == "--queries") {
      o.queries = static_cast<size_t>(v);
    } else if (flag == "--repeats") {
      o.repeats = static_cast<int>(v);
    } else {
      Usage(("unknown flag " + flag).c_str());
    }
  }
  return o;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Timing {
  double best = 0, median = 0;  // seconds
};

// Times `repeats` calls of `fn` after one untimed call.
Timing Time(int repeats, const std::function<void()>& fn) {
  fn();
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    fn();
    t.push_back(Seconds(start, Clock::now()));
  }
  std::sort(t.begin(), t.end());
  return {t.front(), t[t.size() / 2]};
}

// Keeps the compiler from dropping a result nobody reads.
volatile uint64_t g_sink;

// Single-core read bandwidth in bytes per second: the best of several
// streaming sums over 256 MiB (far past any cache). Eight independent
// 64-bit sums keep the loop ahead of memory without SIMD.
double MeasureBandwidth() {
  const size_t words = (size_t{256} << 20) / sizeof(uint64_t);
  std::unique_ptr<uint64_t[]> data(new uint64_t[words]);
  for (size_t i = 0; i < words; ++i) data[i] = i * 0x9e3779b97f4a7c15ull;
  double best = 1e30;
  for (int run = 0; run < 7; ++run) {
    const auto start = Clock::now();
    uint64_t s[8] = {};
    for (size_t i = 0; i < words; i += 8) {
      for (int j = 0; j < 8; ++j) s[j] += data[i + j];
    }
    best = std::min(best, Seconds(start, Clock::now()));
    g_sink = s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
  }
  return static_cast<double>(words * sizeof(uint64_t)) / best;
}

// The largest |a - b| / max(|b|, 1e-30) over the two vectors.
double MaxRelDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(double{a[i]} - b[i]) / std::max(std::abs(double{b[i]}), 1e-30));
  }
  return worst;
}

void PrintRow(const std::string& what, const Timing& t, double bytes, double bound_s, double rel_diff) {
  std::printf("%-34s %9.3f %9.3f %8.2f %8.2f %12.1e\n", what.c_str(), t.best * 1e3, t.median * 1e3,
              bytes / t.best / 1e9, t.best / bound_s, rel_diff);
}

int Main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 0) load[0] = -1;

  const double bandwidth = MeasureBandwidth();
  const double bytes = static_cast<double>(o.rows * o.dim * sizeof(float));
  const double bound_s = bytes / bandwidth;

  std::mt19937_64 rng(42);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> base(o.rows * o.dim), queries(o.queries * o.dim);
  for (float& x : base) x = dist(rng);
  for (float& x : queries) x = dist(rng);
  const float* query = queries.data();

  std::printf(
      "kernel_bench: %zu x %zu float32 (%.1f MB), one query, %d repeats; load average %.2f at start\n",
      o.rows, o.dim, bytes / 1e6, o.repeats, load[0]);
  std::printf(
      "single-core read bandwidth %.2f GB/s (256 MiB streaming sum, best of 7): bound %.3f ms a scan\n\n",
      bandwidth / 1e9, bound_s * 1e3);
  std::printf("%-34s %9s %9s %8s %8s %12s\n", "kernel", "best ms", "median ms", "GB/s", "x bound",
              "max rel diff");

  std::vector<float> reference(o.rows), out(o.rows);
  index::KernelsFor(SimdLevel::kScalar).l2_f32_many(query, base.data(), o.rows, o.dim, reference.data());
  double best_kernel_s = 1e30;
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    const DistanceKernels& k = index::KernelsFor(level);
    const std::string name = "l2_f32_many " + std::string(index::SimdLevelName(level));
    if (k.level != level) {
      std::printf("%-34s %9s\n", name.c_str(), "(not on this CPU)");
      continue;
    }
    const Timing t = Time(o.repeats, [&] { k.l2_f32_many(query, base.data(), o.rows, o.dim, out.data()); });
    PrintRow(name, t, bytes, bound_s, MaxRelDiff(out, reference));
    if (level == index::DetectSimdLevel()) best_kernel_s = t.best;
  }

#ifdef QUIVER_BENCH_FAISS
  const Timing faiss_t =
      Time(o.repeats, [&] { faiss::fvec_L2sqr_ny(out.data(), query, base.data(), o.dim, o.rows); });
  PrintRow("faiss fvec_L2sqr_ny", faiss_t, bytes, bound_s, MaxRelDiff(out, reference));
#else
  std::printf("%-34s %9s\n", "faiss fvec_L2sqr_ny", "(FAISS not built in)");
#endif

  // Many queries at once through sgemm; per query, beside one kernel scan.
  std::vector<float> norms(o.rows), all(o.queries * o.rows);
  const DistanceKernels& k = index::Kernels();
  for (size_t j = 0; j < o.rows; ++j) norms[j] = k.norm_sq_f32(base.data() + j * o.dim, o.dim);
  const int blas_repeats = std::max(3, o.repeats / 10);
  Timing blas = Time(blas_repeats, [&] {
    index::L2DistancesBlas(queries.data(), o.queries, base.data(), o.rows, o.dim, norms.data(), all.data());
  });
  const double blas_diff = MaxRelDiff(std::vector<float>(all.begin(), all.begin() + o.rows), reference);
  blas.best /= static_cast<double>(o.queries);
  blas.median /= static_cast<double>(o.queries);
  PrintRow("L2DistancesBlas " + std::to_string(o.queries) + " q, per query", blas, bytes, bound_s, blas_diff);

  std::printf("\nbest %s kernel: %.2fx the bandwidth bound",
              std::string(index::SimdLevelName(k.level)).c_str(), best_kernel_s / bound_s);
#ifdef QUIVER_BENCH_FAISS
  std::printf("; %.2fx faiss", best_kernel_s / faiss_t.best);
#endif
  std::printf("; BLAS per query %.2fx the kernel scan\n", blas.best / best_kernel_s);
  if (getloadavg(load, 3) < 0) load[0] = -1;
  std::printf("load average %.2f at end\n", load[0]);
  return 0;
}

}  // namespace
}  // namespace quiver::bench

int main(int argc, char** argv) { return quiver::bench::Main(argc, argv); }
