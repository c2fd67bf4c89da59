// Every operator of BTREE and BITMAP indexes on every supported value type,
// checked against a brute-force scan of random data with NULLs, NaNs,
// duplicates and empty strings.
#include "index/scalar/scalar_index.h"

#include <gtest/gtest.h>

#include <thread>

#include "index/scalar/scalar_index_test_util.h"
#include "io/memory_store.h"

namespace quiver::index {
namespace {

using namespace quiver::index::testing;  // NOLINT

struct TypeCase {
  const char* name;
  TypePtr (*make)();
};

const TypeCase kTypes[] = {
    {"bool", [] { return boolean(); }},
    {"int8", [] { return int8(); }},
    {"int16", [] { return int16(); }},
    {"int32", [] { return int32(); }},
    {"int64", [] { return int64(); }},
    {"uint8", [] { return uint8(); }},
    {"uint16", [] { return uint16(); }},
    {"uint32", [] { return uint32(); }},
    {"uint64", [] { return uint64(); }},
    {"float16", [] { return float16(); }},
    {"float32", [] { return float32(); }},
    {"float64", [] { return float64(); }},
    {"utf8", [] { return utf8(); }},
    {"large_utf8", [] { return large_utf8(); }},
    {"binary", [] { return binary(); }},
    {"large_binary", [] { return large_binary(); }},
    {"date32", [] { return date32(); }},
    {"timestamp_ms", [] { return timestamp(TimeUnit::kMilli); }},
    {"timestamp_ns_utc", [] { return timestamp(TimeUnit::kNano, "UTC"); }},
};

// Query values: some taken from the data, some absent from it, some of
// other comparable types (an int against a float column, seconds against
// milliseconds).
std::vector<expr::Scalar> Probes(const Column& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<expr::Scalar> out;
  const Array& values = *c.values;
  for (int k = 0; k < 10; ++k) {
    int64_t i = RandInt(rng, 0, values.length() - 1);
    if (values.IsValid(i)) out.push_back(expr::ScalarFromArray(values, i).value());
  }
  const DataType& t = *values.type();
  const double inf = std::numeric_limits<double>::infinity();
  if (t.id() == TypeId::kBool) {
    out.push_back(expr::Scalar::Bool(true));
    out.push_back(expr::Scalar::Bool(false));
  } else if (t.is_numeric()) {
    for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{7}, int64_t{1000}, std::numeric_limits<int64_t>::min(),
                      std::numeric_limits<int64_t>::max()}) {
      out.push_back(expr::Scalar::Int(v));
    }
    out.push_back(expr::Scalar::UInt(std::numeric_limits<uint64_t>::max()));
    out.push_back(expr::Scalar::UInt(uint64_t{1} << 63));
    for (double v : {2.25, -2.25, 0.5, -0.0, inf, -inf, std::nan(""), 1e300, -1e300, 9.3e18, -9.3e18}) {
      out.push_back(expr::Scalar::Double(v));
    }
  } else if (t.is_string_like()) {
    for (const char* s : {"", "a", "ab", "abd", "zz", "\xff", "w1"})
      out.push_back(expr::Scalar::String(
          s, t.id() == TypeId::kBinary || t.id() == TypeId::kLargeBinary ? binary() : utf8()));
  } else if (t.id() == TypeId::kDate32) {
    for (int64_t d : {-301, -5, 0, 17, 301}) out.push_back(expr::Scalar::Date(d));
    for (int64_t ms : {int64_t{0}, int64_t{86400000} * 3 + 1, int64_t{-86400000} * 2 - 5}) {
      out.push_back(expr::Scalar::Timestamp(ms, timestamp(TimeUnit::kMilli)));
    }
  } else if (t.id() == TypeId::kTimestamp) {
    for (int64_t s : {-1, 0, 3, 250}) out.push_back(expr::Scalar::Timestamp(s, timestamp(TimeUnit::kSecond)));
    for (int64_t us : {int64_t{1500}, int64_t{-2999}, int64_t{250000001}}) {
      out.push_back(expr::Scalar::Timestamp(us, timestamp(TimeUnit::kMicro)));
    }
    out.push_back(expr::Scalar::Timestamp(std::numeric_limits<int64_t>::max(), timestamp(TimeUnit::kSecond)));
    out.push_back(expr::Scalar::Timestamp(std::numeric_limits<int64_t>::min(), timestamp(TimeUnit::kSecond)));
    out.push_back(expr::Scalar::Date(0));
    out.push_back(expr::Scalar::Date(-1));
  }
  return out;
}

