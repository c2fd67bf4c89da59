#include "expr/eval.h"

#include <cstring>
#include <unordered_map>

#include "expr/arithmetic.h"
#include "expr/cast.h"
#include "expr/compare.h"
#include "expr/functions.h"
#include "expr/in_list.h"
#include "expr/kernel.h"
#include "expr/like.h"
#include "expr/utf8.h"

namespace quiver::expr {
namespace {

// The operators the evaluator runs itself; everything else is looked up in
// the function registry.
enum class Op : uint8_t {
  kCompare,
  kArith,
  kNegate,
  kAnd,
  kOr,
  kNot,
  kIsNull,
  kIn,
  kLike,
  kConcat,
  kCast,
  kCase,
  kFunction,
};

Op OpOf(const std::string& name) {
  static const std::unordered_map<std::string, Op> kOps = {
      {"=", Op::kCompare}, {"<>", Op::kCompare}, {"<", Op::kCompare},  {"<=", Op::kCompare},
      {">", Op::kCompare}, {">=", Op::kCompare}, {"+", Op::kArith},    {"-", Op::kArith},
      {"*", Op::kArith},   {"/", Op::kArith},    {"%", Op::kArith},    {"negate", Op::kNegate},
      {"and", Op::kAnd},   {"or", Op::kOr},      {"not", Op::kNot},    {"is_null", Op::kIsNull},
      {"in", Op::kIn},     {"like", Op::kLike},  {"ilike", Op::kLike}, {"||", Op::kConcat},
      {"cast", Op::kCast}, {"case", Op::kCase},
  };
  auto it = kOps.find(name);
  return it == kOps.end() ? Op::kFunction : it->second;
}

// A bool datum read a word at a time: values and validity.
struct BoolWords {
  BitmapRef values, validity;
  bool scalar = false;
  uint64_t scalar_value = 0, scalar_valid = 0;

