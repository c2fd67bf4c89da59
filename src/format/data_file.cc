#include "format/data_file.h"

// For XXH3_state_t on the stack (the page checksum of blocked pages is hashed
// as a stream).
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/coding.h"
#include "common/thread_pool.h"
#include "format/bitpack.h"
#include "format/decimal.h"
#include "format/page.h"
#include "format/schema_json.h"

namespace quiver {

namespace {

constexpr char kMagic[4] = {'Q', 'V', 'R', 'D'};
constexpr uint64_t kHeaderSize = 8;
constexpr uint64_t kTrailerSize = 32;
// Open reads this much of the file's tail, hoping the footer lies inside.
constexpr uint64_t kTailReadSize = 64 * 1024;
// Ranges closer than this are fetched in one request (the gap is read and
// discarded); merged requests stop growing at kMaxRequestBytes.
constexpr uint64_t kCoalesceGap = 16 * 1024;
constexpr uint64_t kMaxRequestBytes = 16 * 1024 * 1024;
// A read with an executor fetches pages in groups of about this many bytes,
// at most kReadAheadGroups of them ahead of the rows being assembled: on a
// remote store, several requests in flight instead of one after another.
constexpr uint64_t kReadAheadGroupBytes = 4 * 1024 * 1024;
constexpr size_t kReadAheadGroups = 8;
// The chunk-cache "chunk" number under which a whole decompressed page is
// kept (chunk numbers of real chunks are far smaller).
constexpr uint64_t kWholePage = UINT64_MAX;
// Stat strings in the footer are at most kMaxStatBytes; accept some slack.
constexpr uint64_t kMaxStatValueBytes = 4096;

// A bounds-checked cursor over footer bytes (common/coding.h underneath).
// Every getter returns false instead of reading past the end.
class Decoder {
 public:
  Decoder(const uint8_t* data, size_t size) : in_(reinterpret_cast<const char*>(data), size) {}

  size_t remaining() const { return in_.size(); }

