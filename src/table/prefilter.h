// Prefilters: the rows of a version a search may return, found by running
// the `where` predicate over the table before the search ranks anything.
//
// Thread-safety: plain functions over an immutable snapshot.
#pragma once

#include <roaring/roaring.hh>
#include <roaring/roaring64map.hh>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "expr/bind.h"
#include "table/row_locator.h"
#include "table/snapshot.h"

namespace quiver {

// Rows a prefilter admits (live rows only): stable row ids, and per fragment
// the physical offsets.
struct Allowed {
  Roaring64Map row_ids;
  std::unordered_map<uint64_t, Roaring> offsets;  // fragment id -> offsets
  int64_t count = 0;
};

// Which row ids an index's entries may still stand for: live rows of the
// fragments of the version it covers (its other entries were deleted, or
// their fragments left the version).
class CoveredRows {
 public:
  // Null when the index holds exactly the live rows of `covered` (it covers
  // no fragment that left, and none has deletions): nothing needs checking.
  static Result<std::unique_ptr<CoveredRows>> Make(const Snapshot& snap, const IndexMeta& index,
                                                   const std::vector<const Fragment*>& covered);
  bool Contains(uint64_t row_id) const;

 private:
  explicit CoveredRows(const std::vector<const Fragment*>& covered) : locator_(covered) {}
  RowLocator locator_;
  std::unordered_map<uint64_t, std::shared_ptr<const Roaring>> deleted_;  // fragment id -> deletions
};

// The live rows of `snap` where `predicate` is TRUE.
Result<Allowed> RunPrefilter(const std::shared_ptr<const Snapshot>& snap,
                             const expr::BoundExprPtr& predicate);

}  // namespace quiver
