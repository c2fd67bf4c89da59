// Tables on S3 (the test run's RADOS Gateway): what a query reads from the
// bucket, the read cache, lazy opening, and faults that must never leave a
// half-committed table. (Every table operation also runs on S3 through the
// "s3.*" copies of the table and query suites.)

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <random>

#include "io/s3_test_util.h"
#include "io/store_wrapper.h"
#include "quiver/quiver.h"

namespace quiver {
namespace {

// Counts the requests and bytes that reach the bucket, split by whether the
// key is an index file.
class CountingStore : public ForwardingObjectStore {
 public:
  using ForwardingObjectStore::ForwardingObjectStore;
  Result<BufferPtr> Read(std::string_view key) override {
    auto r = ForwardingObjectStore::Read(key);
    Count(key, r.ok() ? (*r)->size() : 0);
    return r;
  }
  Result<BufferPtr> ReadRange(std::string_view key, uint64_t offset, uint64_t length) override {
    auto r = ForwardingObjectStore::ReadRange(key, offset, length);
    Count(key, r.ok() ? (*r)->size() : 0);
    return r;
  }
  Result<ObjectMeta> Head(std::string_view key) override {
    requests.fetch_add(1);
    return ForwardingObjectStore::Head(key);
  }
  Result<std::vector<ObjectMeta>> List(std::string_view prefix) override {
    requests.fetch_add(1);
    return ForwardingObjectStore::List(prefix);
  }
  void Reset() {
    requests = 0;
    index_requests = 0;
    index_bytes = 0;
    other_bytes = 0;
  }

  std::atomic<uint64_t> requests{0}, index_requests{0}, index_bytes{0}, other_bytes{0};

 private:
  void Count(std::string_view key, uint64_t bytes) {
    requests.fetch_add(1);
    if (key.find("/_indices/") != std::string_view::npos) {
      index_requests.fetch_add(1);
      index_bytes.fetch_add(bytes);
    } else {
      other_bytes.fetch_add(bytes);
    }
  }
};

std::shared_ptr<Array> VectorColumn(const std::vector<float>& values, int dim) {
  auto child = std::make_shared<Array>(
      float32(), static_cast<int64_t>(values.size()),
      std::vector<BufferPtr>{nullptr, Buffer::Copy(values.data(), values.size() * 4)});
  return std::make_shared<Array>(vector_type(dim), static_cast<int64_t>(values.size()) / dim,
                                 std::vector<BufferPtr>{nullptr}, std::vector<ArrayPtr>{child}, 0);
}

// Rows [first, first + n): id and a clustered `dim`-d vector.
BatchPtr Rows(int64_t first, int64_t n, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0, 0.3f);
  std::vector<float> values(static_cast<size_t>(n) * dim);
  auto id = ArrayBuilder::Make(int64());
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_TRUE(id->AppendInt(first + i).ok());
    const int64_t centre = (first + i) % 97;
    for (int d = 0; d < dim; ++d)
      values[i * dim + d] = static_cast<float>((centre * 31 + d * 7) % 23) + noise(rng);
  }
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{Field("id", int64(), false), Field("vector", vector_type(dim))});
  return std::make_shared<RecordBatch>(schema, n,
                                       std::vector<ArrayPtr>{id->Finish(), VectorColumn(values, dim)});
}

class S3TableTest : public ::testing::Test {
 protected:
  void SetUp() override { QUIVER_SKIP_IF_NO_S3(); }

