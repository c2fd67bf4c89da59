// IVF indexes end to end: build, open, search against brute force, recall
// on SIFT10K, prefilters, updates, what a search reads, damaged files and
// bad arguments.
#include "index/vector/ivf.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "index/vector/ivf_test_util.h"
#include "io/memory_store.h"
#include "io/store_wrapper.h"

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

// IVF_FLAT probing every partition is exact, for each metric.
class IvfFlatExactTest : public ::testing::TestWithParam<Metric> {};

TEST_P(IvfFlatExactTest, AllProbesMatchBruteForce) {
  const Metric metric = GetParam();
  Matrix<float> data = ClusteredData(2000, 24, 12, 0.15f, 5);
  std::vector<uint64_t> ids = Iota(data.n, 1000);
  VectorIndexBuildOptions opts;
  opts.metric = metric;
  opts.num_partitions = 16;
  Built b = BuildAndOpen(VectorIndexType::kIvfFlat, opts, data, ids);
  ASSERT_TRUE(b.index);
  EXPECT_EQ(b.meta.num_rows, data.n);
  EXPECT_EQ(b.index->Stats().num_partitions, 16);
  Matrix<float> queries = ClusteredData(20, 24, 12, 0.3f, 99);
  for (int64_t q = 0; q < queries.n; ++q) {
    VectorQueryParams params;
    params.k = 10;
    params.nprobes = 16;
    auto got = b.index->Search({queries.row(q), 24}, params, nullptr);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    auto want = testing::BruteForce(metric, data, ids, queries.row(q), 10);
    ASSERT_EQ(got->size(), 10u);
    for (size_t i = 0; i < 10; ++i) {
      EXPECT_NEAR((*got)[i].distance, want[i].distance, 1e-4 * (1 + std::fabs(want[i].distance)));
    }
    EXPECT_GE(RecallAt(RowIds(*got), RowIds(want), 10), 0.9);  // ties and rounding aside
  }
}

INSTANTIATE_TEST_SUITE_P(Metrics, IvfFlatExactTest,
                         ::testing::Values(Metric::kL2, Metric::kCosine, Metric::kDot),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

TEST(IvfSiftTest, FlatRecall) {
  testing::SiftData sift = testing::LoadSift10k();
  QUIVER_SKIP_IF_NO_SIFT(sift);
  std::vector<uint64_t> ids = Iota(sift.base.n);
  VectorIndexBuildOptions opts;  // defaults: 100 partitions for 10k rows
  auto t0 = std::chrono::steady_clock::now();
  Built b = BuildAndOpen(VectorIndexType::kIvfFlat, opts, sift.base, ids);
  auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(b.index);
  EXPECT_EQ(b.index->Stats().num_partitions, 100);
  const double r20 = SiftRecall(sift, *b.index, 20, 1, Metric::kL2);
  const double r100 = SiftRecall(sift, *b.index, 100, 1, Metric::kL2);
  std::printf("IVF_FLAT SIFT10K: build %.0f ms, recall@10 nprobes 20: %.3f, all 100: %.3f\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count(), r20, r100);
  EXPECT_GE(r20, 0.97);
  EXPECT_GE(r100, 0.999);  // exact but for distance ties
}

TEST(IvfTest, PrefilterReturnsOnlyAllowedRows) {
  Matrix<float> data = ClusteredData(3000, 16, 8, 0.2f, 21);
  std::vector<uint64_t> ids = Iota(data.n, 10);
  VectorIndexBuildOptions opts;
  opts.num_partitions = 8;
  Built b = BuildAndOpen(VectorIndexType::kIvfFlat, opts, data, ids);
  ASSERT_TRUE(b.index);
  std::set<uint64_t> allowed;
  for (uint64_t id : ids) {
    if (id % 7 == 3) allowed.insert(id);
  }
  SetFilter filter(allowed);
  Matrix<float> queries = ClusteredData(10, 16, 8, 0.3f, 5);
  for (int64_t q = 0; q < queries.n; ++q) {
    VectorQueryParams params;
    params.k = 15;
    params.nprobes = 8;  // every partition: then k allowed rows always exist
    auto got = b.index->Search({queries.row(q), 16}, params, &filter);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 15u);
    for (const Neighbor& n : *got) EXPECT_EQ(allowed.count(n.row_id), 1u) << n.row_id;
    auto want = testing::BruteForce(Metric::kL2, data, ids, queries.row(q), 15, &allowed);
    EXPECT_GE(RecallAt(RowIds(*got), RowIds(want), 15), 0.99);
  }
  // A filter allowing 3 rows yields those 3 (all partitions probed).
  SetFilter three({ids[5], ids[500], ids[2999]});
  VectorQueryParams params;
  params.k = 10;
  params.nprobes = 8;
  auto got = b.index->Search({queries.row(0), 16}, params, &three);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 3u);
}

