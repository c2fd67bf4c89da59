#include "expr/cast.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "common/datetime.h"
#include "common/float16.h"
#include "expr/kernel.h"
#include "expr/utf8.h"

namespace quiver::expr {
namespace {

// Bool, numbers, dates and timestamps: the fixed-width scalar types.
bool IsNumberLike(const DataType& type) {
  return type.is_fixed_width() && type.id() != TypeId::kFixedSizeList;
}

std::string Context(std::string_view context) {
  return context.empty() ? std::string() : " in \"" + std::string(context) + "\"";
}

// Converts one value, false when it does not fit in D.
template <typename D, typename S>
bool ConvertNumber(S v, D* out) {
  if constexpr (std::is_floating_point_v<D>) {
    *out = static_cast<D>(v);
    return true;
  } else if constexpr (std::is_floating_point_v<S>) {
    const double t = std::trunc(static_cast<double>(v));
    const double hi = std::ldexp(1.0, std::numeric_limits<D>::digits);
    const double lo = std::is_signed_v<D> ? -hi : 0.0;
    if (!(t >= lo && t < hi)) return false;  // also NaN
    *out = static_cast<D>(t);
    return true;
  } else {
    if (!std::in_range<D>(v)) return false;
    *out = static_cast<D>(v);
    return true;
  }
}

template <typename T>
std::string NumberText(T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, r.ptr);
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
  }
  return s;
}

// Number-like to number-like (bool, ints, floats, date32 and timestamps as
// raw counts). float16 goes through float32 before this.
template <typename S, typename D>
Result<ArrayPtr> CastNumbers(const Array& in, const TypePtr& to, std::string_view context) {
  const int64_t n = in.length();
  BufferPtr values = AllocateValues<D>(n);
  D* out = MutableValues<D>(values);
  const S* src = in.values<S>();
  bool ok = true;
  for (int64_t i = 0; i < n; ++i) {
    D o{};
    const bool good = ConvertNumber<D>(src[i], &o);
    out[i] = good ? o : D{};
    ok &= good;
  }
  if (!ok) {
    for (int64_t i = 0; i < n; ++i) {
      D o;
      if (in.IsValid(i) && !ConvertNumber<D>(src[i], &o)) {
        return Status::InvalidArgument("value " + NumberText(src[i]) + " is out of range for " +
                                       to->ToString() + Context(context));
      }
    }
  }
  return MakeFixedArray(to, n, values, CopyBitmap(ValidityOf(in), n));
}

template <typename D>
Result<ArrayPtr> CastBoolToNumber(const Array& in, const TypePtr& to) {
  const int64_t n = in.length();
  BufferPtr values = AllocateValues<D>(n);
  D* out = MutableValues<D>(values);
  for (int64_t i = 0; i < n; ++i) out[i] = in.GetBool(i) ? D{1} : D{0};
  return MakeFixedArray(to, n, values, CopyBitmap(ValidityOf(in), n));
}

template <typename S>
Result<ArrayPtr> CastNumberToBool(const Array& in) {
  const int64_t n = in.length();
  const S* src = in.values<S>();
  BufferPtr values = AllocateBitmap(n);
  FillBits(MutableWords(values), n, [&](int64_t i) { return src[i] != S{0}; });
  return MakeBoolArray(n, values, CopyBitmap(ValidityOf(in), n));
}

Result<ArrayPtr> HalfToFloat(const Array& in) {
  const int64_t n = in.length();
  BufferPtr values = AllocateValues<float>(n);
  float* out = MutableValues<float>(values);
  const uint16_t* src = in.values<uint16_t>();
  for (int64_t i = 0; i < n; ++i) out[i] = quiver::HalfToFloat(src[i]);
  return MakeFixedArray(float32(), n, values, CopyBitmap(ValidityOf(in), n));
}

Result<ArrayPtr> FloatToHalf(const Array& in) {
  const int64_t n = in.length();
  BufferPtr values = AllocateValues<uint16_t>(n);
  uint16_t* out = MutableValues<uint16_t>(values);
  const float* src = in.values<float>();
  for (int64_t i = 0; i < n; ++i) out[i] = quiver::FloatToHalf(src[i]);
  return MakeFixedArray(float16(), n, values, CopyBitmap(ValidityOf(in), n));
}

