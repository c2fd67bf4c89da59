#include "expr/bind.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expr/parser.h"

namespace quiver::expr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Schema TestSchema() {
  return Schema({
      Field("id", int64()),
      Field("qty", int32()),
      Field("price", float64()),
      Field("score", float32()),
      Field("name", utf8()),
      Field("Category", utf8()),
      Field("flag", boolean()),
      Field("day", date32()),
      Field("ts", timestamp(TimeUnit::kMicro)),
      Field("tags", list(utf8())),
      Field("meta", struct_({Field("source", utf8()), Field("rank", int16())})),
  });
}

BoundExprPtr MustCompile(std::string_view sql) {
  auto r = CompileExpression(sql, TestSchema());
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

std::string Bound(std::string_view sql) {
  BoundExprPtr e = MustCompile(sql);
  return e ? e->ToString() : "<error>";
}

Status CompileError(std::string_view sql) { return CompileExpression(sql, TestSchema()).status(); }

TEST(BindTest, ColumnComparedWithConstantPutsColumnFirstWithTheColumnsType) {
  BoundExprPtr e = MustCompile("3 = qty");
  ASSERT_EQ(e->function, "=");
  ASSERT_EQ(e->args[0]->kind, BoundExpr::Kind::kColumn);
  ASSERT_EQ(e->args[1]->kind, BoundExpr::Kind::kLiteral);
  EXPECT_EQ(e->args[1]->type->ToString(), "int32");
  EXPECT_EQ(e->args[1]->literal.type->ToString(), "int32");
  EXPECT_EQ(Bound("5 < qty"), "(qty > 5)");
  EXPECT_EQ(Bound("score > 0.5"), "(score > 0.5)");
  EXPECT_EQ(MustCompile("score > 0.5")->args[1]->type->ToString(), "float");
}

TEST(BindTest, FractionalConstantOnIntegerColumnIsRewrittenExactly) {
  EXPECT_EQ(Bound("qty > 2.5"), "(qty >= 3)");
  EXPECT_EQ(Bound("qty >= 2.5"), "(qty >= 3)");
  EXPECT_EQ(Bound("qty < 2.5"), "(qty <= 2)");
  EXPECT_EQ(Bound("qty <= -2.5"), "(qty <= -3)");
  // Equality with a fraction and out-of-range constants compare in a wider type.
  EXPECT_EQ(Bound("qty = 2.5"), "(CAST(qty AS double) = 2.5)");
  EXPECT_EQ(Bound("qty < 10000000000"), "(CAST(qty AS int64) < 10000000000)");
}

TEST(BindTest, StringConstantsBecomeDatesAndTimestamps) {
  BoundExprPtr e = MustCompile("day >= '2024-01-31'");
  EXPECT_EQ(e->args[1]->type->ToString(), "date32");
  EXPECT_EQ(e->ToString(), "(day >= date '2024-01-31')");
  e = MustCompile("'2024-01-31 12:00:00' < ts");
  EXPECT_EQ(e->function, ">");
  EXPECT_EQ(e->args[1]->type->ToString(), "timestamp[us]");
}

TEST(BindTest, RewritesBetweenNotInNotLikeIsNotNull) {
  EXPECT_EQ(Bound("qty BETWEEN 1 AND 5"), "((qty >= 1) AND (qty <= 5))");
  EXPECT_EQ(Bound("qty NOT BETWEEN 1 AND 5"), "(NOT ((qty >= 1) AND (qty <= 5)))");
  EXPECT_EQ(Bound("qty NOT IN (1, 2)"), "(NOT (qty IN (1, 2)))");
  EXPECT_EQ(Bound("name NOT LIKE 'a%'"), "(NOT (name LIKE 'a%'))");
  BoundExprPtr e = MustCompile("name IS NOT NULL");
  EXPECT_EQ(e->function, "not");
  EXPECT_EQ(e->args[0]->function, "is_null");
  EXPECT_FALSE(e->nullable);
}

TEST(BindTest, FoldsConstants) {
  BoundExprPtr e = MustCompile("price > 1 + 2 * 3");
  EXPECT_EQ(e->args[1]->kind, BoundExpr::Kind::kLiteral);
  EXPECT_EQ(e->ToString(), "(price > 7.0)");
  e = MustCompile("upper('abc') || 'd'");
  ASSERT_EQ(e->kind, BoundExpr::Kind::kLiteral);
  EXPECT_EQ(e->literal.ToString(), "'ABCd'");
  BindOptions opts;
  opts.now_micros = 86400 * int64_t{1000000};
  auto now = CompileExpression("now()", TestSchema(), opts);
  ASSERT_TRUE(now.ok());
  ASSERT_EQ((*now)->kind, BoundExpr::Kind::kLiteral);
  EXPECT_EQ(std::get<int64_t>((*now)->literal.value), 86400 * int64_t{1000000});
  EXPECT_THAT(CompileError("id > 1 / 0").message(), HasSubstr("division by zero"));
}

TEST(BindTest, ResolvesColumnsExactlyThenIgnoringCase) {
  EXPECT_EQ(MustCompile("category = 'x'")->args[0]->path, std::vector<std::string>{"Category"});
  EXPECT_EQ(MustCompile("META.SOURCE = 'x'")->args[0]->path, (std::vector<std::string>{"meta", "source"}));
  Schema two({Field("a", int32()), Field("A", int32())});
  auto r = CompileExpression("a = 1", two);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->args[0]->path[0], "a");
  EXPECT_THAT(CompileExpression("\"a\" = 1", two).status().ToString(), HasSubstr("OK"));
  Schema clash({Field("Ab", int32()), Field("aB", int32())});
  EXPECT_THAT(CompileExpression("ab = 1", clash).status().message(), HasSubstr("ambiguous"));
}

