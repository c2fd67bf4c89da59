// List functions: array_has (array_contains, list_has), array_has_any,
// array_has_all, array_length (cardinality), make_array.
//
// Bound forms: array_has(list, value) with the value cast to the element
// type; array_has_any / array_has_all(list, v1, v2, ...) when the second
// argument was make_array(...) (its elements become the trailing arguments),
// or (list, other_list) for two list expressions, compared row by row.
// A NULL list gives NULL; NULL elements and NULL values never match.
#include <algorithm>

#include "expr/cast.h"
#include "expr/coercion.h"
#include "expr/compare.h"
#include "expr/functions.h"
#include "expr/in_list.h"

namespace quiver::expr {
namespace {

bool IsList(const DataType& t) { return t.is_list_like(); }

Status RequireList(CallBinding& call) {
  if (!IsList(*call.args[0]->type)) {
    return call.Error("argument 1 must be a list, got " + call.describe_arg(0));
  }
  return Status::OK();
}

// Casts args[i] to the list's element type; a constant must convert exactly.
Status BindElement(CallBinding& call, size_t i) {
  const TypePtr& element = call.args[0]->type->value_type();
  const BoundExpr& arg = *call.args[i];
  if (arg.type->Equals(*element)) return Status::OK();
  if (!CommonType(element, arg.type) && arg.type->id() != TypeId::kNull) {
    return call.Error("cannot look for " + call.describe_arg(i) + " in " + call.describe_arg(0));
  }
  if (arg.kind == BoundExpr::Kind::kLiteral && !ExactCast(arg.literal, element)) {
    return call.Error(call.describe_arg(i) + " cannot be an element of " + call.describe_arg(0));
  }
  return call.cast_arg(i, element);
}

Status BindArrayHas(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(RequireList(call));
  QUIVER_RETURN_NOT_OK(BindElement(call, 1));
  call.type = boolean();
  return Status::OK();
}

Status BindArrayHasSet(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(RequireList(call));
  call.type = boolean();
  if (call.args.size() == 2 && call.args[1]->kind == BoundExpr::Kind::kCall &&
      call.args[1]->function == "make_array") {
    std::vector<BoundExprPtr> elements = call.args[1]->args;
    call.args.resize(1);
    call.args.insert(call.args.end(), elements.begin(), elements.end());
    for (size_t i = 1; i < call.args.size(); ++i) QUIVER_RETURN_NOT_OK(BindElement(call, i));
    return Status::OK();
  }
  if (call.args.size() == 2 && IsList(*call.args[1]->type)) {
    const TypePtr& a = call.args[0]->type->value_type();
    const TypePtr& b = call.args[1]->type->value_type();
    if (!CommonType(a, b) || !IsComparable(*a)) {
      return call.Error("cannot compare the elements of " + call.describe_arg(0) + " and " +
                        call.describe_arg(1));
    }
    return Status::OK();
  }
  return call.Error("argument 2 must be a list (make_array(...) or a list column), got " +
                    call.describe_arg(1));
}

Status BindArrayLength(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(RequireList(call));
  call.type = int64();
  return Status::OK();
}

Status BindMakeArray(CallBinding& call) {
  TypePtr common = call.args[0]->type;
  for (size_t i = 1; i < call.args.size(); ++i) {
    TypePtr next = CommonType(common, call.args[i]->type);
    if (!next) return call.Error("elements have no common type: " + call.describe_arg(i));
    common = next;
  }
  if (common->id() == TypeId::kNull) common = int64();
  for (size_t i = 0; i < call.args.size(); ++i) QUIVER_RETURN_NOT_OK(call.cast_arg(i, common));
  call.type = list(common);
  call.nullable = false;
  return Status::OK();
}

// out[row] = some element of the row's range has its bit set in `hits`
// (a bool array over the list's child, NULL elements already false).
void AnyPerRow(const Array& list, const Array& hits, uint8_t* out) {
  for (int64_t i = 0; i < list.length(); ++i) {
    if (list.IsNull(i)) continue;
    auto [b, e] = list.ListRange(i);
    for (int64_t k = b; k < e; ++k) {
      if (hits.IsValid(k) && hits.GetBool(k)) {
        SetBit(out, i);
        break;
      }
    }
  }
}

// Element k of `child` matches value v (both non-null).
bool ElementEquals(const Array& child, int64_t k, const Scalar& v) {
  if (child.IsNull(k) || v.is_null()) return false;
  Result<Scalar> e = ScalarFromArray(child, k);
  if (!e.ok()) return false;
  std::optional<int> c = CompareScalars(*e, v);
  return c && *c == 0;
}

// Constant values: one pass over the child per value set.
Result<Datum> HasConstant(const Array& list, const std::vector<Scalar>& values, bool all, int64_t n) {
  const ArrayPtr child = list.child(0);
  BufferPtr out = AllocateBitmap(n);
  uint8_t* ob = out->mutable_data();
  if (!all) {
    QUIVER_ASSIGN_OR_RETURN(auto set, InSet::Make(child->type(), values));
    QUIVER_ASSIGN_OR_RETURN(Datum hits, set->Evaluate(Datum(child), child->length()));
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr h, ToArray(hits, child->length()));
    AnyPerRow(list, *h, ob);
  } else {
    std::memset(ob, 0xFF, out->size());
    std::vector<uint8_t> row(static_cast<size_t>(NumWords(n)) * 8, 0);
    for (const Scalar& v : values) {
      std::fill(row.begin(), row.end(), 0);
      if (!v.is_null()) {
        QUIVER_ASSIGN_OR_RETURN(Datum hits, Compare(CompareOp::kEq, Datum(child), Datum(v), child->length()));
        QUIVER_ASSIGN_OR_RETURN(ArrayPtr h, ToArray(hits, child->length()));
        AnyPerRow(list, *h, row.data());
      }
      for (size_t b = 0; b < row.size(); ++b) ob[b] &= row[b];
    }
  }
  return Datum(MakeBoolArray(n, out, CopyBitmap(ValidityOf(list), n)));
}

// array_has / array_has_any / array_has_all.
Result<Datum> HasKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n, bool all) {
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr list, ToArray(args[0], n));
  bool constant = true;
  for (size_t i = 1; i < args.size(); ++i) constant &= !args[i].is_array();
  if (constant && !IsList(*args[1].type())) {
    std::vector<Scalar> values;
    for (size_t i = 1; i < args.size(); ++i) values.push_back(args[i].scalar);
    if (call.function == "array_has" && values[0].is_null()) return Datum(MakeNullArray(boolean(), n));
    return HasConstant(*list, values, all, n);
  }
  // Row by row: per-row values, or a second list.
  const ArrayPtr& child = list->child(0);
  std::vector<ArrayPtr> others;
  for (size_t i = 1; i < args.size(); ++i) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr a, ToArray(args[i], n));
    others.push_back(std::move(a));
  }
  const bool second_is_list = IsList(*others[0]->type());
  BufferPtr out = AllocateBitmap(n);
  BufferPtr validity = AllocateBitmap(n);
  uint8_t* ob = out->mutable_data();
  uint8_t* vb = validity->mutable_data();
  for (int64_t i = 0; i < n; ++i) {
    if (list->IsNull(i)) continue;
    std::vector<Scalar> values;
    if (second_is_list) {
      if (others[0]->IsNull(i)) continue;
      auto [b, e] = others[0]->ListRange(i);
      for (int64_t k = b; k < e; ++k) {
        QUIVER_ASSIGN_OR_RETURN(Scalar v, ScalarFromArray(*others[0]->child(0), k));
        values.push_back(std::move(v));
      }
    } else {
      for (const ArrayPtr& o : others) {
        QUIVER_ASSIGN_OR_RETURN(Scalar v, ScalarFromArray(*o, i));
        values.push_back(std::move(v));
      }
      if (call.function == "array_has" && values[0].is_null()) continue;
    }
    auto [b, e] = list->ListRange(i);
    bool result = all;
    for (const Scalar& v : values) {
      bool found = false;
      for (int64_t k = b; k < e && !found; ++k) found = ElementEquals(*child, k, v);
      if (all && !found) {
        result = false;
        break;
      }
      if (!all && found) {
        result = true;
        break;
      }
    }
    if (result) SetBit(ob, i);
    SetBit(vb, i);
  }
  return Datum(MakeBoolArray(n, out, validity));
}

