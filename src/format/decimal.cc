#include "format/decimal.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/coding.h"
#include "format/bitpack.h"

namespace quiver {
namespace {

constexpr double kPow10[kMaxDecimalExponent + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};
// Integers k are kept below 2^52 in magnitude, where doubles hold every one.
constexpr double kMaxInteger = 4503599627370496.0;

constexpr size_t kHeaderBytes = 3;

// k with k / 10^e == v bit for bit, if there is one.
inline bool ToDecimal(double v, int e, int64_t* k) {
  const double scaled = v * kPow10[e];
  if (!(std::fabs(scaled) < kMaxInteger)) return false;  // also NaN and infinities
  // Checked the way DecimalDecode computes it, from the integer (which has
  // no -0: -0.0 is an exception).
  const int64_t integer = static_cast<int64_t>(std::nearbyint(scaled));
  const double back = static_cast<double>(integer) / kPow10[e];
  if (std::memcmp(&back, &v, sizeof(double)) != 0) return false;
  *k = integer;
  return true;
}

Status Corrupt(const std::string& what) { return Status::Corruption("decimal chunk: " + what); }

inline void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

}  // namespace

size_t DecimalMaxSize(size_t n) {
  // Every double an exception: its packed word, position and value.
  return kHeaderBytes + BitpackMaxSize(n) + (n / 8) * 10 + 8;
}

int ChooseDecimalExponent(const double* values, size_t count) {
  int best = -1;
  size_t best_hits = 0;
  for (int e = 0; e <= kMaxDecimalExponent; ++e) {
    size_t hits = 0;
    int64_t k = 0;
    for (size_t i = 0; i < count; ++i) hits += ToDecimal(values[i], e, &k);
    if (hits > best_hits) {
      best = e;
      best_hits = hits;
    }
    if (hits == count) break;  // a larger exponent cannot do better
  }
  return count > 0 && best_hits * 2 >= count ? best : -1;
}

size_t DecimalEncode(const uint8_t* src, size_t n, int e, uint8_t* dst) {
  const size_t count = n / 8;
  std::vector<int64_t> ks(count);
  std::vector<uint16_t> positions;
  std::vector<uint64_t> exceptions;
  int64_t last = 0;  // an exception's slot repeats the last integer, to keep the range narrow
  for (size_t i = 0; i < count; ++i) {
    double v;
    std::memcpy(&v, src + i * 8, 8);
    if (ToDecimal(v, e, &ks[i])) {
      last = ks[i];
    } else {
      ks[i] = last;
      positions.push_back(static_cast<uint16_t>(i));
      uint64_t bits;
      std::memcpy(&bits, &v, 8);
      exceptions.push_back(bits);
    }
  }
  uint8_t* out = dst;
  *out++ = static_cast<uint8_t>(e);
  Put16(out, static_cast<uint16_t>(positions.size()));
  out += 2;
  out += BitpackEncode(reinterpret_cast<const uint8_t*>(ks.data()), count * 8, 8, out);
  for (uint16_t p : positions) {
    Put16(out, p);
    out += 2;
  }
  for (uint64_t bits : exceptions) {
    EncodeFixed64(out, bits);
    out += 8;
  }
  if (n > count * 8) std::memcpy(out, src + count * 8, n - count * 8);
  out += n - count * 8;
  return static_cast<size_t>(out - dst);
}

Status DecimalDecode(const uint8_t* src, size_t src_size, uint8_t* dst, size_t dst_size) {
  const size_t count = dst_size / 8;
  const size_t tail = dst_size - count * 8;
  if (src_size < kHeaderBytes + kBitpackHeaderBytes) return Corrupt(std::to_string(src_size) + " bytes");
  const int e = src[0];
  if (e > kMaxDecimalExponent) return Corrupt("exponent " + std::to_string(e));
  const size_t m = Get16(src + 1);
  const uint8_t* packed = src + kHeaderBytes;
  const uint64_t packed_size =
      kBitpackHeaderBytes + (static_cast<uint64_t>(count) * packed[1] + 7) / 8;  // bits checked below
  if (packed[0] != 8) return Corrupt("integers of " + std::to_string(packed[0]) + " bytes");
  if (m > count || packed_size + 10 * uint64_t{m} + tail + kHeaderBytes != src_size) {
    return Corrupt(std::to_string(src_size) + " bytes do not hold " + std::to_string(count) + " values and " +
                   std::to_string(m) + " exceptions");
  }
  QUIVER_RETURN_NOT_OK(BitpackDecode(packed, packed_size, dst, count * 8));
  for (size_t i = 0; i < count; ++i) {
    int64_t k;
    std::memcpy(&k, dst + i * 8, 8);
    const double v = static_cast<double>(k) / kPow10[e];
    std::memcpy(dst + i * 8, &v, 8);
  }
  const uint8_t* positions = packed + packed_size;
  const uint8_t* values = positions + 2 * m;
  for (size_t j = 0; j < m; ++j) {
    const size_t p = Get16(positions + 2 * j);
    if (p >= count || (j > 0 && p <= Get16(positions + 2 * (j - 1)))) {
      return Corrupt("exception position " + std::to_string(p));
    }
    std::memcpy(dst + p * 8, values + 8 * j, 8);
  }
  if (tail > 0) std::memcpy(dst + count * 8, values + 8 * m, tail);
  return Status::OK();
}

}  // namespace quiver
