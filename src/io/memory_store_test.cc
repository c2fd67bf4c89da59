// What is particular to MemoryObjectStore: named sharing, zero-copy reads.

#include "io/memory_store.h"

#include <string>

#include "io/store_test_util.h"

namespace quiver {
namespace {

using io_testing::ListKeys;
using io_testing::ReadString;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(MemoryObjectStoreTest, NamedStoresAreSharedByName) {
  auto a1 = MemoryObjectStore::Named("memory-store-test-shared");
  auto a2 = MemoryObjectStore::Named("memory-store-test-shared");
  auto b = MemoryObjectStore::Named("memory-store-test-other");
  EXPECT_EQ(a1, a2);
  EXPECT_NE(a1, b);
  QUIVER_IO_ASSERT_OK(a1->Put("k", "v"));
  EXPECT_EQ(ReadString(*a2, "k"), "v");
  EXPECT_TRUE(b->Read("k").status().IsNotFound());
  EXPECT_EQ(a1->uri(), "memory://memory-store-test-shared");
}

TEST(MemoryObjectStoreTest, UnnamedStoresAreIndependent) {
  MemoryObjectStore first("same-name"), second("same-name");
  QUIVER_IO_ASSERT_OK(first.Put("k", "v"));
  EXPECT_THAT(ListKeys(second, ""), IsEmpty());
  EXPECT_EQ(first.uri(), "memory://same-name");
  EXPECT_FALSE(first.is_local());
}

TEST(MemoryObjectStoreTest, ReadsShareTheStoredBytes) {
  MemoryObjectStore store;
  QUIVER_IO_ASSERT_OK(store.Put("k", "0123456789"));
  auto whole1 = store.Read("k");
  auto whole2 = store.Read("k");
  auto range = store.ReadRange("k", 4, 3);
  ASSERT_TRUE(whole1.ok() && whole2.ok() && range.ok());
  EXPECT_EQ((*whole1)->data(), (*whole2)->data());
  EXPECT_EQ((*range)->data(), (*whole1)->data() + 4);
  EXPECT_EQ((*range)->view(), "456");
  // Replacing the object leaves buffers already handed out intact.
  QUIVER_IO_ASSERT_OK(store.Put("k", "new"));
  EXPECT_EQ((*whole1)->view(), "0123456789");
  EXPECT_EQ(store.total_bytes(), 3u);
}

TEST(MemoryObjectStoreTest, HoldsAnObjectAndAFolderOfTheSameName) {
  MemoryObjectStore store;
  QUIVER_IO_ASSERT_OK(store.Put("a", "object"));
  QUIVER_IO_ASSERT_OK(store.Put("a/b", "inside"));
  EXPECT_THAT(ListKeys(store, "a"), ElementsAre("a", "a/b"));
  EXPECT_THAT(ListKeys(store, "a/"), ElementsAre("a/b"));
  QUIVER_IO_ASSERT_OK(store.DeletePrefix("a/"));
  EXPECT_THAT(ListKeys(store, ""), ElementsAre("a"));
}

TEST(MemoryObjectStoreTest, WriterOutlivingItsStoreStillCloses) {
  std::unique_ptr<ObjectWriter> writer;
  {
    MemoryObjectStore store;
    auto opened = store.OpenWriter("k");
    ASSERT_TRUE(opened.ok());
    writer = std::move(opened).value();
  }
  QUIVER_IO_ASSERT_OK(writer->Append("late"));
  QUIVER_IO_EXPECT_OK(writer->Close());
}

}  // namespace
}  // namespace quiver
