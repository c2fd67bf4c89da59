// The AVX2 + FMA IVF kernels (see ivf_kernels.h). This file is compiled
// with -mavx2 -mfma (CMakeLists.txt). It calls no inline function or
// template from a shared header, so no AVX2 copy of one can leak into the
// rest of the program, and holds no static initialiser; IvfKernelsFor
// hands its table out only once the CPU has been checked.
#include <immintrin.h>

#include "index/vector/ivf_kernels.h"

#if defined(__x86_64__) || defined(__i386__)

namespace quiver::index::internal {
namespace {

float HorizontalSum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

void FastScanSums(const uint8_t* packed, int64_t num_blocks, int pairs, const uint8_t* lut, uint16_t* out) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i low8 = _mm256_set1_epi16(0x00ff);
  for (int64_t b = 0; b < num_blocks; ++b) {
    const uint8_t* block = packed + b * pairs * 32;
    // 16-bit sums of vectors 0..15 (lo) and 16..31 (hi), even and odd
    // vectors apart; lane half 0 adds the even sub-codes, half 1 the odd.
    __m256i lo_even = _mm256_setzero_si256();
    __m256i lo_odd = _mm256_setzero_si256();
    __m256i hi_even = _mm256_setzero_si256();
    __m256i hi_odd = _mm256_setzero_si256();
    for (int p = 0; p < pairs; ++p) {
      const __m256i codes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + p * 32));
      const __m256i table = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lut + p * 32));
      const __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(codes, low4));
      const __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(codes, 4), low4));
      lo_even = _mm256_add_epi16(lo_even, _mm256_and_si256(lo, low8));
      lo_odd = _mm256_add_epi16(lo_odd, _mm256_srli_epi16(lo, 8));
      hi_even = _mm256_add_epi16(hi_even, _mm256_and_si256(hi, low8));
      hi_odd = _mm256_add_epi16(hi_odd, _mm256_srli_epi16(hi, 8));
    }
    // Add the lane halves, then interleave even and odd vectors.
    const __m128i le = _mm_add_epi16(_mm256_castsi256_si128(lo_even), _mm256_extracti128_si256(lo_even, 1));
    const __m128i lo = _mm_add_epi16(_mm256_castsi256_si128(lo_odd), _mm256_extracti128_si256(lo_odd, 1));
    const __m128i he = _mm_add_epi16(_mm256_castsi256_si128(hi_even), _mm256_extracti128_si256(hi_even, 1));
    const __m128i ho = _mm_add_epi16(_mm256_castsi256_si128(hi_odd), _mm256_extracti128_si256(hi_odd, 1));
    __m128i* dst = reinterpret_cast<__m128i*>(out + b * 32);
    _mm_storeu_si128(dst + 0, _mm_unpacklo_epi16(le, lo));
    _mm_storeu_si128(dst + 1, _mm_unpackhi_epi16(le, lo));
    _mm_storeu_si128(dst + 2, _mm_unpacklo_epi16(he, ho));
    _mm_storeu_si128(dst + 3, _mm_unpackhi_epi16(he, ho));
  }
}

// Keeps, per lane, the smallest value seen and its index (the earlier on
// ties).
inline void Track(__m256 v, __m256i index, __m256* best, __m256i* best_index) {
  const __m256 less = _mm256_cmp_ps(v, *best, _CMP_LT_OQ);
  *best = _mm256_blendv_ps(*best, v, less);
  *best_index = _mm256_blendv_epi8(*best_index, index, _mm256_castps_si256(less));
}

