#include "index/fts/segment.h"

#include <algorithm>

#include <xxhash.h>

#include "common/thread_pool.h"

namespace quiver::index::fts {

MemorySegment::MemorySegment(std::vector<uint64_t> row_ids, std::vector<uint32_t> lengths,
                             std::vector<std::pair<std::string, Term>> terms, bool positions)
    : row_ids_(std::move(row_ids)),
      lengths_(std::move(lengths)),
      terms_(std::move(terms)),
      positions_(positions) {
  for (uint32_t l : lengths_) total_length_ += l;
}

Result<std::optional<TermInfo>> MemorySegment::Lookup(std::string_view term) const {
  auto it = std::lower_bound(terms_.begin(), terms_.end(), term,
                             [](const auto& entry, std::string_view t) { return entry.first < t; });
  if (it == terms_.end() || it->first != term) return std::optional<TermInfo>();
  TermInfo info;
  info.df = it->second.df;
  info.locator = static_cast<uint64_t>(it - terms_.begin());
  return std::optional<TermInfo>(info);
}

Result<PostingBytes> MemorySegment::Postings(std::string_view, const TermInfo& info, bool positions) const {
  if (info.locator >= terms_.size()) return Status::InvalidArgument("unknown term");
  const Term& t = terms_[info.locator].second;
  PostingBytes out;
  out.postings = t.postings;
  if (positions) out.positions = t.positions;
  return out;  // the segment owns the bytes; callers keep the segment alive
}

Status MemorySegment::ForEachTerm(std::string_view prefix,
                                  const std::function<bool(std::string_view, const TermInfo&)>& fn) const {
  auto it = std::lower_bound(terms_.begin(), terms_.end(), prefix,
                             [](const auto& entry, std::string_view t) { return entry.first < t; });
  for (; it != terms_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    TermInfo info;
    info.df = it->second.df;
    info.locator = static_cast<uint64_t>(it - terms_.begin());
    if (!fn(it->first, info)) break;
  }
  return Status::OK();
}

uint64_t MemorySegment::memory_bytes() const {
  uint64_t bytes = row_ids_.size() * (sizeof(uint64_t) + sizeof(uint32_t));
  for (const auto& [term, t] : terms_) bytes += term.size() + t.postings.size() + t.positions.size() + 64;
  return bytes;
}

namespace {

// Terms are short: XXH3 hashes them several times faster than std::hash.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return XXH3_64bits(s.data(), s.size()); }
};

// Rows per chunk analyzed by one task.
constexpr int64_t kChunkRows = 16384;

}  // namespace

size_t SegmentBuilder::TermHash::operator()(std::string_view s) const { return StringHash()(s); }

// The terms of consecutive documents, numbered from 0 within the chunk.
struct SegmentBuilder::Chunk {
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> ids;
  std::vector<std::string_view> names;  // by local term id (keys of `ids`)
  std::vector<RawPostings> postings;
  std::vector<uint32_t> lengths;

  // The document being added, and its length so far.
  const Analyzer* analyzer = nullptr;
  bool positions = false;
  uint32_t doc = 0;
  uint32_t length = 0;
  // Each distinct token as written -> its term id, or -1 when the filters
  // drop it: the filters (lower case, stemming, stop words) run once per
  // distinct word of the chunk instead of once per occurrence.
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> words;

