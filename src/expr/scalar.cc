#include "expr/scalar.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "common/datetime.h"
#include "common/float16.h"
#include "quiver/buffer.h"

namespace quiver::expr {

namespace {

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "CAST('NaN' AS DOUBLE)";
  // No literal spells infinity; 1e999 is read as one (a literal out of
  // float64's range overflows to it).
  if (std::isinf(v)) return v < 0 ? "-1e999" : "1e999";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string out(buf, ec == std::errc() ? end : buf);
  // Keep it a float literal when read back: "2" would be an integer.
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

std::string QuoteString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

bool SameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

template <typename T>
int Sign(T a, T b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

constexpr double kTwo63 = 9223372036854775808.0;   // 2^63, exact
constexpr double kTwo64 = 18446744073709551616.0;  // 2^64, exact

// Exact comparisons of the three numeric representations. Doubles are
// split into an integral part (exact in an integer once the range is
// checked) and a fraction.
int CompareIntDouble(int64_t i, double d) {
  if (std::isnan(d)) return -1;  // NaN sorts above every number
  if (d >= kTwo63) return -1;
  if (d < -kTwo63) return 1;
  const double t = std::trunc(d);
  const int64_t ti = static_cast<int64_t>(t);
  if (i != ti) return i < ti ? -1 : 1;
  return d > t ? -1 : (d < t ? 1 : 0);
}

int CompareUIntDouble(uint64_t u, double d) {
  if (std::isnan(d)) return -1;
  if (d >= kTwo64) return -1;
  if (d < 0) return 1;
  const double t = std::trunc(d);
  const uint64_t tu = static_cast<uint64_t>(t);
  if (u != tu) return u < tu ? -1 : 1;
  return d > t ? -1 : 0;
}

int CompareIntUInt(int64_t i, uint64_t u) {
  if (i < 0) return -1;
  return Sign(static_cast<uint64_t>(i), u);
}

int CompareDoubles(double a, double b) {
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return na && nb ? 0 : (na ? 1 : -1);
  return Sign(a, b);
}

std::optional<int> CompareNumbers(const Scalar::Value& a, const Scalar::Value& b) {
  if (const auto* x = std::get_if<int64_t>(&a)) {
    if (const auto* y = std::get_if<int64_t>(&b)) return Sign(*x, *y);
    if (const auto* y = std::get_if<uint64_t>(&b)) return CompareIntUInt(*x, *y);
    if (const auto* y = std::get_if<double>(&b)) return CompareIntDouble(*x, *y);
  } else if (const auto* x = std::get_if<uint64_t>(&a)) {
    if (const auto* y = std::get_if<int64_t>(&b)) return -CompareIntUInt(*y, *x);
    if (const auto* y = std::get_if<uint64_t>(&b)) return Sign(*x, *y);
    if (const auto* y = std::get_if<double>(&b)) return CompareUIntDouble(*x, *y);
  } else if (const auto* x = std::get_if<double>(&a)) {
    if (const auto* y = std::get_if<int64_t>(&b)) return -CompareIntDouble(*y, *x);
    if (const auto* y = std::get_if<uint64_t>(&b)) return -CompareUIntDouble(*y, *x);
    if (const auto* y = std::get_if<double>(&b)) return CompareDoubles(*x, *y);
  }
  return std::nullopt;
}

// A date or timestamp as an exact count of nanoseconds (128-bit: every
// int64 of seconds fits).
std::optional<__int128> InstantNanos(const Scalar& s) {
  const auto* v = std::get_if<int64_t>(&s.value);
  if (v == nullptr) return std::nullopt;
  if (s.type->id() == TypeId::kDate32) return static_cast<__int128>(*v) * 86400 * 1000000000;
  return static_cast<__int128>(*v) * (1000000000 / UnitsPerSecond(s.type->unit()));
}

bool IsTemporal(const DataType& t) { return t.id() == TypeId::kDate32 || t.id() == TypeId::kTimestamp; }

// Whether v is within T's range.
template <typename T>
bool Fits(int64_t v) {
  return v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
         v <= static_cast<int64_t>(std::numeric_limits<T>::max());
}

template <typename T>
BufferPtr FillBuffer(T v, int64_t length) {
  auto buf = Buffer::AllocateUninitialized(static_cast<size_t>(length) * sizeof(T));
  T* out = reinterpret_cast<T*>(buf->mutable_data());
  for (int64_t k = 0; k < length; ++k) out[k] = v;
  return buf;
}

Status Mismatch(const Scalar& s) {
  return Status::InvalidArgument("scalar of type " + s.type->ToString() + " holds a value of another kind");
}

Status OutOfRange(const Scalar& s) {
  return Status::InvalidArgument("value " + s.ToString() + " is out of range for type " + s.type->ToString());
}

// The integer value of `s` (int64 or uint64 alternative) in T, or an error.
template <typename T>
Result<T> IntegerAs(const Scalar& s) {
  if (const auto* v = std::get_if<int64_t>(&s.value)) {
    if constexpr (std::is_signed_v<T>) {
      if (Fits<T>(*v)) return static_cast<T>(*v);
    } else {
      if (*v >= 0 && static_cast<uint64_t>(*v) <= std::numeric_limits<T>::max()) return static_cast<T>(*v);
    }
    return OutOfRange(s);
  }
  if (const auto* v = std::get_if<uint64_t>(&s.value)) {
    if (*v <= static_cast<uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(*v);
    return OutOfRange(s);
  }
  return Mismatch(s);
}

template <typename T>
Result<ArrayPtr> FixedArray(const Scalar& s, int64_t length) {
  QUIVER_ASSIGN_OR_RETURN(T v, IntegerAs<T>(s));
  return std::make_shared<const Array>(s.type, length, std::vector<BufferPtr>{nullptr, FillBuffer(v, length)},
                                       std::vector<ArrayPtr>{}, 0);
}

Result<double> DoubleOf(const Scalar& s) {
  if (const auto* v = std::get_if<double>(&s.value)) return *v;
  if (const auto* v = std::get_if<int64_t>(&s.value)) return static_cast<double>(*v);
  if (const auto* v = std::get_if<uint64_t>(&s.value)) return static_cast<double>(*v);
  return Mismatch(s);
}

template <typename Offset>
Result<ArrayPtr> StringArray(const Scalar& s, const std::string& v, int64_t length) {
  const __int128 total = static_cast<__int128>(v.size()) * length;
  if (total > std::numeric_limits<Offset>::max()) {
    return Status::InvalidArgument("a column of " + std::to_string(length) + " copies of a " +
                                   std::to_string(v.size()) + "-byte value does not fit type " +
                                   s.type->ToString());
  }
  auto offsets = Buffer::AllocateUninitialized(static_cast<size_t>(length + 1) * sizeof(Offset));
  Offset* o = reinterpret_cast<Offset*>(offsets->mutable_data());
  auto data = Buffer::AllocateUninitialized(static_cast<size_t>(total));
  uint8_t* d = data->mutable_data();
  o[0] = 0;
  for (int64_t k = 0; k < length; ++k) {
    if (!v.empty()) std::memcpy(d + k * v.size(), v.data(), v.size());
    o[k + 1] = static_cast<Offset>((k + 1) * static_cast<int64_t>(v.size()));
  }
  return std::make_shared<const Array>(s.type, length, std::vector<BufferPtr>{nullptr, offsets, data},
                                       std::vector<ArrayPtr>{}, 0);
}

}  // namespace

Scalar Scalar::Null(TypePtr type) { return Scalar{type ? std::move(type) : null_type(), std::monostate{}}; }
Scalar Scalar::Bool(bool v) { return Scalar{boolean(), v}; }
Scalar Scalar::Int(int64_t v, TypePtr type) { return Scalar{type ? std::move(type) : int64(), v}; }
Scalar Scalar::UInt(uint64_t v, TypePtr type) { return Scalar{type ? std::move(type) : uint64(), v}; }
Scalar Scalar::Double(double v, TypePtr type) { return Scalar{type ? std::move(type) : float64(), v}; }
Scalar Scalar::String(std::string v, TypePtr type) {
  return Scalar{type ? std::move(type) : utf8(), std::move(v)};
}
Scalar Scalar::Date(int64_t days) { return Scalar{date32(), days}; }
Scalar Scalar::Timestamp(int64_t units, TypePtr type) {
  return Scalar{type ? std::move(type) : timestamp(TimeUnit::kMicro), units};
}

std::optional<double> Scalar::AsDouble() const {
  if (const auto* v = std::get_if<bool>(&value)) return *v ? 1.0 : 0.0;
  if (const auto* v = std::get_if<int64_t>(&value)) return static_cast<double>(*v);
  if (const auto* v = std::get_if<uint64_t>(&value)) return static_cast<double>(*v);
  if (const auto* v = std::get_if<double>(&value)) return *v;
  return std::nullopt;
}

std::string Scalar::ToString() const {
  if (is_null()) return "NULL";
  if (const auto* v = std::get_if<bool>(&value)) return *v ? "TRUE" : "FALSE";
  if (const auto* v = std::get_if<double>(&value)) return FormatDouble(*v);
  if (const auto* v = std::get_if<uint64_t>(&value)) return std::to_string(*v);
  if (const auto* v = std::get_if<std::string>(&value)) return QuoteString(*v);
  const int64_t v = std::get<int64_t>(value);
  if (type && type->id() == TypeId::kDate32) {
    // Only date32's range has a text form (FormatDate needs |days| < 2^62).
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      return "CAST(" + std::to_string(v) + " AS date32)";
    }
    return "date '" + FormatDate(v) + "'";
  }
  if (type && type->id() == TypeId::kTimestamp) {
    return "timestamp '" + FormatTimestamp(v, type->unit()) + "'";
  }
  return std::to_string(v);
}

bool Scalar::Equals(const Scalar& other) const {
  if (type != other.type) {
    if (!type || !other.type || !type->Equals(*other.type)) return false;
  }
  if (value.index() != other.value.index()) return false;
  if (const auto* v = std::get_if<double>(&value)) return SameDouble(*v, std::get<double>(other.value));
  return value == other.value;
}

std::optional<int> CompareScalars(const Scalar& a, const Scalar& b) {
  if (a.is_null() || b.is_null() || !a.type || !b.type) return std::nullopt;
  const DataType& ta = *a.type;
  const DataType& tb = *b.type;
  if (ta.is_numeric() && tb.is_numeric()) return CompareNumbers(a.value, b.value);
  if (ta.is_string_like() && tb.is_string_like()) {
    const auto* x = std::get_if<std::string>(&a.value);
    const auto* y = std::get_if<std::string>(&b.value);
    if (!x || !y) return std::nullopt;
    const int c = x->compare(*y);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (ta.id() == TypeId::kBool && tb.id() == TypeId::kBool) {
    const auto* x = std::get_if<bool>(&a.value);
    const auto* y = std::get_if<bool>(&b.value);
    if (!x || !y) return std::nullopt;
    return Sign(*x, *y);
  }
  if (IsTemporal(ta) && IsTemporal(tb)) {
    std::optional<__int128> x = InstantNanos(a), y = InstantNanos(b);
    if (!x || !y) return std::nullopt;
    return Sign(*x, *y);
  }
  return std::nullopt;
}

Result<Scalar> ScalarFromArray(const Array& array, int64_t i) {
  if (i < 0 || i >= array.length()) {
    return Status::InvalidArgument("row " + std::to_string(i) + " is outside an array of " +
                                   std::to_string(array.length()) + " rows");
  }
  const TypePtr& type = array.type();
  switch (type->id()) {
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kFixedSizeList:
    case TypeId::kStruct:
      return Status::NotSupported("a scalar cannot hold a value of type " + type->ToString());
    default:
      break;
  }
  if (array.IsNull(i)) return Scalar::Null(type);
  switch (type->id()) {
    case TypeId::kBool:
      return Scalar{type, array.GetBool(i)};
    case TypeId::kInt8:
      return Scalar::Int(array.values<int8_t>()[i], type);
    case TypeId::kInt16:
      return Scalar::Int(array.values<int16_t>()[i], type);
    case TypeId::kInt32:
      return Scalar::Int(array.values<int32_t>()[i], type);
    case TypeId::kInt64:
      return Scalar::Int(array.values<int64_t>()[i], type);
    case TypeId::kUInt8:
      return Scalar::UInt(array.values<uint8_t>()[i], type);
    case TypeId::kUInt16:
      return Scalar::UInt(array.values<uint16_t>()[i], type);
    case TypeId::kUInt32:
      return Scalar::UInt(array.values<uint32_t>()[i], type);
    case TypeId::kUInt64:
      return Scalar::UInt(array.values<uint64_t>()[i], type);
    case TypeId::kFloat16:
      return Scalar::Double(HalfToFloat(array.values<uint16_t>()[i]), type);
    case TypeId::kFloat32:
      return Scalar::Double(array.values<float>()[i], type);
    case TypeId::kFloat64:
      return Scalar::Double(array.values<double>()[i], type);
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      return Scalar::String(std::string(array.GetView(i)), type);
    case TypeId::kDate32:
      return Scalar{type, static_cast<int64_t>(array.values<int32_t>()[i])};
    case TypeId::kTimestamp:
      return Scalar::Timestamp(array.values<int64_t>()[i], type);
    default:
      return Status::NotSupported("a scalar cannot hold a value of type " + type->ToString());
  }
}

Result<ArrayPtr> MakeArrayFromScalar(const Scalar& value, int64_t length) {
  if (length < 0) return Status::InvalidArgument("array length " + std::to_string(length) + " is negative");
  const TypePtr type = value.type ? value.type : null_type();
  switch (type->id()) {
    case TypeId::kList:
    case TypeId::kLargeList:
    case TypeId::kFixedSizeList:
    case TypeId::kStruct:
      return Status::NotSupported("a scalar cannot hold a value of type " + type->ToString());
    default:
      break;
  }
  if (value.is_null() || type->id() == TypeId::kNull) return MakeNullArray(type, length);
  if (length > (int64_t{1} << 48)) {
    return Status::InvalidArgument("array length " + std::to_string(length) + " is too large");
  }
  Scalar s{type, value.value};
  switch (type->id()) {
    case TypeId::kBool: {
      const auto* v = std::get_if<bool>(&s.value);
      if (!v) return Mismatch(s);
      const size_t bytes = static_cast<size_t>((length + 7) / 8);
      auto bits = Buffer::Allocate(bytes);
      if (*v) std::memset(bits->mutable_data(), 0xff, bytes);
      return std::make_shared<const Array>(type, length, std::vector<BufferPtr>{nullptr, bits},
                                           std::vector<ArrayPtr>{}, 0);
    }
    case TypeId::kInt8:
      return FixedArray<int8_t>(s, length);
    case TypeId::kInt16:
      return FixedArray<int16_t>(s, length);
    case TypeId::kInt32:
    case TypeId::kDate32:
      return FixedArray<int32_t>(s, length);
    case TypeId::kInt64:
    case TypeId::kTimestamp:
      return FixedArray<int64_t>(s, length);
    case TypeId::kUInt8:
      return FixedArray<uint8_t>(s, length);
    case TypeId::kUInt16:
      return FixedArray<uint16_t>(s, length);
    case TypeId::kUInt32:
      return FixedArray<uint32_t>(s, length);
    case TypeId::kUInt64:
      return FixedArray<uint64_t>(s, length);
    case TypeId::kFloat16:
    case TypeId::kFloat32:
    case TypeId::kFloat64: {
      QUIVER_ASSIGN_OR_RETURN(double d, DoubleOf(s));
      BufferPtr values;
      if (type->id() == TypeId::kFloat64) {
        values = FillBuffer(d, length);
      } else if (type->id() == TypeId::kFloat32) {
        values = FillBuffer(static_cast<float>(d), length);
      } else {
        values = FillBuffer(FloatToHalf(static_cast<float>(d)), length);
      }
      return std::make_shared<const Array>(type, length, std::vector<BufferPtr>{nullptr, values},
                                           std::vector<ArrayPtr>{}, 0);
    }
    case TypeId::kUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeUtf8:
    case TypeId::kLargeBinary: {
      const auto* v = std::get_if<std::string>(&s.value);
      if (!v) return Mismatch(s);
      if (type->is_large_offsets()) return StringArray<int64_t>(s, *v, length);
      return StringArray<int32_t>(s, *v, length);
    }
    default:
      return Status::NotSupported("a scalar cannot hold a value of type " + type->ToString());
  }
}

}  // namespace quiver::expr
