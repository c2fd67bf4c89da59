// The quantising IVF codecs (IVF_PQ with 8 and 4 bits, IVF_SQ, IVF_RQ):
// recall on SIFT10K against the ground truth at stated parameters, with
// default build parameters for L2 and cosine, every metric against brute
// force, prefilters, updates, and damaged codec state.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>

#include "index/vector/ivf.h"
#include "index/vector/ivf_codec.h"
#include "index/vector/ivf_test_util.h"

namespace quiver::index {
namespace {

using testing::BuildAndOpen;
using testing::Built;
using testing::ClusteredData;
using testing::Iota;
using testing::Matrix;
using testing::RecallAt;
using testing::RowIds;
using testing::SetFilter;
using testing::SiftRecall;

struct SiftCase {
  const char* name;
  VectorIndexType type;
  int num_partitions;
  int num_sub_vectors;
  int num_bits;
  int nprobes;
  int refine;
  double min_recall;
};

class IvfCodecSiftTest : public ::testing::TestWithParam<SiftCase> {};

TEST_P(IvfCodecSiftTest, RecallAtStatedParameters) {
  const SiftCase& c = GetParam();
  testing::SiftData sift = testing::LoadSift10k();
  QUIVER_SKIP_IF_NO_SIFT(sift);
  std::vector<uint64_t> ids = Iota(sift.base.n);
  VectorIndexBuildOptions opts;
  opts.num_partitions = c.num_partitions;
  opts.num_sub_vectors = c.num_sub_vectors;
  opts.num_bits = c.num_bits;
  auto t0 = std::chrono::steady_clock::now();
  Built b = BuildAndOpen(c.type, opts, sift.base, ids);
  auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(b.index);
  const double recall = SiftRecall(sift, *b.index, c.nprobes, c.refine, Metric::kL2);
  std::printf("%s SIFT10K: build %.0f ms, %llu bytes, recall@10 at nprobes %d refine %d: %.3f\n", c.name,
              std::chrono::duration<double, std::milli>(t1 - t0).count(),
              static_cast<unsigned long long>(b.meta.size_bytes), c.nprobes, c.refine, recall);
  EXPECT_GE(recall, c.min_recall);
  if (c.refine > 1) {
    std::printf("%s SIFT10K: without refine: %.3f\n", c.name,
                SiftRecall(sift, *b.index, c.nprobes, 1, Metric::kL2));
  }
}

// The floors: IVF_PQ with refine 10 at nprobes 20 >= 0.95; IVF_SQ
// >= 0.95 (no refine); RaBitQ with refine >= 0.95; 64 partitions. The
// IVF_HNSW kinds: 16 partitions, nprobes 4, ef max(k, 40), m 20,
// ef_construction 300 (the defaults).
INSTANTIATE_TEST_SUITE_P(
    Codecs, IvfCodecSiftTest,
    ::testing::Values(SiftCase{"IVF_PQ_16x8", VectorIndexType::kIvfPq, 64, 16, 8, 20, 10, 0.95},
                      SiftCase{"IVF_PQ_32x4", VectorIndexType::kIvfPq, 64, 32, 4, 20, 10, 0.95},
                      SiftCase{"IVF_SQ", VectorIndexType::kIvfSq, 64, 0, 0, 20, 1, 0.95},
                      SiftCase{"IVF_RQ", VectorIndexType::kIvfRq, 64, 0, 0, 20, 10, 0.95},
                      SiftCase{"IVF_HNSW_SQ", VectorIndexType::kIvfHnswSq, 16, 0, 0, 4, 1, 0.95},
                      SiftCase{"IVF_HNSW_PQ", VectorIndexType::kIvfHnswPq, 16, 16, 8, 4, 10, 0.95}),
    [](const auto& info) { return std::string(info.param.name); });

// Default build parameters (partitions, sub-vectors and bits chosen from
// the data), refine 10 at nprobes 20, for L2 and cosine: >= 0.85.
class IvfPqDefaultsTest : public ::testing::TestWithParam<Metric> {};

TEST_P(IvfPqDefaultsTest, DefaultsReachRecallWithoutTuning) {
  const Metric metric = GetParam();
  testing::SiftData sift = testing::LoadSift10k();
  QUIVER_SKIP_IF_NO_SIFT(sift);
  std::vector<uint64_t> ids = Iota(sift.base.n);
  VectorIndexBuildOptions opts;
  opts.metric = metric;
  Built b = BuildAndOpen(VectorIndexType::kIvfPq, opts, sift.base, ids);
  ASSERT_TRUE(b.index);
  EXPECT_EQ(b.meta.params.value("num_sub_vectors", 0), 16);
  EXPECT_EQ(b.meta.params.value("num_bits", 0), 8);
  // Ground truth for the metric by brute force (the shipped file is L2's).
  std::vector<std::vector<uint64_t>> truth;
  for (int64_t q = 0; q < sift.queries.n; ++q) {
    truth.push_back(RowIds(testing::BruteForce(metric, sift.base, ids, sift.queries.row(q), 10)));
  }
  const double recall = SiftRecall(sift, *b.index, 20, 10, metric, &truth);
  std::printf("IVF_PQ defaults (%s) SIFT10K: recall@10 at nprobes 20 refine 10: %.3f\n",
              std::string(MetricName(metric)).c_str(), recall);
  EXPECT_GE(recall, 0.85);
}

INSTANTIATE_TEST_SUITE_P(Metrics, IvfPqDefaultsTest, ::testing::Values(Metric::kL2, Metric::kCosine),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

// Every quantising codec, every metric, on clustered data: with all
// partitions probed and candidates re-ranked exactly, the k nearest come
// back; the estimated distances track the exact ones.
struct MetricCase {
  VectorIndexType type;
  Metric metric;
};

class IvfCodecMetricTest : public ::testing::TestWithParam<MetricCase> {};

TEST_P(IvfCodecMetricTest, RefinedResultsMatchBruteForce) {
  const auto [type, metric] = GetParam();
  // 1-bit codes need dimensions (RaBitQ's error shrinks as 1 / sqrt(dim))
  // and more candidates: within one of these isotropic clusters, all points
  // are nearly equally far from a query.
  const bool one_bit = type == VectorIndexType::kIvfRq;
  const int dim = one_bit ? 128 : 32;
  const size_t candidates = one_bit ? 400 : 100;
  Matrix<float> data = ClusteredData(3000, dim, 16, 0.2f, 11);
  std::vector<uint64_t> ids = Iota(data.n, 500);
  VectorIndexBuildOptions opts;
  opts.metric = metric;
  opts.num_partitions = 8;
  opts.num_sub_vectors = 8;
  Built b = BuildAndOpen(type, opts, data, ids);
  ASSERT_TRUE(b.index);
  Matrix<float> queries = ClusteredData(20, dim, 16, 0.3f, 77);
  // Re-ranking needs the vectors by row id.
  Matrix<float> by_id = data;
  by_id.values.insert(by_id.values.begin(), static_cast<size_t>(500) * dim, 0.0f);
  by_id.n += 500;
  double recall = 0, error = 0, scale = 0;
  for (int64_t q = 0; q < queries.n; ++q) {
    VectorQueryParams params;
    params.k = static_cast<int64_t>(candidates);
    params.nprobes = 8;
    auto got = b.index->Search({queries.row(q), static_cast<size_t>(dim)}, params, nullptr);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), candidates);
    for (size_t i = 1; i < got->size(); ++i) EXPECT_LE((*got)[i - 1].distance, (*got)[i].distance);
    for (const Neighbor& n : *got) {
      const double exact = testing::ExactDistance(metric, queries.row(q), by_id.row(n.row_id), dim);
      error += std::fabs(n.distance - exact);
      scale += std::fabs(exact);
    }
    auto want = testing::BruteForce(metric, data, ids, queries.row(q), 10);
    recall += RecallAt(testing::Refine(metric, by_id, queries.row(q), *got, 10), RowIds(want), 10);
  }
  recall /= static_cast<double>(queries.n);
  // Graphs are built in parallel, so their links (and this recall) vary a
  // little from run to run; and a graph navigates by 1 - dot less well than
  // by a metric (inner products break the triangle inequality it relies on).
  const bool graph = type == VectorIndexType::kIvfHnswSq || type == VectorIndexType::kIvfHnswPq;
  const double floor = one_bit ? 0.9 : !graph ? 0.97 : metric == Metric::kDot ? 0.8 : 0.93;
  EXPECT_GE(recall, floor) << VectorIndexTypeName(type) << " " << MetricName(metric);
  // Mean relative error of the estimates: small for SQ and PQ, larger for
  // 1-bit codes.
  std::printf("%s %s: recall %.3f, mean relative error %.3f\n",
              std::string(VectorIndexTypeName(type)).c_str(), std::string(MetricName(metric)).c_str(), recall,
              error / scale);
  EXPECT_LT(error / scale, one_bit ? 0.5 : 0.1) << VectorIndexTypeName(type) << " " << MetricName(metric);
}

INSTANTIATE_TEST_SUITE_P(CodecsAndMetrics, IvfCodecMetricTest,
                         ::testing::Values(MetricCase{VectorIndexType::kIvfPq, Metric::kL2},
                                           MetricCase{VectorIndexType::kIvfPq, Metric::kCosine},
                                           MetricCase{VectorIndexType::kIvfPq, Metric::kDot},
                                           MetricCase{VectorIndexType::kIvfSq, Metric::kL2},
                                           MetricCase{VectorIndexType::kIvfSq, Metric::kCosine},
                                           MetricCase{VectorIndexType::kIvfSq, Metric::kDot},
                                           MetricCase{VectorIndexType::kIvfRq, Metric::kL2},
                                           MetricCase{VectorIndexType::kIvfRq, Metric::kCosine},
                                           MetricCase{VectorIndexType::kIvfRq, Metric::kDot},
                                           MetricCase{VectorIndexType::kIvfHnswSq, Metric::kL2},
                                           MetricCase{VectorIndexType::kIvfHnswSq, Metric::kCosine},
                                           MetricCase{VectorIndexType::kIvfHnswSq, Metric::kDot},
                                           MetricCase{VectorIndexType::kIvfHnswPq, Metric::kL2}),
                         [](const auto& info) {
                           return std::string(VectorIndexTypeName(info.param.type)) + "_" +
                                  std::string(MetricName(info.param.metric));
                         });

class IvfCodecTypeTest : public ::testing::TestWithParam<VectorIndexType> {};

TEST_P(IvfCodecTypeTest, PrefilterAndUpdate) {
  const VectorIndexType type = GetParam();
  Matrix<float> data = ClusteredData(2000, 16, 8, 0.2f, 3);
  std::vector<uint64_t> ids = Iota(data.n);
  VectorIndexBuildOptions opts;
  opts.num_partitions = 8;
  Built b = BuildAndOpen(type, opts, data, ids);
  ASSERT_TRUE(b.index);

  // A prefilter: only allowed rows come back, k of them when k are allowed.
  std::set<uint64_t> allowed;
  for (uint64_t i = 0; i < 2000; i += 7) allowed.insert(i);
  SetFilter filter(allowed);
  VectorQueryParams params;
  params.k = 20;
  params.nprobes = 8;
  auto got = b.index->Search({data.row(3), 16}, params, &filter);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->size(), 20u);
  for (const Neighbor& n : *got) EXPECT_EQ(allowed.count(n.row_id), 1u) << n.row_id;

