// What is particular to LocalObjectStore: files on disk, temporary files,
// exclusivity across processes, error messages with paths.

#include "io/local_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "io/store_test_util.h"
#include "testing.h"

namespace quiver {
namespace {

using io_testing::ListKeys;
using io_testing::ReadString;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

namespace fs = std::filesystem;

std::unique_ptr<LocalObjectStore> OpenOrDie(const std::string& root, bool sync = true) {
  auto store = LocalObjectStore::Open(root, LocalObjectStore::Options{sync});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

void WriteFile(const std::string& path, const std::string& data) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

// Every file (not folder) under `root`, relative to it, sorted.
std::vector<std::string> FilesUnder(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), root).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(LocalObjectStoreTest, OpenCreatesTheRootAndItsParents) {
  testing::TempDir dir;
  std::string root = dir.Join("a/b/c");
  auto store = OpenOrDie(root + "/");
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(fs::is_directory(root));
  EXPECT_EQ(store->root(), root);
  EXPECT_EQ(store->uri(), root);
  EXPECT_TRUE(store->is_local());
}

TEST(LocalObjectStoreTest, OpenResolvesARelativeRoot) {
  testing::TempDir dir;
  std::string relative = fs::relative(dir.Join("rel"), fs::current_path()).string();
  ASSERT_FALSE(fs::path(relative).is_absolute());
  auto store = OpenOrDie(relative);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->root(), fs::weakly_canonical(dir.Join("rel")).string());
  QUIVER_IO_ASSERT_OK(store->Put("k", "v"));
  EXPECT_TRUE(fs::exists(dir.Join("rel/k")));
}

TEST(LocalObjectStoreTest, OpenFailsWhenTheRootIsAFile) {
  testing::TempDir dir;
  WriteFile(dir.Join("file"), "x");
  auto store = LocalObjectStore::Open(dir.Join("file"));
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(store.status().IsIOError());
  EXPECT_THAT(store.status().message(), HasSubstr(dir.Join("file")));
  EXPECT_TRUE(LocalObjectStore::Open("").status().IsInvalidArgument());
}

TEST(LocalObjectStoreTest, ObjectsAreFilesUnderTheRoot) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  QUIVER_IO_ASSERT_OK(store->Put("t/data/one.bin", "payload"));
  std::ifstream in(dir.Join("t/data/one.bin"));
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "payload");
  // And files put there by other means are objects.
  WriteFile(dir.Join("t/outside"), "hello");
  EXPECT_EQ(ReadString(*store, "t/outside"), "hello");
  EXPECT_THAT(FilesUnder(dir.path()), ElementsAre("t/data/one.bin", "t/outside"));
}

TEST(LocalObjectStoreTest, PutLeavesNoTemporaryFiles) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  QUIVER_IO_ASSERT_OK(store->Put("a/b", "1"));
  QUIVER_IO_ASSERT_OK(store->Put("a/b", "2"));
  QUIVER_IO_ASSERT_OK(store->PutIfAbsent("a/c", "3"));
  EXPECT_TRUE(store->PutIfAbsent("a/c", "4").IsAlreadyExists());
  auto writer = store->OpenWriter("a/d");
  ASSERT_TRUE(writer.ok());
  QUIVER_IO_ASSERT_OK((*writer)->Append("5"));
  QUIVER_IO_ASSERT_OK((*writer)->Close());
  EXPECT_THAT(FilesUnder(dir.path()), ElementsAre("a/b", "a/c", "a/d"));
  struct stat st;
  ASSERT_EQ(::stat(dir.Join("a/c").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u) << "the temporary link is removed";
}

