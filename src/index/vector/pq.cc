#include "index/vector/pq.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/coding.h"
#include "index/vector/fastscan.h"
#include "index/vector/ivf_kernels.h"
#include "index/vector/kmeans.h"

namespace quiver::index {
namespace {

// Rows the codebooks are trained on, at most.
constexpr int64_t kMaxTrainRows = 65536;
constexpr int kPqIterations = 25;

// Distances of a slice of vectors are computed into a buffer this long
// before they are offered to the results.
constexpr int64_t kSlice = 256;

// residual = x - centroid, for n vectors.
void Residuals(const float* x, int64_t n, int dim, const float* centroids, const int32_t* assign,
               float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const float* v = x + static_cast<size_t>(i) * dim;
    const float* c = centroids + static_cast<size_t>(assign[i]) * dim;
    float* r = out + static_cast<size_t>(i) * dim;
    for (int d = 0; d < dim; ++d) r[d] = v[d] - c[d];
  }
}

}  // namespace

Result<PqParams> ResolvePqParams(int dim, int num_sub_vectors, int num_bits) {
  PqParams p;
  p.num_bits = num_bits == 0 ? 8 : num_bits;
  if (p.num_bits != 4 && p.num_bits != 8) {
    return Status::InvalidArgument("num_bits must be 4 or 8, got " + std::to_string(num_bits));
  }
  if (num_sub_vectors < 0) {
    return Status::InvalidArgument("num_sub_vectors must be positive (0 picks a default), got " +
                                   std::to_string(num_sub_vectors));
  }
  if (num_sub_vectors == 0) {
    const int width = p.num_bits == 8 ? 8 : 4;
    int best = 1;
    for (int m = 1; m <= dim; ++m) {
      if (dim % m != 0) continue;
      // Closest sub-vector width; on a tie, the narrower (more sub-vectors).
      if (std::abs(dim / m - width) <= std::abs(dim / best - width)) best = m;
    }
    p.num_sub_vectors = best;
  } else {
    if (num_sub_vectors > dim || dim % num_sub_vectors != 0) {
      return Status::InvalidArgument("num_sub_vectors " + std::to_string(num_sub_vectors) +
                                     " does not divide the dimension " + std::to_string(dim));
    }
    p.num_sub_vectors = num_sub_vectors;
  }
  return p;
}

// ---------------------------------------------------------------------------
// ProductQuantizer

ProductQuantizer::ProductQuantizer(int dim, int m, int bits)
    : dim_(dim), m_(m), bits_(bits), ksub_(1 << bits), dsub_(dim / m) {
  codebooks_.assign(static_cast<size_t>(m_) * ksub_ * dsub_, 0.0f);
  Prepare();
}

void ProductQuantizer::Prepare() {
  transposed_.resize(codebooks_.size());
  norms_.resize(static_cast<size_t>(m_) * ksub_);
  for (int j = 0; j < m_; ++j) {
    const float* book = codebooks_.data() + static_cast<size_t>(j) * ksub_ * dsub_;
    float* t = transposed_.data() + static_cast<size_t>(j) * dsub_ * ksub_;
    for (int c = 0; c < ksub_; ++c) {
      float norm = 0;
      for (int d = 0; d < dsub_; ++d) {
        const float v = book[c * dsub_ + d];
        t[d * ksub_ + c] = v;
        norm += v * v;
      }
      norms_[static_cast<size_t>(j) * ksub_ + c] = norm;
    }
  }
}

Status ProductQuantizer::Train(const float* x, int64_t n, uint64_t seed, int max_iterations,
                               ThreadPool* pool) {
  if (n < 1) return Status::InvalidArgument("product quantizer training needs at least one vector");
  if (pool == nullptr) pool = DefaultThreadPool();
  std::vector<Status> errors(m_);
  pool->ParallelFor(m_, [&](int64_t begin, int64_t end) {
    std::vector<float> sub(static_cast<size_t>(n) * dsub_);
    for (int64_t j = begin; j < end; ++j) {
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(sub.data() + static_cast<size_t>(i) * dsub_,
                    x + static_cast<size_t>(i) * dim_ + j * dsub_, sizeof(float) * dsub_);
      }
      KMeansOptions opts;
      opts.num_clusters = ksub_;
      opts.max_iterations = max_iterations;
      opts.seed = seed + static_cast<uint64_t>(j);
      opts.pool = pool;
      auto book = TrainKMeans(sub.data(), n, dsub_, opts);
      if (!book.ok()) {
        errors[j] = book.status();
        continue;
      }
      std::memcpy(codebooks_.data() + static_cast<size_t>(j) * ksub_ * dsub_, book->data(),
                  sizeof(float) * ksub_ * dsub_);
    }
  });
  for (const Status& st : errors) QUIVER_RETURN_NOT_OK(st);
  Prepare();
  return Status::OK();
}

