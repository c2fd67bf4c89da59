#include "expr/compare.h"

#include <cmath>
#include <string_view>

namespace quiver::expr {

CompareOp FlipCompare(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return CompareOp::kGt;
    case CompareOp::kLe:
      return CompareOp::kGe;
    case CompareOp::kGt:
      return CompareOp::kLt;
    case CompareOp::kGe:
      return CompareOp::kLe;
    default:
      return op;
  }
}

CompareOp NegateCompare(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return CompareOp::kNe;
    case CompareOp::kNe:
      return CompareOp::kEq;
    case CompareOp::kLt:
      return CompareOp::kGe;
    case CompareOp::kLe:
      return CompareOp::kGt;
    case CompareOp::kGt:
      return CompareOp::kLe;
    case CompareOp::kGe:
      return CompareOp::kLt;
  }
  return op;
}

const char* CompareOpName(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "<>";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "?";
}

bool CompareOpFromName(std::string_view name, CompareOp* op) {
  static constexpr CompareOp kAll[] = {CompareOp::kEq, CompareOp::kNe, CompareOp::kLt,
                                       CompareOp::kLe, CompareOp::kGt, CompareOp::kGe};
  for (CompareOp o : kAll) {
    if (name == CompareOpName(o)) {
      *op = o;
      return true;
    }
  }
  return false;
}

namespace {

// Branch-free (bitwise & and |) so that the loops calling it vectorise.
template <CompareOp kOp, typename T>
inline bool Cmp(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    // NaN = NaN, NaN greater than everything else.
    const bool a_nan = a != a, b_nan = b != b;
    if constexpr (kOp == CompareOp::kEq) return (a == b) | (a_nan & b_nan);
    if constexpr (kOp == CompareOp::kNe) return !((a == b) | (a_nan & b_nan));
    if constexpr (kOp == CompareOp::kLt) return (a < b) | (!a_nan & b_nan);
    if constexpr (kOp == CompareOp::kLe) return (a <= b) | b_nan;
    if constexpr (kOp == CompareOp::kGt) return (a > b) | (!b_nan & a_nan);
    if constexpr (kOp == CompareOp::kGe) return (a >= b) | a_nan;
  } else {
    if constexpr (kOp == CompareOp::kEq) return a == b;
    if constexpr (kOp == CompareOp::kNe) return a != b;
    if constexpr (kOp == CompareOp::kLt) return a < b;
    if constexpr (kOp == CompareOp::kLe) return a <= b;
    if constexpr (kOp == CompareOp::kGt) return a > b;
    if constexpr (kOp == CompareOp::kGe) return a >= b;
  }
  return false;
}

template <typename F>
auto DispatchOp(CompareOp op, F&& f) {
  switch (op) {
    case CompareOp::kEq:
      return f(std::integral_constant<CompareOp, CompareOp::kEq>{});
    case CompareOp::kNe:
      return f(std::integral_constant<CompareOp, CompareOp::kNe>{});
    case CompareOp::kLt:
      return f(std::integral_constant<CompareOp, CompareOp::kLt>{});
    case CompareOp::kLe:
      return f(std::integral_constant<CompareOp, CompareOp::kLe>{});
    case CompareOp::kGt:
      return f(std::integral_constant<CompareOp, CompareOp::kGt>{});
    case CompareOp::kGe:
      break;
  }
  return f(std::integral_constant<CompareOp, CompareOp::kGe>{});
}

// a is an array; b an array or a scalar (already known non-null).
template <typename T>
void CompareNumbers(CompareOp op, const Array& a, const Datum& b, int64_t n, uint64_t* out) {
  const T* pa = a.values<T>();
  DispatchOp(op, [&](auto op_tag) {
    constexpr CompareOp kOp = decltype(op_tag)::value;
    if (b.is_array()) {
      const T* pb = b.array->values<T>();
      FillBits(out, n, [&](int64_t i) { return Cmp<kOp>(pa[i], pb[i]); });
    } else {
      const T c = ScalarTo<T>(b.scalar);
      FillBits(out, n, [&](int64_t i) { return Cmp<kOp>(pa[i], c); });
    }
    return 0;
  });
}

