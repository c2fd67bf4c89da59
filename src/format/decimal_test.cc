// Decimal doubles: short decimals round-trip bit for bit through their
// integers, everything else (more digits, NaN, infinities, -0.0, huge and
// tiny numbers, odd trailing bytes) through the exceptions; the exponent
// chosen is the smallest that fits; malformed chunks are Corruption.
#include "format/decimal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace quiver {
namespace {

std::vector<uint8_t> Bytes(const std::vector<double>& values, size_t tail = 0) {
  std::vector<uint8_t> out(values.size() * 8 + tail, 0xA5);
  std::memcpy(out.data(), values.data(), values.size() * 8);
  return out;
}

std::vector<uint8_t> Encode(const std::vector<uint8_t>& data, int e) {
  std::vector<uint8_t> out(DecimalMaxSize(data.size()));
  out.resize(DecimalEncode(data.data(), data.size(), e, out.data()));
  return out;
}

void ExpectRoundTrip(const std::vector<uint8_t>& data, int e) {
  const std::vector<uint8_t> packed = Encode(data, e);
  ASSERT_LE(packed.size(), DecimalMaxSize(data.size()));
  std::vector<uint8_t> back(data.size(), 0x11);
  Status st = DecimalDecode(packed.data(), packed.size(), back.data(), back.size());
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(back, data);
}

TEST(DecimalTest, PricesPackAsIntegersAndRoundTrip) {
  std::mt19937_64 rng(5);
  std::vector<double> prices(256);
  for (double& p : prices)
    p = std::floor(std::uniform_real_distribution<double>(0, 1)(rng) * 100000.0) / 100.0;
  EXPECT_EQ(ChooseDecimalExponent(prices.data(), prices.size()), 2);
  const std::vector<uint8_t> data = Bytes(prices);
  const std::vector<uint8_t> packed = Encode(data, 2);
  // 17 bits per value instead of 64, no exceptions.
  EXPECT_LT(packed.size(), data.size() * 30 / 100);
  ExpectRoundTrip(data, 2);
  // Whole numbers need no digits; negative ones too.
  std::vector<double> whole = {0, 1, -2, 3, 1e15, -7};
  EXPECT_EQ(ChooseDecimalExponent(whole.data(), whole.size()), 0);
  ExpectRoundTrip(Bytes(whole), 0);
}

TEST(DecimalTest, ValuesThatDoNotFitAreExceptions) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> odd = {1.25,         1.0 / 3.0,
                             std::nan(""), inf,
                             -inf,         -0.0,
                             0.0,          1e300,
                             5e-324,       std::numeric_limits<double>::max(),
                             12.5,         9007199254740993.0,
                             -1.75};
  for (int e = 0; e <= kMaxDecimalExponent; ++e) {
    SCOPED_TRACE(e);
    for (size_t tail : {size_t{0}, size_t{3}, size_t{7}}) ExpectRoundTrip(Bytes(odd, tail), e);
  }
  // Random bit patterns: all exceptions, still exact.
  std::mt19937_64 rng(8);
  std::vector<double> random(256);
  for (double& v : random) {
    const uint64_t bits = rng();
    std::memcpy(&v, &bits, 8);
  }
  EXPECT_EQ(ChooseDecimalExponent(random.data(), random.size()), -1);
  ExpectRoundTrip(Bytes(random), 3);
  // Empty and tail-only chunks.
  ExpectRoundTrip({}, 0);
  ExpectRoundTrip(std::vector<uint8_t>{1, 2, 3}, 4);
}

TEST(DecimalTest, ChoosesTheSmallestExponentThatFitsMost) {
  std::vector<double> tenths = {0.1, 0.5, 2.5, 7.0, 100.3};
  EXPECT_EQ(ChooseDecimalExponent(tenths.data(), tenths.size()), 1);
  // Mostly cents, one value with more digits.
  std::vector<double> cents = {1.01, 2.02, 3.5, 4.99, 3.141592653589793};
  EXPECT_EQ(ChooseDecimalExponent(cents.data(), cents.size()), 2);
  EXPECT_EQ(ChooseDecimalExponent(nullptr, 0), -1);
}

TEST(DecimalTest, MalformedInputIsCorruption) {
  std::vector<double> values = {1.5, 2.25, std::nan(""), 4.0, 1.0 / 3.0};
  const std::vector<uint8_t> data = Bytes(values, 2);
  const std::vector<uint8_t> packed = Encode(data, 2);
  auto decode = [&](const std::vector<uint8_t>& bytes, size_t dst_size) {
    std::vector<uint8_t> dst(dst_size);
    return DecimalDecode(bytes.data(), bytes.size(), dst.data(), dst.size());
  };
  ASSERT_TRUE(decode(packed, data.size()).ok());
  for (size_t len = 0; len < packed.size(); ++len) {
    std::vector<uint8_t> cut(packed.begin(), packed.begin() + static_cast<ptrdiff_t>(len));
    EXPECT_TRUE(decode(cut, data.size()).IsCorruption()) << len;
  }
  EXPECT_TRUE(decode(packed, data.size() + 8).IsCorruption());
  std::vector<uint8_t> bad_exponent = packed;
  bad_exponent[0] = kMaxDecimalExponent + 1;
  EXPECT_TRUE(decode(bad_exponent, data.size()).IsCorruption());
  // Every byte flipped: refused or decoded to some bytes of the right size
  // (chunk checksums catch the rest), never a crash.
  for (size_t at = 0; at < packed.size(); ++at) {
    std::vector<uint8_t> bad = packed;
    bad[at] ^= 0x41;
    Status st = decode(bad, data.size());
    EXPECT_TRUE(st.ok() || st.IsCorruption()) << at << ": " << st.ToString();
  }
}

}  // namespace
}  // namespace quiver
