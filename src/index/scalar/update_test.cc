// UpdateScalarIndex: merging an old index with new rows, minus removed row
// ids, answers every query as a fresh build over the surviving rows does.
#include <gtest/gtest.h>

#include "index/scalar/scalar_index.h"
#include "index/scalar/scalar_index_test_util.h"
#include "io/memory_store.h"

namespace quiver::index {
namespace {

using namespace quiver::index::testing;  // NOLINT

class UpdateTest : public ::testing::TestWithParam<std::tuple<ScalarIndexType, int>> {};

TypePtr UpdateType(ScalarIndexType kind, int i) {
  if (kind == ScalarIndexType::kLabelList) return i == 0 ? list(utf8()) : list(int64());
  return i == 0 ? utf8() : float64();
}

TEST_P(UpdateTest, MergeEqualsRebuild) {
  const auto [kind, type_index] = GetParam();
  const TypePtr type = UpdateType(kind, type_index);
  Column old_rows = RandomColumn(type, 4000, 0.1, 31);
  Column new_rows = RandomColumn(type, 1500, 0.1, 32);
  for (uint64_t& id : new_rows.row_ids) id += uint64_t{1} << 40;  // fresh ids

  // Remove a fifth of the old rows (as if deleted or updated).
  std::mt19937_64 rng(9);
  Roaring64Map removed;
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < old_rows.values->length(); ++i) {
    if (RandInt(rng, 0, 4) == 0) {
      removed.add(old_rows.row_ids[i]);
    } else {
      kept.push_back(i);
    }
  }
  removed.add(uint64_t{999999999999});  // ids the index never held are fine

  ScalarIndexBuildOptions options;
  options.btree_page_entries = 100;
  options.sort_memory_bytes = 32 * 1024;  // spill while merging too
  auto store = std::make_shared<MemoryObjectStore>();
  auto reader = ReaderOf(old_rows);
  auto old_meta = BuildScalarIndex(kind, Field("v", type), *reader, *store, "old/", options).value();
  auto old_index = OpenScalarIndex(store, "old/", old_meta).value();
  auto new_reader = ReaderOf(new_rows);
  auto merged_meta = UpdateScalarIndex(*old_index, *new_reader, removed, *store, "merged/", options);
  ASSERT_TRUE(merged_meta.ok()) << merged_meta.status().ToString();
  auto merged = OpenScalarIndex(store, "merged/", *merged_meta).value();

  // The survivors plus the new rows, built from scratch.
  Column all;
  all.values = Concatenate({Take(*old_rows.values, kept).value(), new_rows.values}).value();
  for (int64_t i : kept) all.row_ids.push_back(old_rows.row_ids[i]);
  all.row_ids.insert(all.row_ids.end(), new_rows.row_ids.begin(), new_rows.row_ids.end());
  auto all_reader = ReaderOf(all);
  auto fresh_meta = BuildScalarIndex(kind, Field("v", type), *all_reader, *store, "fresh/", options).value();
  auto fresh = OpenScalarIndex(store, "fresh/", fresh_meta).value();

  EXPECT_EQ(merged_meta->num_rows, fresh_meta.num_rows);
  EXPECT_EQ(merged_meta->num_null_rows, fresh_meta.num_null_rows);
  EXPECT_EQ(merged_meta->num_distinct, fresh_meta.num_distinct);
  EXPECT_EQ(store->List("merged/").value().size(), 1u);  // no sort runs left

  std::vector<expr::ColumnPredicate> queries = {Pred(Op::kIsNull), Pred(Op::kIsNotNull)};
  const bool labels = kind == ScalarIndexType::kLabelList;
  const Array& elems = labels ? *all.values->child(0) : *all.values;
  for (int k = 0; k < 25; ++k) {
    int64_t j = RandInt(rng, 0, elems.length() - 1);
    if (elems.IsNull(j)) continue;
    expr::Scalar v = expr::ScalarFromArray(elems, j).value();
    if (labels) {
      queries.push_back(Pred(Op::kHasAny, {v}));
      queries.push_back(Pred(Op::kHasAll, {v, queries.back().values[0]}));
    } else {
      for (Op op : {Op::kEq, Op::kLt, Op::kGe}) queries.push_back(Pred(op, {v}));
      queries.push_back(Pred(Op::kIn, {v, expr::ScalarFromArray(elems, (j + 1) % elems.length()).value()}));
    }
  }
  for (const auto& q : queries) {
    auto a = merged->Search(q);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    Roaring64Map want = RowsWhere(
        all, [&](int64_t i) { return labels ? MatchesList(*all.values, i, q) : Matches(*all.values, i, q); });
    EXPECT_TRUE(*a == want) << Describe(q) << ": merged " << a->cardinality() << ", want "
                            << want.cardinality();
    EXPECT_TRUE(fresh->Search(q).value() == want) << Describe(q);
  }
  // The old index still answers as before.
  EXPECT_EQ(old_index->Search(Pred(Op::kIsNull)).value().cardinality(), old_meta.num_null_rows);
}

TEST_P(UpdateTest, RemoveEverythingAddNothing) {
  const auto [kind, type_index] = GetParam();
  const TypePtr type = UpdateType(kind, type_index);
  Column rows = RandomColumn(type, 500, 0.2, 3);
  auto store = std::make_shared<MemoryObjectStore>();
  auto reader = ReaderOf(rows);
  auto meta = BuildScalarIndex(kind, Field("v", type), *reader, *store, "a/").value();
  auto index = OpenScalarIndex(store, "a/", meta).value();
  Roaring64Map removed;
  for (uint64_t id : rows.row_ids) removed.add(id);
  Column nothing = RandomColumn(type, 0, 0, 1);
  auto empty = ReaderOf(nothing);
  auto merged_meta = UpdateScalarIndex(*index, *empty, removed, *store, "b/").value();
  EXPECT_EQ(merged_meta.num_rows, 0u);
  EXPECT_EQ(merged_meta.num_distinct, 0u);
  auto merged = OpenScalarIndex(store, "b/", merged_meta).value();
  EXPECT_TRUE(merged->Search(Pred(Op::kIsNull)).value().isEmpty());
  EXPECT_TRUE(merged->Search(Pred(Op::kIsNotNull)).value().isEmpty());
}

INSTANTIATE_TEST_SUITE_P(Kinds, UpdateTest,
                         ::testing::Combine(::testing::Values(ScalarIndexType::kBTree,
                                                              ScalarIndexType::kBitmap,
                                                              ScalarIndexType::kLabelList),
                                            ::testing::Values(0, 1)),
                         [](const auto& info) {
                           return std::string(ScalarIndexTypeName(std::get<0>(info.param))) + "_" +
                                  std::to_string(std::get<1>(info.param));
                         });

}  // namespace
}  // namespace quiver::index