TEST(IvfTest, UpdateAddsAndRemovesRows) {
  Matrix<float> data = ClusteredData(2000, 8, 6, 0.2f, 31);
  std::vector<uint64_t> ids = Iota(data.n);
  VectorIndexBuildOptions opts;
  opts.num_partitions = 6;
  Built b = BuildAndOpen(VectorIndexType::kIvfFlat, opts, data, ids);
  ASSERT_TRUE(b.index);
  Matrix<float> more = ClusteredData(300, 8, 6, 0.2f, 32);
  std::vector<uint64_t> more_ids = Iota(more.n, 100000);
  Roaring64Map removed;
  for (uint64_t i = 0; i < 2000; i += 2) removed.add(i);
  VectorData added{more.values.data(), more_ids.data(), more.n, more.dim};
  auto meta = UpdateVectorIndex(*b.index, added, removed, *b.store, "idx2/", opts);
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->num_rows, 1000 + 300);
  auto updated = OpenVectorIndex(b.store, "idx2/", *meta);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  VectorQueryParams params;
  params.k = 1;
  params.nprobes = 6;
  // Each added vector finds itself; each removed one is gone, each kept one stays.
  for (int64_t i = 0; i < more.n; i += 10) {
    auto got = (*updated)->Search({more.row(i), 8}, params, nullptr);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ((*got)[0].row_id, more_ids[i]);
  }
  params.k = 5;
  for (int64_t i = 0; i < data.n; i += 25) {
    auto got = (*updated)->Search({data.row(i), 8}, params, nullptr);
    ASSERT_TRUE(got.ok());
    for (const Neighbor& n : *got) EXPECT_FALSE(removed.contains(n.row_id)) << n.row_id;
    if (i % 2 == 1) {
      ASSERT_FALSE(got->empty());
      EXPECT_EQ((*got)[0].row_id, ids[i]);
    }
  }
}

TEST(IvfTest, OneProbeReadsOnePartitionAndTheCacheServesRepeats) {
  const int dim = 32;
  Matrix<float> data = ClusteredData(100000, dim, 256, 0.05f, 41);
  std::vector<uint64_t> ids = Iota(data.n);
  auto base = std::make_shared<MemoryObjectStore>();
  VectorIndexBuildOptions opts;
  opts.num_partitions = 256;
  opts.max_iterations = 10;
  VectorData vd{data.values.data(), ids.data(), data.n, dim};
  auto meta = BuildVectorIndex(VectorIndexType::kIvfFlat, opts, vd, *base, "io/");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  const uint64_t file_size = meta->size_bytes;
  auto metrics = std::make_shared<MetricsObjectStore>(base);
  auto index = OpenVectorIndex(metrics, "io/", *meta);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  StoreMetrics open = metrics->Snapshot();
  EXPECT_EQ(open.read_requests, 1u) << open.ToString();
  EXPECT_LT(open.bytes_read, file_size / 10) << open.ToString();

  Matrix<float> queries = ClusteredData(20, dim, 256, 0.05f, 41);  // same centres
  VectorQueryParams params;
  params.k = 10;
  params.nprobes = 1;
  for (int64_t q = 0; q < queries.n; ++q) {
    metrics->Reset();
    auto got = (*index)->Search({queries.row(q), static_cast<size_t>(dim)}, params, nullptr);
    ASSERT_TRUE(got.ok());
    StoreMetrics m = metrics->Snapshot();
    EXPECT_LE(m.read_requests, 1u) << m.ToString();
    EXPECT_LT(m.bytes_read, file_size / 10) << m.ToString();
    metrics->Reset();
    auto again = (*index)->Search({queries.row(q), static_cast<size_t>(dim)}, params, nullptr);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *got);
    EXPECT_EQ(metrics->Snapshot().read_requests, 0u) << "a warm cache reads nothing";
    EXPECT_EQ(metrics->Snapshot().bytes_read, 0u);
  }
  const VectorIndexStats stats = (*index)->Stats();
  EXPECT_GT(stats.memory_bytes, sizeof(float) * 256 * dim);
  EXPECT_LT(stats.memory_bytes, file_size);

  // With no cache every query reads again.
  auto uncached = OpenIvfIndex(metrics, "io/", *meta, IvfOpenOptions{0});
  ASSERT_TRUE(uncached.ok());
  for (int i = 0; i < 2; ++i) {
    metrics->Reset();
    ASSERT_TRUE((*uncached)->Search({queries.row(0), static_cast<size_t>(dim)}, params, nullptr).ok());
    EXPECT_EQ(metrics->Snapshot().read_requests, 1u);
  }
}

