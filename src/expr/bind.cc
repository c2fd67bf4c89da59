#include "expr/bind.h"

#include <chrono>
#include <cmath>

#include "common/datetime.h"
#include "common/suggest.h"
#include "expr/cast.h"
#include "expr/coercion.h"
#include "expr/compare.h"
#include "expr/eval.h"
#include "expr/functions.h"
#include "expr/in_list.h"
#include "expr/like.h"
#include "expr/parser.h"

namespace quiver::expr {
namespace {

// Deeper trees are refused so that binding and evaluation (both recursive)
// cannot exhaust the stack, whoever built the tree.
// The parser limits trees to kMaxDepth; rewrites (BETWEEN, NOT IN) add a level
// or two. Kept small so that recursion fits sanitizer builds' larger frames.
constexpr int kMaxBindDepth = kMaxDepth + 16;

std::string At(int32_t position) { return " at position " + std::to_string(position); }

bool IsIdentifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

std::string QuoteName(const std::string& s) {
  if (IsIdentifier(s)) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string PathText(const std::vector<std::string>& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out += '.';
    out += QuoteName(path[i]);
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IsNested(const DataType& t) { return t.is_list_like() || t.id() == TypeId::kStruct; }
bool IsTemporal(const DataType& t) { return t.id() == TypeId::kDate32 || t.id() == TypeId::kTimestamp; }
bool IsUnsigned(TypeId id) {
  return id == TypeId::kUInt8 || id == TypeId::kUInt16 || id == TypeId::kUInt32 || id == TypeId::kUInt64;
}

BoundExprPtr MakeLiteral(Scalar value) {
  auto e = std::make_shared<BoundExpr>();
  e->kind = BoundExpr::Kind::kLiteral;
  if (!value.type) value.type = null_type();
  e->type = value.type;
  e->nullable = value.is_null();
  e->literal = std::move(value);
  return e;
}

BoundExprPtr MakeCall(std::string function, TypePtr type, std::vector<BoundExprPtr> args,
                      std::shared_ptr<const void> state = nullptr) {
  auto e = std::make_shared<BoundExpr>();
  e->kind = BoundExpr::Kind::kCall;
  e->function = std::move(function);
  e->type = std::move(type);
  e->nullable = false;
  for (const auto& a : args) e->nullable |= a->nullable;
  e->args = std::move(args);
  e->state = std::move(state);
  return e;
}

bool IsLiteral(const BoundExprPtr& e) { return e->kind == BoundExpr::Kind::kLiteral; }

// The type two sides of a comparison are brought to, or nullptr.
TypePtr ComparisonType(const TypePtr& a, const TypePtr& b) {
  if (a->id() == TypeId::kNull) return b->id() == TypeId::kNull ? boolean() : b;
  if (b->id() == TypeId::kNull) return a;
  if (!IsComparable(*a) || !IsComparable(*b)) return nullptr;
  if (a->is_numeric() && b->is_numeric()) {
    // uint64 against a signed integer: compare as float64 rather than risk a
    // failing cast of either side.
    if ((a->id() == TypeId::kUInt64 && b->is_integer() && !IsUnsigned(b->id())) ||
        (b->id() == TypeId::kUInt64 && a->is_integer() && !IsUnsigned(a->id()))) {
      return float64();
    }
    return CommonNumericType(a, b);
  }
  if (a->is_string_like() && IsTemporal(*b)) return b;
  if (b->is_string_like() && IsTemporal(*a)) return a;
  if (a->id() == TypeId::kBool || b->id() == TypeId::kBool) return a->id() == b->id() ? a : nullptr;
  return CommonType(a, b);
}

class Binder {
 public:
  Binder(const Schema& schema, const BindOptions& options) : schema_(schema), options_(options) {
    if (!options_.now_micros) {
      options_.now_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    }
  }

  Result<BoundExprPtr> Bind(const Expr& e, int depth) {
    if (depth > kMaxBindDepth) {
      return Status::InvalidArgument("expression nested too deeply (more than " +
                                     std::to_string(kMaxBindDepth) + " levels)" + At(e.position));
    }
    switch (e.kind) {
      case ExprKind::kLiteral:
        return MakeLiteral(e.value);
      case ExprKind::kColumn:
        return BindColumn(e);
      case ExprKind::kUnary:
        return BindUnary(e, depth);
      case ExprKind::kBinary:
        return BindBinary(e, depth);
      case ExprKind::kIsNull:
        return BindIsNull(e, depth);
      case ExprKind::kIn:
        return BindIn(e, depth);
      case ExprKind::kBetween:
        return BindBetween(e, depth);
      case ExprKind::kLike:
        return BindLike(e, depth);
      case ExprKind::kCast:
        return BindCast(e, depth);
      case ExprKind::kCase:
        return BindCase(e, depth);
      case ExprKind::kCall:
        return BindCall(e, depth);
    }
    return Status::InvalidArgument("unknown expression kind" + At(e.position));
  }

  // `column "name" (string)`, `10 (int64)`, `lower(name) (string)`.
  static std::string Describe(const BoundExpr& e) {
    if (e.kind == BoundExpr::Kind::kColumn)
      return "column \"" + PathText(e.path) + "\" (" + e.type->ToString() + ")";
    return e.ToString() + " (" + e.type->ToString() + ")";
  }

  Result<BoundExprPtr> CastTo(const BoundExprPtr& e, const TypePtr& type, int32_t position) {
    if (e->type->Equals(*type)) return e;
    if (!CanCast(*e->type, *type)) {
      return Status::InvalidArgument("cannot cast " + Describe(*e) + " to " + type->ToString() +
                                     At(position));
    }
    return Fold(MakeCall("cast", type, {e}), position);
  }

 private:
  Result<BoundExprPtr> Arg(const Expr& e, size_t i, int depth) {
    if (i >= e.args.size() || !e.args[i]) {
      return Status::InvalidArgument("malformed expression: missing operand" + At(e.position));
    }
    return Bind(*e.args[i], depth + 1);
  }

  // Evaluates a call whose arguments are all literals once, now.
  Result<BoundExprPtr> Fold(BoundExprPtr call, int32_t position) {
    if (call->kind != BoundExpr::Kind::kCall || IsNested(*call->type)) return call;
    for (const auto& a : call->args) {
      if (!IsLiteral(a)) return call;
    }
    if (const FunctionDef* def = FindFunction(call->function); def && !def->deterministic) return call;
    static const RecordBatch kOneRow(std::make_shared<const Schema>(), 1, {});
    Result<ArrayPtr> value = Evaluate(*call, kOneRow);
    if (!value.ok()) return Status(value.status().code(), value.status().message() + At(position));
    QUIVER_ASSIGN_OR_RETURN(Scalar s, ScalarFromArray(**value, 0));
    s.type = call->type;
    return MakeLiteral(std::move(s));
  }

  Result<BoundExprPtr> RequireBool(BoundExprPtr e, const char* what, int32_t position) {
    if (e->type->id() == TypeId::kBool) return e;
    if (e->type->id() == TypeId::kNull) return CastTo(e, boolean(), position);
    return Status::InvalidArgument(std::string(what) + " needs a bool operand, got " + Describe(*e) +
                                   At(position));
  }

  Result<BoundExprPtr> BindColumn(const Expr& e) {
    if (e.path.empty()) return Status::InvalidArgument("empty column name" + At(e.position));
    const std::string& name = e.path[0];
    int index = schema_.FieldIndex(name);
    if (index < 0) {
      for (int i = 0; i < schema_.num_fields(); ++i) {
        if (EqualsIgnoreCase(schema_.field(i).name, name)) {
          if (index >= 0) {
            return Status::InvalidArgument("column name \"" + name + "\" is ambiguous: it matches \"" +
                                           schema_.field(index).name + "\" and \"" + schema_.field(i).name +
                                           "\" (quote the name to match case)" + At(e.position));
          }
          index = i;
        }
      }
    }
    if (index < 0) {
      std::vector<std::string> names;
      for (const Field& f : schema_.fields()) names.push_back(f.name);
      return Status::NotFound("unknown column \"" + name + "\"" + At(e.position) + DidYouMean(name, names));
    }
    const Field* field = &schema_.field(index);
    std::vector<std::string> path{field->name};
    bool nullable = field->nullable;
    for (size_t k = 1; k < e.path.size(); ++k) {
      const std::string& member = e.path[k];
      if (field->type->id() != TypeId::kStruct) {
        return Status::InvalidArgument("column \"" + PathText(path) + "\" (" + field->type->ToString() +
                                       ") is not a struct, so it has no member \"" + member + "\"" +
                                       At(e.position));
      }
      const Field* next = nullptr;
      for (const Field& f : field->type->children()) {
        if (f.name == member) next = &f;
      }
      if (next == nullptr) {
        for (const Field& f : field->type->children()) {
          if (EqualsIgnoreCase(f.name, member)) next = next ? nullptr : &f;
        }
      }
      if (next == nullptr) {
        std::vector<std::string> names;
        for (const Field& f : field->type->children()) names.push_back(f.name);
        return Status::NotFound("column \"" + PathText(path) + "\" has no member \"" + member + "\"" +
                                At(e.position) + DidYouMean(member, names));
      }
      field = next;
      path.push_back(field->name);
      nullable |= field->nullable;
    }
    auto out = std::make_shared<BoundExpr>();
    out->kind = BoundExpr::Kind::kColumn;
    out->path = std::move(path);
    out->type = field->type;
    out->nullable = nullable;
    return BoundExprPtr(std::move(out));
  }

  Result<BoundExprPtr> BindUnary(const Expr& e, int depth) {
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr a, Arg(e, 0, depth));
    if (e.unary_op == UnaryOp::kNot) {
      QUIVER_ASSIGN_OR_RETURN(a, RequireBool(a, "NOT", e.position));
      return Fold(MakeCall("not", boolean(), {a}), e.position);
    }
    // Negation.
    if (a->type->id() == TypeId::kNull) return CastTo(a, int64(), e.position);
    if (!a->type->is_numeric()) {
      return Status::InvalidArgument("cannot negate " + Describe(*a) + At(e.position));
    }
    if (IsLiteral(a) && a->type->id() == TypeId::kUInt64 && !a->literal.is_null() &&
        std::get<uint64_t>(a->literal.value) == (uint64_t{1} << 63)) {
      return MakeLiteral(Scalar::Int(INT64_MIN));  // -9223372036854775808
    }
    if (IsUnsigned(a->type->id())) {
      QUIVER_ASSIGN_OR_RETURN(a, CastTo(a, int64(), e.position));
    } else if (a->type->id() == TypeId::kFloat16) {
      QUIVER_ASSIGN_OR_RETURN(a, CastTo(a, float32(), e.position));
    }
    return Fold(MakeCall("negate", a->type, {a}), e.position);
  }

  Result<BoundExprPtr> BindBinary(const Expr& e, int depth) {
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr a, Arg(e, 0, depth));
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr b, Arg(e, 1, depth));
    switch (e.binary_op) {
      case BinaryOp::kAnd:
      case BinaryOp::kOr: {
        const char* name = e.binary_op == BinaryOp::kAnd ? "AND" : "OR";
        QUIVER_ASSIGN_OR_RETURN(a, RequireBool(a, name, e.position));
        QUIVER_ASSIGN_OR_RETURN(b, RequireBool(b, name, e.position));
        return Fold(MakeCall(e.binary_op == BinaryOp::kAnd ? "and" : "or", boolean(), {a, b}), e.position);
      }
      case BinaryOp::kEq:
        return BindComparison(CompareOp::kEq, a, b, e.position);
      case BinaryOp::kNe:
        return BindComparison(CompareOp::kNe, a, b, e.position);
      case BinaryOp::kLt:
        return BindComparison(CompareOp::kLt, a, b, e.position);
      case BinaryOp::kLe:
        return BindComparison(CompareOp::kLe, a, b, e.position);
      case BinaryOp::kGt:
        return BindComparison(CompareOp::kGt, a, b, e.position);
      case BinaryOp::kGe:
        return BindComparison(CompareOp::kGe, a, b, e.position);
      case BinaryOp::kConcat: {
        const bool large = a->type->id() == TypeId::kLargeUtf8 || b->type->id() == TypeId::kLargeUtf8;
        const TypePtr out = large ? large_utf8() : utf8();
        for (BoundExprPtr* side : {&a, &b}) {
          if (IsNested(*(*side)->type)) {
            return Status::InvalidArgument("cannot concatenate " + Describe(**side) + At(e.position));
          }
          QUIVER_ASSIGN_OR_RETURN(*side, CastTo(*side, out, e.position));
        }
        return Fold(MakeCall("||", out, {a, b}), e.position);
      }
      default:
        return BindArithmetic(e.binary_op, a, b, e.position);
    }
  }

