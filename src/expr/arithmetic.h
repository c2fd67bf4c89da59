// Arithmetic kernels: + - * / % and unary minus on two operands of the same
// numeric type (int8..uint64, float32, float64), each an array or a scalar.
// Integer division truncates toward zero (as DataFusion does); integer
// overflow and integer division or modulo by zero are InvalidArgument
// naming `expr` (`division by zero in "(a / b)"`); floats follow IEEE 754.
// Rows where either side is NULL are NULL and never raise an error.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "expr/kernel.h"

namespace quiver::expr {

enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kMod };

// The op for "+", "-", "*", "/", "%"; false for anything else.
bool ArithOpFromName(std::string_view name, ArithOp* op);

Result<Datum> Arithmetic(ArithOp op, const Datum& a, const Datum& b, int64_t length, const BoundExpr& expr);
// -a (signed integers and floats).
Result<Datum> Negate(const Datum& a, int64_t length, const BoundExpr& expr);

}  // namespace quiver::expr
