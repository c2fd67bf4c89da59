// The full-text query tree: its factories, ToString, and the query-string
// parser (every construct, precedence, escapes, error messages with their
// positions, nesting limits, random input, and printing parsed and built
// trees back to text that parses to the same tree).
#include "quiver/fts_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace quiver {
namespace {

using ::testing::HasSubstr;
using Kind = FtsQuery::Kind;

bool SameQuery(const FtsQueryPtr& a, const FtsQueryPtr& b);

bool SameList(const std::vector<FtsQueryPtr>& a, const std::vector<FtsQueryPtr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SameQuery(a[i], b[i])) return false;
  }
  return true;
}

// Structural equality: every field, children in order.
bool SameQuery(const FtsQueryPtr& a, const FtsQueryPtr& b) {
  if (a == nullptr || b == nullptr) return a == b;
  return a->kind == b->kind && a->text == b->text && a->column == b->column && a->boost == b->boost &&
         a->conjunction == b->conjunction && a->minimum_should_match == b->minimum_should_match &&
         a->fuzziness == b->fuzziness && a->prefix_length == b->prefix_length &&
         a->max_expansions == b->max_expansions && a->slop == b->slop && SameList(a->must, b->must) &&
         SameList(a->should, b->should) && SameList(a->must_not, b->must_not) && a->columns == b->columns &&
         SameQuery(a->positive, b->positive) && SameQuery(a->negative, b->negative) &&
         a->negative_boost == b->negative_boost;
}

std::string Show(const FtsQueryPtr& q) { return q ? q->ToString() : "<null>"; }

#define EXPECT_SAME_QUERY(a, b) \
  EXPECT_TRUE(SameQuery((a), (b))) << "  got: " << Show(a) << "\n  expected: " << Show(b)

