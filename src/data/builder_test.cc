#include "quiver/builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/float16.h"

namespace quiver {
namespace {

using ::testing::HasSubstr;

#define ASSERT_OK(expr)                      \
  do {                                       \
    ::quiver::Status _st = (expr);           \
    ASSERT_TRUE(_st.ok()) << _st.ToString(); \
  } while (0)

TEST(BuilderTest, Int64WithNulls) {
  auto b = ArrayBuilder::Make(int64());
  ASSERT_OK(b->AppendInt(1));
  ASSERT_OK(b->AppendNull());
  ASSERT_OK(b->AppendInt(-3));
  ASSERT_OK(b->AppendUInt(4));
  ASSERT_OK(b->AppendDouble(5.0));
  EXPECT_EQ(b->length(), 5);
  ArrayPtr a = b->Finish();
  EXPECT_EQ(b->length(), 0);
  ASSERT_OK(a->Validate());
  EXPECT_EQ(a->length(), 5);
  EXPECT_EQ(a->null_count(), 1);
  EXPECT_TRUE(a->IsNull(1));
  EXPECT_EQ(a->values<int64_t>()[0], 1);
  EXPECT_EQ(a->values<int64_t>()[2], -3);
  EXPECT_EQ(a->values<int64_t>()[3], 4);
  EXPECT_EQ(a->values<int64_t>()[4], 5);
  // The builder is reusable after Finish.
  ASSERT_OK(b->AppendInt(9));
  ArrayPtr a2 = b->Finish();
  EXPECT_EQ(a2->length(), 1);
  EXPECT_EQ(a2->null_count(), 0);
  EXPECT_EQ(a2->buffer(0), nullptr);
}

TEST(BuilderTest, IntegerRangeAndIntegrality) {
  auto b = ArrayBuilder::Make(int8());
  ASSERT_OK(b->AppendInt(127));
  ASSERT_OK(b->AppendInt(-128));
  Status s = b->AppendInt(128);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "value 128 is out of range for a column of type int8");
  EXPECT_TRUE(b->AppendUInt(200).IsInvalidArgument());
  s = b->AppendDouble(1.5);
  EXPECT_EQ(s.message(), "value 1.5 is not an integer (column type int8)");
  EXPECT_TRUE(b->AppendDouble(std::nan("")).IsInvalidArgument());
  EXPECT_TRUE(b->AppendDouble(128.0).IsInvalidArgument());
  ASSERT_OK(b->AppendDouble(-128.0));
  EXPECT_EQ(b->length(), 3);  // failed appends leave no trace

  auto u = ArrayBuilder::Make(uint64());
  EXPECT_TRUE(u->AppendInt(-1).IsInvalidArgument());
  ASSERT_OK(u->AppendUInt(std::numeric_limits<uint64_t>::max()));
  EXPECT_TRUE(u->AppendDouble(18446744073709551616.0).IsInvalidArgument());
  auto a = u->Finish();
  EXPECT_EQ(a->values<uint64_t>()[0], std::numeric_limits<uint64_t>::max());

  auto i64 = ArrayBuilder::Make(int64());
  EXPECT_TRUE(i64->AppendUInt(uint64_t{1} << 63).IsInvalidArgument());
  EXPECT_TRUE(i64->AppendDouble(9223372036854775808.0).IsInvalidArgument());
  ASSERT_OK(i64->AppendDouble(-9223372036854775808.0));
}

TEST(BuilderTest, FloatsConvertIntegers) {
  auto b = ArrayBuilder::Make(float32());
  ASSERT_OK(b->AppendInt(3));
  ASSERT_OK(b->AppendDouble(0.5));
  ASSERT_OK(b->AppendUInt(7));
  auto a = b->Finish();
  EXPECT_EQ(a->values<float>()[0], 3.0f);
  EXPECT_EQ(a->values<float>()[1], 0.5f);
  EXPECT_EQ(a->values<float>()[2], 7.0f);

  auto h = ArrayBuilder::Make(float16());
  ASSERT_OK(h->AppendDouble(1.5));
  ASSERT_OK(h->AppendInt(-2));
  ASSERT_OK(h->AppendNull());
  auto ha = h->Finish();
  ASSERT_OK(ha->Validate());
  EXPECT_EQ(HalfToFloat(ha->values<uint16_t>()[0]), 1.5f);
  EXPECT_EQ(HalfToFloat(ha->values<uint16_t>()[1]), -2.0f);
  EXPECT_EQ(ha->FormatValue(0), "1.5");
  EXPECT_EQ(ha->FormatValue(2), "null");
}

TEST(BuilderTest, TypeErrorsAreClear) {
  auto b = ArrayBuilder::Make(int64());
  Status s = b->AppendString("abc");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "cannot append string \"abc\" to a column of type int64");
  EXPECT_EQ(b->AppendBool(true).message(), "cannot append boolean true to a column of type int64");
  EXPECT_TRUE(b->AppendList().IsInvalidArgument());
  EXPECT_TRUE(b->AppendStruct().IsInvalidArgument());
  float v[2] = {1, 2};
  EXPECT_TRUE(b->AppendVector(v, 2).IsInvalidArgument());
  EXPECT_EQ(b->child(0), nullptr);
  EXPECT_EQ(b->num_children(), 0);

