// The SQL functions the evaluator knows (lower, substr, round, coalesce,
// array_has_any, date_trunc, ...): for each, how the binder checks and
// coerces its arguments and picks the output type, and the kernel that
// evaluates it on whole columns.
//
// Functions are found by name (lower-case) or alias (array_contains for
// array_has, char_length for length, ...); a BoundExpr call always carries
// the canonical name.
//
// Thread-safety: the registry is built once and read-only after.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "expr/bind.h"
#include "expr/kernel.h"

namespace quiver::expr {

// What a function's bind step sees and fills in.
struct CallBinding {
  std::string name;                // canonical name
  std::vector<BoundExprPtr> args;  // bound arguments, may be replaced (casts)
  int32_t position = 0;            // of the call in the SQL text
  TypePtr type;                    // output type: set by the bind step
  std::shared_ptr<const void> state;
  bool nullable = true;
  BindOptions options;

  // Casts args[i] to `type` (literals are folded); InvalidArgument naming
  // the argument when the cast is not defined.
  std::function<Status(size_t i, const TypePtr& type)> cast_arg;
  // `column "name" (string)`, `10 (int64)`, `lower(name) (string)`.
  std::function<std::string(size_t i)> describe_arg;

  // InvalidArgument: "<name>: <msg> at position <position>".
  Status Error(const std::string& msg) const;
};

using BindFn = Status (*)(CallBinding& call);
// Evaluates a call whose arguments are evaluated; scalars in, scalar out is
// allowed (constant folding), otherwise arrays of `length` rows.
using KernelFn = Result<Datum> (*)(const BoundExpr& call, const std::vector<Datum>& args, int64_t length);

struct FunctionDef {
  const char* name;
  int min_args;
  int max_args;  // -1: any number
  BindFn bind;
  KernelFn kernel;
  bool deterministic = true;
};

// The function for a name or alias, or nullptr.
const FunctionDef* FindFunction(std::string_view name);
// Names of all functions and aliases (for "did you mean").
std::vector<std::string> FunctionNames();

// Bind helpers shared by the function tables.
// args[i] must be text (utf8/large_utf8; an untyped NULL becomes utf8).
Status BindStringArg(CallBinding& call, size_t i);
// args[i] must be an integer; it is cast to int64.
Status BindIntArg(CallBinding& call, size_t i);
// args[i] must be a literal (after folding): its value.
Result<Scalar> ConstantArg(const CallBinding& call, size_t i, const char* what);

// Registration, one table per file (string_functions.cc, ...).
void AddStringFunctions(std::vector<std::pair<std::string, FunctionDef>>* out);
void AddMathFunctions(std::vector<std::pair<std::string, FunctionDef>>* out);
void AddListFunctions(std::vector<std::pair<std::string, FunctionDef>>* out);
void AddDatetimeFunctions(std::vector<std::pair<std::string, FunctionDef>>* out);
void AddConditionalFunctions(std::vector<std::pair<std::string, FunctionDef>>* out);

// Row-wise selection among same-typed operands, for coalesce and CASE:
// row i of the result is row i of sources[choice[i]], or NULL when
// choice[i] < 0.
Result<ArrayPtr> ChooseRows(const TypePtr& type, const std::vector<Datum>& sources,
                            const std::vector<int32_t>& choice, int64_t length);

}  // namespace quiver::expr
