// MetricsObjectStore and FaultInjectionStore.

#include "io/store_wrapper.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "io/local_store.h"
#include "io/memory_store.h"
#include "io/store_test_util.h"
#include "testing.h"

namespace quiver {
namespace {

using io_testing::ListKeys;
using io_testing::ReadString;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(StoreOpsTest, SetsAndNames) {
  StoreOps ops = StoreOp::kPut | StoreOp::kDelete;
  EXPECT_TRUE(ops.contains(StoreOp::kPut));
  EXPECT_TRUE(ops.contains(StoreOp::kDelete));
  EXPECT_FALSE(ops.contains(StoreOp::kRead));
  EXPECT_TRUE(StoreOps().empty());
  for (int i = 0; i < kNumStoreOps; ++i) {
    StoreOp op = static_cast<StoreOp>(i);
    EXPECT_TRUE(StoreOps::All().contains(op));
    EXPECT_NE(StoreOps::Reads().contains(op), StoreOps::Writes().contains(op)) << StoreOpName(op);
    if (StoreOps::Mutations().contains(op)) {
      EXPECT_TRUE(StoreOps::Writes().contains(op)) << StoreOpName(op);
    }
  }
  EXPECT_FALSE(StoreOps::Mutations().contains(StoreOp::kWriterAppend));
  EXPECT_TRUE(StoreOps::Mutations().contains(StoreOp::kWriterClose));
  EXPECT_EQ(StoreOpName(StoreOp::kPutIfAbsent), "put_if_absent");
}

TEST(StoreOpsTest, Parse) {
  auto ops = ParseStoreOps("put, writer_close,delete");
  ASSERT_TRUE(ops.ok()) << ops.status().ToString();
  EXPECT_EQ(*ops, StoreOp::kPut | StoreOp::kWriterClose | StoreOp::kDelete);
  auto mutations = ParseStoreOps("mutations");
  ASSERT_TRUE(mutations.ok());
  EXPECT_EQ(*mutations, StoreOps::Mutations());
  Status bad = ParseStoreOps("put,bogus").status();
  EXPECT_TRUE(bad.IsInvalidArgument());
  EXPECT_THAT(bad.message(), HasSubstr("\"bogus\""));
}

TEST(ForwardingObjectStoreTest, ForwardsEverything) {
  testing::TempDir dir;
  auto local = LocalObjectStore::Open(dir.path());
  ASSERT_TRUE(local.ok());
  ObjectStorePtr target(std::move(local).value());
  ForwardingObjectStore store(target);
  EXPECT_EQ(store.target(), target);
  EXPECT_EQ(store.uri(), target->uri());
  EXPECT_TRUE(store.is_local());
  QUIVER_IO_ASSERT_OK(store.Put("a/b", "v"));
  EXPECT_EQ(ReadString(*target, "a/b"), "v");
}

TEST(MetricsObjectStoreTest, CountsRequestsAndBytes) {
  auto store = std::make_shared<MetricsObjectStore>(std::make_shared<MemoryObjectStore>());
  QUIVER_IO_ASSERT_OK(store->Put("a", "12345"));
  QUIVER_IO_ASSERT_OK(store->PutIfAbsent("b", "123"));
  EXPECT_TRUE(store->PutIfAbsent("b", "1234567").IsAlreadyExists());
  ASSERT_TRUE(store->Read("a").ok());
  ASSERT_TRUE(store->ReadRange("a", 1, 2).ok());
  EXPECT_TRUE(store->Read("missing").status().IsNotFound());
  ASSERT_TRUE(store->Head("a").ok());
  ASSERT_TRUE(store->List("").ok());
  {
    auto writer = store->OpenWriter("w");
    ASSERT_TRUE(writer.ok());
    QUIVER_IO_ASSERT_OK((*writer)->Append("abc"));
    QUIVER_IO_ASSERT_OK((*writer)->Append("defg"));
    QUIVER_IO_ASSERT_OK((*writer)->Close());
  }
  QUIVER_IO_ASSERT_OK(store->Delete("a"));
  EXPECT_TRUE(store->RenamePrefix("x/", "y/").IsNotFound());
  QUIVER_IO_ASSERT_OK(store->DeletePrefix("y/"));

  StoreMetrics m = store->Snapshot();
  EXPECT_EQ(m.read_requests, 3u);
  EXPECT_EQ(m.range_read_requests, 1u);
  EXPECT_EQ(m.bytes_read, 5u + 2u);
  EXPECT_EQ(m.write_requests, 4u);  // put, two put_if_absent, writer close
  EXPECT_EQ(m.bytes_written, 5u + 3u + 7u);
  EXPECT_EQ(m.head_calls, 1u);
  EXPECT_EQ(m.list_calls, 1u);
  EXPECT_EQ(m.delete_calls, 1u);
  EXPECT_EQ(m.delete_prefix_calls, 1u);
  EXPECT_EQ(m.rename_prefix_calls, 1u);
  EXPECT_EQ(m.writers_opened, 1u);
  EXPECT_EQ(m.errors, 3u);  // AlreadyExists, NotFound read, NotFound rename
  EXPECT_THAT(m.ToString(), HasSubstr("reads=3 (range 1) bytes_read=7 writes=4 bytes_written=15"));

  store->Reset();
  m = store->Snapshot();
  EXPECT_EQ(m.read_requests + m.bytes_read + m.write_requests + m.bytes_written + m.errors + m.list_calls,
            0u);
}

TEST(MetricsObjectStoreTest, CountsFromManyThreads) {
  auto store = std::make_shared<MetricsObjectStore>(std::make_shared<MemoryObjectStore>());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        std::string key = "k" + std::to_string(t) + "/" + std::to_string(i);
        EXPECT_TRUE(store->Put(key, "xy").ok());
        EXPECT_TRUE(store->Read(key).ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  StoreMetrics m = store->Snapshot();
  EXPECT_EQ(m.write_requests, 1000u);
  EXPECT_EQ(m.bytes_written, 2000u);
  EXPECT_EQ(m.read_requests, 1000u);
  EXPECT_EQ(m.bytes_read, 2000u);
}

class FaultInjectionStoreTest : public ::testing::Test {
 protected:
  std::shared_ptr<MemoryObjectStore> base_ = std::make_shared<MemoryObjectStore>();
  std::shared_ptr<FaultInjectionStore> store_ = std::make_shared<FaultInjectionStore>(base_);
};

TEST_F(FaultInjectionStoreTest, FailsOnlyTheNthMatchingOperation) {
  store_->FailNth(StoreOp::kPut, 2);
  QUIVER_IO_ASSERT_OK(store_->Put("a", "1"));
  Status st = store_->Put("b", "2");
  EXPECT_TRUE(st.IsIOError());
  EXPECT_EQ(st.message(), "injected fault: put \"b\"");
  QUIVER_IO_ASSERT_OK(store_->Put("c", "3"));
  QUIVER_IO_ASSERT_OK(store_->PutIfAbsent("d", "4"));  // not a kPut
  EXPECT_THAT(ListKeys(*base_, ""), ElementsAre("a", "c", "d")) << "the failed put never happened";
  EXPECT_EQ(store_->faults_injected(), 1u);
  EXPECT_EQ(store_->op_count(StoreOp::kPut), 3u);
}

TEST_F(FaultInjectionStoreTest, FailsEveryMatchOfAKeySubstring) {
  store_->FailAlways(StoreOps::Writes(), "_versions/");
  QUIVER_IO_ASSERT_OK(store_->Put("t/data/1.data", "d"));
  EXPECT_TRUE(store_->PutIfAbsent("t/_versions/1.manifest", "m").IsIOError());
  EXPECT_TRUE(store_->PutIfAbsent("t/_versions/1.manifest", "m").IsIOError());
  EXPECT_TRUE(store_->OpenWriter("t/_versions/2.manifest").status().IsIOError());
  EXPECT_TRUE(store_->Delete("t/_versions/0.manifest").IsIOError());
  // Reads are not writes.
  EXPECT_TRUE(store_->Read("t/_versions/1.manifest").status().IsNotFound());
  EXPECT_EQ(store_->faults_injected(), 4u);
  store_->ClearRules();
  QUIVER_IO_ASSERT_OK(store_->PutIfAbsent("t/_versions/1.manifest", "m"));
}

TEST_F(FaultInjectionStoreTest, AFailedWriterCloseLeavesNoObject) {
  QUIVER_IO_ASSERT_OK(base_->Put("obj", "old"));
  store_->FailNth(StoreOp::kWriterClose, 1);
  auto writer = store_->OpenWriter("obj");
  ASSERT_TRUE(writer.ok());
  QUIVER_IO_ASSERT_OK((*writer)->Append("new"));
  Status st = (*writer)->Close();
  EXPECT_TRUE(st.IsIOError());
  EXPECT_THAT(st.message(), HasSubstr("writer_close \"obj\""));
  EXPECT_EQ(ReadString(*base_, "obj"), "old");

  auto second = store_->OpenWriter("obj2");
  ASSERT_TRUE(second.ok());
  QUIVER_IO_ASSERT_OK((*second)->Close());  // only the first close fails
  EXPECT_EQ(ReadString(*base_, "obj2"), "");
}

TEST_F(FaultInjectionStoreTest, AFailedWriterCloseOverLocalLeavesNoFiles) {
  testing::TempDir dir;
  auto local = LocalObjectStore::Open(dir.path());
  ASSERT_TRUE(local.ok());
  auto store = std::make_shared<FaultInjectionStore>(ObjectStorePtr(std::move(local).value()));
  store->FailAlways(StoreOp::kWriterClose);
  auto writer = store->OpenWriter("t/x.data");
  ASSERT_TRUE(writer.ok());
  QUIVER_IO_ASSERT_OK((*writer)->Append("bytes"));
  EXPECT_FALSE((*writer)->Close().ok());
  writer->reset();
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  }
  EXPECT_THAT(files, IsEmpty());
}

TEST_F(FaultInjectionStoreTest, FailsWriterAppends) {
  store_->FailNth(StoreOp::kWriterAppend, 2, "big");
  auto writer = store_->OpenWriter("big.data");
  ASSERT_TRUE(writer.ok());
  QUIVER_IO_ASSERT_OK((*writer)->Append("1"));
  EXPECT_THAT((*writer)->Append("2").message(), HasSubstr("injected fault: writer_append \"big.data\""));
  // A writer that failed stays failed: closing it publishes nothing.
  EXPECT_FALSE((*writer)->Append("3").ok());
  EXPECT_FALSE((*writer)->Close().ok());
  EXPECT_THAT(ListKeys(*base_, ""), IsEmpty());
}

TEST_F(FaultInjectionStoreTest, AfterSuccessFaultHidesAWriteThatLanded) {
  FaultRule rule;
  rule.ops = StoreOp::kPutIfAbsent;
  rule.nth = 1;
  rule.after_success = true;
  store_->AddRule(rule);
  Status st = store_->PutIfAbsent("v/1", "mine");
  EXPECT_TRUE(st.IsIOError());
  EXPECT_EQ(ReadString(*base_, "v/1"), "mine") << "the write happened anyway";
  EXPECT_TRUE(store_->PutIfAbsent("v/1", "retry").IsAlreadyExists());
}

TEST_F(FaultInjectionStoreTest, CrashStopsEverythingFromThatPointOn) {
  store_->CrashAt(StoreOps::Mutations(), 3);
  QUIVER_IO_ASSERT_OK(store_->Put("1", "a"));
  ASSERT_TRUE(store_->Read("1").ok());  // reads are not counted by the rule
  QUIVER_IO_ASSERT_OK(store_->Put("2", "b"));
  EXPECT_FALSE(store_->crashed());
  Status st = store_->Put("3", "c");
  EXPECT_TRUE(st.IsIOError());
  EXPECT_EQ(st.message(), "injected crash: put \"3\"");
  EXPECT_TRUE(store_->crashed());
  // Nothing gets through any more, reads included.
  Status after = store_->Read("1").status();
  EXPECT_TRUE(after.IsIOError());
  EXPECT_THAT(after.message(), HasSubstr("after the store crashed at put \"3\""));
  EXPECT_TRUE(store_->Delete("1").IsIOError());
  EXPECT_TRUE(store_->List("").status().IsIOError());
  EXPECT_THAT(ListKeys(*base_, ""), ElementsAre("1", "2"));
  store_->ClearRules();
  EXPECT_FALSE(store_->crashed());
  QUIVER_IO_ASSERT_OK(store_->Put("3", "c"));
}

TEST_F(FaultInjectionStoreTest, AWriterOpenAcrossACrashPublishesNothing) {
  auto writer = store_->OpenWriter("big.data");
  ASSERT_TRUE(writer.ok());
  QUIVER_IO_ASSERT_OK((*writer)->Append("partial"));
  store_->CrashAt(StoreOp::kPut, 1);
  EXPECT_TRUE(store_->Put("other", "x").IsIOError());
  EXPECT_TRUE((*writer)->Close().IsIOError());
  EXPECT_THAT(ListKeys(*base_, ""), IsEmpty());
}

TEST_F(FaultInjectionStoreTest, RenamePrefixMatchesEitherPrefix) {
  QUIVER_IO_ASSERT_OK(base_->Put("a/x", "1"));
  store_->FailAlways(StoreOp::kRenamePrefix, "target");
  Status st = store_->RenamePrefix("a/", "target/");
  EXPECT_EQ(st.message(), "injected fault: rename_prefix \"a/\" to \"target/\"");
  QUIVER_IO_ASSERT_OK(store_->RenamePrefix("a/", "b/"));
  EXPECT_THAT(ListKeys(*base_, ""), ElementsAre("b/x"));
}

// A stand-in for a table write: a data file through a writer, an index by
// Put, then the commit by PutIfAbsent. Returns the first failure.
Status FakeTableWrite(ObjectStore& store) {
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> writer, store.OpenWriter("t/data/1.data"));
  QUIVER_RETURN_NOT_OK(writer->Append("rows"));
  QUIVER_RETURN_NOT_OK(writer->Close());
  QUIVER_RETURN_NOT_OK(store.Put("t/index/1.idx", "index"));
  return store.PutIfAbsent("t/_versions/1.manifest", "manifest");
}

// The loop a table-level crash test runs: count the steps once, then crash
// at each step in turn and check what survives.
TEST_F(FaultInjectionStoreTest, CrashAtEachStepOfAWrite) {
  QUIVER_IO_ASSERT_OK(FakeTableWrite(*store_));
  uint64_t steps = store_->op_count(StoreOps::Mutations());
  ASSERT_EQ(steps, 3u);
  EXPECT_EQ(store_->op_count(StoreOps::Writes()), 5u);  // + open_writer, writer_append

  const std::vector<std::string> published = {"t/data/1.data", "t/index/1.idx", "t/_versions/1.manifest"};
  for (uint64_t k = 1; k <= steps; ++k) {
    SCOPED_TRACE("crash at step " + std::to_string(k));
    auto base = std::make_shared<MemoryObjectStore>();
    auto faulty = std::make_shared<FaultInjectionStore>(base);
    faulty->CrashAt(StoreOps::Mutations(), k);
    EXPECT_TRUE(FakeTableWrite(*faulty).IsIOError());
    std::vector<std::string> expected(published.begin(), published.begin() + static_cast<long>(k - 1));
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(ListKeys(*base, ""), expected);
  }
}

}  // namespace
}  // namespace quiver
