#include "expr/lexer.h"

#include <cstdio>
#include <limits>

namespace quiver::expr {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Non-ASCII bytes are accepted in words, so that UTF-8 letters work
// unquoted (as in DataFusion, which takes any alphabetic character).
bool IsWordStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsWordPart(char c) { return IsWordStart(c) || IsDigit(c) || c == '$'; }

char ToUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

bool Token::Is(std::string_view keyword) const {
  if (kind != TokenKind::kWord || text.size() != keyword.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (ToUpper(text[i]) != keyword[i]) return false;
  }
  return true;
}

bool IsReservedWord(std::string_view word) {
  static constexpr std::string_view kReserved[] = {"AND",  "OR",    "NOT",     "IN",   "IS",    "NULL",
                                                   "TRUE", "FALSE", "BETWEEN", "LIKE", "ILIKE", "CASE",
                                                   "WHEN", "THEN",  "ELSE",    "END",  "CAST",  "AS"};
  Token t;
  t.kind = TokenKind::kWord;
  t.text = word;
  for (std::string_view k : kReserved) {
    if (t.Is(k)) return true;
  }
  return false;
}

std::string QuoteName(std::string_view name) {
  Token t;
  t.kind = TokenKind::kWord;
  t.text = name;
  bool bare =
      !name.empty() && IsWordStart(name[0]) && !IsReservedWord(name) && !t.Is("DATE") && !t.Is("TIMESTAMP");
  for (size_t i = 0; bare && i < name.size(); ++i) bare = IsWordPart(name[i]);
  if (bare) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string Printable(std::string_view text) {
  std::string out;
  const size_t limit = 40;
  for (size_t i = 0; i < text.size() && i < limit; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (text.size() > limit) out += "...";
  return out;
}

std::string ErrorAt(std::string_view what, int64_t position, std::string_view sql) {
  std::string out(what);
  out += " at position " + std::to_string(position) + " in \"";
  out += sql;
  out += "\"";
  return out;
}

Status Lexer::Error(const std::string& what, size_t position) const {
  return Status::InvalidArgument(ErrorAt(what, static_cast<int64_t>(position), sql_));
}

Status Lexer::SkipSpaceAndComments() {
  while (pos_ < sql_.size()) {
    const char c = sql_[pos_];
    if (IsSpace(c)) {
      ++pos_;
    } else if (c == '-' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '-') {
      while (pos_ < sql_.size() && sql_[pos_] != '\n') ++pos_;
    } else if (c == '/' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '*') {
      const size_t start = pos_;
      const size_t close = sql_.find("*/", pos_ + 2);
      if (close == std::string_view::npos) return Error("unterminated comment starting", start);
      pos_ = close + 2;
    } else {
      break;
    }
  }
  return Status::OK();
}

Status Lexer::LexNumber(Token* token) {
  const size_t start = pos_;
  bool is_float = false;
  while (pos_ < sql_.size() && IsDigit(sql_[pos_])) ++pos_;
  if (pos_ < sql_.size() && sql_[pos_] == '.') {
    is_float = true;
    ++pos_;
    while (pos_ < sql_.size() && IsDigit(sql_[pos_])) ++pos_;
  }
  // An exponent only when digits follow ("1e" is the number 1, then a word).
  if (pos_ < sql_.size() && (sql_[pos_] == 'e' || sql_[pos_] == 'E')) {
    size_t p = pos_ + 1;
    if (p < sql_.size() && (sql_[p] == '+' || sql_[p] == '-')) ++p;
    if (p < sql_.size() && IsDigit(sql_[p])) {
      is_float = true;
      pos_ = p;
      while (pos_ < sql_.size() && IsDigit(sql_[pos_])) ++pos_;
    }
  }
  token->kind = is_float ? TokenKind::kFloat : TokenKind::kInteger;
  token->text = sql_.substr(start, pos_ - start);
  return Status::OK();
}

Status Lexer::LexQuoted(char quote, TokenKind kind, Token* token) {
  const size_t start = pos_++;
  std::string value;
  while (true) {
    const size_t close = sql_.find(quote, pos_);
    if (close == std::string_view::npos) {
      return Error(
          kind == TokenKind::kString ? "unterminated string starting" : "unterminated quoted name starting",
          start);
    }
    value.append(sql_.substr(pos_, close - pos_));
    pos_ = close + 1;
    // A doubled quote stands for one quote character.
    if (pos_ < sql_.size() && sql_[pos_] == quote) {
      value += quote;
      ++pos_;
      continue;
    }
    break;
  }
  if (kind == TokenKind::kQuotedName && value.empty()) return Error("empty quoted name", start);
  token->kind = kind;
  token->text = sql_.substr(start, pos_ - start);
  token->value = std::move(value);
  return Status::OK();
}

Status Lexer::Next(Token* token) {
  if (sql_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::InvalidArgument("expression text of " + std::to_string(sql_.size()) +
                                   " bytes is too long (at most 2^31 - 1)");
  }
  QUIVER_RETURN_NOT_OK(SkipSpaceAndComments());
  *token = Token();
  token->position = static_cast<int32_t>(pos_);
  if (pos_ >= sql_.size()) {
    token->text = sql_.substr(sql_.size());
    return Status::OK();
  }
  const size_t start = pos_;
  const char c = sql_[pos_];
  const char next = pos_ + 1 < sql_.size() ? sql_[pos_ + 1] : '\0';
  if (IsDigit(c) || (c == '.' && IsDigit(next))) return LexNumber(token);
  if (c == '\'') return LexQuoted('\'', TokenKind::kString, token);
  if (c == '"') return LexQuoted('"', TokenKind::kQuotedName, token);
  if (c == '`') return LexQuoted('`', TokenKind::kQuotedName, token);
  if (IsWordStart(c)) {
    while (pos_ < sql_.size() && IsWordPart(sql_[pos_])) ++pos_;
    token->kind = TokenKind::kWord;
    token->text = sql_.substr(start, pos_ - start);
    token->value = std::string(token->text);
    return Status::OK();
  }
  size_t len = 1;
  switch (c) {
    case '(':
      token->kind = TokenKind::kLParen;
      break;
    case ')':
      token->kind = TokenKind::kRParen;
      break;
    case '[':
      token->kind = TokenKind::kLBracket;
      break;
    case ']':
      token->kind = TokenKind::kRBracket;
      break;
    case ',':
      token->kind = TokenKind::kComma;
      break;
    case '.':
      token->kind = TokenKind::kDot;
      break;
    case ':':
      token->kind = next == ':' ? TokenKind::kDoubleColon : TokenKind::kColon;
      len = next == ':' ? 2 : 1;
      break;
    case '=':
      token->kind = TokenKind::kEq;
      len = next == '=' ? 2 : 1;
      break;
    case '!':
      if (next != '=') return Error("unexpected character '!'", start);
      token->kind = TokenKind::kNe;
      len = 2;
      break;
    case '<':
      if (next == '=') {
        token->kind = TokenKind::kLe;
        len = 2;
      } else if (next == '>') {
        token->kind = TokenKind::kNe;
        len = 2;
      } else {
        token->kind = TokenKind::kLt;
      }
      break;
    case '>':
      token->kind = next == '=' ? TokenKind::kGe : TokenKind::kGt;
      len = next == '=' ? 2 : 1;
      break;
    case '+':
      token->kind = TokenKind::kPlus;
      break;
    case '-':
      token->kind = TokenKind::kMinus;
      break;
    case '*':
      token->kind = TokenKind::kStar;
      break;
    case '/':
      token->kind = TokenKind::kSlash;
      break;
    case '%':
      token->kind = TokenKind::kPercent;
      break;
    case '|':
      if (next != '|') return Error("unexpected character '|'", start);
      token->kind = TokenKind::kConcat;
      len = 2;
      break;
    default:
      return Error("unexpected character '" + Printable(sql_.substr(start, 1)) + "'", start);
  }
  pos_ += len;
  token->text = sql_.substr(start, len);
  return Status::OK();
}

}  // namespace quiver::expr