  bool Varint(uint64_t* v) { return GetVarint64(&in_, v); }
  bool Varint(int64_t* v, int64_t max) {
    uint64_t u;
    if (!GetVarint64(&in_, &u) || u > static_cast<uint64_t>(max)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool Fixed64(uint64_t* v) { return GetFixed64(&in_, v); }
  bool Byte(uint8_t* v) {
    if (in_.empty()) return false;
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool Bytes(std::string_view* v, uint64_t max) {
    std::string_view saved = in_;
    if (!GetLengthPrefixed(&in_, v)) return false;
    if (v->size() > max) {
      in_ = saved;
      return false;
    }
    return true;
  }

 private:
  std::string_view in_;
};

void PutStat(std::string* out, const StatValue& v) {
  switch (v.index()) {
    case 1: {
      out->push_back(1);
      const auto i = std::get<int64_t>(v);
      PutVarint64(out, (static_cast<uint64_t>(i) << 1) ^ static_cast<uint64_t>(i >> 63));
      break;
    }
    case 2:
      out->push_back(2);
      PutVarint64(out, std::get<uint64_t>(v));
      break;
    case 3: {
      out->push_back(3);
      uint64_t bits;
      const double d = std::get<double>(v);
      std::memcpy(&bits, &d, 8);
      PutFixed64(out, bits);
      break;
    }
    case 4:
      out->push_back(4);
      PutLengthPrefixed(out, std::get<std::string>(v));
      break;
    default:
      out->push_back(0);
  }
}

bool GetStat(Decoder* in, StatValue* v) {
  uint8_t tag;
  if (!in->Byte(&tag)) return false;
  switch (tag) {
    case 0:
      *v = std::monostate{};
      return true;
    case 1: {
      uint64_t u;
      if (!in->Varint(&u)) return false;
      *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
      return true;
    }
    case 2: {
      uint64_t u;
      if (!in->Varint(&u)) return false;
      *v = u;
      return true;
    }
    case 3: {
      uint64_t bits;
      if (!in->Fixed64(&bits)) return false;
      double d;
      std::memcpy(&d, &bits, 8);
      *v = d;
      return true;
    }
    case 4: {
      std::string_view s;
      if (!in->Bytes(&s, kMaxStatValueBytes)) return false;
      *v = std::string(s);
      return true;
    }
    default:
      return false;
  }
}

std::string ColumnName(const Schema& schema, int column) { return "\"" + schema.field(column).name + "\""; }

// "key: <what> in page 3 of column "vector"".
Status PageCorruption(const std::string& key, const Schema& schema, int column, size_t page,
                      std::string_view what) {
  return Status::Corruption(key + ": " + std::string(what) + " in page " + std::to_string(page) +
                            " of column " + ColumnName(schema, column));
}

// A byte range of the file some task needs, and where the fetched bytes go.
struct RangeRequest {
  uint64_t offset = 0;
  uint64_t length = 0;
  BufferPtr* result = nullptr;
};

// Adds to `chunks` (and keeps it sorted and unique) the chunks of a
// utf8/binary page of `num_rows` rows, buffers of `sizes`, where the bytes
// of `rows` would lie if every value had the same length, give or take half
// a chunk. Sizes that do not fit add nothing (TakeRows reports them).
void GuessStringChunks(std::span<const uint64_t> sizes, int64_t num_rows, uint64_t logical_size,
                       std::span<const int64_t> rows, std::vector<size_t>* chunks) {
  if (sizes.size() != 3 || num_rows <= 0 || sizes[2] == 0) return;
  const uint64_t data_at = Pad8(sizes[0]) + Pad8(sizes[1]);
  const uint64_t data_size = sizes[2];
  if (data_at >= logical_size || data_size > logical_size - data_at) return;
  const uint64_t row_bytes = data_size / static_cast<uint64_t>(num_rows);
  constexpr uint64_t kSlack = kChunkSize / 2;
  for (int64_t row : rows) {
    const auto at = data_at + static_cast<uint64_t>(static_cast<double>(data_size) *
                                                    static_cast<double>(row) / static_cast<double>(num_rows));
    const uint64_t begin = at > data_at + kSlack ? at - kSlack : data_at;
    const uint64_t end = std::min(data_at + data_size, at + row_bytes + kSlack);
    if (end <= begin) continue;
    for (uint64_t c = begin / kChunkSize; c <= (end - 1) / kChunkSize; ++c) chunks->push_back(c);
  }
  std::sort(chunks->begin(), chunks->end());
  chunks->erase(std::unique(chunks->begin(), chunks->end()), chunks->end());
}

}  // namespace

// ---------------------------------------------------------------------------
// DataFileWriter

namespace {

struct ColumnWriter {
  explicit ColumnWriter(const Field& field) : layout(field.type), appender(layout), stats(*field.type) {}
  ColumnLayout layout;
  ArrayAppender appender;
  StatsCollector stats;
  std::vector<PageInfo> pages;
  int64_t rows_flushed = 0;
};

// A page cut from the appender, on its way to the file: encoded by the
// thread that cut it, compressed or blocked by any thread, appended to the
// file in cut order.
struct PendingPage {
  int column = 0;
  PageInfo info;       // everything but `offset`
  BufferPtr logical;   // the logical page
  std::string stored;  // compressed pages: the stored bytes
  // Uncompressed fixed-width pages: the checksum of each block (the stored
  // form is interleaved from `logical` as it is appended, never built).
  std::vector<uint32_t> block_checksums;
  Status status;
};

// A light codec (bit packing, decimal integers) is kept for a page while
// its probe is at most this many times the size the configured codec gets.
constexpr double kLightCodecSlack = 1.5;

// The light codec a page of `type` may use, with its parameter: bit packing
// over the value width for integer, date32 and timestamp columns (whose
// logical pages are words, after a validity bitmap padded to 8 bytes), and
// for float64 columns decimal integers under the exponent most of a sample
// of the page's values round-trip with; kNone for other types and for
// doubles that are not short decimals.
std::pair<Compression, int> LightCodec(const DataType& type, const PendingPage& page) {
  if (type.is_integer() || type.id() == TypeId::kDate32 || type.id() == TypeId::kTimestamp) {
    const int width = type.bit_width() / 8;
    if (IsBitpackWidth(width)) return {Compression::kBitpack, width};
  }
  if (type.id() == TypeId::kFloat64 && page.info.buffer_sizes.size() == 2) {
    // Up to 256 values spread over the page.
    const uint64_t values_at = Pad8(page.info.buffer_sizes[0]);
    const uint64_t count = page.info.buffer_sizes[1] / sizeof(double);
    if (count == 0 || values_at + count * sizeof(double) > page.logical->size())
      return {Compression::kNone, 0};
    const uint64_t step = (count + 255) / 256;
    std::vector<double> sample;
    for (uint64_t i = 0; i < count; i += step) {
      double v;
      std::memcpy(&v, page.logical->data() + values_at + i * sizeof(double), sizeof(double));
      sample.push_back(v);
    }
    const int e = ChooseDecimalExponent(sample.data(), sample.size());
    if (e >= 0) return {Compression::kDecimal, e};
  }
  return {Compression::kNone, 0};
}

// Pages cut per round of parallel encoding are capped near this many
// logical bytes, so a huge batch does not double the memory it holds.
constexpr uint64_t kMaxPendingBytes = 64 * 1024 * 1024;

}  // namespace

struct DataFileWriter::Impl {
  ObjectStore* store = nullptr;
  std::string key;
  SchemaPtr schema;
  DataFileOptions options;
  std::unique_ptr<ObjectWriter> out;
  std::vector<std::unique_ptr<ColumnWriter>> columns;
  // Pages cut and not yet written, per column (cut order within a column).
  std::vector<std::vector<std::unique_ptr<PendingPage>>> pending;
  int64_t num_rows = 0;
  uint64_t offset = 0;  // bytes appended to `out`
  Status error;         // the first failure; every later call returns it
  bool finished = false;
  // One per worker of a round of encoding (a Compressor is single-threaded).
  std::vector<std::unique_ptr<Compressor>> compressors;

  Status Fail(Status st) {
    if (error.ok()) error = st;
    if (out) {
      out->Abort();
      out.reset();
    }
    return st;
  }

  Status Append(std::string_view bytes) {
    QUIVER_RETURN_NOT_OK(out->Append(bytes));
    offset += bytes.size();
    return Status::OK();
  }

  // Cuts rows [offset, offset + length) of `array` into pages of column `c`.
  Status WriteColumn(int c, const Array& array, int64_t offset, int64_t length);
  // Moves the appender's rows of column `c` into a pending page.
  Status CutPage(int c);
  // Compresses (or blocks) a pending page and checksums it.
  void EncodePage(PendingPage& page, Compressor& compressor) const;
  // Appends an encoded page to the file and records it in its column.
  Status CommitPage(PendingPage& page);
  // Encodes every pending page, on the executor when there is one, and
  // appends them to the file in cut order (columns in schema order, each
  // column's pages in row order) as they become ready.
  Status WritePending();
  // Runs fn(worker, begin, end) over [0, n) on the executor (or inline).
  void ParallelFor(int64_t n, const std::function<void(int64_t, int64_t)>& fn) const {
    if (options.executor != nullptr && n > 1) {
      options.executor->ParallelFor(n, fn);
    } else if (n > 0) {
      fn(0, n);
    }
  }
};

DataFileWriter::DataFileWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DataFileWriter::~DataFileWriter() {
  if (!impl_->finished) Abort();
}

Result<std::unique_ptr<DataFileWriter>> DataFileWriter::Open(ObjectStore* store, std::string key,
                                                             SchemaPtr schema, DataFileOptions options) {
  if (store == nullptr || schema == nullptr)
    return Status::InvalidArgument("data file writer needs a store and a schema");
  if (options.target_page_bytes <= 0 ||
      static_cast<uint64_t>(options.target_page_bytes) > kMaxPageBytes / 2) {
    return Status::InvalidArgument("target_page_bytes " + std::to_string(options.target_page_bytes) +
                                   " is outside [1, 1 GiB]");
  }
  if (!(options.min_compression_saving >= 0.0 && options.min_compression_saving <= 1.0)) {
    return Status::InvalidArgument("min_compression_saving " +
                                   std::to_string(options.min_compression_saving) + " is outside [0, 1]");
  }
  if (CompressionName(options.compression) == "unknown") {
    return Status::InvalidArgument("unknown compression code " +
                                   std::to_string(static_cast<int>(options.compression)));
  }
  for (const Field& f : schema->fields()) {
    if (!f.type) return Status::InvalidArgument("field \"" + f.name + "\" has no type");
  }
  auto impl = std::make_unique<Impl>();
  impl->store = store;
  impl->key = std::move(key);
  impl->schema = std::move(schema);
  impl->options = options;
  for (const Field& f : impl->schema->fields()) impl->columns.push_back(std::make_unique<ColumnWriter>(f));
  impl->pending.resize(impl->columns.size());
  const int workers = options.executor != nullptr ? options.executor->num_threads() + 1 : 1;
  for (int i = 0; i < workers; ++i) impl->compressors.push_back(std::make_unique<Compressor>());
  QUIVER_ASSIGN_OR_RETURN(impl->out, store->OpenWriter(impl->key));
  std::string header(kMagic, 4);
  PutFixed32(&header, kDataFileFormatVersion);
  Status st = impl->Append(header);
  if (!st.ok()) return impl->Fail(st);
  return std::unique_ptr<DataFileWriter>(new DataFileWriter(std::move(impl)));
}

Status DataFileWriter::Write(const RecordBatch& batch) {
  Impl& w = *impl_;
  if (!w.error.ok()) return w.error;
  if (w.finished) return Status::InvalidArgument(w.key + ": data file writer is already finished");
  if (!batch.schema() || !batch.schema()->Equals(*w.schema)) {
    return Status::InvalidArgument(w.key + ": batch schema\n" +
                                   (batch.schema() ? batch.schema()->ToString() : std::string("(none)")) +
                                   "\ndoes not match the data file schema\n" + w.schema->ToString());
  }
  if (batch.num_columns() != w.schema->num_fields()) {
    return Status::InvalidArgument(w.key + ": batch has " + std::to_string(batch.num_columns()) +
                                   " columns, schema has " + std::to_string(w.schema->num_fields()));
  }
  for (int c = 0; c < batch.num_columns(); ++c) {
    const ArrayPtr& a = batch.column(c);
    if (!a || a->length() != batch.num_rows() || !a->type()->Equals(*w.schema->field(c).type)) {
      return Status::InvalidArgument(w.key + ": column " + ColumnName(*w.schema, c) +
                                     " does not match the batch's schema or row count");
    }
  }
  const int64_t n = batch.num_rows();
  if (n == 0) return Status::OK();
  // Rows per round, so that one round cuts about kMaxPendingBytes of pages.
  // Page boundaries do not depend on the rounds: a page left open at the end
  // of one round is continued by the next.
  uint64_t batch_bytes = 0;
  for (int c = 0; c < batch.num_columns(); ++c) {
    batch_bytes += EstimatePageBytes(w.columns[c]->layout, *batch.column(c), 0, n);
  }
  const uint64_t rounds = std::max<uint64_t>(1, (batch_bytes + kMaxPendingBytes - 1) / kMaxPendingBytes);
  const int64_t round_rows = (n + static_cast<int64_t>(rounds) - 1) / static_cast<int64_t>(rounds);
  for (int64_t start = 0; start < n; start += round_rows) {
    const int64_t length = std::min(round_rows, n - start);
    // Columns are cut in parallel: each has its own appender and statistics.
    std::vector<Status> cut(batch.num_columns());
    w.ParallelFor(batch.num_columns(), [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        cut[c] = w.WriteColumn(static_cast<int>(c), *batch.column(static_cast<int>(c)), start, length);
      }
    });
    for (const Status& st : cut) {
      if (!st.ok()) return w.Fail(st);
    }
    Status st = w.WritePending();
    if (!st.ok()) return w.Fail(st);
  }
  w.num_rows += n;
  return Status::OK();
}

Status DataFileWriter::Impl::WriteColumn(int c, const Array& array, int64_t offset, int64_t length) {
  ColumnWriter& col = *columns[c];
  const uint64_t target = static_cast<uint64_t>(options.target_page_bytes);
  const int64_t n = offset + length;
  int64_t pos = offset;
  while (pos < n) {
    const uint64_t current = col.appender.logical_size();
    if (col.appender.length() > 0 && current >= target) {
      QUIVER_RETURN_NOT_OK(CutPage(c));
      continue;
    }
    const uint64_t room = target - std::min(current, target);
    // The most rows that fit in the room left (the estimate grows with k).
    int64_t lo = 0, hi = n - pos;
    if (EstimatePageBytes(col.layout, array, pos, hi) <= room) {
      lo = hi;
    } else {
      while (lo < hi) {
        const int64_t mid = lo + (hi - lo + 1) / 2;
        if (EstimatePageBytes(col.layout, array, pos, mid) <= room) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
    }
    int64_t k = lo;
    if (k == 0) {
      if (col.appender.length() > 0) {
        QUIVER_RETURN_NOT_OK(CutPage(c));
        continue;
      }
      k = 1;  // a page always holds at least one row
    }
    QUIVER_RETURN_NOT_OK(col.appender.Append(array, pos, k));
    col.stats.Update(array, pos, k);
    pos += k;
  }
  return Status::OK();
}

Status DataFileWriter::Impl::CutPage(int c) {
  ColumnWriter& col = *columns[c];
  auto page = std::make_unique<PendingPage>();
  page->column = c;
  PageInfo& info = page->info;
  info.first_row = col.rows_flushed;
  info.num_rows = col.appender.length();
  page->logical = col.appender.EncodePage(&info.buffer_sizes);
  info.stats = col.stats.Finish();
  info.uncompressed_size = page->logical->size();
  if (page->logical->size() > kMaxPageBytes) {
    return Status::InvalidArgument(key + ": a page of column \"" + schema->field(c).name + "\" would hold " +
                                   std::to_string(page->logical->size()) +
                                   " bytes; values over 2 GiB are not supported");
  }
  col.rows_flushed += info.num_rows;
  pending[c].push_back(std::move(page));
  return Status::OK();
}

void DataFileWriter::Impl::EncodePage(PendingPage& page, Compressor& compressor) const {
  PageInfo& info = page.info;
  const uint8_t* logical = page.logical->data();
  const size_t size = page.logical->size();
  info.compression = Compression::kNone;
  if (options.compression != Compression::kNone && size > 0) {
    // Compressing the page's middle chunk first tells cheaply whether the
    // page is worth compressing (dense float vectors are not): a page whose
    // probe saves less than the threshold is stored without trying the rest.
    // Integer columns also try bit packing on the probe, and float64 columns
    // decimal integers, and keep them unless they are much larger (they
    // encode and decode many times faster than zstd). The decision depends
    // on the page alone, so pages encode in parallel and the file does not
    // depend on the number of threads.
    const uint64_t chunks = NumChunks(size);
    const uint64_t probe = chunks / 2;
    const size_t probe_size = static_cast<size_t>(std::min<uint64_t>(kChunkSize, size - probe * kChunkSize));
    auto probe_with = [&](Compression c, int param) -> Result<uint64_t> {
      std::string out;
      std::vector<uint64_t> sizes;
      QUIVER_RETURN_NOT_OK(
          CompressChunked(&compressor, c, param, logical + probe * kChunkSize, probe_size, &out, &sizes));
      return sizes[0];
    };
    Compression c = options.compression;
    int param = options.zstd_level;
    Result<uint64_t> probed = probe_with(c, param);
    const auto [light, light_param] = LightCodec(*schema->field(page.column).type, page);
    if (probed.ok() && light != Compression::kNone) {
      Result<uint64_t> packed = probe_with(light, light_param);
      if (packed.ok() && static_cast<double>(*packed) <= static_cast<double>(*probed) * kLightCodecSlack) {
        c = light;
        param = light_param;
        probed = packed;
      }
    }
    if (!probed.ok()) {
      page.status = probed.status();
      return;
    }
    const double keep = 1.0 - options.min_compression_saving;
    if (static_cast<double>(*probed) <= static_cast<double>(probe_size) * keep) {
      page.stored.reserve(size / 2);
      page.status = CompressChunked(&compressor, c, param, logical, size, &page.stored, &info.chunk_sizes);
      if (!page.status.ok()) return;
      if (static_cast<double>(page.stored.size()) <= static_cast<double>(size) * keep) {
        info.compression = c;
      } else {
        page.stored.clear();
        page.stored.shrink_to_fit();
        info.chunk_sizes.clear();
      }
    }
  }
  if (info.compression != Compression::kNone) {
    info.size = page.stored.size();
    info.checksum = XXH3_64bits(page.stored.data(), page.stored.size());
    page.logical.reset();
    return;
  }
  if (!columns[page.column]->layout.fixed_width()) {
    info.size = size;
    info.checksum = XXH3_64bits(logical, size);
    return;
  }
  // Blocked storage: the page checksum covers the blocks and their
  // checksums in stored order, hashed as a stream.
  info.size = BlockedSize(size);
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  for (uint64_t block = 0, pos = 0; pos < size; ++block, pos += kBlockSize) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kBlockSize, size - pos));
    const uint32_t sum = BlockChecksum(logical + pos, n, block);
    uint8_t encoded[4];
    EncodeFixed32(encoded, sum);
    XXH3_64bits_update(&state, logical + pos, n);
    XXH3_64bits_update(&state, encoded, 4);
    page.block_checksums.push_back(sum);
  }
  info.checksum = XXH3_64bits_digest(&state);
}

Status DataFileWriter::Impl::CommitPage(PendingPage& page) {
  QUIVER_RETURN_NOT_OK(page.status);
  PageInfo& info = page.info;
  info.offset = offset;
  if (info.compression != Compression::kNone) {
    QUIVER_RETURN_NOT_OK(Append(page.stored));
  } else if (!page.block_checksums.empty()) {
    const std::string_view logical = page.logical->view();
    for (size_t block = 0; block < page.block_checksums.size(); ++block) {
      QUIVER_RETURN_NOT_OK(Append(logical.substr(block * kBlockSize, kBlockSize)));
      uint8_t encoded[4];
      EncodeFixed32(encoded, page.block_checksums[block]);
      QUIVER_RETURN_NOT_OK(Append(std::string_view(reinterpret_cast<const char*>(encoded), 4)));
    }
  } else {
    QUIVER_RETURN_NOT_OK(Append(page.logical->view()));
  }
  static constexpr char kZeros[8] = {};
  QUIVER_RETURN_NOT_OK(Append(std::string_view(kZeros, Pad8(offset) - offset)));
  columns[page.column]->pages.push_back(std::move(info));
  return Status::OK();
}

Status DataFileWriter::Impl::WritePending() {
  std::vector<std::unique_ptr<PendingPage>> pages;
  for (auto& column_pages : pending) {
    for (auto& p : column_pages) pages.push_back(std::move(p));
    column_pages.clear();
  }
  const int64_t n = static_cast<int64_t>(pages.size());
  if (n == 0) return Status::OK();
  // Workers claim pages in cut order; whoever finishes the oldest pages
  // appends them, so the file grows while later pages are still being
  // compressed.
  std::atomic<int64_t> next_page{0};
  std::mutex mu;
  std::vector<uint8_t> done(pages.size(), 0);
  int64_t next_commit = 0;
  Status status;
  const int64_t workers = std::min<int64_t>(n, static_cast<int64_t>(compressors.size()));
  ParallelFor(workers, [&](int64_t begin, int64_t end) {
    for (int64_t worker = begin; worker < end; ++worker) {
      Compressor& compressor = *compressors[worker];
      for (;;) {
        const int64_t i = next_page.fetch_add(1);
        if (i >= n) break;
        EncodePage(*pages[i], compressor);
        std::lock_guard<std::mutex> lock(mu);
        done[i] = 1;
        while (status.ok() && next_commit < n && done[next_commit]) {
          status = CommitPage(*pages[next_commit]);
          pages[next_commit].reset();
          ++next_commit;
        }
        if (!status.ok()) return;
      }
    }
  });
  return status;
}

int64_t DataFileWriter::num_rows() const { return impl_->num_rows; }

uint64_t DataFileWriter::bytes_written() const { return impl_->offset; }

Result<DataFileMetadata> DataFileWriter::Finish() {
  Impl& w = *impl_;
  if (!w.error.ok()) return w.error;
  if (w.finished) return Status::InvalidArgument(w.key + ": data file writer is already finished");
  for (int c = 0; c < w.schema->num_fields(); ++c) {
    if (w.columns[c]->appender.length() > 0) {
      Status st = w.CutPage(c);
      if (!st.ok()) return w.Fail(st);
    }
  }
  Status pending_st = w.WritePending();
  if (!pending_st.ok()) return w.Fail(pending_st);

  std::string footer;
  PutLengthPrefixed(&footer, SchemaToJson(*w.schema).dump());
  PutVarint64(&footer, static_cast<uint64_t>(w.num_rows));
  PutVarint64(&footer, w.columns.size());
  DataFileMetadata meta;
  meta.schema = w.schema;
  meta.num_rows = w.num_rows;
  for (int c = 0; c < w.schema->num_fields(); ++c) {
    ColumnWriter& col = *w.columns[c];
    PutVarint64(&footer, col.pages.size());
    ColumnStatsMerger merger(*w.schema->field(c).type);
    for (const PageInfo& p : col.pages) {
      PutVarint64(&footer, static_cast<uint64_t>(p.num_rows));
      PutVarint64(&footer, p.offset);
      PutVarint64(&footer, p.size);
      footer.push_back(static_cast<char>(p.compression));
      PutFixed64(&footer, p.checksum);
      PutVarint64(&footer, p.buffer_sizes.size());
      for (uint64_t s : p.buffer_sizes) PutVarint64(&footer, s);
      for (uint64_t s : p.chunk_sizes) PutVarint64(&footer, s);
      PutVarint64(&footer, static_cast<uint64_t>(p.stats.null_count));
      PutStat(&footer, p.stats.min);
      PutStat(&footer, p.stats.max);
      merger.Add(p.stats);
    }
    ColumnInfo info;
    info.pages = std::move(col.pages);
    info.stats = merger.Finish();
    meta.columns.push_back(std::move(info));
  }
  PutVarint64(&footer, 0);  // no extensions

  std::string trailer;
  PutFixed64(&trailer, w.offset);
  PutFixed64(&trailer, footer.size());
  PutFixed64(&trailer, XXH3_64bits(footer.data(), footer.size()));
  PutFixed32(&trailer, kDataFileFormatVersion);
  trailer.append(kMagic, 4);
  Status st = w.Append(footer);
  if (st.ok()) st = w.Append(trailer);
  if (st.ok()) st = w.out->Close();
  if (!st.ok()) return w.Fail(st);
  w.out.reset();
  w.finished = true;
  meta.file_size = w.offset;
  return meta;
}

void DataFileWriter::Abort() {
  Impl& w = *impl_;
  if (w.finished) return;
  w.finished = true;
  (void)w.Fail(Status::InvalidArgument(w.key + ": data file writer was aborted"));
}

// ---------------------------------------------------------------------------
// DataFileReader

struct DataFileReader::Impl {
  ObjectStorePtr store;
  std::string key;
  uint64_t id = 0;
  std::shared_ptr<DecodedChunkCache> chunk_cache;
  DataFileMetadata meta;

