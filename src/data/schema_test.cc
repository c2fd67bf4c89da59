#include "quiver/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace quiver {
namespace {

using ::testing::HasSubstr;

TEST(DataTypeTest, PrimitiveSingletons) {
  EXPECT_EQ(int64().get(), int64().get());
  EXPECT_EQ(DataType::Make(TypeId::kFloat32).get(), float32().get());
  EXPECT_EQ(int32()->id(), TypeId::kInt32);
  EXPECT_TRUE(utf8()->Equals(*DataType::Make(TypeId::kUtf8)));
  EXPECT_FALSE(utf8()->Equals(*large_utf8()));
  EXPECT_EQ(DataType::Make(TypeId::kList), nullptr);
  EXPECT_EQ(DataType::Make(TypeId::kStruct)->ToString(), "struct<>");
}

TEST(DataTypeTest, ToString) {
  EXPECT_EQ(null_type()->ToString(), "null");
  EXPECT_EQ(boolean()->ToString(), "bool");
  EXPECT_EQ(int8()->ToString(), "int8");
  EXPECT_EQ(uint64()->ToString(), "uint64");
  EXPECT_EQ(int64()->ToString(), "int64");
  EXPECT_EQ(float16()->ToString(), "halffloat");
  EXPECT_EQ(float32()->ToString(), "float");
  EXPECT_EQ(float64()->ToString(), "double");
  EXPECT_EQ(utf8()->ToString(), "string");
  EXPECT_EQ(large_utf8()->ToString(), "large_string");
  EXPECT_EQ(binary()->ToString(), "binary");
  EXPECT_EQ(large_binary()->ToString(), "large_binary");
  EXPECT_EQ(date32()->ToString(), "date32");
  EXPECT_EQ(vector_type(128)->ToString(), "fixed_size_list<float>[128]");
  EXPECT_EQ(vector_type(8, uint8())->ToString(), "fixed_size_list<uint8>[8]");
  EXPECT_EQ(list(utf8())->ToString(), "list<string>");
  EXPECT_EQ(DataType::List(Field("item", int32()), true)->ToString(), "large_list<int32>");
  EXPECT_EQ(DataType::List(Field("element", int32(), false))->ToString(), "list<element: int32 not null>");
  EXPECT_EQ(struct_({Field("a", int32()), Field("b", utf8())})->ToString(), "struct<a: int32, b: string>");
  EXPECT_EQ(timestamp(TimeUnit::kMicro, "UTC")->ToString(), "timestamp[us, tz=UTC]");
  EXPECT_EQ(timestamp(TimeUnit::kNano)->ToString(), "timestamp[ns]");
  EXPECT_EQ(timestamp(TimeUnit::kSecond)->ToString(), "timestamp[s]");
  EXPECT_EQ(timestamp(TimeUnit::kMilli, "+01:00")->ToString(), "timestamp[ms, tz=+01:00]");
  EXPECT_EQ(struct_({Field("my col", int32(), false)})->ToString(), "struct<\"my col\": int32 not null>");
}

TEST(DataTypeTest, Properties) {
  EXPECT_EQ(boolean()->bit_width(), 1);
  EXPECT_EQ(float16()->bit_width(), 16);
  EXPECT_EQ(date32()->bit_width(), 32);
  EXPECT_EQ(timestamp(TimeUnit::kMilli)->bit_width(), 64);
  EXPECT_EQ(utf8()->bit_width(), 0);
  EXPECT_TRUE(int8()->is_integer());
  EXPECT_FALSE(float32()->is_integer());
  EXPECT_TRUE(float16()->is_floating());
  EXPECT_TRUE(uint16()->is_numeric());
  EXPECT_FALSE(date32()->is_numeric());
  EXPECT_TRUE(large_binary()->is_string_like());
  EXPECT_TRUE(large_binary()->is_large_offsets());
  EXPECT_FALSE(utf8()->is_large_offsets());
  EXPECT_TRUE(vector_type(4)->is_list_like());
  EXPECT_TRUE(vector_type(4)->is_vector());
  EXPECT_TRUE(vector_type(4, float16())->is_vector());
  EXPECT_TRUE(vector_type(4, int8())->is_vector());
  EXPECT_FALSE(vector_type(4, float64())->is_vector());
  EXPECT_FALSE(list(float32())->is_vector());
  EXPECT_EQ(null_type()->num_buffers(), 0);
  EXPECT_EQ(int32()->num_buffers(), 2);
  EXPECT_EQ(utf8()->num_buffers(), 3);
  EXPECT_EQ(list(int32())->num_buffers(), 2);
  EXPECT_EQ(vector_type(3)->num_buffers(), 1);
  EXPECT_EQ(struct_({})->num_buffers(), 1);
  EXPECT_EQ(vector_type(3)->list_size(), 3);
  EXPECT_EQ(vector_type(3)->value_type()->id(), TypeId::kFloat32);
}

TEST(DataTypeTest, Equals) {
  EXPECT_TRUE(vector_type(128)->Equals(*vector_type(128)));
  EXPECT_FALSE(vector_type(128)->Equals(*vector_type(96)));
  EXPECT_FALSE(vector_type(128)->Equals(*vector_type(128, float16())));
  EXPECT_TRUE(timestamp(TimeUnit::kMicro, "UTC")->Equals(*timestamp(TimeUnit::kMicro, "UTC")));
  EXPECT_FALSE(timestamp(TimeUnit::kMicro, "UTC")->Equals(*timestamp(TimeUnit::kMicro)));
  EXPECT_FALSE(timestamp(TimeUnit::kMicro)->Equals(*timestamp(TimeUnit::kMilli)));
  // List element names are labels; nullability is part of the type.
  EXPECT_TRUE(DataType::List(Field("element", int32()))->Equals(*list(int32())));
  EXPECT_FALSE(DataType::List(Field("item", int32(), false))->Equals(*list(int32())));
  EXPECT_FALSE(list(int32())->Equals(*DataType::List(Field("item", int32()), true)));
  // Struct member names matter.
  EXPECT_TRUE(struct_({Field("a", int32())})->Equals(*struct_({Field("a", int32())})));
  EXPECT_FALSE(struct_({Field("a", int32())})->Equals(*struct_({Field("b", int32())})));
  EXPECT_FALSE(struct_({Field("a", int32())})->Equals(*struct_({Field("a", int32()), Field("b", int32())})));
}

TEST(FieldTest, ToStringAndEquals) {
  Field f("vector", vector_type(128), false);
  EXPECT_EQ(f.ToString(), "vector: fixed_size_list<float>[128] not null");
  EXPECT_EQ(Field("id", int64()).ToString(), "id: int64");
  EXPECT_TRUE(f.Equals(Field("vector", vector_type(128), false)));
  EXPECT_FALSE(f.Equals(Field("vector", vector_type(128), true)));
  EXPECT_FALSE(f.Equals(Field("vec", vector_type(128), false)));
  Field g("vector", vector_type(128), false, {{"k", "v"}});
  EXPECT_TRUE(f.Equals(g));
  EXPECT_FALSE(f.Equals(g, /*check_metadata=*/true));
}

TEST(ParseTypeTest, RoundTripsEveryType) {
  std::vector<TypePtr> types = {
      null_type(),
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
      timestamp(TimeUnit::kSecond),
      timestamp(TimeUnit::kMilli, "UTC"),
      timestamp(TimeUnit::kMicro, "UTC"),
      timestamp(TimeUnit::kNano, "America/New_York"),
      timestamp(TimeUnit::kMicro, "+05:30"),
      vector_type(128),
      vector_type(0),
      vector_type(16, float16()),
      vector_type(32, uint8()),
      list(utf8()),
      list(list(int32())),
      DataType::List(Field("item", float64()), true),
      DataType::List(Field("element", int32(), false)),
      DataType::FixedSizeList(Field("x y", float32(), false), 3),
      struct_({}),
      struct_({Field("a", int32()), Field("b", utf8(), false)}),
      struct_({Field("nested", struct_({Field("v", vector_type(4))})), Field("l", list(boolean()))}),
      struct_({Field("", int8()), Field("quote\"back\\slash", int8()), Field("a,b<c>:d", int8())}),
      struct_({Field("int32", int32()), Field("not", utf8())}),
  };
  for (const auto& t : types) {
    SCOPED_TRACE(t->ToString());
    auto parsed = ParseType(t->ToString());
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_TRUE((*parsed)->Equals(*t)) << (*parsed)->ToString();
    EXPECT_EQ((*parsed)->ToString(), t->ToString());
  }
}

TEST(ParseTypeTest, AcceptsAliasesAndSpaces) {
  EXPECT_TRUE((*ParseType("float16"))->Equals(*float16()));
  EXPECT_TRUE((*ParseType("float32"))->Equals(*float32()));
  EXPECT_TRUE((*ParseType("utf8"))->Equals(*utf8()));
  EXPECT_TRUE((*ParseType("  fixed_size_list < float > [ 8 ] "))->Equals(*vector_type(8)));
  EXPECT_TRUE((*ParseType("list<item: string>"))->Equals(*list(utf8())));
  EXPECT_TRUE((*ParseType("timestamp[us,tz=UTC]"))->Equals(*timestamp(TimeUnit::kMicro, "UTC")));
}

TEST(ParseTypeTest, RejectsGarbage) {
  for (const char* bad : {"", "int", "int64x", "list<>", "list<int32", "fixed_size_list<float>",
                          "fixed_size_list<float>[-1]", "fixed_size_list<float>[x]", "struct<int32>",
                          "struct<a: int32,>", "timestamp[h]", "timestamp[us, tz=]", "timestamp[us",
                          "struct<\"unterminated: int32>", "int32 int32", "list<int32> extra"}) {
    SCOPED_TRACE(bad);
    auto r = ParseType(bad);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(r.status().IsInvalidArgument());
  }
  EXPECT_THAT(ParseType("list<foo>").status().message(), HasSubstr("unknown type \"foo\""));
}

TEST(ParseTypeTest, DeepNestingFailsCleanly) {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "list<";
  auto r = ParseType(deep);
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_THAT(r.status().message(), HasSubstr("nested too deeply"));
}

Schema MakeSchema() {
  return Schema({Field("id", int64(), false), Field("vector", vector_type(128)), Field("text", utf8()),
                 Field("category", utf8())},
                {{"owner", "tests"}});
}

TEST(SchemaTest, FieldLookup) {
  Schema s = MakeSchema();
  EXPECT_EQ(s.num_fields(), 4);
  EXPECT_EQ(s.FieldIndex("vector"), 1);
  EXPECT_EQ(s.FieldIndex("nope"), -1);
  auto f = s.GetField("text");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->name, "text");
}

