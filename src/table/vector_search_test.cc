// Vector search on tables: exact search against brute force (every metric,
// several queries, offset, distance ranges, filters before and after,
// deletions), indexed search with rows added after the index, and recall on
// SIFT10K.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
#include <set>

#include "quiver/builder.h"
#include "quiver/connection.h"
#include "table/test_db.h"
#include "testing.h"

namespace quiver {
namespace {

constexpr int kDim = 16;

ArrayPtr VectorArray(const std::vector<float>& values, int dim) {
  const int64_t n = static_cast<int64_t>(values.size()) / dim;
  auto buffer = Buffer::Copy(values.data(), values.size() * sizeof(float));
  auto child = std::make_shared<Array>(float32(), n * dim, std::vector<BufferPtr>{nullptr, buffer},
                                       std::vector<ArrayPtr>{}, 0);
  return std::make_shared<Array>(vector_type(dim), n, std::vector<BufferPtr>{nullptr},
                                 std::vector<ArrayPtr>{child}, 0);
}

// Rows id, category ("c0".."c4" by id % 5), vector.
BatchPtr MakeBatch(int64_t first, const std::vector<float>& vectors, int dim) {
  const int64_t n = static_cast<int64_t>(vectors.size()) / dim;
  auto id = ArrayBuilder::Make(int64());
  auto category = ArrayBuilder::Make(utf8());
  for (int64_t i = first; i < first + n; ++i) {
    EXPECT_TRUE(id->AppendInt(i).ok());
    EXPECT_TRUE(category->AppendString("c" + std::to_string(i % 5)).ok());
  }
  auto schema = std::make_shared<Schema>(std::vector<Field>{
      Field("id", int64(), false), Field("category", utf8()), Field("vector", vector_type(dim))});
  return std::make_shared<RecordBatch>(
      schema, n, std::vector<ArrayPtr>{id->Finish(), category->Finish(), VectorArray(vectors, dim)});
}

std::vector<float> RandomVectors(int64_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> out(static_cast<size_t>(n) * dim);
  for (float& v : out) v = normal(rng);
  return out;
}

double Distance(const float* a, const float* b, int dim, const std::string& metric) {
  double dot = 0, na = 0, nb = 0, l2 = 0;
  for (int i = 0; i < dim; ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
    l2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  }
  if (metric == "cosine") return 1 - dot / std::sqrt(na * nb);
  if (metric == "dot") return 1 - dot;
  return l2;
}

// Ids of the k nearest rows among `candidates` (all rows when empty).
std::vector<int64_t> BruteForce(const std::vector<float>& data, int dim, const float* q, int64_t k,
                                const std::string& metric,
                                const std::function<bool(int64_t)>& keep = nullptr) {
  const int64_t n = static_cast<int64_t>(data.size()) / dim;
  std::vector<std::pair<double, int64_t>> all;
  for (int64_t i = 0; i < n; ++i) {
    if (keep && !keep(i)) continue;
    all.push_back({Distance(&data[i * dim], q, dim, metric), i});
  }
  std::sort(all.begin(), all.end());
  std::vector<int64_t> out;
  for (int64_t i = 0; i < std::min<int64_t>(k, static_cast<int64_t>(all.size())); ++i)
    out.push_back(all[i].second);
  return out;
}

std::vector<int64_t> Ids(const RecordBatch& batch) {
  ArrayPtr col = batch.GetColumn("id");
  std::vector<int64_t> out;
  for (int64_t i = 0; i < col->length(); ++i) out.push_back(col->values<int64_t>()[i]);
  return out;
}

class VectorSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QUIVER_SKIP_IF_TEST_DB_UNAVAILABLE();
    auto db = test_db_.Connect();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = *db;
    data_ = RandomVectors(3000, kDim, 11);
    auto table = db_->CreateTable("items", {MakeBatch(0, data_, kDim)});
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = *table;
  }

  std::vector<float> Query(int i) const { return RandomVectors(1, kDim, 1000 + i); }

  std::vector<int64_t> SearchIds(VectorQuery query) {
    auto batch = query.ToBatch();
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    return batch.ok() ? Ids(**batch) : std::vector<int64_t>{};
  }

