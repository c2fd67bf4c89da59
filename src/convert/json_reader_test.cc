#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "convert/file_reader.h"
#include "convert/test_util.h"
#include "testing.h"

namespace quiver::convert {
namespace {

using ::quiver::convert::testing::ReadError;
using ::quiver::convert::testing::ReadOk;
using ::quiver::convert::testing::SchemaString;
using ::quiver::convert::testing::Values;
using ::quiver::convert::testing::WriteFile;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class JsonReaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_.Join(name);
    WriteFile(path, text);
    return path;
  }
  quiver::testing::TempDir dir_;
};

TEST_F(JsonReaderTest, InfersEveryKindOfColumn) {
  std::string path = Write(
      "rows.jsonl",
      R"({"id": 1, "score": 0.5, "name": "a", "ok": true, "nothing": null, "v": [1, 2.5, 3], "tags": ["x"], "meta": {"author": "ann", "year": 2001}, "when": "2024-05-01T12:00:00Z"}
{"id": 2, "score": 2, "name": "b", "ok": false, "nothing": null, "v": [4, 5, 6], "tags": [], "meta": {"author": "bob"}, "when": "2024-05-02"}
{"id": 3, "v": [7, 8, 9], "tags": ["y", "z"], "meta": null}
)");
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(
      SchemaString(*batch->schema()),
      "id: int64, score: double, name: string, ok: bool, nothing: string, v: fixed_size_list<float>[3], "
      "tags: list<string>, meta: struct<author: string, year: int64>, when: string");
  EXPECT_EQ(batch->num_rows(), 3);
  EXPECT_THAT(Values(*batch, "id"), ElementsAre("1", "2", "3"));
  EXPECT_THAT(Values(*batch, "score"), ElementsAre("0.5", "2", "null"));
  EXPECT_THAT(Values(*batch, "name"), ElementsAre("\"a\"", "\"b\"", "null"));
  EXPECT_THAT(Values(*batch, "ok"), ElementsAre("true", "false", "null"));
  EXPECT_THAT(Values(*batch, "nothing"), ElementsAre("null", "null", "null"));
  EXPECT_THAT(Values(*batch, "v"), ElementsAre("[1, 2.5, 3]", "[4, 5, 6]", "[7, 8, 9]"));
  EXPECT_THAT(Values(*batch, "tags"), ElementsAre("[\"x\"]", "[]", "[\"y\", \"z\"]"));
  EXPECT_THAT(Values(*batch, "meta"),
              ElementsAre("{author: \"ann\", year: 2001}", "{author: \"bob\", year: null}", "null"));
  // Timestamps stay strings.
  EXPECT_THAT(Values(*batch, "when"), ElementsAre("\"2024-05-01T12:00:00Z\"", "\"2024-05-02\"", "null"));
  EXPECT_TRUE(batch->Validate().ok());
}

TEST_F(JsonReaderTest, IntegersThenFloatsBecomeDouble) {
  std::string path = Write("rows.jsonl", "{\"x\": 1}\n{\"x\": 2.25}\n{\"x\": -3}\n");
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "x: double");
  EXPECT_THAT(Values(*batch, "x"), ElementsAre("1", "2.25", "-3"));
}

TEST_F(JsonReaderTest, BadLineNamesItsLineNumber) {
  std::string path = Write("rows.jsonl", "{\"a\": 1}\n{\"a\": 2}\n\n{\"a\": 3,}\n");
  Status st = ReadError(path);
  ASSERT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_THAT(st.message(), StartsWith("line 4: parse error at column"));
  EXPECT_THAT(st.message(), Not(HasSubstr("json.exception")));
}

TEST_F(JsonReaderTest, BadLineAfterTheInferenceWindow) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += "{\"a\": " + std::to_string(i) + "}\n";
  text += "{\"a\": }\n";
  std::string path = Write("rows.jsonl", text);
  FileReadOptions options;
  options.infer_rows = 5;
  options.batch_size = 7;
  Result<std::unique_ptr<FileReader>> reader = OpenFileReader(path, options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Status st;
  int64_t rows = 0;
  while (true) {
    Result<BatchPtr> batch = (*reader)->Next();
    if (!batch.ok()) {
      st = batch.status();
      break;
    }
    ASSERT_NE(*batch, nullptr) << "the bad line was not reported";
    rows += (*batch)->num_rows();
  }
  EXPECT_EQ(rows, 28);  // four full batches of 7 before the one holding line 31
  EXPECT_THAT(st.message(), StartsWith("line 31: "));
  // The error sticks.
  EXPECT_FALSE((*reader)->Next().ok());
}

