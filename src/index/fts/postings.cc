#include "index/fts/postings.h"

#include <algorithm>

#include "common/coding.h"

namespace quiver::index::fts {

void EncodePostings(std::span<const uint32_t> docs, std::span<const uint32_t> tfs,
                    std::span<const uint32_t> positions, std::span<const uint32_t> lengths,
                    std::string* postings, std::string* position_bytes) {
  const size_t n = docs.size();
  const size_t num_blocks = (n + kBlockSize - 1) / kBlockSize;
  std::string skip;
  std::string blocks;
  PutVarint32(&skip, static_cast<uint32_t>(num_blocks));
  uint32_t prev_last = 0;
  uint32_t prev_doc = 0;
  size_t pos_index = 0;
  for (size_t b = 0; b < num_blocks; ++b) {
    const size_t begin = b * kBlockSize;
    const size_t end = std::min(n, begin + kBlockSize);
    const size_t doc_start = blocks.size();
    const size_t pos_start = position_bytes->size();
    uint32_t max_tf = 0;
    uint32_t min_length = std::numeric_limits<uint32_t>::max();
    for (size_t i = begin; i < end; ++i) {
      PutVarint32(&blocks, docs[i] - prev_doc);
      PutVarint32(&blocks, tfs[i]);
      prev_doc = docs[i];
      max_tf = std::max(max_tf, tfs[i]);
      min_length = std::min(min_length, lengths[docs[i]]);
      if (!positions.empty()) {
        uint32_t prev_pos = 0;
        for (uint32_t t = 0; t < tfs[i]; ++t, ++pos_index) {
          PutVarint32(position_bytes, positions[pos_index] - prev_pos);
          prev_pos = positions[pos_index];
        }
      }
    }
    PutVarint32(&skip, docs[end - 1] - prev_last);
    PutVarint32(&skip, static_cast<uint32_t>(blocks.size() - doc_start));
    PutVarint32(&skip, static_cast<uint32_t>(position_bytes->size() - pos_start));
    PutVarint32(&skip, max_tf);
    PutVarint32(&skip, min_length);
    prev_last = docs[end - 1];
  }
  postings->append(skip);
  postings->append(blocks);
}

Result<PostingList> PostingList::Parse(std::string_view bytes, std::string_view positions, uint32_t df) {
  PostingList list;
  list.df_ = df;
  std::string_view in = bytes;
  uint32_t num_blocks = 0;
  if (!GetVarint32(&in, &num_blocks) || num_blocks != (df + kBlockSize - 1) / kBlockSize) {
    return Status::Corruption("posting list: bad block count for " + std::to_string(df) + " documents");
  }
  list.skips_.resize(num_blocks);
  uint64_t doc_offset = 0, pos_offset = 0;
  uint32_t last = 0;
  for (uint32_t b = 0; b < num_blocks; ++b) {
    uint32_t delta, doc_bytes, pos_bytes;
    SkipEntry& e = list.skips_[b];
    if (!GetVarint32(&in, &delta) || !GetVarint32(&in, &doc_bytes) || !GetVarint32(&in, &pos_bytes) ||
        !GetVarint32(&in, &e.max_tf) || !GetVarint32(&in, &e.min_length) || (b > 0 && delta == 0) ||
        last > kNoDoc - 1 - delta) {
      return Status::Corruption("posting list: malformed skip entry " + std::to_string(b));
    }
    last += delta;
    e.last_doc = last;
    e.doc_offset = static_cast<uint32_t>(doc_offset);
    e.doc_bytes = doc_bytes;
    e.pos_offset = static_cast<uint32_t>(pos_offset);
    doc_offset += doc_bytes;
    pos_offset += pos_bytes;
  }
  if (doc_offset != in.size() || (!positions.empty() && pos_offset != positions.size())) {
    return Status::Corruption("posting list: block sizes do not add up to its length");
  }
  list.blocks_ = in;
  list.positions_ = positions;
  return list;
}

PostingCursor::PostingCursor(const PostingList* list) : list_(list) {
  if (!list_->skips().empty()) EnterBlock(0);
}

Status PostingCursor::DecodeBlock(size_t block) {
  const SkipEntry& e = list_->skips()[block];
  const std::string_view area = list_->block_area();
  const uint8_t* p = reinterpret_cast<const uint8_t*>(area.data()) + e.doc_offset;
  const uint8_t* limit = p + e.doc_bytes;
  count_ = list_->block_docs(block);
  uint32_t doc = block == 0 ? 0 : list_->skips()[block - 1].last_doc;
  for (uint32_t i = 0; i < count_; ++i) {
    uint32_t delta, tf;
    if (p < limit && *p < 0x80 && p + 1 < limit && p[1] < 0x80) {  // both one byte: most postings
      delta = p[0];
      tf = p[1];
      p += 2;
    } else {
      p = DecodeVarint32(p, limit, &delta);
      if (p == nullptr) break;
      p = DecodeVarint32(p, limit, &tf);
      if (p == nullptr) break;
    }
    if ((i > 0 || block > 0) && delta == 0) return Status::Corruption("posting list: documents out of order");
    doc += delta;
    docs_[i] = doc;
    tfs_[i] = tf;
  }
  if (p == nullptr || p != limit || docs_[count_ - 1] != e.last_doc) {
    return Status::Corruption("posting list: malformed block " + std::to_string(block));
  }
  decoded_ = true;
  pos_ptr_ = nullptr;
  pos_index_ = 0;
  return Status::OK();
}

uint32_t PostingCursor::EnterBlock(size_t block) {
  block_ = block;
  decoded_ = false;
  if (block_ >= list_->skips().size()) return doc_ = kNoDoc;
  Status st = DecodeBlock(block_);
  if (!st.ok()) {
    status_ = std::move(st);
    block_ = list_->skips().size();
    return doc_ = kNoDoc;
  }
  index_ = 0;
  return doc_ = docs_[0];
}

uint32_t PostingCursor::Next() {
  if (doc_ == kNoDoc) return doc_;
  if (++index_ < count_) return doc_ = docs_[index_];
  return EnterBlock(block_ + 1);
}

size_t PostingCursor::ShallowAdvance(uint32_t target) {
  const auto& skips = list_->skips();
  size_t b = block_;
  while (b < skips.size() && skips[b].last_doc < target) ++b;
  if (b != block_) {
    block_ = b;
    decoded_ = false;
  }
  return b;
}

uint32_t PostingCursor::Advance(uint32_t target) {
  if (doc_ == kNoDoc) return doc_;
  if (decoded_ && doc_ >= target) return doc_;
  const size_t b = ShallowAdvance(target);
  if (b >= list_->skips().size()) return doc_ = kNoDoc;
  if (!decoded_) EnterBlock(b);
  if (doc_ == kNoDoc) return doc_;
  // Within the block: a linear scan (blocks are short).
  while (docs_[index_] < target) ++index_;
  return doc_ = docs_[index_];
}

Result<std::span<const uint32_t>> PostingCursor::Positions() {
  const std::string_view all = list_->positions();
  if (all.empty()) return Status::InvalidArgument("this index does not store positions");
  const SkipEntry& e = list_->skips()[block_];
  const uint8_t* limit = reinterpret_cast<const uint8_t*>(all.data()) + all.size();
  if (pos_ptr_ == nullptr || pos_index_ > index_) {
    pos_ptr_ = reinterpret_cast<const uint8_t*>(all.data()) + e.pos_offset;
    pos_index_ = 0;
  }
  // Skip the positions of earlier documents of the block.
  for (; pos_index_ < index_; ++pos_index_) {
    for (uint32_t t = 0; t < tfs_[pos_index_]; ++t) {
      uint32_t v;
      pos_ptr_ = DecodeVarint32(pos_ptr_, limit, &v);
      if (pos_ptr_ == nullptr) return Status::Corruption("posting list: malformed positions");
    }
  }
  positions_.resize(tfs_[index_]);
  const uint8_t* p = pos_ptr_;
  uint32_t pos = 0;
  for (uint32_t t = 0; t < tfs_[index_]; ++t) {
    uint32_t delta;
    p = DecodeVarint32(p, limit, &delta);
    if (p == nullptr) return Status::Corruption("posting list: malformed positions");
    pos += delta;
    positions_[t] = pos;
  }
  return std::span<const uint32_t>(positions_);
}

}  // namespace quiver::index::fts