void ProductQuantizer::Encode(const float* x, int64_t n, uint8_t* codes) const {
  constexpr int64_t kBlock = 256;
  const auto nearest = GetIvfKernels().nearest_centroid;
  std::vector<float> sub(static_cast<size_t>(kBlock) * dsub_);
  std::vector<int32_t> assign(kBlock);
  for (int64_t first = 0; first < n; first += kBlock) {
    const int64_t rows = std::min(kBlock, n - first);
    for (int j = 0; j < m_; ++j) {
      for (int64_t i = 0; i < rows; ++i) {
        std::memcpy(sub.data() + static_cast<size_t>(i) * dsub_,
                    x + static_cast<size_t>(first + i) * dim_ + static_cast<size_t>(j) * dsub_,
                    sizeof(float) * dsub_);
      }
      nearest(sub.data(), rows, dsub_, transposed_.data() + static_cast<size_t>(j) * dsub_ * ksub_,
              norms_.data() + static_cast<size_t>(j) * ksub_, ksub_, assign.data(), nullptr);
      for (int64_t i = 0; i < rows; ++i)
        codes[static_cast<size_t>(first + i) * m_ + j] = static_cast<uint8_t>(assign[i]);
    }
  }
}

void ProductQuantizer::Decode(const uint8_t* code, float* x) const {
  for (int j = 0; j < m_; ++j) {
    std::memcpy(x + static_cast<size_t>(j) * dsub_,
                codebooks_.data() + (static_cast<size_t>(j) * ksub_ + code[j]) * dsub_,
                sizeof(float) * dsub_);
  }
}

void ProductQuantizer::L2Table(const float* x, float* table) const {
  const auto l2_table = GetIvfKernels().l2_table;
  for (int j = 0; j < m_; ++j) {
    l2_table(x + static_cast<size_t>(j) * dsub_, transposed_.data() + static_cast<size_t>(j) * dsub_ * ksub_,
             dsub_, ksub_, table + static_cast<size_t>(j) * ksub_);
  }
}

void ProductQuantizer::IpTable(const float* x, float* table) const {
  const auto ip_table = GetIvfKernels().ip_table;
  for (int j = 0; j < m_; ++j) {
    ip_table(x + static_cast<size_t>(j) * dsub_, transposed_.data() + static_cast<size_t>(j) * dsub_ * ksub_,
             dsub_, ksub_, table + static_cast<size_t>(j) * ksub_);
  }
}

void ProductQuantizer::Serialize(std::string* out) const {
  PutFixed32(out, static_cast<uint32_t>(m_));
  PutFixed32(out, static_cast<uint32_t>(bits_));
  out->append(reinterpret_cast<const char*>(codebooks_.data()), sizeof(float) * codebooks_.size());
}

Result<std::unique_ptr<ProductQuantizer>> ProductQuantizer::Deserialize(int dim, std::string_view bytes) {
  uint32_t m = 0, bits = 0;
  if (!GetFixed32(&bytes, &m) || !GetFixed32(&bytes, &bits))
    return Status::Corruption("PQ state is truncated");
  if ((bits != 4 && bits != 8) || m == 0 || m > static_cast<uint32_t>(dim) || dim % m != 0) {
    return Status::Corruption("PQ state has " + std::to_string(m) + " sub-vectors of " +
                              std::to_string(bits) + " bits, which do not fit dimension " +
                              std::to_string(dim));
  }
  auto pq = std::make_unique<ProductQuantizer>(dim, static_cast<int>(m), static_cast<int>(bits));
  if (bytes.size() != sizeof(float) * pq->codebooks_.size())
    return Status::Corruption("PQ codebooks have the wrong size");
  std::memcpy(pq->codebooks_.data(), bytes.data(), bytes.size());
  for (float v : pq->codebooks_) {
    if (!std::isfinite(v)) return Status::Corruption("PQ codebooks hold a non-finite value");
  }
  pq->Prepare();
  return pq;
}

// ---------------------------------------------------------------------------
// The IVF_PQ codec