FtsQueryPtr Parse(std::string_view text) {
  Result<FtsQueryPtr> r = ParseFtsQuery(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

// The InvalidArgument message ParseFtsQuery gives for `text`.
std::string ErrorOf(std::string_view text) {
  Result<FtsQueryPtr> r = ParseFtsQuery(text);
  if (r.ok()) {
    ADD_FAILURE() << "parsed: " << text << " as " << (*r)->ToString();
    return "";
  }
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  return r.status().message();
}

// Shorthands for expected trees.
FtsQueryPtr M(std::string text, std::string column = "") {
  return FtsQuery::Match(std::move(text), std::move(column));
}
FtsQueryPtr B(std::vector<FtsQueryPtr> must, std::vector<FtsQueryPtr> should,
              std::vector<FtsQueryPtr> must_not) {
  return FtsQuery::Boolean(std::move(must), std::move(should), std::move(must_not));
}
FtsQueryPtr Should(std::vector<FtsQueryPtr> should) { return B({}, std::move(should), {}); }
FtsQueryPtr Must(std::vector<FtsQueryPtr> must) { return B(std::move(must), {}, {}); }

TEST(FtsQueryTest, FactoriesSetTheirFields) {
  FtsQueryPtr m = FtsQuery::Match("wing flutter", "title", true);
  EXPECT_EQ(m->kind, Kind::kMatch);
  EXPECT_EQ(m->text, "wing flutter");
  EXPECT_EQ(m->column, "title");
  EXPECT_TRUE(m->conjunction);
  EXPECT_EQ(m->fuzziness, 0);
  EXPECT_EQ(m->boost, 1.0f);

  FtsQueryPtr f = FtsQuery::Fuzzy("flutter", 2, "body", 1);
  EXPECT_EQ(f->kind, Kind::kMatch);
  EXPECT_EQ(f->fuzziness, 2);
  EXPECT_EQ(f->prefix_length, 1);
  EXPECT_EQ(f->column, "body");
  EXPECT_FALSE(f->conjunction);
  EXPECT_EQ(f->max_expansions, 50);

  FtsQueryPtr p = FtsQuery::Phrase("boundary layer", "", 3);
  EXPECT_EQ(p->kind, Kind::kPhrase);
  EXPECT_EQ(p->text, "boundary layer");
  EXPECT_EQ(p->slop, 3);

  FtsQueryPtr b = FtsQuery::Boolean({m}, {f, p}, {M("x")});
  EXPECT_EQ(b->kind, Kind::kBoolean);
  EXPECT_EQ(b->must.size(), 1u);
  EXPECT_EQ(b->should.size(), 2u);
  EXPECT_EQ(b->must_not.size(), 1u);
  EXPECT_EQ(b->should[1], p);

  FtsQueryPtr mm = FtsQuery::MultiMatch("wing", {{"title", 2.0f}, {"body", 1.0f}});
  EXPECT_EQ(mm->kind, Kind::kMultiMatch);
  EXPECT_EQ(mm->text, "wing");
  ASSERT_EQ(mm->columns.size(), 2u);
  EXPECT_EQ(mm->columns[0], std::make_pair(std::string("title"), 2.0f));

  FtsQueryPtr bo = FtsQuery::Boost(m, p, 0.25f);
  EXPECT_EQ(bo->kind, Kind::kBoost);
  EXPECT_EQ(bo->positive, m);
  EXPECT_EQ(bo->negative, p);
  EXPECT_EQ(bo->negative_boost, 0.25f);
  EXPECT_EQ(FtsQuery::Boost(m, p)->negative_boost, 0.5f);
}

TEST(FtsQueryTest, BoostedMultipliesACopy) {
  FtsQueryPtr q = FtsQuery::Phrase("boundary layer", "title", 2);
  FtsQueryPtr twice = FtsQuery::Boosted(q, 2.0f);
  FtsQueryPtr six = FtsQuery::Boosted(twice, 3.0f);
  EXPECT_EQ(q->boost, 1.0f);
  EXPECT_EQ(twice->boost, 2.0f);
  EXPECT_EQ(six->boost, 6.0f);
  EXPECT_EQ(six->text, "boundary layer");
  EXPECT_EQ(six->column, "title");
  EXPECT_EQ(six->slop, 2);
  // Children are shared, not copied.
  FtsQueryPtr b = FtsQuery::Boolean({q}, {}, {});
  EXPECT_EQ(FtsQuery::Boosted(b, 0.5f)->must[0], q);
}

TEST(FtsQueryTest, ToStringPrintsTheSyntax) {
  EXPECT_EQ(M("wing")->ToString(), "wing");
  EXPECT_EQ(M("Wing", "title")->ToString(), "title:Wing");
  EXPECT_EQ(FtsQuery::Fuzzy("flutter", 2, "body.text")->ToString(), "body.text:flutter~2");
  EXPECT_EQ(FtsQuery::Fuzzy("flutter", 0)->ToString(), "flutter");
  EXPECT_EQ(FtsQuery::Boosted(M("x"), 2.0f)->ToString(), "x^2");
  EXPECT_EQ(FtsQuery::Boosted(FtsQuery::Fuzzy("x", 1), 0.5f)->ToString(), "x~1^0.5");
  EXPECT_EQ(FtsQuery::Boosted(M("x"), 0.1f)->ToString(), "x^0.1");
  EXPECT_EQ(FtsQuery::Phrase("boundary layer", "", 2)->ToString(), "\"boundary layer\"~2");
  EXPECT_EQ(FtsQuery::Boosted(FtsQuery::Phrase("a b", "title"), 3.0f)->ToString(), "title:\"a b\"^3");
  EXPECT_EQ(FtsQuery::Phrase("say \"hi\" C:\\")->ToString(), R"("say \"hi\" C:\\")");

  // Special characters in words are escaped; so are operators and a
  // leading sign.
  EXPECT_EQ(M("a b:c")->ToString(), R"(a\ b\:c)");
  EXPECT_EQ(M("(x)^2~1\"\\")->ToString(), R"(\(x\)\^2\~1\"\\)");
  EXPECT_EQ(M("-x")->ToString(), R"(\-x)");
  EXPECT_EQ(M("+x")->ToString(), R"(\+x)");
  EXPECT_EQ(M("x-y+z")->ToString(), "x-y+z");
  EXPECT_EQ(M("AND")->ToString(), R"(\AND)");
  EXPECT_EQ(M("NOT", "title")->ToString(), R"(title:\NOT)");
  EXPECT_EQ(M("and")->ToString(), "and");
  EXPECT_EQ(M("ANDROID")->ToString(), "ANDROID");
  EXPECT_EQ(M("flügel")->ToString(), "flügel");

  // The whole query's clauses go bare; nested or boosted booleans in
  // parentheses.
  FtsQueryPtr q = B({M("wing")}, {FtsQuery::Boosted(Should({M("a"), M("b")}), 2.0f), Must({M("c"), M("d")})},
                    {M("supersonic")});
  EXPECT_EQ(q->ToString(), "+wing (a b)^2 (+c +d) -supersonic");
  EXPECT_EQ(FtsQuery::Boosted(q, 0.5f)->ToString(), "(+wing (a b)^2 (+c +d) -supersonic)^0.5");
  EXPECT_EQ(Must({M("a")})->ToString(), "+a");
}

TEST(FtsQueryTest, ToStringReadableForms) {
  EXPECT_EQ(FtsQuery::MultiMatch("wing flutter", {{"title", 2.0f}, {"body", 1.0f}})->ToString(),
            R"(multi_match(text="wing flutter", columns=[title^2, body]))");
  auto mm = std::make_shared<FtsQuery>(*FtsQuery::MultiMatch("wing", {{"title", 1.0f}}));
  mm->fuzziness = 1;
  mm->conjunction = true;
  mm->boost = 3.0f;
  EXPECT_EQ(mm->ToString(), R"(multi_match(text="wing", columns=[title], conjunction=true, fuzziness=1)^3)");

  EXPECT_EQ(FtsQuery::Boost(M("wing"), Should({M("a"), M("b")}), 0.25f)->ToString(),
            "boost(positive=wing, negative=(a b), negative_boost=0.25)");
  EXPECT_EQ(FtsQuery::Boost(M("wing"), nullptr)->ToString(),
            "boost(positive=wing, negative=<null>, negative_boost=0.5)");

  // Match options the syntax has no notation for.
  EXPECT_EQ(FtsQuery::Match("wing flutter", "title", true)->ToString(),
            R"(match(text="wing flutter", column=title, conjunction=true))");
  EXPECT_EQ(FtsQuery::Fuzzy("wing", 1, "", 2)->ToString(),
            R"(match(text="wing", fuzziness=1, prefix_length=2))");
  auto m = std::make_shared<FtsQuery>(*M("wing"));
  m->minimum_should_match = 2;
  m->max_expansions = 10;
  EXPECT_EQ(m->ToString(), R"(match(text="wing", minimum_should_match=2, max_expansions=10))");
  // Inside a boolean too.
  EXPECT_EQ(B({FtsQuery::Boost(M("a"), M("b"))}, {M("c")}, {})->ToString(),
            "+boost(positive=a, negative=b, negative_boost=0.5) c");
}

TEST(FtsQueryTest, BuiltTreesRoundTrip) {
  const std::vector<FtsQueryPtr> trees = {
      // The header's example.
      B({M("wing flutter")}, {FtsQuery::Phrase("boundary layer", "", 2)}, {M("supersonic")}),
      M("wing"),
      FtsQuery::Fuzzy("flutter", 2, "title"),
      FtsQuery::Boosted(FtsQuery::Phrase("say \"hi\" \\ (now)", "body.text", 4), 0.3f),
      B({Should({M("a"), FtsQuery::Boosted(M("b:c", "t"), 7.5f)})}, {M("AND"), M("-x")},
        {FtsQuery::Boosted(Must({M("d"), M("e")}), 2.0f)}),
      FtsQuery::Boosted(Must({M("only")}), 1e-3f),
      FtsQuery::Boosted(M("big"), 3.4e38f),
      Should({M("\t"), M("\\"), M("\""), M("翼"), M("a~"), M("^")}),
  };
  for (const FtsQueryPtr& tree : trees) {
    const std::string text = tree->ToString();
    FtsQueryPtr back = Parse(text);
    EXPECT_SAME_QUERY(back, tree) << "  text: " << text;
  }
}

TEST(ParseFtsQueryTest, Words) {
  EXPECT_SAME_QUERY(Parse("wing"), M("wing"));
  EXPECT_SAME_QUERY(Parse("  Wing\t"), M("Wing"));  // as typed: the analyzer lower-cases
  EXPECT_SAME_QUERY(Parse("wing flutter"), Should({M("wing"), M("flutter")}));
  EXPECT_SAME_QUERY(Parse("wing\n\r\v\fflutter"), Should({M("wing"), M("flutter")}));
  // '+' and '-' are operators only where a clause starts.
  EXPECT_SAME_QUERY(Parse("wing-flutter"), M("wing-flutter"));
  EXPECT_SAME_QUERY(Parse("c++ x-"), Should({M("c++"), M("x-")}));
  // Characters the syntax gives no meaning are word characters.
  EXPECT_SAME_QUERY(Parse("w*ng? [x] {y} !z &&"), Should({M("w*ng?"), M("[x]"), M("{y}"), M("!z"), M("&&")}));
  // Words run up to a quote or a parenthesis.
  EXPECT_SAME_QUERY(Parse("a\"b c\"(d)"), Should({M("a"), FtsQuery::Phrase("b c"), M("d")}));
}

TEST(ParseFtsQueryTest, RequiredAndExcluded) {
  EXPECT_SAME_QUERY(Parse("+wing flutter -supersonic"), B({M("wing")}, {M("flutter")}, {M("supersonic")}));
  EXPECT_SAME_QUERY(Parse("+wing"), Must({M("wing")}));
  EXPECT_SAME_QUERY(Parse("+wing +flutter"), Must({M("wing"), M("flutter")}));
  EXPECT_SAME_QUERY(Parse("wing -\"boundary layer\" -(a b)"),
                    B({}, {M("wing")}, {FtsQuery::Phrase("boundary layer"), Should({M("a"), M("b")})}));
  EXPECT_SAME_QUERY(Parse("+title:x"), Must({M("x", "title")}));
}

TEST(ParseFtsQueryTest, HeaderExample) {
  EXPECT_SAME_QUERY(Parse("\"boundary layer\"~2 +wing -supersonic flutter~1 title:shock^2"),
                    B({M("wing")},
                      {FtsQuery::Phrase("boundary layer", "", 2), FtsQuery::Fuzzy("flutter", 1),
                       FtsQuery::Boosted(M("shock", "title"), 2.0f)},
                      {M("supersonic")}));
}

TEST(ParseFtsQueryTest, Phrases) {
  EXPECT_SAME_QUERY(Parse("\"boundary layer\""), FtsQuery::Phrase("boundary layer"));
  EXPECT_SAME_QUERY(Parse("\"boundary layer\"~3"), FtsQuery::Phrase("boundary layer", "", 3));
  EXPECT_SAME_QUERY(Parse("\"boundary layer\"~0"), FtsQuery::Phrase("boundary layer"));
  // Text inside is passed as is: no operators, no column, no escapes but
  // \" and \\.
  EXPECT_SAME_QUERY(Parse(R"("a AND (b) +c: ^d ~e -f")"), FtsQuery::Phrase("a AND (b) +c: ^d ~e -f"));
  EXPECT_SAME_QUERY(Parse(R"("say \"hi\"")"), FtsQuery::Phrase("say \"hi\""));
  EXPECT_SAME_QUERY(Parse(R"("C:\path\\")"), FtsQuery::Phrase("C:\\path\\"));
  EXPECT_SAME_QUERY(Parse("\"  \""), FtsQuery::Phrase("  "));
  // Slop and boost in either order.
  EXPECT_SAME_QUERY(Parse("\"a b\"~1^2"), FtsQuery::Boosted(FtsQuery::Phrase("a b", "", 1), 2.0f));
  EXPECT_SAME_QUERY(Parse("\"a b\"^2~1"), FtsQuery::Boosted(FtsQuery::Phrase("a b", "", 1), 2.0f));
  EXPECT_SAME_QUERY(Parse("title:\"a b\"~2"), FtsQuery::Phrase("a b", "title", 2));
  EXPECT_SAME_QUERY(Parse("\"a\"\"b\""), Should({FtsQuery::Phrase("a"), FtsQuery::Phrase("b")}));
}

TEST(ParseFtsQueryTest, Fuzzy) {
  EXPECT_SAME_QUERY(Parse("wing~"), FtsQuery::Fuzzy("wing", 1));
  EXPECT_SAME_QUERY(Parse("wing~0"), M("wing"));
  EXPECT_SAME_QUERY(Parse("wing~1"), FtsQuery::Fuzzy("wing", 1));
  EXPECT_SAME_QUERY(Parse("wing~2"), FtsQuery::Fuzzy("wing", 2));
  EXPECT_SAME_QUERY(Parse("wing~ flutter"), Should({FtsQuery::Fuzzy("wing", 1), M("flutter")}));
  EXPECT_SAME_QUERY(Parse("(wing~)"), FtsQuery::Fuzzy("wing", 1));
  EXPECT_SAME_QUERY(Parse("wing~2^3"), FtsQuery::Boosted(FtsQuery::Fuzzy("wing", 2), 3.0f));
  EXPECT_SAME_QUERY(Parse("wing^3~2"), FtsQuery::Boosted(FtsQuery::Fuzzy("wing", 2), 3.0f));
  EXPECT_SAME_QUERY(Parse("wing~^3"), FtsQuery::Boosted(FtsQuery::Fuzzy("wing", 1), 3.0f));
  EXPECT_SAME_QUERY(Parse("title:wing~1"), FtsQuery::Fuzzy("wing", 1, "title"));
}

TEST(ParseFtsQueryTest, Columns) {
  EXPECT_SAME_QUERY(Parse("title:wing"), M("wing", "title"));
  EXPECT_SAME_QUERY(Parse("doc.Title_2:wing"), M("wing", "doc.Title_2"));
  EXPECT_SAME_QUERY(Parse("2024:wing"), M("wing", "2024"));
  EXPECT_SAME_QUERY(Parse("title: wing"), M("wing", "title"));  // space after ':' is allowed
  EXPECT_SAME_QUERY(Parse("title:\"a b\""), FtsQuery::Phrase("a b", "title"));
  // On a group the column reaches every term inside that names none.
  EXPECT_SAME_QUERY(Parse("title:(a \"b c\" +(d e~1))"),
                    B({Should({M("d", "title"), FtsQuery::Fuzzy("e", 1, "title")})},
                      {M("a", "title"), FtsQuery::Phrase("b c", "title")}, {}));
  EXPECT_SAME_QUERY(Parse("title:(a body:b body:(c d))"),
                    Should({M("a", "title"), M("b", "body"), Should({M("c", "body"), M("d", "body")})}));
  EXPECT_SAME_QUERY(Parse("title:(a) b"), Should({M("a", "title"), M("b")}));
  EXPECT_SAME_QUERY(Parse("title:(a)^2"), FtsQuery::Boosted(M("a", "title"), 2.0f));
  EXPECT_SAME_QUERY(Parse("-title:x y"), B({}, {M("y")}, {M("x", "title")}));
  // Operator words are column names before ':'.
  EXPECT_SAME_QUERY(Parse("NOT:x AND:y"), Should({M("x", "NOT"), M("y", "AND")}));
  // An escaped ':' belongs to the word.
  EXPECT_SAME_QUERY(Parse(R"(title\:x)"), M("title:x"));
  EXPECT_SAME_QUERY(Parse(R"(title:12\:30)"), M("12:30", "title"));
}

TEST(ParseFtsQueryTest, Boosts) {
  EXPECT_SAME_QUERY(Parse("wing^2"), FtsQuery::Boosted(M("wing"), 2.0f));
  EXPECT_SAME_QUERY(Parse("wing^0.5"), FtsQuery::Boosted(M("wing"), 0.5f));
  EXPECT_SAME_QUERY(Parse("wing^.5"), FtsQuery::Boosted(M("wing"), 0.5f));
  EXPECT_SAME_QUERY(Parse("wing^2."), FtsQuery::Boosted(M("wing"), 2.0f));
  EXPECT_SAME_QUERY(Parse("wing^1"), M("wing"));
  EXPECT_SAME_QUERY(Parse("\"a b\"^1.25"), FtsQuery::Boosted(FtsQuery::Phrase("a b"), 1.25f));
  // A group's boost multiplies the group's own, and nodes inside keep theirs.
  EXPECT_SAME_QUERY(Parse("(a^2 b)^3"),
                    FtsQuery::Boosted(Should({FtsQuery::Boosted(M("a"), 2.0f), M("b")}), 3.0f));
  EXPECT_SAME_QUERY(Parse("((a^2)^3)^0.5"), FtsQuery::Boosted(M("a"), 3.0f));
  EXPECT_SAME_QUERY(Parse("(((a b)^2))^4"), FtsQuery::Boosted(Should({M("a"), M("b")}), 8.0f));
  EXPECT_SAME_QUERY(Parse("+(a AND b)^2"), Must({FtsQuery::Boosted(Must({M("a"), M("b")}), 2.0f)}));
}

TEST(ParseFtsQueryTest, BooleanOperators) {
  EXPECT_SAME_QUERY(Parse("a AND b"), Must({M("a"), M("b")}));
  EXPECT_SAME_QUERY(Parse("a AND b AND c"), Must({M("a"), M("b"), M("c")}));
  EXPECT_SAME_QUERY(Parse("a OR b"), Should({M("a"), M("b")}));
  EXPECT_SAME_QUERY(Parse("a OR b OR c"), Should({M("a"), M("b"), M("c")}));
  EXPECT_SAME_QUERY(Parse("NOT a b"), B({}, {M("b")}, {M("a")}));
  EXPECT_SAME_QUERY(Parse("a NOT b"), B({}, {M("a")}, {M("b")}));
  EXPECT_SAME_QUERY(Parse("a AND NOT b"), B({M("a")}, {}, {M("b")}));
  EXPECT_SAME_QUERY(Parse("a AND -b"), B({M("a")}, {}, {M("b")}));
  EXPECT_SAME_QUERY(Parse("a AND +b"), Must({M("a"), M("b")}));
  EXPECT_SAME_QUERY(Parse("NOT a AND b"), B({M("b")}, {}, {M("a")}));
  EXPECT_SAME_QUERY(Parse("a OR NOT b"), B({}, {M("a")}, {M("b")}));
  EXPECT_SAME_QUERY(Parse("+a OR b"), B({M("a")}, {M("b")}, {}));
  EXPECT_SAME_QUERY(Parse("NOT(a b) c"), B({}, {M("c")}, {Should({M("a"), M("b")})}));
  EXPECT_SAME_QUERY(Parse("a AND\"b c\""), Must({M("a"), FtsQuery::Phrase("b c")}));
  // Operators are upper case and whole words.
  EXPECT_SAME_QUERY(Parse("a and b or not c"), Should({M("a"), M("and"), M("b"), M("or"), M("not"), M("c")}));
  EXPECT_SAME_QUERY(Parse("ANDROID ORe NOTE"), Should({M("ANDROID"), M("ORe"), M("NOTE")}));
  EXPECT_SAME_QUERY(Parse(R"(a \AND b "OR")"), Should({M("a"), M("AND"), M("b"), FtsQuery::Phrase("OR")}));
}

TEST(ParseFtsQueryTest, Precedence) {
  // AND binds tighter than OR; juxtaposition is OR.
  EXPECT_SAME_QUERY(Parse("a OR b AND c"), Should({M("a"), Must({M("b"), M("c")})}));
  EXPECT_SAME_QUERY(Parse("a AND b OR c"), Should({Must({M("a"), M("b")}), M("c")}));
  EXPECT_SAME_QUERY(Parse("a b AND c"), Should({M("a"), Must({M("b"), M("c")})}));
  EXPECT_SAME_QUERY(Parse("a AND b c AND d"), Should({Must({M("a"), M("b")}), Must({M("c"), M("d")})}));
  EXPECT_SAME_QUERY(Parse("a AND NOT b OR c"), Should({B({M("a")}, {}, {M("b")}), M("c")}));
  EXPECT_SAME_QUERY(Parse("-x a AND b"), B({}, {Must({M("a"), M("b")})}, {M("x")}));
  // Parentheses.
  EXPECT_SAME_QUERY(Parse("(a OR b) AND c"), Must({Should({M("a"), M("b")}), M("c")}));
  EXPECT_SAME_QUERY(Parse("a AND (b OR c)"), Must({M("a"), Should({M("b"), M("c")})}));
  EXPECT_SAME_QUERY(Parse("(a)"), M("a"));
  EXPECT_SAME_QUERY(Parse("((a b))"), Should({M("a"), M("b")}));
  EXPECT_SAME_QUERY(Parse("(+a)"), Must({M("a")}));
  EXPECT_SAME_QUERY(Parse("a(b)c"), Should({M("a"), M("b"), M("c")}));
  EXPECT_SAME_QUERY(Parse("+(a b) -(c d)"), B({Should({M("a"), M("b")})}, {}, {Should({M("c"), M("d")})}));
  EXPECT_SAME_QUERY(Parse("( a  OR ( b AND c ) )"), Should({M("a"), Must({M("b"), M("c")})}));
}

TEST(ParseFtsQueryTest, Escapes) {
  EXPECT_SAME_QUERY(Parse(R"(wing\:flutter)"), M("wing:flutter"));
  EXPECT_SAME_QUERY(Parse(R"(\+a \-b)"), Should({M("+a"), M("-b")}));
  EXPECT_SAME_QUERY(Parse(R"(+\-a)"), Must({M("-a")}));
  EXPECT_SAME_QUERY(Parse(R"(a\ b)"), M("a b"));
  EXPECT_SAME_QUERY(Parse(R"(\"a\")"), M("\"a\""));
  EXPECT_SAME_QUERY(Parse(R"(\(a\))"), M("(a)"));
  EXPECT_SAME_QUERY(Parse(R"(a\^2 b\~1)"), Should({M("a^2"), M("b~1")}));
  EXPECT_SAME_QUERY(Parse(R"(a\\b)"), M("a\\b"));
  EXPECT_SAME_QUERY(Parse(R"(\a\b)"), M("ab"));  // any character may be escaped
  EXPECT_SAME_QUERY(Parse(R"(\é)"), M("é"));
  EXPECT_SAME_QUERY(Parse(R"(\翼x)"), M("翼x"));
}

TEST(ParseFtsQueryTest, Unicode) {
  EXPECT_SAME_QUERY(Parse("Flügel"), M("Flügel"));
  EXPECT_SAME_QUERY(Parse("翼 \"边界 层\"~1 -超音速"),
                    B({}, {M("翼"), FtsQuery::Phrase("边界 层", "", 1)}, {M("超音速")}));
  EXPECT_SAME_QUERY(Parse("title:(naïve café)^2"),
                    FtsQuery::Boosted(Should({M("naïve", "title"), M("café", "title")}), 2.0f));
  EXPECT_SAME_QUERY(Parse("😀~2"), FtsQuery::Fuzzy("😀", 2));
  // Positions in errors count bytes.
  EXPECT_EQ(ErrorOf("翼 )"), "unexpected ')' at position 4 in \"翼 )\"");
  EXPECT_EQ(ErrorOf("翼 \"边界"), "unterminated phrase starting at position 4 in \"翼 \"边界\"");
  EXPECT_EQ(ErrorOf("翼^x"), "boost must be a positive number at position 4 in \"翼^x\"");
  EXPECT_EQ(ErrorOf("título:x"),
            "column name \"título\" may only use letters, digits, '_' and '.' at position 0 in \"título:x\"");
}

TEST(ParseFtsQueryTest, ErrorMessages) {
  EXPECT_EQ(ErrorOf(""), "empty query");
  EXPECT_EQ(ErrorOf(" \t\n"), "empty query");
  EXPECT_EQ(ErrorOf("wing \"boundary layer"),
            "unterminated phrase starting at position 5 in \"wing \"boundary layer\"");
  EXPECT_EQ(ErrorOf(R"(wing "a\")"), R"(unterminated phrase starting at position 5 in "wing "a\"")");
  EXPECT_EQ(ErrorOf("\"\""), "empty phrase at position 0 in \"\"\"\"");
  EXPECT_EQ(ErrorOf("wing )"), "unexpected ')' at position 5 in \"wing )\"");
  EXPECT_EQ(ErrorOf("(a))"), "unexpected ')' at position 3 in \"(a))\"");
  EXPECT_EQ(ErrorOf("(a b"), "unclosed '(' at position 0 in \"(a b\"");
  EXPECT_EQ(ErrorOf("x ((a) b"), "unclosed '(' at position 2 in \"x ((a) b\"");
  EXPECT_EQ(ErrorOf("a ( )"), "empty group at position 2 in \"a ( )\"");
  EXPECT_EQ(ErrorOf("+"), "expected a term after '+' at position 0 in \"+\"");
  EXPECT_EQ(ErrorOf("a -"), "expected a term after '-' at position 2 in \"a -\"");
  EXPECT_EQ(ErrorOf("+ a"), "expected a term after '+' at position 0 in \"+ a\"");
  EXPECT_EQ(ErrorOf("+-a"), "expected a term after '+' at position 0 in \"+-a\"");
  EXPECT_EQ(ErrorOf("(+)"), "expected a term after '+' at position 1 in \"(+)\"");
  EXPECT_EQ(ErrorOf("-NOT"), "expected a term after '-' at position 0 in \"-NOT\"");
  EXPECT_EQ(ErrorOf("NOT"), "expected a term after 'NOT' at position 0 in \"NOT\"");
  EXPECT_EQ(ErrorOf("a NOT -b"), "expected a term after 'NOT' at position 2 in \"a NOT -b\"");
  EXPECT_EQ(ErrorOf("a AND"), "expected a term after 'AND' at position 2 in \"a AND\"");
  EXPECT_EQ(ErrorOf("a AND OR b"), "expected a term after 'AND' at position 2 in \"a AND OR b\"");
  EXPECT_EQ(ErrorOf("(a AND)"), "expected a term after 'AND' at position 3 in \"(a AND)\"");
  EXPECT_EQ(ErrorOf("a OR"), "expected a term after 'OR' at position 2 in \"a OR\"");
  EXPECT_EQ(ErrorOf("a OR OR b"), "expected a term after 'OR' at position 2 in \"a OR OR b\"");
  EXPECT_EQ(ErrorOf("(a OR)"), "expected a term after 'OR' at position 3 in \"(a OR)\"");
  EXPECT_EQ(ErrorOf("AND a"), "unexpected 'AND' at position 0 in \"AND a\"");
  EXPECT_EQ(ErrorOf("OR a"), "unexpected 'OR' at position 0 in \"OR a\"");
  EXPECT_EQ(ErrorOf("(OR a)"), "unexpected 'OR' at position 1 in \"(OR a)\"");
  EXPECT_EQ(ErrorOf("^a"), "unexpected '^' at position 0 in \"^a\"");
  EXPECT_EQ(ErrorOf("a ~b"), "unexpected '~' at position 2 in \"a ~b\"");
  EXPECT_EQ(ErrorOf(":a"), "unexpected ':' at position 0 in \":a\"");
  EXPECT_EQ(ErrorOf("a^2^3"), "unexpected '^' at position 3 in \"a^2^3\"");
  EXPECT_EQ(ErrorOf("a~1~2"), "unexpected '~' at position 3 in \"a~1~2\"");
  EXPECT_EQ(ErrorOf("(a)~1"), "unexpected '~' after a group at position 3 in \"(a)~1\"");
  EXPECT_EQ(ErrorOf("wing^x"), "boost must be a positive number at position 5 in \"wing^x\"");
  EXPECT_EQ(ErrorOf("wing^"), "boost must be a positive number at position 5 in \"wing^\"");
  EXPECT_EQ(ErrorOf("wing^ 2"), "boost must be a positive number at position 5 in \"wing^ 2\"");
  EXPECT_EQ(ErrorOf("wing^0"), "boost must be a positive number at position 5 in \"wing^0\"");
  EXPECT_EQ(ErrorOf("wing^0.0"), "boost must be a positive number at position 5 in \"wing^0.0\"");
  EXPECT_EQ(ErrorOf("wing^-1"), "boost must be a positive number at position 5 in \"wing^-1\"");
  EXPECT_EQ(ErrorOf("wing^1e3"), "boost must be a positive number at position 5 in \"wing^1e3\"");
  EXPECT_EQ(ErrorOf("wing^1.2.3"), "boost must be a positive number at position 5 in \"wing^1.2.3\"");
  EXPECT_EQ(ErrorOf("wing^."), "boost must be a positive number at position 5 in \"wing^.\"");
  EXPECT_EQ(ErrorOf("wing^inf"), "boost must be a positive number at position 5 in \"wing^inf\"");
  EXPECT_EQ(ErrorOf("a^" + std::string(40, '9')),
            "boost must be a positive number at position 2 in \"a^" + std::string(40, '9') + "\"");
  EXPECT_EQ(ErrorOf("\"a b\"^x"), "boost must be a positive number at position 6 in \"\"a b\"^x\"");
  EXPECT_EQ(ErrorOf("(a)^0"), "boost must be a positive number at position 4 in \"(a)^0\"");
  // A group's boost times the boost inside must stay a normal float.
  const std::string big = "((a^300000000000000000000000000000)^30000000000000)";
  EXPECT_EQ(ErrorOf(big), "boost is out of range at position 36 in \"" + big + "\"");
  EXPECT_EQ(ErrorOf("wing~3"), "fuzziness must be 0, 1 or 2 at position 5 in \"wing~3\"");
  EXPECT_EQ(ErrorOf("wing~1.5"), "fuzziness must be 0, 1 or 2 at position 5 in \"wing~1.5\"");
  EXPECT_EQ(ErrorOf("wing~-1"), "fuzziness must be 0, 1 or 2 at position 5 in \"wing~-1\"");
  EXPECT_EQ(ErrorOf("wing~x"), "fuzziness must be 0, 1 or 2 at position 5 in \"wing~x\"");
  EXPECT_EQ(ErrorOf("wing~01"), "fuzziness must be 0, 1 or 2 at position 5 in \"wing~01\"");
  EXPECT_EQ(ErrorOf("\"a b\"~x"), "slop must be a non-negative integer at position 6 in \"\"a b\"~x\"");
  EXPECT_EQ(ErrorOf("\"a b\"~"), "slop must be a non-negative integer at position 6 in \"\"a b\"~\"");
  EXPECT_EQ(ErrorOf("\"a b\"~-1"), "slop must be a non-negative integer at position 6 in \"\"a b\"~-1\"");
  EXPECT_EQ(ErrorOf("\"a b\"~1.5"), "slop must be a non-negative integer at position 6 in \"\"a b\"~1.5\"");
  EXPECT_EQ(ErrorOf("\"a b\"~99999999999"),
            "slop must be a non-negative integer at position 6 in \"\"a b\"~99999999999\"");
  EXPECT_EQ(ErrorOf("-a"), "a query needs at least one clause that is not excluded at position 0 in \"-a\"");
  EXPECT_EQ(ErrorOf(" NOT a -b"),
            "a query needs at least one clause that is not excluded at position 1 in \" NOT a -b\"");
  EXPECT_EQ(ErrorOf("a (-b)"),
            "a group needs at least one clause that is not excluded at position 2 in \"a (-b)\"");
  EXPECT_EQ(ErrorOf("-a AND -b OR c"),
            "AND needs at least one operand that is not excluded at position 0 in \"-a AND -b OR c\"");
  EXPECT_EQ(ErrorOf("title:"), "expected a term after 'title:' at position 0 in \"title:\"");
  EXPECT_EQ(ErrorOf("title:+a"), "expected a term after 'title:' at position 0 in \"title:+a\"");
  EXPECT_EQ(ErrorOf("title:OR"), "expected a term after 'title:' at position 0 in \"title:OR\"");
  EXPECT_EQ(ErrorOf("x title::a"), "expected a term after 'title:' at position 2 in \"x title::a\"");
  EXPECT_EQ(ErrorOf("a:b:c"), "unexpected ':' (escape it as \\:) at position 3 in \"a:b:c\"");
  EXPECT_EQ(ErrorOf("a-b:c"),
            "column name \"a-b\" may only use letters, digits, '_' and '.' at position 0 in \"a-b:c\"");
  EXPECT_EQ(ErrorOf(R"(a\.b:c)"),
            R"(column name "a\.b" may only use letters, digits, '_' and '.' at position 0 in "a\.b:c")");
  EXPECT_EQ(ErrorOf(R"(a\)"), R"(expected a character after '\' at position 1 in "a\")");
  EXPECT_EQ(ErrorOf("\\"), R"(expected a character after '\' at position 0 in "\")");
}

TEST(ParseFtsQueryTest, NestingIsLimited) {
  const std::string deep = std::string(100, '(') + "a" + std::string(100, ')');
  EXPECT_SAME_QUERY(Parse(deep), M("a"));
  const std::string deep_groups = std::string(100, '(') + "a b" + std::string(100, ')');
  EXPECT_SAME_QUERY(Parse(deep_groups), Should({M("a"), M("b")}));
  EXPECT_THAT(ErrorOf(std::string(101, '(') + "a" + std::string(101, ')')),
              HasSubstr("query nests more than 100 levels of parentheses at position 100"));
  std::string nested;
  for (int i = 0; i < 100000; ++i) nested += "+title:(";
  EXPECT_THAT(ErrorOf(nested), HasSubstr("query nests more than 100 levels of parentheses at position 807"));
  EXPECT_THAT(ErrorOf(std::string(1000000, '(')), HasSubstr("nests more than 100 levels"));
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "NOT ";
  EXPECT_THAT(ErrorOf(nots + "a"), HasSubstr("expected a term after 'NOT' at position 0"));
  // Long flat queries are one boolean, not a deep tree.
  std::string ands = "w0";
  for (int i = 1; i < 100000; ++i) ands += " AND w" + std::to_string(i);
  FtsQueryPtr q = Parse(ands);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->must.size(), 100000u);
  std::string words;
  for (int i = 0; i < 100000; ++i) words += "w" + std::to_string(i) + " ";
  q = Parse(words);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->should.size(), 100000u);
  EXPECT_SAME_QUERY(Parse(q->ToString()), q);
}

