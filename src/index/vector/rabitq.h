// RaBitQ (IVF_RQ): 1-bit codes with a per-vector correction, after Gao and
// Long, "RaBitQ: Quantizing High-Dimensional Vectors with a Theoretical
// Error Bound for Approximate Nearest Neighbor Search", SIGMOD 2024.
//
// A vector o in the partition with centroid c is stored as:
//   - the signs of P * (o - c) / |o - c|, one bit per dimension, where P is
//     a random orthogonal matrix (the codec's trained state, dim x dim);
//   - |o - c|, the residual's norm;
//   - <x, P r> with x = (2 bits - 1) / sqrt(dim) and r the unit residual:
//     how well the bits describe r (the estimator's denominator, and what
//     its error bound depends on);
//   - <x, P c>, so that one lookup table per query serves every partition.
//
// For a query q, y = <x, P q> is the sum of P q over the set bits (a table
// lookup per 4 bits), rescaled; then <r, q - c> ~ (y - <x, P c>) / <x, P r>
// and
//   L2:            |q - o|^2 ~ |o - c|^2 + |q - c|^2 - 2 |o - c| (y - <x, P c>) / <x, P r>
//   inner product: 1 - <q, o> ~ 1 - <q, c> - |o - c| y / <x, P r>.
// The estimate's error shrinks as 1 / sqrt(dim) (RaBitQ's bound:
// |error of <r, v>| <= 1.9 sqrt((1 - <x, P r>^2) / <x, P r>^2 / (dim - 1))
// for a unit v, with high probability), which is why IVF_RQ is meant to be
// searched with a refine factor: the table layer re-ranks the candidates
// with the full vectors.
//
// Codes are read 4 bits at a time with fast-scan (fastscan.h): quantised
// sums for 32 vectors at once, then the exact sum only for vectors whose
// best possible estimate can still enter the results.
//
// Thread-safety: the codec is immutable and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "index/vector/ivf_codec.h"
#include "quiver/status.h"

namespace quiver::index {

// An IVF_RQ codec for `dim` dimensions with a rotation drawn from `seed`.
// (RaBitQ needs no training data.)
Result<std::unique_ptr<IvfCodec>> MakeRaBitQCodec(Metric metric, int dim, uint64_t seed);
// From the codec's Serialize bytes (u32 dim, u32 0, then P: dim x dim f32).
Result<std::unique_ptr<IvfCodec>> DeserializeRaBitQCodec(Metric metric, int dim, std::string_view bytes);

}  // namespace quiver::index
