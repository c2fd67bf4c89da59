#include "quiver/buffer.h"

#include <gtest/gtest.h>

#include <cstring>

namespace quiver {
namespace {

TEST(BufferTest, AllocateIsAlignedAndZeroed) {
  for (size_t size : {0, 1, 63, 64, 65, 1000}) {
    auto b = Buffer::Allocate(size);
    EXPECT_EQ(b->size(), size);
    ASSERT_NE(b->data(), nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b->data()) % 64, 0u) << size;
    for (size_t i = 0; i < size; ++i) ASSERT_EQ(b->data()[i], 0) << i;
  }
}

TEST(BufferTest, CopyAndFromString) {
  const char text[] = "hello";
  auto b = Buffer::Copy(text, 5);
  EXPECT_EQ(b->view(), "hello");
  EXPECT_NE(reinterpret_cast<const void*>(b->data()), reinterpret_cast<const void*>(text));
  auto s = Buffer::FromString(std::string(1000, 'x'));
  EXPECT_EQ(s->size(), 1000u);
  EXPECT_EQ(s->view(), std::string(1000, 'x'));
  auto empty = Buffer::Copy(nullptr, 0);
  EXPECT_EQ(empty->size(), 0u);
}

TEST(BufferTest, MutableDataWrites) {
  auto b = Buffer::Allocate(8);
  std::memcpy(b->mutable_data(), "abcdefgh", 8);
  EXPECT_EQ(b->view(), "abcdefgh");
  EXPECT_EQ(b->data_as<char>()[3], 'd');
}

TEST(BufferTest, WrapRunsReleaseOnceWhenLastReferenceGoes) {
  static const char kData[] = "foreign";
  int released = 0;
  {
    auto b = Buffer::Wrap(kData, 7, [&released] { ++released; });
    EXPECT_EQ(b->data(), reinterpret_cast<const uint8_t*>(kData));
    auto copy = b;
    b.reset();
    EXPECT_EQ(released, 0);
    EXPECT_EQ(copy->view(), "foreign");
  }
  EXPECT_EQ(released, 1);
  // A null release is allowed (memory owned elsewhere).
  auto b = Buffer::Wrap(kData, 7, nullptr);
  EXPECT_EQ(b->size(), 7u);
}

TEST(BufferTest, SliceKeepsParentAlive) {
  int released = 0;
  BufferPtr slice;
  {
    auto parent = Buffer::Wrap("0123456789", 10, [&released] { ++released; });
    slice = Buffer::Slice(parent, 2, 5);
  }
  EXPECT_EQ(released, 0);
  EXPECT_EQ(slice->view(), "23456");
  auto nested = Buffer::Slice(slice, 1, 2);
  EXPECT_EQ(nested->view(), "34");
  slice.reset();
  EXPECT_EQ(released, 0);
  nested.reset();
  EXPECT_EQ(released, 1);
}

TEST(BufferTest, SliceClampsToParent) {
  auto parent = Buffer::FromString("abc");
  EXPECT_EQ(Buffer::Slice(parent, 1, 100)->view(), "bc");
  EXPECT_EQ(Buffer::Slice(parent, 10, 1)->size(), 0u);
}

}  // namespace
}  // namespace quiver

namespace quiver {
namespace {

TEST(BufferTest, HugeAllocationThrowsInsteadOfWrapping) {
  EXPECT_THROW(Buffer::Allocate(SIZE_MAX - 10), std::bad_alloc);
}

}  // namespace
}  // namespace quiver
