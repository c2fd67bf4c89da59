// Binding: resolves an Expr's columns against a schema, checks and promotes
// types, folds constant subexpressions, and produces a BoundExpr that
// eval.h evaluates column-at-a-time on record batches.
//
// Normal forms the binder guarantees (the planner relies on them):
//   - every node has its output type; predicates are bool;
//   - comparisons between a column (or struct member) and a constant put the
//     column first ("5 < x" becomes "x > 5"), and the constant is already
//     cast to the column's type when that cast is exact (otherwise the
//     column side is wrapped in a cast);
//   - BETWEEN becomes (x >= lo AND x <= hi), NOT BETWEEN its negation;
//     IS NOT NULL, NOT IN and NOT LIKE become not(...) of the positive form;
//   - constant subexpressions (no column references) are folded into literals.
//
// Errors (InvalidArgument, or NotFound for an unknown column) name the
// column, the types and the position: `unknown column "pirce" at position 0;
// did you mean "price"?`, `cannot compare column "name" (string) with 10
// (int64) at position 5`.
//
// Thread-safety: BoundExpr is immutable and may be evaluated from several
// threads at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "expr/ast.h"
#include "expr/scalar.h"
#include "quiver/schema.h"
#include "quiver/status.h"

namespace quiver::expr {

struct BoundExpr;
using BoundExprPtr = std::shared_ptr<const BoundExpr>;

struct BoundExpr {
  enum class Kind : uint8_t { kLiteral, kColumn, kCall };
  Kind kind = Kind::kLiteral;
  TypePtr type;  // output type
  bool nullable = true;

  Scalar literal;                 // kLiteral, of `type`
  std::vector<std::string> path;  // kColumn: top-level column, then struct members
  // kCall: the canonical function name. Operators: "=", "<>", "<", "<=",
  // ">", ">=", "and", "or", "not", "negate", "+", "-", "*", "/", "%", "||",
  // "is_null", "in" (args[0] IN args[1..]), "like", "ilike", "cast", "case"
  // (args: when/then pairs, then the else value, always present), and the
  // functions by name ("lower", "array_has_any", ...).
  std::string function;
  std::vector<BoundExprPtr> args;

  // Readable SQL form, for explain output and errors.
  std::string ToString() const;

  // Evaluation state the binder prepared (kernels, compiled patterns).
  std::shared_ptr<const void> state;
};

struct BindOptions {
  // The value now() returns, in microseconds since the epoch (UTC); taken
  // from the clock at bind time when unset.
  std::optional<int64_t> now_micros;
};

Result<BoundExprPtr> Bind(const Expr& expr, const Schema& schema, const BindOptions& options = {});

// Parses and binds `sql`; a predicate must have type bool (InvalidArgument
// naming the type otherwise).
Result<BoundExprPtr> CompileExpression(std::string_view sql, const Schema& schema,
                                       const BindOptions& options = {});
Result<BoundExprPtr> CompilePredicate(std::string_view sql, const Schema& schema,
                                      const BindOptions& options = {});

// The top-level column names the expression reads, in first-use order.
std::vector<std::string> ReferencedColumns(const BoundExpr& expr);

// The AND-ed parts of a predicate (the predicate itself when it is not an AND).
std::vector<BoundExprPtr> SplitConjuncts(const BoundExprPtr& predicate);

// A conjunct that storage statistics and scalar indexes can answer without
// evaluating it: a column (or struct member) compared with constants.
struct ColumnPredicate {
  enum class Op : uint8_t {
    kEq,
    kLt,
    kLe,
    kGt,
    kGe,  // path <op> values[0]
    kIn,  // path IN values (no NULLs among them)
    kIsNull,
    kIsNotNull,  // no values
    kHasAny,
    kHasAll,  // array_has_any / array_has_all(path, values); array_has(path, v) is kHasAny {v}
  };
  std::vector<std::string> path;
  Op op = Op::kEq;
  std::vector<Scalar> values;  // of the column's type (element type for kHasAny/kHasAll)
};
// The conjunct as a ColumnPredicate when it has one of those shapes (a
// comparison with NULL is not one: it selects nothing), else nullopt.
std::optional<ColumnPredicate> AsColumnPredicate(const BoundExpr& conjunct);

}  // namespace quiver::expr
