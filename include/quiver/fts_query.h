// Full-text queries: the tree a text search evaluates, built in C++ or
// parsed from a query string users type.
//
//   auto q = FtsQuery::Boolean({FtsQuery::Match("wing flutter")},            // must
//                              {FtsQuery::Phrase("boundary layer", "", 2)},  // should
//                              {FtsQuery::Match("supersonic")});             // must_not
//   auto parsed = ParseFtsQuery("\"boundary layer\"~2 +wing -supersonic flutter~1 title:shock^2");
//
// Terms are given as text: each column's analyzer (tokenizer, lower case,
// stemming, ...) turns them into index terms when the query runs, so the
// same query works on differently configured indexes.
//
// Thread-safety: queries are immutable once built and may be shared.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quiver/status.h"

namespace quiver {

struct FtsQuery;
using FtsQueryPtr = std::shared_ptr<const FtsQuery>;

struct FtsQuery {
  enum class Kind {
    kMatch,       // the terms of `text`, OR (default) or AND
    kPhrase,      // the terms of `text` in order, at most `slop` moves apart
    kBoolean,     // must / should / must_not clauses
    kMultiMatch,  // a match over several columns, each with a boost
    kBoost,       // `positive`, with scores of rows also matching `negative` scaled
  };
  Kind kind = Kind::kMatch;

  // kMatch, kPhrase, kMultiMatch: the text, analyzed by each column's
  // analyzer. kMatch and kPhrase: the column (empty: the table's full-text
  // indexed columns; each indexed column is searched and scores add).
  std::string text;
  std::string column;
  float boost = 1.0f;  // multiplies this query's scores (any kind)

  // kMatch and kMultiMatch.
  bool conjunction = false;      // every term must occur (AND) instead of any (OR)
  int minimum_should_match = 0;  // OR: at least this many terms (0 and 1 mean one)
  int fuzziness = 0;             // 0, 1 or 2: terms within this edit distance match too
  int prefix_length = 0;         // fuzzy: leading characters that must match exactly
  int max_expansions = 50;       // fuzzy: at most this many index terms per query term

  // kPhrase.
  int slop = 0;

  // kBoolean: a row matches when it matches every `must` clause, no
  // `must_not` clause and, when there are no `must` clauses, at least one
  // `should` clause. Scores are the sum over the matching must and should
  // clauses.
  std::vector<FtsQueryPtr> must, should, must_not;

  // kMultiMatch: (column, boost) pairs.
  std::vector<std::pair<std::string, float>> columns;

  // kBoost: rows matching `positive` keep its score, times `negative_boost`
  // when they also match `negative`.
  FtsQueryPtr positive, negative;
  float negative_boost = 0.5f;

  static FtsQueryPtr Match(std::string text, std::string column = "", bool conjunction = false);
  static FtsQueryPtr Fuzzy(std::string text, int fuzziness, std::string column = "", int prefix_length = 0);
  static FtsQueryPtr Phrase(std::string text, std::string column = "", int slop = 0);
  static FtsQueryPtr Boolean(std::vector<FtsQueryPtr> must, std::vector<FtsQueryPtr> should,
                             std::vector<FtsQueryPtr> must_not);
  static FtsQueryPtr MultiMatch(std::string text, std::vector<std::pair<std::string, float>> columns);
  static FtsQueryPtr Boost(FtsQueryPtr positive, FtsQueryPtr negative, float negative_boost = 0.5f);
  // A copy of `query` with its boost multiplied by `boost`.
  static FtsQueryPtr Boosted(const FtsQueryPtr& query, float boost);

  // The query in the query-string syntax. ParseFtsQuery reads it back to an
  // equivalent tree for kMatch, kPhrase and kBoolean with their columns,
  // boosts, fuzziness and slop (the same tree for any tree ParseFtsQuery
  // built). The syntax cannot express kMultiMatch, kBoost, nor a kMatch
  // with conjunction, minimum_should_match above 1, prefix_length or a
  // changed max_expansions: those print in a readable form that is not
  // meant to be parsed, e.g.
  //   multi_match(text="wing flutter", columns=[title^2, body], fuzziness=1)
  //   boost(positive=wing, negative=flutter, negative_boost=0.5)
  //   match(text="wing flutter", column=title, conjunction=true)
  std::string ToString() const;
};

// Parses the query-string syntax, a Lucene-style one:
//   word             a term (should: any of the terms may match)
//   +word  -word     a required or excluded clause (also +"phrase", -(group))
//   "some phrase"    a phrase; "some phrase"~2 allows a slop of 2
//   word~1  word~2   a fuzzy term within that edit distance (word~ is 1)
//   column:word      a term (or "phrase", or (group)) in one column
//   word^2           a boost (after a term, phrase or group)
//   a AND b, a OR b, NOT a, ( ... )   boolean operators and grouping
//
// Clauses side by side are OR'ed, like `a OR b`: "a b -c" is a Boolean with
// should {a, b} and must_not {c}. AND binds tighter than OR, so
// "a OR b AND c" is a OR (b AND c); operands of AND are required unless
// written with '-' or NOT, which apply to the one clause that follows.
// Operators are upper case; lower-case "and"/"or"/"not" are plain words.
// A query or group of a single optional clause is that clause itself
// ("wing" and "(wing)" are a kMatch, not a kBoolean).
//
// Words run up to white space or one of " ( ) ^ ~ : and are kept as typed
// (each column's analyzer lower-cases and splits them later); '+' and '-'
// are operators only where a clause starts ("wing-flutter" is one word).
// A backslash makes the next character part of the word (\" \: \+ \- \(
// \) \^ \~ \\, "\ " for a space, \AND for the word AND). Text inside a
// phrase is taken as is, except that \" and \\ stand for " and \.
//
// Column names use letters, digits, '_' and '.'. On a group the column
// applies to every term inside that names none. Fuzziness is 0, 1 or 2;
// slop a non-negative integer; a boost a positive decimal (2, 0.5, .5; no
// exponent), and a boost on a group multiplies the group's own. A term's
// ~ and ^ may come in either order. Parentheses nest at most 100 deep.
//
// Returns InvalidArgument for an empty query ("empty query") and otherwise
// with the 0-based byte offset of the problem and the query, for example:
//   unterminated phrase starting at position 5 in "wing "boundary layer"
//   unexpected ')' at position 5 in "wing )"
//   expected a term after '+' at position 0 in "+"
//   boost must be a positive number at position 5 in "wing^x"
//   a query needs at least one clause that is not excluded at position 0 in "-wing"
Result<FtsQueryPtr> ParseFtsQuery(std::string_view query);

}  // namespace quiver
