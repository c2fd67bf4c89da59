#include "index/vector/kmeans.h"

#include <gtest/gtest.h>

#include <set>

#include "index/vector/ivf_test_util.h"

namespace quiver::index {
namespace {

using testing::ClusteredData;
using testing::Matrix;

// Each point's true centre, for well-separated blobs.
TEST(KMeansTest, FindsSeparatedClusters) {
  const int dim = 8;
  const int k = 5;
  Matrix<float> data;
  data.dim = dim;
  std::vector<int> truth;
  for (int c = 0; c < k; ++c) {
    for (int i = 0; i < 200; ++i) {
      for (int d = 0; d < dim; ++d)
        data.values.push_back(static_cast<float>(c * 100 + (d == c) * 10) + 0.01f * (i % 7));
      truth.push_back(c);
    }
  }
  data.n = static_cast<int64_t>(truth.size());
  KMeansOptions opts;
  opts.num_clusters = k;
  opts.seed = 7;
  auto centroids = TrainKMeans(data.values.data(), data.n, dim, opts);
  ASSERT_TRUE(centroids.ok()) << centroids.status().ToString();
  std::vector<int32_t> assign(data.n);
  AssignNearest(data.values.data(), data.n, centroids->data(), k, dim, nullptr, nullptr, assign.data(),
                nullptr);
  // Points of one true cluster share one label, and labels differ across clusters.
  std::set<int32_t> labels;
  for (int c = 0; c < k; ++c) {
    const int32_t label = assign[c * 200];
    for (int i = 0; i < 200; ++i) EXPECT_EQ(assign[c * 200 + i], label);
    labels.insert(label);
  }
  EXPECT_EQ(labels.size(), static_cast<size_t>(k));
}

TEST(KMeansTest, DeterministicForASeedAndNoEmptyClusters) {
  Matrix<float> data = ClusteredData(3000, 16, 10, 0.1f, 3);
  KMeansOptions opts;
  opts.num_clusters = 40;
  opts.seed = 11;
  ThreadPool pool(2);
  opts.pool = &pool;
  auto a = TrainKMeans(data.values.data(), data.n, data.dim, opts);
  auto b = TrainKMeans(data.values.data(), data.n, data.dim, opts);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  std::vector<int32_t> assign(data.n);
  std::vector<float> dist(data.n);
  AssignNearest(data.values.data(), data.n, a->data(), 40, data.dim, nullptr, &pool, assign.data(),
                dist.data());
  std::vector<int> counts(40);
  for (int32_t c : assign) ++counts[c];
  for (int c = 0; c < 40; ++c) EXPECT_GT(counts[c], 0) << "cluster " << c;
  for (int64_t i = 0; i < data.n; i += 97) {
    const float* row = data.row(i);
    float best = std::numeric_limits<float>::infinity();
    for (int c = 0; c < 40; ++c) {
      best = std::min(best, static_cast<float>(testing::ExactDistance(Metric::kL2, row,
                                                                      a->data() + c * data.dim, data.dim)));
    }
    EXPECT_NEAR(dist[i], best, 1e-3f * (1 + best));
  }
}

TEST(KMeansTest, FewerRowsThanClusters) {
  std::vector<float> data = {1, 2, 3, 4, 5, 6};
  KMeansOptions opts;
  opts.num_clusters = 5;
  auto c = TrainKMeans(data.data(), 3, 2, opts);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 10u);
  EXPECT_EQ((*c)[0], 1);
  EXPECT_EQ((*c)[6], 1);  // repeats the rows
}

TEST(KMeansTest, BadArguments) {
  std::vector<float> data(8, 1.0f);
  KMeansOptions opts;
  opts.num_clusters = 0;
  EXPECT_TRUE(TrainKMeans(data.data(), 4, 2, opts).status().IsInvalidArgument());
  opts.num_clusters = 2;
  EXPECT_TRUE(TrainKMeans(data.data(), 0, 2, opts).status().IsInvalidArgument());
  EXPECT_TRUE(TrainKMeans(data.data(), 4, 0, opts).status().IsInvalidArgument());
}

TEST(KMeansTest, ProgressCanCancel) {
  Matrix<float> data = ClusteredData(500, 4, 5, 0.2f, 5);
  KMeansOptions opts;
  opts.num_clusters = 8;
  opts.progress = [](uint64_t done, uint64_t total) { return Status::Cancelled("stop"); };
  EXPECT_EQ(TrainKMeans(data.values.data(), data.n, data.dim, opts).status().code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace quiver::index
