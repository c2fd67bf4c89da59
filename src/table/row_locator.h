// RowLocator: finds a stable row id's fragment and physical offset within
// a set of fragments (binary search over their row id ranges).
//
// Thread-safety: immutable after construction.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "format/manifest.h"

namespace quiver {

// Rows of the version by stable row id: which fragment, which offset.
class RowLocator {
 public:
  // Over `fragments`, which must outlive the locator.
  explicit RowLocator(const std::vector<const Fragment*>& fragments) {
    for (const Fragment* f : fragments) {
      int64_t base = 0;
      for (const RowIdRange& r : f->row_ids) {
        ranges_.push_back({r.start, r.end, f, base});
        base += static_cast<int64_t>(r.size());
      }
    }
    std::sort(ranges_.begin(), ranges_.end(),
              [](const Range& a, const Range& b) { return a.start < b.start; });
  }
  // (fragment, physical offset), or a null fragment when the id is not here.
  std::pair<const Fragment*, int64_t> Find(uint64_t row_id) const {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), row_id,
                               [](uint64_t id, const Range& r) { return id < r.start; });
    // Ranges of different fragments do not overlap (row ids are unique in
    // a version), so the last range starting at or before the id decides.
    if (it == ranges_.begin()) return {nullptr, 0};
    --it;
    if (row_id >= it->end) return {nullptr, 0};
    return {it->fragment, it->base + static_cast<int64_t>(row_id - it->start)};
  }

 private:
  struct Range {
    uint64_t start, end;
    const Fragment* fragment;
    int64_t base;
  };
  std::vector<Range> ranges_;
};

}  // namespace quiver
