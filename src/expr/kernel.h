// What the evaluator's kernels share: Datum (an argument that is either a
// whole column or one broadcast value), dispatch from a TypeId to the C++
// type of its values, and readers/writers for the Arrow layouts.
//
// Kernels are picked once per call (a template instantiated for the value
// type and for array/scalar operands) and then run tight loops over the
// whole column; nothing here is decided per row.
//
// Thread-safety: pure functions and value types.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "expr/bind.h"
#include "expr/bitmap.h"
#include "expr/scalar.h"
#include "quiver/array.h"
#include "quiver/status.h"

namespace quiver::expr {

// An evaluated operand: an array of the batch's length, or a scalar that
// stands for that many copies of itself.
struct Datum {
  ArrayPtr array;  // null for a scalar
  Scalar scalar;

  Datum() = default;
  explicit Datum(ArrayPtr a) : array(std::move(a)) {}
  explicit Datum(Scalar s) : scalar(std::move(s)) {}
  bool is_array() const { return array != nullptr; }
  const TypePtr& type() const { return array ? array->type() : scalar.type; }
};

// The datum as an array of `length` rows (scalars are materialised).
Result<ArrayPtr> ToArray(const Datum& d, int64_t length);

// A C++ type standing for a TypeId's values: int8_t..uint64_t, float,
// double, and the storage of date32 (int32_t) and timestamp (int64_t).
// Calls f(T{}) and returns its Status; NotSupported for other ids.
template <typename F>
Status VisitNumeric(TypeId id, F&& f) {
  switch (id) {
    case TypeId::kInt8:
      return f(int8_t{});
    case TypeId::kInt16:
      return f(int16_t{});
    case TypeId::kInt32:
      return f(int32_t{});
    case TypeId::kInt64:
      return f(int64_t{});
    case TypeId::kUInt8:
      return f(uint8_t{});
    case TypeId::kUInt16:
      return f(uint16_t{});
    case TypeId::kUInt32:
      return f(uint32_t{});
    case TypeId::kUInt64:
      return f(uint64_t{});
    case TypeId::kFloat32:
      return f(float{});
    case TypeId::kFloat64:
      return f(double{});
    case TypeId::kDate32:
      return f(int32_t{});
    case TypeId::kTimestamp:
      return f(int64_t{});
    default:
      return Status::NotSupported("no numeric kernel for this type");
  }
}

// The value of a non-null scalar of a numeric, date, timestamp or bool type
// as T.
template <typename T>
T ScalarTo(const Scalar& s) {
  return std::visit(
      [](const auto& v) -> T {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate> || std::is_same_v<V, std::string>) {
          return T{};
        } else {
          return static_cast<T>(v);
        }
      },
      s.value);
}

// A scalar of `type` holding v (int64_t/uint64_t/double by signedness).
template <typename T>
Scalar ScalarFrom(T v, const TypePtr& type) {
  Scalar s;
  s.type = type;
  if constexpr (std::is_floating_point_v<T>) {
    s.value = static_cast<double>(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    s.value = v;
  } else if constexpr (std::is_signed_v<T>) {
    s.value = static_cast<int64_t>(v);
  } else {
    s.value = static_cast<uint64_t>(v);
  }
  return s;
}

// Array constructors for offset-0 results. `validity` may be null (no nulls).
ArrayPtr MakeFixedArray(TypePtr type, int64_t length, BufferPtr values, BufferPtr validity);
ArrayPtr MakeBoolArray(int64_t length, BufferPtr values, BufferPtr validity);

// A values buffer for `length` values of T, uninitialised.
template <typename T>
BufferPtr AllocateValues(int64_t length) {
  return Buffer::AllocateUninitialized(static_cast<size_t>(length) * sizeof(T));
}
template <typename T>
T* MutableValues(const BufferPtr& buffer) {
  return reinterpret_cast<T*>(buffer->mutable_data());
}

// Reads utf8/binary arrays of either offset width.
class StringReader {
 public:
  explicit StringReader(const Array& array);
  std::string_view operator[](int64_t i) const {
    if (large_) {
      const int64_t b = offsets64_[i], e = offsets64_[i + 1];
      return {data_ + b, static_cast<size_t>(e - b)};
    }
    const int32_t b = offsets32_[i], e = offsets32_[i + 1];
    return {data_ + b, static_cast<size_t>(e - b)};
  }

 private:
  bool large_ = false;
  const int32_t* offsets32_ = nullptr;
  const int64_t* offsets64_ = nullptr;
  const char* data_ = "";
};

// Reads utf8/binary arrays of one offset width, without a per-row branch
// on the width: for the hot loops (see VisitStrings).
template <typename Offset>
class TypedStringReader {
 public:
  explicit TypedStringReader(const Array& array) {
    if (array.buffers().size() >= 3 && array.buffer(1)) {
      offsets_ = array.buffer(1)->data_as<Offset>() + array.offset();
      if (array.buffer(2)) {
        data_ = reinterpret_cast<const char*>(array.buffer(2)->data());
        data_size_ = array.buffer(2)->size();
      }
    }
  }
  std::string_view operator[](int64_t i) const {
    const Offset b = offsets_[i];
    return {data_ + b, static_cast<size_t>(offsets_[i + 1] - b)};
  }

  // Row i equals the (at most 8-byte) key, without branches that depend on
  // the data (random strings defeat branch prediction).
  struct SmallKey {
    uint64_t word = 0;  // the key's bytes, zero-padded
    uint64_t mask = 0;  // ones over the key's bytes
    uint64_t size = 0;
    explicit SmallKey(std::string_view k) : size(k.size()) {
      std::memcpy(&word, k.data(), k.size());
      mask = k.size() == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * k.size())) - 1;
    }
  };
  bool EqualsSmall(int64_t i, const SmallKey& key) const {
    const uint64_t b = static_cast<uint64_t>(offsets_[i]);
    const uint64_t len = static_cast<uint64_t>(offsets_[i + 1]) - b;
    uint64_t w = 0;
    if (b + 8 <= data_size_) {
      std::memcpy(&w, data_ + b, 8);
    } else {
      std::memcpy(&w, data_ + b, std::min<uint64_t>(len, 8));
    }
    return (len == key.size) & (((w ^ key.word) & key.mask) == 0);
  }

 private:
  static constexpr Offset kZeros[2] = {0, 0};
  const Offset* offsets_ = kZeros;
  const char* data_ = "";
  uint64_t data_size_ = 0;
};