  Result<BoundExprPtr> BindArithmetic(BinaryOp op, BoundExprPtr a, BoundExprPtr b, int32_t position) {
    const char* name = BinaryOpName(op);
    TypePtr ta = a->type, tb = b->type;
    if (ta->id() == TypeId::kNull) ta = tb->id() == TypeId::kNull ? int64() : tb;
    if (tb->id() == TypeId::kNull) tb = ta;
    TypePtr common = CommonNumericType(ta, tb);
    if (!common) {
      return Status::InvalidArgument(std::string("cannot apply ") + name + " to " + Describe(*a) + " and " +
                                     Describe(*b) + At(position));
    }
    if (common->id() == TypeId::kFloat16) common = float32();
    QUIVER_ASSIGN_OR_RETURN(a, CastTo(a, common, position));
    QUIVER_ASSIGN_OR_RETURN(b, CastTo(b, common, position));
    return Fold(MakeCall(name, common, {a, b}), position);
  }

  // The constant `c` for comparison with values of `type`: parsed when a
  // string meets a date or timestamp, otherwise as it is.
  Result<Scalar> CoerceConstant(const Scalar& c, const TypePtr& type, const BoundExpr& column,
                                int32_t position) {
    if (c.is_null() || !c.type->is_string_like() || !IsTemporal(*type)) return c;
    const std::string& text = std::get<std::string>(c.value);
    if (type->id() == TypeId::kDate32) {
      Result<int64_t> d = ParseDate(text);
      if (d.ok()) return Scalar::Date(*d);
    }
    const TimeUnit unit = type->id() == TypeId::kTimestamp ? type->unit() : TimeUnit::kMicro;
    Result<int64_t> t = ParseTimestamp(text, unit);
    if (!t.ok()) {
      // A finer literal than the column holds ('...12:00:00.5' on seconds).
      t = ParseTimestamp(text, TimeUnit::kNano);
      if (t.ok()) return Scalar::Timestamp(*t, timestamp(TimeUnit::kNano));
      return Status::InvalidArgument("cannot compare " + Describe(column) + " with " +
                                     Describe(*MakeLiteral(c)) + ": " +
                                     ParseTimestamp(text, unit).status().message() + At(position));
    }
    return Scalar::Timestamp(*t, type->id() == TypeId::kTimestamp ? type : timestamp(TimeUnit::kMicro));
  }

