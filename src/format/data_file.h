// Quiver data files: the columnar file format that holds a fragment's rows.
// The byte layout is specified in docs/format.md ("Data files"); this header
// and its helpers in src/format/ (page.h, page_stats.h, compression.h,
// schema_json.h) are the only code that knows it.
//
// A file holds one or more columns of one schema. Each column is split into
// pages of consecutive rows; a page is the unit of compression (zstd, lz4 or
// none), checksumming and statistics (min, max, null count). A footer at
// the end indexes every page, so a reader fetches the footer once and then
// only the pages a read needs, each as one byte range. Uncompressed pages of
// fixed-width columns (numbers, vectors) are stored in checksummed 4 KiB
// blocks, and compressed pages in independently compressed, checksummed
// 2 KiB chunks, so Take() fetches just the blocks or chunks holding the
// requested rows.
//
// Errors: a file that fails a checksum or whose bytes do not fit together is
// Corruption naming the key (and the page and column where known); a file of
// a newer format version is NotSupported; store failures pass through.
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

class ThreadPool;

// The version written into the header and trailer of new files; readers
// accept every version up to it. Version 2 added bit-packed pages
// (compression code 3).
inline constexpr uint32_t kDataFileFormatVersion = 2;

// Compression, ParseCompression and CompressionName: format/compression.h.
// StatValue and PageStats: format/page_stats.h.

struct DataFileOptions {
  Compression compression = Compression::kZstd;
  int zstd_level = 1;
  // Pages are cut when their uncompressed size reaches this many bytes.
  int64_t target_page_bytes = 128 * 1024;
  // A page whose compressed size saves less than this fraction is stored
  // uncompressed (dense float vectors barely compress), which also lets
  // Take() read single fixed-width values by byte range. The middle chunk of
  // each page is compressed first as a probe: when it alone saves less, the
  // rest of the page is not tried, so incompressible columns cost little
  // CPU.
  double min_compression_saving = 0.1;
  // Where pages are encoded and compressed: the columns of a batch are cut
  // into pages in parallel, and its pages compressed in parallel while the
  // finished ones are appended to the file in order. Null encodes on the
  // calling thread. Not owned; must outlive the writer. The file's bytes do
  // not depend on it.
  ThreadPool* executor = nullptr;
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
  // Compressed pages: the compressed size of each chunk of the page (see
  // page.h), without its checksum. Empty for uncompressed pages.
  std::vector<uint64_t> chunk_sizes;
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
  // Starts writing `key` in `store` (which must outlive the writer). Nothing
  // is visible until Finish(). InvalidArgument for options out of range
  // (target_page_bytes in [1, 1 GiB], min_compression_saving in [0, 1]).
  static Result<std::unique_ptr<DataFileWriter>> Open(ObjectStore* store, std::string key, SchemaPtr schema,
                                                      DataFileOptions options = {});
  ~DataFileWriter();

  // Appends rows; the batch's schema must equal the file's (InvalidArgument
  // naming both otherwise, and the writer stays usable). The pages the batch
  // fills go to the store before Write returns, so memory holds the batch's
  // pages (at most about 64 MiB of them at a time) plus one open page per
  // column. A store failure aborts the file; every later call returns that
  // error.
  Status Write(const RecordBatch& batch);
  int64_t num_rows() const;
  // Bytes written so far (pages flushed to the store).
  uint64_t bytes_written() const;
  // Flushes pending pages, writes the footer and publishes the file. Returns
  // what a reader's metadata() would hold. Called once.
  Result<DataFileMetadata> Finish();
  // Discards the file; the writer's destructor does the same if Finish()
  // was not called.
  void Abort();

 private:
  struct Impl;
  explicit DataFileWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where readers may keep the decompressed chunks of compressed pages (and
// the verified blocks of uncompressed ones) between takes, so that taking
// the same rows again neither reads nor decompresses them, and the whole
// decompressed pages of full reads, so that reading them again does not.
// How much is kept, and for how long, is the caller's policy (the table
// layer keeps one bounded LRU for the process). Implementations must be
// thread-safe: one reader's takes run on several threads.
class DecodedChunkCache {
 public:
  struct Key {
    uint64_t reader;  // DataFileReader::id()
    uint32_t column;
    uint32_t page;
    uint64_t chunk;  // chunk of a compressed page, block of an uncompressed one
    bool operator==(const Key&) const = default;
  };
  virtual ~DecodedChunkCache() = default;
  // The bytes Put gave for `key`, or null.
  virtual std::shared_ptr<const uint8_t[]> Get(const Key& key) = 0;
  // Offers `bytes` logical bytes (a chunk: kChunkSize, a block: up to
  // kBlockSize; page.h) to keep under `key`.
  virtual void Put(const Key& key, std::shared_ptr<const uint8_t[]> chunk, size_t bytes) = 0;
  // Whether a whole page read now should be kept (then Put under `key`).
  // Keeping costs a fresh buffer per page, wasted on a scan that never
  // comes back; a cache may admit only pages read before. Default: all.
  virtual bool AdmitPage(const Key& key) { return true; }
};

class DataFileReader {
 public:
  // Reads the footer: one ranged read of the last 64 KiB when `file_size` is
  // known (a second one when the footer is larger), a Head first otherwise.
  // A missing file is NotFound; a truncated, garbage or damaged file (or a
  // `file_size` larger than the object) is Corruption naming `key`. Takes
  // keep the chunks they decompress in `chunk_cache` when one is given.
  static Result<std::shared_ptr<DataFileReader>> Open(
      ObjectStorePtr store, std::string key, uint64_t file_size = 0,
      std::shared_ptr<DecodedChunkCache> chunk_cache = nullptr);
  // Unique among the readers of this process: the chunk cache's key.
  uint64_t id() const;

  const DataFileMetadata& metadata() const;
  const SchemaPtr& schema() const;
  int64_t num_rows() const;
  const std::string& key() const;

  // Rows [start, start + length) of column `column`. Reads only the pages
  // overlapping the range, one ranged read per run of nearby pages. Out of
  // range arguments are InvalidArgument. A range inside one page shares the
  // page's memory; longer ones are copied into fresh buffers. With an
  // `executor` (not owned; not the pool running the caller), groups of
  // pages are fetched, verified and decoded on it, several ahead of the
  // assembly (for remote stores, where one request after another would
  // leave the connection idle); without, everything runs on this thread.
  Result<ArrayPtr> ReadColumn(int column, int64_t start, int64_t length,
                              ThreadPool* executor = nullptr) const;
  // Rows [start, start + length) of the given columns (schema order if
  // empty); the batch's schema is the file's projected to those columns.
  // `executor` as for ReadColumn.
  Result<BatchPtr> Read(const std::vector<int>& columns, int64_t start, int64_t length,
                        ThreadPool* executor = nullptr) const;
  // The rows `rows` (ascending, unique, < num_rows(), else InvalidArgument)
  // of the given columns (schema order if empty). Reads only the pages
  // holding those rows; for uncompressed fixed-width pages only the 4 KiB
  // blocks holding the requested values, and for compressed pages of
  // fixed-width or utf8/binary columns only the 2 KiB chunks holding them
  // (a second round of reads fetches the string bytes once their offsets
  // are known, unless a guess of where they lie fetched them with the
  // offsets). Nearby ranges of a page (16 KiB apart or less) are fetched in
  // one request. The pages are read in parallel on `executor` when given
  // (not owned), else on the calling thread.
  Result<BatchPtr> Take(const std::vector<int>& columns, std::span<const int64_t> rows,
                        ThreadPool* executor = nullptr) const;

 private:
  struct Impl;
  explicit DataFileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace quiver
