// Helpers for the vector index tests: the SIFT10K files, synthetic
// clustered data, brute-force neighbours and recall.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "index/vector/distance.h"
#include "index/vector/topk.h"
#include "index/vector/vector_index.h"
#include "io/memory_store.h"
#include "testing.h"

namespace quiver::index::testing {

// A matrix of n x dim values, row-major.
template <typename T>
struct Matrix {
  std::vector<T> values;
  int64_t n = 0;
  int dim = 0;
  const T* row(int64_t i) const { return values.data() + static_cast<size_t>(i) * dim; }
};

// Reads an .fvecs / .ivecs file (each record: int32 d, then d values).
// Empty on failure.
template <typename T>
Matrix<T> ReadVecs(const std::string& path) {
  static_assert(sizeof(T) == 4);
  Matrix<T> m;
  std::ifstream in(path, std::ios::binary);
  if (!in) return m;
  int32_t d = 0;
  while (in.read(reinterpret_cast<char*>(&d), 4)) {
    if (d <= 0 || (m.dim != 0 && d != m.dim)) return {};
    m.dim = d;
    const size_t at = m.values.size();
    m.values.resize(at + d);
    if (!in.read(reinterpret_cast<char*>(m.values.data() + at), 4 * static_cast<std::streamsize>(d)))
      return {};
    ++m.n;
  }
  return m;
}

struct SiftData {
  Matrix<float> base;
  Matrix<float> queries;
  Matrix<int32_t> truth;  // 100 nearest base rows per query, nearest first
  bool ok() const { return base.n == 10000 && queries.n > 0 && truth.n == queries.n; }
};

// SIFT10K from the shared data folder; base.n == 0 when it is absent.
inline SiftData LoadSift10k() {
  SiftData s;
  const std::string base = quiver::testing::SharedDataPath("sift10k/siftsmall_base.fvecs");
  const std::string query = quiver::testing::SharedDataPath("sift10k/siftsmall_query.fvecs");
  const std::string truth = quiver::testing::SharedDataPath("sift10k/siftsmall_groundtruth.ivecs");
  if (base.empty() || query.empty() || truth.empty()) return s;
  s.base = ReadVecs<float>(base);
  s.queries = ReadVecs<float>(query);
  s.truth = ReadVecs<int32_t>(truth);
  return s;
}

#define QUIVER_SKIP_IF_NO_SIFT(sift)                                                                    \
  do {                                                                                                  \
    if (!(sift).ok())                                                                                   \
      GTEST_SKIP() << "SIFT10K (../shared/data/sift10k/siftsmall_*.{fvecs,ivecs}) is absent; skipping"; \
  } while (0)

// n points around `clusters` random centres (uniform in [-1, 1]^dim, with
// Gaussian spread `spread`).
inline Matrix<float> ClusteredData(int64_t n, int dim, int clusters, float spread, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  std::normal_distribution<float> gauss(0.0f, spread);
  std::vector<float> centres(static_cast<size_t>(clusters) * dim);
  for (float& c : centres) c = uni(rng);
  Matrix<float> m;
  m.n = n;
  m.dim = dim;
  m.values.resize(static_cast<size_t>(n) * dim);
  for (int64_t i = 0; i < n; ++i) {
    const float* c = centres.data() + static_cast<size_t>(rng() % clusters) * dim;
    for (int d = 0; d < dim; ++d) m.values[static_cast<size_t>(i) * dim + d] = c[d] + gauss(rng);
  }
  return m;
}

inline std::vector<uint64_t> Iota(int64_t n, uint64_t first = 0) {
  std::vector<uint64_t> ids(n);
  std::iota(ids.begin(), ids.end(), first);
  return ids;
}

// The metric's distance, computed plainly in double.
inline double ExactDistance(Metric metric, const float* a, const float* b, int dim) {
  double l2 = 0, dot = 0, na = 0, nb = 0;
  for (int d = 0; d < dim; ++d) {
    l2 += (double(a[d]) - b[d]) * (double(a[d]) - b[d]);
    dot += double(a[d]) * b[d];
    na += double(a[d]) * a[d];
    nb += double(b[d]) * b[d];
  }
  switch (metric) {
    case Metric::kL2:
      return l2;
    case Metric::kCosine:
      return (na == 0 || nb == 0) ? 1.0 : 1.0 - dot / std::sqrt(na * nb);
    default:
      return 1.0 - dot;
  }
}

// The k nearest rows of `base` (row ids `ids`) to `query` by brute force;
// `allowed` (may be null) restricts them.
inline std::vector<Neighbor> BruteForce(Metric metric, const Matrix<float>& base,
                                        const std::vector<uint64_t>& ids, const float* query, size_t k,
                                        const std::set<uint64_t>* allowed = nullptr) {
  TopK top(k);
  for (int64_t i = 0; i < base.n; ++i) {
    if (allowed && allowed->count(ids[i]) == 0) continue;
    top.Push(static_cast<float>(ExactDistance(metric, query, base.row(i), base.dim)), ids[i]);
  }
  return top.Take();
}

// |got ∩ first k of truth| / k.
inline double RecallAt(const std::vector<uint64_t>& got, const std::vector<uint64_t>& truth, size_t k) {
  std::set<uint64_t> t(truth.begin(), truth.begin() + std::min(k, truth.size()));
  size_t hit = 0;
  for (size_t i = 0; i < std::min(k, got.size()); ++i) hit += t.count(got[i]);
  return static_cast<double>(hit) / static_cast<double>(k);
}

// Re-ranks candidates by exact distance (what the table layer does with
// refine_factor) and keeps the k nearest row ids.
inline std::vector<uint64_t> Refine(Metric metric, const Matrix<float>& base, const float* query,
                                    const std::vector<Neighbor>& candidates, size_t k) {
  TopK top(k);
  for (const Neighbor& c : candidates) {
    top.Push(
        static_cast<float>(ExactDistance(metric, query, base.row(static_cast<int64_t>(c.row_id)), base.dim)),
        c.row_id);
  }
  std::vector<uint64_t> out;
  for (const Neighbor& n : top.Take()) out.push_back(n.row_id);
  return out;
}

inline std::vector<uint64_t> RowIds(const std::vector<Neighbor>& v) {
  std::vector<uint64_t> out;
  for (const Neighbor& n : v) out.push_back(n.row_id);
  return out;
}

class SetFilter : public RowIdFilter {
 public:
  explicit SetFilter(std::set<uint64_t> rows) : rows_(std::move(rows)) {}
  bool Contains(uint64_t row_id) const override { return rows_.count(row_id) != 0; }