  explicit BoolWords(const Datum& d) {
    if (d.is_array()) {
      if (d.array->type()->id() == TypeId::kNull) {
        scalar = true;
        return;
      }
      values = BoolValuesOf(*d.array);
      validity = ValidityOf(*d.array);
    } else {
      scalar = true;
      scalar_valid = d.scalar.is_null() ? 0 : ~uint64_t{0};
      scalar_value = (!d.scalar.is_null() && ScalarTo<bool>(d.scalar)) ? ~uint64_t{0} : 0;
    }
  }
  uint64_t Value(int64_t w, int64_t n) const {
    return scalar ? scalar_value
                  : LoadBits(values.bits, values.offset + w * 64, std::min<int64_t>(64, n - w * 64));
  }
  uint64_t Valid(int64_t w, int64_t n) const { return scalar ? scalar_valid : LoadWord(validity, w, n); }
};

// Kleene AND / OR / NOT over words.
Datum Logical(Op op, const Datum& a, const Datum* b, int64_t n) {
  BoolWords x(a);
  std::unique_ptr<BoolWords> y;
  if (b) y = std::make_unique<BoolWords>(*b);
  BufferPtr values = AllocateBitmap(n);
  BufferPtr validity = AllocateBitmap(n);
  uint64_t* vw = MutableWords(values);
  uint64_t* nw = MutableWords(validity);
  uint64_t missing = 0;
  const int64_t words = NumWords(n);
  for (int64_t w = 0; w < words; ++w) {
    const uint64_t A = x.Value(w, n), Va = x.Valid(w, n);
    uint64_t value, valid;
    if (op == Op::kNot) {
      value = ~A;
      valid = Va;
    } else {
      const uint64_t B = y->Value(w, n), Vb = y->Valid(w, n);
      if (op == Op::kAnd) {
        const uint64_t t = (Va & A) & (Vb & B);
        const uint64_t f = (Va & ~A) | (Vb & ~B);
        value = t;
        valid = t | f;
      } else {
        const uint64_t t = (Va & A) | (Vb & B);
        const uint64_t f = (Va & ~A) & (Vb & ~B);
        value = t;
        valid = t | f;
      }
    }
    vw[w] = value;
    nw[w] = valid;
    const int64_t bits = std::min<int64_t>(64, n - w * 64);
    const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    missing |= ~valid & mask;
  }
  return Datum(MakeBoolArray(n, values, missing ? validity : nullptr));
}

// A datum that is FALSE (for AND) or TRUE (for OR) on every row decides the
// result alone.
bool Decides(Op op, const Datum& d, int64_t n) {
  const bool want = op == Op::kOr;
  if (!d.is_array()) return !d.scalar.is_null() && ScalarTo<bool>(d.scalar) == want;
  const Array& a = *d.array;
  if (a.type()->id() != TypeId::kBool || a.null_count() != 0) return false;
  const BitmapRef v = BoolValuesOf(a);
  for (int64_t w = 0; w < NumWords(n); ++w) {
    const int64_t bits = std::min<int64_t>(64, n - w * 64);
    const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    const uint64_t word = LoadBits(v.bits, v.offset + w * 64, bits);
    if (want ? (word != mask) : (word != 0)) return false;
  }
  return true;
}

Datum IsNull(const Datum& a, int64_t n) {
  if (!a.is_array()) return Datum(Scalar::Bool(a.scalar.is_null()));
  BufferPtr values = AllocateBitmap(n);
  uint64_t* vw = MutableWords(values);
  if (a.array->type()->id() == TypeId::kNull) {
    std::memset(vw, 0xFF, values->size());
  } else {
    const BitmapRef v = ValidityOf(*a.array);
    for (int64_t w = 0; w < NumWords(n); ++w) vw[w] = ~LoadWord(v, w, n);
  }
  return Datum(MakeBoolArray(n, values, nullptr));
}

Result<Datum> Like(const BoundExpr& call, const Datum& text, const Datum& pattern, int64_t n) {
  const bool ci = call.function == "ilike";
  const auto* compiled = static_cast<const LikePattern*>(call.state.get());
  StringInput s(text), p(pattern);
  BufferPtr values = AllocateBitmap(n);
  BufferPtr validity = AllocateBitmap(n);
  FillBits(MutableWords(validity), n, [&](int64_t i) { return !s.IsNull(i) && !p.IsNull(i); });
  uint64_t* vw = MutableWords(values);
  std::unique_ptr<LikePattern> row_pattern;
  std::string row_key;
  std::string scratch;
  if (compiled != nullptr && !ci && text.is_array()) {
    VisitStrings(*text.array, [&](const auto& r) {
      FillBits(vw, n, [&](int64_t i) { return compiled->Matches(r[i]); });
      return 0;
    });
  } else if (compiled != nullptr && !ci) {
    FillBits(vw, n, [&](int64_t i) { return compiled->Matches(s[i]); });
  } else {
    uint8_t* bits = values->mutable_data();
    std::memset(bits, 0, values->size());
    for (int64_t i = 0; i < n; ++i) {
      if (s.IsNull(i) || p.IsNull(i)) continue;
      const LikePattern* pat = compiled;
      if (pat == nullptr) {
        if (!row_pattern || p[i] != row_key) {
          row_key = std::string(p[i]);
          row_pattern = std::make_unique<LikePattern>(row_key, ci);
        }
        pat = row_pattern.get();
      }
      std::string_view t = s[i];
      if (ci) {
        scratch.clear();
        AppendLower(t, &scratch);
        t = scratch;
      }
      if (pat->Matches(t)) SetBit(bits, i);
    }
  }
  return Datum(MakeBoolArray(n, values, validity));
}

Result<Datum> Concat(const BoundExpr& call, const Datum& a, const Datum& b, int64_t n) {
  StringInput x(a), y(b);
  StringWriter w(call.type, n);
  for (int64_t i = 0; i < n; ++i) {
    if (x.IsNull(i) || y.IsNull(i)) {
      w.AppendNull();
      continue;
    }
    w.data().append(x[i]);
    w.data().append(y[i]);
    w.CloseRow(true);
  }
  QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, w.Finish());
  return Datum(std::move(out));
}

void CollectColumns(const BoundExpr& e, std::vector<std::string>* out) {
  if (e.kind == BoundExpr::Kind::kColumn) {
    if (std::find(out->begin(), out->end(), e.path[0]) == out->end()) out->push_back(e.path[0]);
  }
  for (const auto& a : e.args) CollectColumns(*a, out);
}

class Evaluator {
 public:
  explicit Evaluator(const RecordBatch& batch) : batch_(batch), n_(batch.num_rows()) {}

  Result<Datum> Eval(const BoundExpr& e) {
    switch (e.kind) {
      case BoundExpr::Kind::kLiteral:
        return Datum(e.literal);
      case BoundExpr::Kind::kColumn:
        return EvalColumn(e);
      case BoundExpr::Kind::kCall:
        return EvalCall(e);
    }
    return Status::Internal("unknown expression kind");
  }

