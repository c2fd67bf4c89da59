// Doubles that are short decimals (prices, amounts, measurements rounded to
// a precision) stored as integers: page compression code 4 ("decimal",
// docs/format.md), which data files use for float64 columns. A value v is
// kept as the integer k with k / 10^e == v exactly (e per chunk), the
// integers are bit-packed (format/bitpack.h), and the values that do not
// round-trip (more digits, NaN, infinities, -0.0) are kept whole as
// exceptions. It packs such columns tighter than zstd and encodes and
// decodes them many times faster.
//
// The encoded form of n bytes read as count = n / 8 doubles and n % 8
// trailing bytes:
//
//   u8 e, u16 m, bitpacked(count int64 words k), u16 position{m},
//   u64 value{m}, trailing bytes
//
// Word i is k_i / 10^e (IEEE double division), except at the m positions
// (ascending), whose doubles are the values given (as their bits).
//
//   const int e = ChooseDecimalExponent(values, count);  // -1: not decimals
//   std::vector<uint8_t> out(DecimalMaxSize(n));
//   out.resize(DecimalEncode(data, n, e, out.data()));
//
// Thread-safety: stateless.
#pragma once

#include <cstddef>
#include <cstdint>

#include "quiver/status.h"

namespace quiver {

inline constexpr int kMaxDecimalExponent = 10;

// Upper bound of the encoded size of n bytes.
size_t DecimalMaxSize(size_t n);

// The exponent in [0, kMaxDecimalExponent] under which the most of `values`
// round-trip (the smallest on ties), or -1 when fewer than half do under
// any.
int ChooseDecimalExponent(const double* values, size_t count);

// Encodes n bytes (doubles, then n % 8 trailing bytes; n below 512 KiB, as
// positions are 16-bit) under exponent `e` (0..kMaxDecimalExponent) into dst
// (at least DecimalMaxSize(n) bytes); returns the encoded size.
size_t DecimalEncode(const uint8_t* src, size_t n, int e, uint8_t* dst);

// Decodes `src` into exactly `dst_size` bytes. Corruption when the header,
// the positions or the sizes do not fit.
Status DecimalDecode(const uint8_t* src, size_t src_size, uint8_t* dst, size_t dst_size);

}  // namespace quiver