void NearestCentroid(const float* x, int64_t n, int dim, const float* t, const float* norms, int k,
                     int32_t* assign, float* dist) {
  const int k8 = k & ~7;
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int64_t i = 0; i < n; ++i) {
    const float* row = x + i * dim;
    __m256 best = _mm256_set1_ps(__builtin_inff());
    __m256i best_index = _mm256_setzero_si256();
    int c = 0;
    for (; c + 32 <= k8; c += 32) {
      __m256 a0 = _mm256_loadu_ps(norms + c);
      __m256 a1 = _mm256_loadu_ps(norms + c + 8);
      __m256 a2 = _mm256_loadu_ps(norms + c + 16);
      __m256 a3 = _mm256_loadu_ps(norms + c + 24);
      for (int d = 0; d < dim; ++d) {
        const __m256 xd = _mm256_set1_ps(-2.0f * row[d]);
        const float* col = t + static_cast<int64_t>(d) * k + c;
        a0 = _mm256_fmadd_ps(xd, _mm256_loadu_ps(col), a0);
        a1 = _mm256_fmadd_ps(xd, _mm256_loadu_ps(col + 8), a1);
        a2 = _mm256_fmadd_ps(xd, _mm256_loadu_ps(col + 16), a2);
        a3 = _mm256_fmadd_ps(xd, _mm256_loadu_ps(col + 24), a3);
      }
      const __m256i base = _mm256_add_epi32(_mm256_set1_epi32(c), iota);
      Track(a0, base, &best, &best_index);
      Track(a1, _mm256_add_epi32(base, _mm256_set1_epi32(8)), &best, &best_index);
      Track(a2, _mm256_add_epi32(base, _mm256_set1_epi32(16)), &best, &best_index);
      Track(a3, _mm256_add_epi32(base, _mm256_set1_epi32(24)), &best, &best_index);
    }
    for (; c < k8; c += 8) {
      __m256 a = _mm256_loadu_ps(norms + c);
      for (int d = 0; d < dim; ++d) {
        a = _mm256_fmadd_ps(_mm256_set1_ps(-2.0f * row[d]),
                            _mm256_loadu_ps(t + static_cast<int64_t>(d) * k + c), a);
      }
      Track(a, _mm256_add_epi32(_mm256_set1_epi32(c), iota), &best, &best_index);
    }
    alignas(32) float values[8];
    alignas(32) int32_t indexes[8];
    _mm256_store_ps(values, best);
    _mm256_store_si256(reinterpret_cast<__m256i*>(indexes), best_index);
    float best_value = values[0];
    int32_t best_c = indexes[0];
    for (int l = 1; l < 8; ++l) {
      if (values[l] < best_value || (values[l] == best_value && indexes[l] < best_c)) {
        best_value = values[l];
        best_c = indexes[l];
      }
    }
    for (; c < k; ++c) {
      float a = norms[c];
      for (int d = 0; d < dim; ++d) a += -2.0f * row[d] * t[static_cast<int64_t>(d) * k + c];
      if (a < best_value) {
        best_value = a;
        best_c = c;
      }
    }
    assign[i] = best_c;
    if (dist != nullptr) {
      float xn = 0;
      for (int d = 0; d < dim; ++d) xn += row[d] * row[d];
      const float v = best_value + xn;
      dist[i] = v > 0 ? v : 0.0f;
    }
  }
}

void L2Table(const float* x, const float* t, int dim, int k, float* out) {
  int c = 0;
  for (; c + 32 <= k; c += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
           a3 = _mm256_setzero_ps();
    for (int d = 0; d < dim; ++d) {
      const __m256 xd = _mm256_set1_ps(x[d]);
      const float* col = t + static_cast<int64_t>(d) * k + c;
      const __m256 d0 = _mm256_sub_ps(xd, _mm256_loadu_ps(col));
      const __m256 d1 = _mm256_sub_ps(xd, _mm256_loadu_ps(col + 8));
      const __m256 d2 = _mm256_sub_ps(xd, _mm256_loadu_ps(col + 16));
      const __m256 d3 = _mm256_sub_ps(xd, _mm256_loadu_ps(col + 24));
      a0 = _mm256_fmadd_ps(d0, d0, a0);
      a1 = _mm256_fmadd_ps(d1, d1, a1);
      a2 = _mm256_fmadd_ps(d2, d2, a2);
      a3 = _mm256_fmadd_ps(d3, d3, a3);
    }
    _mm256_storeu_ps(out + c, a0);
    _mm256_storeu_ps(out + c + 8, a1);
    _mm256_storeu_ps(out + c + 16, a2);
    _mm256_storeu_ps(out + c + 24, a3);
  }
  for (; c + 8 <= k; c += 8) {
    __m256 a = _mm256_setzero_ps();
    for (int d = 0; d < dim; ++d) {
      const __m256 diff =
          _mm256_sub_ps(_mm256_set1_ps(x[d]), _mm256_loadu_ps(t + static_cast<int64_t>(d) * k + c));
      a = _mm256_fmadd_ps(diff, diff, a);
    }
    _mm256_storeu_ps(out + c, a);
  }
  for (; c < k; ++c) {
    float a = 0;
    for (int d = 0; d < dim; ++d) {
      const float diff = x[d] - t[static_cast<int64_t>(d) * k + c];
      a += diff * diff;
    }
    out[c] = a;
  }
}