void CompareStrings(CompareOp op, const Array& a, const Datum& b, int64_t n, uint64_t* out) {
  VisitStrings(a, [&](const auto& ra) {
    DispatchOp(op, [&](auto op_tag) {
      constexpr CompareOp kOp = decltype(op_tag)::value;
      if (b.is_array()) {
        StringReader rb(*b.array);
        FillBits(out, n, [&](int64_t i) { return Cmp<kOp>(ra[i].compare(rb[i]), 0); });
      } else {
        const std::string_view c = std::get<std::string>(b.scalar.value);
        if constexpr (kOp == CompareOp::kEq || kOp == CompareOp::kNe) {
          if (c.size() <= 8) {
            const typename std::decay_t<decltype(ra)>::SmallKey key(c);
            FillBits(out, n, [&](int64_t i) {
              const bool eq = ra.EqualsSmall(i, key);
              return kOp == CompareOp::kEq ? eq : !eq;
            });
            return 0;
          }
          FillBits(out, n, [&](int64_t i) {
            const bool eq = BytesEqual(ra[i], c);
            return kOp == CompareOp::kEq ? eq : !eq;
          });
        } else {
          FillBits(out, n, [&](int64_t i) { return Cmp<kOp>(ra[i].compare(c), 0); });
        }
      }
      return 0;
    });
    return 0;
  });
}

void CompareBools(CompareOp op, const Array& a, const Datum& b, int64_t n, uint64_t* out) {
  const BitmapRef va = BoolValuesOf(a);
  BitmapRef vb;
  uint64_t cb = 0;
  if (b.is_array()) {
    vb = BoolValuesOf(*b.array);
  } else {
    cb = ScalarTo<bool>(b.scalar) ? ~uint64_t{0} : 0;
  }
  for (int64_t w = 0; w < NumWords(n); ++w) {
    const uint64_t x = LoadBits(va.bits, va.offset + w * 64, std::min<int64_t>(64, n - w * 64));
    const uint64_t y =
        b.is_array() ? LoadBits(vb.bits, vb.offset + w * 64, std::min<int64_t>(64, n - w * 64)) : cb;
    uint64_t r = 0;
    switch (op) {
      case CompareOp::kEq:
        r = ~(x ^ y);
        break;
      case CompareOp::kNe:
        r = x ^ y;
        break;
      case CompareOp::kLt:
        r = ~x & y;
        break;
      case CompareOp::kLe:
        r = ~x | y;
        break;
      case CompareOp::kGt:
        r = x & ~y;
        break;
      case CompareOp::kGe:
        r = x | ~y;
        break;
    }
    out[w] = r;
  }
}

}  // namespace

Result<Datum> Compare(CompareOp op, const Datum& a, const Datum& b, int64_t length) {
  if (!a.is_array() && !b.is_array()) {
    if (a.scalar.is_null() || b.scalar.is_null()) return Datum(Scalar::Null(boolean()));
    std::optional<int> c = CompareScalars(a.scalar, b.scalar);
    if (!c) {
      return Status::InvalidArgument("cannot compare " + a.scalar.ToString() + " with " +
                                     b.scalar.ToString());
    }
    bool r = false;
    switch (op) {
      case CompareOp::kEq:
        r = *c == 0;
        break;
      case CompareOp::kNe:
        r = *c != 0;
        break;
      case CompareOp::kLt:
        r = *c < 0;
        break;
      case CompareOp::kLe:
        r = *c <= 0;
        break;
      case CompareOp::kGt:
        r = *c > 0;
        break;
      case CompareOp::kGe:
        r = *c >= 0;
        break;
    }
    return Datum(Scalar::Bool(r));
  }
  if (!a.is_array()) return Compare(FlipCompare(op), b, a, length);
  if (!b.is_array() && b.scalar.is_null()) return Datum(MakeNullArray(boolean(), length));
  const Array& arr = *a.array;
  const TypeId id = arr.type()->id();
  if (b.is_array() && b.array->type()->id() != id &&
      !(arr.type()->is_string_like() && b.array->type()->is_string_like())) {
    return Status::InvalidArgument("cannot compare " + arr.type()->ToString() + " with " +
                                   b.array->type()->ToString());
  }
  if (id == TypeId::kNull) return Datum(MakeNullArray(boolean(), length));
  BufferPtr values = AllocateBitmap(length);
  uint64_t* out = MutableWords(values);
  if (arr.type()->is_string_like()) {
    CompareStrings(op, arr, b, length, out);
  } else if (id == TypeId::kBool) {
    CompareBools(op, arr, b, length, out);
  } else {
    Status st = VisitNumeric(id, [&](auto tag) -> Status {
      CompareNumbers<decltype(tag)>(op, arr, b, length, out);
      return Status::OK();
    });
    if (!st.ok()) return Status::NotSupported("cannot compare values of type " + arr.type()->ToString());
  }
  BufferPtr validity = b.is_array() ? AndBitmaps(ValidityOf(arr), ValidityOf(*b.array), length)
                                    : CopyBitmap(ValidityOf(arr), length);
  return Datum(MakeBoolArray(length, values, validity));
}

}  // namespace quiver::expr
