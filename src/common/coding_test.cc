#include "common/coding.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace quiver {
namespace {

TEST(CodingTest, Fixed32IsLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s, std::string("\x01\x02\x03\x04", 4));
  std::string_view in = s;
  uint32_t v = 0;
  ASSERT_TRUE(GetFixed32(&in, &v));
  EXPECT_EQ(v, 0x04030201u);
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, Fixed64RoundTrip) {
  std::string s;
  std::vector<uint64_t> values = {0, 1, 0xff, 0x0807060504030201ull, std::numeric_limits<uint64_t>::max()};
  for (uint64_t v : values) PutFixed64(&s, v);
  EXPECT_EQ(s.substr(24, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  std::string_view in = s;
  for (uint64_t expected : values) {
    uint64_t v;
    ASSERT_TRUE(GetFixed64(&in, &v));
    EXPECT_EQ(v, expected);
  }
  EXPECT_TRUE(in.empty());
  uint8_t buf[8];
  EncodeFixed64(buf, 42);
  EXPECT_EQ(DecodeFixed64(buf), 42u);
  EncodeFixed32(buf, 7);
  EXPECT_EQ(DecodeFixed32(buf), 7u);
}

TEST(CodingTest, FixedTruncated) {
  std::string_view in("\x01\x02\x03", 3);
  uint32_t v32 = 99;
  EXPECT_FALSE(GetFixed32(&in, &v32));
  EXPECT_EQ(in.size(), 3u);  // unchanged
  EXPECT_EQ(v32, 99u);
  uint64_t v64;
  std::string_view seven("1234567", 7);
  EXPECT_FALSE(GetFixed64(&seven, &v64));
  EXPECT_EQ(seven.size(), 7u);
}

TEST(CodingTest, Varint32RoundTrip) {
  std::string s;
  std::vector<uint32_t> values;
  for (uint32_t i = 0; i < 32 * 32; ++i) values.push_back((i / 32) << (i % 32));
  values.push_back(std::numeric_limits<uint32_t>::max());
  for (uint32_t v : values) PutVarint32(&s, v);
  std::string_view in = s;
  for (uint32_t expected : values) {
    uint32_t v;
    ASSERT_TRUE(GetVarint32(&in, &v));
    EXPECT_EQ(v, expected);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, Varint64RoundTripAndLengths) {
  std::vector<uint64_t> values = {0, 100, 127, 128, 16383, 16384, ~0ull, ~0ull - 1};
  for (int k = 0; k < 64; ++k) {
    uint64_t p = 1ull << k;
    values.push_back(p);
    values.push_back(p - 1);
    values.push_back(p + 1);
  }
  std::string s;
  for (uint64_t v : values) {
    size_t before = s.size();
    PutVarint64(&s, v);
    EXPECT_EQ(static_cast<int>(s.size() - before), VarintLength(v)) << v;
  }
  EXPECT_EQ(VarintLength(0), 1);
  EXPECT_EQ(VarintLength(127), 1);
  EXPECT_EQ(VarintLength(128), 2);
  EXPECT_EQ(VarintLength(~0ull), kMaxVarint64Bytes);
  std::string_view in = s;
  for (uint64_t expected : values) {
    uint64_t v;
    ASSERT_TRUE(GetVarint64(&in, &v));
    EXPECT_EQ(v, expected);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, VarintTruncatedLeavesInputAlone) {
  std::string s;
  PutVarint64(&s, 1ull << 40);
  for (size_t len = 0; len < s.size(); ++len) {
    std::string_view in(s.data(), len);
    uint64_t v = 7;
    EXPECT_FALSE(GetVarint64(&in, &v)) << len;
    EXPECT_EQ(in.size(), len);
    EXPECT_EQ(v, 7u);
  }
  std::string s32;
  PutVarint32(&s32, 1u << 30);
  std::string_view in(s32.data(), s32.size() - 1);
  uint32_t v;
  EXPECT_FALSE(GetVarint32(&in, &v));
}

TEST(CodingTest, VarintOverlongOrOverflowingIsRejected) {
  // Eleven continuation bytes: longer than any uint64 encoding.
  std::string too_long(11, '\x80');
  std::string_view in = too_long;
  uint64_t v64;
  EXPECT_FALSE(GetVarint64(&in, &v64));
  // Ten bytes whose last carries more than the top bit: overflows uint64.
  std::string overflow(9, '\xff');
  overflow.push_back('\x02');
  in = overflow;
  EXPECT_FALSE(GetVarint64(&in, &v64));
  // A uint64 that does not fit uint32.
  std::string big;
  PutVarint64(&big, 1ull << 32);
  in = big;
  uint32_t v32;
  EXPECT_FALSE(GetVarint32(&in, &v32));
  std::string six(5, '\xff');
  six.push_back('\x01');
  in = six;
  EXPECT_FALSE(GetVarint32(&in, &v32));
}

TEST(CodingTest, PointerDecoders) {
  uint8_t buf[kMaxVarint64Bytes];
  uint8_t* end = EncodeVarint64(buf, 300);
  EXPECT_EQ(end - buf, 2);
  uint64_t v;
  EXPECT_EQ(DecodeVarint64(buf, end, &v), end);
  EXPECT_EQ(v, 300u);
  EXPECT_EQ(DecodeVarint64(buf, buf + 1, &v), nullptr);
  end = EncodeVarint32(buf, 5);
  uint32_t v32;
  EXPECT_EQ(DecodeVarint32(buf, end, &v32), end);
  EXPECT_EQ(v32, 5u);
  EXPECT_EQ(DecodeVarint32(buf, buf, &v32), nullptr);
}

TEST(CodingTest, LengthPrefixed) {
  std::string s;
  PutLengthPrefixed(&s, "hello");
  PutLengthPrefixed(&s, "");
  PutLengthPrefixed(&s, std::string(300, 'x'));
  std::string_view in = s;
  std::string_view out;
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, "hello");
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, std::string(300, 'x'));
  EXPECT_TRUE(in.empty());

  std::string truncated;
  PutVarint64(&truncated, 10);
  truncated += "abc";
  in = truncated;
  EXPECT_FALSE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(in.size(), truncated.size());
  std::string huge;
  PutVarint64(&huge, ~0ull);
  in = huge;
  EXPECT_FALSE(GetLengthPrefixed(&in, &out));
}

}  // namespace
}  // namespace quiver
