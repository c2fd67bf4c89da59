// Sorting the rows of a record batch by one or more columns, as SQL's
// ORDER BY does: each key ascending or descending, NULLs first or last,
// ties broken by the next key and then by the original row order (stable).
//
//   std::vector<quiver::SortKey> keys = {{"price", /*ascending=*/false}, {"id"}};
//   QUIVER_ASSIGN_OR_RETURN(auto sorted, quiver::SortBatch(*batch, keys));
//
// Keys may be numbers (float16/32/64 sort NaN after every other number),
// bool, utf8/binary (byte order), timestamps and dates. Lists, structs and
// vectors cannot be sort keys (InvalidArgument naming the column).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "quiver/array.h"

namespace quiver {

struct SortKey {
  std::string column;
  bool ascending = true;
  bool nulls_first = false;
};

// The row numbers of `batch` in sorted order. InvalidArgument for an
// unknown column (naming the columns there are) or a type that cannot be
// sorted.
Result<std::vector<int64_t>> SortIndices(const RecordBatch& batch, const std::vector<SortKey>& keys);

// The rows of `batch` in sorted order, then rows [offset, offset + limit)
// of that (limit < 0: all the rest).
Result<BatchPtr> SortBatch(const RecordBatch& batch, const std::vector<SortKey>& keys, int64_t offset = 0,
                           int64_t limit = -1);

}  // namespace quiver