  DecodedChunkCache::Key CacheKey(int column, size_t page, uint64_t unit) const {
    return {id, static_cast<uint32_t>(column), static_cast<uint32_t>(page), unit};
  }
  std::vector<std::unique_ptr<ColumnLayout>> layouts;

  Status ParseFooter(const uint8_t* data, size_t size, uint64_t footer_offset);
  Status CheckColumns(const std::vector<int>& columns) const;
  std::vector<int> ResolveColumns(const std::vector<int>& columns) const;
  SchemaPtr ProjectSchema(const std::vector<int>& columns) const;
  // Index of the page of `column` holding `row`.
  size_t FindPage(int column, int64_t row) const;
  // Fetches every request's range, merging nearby ones.
  Status Fetch(std::vector<RangeRequest>& requests) const;
  // Verifies, decompresses and decodes a whole stored page. With `scratch`,
  // the logical page goes into *scratch when nothing else holds it (the
  // caller copies the rows out before the next call), saving an allocation
  // per page.
  Result<ArrayPtr> LoadPage(int column, size_t page, const BufferPtr& stored,
                            BufferPtr* scratch = nullptr) const;
  // The decompressed logical page a full read of a compressed page left in
  // the chunk cache, or null. Scans that come back to the same pages (a
  // filter run again, a delete after a count) skip the fetch and the
  // decompression.
  BufferPtr CachedLogicalPage(int column, size_t page) const;
  // A page's array from its logical bytes (Corruption naming the page).
  Result<ArrayPtr> DecodeLogicalPage(int column, size_t page, BufferPtr logical) const;
  // NotSupported for a page compressed with a codec this build lacks.
  Status CheckCodec(int column, size_t page) const;
  Result<std::vector<ArrayPtr>> ReadColumns(const std::vector<int>& columns, int64_t start, int64_t length,
                                            ThreadPool* executor) const;
  Result<std::vector<ArrayPtr>> TakeColumns(const std::vector<int>& columns, std::span<const int64_t> rows,
                                            ThreadPool* executor) const;
  // The rows `rows` (page-local, ascending) of one page, reading as little of
  // it as the page's storage allows.
  Result<ArrayPtr> TakeFromPage(int column, size_t page, std::span<const int64_t> rows) const;
  Result<ArrayPtr> TakeBlocks(int column, size_t page, std::span<const int64_t> rows,
                              const FixedWidthLayout& fw) const;
  Result<ArrayPtr> TakeChunks(int column, size_t page, std::span<const int64_t> rows) const;
  Result<ArrayPtr> TakeRowsOfStoredPage(int column, size_t page, std::span<const int64_t> rows) const;
  Result<ArrayPtr> TakeWholePage(int column, size_t page, std::span<const int64_t> rows) const;
  // TakeRows' errors as the page's Corruption (sizes that do not fit) or
  // with the file's key.
  Status TakeError(int column, size_t page, const Status& st) const;
};

DataFileReader::DataFileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

uint64_t DataFileReader::id() const { return impl_->id; }

Result<std::shared_ptr<DataFileReader>> DataFileReader::Open(ObjectStorePtr store, std::string key,
                                                             uint64_t file_size,
                                                             std::shared_ptr<DecodedChunkCache> chunk_cache) {
  if (!store) return Status::InvalidArgument("data file reader needs a store");
  static std::atomic<uint64_t> next_id{1};
  auto impl = std::make_unique<Impl>();
  impl->store = std::move(store);
  impl->key = std::move(key);
  impl->id = next_id.fetch_add(1, std::memory_order_relaxed);
  impl->chunk_cache = std::move(chunk_cache);
  const std::string& k = impl->key;
  if (file_size == 0) {
    QUIVER_ASSIGN_OR_RETURN(ObjectMeta head, impl->store->Head(k));
    file_size = head.size;
  }
  if (file_size < kHeaderSize + kTrailerSize) {
    return Status::Corruption(k + ": " + std::to_string(file_size) +
                              " bytes is too short for a Quiver data file (truncated?)");
  }
  // Reads [offset, offset + length), which the file should hold.
  auto read = [&](uint64_t offset, uint64_t length) -> Result<BufferPtr> {
    auto r = impl->store->ReadRange(k, offset, length);
    if (!r.ok()) {
      if (r.status().IsInvalidArgument()) {
        return Status::Corruption(k + ": file is shorter than " + std::to_string(file_size) +
                                  " bytes (truncated?): " + r.status().message());
      }
      return r.status();
    }
    if ((*r)->size() != length) {
      return Status::Corruption(k + ": short read of " + std::to_string((*r)->size()) + " bytes at offset " +
                                std::to_string(offset) + ", expected " + std::to_string(length));
    }
    return r;
  };
  const uint64_t tail_size = std::min(file_size, kTailReadSize);
  const uint64_t tail_offset = file_size - tail_size;
  QUIVER_ASSIGN_OR_RETURN(BufferPtr tail, read(tail_offset, tail_size));
  const uint8_t* trailer = tail->data() + tail_size - kTrailerSize;
  if (std::memcmp(trailer + 28, kMagic, 4) != 0) {
    return Status::Corruption(k + ": not a Quiver data file (no \"QVRD\" magic at the end; truncated?)");
  }
  const uint32_t version = DecodeFixed32(trailer + 24);
  if (version == 0) return Status::Corruption(k + ": data file format version 0 is invalid");
  if (version > kDataFileFormatVersion) {
    return Status::NotSupported(k + ": data file format version " + std::to_string(version) +
                                " is newer than this build reads (up to " +
                                std::to_string(kDataFileFormatVersion) + ")");
  }
  const uint64_t footer_offset = DecodeFixed64(trailer);
  const uint64_t footer_length = DecodeFixed64(trailer + 8);
  const uint64_t footer_checksum = DecodeFixed64(trailer + 16);
  const uint64_t footer_end = file_size - kTrailerSize;
  if (footer_offset < kHeaderSize || footer_offset > footer_end ||
      footer_length != footer_end - footer_offset) {
    return Status::Corruption(k + ": footer at offset " + std::to_string(footer_offset) + " of " +
                              std::to_string(footer_length) + " bytes does not fit a file of " +
                              std::to_string(file_size) + " bytes");
  }
  BufferPtr footer;
  if (footer_offset >= tail_offset) {
    footer = Buffer::Slice(tail, footer_offset - tail_offset, footer_length);
  } else {
    QUIVER_ASSIGN_OR_RETURN(footer, read(footer_offset, footer_length));
  }
  if (XXH3_64bits(footer->data(), footer->size()) != footer_checksum) {
    return Status::Corruption(k + ": footer checksum mismatch");
  }
  impl->meta.file_size = file_size;
  QUIVER_RETURN_NOT_OK(impl->ParseFooter(footer->data(), footer->size(), footer_offset));
  return std::shared_ptr<DataFileReader>(new DataFileReader(std::move(impl)));
}

Status DataFileReader::Impl::ParseFooter(const uint8_t* data, size_t size, uint64_t footer_offset) {
  auto bad = [&](const std::string& what) { return Status::Corruption(key + ": footer: " + what); };
  Decoder in(data, size);
  std::string_view schema_text;
  if (!in.Bytes(&schema_text, size)) return bad("truncated schema");
  nlohmann::json schema_json = nlohmann::json::parse(schema_text, nullptr, /*allow_exceptions=*/false);
  if (schema_json.is_discarded()) return bad("schema is not valid JSON");
  auto schema = SchemaFromJson(schema_json);
  if (!schema.ok()) return bad(schema.status().message());
  meta.schema = *schema;
  const Schema& s = *meta.schema;
  constexpr int64_t kMaxRows = int64_t{1} << 48;
  uint64_t num_columns;
  if (!in.Varint(&meta.num_rows, kMaxRows) || !in.Varint(&num_columns)) return bad("truncated header");
  if (num_columns != static_cast<uint64_t>(s.num_fields())) {
    return bad(std::to_string(num_columns) + " columns for a schema of " + std::to_string(s.num_fields()) +
               " fields");
  }
  for (int c = 0; c < s.num_fields(); ++c) {
    layouts.push_back(std::make_unique<ColumnLayout>(s.field(c).type));
    const ColumnLayout& layout = *layouts.back();
    const std::string col_name = "column " + ColumnName(s, c);
    uint64_t num_pages;
    // Every page entry takes at least 14 bytes: refuse counts that cannot fit.
    if (!in.Varint(&num_pages) || num_pages > in.remaining() / 14) return bad(col_name + ": bad page count");
    ColumnInfo info;
    info.pages.resize(num_pages);
    ColumnStatsMerger merger(*s.field(c).type);
    int64_t first_row = 0;
    uint64_t previous_end = kHeaderSize;  // pages of a column lie in row order
    for (uint64_t i = 0; i < num_pages; ++i) {
      PageInfo& p = info.pages[i];
      const std::string where = col_name + " page " + std::to_string(i);
      uint8_t compression;
      uint64_t num_buffers;
      p.first_row = first_row;
      if (!in.Varint(&p.num_rows, kMaxRows) || !in.Varint(&p.offset) || !in.Varint(&p.size) ||
          !in.Byte(&compression) || !in.Fixed64(&p.checksum) || !in.Varint(&num_buffers)) {
        return bad(where + ": truncated entry");
      }
      if (p.num_rows == 0 || p.num_rows > meta.num_rows - first_row) {
        return bad(where + ": " + std::to_string(p.num_rows) + " rows from row " + std::to_string(first_row) +
                   " exceed the file's " + std::to_string(meta.num_rows));
      }
      first_row += p.num_rows;
      if (p.offset < previous_end || p.offset > footer_offset || p.size > footer_offset - p.offset) {
        return bad(where + ": bytes [" + std::to_string(p.offset) + ", +" + std::to_string(p.size) +
                   ") lie outside the page area or before the column's previous page");
      }
      previous_end = p.offset + p.size;
      p.compression = static_cast<Compression>(compression);
      if (num_buffers != static_cast<uint64_t>(layout.num_slots())) {
        return bad(where + ": " + std::to_string(num_buffers) + " buffers, type " +
                   s.field(c).type->ToString() + " has " + std::to_string(layout.num_slots()));
      }
      p.buffer_sizes.resize(num_buffers);
      uint64_t logical = 0;
      for (uint64_t& b : p.buffer_sizes) {
        if (!in.Varint(&b)) return bad(where + ": truncated entry");
        if (b > kMaxPageBytes) return bad(where + ": buffer of " + std::to_string(b) + " bytes");
        logical += Pad8(b);
      }
      if (logical > kMaxPageBytes) return bad(where + ": page of " + std::to_string(logical) + " bytes");
      p.uncompressed_size = logical;
      if (p.compression == Compression::kNone) {
        const uint64_t expected = layout.fixed_width() ? BlockedSize(logical) : logical;
        if (p.size != expected) {
          return bad(where + ": stored size " + std::to_string(p.size) + " != " + std::to_string(expected) +
                     " for an uncompressed page");
        }
      } else {
        const uint64_t num_chunks = NumChunks(logical);
        if (num_chunks > in.remaining()) return bad(where + ": truncated entry");
        p.chunk_sizes.resize(num_chunks);
        uint64_t stored = 0;
        for (uint64_t& c : p.chunk_sizes) {
          if (!in.Varint(&c)) return bad(where + ": truncated entry");
          if (c > kMaxPageBytes) return bad(where + ": chunk of " + std::to_string(c) + " bytes");
          stored += c + kChunkChecksumSize;
        }
        if (stored != p.size) {
          return bad(where + ": stored size " + std::to_string(p.size) + " != " + std::to_string(stored) +
                     " of its chunks");
        }
      }
      if (!in.Varint(&p.stats.null_count, p.num_rows) || !GetStat(&in, &p.stats.min) ||
          !GetStat(&in, &p.stats.max)) {
        return bad(where + ": bad statistics");
      }
      merger.Add(p.stats);
    }
    if (first_row != meta.num_rows) {
      return bad(col_name + " has " + std::to_string(first_row) + " rows, the file " +
                 std::to_string(meta.num_rows));
    }
    info.stats = merger.Finish();
    meta.columns.push_back(std::move(info));
  }
  uint64_t num_extensions;
  if (!in.Varint(&num_extensions)) return bad("truncated extension count");
  for (uint64_t i = 0; i < num_extensions; ++i) {
    uint64_t tag;
    std::string_view payload;
    if (!in.Varint(&tag) || !in.Bytes(&payload, size)) return bad("truncated extension");
    // No extension is defined in version 1; unknown ones are skipped.
  }
  if (in.remaining() != 0) return bad(std::to_string(in.remaining()) + " unexpected bytes at the end");
  return Status::OK();
}

const DataFileMetadata& DataFileReader::metadata() const { return impl_->meta; }
const SchemaPtr& DataFileReader::schema() const { return impl_->meta.schema; }
int64_t DataFileReader::num_rows() const { return impl_->meta.num_rows; }
const std::string& DataFileReader::key() const { return impl_->key; }

Status DataFileReader::Impl::CheckColumns(const std::vector<int>& columns) const {
  for (int c : columns) {
    if (c < 0 || c >= meta.schema->num_fields()) {
      return Status::InvalidArgument(key + ": column index " + std::to_string(c) + " is outside [0, " +
                                     std::to_string(meta.schema->num_fields()) + ")");
    }
  }
  return Status::OK();
}

std::vector<int> DataFileReader::Impl::ResolveColumns(const std::vector<int>& columns) const {
  if (!columns.empty()) return columns;
  std::vector<int> all(meta.schema->num_fields());
  for (int i = 0; i < meta.schema->num_fields(); ++i) all[i] = i;
  return all;
}

SchemaPtr DataFileReader::Impl::ProjectSchema(const std::vector<int>& columns) const {
  bool identity = static_cast<int>(columns.size()) == meta.schema->num_fields();
  for (size_t i = 0; identity && i < columns.size(); ++i) identity = columns[i] == static_cast<int>(i);
  if (identity) return meta.schema;
  std::vector<Field> fields;
  for (int c : columns) fields.push_back(meta.schema->field(c));
  return std::make_shared<const Schema>(std::move(fields), meta.schema->metadata());
}

size_t DataFileReader::Impl::FindPage(int column, int64_t row) const {
  const auto& pages = meta.columns[column].pages;
  auto it = std::upper_bound(pages.begin(), pages.end(), row,
                             [](int64_t r, const PageInfo& p) { return r < p.first_row; });
  return static_cast<size_t>(it - pages.begin()) - 1;
}

Status DataFileReader::Impl::Fetch(std::vector<RangeRequest>& requests) const {
  std::vector<RangeRequest*> order;
  order.reserve(requests.size());
  for (RangeRequest& r : requests) order.push_back(&r);
  std::sort(order.begin(), order.end(),
            [](const RangeRequest* a, const RangeRequest* b) { return a->offset < b->offset; });
  for (size_t i = 0; i < order.size();) {
    const uint64_t begin = order[i]->offset;
    uint64_t end = begin + order[i]->length;
    size_t j = i + 1;
    while (j < order.size() && order[j]->offset <= end + kCoalesceGap &&
           std::max(end, order[j]->offset + order[j]->length) - begin <= kMaxRequestBytes) {
      end = std::max(end, order[j]->offset + order[j]->length);
      ++j;
    }
    auto r = store->ReadRange(key, begin, end - begin);
    if (!r.ok()) {
      if (r.status().IsInvalidArgument()) {
        return Status::Corruption(key + ": file is shorter than its footer says: " + r.status().message());
      }
      return r.status();
    }
    BufferPtr buf = std::move(r).value();
    if (buf->size() != end - begin) {
      return Status::Corruption(key + ": short read of " + std::to_string(buf->size()) + " bytes at offset " +
                                std::to_string(begin) + ", expected " + std::to_string(end - begin));
    }
    for (; i < j; ++i) *order[i]->result = Buffer::Slice(buf, order[i]->offset - begin, order[i]->length);
  }
  return Status::OK();
}

Status DataFileReader::Impl::CheckCodec(int column, size_t page_index) const {
  const Compression c = meta.columns[column].pages[page_index].compression;
  if (c == Compression::kZstd || c == Compression::kLz4 || c == Compression::kBitpack ||
      c == Compression::kDecimal) {
    return Status::OK();
  }
  return Status::NotSupported(key + ": page " + std::to_string(page_index) + " of column " +
                              ColumnName(*meta.schema, column) + " uses unknown compression code " +
                              std::to_string(static_cast<int>(c)));
}

Result<ArrayPtr> DataFileReader::Impl::LoadPage(int column, size_t page_index, const BufferPtr& stored,
                                                BufferPtr* scratch) const {
  const PageInfo& page = meta.columns[column].pages[page_index];
  const ColumnLayout& layout = *layouts[column];
  const Schema& s = *meta.schema;
  if (XXH3_64bits(stored->data(), stored->size()) != page.checksum) {
    return PageCorruption(key, s, column, page_index, "checksum mismatch");
  }
  BufferPtr logical;
  if (page.compression == Compression::kNone && !layout.fixed_width()) {
    logical = stored;
  } else {
    // A compressed page read whole may go to the chunk cache, in a buffer of
    // its own (never the scratch one).
    const bool keep = chunk_cache != nullptr && page.compression != Compression::kNone &&
                      chunk_cache->AdmitPage(CacheKey(column, page_index, kWholePage));
    BufferPtr out;
    if (keep) {
      out = Buffer::AllocateUninitialized(page.uncompressed_size);
    } else if (scratch != nullptr && *scratch && scratch->use_count() == 1 &&
               (*scratch)->size() >= page.uncompressed_size) {
      out = *scratch;
    } else {
      out = Buffer::AllocateUninitialized(
          std::max<uint64_t>(page.uncompressed_size, scratch ? (*scratch ? (*scratch)->size() : 0) : 0));
      if (scratch != nullptr) *scratch = out;
    }
    out = Buffer::Slice(std::move(out), 0, page.uncompressed_size);
    if (page.compression == Compression::kNone) {
      if (!Unblock(stored->data(), stored->size(), out->mutable_data(), page.uncompressed_size)) {
        return PageCorruption(key, s, column, page_index, "bad block layout");
      }
    } else {
      QUIVER_RETURN_NOT_OK(CheckCodec(column, page_index));
      auto chunked = ChunkedPage::Make(page.compression, page.chunk_sizes, page.uncompressed_size, page.size);
      if (!chunked.ok()) return PageCorruption(key, s, column, page_index, chunked.status().message());
      Status st = chunked->DecompressAll(stored->data(), out->mutable_data());
      if (!st.ok()) return PageCorruption(key, s, column, page_index, st.message());
      if (keep) {
        chunk_cache->Put(CacheKey(column, page_index, kWholePage),
                         std::shared_ptr<const uint8_t[]>(out, out->data()), page.uncompressed_size);
      }
    }
    logical = std::move(out);
  }
  return DecodeLogicalPage(column, page_index, std::move(logical));
}

BufferPtr DataFileReader::Impl::CachedLogicalPage(int column, size_t page_index) const {
  const PageInfo& page = meta.columns[column].pages[page_index];
  if (chunk_cache == nullptr || page.compression == Compression::kNone) return nullptr;
  std::shared_ptr<const uint8_t[]> hit = chunk_cache->Get(CacheKey(column, page_index, kWholePage));
  if (hit == nullptr) return nullptr;
  const uint8_t* data = hit.get();
  return Buffer::Wrap(data, page.uncompressed_size, [hit = std::move(hit)] {});
}

Result<ArrayPtr> DataFileReader::Impl::DecodeLogicalPage(int column, size_t page_index,
                                                         BufferPtr logical) const {
  const PageInfo& page = meta.columns[column].pages[page_index];
  auto array = DecodePage(*layouts[column], page.num_rows, page.buffer_sizes, std::move(logical));
  if (!array.ok()) return PageCorruption(key, *meta.schema, column, page_index, array.status().message());
  return array;
}

Result<std::vector<ArrayPtr>> DataFileReader::Impl::ReadColumns(const std::vector<int>& columns,
                                                                int64_t start, int64_t length,
                                                                ThreadPool* executor) const {
  QUIVER_RETURN_NOT_OK(CheckColumns(columns));
  if (start < 0 || length < 0 || start > meta.num_rows || length > meta.num_rows - start) {
    return Status::InvalidArgument(key + ": rows [" + std::to_string(start) + ", +" + std::to_string(length) +
                                   ") are outside the file's " + std::to_string(meta.num_rows) + " rows");
  }
  const size_t n = columns.size();
  std::vector<ArrayPtr> out(n);
  if (length == 0) {
    for (size_t i = 0; i < n; ++i) out[i] = ArrayAppender(*layouts[columns[i]]).Finish();
    return out;
  }
  // One task per page to read; pages of one column come in row order and
  // (as written) in file order, so processing by offset keeps each column's
  // appends in order.
  struct Task {
    size_t out;
    int column;
    size_t page;
    BufferPtr bytes;   // stored bytes, once fetched
    BufferPtr cached;  // the logical page, when the chunk cache has it
  };
  std::vector<Task> tasks;
  std::vector<std::unique_ptr<ArrayAppender>> appenders(n);
  for (size_t i = 0; i < n; ++i) {
    const int c = columns[i];
    const size_t first = FindPage(c, start), last = FindPage(c, start + length - 1);
    for (size_t p = first; p <= last; ++p) tasks.push_back({i, c, p, nullptr, CachedLogicalPage(c, p)});
    if (last > first) {
      appenders[i] = std::make_unique<ArrayAppender>(*layouts[c]);
      appenders[i]->Reserve(length);
    }
  }
  std::sort(tasks.begin(), tasks.end(), [&](const Task& a, const Task& b) {
    return meta.columns[a.column].pages[a.page].offset < meta.columns[b.column].pages[b.page].offset;
  });
  // Pages in file order, cut into groups fetched together: at most
  // kMaxRequestBytes (memory holds the output plus one group of stored
  // pages), or kReadAheadGroupBytes when groups are fetched ahead.
  const uint64_t group_limit = executor != nullptr ? kReadAheadGroupBytes : kMaxRequestBytes;
  std::vector<size_t> group_begin;
  for (size_t t = 0; t < tasks.size();) {
    group_begin.push_back(t);
    uint64_t group_bytes = 0;
    do {
      if (!tasks[t].cached) group_bytes += meta.columns[tasks[t].column].pages[tasks[t].page].size;
      ++t;
    } while (t < tasks.size() && group_bytes < group_limit);
  }
  group_begin.push_back(tasks.size());
  const size_t num_groups = group_begin.size() - 1;
  auto fetch_group = [&](size_t g) {
    std::vector<RangeRequest> requests;
    for (size_t t = group_begin[g]; t < group_begin[g + 1]; ++t) {
      if (tasks[t].cached) continue;
      const PageInfo& p = meta.columns[tasks[t].column].pages[tasks[t].page];
      requests.push_back({p.offset, p.size, &tasks[t].bytes});
    }
    return Fetch(requests);
  };
  // Verifies, decompresses and decodes a fetched page, or decodes a cached one.
  auto load = [&](Task& task, BufferPtr* scratch) -> Result<ArrayPtr> {
    if (task.cached) return DecodeLogicalPage(task.column, task.page, std::move(task.cached));
    Result<ArrayPtr> page = LoadPage(task.column, task.page, task.bytes, scratch);
    task.bytes.reset();
    return page;
  };
  // Copies the rows of a loaded page that fall in [start, start + length).
  auto place = [&](const Task& task, ArrayPtr page) -> Status {
    const PageInfo& p = meta.columns[task.column].pages[task.page];
    const int64_t begin = std::max(start, p.first_row) - p.first_row;
    const int64_t stop = std::min(start + length, p.first_row + p.num_rows) - p.first_row;
    if (!appenders[task.out]) {
      out[task.out] = (begin == 0 && stop == p.num_rows) ? page : page->Slice(begin, stop - begin);
      return Status::OK();
    }
    Status st = appenders[task.out]->Append(*page, begin, stop - begin);
    return st.ok() ? st : st.WithContext(key);
  };
  if (executor == nullptr) {
    BufferPtr scratch;
    for (size_t g = 0; g < num_groups; ++g) {
      QUIVER_RETURN_NOT_OK(fetch_group(g));
      for (size_t t = group_begin[g]; t < group_begin[g + 1]; ++t) {
        Task& task = tasks[t];
        // Pages copied into an appender can share one scratch buffer.
        QUIVER_ASSIGN_OR_RETURN(ArrayPtr page, load(task, appenders[task.out] ? &scratch : nullptr));
        QUIVER_RETURN_NOT_OK(place(task, std::move(page)));
      }
    }
  } else {
    // Each group is fetched, verified and decoded on the executor, up to
    // kReadAheadGroups ahead; this thread assembles the groups in order.
    struct Loaded {
      Status status;
      std::vector<ArrayPtr> pages;
    };
    std::vector<Loaded> loaded(num_groups);
    std::vector<std::future<void>> running(num_groups);
    // Every started group finishes before this function returns: they
    // write into `tasks` and `loaded`.
    struct WaitAll {
      std::vector<std::future<void>>& futures;
      ~WaitAll() {
        for (std::future<void>& f : futures) {
          if (f.valid()) f.wait();
        }
      }
    } wait_all{running};
    auto start_group = [&](size_t g) {
      running[g] = executor->Submit([&, g] {
        Loaded& result = loaded[g];
        result.status = fetch_group(g);
        for (size_t t = group_begin[g]; t < group_begin[g + 1] && result.status.ok(); ++t) {
          Result<ArrayPtr> page = load(tasks[t], nullptr);
          if (page.ok()) {
            result.pages.push_back(std::move(page).value());
          } else {
            result.status = page.status();
          }
        }
      });
    };
    size_t next = 0;
    for (size_t g = 0; g < num_groups; ++g) {
      while (next < num_groups && next < g + kReadAheadGroups) start_group(next++);
      running[g].get();
      QUIVER_RETURN_NOT_OK(loaded[g].status);
      for (size_t t = group_begin[g]; t < group_begin[g + 1]; ++t) {
        QUIVER_RETURN_NOT_OK(place(tasks[t], std::move(loaded[g].pages[t - group_begin[g]])));
      }
      loaded[g].pages.clear();
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (appenders[i]) out[i] = appenders[i]->Finish();
  }
  return out;
}

Result<std::vector<ArrayPtr>> DataFileReader::Impl::TakeColumns(const std::vector<int>& columns,
                                                                std::span<const int64_t> rows,
                                                                ThreadPool* executor) const {
  QUIVER_RETURN_NOT_OK(CheckColumns(columns));
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= meta.num_rows || (i > 0 && rows[i] <= rows[i - 1])) {
      return Status::InvalidArgument(key + ": take rows must be ascending, unique and in [0, " +
                                     std::to_string(meta.num_rows) + "); row " + std::to_string(i) + " is " +
                                     std::to_string(rows[i]));
    }
  }
  // One task per page holding requested rows. Tasks are independent (each
  // fetches, verifies and decodes what its rows need), so they run in
  // parallel: a take is a few hundred small reads and decompressions.
  struct Task {
    size_t out = 0;
    int column = 0;
    size_t page = 0;
    std::vector<int64_t> local_rows;  // page-local, ascending
    Result<ArrayPtr> result = Status::Cancelled("not taken");
  };
  std::vector<Task> tasks;
  const size_t n = columns.size();
  for (size_t i = 0; i < n; ++i) {
    const int c = columns[i];
    const auto& pages = meta.columns[c].pages;
    for (size_t r = 0; r < rows.size();) {
      Task task;
      task.out = i, task.column = c, task.page = FindPage(c, rows[r]);
      const PageInfo& info = pages[task.page];
      for (; r < rows.size() && rows[r] < info.first_row + info.num_rows; ++r) {
        task.local_rows.push_back(rows[r] - info.first_row);
      }
      tasks.push_back(std::move(task));
    }
  }
  // Workers claim tasks one at a time, so a worker the OS preempts delays
  // the take by one page, not by a share of them.
  std::atomic<size_t> next_task{0};
  auto run = [&](int64_t, int64_t) {
    for (size_t t = next_task.fetch_add(1); t < tasks.size(); t = next_task.fetch_add(1)) {
      tasks[t].result = TakeFromPage(tasks[t].column, tasks[t].page, tasks[t].local_rows);
    }
  };
  if (executor != nullptr && tasks.size() > 1) {
    const int64_t workers =
        std::min<int64_t>(executor->num_threads() + 1, static_cast<int64_t>(tasks.size()));
    executor->ParallelFor(workers, run);
  } else {
    run(0, 1);
  }