TEST(ParseFtsQueryTest, ParsedQueriesRoundTrip) {
  const char* queries[] = {
      "wing",
      "Wing flutter",
      "+wing -supersonic flutter",
      "\"boundary layer\"~2 +wing -supersonic flutter~1 title:shock^2",
      "a OR b AND c",
      "a AND b OR c AND NOT d",
      "(a OR b) AND c^2",
      "title:(a \"b c\"~3 body:d~2)^0.25",
      "title:(a)^2 (b)",
      "+(a b)^3 -(c AND d)",
      R"(\+a \-b c\:d e\ f \AND "g \"h\" \\" i\\)",
      "翼 \"边界 层\" Flügel~1",
      "((a^2)^3)^0.1",
      "x^0.3 y^1.1 z^100000",
      "doc.title:\"a b\"^2~1",
      "NOT a b",
      "a AND +b AND -c",
      "w*ng? x-y c++",
  };
  for (const char* text : queries) {
    FtsQueryPtr q = Parse(text);
    ASSERT_TRUE(q) << text;
    const std::string printed = q->ToString();
    EXPECT_SAME_QUERY(Parse(printed), q) << "  query: " << text << "\n  printed: " << printed;
  }
}

// Every Boolean the parser builds has a clause that is not excluded, and
// only single-clause groups are unwrapped.
void CheckParsedTree(const FtsQueryPtr& q) {
  ASSERT_TRUE(q);
  EXPECT_GT(q->boost, 0.0f);
  switch (q->kind) {
    case Kind::kMatch:
      EXPECT_FALSE(q->text.empty());
      EXPECT_GE(q->fuzziness, 0);
      EXPECT_LE(q->fuzziness, 2);
      break;
    case Kind::kPhrase:
      EXPECT_FALSE(q->text.empty());
      EXPECT_GE(q->slop, 0);
      break;
    case Kind::kBoolean:
      EXPECT_FALSE(q->must.empty() && q->should.empty());
      EXPECT_FALSE(q->must.empty() && q->must_not.empty() && q->should.size() == 1);
      for (const auto* list : {&q->must, &q->should, &q->must_not}) {
        for (const FtsQueryPtr& c : *list) CheckParsedTree(c);
      }
      break;
    default:
      ADD_FAILURE() << "the parser built a " << q->ToString();
  }
}

