// Pages: how rows of one column become the bytes of a data file page and
// back. docs/format.md ("Pages") specifies the layout: the column's Arrow
// buffers for the page's rows, in pre-order over the type tree, rebased to
// row 0, each padded to 8 bytes; optionally compressed, or stored in
// checksummed blocks when uncompressed and fixed-width.
//
// ColumnLayout flattens a column type once; ArrayAppender copies row ranges
// of arrays into growing buffers and emits either a logical page (writing)
// or an Array (assembling reads). DecodePage turns a logical page back into
// an Array without copying. The fixed-width helpers let a reader fetch and
// decode single rows of uncompressed fixed-width pages by byte range.
//
// Thread-safety: ColumnLayout is immutable; ArrayAppender is not
// thread-safe; the functions are pure.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "format/compression.h"
#include "quiver/array.h"

namespace quiver {

// Stored blocks of uncompressed fixed-width pages: kBlockSize logical bytes
// followed by a u32 checksum each.
inline constexpr uint64_t kBlockSize = 4096;
inline constexpr uint64_t kBlockChecksumSize = 4;
// Readers refuse pages larger than this (a sanity bound, not a design limit
// of the format); writers refuse to produce them.
inline constexpr uint64_t kMaxPageBytes = uint64_t{1} << 31;

inline constexpr uint64_t Pad8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

// One node of a column's type tree, in pre-order.
struct PageNode {
  enum class Kind : uint8_t { kNull, kBool, kFixed, kBinary, kList, kFixedList, kStruct };
  Kind kind = Kind::kNull;
  TypePtr type;
  int width = 0;              // bytes per value (kFixed) or per offset (kBinary, kList)
  int64_t list_size = 0;      // kFixedList
  int first_slot = 0;         // index of the node's first buffer in the page
  int num_slots = 0;          // buffers of the node (validity first, when any)
  std::vector<int> children;  // node indices
};

// The flattened type tree of a column.
class ColumnLayout {
 public:
  explicit ColumnLayout(TypePtr type);

  const TypePtr& type() const { return nodes_[0].type; }
  const std::vector<PageNode>& nodes() const { return nodes_; }
  // Buffers per page: the footer's num_buffers.
  int num_slots() const { return num_slots_; }
  // A fixed-width non-bool type, or a fixed_size_list of one (recursively):
  // pages stored uncompressed use blocked storage, and single rows can be
  // read by byte range.
  bool fixed_width() const { return fixed_width_; }

 private:
  int Add(const TypePtr& type);
  std::vector<PageNode> nodes_;
  int num_slots_ = 0;
  bool fixed_width_ = false;
};

// Bytes the rows [offset, offset + length) of `array` add to a page of
// `layout` (validity counted when the array has a bitmap). Monotonic in
// `length`; used to cut pages at the target size.
uint64_t EstimatePageBytes(const ColumnLayout& layout, const Array& array, int64_t offset, int64_t length);

// Copies row ranges of arrays of one type into growing, normalised buffers.
class ArrayAppender {
 public:
  // `layout` must outlive the appender.
  explicit ArrayAppender(const ColumnLayout& layout);
  ~ArrayAppender();
  ArrayAppender(const ArrayAppender&) = delete;
  ArrayAppender& operator=(const ArrayAppender&) = delete;

  // Appends rows [offset, offset + length) of `array` (of the layout's type;
  // a precondition). InvalidArgument when 32-bit offsets would overflow.
  Status Append(const Array& array, int64_t offset, int64_t length);
  int64_t length() const;
  // Size of the logical page of what was appended so far.
  uint64_t logical_size() const;
  // Preallocates room for `rows` more rows where their size is known.
  void Reserve(int64_t rows);

  // Returns the logical page of everything appended and writes the unpadded
  // size of each buffer to `buffer_sizes`, then empties the appender. A page
  // of one buffer (numbers or vectors without nulls) takes over the
  // appender's memory instead of being copied.
  BufferPtr EncodePage(std::vector<uint64_t>* buffer_sizes);
  // The array of everything appended (offset 0); empties the appender.
  ArrayPtr Finish();

