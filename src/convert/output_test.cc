#include "convert/output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "convert/test_util.h"
#include "quiver/builder.h"
#include "testing.h"

namespace quiver::convert {
namespace {

using ::quiver::convert::testing::ReadOk;
using ::quiver::convert::testing::SchemaString;
using ::quiver::convert::testing::WriteFile;
using ::testing::HasSubstr;

// Builds one column from a list of appends.
template <typename F>
ArrayPtr Build(const TypePtr& type, F&& append) {
  std::unique_ptr<ArrayBuilder> b = ArrayBuilder::Make(type);
  append(b.get());
  return b->Finish();
}

void Ok(const Status& st) { ASSERT_TRUE(st.ok()) << st.ToString(); }

// Three rows covering every kind of value, with nulls.
BatchPtr SampleBatch() {
  auto meta_type = struct_({Field("author", utf8()), Field("year", int64())});
  std::vector<Field> fields = {Field("id", int64()),        Field("score", float64()),
                               Field("f", float32()),       Field("ok", boolean()),
                               Field("name", utf8()),       Field("v", vector_type(3)),
                               Field("tags", list(utf8())), Field("meta", meta_type)};
  auto schema = std::make_shared<Schema>(fields);
  std::vector<ArrayPtr> columns;
  columns.push_back(Build(int64(), [](ArrayBuilder* b) {
    Ok(b->AppendInt(1));
    Ok(b->AppendInt(-2));
    Ok(b->AppendInt(3));
  }));
  columns.push_back(Build(float64(), [](ArrayBuilder* b) {
    Ok(b->AppendDouble(2.0));
    Ok(b->AppendDouble(0.1));
    Ok(b->AppendNull());
  }));
  columns.push_back(Build(float32(), [](ArrayBuilder* b) {
    Ok(b->AppendDouble(0.1f));
    Ok(b->AppendDouble(std::numeric_limits<double>::quiet_NaN()));
    Ok(b->AppendDouble(-1e30));
  }));
  columns.push_back(Build(boolean(), [](ArrayBuilder* b) {
    Ok(b->AppendBool(true));
    Ok(b->AppendNull());
    Ok(b->AppendBool(false));
  }));
  columns.push_back(Build(utf8(), [](ArrayBuilder* b) {
    Ok(b->AppendString("plain"));
    Ok(b->AppendString("a, \"quoted\"\nline\t\x01"));
    Ok(b->AppendString(""));
  }));
  columns.push_back(Build(vector_type(3), [](ArrayBuilder* b) {
    const float v0[] = {0.5f, -1.25f, 3.0f};
    const float v2[] = {0.1f, 0.2f, 0.3f};
    Ok(b->AppendVector(v0, 3));
    Ok(b->AppendNull());
    Ok(b->AppendVector(v2, 3));
  }));
  columns.push_back(Build(list(utf8()), [](ArrayBuilder* b) {
    Ok(b->child(0)->AppendString("x"));
    Ok(b->child(0)->AppendString("y"));
    Ok(b->AppendList());
    Ok(b->AppendList());
    Ok(b->AppendNull());
  }));
  columns.push_back(Build(meta_type, [](ArrayBuilder* b) {
    Ok(b->child(0)->AppendString("ann"));
    Ok(b->child(1)->AppendInt(2001));
    Ok(b->AppendStruct());
    Ok(b->AppendNull());
    Ok(b->child(0)->AppendString("bob"));
    Ok(b->child(1)->AppendNull());
    Ok(b->AppendStruct());
  }));
  Result<BatchPtr> batch = RecordBatch::Make(schema, columns);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  return *batch;
}

TEST(OutputTest, JsonLines) {
  BatchPtr batch = SampleBatch();
  std::ostringstream out;
  Ok(WriteJsonLines(*batch, out));
  EXPECT_EQ(
      out.str(),
      R"({"id":1,"score":2.0,"f":0.1,"ok":true,"name":"plain","v":[0.5,-1.25,3],"tags":["x","y"],"meta":{"author":"ann","year":2001}})"
      "\n"
      R"({"id":-2,"score":0.1,"f":null,"ok":null,"name":"a, \"quoted\"\nline\t\u0001","v":null,"tags":[],"meta":null})"
      "\n"
      R"({"id":3,"score":null,"f":-1e+30,"ok":false,"name":"","v":[0.1,0.2,0.3],"tags":null,"meta":{"author":"bob","year":null}})"
      "\n");
}

