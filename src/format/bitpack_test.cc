// Bit packing: every width, length and range round-trips (including tails
// that are not whole words, constant runs, negative numbers and the full
// 64-bit range), the encoder picks the narrowest reference, and malformed
// input is Corruption without reading past it.
#include "format/bitpack.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace quiver {
namespace {

std::vector<uint8_t> Encode(const std::vector<uint8_t>& data, int width) {
  std::vector<uint8_t> out(BitpackMaxSize(data.size()));
  out.resize(BitpackEncode(data.data(), data.size(), width, out.data()));
  return out;
}

// `count` words of `width` bytes from `base` plus values below 2^bits
// (signed words may go negative), then `tail` random bytes.
std::vector<uint8_t> Words(int width, size_t count, int64_t base, int bits, size_t tail, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> out(count * width + tail);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t spread = bits == 0 ? 0 : bits == 64 ? rng() : rng() & ((uint64_t{1} << bits) - 1);
    const uint64_t v = static_cast<uint64_t>(base) + spread;
    std::memcpy(out.data() + i * width, &v, width);  // little-endian: the low bytes
  }
  for (size_t i = 0; i < tail; ++i) out[count * width + i] = static_cast<uint8_t>(rng());
  return out;
}

TEST(BitpackTest, RoundTripsEveryWidthLengthAndRange) {
  for (int width : {1, 2, 4, 8}) {
    for (size_t count : {size_t{0}, size_t{1}, size_t{7}, size_t{64}, size_t{255}, size_t{256}}) {
      for (int bits : {0, 1, 3, 7, 8, 13, 31, 33, 56, 57, 63, 64}) {
        if (bits > 8 * width) continue;
        for (size_t tail : {size_t{0}, static_cast<size_t>(width - 1)}) {
          for (int64_t base : {int64_t{0}, int64_t{-5}, int64_t{1} << 40}) {
            SCOPED_TRACE("width " + std::to_string(width) + " count " + std::to_string(count) + " bits " +
                         std::to_string(bits) + " tail " + std::to_string(tail) + " base " +
                         std::to_string(base));
            const std::vector<uint8_t> data = Words(width, count, base, bits, tail, 7 + bits);
            const std::vector<uint8_t> packed = Encode(data, width);
            ASSERT_LE(packed.size(), BitpackMaxSize(data.size()));
            std::vector<uint8_t> back(data.size(), 0xEE);
            ASSERT_TRUE(BitpackDecode(packed.data(), packed.size(), back.data(), back.size()).ok());
            ASSERT_EQ(back, data);
          }
        }
      }
    }
  }
}

TEST(BitpackTest, UsesTheNarrowestReference) {
  // 256 int64 values from -100 to 155: 8 bits each around the signed
  // minimum (as unsigned words they would span 64 bits).
  std::vector<uint8_t> mixed(256 * 8);
  for (int i = 0; i < 256; ++i) {
    const int64_t v = i - 100;
    std::memcpy(mixed.data() + i * 8, &v, 8);
  }
  std::vector<uint8_t> packed = Encode(mixed, 8);
  EXPECT_EQ(packed[0], 8);
  EXPECT_EQ(packed[1], 8);
  EXPECT_EQ(packed.size(), kBitpackHeaderBytes + 256u);
  // A constant run is the header alone.
  std::vector<uint8_t> constant = Words(4, 512, 123456, 0, 0, 1);
  EXPECT_EQ(Encode(constant, 4).size(), kBitpackHeaderBytes);
  // Ascending ids: 8 bits over a chunk of 256.
  std::vector<uint8_t> ids(256 * 8);
  for (int64_t i = 0; i < 256; ++i) {
    const int64_t v = 1'000'000 + i;
    std::memcpy(ids.data() + i * 8, &v, 8);
  }
  EXPECT_EQ(Encode(ids, 8)[1], 8);
}

TEST(BitpackTest, MalformedInputIsCorruption) {
  const std::vector<uint8_t> data = Words(8, 100, 5, 20, 3, 9);
  const std::vector<uint8_t> packed = Encode(data, 8);
  std::vector<uint8_t> out(data.size());
  auto decode = [&](std::vector<uint8_t> bytes, size_t dst_size) {
    std::vector<uint8_t> dst(dst_size);
    return BitpackDecode(bytes.data(), bytes.size(), dst.data(), dst.size());
  };
  ASSERT_TRUE(decode(packed, data.size()).ok());
  // Every truncation, and one byte too many.
  for (size_t len = 0; len < packed.size(); ++len) {
    std::vector<uint8_t> cut(packed.begin(), packed.begin() + static_cast<ptrdiff_t>(len));
    EXPECT_TRUE(decode(cut, data.size()).IsCorruption()) << len;
  }
  std::vector<uint8_t> longer = packed;
  longer.push_back(0);
  EXPECT_TRUE(decode(longer, data.size()).IsCorruption());
  // A size that is not what the chunk holds.
  EXPECT_TRUE(decode(packed, data.size() + 8).IsCorruption());
  EXPECT_TRUE(decode(packed, data.size() - 8).IsCorruption());
  // Bad widths and bit counts.
  for (uint8_t width : {0, 3, 16}) {
    std::vector<uint8_t> bad = packed;
    bad[0] = width;
    EXPECT_TRUE(decode(bad, data.size()).IsCorruption()) << int(width);
  }
  std::vector<uint8_t> too_wide = packed;
  too_wide[1] = 65;
  EXPECT_TRUE(decode(too_wide, data.size()).IsCorruption());
  // Any header byte changed is either refused or decodes to some bytes of
  // the right size (the chunk checksum, not the codec, catches the rest).
  for (size_t at = 0; at < kBitpackHeaderBytes; ++at) {
    for (uint8_t flip : {uint8_t{1}, uint8_t{0x80}}) {
      std::vector<uint8_t> bad = packed;
      bad[at] ^= flip;
      Status st = decode(bad, data.size());
      EXPECT_TRUE(st.ok() || st.IsCorruption()) << st.ToString();
    }
  }
}

}  // namespace
}  // namespace quiver
