#include "expr/parser.h"

#include <charconv>
#include <cmath>
#include <deque>
#include <limits>
#include <utility>

#include "common/datetime.h"
#include "expr/lexer.h"

namespace quiver::expr {

namespace {

// A parsed subtree and its height (1 for a leaf). Heights are tracked so
// that no input, however long, builds a tree deeper than kMaxDepth: the
// binder, the evaluator, ToString and the destructor all recurse over it.
struct Node {
  ExprPtr expr;
  int height = 1;
};

ExprPtr NewExpr(ExprKind kind, int32_t position) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->position = position;
  return e;
}

char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

// A float literal the lexer accepted. Like DataFusion (Rust's f64 parsing),
// values beyond float64's range become infinity and values too small for
// it become zero.
double ParseDouble(std::string_view text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc()) return v;
  // Out of range: overflow or underflow, told apart by the decimal exponent
  // of the first significant digit.
  const size_t e = text.find_first_of("eE");
  const std::string_view mantissa = text.substr(0, e);
  int64_t exponent = 0;
  if (e != std::string_view::npos) {
    size_t i = e + 1;
    const bool negative = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    for (; i < text.size(); ++i)
      exponent = std::min<int64_t>(exponent * 10 + (text[i] - '0'), int64_t{1} << 40);
    if (negative) exponent = -exponent;
  }
  const size_t dot = mantissa.find('.');
  const size_t int_digits = dot == std::string_view::npos ? mantissa.size() : dot;
  for (size_t i = 0; i < mantissa.size(); ++i) {
    if (mantissa[i] == '.' || mantissa[i] == '0') continue;
    const int64_t magnitude =
        i < int_digits ? static_cast<int64_t>(int_digits - i - 1) : -static_cast<int64_t>(i - int_digits);
    return magnitude + exponent > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  return 0.0;
}

// An unsigned number literal: int64 when it fits, else uint64, else float64.
Scalar NumberLiteral(const Token& t) {
  if (t.kind == TokenKind::kInteger) {
    uint64_t v = 0;
    bool overflow = false;
    for (char c : t.text) {
      if (__builtin_mul_overflow(v, uint64_t{10}, &v) || __builtin_add_overflow(v, uint64_t(c - '0'), &v)) {
        overflow = true;
        break;
      }
    }
    if (!overflow) {
      if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Scalar::Int(static_cast<int64_t>(v));
      }
      return Scalar::UInt(v);
    }
  }
  return Scalar::Double(ParseDouble(t.text));
}

// -v for a literal NumberLiteral made: 2^63 becomes int64's minimum, larger
// uint64 values become float64.
Scalar Negate(const Scalar& s) {
  if (const auto* v = std::get_if<int64_t>(&s.value)) return Scalar::Int(-*v);
  if (const auto* v = std::get_if<uint64_t>(&s.value)) {
    if (*v == uint64_t{1} << 63) return Scalar::Int(std::numeric_limits<int64_t>::min());
    return Scalar::Double(-static_cast<double>(*v));
  }
  return Scalar::Double(-std::get<double>(s.value));
}

class Parser {
 public:
  explicit Parser(std::string_view sql) : sql_(sql), lexer_(sql) {}

  Result<Node> ParseExpr() {
    return Nested(Peek().position, [this] { return ParseOr(); });
  }

  // Fails unless the whole input has been read.
  Status ExpectEnd() {
    const Token& t = Peek();
    if (t.kind == TokenKind::kEnd && lex_status_.ok()) return Status::OK();
    return Unexpected(t);
  }

  Result<std::vector<SelectItem>> ParseSelectList() {
    std::vector<SelectItem> items;
    do {
      QUIVER_ASSIGN_OR_RETURN(Node item, ParseExpr());
      SelectItem out;
      if (Peek().Is("AS")) {
        Take();
        QUIVER_ASSIGN_OR_RETURN(out.alias, ParseName());
      } else if (IsNameToken(Peek())) {
        QUIVER_ASSIGN_OR_RETURN(out.alias, ParseName());
      } else if (item.expr->kind == ExprKind::kColumn) {
        out.alias = item.expr->path.back();
      } else {
        out.alias = item.expr->ToString();
      }
      out.expr = std::move(item.expr);
      items.push_back(std::move(out));
    } while (Accept(TokenKind::kComma));
    QUIVER_RETURN_NOT_OK(ExpectEnd());
    return items;
  }