  uint32_t Intern(std::string_view term) {
    auto it = ids.find(term);
    if (it != ids.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(postings.size());
    auto inserted = ids.emplace(std::string(term), id).first;
    names.push_back(inserted->first);
    postings.emplace_back();
    return id;
  }

  // One occurrence of term `id` at `position` in the current document;
  // tokens come in position order, so each term's postings stay sorted by
  // document and position without sorting.
  void AddTerm(uint32_t id, uint32_t position) {
    RawPostings& p = postings[id];
    if (p.docs.empty() || p.docs.back() != doc) {
      p.docs.push_back(doc);
      p.tfs.push_back(1);
    } else {
      ++p.tfs.back();
    }
    if (positions) p.positions.push_back(position);
    ++length;
  }

  static void AddWord(void* context, std::string_view token, uint32_t position) {
    Chunk& chunk = *static_cast<Chunk*>(context);
    auto it = chunk.words.find(token);
    if (it == chunk.words.end()) {
      const std::string term = chunk.analyzer->NormalizeTerm(token);
      it = chunk.words
               .emplace(std::string(token), term.empty() ? -1 : static_cast<int32_t>(chunk.Intern(term)))
               .first;
    }
    if (it->second >= 0) chunk.AddTerm(static_cast<uint32_t>(it->second), position);
  }
};

SegmentBuilder::SegmentBuilder(const Analyzer* analyzer, bool positions, ThreadPool* pool)
    : analyzer_(analyzer), positions_(positions), pool_(pool) {}

SegmentBuilder::~SegmentBuilder() = default;

Status SegmentBuilder::AddBatch(const Array& column, std::span<const uint64_t> row_ids) {
  const TypeId id = column.type()->id();
  const bool is_list = id == TypeId::kList || id == TypeId::kLargeList;
  const Array* strings = is_list ? column.child(0).get() : &column;
  const TypeId sid = strings->type()->id();
  if (sid != TypeId::kUtf8 && sid != TypeId::kLargeUtf8) {
    return Status::InvalidArgument(
        "full-text indexes need a text column (utf8, large_utf8 or a list of them); got " +
        column.type()->ToString());
  }
  const int64_t n = column.length();
  const int64_t num_chunks = (n + kChunkRows - 1) / kChunkRows;
  std::vector<Chunk> chunks(static_cast<size_t>(num_chunks));
  for (Chunk& chunk : chunks) {
    chunk.analyzer = analyzer_;
    chunk.positions = positions_;
  }
  const bool by_word = analyzer_->word_tokenizer();
  auto analyze = [&](int64_t first, int64_t last) {
    std::vector<Token> tokens;
    for (int64_t c = first; c < last; ++c) {
      Chunk& chunk = chunks[c];
      const int64_t begin = c * kChunkRows;
      const int64_t end = std::min(n, begin + kChunkRows);
      chunk.lengths.reserve(static_cast<size_t>(end - begin));
      for (int64_t row = begin; row < end; ++row) {
        chunk.doc = static_cast<uint32_t>(row - begin);
        chunk.length = 0;
        // Adds the terms of one value; returns the position after it.
        auto add = [&](std::string_view text, uint32_t position) -> uint32_t {
          if (by_word) return analyzer_->Tokenize(text, position, &Chunk::AddWord, &chunk);
          tokens.clear();
          const uint32_t next = analyzer_->Analyze(text, position, &tokens);
          for (const Token& t : tokens) chunk.AddTerm(chunk.Intern(t.text), t.position);
          return next;
        };
        if (!column.IsNull(row)) {
          if (is_list) {
            auto [b, e] = column.ListRange(row);
            uint32_t position = 0;
            for (int64_t v = b; v < e; ++v) {
              // A gap between values, so phrases do not span two of them.
              if (!strings->IsNull(v)) position = add(strings->GetView(v), position) + 1;
            }
          } else {
            add(column.GetView(row), 0);
          }
        }
        chunk.lengths.push_back(chunk.length);
      }
    }
  };
  if (pool_ != nullptr && num_chunks > 1) {
    pool_->ParallelFor(num_chunks, analyze);
  } else {
    analyze(0, num_chunks);
  }
  for (int64_t c = 0; c < num_chunks; ++c) {
    const uint32_t first_doc = static_cast<uint32_t>(row_ids_.size());
    const int64_t begin = c * kChunkRows;
    row_ids_.insert(row_ids_.end(), row_ids.begin() + begin,
                    row_ids.begin() + begin + static_cast<int64_t>(chunks[c].lengths.size()));
    lengths_.insert(lengths_.end(), chunks[c].lengths.begin(), chunks[c].lengths.end());
    MergeChunk(chunks[c], first_doc);
  }
  return Status::OK();
}

void SegmentBuilder::MergeChunk(Chunk& chunk, uint32_t first_doc) {
  for (size_t t = 0; t < chunk.postings.size(); ++t) {
    RawPostings& local = chunk.postings[t];
    auto it = terms_.find(chunk.names[t]);
    if (it == terms_.end()) {
      for (uint32_t& d : local.docs) d += first_doc;
      terms_.emplace(std::string(chunk.names[t]), std::move(local));
      continue;
    }
    RawPostings& global = it->second;
    for (uint32_t d : local.docs) global.docs.push_back(d + first_doc);
    global.tfs.insert(global.tfs.end(), local.tfs.begin(), local.tfs.end());
    global.positions.insert(global.positions.end(), local.positions.begin(), local.positions.end());
  }
}

void SegmentBuilder::AddDecoded(std::span<const uint64_t> row_ids, std::span<const uint32_t> lengths,
                                std::vector<std::pair<std::string, RawPostings>> terms) {
  Chunk chunk;
  for (auto& [term, postings] : terms) {
    const uint32_t id = chunk.Intern(term);
    chunk.postings[id] = std::move(postings);
  }
  const uint32_t first_doc = static_cast<uint32_t>(row_ids_.size());
  row_ids_.insert(row_ids_.end(), row_ids.begin(), row_ids.end());
  lengths_.insert(lengths_.end(), lengths.begin(), lengths.end());
  MergeChunk(chunk, first_doc);
}

std::shared_ptr<MemorySegment> SegmentBuilder::Finish() {
  std::vector<std::pair<std::string_view, RawPostings*>> order;
  order.reserve(terms_.size());
  for (auto& [term, postings] : terms_) order.emplace_back(term, &postings);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string, MemorySegment::Term>> terms;
  std::vector<RawPostings*> raw;
  terms.reserve(order.size());
  raw.reserve(order.size());
  for (const auto& [term, postings] : order) {
    terms.emplace_back(std::string(term), MemorySegment::Term{});
    raw.push_back(postings);
  }
  auto encode = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      RawPostings& p = *raw[i];
      MemorySegment::Term& t = terms[i].second;
      t.df = static_cast<uint32_t>(p.docs.size());
      EncodePostings(p.docs, p.tfs,
                     positions_ ? std::span<const uint32_t>(p.positions) : std::span<const uint32_t>(),
                     lengths_, &t.postings, &t.positions);
      p = RawPostings();  // free as we go
    }
  };
  if (pool_ != nullptr && terms.size() > 256) {
    pool_->ParallelFor(static_cast<int64_t>(terms.size()), encode, 64);
  } else {
    encode(0, static_cast<int64_t>(terms.size()));
  }
  terms_.clear();
  auto segment =
      std::make_shared<MemorySegment>(std::move(row_ids_), std::move(lengths_), std::move(terms), positions_);
  row_ids_.clear();
  lengths_.clear();
  return segment;
}

