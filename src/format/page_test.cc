#include "format/page.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "format/format_test_util.h"

namespace quiver {
namespace {

using testing::AllTypesSchema;
using testing::RandomArray;

// Encodes `array` rows as one page, in pieces, and decodes it back.
ArrayPtr EncodeDecode(const ColumnLayout& layout,
                      const std::vector<std::pair<ArrayPtr, std::pair<int64_t, int64_t>>>& pieces,
                      std::vector<uint64_t>* sizes = nullptr) {
  ArrayAppender appender(layout);
  for (const auto& [array, range] : pieces) {
    Status st = appender.Append(*array, range.first, range.second);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  const int64_t rows = appender.length();
  const uint64_t predicted = appender.logical_size();
  std::vector<uint64_t> buffer_sizes;
  const std::string page(appender.EncodePage(&buffer_sizes)->view());
  EXPECT_EQ(page.size(), predicted);
  EXPECT_EQ(appender.length(), 0);
  EXPECT_EQ(static_cast<int>(buffer_sizes.size()), layout.num_slots());
  if (sizes) *sizes = buffer_sizes;
  auto decoded = DecodePage(layout, rows, buffer_sizes, Buffer::Copy(page.data(), page.size()));
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  return decoded.ok() ? *decoded : nullptr;
}

TEST(PageTest, EveryTypeRoundTripsThroughPagesAndAppender) {
  SchemaPtr schema = AllTypesSchema();
  std::mt19937_64 rng(11);
  for (const Field& field : schema->fields()) {
    SCOPED_TRACE(field.ToString());
    ColumnLayout layout(field.type);
    ArrayPtr a = RandomArray(field, 300, 0.25, rng);
    ArrayPtr b = RandomArray(field, 77, 0.0, rng);
    // Unaligned slices of both, one without nulls.
    ArrayPtr a_slice = a->Slice(13, 250);
    ArrayPtr decoded = EncodeDecode(layout, {{a_slice, {3, 100}}, {b, {5, 70}}, {a_slice, {200, 50}}});
    ASSERT_NE(decoded, nullptr);
    auto expected = Concatenate({a_slice->Slice(3, 100), b->Slice(5, 70), a_slice->Slice(200, 50)});
    ASSERT_TRUE(expected.ok());
    EXPECT_TRUE(decoded->Equals(**expected));

    // The appender also builds arrays directly (the read path).
    ArrayAppender appender(layout);
    ASSERT_TRUE(appender.Append(*a, 0, 150).ok());
    ASSERT_TRUE(appender.Append(*a, 150, 150).ok());
    ArrayPtr built = appender.Finish();
    ASSERT_TRUE(built->Validate().ok()) << built->Validate().ToString();
    EXPECT_TRUE(built->Equals(*a));
    EXPECT_EQ(built->null_count(), a->null_count());
    // And is empty and reusable after Finish.
    ArrayPtr empty = appender.Finish();
    EXPECT_EQ(empty->length(), 0);
    EXPECT_TRUE(empty->Validate().ok()) << empty->Validate().ToString();
  }
}

TEST(PageTest, ValidityIsOmittedWithoutNulls) {
  ColumnLayout layout(int32());
  std::mt19937_64 rng(1);
  ArrayPtr a = RandomArray(Field("x", int32()), 100, 0.0, rng);
  std::vector<uint64_t> sizes;
  ArrayPtr decoded = EncodeDecode(layout, {{a, {0, 100}}}, &sizes);
  EXPECT_EQ(sizes, (std::vector<uint64_t>{0, 400}));
  EXPECT_EQ(decoded->buffer(0), nullptr);
  ArrayPtr with_nulls = RandomArray(Field("x", int32()), 100, 0.5, rng);
  decoded = EncodeDecode(layout, {{a, {0, 100}}, {with_nulls, {0, 100}}}, &sizes);
  EXPECT_EQ(sizes, (std::vector<uint64_t>{25, 800}));
  EXPECT_EQ(decoded->null_count(), with_nulls->null_count());
}

TEST(PageTest, LayoutSlotsAndFixedWidth) {
  EXPECT_EQ(ColumnLayout(int64()).num_slots(), 2);
  EXPECT_TRUE(ColumnLayout(int64()).fixed_width());
  EXPECT_FALSE(ColumnLayout(boolean()).fixed_width());
  EXPECT_TRUE(ColumnLayout(vector_type(128)).fixed_width());
  EXPECT_EQ(ColumnLayout(vector_type(128)).num_slots(), 3);
  EXPECT_TRUE(ColumnLayout(DataType::FixedSizeList(Field("v", vector_type(2, int16())), 3)).fixed_width());
  EXPECT_FALSE(ColumnLayout(utf8()).fixed_width());
  EXPECT_EQ(ColumnLayout(utf8()).num_slots(), 3);
  EXPECT_EQ(ColumnLayout(null_type()).num_slots(), 0);
  EXPECT_FALSE(ColumnLayout(list(float32())).fixed_width());
  EXPECT_EQ(ColumnLayout(struct_({Field("a", int8()), Field("b", utf8())})).num_slots(), 6);
}

TEST(PageTest, EstimateMatchesEncodedSize) {
  SchemaPtr schema = AllTypesSchema();
  std::mt19937_64 rng(2);
  for (const Field& field : schema->fields()) {
    ColumnLayout layout(field.type);
    ArrayPtr a = RandomArray(field, 200, 0.0, rng);
    ArrayAppender appender(layout);
    ASSERT_TRUE(appender.Append(*a, 10, 150).ok());
    // The estimate ignores padding and the leading offsets.
    const uint64_t estimate = EstimatePageBytes(layout, *a, 10, 150);
    EXPECT_LE(estimate, appender.logical_size()) << field.ToString();
    EXPECT_GE(estimate + 8 * static_cast<uint64_t>(layout.num_slots()) + 64, appender.logical_size())
        << field.ToString();
    uint64_t prev = 0;
    for (int64_t n = 0; n <= 150; n += 10) {
      const uint64_t e = EstimatePageBytes(layout, *a, 10, n);
      EXPECT_GE(e, prev);
      prev = e;
    }
  }
}

TEST(PageTest, DecodeRejectsSizesThatDoNotFit) {
  ColumnLayout layout(utf8());
  std::mt19937_64 rng(3);
  ArrayPtr a = RandomArray(Field("s", utf8()), 50, 0.2, rng);
  ArrayAppender appender(layout);
  ASSERT_TRUE(appender.Append(*a, 0, 50).ok());
  std::vector<uint64_t> sizes;
  const std::string page(appender.EncodePage(&sizes)->view());
  auto buf = Buffer::Copy(page.data(), page.size());
  ASSERT_TRUE(DecodePage(layout, 50, sizes, buf).ok());
  EXPECT_FALSE(DecodePage(layout, 49, sizes, buf).ok());
  EXPECT_FALSE(DecodePage(layout, 51, sizes, buf).ok());
  EXPECT_FALSE(DecodePage(layout, 50, std::span<const uint64_t>(sizes).first(2), buf).ok());
  for (size_t i = 0; i < sizes.size(); ++i) {
    for (int64_t delta : {-1, 1, 1000000}) {
      std::vector<uint64_t> bad = sizes;
      bad[i] = static_cast<uint64_t>(static_cast<int64_t>(bad[i]) + delta);
      EXPECT_FALSE(DecodePage(layout, 50, bad, buf).ok()) << i << " " << delta;
    }
  }
  // Offsets that decrease, or point past the data.
  std::string broken = page;
  const size_t offsets_at = Pad8(sizes[0]);
  int32_t huge = 1 << 30;
  std::memcpy(broken.data() + offsets_at + 4 * 10, &huge, 4);
  EXPECT_FALSE(DecodePage(layout, 50, sizes, Buffer::Copy(broken.data(), broken.size())).ok());
}

TEST(PageTest, UnalignedPagesAreCopied) {
  ColumnLayout layout(int64());
  std::mt19937_64 rng(4);
  ArrayPtr a = RandomArray(Field("x", int64()), 64, 0.1, rng);
  ArrayAppender appender(layout);
  ASSERT_TRUE(appender.Append(*a, 0, 64).ok());
  std::vector<uint64_t> sizes;
  const std::string page(appender.EncodePage(&sizes)->view());
  auto holder = Buffer::Allocate(page.size() + 1);
  std::memcpy(holder->mutable_data() + 1, page.data(), page.size());
  auto decoded = DecodePage(layout, 64, sizes, Buffer::Slice(holder, 1, page.size()));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE((*decoded)->Equals(*a));
  EXPECT_EQ(reinterpret_cast<uintptr_t>((*decoded)->buffer(1)->data()) % 8, 0u);
}

TEST(PageTest, BlockedStorage) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{4097}, size_t{20000}}) {
    std::string logical(n, '\0');
    for (size_t i = 0; i < n; ++i) logical[i] = static_cast<char>(i * 31);
    std::string stored;
    AppendBlocked(reinterpret_cast<const uint8_t*>(logical.data()), n, &stored);
    EXPECT_EQ(stored.size(), BlockedSize(n));
    std::string back(n, '\0');
    ASSERT_TRUE(Unblock(reinterpret_cast<const uint8_t*>(stored.data()), stored.size(),
                        reinterpret_cast<uint8_t*>(back.data()), n));
    EXPECT_EQ(back, logical);
    EXPECT_FALSE(Unblock(reinterpret_cast<const uint8_t*>(stored.data()), stored.size() + 1,
                         reinterpret_cast<uint8_t*>(back.data()), n));
    // Each block's checksum follows it and depends on the block's index.
    if (n > kBlockSize) {
      uint32_t sum;
      std::memcpy(&sum, stored.data() + kBlockSize, 4);
      EXPECT_EQ(sum, BlockChecksum(reinterpret_cast<const uint8_t*>(logical.data()), kBlockSize, 0));
      EXPECT_NE(sum, BlockChecksum(reinterpret_cast<const uint8_t*>(logical.data()), kBlockSize, 1));
    }
  }
}