  testing::TempDir dir_;
  testing::TestDb test_db_{dir_.path()};
  ConnectionPtr db_;
  std::vector<float> data_;
  TablePtr table_;
};

TEST_F(VectorSearchTest, ExactSearchMatchesBruteForceForEveryMetric) {
  for (std::string metric : {"l2", "cosine", "dot"}) {
    for (int i = 0; i < 5; ++i) {
      auto q = Query(i);
      auto batch = table_->Search(q).Metric(metric).Limit(10).ToBatch();
      ASSERT_TRUE(batch.ok()) << batch.status().ToString();
      EXPECT_EQ(Ids(**batch), BruteForce(data_, kDim, q.data(), 10, metric)) << metric;
      // _distance is the metric's distance, nearest first.
      ArrayPtr d = (*batch)->GetColumn("_distance");
      ASSERT_NE(d, nullptr);
      std::vector<int64_t> ids = Ids(**batch);
      for (int64_t r = 0; r < d->length(); ++r) {
        EXPECT_NEAR(d->values<float>()[r], Distance(&data_[ids[r] * kDim], q.data(), kDim, metric), 1e-3)
            << metric;
        if (r > 0) {
          EXPECT_LE(d->values<float>()[r - 1], d->values<float>()[r]);
        }
      }
    }
  }
}

TEST_F(VectorSearchTest, SeveralQueriesOffsetColumnsAndRowIds) {
  auto q0 = Query(0), q1 = Query(1);
  auto batch = table_->Search(q0).AddQuery(q1).Limit(5).Offset(2).Columns({"id"}).WithRowId().ToBatch();
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const RecordBatch& b = **batch;
  ASSERT_EQ(b.num_columns(), 4);  // id, _distance, _rowid, query_index
  EXPECT_EQ(b.schema()->field(0).name, "id");
  EXPECT_EQ(b.schema()->field(3).name, "query_index");
  auto expect0 = BruteForce(data_, kDim, q0.data(), 7, "l2");
  auto expect1 = BruteForce(data_, kDim, q1.data(), 7, "l2");
  std::vector<int64_t> expected(expect0.begin() + 2, expect0.end());
  expected.insert(expected.end(), expect1.begin() + 2, expect1.end());
  EXPECT_EQ(Ids(b), expected);
  ArrayPtr qi = b.GetColumn("query_index");
  for (int64_t r = 0; r < b.num_rows(); ++r) EXPECT_EQ(qi->values<int32_t>()[r], r < 5 ? 0 : 1);
  ArrayPtr rowid = b.GetColumn("_rowid");
  for (int64_t r = 0; r < b.num_rows(); ++r)
    EXPECT_EQ(rowid->values<uint64_t>()[r], static_cast<uint64_t>(expected[r]));
}

TEST_F(VectorSearchTest, ManyQueriesAtOnceMatchOneAtATime) {
  // 70 queries: the batched path (matrix products, in groups of 64 and a
  // remainder of 6) against each query alone, with a filter and a delete so
  // both are honoured on that path too.
  ASSERT_TRUE(table_->Delete("id % 10 = 3").ok());
  for (std::string metric : {"l2", "cosine", "dot"}) {
    VectorQuery all = table_->Search(Query(0)).Metric(metric).Limit(8).Where("id < 2500");
    for (int i = 1; i < 70; ++i) all.AddQuery(Query(i));
    auto batch = all.ToBatch();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_EQ((*batch)->num_rows(), 70 * 8);
    std::vector<int64_t> ids = Ids(**batch);
    ArrayPtr d = (*batch)->GetColumn("_distance");
    for (int i = 0; i < 70; ++i) {
      auto one = table_->Search(Query(i)).Metric(metric).Limit(8).Where("id < 2500").ToBatch();
      ASSERT_TRUE(one.ok()) << one.status().ToString();
      std::vector<int64_t> want = Ids(**one);
      ArrayPtr want_d = (*one)->GetColumn("_distance");
      for (int r = 0; r < 8; ++r) {
        const int64_t id = ids[i * 8 + r];
        EXPECT_NE(id % 10, 3);
        EXPECT_LT(id, 2500);
        // Matrix products round differently: distances agree closely, and
        // ids agree unless two rows are about as far.
        EXPECT_NEAR(d->values<float>()[i * 8 + r], want_d->values<float>()[r],
                    1e-3 * (1 + std::fabs(want_d->values<float>()[r])))
            << metric << " query " << i << " rank " << r;
        if (id != want[r]) {
          EXPECT_NEAR(Distance(&data_[id * kDim], Query(i).data(), kDim, metric),
                      Distance(&data_[want[r] * kDim], Query(i).data(), kDim, metric), 1e-3)
              << metric << " query " << i << " rank " << r;
        }
      }
    }
  }
}

