#include "format/data_file.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/coding.h"
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
// A page whose compression did not pay skips compression for this many
// pages at most before trying again (doubling from 1 after each failure).
constexpr int kMaxCompressionBackoff = 16;
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
  int skip_compression = 0;  // pages left to store without trying
  int backoff = 0;
};

}  // namespace

struct DataFileWriter::Impl {
  ObjectStore* store = nullptr;
  std::string key;
  SchemaPtr schema;
  DataFileOptions options;
  std::unique_ptr<ObjectWriter> out;
  std::vector<std::unique_ptr<ColumnWriter>> columns;
  int64_t num_rows = 0;
  uint64_t offset = 0;  // bytes appended to `out`
  Status error;         // the first failure; every later call returns it
  bool finished = false;
  Compressor compressor;
  // Scratch reused by every page.
  std::string logical, compressed, blocked;
  std::vector<uint64_t> buffer_sizes, chunk_sizes;

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

  Status WriteColumn(ColumnWriter& col, const Field& field, const Array& array);
  Status FlushPage(ColumnWriter& col, const Field& field);
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
  for (int c = 0; c < batch.num_columns(); ++c) {
    Status st = w.WriteColumn(*w.columns[c], w.schema->field(c), *batch.column(c));
    if (!st.ok()) return w.Fail(st);
  }
  w.num_rows += batch.num_rows();
  return Status::OK();
}

