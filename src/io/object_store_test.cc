// Key rules, JoinKey and URI dispatch (io/object_store.h).

#include "io/object_store.h"

#include <filesystem>
#include <string>

#include "io/local_store.h"
#include "io/memory_store.h"
#include "io/store_test_util.h"
#include "testing.h"

namespace quiver {
namespace {

using io_testing::ReadString;
using ::testing::HasSubstr;

TEST(ValidateKeyTest, AcceptsRelativeKeys) {
  for (const char* key : {"a", "a/b", "t.quiver/_versions/00000000000000000001.manifest", ".hidden", "a/..b",
                          "a/b./c", "...", "with space/and-dash_+=@"}) {
    QUIVER_IO_EXPECT_OK(ValidateKey(key));
  }
}

TEST(ValidateKeyTest, RejectsBadKeysNamingThem) {
  const std::string bad[] = {"",
                             "/a",
                             "a/",
                             "a//b",
                             ".",
                             "..",
                             "./a",
                             "a/./b",
                             "a/..",
                             "../a",
                             ".tmp-1",
                             "x/.tmp-2/y",
                             std::string("a\0b", 3)};
  for (const std::string& key : bad) {
    Status st = ValidateKey(key);
    EXPECT_TRUE(st.IsInvalidArgument()) << "key \"" << key << "\": " << st.ToString();
    if (!key.empty() && key.find('\0') == std::string::npos) {
      EXPECT_THAT(st.message(), HasSubstr("\"" + key + "\""));
    }
  }
}

TEST(ValidatePrefixTest, AcceptsFoldersAndPartialNames) {
  for (const char* prefix : {"", "a", "a/", "a/b/", "a/b", "a/.", "a/..", ".", ".tmp"}) {
    QUIVER_IO_EXPECT_OK(ValidatePrefix(prefix));
  }
  for (const char* prefix : {"/", "/a", "a//", "../", "a/../b", "./", ".tmp-x/"}) {
    EXPECT_TRUE(ValidatePrefix(prefix).IsInvalidArgument()) << prefix;
  }
  QUIVER_IO_EXPECT_OK(ValidateFolderPrefix("a/b/"));
  EXPECT_TRUE(ValidateFolderPrefix("").IsInvalidArgument());
  EXPECT_TRUE(ValidateFolderPrefix("a").IsInvalidArgument());
  QUIVER_IO_EXPECT_OK(ValidateRenamePrefix("a/", "b/"));
  QUIVER_IO_EXPECT_OK(ValidateRenamePrefix("a/", "ab/"));
  EXPECT_TRUE(ValidateRenamePrefix("a/", "a/b/").IsInvalidArgument());
  EXPECT_TRUE(ValidateRenamePrefix("a/b/", "a/").IsInvalidArgument());
}

TEST(JoinKeyTest, JoinsWithOneSlash) {
  EXPECT_EQ(JoinKey("t", "a.data"), "t/a.data");
  EXPECT_EQ(JoinKey("t/", "a.data"), "t/a.data");
  EXPECT_EQ(JoinKey("t", "/a.data"), "t/a.data");
  EXPECT_EQ(JoinKey("t/", "/a.data"), "t/a.data");
  EXPECT_EQ(JoinKey("a/b", "c/d"), "a/b/c/d");
  EXPECT_EQ(JoinKey("", "x"), "x");
  EXPECT_EQ(JoinKey("x", ""), "x");
  EXPECT_EQ(JoinKey("", ""), "");
}

TEST(OpenObjectStoreTest, MemoryStoresAreSharedByName) {
  auto a = OpenObjectStore("memory://object-store-test");
  auto b = OpenObjectStore("memory://object-store-test");
  auto other = OpenObjectStore("memory://object-store-test-2");
  ASSERT_TRUE(a.ok() && b.ok() && other.ok());
  QUIVER_IO_ASSERT_OK((*a)->Put("k", "v"));
  EXPECT_EQ(ReadString(**b, "k"), "v");
  EXPECT_TRUE((*other)->Read("k").status().IsNotFound());
  EXPECT_EQ((*a)->uri(), "memory://object-store-test");
  EXPECT_EQ(a->get(), MemoryObjectStore::Named("object-store-test").get());
}

TEST(OpenObjectStoreTest, FileUrisAndPlainPathsAreLocal) {
  testing::TempDir dir;
  auto by_uri = OpenObjectStore("file://" + dir.Join("db"));
  ASSERT_TRUE(by_uri.ok()) << by_uri.status().ToString();
  EXPECT_TRUE((*by_uri)->is_local());
  EXPECT_EQ((*by_uri)->uri(), dir.Join("db"));
  QUIVER_IO_ASSERT_OK((*by_uri)->Put("k", "v"));

  auto by_path = OpenObjectStore(dir.Join("db"));
  ASSERT_TRUE(by_path.ok()) << by_path.status().ToString();
  EXPECT_EQ(ReadString(**by_path, "k"), "v");

  std::string relative = std::filesystem::relative(dir.Join("db"), std::filesystem::current_path()).string();
  auto by_relative = OpenObjectStore(relative);
  ASSERT_TRUE(by_relative.ok()) << by_relative.status().ToString();
  EXPECT_EQ(ReadString(**by_relative, "k"), "v");
}

TEST(OpenObjectStoreTest, UnknownOrBadUrisFail) {
  OpenStoreOptions misspelt;
  misspelt.storage_options = {{"aws_acess_key_id", "k"}};
  Status s3 = OpenObjectStore("s3://bucket/db", misspelt).status();
  EXPECT_TRUE(s3.IsInvalidArgument()) << s3.ToString();
  EXPECT_THAT(s3.message(), HasSubstr("aws_acess_key_id"));
  OpenStoreOptions stray;
  stray.storage_options = {{"region", "eu-west-1"}};
  EXPECT_TRUE(OpenObjectStore("memory://x", stray).status().IsInvalidArgument());
  EXPECT_TRUE(OpenObjectStore("s3:///db").status().IsInvalidArgument());

  Status gs = OpenObjectStore("gs://bucket/db").status();
  EXPECT_TRUE(gs.IsNotSupported()) << gs.ToString();
  EXPECT_THAT(gs.message(), HasSubstr("\"gs\""));

  EXPECT_TRUE(OpenObjectStore("").status().IsInvalidArgument());
  EXPECT_TRUE(OpenObjectStore("file://relative/dir").status().IsInvalidArgument());
}

}  // namespace
}  // namespace quiver