  // Update: 200 new rows (ids 10000..), rows 0..99 removed; no retraining.
  Matrix<float> added = ClusteredData(200, 16, 8, 0.2f, 4);
  std::vector<uint64_t> added_ids = Iota(added.n, 10000);
  Roaring64Map removed;
  for (uint64_t i = 0; i < 100; ++i) removed.add(i);
  VectorData vd{added.values.data(), added_ids.data(), added.n, added.dim};
  auto meta = UpdateVectorIndex(*b.index, vd, removed, *b.store, "idx2/", opts);
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->num_rows, 2000 - 100 + 200);
  auto updated = OpenVectorIndex(b.store, "idx2/", *meta);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  int found_added = 0;
  for (int64_t q = 0; q < 20; ++q) {
    params.k = 5;
    auto res = (*updated)->Search({added.row(q), 16}, params, nullptr);
    ASSERT_TRUE(res.ok());
    for (const Neighbor& n : *res) {
      EXPECT_FALSE(removed.contains(n.row_id)) << n.row_id;
      if (n.row_id == added_ids[q]) ++found_added;
    }
  }
  EXPECT_GE(found_added, 18);  // each added row is (almost always) among its own 5 nearest
  for (const char* name : {"num_partitions", "codec"}) EXPECT_EQ(meta->params[name], b.meta.params[name]);
}

