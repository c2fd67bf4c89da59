#include "convert/npy_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/float16.h"
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

// An .npy file as numpy.save writes it: the header padded with spaces to a
// multiple of 64 bytes and ended by a newline.
std::string MakeNpy(const std::string& dict, const std::string& data, int major = 1) {
  const size_t prelude = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((prelude + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  const uint32_t len = static_cast<uint32_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>((len >> 8) & 0xff);
  if (major != 1) {
    out += static_cast<char>((len >> 16) & 0xff);
    out += static_cast<char>((len >> 24) & 0xff);
  }
  return out + header + data;
}

template <typename T>
std::string Raw(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

std::string Dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

class NpyReaderTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_.Join(name);
    WriteFile(path, bytes);
    return path;
  }
  quiver::testing::TempDir dir_;
};

TEST_F(NpyReaderTest, Float32Matrix) {
  std::vector<float> v = {0.5f, 1, 2, -3, 4.25f, 5, 6, 7, 8, 9, 10, 11};
  BatchPtr batch = ReadOk(Write("a.npy", MakeNpy(Dict("<f4", "(3, 4)"), Raw(v))));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "id: int64, vector: fixed_size_list<float>[4]");
  EXPECT_THAT(Values(*batch, "id"), ElementsAre("0", "1", "2"));
  EXPECT_THAT(Values(*batch, "vector"), ElementsAre("[0.5, 1, 2, -3]", "[4.25, 5, 6, 7]", "[8, 9, 10, 11]"));
  EXPECT_TRUE(batch->Validate().ok());
}

TEST_F(NpyReaderTest, Float64BecomesFloat32) {
  std::vector<double> v = {0.1, 0.2, 0.3, 0.4};
  BatchPtr batch = ReadOk(Write("a.npy", MakeNpy(Dict("<f8", "(2, 2)"), Raw(v), /*major=*/2)));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "id: int64, vector: fixed_size_list<float>[2]");
  const float* f = batch->GetColumn("vector")->child(0)->values<float>();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f[i], static_cast<float>(v[i]));
}

TEST_F(NpyReaderTest, Float16StaysFloat16) {
  std::vector<uint16_t> v = {FloatToHalf(0.5f), FloatToHalf(-2.0f), FloatToHalf(1.5f), FloatToHalf(3.0f)};
  BatchPtr batch = ReadOk(Write("a.npy", MakeNpy(Dict("<f2", "(2, 2)"), Raw(v))));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "id: int64, vector: fixed_size_list<halffloat>[2]");
  EXPECT_THAT(Values(*batch, "vector"), ElementsAre("[0.5, -2]", "[1.5, 3]"));
}

TEST_F(NpyReaderTest, Integers) {
  BatchPtr batch = ReadOk(Write("a.npy", MakeNpy(Dict("<i8", "(3,)"), Raw(std::vector<int64_t>{7, -8, 9}))));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "id: int64, value: int64");
  EXPECT_THAT(Values(*batch, "value"), ElementsAre("7", "-8", "9"));
  batch =
      ReadOk(Write("b.npy", MakeNpy(Dict("|u1", "(2, 3)"), Raw(std::vector<uint8_t>{1, 2, 3, 4, 5, 255}))));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "id: int64, vector: fixed_size_list<uint8>[3]");
  EXPECT_THAT(Values(*batch, "vector"), ElementsAre("[1, 2, 3]", "[4, 5, 255]"));
  batch = ReadOk(Write("c.npy", MakeNpy(Dict("<i4", "(1, 2)"), Raw(std::vector<int32_t>{-1, 1}))));
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(SchemaString(*batch->schema()), "id: int64, vector: fixed_size_list<int32>[2]");
}

TEST_F(NpyReaderTest, StreamsInBatches) {
  std::vector<float> v(100 * 8);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  FileReadOptions options;
  options.batch_size = 32;
  Result<std::unique_ptr<FileReader>> reader =
      OpenFileReader(Write("a.npy", MakeNpy(Dict("<f4", "(100, 8)"), Raw(v))), options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Result<std::vector<BatchPtr>> batches = (*reader)->ReadAll();
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  ASSERT_EQ(batches->size(), 4u);
  EXPECT_EQ((*batches)[3]->num_rows(), 4);
  EXPECT_EQ((*batches)[3]->column(0)->values<int64_t>()[3], 99);
  EXPECT_EQ((*batches)[3]->column(1)->child(0)->values<float>()[3 * 8 + 7], 799.0f);
  EXPECT_DOUBLE_EQ((*reader)->progress(), 1.0);
}

TEST_F(NpyReaderTest, Unsupported) {
  std::vector<float> v(4);
  Status st = ReadError(Write("f.npy", MakeNpy(Dict("<f4", "(2, 2)", /*fortran=*/true), Raw(v))));
  EXPECT_TRUE(st.IsNotSupported()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("Fortran-order"));
  st = ReadError(Write("be.npy", MakeNpy(Dict(">f4", "(2, 2)"), Raw(v))));
  EXPECT_TRUE(st.IsNotSupported());
  EXPECT_THAT(st.message(), HasSubstr("big-endian"));
  st = ReadError(Write("3d.npy", MakeNpy(Dict("<f4", "(1, 2, 2)"), Raw(v))));
  EXPECT_TRUE(st.IsNotSupported());
  EXPECT_THAT(st.message(), HasSubstr("shape (1, 2, 2)"));
  st = ReadError(Write("c.npy", MakeNpy(Dict("<c8", "(2,)"), Raw(v))));
  EXPECT_TRUE(st.IsNotSupported());
  st = ReadError(
      Write("s.npy", MakeNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", Raw(v))));
  EXPECT_TRUE(st.IsNotSupported());
}

TEST_F(NpyReaderTest, CorruptFiles) {
  std::vector<float> v(7);
  Status st = ReadError(Write("short.npy", MakeNpy(Dict("<f4", "(2, 4)"), Raw(v))));
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("is truncated"));
  EXPECT_THAT(st.message(), HasSubstr("needs 32 bytes of data, it has 28"));
  st = ReadError(Write("magic.npy", "not numpy at all"));
  EXPECT_THAT(st.message(), HasSubstr("not an .npy file"));
  st = ReadError(Write("header.npy", MakeNpy("{'descr': '<f4', 'shape': (2, 4) 'x'}", Raw(v))));
  EXPECT_THAT(st.message(), HasSubstr("bad .npy header"));
}

TEST(NpyHeaderTest, Parses) {
  Result<NpyHeader> h =
      ParseNpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (10000, 128), }  \n");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->descr, "<f4");
  EXPECT_FALSE(h->fortran_order);
  EXPECT_THAT(h->shape, ElementsAre(10000, 128));
  h = ParseNpyHeader("{\"shape\": (5L,), \"descr\": \"|u1\", \"fortran_order\": True}");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_TRUE(h->fortran_order);
  EXPECT_THAT(h->shape, ElementsAre(5));
  h = ParseNpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (), }");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->shape.empty());
}

}  // namespace
}  // namespace quiver::convert
