// Distance kernels: the inner loops of every vector search, in one place.
//
// Each kernel exists in a portable scalar version and, where the CPU has
// them, AVX2+FMA+F16C and AVX-512 (F, BW, VL) versions. The best set for
// the running CPU is picked once, at first use, so one binary runs
// everywhere (see STYLE.md, "Hot loops"). Kernels() returns that set;
// KernelsFor() returns a given level's set for tests and benchmarks.
//
// Distance conventions (the ones LanceDB reports as `_distance`):
//   kL2       squared Euclidean distance, sum((a - b)^2)
//   kCosine   1 - cos(a, b); 1 when either vector is all zeros
//   kDot      1 - dot(a, b)
//   kHamming  number of differing bits of packed uint8 vectors
//
// Thread-safety: all functions are pure and may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "quiver/status.h"

namespace quiver::index {

enum class Metric : uint8_t { kL2 = 0, kCosine = 1, kDot = 2, kHamming = 3 };

// "l2", "cosine", "dot", "hamming".
std::string_view MetricName(Metric metric);
// Case-insensitive; also accepts "euclidean" for l2 and "ip" for dot.
// InvalidArgument listing the valid names otherwise.
Result<Metric> ParseMetric(std::string_view name);

enum class SimdLevel : uint8_t { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
std::string_view SimdLevelName(SimdLevel level);  // "scalar", "avx2", "avx512"
// The best level this CPU (and this build) supports, detected once. The
// environment variable QUIVER_SIMD=scalar|avx2|avx512 caps it (for tests
// and benchmarks); an unknown value is ignored with a warning on stderr.
SimdLevel DetectSimdLevel();

// One vector against one vector; `dim` elements (hamming: `dim` bytes).
// f16 vectors are uint16 bit patterns (IEEE binary16).
struct DistanceKernels {
  SimdLevel level;
  float (*l2_f32)(const float* a, const float* b, size_t dim);
  float (*dot_f32)(const float* a, const float* b, size_t dim);  // the plain inner product
  float (*norm_sq_f32)(const float* a, size_t dim);              // sum(a^2)
  // Query in float32, stored vector in float16.
  float (*l2_f32_f16)(const float* a, const uint16_t* b, size_t dim);
  float (*dot_f32_f16)(const float* a, const uint16_t* b, size_t dim);
  // Exact integer results for byte vectors while they fit (l2: dim up to
  // 66051; dot_u8: 33025; dot_i8: 131071); past that they wrap modulo 2^32,
  // the same way at every level.
  uint32_t (*l2_u8)(const uint8_t* a, const uint8_t* b, size_t dim);
  int32_t (*dot_u8)(const uint8_t* a, const uint8_t* b, size_t dim);
  uint32_t (*l2_i8)(const int8_t* a, const int8_t* b, size_t dim);
  int32_t (*dot_i8)(const int8_t* a, const int8_t* b, size_t dim);
  uint32_t (*hamming)(const uint8_t* a, const uint8_t* b, size_t bytes);
  // One query against `n` vectors stored back to back (n x dim, row-major):
  // out[i] = l2_f32(query, base + i * dim) (resp. dot_f32). These are the
  // flat-scan loops; they prefetch ahead and keep the query in registers.
  void (*l2_f32_many)(const float* query, const float* base, size_t n, size_t dim, float* out);
  void (*dot_f32_many)(const float* query, const float* base, size_t n, size_t dim, float* out);
};

// The kernels for DetectSimdLevel(), chosen once.
const DistanceKernels& Kernels();
// The kernels of `level`; a level the CPU lacks (or QUIVER_SIMD caps off)
// falls back to the best one it has (check the returned `level`).
const DistanceKernels& KernelsFor(SimdLevel level);

// Converts a raw similarity into the metric's distance (see above), given
// dot(a, b) and, for cosine, both squared norms.
inline float DotToDistance(float dot) { return 1.0f - dot; }
float CosineDistance(float dot, float norm_sq_a, float norm_sq_b);

// m queries against n vectors, both row-major float32 with `dim` columns,
// through blocked matrix products (OpenBLAS sgemm): out[i * n + j] is the
// squared L2 distance (resp. inner product) of query i and vector j.
// `base_norms_sq` (n values, may be null: computed) lets callers reuse
// norms. Faster than the one-query kernels from about 8 queries up; used
// by k-means and batched searches. Results may differ from l2_f32 by
// rounding (|a|^2 + |b|^2 - 2ab), never below 0.
void L2DistancesBlas(const float* queries, size_t m, const float* base, size_t n, size_t dim,
                     const float* base_norms_sq, float* out);
void InnerProductsBlas(const float* queries, size_t m, const float* base, size_t n, size_t dim, float* out);

}  // namespace quiver::index
