#include "io/read_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>

#include "common/io_account.h"
#include "io/sigv4.h"

namespace quiver {

struct ReadCacheStore::Entry {
  std::string key;
  uint64_t offset;
  BufferPtr bytes;
  bool whole;
};

namespace {

bool ReadFile(const std::string& path, uint64_t size, BufferPtr* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::shared_ptr<Buffer> buffer = Buffer::AllocateUninitialized(size);
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, buffer->mutable_data() + done, size - done, static_cast<off_t>(done));
    if (n <= 0) break;
    done += static_cast<uint64_t>(n);
  }
  ::close(fd);
  if (done != size) return false;
  *out = std::move(buffer);
  return true;
}

bool WriteFileAtomically(const std::string& path, std::string_view data) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string tmp = path + ".tmp" + std::to_string(rng());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done != data.size() || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

ReadCacheStore::ReadCacheStore(ObjectStorePtr target, ReadCacheOptions options)
    : ForwardingObjectStore(std::move(target)), options_(std::move(options)) {
  if (!options_.disk_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options_.disk_dir, ec);
    if (ec) {
      options_.disk_dir.clear();  // no disk tier rather than no store
    } else {
      LoadDiskIndex();
    }
  }
}

ReadCacheStore::~ReadCacheStore() = default;

ReadCacheStats ReadCacheStore::stats() const {
  ReadCacheStats s;
  s.hits = hits_.load();
  s.disk_hits = disk_hits_.load();
  s.misses = misses_.load();
  s.bytes_hit = bytes_hit_.load();
  s.bytes_missed = bytes_missed_.load();
  std::lock_guard<std::mutex> lock(mu_);
  s.memory_bytes = memory_bytes_;
  s.disk_bytes = disk_bytes_;
  return s;
}

std::string ReadCacheStore::DiskPath(const std::string& key, uint64_t offset, uint64_t length) const {
  return options_.disk_dir + "/" + sigv4::Sha256Hex(key).substr(0, 32) + "-" + std::to_string(offset) + "-" +
         std::to_string(length);
}

void ReadCacheStore::LoadDiskIndex() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.disk_dir, ec)) {
    std::string path = entry.path().string();
    if (path.find(".tmp") != std::string::npos) {
      std::filesystem::remove(entry.path(), ec);  // an interrupted write
      continue;
    }
    uint64_t size = entry.file_size(ec);
    if (ec) continue;
    TouchDiskLocked(path, size);
  }
}

void ReadCacheStore::TouchDiskLocked(const std::string& path, uint64_t size) {
  auto it = disk_index_.find(path);
  if (it != disk_index_.end()) {
    disk_lru_.splice(disk_lru_.begin(), disk_lru_, it->second);
    return;
  }
  disk_lru_.emplace_front(path, size);
  disk_index_[path] = disk_lru_.begin();
  disk_bytes_ += size;
  while (disk_bytes_ > options_.disk_bytes && !disk_lru_.empty()) {
    auto& [old_path, old_size] = disk_lru_.back();
    ::unlink(old_path.c_str());
    disk_bytes_ -= old_size;
    disk_index_.erase(old_path);
    disk_lru_.pop_back();
  }
}

