// ReadCacheStore: a bounded cache of bytes read from a remote store (S3), in
// memory and optionally in a local directory, so that what a query reads
// often (file footers, index headers, centroids, hot partitions and pages)
// is fetched once.
//
// Only objects the `cacheable` predicate accepts are cached; the caller
// passes the keys that are never rewritten under the same name (Quiver's
// data, deletion and index files carry fresh random names). Reads of other
// keys, and every write, go straight to the target; a write or delete
// through this store also drops what the cache holds for that key or
// prefix.
//
// Ranges are cached as read: a ReadRange is answered from the cache when one
// cached range (or the whole object) of that key contains it. Whole-object
// reads and Heads are cached too. Memory is bounded by LRU over bytes. With
// a disk directory, ranges also go to files named after a hash of key and
// range, bounded by LRU as well; the directory survives restarts, so a new
// process starts warm (the names are content addresses of immutable
// objects, so nothing found there can be stale).
//
// Thread-safety: thread-safe. Writers must not outlive the store.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "io/store_wrapper.h"

namespace quiver {

struct ReadCacheOptions {
  uint64_t memory_bytes = 256ull << 20;
  std::string disk_dir;  // "" = memory only
  uint64_t disk_bytes = 4ull << 30;
  // Which keys may be cached (immutable under their name); default: none.
  std::function<bool(std::string_view key)> cacheable;
};

struct ReadCacheStats {
  uint64_t hits = 0;          // reads answered from memory or disk
  uint64_t disk_hits = 0;     // of which from the disk directory
  uint64_t misses = 0;        // cacheable reads that went to the target
  uint64_t bytes_hit = 0;     // bytes answered from the cache
  uint64_t bytes_missed = 0;  // bytes fetched for cacheable reads
  uint64_t memory_bytes = 0;  // bytes held in memory now
  uint64_t disk_bytes = 0;    // bytes held on disk now
};

class ReadCacheStore : public ForwardingObjectStore {
 public:
  ReadCacheStore(ObjectStorePtr target, ReadCacheOptions options);
  ~ReadCacheStore() override;

  ReadCacheStats stats() const;

  Result<BufferPtr> Read(std::string_view key) override;
  Result<BufferPtr> ReadRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectMeta> Head(std::string_view key) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override;
  Status Delete(std::string_view key) override;
  Status DeletePrefix(std::string_view prefix) override;
  Status RenamePrefix(std::string_view from, std::string_view to) override;

  // Drops everything cached for `key` (memory and disk).
  void Invalidate(std::string_view key);
  // Drops what memory holds for keys under `prefix` and their disk copies.
  // (Disk copies of keys not in memory stay; being content addresses of
  // immutable objects, they are never wrong, only unused.)
  void InvalidatePrefix(std::string_view prefix);

 private:
  class Writer;
  struct Entry;
  using Lru = std::list<Entry>;
  // A cached range's bytes from memory or disk, or null.
  BufferPtr Lookup(const std::string& key, uint64_t offset, uint64_t length);
  void Insert(const std::string& key, uint64_t offset, BufferPtr bytes);
  void EvictLocked();
  // Counts a read answered from the cache (here and in the IoAccount).
  void RecordHit(uint64_t bytes);
  std::string DiskPath(const std::string& key, uint64_t offset, uint64_t length) const;
  void LoadDiskIndex();
  void TouchDiskLocked(const std::string& path, uint64_t size);

  ReadCacheOptions options_;
  mutable std::mutex mu_;
  Lru lru_;  // most recent first
  // key -> offset -> entry; the whole object is stored at offset 0 with
  // `whole` set.
  std::unordered_map<std::string, std::map<uint64_t, Lru::iterator>> index_;
  std::unordered_map<std::string, ObjectMeta> heads_;
  uint64_t memory_bytes_ = 0;
  // The disk tier: file path -> size, in LRU order.
  std::list<std::pair<std::string, uint64_t>> disk_lru_;
  std::map<std::string, std::list<std::pair<std::string, uint64_t>>::iterator> disk_index_;
  uint64_t disk_bytes_ = 0;
  std::atomic<uint64_t> hits_{0}, disk_hits_{0}, misses_{0}, bytes_hit_{0}, bytes_missed_{0};
};

}  // namespace quiver
