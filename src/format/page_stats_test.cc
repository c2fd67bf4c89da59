#include "format/page_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/float16.h"
#include "quiver/builder.h"

namespace quiver {
namespace {

PageStats StatsOf(const ArrayPtr& a, int64_t offset = 0, int64_t length = -1) {
  StatsCollector c(*a->type());
  c.Update(*a, offset, length < 0 ? a->length() - offset : length);
  return c.Finish();
}

TEST(PageStatsTest, Integers) {
  auto b = ArrayBuilder::Make(int16());
  for (int v : {5, -7, 300, 0}) ASSERT_TRUE(b->AppendInt(v).ok());
  ASSERT_TRUE(b->AppendNull().ok());
  ArrayPtr a = b->Finish();
  PageStats s = StatsOf(a);
  EXPECT_EQ(s.null_count, 1);
  EXPECT_EQ(s.min, StatValue(int64_t{-7}));
  EXPECT_EQ(s.max, StatValue(int64_t{300}));
  // A slice sees only its rows.
  s = StatsOf(a, 2, 2);
  EXPECT_EQ(s.null_count, 0);
  EXPECT_EQ(s.min, StatValue(int64_t{0}));
  EXPECT_EQ(s.max, StatValue(int64_t{300}));
}

TEST(PageStatsTest, UnsignedBoolDateTimestamp) {
  auto u = ArrayBuilder::Make(uint64());
  ASSERT_TRUE(u->AppendUInt(std::numeric_limits<uint64_t>::max()).ok());
  ASSERT_TRUE(u->AppendUInt(3).ok());
  PageStats s = StatsOf(u->Finish());
  EXPECT_EQ(s.min, StatValue(uint64_t{3}));
  EXPECT_EQ(s.max, StatValue(std::numeric_limits<uint64_t>::max()));

  auto b = ArrayBuilder::Make(boolean());
  ASSERT_TRUE(b->AppendBool(true).ok());
  ASSERT_TRUE(b->AppendNull().ok());
  ASSERT_TRUE(b->AppendBool(true).ok());
  s = StatsOf(b->Finish());
  EXPECT_EQ(s.null_count, 1);
  EXPECT_EQ(s.min, StatValue(int64_t{1}));
  EXPECT_EQ(s.max, StatValue(int64_t{1}));

  auto d = ArrayBuilder::Make(date32());
  ASSERT_TRUE(d->AppendInt(-5).ok());
  ASSERT_TRUE(d->AppendInt(19000).ok());
  s = StatsOf(d->Finish());
  EXPECT_EQ(s.min, StatValue(int64_t{-5}));
  EXPECT_EQ(s.max, StatValue(int64_t{19000}));

  auto t = ArrayBuilder::Make(timestamp(TimeUnit::kNano, "UTC"));
  ASSERT_TRUE(t->AppendInt(std::numeric_limits<int64_t>::min()).ok());
  ASSERT_TRUE(t->AppendInt(1).ok());
  s = StatsOf(t->Finish());
  EXPECT_EQ(s.min, StatValue(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(s.max, StatValue(int64_t{1}));
}

TEST(PageStatsTest, FloatsIgnoreNaN) {
  for (TypePtr type : {float16(), float32(), float64()}) {
    auto b = ArrayBuilder::Make(type);
    ASSERT_TRUE(b->AppendDouble(std::nan("")).ok());
    ASSERT_TRUE(b->AppendDouble(2.5).ok());
    ASSERT_TRUE(b->AppendDouble(-std::numeric_limits<double>::infinity()).ok());
    ASSERT_TRUE(b->AppendDouble(std::nan("")).ok());
    ASSERT_TRUE(b->AppendNull().ok());
    PageStats s = StatsOf(b->Finish());
    EXPECT_EQ(s.null_count, 1) << type->ToString();
    EXPECT_EQ(s.min, StatValue(-std::numeric_limits<double>::infinity())) << type->ToString();
    EXPECT_EQ(s.max, StatValue(2.5)) << type->ToString();
  }
  auto b = ArrayBuilder::Make(float32());
  ASSERT_TRUE(b->AppendDouble(std::nan("")).ok());
  PageStats s = StatsOf(b->Finish());
  EXPECT_EQ(s.null_count, 0);
  EXPECT_EQ(s.min, StatValue());
  EXPECT_EQ(s.max, StatValue());
}

TEST(PageStatsTest, AllNullAndNested) {
  auto b = ArrayBuilder::Make(utf8());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b->AppendNull().ok());
  PageStats s = StatsOf(b->Finish());
  EXPECT_EQ(s.null_count, 3);
  EXPECT_EQ(s.min, StatValue());
  EXPECT_EQ(s.max, StatValue());

  auto l = ArrayBuilder::Make(list(int32()));
  ASSERT_TRUE(l->child(0)->AppendInt(1).ok());
  ASSERT_TRUE(l->AppendList().ok());
  ASSERT_TRUE(l->AppendNull().ok());
  s = StatsOf(l->Finish());
  EXPECT_EQ(s.null_count, 1);
  EXPECT_EQ(s.min, StatValue());

  auto n = ArrayBuilder::Make(null_type());
  ASSERT_TRUE(n->AppendNull().ok());
  ASSERT_TRUE(n->AppendNull().ok());
  s = StatsOf(n->Finish());
  EXPECT_EQ(s.null_count, 2);
}

TEST(PageStatsTest, StringsAreTruncatedAndRoundedUp) {
  auto b = ArrayBuilder::Make(binary());
  const std::string long_a = std::string(70, 'a');
  const std::string long_b = std::string(63, 'b') + "\xFF\xFF" + "tail";
  ASSERT_TRUE(b->AppendString(long_a).ok());
  ASSERT_TRUE(b->AppendString(long_b).ok());
  ASSERT_TRUE(b->AppendString("aa").ok());
  PageStats s = StatsOf(b->Finish());
  EXPECT_EQ(s.min, StatValue(std::string("aa")));
  // Truncated to 64 bytes ("b"*63 + 0xFF): the 0xFF is dropped and the last
  // 'b' incremented.
  EXPECT_EQ(s.max, StatValue(std::string(62, 'b') + "c"));
  // The invariant, checked against the values.
  EXPECT_LE(std::get<std::string>(s.min), "aa");
  EXPECT_GE(std::get<std::string>(s.max), long_b);

  // A min longer than 64 bytes is truncated (a prefix is never larger).
  auto c = ArrayBuilder::Make(utf8());
  ASSERT_TRUE(c->AppendString(long_a).ok());
  s = StatsOf(c->Finish());
  EXPECT_EQ(s.min, StatValue(std::string(64, 'a')));
  EXPECT_EQ(s.max, StatValue(std::string(63, 'a') + "b"));

  // Nothing of 64 bytes bounds a value that starts with 64 0xFF bytes.
  auto d = ArrayBuilder::Make(binary());
  ASSERT_TRUE(d->AppendString(std::string(65, '\xFF')).ok());
  ASSERT_TRUE(d->AppendString("x").ok());
  s = StatsOf(d->Finish());
  EXPECT_EQ(s.min, StatValue(std::string("x")));
  EXPECT_EQ(s.max, StatValue());
}

TEST(PageStatsTest, RoundUpStatBytes) {
  std::string out;
  EXPECT_TRUE(RoundUpStatBytes("short", &out));
  EXPECT_EQ(out, "short");
  EXPECT_TRUE(RoundUpStatBytes(std::string(64, 'q'), &out));
  EXPECT_EQ(out, std::string(64, 'q'));
  EXPECT_TRUE(RoundUpStatBytes(std::string(65, 'q'), &out));
  EXPECT_EQ(out, std::string(63, 'q') + "r");
  EXPECT_FALSE(RoundUpStatBytes(std::string(65, '\xFF'), &out));
}

TEST(PageStatsTest, CollectorAccumulatesAndResets) {
  auto b = ArrayBuilder::Make(int64());
  for (int v = 0; v < 10; ++v) ASSERT_TRUE(b->AppendInt(v * 10).ok());
  ArrayPtr a = b->Finish();
  StatsCollector c(*int64());
  c.Update(*a, 5, 2);
  c.Update(*a, 1, 1);
  PageStats s = c.Finish();
  EXPECT_EQ(s.min, StatValue(int64_t{10}));
  EXPECT_EQ(s.max, StatValue(int64_t{60}));
  s = c.Finish();
  EXPECT_EQ(s, PageStats{});
}

TEST(PageStatsTest, MergerCombinesPages) {
  ColumnStatsMerger ints(*int32());
  ints.Add({2, int64_t{5}, int64_t{9}});
  ints.Add({3, StatValue(), StatValue()});  // all-null page
  ints.Add({0, int64_t{-1}, int64_t{4}});
  PageStats s = ints.Finish();
  EXPECT_EQ(s.null_count, 5);
  EXPECT_EQ(s.min, StatValue(int64_t{-1}));
  EXPECT_EQ(s.max, StatValue(int64_t{9}));

  ColumnStatsMerger strings(*utf8());
  strings.Add({0, std::string("b"), std::string("c")});
  strings.Add({0, std::string("a"), StatValue()});  // unbounded max
  strings.Add({0, std::string("c"), std::string("d")});
  s = strings.Finish();
  EXPECT_EQ(s.min, StatValue(std::string("a")));
  EXPECT_EQ(s.max, StatValue());

  ColumnStatsMerger none(*float32());
  EXPECT_EQ(none.Finish(), PageStats{});
}

}  // namespace
}  // namespace quiver
