#include "index/fts/fts_index.h"

#include <algorithm>

#include "common/coding.h"
#include "format/compression.h"

namespace quiver::index::fts {
namespace {

constexpr std::string_view kMagic = "QFTS";
constexpr uint32_t kFtsVersion = 1;
constexpr size_t kTermsPerDictBlock = 128;
constexpr int kZstdLevel = 3;

Result<std::string> Compress(std::string_view raw) {
  Compressor compressor;
  std::string out(MaxCompressedSize(Compression::kZstd, raw.size()), '\0');
  QUIVER_ASSIGN_OR_RETURN(size_t n, compressor.Compress(Compression::kZstd, kZstdLevel, raw.data(),
                                                        raw.size(), out.data(), out.size()));
  out.resize(n);
  return out;
}

}  // namespace

nlohmann::json FtsIndexMeta::ToJson() const {
  return {{"analyzer", analyzer.ToJson()}, {"with_position", with_position}, {"file", file},
          {"size_bytes", size_bytes},      {"num_docs", num_docs},           {"num_terms", num_terms},
          {"total_length", total_length}};
}

Result<FtsIndexMeta> FtsIndexMeta::FromJson(const nlohmann::json& json) {
  FtsIndexMeta meta;
  try {
    QUIVER_ASSIGN_OR_RETURN(meta.analyzer, AnalyzerOptions::FromJson(json.at("analyzer")));
    meta.with_position = json.at("with_position").get<bool>();
    meta.file = json.at("file").get<std::string>();
    meta.size_bytes = json.at("size_bytes").get<uint64_t>();
    meta.num_docs = json.at("num_docs").get<uint64_t>();
    meta.num_terms = json.at("num_terms").get<uint64_t>();
    meta.total_length = json.at("total_length").get<uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("full-text index description: ") + e.what());
  }
  if (meta.file.empty() || meta.file.find('/') != std::string::npos ||
      meta.file.find("..") != std::string::npos) {
    return Status::Corruption("full-text index description: bad file name \"" + meta.file + "\"");
  }
  return meta;
}

Result<FtsIndexMeta> WriteFtsIndex(const Segment& segment, const AnalyzerOptions& analyzer,
                                   ObjectStore& store, const std::string& prefix) {
  FtsIndexMeta meta;
  meta.analyzer = analyzer;
  meta.with_position = segment.has_positions();
  meta.num_docs = segment.num_docs();
  meta.total_length = segment.total_length();
  QUIVER_ASSIGN_OR_RETURN(auto writer, IndexFileWriter::Open(store, prefix + meta.file, kMagic));

  // Postings (and positions) of each term, then the dictionary over them.
  std::vector<std::string> dict_blocks;
  std::vector<std::string> first_terms;
  std::string block;
  size_t in_block = 0;
  Status status;
  QUIVER_RETURN_NOT_OK(segment.ForEachTerm("", [&](std::string_view term, const TermInfo& info) {
    auto bytes = segment.Postings(term, info, meta.with_position);
    if (!bytes.ok()) {
      status = bytes.status();
      return false;
    }
    auto postings = writer->AppendBlock(bytes->postings);
    if (!postings.ok()) {
      status = postings.status();
      return false;
    }
    BlockRef positions;
    if (meta.with_position) {
      auto written = writer->AppendBlock(bytes->positions);
      if (!written.ok()) {
        status = written.status();
        return false;
      }
      positions = *written;
    }
    if (in_block == 0) first_terms.emplace_back(term);
    PutLengthPrefixed(&block, term);
    PutVarint32(&block, info.df);
    PutBlockRef(&block, *postings);
    if (meta.with_position) PutBlockRef(&block, positions);
    ++meta.num_terms;
    if (++in_block == kTermsPerDictBlock) {
      dict_blocks.push_back(std::move(block));
      block.clear();
      in_block = 0;
    }
    return true;
  }));
  QUIVER_RETURN_NOT_OK(status);
  if (in_block > 0) dict_blocks.push_back(std::move(block));

  std::string footer;
  PutVarint32(&footer, kFtsVersion);
  PutVarint32(&footer, meta.with_position ? 1 : 0);
  PutVarint64(&footer, meta.num_docs);
  PutVarint64(&footer, meta.total_length);
  PutVarint64(&footer, meta.num_terms);
  PutVarint64(&footer, dict_blocks.size());
  for (size_t b = 0; b < dict_blocks.size(); ++b) {
    QUIVER_ASSIGN_OR_RETURN(BlockRef ref, writer->AppendBlock(dict_blocks[b]));
    PutLengthPrefixed(&footer, first_terms[b]);
    PutBlockRef(&footer, ref);
  }
  auto row_ids = segment.row_ids();
  auto lengths = segment.lengths();
  QUIVER_ASSIGN_OR_RETURN(
      std::string ids_z,
      Compress(std::string_view(reinterpret_cast<const char*>(row_ids.data()), row_ids.size_bytes())));
  QUIVER_ASSIGN_OR_RETURN(
      std::string lengths_z,
      Compress(std::string_view(reinterpret_cast<const char*>(lengths.data()), lengths.size_bytes())));
  QUIVER_ASSIGN_OR_RETURN(BlockRef ids_ref, writer->AppendBlock(ids_z));
  QUIVER_ASSIGN_OR_RETURN(BlockRef lengths_ref, writer->AppendBlock(lengths_z));
  PutBlockRef(&footer, ids_ref);
  PutBlockRef(&footer, lengths_ref);
  PutLengthPrefixed(&footer, analyzer.ToJson().dump());
  QUIVER_ASSIGN_OR_RETURN(meta.size_bytes, writer->Finish(footer));
  return meta;
}

