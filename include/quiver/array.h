// Columnar data in Apache Arrow's memory layout: buffers, arrays and record
// batches.
//
// An Array is a type, a length, an offset into its buffers, a null count, the
// buffers of its layout (validity bitmap first, possibly null when there are
// no nulls) and child arrays for nested types:
//   bool / numbers / date / timestamp: [validity, values]
//   utf8 / binary (int32 offsets), large_* (int64 offsets): [validity, offsets, data]
//   list / large_list: [validity, offsets], child 0 = values
//   fixed_size_list: [validity], child 0 = values (length * list_size)
//   struct: [validity], one child per field
// This is exactly what the Arrow C Data Interface exchanges, so import and
// export (c_data.h) share buffers without copying.
//
// Thread-safety: arrays and batches are immutable once built and may be shared
// freely between threads. Builders are not thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/buffer.h"
#include "quiver/schema.h"
#include "quiver/status.h"

namespace quiver {

inline bool GetBit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void SetBit(uint8_t* bits, int64_t i) { bits[i >> 3] |= uint8_t(1u << (i & 7)); }
inline void ClearBit(uint8_t* bits, int64_t i) { bits[i >> 3] &= uint8_t(~(1u << (i & 7))); }

class Array;
using ArrayPtr = std::shared_ptr<const Array>;

class Array {
 public:
  Array(TypePtr type, int64_t length, std::vector<BufferPtr> buffers, std::vector<ArrayPtr> children = {},
        int64_t null_count = -1, int64_t offset = 0);

  const TypePtr& type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t offset() const { return offset_; }
  // Counted on first use when constructed with -1 (thread-safe). Arrays
  // without a validity bitmap have no nulls.
  int64_t null_count() const;
  const std::vector<BufferPtr>& buffers() const { return buffers_; }
  const BufferPtr& buffer(int i) const { return buffers_[i]; }
  const std::vector<ArrayPtr>& children() const { return children_; }
  const ArrayPtr& child(int i) const { return children_[i]; }

  bool IsNull(int64_t i) const {
    return (type_->id() == TypeId::kNull) || (buffers_[0] && !GetBit(buffers_[0]->data(), offset_ + i));
  }
  bool IsValid(int64_t i) const { return !IsNull(i); }

  // Typed pointer to the values buffer, already advanced by offset().
  // Precondition: a fixed-width, non-bool type whose value type is T.
  template <typename T>
  const T* values() const {
    return buffers_[1]->data_as<T>() + offset_;
  }

  // For utf8/binary: the i-th value's bytes (empty for nulls).
  std::string_view GetView(int64_t i) const;
  // For bool: the i-th value.
  bool GetBool(int64_t i) const { return GetBit(buffers_[1]->data(), offset_ + i); }
  // For list / large_list: value range [begin, end) of row i in child(0).
  std::pair<int64_t, int64_t> ListRange(int64_t i) const;

  // A zero-copy view of rows [offset, offset + length).
  ArrayPtr Slice(int64_t offset, int64_t length) const;

  // Checks, recursively: the buffer count of the layout, buffer sizes
  // against offset + length, a stated null count against the bitmap,
  // offsets (non-negative, non-decreasing, within the data or child),
  // child types and lengths. InvalidArgument naming the problem. Reads only
  // within the buffers' sizes, so foreign data that passes cannot make later
  // reads go out of bounds. Costs O(length) (offsets and bitmaps are scanned).
  Status Validate() const;

  // Value equality (nulls equal nulls, values under nulls ignored),
  // regardless of offsets. Floating-point values compare bitwise (NaN equals
  // the same NaN; 0.0 and -0.0 differ).
  bool Equals(const Array& other) const;
  // Human-readable value of row i: 3, 1.5, "abc" (quoted, escaped), 0x00ff
  // (binary), [1, 2], {a: 1, b: null}, 2024-01-31 (date32),
  // 2024-01-31 12:00:00.000000 (timestamp; with a time zone the UTC instant
  // followed by "Z"), null. float16 values are shown as floats.
  std::string FormatValue(int64_t i) const;

 private:
  TypePtr type_;
  int64_t length_;
  int64_t offset_;
  mutable int64_t null_count_;
  std::vector<BufferPtr> buffers_;
  std::vector<ArrayPtr> children_;
};

// Concatenates arrays of the same type into one (copies).
Result<ArrayPtr> Concatenate(const std::vector<ArrayPtr>& arrays);
// Gathers rows `indices` into a new array (copies). InvalidArgument naming
// the first index outside [0, array.length()).
Result<ArrayPtr> Take(const Array& array, std::span<const int64_t> indices);
// An array of `length` nulls of `type` (children of nested types hold
// nulls too, so that the array passes Validate).
ArrayPtr MakeNullArray(const TypePtr& type, int64_t length);

class RecordBatch;
using BatchPtr = std::shared_ptr<const RecordBatch>;

// Equal-length columns with a schema.
class RecordBatch {
 public:
  RecordBatch(SchemaPtr schema, int64_t num_rows, std::vector<ArrayPtr> columns);
  // Checks column count, types and lengths against the schema.
  static Result<BatchPtr> Make(SchemaPtr schema, std::vector<ArrayPtr> columns);

  const SchemaPtr& schema() const { return schema_; }
  int64_t num_rows() const { return num_rows_; }
  int num_columns() const { return static_cast<int>(columns_.size()); }
  const ArrayPtr& column(int i) const { return columns_[i]; }
  const std::vector<ArrayPtr>& columns() const { return columns_; }
  // The column named `name`, or null.
  ArrayPtr GetColumn(std::string_view name) const;

  BatchPtr Slice(int64_t offset, int64_t length) const;
  Result<BatchPtr> Project(const std::vector<std::string>& names) const;
  // Validate() on every column plus column count, types and lengths against
  // the schema.
  Status Validate() const;
  // Fails when a column that is not nullable in `table_schema` (matched by
  // name; top-level columns only) holds nulls, naming the column, the null
  // count and the first null row. This is the write-time half of
  // Schema::CheckCompatible, which cannot see values.
  Status CheckNulls(const Schema& table_schema) const;
  bool Equals(const RecordBatch& other) const;

 private:
  SchemaPtr schema_;
  int64_t num_rows_;
  std::vector<ArrayPtr> columns_;
};

// Concatenates batches of the same schema into one (copies; a single batch is
// returned as is).
Result<BatchPtr> ConcatenateBatches(const std::vector<BatchPtr>& batches);

}  // namespace quiver
