#include "convert/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

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

class CsvReaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_.Join(name);
    WriteFile(path, text);
    return path;
  }
  quiver::testing::TempDir dir_;
};

TEST_F(CsvReaderTest, InfersColumnTypes) {
  std::string path = Write("rows.csv",
                           "id,score,ok,name,empty,vector,mixed\n"
                           "1,0.5,true,alice,,\"[1, 2.5, 3]\",1\n"
                           "2,2,FALSE,bob,,\"[4,5,6]\",x\n"
                           "3,,false,,,,2\n");
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(
      SchemaString(*batch->schema()),
      "id: int64, score: double, ok: bool, name: string, empty: string, vector: fixed_size_list<float>[3], "
      "mixed: string");
  EXPECT_THAT(Values(*batch, "id"), ElementsAre("1", "2", "3"));
  EXPECT_THAT(Values(*batch, "score"), ElementsAre("0.5", "2", "null"));
  EXPECT_THAT(Values(*batch, "ok"), ElementsAre("true", "false", "false"));
  EXPECT_THAT(Values(*batch, "name"), ElementsAre("\"alice\"", "\"bob\"", "null"));
  EXPECT_THAT(Values(*batch, "empty"), ElementsAre("null", "null", "null"));
  EXPECT_THAT(Values(*batch, "vector"), ElementsAre("[1, 2.5, 3]", "[4, 5, 6]", "null"));
  EXPECT_THAT(Values(*batch, "mixed"), ElementsAre("\"1\"", "\"x\"", "\"2\""));
  EXPECT_TRUE(batch->Validate().ok());
}

TEST_F(CsvReaderTest, Rfc4180Quoting) {
  std::string path = Write("rows.csv",
                           "text,n\n"
                           "\"a, b\",1\n"
                           "\"say \"\"hi\"\"\",2\n"
                           "\"two\nlines\",3\n"
                           "\"\",4\n"
                           ",5\n"
                           "plain \"inner\" quotes,6\n");
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  ArrayPtr text = batch->GetColumn("text");
  ASSERT_EQ(text->length(), 6);
  EXPECT_EQ(text->GetView(0), "a, b");
  EXPECT_EQ(text->GetView(1), "say \"hi\"");
  EXPECT_EQ(text->GetView(2), "two\nlines");
  EXPECT_TRUE(text->IsValid(3));  // "" is the empty string
  EXPECT_EQ(text->GetView(3), "");
  EXPECT_TRUE(text->IsNull(4));  // nothing is null
  EXPECT_EQ(text->GetView(5), "plain \"inner\" quotes");
  EXPECT_THAT(Values(*batch, "n"), ElementsAre("1", "2", "3", "4", "5", "6"));
}

TEST_F(CsvReaderTest, RaggedRowNamesLineAndCounts) {
  std::string path = Write("rows.csv", "a,b,c\n1,2,3\n\"multi\nline\",5,6\n7,8\n");
  Status st = ReadError(path);
  ASSERT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_EQ(st.message(), "line 5: expected 3 fields (as in the header), got 2");
  path = Write("long.csv", "a,b\n1,2\n1,2,3\n");
  EXPECT_EQ(ReadError(path).message(), "line 3: expected 2 fields (as in the header), got 3");
}

TEST_F(CsvReaderTest, TypeChangeAfterInferenceNamesLineAndColumn) {
  std::string text = "n,s\n";
  for (int i = 0; i < 20; ++i) text += std::to_string(i) + ",x\n";
  text += "abc,x\n";
  std::string path = Write("rows.csv", text);
  FileReadOptions options;
  options.infer_rows = 5;
  EXPECT_EQ(ReadError(path, options).message(), "line 22: column \"n\": expected int64, got \"abc\"");
  // With the whole file in the window the column is a string column instead.
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "n: string, s: string");
}

TEST_F(CsvReaderTest, WrongVectorLength) {
  std::string path = Write("rows.csv", "v\n\"[1,2,3]\"\n\"[1,2]\"\n");
  EXPECT_EQ(ReadError(path).message(),
            "line 3: column \"v\": vector has 2 values, expected 3 (the length on line 2)");
  FileReadOptions options;
  options.infer_rows = 1;
  EXPECT_EQ(ReadError(path, options).message(), "line 3: column \"v\": vector has 2 values, expected 3");
}

