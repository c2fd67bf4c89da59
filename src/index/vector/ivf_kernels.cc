#include "index/vector/ivf_kernels.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "index/vector/fastscan.h"

namespace quiver::index {
namespace {

void FastScanSumsScalar(const uint8_t* packed, int64_t num_blocks, int pairs, const uint8_t* lut,
                        uint16_t* out) {
  for (int64_t b = 0; b < num_blocks; ++b) {
    uint16_t acc[kFastScanBlock] = {};
    for (int p = 0; p < pairs; ++p) {
      const uint8_t* block = packed + (static_cast<size_t>(b) * pairs + p) * 32;
      const uint8_t* even = lut + p * 32;
      const uint8_t* odd = even + 16;
      for (int i = 0; i < 16; ++i) {
        acc[i] += even[block[i] & 0x0f] + odd[block[16 + i] & 0x0f];
        acc[16 + i] += even[block[i] >> 4] + odd[block[16 + i] >> 4];
      }
    }
    std::memcpy(out + b * kFastScanBlock, acc, sizeof(acc));
  }
}

void NearestCentroidScalar(const float* x, int64_t n, int dim, const float* t, const float* norms, int k,
                           int32_t* assign, float* dist) {
  std::vector<float> acc(k);
  for (int64_t i = 0; i < n; ++i) {
    const float* row = x + static_cast<size_t>(i) * dim;
    std::copy(norms, norms + k, acc.begin());
    float xn = 0;
    for (int d = 0; d < dim; ++d) {
      const float xd = -2.0f * row[d];
      xn += row[d] * row[d];
      const float* col = t + static_cast<size_t>(d) * k;
      for (int c = 0; c < k; ++c) acc[c] += xd * col[c];
    }
    int best = 0;
    for (int c = 1; c < k; ++c) {
      if (acc[c] < acc[best]) best = c;
    }
    assign[i] = best;
    if (dist != nullptr) dist[i] = std::max(acc[best] + xn, 0.0f);
  }
}

void L2TableScalar(const float* x, const float* t, int dim, int k, float* out) {
  std::fill(out, out + k, 0.0f);
  for (int d = 0; d < dim; ++d) {
    const float* col = t + static_cast<size_t>(d) * k;
    for (int c = 0; c < k; ++c) {
      const float diff = x[d] - col[c];
      out[c] += diff * diff;
    }
  }
}

void IpTableScalar(const float* x, const float* t, int dim, int k, float* out) {
  std::fill(out, out + k, 0.0f);
  for (int d = 0; d < dim; ++d) {
    const float* col = t + static_cast<size_t>(d) * k;
    for (int c = 0; c < k; ++c) out[c] += x[d] * col[c];
  }
}

void SqL2Scalar(const float* u, const float* step, const uint8_t* codes, int64_t n, int dim, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* code = codes + static_cast<size_t>(i) * dim;
    float acc = 0;
    for (int d = 0; d < dim; ++d) {
      const float diff = u[d] - step[d] * code[d];
      acc += diff * diff;
    }
    out[i] = acc;
  }
}

void SqDotScalar(const float* w, const uint8_t* codes, int64_t n, int dim, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* code = codes + static_cast<size_t>(i) * dim;
    float acc = 0;
    for (int d = 0; d < dim; ++d) acc += w[d] * code[d];
    out[i] = acc;
  }
}

const IvfKernels kScalarKernels = {
    SimdLevel::kScalar, FastScanSumsScalar, NearestCentroidScalar, L2TableScalar,
    IpTableScalar,      SqL2Scalar,         SqDotScalar,
};

}  // namespace

const IvfKernels& IvfKernelsFor(SimdLevel level) {
#if defined(__x86_64__) || defined(__i386__)
  if (std::min(level, DetectSimdLevel()) >= SimdLevel::kAvx2) return internal::IvfAvx2Kernels();
#endif
  return kScalarKernels;
}

const IvfKernels& GetIvfKernels() {
  static const IvfKernels& kernels = IvfKernelsFor(DetectSimdLevel());
  return kernels;
}

}  // namespace quiver::index