  auto str = ArrayBuilder::Make(utf8());
  EXPECT_EQ(str->AppendInt(5).message(), "cannot append integer 5 to a column of type string");
  EXPECT_EQ(str->AppendDouble(2.5).message(), "cannot append number 2.5 to a column of type string");
  EXPECT_EQ(b->length(), 0);
  EXPECT_EQ(str->length(), 0);
}

TEST(BuilderTest, Bool) {
  auto b = ArrayBuilder::Make(boolean());
  for (int i = 0; i < 20; ++i) ASSERT_OK(i % 5 == 0 ? b->AppendNull() : b->AppendBool(i % 2 == 0));
  ASSERT_OK(b->AppendInt(1));
  ASSERT_OK(b->AppendInt(0));
  EXPECT_TRUE(b->AppendInt(2).IsInvalidArgument());
  auto a = b->Finish();
  ASSERT_OK(a->Validate());
  EXPECT_EQ(a->length(), 22);
  EXPECT_EQ(a->null_count(), 4);
  for (int i = 0; i < 20; ++i) {
    if (i % 5 == 0) {
      EXPECT_TRUE(a->IsNull(i));
    } else {
      EXPECT_EQ(a->GetBool(i), i % 2 == 0) << i;
    }
  }
  EXPECT_TRUE(a->GetBool(20));
  EXPECT_FALSE(a->GetBool(21));
  EXPECT_EQ(a->FormatValue(2), "true");
  EXPECT_EQ(a->FormatValue(3), "false");
}

TEST(BuilderTest, StringsAndBinary) {
  for (auto type : {utf8(), large_utf8(), binary(), large_binary()}) {
    SCOPED_TRACE(type->ToString());
    auto b = ArrayBuilder::Make(type);
    ASSERT_OK(b->AppendString("hello"));
    ASSERT_OK(b->AppendNull());
    ASSERT_OK(b->AppendString(""));
    ASSERT_OK(b->AppendString("wörld"));
    auto a = b->Finish();
    ASSERT_OK(a->Validate());
    EXPECT_EQ(a->length(), 4);
    EXPECT_EQ(a->null_count(), 1);
    EXPECT_EQ(a->GetView(0), "hello");
    EXPECT_EQ(a->GetView(1), "");
    EXPECT_EQ(a->GetView(2), "");
    EXPECT_EQ(a->GetView(3), "wörld");
    EXPECT_FALSE(a->IsNull(2));
  }
}

