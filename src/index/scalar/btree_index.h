// BTREE scalar index: every (value, row id) of a column, sorted, in pages
// of a few thousand entries, plus a lookup of each page's first and last
// key kept in the footer. Opening reads the footer only; a search finds the
// pages whose key span meets the query by binary search over the lookup and
// reads just those, by byte range. Format: docs/format.md, "BTREE files".
//
// Thread-safety: the index returned by OpenBTreeIndex is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "index/scalar/index_input.h"
#include "index/scalar/scalar_index.h"

namespace quiver::index {

inline constexpr char kBTreeFileName[] = "btree.qvi";

// Builds from `input` (see BuildScalarIndex).
Result<ScalarIndexMeta> BuildBTreeIndex(const Field& column, IndexInput& input, ObjectStore& store,
                                        const std::string& prefix, const ScalarIndexBuildOptions& options);

Result<std::unique_ptr<ScalarIndex>> OpenBTreeIndex(ObjectStorePtr store, const std::string& prefix,
                                                    const ScalarIndexMeta& meta);

}  // namespace quiver::index
