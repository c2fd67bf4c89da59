// Quiver data files: the columnar file format that holds a fragment's rows.
// The byte layout is specified in docs/format.md ("Data files"); this header
// is the only code that knows it.
//
// A file holds one or more columns of one schema. Each column is split into
// pages of consecutive rows; a page is the unit of compression (zstd, lz4 or
// none), checksumming and statistics (min, max, null count). A footer at
// the end indexes every page, so a reader fetches the footer once and then
// only the pages a read needs, each as one byte range.
//
// Thread-safety: DataFileWriter is not thread-safe. DataFileReader is
// immutable after Open and safe to use from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "format/compression.h"
#include "format/page_stats.h"
#include "io/object_store.h"
#include "quiver/array.h"

namespace quiver {

// The version written into the header and trailer of new files; readers
// accept every version up to it.
inline constexpr uint32_t kDataFileFormatVersion = 1;

// Compression, ParseCompression and CompressionName: format/compression.h.
// StatValue and PageStats: format/page_stats.h.

struct DataFileOptions {
  Compression compression = Compression::kZstd;
  int zstd_level = 1;
  // Pages are cut when their uncompressed size reaches this many bytes.
  int64_t target_page_bytes = 128 * 1024;
  // A page whose compressed size saves less than this fraction is stored
  // uncompressed (dense float vectors barely compress), which also lets
  // take() read single fixed-width values by byte range.
  double min_compression_saving = 0.1;
};

struct PageInfo {
  int64_t first_row = 0;  // row number of the page's first row in the file
  int64_t num_rows = 0;
  uint64_t offset = 0;  // byte offset of the page in the file
  uint64_t size = 0;    // stored (possibly compressed) bytes
  uint64_t uncompressed_size = 0;
  Compression compression = Compression::kNone;
  uint64_t checksum = 0;
  PageStats stats;
  // Unpadded size of each buffer of the logical page, in the order of
  // docs/format.md (0 for an absent validity bitmap).
  std::vector<uint64_t> buffer_sizes;
};

struct ColumnInfo {
  std::vector<PageInfo> pages;
  PageStats stats;  // the whole column, merged from its pages
};

struct DataFileMetadata {
  SchemaPtr schema;
  int64_t num_rows = 0;
  std::vector<ColumnInfo> columns;  // one per schema field
  uint64_t file_size = 0;
};

class DataFileWriter {
 public:
  // Starts writing `key` in `store`. Nothing is visible until Finish().
  static Result<std::unique_ptr<DataFileWriter>> Open(ObjectStore* store, std::string key, SchemaPtr schema,
                                                      DataFileOptions options = {});
  ~DataFileWriter();

  // Appends rows; the batch's schema must equal the file's.
  Status Write(const RecordBatch& batch);
  int64_t num_rows() const;
  // Bytes written so far (pages flushed to the store).
  uint64_t bytes_written() const;
  // Flushes pending pages, writes the footer and publishes the file.
  Result<DataFileMetadata> Finish();
  // Discards the file.
  void Abort();

 private:
  struct Impl;
  explicit DataFileWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class DataFileReader {
 public:
  // Reads the footer (one ranged read of the tail when `file_size` is known,
  // a Head first otherwise). Checksum mismatches are Corruption naming `key`.
  static Result<std::shared_ptr<DataFileReader>> Open(ObjectStorePtr store, std::string key,
                                                      uint64_t file_size = 0);

  const DataFileMetadata& metadata() const;
  const SchemaPtr& schema() const;
  int64_t num_rows() const;
  const std::string& key() const;

  // Rows [start, start + length) of column `column`.
  Result<ArrayPtr> ReadColumn(int column, int64_t start, int64_t length) const;
  // Rows [start, start + length) of the given columns (schema order if empty).
  Result<BatchPtr> Read(const std::vector<int>& columns, int64_t start, int64_t length) const;
  // The rows `rows` (ascending, unique, < num_rows()) of the given columns.
  // Reads only the pages holding those rows; for uncompressed fixed-width
  // pages, only the bytes of the requested values.
  Result<BatchPtr> Take(const std::vector<int>& columns, std::span<const int64_t> rows) const;

 private:
  struct Impl;
  explicit DataFileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace quiver