void ExpectSame(const ScalarIndex& index, const Column& c, const expr::ColumnPredicate& p) {
  auto got = index.Search(p);
  ASSERT_TRUE(got.ok()) << Describe(p) << ": " << got.status().ToString();
  Roaring64Map want = RowsWhere(c, [&](int64_t i) { return Matches(*c.values, i, p); });
  EXPECT_TRUE(*got == want) << Describe(p) << ": got " << got->cardinality() << " rows, want "
                            << want.cardinality();
}

class ScalarIndexOpsTest : public ::testing::TestWithParam<std::tuple<ScalarIndexType, int>> {};

TEST_P(ScalarIndexOpsTest, EveryOperatorMatchesBruteForce) {
  const auto [kind, type_index] = GetParam();
  const TypeCase& tc = kTypes[type_index];
  const TypePtr type = tc.make();
  Column c = RandomColumn(type, 3000, 0.1, 17 + type_index);
  auto store = std::make_shared<MemoryObjectStore>();
  ScalarIndexBuildOptions options;
  options.btree_page_entries = 64;  // many pages, and values spanning page ends
  auto reader = ReaderOf(c, 700);
  auto meta = BuildScalarIndex(kind, Field("v", type), *reader, *store, "_indices/x/", options);
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->num_rows, 3000u);
  EXPECT_EQ(meta->num_null_rows, static_cast<uint64_t>(c.values->null_count()));
  auto index = OpenScalarIndex(store, "_indices/x/", *meta);
  ASSERT_TRUE(index.ok()) << index.status().ToString();

  std::vector<expr::Scalar> probes = Probes(c, 99);
  for (const expr::Scalar& v : probes) {
    for (Op op : {Op::kEq, Op::kLt, Op::kLe, Op::kGt, Op::kGe}) ExpectSame(**index, c, Pred(op, {v}));
  }
  std::mt19937_64 rng(5);
  for (int k = 0; k < 20; ++k) {
    std::vector<expr::Scalar> in;
    int64_t n = RandInt(rng, 0, 5);
    for (int64_t j = 0; j < n; ++j) in.push_back(probes[RandInt(rng, 0, probes.size() - 1)]);
    ExpectSame(**index, c, Pred(Op::kIn, in));
  }
  ExpectSame(**index, c, Pred(Op::kIsNull));
  ExpectSame(**index, c, Pred(Op::kIsNotNull));

  // Two-sided ranges through SearchAll.
  for (int k = 0; k < 30; ++k) {
    const expr::Scalar& a = probes[RandInt(rng, 0, probes.size() - 1)];
    const expr::Scalar& b = probes[RandInt(rng, 0, probes.size() - 1)];
    std::vector<expr::ColumnPredicate> both = {Pred(k % 2 ? Op::kGe : Op::kGt, {a}),
                                               Pred(k % 3 ? Op::kLe : Op::kLt, {b})};
    auto got = (*index)->SearchAll(both);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    Roaring64Map want = RowsWhere(
        c, [&](int64_t i) { return Matches(*c.values, i, both[0]) && Matches(*c.values, i, both[1]); });
    EXPECT_TRUE(*got == want) << Describe(both[0]) << " AND " << Describe(both[1]);
  }
  // Comparisons with NULL select nothing.
  auto none = (*index)->Search(Pred(Op::kEq, {expr::Scalar::Null(type)}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->isEmpty());
  EXPECT_FALSE((*index)->CanAnswer(Op::kHasAny));
  EXPECT_TRUE((*index)->Search(Pred(Op::kHasAny, {probes[0]})).status().IsNotSupported());
}

INSTANTIATE_TEST_SUITE_P(AllTypes, ScalarIndexOpsTest,
                         ::testing::Combine(::testing::Values(ScalarIndexType::kBTree,
                                                              ScalarIndexType::kBitmap),
                                            ::testing::Range(0, static_cast<int>(std::size(kTypes)))),
                         [](const auto& info) {
                           return std::string(ScalarIndexTypeName(std::get<0>(info.param))) + "_" +
                                  kTypes[std::get<1>(info.param)].name;
                         });

