#include "index/vector/rabitq.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "common/coding.h"
#include "index/vector/fastscan.h"
#include "index/vector/ivf_kernels.h"

namespace quiver::index {
namespace {

// Per-vector factors after the bits: |o - c|, <x, P r>, <x, P c>.
constexpr size_t kFactors = 3;
constexpr size_t kFactorBytes = kFactors * sizeof(float);
// Smallest <x, P r> stored; it is sqrt(2 / pi) ~ 0.8 on average and only a
// degenerate residual comes near 0.
constexpr float kMinQuality = 1e-3f;
// Rows rotated per matrix product while encoding.
constexpr int64_t kEncodeBlock = 256;

int SubCodes(int dim) { return (dim + 3) / 4; }

// A random orthogonal dim x dim matrix: Gram-Schmidt (twice, for accuracy
// in float) on Gaussian rows.
std::vector<float> RandomRotation(int dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::vector<double> m(static_cast<size_t>(dim) * dim);
  for (double& v : m) v = gauss(rng);
  for (int i = 0; i < dim; ++i) {
    double* row = m.data() + static_cast<size_t>(i) * dim;
    for (int pass = 0; pass < 2; ++pass) {
      for (int j = 0; j < i; ++j) {
        const double* prev = m.data() + static_cast<size_t>(j) * dim;
        double dot = 0;
        for (int d = 0; d < dim; ++d) dot += row[d] * prev[d];
        for (int d = 0; d < dim; ++d) row[d] -= dot * prev[d];
      }
    }
    double norm = 0;
    for (int d = 0; d < dim; ++d) norm += row[d] * row[d];
    norm = std::sqrt(norm);
    if (norm < 1e-12) {  // (never in practice) fall back to a unit axis
      std::fill(row, row + dim, 0.0);
      row[i] = 1.0;
      norm = 1.0;
    }
    for (int d = 0; d < dim; ++d) row[d] /= norm;
  }
  return std::vector<float>(m.begin(), m.end());
}

// One query against RaBitQ codes. The table holds, per 4 dimensions, the
// sum of the rotated query over each pattern of set bits.
class RaBitQScanner final : public PartitionScanner {
 public:
  RaBitQScanner(const float* query, int dim, CodecDistance distance, const std::vector<float>& rotation)
      : query_(query, query + dim),
        distance_(distance),
        m_(SubCodes(dim)),
        inv_sqrt_dim_(1.0f / std::sqrt(static_cast<float>(dim))),
        table_(static_cast<size_t>(m_) * 16),
        sums_(kSliceRows) {
    std::vector<float> rotated(dim);
    const auto& kernels = Kernels();
    for (int i = 0; i < dim; ++i) {
      rotated[i] = kernels.dot_f32(rotation.data() + static_cast<size_t>(i) * dim, query, dim);
    }
    rotated_sum_ = 0;
    for (float v : rotated) rotated_sum_ += v;
    for (int j = 0; j < m_; ++j) {
      for (int pattern = 0; pattern < 16; ++pattern) {
        float s = 0;
        for (int b = 0; b < 4; ++b) {
          const int d = 4 * j + b;
          if ((pattern >> b & 1) != 0 && d < dim) s += rotated[d];
        }
        table_[static_cast<size_t>(j) * 16 + pattern] = s;
      }
    }
    QuantizeLut(table_.data(), m_, &lut_);
  }

  void SetPartition(int partition, const float* centroid) override {
    const auto& kernels = Kernels();
    const size_t dim = query_.size();
    if (distance_ == CodecDistance::kL2) {
      query_term_ = kernels.l2_f32(query_.data(), centroid, dim);
    } else {
      query_term_ = DotToDistance(kernels.dot_f32(query_.data(), centroid, dim));
    }
  }

