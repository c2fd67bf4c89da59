// Vector indexes: approximate nearest-neighbour search over one vector
// column, stored with a table version under "_indices/<uuid>/".
//
// The kinds (LanceDB's names):
//   IVF_FLAT     k-means partitions (inverted lists) holding full vectors
//   IVF_PQ       partitions holding product-quantised codes (4 or 8 bits)
//   IVF_SQ       partitions holding 8-bit scalar-quantised codes
//   IVF_RQ       partitions holding RaBitQ 1-bit codes with error bounds
//   IVF_HNSW_SQ  an HNSW graph over SQ codes inside each partition
//   IVF_HNSW_PQ  an HNSW graph over PQ codes inside each partition
//   HNSW         one HNSW graph over the full vectors
//
// An index is built from a contiguous matrix of vectors with their stable
// row ids, persisted through an ObjectStore, and opened by reading its
// header (and, for IVF, its centroids); IVF partitions are then fetched by
// byte range only when a query probes them (and kept in a bounded cache).
// Search parameters are arguments, never index state.
//
//   VectorIndexMeta meta = BuildVectorIndex(VectorIndexType::kIvfPq, options, data,
//                                           *store, "_indices/<uuid>/").value();
//   auto index = OpenVectorIndex(store, "_indices/<uuid>/", meta).value();
//   std::vector<Neighbor> nearest = index->Search(query, params, nullptr).value();
//
// Distances follow the conventions of distance.h. For IVF_FLAT and HNSW
// they are exact; for the quantised kinds they are estimates from the
// codes, and callers wanting exact ranking re-rank more candidates
// (LanceDB's refine_factor), which is the table layer's job.
//
// Files are specified in docs/format.md ("Vector indexes").
//
// Thread-safety: a VectorIndex is immutable once opened; Search may be
// called from many threads at once.
#pragma once

#include <roaring/roaring64map.hh>

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/thread_pool.h"
#include "index/vector/distance.h"
#include "index/vector/topk.h"
#include "io/object_store.h"
#include "quiver/status.h"

namespace quiver::index {

enum class VectorIndexType : uint8_t {
  kIvfFlat = 0,
  kIvfPq = 1,
  kIvfSq = 2,
  kIvfRq = 3,
  kIvfHnswSq = 4,
  kIvfHnswPq = 5,
  kHnsw = 6,
};

// "IVF_FLAT", "IVF_PQ", "IVF_SQ", "IVF_RQ", "IVF_HNSW_SQ", "IVF_HNSW_PQ", "HNSW".
std::string_view VectorIndexTypeName(VectorIndexType type);
// Case-insensitive; InvalidArgument listing the valid names otherwise.
Result<VectorIndexType> ParseVectorIndexType(std::string_view name);

// Reported while building. `stage` names the step ("sampling", "training
// centroids", "training codebooks", "assigning", "encoding", "graph",
// "writing"); `done` of `total` units of that step.
struct VectorIndexProgress {
  std::string_view stage;
  uint64_t done = 0;
  uint64_t total = 0;
};
// Returning a non-OK status cancels the build with that status.
using VectorIndexProgressFn = std::function<Status(const VectorIndexProgress&)>;

// Build parameters. Zero means "choose from the data": see each field.
struct VectorIndexBuildOptions {
  Metric metric = Metric::kL2;
  // IVF: partitions; 0 = about sqrt(rows), at least 1, and never more
  // than rows / 32 (LanceDB's rule of thumb, capped for small tables).
  int num_partitions = 0;
  // IVF: k-means trains on num_partitions * sample_rate rows (all rows
  // when fewer).
  int sample_rate = 256;
  int max_iterations = 50;
  // PQ: sub-vectors (must divide dim); 0 = dim / 8 when that divides,
  // else the largest divisor of dim up to dim / 4... chosen so each
  // sub-vector has a few dimensions.
  int num_sub_vectors = 0;
  // PQ: bits per code, 4 or 8 (0 = 8).
  int num_bits = 0;
  // HNSW: neighbours per node (layer 0 keeps 2m) and build beam width.
  int m = 20;
  int ef_construction = 300;
  uint64_t seed = 42;
  // Runs the parallel parts; DefaultThreadPool() when null.
  ThreadPool* pool = nullptr;
  VectorIndexProgressFn progress;
};

// The vectors to index: n x dim float32, row-major, with their row ids.
// (The table layer converts float16 and 8-bit columns to float32.)
struct VectorData {
  const float* vectors = nullptr;
  const uint64_t* row_ids = nullptr;
  int64_t num_rows = 0;
  int dim = 0;
};

// Per-query parameters.
struct VectorQueryParams {
  // Results wanted (the caller asks for k * refine_factor to re-rank).
  int64_t k = 10;
  // IVF: partitions probed, nearest centroids first: nprobes of them,
  // then, while fewer than k rows were found (a selective prefilter, small
  // partitions), more, up to max_nprobes in all (no more than nprobes when
  // max_nprobes is below it).
  int nprobes = 20;
  int max_nprobes = 0;
  // HNSW: beam width at layer 0; 0 = max(k, 40) (hnswlib-like default;
  // never below k).
  int ef = 0;
};

// Restricts a search to some rows (a prefilter). Indexes test each
// candidate with Contains before it may enter the results.
class RowIdFilter {
 public:
  virtual ~RowIdFilter() = default;
  virtual bool Contains(uint64_t row_id) const = 0;
};

// The allowed rows as a bitmap.
class BitmapRowIdFilter : public RowIdFilter {
 public:
  explicit BitmapRowIdFilter(const Roaring64Map* allowed) : allowed_(allowed) {}
  bool Contains(uint64_t row_id) const override { return allowed_->contains(row_id); }

