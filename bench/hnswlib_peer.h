// hnswlib (header-only, the system's libhnswlib-dev) as a peer of Quiver's
// HNSW index in vector_bench: HierarchicalNSW<float> over squared L2.
//
// It lives in its own translation unit because hnswlib picks its distance
// kernel when it is compiled (AVX only when the compiler targets AVX, the
// way its Python package builds it with -march=native), and its header
// defines non-inline functions. bench/CMakeLists.txt compiles this file for
// AVX2 + FMA on x86-64 (and then defines QUIVER_BENCH_HNSWLIB_AVX2=1 for its
// users): check the CPU before calling anything here.
//
// Not thread-safe: one thread builds, then searches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace quiver::bench {

class HnswlibPeer {
 public:
  // Builds a graph of `rows` vectors (rows x dim, row-major, labels 0..rows-1)
  // with `m` neighbours per node (2m on level 0) and the build beam
  // `ef_construction`, inserting from `threads` threads (hnswlib's
  // addPoint is thread-safe). The vectors are copied into the graph.
  static std::unique_ptr<HnswlibPeer> Build(const float* data, int64_t rows, int dim, int m,
                                            int ef_construction, int threads);
  virtual ~HnswlibPeer() = default;

  // The search beam; hnswlib uses max(ef, k).
  virtual void SetEf(int ef) = 0;
  // Labels of the `k` nearest to `query` (dim floats), nearest first.
  virtual std::vector<int64_t> Search(const float* query, int k) const = 0;
  // Writes the index with hnswlib's saveIndex; its size in bytes, or 0
  // when the file could not be written.
  virtual uint64_t SavedBytes(const std::string& path) const = 0;
};

}  // namespace quiver::bench
