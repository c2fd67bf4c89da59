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