  void Scan(const uint8_t* codes, const uint64_t* row_ids, int64_t n, const RowIdFilter* allowed,
            TopK* top) override {
    const int pairs = FastScanPairs(m_);
    const float* factors = reinterpret_cast<const float*>(codes + FastScanPackedSize(n, m_));
    const auto sums_fn = GetIvfKernels().fastscan_sums;
    // |exact sum - quantised sum| <= slack (see fastscan.h).
    const float slack = (0.5f * static_cast<float>(m_) + 1.0f) / lut_.scale;
    const int64_t blocks_per_slice = kSliceRows / kFastScanBlock;
    const int64_t num_blocks = (n + kFastScanBlock - 1) / kFastScanBlock;
    for (int64_t b0 = 0; b0 < num_blocks; b0 += blocks_per_slice) {
      const int64_t nb = std::min(blocks_per_slice, num_blocks - b0);
      sums_fn(codes + static_cast<size_t>(b0) * pairs * 32, nb, pairs, lut_.bytes.data(), sums_.data());
      const int64_t first = b0 * kFastScanBlock;
      const int64_t rows = std::min(nb * kFastScanBlock, n - first);
      float threshold = top->threshold();
      for (int64_t i = 0; i < rows; ++i) {
        const int64_t v = first + i;
        const float* f = factors + static_cast<size_t>(v) * kFactors;
        // The estimate decreases as the sum grows: its lowest value comes
        // from the largest sum the quantised one admits.
        const float best_sum = lut_.bias + static_cast<float>(sums_[i]) / lut_.scale + slack;
        if (Estimate(best_sum, f) > threshold) continue;
        float sum = 0;
        for (int j = 0; j < m_; ++j)
          sum += table_[static_cast<size_t>(j) * 16 + FastScanCode(codes, m_, v, j)];
        const float d = Estimate(sum, f);
        if (d > threshold) continue;
        if (allowed != nullptr && !allowed->Contains(row_ids[v])) continue;
        top->Push(d, row_ids[v]);
        threshold = top->threshold();
      }
    }
  }

  float Distance(const uint8_t* code) override {
    float sum = 0;
    for (int j = 0; j < m_; ++j) sum += table_[static_cast<size_t>(j) * 16 + code[j]];
    float f[kFactors];
    std::memcpy(f, code + m_, kFactorBytes);
    return Estimate(sum, f);
  }

 private:
  static constexpr int64_t kSliceRows = 256;

  // The distance estimate from the sum of the rotated query over the set
  // bits and the vector's factors (norm, quality, <x, P c>).
  float Estimate(float bit_sum, const float* f) const {
    const float y = (2.0f * bit_sum - rotated_sum_) * inv_sqrt_dim_;
    if (distance_ == CodecDistance::kL2) {
      return std::max(0.0f, f[0] * f[0] + query_term_ - 2.0f * f[0] * (y - f[2]) / f[1]);
    }
    return query_term_ - f[0] * y / f[1];
  }

  std::vector<float> query_;
  CodecDistance distance_;
  int m_;
  float inv_sqrt_dim_;
  std::vector<float> table_;  // m x 16
  FastScanLut lut_;
  std::vector<uint16_t> sums_;
  float rotated_sum_ = 0;
  // L2: |q - c|^2; inner product: 1 - <q, c>.
  float query_term_ = 0;
};

class RaBitQCodec final : public IvfCodec {
 public:
  RaBitQCodec(Metric metric, int dim, std::vector<float> rotation)
      : IvfCodec(metric, dim), m_(SubCodes(dim)), rotation_(std::move(rotation)) {}

  IvfCodecKind kind() const override { return IvfCodecKind::kRaBitQ; }
  // m nibbles (one per byte), then the factors.
  size_t code_size() const override { return static_cast<size_t>(m_) + kFactorBytes; }

  void Encode(const float* vectors, int64_t n, const float* centroids, const int32_t* assign,
              uint8_t* codes) const override {
    const int dim = this->dim();
    const float inv_sqrt_dim = 1.0f / std::sqrt(static_cast<float>(dim));
    // Rows 0..b-1: unit residuals; rows b..2b-1: their centroids.
    std::vector<float> block(static_cast<size_t>(2 * kEncodeBlock) * dim);
    std::vector<float> rotated(block.size());
    std::vector<float> norms(kEncodeBlock);
    for (int64_t first = 0; first < n; first += kEncodeBlock) {
      const int64_t b = std::min(kEncodeBlock, n - first);
      for (int64_t i = 0; i < b; ++i) {
        const float* v = vectors + static_cast<size_t>(first + i) * dim;
        const float* c = centroids + static_cast<size_t>(assign[first + i]) * dim;
        float* r = block.data() + static_cast<size_t>(i) * dim;
        double norm = 0;
        for (int d = 0; d < dim; ++d) {
          r[d] = v[d] - c[d];
          norm += static_cast<double>(r[d]) * r[d];
        }
        norms[i] = static_cast<float>(std::sqrt(norm));
        if (norms[i] > 0) {
          for (int d = 0; d < dim; ++d) r[d] /= norms[i];
        }
        std::memcpy(block.data() + static_cast<size_t>(b + i) * dim, c, sizeof(float) * dim);
      }
      InnerProductsBlas(block.data(), static_cast<size_t>(2 * b), rotation_.data(), dim, dim, rotated.data());
      for (int64_t i = 0; i < b; ++i) {
        const float* pr = rotated.data() + static_cast<size_t>(i) * dim;
        const float* pc = rotated.data() + static_cast<size_t>(b + i) * dim;
        uint8_t* code = codes + static_cast<size_t>(first + i) * code_size();
        std::memset(code, 0, m_);
        double quality = 0, xc = 0;
        for (int d = 0; d < dim; ++d) {
          const bool bit = pr[d] > 0;
          if (bit) code[d / 4] |= static_cast<uint8_t>(1u << (d % 4));
          quality += std::fabs(pr[d]);
          xc += bit ? pc[d] : -pc[d];
        }
        float f[kFactors] = {norms[i], std::max(kMinQuality, static_cast<float>(quality) * inv_sqrt_dim),
                             static_cast<float>(xc) * inv_sqrt_dim};
        if (norms[i] == 0) f[1] = 1.0f;  // the vector is its centroid: the estimate is exact
        std::memcpy(code + m_, f, kFactorBytes);
      }
    }
  }