TEST(PageTest, FixedWidthTakeRowsReadsOnlyPlannedRanges) {
  // Vectors with nulls at both levels, nested fixed-size lists, plain numbers.
  const std::vector<Field> fields = {
      Field("v", vector_type(5)), Field("i", int64()), Field("h", float16()),
      Field("nested", DataType::FixedSizeList(Field("inner", vector_type(3, int16())), 2))};
  std::mt19937_64 rng(6);
  for (const Field& field : fields) {
    for (double null_prob : {0.0, 0.3}) {
      SCOPED_TRACE(field.ToString() + " nulls " + std::to_string(null_prob));
      ColumnLayout layout(field.type);
      ASSERT_TRUE(layout.fixed_width());
      ASSERT_TRUE(SupportsRowReads(layout));
      ArrayPtr a = RandomArray(field, 123, null_prob, rng);
      ArrayAppender appender(layout);
      ASSERT_TRUE(appender.Append(*a, 0, 123).ok());
      std::vector<uint64_t> sizes;
      const std::string page(appender.EncodePage(&sizes)->view());
      auto fw = MakeFixedWidthLayout(layout, 123, sizes);
      ASSERT_TRUE(fw.ok()) << fw.status().ToString();
      std::vector<int64_t> rows = {0, 1, 7, 8, 9, 64, 100, 122};
      std::vector<std::pair<uint64_t, uint64_t>> ranges;
      FixedWidthRanges(*fw, rows, &ranges);
      // Only bytes inside the planned ranges may be read.
      auto read = [&](uint64_t offset, uint64_t size, uint8_t* dst) -> Status {
        bool covered = false;
        for (const auto& [b, e] : ranges) covered = covered || (offset >= b && offset + size <= e);
        EXPECT_TRUE(covered) << offset << "+" << size;
        EXPECT_LE(offset + size, page.size());
        std::memcpy(dst, page.data() + offset, size);
        return Status::OK();
      };
      auto gathered = TakeRows(layout, 123, sizes, rows, read);
      ASSERT_TRUE(gathered.ok()) << gathered.status().ToString();
      ASSERT_TRUE((*gathered)->Validate().ok()) << (*gathered)->Validate().ToString();
      auto expected = Take(*a, rows);
      ASSERT_TRUE(expected.ok());
      EXPECT_TRUE((*gathered)->Equals(**expected));
      // Bad sizes are refused.
      std::vector<uint64_t> bad = sizes;
      bad.back() += 1;
      EXPECT_FALSE(MakeFixedWidthLayout(layout, 123, bad).ok());
      EXPECT_FALSE(TakeRows(layout, 123, bad, rows, read).ok());
    }
  }
}

