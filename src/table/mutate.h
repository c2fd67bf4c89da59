// Shared steps of the writes that change existing rows (delete, update,
// merge insert, schema evolution): finding rows by predicate and staging
// deletions in a transaction.
//
// Thread-safety: plain functions over an immutable snapshot.
#pragma once

#include <roaring/roaring.hh>

#include <map>
#include <string>
#include <vector>

#include "expr/bind.h"
#include "table/commit.h"
#include "table/snapshot.h"

namespace quiver {

// Physical rows per fragment id.
using RowsByFragment = std::map<uint64_t, Roaring>;

// Adds the rows of a `_rowaddr` column to `rows`.
void AddRowAddresses(const Array& row_addr, RowsByFragment& rows);

// The live rows where `predicate` is TRUE.
Result<RowsByFragment> MatchRows(std::shared_ptr<const Snapshot> snap, const expr::BoundExprPtr& predicate);

// Marks `rows` deleted in the transaction: each fragment gets a new
// deletion file (its old deletions plus these), or is removed when no live
// row remains. Keys of files written are appended to `written`. Returns the
// number of rows newly deleted.
Result<int64_t> StageDeletions(const Snapshot& snap, const RowsByFragment& rows, Transaction& txn,
                               std::vector<std::string>& written);

}  // namespace quiver