  size_t PackedSize(int64_t n) const override {
    return FastScanPackedSize(n, m_) + static_cast<size_t>(n) * kFactorBytes;
  }
  void Pack(const uint8_t* codes, int64_t n, uint8_t* packed) const override {
    std::vector<uint8_t> bits(static_cast<size_t>(n) * m_);
    float* factors = reinterpret_cast<float*>(packed + FastScanPackedSize(n, m_));
    for (int64_t i = 0; i < n; ++i) {
      const uint8_t* code = codes + static_cast<size_t>(i) * code_size();
      std::memcpy(bits.data() + static_cast<size_t>(i) * m_, code, m_);
      std::memcpy(factors + static_cast<size_t>(i) * kFactors, code + m_, kFactorBytes);
    }
    FastScanPack(bits.data(), n, m_, packed);
  }
  void Unpack(const uint8_t* packed, int64_t n, uint8_t* codes) const override {
    std::vector<uint8_t> bits(static_cast<size_t>(n) * m_);
    FastScanUnpack(packed, n, m_, bits.data());
    const float* factors = reinterpret_cast<const float*>(packed + FastScanPackedSize(n, m_));
    for (int64_t i = 0; i < n; ++i) {
      uint8_t* code = codes + static_cast<size_t>(i) * code_size();
      std::memcpy(code, bits.data() + static_cast<size_t>(i) * m_, m_);
      std::memcpy(code + m_, factors + static_cast<size_t>(i) * kFactors, kFactorBytes);
    }
  }

  std::unique_ptr<PartitionScanner> NewScanner(const float* query) const override {
    return std::make_unique<RaBitQScanner>(query, dim(), distance(), rotation_);
  }
  void Serialize(std::string* out) const override {
    PutFixed32(out, static_cast<uint32_t>(dim()));
    PutFixed32(out, 0);
    out->append(reinterpret_cast<const char*>(rotation_.data()), sizeof(float) * rotation_.size());
  }
  size_t memory_bytes() const override { return sizeof(float) * rotation_.size(); }
  nlohmann::json Params() const override { return {{"num_bits", 1}}; }

 private:
  int m_;
  std::vector<float> rotation_;  // dim x dim, orthogonal
};

}  // namespace

Result<std::unique_ptr<IvfCodec>> MakeRaBitQCodec(Metric metric, int dim, uint64_t seed) {
  if (dim < 1) return Status::InvalidArgument("RaBitQ needs a positive dimension");
  return std::unique_ptr<IvfCodec>(new RaBitQCodec(metric, dim, RandomRotation(dim, seed)));
}

Result<std::unique_ptr<IvfCodec>> DeserializeRaBitQCodec(Metric metric, int dim, std::string_view bytes) {
  uint32_t stored_dim = 0, reserved = 0;
  if (!GetFixed32(&bytes, &stored_dim) || !GetFixed32(&bytes, &reserved)) {
    return Status::Corruption("RaBitQ state is truncated");
  }
  const size_t expected = sizeof(float) * static_cast<size_t>(dim) * dim;
  if (stored_dim != static_cast<uint32_t>(dim) || reserved != 0 || bytes.size() != expected) {
    return Status::Corruption("RaBitQ state of dimension " + std::to_string(stored_dim) + " and " +
                              std::to_string(bytes.size()) + " bytes does not fit dimension " +
                              std::to_string(dim));
  }
  std::vector<float> rotation(static_cast<size_t>(dim) * dim);
  std::memcpy(rotation.data(), bytes.data(), expected);
  for (float v : rotation) {
    if (!std::isfinite(v) || std::fabs(v) > 1.0f + 1e-3f) {
      return Status::Corruption("RaBitQ rotation holds a value that no orthogonal matrix has");
    }
  }
  return std::unique_ptr<IvfCodec>(new RaBitQCodec(metric, dim, std::move(rotation)));
}

}  // namespace quiver::index
