#include "index/scalar/btree_index.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>

#include "common/coding.h"
#include "index/scalar/entry_sort.h"
#include "index/scalar/row_ids.h"
#include "index/scalar/single_file_index.h"

namespace quiver::index {
namespace {

static_assert(std::endian::native == std::endian::little, "pages are read in place as little-endian arrays");

constexpr char kMagic[] = "QVBT";

using Op = expr::ColumnPredicate::Op;

struct PageMeta {
  uint32_t num_entries = 0;
  uint32_t raw_size = 0;  // decompressed
  Compression codec = Compression::kNone;
  BlockRef block;
  Key min;
  Key max;
};

// A decoded page: fixed keys as `keys[n]`; byte keys as `data` cut by
// `offsets[n + 1]`; `rows[n]`. Points into `hold`.
struct PageView {
  uint32_t n = 0;
  const uint64_t* keys = nullptr;
  const uint32_t* offsets = nullptr;
  const char* data = nullptr;
  const uint64_t* rows = nullptr;
  BufferPtr hold;

  KeyView KeyAt(KeyKind kind, uint32_t i) const {
    if (kind == KeyKind::kFixed) return KeyView{keys[i], {}};
    return KeyView{0, std::string_view(data + offsets[i], offsets[i + 1] - offsets[i])};
  }
};

// Cuts the sorted entry stream into pages and appends them to the file.
class PageBuilder {
 public:
  PageBuilder(KeyKind kind, const ScalarIndexBuildOptions& options, IndexFileWriter& file)
      : kind_(kind), options_(options), file_(file) {
    max_entries_ = std::max<uint32_t>(options.btree_page_entries, 1);
  }

  Status Add(const KeyView& key, uint64_t row) {
    if (n_ > 0 &&
        (n_ >= max_entries_ || (kind_ == KeyKind::kBytes && data_.size() >= options_.btree_page_bytes))) {
      QUIVER_RETURN_NOT_OK(Flush());
    }
    if (num_entries_ == 0 || CompareKeyViews(kind_, key, ViewOf(last_)) != 0) ++num_distinct_;
    if (kind_ == KeyKind::kFixed) {
      last_.fixed = key.fixed;
      keys_.push_back(key.fixed);
    } else {
      if (key.bytes.size() > (uint32_t{1} << 30)) {
        return Status::InvalidArgument("a value of " + std::to_string(key.bytes.size()) +
                                       " bytes is too long for a BTREE index");
      }
      last_.bytes.assign(key.bytes);
      offsets_.push_back(static_cast<uint32_t>(data_.size()));
      data_.append(key.bytes);
    }
    if (n_ == 0) first_ = last_;
    rows_.push_back(row);
    ++n_;
    ++num_entries_;
    return Status::OK();
  }

  Status Flush() {
    if (n_ == 0) return Status::OK();
    std::string raw;
    if (kind_ == KeyKind::kFixed) {
      raw.resize(16 * size_t{n_});
      std::memcpy(raw.data(), keys_.data(), 8 * size_t{n_});
      std::memcpy(raw.data() + 8 * size_t{n_}, rows_.data(), 8 * size_t{n_});
    } else {
      offsets_.push_back(static_cast<uint32_t>(data_.size()));
      raw.resize(8 * size_t{n_} + 4 * (size_t{n_} + 1) + data_.size());
      std::memcpy(raw.data(), rows_.data(), 8 * size_t{n_});
      std::memcpy(raw.data() + 8 * size_t{n_}, offsets_.data(), 4 * (size_t{n_} + 1));
      std::memcpy(raw.data() + 8 * size_t{n_} + 4 * (size_t{n_} + 1), data_.data(), data_.size());
    }
    if (raw.size() > UINT32_MAX) return Status::InvalidArgument("BTREE page over 4 GiB");
    PageMeta page;
    page.num_entries = n_;
    page.raw_size = static_cast<uint32_t>(raw.size());
    std::string_view stored = raw;
    if (options_.compression != Compression::kNone) {
      compressed_.resize(MaxCompressedSize(options_.compression, raw.size()));
      QUIVER_ASSIGN_OR_RETURN(
          size_t size, compressor_.Compress(options_.compression, options_.zstd_level, raw.data(), raw.size(),
                                            compressed_.data(), compressed_.size()));
      if (size <= raw.size() - raw.size() / 8) {
        stored = std::string_view(compressed_.data(), size);
        page.codec = options_.compression;
      }
    }
    QUIVER_ASSIGN_OR_RETURN(page.block, file_.AppendBlock(stored));
    page.min = first_;
    page.max = last_;
    pages_.push_back(std::move(page));
    n_ = 0;
    keys_.clear();
    rows_.clear();
    offsets_.clear();
    data_.clear();
    return Status::OK();
  }

