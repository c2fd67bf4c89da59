// Building and updating a table's vector indexes: reading the vector column
// into the matrix src/index/vector builds from, and the options mapping.
//
// Thread-safety: plain functions over immutable snapshots.
#pragma once

#include <roaring/roaring64map.hh>

#include <string>
#include <vector>

#include "quiver/table.h"
#include "table/snapshot.h"

namespace quiver {

// Builds an index of vector `type` over schema field `field` of `snap`
// (live rows with non-null vectors) into `prefix`; returns the details JSON
// for the manifest. InvalidArgument when the column or options do not fit.
Result<std::string> BuildVectorIndexFiles(const Snapshot& snap, int field, IndexType type,
                                          const IndexOptions& options, const std::string& prefix);

// A copy of the index `meta` without `removed` rows and with the vectors of
// `fragments` added (no retraining), into `prefix`; returns the details.
Result<std::string> UpdateVectorIndexFiles(const Snapshot& snap, const IndexMeta& meta, int field,
                                           const std::vector<uint64_t>& fragments,
                                           const Roaring64Map& removed, const std::string& prefix);

// Metric, partitions and size of a vector index, for ListIndices.
Status DescribeVectorIndex(const IndexMeta& meta, IndexInfo* info);

// A vector index's description (meta.details) from the manifest; Corruption
// naming the index when it is malformed. (TableFiles::VectorIndexDetails
// keeps the parsed form.)
Result<index::VectorIndexMeta> ParseVectorIndexDetails(const IndexMeta& meta);

}  // namespace quiver
