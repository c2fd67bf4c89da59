// The ObjectStore contract (io/object_store.h), checked against every store
// and through the decorators, which must not change it.

#include <atomic>
#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "io/local_store.h"
#include "io/memory_store.h"
#include "io/object_store.h"
#include "io/read_cache.h"
#include "io/s3_test_util.h"
#include "io/store_test_util.h"
#include "io/store_wrapper.h"
#include "testing.h"

namespace quiver {
namespace {

using io_testing::ListKeys;
using io_testing::Pattern;
using io_testing::ReadString;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Uses ObjectStore's own DeletePrefix/RenamePrefix (list, then one object at
// a time), which a store without a native form, like S3, will rely on.
class DefaultPrefixOpsStore : public ForwardingObjectStore {
 public:
  using ForwardingObjectStore::ForwardingObjectStore;
  Status DeletePrefix(std::string_view prefix) override { return ObjectStore::DeletePrefix(prefix); }
  Status RenamePrefix(std::string_view from, std::string_view to) override {
    return ObjectStore::RenamePrefix(from, to);
  }
};

struct StoreCase {
  std::string name;
  // Makes a fresh, empty store; `dir` is an empty scratch directory.
  std::function<ObjectStorePtr(const std::string& dir)> make;
  // Whether the store needs the S3 test server (skipped without it).
  bool s3 = false;
};

// So that gtest names a failing case by its store, not by its bytes.
void PrintTo(const StoreCase& store_case, std::ostream* os) { *os << store_case.name; }

ObjectStorePtr MakeLocal(const std::string& dir, bool sync) {
  auto store = LocalObjectStore::Open(dir + "/root", LocalObjectStore::Options{sync});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? ObjectStorePtr(std::move(store).value()) : nullptr;
}

std::vector<StoreCase> AllStoreCases() {
  return {
      {"Local", [](const std::string& dir) { return MakeLocal(dir, true); }},
      {"LocalNoSync", [](const std::string& dir) { return MakeLocal(dir, false); }},
      {"Memory", [](const std::string&) -> ObjectStorePtr { return std::make_shared<MemoryObjectStore>(); }},
      {"DefaultPrefixOpsOverMemory",
       [](const std::string&) -> ObjectStorePtr {
         return std::make_shared<DefaultPrefixOpsStore>(std::make_shared<MemoryObjectStore>());
       }},
      {"DefaultPrefixOpsOverLocal",
       [](const std::string& dir) -> ObjectStorePtr {
         return std::make_shared<DefaultPrefixOpsStore>(MakeLocal(dir, false));
       }},
      {"MetricsOverLocal",
       [](const std::string& dir) -> ObjectStorePtr {
         return std::make_shared<MetricsObjectStore>(MakeLocal(dir, false));
       }},
      {"FaultFreeOverMemory",
       [](const std::string&) -> ObjectStorePtr {
         return std::make_shared<FaultInjectionStore>(std::make_shared<MemoryObjectStore>());
       }},
      {"ReadCacheOverMemory",
       [](const std::string&) -> ObjectStorePtr {
         ReadCacheOptions options;
         options.cacheable = [](std::string_view) { return true; };
         return std::make_shared<ReadCacheStore>(std::make_shared<MemoryObjectStore>(), options);
       }},
      // The real thing: a bucket prefix on the test run's S3 server.
      {"S3", [](const std::string&) -> ObjectStorePtr { return nullptr; }, true},
  };
}

class StoreConformanceTest : public ::testing::TestWithParam<StoreCase> {
 protected:
  void SetUp() override {
    if (GetParam().s3) {
      QUIVER_SKIP_IF_NO_S3();
      s3_ = std::make_unique<io_testing::S3TestPrefix>("conformance");
      store_ = s3_->store();
    } else {
      store_ = GetParam().make(dir_.path());
    }
    ASSERT_NE(store_, nullptr);
  }

  ObjectStore& store() { return *store_; }

