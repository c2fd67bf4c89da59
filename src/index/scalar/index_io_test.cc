// What the scalar indexes read and how they fail: byte-range reads counted
// through MetricsObjectStore, spilled sort runs, and damaged files.
#include <gtest/gtest.h>

#include <set>

#include "index/scalar/scalar_index.h"
#include "index/scalar/scalar_index_test_util.h"
#include "io/memory_store.h"
#include "io/store_wrapper.h"

namespace quiver::index {
namespace {

using namespace quiver::index::testing;  // NOLINT

// n rows of distinct random int64 values with row ids 0..n-1.
Column DistinctInts(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto b = ArrayBuilder::Make(int64());
  Column c;
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_TRUE(b->AppendInt(static_cast<int64_t>(rng() >> 1)).ok());
    c.row_ids.push_back(static_cast<uint64_t>(i));
  }
  c.values = b->Finish();
  return c;
}

TEST(IndexIoTest, BTreeOpenReadsFooterOnlyAndPointQueryReadsOnePage) {
  const int64_t n = 1000000;
  Column c = DistinctInts(n, 11);
  auto base = std::make_shared<MemoryObjectStore>();
  auto reader = ReaderOf(c, 65536);
  auto meta = BuildScalarIndex(ScalarIndexType::kBTree, Field("id", int64()), *reader, *base, "b/");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  const uint64_t file_size = meta->files[0].size;

  auto metrics = std::make_shared<MetricsObjectStore>(base);
  auto index = OpenScalarIndex(metrics, "b/", *meta);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  StoreMetrics open = metrics->Snapshot();
  EXPECT_LE(open.read_requests, 2u) << open.ToString();
  EXPECT_LE(open.bytes_read, 64u * 1024 + 32 * 1024) << open.ToString();
  EXPECT_EQ(open.head_calls + open.list_calls, 0u);

  std::mt19937_64 rng(3);
  for (int k = 0; k < 20; ++k) {
    metrics->Reset();
    int64_t i = RandInt(rng, 0, n - 1);
    auto got = (*index)->Search(Pred(Op::kEq, {expr::Scalar::Int(c.values->values<int64_t>()[i])}));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->cardinality(), 1u);
    EXPECT_TRUE(got->contains(static_cast<uint64_t>(i)));
    StoreMetrics m = metrics->Snapshot();
    EXPECT_LE(m.read_requests, 2u) << m.ToString();
    EXPECT_LE(m.bytes_read, 2u * 4096 * 16 + 1024) << m.ToString();  // at most two pages
  }
  // An absent value below every key reads nothing.
  metrics->Reset();
  auto none = (*index)->Search(Pred(Op::kLt, {expr::Scalar::Int(std::numeric_limits<int64_t>::min())}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->isEmpty());
  EXPECT_EQ(metrics->Snapshot().read_requests, 0u);
  EXPECT_GT(file_size, 0u);
  EXPECT_GT((*index)->stats().bytes_read, 0u);
}

TEST(IndexIoTest, BitmapEqualityReadsOneBitmap) {
  const int64_t n = 200000;
  auto b = ArrayBuilder::Make(utf8());
  Column c;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(b->AppendString("cat" + std::to_string(i % 10)).ok());
    c.row_ids.push_back(static_cast<uint64_t>(i));
  }
  c.values = b->Finish();
  auto base = std::make_shared<MemoryObjectStore>();
  auto reader = ReaderOf(c, 65536);
  auto meta = BuildScalarIndex(ScalarIndexType::kBitmap, Field("cat", utf8()), *reader, *base, "m/").value();
  EXPECT_EQ(meta.num_distinct, 10u);
  auto metrics = std::make_shared<MetricsObjectStore>(base);
  auto index = OpenScalarIndex(metrics, "m/", meta).value();
  EXPECT_EQ(metrics->Snapshot().read_requests, 1u);
  metrics->Reset();
  auto got = index->Search(Pred(Op::kEq, {expr::Scalar::String("cat3")})).value();
  EXPECT_EQ(got.cardinality(), static_cast<uint64_t>(n / 10));
  StoreMetrics m = metrics->Snapshot();
  EXPECT_EQ(m.read_requests, 1u);
  EXPECT_LT(m.bytes_read, meta.files[0].size / 5) << m.ToString();
}