// Whatever goes in, the parser returns a tree or InvalidArgument; trees
// print back to text that parses to the same tree.
void CheckAnyInput(const std::string& text, int* parsed) {
  Result<FtsQueryPtr> r = ParseFtsQuery(text);
  if (!r.ok()) {
    EXPECT_TRUE(r.status().IsInvalidArgument()) << text << ": " << r.status().ToString();
    const std::string& m = r.status().message();
    if (m != "empty query") {
      const size_t at = m.rfind(" at position ");
      ASSERT_NE(at, std::string::npos) << m;
      EXPECT_LE(std::stoul(m.substr(at + 13)), text.size()) << m;
    }
    return;
  }
  ++*parsed;
  CheckParsedTree(*r);
  const std::string printed = (*r)->ToString();
  Result<FtsQueryPtr> back = ParseFtsQuery(printed);
  ASSERT_TRUE(back.ok()) << "query: " << text << "\nprinted: " << printed << "\n" << back.status().ToString();
  EXPECT_SAME_QUERY(*back, *r) << "  query: " << text << "\n  printed: " << printed;
}

TEST(ParseFtsQueryTest, RandomInputsParseOrFailCleanly) {
  const std::vector<std::string> pieces = {
      "wing", "Flügel", "翼", "a", "title",  "body.text", "AND", "OR", "NOT",  "and",
      "12",   " ",      " ",  " ", "\t",     "\"",        "\"",  "(",  ")",    "+",
      "-",    "^",      "~",  ":", "\\",     "0",         "1",   "2",  "3",    "0.5",
      "^2",   "~1",     "~",  ".", "title:", "\\\"",      "\\:", "é",  "\xff", "\x80"};
  std::mt19937_64 rng(20240611);
  int parsed = 0;
  const int kQueries = 20000;
  for (int i = 0; i < kQueries; ++i) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 16);
    for (int j = 0; j < n; ++j) text += pieces[rng() % pieces.size()];
    CheckAnyInput(text, &parsed);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "first failing query: " << text;
      return;
    }
  }
  // Enough of the inputs are valid for the round trip to be tested.
  EXPECT_GT(parsed, kQueries / 10);

  // Random bytes, any value.
  for (int i = 0; i < 5000; ++i) {
    std::string text(rng() % 24, '\0');
    for (char& c : text) c = static_cast<char>(rng());
    CheckAnyInput(text, &parsed);
    if (::testing::Test::HasFailure()) return;
  }
}