  testing::TempDir dir_;
  std::unique_ptr<io_testing::S3TestPrefix> s3_;
  ObjectStorePtr store_;
};

TEST_P(StoreConformanceTest, PutThenReadReturnsTheBytes) {
  const std::string binary("a\0b\xff\n", 5);
  const std::string large = Pattern(3 << 20, 1);
  QUIVER_IO_ASSERT_OK(store().Put("empty", ""));
  QUIVER_IO_ASSERT_OK(store().Put("dir/binary", binary));
  QUIVER_IO_ASSERT_OK(store().Put("dir/sub/large", large));
  EXPECT_EQ(ReadString(store(), "empty"), "");
  EXPECT_EQ(ReadString(store(), "dir/binary"), binary);
  EXPECT_EQ(ReadString(store(), "dir/sub/large"), large);

  Result<BufferPtr> whole = store().Read("dir/sub/large");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(reinterpret_cast<uintptr_t>((*whole)->data()) % 64, 0u) << "whole reads are 64-byte aligned";
}

TEST_P(StoreConformanceTest, PutReplacesAnExistingObject) {
  QUIVER_IO_ASSERT_OK(store().Put("k", "first, longer value"));
  QUIVER_IO_ASSERT_OK(store().Put("k", "second"));
  EXPECT_EQ(ReadString(store(), "k"), "second");
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("k"));
}

TEST_P(StoreConformanceTest, MissingObjectsAreNotFound) {
  QUIVER_IO_ASSERT_OK(store().Put("a/b", "x"));
  for (const char* key : {"missing", "a", "a/b/c", "a/missing"}) {
    SCOPED_TRACE(key);
    EXPECT_TRUE(store().Read(key).status().IsNotFound());
    EXPECT_TRUE(store().ReadRange(key, 0, 0).status().IsNotFound());
    EXPECT_TRUE(store().Head(key).status().IsNotFound());
    EXPECT_TRUE(store().Delete(key).IsNotFound());
  }
  Status st = store().Read("missing").status();
  EXPECT_NE(st.message().find("missing"), std::string::npos) << st.ToString();
}

TEST_P(StoreConformanceTest, ReadRangeReturnsExactlyTheRange) {
  const std::string data = Pattern(10000, 2);
  QUIVER_IO_ASSERT_OK(store().Put("obj", data));
  struct Range {
    uint64_t offset, length;
  };
  for (Range r :
       {Range{0, 10000}, Range{0, 1}, Range{9999, 1}, Range{1234, 5678}, Range{10000, 0}, Range{0, 0}}) {
    SCOPED_TRACE(std::to_string(r.offset) + "+" + std::to_string(r.length));
    Result<BufferPtr> got = store().ReadRange("obj", r.offset, r.length);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ((*got)->view(), std::string_view(data).substr(r.offset, r.length));
  }
}

TEST_P(StoreConformanceTest, ReadRangePastTheEndIsInvalidArgument) {
  QUIVER_IO_ASSERT_OK(store().Put("obj", "0123456789"));
  struct Range {
    uint64_t offset, length;
  };
  for (Range r :
       {Range{0, 11}, Range{5, 6}, Range{10, 1}, Range{11, 0}, Range{UINT64_MAX, 1}, Range{1, UINT64_MAX}}) {
    SCOPED_TRACE(std::to_string(r.offset) + "+" + std::to_string(r.length));
    Status st = store().ReadRange("obj", r.offset, r.length).status();
    EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
    EXPECT_NE(st.message().find("obj"), std::string::npos) << st.ToString();
  }
}

TEST_P(StoreConformanceTest, HeadReportsSizeAndModificationTime) {
  int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  QUIVER_IO_ASSERT_OK(store().Put("dir/obj", "12345"));
  int64_t after = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  Result<ObjectMeta> meta = store().Head("dir/obj");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->key, "dir/obj");
  EXPECT_EQ(meta->size, 5u);
  // File systems keep coarse timestamps; allow a little slack either side.
  EXPECT_GE(meta->mtime_ms, before - 1000);
  EXPECT_LE(meta->mtime_ms, after + 1000);
}

TEST_P(StoreConformanceTest, ListIsRecursiveSortedAndFilteredByPrefix) {
  for (const char* key : {"b", "a/y/z", "a/x", "a.b", "ab", "a/y2", "c/d/e"}) {
    QUIVER_IO_ASSERT_OK(store().Put(key, key));
  }
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("a.b", "a/x", "a/y/z", "a/y2", "ab", "b", "c/d/e"));
  EXPECT_THAT(ListKeys(store(), "a/"), ElementsAre("a/x", "a/y/z", "a/y2"));
  EXPECT_THAT(ListKeys(store(), "a"), ElementsAre("a.b", "a/x", "a/y/z", "a/y2", "ab"));
  EXPECT_THAT(ListKeys(store(), "a/y"), ElementsAre("a/y/z", "a/y2"));
  EXPECT_THAT(ListKeys(store(), "a/y/"), ElementsAre("a/y/z"));
  EXPECT_THAT(ListKeys(store(), "c/d/e"), ElementsAre("c/d/e"));
  EXPECT_THAT(ListKeys(store(), "missing/"), IsEmpty());
  EXPECT_THAT(ListKeys(store(), "c/d/e/"), IsEmpty());
  EXPECT_THAT(ListKeys(store(), "zzz"), IsEmpty());

  Result<std::vector<ObjectMeta>> listed = store().List("a/y/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].size, 5u);  // "a/y/z"
  EXPECT_GT((*listed)[0].mtime_ms, 0);
}

