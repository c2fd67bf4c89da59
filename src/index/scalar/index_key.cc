#include "index/scalar/index_key.h"

#include <bit>
#include <cmath>
#include <limits>

#include "common/coding.h"
#include "common/float16.h"

namespace quiver::index {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

// What a query value is, for deciding what it may be compared with.
enum class ValueClass { kNumber, kBool, kString, kDate, kTimestamp, kNull, kOther };

ValueClass Classify(const expr::Scalar& s) {
  if (s.is_null()) return ValueClass::kNull;
  if (s.type) {
    const DataType& t = *s.type;
    if (t.is_numeric()) return ValueClass::kNumber;
    if (t.id() == TypeId::kBool) return ValueClass::kBool;
    if (t.is_string_like()) return ValueClass::kString;
    if (t.id() == TypeId::kDate32) return ValueClass::kDate;
    if (t.id() == TypeId::kTimestamp) return ValueClass::kTimestamp;
    return ValueClass::kOther;
  }
  if (std::holds_alternative<bool>(s.value)) return ValueClass::kBool;
  if (std::holds_alternative<std::string>(s.value)) return ValueClass::kString;
  return ValueClass::kNumber;
}

// The smallest key >= a query value, whether it equals the value, or
// `above_all` when every key is smaller than the value.
struct Ceil {
  bool above_all = false;
  Key key;
  bool exact = false;
};

Ceil Above() {
  Ceil c;
  c.above_all = true;
  return c;
}
Ceil FixedCeil(uint64_t k, bool exact) {
  Ceil c;
  c.key.fixed = k;
  c.exact = exact;
  return c;
}

// Numbers arrive as int64, uint64 or double (bools as 0/1).
using Number = std::variant<int64_t, uint64_t, double>;

std::optional<Number> AsNumber(const expr::Scalar& s) {
  if (auto* v = std::get_if<int64_t>(&s.value)) return Number(*v);
  if (auto* v = std::get_if<uint64_t>(&s.value)) return Number(*v);
  if (auto* v = std::get_if<double>(&s.value)) return Number(*v);
  if (auto* v = std::get_if<bool>(&s.value)) return Number(int64_t{*v ? 1 : 0});
  return std::nullopt;
}

// Smallest int64 >= n.
Ceil CeilInt(const Number& n) {
  if (auto* v = std::get_if<int64_t>(&n)) return FixedCeil(IntKey(*v), true);
  if (auto* v = std::get_if<uint64_t>(&n)) {
    if (*v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Above();
    return FixedCeil(IntKey(static_cast<int64_t>(*v)), true);
  }
  double d = std::get<double>(n);
  if (std::isnan(d) || d >= kTwo63) return Above();
  if (d < -kTwo63) return FixedCeil(IntKey(std::numeric_limits<int64_t>::min()), false);
  double c = std::ceil(d);
  return FixedCeil(IntKey(static_cast<int64_t>(c)), c == d);
}

// Smallest uint64 >= n.
Ceil CeilUInt(const Number& n) {
  if (auto* v = std::get_if<uint64_t>(&n)) return FixedCeil(*v, true);
  if (auto* v = std::get_if<int64_t>(&n)) {
    if (*v < 0) return FixedCeil(0, false);
    return FixedCeil(static_cast<uint64_t>(*v), true);
  }
  double d = std::get<double>(n);
  if (std::isnan(d) || d >= kTwo64) return Above();
  if (d <= 0) return FixedCeil(0, d == 0);
  double c = std::ceil(d);
  return FixedCeil(static_cast<uint64_t>(c), c == d);
}

// Smallest double >= an integer (which doubles may not represent exactly).
template <typename I>
Ceil CeilFloatFromInt(I v) {
  double d = static_cast<double>(v);  // rounds to nearest
  int cmp;                            // d compared with v
  if (d >= (std::is_signed_v<I> ? kTwo63 : kTwo64)) {
    cmp = 1;
  } else {
    I back = static_cast<I>(d);
    cmp = back < v ? -1 : (back > v ? 1 : 0);
  }
  if (cmp < 0) d = std::nextafter(d, std::numeric_limits<double>::infinity());
  return FixedCeil(FloatKey(d), cmp == 0);
}

Ceil CeilFloat(const Number& n) {
  if (auto* v = std::get_if<int64_t>(&n)) return CeilFloatFromInt(*v);
  if (auto* v = std::get_if<uint64_t>(&n)) return CeilFloatFromInt(*v);
  return FixedCeil(FloatKey(std::get<double>(n)), true);
}

int64_t UnitsPerSecond(TimeUnit u) {
  switch (u) {
    case TimeUnit::kSecond:
      return 1;
    case TimeUnit::kMilli:
      return 1000;
    case TimeUnit::kMicro:
      return 1000000;
    case TimeUnit::kNano:
      return 1000000000;
  }
  return 1;
}

// Smallest int64 >= v * num / den (num or den is 1).
Ceil CeilScaled(int64_t v, int64_t num, int64_t den) {
  if (num != 1) {
    int64_t out;
    if (__builtin_mul_overflow(v, num, &out)) {
      if (v > 0) return Above();
      return FixedCeil(IntKey(std::numeric_limits<int64_t>::min()), false);
    }
    return FixedCeil(IntKey(out), true);
  }
  int64_t q = v / den;
  int64_t r = v % den;
  if (r > 0) ++q;  // truncation rounded a positive quotient down
  return FixedCeil(IntKey(q), r == 0);
}

Status NotComparable(const KeyType& type, const expr::Scalar& value) {
  static constexpr const char* kDomainNames[] = {"bool", "integer",   "unsigned integer", "float",
                                                 "date", "timestamp", "string/binary"};
  std::string v = value.type ? value.type->ToString() : std::string("untyped");
  return Status::InvalidArgument(std::string("cannot compare an index on ") +
                                 kDomainNames[static_cast<int>(type.domain)] + " values with a " + v +
                                 " value");
}

Result<Ceil> CeilKey(const KeyType& type, const expr::Scalar& value) {
  ValueClass cls = Classify(value);
  if (cls == ValueClass::kNull) return Status::InvalidArgument("cannot look up NULL in a scalar index");
  switch (type.domain) {
    case KeyDomain::kBool: {
      if (cls != ValueClass::kBool) break;
      return FixedCeil(std::get<bool>(value.value) ? 1 : 0, true);
    }
    case KeyDomain::kInt:
    case KeyDomain::kUInt:
    case KeyDomain::kFloat: {
      if (cls != ValueClass::kNumber) break;
      std::optional<Number> n = AsNumber(value);
      if (!n) break;
      if (type.domain == KeyDomain::kInt) return CeilInt(*n);
      if (type.domain == KeyDomain::kUInt) return CeilUInt(*n);
      return CeilFloat(*n);
    }
    case KeyDomain::kDate: {
      auto* v = std::get_if<int64_t>(&value.value);
      if (!v) break;
      if (cls == ValueClass::kDate) return FixedCeil(IntKey(*v), true);
      if (cls == ValueClass::kTimestamp) {
        TimeUnit su = value.type ? value.type->unit() : TimeUnit::kMicro;
        return CeilScaled(*v, 1, 86400 * UnitsPerSecond(su));
      }
      break;
    }
    case KeyDomain::kTimestamp: {
      auto* v = std::get_if<int64_t>(&value.value);
      if (!v) break;
      int64_t per_col = UnitsPerSecond(type.unit);
      if (cls == ValueClass::kDate) {
        Ceil c = CeilScaled(*v, 86400, 1);
        if (c.above_all || !c.exact) return c;
        return CeilScaled(static_cast<int64_t>(c.key.fixed ^ kSignBit), per_col, 1);
      }
      if (cls == ValueClass::kTimestamp) {
        int64_t per_val = UnitsPerSecond(value.type ? value.type->unit() : TimeUnit::kMicro);
        if (per_val == per_col) return FixedCeil(IntKey(*v), true);
        if (per_val < per_col) return CeilScaled(*v, per_col / per_val, 1);
        return CeilScaled(*v, 1, per_val / per_col);
      }
      break;
    }
    case KeyDomain::kBytes: {
      auto* s = std::get_if<std::string>(&value.value);
      if (cls != ValueClass::kString || !s) break;
      Ceil c;
      c.key.bytes = *s;
      c.exact = true;
      return c;
    }
  }
  return NotComparable(type, value);
}

template <typename T>
uint64_t ReadIntKey(const Array& a, int64_t i) {
  return IntKey(static_cast<int64_t>(a.values<T>()[i]));
}
template <typename T>
uint64_t ReadUIntKey(const Array& a, int64_t i) {
  return UIntKey(static_cast<uint64_t>(a.values<T>()[i]));
}
template <typename T>
uint64_t ReadFloatKey(const Array& a, int64_t i) {
  return FloatKey(static_cast<double>(a.values<T>()[i]));
}
uint64_t ReadHalfKey(const Array& a, int64_t i) {
  return FloatKey(static_cast<double>(HalfToFloat(a.values<uint16_t>()[i])));
}
uint64_t ReadBoolKey(const Array& a, int64_t i) { return a.GetBool(i) ? 1 : 0; }

// What a column type's values are as keys: their domain and, for fixed
// keys, the reader of one value's key.
struct KeyTraits {
  KeyDomain domain;
  FixedKeyFn read = nullptr;
};

// The one list of indexable types; nullopt for any other.
std::optional<KeyTraits> TraitsOf(const DataType& type) {
  switch (type.id()) {
    case TypeId::kBool:
      return KeyTraits{KeyDomain::kBool, &ReadBoolKey};
    case TypeId::kInt8:
      return KeyTraits{KeyDomain::kInt, &ReadIntKey<int8_t>};
    case TypeId::kInt16:
      return KeyTraits{KeyDomain::kInt, &ReadIntKey<int16_t>};
    case TypeId::kInt32:
      return KeyTraits{KeyDomain::kInt, &ReadIntKey<int32_t>};
    case TypeId::kInt64:
      return KeyTraits{KeyDomain::kInt, &ReadIntKey<int64_t>};
    case TypeId::kUInt8:
      return KeyTraits{KeyDomain::kUInt, &ReadUIntKey<uint8_t>};
    case TypeId::kUInt16:
      return KeyTraits{KeyDomain::kUInt, &ReadUIntKey<uint16_t>};
    case TypeId::kUInt32:
      return KeyTraits{KeyDomain::kUInt, &ReadUIntKey<uint32_t>};
    case TypeId::kUInt64:
      return KeyTraits{KeyDomain::kUInt, &ReadUIntKey<uint64_t>};
    case TypeId::kFloat16:
      return KeyTraits{KeyDomain::kFloat, &ReadHalfKey};
    case TypeId::kFloat32:
      return KeyTraits{KeyDomain::kFloat, &ReadFloatKey<float>};
    case TypeId::kFloat64:
      return KeyTraits{KeyDomain::kFloat, &ReadFloatKey<double>};
    case TypeId::kDate32:
      return KeyTraits{KeyDomain::kDate, &ReadIntKey<int32_t>};
    case TypeId::kTimestamp:
      return KeyTraits{KeyDomain::kTimestamp, &ReadIntKey<int64_t>};
    case TypeId::kUtf8:
    case TypeId::kLargeUtf8:
    case TypeId::kBinary:
    case TypeId::kLargeBinary:
      return KeyTraits{KeyDomain::kBytes};
    default:
      return std::nullopt;
  }
}

}  // namespace

uint64_t FloatKey(double v) {
  if (std::isnan(v)) return ~uint64_t{0};  // above +inf (0xfff0...)
  if (v == 0) v = 0.0;                     // -0.0 is 0.0
  uint64_t bits = std::bit_cast<uint64_t>(v);
  return (bits & kSignBit) ? ~bits : (bits | kSignBit);
}

Result<KeyType> KeyTypeFor(const DataType& type) {
  std::optional<KeyTraits> traits = TraitsOf(type);
  if (!traits) return Status::NotSupported("scalar indexes do not support values of type " + type.ToString());
  KeyType k;
  k.domain = traits->domain;
  if (k.domain == KeyDomain::kTimestamp) k.unit = type.unit();
  return k;
}

FixedKeyFn FixedKeyReader(const DataType& type) {
  std::optional<KeyTraits> traits = TraitsOf(type);
  return traits ? traits->read : nullptr;
}

void PutKey(std::string* out, KeyKind kind, const Key& key) {
  if (kind == KeyKind::kFixed) {
    PutFixed64(out, key.fixed);
  } else {
    PutLengthPrefixed(out, key.bytes);
  }
}

bool GetKey(std::string_view* in, KeyKind kind, Key* key) {
  if (kind == KeyKind::kFixed) return GetFixed64(in, &key->fixed);
  std::string_view b;
  if (!GetLengthPrefixed(in, &b)) return false;
  key->bytes.assign(b);
  return true;
}

bool KeyRange::Contains(KeyKind kind, const Key& k) const {
  if (empty) return false;
  if (lower) {
    int c = CompareKeys(kind, k, lower->key);
    if (c < 0 || (c == 0 && !lower->inclusive)) return false;
  }
  if (upper) {
    int c = CompareKeys(kind, k, upper->key);
    if (c > 0 || (c == 0 && !upper->inclusive)) return false;
  }
  return true;
}

Result<KeyRange> RangeFor(const KeyType& type, expr::ColumnPredicate::Op op, const expr::Scalar& value) {
  using Op = expr::ColumnPredicate::Op;
  QUIVER_ASSIGN_OR_RETURN(Ceil c, CeilKey(type, value));
  KeyRange r;
  switch (op) {
    case Op::kEq:
      if (c.above_all || !c.exact) return KeyRange::None();
      return KeyRange::Point(std::move(c.key));
    case Op::kGe:
      if (c.above_all) return KeyRange::None();
      r.lower = KeyBound{std::move(c.key), true};
      return r;
    case Op::kGt:
      if (c.above_all) return KeyRange::None();
      r.lower = KeyBound{std::move(c.key), !c.exact};
      return r;
    case Op::kLt:
      // Keys below the smallest key >= value are exactly the keys below value.
      if (c.above_all) return KeyRange::All();
      r.upper = KeyBound{std::move(c.key), false};
      return r;
    case Op::kLe:
      if (c.above_all) return KeyRange::All();
      r.upper = KeyBound{std::move(c.key), c.exact};
      return r;
    default:
      return Status::InvalidArgument("not a comparison operator");
  }
}

Result<KeyRange> RangeFor(const KeyType& type, const expr::ColumnPredicate& pred) {
  if (pred.values.size() != 1) {
    return Status::InvalidArgument("a comparison takes one value, got " + std::to_string(pred.values.size()));
  }
  if (pred.values[0].is_null()) return KeyRange::None();
  return RangeFor(type, pred.op, pred.values[0]);
}

Result<std::optional<Key>> ExactKey(const KeyType& type, const expr::Scalar& value) {
  QUIVER_ASSIGN_OR_RETURN(Ceil c, CeilKey(type, value));
  if (c.above_all || !c.exact) return std::optional<Key>();
  return std::optional<Key>(std::move(c.key));
}

KeyRange Intersect(KeyKind kind, const KeyRange& a, const KeyRange& b) {
  if (a.empty || b.empty) return KeyRange::None();
  KeyRange r = a;
  if (b.lower) {
    if (!r.lower) {
      r.lower = b.lower;
    } else {
      int c = CompareKeys(kind, b.lower->key, r.lower->key);
      if (c > 0 || (c == 0 && !b.lower->inclusive)) r.lower = b.lower;
    }
  }
  if (b.upper) {
    if (!r.upper) {
      r.upper = b.upper;
    } else {
      int c = CompareKeys(kind, b.upper->key, r.upper->key);
      if (c < 0 || (c == 0 && !b.upper->inclusive)) r.upper = b.upper;
    }
  }
  if (r.lower && r.upper) {
    int c = CompareKeys(kind, r.lower->key, r.upper->key);
    if (c > 0 || (c == 0 && !(r.lower->inclusive && r.upper->inclusive))) return KeyRange::None();
  }
  return r;
}

}  // namespace quiver::index