TEST(PageTest, BinaryTakeRows) {
  std::mt19937_64 rng(7);
  for (const Field& field : {Field("s", utf8()), Field("b", large_binary())}) {
    for (double null_prob : {0.0, 0.3}) {
      SCOPED_TRACE(field.ToString() + " nulls " + std::to_string(null_prob));
      ColumnLayout layout(field.type);
      ASSERT_TRUE(SupportsRowReads(layout));
      ArrayPtr a = RandomArray(field, 300, null_prob, rng);
      ArrayAppender appender(layout);
      ASSERT_TRUE(appender.Append(*a, 0, 300).ok());
      std::vector<uint64_t> sizes;
      std::string page(appender.EncodePage(&sizes)->view());
      uint64_t bytes_read = 0;
      auto read = [&](uint64_t offset, uint64_t size, uint8_t* dst) -> Status {
        if (offset + size > page.size()) return Status::InvalidArgument("past the page");
        bytes_read += size;
        std::memcpy(dst, page.data() + offset, size);
        return Status::OK();
      };
      std::vector<int64_t> rows = {0, 5, 6, 150, 299};
      auto got = TakeRows(layout, 300, sizes, rows, read);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_TRUE((*got)->Validate().ok());
      EXPECT_TRUE((*got)->Equals(**Take(*a, rows)));
      EXPECT_LT(bytes_read, page.size() / 4);
      // Offsets pointing past the data are an error, not a wild read.
      std::string broken = page;
      const int w = field.type->is_large_offsets() ? 8 : 4;
      const uint64_t offsets_at = Pad8(sizes[0]);
      std::memset(broken.data() + offsets_at + 6 * w, 0x7F, w);
      page.swap(broken);
      EXPECT_TRUE(TakeRows(layout, 300, sizes, rows, read).status().IsInvalidArgument());
      page.swap(broken);
      std::vector<int64_t> outside = {300};
      EXPECT_FALSE(TakeRows(layout, 300, sizes, outside, read).ok());
    }
  }
  EXPECT_FALSE(SupportsRowReads(ColumnLayout(list(utf8()))));
  EXPECT_FALSE(SupportsRowReads(ColumnLayout(boolean())));
}

