#include "index/vector/distance.h"

#include <cblas.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "common/float16.h"
#include "index/vector/distance_internal.h"

// OpenBLAS declares this in its cblas.h; restated so that another CBLAS
// header on the include path still compiles (the library linked is OpenBLAS).
extern "C" void openblas_set_num_threads(int num_threads);

namespace quiver::index {

namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// ---- Portable kernels ---------------------------------------------------
// Four partial sums: shorter dependency chains, and rounding closer to the
// SIMD kernels' than one running sum.

float L2F32(const float* a, const float* b, size_t dim) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    const float d0 = a[i] - b[i], d1 = a[i + 1] - b[i + 1];
    const float d2 = a[i + 2] - b[i + 2], d3 = a[i + 3] - b[i + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dim; ++i) {
    const float d = a[i] - b[i];
    s0 += d * d;
  }
  return (s0 + s1) + (s2 + s3);
}

float DotF32(const float* a, const float* b, size_t dim) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < dim; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

float NormSqF32(const float* a, size_t dim) { return DotF32(a, a, dim); }

float L2F32F16(const float* a, const uint16_t* b, size_t dim) {
  float s0 = 0, s1 = 0;
  size_t i = 0;
  for (; i + 2 <= dim; i += 2) {
    const float d0 = a[i] - HalfToFloat(b[i]), d1 = a[i + 1] - HalfToFloat(b[i + 1]);
    s0 += d0 * d0;
    s1 += d1 * d1;
  }
  if (i < dim) {
    const float d = a[i] - HalfToFloat(b[i]);
    s0 += d * d;
  }
  return s0 + s1;
}

float DotF32F16(const float* a, const uint16_t* b, size_t dim) {
  float s0 = 0, s1 = 0;
  size_t i = 0;
  for (; i + 2 <= dim; i += 2) {
    s0 += a[i] * HalfToFloat(b[i]);
    s1 += a[i + 1] * HalfToFloat(b[i + 1]);
  }
  if (i < dim) s0 += a[i] * HalfToFloat(b[i]);
  return s0 + s1;
}

// Integer sums wrap modulo 2^32 like the SIMD lanes do, so every level
// agrees even past the documented exact range.
uint32_t L2U8(const uint8_t* a, const uint8_t* b, size_t dim) {
  uint32_t s = 0;
  for (size_t i = 0; i < dim; ++i) {
    const int32_t d = static_cast<int32_t>(a[i]) - static_cast<int32_t>(b[i]);
    s += static_cast<uint32_t>(d * d);
  }
  return s;
}

int32_t DotU8(const uint8_t* a, const uint8_t* b, size_t dim) {
  uint32_t s = 0;
  for (size_t i = 0; i < dim; ++i) s += static_cast<uint32_t>(a[i]) * b[i];
  return static_cast<int32_t>(s);
}

uint32_t L2I8(const int8_t* a, const int8_t* b, size_t dim) {
  uint32_t s = 0;
  for (size_t i = 0; i < dim; ++i) {
    const int32_t d = static_cast<int32_t>(a[i]) - static_cast<int32_t>(b[i]);
    s += static_cast<uint32_t>(d * d);
  }
  return s;
}

int32_t DotI8(const int8_t* a, const int8_t* b, size_t dim) {
  uint32_t s = 0;
  for (size_t i = 0; i < dim; ++i) s += static_cast<uint32_t>(static_cast<int32_t>(a[i]) * b[i]);
  return static_cast<int32_t>(s);
}

uint32_t Hamming(const uint8_t* a, const uint8_t* b, size_t bytes) {
  uint32_t s = 0;
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    s += static_cast<uint32_t>(std::popcount(x ^ y));
  }
  for (; i < bytes; ++i) s += static_cast<uint32_t>(std::popcount(static_cast<uint8_t>(a[i] ^ b[i])));
  return s;
}

void L2F32Many(const float* query, const float* base, size_t n, size_t dim, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = L2F32(query, base + i * dim, dim);
}

