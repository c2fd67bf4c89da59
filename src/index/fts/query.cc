// The full-text query tree's factories and printer, and the parser of the
// query-string syntax (grammar and rules in include/quiver/fts_query.h).
//
// The parser reads bytes directly, without a separate lexer: whether a
// character is an operator depends on where it stands ('+' opens a required
// clause but is a plain character inside a word), which a token stream
// would have to undo. Parentheses are the only recursion and are limited to
// kMaxDepth levels, so no input can exhaust the stack, and every loop
// consumes at least one byte per turn or stops.
#include "quiver/fts_query.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <system_error>

namespace quiver {

namespace {

std::shared_ptr<FtsQuery> NewQuery(FtsQuery::Kind kind) {
  auto q = std::make_shared<FtsQuery>();
  q->kind = kind;
  return q;
}

}  // namespace

FtsQueryPtr FtsQuery::Match(std::string text, std::string column, bool conjunction) {
  auto q = NewQuery(Kind::kMatch);
  q->text = std::move(text);
  q->column = std::move(column);
  q->conjunction = conjunction;
  return q;
}

FtsQueryPtr FtsQuery::Fuzzy(std::string text, int fuzziness, std::string column, int prefix_length) {
  auto q = NewQuery(Kind::kMatch);
  q->text = std::move(text);
  q->column = std::move(column);
  q->fuzziness = fuzziness;
  q->prefix_length = prefix_length;
  return q;
}

FtsQueryPtr FtsQuery::Phrase(std::string text, std::string column, int slop) {
  auto q = NewQuery(Kind::kPhrase);
  q->text = std::move(text);
  q->column = std::move(column);
  q->slop = slop;
  return q;
}

FtsQueryPtr FtsQuery::Boolean(std::vector<FtsQueryPtr> must, std::vector<FtsQueryPtr> should,
                              std::vector<FtsQueryPtr> must_not) {
  auto q = NewQuery(Kind::kBoolean);
  q->must = std::move(must);
  q->should = std::move(should);
  q->must_not = std::move(must_not);
  return q;
}

FtsQueryPtr FtsQuery::MultiMatch(std::string text, std::vector<std::pair<std::string, float>> columns) {
  auto q = NewQuery(Kind::kMultiMatch);
  q->text = std::move(text);
  q->columns = std::move(columns);
  return q;
}

FtsQueryPtr FtsQuery::Boost(FtsQueryPtr positive, FtsQueryPtr negative, float negative_boost) {
  auto q = NewQuery(Kind::kBoost);
  q->positive = std::move(positive);
  q->negative = std::move(negative);
  q->negative_boost = negative_boost;
  return q;
}

FtsQueryPtr FtsQuery::Boosted(const FtsQueryPtr& query, float boost) {
  assert(query != nullptr && "FtsQuery::Boosted of a null query");
  auto q = std::make_shared<FtsQuery>(*query);
  q->boost *= boost;
  return q;
}

namespace {

// Parentheses nest at most this deep.
constexpr int kMaxDepth = 100;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// Ends a word unless escaped with a backslash. '+' and '-' are not here:
// they are operators only where a clause starts.
bool EndsWord(char c) {
  return IsSpace(c) || c == '"' || c == '(' || c == ')' || c == '^' || c == '~' || c == ':';
}

bool IsColumnName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool IsOperatorWord(std::string_view word) { return word == "AND" || word == "OR" || word == "NOT"; }

// ---------------------------------------------------------------------------
// Printing.

// The shortest decimal that reads back as the same float, never in
// exponent notation (the syntax has none).
std::string FormatFloat(float v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  if (ec != std::errc()) return std::to_string(v);
  return std::string(buf, end);
}

void AppendBoost(float boost, std::string* out) {
  if (boost == 1.0f) return;
  *out += '^';
  *out += FormatFloat(boost);
}

// A word that reads back as one word with exactly this text.
void AppendWord(std::string_view word, std::string* out) {
  for (size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    const bool escape =
        EndsWord(c) || c == '\\' || (i == 0 && (c == '+' || c == '-' || IsOperatorWord(word)));
    if (escape) *out += '\\';
    *out += c;
  }
}

// A quoted phrase that reads back with exactly this text.
void AppendQuoted(std::string_view text, std::string* out) {
  *out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') *out += '\\';
    *out += c;
  }
  *out += '"';
}

void Print(const FtsQuery& q, bool top, std::string* out);

// A clause inside a boolean or a boost query.
void PrintChild(const FtsQueryPtr& q, std::string* out) {
  if (q == nullptr) {
    *out += "<null>";
  } else {
    Print(*q, /*top=*/false, out);
  }
}

int DefaultMaxExpansions() {
  static const int max_expansions = FtsQuery().max_expansions;
  return max_expansions;
}

// kMatch options the syntax cannot express.
bool MatchNeedsReadableForm(const FtsQuery& q) {
  return q.text.empty() || q.conjunction || q.minimum_should_match > 1 || q.prefix_length != 0 ||
         q.max_expansions != DefaultMaxExpansions();
}

// "match(...)" or "multi_match(...)": every option that differs from its
// default, as name=value.
void PrintMatchOptions(const FtsQuery& q, std::string* out) {
  if (q.conjunction) *out += ", conjunction=true";
  if (q.minimum_should_match != 0) *out += ", minimum_should_match=" + std::to_string(q.minimum_should_match);
  if (q.fuzziness != 0) *out += ", fuzziness=" + std::to_string(q.fuzziness);
  if (q.prefix_length != 0) *out += ", prefix_length=" + std::to_string(q.prefix_length);
  if (q.max_expansions != DefaultMaxExpansions()) {
    *out += ", max_expansions=" + std::to_string(q.max_expansions);
  }
}

void PrintBoolean(const FtsQuery& q, bool top, std::string* out) {
  const bool parenthesized = !top || q.boost != 1.0f;
  if (parenthesized) *out += '(';
  bool first = true;
  auto clauses = [&](const std::vector<FtsQueryPtr>& list, const char* prefix) {
    for (const FtsQueryPtr& clause : list) {
      if (!first) *out += ' ';
      first = false;
      *out += prefix;
      PrintChild(clause, out);
    }
  };
  clauses(q.must, "+");
  clauses(q.should, "");
  clauses(q.must_not, "-");
  if (parenthesized) *out += ')';
  AppendBoost(q.boost, out);
}

// `top`: the whole query, whose clauses need no parentheses around them.
void Print(const FtsQuery& q, bool top, std::string* out) {
  switch (q.kind) {
    case FtsQuery::Kind::kMatch:
      if (MatchNeedsReadableForm(q)) {
        *out += "match(text=";
        AppendQuoted(q.text, out);
        if (!q.column.empty()) *out += ", column=" + q.column;
        PrintMatchOptions(q, out);
        *out += ')';
      } else {
        if (!q.column.empty()) *out += q.column + ':';
        AppendWord(q.text, out);
        if (q.fuzziness != 0) *out += '~' + std::to_string(q.fuzziness);
      }
      AppendBoost(q.boost, out);
      return;
    case FtsQuery::Kind::kPhrase:
      if (!q.column.empty()) *out += q.column + ':';
      AppendQuoted(q.text, out);
      if (q.slop != 0) *out += '~' + std::to_string(q.slop);
      AppendBoost(q.boost, out);
      return;
    case FtsQuery::Kind::kBoolean:
      PrintBoolean(q, top, out);
      return;
    case FtsQuery::Kind::kMultiMatch: {
      *out += "multi_match(text=";
      AppendQuoted(q.text, out);
      *out += ", columns=[";
      for (size_t i = 0; i < q.columns.size(); ++i) {
        if (i > 0) *out += ", ";
        *out += q.columns[i].first;
        AppendBoost(q.columns[i].second, out);
      }
      *out += ']';
      PrintMatchOptions(q, out);
      *out += ')';
      AppendBoost(q.boost, out);
      return;
    }
    case FtsQuery::Kind::kBoost:
      *out += "boost(positive=";
      PrintChild(q.positive, out);
      *out += ", negative=";
      PrintChild(q.negative, out);
      *out += ", negative_boost=" + FormatFloat(q.negative_boost) + ')';
      AppendBoost(q.boost, out);
      return;
  }
}

// ---------------------------------------------------------------------------
// Parsing.

// How a clause was written: bare, after '+', or after '-' / NOT. A bare
// clause is `should` on its own and `must` as an operand of AND.
enum class Occur { kDefault, kMust, kMustNot };

struct Clause {
  Occur occur = Occur::kDefault;
  FtsQueryPtr query;
};

// Clauses joined by AND (one clause when there is no AND).
struct Conjunction {
  size_t position = 0;  // of the first clause
  std::vector<Clause> clauses;
};

class Parser {
 public:
  explicit Parser(std::string_view query) : query_(query) {}

