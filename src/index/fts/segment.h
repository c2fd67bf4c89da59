// A segment: the unit a full-text search runs over. Documents are numbered
// 0..num_docs-1; each is one row (its stable row id) with a length in terms.
// An index file is one segment (fts_index.h); rows a table added since the
// index was built form an in-memory segment made at query time, searched
// with the same statistics so scores agree.
//
// SegmentBuilder analyzes text into an in-memory segment, using every core;
// the index writer stores such a segment.
//
// Thread-safety: segments are immutable and thread-safe; a SegmentBuilder
// is not (it parallelises inside AddBatch).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/fts/analyzer.h"
#include "index/fts/postings.h"
#include "quiver/array.h"
#include "quiver/buffer.h"

namespace quiver {
class ThreadPool;
}

namespace quiver::index::fts {

// Where a term's postings are; what the locators mean is the segment's
// business.
struct TermInfo {
  uint32_t df = 0;
  uint64_t locator = 0;
};

// A term's encoded postings and positions, kept alive by `owner`.
struct PostingBytes {
  std::string_view postings;
  std::string_view positions;  // empty unless asked for and stored
  std::shared_ptr<const void> owner;
};

class Segment {
 public:
  virtual ~Segment() = default;
  virtual uint32_t num_docs() const = 0;
  virtual uint64_t total_length() const = 0;  // sum of document lengths
  virtual bool has_positions() const = 0;
  // Every document's length, by document number.
  virtual std::span<const uint32_t> lengths() const = 0;
  // Every document's row id, by document number.
  virtual std::span<const uint64_t> row_ids() const = 0;
  // The term's document frequency and location; nullopt when absent.
  virtual Result<std::optional<TermInfo>> Lookup(std::string_view term) const = 0;
  virtual Result<PostingBytes> Postings(std::string_view term, const TermInfo& info,
                                        bool positions) const = 0;
  // Calls fn(term, info) for every term starting with `prefix`, in
  // byte order, until fn returns false.
  virtual Status ForEachTerm(std::string_view prefix,
                             const std::function<bool(std::string_view, const TermInfo&)>& fn) const = 0;
};

// A segment held in memory.
class MemorySegment : public Segment {
 public:
  struct Term {
    std::string postings;
    std::string positions;
    uint32_t df = 0;
  };
  MemorySegment(std::vector<uint64_t> row_ids, std::vector<uint32_t> lengths,
                std::vector<std::pair<std::string, Term>> terms, bool positions);

  uint32_t num_docs() const override { return static_cast<uint32_t>(row_ids_.size()); }
  uint64_t total_length() const override { return total_length_; }
  bool has_positions() const override { return positions_; }
  std::span<const uint32_t> lengths() const override { return lengths_; }
  std::span<const uint64_t> row_ids() const override { return row_ids_; }
  Result<std::optional<TermInfo>> Lookup(std::string_view term) const override;
  Result<PostingBytes> Postings(std::string_view term, const TermInfo& info, bool positions) const override;
  Status ForEachTerm(std::string_view prefix,
                     const std::function<bool(std::string_view, const TermInfo&)>& fn) const override;

  // Terms in byte order.
  const std::vector<std::pair<std::string, Term>>& terms() const { return terms_; }
  // Approximate bytes held.
  uint64_t memory_bytes() const;

 private:
  std::vector<uint64_t> row_ids_;
  std::vector<uint32_t> lengths_;
  uint64_t total_length_ = 0;
  std::vector<std::pair<std::string, Term>> terms_;  // sorted by term
  bool positions_;
};

// Decoded postings of one term, for building and merging.
struct RawPostings {
  std::vector<uint32_t> docs;
  std::vector<uint32_t> tfs;
  std::vector<uint32_t> positions;  // tfs[i] per document, in order
};

// Builds a MemorySegment from rows of text: a utf8/large_utf8 column or a
// list of such strings (its values are analyzed one after another, positions
// continuing). Documents are numbered in the order they are added; null
// values are documents of length 0.
class SegmentBuilder {
 public:
  // `pool` may be null (single-threaded).
  SegmentBuilder(const Analyzer* analyzer, bool positions, ThreadPool* pool);
  ~SegmentBuilder();

  // Adds rows of `column` with their row ids. InvalidArgument when the
  // column is not text or a list of text.
  Status AddBatch(const Array& column, std::span<const uint64_t> row_ids);
  uint32_t num_docs() const { return static_cast<uint32_t>(row_ids_.size()); }
  // Appends documents already analyzed (when merging indexes): `terms` holds
  // each term's postings, numbered from 0, for the documents given by
  // `row_ids` and `lengths`.
  void AddDecoded(std::span<const uint64_t> row_ids, std::span<const uint32_t> lengths,
                  std::vector<std::pair<std::string, RawPostings>> terms);

  std::shared_ptr<MemorySegment> Finish();

 private:
  struct Chunk;
  void MergeChunk(Chunk& chunk, uint32_t first_doc);
  const Analyzer* analyzer_;
  bool positions_;
  ThreadPool* pool_;
  std::vector<uint64_t> row_ids_;
  std::vector<uint32_t> lengths_;
  struct TermHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  std::unordered_map<std::string, RawPostings, TermHash, std::equal_to<>> terms_;
};

// Every term's decoded postings of `segment` (for merging).
Result<std::vector<std::pair<std::string, RawPostings>>> DecodeSegment(const Segment& segment);

}  // namespace quiver::index::fts