  // A connection whose bucket traffic `counter` sees (the read cache sits above it).
  ConnectionPtr CountedConnection(const io_testing::S3TestPrefix& prefix,
                                  std::shared_ptr<CountingStore>* counter) {
    *counter = std::make_shared<CountingStore>(prefix.store());
    ConnectOptions options;
    options.store = *counter;
    auto db = Connect(prefix.uri(), options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? *db : nullptr;
  }
};

TEST_F(S3TableTest, OneProbeQueryReadsUnderFivePercentOfTheIndexAndWarmRepeatsHitTheCache) {
  io_testing::S3TestPrefix prefix("ivfpq");
  constexpr int kDim = 32;
  constexpr int64_t kRows = 200000;
  {
    ConnectOptions options;
    options.storage_options = prefix.options();
    auto db = *Connect(prefix.uri(), options);
    std::vector<BatchPtr> batches;
    for (int64_t first = 0; first < kRows; first += 50000) batches.push_back(Rows(first, 50000, kDim, 7));
    auto table = db->CreateTable("vectors", batches);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    // 256 partitions, 8 sub-vectors of 8 bits.
    IndexOptions index;
    index.num_partitions = 256;
    index.num_sub_vectors = 8;
    index.num_bits = 8;
    ASSERT_TRUE((*table)->CreateIndex("vector", IndexType::kIvfPq, index).ok());
  }
  uint64_t index_size = 0;
  auto index_files = prefix.store()->List("vectors.quiver/_indices/");
  ASSERT_TRUE(index_files.ok());
  for (const ObjectMeta& meta : *index_files) index_size += meta.size;
  ASSERT_GT(index_size, 1u << 20);

  std::shared_ptr<CountingStore> counter;
  ConnectionPtr db = CountedConnection(prefix, &counter);
  // Opening reads the version list and the latest manifest, nothing else.
  auto table = db->OpenTable("vectors");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_LE(counter->requests.load(), 2u);
  EXPECT_EQ(counter->index_bytes.load(), 0u);

  std::vector<float> query(kDim);
  for (int d = 0; d < kDim; ++d) query[d] = static_cast<float>((5 * 31 + d * 7) % 23);
  counter->Reset();
  auto cold = (*table)->Search(query).Nprobes(1).Limit(10).Columns({"id"}).ToBatch();
  ASSERT_TRUE(cold.ok()) << cold.status().ToString();
  ASSERT_EQ((*cold)->num_rows(), 10);
  EXPECT_GT(counter->index_bytes.load(), 0u);
  EXPECT_LT(counter->index_bytes.load(), index_size / 20)
      << "a 1-probe query read " << counter->index_bytes.load() << " of the index's " << index_size
      << " bytes";
  std::cout << "1-probe IVF_PQ query over " << kRows << " rows: " << counter->index_bytes.load() << " of "
            << index_size << " index bytes in " << counter->index_requests.load() << " requests\n";

  // The same query again: the index bytes all come from the cache.
  counter->Reset();
  auto warm = (*table)->Search(query).Nprobes(1).Limit(10).Columns({"id"}).ToBatch();
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(counter->index_requests.load(), 0u);
  EXPECT_EQ(counter->index_bytes.load(), 0u);
  EXPECT_EQ(counter->other_bytes.load(), 0u) << "the rows' pages were cached too";
  EXPECT_GT(db->read_cache_statistics().hits, 0u);

  // ExplainAnalyze reports the IO; warm, the bucket sees (almost) nothing.
  auto explained = (*table)->Search(query).Nprobes(1).Limit(10).Columns({"id"}).ExplainAnalyze();
  ASSERT_TRUE(explained.ok()) << explained.status().ToString();
  EXPECT_THAT(*explained, ::testing::HasSubstr("io: 0 store requests"));
  EXPECT_THAT(*explained, ::testing::HasSubstr("read cache:"));

  // Refine re-ranks with exact vectors: a cold query takes only the
  // candidates' rows, not the vector column.
  uint64_t data_size = 0;
  auto data_files = prefix.store()->List("vectors.quiver/data/");
  ASSERT_TRUE(data_files.ok());
  for (const ObjectMeta& meta : *data_files) data_size += meta.size;
  std::shared_ptr<CountingStore> fresh_counter;
  ConnectionPtr fresh = CountedConnection(prefix, &fresh_counter);
  auto refined_table = *fresh->OpenTable("vectors");
  fresh_counter->Reset();
  auto refined = refined_table->Search(query).Nprobes(1).RefineFactor(10).Limit(10).Columns({"id"}).ToBatch();
  ASSERT_TRUE(refined.ok()) << refined.status().ToString();
  EXPECT_EQ((*refined)->num_rows(), 10);
  EXPECT_LT(fresh_counter->other_bytes.load(), data_size / 10)
      << "refine read " << fresh_counter->other_bytes.load() << " of " << data_size << " data bytes";

  // Another region of the space: one more partition, still a small share.
  std::vector<float> other(kDim);
  for (int d = 0; d < kDim; ++d) other[d] = static_cast<float>((60 * 31 + d * 7) % 23);
  counter->Reset();
  ASSERT_TRUE((*table)->Search(other).Nprobes(1).Limit(10).Columns({"id"}).ToBatch().ok());
  EXPECT_LT(counter->index_bytes.load(), index_size / 20);
}

TEST_F(S3TableTest, FailedWritesNeverLeaveAHalfCommittedTable) {
  io_testing::S3TestPrefix prefix("faults");
  ConnectOptions plain;
  plain.storage_options = prefix.options();
  {
    auto db = *Connect(prefix.uri(), plain);
    ASSERT_TRUE(db->CreateTable("t", {Rows(0, 1000, 8, 1)}).ok());
  }
  // Walk a crash through every mutating step of an append.
  auto probe = std::make_shared<FaultInjectionStore>(prefix.store());
  ConnectOptions probe_options;
  probe_options.store = probe;
  {
    auto db = *Connect(prefix.uri(), probe_options);
    auto t = *db->OpenTable("t");
    uint64_t before = probe->op_count(StoreOps::Mutations());
    ASSERT_TRUE(t->Add({Rows(1000, 500, 8, 2)}).ok());
    const uint64_t steps = probe->op_count(StoreOps::Mutations()) - before;
    ASSERT_GT(steps, 0u);
    for (uint64_t k = 1; k <= steps; ++k) {
      SCOPED_TRACE("crash before step " + std::to_string(k));
      auto faulty = std::make_shared<FaultInjectionStore>(prefix.store());
      faulty->CrashAt(StoreOps::Mutations(), k);
      ConnectOptions options;
      options.store = faulty;
      auto fdb = *Connect(prefix.uri(), options);
      auto ft = *fdb->OpenTable("t");
      const uint64_t version = ft->version();
      Status st = ft->Add({Rows(5000 + k * 100, 50, 8, 3)}).status();
      EXPECT_FALSE(st.ok());
      EXPECT_THAT(st.message(), ::testing::HasSubstr("injected"));
      // A fresh reader sees the last committed version, whole.
      auto reader = *(*Connect(prefix.uri(), plain))->OpenTable("t");
      EXPECT_EQ(reader->version(), version);
      EXPECT_EQ(*reader->CountRows(), 1500);
    }
  }
  // A commit that keeps failing (a throttled endpoint, once its retries are
  // spent) is an error, and nothing is committed either.
  auto throttled = std::make_shared<FaultInjectionStore>(prefix.store());
  throttled->FailAlways(StoreOp::kPutIfAbsent);
  ConnectOptions options;
  options.store = throttled;
  auto tdb = *Connect(prefix.uri(), options);
  auto tt = *tdb->OpenTable("t");
  Status st = tt->Add({Rows(9000, 10, 8, 4)}).status();
  EXPECT_FALSE(st.ok());
  auto reader = *(*Connect(prefix.uri(), plain))->OpenTable("t");
  EXPECT_EQ(*reader->CountRows(), 1500);
}

TEST_F(S3TableTest, BadCredentialsAndMissingBucketAreClearErrors) {
  io_testing::S3TestPrefix prefix("creds");
  ConnectOptions wrong;
  wrong.storage_options = prefix.options();
  wrong.storage_options["aws_secret_access_key"] = "not-the-secret";
  auto db = Connect(prefix.uri(), wrong);
  ASSERT_TRUE(db.ok()) << "connecting makes no request";
  Status st = (*db)->CreateTable("t", {Rows(0, 10, 8, 1)}).status();
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), ::testing::HasSubstr("SignatureDoesNotMatch"));

  ConnectOptions right;
  right.storage_options = prefix.options();
  auto missing = *Connect("s3://quiver-no-such-bucket/db", right);
  Status nb = missing->TableNames().status();
  EXPECT_TRUE(nb.IsNotFound()) << nb.ToString();
  EXPECT_THAT(nb.message(), ::testing::HasSubstr("quiver-no-such-bucket"));
}

}  // namespace
}  // namespace quiver