TEST_F(VectorSearchTest, DistanceRange) {
  auto q = Query(3);
  auto all = table_->Search(q).Limit(50).ToBatch();
  ASSERT_TRUE(all.ok());
  const float* d = (*all)->GetColumn("_distance")->values<float>();
  const float lower = d[10], upper = d[20];
  auto ranged = table_->Search(q).Limit(50).DistanceRange(lower, upper).ToBatch();
  ASSERT_TRUE(ranged.ok());
  std::vector<int64_t> ids = Ids(**all);
  EXPECT_EQ(Ids(**ranged), std::vector<int64_t>(ids.begin() + 10, ids.begin() + 20));
}

TEST_F(VectorSearchTest, PrefilterReturnsKWhenKMatchAndPostfilterFiltersTheNearest) {
  auto q = Query(4);
  auto keep = [](int64_t id) { return id % 5 == 3 && id < 400; };  // 80 rows
  EXPECT_EQ(SearchIds(table_->Search(q).Where("category = 'c3' AND id < 400").Limit(10)),
            BruteForce(data_, kDim, q.data(), 10, "l2", keep));
  // Very selective: 2 rows match, both come back.
  EXPECT_EQ(SearchIds(table_->Search(q).Where("id IN (17, 2999)").Limit(10)),
            BruteForce(data_, kDim, q.data(), 10, "l2", [](int64_t id) { return id == 17 || id == 2999; }));
  // Postfilter: the nearest 10 rows, then the filter.
  std::vector<int64_t> nearest = BruteForce(data_, kDim, q.data(), 10, "l2");
  std::vector<int64_t> expected;
  for (int64_t id : nearest) {
    if (id % 5 == 3) expected.push_back(id);
  }
  EXPECT_EQ(SearchIds(table_->Search(q).Where("category = 'c3'").Postfilter().Limit(10)), expected);
}

TEST_F(VectorSearchTest, DeletedAndUpdatedRowsNeverAppear) {
  auto q = Query(5);
  auto nearest = BruteForce(data_, kDim, q.data(), 20, "l2");
  std::string list;
  for (int i = 0; i < 5; ++i) list += (list.empty() ? "" : ", ") + std::to_string(nearest[i]);
  ASSERT_TRUE(table_->Delete("id IN (" + list + ")").ok());
  std::set<int64_t> gone(nearest.begin(), nearest.begin() + 5);
  auto ids = SearchIds(table_->Search(q).Limit(10));
  EXPECT_EQ(ids, BruteForce(data_, kDim, q.data(), 10, "l2", [&](int64_t id) { return !gone.count(id); }));
  // Updated rows keep their vector and come back once, under a new row id.
  ASSERT_TRUE(table_->Update({{"category", "'updated'"}}, "id = " + std::to_string(nearest[5])).ok());
  auto again = table_->Search(q).Limit(10).Columns({"id", "category"}).ToBatch();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Ids(**again), ids);
  EXPECT_EQ((*again)->GetColumn("category")->GetView(0), "updated");
}

