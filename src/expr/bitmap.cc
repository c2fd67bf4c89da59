#include "expr/bitmap.h"

#include <algorithm>

namespace quiver::expr {

BufferPtr AllocateBitmap(int64_t length) {
  return Buffer::Allocate(static_cast<size_t>(NumWords(length)) * 8);
}

BitmapRef ValidityOf(const Array& array) {
  if (array.buffers().empty() || !array.buffer(0)) return {};
  return {array.buffer(0)->data(), array.offset()};
}

BufferPtr CopyBitmap(const BitmapRef& ref, int64_t length) {
  if (ref.bits == nullptr) return nullptr;
  BufferPtr out = AllocateBitmap(length);
  uint64_t* words = MutableWords(out);
  for (int64_t w = 0; w < NumWords(length); ++w) words[w] = LoadWord(ref, w, length);
  return out;
}

BufferPtr AndBitmaps(const BitmapRef& a, const BitmapRef& b, int64_t length) {
  if (a.bits == nullptr) return CopyBitmap(b, length);
  if (b.bits == nullptr) return CopyBitmap(a, length);
  BufferPtr out = AllocateBitmap(length);
  uint64_t* words = MutableWords(out);
  for (int64_t w = 0; w < NumWords(length); ++w) words[w] = LoadWord(a, w, length) & LoadWord(b, w, length);
  return out;
}

int64_t CountSetBits(const BitmapRef& ref, int64_t length) {
  if (ref.bits == nullptr) return length;
  int64_t n = 0;
  for (int64_t w = 0; w < NumWords(length); ++w) n += __builtin_popcountll(LoadWord(ref, w, length));
  return n;
}

}  // namespace quiver::expr
