// SQL LIKE patterns: '%' matches any run of characters, '_' exactly one
// character (a UTF-8 code point), and a backslash makes the next character
// literal ('\%', '\_', '\\'; a trailing backslash is a literal backslash).
// ILIKE lower-cases pattern and text (utf8.h's case mapping) first.
//
// Patterns without '_' (the common prefix 'abc%', suffix '%abc', contains
// '%abc%' and exact forms among them) match in linear time by searching for
// their literal parts; the others use a backtracking matcher that is O(text
// x pattern) in the worst case, never exponential.
//
// Thread-safety: a compiled LikePattern is immutable; Matches may be called
// from several threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace quiver::expr {

class LikePattern {
 public:
  LikePattern(std::string_view pattern, bool case_insensitive);

  // Whether `text` matches. For ILIKE patterns `text` must already be
  // lower-cased (AppendLower), which lets callers reuse one scratch string.
  bool Matches(std::string_view text) const;
  bool case_insensitive() const { return case_insensitive_; }

 private:
  enum class Kind : uint8_t { kSegments, kGeneral };
  // Pattern elements for the general matcher.
  enum : int { kAnyOne = -1, kAnyRun = -2 };

  bool MatchSegments(std::string_view text) const;
  bool MatchGeneral(std::string_view text) const;

  bool case_insensitive_;
  Kind kind_ = Kind::kSegments;
  // kSegments: the literal parts between '%' (k '%' give k + 1 parts).
  std::vector<std::string> segments_;
  // kGeneral: bytes 0..255, kAnyOne or kAnyRun.
  std::vector<int> elements_;
};

}  // namespace quiver::expr
