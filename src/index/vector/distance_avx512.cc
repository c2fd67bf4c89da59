// AVX-512 kernels (compiled with -mavx512f/bw/vl/dq/vpopcntdq plus the AVX2
// set; see distance_internal.h for what may and may not appear in this
// file). Tails shorter than a register use masked loads, which never touch
// the masked-off bytes.
#include "index/vector/distance_internal.h"

#ifdef QUIVER_DISTANCE_X86

#include <immintrin.h>

// GCC 12's _mm512_reduce_* helpers start from a deliberately undefined
// register and warn about it wherever they are inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace quiver::index::internal {
namespace {

// See distance_avx2.cc.
constexpr size_t kPrefetchBytes = 1024;
// Up to this many 16-float chunks (dim <= 256) the query stays in registers.
constexpr size_t kMaxQueryChunks = 16;

// The low `n` lanes; n < 16 (resp. 32, 64).
inline __mmask16 Mask16(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }
inline __mmask32 Mask32(size_t n) { return static_cast<__mmask32>((uint32_t{1} << n) - 1u); }
inline __mmask64 Mask64(size_t n) { return static_cast<__mmask64>((uint64_t{1} << n) - 1u); }

inline float L2F32(const float* a, const float* b, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    const __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    const __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
    const __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
    acc0 = _mm512_fmadd_ps(d0, d0, acc0);
    acc1 = _mm512_fmadd_ps(d1, d1, acc1);
    acc2 = _mm512_fmadd_ps(d2, d2, acc2);
    acc3 = _mm512_fmadd_ps(d3, d3, acc3);
  }
  for (; i + 16 <= dim; i += 16) {
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    acc0 = _mm512_fmadd_ps(d, d, acc0);
  }
  if (i < dim) {
    const __mmask16 m = Mask16(dim - i);
    const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
    acc1 = _mm512_fmadd_ps(d, d, acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

inline float DotF32(const float* a, const float* b, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
    acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), acc2);
    acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), acc3);
  }
  for (; i + 16 <= dim; i += 16) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
  if (i < dim) {
    const __mmask16 m = Mask16(dim - i);
    acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

float NormSqF32(const float* a, size_t dim) { return DotF32(a, a, dim); }

inline __m512 LoadHalf16(const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m512 LoadHalf16(const uint16_t* p, __mmask16 m) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

float L2F32F16(const float* a, const uint16_t* b, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), LoadHalf16(b + i));
    const __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), LoadHalf16(b + i + 16));
    const __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), LoadHalf16(b + i + 32));
    const __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), LoadHalf16(b + i + 48));
    acc0 = _mm512_fmadd_ps(d0, d0, acc0);
    acc1 = _mm512_fmadd_ps(d1, d1, acc1);
    acc2 = _mm512_fmadd_ps(d2, d2, acc2);
    acc3 = _mm512_fmadd_ps(d3, d3, acc3);
  }
  for (; i + 16 <= dim; i += 16) {
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), LoadHalf16(b + i));
    acc0 = _mm512_fmadd_ps(d, d, acc0);
  }
  if (i < dim) {
    const __mmask16 m = Mask16(dim - i);
    const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), LoadHalf16(b + i, m));
    acc1 = _mm512_fmadd_ps(d, d, acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

float DotF32F16(const float* a, const uint16_t* b, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), LoadHalf16(b + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), LoadHalf16(b + i + 16), acc1);
    acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), LoadHalf16(b + i + 32), acc2);
    acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), LoadHalf16(b + i + 48), acc3);
  }
  for (; i + 16 <= dim; i += 16) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), LoadHalf16(b + i), acc0);
  if (i < dim) {
    const __mmask16 m = Mask16(dim - i);
    acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), LoadHalf16(b + i, m), acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

// Byte kernels: 32 bytes widen to 32 int16 lanes; madd multiplies pairs
// and adds neighbours into int32 lanes (at most 2 * 255^2, no overflow).
// Masked-off bytes load as 0 and add 0 to both the L2 and the dot sums.
template <bool kSigned>
inline __m512i Widen(__m256i v) {
  if constexpr (kSigned) return _mm512_cvtepi8_epi16(v);
  return _mm512_cvtepu8_epi16(v);
}

template <bool kL2>
inline __m512i Step(__m512i x, __m512i y) {
  if constexpr (kL2) {
    const __m512i d = _mm512_sub_epi16(x, y);
    return _mm512_madd_epi16(d, d);
  }
  return _mm512_madd_epi16(x, y);
}

template <bool kSigned, bool kL2>
uint32_t ByteKernel(const void* a_ptr, const void* b_ptr, size_t dim) {
  const auto* a = static_cast<const uint8_t*>(a_ptr);
  const auto* b = static_cast<const uint8_t*>(b_ptr);
  auto load = [](const uint8_t* p) {
    return Widen<kSigned>(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  };
  __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    acc0 = _mm512_add_epi32(acc0, Step<kL2>(load(a + i), load(b + i)));
    acc1 = _mm512_add_epi32(acc1, Step<kL2>(load(a + i + 32), load(b + i + 32)));
  }
  if (i + 32 <= dim) {
    acc0 = _mm512_add_epi32(acc0, Step<kL2>(load(a + i), load(b + i)));
    i += 32;
  }
  if (i < dim) {
    const __mmask32 m = Mask32(dim - i);
    acc1 = _mm512_add_epi32(acc1, Step<kL2>(Widen<kSigned>(_mm256_maskz_loadu_epi8(m, a + i)),
                                            Widen<kSigned>(_mm256_maskz_loadu_epi8(m, b + i))));
  }
  return static_cast<uint32_t>(_mm512_reduce_add_epi32(_mm512_add_epi32(acc0, acc1)));
}

