// UTF-8 helpers for the string functions: validation, code-point counting
// and stepping, and simple (one-to-one) case mapping.
//
// Case mapping covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic;
// other code points map to themselves. Invalid bytes are treated as single
// code points so that no input can make a loop stall or read out of bounds.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/utf8.h"

namespace quiver::expr {

bool IsValidUtf8(std::string_view s);

// Length in bytes of the code point starting at s[i] (1 for invalid bytes),
// clipped to the end of s.
inline size_t Utf8CharLength(std::string_view s, size_t i) {
  const auto c = static_cast<uint8_t>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  return i + n <= s.size() ? n : s.size() - i;
}

// Number of code points (bytes that are not continuation bytes).
int64_t Utf8Length(std::string_view s);

// The code point at s[i] (advancing *i past it); U+FFFD for invalid bytes.
uint32_t DecodeUtf8(std::string_view s, size_t* i);
// AppendUtf8 (encoding one code point) is in common/utf8.h.

uint32_t ToLowerCodePoint(uint32_t cp);
uint32_t ToUpperCodePoint(uint32_t cp);
// Appends s lower-/upper-cased to *out (ASCII fast path).
void AppendLower(std::string_view s, std::string* out);
void AppendUpper(std::string_view s, std::string* out);

}  // namespace quiver::expr