TEST_P(StoreConformanceTest, ListFoldersListsOneLevelOfFoldersHoldingObjects) {
  for (const char* key : {"b", "a/y/z", "a/x", "a.b", "ab", "a/y2", "c/d/e", "a-b/q"}) {
    QUIVER_IO_ASSERT_OK(store().Put(key, key));
  }
  auto folders = [&](std::string_view prefix) {
    Result<std::vector<std::string>> listed = store().ListFolders(prefix);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    return listed.ok() ? *listed : std::vector<std::string>{};
  };
  EXPECT_THAT(folders(""), ElementsAre("a", "a-b", "c"));
  EXPECT_THAT(folders("a/"), ElementsAre("y"));
  EXPECT_THAT(folders("c/"), ElementsAre("d"));
  EXPECT_THAT(folders("c/d/"), IsEmpty());
  EXPECT_THAT(folders("missing/"), IsEmpty());
  // A folder whose last object is gone is not listed, nor is one that only
  // an unfinished writer is writing into.
  QUIVER_IO_ASSERT_OK(store().Delete("a/y/z"));
  EXPECT_THAT(folders("a/"), IsEmpty());
  auto writer = store().OpenWriter("w/pending");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  QUIVER_IO_ASSERT_OK((*writer)->Append("not yet"));
  EXPECT_THAT(folders(""), ElementsAre("a", "a-b", "c"));
  QUIVER_IO_ASSERT_OK((*writer)->Close());
  EXPECT_THAT(folders(""), ElementsAre("a", "a-b", "c", "w"));
  for (const char* prefix : {"a", "/", "a//", "../"}) {
    SCOPED_TRACE(std::string("prefix \"") + prefix + "\"");
    EXPECT_TRUE(store().ListFolders(prefix).status().IsInvalidArgument());
  }
}

TEST_P(StoreConformanceTest, DeleteRemovesOneObject) {
  QUIVER_IO_ASSERT_OK(store().Put("a/x", "1"));
  QUIVER_IO_ASSERT_OK(store().Put("a/y", "2"));
  QUIVER_IO_ASSERT_OK(store().Put("a/deep/z", "3"));
  QUIVER_IO_ASSERT_OK(store().Delete("a/x"));
  QUIVER_IO_ASSERT_OK(store().Delete("a/deep/z"));
  EXPECT_TRUE(store().Read("a/x").status().IsNotFound());
  EXPECT_TRUE(store().Delete("a/x").IsNotFound());
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("a/y"));
  // The emptied folder can be written again.
  QUIVER_IO_ASSERT_OK(store().Put("a/deep/z", "4"));
  EXPECT_EQ(ReadString(store(), "a/deep/z"), "4");
}

TEST_P(StoreConformanceTest, DeletePrefixRemovesOnlyThatFolder) {
  for (const char* key : {"t/a", "t/b/c", "t/b/d", "t.x", "tt", "u/v"}) {
    QUIVER_IO_ASSERT_OK(store().Put(key, key));
  }
  QUIVER_IO_ASSERT_OK(store().DeletePrefix("t/"));
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("t.x", "tt", "u/v"));
  QUIVER_IO_EXPECT_OK(store().DeletePrefix("t/"));        // nothing left: fine
  QUIVER_IO_EXPECT_OK(store().DeletePrefix("missing/"));  // never there: fine
  EXPECT_TRUE(store().DeletePrefix("u").IsInvalidArgument());
  EXPECT_TRUE(store().DeletePrefix("").IsInvalidArgument());
  EXPECT_TRUE(store().DeletePrefix("../").IsInvalidArgument());
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("t.x", "tt", "u/v"));
}