 private:
  Result<Datum> EvalColumn(const BoundExpr& e) {
    if (e.path.empty()) return Status::InvalidArgument("column reference without a name");
    ArrayPtr col = batch_.GetColumn(e.path[0]);
    if (!col) return Status::InvalidArgument("the batch has no column \"" + e.path[0] + "\"");
    for (size_t k = 1; k < e.path.size(); ++k) {
      QUIVER_ASSIGN_OR_RETURN(col, Member(col, e.path[k]));
    }
    if (!col->type()->Equals(*e.type)) {
      return Status::InvalidArgument("column \"" + e.ToString() + "\" has type " + col->type()->ToString() +
                                     " in the batch, the expression expects " + e.type->ToString());
    }
    if (col->length() != n_)
      return Status::InvalidArgument("column \"" + e.ToString() + "\" has the wrong length");
    return Datum(std::move(col));
  }

  // The struct member `name` of `parent`, NULL where the parent is NULL.
  static Result<ArrayPtr> Member(const ArrayPtr& parent, const std::string& name) {
    const DataType& t = *parent->type();
    if (t.id() != TypeId::kStruct)
      return Status::InvalidArgument("\"" + name + "\" is not a member of a struct");
    int index = -1;
    for (size_t i = 0; i < t.children().size(); ++i) {
      if (t.children()[i].name == name) index = static_cast<int>(i);
    }
    if (index < 0) return Status::InvalidArgument("struct has no member \"" + name + "\"");
    ArrayPtr child = parent->child(index)->Slice(parent->offset(), parent->length());
    if (parent->null_count() == 0) return child;
    // Rebuild the child's validity at the child's own offset.
    const int64_t n = child->length(), off = child->offset();
    BufferPtr validity = Buffer::Allocate(static_cast<size_t>((off + n + 7) / 8));
    uint8_t* bits = validity->mutable_data();
    for (int64_t i = 0; i < n; ++i) {
      if (parent->IsValid(i) && child->IsValid(i)) SetBit(bits, off + i);
    }
    std::vector<BufferPtr> buffers = child->buffers();
    if (buffers.empty()) return child;  // the null type has no buffers
    buffers[0] = validity;
    return std::make_shared<Array>(child->type(), n, std::move(buffers), child->children(), -1, off);
  }

  Result<std::vector<Datum>> EvalArgs(const BoundExpr& e) {
    std::vector<Datum> args;
    args.reserve(e.args.size());
    for (const auto& a : e.args) {
      QUIVER_ASSIGN_OR_RETURN(Datum d, Eval(*a));
      args.push_back(std::move(d));
    }
    return args;
  }

  Result<Datum> EvalCall(const BoundExpr& e) {
    const Op op = OpOf(e.function);
    if (op == Op::kCase) return EvalCase(e);
    if (op == Op::kAnd || op == Op::kOr) {
      if (e.args.size() != 2) return Status::InvalidArgument(e.function + " needs two arguments");
      QUIVER_ASSIGN_OR_RETURN(Datum a, Eval(*e.args[0]));
      if (Decides(op, a, n_)) return a;
      QUIVER_ASSIGN_OR_RETURN(Datum b, Eval(*e.args[1]));
      return RunScalarAware(e, {a, b}, [&](const std::vector<Datum>& args, int64_t n) -> Result<Datum> {
        return Logical(op, args[0], &args[1], n);
      });
    }
    QUIVER_ASSIGN_OR_RETURN(std::vector<Datum> args, EvalArgs(e));
    return RunScalarAware(e, args,
                          [&](const std::vector<Datum>& a, int64_t n) { return Apply(e, op, a, n); });
  }

  // Runs `f` on the arguments; when they are all scalars, on one-row arrays,
  // and gives back a scalar.
  template <typename F>
  Result<Datum> RunScalarAware(const BoundExpr& e, const std::vector<Datum>& args, F&& f) {
    bool all_scalar = true;
    for (const Datum& d : args) all_scalar &= !d.is_array();
    const bool nested = e.type->id() == TypeId::kList || e.type->id() == TypeId::kLargeList ||
                        e.type->id() == TypeId::kFixedSizeList || e.type->id() == TypeId::kStruct;
    if (!all_scalar || args.empty()) return f(args, n_);
    const int64_t rows = nested ? n_ : 1;
    std::vector<Datum> arrays;
    for (const Datum& d : args) {
      QUIVER_ASSIGN_OR_RETURN(ArrayPtr a, MakeArrayFromScalar(d.scalar, rows));
      arrays.emplace_back(std::move(a));
    }
    QUIVER_ASSIGN_OR_RETURN(Datum r, f(arrays, rows));
    if (nested || !r.is_array()) return r;
    QUIVER_ASSIGN_OR_RETURN(Scalar s, ScalarFromArray(*r.array, 0));
    return Datum(std::move(s));
  }

