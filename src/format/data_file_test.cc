#include "format/data_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <random>
#include <thread>

#include "common/thread_pool.h"
#include "format/format_test_util.h"
#include "format/page.h"
#include "io/memory_store.h"
#include "io/store_wrapper.h"

namespace quiver {
namespace {

using testing::AllTypesSchema;
using testing::RandomBatch;

constexpr const char* kKey = "data/ab12.qvd";

// Writes `batches` to `key` and returns the metadata Finish() reports.
DataFileMetadata WriteFile(ObjectStore* store, const std::string& key, const SchemaPtr& schema,
                           const std::vector<BatchPtr>& batches, DataFileOptions options = {}) {
  auto writer = DataFileWriter::Open(store, key, schema, options);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  for (const auto& b : batches) {
    Status st = (*writer)->Write(*b);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  auto meta = (*writer)->Finish();
  EXPECT_TRUE(meta.ok()) << meta.status().ToString();
  return meta.ok() ? *meta : DataFileMetadata{};
}

std::shared_ptr<DataFileReader> OpenFile(const ObjectStorePtr& store, const std::string& key,
                                         uint64_t size = 0) {
  auto reader = DataFileReader::Open(store, key, size);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  return reader.ok() ? *reader : nullptr;
}

void ExpectBatchEquals(const RecordBatch& expected, const RecordBatch& actual) {
  ASSERT_EQ(expected.num_rows(), actual.num_rows());
  ASSERT_EQ(expected.num_columns(), actual.num_columns());
  for (int c = 0; c < expected.num_columns(); ++c) {
    const Array& e = *expected.column(c);
    const Array& a = *actual.column(c);
    ASSERT_TRUE(a.Validate().ok()) << expected.schema()->field(c).name << ": " << a.Validate().ToString();
    ASSERT_EQ(a.length(), e.length());
    if (!e.Equals(a)) {
      for (int64_t i = 0; i < e.length(); ++i) {
        ASSERT_EQ(e.FormatValue(i), a.FormatValue(i))
            << "column " << expected.schema()->field(c).name << " row " << i;
      }
      FAIL() << "column " << expected.schema()->field(c).name << " differs";
    }
  }
}

std::string ReadAll(ObjectStore& store, const std::string& key) {
  auto buf = store.Read(key);
  EXPECT_TRUE(buf.ok());
  return std::string(buf.ok() ? (*buf)->view() : std::string_view());
}

// ---------------------------------------------------------------------------
// Round trips

class RoundTripTest : public ::testing::TestWithParam<Compression> {};

TEST_P(RoundTripTest, EveryTypeWithNullsSlicesBatchesAndPages) {
  auto store = std::make_shared<MemoryObjectStore>();
  SchemaPtr schema = AllTypesSchema();
  // Three batches: a slice with a non-zero offset, a single row, a big one.
  BatchPtr big = RandomBatch(schema, 3000, 0.2, 1);
  std::vector<BatchPtr> batches = {big->Slice(37, 1500), RandomBatch(schema, 1, 0.2, 2),
                                   RandomBatch(schema, 2200, 0.3, 3)};
  DataFileOptions options;
  options.compression = GetParam();
  options.target_page_bytes = 700;  // many pages per column
  DataFileMetadata meta = WriteFile(store.get(), kKey, schema, batches, options);
  ASSERT_EQ(meta.num_rows, 3701);
  auto expected = ConcatenateBatches(batches);
  ASSERT_TRUE(expected.ok());

  auto reader = OpenFile(store, kKey);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->num_rows(), 3701);
  EXPECT_TRUE(reader->schema()->Equals(*schema, /*check_metadata=*/true));
  EXPECT_EQ(reader->metadata().file_size, meta.file_size);
  for (int c = 0; c < schema->num_fields(); ++c) {
    // Every column spans many pages, except nulls, which take no bytes.
    if (c > 0) {
      EXPECT_GT(reader->metadata().columns[c].pages.size(), 1u) << schema->field(c).name;
    }
    // The reader sees what the writer reported.
    ASSERT_EQ(reader->metadata().columns[c].pages.size(), meta.columns[c].pages.size());
    EXPECT_EQ(reader->metadata().columns[c].stats, meta.columns[c].stats);
    for (size_t p = 0; p < meta.columns[c].pages.size(); ++p) {
      const PageInfo& a = reader->metadata().columns[c].pages[p];
      const PageInfo& b = meta.columns[c].pages[p];
      EXPECT_EQ(a.first_row, b.first_row);
      EXPECT_EQ(a.num_rows, b.num_rows);
      EXPECT_EQ(a.offset, b.offset);
      EXPECT_EQ(a.size, b.size);
      EXPECT_EQ(a.uncompressed_size, b.uncompressed_size);
      EXPECT_EQ(a.compression, b.compression);
      EXPECT_EQ(a.checksum, b.checksum);
      EXPECT_EQ(a.buffer_sizes, b.buffer_sizes);
      EXPECT_EQ(a.stats, b.stats);
    }
  }

  auto all = reader->Read({}, 0, reader->num_rows());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ExpectBatchEquals(**expected, **all);

  // Every column on its own, over random ranges.
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    const int64_t start = rng() % 3701;
    const int64_t length = rng() % (3701 - start + 1);
    const int c = static_cast<int>(rng() % schema->num_fields());
    auto col = reader->ReadColumn(c, start, length);
    ASSERT_TRUE(col.ok()) << col.status().ToString();
    ASSERT_TRUE((*col)->Validate().ok());
    EXPECT_TRUE((*col)->Equals(*(*expected)->column(c)->Slice(start, length)))
        << schema->field(c).name << " [" << start << ", +" << length << ")";
  }