 private:
  struct NodeState;
  Status AppendNode(int node, const Array& array, int64_t offset, int64_t length);
  ArrayPtr FinishNode(int node);
  void ReserveNode(int node, int64_t rows);
  const ColumnLayout& layout_;
  std::vector<NodeState> states_;
};

// Decodes a logical page of `num_rows` rows whose buffers have the unpadded
// sizes `buffer_sizes` (num_slots of them). Buffers of the result share
// `page`'s memory when it is 8-byte aligned. A page whose sizes or offsets
// do not fit is InvalidArgument describing the mismatch; the result passes
// Array::Validate().
Result<ArrayPtr> DecodePage(const ColumnLayout& layout, int64_t num_rows,
                            std::span<const uint64_t> buffer_sizes, BufferPtr page);

// Blocked storage.
uint64_t BlockedSize(uint64_t logical_size);
uint32_t BlockChecksum(const uint8_t* data, size_t size, uint64_t block_index);
// Appends the blocked form of `size` logical bytes to `out`.
void AppendBlocked(const uint8_t* data, size_t size, std::string* out);
// Copies the logical bytes out of a blocked page (checksums not verified:
// the caller checked the page checksum). False if the sizes do not match.
bool Unblock(const uint8_t* stored, size_t stored_size, uint8_t* out, size_t logical_size);

// Compressed pages: the logical page cut into chunks of kChunkSize bytes
// (the last may be shorter), each compressed on its own and followed by a
// u32 checksum. The compressed sizes are kept in the footer, so a reader can
// fetch, verify and decompress just the chunks holding a few rows.
inline constexpr uint64_t kChunkSize = 2 * 1024;
inline constexpr uint64_t kChunkChecksumSize = 4;

inline constexpr uint64_t NumChunks(uint64_t logical_size) {
  return (logical_size + kChunkSize - 1) / kChunkSize;
}

// Appends the stored form of `size` logical bytes, compressed with `c`, to
// `out`, and the compressed size of each chunk (without its checksum) to
// `chunk_sizes`. `param` is zstd's level, bitpack's word width in bytes, or
// decimal's exponent; lz4 takes none.
Status CompressChunked(Compressor* compressor, Compression c, int param, const uint8_t* data, size_t size,
                       std::string* out, std::vector<uint64_t>* chunk_sizes);

// Reads a compressed page, whole or a few stored chunks at a time. Not
// thread-safe (it caches decompressed chunks).
class ChunkedPage {
 public:
  // The page of `logical_size` bytes whose chunks have the compressed sizes
  // `chunk_sizes`; InvalidArgument unless there are NumChunks(logical_size)
  // of them and, with their checksums, they fill exactly `stored_size`.
  static Result<ChunkedPage> Make(Compression c, std::span<const uint64_t> chunk_sizes, uint64_t logical_size,
                                  uint64_t stored_size);

  size_t num_chunks() const { return chunk_begin_.size() - 1; }
  // Stored bytes [chunk_begin(i), chunk_end(i)) of the page hold chunk i and
  // its checksum.
  uint64_t chunk_begin(size_t i) const { return chunk_begin_[i]; }
  uint64_t chunk_end(size_t i) const { return chunk_begin_[i + 1]; }

  // Decompresses the whole stored page `stored` (of stored_size bytes) into
  // `out` (logical_size bytes). Chunk checksums are not verified: the caller
  // checked the page checksum. Corruption when a chunk does not decompress
  // to its size.
  Status DecompressAll(const uint8_t* stored, uint8_t* out) const;