TEST_F(CsvReaderTest, BadQuoting) {
  std::string path = Write("rows.csv", "a,b\n1,\"open\n2,3\n");
  Status st = ReadError(path);
  EXPECT_THAT(st.message(), StartsWith("line 2: unterminated quoted field"));
  path = Write("after.csv", "a,b\n1,2\n\"x\"y,3\n");
  EXPECT_EQ(ReadError(path).message(), "line 3: unexpected character 'y' after a closing quote");
}

TEST_F(CsvReaderTest, CrlfByteOrderMarkAndNoFinalNewline) {
  std::string path = Write("rows.csv",
                           "\xEF\xBB\xBF"
                           "a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z");
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "a: int64, b: string");
  EXPECT_THAT(Values(*batch, "a"), ElementsAre("1", "2"));
  EXPECT_EQ(batch->GetColumn("b")->GetView(0), "x\r\ny");
}

TEST_F(CsvReaderTest, HeaderProblems) {
  EXPECT_THAT(ReadError(Write("empty.csv", "")).message(), HasSubstr("needs a header row"));
  EXPECT_EQ(ReadError(Write("dup.csv", "a,b,a\n1,2,3\n")).message(),
            "line 1: the header names column \"a\" twice");
  BatchPtr batch = ReadOk(Write("unnamed.csv", ",b\n1,2\n"));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "column_1: int64, b: int64");
  // A header and no rows: string columns.
  batch = ReadOk(Write("header_only.csv", "a,b\n"));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "a: string, b: string");
  EXPECT_EQ(batch->num_rows(), 0);
}

TEST_F(CsvReaderTest, TabSeparated) {
  std::string path = Write("rows.tsv", "a\tb\n1\thello, world\n");
  BatchPtr batch = ReadOk(path);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->GetColumn("b")->GetView(0), "hello, world");
  // The format named explicitly, whatever the extension.
  FileReadOptions options;
  options.format = FileFormat::kTsv;
  batch = ReadOk(Write("rows.txt", "a\tb\n1\t2\n"), options);
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "a: int64, b: int64");
}

TEST_F(CsvReaderTest, StreamsInBatches) {
  std::string text = "id,x\n";
  const int n = 20001;
  for (int i = 0; i < n; ++i) text += std::to_string(i) + "," + std::to_string(i * 0.5) + "\n";
  std::string path = Write("rows.csv", text);
  Result<std::unique_ptr<FileReader>> reader = OpenFileReader(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_LT((*reader)->bytes_read(), (*reader)->total_bytes() / 10);
  std::vector<int64_t> sizes;
  int64_t next = 0;
  while (true) {
    Result<BatchPtr> batch = (*reader)->Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (!*batch) break;
    sizes.push_back((*batch)->num_rows());
    const int64_t* ids = (*batch)->column(0)->values<int64_t>();
    const double* xs = (*batch)->column(1)->values<double>();
    for (int64_t i = 0; i < (*batch)->num_rows(); ++i, ++next) {
      ASSERT_EQ(ids[i], next);
      ASSERT_EQ(xs[i], next * 0.5);
    }
  }
  EXPECT_THAT(sizes, ElementsAre(8192, 8192, 3617));
  EXPECT_DOUBLE_EQ((*reader)->progress(), 1.0);
}

TEST_F(CsvReaderTest, ExplicitSchema) {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{Field("id", int64()), Field("vector", vector_type(2)), Field("price", float64()),
                         Field("note", utf8()), Field("tags", list(utf8()))});
  FileReadOptions options;
  options.schema = schema;
  // Columns in another order, one missing (note), an integer into a float column.
  std::string path = Write(
      "rows.csv", "vector,price,id,tags\n\"[1,2]\",3,1,\"[\"\"a\"\",\"\"b\"\"]\"\n\"[0.5,0.25]\",,2,\n");
  BatchPtr batch = ReadOk(path, options);
  ASSERT_NE(batch, nullptr);
  EXPECT_TRUE(batch->schema()->Equals(*schema));
  EXPECT_THAT(Values(*batch, "vector"), ElementsAre("[1, 2]", "[0.5, 0.25]"));
  EXPECT_THAT(Values(*batch, "price"), ElementsAre("3", "null"));
  EXPECT_THAT(Values(*batch, "note"), ElementsAre("null", "null"));
  EXPECT_THAT(Values(*batch, "tags"), ElementsAre("[\"a\", \"b\"]", "null"));
  EXPECT_TRUE(batch->Validate().ok());

  EXPECT_EQ(ReadError(Write("extra.csv", "id,color\n1,red\n"), options).message(),
            "CSV column \"color\" is not in the schema (columns: id, vector, price, note, tags)");
  EXPECT_EQ(ReadError(Write("dim.csv", "id,vector\n1,\"[1,2,3]\"\n"), options).message(),
            "line 2: column \"vector\": vector has 3 values, expected 2");
  EXPECT_EQ(ReadError(Write("bad.csv", "id,price\n1,cheap\n"), options).message(),
            "line 2: column \"price\": expected double, got \"cheap\"");
  EXPECT_THAT(ReadError(Write("frac.csv", "id\n1.5\n"), options).message(),
              StartsWith("line 2: column \"id\": "));
}