  Result<Datum> Apply(const BoundExpr& e, Op op, const std::vector<Datum>& args, int64_t n) {
    auto need = [&](size_t k) -> Status {
      if (args.size() != k) {
        return Status::InvalidArgument("\"" + e.function + "\" needs " + std::to_string(k) + " arguments");
      }
      return Status::OK();
    };
    switch (op) {
      case Op::kCompare: {
        QUIVER_RETURN_NOT_OK(need(2));
        CompareOp c;
        CompareOpFromName(e.function, &c);
        return Compare(c, args[0], args[1], n);
      }
      case Op::kArith: {
        QUIVER_RETURN_NOT_OK(need(2));
        ArithOp a;
        ArithOpFromName(e.function, &a);
        return Arithmetic(a, args[0], args[1], n, e);
      }
      case Op::kNegate:
        QUIVER_RETURN_NOT_OK(need(1));
        return Negate(args[0], n, e);
      case Op::kNot:
        QUIVER_RETURN_NOT_OK(need(1));
        return Logical(Op::kNot, args[0], nullptr, n);
      case Op::kIsNull:
        QUIVER_RETURN_NOT_OK(need(1));
        return IsNull(args[0], n);
      case Op::kIn: {
        const auto* set = static_cast<const InSet*>(e.state.get());
        if (set == nullptr || args.empty())
          return Status::InvalidArgument("IN list was not prepared by the binder");
        return set->Evaluate(args[0], n);
      }
      case Op::kLike:
        QUIVER_RETURN_NOT_OK(need(2));
        return Like(e, args[0], args[1], n);
      case Op::kConcat:
        QUIVER_RETURN_NOT_OK(need(2));
        return Concat(e, args[0], args[1], n);
      case Op::kCast: {
        QUIVER_RETURN_NOT_OK(need(1));
        const std::string text = e.ToString();
        if (!args[0].is_array()) {
          QUIVER_ASSIGN_OR_RETURN(Scalar s, CastScalar(args[0].scalar, e.type, text));
          return Datum(std::move(s));
        }
        QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, CastArray(args[0].array, e.type, text));
        return Datum(std::move(out));
      }
      case Op::kFunction: {
        const FunctionDef* def = FindFunction(e.function);
        if (def == nullptr) return Status::InvalidArgument("unknown function \"" + e.function + "\"");
        return def->kernel(e, args, n);
      }
      default:
        break;
    }
    return Status::Internal("operator \"" + e.function + "\" reached the generic path");
  }