TEST_F(JsonReaderTest, TypeChangeAfterInferenceNamesLineAndColumn) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += "{\"n\": " + std::to_string(i) + ", \"s\": \"x\"}\n";
  text += "{\"n\": \"eleven\", \"s\": \"x\"}\n";
  std::string path = Write("rows.jsonl", text);
  FileReadOptions options;
  options.infer_rows = 3;
  Status st = ReadError(path, options);
  ASSERT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_EQ(st.message(), "line 11: column \"n\": expected int64, got string \"eleven\"");
}

TEST_F(JsonReaderTest, TypeConflictInsideTheInferenceWindow) {
  std::string path = Write("rows.jsonl", "{\"n\": 1}\n{\"n\": true}\n");
  Status st = ReadError(path);
  EXPECT_EQ(st.message(), "line 2: column \"n\": expected int64, got bool true");
}

TEST_F(JsonReaderTest, FloatAfterInferenceIntoIntegerColumn) {
  std::string path = Write("rows.jsonl", "{\"n\": 1}\n{\"n\": 2.0}\n{\"n\": 2.5}\n");
  FileReadOptions options;
  options.infer_rows = 1;
  Status st = ReadError(path, options);
  ASSERT_TRUE(st.IsInvalidArgument());
  EXPECT_THAT(st.message(), StartsWith("line 3: column \"n\": "));
  EXPECT_THAT(st.message(), HasSubstr("2.5"));
}

TEST_F(JsonReaderTest, WrongVectorLengthNamesBothLengths) {
  std::string path =
      Write("rows.jsonl", "{\"v\": [1, 2, 3, 4]}\n{\"v\": [1, 2, 3, 4]}\n{\"v\": [1, 2, 3]}\n");
  Status st = ReadError(path);
  EXPECT_EQ(st.message(), "line 3: column \"v\": vector has 3 values, expected 4 (the length on line 1)");
  // After the inference window too.
  FileReadOptions options;
  options.infer_rows = 1;
  st = ReadError(path, options);
  EXPECT_EQ(st.message(), "line 3: column \"v\": vector has 3 values, expected 4");
}

TEST_F(JsonReaderTest, NestedColumnErrorsNameThePath) {
  std::string path = Write("rows.jsonl", "{\"m\": {\"a\": 1}}\n{\"m\": {\"a\": \"x\"}}\n");
  EXPECT_EQ(ReadError(path).message(), "line 2: column \"m.a\": expected int64, got string \"x\"");
}

TEST_F(JsonReaderTest, KeyFirstSeenAfterTheInferenceWindow) {
  std::string path = Write("rows.jsonl", "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3, \"b\": 4}\n");
  FileReadOptions options;
  options.infer_rows = 2;
  Status st = ReadError(path, options);
  EXPECT_THAT(st.message(), StartsWith("line 3: column \"b\" is not in the schema"));
  EXPECT_THAT(st.message(), HasSubstr("infer_rows"));
}

TEST_F(JsonReaderTest, RowThatIsNotAnObject) {
  std::string path = Write("rows.jsonl", "{\"a\": 1}\n[1, 2]\n");
  EXPECT_EQ(ReadError(path).message(), "line 2: expected a JSON object, got array [1,2]");
}

