#include "quiver/sort.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "quiver/builder.h"

namespace quiver {
namespace {

// Columns: id int64 0..n-1, price double (with NULLs and a NaN), name utf8.
BatchPtr Rows() {
  const std::vector<std::optional<double>> prices = {3.5, std::nullopt, 1.0, NAN, 3.5, -2.0, std::nullopt};
  const std::vector<std::string> names = {"b", "a", "c", "a", "a", "b", "c"};
  auto id = ArrayBuilder::Make(int64());
  auto price = ArrayBuilder::Make(float64());
  auto name = ArrayBuilder::Make(utf8());
  for (size_t i = 0; i < prices.size(); ++i) {
    EXPECT_TRUE(id->AppendInt(static_cast<int64_t>(i)).ok());
    EXPECT_TRUE((prices[i] ? price->AppendDouble(*prices[i]) : price->AppendNull()).ok());
    EXPECT_TRUE(name->AppendString(names[i]).ok());
  }
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{Field("id", int64()), Field("price", float64()), Field("name", utf8())});
  return std::make_shared<RecordBatch>(schema, static_cast<int64_t>(prices.size()),
                                       std::vector<ArrayPtr>{id->Finish(), price->Finish(), name->Finish()});
}

std::vector<int64_t> Ids(const RecordBatch& b) {
  const int64_t* v = b.GetColumn("id")->values<int64_t>();
  return std::vector<int64_t>(v, v + b.num_rows());
}

TEST(SortTest, AscendingNullsLastNanAfterNumbersStable) {
  auto order = SortIndices(*Rows(), {{"price"}});
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  // -2.0, 1.0, 3.5 (rows 0 and 4 in their order), NaN, then the NULLs.
  EXPECT_EQ(*order, (std::vector<int64_t>{5, 2, 0, 4, 3, 1, 6}));
}

TEST(SortTest, DescendingNullsFirst) {
  auto order = SortIndices(*Rows(), {{"price", /*ascending=*/false, /*nulls_first=*/true}});
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(*order, (std::vector<int64_t>{1, 6, 3, 0, 4, 2, 5}));
}

TEST(SortTest, SeveralKeysThenOffsetAndLimit) {
  // name ascending, then id descending.
  auto sorted = SortBatch(*Rows(), {{"name"}, {"id", false}}, /*offset=*/1, /*limit=*/4);
  ASSERT_TRUE(sorted.ok()) << sorted.status().ToString();
  // Full order: a(4), a(3), a(1), b(5), b(0), c(6), c(2).
  EXPECT_EQ(Ids(**sorted), (std::vector<int64_t>{3, 1, 5, 0}));
  EXPECT_EQ((*sorted)->GetColumn("name")->GetView(2), "b");
  ASSERT_TRUE((*sorted)->GetColumn("price")->IsNull(1));

  auto past_end = SortBatch(*Rows(), {{"id"}}, /*offset=*/10);
  ASSERT_TRUE(past_end.ok());
  EXPECT_EQ((*past_end)->num_rows(), 0);
}

TEST(SortTest, UnknownColumnAndUnsortableTypeAreErrors) {
  auto unknown = SortIndices(*Rows(), {{"prize"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("columns: id, price, name"), std::string::npos);

  auto v = ArrayBuilder::Make(vector_type(2));
  const float xy[2] = {1, 2};
  ASSERT_TRUE(v->AppendVector(xy, 2).ok());
  auto schema = std::make_shared<Schema>(std::vector<Field>{Field("v", vector_type(2))});
  RecordBatch vectors(schema, 1, {v->Finish()});
  auto bad = SortIndices(vectors, {{"v"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cannot sort by column \"v\""), std::string::npos);
}

}  // namespace
}  // namespace quiver