// One dictionary block, decoded.
struct FtsIndexReader::DictBlock {
  std::vector<std::string> terms;
  std::vector<uint32_t> dfs;
  std::vector<BlockRef> postings;
  std::vector<BlockRef> positions;
};

FtsIndexReader::~FtsIndexReader() = default;

Result<std::shared_ptr<FtsIndexReader>> FtsIndexReader::Open(ObjectStorePtr store, const std::string& prefix,
                                                             const FtsIndexMeta& meta, uint64_t cache_bytes) {
  auto reader = std::shared_ptr<FtsIndexReader>(new FtsIndexReader());
  reader->meta_ = meta;
  reader->cache_capacity_ = cache_bytes;
  reader->counters_ = std::make_shared<ReadCounters>();
  QUIVER_ASSIGN_OR_RETURN(reader->analyzer_, Analyzer::Make(meta.analyzer));
  QUIVER_ASSIGN_OR_RETURN(reader->file_, IndexFileReader::Open(std::move(store), prefix + meta.file,
                                                               meta.size_bytes, kMagic, reader->counters_));
  const IndexFileReader& file = *reader->file_;
  std::string_view in = file.footer();
  uint32_t version = 0, flags = 0;
  uint64_t num_docs = 0, num_terms = 0, num_blocks = 0;
  if (!GetVarint32(&in, &version)) return file.Corrupt("truncated footer");
  if (version != kFtsVersion) {
    return Status::NotSupported(file.key() + ": full-text index format version " + std::to_string(version) +
                                " is newer than this build reads (" + std::to_string(kFtsVersion) + ")");
  }
  if (!GetVarint32(&in, &flags) || !GetVarint64(&in, &num_docs) ||
      !GetVarint64(&in, &reader->total_length_) || !GetVarint64(&in, &num_terms) ||
      !GetVarint64(&in, &num_blocks) || num_blocks > in.size()) {
    return file.Corrupt("truncated footer");
  }
  if (((flags & 1) != 0) != meta.with_position || num_docs != meta.num_docs || num_terms != meta.num_terms ||
      num_docs > 0xfffffffeu) {
    return file.Corrupt("footer does not match the index description");
  }
  for (uint64_t b = 0; b < num_blocks; ++b) {
    std::string_view first;
    BlockRef ref;
    if (!GetLengthPrefixed(&in, &first) || !GetBlockRef(&in, &ref)) return file.Corrupt("truncated footer");
    QUIVER_RETURN_NOT_OK(file.CheckRef(ref, "dictionary block"));
    if (!reader->first_terms_.empty() && !(reader->first_terms_.back() < first)) {
      return file.Corrupt("dictionary blocks out of order");
    }
    reader->first_terms_.emplace_back(first);
    reader->dict_refs_.push_back(ref);
  }
  BlockRef ids_ref, lengths_ref;
  if (!GetBlockRef(&in, &ids_ref) || !GetBlockRef(&in, &lengths_ref)) return file.Corrupt("truncated footer");
  QUIVER_RETURN_NOT_OK(file.CheckRef(ids_ref, "row ids"));
  QUIVER_RETURN_NOT_OK(file.CheckRef(lengths_ref, "document lengths"));
  QUIVER_ASSIGN_OR_RETURN(BufferPtr ids_z, file.ReadBlock(ids_ref, "row ids"));
  QUIVER_ASSIGN_OR_RETURN(BufferPtr lengths_z, file.ReadBlock(lengths_ref, "document lengths"));
  reader->row_ids_.resize(num_docs);
  reader->lengths_.resize(num_docs);
  Status st = Decompress(Compression::kZstd, ids_z->data(), ids_z->size(), reader->row_ids_.data(),
                         num_docs * sizeof(uint64_t));
  if (st.ok()) {
    st = Decompress(Compression::kZstd, lengths_z->data(), lengths_z->size(), reader->lengths_.data(),
                    num_docs * sizeof(uint32_t));
  }
  if (!st.ok()) return file.Corrupt("document table: " + st.message());
  uint64_t total = 0;
  for (uint32_t l : reader->lengths_) total += l;
  if (total != reader->total_length_) return file.Corrupt("document lengths do not add up");
  reader->dict_blocks_.resize(num_blocks);
  return reader;
}

