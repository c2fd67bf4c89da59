#include "format/schema_json.h"

#include <gtest/gtest.h>

#include "format/format_test_util.h"

namespace quiver {
namespace {

using nlohmann::json;

// Field-by-field equality including names of list elements and all metadata,
// which Schema::Equals does not look at.
void ExpectFieldIdentical(const Field& a, const Field& b, const std::string& path) {
  EXPECT_EQ(a.name, b.name) << path;
  EXPECT_EQ(a.nullable, b.nullable) << path;
  EXPECT_EQ(a.metadata, b.metadata) << path;
  ASSERT_TRUE(a.type && b.type) << path;
  EXPECT_TRUE(a.type->Equals(*b.type)) << path << ": " << a.type->ToString() << " vs " << b.type->ToString();
  EXPECT_EQ(a.type->timezone(), b.type->timezone()) << path;
  ASSERT_EQ(a.type->children().size(), b.type->children().size()) << path;
  for (size_t i = 0; i < a.type->children().size(); ++i) {
    ExpectFieldIdentical(a.type->children()[i], b.type->children()[i],
                         path + "." + a.type->children()[i].name);
  }
}

SchemaPtr RoundTrip(const Schema& schema) {
  // Through text, as files store it.
  const std::string text = SchemaToJson(schema).dump();
  auto parsed = SchemaFromJson(json::parse(text));
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << text;
  return parsed.ok() ? *parsed : nullptr;
}

TEST(SchemaJsonTest, EveryTypeRoundTrips) {
  SchemaPtr schema = testing::AllTypesSchema();
  SchemaPtr back = RoundTrip(*schema);
  ASSERT_NE(back, nullptr);
  EXPECT_TRUE(back->Equals(*schema, /*check_metadata=*/true));
  ASSERT_EQ(back->num_fields(), schema->num_fields());
  for (int i = 0; i < schema->num_fields(); ++i) {
    ExpectFieldIdentical(schema->field(i), back->field(i), schema->field(i).name);
  }
  EXPECT_EQ(back->metadata(), schema->metadata());
}

TEST(SchemaJsonTest, TimestampsNullabilityAndMetadata) {
  std::vector<Field> fields;
  const TimeUnit units[] = {TimeUnit::kSecond, TimeUnit::kMilli, TimeUnit::kMicro, TimeUnit::kNano};
  for (TimeUnit u : units) fields.emplace_back("ts" + std::to_string(static_cast<int>(u)), timestamp(u));
  fields.emplace_back("tz", timestamp(TimeUnit::kNano, "Europe/Paris"), false, Metadata{{"unit", "ns"}});
  fields.emplace_back("list", DataType::List(Field("element", int64(), false, Metadata{{"k", "v"}})), false);
  fields.emplace_back("empty_struct", struct_({}));
  Schema schema(fields, Metadata{{"a", "1"}, {"b", ""}});
  SchemaPtr back = RoundTrip(schema);
  ASSERT_NE(back, nullptr);
  for (int i = 0; i < schema.num_fields(); ++i) {
    ExpectFieldIdentical(schema.field(i), back->field(i), schema.field(i).name);
  }
  EXPECT_EQ(back->field(4).type->timezone(), "Europe/Paris");
  EXPECT_EQ(back->field(4).type->unit(), TimeUnit::kNano);
  EXPECT_EQ(back->field(5).type->children()[0].name, "element");
  EXPECT_EQ(back->metadata(), schema.metadata());
}

TEST(SchemaJsonTest, FormIsReadable) {
  Schema schema({Field("vector", vector_type(128), false), Field("ts", timestamp(TimeUnit::kMilli, "UTC"))});
  json j = SchemaToJson(schema);
  EXPECT_EQ(j["fields"][0]["name"], "vector");
  EXPECT_EQ(j["fields"][0]["nullable"], false);
  EXPECT_EQ(j["fields"][0]["type"]["id"], "fixed_size_list");
  EXPECT_EQ(j["fields"][0]["type"]["size"], 128);
  EXPECT_EQ(j["fields"][0]["type"]["field"]["type"]["id"], "float32");
  EXPECT_EQ(j["fields"][1]["type"], json::parse(R"({"id": "timestamp", "unit": "ms", "timezone": "UTC"})"));
  EXPECT_FALSE(j.contains("metadata"));
  EXPECT_FALSE(j["fields"][0].contains("metadata"));
}

TEST(SchemaJsonTest, NonUtf8StringsSurvive) {
  const std::string bad_utf8 = std::string("caf\xC3", 4) + std::string("\xFF\x00z", 3);
  Schema schema({Field(bad_utf8, int32(), true, Metadata{{"k", bad_utf8}, {bad_utf8, "v"}})},
                Metadata{{"ok", "\xE2\x82\xAC"}, {"bin", std::string("\x80\x81", 2)}});
  json j = SchemaToJson(schema);
  EXPECT_NO_THROW((void)j.dump());
  EXPECT_EQ(j["metadata"]["ok"], "\xE2\x82\xAC");  // valid UTF-8 stays a string
  EXPECT_TRUE(j["fields"][0]["name"].is_object());
  EXPECT_TRUE(j["fields"][0]["metadata"].is_array());  // a non-UTF-8 key
  SchemaPtr back = RoundTrip(schema);
  ASSERT_NE(back, nullptr);
  ExpectFieldIdentical(schema.field(0), back->field(0), "field");
  EXPECT_EQ(back->metadata(), schema.metadata());
}

TEST(SchemaJsonTest, Base64LengthsRoundTrip) {
  for (size_t n = 0; n < 8; ++n) {
    std::string value(n, '\xFE');
    Schema schema({Field("x", int8(), true, Metadata{{"k", value}})});
    SchemaPtr back = RoundTrip(schema);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(back->field(0).metadata.at("k"), value) << n;
  }
}

TEST(SchemaJsonTest, MalformedInputIsInvalidArgument) {
  const char* cases[] = {
      R"([])",
      R"({})",
      R"({"fields": 3})",
      R"({"fields": [{"type": {"id": "int8"}}]})",
      R"({"fields": [{"name": "x"}]})",
      R"({"fields": [{"name": "x", "type": {"id": "int128"}}]})",
      R"({"fields": [{"name": "x", "type": {}}]})",
      R"({"fields": [{"name": 5, "type": {"id": "int8"}}]})",
      R"({"fields": [{"name": "x", "nullable": "yes", "type": {"id": "int8"}}]})",
      R"({"fields": [{"name": "x", "type": {"id": "timestamp"}}]})",
      R"({"fields": [{"name": "x", "type": {"id": "timestamp", "unit": "fortnight"}}]})",
      R"({"fields": [{"name": "x", "type": {"id": "fixed_size_list", "size": 0, "field": {"name": "i", "type": {"id": "int8"}}}}]})",
      R"({"fields": [{"name": "x", "type": {"id": "fixed_size_list", "size": -3, "field": {"name": "i", "type": {"id": "int8"}}}}]})",
      R"({"fields": [{"name": "x", "type": {"id": "fixed_size_list", "size": 4}}]})",
      R"({"fields": [{"name": "x", "type": {"id": "list"}}]})",
      R"({"fields": [{"name": "x", "type": {"id": "struct", "fields": {}}}]})",
      R"({"fields": [{"name": {"base64": "!!"}, "type": {"id": "int8"}}]})",
      R"({"fields": [{"name": "x", "type": {"id": "int8"}, "metadata": [["a"]]}]})",
      R"({"fields": [], "metadata": {"a": 1}})",
  };
  for (const char* text : cases) {
    auto r = SchemaFromJson(json::parse(text));
    EXPECT_TRUE(r.status().IsInvalidArgument()) << text << " -> " << r.status().ToString();
  }
  auto r = SchemaFromJson(json::parse(R"({"fields": [{"name": "x", "type": {"id": "int128"}}]})"));
  EXPECT_NE(r.status().message().find("fields[0].type.id"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("int128"), std::string::npos);
}

TEST(SchemaJsonTest, DeepNestingIsRefused) {
  json type = {{"id", "int8"}};
  for (int i = 0; i < 200; ++i) type = {{"id", "list"}, {"field", {{"name", "item"}, {"type", type}}}};
  json schema = {{"fields", json::array({{{"name", "x"}, {"type", type}}})}};
  EXPECT_TRUE(SchemaFromJson(schema).status().IsInvalidArgument());
}

TEST(SchemaJsonTest, UnknownMembersAreIgnored) {
  auto r = SchemaFromJson(json::parse(
      R"({"fields": [{"name": "x", "type": {"id": "int8", "future": 1}, "doc": "hi"}], "version": 9})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE((*r)->field(0).type->Equals(*int8()));
  EXPECT_TRUE((*r)->field(0).nullable);  // default
}

}  // namespace
}  // namespace quiver