Status DataFileWriter::Impl::WriteColumn(ColumnWriter& col, const Field& field, const Array& array) {
  const uint64_t target = static_cast<uint64_t>(options.target_page_bytes);
  const int64_t n = array.length();
  int64_t pos = 0;
  while (pos < n) {
    const uint64_t current = col.appender.logical_size();
    if (col.appender.length() > 0 && current >= target) {
      QUIVER_RETURN_NOT_OK(FlushPage(col, field));
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
        QUIVER_RETURN_NOT_OK(FlushPage(col, field));
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

Status DataFileWriter::Impl::FlushPage(ColumnWriter& col, const Field& field) {
  PageInfo page;
  page.first_row = col.rows_flushed;
  page.num_rows = col.appender.length();
  col.appender.EncodePage(&logical, &buffer_sizes);
  page.stats = col.stats.Finish();
  page.uncompressed_size = logical.size();
  page.buffer_sizes = buffer_sizes;
  if (logical.size() > kMaxPageBytes) {
    return Status::InvalidArgument(key + ": a page of column \"" + field.name + "\" would hold " +
                                   std::to_string(logical.size()) +
                                   " bytes; values over 2 GiB are not supported");
  }

  std::string_view stored = logical;
  page.compression = Compression::kNone;
  if (options.compression != Compression::kNone && !logical.empty()) {
    if (col.skip_compression > 0) {
      --col.skip_compression;
    } else {
      compressed.clear();
      chunk_sizes.clear();
      QUIVER_RETURN_NOT_OK(CompressChunked(&compressor, options.compression, options.zstd_level,
                                           reinterpret_cast<const uint8_t*>(logical.data()), logical.size(),
                                           &compressed, &chunk_sizes));
      if (static_cast<double>(compressed.size()) <=
          static_cast<double>(logical.size()) * (1.0 - options.min_compression_saving)) {
        stored = compressed;
        page.compression = options.compression;
        page.chunk_sizes = chunk_sizes;
        col.backoff = 0;
      } else {
        col.backoff = std::min(kMaxCompressionBackoff, std::max(1, col.backoff * 2));
        col.skip_compression = col.backoff;
      }
    }
  }
  if (page.compression == Compression::kNone && col.layout.fixed_width()) {
    blocked.clear();
    AppendBlocked(reinterpret_cast<const uint8_t*>(logical.data()), logical.size(), &blocked);
    stored = blocked;
  }
  page.offset = offset;
  page.size = stored.size();
  page.checksum = XXH3_64bits(stored.data(), stored.size());
  QUIVER_RETURN_NOT_OK(Append(stored));
  static constexpr char kZeros[8] = {};
  QUIVER_RETURN_NOT_OK(Append(std::string_view(kZeros, Pad8(offset) - offset)));
  col.rows_flushed += page.num_rows;
  col.pages.push_back(std::move(page));
  return Status::OK();
}

int64_t DataFileWriter::num_rows() const { return impl_->num_rows; }

uint64_t DataFileWriter::bytes_written() const { return impl_->offset; }

Result<DataFileMetadata> DataFileWriter::Finish() {
  Impl& w = *impl_;
  if (!w.error.ok()) return w.error;
  if (w.finished) return Status::InvalidArgument(w.key + ": data file writer is already finished");
  for (int c = 0; c < w.schema->num_fields(); ++c) {
    if (w.columns[c]->appender.length() > 0) {
      Status st = w.FlushPage(*w.columns[c], w.schema->field(c));
      if (!st.ok()) return w.Fail(st);
    }
  }

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
  DataFileMetadata meta;
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
  // NotSupported for a page compressed with a codec this build lacks.
  Status CheckCodec(int column, size_t page) const;
  Result<std::vector<ArrayPtr>> ReadColumns(const std::vector<int>& columns, int64_t start,
                                            int64_t length) const;
  Result<std::vector<ArrayPtr>> TakeColumns(const std::vector<int>& columns,
                                            std::span<const int64_t> rows) const;
};

DataFileReader::DataFileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::shared_ptr<DataFileReader>> DataFileReader::Open(ObjectStorePtr store, std::string key,
                                                             uint64_t file_size) {
  if (!store) return Status::InvalidArgument("data file reader needs a store");
  auto impl = std::make_unique<Impl>();
  impl->store = std::move(store);
  impl->key = std::move(key);
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
  if (c == Compression::kZstd || c == Compression::kLz4) return Status::OK();
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
    BufferPtr out;
    if (scratch != nullptr && *scratch && scratch->use_count() == 1 &&
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
    }
    logical = std::move(out);
  }
  auto array = DecodePage(layout, page.num_rows, page.buffer_sizes, std::move(logical));
  if (!array.ok()) return PageCorruption(key, s, column, page_index, array.status().message());
  return array;
}

Result<std::vector<ArrayPtr>> DataFileReader::Impl::ReadColumns(const std::vector<int>& columns,
                                                                int64_t start, int64_t length) const {
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
    BufferPtr bytes;
  };
  std::vector<Task> tasks;
  std::vector<std::unique_ptr<ArrayAppender>> appenders(n);
  for (size_t i = 0; i < n; ++i) {
    const int c = columns[i];
    const size_t first = FindPage(c, start), last = FindPage(c, start + length - 1);
    for (size_t p = first; p <= last; ++p) tasks.push_back({i, c, p, nullptr});
    if (last > first) {
      appenders[i] = std::make_unique<ArrayAppender>(*layouts[c]);
      appenders[i]->Reserve(length);
    }
  }
  std::sort(tasks.begin(), tasks.end(), [&](const Task& a, const Task& b) {
    return meta.columns[a.column].pages[a.page].offset < meta.columns[b.column].pages[b.page].offset;
  });
  // Fetch in batches of at most kMaxRequestBytes so that memory holds the
  // output plus one batch of stored pages.
  BufferPtr scratch;
  for (size_t t = 0; t < tasks.size();) {
    std::vector<RangeRequest> requests;
    uint64_t batch_bytes = 0;
    size_t end = t;
    while (end < tasks.size() && (end == t || batch_bytes < kMaxRequestBytes)) {
      const PageInfo& p = meta.columns[tasks[end].column].pages[tasks[end].page];
      requests.push_back({p.offset, p.size, &tasks[end].bytes});
      batch_bytes += p.size;
      ++end;
    }
    QUIVER_RETURN_NOT_OK(Fetch(requests));
    for (; t < end; ++t) {
      Task& task = tasks[t];
      const PageInfo& p = meta.columns[task.column].pages[task.page];
      // Pages copied into an appender can share one scratch buffer.
      QUIVER_ASSIGN_OR_RETURN(ArrayPtr page, LoadPage(task.column, task.page, task.bytes,
                                                      appenders[task.out] ? &scratch : nullptr));
      task.bytes.reset();
      const int64_t begin = std::max(start, p.first_row) - p.first_row;
      const int64_t stop = std::min(start + length, p.first_row + p.num_rows) - p.first_row;
      if (!appenders[task.out]) {
        out[task.out] = (begin == 0 && stop == p.num_rows) ? page : page->Slice(begin, stop - begin);
      } else {
        Status st = appenders[task.out]->Append(*page, begin, stop - begin);
        if (!st.ok()) return st.WithContext(key);
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (appenders[i]) out[i] = appenders[i]->Finish();
  }
  return out;
}

Result<std::vector<ArrayPtr>> DataFileReader::Impl::TakeColumns(const std::vector<int>& columns,
                                                                std::span<const int64_t> rows) const {
  QUIVER_RETURN_NOT_OK(CheckColumns(columns));
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= meta.num_rows || (i > 0 && rows[i] <= rows[i - 1])) {
      return Status::InvalidArgument(key + ": take rows must be ascending, unique and in [0, " +
                                     std::to_string(meta.num_rows) + "); row " + std::to_string(i) + " is " +
                                     std::to_string(rows[i]));
    }
  }
  // One task per page holding requested rows, in one of four modes.
  enum class Mode : uint8_t {
    kWholePage,  // fetch and decode the page, copy the rows out
    kRowReads,   // uncompressed utf8/binary: fetch the page, copy only the rows' bytes
    kBlocks,     // uncompressed fixed-width: fetch only the blocks the rows need
    kChunks,     // compressed: fetch and decompress only the chunks the rows need
  };
  struct BlockRun {
    uint64_t first_block = 0;
    uint64_t num_blocks = 0;
    BufferPtr bytes;
  };
  struct Task {
    size_t out = 0;
    int column = 0;
    size_t page = 0;
    std::vector<int64_t> local_rows;  // page-local, ascending
    Mode mode = Mode::kWholePage;
    BufferPtr bytes;                         // the stored page (kWholePage, kRowReads)
    std::vector<BlockRun> runs;              // kBlocks
    std::optional<ChunkedPage> chunked;      // kChunks
    Result<ArrayPtr> gathered = ArrayPtr();  // kChunks, once every chunk it needs is there
  };
  std::vector<Task> tasks;
  const size_t n = columns.size();
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (size_t i = 0; i < n; ++i) {
    const int c = columns[i];
    const ColumnLayout& layout = *layouts[c];
    const auto& pages = meta.columns[c].pages;
    for (size_t r = 0; r < rows.size();) {
      Task task;
      task.out = i, task.column = c, task.page = FindPage(c, rows[r]);
      const PageInfo& info = pages[task.page];
      for (; r < rows.size() && rows[r] < info.first_row + info.num_rows; ++r) {
        task.local_rows.push_back(rows[r] - info.first_row);
      }
      // Reading rows one by one pays while they are a small part of the page.
      const bool few_rows = static_cast<int64_t>(task.local_rows.size()) * 4 <= info.num_rows;
      if (few_rows && SupportsRowReads(layout)) {
        if (info.compression == Compression::kNone) {
          if (!layout.fixed_width()) task.mode = Mode::kRowReads;
        } else {
          QUIVER_RETURN_NOT_OK(CheckCodec(c, task.page));
          auto chunked =
              ChunkedPage::Make(info.compression, info.chunk_sizes, info.uncompressed_size, info.size);
          if (!chunked.ok())
            return PageCorruption(key, *meta.schema, c, task.page, chunked.status().message());
          task.chunked.emplace(std::move(chunked).value());
          task.mode = Mode::kChunks;
        }
      }
      if (info.compression == Compression::kNone && layout.fixed_width()) {
        auto fw = MakeFixedWidthLayout(layout, info.num_rows, info.buffer_sizes);
        if (!fw.ok()) return PageCorruption(key, *meta.schema, c, task.page, fw.status().message());
        ranges.clear();
        FixedWidthRanges(*fw, task.local_rows, &ranges);
        // Blocks holding the ranges, as runs of consecutive blocks.
        uint64_t needed = 0;
        for (const auto& [begin, end] : ranges) {
          const uint64_t first = begin / kBlockSize, last = (end - 1) / kBlockSize;
          if (!task.runs.empty() && first <= task.runs.back().first_block + task.runs.back().num_blocks) {
            BlockRun& run = task.runs.back();
            const uint64_t run_end = std::max(run.first_block + run.num_blocks, last + 1);
            needed += run_end - (run.first_block + run.num_blocks);
            run.num_blocks = run_end - run.first_block;
          } else {
            task.runs.push_back({first, last - first + 1, nullptr});
            needed += last - first + 1;
          }
        }
        const uint64_t total_blocks = (info.uncompressed_size + kBlockSize - 1) / kBlockSize;
        if (needed * 2 <= total_blocks) {
          task.mode = Mode::kBlocks;
        } else {
          task.runs.clear();
        }
      }
      tasks.push_back(std::move(task));
    }
  }

  // kChunks tasks gather their rows from whatever chunks they have, noting
  // the ones they lack; the first pass finds the chunks holding validity and
  // offsets or fixed-width values, the next the string bytes those offsets
  // point to. Each round fetches what is missing, coalesced with everything
  // else, until every task has its rows.
  struct ChunkFetch {
    Task* task;
    size_t chunk;
  };
  std::vector<ChunkFetch> chunk_fetches;
  std::vector<BufferPtr> chunk_bytes;
  std::vector<RangeRequest> requests;
  auto gather_chunks = [&](Task& task) {
    const PageInfo& info = meta.columns[task.column].pages[task.page];
    ChunkedPage& chunked = *task.chunked;
    auto read = [&](uint64_t offset, uint64_t size, uint8_t* dst) { return chunked.Read(offset, size, dst); };
    task.gathered = TakeRows(*layouts[task.column], info.num_rows, info.buffer_sizes, task.local_rows, read);
    for (size_t chunk : chunked.missing()) chunk_fetches.push_back({&task, chunk});
  };
  // Requests for the chunks in chunk_fetches (one buffer each in chunk_bytes).
  auto request_chunks = [&] {
    chunk_bytes.assign(chunk_fetches.size(), nullptr);
    for (size_t k = 0; k < chunk_fetches.size(); ++k) {
      const Task& task = *chunk_fetches[k].task;
      const uint64_t page_offset = meta.columns[task.column].pages[task.page].offset;
      const size_t chunk = chunk_fetches[k].chunk;
      requests.push_back({page_offset + task.chunked->chunk_begin(chunk),
                          task.chunked->chunk_end(chunk) - task.chunked->chunk_begin(chunk),
                          &chunk_bytes[k]});
    }
  };
  // Hands fetched chunks to their pages (verifying them) and gathers again
  // the tasks that got chunks.
  auto add_chunks = [&]() -> Status {
    std::vector<Task*> again;
    for (size_t k = 0; k < chunk_fetches.size(); ++k) {
      Task& task = *chunk_fetches[k].task;
      Status st = task.chunked->AddChunk(chunk_fetches[k].chunk, std::move(chunk_bytes[k]));
      if (!st.ok()) return PageCorruption(key, *meta.schema, task.column, task.page, st.message());
      if (again.empty() || again.back() != &task) again.push_back(&task);
    }
    chunk_fetches.clear();
    for (Task* task : again) gather_chunks(*task);
    return Status::OK();
  };

  for (Task& task : tasks) {
    const PageInfo& info = meta.columns[task.column].pages[task.page];
    switch (task.mode) {
      case Mode::kWholePage:
      case Mode::kRowReads:
        requests.push_back({info.offset, info.size, &task.bytes});
        break;
      case Mode::kBlocks:
        for (BlockRun& run : task.runs) {
          const uint64_t begin = run.first_block * (kBlockSize + kBlockChecksumSize);
          const uint64_t end =
              std::min(info.size, (run.first_block + run.num_blocks) * (kBlockSize + kBlockChecksumSize));
          requests.push_back({info.offset + begin, end - begin, &run.bytes});
        }
        break;
      case Mode::kChunks:
        gather_chunks(task);
        break;
    }
  }
  request_chunks();
  QUIVER_RETURN_NOT_OK(Fetch(requests));
  QUIVER_RETURN_NOT_OK(add_chunks());
  while (!chunk_fetches.empty()) {
    requests.clear();
    request_chunks();
    QUIVER_RETURN_NOT_OK(Fetch(requests));
    QUIVER_RETURN_NOT_OK(add_chunks());
  }

  std::vector<std::unique_ptr<ArrayAppender>> appenders;
  for (size_t i = 0; i < n; ++i) {
    appenders.push_back(std::make_unique<ArrayAppender>(*layouts[columns[i]]));
    appenders.back()->Reserve(static_cast<int64_t>(rows.size()));
  }
  BufferPtr scratch;
  for (Task& task : tasks) {
    const PageInfo& info = meta.columns[task.column].pages[task.page];
    const ColumnLayout& layout = *layouts[task.column];
    ArrayAppender& out = *appenders[task.out];
    auto corruption = [&](const Status& st) {
      return PageCorruption(key, *meta.schema, task.column, task.page, st.message());
    };
    if (task.mode == Mode::kWholePage) {
      QUIVER_ASSIGN_OR_RETURN(ArrayPtr page, LoadPage(task.column, task.page, task.bytes, &scratch));
      task.bytes.reset();
      for (size_t r = 0; r < task.local_rows.size();) {
        size_t e = r + 1;
        while (e < task.local_rows.size() && task.local_rows[e] == task.local_rows[e - 1] + 1) ++e;
        Status st = out.Append(*page, task.local_rows[r], static_cast<int64_t>(e - r));
        if (!st.ok()) return st.WithContext(key);
        r = e;
      }
      continue;
    }
    Result<ArrayPtr> gathered = Status::Internal("unset");
    if (task.mode == Mode::kChunks) {
      gathered = std::move(task.gathered);
      task.chunked.reset();
    } else if (task.mode == Mode::kRowReads) {
      // The whole stored page is here: check it, then copy only the rows.
      if (XXH3_64bits(task.bytes->data(), task.bytes->size()) != info.checksum) {
        return PageCorruption(key, *meta.schema, task.column, task.page, "checksum mismatch");
      }
      const BufferPtr& stored = task.bytes;
      auto read = [&](uint64_t offset, uint64_t size, uint8_t* dst) -> Status {
        if (offset > stored->size() || size > stored->size() - offset) {
          return Status::InvalidArgument("read past the page");
        }
        std::memcpy(dst, stored->data() + offset, size);
        return Status::OK();
      };
      gathered = TakeRows(layout, info.num_rows, info.buffer_sizes, task.local_rows, read);
      task.bytes.reset();
    } else {
      // Verify each fetched block, then gather the rows from them.
      std::vector<const uint8_t*> blocks;  // logical data of block block_ids[k]
      std::vector<uint64_t> block_ids;
      for (const BlockRun& run : task.runs) {
        const uint8_t* p = run.bytes->data();
        uint64_t left = run.bytes->size();
        for (uint64_t b = run.first_block; b < run.first_block + run.num_blocks; ++b) {
          const uint64_t logical = std::min<uint64_t>(kBlockSize, info.uncompressed_size - b * kBlockSize);
          if (left < logical + kBlockChecksumSize) {
            return PageCorruption(key, *meta.schema, task.column, task.page, "truncated block");
          }
          if (BlockChecksum(p, logical, b) != DecodeFixed32(p + logical)) {
            return PageCorruption(key, *meta.schema, task.column, task.page,
                                  "checksum mismatch in block " + std::to_string(b));
          }
          blocks.push_back(p);
          block_ids.push_back(b);
          p += logical + kBlockChecksumSize;
          left -= logical + kBlockChecksumSize;
        }
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
      gathered = TakeRows(layout, info.num_rows, info.buffer_sizes, task.local_rows, read);
      for (BlockRun& run : task.runs) run.bytes.reset();
    }
    if (!gathered.ok()) {
      if (gathered.status().IsInvalidArgument() || gathered.status().IsCorruption()) {
        return corruption(gathered.status());
      }
      return gathered.status().WithContext(key);
    }
    Status st = out.Append(**gathered, 0, (*gathered)->length());
    if (!st.ok()) return st.WithContext(key);
  }
  std::vector<ArrayPtr> result;
  result.reserve(n);
  for (auto& a : appenders) result.push_back(a->Finish());
  return result;
}

Result<ArrayPtr> DataFileReader::ReadColumn(int column, int64_t start, int64_t length) const {
  QUIVER_ASSIGN_OR_RETURN(std::vector<ArrayPtr> arrays, impl_->ReadColumns({column}, start, length));
  return arrays[0];
}

Result<BatchPtr> DataFileReader::Read(const std::vector<int>& columns, int64_t start, int64_t length) const {
  const std::vector<int> cols = impl_->ResolveColumns(columns);
  QUIVER_ASSIGN_OR_RETURN(std::vector<ArrayPtr> arrays, impl_->ReadColumns(cols, start, length));
  return std::make_shared<const RecordBatch>(impl_->ProjectSchema(cols), length, std::move(arrays));
}

Result<BatchPtr> DataFileReader::Take(const std::vector<int>& columns, std::span<const int64_t> rows) const {
  const std::vector<int> cols = impl_->ResolveColumns(columns);
  QUIVER_ASSIGN_OR_RETURN(std::vector<ArrayPtr> arrays, impl_->TakeColumns(cols, rows));
  return std::make_shared<const RecordBatch>(impl_->ProjectSchema(cols), static_cast<int64_t>(rows.size()),
                                             std::move(arrays));
}

}  // namespace quiver
