#include "expr/parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "expr/lexer.h"

namespace quiver::expr {
namespace {

using ::testing::HasSubstr;

// Structural equality of two trees, positions ignored.
bool SameTree(const Expr& a, const Expr& b) {
  if (a.kind != b.kind || a.args.size() != b.args.size()) return false;
  switch (a.kind) {
    case ExprKind::kLiteral:
      if (!a.value.Equals(b.value)) return false;
      break;
    case ExprKind::kColumn:
      if (a.path != b.path) return false;
      break;
    case ExprKind::kUnary:
      if (a.unary_op != b.unary_op) return false;
      break;
    case ExprKind::kBinary:
      if (a.binary_op != b.binary_op) return false;
      break;
    case ExprKind::kIsNull:
    case ExprKind::kIn:
    case ExprKind::kBetween:
      if (a.negated != b.negated) return false;
      break;
    case ExprKind::kLike:
      if (a.negated != b.negated || a.case_insensitive != b.case_insensitive) return false;
      break;
    case ExprKind::kCast:
      if (!a.cast_type->Equals(*b.cast_type)) return false;
      break;
    case ExprKind::kCase:
      if (a.has_operand != b.has_operand || a.has_else != b.has_else) return false;
      break;
    case ExprKind::kCall:
      if (a.function != b.function) return false;
      break;
  }
  for (size_t i = 0; i < a.args.size(); ++i) {
    if (!SameTree(*a.args[i], *b.args[i])) return false;
  }
  return true;
}

ExprPtr Parse(std::string_view sql) {
  Result<ExprPtr> r = ParseExpression(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  if (!r.ok()) return nullptr;
  return std::move(r).value();
}

// The fully parenthesised text of `sql`'s tree, or the error.
std::string Text(std::string_view sql) {
  Result<ExprPtr> r = ParseExpression(sql);
  if (!r.ok()) return "error: " + r.status().message();
  return (*r)->ToString();
}

std::string ErrorOf(std::string_view sql) {
  Result<ExprPtr> r = ParseExpression(sql);
  if (r.ok()) return "parsed: " + (*r)->ToString();
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  return r.status().message();
}

// ToString re-parses to an equal tree whose ToString is the same text.
void ExpectRoundTrip(std::string_view sql) {
  SCOPED_TRACE(std::string(sql));
  ExprPtr e = Parse(sql);
  if (!e) return;
  const std::string text = e->ToString();
  Result<ExprPtr> again = ParseExpression(text);
  ASSERT_TRUE(again.ok()) << text << ": " << again.status().ToString();
  EXPECT_TRUE(SameTree(*e, **again)) << text << " vs " << (*again)->ToString();
  EXPECT_EQ((*again)->ToString(), text);
}

TEST(LexerTest, Tokens) {
  Lexer lexer("a.b >= 1.5e3 || 'x''y' :: <> != == -- comment\n /* block */ `q` \"r\"\"s\"");
  std::vector<std::pair<TokenKind, std::string>> tokens;
  while (true) {
    Token t;
    ASSERT_TRUE(lexer.Next(&t).ok());
    if (t.kind == TokenKind::kEnd) break;
    tokens.emplace_back(t.kind, t.value.empty() ? std::string(t.text) : t.value);
  }
  std::vector<std::pair<TokenKind, std::string>> expected = {
      {TokenKind::kWord, "a"},         {TokenKind::kDot, "."},          {TokenKind::kWord, "b"},
      {TokenKind::kGe, ">="},          {TokenKind::kFloat, "1.5e3"},    {TokenKind::kConcat, "||"},
      {TokenKind::kString, "x'y"},     {TokenKind::kDoubleColon, "::"}, {TokenKind::kNe, "<>"},
      {TokenKind::kNe, "!="},          {TokenKind::kEq, "=="},          {TokenKind::kQuotedName, "q"},
      {TokenKind::kQuotedName, "r\"s"}};
  EXPECT_EQ(tokens, expected);
}

TEST(LexerTest, Positions) {
  Lexer lexer("  x\t= 'a'");
  Token t;
  ASSERT_TRUE(lexer.Next(&t).ok());
  EXPECT_EQ(t.position, 2);
  ASSERT_TRUE(lexer.Next(&t).ok());
  EXPECT_EQ(t.position, 4);
  ASSERT_TRUE(lexer.Next(&t).ok());
  EXPECT_EQ(t.position, 6);
  EXPECT_EQ(t.end(), 9);
  ASSERT_TRUE(lexer.Next(&t).ok());
  EXPECT_EQ(t.kind, TokenKind::kEnd);
  EXPECT_EQ(t.position, 9);
}

TEST(LexerTest, QuoteName) {
  EXPECT_EQ(QuoteName("price"), "price");
  EXPECT_EQ(QuoteName("_x1$"), "_x1$");
  EXPECT_EQ(QuoteName("My Field"), "\"My Field\"");
  EXPECT_EQ(QuoteName("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteName("and"), "\"and\"");
  EXPECT_EQ(QuoteName("Date"), "\"Date\"");
  EXPECT_EQ(QuoteName("1x"), "\"1x\"");
  EXPECT_EQ(QuoteName("Price"), "Price");
}

TEST(ParserTest, Literals) {
  EXPECT_EQ(Text("42"), "42");
  EXPECT_EQ(Text("1.5"), "1.5");
  EXPECT_EQ(Text("1."), "1.0");
  EXPECT_EQ(Text(".5"), "0.5");
  EXPECT_EQ(Text("1e3"), "1000.0");
  EXPECT_EQ(Text("2.5E-3"), "0.0025");
  EXPECT_EQ(Text("1e+2"), "100.0");
  EXPECT_EQ(Text("'it''s'"), "'it''s'");
  EXPECT_EQ(Text("''"), "''");
  EXPECT_EQ(Text("TRUE"), "TRUE");
  EXPECT_EQ(Text("false"), "FALSE");
  EXPECT_EQ(Text("Null"), "NULL");
  EXPECT_EQ(Text("date '2024-01-31'"), "date '2024-01-31'");
  EXPECT_EQ(Text("DATE '2024-02-29'"), "date '2024-02-29'");
  EXPECT_EQ(Text("timestamp '2024-01-31 12:00:00'"), "timestamp '2024-01-31 12:00:00'");
  EXPECT_EQ(Text("TIMESTAMP '2024-01-31T12:00:00.25+01:00'"), "timestamp '2024-01-31 11:00:00.25'");

  ExprPtr e = Parse("42");
  EXPECT_TRUE(e->value.Equals(Scalar::Int(42)));
  e = Parse("'abc'");
  EXPECT_TRUE(e->value.Equals(Scalar::String("abc")));
  e = Parse("date '1970-01-02'");
  EXPECT_TRUE(e->value.Equals(Scalar::Date(1)));
  e = Parse("timestamp '1970-01-01 00:00:01'");
  EXPECT_TRUE(e->value.Equals(Scalar::Timestamp(1000000)));
  EXPECT_TRUE(e->value.type->Equals(*timestamp(TimeUnit::kMicro)));
  e = Parse("null");
  EXPECT_TRUE(e->value.Equals(Scalar::Null()));
}

TEST(ParserTest, IntegerLiteralWidths) {
  EXPECT_TRUE(Parse("9223372036854775807")->value.Equals(Scalar::Int(std::numeric_limits<int64_t>::max())));
  EXPECT_TRUE(Parse("9223372036854775808")->value.Equals(Scalar::UInt(uint64_t{1} << 63)));
  EXPECT_TRUE(
      Parse("18446744073709551615")->value.Equals(Scalar::UInt(std::numeric_limits<uint64_t>::max())));
  EXPECT_TRUE(Parse("18446744073709551616")->value.Equals(Scalar::Double(18446744073709551616.0)));
  EXPECT_TRUE(Parse("-9223372036854775808")->value.Equals(Scalar::Int(std::numeric_limits<int64_t>::min())));
  EXPECT_TRUE(Parse("-9223372036854775809")->value.Equals(Scalar::Double(-9223372036854775809.0)));
  EXPECT_TRUE(Parse("-0")->value.Equals(Scalar::Int(0)));
  EXPECT_TRUE(Parse("1e999")->value.Equals(Scalar::Double(std::numeric_limits<double>::infinity())));
  EXPECT_TRUE(Parse("1e-999")->value.Equals(Scalar::Double(0)));
  EXPECT_TRUE(Parse("0.0000001e-400")->value.Equals(Scalar::Double(0)));
  EXPECT_TRUE(Parse("100000e-312")->value.Equals(Scalar::Double(1e-307)));
  EXPECT_TRUE(Parse("5e-324")->value.Equals(Scalar::Double(5e-324)));
}

TEST(ParserTest, NegativeLiteralsAreFolded) {
  ExprPtr e = Parse("-5");
  ASSERT_EQ(e->kind, ExprKind::kLiteral);
  EXPECT_TRUE(e->value.Equals(Scalar::Int(-5)));
  e = Parse("- 2.5");
  ASSERT_EQ(e->kind, ExprKind::kLiteral);
  EXPECT_TRUE(e->value.Equals(Scalar::Double(-2.5)));
  e = Parse("x > -1");
  EXPECT_EQ(e->args[1]->kind, ExprKind::kLiteral);
  EXPECT_EQ(e->args[1]->position, 4);
  EXPECT_EQ(Text("a - -5"), "(a - -5)");
  EXPECT_EQ(Text("a--5"), "a");  // "--" starts a comment, as in DataFusion
  // Not folded: the operand is not a bare number.
  EXPECT_EQ(Text("-x"), "(- x)");
  EXPECT_EQ(Text("-(5)"), "(- (5))");
  EXPECT_EQ(Text("- -5"), "(- -5)");
  EXPECT_EQ(Text("-5::int"), "(- CAST(5 AS int32))");
  EXPECT_EQ(Text("CAST(-5 AS int)"), "CAST(-5 AS int32)");
  EXPECT_EQ(Text("+5"), "5");
  EXPECT_EQ(Text("+x"), "x");
  EXPECT_EQ(Text("-1e999"), "-1e999");
}

TEST(ParserTest, Columns) {
  ExprPtr e = Parse("price");
  ASSERT_EQ(e->kind, ExprKind::kColumn);
  EXPECT_EQ(e->path, std::vector<std::string>{"price"});
  e = Parse("\"My Price\"");
  EXPECT_EQ(e->path, std::vector<std::string>{"My Price"});
  e = Parse("`Unit Price`");
  EXPECT_EQ(e->path, std::vector<std::string>{"Unit Price"});
  e = Parse("meta.source");
  EXPECT_EQ(e->path, (std::vector<std::string>{"meta", "source"}));
  e = Parse("\"meta\".\"my field\"");
  EXPECT_EQ(e->path, (std::vector<std::string>{"meta", "my field"}));
  e = Parse("a.`b c`.d");
  EXPECT_EQ(e->path, (std::vector<std::string>{"a", "b c", "d"}));
  e = Parse("meta.end");  // keywords are fine after a dot
  EXPECT_EQ(e->path, (std::vector<std::string>{"meta", "end"}));
  e = Parse("CamelCase");  // as written; the binder decides about case
  EXPECT_EQ(e->path, std::vector<std::string>{"CamelCase"});
  e = Parse("date");  // not a literal without a string after it
  EXPECT_EQ(e->path, std::vector<std::string>{"date"});
  e = Parse("\"a\"\"b\"");
  EXPECT_EQ(e->path, std::vector<std::string>{"a\"b"});
  e = Parse("`a``b`");
  EXPECT_EQ(e->path, std::vector<std::string>{"a`b"});
  e = Parse("caf\xc3\xa9");
  EXPECT_EQ(e->path, std::vector<std::string>{"caf\xc3\xa9"});
  EXPECT_EQ(Text("meta.\"end\""), "meta.\"end\"");
  EXPECT_EQ(Text("\"Date\" > 1"), "(\"Date\" > 1)");
}

TEST(ParserTest, Operators) {
  EXPECT_EQ(Text("a = 1"), "(a = 1)");
  EXPECT_EQ(Text("a == 1"), "(a = 1)");
  EXPECT_EQ(Text("a <> 1"), "(a <> 1)");
  EXPECT_EQ(Text("a != 1"), "(a <> 1)");
  EXPECT_EQ(Text("a < 1"), "(a < 1)");
  EXPECT_EQ(Text("a <= 1"), "(a <= 1)");
  EXPECT_EQ(Text("a > 1"), "(a > 1)");
  EXPECT_EQ(Text("a >= 1"), "(a >= 1)");
  EXPECT_EQ(Text("a + b - c"), "((a + b) - c)");
  EXPECT_EQ(Text("a * b / c % d"), "(((a * b) / c) % d)");
  EXPECT_EQ(Text("a || b || 'c'"), "((a || b) || 'c')");
  EXPECT_EQ(Text("a IS NULL"), "(a IS NULL)");
  EXPECT_EQ(Text("a is not null"), "(a IS NOT NULL)");
  EXPECT_EQ(Text("a IN (1, 2, 3)"), "(a IN (1, 2, 3))");
  EXPECT_EQ(Text("a not in ('x')"), "(a NOT IN ('x'))");
  EXPECT_EQ(Text("a BETWEEN 1 AND 10"), "(a BETWEEN 1 AND 10)");
  EXPECT_EQ(Text("a NOT BETWEEN 1 + 1 AND 10"), "(a NOT BETWEEN (1 + 1) AND 10)");
  EXPECT_EQ(Text("name LIKE 'a%'"), "(name LIKE 'a%')");
  EXPECT_EQ(Text("name NOT LIKE 'a%'"), "(name NOT LIKE 'a%')");
  EXPECT_EQ(Text("name ILIKE 'a%'"), "(name ILIKE 'a%')");
  EXPECT_EQ(Text("name not ilike 'a%'"), "(name NOT ILIKE 'a%')");
  EXPECT_EQ(Text("NOT a"), "(NOT a)");
  EXPECT_EQ(Text("not not a"), "(NOT (NOT a))");

  ExprPtr e = Parse("a NOT IN (1, 2)");
  ASSERT_EQ(e->kind, ExprKind::kIn);
  EXPECT_TRUE(e->negated);
  ASSERT_EQ(e->args.size(), 3u);
  e = Parse("a NOT ILIKE 'x'");
  ASSERT_EQ(e->kind, ExprKind::kLike);
  EXPECT_TRUE(e->negated);
  EXPECT_TRUE(e->case_insensitive);
  e = Parse("a IS NOT NULL");
  ASSERT_EQ(e->kind, ExprKind::kIsNull);
  EXPECT_TRUE(e->negated);
}

TEST(ParserTest, Precedence) {
  EXPECT_EQ(Text("a OR b AND c"), "(a OR (b AND c))");
  EXPECT_EQ(Text("a AND b OR c"), "((a AND b) OR c)");
  EXPECT_EQ(Text("NOT a AND b"), "((NOT a) AND b)");
  EXPECT_EQ(Text("NOT a = 1"), "(NOT (a = 1))");
  EXPECT_EQ(Text("a = 1 AND b > 2 OR c < 3"), "(((a = 1) AND (b > 2)) OR (c < 3))");
  EXPECT_EQ(Text("a + b * c"), "(a + (b * c))");
  EXPECT_EQ(Text("(a + b) * c"), "((a + b) * c)");
  EXPECT_EQ(Text("a + b > c * 2"), "((a + b) > (c * 2))");
  EXPECT_EQ(Text("a || b = c"), "((a || b) = c)");
  EXPECT_EQ(Text("a + b || c"), "((a + b) || c)");
  EXPECT_EQ(Text("-a * b"), "((- a) * b)");
  EXPECT_EQ(Text("-a::int"), "(- CAST(a AS int32))");
  EXPECT_EQ(Text("a BETWEEN 1 AND 2 AND b"), "((a BETWEEN 1 AND 2) AND b)");
  EXPECT_EQ(Text("a BETWEEN b || 'x' AND 'z'"), "(a BETWEEN (b || 'x') AND 'z')");
  EXPECT_EQ(Text("a + 1 IN (2, 3)"), "((a + 1) IN (2, 3))");
  EXPECT_EQ(Text("a || 'x' LIKE 'y%'"), "((a || 'x') LIKE 'y%')");
  EXPECT_EQ(Text("a + 1 IS NULL"), "((a + 1) IS NULL)");
  EXPECT_EQ(Text("NOT a IS NULL"), "(NOT (a IS NULL))");
  EXPECT_EQ(Text("x::text::int"), "CAST(CAST(x AS string) AS int32)");
  // AND / OR chains are balanced; three operands are left-deep.
  EXPECT_EQ(Text("a AND b AND c"), "((a AND b) AND c)");
  EXPECT_EQ(Text("a OR b OR c OR d"), "((a OR b) OR (c OR d))");
  EXPECT_EQ(Text("a AND b AND c AND d AND e"), "(((a AND b) AND c) AND (d AND e))");
}

TEST(ParserTest, CastTypes) {
  struct Case {
    const char* sql;
    const char* type;
  };
  for (const Case& c : std::vector<Case>{
           {"CAST(x AS INT)", "int32"},
           {"CAST(x AS integer)", "int32"},
           {"CAST(x AS BIGINT)", "int64"},
           {"CAST(x AS SMALLINT)", "int16"},
           {"CAST(x AS TINYINT)", "int8"},
           {"CAST(x AS INT UNSIGNED)", "uint32"},
           {"CAST(x AS BIGINT UNSIGNED)", "uint64"},
           {"CAST(x AS REAL)", "float"},
           {"CAST(x AS FLOAT)", "float"},
           {"CAST(x AS DOUBLE)", "double"},
           {"CAST(x AS DOUBLE PRECISION)", "double"},
           {"CAST(x AS VARCHAR)", "string"},
           {"CAST(x AS VARCHAR(255))", "string"},
           {"CAST(x AS STRING)", "string"},
           {"CAST(x AS TEXT)", "string"},
           {"CAST(x AS BOOLEAN)", "bool"},
           {"CAST(x AS bool)", "bool"},
           {"CAST(x AS DATE)", "date32"},
           {"CAST(x AS TIMESTAMP)", "timestamp[us]"},
           {"CAST(x AS TIMESTAMP(3))", "timestamp[ms]"},
           {"CAST(x AS TIMESTAMP(9))", "timestamp[ns]"},
           {"CAST(x AS bytea)", "binary"},
           {"CAST(x AS int8)", "int8"},
           {"CAST(x AS INT64)", "int64"},
           {"CAST(x AS uint16)", "uint16"},
           {"CAST(x AS float16)", "halffloat"},
           {"CAST(x AS float32)", "float"},
           {"CAST(x AS float64)", "double"},
           {"CAST(x AS large_string)", "large_string"},
           {"CAST(x AS date32)", "date32"},
           {"CAST(x AS timestamp[ms])", "timestamp[ms]"},
           {"CAST(x AS timestamp [ns, tz=UTC])", "timestamp[ns, tz=UTC]"},
           {"CAST(x AS list<int32>)", "list<int32>"},
           {"CAST(x AS fixed_size_list<float>[4])", "fixed_size_list<float>[4]"},
           {"CAST(x AS struct<a: int32, \"b c\": list<string>>)", "struct<a: int32, \"b c\": list<string>>"},
           {"x::int", "int32"},
           {"x::timestamp[ms]", "timestamp[ms]"},
           {"x :: struct<a: int32>", "struct<a: int32>"},
       }) {
    SCOPED_TRACE(c.sql);
    ExprPtr e = Parse(c.sql);
    ASSERT_TRUE(e);
    ASSERT_EQ(e->kind, ExprKind::kCast);
    EXPECT_EQ(e->cast_type->ToString(), c.type);
    ExpectRoundTrip(c.sql);
  }
  // Parsing resumes correctly after a type read as raw text.
  EXPECT_EQ(Text("x::list<int32> = y AND z"), "((CAST(x AS list<int32>) = y) AND z)");
  EXPECT_EQ(Text("x::timestamp[ms] > timestamp '2024-01-01 00:00:00'"),
            "(CAST(x AS timestamp[ms]) > timestamp '2024-01-01 00:00:00')");
  EXPECT_EQ(Text("x::int32<5"), "(CAST(x AS int32) < 5)");
  EXPECT_EQ(Text("x::int>5"), "(CAST(x AS int32) > 5)");
}

TEST(ParserTest, CastErrors) {
  Result<ExprPtr> r = ParseExpression("CAST(price AS DECIMAL(10, 2))");
  EXPECT_TRUE(r.status().IsNotSupported());
  EXPECT_EQ(
      r.status().message(),
      "type DECIMAL is not supported (cast to DOUBLE instead) at position 14 in \"CAST(price AS DECIMAL(10, "
      "2))\"");
  EXPECT_TRUE(ParseExpression("x::numeric").status().IsNotSupported());
  EXPECT_EQ(ErrorOf("CAST(x AS foo)"), "unknown type \"foo\" at position 10 in \"CAST(x AS foo)\"");
  EXPECT_EQ(ErrorOf("CAST(x AS list<foo>)"),
            "unknown type \"list<foo>\" at position 10 in \"CAST(x AS list<foo>)\": cannot parse type "
            "\"list<foo>\": unknown type \"foo\" at position 5");
  EXPECT_EQ(ErrorOf("CAST(x AS list)"), "expected '<' but found ')' at position 14 in \"CAST(x AS list)\"");
  EXPECT_EQ(ErrorOf("x::list<int32"), "unexpected end of input at position 13 in \"x::list<int32\"");
  EXPECT_EQ(ErrorOf("CAST(x AS TIMESTAMP(4))"),
            "timestamp precision must be 0, 3, 6 or 9, not 4 at position 10 in \"CAST(x AS TIMESTAMP(4))\"");
  EXPECT_EQ(ErrorOf("CAST(x AS 5)"), "unexpected token '5' at position 10 in \"CAST(x AS 5)\"");
  EXPECT_EQ(ErrorOf("CAST(x, int)"), "unexpected token ',' at position 6 in \"CAST(x, int)\"");
  EXPECT_EQ(ErrorOf("CAST(x AS int"), "unexpected end of input at position 13 in \"CAST(x AS int\"");
}

TEST(ParserTest, Case) {
  EXPECT_EQ(Text("CASE WHEN a > 1 THEN 'big' ELSE 'small' END"),
            "CASE WHEN (a > 1) THEN 'big' ELSE 'small' END");
  EXPECT_EQ(Text("case x when 1 then 'one' when 2 then 'two' end"),
            "CASE x WHEN 1 THEN 'one' WHEN 2 THEN 'two' END");
  ExprPtr e = Parse("CASE x WHEN 1 THEN 'a' ELSE 'b' END");
  ASSERT_EQ(e->kind, ExprKind::kCase);
  EXPECT_TRUE(e->has_operand);
  EXPECT_TRUE(e->has_else);
  EXPECT_EQ(e->args.size(), 4u);
  e = Parse("CASE WHEN a THEN 1 WHEN b THEN 2 END");
  EXPECT_FALSE(e->has_operand);
  EXPECT_FALSE(e->has_else);
  EXPECT_EQ(e->args.size(), 4u);
  EXPECT_EQ(ErrorOf("CASE END"), "unexpected token 'END' at position 5 in \"CASE END\"");
  EXPECT_EQ(ErrorOf("CASE x ELSE 1 END"), "unexpected token 'ELSE' at position 7 in \"CASE x ELSE 1 END\"");
  EXPECT_EQ(ErrorOf("CASE WHEN a THEN 1"),
            "unexpected end of input at position 18 in \"CASE WHEN a THEN 1\"");
  EXPECT_EQ(ErrorOf("CASE WHEN a 1 END"), "unexpected token '1' at position 12 in \"CASE WHEN a 1 END\"");
}

TEST(ParserTest, Calls) {
  ExprPtr e = Parse("LOWER(name)");
  ASSERT_EQ(e->kind, ExprKind::kCall);
  EXPECT_EQ(e->function, "lower");
  EXPECT_EQ(e->args.size(), 1u);
  e = Parse("now()");
  ASSERT_EQ(e->kind, ExprKind::kCall);
  EXPECT_EQ(e->function, "now");
  EXPECT_TRUE(e->args.empty());
  EXPECT_EQ(Text("Array_Has_Any(tags, ['a', 'b'])"), "array_has_any(tags, make_array('a', 'b'))");
  EXPECT_EQ(Text("coalesce(a, b + 1, 0)"), "coalesce(a, (b + 1), 0)");
  EXPECT_EQ(Text("[]"), "make_array()");
  EXPECT_EQ(Text("date(x)"), "date(x)");
  EXPECT_EQ(ErrorOf("f(a,)"), "unexpected token ')' at position 4 in \"f(a,)\"");
  EXPECT_EQ(ErrorOf("f(a"), "unexpected end of input at position 3 in \"f(a\"");
}

TEST(ParserTest, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(Text("a and b Or NoT c"), "((a AND b) OR (NOT c))");
  EXPECT_EQ(Text("a Between 1 aNd 2"), "(a BETWEEN 1 AND 2)");
  EXPECT_EQ(Text("cast(a as Int)"), "CAST(a AS int32)");
  EXPECT_EQ(Text("a iS nOt NuLl"), "(a IS NOT NULL)");
}

TEST(ParserTest, Comments) {
  EXPECT_EQ(Text("a > 1 -- the price\n AND b"), "((a > 1) AND b)");
  EXPECT_EQ(Text("a /* x */ > /**/ 1"), "(a > 1)");
  EXPECT_EQ(ErrorOf("a > /* 1"), "unterminated comment starting at position 4 in \"a > /* 1\"");
}

TEST(ParserTest, Positions) {
  ExprPtr e = Parse("price > 10 AND name = 'x'");
  EXPECT_EQ(e->position, 0);
  EXPECT_EQ(e->args[0]->position, 0);
  EXPECT_EQ(e->args[0]->args[1]->position, 8);
  EXPECT_EQ(e->args[1]->position, 15);
  EXPECT_EQ(e->args[1]->args[1]->position, 22);
  e = Parse("  NOT f(x)");
  EXPECT_EQ(e->position, 2);
  EXPECT_EQ(e->args[0]->position, 6);
  EXPECT_EQ(e->args[0]->args[0]->position, 8);
  e = Parse("x::int");
  EXPECT_EQ(e->position, 0);
  e = Parse("a + date '2024-01-01'");
  EXPECT_EQ(e->args[1]->position, 4);
}

TEST(ParserTest, ErrorMessages) {
  EXPECT_EQ(ErrorOf("price > 10 AND )"), "unexpected token ')' at position 15 in \"price > 10 AND )\"");
  EXPECT_EQ(ErrorOf("price >"), "unexpected end of input at position 7 in \"price >\"");
  EXPECT_EQ(ErrorOf("price > "), "unexpected end of input at position 8 in \"price > \"");
  EXPECT_EQ(ErrorOf(""), "unexpected end of input at position 0 in \"\"");
  EXPECT_EQ(ErrorOf("   "), "unexpected end of input at position 3 in \"   \"");
  EXPECT_EQ(ErrorOf("a b"), "unexpected token 'b' at position 2 in \"a b\"");
  EXPECT_EQ(ErrorOf("a = 1 = 2"), "unexpected token '=' at position 6 in \"a = 1 = 2\"");
  EXPECT_EQ(ErrorOf("name = 'abc"), "unterminated string starting at position 7 in \"name = 'abc\"");
  EXPECT_EQ(ErrorOf("\"my col = 1"), "unterminated quoted name starting at position 0 in \"\"my col = 1\"");
  EXPECT_EQ(ErrorOf("`x = 1"), "unterminated quoted name starting at position 0 in \"`x = 1\"");
  EXPECT_EQ(ErrorOf("a = \"\""), "empty quoted name at position 4 in \"a = \"\"\"");
  EXPECT_EQ(ErrorOf("a # 1"), "unexpected character '#' at position 2 in \"a # 1\"");
  EXPECT_EQ(ErrorOf("a ! 1"), "unexpected character '!' at position 2 in \"a ! 1\"");
  EXPECT_EQ(ErrorOf("a | b"), "unexpected character '|' at position 2 in \"a | b\"");
  EXPECT_EQ(ErrorOf(std::string("a = \x01", 5)),
            "unexpected character '\\x01' at position 4 in \"a = \x01\"");
  EXPECT_EQ(ErrorOf("a = 'x' 'y'"), "unexpected string 'y' at position 8 in \"a = 'x' 'y'\"");
  EXPECT_EQ(ErrorOf("a AND"), "unexpected end of input at position 5 in \"a AND\"");
  EXPECT_EQ(ErrorOf("AND a"), "unexpected token 'AND' at position 0 in \"AND a\"");
  EXPECT_EQ(ErrorOf("a NOT 1"), "unexpected token 'NOT' at position 2 in \"a NOT 1\"");
  EXPECT_EQ(ErrorOf("a IN 1"), "unexpected token '1' at position 5 in \"a IN 1\"");
  EXPECT_EQ(ErrorOf("a IN ()"), "unexpected token ')' at position 6 in \"a IN ()\"");
  EXPECT_EQ(ErrorOf("a IS 1"), "unexpected token '1' at position 5 in \"a IS 1\"");
  EXPECT_EQ(ErrorOf("a BETWEEN 1 OR 2"), "unexpected token 'OR' at position 12 in \"a BETWEEN 1 OR 2\"");
  EXPECT_EQ(ErrorOf("(a"), "unexpected end of input at position 2 in \"(a\"");
  EXPECT_EQ(ErrorOf("a)"), "unexpected token ')' at position 1 in \"a)\"");
  EXPECT_EQ(ErrorOf("a.5"), "unexpected token '.5' at position 1 in \"a.5\"");
  EXPECT_EQ(ErrorOf("a."), "unexpected end of input at position 2 in \"a.\"");
  EXPECT_EQ(ErrorOf("1abc"), "unexpected token 'abc' at position 1 in \"1abc\"");
  EXPECT_EQ(ErrorOf("x > 1 )'abc"), "unexpected token ')' at position 6 in \"x > 1 )'abc\"");
  EXPECT_EQ(ErrorOf("- 5 'abc"), "unterminated string starting at position 4 in \"- 5 'abc\"");
  // Bad dates and timestamps say why and where.
  EXPECT_EQ(ErrorOf("d = date '2024-13-01'"),
            "cannot parse \"2024-13-01\" as a date (expected YYYY-MM-DD) at position 9 in \"d = date "
            "'2024-13-01'\"");
  EXPECT_EQ(
      ErrorOf("t > timestamp '2024-01-01 25:00'"),
      "cannot parse \"2024-01-01 25:00\" as a timestamp: time of day out of range at position 14 in \"t > "
      "timestamp '2024-01-01 25:00'\"");
}

TEST(ParserTest, NestingIsLimited) {
  std::string deep = std::string(kMaxDepth - 1, '(') + "x" + std::string(kMaxDepth - 1, ')');
  EXPECT_TRUE(ParseExpression(deep).ok());
  std::string too_deep = std::string(100000, '(') + "x" + std::string(100000, ')');
  EXPECT_THAT(ErrorOf(too_deep), HasSubstr("expression nests more than 256 levels deep at position 256"));
  std::string minuses;
  for (int i = 0; i < 100000; ++i) minuses += "- ";
  EXPECT_THAT(ErrorOf(minuses + "x"), HasSubstr("nests more than 256 levels"));
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "NOT ";
  EXPECT_THAT(ErrorOf(nots + "x"), HasSubstr("nests more than 256 levels"));
  std::string calls;
  for (int i = 0; i < 100000; ++i) calls += "f(";
  EXPECT_THAT(ErrorOf(calls), HasSubstr("nests more than 256 levels"));
  // Left-deep chains count their height too.
  std::string sum = "x";
  for (int i = 0; i < 100000; ++i) sum += " + 1";
  EXPECT_THAT(ErrorOf(sum), HasSubstr("nests more than 256 levels"));
  std::string casts = "x";
  for (int i = 0; i < 100000; ++i) casts += "::int";
  EXPECT_THAT(ErrorOf(casts), HasSubstr("nests more than 256 levels"));
  // Long AND / OR chains are balanced, so they parse.
  std::string ors = "id = 0";
  for (int i = 1; i < 100000; ++i) ors += " OR id = " + std::to_string(i);
  ExprPtr e = Parse(ors);
  ASSERT_TRUE(e);
  int height = 0;
  for (const Expr* n = e.get(); n->kind == ExprKind::kBinary && n->binary_op == BinaryOp::kOr;
       n = n->args[0].get()) {
    ++height;
  }
  EXPECT_EQ(height, 17);  // ceil(log2(100000))
  // Long IN lists are one node.
  std::string in = "id IN (0";
  for (int i = 1; i < 100000; ++i) in += ", " + std::to_string(i);
  e = Parse(in + ")");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->args.size(), 100001u);
}

TEST(ParserTest, RoundTrips) {
  for (const char* sql : {
           "price > 10 AND name = 'x'",
           "a OR b AND NOT c",
           "x IN (1, 2, 3) OR y NOT IN ('a', 'b')",
           "x BETWEEN -1 AND 1.5e10",
           "x NOT BETWEEN a AND b || 'z'",
           "name LIKE 'a%' AND name NOT ILIKE '%B_'",
           "x IS NULL OR y IS NOT NULL",
           "-x + -5 * (3 - -2.5) / 7 % 2",
           "- -5",
           "-(5)",
           "-(-5)",
           "-5::int",
           "-(1e999)",
           "- 9223372036854775808",
           "-18446744073709551616",
           "9223372036854775808 + 18446744073709551616",
           "'it''s' || \"my col\" || `Other Col`",
           "meta.source = 'web' AND \"meta\".\"my field\" > 1",
           "CAST(x AS BIGINT UNSIGNED) + x::double",
           "CASE WHEN a > 1 THEN 'x' WHEN a < 0 THEN 'y' ELSE NULL END",
           "CASE a + 1 WHEN 2 THEN TRUE END",
           "array_has_any(tags, ['a', 'b']) AND array_length(v) = 3",
           "now() > timestamp '2024-01-01T10:00:00.123456Z'",
           "d >= date '2024-01-01' AND d < date '2024-02-01'",
           "NOT (a = 1 OR b = 2)",
           "NOT NOT a",
           "(a = b) = (c = d)",
           "(a IS NULL) IS NULL",
           "(a IN (1)) IN (TRUE)",
           "(a LIKE 'x') LIKE 'y'",
           "(a BETWEEN 1 AND 2) BETWEEN FALSE AND TRUE",
           "x = 1 AND y = 2 AND z = 3 AND w = 4 AND v = 5",
           "a OR b OR c OR d OR e OR f OR g",
           "\"and\" = \"Date\" AND \"select\" = `timestamp`",
           "\"a\"\"b\" = 1",
           "1.0 + 0.1 + 1e-07 + 123456789012345680000.0 + 5e-324",
           "CAST(x AS struct<a: int32, \"b c\": list<string>>) IS NULL",
           "CAST(x AS timestamp[ns, tz=UTC]) > timestamp '2024-01-01 00:00:00'",
           "CAST(NULL AS int)",
           "x % 2 = 0",
           "lower(name) || upper(\"Name\") LIKE '%ab%'",
       }) {
    ExpectRoundTrip(sql);
  }
}

// A random expression over every node kind, as SQL text.
class RandomSql {
 public:
  explicit RandomSql(uint64_t seed) : rng_(seed) {}

  std::string Expr(int depth) {
    if (depth <= 0 || Pick(5) == 0) return Leaf();
    switch (Pick(13)) {
      case 0:
        return Operand(depth - 1) + " " + kBinary[Pick(std::size(kBinary))] + " " + Operand(depth - 1);
      case 1:
        return "NOT " + Operand(depth - 1);
      case 2:
        return "- " + Operand(depth - 1);
      case 3:
        return "(" + Expr(depth - 1) + ")";
      case 4:
        return Operand(depth - 1) + (Pick(2) ? " IS NULL" : " IS NOT NULL");
      case 5:
        return Operand(depth - 1) + (Pick(2) ? " IN (" : " NOT IN (") + Expr(depth - 1) + ", " + Leaf() + ")";
      case 6:
        return Operand(depth - 1) + (Pick(2) ? " BETWEEN " : " NOT BETWEEN ") + Leaf() + " AND " + Leaf();
      case 7:
        return Operand(depth - 1) + (Pick(2) ? " LIKE " : " NOT ILIKE ") + Leaf();
      case 8:
        return "CAST(" + Expr(depth - 1) + " AS " + kTypes[Pick(std::size(kTypes))] + ")";
      case 9:
        return Leaf() + "::" + kTypes[Pick(std::size(kTypes))];
      case 10:
        return "CASE " + std::string(Pick(2) ? Leaf() + " " : "") + "WHEN " + Expr(depth - 1) + " THEN " +
               Expr(depth - 1) + (Pick(2) ? " ELSE " + Leaf() : "") + " END";
      case 11:
        return "f" + std::to_string(Pick(3)) + "(" + (Pick(3) ? Expr(depth - 1) : "") + ")";
      default:
        return "[" + Leaf() + ", " + Expr(depth - 1) + "]";
    }
  }

 private:
  static constexpr const char* kBinary[] = {"=", "<>", "<", "<=", ">", ">=", "AND", "OR",
                                            "+", "-",  "*", "/",  "%", "||", "==",  "!="};
  static constexpr const char* kTypes[] = {"int",  "BIGINT UNSIGNED", "double",      "string",
                                           "date", "timestamp[ms]",   "list<int32>", "float16"};

  // Mostly parenthesised, so that most texts parse; the rest test how
  // operators of different precedence combine.
  std::string Operand(int depth) { return Pick(4) == 0 ? Expr(depth) : "(" + Expr(depth) + ")"; }

  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::string Leaf() {
    switch (Pick(12)) {
      case 0:
        return std::to_string(Pick(1000));
      case 1:
        return std::to_string(Pick(1000)) + "." + std::to_string(Pick(100));
      case 2:
        return "-" + std::to_string(Pick(100));
      case 3:
        return "'s" + std::string(Pick(2) ? "''" : "") + "'";
      case 4:
        return Pick(2) ? "TRUE" : "NULL";
      case 5:
        return "date '2024-01-0" + std::to_string(1 + Pick(9)) + "'";
      case 6:
        return "timestamp '2024-01-01 10:00:0" + std::to_string(Pick(10)) + ".5'";
      case 7:
        return "\"Col " + std::to_string(Pick(3)) + "\"";
      case 8:
        return "meta.`x y`";
      case 9:
        return "18446744073709551615";
      case 10:
        return "1e" + std::to_string(Pick(400));
      default:
        return "c" + std::to_string(Pick(5));
    }
  }

  std::mt19937_64 rng_;
};

TEST(ParserTest, RandomRoundTrips) {
  RandomSql gen(20240131);
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string sql = gen.Expr(5);
    Result<ExprPtr> e = ParseExpression(sql);
    if (!e.ok()) {
      // The generator makes only a few invalid forms (a comparison chained
      // with another), which must fail as InvalidArgument.
      ASSERT_TRUE(e.status().IsInvalidArgument()) << sql << ": " << e.status().ToString();
      continue;
    }
    ++parsed;
    ExpectRoundTrip(sql);
    if (HasFailure()) break;
  }
  EXPECT_GT(parsed, 1000);
}

TEST(ParseSelectListTest, Items) {
  Result<std::vector<SelectItem>> r = ParseSelectList("id, price * 1.2 AS gross, lower(name) n, meta.source");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].alias, "id");
  EXPECT_EQ((*r)[0].expr->ToString(), "id");
  EXPECT_EQ((*r)[1].alias, "gross");
  EXPECT_EQ((*r)[1].expr->ToString(), "(price * 1.2)");
  EXPECT_EQ((*r)[2].alias, "n");
  EXPECT_EQ((*r)[3].alias, "source");
  r = ParseSelectList("price * 2, \"My Col\" AS \"Out Col\", x `y`");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].alias, "(price * 2)");
  EXPECT_EQ((*r)[1].alias, "Out Col");
  EXPECT_EQ((*r)[2].alias, "y");
  r = ParseSelectList("a = 1 OR b date");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].alias, "date");
}

