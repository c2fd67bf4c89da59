#include "expr/like.h"

#include <cstring>

#include "expr/utf8.h"

namespace quiver::expr {

LikePattern::LikePattern(std::string_view pattern, bool case_insensitive)
    : case_insensitive_(case_insensitive) {
  std::string lowered;
  if (case_insensitive) {
    AppendLower(pattern, &lowered);
    pattern = lowered;
  }
  bool has_any_one = false;
  segments_.emplace_back();
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      const char lit = i + 1 < pattern.size() ? pattern[++i] : '\\';
      elements_.push_back(static_cast<uint8_t>(lit));
      segments_.back().push_back(lit);
    } else if (c == '%') {
      if (elements_.empty() || elements_.back() != kAnyRun) elements_.push_back(kAnyRun);
      segments_.emplace_back();
    } else if (c == '_') {
      elements_.push_back(kAnyOne);
      has_any_one = true;
    } else {
      elements_.push_back(static_cast<uint8_t>(c));
      segments_.back().push_back(c);
    }
  }
  if (has_any_one) {
    kind_ = Kind::kGeneral;
    segments_.clear();
  }
}

bool LikePattern::Matches(std::string_view text) const {
  return kind_ == Kind::kSegments ? MatchSegments(text) : MatchGeneral(text);
}

bool LikePattern::MatchSegments(std::string_view text) const {
  // The common shapes first: 'abc%' (prefix) and '%abc%' (contains).
  if (segments_.size() == 2 && segments_[1].empty()) {
    const std::string& head = segments_[0];
    return text.size() >= head.size() && std::memcmp(text.data(), head.data(), head.size()) == 0;
  }
  if (segments_.size() == 3 && segments_[0].empty() && segments_[2].empty()) {
    const std::string& mid = segments_[1];
    return mid.empty() || memmem(text.data(), text.size(), mid.data(), mid.size()) != nullptr;
  }
  // segments_[0] is a prefix, segments_.back() a suffix (they are the same
  // part when there is no '%'), and the parts between are found leftmost, in
  // order, in what remains; any of them may be empty.
  const size_t n = segments_.size();
  const std::string& head = segments_[0];
  if (n == 1) return text == head;
  const std::string& tail = segments_[n - 1];
  if (text.size() < head.size() + tail.size()) return false;
  if (std::memcmp(text.data(), head.data(), head.size()) != 0) return false;
  if (std::memcmp(text.data() + text.size() - tail.size(), tail.data(), tail.size()) != 0) return false;
  size_t begin = head.size();
  const size_t end = text.size() - tail.size();
  for (size_t k = 1; k + 1 < n; ++k) {
    const std::string& s = segments_[k];
    if (s.empty()) continue;
    if (end - begin < s.size()) return false;
    const void* hit = memmem(text.data() + begin, end - begin, s.data(), s.size());
    if (hit == nullptr) return false;
    begin = static_cast<size_t>(static_cast<const char*>(hit) - text.data()) + s.size();
  }
  return true;
}

bool LikePattern::MatchGeneral(std::string_view text) const {
  const size_t m = elements_.size();
  const size_t n = text.size();
  size_t p = 0, i = 0;
  size_t star_p = std::string::npos, star_i = 0;
  while (i < n) {
    if (p < m && elements_[p] == kAnyOne) {
      i += Utf8CharLength(text, i);
      ++p;
    } else if (p < m && elements_[p] >= 0 && static_cast<uint8_t>(text[i]) == elements_[p]) {
      ++i;
      ++p;
    } else if (p < m && elements_[p] == kAnyRun) {
      star_p = p++;
      star_i = i;
    } else if (star_p != std::string::npos) {
      // Let the last '%' swallow one more character and retry.
      p = star_p + 1;
      star_i += Utf8CharLength(text, star_i);
      i = star_i;
    } else {
      return false;
    }
  }
  while (p < m && elements_[p] == kAnyRun) ++p;
  return p == m;
}

}  // namespace quiver::expr