TEST(SchemaTest, GetFieldSuggestsClosestNames) {
  Schema s = MakeSchema();
  auto r = s.GetField("vectr");
  ASSERT_TRUE(r.status().IsNotFound());
  EXPECT_EQ(r.status().message(), "no column named \"vectr\"; did you mean \"vector\"?");
  EXPECT_THAT(s.GetField("Text").status().message(), HasSubstr("\"text\""));
  EXPECT_THAT(Schema().GetField("x").status().message(), HasSubstr("no columns"));
}

TEST(SchemaTest, Project) {
  Schema s = MakeSchema();
  auto p = s.Project({"text", "id"});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ((*p)->num_fields(), 2);
  EXPECT_EQ((*p)->field(0).name, "text");
  EXPECT_EQ((*p)->field(1).name, "id");
  EXPECT_FALSE((*p)->field(1).nullable);
  EXPECT_EQ((*p)->metadata().at("owner"), "tests");
  EXPECT_TRUE(s.Project({"nope"}).status().IsNotFound());
  EXPECT_TRUE(s.Project({"id", "id"}).status().IsInvalidArgument());
  EXPECT_EQ((*s.Project({}))->num_fields(), 0);
}

TEST(SchemaTest, EqualsAndToString) {
  Schema s = MakeSchema();
  Schema t({Field("id", int64(), false), Field("vector", vector_type(128)), Field("text", utf8()),
            Field("category", utf8())});
  EXPECT_TRUE(s.Equals(t));
  EXPECT_FALSE(s.Equals(t, /*check_metadata=*/true));
  EXPECT_EQ(s.ToString(),
            "id: int64 not null\nvector: fixed_size_list<float>[128]\ntext: string\ncategory: string");
}