 private:
  const Roaring64Map* allowed_;
};

// What a built index is, stored as JSON in the table manifest (the
// IndexMeta `details`). Type-specific parameters (partitions, sub-vectors,
// bits, m, ef_construction, file names and sizes) live in `params`.
struct VectorIndexMeta {
  VectorIndexType type = VectorIndexType::kIvfPq;
  Metric metric = Metric::kL2;
  int dim = 0;
  int64_t num_rows = 0;
  uint64_t size_bytes = 0;  // all files of the index
  nlohmann::json params = nlohmann::json::object();

  nlohmann::json ToJson() const;
  // Corruption naming the problem when a field is missing or wrong.
  static Result<VectorIndexMeta> FromJson(const nlohmann::json& json);
};

struct VectorIndexStats {
  VectorIndexType type;
  Metric metric;
  int dim = 0;
  int64_t num_rows = 0;
  uint64_t size_bytes = 0;
  int num_partitions = 0;     // IVF kinds
  uint64_t memory_bytes = 0;  // resident now: header, centroids, cached partitions, graph
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;
  virtual const VectorIndexMeta& meta() const = 0;
  virtual VectorIndexStats Stats() const = 0;

  // Up to params.k nearest neighbours of `query` (dim floats) among the
  // indexed rows `allowed` contains (all when null), nearest first.
  // InvalidArgument when the query has the wrong dimension; IOError or
  // Corruption when a partition cannot be read.
  virtual Result<std::vector<Neighbor>> Search(std::span<const float> query, const VectorQueryParams& params,
                                               const RowIdFilter* allowed) const = 0;
};

// Builds an index of `type` over `data` and writes its files under `prefix`
// in `store`. InvalidArgument for parameters that do not fit the data
// (sub-vectors not dividing dim, more partitions than rows, ...), naming
// them; NotSupported for metric kHamming. On error, files written so far
// are left for the caller to delete (it owns the prefix).
Result<VectorIndexMeta> BuildVectorIndex(VectorIndexType type, const VectorIndexBuildOptions& options,
                                         const VectorData& data, ObjectStore& store,
                                         const std::string& prefix);

// Opens a built index. Reads the header (and IVF centroids) now; the rest
// on demand.
Result<std::unique_ptr<VectorIndex>> OpenVectorIndex(std::shared_ptr<ObjectStore> store, std::string prefix,
                                                     const VectorIndexMeta& meta);

// A new index (files under `new_prefix`) holding `existing`'s rows minus
// `removed`, plus `added`, without retraining: new vectors go to their
// nearest existing partitions with the existing codebooks (IVF), or are
// inserted into the graph (HNSW).
Result<VectorIndexMeta> UpdateVectorIndex(const VectorIndex& existing, const VectorData& added,
                                          const Roaring64Map& removed, ObjectStore& store,
                                          const std::string& new_prefix,
                                          const VectorIndexBuildOptions& options);

}  // namespace quiver::index
