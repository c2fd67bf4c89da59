// Prefilters: the rows of a version a search may return, found by running
// the `where` predicate over the table before the search ranks anything.
//
// Thread-safety: plain functions over an immutable snapshot.
#pragma once

#include <roaring/roaring.hh>
#include <roaring/roaring64map.hh>

#include <cstdint>
#include <unordered_map>

#include "expr/bind.h"
#include "table/snapshot.h"

namespace quiver {

// Rows a prefilter admits (live rows only): stable row ids, and per fragment
// the physical offsets.
struct Allowed {
  Roaring64Map row_ids;
  std::unordered_map<uint64_t, Roaring> offsets;  // fragment id -> offsets
  int64_t count = 0;
};

// The live rows of `snap` where `predicate` is TRUE.
Result<Allowed> RunPrefilter(const std::shared_ptr<const Snapshot>& snap,
                             const expr::BoundExprPtr& predicate);

}  // namespace quiver
