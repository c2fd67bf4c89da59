// Type coercion: the type two operands are promoted to before an operator or
// a function combines them, following DataFusion's rules closely:
//   - float64 with any number -> float64; float32/float16 with an integer or
//     float32/float16 -> float32;
//   - two integers -> the narrowest integer holding both (int32 + int64 ->
//     int64, uint8 + int8 -> int16, uint32 + int32 -> int64); uint64 with a
//     signed integer -> int64 (DataFusion uses decimal(20, 0) there);
//   - utf8 with large_utf8 -> large_utf8, binary likewise, utf8 with binary
//     -> binary;
//   - date32 with timestamp -> the timestamp type; timestamps of different
//     units -> the finer unit (time zones are ignored: values are UTC);
//   - the null type (an untyped NULL) -> the other type.
//
// Thread-safety: pure functions.
#pragma once

#include "quiver/schema.h"

namespace quiver::expr {

// The common type, or nullptr when the two do not combine.
TypePtr CommonType(const TypePtr& a, const TypePtr& b);

// The common type of two numeric types (nullptr unless both are numeric).
TypePtr CommonNumericType(const TypePtr& a, const TypePtr& b);

// Whether the type has an order usable by = and < (numbers, strings,
// binary, bool, date32, timestamps).
bool IsComparable(const DataType& type);

}  // namespace quiver::expr
