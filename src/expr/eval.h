// Vectorised evaluation of bound expressions on record batches.
//
// The batch must hold every column the expression references (matched by
// name; other columns and their order do not matter). Evaluation works a
// column at a time; SQL three-valued logic applies (NULL AND FALSE is FALSE,
// NULL OR TRUE is TRUE, comparisons with NULL are NULL). Runtime errors
// (integer division by zero, a cast that does not fit, an invalid regular
// expression) are InvalidArgument naming the expression and the value.
//
// Thread-safety: thread-safe; nothing is shared between calls.
#pragma once

#include <cstdint>
#include <vector>

#include "expr/bind.h"
#include "quiver/array.h"
#include "quiver/status.h"

namespace quiver::expr {

// The expression's value for every row: an array of expr.type and the
// batch's length.
Result<ArrayPtr> Evaluate(const BoundExpr& expr, const RecordBatch& batch);

// The rows (ascending offsets into the batch) where a bool predicate is
// TRUE; NULL and FALSE rows are left out.
Result<std::vector<int64_t>> SelectRows(const BoundExpr& predicate, const RecordBatch& batch);

}  // namespace quiver::expr