TEST(IndexIoTest, BTreeSpillsSortedRunsAndRemovesThem) {
  for (TypePtr type : {int64(), utf8()}) {
    Column c = RandomColumn(type, 30000, 0.05, 8);
    auto store = std::make_shared<MemoryObjectStore>();
    ScalarIndexBuildOptions options;
    options.sort_memory_bytes = 64 * 1024;  // a few thousand entries per run
    options.btree_page_entries = 500;
    uint64_t reports = 0;
    options.progress = [&](const ScalarIndexProgress&) {
      ++reports;
      return Status::OK();
    };
    auto reader = ReaderOf(c, 3000);
    auto meta = BuildScalarIndex(ScalarIndexType::kBTree, Field("v", type), *reader, *store, "s/", options);
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    EXPECT_GT(reports, 10u);
    auto listed = store->List("s/").value();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].key, "s/btree.qvi");
    auto index = OpenScalarIndex(store, "s/", *meta).value();
    std::mt19937_64 rng(1);
    for (int k = 0; k < 30; ++k) {
      int64_t i = RandInt(rng, 0, c.values->length() - 1);
      if (c.values->IsNull(i)) continue;
      expr::Scalar v = expr::ScalarFromArray(*c.values, i).value();
      for (Op op : {Op::kEq, Op::kLe, Op::kGt}) {
        auto p = Pred(op, {v});
        Roaring64Map want = RowsWhere(c, [&](int64_t r) { return Matches(*c.values, r, p); });
        EXPECT_TRUE(index->Search(p).value() == want) << Describe(p);
      }
    }
  }
}

TEST(IndexIoTest, ProgressCallbackCancels) {
  Column c = RandomColumn(int64(), 5000, 0, 2);
  auto store = std::make_shared<MemoryObjectStore>();
  ScalarIndexBuildOptions options;
  options.progress = [](const ScalarIndexProgress&) { return Status::Cancelled("stop"); };
  auto reader = ReaderOf(c);
  auto meta = BuildScalarIndex(ScalarIndexType::kBTree, Field("v", int64()), *reader, *store, "p/", options);
  EXPECT_EQ(meta.status().code(), StatusCode::kCancelled);
}

// Queries that together read every byte a search can read.
std::vector<expr::ColumnPredicate> FullCoverage(ScalarIndexType kind, const Column& c) {
  std::vector<expr::ColumnPredicate> out = {Pred(Op::kIsNull), Pred(Op::kIsNotNull)};
  if (kind == ScalarIndexType::kLabelList) {
    std::set<int64_t> labels;
    const Array& elems = *c.values->child(0);
    for (int64_t j = 0; j < elems.length(); ++j) {
      if (elems.IsValid(j)) labels.insert(elems.values<int32_t>()[j]);
    }
    std::vector<expr::Scalar> all;
    for (int64_t l : labels) all.push_back(expr::Scalar::Int(l, int32()));
    out.push_back(Pred(Op::kHasAny, all));
  } else {
    out.push_back(Pred(Op::kGe, {expr::Scalar::Int(std::numeric_limits<int32_t>::min(), int32())}));
  }
  return out;
}

class CorruptionTest : public ::testing::TestWithParam<ScalarIndexType> {};