// Timestamps and dates among themselves (units, days <-> instants).
Result<ArrayPtr> CastTemporal(const Array& in, const TypePtr& to, std::string_view context) {
  const int64_t n = in.length();
  const TypeId from = in.type()->id();
  if (to->id() == TypeId::kDate32) {  // from a timestamp
    BufferPtr values = AllocateValues<int32_t>(n);
    int32_t* out = MutableValues<int32_t>(values);
    const int64_t* src = in.values<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t d = TimestampToDays(src[i], in.type()->unit());
      const bool good = std::in_range<int32_t>(d);
      if (!good && in.IsValid(i)) {
        return Status::InvalidArgument("value " + in.FormatValue(i) + " is out of range for date32" +
                                       Context(context));
      }
      out[i] = good ? static_cast<int32_t>(d) : 0;
    }
    return MakeFixedArray(to, n, values, CopyBitmap(ValidityOf(in), n));
  }
  BufferPtr values = AllocateValues<int64_t>(n);
  int64_t* out = MutableValues<int64_t>(values);
  for (int64_t i = 0; i < n; ++i) {
    bool good;
    int64_t v = 0;
    if (from == TypeId::kDate32) {
      good = DaysToTimestamp(in.values<int32_t>()[i], to->unit(), &v);
    } else {
      good = ConvertTimeUnit(in.values<int64_t>()[i], in.type()->unit(), to->unit(), &v);
    }
    if (!good && in.IsValid(i)) {
      return Status::InvalidArgument("value " + in.FormatValue(i) + " is out of range for " + to->ToString() +
                                     Context(context));
    }
    out[i] = good ? v : 0;
  }
  return MakeFixedArray(to, n, values, CopyBitmap(ValidityOf(in), n));
}

Result<ArrayPtr> CastToText(const Array& in, const TypePtr& to, std::string_view context) {
  const int64_t n = in.length();
  const TypeId from = in.type()->id();
  StringWriter w(to, n);
  if (in.type()->is_string_like()) {
    StringReader r(in);
    const bool check = from != TypeId::kUtf8 && from != TypeId::kLargeUtf8 &&
                       (to->id() == TypeId::kUtf8 || to->id() == TypeId::kLargeUtf8);
    for (int64_t i = 0; i < n; ++i) {
      if (in.IsNull(i)) {
        w.AppendNull();
        continue;
      }
      if (check && !IsValidUtf8(r[i])) {
        return Status::InvalidArgument("binary value " + in.FormatValue(i) + " is not valid UTF-8" +
                                       Context(context));
      }
      w.Append(r[i]);
    }
    return w.Finish();
  }
  Status st;
  for (int64_t i = 0; i < n; ++i) {
    if (in.IsNull(i)) {
      w.AppendNull();
      continue;
    }
    switch (from) {
      case TypeId::kBool:
        w.Append(in.GetBool(i) ? "true" : "false");
        break;
      case TypeId::kDate32:
        w.Append(FormatDate(in.values<int32_t>()[i]));
        break;
      case TypeId::kTimestamp:
        w.Append(FormatTimestamp(in.values<int64_t>()[i], in.type()->unit()));
        break;
      case TypeId::kFloat16:
        w.Append(NumberText(quiver::HalfToFloat(in.values<uint16_t>()[i])));
        break;
      default:
        st = VisitNumeric(from, [&](auto tag) -> Status {
          using T = decltype(tag);
          w.Append(NumberText(in.values<T>()[i]));
          return Status::OK();
        });
        if (!st.ok())
          return Status::NotSupported("cannot cast " + in.type()->ToString() + " to " + to->ToString());
    }
  }
  return w.Finish();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  if constexpr (std::is_floating_point_v<T>) {
    double d;
    auto r = std::from_chars(s.data(), s.data() + s.size(), d);
    if (r.ec == std::errc::result_out_of_range) {
      // Underflow to zero or overflow to infinity, as SQL engines do.
      d = std::strtod(std::string(s).c_str(), nullptr);
    } else if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
      if (EqualsIgnoreCase(s, "infinity")) {
        d = std::numeric_limits<double>::infinity();
      } else if (EqualsIgnoreCase(s, "-infinity")) {
        d = -std::numeric_limits<double>::infinity();
      } else {
        return false;
      }
    }
    *out = static_cast<T>(d);
    return true;
  } else {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  }
}

