// k-means clustering under squared L2: the coarse quantizer of the IVF
// indexes (the partition centroids) and the codebooks of product
// quantisation.
//
//   KMeansOptions opts;
//   opts.num_clusters = 256;
//   std::vector<float> centroids = TrainKMeans(data, n, dim, opts).value();  // 256 x dim
//   std::vector<int32_t> assign(n);
//   AssignNearest(data, n, centroids.data(), 256, dim, pool, assign.data(), nullptr);
//
// Training: random initial centroids (distinct rows picked with a fixed
// seed), then Lloyd iterations. Each assignment step computes distances in
// blocks through L2DistancesBlas (one matrix product per block of rows),
// blocks spread over the thread pool. A cluster left empty takes half of
// the largest cluster (its centroid is split in two, slightly apart).
// Training stops after max_iterations or once at most 1 row in 200 changes
// cluster in an iteration.
//
// Thread-safety: the functions are reentrant; they use the pool they are
// given.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/thread_pool.h"
#include "quiver/status.h"

namespace quiver::index {

struct KMeansOptions {
  int num_clusters = 1;
  int max_iterations = 50;
  uint64_t seed = 42;
  // Runs the assignment blocks; DefaultThreadPool() when null.
  ThreadPool* pool = nullptr;
  // Called after each iteration with (iterations done, max_iterations);
  // a non-OK status stops training with that status. May be empty.
  std::function<Status(uint64_t done, uint64_t total)> progress;
};

// Trains num_clusters centroids on `data` (n x dim, row-major). Returns
// num_clusters x dim floats, row-major. When n < num_clusters the rows are
// the first n centroids and the rest repeat them (the extra clusters stay
// empty). InvalidArgument when n or dim is not positive or num_clusters is
// below 1; what the progress callback returns.
Result<std::vector<float>> TrainKMeans(const float* data, int64_t n, int dim, const KMeansOptions& options);

// For each of the n rows of `data` (n x dim), the index of its nearest
// centroid among the k of `centroids` (k x dim), in assign[n], and when
// `distances` is not null the squared L2 distance to it in distances[n].
// `centroid_norms` (k values, may be null) are the centroids' squared norms.
// Ties go to the lower index.
void AssignNearest(const float* data, int64_t n, const float* centroids, int k, int dim,
                   const float* centroid_norms, ThreadPool* pool, int32_t* assign, float* distances);

}  // namespace quiver::index
