// Numeric functions: abs, round (optional digits), floor, ceil (ceiling),
// sqrt, exp, ln, log10, power (pow), isnan.
#include <cmath>
#include <limits>

#include "expr/functions.h"

namespace quiver::expr {
namespace {

Status RequireNumber(CallBinding& call, size_t i) {
  const TypePtr& t = call.args[i]->type;
  if (t->id() == TypeId::kNull) return call.cast_arg(i, float64());
  if (!t->is_numeric()) {
    return call.Error("argument " + std::to_string(i + 1) + " must be a number, got " + call.describe_arg(i));
  }
  if (t->id() == TypeId::kFloat16) return call.cast_arg(i, float32());
  return Status::OK();
}

Status BindAbs(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(RequireNumber(call, 0));
  call.type = call.args[0]->type;
  return Status::OK();
}

// floor, ceil, round: integers are promoted to float64 (as DataFusion does);
// float32 stays float32.
Status BindRounding(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(RequireNumber(call, 0));
  if (call.args[0]->type->is_integer()) QUIVER_RETURN_NOT_OK(call.cast_arg(0, float64()));
  if (call.args.size() > 1) QUIVER_RETURN_NOT_OK(BindIntArg(call, 1));
  call.type = call.args[0]->type;
  return Status::OK();
}

Status BindFloatFunction(CallBinding& call) {
  for (size_t i = 0; i < call.args.size(); ++i) {
    QUIVER_RETURN_NOT_OK(RequireNumber(call, i));
    QUIVER_RETURN_NOT_OK(call.cast_arg(i, float64()));
  }
  call.type = float64();
  return Status::OK();
}

Status BindIsNan(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(RequireNumber(call, 0));
  call.type = boolean();
  return Status::OK();
}

// Applies f to every value of a numeric array of type T (output U), keeping
// its validity.
template <typename T, typename U, typename F>
ArrayPtr MapValues(const Array& in, const TypePtr& type, F&& f) {
  const int64_t n = in.length();
  BufferPtr values = AllocateValues<U>(n);
  U* out = MutableValues<U>(values);
  const T* src = in.values<T>();
  for (int64_t i = 0; i < n; ++i) out[i] = f(src[i]);
  return MakeFixedArray(type, n, values, CopyBitmap(ValidityOf(in), n));
}

Result<Datum> AbsKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr in, ToArray(args[0], n));
  ArrayPtr out;
  Status st = VisitNumeric(call.type->id(), [&](auto tag) -> Status {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      out = MapValues<T, T>(*in, call.type, [](T v) { return std::fabs(v); });
    } else if constexpr (std::is_unsigned_v<T>) {
      out = in;
    } else {
      const T* src = in->values<T>();
      for (int64_t i = 0; i < n; ++i) {
        if (src[i] == std::numeric_limits<T>::min() && in->IsValid(i)) {
          return Status::InvalidArgument("integer overflow " + InExpr(call) + " (abs of " +
                                         std::to_string(src[i]) + ")");
        }
      }
      out = MapValues<T, T>(*in, call.type, [](T v) { return static_cast<T>(v < 0 ? -v : v); });
    }
    return Status::OK();
  });
  QUIVER_RETURN_NOT_OK(st);
  return Datum(std::move(out));
}

template <typename F>
Result<Datum> MapFloat(const BoundExpr& call, const Datum& arg, int64_t n, F&& f) {
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr in, ToArray(arg, n));
  if (call.type->id() == TypeId::kFloat32) {
    return Datum(MapValues<float, float>(*in, call.type, [&](float v) { return static_cast<float>(f(v)); }));
  }
  return Datum(MapValues<double, double>(*in, call.type, f));
}

Result<Datum> FloorKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return MapFloat(call, args[0], n, [](double v) { return std::floor(v); });
}
Result<Datum> CeilKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return MapFloat(call, args[0], n, [](double v) { return std::ceil(v); });
}

// Rounds half away from zero at `digits` decimal places (negative: tens,
// hundreds, ...). Digits beyond what a double holds leave the value as is.
double RoundTo(double v, int64_t digits) {
  if (digits == 0) return std::round(v);
  if (digits > 300 || digits < -300) return digits > 0 ? v : 0.0 * v;
  const double scale = std::pow(10.0, static_cast<double>(digits));
  const double r = std::round(v * scale) / scale;
  return std::isfinite(r) ? r : v;
}

