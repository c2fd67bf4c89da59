#include "index/vector/fastscan.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace quiver::index {

void FastScanPack(const uint8_t* codes, int64_t n, int m, uint8_t* packed) {
  const int pairs = FastScanPairs(m);
  std::memset(packed, 0, FastScanPackedSize(n, m));
  for (int64_t i = 0; i < n; ++i) {
    uint8_t* block = packed + static_cast<size_t>(i / kFastScanBlock) * pairs * 32;
    const int v = static_cast<int>(i % kFastScanBlock);
    const int shift = v < 16 ? 0 : 4;
    const uint8_t* code = codes + static_cast<size_t>(i) * m;
    for (int j = 0; j < m; ++j) {
      block[(j / 2) * 32 + (j % 2) * 16 + (v % 16)] |= static_cast<uint8_t>((code[j] & 0x0f) << shift);
    }
  }
}

void FastScanUnpack(const uint8_t* packed, int64_t n, int m, uint8_t* codes) {
  for (int64_t i = 0; i < n; ++i) {
    for (int j = 0; j < m; ++j) codes[static_cast<size_t>(i) * m + j] = FastScanCode(packed, m, i, j);
  }
}

void QuantizeLut(const float* table, int m, FastScanLut* lut) {
  const int pairs = FastScanPairs(m);
  lut->bytes.assign(static_cast<size_t>(pairs) * 32, 0);
  float max_range = 0;
  double sum_range = 0;
  float bias = 0;
  std::vector<float> lo(m);
  for (int j = 0; j < m; ++j) {
    const float* t = table + j * 16;
    const auto [mn, mx] = std::minmax_element(t, t + 16);
    lo[j] = *mn;
    bias += *mn;
    max_range = std::max(max_range, *mx - *mn);
    sum_range += *mx - *mn;
  }
  float scale = max_range > 0 ? 255.0f / max_range : 1.0f;
  // Keep every 16-bit sum exact.
  if (sum_range * scale > 65535.0 - m) scale = static_cast<float>((65535.0 - m) / sum_range);
  for (int j = 0; j < m; ++j) {
    const float* t = table + j * 16;
    uint8_t* out = lut->bytes.data() + (j / 2) * 32 + (j % 2) * 16;
    for (int c = 0; c < 16; ++c) {
      const float q = std::nearbyint((t[c] - lo[j]) * scale);
      out[c] = static_cast<uint8_t>(std::clamp(q, 0.0f, 255.0f));
    }
  }
  lut->scale = scale;
  lut->bias = bias;
}

}  // namespace quiver::index