  Result<Assignment> ParseAssignment() {
    Assignment out;
    QUIVER_ASSIGN_OR_RETURN(out.column, ParseName());
    QUIVER_RETURN_NOT_OK(Expect(TokenKind::kEq));
    QUIVER_ASSIGN_OR_RETURN(Node value, ParseExpr());
    QUIVER_RETURN_NOT_OK(ExpectEnd());
    out.expr = std::move(value.expr);
    return out;
  }

 private:
  // --- Tokens

  // The k-th token ahead (0: the next one). After a lexing error every
  // token ahead is kEnd, and lex_status_ holds the error.
  const Token& Peek(size_t k = 0) {
    while (ahead_.size() <= k) {
      Token t;
      if (lex_status_.ok()) lex_status_ = lexer_.Next(&t);
      if (!lex_status_.ok()) {
        t = Token();
        t.position = static_cast<int32_t>(std::min(sql_.size(), size_t{0x7fffffff}));
      }
      ahead_.push_back(std::move(t));
    }
    return ahead_[k];
  }

  Token Take() {
    Peek();
    Token t = std::move(ahead_.front());
    ahead_.pop_front();
    return t;
  }

  bool Accept(TokenKind kind) {
    if (Peek().kind != kind) return false;
    Take();
    return true;
  }

  Status Expect(TokenKind kind) {
    if (Accept(kind)) return Status::OK();
    return Unexpected(Peek());
  }

  Status ExpectKeyword(std::string_view keyword) {
    if (!Peek().Is(keyword)) return Unexpected(Peek());
    Take();
    return Status::OK();
  }

  Status Unexpected(const Token& t) const {
    if (t.kind == TokenKind::kEnd) {
      if (!lex_status_.ok()) return lex_status_;
      return Status::InvalidArgument(ErrorAt("unexpected end of input", t.position, sql_));
    }
    const char* what = t.kind == TokenKind::kString ? "unexpected string " : "unexpected token ";
    std::string shown = Printable(t.text);
    if (t.kind != TokenKind::kString) shown = "'" + shown + "'";
    return Status::InvalidArgument(ErrorAt(what + shown, t.position, sql_));
  }

  Status Error(const std::string& what, int32_t position) const {
    return Status::InvalidArgument(ErrorAt(what, position, sql_));
  }

  // A bare word that is not a keyword, or a quoted name.
  static bool IsNameToken(const Token& t) {
    return t.kind == TokenKind::kQuotedName || (t.kind == TokenKind::kWord && !IsReservedWord(t.text));
  }

  Result<std::string> ParseName() {
    if (!IsNameToken(Peek())) return Unexpected(Peek());
    return Take().value;
  }

  // --- Nesting

  Status TooDeep(int32_t position) const {
    return Error("expression nests more than " + std::to_string(kMaxDepth) + " levels deep", position);
  }

  // Runs `parse` one nesting level deeper.
  template <typename F>
  Result<Node> Nested(int32_t position, F&& parse) {
    if (depth_ >= kMaxDepth) return TooDeep(position);
    ++depth_;
    Result<Node> r = parse();
    --depth_;
    return r;
  }

  // `e` over children of the given height.
  Result<Node> Finish(ExprPtr e, int child_height) const {
    if (child_height >= kMaxDepth) return TooDeep(e->position);
    return Node{std::move(e), child_height + 1};
  }

  Result<Node> Binary(BinaryOp op, Node left, Node right) const {
    auto e = NewExpr(ExprKind::kBinary, left.expr->position);
    e->binary_op = op;
    const int h = std::max(left.height, right.height);
    e->args.push_back(std::move(left.expr));
    e->args.push_back(std::move(right.expr));
    return Finish(std::move(e), h);
  }