  Result<BoundExprPtr> BindComparison(CompareOp op, BoundExprPtr a, BoundExprPtr b, int32_t position) {
    if (IsLiteral(a) && !IsLiteral(b)) {
      std::swap(a, b);
      op = FlipCompare(op);
    }
    if (!IsLiteral(a) && IsLiteral(b)) return CompareWithConstant(op, a, b->literal, position);
    TypePtr common = ComparisonType(a->type, b->type);
    if (!common) return CannotCompare(*a, *b, position);
    QUIVER_ASSIGN_OR_RETURN(a, CastTo(a, common, position));
    QUIVER_ASSIGN_OR_RETURN(b, CastTo(b, common, position));
    return Fold(MakeCall(CompareOpName(op), boolean(), {a, b}), position);
  }

  static Status CannotCompare(const BoundExpr& a, const BoundExpr& b, int32_t position) {
    return Status::InvalidArgument("cannot compare " + Describe(a) + " with " + Describe(b) + At(position));
  }

  // `x op c` with x not constant: keeps x as it is whenever c converts
  // exactly to x's type, which is what statistics and indexes need.
  Result<BoundExprPtr> CompareWithConstant(CompareOp op, BoundExprPtr x, const Scalar& raw,
                                           int32_t position) {
    const TypePtr& type = x->type;
    const BoundExpr constant_expr = *MakeLiteral(raw);
    if (!ComparisonType(type, raw.type) && !(raw.type->is_string_like() && IsTemporal(*type))) {
      return CannotCompare(*x, constant_expr, position);
    }
    if (type->id() == TypeId::kNull) {
      QUIVER_ASSIGN_OR_RETURN(x, CastTo(x, raw.type->id() == TypeId::kNull ? boolean() : raw.type, position));
      return BindComparison(op, x, MakeLiteral(raw), position);
    }
    if (raw.is_null()) {
      return MakeCall(CompareOpName(op), boolean(), {x, MakeLiteral(Scalar::Null(type))});
    }
    QUIVER_ASSIGN_OR_RETURN(Scalar c, CoerceConstant(raw, type, *x, position));
    if (std::optional<Scalar> exact = ExactCast(c, type)) {
      return MakeCall(CompareOpName(op), boolean(), {x, MakeLiteral(*exact)});
    }
    // An integer column against a fractional constant: x > 2.5 is x >= 3.
    if (type->is_integer() && c.type->is_floating() && op != CompareOp::kEq && op != CompareOp::kNe) {
      const double d = ScalarTo<double>(c);
      if (std::isfinite(d)) {
        const bool up = op == CompareOp::kGt || op == CompareOp::kGe;
        const double bound = up ? std::ceil(d) : std::floor(d);
        if (std::optional<Scalar> exact = ExactCast(Scalar::Double(bound), type)) {
          return MakeCall(CompareOpName(up ? CompareOp::kGe : CompareOp::kLe), boolean(),
                          {x, MakeLiteral(*exact)});
        }
      }
    }
    // Otherwise compare in the common type (an int8 column against 1000,
    // seconds against a microsecond instant, ...).
    TypePtr common = ComparisonType(type, c.type);
    if (!common) return CannotCompare(*x, constant_expr, position);
    QUIVER_ASSIGN_OR_RETURN(x, CastTo(x, common, position));
    Result<Scalar> cc = CastScalar(c, common);
    if (!cc.ok()) return Status::InvalidArgument(cc.status().message() + At(position));
    return MakeCall(CompareOpName(op), boolean(), {x, MakeLiteral(*cc)});
  }