TEST_F(JsonReaderTest, StreamsInBatches) {
  std::string text;
  const int n = 20001;
  for (int i = 0; i < n; ++i) {
    text += "{\"id\": " + std::to_string(i) + ", \"v\": [" + std::to_string(i) + ", 0.5]}\n";
  }
  std::string path = Write("rows.ndjson", text);
  Result<std::unique_ptr<FileReader>> reader = OpenFileReader(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  // Inference reads ahead 1000 rows only.
  EXPECT_GT((*reader)->bytes_read(), 0);
  EXPECT_LT((*reader)->bytes_read(), (*reader)->total_bytes() / 10);
  std::vector<int64_t> sizes;
  int64_t next_id = 0;
  double last_progress = 0;
  while (true) {
    Result<BatchPtr> batch = (*reader)->Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (!*batch) break;
    sizes.push_back((*batch)->num_rows());
    const int64_t* ids = (*batch)->column(0)->values<int64_t>();
    for (int64_t i = 0; i < (*batch)->num_rows(); ++i) ASSERT_EQ(ids[i], next_id++);
    EXPECT_GE((*reader)->progress(), last_progress);
    last_progress = (*reader)->progress();
  }
  EXPECT_THAT(sizes, ElementsAre(8192, 8192, 3617));
  EXPECT_EQ((*reader)->bytes_read(), (*reader)->total_bytes());
  EXPECT_DOUBLE_EQ((*reader)->progress(), 1.0);
}

TEST_F(JsonReaderTest, BlankLinesCrlfAndByteOrderMark) {
  std::string path = Write("rows.jsonl", "\xEF\xBB\xBF{\"a\": \"x\"}\r\n\r\n   \n{\"a\": \"y\"}");
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  EXPECT_THAT(Values(*batch, "a"), ElementsAre("\"x\"", "\"y\""));
}

TEST_F(JsonReaderTest, LinesLongerThanTheReadBuffer) {
  std::string big(3 << 20, 'q');
  std::string path = Write("rows.jsonl", "{\"s\": \"" + big + "\"}\n{\"s\": \"short\"}\n");
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->column(0)->GetView(0).size(), big.size());
  EXPECT_EQ(batch->column(0)->GetView(1), "short");
}

TEST_F(JsonReaderTest, EmptyFileHasNoSchemaToInfer) {
  std::string path = Write("rows.jsonl", "\n\n");
  Status st = ReadError(path);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_THAT(st.message(), HasSubstr("no rows"));
}

TEST_F(JsonReaderTest, JsonArrayFile) {
  std::string path = Write("rows.json", R"([
  {"id": 1, "text": "hello, [world]", "v": [0.5, 1]},
  {
    "id": 2,
    "text": "with \"quotes\" and }",
    "v": [2, 3]
  }
]
)");
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "id: int64, text: string, v: fixed_size_list<float>[2]");
  EXPECT_THAT(Values(*batch, "text"), ElementsAre("\"hello, [world]\"", "\"with \\\"quotes\\\" and }\""));
  EXPECT_THAT(Values(*batch, "v"), ElementsAre("[0.5, 1]", "[2, 3]"));
}

TEST_F(JsonReaderTest, JsonArrayErrorsNameTheElementLine) {
  std::string path = Write("rows.json", "[\n  {\"id\": 1},\n  {\"id\": 2},\n  {\"id\": \"three\"}\n]\n");
  EXPECT_EQ(ReadError(path).message(), "line 4: column \"id\": expected int64, got string \"three\"");
  path = Write("broken.json", "[\n  {\"id\": 1},\n  {\"id\": 2,,}\n]\n");
  EXPECT_THAT(ReadError(path).message(), StartsWith("line 3: parse error"));
  path = Write("unclosed.json", "[\n  {\"id\": 1},\n  {\"id\": 2}\n");
  EXPECT_THAT(ReadError(path).message(), HasSubstr("not closed"));
  path = Write("scalar.json", "42");
  EXPECT_THAT(ReadError(path).message(), HasSubstr("expected a JSON array"));
}

TEST_F(JsonReaderTest, JsonFileOfConcatenatedObjects) {
  std::string path = Write("rows.json", "{\"a\": 1}\n{\"a\": 2} {\"a\": 3}");
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  EXPECT_THAT(Values(*batch, "a"), ElementsAre("1", "2", "3"));
}

