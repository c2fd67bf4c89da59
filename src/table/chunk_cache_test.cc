#include "table/chunk_cache.h"

#include <gtest/gtest.h>

namespace quiver {
namespace {

std::shared_ptr<const uint8_t[]> Bytes(size_t n, uint8_t fill) {
  auto bytes = std::make_shared<uint8_t[]>(n);
  for (size_t i = 0; i < n; ++i) bytes[i] = fill;
  return bytes;
}

DecodedChunkCache::Key PageKey(uint64_t reader, uint32_t page) { return {reader, 0, page, UINT64_MAX}; }

TEST(LruChunkCacheTest, KeepsTheMostRecentlyUsedWithinItsCapacity) {
  LruChunkCache cache(3 * 1024);
  for (uint32_t i = 0; i < 3; ++i) cache.Put({1, 0, 0, i}, Bytes(1024, static_cast<uint8_t>(i)), 1024);
  EXPECT_EQ(cache.bytes(), 3u * 1024);
  ASSERT_NE(cache.Get({1, 0, 0, 0}), nullptr);  // chunk 0 is now the most recent
  cache.Put({1, 0, 0, 3}, Bytes(1024, 3), 1024);
  EXPECT_EQ(cache.Get({1, 0, 0, 1}), nullptr);  // the least recent went
  EXPECT_EQ(cache.Get({1, 0, 0, 0})[0], 0);
  EXPECT_EQ(cache.Get({1, 0, 0, 3})[0], 3);
  EXPECT_EQ(cache.bytes(), 3u * 1024);
  cache.Put({1, 0, 0, 9}, Bytes(8192, 9), 8192);  // larger than the cache: not kept
  EXPECT_EQ(cache.Get({1, 0, 0, 9}), nullptr);
}

TEST(LruChunkCacheTest, AdmitsAWholePageOnItsSecondRead) {
  LruChunkCache cache(1 << 20);
  EXPECT_FALSE(cache.AdmitPage(PageKey(1, 7)));  // first read: only noted
  EXPECT_FALSE(cache.AdmitPage(PageKey(2, 7)));  // another reader's page
  EXPECT_TRUE(cache.AdmitPage(PageKey(1, 7)));   // read again: kept
  EXPECT_FALSE(cache.AdmitPage(PageKey(1, 7)));  // the note was used up
  // Notes are bounded: a long one-off scan forgets the oldest.
  EXPECT_FALSE(cache.AdmitPage(PageKey(3, 0)));
  for (uint32_t p = 1; p <= (1 << 16); ++p) EXPECT_FALSE(cache.AdmitPage(PageKey(4, p)));
  EXPECT_FALSE(cache.AdmitPage(PageKey(3, 0)));
  EXPECT_TRUE(cache.AdmitPage(PageKey(4, 1 << 16)));
}

}  // namespace
}  // namespace quiver
