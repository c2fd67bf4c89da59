// The inner loops of the IVF codecs, in one place: fast-scan sums, nearest
// centroids in small dimensions (PQ training and encoding), PQ lookup
// tables and SQ distances. Each exists as portable scalar code and, on
// x86, as AVX2 code (ivf_kernels_avx2.cc, compiled with -mavx2 -mfma); the
// set for the running CPU is picked once through DetectSimdLevel(), as
// distance.h does for the distance kernels.
//
// Thread-safety: all functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>

#include "index/vector/distance.h"

namespace quiver::index {

struct IvfKernels {
  SimdLevel level;
  // out[v] = sum over sub-codes of the quantised table entries, for every
  // vector v of `num_blocks` fast-scan blocks (num_blocks * 32 values;
  // layouts in fastscan.h).
  void (*fastscan_sums)(const uint8_t* packed, int64_t num_blocks, int pairs, const uint8_t* lut,
                        uint16_t* out);
  // For each of the n rows of x (n x dim), the nearest of k centroids given
  // transposed (t: dim x k, column c is centroid c) with their squared
  // norms: assign[i], and when `dist` is not null the squared distance.
  // Ties go to the lower index. Meant for small dim (PQ sub-spaces).
  void (*nearest_centroid)(const float* x, int64_t n, int dim, const float* t, const float* norms, int k,
                           int32_t* assign, float* dist);
  // out[c] = sum_d (x[d] - t[d * k + c])^2, resp. sum_d x[d] * t[d * k + c],
  // for c < k (t: dim x k).
  void (*l2_table)(const float* x, const float* t, int dim, int k, float* out);
  void (*ip_table)(const float* x, const float* t, int dim, int k, float* out);
  // For n codes of dim bytes: out[i] = sum_d (u[d] - step[d] * code[d])^2,
  // resp. sum_d w[d] * code[d].
  void (*sq_l2)(const float* u, const float* step, const uint8_t* codes, int64_t n, int dim, float* out);
  void (*sq_dot)(const float* w, const uint8_t* codes, int64_t n, int dim, float* out);
};

// The kernels for DetectSimdLevel(), chosen once.
const IvfKernels& GetIvfKernels();
// The kernels of `level`, or of the best level below it the CPU has.
const IvfKernels& IvfKernelsFor(SimdLevel level);

namespace internal {
#if defined(__x86_64__) || defined(__i386__)
// ivf_kernels_avx2.cc. Call only when the CPU has AVX2 and FMA.
const IvfKernels& IvfAvx2Kernels();
#endif
}  // namespace internal

}  // namespace quiver::index