  Result<BoundExprPtr> BindIsNull(const Expr& e, int depth) {
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr a, Arg(e, 0, depth));
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr is_null, Fold(MakeCall("is_null", boolean(), {a}), e.position));
    auto* mut = const_cast<BoundExpr*>(is_null.get());
    mut->nullable = false;
    if (!e.negated) return is_null;
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr out, Fold(MakeCall("not", boolean(), {is_null}), e.position));
    return out;
  }

  static Result<BoundExprPtr> Negate(Result<BoundExprPtr> r, bool negated, Binder* self, int32_t position) {
    if (!r.ok() || !negated) return r;
    return self->Fold(MakeCall("not", boolean(), {*r}), position);
  }

  Result<BoundExprPtr> BindIn(const Expr& e, int depth) {
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr x, Arg(e, 0, depth));
    std::vector<BoundExprPtr> items;
    bool all_constant = true;
    for (size_t i = 1; i < e.args.size(); ++i) {
      QUIVER_ASSIGN_OR_RETURN(BoundExprPtr item, Arg(e, i, depth));
      all_constant &= IsLiteral(item);
      items.push_back(std::move(item));
    }
    return Negate(BindInPositive(x, std::move(items), all_constant, e.position), e.negated, this, e.position);
  }

  Result<BoundExprPtr> BindInPositive(BoundExprPtr x, std::vector<BoundExprPtr> items, bool all_constant,
                                      int32_t position) {
    if (!all_constant || IsLiteral(x) || x->type->id() == TypeId::kNull || !IsComparable(*x->type)) {
      // x = i1 OR x = i2 OR ..., as a balanced tree.
      if (items.empty()) return MakeLiteral(Scalar::Bool(false));
      std::vector<BoundExprPtr> terms;
      for (auto& item : items) {
        QUIVER_ASSIGN_OR_RETURN(BoundExprPtr t, BindComparison(CompareOp::kEq, x, item, position));
        terms.push_back(std::move(t));
      }
      while (terms.size() > 1) {
        std::vector<BoundExprPtr> next;
        for (size_t i = 0; i + 1 < terms.size(); i += 2) {
          QUIVER_ASSIGN_OR_RETURN(BoundExprPtr t,
                                  Fold(MakeCall("or", boolean(), {terms[i], terms[i + 1]}), position));
          next.push_back(std::move(t));
        }
        if (terms.size() % 2 == 1) next.push_back(terms.back());
        terms = std::move(next);
      }
      return terms[0];
    }
    // Constants become values of x's type; those no value of the type can
    // equal (2.5 for an integer column, 300 for int8) are dropped.
    const TypePtr& type = x->type;
    std::vector<BoundExprPtr> args{x};
    std::vector<Scalar> values;
    for (const auto& item : items) {
      const Scalar& raw = item->literal;
      if (!raw.is_null() && !ComparisonType(type, raw.type) &&
          !(raw.type->is_string_like() && IsTemporal(*type))) {
        return CannotCompare(*x, *item, position);
      }
      if (raw.is_null()) {
        values.push_back(Scalar::Null(type));
      } else {
        QUIVER_ASSIGN_OR_RETURN(Scalar c, CoerceConstant(raw, type, *x, position));
        std::optional<Scalar> exact = ExactCast(c, type);
        if (!exact) continue;
        values.push_back(*exact);
      }
      args.push_back(MakeLiteral(values.back()));
    }
    Result<std::shared_ptr<const InSet>> set = InSet::Make(type, values);
    if (!set.ok()) return Status::InvalidArgument(set.status().message() + At(position));
    return MakeCall("in", boolean(), std::move(args), *set);
  }

  Result<BoundExprPtr> BindBetween(const Expr& e, int depth) {
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr x, Arg(e, 0, depth));
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr lo, Arg(e, 1, depth));
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr hi, Arg(e, 2, depth));
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr ge, BindComparison(CompareOp::kGe, x, lo, e.position));
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr le, BindComparison(CompareOp::kLe, x, hi, e.position));
    return Negate(Fold(MakeCall("and", boolean(), {ge, le}), e.position), e.negated, this, e.position);
  }

  Result<BoundExprPtr> BindLike(const Expr& e, int depth) {
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr text, Arg(e, 0, depth));
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr pattern, Arg(e, 1, depth));
    const char* name = e.case_insensitive ? "ILIKE" : "LIKE";
    for (BoundExprPtr* side : {&text, &pattern}) {
      if ((*side)->type->id() == TypeId::kNull) {
        QUIVER_ASSIGN_OR_RETURN(*side, CastTo(*side, utf8(), e.position));
      } else if (!(*side)->type->is_string_like()) {
        return Status::InvalidArgument(std::string(name) + " needs strings, got " + Describe(**side) +
                                       At(e.position));
      }
    }
    std::shared_ptr<const void> state;
    if (IsLiteral(pattern) && !pattern->literal.is_null()) {
      state =
          std::make_shared<LikePattern>(std::get<std::string>(pattern->literal.value), e.case_insensitive);
    }
    return Negate(
        Fold(MakeCall(e.case_insensitive ? "ilike" : "like", boolean(), {text, pattern}, state), e.position),
        e.negated, this, e.position);
  }

  Result<BoundExprPtr> BindCast(const Expr& e, int depth) {
    QUIVER_ASSIGN_OR_RETURN(BoundExprPtr a, Arg(e, 0, depth));
    if (!e.cast_type) return Status::InvalidArgument("CAST without a type" + At(e.position));
    return CastTo(a, e.cast_type, e.position);
  }

  Result<BoundExprPtr> BindCase(const Expr& e, int depth) {
    size_t i = 0;
    BoundExprPtr operand;
    if (e.has_operand) {
      QUIVER_ASSIGN_OR_RETURN(operand, Arg(e, 0, depth));
      i = 1;
    }
    const size_t end = e.args.size() - (e.has_else ? 1 : 0);
    if (end < i || (end - i) % 2 != 0 || end == i) {
      return Status::InvalidArgument("malformed CASE expression" + At(e.position));
    }
    std::vector<BoundExprPtr> whens, thens;
    for (; i < end; i += 2) {
      QUIVER_ASSIGN_OR_RETURN(BoundExprPtr w, Arg(e, i, depth));
      QUIVER_ASSIGN_OR_RETURN(BoundExprPtr t, Arg(e, i + 1, depth));
      if (operand) {
        QUIVER_ASSIGN_OR_RETURN(w, BindComparison(CompareOp::kEq, operand, w, e.args[i]->position));
      } else {
        QUIVER_ASSIGN_OR_RETURN(w, RequireBool(w, "CASE WHEN", e.args[i]->position));
      }
      whens.push_back(std::move(w));
      thens.push_back(std::move(t));
    }
    BoundExprPtr otherwise;
    if (e.has_else) {
      QUIVER_ASSIGN_OR_RETURN(otherwise, Arg(e, e.args.size() - 1, depth));
    } else {
      otherwise = MakeLiteral(Scalar::Null());
    }
    TypePtr type = otherwise->type;
    for (const auto& t : thens) {
      TypePtr next = CommonType(type, t->type);
      if (!next) {
        return Status::InvalidArgument("CASE branches have no common type: " + Describe(*t) + " and " +
                                       type->ToString() + At(e.position));
      }
      type = next;
    }
    std::vector<BoundExprPtr> args;
    for (size_t k = 0; k < whens.size(); ++k) {
      args.push_back(whens[k]);
      QUIVER_ASSIGN_OR_RETURN(BoundExprPtr t, CastTo(thens[k], type, e.position));
      args.push_back(std::move(t));
    }
    QUIVER_ASSIGN_OR_RETURN(otherwise, CastTo(otherwise, type, e.position));
    args.push_back(otherwise);
    // Branches whose condition is constant FALSE/NULL can go; a constant
    // TRUE one ends the search.
    std::vector<BoundExprPtr> kept;
    for (size_t k = 0; k + 1 < args.size(); k += 2) {
      if (IsLiteral(args[k])) {
        const Scalar& c = args[k]->literal;
        if (c.is_null() || !std::get<bool>(c.value)) continue;
        if (kept.empty()) return args[k + 1];
        kept.push_back(args[k]);
        kept.push_back(args[k + 1]);
        kept.push_back(args[k + 1]);  // unreachable else
        return Fold(MakeCall("case", type, std::move(kept)), e.position);
      }
      kept.push_back(args[k]);
      kept.push_back(args[k + 1]);
    }
    if (kept.empty()) return otherwise;
    kept.push_back(otherwise);
    auto out = MakeCall("case", type, std::move(kept));
    const_cast<BoundExpr*>(out.get())->nullable = true;
    return Fold(out, e.position);
  }

  Result<BoundExprPtr> BindCall(const Expr& e, int depth) {
    const FunctionDef* def = FindFunction(e.function);
    if (def == nullptr) {
      return Status::InvalidArgument("unknown function \"" + e.function + "\"" + At(e.position) +
                                     DidYouMean(e.function, FunctionNames()));
    }
    const int n = static_cast<int>(e.args.size());
    if (n < def->min_args || (def->max_args >= 0 && n > def->max_args)) {
      std::string expected = std::to_string(def->min_args);
      if (def->max_args != def->min_args) {
        expected += def->max_args < 0 ? " or more" : " to " + std::to_string(def->max_args);
      }
      return Status::InvalidArgument(e.function + " takes " + expected + " argument" +
                                     (def->max_args == 1 && def->min_args == 1 ? "" : "s") + ", got " +
                                     std::to_string(n) + At(e.position));
    }
    CallBinding call;
    call.name = e.function;
    call.position = e.position;
    call.options = options_;
    for (int i = 0; i < n; ++i) {
      QUIVER_ASSIGN_OR_RETURN(BoundExprPtr a, Arg(e, static_cast<size_t>(i), depth));
      call.args.push_back(std::move(a));
    }
    call.cast_arg = [this, &call](size_t i, const TypePtr& type) -> Status {
      QUIVER_ASSIGN_OR_RETURN(call.args[i], CastTo(call.args[i], type, call.position));
      return Status::OK();
    };
    call.describe_arg = [&call](size_t i) { return Describe(*call.args[i]); };
    QUIVER_RETURN_NOT_OK(def->bind(call));
    if (!call.type) return Status::Internal(e.function + ": the bind step set no type");
    auto out = MakeCall(def->name, call.type, std::move(call.args), std::move(call.state));
    if (!call.nullable) const_cast<BoundExpr*>(out.get())->nullable = false;
    if (out->args.empty()) const_cast<BoundExpr*>(out.get())->nullable = call.nullable;
    return Fold(out, e.position);
  }

  const Schema& schema_;
  BindOptions options_;
};