TEST_F(VectorSearchTest, ClearErrors) {
  auto short_query = table_->Search(std::vector<float>(3, 0.f)).ToBatch();
  ASSERT_FALSE(short_query.ok());
  EXPECT_NE(short_query.status().message().find("query vector has dimension 3, column \"vector\" has 16"),
            std::string::npos)
      << short_query.status().ToString();
  auto bad_metric = table_->Search(Query(0)).Metric("manhattan").ToBatch();
  ASSERT_FALSE(bad_metric.ok());
  EXPECT_NE(bad_metric.status().message().find("manhattan"), std::string::npos);
  auto bad_filter = table_->Search(Query(0)).Where("nope > 1").ToBatch();
  ASSERT_FALSE(bad_filter.ok());
  EXPECT_NE(bad_filter.status().message().find("nope"), std::string::npos);
  auto not_vector = table_->Search(Query(0)).Column("category").ToBatch();
  ASSERT_FALSE(not_vector.ok());
  EXPECT_NE(not_vector.status().message().find("not a vector column"), std::string::npos);
  auto nan = Query(0);
  nan[2] = std::nanf("");
  EXPECT_FALSE(table_->Search(nan).ToBatch().ok());
  auto hamming = table_->Search(Query(0)).Metric("hamming").ToBatch();
  ASSERT_FALSE(hamming.ok());
  EXPECT_NE(hamming.status().message().find("uint8"), std::string::npos);
}

TEST_F(VectorSearchTest, HammingOverPackedBytes) {
  // 8-byte (64-bit) codes.
  std::mt19937 rng(3);
  const int bytes = 8;
  std::vector<uint8_t> codes(500 * bytes);
  for (auto& c : codes) c = static_cast<uint8_t>(rng());
  auto child = std::make_shared<Array>(
      uint8(), static_cast<int64_t>(codes.size()),
      std::vector<BufferPtr>{nullptr, Buffer::Copy(codes.data(), codes.size())}, std::vector<ArrayPtr>{}, 0);
  auto type = vector_type(bytes, uint8());
  auto column =
      std::make_shared<Array>(type, 500, std::vector<BufferPtr>{nullptr}, std::vector<ArrayPtr>{child}, 0);
  auto id = ArrayBuilder::Make(int64());
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(id->AppendInt(i).ok());
  auto schema = std::make_shared<Schema>(std::vector<Field>{Field("id", int64()), Field("code", type)});
  auto table = db_->CreateTable(
      "codes", {std::make_shared<RecordBatch>(schema, 500, std::vector<ArrayPtr>{id->Finish(), column})});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  std::vector<float> q(codes.begin() + 42 * bytes, codes.begin() + 43 * bytes);
  auto batch = (*table)->Search(q).Metric("hamming").Limit(5).ToBatch();
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(Ids(**batch)[0], 42);
  EXPECT_EQ((*batch)->GetColumn("_distance")->values<float>()[0], 0.0f);
  std::vector<std::pair<int, int64_t>> expected;
  for (int i = 0; i < 500; ++i) {
    int d = 0;
    for (int b = 0; b < bytes; ++b) d += __builtin_popcount(codes[i * bytes + b] ^ codes[42 * bytes + b]);
    expected.push_back({d, i});
  }
  std::sort(expected.begin(), expected.end());
  const float* dist = (*batch)->GetColumn("_distance")->values<float>();
  for (int r = 0; r < 5; ++r) EXPECT_EQ(dist[r], expected[r].first);
}

