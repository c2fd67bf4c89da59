#include "table/vector_indexes.h"

#include <nlohmann/json.hpp>

#include "index/vector/vector_index.h"
#include "table/scan_reader.h"
#include "table/vector_column.h"

namespace quiver {
namespace {

index::VectorIndexType ToVectorType(IndexType type) {
  switch (type) {
    case IndexType::kIvfFlat:
      return index::VectorIndexType::kIvfFlat;
    case IndexType::kIvfSq:
      return index::VectorIndexType::kIvfSq;
    case IndexType::kIvfRq:
      return index::VectorIndexType::kIvfRq;
    case IndexType::kIvfHnswSq:
      return index::VectorIndexType::kIvfHnswSq;
    case IndexType::kIvfHnswPq:
      return index::VectorIndexType::kIvfHnswPq;
    case IndexType::kHnsw:
      return index::VectorIndexType::kHnsw;
    case IndexType::kIvfPq:
    default:
      return index::VectorIndexType::kIvfPq;
  }
}

// The live, non-null vectors of `field` (in `fragments`, all when unset)
// with their row ids.
struct Matrix {
  std::vector<float> values;
  std::vector<uint64_t> row_ids;
  int dim = 0;
  index::VectorData data() const {
    return {values.data(), row_ids.data(), static_cast<int64_t>(row_ids.size()), dim};
  }
};

Result<Matrix> ReadVectors(const Snapshot& snap, int field, std::optional<std::vector<uint64_t>> fragments,
                           const IndexProgressFn& progress) {
  const Field& f = snap.schema().field(field);
  Matrix matrix;
  matrix.dim = f.type->list_size();
  const int64_t total = LiveRows(snap, fragments);
  matrix.values.reserve(static_cast<size_t>(total) * matrix.dim);
  matrix.row_ids.reserve(static_cast<size_t>(total));
  QUIVER_ASSIGN_OR_RETURN(auto reader,
                          OpenColumnScan(std::make_shared<Snapshot>(snap), field, std::move(fragments)));
  for (;;) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader->Next());
    if (batch == nullptr) break;
    const Array& vectors = *batch->column(0);
    const uint64_t* ids = batch->column(1)->values<uint64_t>();
    if (vectors.null_count() == 0) {
      QUIVER_RETURN_NOT_OK(AppendVectorsAsFloat(vectors, &matrix.values));
      matrix.row_ids.insert(matrix.row_ids.end(), ids, ids + batch->num_rows());
    } else {
      for (int64_t i = 0; i < batch->num_rows(); ++i) {
        if (vectors.IsNull(i)) continue;
        QUIVER_RETURN_NOT_OK(AppendVectorsAsFloat(*vectors.Slice(i, 1), &matrix.values));
        matrix.row_ids.push_back(ids[i]);
      }
    }
    if (progress) progress("reading", matrix.row_ids.size(), static_cast<uint64_t>(total));
  }
  return matrix;
}

index::VectorIndexBuildOptions BuildOptions(const IndexOptions& options, index::Metric metric) {
  index::VectorIndexBuildOptions out;
  out.metric = metric;
  out.num_partitions = options.num_partitions;
  out.sample_rate = options.sample_rate;
  out.max_iterations = options.max_iterations;
  out.num_sub_vectors = options.num_sub_vectors;
  out.num_bits = options.num_bits;
  out.m = options.m;
  out.ef_construction = options.ef_construction;
  if (options.build_progress) {
    IndexProgressFn progress = options.build_progress;
    out.progress = [progress](const index::VectorIndexProgress& p) {
      progress(p.stage, p.done, p.total);
      return Status::OK();
    };
  }
  return out;
}

}  // namespace

Result<index::VectorIndexMeta> ParseVectorIndexDetails(const IndexMeta& meta) {
  try {
    return index::VectorIndexMeta::FromJson(nlohmann::json::parse(meta.details));
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption("index \"" + meta.name + "\": malformed details in the manifest: " + e.what());
  }
}

Result<std::string> BuildVectorIndexFiles(const Snapshot& snap, int field, IndexType type,
                                          const IndexOptions& options, const std::string& prefix) {
  const Field& f = snap.schema().field(field);
  if (!f.type->is_vector()) {
    return Status::InvalidArgument(std::string(IndexTypeName(type)) + " indexes need a vector column " +
                                   "(fixed_size_list of float16, float32, int8 or uint8); \"" + f.name +
                                   "\" is " + f.type->ToString());
  }
  QUIVER_ASSIGN_OR_RETURN(index::Metric metric, index::ParseMetric(options.metric));
  if (metric == index::Metric::kHamming) {
    return Status::NotSupported("vector indexes do not support the hamming metric yet; search \"" + f.name +
                                "\" exactly (without an index)");
  }
  QUIVER_ASSIGN_OR_RETURN(Matrix matrix, ReadVectors(snap, field, std::nullopt, options.build_progress));
  if (matrix.row_ids.empty()) {
    return Status::InvalidArgument("cannot build a vector index on \"" + f.name + "\": it holds no vectors");
  }
  QUIVER_ASSIGN_OR_RETURN(index::VectorIndexMeta meta,
                          index::BuildVectorIndex(ToVectorType(type), BuildOptions(options, metric),
                                                  matrix.data(), *snap.files->store(), prefix));
  return meta.ToJson().dump();
}

Result<std::string> UpdateVectorIndexFiles(const Snapshot& snap, const IndexMeta& meta, int field,
                                           const std::vector<uint64_t>& fragments,
                                           const Roaring64Map& removed, const std::string& prefix) {
  QUIVER_ASSIGN_OR_RETURN(auto existing, snap.files->OpenVectorIndex(meta));
  Matrix matrix;
  matrix.dim = snap.schema().field(field).type->list_size();
  if (!fragments.empty()) {
    QUIVER_ASSIGN_OR_RETURN(matrix, ReadVectors(snap, field, fragments, nullptr));
  }
  IndexOptions defaults;
  defaults.metric = index::MetricName(existing->meta().metric);
  QUIVER_ASSIGN_OR_RETURN(index::VectorIndexMeta updated,
                          index::UpdateVectorIndex(*existing, matrix.data(), removed, *snap.files->store(),
                                                   prefix, BuildOptions(defaults, existing->meta().metric)));
  return updated.ToJson().dump();
}

Status DescribeVectorIndex(const IndexMeta& meta, IndexInfo* info) {
  QUIVER_ASSIGN_OR_RETURN(index::VectorIndexMeta details, ParseVectorIndexDetails(meta));
  info->metric = index::MetricName(details.metric);
  info->size_bytes = details.size_bytes;
  info->details = details.params.dump();
  if (details.params.contains("num_partitions") && details.params["num_partitions"].is_number_integer()) {
    info->num_partitions = details.params["num_partitions"].get<int>();
  }
  return Status::OK();
}

}  // namespace quiver
