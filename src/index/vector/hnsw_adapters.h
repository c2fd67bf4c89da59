// What an HNSW graph (hnsw.h) needs from its owner, for the two owners
// that keep float vectors or row ids beside a graph: the HNSW index (one
// graph over full vectors) and the IVF_HNSW_* indexes (a graph per
// partition, built over full vectors and searched over codes).
//
// Thread-safety: the adapters borrow their data and are immutable.
#pragma once

#include <cstddef>
#include <cstdint>

#include "index/vector/distance.h"
#include "index/vector/hnsw.h"
#include "index/vector/vector_index.h"

namespace quiver::index {

inline void PrefetchVector(const float* v, size_t bytes) {
  // The first lines; the hardware prefetcher follows on for long vectors.
  const char* p = reinterpret_cast<const char*>(v);
  for (size_t off = 0; off < bytes && off < 512; off += 64) __builtin_prefetch(p + off, 0, 3);
}

// Distances between full float32 vectors (n x dim, row-major, borrowed):
// squared L2, or 1 - dot (cosine vectors are normalised before they get
// here, so 1 - dot is 1 - cos).
class FloatVectors final : public HnswNodeDistance {
 public:
  FloatVectors(const float* data, int dim, Metric metric)
      : data_(data),
        dim_(static_cast<size_t>(dim)),
        l2_(metric == Metric::kL2),
        kernel_(metric == Metric::kL2 ? Kernels().l2_f32 : Kernels().dot_f32) {}

  const float* vector(uint32_t i) const { return data_ + i * dim_; }
  float Measure(const float* a, const float* b) const {
    const float v = kernel_(a, b, dim_);
    return l2_ ? v : 1.0f - v;
  }
  void Many(const float* query, const uint32_t* ids, size_t n, float* out) const {
    if (n == 0) return;
    const size_t bytes = dim_ * sizeof(float);
    PrefetchVector(vector(ids[0]), bytes);
    for (size_t i = 0; i < n; ++i) {
      if (i + 1 < n) PrefetchVector(vector(ids[i + 1]), bytes);
      out[i] = Measure(query, vector(ids[i]));
    }
  }

  float Between(uint32_t a, uint32_t b) const override { return Measure(vector(a), vector(b)); }
  void FromNode(uint32_t from, const uint32_t* ids, size_t n, float* out) const override {
    Many(vector(from), ids, n, out);
  }

 private:
  const float* data_;
  size_t dim_;
  bool l2_;
  float (*kernel_)(const float*, const float*, size_t);
};

class FloatQuery final : public HnswQueryDistance {
 public:
  FloatQuery(const FloatVectors& vectors, const float* query) : vectors_(vectors), query_(query) {}
  void Distances(const uint32_t* ids, size_t n, float* out) const override {
    vectors_.Many(query_, ids, n, out);
  }

 private:
  const FloatVectors& vectors_;
  const float* query_;
};

class HnswRowFilter final : public HnswNodeFilter {
 public:
  HnswRowFilter(const RowIdFilter& allowed, const uint64_t* row_ids) : allowed_(allowed), row_ids_(row_ids) {}
  bool Contains(uint32_t node) const override { return allowed_.Contains(row_ids_[node]); }

 private:
  const RowIdFilter& allowed_;
  const uint64_t* row_ids_;
};

}  // namespace quiver::index