  std::vector<ArrayPtr> out(n);
  std::vector<size_t> tasks_per_column(n, 0);
  for (const Task& task : tasks) ++tasks_per_column[task.out];
  std::vector<std::unique_ptr<ArrayAppender>> appenders(n);
  for (size_t i = 0; i < n; ++i) {
    if (tasks_per_column[i] == 1) continue;  // the page's rows are the column
    appenders[i] = std::make_unique<ArrayAppender>(*layouts[columns[i]]);
    appenders[i]->Reserve(static_cast<int64_t>(rows.size()));
  }
  for (Task& task : tasks) {
    QUIVER_RETURN_NOT_OK(task.result.status());
    if (!appenders[task.out]) {
      out[task.out] = std::move(task.result).value();
      continue;
    }
    const Array& part = **task.result;
    Status st = appenders[task.out]->Append(part, 0, part.length());
    if (!st.ok()) return st.WithContext(key);
  }
  for (size_t i = 0; i < n; ++i) {
    if (appenders[i]) out[i] = appenders[i]->Finish();
  }
  return out;
}

Status DataFileReader::Impl::TakeError(int column, size_t page, const Status& st) const {
  if (st.IsInvalidArgument() || st.IsCorruption()) {
    return PageCorruption(key, *meta.schema, column, page, st.message());
  }
  return st.WithContext(key);
}

