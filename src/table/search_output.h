// The rows a search returns: taken by stable row id with the projected
// columns, a postfilter applied, and the search's own columns (_distance,
// _score, _rowid, ...) appended.
//
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "expr/bind.h"
#include "table/snapshot.h"

namespace quiver {

struct TakenRows {
  // Fields `output_fields`, then any other columns the postfilter reads.
  BatchPtr rows;
  // Indexes of the rows that pass the postfilter (every row without one).
  std::vector<int64_t> passing;
};

// Rows `ids` of `snap` with `output_fields` and, when `postfilter` is set,
// the indexes of those where it is TRUE.
Result<TakenRows> TakeRowsForOutput(const Snapshot& snap, std::span<const uint64_t> ids,
                                    const std::vector<int>& output_fields,
                                    const expr::BoundExprPtr& postfilter);

// A non-nullable column of `values[selected[i]]`.
ArrayPtr SelectedFloats(const std::vector<float>& values, std::span<const int64_t> selected);
ArrayPtr SelectedUInt64s(const std::vector<uint64_t>& values, std::span<const int64_t> selected);
ArrayPtr SelectedInt32s(const std::vector<int32_t>& values, std::span<const int64_t> selected);

// The first `num_output` columns of `rows` at `selected`, followed by
// `extra` (each `selected.size()` long).
Result<BatchPtr> AssembleOutput(const BatchPtr& rows, size_t num_output, std::span<const int64_t> selected,
                                std::vector<std::pair<Field, ArrayPtr>> extra);

}  // namespace quiver
