// BITMAP and LABEL_LIST scalar indexes: one serialised row id bitmap per
// distinct value (BITMAP) or per distinct list element (LABEL_LIST), stored
// one after another, behind a sorted dictionary of the values with each
// bitmap's byte range, kept in the footer. Opening reads the footer; a
// search reads only the bitmaps of the values it needs. Format:
// docs/format.md, "BITMAP and LABEL_LIST files".
//
// Thread-safety: the index returned by OpenBitmapIndex is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "index/scalar/index_input.h"
#include "index/scalar/scalar_index.h"

namespace quiver::index {

inline constexpr char kBitmapFileName[] = "bitmap.qvi";
inline constexpr char kLabelListFileName[] = "label_list.qvi";

// `type` is kBitmap or kLabelList (see BuildScalarIndex).
Result<ScalarIndexMeta> BuildBitmapIndex(ScalarIndexType type, const Field& column, IndexInput& input,
                                         ObjectStore& store, const std::string& prefix,
                                         const ScalarIndexBuildOptions& options);

Result<std::unique_ptr<ScalarIndex>> OpenBitmapIndex(ObjectStorePtr store, const std::string& prefix,
                                                     const ScalarIndexMeta& meta);

}  // namespace quiver::index
