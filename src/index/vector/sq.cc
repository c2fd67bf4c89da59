#include "index/vector/sq.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "common/coding.h"
#include "index/vector/ivf_kernels.h"

namespace quiver::index {
namespace {

constexpr int kLevels = 255;
// Distances of a slice of vectors are computed into a buffer this long
// before they are offered to the results.
constexpr int64_t kSlice = 256;

class SqScanner final : public PartitionScanner {
 public:
  SqScanner(const float* query, int dim, CodecDistance distance, const std::vector<float>& lo,
            const std::vector<float>& step)
      : query_(query, query + dim),
        distance_(distance),
        lo_(lo),
        step_(step),
        u_(dim),
        w_(dim),
        kernels_(GetIvfKernels()) {
    for (int d = 0; d < dim; ++d) w_[d] = query_[d] * step_[d];
    if (distance_ == CodecDistance::kInnerProduct) {
      query_dot_lo_ = Kernels().dot_f32(query_.data(), lo_.data(), dim);
    }
  }

  void SetPartition(int partition, const float* centroid) override {
    const size_t dim = query_.size();
    if (distance_ == CodecDistance::kL2) {
      for (size_t d = 0; d < dim; ++d) u_[d] = query_[d] - centroid[d] - lo_[d];
    } else {
      base_ = DotToDistance(Kernels().dot_f32(query_.data(), centroid, dim) + query_dot_lo_);
    }
  }

  void Scan(const uint8_t* codes, const uint64_t* row_ids, int64_t n, const RowIdFilter* allowed,
            TopK* top) override {
    const int dim = static_cast<int>(query_.size());
    float dist[kSlice];
    for (int64_t first = 0; first < n; first += kSlice) {
      const int64_t rows = std::min(kSlice, n - first);
      const uint8_t* slice = codes + static_cast<size_t>(first) * dim;
      if (distance_ == CodecDistance::kL2) {
        kernels_.sq_l2(u_.data(), step_.data(), slice, rows, dim, dist);
      } else {
        kernels_.sq_dot(w_.data(), slice, rows, dim, dist);
        for (int64_t i = 0; i < rows; ++i) dist[i] = base_ - dist[i];
      }
      PushCandidates(dist, row_ids + first, rows, allowed, top);
    }
  }

  float Distance(const uint8_t* code) override {
    float d = 0;
    const int dim = static_cast<int>(query_.size());
    if (distance_ == CodecDistance::kL2) {
      kernels_.sq_l2(u_.data(), step_.data(), code, 1, dim, &d);
      return d;
    }
    kernels_.sq_dot(w_.data(), code, 1, dim, &d);
    return base_ - d;
  }

 private:
  std::vector<float> query_;
  CodecDistance distance_;
  const std::vector<float>& lo_;
  const std::vector<float>& step_;
  std::vector<float> u_;  // L2: q - c - lo for the current partition
  std::vector<float> w_;  // q * step
  float query_dot_lo_ = 0;
  float base_ = 0;  // inner product: 1 - dot(q, c) - dot(q, lo)
  const IvfKernels& kernels_;
};

class SqCodec final : public IvfCodec {
 public:
  SqCodec(Metric metric, int dim, std::vector<float> lo, std::vector<float> step)
      : IvfCodec(metric, dim), lo_(std::move(lo)), step_(std::move(step)) {
    inv_step_.resize(step_.size());
    for (size_t d = 0; d < step_.size(); ++d) inv_step_[d] = step_[d] > 0 ? 1.0f / step_[d] : 0.0f;
  }

  IvfCodecKind kind() const override { return IvfCodecKind::kSq; }
  size_t code_size() const override { return static_cast<size_t>(dim()); }

  void Encode(const float* vectors, int64_t n, const float* centroids, const int32_t* assign,
              uint8_t* codes) const override {
    const int dim = this->dim();
    for (int64_t i = 0; i < n; ++i) {
      const float* v = vectors + static_cast<size_t>(i) * dim;
      const float* c = centroids + static_cast<size_t>(assign[i]) * dim;
      uint8_t* code = codes + static_cast<size_t>(i) * dim;
      for (int d = 0; d < dim; ++d) {
        const float level = std::nearbyint((v[d] - c[d] - lo_[d]) * inv_step_[d]);
        code[d] = static_cast<uint8_t>(std::clamp(level, 0.0f, static_cast<float>(kLevels)));
      }
    }
  }

