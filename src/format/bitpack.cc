#include "format/bitpack.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <type_traits>

#include "common/coding.h"

namespace quiver {
namespace {

template <typename U>
U LoadWord(const uint8_t* p) {
  U v;
  std::memcpy(&v, p, sizeof(U));
  return v;
}

template <typename U>
void StoreWord(uint8_t* p, U v) {
  std::memcpy(p, &v, sizeof(U));
}

// Encodes `count` words of type U; returns the bytes written after the
// header, which it fills.
template <typename U>
size_t EncodeWords(const uint8_t* src, size_t count, uint8_t* dst) {
  using S = std::make_signed_t<U>;
  U umin = 0, umax = 0;
  S smin = 0, smax = 0;
  if (count > 0) {
    umin = umax = LoadWord<U>(src);
    smin = smax = static_cast<S>(umin);
  }
  for (size_t i = 1; i < count; ++i) {
    const U w = LoadWord<U>(src + i * sizeof(U));
    const S s = static_cast<S>(w);
    umin = std::min(umin, w), umax = std::max(umax, w);
    smin = std::min(smin, s), smax = std::max(smax, s);
  }
  // The reference that leaves the smaller range of deltas.
  const U urange = static_cast<U>(umax - umin);
  const U srange = static_cast<U>(static_cast<U>(smax) - static_cast<U>(smin));
  const U reference = srange < urange ? static_cast<U>(smin) : umin;
  const uint64_t range = std::min(urange, srange);
  const int bits = range == 0 ? 0 : 64 - std::countl_zero(range);
  dst[0] = static_cast<uint8_t>(sizeof(U));
  dst[1] = static_cast<uint8_t>(bits);
  EncodeFixed64(dst + 2, static_cast<uint64_t>(reference));
  if (bits == 0) return 0;

  // Deltas into a 128-bit accumulator, flushed 64 bits at a time.
  uint8_t* out = dst + kBitpackHeaderBytes;
  unsigned __int128 acc = 0;
  int filled = 0;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t delta = static_cast<U>(LoadWord<U>(src + i * sizeof(U)) - reference);
    acc |= static_cast<unsigned __int128>(delta) << filled;
    filled += bits;
    if (filled >= 64) {
      StoreWord<uint64_t>(out, static_cast<uint64_t>(acc));
      out += 8;
      acc >>= 64;
      filled -= 64;
    }
  }
  for (; filled > 0; filled -= 8) {
    *out++ = static_cast<uint8_t>(acc);
    acc >>= 8;
  }
  return static_cast<size_t>(out - (dst + kBitpackHeaderBytes));
}

// Delta i of `bits` bits from a packed stream with at least 9 readable bytes
// from bit offset i * bits on.
inline uint64_t Delta(const uint8_t* packed, uint64_t bitpos, int bits) {
  const uint64_t byte = bitpos >> 3;
  const int shift = static_cast<int>(bitpos & 7);
  uint64_t v = LoadWord<uint64_t>(packed + byte) >> shift;
  if (shift + bits > 64) v |= static_cast<uint64_t>(packed[byte + 8]) << (64 - shift);
  return v;
}

template <typename U>
void DecodeWords(const uint8_t* packed, size_t packed_bytes, int bits, U reference, size_t count,
                 uint8_t* dst) {
  if (bits == 0) {
    for (size_t i = 0; i < count; ++i) StoreWord<U>(dst + i * sizeof(U), reference);
    return;
  }
  const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  size_t i = 0;
  // Whole 9-byte loads while they stay inside the stream, then the last few
  // deltas from a zero-padded copy of its end.
  const bool any_safe = packed_bytes >= 9;
  const uint64_t safe_bits = any_safe ? (packed_bytes - 9) * 8 : 0;
  for (; any_safe && i < count && static_cast<uint64_t>(i) * bits <= safe_bits; ++i) {
    const uint64_t delta = Delta(packed, static_cast<uint64_t>(i) * bits, bits) & mask;
    StoreWord<U>(dst + i * sizeof(U), static_cast<U>(reference + delta));
  }
  if (i == count) return;
  const uint64_t first_byte = (static_cast<uint64_t>(i) * bits) >> 3;
  uint8_t tail[32] = {};
  std::memcpy(tail, packed + first_byte, packed_bytes - first_byte);
  for (; i < count; ++i) {
    const uint64_t delta = Delta(tail, static_cast<uint64_t>(i) * bits - first_byte * 8, bits) & mask;
    StoreWord<U>(dst + i * sizeof(U), static_cast<U>(reference + delta));
  }
}

Status Corrupt(const std::string& what) { return Status::Corruption("bitpacked chunk: " + what); }

}  // namespace

size_t BitpackEncode(const uint8_t* src, size_t n, int width, uint8_t* dst) {
  const size_t count = n / static_cast<size_t>(width);
  size_t packed = 0;
  switch (width) {
    case 1:
      packed = EncodeWords<uint8_t>(src, count, dst);
      break;
    case 2:
      packed = EncodeWords<uint16_t>(src, count, dst);
      break;
    case 4:
      packed = EncodeWords<uint32_t>(src, count, dst);
      break;
    default:
      packed = EncodeWords<uint64_t>(src, count, dst);
      break;
  }
  const size_t tail = n - count * static_cast<size_t>(width);
  if (tail > 0)
    std::memcpy(dst + kBitpackHeaderBytes + packed, src + count * static_cast<size_t>(width), tail);
  return kBitpackHeaderBytes + packed + tail;
}

Status BitpackDecode(const uint8_t* src, size_t src_size, uint8_t* dst, size_t dst_size) {
  if (src_size < kBitpackHeaderBytes) return Corrupt(std::to_string(src_size) + " bytes, no header");
  const int width = src[0];
  const int bits = src[1];
  if (!IsBitpackWidth(width)) return Corrupt("word width " + std::to_string(width));
  if (bits > 8 * width) return Corrupt(std::to_string(bits) + " bits for words of " + std::to_string(width));
  const uint64_t reference = DecodeFixed64(src + 2);
  const size_t count = dst_size / static_cast<size_t>(width);
  const size_t tail = dst_size - count * static_cast<size_t>(width);
  const uint64_t packed_bytes = (static_cast<uint64_t>(count) * static_cast<uint64_t>(bits) + 7) / 8;
  if (src_size != kBitpackHeaderBytes + packed_bytes + tail) {
    return Corrupt(std::to_string(src_size) + " bytes do not hold " + std::to_string(count) + " words of " +
                   std::to_string(bits) + " bits and " + std::to_string(tail) + " more bytes");
  }
  const uint8_t* packed = src + kBitpackHeaderBytes;
  switch (width) {
    case 1:
      DecodeWords<uint8_t>(packed, packed_bytes, bits, static_cast<uint8_t>(reference), count, dst);
      break;
    case 2:
      DecodeWords<uint16_t>(packed, packed_bytes, bits, static_cast<uint16_t>(reference), count, dst);
      break;
    case 4:
      DecodeWords<uint32_t>(packed, packed_bytes, bits, static_cast<uint32_t>(reference), count, dst);
      break;
    default:
      DecodeWords<uint64_t>(packed, packed_bytes, bits, reference, count, dst);
      break;
  }
  if (tail > 0) std::memcpy(dst + count * static_cast<size_t>(width), packed + packed_bytes, tail);
  return Status::OK();
}

}  // namespace quiver
