// Corrupts valid arrays at random and checks that Validate either rejects
// them or that everything a reader does afterwards stays in bounds. Run
// under the sanitizer build to catch out-of-bounds reads: buffers here are
// exact-sized heap blocks, so a read one byte past the end is reported.
#include <gtest/gtest.h>

#include <random>

#include "quiver/array.h"
#include "quiver/builder.h"
#include "quiver/c_data.h"

namespace quiver {
namespace {

BufferPtr ExactCopy(const BufferPtr& b) {
  if (!b) return nullptr;
  auto* mem = new uint8_t[b->size() + 1];  // +1: never a zero-sized new
  std::memcpy(mem, b->data(), b->size());
  return Buffer::Wrap(mem, b->size(), [mem] { delete[] mem; });
}

// A copy of `a` with exact-sized buffers; a random byte of a random buffer
// may be changed, and length/offset nudged.
ArrayPtr Corrupt(const ArrayPtr& a, std::mt19937& rng, int depth) {
  std::vector<BufferPtr> buffers;
  for (const auto& b : a->buffers()) {
    BufferPtr copy = ExactCopy(b);
    if (copy && copy->size() > 0 && rng() % 3 == 0) {
      size_t pos = rng() % copy->size();
      copy->mutable_data()[pos] = static_cast<uint8_t>(rng() % 4 == 0 ? 0xff : rng());
    }
    if (copy && rng() % 10 == 0) copy = Buffer::Slice(copy, 0, copy->size() / 2);
    buffers.push_back(copy);
  }
  std::vector<ArrayPtr> children;
  for (const auto& c : a->children()) children.push_back(depth < 4 ? Corrupt(c, rng, depth + 1) : c);
  int64_t length = a->length();
  int64_t offset = a->offset();
  switch (rng() % 8) {
    case 0:
      length += 1;
      break;
    case 1:
      offset += 1;
      break;
    case 2:
      length = std::max<int64_t>(0, length - 2);
      break;
    default:
      break;
  }
  int64_t null_count = rng() % 4 == 0 ? static_cast<int64_t>(rng() % 5) : -1;
  return std::make_shared<const Array>(a->type(), length, std::move(buffers), std::move(children), null_count,
                                       offset);
}

ArrayPtr Sample(const TypePtr& type, std::mt19937& rng) {
  std::function<Status(ArrayBuilder*)> append = [&](ArrayBuilder* b) -> Status {
    const DataType& t = *b->type();
    if (rng() % 4 == 0) return b->AppendNull();
    switch (t.id()) {
      case TypeId::kBool:
        return b->AppendBool(rng() % 2);
      case TypeId::kUtf8:
      case TypeId::kLargeUtf8:
      case TypeId::kBinary:
        return b->AppendString(std::string(rng() % 6, 'x'));
      case TypeId::kFixedSizeList:
        for (int k = 0; k < t.list_size(); ++k) QUIVER_RETURN_NOT_OK(append(b->child(0)));
        return b->AppendList();
      case TypeId::kList:
        for (int k = 0, n = static_cast<int>(rng() % 4); k < n; ++k)
          QUIVER_RETURN_NOT_OK(append(b->child(0)));
        return b->AppendList();
      case TypeId::kStruct:
        for (int c = 0; c < b->num_children(); ++c) QUIVER_RETURN_NOT_OK(append(b->child(c)));
        return b->AppendStruct();
      default:
        return b->AppendInt(static_cast<int64_t>(rng() % 100));
    }
  };
  auto b = ArrayBuilder::Make(type);
  for (int i = 0, n = static_cast<int>(rng() % 20); i < n; ++i) EXPECT_TRUE(append(b.get()).ok());
  return b->Finish();
}

// Everything a consumer might do with a validated array.
void Exercise(const ArrayPtr& a) {
  std::string sink;
  for (int64_t i = 0; i < a->length(); ++i) sink += a->FormatValue(i);
  EXPECT_TRUE(a->Equals(*a));
  auto c = Concatenate({a, a->Slice(1, a->length())});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE((*c)->Validate().ok());
  std::vector<int64_t> idx;
  for (int64_t i = a->length() - 1; i >= 0; i -= 2) idx.push_back(i);
  auto t = Take(*a, idx);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE((*t)->Validate().ok());
  ArrowArray exported;
  ASSERT_TRUE(ExportArray(a, &exported).ok());
  auto back = ImportArray(&exported, a->type());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->Equals(*a));
}

TEST(ValidateFuzzTest, CorruptedArraysNeverReadOutOfBounds) {
  std::vector<TypePtr> types = {
      int32(),
      boolean(),
      utf8(),
      large_utf8(),
      binary(),
      vector_type(3),
      list(utf8()),
      list(list(int64())),
      struct_({Field("a", int16()), Field("b", list(utf8())), Field("v", vector_type(2))})};
  std::mt19937 rng(12345);
  int accepted = 0, rejected = 0;
  for (const auto& type : types) {
    SCOPED_TRACE(type->ToString());
    for (int iter = 0; iter < 300; ++iter) {
      ArrayPtr good = Sample(type, rng);
      ASSERT_TRUE(good->Validate().ok());
      ArrayPtr bad = Corrupt(good, rng, 0);
      if (bad->Validate().ok()) {
        ++accepted;
        Exercise(bad);
      } else {
        ++rejected;
      }
    }
  }
  // Both outcomes occur, so the test exercises both paths.
  EXPECT_GT(accepted, 100);
  EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace quiver
