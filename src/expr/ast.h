// The parse tree of a SQL expression, as written (DataFusion's dialect):
// what the parser (parser.h) produces and the binder (bind.h) consumes.
// Names are not resolved and types are not checked here.
//
// Thread-safety: a plain tree; immutable once built, it may be read from
// several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "expr/scalar.h"
#include "quiver/schema.h"

namespace quiver::expr {

enum class ExprKind : uint8_t {
  kLiteral,  // value (typed literals such as date '...' are already parsed)
  kColumn,   // path: ["price"], or ["meta", "source"] for a struct member
  kUnary,    // unary_op args[0]
  kBinary,   // args[0] binary_op args[1]
  kIsNull,   // args[0] IS NULL; negated: IS NOT NULL
  kIn,       // args[0] IN (args[1], ...); negated: NOT IN
  kBetween,  // args[0] BETWEEN args[1] AND args[2]; negated: NOT BETWEEN
  kLike,     // args[0] LIKE args[1]; negated: NOT LIKE; case_insensitive: ILIKE
  kCast,     // CAST(args[0] AS cast_type), also args[0]::cast_type
  kCase,     // CASE [operand] WHEN w THEN t ... [ELSE e] END, see below
  kCall,     // function(args...), function lower-cased
};

enum class UnaryOp : uint8_t { kNot, kNegate };

enum class BinaryOp : uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,  // = (also ==), <> (also !=), <, <=, >, >=
  kAnd,
  kOr,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,     // + - * / %
  kConcat,  // ||
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  // Byte offset in the source text where this expression starts (for
  // binder errors: "... at position 7").
  int32_t position = 0;

  Scalar value;                   // kLiteral
  std::vector<std::string> path;  // kColumn, unquoted
  UnaryOp unary_op = UnaryOp::kNot;
  BinaryOp binary_op = BinaryOp::kEq;
  bool negated = false;           // kIsNull, kIn, kBetween, kLike
  bool case_insensitive = false;  // kLike
  TypePtr cast_type;              // kCast
  std::string function;           // kCall, lower-cased
  // kCase: has_operand says whether args[0] is the operand of
  // "CASE x WHEN ..."; then (when, then) pairs; has_else says whether the
  // last arg is the ELSE value.
  bool has_operand = false;
  bool has_else = false;
  std::vector<ExprPtr> args;

  // SQL text that parses back to an equal tree (fully parenthesised).
  std::string ToString() const;
};

// Names of the binary and unary operators as written in SQL ("=", "AND", ...).
const char* BinaryOpName(BinaryOp op);
const char* UnaryOpName(UnaryOp op);

}  // namespace quiver::expr