Result<ArrayPtr> DataFileReader::Impl::TakeFromPage(int column, size_t page_index,
                                                    std::span<const int64_t> rows) const {
  const PageInfo& info = meta.columns[column].pages[page_index];
  const ColumnLayout& layout = *layouts[column];
  if (info.compression == Compression::kNone && layout.fixed_width()) {
    // Blocked storage: fetch only the blocks holding the rows, unless that
    // is most of the page.
    auto fw = MakeFixedWidthLayout(layout, info.num_rows, info.buffer_sizes);
    if (!fw.ok()) return PageCorruption(key, *meta.schema, column, page_index, fw.status().message());
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    FixedWidthRanges(*fw, rows, &ranges);
    uint64_t needed = 0, last_block = UINT64_MAX;
    for (const auto& [begin, end] : ranges) {
      const uint64_t first = begin / kBlockSize, last = (end - 1) / kBlockSize;
      const uint64_t from = last_block == UINT64_MAX ? first : std::max(first, last_block + 1);
      if (last >= from) needed += last - from + 1;
      last_block = last_block == UINT64_MAX ? last : std::max(last_block, last);
    }
    const uint64_t total_blocks = (info.uncompressed_size + kBlockSize - 1) / kBlockSize;
    if (needed * 2 <= total_blocks) return TakeBlocks(column, page_index, rows, *fw);
    return TakeWholePage(column, page_index, rows);
  }
  // Reading rows one by one pays while they are a small part of the page.
  const bool few_rows = static_cast<int64_t>(rows.size()) * 4 <= info.num_rows;
  if (few_rows && SupportsRowReads(layout)) {
    if (info.compression != Compression::kNone) return TakeChunks(column, page_index, rows);
    return TakeRowsOfStoredPage(column, page_index, rows);
  }
  return TakeWholePage(column, page_index, rows);
}