TEST_P(StoreConformanceTest, RenamePrefixMovesEveryObject) {
  for (const char* key : {"from/a", "from/b/c", "from.x", "other/d"}) {
    QUIVER_IO_ASSERT_OK(store().Put(key, key));
  }
  QUIVER_IO_ASSERT_OK(store().RenamePrefix("from/", "new/place/"));
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("from.x", "new/place/a", "new/place/b/c", "other/d"));
  EXPECT_EQ(ReadString(store(), "new/place/b/c"), "from/b/c");
  // The old folder is free again.
  QUIVER_IO_ASSERT_OK(store().Put("from/a", "again"));
  EXPECT_EQ(ReadString(store(), "from/a"), "again");
}

TEST_P(StoreConformanceTest, RenamePrefixRefusesMissingSourceBusyTargetAndNesting) {
  QUIVER_IO_ASSERT_OK(store().Put("a/x", "1"));
  QUIVER_IO_ASSERT_OK(store().Put("b/y", "2"));
  EXPECT_TRUE(store().RenamePrefix("missing/", "c/").IsNotFound());
  EXPECT_TRUE(store().RenamePrefix("a/", "b/").IsAlreadyExists());
  EXPECT_TRUE(store().RenamePrefix("a/", "a/sub/").IsInvalidArgument());
  EXPECT_TRUE(store().RenamePrefix("a/", "a/").IsInvalidArgument());
  EXPECT_TRUE(store().RenamePrefix("a", "c/").IsInvalidArgument());
  EXPECT_TRUE(store().RenamePrefix("a/", "").IsInvalidArgument());
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("a/x", "b/y"));
  // A target folder whose objects were all deleted is free.
  QUIVER_IO_ASSERT_OK(store().Delete("b/y"));
  QUIVER_IO_ASSERT_OK(store().RenamePrefix("a/", "b/"));
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("b/x"));
}

TEST_P(StoreConformanceTest, PutIfAbsentCreatesOnlyOnce) {
  QUIVER_IO_ASSERT_OK(store().PutIfAbsent("v/1", "first"));
  Status st = store().PutIfAbsent("v/1", "second");
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  EXPECT_NE(st.message().find("v/1"), std::string::npos) << st.ToString();
  EXPECT_EQ(ReadString(store(), "v/1"), "first");
  QUIVER_IO_ASSERT_OK(store().Delete("v/1"));
  QUIVER_IO_ASSERT_OK(store().PutIfAbsent("v/1", "third"));
  EXPECT_EQ(ReadString(store(), "v/1"), "third");
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("v/1"));
}

TEST_P(StoreConformanceTest, PutIfAbsentHasExactlyOneWinnerAmongRacingThreads) {
  constexpr int kThreads = 8;
  constexpr int kKeys = 12;
  std::vector<std::atomic<int>> winners(kKeys);
  std::vector<std::atomic<int>> winner_id(kKeys);
  std::atomic<int> unexpected{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int k = 0; k < kKeys; ++k) {
        Status st = store().PutIfAbsent("race/" + std::to_string(k), "thread-" + std::to_string(t));
        if (st.ok()) {
          winners[k].fetch_add(1);
          winner_id[k].store(t);
        } else if (!st.IsAlreadyExists()) {
          unexpected.fetch_add(1);
          ADD_FAILURE() << st.ToString();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(unexpected.load(), 0);
  for (int k = 0; k < kKeys; ++k) {
    SCOPED_TRACE(k);
    EXPECT_EQ(winners[k].load(), 1);
    EXPECT_EQ(ReadString(store(), "race/" + std::to_string(k)),
              "thread-" + std::to_string(winner_id[k].load()));
  }
  EXPECT_EQ(ListKeys(store(), "").size(), static_cast<size_t>(kKeys));
}

TEST_P(StoreConformanceTest, ReadersNeverSeeAPartialPut) {
  const std::string small(64 << 10, 'a');
  const std::string big(256 << 10, 'b');
  QUIVER_IO_ASSERT_OK(store().Put("obj", small));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) {
      EXPECT_TRUE(store().Put("obj", i % 2 ? small : big).ok());
    }
    done.store(true);
  });
  int reads = 0;
  while (!done.load() || reads < 10) {
    std::string got = ReadString(store(), "obj");
    ++reads;
    if (got != small && got != big) {
      ADD_FAILURE() << "read " << got.size() << " bytes starting " << got.substr(0, 40);
      break;
    }
  }
  writer.join();
}