TEST(SchemaTest, CheckCompatibleAcceptsSameSchemaInAnyOrder) {
  Schema table = MakeSchema();
  EXPECT_TRUE(table.CheckCompatible(table).ok());
  Schema reordered({Field("vector", vector_type(128)), Field("category", utf8()), Field("id", int64()),
                    Field("text", utf8(), false)});
  EXPECT_TRUE(table.CheckCompatible(reordered).ok());
}

TEST(SchemaTest, CheckCompatibleNamesColumnAndBothTypes) {
  Schema table = MakeSchema();
  Schema data({Field("id", int64()), Field("vector", vector_type(96)), Field("text", utf8()),
               Field("category", utf8())});
  Status s = table.CheckCompatible(data);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(
      s.message(),
      "column \"vector\" has type fixed_size_list<float>[96], table expects fixed_size_list<float>[128]");
}

TEST(SchemaTest, CheckCompatibleMissingAndExtraColumns) {
  Schema table = MakeSchema();
  Schema missing({Field("id", int64()), Field("vector", vector_type(128)), Field("text", utf8())});
  Status s = table.CheckCompatible(missing);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "column \"category\" (string) is missing from the data");

  Schema extra({Field("id", int64()), Field("vector", vector_type(128)), Field("text", utf8()),
                Field("category", utf8()), Field("score", float32())});
  s = table.CheckCompatible(extra);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(
      s.message(),
      "column \"score\" (float) is not in the table schema (table columns: id, vector, text, category)");

  Schema dup({Field("id", int64()), Field("id", int64())});
  EXPECT_THAT(table.CheckCompatible(dup).message(), HasSubstr("appears twice"));
}