// Flips one byte at each of a spread of offsets: opening or searching
// reports Corruption and never crashes.
TEST(IvfTest, DamagedFileIsCorruption) {
  Matrix<float> data = ClusteredData(600, 8, 4, 0.2f, 51);
  std::vector<uint64_t> ids = Iota(data.n);
  VectorIndexBuildOptions opts;
  opts.num_partitions = 4;
  Built b = BuildAndOpen(VectorIndexType::kIvfFlat, opts, data, ids);
  ASSERT_TRUE(b.index);
  const std::string key = "idx/" + std::string(kIvfFileName);
  BufferPtr good = b.store->Read(key).value();
  const std::string original(good->view());
  for (size_t at = 0; at < original.size(); at += std::max<size_t>(1, original.size() / 97)) {
    std::string bad = original;
    bad[at] ^= 0x5a;
    ASSERT_TRUE(b.store->Put(key, bad).ok());
    auto index = OpenVectorIndex(b.store, "idx/", b.meta);
    if (!index.ok()) {
      EXPECT_TRUE(index.status().IsCorruption()) << at << ": " << index.status().ToString();
      continue;
    }
    VectorQueryParams params;
    params.nprobes = 4;
    auto got = (*index)->Search({data.row(0), 8}, params, nullptr);
    // Only padding between partitions is never read.
    if (!got.ok()) {
      EXPECT_TRUE(got.status().IsCorruption()) << at << ": " << got.status().ToString();
    }
  }
  // A truncated file.
  ASSERT_TRUE(b.store->Put(key, original.substr(0, original.size() / 2)).ok());
  auto index = OpenVectorIndex(b.store, "idx/", b.meta);
  if (index.ok()) {
    VectorQueryParams params;
    params.nprobes = 4;
    EXPECT_TRUE((*index)->Search({data.row(0), 8}, params, nullptr).status().IsCorruption());
  } else {
    EXPECT_TRUE(index.status().IsCorruption()) << index.status().ToString();
  }
}

