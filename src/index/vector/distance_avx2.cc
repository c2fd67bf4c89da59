// AVX2 + FMA + F16C kernels (compiled with -mavx2 -mfma -mf16c; see
// distance_internal.h for what may and may not appear in this file).
#include "index/vector/distance_internal.h"

#ifdef QUIVER_DISTANCE_X86

#include <immintrin.h>

#include <cstring>

namespace quiver::index::internal {
namespace {

// Software prefetch distance of the flat-scan loops. The hardware
// prefetchers follow the stream too; this keeps a few rows in flight when
// each row is only a handful of cache lines.
constexpr size_t kPrefetchBytes = 1024;
// Up to this many 8-float chunks the query stays in registers (or, past
// the 16 ymm registers, in stack slots the loads hit in L1).
constexpr size_t kMaxQueryChunks = 32;

inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline uint32_t HorizontalSum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return static_cast<uint32_t>(_mm_cvtsi128_si32(s));
}

inline float L2F32(const float* a, const float* b, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    const __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
    const __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
    acc0 = _mm256_fmadd_ps(d0, d0, acc0);
    acc1 = _mm256_fmadd_ps(d1, d1, acc1);
    acc2 = _mm256_fmadd_ps(d2, d2, acc2);
    acc3 = _mm256_fmadd_ps(d3, d3, acc3);
  }
  for (; i + 8 <= dim; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    acc0 = _mm256_fmadd_ps(d, d, acc0);
  }
  float s = HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < dim; ++i) {
    const float d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

inline float DotF32(const float* a, const float* b, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= dim; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  float s = HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < dim; ++i) s += a[i] * b[i];
  return s;
}

float NormSqF32(const float* a, size_t dim) { return DotF32(a, a, dim); }

inline __m256 LoadHalf8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

float L2F32F16(const float* a, const uint16_t* b, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), LoadHalf8(b + i));
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), LoadHalf8(b + i + 8));
    const __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), LoadHalf8(b + i + 16));
    const __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), LoadHalf8(b + i + 24));
    acc0 = _mm256_fmadd_ps(d0, d0, acc0);
    acc1 = _mm256_fmadd_ps(d1, d1, acc1);
    acc2 = _mm256_fmadd_ps(d2, d2, acc2);
    acc3 = _mm256_fmadd_ps(d3, d3, acc3);
  }
  for (; i + 8 <= dim; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), LoadHalf8(b + i));
    acc0 = _mm256_fmadd_ps(d, d, acc0);
  }
  float s = HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < dim; ++i) {
    const float d = a[i] - _cvtsh_ss(b[i]);
    s += d * d;
  }
  return s;
}

float DotF32F16(const float* a, const uint16_t* b, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), LoadHalf8(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), LoadHalf8(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), LoadHalf8(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), LoadHalf8(b + i + 24), acc3);
  }
  for (; i + 8 <= dim; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), LoadHalf8(b + i), acc0);
  float s = HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < dim; ++i) s += a[i] * _cvtsh_ss(b[i]);
  return s;
}

// Byte kernels: 16 bytes widen to 16 int16 lanes; madd multiplies pairs
// and adds neighbours into int32 lanes (at most 2 * 255^2, no overflow).
inline __m256i LoadU8x16(const void* p) {
  return _mm256_cvtepu8_epi16(_mm_loadu_si128(static_cast<const __m128i*>(p)));
}
inline __m256i LoadI8x16(const void* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(static_cast<const __m128i*>(p)));
}

// Sum of squared differences (kSigned: int8 input) or of products.
template <bool kSigned, bool kL2>
uint32_t ByteKernel(const void* a_ptr, const void* b_ptr, size_t dim) {
  const auto* a = static_cast<const uint8_t*>(a_ptr);
  const auto* b = static_cast<const uint8_t*>(b_ptr);
  __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
  auto load = [](const uint8_t* p) {
    if constexpr (kSigned) return LoadI8x16(p);
    return LoadU8x16(p);
  };
  auto step = [](__m256i x, __m256i y) {
    if constexpr (kL2) {
      const __m256i d = _mm256_sub_epi16(x, y);
      return _mm256_madd_epi16(d, d);
    }
    return _mm256_madd_epi16(x, y);
  };
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    acc0 = _mm256_add_epi32(acc0, step(load(a + i), load(b + i)));
    acc1 = _mm256_add_epi32(acc1, step(load(a + i + 16), load(b + i + 16)));
  }
  if (i + 16 <= dim) {
    acc0 = _mm256_add_epi32(acc0, step(load(a + i), load(b + i)));
    i += 16;
  }
  uint32_t s = HorizontalSum(_mm256_add_epi32(acc0, acc1));
  for (; i < dim; ++i) {
    const int32_t x = kSigned ? static_cast<int8_t>(a[i]) : a[i];
    const int32_t y = kSigned ? static_cast<int8_t>(b[i]) : b[i];
    s += kL2 ? static_cast<uint32_t>((x - y) * (x - y)) : static_cast<uint32_t>(x * y);
  }
  return s;
}

uint32_t L2U8(const uint8_t* a, const uint8_t* b, size_t dim) { return ByteKernel<false, true>(a, b, dim); }
int32_t DotU8(const uint8_t* a, const uint8_t* b, size_t dim) {
  return static_cast<int32_t>(ByteKernel<false, false>(a, b, dim));
}
uint32_t L2I8(const int8_t* a, const int8_t* b, size_t dim) { return ByteKernel<true, true>(a, b, dim); }
int32_t DotI8(const int8_t* a, const int8_t* b, size_t dim) {
  return static_cast<int32_t>(ByteKernel<true, false>(a, b, dim));
}

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

