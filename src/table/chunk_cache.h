// The cache of decompressed data-file chunks, verified blocks and whole
// decompressed pages (format/data_file.h's DecodedChunkCache): one bounded
// LRU for every table of the process (LruChunkCache::Shared()), so repeated
// takes (the rows a search returns, point lookups) and repeated scans of hot
// columns read and decompress nothing twice while they fit.
//
// Capacity: QUIVER_CHUNK_CACHE_MB (default 256; 0 turns caching off), for
// the whole process.
//
// Thread-safety: thread-safe (one mutex; entries are shared, immutable
// chunks).
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "format/data_file.h"

namespace quiver {

class LruChunkCache final : public DecodedChunkCache {
 public:
  explicit LruChunkCache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The capacity QUIVER_CHUNK_CACHE_MB asks for (read once).
  static uint64_t DefaultCapacity();
  // The process's cache, of DefaultCapacity(), shared by every table (keys
  // name readers, which are unique in the process), so that memory stays
  // bounded however many tables are open; null when the capacity is 0.
  static std::shared_ptr<LruChunkCache> Shared();

  std::shared_ptr<const uint8_t[]> Get(const Key& key) override;
  void Put(const Key& key, std::shared_ptr<const uint8_t[]> chunk, size_t bytes) override;
  // A page is admitted on its second read: the first only notes its key
  // (among the last kMaxNotedPages), so a one-off scan (a delete's match,
  // a copy) costs no buffers and evicts nothing.
  bool AdmitPage(const Key& key) override;

  uint64_t bytes() const;
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  struct KeyHash {
    size_t operator()(const Key& k) const {
      uint64_t h = k.reader * 0x9e3779b97f4a7c15ull;
      h ^= (static_cast<uint64_t>(k.column) << 32 | k.page) + 0x7f4a7c159e3779b9ull + (h << 6) + (h >> 2);
      h ^= k.chunk + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
      return static_cast<size_t>(h);
    }
  };
  struct Entry {
    Key key;
    std::shared_ptr<const uint8_t[]> bytes;
    size_t size;
  };

  static constexpr size_t kMaxNotedPages = 1 << 16;

  const uint64_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<Key, uint64_t, KeyHash> noted_;  // page key -> when noted
  std::deque<std::pair<Key, uint64_t>> noted_order_;  // oldest first
  uint64_t notes_ = 0;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> map_;
  uint64_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace quiver
