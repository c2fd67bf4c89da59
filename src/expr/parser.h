// The SQL expression parser: text in DataFusion's dialect to an Expr tree.
//
// Grammar (lowest precedence first):
//   expr     := or
//   or       := and (OR and)*
//   and      := not (AND not)*
//   not      := NOT not | predicate
//   predicate:= concat [ comparison concat
//                      | IS [NOT] NULL
//                      | [NOT] IN '(' expr (',' expr)* ')'
//                      | [NOT] BETWEEN concat AND concat
//                      | [NOT] (LIKE | ILIKE) concat ]
//   concat   := additive ('||' additive)*
//   additive := term (('+' | '-') term)*
//   term     := unary (('*' | '/' | '%') unary)*
//   unary    := ('-' | '+') unary | postfix
//   postfix  := primary ('::' type)*
//   primary  := literal | column | function '(' [expr (',' expr)*] ')'
//             | CAST '(' expr AS type ')' | CASE ... END | '(' expr ')'
// Literals: integers, decimals and exponents, 'strings' ('' escapes a
// quote), TRUE, FALSE, NULL, date '...', timestamp '...'. Columns: bare
// identifiers, "double quoted" or `backticked` names (any characters), and
// dotted paths for struct members (meta.source). Keywords are
// case-insensitive. Types in CAST: the names ParseType accepts plus SQL
// names (INT, INTEGER, BIGINT, SMALLINT, TINYINT, REAL, FLOAT, DOUBLE,
// VARCHAR, STRING, TEXT, BOOLEAN, DATE, TIMESTAMP).
//
// Tree shapes the binder sees (beyond the grammar above):
//   - a '-' directly before a number is folded into the literal: "-5" is
//     the literal -5 (int64), "-9223372036854775808" is int64's minimum,
//     "-1.5" is float64; but "-x", "-(5)" and "-5::int" (where '::' binds
//     first) are kUnary kNegate. A unary '+' is dropped.
//   - integer literals are int64, or uint64 when above int64's range, or
//     float64 when above uint64's; other numbers are float64.
//   - NOT IN, NOT BETWEEN, NOT LIKE / NOT ILIKE and IS NOT NULL are the
//     positive node with negated = true; "NOT x" is kUnary kNot.
//   - chains of AND (or of OR) are balanced trees of kBinary nodes (the
//     usual left-deep shape for up to three operands), so that thousands of
//     terms stay shallow; other binary operators associate to the left.
//   - "[a, b]" is kCall "make_array" (DataFusion's array literal).
//   - date '...' is a date32 literal, timestamp '...' a timestamp[us] one.
//   - DECIMAL / NUMERIC types are NotSupported; CAST(x AS INT) is int32,
//     BIGINT int64, FLOAT and REAL float32, DOUBLE float64, TIMESTAMP
//     timestamp[us] (TIMESTAMP(3) ms, (9) ns, (0) s), "UNSIGNED" after an
//     integer name gives the unsigned type.
// Comments ("-- ..." to the end of the line, "/* ... */") are skipped.
//
// Errors are InvalidArgument and say where, with the position counted in
// bytes from 0: `unexpected token ')' at position 15 in "price > 10 AND )"`.
// Nesting is limited (kMaxDepth) so that no input can exhaust the stack.
//
// Thread-safety: the functions are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "expr/ast.h"
#include "quiver/status.h"

namespace quiver::expr {

inline constexpr int kMaxDepth = 256;

// One whole expression; trailing input is an error.
Result<ExprPtr> ParseExpression(std::string_view sql);

// A select list: "id, price * 1.2 AS gross, lower(name) name". An item
// without an alias is named by its text for a column path (its last part),
// and by its SQL text otherwise.
struct SelectItem {
  ExprPtr expr;
  std::string alias;
};
Result<std::vector<SelectItem>> ParseSelectList(std::string_view sql);

// One assignment "column = expr" (as in UPDATE ... SET); the column may be
// quoted. Returns the column name and the expression.
struct Assignment {
  std::string column;
  ExprPtr expr;
};
Result<Assignment> ParseAssignment(std::string_view sql);

}  // namespace quiver::expr