// Records that straddle the read buffer's end must parse the same.
TEST_F(CsvReaderTest, ParserAcrossBufferRefills) {
  std::string text;
  std::vector<std::vector<std::string>> expected;
  for (int i = 0; i < 3000; ++i) {
    std::string a = "row" + std::to_string(i);
    std::string b = std::string(static_cast<size_t>(i % 37), 'x') + "\"q\"" + (i % 5 == 0 ? "\nnext" : "");
    std::string c = i % 7 == 0 ? "" : std::to_string(i);
    std::string quoted_b = "\"";
    for (char ch : b) quoted_b += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    quoted_b += "\"";
    text += a + "," + quoted_b + "," + c + (i % 2 ? "\r\n" : "\n");
    expected.push_back({a, b, c});
  }
  std::string path = Write("rows.csv", text);
  Result<std::unique_ptr<InputFile>> in = InputFile::Open(path, 4096);
  ASSERT_TRUE(in.ok());
  CsvParser parser(in->get(), ',');
  std::vector<CsvField> fields;
  int64_t line = 0;
  int64_t expected_line = 1;
  for (size_t r = 0; r < expected.size(); ++r) {
    Result<bool> more = parser.Next(&fields, &line);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    ASSERT_TRUE(*more);
    ASSERT_EQ(fields.size(), 3u) << "record " << r;
    EXPECT_EQ(line, expected_line);
    for (int f = 0; f < 3; ++f) ASSERT_EQ(fields[f].text, expected[r][f]) << "record " << r << " field " << f;
    expected_line += r % 5 == 0 ? 2 : 1;
  }
  Result<bool> more = parser.Next(&fields, &line);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  EXPECT_EQ((*in)->position(), static_cast<int64_t>(text.size()));
}

}  // namespace
}  // namespace quiver::convert

namespace quiver::convert {
namespace {

// Random files of CSV's special characters parse or fail cleanly (run under
// ASan), whatever the buffer boundaries.
TEST(CsvParserTest, RandomInputNeverCrashes) {
  const std::string alphabet = "ab,\"\n\r 1.";
  std::mt19937 rng(7);
  quiver::testing::TempDir dir;
  for (int trial = 0; trial < 300; ++trial) {
    std::string text;
    const size_t n = rng() % 9000;
    for (size_t k = 0; k < n; ++k) text += alphabet[rng() % alphabet.size()];
    const std::string path = dir.Join("r.csv");
    WriteFile(path, text);
    Result<std::unique_ptr<InputFile>> in = InputFile::Open(path, 4096);
    ASSERT_TRUE(in.ok());
    CsvParser parser(in->get(), ',');
    std::vector<CsvField> fields;
    int64_t line = 0;
    int64_t records = 0;
    while (true) {
      Result<bool> more = parser.Next(&fields, &line);
      if (!more.ok() || !*more) break;
      ++records;
      ASSERT_LE(records, static_cast<int64_t>(n) + 1);
    }
    (void)ReadFileToBatch(path).status();  // inference and conversion, any outcome
  }
}

}  // namespace
}  // namespace quiver::convert