  // Take of random rows of every column equals the data layer's Take.
  for (int round = 0; round < 5; ++round) {
    std::vector<int64_t> rows;
    for (int64_t r = 0; r < 3701; ++r) {
      if (rng() % 100 < static_cast<uint64_t>(round * 20 + 1)) rows.push_back(r);
    }
    auto taken = reader->Take({}, rows);
    ASSERT_TRUE(taken.ok()) << taken.status().ToString();
    std::vector<ArrayPtr> cols;
    for (int c = 0; c < schema->num_fields(); ++c) {
      auto t = Take(*(*expected)->column(c), rows);
      ASSERT_TRUE(t.ok());
      cols.push_back(*t);
    }
    ExpectBatchEquals(RecordBatch(schema, static_cast<int64_t>(rows.size()), cols), **taken);
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, RoundTripTest,
                         ::testing::Values(Compression::kNone, Compression::kZstd, Compression::kLz4),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(DataFileTest, DefaultOptionsRoundTrip) {
  auto store = std::make_shared<MemoryObjectStore>();
  SchemaPtr schema = AllTypesSchema();
  std::vector<BatchPtr> batches;
  for (int i = 0; i < 4; ++i) batches.push_back(RandomBatch(schema, 5000, 0.1, 10 + i));
  WriteFile(store.get(), kKey, schema, batches);
  auto reader = OpenFile(store, kKey);
  ASSERT_NE(reader, nullptr);
  auto all = reader->Read({}, 0, reader->num_rows());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ExpectBatchEquals(**ConcatenateBatches(batches), **all);
}

TEST(DataFileTest, ProjectionKeepsRequestedOrder) {
  auto store = std::make_shared<MemoryObjectStore>();
  SchemaPtr schema = AllTypesSchema();
  BatchPtr batch = RandomBatch(schema, 500, 0.1, 5);
  WriteFile(store.get(), kKey, schema, {batch});
  auto reader = OpenFile(store, kKey);
  auto got = reader->Read({13, 2}, 10, 100);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ((*got)->num_columns(), 2);
  EXPECT_EQ((*got)->schema()->field(0).name, "str");
  EXPECT_EQ((*got)->schema()->field(1).name, "i8");
  EXPECT_TRUE((*got)->column(0)->Equals(*batch->column(13)->Slice(10, 100)));
  EXPECT_TRUE((*got)->column(1)->Equals(*batch->column(2)->Slice(10, 100)));
}

TEST(DataFileTest, EmptyFile) {
  auto store = std::make_shared<MemoryObjectStore>();
  SchemaPtr schema = AllTypesSchema();
  DataFileMetadata meta = WriteFile(store.get(), kKey, schema, {});
  EXPECT_EQ(meta.num_rows, 0);
  for (const auto& c : meta.columns) EXPECT_TRUE(c.pages.empty());
  auto reader = OpenFile(store, kKey);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->num_rows(), 0);
  EXPECT_TRUE(reader->schema()->Equals(*schema, true));
  auto batch = reader->Read({}, 0, 0);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ((*batch)->num_rows(), 0);
  ASSERT_EQ((*batch)->num_columns(), schema->num_fields());
  for (const auto& c : (*batch)->columns()) {
    EXPECT_EQ(c->length(), 0);
    EXPECT_TRUE(c->Validate().ok()) << c->type()->ToString() << ": " << c->Validate().ToString();
  }
  auto taken = reader->Take({}, std::vector<int64_t>{});
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ((*taken)->num_rows(), 0);
  EXPECT_FALSE(reader->Read({}, 0, 1).ok());
  // Zero-row batches in a writer are fine too.
  WriteFile(store.get(), "empty2.qvd", schema, {RandomBatch(schema, 0, 0, 1)});
  EXPECT_NE(OpenFile(store, "empty2.qvd"), nullptr);
}

TEST(DataFileTest, ArgumentsAreChecked) {
  auto store = std::make_shared<MemoryObjectStore>();
  auto schema = std::make_shared<const Schema>(std::vector<Field>{Field("x", int64())});
  BatchPtr batch = RandomBatch(schema, 100, 0, 1);
  WriteFile(store.get(), kKey, schema, {batch});
  auto reader = OpenFile(store, kKey);
  EXPECT_TRUE(reader->Read({}, 50, 51).status().IsInvalidArgument());
  EXPECT_TRUE(reader->Read({}, -1, 5).status().IsInvalidArgument());
  EXPECT_TRUE(reader->Read({1}, 0, 5).status().IsInvalidArgument());
  EXPECT_TRUE(reader->ReadColumn(-1, 0, 5).status().IsInvalidArgument());
  std::vector<int64_t> unsorted = {5, 3};
  EXPECT_TRUE(reader->Take({}, unsorted).status().IsInvalidArgument());
  std::vector<int64_t> duplicate = {3, 3};
  EXPECT_TRUE(reader->Take({}, duplicate).status().IsInvalidArgument());
  std::vector<int64_t> past_end = {100};
  EXPECT_TRUE(reader->Take({}, past_end).status().IsInvalidArgument());

  DataFileOptions bad;
  bad.target_page_bytes = 0;
  EXPECT_TRUE(DataFileWriter::Open(store.get(), "x.qvd", schema, bad).status().IsInvalidArgument());
  bad = {};
  bad.min_compression_saving = 2;
  EXPECT_TRUE(DataFileWriter::Open(store.get(), "x.qvd", schema, bad).status().IsInvalidArgument());
}

// ---------------------------------------------------------------------------
// Writer lifecycle

TEST(DataFileWriterTest, SchemaMismatchIsRejected) {
  auto store = std::make_shared<MemoryObjectStore>();
  auto schema = std::make_shared<const Schema>(std::vector<Field>{Field("x", int64())});
  auto other = std::make_shared<const Schema>(std::vector<Field>{Field("x", int32())});
  auto writer = DataFileWriter::Open(store.get(), kKey, schema);
  ASSERT_TRUE(writer.ok());
  Status st = (*writer)->Write(*RandomBatch(other, 10, 0, 1));
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find("int32"), std::string::npos) << st.message();
  // A rejected batch does not poison the writer.
  EXPECT_TRUE((*writer)->Write(*RandomBatch(schema, 10, 0, 1)).ok());
  EXPECT_EQ((*writer)->num_rows(), 10);
  EXPECT_TRUE((*writer)->Finish().ok());
  EXPECT_FALSE((*writer)->Finish().ok());
  EXPECT_FALSE((*writer)->Write(*RandomBatch(schema, 10, 0, 1)).ok());
}

TEST(DataFileWriterTest, NothingIsVisibleBeforeFinishAndAbortLeavesNothing) {
  auto store = std::make_shared<MemoryObjectStore>();
  auto schema = std::make_shared<const Schema>(std::vector<Field>{Field("x", int64())});
  DataFileOptions options;
  options.target_page_bytes = 1024;
  {
    auto writer = DataFileWriter::Open(store.get(), kKey, schema, options);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(*RandomBatch(schema, 10000, 0, 1)).ok());
    EXPECT_GT((*writer)->bytes_written(), 50000u);  // pages stream out as they fill
    EXPECT_TRUE(store->Head(kKey).status().IsNotFound());
    (*writer)->Abort();
    EXPECT_FALSE((*writer)->Finish().ok());
  }
  EXPECT_TRUE(store->Head(kKey).status().IsNotFound());
  {
    auto writer = DataFileWriter::Open(store.get(), kKey, schema, options);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(*RandomBatch(schema, 10000, 0, 1)).ok());
  }  // destroyed without Finish
  EXPECT_TRUE(store->Head(kKey).status().IsNotFound());
  auto list = store->List("");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST(DataFileWriterTest, FailedAppendAbortsTheFile) {
  auto base = std::make_shared<MemoryObjectStore>();
  auto faulty = std::make_shared<FaultInjectionStore>(base);
  auto schema = std::make_shared<const Schema>(std::vector<Field>{Field("x", int64())});
  DataFileOptions options;
  options.target_page_bytes = 1024;
  auto writer = DataFileWriter::Open(faulty.get(), kKey, schema, options);
  ASSERT_TRUE(writer.ok());
  faulty->FailNth(StoreOp::kWriterAppend, 3);
  Status st = (*writer)->Write(*RandomBatch(schema, 10000, 0, 1));
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_TRUE((*writer)->Finish().status().IsIOError());
  EXPECT_TRUE(base->Head(kKey).status().IsNotFound());
}

