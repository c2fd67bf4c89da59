// Conditional functions: coalesce (any number of arguments), nullif.
#include "expr/coercion.h"
#include "expr/compare.h"
#include "expr/functions.h"

namespace quiver::expr {
namespace {

Status BindCommon(CallBinding& call) {
  TypePtr common = call.args[0]->type;
  for (size_t i = 1; i < call.args.size(); ++i) {
    TypePtr next = CommonType(common, call.args[i]->type);
    if (!next) {
      return call.Error("arguments have no common type: " + call.describe_arg(0) + " and " +
                        call.describe_arg(i));
    }
    common = next;
  }
  for (size_t i = 0; i < call.args.size(); ++i) QUIVER_RETURN_NOT_OK(call.cast_arg(i, common));
  call.type = common;
  return Status::OK();
}

Status BindCoalesce(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(BindCommon(call));
  call.nullable = true;
  for (const auto& a : call.args) call.nullable &= a->nullable;
  return Status::OK();
}

Status BindNullIf(CallBinding& call) {
  QUIVER_RETURN_NOT_OK(BindCommon(call));
  if (!IsComparable(*call.type)) return call.Error("cannot compare values of type " + call.type->ToString());
  return Status::OK();
}

// Row i comes from the first argument that is not NULL there.
Result<Datum> CoalesceKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  std::vector<int32_t> choice(static_cast<size_t>(n), -1);
  int64_t open = n;
  for (size_t k = 0; k < args.size() && open > 0; ++k) {
    const Datum& d = args[k];
    if (!d.is_array()) {
      if (d.scalar.is_null()) continue;
      for (int64_t i = 0; i < n; ++i) {
        if (choice[i] < 0) choice[i] = static_cast<int32_t>(k);
      }
      break;
    }
    for (int64_t i = 0; i < n; ++i) {
      if (choice[i] < 0 && d.array->IsValid(i)) {
        choice[i] = static_cast<int32_t>(k);
        --open;
      }
    }
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, ChooseRows(call.type, args, choice, n));
  return Datum(std::move(out));
}

Result<Datum> NullIfKernel(const BoundExpr& call, const std::vector<Datum>& args, int64_t n) {
  QUIVER_ASSIGN_OR_RETURN(Datum eq, Compare(CompareOp::kEq, args[0], args[1], n));
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr eqa, ToArray(eq, n));
  std::vector<int32_t> choice(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n; ++i) {
    if (eqa->IsValid(i) && eqa->GetBool(i)) choice[i] = -1;
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, ChooseRows(call.type, {args[0]}, choice, n));
  return Datum(std::move(out));
}

}  // namespace

void AddConditionalFunctions(std::vector<std::pair<std::string, FunctionDef>>* out) {
  out->emplace_back("coalesce", FunctionDef{"coalesce", 1, -1, BindCoalesce, CoalesceKernel});
  out->emplace_back("nullif", FunctionDef{"nullif", 2, 2, BindNullIf, NullIfKernel});
}

}  // namespace quiver::expr
