// The framing shared by every scalar index file (docs/format.md, "Scalar
// indexes"): an 8-byte header (magic, format version), checksummed blocks,
// a footer, and a 32-byte trailer locating and checksumming the footer.
//
// IndexFileWriter streams a file front to back through an ObjectWriter.
// IndexFileReader opens one by reading its tail only, then serves verified
// blocks by byte range and counts what it read.
//
// Thread-safety: IndexFileWriter is not thread-safe; IndexFileReader is.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/object_store.h"
#include "quiver/buffer.h"
#include "quiver/status.h"

namespace quiver::index {

inline constexpr uint32_t kIndexFormatVersion = 1;
inline constexpr size_t kIndexHeaderSize = 8;
inline constexpr size_t kIndexTrailerSize = 32;
// Adjacent blocks are fetched together up to this many bytes per request.
inline constexpr uint64_t kMaxSpanBytes = 8 << 20;

// Where a block lies in its file and the XXH3-64 of its bytes.
struct BlockRef {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t checksum = 0;
};

void PutBlockRef(std::string* out, const BlockRef& ref);
bool GetBlockRef(std::string_view* in, BlockRef* ref);

class IndexFileWriter {
 public:
  // Starts `key` in `store` and writes the header with `magic` (4 bytes).
  static Result<std::unique_ptr<IndexFileWriter>> Open(ObjectStore& store, std::string key,
                                                       std::string_view magic);
  ~IndexFileWriter();

  // Appends one block and returns where it went.
  Result<BlockRef> AppendBlock(std::string_view bytes);
  // Writes footer and trailer and publishes the file; returns its size.
  Result<uint64_t> Finish(std::string_view footer);
  uint64_t offset() const { return offset_; }
  const std::string& key() const { return key_; }

 private:
  IndexFileWriter(std::unique_ptr<ObjectWriter> writer, std::string key, std::string magic);
  std::unique_ptr<ObjectWriter> writer_;
  std::string key_;
  std::string magic_;
  uint64_t offset_ = 0;
};

// Counters of what an index read; see ScalarIndexStats.
struct ReadCounters {
  std::atomic<uint64_t> read_requests{0};
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> blocks_read{0};
};

class IndexFileReader {
 public:
  // Opens `key` of `size` bytes (as recorded when it was written): reads its
  // last 64 KiB (or the whole file when smaller) and, when the footer does
  // not fit there, the footer's range. Corruption naming the key for a bad
  // magic, size or checksum; NotSupported for a newer format version.
  static Result<std::unique_ptr<IndexFileReader>> Open(ObjectStorePtr store, std::string key, uint64_t size,
                                                       std::string_view magic,
                                                       std::shared_ptr<ReadCounters> counters);

  // The verified footer bytes.
  std::string_view footer() const { return footer_->view(); }
  const std::string& key() const { return key_; }
  uint64_t size() const { return size_; }
  uint64_t footer_offset() const { return footer_offset_; }

  // Checks that a block lies between the header and the footer.
  Status CheckRef(const BlockRef& ref, std::string_view what) const;
  // Reads one block and verifies its checksum.
  Result<BufferPtr> ReadBlock(const BlockRef& ref, std::string_view what) const;
  // Reads [offset, offset + length) unverified, for coalescing the reads of
  // adjacent blocks; verify each with VerifyBlock.
  Result<BufferPtr> ReadSpan(uint64_t offset, uint64_t length) const;
  Status VerifyBlock(std::string_view bytes, const BlockRef& ref, std::string_view what) const;
  // Reads block(0) and those of block(1) .. block(count - 1) that follow it
  // back to back in the file, as many as fit kMaxSpanBytes in all, in one
  // request, and verifies each. Returns them in order (at least one), as
  // slices of that read; `what(i)` names block(i) in errors. The blocks
  // were checked with CheckRef when the footer was parsed.
  Result<std::vector<BufferPtr>> ReadAdjacentBlocks(size_t count,
                                                    const std::function<const BlockRef&(size_t)>& block,
                                                    const std::function<std::string(size_t)>& what) const;

  // Corruption naming the file: "<key>: <message>".
  Status Corrupt(std::string_view message) const;

 private:
  IndexFileReader() = default;
  ObjectStorePtr store_;
  std::string key_;
  uint64_t size_ = 0;
  uint64_t footer_offset_ = 0;
  BufferPtr footer_;
  std::shared_ptr<ReadCounters> counters_;
};

}  // namespace quiver::index
