#include "format/compression.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace quiver {
namespace {

TEST(CompressionTest, NamesParse) {
  for (Compression c : {Compression::kNone, Compression::kZstd, Compression::kLz4}) {
    auto parsed = ParseCompression(CompressionName(c));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, c);
  }
  auto bad = ParseCompression("gzip");
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("gzip"), std::string::npos);
  EXPECT_EQ(CompressionName(static_cast<Compression>(9)), "unknown");
}

std::string Compressible(size_t n) {
  std::string s;
  while (s.size() < n) s += "row " + std::to_string(s.size() % 1000) + ", ";
  s.resize(n);
  return s;
}

TEST(CompressionTest, RoundTrips) {
  Compressor compressor;
  for (Compression c : {Compression::kZstd, Compression::kLz4}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{300000}}) {
      const std::string input = Compressible(n);
      std::string out(MaxCompressedSize(c, n), '\0');
      auto size = compressor.Compress(c, 3, input.data(), n, out.data(), out.size());
      ASSERT_TRUE(size.ok()) << size.status().ToString();
      if (n >= 100000) {
        EXPECT_LT(*size, n / 2);
      }
      std::string back(n, '\0');
      ASSERT_TRUE(Decompress(c, out.data(), *size, back.data(), n).ok());
      EXPECT_EQ(back, input);
    }
  }
}

TEST(CompressionTest, BadInputIsCorruption) {
  Compressor compressor;
  const std::string input = Compressible(10000);
  for (Compression c : {Compression::kZstd, Compression::kLz4}) {
    std::string out(MaxCompressedSize(c, input.size()), '\0');
    auto size = compressor.Compress(c, 1, input.data(), input.size(), out.data(), out.size());
    ASSERT_TRUE(size.ok());
    out.resize(*size);
    std::string back(input.size(), '\0');
    // Wrong expected size, truncated input, garbage.
    EXPECT_TRUE(Decompress(c, out.data(), out.size(), back.data(), back.size() - 1).IsCorruption());
    EXPECT_TRUE(Decompress(c, out.data(), out.size() / 2, back.data(), back.size()).IsCorruption());
    std::string garbage(500, '\x77');
    EXPECT_TRUE(Decompress(c, garbage.data(), garbage.size(), back.data(), back.size()).IsCorruption());
    // Random flips never crash (LZ4_decompress_safe and zstd bound every write).
    std::mt19937_64 rng(1);
    for (int i = 0; i < 200; ++i) {
      std::string damaged = out;
      damaged[rng() % damaged.size()] ^= static_cast<char>(1 + rng() % 255);
      Status st = Decompress(c, damaged.data(), damaged.size(), back.data(), back.size());
      EXPECT_TRUE(st.ok() || st.IsCorruption()) << st.ToString();
    }
  }
  std::string back(4, '\0');
  EXPECT_TRUE(Decompress(Compression::kNone, "abc", 3, back.data(), 4).IsCorruption());
  EXPECT_TRUE(Decompress(static_cast<Compression>(9), "abc", 3, back.data(), 4).IsNotSupported());
  EXPECT_TRUE(
      compressor.Compress(Compression::kNone, 1, "abc", 3, back.data(), 4).status().IsInvalidArgument());
}

}  // namespace
}  // namespace quiver