uint32_t L2U8(const uint8_t* a, const uint8_t* b, size_t dim) { return ByteKernel<false, true>(a, b, dim); }
int32_t DotU8(const uint8_t* a, const uint8_t* b, size_t dim) {
  return static_cast<int32_t>(ByteKernel<false, false>(a, b, dim));
}
uint32_t L2I8(const int8_t* a, const int8_t* b, size_t dim) { return ByteKernel<true, true>(a, b, dim); }
int32_t DotI8(const int8_t* a, const int8_t* b, size_t dim) {
  return static_cast<int32_t>(ByteKernel<true, false>(a, b, dim));
}

uint32_t Hamming(const uint8_t* a, const uint8_t* b, size_t bytes) {
  auto diff = [](const uint8_t* x, const uint8_t* y) {
    return _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(x), _mm512_loadu_si512(y)));
  };
  __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 128 <= bytes; i += 128) {
    acc0 = _mm512_add_epi64(acc0, diff(a + i, b + i));
    acc1 = _mm512_add_epi64(acc1, diff(a + i + 64, b + i + 64));
  }
  if (i + 64 <= bytes) {
    acc0 = _mm512_add_epi64(acc0, diff(a + i, b + i));
    i += 64;
  }
  if (i < bytes) {
    const __mmask64 m = Mask64(bytes - i);
    const __m512i x = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, a + i), _mm512_maskz_loadu_epi8(m, b + i));
    acc1 = _mm512_add_epi64(acc1, _mm512_popcnt_epi64(x));
  }
  return static_cast<uint32_t>(_mm512_reduce_add_epi64(_mm512_add_epi64(acc0, acc1)));
}

// ---- One query against many rows ----------------------------------------

// Prefetches each cache line once, kPrefetchBytes ahead of the row being
// read, never past the end of the rows.
class Prefetcher {
 public:
  Prefetcher(const float* base, size_t n, size_t dim)
      : next_(reinterpret_cast<const char*>(base) + kPrefetchBytes),
        end_(reinterpret_cast<uintptr_t>(base + n * dim)) {}
  // Call before reading the row that ends at `row_end`.
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

// dim in (16 * (kChunks - 1), 16 * kChunks]: the query is loaded once into
// kChunks registers, the last chunk masked when dim is not a multiple of 16.
template <bool kL2, size_t kChunks>
void ManyFixed(const float* query, const float* base, size_t n, size_t dim, float* out) {
  const __mmask16 last = dim % 16 == 0 ? static_cast<__mmask16>(0xffff) : Mask16(dim % 16);
  __m512 q[kChunks];
#pragma GCC unroll 16
  for (size_t c = 0; c < kChunks; ++c) {
    q[c] = c + 1 < kChunks ? _mm512_loadu_ps(query + 16 * c) : _mm512_maskz_loadu_ps(last, query + 16 * c);
  }
  Prefetcher prefetch(base, n, dim);
  for (size_t i = 0; i < n; ++i) {
    const float* row = base + i * dim;
    prefetch.Ahead(row + dim);
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
#pragma GCC unroll 16
    for (size_t c = 0; c < kChunks; ++c) {
      const __m512 x =
          c + 1 < kChunks ? _mm512_loadu_ps(row + 16 * c) : _mm512_maskz_loadu_ps(last, row + 16 * c);
      if constexpr (kL2) {
        const __m512 d = _mm512_sub_ps(x, q[c]);
        acc[c % 4] = _mm512_fmadd_ps(d, d, acc[c % 4]);
      } else {
        acc[c % 4] = _mm512_fmadd_ps(x, q[c], acc[c % 4]);
      }
    }
    out[i] =
        _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
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
  // Entry c handles dims needing c chunks; entry 0 (dim 0) loops.
  static constexpr ManyFn kFns[] = {ManyLoop<kL2>, ManyFixed<kL2, kChunks>...};
};

template <bool kL2>
using ManyTableFor = ManyTable<kL2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16>;
static_assert(sizeof(ManyTableFor<true>::kFns) / sizeof(ManyFn) == kMaxQueryChunks + 1);

void L2F32Many(const float* query, const float* base, size_t n, size_t dim, float* out) {
  const size_t chunks = (dim + 15) / 16;
  const ManyFn fn = chunks <= kMaxQueryChunks ? ManyTableFor<true>::kFns[chunks] : ManyLoop<true>;
  fn(query, base, n, dim, out);
}

void DotF32Many(const float* query, const float* base, size_t n, size_t dim, float* out) {
  const size_t chunks = (dim + 15) / 16;
  const ManyFn fn = chunks <= kMaxQueryChunks ? ManyTableFor<false>::kFns[chunks] : ManyLoop<false>;
  fn(query, base, n, dim, out);
}

constexpr DistanceKernels kAvx512Kernels = {
    .level = SimdLevel::kAvx512,
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

const DistanceKernels& Avx512Kernels() { return kAvx512Kernels; }

}  // namespace quiver::index::internal

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif  // QUIVER_DISTANCE_X86