void DotF32Many(const float* query, const float* base, size_t n, size_t dim, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = DotF32(query, base + i * dim, dim);
}

constexpr DistanceKernels kScalarKernels = {
    .level = SimdLevel::kScalar,
    .l2_f32 = L2F32,
    .dot_f32 = DotF32,
    .norm_sq_f32 = NormSqF32,
    .l2_f32_f16 = L2F32F16,
    .dot_f32_f16 = DotF32F16,
    .l2_u8 = L2U8,
    .dot_u8 = DotU8,
    .l2_i8 = L2I8,
    .dot_i8 = DotI8,
    .hamming = Hamming,
    .l2_f32_many = L2F32Many,
    .dot_f32_many = DotF32Many,
};

SimdLevel DetectCpuLevel() {
#ifdef QUIVER_DISTANCE_X86
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c") && __builtin_cpu_supports("popcnt");
  if (!avx2) return SimdLevel::kScalar;
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vpopcntdq");
  return avx512 ? SimdLevel::kAvx512 : SimdLevel::kAvx2;
#else
  return SimdLevel::kScalar;
#endif
}

SimdLevel DetectOnce() {
  SimdLevel level = DetectCpuLevel();
  if (const char* cap = std::getenv("QUIVER_SIMD"); cap != nullptr && *cap != '\0') {
    if (std::optional<SimdLevel> parsed = internal::ParseSimdLevel(cap)) {
      level = std::min(level, *parsed);
    } else {
      std::fprintf(stderr, "quiver: ignoring QUIVER_SIMD=\"%s\"; expected scalar, avx2 or avx512\n", cap);
    }
  }
  return level;
}

// Blocks of the matrix-product paths: 4096 base rows and 64 queries make a
// 1 MiB block of `out`, post-processed while it is still in cache.
constexpr size_t kBaseBlock = 4096;
constexpr size_t kQueryBlock = 64;

void SingleThreadedBlas() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

// c (mb x nb, row stride ldc) = alpha * q (mb x dim) * b (nb x dim)^T.
void Gemm(float alpha, const float* q, size_t mb, const float* b, size_t nb, size_t dim, float* c,
          size_t ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(mb), static_cast<int>(nb),
              static_cast<int>(dim), alpha, q, static_cast<int>(dim), b, static_cast<int>(dim), 0.0f, c,
              static_cast<int>(ldc));
}

// BLAS strides are ints: past INT_MAX columns of `out`, one query row at a
// time (its stride is then the block's width).
size_t QueryBlock(size_t n) { return n > static_cast<size_t>(INT_MAX) ? 1 : kQueryBlock; }

}  // namespace

namespace internal {

const DistanceKernels& ScalarKernels() { return kScalarKernels; }

std::optional<SimdLevel> ParseSimdLevel(std::string_view name) {
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (EqualsIgnoreCase(name, SimdLevelName(level))) return level;
  }
  return std::nullopt;
}

}  // namespace internal

std::string_view MetricName(Metric metric) {
  switch (metric) {
    case Metric::kL2:
      return "l2";
    case Metric::kCosine:
      return "cosine";
    case Metric::kDot:
      return "dot";
    case Metric::kHamming:
      return "hamming";
  }
  return "unknown";
}

Result<Metric> ParseMetric(std::string_view name) {
  static constexpr struct {
    std::string_view name;
    Metric metric;
  } kNames[] = {{"l2", Metric::kL2},   {"euclidean", Metric::kL2}, {"cosine", Metric::kCosine},
                {"dot", Metric::kDot}, {"ip", Metric::kDot},       {"hamming", Metric::kHamming}};
  for (const auto& entry : kNames) {
    if (EqualsIgnoreCase(name, entry.name)) return entry.metric;
  }
  return Status::InvalidArgument("unknown distance metric \"" + std::string(name) +
                                 "\"; expected l2 (or euclidean), cosine, dot (or ip) or hamming");
}

