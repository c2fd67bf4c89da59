// Answering filter conjuncts with the table's scalar indexes.
//
// Thread-safety: plain functions; the index cache in TableFiles is
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "expr/bind.h"
#include "table/snapshot.h"

namespace quiver {

struct IndexAnswer {
  struct Rows {
    std::vector<int64_t> rows;  // candidate physical rows, ascending, deleted ones removed
    bool exact = false;         // the indexes answered every conjunct for this fragment
  };
  // Only fragments that some index covers and narrowed down.
  std::map<uint64_t, Rows> fragments;
  std::vector<std::string> steps;  // for Explain()
};

// Searches the indexes of `snap` that can answer some of `conjuncts`.
Result<IndexAnswer> SearchIndexes(const Snapshot& snap, const std::vector<expr::BoundExprPtr>& conjuncts);

}  // namespace quiver