TEST(DataFileWriterTest, MemoryStaysBoundedByPages) {
  // Many small batches: pages are flushed as they fill, so bytes reach the
  // store long before Finish.
  auto store = std::make_shared<MemoryObjectStore>();
  auto schema = std::make_shared<const Schema>(std::vector<Field>{Field("v", vector_type(64))});
  auto writer = DataFileWriter::Open(store.get(), kKey, schema);
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE((*writer)->Write(*RandomBatch(schema, 100, 0, i)).ok());
  // 100 x 100 x 256 bytes = 2.56 MB; at most one page (128 KiB) is pending.
  EXPECT_GT((*writer)->bytes_written(), 2560000u - 140000u);
  ASSERT_TRUE((*writer)->Finish().ok());
}

// ---------------------------------------------------------------------------
// Compression choices

TEST(DataFileTest, CompressionIsUsedOnlyWhenItPays) {
  auto store = std::make_shared<MemoryObjectStore>();
  auto schema = std::make_shared<const Schema>(std::vector<Field>{
      Field("seq", int64()), Field("noise", vector_type(32, float32())), Field("text", utf8()),
      Field("far", int64()), Field("price", float64()), Field("real", float64())});
  // A sequence compresses (bit-packed: it is an integer column), and so does
  // text (with the codec asked for); random float bits do not. Two integers
  // far apart, alternating, would need 41 bits each when bit-packed, so the
  // general codec keeps them. Prices in cents are kept as decimal integers;
  // doubles with all their digits are not.
  auto seq = ArrayBuilder::Make(int64());
  auto noise = ArrayBuilder::Make(schema->field(1).type);
  auto text = ArrayBuilder::Make(utf8());
  auto far = ArrayBuilder::Make(int64());
  auto price = ArrayBuilder::Make(float64());
  auto real = ArrayBuilder::Make(float64());
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(seq->AppendInt(i).ok());
    ASSERT_TRUE(text->AppendString("row number " + std::to_string(i)).ok());
    ASSERT_TRUE(far->AppendInt(i % 2 == 0 ? 0 : int64_t{1} << 40).ok());
    ASSERT_TRUE(price->AppendDouble(static_cast<double>(rng() % 100000) / 100.0).ok());
    ASSERT_TRUE(real->AppendDouble(std::ldexp(static_cast<double>(rng() >> 11), -53)).ok());
    float v[32];
    for (float& f : v) {
      uint32_t bits = static_cast<uint32_t>(rng()) & 0x3FFFFFFF;  // finite, varied exponents
      std::memcpy(&f, &bits, 4);
    }
    ASSERT_TRUE(noise->AppendVector(v, 32).ok());
  }
  auto batch = std::make_shared<const RecordBatch>(
      schema, 20000,
      std::vector<ArrayPtr>{seq->Finish(), noise->Finish(), text->Finish(), far->Finish(), price->Finish(),
                            real->Finish()});
  for (Compression c : {Compression::kZstd, Compression::kLz4}) {
    DataFileOptions options;
    options.compression = c;
    DataFileMetadata meta = WriteFile(store.get(), kKey, schema, {batch}, options);
    for (const PageInfo& p : meta.columns[0].pages) {
      EXPECT_EQ(p.compression, Compression::kBitpack);
      EXPECT_LT(p.size * 6, p.uncompressed_size);  // 11 to 14 bits of 64 per value
    }
    for (const PageInfo& p : meta.columns[2].pages) EXPECT_EQ(p.compression, c);
    for (const PageInfo& p : meta.columns[3].pages) EXPECT_EQ(p.compression, c);
    for (const PageInfo& p : meta.columns[4].pages) {
      EXPECT_EQ(p.compression, Compression::kDecimal);
      EXPECT_LT(p.size * 3, p.uncompressed_size);  // 17 bits of 64 per value
    }
    for (const PageInfo& p : meta.columns[5].pages) EXPECT_NE(p.compression, Compression::kDecimal);
    for (const PageInfo& p : meta.columns[1].pages) {
      EXPECT_EQ(p.compression, Compression::kNone);
      EXPECT_EQ(p.size, BlockedSize(p.uncompressed_size));
    }
    auto reader = OpenFile(store, kKey);
    auto all = reader->Read({}, 0, 20000);
    ASSERT_TRUE(all.ok());
    ExpectBatchEquals(*batch, **all);
  }
}

// ---------------------------------------------------------------------------
// Random access and IO

// Values of the 200k-row table, a function of the row number.
float VectorValue(int64_t row, int d) {
  uint64_t h =
      static_cast<uint64_t>(row) * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(d) * 0xBF58476D1CE4E5B9ull;
  h ^= h >> 31;
  return static_cast<float>(static_cast<int64_t>(h % 2000001) - 1000000) / 1000.0f;
}
int64_t IntValue(int64_t row) {
  return static_cast<int64_t>(static_cast<uint64_t>(row) * 0x2545F4914F6CDD1Dull);
}
std::string StringValue(int64_t row) { return "document-" + std::to_string(row * 7919 % 1000003) + "-text"; }

BatchPtr BigBatch(const SchemaPtr& schema, int64_t first_row, int64_t n) {
  auto vec = ArrayBuilder::Make(schema->field(0).type);
  auto ids = ArrayBuilder::Make(schema->field(1).type);
  auto text = ArrayBuilder::Make(schema->field(2).type);
  float v[128];
  for (int64_t r = first_row; r < first_row + n; ++r) {
    for (int d = 0; d < 128; ++d) v[d] = VectorValue(r, d);
    EXPECT_TRUE(vec->AppendVector(v, 128).ok());
    EXPECT_TRUE(ids->AppendInt(IntValue(r)).ok());
    EXPECT_TRUE(text->AppendString(StringValue(r)).ok());
  }
  return std::make_shared<const RecordBatch>(
      schema, n, std::vector<ArrayPtr>{vec->Finish(), ids->Finish(), text->Finish()});
}

SchemaPtr BigSchema() {
  return std::make_shared<const Schema>(std::vector<Field>{
      Field("vector", vector_type(128), false), Field("id", int64(), false), Field("text", utf8())});
}

