#include "io/memory_store.h"

#include <chrono>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace quiver {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Object {
  BufferPtr data;
  int64_t mtime_ms = 0;
};

Status KeyNotFound(std::string_view key) {
  return Status::NotFound("object \"" + std::string(key) + "\" not found");
}

}  // namespace

struct MemoryObjectStore::Objects {
  mutable std::mutex mu;
  // Ordered, so List is a range scan that comes out sorted.
  std::map<std::string, Object, std::less<>> map;  // guarded by mu

  void PutLocked(std::string_view key, BufferPtr data) {
    map.insert_or_assign(std::string(key), Object{std::move(data), NowMs()});
  }
  // Every key under `prefix`, in order. Requires mu held.
  std::vector<std::map<std::string, Object, std::less<>>::iterator> RangeLocked(std::string_view prefix) {
    std::vector<std::map<std::string, Object, std::less<>>::iterator> out;
    for (auto it = map.lower_bound(prefix); it != map.end() && it->first.starts_with(prefix); ++it) {
      out.push_back(it);
    }
    return out;
  }
};

// Collects appended bytes and publishes them as one Put at Close.
class MemoryObjectStore::Writer : public ObjectWriter {
 public:
  Writer(std::shared_ptr<Objects> objects, std::string key)
      : objects_(std::move(objects)), key_(std::move(key)) {}

  Status Append(std::string_view data) override {
    if (done_) return Status::InvalidArgument("writer for \"" + key_ + "\" is already closed or aborted");
    data_.append(data);
    bytes_written_ += data.size();
    return Status::OK();
  }

  Status Close() override {
    if (done_) return Status::InvalidArgument("writer for \"" + key_ + "\" is already closed or aborted");
    done_ = true;
    // Copied rather than adopted so that, as from every store, a whole read
    // comes back 64-byte aligned.
    BufferPtr buffer = Buffer::Copy(data_.data(), data_.size());
    data_.clear();
    data_.shrink_to_fit();
    std::lock_guard<std::mutex> lock(objects_->mu);
    objects_->PutLocked(key_, std::move(buffer));
    return Status::OK();
  }

  void Abort() override {
    done_ = true;
    data_.clear();
    data_.shrink_to_fit();
  }

  uint64_t bytes_written() const override { return bytes_written_; }

 private:
  std::shared_ptr<Objects> objects_;
  const std::string key_;
  std::string data_;
  uint64_t bytes_written_ = 0;
  bool done_ = false;
};

MemoryObjectStore::MemoryObjectStore(std::string name)
    : name_(std::move(name)), objects_(std::make_shared<Objects>()) {}

MemoryObjectStore::~MemoryObjectStore() = default;

std::shared_ptr<MemoryObjectStore> MemoryObjectStore::Named(std::string_view name) {
  // Leaked on purpose: named stores live for the whole process, and a static
  // destructor would race with stores still used at exit.
  static std::mutex* mu = new std::mutex;
  static auto* registry = new std::unordered_map<std::string, std::shared_ptr<MemoryObjectStore>>;
  std::lock_guard<std::mutex> lock(*mu);
  auto [it, inserted] = registry->try_emplace(std::string(name));
  if (inserted) it->second = std::make_shared<MemoryObjectStore>(std::string(name));
  return it->second;
}

Result<BufferPtr> MemoryObjectStore::Read(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  std::lock_guard<std::mutex> lock(objects_->mu);
  auto it = objects_->map.find(key);
  if (it == objects_->map.end()) return KeyNotFound(key);
  return it->second.data;
}

Result<BufferPtr> MemoryObjectStore::ReadRange(std::string_view key, uint64_t offset, uint64_t length) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  BufferPtr data;
  {
    std::lock_guard<std::mutex> lock(objects_->mu);
    auto it = objects_->map.find(key);
    if (it == objects_->map.end()) return KeyNotFound(key);
    data = it->second.data;
  }
  uint64_t size = data->size();
  if (offset > size || length > size - offset) {
    return Status::InvalidArgument("range [" + std::to_string(offset) + ", +" + std::to_string(length) +
                                   ") is past the end of \"" + std::string(key) + "\" (" +
                                   std::to_string(size) + " bytes)");
  }
  return Buffer::Slice(std::move(data), offset, length);
}

