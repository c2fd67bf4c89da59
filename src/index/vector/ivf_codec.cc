#include "index/vector/ivf_codec.h"

#include "index/vector/pq.h"
#include "index/vector/rabitq.h"
#include "index/vector/sq.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace quiver::index {
namespace {

class FlatScanner final : public PartitionScanner {
 public:
  FlatScanner(const float* query, int dim, CodecDistance distance)
      : query_(query, query + dim), distance_(distance), kernels_(Kernels()) {}

  void SetPartition(int partition, const float* centroid) override {}

  void Scan(const uint8_t* codes, const uint64_t* row_ids, int64_t n, const RowIdFilter* allowed,
            TopK* top) override {
    const float* base = reinterpret_cast<const float*>(codes);
    const size_t dim = query_.size();
    // In slices, so the distances stay in L1 while they are offered.
    constexpr int64_t kSlice = 256;
    float dist[kSlice];
    for (int64_t first = 0; first < n; first += kSlice) {
      const int64_t m = std::min(kSlice, n - first);
      const float* slice = base + static_cast<size_t>(first) * dim;
      if (distance_ == CodecDistance::kL2) {
        kernels_.l2_f32_many(query_.data(), slice, m, dim, dist);
      } else {
        kernels_.dot_f32_many(query_.data(), slice, m, dim, dist);
        for (int64_t i = 0; i < m; ++i) dist[i] = DotToDistance(dist[i]);
      }
      PushCandidates(dist, row_ids + first, m, allowed, top);
    }
  }

  float Distance(const uint8_t* code) override {
    const float* v = reinterpret_cast<const float*>(code);
    if (distance_ == CodecDistance::kL2) return kernels_.l2_f32(query_.data(), v, query_.size());
    return DotToDistance(kernels_.dot_f32(query_.data(), v, query_.size()));
  }

 private:
  std::vector<float> query_;
  CodecDistance distance_;
  const DistanceKernels& kernels_;
};

class FlatCodec final : public IvfCodec {
 public:
  using IvfCodec::IvfCodec;
  IvfCodecKind kind() const override { return IvfCodecKind::kFlat; }
  size_t code_size() const override { return sizeof(float) * dim(); }
  void Encode(const float* vectors, int64_t n, const float* centroids, const int32_t* assign,
              uint8_t* codes) const override {
    std::memcpy(codes, vectors, static_cast<size_t>(n) * code_size());
  }
  bool Decode(const uint8_t* code, const float* centroid, float* out) const override {
    std::memcpy(out, code, code_size());
    return true;
  }
  std::unique_ptr<PartitionScanner> NewScanner(const float* query) const override {
    return std::make_unique<FlatScanner>(query, dim(), distance());
  }
  void Serialize(std::string* out) const override {}
  size_t memory_bytes() const override { return 0; }
};

}  // namespace

void IvfCodec::Pack(const uint8_t* codes, int64_t n, uint8_t* packed) const {
  std::memcpy(packed, codes, static_cast<size_t>(n) * code_size());
}

void IvfCodec::Unpack(const uint8_t* packed, int64_t n, uint8_t* codes) const {
  std::memcpy(codes, packed, static_cast<size_t>(n) * code_size());
}

std::string_view IvfCodecName(IvfCodecKind kind) {
  switch (kind) {
    case IvfCodecKind::kFlat:
      return "flat";
    case IvfCodecKind::kPq:
      return "pq";
    case IvfCodecKind::kSq:
      return "sq";
    case IvfCodecKind::kRaBitQ:
      return "rabitq";
  }
  return "unknown";
}

std::unique_ptr<IvfCodec> MakeFlatCodec(Metric metric, int dim) {
  return std::make_unique<FlatCodec>(metric, dim);
}

Result<std::unique_ptr<IvfCodec>> DeserializeIvfCodec(IvfCodecKind kind, Metric metric, int dim,
                                                      std::string_view bytes) {
  switch (kind) {
    case IvfCodecKind::kFlat:
      if (!bytes.empty())
        return Status::Corruption("flat codec with " + std::to_string(bytes.size()) + " bytes of state");
      return MakeFlatCodec(metric, dim);
    case IvfCodecKind::kPq:
      return DeserializePqCodec(metric, dim, bytes);
    case IvfCodecKind::kSq:
      return DeserializeSqCodec(metric, dim, bytes);
    case IvfCodecKind::kRaBitQ:
      return DeserializeRaBitQCodec(metric, dim, bytes);
    default:
      break;
  }
  return Status::Corruption("unknown IVF codec " + std::to_string(static_cast<int>(kind)));
}

}  // namespace quiver::index