TEST(BindTest, ErrorsNameColumnTypesAndPosition) {
  Status st = CompileError("pirce > 1");
  EXPECT_TRUE(st.IsNotFound());
  EXPECT_EQ(st.message(), "unknown column \"pirce\" at position 0; did you mean \"price\"?");
  EXPECT_EQ(CompileError("name = 10").message(),
            "cannot compare column \"name\" (string) with 10 (int64) at position 0");
  EXPECT_THAT(CompileError("id > 1 AND name = 10").message(), HasSubstr("at position 11"));
  EXPECT_THAT(CompileError("flag AND price").message(),
              HasSubstr("AND needs a bool operand, got column \"price\" (double)"));
  auto p = CompilePredicate("price", TestSchema());
  EXPECT_EQ(p.status().message(), "a filter must be a bool expression, but column \"price\" is double");
  EXPECT_TRUE(CompilePredicate("flag", TestSchema()).ok());
  EXPECT_TRUE(CompilePredicate("NULL", TestSchema()).ok());
}

TEST(BindTest, ReferencedColumnsInFirstUseOrder) {
  BoundExprPtr e = MustCompile("price * qty > 10 AND meta.source = name OR qty = 1");
  EXPECT_THAT(ReferencedColumns(*e), ElementsAre("price", "qty", "meta", "name"));
  EXPECT_TRUE(ReferencedColumns(*MustCompile("1 + 1")).empty());
}

TEST(BindTest, SplitConjunctsFlattensNestedAnds) {
  BoundExprPtr e = MustCompile("qty > 1 AND (price < 2 AND name = 'a') AND (flag OR id = 1)");
  auto parts = SplitConjuncts(e);
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0]->ToString(), "(qty > 1)");
  EXPECT_EQ(parts[1]->ToString(), "(price < 2.0)");
  EXPECT_EQ(parts[2]->ToString(), "(name = 'a')");
  EXPECT_EQ(parts[3]->ToString(), "(flag OR (id = 1))");
  EXPECT_EQ(SplitConjuncts(MustCompile("flag")).size(), 1u);
}