  const std::vector<PageMeta>& pages() const { return pages_; }
  uint64_t num_entries() const { return num_entries_; }
  uint64_t num_distinct() const { return num_distinct_; }

 private:
  KeyKind kind_;
  const ScalarIndexBuildOptions& options_;
  IndexFileWriter& file_;
  Compressor compressor_;
  uint32_t max_entries_;
  uint32_t n_ = 0;
  std::vector<uint64_t> keys_;
  std::vector<uint64_t> rows_;
  std::vector<uint32_t> offsets_;
  std::string data_;
  std::string compressed_;
  Key first_;
  Key last_;
  std::vector<PageMeta> pages_;
  uint64_t num_entries_ = 0;
  uint64_t num_distinct_ = 0;
};

class BTreeIndex;
Result<ScalarIndexMeta> WriteBTree(const Field& column, IndexInput& input, const BTreeIndex* old,
                                   const Roaring64Map* removed, ObjectStore& store, const std::string& prefix,
                                   const ScalarIndexBuildOptions& options);

class BTreeIndex final : public SingleFileIndex {
 public:
  static Result<std::unique_ptr<BTreeIndex>> Open(ObjectStorePtr store, const std::string& prefix,
                                                  const ScalarIndexMeta& meta) {
    QUIVER_RETURN_NOT_OK(CheckFiles(meta, kBTreeFileName));
    QUIVER_ASSIGN_OR_RETURN(KeyType key_type, KeyTypeFor(*meta.value_type));
    std::unique_ptr<BTreeIndex> idx(new BTreeIndex());
    QUIVER_RETURN_NOT_OK(idx->OpenFile(std::move(store), prefix, meta, key_type, kBTreeFileName, kMagic));
    QUIVER_RETURN_NOT_OK(idx->ParseFooter());
    return idx;
  }

  bool CanAnswer(Op op) const override { return op != Op::kHasAny && op != Op::kHasAll; }

  Result<Roaring64Map> SearchImpl(const expr::ColumnPredicate& pred) const override {
    if (IsComparison(pred.op)) {
      QUIVER_ASSIGN_OR_RETURN(KeyRange range, RangeFor(key_type_, pred));
      return SearchRange(range);
    }
    switch (pred.op) {
      case Op::kIn: {
        std::vector<Key> keys;
        for (const expr::Scalar& v : pred.values) {
          if (v.is_null()) continue;  // x IN (.., NULL) is never true through the NULL
          QUIVER_ASSIGN_OR_RETURN(std::optional<Key> k, ExactKey(key_type_, v));
          if (k) keys.push_back(std::move(*k));
        }
        return SearchKeys(std::move(keys));
      }
      case Op::kIsNull:
      case Op::kIsNotNull:
        return SearchNulls(pred.op);
      default:
        return Status::NotSupported("a BTREE index cannot answer array_has_any / array_has_all");
    }
  }

  Result<Roaring64Map> SearchAllImpl(std::span<const expr::ColumnPredicate> conjuncts) const override {
    // Comparisons fold into one key range, read in one pass.
    std::optional<KeyRange> range;
    std::vector<expr::ColumnPredicate> rest;
    for (const expr::ColumnPredicate& p : conjuncts) {
      if (IsComparison(p.op)) {
        QUIVER_ASSIGN_OR_RETURN(KeyRange r, RangeFor(key_type_, p));
        range = range ? Intersect(kind_, *range, r) : r;
      } else {
        rest.push_back(p);
      }
    }
    if (!range) return ScalarIndex::SearchAllImpl(conjuncts);
    QUIVER_ASSIGN_OR_RETURN(Roaring64Map out, SearchRange(*range));
    for (const expr::ColumnPredicate& p : rest) {
      if (out.isEmpty()) break;
      if (p.op == Op::kIsNotNull) continue;  // a matched comparison is never NULL
      QUIVER_ASSIGN_OR_RETURN(Roaring64Map part, SearchImpl(p));
      out &= part;
    }
    return out;
  }