TEST(DataFileTest, TakeOfScatteredRowsReadsLittle) {
  constexpr int64_t kRows = 200000;
  auto metrics = std::make_shared<MetricsObjectStore>(std::make_shared<MemoryObjectStore>());
  SchemaPtr schema = BigSchema();
  {
    auto writer = DataFileWriter::Open(metrics.get(), kKey, schema);
    ASSERT_TRUE(writer.ok());
    for (int64_t r = 0; r < kRows; r += 10000)
      ASSERT_TRUE((*writer)->Write(*BigBatch(schema, r, 10000)).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }
  auto head = metrics->Head(kKey);
  ASSERT_TRUE(head.ok());
  const uint64_t file_size = head->size;

  metrics->Reset();
  auto reader = OpenFile(metrics, kKey, file_size);
  ASSERT_NE(reader, nullptr);
  const StoreMetrics open = metrics->Snapshot();
  EXPECT_LE(open.read_requests, 2u) << open.ToString();

  std::mt19937_64 rng(42);
  std::vector<int64_t> rows;
  while (rows.size() < 100) {
    rows.push_back(static_cast<int64_t>(rng() % kRows));
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  }
  metrics->Reset();
  auto taken = reader->Take({}, rows);
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  const StoreMetrics take = metrics->Snapshot();
  ASSERT_EQ((*taken)->num_rows(), 100);
  const Array& vec = *(*taken)->column(0);
  const Array& ids = *(*taken)->column(1);
  const Array& text = *(*taken)->column(2);
  ASSERT_TRUE(vec.Validate().ok());
  for (int i = 0; i < 100; ++i) {
    const float* values = vec.child(0)->values<float>() + (vec.offset() + i) * 128;
    for (int d = 0; d < 128; ++d) ASSERT_EQ(values[d], VectorValue(rows[i], d)) << "row " << rows[i];
    ASSERT_EQ(ids.values<int64_t>()[i], IntValue(rows[i]));
    ASSERT_EQ(text.GetView(i), StringValue(rows[i]));
  }
  std::printf("file %llu bytes; open: %s; take of 100 rows: %s\n", static_cast<unsigned long long>(file_size),
              open.ToString().c_str(), take.ToString().c_str());
  EXPECT_LT(take.bytes_read, file_size / 10) << take.ToString();
  // The vector column reads one block per row, not its pages.
  EXPECT_LT(take.bytes_read, 3u * 1024 * 1024) << take.ToString();

  // A contiguous read touches only the overlapping pages.
  metrics->Reset();
  auto part = reader->Read({0}, 123456, 1000);
  ASSERT_TRUE(part.ok());
  const StoreMetrics read = metrics->Snapshot();
  EXPECT_LT(read.bytes_read, 1000u * 512 + 2 * 140000) << read.ToString();
  const float* values = (*part)->column(0)->child(0)->values<float>() + (*part)->column(0)->offset() * 128;
  EXPECT_EQ(values[0], VectorValue(123456, 0));
  EXPECT_EQ(values[999 * 128 + 127], VectorValue(123456 + 999, 127));
}

// A DecodedChunkCache that keeps everything and counts.
class MapChunkCache : public DecodedChunkCache {
 public:
  std::shared_ptr<const uint8_t[]> Get(const Key& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [k, v] : entries_) {
      if (k == key) {
        ++hits;
        return v;
      }
    }
    return nullptr;
  }
  void Put(const Key& key, std::shared_ptr<const uint8_t[]> chunk, size_t) override {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.emplace_back(key, std::move(chunk));
  }
  size_t size() const { return entries_.size(); }
  int hits = 0;

 private:
  std::mutex mu_;
  std::vector<std::pair<Key, std::shared_ptr<const uint8_t[]>>> entries_;
};

TEST(DataFileTest, TakeKeepsDecompressedChunksInTheCache) {
  constexpr int64_t kRows = 50000;
  auto metrics = std::make_shared<MetricsObjectStore>(std::make_shared<MemoryObjectStore>());
  SchemaPtr schema = BigSchema();
  {
    auto writer = DataFileWriter::Open(metrics.get(), kKey, schema);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(*BigBatch(schema, 0, kRows)).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }
  auto cache = std::make_shared<MapChunkCache>();
  auto reader = DataFileReader::Open(metrics, kKey, 0, cache);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto other = DataFileReader::Open(metrics, kKey, 0, cache);
  ASSERT_TRUE(other.ok());
  EXPECT_NE((*reader)->id(), (*other)->id());

  const std::vector<int64_t> rows = {3, 4000, 4001, 17777, 30000, 49999};
  auto check = [&](const RecordBatch& b) {
    ASSERT_EQ(b.num_rows(), static_cast<int64_t>(rows.size()));
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(b.column(0)->values<int64_t>()[i], IntValue(rows[i]));
      ASSERT_EQ(b.column(1)->GetView(static_cast<int64_t>(i)), StringValue(rows[i]));
    }
  };
  // text pages are compressed, so taken by decompressed chunk; the ids,
  // random, are stored uncompressed and taken by verified 4 KiB block.
  metrics->Reset();
  auto first = (*reader)->Take({1, 2}, rows);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  check(**first);
  EXPECT_GT(metrics->Snapshot().read_requests, 0u);
  ASSERT_GT(cache->size(), 0u);

  // The same rows again: chunks and blocks all come from the cache.
  metrics->Reset();
  auto second = (*reader)->Take({1, 2}, rows);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  check(**second);
  EXPECT_EQ(metrics->Snapshot().read_requests, 0u) << metrics->Snapshot().ToString();
  EXPECT_GT(cache->hits, 0);

  // Some of them plus others: only the others' chunks and blocks are read.
  const std::vector<int64_t> more = {4000, 20000};
  metrics->Reset();
  auto mixed = (*reader)->Take({1, 2}, more);
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ((*mixed)->column(0)->values<int64_t>()[1], IntValue(20000));
  EXPECT_EQ((*mixed)->column(1)->GetView(0), StringValue(4000));
  EXPECT_GT(metrics->Snapshot().read_requests, 0u);

  // Another reader has its own keys: it reads.
  metrics->Reset();
  auto third = (*other)->Take({1, 2}, rows);
  ASSERT_TRUE(third.ok());
  check(**third);
  EXPECT_GT(metrics->Snapshot().read_requests, 0u);
}

