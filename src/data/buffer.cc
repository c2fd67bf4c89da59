#include "quiver/buffer.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace quiver {

namespace {
constexpr size_t kAlignment = 64;
}  // namespace

Buffer::~Buffer() {
  if (release_) release_();
}

namespace {

// `size` bytes rounded up to a multiple of the alignment (required by
// aligned_alloc, and so SIMD loads past the logical end stay inside), with
// the first `zeroed` bytes and the padding zero-filled.
void* AllocateAligned(size_t size, size_t zeroed) {
  if (size > SIZE_MAX - kAlignment) throw std::bad_alloc();
  size_t capacity = (size + kAlignment - 1) / kAlignment * kAlignment;
  if (capacity == 0) capacity = kAlignment;
  void* mem = std::aligned_alloc(kAlignment, capacity);
  if (mem == nullptr) throw std::bad_alloc();
  std::memset(mem, 0, zeroed);
  std::memset(static_cast<uint8_t*>(mem) + size, 0, capacity - size);
  return mem;
}

}  // namespace

std::shared_ptr<Buffer> Buffer::AllocateUninitialized(size_t size) {
  void* mem = AllocateAligned(size, 0);
  std::shared_ptr<Buffer> b(new Buffer());
  b->data_ = static_cast<const uint8_t*>(mem);
  b->size_ = size;
  b->release_ = [mem] { std::free(mem); };
  return b;
}

std::shared_ptr<Buffer> Buffer::Allocate(size_t size) {
  void* mem = AllocateAligned(size, size);
  std::shared_ptr<Buffer> b(new Buffer());
  b->data_ = static_cast<const uint8_t*>(mem);
  b->size_ = size;
  b->release_ = [mem] { std::free(mem); };
  return b;
}

std::shared_ptr<Buffer> Buffer::Copy(const void* data, size_t size) {
  auto b = AllocateUninitialized(size);
  if (size > 0) std::memcpy(b->mutable_data(), data, size);
  return b;
}

std::shared_ptr<Buffer> Buffer::FromString(std::string bytes) {
  auto owned = std::make_shared<std::string>(std::move(bytes));
  std::shared_ptr<Buffer> b(new Buffer());
  b->data_ = reinterpret_cast<const uint8_t*>(owned->data());
  b->size_ = owned->size();
  b->release_ = [owned] {};
  return b;
}

std::shared_ptr<Buffer> Buffer::Wrap(const void* data, size_t size, std::function<void()> release) {
  std::shared_ptr<Buffer> b(new Buffer());
  b->data_ = static_cast<const uint8_t*>(data);
  b->size_ = size;
  b->release_ = std::move(release);
  return b;
}

std::shared_ptr<Buffer> Buffer::Slice(std::shared_ptr<Buffer> parent, size_t offset, size_t size) {
  // Clamp rather than assert: a slice never reaches outside its parent.
  if (offset > parent->size_) offset = parent->size_;
  if (size > parent->size_ - offset) size = parent->size_ - offset;
  std::shared_ptr<Buffer> b(new Buffer());
  b->data_ = parent->data_ + offset;
  b->size_ = size;
  b->parent_ = std::move(parent);
  return b;
}

}  // namespace quiver
