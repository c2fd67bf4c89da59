// Converting arrays between numeric types and fitting the batches of a
// reader's natural schema (e.g. `id`, `vector` of an .fvecs file) to a
// target schema, as `quiver add` needs for an existing table.
//
// Thread-safety: pure functions; SchemaConformer is immutable after Make.
#pragma once

#include <vector>

#include "quiver/array.h"

namespace quiver::convert {

// Whether CastArray can convert `from` into `to`: equal types, numeric to
// numeric, and fixed-size lists of numbers of the same size.
bool CanCast(const DataType& from, const DataType& to);

// Converts `array` to `to` (returns `array` itself when the types are equal).
// InvalidArgument when a value does not fit (1.5 or 300 into int8), naming
// the row; NotSupported when !CanCast.
Result<ArrayPtr> CastArray(const ArrayPtr& array, const TypePtr& to);

// Maps columns of batches with schema `from` onto schema `to` by name. A
// fixed-size-list column named `vector_column` that `to` lacks goes to the
// only fixed-size-list column of `to`, if it has exactly one. Target columns
// without a source are null; source columns in `optional` may go unused
// (e.g. generated row ids); others must be used.
class SchemaConformer {
 public:
  // InvalidArgument naming the column when a type does not convert
  // ("the file's vectors have dimension 96, column \"vector\" expects 128")
  // or a required column has no place in `to`.
  static Result<SchemaConformer> Make(const SchemaPtr& from, const SchemaPtr& to,
                                      const std::vector<std::string>& optional,
                                      const std::string& vector_column = "vector");
  Result<BatchPtr> Conform(const BatchPtr& batch) const;
  const SchemaPtr& schema() const { return to_; }

 private:
  SchemaPtr to_;
  std::vector<int> source_;  // per target column, its source column or -1
};

}  // namespace quiver::convert
