// Posting lists of a full-text index: for one term, the documents holding
// it (ascending document numbers), the term's frequency in each and,
// optionally, its positions (docs/format.md, "Full-text indexes").
//
// A list is cut into blocks of kBlockSize documents. A skip table in front
// gives each block's last document, byte sizes, and the largest term
// frequency and smallest document length in it, so a search can jump over
// blocks that cannot hold a wanted document or a competitive score (block-max
// pruning) without decoding them. Positions live in a separate byte string,
// read only by phrase queries.
//
// Thread-safety: PostingList is immutable; a PostingCursor belongs to one
// thread.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/status.h"

namespace quiver::index::fts {

inline constexpr uint32_t kBlockSize = 128;
inline constexpr uint32_t kNoDoc = std::numeric_limits<uint32_t>::max();

// Encodes one term's postings. `docs` ascending; `positions` holds tfs[i]
// ascending positions for docs[i], in order (empty when not stored).
// `lengths` gives every document's length (by document number), for the
// blocks' smallest lengths.
void EncodePostings(std::span<const uint32_t> docs, std::span<const uint32_t> tfs,
                    std::span<const uint32_t> positions, std::span<const uint32_t> lengths,
                    std::string* postings, std::string* position_bytes);

struct SkipEntry {
  uint32_t last_doc = 0;
  uint32_t doc_offset = 0;  // where the block's documents start in the block area
  uint32_t doc_bytes = 0;
  uint32_t pos_offset = 0;  // where its positions start in the position bytes
  uint32_t max_tf = 0;
  uint32_t min_length = 0;
};

// A decoded skip table over encoded posting bytes (which must outlive it).
class PostingList {
 public:
  // Parses the skip table of `bytes` for a term in `df` documents;
  // Corruption (without a file name: the caller adds it) when malformed.
  static Result<PostingList> Parse(std::string_view bytes, std::string_view positions, uint32_t df);

  uint32_t df() const { return df_; }
  const std::vector<SkipEntry>& skips() const { return skips_; }
  std::string_view block_area() const { return blocks_; }
  std::string_view positions() const { return positions_; }
  uint32_t block_docs(size_t block) const {
    return block + 1 < skips_.size() ? kBlockSize : df_ - kBlockSize * static_cast<uint32_t>(block);
  }

 private:
  uint32_t df_ = 0;
  std::vector<SkipEntry> skips_;
  std::string_view blocks_;
  std::string_view positions_;
};

// Walks a PostingList document by document.
class PostingCursor {
 public:
  explicit PostingCursor(const PostingList* list);

  uint32_t doc() const { return doc_; }  // kNoDoc when exhausted
  uint32_t tf() const { return tfs_[index_]; }
  uint32_t Next();
  // The first document >= target.
  uint32_t Advance(uint32_t target);
  // Moves to the start of the first block at or after the current one whose
  // last document is >= target, without decoding it; returns that block's
  // index (skips().size() when none). For block-max pruning.
  size_t ShallowAdvance(uint32_t target);
  size_t block() const { return block_; }
  // Skips to the first document of block `block` (>= the current block).
  uint32_t EnterBlock(size_t block);
  // The positions of the current document (decoded on demand); Corruption
  // when the position bytes are malformed.
  Result<std::span<const uint32_t>> Positions();
  // Corruption when a block turned out malformed (the cursor then ends).
  const Status& status() const { return status_; }

 private:
  Status DecodeBlock(size_t block);
  const PostingList* list_;
  Status status_;
  size_t block_ = 0;
  bool decoded_ = false;  // block_ is decoded into docs_/tfs_
  uint32_t count_ = 0;
  uint32_t index_ = 0;
  uint32_t doc_ = kNoDoc;
  uint32_t docs_[kBlockSize];
  uint32_t tfs_[kBlockSize];
  // Positions: decoded for block_ up to pos_index_ documents.
  const uint8_t* pos_ptr_ = nullptr;
  uint32_t pos_index_ = 0;
  std::vector<uint32_t> positions_;
};

}  // namespace quiver::index::fts