// ---- ToString

std::string ArgText(const BoundExpr& e) { return e.ToString(); }

}  // namespace

std::string BoundExpr::ToString() const {
  switch (kind) {
    case Kind::kLiteral:
      return literal.ToString();
    case Kind::kColumn:
      return PathText(path);
    case Kind::kCall:
      break;
  }
  const std::string& f = function;
  auto arg = [&](size_t i) { return i < args.size() ? ArgText(*args[i]) : std::string("?"); };
  CompareOp cmp;
  if (CompareOpFromName(f, &cmp) || f == "+" || f == "-" || f == "*" || f == "/" || f == "%" || f == "||") {
    return "(" + arg(0) + " " + f + " " + arg(1) + ")";
  }
  if (f == "and" || f == "or") return "(" + arg(0) + (f == "and" ? " AND " : " OR ") + arg(1) + ")";
  if (f == "not") {
    if (!args.empty() && args[0]->kind == Kind::kCall && args[0]->function == "is_null") {
      return "(" + ArgText(*args[0]->args[0]) + " IS NOT NULL)";
    }
    return "(NOT " + arg(0) + ")";
  }
  if (f == "negate") return "(- " + arg(0) + ")";
  if (f == "is_null") return "(" + arg(0) + " IS NULL)";
  if (f == "like" || f == "ilike") return "(" + arg(0) + (f == "like" ? " LIKE " : " ILIKE ") + arg(1) + ")";
  if (f == "cast") return "CAST(" + arg(0) + " AS " + type->ToString() + ")";
  if (f == "in") {
    std::string out = "(" + arg(0) + " IN (";
    for (size_t i = 1; i < args.size(); ++i) out += (i > 1 ? ", " : "") + arg(i);
    return out + "))";
  }
  if (f == "case") {
    std::string out = "CASE";
    for (size_t i = 0; i + 1 < args.size(); i += 2) out += " WHEN " + arg(i) + " THEN " + arg(i + 1);
    if (!args.empty()) out += " ELSE " + arg(args.size() - 1);
    return out + " END";
  }
  if ((f == "array_has_any" || f == "array_has_all") && args.size() >= 2 && !args[1]->type->is_list_like()) {
    // The values were spliced out of make_array(...): write them as a list.
    std::string out = f + "(" + arg(0) + ", [";
    for (size_t i = 1; i < args.size(); ++i) out += (i > 1 ? ", " : "") + arg(i);
    return out + "])";
  }
  std::string out = f + "(";
  for (size_t i = 0; i < args.size(); ++i) out += (i > 0 ? ", " : "") + arg(i);
  return out + ")";
}