TEST(BindTest, AsColumnPredicateRecognisesSimpleShapes) {
  using Op = ColumnPredicate::Op;
  auto cp = [](std::string_view sql) { return AsColumnPredicate(*MustCompile(sql)); };
  auto p = cp("qty = 3");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->op, Op::kEq);
  EXPECT_EQ(p->path, std::vector<std::string>{"qty"});
  ASSERT_EQ(p->values.size(), 1u);
  EXPECT_EQ(p->values[0].type->ToString(), "int32");
  EXPECT_EQ(cp("3 < qty")->op, Op::kGt);
  EXPECT_EQ(cp("qty <= 3")->op, Op::kLe);
  EXPECT_EQ(cp("qty >= 3")->op, Op::kGe);
  EXPECT_EQ(cp("qty < 3")->op, Op::kLt);
  EXPECT_EQ(cp("qty > 2.5")->op, Op::kGe);  // rewritten to qty >= 3
  EXPECT_EQ(cp("qty > 2.5")->values[0].ToString(), "3");
  EXPECT_EQ(cp("day = '2024-01-01'")->values[0].type->ToString(), "date32");
  auto in = cp("name IN ('a', NULL, 'b')");
  ASSERT_TRUE(in);
  EXPECT_EQ(in->op, Op::kIn);
  EXPECT_EQ(in->values.size(), 2u);
  EXPECT_EQ(cp("name IS NULL")->op, Op::kIsNull);
  EXPECT_EQ(cp("name IS NOT NULL")->op, Op::kIsNotNull);
  EXPECT_EQ(cp("meta.source = 'web'")->path, (std::vector<std::string>{"meta", "source"}));
  auto has = cp("array_has(tags, 'x')");
  ASSERT_TRUE(has);
  EXPECT_EQ(has->op, Op::kHasAny);
  EXPECT_EQ(has->values.size(), 1u);
  auto any = cp("array_has_any(tags, ['x', 'y'])");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->op, Op::kHasAny);
  EXPECT_EQ(any->values.size(), 2u);
  EXPECT_EQ(cp("array_contains(tags, 'x')")->op, Op::kHasAny);
  EXPECT_EQ(cp("array_has_all(tags, make_array('x', 'y'))")->op, Op::kHasAll);
  EXPECT_EQ(cp("flag")->op, Op::kEq);

  EXPECT_FALSE(cp("qty <> 3"));
  EXPECT_FALSE(cp("qty = NULL"));
  EXPECT_FALSE(cp("NOT (qty = 3)"));
  EXPECT_FALSE(cp("qty NOT IN (1, 2)"));
  EXPECT_FALSE(cp("NOT flag"));
  EXPECT_FALSE(cp("qty = 2.5"));  // the column is wrapped in a cast
  EXPECT_FALSE(cp("qty + 1 = 3"));
  EXPECT_FALSE(cp("qty = id"));
  EXPECT_FALSE(cp("qty > 1 OR qty < 0"));
  EXPECT_FALSE(cp("name LIKE 'a%'"));
  EXPECT_FALSE(cp("array_has(tags, name)"));
  EXPECT_FALSE(cp("NOT array_has(tags, 'x')"));
}

TEST(BindTest, BoundExprToStringParsesBack) {
  for (const char* sql : {"((qty > 1) AND (name LIKE 'a%'))", "CAST(qty AS double)", "(price IS NOT NULL)",
                          "CASE WHEN (qty > 1) THEN 'a' ELSE 'b' END", "lower(name)", "(qty IN (1, 2))",
                          "array_has_any(tags, ['x', 'y'])"}) {
    BoundExprPtr e = MustCompile(sql);
    ASSERT_TRUE(e);
    auto again = CompileExpression(e->ToString(), TestSchema());
    ASSERT_TRUE(again.ok()) << e->ToString() << ": " << again.status().ToString();
    EXPECT_EQ((*again)->ToString(), e->ToString());
  }
}

TEST(BindTest, RefusesTreesDeeperThanTheLimit) {
  // Built by hand, bypassing the parser's own limit.
  ExprPtr e = std::make_unique<Expr>();
  e->kind = ExprKind::kColumn;
  e->path = {"flag"};
  for (int i = 0; i < 5000; ++i) {
    auto n = std::make_unique<Expr>();
    n->kind = ExprKind::kUnary;
    n->unary_op = UnaryOp::kNot;
    n->args.push_back(std::move(e));
    e = std::move(n);
  }
  Status st = Bind(*e, TestSchema()).status();
  EXPECT_THAT(st.message(), HasSubstr("nested too deeply"));
  // Destroy iteratively so that the test itself does not recurse 5000 deep.
  while (!e->args.empty()) {
    ExprPtr child = std::move(e->args[0]);
    e = std::move(child);
  }
}

TEST(BindTest, MalformedHandBuiltTreesAreErrors) {
  Expr e;
  e.kind = ExprKind::kBinary;
  e.binary_op = BinaryOp::kAdd;  // no operands
  EXPECT_FALSE(Bind(e, TestSchema()).ok());
  Expr c;
  c.kind = ExprKind::kCase;  // no branches
  EXPECT_FALSE(Bind(c, TestSchema()).ok());
  Expr col;
  col.kind = ExprKind::kColumn;  // no path
  EXPECT_FALSE(Bind(col, TestSchema()).ok());
}

}  // namespace
}  // namespace quiver::expr