  Result<FtsQueryPtr> Parse() {
    SkipSpace();
    if (AtEnd()) return Status::InvalidArgument("empty query");
    const size_t start = pos_;
    QUIVER_ASSIGN_OR_RETURN(std::vector<Conjunction> disjuncts, ParseOr(""));
    if (!AtEnd()) return Error("unexpected ')'", pos_);  // ParseOr stops only at the end or a ')'
    return Combine(std::move(disjuncts), start, "a query");
  }

 private:
  Status Error(std::string_view what, size_t position) const {
    std::string message(what);
    message += " at position " + std::to_string(position) + " in \"";
    message += query_;
    message += '"';
    return Status::InvalidArgument(std::move(message));
  }

  bool AtEnd() const { return pos_ >= query_.size(); }
  char Peek() const { return query_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }

  // "AND", "OR" or "NOT" when one stands at pos_ as a whole word (not
  // escaped, not a column name before ':'); empty otherwise.
  std::string_view OperatorAt() const {
    for (std::string_view op : {"AND", "OR", "NOT"}) {
      if (query_.substr(pos_, op.size()) != op) continue;
      const size_t end = pos_ + op.size();
      if (end == query_.size() || (EndsWord(query_[end]) && query_[end] != ':')) return op;
    }
    return {};
  }