TEST_P(StoreConformanceTest, WriterPublishesOnlyAtClose) {
  Result<std::unique_ptr<ObjectWriter>> opened = store().OpenWriter("data/file.bin");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<ObjectWriter> writer = std::move(opened).value();
  std::string expected;
  // Small pieces, then ones larger than any internal buffer.
  for (int i = 0; i < 100; ++i) {
    std::string piece = Pattern(static_cast<size_t>(i) * 7, i);
    QUIVER_IO_ASSERT_OK(writer->Append(piece));
    expected += piece;
  }
  for (int i = 0; i < 3; ++i) {
    std::string piece = Pattern(1500000, i);
    QUIVER_IO_ASSERT_OK(writer->Append(piece));
    expected += piece;
  }
  EXPECT_EQ(writer->bytes_written(), expected.size());
  EXPECT_TRUE(store().Read("data/file.bin").status().IsNotFound());
  EXPECT_THAT(ListKeys(store(), ""), IsEmpty()) << "in-flight writes are invisible";
  QUIVER_IO_ASSERT_OK(writer->Close());
  EXPECT_EQ(ReadString(store(), "data/file.bin"), expected);
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("data/file.bin"));
  EXPECT_FALSE(writer->Append("more").ok());
  EXPECT_FALSE(writer->Close().ok());
  EXPECT_EQ(ReadString(store(), "data/file.bin"), expected);
}

TEST_P(StoreConformanceTest, WriterReplacesAnExistingObject) {
  QUIVER_IO_ASSERT_OK(store().Put("obj", "old"));
  auto writer = store().OpenWriter("obj");
  ASSERT_TRUE(writer.ok());
  QUIVER_IO_ASSERT_OK((*writer)->Append("new"));
  EXPECT_EQ(ReadString(store(), "obj"), "old");
  QUIVER_IO_ASSERT_OK((*writer)->Close());
  EXPECT_EQ(ReadString(store(), "obj"), "new");
}

TEST_P(StoreConformanceTest, AbortedOrDroppedWriterLeavesNothing) {
  QUIVER_IO_ASSERT_OK(store().Put("kept", "old"));
  {
    auto writer = store().OpenWriter("kept");
    ASSERT_TRUE(writer.ok());
    QUIVER_IO_ASSERT_OK((*writer)->Append("replacement"));
    (*writer)->Abort();
    (*writer)->Abort();  // idempotent
    EXPECT_FALSE((*writer)->Close().ok());
  }
  {
    auto writer = store().OpenWriter("dir/dropped");
    ASSERT_TRUE(writer.ok());
    QUIVER_IO_ASSERT_OK((*writer)->Append(Pattern(3 << 20, 3)));
  }  // destroyed without Close
  EXPECT_EQ(ReadString(store(), "kept"), "old");
  EXPECT_THAT(ListKeys(store(), ""), ElementsAre("kept"));
}

TEST_P(StoreConformanceTest, InvalidKeysAreRejectedByEveryOperation) {
  const std::vector<std::string> bad = {
      "",    "/abs", "dir/", "a//b",   ".",      "..",         "./a",
      "a/.", "a/..", "../x", "a/../b", ".tmp-x", "a/.tmp-1/b", std::string("a\0b", 3)};
  for (const std::string& key : bad) {
    SCOPED_TRACE("key \"" + key + "\"");
    EXPECT_TRUE(store().Read(key).status().IsInvalidArgument());
    EXPECT_TRUE(store().ReadRange(key, 0, 0).status().IsInvalidArgument());
    EXPECT_TRUE(store().Head(key).status().IsInvalidArgument());
    EXPECT_TRUE(store().Put(key, "x").IsInvalidArgument());
    EXPECT_TRUE(store().PutIfAbsent(key, "x").IsInvalidArgument());
    EXPECT_TRUE(store().OpenWriter(key).status().IsInvalidArgument());
    EXPECT_TRUE(store().Delete(key).IsInvalidArgument());
  }
  for (const char* prefix : {"/", "/a", "../", "a/../", "a//", "./b"}) {
    SCOPED_TRACE(std::string("prefix \"") + prefix + "\"");
    EXPECT_TRUE(store().List(prefix).status().IsInvalidArgument());
  }
  EXPECT_THAT(ListKeys(store(), ""), IsEmpty());
  // Names that merely start with dots are fine.
  QUIVER_IO_ASSERT_OK(store().Put(".hidden/..x/...", "ok"));
  EXPECT_THAT(ListKeys(store(), "."), ElementsAre(".hidden/..x/..."));
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformanceTest, ::testing::ValuesIn(AllStoreCases()),
                         [](const ::testing::TestParamInfo<StoreCase>& info) { return info.param.name; });

}  // namespace
}  // namespace quiver