Result<Datum> ArrayHasKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return HasKernel(call, args, n, false);
}
Result<Datum> ArrayHasAllKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  return HasKernel(call, args, n, true);
}

Result<Datum> ArrayLengthKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr list, ToArray(args[0], n));
  BufferPtr values = AllocateValues<int64_t>(n);
  int64_t* out = MutableValues<int64_t>(values);
  for (int64_t i = 0; i < n; ++i) {
    if (list->IsNull(i)) {
      out[i] = 0;
      continue;
    }
    auto [b, e] = list->ListRange(i);
    out[i] = e - b;
  }
  return Datum(MakeFixedArray(int64(), n, values, CopyBitmap(ValidityOf(*list), n)));
}

// A list per row holding that row of every argument.
Result<Datum> MakeArrayKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  const int64_t k = static_cast<int64_t>(args.size());
  std::vector<ArrayPtr> parts;
  for (const Datum& d : args) {
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr a, ToArray(d, n));
    parts.push_back(std::move(a));
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr all, Concatenate(parts));
  std::vector<int64_t> indices;
  indices.reserve(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < k; ++j) indices.push_back(j * n + i);
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr child, Take(*all, indices));
  if (n * k > INT32_MAX) return Status::InvalidArgument("make_array result too large " + InExpr(call));
  BufferPtr offsets = AllocateValues<int32_t>(n + 1);
  int32_t* o = MutableValues<int32_t>(offsets);
  for (int64_t i = 0; i <= n; ++i) o[i] = static_cast<int32_t>(i * k);
  return Datum(std::make_shared<Array>(call.type, n, std::vector<BufferPtr>{nullptr, offsets},
                                       std::vector<ArrayPtr>{child}));
}

}  // namespace

void AddListFunctions(std::vector<std::pair<std::string, FunctionDef>>* out) {
  const FunctionDef has{"array_has", 2, 2, BindArrayHas, ArrayHasKernel};
  const FunctionDef has_any{"array_has_any", 2, -1, BindArrayHasSet, ArrayHasKernel};
  const FunctionDef has_all{"array_has_all", 2, -1, BindArrayHasSet, ArrayHasAllKernel};
  const FunctionDef length{"array_length", 1, 1, BindArrayLength, ArrayLengthKernel};
  out->emplace_back("array_has", has);
  out->emplace_back("array_contains", has);
  out->emplace_back("list_has", has);
  out->emplace_back("list_contains", has);
  out->emplace_back("array_has_any", has_any);
  out->emplace_back("list_has_any", has_any);
  out->emplace_back("array_has_all", has_all);
  out->emplace_back("list_has_all", has_all);
  out->emplace_back("array_length", length);
  out->emplace_back("cardinality", length);
  out->emplace_back("list_length", length);
  out->emplace_back("make_array", FunctionDef{"make_array", 1, -1, BindMakeArray, MakeArrayKernel});
  out->emplace_back("make_list", FunctionDef{"make_array", 1, -1, BindMakeArray, MakeArrayKernel});
}

}  // namespace quiver::expr
