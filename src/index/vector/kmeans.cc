#include "index/vector/kmeans.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>

#include "index/vector/distance.h"
#include "index/vector/ivf_kernels.h"

namespace quiver::index {
namespace {

// Up to this dimension, distances to centroids are computed directly (a
// matrix product with so few columns is dominated by its output).
constexpr int kSmallDim = 32;

// Rows per assignment block: the block's distance matrix stays near 4 MiB
// (the product is cache-friendly and each pool task has real work).
int64_t AssignBlockRows(int k) {
  const int64_t rows = (int64_t{1} << 20) / std::max(k, 1);
  return std::clamp<int64_t>(rows, 16, 4096);
}

// Moves centroid `largest` and the empty `empty` slightly apart around
// `largest`'s old position, so each takes about half of its rows.
void SplitCentroid(float* centroids, int dim, int largest, int empty) {
  constexpr float kEps = 1.0f / 1024;
  float* big = centroids + static_cast<size_t>(largest) * dim;
  float* fresh = centroids + static_cast<size_t>(empty) * dim;
  for (int d = 0; d < dim; ++d) {
    // A relative step, plus an absolute one so zero coordinates move too.
    const float step = kEps * (std::fabs(big[d]) + 1e-6f);
    const float sign = (d % 2 == 0) ? 1.0f : -1.0f;
    fresh[d] = big[d] + sign * step;
    big[d] = big[d] - sign * step;
  }
}

}  // namespace

void AssignNearest(const float* data, int64_t n, const float* centroids, int k, int dim,
                   const float* centroid_norms, ThreadPool* pool, int32_t* assign, float* distances) {
  if (n <= 0 || k <= 0) return;
  if (pool == nullptr) pool = DefaultThreadPool();
  std::vector<float> norms;
  if (centroid_norms == nullptr) {
    norms.resize(k);
    const auto& kernels = Kernels();
    for (int j = 0; j < k; ++j) norms[j] = kernels.norm_sq_f32(centroids + static_cast<size_t>(j) * dim, dim);
    centroid_norms = norms.data();
  }
  if (dim <= kSmallDim) {
    std::vector<float> transposed(static_cast<size_t>(k) * dim);
    for (int j = 0; j < k; ++j) {
      for (int d = 0; d < dim; ++d)
        transposed[static_cast<size_t>(d) * k + j] = centroids[static_cast<size_t>(j) * dim + d];
    }
    const auto nearest = GetIvfKernels().nearest_centroid;
    constexpr int64_t kBlock = 1024;
    pool->ParallelFor((n + kBlock - 1) / kBlock, [&](int64_t begin, int64_t end) {
      const int64_t first = begin * kBlock;
      const int64_t rows = std::min(end * kBlock, n) - first;
      nearest(data + static_cast<size_t>(first) * dim, rows, dim, transposed.data(), centroid_norms, k,
              assign + first, distances != nullptr ? distances + first : nullptr);
    });
    return;
  }
  const int64_t block = AssignBlockRows(k);
  const int64_t num_blocks = (n + block - 1) / block;
  pool->ParallelFor(num_blocks, [&](int64_t begin, int64_t end) {
    std::vector<float> dist(static_cast<size_t>(block) * k);
    for (int64_t b = begin; b < end; ++b) {
      const int64_t first = b * block;
      const int64_t rows = std::min(block, n - first);
      L2DistancesBlas(data + static_cast<size_t>(first) * dim, rows, centroids, k, dim, centroid_norms,
                      dist.data());
      for (int64_t i = 0; i < rows; ++i) {
        const float* row = dist.data() + static_cast<size_t>(i) * k;
        int best = 0;
        float best_d = row[0];
        for (int j = 1; j < k; ++j) {
          if (row[j] < best_d) {
            best_d = row[j];
            best = j;
          }
        }
        assign[first + i] = best;
        if (distances != nullptr) distances[first + i] = best_d;
      }
    }
  });
}

Result<std::vector<float>> TrainKMeans(const float* data, int64_t n, int dim, const KMeansOptions& options) {
  if (n <= 0) return Status::InvalidArgument("k-means needs at least one row, got " + std::to_string(n));
  if (dim <= 0)
    return Status::InvalidArgument("k-means needs a positive dimension, got " + std::to_string(dim));
  const int k = options.num_clusters;
  if (k < 1) return Status::InvalidArgument("k-means needs at least one cluster, got " + std::to_string(k));
  ThreadPool* pool = options.pool ? options.pool : DefaultThreadPool();
  const size_t row_bytes = sizeof(float) * dim;
  std::vector<float> centroids(static_cast<size_t>(k) * dim);

  if (n <= k) {
    for (int j = 0; j < k; ++j) {
      std::memcpy(centroids.data() + static_cast<size_t>(j) * dim, data + static_cast<size_t>(j % n) * dim,
                  row_bytes);
    }
    return centroids;
  }

  // Initial centroids: k distinct rows (a partial Fisher-Yates shuffle).
  {
    std::mt19937_64 rng(options.seed);
    std::vector<int64_t> ids(n);
    std::iota(ids.begin(), ids.end(), 0);
    for (int j = 0; j < k; ++j) {
      std::uniform_int_distribution<int64_t> pick(j, n - 1);
      std::swap(ids[j], ids[pick(rng)]);
      std::memcpy(centroids.data() + static_cast<size_t>(j) * dim, data + static_cast<size_t>(ids[j]) * dim,
                  row_bytes);
    }
  }

  std::vector<int32_t> assign(n, -1);
  std::vector<int32_t> prev(n, -1);
  std::vector<float> norms(k);
  std::vector<int64_t> counts(k);
  std::vector<int64_t> starts(k + 1);
  std::vector<int64_t> members(n);
  const auto& kernels = Kernels();
  const int max_iterations = std::max(options.max_iterations, 1);
  for (int it = 0; it < max_iterations; ++it) {
    for (int j = 0; j < k; ++j)
      norms[j] = kernels.norm_sq_f32(centroids.data() + static_cast<size_t>(j) * dim, dim);
    AssignNearest(data, n, centroids.data(), k, dim, norms.data(), pool, assign.data(), nullptr);
    int64_t changed = 0;
    for (int64_t i = 0; i < n; ++i) changed += assign[i] != prev[i];
    std::swap(assign, prev);  // prev now holds this iteration's assignment

    // Members of each cluster, grouped (a counting sort), then the means,
    // summed in double, one cluster per task.
    std::fill(counts.begin(), counts.end(), 0);
    for (int64_t i = 0; i < n; ++i) ++counts[prev[i]];
    starts[0] = 0;
    for (int j = 0; j < k; ++j) starts[j + 1] = starts[j] + counts[j];
    {
      std::vector<int64_t> fill(starts.begin(), starts.end() - 1);
      for (int64_t i = 0; i < n; ++i) members[fill[prev[i]]++] = i;
    }
    pool->ParallelFor(
        k,
        [&](int64_t begin, int64_t end) {
          std::vector<double> sum(dim);
          for (int64_t j = begin; j < end; ++j) {
            if (counts[j] == 0) continue;
            std::fill(sum.begin(), sum.end(), 0.0);
            for (int64_t m = starts[j]; m < starts[j + 1]; ++m) {
              const float* row = data + static_cast<size_t>(members[m]) * dim;
              for (int d = 0; d < dim; ++d) sum[d] += row[d];
            }
            float* c = centroids.data() + static_cast<size_t>(j) * dim;
            const double inv = 1.0 / static_cast<double>(counts[j]);
            for (int d = 0; d < dim; ++d) c[d] = static_cast<float>(sum[d] * inv);
          }
        },
        std::max<int64_t>(1, 4096 / std::max(dim, 1)));

    // Empty clusters take half of the largest one.
    for (int j = 0; j < k; ++j) {
      if (counts[j] != 0) continue;
      const int largest = static_cast<int>(std::max_element(counts.begin(), counts.end()) - counts.begin());
      if (counts[largest] < 2) break;
      SplitCentroid(centroids.data(), dim, largest, j);
      counts[j] = counts[largest] / 2;
      counts[largest] -= counts[j];
    }

    if (options.progress) QUIVER_RETURN_NOT_OK(options.progress(it + 1, max_iterations));
    if (it > 0 && changed <= n / 200) break;
  }
  return centroids;
}

}  // namespace quiver::index