TEST(PageTest, ChunkedCompression) {
  Compressor compressor;
  for (Compression c : {Compression::kZstd, Compression::kLz4}) {
    for (size_t n : {size_t{0}, size_t{100}, size_t{kChunkSize}, size_t{3 * kChunkSize + 17}}) {
      SCOPED_TRACE(std::string(CompressionName(c)) + " " + std::to_string(n));
      std::string logical(n, '\0');
      for (size_t i = 0; i < n; ++i) logical[i] = static_cast<char>((i / 7) % 13);
      std::string stored = "prefix";
      std::vector<uint64_t> sizes;
      ASSERT_TRUE(CompressChunked(&compressor, c, 1, reinterpret_cast<const uint8_t*>(logical.data()), n,
                                  &stored, &sizes)
                      .ok());
      ASSERT_EQ(stored.substr(0, 6), "prefix");
      stored.erase(0, 6);
      ASSERT_EQ(sizes.size(), NumChunks(n));
      auto page = ChunkedPage::Make(c, sizes, n, stored.size());
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      std::string all(n, '\0');
      ASSERT_TRUE(page->DecompressAll(reinterpret_cast<const uint8_t*>(stored.data()),
                                      reinterpret_cast<uint8_t*>(all.data()))
                      .ok());
      EXPECT_EQ(all, logical);
      // Reads across chunk boundaries: the first pass notes the chunks it
      // lacks, the second reads them.
      for (uint64_t offset : {uint64_t{0}, kChunkSize - 3, uint64_t{2 * kChunkSize + 5}}) {
        if (offset + 10 > n) continue;
        char got[10];
        ASSERT_TRUE(page->Read(offset, 10, reinterpret_cast<uint8_t*>(got)).ok());
        if (offset == 0) {
          EXPECT_EQ(page->missing(), std::vector<size_t>{0});
        }
        for (size_t chunk : page->missing()) {
          const std::string bytes =
              stored.substr(page->chunk_begin(chunk), page->chunk_end(chunk) - page->chunk_begin(chunk));
          ASSERT_TRUE(page->AddChunk(chunk, Buffer::FromString(bytes)).ok());
        }
        EXPECT_TRUE(page->missing().empty());
        ASSERT_TRUE(page->Read(offset, 10, reinterpret_cast<uint8_t*>(got)).ok());
        EXPECT_EQ(std::string(got, 10), logical.substr(offset, 10));
      }
      char byte;
      EXPECT_TRUE(page->Read(n, 1, reinterpret_cast<uint8_t*>(&byte)).IsInvalidArgument());
      // Chunk sizes that do not match the page.
      EXPECT_FALSE(ChunkedPage::Make(c, sizes, n + kChunkSize, stored.size()).ok());
      EXPECT_FALSE(ChunkedPage::Make(c, sizes, n, stored.size() + 1).ok());
      if (n > 0) {
        EXPECT_FALSE(ChunkedPage::Make(c, sizes, n, stored.size() - 1).ok());
        // A damaged chunk is refused when added on its own.
        auto fresh = ChunkedPage::Make(c, sizes, n, stored.size());
        ASSERT_TRUE(fresh.ok());
        for (size_t at : {size_t{0}, static_cast<size_t>(fresh->chunk_end(0) - 1)}) {
          std::string bytes = stored.substr(0, fresh->chunk_end(0));
          bytes[at] ^= 0x08;
          EXPECT_TRUE(fresh->AddChunk(0, Buffer::FromString(bytes)).IsCorruption()) << at;
        }
        EXPECT_TRUE(fresh->AddChunk(0, Buffer::FromString("x")).IsInvalidArgument());
      }
    }
  }
}

