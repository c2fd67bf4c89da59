#include "expr/ast.h"

#include "expr/lexer.h"

namespace quiver::expr {

const char* BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEq:
      return "=";
    case BinaryOp::kNe:
      return "<>";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kAnd:
      return "AND";
    case BinaryOp::kOr:
      return "OR";
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kConcat:
      return "||";
  }
  return "?";
}

const char* UnaryOpName(UnaryOp op) {
  switch (op) {
    case UnaryOp::kNot:
      return "NOT";
    case UnaryOp::kNegate:
      return "-";
  }
  return "?";
}

namespace {

// Every composite form is parenthesised (or, like CAST(...) and CASE ...
// END, delimited), so the text of any node can stand as an operand at any
// precedence level without knowing its parent.
void Append(const Expr& e, std::string* out);

void AppendList(const std::vector<ExprPtr>& args, size_t begin, std::string* out) {
  for (size_t i = begin; i < args.size(); ++i) {
    if (i > begin) *out += ", ";
    Append(*args[i], out);
  }
}

// Arguments a malformed tree lacks print as NULL rather than crashing.
const Expr* Arg(const Expr& e, size_t i) { return i < e.args.size() ? e.args[i].get() : nullptr; }
void AppendArg(const Expr& e, size_t i, std::string* out) {
  if (const Expr* a = Arg(e, i)) {
    Append(*a, out);
  } else {
    *out += "NULL";
  }
}

void Append(const Expr& e, std::string* out) {
  switch (e.kind) {
    case ExprKind::kLiteral:
      *out += e.value.ToString();
      return;
    case ExprKind::kColumn:
      for (size_t i = 0; i < e.path.size(); ++i) {
        if (i > 0) *out += '.';
        *out += QuoteName(e.path[i]);
      }
      return;
    case ExprKind::kUnary: {
      *out += '(';
      *out += UnaryOpName(e.unary_op);
      *out += ' ';
      std::string arg;
      AppendArg(e, 0, &arg);
      // "- 5" would read back as the literal -5: keep a negated number
      // apart with parentheses.
      const bool number = !arg.empty() && arg[0] >= '0' && arg[0] <= '9';
      if (e.unary_op == UnaryOp::kNegate && number) {
        *out += '(';
        *out += arg;
        *out += ')';
      } else {
        *out += arg;
      }
      *out += ')';
      return;
    }
    case ExprKind::kBinary:
      *out += '(';
      AppendArg(e, 0, out);
      *out += ' ';
      *out += BinaryOpName(e.binary_op);
      *out += ' ';
      AppendArg(e, 1, out);
      *out += ')';
      return;
    case ExprKind::kIsNull:
      *out += '(';
      AppendArg(e, 0, out);
      *out += e.negated ? " IS NOT NULL)" : " IS NULL)";
      return;
    case ExprKind::kIn:
      *out += '(';
      AppendArg(e, 0, out);
      *out += e.negated ? " NOT IN (" : " IN (";
      AppendList(e.args, 1, out);
      *out += "))";
      return;
    case ExprKind::kBetween:
      *out += '(';
      AppendArg(e, 0, out);
      *out += e.negated ? " NOT BETWEEN " : " BETWEEN ";
      AppendArg(e, 1, out);
      *out += " AND ";
      AppendArg(e, 2, out);
      *out += ')';
      return;
    case ExprKind::kLike:
      *out += '(';
      AppendArg(e, 0, out);
      *out += e.negated ? " NOT " : " ";
      *out += e.case_insensitive ? "ILIKE " : "LIKE ";
      AppendArg(e, 1, out);
      *out += ')';
      return;
    case ExprKind::kCast:
      *out += "CAST(";
      AppendArg(e, 0, out);
      *out += " AS ";
      *out += e.cast_type ? e.cast_type->ToString() : "null";
      *out += ')';
      return;
    case ExprKind::kCase: {
      *out += "CASE";
      size_t i = 0;
      if (e.has_operand) {
        *out += ' ';
        AppendArg(e, i++, out);
      }
      const size_t end = e.args.size() - (e.has_else && !e.args.empty() ? 1 : 0);
      for (; i < end; i += 2) {
        *out += " WHEN ";
        AppendArg(e, i, out);
        *out += " THEN ";
        AppendArg(e, i + 1 < end ? i + 1 : e.args.size(), out);
      }
      if (e.has_else && !e.args.empty()) {
        *out += " ELSE ";
        Append(*e.args.back(), out);
      }
      *out += " END";
      return;
    }
    case ExprKind::kCall:
      *out += e.function;
      *out += '(';
      AppendList(e.args, 0, out);
      *out += ')';
      return;
  }
}

}  // namespace

std::string Expr::ToString() const {
  std::string out;
  Append(*this, &out);
  return out;
}

}  // namespace quiver::expr