std::string_view SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kScalar:
      return "scalar";
    case SimdLevel::kAvx2:
      return "avx2";
    case SimdLevel::kAvx512:
      return "avx512";
  }
  return "unknown";
}

SimdLevel DetectSimdLevel() {
  static const SimdLevel level = DetectOnce();
  return level;
}

const DistanceKernels& KernelsFor(SimdLevel level) {
  const SimdLevel usable = std::min(level, DetectSimdLevel());
#ifdef QUIVER_DISTANCE_X86
  if (usable == SimdLevel::kAvx512) return internal::Avx512Kernels();
  if (usable == SimdLevel::kAvx2) return internal::Avx2Kernels();
#endif
  return kScalarKernels;
}

const DistanceKernels& Kernels() {
  static const DistanceKernels& kernels = KernelsFor(DetectSimdLevel());
  return kernels;
}

float CosineDistance(float dot, float norm_sq_a, float norm_sq_b) {
  if (!(norm_sq_a > 0) || !(norm_sq_b > 0)) return 1.0f;
  // In double: the product of two large squared norms overflows a float.
  const double cos = static_cast<double>(dot) / std::sqrt(static_cast<double>(norm_sq_a) * norm_sq_b);
  // Rounding can push |cos| a hair past 1; a distance is never negative.
  return static_cast<float>(std::clamp(1.0 - cos, 0.0, 2.0));
}

void L2DistancesBlas(const float* queries, size_t m, const float* base, size_t n, size_t dim,
                     const float* base_norms_sq, float* out) {
  if (m == 0 || n == 0) return;
  if (dim == 0) {
    std::fill(out, out + m * n, 0.0f);
    return;
  }
  SingleThreadedBlas();
  const DistanceKernels& k = Kernels();
  auto query_norms = std::make_unique<float[]>(m);
  for (size_t i = 0; i < m; ++i) query_norms[i] = k.norm_sq_f32(queries + i * dim, dim);
  const size_t qblock = QueryBlock(n);
  std::unique_ptr<float[]> block_norms;
  if (base_norms_sq == nullptr) block_norms = std::make_unique<float[]>(std::min(n, kBaseBlock));

  for (size_t j0 = 0; j0 < n; j0 += kBaseBlock) {
    const size_t nb = std::min(kBaseBlock, n - j0);
    const float* bn = base_norms_sq != nullptr ? base_norms_sq + j0 : block_norms.get();
    if (base_norms_sq == nullptr) {
      for (size_t j = 0; j < nb; ++j) block_norms[j] = k.norm_sq_f32(base + (j0 + j) * dim, dim);
    }
    for (size_t i0 = 0; i0 < m; i0 += qblock) {
      const size_t mb = std::min(qblock, m - i0);
      float* c = out + i0 * n + j0;
      // c = -2 * Q_block * B_block^T, then add both norms in place.
      Gemm(-2.0f, queries + i0 * dim, mb, base + j0 * dim, nb, dim, c, qblock == 1 ? nb : n);
      for (size_t i = 0; i < mb; ++i) {
        const float qn = query_norms[i0 + i];
        float* row = c + i * n;
        for (size_t j = 0; j < nb; ++j) row[j] = std::max(row[j] + qn + bn[j], 0.0f);
      }
    }
  }
}

void InnerProductsBlas(const float* queries, size_t m, const float* base, size_t n, size_t dim, float* out) {
  if (m == 0 || n == 0) return;
  if (dim == 0) {
    std::fill(out, out + m * n, 0.0f);
    return;
  }
  SingleThreadedBlas();
  const size_t qblock = QueryBlock(n);
  for (size_t j0 = 0; j0 < n; j0 += kBaseBlock) {
    const size_t nb = std::min(kBaseBlock, n - j0);
    for (size_t i0 = 0; i0 < m; i0 += qblock) {
      const size_t mb = std::min(qblock, m - i0);
      Gemm(1.0f, queries + i0 * dim, mb, base + j0 * dim, nb, dim, out + i0 * n + j0, qblock == 1 ? nb : n);
    }
  }
}

}  // namespace quiver::index