Result<std::vector<std::pair<std::string, RawPostings>>> DecodeSegment(const Segment& segment) {
  std::vector<std::pair<std::string, TermInfo>> infos;
  QUIVER_RETURN_NOT_OK(segment.ForEachTerm("", [&](std::string_view term, const TermInfo& info) {
    infos.emplace_back(std::string(term), info);
    return true;
  }));
  std::vector<std::pair<std::string, RawPostings>> out;
  out.reserve(infos.size());
  for (const auto& [term, info] : infos) {
    QUIVER_ASSIGN_OR_RETURN(PostingBytes bytes, segment.Postings(term, info, segment.has_positions()));
    QUIVER_ASSIGN_OR_RETURN(PostingList list, PostingList::Parse(bytes.postings, bytes.positions, info.df));
    RawPostings raw;
    raw.docs.reserve(info.df);
    raw.tfs.reserve(info.df);
    PostingCursor cursor(&list);
    for (uint32_t d = cursor.doc(); d != kNoDoc; d = cursor.Next()) {
      raw.docs.push_back(d);
      raw.tfs.push_back(cursor.tf());
      if (segment.has_positions()) {
        QUIVER_ASSIGN_OR_RETURN(auto positions, cursor.Positions());
        raw.positions.insert(raw.positions.end(), positions.begin(), positions.end());
      }
    }
    QUIVER_RETURN_NOT_OK(cursor.status());
    if (raw.docs.size() != info.df)
      return Status::Corruption("term \"" + term + "\": document count mismatch");
    out.emplace_back(term, std::move(raw));
  }
  return out;
}

}  // namespace quiver::index::fts