BufferPtr ReadCacheStore::Lookup(const std::string& key, uint64_t offset, uint64_t length) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = index_.find(key);
    if (found != index_.end()) {
      auto& ranges = found->second;
      auto contains = [&](const Entry& entry) {
        uint64_t size = entry.bytes->size();
        return offset >= entry.offset && offset - entry.offset <= size &&
               length <= size - (offset - entry.offset);
      };
      // The nearest ranges starting at or before `offset`, then the one at 0
      // (often the whole object).
      auto it = ranges.upper_bound(offset);
      std::optional<Lru::iterator> hit;
      for (int steps = 0; it != ranges.begin() && steps < 8 && !hit; ++steps) {
        --it;
        if (contains(*it->second)) hit = it->second;
      }
      if (!hit && !ranges.empty() && ranges.begin()->first == 0 && contains(*ranges.begin()->second)) {
        hit = ranges.begin()->second;
      }
      if (hit) {
        Entry& entry = **hit;
        lru_.splice(lru_.begin(), lru_, *hit);
        if (offset == entry.offset && length == entry.bytes->size()) return entry.bytes;
        return Buffer::Slice(entry.bytes, offset - entry.offset, length);
      }
    }
  }
  if (options_.disk_dir.empty()) return nullptr;
  std::string path = DiskPath(key, offset, length);
  uint64_t size = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = disk_index_.find(path);
    if (it == disk_index_.end()) return nullptr;
    size = it->second->second;
    disk_lru_.splice(disk_lru_.begin(), disk_lru_, it->second);
  }
  BufferPtr bytes;
  if (size != length || !ReadFile(path, size, &bytes)) return nullptr;
  disk_hits_.fetch_add(1);
  // Promote to memory (without writing it to disk again).
  std::lock_guard<std::mutex> lock(mu_);
  lru_.push_front(Entry{key, offset, bytes, false});
  index_[key][offset] = lru_.begin();
  memory_bytes_ += bytes->size();
  EvictLocked();
  return bytes;
}

void ReadCacheStore::Insert(const std::string& key, uint64_t offset, BufferPtr bytes) {
  if (bytes->size() > options_.memory_bytes && options_.disk_dir.empty()) return;
  if (!options_.disk_dir.empty()) {
    std::string path = DiskPath(key, offset, bytes->size());
    if (WriteFileAtomically(path, bytes->view())) {
      std::lock_guard<std::mutex> lock(mu_);
      TouchDiskLocked(path, bytes->size());
    }
  }
  if (bytes->size() > options_.memory_bytes) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto& ranges = index_[key];
  auto existing = ranges.find(offset);
  if (existing != ranges.end()) {
    memory_bytes_ -= existing->second->bytes->size();
    lru_.erase(existing->second);
  }
  lru_.push_front(Entry{key, offset, bytes, false});
  ranges[offset] = lru_.begin();
  memory_bytes_ += bytes->size();
  EvictLocked();
}

void ReadCacheStore::EvictLocked() {
  while (memory_bytes_ > options_.memory_bytes && !lru_.empty()) {
    Entry& victim = lru_.back();
    memory_bytes_ -= victim.bytes->size();
    auto found = index_.find(victim.key);
    if (found != index_.end()) {
      found->second.erase(victim.offset);
      if (found->second.empty()) index_.erase(found);
    }
    lru_.pop_back();
  }
}

void ReadCacheStore::RecordHit(uint64_t bytes) {
  hits_.fetch_add(1);
  bytes_hit_.fetch_add(bytes);
  CountCacheHit(bytes);
}

void ReadCacheStore::Invalidate(std::string_view key_view) {
  std::string key(key_view);
  std::lock_guard<std::mutex> lock(mu_);
  heads_.erase(key);
  auto found = index_.find(key);
  if (found != index_.end()) {
    for (auto& [offset, it] : found->second) {
      memory_bytes_ -= it->bytes->size();
      lru_.erase(it);
    }
    index_.erase(found);
  }
  if (!options_.disk_dir.empty()) {
    std::string stem = options_.disk_dir + "/" + sigv4::Sha256Hex(key).substr(0, 32) + "-";
    for (auto it = disk_index_.lower_bound(stem); it != disk_index_.end() && it->first.starts_with(stem);) {
      ::unlink(it->first.c_str());
      disk_bytes_ -= it->second->second;
      disk_lru_.erase(it->second);
      it = disk_index_.erase(it);
    }
  }
}

Result<BufferPtr> ReadCacheStore::Read(std::string_view key) {
  if (!options_.cacheable || !options_.cacheable(key)) return ForwardingObjectStore::Read(key);
  std::string k(key);
  std::optional<uint64_t> size;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto head = heads_.find(k);
    if (head != heads_.end()) size = head->second.size;
  }
  if (size) {
    if (BufferPtr cached = Lookup(k, 0, *size)) {
      RecordHit(*size);
      return cached;
    }
  }
  misses_.fetch_add(1);
  QUIVER_ASSIGN_OR_RETURN(BufferPtr bytes, ForwardingObjectStore::Read(key));
  bytes_missed_.fetch_add(bytes->size());
  {
    std::lock_guard<std::mutex> lock(mu_);
    heads_[k] = ObjectMeta{k, bytes->size(), 0};
  }
  Insert(k, 0, bytes);
  return bytes;
}