TEST(OutputTest, JsonRowsAndInvalidUtf8) {
  BatchPtr batch = SampleBatch()->Slice(0, 1);
  std::string rows = BatchToJsonRows(*batch);
  EXPECT_EQ(rows.front(), '[');
  EXPECT_EQ(rows.back(), ']');
  EXPECT_THAT(rows, HasSubstr("\"id\":1"));
  EXPECT_EQ(BatchesToJsonRows({batch, batch}).size(), 2 * rows.size() - 1);
  EXPECT_EQ(BatchesToJsonRows({}), "[]");

  // Bytes that are not UTF-8 (from foreign data) still give valid JSON.
  ArrayPtr bad = std::make_shared<const Array>(
      utf8(), 1,
      std::vector<BufferPtr>{nullptr, Buffer::Copy(std::vector<int32_t>{0, 4}.data(), 8),
                             Buffer::Copy("a\xff\xc3\xa9", 4)});
  std::string text;
  AppendValueAsJson(*bad, 0, &text);
  EXPECT_EQ(text, "\"a\\ufffd\xc3\xa9\"");
}

TEST(OutputTest, Csv) {
  BatchPtr batch = SampleBatch();
  std::ostringstream out;
  Ok(WriteCsv(*batch, out));
  EXPECT_EQ(out.str(),
            "id,score,f,ok,name,v,tags,meta\n"
            "1,2.0,0.1,true,plain,\"[0.5,-1.25,3]\",\"[\"\"x\"\",\"\"y\"\"]\",\"{\"\"author\"\":\"\"ann\"\","
            "\"\"year\"\":2001}\"\n"
            "-2,0.1,nan,,\"a, \"\"quoted\"\"\nline\t\x01\",,[],\n"
            "3,,-1e+30,false,\"\",\"[0.1,0.2,0.3]\",,\"{\"\"author\"\":\"\"bob\"\",\"\"year\"\":null}\"\n");
}

TEST(OutputTest, Table) {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{Field("id", int64()), Field("text", utf8()), Field("vector", vector_type(128))});
  std::vector<float> v(128, 1.0f);
  v[0] = 0.12f;
  v[1] = -0.5f;
  ArrayPtr ids = Build(int64(), [](ArrayBuilder* b) {
    Ok(b->AppendInt(7));
    Ok(b->AppendInt(1234));
  });
  ArrayPtr text = Build(utf8(), [](ArrayBuilder* b) {
    Ok(b->AppendString("short"));
    Ok(b->AppendString("a string that is much longer than the forty characters of a cell"));
  });
  ArrayPtr vectors = Build(vector_type(128), [&](ArrayBuilder* b) {
    Ok(b->AppendVector(v.data(), 128));
    Ok(b->AppendNull());
  });
  Result<BatchPtr> batch = RecordBatch::Make(schema, {ids, text, vectors});
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(FormatTable(**batch),
            "   id | text                                     | vector\n"
            "------+------------------------------------------+----------------------------\n"
            "    7 | short                                    | [0.12, -0.5, … 128 values]\n"
            " 1234 | a string that is much longer than the f… | null\n"
            "(2 rows)\n");
  OutputOptions options;
  options.max_rows = 1;
  EXPECT_EQ(FormatTable(**batch, options),
            " id | text  | vector\n"
            "----+-------+----------------------------\n"
            "  7 | short | [0.12, -0.5, … 128 values]\n"
            "(first 1 rows shown)\n");
}

TEST(OutputTest, TableOfEveryKind) {
  BatchPtr batch = SampleBatch();
  std::string table = FormatTable(*batch);
  // Short lists fit whole; control characters stay on one line.
  EXPECT_THAT(table, HasSubstr("[0.5, -1.25, 3]"));
  EXPECT_THAT(table, HasSubstr("a, \"quoted\"\\nline\\t?"));
  EXPECT_THAT(table, HasSubstr("{author: \"ann\", year: 2001}"));
  EXPECT_THAT(table, HasSubstr("[\"x\", \"y\"]"));
  EXPECT_THAT(table, HasSubstr("NaN"));
  EXPECT_THAT(table, HasSubstr("(3 rows)\n"));
  int lines = 0;
  for (char c : table) lines += c == '\n';
  EXPECT_EQ(lines, 6);  // header, rule, three rows, footer
}