Result<ObjectMeta> MemoryObjectStore::Head(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  std::lock_guard<std::mutex> lock(objects_->mu);
  auto it = objects_->map.find(key);
  if (it == objects_->map.end()) return KeyNotFound(key);
  return ObjectMeta{it->first, it->second.data->size(), it->second.mtime_ms};
}

Status MemoryObjectStore::Put(std::string_view key, std::string_view data) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  BufferPtr buffer = Buffer::Copy(data.data(), data.size());  // copy outside the lock
  std::lock_guard<std::mutex> lock(objects_->mu);
  objects_->PutLocked(key, std::move(buffer));
  return Status::OK();
}

Status MemoryObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  BufferPtr buffer = Buffer::Copy(data.data(), data.size());
  std::lock_guard<std::mutex> lock(objects_->mu);
  auto [it, inserted] = objects_->map.try_emplace(std::string(key), Object{std::move(buffer), NowMs()});
  if (!inserted) return Status::AlreadyExists("object \"" + std::string(key) + "\" already exists");
  return Status::OK();
}

Result<std::unique_ptr<ObjectWriter>> MemoryObjectStore::OpenWriter(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  return std::unique_ptr<ObjectWriter>(new Writer(objects_, std::string(key)));
}

Result<std::vector<ObjectMeta>> MemoryObjectStore::List(std::string_view prefix) {
  QUIVER_RETURN_NOT_OK(ValidatePrefix(prefix));
  std::vector<ObjectMeta> out;
  std::lock_guard<std::mutex> lock(objects_->mu);
  for (auto it : objects_->RangeLocked(prefix)) {
    out.push_back(ObjectMeta{it->first, it->second.data->size(), it->second.mtime_ms});
  }
  return out;
}

Status MemoryObjectStore::Delete(std::string_view key) {
  QUIVER_RETURN_NOT_OK(ValidateKey(key));
  std::lock_guard<std::mutex> lock(objects_->mu);
  auto it = objects_->map.find(key);
  if (it == objects_->map.end()) return KeyNotFound(key);
  objects_->map.erase(it);
  return Status::OK();
}

Status MemoryObjectStore::DeletePrefix(std::string_view prefix) {
  QUIVER_RETURN_NOT_OK(ValidateFolderPrefix(prefix));
  std::lock_guard<std::mutex> lock(objects_->mu);
  for (auto it : objects_->RangeLocked(prefix)) objects_->map.erase(it);
  return Status::OK();
}

Status MemoryObjectStore::RenamePrefix(std::string_view from, std::string_view to) {
  QUIVER_RETURN_NOT_OK(ValidateRenamePrefix(from, to));
  std::lock_guard<std::mutex> lock(objects_->mu);
  auto moving = objects_->RangeLocked(from);
  if (moving.empty()) return Status::NotFound("no objects under prefix \"" + std::string(from) + "\"");
  auto existing = objects_->RangeLocked(to);
  if (!existing.empty()) {
    return Status::AlreadyExists("cannot rename prefix \"" + std::string(from) + "\" to \"" +
                                 std::string(to) + "\": \"" + existing.front()->first + "\" exists");
  }
  for (auto it : moving) {
    std::string target = std::string(to) + it->first.substr(from.size());
    objects_->map.insert_or_assign(std::move(target), std::move(it->second));
    objects_->map.erase(it);
  }
  return Status::OK();
}

uint64_t MemoryObjectStore::total_bytes() const {
  std::lock_guard<std::mutex> lock(objects_->mu);
  uint64_t total = 0;
  for (const auto& [key, object] : objects_->map) total += object.data->size();
  return total;
}

}  // namespace quiver