TEST(LocalObjectStoreTest, ListSkipsTemporaryFilesAndRemoveTempFilesDeletesThem) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  QUIVER_IO_ASSERT_OK(store->Put("t/x", "1"));
  WriteFile(dir.Join("t/.tmp-crashed"), "partial");
  WriteFile(dir.Join(".tmp-top"), "partial");
  WriteFile(dir.Join("u/.tmp-other"), "partial");
  auto writer = store->OpenWriter("t/in-flight");
  ASSERT_TRUE(writer.ok());

  EXPECT_THAT(ListKeys(*store, ""), ElementsAre("t/x"));
  EXPECT_THAT(ListKeys(*store, "t/"), ElementsAre("t/x"));

  // A young file may be a live write: a long minimum age spares them all.
  Result<uint64_t> removed = store->RemoveTempFiles("t/", 3600 * 1000);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 0u);
  removed = store->RemoveTempFiles("t/", 0);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 2u);  // the crashed one and the open writer's
  EXPECT_THAT(FilesUnder(dir.path()), ElementsAre(".tmp-top", "t/x", "u/.tmp-other"));
  EXPECT_FALSE((*writer)->Close().ok()) << "its temporary file is gone";
  removed = store->RemoveTempFiles("", 0);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 2u);
  EXPECT_THAT(FilesUnder(dir.path()), ElementsAre("t/x"));
}

TEST(LocalObjectStoreTest, DeletePrunesEmptiedFolders) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  QUIVER_IO_ASSERT_OK(store->Put("a/b/c/d", "1"));
  QUIVER_IO_ASSERT_OK(store->Put("a/e", "2"));
  QUIVER_IO_ASSERT_OK(store->Delete("a/b/c/d"));
  EXPECT_FALSE(fs::exists(dir.Join("a/b")));
  EXPECT_TRUE(fs::exists(dir.Join("a/e")));
  QUIVER_IO_ASSERT_OK(store->Delete("a/e"));
  EXPECT_FALSE(fs::exists(dir.Join("a")));
  EXPECT_TRUE(fs::is_directory(dir.path())) << "the root stays";
  // Now "a" can be an object rather than a folder.
  QUIVER_IO_ASSERT_OK(store->Put("a", "object"));
  EXPECT_EQ(ReadString(*store, "a"), "object");
}

TEST(LocalObjectStoreTest, RenamePrefixMovesTheFolderInOneRename) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  QUIVER_IO_ASSERT_OK(store->Put("staging/t/a", "1"));
  QUIVER_IO_ASSERT_OK(store->Put("staging/t/b/c", "2"));
  struct stat before, after;
  ASSERT_EQ(::stat(dir.Join("staging/t").c_str(), &before), 0);
  QUIVER_IO_ASSERT_OK(store->RenamePrefix("staging/t/", "tables/t/"));
  ASSERT_EQ(::stat(dir.Join("tables/t").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the same directory, renamed";
  EXPECT_FALSE(fs::exists(dir.Join("staging"))) << "emptied parents are pruned";
  EXPECT_THAT(ListKeys(*store, ""), ElementsAre("tables/t/a", "tables/t/b/c"));
}

TEST(LocalObjectStoreTest, RenamePrefixOverAFolderWithOnlyLeftoversSucceeds) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  QUIVER_IO_ASSERT_OK(store->Put("a/x", "1"));
  WriteFile(dir.Join("b/.tmp-stale"), "junk");
  fs::create_directories(dir.Join("b/empty/sub"));
  QUIVER_IO_ASSERT_OK(store->RenamePrefix("a/", "b/"));
  EXPECT_THAT(FilesUnder(dir.path()), ElementsAre("b/x"));
}

TEST(LocalObjectStoreTest, FileAndFolderOfTheSameNameConflict) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  QUIVER_IO_ASSERT_OK(store->Put("a", "file"));
  Status st = store->Put("a/b", "x");
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr(dir.Join("a")));

  QUIVER_IO_ASSERT_OK(store->Put("d/e", "x"));
  st = store->Put("d", "x");
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr(dir.Join("d")));
  st = store->PutIfAbsent("d", "x");
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_THAT(FilesUnder(dir.path()), ElementsAre("a", "d/e")) << "no temporary files left behind";
}

TEST(LocalObjectStoreTest, ErrorsNameThePathAndTheReason) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores file permissions";
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  QUIVER_IO_ASSERT_OK(store->Put("locked/x", "1"));
  ASSERT_EQ(::chmod(dir.Join("locked/x").c_str(), 0), 0);
  Status st = store->Read("locked/x").status();
  EXPECT_TRUE(st.IsIOError());
  EXPECT_EQ(st.message(), "open " + dir.Join("locked/x") + ": Permission denied");
  ASSERT_EQ(::chmod(dir.Join("locked").c_str(), 0500), 0);
  st = store->Put("locked/y", "1");
  EXPECT_TRUE(st.IsIOError());
  EXPECT_THAT(st.message(), HasSubstr("Permission denied"));
  EXPECT_THAT(st.message(), HasSubstr(dir.Join("locked/")));
  ASSERT_EQ(::chmod(dir.Join("locked").c_str(), 0700), 0);
}