TEST(SchemaTest, CheckCompatibleNullabilityIsAValueCheck) {
  // Nullable data may go into a non-nullable column at schema level; whether
  // nulls occur is checked on the values (RecordBatch::CheckNulls).
  Schema table({Field("v", vector_type(2, float32()), false),
                Field("s", struct_({Field("a", int32(), false)}), false)});
  Schema data({Field("v", DataType::FixedSizeList(Field("element", float32(), false), 2)),
               Field("s", struct_({Field("a", int32(), true)}))});
  EXPECT_TRUE(table.CheckCompatible(data).ok());
  Schema renamed_member({Field("v", vector_type(2)), Field("s", struct_({Field("b", int32())}))});
  EXPECT_THAT(table.CheckCompatible(renamed_member).message(),
              HasSubstr("column \"s\" has type struct<b: int32>, table expects struct<a: int32 not null>"));
}

TEST(SchemaTest, CheckCompatibleTimestampUnits) {
  Schema table({Field("t", timestamp(TimeUnit::kMicro, "UTC"))});
  Schema data({Field("t", timestamp(TimeUnit::kNano, "UTC"))});
  EXPECT_EQ(table.CheckCompatible(data).message(),
            "column \"t\" has type timestamp[ns, tz=UTC], table expects timestamp[us, tz=UTC]");
}

}  // namespace
}  // namespace quiver