// Calls f(TypedStringReader<int32_t or int64_t>) for a string/binary array.
template <typename F>
auto VisitStrings(const Array& array, F&& f) {
  if (array.type()->is_large_offsets()) return f(TypedStringReader<int64_t>(array));
  return f(TypedStringReader<int32_t>(array));
}

// Builds a utf8/binary array (of either offset width) row by row.
class StringWriter {
 public:
  StringWriter(TypePtr type, int64_t reserve_rows);
  void Append(std::string_view v);
  void AppendNull();
  // Appends row-by-row bytes with no per-append capacity check of offsets.
  std::string& data() { return data_; }
  // Closes the current row over the bytes appended to data() since the last row.
  void CloseRow(bool valid);
  // InvalidArgument when a 32-bit-offset array would exceed 2 GiB.
  Result<ArrayPtr> Finish();

 private:
  TypePtr type_;
  bool large_;
  std::vector<int64_t> offsets_;
  std::vector<uint8_t> valid_;
  bool any_null_ = false;
  std::string data_;
};

// Reads a bool array's values and validity.
struct BoolReader {
  BitmapRef values, validity;
  explicit BoolReader(const Array& a) : values(BoolValuesOf(a)), validity(ValidityOf(a)) {}
};

// a == b for byte strings, with the cheap checks (length, first and last
// byte) before the call to memcmp: most rows of a column differ there.
inline bool BytesEqual(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (n == 0) return true;
  if (a[0] != b[0] || a[n - 1] != b[n - 1]) return false;
  return n <= 2 || std::memcmp(a.data() + 1, b.data() + 1, n - 2) == 0;
}

// Row access to a string datum (array or scalar), for row-wise kernels.
class StringInput {
 public:
  explicit StringInput(const Datum& d);
  bool IsNull(int64_t i) const { return array_ ? array_->IsNull(i) : null_; }
  std::string_view operator[](int64_t i) const {
    return array_ ? (*reader_)[i] : std::string_view(constant_);
  }
  bool is_scalar() const { return array_ == nullptr; }

 private:
  const Array* array_ = nullptr;
  std::unique_ptr<StringReader> reader_;
  std::string constant_;
  bool null_ = false;
};

// Row access to an integer datum (any integer type read as int64).
class IntInput {
 public:
  explicit IntInput(const Datum& d);
  bool IsNull(int64_t i) const { return array_ ? array_->IsNull(i) : null_; }
  int64_t operator[](int64_t i) const { return array_ ? values_[i] : constant_; }

 private:
  const Array* array_ = nullptr;
  std::vector<int64_t> values_;
  int64_t constant_ = 0;
  bool null_ = false;
};

// "in \"<expr>\"", the suffix of runtime error messages.
std::string InExpr(const BoundExpr& expr);

}  // namespace quiver::expr