Result<Datum> RoundKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  if (args.size() < 2) return MapFloat(call, args[0], n, [](double v) { return std::round(v); });
  if (!args[1].is_array()) {
    if (args[1].scalar.is_null()) return Datum(MakeNullArray(call.type, n));
    const int64_t digits = ScalarTo<int64_t>(args[1].scalar);
    return MapFloat(call, args[0], n, [digits](double v) { return RoundTo(v, digits); });
  }
  // Per-row digits.
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr in, ToArray(args[0], n));
  IntInput digits(args[1]);
  BufferPtr values = AllocateValues<double>(n);
  double* out = MutableValues<double>(values);
  BufferPtr validity = AllocateBitmap(n);
  uint8_t* vb = validity->mutable_data();
  for (int64_t i = 0; i < n; ++i) {
    out[i] = 0;
    if (in->IsNull(i) || digits.IsNull(i)) continue;
    const double v = call.type->id() == TypeId::kFloat32 ? in->values<float>()[i] : in->values<double>()[i];
    out[i] = RoundTo(v, digits[i]);
    SetBit(vb, i);
  }
  ArrayPtr result = MakeFixedArray(float64(), n, values, validity);
  if (call.type->id() == TypeId::kFloat32) {
    return Datum(
        MapValues<double, float>(*result, call.type, [](double v) { return static_cast<float>(v); }));
  }
  return Datum(std::move(result));
}

Result<Datum> SqrtKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return MapFloat(call, args[0], n, [](double v) { return std::sqrt(v); });
}
Result<Datum> ExpKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return MapFloat(call, args[0], n, [](double v) { return std::exp(v); });
}
Result<Datum> LnKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return MapFloat(call, args[0], n, [](double v) { return std::log(v); });
}
Result<Datum> Log10Kernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return MapFloat(call, args[0], n, [](double v) { return std::log10(v); });
}

Result<Datum> PowerKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr a, ToArray(args[0], n));
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr b, ToArray(args[1], n));
  BufferPtr values = AllocateValues<double>(n);
  double* out = MutableValues<double>(values);
  const double* x = a->values<double>();
  const double* y = b->values<double>();
  for (int64_t i = 0; i < n; ++i) out[i] = std::pow(x[i], y[i]);
  return Datum(MakeFixedArray(float64(), n, values, AndBitmaps(ValidityOf(*a), ValidityOf(*b), n)));
}

Result<Datum> IsNanKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr in, ToArray(args[0], n));
  BufferPtr values = AllocateBitmap(n);
  Status st = VisitNumeric(in->type()->id(), [&](auto tag) -> Status {
    using T = decltype(tag);
    const T* v = in->values<T>();
    FillBits(MutableWords(values), n, [&](int64_t i) { return v[i] != v[i]; });
    return Status::OK();
  });
  QUIVER_RETURN_NOT_OK(st);
  return Datum(MakeBoolArray(n, values, CopyBitmap(ValidityOf(*in), n)));
}

}  // namespace

void AddMathFunctions(std::vector<std::pair<std::string, FunctionDef>>* out) {
  out->emplace_back("abs", FunctionDef{"abs", 1, 1, BindAbs, AbsKernel});
  out->emplace_back("floor", FunctionDef{"floor", 1, 1, BindRounding, FloorKernel});
  out->emplace_back("ceil", FunctionDef{"ceil", 1, 1, BindRounding, CeilKernel});
  out->emplace_back("ceiling", FunctionDef{"ceil", 1, 1, BindRounding, CeilKernel});
  out->emplace_back("round", FunctionDef{"round", 1, 2, BindRounding, RoundKernel});
  out->emplace_back("sqrt", FunctionDef{"sqrt", 1, 1, BindFloatFunction, SqrtKernel});
  out->emplace_back("exp", FunctionDef{"exp", 1, 1, BindFloatFunction, ExpKernel});
  out->emplace_back("ln", FunctionDef{"ln", 1, 1, BindFloatFunction, LnKernel});
  out->emplace_back("log10", FunctionDef{"log10", 1, 1, BindFloatFunction, Log10Kernel});
  out->emplace_back("power", FunctionDef{"power", 2, 2, BindFloatFunction, PowerKernel});
  out->emplace_back("pow", FunctionDef{"power", 2, 2, BindFloatFunction, PowerKernel});
  out->emplace_back("isnan", FunctionDef{"isnan", 1, 1, BindIsNan, IsNanKernel});
}

}  // namespace quiver::expr
