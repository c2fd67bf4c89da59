// Buffer: a contiguous, immutable, reference-counted byte region, the unit of
// memory that arrays, data files and object stores hand to each other.
//
// Thread-safety: immutable after construction; share freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace quiver {

// A contiguous, immutable byte region. Owns its memory or keeps its owner alive.
class Buffer {
 public:
  // Allocates `size` bytes, 64-byte aligned, zero-filled (the allocation is
  // padded to a multiple of 64 bytes, so SIMD loads of whole 64-byte blocks
  // stay inside it). Throws std::bad_alloc when memory runs out.
  static std::shared_ptr<Buffer> Allocate(size_t size);
  // As Allocate, but the contents are left uninitialised (except the padding
  // past `size`): for buffers about to be filled completely, such as reads.
  static std::shared_ptr<Buffer> AllocateUninitialized(size_t size);
  // Copies `size` bytes from `data`.
  static std::shared_ptr<Buffer> Copy(const void* data, size_t size);
  // Takes over `bytes`.
  static std::shared_ptr<Buffer> FromString(std::string bytes);
  // Wraps foreign memory without copying; `release` (may be empty) runs
  // exactly once, when the last reference goes away.
  static std::shared_ptr<Buffer> Wrap(const void* data, size_t size, std::function<void()> release);
  // Shares `parent`'s memory from `offset`, `size` bytes (clamped to the
  // parent's end); the slice keeps `parent` alive.
  static std::shared_ptr<Buffer> Slice(std::shared_ptr<Buffer> parent, size_t offset, size_t size);

  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  const uint8_t* data() const { return data_; }
  // Writable access, for the code that just allocated the buffer.
  uint8_t* mutable_data() { return const_cast<uint8_t*>(data_); }
  size_t size() const { return size_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }
  template <typename T>
  const T* data_as() const {
    return reinterpret_cast<const T*>(data_);
  }

 private:
  Buffer() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::function<void()> release_;
  std::shared_ptr<Buffer> parent_;
};
using BufferPtr = std::shared_ptr<Buffer>;

}  // namespace quiver