uint32_t Hamming(const uint8_t* a, const uint8_t* b, size_t bytes) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 32 <= bytes; i += 32) {
    s0 += static_cast<uint64_t>(_mm_popcnt_u64(Load64(a + i) ^ Load64(b + i)));
    s1 += static_cast<uint64_t>(_mm_popcnt_u64(Load64(a + i + 8) ^ Load64(b + i + 8)));
    s2 += static_cast<uint64_t>(_mm_popcnt_u64(Load64(a + i + 16) ^ Load64(b + i + 16)));
    s3 += static_cast<uint64_t>(_mm_popcnt_u64(Load64(a + i + 24) ^ Load64(b + i + 24)));
  }
  for (; i + 8 <= bytes; i += 8) s0 += static_cast<uint64_t>(_mm_popcnt_u64(Load64(a + i) ^ Load64(b + i)));
  for (; i < bytes; ++i) s0 += static_cast<uint64_t>(_mm_popcnt_u32(static_cast<uint32_t>(a[i] ^ b[i])));
  return static_cast<uint32_t>(s0 + s1 + s2 + s3);
}

// ---- One query against many rows ----------------------------------------

// Prefetches each cache line once, kPrefetchBytes ahead of the row being
// read, never past the end of the rows.
class Prefetcher {
 public:
  Prefetcher(const float* base, size_t n, size_t dim)
      : next_(reinterpret_cast<const char*>(base) + kPrefetchBytes),
        end_(reinterpret_cast<uintptr_t>(base + n * dim)) {}
  // Call before reading row `row_end - dim .. row_end`.
  inline void Ahead(const float* row_end) {
    uintptr_t until = reinterpret_cast<uintptr_t>(row_end) + kPrefetchBytes;
    if (until > end_) until = end_;
    while (reinterpret_cast<uintptr_t>(next_) < until) {
      _mm_prefetch(next_, _MM_HINT_T0);
      next_ += 64;
    }
  }

 private:
  const char* next_;
  uintptr_t end_;
};

// kChunks full 8-float chunks (the query's are loaded once), then dim % 8
// floats one by one.
template <bool kL2, size_t kChunks>
void ManyFixed(const float* query, const float* base, size_t n, size_t dim, float* out) {
  __m256 q[kChunks];
#pragma GCC unroll 32
  for (size_t c = 0; c < kChunks; ++c) q[c] = _mm256_loadu_ps(query + 8 * c);
  const size_t tail = dim - 8 * kChunks;
  Prefetcher prefetch(base, n, dim);
  for (size_t i = 0; i < n; ++i) {
    const float* row = base + i * dim;
    prefetch.Ahead(row + dim);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
#pragma GCC unroll 32
    for (size_t c = 0; c < kChunks; ++c) {
      const __m256 x = _mm256_loadu_ps(row + 8 * c);
      if constexpr (kL2) {
        const __m256 d = _mm256_sub_ps(x, q[c]);
        acc[c % 4] = _mm256_fmadd_ps(d, d, acc[c % 4]);
      } else {
        acc[c % 4] = _mm256_fmadd_ps(x, q[c], acc[c % 4]);
      }
    }
    float s = HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (size_t j = 8 * kChunks; j < 8 * kChunks + tail; ++j) {
      if constexpr (kL2) {
        const float d = row[j] - query[j];
        s += d * d;
      } else {
        s += row[j] * query[j];
      }
    }
    out[i] = s;
  }
}

// Any dim: the one-vector kernel on each row.
template <bool kL2>
void ManyLoop(const float* query, const float* base, size_t n, size_t dim, float* out) {
  Prefetcher prefetch(base, n, dim);
  for (size_t i = 0; i < n; ++i) {
    const float* row = base + i * dim;
    prefetch.Ahead(row + dim);
    out[i] = kL2 ? L2F32(query, row, dim) : DotF32(query, row, dim);
  }
}

using ManyFn = void (*)(const float*, const float*, size_t, size_t, float*);

template <bool kL2, size_t... kChunks>
struct ManyTable {
  // Entry c handles dims with c full chunks; entry 0 (dim < 8) loops.
  static constexpr ManyFn kFns[] = {ManyLoop<kL2>, ManyFixed<kL2, kChunks>...};
};

template <bool kL2>
using ManyTableFor = ManyTable<kL2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                               22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32>;
static_assert(sizeof(ManyTableFor<true>::kFns) / sizeof(ManyFn) == kMaxQueryChunks + 1);

void L2F32Many(const float* query, const float* base, size_t n, size_t dim, float* out) {
  const size_t chunks = dim / 8;
  const ManyFn fn = chunks <= kMaxQueryChunks ? ManyTableFor<true>::kFns[chunks] : ManyLoop<true>;
  fn(query, base, n, dim, out);
}

void DotF32Many(const float* query, const float* base, size_t n, size_t dim, float* out) {
  const size_t chunks = dim / 8;
  const ManyFn fn = chunks <= kMaxQueryChunks ? ManyTableFor<false>::kFns[chunks] : ManyLoop<false>;
  fn(query, base, n, dim, out);
}

constexpr DistanceKernels kAvx2Kernels = {
    .level = SimdLevel::kAvx2,
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

}  // namespace

const DistanceKernels& Avx2Kernels() { return kAvx2Kernels; }

}  // namespace quiver::index::internal

#endif  // QUIVER_DISTANCE_X86
