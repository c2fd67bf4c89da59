// The IN-list kernel: `x IN (c1, c2, ...)` against constants already cast to
// x's type. Short lists are scanned; longer ones (more than 8 values) are
// hashed. SQL semantics: TRUE when x equals a value; otherwise NULL when x
// is NULL or the list holds a NULL, else FALSE (so `x NOT IN (1, NULL)` is
// never TRUE). Floats match NaN to NaN and 0.0 to -0.0.
//
// Thread-safety: an InSet is immutable once made; Evaluate may run from
// several threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "expr/kernel.h"

namespace quiver::expr {

class InSet {
 public:
  // `values` are scalars of `type` (NULLs allowed). NotSupported for types
  // other than numbers, date32, timestamps, bool and strings/binary.
  static Result<std::shared_ptr<const InSet>> Make(const TypePtr& type, const std::vector<Scalar>& values);

  Result<Datum> Evaluate(const Datum& x, int64_t length) const;
  bool has_null() const { return has_null_; }

 private:
  static constexpr size_t kMaxScan = 8;

  template <typename T>
  void Run(const Array& x, uint64_t* out) const;
  void RunStrings(const Array& x, uint64_t* out) const;
  bool ContainsScalar(const Scalar& s) const;

  TypePtr type_;
  bool has_null_ = false;
  bool has_nan_ = false;
  std::vector<int64_t> ints_;  // signed ints, dates, timestamps, bools
  std::vector<uint64_t> uints_;
  std::vector<double> floats_;  // without NaN (has_nan_)
  std::vector<std::string> strings_;
  std::unordered_set<int64_t> int_set_;
  std::unordered_set<uint64_t> uint_set_;
  std::unordered_set<double> float_set_;
  std::unordered_set<std::string_view> string_set_;  // views of strings_
};

}  // namespace quiver::expr
