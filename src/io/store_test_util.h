// Helpers for the io layer's tests: Status assertions and object shorthands.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "io/object_store.h"

#define QUIVER_IO_ASSERT_OK(expr)                             \
  do {                                                        \
    ::quiver::Status _st = (expr);                            \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (0)

#define QUIVER_IO_EXPECT_OK(expr)                             \
  do {                                                        \
    ::quiver::Status _st = (expr);                            \
    EXPECT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (0)

namespace quiver::io_testing {

// The object's bytes, or "<Code: message>" when the read fails, so a test
// can compare with EXPECT_EQ and see the failure in the message.
inline std::string ReadString(ObjectStore& store, std::string_view key) {
  Result<BufferPtr> data = store.Read(key);
  if (!data.ok()) return "<" + data.status().ToString() + ">";
  return std::string((*data)->view());
}

// The keys under `prefix`, in List order; empty when List fails.
inline std::vector<std::string> ListKeys(ObjectStore& store, std::string_view prefix) {
  std::vector<std::string> keys;
  Result<std::vector<ObjectMeta>> listed = store.List(prefix);
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();
  if (!listed.ok()) return keys;
  for (const ObjectMeta& meta : *listed) keys.push_back(meta.key);
  return keys;
}

// `size` bytes of a repeating pattern seeded by `seed`.
inline std::string Pattern(size_t size, int seed) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i)
    out[i] = static_cast<char>((i * 131 + static_cast<size_t>(seed) * 7) & 0xff);
  return out;
}

}  // namespace quiver::io_testing
