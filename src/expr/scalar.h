// Scalar: one typed value (or NULL), as written in SQL literals, folded from
// constant expressions, or read from one row of an array. Used by the
// expression layer (literals), the planner (column <op> constant) and the
// scalar indexes (keys).
//
// Representation by type:
//   null type / any NULL   monostate
//   bool                   bool
//   int8..int64            int64_t
//   uint8..uint64          uint64_t
//   float16/32/64          double
//   utf8, binary (+large)  std::string (bytes)
//   date32                 int64_t (days since 1970-01-01)
//   timestamp[unit, tz]    int64_t (units since the epoch, UTC)
//
// Thread-safety: a value type; immutable once built.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "quiver/array.h"
#include "quiver/schema.h"
#include "quiver/status.h"

namespace quiver::expr {

struct Scalar {
  using Value = std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string>;

  TypePtr type;  // null_type() for an untyped NULL
  Value value;

  bool is_null() const { return std::holds_alternative<std::monostate>(value); }

  static Scalar Null(TypePtr type = nullptr);  // nullptr: null_type()
  static Scalar Bool(bool v);
  static Scalar Int(int64_t v, TypePtr type = nullptr);         // default int64
  static Scalar UInt(uint64_t v, TypePtr type = nullptr);       // default uint64
  static Scalar Double(double v, TypePtr type = nullptr);       // default float64
  static Scalar String(std::string v, TypePtr type = nullptr);  // default utf8
  static Scalar Date(int64_t days);
  static Scalar Timestamp(int64_t units, TypePtr type = nullptr);  // default timestamp[us]

  // The value as a number, when it is one (ints, uints, floats, dates,
  // timestamps, bools as 0/1); nullopt for NULL and strings.
  std::optional<double> AsDouble() const;

  // SQL literal text that parses back to the same value: 42, 1.5, 'it''s',
  // TRUE, NULL, date '2024-01-31', timestamp '2024-01-31 12:00:00'.
  std::string ToString() const;

  // Same type (DataType::Equals) and same value; NULL equals NULL here.
  bool Equals(const Scalar& other) const;
};

// Three-way comparison of two non-null scalars whose types are comparable:
// any two numbers (ints, uints and floats mixed, compared exactly), two
// strings (bytewise), two bools, two dates, two timestamps (converted to a
// common unit), a date and a timestamp. nullopt when either is NULL or the
// types are not comparable. NaN compares greater than every other number
// and equal to itself (the order Arrow's and DataFusion's sorts use).
std::optional<int> CompareScalars(const Scalar& a, const Scalar& b);

// Row i of `array` as a Scalar of the array's type. NotSupported for list,
// fixed-size-list and struct arrays.
Result<Scalar> ScalarFromArray(const Array& array, int64_t i);

// An array of `length` copies of `value`, of type `value.type` (an all-null
// array for NULL). NotSupported for types a Scalar cannot hold.
Result<ArrayPtr> MakeArrayFromScalar(const Scalar& value, int64_t length);

}  // namespace quiver::expr