  // --- Used by WriteBTree to merge this index into a new one.

  size_t num_pages() const { return pages_.size(); }

  // Reads pages [first, *end) for some *end > first: as many adjacent pages
  // as fit one request. Appends them, decoded, to `views`.
  Status LoadSpan(size_t first, size_t limit, size_t* end, std::vector<PageView>* views) const {
    QUIVER_ASSIGN_OR_RETURN(
        std::vector<BufferPtr> stored,
        file_->ReadAdjacentBlocks(
            limit - first, [&](size_t i) -> const BlockRef& { return pages_[first + i].block; },
            [&](size_t i) { return PageName(first + i); }));
    for (size_t i = 0; i < stored.size(); ++i) {
      QUIVER_ASSIGN_OR_RETURN(PageView view, Decode(first + i, std::move(stored[i])));
      views->push_back(std::move(view));
    }
    *end = first + stored.size();
    return Status::OK();
  }

 protected:
  Result<ScalarIndexMeta> Rewrite(const Field& column, IndexInput& input, const Roaring64Map& removed,
                                  ObjectStore& store, const std::string& prefix,
                                  const ScalarIndexBuildOptions& options) const override {
    return WriteBTree(column, input, this, &removed, store, prefix, options);
  }

 private:
  BTreeIndex() = default;

  std::string PageName(size_t p) const { return "page " + std::to_string(p); }

  Status ParseFooter() {
    std::string_view in = file_->footer();
    FooterHead head;
    uint64_t num_entries, num_distinct, num_pages;
    if (!GetFooterHead(&in, &head) || !GetVarint64(&in, &num_entries) || !GetVarint64(&in, &num_distinct) ||
        !GetBlockRef(&in, &null_ref_) || !GetBlockRef(&in, &all_ref_) || !GetVarint64(&in, &num_pages)) {
      return file_->Corrupt("truncated footer");
    }
    QUIVER_RETURN_NOT_OK(CheckFooterHead(head));
    if (head.num_rows != meta_.num_rows || head.num_null_rows != meta_.num_null_rows ||
        num_entries + head.num_null_rows != head.num_rows) {
      return file_->Corrupt("footer row counts do not match the index metadata");
    }
    QUIVER_RETURN_NOT_OK(CheckRowBitmapRefs());
    if (num_pages > in.size() / 8)
      return file_->Corrupt("footer claims " + std::to_string(num_pages) + " pages");
    pages_.resize(num_pages);
    uint64_t total = 0;
    for (uint64_t p = 0; p < num_pages; ++p) {
      PageMeta& page = pages_[p];
      uint32_t codec = 0;
      if (!GetVarint32(&in, &page.num_entries) || !GetVarint32(&in, &page.raw_size) || in.empty()) {
        return file_->Corrupt("truncated page lookup");
      }
      codec = static_cast<uint8_t>(in[0]);
      in.remove_prefix(1);
      if (!GetBlockRef(&in, &page.block) || !GetKey(&in, kind_, &page.min) ||
          !GetKey(&in, kind_, &page.max)) {
        return file_->Corrupt("truncated page lookup");
      }
      if (codec > 2) return file_->Corrupt(PageName(p) + " has unknown compression " + std::to_string(codec));
      page.codec = static_cast<Compression>(codec);
      QUIVER_RETURN_NOT_OK(file_->CheckRef(page.block, PageName(p)));
      const uint64_t n = page.num_entries;
      const bool layout_ok = kind_ == KeyKind::kFixed ? page.raw_size == 16 * n : page.raw_size >= 12 * n + 4;
      if (n == 0 || !layout_ok || (page.codec == Compression::kNone && page.block.size != page.raw_size) ||
          CompareKeys(kind_, page.min, page.max) > 0 ||
          (p > 0 && CompareKeys(kind_, pages_[p - 1].max, page.min) > 0)) {
        return file_->Corrupt("inconsistent lookup entry for " + PageName(p));
      }
      total += n;
    }
    if (total != num_entries || !in.empty()) return file_->Corrupt("page lookup does not add up");
    return Status::OK();
  }