TEST(ScalarIndexTest, TypeNames) {
  EXPECT_EQ(ParseScalarIndexType("btree").value(), ScalarIndexType::kBTree);
  EXPECT_EQ(ParseScalarIndexType("Bitmap").value(), ScalarIndexType::kBitmap);
  EXPECT_EQ(ParseScalarIndexType("LABEL_LIST").value(), ScalarIndexType::kLabelList);
  EXPECT_EQ(ScalarIndexTypeName(ScalarIndexType::kLabelList), "LABEL_LIST");
  auto bad = ParseScalarIndexType("hash");
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("\"hash\""), std::string::npos);
}

TEST(ScalarIndexTest, IndexableTypes) {
  EXPECT_TRUE(CheckIndexable(ScalarIndexType::kBTree, *utf8()).ok());
  EXPECT_TRUE(CheckIndexable(ScalarIndexType::kBTree, *list(utf8())).IsNotSupported());
  EXPECT_TRUE(CheckIndexable(ScalarIndexType::kBitmap, *vector_type(4)).IsNotSupported());
  EXPECT_TRUE(CheckIndexable(ScalarIndexType::kLabelList, *list(int32())).ok());
  EXPECT_TRUE(CheckIndexable(ScalarIndexType::kLabelList, *utf8()).IsNotSupported());
  EXPECT_TRUE(CheckIndexable(ScalarIndexType::kLabelList, *list(list(int32()))).IsNotSupported());
}

TEST(ScalarIndexTest, MetaJsonRoundTrip) {
  ScalarIndexMeta meta;
  meta.type = ScalarIndexType::kBitmap;
  meta.value_type = timestamp(TimeUnit::kMilli, "UTC");
  meta.files = {{"bitmap.qvi", 1234}};
  meta.num_rows = 10;
  meta.num_null_rows = 2;
  meta.num_distinct = 3;
  nlohmann::json j = meta.ToJson();
  auto back = ScalarIndexMeta::FromJson(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->type, meta.type);
  EXPECT_TRUE(back->value_type->Equals(*meta.value_type));
  ASSERT_EQ(back->files.size(), 1u);
  EXPECT_EQ(back->files[0].name, "bitmap.qvi");
  EXPECT_EQ(back->files[0].size, 1234u);
  EXPECT_EQ(back->num_rows, 10u);
  EXPECT_EQ(back->num_null_rows, 2u);
  EXPECT_EQ(back->num_distinct, 3u);
  j.erase("num_rows");
  auto missing = ScalarIndexMeta::FromJson(j);
  EXPECT_TRUE(missing.status().IsInvalidArgument());
  EXPECT_NE(missing.status().message().find("num_rows"), std::string::npos);
}

TEST(ScalarIndexTest, RejectsBadInput) {
  auto store = std::make_shared<MemoryObjectStore>();
  Column c = RandomColumn(int64(), 10, 0, 1);
  // No _rowid column.
  auto schema = std::make_shared<Schema>(std::vector<Field>{Field("v", int64())});
  auto reader =
      MakeBatchReader(schema, {std::make_shared<RecordBatch>(schema, 10, std::vector<ArrayPtr>{c.values})});
  auto meta = BuildScalarIndex(ScalarIndexType::kBTree, Field("v", int64()), *reader, *store, "i/");
  EXPECT_TRUE(meta.status().IsInvalidArgument()) << meta.status().ToString();
  // The column is not of the indexed type.
  auto reader2 = ReaderOf(c);
  meta = BuildScalarIndex(ScalarIndexType::kBTree, Field("v", utf8()), *reader2, *store, "i/");
  EXPECT_TRUE(meta.status().IsInvalidArgument()) << meta.status().ToString();
  // A type the index cannot hold.
  auto reader3 = ReaderOf(c);
  meta = BuildScalarIndex(ScalarIndexType::kLabelList, Field("v", int64()), *reader3, *store, "i/");
  EXPECT_TRUE(meta.status().IsNotSupported()) << meta.status().ToString();
  // A query value that cannot be compared with the column.
  auto reader4 = ReaderOf(c);
  meta = BuildScalarIndex(ScalarIndexType::kBTree, Field("v", int64()), *reader4, *store, "i/");
  ASSERT_TRUE(meta.ok());
  auto index = OpenScalarIndex(store, "i/", *meta).value();
  EXPECT_TRUE(index->Search(Pred(Op::kEq, {expr::Scalar::String("x")})).status().IsInvalidArgument());
}

