// Comparison kernels: = <> < <= > >= on two operands of the same type
// (numbers, date32, timestamps of one unit, bool, utf8/binary of either
// offset width), each an array or a scalar. The result is bool and NULL
// where either side is NULL. Floats compare with NaN equal to NaN and
// greater than every other number (as CompareScalars does), and -0.0 = 0.0.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "expr/kernel.h"

namespace quiver::expr {

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

// The op with its operands swapped (a < b  <=>  b > a).
CompareOp FlipCompare(CompareOp op);
// The op that is true exactly when `op` is false (for non-null operands).
CompareOp NegateCompare(CompareOp op);
// "=", "<>", "<", "<=", ">", ">=".
const char* CompareOpName(CompareOp op);
// The op for one of those names; false when `name` is not a comparison.
bool CompareOpFromName(std::string_view name, CompareOp* op);

Result<Datum> Compare(CompareOp op, const Datum& a, const Datum& b, int64_t length);

}  // namespace quiver::expr