TEST(LocalObjectStoreTest, WorksWithoutSync) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path(), /*sync=*/false);
  QUIVER_IO_ASSERT_OK(store->Put("k", "v"));
  QUIVER_IO_ASSERT_OK(store->PutIfAbsent("k2", "v2"));
  EXPECT_EQ(ReadString(*store, "k"), "v");
  EXPECT_EQ(ReadString(*store, "k2"), "v2");
}

TEST(LocalObjectStoreTest, TwoStoresOnOneDirectorySeeEachOther) {
  testing::TempDir dir;
  auto first = OpenOrDie(dir.path());
  auto second = OpenOrDie(dir.path());
  QUIVER_IO_ASSERT_OK(first->PutIfAbsent("commit/1", "from first"));
  EXPECT_TRUE(second->PutIfAbsent("commit/1", "from second").IsAlreadyExists());
  EXPECT_EQ(ReadString(*second, "commit/1"), "from first");
}

// Forked processes race on PutIfAbsent of one key; exactly one may win, and
// the object holds the winner's bytes.
TEST(LocalObjectStoreTest, PutIfAbsentHasExactlyOneWinnerAmongProcesses) {
  testing::TempDir dir;
  constexpr int kChildren = 6;
  constexpr int kRounds = 5;
  enum ExitCode { kWon = 0, kLost = 1, kFailed = 2 };
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::string key = "_versions/" + std::to_string(round) + ".manifest";
    int gate[2];
    ASSERT_EQ(::pipe(gate), 0);
    std::vector<pid_t> children;
    for (int c = 0; c < kChildren; ++c) {
      pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        // Child: wait for the gate to open (the parent closes its end), then
        // race. Only async-signal-safe exits from here.
        ::close(gate[1]);
        char byte;
        while (::read(gate[0], &byte, 1) > 0) {
        }
        auto store = LocalObjectStore::Open(dir.path());
        if (!store.ok()) ::_exit(kFailed);
        Status st = (*store)->PutIfAbsent(key, "child-" + std::to_string(c));
        ::_exit(st.ok() ? kWon : st.IsAlreadyExists() ? kLost : kFailed);
      }
      children.push_back(pid);
    }
    ::close(gate[0]);
    ::close(gate[1]);  // go
    int won = 0, lost = 0, winner = -1;
    for (int c = 0; c < kChildren; ++c) {
      int status = 0;
      ASSERT_EQ(::waitpid(children[c], &status, 0), children[c]);
      ASSERT_TRUE(WIFEXITED(status));
      int code = WEXITSTATUS(status);
      if (code == kWon) {
        ++won;
        winner = c;
      } else if (code == kLost) {
        ++lost;
      }
    }
    EXPECT_EQ(won, 1);
    EXPECT_EQ(lost, kChildren - 1);
    auto store = OpenOrDie(dir.path());
    EXPECT_EQ(ReadString(*store, key), "child-" + std::to_string(winner));
  }
  EXPECT_EQ(FilesUnder(dir.path()).size(), static_cast<size_t>(kRounds)) << "no temporary files left";
}

TEST(LocalObjectStoreTest, ConcurrentPutsAndDeletesInOneFolder) {
  // Delete prunes emptied folders while Put recreates them; Put must retry
  // rather than fail.
  testing::TempDir dir;
  auto store = OpenOrDie(dir.path());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string key = "shared/deep/k" + std::to_string(t);
      for (int i = 0; i < 100; ++i) {
        Status put = store->Put(key, "v");
        Status del = store->Delete(key);
        if (!put.ok() || !del.ok()) {
          failures.fetch_add(1);
          ADD_FAILURE() << put.ToString() << " / " << del.ToString();
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(ListKeys(*store, ""), IsEmpty());
}

}  // namespace
}  // namespace quiver
