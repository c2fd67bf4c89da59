#include "convert/vecs_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

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

template <typename T>
void AppendRaw(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(v));
}

// n records of dimension d; record r holds r * 10 + k at position k.
template <typename T>
std::string MakeVecs(int n, int32_t d) {
  std::string bytes;
  for (int r = 0; r < n; ++r) {
    AppendRaw<int32_t>(&bytes, d);
    for (int k = 0; k < d; ++k) AppendRaw<T>(&bytes, static_cast<T>(r * 10 + k));
  }
  return bytes;
}

class VecsReaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_.Join(name);
    WriteFile(path, bytes);
    return path;
  }
  quiver::testing::TempDir dir_;
};

TEST_F(VecsReaderTest, Fvecs) {
  BatchPtr batch = ReadOk(Write("a.fvecs", MakeVecs<float>(3, 4)));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "id: int64, vector: fixed_size_list<float>[4]");
  EXPECT_THAT(Values(*batch, "id"), ElementsAre("0", "1", "2"));
  EXPECT_THAT(Values(*batch, "vector"), ElementsAre("[0, 1, 2, 3]", "[10, 11, 12, 13]", "[20, 21, 22, 23]"));
  EXPECT_TRUE(batch->Validate().ok());
}

TEST_F(VecsReaderTest, BvecsAndIvecs) {
  BatchPtr batch = ReadOk(Write("a.bvecs", MakeVecs<uint8_t>(2, 3)));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "id: int64, vector: fixed_size_list<uint8>[3]");
  EXPECT_THAT(Values(*batch, "vector"), ElementsAre("[0, 1, 2]", "[10, 11, 12]"));
  batch = ReadOk(Write("a.ivecs", MakeVecs<int32_t>(2, 2)));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "id: int64, vector: fixed_size_list<int32>[2]");
  EXPECT_THAT(Values(*batch, "vector"), ElementsAre("[0, 1]", "[10, 11]"));
}

TEST_F(VecsReaderTest, StreamsInBatches) {
  std::string path = Write("a.fvecs", MakeVecs<float>(10, 4));
  FileReadOptions options;
  options.batch_size = 3;
  Result<std::unique_ptr<FileReader>> reader = OpenFileReader(path, options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<int64_t> sizes;
  int64_t next = 0;
  while (true) {
    Result<BatchPtr> batch = (*reader)->Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (!*batch) break;
    sizes.push_back((*batch)->num_rows());
    ArrayPtr vectors = (*batch)->GetColumn("vector");
    const float* v = vectors->child(0)->values<float>();
    for (int64_t i = 0; i < (*batch)->num_rows(); ++i, ++next) {
      EXPECT_EQ((*batch)->column(0)->values<int64_t>()[i], next);
      EXPECT_EQ(v[i * 4 + 1], next * 10 + 1);
    }
    EXPECT_EQ((*reader)->bytes_read(), next * 20);
  }
  EXPECT_THAT(sizes, ElementsAre(3, 3, 3, 1));
  EXPECT_DOUBLE_EQ((*reader)->progress(), 1.0);
}

TEST_F(VecsReaderTest, DimensionChangeNamesTheRecord) {
  std::string bytes = MakeVecs<float>(5, 4) + MakeVecs<float>(1, 3) + MakeVecs<float>(2, 4);
  Status st = ReadError(Write("a.fvecs", bytes));
  ASSERT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("record 5 of "));
  EXPECT_THAT(st.message(), HasSubstr("has dimension 3, expected 4 (the dimension of record 0)"));
}

TEST_F(VecsReaderTest, TruncatedFileNamesTheRecord) {
  std::string bytes = MakeVecs<float>(4, 4);
  bytes.resize(bytes.size() - 6);
  Status st = ReadError(Write("a.fvecs", bytes));
  ASSERT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("record 3 of "));
  EXPECT_THAT(st.message(), HasSubstr("is truncated: it needs 20 bytes, the file ends after 14"));
  // A cut inside the dimension field.
  st = ReadError(Write("b.fvecs", MakeVecs<float>(2, 4) + "\x04\x00"));
  EXPECT_THAT(st.message(), HasSubstr("record 2 of "));
}

TEST_F(VecsReaderTest, NotAVectorFile) {
  EXPECT_THAT(ReadError(Write("text.fvecs", "hello world, not vectors")).message(),
              HasSubstr("has dimension"));
  EXPECT_THAT(ReadError(Write("empty.fvecs", "")).message(), HasSubstr("is empty"));
}

TEST_F(VecsReaderTest, ExplicitSchemaConvertsAndChecksDimension) {
  std::string path = Write("a.fvecs", MakeVecs<float>(3, 4));
  FileReadOptions options;
  // The table keeps float16 vectors under another name, and a nullable label.
  options.schema = std::make_shared<Schema>(std::vector<Field>{
      Field("id", int64()), Field("emb", vector_type(4, float16())), Field("label", utf8())});
  BatchPtr batch = ReadOk(path, options);
  ASSERT_NE(batch, nullptr);
  EXPECT_TRUE(batch->schema()->Equals(*options.schema));
  EXPECT_THAT(Values(*batch, "emb"), ElementsAre("[0, 1, 2, 3]", "[10, 11, 12, 13]", "[20, 21, 22, 23]"));
  EXPECT_THAT(Values(*batch, "label"), ElementsAre("null", "null", "null"));
  EXPECT_TRUE(batch->Validate().ok());

  options.schema = std::make_shared<Schema>(std::vector<Field>{Field("vector", vector_type(128))});
  EXPECT_EQ(ReadError(path, options).message(),
            "the file's vectors have dimension 4, column \"vector\" expects 128");

  options.schema = std::make_shared<Schema>(std::vector<Field>{Field("text", utf8())});
  EXPECT_THAT(ReadError(path, options).message(),
              HasSubstr("the schema has no column for the file's \"vector\""));
}

TEST_F(VecsReaderTest, Sift10kBase) {
  std::string path = quiver::testing::SharedDataPath("sift10k/siftsmall_base.fvecs");
  QUIVER_SKIP_IF_NO_DATA(path);
  // The expected values straight from the file.
  std::ifstream raw(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(raw)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.size(), 10000u * (4 + 4 * 128));

  Result<std::unique_ptr<FileReader>> reader = OpenFileReader(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(SchemaString(*(*reader)->schema()), "id: int64, vector: fixed_size_list<float>[128]");
  int64_t rows = 0;
  std::vector<int64_t> sizes;
  while (true) {
    Result<BatchPtr> batch = (*reader)->Next();
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    if (!*batch) break;
    sizes.push_back((*batch)->num_rows());
    const float* v = (*batch)->GetColumn("vector")->child(0)->values<float>();
    for (int64_t i = 0; i < (*batch)->num_rows(); ++i, ++rows) {
      ASSERT_EQ(std::memcmp(v + i * 128, bytes.data() + rows * 516 + 4, 512), 0) << "row " << rows;
    }
  }
  EXPECT_EQ(rows, 10000);
  EXPECT_THAT(sizes, ElementsAre(8192, 1808));
  EXPECT_EQ((*reader)->bytes_read(), static_cast<int64_t>(bytes.size()));
}

}  // namespace
}  // namespace quiver::convert
