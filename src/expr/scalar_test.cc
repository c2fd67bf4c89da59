#include "expr/scalar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "quiver/builder.h"

namespace quiver::expr {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

std::optional<int> Cmp(const Scalar& a, const Scalar& b) { return CompareScalars(a, b); }

TEST(ScalarTest, Constructors) {
  EXPECT_TRUE(Scalar::Null().is_null());
  EXPECT_EQ(Scalar::Null().type->id(), TypeId::kNull);
  EXPECT_EQ(Scalar::Null(int32()).type->id(), TypeId::kInt32);
  EXPECT_EQ(Scalar::Bool(true).type->id(), TypeId::kBool);
  EXPECT_EQ(Scalar::Int(1).type->id(), TypeId::kInt64);
  EXPECT_EQ(Scalar::Int(1, int8()).type->id(), TypeId::kInt8);
  EXPECT_EQ(Scalar::UInt(1).type->id(), TypeId::kUInt64);
  EXPECT_EQ(Scalar::Double(1).type->id(), TypeId::kFloat64);
  EXPECT_EQ(Scalar::String("a").type->id(), TypeId::kUtf8);
  EXPECT_EQ(Scalar::String("a", binary()).type->id(), TypeId::kBinary);
  EXPECT_EQ(Scalar::Date(3).type->id(), TypeId::kDate32);
  EXPECT_TRUE(Scalar::Timestamp(3).type->Equals(*timestamp(TimeUnit::kMicro)));
  EXPECT_FALSE(Scalar::Int(0).is_null());
}

TEST(ScalarTest, AsDouble) {
  EXPECT_EQ(Scalar::Bool(true).AsDouble(), 1.0);
  EXPECT_EQ(Scalar::Int(-3).AsDouble(), -3.0);
  EXPECT_EQ(Scalar::UInt(7).AsDouble(), 7.0);
  EXPECT_EQ(Scalar::Double(2.5).AsDouble(), 2.5);
  EXPECT_EQ(Scalar::Date(10).AsDouble(), 10.0);
  EXPECT_EQ(Scalar::String("1").AsDouble(), std::nullopt);
  EXPECT_EQ(Scalar::Null().AsDouble(), std::nullopt);
}

TEST(ScalarTest, ToString) {
  EXPECT_EQ(Scalar::Null().ToString(), "NULL");
  EXPECT_EQ(Scalar::Null(int32()).ToString(), "NULL");
  EXPECT_EQ(Scalar::Bool(true).ToString(), "TRUE");
  EXPECT_EQ(Scalar::Bool(false).ToString(), "FALSE");
  EXPECT_EQ(Scalar::Int(42).ToString(), "42");
  EXPECT_EQ(Scalar::Int(kI64Min).ToString(), "-9223372036854775808");
  EXPECT_EQ(Scalar::UInt(kU64Max).ToString(), "18446744073709551615");
  EXPECT_EQ(Scalar::Double(1.5).ToString(), "1.5");
  EXPECT_EQ(Scalar::Double(2).ToString(), "2.0");
  EXPECT_EQ(Scalar::Double(-0.0).ToString(), "-0.0");
  EXPECT_EQ(Scalar::Double(1e23).ToString(), "1e+23");
  EXPECT_EQ(Scalar::Double(0.1).ToString(), "0.1");
  EXPECT_EQ(Scalar::Double(kInf).ToString(), "1e999");
  EXPECT_EQ(Scalar::Double(-kInf).ToString(), "-1e999");
  EXPECT_EQ(Scalar::Double(kNaN).ToString(), "CAST('NaN' AS DOUBLE)");
  EXPECT_EQ(Scalar::String("it's").ToString(), "'it''s'");
  EXPECT_EQ(Scalar::String("").ToString(), "''");
  EXPECT_EQ(Scalar::Date(19753).ToString(), "date '2024-01-31'");
  EXPECT_EQ(Scalar::Timestamp(1706702400000000).ToString(), "timestamp '2024-01-31 12:00:00'");
  EXPECT_EQ(Scalar::Timestamp(1706702400250, timestamp(TimeUnit::kMilli)).ToString(),
            "timestamp '2024-01-31 12:00:00.25'");
  EXPECT_EQ((Scalar{date32(), int64_t{1} << 40}).ToString(), "CAST(1099511627776 AS date32)");
}

TEST(ScalarTest, Equals) {
  EXPECT_TRUE(Scalar::Int(1).Equals(Scalar::Int(1)));
  EXPECT_FALSE(Scalar::Int(1).Equals(Scalar::Int(2)));
  EXPECT_FALSE(Scalar::Int(1).Equals(Scalar::Int(1, int32())));
  EXPECT_FALSE(Scalar::Int(1).Equals(Scalar::UInt(1)));
  EXPECT_TRUE(Scalar::Null().Equals(Scalar::Null()));
  EXPECT_FALSE(Scalar::Null().Equals(Scalar::Null(int64())));
  EXPECT_TRUE(Scalar::Null(int64()).Equals(Scalar::Null(int64())));
  EXPECT_FALSE(Scalar::Null(int64()).Equals(Scalar::Int(0)));
  EXPECT_TRUE(Scalar::Double(kNaN).Equals(Scalar::Double(kNaN)));
  EXPECT_FALSE(Scalar::Double(0.0).Equals(Scalar::Double(-0.0)));
  EXPECT_TRUE(Scalar::String("a").Equals(Scalar::String("a")));
  EXPECT_FALSE(Scalar::String("a").Equals(Scalar::String("a", binary())));
  EXPECT_TRUE(Scalar::Timestamp(5, timestamp(TimeUnit::kMilli, "UTC"))
                  .Equals(Scalar::Timestamp(5, timestamp(TimeUnit::kMilli, "UTC"))));
  EXPECT_FALSE(Scalar::Timestamp(5, timestamp(TimeUnit::kMilli)).Equals(Scalar::Timestamp(5)));
}

TEST(CompareScalarsTest, MixedIntegersAreExact) {
  EXPECT_EQ(Cmp(Scalar::Int(-1), Scalar::UInt(0)), -1);
  EXPECT_EQ(Cmp(Scalar::UInt(0), Scalar::Int(-1)), 1);
  EXPECT_EQ(Cmp(Scalar::Int(kI64Max), Scalar::UInt(uint64_t{1} << 63)), -1);
  EXPECT_EQ(Cmp(Scalar::Int(kI64Max), Scalar::UInt(kI64Max)), 0);
  EXPECT_EQ(Cmp(Scalar::UInt(kU64Max), Scalar::UInt(kU64Max - 1)), 1);
  EXPECT_EQ(Cmp(Scalar::Int(3, int8()), Scalar::Int(3)), 0);
  EXPECT_EQ(Cmp(Scalar::Int(kI64Min), Scalar::Int(kI64Max)), -1);
}

TEST(CompareScalarsTest, IntegersAgainstDoublesAreExact) {
  // 2^53 + 1 is not a double; a lossy comparison would call them equal.
  const int64_t big = (int64_t{1} << 53) + 1;
  EXPECT_EQ(Cmp(Scalar::Int(big), Scalar::Double(9007199254740992.0)), 1);
  EXPECT_EQ(Cmp(Scalar::Double(9007199254740992.0), Scalar::Int(big)), -1);
  EXPECT_EQ(Cmp(Scalar::Int(big - 1), Scalar::Double(9007199254740992.0)), 0);
  // int64 max rounds up to 2^63 as a double.
  EXPECT_EQ(Cmp(Scalar::Int(kI64Max), Scalar::Double(9223372036854775808.0)), -1);
  EXPECT_EQ(Cmp(Scalar::Int(kI64Min), Scalar::Double(-9223372036854775808.0)), 0);
  EXPECT_EQ(Cmp(Scalar::Int(kI64Min), Scalar::Double(-1e19)), 1);
  EXPECT_EQ(Cmp(Scalar::UInt(kU64Max), Scalar::Double(18446744073709551616.0)), -1);
  EXPECT_EQ(Cmp(Scalar::UInt(uint64_t{1} << 63), Scalar::Double(9223372036854775808.0)), 0);
  EXPECT_EQ(Cmp(Scalar::UInt(0), Scalar::Double(-0.5)), 1);
  EXPECT_EQ(Cmp(Scalar::Int(2), Scalar::Double(2.5)), -1);
  EXPECT_EQ(Cmp(Scalar::Int(-2), Scalar::Double(-2.5)), 1);
  EXPECT_EQ(Cmp(Scalar::Int(-3), Scalar::Double(-2.5)), -1);
  EXPECT_EQ(Cmp(Scalar::UInt(2), Scalar::Double(2.5)), -1);
  EXPECT_EQ(Cmp(Scalar::UInt(3), Scalar::Double(2.5)), 1);
  EXPECT_EQ(Cmp(Scalar::Int(0), Scalar::Double(-0.0)), 0);
  EXPECT_EQ(Cmp(Scalar::Int(kI64Max), Scalar::Double(kInf)), -1);
  EXPECT_EQ(Cmp(Scalar::Int(kI64Min), Scalar::Double(-kInf)), 1);
  EXPECT_EQ(Cmp(Scalar::Double(1.5, float32()), Scalar::Int(1, int16())), 1);
}

TEST(CompareScalarsTest, NaNSortsLast) {
  EXPECT_EQ(Cmp(Scalar::Double(kNaN), Scalar::Double(kNaN)), 0);
  EXPECT_EQ(Cmp(Scalar::Double(kNaN), Scalar::Double(kInf)), 1);
  EXPECT_EQ(Cmp(Scalar::Double(kInf), Scalar::Double(kNaN)), -1);
  EXPECT_EQ(Cmp(Scalar::Int(kI64Max), Scalar::Double(kNaN)), -1);
  EXPECT_EQ(Cmp(Scalar::Double(kNaN), Scalar::UInt(kU64Max)), 1);
  EXPECT_EQ(Cmp(Scalar::Double(0.0), Scalar::Double(-0.0)), 0);
}

TEST(CompareScalarsTest, StringsBoolsAndIncomparables) {
  EXPECT_EQ(Cmp(Scalar::String("a"), Scalar::String("b")), -1);
  EXPECT_EQ(Cmp(Scalar::String("b"), Scalar::String("ab")), 1);
  EXPECT_EQ(Cmp(Scalar::String("a"), Scalar::String("a", large_utf8())), 0);
  EXPECT_EQ(Cmp(Scalar::String("\xff"), Scalar::String("a")), 1);  // bytewise, unsigned
  EXPECT_EQ(Cmp(Scalar::Bool(false), Scalar::Bool(true)), -1);
  EXPECT_EQ(Cmp(Scalar::Bool(true), Scalar::Bool(true)), 0);
  EXPECT_EQ(Cmp(Scalar::Bool(true), Scalar::Int(1)), std::nullopt);
  EXPECT_EQ(Cmp(Scalar::String("1"), Scalar::Int(1)), std::nullopt);
  EXPECT_EQ(Cmp(Scalar::Date(1), Scalar::Int(1)), std::nullopt);
  EXPECT_EQ(Cmp(Scalar::Null(), Scalar::Int(1)), std::nullopt);
  EXPECT_EQ(Cmp(Scalar::Int(1), Scalar::Null(int64())), std::nullopt);
}

TEST(CompareScalarsTest, DatesAndTimestamps) {
  EXPECT_EQ(Cmp(Scalar::Date(1), Scalar::Date(2)), -1);
  const TypePtr s = timestamp(TimeUnit::kSecond), ns = timestamp(TimeUnit::kNano);
  EXPECT_EQ(Cmp(Scalar::Timestamp(1, s), Scalar::Timestamp(1000000000, ns)), 0);
  EXPECT_EQ(Cmp(Scalar::Timestamp(1, s), Scalar::Timestamp(1000000001, ns)), -1);
  EXPECT_EQ(Cmp(Scalar::Timestamp(-1, s), Scalar::Timestamp(-999999999, ns)), -1);
  // Far beyond nanoseconds' range: still exact.
  EXPECT_EQ(Cmp(Scalar::Timestamp(kI64Max, s), Scalar::Timestamp(kI64Max, ns)), 1);
  EXPECT_EQ(Cmp(Scalar::Timestamp(5, timestamp(TimeUnit::kMilli, "UTC")),
                Scalar::Timestamp(5000, timestamp(TimeUnit::kMicro))),
            0);
  // A date is midnight UTC.
  EXPECT_EQ(Cmp(Scalar::Date(1), Scalar::Timestamp(86400, s)), 0);
  EXPECT_EQ(Cmp(Scalar::Date(1), Scalar::Timestamp(86400000001, timestamp(TimeUnit::kMicro))), -1);
  EXPECT_EQ(Cmp(Scalar::Timestamp(86399, s), Scalar::Date(1)), -1);
  EXPECT_EQ(Cmp(Scalar::Date(-1), Scalar::Timestamp(-1, s)), -1);
}

TEST(ScalarArrayTest, RoundTripsEveryType) {
  std::vector<Scalar> values = {
      Scalar::Bool(true),
      Scalar::Bool(false),
      Scalar::Int(-5, int8()),
      Scalar::Int(-300, int16()),
      Scalar::Int(70000, int32()),
      Scalar::Int(kI64Min),
      Scalar::UInt(255, uint8()),
      Scalar::UInt(65535, uint16()),
      Scalar::UInt(4000000000u, uint32()),
      Scalar::UInt(kU64Max),
      Scalar::Double(1.5, float16()),
      Scalar::Double(0.25, float32()),
      Scalar::Double(-1e300),
      Scalar::String("héllo"),
      Scalar::String("", large_utf8()),
      Scalar::String(std::string("\0\x01", 2), binary()),
      Scalar::String("xyz", large_binary()),
      Scalar::Date(-3),
      Scalar::Timestamp(123456789, timestamp(TimeUnit::kNano, "UTC")),
      Scalar::Null(int32()),
      Scalar::Null(utf8()),
      Scalar::Null(),
  };
  for (const Scalar& v : values) {
    SCOPED_TRACE(v.type->ToString() + " " + v.ToString());
    Result<ArrayPtr> a = MakeArrayFromScalar(v, 10);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE((*a)->Validate().ok()) << (*a)->Validate().ToString();
    EXPECT_EQ((*a)->length(), 10);
    EXPECT_TRUE((*a)->type()->Equals(*v.type));
    EXPECT_EQ((*a)->null_count(), v.is_null() ? 10 : 0);
    for (int64_t i : {0, 9}) {
      Result<Scalar> back = ScalarFromArray(**a, i);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_TRUE(back->Equals(v)) << back->ToString();
    }
    Result<ArrayPtr> empty = MakeArrayFromScalar(v, 0);
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ((*empty)->length(), 0);
    EXPECT_TRUE((*empty)->Validate().ok());
  }
}

TEST(ScalarArrayTest, FromBuiltArrays) {
  auto b = ArrayBuilder::Make(float32());
  ASSERT_TRUE(b->AppendDouble(0.1).ok());
  ASSERT_TRUE(b->AppendNull().ok());
  ArrayPtr a = b->Finish();
  Result<Scalar> s = ScalarFromArray(*a, 0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(std::get<double>(s->value), static_cast<double>(0.1f));
  EXPECT_TRUE(s->type->Equals(*float32()));
  EXPECT_TRUE(ScalarFromArray(*a, 1)->Equals(Scalar::Null(float32())));
  // Offsets of slices are honoured.
  auto sb = ArrayBuilder::Make(utf8());
  for (const char* v : {"a", "bb", "ccc"}) ASSERT_TRUE(sb->AppendString(v).ok());
  ArrayPtr sliced = sb->Finish()->Slice(1, 2);
  EXPECT_TRUE(ScalarFromArray(*sliced, 1)->Equals(Scalar::String("ccc")));
  EXPECT_TRUE(ScalarFromArray(*sliced, 2).status().IsInvalidArgument());
  EXPECT_TRUE(ScalarFromArray(*sliced, -1).status().IsInvalidArgument());
}

TEST(ScalarArrayTest, Errors) {
  auto lb = ArrayBuilder::Make(list(int32()));
  ASSERT_TRUE(lb->AppendNull().ok());
  EXPECT_TRUE(ScalarFromArray(*lb->Finish(), 0).status().IsNotSupported());
  EXPECT_TRUE(MakeArrayFromScalar(Scalar::Null(vector_type(4)), 3).status().IsNotSupported());
  EXPECT_THAT(MakeArrayFromScalar(Scalar::Int(300, int8()), 3).status().message(),
              HasSubstr("value 300 is out of range for type int8"));
  EXPECT_TRUE(MakeArrayFromScalar(Scalar::Int(-1, uint32()), 3).status().IsInvalidArgument());
  EXPECT_TRUE(MakeArrayFromScalar(Scalar::UInt(kU64Max, int64()), 3).status().IsInvalidArgument());
  EXPECT_TRUE(MakeArrayFromScalar(Scalar::String("x", int64()), 3).status().IsInvalidArgument());
  EXPECT_TRUE(MakeArrayFromScalar(Scalar::Int(1), -1).status().IsInvalidArgument());
  EXPECT_TRUE(MakeArrayFromScalar(Scalar{date32(), int64_t{1} << 40}, 1).status().IsInvalidArgument());
  // Integers are accepted for float columns.
  Result<ArrayPtr> f = MakeArrayFromScalar(Scalar::Int(3, float64()), 2);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->values<double>()[1], 3.0);
}

}  // namespace
}  // namespace quiver::expr