Result<ArrayPtr> DataFileReader::Impl::TakeWholePage(int column, size_t page_index,
                                                     std::span<const int64_t> rows) const {
  const PageInfo& info = meta.columns[column].pages[page_index];
  ArrayPtr page;
  if (BufferPtr cached = CachedLogicalPage(column, page_index)) {
    QUIVER_ASSIGN_OR_RETURN(page, DecodeLogicalPage(column, page_index, std::move(cached)));
  } else {
    BufferPtr stored;
    std::vector<RangeRequest> requests = {{info.offset, info.size, &stored}};
    QUIVER_RETURN_NOT_OK(Fetch(requests));
    QUIVER_ASSIGN_OR_RETURN(page, LoadPage(column, page_index, stored));
  }
  if (static_cast<int64_t>(rows.size()) == page->length()) return page;  // every row, in order
  ArrayAppender out(*layouts[column]);
  out.Reserve(static_cast<int64_t>(rows.size()));
  for (size_t r = 0; r < rows.size();) {
    size_t e = r + 1;
    while (e < rows.size() && rows[e] == rows[e - 1] + 1) ++e;
    Status st = out.Append(*page, rows[r], static_cast<int64_t>(e - r));
    if (!st.ok()) return st.WithContext(key);
    r = e;
  }
  return out.Finish();
}

