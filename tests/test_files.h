// Small file and shell helpers of the integration tests that run programs
// (the quiver binary, node).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace quiver::testing {

// The whole file, or "" when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `arg` single-quoted for /bin/sh.
inline std::string ShellQuote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace quiver::testing