 private:
  std::set<uint64_t> rows_;
};

struct Built {
  std::shared_ptr<MemoryObjectStore> store = std::make_shared<MemoryObjectStore>();
  VectorIndexMeta meta;
  std::unique_ptr<VectorIndex> index;
};

inline Built BuildAndOpen(VectorIndexType type, const VectorIndexBuildOptions& options,
                          const Matrix<float>& data, const std::vector<uint64_t>& ids) {
  Built b;
  VectorData vd{data.values.data(), ids.data(), data.n, data.dim};
  auto meta = BuildVectorIndex(type, options, vd, *b.store, "idx/");
  EXPECT_TRUE(meta.ok()) << meta.status().ToString();
  if (!meta.ok()) return b;
  b.meta = *meta;
  auto index = OpenVectorIndex(b.store, "idx/", b.meta);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  if (index.ok()) b.index = std::move(index).value();
  return b;
}

// Recall@10 of `type` on SIFT10K against the ground truth: the candidates'
// row ids, re-ranked by exact distance when refine > 1.
inline double SiftRecall(const testing::SiftData& sift, const VectorIndex& index, int nprobes, int refine,
                         Metric metric, const std::vector<std::vector<uint64_t>>* truth = nullptr) {
  double sum = 0;
  for (int64_t q = 0; q < sift.queries.n; ++q) {
    VectorQueryParams params;
    params.k = 10 * refine;
    params.nprobes = nprobes;
    auto got = index.Search({sift.queries.row(q), 128}, params, nullptr);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok()) return 0;
    std::vector<uint64_t> ids =
        refine > 1 ? testing::Refine(metric, sift.base, sift.queries.row(q), *got, 10) : RowIds(*got);
    std::vector<uint64_t> want;
    if (truth) {
      want = (*truth)[q];
    } else {
      for (int i = 0; i < 10; ++i) want.push_back(static_cast<uint64_t>(sift.truth.row(q)[i]));
    }
    sum += RecallAt(ids, want, 10);
  }
  return sum / static_cast<double>(sift.queries.n);
}

}  // namespace quiver::index::testing