Result<std::shared_ptr<const FtsIndexReader::DictBlock>> FtsIndexReader::LoadDictBlock(size_t b) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (dict_blocks_[b]) return dict_blocks_[b];
  }
  QUIVER_ASSIGN_OR_RETURN(BufferPtr bytes, file_->ReadBlock(dict_refs_[b], "dictionary block"));
  auto block = std::make_shared<DictBlock>();
  std::string_view in = bytes->view();
  while (!in.empty()) {
    std::string_view term;
    uint32_t df;
    BlockRef postings, positions;
    if (!GetLengthPrefixed(&in, &term) || !GetVarint32(&in, &df) || !GetBlockRef(&in, &postings) ||
        (meta_.with_position && !GetBlockRef(&in, &positions)) || df == 0 || df > num_docs()) {
      return file_->Corrupt("malformed dictionary block " + std::to_string(b));
    }
    if ((block->terms.empty() ? term != first_terms_[b] : !(block->terms.back() < term))) {
      return file_->Corrupt("dictionary block " + std::to_string(b) + " out of order");
    }
    QUIVER_RETURN_NOT_OK(file_->CheckRef(postings, "postings"));
    if (meta_.with_position) QUIVER_RETURN_NOT_OK(file_->CheckRef(positions, "positions"));
    block->terms.emplace_back(term);
    block->dfs.push_back(df);
    block->postings.push_back(postings);
    block->positions.push_back(positions);
  }
  if (b + 1 < first_terms_.size() && !(block->terms.back() < first_terms_[b + 1])) {
    return file_->Corrupt("dictionary block " + std::to_string(b) + " overlaps the next");
  }
  std::lock_guard<std::mutex> lock(mu_);
  dict_blocks_[b] = block;
  return std::shared_ptr<const DictBlock>(block);
}

Result<std::optional<TermInfo>> FtsIndexReader::Lookup(std::string_view term) const {
  auto it = std::upper_bound(first_terms_.begin(), first_terms_.end(), term,
                             [](std::string_view t, const std::string& first) { return t < first; });
  if (it == first_terms_.begin()) return std::optional<TermInfo>();
  const size_t b = static_cast<size_t>(it - first_terms_.begin()) - 1;
  QUIVER_ASSIGN_OR_RETURN(auto block, LoadDictBlock(b));
  auto found = std::lower_bound(block->terms.begin(), block->terms.end(), term,
                                [](const std::string& a, std::string_view t) { return a < t; });
  if (found == block->terms.end() || *found != term) return std::optional<TermInfo>();
  const size_t i = static_cast<size_t>(found - block->terms.begin());
  return std::optional<TermInfo>(TermInfo{block->dfs[i], (uint64_t{b} << 32) | i});
}

Result<BufferPtr> FtsIndexReader::ReadCached(const BlockRef& ref, std::string_view what) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(ref.offset);
    if (it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  QUIVER_ASSIGN_OR_RETURN(BufferPtr bytes, file_->ReadBlock(ref, what));
  std::lock_guard<std::mutex> lock(mu_);
  if (bytes->size() <= cache_capacity_ && cache_.find(ref.offset) == cache_.end()) {
    lru_.emplace_front(ref.offset, bytes);
    cache_[ref.offset] = lru_.begin();
    cache_bytes_ += bytes->size();
    while (cache_bytes_ > cache_capacity_) {
      cache_bytes_ -= lru_.back().second->size();
      cache_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }
  return bytes;
}

Result<PostingBytes> FtsIndexReader::Postings(std::string_view, const TermInfo& info, bool positions) const {
  const size_t b = info.locator >> 32;
  const size_t i = info.locator & 0xffffffffu;
  if (b >= dict_blocks_.size()) return Status::InvalidArgument("unknown term");
  QUIVER_ASSIGN_OR_RETURN(auto block, LoadDictBlock(b));
  if (i >= block->terms.size()) return Status::InvalidArgument("unknown term");
  QUIVER_ASSIGN_OR_RETURN(BufferPtr postings, ReadCached(block->postings[i], "postings"));
  PostingBytes out;
  out.postings = postings->view();
  if (positions && meta_.with_position) {
    QUIVER_ASSIGN_OR_RETURN(BufferPtr pos, ReadCached(block->positions[i], "positions"));
    out.positions = pos->view();
    out.owner = std::make_shared<std::pair<BufferPtr, BufferPtr>>(postings, pos);
  } else {
    out.owner = postings;
  }
  return out;
}

Status FtsIndexReader::ForEachTerm(std::string_view prefix,
                                   const std::function<bool(std::string_view, const TermInfo&)>& fn) const {
  auto it = std::upper_bound(first_terms_.begin(), first_terms_.end(), prefix,
                             [](std::string_view t, const std::string& first) { return t < first; });
  size_t b = it == first_terms_.begin() ? 0 : static_cast<size_t>(it - first_terms_.begin()) - 1;
  for (; b < first_terms_.size(); ++b) {
    QUIVER_ASSIGN_OR_RETURN(auto block, LoadDictBlock(b));
    for (size_t i = 0; i < block->terms.size(); ++i) {
      const std::string& term = block->terms[i];
      if (term < prefix) continue;
      if (!std::string_view(term).starts_with(prefix)) return Status::OK();
      if (!fn(term, TermInfo{block->dfs[i], (uint64_t{b} << 32) | i})) return Status::OK();
    }
  }
  return Status::OK();
}

}  // namespace quiver::index::fts