  // Whether a word, phrase, group or column:term starts at pos_.
  bool AtTerm() const {
    if (AtEnd()) return false;
    const char c = Peek();
    if (IsSpace(c) || c == ')' || c == '^' || c == '~' || c == ':' || c == '+' || c == '-') return false;
    return OperatorAt().empty();
  }

  // The node for `disjuncts` joined by OR, each a chain of clauses joined
  // by AND. `what` names the construct in errors ("a query", "a group").
  Result<FtsQueryPtr> Combine(std::vector<Conjunction> disjuncts, size_t position, std::string_view what) {
    std::vector<FtsQueryPtr> must, should, must_not;
    if (disjuncts.size() == 1 && disjuncts[0].clauses.size() > 1) {
      // A lone AND chain: its operands are the clauses themselves.
      for (Clause& c : disjuncts[0].clauses) {
        (c.occur == Occur::kMustNot ? must_not : must).push_back(std::move(c.query));
      }
    } else {
      for (Conjunction& d : disjuncts) {
        if (d.clauses.size() == 1) {
          Clause& c = d.clauses[0];
          (c.occur == Occur::kMust      ? must
           : c.occur == Occur::kMustNot ? must_not
                                        : should)
              .push_back(std::move(c.query));
          continue;
        }
        std::vector<FtsQueryPtr> and_must, and_must_not;
        for (Clause& c : d.clauses) {
          (c.occur == Occur::kMustNot ? and_must_not : and_must).push_back(std::move(c.query));
        }
        if (and_must.empty()) {
          return Error("AND needs at least one operand that is not excluded", d.position);
        }
        should.push_back(FtsQuery::Boolean(std::move(and_must), {}, std::move(and_must_not)));
      }
    }
    if (must.empty() && should.empty()) {
      return Error(std::string(what) + " needs at least one clause that is not excluded", position);
    }
    if (must.empty() && must_not.empty() && should.size() == 1) return std::move(should[0]);
    return FtsQuery::Boolean(std::move(must), std::move(should), std::move(must_not));
  }

  // Conjunctions joined by OR or by juxtaposition, up to the end or a ')'.
  Result<std::vector<Conjunction>> ParseOr(const std::string& column) {
    std::vector<Conjunction> disjuncts;
    while (true) {
      SkipSpace();
      if (AtEnd() || Peek() == ')') break;
      if (!disjuncts.empty() && OperatorAt() == "OR") {
        const size_t op = pos_;
        pos_ += 2;
        SkipSpace();
        if (AtEnd() || Peek() == ')' || OperatorAt() == "AND" || OperatorAt() == "OR") {
          return Error("expected a term after 'OR'", op);
        }
      }
      QUIVER_ASSIGN_OR_RETURN(Conjunction d, ParseAnd(column));
      disjuncts.push_back(std::move(d));
    }
    return disjuncts;
  }

