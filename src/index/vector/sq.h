// Scalar quantisation (IVF_SQ): each dimension of a vector's residual to
// its partition centroid is stored as one byte, an even step between the
// smallest and largest value that dimension took in the training sample
// (values outside are clamped). Codes are dim bytes; no per-vector state.
//
// Distances are asymmetric, the query in floats:
//   L2: |q - c - lo - step * code|^2, through IvfKernels::sq_l2 with
//       u = q - c - lo computed once per partition;
//   inner product: 1 - dot(q, c) - dot(q, lo) - sum_d q[d] step[d] code[d],
//       through IvfKernels::sq_dot with w = q * step computed once per query.
//
// Thread-safety: the codec is immutable and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/thread_pool.h"
#include "index/vector/ivf_codec.h"
#include "quiver/status.h"

namespace quiver::index {

// An IVF_SQ codec trained on `sample` (n x dim, prepared for the metric)
// whose row i belongs to the partition with centroid centroids + assign[i]
// * dim. InvalidArgument when n < 1.
Result<std::unique_ptr<IvfCodec>> TrainSqCodec(Metric metric, int dim, const float* sample, int64_t n,
                                               const float* centroids, const int32_t* assign,
                                               ThreadPool* pool);
// From the codec's Serialize bytes (u32 dim, then lo and step, dim f32 each).
Result<std::unique_ptr<IvfCodec>> DeserializeSqCodec(Metric metric, int dim, std::string_view bytes);

}  // namespace quiver::index