  // Supplies the stored bytes of chunk `i` (chunk_end(i) - chunk_begin(i)
  // of them, checksum included) for Read; Corruption when the checksum does
  // not match, InvalidArgument when the size is wrong.
  Status AddChunk(size_t i, BufferPtr stored);
  // Copies logical bytes [offset, offset + size) to `dst`, decompressing
  // each chunk the first time a read touches it. Bytes of chunks not added
  // yet read as zero, and those chunks are noted in missing(): a caller runs
  // its reads once, fetches what is missing and runs them again.
  // InvalidArgument when the range is outside the page; Corruption when a
  // chunk does not decompress to its size.
  Status Read(uint64_t offset, uint64_t size, uint8_t* dst);
  // Chunks that Read needed and that were not added, ascending; cleared by
  // AddChunk of each.
  std::vector<size_t> missing() const;
  // Supplies chunk `i` already decompressed (kChunkSize bytes, e.g. from a
  // cache), in place of its stored bytes.
  void AddDecompressed(size_t i, std::shared_ptr<const uint8_t[]> chunk);
  // Where Read looks first for a chunk it needs that was not supplied:
  // `lookup(i)` returns chunk i decompressed, or null (the chunk is then
  // missing). Asked at most once per chunk.
  using ChunkLookup = std::function<std::shared_ptr<const uint8_t[]>(size_t i)>;
  void LookUpChunksIn(ChunkLookup lookup) { lookup_ = std::move(lookup); }
  // Whether a Read has needed chunk `i` or it was supplied.
  bool touched(size_t i) const { return state_[i] != kAbsent; }
  // Chunk `i` decompressed, once a Read has decompressed it; null before.
  std::shared_ptr<const uint8_t[]> decompressed(size_t i) const {
    return state_[i] == kDecompressed ? logical_[i] : nullptr;
  }

 private:
  ChunkedPage() = default;
  Status DecompressChunk(size_t i, const uint8_t* stored, uint8_t* out) const;
  enum State : uint8_t { kAbsent, kMissing, kAdded, kDecompressed };
  Compression compression_ = Compression::kNone;
  uint64_t logical_size_ = 0;
  std::vector<uint64_t> chunk_begin_;  // stored offsets, one past the last chunk at the end
  std::vector<BufferPtr> stored_;      // per chunk, once added
  std::vector<uint8_t> state_;         // per chunk: kAbsent, kMissing, kAdded, kDecompressed
  // Per chunk, once decompressed. Chunks are allocated one by one (a take
  // touches one or two per page): a whole-page buffer would be mapped and
  // page-faulted by the allocator on every take.
  std::vector<std::shared_ptr<const uint8_t[]>> logical_;
  ChunkLookup lookup_;
};

// --- Reading some rows of a page without decoding all of it.

// Copies logical page bytes [offset, offset + size) to `dst`; an error for a
// range the source cannot serve.
using LogicalReader = std::function<Status(uint64_t offset, uint64_t size, uint8_t* dst)>;

// Whether TakeRows serves `layout`: fixed-width columns and utf8/binary
// columns (not nested).
bool SupportsRowReads(const ColumnLayout& layout);

// The rows `rows` (page-local, ascending) of a page of `num_rows` rows whose
// buffers have `buffer_sizes`, reading only the bytes they need through
// `read`. Precondition: SupportsRowReads(layout). Sizes or offsets that do
// not fit are InvalidArgument; errors of `read` pass through.
Result<ArrayPtr> TakeRows(const ColumnLayout& layout, int64_t num_rows,
                          std::span<const uint64_t> buffer_sizes, std::span<const int64_t> rows,
                          const LogicalReader& read);

// Where a page of a fixed-width column keeps each level's validity bitmap
// and the leaf values, in logical page bytes.
struct FixedWidthLayout {
  std::vector<int64_t> validity_offset;  // per level, top first; -1 when absent
  std::vector<int64_t> values_per_row;   // per level: elements of that level per row
  int64_t values_offset = 0;
  int width = 0;  // bytes per leaf value
};

// The layout of a page of a fixed-width column; InvalidArgument when the
// buffer sizes do not fit the type and row count.
Result<FixedWidthLayout> MakeFixedWidthLayout(const ColumnLayout& layout, int64_t num_rows,
                                              std::span<const uint64_t> buffer_sizes);
// Appends the logical byte ranges [begin, end) that TakeRows reads for
// `rows` of a fixed-width page, sorted, not merged: what to fetch when only
// those bytes are read from the file.
void FixedWidthRanges(const FixedWidthLayout& fw, std::span<const int64_t> rows,
                      std::vector<std::pair<uint64_t, uint64_t>>* ranges);

}  // namespace quiver
