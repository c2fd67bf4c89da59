// The SQL expression lexer: splits text into tokens for the parser
// (parser.h). Words are not classified into keywords here; the parser
// decides, because "date" is a column in "date > 5" and a keyword in
// "date '2024-01-01'".
//
// Tokens: numbers (12, 1.5, .5, 1e-3), 'strings' ('' escapes a quote),
// words (letters, digits, '_', '$' and any non-ASCII byte; not starting with
// a digit), "double quoted" and `backticked` names ("" or `` escape the
// quote), punctuation ( ) [ ] , . : ::, operators = == <> != < <= > >= + - *
// / % ||. Whitespace, "-- line" and "/* block */" comments are skipped.
//
// Thread-safety: a Lexer is used by one thread; separate lexers are
// independent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "quiver/status.h"

namespace quiver::expr {

enum class TokenKind : uint8_t {
  kEnd,
  kInteger,      // digits only
  kFloat,        // with '.' or an exponent
  kString,       // value: the unescaped bytes
  kWord,         // bare identifier or keyword; value: as written
  kQuotedName,   // "..." or `...`; value: unescaped
  kLParen,       // (
  kRParen,       // )
  kLBracket,     // [
  kRBracket,     // ]
  kComma,        // ,
  kDot,          // .
  kColon,        // :
  kDoubleColon,  // ::
  kEq,           // = or ==
  kNe,           // <> or !=
  kLt,
  kLe,
  kGt,
  kGe,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kConcat,  // ||
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  int32_t position = 0;   // byte offset of the token's first byte
  std::string_view text;  // the token as written (a view into the source)
  std::string value;      // kString, kWord, kQuotedName: see TokenKind

  int32_t end() const { return position + static_cast<int32_t>(text.size()); }
  // Whether this is a bare word equal to `keyword` ignoring ASCII case;
  // `keyword` is upper case.
  bool Is(std::string_view keyword) const;
};

class Lexer {
 public:
  // `sql` must outlive the lexer and the tokens it returns. Texts longer
  // than 2^31 - 1 bytes are rejected by the first Next().
  explicit Lexer(std::string_view sql) : sql_(sql) {}

  // The next token (kEnd at the end, again on every later call).
  // InvalidArgument for an unexpected character or an unterminated string,
  // quoted name or comment, with the position and the text:
  // `unterminated string starting at position 8 in "name = 'abc"`.
  Status Next(Token* token);
  // Continues lexing at byte `position` (the parser reads parameterised type
  // names such as "struct<a: int32>" as raw text, then resumes after them).
  void Reset(size_t position) { pos_ = position; }

 private:
  Status Error(const std::string& what, size_t position) const;
  Status SkipSpaceAndComments();
  Status LexNumber(Token* token);
  Status LexQuoted(char quote, TokenKind kind, Token* token);

  std::string_view sql_;
  size_t pos_ = 0;
};

// Whether `word` (any case) is a keyword that cannot be a bare column or
// function name: AND, OR, NOT, IN, IS, NULL, TRUE, FALSE, BETWEEN, LIKE,
// ILIKE, CASE, WHEN, THEN, ELSE, END, CAST, AS.
bool IsReservedWord(std::string_view word);

// `name` as SQL text that the lexer reads back as one name: as is when it is
// a bare word that is neither reserved nor DATE / TIMESTAMP (which start
// typed literals), otherwise "double quoted" with '"' doubled.
std::string QuoteName(std::string_view name);

// The text of an error message about `sql`: `<what> at position <p> in
// "<sql>"`.
std::string ErrorAt(std::string_view what, int64_t position, std::string_view sql);

// `text` for an error message: as is when printable ASCII, otherwise with
// \xNN escapes; cut to 40 bytes with "..." when longer.
std::string Printable(std::string_view text);

}  // namespace quiver::expr