TEST(ParseSelectListTest, Errors) {
  EXPECT_EQ(ParseSelectList("").status().message(), "unexpected end of input at position 0 in \"\"");
  EXPECT_EQ(ParseSelectList("a,").status().message(), "unexpected end of input at position 2 in \"a,\"");
  EXPECT_EQ(ParseSelectList("a AS").status().message(), "unexpected end of input at position 4 in \"a AS\"");
  EXPECT_EQ(ParseSelectList("a AS and").status().message(),
            "unexpected token 'and' at position 5 in \"a AS and\"");
  EXPECT_EQ(ParseSelectList("a b c").status().message(), "unexpected token 'c' at position 4 in \"a b c\"");
  EXPECT_EQ(ParseSelectList("*").status().message(), "unexpected token '*' at position 0 in \"*\"");
}

TEST(ParseAssignmentTest, Forms) {
  Result<Assignment> a = ParseAssignment("price = price * 1.1");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->column, "price");
  EXPECT_EQ(a->expr->ToString(), "(price * 1.1)");
  a = ParseAssignment("\"My Col\" = 'x' || y");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->column, "My Col");
  EXPECT_EQ(a->expr->ToString(), "('x' || y)");
  a = ParseAssignment("`flag` = a > 1 AND b");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->column, "flag");
  EXPECT_EQ(a->expr->ToString(), "((a > 1) AND b)");
  EXPECT_EQ(ParseAssignment("price").status().message(),
            "unexpected end of input at position 5 in \"price\"");
  EXPECT_EQ(ParseAssignment("price > 1").status().message(),
            "unexpected token '>' at position 6 in \"price > 1\"");
  EXPECT_EQ(ParseAssignment("1 = 2").status().message(), "unexpected token '1' at position 0 in \"1 = 2\"");
  EXPECT_EQ(ParseAssignment("meta.x = 2").status().message(),
            "unexpected token '.' at position 4 in \"meta.x = 2\"");
  EXPECT_EQ(ParseAssignment("x = 1 2").status().message(),
            "unexpected token '2' at position 6 in \"x = 1 2\"");
}

}  // namespace
}  // namespace quiver::expr