TEST(DataFileTest, ReadsKeepDecompressedPagesInTheCache) {
  constexpr int64_t kRows = 50000;
  auto metrics = std::make_shared<MetricsObjectStore>(std::make_shared<MemoryObjectStore>());
  SchemaPtr schema = BigSchema();
  BatchPtr batch = BigBatch(schema, 0, kRows);
  {
    auto writer = DataFileWriter::Open(metrics.get(), kKey, schema);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(*batch).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }
  auto cache = std::make_shared<MapChunkCache>();
  auto reader = DataFileReader::Open(metrics, kKey, 0, cache);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ThreadPool pool(2);
  // Column 2 (text) is compressed: a full read decompresses its pages and
  // keeps them; the same rows again (serial or on a pool) read nothing.
  metrics->Reset();
  auto first = (*reader)->ReadColumn(2, 1000, 30000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_GT(metrics->Snapshot().read_requests, 0u);
  const size_t kept = cache->size();
  ASSERT_GT(kept, 0u);
  for (ThreadPool* executor : {static_cast<ThreadPool*>(nullptr), &pool}) {
    metrics->Reset();
    auto again = (*reader)->ReadColumn(2, 1000, 30000, executor);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(metrics->Snapshot().read_requests, 0u) << metrics->Snapshot().ToString();
    EXPECT_TRUE((*again)->Equals(*batch->column(2)->Slice(1000, 30000)));
  }
  // A wider range reads only the pages not kept yet, and the whole column
  // is right.
  metrics->Reset();
  auto all = (*reader)->ReadColumn(2, 0, kRows);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE((*all)->Equals(*batch->column(2)));
  EXPECT_GT(metrics->Snapshot().read_requests, 0u);
  EXPECT_GT(cache->size(), kept);
  // Takes (which keep chunks, not pages) still answer right.
  auto taken = (*reader)->Take({2}, std::vector<int64_t>{5, 20000, 49999});
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ((*taken)->column(0)->GetView(1), StringValue(20000));
}

TEST(DataFileTest, ReadAtPageBoundariesReadsOnlyOverlappingPages) {
  auto metrics = std::make_shared<MetricsObjectStore>(std::make_shared<MemoryObjectStore>());
  auto schema = std::make_shared<const Schema>(std::vector<Field>{Field("x", int64()), Field("s", utf8())});
  BatchPtr batch = RandomBatch(schema, 10000, 0.1, 9);
  DataFileOptions options;
  options.target_page_bytes = 4096;
  options.compression = Compression::kNone;
  DataFileMetadata meta = WriteFile(metrics.get(), kKey, schema, {batch}, options);
  auto reader = OpenFile(metrics, kKey, meta.file_size);
  const auto& pages = meta.columns[0].pages;
  ASSERT_GT(pages.size(), 10u);
  for (size_t p = 1; p + 1 < pages.size(); p += 3) {
    const int64_t boundary = pages[p].first_row;
    struct Case {
      int64_t start, length;
      size_t expected_pages;
    };
    for (Case c : {Case{boundary, pages[p].num_rows, 1}, Case{boundary - 1, 2, 2}, Case{boundary, 1, 1},
                   Case{boundary - 1, 1, 1}, Case{boundary - 1, pages[p].num_rows + 2, 3}}) {
      metrics->Reset();
      auto col = reader->ReadColumn(0, c.start, c.length);
      ASSERT_TRUE(col.ok()) << col.status().ToString();
      EXPECT_TRUE((*col)->Equals(*batch->column(0)->Slice(c.start, c.length)));
      const StoreMetrics m = metrics->Snapshot();
      // At most one request per page; the bytes are those of the pages
      // (adjacent pages of the column may come in one request).
      EXPECT_LE(m.read_requests, c.expected_pages) << c.start << "+" << c.length;
      EXPECT_LE(m.bytes_read, c.expected_pages * (4096 + 64) + 16 * 1024) << c.start << "+" << c.length;
    }
  }
  // Every boundary of both columns, with the whole batch.
  for (int col = 0; col < 2; ++col) {
    for (const PageInfo& p : meta.columns[col].pages) {
      for (int64_t start : {p.first_row, std::max<int64_t>(0, p.first_row - 1)}) {
        const int64_t length = std::min<int64_t>(3, 10000 - start);
        auto got = reader->ReadColumn(col, start, length);
        ASSERT_TRUE(got.ok());
        EXPECT_TRUE((*got)->Equals(*batch->column(col)->Slice(start, length)));
      }
    }
  }
}

TEST(DataFileTest, OpenWithUnknownSizeUsesHead) {
  auto metrics = std::make_shared<MetricsObjectStore>(std::make_shared<MemoryObjectStore>());
  auto schema = std::make_shared<const Schema>(std::vector<Field>{Field("x", int64())});
  WriteFile(metrics.get(), kKey, schema, {RandomBatch(schema, 1000, 0, 1)});
  metrics->Reset();
  auto reader = OpenFile(metrics, kKey);
  ASSERT_NE(reader, nullptr);
  StoreMetrics m = metrics->Snapshot();
  EXPECT_EQ(m.head_calls, 1u);
  EXPECT_EQ(m.read_requests, 1u);
  EXPECT_TRUE(DataFileReader::Open(metrics, "missing.qvd").status().IsNotFound());
}

TEST(DataFileTest, LargeFooterNeedsOneMoreRead) {
  auto metrics = std::make_shared<MetricsObjectStore>(std::make_shared<MemoryObjectStore>());
  auto schema = std::make_shared<const Schema>(std::vector<Field>{Field("x", int64())});
  DataFileOptions options;
  options.target_page_bytes = 64;  // thousands of pages: a footer over 64 KiB
  DataFileMetadata meta = WriteFile(metrics.get(), kKey, schema, {RandomBatch(schema, 30000, 0, 1)}, options);
  metrics->Reset();
  auto reader = OpenFile(metrics, kKey, meta.file_size);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(metrics->Snapshot().read_requests, 2u);
  EXPECT_EQ(reader->metadata().columns[0].pages.size(), meta.columns[0].pages.size());
}

TEST(DataFileTest, ConcurrentReadersAgree) {
  auto store = std::make_shared<MemoryObjectStore>();
  SchemaPtr schema = AllTypesSchema();
  BatchPtr batch = RandomBatch(schema, 4000, 0.2, 4);
  DataFileOptions options;
  options.target_page_bytes = 2048;
  WriteFile(store.get(), kKey, schema, {batch}, options);
  auto reader = OpenFile(store, kKey);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      for (int i = 0; i < 10; ++i) {
        const int64_t start = rng() % 4000;
        const int64_t length = rng() % (4000 - start + 1);
        auto got = reader->Read({}, start, length);
        if (!got.ok() || !(*got)->Equals(*batch->Slice(start, length))) ++failures;
        std::vector<int64_t> rows;
        for (int64_t r = rng() % 50; r < 4000; r += 1 + rng() % 200) rows.push_back(r);
        auto taken = reader->Take({}, rows);
        if (!taken.ok() || (*taken)->num_rows() != static_cast<int64_t>(rows.size())) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(DataFileTest, ExecutorChangesNothingInTheFile) {
  // Pages encoded and compressed on a pool land in the same order with the
  // same bytes as on one thread, whatever the batch sizes.
  SchemaPtr schema = AllTypesSchema();
  std::vector<BatchPtr> batches;
  for (int i = 0; i < 6; ++i) batches.push_back(RandomBatch(schema, 300 + 700 * i, 0.1, 40 + i));
  ThreadPool pool(3);
  std::string bytes[2];
  for (int parallel = 0; parallel < 2; ++parallel) {
    auto store = std::make_shared<MemoryObjectStore>();
    DataFileOptions options;
    options.target_page_bytes = 4096;
    options.executor = parallel ? &pool : nullptr;
    WriteFile(store.get(), kKey, schema, batches, options);
    auto read = store->Read(kKey);
    ASSERT_TRUE(read.ok());
    bytes[parallel] = std::string((*read)->view());
    auto reader = OpenFile(store, kKey);
    int64_t start = 0;
    for (const BatchPtr& b : batches) {
      auto got = reader->Read({}, start, b->num_rows());
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ExpectBatchEquals(*b, **got);
      start += b->num_rows();
    }
  }
  EXPECT_TRUE(bytes[0] == bytes[1]);
}

TEST(DataFileTest, ParallelTakeMatchesSerialTake) {
  auto store = std::make_shared<MemoryObjectStore>();
  SchemaPtr schema = BigSchema();
  {
    auto writer = DataFileWriter::Open(store.get(), kKey, schema);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(*BigBatch(schema, 0, 30000)).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }
  auto reader = OpenFile(store, kKey);
  ThreadPool pool(2);
  std::mt19937_64 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::vector<int64_t> rows;
    for (int64_t r = static_cast<int64_t>(rng() % 100); r < 30000;
         r += 1 + static_cast<int64_t>(rng() % 900)) {
      rows.push_back(r);
    }
    auto serial = reader->Take({}, rows);
    auto parallel = reader->Take({2, 0}, rows, &pool);
    ASSERT_TRUE(serial.ok()) << serial.status().ToString();
    ASSERT_TRUE(parallel.ok()) << parallel.status().ToString();
    ASSERT_EQ((*parallel)->num_rows(), static_cast<int64_t>(rows.size()));
    EXPECT_TRUE((*parallel)->column(0)->Equals(*(*serial)->column(2)));
    EXPECT_TRUE((*parallel)->column(1)->Equals(*(*serial)->column(0)));
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ((*serial)->column(1)->values<int64_t>()[i], IntValue(rows[i]));
      ASSERT_EQ((*parallel)->column(0)->GetView(static_cast<int64_t>(i)), StringValue(rows[i]));
    }
  }
}

TEST(DataFileTest, ReadAheadOnAnExecutorMatchesSerialRead) {
  // 60,000 x 128-d random vectors (about 30 MiB, barely compressible) plus
  // ids and strings: many 4 MiB groups, more than the read-ahead window.
  auto store = std::make_shared<MemoryObjectStore>();
  auto schema = std::make_shared<const Schema>(
      std::vector<Field>{Field("id", int64()), Field("vector", vector_type(128)), Field("s", utf8())});
  BatchPtr batch = RandomBatch(schema, 60000, 0.05, 3);
  WriteFile(store.get(), kKey, schema, {batch});
  auto reader = OpenFile(store, kKey);
  ASSERT_NE(reader, nullptr);
  ThreadPool pool(4);
  const std::vector<std::pair<int64_t, int64_t>> ranges = {{0, 60000}, {12345, 30000}, {59990, 10}, {7, 1}};
  for (auto [start, length] : ranges) {
    SCOPED_TRACE("rows " + std::to_string(start) + " +" + std::to_string(length));
    auto serial = reader->Read({2, 1, 0}, start, length);
    auto parallel = reader->Read({2, 1, 0}, start, length, &pool);
    ASSERT_TRUE(serial.ok()) << serial.status().ToString();
    ASSERT_TRUE(parallel.ok()) << parallel.status().ToString();
    ExpectBatchEquals(**serial, **parallel);
    auto column = reader->ReadColumn(1, start, length, &pool);
    ASSERT_TRUE(column.ok()) << column.status().ToString();
    EXPECT_TRUE((*column)->Equals(*batch->column(1)->Slice(start, length)));
  }
}

// ---------------------------------------------------------------------------
// Statistics

TEST(DataFileTest, PageStatisticsAreStoredAndMerged) {
  auto store = std::make_shared<MemoryObjectStore>();
  auto schema = std::make_shared<const Schema>(
      std::vector<Field>{Field("i", int32()), Field("u", uint64()), Field("f", float32()), Field("s", utf8()),
                         Field("n", int64()), Field("l", list(int32()))});
  auto i = ArrayBuilder::Make(int32());
  auto u = ArrayBuilder::Make(uint64());
  auto f = ArrayBuilder::Make(float32());
  auto s = ArrayBuilder::Make(utf8());
  auto n = ArrayBuilder::Make(int64());
  auto l = ArrayBuilder::Make(list(int32()));
  const std::string long_max(100, 'z');
  for (int r = 0; r < 1000; ++r) {
    ASSERT_TRUE((r % 10 == 0 ? i->AppendNull() : i->AppendInt(r - 500)).ok());
    ASSERT_TRUE(u->AppendUInt(std::numeric_limits<uint64_t>::max() - r).ok());
    ASSERT_TRUE((r < 500 ? f->AppendDouble(std::nan("")) : f->AppendDouble(r * 0.5)).ok());
    ASSERT_TRUE((r == 700 ? s->AppendString(long_max) : s->AppendString("m" + std::to_string(r))).ok());
    ASSERT_TRUE(n->AppendNull().ok());
    ASSERT_TRUE(l->AppendList().ok());
  }
  auto batch = std::make_shared<const RecordBatch>(
      schema, 1000,
      std::vector<ArrayPtr>{i->Finish(), u->Finish(), f->Finish(), s->Finish(), n->Finish(), l->Finish()});
  DataFileOptions options;
  options.target_page_bytes = 512;
  WriteFile(store.get(), kKey, schema, {batch}, options);
  auto reader = OpenFile(store, kKey);
  const auto& cols = reader->metadata().columns;

  EXPECT_EQ(cols[0].stats.null_count, 100);
  EXPECT_EQ(cols[0].stats.min, StatValue(int64_t{-499}));
  EXPECT_EQ(cols[0].stats.max, StatValue(int64_t{499}));
  EXPECT_EQ(cols[1].stats.min, StatValue(std::numeric_limits<uint64_t>::max() - 999));
  EXPECT_EQ(cols[1].stats.max, StatValue(std::numeric_limits<uint64_t>::max()));
  EXPECT_EQ(cols[2].stats.null_count, 0);
  EXPECT_EQ(cols[2].stats.min, StatValue(250.0));
  EXPECT_EQ(cols[2].stats.max, StatValue(499.5));
  // A string over 64 bytes: max rounded up from its 64-byte prefix.
  EXPECT_EQ(cols[3].stats.min, StatValue(std::string("m0")));
  EXPECT_EQ(cols[3].stats.max, StatValue(std::string(63, 'z') + "{"));
  EXPECT_EQ(cols[4].stats.null_count, 1000);
  EXPECT_EQ(cols[4].stats.min, StatValue());
  EXPECT_EQ(cols[5].stats.min, StatValue());

  // Every page's stats hold for its rows.
  for (int c = 0; c < 4; ++c) {
    for (const PageInfo& p : cols[c].pages) {
      auto page = reader->ReadColumn(c, p.first_row, p.num_rows);
      ASSERT_TRUE(page.ok());
      EXPECT_EQ(p.stats.null_count, (*page)->null_count());
      if (c == 2 && p.first_row + p.num_rows <= 500) {
        EXPECT_EQ(p.stats.min, StatValue()) << "an all-NaN page has no min";
      }
    }
  }
  for (const PageInfo& p : cols[4].pages) {
    EXPECT_EQ(p.stats.null_count, p.num_rows);
    EXPECT_EQ(p.stats.max, StatValue());
  }
}

// ---------------------------------------------------------------------------
// Corruption

struct CorruptFixture {
  std::shared_ptr<MemoryObjectStore> store = std::make_shared<MemoryObjectStore>();
  BatchPtr batch;
  DataFileMetadata meta;
  std::string bytes;

  explicit CorruptFixture(Compression c = Compression::kZstd) {
    auto schema = std::make_shared<const Schema>(
        std::vector<Field>{Field("id", int64()), Field("vector", vector_type(8)), Field("s", utf8())});
    batch = RandomBatch(schema, 2000, 0.1, 8);
    DataFileOptions options;
    options.target_page_bytes = 4096;
    options.compression = c;
    meta = WriteFile(store.get(), kKey, schema, {batch}, options);
    bytes = ReadAll(*store, kKey);
  }
  void Put(const std::string& data) { ASSERT_TRUE(store->Put(kKey, data).ok()); }
  // Opens the file and reads every row by Read and by Take.
  Status ReadEverything() {
    auto reader = DataFileReader::Open(store, kKey, bytes.size());
    if (!reader.ok()) return reader.status();
    auto all = (*reader)->Read({}, 0, (*reader)->num_rows());
    if (!all.ok()) return all.status();
    std::vector<int64_t> rows;
    for (int64_t r = 0; r < (*reader)->num_rows(); r += 97) rows.push_back(r);
    auto taken = (*reader)->Take({}, rows);
    if (!taken.ok()) return taken.status();
    // The same take with its pages read in parallel.
    static ThreadPool pool(2);
    auto parallel = (*reader)->Take({}, rows, &pool);
    if (!parallel.ok()) return parallel.status();
    if (!(*all)->Equals(*batch)) return Status::Internal("read wrong values without an error");
    if (!(*parallel)->Equals(**taken)) return Status::Internal("parallel take differs from serial take");
    // And the whole read with its pages fetched and decoded on the pool.
    auto read_ahead = (*reader)->Read({}, 0, (*reader)->num_rows(), &pool);
    if (!read_ahead.ok()) return read_ahead.status();
    if (!(*read_ahead)->Equals(*batch))
      return Status::Internal("read ahead gave wrong values without an error");
    return Status::OK();
  }
};

TEST(DataFileCorruptionTest, FlippedPageByteNamesFilePageAndColumn) {
  CorruptFixture f;
  const PageInfo& page = f.meta.columns[1].pages[3];
  std::string damaged = f.bytes;
  damaged[page.offset + page.size / 2] ^= 0x40;
  f.Put(damaged);
  auto reader = DataFileReader::Open(f.store, kKey, damaged.size());
  ASSERT_TRUE(reader.ok());
  auto got = (*reader)->ReadColumn(1, 0, (*reader)->num_rows());
  ASSERT_TRUE(got.status().IsCorruption()) << got.status().ToString();
  EXPECT_NE(
      got.status().message().find(std::string(kKey) + ": checksum mismatch in page 3 of column \"vector\""),
      std::string::npos)
      << got.status().message();
  // Reading ahead on a pool reports the same page.
  ThreadPool pool(2);
  auto ahead = (*reader)->ReadColumn(1, 0, (*reader)->num_rows(), &pool);
  ASSERT_TRUE(ahead.status().IsCorruption()) << ahead.status().ToString();
  EXPECT_NE(ahead.status().message().find("checksum mismatch in page 3 of column \"vector\""),
            std::string::npos)
      << ahead.status().message();
  // Other columns still read.
  EXPECT_TRUE((*reader)->ReadColumn(0, 0, (*reader)->num_rows()).ok());
}

TEST(DataFileCorruptionTest, TakeVerifiesBlocksOfUncompressedPages) {
  CorruptFixture f(Compression::kNone);
  const PageInfo& page = f.meta.columns[1].pages[2];
  ASSERT_EQ(page.compression, Compression::kNone);
  std::string damaged = f.bytes;
  damaged[page.offset + 40] ^= 0x01;  // a value byte in the first block
  f.Put(damaged);
  auto reader = DataFileReader::Open(f.store, kKey, damaged.size());
  ASSERT_TRUE(reader.ok());
  std::vector<int64_t> rows = {page.first_row + 2};
  auto got = (*reader)->Take({1}, rows);
  ASSERT_TRUE(got.status().IsCorruption()) << got.status().ToString();
  EXPECT_NE(got.status().message().find("page 2 of column \"vector\""), std::string::npos)
      << got.status().message();
  EXPECT_NE(got.status().message().find(kKey), std::string::npos);
}

// A take of a few rows reads single chunks of compressed pages: a flipped
// byte in any chunk (its data or its checksum) is still found.
TEST(DataFileCorruptionTest, TakeVerifiesChunksOfCompressedPages) {
  auto store = std::make_shared<MemoryObjectStore>();
  auto schema = std::make_shared<const Schema>(std::vector<Field>{Field("id", int64()), Field("s", utf8())});
  // Sorted ids (bit-packed) and ascii strings (zstd) compress, so every
  // page is chunked.
  auto ids = ArrayBuilder::Make(int64());
  for (int64_t r = 0; r < 12000; ++r) ASSERT_TRUE(ids->AppendInt(r).ok());
  BatchPtr random = RandomBatch(schema, 12000, 0.1, 21);
  BatchPtr batch = std::make_shared<const RecordBatch>(
      schema, 12000, std::vector<ArrayPtr>{ids->Finish(), random->column(1)});
  DataFileOptions options;
  options.target_page_bytes = 32 * 1024;
  DataFileMetadata meta = WriteFile(store.get(), kKey, schema, {batch}, options);
  const std::string bytes = ReadAll(*store, kKey);
  for (int c = 0; c < 2; ++c) {
    ASSERT_GE(meta.columns[c].pages.size(), 3u);
    const PageInfo& page = meta.columns[c].pages[1];
    ASSERT_EQ(page.compression, c == 0 ? Compression::kBitpack : Compression::kZstd);
    ASSERT_GE(page.chunk_sizes.size(), 3u);
    uint64_t chunk_at = page.offset;
    for (size_t chunk = 0; chunk < page.chunk_sizes.size(); ++chunk) {
      const uint64_t chunk_end = chunk_at + page.chunk_sizes[chunk] + kChunkChecksumSize;
      for (uint64_t pos : {chunk_at + page.chunk_sizes[chunk] / 2, chunk_end - 1}) {
        SCOPED_TRACE("column " + std::to_string(c) + " chunk " + std::to_string(chunk) + " byte " +
                     std::to_string(pos));
        std::string damaged = bytes;
        damaged[pos] ^= 0x20;
        ASSERT_TRUE(store->Put(kKey, damaged).ok());
        auto reader = OpenFile(store, kKey);
        ASSERT_NE(reader, nullptr);
        // Single rows: each reads a chunk or two of the page.
        int corrupt = 0;
        for (int64_t r = page.first_row; r < page.first_row + page.num_rows; ++r) {
          const std::vector<int64_t> rows = {r};
          auto got = reader->Take({c}, rows);
          if (got.ok()) {
            ASSERT_TRUE((*got)->column(0)->Equals(*batch->column(c)->Slice(r, 1))) << "row " << r;
            continue;
          }
          ASSERT_TRUE(got.status().IsCorruption()) << got.status().ToString();
          EXPECT_NE(got.status().message().find(std::string(kKey) + ": checksum mismatch in chunk " +
                                                std::to_string(chunk) + " in page 1 of column"),
                    std::string::npos)
              << got.status().message();
          ++corrupt;
        }
        EXPECT_GT(corrupt, 0);
        // Whole-page reads find it too.
        EXPECT_TRUE(reader->ReadColumn(c, 0, reader->num_rows()).status().IsCorruption());
      }
      chunk_at = chunk_end;
    }
  }
  ASSERT_TRUE(store->Put(kKey, bytes).ok());
}

TEST(DataFileCorruptionTest, FlippedFooterByte) {
  CorruptFixture f;
  const uint64_t footer_offset = f.meta.columns[2].pages.back().offset + f.meta.columns[2].pages.back().size;
  for (uint64_t pos : {footer_offset + 8, static_cast<uint64_t>(f.bytes.size()) - 40}) {
    std::string damaged = f.bytes;
    damaged[pos] ^= 0x10;
    f.Put(damaged);
    auto reader = DataFileReader::Open(f.store, kKey, damaged.size());
    ASSERT_TRUE(reader.status().IsCorruption()) << reader.status().ToString();
    EXPECT_NE(reader.status().message().find(kKey), std::string::npos);
    EXPECT_NE(reader.status().message().find("footer"), std::string::npos) << reader.status().message();
  }
}

TEST(DataFileCorruptionTest, TruncatedAndGarbageFiles) {
  CorruptFixture f;
  for (size_t len : {size_t{0}, size_t{7}, size_t{39}, f.bytes.size() / 2, f.bytes.size() - 1}) {
    f.Put(f.bytes.substr(0, len));
    auto reader = DataFileReader::Open(f.store, kKey);  // size from Head
    EXPECT_TRUE(reader.status().IsCorruption()) << len << ": " << reader.status().ToString();
    // The size the manifest recorded, with a shorter file behind it.
    auto expected_size = DataFileReader::Open(f.store, kKey, f.bytes.size());
    EXPECT_TRUE(expected_size.status().IsCorruption()) << len << ": " << expected_size.status().ToString();
  }
  std::mt19937_64 rng(5);
  std::string garbage(100000, '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  f.Put(garbage);
  EXPECT_TRUE(DataFileReader::Open(f.store, kKey).status().IsCorruption());
  // Garbage with a valid-looking trailer pointing at garbage.
  std::memcpy(garbage.data() + garbage.size() - 4, "QVRD", 4);
  garbage[garbage.size() - 8] = 1, garbage[garbage.size() - 7] = 0, garbage[garbage.size() - 6] = 0,
                           garbage[garbage.size() - 5] = 0;
  f.Put(garbage);
  EXPECT_TRUE(DataFileReader::Open(f.store, kKey).status().IsCorruption());
}

TEST(DataFileCorruptionTest, NewerVersionIsNotSupported) {
  CorruptFixture f;
  std::string newer = f.bytes;
  newer[newer.size() - 8] = static_cast<char>(kDataFileFormatVersion + 1);
  f.Put(newer);
  auto reader = DataFileReader::Open(f.store, kKey);
  EXPECT_TRUE(reader.status().IsNotSupported()) << reader.status().ToString();
}

// Flipping any single byte, or cutting the file anywhere, never crashes and
// never returns wrong data: the result is OK (bytes no check covers, such as
// the header and padding) or an error.
TEST(DataFileCorruptionTest, EveryByteFlipIsDetectedOrHarmless) {
  for (Compression c : {Compression::kZstd, Compression::kNone}) {
    CorruptFixture f(c);
    const size_t step = f.bytes.size() > 20000 ? 7 : 1;
    int detected = 0;
    for (size_t pos = 0; pos < f.bytes.size(); pos += step) {
      std::string damaged = f.bytes;
      damaged[pos] ^= 0x5A;
      f.Put(damaged);
      Status st = f.ReadEverything();
      ASSERT_TRUE(st.ok() || st.IsCorruption() || st.IsNotSupported()) << pos << ": " << st.ToString();
      detected += !st.ok();
    }
    EXPECT_GT(detected, static_cast<int>(f.bytes.size() / step * 9 / 10));
    for (size_t len = 0; len < f.bytes.size(); len += 13) {
      f.Put(f.bytes.substr(0, len));
      Status st = f.ReadEverything();
      ASSERT_TRUE(st.IsCorruption()) << len << ": " << st.ToString();
    }
  }
}

// ---------------------------------------------------------------------------
// Fixtures: files written by each shipped format version stay readable.

std::string TestDataDir() { return (std::filesystem::path(__FILE__).parent_path() / "testdata").string(); }

// The rows every fixture holds: the same on every platform (see
// AppendRandom).
BatchPtr FixtureBatch() { return RandomBatch(AllTypesSchema(), 200, 0.2, 2026); }

struct Fixture {
  const char* key;
  Compression compression;
  uint32_t version;  // the format version that wrote it
};
constexpr Fixture kFixtures[] = {{"v1_zstd.qvd", Compression::kZstd, 1},
                                 {"v1_lz4.qvd", Compression::kLz4, 1},
                                 {"v1_none.qvd", Compression::kNone, 1},
                                 {"v2_zstd.qvd", Compression::kZstd, 2},
                                 {"v2_lz4.qvd", Compression::kLz4, 2}};

TEST(DataFileFixtureTest, ReadsFilesOfEveryVersion) {
  auto store = OpenObjectStore(TestDataDir());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  BatchPtr expected = FixtureBatch();
  for (const Fixture& f : kFixtures) {
    SCOPED_TRACE(f.key);
    auto reader = OpenFile(*store, f.key);
    ASSERT_NE(reader, nullptr);
    EXPECT_TRUE(reader->schema()->Equals(*expected->schema(), /*check_metadata=*/true));
    auto all = reader->Read({}, 0, reader->num_rows());
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ExpectBatchEquals(*expected, **all);
    std::vector<int64_t> rows = {0, 1, 63, 64, 150, 199};
    auto taken = reader->Take({}, rows);
    ASSERT_TRUE(taken.ok()) << taken.status().ToString();
    for (int c = 0; c < expected->num_columns(); ++c) {
      EXPECT_TRUE((*taken)->column(c)->Equals(**Take(*expected->column(c), rows)));
    }
    bool saw_codec = false, saw_bitpack = false;
    for (const ColumnInfo& col : reader->metadata().columns) {
      for (const PageInfo& p : col.pages) {
        saw_codec = saw_codec || p.compression == f.compression;
        saw_bitpack = saw_bitpack || p.compression == Compression::kBitpack;
      }
    }
    EXPECT_TRUE(saw_codec);
    // Version 2 added bit-packed pages; its fixtures hold some.
    EXPECT_EQ(saw_bitpack, f.version >= 2);
  }
}

// Writes the fixtures of the current format version; run by hand
// (--gtest_also_run_disabled_tests --gtest_filter=*WriteFixtures) only when
// adding a format version's files, never to "fix" a failing
// ReadsFilesOfEveryVersion.
TEST(DataFileFixtureTest, DISABLED_WriteFixtures) {
  auto store = OpenObjectStore(TestDataDir());
  ASSERT_TRUE(store.ok());
  for (const Fixture& f : kFixtures) {
    if (f.version != kDataFileFormatVersion) continue;
    DataFileOptions options;
    options.compression = f.compression;
    options.target_page_bytes = 600;
    WriteFile(store->get(), f.key, AllTypesSchema(), {FixtureBatch()}, options);
  }
}

}  // namespace
}  // namespace quiver