  // AND and OR are associative (in three-valued logic too), so a chain of
  // them becomes a balanced tree: "a OR b OR ... " with thousands of terms
  // stays shallow. Up to three operands this is the usual left-deep shape.
  Result<Node> Balanced(BinaryOp op, std::vector<Node>& operands, size_t begin, size_t end) const {
    if (end - begin == 1) return std::move(operands[begin]);
    const size_t mid = begin + (end - begin + 1) / 2;
    QUIVER_ASSIGN_OR_RETURN(Node left, Balanced(op, operands, begin, mid));
    QUIVER_ASSIGN_OR_RETURN(Node right, Balanced(op, operands, mid, end));
    return Binary(op, std::move(left), std::move(right));
  }

  // --- Grammar (see parser.h)

  Result<Node> ParseOr() {
    std::vector<Node> operands;
    while (true) {
      QUIVER_ASSIGN_OR_RETURN(Node n, ParseAnd());
      operands.push_back(std::move(n));
      if (!Peek().Is("OR")) break;
      Take();
    }
    return Balanced(BinaryOp::kOr, operands, 0, operands.size());
  }

  Result<Node> ParseAnd() {
    std::vector<Node> operands;
    while (true) {
      QUIVER_ASSIGN_OR_RETURN(Node n, ParseNot());
      operands.push_back(std::move(n));
      if (!Peek().Is("AND")) break;
      Take();
    }
    return Balanced(BinaryOp::kAnd, operands, 0, operands.size());
  }

  Result<Node> ParseNot() {
    if (!Peek().Is("NOT")) return ParsePredicate();
    const int32_t position = Take().position;
    return Nested(position, [&]() -> Result<Node> {
      QUIVER_ASSIGN_OR_RETURN(Node operand, ParseNot());
      auto e = NewExpr(ExprKind::kUnary, position);
      e->unary_op = UnaryOp::kNot;
      const int h = operand.height;
      e->args.push_back(std::move(operand.expr));
      return Finish(std::move(e), h);
    });
  }

  static std::optional<BinaryOp> ComparisonOp(TokenKind kind) {
    switch (kind) {
      case TokenKind::kEq:
        return BinaryOp::kEq;
      case TokenKind::kNe:
        return BinaryOp::kNe;
      case TokenKind::kLt:
        return BinaryOp::kLt;
      case TokenKind::kLe:
        return BinaryOp::kLe;
      case TokenKind::kGt:
        return BinaryOp::kGt;
      case TokenKind::kGe:
        return BinaryOp::kGe;
      default:
        return std::nullopt;
    }
  }

  Result<Node> ParsePredicate() {
    QUIVER_ASSIGN_OR_RETURN(Node left, ParseConcat());
    const Token& t = Peek();
    if (std::optional<BinaryOp> op = ComparisonOp(t.kind)) {
      Take();
      QUIVER_ASSIGN_OR_RETURN(Node right, ParseConcat());
      return Binary(*op, std::move(left), std::move(right));
    }
    if (t.Is("IS")) {
      Take();
      auto e = NewExpr(ExprKind::kIsNull, left.expr->position);
      if (Peek().Is("NOT")) {
        Take();
        e->negated = true;
      }
      QUIVER_RETURN_NOT_OK(ExpectKeyword("NULL"));
      const int h = left.height;
      e->args.push_back(std::move(left.expr));
      return Finish(std::move(e), h);
    }
    bool negated = false;
    if (t.Is("NOT")) {
      const Token& next = Peek(1);
      if (!next.Is("IN") && !next.Is("BETWEEN") && !next.Is("LIKE") && !next.Is("ILIKE")) return left;
      Take();
      negated = true;
    }
    const Token& op = Peek();
    if (op.Is("IN")) {
      Take();
      QUIVER_RETURN_NOT_OK(Expect(TokenKind::kLParen));
      auto e = NewExpr(ExprKind::kIn, left.expr->position);
      e->negated = negated;
      int h = left.height;
      e->args.push_back(std::move(left.expr));
      do {
        QUIVER_ASSIGN_OR_RETURN(Node item, ParseExpr());
        h = std::max(h, item.height);
        e->args.push_back(std::move(item.expr));
      } while (Accept(TokenKind::kComma));
      QUIVER_RETURN_NOT_OK(Expect(TokenKind::kRParen));
      return Finish(std::move(e), h);
    }
    if (op.Is("BETWEEN")) {
      Take();
      QUIVER_ASSIGN_OR_RETURN(Node low, ParseConcat());
      QUIVER_RETURN_NOT_OK(ExpectKeyword("AND"));
      QUIVER_ASSIGN_OR_RETURN(Node high, ParseConcat());
      auto e = NewExpr(ExprKind::kBetween, left.expr->position);
      e->negated = negated;
      const int h = std::max({left.height, low.height, high.height});
      e->args.push_back(std::move(left.expr));
      e->args.push_back(std::move(low.expr));
      e->args.push_back(std::move(high.expr));
      return Finish(std::move(e), h);
    }
    if (op.Is("LIKE") || op.Is("ILIKE")) {
      const bool insensitive = Take().Is("ILIKE");
      QUIVER_ASSIGN_OR_RETURN(Node pattern, ParseConcat());
      auto e = NewExpr(ExprKind::kLike, left.expr->position);
      e->negated = negated;
      e->case_insensitive = insensitive;
      const int h = std::max(left.height, pattern.height);
      e->args.push_back(std::move(left.expr));
      e->args.push_back(std::move(pattern.expr));
      return Finish(std::move(e), h);
    }
    return left;
  }

