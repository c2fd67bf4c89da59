#include "expr/arithmetic.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "common/int_divider.h"

namespace quiver::expr {

bool ArithOpFromName(std::string_view name, ArithOp* op) {
  if (name == "+") return *op = ArithOp::kAdd, true;
  if (name == "-") return *op = ArithOp::kSub, true;
  if (name == "*") return *op = ArithOp::kMul, true;
  if (name == "/") return *op = ArithOp::kDiv, true;
  if (name == "%") return *op = ArithOp::kMod, true;
  return false;
}

namespace {

enum class Fault : uint8_t { kNone = 0, kOverflow = 1, kDivByZero = 2 };

// r = a op b; returns the fault (r is then 0).
template <ArithOp kOp, typename T>
inline Fault Apply(T a, T b, T* r) {
  if constexpr (std::is_floating_point_v<T>) {
    if constexpr (kOp == ArithOp::kAdd) *r = a + b;
    if constexpr (kOp == ArithOp::kSub) *r = a - b;
    if constexpr (kOp == ArithOp::kMul) *r = a * b;
    if constexpr (kOp == ArithOp::kDiv) *r = a / b;
    if constexpr (kOp == ArithOp::kMod) *r = std::fmod(a, b);
    return Fault::kNone;
  } else {
    bool over = false;
    if constexpr (kOp == ArithOp::kAdd) over = __builtin_add_overflow(a, b, r);
    if constexpr (kOp == ArithOp::kSub) over = __builtin_sub_overflow(a, b, r);
    if constexpr (kOp == ArithOp::kMul) over = __builtin_mul_overflow(a, b, r);
    if constexpr (kOp == ArithOp::kDiv || kOp == ArithOp::kMod) {
      if (b == 0) {
        *r = 0;
        return Fault::kDivByZero;
      }
      if constexpr (std::is_signed_v<T>) {
        if (a == std::numeric_limits<T>::min() && b == T(-1)) {
          *r = 0;
          // MIN % -1 is 0 mathematically; MIN / -1 does not fit.
          return kOp == ArithOp::kMod ? Fault::kNone : Fault::kOverflow;
        }
      }
      *r = kOp == ArithOp::kDiv ? static_cast<T>(a / b) : static_cast<T>(a % b);
      return Fault::kNone;
    }
    if (over) {
      *r = 0;
      return Fault::kOverflow;
    }
    return Fault::kNone;
  }
}

Status FaultError(Fault f, const BoundExpr& expr) {
  if (f == Fault::kDivByZero) return Status::InvalidArgument("division by zero " + InExpr(expr));
  return Status::InvalidArgument("integer overflow " + InExpr(expr) + " (result out of range for " +
                                 expr.type->ToString() + ")");
}

template <ArithOp kOp, typename T, typename GA, typename GB>
Status Loop(int64_t n, GA ga, GB gb, T* out, const BitmapRef& va, const BitmapRef& vb,
            const BoundExpr& expr) {
  uint8_t faults = 0;
  for (int64_t i = 0; i < n; ++i) faults |= static_cast<uint8_t>(Apply<kOp>(ga(i), gb(i), &out[i]));
  if (faults == 0) return Status::OK();
  // A fault under a NULL row is not an error: find one in a valid row.
  for (int64_t i = 0; i < n; ++i) {
    T r;
    const Fault f = Apply<kOp>(ga(i), gb(i), &r);
    if (f == Fault::kNone) continue;
    const bool valid = (va.bits == nullptr || GetBit(va.bits, va.offset + i)) &&
                       (vb.bits == nullptr || GetBit(vb.bits, vb.offset + i));
    if (valid) return FaultError(f, expr);
  }
  return Status::OK();
}

template <ArithOp kOp, typename T>
Status Run(const Datum& a, const Datum& b, int64_t n, T* out, const BoundExpr& expr) {
  const BitmapRef va = a.is_array() ? ValidityOf(*a.array) : BitmapRef{};
  const BitmapRef vb = b.is_array() ? ValidityOf(*b.array) : BitmapRef{};
  if (a.is_array() && b.is_array()) {
    const T* pa = a.array->values<T>();
    const T* pb = b.array->values<T>();
    return Loop<kOp, T>(
        n, [pa](int64_t i) { return pa[i]; }, [pb](int64_t i) { return pb[i]; }, out, va, vb, expr);
  }
  if (a.is_array()) {
    const T* pa = a.array->values<T>();
    const T cb = ScalarTo<T>(b.scalar);
    if constexpr (std::is_integral_v<T> && (kOp == ArithOp::kDiv || kOp == ArithOp::kMod)) {
      // A column divided by a constant (`id % 100`): multiply and shift
      // instead of a hardware divide per row. 0 and -1 take the checked path.
      if (cb != 0 && (std::is_unsigned_v<T> || cb != static_cast<T>(-1))) {
        const IntDivider<T> by(cb);
        for (int64_t i = 0; i < n; ++i)
          out[i] = kOp == ArithOp::kDiv ? by.Quotient(pa[i]) : by.Remainder(pa[i]);
        return Status::OK();
      }
    }
    return Loop<kOp, T>(
        n, [pa](int64_t i) { return pa[i]; }, [cb](int64_t) { return cb; }, out, va, vb, expr);
  }
  const T ca = ScalarTo<T>(a.scalar);
  const T* pb = b.array->values<T>();
  return Loop<kOp, T>(
      n, [ca](int64_t) { return ca; }, [pb](int64_t i) { return pb[i]; }, out, va, vb, expr);
}

template <typename T>
Status RunOp(ArithOp op, const Datum& a, const Datum& b, int64_t n, T* out, const BoundExpr& expr) {
  switch (op) {
    case ArithOp::kAdd:
      return Run<ArithOp::kAdd, T>(a, b, n, out, expr);
    case ArithOp::kSub:
      return Run<ArithOp::kSub, T>(a, b, n, out, expr);
    case ArithOp::kMul:
      return Run<ArithOp::kMul, T>(a, b, n, out, expr);
    case ArithOp::kDiv:
      return Run<ArithOp::kDiv, T>(a, b, n, out, expr);
    case ArithOp::kMod:
      return Run<ArithOp::kMod, T>(a, b, n, out, expr);
  }
  return Status::OK();
}

bool IsArithType(TypeId id) {
  return id != TypeId::kDate32 && id != TypeId::kTimestamp && id != TypeId::kBool && id != TypeId::kFloat16;
}

}  // namespace

Result<Datum> Arithmetic(ArithOp op, const Datum& a, const Datum& b, int64_t length, const BoundExpr& expr) {
  const TypePtr& type = expr.type;
  if (!IsArithType(type->id())) return Status::NotSupported("no arithmetic on " + type->ToString());
  const bool scalar = !a.is_array() && !b.is_array();
  const int64_t n = scalar ? 1 : length;
  if ((!a.is_array() && a.scalar.is_null()) || (!b.is_array() && b.scalar.is_null())) {
    return scalar ? Datum(Scalar::Null(type)) : Datum(MakeNullArray(type, length));
  }
  BufferPtr values;
  Status st = VisitNumeric(type->id(), [&](auto tag) -> Status {
    using T = decltype(tag);
    values = AllocateValues<T>(n);
    if (scalar) {
      // Run on one-element views of the scalars.
      T x = ScalarTo<T>(a.scalar), y = ScalarTo<T>(b.scalar), r;
      Fault f;
      switch (op) {
        case ArithOp::kAdd:
          f = Apply<ArithOp::kAdd>(x, y, &r);
          break;
        case ArithOp::kSub:
          f = Apply<ArithOp::kSub>(x, y, &r);
          break;
        case ArithOp::kMul:
          f = Apply<ArithOp::kMul>(x, y, &r);
          break;
        case ArithOp::kDiv:
          f = Apply<ArithOp::kDiv>(x, y, &r);
          break;
        default:
          f = Apply<ArithOp::kMod>(x, y, &r);
          break;
      }
      if (f != Fault::kNone) return FaultError(f, expr);
      MutableValues<T>(values)[0] = r;
      return Status::OK();
    }
    return RunOp<T>(op, a, b, n, MutableValues<T>(values), expr);
  });
  QUIVER_RETURN_NOT_OK(st);
  if (scalar) {
    QUIVER_ASSIGN_OR_RETURN(Scalar s, ScalarFromArray(*MakeFixedArray(type, 1, values, nullptr), 0));
    return Datum(std::move(s));
  }
  BufferPtr validity;
  if (a.is_array() && b.is_array()) {
    validity = AndBitmaps(ValidityOf(*a.array), ValidityOf(*b.array), length);
  } else {
    validity = CopyBitmap(ValidityOf(a.is_array() ? *a.array : *b.array), length);
  }
  return Datum(MakeFixedArray(type, length, values, validity));
}

Result<Datum> Negate(const Datum& a, int64_t length, const BoundExpr& expr) {
  const TypePtr& type = expr.type;
  Datum zero(Scalar::Int(0, type));
  if (type->is_floating()) {
    zero = Datum(Scalar::Double(-0.0, type));  // -(x) = -0.0 - x keeps signed zeros right
  } else if (!type->is_integer() || !IsArithType(type->id())) {
    return Status::NotSupported("cannot negate " + type->ToString());
  }
  return Arithmetic(ArithOp::kSub, zero, a, length, expr);
}

}  // namespace quiver::expr