TEST(OutputTest, WriteFromReaderStopsAtMaxRows) {
  BatchPtr batch = SampleBatch();
  std::unique_ptr<BatchReader> reader = MakeBatchReader(batch->schema(), {batch, batch, batch});
  OutputOptions options;
  options.max_rows = 4;
  std::ostringstream out;
  Ok(WriteBatches(*reader, OutputFormat::kTable, out, options));
  EXPECT_THAT(out.str(), HasSubstr("(first 4 rows shown)"));

  reader = MakeBatchReader(batch->schema(), {batch, batch});
  std::ostringstream csv;
  Ok(WriteBatches(*reader, OutputFormat::kCsv, csv));
  int lines = 0;
  for (char c : csv.str()) lines += c == '\n';
  EXPECT_EQ(lines, 1 + 6 + 2);  // header, rows, and the newlines inside the quoted name
}

TEST(OutputTest, FormatNames) {
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("jsonl"), OutputFormat::kJsonLines);
  EXPECT_EQ(*ParseOutputFormat("csv"), OutputFormat::kCsv);
  EXPECT_EQ(OutputFormatName(OutputFormat::kJsonLines), "json");
  EXPECT_THAT(ParseOutputFormat("xml").status().message(), HasSubstr("known: table, json, csv"));
}

TEST(OutputTest, FloatsRoundTripExactly) {
  const std::vector<double> doubles = {0.1, 1.0 / 3, 1e-310, 123456789.125, -0.0, 5e30};
  ArrayPtr d = Build(float64(), [&](ArrayBuilder* b) {
    for (double x : doubles) Ok(b->AppendDouble(x));
  });
  ArrayPtr f = Build(float32(), [&](ArrayBuilder* b) {
    for (double x : doubles) Ok(b->AppendDouble(static_cast<float>(x)));
  });
  for (int64_t i = 0; i < d->length(); ++i) {
    std::string text;
    AppendValueAsJson(*d, i, &text);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), doubles[i]) << text;
    text.clear();
    AppendValueAsJson(*f, i, &text);
    EXPECT_EQ(std::strtof(text.c_str(), nullptr), static_cast<float>(doubles[i])) << text;
  }
  std::string text;
  AppendValueAsJson(*f, 0, &text);
  EXPECT_EQ(text, "0.1");  // float32 0.1 is not printed as 0.10000000149011612
}

// What the writers produce, the readers read back to the same values.
class RoundTripTest : public ::testing::Test {
 protected:
  quiver::testing::TempDir dir_;
};

TEST_F(RoundTripTest, JsonLinesAndCsv) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{Field("id", int64()), Field("score", float64()),
                                                            Field("ok", boolean()), Field("name", utf8()),
                                                            Field("vector", vector_type(3))});
  ArrayPtr ids = Build(int64(), [](ArrayBuilder* b) {
    Ok(b->AppendInt(1));
    Ok(b->AppendInt(2));
  });
  ArrayPtr scores = Build(float64(), [](ArrayBuilder* b) {
    Ok(b->AppendDouble(3.0));
    Ok(b->AppendDouble(0.1));
  });
  ArrayPtr oks = Build(boolean(), [](ArrayBuilder* b) {
    Ok(b->AppendBool(true));
    Ok(b->AppendNull());
  });
  ArrayPtr names = Build(utf8(), [](ArrayBuilder* b) {
    Ok(b->AppendString("x, \"y\"\nz"));
    Ok(b->AppendString(""));
  });
  ArrayPtr vectors = Build(vector_type(3), [](ArrayBuilder* b) {
    const float v0[] = {0.1f, 2.0f, -3.5f};
    const float v1[] = {1e-8f, 1e8f, 7.0f};
    Ok(b->AppendVector(v0, 3));
    Ok(b->AppendVector(v1, 3));
  });
  Result<BatchPtr> batch = RecordBatch::Make(schema, {ids, scores, oks, names, vectors});
  ASSERT_TRUE(batch.ok());

  std::ostringstream json;
  Ok(WriteJsonLines(**batch, json));
  WriteFile(dir_.Join("rows.jsonl"), json.str());
  BatchPtr back = ReadOk(dir_.Join("rows.jsonl"));
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(SchemaString(*back->schema()), SchemaString(*schema));
  EXPECT_TRUE(back->Equals(**batch)) << json.str();

  std::ostringstream csv;
  Ok(WriteCsv(**batch, csv));
  WriteFile(dir_.Join("rows.csv"), csv.str());
  back = ReadOk(dir_.Join("rows.csv"));
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(SchemaString(*back->schema()), SchemaString(*schema));
  EXPECT_TRUE(back->Equals(**batch)) << csv.str();
}

}  // namespace
}  // namespace quiver::convert