TEST_F(VectorSearchTest, IndexedSearchMergesUnindexedRowsAndHonoursDeletes) {
  IndexOptions options;
  options.num_partitions = 8;
  ASSERT_TRUE(table_->CreateIndex("vector", IndexType::kIvfFlat, options).ok());
  auto q = Query(6);
  auto explain = table_->Search(q).Nprobes(8).Explain();
  ASSERT_TRUE(explain.ok()) << explain.status().ToString();
  EXPECT_NE(explain->find("IVF_FLAT"), std::string::npos) << *explain;
  // All partitions probed: IVF_FLAT is exact.
  EXPECT_EQ(SearchIds(table_->Search(q).Nprobes(8).Limit(10)), BruteForce(data_, kDim, q.data(), 10, "l2"));

  // New rows, one of them the query itself: found before any optimize.
  std::vector<float> extra = RandomVectors(200, kDim, 99);
  std::copy(q.begin(), q.end(), extra.begin() + 7 * kDim);
  ASSERT_TRUE(table_->Add({MakeBatch(3000, extra, kDim)}).ok());
  auto ids = SearchIds(table_->Search(q).Nprobes(8).Limit(10));
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], 3007);
  auto info = table_->ListIndices();
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->size(), 1u);
  EXPECT_EQ((*info)[0].num_unindexed_rows, 200);
  EXPECT_EQ((*info)[0].metric, "l2");
  EXPECT_GT((*info)[0].size_bytes, 0u);

  // Deleted rows leave the index's answers too.
  ASSERT_TRUE(table_->Delete("id = 3007 OR id = " + std::to_string(ids[1])).ok());
  auto after = SearchIds(table_->Search(q).Nprobes(8).Limit(10));
  EXPECT_EQ(std::count(after.begin(), after.end(), 3007), 0);
  EXPECT_EQ(std::count(after.begin(), after.end(), ids[1]), 0);

  // Optimize folds the new rows in; results stay the same.
  ASSERT_TRUE(table_->OptimizeIndices().ok());
  info = table_->ListIndices();
  EXPECT_EQ((*info)[0].num_unindexed_rows, 0);
  EXPECT_EQ(SearchIds(table_->Search(q).Nprobes(8).Limit(10)), after);

  // Prefilter through the index.
  std::vector<float> all = data_;
  all.insert(all.end(), extra.begin(), extra.end());
  std::set<int64_t> gone{3007, ids[1]};
  EXPECT_EQ(
      SearchIds(table_->Search(q).Nprobes(8).Where("category = 'c2'").Limit(10)),
      BruteForce(all, kDim, q.data(), 10, "l2", [&](int64_t id) { return id % 5 == 2 && !gone.count(id); }));
  // A different metric than the index's searches exactly.
  auto cosine = table_->Search(q).Metric("cosine").Explain();
  ASSERT_TRUE(cosine.ok());
  EXPECT_NE(cosine->find("uses metric l2"), std::string::npos) << *cosine;
}

// Minimum and maximum nprobes: more partitions are probed, doubling, only
// while fewer than k rows were found, and never more than the maximum.
TEST_F(VectorSearchTest, MoreProbesOnlyWhileTooFewRowsWereFound) {
  IndexOptions options;
  options.num_partitions = 16;
  ASSERT_TRUE(table_->CreateIndex("vector", IndexType::kIvfFlat, options).ok());
  const std::string rare = "id < 24";  // about 1.5 rows per partition
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    auto q = Query(20 + i);
    // One partition holds few of the rare rows; probing on until 10 are
    // found (maximum 0: every partition) returns 10 of them.
    auto one = SearchIds(table_->Search(q).Nprobes(1).Where(rare));
    EXPECT_LT(one.size(), 10u);
    auto grown = SearchIds(table_->Search(q).MinimumNprobes(1).MaximumNprobes(0).Where(rare));
    ASSERT_EQ(grown.size(), 10u);
    for (int64_t id : grown) EXPECT_LT(id, 24);
    // With a maximum of 4 it stops at the 4 nearest partitions (1, 2, 4),
    // which is what probing 4 from the start finds when that is too few.
    auto four = SearchIds(table_->Search(q).Nprobes(4).Where(rare));
    if (four.size() < 10) {
      EXPECT_EQ(SearchIds(table_->Search(q).MinimumNprobes(1).MaximumNprobes(4).Where(rare)), four);
    }
    // Enough rows in the first partitions: nothing more is probed.
    EXPECT_EQ(SearchIds(table_->Search(q).MinimumNprobes(2).MaximumNprobes(0)),
              SearchIds(table_->Search(q).Nprobes(2)));
    // Exactly 10 rows match: the probes grow until every partition holding
    // one was searched, so all 10 come back, nearest first.
    EXPECT_EQ(SearchIds(table_->Search(q).MinimumNprobes(3).MaximumNprobes(16).Where("id < 10")),
              BruteForce(data_, kDim, q.data(), 10, "l2", [](int64_t id) { return id < 10; }));
  }
  auto explain = table_->Search(Query(0)).MinimumNprobes(2).MaximumNprobes(0).Explain();
  ASSERT_TRUE(explain.ok());
  EXPECT_NE(explain->find("nprobes 2 to all"), std::string::npos) << *explain;
  auto below = table_->Search(Query(0)).MinimumNprobes(5).MaximumNprobes(3).ToBatch();
  ASSERT_TRUE(below.status().IsInvalidArgument());
  EXPECT_NE(below.status().message().find("maximum nprobes 3"), std::string::npos)
      << below.status().ToString();
  EXPECT_TRUE(table_->Search(Query(0)).MaximumNprobes(-1).ToBatch().status().IsInvalidArgument());
}

