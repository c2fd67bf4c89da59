// The IVF container: the IVF_FLAT, IVF_PQ, IVF_SQ and IVF_RQ indexes, and
// IVF_HNSW_SQ / IVF_HNSW_PQ, whose partitions also carry an HNSW graph
// (hnsw.h) over their codes: a probed partition is then searched through
// its graph (beam width `ef`) instead of scanned.
//
// Vectors are split into partitions by k-means (kmeans.h); each partition
// (an inverted list) holds its rows' ids and codes in the codec's format
// (ivf_codec.h). The index is one file, "ivf.qvi", laid out for object
// storage (docs/format.md, "Vector indexes"):
//
//   header | codec state | centroids | partition table | partition 0 | ...
//
// Open reads the front (header to partition table) in one ranged read. A
// search ranks the centroids, reads just the probed partitions by byte
// range (adjacent ones in one request), verifies their checksums, and keeps
// them in a bounded LRU cache, so repeated queries read nothing.
//
// Thread-safety: an open IvfIndex is thread-safe (the cache has a mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "index/vector/ivf_codec.h"
#include "index/vector/vector_index.h"
#include "io/object_store.h"
#include "quiver/buffer.h"

namespace quiver::index {

// The index file's name under the index prefix.
inline constexpr const char* kIvfFileName = "ivf.qvi";
// Partitions kept in memory per open index unless told otherwise.
inline constexpr uint64_t kDefaultIvfCacheBytes = uint64_t{256} << 20;

// The partition count BuildVectorIndex uses for num_partitions = 0 over
// `rows` rows: about sqrt(rows), at most rows / 32, at least 1.
int DefaultNumPartitions(int64_t rows);

class HnswGraph;

// One partition as read from the file: `count` row ids and their packed
// codes. `codes` is 64-byte aligned. IVF_HNSW_* partitions also hold the
// graph over their codes (node i is row i).
struct IvfPartition {
  BufferPtr bytes;  // owns what codes and row_ids point into
  const uint8_t* codes = nullptr;
  const uint64_t* row_ids = nullptr;
  int64_t count = 0;
  std::shared_ptr<const HnswGraph> graph;
};

struct IvfOpenOptions {
  // Bytes of partitions kept in memory (0: none are kept).
  uint64_t cache_bytes = kDefaultIvfCacheBytes;
};

class IvfIndex : public VectorIndex {
 public:
  ~IvfIndex() override;

  const VectorIndexMeta& meta() const override { return meta_; }
  VectorIndexStats Stats() const override;
  Result<std::vector<Neighbor>> Search(std::span<const float> query, const VectorQueryParams& params,
                                       const RowIdFilter* allowed) const override;

  int num_partitions() const { return num_partitions_; }
  // num_partitions x dim floats, row-major.
  const std::vector<float>& centroids() const { return centroids_; }
  const IvfCodec& codec() const { return *codec_; }
  // IVF_HNSW_*: the graphs' m; 0 for the other kinds.
  int graph_m() const { return graph_m_; }
  // Rows in partition p.
  int64_t partition_size(int p) const;

  // The partitions nearest `query` (prepared for the metric: a unit vector
  // for cosine), nearest first, at most `nprobes`.
  std::vector<int> NearestPartitions(const float* query, int nprobes) const;
  // Partition p, from the cache or the file (and then cached when
  // `cache`). IOError from the store; Corruption when its bytes are damaged.
  Result<std::shared_ptr<const IvfPartition>> ReadPartition(int p, bool cache = true) const;

 private:
  friend Result<std::unique_ptr<VectorIndex>> OpenIvfIndex(std::shared_ptr<ObjectStore> store,
                                                           std::string prefix, const VectorIndexMeta& meta,
                                                           const IvfOpenOptions& options);
  struct PartitionRef;
  class Cache;
  IvfIndex();
  // Reads the missing ones of `partitions` (adjacent ones together) into
  // `out[i]` for partitions[i].
  Status ReadPartitions(const std::vector<int>& partitions, bool cache,
                        std::vector<std::shared_ptr<const IvfPartition>>* out) const;
  // Verifies partition p's bytes; copies them when `copy` or when they are
  // not aligned.
  Result<std::shared_ptr<const IvfPartition>> DecodePartition(int p, BufferPtr bytes, bool copy) const;

  VectorIndexMeta meta_;
  std::shared_ptr<ObjectStore> store_;
  std::string key_;
  int num_partitions_ = 0;
  std::vector<float> centroids_;
  std::vector<float> centroid_norms_;
  std::vector<PartitionRef> partitions_;
  std::unique_ptr<IvfCodec> codec_;
  uint64_t head_bytes_ = 0;
  int graph_m_ = 0;  // IVF_HNSW_*: the graphs' m
  std::unique_ptr<Cache> cache_;
};

// See BuildVectorIndex; `type` is one of the IVF kinds above.
Result<VectorIndexMeta> BuildIvfIndex(VectorIndexType type, const VectorIndexBuildOptions& options,
                                      const VectorData& data, ObjectStore& store, const std::string& prefix);
// See OpenVectorIndex.
Result<std::unique_ptr<VectorIndex>> OpenIvfIndex(std::shared_ptr<ObjectStore> store, std::string prefix,
                                                  const VectorIndexMeta& meta,
                                                  const IvfOpenOptions& options = {});
// See UpdateVectorIndex; `existing` must be an IvfIndex.
Result<VectorIndexMeta> UpdateIvfIndex(const IvfIndex& existing, const VectorData& added,
                                       const Roaring64Map& removed, ObjectStore& store,
                                       const std::string& new_prefix, const VectorIndexBuildOptions& options);

}  // namespace quiver::index
