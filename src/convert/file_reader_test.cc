#include "convert/file_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "convert/cast.h"
#include "convert/test_util.h"
#include "quiver/builder.h"
#include "testing.h"

namespace quiver::convert {
namespace {

using ::quiver::convert::testing::ReadOk;
using ::quiver::convert::testing::Values;
using ::quiver::convert::testing::WriteFile;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(FileFormatTest, DetectedFromTheExtension) {
  EXPECT_EQ(*DetectFileFormat("a/b.jsonl"), FileFormat::kJsonLines);
  EXPECT_EQ(*DetectFileFormat("b.NDJSON"), FileFormat::kJsonLines);
  EXPECT_EQ(*DetectFileFormat("b.json"), FileFormat::kJson);
  EXPECT_EQ(*DetectFileFormat("b.Csv"), FileFormat::kCsv);
  EXPECT_EQ(*DetectFileFormat("b.tsv"), FileFormat::kTsv);
  EXPECT_EQ(*DetectFileFormat("b.npy"), FileFormat::kNpy);
  EXPECT_EQ(*DetectFileFormat("b.fvecs"), FileFormat::kFvecs);
  EXPECT_EQ(*DetectFileFormat("b.bvecs"), FileFormat::kBvecs);
  EXPECT_EQ(*DetectFileFormat("b.ivecs"), FileFormat::kIvecs);
  Status st = DetectFileFormat("data.parquet").status();
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_THAT(st.message(), HasSubstr("unknown file extension \".parquet\""));
  EXPECT_THAT(st.message(), HasSubstr("jsonl, ndjson, json, csv, tsv, npy, fvecs, bvecs, ivecs"));
  EXPECT_THAT(DetectFileFormat("dir.d/README").status().message(), HasSubstr("without an extension"));
}

TEST(FileFormatTest, Names) {
  for (FileFormat f :
       {FileFormat::kAuto, FileFormat::kJsonLines, FileFormat::kJson, FileFormat::kCsv, FileFormat::kTsv,
        FileFormat::kNpy, FileFormat::kFvecs, FileFormat::kBvecs, FileFormat::kIvecs}) {
    EXPECT_EQ(*ParseFileFormat(FileFormatName(f)), f);
  }
  EXPECT_EQ(*ParseFileFormat("ndjson"), FileFormat::kJsonLines);
  EXPECT_THAT(ParseFileFormat("xml").status().message(), HasSubstr("unknown file format \"xml\""));
}

TEST(FileReaderTest, ForcedFormatAndMissingFiles) {
  quiver::testing::TempDir dir;
  WriteFile(dir.Join("rows.txt"), "{\"a\": 1}\n");
  FileReadOptions options;
  options.format = FileFormat::kJsonLines;
  BatchPtr batch = ReadOk(dir.Join("rows.txt"), options);
  ASSERT_NE(batch, nullptr);
  EXPECT_THAT(Values(*batch, "a"), ElementsAre("1"));

  Status st = OpenFileReader(dir.Join("missing.csv")).status();
  EXPECT_TRUE(st.IsIOError());
  EXPECT_THAT(st.message(), HasSubstr("missing.csv"));
  EXPECT_TRUE(OpenFileReader(dir.path() + "/").status().IsInvalidArgument());
  EXPECT_THAT(OpenFileReader("-").status().message(), HasSubstr("needs an explicit format"));
}

TEST(FileReaderTest, ProgressOfAnOpenReader) {
  quiver::testing::TempDir dir;
  std::string text = "a\n";
  for (int i = 0; i < 5000; ++i) text += std::to_string(i) + "\n";
  WriteFile(dir.Join("rows.csv"), text);
  FileReadOptions options;
  options.batch_size = 1000;
  options.infer_rows = 10;
  Result<std::unique_ptr<FileReader>> reader = OpenFileReader(dir.Join("rows.csv"), options);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->total_bytes(), static_cast<int64_t>(text.size()));
  EXPECT_LT((*reader)->progress(), 0.01);
  ASSERT_TRUE((*reader)->Next().ok());
  EXPECT_GT((*reader)->progress(), 0.1);
  EXPECT_LT((*reader)->progress(), 0.3);
}

template <typename F>
ArrayPtr Build(const TypePtr& type, F&& append) {
  std::unique_ptr<ArrayBuilder> b = ArrayBuilder::Make(type);
  append(b.get());
  return b->Finish();
}

TEST(CastTest, Numbers) {
  ArrayPtr ints = Build(int64(), [](ArrayBuilder* b) {
    EXPECT_TRUE(b->AppendInt(1).ok());
    EXPECT_TRUE(b->AppendNull().ok());
    EXPECT_TRUE(b->AppendInt(-300).ok());
  });
  Result<ArrayPtr> doubles = CastArray(ints, float64());
  ASSERT_TRUE(doubles.ok()) << doubles.status().ToString();
  EXPECT_EQ((*doubles)->FormatValue(0), "1");
  EXPECT_TRUE((*doubles)->IsNull(1));
  EXPECT_EQ((*doubles)->FormatValue(2), "-300");
  EXPECT_TRUE((*doubles)->Validate().ok());

  Status st = CastArray(ints, int8()).status();
  EXPECT_EQ(st.message(), "row 2: value -300 does not fit in int8");
  ArrayPtr fractions = Build(float32(), [](ArrayBuilder* b) { EXPECT_TRUE(b->AppendDouble(1.5).ok()); });
  EXPECT_TRUE(CastArray(fractions, int32()).status().IsInvalidArgument());
  EXPECT_TRUE(CastArray(ints, utf8()).status().IsNotSupported());
  // Equal types share the array.
  EXPECT_EQ(*CastArray(ints, int64()), ints);
}

TEST(CastTest, SlicedVectors) {
  ArrayPtr vectors = Build(vector_type(2), [](ArrayBuilder* b) {
    const float rows[3][2] = {{1, 2}, {3, 4}, {5, 6}};
    for (const auto& r : rows) EXPECT_TRUE(b->AppendVector(r, 2).ok());
  });
  Result<ArrayPtr> halves = CastArray(vectors->Slice(1, 2), vector_type(2, float16()));
  ASSERT_TRUE(halves.ok()) << halves.status().ToString();
  EXPECT_EQ((*halves)->length(), 2);
  EXPECT_EQ((*halves)->FormatValue(0), "[3, 4]");
  EXPECT_EQ((*halves)->FormatValue(1), "[5, 6]");
  EXPECT_TRUE((*halves)->Validate().ok());
  EXPECT_FALSE(CanCast(*vector_type(2), *vector_type(3)));
}

}  // namespace
}  // namespace quiver::convert