Result<BoundExprPtr> Bind(const Expr& expr, const Schema& schema, const BindOptions& options) {
  Binder binder(schema, options);
  return binder.Bind(expr, 0);
}

Result<BoundExprPtr> CompileExpression(std::string_view sql, const Schema& schema,
                                       const BindOptions& options) {
  QUIVER_ASSIGN_OR_RETURN(ExprPtr parsed, ParseExpression(sql));
  return Bind(*parsed, schema, options);
}

Result<BoundExprPtr> CompilePredicate(std::string_view sql, const Schema& schema,
                                      const BindOptions& options) {
  QUIVER_ASSIGN_OR_RETURN(ExprPtr parsed, ParseExpression(sql));
  QUIVER_ASSIGN_OR_RETURN(BoundExprPtr bound, Bind(*parsed, schema, options));
  if (bound->type->id() == TypeId::kNull) return MakeLiteral(Scalar::Null(boolean()));
  if (bound->type->id() != TypeId::kBool) {
    std::string what = bound->kind == BoundExpr::Kind::kColumn ? "column \"" + bound->ToString() + "\""
                                                               : "\"" + bound->ToString() + "\"";
    return Status::InvalidArgument("a filter must be a bool expression, but " + what + " is " +
                                   bound->type->ToString());
  }
  return bound;
}

