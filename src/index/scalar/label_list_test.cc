// LABEL_LIST indexes against a brute-force scan: array_has_any,
// array_has_all and IS [NOT] NULL on list columns with NULL lists, empty
// lists, NULL elements and repeated labels.
#include <gtest/gtest.h>

#include "index/scalar/scalar_index.h"
#include "index/scalar/scalar_index_test_util.h"
#include "io/memory_store.h"

namespace quiver::index {
namespace {

using namespace quiver::index::testing;  // NOLINT

class LabelListTest : public ::testing::TestWithParam<int> {};

TypePtr ListType(int i) {
  switch (i) {
    case 0:
      return list(utf8());
    case 1:
      return DataType::List(Field("item", int64()), /*large=*/true);
    case 2:
      return list(int32());
    case 3:
      return DataType::List(Field("item", large_utf8()), /*large=*/true);
    case 4:
      return list(float64());
    default:
      return list(uint8());
  }
}

TEST_P(LabelListTest, MatchesBruteForce) {
  const TypePtr type = ListType(GetParam());
  Column c = RandomColumn(type, 3000, 0.1, 40 + GetParam());
  auto store = std::make_shared<MemoryObjectStore>();
  auto reader = ReaderOf(c, 512);
  auto meta = BuildScalarIndex(ScalarIndexType::kLabelList, Field("tags", type), *reader, *store, "l/");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  auto index = OpenScalarIndex(store, "l/", *meta);
  ASSERT_TRUE(index.ok()) << index.status().ToString();

  // Labels: elements seen in the data and a few that are not.
  std::mt19937_64 rng(7);
  const Array& elems = *c.values->child(0);
  std::vector<expr::Scalar> labels;
  for (int k = 0; k < 12; ++k) {
    int64_t j = RandInt(rng, 0, elems.length() - 1);
    if (elems.IsValid(j)) labels.push_back(expr::ScalarFromArray(elems, j).value());
  }
  if (type->value_type()->is_string_like()) {
    labels.push_back(expr::Scalar::String("never"));
    labels.push_back(expr::Scalar::String(""));
  } else {
    labels.push_back(expr::Scalar::Int(123456));
    labels.push_back(expr::Scalar::Double(0.75));
  }
  auto check = [&](const expr::ColumnPredicate& p) {
    auto got = (*index)->Search(p);
    ASSERT_TRUE(got.ok()) << Describe(p) << ": " << got.status().ToString();
    Roaring64Map want = RowsWhere(c, [&](int64_t i) { return MatchesList(*c.values, i, p); });
    EXPECT_TRUE(*got == want) << Describe(p) << ": got " << got->cardinality() << ", want "
                              << want.cardinality();
  };
  for (int k = 0; k < 40; ++k) {
    std::vector<expr::Scalar> set;
    int64_t n = RandInt(rng, 0, 3);
    for (int64_t j = 0; j < n; ++j) set.push_back(labels[RandInt(rng, 0, labels.size() - 1)]);
    check(Pred(Op::kHasAny, set));
    check(Pred(Op::kHasAll, set));
  }
  check(Pred(Op::kIsNull));
  check(Pred(Op::kIsNotNull));
  EXPECT_FALSE((*index)->CanAnswer(Op::kEq));
  EXPECT_TRUE((*index)->Search(Pred(Op::kEq, {labels[0]})).status().IsNotSupported());
  EXPECT_TRUE((*index)->Search(Pred(Op::kHasAny, {expr::Scalar::Null()})).status().IsNotSupported());
}

INSTANTIATE_TEST_SUITE_P(ListTypes, LabelListTest, ::testing::Range(0, 6));

}  // namespace
}  // namespace quiver::index
