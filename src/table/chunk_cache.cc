#include "table/chunk_cache.h"

#include <cstdlib>

namespace quiver {

uint64_t LruChunkCache::DefaultCapacity() {
  static const uint64_t bytes = [] {
    if (const char* env = std::getenv("QUIVER_CHUNK_CACHE_MB")) {
      char* end = nullptr;
      const unsigned long long mb = std::strtoull(env, &end, 10);
      if (end != env) return static_cast<uint64_t>(mb) << 20;
    }
    return uint64_t{256} << 20;
  }();
  return bytes;
}

std::shared_ptr<LruChunkCache> LruChunkCache::Shared() {
  static const std::shared_ptr<LruChunkCache> cache =
      DefaultCapacity() > 0 ? std::make_shared<LruChunkCache>(DefaultCapacity()) : nullptr;
  return cache;
}

std::shared_ptr<const uint8_t[]> LruChunkCache::Get(const Key& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->bytes;
}

void LruChunkCache::Put(const Key& key, std::shared_ptr<const uint8_t[]> chunk, size_t bytes) {
  if (capacity_ < bytes || chunk == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (map_.count(key) != 0) return;
  while (bytes_ + bytes > capacity_ && !lru_.empty()) {
    map_.erase(lru_.back().key);
    bytes_ -= lru_.back().size;
    lru_.pop_back();
  }
  lru_.push_front(Entry{key, std::move(chunk), bytes});
  map_[key] = lru_.begin();
  bytes_ += bytes;
}

bool LruChunkCache::AdmitPage(const Key& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = noted_.find(key); it != noted_.end()) {
    noted_.erase(it);  // its entry in noted_order_ is dropped when it comes up
    return true;
  }
  const uint64_t when = notes_++;
  noted_.emplace(key, when);
  noted_order_.emplace_back(key, when);
  while (noted_order_.size() > kMaxNotedPages) {
    auto [old, at] = noted_order_.front();
    noted_order_.pop_front();
    if (auto it = noted_.find(old); it != noted_.end() && it->second == at) noted_.erase(it);
  }
  return false;
}

uint64_t LruChunkCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

uint64_t LruChunkCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

uint64_t LruChunkCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}

}  // namespace quiver