TEST(IvfTest, BadArguments) {
  Matrix<float> data = ClusteredData(200, 8, 4, 0.2f, 61);
  std::vector<uint64_t> ids = Iota(data.n);
  MemoryObjectStore store;
  VectorData vd{data.values.data(), ids.data(), data.n, data.dim};
  auto expect_invalid = [&](VectorIndexBuildOptions opts, const char* names,
                            VectorIndexType type = VectorIndexType::kIvfFlat) {
    auto res = BuildVectorIndex(type, opts, vd, store, "bad/");
    ASSERT_TRUE(res.status().IsInvalidArgument()) << names << ": " << res.status().ToString();
    EXPECT_NE(res.status().message().find(names), std::string::npos) << res.status().ToString();
  };
  VectorIndexBuildOptions opts;
  opts.num_partitions = 201;
  expect_invalid(opts, "num_partitions");
  opts.num_partitions = -1;
  expect_invalid(opts, "num_partitions");
  opts = {};
  opts.sample_rate = 0;
  expect_invalid(opts, "sample_rate");
  opts = {};
  opts.max_iterations = 0;
  expect_invalid(opts, "max_iterations");
  opts = {};
  opts.metric = Metric::kHamming;
  EXPECT_TRUE(BuildVectorIndex(VectorIndexType::kIvfFlat, opts, vd, store, "bad/").status().IsNotSupported());
  opts = {};
  opts.m = 1;
  expect_invalid(opts, "m must be in 2..", VectorIndexType::kIvfHnswSq);
  opts = {};
  opts.ef_construction = 0;
  expect_invalid(opts, "ef_construction", VectorIndexType::kIvfHnswSq);
  opts = {};
  opts.num_bits = 4;
  expect_invalid(opts, "8-bit", VectorIndexType::kIvfHnswPq);
  VectorData empty{nullptr, nullptr, 0, 8};
  EXPECT_TRUE(
      BuildVectorIndex(VectorIndexType::kIvfFlat, {}, empty, store, "bad/").status().IsInvalidArgument());
  std::vector<float> nan = data.values;
  nan[17] = std::numeric_limits<float>::quiet_NaN();
  VectorData with_nan{nan.data(), ids.data(), data.n, data.dim};
  EXPECT_TRUE(
      BuildVectorIndex(VectorIndexType::kIvfFlat, {}, with_nan, store, "bad/").status().IsInvalidArgument());

  opts = {};
  opts.num_partitions = 4;
  auto shared = std::make_shared<MemoryObjectStore>();
  auto meta = BuildVectorIndex(VectorIndexType::kIvfFlat, opts, vd, *shared, "ok/");
  ASSERT_TRUE(meta.ok());
  auto index = OpenVectorIndex(shared, "ok/", *meta);
  ASSERT_TRUE(index.ok());
  std::vector<float> q(7, 0.0f);
  auto res = (*index)->Search(q, {}, nullptr);
  ASSERT_TRUE(res.status().IsInvalidArgument());
  EXPECT_NE(res.status().message().find("dimension 7"), std::string::npos) << res.status().ToString();
  VectorQueryParams params;
  params.nprobes = 0;
  EXPECT_TRUE((*index)->Search({data.row(0), 8}, params, nullptr).status().IsInvalidArgument());
  params = {};
  params.k = -1;
  EXPECT_TRUE((*index)->Search({data.row(0), 8}, params, nullptr).status().IsInvalidArgument());
  params = {};
  params.k = 0;
  EXPECT_TRUE((*index)->Search({data.row(0), 8}, params, nullptr)->empty());
  // More probes than partitions and k above the row count are fine.
  params = {};
  params.k = 1000;
  params.nprobes = 100;
  EXPECT_EQ((*index)->Search({data.row(0), 8}, params, nullptr)->size(), 200u);
  // Updating with the wrong dimension.
  std::vector<float> wrong(9 * 3, 1.0f);
  std::vector<uint64_t> wrong_ids = {1, 2, 3};
  VectorData bad_add{wrong.data(), wrong_ids.data(), 3, 9};
  EXPECT_TRUE(UpdateVectorIndex(**index, bad_add, {}, *shared, "up/", {}).status().IsInvalidArgument());
}

TEST(IvfTest, MetaRoundTripsThroughJsonText) {
  Matrix<float> data = ClusteredData(300, 8, 4, 0.2f, 71);
  std::vector<uint64_t> ids = Iota(data.n);
  VectorIndexBuildOptions opts;
  opts.metric = Metric::kCosine;
  Built b = BuildAndOpen(VectorIndexType::kIvfFlat, opts, data, ids);
  ASSERT_TRUE(b.index);
  const std::string text = b.meta.ToJson().dump();
  auto back = VectorIndexMeta::FromJson(nlohmann::json::parse(text));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->type, VectorIndexType::kIvfFlat);
  EXPECT_EQ(back->metric, Metric::kCosine);
  EXPECT_EQ(back->dim, 8);
  EXPECT_EQ(back->num_rows, 300);
  EXPECT_EQ(back->size_bytes, b.meta.size_bytes);
  auto reopened = OpenVectorIndex(b.store, "idx/", *back);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  // Straight from ToJson (signed integers) works too.
  EXPECT_TRUE(VectorIndexMeta::FromJson(b.meta.ToJson()).ok());
  // Missing members are Corruption.
  nlohmann::json broken = b.meta.ToJson();
  broken.erase("dim");
  EXPECT_TRUE(VectorIndexMeta::FromJson(broken).status().IsCorruption());
  // Metadata that does not match the file is Corruption.
  VectorIndexMeta wrong = b.meta;
  wrong.dim = 9;
  EXPECT_TRUE(OpenVectorIndex(b.store, "idx/", wrong).status().IsCorruption());
}

}  // namespace
}  // namespace quiver::index