namespace {

// One query against PQ codes. For L2 the table is of the residual query
// (query - centroid), so it is rebuilt per partition; for inner products
// (cosine, dot) it is the query's, built once, and each partition adds
// dot(query, centroid). distance = base + sum_j table[j][code_j] with the
// table negated for inner products.
class PqScanner final : public PartitionScanner {
 public:
  PqScanner(const ProductQuantizer& pq, CodecDistance distance, const float* query)
      : pq_(pq),
        distance_(distance),
        query_(query, query + pq.dim()),
        residual_(pq.dim()),
        table_(static_cast<size_t>(pq.m()) * pq.ksub()),
        sums_(kSlice) {
    if (distance_ == CodecDistance::kInnerProduct) {
      pq_.IpTable(query_.data(), table_.data());
      for (float& t : table_) t = -t;
      if (pq_.bits() == 4) QuantizeLut(table_.data(), pq_.m(), &lut_);
    }
  }

  void SetPartition(int partition, const float* centroid) override {
    const int dim = pq_.dim();
    if (distance_ == CodecDistance::kL2) {
      for (int d = 0; d < dim; ++d) residual_[d] = query_[d] - centroid[d];
      pq_.L2Table(residual_.data(), table_.data());
      base_ = 0;
      if (pq_.bits() == 4) QuantizeLut(table_.data(), pq_.m(), &lut_);
    } else {
      base_ = DotToDistance(Kernels().dot_f32(query_.data(), centroid, dim));
    }
  }

  void Scan(const uint8_t* codes, const uint64_t* row_ids, int64_t n, const RowIdFilter* allowed,
            TopK* top) override {
    if (pq_.bits() == 8) {
      Scan8(codes, row_ids, n, allowed, top);
    } else {
      Scan4(codes, row_ids, n, allowed, top);
    }
  }

  float Distance(const uint8_t* code) override {
    const int m = pq_.m();
    const int ksub = pq_.ksub();
    float d = base_;
    for (int j = 0; j < m; ++j) d += table_[static_cast<size_t>(j) * ksub + code[j]];
    return d;
  }

 private:
  void Scan8(const uint8_t* codes, const uint64_t* row_ids, int64_t n, const RowIdFilter* allowed,
             TopK* top) {
    const int m = pq_.m();
    const float* table = table_.data();
    float dist[kSlice];
    for (int64_t first = 0; first < n; first += kSlice) {
      const int64_t rows = std::min(kSlice, n - first);
      for (int64_t i = 0; i < rows; ++i) {
        const uint8_t* c = codes + static_cast<size_t>(first + i) * m;
        float d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        int j = 0;
        for (; j + 4 <= m; j += 4) {
          d0 += table[(j + 0) * 256 + c[j + 0]];
          d1 += table[(j + 1) * 256 + c[j + 1]];
          d2 += table[(j + 2) * 256 + c[j + 2]];
          d3 += table[(j + 3) * 256 + c[j + 3]];
        }
        for (; j < m; ++j) d0 += table[j * 256 + c[j]];
        dist[i] = base_ + ((d0 + d1) + (d2 + d3));
      }
      PushCandidates(dist, row_ids + first, rows, allowed, top);
    }
  }

  // Quantised sums first; the exact table sum only for vectors whose sum
  // can still beat the threshold (the quantisation error is at most m / 2
  // units).
  void Scan4(const uint8_t* codes, const uint64_t* row_ids, int64_t n, const RowIdFilter* allowed,
             TopK* top) {
    const int m = pq_.m();
    const int pairs = FastScanPairs(m);
    const auto sums_fn = GetIvfKernels().fastscan_sums;
    const float scale = lut_.scale;
    const float offset = base_ + lut_.bias;
    const float slack = 0.5f * static_cast<float>(m) + 1.0f;
    const int64_t blocks_per_slice = kSlice / kFastScanBlock;
    const int64_t num_blocks = (n + kFastScanBlock - 1) / kFastScanBlock;
    for (int64_t b0 = 0; b0 < num_blocks; b0 += blocks_per_slice) {
      const int64_t nb = std::min(blocks_per_slice, num_blocks - b0);
      sums_fn(codes + static_cast<size_t>(b0) * pairs * 32, nb, pairs, lut_.bytes.data(), sums_.data());
      const int64_t first = b0 * kFastScanBlock;
      const int64_t rows = std::min(nb * kFastScanBlock, n - first);
      float threshold = top->threshold();
      float limit = (threshold - offset) * scale + slack;
      for (int64_t i = 0; i < rows; ++i) {
        if (static_cast<float>(sums_[i]) > limit) continue;
        const int64_t v = first + i;
        float d = base_;
        for (int j = 0; j < m; ++j) d += table_[j * 16 + FastScanCode(codes, m, v, j)];
        if (d > threshold) continue;
        if (allowed != nullptr && !allowed->Contains(row_ids[v])) continue;
        top->Push(d, row_ids[v]);
        threshold = top->threshold();
        limit = (threshold - offset) * scale + slack;
      }
    }
  }

