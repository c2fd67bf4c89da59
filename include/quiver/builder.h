// ArrayBuilder: builds an Array of any supported type one value at a time.
//
//   auto b = ArrayBuilder::Make(int64());
//   b->AppendInt(1); b->AppendNull();
//   ArrayPtr a = b->Finish();
//
// Nested types build through their children: for list and fixed-size-list
// builders, append the elements to child(0) then call AppendList() (for
// fixed-size lists AppendList checks that exactly list_size elements were
// added). For structs, append one value to every child then AppendStruct().
// Numeric appends convert: AppendInt on a float column stores the float,
// AppendDouble on an int column fails when the value is not integral, and
// integers outside the column's range fail. AppendString parses ISO 8601
// text on date32 ("2024-01-31") and timestamp ("2024-01-31T12:00:00.5Z",
// "+02:00" offsets, space or 'T') columns and is rejected on numeric ones.
// AppendInt(0/1) is accepted on bool columns. utf8 values must be valid
// UTF-8. A failed append returns InvalidArgument naming the value and the
// column type, and leaves the builder unchanged.
//
// Thread-safety: not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "quiver/array.h"

namespace quiver {

class ArrayBuilder {
 public:
  static std::unique_ptr<ArrayBuilder> Make(TypePtr type);
  virtual ~ArrayBuilder() = default;

  const TypePtr& type() const { return type_; }
  int64_t length() const { return length_; }

  virtual Status AppendNull() = 0;
  virtual Status AppendBool(bool v);
  virtual Status AppendInt(int64_t v);
  virtual Status AppendUInt(uint64_t v);
  virtual Status AppendDouble(double v);
  virtual Status AppendString(std::string_view v);
  // Closes one list value over the elements appended to child(0) since the
  // previous AppendList (list types), or one struct value (struct type).
  virtual Status AppendList();
  virtual Status AppendStruct();
  // Appends `n` floats as one row of a fixed_size_list (n must equal the
  // list size) or list builder. The elements are converted to the element
  // type: float16/32/64 directly, integer elements (int8, uint8, ...) only
  // when every value is integral and in range. All or nothing.
  virtual Status AppendVector(const float* v, int64_t n);

  virtual ArrayBuilder* child(int i);
  virtual int num_children() const { return 0; }

  // Produces the array and resets the builder (children included). Elements
  // appended to a child but not closed with AppendList/AppendStruct stay in
  // the child array beyond the parent's last row.
  virtual ArrayPtr Finish() = 0;

 protected:
  explicit ArrayBuilder(TypePtr type) : type_(std::move(type)) {}
  Status Unsupported(std::string_view what) const;
  TypePtr type_;
  int64_t length_ = 0;
};

}  // namespace quiver