class EdgeCaseTest : public ::testing::TestWithParam<ScalarIndexType> {};

TEST_P(EdgeCaseTest, EmptyIndex) {
  auto store = std::make_shared<MemoryObjectStore>();
  const TypePtr type = GetParam() == ScalarIndexType::kLabelList ? list(utf8()) : utf8();
  Column c = RandomColumn(type, 0, 0, 1);
  auto reader = ReaderOf(c);
  auto meta = BuildScalarIndex(GetParam(), Field("v", type), *reader, *store, "e/");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->num_rows, 0u);
  auto index = OpenScalarIndex(store, "e/", *meta);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  for (Op op : {Op::kIsNull, Op::kIsNotNull}) EXPECT_TRUE((*index)->Search(Pred(op)).value().isEmpty());
  const Op value_op = GetParam() == ScalarIndexType::kLabelList ? Op::kHasAny : Op::kEq;
  EXPECT_TRUE((*index)->Search(Pred(value_op, {expr::Scalar::String("a")})).value().isEmpty());
}

TEST_P(EdgeCaseTest, AllNullColumn) {
  auto store = std::make_shared<MemoryObjectStore>();
  const TypePtr type = GetParam() == ScalarIndexType::kLabelList ? list(int64()) : int64();
  Column c = RandomColumn(type, 500, 1.0, 2);
  auto reader = ReaderOf(c);
  auto meta = BuildScalarIndex(GetParam(), Field("v", type), *reader, *store, "n/");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->num_null_rows, 500u);
  EXPECT_EQ(meta->num_distinct, 0u);
  auto index = OpenScalarIndex(store, "n/", *meta).value();
  EXPECT_EQ(index->Search(Pred(Op::kIsNull)).value().cardinality(), 500u);
  EXPECT_TRUE(index->Search(Pred(Op::kIsNotNull)).value().isEmpty());
  if (GetParam() == ScalarIndexType::kLabelList) {
    EXPECT_TRUE(index->Search(Pred(Op::kHasAll, {})).value().isEmpty());
  } else {
    EXPECT_TRUE(index->Search(Pred(Op::kGe, {expr::Scalar::Int(std::numeric_limits<int64_t>::min())}))
                    .value()
                    .isEmpty());
  }
}

TEST_P(EdgeCaseTest, ConcurrentSearches) {
  auto store = std::make_shared<MemoryObjectStore>();
  const bool labels = GetParam() == ScalarIndexType::kLabelList;
  const TypePtr type = labels ? list(int32()) : int32();
  Column c = RandomColumn(type, 20000, 0.05, 3);
  auto reader = ReaderOf(c, 4096);
  ScalarIndexBuildOptions options;
  options.btree_page_entries = 256;
  auto meta = BuildScalarIndex(GetParam(), Field("v", type), *reader, *store, "c/", options).value();
  auto index = OpenScalarIndex(store, "c/", meta).value();
  std::vector<expr::ColumnPredicate> preds;
  for (int v = -300; v <= 300; v += 37) {
    preds.push_back(Pred(labels ? Op::kHasAny : Op::kEq, {expr::Scalar::Int(v, int32())}));
    if (!labels) preds.push_back(Pred(Op::kLt, {expr::Scalar::Int(v, int32())}));
  }
  preds.push_back(Pred(Op::kIsNull));
  std::vector<Roaring64Map> want;
  for (const auto& p : preds) want.push_back(index->Search(p).value());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int rep = 0; rep < 5; ++rep) {
        for (size_t k = 0; k < preds.size(); ++k) {
          auto got = index->Search(preds[k]);
          if (!got.ok() || !(*got == want[k])) ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Kinds, EdgeCaseTest,
                         ::testing::Values(ScalarIndexType::kBTree, ScalarIndexType::kBitmap,
                                           ScalarIndexType::kLabelList),
                         [](const auto& info) { return std::string(ScalarIndexTypeName(info.param)); });

}  // namespace
}  // namespace quiver::index