  Result<PageView> Decode(size_t p, BufferPtr stored) const {
    const PageMeta& page = pages_[p];
    BufferPtr raw;
    if (page.codec == Compression::kNone) {
      raw = std::move(stored);
      if (reinterpret_cast<uintptr_t>(raw->data()) % 8 != 0) raw = Buffer::Copy(raw->data(), raw->size());
    } else {
      raw = Buffer::AllocateUninitialized(page.raw_size);
      Status st = Decompress(page.codec, stored->data(), stored->size(), raw->mutable_data(), page.raw_size);
      if (!st.ok()) return file_->Corrupt(PageName(p) + ": " + st.message());
    }
    PageView v;
    v.n = page.num_entries;
    const uint8_t* base = raw->data();
    if (kind_ == KeyKind::kFixed) {
      v.keys = reinterpret_cast<const uint64_t*>(base);
      v.rows = reinterpret_cast<const uint64_t*>(base + 8 * size_t{v.n});
    } else {
      v.rows = reinterpret_cast<const uint64_t*>(base);
      v.offsets = reinterpret_cast<const uint32_t*>(base + 8 * size_t{v.n});
      v.data = reinterpret_cast<const char*>(base + 12 * size_t{v.n} + 4);
      const uint64_t data_size = page.raw_size - (12 * uint64_t{v.n} + 4);
      if (v.offsets[0] != 0 || v.offsets[v.n] != data_size)
        return file_->Corrupt(PageName(p) + ": bad offsets");
      for (uint32_t i = 0; i < v.n; ++i) {
        if (v.offsets[i] > v.offsets[i + 1]) return file_->Corrupt(PageName(p) + ": bad offsets");
      }
    }
    v.hold = std::move(raw);
    return v;
  }

  // Reads `pages` (ascending, distinct) and calls fn(page, view) on each.
  Status ReadPages(const std::vector<size_t>& pages,
                   const std::function<Status(size_t, const PageView&)>& fn) const {
    size_t i = 0;
    std::vector<PageView> views;
    while (i < pages.size()) {
      // The run of consecutive page numbers starting at pages[i].
      size_t j = i + 1;
      while (j < pages.size() && pages[j] == pages[j - 1] + 1) ++j;
      size_t p = pages[i];
      const size_t limit = pages[j - 1] + 1;
      while (p < limit) {
        views.clear();
        size_t end;
        QUIVER_RETURN_NOT_OK(LoadSpan(p, limit, &end, &views));
        for (size_t k = 0; k < views.size(); ++k) QUIVER_RETURN_NOT_OK(fn(p + k, views[k]));
        p = end;
      }
      i = j;
    }
    return Status::OK();
  }