Result<BufferPtr> ReadCacheStore::ReadRange(std::string_view key, uint64_t offset, uint64_t length) {
  if (!options_.cacheable || !options_.cacheable(key) || length == 0) {
    return ForwardingObjectStore::ReadRange(key, offset, length);
  }
  std::string k(key);
  if (BufferPtr cached = Lookup(k, offset, length)) {
    RecordHit(length);
    return cached;
  }
  misses_.fetch_add(1);
  QUIVER_ASSIGN_OR_RETURN(BufferPtr bytes, ForwardingObjectStore::ReadRange(key, offset, length));
  bytes_missed_.fetch_add(bytes->size());
  Insert(k, offset, bytes);
  return bytes;
}

Result<ObjectMeta> ReadCacheStore::Head(std::string_view key) {
  if (!options_.cacheable || !options_.cacheable(key)) return ForwardingObjectStore::Head(key);
  std::string k(key);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = heads_.find(k);
    if (it != heads_.end() && it->second.mtime_ms != 0) {
      hits_.fetch_add(1);
      return it->second;
    }
  }
  QUIVER_ASSIGN_OR_RETURN(ObjectMeta meta, ForwardingObjectStore::Head(key));
  std::lock_guard<std::mutex> lock(mu_);
  heads_[k] = meta;
  return meta;
}

Status ReadCacheStore::Put(std::string_view key, std::string_view data) {
  Invalidate(key);
  return ForwardingObjectStore::Put(key, data);
}

Status ReadCacheStore::PutIfAbsent(std::string_view key, std::string_view data) {
  Invalidate(key);
  return ForwardingObjectStore::PutIfAbsent(key, data);
}

// Drops the key's cached bytes again when the object is published (reads
// between OpenWriter and Close may have cached the old object).
class ReadCacheStore::Writer : public ObjectWriter {
 public:
  Writer(ReadCacheStore* store, std::string key, std::unique_ptr<ObjectWriter> target)
      : store_(store), key_(std::move(key)), target_(std::move(target)) {}
  Status Append(std::string_view data) override { return target_->Append(data); }
  Status Close() override {
    Status st = target_->Close();
    store_->Invalidate(key_);
    return st;
  }
  void Abort() override { target_->Abort(); }
  uint64_t bytes_written() const override { return target_->bytes_written(); }

 private:
  ReadCacheStore* store_;
  std::string key_;
  std::unique_ptr<ObjectWriter> target_;
};

Result<std::unique_ptr<ObjectWriter>> ReadCacheStore::OpenWriter(std::string_view key) {
  Invalidate(key);
  QUIVER_ASSIGN_OR_RETURN(auto writer, ForwardingObjectStore::OpenWriter(key));
  return std::unique_ptr<ObjectWriter>(new Writer(this, std::string(key), std::move(writer)));
}

Status ReadCacheStore::Delete(std::string_view key) {
  Invalidate(key);
  return ForwardingObjectStore::Delete(key);
}

void ReadCacheStore::InvalidatePrefix(std::string_view prefix) {
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, ranges] : index_) {
      if (key.starts_with(prefix)) keys.push_back(key);
    }
    for (const auto& [key, meta] : heads_) {
      if (key.starts_with(prefix)) keys.push_back(key);
    }
  }
  for (const std::string& key : keys) Invalidate(key);
}

Status ReadCacheStore::DeletePrefix(std::string_view prefix) {
  InvalidatePrefix(prefix);
  return ForwardingObjectStore::DeletePrefix(prefix);
}

Status ReadCacheStore::RenamePrefix(std::string_view from, std::string_view to) {
  InvalidatePrefix(from);
  InvalidatePrefix(to);
  return ForwardingObjectStore::RenamePrefix(from, to);
}

}  // namespace quiver
