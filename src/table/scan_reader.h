// The scan executor: streams the rows of a snapshot that a filter plan
// (filter.h) selects, with projection or computed select expressions,
// offset, limit and row ids. Chunks of candidate rows are read and filtered
// ahead on the thread pool, and emitted in table order.
//
// Late materialisation: the predicate's columns are read first; the other
// output columns are read only for the chunks with matches, by take when
// few rows of the chunk match.
//
// Thread-safety: a reader is used by one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "expr/bind.h"
#include "quiver/batch_reader.h"
#include "table/snapshot.h"

namespace quiver {

struct ScanSpec {
  expr::BoundExprPtr predicate;  // null: every row
  // Output: the schema fields `fields`, or, when `select` is not empty,
  // one column per select item.
  std::vector<int> fields;
  struct SelectItem {
    std::string name;
    expr::BoundExprPtr expr;
  };
  std::vector<SelectItem> select;
  int64_t offset = 0;
  int64_t limit = -1;  // -1: no limit
  bool with_row_id = false;
  // Adds a uint64 `_rowaddr` column: fragment id << 32 | physical row, the
  // row's place in this version (what delete and update need).
  bool with_row_addr = false;
  int64_t batch_size = 8192;
  // When set, only these fragments (by id) are read.
  std::optional<std::vector<uint64_t>> only_fragments;
};

inline uint64_t RowAddress(uint64_t fragment_id, int64_t offset) {
  return (fragment_id << 32) | static_cast<uint64_t>(offset);
}

Result<std::unique_ptr<BatchReader>> OpenScan(std::shared_ptr<const Snapshot> snapshot, ScanSpec spec);

// The live rows of one schema field with their row ids (batches of
// (value, _rowid), 65,536 rows at most), in the fragments `fragments` (all
// when unset): what index builds read.
Result<std::unique_ptr<BatchReader>> OpenColumnScan(std::shared_ptr<const Snapshot> snapshot, int field,
                                                    std::optional<std::vector<uint64_t>> fragments);
// The number of live rows in those fragments.
int64_t LiveRows(const Snapshot& snapshot, const std::optional<std::vector<uint64_t>>& fragments);

}  // namespace quiver