Result<ArrayPtr> DataFileReader::Impl::TakeRowsOfStoredPage(int column, size_t page_index,
                                                            std::span<const int64_t> rows) const {
  // An uncompressed utf8/binary page: fetch it whole, check it, then copy
  // only the rows.
  const PageInfo& info = meta.columns[column].pages[page_index];
  BufferPtr stored;
  std::vector<RangeRequest> requests = {{info.offset, info.size, &stored}};
  QUIVER_RETURN_NOT_OK(Fetch(requests));
  if (XXH3_64bits(stored->data(), stored->size()) != info.checksum) {
    return PageCorruption(key, *meta.schema, column, page_index, "checksum mismatch");
  }
  auto read = [&](uint64_t offset, uint64_t size, uint8_t* dst) -> Status {
    if (offset > stored->size() || size > stored->size() - offset) {
      return Status::InvalidArgument("read past the page");
    }
    std::memcpy(dst, stored->data() + offset, size);
    return Status::OK();
  };
  auto gathered = TakeRows(*layouts[column], info.num_rows, info.buffer_sizes, rows, read);
  if (!gathered.ok()) return TakeError(column, page_index, gathered.status());
  return gathered;
}

Result<ArrayPtr> DataFileReader::Impl::TakeBlocks(int column, size_t page_index,
                                                  std::span<const int64_t> rows,
                                                  const FixedWidthLayout& fw) const {
  const PageInfo& info = meta.columns[column].pages[page_index];
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  FixedWidthRanges(fw, rows, &ranges);
  // Blocks holding the ranges, as runs of consecutive blocks.
  struct BlockRun {
    uint64_t first_block = 0;
    uint64_t num_blocks = 0;
    BufferPtr bytes;
  };
  // The blocks the ranges touch, ascending. Those an earlier take verified
  // come from the chunk cache (when there is one); the rest are fetched, as
  // runs of consecutive blocks.
  std::vector<uint64_t> needed;
  for (const auto& [begin, end] : ranges) {
    for (uint64_t b = begin / kBlockSize; b <= (end - 1) / kBlockSize; ++b) needed.push_back(b);
  }
  std::sort(needed.begin(), needed.end());
  needed.erase(std::unique(needed.begin(), needed.end()), needed.end());
  std::vector<std::pair<uint64_t, const uint8_t*>> found;  // block, its logical bytes
  std::vector<std::shared_ptr<const uint8_t[]>> held;      // cached blocks in use
  std::vector<BlockRun> runs;
  for (uint64_t b : needed) {
    if (chunk_cache != nullptr) {
      if (auto hit = chunk_cache->Get(CacheKey(column, page_index, b))) {
        found.emplace_back(b, hit.get());
        held.push_back(std::move(hit));
        continue;
      }
    }
    if (!runs.empty() && runs.back().first_block + runs.back().num_blocks == b) {
      ++runs.back().num_blocks;
    } else {
      runs.push_back({b, 1, nullptr});
    }
  }
  std::vector<RangeRequest> requests;
  for (BlockRun& run : runs) {
    const uint64_t begin = run.first_block * (kBlockSize + kBlockChecksumSize);
    const uint64_t end =
        std::min(info.size, (run.first_block + run.num_blocks) * (kBlockSize + kBlockChecksumSize));
    requests.push_back({info.offset + begin, end - begin, &run.bytes});
  }
  QUIVER_RETURN_NOT_OK(Fetch(requests));
  // Verify each fetched block (and keep it in the cache), then gather the
  // rows from all of them.
  for (const BlockRun& run : runs) {
    const uint8_t* p = run.bytes->data();
    uint64_t left = run.bytes->size();
    for (uint64_t b = run.first_block; b < run.first_block + run.num_blocks; ++b) {
      const uint64_t logical = std::min<uint64_t>(kBlockSize, info.uncompressed_size - b * kBlockSize);
      if (left < logical + kBlockChecksumSize) {
        return PageCorruption(key, *meta.schema, column, page_index, "truncated block");
      }
      if (BlockChecksum(p, logical, b) != DecodeFixed32(p + logical)) {
        return PageCorruption(key, *meta.schema, column, page_index,
                              "checksum mismatch in block " + std::to_string(b));
      }
      found.emplace_back(b, p);
      if (chunk_cache != nullptr) {
        std::shared_ptr<uint8_t[]> copy = std::make_shared_for_overwrite<uint8_t[]>(logical);
        std::memcpy(copy.get(), p, logical);
        chunk_cache->Put(CacheKey(column, page_index, b), std::move(copy), logical);
      }
      p += logical + kBlockChecksumSize;
      left -= logical + kBlockChecksumSize;
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<const uint8_t*> blocks;  // logical data of block block_ids[k]
  std::vector<uint64_t> block_ids;
  for (const auto& [b, p] : found) {
    block_ids.push_back(b);
    blocks.push_back(p);
  }
  auto read = [&](uint64_t offset, uint64_t size, uint8_t* dst) -> Status {
    while (size > 0) {
      const uint64_t b = offset / kBlockSize;
      auto it = std::lower_bound(block_ids.begin(), block_ids.end(), b);
      if (it == block_ids.end() || *it != b)
        return Status::Internal("block " + std::to_string(b) + " not fetched");
      const uint64_t within = offset % kBlockSize;
      const uint64_t chunk = std::min(size, kBlockSize - within);
      std::memcpy(dst, blocks[it - block_ids.begin()] + within, chunk);
      dst += chunk, offset += chunk, size -= chunk;
    }
    return Status::OK();
  };
  auto gathered = TakeRows(*layouts[column], info.num_rows, info.buffer_sizes, rows, read);
  if (!gathered.ok()) return TakeError(column, page_index, gathered.status());
  return gathered;
}

Result<ArrayPtr> DataFileReader::Impl::TakeChunks(int column, size_t page_index,
                                                  std::span<const int64_t> rows) const {
  const PageInfo& info = meta.columns[column].pages[page_index];
  const ColumnLayout& layout = *layouts[column];
  QUIVER_RETURN_NOT_OK(CheckCodec(column, page_index));
  auto made = ChunkedPage::Make(info.compression, info.chunk_sizes, info.uncompressed_size, info.size);
  if (!made.ok()) return PageCorruption(key, *meta.schema, column, page_index, made.status().message());
  ChunkedPage& chunked = *made;
  auto cached = [&](size_t chunk) { return chunk_cache->Get(CacheKey(column, page_index, chunk)); };
  // Chunks decompressed by an earlier take come from the cache as the
  // gathering needs them, so a take from cached chunks is one pass.
  if (chunk_cache != nullptr) chunked.LookUpChunksIn(cached);
  auto read = [&](uint64_t offset, uint64_t size, uint8_t* dst) { return chunked.Read(offset, size, dst); };
  // Gather the rows from the chunks at hand, noting the ones missing, fetch
  // those and gather again: the first pass finds the chunks holding
  // validity, offsets or fixed-width values, the next the string bytes the
  // offsets point to.
  Result<ArrayPtr> gathered = TakeRows(layout, info.num_rows, info.buffer_sizes, rows, read);
  std::vector<size_t> wanted = chunked.missing();
  if (!wanted.empty() && !layout.fixed_width()) {
    // Strings: also fetch, in the same round, the chunks where each row's
    // bytes would lie if the page's values were all of the same length
    // (give or take half a chunk), which usually spares the second round.
    GuessStringChunks(info.buffer_sizes, info.num_rows, info.uncompressed_size, rows, &wanted);
  }
  std::vector<size_t> fetched;
  std::vector<BufferPtr> bytes;
  std::vector<RangeRequest> requests;
  while (!wanted.empty()) {
    // Missing chunks were looked up in the cache by the reads; guesses the
    // reads have not needed yet are looked up here.
    fetched.clear();
    for (size_t chunk : wanted) {
      if (chunk_cache != nullptr && !chunked.touched(chunk)) {
        if (auto hit = cached(chunk)) {
          chunked.AddDecompressed(chunk, std::move(hit));
          continue;
        }
      }
      fetched.push_back(chunk);
    }
    bytes.assign(fetched.size(), nullptr);
    requests.clear();
    for (size_t k = 0; k < fetched.size(); ++k) {
      const size_t chunk = fetched[k];
      requests.push_back({info.offset + chunked.chunk_begin(chunk),
                          chunked.chunk_end(chunk) - chunked.chunk_begin(chunk), &bytes[k]});
    }
    if (!requests.empty()) QUIVER_RETURN_NOT_OK(Fetch(requests));
    for (size_t k = 0; k < fetched.size(); ++k) {
      Status st = chunked.AddChunk(fetched[k], std::move(bytes[k]));
      if (!st.ok()) return PageCorruption(key, *meta.schema, column, page_index, st.message());
    }
    gathered = TakeRows(layout, info.num_rows, info.buffer_sizes, rows, read);
    if (chunk_cache != nullptr) {
      for (size_t chunk : fetched) {
        if (auto decoded = chunked.decompressed(chunk))
          chunk_cache->Put(CacheKey(column, page_index, chunk), std::move(decoded), kChunkSize);
      }
    }
    wanted = chunked.missing();
  }
  if (!gathered.ok()) return TakeError(column, page_index, gathered.status());
  return gathered;
}

Result<ArrayPtr> DataFileReader::ReadColumn(int column, int64_t start, int64_t length,
                                            ThreadPool* executor) const {
  QUIVER_ASSIGN_OR_RETURN(std::vector<ArrayPtr> arrays,
                          impl_->ReadColumns({column}, start, length, executor));
  return arrays[0];
}

Result<BatchPtr> DataFileReader::Read(const std::vector<int>& columns, int64_t start, int64_t length,
                                      ThreadPool* executor) const {
  const std::vector<int> cols = impl_->ResolveColumns(columns);
  QUIVER_ASSIGN_OR_RETURN(std::vector<ArrayPtr> arrays, impl_->ReadColumns(cols, start, length, executor));
  return std::make_shared<const RecordBatch>(impl_->ProjectSchema(cols), length, std::move(arrays));
}

Result<BatchPtr> DataFileReader::Take(const std::vector<int>& columns, std::span<const int64_t> rows,
                                      ThreadPool* executor) const {
  const std::vector<int> cols = impl_->ResolveColumns(columns);
  QUIVER_ASSIGN_OR_RETURN(std::vector<ArrayPtr> arrays, impl_->TakeColumns(cols, rows, executor));
  return std::make_shared<const RecordBatch>(impl_->ProjectSchema(cols), static_cast<int64_t>(rows.size()),
                                             std::move(arrays));
}

}  // namespace quiver
