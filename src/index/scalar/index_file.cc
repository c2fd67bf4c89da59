#include "index/scalar/index_file.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "common/coding.h"

namespace quiver::index {
namespace {

constexpr uint64_t kTailRead = 64 * 1024;

}  // namespace

void PutBlockRef(std::string* out, const BlockRef& ref) {
  PutVarint64(out, ref.offset);
  PutVarint64(out, ref.size);
  PutFixed64(out, ref.checksum);
}

bool GetBlockRef(std::string_view* in, BlockRef* ref) {
  std::string_view save = *in;
  if (GetVarint64(in, &ref->offset) && GetVarint64(in, &ref->size) && GetFixed64(in, &ref->checksum)) {
    return true;
  }
  *in = save;
  return false;
}

IndexFileWriter::IndexFileWriter(std::unique_ptr<ObjectWriter> writer, std::string key, std::string magic)
    : writer_(std::move(writer)), key_(std::move(key)), magic_(std::move(magic)) {}

IndexFileWriter::~IndexFileWriter() {
  if (writer_) writer_->Abort();
}

Result<std::unique_ptr<IndexFileWriter>> IndexFileWriter::Open(ObjectStore& store, std::string key,
                                                               std::string_view magic) {
  QUIVER_ASSIGN_OR_RETURN(auto writer, store.OpenWriter(key));
  std::unique_ptr<IndexFileWriter> w(
      new IndexFileWriter(std::move(writer), std::move(key), std::string(magic)));
  std::string header(w->magic_);
  PutFixed32(&header, kIndexFormatVersion);
  QUIVER_RETURN_NOT_OK(w->writer_->Append(header));
  w->offset_ = header.size();
  return w;
}

Result<BlockRef> IndexFileWriter::AppendBlock(std::string_view bytes) {
  BlockRef ref{offset_, bytes.size(), XXH3_64bits(bytes.data(), bytes.size())};
  QUIVER_RETURN_NOT_OK(writer_->Append(bytes));
  offset_ += bytes.size();
  return ref;
}

Result<uint64_t> IndexFileWriter::Finish(std::string_view footer) {
  std::string tail(footer);
  PutFixed64(&tail, offset_);
  PutFixed64(&tail, footer.size());
  PutFixed64(&tail, XXH3_64bits(footer.data(), footer.size()));
  PutFixed32(&tail, kIndexFormatVersion);
  tail += magic_;
  QUIVER_RETURN_NOT_OK(writer_->Append(tail));
  offset_ += tail.size();
  Status st = writer_->Close();
  writer_.reset();
  QUIVER_RETURN_NOT_OK(st);
  return offset_;
}

Result<std::unique_ptr<IndexFileReader>> IndexFileReader::Open(ObjectStorePtr store, std::string key,
                                                               uint64_t size, std::string_view magic,
                                                               std::shared_ptr<ReadCounters> counters) {
  std::unique_ptr<IndexFileReader> r(new IndexFileReader());
  r->store_ = std::move(store);
  r->key_ = std::move(key);
  r->size_ = size;
  r->counters_ = std::move(counters);
  if (size < kIndexHeaderSize + kIndexTrailerSize) {
    return r->Corrupt("index file of " + std::to_string(size) + " bytes is too short");
  }
  const uint64_t tail_len = std::min(size, kTailRead);
  QUIVER_ASSIGN_OR_RETURN(BufferPtr tail, r->ReadSpan(size - tail_len, tail_len));
  const uint8_t* t = tail->data() + tail_len - kIndexTrailerSize;
  if (std::memcmp(t + 28, magic.data(), 4) != 0) {
    return r->Corrupt("bad magic (expected \"" + std::string(magic) + "\"); not this kind of index file");
  }
  const uint32_t version = DecodeFixed32(t + 24);
  if (version == 0) return r->Corrupt("format version 0 in the trailer");
  if (version > kIndexFormatVersion) {
    return Status::NotSupported(r->key_ + ": index format version " + std::to_string(version) +
                                " is newer than this build supports (" + std::to_string(kIndexFormatVersion) +
                                ")");
  }
  const uint64_t footer_offset = DecodeFixed64(t);
  const uint64_t footer_len = DecodeFixed64(t + 8);
  const uint64_t footer_sum = DecodeFixed64(t + 16);
  const uint64_t footer_end = size - kIndexTrailerSize;
  if (footer_offset < kIndexHeaderSize || footer_offset > footer_end ||
      footer_len != footer_end - footer_offset) {
    return r->Corrupt("footer offset " + std::to_string(footer_offset) + " and length " +
                      std::to_string(footer_len) + " do not fit a file of " + std::to_string(size) +
                      " bytes");
  }
  if (footer_offset >= size - tail_len) {
    r->footer_ = Buffer::Slice(tail, footer_offset - (size - tail_len), footer_len);
  } else {
    QUIVER_ASSIGN_OR_RETURN(r->footer_, r->ReadSpan(footer_offset, footer_len));
  }
  if (XXH3_64bits(r->footer_->data(), footer_len) != footer_sum)
    return r->Corrupt("footer checksum mismatch");
  r->footer_offset_ = footer_offset;
  return r;
}

Status IndexFileReader::Corrupt(std::string_view message) const {
  return Status::Corruption(key_ + ": " + std::string(message));
}

Status IndexFileReader::CheckRef(const BlockRef& ref, std::string_view what) const {
  if (ref.offset < kIndexHeaderSize || ref.offset > footer_offset_ ||
      ref.size > footer_offset_ - ref.offset) {
    return Corrupt(std::string(what) + " at offset " + std::to_string(ref.offset) + " of " +
                   std::to_string(ref.size) + " bytes lies outside the data region");
  }
  return Status::OK();
}

Result<BufferPtr> IndexFileReader::ReadSpan(uint64_t offset, uint64_t length) const {
  counters_->read_requests.fetch_add(1, std::memory_order_relaxed);
  auto res = store_->ReadRange(key_, offset, length);
  if (!res.ok()) {
    // The metadata recorded the file's size; a shorter object is damage.
    if (res.status().IsInvalidArgument()) return Corrupt("short file: " + res.status().message());
    return res.status().WithContext(key_);
  }
  if ((*res)->size() != length) {
    return Corrupt("read of " + std::to_string(length) + " bytes at " + std::to_string(offset) +
                   " returned " + std::to_string((*res)->size()));
  }
  counters_->bytes_read.fetch_add(length, std::memory_order_relaxed);
  return res;
}

Status IndexFileReader::VerifyBlock(std::string_view bytes, const BlockRef& ref,
                                    std::string_view what) const {
  counters_->blocks_read.fetch_add(1, std::memory_order_relaxed);
  if (bytes.size() != ref.size || XXH3_64bits(bytes.data(), bytes.size()) != ref.checksum) {
    return Corrupt("checksum mismatch in " + std::string(what));
  }
  return Status::OK();
}

Result<std::vector<BufferPtr>> IndexFileReader::ReadAdjacentBlocks(
    size_t count, const std::function<const BlockRef&(size_t)>& block,
    const std::function<std::string(size_t)>& what) const {
  const uint64_t start = block(0).offset;
  uint64_t end = start + block(0).size;
  size_t n = 1;
  while (n < count) {
    const BlockRef& next = block(n);
    if (next.offset != end || next.offset + next.size - start > kMaxSpanBytes) break;
    end = next.offset + next.size;
    ++n;
  }
  QUIVER_ASSIGN_OR_RETURN(BufferPtr span, ReadSpan(start, end - start));
  std::vector<BufferPtr> blocks;
  blocks.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const BlockRef& ref = block(i);
    BufferPtr bytes = Buffer::Slice(span, ref.offset - start, ref.size);
    QUIVER_RETURN_NOT_OK(VerifyBlock(bytes->view(), ref, what(i)));
    blocks.push_back(std::move(bytes));
  }
  return blocks;
}

Result<BufferPtr> IndexFileReader::ReadBlock(const BlockRef& ref, std::string_view what) const {
  QUIVER_RETURN_NOT_OK(CheckRef(ref, what));
  QUIVER_ASSIGN_OR_RETURN(BufferPtr buf, ReadSpan(ref.offset, ref.size));
  QUIVER_RETURN_NOT_OK(VerifyBlock(buf->view(), ref, what));
  return buf;
}

}  // namespace quiver::index
