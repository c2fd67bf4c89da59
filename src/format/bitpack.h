// Frame-of-reference bit packing for runs of fixed-width integers: the codec
// of page compression code 3 ("bitpack", docs/format.md), which data files
// use for integer, date and timestamp columns. It decodes at several bytes
// per cycle where zstd manages well under one, which is what a filter,
// delete or update over an id column spends its time on.
//
// The encoded form of n bytes read as count = n / width little-endian
// words of `width` bytes (1, 2, 4 or 8) and n % width trailing bytes:
//
//   u8 width, u8 bits, u64 reference, packed deltas, trailing bytes
//
// Word i is reference + delta_i modulo 2^(8 width), and delta_i takes `bits`
// bits at bit offset i * bits of the packed deltas (least significant bit
// first, ceil(count * bits / 8) bytes). The encoder picks the reference that
// needs the fewest bits, the smallest word read as unsigned or as signed, so
// runs of small negative and positive numbers pack as well as positive ones.
// Any bytes round-trip, whatever they mean.
//
//   std::vector<uint8_t> out(BitpackMaxSize(n));
//   out.resize(BitpackEncode(data, n, 8, out.data()));
//   QUIVER_RETURN_NOT_OK(BitpackDecode(out.data(), out.size(), dst, n));
//
// Thread-safety: stateless.
#pragma once

#include <cstddef>
#include <cstdint>

#include "quiver/status.h"

namespace quiver {

inline constexpr size_t kBitpackHeaderBytes = 10;

// Whether `width` is a word width the codec packs.
constexpr bool IsBitpackWidth(int width) { return width == 1 || width == 2 || width == 4 || width == 8; }

// Upper bound of the encoded size of n bytes.
constexpr size_t BitpackMaxSize(size_t n) { return kBitpackHeaderBytes + n; }

// Encodes n bytes of `width`-byte words (IsBitpackWidth) into dst (at least
// BitpackMaxSize(n) bytes); returns the encoded size.
size_t BitpackEncode(const uint8_t* src, size_t n, int width, uint8_t* dst);

// Decodes `src` into exactly `dst_size` bytes. Corruption when the header
// or the sizes do not fit.
Status BitpackDecode(const uint8_t* src, size_t src_size, uint8_t* dst, size_t dst_size);

}  // namespace quiver