INSTANTIATE_TEST_SUITE_P(Codecs, IvfCodecTypeTest,
                         ::testing::Values(VectorIndexType::kIvfPq, VectorIndexType::kIvfSq,
                                           VectorIndexType::kIvfRq, VectorIndexType::kIvfHnswSq,
                                           VectorIndexType::kIvfHnswPq),
                         [](const auto& info) { return std::string(VectorIndexTypeName(info.param)); });

TEST(IvfCodecStateTest, DamagedStateIsCorruption) {
  Matrix<float> data = ClusteredData(500, 8, 4, 0.2f, 1);
  std::vector<uint64_t> ids = Iota(data.n);
  for (VectorIndexType type : {VectorIndexType::kIvfPq, VectorIndexType::kIvfSq, VectorIndexType::kIvfRq}) {
    VectorIndexBuildOptions opts;
    opts.num_partitions = 4;
    Built b = BuildAndOpen(type, opts, data, ids);
    ASSERT_TRUE(b.index);
    const auto& ivf = dynamic_cast<const IvfIndex&>(*b.index);
    std::string state;
    ivf.codec().Serialize(&state);
    const IvfCodecKind kind = ivf.codec().kind();
    // The state reads back.
    ASSERT_TRUE(DeserializeIvfCodec(kind, Metric::kL2, 8, state).ok());
    // Truncated, for another dimension, or holding NaN: Corruption.
    auto truncated =
        DeserializeIvfCodec(kind, Metric::kL2, 8, std::string_view(state).substr(0, state.size() - 1));
    EXPECT_TRUE(truncated.status().IsCorruption()) << truncated.status().ToString();
    auto other_dim = DeserializeIvfCodec(kind, Metric::kL2, 16, state);
    EXPECT_TRUE(other_dim.status().IsCorruption()) << other_dim.status().ToString();
    std::string nan_state = state;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(nan_state.data() + nan_state.size() - 4, &nan, 4);
    auto with_nan = DeserializeIvfCodec(kind, Metric::kL2, 8, nan_state);
    EXPECT_TRUE(with_nan.status().IsCorruption())
        << VectorIndexTypeName(type) << ": " << with_nan.status().ToString();
  }
}

}  // namespace
}  // namespace quiver::index
