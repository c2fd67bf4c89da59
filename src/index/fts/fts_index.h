// A full-text index file: one segment (segment.h) stored in one object and
// read by byte range (docs/format.md, "Full-text indexes").
//
//   header | per term: postings block [, positions block] | dictionary blocks
//   | row ids block | lengths block | footer | trailer
//
// Opening reads the footer (with the first term of every dictionary block),
// then the row ids and document lengths, which scoring needs for every
// document. A term lookup reads one dictionary block (cached); a term's
// postings are one more range read (cached, bounded). Every block carries a
// checksum; a flipped byte is Corruption naming the file.
//
// Thread-safety: FtsIndexReader is thread-safe.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "index/fts/analyzer.h"
#include "index/fts/segment.h"
#include "index/scalar/index_file.h"
#include "io/object_store.h"

namespace quiver::index::fts {

// An FTS index's description, kept in the table's manifest.
struct FtsIndexMeta {
  AnalyzerOptions analyzer;
  bool with_position = false;
  std::string file = "index.fts";  // under the index's prefix
  uint64_t size_bytes = 0;
  uint64_t num_docs = 0;
  uint64_t num_terms = 0;
  uint64_t total_length = 0;

  nlohmann::json ToJson() const;
  static Result<FtsIndexMeta> FromJson(const nlohmann::json& json);
};

// Writes `segment` as `prefix` + meta.file; returns the filled-in meta.
Result<FtsIndexMeta> WriteFtsIndex(const Segment& segment, const AnalyzerOptions& analyzer,
                                   ObjectStore& store, const std::string& prefix);

class FtsIndexReader : public Segment {
 public:
  // Opens the index described by `meta` under `prefix`; reads the footer,
  // row ids and lengths. Postings read later are cached up to
  // `cache_bytes` (least recently used leave first).
  static Result<std::shared_ptr<FtsIndexReader>> Open(ObjectStorePtr store, const std::string& prefix,
                                                      const FtsIndexMeta& meta,
                                                      uint64_t cache_bytes = 64 << 20);
  ~FtsIndexReader() override;

  const FtsIndexMeta& meta() const { return meta_; }
  const Analyzer& analyzer() const { return *analyzer_; }
  // What this index has read so far.
  uint64_t read_requests() const { return counters_->read_requests; }
  uint64_t bytes_read() const { return counters_->bytes_read; }

  uint32_t num_docs() const override { return static_cast<uint32_t>(row_ids_.size()); }
  uint64_t total_length() const override { return total_length_; }
  bool has_positions() const override { return meta_.with_position; }
  std::span<const uint32_t> lengths() const override { return lengths_; }
  std::span<const uint64_t> row_ids() const override { return row_ids_; }
  Result<std::optional<TermInfo>> Lookup(std::string_view term) const override;
  Result<PostingBytes> Postings(std::string_view term, const TermInfo& info, bool positions) const override;
  Status ForEachTerm(std::string_view prefix,
                     const std::function<bool(std::string_view, const TermInfo&)>& fn) const override;

 private:
  FtsIndexReader() = default;
  struct DictBlock;
  Result<std::shared_ptr<const DictBlock>> LoadDictBlock(size_t block) const;
  Result<BufferPtr> ReadCached(const BlockRef& ref, std::string_view what) const;

  FtsIndexMeta meta_;
  std::unique_ptr<Analyzer> analyzer_;
  std::unique_ptr<IndexFileReader> file_;
  std::shared_ptr<ReadCounters> counters_;
  std::vector<uint64_t> row_ids_;
  std::vector<uint32_t> lengths_;
  uint64_t total_length_ = 0;
  std::vector<std::string> first_terms_;  // of each dictionary block
  std::vector<BlockRef> dict_refs_;

  mutable std::mutex mu_;
  mutable std::vector<std::shared_ptr<const DictBlock>> dict_blocks_;
  uint64_t cache_capacity_ = 0;
  mutable uint64_t cache_bytes_ = 0;
  mutable std::list<std::pair<uint64_t, BufferPtr>> lru_;  // offset -> block, most recent first
  mutable std::unordered_map<uint64_t, std::list<std::pair<uint64_t, BufferPtr>>::iterator> cache_;
};

}  // namespace quiver::index::fts