TEST_F(JsonReaderTest, JsonArrayStreamsInBatches) {
  std::string text = "[";
  for (int i = 0; i < 100; ++i) text += (i ? ",\n" : "") + std::string("{\"i\": ") + std::to_string(i) + "}";
  text += "]";
  std::string path = Write("rows.json", text);
  FileReadOptions options;
  options.batch_size = 30;
  options.infer_rows = 10;
  Result<std::unique_ptr<FileReader>> reader = OpenFileReader(path, options);
  ASSERT_TRUE(reader.ok());
  Result<std::vector<BatchPtr>> batches = (*reader)->ReadAll();
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  ASSERT_EQ(batches->size(), 4u);
  EXPECT_EQ((*batches)[3]->num_rows(), 10);
  EXPECT_EQ((*batches)[3]->column(0)->values<int64_t>()[9], 99);
}

TEST_F(JsonReaderTest, ExplicitSchemaConvertsValues) {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{Field("id", int64(), /*nullable=*/false), Field("score", float32()),
                         Field("vector", vector_type(3)), Field("label", utf8()), Field("day", date32())});
  std::string path =
      Write("rows.jsonl",
            "{\"vector\": [1, 2, 3], \"id\": 7, \"score\": 2}\n"
            "{\"id\": 8, \"score\": 0.25, \"vector\": [0.5, 0.5, 0.5], \"label\": \"x\", \"day\": "
            "\"2024-02-29\"}\n");
  FileReadOptions options;
  options.schema = schema;
  BatchPtr batch = ReadOk(path, options);
  ASSERT_NE(batch, nullptr);
  EXPECT_TRUE(batch->schema()->Equals(*schema));
  EXPECT_THAT(Values(*batch, "score"), ElementsAre("2", "0.25"));
  EXPECT_THAT(Values(*batch, "vector"), ElementsAre("[1, 2, 3]", "[0.5, 0.5, 0.5]"));
  EXPECT_THAT(Values(*batch, "label"), ElementsAre("null", "\"x\""));
  EXPECT_THAT(Values(*batch, "day"), ElementsAre("null", "2024-02-29"));

  path = Write("bad_dim.jsonl", "{\"id\": 1, \"vector\": [1, 2]}\n");
  EXPECT_EQ(ReadError(path, options).message(), "line 1: column \"vector\": vector has 2 values, expected 3");
  path = Write("unknown.jsonl", "{\"id\": 1, \"color\": \"red\"}\n");
  EXPECT_EQ(ReadError(path, options).message(),
            "line 1: column \"color\" is not in the schema (columns: id score vector label day)");
  path = Write("missing_id.jsonl", "{\"score\": 1}\n");
  EXPECT_EQ(ReadError(path, options).message(), "line 1: column \"id\" is missing and not nullable");
  path = Write("string_score.jsonl", "{\"id\": 1, \"score\": \"high\"}\n");
  EXPECT_EQ(ReadError(path, options).message(),
            "line 1: column \"score\": expected float, got string \"high\"");
}

TEST_F(JsonReaderTest, ExplicitSchemaOnAnEmptyFileGivesNoBatches) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{Field("a", int64())});
  std::string path = Write("empty.jsonl", "");
  FileReadOptions options;
  options.schema = schema;
  BatchPtr batch = ReadOk(path, options);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->num_rows(), 0);
  EXPECT_EQ(batch->num_columns(), 1);
}

}  // namespace
}  // namespace quiver::convert

namespace quiver::convert {
namespace {

// Random .json/.jsonl files read or fail cleanly (run under ASan).
TEST(JsonReaderRandomTest, NeverCrashes) {
  const std::vector<std::string> pieces = {
      "{", "}",   "[",    "]",    ",", ":",  "\"",       "\"k\"",  "\\",    "1",
      "-", "2.5", "true", "null", " ", "\n", "{\"a\": ", "[1, 2]", "\"s\"", "{\"v\": [1]}"};
  std::mt19937 rng(3);
  quiver::testing::TempDir dir;
  for (int trial = 0; trial < 400; ++trial) {
    std::string text;
    const int n = static_cast<int>(rng() % 60);
    for (int k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
    for (const char* name : {"r.json", "r.jsonl"}) {
      WriteFile(dir.Join(name), text);
      FileReadOptions options;
      options.infer_rows = 1 + static_cast<int64_t>(rng() % 3);
      options.batch_size = 1 + static_cast<int64_t>(rng() % 3);
      (void)ReadFileToBatch(dir.Join(name), options).status();
    }
  }
}

}  // namespace
}  // namespace quiver::convert
