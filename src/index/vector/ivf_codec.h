// The codecs of the IVF indexes: how the vectors of a partition are stored
// (full floats, PQ, SQ or RaBitQ codes) and how a query's distances to them
// are computed. The IVF container (ivf.h) owns centroids and partitions;
// a codec turns vectors into codes and back into distances, and knows
// nothing of files or partitions' whereabouts (faiss's InvertedLists /
// codec split).
//
// Vectors reach a codec already prepared for the metric: unit vectors for
// cosine. Codecs that encode residuals (PQ, SQ, RaBitQ) are given each
// vector's partition centroid. Every codec computes one of two distances:
//   kL2             squared L2 (metric l2)
//   kInnerProduct   1 - dot(query, vector) (metrics cosine, on unit
//                   vectors, and dot)
//
// A partition's codes are stored "packed" (PackedSize bytes for n codes):
// most codecs store the n codes back to back; fast-scan codecs interleave
// them in blocks of 32. Pack/Unpack convert from/to n x code_size() bytes.
//
// Searching: one PartitionScanner per query (NewScanner), told each probed
// partition in turn (SetPartition), then scanning that partition's packed
// codes in one call (Scan), which is where the inner loop lives: no virtual
// call per candidate. A graph search inside a partition (IVF_HNSW_*) uses
// Distance() on single codes instead.
//
// Thread-safety: codecs are immutable and thread-safe; a scanner belongs to
// one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "index/vector/distance.h"
#include "index/vector/topk.h"
#include "index/vector/vector_index.h"
#include "quiver/status.h"

namespace quiver::index {

enum class IvfCodecKind : uint8_t { kFlat = 0, kPq = 1, kSq = 2, kRaBitQ = 3 };

// Which distance a codec computes for a metric (see above).
enum class CodecDistance : uint8_t { kL2 = 0, kInnerProduct = 1 };
inline CodecDistance CodecDistanceFor(Metric metric) {
  return metric == Metric::kL2 ? CodecDistance::kL2 : CodecDistance::kInnerProduct;
}

// Computes one query's distances to the codes of one partition at a time.
class PartitionScanner {
 public:
  virtual ~PartitionScanner() = default;

  // Prepares for the partition `partition` whose centroid is `centroid`
  // (dim floats; stays valid until the next call).
  virtual void SetPartition(int partition, const float* centroid) = 0;
  // Offers the partition's `n` vectors (`codes` packed, `row_ids` n values)
  // to `top`, skipping rows `allowed` (when not null) does not contain.
  // `codes` is 64-byte aligned.
  virtual void Scan(const uint8_t* codes, const uint64_t* row_ids, int64_t n, const RowIdFilter* allowed,
                    TopK* top) = 0;
  // The distance to one vector given its unpacked code (code_size bytes).
  virtual float Distance(const uint8_t* code) = 0;
};

class IvfCodec {
 public:
  IvfCodec(Metric metric, int dim) : metric_(metric), distance_(CodecDistanceFor(metric)), dim_(dim) {}
  virtual ~IvfCodec() = default;

  virtual IvfCodecKind kind() const = 0;
  Metric metric() const { return metric_; }
  CodecDistance distance() const { return distance_; }
  int dim() const { return dim_; }

  // Bytes of one vector's (unpacked) code.
  virtual size_t code_size() const = 0;
  // Encodes n vectors (n x dim); vector i belongs to the partition whose
  // centroid is centroids + assign[i] * dim. Writes n x code_size() bytes.
  virtual void Encode(const float* vectors, int64_t n, const float* centroids, const int32_t* assign,
                      uint8_t* codes) const = 0;

  // The vector an unpacked code stands for (dim floats, prepared for the
  // metric), given its partition's centroid; false when the codec cannot
  // say (RaBitQ keeps too little). Used to rebuild the graphs of IVF_HNSW_*
  // indexes on update.
  virtual bool Decode(const uint8_t* code, const float* centroid, float* out) const { return false; }

  // Bytes of n codes as stored in a partition, and the conversions.
  virtual size_t PackedSize(int64_t n) const { return static_cast<size_t>(n) * code_size(); }
  virtual void Pack(const uint8_t* codes, int64_t n, uint8_t* packed) const;
  virtual void Unpack(const uint8_t* packed, int64_t n, uint8_t* codes) const;

  // A scanner for `query` (dim floats, a unit vector for cosine).
  virtual std::unique_ptr<PartitionScanner> NewScanner(const float* query) const = 0;

  // The codec's trained state (codebooks, ranges, ...), for the index
  // header; DeserializeIvfCodec reads it back.
  virtual void Serialize(std::string* out) const = 0;
  // Bytes of memory the trained state holds.
  virtual size_t memory_bytes() const = 0;
  // The codec's parameters for the index metadata ("num_sub_vectors", ...).
  virtual nlohmann::json Params() const { return nlohmann::json::object(); }

 private:
  Metric metric_;
  CodecDistance distance_;
  int dim_;
};

// "flat", "pq", "sq", "rabitq".
std::string_view IvfCodecName(IvfCodecKind kind);

// A codec of `kind` from Serialize's bytes. Corruption when they do not fit.
Result<std::unique_ptr<IvfCodec>> DeserializeIvfCodec(IvfCodecKind kind, Metric metric, int dim,
                                                      std::string_view bytes);

// Full float32 vectors: exact distances. Codes are dim floats.
std::unique_ptr<IvfCodec> MakeFlatCodec(Metric metric, int dim);

// Offers n precomputed distances of a partition to `top`: a candidate is
// tested with `allowed` only when it would enter.
inline void PushCandidates(const float* distances, const uint64_t* row_ids, int64_t n,
                           const RowIdFilter* allowed, TopK* top) {
  float threshold = top->threshold();
  for (int64_t i = 0; i < n; ++i) {
    const float d = distances[i];
    if (d > threshold) continue;
    if (allowed != nullptr && !allowed->Contains(row_ids[i])) continue;
    top->Push(d, row_ids[i]);
    threshold = top->threshold();
  }
}

}  // namespace quiver::index
