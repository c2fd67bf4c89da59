#include "quiver/batch_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "quiver/builder.h"

namespace quiver {
namespace {

SchemaPtr OneColumn(const std::string& name) {
  return std::make_shared<const Schema>(std::vector<Field>{Field(name, int32())});
}

BatchPtr Batch(const SchemaPtr& schema, int rows) {
  auto b = ArrayBuilder::Make(int32());
  for (int i = 0; i < rows; ++i) EXPECT_TRUE(b->AppendInt(i).ok());
  return *RecordBatch::Make(schema, {b->Finish()});
}

TEST(BatchReaderTest, ReadsInOrderThenEnds) {
  auto schema = OneColumn("x");
  auto reader = MakeBatchReader(schema, {Batch(schema, 2), Batch(schema, 3)});
  EXPECT_EQ(reader->schema(), schema);
  auto first = reader->Next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)->num_rows(), 2);
  auto rest = reader->ReadAll();
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0]->num_rows(), 3);
  auto end = reader->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, nullptr);
  EXPECT_EQ(*reader->Next(), nullptr);
}

TEST(BatchReaderTest, EmptyReader) {
  auto reader = MakeBatchReader(OneColumn("x"), {});
  auto all = reader->ReadAll();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST(BatchReaderTest, MismatchedSchemaIsAnError) {
  auto schema = OneColumn("x");
  auto reader = MakeBatchReader(schema, {Batch(schema, 1), Batch(OneColumn("y"), 1)});
  auto all = reader->ReadAll();
  EXPECT_TRUE(all.status().IsInvalidArgument());
  EXPECT_THAT(all.status().message(), ::testing::HasSubstr("batch 1 does not match"));
}

}  // namespace
}  // namespace quiver
