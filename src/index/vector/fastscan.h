// Fast-scan: distances from 4-bit codes, 32 vectors at a time, through
// byte shuffles against lookup tables quantised to 8 bits (the "PQ
// fast-scan" of André, Kermarrec and Le Scouarnec, VLDB 2015, as faiss's
// IndexPQFastScan does it). Used by IVF_PQ with 4 bits and by IVF_RQ, whose
// 1-bit codes are read 4 bits at a time.
//
// A vector's code is `m` sub-codes of 4 bits (one byte each, unpacked).
// Packed, vectors go in blocks of 32; a block holds, for each pair of
// sub-codes (2p, 2p + 1), 32 bytes: byte i (i < 16) holds sub-code 2p of
// vector i in its low nibble and of vector i + 16 in its high nibble; bytes
// 16..31 the same for sub-code 2p + 1. A missing last sub-code (odd m) and
// the vectors past n in the last block are zeros.
//
// The sums themselves are computed by IvfKernels::fastscan_sums
// (ivf_kernels.h).
//
// A query's table has 16 float entries per sub-code; QuantizeLut turns it
// into bytes, 32 per pair laid out as the block (entries of 2p, then of
// 2p + 1), with a common scale and a per-sub-code offset, so that
//   sum_j table[j][code_j] ~= bias + sum_j lut[j][code_j] / scale
// with an error of at most m / (2 scale). Sums are exact in 16 bits.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quiver::index {

inline constexpr int kFastScanBlock = 32;

inline int FastScanPairs(int m) { return (m + 1) / 2; }
// Bytes of n packed codes of m sub-codes.
inline size_t FastScanPackedSize(int64_t n, int m) {
  return static_cast<size_t>((n + kFastScanBlock - 1) / kFastScanBlock) * FastScanPairs(m) * 32;
}
// codes: n x m bytes, each below 16.
void FastScanPack(const uint8_t* codes, int64_t n, int m, uint8_t* packed);
void FastScanUnpack(const uint8_t* packed, int64_t n, int m, uint8_t* codes);
// Sub-code j of vector i.
inline uint8_t FastScanCode(const uint8_t* packed, int m, int64_t i, int j) {
  const uint8_t* pair =
      packed + static_cast<size_t>(i / kFastScanBlock) * FastScanPairs(m) * 32 + (j / 2) * 32;
  const int v = static_cast<int>(i % kFastScanBlock);
  const uint8_t byte = pair[(j % 2) * 16 + (v % 16)];
  return v < 16 ? (byte & 0x0f) : (byte >> 4);
}

struct FastScanLut {
  std::vector<uint8_t> bytes;  // FastScanPairs(m) * 32
  float scale = 1;             // quantised units per distance unit
  float bias = 0;              // sum of the per-sub-code minima
};
// Quantises `table` (m x 16 floats, finite).
void QuantizeLut(const float* table, int m, FastScanLut* lut);

}  // namespace quiver::index