  bool Decode(const uint8_t* code, const float* centroid, float* out) const override {
    for (int d = 0; d < dim(); ++d) out[d] = centroid[d] + lo_[d] + step_[d] * code[d];
    return true;
  }

  std::unique_ptr<PartitionScanner> NewScanner(const float* query) const override {
    return std::make_unique<SqScanner>(query, dim(), distance(), lo_, step_);
  }

  void Serialize(std::string* out) const override {
    PutFixed32(out, static_cast<uint32_t>(dim()));
    out->append(reinterpret_cast<const char*>(lo_.data()), sizeof(float) * lo_.size());
    out->append(reinterpret_cast<const char*>(step_.data()), sizeof(float) * step_.size());
  }
  size_t memory_bytes() const override {
    return sizeof(float) * (lo_.size() + step_.size() + inv_step_.size());
  }
  nlohmann::json Params() const override { return {{"num_bits", 8}}; }

 private:
  std::vector<float> lo_, step_, inv_step_;
};

}  // namespace

Result<std::unique_ptr<IvfCodec>> TrainSqCodec(Metric metric, int dim, const float* sample, int64_t n,
                                               const float* centroids, const int32_t* assign,
                                               ThreadPool* pool) {
  if (n < 1) return Status::InvalidArgument("scalar quantizer training needs at least one vector");
  if (pool == nullptr) pool = DefaultThreadPool();
  // Per-dimension range of the residuals, reduced over chunks in parallel.
  constexpr int64_t kChunk = 4096;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<float> lo_parts(static_cast<size_t>(chunks) * dim, std::numeric_limits<float>::infinity());
  std::vector<float> hi_parts(static_cast<size_t>(chunks) * dim, -std::numeric_limits<float>::infinity());
  pool->ParallelFor(chunks, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      float* lo = lo_parts.data() + static_cast<size_t>(k) * dim;
      float* hi = hi_parts.data() + static_cast<size_t>(k) * dim;
      for (int64_t i = k * kChunk; i < std::min(n, (k + 1) * kChunk); ++i) {
        const float* v = sample + static_cast<size_t>(i) * dim;
        const float* c = centroids + static_cast<size_t>(assign[i]) * dim;
        for (int d = 0; d < dim; ++d) {
          const float r = v[d] - c[d];
          lo[d] = std::min(lo[d], r);
          hi[d] = std::max(hi[d], r);
        }
      }
    }
  });
  std::vector<float> lo(dim, std::numeric_limits<float>::infinity());
  std::vector<float> step(dim);
  std::vector<float> hi(dim, -std::numeric_limits<float>::infinity());
  for (int64_t k = 0; k < chunks; ++k) {
    for (int d = 0; d < dim; ++d) {
      lo[d] = std::min(lo[d], lo_parts[static_cast<size_t>(k) * dim + d]);
      hi[d] = std::max(hi[d], hi_parts[static_cast<size_t>(k) * dim + d]);
    }
  }
  for (int d = 0; d < dim; ++d) step[d] = (hi[d] - lo[d]) / kLevels;
  return std::unique_ptr<IvfCodec>(new SqCodec(metric, dim, std::move(lo), std::move(step)));
}

Result<std::unique_ptr<IvfCodec>> DeserializeSqCodec(Metric metric, int dim, std::string_view bytes) {
  uint32_t stored_dim = 0;
  if (!GetFixed32(&bytes, &stored_dim)) return Status::Corruption("SQ state is truncated");
  if (stored_dim != static_cast<uint32_t>(dim) ||
      bytes.size() != 2 * sizeof(float) * static_cast<size_t>(dim)) {
    return Status::Corruption("SQ state of dimension " + std::to_string(stored_dim) + " and " +
                              std::to_string(bytes.size()) + " bytes does not fit dimension " +
                              std::to_string(dim));
  }
  std::vector<float> lo(dim), step(dim);
  std::memcpy(lo.data(), bytes.data(), sizeof(float) * dim);
  std::memcpy(step.data(), bytes.data() + sizeof(float) * dim, sizeof(float) * dim);
  for (int d = 0; d < dim; ++d) {
    if (!std::isfinite(lo[d]) || !std::isfinite(step[d]) || step[d] < 0) {
      return Status::Corruption("SQ state holds a non-finite or negative value");
    }
  }
  return std::unique_ptr<IvfCodec>(new SqCodec(metric, dim, std::move(lo), std::move(step)));
}

}  // namespace quiver::index