// Random trees of the shapes the parser builds, with words that need
// escaping; ToString then ParseFtsQuery gives each back.
class TreeGenerator {
 public:
  explicit TreeGenerator(uint64_t seed) : rng_(seed) {}

  FtsQueryPtr Tree(int depth) {
    if (depth == 0 || Pick(3) == 0) return Leaf();
    std::vector<FtsQueryPtr> must, should, must_not;
    do {
      must.clear();
      should.clear();
      must_not.clear();
      for (int i = Pick(3); i > 0; --i) must.push_back(Tree(depth - 1));
      for (int i = Pick(4); i > 0; --i) should.push_back(Tree(depth - 1));
      for (int i = Pick(3); i > 0; --i) must_not.push_back(Tree(depth - 1));
    } while ((must.empty() && should.empty()) || (must.empty() && must_not.empty() && should.size() == 1));
    return Boost(FtsQuery::Boolean(std::move(must), std::move(should), std::move(must_not)));
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % n); }

  FtsQueryPtr Boost(FtsQueryPtr q) {
    static const float kBoosts[] = {1.0f, 1.0f, 1.0f, 2.0f, 0.5f, 0.1f, 3.25f, 1e-20f, 7e30f};
    const float boost = kBoosts[Pick(9)];
    return boost == 1.0f ? q : FtsQuery::Boosted(q, boost);
  }

  FtsQueryPtr Leaf() {
    static const char* kWords[] = {"wing", "Flügel", "a b", "x:y", "+x",     "-x",    "x-y",     "AND",
                                   "OR",   "NOT",    "and", "a\\", "\"q\"",  "(p)",   "t^2",     "w~1",
                                   "翼",   "a\tb",   "12",  "ü:",  "title:", "\\AND", "\xff\x80"};
    static const char* kPhrases[] = {"boundary layer", "say \"hi\"", "C:\\path\\", "a AND (b) -c", "x", "  ",
                                     "\\\"",           "边界 层"};
    static const char* kColumns[] = {"", "", "title", "body.text", "x_1", "2"};
    const std::string column = kColumns[Pick(6)];
    switch (Pick(3)) {
      case 0:
        return Boost(FtsQuery::Match(kWords[Pick(23)], column));
      case 1:
        return Boost(FtsQuery::Fuzzy(kWords[Pick(23)], Pick(3), column));
      default:
        return Boost(FtsQuery::Phrase(kPhrases[Pick(8)], column, Pick(3) == 0 ? Pick(5) : 0));
    }
  }

  std::mt19937_64 rng_;
};

TEST(ParseFtsQueryTest, RandomTreesRoundTrip) {
  TreeGenerator gen(7);
  for (int i = 0; i < 3000; ++i) {
    FtsQueryPtr tree = gen.Tree(4);
    const std::string text = tree->ToString();
    Result<FtsQueryPtr> back = ParseFtsQuery(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
    ASSERT_TRUE(SameQuery(*back, tree)) << "printed: " << text << "\nreparsed: " << (*back)->ToString();
  }
}

}  // namespace
}  // namespace quiver
