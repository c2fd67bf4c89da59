// ReadCacheStore: what is answered from memory or disk, what still goes to
// the target, and that writes through it never leave stale bytes.

#include "io/read_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "io/memory_store.h"
#include "io/store_test_util.h"
#include "testing.h"

namespace quiver {
namespace {

using io_testing::Pattern;
using io_testing::ReadString;

struct Fixture {
  explicit Fixture(ReadCacheOptions options = {}) {
    if (!options.cacheable) options.cacheable = [](std::string_view key) { return key.starts_with("data/"); };
    metrics = std::make_shared<MetricsObjectStore>(std::make_shared<MemoryObjectStore>());
    cache = std::make_shared<ReadCacheStore>(metrics, std::move(options));
  }
  uint64_t target_reads() const { return metrics->Snapshot().read_requests; }
  std::shared_ptr<MetricsObjectStore> metrics;
  std::shared_ptr<ReadCacheStore> cache;
};

TEST(ReadCacheTest, RepeatedAndContainedRangesAreServedFromMemory) {
  Fixture f;
  const std::string data = Pattern(100000, 1);
  ASSERT_TRUE(f.cache->Put("data/a", data).ok());
  f.metrics->Reset();

  auto first = f.cache->ReadRange("data/a", 1000, 5000);
  ASSERT_TRUE(first.ok());
  auto again = f.cache->ReadRange("data/a", 1000, 5000);
  auto inside = f.cache->ReadRange("data/a", 2000, 100);
  ASSERT_TRUE(again.ok() && inside.ok());
  EXPECT_EQ((*again)->view(), std::string_view(data).substr(1000, 5000));
  EXPECT_EQ((*inside)->view(), std::string_view(data).substr(2000, 100));
  EXPECT_EQ(f.target_reads(), 1u);

  // A range that sticks out of every cached one is fetched.
  ASSERT_TRUE(f.cache->ReadRange("data/a", 5500, 1000).ok());
  EXPECT_EQ(f.target_reads(), 2u);

  // A whole read, then any range of it, and the size from Head.
  EXPECT_EQ(ReadString(*f.cache, "data/a"), data);
  EXPECT_EQ(ReadString(*f.cache, "data/a"), data);
  auto tail = f.cache->ReadRange("data/a", 99990, 10);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ((*tail)->view(), std::string_view(data).substr(99990));
  EXPECT_EQ(f.target_reads(), 3u);

  ReadCacheStats stats = f.cache->stats();
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(stats.hits, 4u);
  EXPECT_EQ(stats.bytes_hit, 5000u + 100 + 100000 + 10);
}

TEST(ReadCacheTest, OnlyCacheableKeysAreCached) {
  Fixture f;
  ASSERT_TRUE(f.cache->Put("_versions/1.manifest", "m1").ok());
  f.metrics->Reset();
  EXPECT_EQ(ReadString(*f.cache, "_versions/1.manifest"), "m1");
  EXPECT_EQ(ReadString(*f.cache, "_versions/1.manifest"), "m1");
  EXPECT_EQ(f.target_reads(), 2u);
  EXPECT_EQ(f.cache->stats().hits, 0u);
}

TEST(ReadCacheTest, WritesAndDeletesThroughTheCacheDropStaleBytes) {
  Fixture f;
  ASSERT_TRUE(f.cache->Put("data/a", "old bytes").ok());
  EXPECT_EQ(ReadString(*f.cache, "data/a"), "old bytes");
  ASSERT_TRUE(f.cache->Put("data/a", "new bytes!").ok());
  EXPECT_EQ(ReadString(*f.cache, "data/a"), "new bytes!");
  ASSERT_TRUE(f.cache->Delete("data/a").ok());
  EXPECT_TRUE(f.cache->Read("data/a").status().IsNotFound());

  ASSERT_TRUE(f.cache->Put("data/dir/b", "b1").ok());
  EXPECT_EQ(ReadString(*f.cache, "data/dir/b"), "b1");
  ASSERT_TRUE(f.cache->DeletePrefix("data/dir/").ok());
  EXPECT_TRUE(f.cache->Read("data/dir/b").status().IsNotFound());

  auto writer = f.cache->OpenWriter("data/c");
  ASSERT_TRUE((*writer)->Append("c1").ok() && (*writer)->Close().ok());
  EXPECT_EQ(ReadString(*f.cache, "data/c"), "c1");
  writer = f.cache->OpenWriter("data/c");
  ASSERT_TRUE((*writer)->Append("c2").ok() && (*writer)->Close().ok());
  EXPECT_EQ(ReadString(*f.cache, "data/c"), "c2");
}

TEST(ReadCacheTest, MemoryIsBoundedByLeastRecentlyUsed) {
  ReadCacheOptions options;
  options.memory_bytes = 25000;
  Fixture f(options);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(f.cache->Put("data/" + std::to_string(i), Pattern(10000, i)).ok());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(ReadString(*f.cache, "data/" + std::to_string(i)), Pattern(10000, i));
  EXPECT_LE(f.cache->stats().memory_bytes, 25000u);
  f.metrics->Reset();
  // The two most recent stay; the oldest went.
  EXPECT_EQ(ReadString(*f.cache, "data/4"), Pattern(10000, 4));
  EXPECT_EQ(ReadString(*f.cache, "data/3"), Pattern(10000, 3));
  EXPECT_EQ(f.target_reads(), 0u);
  EXPECT_EQ(ReadString(*f.cache, "data/0"), Pattern(10000, 0));
  EXPECT_EQ(f.target_reads(), 1u);
}

TEST(ReadCacheTest, DiskTierSurvivesANewProcessAndIsBounded) {
  testing::TempDir dir;
  auto memory = std::make_shared<MemoryObjectStore>();
  const std::string data = Pattern(50000, 7);
  ASSERT_TRUE(memory->Put("data/x", data).ok());
  ReadCacheOptions options;
  options.memory_bytes = 1 << 20;
  options.disk_dir = dir.Join("cache");
  options.disk_bytes = 30000;
  options.cacheable = [](std::string_view) { return true; };
  {
    ReadCacheStore first(memory, options);
    ASSERT_TRUE(first.ReadRange("data/x", 0, 20000).ok());
    ASSERT_TRUE(first.ReadRange("data/x", 20000, 20000).ok());  // pushes the first out of the disk budget
    EXPECT_LE(first.stats().disk_bytes, 30000u);
  }
  // A new store over the same directory (a restarted server) starts warm.
  auto metrics = std::make_shared<MetricsObjectStore>(memory);
  ReadCacheStore second(metrics, options);
  auto warm = second.ReadRange("data/x", 20000, 20000);
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ((*warm)->view(), std::string_view(data).substr(20000, 20000));
  EXPECT_EQ(metrics->Snapshot().read_requests, 0u);
  EXPECT_EQ(second.stats().disk_hits, 1u);
  auto evicted = second.ReadRange("data/x", 0, 20000);
  ASSERT_TRUE(evicted.ok());
  EXPECT_EQ(metrics->Snapshot().read_requests, 1u);
}

}  // namespace
}  // namespace quiver
