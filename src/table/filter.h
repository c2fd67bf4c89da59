// Filter planning: which rows of a snapshot a predicate can match, decided
// from scalar indexes and data-file page statistics before any value is
// read, so that `id = 123456` on an unindexed table reads only the pages
// whose min/max admit 123456.
//
// Thread-safety: plain functions over an immutable snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "expr/bind.h"
#include "table/snapshot.h"

namespace quiver {

// Ascending, disjoint physical row ranges [begin, end) of one fragment.
using RowRanges = std::vector<std::pair<int64_t, int64_t>>;

struct FragmentPlan {
  const Fragment* fragment = nullptr;
  // The candidate rows: physical row ranges to read and test, or, when
  // use_rows is set (an index narrowed the fragment down), the candidate
  // physical rows themselves, ascending.
  RowRanges ranges;
  bool use_rows = false;
  std::vector<int64_t> rows;
  // The candidates all match: the predicate need not be evaluated.
  bool exact = false;

  int64_t num_candidates() const;
};

struct FilterPlan {
  expr::BoundExprPtr predicate;         // null: every row matches
  std::vector<FragmentPlan> fragments;  // table order; fragments ruled out are left out
  // What the planner did, one line per step, for Explain().
  std::vector<std::string> steps;
};

// Plans `predicate` (null for none) over `snap`. Reads data file footers
// (cached) and index files; never reads data pages.
Result<FilterPlan> PlanFilter(const Snapshot& snap, const expr::BoundExprPtr& predicate);

// The stable row ids of physical rows `offsets` (ascending) of `fragment`.
std::vector<uint64_t> RowIdsAt(const Fragment& fragment, std::span<const int64_t> offsets);

}  // namespace quiver