bool ParseBool(std::string_view s, bool* out) {
  s = Trim(s);
  for (auto t : {"true", "t", "yes", "y", "on", "1"}) {
    if (EqualsIgnoreCase(s, t)) return *out = true, true;
  }
  for (auto f : {"false", "f", "no", "n", "off", "0"}) {
    if (EqualsIgnoreCase(s, f)) return *out = false, true;
  }
  return false;
}

Status ParseError(std::string_view text, const TypePtr& to, std::string_view context,
                  std::string_view why = {}) {
  std::string msg = "cannot cast '" + std::string(text.substr(0, 200)) + "' to " + to->ToString();
  if (!why.empty()) msg += " (" + std::string(why) + ")";
  return Status::InvalidArgument(msg + Context(context));
}

Result<ArrayPtr> CastFromText(const Array& in, const TypePtr& to, std::string_view context) {
  const int64_t n = in.length();
  StringReader r(in);
  const TypeId id = to->id();
  if (id == TypeId::kBool) {
    BufferPtr values = AllocateBitmap(n);
    uint8_t* bits = values->mutable_data();
    for (int64_t i = 0; i < n; ++i) {
      if (in.IsNull(i)) continue;
      bool b;
      if (!ParseBool(r[i], &b)) return ParseError(r[i], to, context);
      if (b) SetBit(bits, i);
    }
    return MakeBoolArray(n, values, CopyBitmap(ValidityOf(in), n));
  }
  if (id == TypeId::kDate32 || id == TypeId::kTimestamp) {
    const bool date = id == TypeId::kDate32;
    BufferPtr values = date ? AllocateValues<int32_t>(n) : AllocateValues<int64_t>(n);
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = 0;
      if (in.IsValid(i)) {
        std::string_view text = Trim(r[i]);
        Result<int64_t> parsed = date ? ParseDate(text) : ParseTimestamp(text, to->unit());
        if (!parsed.ok()) return Status::InvalidArgument(parsed.status().message() + Context(context));
        v = *parsed;
      }
      if (date) {
        MutableValues<int32_t>(values)[i] = static_cast<int32_t>(v);
      } else {
        MutableValues<int64_t>(values)[i] = v;
      }
    }
    return MakeFixedArray(to, n, values, CopyBitmap(ValidityOf(in), n));
  }
  if (id == TypeId::kFloat16) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr f, CastFromText(in, float32(), context));
    return FloatToHalf(*f);
  }
  ArrayPtr result;
  Status st = VisitNumeric(id, [&](auto tag) -> Status {
    using T = decltype(tag);
    BufferPtr values = AllocateValues<T>(n);
    T* out = MutableValues<T>(values);
    for (int64_t i = 0; i < n; ++i) {
      out[i] = T{};
      if (in.IsNull(i)) continue;
      if (!ParseNumber<T>(r[i], &out[i])) return ParseError(r[i], to, context);
    }
    result = MakeFixedArray(to, n, values, CopyBitmap(ValidityOf(in), n));
    return Status::OK();
  });
  QUIVER_RETURN_NOT_OK(st);
  return result;
}