  // First index in the page whose key is >= k (> k when !inclusive).
  uint32_t LowerIndex(const PageView& v, const KeyBound& b) const {
    const KeyView k = ViewOf(b.key);
    uint32_t lo = 0, hi = v.n;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      int c = CompareKeyViews(kind_, v.KeyAt(kind_, mid), k);
      if (c < 0 || (c == 0 && !b.inclusive)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
  // First index past the keys <= k (< k when !inclusive).
  uint32_t UpperIndex(const PageView& v, const KeyBound& b) const {
    return LowerIndex(v, KeyBound{b.key, !b.inclusive});
  }

  // Pages [first, end) whose key span meets `range`.
  std::pair<size_t, size_t> PagesOf(const KeyRange& range) const {
    return ItemsMeeting(
        kind_, pages_, range, [](const PageMeta& pg) -> const Key& { return pg.min; },
        [](const PageMeta& pg) -> const Key& { return pg.max; });
  }

  Result<Roaring64Map> SearchRange(const KeyRange& range) const {
    if (range.empty) return Roaring64Map();
    auto [first, end] = PagesOf(range);
    std::vector<size_t> pages(end - first);
    std::iota(pages.begin(), pages.end(), first);
    RowIdCollector out;
    QUIVER_RETURN_NOT_OK(ReadPages(pages, [&](size_t p, const PageView& v) {
      const PageMeta& pg = pages_[p];
      if (range.Contains(kind_, pg.min) && range.Contains(kind_, pg.max)) {
        out.AddMany(v.rows, v.n);
        return Status::OK();
      }
      const uint32_t lo = range.lower ? LowerIndex(v, *range.lower) : 0;
      const uint32_t hi = range.upper ? UpperIndex(v, *range.upper) : v.n;
      if (lo < hi) out.AddMany(v.rows + lo, hi - lo);
      return Status::OK();
    }));
    return out.Finish();
  }

  Result<Roaring64Map> SearchKeys(std::vector<Key> keys) const {
    std::sort(keys.begin(), keys.end(),
              [&](const Key& a, const Key& b) { return CompareKeys(kind_, a, b) < 0; });
    keys.erase(std::unique(keys.begin(), keys.end(),
                           [&](const Key& a, const Key& b) { return CompareKeys(kind_, a, b) == 0; }),
               keys.end());
    // Which keys each page may hold.
    std::vector<size_t> pages;
    std::vector<std::pair<size_t, size_t>> key_spans;  // per page: keys [a, b)
    for (size_t k = 0; k < keys.size(); ++k) {
      auto [first, end] = PagesOf(KeyRange::Point(keys[k]));
      for (size_t p = first; p < end; ++p) {
        if (!pages.empty() && pages.back() == p) {
          key_spans.back().second = k + 1;
        } else {
          pages.push_back(p);
          key_spans.push_back({k, k + 1});
        }
      }
    }
    RowIdCollector out;
    size_t idx = 0;
    QUIVER_RETURN_NOT_OK(ReadPages(pages, [&](size_t p, const PageView& v) {
      auto [a, b] = key_spans[idx++];
      for (size_t k = a; k < b; ++k) {
        KeyBound bound{keys[k], true};
        const uint32_t lo = LowerIndex(v, bound);
        const uint32_t hi = UpperIndex(v, bound);
        if (lo < hi) out.AddMany(v.rows + lo, hi - lo);
      }
      return Status::OK();
    }));
    return out.Finish();
  }

  std::vector<PageMeta> pages_;
};

// Streams an old index's entries, in order, leaving out removed row ids.
class OldEntriesCursor : public EntryCursor {
 public:
  OldEntriesCursor(const BTreeIndex& old, const Roaring64Map& removed) : old_(old), removed_(removed) {}

  Result<bool> Next() override {
    const bool filter = !removed_.isEmpty();
    while (true) {
      if (vi_ < views_.size()) {
        const PageView& v = views_[vi_];
        while (ei_ < v.n) {
          const uint32_t i = ei_++;
          if (filter && removed_.contains(v.rows[i])) continue;
          key_ = v.KeyAt(old_.kind(), i);
          row_ = v.rows[i];
          return true;
        }
        ++vi_;
        ei_ = 0;
        continue;
      }
      if (next_page_ >= old_.num_pages()) return false;
      views_.clear();
      vi_ = 0;
      QUIVER_RETURN_NOT_OK(old_.LoadSpan(next_page_, old_.num_pages(), &next_page_, &views_));
    }
  }

 private:
  const BTreeIndex& old_;
  const Roaring64Map& removed_;
  size_t next_page_ = 0;
  std::vector<PageView> views_;
  size_t vi_ = 0;
  uint32_t ei_ = 0;
};

Result<ScalarIndexMeta> WriteBTree(const Field& column, IndexInput& input, const BTreeIndex* old,
                                   const Roaring64Map* removed, ObjectStore& store, const std::string& prefix,
                                   const ScalarIndexBuildOptions& options) {
  QUIVER_RETURN_NOT_OK(CheckIndexable(ScalarIndexType::kBTree, *column.type));
  QUIVER_ASSIGN_OR_RETURN(KeyType key_type, KeyTypeFor(*column.type));
  const KeyKind kind = key_type.kind();
  const FixedKeyFn read_key = FixedKeyReader(*column.type);

  const std::string folder = prefix.empty() || prefix.back() == '/' ? prefix : prefix + "/";
  EntrySorter sorter(kind, store, folder, options.sort_memory_bytes);
  RowIdCollector nulls, all;
  auto build = [&]() -> Result<ScalarIndexMeta> {
    while (true) {
      QUIVER_ASSIGN_OR_RETURN(IndexInputBatch b, input.Next());
      if (!b.values) break;
      const Array& values = *b.values;
      all.AddMany(b.row_ids, b.num_rows);
      const bool has_nulls = values.null_count() > 0;
      for (int64_t i = 0; i < b.num_rows; ++i) {
        if (has_nulls && values.IsNull(i)) {
          nulls.Add(b.row_ids[i]);
        } else if (kind == KeyKind::kFixed) {
          QUIVER_RETURN_NOT_OK(sorter.AddFixed(read_key(values, i), b.row_ids[i]));
        } else {
          QUIVER_RETURN_NOT_OK(sorter.AddBytes(values.GetView(i), b.row_ids[i]));
        }
      }
      QUIVER_RETURN_NOT_OK(ReportProgress(options, "reading", input.rows_read()));
    }
    Roaring64Map null_rows = nulls.Finish();
    Roaring64Map all_rows = all.Finish();
    QUIVER_RETURN_NOT_OK(ReportProgress(options, "sorting", input.rows_read()));
    QUIVER_ASSIGN_OR_RETURN(auto cursors, sorter.Finish());
    if (old) {
      QUIVER_RETURN_NOT_OK(old->AddRowsKept(*removed, &null_rows, &all_rows));
      cursors.push_back(std::make_unique<OldEntriesCursor>(*old, *removed));
    }

    const std::string key = JoinKey(prefix, kBTreeFileName);
    QUIVER_ASSIGN_OR_RETURN(auto file, IndexFileWriter::Open(store, key, std::string_view(kMagic, 4)));
    PageBuilder pages(kind, options, *file);
    uint64_t written = 0;
    QUIVER_RETURN_NOT_OK(MergeEntries(kind, std::move(cursors), [&](const KeyView& k, uint64_t row) {
      if ((++written & 0xfffff) == 0) QUIVER_RETURN_NOT_OK(ReportProgress(options, "writing", written));
      return pages.Add(k, row);
    }));
    QUIVER_RETURN_NOT_OK(pages.Flush());
    QUIVER_ASSIGN_OR_RETURN(BlockRef null_ref, file->AppendBlock(EncodeRowIds(null_rows)));
    QUIVER_ASSIGN_OR_RETURN(BlockRef all_ref, file->AppendBlock(EncodeRowIds(all_rows)));

    ScalarIndexMeta meta;
    meta.type = ScalarIndexType::kBTree;
    meta.value_type = column.type;
    meta.num_null_rows = null_rows.cardinality();
    meta.num_rows = pages.num_entries() + meta.num_null_rows;
    meta.num_distinct = pages.num_distinct();

    std::string footer;
    PutFooterHead(&footer, *column.type, kind, meta.num_rows, meta.num_null_rows);
    PutVarint64(&footer, pages.num_entries());
    PutVarint64(&footer, meta.num_distinct);
    PutBlockRef(&footer, null_ref);
    PutBlockRef(&footer, all_ref);
    PutVarint64(&footer, pages.pages().size());
    for (const PageMeta& p : pages.pages()) {
      PutVarint32(&footer, p.num_entries);
      PutVarint32(&footer, p.raw_size);
      footer.push_back(static_cast<char>(p.codec));
      PutBlockRef(&footer, p.block);
      PutKey(&footer, kind, p.min);
      PutKey(&footer, kind, p.max);
    }
    QUIVER_ASSIGN_OR_RETURN(uint64_t size, file->Finish(footer));
    meta.files.push_back({kBTreeFileName, size});
    return meta;
  };
  Result<ScalarIndexMeta> result = build();
  Status cleanup = sorter.Cleanup();
  if (result.ok() && !cleanup.ok()) return cleanup;
  return result;
}

}  // namespace

Result<ScalarIndexMeta> BuildBTreeIndex(const Field& column, IndexInput& input, ObjectStore& store,
                                        const std::string& prefix, const ScalarIndexBuildOptions& options) {
  return WriteBTree(column, input, nullptr, nullptr, store, prefix, options);
}

Result<std::unique_ptr<ScalarIndex>> OpenBTreeIndex(ObjectStorePtr store, const std::string& prefix,
                                                    const ScalarIndexMeta& meta) {
  QUIVER_ASSIGN_OR_RETURN(auto idx, BTreeIndex::Open(std::move(store), prefix, meta));
  return std::unique_ptr<ScalarIndex>(std::move(idx));
}

}  // namespace quiver::index