  Result<Conjunction> ParseAnd(const std::string& column) {
    Conjunction d;
    d.position = pos_;
    while (true) {
      QUIVER_ASSIGN_OR_RETURN(Clause c, ParseClause(column));
      d.clauses.push_back(std::move(c));
      const size_t after = pos_;
      SkipSpace();
      if (OperatorAt() != "AND") {
        pos_ = after;
        return d;
      }
      const size_t op = pos_;
      pos_ += 3;
      SkipSpace();
      if (AtEnd() || Peek() == ')' || OperatorAt() == "AND" || OperatorAt() == "OR") {
        return Error("expected a term after 'AND'", op);
      }
    }
  }

  // [+ | - | NOT] term
  Result<Clause> ParseClause(const std::string& column) {
    const size_t start = pos_;
    const std::string_view op = OperatorAt();
    Clause clause;
    if (op == "NOT") {
      pos_ += op.size();
      SkipSpace();
      if (!AtTerm()) return Error("expected a term after 'NOT'", start);
      clause.occur = Occur::kMustNot;
    } else if (!op.empty()) {
      return Error("unexpected '" + std::string(op) + "'", start);
    } else if (Peek() == '+' || Peek() == '-') {
      const char sign = Peek();
      ++pos_;
      if (!AtTerm()) return Error(std::string("expected a term after '") + sign + "'", start);
      clause.occur = sign == '+' ? Occur::kMust : Occur::kMustNot;
    } else if (!AtTerm()) {
      return Error(std::string("unexpected '") + Peek() + "'", start);
    }
    QUIVER_ASSIGN_OR_RETURN(clause.query, ParseTerm(column));
    return clause;
  }

  // [column:] (word | "phrase" | (group)), then its modifiers. `column`
  // applies unless the term names its own. Precondition: AtTerm().
  Result<FtsQueryPtr> ParseTerm(const std::string& column) {
    if (Peek() == '(') return ParseGroup(column);
    if (Peek() == '"') return ParsePhrase(column);
    const size_t start = pos_;
    std::string word;
    bool escaped = false;
    QUIVER_RETURN_NOT_OK(ScanWord(&word, &escaped));
    if (AtEnd() || Peek() != ':') return FinishWord(std::move(word), column);

    const std::string_view name = query_.substr(start, pos_ - start);
    if (escaped || !IsColumnName(name)) {
      return Error("column name \"" + std::string(name) + "\" may only use letters, digits, '_' and '.'",
                   start);
    }
    ++pos_;  // ':'
    SkipSpace();
    if (!AtTerm()) return Error("expected a term after '" + std::string(name) + ":'", start);
    if (Peek() == '(') return ParseGroup(word);
    if (Peek() == '"') return ParsePhrase(word);
    std::string text;
    QUIVER_RETURN_NOT_OK(ScanWord(&text, &escaped));
    if (!AtEnd() && Peek() == ':') return Error("unexpected ':' (escape it as \\:)", pos_);
    return FinishWord(std::move(text), word);
  }

  // Reads a word up to white space or an unescaped special character,
  // unescaping it; `escaped` tells whether it held a backslash.
  Status ScanWord(std::string* word, bool* escaped) {
    *escaped = false;
    while (!AtEnd()) {
      const char c = Peek();
      if (c == '\\') {
        if (pos_ + 1 == query_.size()) return Error("expected a character after '\\'", pos_);
        *word += query_[pos_ + 1];
        *escaped = true;
        pos_ += 2;
        continue;
      }
      if (EndsWord(c)) break;
      *word += c;
      ++pos_;
    }
    return Status::OK();
  }

  // The value after '~' or '^': the bytes up to white space or a special
  // character (so "~1.5" and "^2x" are read whole, and rejected).
  std::string_view ScanValue() {
    const size_t start = pos_;
    while (!AtEnd() && !EndsWord(Peek())) ++pos_;
    return query_.substr(start, pos_ - start);
  }

