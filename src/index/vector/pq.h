// Product quantisation (Jégou, Douze, Schmid, "Product quantization for
// nearest neighbor search", TPAMI 2011): a vector is cut into m sub-vectors
// of dim / m dimensions, each replaced by the index of its nearest centroid
// in that sub-space's codebook of 2^bits centroids. IVF_PQ encodes each
// vector's residual to its partition centroid, which is what makes small
// codes accurate.
//
// Distances are asymmetric: the query stays in floats. Per query (and, for
// L2 on residuals, per partition) a table of m x 2^bits partial distances
// is computed once; a code's distance is then the sum of m table entries.
// 8-bit codes are scanned one vector at a time; 4-bit codes use fast-scan
// (fastscan.h): 32 vectors at a time with byte shuffles on a quantised copy
// of the table, then exact table sums for the few candidates that can
// still enter the results.
//
// Thread-safety: a trained ProductQuantizer is immutable and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/thread_pool.h"
#include "index/vector/ivf_codec.h"
#include "quiver/status.h"

namespace quiver::index {

struct PqParams {
  int num_sub_vectors = 0;
  int num_bits = 0;
};

// Resolves zeros to defaults and checks the rest against `dim`:
// num_bits 0 means 8; num_sub_vectors 0 means the divisor of dim giving
// sub-vectors closest to 8 dimensions (8 bits) or 4 dimensions (4 bits),
// e.g. 16 (resp. 32) for 128. InvalidArgument naming the parameter when
// num_bits is not 4 or 8, or num_sub_vectors is negative, above dim or does
// not divide dim.
Result<PqParams> ResolvePqParams(int dim, int num_sub_vectors, int num_bits);

class ProductQuantizer {
 public:
  // m must divide dim; bits is 4 or 8.
  ProductQuantizer(int dim, int m, int bits);

  int dim() const { return dim_; }
  int m() const { return m_; }
  int bits() const { return bits_; }
  int ksub() const { return ksub_; }
  int dsub() const { return dsub_; }

  // Trains the codebooks on n vectors (n x dim), sub-spaces in parallel.
  // InvalidArgument when n < 1.
  Status Train(const float* x, int64_t n, uint64_t seed, int max_iterations, ThreadPool* pool);
  // Codes of n vectors: n x m bytes, one sub-code (< ksub) per byte.
  void Encode(const float* x, int64_t n, uint8_t* codes) const;
  // The vector a code stands for (dim floats).
  void Decode(const uint8_t* code, float* x) const;
  // table[j * ksub + c] = squared L2 distance from sub-vector j of x to
  // centroid c of codebook j (resp. their inner product).
  void L2Table(const float* x, float* table) const;
  void IpTable(const float* x, float* table) const;

  // u32 m, u32 bits, then the codebooks (m x ksub x dsub f32).
  void Serialize(std::string* out) const;
  // Corruption when the bytes do not describe a quantizer for `dim`.
  static Result<std::unique_ptr<ProductQuantizer>> Deserialize(int dim, std::string_view bytes);

  size_t memory_bytes() const {
    return sizeof(float) * (codebooks_.size() + transposed_.size() + norms_.size());
  }

 private:
  // Fills transposed_ and norms_ from codebooks_.
  void Prepare();

  int dim_, m_, bits_, ksub_, dsub_;
  std::vector<float> codebooks_;   // m x ksub x dsub
  std::vector<float> transposed_;  // m x dsub x ksub, for the tables
  std::vector<float> norms_;       // m x ksub squared norms of the centroids
};

// An IVF_PQ codec trained on `sample` (n x dim, prepared for the metric),
// whose row i belongs to the partition with centroid centroids + assign[i]
// * dim: the codebooks learn the residuals. At most 65536 rows are used.
Result<std::unique_ptr<IvfCodec>> TrainPqCodec(Metric metric, int dim, const PqParams& params,
                                               const float* sample, int64_t n, const float* centroids,
                                               const int32_t* assign, uint64_t seed, ThreadPool* pool);
// From ProductQuantizer::Serialize's bytes.
Result<std::unique_ptr<IvfCodec>> DeserializePqCodec(Metric metric, int dim, std::string_view bytes);

}  // namespace quiver::index