  // A left-associative chain of `next` operands joined by the operators
  // `op_of` recognises.
  template <typename Next, typename OpOf>
  Result<Node> Chain(Next next, OpOf op_of) {
    QUIVER_ASSIGN_OR_RETURN(Node left, (this->*next)());
    while (std::optional<BinaryOp> op = op_of(Peek().kind)) {
      Take();
      QUIVER_ASSIGN_OR_RETURN(Node right, (this->*next)());
      QUIVER_ASSIGN_OR_RETURN(left, Binary(*op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<Node> ParseConcat() {
    return Chain(&Parser::ParseAdditive, [](TokenKind k) -> std::optional<BinaryOp> {
      if (k == TokenKind::kConcat) return BinaryOp::kConcat;
      return std::nullopt;
    });
  }

  Result<Node> ParseAdditive() {
    return Chain(&Parser::ParseTerm, [](TokenKind k) -> std::optional<BinaryOp> {
      if (k == TokenKind::kPlus) return BinaryOp::kAdd;
      if (k == TokenKind::kMinus) return BinaryOp::kSub;
      return std::nullopt;
    });
  }

  Result<Node> ParseTerm() {
    return Chain(&Parser::ParseUnary, [](TokenKind k) -> std::optional<BinaryOp> {
      if (k == TokenKind::kStar) return BinaryOp::kMul;
      if (k == TokenKind::kSlash) return BinaryOp::kDiv;
      if (k == TokenKind::kPercent) return BinaryOp::kMod;
      return std::nullopt;
    });
  }

  static bool IsNumber(const Token& t) {
    return t.kind == TokenKind::kInteger || t.kind == TokenKind::kFloat;
  }

  Result<Node> ParseUnary() {
    const Token& t = Peek();
    if (t.kind != TokenKind::kMinus && t.kind != TokenKind::kPlus) return ParsePostfix();
    const bool minus = t.kind == TokenKind::kMinus;
    const int32_t position = Take().position;
    // "-5" is the literal -5 (so that int64's minimum can be written), but
    // "-5::text" negates the cast, as '::' binds tighter than '-'.
    if (minus && IsNumber(Peek()) && Peek(1).kind != TokenKind::kDoubleColon) {
      auto e = NewExpr(ExprKind::kLiteral, position);
      e->value = Negate(NumberLiteral(Take()));
      return Node{std::move(e), 1};
    }
    return Nested(position, [&]() -> Result<Node> {
      QUIVER_ASSIGN_OR_RETURN(Node operand, ParseUnary());
      if (!minus) return operand;  // unary plus changes nothing
      auto e = NewExpr(ExprKind::kUnary, position);
      e->unary_op = UnaryOp::kNegate;
      const int h = operand.height;
      e->args.push_back(std::move(operand.expr));
      return Finish(std::move(e), h);
    });
  }

  Result<Node> ParsePostfix() {
    QUIVER_ASSIGN_OR_RETURN(Node node, ParsePrimary());
    while (Accept(TokenKind::kDoubleColon)) {
      QUIVER_ASSIGN_OR_RETURN(TypePtr type, ParseTypeName());
      auto e = NewExpr(ExprKind::kCast, node.expr->position);
      e->cast_type = std::move(type);
      const int h = node.height;
      e->args.push_back(std::move(node.expr));
      QUIVER_ASSIGN_OR_RETURN(node, Finish(std::move(e), h));
    }
    return node;
  }

  Result<Node> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kInteger:
      case TokenKind::kFloat:
      case TokenKind::kString: {
        auto e = NewExpr(ExprKind::kLiteral, t.position);
        e->value = t.kind == TokenKind::kString ? Scalar::String(t.value) : NumberLiteral(t);
        Take();
        return Node{std::move(e), 1};
      }
      case TokenKind::kQuotedName:
        return ParseColumn();
      case TokenKind::kLParen: {
        Take();
        QUIVER_ASSIGN_OR_RETURN(Node inner, ParseExpr());
        QUIVER_RETURN_NOT_OK(Expect(TokenKind::kRParen));
        return inner;
      }
      case TokenKind::kLBracket:
        return ParseArray();
      case TokenKind::kWord:
        break;
      default:
        return Unexpected(t);
    }
    if (t.Is("TRUE") || t.Is("FALSE") || t.Is("NULL")) {
      auto e = NewExpr(ExprKind::kLiteral, t.position);
      e->value = t.Is("NULL") ? Scalar::Null() : Scalar::Bool(t.Is("TRUE"));
      Take();
      return Node{std::move(e), 1};
    }
    if (t.Is("CAST")) return ParseCast();
    if (t.Is("CASE")) return ParseCase();
    if ((t.Is("DATE") || t.Is("TIMESTAMP")) && Peek(1).kind == TokenKind::kString) return ParseTypedLiteral();
    if (IsReservedWord(t.text)) return Unexpected(t);
    if (Peek(1).kind == TokenKind::kLParen) return ParseCall();
    return ParseColumn();
  }

  Result<Node> ParseColumn() {
    auto e = NewExpr(ExprKind::kColumn, Peek().position);
    QUIVER_ASSIGN_OR_RETURN(std::string first, ParseName());
    e->path.push_back(std::move(first));
    while (Accept(TokenKind::kDot)) {
      // Any word names a struct member, keywords included ("meta.end").
      const Token& part = Peek();
      if (part.kind != TokenKind::kWord && part.kind != TokenKind::kQuotedName) return Unexpected(part);
      e->path.push_back(Take().value);
    }
    return Node{std::move(e), 1};
  }

  // name '(' [expr (',' expr)*] ')'; the name is lower-cased.
  Result<Node> ParseCall() {
    const Token name = Take();
    auto e = NewExpr(ExprKind::kCall, name.position);
    e->function = Lower(name.text);
    Take();  // '('
    int h = 0;
    if (!Accept(TokenKind::kRParen)) {
      do {
        QUIVER_ASSIGN_OR_RETURN(Node arg, ParseExpr());
        h = std::max(h, arg.height);
        e->args.push_back(std::move(arg.expr));
      } while (Accept(TokenKind::kComma));
      QUIVER_RETURN_NOT_OK(Expect(TokenKind::kRParen));
    }
    return Finish(std::move(e), h);
  }

  // '[' a, b ']' is DataFusion's array literal: make_array(a, b).
  Result<Node> ParseArray() {
    auto e = NewExpr(ExprKind::kCall, Take().position);
    e->function = "make_array";
    int h = 0;
    if (!Accept(TokenKind::kRBracket)) {
      do {
        QUIVER_ASSIGN_OR_RETURN(Node item, ParseExpr());
        h = std::max(h, item.height);
        e->args.push_back(std::move(item.expr));
      } while (Accept(TokenKind::kComma));
      QUIVER_RETURN_NOT_OK(Expect(TokenKind::kRBracket));
    }
    return Finish(std::move(e), h);
  }

  Result<Node> ParseCast() {
    auto e = NewExpr(ExprKind::kCast, Take().position);
    QUIVER_RETURN_NOT_OK(Expect(TokenKind::kLParen));
    QUIVER_ASSIGN_OR_RETURN(Node value, ParseExpr());
    QUIVER_RETURN_NOT_OK(ExpectKeyword("AS"));
    QUIVER_ASSIGN_OR_RETURN(e->cast_type, ParseTypeName());
    QUIVER_RETURN_NOT_OK(Expect(TokenKind::kRParen));
    const int h = value.height;
    e->args.push_back(std::move(value.expr));
    return Finish(std::move(e), h);
  }

  Result<Node> ParseCase() {
    auto e = NewExpr(ExprKind::kCase, Take().position);
    int h = 0;
    auto add = [&](Node n) {
      h = std::max(h, n.height);
      e->args.push_back(std::move(n.expr));
    };
    if (!Peek().Is("WHEN")) {
      QUIVER_ASSIGN_OR_RETURN(Node operand, ParseExpr());
      e->has_operand = true;
      add(std::move(operand));
    }
    if (!Peek().Is("WHEN")) return Unexpected(Peek());
    while (Peek().Is("WHEN")) {
      Take();
      QUIVER_ASSIGN_OR_RETURN(Node when, ParseExpr());
      QUIVER_RETURN_NOT_OK(ExpectKeyword("THEN"));
      QUIVER_ASSIGN_OR_RETURN(Node then, ParseExpr());
      add(std::move(when));
      add(std::move(then));
    }
    if (Peek().Is("ELSE")) {
      Take();
      QUIVER_ASSIGN_OR_RETURN(Node otherwise, ParseExpr());
      e->has_else = true;
      add(std::move(otherwise));
    }
    QUIVER_RETURN_NOT_OK(ExpectKeyword("END"));
    return Finish(std::move(e), h);
  }

  // date '2024-01-31' (date32) and timestamp '2024-01-31 12:00:00'
  // (timestamp[us], UTC).
  Result<Node> ParseTypedLiteral() {
    const Token keyword = Take();
    const bool is_date = keyword.Is("DATE");
    const Token text = Take();
    auto e = NewExpr(ExprKind::kLiteral, keyword.position);
    Result<int64_t> value = is_date ? ParseDate(text.value) : ParseTimestamp(text.value, TimeUnit::kMicro);
    if (!value.ok()) return Error(value.status().message(), text.position);
    e->value = is_date ? Scalar::Date(*value) : Scalar::Timestamp(*value);
    return Node{std::move(e), 1};
  }

  // --- Type names (CAST ... AS type, ::type)

  // Reads a bracketed group of raw text at `pos` ("<...>" or "[...]",
  // nesting, skipping "quoted" names with ParseType's backslash escapes);
  // returns the position after it.
  Result<size_t> ScanGroup(size_t pos, char open, char close) const {
    while (pos < sql_.size() &&
           (sql_[pos] == ' ' || sql_[pos] == '\t' || sql_[pos] == '\n' || sql_[pos] == '\r')) {
      ++pos;
    }
    if (pos >= sql_.size() || sql_[pos] != open) {
      const std::string expected(1, open);
      if (pos >= sql_.size()) return Error("expected '" + expected + "' but found the end of input", pos);
      return Error("expected '" + expected + "' but found '" + Printable(sql_.substr(pos, 1)) + "'", pos);
    }
    int depth = 0;
    for (; pos < sql_.size(); ++pos) {
      const char c = sql_[pos];
      if (c == '"') {
        for (++pos; pos < sql_.size() && sql_[pos] != '"'; ++pos) {
          if (sql_[pos] == '\\') ++pos;
        }
        if (pos >= sql_.size()) break;
      } else if (c == open) {
        ++depth;
      } else if (c == close && --depth == 0) {
        return pos + 1;
      }
    }
    return Error("unexpected end of input", sql_.size());
  }

  Result<TypePtr> ParseTypeName() {
    const Token& first = Peek();
    if (first.kind != TokenKind::kWord) return Unexpected(first);
    const Token word = Take();
    const std::string w = Lower(word.text);
    const int32_t start = word.position;
    auto integer = [&](TypePtr signed_type, TypePtr unsigned_type) {
      if (Peek().Is("UNSIGNED")) {
        Take();
        return unsigned_type;
      }
      return signed_type;
    };
    // An optional "(n)" after a type name; the number, or -1.
    auto parameter = [&]() -> Result<int64_t> {
      if (Peek().kind != TokenKind::kLParen) return -1;
      Take();
      if (Peek().kind != TokenKind::kInteger) return Unexpected(Peek());
      const Token n = Take();
      QUIVER_RETURN_NOT_OK(Expect(TokenKind::kRParen));
      return n.text.size() > 9 ? int64_t{999999999} : std::stoll(std::string(n.text));
    };
    if (w == "decimal" || w == "numeric" || w == "dec") {
      return Status::NotSupported(ErrorAt(
          "type " + Printable(word.text) + " is not supported (cast to DOUBLE instead)", start, sql_));
    }
    if (w == "int" || w == "integer") return integer(int32(), uint32());
    if (w == "bigint") return integer(int64(), uint64());
    if (w == "smallint") return integer(int16(), uint16());
    if (w == "tinyint") return integer(int8(), uint8());
    if (w == "real") return float32();
    if (w == "double") {
      if (Peek().Is("PRECISION")) Take();
      return float64();
    }
    if (w == "varchar" || w == "char" || w == "character" || w == "text") {
      if (w == "character" && Peek().Is("VARYING")) Take();
      QUIVER_ASSIGN_OR_RETURN(int64_t length, parameter());
      (void)length;  // strings have no length limit here
      return utf8();
    }
    if (w == "bytea" || w == "blob" || w == "varbinary") return binary();
    if (w == "date") return date32();
    if (w == "timestamp" && Peek().kind != TokenKind::kLBracket) {
      QUIVER_ASSIGN_OR_RETURN(int64_t precision, parameter());
      switch (precision) {
        case -1:
        case 6:
          return timestamp(TimeUnit::kMicro);
        case 0:
          return timestamp(TimeUnit::kSecond);
        case 3:
          return timestamp(TimeUnit::kMilli);
        case 9:
          return timestamp(TimeUnit::kNano);
        default:
          return Error("timestamp precision must be 0, 3, 6 or 9, not " + std::to_string(precision), start);
      }
    }
    // Arrow-style names for ParseType; the parameterised ones are read as
    // raw text, since "struct<a: int32>" is not made of expression tokens.
    size_t end = static_cast<size_t>(word.end());
    if (w == "list" || w == "large_list" || w == "fixed_size_list" || w == "struct" || w == "timestamp") {
      ahead_.clear();
      lex_status_ = Status::OK();
      if (w == "timestamp") {
        QUIVER_ASSIGN_OR_RETURN(end, ScanGroup(end, '[', ']'));
      } else {
        QUIVER_ASSIGN_OR_RETURN(end, ScanGroup(end, '<', '>'));
        if (w == "fixed_size_list") {
          QUIVER_ASSIGN_OR_RETURN(end, ScanGroup(end, '[', ']'));
        }
      }
      lexer_.Reset(end);
    }
    const std::string text = w + std::string(sql_.substr(word.end(), end - word.end()));
    Result<TypePtr> type = ParseType(text);
    if (!type.ok()) {
      std::string message = ErrorAt("unknown type \"" + Printable(text) + "\"", start, sql_);
      // For parameterised types ParseType says what is wrong inside.
      if (end > static_cast<size_t>(word.end())) message += ": " + type.status().message();
      return Status::InvalidArgument(std::move(message));
    }
    return type;
  }

  std::string_view sql_;
  Lexer lexer_;
  std::deque<Token> ahead_;
  Status lex_status_;
  int depth_ = 0;
};

}  // namespace

Result<ExprPtr> ParseExpression(std::string_view sql) {
  Parser parser(sql);
  QUIVER_ASSIGN_OR_RETURN(Node node, parser.ParseExpr());
  QUIVER_RETURN_NOT_OK(parser.ExpectEnd());
  return std::move(node.expr);
}

Result<std::vector<SelectItem>> ParseSelectList(std::string_view sql) {
  return Parser(sql).ParseSelectList();
}

Result<Assignment> ParseAssignment(std::string_view sql) { return Parser(sql).ParseAssignment(); }

}  // namespace quiver::expr
