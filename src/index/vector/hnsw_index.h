// The standalone HNSW index (VectorIndexType::kHnsw): one hierarchical
// navigable small-world graph over the full float32 vectors, read whole at
// open. vector_index.cc dispatches to these; see vector_index.h for the
// contract and hnsw.h for the graph itself.
#pragma once

#include <memory>
#include <string>

#include "index/vector/vector_index.h"

namespace quiver::index {

Result<VectorIndexMeta> BuildHnswIndex(const VectorIndexBuildOptions& options, const VectorData& data,
                                       ObjectStore& store, const std::string& prefix);
Result<std::unique_ptr<VectorIndex>> OpenHnswIndex(std::shared_ptr<ObjectStore> store, std::string prefix,
                                                   const VectorIndexMeta& meta);
Result<VectorIndexMeta> UpdateHnswIndex(const VectorIndex& existing, const VectorData& added,
                                        const Roaring64Map& removed, ObjectStore& store,
                                        const std::string& new_prefix,
                                        const VectorIndexBuildOptions& options);

}  // namespace quiver::index