std::vector<std::string> ReferencedColumns(const BoundExpr& expr) {
  std::vector<std::string> out;
  std::vector<const BoundExpr*> stack{&expr};
  // Depth-first, left to right.
  while (!stack.empty()) {
    const BoundExpr* e = stack.back();
    stack.pop_back();
    if (e->kind == BoundExpr::Kind::kColumn && !e->path.empty() &&
        std::find(out.begin(), out.end(), e->path[0]) == out.end()) {
      out.push_back(e->path[0]);
    }
    for (auto it = e->args.rbegin(); it != e->args.rend(); ++it) stack.push_back(it->get());
  }
  return out;
}

std::vector<BoundExprPtr> SplitConjuncts(const BoundExprPtr& predicate) {
  std::vector<BoundExprPtr> out;
  std::vector<BoundExprPtr> stack{predicate};
  while (!stack.empty()) {
    BoundExprPtr e = stack.back();
    stack.pop_back();
    if (e->kind == BoundExpr::Kind::kCall && e->function == "and" && e->args.size() == 2) {
      stack.push_back(e->args[1]);
      stack.push_back(e->args[0]);
    } else {
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::optional<ColumnPredicate> AsColumnPredicate(const BoundExpr& conjunct) {
  using Op = ColumnPredicate::Op;
  auto is_column = [](const BoundExprPtr& e) { return e && e->kind == BoundExpr::Kind::kColumn; };
  auto is_value = [](const BoundExprPtr& e) { return e && e->kind == BoundExpr::Kind::kLiteral; };
  if (conjunct.kind == BoundExpr::Kind::kColumn && conjunct.type->id() == TypeId::kBool) {
    return ColumnPredicate{conjunct.path, Op::kEq, {Scalar::Bool(true)}};  // WHERE flag
  }
  if (conjunct.kind != BoundExpr::Kind::kCall) return std::nullopt;
  const std::string& f = conjunct.function;
  const auto& args = conjunct.args;
  CompareOp cmp;
  if (CompareOpFromName(f, &cmp) && cmp != CompareOp::kNe && args.size() == 2 && is_column(args[0]) &&
      is_value(args[1]) && !args[1]->literal.is_null() && args[1]->type->Equals(*args[0]->type)) {
    static constexpr Op kOps[] = {Op::kEq, Op::kEq, Op::kLt, Op::kLe, Op::kGt, Op::kGe};
    return ColumnPredicate{args[0]->path, kOps[static_cast<int>(cmp)], {args[1]->literal}};
  }
  if (f == "in" && !args.empty() && is_column(args[0])) {
    ColumnPredicate p{args[0]->path, Op::kIn, {}};
    for (size_t i = 1; i < args.size(); ++i) {
      if (!is_value(args[i])) return std::nullopt;
      if (!args[i]->literal.is_null()) p.values.push_back(args[i]->literal);
    }
    return p;  // an empty list selects nothing, which kIn {} says
  }
  if (f == "is_null" && args.size() == 1 && is_column(args[0]))
    return ColumnPredicate{args[0]->path, Op::kIsNull, {}};
  if (f == "not" && args.size() == 1 && args[0]->kind == BoundExpr::Kind::kCall &&
      args[0]->function == "is_null" && args[0]->args.size() == 1 && is_column(args[0]->args[0])) {
    return ColumnPredicate{args[0]->args[0]->path, Op::kIsNotNull, {}};
  }
  if ((f == "array_has" || f == "array_has_any" || f == "array_has_all") && args.size() >= 2 &&
      is_column(args[0]) && args[0]->type->is_list_like()) {
    ColumnPredicate p{args[0]->path, f == "array_has_all" ? Op::kHasAll : Op::kHasAny, {}};
    for (size_t i = 1; i < args.size(); ++i) {
      if (!is_value(args[i]) || args[i]->type->is_list_like()) return std::nullopt;
      if (args[i]->literal.is_null()) {
        if (f == "array_has_all" || f == "array_has") return std::nullopt;  // never TRUE: not a plain shape
        continue;
      }
      p.values.push_back(args[i]->literal);
    }
    if (p.values.empty()) return std::nullopt;
    return p;
  }
  return std::nullopt;
}

}  // namespace quiver::expr