TEST_P(CorruptionTest, EveryFlippedByteIsCorruptionOrHarmless) {
  const ScalarIndexType kind = GetParam();
  const TypePtr type = kind == ScalarIndexType::kLabelList ? list(int32()) : int32();
  Column c = RandomColumn(type, 800, 0.1, 21);
  auto store = std::make_shared<MemoryObjectStore>();
  ScalarIndexBuildOptions options;
  options.btree_page_entries = 40;
  auto reader = ReaderOf(c);
  auto meta = BuildScalarIndex(kind, Field("v", type), *reader, *store, "k/", options).value();
  const std::string key = "k/" + meta.files[0].name;
  const std::string bytes(store->Read(key).value()->view());
  const auto queries = FullCoverage(kind, c);
  std::vector<Roaring64Map> want;
  {
    auto index = OpenScalarIndex(store, "k/", meta).value();
    for (const auto& q : queries) want.push_back(index->Search(q).value());
  }
  const size_t n = bytes.size();
  const size_t step = std::max<size_t>(1, n / 3000);
  size_t checked = 0;
  for (size_t pos = 0; pos < n; pos += (pos + 64 >= n ? 1 : step)) {
    std::string damaged = bytes;
    damaged[pos] = static_cast<char>(damaged[pos] ^ (1 << (pos % 8)));
    auto bad = std::make_shared<MemoryObjectStore>();
    ASSERT_TRUE(bad->Put(key, damaged).ok());
    Status first_error;
    bool same = true;
    auto index = OpenScalarIndex(bad, "k/", meta);
    if (!index.ok()) {
      first_error = index.status();
    } else {
      for (size_t q = 0; q < queries.size() && first_error.ok(); ++q) {
        auto got = (*index)->Search(queries[q]);
        if (!got.ok()) {
          first_error = got.status();
        } else if (!(*got == want[q])) {
          same = false;
        }
      }
    }
    ++checked;
    const bool version_field = pos >= n - 8 && pos < n - 4;
    if (!first_error.ok()) {
      if (version_field && first_error.IsNotSupported()) continue;
      EXPECT_TRUE(first_error.IsCorruption()) << "byte " << pos << ": " << first_error.ToString();
      EXPECT_NE(first_error.message().find(key), std::string::npos) << first_error.ToString();
    } else {
      // Only the header, which readers never need, may change silently.
      EXPECT_LT(pos, 8u) << "flipping byte " << pos << " of " << n << " went unnoticed";
      EXPECT_TRUE(same) << "byte " << pos << " changed an answer";
    }
  }
  EXPECT_GT(checked, 100u);
}

TEST_P(CorruptionTest, TruncatedOrMissingFile) {
  const ScalarIndexType kind = GetParam();
  const TypePtr type = kind == ScalarIndexType::kLabelList ? list(int32()) : int32();
  Column c = RandomColumn(type, 300, 0.1, 4);
  auto store = std::make_shared<MemoryObjectStore>();
  auto reader = ReaderOf(c);
  auto meta = BuildScalarIndex(kind, Field("v", type), *reader, *store, "t/").value();
  const std::string key = "t/" + meta.files[0].name;
  const std::string bytes(store->Read(key).value()->view());
  for (size_t keep : {size_t{0}, size_t{10}, bytes.size() / 2, bytes.size() - 1}) {
    auto bad = std::make_shared<MemoryObjectStore>();
    ASSERT_TRUE(bad->Put(key, bytes.substr(0, keep)).ok());
    auto index = OpenScalarIndex(bad, "t/", meta);
    EXPECT_TRUE(index.status().IsCorruption()) << keep << ": " << index.status().ToString();
  }
  auto empty = std::make_shared<MemoryObjectStore>();
  EXPECT_TRUE(OpenScalarIndex(empty, "t/", meta).status().IsNotFound());
  // Metadata that does not match the file.
  ScalarIndexMeta wrong = meta;
  wrong.num_rows += 1;
  EXPECT_TRUE(OpenScalarIndex(store, "t/", wrong).status().IsCorruption());
}

INSTANTIATE_TEST_SUITE_P(Kinds, CorruptionTest,
                         ::testing::Values(ScalarIndexType::kBTree, ScalarIndexType::kBitmap,
                                           ScalarIndexType::kLabelList),
                         [](const auto& info) { return std::string(ScalarIndexTypeName(info.param)); });

}  // namespace
}  // namespace quiver::index