  const ProductQuantizer& pq_;
  CodecDistance distance_;
  std::vector<float> query_;
  std::vector<float> residual_;
  std::vector<float> table_;
  FastScanLut lut_;
  std::vector<uint16_t> sums_;
  float base_ = 0;
};

class PqCodec final : public IvfCodec {
 public:
  PqCodec(Metric metric, std::unique_ptr<ProductQuantizer> pq)
      : IvfCodec(metric, pq->dim()), pq_(std::move(pq)) {}

  IvfCodecKind kind() const override { return IvfCodecKind::kPq; }
  size_t code_size() const override { return static_cast<size_t>(pq_->m()); }

  void Encode(const float* vectors, int64_t n, const float* centroids, const int32_t* assign,
              uint8_t* codes) const override {
    std::vector<float> residuals(static_cast<size_t>(n) * dim());
    Residuals(vectors, n, dim(), centroids, assign, residuals.data());
    pq_->Encode(residuals.data(), n, codes);
  }

  bool Decode(const uint8_t* code, const float* centroid, float* out) const override {
    pq_->Decode(code, out);
    for (int d = 0; d < dim(); ++d) out[d] += centroid[d];
    return true;
  }

  size_t PackedSize(int64_t n) const override {
    return pq_->bits() == 4 ? FastScanPackedSize(n, pq_->m()) : static_cast<size_t>(n) * pq_->m();
  }
  void Pack(const uint8_t* codes, int64_t n, uint8_t* packed) const override {
    if (pq_->bits() == 4) {
      FastScanPack(codes, n, pq_->m(), packed);
    } else {
      IvfCodec::Pack(codes, n, packed);
    }
  }
  void Unpack(const uint8_t* packed, int64_t n, uint8_t* codes) const override {
    if (pq_->bits() == 4) {
      FastScanUnpack(packed, n, pq_->m(), codes);
    } else {
      IvfCodec::Unpack(packed, n, codes);
    }
  }

  std::unique_ptr<PartitionScanner> NewScanner(const float* query) const override {
    return std::make_unique<PqScanner>(*pq_, distance(), query);
  }
  void Serialize(std::string* out) const override { pq_->Serialize(out); }
  size_t memory_bytes() const override { return pq_->memory_bytes(); }
  nlohmann::json Params() const override {
    return {{"num_sub_vectors", pq_->m()}, {"num_bits", pq_->bits()}};
  }

 private:
  std::unique_ptr<ProductQuantizer> pq_;
};

}  // namespace

Result<std::unique_ptr<IvfCodec>> TrainPqCodec(Metric metric, int dim, const PqParams& params,
                                               const float* sample, int64_t n, const float* centroids,
                                               const int32_t* assign, uint64_t seed, ThreadPool* pool) {
  // Every step-th row, at most kMaxTrainRows of them.
  const int64_t step = (n + kMaxTrainRows - 1) / kMaxTrainRows;
  const int64_t rows = (n + step - 1) / step;
  std::vector<float> residuals(static_cast<size_t>(rows) * dim);
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t r = i * step;
    Residuals(sample + static_cast<size_t>(r) * dim, 1, dim, centroids, assign + r,
              residuals.data() + static_cast<size_t>(i) * dim);
  }
  auto pq = std::make_unique<ProductQuantizer>(dim, params.num_sub_vectors, params.num_bits);
  QUIVER_RETURN_NOT_OK(pq->Train(residuals.data(), rows, seed, kPqIterations, pool));
  return std::unique_ptr<IvfCodec>(new PqCodec(metric, std::move(pq)));
}

Result<std::unique_ptr<IvfCodec>> DeserializePqCodec(Metric metric, int dim, std::string_view bytes) {
  QUIVER_ASSIGN_OR_RETURN(auto pq, ProductQuantizer::Deserialize(dim, bytes));
  return std::unique_ptr<IvfCodec>(new PqCodec(metric, std::move(pq)));
}

}  // namespace quiver::index
