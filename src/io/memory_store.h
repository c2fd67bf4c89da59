// MemoryObjectStore: an ObjectStore that keeps every object in process
// memory, for tests and for temporary tables ("memory://name").
//
// Objects are immutable Buffers: Read hands out the stored buffer itself and
// ReadRange a slice of it, so reads copy nothing. Unlike a local directory, a
// memory store can hold both "a" and "a/b".
//
// Thread-safety: thread-safe; every operation takes one internal mutex, so
// each is atomic (including DeletePrefix and RenamePrefix).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/object_store.h"

namespace quiver {

class MemoryObjectStore : public ObjectStore {
 public:
  // A fresh, empty store that nothing else shares; `name` only shows in
  // uri() ("memory://name").
  explicit MemoryObjectStore(std::string name = "");
  ~MemoryObjectStore() override;

  MemoryObjectStore(const MemoryObjectStore&) = delete;
  MemoryObjectStore& operator=(const MemoryObjectStore&) = delete;

  // The process-wide store called `name`, created empty on first use; every
  // call with the same name returns the same store. Named stores live until
  // the process exits.
  static std::shared_ptr<MemoryObjectStore> Named(std::string_view name);

  Result<BufferPtr> Read(std::string_view key) override;
  Result<BufferPtr> ReadRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectMeta> Head(std::string_view key) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override;
  Result<std::vector<ObjectMeta>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Status DeletePrefix(std::string_view prefix) override;
  Status RenamePrefix(std::string_view from, std::string_view to) override;
  std::string uri() const override { return "memory://" + name_; }

  // Total bytes of every object held; for tests.
  uint64_t total_bytes() const;

 private:
  class Writer;
  struct Objects;  // the map and its mutex, shared with open writers

  const std::string name_;
  // Shared so that a writer outliving the store publishes into a live map.
  std::shared_ptr<Objects> objects_;
};

}  // namespace quiver