  // CASE: args are (when, then) pairs and the else value. A row takes the
  // first branch whose condition is TRUE; each THEN is evaluated only on
  // the rows that take it, so `CASE WHEN b <> 0 THEN a / b END` cannot
  // divide by zero.
  Result<Datum> EvalCase(const BoundExpr& e) {
    if (e.args.size() % 2 != 1)
      return Status::InvalidArgument("CASE needs (when, then) pairs and an else value");
    const size_t pairs = e.args.size() / 2;
    std::vector<int32_t> branch(static_cast<size_t>(n_), -1);
    int64_t open = n_;
    for (size_t j = 0; j < pairs && open > 0; ++j) {
      QUIVER_ASSIGN_OR_RETURN(Datum cond, Eval(*e.args[2 * j]));
      if (!cond.is_array()) {
        if (cond.scalar.is_null() || !ScalarTo<bool>(cond.scalar)) continue;
        for (int64_t i = 0; i < n_; ++i) {
          if (branch[i] < 0) branch[i] = static_cast<int32_t>(j);
        }
        open = 0;
        break;
      }
      const Array& c = *cond.array;
      for (int64_t i = 0; i < n_; ++i) {
        if (branch[i] < 0 && c.IsValid(i) && c.GetBool(i)) {
          branch[i] = static_cast<int32_t>(j);
          --open;
        }
      }
    }
    for (int64_t i = 0; i < n_; ++i) {
      if (branch[i] < 0) branch[i] = static_cast<int32_t>(pairs);  // the else value
    }
    // Rows per branch.
    std::vector<std::vector<int64_t>> rows(pairs + 1);
    for (int64_t i = 0; i < n_; ++i) rows[branch[i]].push_back(i);
    std::vector<Datum> sources(pairs + 1);
    bool gather = false;
    for (size_t j = 0; j <= pairs; ++j) {
      const BoundExpr& value = *e.args[j == pairs ? e.args.size() - 1 : 2 * j + 1];
      if (rows[j].empty()) {
        sources[j] = Datum(Scalar::Null(e.type));
        continue;
      }
      if (value.kind == BoundExpr::Kind::kLiteral || static_cast<int64_t>(rows[j].size()) == n_) {
        QUIVER_ASSIGN_OR_RETURN(sources[j], Eval(value));
        continue;
      }
      QUIVER_ASSIGN_OR_RETURN(BatchPtr sub, TakeRows(value, rows[j]));
      Evaluator inner(*sub);
      QUIVER_ASSIGN_OR_RETURN(Datum d, inner.Eval(value));
      QUIVER_ASSIGN_OR_RETURN(ArrayPtr a, ToArray(d, sub->num_rows()));
      sources[j] = Datum(std::move(a));
      gather = true;
    }
    std::vector<int32_t> choice(branch.begin(), branch.end());
    if (!gather) {
      QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, ChooseRows(e.type, sources, choice, n_));
      return Datum(std::move(out));
    }
    // Some branches were evaluated on their own rows only: lay the branch
    // results end to end and take each row from its branch, in order.
    std::vector<int64_t> index(static_cast<size_t>(n_));
    std::vector<int64_t> part_start(pairs + 1, 0);
    std::vector<ArrayPtr> parts;
    int64_t start = 0;
    for (size_t j = 0; j <= pairs; ++j) {
      QUIVER_ASSIGN_OR_RETURN(ArrayPtr a, ToArray(sources[j], static_cast<int64_t>(rows[j].size())));
      part_start[j] = start;
      start += a->length();
      parts.push_back(std::move(a));
    }
    std::vector<int64_t> next(pairs + 1, 0);
    for (int64_t i = 0; i < n_; ++i) index[i] = part_start[branch[i]] + next[branch[i]]++;
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr all, Concatenate(parts));
    QUIVER_ASSIGN_OR_RETURN(ArrayPtr out, Take(*all, index));
    return Datum(std::move(out));
  }

  // The rows of the columns `value` reads, as a batch.
  Result<BatchPtr> TakeRows(const BoundExpr& value, const std::vector<int64_t>& rows) {
    std::vector<std::string> names;
    CollectColumns(value, &names);
    std::vector<Field> fields;
    std::vector<ArrayPtr> columns;
    for (const std::string& name : names) {
      const int i = batch_.schema()->FieldIndex(name);
      if (i < 0) return Status::InvalidArgument("the batch has no column \"" + name + "\"");
      fields.push_back(batch_.schema()->field(i));
      QUIVER_ASSIGN_OR_RETURN(ArrayPtr taken, Take(*batch_.column(i), rows));
      columns.push_back(std::move(taken));
    }
    return std::make_shared<const RecordBatch>(std::make_shared<const Schema>(std::move(fields)),
                                               static_cast<int64_t>(rows.size()), std::move(columns));
  }

  const RecordBatch& batch_;
  const int64_t n_;
};

}  // namespace

Result<ArrayPtr> Evaluate(const BoundExpr& expr, const RecordBatch& batch) {
  Evaluator ev(batch);
  QUIVER_ASSIGN_OR_RETURN(Datum d, ev.Eval(expr));
  return ToArray(d, batch.num_rows());
}

Result<std::vector<int64_t>> SelectRows(const BoundExpr& predicate, const RecordBatch& batch) {
  if (predicate.type->id() != TypeId::kBool && predicate.type->id() != TypeId::kNull) {
    return Status::InvalidArgument("a filter must be a bool expression, \"" + predicate.ToString() +
                                   "\" is " + predicate.type->ToString());
  }
  const int64_t n = batch.num_rows();
  Evaluator ev(batch);
  QUIVER_ASSIGN_OR_RETURN(Datum d, ev.Eval(predicate));
  std::vector<int64_t> rows;
  if (!d.is_array()) {
    if (!d.scalar.is_null() && ScalarTo<bool>(d.scalar)) {
      rows.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) rows[i] = i;
    }
    return rows;
  }
  const Array& a = *d.array;
  if (a.type()->id() != TypeId::kBool) return rows;  // the null type: nothing is TRUE
  const BitmapRef values = BoolValuesOf(a), validity = ValidityOf(a);
  if (values.bits == nullptr) return rows;
  int64_t count = 0;
  for (int64_t w = 0; w < NumWords(n); ++w) {
    count += __builtin_popcountll(LoadWord(values, w, n) & LoadWord(validity, w, n));
  }
  rows.reserve(static_cast<size_t>(count));
  for (int64_t w = 0; w < NumWords(n); ++w) {
    uint64_t word = LoadWord(values, w, n) & LoadWord(validity, w, n);
    while (word != 0) {
      rows.push_back(w * 64 + __builtin_ctzll(word));
      word &= word - 1;
    }
  }
  return rows;
}

}  // namespace quiver::expr