Result<ArrayPtr> CastNumberLike(const ArrayPtr& in, const TypePtr& to, std::string_view context) {
  const TypeId from = in->type()->id();
  const TypeId id = to->id();
  const bool from_time = from == TypeId::kDate32 || from == TypeId::kTimestamp;
  const bool to_time = id == TypeId::kDate32 || id == TypeId::kTimestamp;
  if (from_time && to_time) return CastTemporal(*in, to, context);
  if (from == TypeId::kFloat16) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr f, HalfToFloat(*in));
    return CastArray(f, to, context);
  }
  if (id == TypeId::kFloat16) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr f, CastArray(in, float32(), context));
    return FloatToHalf(*f);
  }
  if (from == TypeId::kBool) {
    ArrayPtr result;
    QUIVER_RETURN_NOT_OK(VisitNumeric(id, [&](auto tag) -> Status {
      using D = decltype(tag);
      QUIVER_ASSIGN_OR_RETURN(result, CastBoolToNumber<D>(*in, to));
      return Status::OK();
    }));
    return result;
  }
  if (id == TypeId::kBool) {
    ArrayPtr result;
    QUIVER_RETURN_NOT_OK(VisitNumeric(from, [&](auto tag) -> Status {
      using S = decltype(tag);
      QUIVER_ASSIGN_OR_RETURN(result, CastNumberToBool<S>(*in));
      return Status::OK();
    }));
    return result;
  }
  ArrayPtr result;
  QUIVER_RETURN_NOT_OK(VisitNumeric(from, [&](auto stag) -> Status {
    using S = decltype(stag);
    return VisitNumeric(id, [&](auto dtag) -> Status {
      using D = decltype(dtag);
      QUIVER_ASSIGN_OR_RETURN(result, (CastNumbers<S, D>(*in, to, context)));
      return Status::OK();
    });
  }));
  return result;
}

}  // namespace

bool CanCast(const DataType& from, const DataType& to) {
  if (from.Equals(to)) return true;
  const TypeId f = from.id(), t = to.id();
  if (f == TypeId::kNull) return true;
  if (IsNumberLike(from) && IsNumberLike(to)) {
    // A date has no meaning as a float, nor a float as a date.
    const bool ftime = f == TypeId::kDate32 || f == TypeId::kTimestamp;
    const bool ttime = t == TypeId::kDate32 || t == TypeId::kTimestamp;
    if ((ftime && (to.is_floating() || t == TypeId::kBool)) ||
        (ttime && (from.is_floating() || f == TypeId::kBool))) {
      return false;
    }
    return true;
  }
  if (to.is_string_like()) return IsNumberLike(from) || from.is_string_like();
  if (from.is_string_like()) return IsNumberLike(to);
  return false;
}

Result<ArrayPtr> CastArray(const ArrayPtr& input, const TypePtr& to, std::string_view context) {
  const DataType& from = *input->type();
  if (from.Equals(*to)) return input;
  if (!CanCast(from, *to)) {
    return Status::InvalidArgument("cannot cast " + from.ToString() + " to " + to->ToString() +
                                   Context(context));
  }
  if (from.id() == TypeId::kNull) return MakeNullArray(to, input->length());
  if (to->is_string_like()) return CastToText(*input, to, context);
  if (from.is_string_like()) return CastFromText(*input, to, context);
  return CastNumberLike(input, to, context);
}

Result<Scalar> CastScalar(const Scalar& value, const TypePtr& to, std::string_view context) {
  if (value.type && value.type->Equals(*to)) return value;
  if (value.is_null()) {
    if (value.type && !CanCast(*value.type, *to)) {
      return Status::InvalidArgument("cannot cast " + value.type->ToString() + " to " + to->ToString() +
                                     Context(context));
    }
    return Scalar::Null(to);
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr a, MakeArrayFromScalar(value, 1));
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr c, CastArray(a, to, context));
  return ScalarFromArray(*c, 0);
}

std::optional<Scalar> ExactCast(const Scalar& value, const TypePtr& to) {
  if (value.is_null()) return Scalar::Null(to);
  if (value.type && value.type->Equals(*to)) return value;
  if (!value.type || !CanCast(*value.type, *to) || !CanCast(*to, *value.type)) return std::nullopt;
  Result<Scalar> cast = CastScalar(value, to);
  if (!cast.ok()) return std::nullopt;
  // Text is exact between text types only (1.50 -> '1.5' -> 1.5 is not).
  if (to->is_string_like() != value.type->is_string_like()) return std::nullopt;
  Result<Scalar> back = CastScalar(*cast, value.type);
  if (!back.ok()) return std::nullopt;
  if (to->is_string_like()) return back->Equals(value) ? std::optional<Scalar>(*cast) : std::nullopt;
  std::optional<int> cmp = CompareScalars(*back, value);
  if (!cmp || *cmp != 0) return std::nullopt;
  return *cast;
}

}  // namespace quiver::expr
