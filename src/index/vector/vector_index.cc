#include "index/vector/vector_index.h"

#include <cctype>

#include "index/vector/hnsw_index.h"
#include "index/vector/ivf.h"

namespace quiver::index {
namespace {

constexpr VectorIndexType kAllTypes[] = {
    VectorIndexType::kIvfFlat, VectorIndexType::kIvfPq,     VectorIndexType::kIvfSq,
    VectorIndexType::kIvfRq,   VectorIndexType::kIvfHnswSq, VectorIndexType::kIvfHnswPq,
    VectorIndexType::kHnsw,
};

// A non-negative integer member (stored signed or unsigned).
bool GetCount(const nlohmann::json& json, const char* name, uint64_t* out) {
  auto it = json.find(name);
  if (it == json.end()) return false;
  if (it->is_number_unsigned()) {
    *out = it->get<uint64_t>();
    return true;
  }
  if (!it->is_number_integer() || it->get<int64_t>() < 0) return false;
  *out = static_cast<uint64_t>(it->get<int64_t>());
  return true;
}

bool IsIvf(VectorIndexType type) {
  return type == VectorIndexType::kIvfFlat || type == VectorIndexType::kIvfPq ||
         type == VectorIndexType::kIvfSq || type == VectorIndexType::kIvfRq ||
         type == VectorIndexType::kIvfHnswSq || type == VectorIndexType::kIvfHnswPq;
}

Status UnknownType(VectorIndexType type) {
  return Status::InvalidArgument("unknown vector index type " + std::to_string(static_cast<int>(type)));
}

}  // namespace

std::string_view VectorIndexTypeName(VectorIndexType type) {
  switch (type) {
    case VectorIndexType::kIvfFlat:
      return "IVF_FLAT";
    case VectorIndexType::kIvfPq:
      return "IVF_PQ";
    case VectorIndexType::kIvfSq:
      return "IVF_SQ";
    case VectorIndexType::kIvfRq:
      return "IVF_RQ";
    case VectorIndexType::kIvfHnswSq:
      return "IVF_HNSW_SQ";
    case VectorIndexType::kIvfHnswPq:
      return "IVF_HNSW_PQ";
    case VectorIndexType::kHnsw:
      return "HNSW";
  }
  return "UNKNOWN";
}

Result<VectorIndexType> ParseVectorIndexType(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (VectorIndexType t : kAllTypes) {
    if (upper == VectorIndexTypeName(t)) return t;
  }
  return Status::InvalidArgument(
      "unknown vector index type \"" + std::string(name) +
      "\"; expected IVF_FLAT, IVF_PQ, IVF_SQ, IVF_RQ, IVF_HNSW_SQ, IVF_HNSW_PQ or HNSW");
}

nlohmann::json VectorIndexMeta::ToJson() const {
  return {{"type", std::string(VectorIndexTypeName(type))},
          {"metric", std::string(MetricName(metric))},
          {"dim", dim},
          {"num_rows", num_rows},
          {"size_bytes", size_bytes},
          {"params", params}};
}

Result<VectorIndexMeta> VectorIndexMeta::FromJson(const nlohmann::json& json) {
  auto bad = [](std::string_view member) {
    return Status::Corruption("vector index metadata: member \"" + std::string(member) +
                              "\" is missing or malformed");
  };
  if (!json.is_object()) return Status::Corruption("vector index metadata is not a JSON object");
  VectorIndexMeta meta;
  auto it = json.find("type");
  if (it == json.end() || !it->is_string()) return bad("type");
  auto type = ParseVectorIndexType(it->get<std::string>());
  if (!type.ok()) return Status::Corruption("vector index metadata: " + type.status().message());
  meta.type = *type;
  it = json.find("metric");
  if (it == json.end() || !it->is_string()) return bad("metric");
  auto metric = ParseMetric(it->get<std::string>());
  if (!metric.ok()) return Status::Corruption("vector index metadata: " + metric.status().message());
  meta.metric = *metric;
  uint64_t value = 0;
  if (!GetCount(json, "dim", &value) || value == 0 || value > (1u << 20)) return bad("dim");
  meta.dim = static_cast<int>(value);
  if (!GetCount(json, "num_rows", &value) || value > uint64_t{INT64_MAX}) return bad("num_rows");
  meta.num_rows = static_cast<int64_t>(value);
  if (!GetCount(json, "size_bytes", &meta.size_bytes)) return bad("size_bytes");
  it = json.find("params");
  if (it == json.end() || !it->is_object()) return bad("params");
  meta.params = *it;
  return meta;
}

Result<VectorIndexMeta> BuildVectorIndex(VectorIndexType type, const VectorIndexBuildOptions& options,
                                         const VectorData& data, ObjectStore& store,
                                         const std::string& prefix) {
  if (options.metric == Metric::kHamming) {
    return Status::NotSupported(std::string(VectorIndexTypeName(type)) +
                                " indexes do not support the hamming metric (float vectors only)");
  }
  if (IsIvf(type)) return BuildIvfIndex(type, options, data, store, prefix);
  if (type == VectorIndexType::kHnsw) return BuildHnswIndex(options, data, store, prefix);
  return UnknownType(type);
}

Result<std::unique_ptr<VectorIndex>> OpenVectorIndex(std::shared_ptr<ObjectStore> store, std::string prefix,
                                                     const VectorIndexMeta& meta) {
  if (IsIvf(meta.type)) return OpenIvfIndex(std::move(store), std::move(prefix), meta);
  if (meta.type == VectorIndexType::kHnsw) return OpenHnswIndex(std::move(store), std::move(prefix), meta);
  return UnknownType(meta.type);
}

Result<VectorIndexMeta> UpdateVectorIndex(const VectorIndex& existing, const VectorData& added,
                                          const Roaring64Map& removed, ObjectStore& store,
                                          const std::string& new_prefix,
                                          const VectorIndexBuildOptions& options) {
  const VectorIndexType type = existing.meta().type;
  if (IsIvf(type)) {
    const auto* ivf = dynamic_cast<const IvfIndex*>(&existing);
    if (ivf == nullptr)
      return Status::InvalidArgument("an IVF index that is not an IvfIndex cannot be updated");
    return UpdateIvfIndex(*ivf, added, removed, store, new_prefix, options);
  }
  if (type == VectorIndexType::kHnsw)
    return UpdateHnswIndex(existing, added, removed, store, new_prefix, options);
  return UnknownType(type);
}

}  // namespace quiver::index