// A page reading through a lookup (a cache) asks it once per chunk it
// needs, uses what it returns, and reports only the chunks it lacked.
TEST(PageTest, ChunkedPageLooksUpChunksOnce) {
  Compressor compressor;
  const size_t n = 4 * kChunkSize;
  std::string logical(n, '\0');
  for (size_t i = 0; i < n; ++i) logical[i] = static_cast<char>((i * 31) % 251);
  std::string stored;
  std::vector<uint64_t> sizes;
  ASSERT_TRUE(CompressChunked(&compressor, Compression::kZstd, 1,
                              reinterpret_cast<const uint8_t*>(logical.data()), n, &stored, &sizes)
                  .ok());
  auto page = ChunkedPage::Make(Compression::kZstd, sizes, n, stored.size());
  ASSERT_TRUE(page.ok());
  // The lookup holds chunks 1 and 3 (decompressed), not 0 or 2.
  std::vector<int> asked(4, 0);
  page->LookUpChunksIn([&](size_t i) -> std::shared_ptr<const uint8_t[]> {
    ++asked[i];
    if (i % 2 == 0) return nullptr;
    std::shared_ptr<uint8_t[]> chunk(new uint8_t[kChunkSize]);
    std::memcpy(chunk.get(), logical.data() + i * kChunkSize, kChunkSize);
    return chunk;
  });
  char got[kChunkSize + 20];
  // Across chunks 1 and 2, twice: 1 comes from the lookup, 2 is missing,
  // and neither is asked for again.
  for (int pass = 0; pass < 2; ++pass) {
    ASSERT_TRUE(page->Read(2 * kChunkSize - 10, 20, reinterpret_cast<uint8_t*>(got)).ok());
    EXPECT_EQ(std::string(got, 10), logical.substr(2 * kChunkSize - 10, 10));
    EXPECT_EQ(std::string(got + 10, 10), std::string(10, '\0'));
    EXPECT_EQ(page->missing(), std::vector<size_t>{2});
  }
  EXPECT_EQ(asked, (std::vector<int>{0, 1, 1, 0}));
  EXPECT_TRUE(page->touched(1));
  EXPECT_TRUE(page->touched(2));
  EXPECT_FALSE(page->touched(3));
  EXPECT_TRUE(page->decompressed(1) != nullptr);
  // Once chunk 2 is added the read is whole.
  ASSERT_TRUE(page->AddChunk(2, Buffer::FromString(stored.substr(page->chunk_begin(2),
                                                                 page->chunk_end(2) - page->chunk_begin(2))))
                  .ok());
  ASSERT_TRUE(page->Read(kChunkSize, kChunkSize + 20, reinterpret_cast<uint8_t*>(got)).ok());
  EXPECT_EQ(std::string(got, kChunkSize + 20), logical.substr(kChunkSize, kChunkSize + 20));
  EXPECT_TRUE(page->missing().empty());
  EXPECT_EQ(asked, (std::vector<int>{0, 1, 1, 0}));
}

}  // namespace
}  // namespace quiver
