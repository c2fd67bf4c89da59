// Bitmaps in Arrow's layout (bit i of byte i / 8, least significant first),
// read and combined 64 bits at a time: the validity and bool-value work of
// the expression kernels.
//
// Outputs are word-aligned (offset 0) buffers of ceil(length / 64) words;
// bits past `length` are unspecified. Inputs may start at any bit offset.
// Assumes a little-endian machine, as Arrow's layout on every platform
// Quiver builds for.
//
// Thread-safety: pure functions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "quiver/array.h"
#include "quiver/buffer.h"

namespace quiver::expr {

// A bitmap that may start at a bit offset; `bits == nullptr` means all ones
// (an array without a validity bitmap has no nulls).
struct BitmapRef {
  const uint8_t* bits = nullptr;
  int64_t offset = 0;
};

inline int64_t NumWords(int64_t length) { return (length + 63) / 64; }

// `nbits` (1..64) bits starting at bit `start`, in the low bits of the result
// (higher bits zero). Reads only the bytes holding those bits.
inline uint64_t LoadBits(const uint8_t* bits, int64_t start, int64_t nbits) {
  const uint8_t* p = bits + (start >> 3);
  const int shift = static_cast<int>(start & 7);
  const int64_t nbytes = (shift + nbits + 7) >> 3;  // 1..9
  uint64_t w = 0;
  std::memcpy(&w, p, nbytes >= 8 ? 8 : static_cast<size_t>(nbytes));
  w >>= shift;
  if (nbytes > 8) w |= static_cast<uint64_t>(p[8]) << (64 - shift);
  if (nbits < 64) w &= (uint64_t{1} << nbits) - 1;
  return w;
}

// Word `w` (bits [64w, 64w + 64) clipped to `length`) of `ref`; all ones for
// an absent bitmap.
inline uint64_t LoadWord(const BitmapRef& ref, int64_t w, int64_t length) {
  const int64_t nbits = std::min<int64_t>(64, length - w * 64);
  if (ref.bits == nullptr) return nbits == 64 ? ~uint64_t{0} : (uint64_t{1} << nbits) - 1;
  return LoadBits(ref.bits, ref.offset + w * 64, nbits);
}

// A zero-filled buffer of NumWords(length) words.
BufferPtr AllocateBitmap(int64_t length);

// The validity bitmap of `array` (bits null when it has none).
BitmapRef ValidityOf(const Array& array);
// The values bitmap of a bool array.
inline BitmapRef BoolValuesOf(const Array& array) {
  return {array.buffer(1) ? array.buffer(1)->data() : nullptr, array.offset()};
}

// An offset-0 copy of `ref`, or nullptr when `ref` is all ones.
BufferPtr CopyBitmap(const BitmapRef& ref, int64_t length);
// a AND b as an offset-0 buffer; nullptr when both are all ones.
BufferPtr AndBitmaps(const BitmapRef& a, const BitmapRef& b, int64_t length);
// Number of set bits among the first `length`.
int64_t CountSetBits(const BitmapRef& ref, int64_t length);

// Calls f(i) for each set bit i < length of an offset-0 word bitmap.
template <typename F>
void ForEachSetBit(const uint64_t* words, int64_t length, F&& f) {
  const int64_t nwords = NumWords(length);
  for (int64_t w = 0; w < nwords; ++w) {
    uint64_t word = words[w];
    if (w == nwords - 1 && (length & 63) != 0) word &= (uint64_t{1} << (length & 63)) - 1;
    while (word != 0) {
      f(w * 64 + __builtin_ctzll(word));
      word &= word - 1;
    }
  }
}

// Packs 64 bytes that are each 0 or 1 into a word (byte j -> bit j).
inline uint64_t PackBytes(const uint8_t* bytes) {
  uint64_t word = 0;
  for (int g = 0; g < 8; ++g) {
    uint64_t x;
    std::memcpy(&x, bytes + 8 * g, 8);
    // Moves byte k's low bit to bit 56 + k; the other products miss bits 56..63.
    word |= ((x * 0x0102040810204080ULL) >> 56) << (8 * g);
  }
  return word;
}

// Fills an offset-0 bitmap: bit i = pred(i) for i < length. The predicate
// runs 64 rows at a time into bytes (a loop the compiler vectorises when
// pred is branch-free), which are then packed into a word.
template <typename Pred>
void FillBits(uint64_t* out, int64_t length, Pred&& pred) {
  alignas(64) uint8_t buf[64];
  const int64_t full = length / 64;
  for (int64_t w = 0; w < full; ++w) {
    const int64_t base = w * 64;
    for (int j = 0; j < 64; ++j) buf[j] = static_cast<uint8_t>(pred(base + j));
    out[w] = PackBytes(buf);
  }
  if (length % 64 != 0) {
    const int64_t base = full * 64;
    std::memset(buf, 0, sizeof(buf));
    for (int64_t j = 0; j < length - base; ++j) buf[j] = static_cast<uint8_t>(pred(base + j));
    out[full] = PackBytes(buf);
  }
}

inline uint64_t* MutableWords(const BufferPtr& buffer) {
  return reinterpret_cast<uint64_t*>(buffer->mutable_data());
}

}  // namespace quiver::expr
