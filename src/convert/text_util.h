// Small text helpers shared by the readers and writers of this folder.
//
// Thread-safety: pure functions.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>
#include <vector>

namespace quiver::convert {

// The longest prefix of `s` of at most `max_bytes` bytes that does not cut a
// UTF-8 sequence in two.
inline std::string_view Utf8Prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// The length (1 to 4) of the valid UTF-8 sequence starting at s[i], or 0
// when the bytes there are not one (overlong forms and surrogates included).
inline int Utf8SequenceLength(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  int len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (int k = 1; k < len; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// The number of code points in `s` (what a terminal shows, ignoring wide
// characters); stray continuation bytes do not count.
inline int64_t Utf8Length(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// ASCII whitespace (space, tab, CR, LF) removed from both ends.
inline std::string_view TrimSpace(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Parses all of `s` (after trimming spaces) as a decimal integer, an optional
// sign allowed. False when it is not one or does not fit.
inline bool ParseInt64(std::string_view s, int64_t* out) {
  s = TrimSpace(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

inline bool ParseUInt64(std::string_view s, uint64_t* out) {
  s = TrimSpace(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Parses all of `s` (after trimming spaces) as a decimal or scientific
// number; also "nan", "inf" and "infinity" in any case. Values beyond the
// range of T are an error.
template <typename T>
inline bool ParseFloat(std::string_view s, T* out) {
  s = TrimSpace(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// "true"/"false" in any case.
inline bool ParseBool(std::string_view s, bool* out) {
  s = TrimSpace(s);
  auto equals = [](std::string_view a, std::string_view lower) {
    if (a.size() != lower.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != lower[i]) return false;
    }
    return true;
  };
  if (equals(s, "true")) {
    *out = true;
    return true;
  }
  if (equals(s, "false")) {
    *out = false;
    return true;
  }
  return false;
}

// Parses a JSON array of numbers ("[0.5, -1, 2e3]") into `out` (cleared
// first). False when `s` is anything else; an empty array is not a vector.
inline bool ParseFloatList(std::string_view s, std::vector<float>* out) {
  out->clear();
  s = TrimSpace(s);
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
  const char* p = s.data() + 1;
  const char* end = s.data() + s.size() - 1;
  auto skip_space = [&] {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  };
  while (true) {
    skip_space();
    float v;
    auto [next, ec] = std::from_chars(p, end, v);
    // from_chars also reads "nan"/"inf", which JSON does not have.
    if (ec != std::errc() || next == p || *p == 'n' || *p == 'i' || *p == 'N' || *p == 'I') return false;
    out->push_back(v);
    p = next;
    skip_space();
    if (p == end) return true;
    if (*p != ',') return false;
    ++p;
  }
}

}  // namespace quiver::convert