// SIFT10K through a table: exact search agrees with the ground truth, and
// IVF_PQ with refine reaches the floor.
std::vector<float> ReadFvecs(const std::string& path, int* dim) {
  std::ifstream in(path, std::ios::binary);
  std::vector<float> out;
  int32_t d = 0;
  while (in.read(reinterpret_cast<char*>(&d), 4)) {
    std::vector<float> row(d);
    in.read(reinterpret_cast<char*>(row.data()), d * 4);
    out.insert(out.end(), row.begin(), row.end());
  }
  *dim = d;
  return out;
}

std::vector<std::vector<int32_t>> ReadIvecs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::vector<int32_t>> out;
  int32_t d = 0;
  while (in.read(reinterpret_cast<char*>(&d), 4)) {
    std::vector<int32_t> row(d);
    in.read(reinterpret_cast<char*>(row.data()), d * 4);
    out.push_back(std::move(row));
  }
  return out;
}

class SiftTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string base = testing::SharedDataPath("sift10k/siftsmall_base.fvecs");
    QUIVER_SKIP_IF_NO_DATA(base);
    QUIVER_SKIP_IF_TEST_DB_UNAVAILABLE();
    base_ = ReadFvecs(base, &dim_);
    queries_ = ReadFvecs(testing::SharedDataPath("sift10k/siftsmall_query.fvecs"), &dim_);
    truth_ = ReadIvecs(testing::SharedDataPath("sift10k/siftsmall_groundtruth.ivecs"));
    ASSERT_EQ(dim_, 128);
    auto db = test_db_.Connect();
    ASSERT_TRUE(db.ok());
    auto table = (*db)->CreateTable("sift", {MakeBatch(0, base_, dim_)});
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = *table;
  }

  // Mean recall@10 over the 100 queries.
  double Recall(const std::function<VectorQuery(std::vector<float>)>& make) {
    double hits = 0;
    const int nq = static_cast<int>(queries_.size()) / dim_;
    for (int i = 0; i < nq; ++i) {
      std::vector<float> q(queries_.begin() + i * dim_, queries_.begin() + (i + 1) * dim_);
      auto batch = make(q).Limit(10).Columns({"id"}).ToBatch();
      EXPECT_TRUE(batch.ok()) << batch.status().ToString();
      if (!batch.ok()) return 0;
      std::set<int64_t> truth(truth_[i].begin(), truth_[i].begin() + 10);
      for (int64_t id : Ids(**batch)) hits += truth.count(id);
    }
    return hits / (10.0 * nq);
  }

  testing::TempDir dir_;
  testing::TestDb test_db_{dir_.path()};
  int dim_ = 0;
  std::vector<float> base_, queries_;
  std::vector<std::vector<int32_t>> truth_;
  TablePtr table_;
};

TEST_F(SiftTableTest, ExactSearchRecallIsOne) {
  EXPECT_EQ(Recall([&](std::vector<float> q) { return table_->Search(std::move(q)); }), 1.0);
}

TEST_F(SiftTableTest, IvfPqWithRefineThroughTheTable) {
  // 64 partitions, 16 sub-vectors of 8 bits; nprobes 20, refine_factor 10.
  IndexOptions options;
  options.num_partitions = 64;
  options.num_sub_vectors = 16;
  options.num_bits = 8;
  ASSERT_TRUE(table_->CreateIndex("vector", IndexType::kIvfPq, options).ok());
  const double recall =
      Recall([&](std::vector<float> q) { return table_->Search(std::move(q)).Nprobes(20).RefineFactor(10); });
  EXPECT_GE(recall, 0.95);
}

}  // namespace
}  // namespace quiver