void IpTable(const float* x, const float* t, int dim, int k, float* out) {
  int c = 0;
  for (; c + 32 <= k; c += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
           a3 = _mm256_setzero_ps();
    for (int d = 0; d < dim; ++d) {
      const __m256 xd = _mm256_set1_ps(x[d]);
      const float* col = t + static_cast<int64_t>(d) * k + c;
      a0 = _mm256_fmadd_ps(xd, _mm256_loadu_ps(col), a0);
      a1 = _mm256_fmadd_ps(xd, _mm256_loadu_ps(col + 8), a1);
      a2 = _mm256_fmadd_ps(xd, _mm256_loadu_ps(col + 16), a2);
      a3 = _mm256_fmadd_ps(xd, _mm256_loadu_ps(col + 24), a3);
    }
    _mm256_storeu_ps(out + c, a0);
    _mm256_storeu_ps(out + c + 8, a1);
    _mm256_storeu_ps(out + c + 16, a2);
    _mm256_storeu_ps(out + c + 24, a3);
  }
  for (; c + 8 <= k; c += 8) {
    __m256 a = _mm256_setzero_ps();
    for (int d = 0; d < dim; ++d) {
      a = _mm256_fmadd_ps(_mm256_set1_ps(x[d]), _mm256_loadu_ps(t + static_cast<int64_t>(d) * k + c), a);
    }
    _mm256_storeu_ps(out + c, a);
  }
  for (; c < k; ++c) {
    float a = 0;
    for (int d = 0; d < dim; ++d) a += x[d] * t[static_cast<int64_t>(d) * k + c];
    out[c] = a;
  }
}

inline __m256 LoadCodes(const uint8_t* p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

void SqL2(const float* u, const float* step, const uint8_t* codes, int64_t n, int dim, float* out) {
  const int d16 = dim & ~15;
  const int d8 = dim & ~7;
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* code = codes + i * dim;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int d = 0;
    for (; d < d16; d += 16) {
      const __m256 x0 =
          _mm256_fnmadd_ps(_mm256_loadu_ps(step + d), LoadCodes(code + d), _mm256_loadu_ps(u + d));
      const __m256 x1 = _mm256_fnmadd_ps(_mm256_loadu_ps(step + d + 8), LoadCodes(code + d + 8),
                                         _mm256_loadu_ps(u + d + 8));
      a0 = _mm256_fmadd_ps(x0, x0, a0);
      a1 = _mm256_fmadd_ps(x1, x1, a1);
    }
    for (; d < d8; d += 8) {
      const __m256 x0 =
          _mm256_fnmadd_ps(_mm256_loadu_ps(step + d), LoadCodes(code + d), _mm256_loadu_ps(u + d));
      a0 = _mm256_fmadd_ps(x0, x0, a0);
    }
    float acc = HorizontalSum(_mm256_add_ps(a0, a1));
    for (; d < dim; ++d) {
      const float diff = u[d] - step[d] * code[d];
      acc += diff * diff;
    }
    out[i] = acc;
  }
}

void SqDot(const float* w, const uint8_t* codes, int64_t n, int dim, float* out) {
  const int d16 = dim & ~15;
  const int d8 = dim & ~7;
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* code = codes + i * dim;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int d = 0;
    for (; d < d16; d += 16) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + d), LoadCodes(code + d), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + d + 8), LoadCodes(code + d + 8), a1);
    }
    for (; d < d8; d += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + d), LoadCodes(code + d), a0);
    float acc = HorizontalSum(_mm256_add_ps(a0, a1));
    for (; d < dim; ++d) acc += w[d] * code[d];
    out[i] = acc;
  }
}

constexpr IvfKernels kAvx2Kernels = {
    SimdLevel::kAvx2, FastScanSums, NearestCentroid, L2Table, IpTable, SqL2, SqDot,
};

}  // namespace

const IvfKernels& IvfAvx2Kernels() { return kAvx2Kernels; }

}  // namespace quiver::index::internal

#endif