TEST(BuilderTest, Utf8IsValidated) {
  auto b = ArrayBuilder::Make(utf8());
  EXPECT_TRUE(b->AppendString("\xff\xfe").IsInvalidArgument());
  EXPECT_TRUE(b->AppendString("\xc0\x80").IsInvalidArgument());      // overlong NUL
  EXPECT_TRUE(b->AppendString("\xed\xa0\x80").IsInvalidArgument());  // surrogate
  EXPECT_TRUE(b->AppendString("abc\xe2\x82").IsInvalidArgument());   // truncated
  ASSERT_OK(b->AppendString("\xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_EQ(b->length(), 1);
  auto bin = ArrayBuilder::Make(binary());
  ASSERT_OK(bin->AppendString(std::string("\xff\x00\x01", 3)));
  auto a = bin->Finish();
  EXPECT_EQ(a->GetView(0).size(), 3u);
  EXPECT_EQ(a->FormatValue(0), "0xff0001");
}

TEST(BuilderTest, VectorsFloat32) {
  auto b = ArrayBuilder::Make(vector_type(3));
  float v1[3] = {1, 2, 3};
  float v2[3] = {4, 5, 6};
  ASSERT_OK(b->AppendVector(v1, 3));
  ASSERT_OK(b->AppendNull());
  ASSERT_OK(b->AppendVector(v2, 3));
  Status s = b->AppendVector(v1, 2);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "vector has dimension 2, column type fixed_size_list<float>[3] expects 3");
  auto a = b->Finish();
  ASSERT_OK(a->Validate());
  EXPECT_EQ(a->length(), 3);
  EXPECT_EQ(a->null_count(), 1);
  EXPECT_EQ(a->child(0)->length(), 9);
  const float* values = a->child(0)->values<float>();
  EXPECT_EQ(values[0], 1);
  EXPECT_EQ(values[8], 6);
  EXPECT_EQ(a->FormatValue(0), "[1, 2, 3]");
  EXPECT_EQ(a->FormatValue(1), "null");
  EXPECT_EQ(a->FormatValue(2), "[4, 5, 6]");
  EXPECT_EQ(a->ListRange(2), (std::pair<int64_t, int64_t>(6, 9)));
}

TEST(BuilderTest, VectorsConvertToElementType) {
  float v[4] = {1, -2, 3.5f, 0};
  auto h = ArrayBuilder::Make(vector_type(4, float16()));
  ASSERT_OK(h->AppendVector(v, 4));
  auto ha = h->Finish();
  ASSERT_OK(ha->Validate());
  EXPECT_EQ(HalfToFloat(ha->child(0)->values<uint16_t>()[2]), 3.5f);
  EXPECT_EQ(ha->FormatValue(0), "[1, -2, 3.5, 0]");

  auto i8 = ArrayBuilder::Make(vector_type(4, int8()));
  Status s = i8->AppendVector(v, 4);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_THAT(s.message(), HasSubstr("element 2"));
  EXPECT_THAT(s.message(), HasSubstr("not an integer"));
  EXPECT_EQ(i8->length(), 0);
  EXPECT_EQ(i8->child(0)->length(), 0);  // all or nothing
  float ints[4] = {1, -2, 127, -128};
  ASSERT_OK(i8->AppendVector(ints, 4));
  auto ia = i8->Finish();
  EXPECT_EQ(ia->child(0)->values<int8_t>()[3], -128);

  auto u8 = ArrayBuilder::Make(vector_type(4, uint8()));
  EXPECT_THAT(u8->AppendVector(ints, 4).message(), HasSubstr("out of range"));
  float bytes[4] = {0, 255, 1, 2};
  ASSERT_OK(u8->AppendVector(bytes, 4));
  EXPECT_EQ(u8->Finish()->child(0)->values<uint8_t>()[1], 255);

  auto f64 = ArrayBuilder::Make(vector_type(4, float64()));
  ASSERT_OK(f64->AppendVector(v, 4));
  EXPECT_EQ(f64->Finish()->child(0)->values<double>()[2], 3.5);
}

TEST(BuilderTest, FixedSizeListThroughChild) {
  auto b = ArrayBuilder::Make(vector_type(2));
  ASSERT_EQ(b->num_children(), 1);
  ASSERT_OK(b->child(0)->AppendDouble(1));
  Status s = b->AppendList();
  EXPECT_EQ(s.message(), "row has 1 values, column type fixed_size_list<float>[2] expects 2");
  EXPECT_TRUE(b->AppendNull().IsInvalidArgument());
  ASSERT_OK(b->child(0)->AppendNull());
  ASSERT_OK(b->AppendList());
  auto a = b->Finish();
  ASSERT_OK(a->Validate());
  EXPECT_EQ(a->FormatValue(0), "[1, null]");
}

TEST(BuilderTest, ListOfStrings) {
  auto b = ArrayBuilder::Make(list(utf8()));
  ASSERT_OK(b->child(0)->AppendString("a"));
  ASSERT_OK(b->child(0)->AppendString("b"));
  ASSERT_OK(b->AppendList());
  ASSERT_OK(b->AppendNull());
  ASSERT_OK(b->AppendList());  // empty list
  ASSERT_OK(b->child(0)->AppendNull());
  ASSERT_OK(b->AppendList());
  ASSERT_OK(b->child(0)->AppendString("pending"));
  EXPECT_TRUE(b->AppendNull().IsInvalidArgument());
  ASSERT_OK(b->AppendList());
  auto a = b->Finish();
  ASSERT_OK(a->Validate());
  EXPECT_EQ(a->length(), 5);
  EXPECT_EQ(a->FormatValue(0), "[\"a\", \"b\"]");
  EXPECT_EQ(a->FormatValue(1), "null");
  EXPECT_EQ(a->FormatValue(2), "[]");
  EXPECT_EQ(a->FormatValue(3), "[null]");
  EXPECT_EQ(a->FormatValue(4), "[\"pending\"]");
  EXPECT_EQ(a->ListRange(0), (std::pair<int64_t, int64_t>(0, 2)));
  EXPECT_EQ(a->ListRange(2), (std::pair<int64_t, int64_t>(2, 2)));
}

TEST(BuilderTest, LargeListAndAppendVectorOnList) {
  auto b = ArrayBuilder::Make(DataType::List(Field("item", float32()), true));
  float v[3] = {1, 2, 3};
  ASSERT_OK(b->AppendVector(v, 3));
  ASSERT_OK(b->AppendVector(v, 1));
  auto a = b->Finish();
  ASSERT_OK(a->Validate());
  EXPECT_EQ(a->FormatValue(0), "[1, 2, 3]");
  EXPECT_EQ(a->FormatValue(1), "[1]");
  EXPECT_EQ(a->buffer(1)->size(), 3 * sizeof(int64_t));
}

TEST(BuilderTest, NestedListOfLists) {
  auto b = ArrayBuilder::Make(list(list(int32())));
  ArrayBuilder* inner = b->child(0);
  ASSERT_OK(inner->child(0)->AppendInt(1));
  ASSERT_OK(inner->child(0)->AppendInt(2));
  ASSERT_OK(inner->AppendList());
  ASSERT_OK(inner->AppendNull());
  ASSERT_OK(b->AppendList());
  auto a = b->Finish();
  ASSERT_OK(a->Validate());
  EXPECT_EQ(a->FormatValue(0), "[[1, 2], null]");
}

TEST(BuilderTest, Struct) {
  auto type = struct_({Field("a", int32()), Field("b", utf8())});
  auto b = ArrayBuilder::Make(type);
  ASSERT_EQ(b->num_children(), 2);
  ASSERT_OK(b->child(0)->AppendInt(1));
  ASSERT_OK(b->child(1)->AppendString("x"));
  ASSERT_OK(b->AppendStruct());
  ASSERT_OK(b->AppendNull());
  ASSERT_OK(b->child(0)->AppendInt(2));
  Status s = b->AppendStruct();
  EXPECT_EQ(s.message(),
            "struct field \"b\" has 0 values for row 2; append exactly one value to every field before "
            "AppendStruct");
  EXPECT_TRUE(b->AppendNull().IsInvalidArgument());
  ASSERT_OK(b->child(1)->AppendNull());
  ASSERT_OK(b->AppendList());  // same as AppendStruct for structs
  EXPECT_EQ(b->child(2), nullptr);
  auto a = b->Finish();
  ASSERT_OK(a->Validate());
  EXPECT_EQ(a->length(), 3);
  EXPECT_EQ(a->null_count(), 1);
  EXPECT_EQ(a->FormatValue(0), "{a: 1, b: \"x\"}");
  EXPECT_EQ(a->FormatValue(1), "null");
  EXPECT_EQ(a->FormatValue(2), "{a: 2, b: null}");
}

TEST(BuilderTest, Date32) {
  auto b = ArrayBuilder::Make(date32());
  ASSERT_OK(b->AppendString("1970-01-01"));
  ASSERT_OK(b->AppendString("2024-02-29"));
  ASSERT_OK(b->AppendString("1969-12-31"));
  ASSERT_OK(b->AppendInt(19000));
  EXPECT_TRUE(b->AppendString("2023-02-29").IsInvalidArgument());
  EXPECT_TRUE(b->AppendString("2024-1-1").IsInvalidArgument());
  EXPECT_TRUE(b->AppendString("2024-01-01x").IsInvalidArgument());
  auto a = b->Finish();
  EXPECT_EQ(a->values<int32_t>()[0], 0);
  EXPECT_EQ(a->values<int32_t>()[1], 19782);
  EXPECT_EQ(a->values<int32_t>()[2], -1);
  EXPECT_EQ(a->FormatValue(1), "2024-02-29");
  EXPECT_EQ(a->FormatValue(2), "1969-12-31");
  EXPECT_EQ(a->FormatValue(3), "2022-01-08");
}

TEST(BuilderTest, Timestamps) {
  auto b = ArrayBuilder::Make(timestamp(TimeUnit::kMicro, "UTC"));
  ASSERT_OK(b->AppendString("2024-01-02T03:04:05.123456Z"));
  ASSERT_OK(b->AppendString("2024-01-02 03:04:05"));
  ASSERT_OK(b->AppendString("2024-01-02T05:04:05+02:00"));
  ASSERT_OK(b->AppendString("1969-12-31T23:59:59.5Z"));
  ASSERT_OK(b->AppendString("2024-01-02"));
  ASSERT_OK(b->AppendInt(0));
  EXPECT_TRUE(b->AppendString("2024-01-02T03:04:05.1234567").IsInvalidArgument());  // finer than us
  EXPECT_TRUE(b->AppendString("2024-01-02T25:00").IsInvalidArgument());
  EXPECT_TRUE(b->AppendString("yesterday").IsInvalidArgument());
  auto a = b->Finish();
  ASSERT_OK(a->Validate());
  EXPECT_EQ(a->values<int64_t>()[0], 1704164645123456);
  EXPECT_EQ(a->values<int64_t>()[1], 1704164645000000);
  EXPECT_EQ(a->values<int64_t>()[2], 1704164645000000);
  EXPECT_EQ(a->values<int64_t>()[3], -500000);
  EXPECT_EQ(a->FormatValue(0), "2024-01-02 03:04:05.123456Z");
  EXPECT_EQ(a->FormatValue(3), "1969-12-31 23:59:59.500000Z");
  EXPECT_EQ(a->FormatValue(5), "1970-01-01 00:00:00.000000Z");

  auto s = ArrayBuilder::Make(timestamp(TimeUnit::kSecond));
  ASSERT_OK(s->AppendString("2000-01-01T00:00:00"));
  EXPECT_TRUE(s->AppendString("2000-01-01T00:00:00.5").IsInvalidArgument());
  auto sa = s->Finish();
  EXPECT_EQ(sa->values<int64_t>()[0], 946684800);
  EXPECT_EQ(sa->FormatValue(0), "2000-01-01 00:00:00");

  auto ns = ArrayBuilder::Make(timestamp(TimeUnit::kNano));
  ASSERT_OK(ns->AppendString("2262-04-11T23:47:16.854775807"));
  EXPECT_TRUE(ns->AppendString("2262-04-11T23:47:16.854775808").IsInvalidArgument());
  EXPECT_EQ(ns->Finish()->values<int64_t>()[0], std::numeric_limits<int64_t>::max());
}

TEST(BuilderTest, NullType) {
  auto b = ArrayBuilder::Make(null_type());
  ASSERT_OK(b->AppendNull());
  ASSERT_OK(b->AppendNull());
  EXPECT_TRUE(b->AppendInt(1).IsInvalidArgument());
  auto a = b->Finish();
  ASSERT_OK(a->Validate());
  EXPECT_EQ(a->length(), 2);
  EXPECT_EQ(a->null_count(), 2);
  EXPECT_TRUE(a->IsNull(1));
}

TEST(BuilderTest, EveryTypeBuildsValidNulls) {
  std::vector<TypePtr> types = {null_type(),
                                boolean(),
                                int8(),
                                int16(),
                                int32(),
                                int64(),
                                uint8(),
                                uint16(),
                                uint32(),
                                uint64(),
                                float16(),
                                float32(),
                                float64(),
                                utf8(),
                                large_utf8(),
                                binary(),
                                large_binary(),
                                date32(),
                                timestamp(TimeUnit::kNano),
                                vector_type(3),
                                list(int32()),
                                DataType::List(Field("item", utf8()), true),
                                struct_({Field("a", int32()), Field("b", list(utf8()))})};
  for (const auto& t : types) {
    SCOPED_TRACE(t->ToString());
    auto b = ArrayBuilder::Make(t);
    ASSERT_NE(b, nullptr);
    for (int i = 0; i < 10; ++i) ASSERT_OK(b->AppendNull());
    auto a = b->Finish();
    ASSERT_OK(a->Validate());
    EXPECT_EQ(a->null_count(), 10);
    EXPECT_TRUE(a->Equals(*MakeNullArray(t, 10)));
  }
}

}  // namespace
}  // namespace quiver