  // Reads the value after '^' (pos_ is just past it) into `boost`, a
  // positive normal float written as digits with an optional fraction.
  Status ParseBoost(float* boost) {
    const size_t start = pos_;
    const std::string_view v = ScanValue();
    int digits = 0, dots = 0;
    for (char c : v) {
      if (c >= '0' && c <= '9') {
        ++digits;
      } else if (c == '.') {
        ++dots;
      } else {
        dots = 2;  // anything else: invalid
      }
    }
    if (digits > 0 && dots <= 1) {
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), *boost, std::chars_format::fixed);
      if (ec == std::errc() && end == v.data() + v.size() && std::isnormal(*boost)) return Status::OK();
    }
    return Error("boost must be a positive number", start);
  }

  // A word's modifiers, in either order: ~fuzziness and ^boost.
  Result<FtsQueryPtr> FinishWord(std::string text, const std::string& column) {
    int fuzziness = 0;
    float boost = 1.0f;
    bool has_fuzziness = false, has_boost = false;
    while (!AtEnd()) {
      if (Peek() == '~' && !has_fuzziness) {
        ++pos_;
        const size_t start = pos_;
        const std::string_view v = ScanValue();
        if (v.empty()) {
          fuzziness = 1;
        } else if (v == "0" || v == "1" || v == "2") {
          fuzziness = v[0] - '0';
        } else {
          return Error("fuzziness must be 0, 1 or 2", start);
        }
        has_fuzziness = true;
      } else if (Peek() == '^' && !has_boost) {
        ++pos_;
        QUIVER_RETURN_NOT_OK(ParseBoost(&boost));
        has_boost = true;
      } else {
        break;
      }
    }
    FtsQueryPtr q = FtsQuery::Fuzzy(std::move(text), fuzziness, column);
    return has_boost ? FtsQuery::Boosted(q, boost) : q;
  }

  // "phrase" with \" and \\ unescaped and every other byte kept as is,
  // then ~slop and ^boost in either order.
  Result<FtsQueryPtr> ParsePhrase(const std::string& column) {
    const size_t start = pos_;
    ++pos_;  // '"'
    std::string text;
    while (true) {
      if (AtEnd()) return Error("unterminated phrase starting", start);
      const char c = Peek();
      if (c == '"') break;
      if (c == '\\' && pos_ + 1 < query_.size() && (query_[pos_ + 1] == '"' || query_[pos_ + 1] == '\\')) {
        ++pos_;
      }
      text += Peek();
      ++pos_;
    }
    ++pos_;  // '"'
    if (text.empty()) return Error("empty phrase", start);

    int slop = 0;
    float boost = 1.0f;
    bool has_slop = false, has_boost = false;
    while (!AtEnd()) {
      if (Peek() == '~' && !has_slop) {
        ++pos_;
        const size_t value = pos_;
        const std::string_view v = ScanValue();
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), slop);
        if (v.empty() || v[0] == '-' || v[0] == '+' || ec != std::errc() || end != v.data() + v.size()) {
          return Error("slop must be a non-negative integer", value);
        }
        has_slop = true;
      } else if (Peek() == '^' && !has_boost) {
        ++pos_;
        QUIVER_RETURN_NOT_OK(ParseBoost(&boost));
        has_boost = true;
      } else {
        break;
      }
    }
    FtsQueryPtr q = FtsQuery::Phrase(std::move(text), column, slop);
    return has_boost ? FtsQuery::Boosted(q, boost) : q;
  }

  // ( ... ) then ^boost, which multiplies the group's own.
  Result<FtsQueryPtr> ParseGroup(const std::string& column) {
    const size_t start = pos_;
    if (depth_ >= kMaxDepth) {
      return Error("query nests more than " + std::to_string(kMaxDepth) + " levels of parentheses", start);
    }
    ++depth_;
    ++pos_;  // '('
    QUIVER_ASSIGN_OR_RETURN(std::vector<Conjunction> disjuncts, ParseOr(column));
    --depth_;
    if (AtEnd()) return Error("unclosed '('", start);
    ++pos_;  // ')'
    if (disjuncts.empty()) return Error("empty group", start);
    QUIVER_ASSIGN_OR_RETURN(FtsQueryPtr group, Combine(std::move(disjuncts), start, "a group"));
    if (AtEnd()) return group;
    if (Peek() == '~') return Error("unexpected '~' after a group", pos_);
    if (Peek() != '^') return group;
    ++pos_;
    const size_t value = pos_;
    float boost = 1.0f;
    QUIVER_RETURN_NOT_OK(ParseBoost(&boost));
    if (!std::isnormal(group->boost * boost)) return Error("boost is out of range", value);
    return FtsQuery::Boosted(group, boost);
  }

  std::string_view query_;
  size_t pos_ = 0;
  int depth_ = 0;  // open parentheses
};

}  // namespace

std::string FtsQuery::ToString() const {
  std::string out;
  Print(*this, /*top=*/true, &out);
  return out;
}

Result<FtsQueryPtr> ParseFtsQuery(std::string_view query) { return Parser(query).Parse(); }

}  // namespace quiver
