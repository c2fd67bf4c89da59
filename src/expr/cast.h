// CAST between the scalar types: numbers of every width (with range checks),
// bool, strings and binary, date32 and timestamps.
//
//   number -> number   exact when it fits; floats truncate toward zero into
//                      integers; a value out of the target's range is an error
//   bool <-> number    0/1; any non-zero number is true
//   date32 <-> timestamp, timestamp units   midnight UTC / the containing
//                      day or unit (floor)
//   date32, timestamp <-> integers  the raw count (days, units)
//   anything -> string text: 42, 1.5, 1.0, true, 2024-01-31,
//                      2024-01-31 12:00:00.5
//   string -> number, bool, date32, timestamp  parsed (surrounding spaces
//                      ignored): integers in decimal, floats in any C form,
//                      true/false/t/f/yes/no/on/off/1/0, ISO 8601 dates and
//                      timestamps (offsets such as +02:00 are applied)
//   binary -> utf8     when the bytes are valid UTF-8
// NULLs stay NULL. Errors are InvalidArgument naming the value, the target
// type and `context` (the expression, when given).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "expr/scalar.h"
#include "quiver/array.h"
#include "quiver/status.h"

namespace quiver::expr {

// Whether CAST(from AS to) is defined (it may still fail on some values).
bool CanCast(const DataType& from, const DataType& to);

// `input` as an array of `to` (the input itself when the types are equal).
Result<ArrayPtr> CastArray(const ArrayPtr& input, const TypePtr& to, std::string_view context = {});

Result<Scalar> CastScalar(const Scalar& value, const TypePtr& to, std::string_view context = {});

// `value` as a `to` scalar when the cast loses nothing (casting back gives an
// equal value: 3 -> int8 yes, 2.5 -> int32 no, 300 -> int8 no); nullopt
// otherwise. NULL casts exactly to a NULL of any type.
std::optional<Scalar> ExactCast(const Scalar& value, const TypePtr& to);

}  // namespace quiver::expr
